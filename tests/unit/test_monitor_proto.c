/* The monitor protocol's files (libctr/proto): the exit file the monitor writes and the
 * library reads, the sync line, and the attach socket's HELLO, REFUSED and RESIZE payloads,
 * each through its one writer and its one parser. */
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor_proto.h"
#include "tests.h"
#include "testutil.h"
#include "util.h"

/* ---- the exit file ------------------------------------------------------------------- */

/* Write e as DIR/NAME with the writer; the file's text comes back (malloc'd). */
static char *write_exit(const char *dir, const char *name, const struct ctrp_exit *e, size_t *len)
{
	char *path = ctri_strdupf("%s/%s", dir, name), *tmp = ctri_strdupf("%s/.%s.tmp", dir, name);
	char *text = NULL;
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	ck_assert_int_ge(dirfd, 0);
	ck_assert_int_eq(ctrp_exit_write(dirfd, name, e), 0);
	close(dirfd);
	ck_assert_int_eq(ctri_read_file(path, 4096, &text, len), 0);
	ck_assert_msg(access(tmp, F_OK) != 0, "%s left behind", tmp);
	free(path);
	free(tmp);
	return text;
}

static void assert_same_exit(const struct ctrp_exit *got, const struct ctrp_exit *want)
{
	ck_assert_int_eq(got->proto, CTRP_PROTO);
	ck_assert_int_eq(got->pid, want->pid);
	ck_assert_int_eq(got->exit_code, want->exit_code);
	ck_assert_int_eq(got->signal, want->signal);
	ck_assert_int_eq(got->oom, want->oom);
	ck_assert(got->time == want->time);
}

START_TEST(test_exit_files_written_are_read_back_field_by_field)
{
	const struct ctrp_exit cases[] = {
		{ .pid = 4242,
		  .exit_code = 137,
		  .signal = 9,
		  .oom = 0,
		  .time = 1795448194203016861 },
		{ .pid = 1, .exit_code = 0, .signal = 0, .oom = 1, .time = 0 },
		{ .pid = INT_MAX, .exit_code = 255, .signal = 0, .oom = 1, .time = INT64_MAX },
		{ .pid = 7, .exit_code = 128 + 64, .signal = 64, .oom = 0, .time = 1 },
		/* The library records "no exit status" as -1; the parser takes what JSON has. */
		{ .pid = 0, .exit_code = -1, .signal = 0, .oom = 0, .time = INT64_MIN },
	};
	char *dir = tu_mkdtemp();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ctrp_exit got = { .proto = -5 };
		size_t len;
		char *text = write_exit(dir, "c1", &cases[i], &len);

		ck_assert_msg(len < CTRP_EXIT_LINE_MAX && text[len - 1] == '\n', "case %zu: %s", i,
			      text);
		ck_assert_int_eq(ctrp_exit_parse(text, len, &got), 0);
		assert_same_exit(&got, &cases[i]);
		free(text);
	}
	tu_rm_rf(dir);
	free(dir);
}
END_TEST

START_TEST(test_the_exit_file_is_the_documented_line)
{
	const struct ctrp_exit e = {
		.pid = 4242, .exit_code = 137, .signal = 9, .oom = 0, .time = 1795448194203016861
	};
	char buf[CTRP_EXIT_LINE_MAX];
	size_t n = ctrp_exit_format(buf, sizeof(buf), &e);

	/* docs/monitor-protocol.md, "The exit file" */
	ck_assert_str_eq(buf, "{\"proto\":2,\"pid\":4242,\"exit_code\":137,\"signal\":9,"
			      "\"oom\":false,\"time\":1795448194203016861}\n");
	ck_assert_uint_eq(n, strlen(buf));
}
END_TEST

static int parse(const char *text, struct ctrp_exit *out)
{
	return ctrp_exit_parse(text, strlen(text), out);
}

