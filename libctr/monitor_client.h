/* The library's side of the ctr-monitor protocol (docs/monitor-protocol.md). */
#ifndef LIBCTR_MONITOR_CLIENT_H
#define LIBCTR_MONITOR_CLIENT_H

#include "container.h"

#define CTRI_MON_PROTO 1

struct ctri_mon {
	pid_t pid;		  /* the container's init */
	pid_t mon_pid;		  /* the monitor */
	unsigned long long mon_start; /* its start time (0 if it already exited) */
};

/* Start a monitor for c that runs `RUNTIME create` (run: `run --detach`) and wait for its
 * answer. lock_fd is the container lock, which the monitor holds until it answers. With
 * exit_command, the monitor runs ctr-cleanup after the exit (restart policy), in an
 * environment that names this context's directories and runtime.
 * Returns 0; CTR_E_MONITOR (cannot run it, or it died); CTR_E_RUNTIME with the runtime's
 * message; CTR_E_TIMEOUT. On failure nothing is left running. */
int ctri_monitor_start(ctr_container_t *c, const char *op, int run, int terminal, int lock_fd,
		       int exit_command, struct ctri_mon *out);

/* An exit file, parsed. */
struct ctri_exit {
	pid_t pid;
	int exit_code, signal, oom;
	long long time;
};

/* Read c's exit file. CTR_E_NOENT (no message) when there is none. */
int ctri_exit_read(ctr_container_t *c, const char *op, struct ctri_exit *out);
void ctri_exit_remove(ctr_container_t *c);
/* 1 if c's exit file exists. */
int ctri_exit_exists(ctr_container_t *c);

#endif
