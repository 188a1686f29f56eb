/* Keeping the recorded state true: every operation locks, then syncs. */
#ifndef LIBCTR_SYNC_H
#define LIBCTR_SYNC_H

#include "state.h"

#define CTRI_SYNC_RUNTIME 0x1u /* ask the runtime too (ctr_sync) */


/* With the lock held: load st, finish an operation whose owner died, take the exit file,
 * notice a dead monitor. */
int ctri_sync(ctr_container_t *c, const char *op, struct ctri_st *st, unsigned flags);

/* Lock c (*fd) and sync st. On failure the lock is released. */
int ctri_begin(ctr_container_t *c, const char *op, int *fd, struct ctri_st *st, unsigned flags);
void ctri_end(int fd);

/* Read st without the lock, taking it only when reality has moved on (an exit file, a dead
 * monitor, a dead owner): the cheap path of ctr_state() and friends. */
int ctri_refresh(ctr_container_t *c, const char *op, struct ctri_st *st);

/* 1 if st's monitor is alive (a cached pidfd makes this a poll). */
int ctri_monitor_alive(ctr_container_t *c, const struct ctri_st *st);
/* A new pidfd on st's monitor, or -1 when it is gone. */
int ctri_monitor_fd(ctr_container_t *c, const struct ctri_st *st);

/* Batches (ctr_batch): operations inside one skip the lock their thread already holds. */
struct ctri_batch {
	const ctr_runtime_t *rt;
	char id[CTRI_ID_LEN + 1];
	int fd;
	pid_t pid;		  /* a child forked inside the batch is not in it */
	struct ctri_batch *outer; /* a batch on another container, around this one */
};
/* Record b, holding c's lock fd, as this thread's innermost batch, until ctri_batch_leave. */
void ctri_batch_enter(struct ctri_batch *b, const ctr_container_t *c, int fd);
void ctri_batch_leave(struct ctri_batch *b);
/* The lock descriptor of this thread's batch on c, or -1 when there is none. */
int ctri_batch_fd(const ctr_container_t *c);
/* 1 if fd is the lock of one of this thread's batches (ctri_end must keep it). */
int ctri_batch_owns(int fd);

#endif
