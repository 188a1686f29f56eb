/* ctr-monitor internals shared between its files. The protocol is docs/monitor-protocol.md. */
#ifndef CTR_MONITOR_H
#define CTR_MONITOR_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The protocol: version, sync line, attach records, exit file (libctr/proto). */
#include "monitor_proto.h"

/* Longest log line written as one "F" record; longer lines are cut into "P" records. */
#define MON_LINE_MAX 8192
/* Most bytes read from a container's output at once: what one attach record carries. Larger
 * than a line, so that a fast writer costs a quarter of the reads and records. */
#define MON_READ_MAX 32768
/* How long the monitor keeps draining output after the container's init exited. */
#define MON_DRAIN_MS	       100
#define MON_TIMEOUT_MS_DEFAULT 30000

/* The attach socket (records: CTRP_ATT_*, at most CTRP_ATT_PAYLOAD_MAX bytes of payload). */
/* SO_SNDBUF of a client's connection (the kernel caps it at net.core.wmem_max). */
#define MON_CLIENT_SNDBUF (1 << 20)
#define MON_CLIENTS_MAX	     32
/* Connections beyond MON_CLIENTS_MAX: REFUSED, then served for RESIZE only (no output). When
 * all are taken, the oldest makes room: a control connection lives for one record. */
#define MON_CONTROLS_MAX     8
#define MON_CONNS_MAX	     (MON_CLIENTS_MAX + MON_CONTROLS_MAX)
#define MON_CLIENT_QUEUE_MAX (1 << 20) /* bytes queued for one slow client */
#define MON_END_FLUSH_MS     1000      /* how long the queues are flushed at the end */

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
	const char *attach_socket;
	int sync_fd;
	int lock_fd; /* the caller's container lock, held until the sync line is written */
	int terminal;
	int run;
	int stdin_pipe;		  /* --stdin */
	int delete_after;	  /* --delete */
	const char *exit_command; /* --exit-command: run with the id after the exit file */
	unsigned timeout_ms;
	uint64_t log_size_max; /* 0: no limit */
	const char *exec_name; /* --exec: exec mode, the session's name */
	const char *process;   /* --process: the exec's process.json */
	unsigned preserve_fds; /* --preserve-fds */
	const char *restore;	   /* --restore: `restore` from these CRIU images */
	const char *restore_work;  /* --restore-work: CRIU's work directory */
	int tcp_established;	   /* --tcp-established (with --restore) */
	uint32_t seen;	       /* bit i: option i of the table was given */
};

/* args.c */
/* Fill A from the command line. Returns 0 or -1 (mon_fail called; a->sync_fd is -1 when the
 * sync fd itself is unusable). */
int args_parse(int argc, char **argv, struct mon_args *a);

