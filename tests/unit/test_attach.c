/* Attach without a monitor: ctr_attach's copy loop and ctr_attach_resize against a fake
 * monitor (a thread serving a SOCK_SEQPACKET socket at the attach path of a container whose
 * state record says RUNNING). The wire formats alone are in test_attach_proto.c. */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "attach_proto.h"
#include "container_fixture.h"

/* ---- the fake monitor ---------------------------------------------------------------- */

struct fake;
typedef void (*serve_fn)(struct fake *f, int conn);

struct fake {
	char path[PATH_MAX];
	int lfd;
	pthread_t th;
	const char *hello; /* NULL: "2 0 0 1 0" */
	serve_fn serve;
	/* what the client sent */
	char in[8192];
	size_t in_len;
	int stdin_closed, records;
	char resize[64];
};

static void rec_send(int fd, int type, const void *data, size_t len)
{
	unsigned char buf[CTRI_ATT_BUF + 16384];

	buf[0] = (unsigned char)type;
	memcpy(buf + 1, data, len);
	(void)!send(fd, buf, len + 1, MSG_NOSIGNAL);
}

/* Receive one client record into f (timeout_ms: -1 forever). The type, CTRI_ATT_EOF, or
 * -2 on timeout. */
static int rec_take(struct fake *f, int conn, int timeout_ms)
{
	struct pollfd p = { .fd = conn, .events = POLLIN };
	unsigned char buf[CTRI_ATT_BUF];

	if (poll(&p, 1, timeout_ms) == 0)
		return -2;
	ssize_t n = recv(conn, buf, sizeof(buf), 0);
	if (n <= 0)
		return CTRI_ATT_EOF;
	f->records++;
	if (buf[0] == CTRP_ATT_STDIN && f->in_len + (size_t)n - 1 <= sizeof(f->in)) {
		memcpy(f->in + f->in_len, buf + 1, (size_t)n - 1);
		f->in_len += (size_t)n - 1;
	} else if (buf[0] == CTRP_ATT_STDIN_CLOSE) {
		f->stdin_closed = 1;
	} else if (buf[0] == CTRP_ATT_RESIZE && (size_t)n - 1 < sizeof(f->resize)) {
		memcpy(f->resize, buf + 1, (size_t)n - 1);
	}
	return buf[0];
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	struct pollfd p = { .fd = f->lfd, .events = POLLIN };

	if (poll(&p, 1, TU_GUARD_MS) != 1)
		return NULL;
	int conn = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return NULL;
	const char *h = f->hello ? f->hello : "2 0 0 1 0";
	rec_send(conn, CTRP_ATT_HELLO, h, strlen(h));
	if (f->serve)
		f->serve(f, conn);
	close(conn);
	return NULL;
}

/* Listen at path (any length: a long one is bound through its directory's descriptor). */
static void fake_listen(struct fake *f, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int dfd;

	snprintf(f->path, sizeof(f->path), "%s", path);
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	ck_assert_int_ge(dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC), 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd, slash + 1);
	ck_assert_int_ge(f->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), 0);
	ck_assert_int_eq(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(f->lfd, 4), 0);
	close(dfd);
	ck_assert_int_eq(pthread_create(&f->th, NULL, fake_main, f), 0);
}

/* A fake monitor for c, which is recorded as RUNNING (its monitor: this process). */
static void fake_start(struct fake *f, ctr_container_t *c, const char *hello, serve_fn serve)
{
	char path[PATH_MAX];

	f->hello = hello;
	f->serve = serve;
	put_state_alive(c, "running");
	ctri_attach_path(c, path, sizeof(path));
	fake_listen(f, path);
}

static void fake_join(struct fake *f)
{
	pthread_join(f->th, NULL);
	close(f->lfd);
	unlink(f->path);
}

static void serve_output(struct fake *f, int conn)
{
	(void)f;
	rec_send(conn, CTRP_ATT_STDOUT, "hello ", 6);
	rec_send(conn, CTRP_ATT_STDERR, "oops\n", 5);
	rec_send(conn, 9, "a later protocol's record", 25);
	rec_send(conn, CTRP_ATT_STDOUT, "world\n", 6);
	rec_send(conn, CTRP_ATT_END, "", 0);
}

