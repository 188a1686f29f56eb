/* Opening a runtime context. */
#ifndef LIBCTR_RUNTIME_OPEN_H
#define LIBCTR_RUNTIME_OPEN_H

#include "ctr/ctr.h"

/* ctr_runtime_open() with the path of ctr-cleanup given (NULL: env CTR_CLEANUP, else the
 * installed one), for ctr-cleanup itself, which opens the context its monitor passed on
 * (cleanup_ctx.h). */
int ctri_runtime_open(const ctr_runtime_opts_t *opts, const char *cleanup_path,
		      ctr_runtime_t **out);

#endif
