/* Logs with real runc: what a container writes to stdout and stderr comes back from
 * ctr_logs in order, whole, filtered; follow ends with the run; a rotated log is read from
 * both files without a line twice or torn. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "itest.h"

struct lines {
	int n, cap;
	int *stream, *partial;
	long long *time;
	char **data;
	size_t *len;
};

static int keep(const ctr_log_line_t *l, void *ud)
{
	struct lines *s = ud;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->stream = realloc(s->stream, (size_t)s->cap * sizeof(int));
		s->partial = realloc(s->partial, (size_t)s->cap * sizeof(int));
		s->time = realloc(s->time, (size_t)s->cap * sizeof(long long));
		s->data = realloc(s->data, (size_t)s->cap * sizeof(char *));
		s->len = realloc(s->len, (size_t)s->cap * sizeof(size_t));
		if (!s->stream || !s->partial || !s->time || !s->data || !s->len)
			return -1;
	}
	s->stream[s->n] = l->stream;
	s->partial[s->n] = l->partial;
	s->time[s->n] = l->time_ns;
	s->len[s->n] = l->len;
	if (!(s->data[s->n] = malloc(l->len + 1)))
		return -1;
	memcpy(s->data[s->n], l->data, l->len + 1);
	s->n++;
	return 0;
}

static void lines_free(struct lines *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->data[i]);
	free(s->stream);
	free(s->partial);
	free(s->time);
	free(s->data);
	free(s->len);
	memset(s, 0, sizeof(*s));
}

/* ctr_logs with these options into s, asserting success. */
static void logs(ctr_container_t *c, unsigned flags, long long since, long long tail,
		 struct lines *s)
{
	memset(s, 0, sizeof(*s));
	CTR_OPTS(ctr_logs_opts_t, o, .flags = flags, .since_ns = since, .tail = tail);
	IT_OK(ctr_logs(c, &o, keep, s));
}

#define SEQ10 "i=0; while [ $i -lt 10 ]; do echo line $i; i=$((i+1)); sleep 0.1; done"

