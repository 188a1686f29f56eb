/* ctr_logs on synthetic k8s-file logs in a container's bundle: joining, malformed and torn
 * records, filters, tail, rotation, and ctri_logs_read's limit. Following: test_logs_follow.c. */
#include "logs_fixture.h"

/* ---- records and lines --------------------------------------------------------------- */

START_TEST(test_full_records_come_back_in_order_with_stream_and_time)
{
	struct got g;

	rec("ctr.log", 1, "stdout", 'F', "out one");
	rec("ctr.log", 2, "stderr", 'F', "err one");
	rec("ctr.log", 3, "stdout", 'F', "");
	append_str("ctr.log", "2026-11-23T15:36:34.203021498Z stdout F last\n");
	read_logs(NULL, &g);
	ck_assert_uint_eq(g.n, 4);
	LINE(&g, 0, OUT, "out one");
	LINE(&g, 1, ERR, "err one");
	LINE(&g, 2, OUT, "");
	LINE(&g, 3, OUT, "last");
	ck_assert_int_eq(g.l[0].time_ns, ns(1));
	ck_assert_int_eq(g.l[1].time_ns, ns(2));
	ck_assert_int_eq(g.l[3].time_ns, (base_s() + 36 * 60 + 34) * 1000000000LL + 203021498);
	for (size_t i = 0; i < g.n; i++)
		ck_assert_int_eq(g.l[i].partial, 0);
	got_free(&g);
}
END_TEST

START_TEST(test_partial_records_join_the_next_record_of_their_own_stream)
{
	struct got g;

	rec("ctr.log", 1, "stdout", 'P', "ab");
	rec("ctr.log", 2, "stderr", 'F', "err");
	rec("ctr.log", 3, "stdout", 'P', "cd");
	rec("ctr.log", 4, "stdout", 'F', "ef");
	read_logs(NULL, &g);
	ck_assert_uint_eq(g.n, 2);
	LINE(&g, 0, ERR, "err");
	LINE(&g, 1, OUT, "abcdef");
	ck_assert_int_eq(g.l[1].time_ns, ns(1)); /* the time of its first record */
	ck_assert_int_eq(g.l[1].partial, 0);
	got_free(&g);
}
END_TEST

START_TEST(test_a_line_cut_into_8192_byte_records_comes_back_whole)
{
	char *text = malloc(20000);
	struct got g;

	for (int i = 0; i < 20000; i++)
		text[i] = (char)('a' + i % 26);
	rec_n("ctr.log", 1, "stdout", 'P', text, 8192);
	rec_n("ctr.log", 1, "stdout", 'P', text + 8192, 8192);
	rec_n("ctr.log", 1, "stdout", 'F', text + 16384, 20000 - 16384);
	rec("ctr.log", 2, "stdout", 'F', "after");
	read_logs(NULL, &g);
	ck_assert_uint_eq(g.n, 2);
	ck_assert_uint_eq(g.l[0].len, 20000);
	ck_assert(!memcmp(g.l[0].data, text, 20000));
	LINE(&g, 1, OUT, "after");
	got_free(&g);
	free(text);
}
END_TEST

START_TEST(test_a_log_ending_in_a_partial_record_gives_a_partial_line)
{
	struct got g;

	rec("ctr.log", 1, "stderr", 'P', "half ");
	rec("ctr.log", 2, "stdout", 'F', "whole");
	rec("ctr.log", 3, "stdout", 'P', "$ ");
	read_logs(NULL, &g);
	ck_assert_uint_eq(g.n, 3);
	LINE(&g, 0, OUT, "whole");
	LINE(&g, 1, ERR, "half "); /* the open lines at the end, oldest first */
	LINE(&g, 2, OUT, "$ ");
	ck_assert_int_eq(g.l[0].partial, 0);
	ck_assert_int_eq(g.l[1].partial, 1);
	ck_assert_int_eq(g.l[2].partial, 1);
	got_free(&g);
}
END_TEST

/* Both streams open at the end, and the older one has records after the newer one began:
 * a tail of the last line is that newer line alone, whole (found by fuzz_log_records). */
