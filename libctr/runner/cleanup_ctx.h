/* The runtime context handed to ctr-cleanup. A container with a restart policy gets a
 * monitor that runs ctr-cleanup at its exit; ctr-cleanup must open the same context its
 * starter had (directories, runtime, monitor, ctr-cleanup itself, timeout, flags), or its
 * restart runs elsewhere or not at all. One writer (the library, into the monitor's
 * environment) and one reader (ctr-cleanup): the variable CTRP_CLEANUP_CTX_ENV
 * (CTR_CLEANUP_CONTEXT; its name is the monitor protocol's, monitor_proto.h), a JSON object
 * with one member per setting, all required, no others allowed. */
#ifndef LIBCTR_CLEANUP_CTX_H
#define LIBCTR_CLEANUP_CTX_H

#include <json-c/json.h>

#include "ctr/ctr.h"
#include "monitor_proto.h"

/* A context, read back. */
struct ctri_cleanup_ctx {
	ctr_runtime_opts_t opts;  /* every field set; the strings belong to json */
	const char *cleanup_path; /* ctr-cleanup, for the next run's monitor */
	json_object *json;
};

/* The environment of a monitor that runs ctr-cleanup: base without CTR_CLEANUP_* entries
 * (CTRP_CLEANUP_ENV_PREFIX: a context inherited from whoever started us is not ours), plus
 * rt's context. NULL when out of memory. Release with ctri_cleanup_ctx_env_free(); the strings of
 * base stay base's. */
char **ctri_cleanup_ctx_env(const ctr_runtime_t *rt, char *const *base);
void ctri_cleanup_ctx_env_free(char **env);

/* Read a context written by ctri_cleanup_ctx_env() (the variable's value; NULL: unset).
 * CTR_E_INVAL naming what is missing, unknown or malformed; CTR_E_NOMEM. On success release
 * with ctri_cleanup_ctx_release(). */
int ctri_cleanup_ctx_parse(const char *text, struct ctri_cleanup_ctx *out);
void ctri_cleanup_ctx_release(struct ctri_cleanup_ctx *ctx);

#endif