START_TEST(test_every_exit_file_version_and_json_layout_is_read)
{
	struct ctrp_exit e;

	/* Version 1 had the same members; files outlive monitors. */
	ck_assert_int_eq(parse("{\"proto\":1,\"pid\":9,\"exit_code\":3,\"signal\":0,\"oom\":true,"
			       "\"time\":5}\n",
			       &e),
			 0);
	ck_assert_int_eq(e.proto, 1);
	ck_assert_int_eq(e.pid, 9);
	ck_assert_int_eq(e.exit_code, 3);
	ck_assert_int_eq(e.oom, 1);
	ck_assert(e.time == 5);
	/* Any order, white space, unknown members; absent ones are 0. */
	ck_assert_int_eq(parse(" {\n \"exit_code\" : 2 ,\"new\":-7, \"proto\":2 }\n\n", &e), 0);
	ck_assert_int_eq(e.exit_code, 2);
	ck_assert_int_eq(e.pid, 0);
	ck_assert_int_eq(e.signal, 0);
	ck_assert_int_eq(e.oom, 0);
	ck_assert(e.time == 0);
}
END_TEST

START_TEST(test_a_truncated_or_damaged_exit_file_is_refused)
{
	const char *good = "{\"proto\":2,\"pid\":4242,\"exit_code\":137,\"signal\":9,\"oom\":false,"
			   "\"time\":1795448194203016861}\n";
	const char *bad[] = {
		"",
		"\n",
		"{}",
		"[]",
		"{\"proto\":2}",		 /* no exit_code */
		"{\"exit_code\":0}",		 /* no proto */
		"{\"proto\":0,\"exit_code\":0}", /* versions 1 .. CTRP_PROTO only */
		"{\"proto\":3,\"exit_code\":0}",
		"{\"proto\":2,\"exit_code\":0,\"proto\":2}", /* a member twice */
		"{\"proto\":2,\"exit_code\":2147483648}",    /* out of range */
		"{\"proto\":2,\"exit_code\":0,\"time\":9223372036854775808}",
		"{\"proto\":2,\"exit_code\":01}", /* not JSON numbers */
		"{\"proto\":2,\"exit_code\":+1}",
		"{\"proto\":2,\"exit_code\":1.5}",
		"{\"proto\":2,\"exit_code\":-}",
		"{\"proto\":2,\"exit_code\":\"1\"}", /* not an integer */
		"{\"proto\":2,\"exit_code\":0,\"oom\":nope}",
		"{\"proto\":2,\"exit_code\":0,}",
		"{\"proto\":2 \"exit_code\":0}",
		"{proto:2,\"exit_code\":0}",
		"{\"proto\":2,\"exit_code\":0}x", /* something after the object */
		"{\"proto\":2,\"exit_code\":0}{}",
	};
	struct ctrp_exit e = { .exit_code = 77 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(bad[i], &e) == -1, "accepted: %s", bad[i]);
	/* Every cut before the closing brace. */
	size_t end = strchr(good, '}') - good;
	for (size_t n = 0; n <= end; n++)
		ck_assert_msg(ctrp_exit_parse(good, n, &e) == -1, "accepted %zu bytes", n);
	/* A NUL inside, and a byte flipped in a member's name. */
	char copy[256];
	snprintf(copy, sizeof(copy), "%s", good);
	copy[20] = '\0';
	ck_assert_int_eq(ctrp_exit_parse(copy, strlen(good), &e), -1);
	snprintf(copy, sizeof(copy), "%s", good);
	copy[3] = 'X'; /* "pXoto": proto is missing */
	ck_assert_int_eq(parse(copy, &e), -1);
	ck_assert_int_eq(e.exit_code, 77); /* nothing written on failure */
	ck_assert_int_eq(ctrp_exit_parse(good, end + 1, &e), 0);
}
END_TEST

/* ---- the sync line ------------------------------------------------------------------- */

/* Format with the writer, check the line's frame, parse it without its LF. */
static void round_trip(char *line, size_t n, struct ctrp_sync *out)
{
	ck_assert_uint_eq(n, strlen(line));
	ck_assert_msg(n >= 2 && n < CTRP_SYNC_LINE_MAX && line[n - 1] == '\n', "%s", line);
	ck_assert_msg(!memchr(line, '\n', n - 1) && !memchr(line, '\r', n), "%s", line);
	line[n - 1] = '\0';
	ck_assert_int_eq(ctrp_sync_parse(line, out), 0);
	ck_assert_int_eq(out->proto, CTRP_PROTO);
}