START_TEST(test_a_tail_of_the_lines_left_open_at_the_end)
{
	struct got g;

	rec("ctr.log", 1, "stderr", 'P', "old ");
	rec("ctr.log", 2, "stdout", 'P', "new ");
	rec("ctr.log", 3, "stderr", 'P', "older still open");
	rec("ctr.log", 4, "stdout", 'P', "and on");
	for (int tail = 1; tail <= 3; tail++) {
		CTR_OPTS(ctr_logs_opts_t, o, .tail = tail);
		read_logs(&o, &g);
		ck_assert_uint_eq(g.n, tail == 1 ? 1 : 2);
		LINE(&g, g.n - 1, OUT, "new and on");
		if (tail > 1)
			LINE(&g, 0, ERR, "old older still open");
		got_free(&g);
	}
}
END_TEST

START_TEST(test_terminal_lines_keep_their_carriage_return_and_nul_bytes_survive)
{
	struct got g;

	rec("ctr.log", 1, "stdout", 'F', "tty line\r");
	rec_n("ctr.log", 2, "stdout", 'F', "a\0b", 3);
	read_logs(NULL, &g);
	ck_assert_uint_eq(g.n, 2);
	LINE(&g, 0, OUT, "tty line\r");
	ck_assert_uint_eq(g.l[1].len, 3);
	ck_assert(!memcmp(g.l[1].data, "a\0b", 4));
	got_free(&g);
}
END_TEST

START_TEST(test_malformed_lines_are_skipped)
{
	static const char junk[] = "\n"
				   "not a record at all\n"
				   "2026-11-23T15:00:01Z stdin F wrong stream\n"
				   "2026-11-23T15:00:01Z stdout X bad tag\n"
				   "2026-11-23T15:00:01Z stdout\n"
				   "2026-13-23T15:00:01Z stdout F bad month\n"
				   "2026-11-23T15:00:01.Z stdout F no fraction digits\n"
				   "2026-11-23T15:00:01 stdout F no zone\n"
				   "2026-11-23T15:00:01Zstdout F no space\n";
	char *huge = malloc(600000);
	struct got g;

	rec("ctr.log", 1, "stdout", 'F', "first");
	append_raw("ctr.log", junk, sizeof(junk) - 1);
	memset(huge, 'x', 600000); /* longer than any record: skipped up to its LF */
	huge[599999] = '\n';
	append_raw("ctr.log", huge, 600000);
	append_str("ctr.log", "2026-11-23T16:00:01+01:00 stdout F:x offset and tag\n");
	rec("ctr.log", 2, "stderr", 'F', "second");
	read_logs(NULL, &g);
	ck_assert_uint_eq(g.n, 3);
	LINE(&g, 0, OUT, "first");
	LINE(&g, 1, OUT, "offset and tag");
	ck_assert_int_eq(g.l[1].time_ns, (base_s() + 1) * 1000000000LL);
	LINE(&g, 2, ERR, "second");
	got_free(&g);
	free(huge);
}
END_TEST

START_TEST(test_a_torn_last_line_is_not_a_record)
{
	struct got g;

	rec("ctr.log", 1, "stdout", 'F', "whole");
	append_str("ctr.log", "2026-11-23T15:00:02.000000001Z stdout F tor");
	read_logs(NULL, &g);
	ck_assert_uint_eq(g.n, 1);
	LINE(&g, 0, OUT, "whole");
	got_free(&g);
}
END_TEST

START_TEST(test_no_log_is_no_lines_and_a_removed_container_says_so)
{
	struct got g;

	read_logs(NULL, &g);
	ck_assert_uint_eq(g.n, 0);
	got_free(&g);
	ck_assert_int_eq(ctr_remove(c, 0), 0);
	got_init(&g);
	ck_assert_int_eq(ctr_logs(c, NULL, collect, &g), CTR_E_REMOVED);
	assert_msg_has("talker");
	got_free(&g);
}
END_TEST

/* ---- options ------------------------------------------------------------------------- */

static void five_lines(void)
{
	rec("ctr.log", 10, "stdout", 'F', "l10");
	rec("ctr.log", 20, "stderr", 'P', "l2");
	rec("ctr.log", 30, "stdout", 'F', "l30");
	rec("ctr.log", 40, "stderr", 'F', "0"); /* "l20", at 20 */
	rec("ctr.log", 50, "stdout", 'F', "l50");
}

