/* ctr-monitor internals shared between its files. The protocol is docs/monitor-protocol.md. */
#ifndef CTR_MONITOR_H
#define CTR_MONITOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The protocol version this monitor speaks: first word of the sync line, "proto" of the exit
 * file. */
#define MON_PROTO 1
/* Longest log line written as one "F" record; longer lines are cut into "P" records. */
#define MON_LINE_MAX 8192
/* How long the monitor keeps draining output after the container's init exited. */
#define MON_DRAIN_MS	       100
#define MON_TIMEOUT_MS_DEFAULT 30000

struct mon_args {
	const char *proto_arg;
	unsigned proto;
	const char *runtime;
	const char *runtime_root;
	const char *id;
	const char *bundle;
	const char *exit_dir;
	const char *log;
	const char *pid_file;	    /* default: BUNDLE/pidfile */
	const char *console_socket; /* default: BUNDLE/console.sock */
	int sync_fd;
	int lock_fd; /* the caller's container lock, held until the sync line is written */
	int terminal;
	int run;
	int delete_after; /* --delete */
	const char *exit_command; /* --exit-command: run with the id after the exit file */
	unsigned timeout_ms;
};

/* Error codes of the sync line ("1 error CODE MESSAGE"). */
enum mon_code {
	MON_E_PROTO,
	MON_E_USAGE,
	MON_E_INTERNAL,
	MON_E_EXEC,
	MON_E_RUNTIME,
	MON_E_TIMEOUT,
};

/* util.c */
/* Record the error to report (the first one wins) and return -1. */
int mon_fail(enum mon_code code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Write "PROTO error CODE MESSAGE\n" for the recorded error to FD. */
void mon_report_error(int fd);
int write_all(int fd, const void *buf, size_t len);
size_t fmt_u64(char *out, uint64_t v);
int64_t now_ns(int clock);
/* Read up to LEN-1 bytes of PATH into BUF, NUL-terminated. Returns the length or -errno. */
ssize_t read_small(const char *path, char *buf, size_t len);

/* log.c: the k8s-file log writer. */
struct log_stream {
	int fd;		  /* what the container writes to; -1 once closed */
	const char *name; /* "stdout" or "stderr" */
	size_t len;	  /* bytes of an unfinished line in buf */
	char buf[MON_LINE_MAX];
};

void log_open_stream(struct log_stream *s, int fd, const char *name);
/* Read once from s->fd and append complete lines to LOG_FD. At EOF the unfinished line is
 * written as partial and s->fd is closed. */
void log_pump(struct log_stream *s, int log_fd);
/* Write the unfinished line as partial and close s->fd. */
void log_close_stream(struct log_stream *s, int log_fd);

/* runtime.c: running the OCI runtime. */
struct mon_rt {
	const struct mon_args *a;
	int sigfd;	  /* signalfd for SIGCHLD */
	int listen_fd;	  /* console socket, --terminal only */
	int conn_fd;	  /* the runtime's connection to it */
	int console_fd;	  /* pty master received from the runtime */
	int sock_dirfd;	  /* directory of a console socket path too long for sun_path */
	int sock_bound;	  /* sock_path exists and is ours to unlink */
	int rtlog_fd;	  /* memfd the runtime logs to (--log-format json) */
	int out_r, out_w; /* the runtime's stdout (the container's without --terminal) */
	int err_r, err_w; /* the runtime's stderr (likewise) */
	char sock_path[108];
	char rtlog_path[64];
};

int rt_init(struct mon_rt *rt, const struct mon_args *a, int sigfd);
/* Run `create` (or `run --detach`) and wait for it. Returns 0 or -1 (mon_fail called). */
int rt_create(struct mon_rt *rt);
/* The container's init pid from the pid file the runtime wrote. */
int rt_read_pid(struct mon_rt *rt, pid_t *out);
/* Best effort `delete --force ID` when the runtime left state behind. */
void rt_cleanup(struct mon_rt *rt);
void rt_close(struct mon_rt *rt);
/* --delete: lock ROOT/ID (flock, LOCK_EX) before the exit file is written; then, after it,
 * start `RUNTIME delete ID` holding that lock and do not wait for it. -1: no state. */
int rt_delete_lock(const struct mon_args *a);
void rt_delete_detached(const struct mon_args *a, int lock_fd);
/* --exit-command: start `PATH ID` and do not wait for it. */
void rt_exit_command(const struct mon_args *a);

/* exit.c: the exit file and the OOM flag. */
struct mon_oom {
	int fd;
	uint64_t base;
};

void oom_watch(struct mon_oom *o, pid_t pid);
int oom_happened(struct mon_oom *o);
int exit_write(int dirfd, const char *id, pid_t pid, int status, int oom, int64_t time_ns);

#endif