START_TEST(test_sync_lines_written_are_read_back)
{
	char line[CTRP_SYNC_LINE_MAX], long_msg[3000];
	struct ctrp_sync s;

	round_trip(line, ctrp_sync_format_ok(line, sizeof(line), INT_MAX, 1), &s);
	ck_assert(s.ok);
	ck_assert_int_eq(s.pid, INT_MAX);
	ck_assert_int_eq(s.mon_pid, 1);
	for (int code = CTRP_ERR_PROTO; code <= CTRP_ERR_TIMEOUT; code++) {
		round_trip(line, ctrp_sync_format_error(line, sizeof(line), code, "it\nfailed\r!"),
			   &s);
		ck_assert(!s.ok);
		ck_assert_int_eq(s.code, code);
		ck_assert_str_eq(s.code_word, ctrp_err_name(code));
		ck_assert_str_eq(s.msg, "it failed !"); /* one line */
	}
	round_trip(line, ctrp_sync_format_error(line, sizeof(line), CTRP_ERR_USAGE, ""), &s);
	ck_assert_str_eq(s.msg, "unknown error"); /* never empty */
	memset(long_msg, 'm', sizeof(long_msg) - 1);
	long_msg[sizeof(long_msg) - 1] = '\0';
	round_trip(line, ctrp_sync_format_error(line, sizeof(line), CTRP_ERR_RUNTIME, long_msg),
		   &s);
	ck_assert_int_eq(s.code, CTRP_ERR_RUNTIME);
	ck_assert_uint_eq(strspn(s.msg, "m"), strlen(s.msg)); /* cut to fit, still one line */
	ck_assert_str_eq(ctrp_err_name(CTRP_ERR_PROTO), "proto");
	ck_assert_str_eq(ctrp_err_name(CTRP_ERR_TIMEOUT), "timeout");
}
END_TEST

START_TEST(test_sync_lines_of_other_peers_are_parsed_or_refused)
{
	struct ctrp_sync s;
	char line[128];

	/* Another version: the parser reads it; the reader decides. */
	snprintf(line, sizeof(line), "3 ok 10 11");
	ck_assert_int_eq(ctrp_sync_parse(line, &s), 0);
	ck_assert_int_eq(s.proto, 3);
	snprintf(line, sizeof(line), "3 hello there");
	ck_assert_int_eq(ctrp_sync_parse(line, &s), -1);
	ck_assert_int_eq(s.proto, 3); /* known even when the rest is not */
	/* An unknown code, and no message. */
	snprintf(line, sizeof(line), "2 error weird");
	ck_assert_int_eq(ctrp_sync_parse(line, &s), 0);
	ck_assert_int_eq(s.code, CTRP_ERR_UNKNOWN);
	ck_assert_str_eq(s.code_word, "weird");
	ck_assert_ptr_null(s.msg);

	const char *bad[] = {
		"",	     "2",	    "x ok 1 2",		  "-2 ok 1 2", "0 ok 1 2",
		"2 ok",	     "2 ok 1",	    "2 ok 0 5",		  "2 ok 5 0",  "2 ok 1 2 3",
		"2 ok -1 2", "2 ok 1  2",   "2 ok 99999999999 2", "2 fine",    "2 error",
		"2 error ",  "2 error  msg"
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "%s", bad[i]);
		ck_assert_msg(ctrp_sync_parse(line, &s) == -1, "accepted '%s'", bad[i]);
	}
	snprintf(line, sizeof(line), "x ok 1 2");
	ctrp_sync_parse(line, &s);
	ck_assert_int_eq(s.proto, 0); /* no version */
}
END_TEST

/* ---- the attach payloads --------------------------------------------------------------- */

