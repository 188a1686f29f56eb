/* The attach wire formats without a monitor: detach-key specifications and the matcher, the
 * multiplexed frames, writes to full and broken descriptors, the monitor's HELLO. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <check.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "attach_proto.h"
#include "ctr/ctr.h"
#include "detach.h"
#include "tests.h"

/* ---- detach keys --------------------------------------------------------------------- */

static struct ctri_detach parse_ok(const char *spec)
{
	struct ctri_detach d;
	int r = ctri_detach_parse(spec, &d);

	ck_assert_msg(r == 0, "parse \"%s\": %d %s", spec ? spec : "(null)", r, ctr_last_error());
	return d;
}

START_TEST(test_detach_keys_default_to_ctrl_p_ctrl_q_and_empty_means_never)
{
	struct ctri_detach d = parse_ok(NULL);

	ck_assert_uint_eq(d.len, 2);
	ck_assert_uint_eq(d.keys[0], 16);
	ck_assert_uint_eq(d.keys[1], 17);
	ck_assert_uint_eq(parse_ok("").len, 0);
	ck_assert_int_eq(ctr_detach_keys_valid(NULL), 0);
	ck_assert_int_eq(ctr_detach_keys_valid(""), 0);
}
END_TEST

START_TEST(test_detach_keys_parse_characters_and_every_ctrl_key)
{
	static const unsigned char want[] = { 'a', 'b', 1, 26, 0, 27, 28, 29, 30, 31, '-', ' ' };
	struct ctri_detach d =
	    parse_ok("a,b,ctrl-a,ctrl-z,ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_,-, ");

	ck_assert_uint_eq(d.len, sizeof(want));
	ck_assert_mem_eq(d.keys, want, sizeof(want));
	ck_assert_int_eq(ctr_detach_keys_valid("ctrl-x,ctrl-y"), 0);
}
END_TEST

START_TEST(test_detach_keys_invalid_specs_are_inval_naming_the_key)
{
	static const struct {
		const char *spec, *bad;
	} cases[] = {
		{ ",", "\"\"" },
		{ "a,,b", "\"\"" },
		{ "a,", "\"\"" },
		{ "ctrl-", "\"ctrl-\"" },
		{ "ctrl-1", "\"ctrl-1\"" },
		{ "foo", "\"foo\"" },
		{ "ctrl-P", "\"ctrl-P\"" },
		{ "a,ctrl-pq", "\"ctrl-pq\"" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(ctr_detach_keys_valid(cases[i].spec), CTR_E_INVAL);
		ck_assert_msg(strstr(ctr_last_error(), cases[i].bad), "%s: \"%s\"", cases[i].spec,
			      ctr_last_error());
	}
	char many[3 * 40] = "";
	for (int i = 0; i < 33; i++)
		strcat(many, i ? ",x" : "x");
	ck_assert_int_eq(ctr_detach_keys_valid(many), CTR_E_INVAL);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "more than 32"));
}
END_TEST

/* Feed s (n bytes) and check what is passed on and whether it detached. */
static void feed(struct ctri_detach *d, const char *s, size_t n, const char *want_out,
		 size_t want_n, int want_detach)
{
	unsigned char out[64 + CTRI_DETACH_MAX];
	size_t len = 99;

	ck_assert_int_eq(ctri_detach_feed(d, (const unsigned char *)s, n, out, &len), want_detach);
	ck_assert_uint_eq(len, want_n);
	ck_assert_mem_eq(out, want_out, want_n);
}

START_TEST(test_matcher_detaches_on_the_full_sequence_passing_what_came_before)
{
	struct ctri_detach d = parse_ok(NULL);

	feed(&d, "ab\020\021cd", 6, "ab", 2, 1);
	feed(&d, "\x10\x11", 2, "", 0, 1); /* matched again from the start */
}
END_TEST

START_TEST(test_matcher_passes_a_partial_match_on_when_a_byte_breaks_it)
{
	struct ctri_detach d = parse_ok(NULL);

	feed(&d, "x\x10y", 3, "x\x10y", 3, 0);
	feed(&d, "\x10\x10\x11", 3, "\x10", 1, 1); /* the breaking byte begins a new match */
}
END_TEST

START_TEST(test_matcher_keys_split_across_reads)
{
	struct ctri_detach d = parse_ok("ctrl-a,b,c");

	feed(&d, "hi\x01", 3, "hi", 2, 0);
	feed(&d, "b", 1, "", 0, 0);
	feed(&d, "c", 1, "", 0, 1);
}
END_TEST

