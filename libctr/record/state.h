/* The mutable state record of a container (`state/<id>`) as a struct, and owner records
 * of operations in progress. */
#ifndef LIBCTR_STATE_H
#define LIBCTR_STATE_H

#include <sys/types.h>

#include "container.h"
#include "op.h"

/* Who runs an operation that spans several steps: a later caller that finds the owner
 * dead finishes or rolls it back (docs/design.md, "Interrupted operations"). */
struct ctri_owner {
	char op[16];		 /* ctri_op_name() of the operation: see ctri_st_own() */
	pid_t pid;		 /* the owner process */
	unsigned long long start; /* its start time, against pid reuse */
	char boot_id[40];	 /* the boot it ran in */
	ctr_state_t from;	 /* the state before the operation */
};

struct ctri_st {
	ctr_state_t state;
	long long changed;    /* ns since the epoch */
	pid_t pid;	      /* the container's init, 0: none */
	pid_t mon_pid;	      /* its monitor, 0: none */
	unsigned long long mon_start; /* the monitor's start time */
	long long started_at; /* last start, ns */
	long long finished_at; /* last exit, ns (the monitor's clock) */
	int has_exit;	      /* exit_code, signal and oom hold the last exit */
	int exit_code, signal, oom;
	int monitor_lost; /* the last run's monitor died before the container */
	ctr_state_t reset_from; /* the state a reboot cut short (CTR_STATE_UNKNOWN: none) */
	int stopped_by_user; /* ctr_stop/ctr_kill since the last user start: no policy restart */
	int restart_count;   /* restarts by the restart policy since the last user start */
	int checkpointed;    /* the last run ended in a checkpoint (ready for ctr_restore) */
	char checkpoint[72]; /* the name of the last checkpoint taken, "" if none */
	int has_owner;
	struct ctri_owner owner;
};

/* Read c's state record. CTR_E_REMOVED when it is gone, CTR_E_STORE when damaged. */
int ctri_st_load(ctr_container_t *c, const char *op, struct ctri_st *st);

/* Write it (changed = now). durable: fsync'ed (exit codes, anything a reboot must not lose);
 * otherwise the write reaches the page cache only: it survives the death of any process,
 * and a reboot resets running containers anyway. */
int ctri_st_save(ctr_container_t *c, const char *op, struct ctri_st *st, int durable);

/* Make the calling process the owner of op, remembering the state it starts from. The
 * operations that record themselves: init, start, restart (the policy's), restore, stop,
 * cleanup, remove; ctri_sync() finishes or rolls back each (sync.c, recover()). */
void ctri_st_own(ctr_container_t *c, struct ctri_st *st, enum ctri_op op);

/* 1 if the owner process still runs (same pid, start time and boot). */
int ctri_owner_alive(const ctr_container_t *c, const struct ctri_owner *o);

/* Forget the process of the last run (pid, monitor). */
void ctri_st_no_process(struct ctri_st *st);

/* 1 for the states in which a monitor holds the container: CREATED, RUNNING, PAUSED. */
int ctri_st_active(ctr_state_t s);

/* Save st (not durably), then hand back r: the first error wins. */
int ctri_st_save_then(ctr_container_t *c, const char *op, struct ctri_st *st, int r);

#endif
