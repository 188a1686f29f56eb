/* Attach with real runc: stdin round trips, detach keys, terminal resize, attach-and-start,
 * the multiplexed format, the log before live output, several clients, a client that never
 * reads, and garbage on the socket. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "attach_proto.h"
#include "container.h"
#include "itest.h"

/* ctr_attach() in a thread. */
struct attacher {
	ctr_container_t *c;
	ctr_attach_opts_t o;
	pthread_t thread;
	int result;
	char err[1024];
};

static void *attacher_main(void *arg)
{
	struct attacher *a = arg;

	a->result = ctr_attach(a->c, &a->o);
	snprintf(a->err, sizeof(a->err), "%s", ctr_last_error());
	return NULL;
}

static void attacher_start(struct attacher *a, ctr_container_t *c, int in, int out, int err,
			   unsigned flags, const char *keys)
{
	*a = (struct attacher){ .c = c, .result = -12345 };
	a->o = (ctr_attach_opts_t){ .sz = sizeof(a->o),
				    .flags = flags,
				    .stdin_fd = in,
				    .stdout_fd = out,
				    .stderr_fd = err,
				    .mux_fd = -1,
				    .detach_keys = keys };
	ck_assert_int_eq(pthread_create(&a->thread, NULL, attacher_main, a), 0);
}

/* Join within timeout_ms (asserting it ended) and return ctr_attach()'s result. */
static int attacher_join(struct attacher *a, int timeout_ms)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += timeout_ms / 1000;
	t.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	ck_assert_msg(pthread_timedjoin_np(a->thread, NULL, &t) == 0,
		      "ctr_attach did not return within %d ms", timeout_ms);
	return a->result;
}

#define ATTACH_RESULT(a, ms, want)                                                                 \
	do {                                                                                       \
		int r_ = attacher_join(a, ms);                                                     \
		ck_assert_msg(r_ == (want), "ctr_attach: %d, expected %s: %s", r_, #want,          \
			      (a)->err);                                                           \
	} while (0)

/* Read fd into buf (NUL-terminated, size bytes) until it holds needle; asserts it does
 * within timeout_ms. Returns the length read. */
static size_t read_until(int fd, char *buf, size_t size, const char *needle, int timeout_ms)
{
	double end = it_now() + timeout_ms / 1000.0;
	size_t len = 0;

	buf[0] = 0;
	while (!strstr(buf, needle)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int ms = (int)((end - it_now()) * 1000);
		ck_assert_msg(ms > 0 && poll(&p, 1, ms) == 1, "no \"%s\" within %d ms; got \"%s\"",
			      needle, timeout_ms, buf);
		ssize_t n = read(fd, buf + len, size - 1 - len);
		ck_assert_msg(n > 0, "EOF before \"%s\"; got \"%s\"", needle, buf);
		len += (size_t)n;
		buf[len] = 0;
	}
	return len;
}

/* The monitor applies a resize soon after ctr_attach_resize() returns, on another connection
 * than the input's: type line into in_fd (the container answers each with `stty size`) until
 * out_fd shows size, within timeout_ms. */
static void type_until_size(int in_fd, int out_fd, const char *line, const char *size,
			    int timeout_ms)
{
	double end = it_now() + timeout_ms / 1000.0;
	char buf[8192];
	size_t len = 0;

	buf[0] = 0;
	while (!strstr(buf, size)) {
		ck_assert_int_eq(write(in_fd, line, strlen(line)), (ssize_t)strlen(line));
		for (double next = it_now() + 0.2; !strstr(buf, size) && it_now() < next;) {
			struct pollfd p = { .fd = out_fd, .events = POLLIN };
			if (poll(&p, 1, 50) != 1)
				continue;
			if (len > sizeof(buf) / 2) { /* keep the tail */
				memmove(buf, buf + len - 64, 64);
				len = 64;
			}
			ssize_t n = read(out_fd, buf + len, sizeof(buf) - 1 - len);
			ck_assert_msg(n > 0, "EOF before \"%s\"; got \"%s\"", size, buf);
			buf[len += (size_t)n] = 0;
		}
		ck_assert_msg(strstr(buf, size) || it_now() < end,
			      "no \"%s\" within %d ms; got \"%s\"", size, timeout_ms, buf);
	}
}

