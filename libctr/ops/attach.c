/* Attach: ctr_attach copies between the caller's descriptors and the container's stdio
 * through its monitor's attach socket (attach_proto.h); ctr_attach_resize sets its pty's
 * window size. No container lock is held while copying. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "attach_proto.h"
#include "detach.h"
#include "error.h"
#include "logs.h"
#include "op.h"
#include "proc.h"
#include "runtime.h"
#include "sync.h"

#define OP		"attach"
#define DETACH_FLUSH_MS 1000 /* how long the input typed before the detach keys may take to go */
#define IN_CHUNK	(CTRP_ATT_PAYLOAD_MAX - CTRI_DETACH_MAX) /* + held keys: one record */

#define KNOWN_FLAGS                                                                                \
	(CTR_ATTACH_STDIN | CTR_ATTACH_LOGS | CTR_ATTACH_START | CTR_ATTACH_NO_STDIN_CLOSE)

struct att {
	ctr_container_t *c;
	unsigned flags;
	int in_fd;     /* -1: no input (or it ended) */
	int out_fd[3]; /* by stream id; -1: discarded */
	int mux_fd;    /* >= 0: frames on it instead of out_fd */
	int sock;
	struct ctrp_hello hello;
	struct ctri_detach det;
	unsigned char pend[CTRP_ATT_PAYLOAD_MAX]; /* input not yet sent */
	size_t pend_len;
	int close_pend; /* STDIN_CLOSE to send after pend */
	int err;	/* from the log callback */
};

CTR_API int ctr_detach_keys_valid(const char *spec)
{
	struct ctri_detach d;

	return ctri_detach_parse(spec, &d);
}

/* ---- checks -------------------------------------------------------------------------- */

static int check_fd(ctr_container_t *c, const char *field, int fd)
{
	if (fd < -1)
		return ctri_cerr(c->name, OP, CTR_E_INVAL, "%s is %d (-1: none)", field, fd);
	if (fd >= 0 && fcntl(fd, F_GETFD) < 0)
		return ctri_cerr(c->name, OP, CTR_E_INVAL, "%s %d is not an open descriptor", field,
				 fd);
	return 0;
}

static int read_opts(ctr_container_t *c, const ctr_attach_opts_t *opts, struct att *a)
{
	int r;

	if (opts && (r = CTRI_OPTS_VALID(opts, detach_keys, "ctr_attach")) < 0)
		return r;
	a->flags = CTRI_OPTS_GET(opts, flags, 0u);
	a->in_fd = CTRI_OPTS_GET(opts, stdin_fd, -1);
	a->out_fd[0] = -1;
	a->out_fd[CTR_STREAM_STDOUT] = CTRI_OPTS_GET(opts, stdout_fd, -1);
	a->out_fd[CTR_STREAM_STDERR] = CTRI_OPTS_GET(opts, stderr_fd, -1);
	a->mux_fd = CTRI_OPTS_GET(opts, mux_fd, -1);
	if (a->flags & ~KNOWN_FLAGS)
		return ctri_cerr(c->name, OP, CTR_E_INVAL, "unknown flags 0x%x",
				 a->flags & ~KNOWN_FLAGS);
	if ((r = check_fd(c, "mux_fd", a->mux_fd)) < 0)
		return r;
	if (a->mux_fd >= 0) {
		a->in_fd = a->flags & CTR_ATTACH_STDIN ? a->mux_fd : -1;
		a->out_fd[CTR_STREAM_STDOUT] = a->out_fd[CTR_STREAM_STDERR] = -1;
	} else if ((r = check_fd(c, "stdin_fd", a->in_fd)) < 0 ||
		   (r = check_fd(c, "stdout_fd", a->out_fd[CTR_STREAM_STDOUT])) < 0 ||
		   (r = check_fd(c, "stderr_fd", a->out_fd[CTR_STREAM_STDERR])) < 0) {
		return r;
	} else if (a->in_fd < 0 && a->out_fd[CTR_STREAM_STDOUT] < 0 &&
		   a->out_fd[CTR_STREAM_STDERR] < 0) {
		return ctri_cerr(c->name, OP, CTR_E_INVAL,
				 "no descriptor to attach: set stdin_fd, stdout_fd, stderr_fd or "
				 "mux_fd (-1 means none)");
	}
	if ((r = ctri_detach_parse(CTRI_OPTS_GET(opts, detach_keys, NULL), &a->det)) < 0)
		return ctri_cwrap(c->name, OP, r);
	return 0;
}

/* The state allows attaching (CREATED, RUNNING); with CTR_ATTACH_START a container that
 * is not in the runtime (one init allows) is created first. *start: ctr_start() is due
 * once connected. */