START_TEST(test_matcher_held_bytes_at_a_read_boundary_go_on_with_the_next_read)
{
	struct ctri_detach d = parse_ok("a,b,c");
	unsigned char out[CTRI_DETACH_MAX];

	feed(&d, "xxab", 4, "xx", 2, 0);
	feed(&d, "z", 1, "abz", 3, 0);
	feed(&d, "a", 1, "", 0, 0);
	ck_assert_uint_eq(ctri_detach_flush(&d, out), 1); /* EOF: the held byte is input */
	ck_assert_uint_eq(out[0], 'a');
	feed(&d, "bc", 2, "bc", 2, 0); /* the flush forgot the partial match */
}
END_TEST

START_TEST(test_matcher_finds_a_sequence_overlapping_its_own_prefix)
{
	struct ctri_detach d = parse_ok("a,a,b");

	feed(&d, "aaab", 4, "a", 1, 1);
	d = parse_ok("a,b,a,c");
	feed(&d, "ababac", 6, "ab", 2, 1);
}
END_TEST

START_TEST(test_matcher_without_keys_passes_everything)
{
	struct ctri_detach d = parse_ok("");

	feed(&d, "\x10\x11\x10", 3, "\x10\x11\x10", 3, 0);
}
END_TEST

/* ---- mux framing, output descriptors, HELLO ----------------------------------------- */

START_TEST(test_mux_frame_is_stream_three_zeros_and_big_endian_length)
{
	unsigned char hdr[CTRI_MUX_HDR], got[64];
	int p[2];

	ctri_mux_header(hdr, CTR_STREAM_STDERR, 0x01020304);
	ck_assert_mem_eq(hdr, "\x02\x00\x00\x00\x01\x02\x03\x04", 8);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(ctri_mux_write(p[1], CTR_STREAM_STDOUT, "hello", 5), 0);
	ck_assert_int_eq(ctri_mux_write(p[1], CTR_STREAM_STDERR, "", 0), 0); /* nothing */
	close(p[1]);
	ck_assert_int_eq(read(p[0], got, sizeof(got)), 13);
	ck_assert_mem_eq(got, "\x01\x00\x00\x00\x00\x00\x00\x05hello", 13);
	close(p[0]);
}
END_TEST

static void *drain_slowly(void *arg)
{
	int fd = *(int *)arg;
	char buf[4096];
	long total = 0;
	ssize_t n;

	usleep(50000); /* let the writer fill the pipe first */
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	return (void *)total;
}

START_TEST(test_write_waits_on_a_full_nonblocking_descriptor)
{
	static char big[1 << 20];
	int p[2];
	pthread_t th;
	void *total;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(fcntl(p[1], F_SETFL, O_NONBLOCK), 0); /* the writer's end only */
	ck_assert_int_eq(pthread_create(&th, NULL, drain_slowly, &p[0]), 0);
	ck_assert_int_eq(ctri_mux_write(p[1], CTR_STREAM_STDOUT, big, sizeof(big)), 0);
	close(p[1]);
	pthread_join(th, &total);
	ck_assert_int_eq((long)total, (long)sizeof(big) + CTRI_MUX_HDR);
	close(p[0]);
}
END_TEST

START_TEST(test_write_to_a_broken_pipe_is_epipe_without_sigpipe)
{
	struct iovec iov = { "x", 1 };
	sigset_t pending;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	ck_assert_int_eq(ctri_write_iov(p[1], &iov, 1), -EPIPE);
	ck_assert_int_eq(sigpending(&pending), 0);
	ck_assert(!sigismember(&pending, SIGPIPE));
	close(p[1]);
}
END_TEST

