/* The soak test's parts (soak.c: options, workers, the run; life.c: one lifecycle;
 * traces.c: what a run may leave behind). */
#ifndef CTR_SOAK_H
#define CTR_SOAK_H

#include <pthread.h>
#include <stdint.h>

#include "ctr/ctr.h"

/* A lifecycle longer than this is reported as a hang (the longest legitimate one: a few
 * stops of a few seconds, a 30 s wait). */
#define HANG_S 90

/* Counters every worker adds to (in shared memory). */
struct stats {
	long lifecycles, checked, lost, wrong, unexpected, ops;
	long next; /* the next lifecycle number to hand out */
};

/* What each thread is doing, for the report of a hang (in shared memory). */
struct slot {
	long number; /* the lifecycle, -1 between them */
	double since;
	char trace[2048];
};

/* soak.c */
extern const char *rootfs;
extern int nprocs, nthreads, nlifecycles;
extern uint64_t seed;
extern char base[64], state_dir[128], run_dir[128], io_dir[128];
extern struct stats *st;
extern struct slot *slots;
double now(void);
void sleep_ms(int ms);
void count(long *field, long n);

/* life.c */
const char *err(int r);
/* Run lifecycle number in thread slot proc * nthreads + thread. */
void lifecycle(ctr_runtime_t *rt, int proc, int thread, long number);

/* traces.c */
struct traces {
	int fds, children, mounts, run_files, procs;
	char example[512];
};
/* This process's descriptors and children, mounts, files in run_dir, processes naming base. */
void measure(struct traces *t);

#endif
