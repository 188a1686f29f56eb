/* Keeping the recorded state true: every operation locks, then syncs. */
#ifndef LIBCTR_SYNC_H
#define LIBCTR_SYNC_H

#include "state.h"

#define CTRI_SYNC_RUNTIME 0x1u /* ask the runtime too (ctr_sync) */

/* 1 for the states in which a monitor holds the container: CREATED, RUNNING, PAUSED. */
int ctri_st_active(ctr_state_t s);

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

#endif
