/* ctr_logs with CTR_LOGS_FOLLOW: a writer thread appends and rotates while a reader
 * follows; follow ends with the run (a child process standing in for the monitor). */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "logs_fixture.h"

/* ---- follow -------------------------------------------------------------------------- */

struct follower {
	ctr_logs_opts_t o;
	struct got g;
	int result;
};

static void *follow_main(void *arg)
{
	struct follower *f = arg;

	f->result = ctr_logs(c, &f->o, collect, &f->g);
	return NULL;
}

static void start_follower(struct follower *f, pthread_t *th, long long tail,
			   void (*hook)(struct got *g))
{
	*f = (struct follower){ .o = {
				    .sz = sizeof(f->o), .flags = CTR_LOGS_FOLLOW, .tail = tail } };
	got_init(&f->g);
	f->g.stop_on = "END";
	f->g.hook = hook;
	ck_assert_int_eq(pthread_create(th, NULL, follow_main, f), 0);
}

static size_t lines_now(struct got *g)
{
	pthread_mutex_lock(&g->mu);
	size_t n = g->n;
	pthread_mutex_unlock(&g->mu);
	return n;
}

static void wait_lines(struct got *g, size_t n)
{
	for (int i = 0; i < TU_GUARD_MS / 10 && lines_now(g) < n; i++)
		usleep(10000);
	ck_assert_uint_ge(lines_now(g), n);
}

static void rotate(void)
{
	ck_assert_int_eq(rename(path_of("ctr.log"), path_of("ctr.log.1")), 0);
}

static void join_within(pthread_t th, int ms)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += ms / 1000 + 1;
	ck_assert_msg(pthread_timedjoin_np(th, NULL, &t) == 0, "the follower did not return");
}

START_TEST(test_follow_gets_appended_and_rotated_lines_once_each_in_order)
{
	struct follower f;
	pthread_t th;
	char text[32];

	put_state_alive(c, "running"); /* a run that does not end: follow until "END" */
	rec("ctr.log.1", 0, "stdout", 'F', "line 0");
	rec("ctr.log", 1, "stdout", 'F', "line 1");
	start_follower(&f, &th, 0, NULL);
	wait_lines(&f.g, 2);
	rec("ctr.log", 2, "stdout", 'F', "line 2");
	wait_lines(&f.g, 3);
	rec("ctr.log", 3, "stderr", 'P', "line ");
	append_raw("ctr.log", ts(4), strlen(ts(4))); /* torn: the rest comes later */
	usleep(50000);
	append_str("ctr.log", " stdout F line 4\n");
	rotate(); /* the monitor: rename, then a new file, which may take a moment */
	usleep(50000);
	rec("ctr.log", 5, "stderr", 'F', "3");
	for (int i = 6; i < 300; i++) {
		snprintf(text, sizeof(text), "line %d", i);
		rec("ctr.log", i, "stdout", 'F', text);
		if (i % 50 == 0) {
			wait_lines(&f.g, (size_t)i); /* so that no file is rotated away twice */
			rotate();
		}
	}
	rec("ctr.log", 300, "stdout", 'F', "END");
	join_within(th, TU_GUARD_MS);
	ck_assert_int_eq(f.result, 1);
	ck_assert_uint_eq(f.g.n, 300); /* "line 5" is the end of "line 3" */
	for (int i = 0; i < 299; i++) {
		int want = i == 3 ? 4 : i == 4 ? 3 : i < 5 ? i : i + 1;
		snprintf(text, sizeof(text), "line %d", want);
		ck_assert_str_eq(f.g.l[i].data, text);
		ck_assert_int_eq(f.g.l[i].stream, want == 3 ? ERR : OUT);
	}
	got_free(&f.g);
}
END_TEST

/* The callback sleeps on its first line while the log is rotated twice: the file in
 * between is read from ctr.log.1 before the newest one. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_open;

static void gate_hook(struct got *g)
{
	(void)g;
	pthread_mutex_lock(&gate_mu);
	while (!gate_open)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
}

START_TEST(test_follow_behind_two_rotations_reads_the_file_in_between)
{
	struct follower f;
	pthread_t th;

	put_state_alive(c, "running");
	rec("ctr.log", 1, "stdout", 'F', "a1");
	start_follower(&f, &th, 0, gate_hook);
	wait_lines(&f.g, 1);
	rec("ctr.log", 2, "stdout", 'F', "a2");
	rotate();
	rec("ctr.log", 3, "stdout", 'F', "b3");
	rotate(); /* the file of a1 and a2 is gone now, but open in the follower */
	rec("ctr.log", 4, "stdout", 'F', "c4");
	rec("ctr.log", 5, "stdout", 'F', "END");
	pthread_mutex_lock(&gate_mu);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
	join_within(th, TU_GUARD_MS);
	ck_assert_int_eq(f.result, 1);
	ck_assert_uint_eq(f.g.n, 5);
	LINE(&f.g, 0, OUT, "a1");
	LINE(&f.g, 1, OUT, "a2");
	LINE(&f.g, 2, OUT, "b3");
	LINE(&f.g, 3, OUT, "c4");
	got_free(&f.g);
}
END_TEST