START_TEST(test_attach_payloads_written_are_read_back)
{
	const struct ctrp_hello hellos[] = {
		{ .log_offset = 0, .rotations = 0, .stdin_open = 0, .terminal = 0 },
		{ .log_offset = 4711, .rotations = 3, .stdin_open = 1, .terminal = 0 },
		{ .log_offset = INT64_MAX, .rotations = INT64_MAX, .stdin_open = 1, .terminal = 1 },
	};
	char buf[CTRP_HELLO_MAX];
	struct ctrp_hello h;

	for (size_t i = 0; i < sizeof(hellos) / sizeof(hellos[0]); i++) {
		size_t n = ctrp_hello_format(buf, sizeof(buf), &hellos[i]);
		ck_assert_uint_eq(n, strlen(buf));
		ck_assert_msg(ctrp_hello_parse(buf, n, &h) == 0, "refused its own \"%s\"", buf);
		ck_assert_int_eq(h.proto, CTRP_PROTO);
		ck_assert_int_eq(h.log_offset, hellos[i].log_offset);
		ck_assert_int_eq(h.rotations, hellos[i].rotations);
		ck_assert_int_eq(h.stdin_open, hellos[i].stdin_open);
		ck_assert_int_eq(h.terminal, hellos[i].terminal);
	}
	/* Flags are 0 or 1 on the wire whatever the writer is given. */
	const struct ctrp_hello loose = { .stdin_open = 7, .terminal = -1 };
	size_t n = ctrp_hello_format(buf, sizeof(buf), &loose);
	ck_assert_int_eq(ctrp_hello_parse(buf, n, &h), 0);
	ck_assert_int_eq(h.stdin_open, 1);
	ck_assert_int_eq(h.terminal, 1);

	char refused[CTRP_REFUSED_MAX];
	int proto = 0, clients = 0;
	n = ctrp_refused_format(refused, sizeof(refused), 32);
	ck_assert_str_eq(refused, "2 busy 32");
	ck_assert_int_eq(ctrp_refused_parse(refused, n, &proto, &clients), 0);
	ck_assert_int_eq(proto, CTRP_PROTO);
	ck_assert_int_eq(clients, 32);

	char resize[CTRP_RESIZE_LEN_MAX];
	unsigned rows = 0, cols = 0;
	n = ctrp_resize_format(resize, sizeof(resize), CTRP_RESIZE_MAX, 1);
	ck_assert_int_eq(ctrp_resize_parse(resize, n, &rows, &cols), 0);
	ck_assert_uint_eq(rows, CTRP_RESIZE_MAX);
	ck_assert_uint_eq(cols, 1);
}
END_TEST

START_TEST(test_attach_payloads_not_in_their_exact_form_are_refused)
{
	static const char *const bad_refused[] = { "",		 "2",	       "2 busy",
						   "2 busy ",	 "2 busy 0",   "2 busy -1",
						   "2 idle 32",	 "2 busy 32 ", " 2 busy 32",
						   "2  busy 32", "x busy 32",  "2 busy 3x" };
	static const char *const bad_resize[] = { "",
						  "24",
						  "24 ",
						  "0 80",
						  "24 0",
						  "24 65536",
						  "65536 80",
						  "-1 80",
						  "24  80",
						  "24 80 ",
						  "+24 80",
						  "24 80x",
						  "99999999999999999999 80" };
	struct ctrp_hello h;
	int proto, clients;
	unsigned rows, cols;

	for (size_t i = 0; i < sizeof(bad_refused) / sizeof(bad_refused[0]); i++)
		ck_assert_msg(ctrp_refused_parse(bad_refused[i], strlen(bad_refused[i]), &proto,
						 &clients) == -1,
			      "accepted REFUSED \"%s\"", bad_refused[i]);
	for (size_t i = 0; i < sizeof(bad_resize) / sizeof(bad_resize[0]); i++)
		ck_assert_msg(
		    ctrp_resize_parse(bad_resize[i], strlen(bad_resize[i]), &rows, &cols) == -1,
		    "accepted RESIZE \"%s\"", bad_resize[i]);
	/* Not NUL-terminated: the parser reads len bytes only. */
	ck_assert_int_eq(ctrp_resize_parse("24 80999", 5, &rows, &cols), 0);
	ck_assert_uint_eq(cols, 80);
	ck_assert_int_eq(ctrp_hello_parse("2 1 1 1 1 junk", 9, &h), 0);
	ck_assert_int_eq(ctrp_hello_parse("2 1 1 1 2", 9, &h), -1); /* a flag of 2 */
}
END_TEST

Suite *suite_monitor_proto(void)
{
	Suite *s = suite_create("monitor_proto");
	TCase *tc = tcase_create("exit_file");

	tu_add_fixtures(tc, NULL);
	tcase_add_test(tc, test_exit_files_written_are_read_back_field_by_field);
	tcase_add_test(tc, test_the_exit_file_is_the_documented_line);
	tcase_add_test(tc, test_every_exit_file_version_and_json_layout_is_read);
	tcase_add_test(tc, test_a_truncated_or_damaged_exit_file_is_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("sync_line");
	tcase_add_test(tc, test_sync_lines_written_are_read_back);
	tcase_add_test(tc, test_sync_lines_of_other_peers_are_parsed_or_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("attach_payloads");
	tcase_add_test(tc, test_attach_payloads_written_are_read_back);
	tcase_add_test(tc, test_attach_payloads_not_in_their_exact_form_are_refused);
	suite_add_tcase(s, tc);
	return s;
}