START_TEST(test_since_and_until_select_by_the_time_of_a_lines_first_record)
{
	struct got g;

	five_lines();
	CTR_OPTS(ctr_logs_opts_t, o, .since_ns = ns(20), .until_ns = ns(40));
	read_logs(&o, &g);
	ck_assert_uint_eq(g.n, 2);
	LINE(&g, 0, OUT, "l30");
	LINE(&g, 1, ERR, "l20");
	got_free(&g);

	CTR_OPTS(ctr_logs_opts_t, o2, .since_ns = ns(21));
	read_logs(&o2, &g);
	ck_assert_uint_eq(g.n, 2);
	LINE(&g, 0, OUT, "l30");
	LINE(&g, 1, OUT, "l50");
	got_free(&g);

	CTR_OPTS(ctr_logs_opts_t, o3, .until_ns = ns(10));
	read_logs(&o3, &g);
	ck_assert_uint_eq(g.n, 1);
	LINE(&g, 0, OUT, "l10");
	got_free(&g);
}
END_TEST

START_TEST(test_tail_gives_the_last_lines_of_what_passes_the_filters)
{
	struct got g;

	five_lines();
	CTR_OPTS(ctr_logs_opts_t, o, .tail = 2);
	read_logs(&o, &g);
	ck_assert_uint_eq(g.n, 2);
	LINE(&g, 0, ERR, "l20");
	LINE(&g, 1, OUT, "l50");
	got_free(&g);

	o.tail = 3; /* its first line completes after a line that began later */
	read_logs(&o, &g);
	ck_assert_uint_eq(g.n, 3);
	LINE(&g, 0, OUT, "l30");
	LINE(&g, 1, ERR, "l20");
	LINE(&g, 2, OUT, "l50");
	got_free(&g);

	o.tail = 1000000000LL; /* more than there is: all, with nothing allocated for the rest */
	read_logs(&o, &g);
	ck_assert_uint_eq(g.n, 4);
	LINE(&g, 0, OUT, "l10");
	got_free(&g);

	o.tail = -1;
	read_logs(&o, &g);
	ck_assert_uint_eq(g.n, 0);
	got_free(&g);

	CTR_OPTS(ctr_logs_opts_t, o2, .tail = 2, .until_ns = ns(30)); /* l50 does not count */
	read_logs(&o2, &g);
	ck_assert_uint_eq(g.n, 2);
	LINE(&g, 0, OUT, "l30");
	LINE(&g, 1, ERR, "l20");
	got_free(&g);
}
END_TEST

START_TEST(test_the_rotated_file_is_read_first_and_lines_join_across_files)
{
	struct got g;

	rec("ctr.log.1", 1, "stdout", 'F', "old 1");
	rec("ctr.log.1", 2, "stderr", 'P', "across ");
	rec("ctr.log.1", 3, "stdout", 'F', "old 3");
	append_str("ctr.log.1", "2026-11-23T15:00:04.000000001Z stdout F torn");
	rec("ctr.log", 5, "stdout", 'F', "new 5");
	rec("ctr.log", 6, "stderr", 'F', "files");
	rec("ctr.log", 7, "stdout", 'F', "new 7");
	read_logs(NULL, &g);
	ck_assert_uint_eq(g.n, 5);
	LINE(&g, 0, OUT, "old 1");
	LINE(&g, 1, OUT, "old 3");
	LINE(&g, 2, OUT, "new 5");
	LINE(&g, 3, ERR, "across files");
	LINE(&g, 4, OUT, "new 7");
	got_free(&g);

	/* tail reaching back into ctr.log.1, through the line that spans both files */
	for (int tail = 1; tail <= 6; tail++) {
		CTR_OPTS(ctr_logs_opts_t, o, .tail = tail);
		read_logs(&o, &g);
		ck_assert_uint_eq(g.n, tail < 5 ? (size_t)tail : 5);
		ck_assert_str_eq(g.l[g.n - 1].data, "new 7");
		if (tail >= 2)
			LINE(&g, g.n - 2, ERR, "across files");
		if (tail == 4)
			LINE(&g, 0, OUT, "old 3");
		got_free(&g);
	}
}
END_TEST