static int check_state(struct att *a, int *start)
{
	struct ctri_st st;
	int r = ctri_refresh(a->c, OP, &st);

	*start = 0;
	if (r < 0)
		return r;
	if (ctri_op_allowed(CTRI_OP_ATTACH, st.state)) {
		*start = (a->flags & CTR_ATTACH_START) && st.state == CTR_STATE_CREATED;
		return 0;
	}
	if ((a->flags & CTR_ATTACH_START) && ctri_op_allowed(CTRI_OP_INIT, st.state)) {
		*start = 1;
		return ctr_init(a->c, 0);
	}
	return ctri_state_check(a->c->name, CTRI_OP_ATTACH, st.state);
}

/* ---- output -------------------------------------------------------------------------- */

static const char *out_name(const struct att *a, int stream)
{
	if (a->mux_fd >= 0)
		return "mux_fd";
	return stream == CTR_STREAM_STDERR ? "stderr_fd" : "stdout_fd";
}

/* Write a payload in n pieces to the stream's descriptor (or as one frame). */
static int out_write(struct att *a, int stream, struct iovec *iov, int n)
{
	int r;

	if (a->mux_fd >= 0)
		r = ctri_mux_writev(a->mux_fd, stream, iov, n);
	else if (stream != CTR_STREAM_STDOUT && stream != CTR_STREAM_STDERR)
		r = 0;
	else if (a->out_fd[stream] < 0)
		r = 0;
	else
		r = ctri_write_iov(a->out_fd[stream], iov, n);
	if (r < 0)
		return ctri_cerr(a->c->name, OP, CTR_E_IO, "write to %s: %s", out_name(a, stream),
				 strerror(-r));
	return 0;
}

static int log_line(const ctr_log_line_t *l, void *userdata)
{
	struct att *a = userdata;
	struct iovec iov[2] = { { (void *)l->data, l->len }, { "\n", l->partial ? 0 : 1 } };

	a->err = out_write(a, l->stream, iov, 2);
	return a->err < 0;
}

/* CTR_ATTACH_LOGS: the log up to the offset the monitor greeted with. */
static int replay_logs(struct att *a)
{
	int r = ctri_logs_read(a->c, NULL, a->hello.log_offset, log_line, a);

	if (r > 0)
		return a->err;
	return r < 0 ? ctri_cwrap(a->c->name, OP, r) : 0;
}

/* ---- input --------------------------------------------------------------------------- */

/* Send what input is pending, then a pending STDIN_CLOSE, without blocking. A monitor that
 * closed the connection gets no more input; its EOF on the socket ends the attach. */
static void send_pending(struct att *a)
{
	int r = 0;

	if (a->pend_len) {
		r = ctri_att_send(a->sock, CTRP_ATT_STDIN, a->pend, a->pend_len, 1);
		if (r == 0)
			a->pend_len = 0;
	}
	if (r == 0 && a->close_pend &&
	    (r = ctri_att_send(a->sock, CTRP_ATT_STDIN_CLOSE, NULL, 0, 1)) == 0)
		a->close_pend = 0;
	if (r < 0) {
		a->pend_len = 0;
		a->close_pend = 0;
		a->in_fd = -1;
	}
}

/* After the detach keys: give the input typed before them a moment to go. */
static void flush_before_detach(struct att *a)
{
	long long deadline = ctri_mono_ms() + DETACH_FLUSH_MS;

	a->close_pend = 0;
	while (a->pend_len) {
		struct pollfd p = { .fd = a->sock, .events = POLLOUT };
		int ms = ctri_poll_ms(deadline);
		if (ms == 0 || (poll(&p, 1, ms) < 0 && errno != EINTR))
			return;
		send_pending(a);
	}
}

/* Input is readable. Returns 0, CTR_ATTACH_DETACHED or an error. */
static int read_input(struct att *a)
{
	unsigned char buf[IN_CHUNK];
	ssize_t n;

	while ((n = read(a->in_fd, buf, sizeof(buf))) < 0 && errno == EINTR)
		;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n < 0)
		return ctri_cerr(a->c->name, OP, CTR_E_IO, "read from %s: %m",
				 a->mux_fd >= 0 ? "mux_fd" : "stdin_fd");
	if (n == 0) { /* EOF: what the matcher held is input too */
		a->pend_len = ctri_detach_flush(&a->det, a->pend);
		a->close_pend = !(a->flags & CTR_ATTACH_NO_STDIN_CLOSE);
		a->in_fd = -1;
		send_pending(a);
		return 0;
	}
	int detach = ctri_detach_feed(&a->det, buf, (size_t)n, a->pend, &a->pend_len);
	send_pending(a);
	if (!detach)
		return 0;
	flush_before_detach(a);
	return CTR_ATTACH_DETACHED;
}

/* ---- the copy loop ------------------------------------------------------------------- */

/* A record from the monitor. Returns 1 when the output has ended, 0 to go on, or an error. */
/* Output records waiting on the socket, at most this many per wake-up: input is read
 * between, but output drains faster than input arrives (an output record may be smaller
 * than an input one), so a client that sends without pause is not the one that falls
 * behind and has output dropped by the monitor. */