/* Read what a pipe holds (its write end closed) as a string. */
static char *slurp(int fd)
{
	static char buf[4][8192];
	static int next;
	char *b = buf[next++ % 4];
	size_t n = 0;
	ssize_t r;

	while (n < sizeof(buf[0]) - 1 && (r = read(fd, b + n, sizeof(buf[0]) - 1 - n)) > 0)
		n += (size_t)r;
	b[n] = 0;
	return b;
}

static int attach_fds(ctr_container_t *c, int in, int out, int err, unsigned flags,
		      const char *keys)
{
	CTR_OPTS(ctr_attach_opts_t, o, .flags = flags, .stdin_fd = in, .stdout_fd = out,
		 .stderr_fd = err, .mux_fd = -1, .detach_keys = keys);
	return ctr_attach(c, &o);
}

START_TEST(test_attach_copies_stdout_and_stderr_until_end)
{
	ctr_container_t *c = create("att");
	struct fake f = { 0 };
	int out[2], err[2];

	ck_assert_int_eq(pipe(out), 0);
	ck_assert_int_eq(pipe(err), 0);
	fake_start(&f, c, "2 0 0 0 0", serve_output);
	ck_assert_uint_ge(strlen(f.path), sizeof(((struct sockaddr_un *)0)->sun_path));
	int r = attach_fds(c, -1, out[1], err[1], 0, NULL);
	ck_assert_msg(r == 0, "ctr_attach: %d %s", r, ctr_last_error());
	fake_join(&f);
	close(out[1]);
	close(err[1]);
	ck_assert_str_eq(slurp(out[0]), "hello world\n");
	ck_assert_str_eq(slurp(err[0]), "oops\n");
	ck_assert_int_eq(f.records, 0); /* no stdin requested: nothing sent */
	close(out[0]);
	close(err[0]);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_attach_ends_with_zero_when_the_monitor_closes_without_end)
{
	ctr_container_t *c = create("att");
	struct fake f = { 0 };
	int out[2];

	ck_assert_int_eq(pipe(out), 0);
	fake_start(&f, c, NULL, NULL);
	ck_assert_int_eq(attach_fds(c, -1, out[1], -1, 0, NULL), 0);
	fake_join(&f);
	close(out[0]);
	close(out[1]);
	ctr_container_free(c);
}
END_TEST

static void attach_expecting(const char *hello, serve_fn serve, int want, const char *msg)
{
	ctr_container_t *c = create(NULL);
	struct fake f = { 0 };
	int out[2];

	ck_assert_int_eq(pipe(out), 0);
	fake_start(&f, c, hello, serve);
	ck_assert_int_eq(attach_fds(c, -1, out[1], -1, 0, NULL), want);
	assert_msg_has(msg);
	assert_msg_has(": cannot attach: ");
	assert_msg_has(ctr_name(c));
	fake_join(&f);
	close(out[0]);
	close(out[1]);
	ctr_container_free(c);
}

START_TEST(test_attach_refuses_a_garbage_hello_and_another_protocol_version)
{
	attach_expecting("garbage", NULL, CTR_E_MONITOR, "not a HELLO");
	attach_expecting("1 0 0 0 0", NULL, CTR_E_MONITOR, "attach protocol 1");
}
END_TEST

static void serve_oversized(struct fake *f, int conn)
{
	static char big[40000];

	(void)f;
	rec_send(conn, CTRP_ATT_STDOUT, big, sizeof(big));
	rec_take(f, conn, 2000); /* until the client goes */
}

START_TEST(test_attach_refuses_an_oversized_record_from_the_monitor)
{
	attach_expecting(NULL, serve_oversized, CTR_E_MONITOR, "record of 40001 bytes");
}
END_TEST

/* Collect records until STDIN_CLOSE (or EOF), then echo the input and end. */
static void serve_echo(struct fake *f, int conn)
{
	int t;

	while ((t = rec_take(f, conn, 3000)) >= 0 && t != CTRP_ATT_STDIN_CLOSE)
		;
	rec_send(conn, CTRP_ATT_STDOUT, f->in, f->in_len);
	rec_send(conn, CTRP_ATT_END, "", 0);
}