START_TEST(test_timestamps_prefix_each_line_with_its_first_records_time_text)
{
	struct got g;
	char want[128];

	rec("ctr.log", 1, "stdout", 'F', "one");
	rec("ctr.log", 2, "stderr", 'P', "tw");
	rec("ctr.log", 3, "stderr", 'F', "o");
	rec("ctr.log", 4, "stdout", 'F', "");
	CTR_OPTS(ctr_logs_opts_t, o, .flags = CTR_LOGS_TIMESTAMPS);
	read_logs(&o, &g);
	ck_assert_uint_eq(g.n, 3);
	snprintf(want, sizeof(want), "%s one", ts(1));
	LINE(&g, 0, OUT, want);
	ck_assert_uint_eq(g.l[0].len, strlen(want));
	snprintf(want, sizeof(want), "%s two", ts(2));
	LINE(&g, 1, ERR, want);
	snprintf(want, sizeof(want), "%s ", ts(4));
	LINE(&g, 2, OUT, want);
	got_free(&g);
}
END_TEST

START_TEST(test_a_non_zero_callback_value_stops_and_is_returned)
{
	struct got g;

	five_lines();
	got_init(&g);
	g.stop_on = "l30";
	g.stop_value = 42;
	ck_assert_int_eq(ctr_logs(c, NULL, collect, &g), 42);
	ck_assert_uint_eq(g.n, 2);
	got_free(&g);

	CTR_OPTS(ctr_logs_opts_t, o, .tail = 2);
	got_init(&g);
	g.stop_on = "l20";
	g.stop_value = -7;
	ck_assert_int_eq(ctr_logs(c, &o, collect, &g), -7);
	ck_assert_uint_eq(g.n, 1);
	got_free(&g);
}
END_TEST

START_TEST(test_bad_arguments_are_inval_naming_what_is_wrong)
{
	struct got g;
	struct {
		ctr_logs_opts_t o;
		long long future;
	} big = { .o = { .sz = sizeof(big) }, .future = 1 };

	got_init(&g);
	ck_assert_int_eq(ctr_logs(NULL, NULL, collect, &g), CTR_E_INVAL);
	assert_msg_has("c is NULL");
	ck_assert_int_eq(ctr_logs(c, NULL, NULL, &g), CTR_E_INVAL);
	assert_msg_has("fn is NULL");
	CTR_OPTS(ctr_logs_opts_t, o, .flags = 0x80);
	ck_assert_int_eq(ctr_logs(c, &o, collect, &g), CTR_E_INVAL);
	assert_msg_has("flags");
	CTR_OPTS(ctr_logs_opts_t, o2, .since_ns = ns(5), .until_ns = ns(4));
	ck_assert_int_eq(ctr_logs(c, &o2, collect, &g), CTR_E_INVAL);
	assert_msg_has("until_ns");
	ctr_logs_opts_t o3 = { .sz = 0 };
	ck_assert_int_eq(ctr_logs(c, &o3, collect, &g), CTR_E_INVAL);
	ck_assert_int_eq(ctr_logs(c, &big.o, collect, &g), CTR_E_INVAL);
	big.future = 0; /* a newer caller's struct, zero past what we know: fine */
	ck_assert_int_eq(ctr_logs(c, &big.o, collect, &g), 0);
	CTR_OPTS(ctr_logs_opts_t, o4, .flags = CTR_LOGS_FOLLOW);
	ck_assert_int_eq(ctri_logs_read(c, &o4, -1, collect, &g), CTR_E_INVAL);
	ck_assert_uint_eq(g.n, 0);
	got_free(&g);
}
END_TEST

/* ---- ctri_logs_read ------------------------------------------------------------------ */

static int read_limit(long long limit, struct got *g)
{
	got_init(g);
	return ctri_logs_read(c, NULL, limit, collect, g);
}

