/* The crash-point suite: for every CTRI_CRASHPOINT in libctr, a caller killed there, and a
 * new caller that must find a consistent state and be able to finish or remove the
 * container (docs/design.md, "Crash points"). */
#ifndef CTR_FAULTS_H
#define CTR_FAULTS_H

#include <stddef.h>

#include "itest.h"

/* The operation the killed caller runs. */
enum f_op {
	OP_CREATE,  /* ctr_create of a container named FAULTS_NAME */
	OP_INIT,    /* ctr_init */
	OP_START,   /* ctr_start */
	OP_STOP,    /* ctr_stop with FAULTS_STOP_S (1 s for F_STUBBORN) */
	OP_CLEANUP, /* ctr_cleanup */
	OP_REMOVE,  /* ctr_remove without force */
	OP_STATE,   /* ctr_state: a read, which applies exits and recovers dead callers */
};

/* The state the container is brought to before the caller runs. */
enum f_from {
	FROM_NOTHING,	   /* no container yet (create) */
	FROM_CONFIGURED,   /* created */
	FROM_CREATED,	   /* ctr_init */
	FROM_RUNNING,	   /* ctr_start, its trap set */
	FROM_STOPPED,	   /* run and stopped (exit code 7, or 137 for F_STUBBORN) */
	FROM_EXITED,	   /* STOPPED, then ctr_cleanup */
	FROM_EXIT_PENDING, /* exited by itself (code 33); the exit file not yet read by anyone */
	FROM_PAUSED,	   /* RUNNING, then ctr_pause */
	FROM_MONITOR_LOST, /* RUNNING, then its monitor killed (the next read kills the container)
			    */
};

#define F_LAYERED  1u /* on image layers: the overlay is mounted and unmounted */
#define F_STUBBORN 2u /* ignores SIGTERM: a stop escalates to SIGKILL */
#define F_EXEC	   4u /* with an exited exec session (FROM_STOPPED) */
#define F_RESTART  8u /* restart policy on-failure: ctr_cleanup of an exit restarts it */

/* What the next caller may find, one bit per ctr_state_t; F_GONE: no container (never
 * created, or the remove was finished). */
#define F_STATE(s) (1u << (s))
#define F_GONE	   (1u << 31)

struct f_case {
	const char *at; /* CTR_CRASH_AT for the caller */
	enum f_op op;
	enum f_from from;
	unsigned flags;	  /* F_LAYERED, F_STUBBORN, F_EXEC */
	unsigned finds;	  /* F_STATE() bits and F_GONE */
	const char *then; /* if set, a second caller killed here in ctr_state (recovery's crash) */
};

#define FAULTS_NAME   "victim"
#define FAULTS_STOP_S 20 /* a graceful stop: the trap is in time even on a loaded machine */

extern const struct f_case f_cases[];
extern const size_t f_n_cases;

/* Run case i: set it up, kill the caller at its point, check what the next caller finds,
 * then finish and remove the container and check nothing is left. */
void f_run_case(const struct f_case *fc);

#endif
