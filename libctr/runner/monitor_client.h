/* The library's side of the ctr-monitor protocol (docs/monitor-protocol.md), whose words,
 * limits and file formats are monitor_proto.h's. */
#ifndef LIBCTR_MONITOR_CLIENT_H
#define LIBCTR_MONITOR_CLIENT_H

#include "container.h"
#include "monitor_proto.h"

struct ctri_mon {
	pid_t pid;		  /* the container's init */
	pid_t mon_pid;		  /* the monitor */
	unsigned long long mon_start; /* its start time (0 if it already exited) */
};

/* How a container's monitor runs it. */
struct ctri_mon_opts {
	int run;	  /* `run --detach` instead of `create` */
	int terminal;	  /* a pty */
	int open_stdin;	  /* a stdin pipe for attach clients */
	int exit_command; /* run ctr-cleanup after the exit (restart policy) */
	unsigned long long log_size_max; /* 0: no rotation */
	const char *restore;		 /* `restore` from these CRIU images instead of `create` */
	const char *restore_work;	 /* CRIU's work directory for the restore */
	int tcp_established;		 /* restore established TCP connections */
};

/* Start a monitor for c that runs `RUNTIME create` (run: `run --detach`) and wait for its
 * answer. lock_fd is the container lock, which the monitor holds until it answers. With
 * exit_command, ctr-cleanup runs in an environment that holds this context
 * (ctri_cleanup_ctx_env). The monitor serves attach clients on ctri_attach_path(c).
 * Returns 0; CTR_E_MONITOR (cannot run it, or it died); CTR_E_RUNTIME with the runtime's
 * message; CTR_E_TIMEOUT. On failure nothing is left running. */
int ctri_monitor_start(ctr_container_t *c, const char *op, const struct ctri_mon_opts *o,
		       int lock_fd, struct ctri_mon *out);

/* How an exec session's monitor runs its process (`RUNTIME exec`). */
struct ctri_mon_exec {
	const char *name;	    /* the session id: the exit file is exit_dir/name */
	const char *process;	    /* the process.json */
	const char *pid_file, *exit_dir, *socket, *console_socket;
	int terminal;
	int stdio[3];		    /* the process's stdin, stdout, stderr; -1: /dev/null */
	const int *preserve;	    /* given to the process as 3, 4, ... (CTRP_PRESERVE_MAX) */
	size_t n_preserve;
};

/* Start an exec session's monitor and wait for its answer (as ctri_monitor_start). */
int ctri_monitor_exec(ctr_container_t *c, const char *op, const struct ctri_mon_exec *e,
		      int lock_fd, struct ctri_mon *out);

/* Read c's exit file (ctrp_exit_parse). CTR_E_NOENT (no message) when there is none. */
int ctri_exit_read(ctr_container_t *c, const char *op, struct ctrp_exit *out);
/* Read the exit file at path (an exec session's); messages name c. */
int ctri_exit_read_path(ctr_container_t *c, const char *op, const char *path,
			struct ctrp_exit *out);
void ctri_exit_remove(ctr_container_t *c);
/* 1 if c's exit file exists. */
int ctri_exit_exists(ctr_container_t *c);

#endif
