/* Callers killed mid-operation: in a start (at any point, or while the runtime's start
 * hangs), in a stop or a remove, of a plain container and of a busy layered one with exec
 * sessions; and lock holders that die. The next caller finds the dead one's work and
 * finishes or undoes it: the state agrees with the processes, nothing hangs, and a remove
 * leaves nothing behind. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "itest.h"
#include "runtime.h"
#include "store.h"

/* ---- the caller killed ---------------------------------------------------------------------- */

/* In a child process: ctr_start(the container named arg) with a context on runtime. */
static const char *child_runtime;

static int op_start(ctr_container_t *c)
{
	return ctr_start(c, 0);
}

static int start_main(void *arg)
{
	return it_child_op(child_runtime, arg, "start", op_start);
}

/* The state agrees with the processes; then the container can be run, stopped and removed,
 * and leaves nothing behind. */
static void assert_recovers(ctr_container_t *c)
{
	ctr_state_t s = it_state(c);
	pid_t pid = it_pid(c);

	switch (s) {
	case CTR_STATE_CREATED:
	case CTR_STATE_RUNNING:
		ck_assert_msg(pid > 0 && it_alive(pid), "%s with pid %ld", ctr_state_name(s),
			      (long)pid);
		break;
	case CTR_STATE_CONFIGURED:
	case CTR_STATE_STOPPED:
	case CTR_STATE_EXITED:
		ck_assert_msg(pid == 0, "%s with pid %ld", ctr_state_name(s), (long)pid);
		break;
	default:
		ck_abort_msg("the container was left %s", ctr_state_name(s));
	}
	if (s != CTR_STATE_RUNNING)
		IT_OK(ctr_start(c, 0));
	IT_STATE(c, CTR_STATE_RUNNING);
	it_take_file("ready", IT_GUARD_MS);
	IT_OK(ctr_stop(c, 0));
	IT_STATE(c, CTR_STATE_STOPPED);
	IT_OK(ctr_remove(c, CTR_FORCE));
	it_assert_no_traces(ctr_id(c));
}

START_TEST(test_a_caller_killed_while_start_hangs)
{
	child_runtime = it_fake_runtime();
	ctr_runtime_t *rt = it_fake_reopen(0);
	ctr_container_t *c = it_sh(rt, "touch /shared/ready; " IT_LOOP);
	pid_t hung;

	IT_OK(ctr_init(c, 0));
	setenv("FAKE_RUNTIME_HANG", "start", 1);
	pid_t child = it_fork(start_main, (void *)ctr_id(c));
	double t0 = it_now();
	while (it_fake_calls("start", &hung, 1) == 0) {
		ck_assert_msg(it_now() - t0 < IT_GUARD_MS / 1000.0,
			      "the child did not call the runtime's start");
		it_sleep_ms(5);
	}
	it_sleep_ms(50);
	kill(child, SIGKILL);
	ck_assert_int_eq(it_join(child, IT_GUARD_MS), 128 + SIGKILL);
	unsetenv("FAKE_RUNTIME_HANG");
	kill(hung, SIGKILL); /* the runtime call died with its caller */
	ck_assert(it_wait_gone(hung, IT_GUARD_MS));

	assert_recovers(c);
	it_assert_no_children();
	ctr_container_free(c);
	ctr_runtime_close(rt);
}
END_TEST

/* Run child_main(c's id) in a child process (it_fork), kill it with SIGKILL delay_us (below
 * 1 s) later and return its exit status: 128 + SIGKILL, or its own if it ended first. */
static int killed_after(int (*child_main)(void *), ctr_container_t *c, long delay_us)
{
	pid_t child = it_fork(child_main, (void *)ctr_id(c));
	struct timespec ts = { 0, delay_us * 1000 };

	nanosleep(&ts, NULL);
	kill(child, SIGKILL);
	return it_join(child, IT_GUARD_MS);
}