START_TEST(test_stdout_and_stderr_come_back_in_order_with_their_streams)
{
	ctr_container_t *c = it_sh(it_rt, "echo out1; sleep 0.1; echo err1 >&2; sleep 0.1; "
					  "echo out2; sleep 0.1; printf 'no newline' >&2");
	struct lines s;

	IT_OK(ctr_start(c, 0));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	logs(c, 0, 0, 0, &s);
	ck_assert_int_eq(s.n, 4);
	const char *want[] = { "out1", "err1", "out2", "no newline" };
	const int streams[] = { CTR_STREAM_STDOUT, CTR_STREAM_STDERR, CTR_STREAM_STDOUT,
				CTR_STREAM_STDERR };
	for (int i = 0; i < 4; i++) {
		ck_assert_str_eq(s.data[i], want[i]);
		ck_assert_int_eq(s.stream[i], streams[i]);
		ck_assert_int_eq(s.partial[i], i == 3);
		ck_assert(i == 0 || s.time[i] > s.time[i - 1]);
	}
	lines_free(&s);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_terminal_output_keeps_the_carriage_returns)
{
	ctr_config_t *cfg = it_config("echo tty line");
	struct lines s;

	ck_assert_int_eq(ctr_config_set_terminal(cfg, 1), 0);
	ctr_container_t *c = it_create(it_rt, cfg);
	IT_OK(ctr_start(c, 0));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	logs(c, 0, 0, 0, &s);
	ck_assert_int_eq(s.n, 1);
	ck_assert_str_eq(s.data[0], "tty line\r");
	ck_assert_int_eq(s.stream[0], CTR_STREAM_STDOUT);
	lines_free(&s);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_follow_gets_every_line_and_returns_after_the_exit)
{
	ctr_container_t *c = it_sh(it_rt, SEQ10 "; exit 7");
	struct lines s;
	char want[16];

	IT_OK(ctr_start(c, 0));
	double t0 = it_now();
	logs(c, CTR_LOGS_FOLLOW, 0, 0, &s);
	double took = it_now() - t0;
	ck_assert_msg(took > 0.8, "follow returned after %.2f s, before the run's end", took);
	ck_assert_int_eq(s.n, 10);
	for (int i = 0; i < 10; i++) {
		snprintf(want, sizeof(want), "line %d", i);
		ck_assert_str_eq(s.data[i], want);
	}
	lines_free(&s);
	IT_OK(ctr_wait(c, 0, NULL)); /* it has ended */
	ck_assert_int_eq(it_exit_code(c), 7);

	logs(c, CTR_LOGS_FOLLOW, 0, 2, &s); /* an ended run: the last lines, at once */
	ck_assert_int_eq(s.n, 2);
	ck_assert_str_eq(s.data[1], "line 9");
	lines_free(&s);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_tail_and_since_pick_the_end_of_the_log)
{
	ctr_container_t *c = it_sh(it_rt, SEQ10);
	struct lines s;

	IT_OK(ctr_start(c, 0));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	logs(c, 0, 0, 3, &s);
	ck_assert_int_eq(s.n, 3);
	ck_assert_str_eq(s.data[0], "line 7");
	ck_assert_str_eq(s.data[2], "line 9");
	lines_free(&s);

	logs(c, 0, 0, 0, &s);
	ck_assert_int_eq(s.n, 10);
	long long since = s.time[5];
	lines_free(&s);
	logs(c, 0, since, 0, &s);
	ck_assert_int_eq(s.n, 5);
	ck_assert_str_eq(s.data[0], "line 5");
	lines_free(&s);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_a_line_of_20000_bytes_comes_back_whole)
{
	ctr_container_t *c = it_sh(it_rt, "echo before; head -c 20000 /dev/zero | tr '\\0' x; "
					  "echo; echo after");
	struct lines s;

	IT_OK(ctr_start(c, 0));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	logs(c, 0, 0, 0, &s);
	ck_assert_int_eq(s.n, 3);
	ck_assert_str_eq(s.data[0], "before");
	ck_assert_uint_eq(s.len[1], 20000);
	ck_assert_int_eq(s.partial[1], 0);
	for (size_t i = 0; i < 20000; i++)
		ck_assert_int_eq(s.data[1][i], 'x');
	ck_assert_str_eq(s.data[2], "after");
	lines_free(&s);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

/* The lines "line N ......" in s are consecutive, whole and end with last. Returns the
 * first N. */
static int assert_consecutive(const struct lines *s, int last)
{
	int first = -1;

	ck_assert_int_gt(s->n, 0);
	for (int i = 0; i < s->n; i++) {
		int n = -1, end = 0;
		ck_assert_msg(sscanf(s->data[i], "line %d %*[.]%n", &n, &end) == 1 &&
				  (size_t)end == s->len[i] && s->len[i] > 60,
			      "line %d is torn or foreign: \"%s\"", i, s->data[i]);
		if (i == 0)
			first = n;
		ck_assert_msg(n == first + i, "line %d is \"line %d\", expected line %d", i, n,
			      first + i);
	}
	ck_assert_int_eq(first + s->n - 1, last);
	return first;
}

#define PAD "........................................................"
#define SEQ200(pause)                                                                              \
	"i=0; while [ $i -lt 200 ]; do echo \"line $i " PAD "\"; i=$((i+1)); " pause "done"

START_TEST(test_a_rotated_log_gives_the_lines_it_kept_in_order)
{
	ctr_config_t *cfg = it_config(SEQ200(""));
	char path[4096], old[4200];
	struct stat st;
	struct lines s;

	ck_assert_int_eq(ctr_config_set_log_size_max(cfg, 4096), 0);
	ctr_container_t *c = it_create(it_rt, cfg);
	IT_OK(ctr_start(c, 0));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	snprintf(path, sizeof(path), "%s/state/containers/%s/ctr.log", it_base(), ctr_id(c));
	snprintf(old, sizeof(old), "%s.1", path);
	ck_assert_msg(stat(path, &st) == 0 && st.st_size <= 4096, "ctr.log: %lld bytes",
		      (long long)st.st_size);
	ck_assert_msg(stat(old, &st) == 0 && st.st_size <= 4096, "ctr.log.1 missing or too big");
	logs(c, 0, 0, 0, &s);
	int first = assert_consecutive(&s, 199);
	ck_assert_msg(first > 100, "kept lines from %d: more than two files' worth", first);
	int kept = s.n;
	ck_assert_int_gt(kept, 40);
	lines_free(&s);

	logs(c, 0, 0, kept - 2, &s); /* tail reaching into ctr.log.1 */
	ck_assert_int_eq(s.n, kept - 2);
	ck_assert_int_eq(assert_consecutive(&s, 199), first + 2);
	lines_free(&s);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_follow_through_rotations_gets_every_line)
{
	ctr_config_t *cfg = it_config(SEQ200("usleep 5000; "));
	struct lines s;

	ck_assert_int_eq(ctr_config_set_log_size_max(cfg, 4096), 0);
	ctr_container_t *c = it_create(it_rt, cfg);
	IT_OK(ctr_start(c, 0));
	logs(c, CTR_LOGS_FOLLOW, 0, 0, &s);
	ck_assert_int_eq(assert_consecutive(&s, 199), 0);
	lines_free(&s);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

Suite *suite_logs(void)
{
	Suite *s = suite_create("logs");
	TCase *tc = tcase_create("logs");

	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 40);
	tcase_add_test(tc, test_stdout_and_stderr_come_back_in_order_with_their_streams);
	tcase_add_test(tc, test_terminal_output_keeps_the_carriage_returns);
	tcase_add_test(tc, test_follow_gets_every_line_and_returns_after_the_exit);
	tcase_add_test(tc, test_tail_and_since_pick_the_end_of_the_log);
	tcase_add_test(tc, test_a_line_of_20000_bytes_comes_back_whole);
	tcase_add_test(tc, test_a_rotated_log_gives_the_lines_it_kept_in_order);
	tcase_add_test(tc, test_follow_through_rotations_gets_every_line);
	suite_add_tcase(s, tc);
	return s;
}