/* Everything until EOF (the write ends closed); *n gets the length (may be NULL). */
static char *read_all_n(int fd, size_t *n_out)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;

	ck_assert_ptr_nonnull(buf);
	while ((n = read(fd, buf + len, cap - 1 - len)) > 0) {
		len += (size_t)n;
		if (len + 1 == cap)
			ck_assert_ptr_nonnull(buf = realloc(buf, cap *= 2));
	}
	buf[len] = 0;
	if (n_out)
		*n_out = len;
	return buf;
}

static char *read_all(int fd)
{
	return read_all_n(fd, NULL);
}

static ctr_container_t *with_stdin(const char *script)
{
	ctr_config_t *cfg = it_config(script);

	ck_assert_int_eq(ctr_config_set_stdin(cfg, 1), 0);
	return it_create(it_rt, cfg);
}

static void pipe_pair(int p[2])
{
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
}

static void close_pair(int p[2])
{
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0)
			close(p[i]);
	p[0] = p[1] = -1;
}

START_TEST(test_attach_round_trip_through_cat_and_eof_ends_it)
{
	ctr_container_t *c = with_stdin("exec cat");
	struct attacher a;
	int in[2], out[2];
	char buf[256];

	pipe_pair(in);
	pipe_pair(out);
	IT_OK(ctr_start(c, 0));
	attacher_start(&a, c, in[0], out[1], -1, 0, NULL);
	ck_assert_int_eq(write(in[1], "hello\n", 6), 6);
	read_until(out[0], buf, sizeof(buf), "hello\n", IT_GUARD_MS);
	ck_assert_str_eq(buf, "hello\n");
	close(in[1]); /* EOF: STDIN_CLOSE, cat ends */
	in[1] = -1;
	ATTACH_RESULT(&a, IT_GUARD_MS, 0);
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	close_pair(in);
	close_pair(out);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_detach_keys_leave_the_container_running)
{
	ctr_container_t *c = with_stdin("exec cat");
	struct attacher a;
	int in[2], out[2];
	char buf[256];

	pipe_pair(in);
	pipe_pair(out);
	IT_OK(ctr_start(c, 0));
	/* What cat echoes after a detach reaches no client: read each echo before detaching. */
	attacher_start(&a, c, in[0], out[1], -1, 0, NULL);
	ck_assert_int_eq(write(in[1], "one\n", 4), 4);
	read_until(out[0], buf, sizeof(buf), "one\n", IT_GUARD_MS);
	ck_assert_int_eq(write(in[1], "\x10\x11", 2), 2);
	ATTACH_RESULT(&a, IT_GUARD_MS, CTR_ATTACH_DETACHED);
	IT_STATE(c, CTR_STATE_RUNNING);

	attacher_start(&a, c, in[0], out[1], -1, 0, "a,b");
	ck_assert_int_eq(write(in[1], "xa", 2), 2);
	it_sleep_ms(100);
	ck_assert_int_eq(write(in[1], "y", 1), 1); /* breaks the match: "a" goes on */
	read_until(out[0], buf, sizeof(buf), "xay", IT_GUARD_MS);
	ck_assert_str_eq(buf, "xay");
	ck_assert_int_eq(write(in[1], "ab", 2), 2);
	ATTACH_RESULT(&a, IT_GUARD_MS, CTR_ATTACH_DETACHED);
	IT_STATE(c, CTR_STATE_RUNNING);

	CTR_OPTS(ctr_attach_opts_t, o, .stdin_fd = in[0], .stdout_fd = out[1], .stderr_fd = -1,
		 .mux_fd = -1, .detach_keys = "ctrl-1");
	IT_REFUSED(ctr_attach(c, &o), CTR_E_INVAL, c);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "ctrl-1"));
	IT_OK(ctr_remove(c, CTR_FORCE));
	close_pair(in);
	close_pair(out);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_resize_sets_the_terminal_size_the_container_sees)
{
	/* A terminal container's stdin is its pty, without ctr_config_set_stdin(). */
	ctr_config_t *cfg =
	    it_config("while read -r line; do [ \"$line\" = q ] && exit 0; stty size; done");
	struct attacher a;
	int in[2], out[2];

	ck_assert_int_eq(ctr_config_set_terminal(cfg, 1), 0);
	ctr_container_t *c = it_create(it_rt, cfg);
	pipe_pair(in);
	pipe_pair(out);
	IT_OK(ctr_start(c, 0));
	IT_OK(ctr_attach_resize(c, 40, 100));
	attacher_start(&a, c, in[0], out[1], -1, 0, NULL);
	type_until_size(in[1], out[0], "a\n", "40 100", IT_GUARD_MS);
	IT_OK(ctr_attach_resize(c, 50, 132));
	type_until_size(in[1], out[0], "b\n", "50 132", IT_GUARD_MS);
	ck_assert_int_eq(write(in[1], "q\n", 2), 2); /* a pty has no end of file to pass on */
	ATTACH_RESULT(&a, IT_GUARD_MS, 0);
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	IT_FAILS(ctr_attach_resize(c, 40, 100), CTR_E_STATE);
	close_pair(in);
	close_pair(out);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_attach_start_gets_the_first_output)
{
	ctr_container_t *c = it_sh(it_rt, "echo first; echo second >&2; exit 3");
	int out[2], err[2];

	pipe_pair(out);
	pipe_pair(err);
	CTR_OPTS(ctr_attach_opts_t, o, .flags = CTR_ATTACH_START, .stdin_fd = -1,
		 .stdout_fd = out[1], .stderr_fd = err[1], .mux_fd = -1);
	IT_OK(ctr_attach(c, &o));
	close(out[1]);
	close(err[1]);
	out[1] = err[1] = -1;
	char *o1 = read_all(out[0]), *e1 = read_all(err[0]);
	ck_assert_str_eq(o1, "first\n");
	ck_assert_str_eq(e1, "second\n");
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 3);
	free(o1);
	free(e1);
	/* an exited container is initialised again */
	pipe_pair(out);
	o.stdout_fd = out[1];
	o.stderr_fd = -1;
	IT_OK(ctr_attach(c, &o));
	close(out[1]);
	out[1] = -1;
	o1 = read_all(out[0]);
	ck_assert_str_eq(o1, "first\n");
	free(o1);
	close_pair(out);
	close_pair(err);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_mux_frames_carry_the_right_stream_ids)
{
	ctr_container_t *c = it_sh(it_rt, "echo out; echo err >&2; echo out2");
	char got[3][256] = { "", "", "" };
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	CTR_OPTS(ctr_attach_opts_t, o, .flags = CTR_ATTACH_START, .mux_fd = sv[0]);
	IT_OK(ctr_attach(c, &o));
	close(sv[0]);
	size_t n, off = 0;
	char *all = read_all_n(sv[1], &n);
	while (off < n) {
		unsigned char *h = (unsigned char *)all + off;
		ck_assert_uint_ge(n - off, 8);
		ck_assert_msg(h[0] == 1 || h[0] == 2, "stream id %d", h[0]);
		ck_assert_msg(!h[1] && !h[2] && !h[3], "header bytes 1-3 not zero");
		size_t len = (size_t)h[4] << 24 | (size_t)h[5] << 16 | (size_t)h[6] << 8 | h[7];
		ck_assert_uint_le(len, n - off - 8);
		ck_assert_uint_lt(strlen(got[h[0]]) + len, sizeof(got[0]));
		strncat(got[h[0]], all + off + 8, len);
		off += 8 + len;
	}
	ck_assert_str_eq(got[CTR_STREAM_STDOUT], "out\nout2\n");
	ck_assert_str_eq(got[CTR_STREAM_STDERR], "err\n");
	free(all);
	close(sv[1]);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_attach_logs_sends_the_log_then_live_output_none_twice)
{
	ctr_container_t *c = it_sh(it_rt, "echo one; echo two >&2; printf half; " IT_UNTIL_GO);
	struct attacher a;
	int out[2], err[2];

	pipe_pair(out);
	pipe_pair(err);
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	it_sleep_ms(200); /* "half" reaches the monitor before the attach */
	attacher_start(&a, c, -1, out[1], err[1], CTR_ATTACH_LOGS, NULL);
	it_sleep_ms(500);
	it_touch("go");
	ATTACH_RESULT(&a, IT_GUARD_MS, 0);
	close(out[1]);
	close(err[1]);
	out[1] = err[1] = -1;
	char *o = read_all(out[0]), *e = read_all(err[0]);
	ck_assert_str_eq(o, "one\nhalf");
	ck_assert_str_eq(e, "two\n");
	free(o);
	free(e);
	close_pair(out);
	close_pair(err);
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 33);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_attach_logs_then_live_lines_come_in_order)
{
	ctr_container_t *c =
	    it_sh(it_rt, "echo before; touch /shared/ready; "
			 "while [ ! -e /shared/go ]; do sleep 0.02; done; echo after");
	struct attacher a;
	int out[2];
	char buf[256];

	pipe_pair(out);
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	attacher_start(&a, c, -1, out[1], -1, CTR_ATTACH_LOGS, NULL);
	read_until(out[0], buf, sizeof(buf), "before\n", IT_GUARD_MS); /* from the log */
	it_touch("go");
	ATTACH_RESULT(&a, IT_GUARD_MS, 0);
	close(out[1]);
	out[1] = -1;
	char *rest = read_all(out[0]);
	ck_assert_msg(!strcmp(buf, "before\n") && !strcmp(rest, "after\n"),
		      "got \"%s\" then \"%s\"", buf, rest);
	free(rest);
	close_pair(out);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_stdin_requested_without_stdin_is_state_error)
{
	ctr_container_t *c = it_sh(it_rt, IT_LOOP);
	int in[2], sv[2];

	pipe_pair(in);
	IT_OK(ctr_start(c, 0));
	CTR_OPTS(ctr_attach_opts_t, o, .stdin_fd = in[0], .stdout_fd = -1, .stderr_fd = -1,
		 .mux_fd = -1);
	IT_REFUSED(ctr_attach(c, &o), CTR_E_STATE, c);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "ctr_config_set_stdin"));
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	CTR_OPTS(ctr_attach_opts_t, m, .flags = CTR_ATTACH_STDIN, .mux_fd = sv[0]);
	IT_REFUSED(ctr_attach(c, &m), CTR_E_STATE, c);
	IT_OK(ctr_remove(c, CTR_FORCE));
	ctr_container_free(c);
	/* not running at all */
	c = it_sh(it_rt, IT_LOOP);
	o.stdin_fd = -1;
	o.stdout_fd = in[1];
	IT_REFUSED(ctr_attach(c, &o), CTR_E_STATE, c);
	close_pair(in);
	close(sv[0]);
	close(sv[1]);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_two_attached_clients_both_get_the_output)
{
	/* Each client's line arrives only once it is connected, so "both" comes after both. */
	ctr_container_t *c = with_stdin("read a; read b; echo both");
	struct attacher a[2];
	int in[2][2], out[2][2];

	IT_OK(ctr_start(c, 0));
	for (int i = 0; i < 2; i++) {
		pipe_pair(in[i]);
		pipe_pair(out[i]);
		ck_assert_int_eq(write(in[i][1], "x\n", 2), 2);
		close(in[i][1]);
		in[i][1] = -1;
		attacher_start(&a[i], c, in[i][0], out[i][1], -1, CTR_ATTACH_NO_STDIN_CLOSE, NULL);
	}
	for (int i = 0; i < 2; i++) {
		ATTACH_RESULT(&a[i], 10000, 0);
		close(out[i][1]);
		out[i][1] = -1;
		char *o = read_all(out[i][0]);
		ck_assert_str_eq(o, "both\n");
		free(o);
		close_pair(in[i]);
		close_pair(out[i]);
	}
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

/* A raw connection to c's attach socket, greeted. */
static int raw_connect(ctr_container_t *c, struct ctrp_hello *h)
{
	char path[4096];

	ctri_attach_path(c, path, sizeof(path));
	int fd = ctri_att_open(path, ctr_name(c), "connect", h);
	ck_assert_msg(fd >= 0, "connect: %s", it_err(fd));
	return fd;
}

START_TEST(test_a_client_that_never_reads_does_not_hold_up_the_container)
{
	ctr_container_t *c = it_sh(it_rt, "while [ ! -e /shared/go ]; do sleep 0.02; done; "
					  "yes 0123456789012345678901234567890123456789 | "
					  "head -c 20000000; exit 7");
	struct ctrp_hello h;

	IT_OK(ctr_start(c, 0));
	int fd = raw_connect(c, &h);
	ck_assert_int_eq(h.proto, 2);
	ck_assert_int_eq(h.stdin_open, 0);
	ck_assert_int_eq(h.terminal, 0);
	it_touch("go");
	/* All 20 MB went through (head wrote them before the exit) while the client, which
	 * reads nothing until after, stayed connected: a monitor that waited for it would
	 * block the container until the guard. */
	ck_assert_int_eq(it_wait(c, 2 * IT_GUARD_MS), 7);
	close(fd);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

/* Send a record of type and len bytes on a greeted connection; the monitor closes it. */
static void garbage_closes(ctr_container_t *c, int type, size_t len)
{
	static unsigned char rec[40001], buf[CTRI_ATT_BUF];
	struct ctrp_hello h;
	int fd = raw_connect(c, &h), t = 0;

	rec[0] = (unsigned char)type;
	ck_assert_int_eq(send(fd, rec, len + 1, MSG_NOSIGNAL), (ssize_t)len + 1);
	for (double end = it_now() + IT_GUARD_MS / 1000.0; t != CTRI_ATT_EOF;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ck_assert_msg(poll(&p, 1, (int)((end - it_now()) * 1000)) == 1,
			      "the monitor kept a connection that sent type %d, %zu bytes", type,
			      len);
		ck_assert_int_ge(ctri_att_recv(fd, buf, &t), 0);
	}
	close(fd);
}

START_TEST(test_garbage_on_the_socket_closes_only_that_connection)
{
	ctr_container_t *c = with_stdin("exec cat");
	struct attacher a;
	int in[2], out[2];
	char buf[256];

	pipe_pair(in);
	pipe_pair(out);
	IT_OK(ctr_start(c, 0));
	attacher_start(&a, c, in[0], out[1], -1, 0, NULL);
	garbage_closes(c, 99, 3);		  /* unknown type */
	garbage_closes(c, CTRP_ATT_STDIN, 40000); /* oversized */
	ck_assert_int_eq(write(in[1], "ping\n", 5), 5);
	read_until(out[0], buf, sizeof(buf), "ping\n", IT_GUARD_MS);
	IT_STATE(c, CTR_STATE_RUNNING);
	close(in[1]);
	in[1] = -1;
	ATTACH_RESULT(&a, IT_GUARD_MS, 0);
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	close_pair(in);
	close_pair(out);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

/* type_until_size() over a raw client: STDIN records of line until STDOUT records show
 * size (within 5 s). */
static void raw_type_until_size(int fd, const char *line, const char *size)
{
	static unsigned char buf[CTRI_ATT_BUF];
	char seen[8192] = "";
	size_t len = 0;
	double end = it_now() + 5;

	while (!strstr(seen, size)) {
		ck_assert_int_eq(ctri_att_send(fd, CTRP_ATT_STDIN, line, strlen(line), 0), 0);
		for (double next = it_now() + 0.2; !strstr(seen, size) && it_now() < next;) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			int t, n;
			if (poll(&p, 1, 50) != 1)
				continue;
			ck_assert_int_ge(n = ctri_att_recv(fd, buf, &t), 0);
			ck_assert_msg(t == CTRP_ATT_STDOUT, "record type %d before \"%s\"", t,
				      size);
			if ((size_t)n >= sizeof(seen) - len)
				len = 0; /* keep the tail only */
			memcpy(seen + len, buf + 1, (size_t)n);
			seen[len += (size_t)n] = 0;
		}
		ck_assert_msg(strstr(seen, size) || it_now() < end,
			      "no \"%s\" within 5 s; got \"%s\"", size, seen);
	}
}

#define CLIENTS_MAX 32 /* the monitor's MON_CLIENTS_MAX */

START_TEST(test_a_33rd_client_is_busy_and_resize_works_while_32_are_attached)
{
	ctr_config_t *cfg =
	    it_config("while read -r line; do [ \"$line\" = q ] && exit 0; stty size; done");
	struct ctrp_hello h;
	struct attacher a;
	int fds[CLIENTS_MAX], in[2], out[2];

	ck_assert_int_eq(ctr_config_set_terminal(cfg, 1), 0);
	ctr_container_t *c = it_create(it_rt, cfg);
	IT_OK(ctr_start(c, 0));
	for (int i = 0; i < CLIENTS_MAX; i++)
		fds[i] = raw_connect(c, &h);
	pipe_pair(in);
	pipe_pair(out);
	CTR_OPTS(ctr_attach_opts_t, o, .stdin_fd = in[0], .stdout_fd = out[1], .stderr_fd = -1,
		 .mux_fd = -1);
	IT_REFUSED(ctr_attach(c, &o), CTR_E_BUSY, c);
	ck_assert_msg(strstr(ctr_last_error(), "already serves 32 attach clients"), "%s",
		      ctr_last_error());

	/* Resize needs no client slot: the refused connection takes it. */
	IT_OK(ctr_attach_resize(c, 40, 100));
	raw_type_until_size(fds[0], "a\n", "40 100");
	IT_OK(ctr_attach_resize(c, 50, 132));
	raw_type_until_size(fds[0], "b\n", "50 132");

	/* One leaves: the next attach is served. */
	close(fds[CLIENTS_MAX - 1]);
	attacher_start(&a, c, in[0], out[1], -1, 0, NULL);
	ck_assert_int_eq(write(in[1], "c\n", 2), 2);
	char buf[8192];
	read_until(out[0], buf, sizeof(buf), "50 132", IT_GUARD_MS);
	ck_assert_int_eq(write(in[1], "q\n", 2), 2);
	ATTACH_RESULT(&a, IT_GUARD_MS, 0);
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	for (int i = 0; i < CLIENTS_MAX - 1; i++)
		close(fds[i]);
	close_pair(in);
	close_pair(out);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

Suite *suite_attach(void)
{
	Suite *s = suite_create("attach");
	TCase *tc = tcase_create("attach");

	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_attach_round_trip_through_cat_and_eof_ends_it);
	tcase_add_test(tc, test_detach_keys_leave_the_container_running);
	tcase_add_test(tc, test_resize_sets_the_terminal_size_the_container_sees);
	tcase_add_test(tc, test_attach_start_gets_the_first_output);
	tcase_add_test(tc, test_mux_frames_carry_the_right_stream_ids);
	tcase_add_test(tc, test_attach_logs_sends_the_log_then_live_output_none_twice);
	tcase_add_test(tc, test_attach_logs_then_live_lines_come_in_order);
	tcase_add_test(tc, test_stdin_requested_without_stdin_is_state_error);
	tcase_add_test(tc, test_two_attached_clients_both_get_the_output);
	tcase_add_test(tc, test_a_client_that_never_reads_does_not_hold_up_the_container);
	tcase_add_test(tc, test_garbage_on_the_socket_closes_only_that_connection);
	tcase_add_test(tc, test_a_33rd_client_is_busy_and_resize_works_while_32_are_attached);
	suite_add_tcase(s, tc);
	return s;
}
