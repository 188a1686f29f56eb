/* The ctr-monitor protocol (docs/monitor-protocol.md): its one definition, shared by the
 * monitor (monitor/, a static musl program) and the library. Plain C: libc types only, no
 * libctr or json-c types, so that both sides compile it. The words and numbers the two
 * sides exchange are defined here, and the two files both sides read or write, the sync
 * line and the exit file, have one formatter and one parser (sync_line.c, exit_file.c). */
#ifndef LIBCTR_MONITOR_PROTO_H
#define LIBCTR_MONITOR_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CTRP_STR_(x) #x
#define CTRP_STR(x)  CTRP_STR_(x)

/* The protocol version: the --proto argument, the first word of the sync line, the "proto"
 * member of the exit file, the first word of the attach HELLO and REFUSED. */
#define CTRP_PROTO     2
#define CTRP_PROTO_STR CTRP_STR(CTRP_PROTO)
/* Exit files outlive monitors: the library reads every version it ever wrote. */
#define CTRP_EXIT_PROTO_MIN 1

/* Exec mode: the monitor's descriptors CTRP_FD_PRESERVE_FIRST .. +N-1 become the process's
 * 3 .. 2+N (--preserve-fds N, N <= CTRP_PRESERVE_MAX). */
#define CTRP_FD_PRESERVE_FIRST 5
#define CTRP_PRESERVE_MAX      64

/* --log-size-max: the smallest limit (0 is none). */
#define CTRP_LOG_SIZE_MIN 4096

/* ---- the sync line ------------------------------------------------------------------- */

/* "PROTO ok PID MONITOR_PID\n" or "PROTO error CODE MESSAGE\n": at most this many bytes
 * with its LF, so that one write on a pipe is atomic. */
#define CTRP_SYNC_LINE_MAX 1100

/* The CODE of an error line. */
enum ctrp_err {
	CTRP_ERR_UNKNOWN = -1, /* parsed only: a code this side does not know */
	CTRP_ERR_PROTO,	       /* "proto": --proto is not a version the monitor speaks */
	CTRP_ERR_USAGE,	       /* "usage": a missing, unknown or malformed argument */
	CTRP_ERR_INTERNAL,     /* "internal": a system call failed in the monitor */
	CTRP_ERR_EXEC,	       /* "exec": the runtime cannot be executed */
	CTRP_ERR_RUNTIME,      /* "runtime": the runtime failed; the message is its own */
	CTRP_ERR_TIMEOUT,      /* "timeout": the runtime did not finish in time */
};

/* The word of code ("proto", "usage", ...); "internal" for a value out of range. */
const char *ctrp_err_name(enum ctrp_err code);

/* Write "PROTO ok PID MONITOR_PID\n" into buf (at least CTRP_SYNC_LINE_MAX bytes, NUL
 * added). Returns the line's length. */
size_t ctrp_sync_format_ok(char *buf, size_t len, int pid, int mon_pid);
/* Write "PROTO error CODE MESSAGE\n" into buf (len > 64, NUL added): CR and LF in msg become
 * spaces, a message too long for len is cut, an empty or NULL one reads "unknown error".
 * Returns the line's length, its LF included. */
size_t ctrp_sync_format_error(char *buf, size_t len, enum ctrp_err code, const char *msg);

/* A sync line, parsed. */
struct ctrp_sync {
	int proto;	       /* its first word; 0 when that is not a number */
	int ok;		       /* 1: "ok", 0: "error" */
	int pid;	       /* ok: the container's init (exec mode: the process), > 0 */
	int mon_pid;	       /* ok: the monitor, > 0 */
	enum ctrp_err code;    /* error: the code, CTRP_ERR_UNKNOWN for an unknown word */
	const char *code_word; /* error: the code as written (in line) */
	const char *msg;       /* error: the message (in line); NULL when there is none */
};

/* Parse line (without its LF, NUL-terminated; the words are cut apart in place). Returns 0,
 * or -1 when the line is malformed: out->proto tells whether its version could be read,
 * which a reader checks first (a peer of another version may say anything after it). */
int ctrp_sync_parse(char *line, struct ctrp_sync *out);

/* ---- the attach socket --------------------------------------------------------------- */

/* SOCK_SEQPACKET records: one type byte, then at most CTRP_ATT_PAYLOAD_MAX bytes. */
#define CTRP_ATT_PAYLOAD_MAX 32768

/* Record types. */
enum ctrp_att_type {
	/* Monitor -> client: */
	CTRP_ATT_HELLO = 0,   /* "PROTO LOGOFFSET ROTATIONS STDIN TERMINAL", at accept */
	CTRP_ATT_STDOUT = 1,  /* output bytes (with a terminal, all output) */
	CTRP_ATT_STDERR = 2,  /* output bytes of stderr */
	CTRP_ATT_END = 3,     /* empty: the output is complete, the container exited */
	CTRP_ATT_REFUSED = 4, /* "PROTO busy CLIENTS" instead of HELLO: RESIZE only */
	/* Client -> monitor: */
	CTRP_ATT_STDIN = 16,	   /* input bytes */
	CTRP_ATT_STDIN_CLOSE = 17, /* empty: close the container's stdin (for every client) */
	CTRP_ATT_RESIZE = 18,	   /* "ROWS COLS", each 1..CTRP_RESIZE_MAX */
};