START_TEST(test_a_caller_killed_at_any_point_of_start)
{
	/* From before the child's first call to after its start returned. */
	static const long delays_us[] = { 0,	100,  250,  500,  750,	 1000, 1500,
					  2000, 3000, 5000, 8000, 15000, 40000 };

	child_runtime = NULL;
	for (size_t i = 0; i < sizeof(delays_us) / sizeof(delays_us[0]); i++) {
		ctr_container_t *c = it_sh(it_rt, "touch /shared/ready; " IT_LOOP);
		int st = killed_after(start_main, c, delays_us[i]);
		ck_assert_msg(st == 128 + SIGKILL || st == 0, "child: status %d", st);
		assert_recovers(c);
		ctr_container_free(c);
	}
	it_assert_no_children();
}
END_TEST

/* In a child process: ctr_stop(the container named arg, 30 s), ctr_remove(it) or
 * ctr_remove(it, CTR_FORCE), with a context on child_runtime. */
static int op_stop_30(ctr_container_t *c)
{
	return ctr_stop(c, 30);
}

static int op_remove(ctr_container_t *c)
{
	return ctr_remove(c, 0);
}

static int op_force_remove(ctr_container_t *c)
{
	return ctr_remove(c, CTR_FORCE);
}

static int stop_main(void *arg)
{
	return it_child_op(child_runtime, arg, "stop", op_stop_30);
}

static int remove_main(void *arg)
{
	return it_child_op(child_runtime, arg, "remove", op_remove);
}

static int force_remove_main(void *arg)
{
	return it_child_op(child_runtime, arg, "forced remove", op_force_remove);
}

START_TEST(test_a_stop_whose_caller_was_killed_is_finished)
{
	ctr_container_t *c = it_sh(it_rt, IT_STUBBORN);

	child_runtime = NULL;
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	pid_t child = it_fork(stop_main, (void *)ctr_id(c));
	/* The child sent SIGTERM (ignored) and waits out its 30 s without the lock. */
	double t0 = it_now();
	while (!it_has_owner(c)) {
		ck_assert_msg(it_now() - t0 < IT_GUARD_MS / 1000.0,
			      "the child's stop did not begin");
		it_sleep_ms(10);
	}
	IT_STATE(c, CTR_STATE_RUNNING);
	kill(child, SIGKILL);
	ck_assert_int_eq(it_join(child, IT_GUARD_MS), 128 + SIGKILL);
	/* The next caller finds the stopper dead and finishes its stop with SIGKILL, at once:
	 * the wait's guard ends before the dead stopper's 30 s would have. */
	IT_OK(ctr_sync(c));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 128 + SIGKILL);
	ck_assert(!it_has_owner(c));
	IT_OK(ctr_remove(c, 0));
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_a_remove_whose_caller_was_killed_is_finished)
{
	ctr_runtime_t *rt = it_fake_reopen(0);
	ctr_container_t *c = it_sh(rt, IT_LOOP);
	pid_t hung;

	child_runtime = it_fake_runtime();
	IT_OK(ctr_init(c, 0)); /* CREATED: the remove must delete it from the runtime */
	setenv("FAKE_RUNTIME_HANG", "delete", 1);
	pid_t child = it_fork(remove_main, (void *)ctr_id(c));
	double t0 = it_now();
	while (it_fake_calls("delete", &hung, 1) == 0) {
		ck_assert_msg(it_now() - t0 < IT_GUARD_MS / 1000.0,
			      "the child did not call the runtime's delete");
		it_sleep_ms(5);
	}
	kill(child, SIGKILL);
	ck_assert_int_eq(it_join(child, IT_GUARD_MS), 128 + SIGKILL);
	unsetenv("FAKE_RUNTIME_HANG");
	kill(hung, SIGKILL);
	ck_assert(it_wait_gone(hung, IT_GUARD_MS));
	/* The next caller, even a read, finds the remover dead and finishes the remove. */
	ctr_state_t st;
	ctr_container_t *again = NULL;
	IT_REFUSED(ctr_state(c, &st), CTR_E_REMOVED, c);
	IT_FAILS(ctr_lookup(rt, ctr_id(c), &again), CTR_E_NOENT);
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
	ctr_runtime_close(rt);
}
END_TEST