START_TEST(test_input_eof_sends_stdin_close_and_attach_goes_on_until_end)
{
	ctr_container_t *c = create("att");
	struct fake f = { 0 };
	int in[2], out[2];

	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(out), 0);
	ck_assert_int_eq(write(in[1], "abc\x10", 4), 4); /* a partial detach match at EOF */
	close(in[1]);
	fake_start(&f, c, NULL, serve_echo);
	int r = attach_fds(c, in[0], out[1], -1, 0, NULL);
	ck_assert_msg(r == 0, "ctr_attach: %d %s", r, ctr_last_error());
	fake_join(&f);
	close(out[1]);
	ck_assert_int_eq(f.stdin_closed, 1);
	ck_assert_str_eq(slurp(out[0]), "abc\x10");
	close(in[0]);
	close(out[0]);
	ctr_container_free(c);
}
END_TEST

/* Take records for 300 ms after the input arrived, then end. */
static void serve_no_close(struct fake *f, int conn)
{
	while (rec_take(f, conn, 300) >= 0)
		;
	rec_send(conn, CTRP_ATT_END, "", 0);
}

START_TEST(test_no_stdin_close_keeps_the_containers_stdin_open_at_input_eof)
{
	ctr_container_t *c = create("att");
	struct fake f = { 0 };
	int in[2];

	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(write(in[1], "xyz", 3), 3);
	close(in[1]);
	fake_start(&f, c, NULL, serve_no_close);
	ck_assert_int_eq(attach_fds(c, in[0], -1, -1, CTR_ATTACH_NO_STDIN_CLOSE, NULL), 0);
	fake_join(&f);
	ck_assert_int_eq(f.stdin_closed, 0);
	ck_assert_uint_eq(f.in_len, 3);
	ck_assert_mem_eq(f.in, "xyz", 3);
	close(in[0]);
	ctr_container_free(c);
}
END_TEST

/* Take records until the client closes the connection. */
static void serve_until_eof(struct fake *f, int conn)
{
	while (rec_take(f, conn, 3000) >= 0)
		;
}

static void detach_with(const char *keys, const char *input, size_t n, const char *want_sent)
{
	ctr_container_t *c = create(NULL);
	struct fake f = { 0 };
	int in[2];

	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(write(in[1], input, n), (ssize_t)n);
	fake_start(&f, c, NULL, serve_until_eof);
	int r = attach_fds(c, in[0], -1, -1, 0, keys);
	ck_assert_msg(r == CTR_ATTACH_DETACHED, "ctr_attach: %d %s", r, ctr_last_error());
	fake_join(&f);
	ck_assert_int_eq(f.stdin_closed, 0);
	ck_assert_uint_eq(f.in_len, strlen(want_sent));
	ck_assert_mem_eq(f.in, want_sent, f.in_len);
	close(in[0]);
	close(in[1]);
	ctr_container_free(c);
}

START_TEST(test_detach_keys_end_attach_with_detached_and_are_not_sent)
{
	detach_with(NULL, "ab\020\021cd", 6, "ab");
	detach_with("x,y", "a\x10xzxy!", 7, "a\x10xz");
}
END_TEST

START_TEST(test_stdin_requested_without_an_open_stdin_is_state_error)
{
	ctr_container_t *c = create("att");
	struct fake f = { 0 };
	int in[2], sv[2];

	ck_assert_int_eq(pipe(in), 0);
	fake_start(&f, c, "2 0 0 0 0", serve_until_eof);
	ck_assert_int_eq(attach_fds(c, in[0], -1, -1, 0, NULL), CTR_E_STATE);
	assert_msg_has("stdin is not open: see ctr_config_set_stdin");
	fake_join(&f);
	ck_assert_int_eq(f.records, 0);
	/* the same in mux mode with CTR_ATTACH_STDIN */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fake_start(&f, c, "2 0 0 0 0", serve_until_eof);
	CTR_OPTS(ctr_attach_opts_t, o, .flags = CTR_ATTACH_STDIN, .stdin_fd = -1, .stdout_fd = -1,
		 .stderr_fd = -1, .mux_fd = sv[0]);
	ck_assert_int_eq(ctr_attach(c, &o), CTR_E_STATE);
	fake_join(&f);
	close(in[0]);
	close(in[1]);
	close(sv[0]);
	close(sv[1]);
	ctr_container_free(c);
}
END_TEST