#define CTRP_RESIZE_MAX 65535

/* The payloads (attach_payload.c). A formatter writes into buf (NUL added) and returns the
 * length; a parser takes len bytes of text (not NUL-terminated) and returns 0, or -1 for
 * anything but the exact form: decimals without signs or leading spaces, one space between
 * fields, nothing after the last. */
struct ctrp_hello {
	int proto;	      /* read only: the writer writes CTRP_PROTO */
	long long log_offset; /* the log's size at accept: its bytes up to here precede the live
			       * records, and none of them is also sent live */
	long long rotations;  /* how often the log had been rotated at accept */
	int stdin_open;	      /* the container has a writable stdin (0 or 1) */
	int terminal;	      /* a pty container: only STDOUT records (0 or 1) */
};
#define CTRP_HELLO_MAX 96 /* longest HELLO payload, NUL included */
size_t ctrp_hello_format(char *buf, size_t len, const struct ctrp_hello *h);
int ctrp_hello_parse(const char *text, size_t len, struct ctrp_hello *out);
/* REFUSED: "PROTO busy CLIENTS", CLIENTS (the limit, >= 1) being served already. */
#define CTRP_REFUSED_MAX 32
size_t ctrp_refused_format(char *buf, size_t len, int clients);
int ctrp_refused_parse(const char *text, size_t len, int *proto, int *clients);
/* RESIZE: "ROWS COLS", each 1..CTRP_RESIZE_MAX. */
#define CTRP_RESIZE_LEN_MAX 16
size_t ctrp_resize_format(char *buf, size_t len, unsigned rows, unsigned cols);
int ctrp_resize_parse(const char *text, size_t len, unsigned *rows, unsigned *cols);

/* ---- the exit file ------------------------------------------------------------------- */

/* EXITS/ID (exec mode: EXITS/NAME), one JSON object on one line:
 * {"proto":2,"pid":4242,"exit_code":137,"signal":9,"oom":false,"time":1795448194203016861} */
struct ctrp_exit {
	int proto;     /* read only: the version of the file (the writer writes CTRP_PROTO) */
	int pid;       /* the init (exec mode: the process) that exited */
	int exit_code; /* N for exit(N), 128+S when killed by signal S */
	int signal;    /* S when killed by signal S, else 0 */
	int oom;       /* 1: the memory cgroup counted an OOM kill */
	int64_t time;  /* when the monitor reaped it: CLOCK_REALTIME, ns since the epoch */
};

/* Longest exit file the writer writes, its LF and a NUL included. */
#define CTRP_EXIT_LINE_MAX 192

/* Write e's file into buf (at least CTRP_EXIT_LINE_MAX bytes; NUL added), of version
 * CTRP_PROTO (e->proto is not read). Returns its length. */
size_t ctrp_exit_format(char *buf, size_t len, const struct ctrp_exit *e);

/* Write e's file as DIRFD/NAME atomically: DIRFD/.NAME.tmp written and fsynced, renamed to
 * NAME, DIRFD fsynced. Returns 0 or -errno. */
int ctrp_exit_write(int dirfd, const char *name, const struct ctrp_exit *e);

/* Parse an exit file (len bytes of text; it need not be NUL-terminated): a flat JSON object
 * whose members are integers or booleans, in any order, "proto" (CTRP_EXIT_PROTO_MIN to
 * CTRP_PROTO) and "exit_code" required, the others 0 when absent, unknown members ignored.
 * Returns 0, or -1 for anything else (a truncated or damaged file, another version). */
int ctrp_exit_parse(const char *text, size_t len, struct ctrp_exit *out);

/* ---- writing ------------------------------------------------------------------------- */

/* Write all len bytes of buf to fd, again after EINTR. 0, or -errno (errno is kept). */
int ctrp_write_all(int fd, const void *buf, size_t len);

/* Replace DIRFD/NAME (DIRFD may be AT_FDCWD) with len bytes of data: written to the new file
 * DIRFD/TMP (created with mode), fsynced when sync, renamed over NAME; TMP is removed on
 * failure. The directory is not synced (the caller does it when it must). 0 or -errno. */
int ctrp_write_replace(int dirfd, const char *tmp, const char *name, const void *data,
		       size_t len, mode_t mode, int sync);

/* ---- ctr-cleanup's environment ------------------------------------------------------- */

/* A container with a restart policy gets a monitor that runs ctr-cleanup (--exit-command)
 * with the monitor's environment, which carries its starter's runtime context: the variable
 * CTRP_CLEANUP_CTX_ENV (libctr/runner/cleanup_ctx.h writes and reads it). Variables of the
 * prefix CTRP_CLEANUP_ENV_PREFIX are the library's to set: a starter's own are dropped. */
#define CTRP_CLEANUP_CTX_ENV	"CTR_CLEANUP_CONTEXT"
#define CTRP_CLEANUP_ENV_PREFIX "CTR_CLEANUP_"

#endif