START_TEST(test_hello_parses_five_decimals_and_refuses_anything_else)
{
	static const char *const bad[] = {
		"",	      "2 4711 0 1", "2  4711 0 1 0", "2 4711 0 1 0 ", "2 4711 0 2 0",
		"2 -1 0 1 0", "x 0 0 0 0",  "2 0 0 0 0\n"
	};
	struct ctrp_hello h;
	const char *ok = "2 4711 3 1 0";

	ck_assert_int_eq(ctrp_hello_parse(ok, strlen(ok), &h), 0);
	ck_assert_int_eq(h.proto, 2);
	ck_assert_int_eq(h.log_offset, 4711);
	ck_assert_int_eq(h.rotations, 3);
	ck_assert_int_eq(h.stdin_open, 1);
	ck_assert_int_eq(h.terminal, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(ctrp_hello_parse(bad[i], strlen(bad[i]), &h) == -1,
			      "accepted \"%s\"", bad[i]);
}
END_TEST

/* ---- records ------------------------------------------------------------------------- */

START_TEST(test_records_carry_a_type_an_empty_record_is_the_end_and_an_oversized_one_an_error)
{
	static unsigned char buf[CTRI_ATT_BUF], big[CTRI_ATT_BUF + 1];
	int sv[2], type = 99;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(ctri_att_recv_nb(sv[0], buf, &type), 0);
	ck_assert_int_eq(type, CTRI_ATT_NONE);

	ck_assert_int_eq(ctri_att_send(sv[1], CTRP_ATT_STDOUT, "hi", 2, 0), 0);
	ck_assert_int_eq(ctri_att_recv(sv[0], buf, &type), 2);
	ck_assert_int_eq(type, CTRP_ATT_STDOUT);
	ck_assert_int_eq(memcmp(buf + 1, "hi", 2), 0);
	ck_assert_int_eq(ctri_att_send(sv[1], CTRP_ATT_END, NULL, 0, 0), 0);
	ck_assert_int_eq(ctri_att_recv(sv[0], buf, &type), 0);
	ck_assert_int_eq(type, CTRP_ATT_END);

	/* Not even a type byte: the end, as a close is (recv() cannot tell them apart). */
	ck_assert_int_eq(send(sv[1], "", 0, 0), 0);
	type = 99;
	ck_assert_int_eq(ctri_att_recv(sv[0], buf, &type), 0);
	ck_assert_int_eq(type, CTRI_ATT_EOF);

	memset(big, 0, sizeof(big));
	big[0] = CTRP_ATT_STDOUT;
	ck_assert_int_eq(send(sv[1], big, sizeof(big), 0), (ssize_t)sizeof(big));
	ck_assert_int_eq(ctri_att_recv(sv[0], buf, &type), CTR_E_MONITOR);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "bytes"));
	ck_assert_int_eq(ctri_att_send(sv[1], CTRP_ATT_STDOUT, big, CTRP_ATT_PAYLOAD_MAX + 1, 0),
			 CTR_E_INVAL);

	close(sv[1]);
	type = 99;
	ck_assert_int_eq(ctri_att_recv(sv[0], buf, &type), 0);
	ck_assert_int_eq(type, CTRI_ATT_EOF);
	close(sv[0]);
}
END_TEST

Suite *suite_attach_proto(void)
{
	Suite *s = suite_create("attach_proto");
	TCase *tc = tcase_create("detach_keys");

	tcase_add_test(tc, test_detach_keys_default_to_ctrl_p_ctrl_q_and_empty_means_never);
	tcase_add_test(tc, test_detach_keys_parse_characters_and_every_ctrl_key);
	tcase_add_test(tc, test_detach_keys_invalid_specs_are_inval_naming_the_key);
	tcase_add_test(tc, test_matcher_detaches_on_the_full_sequence_passing_what_came_before);
	tcase_add_test(tc, test_matcher_passes_a_partial_match_on_when_a_byte_breaks_it);
	tcase_add_test(tc, test_matcher_keys_split_across_reads);
	tcase_add_test(tc, test_matcher_held_bytes_at_a_read_boundary_go_on_with_the_next_read);
	tcase_add_test(tc, test_matcher_finds_a_sequence_overlapping_its_own_prefix);
	tcase_add_test(tc, test_matcher_without_keys_passes_everything);
	suite_add_tcase(s, tc);

	tc = tcase_create("wire");
	tcase_add_test(tc, test_mux_frame_is_stream_three_zeros_and_big_endian_length);
	tcase_add_test(tc, test_write_waits_on_a_full_nonblocking_descriptor);
	tcase_add_test(tc, test_write_to_a_broken_pipe_is_epipe_without_sigpipe);
	tcase_add_test(tc, test_hello_parses_five_decimals_and_refuses_anything_else);
	tcase_add_test(
	    tc, test_records_carry_a_type_an_empty_record_is_the_end_and_an_oversized_one_an_error);
	suite_add_tcase(s, tc);
	return s;
}