/* Read one mux frame: its stream, and its payload into buf (NUL-terminated). */
static int read_frame(int fd, char *buf, size_t size)
{
	unsigned char h[CTRI_MUX_HDR];

	ck_assert_int_eq(read(fd, h, sizeof(h)), (ssize_t)sizeof(h));
	ck_assert_mem_eq(h + 1, "\0\0\0", 3);
	size_t len = (size_t)h[4] << 24 | (size_t)h[5] << 16 | (size_t)h[6] << 8 | h[7];
	ck_assert_uint_lt(len, size);
	ck_assert_int_eq(read(fd, buf, len), (ssize_t)len);
	buf[len] = 0;
	return h[0];
}

START_TEST(test_mux_mode_frames_output_and_reads_stdin_from_the_same_descriptor)
{
	ctr_container_t *c = create("att");
	struct fake f = { 0 };
	char buf[64];
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(write(sv[1], "in", 2), 2);
	ck_assert_int_eq(shutdown(sv[1], SHUT_WR), 0);
	fake_start(&f, c, NULL, serve_echo);
	/* stdout_fd and stderr_fd are ignored in mux mode (0 here, as CTR_OPTS leaves them) */
	CTR_OPTS(ctr_attach_opts_t, o, .flags = CTR_ATTACH_STDIN, .stdin_fd = -1, .mux_fd = sv[0]);
	int r = ctr_attach(c, &o);
	ck_assert_msg(r == 0, "ctr_attach: %d %s", r, ctr_last_error());
	fake_join(&f);
	ck_assert_int_eq(f.stdin_closed, 1);
	ck_assert_int_eq(read_frame(sv[1], buf, sizeof(buf)), CTR_STREAM_STDOUT);
	ck_assert_str_eq(buf, "in");
	close(sv[0]);
	close(sv[1]);

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fake_start(&f, c, "2 0 0 0 0", serve_output);
	o.flags = 0;
	o.mux_fd = sv[0];
	ck_assert_int_eq(ctr_attach(c, &o), 0);
	fake_join(&f);
	ck_assert_int_eq(read_frame(sv[1], buf, sizeof(buf)), CTR_STREAM_STDOUT);
	ck_assert_str_eq(buf, "hello ");
	ck_assert_int_eq(read_frame(sv[1], buf, sizeof(buf)), CTR_STREAM_STDERR);
	ck_assert_str_eq(buf, "oops\n");
	ck_assert_int_eq(read_frame(sv[1], buf, sizeof(buf)), CTR_STREAM_STDOUT);
	ck_assert_str_eq(buf, "world\n");
	close(sv[0]);
	close(sv[1]);
	ctr_container_free(c);
}
END_TEST

static void serve_live_line(struct fake *f, int conn)
{
	(void)f;
	rec_send(conn, CTRP_ATT_STDOUT, "f\n", 2);
	rec_send(conn, CTRP_ATT_END, "", 0);
}