START_TEST(test_follow_waits_for_the_log_to_appear_and_tail_applies_to_what_was_there)
{
	struct follower f;
	pthread_t th;

	put_state_alive(c, "running");
	start_follower(&f, &th, 0, NULL);
	usleep(100000);
	ck_assert_uint_eq(lines_now(&f.g), 0);
	rec("ctr.log", 1, "stdout", 'F', "END");
	join_within(th, TU_GUARD_MS);
	ck_assert_int_eq(f.result, 1);
	ck_assert_uint_eq(f.g.n, 1);
	got_free(&f.g);

	rec("ctr.log", 2, "stdout", 'F', "two");
	rec("ctr.log", 3, "stderr", 'P', "held ");
	rec("ctr.log", 4, "stdout", 'F', "four");
	start_follower(&f, &th, 1, NULL);
	wait_lines(&f.g, 1);
	usleep(50000);
	ck_assert_uint_eq(lines_now(&f.g), 1); /* the open stderr line is held */
	rec("ctr.log", 5, "stderr", 'F', "line");
	rec("ctr.log", 6, "stdout", 'F', "END");
	join_within(th, TU_GUARD_MS);
	ck_assert_uint_eq(f.g.n, 3);
	LINE(&f.g, 0, OUT, "four");
	LINE(&f.g, 1, ERR, "held line");
	ck_assert_int_eq(f.g.l[1].time_ns, ns(3));
	got_free(&f.g);

	start_follower(&f, &th, -1, NULL); /* only new lines */
	usleep(100000);
	rec("ctr.log", 7, "stdout", 'F', "END");
	join_within(th, TU_GUARD_MS);
	ck_assert_uint_eq(f.g.n, 1);
	LINE(&f.g, 0, OUT, "END");
	got_free(&f.g);
}
END_TEST

/* A state record whose monitor is pid (a child of ours). */
static void put_state_monitor(pid_t pid)
{
	unsigned long long start = 0;
	char raw[256];

	for (int i = 0; i < 100 && ctri_proc_stat(pid, &start, NULL) != 0; i++)
		usleep(1000);
	snprintf(raw, sizeof(raw),
		 "{\"state\":\"running\",\"pid\":%d,\"monitor_pid\":%d,\"monitor_start\":%llu}",
		 (int)pid, (int)pid, start);
	put_state(c, raw);
}

START_TEST(test_follow_returns_once_the_run_ended_with_the_rest_of_the_log)
{
	struct follower f;
	pthread_t th;
	pid_t mon = fork();

	ck_assert_int_ge(mon, 0);
	if (mon == 0) {
		pause();
		_exit(0);
	}
	put_state_monitor(mon);
	rec("ctr.log", 1, "stdout", 'F', "before");
	start_follower(&f, &th, 0, NULL);
	f.g.stop_on = NULL;
	wait_lines(&f.g, 1);
	rec("ctr.log", 2, "stdout", 'F', "during");
	rec("ctr.log", 3, "stdout", 'P', "no newline");
	wait_lines(&f.g, 2);
	usleep(50000);
	ck_assert_uint_eq(lines_now(&f.g), 2);
	kill(mon, SIGKILL);
	join_within(th, TU_GUARD_MS);
	waitpid(mon, NULL, 0);
	ck_assert_msg(f.result == 0, "ctr_logs: %d %s", f.result, ctr_last_error());
	ck_assert_uint_eq(f.g.n, 3);
	LINE(&f.g, 2, OUT, "no newline");
	ck_assert_int_eq(f.g.l[2].partial, 1);
	got_free(&f.g);
}
END_TEST

START_TEST(test_follow_of_a_container_that_never_ran_ends_at_the_end_of_its_log)
{
	struct got g;

	rec("ctr.log", 1, "stdout", 'F', "old run");
	CTR_OPTS(ctr_logs_opts_t, o, .flags = CTR_LOGS_FOLLOW);
	read_logs(&o, &g); /* CONFIGURED */
	ck_assert_uint_eq(g.n, 1);
	got_free(&g);
	put_state(c, "{\"state\":\"stopped\"}");
	read_logs(&o, &g);
	ck_assert_uint_eq(g.n, 1);
	got_free(&g);
}
END_TEST

void logs_add_follow_tests(Suite *s)
{
	TCase *tc = tcase_create("follow");

	tu_add_fixtures(tc, logs_teardown);
	tcase_add_checked_fixture(tc, logs_setup, NULL);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_follow_gets_appended_and_rotated_lines_once_each_in_order);
	tcase_add_test(tc, test_follow_behind_two_rotations_reads_the_file_in_between);
	tcase_add_test(tc,
		       test_follow_waits_for_the_log_to_appear_and_tail_applies_to_what_was_there);
	tcase_add_test(tc, test_follow_returns_once_the_run_ended_with_the_rest_of_the_log);
	tcase_add_test(tc, test_follow_of_a_container_that_never_ran_ends_at_the_end_of_its_log);
	suite_add_tcase(s, tc);
}
