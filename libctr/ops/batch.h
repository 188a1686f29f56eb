/* Batches (ctr_batch): operations inside one skip the lock their thread already holds. */
#ifndef LIBCTR_BATCH_H
#define LIBCTR_BATCH_H

#include "container.h"

/* The lock descriptor of this thread's batch on c, or -1 when there is none. */
int ctri_batch_fd(const ctr_container_t *c);

/* 1 if fd is the lock of one of this thread's batches (ctri_end must keep it). */
int ctri_batch_owns(int fd);

#endif