START_TEST(test_attach_logs_sends_the_log_up_to_the_hello_offset_then_live_output)
{
	static const char *const before[] = {
		"2026-11-23T15:00:00.000000001Z stdout F one\n",
		"2026-11-23T15:00:00.000000002Z stderr F two\n",
		"2026-11-23T15:00:00.000000003Z stdout P hal\n",
	};
	const char *after = "2026-11-23T15:00:00.000000004Z stdout F later\n"; /* sent live */
	ctr_container_t *c = create("att");
	struct fake f = { 0 };
	char path[PATH_MAX], hello[64];
	size_t offset = 0;
	int out[2], err[2];

	ctri_bundle_path(c, "ctr.log", path, sizeof(path));
	FILE *log = fopen(path, "we");
	ck_assert_ptr_nonnull(log);
	for (size_t i = 0; i < 3; i++)
		offset += (size_t)fprintf(log, "%s", before[i]);
	fprintf(log, "%s", after);
	fclose(log);
	snprintf(hello, sizeof(hello), "2 %zu 0 0 0", offset);
	ck_assert_int_eq(pipe(out), 0);
	ck_assert_int_eq(pipe(err), 0);
	fake_start(&f, c, hello, serve_live_line);
	int r = attach_fds(c, -1, out[1], err[1], CTR_ATTACH_LOGS, NULL);
	ck_assert_msg(r == 0, "ctr_attach: %d %s", r, ctr_last_error());
	fake_join(&f);
	close(out[1]);
	close(err[1]);
	ck_assert_str_eq(slurp(out[0]), "one\nhalf\n"); /* the partial line has no newline */
	ck_assert_str_eq(slurp(err[0]), "two\n");
	close(out[0]);
	close(err[0]);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_a_broken_output_descriptor_is_io_error)
{
	ctr_container_t *c = create("att");
	struct fake f = { 0 };
	int out[2];

	ck_assert_int_eq(pipe(out), 0);
	close(out[0]);
	fake_start(&f, c, "2 0 0 0 0", serve_output);
	ck_assert_int_eq(attach_fds(c, -1, out[1], -1, 0, NULL), CTR_E_IO);
	assert_msg_has("write to stdout_fd");
	fake_join(&f);
	close(out[1]);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_attach_checks_its_options_first)
{
	ctr_container_t *c = create("att");
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(ctr_attach(NULL, NULL), CTR_E_INVAL);
	ck_assert_int_eq(ctr_attach(c, NULL), CTR_E_INVAL);
	assert_msg_has("no descriptor to attach");
	ck_assert_int_eq(attach_fds(c, -1, -1, -1, 0, NULL), CTR_E_INVAL);
	ck_assert_int_eq(attach_fds(c, -1, p[1], -1, 0x100, NULL), CTR_E_INVAL);
	assert_msg_has("unknown flags 0x100");
	ck_assert_int_eq(attach_fds(c, -2, p[1], -1, 0, NULL), CTR_E_INVAL);
	assert_msg_has("stdin_fd is -2");
	ck_assert_int_eq(attach_fds(c, -1, 1000, -1, 0, NULL), CTR_E_INVAL);
	assert_msg_has("stdout_fd 1000 is not an open descriptor");
	ck_assert_int_eq(attach_fds(c, p[0], p[1], -1, 0, "ctrl-1"), CTR_E_INVAL);
	assert_msg_has("\"ctrl-1\"");
	ctr_attach_opts_t small = { .sz = 1 };
	ck_assert_int_eq(ctr_attach(c, &small), CTR_E_INVAL);
	assert_msg_has("opts->sz");
	close(p[0]);
	close(p[1]);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_attach_needs_a_created_or_running_container)
{
	ctr_container_t *c = create("att");
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(attach_fds(c, -1, p[1], -1, 0, NULL), CTR_E_STATE);
	assert_msg_has("container is configured");
	put_state_alive(c, "paused");
	ck_assert_int_eq(attach_fds(c, -1, p[1], -1, 0, NULL), CTR_E_STATE);
	assert_msg_has("container is paused");
	/* recorded as running, but no monitor listens */
	put_state_alive(c, "running");
	ck_assert_int_eq(attach_fds(c, -1, p[1], -1, 0, NULL), CTR_E_STATE);
	assert_msg_has("monitor is gone");
	close(p[0]);
	close(p[1]);
	ctr_container_free(c);
}
END_TEST

/* ---- resize -------------------------------------------------------------------------- */

static ctr_container_t *create_terminal(const char *name)
{
	ctr_config_t *cfg = tu_config(name);
	ctr_container_t *c = NULL;

	ck_assert_int_eq(ctr_config_set_terminal(cfg, 1), 0);
	ck_assert_int_eq(ctr_create(rt, cfg, &c), 0);
	ctr_config_free(cfg);
	return c;
}

