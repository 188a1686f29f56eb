/* What lifecycle.c shares: the step that creates a run in the runtime (start, restart, the
 * restart policy, restore), the dependency rules of a start, the kill wait. */
#ifndef LIBCTR_LIFECYCLE_H
#define LIBCTR_LIFECYCLE_H

#include "op.h"
#include "state.h"

/* Where a restore takes the container's processes from. */
struct ctri_restore_src {
	const char *images; /* CRIU images */
	const char *work;   /* CRIU's work directory */
	int tcp_established;
};

/* With c's lock (lock_fd) held: CONFIGURED, STOPPED or EXITED -> CREATED, or RUNNING with
 * run (`run --detach`) or rs (`restore --detach` from a checkpoint; run must be 0). The last run's
 * exec sessions and runtime state go first; the root filesystem is mounted for the run. user: a
 * start by the user (begins a new restart count). what: init, start, restart (the policy's)
 * or restore, recorded as the owner and named in messages. On failure st is saved as it
 * was. */
int ctri_create_in_runtime(ctr_container_t *c, enum ctri_op what, int lock_fd, struct ctri_st *st,
			   int run, int user, const struct ctri_restore_src *rs);

/* Every dependency of c is RUNNING, else CTR_E_DEPEND naming the first that is not. */
int ctri_dep_check(ctr_container_t *c, const char *op);
/* Start c's dependencies that do not run, theirs first (depth first). Takes no lock of c. */
int ctri_dep_start(ctr_container_t *c, const char *op);

/* After SIGKILL, how long a process may take to go. */
#define CTRI_KILL_WAIT_MS 10000

#endif