START_TEST(test_logs_read_reads_the_rotated_file_and_the_log_up_to_the_limit)
{
	struct got g;
	struct stat st;

	rec("ctr.log.1", 1, "stdout", 'F', "previous");
	rec("ctr.log", 2, "stdout", 'F', "first");
	ck_assert_int_eq(stat(path_of("ctr.log"), &st), 0);
	long long after_first = st.st_size;
	rec("ctr.log", 3, "stderr", 'P', "prompt> ");
	ck_assert_int_eq(stat(path_of("ctr.log"), &st), 0);
	long long after_prompt = st.st_size;
	rec("ctr.log", 4, "stdout", 'F', "second");

	ck_assert_int_eq(read_limit(after_first, &g), 0);
	ck_assert_uint_eq(g.n, 2);
	LINE(&g, 0, OUT, "previous");
	LINE(&g, 1, OUT, "first");
	got_free(&g);

	ck_assert_int_eq(read_limit(after_first + 10, &g), 0); /* a record cut: not read */
	ck_assert_uint_eq(g.n, 2);
	got_free(&g);

	ck_assert_int_eq(read_limit(after_prompt, &g), 0); /* ends in an open line */
	ck_assert_uint_eq(g.n, 3);
	LINE(&g, 2, ERR, "prompt> ");
	ck_assert_int_eq(g.l[2].partial, 1);
	got_free(&g);

	ck_assert_int_eq(read_limit(0, &g), 0);
	ck_assert_uint_eq(g.n, 1);
	got_free(&g);

	ck_assert_int_eq(read_limit(-1, &g), 0);
	ck_assert_uint_eq(g.n, 4);
	LINE(&g, 2, OUT, "second");
	LINE(&g, 3, ERR, "prompt> ");
	got_free(&g);
}
END_TEST

START_TEST(test_a_joined_line_past_1_mib_is_delivered_in_partial_pieces)
{
	char *chunk = malloc(8192);
	struct got g;

	memset(chunk, 'z', 8192);
	for (int i = 0; i < 200; i++) /* 1.6 MB */
		rec_n("ctr.log", 1, "stdout", 'P', chunk, 8192);
	rec("ctr.log", 2, "stdout", 'F', "end");
	read_logs(NULL, &g);
	ck_assert_uint_eq(g.n, 2);
	ck_assert_int_eq(g.l[0].partial, 1);
	ck_assert_uint_le(g.l[0].len, 1 << 20);
	ck_assert_uint_eq(g.l[0].len + g.l[1].len, 200 * 8192 + 3);
	ck_assert_int_eq(g.l[1].partial, 0);
	ck_assert(!memcmp(g.l[1].data + g.l[1].len - 4, "zend", 4));
	got_free(&g);
	free(chunk);
}
END_TEST

Suite *suite_logs(void)
{
	Suite *s = suite_create("logs");
	TCase *tc = tcase_create("read");

	tu_add_fixtures(tc, logs_teardown);
	tcase_add_checked_fixture(tc, logs_setup, NULL);
	tcase_add_test(tc, test_full_records_come_back_in_order_with_stream_and_time);
	tcase_add_test(tc, test_partial_records_join_the_next_record_of_their_own_stream);
	tcase_add_test(tc, test_a_line_cut_into_8192_byte_records_comes_back_whole);
	tcase_add_test(tc, test_a_log_ending_in_a_partial_record_gives_a_partial_line);
	tcase_add_test(tc, test_terminal_lines_keep_their_carriage_return_and_nul_bytes_survive);
	tcase_add_test(tc, test_malformed_lines_are_skipped);
	tcase_add_test(tc, test_a_torn_last_line_is_not_a_record);
	tcase_add_test(tc, test_no_log_is_no_lines_and_a_removed_container_says_so);
	tcase_add_test(tc, test_since_and_until_select_by_the_time_of_a_lines_first_record);
	tcase_add_test(tc, test_tail_gives_the_last_lines_of_what_passes_the_filters);
	tcase_add_test(tc, test_a_tail_of_the_lines_left_open_at_the_end);
	tcase_add_test(tc, test_the_rotated_file_is_read_first_and_lines_join_across_files);
	tcase_add_test(tc, test_timestamps_prefix_each_line_with_its_first_records_time_text);
	tcase_add_test(tc, test_a_non_zero_callback_value_stops_and_is_returned);
	tcase_add_test(tc, test_bad_arguments_are_inval_naming_what_is_wrong);
	tcase_add_test(tc, test_logs_read_reads_the_rotated_file_and_the_log_up_to_the_limit);
	tcase_add_test(tc, test_a_joined_line_past_1_mib_is_delivered_in_partial_pieces);
	suite_add_tcase(s, tc);

	logs_add_follow_tests(s);
	return s;
}
