/* Starting a created runc container without a runtime process (runc_start.c). */
#ifndef LIBCTR_RUNC_START_H
#define LIBCTR_RUNC_START_H

#include <sys/types.h>

#include "container.h"

/* With c's lock held, c CREATED by runc with init pid init_pid, and state_dirfd the runtime's
 * state directory of c (ctri_oci_hold): do what `runc start` does. Returns 1 when this way
 * does not apply (another runtime, or no exec fifo): the caller runs `RUNTIME start`; 0 once
 * the init has been released to exec its command; < 0 an error (CTR_E_RUNTIME when the init
 * died first, CTR_E_TIMEOUT after the runtime timeout). */
int ctri_runc_start(ctr_container_t *c, int state_dirfd, pid_t init_pid);

#endif