/* ---- a busy layered container --------------------------------------------------------------- */

/* A RUNNING layered container, stubborn to SIGTERM, with two exec sessions running. */
static ctr_container_t *busy_layered(void)
{
	ctr_container_t *c = it_create(it_rt, it_config_layered(IT_STUBBORN));
	const char *const argv[] = { "sleep", "1000", NULL };
	ctr_exec_opts_t o = {
		.sz = sizeof(o), .argv = argv, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1
	};

	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	for (int i = 0; i < 2; i++) {
		char *eid = NULL;
		IT_OK(ctr_exec_create(c, &o, &eid));
		IT_OK(ctr_exec_start(c, eid));
		ctr_free(eid);
	}
	return c;
}

/* After a killed caller: the container is gone, or in a state that agrees with its
 * processes, and a forced remove takes it; nothing is left. */
static void assert_recovers_and_goes(ctr_container_t *c)
{
	ctr_state_t s;
	int r = ctr_state(c, &s);

	if (r == 0) {
		pid_t pid = it_pid(c);
		if (s == CTR_STATE_RUNNING && (pid == 0 || !it_alive(pid))) {
			/* Killed just before the caller: its monitor records the exit soon (pid
			 * 0: it did between the two calls). */
			int code;
			IT_OK(ctr_wait(c, IT_GUARD_MS, &code));
			IT_OK(ctr_state(c, &s));
			pid = it_pid(c);
		}
		if (s == CTR_STATE_RUNNING || s == CTR_STATE_PAUSED || s == CTR_STATE_CREATED)
			ck_assert_msg(pid > 0 && it_alive(pid), "%s with pid %ld",
				      ctr_state_name(s), (long)pid);
		else
			ck_assert_msg(s == CTR_STATE_STOPPED || s == CTR_STATE_EXITED, "left %s",
				      ctr_state_name(s));
		IT_OK(ctr_remove(c, CTR_FORCE));
	} else
		ck_assert_msg(r == CTR_E_REMOVED, "ctr_state: %s", it_err(r));
	it_assert_no_traces(ctr_id(c));
}

START_TEST(test_a_caller_killed_mid_stop_of_a_busy_layered_container)
{
	static const long delays_us[] = { 0, 2000, 20000, 200000 };

	child_runtime = NULL;
	for (size_t i = 0; i < sizeof(delays_us) / sizeof(delays_us[0]); i++) {
		ctr_container_t *c = busy_layered();
		int st = killed_after(stop_main, c, delays_us[i]);
		ck_assert_msg(st == 128 + SIGKILL, "child: status %d", st);
		IT_OK(ctr_sync(c));
		assert_recovers_and_goes(c);
		ctr_container_free(c);
	}
	it_assert_no_children();
}
END_TEST

START_TEST(test_a_caller_killed_mid_remove_of_a_busy_layered_container)
{
	static const long delays_us[] = { 0, 2000, 10000, 30000, 100000, 300000 };

	child_runtime = NULL;
	for (size_t i = 0; i < sizeof(delays_us) / sizeof(delays_us[0]); i++) {
		ctr_container_t *c = busy_layered();
		int st = killed_after(force_remove_main, c, delays_us[i]);
		ck_assert_msg(st == 128 + SIGKILL || st == 0, "child: status %d", st);
		assert_recovers_and_goes(c);
		ctr_container_free(c);
	}
	it_assert_no_children();
}
END_TEST

/* ---- lock holders --------------------------------------------------------------------------- */

static ctr_container_t *locked_c;