/* util.c */
/* Record the error to report (the first one wins) and return -1. */
int mon_fail(enum ctrp_err code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Write the sync line "PROTO error CODE MESSAGE\n" for the recorded error to FD. */
void mon_report_error(int fd);
int64_t now_ns(int clock);
/* Milliseconds left until DEADLINE (CLOCK_MONOTONIC ns), rounded up; 0 when passed. */
int ms_left(int64_t deadline);
/* Read up to LEN-1 bytes of PATH into BUF, NUL-terminated. Returns the length or -errno. */
ssize_t read_small(const char *path, char *buf, size_t len);
void close_fd(int *fd);
/* close_range(2) through syscall(2): not every libc the monitor builds with wraps it. */
int mon_close_range(unsigned first, unsigned last);

/* sock.c: listening unix sockets at paths of any length. */
struct mon_sock {
	int fd;		/* the listening socket; -1 */
	int dirfd;	/* O_PATH directory of a path too long for sun_path; -1 */
	int bound;	/* the path exists and is ours to unlink */
	char path[108]; /* the path, or /proc/<pid>/fd/<dirfd>/<name>: fits sun_path */
};

void sock_init(struct mon_sock *s);
/* Remove a stale PATH, bind a socket of TYPE there with mode 0600 and listen. Returns 0 or -1
 * (mon_fail called). */
int sock_listen(struct mon_sock *s, const char *path, int type, int backlog);
/* Unlink the path (if bound) and close the socket. */
void sock_close(struct mon_sock *s);

/* log.c: the k8s-file log writer, with rotation. */
struct mon_log {
	int fd; /* -1: no log (exec mode) */
	const char *path;
	uint64_t size;	   /* bytes in the current file (its size at open plus what we wrote) */
	uint64_t max;	   /* --log-size-max, 0: none */
	uint64_t retry_at; /* after a failed rotation: the size at which to try again */
	unsigned rotations;
};

struct log_stream {
	int fd;		  /* what the container writes to; -1 once closed */
	const char *name; /* "stdout" or "stderr" */
	int type;	  /* CTRP_ATT_STDOUT or CTRP_ATT_STDERR */
	size_t len;	  /* bytes not logged yet (less than a line) at the start of buf */
	char buf[MON_READ_MAX];
};

int log_open(struct mon_log *l, const char *path, uint64_t max);
void log_open_stream(struct log_stream *s, int fd, const char *name, int type);
/* Read once from s->fd. Returns how many bytes were read: they are the last ones of s->buf and
 * not logged until log_lines(). At end of file the unfinished line is logged as partial, s->fd
 * is closed and 0 returned. */
size_t log_read(struct log_stream *s, struct mon_log *l);
/* Log the complete lines in s->buf (and a full buffer as a partial line). */
void log_lines(struct log_stream *s, struct mon_log *l);
/* Log the unfinished line as partial and close s->fd. */
void log_close_stream(struct log_stream *s, struct mon_log *l);

/* runtime.c: running the OCI runtime. */
struct mon_rt {
	const struct mon_args *a;
	int sigfd;		 /* signalfd for SIGCHLD */
	struct mon_sock console; /* console socket, --terminal only */
	int conn_fd;		 /* the runtime's connection to it */
	int console_fd;		 /* pty master received from the runtime */
	int rtlog_fd;		 /* memfd the runtime logs to (--log-format json) */
	int stdio[3];	  /* the runtime's stdin/out/err (-1: /dev/null), closed once spawned */
	int in_w;	  /* --stdin: write end of the container's stdin pipe */
	int out_r, err_r; /* read ends of the runtime's stdout/stderr pipes, or -1 */
	char rtlog_path[64];
	/* create: the runtime's stderr, read while it runs (its last bytes; see rt_create) */
	int err_drain;
	size_t err_len;
	char err_tail[4096];
};

/* SAVED: exec mode without --terminal, the caller's stdio, taken over (set to -1). */
int rt_init(struct mon_rt *rt, const struct mon_args *a, int sigfd, int saved[3]);
/* Run `create`, `run --detach` or `exec --detach` and wait for it. 0 or -1 (mon_fail called). */
int rt_create(struct mon_rt *rt);
/* The container's init pid (exec: the process's) from the pid file the runtime wrote. */
int rt_read_pid(struct mon_rt *rt, pid_t *out);
/* Best effort `delete --force ID` when the runtime left state behind (not in exec mode). */
void rt_cleanup(struct mon_rt *rt);
void rt_close(struct mon_rt *rt);
/* After a failed runtime call: kill and reap every child left (for up to timeout_ms). The
 * monitor is a subreaper, so it inherits what a failing runtime orphans, e.g. runc's stage
 * processes of an exec into a container that was ending. Left to init(1), such a zombie in
 * the container's pid namespace keeps the container's init from finishing its exit (it waits
 * in zap_pid_ns_processes) until init(1) reaps it, seconds later on some systems. */
void rt_reap_orphans(int timeout_ms);
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

/* Watch the OOM kills of the container's memory cgroup (BUNDLE's cgroupsPath, else PID's).
 * FRESH: the runtime made the cgroup for this container and its process has run already
 * (run, restore), so every kill counted there is its own; otherwise (create: nothing of the
 * container's has run yet) the count so far is the base. */
void oom_watch(struct mon_oom *o, pid_t pid, const char *bundle, int fresh);
int oom_happened(struct mon_oom *o);
/* Write the exit file DIRFD/NAME of PID, which exited with wait STATUS (ctrp_exit_write). */
int exit_write(int dirfd, const char *name, pid_t pid, int status, int oom, int64_t time_ns);

/* attach.c: the attach socket. */
struct mon_rec; /* a queued record */

struct mon_client {
	int fd;		/* -1: free slot */
	int control;	/* refused as a client: RESIZE only, no output */
	uint64_t since; /* accept order, to find the oldest control connection */
	int eof;	/* the client will send nothing more */
	int hup;	/* the client is gone: nothing is sent, its last input is still read */
	int pidx;	/* its entry in the poll array, -1 */
	size_t queued;	/* what the output queue costs, in bytes */
	struct mon_rec *head, *tail;
	struct mon_rec *pending; /* STDIN the container's stdin has not taken yet */
	uint64_t pending_seq;
};

struct mon_attach {
	struct mon_sock sock;
	int has_stdin, terminal;
	int sink; /* where STDIN goes: the stdin pipe (owned) or the pty master; -1 */
	int sink_owned;
	int pty;      /* pty master for RESIZE (borrowed); -1 */
	int npending; /* clients with a pending STDIN record */
	uint64_t seq;
	uint64_t accepted;		  /* connections accepted so far */
	int lidx, sidx;			  /* poll entries of the listener and the sink, -1 */
	const struct mon_log *log;	  /* for HELLO; NULL: no log */
	const struct log_stream *streams; /* unfinished lines, sent at accept */
	int nstreams;
	struct mon_client c[MON_CONNS_MAX];
};

void attach_init(struct mon_attach *at);
/* Bind and listen at PATH (before the runtime runs). 0 or -1 (mon_fail called). */
int attach_listen(struct mon_attach *at, const char *path);
/* What clients may do once the container runs: STDIN goes to SINK (the stdin pipe, taken over:
 * SINK_OWNED; or the pty master; -1: no stdin), RESIZE to PTY (-1: no terminal). LOG (NULL:
 * none) and the unfinished lines of STREAMS make the HELLO. */
void attach_start(struct mon_attach *at, int sink, int sink_owned, int pty,
		  const struct mon_log *log, const struct log_stream *streams, int nstreams);
int attach_poll(struct mon_attach *at, struct pollfd *p, int n);
void attach_handle(struct mon_attach *at, const struct pollfd *p);
/* Send one chunk of output to every client. */
void attach_output(struct mon_attach *at, int type, const char *data, size_t len);
/* Unlink the socket and close the listener: no new clients. */
void attach_stop(struct mon_attach *at);
/* Flush the queues for at most MON_END_FLUSH_MS, send END, close every client. */
void attach_finish(struct mon_attach *at);

/* exec.c: exec mode's stdio. */
struct mon_copy {
	int from, to;		/* -1 once done */
	int from_sock, to_sock; /* sockets: recv/send with MSG_DONTWAIT */
	int pin, pout;		/* poll entries, -1 */
	size_t len, off;	/* bytes read and not yet written */
	int tty_eof;		/* to is a pty master: pass the end of from on as EOF */
	int any;		/* something was read */
	unsigned char last;	/* the last byte read */
	char buf[MON_LINE_MAX];
};

struct mon_exec_io {
	int in, out;		/* the caller's stdin and stdout (owned) */
	struct mon_copy input;	/* in -> pty master */
	struct mon_copy output; /* pty master -> out */
};

/* In the forked monitor, before stdio becomes /dev/null: copies of 0, 1, 2 at or above MIN,
 * close-on-exec (-1 for a closed one). 0 or -1. */
int exec_save_stdio(int saved[3], int min);
void exec_io_init(struct mon_exec_io *e);
/* --terminal: copy IN to the pty master and the pty master to OUT (both taken over). */
void exec_io_start(struct mon_exec_io *e, int in, int out, int pty);
int exec_io_poll(struct mon_exec_io *e, struct pollfd *p, int n);
void exec_io_handle(struct mon_exec_io *e, const struct pollfd *p);
/* Output not copied yet (the pty is open, or bytes wait for OUT). */
int exec_io_output_open(const struct mon_exec_io *e);
/* After the runtime started the process PID: wait (at most TIMEOUT_MS) until it is no longer
 * the runtime's init, which executes it. An init that exited instead (execve failed: E2BIG,
 * ENOEXEC...) is reaped and reported: -1 (mon_fail called, with the last line on PTY, -1:
 * none). 0 otherwise. */
int exec_check_started(pid_t pid, int pty, unsigned timeout_ms);

/* loop.c: the monitor's state once the container runs, and its poll loop. */
struct init_exit {
	pid_t pid;
	int done;
	int status;
	int64_t time_ns;
};

struct mon {
	const struct mon_args *a;
	int sigfd, exit_dirfd;
	int pty; /* pty master, --terminal */
	struct mon_log log;
	struct mon_rt rt;
	struct mon_oom oom;
	struct init_exit init;
	struct log_stream streams[2];
	struct mon_attach attach;
	struct mon_exec_io eio;
};

/* Copy output and serve clients until the init (or exec'd process) has exited and its output
 * is drained; the last unfinished lines are logged. */
void hold(struct mon *m);

#endif