START_TEST(test_resize_sends_rows_and_columns_to_the_monitor)
{
	ctr_container_t *c = create_terminal("tty");
	struct fake f = { 0 };

	fake_start(&f, c, "2 0 0 1 1", serve_until_eof);
	int r = ctr_attach_resize(c, 40, 100);
	ck_assert_msg(r == 0, "ctr_attach_resize: %d %s", r, ctr_last_error());
	fake_join(&f);
	ck_assert_str_eq(f.resize, "40 100");
	ck_assert_int_eq(f.records, 1);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_resize_checks_size_terminal_and_state)
{
	ctr_container_t *tty = create_terminal("tty"), *plain = create("plain");

	ck_assert_int_eq(ctr_attach_resize(tty, 0, 80), CTR_E_INVAL);
	ck_assert_int_eq(ctr_attach_resize(tty, 24, 0), CTR_E_INVAL);
	ck_assert_int_eq(ctr_attach_resize(tty, 24, 80), CTR_E_STATE);
	assert_msg_has("container tty: cannot resize: container is configured");
	put_state_alive(plain, "running");
	ck_assert_int_eq(ctr_attach_resize(plain, 24, 80), CTR_E_INVAL);
	assert_msg_has("no terminal");
	ck_assert_int_eq(ctr_attach_resize(NULL, 24, 80), CTR_E_INVAL);
	ctr_container_free(tty);
	ctr_container_free(plain);
}
END_TEST

START_TEST(test_resize_path_connects_to_a_short_path_and_checks_the_range)
{
	struct fake f = { 0 };
	char *path = tu_path("s");

	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		free(path); /* TMPDIR too deep for the short form: the long one is tested above */
		return;
	}
	f.serve = serve_until_eof;
	fake_listen(&f, path);
	ck_assert_int_eq(ctri_attach_resize_path(path, "x", "resize", 65536, 1), CTR_E_INVAL);
	ck_assert_int_eq(ctri_attach_resize_path(path, NULL, "resize", 1, 65535), 0);
	fake_join(&f);
	ck_assert_int_eq(ctri_attach_resize_path(path, "x", "resize", 1, 1), CTR_E_STATE);
	free(path);
}
END_TEST

Suite *suite_attach(void)
{
	Suite *s = suite_create("attach");
	TCase *tc = tcase_create("copy");

	tu_add_fixtures(tc, container_teardown);
	tcase_add_checked_fixture(tc, container_setup, NULL);
	tcase_add_test(tc, test_attach_copies_stdout_and_stderr_until_end);
	tcase_add_test(tc, test_attach_ends_with_zero_when_the_monitor_closes_without_end);
	tcase_add_test(tc, test_attach_refuses_a_garbage_hello_and_another_protocol_version);
	tcase_add_test(tc, test_attach_refuses_an_oversized_record_from_the_monitor);
	tcase_add_test(tc, test_input_eof_sends_stdin_close_and_attach_goes_on_until_end);
	tcase_add_test(tc, test_no_stdin_close_keeps_the_containers_stdin_open_at_input_eof);
	tcase_add_test(tc, test_detach_keys_end_attach_with_detached_and_are_not_sent);
	tcase_add_test(tc, test_stdin_requested_without_an_open_stdin_is_state_error);
	tcase_add_test(tc, test_mux_mode_frames_output_and_reads_stdin_from_the_same_descriptor);
	tcase_add_test(tc, test_attach_logs_sends_the_log_up_to_the_hello_offset_then_live_output);
	tcase_add_test(tc, test_a_broken_output_descriptor_is_io_error);
	tcase_add_test(tc, test_attach_checks_its_options_first);
	tcase_add_test(tc, test_attach_needs_a_created_or_running_container);
	tcase_add_test(tc, test_resize_sends_rows_and_columns_to_the_monitor);
	tcase_add_test(tc, test_resize_checks_size_terminal_and_state);
	tcase_add_test(tc, test_resize_path_connects_to_a_short_path_and_checks_the_range);
	suite_add_tcase(s, tc);
	return s;
}