/* In a child: take the container's lock, say so on a pipe and keep it. */
static int hold_lock(void *arg)
{
	int fd, w = *(int *)arg;

	if (ctri_lock(locked_c->rt->locks_dir, ctr_id(locked_c), &fd) < 0)
		return 1;
	if (write(w, "x", 1) != 1)
		return 2;
	for (;;)
		pause();
}

static pid_t lock_in_child(ctr_container_t *c)
{
	int p[2];
	char b;

	locked_c = c;
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid_t child = it_fork(hold_lock, &p[1]);
	close(p[1]);
	ck_assert_int_eq(read(p[0], &b, 1), 1);
	close(p[0]);
	return child;
}

struct op_thread {
	ctr_container_t *c;
	int r;
	char msg[512];
};

static void *start_thread(void *arg)
{
	struct op_thread *t = arg;

	t->r = ctr_start(t->c, 0);
	snprintf(t->msg, sizeof(t->msg), "%s", ctr_last_error());
	return NULL;
}

START_TEST(test_a_dead_lock_holder_does_not_block)
{
	ctr_container_t *c = it_sh(it_rt, "touch /shared/ready; " IT_LOOP);
	pid_t holder = lock_in_child(c);

	kill(holder, SIGKILL);
	ck_assert_int_eq(it_join(holder, IT_GUARD_MS), 128 + SIGKILL);
	IT_OK(ctr_start(c, 0)); /* blocked by the dead holder, it would hang past the limit */
	it_take_file("ready", IT_GUARD_MS);
	IT_OK(ctr_remove(c, CTR_FORCE));
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_a_live_lock_holder_blocks_until_it_dies)
{
	ctr_container_t *c = it_sh(it_rt, "touch /shared/ready; " IT_LOOP);
	pid_t holder = lock_in_child(c);
	struct op_thread t = { .c = c, .r = 1 };
	pthread_t th;
	struct timespec ts;

	ck_assert_int_eq(pthread_create(&th, NULL, start_thread, &t), 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 500 * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	ck_assert_msg(pthread_timedjoin_np(th, NULL, &ts) == ETIMEDOUT,
		      "ctr_start returned (%d) while another process held the lock", t.r);
	IT_STATE(c, CTR_STATE_CONFIGURED); /* reads do not wait for the lock */
	kill(holder, SIGKILL);
	ck_assert_int_eq(it_join(holder, IT_GUARD_MS), 128 + SIGKILL);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += IT_GUARD_MS / 1000;
	ck_assert_msg(pthread_timedjoin_np(th, NULL, &ts) == 0,
		      "ctr_start still blocked after the holder died");
	ck_assert_msg(t.r == 0, "ctr_start: %d: %s", t.r, t.msg);
	it_take_file("ready", IT_GUARD_MS);
	IT_STATE(c, CTR_STATE_RUNNING);
	IT_OK(ctr_remove(c, CTR_FORCE));
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
}
END_TEST

Suite *suite_killed_callers(void)
{
	Suite *s = suite_create("killed_callers");
	TCase *tc = tcase_create("killed");

	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 40);
	tcase_add_test(tc, test_a_caller_killed_while_start_hangs);
	tcase_add_test(tc, test_a_caller_killed_at_any_point_of_start);
	tcase_add_test(tc, test_a_stop_whose_caller_was_killed_is_finished);
	tcase_add_test(tc, test_a_remove_whose_caller_was_killed_is_finished);
	suite_add_tcase(s, tc);

	tc = tcase_create("busy");
	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, test_a_caller_killed_mid_stop_of_a_busy_layered_container);
	tcase_add_test(tc, test_a_caller_killed_mid_remove_of_a_busy_layered_container);
	suite_add_tcase(s, tc);

	tc = tcase_create("locks");
	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_a_dead_lock_holder_does_not_block);
	tcase_add_test(tc, test_a_live_lock_holder_blocks_until_it_dies);
	suite_add_tcase(s, tc);
	return s;
}