#define DRAIN_MAX 64

/* One record (the first waits; the next ones are taken only if already there). Returns 0
 * to go on, 1 at the end of the output, 2 when nothing was waiting, or an error. */
static int handle_record(struct att *a, unsigned char *buf, int wait)
{
	int type, n = wait ? ctri_att_recv(a->sock, buf, &type) : ctri_att_recv_nb(a->sock, buf, &type);

	if (n < 0)
		return ctri_cwrap(a->c->name, OP, n);
	if (type == CTRI_ATT_NONE)
		return 2;
	if (type == CTRI_ATT_EOF || type == CTRP_ATT_END)
		return 1;
	if (type != CTRP_ATT_STDOUT && type != CTRP_ATT_STDERR)
		return 0; /* a later protocol's addition: not for us */
	struct iovec iov = { buf + 1, (size_t)n };
	return out_write(a, type, &iov, 1);
}

static int copy_loop(struct att *a)
{
	unsigned char buf[CTRI_ATT_BUF];

	for (;;) {
		int waiting = a->pend_len || a->close_pend;
		struct pollfd p[2] = {
			{ .fd = a->sock, .events = POLLIN | (waiting ? POLLOUT : 0) },
			{ .fd = waiting ? -1 : a->in_fd, .events = POLLIN },
		};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return ctri_cerr(a->c->name, OP, CTR_E_IO, "poll: %m");
		}
		if (p[1].revents & POLLNVAL)
			return ctri_cerr(a->c->name, OP, CTR_E_IO, "%s was closed during attach",
					 a->mux_fd >= 0 ? "mux_fd" : "stdin_fd");
		if (p[0].revents & POLLOUT)
			send_pending(a);
		for (int i = 0; i < DRAIN_MAX && (p[0].revents & (POLLIN | POLLHUP | POLLERR)); i++) {
			int r = handle_record(a, buf, i == 0);
			if (r == 2)
				break;
			if (r != 0)
				return r < 0 ? r : 0;
		}
		/* (a failed send may have ended the input meanwhile) */
		if (a->in_fd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			int r = read_input(a);
			if (r != 0)
				return r;
		}
	}
}

/* Connected and greeted: the stdin check, the log, the start, then the copy. */
static int attach_connected(struct att *a, int start)
{
	int want_stdin = a->in_fd >= 0;
	int r;

	if (want_stdin && !a->hello.stdin_open)
		return ctri_cerr(a->c->name, OP, CTR_E_STATE,
				 "stdin is not open: see ctr_config_set_stdin");
	/* The log before the start: the live output it would race with then waits in the
	 * socket and the monitor's queue. */
	if ((a->flags & CTR_ATTACH_LOGS) && (r = replay_logs(a)) < 0)
		return r;
	if (start && (r = ctr_start(a->c, 0)) < 0)
		return r;
	return copy_loop(a);
}

CTR_API int ctr_attach(ctr_container_t *c, const ctr_attach_opts_t *opts)
{
	struct att a = { .c = c, .sock = -1 };
	char path[4096];
	int start, r;

	CTRI_CHECK_ARG("ctr_attach", c);
	if ((r = read_opts(c, opts, &a)) < 0 || (r = check_state(&a, &start)) < 0)
		return r;
	ctri_attach_path(c, path, sizeof(path));
	if ((a.sock = ctri_att_open(path, c->name, OP, &a.hello)) < 0)
		return a.sock;
	r = attach_connected(&a, start);
	close(a.sock);
	return r;
}

/* ---- resize -------------------------------------------------------------------------- */

static int has_terminal(ctr_container_t *c, const char *op)
{
	json_object *cfg, *v;
	int r = ctri_container_config(c, op, &cfg);

	if (r < 0)
		return r;
	r = json_object_object_get_ex(cfg, "terminal", &v) && json_object_get_boolean(v);
	json_object_put(cfg);
	return r;
}

CTR_API int ctr_attach_resize(ctr_container_t *c, unsigned rows, unsigned cols)
{
	const char *op = "resize";
	struct ctri_st st;
	char path[4096];
	int r;

	CTRI_CHECK_ARG("ctr_attach_resize", c);
	if (rows == 0 || cols == 0)
		return ctri_cerr(c->name, op, CTR_E_INVAL, "window size %ux%u: no rows or columns",
				 rows, cols);
	if ((r = has_terminal(c, op)) < 0)
		return r;
	if (!r)
		return ctri_cerr(c->name, op, CTR_E_INVAL,
				 "container has no terminal (see ctr_config_set_terminal)");
	if ((r = ctri_refresh(c, op, &st)) < 0)
		return r;
	if ((r = ctri_state_check(c->name, CTRI_OP_RESIZE, st.state)) < 0)
		return r;
	ctri_attach_path(c, path, sizeof(path));
	return ctri_attach_resize_path(path, c->name, op, rows, cols);
}
