/* The restart policy, applied by ctr-cleanup, which the monitor runs when the container
 * exits: it holds with no program of ours running, backs off, counts, and never undoes a
 * user's stop. No test here measures time: the backoff is read from the state's record. */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "itest.h"

/* A container of rt (NULL: it_rt) with the policy. */
static ctr_container_t *policy_in(ctr_runtime_t *rt, const char *script, ctr_restart_t policy,
				  unsigned max)
{
	ctr_config_t *cfg = it_config(script);

	ck_assert_int_eq(ctr_config_set_restart_policy(cfg, policy, max), 0);
	return it_create(rt ? rt : it_rt, cfg);
}

static ctr_container_t *with_policy(const char *script, ctr_restart_t policy, unsigned max)
{
	return policy_in(NULL, script, policy, max);
}

/* Wait until the container is EXITED (the policy gave up) or timeout_s passes. */
static ctr_state_t settle(ctr_container_t *c, double timeout_s)
{
	double t0 = it_now();
	ctr_state_t s;

	while ((s = it_state(c)) != CTR_STATE_EXITED && it_now() - t0 < timeout_s)
		it_sleep_ms(50);
	return s;
}

static int count_restarts(const ctr_event_t *ev, void *ud)
{
	(void)ev;
	++*(int *)ud;
	return 0;
}

static int restarts_of(ctr_container_t *c)
{
	int n = 0;
	CTR_OPTS(ctr_events_opts_t, o, .container = ctr_id(c), .type = "restart");

	IT_OK(ctr_events(it_rt, &o, count_restarts, &n));
	return n;
}

/* In a child that exits right after: start the container. */
static int op_start(ctr_container_t *c)
{
	return ctr_start(c, 0);
}

static int start_main(void *arg)
{
	return it_child_op(NULL, arg, "start", op_start);
}

/* Runs until the test touches "go", then exits 0; "ready" says each run has begun. */
#define GO_ONCE "touch /shared/ready; while [ ! -e /shared/go ]; do sleep 0.02; done; rm /shared/go"

START_TEST(test_on_failure_restarts_up_to_max_retries_without_its_starter)
{
	ctr_container_t *c = with_policy("exit 3", CTR_RESTART_ON_FAILURE, 2);

	ck_assert_int_eq(it_join(it_fork(start_main, (void *)ctr_id(c)), IT_GUARD_MS), 0);
	ck_assert_msg(settle(c, 10) == CTR_STATE_EXITED, "still %s",
		      ctr_state_name(it_state(c)));
	ck_assert_int_eq(it_state_int(c, "restart_count"), 2);
	ck_assert_int_eq(it_exit_code(c), 3);
	ck_assert_int_eq(restarts_of(c), 2);

	IT_OK(ctr_remove(c, 0));
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_on_failure_leaves_a_clean_exit)
{
	ctr_container_t *c = with_policy("exit 0", CTR_RESTART_ON_FAILURE, 0);

	IT_OK(ctr_start(c, 0));
	ck_assert(settle(c, 5) == CTR_STATE_EXITED);
	ck_assert_int_eq(it_state_int(c, "restart_count"), 0);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_a_user_stop_is_not_undone)
{
	ctr_container_t *c =
		with_policy("touch /shared/ready; " IT_LOOP, CTR_RESTART_UNLESS_STOPPED, 0);

	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	IT_OK(ctr_stop(c, 0));
	ck_assert(settle(c, 5) == CTR_STATE_EXITED); /* cleaned up, not restarted */
	it_sleep_ms(300);
	IT_STATE(c, CTR_STATE_EXITED);
	ck_assert_int_eq(restarts_of(c), 0);

	/* A user start lifts it: a kill by the user is not undone either. */
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	IT_OK(ctr_kill(c, SIGKILL));
	ck_assert(settle(c, 5) == CTR_STATE_EXITED);
	ck_assert_int_eq(restarts_of(c), 0);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

/* Let the container's run exit and wait until the policy has started run number
 * restart_count + 1; asserts that this restart came at least wait_ms after the exit, from
 * the state's record (finished_at: the exit, by the monitor; started_at: the restart). */
static void exit_and_restart(ctr_container_t *c, int restart_count, long long wait_ms)
{
	double t0 = it_now();

	it_touch("go");
	it_take_file("ready", IT_GUARD_MS);
	while ((it_state(c) != CTR_STATE_RUNNING ||
		it_state_int(c, "restart_count") != restart_count) &&
	       it_now() - t0 < 10)
		it_sleep_ms(20);
	IT_STATE(c, CTR_STATE_RUNNING);
	ck_assert_int_eq(it_state_int(c, "restart_count"), restart_count);
	long long gap = it_state_int(c, "started_at") - it_state_int(c, "finished_at");
	ck_assert_msg(gap >= wait_ms * 1000000,
		      "restart %d came %lld ns after the exit, not %lld ms", restart_count, gap,
		      wait_ms);
}

START_TEST(test_a_restart_storm_backs_off)
{
	ctr_container_t *c = with_policy(GO_ONCE, CTR_RESTART_ALWAYS, 0);

	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	/* The first restart at once, then 100 ms, 200 ms, ... from each exit. */
	exit_and_restart(c, 1, 0);
	exit_and_restart(c, 2, 100);
	exit_and_restart(c, 3, 200);
	ck_assert_int_eq(restarts_of(c), 3);
	/* A user stop ends it, whether it is running or waiting out its backoff (400 ms). */
	it_touch("go");
	int r = ctr_stop(c, 0);
	ck_assert_msg(r == 0 || r == CTR_E_STOPPED, "stop: %s", it_err(r));
	ck_assert(settle(c, 10) == CTR_STATE_EXITED);
	it_sleep_ms(1000);
	IT_STATE(c, CTR_STATE_EXITED);
	ck_assert_int_eq(it_state_int(c, "restart_count"), 3);
	ck_assert_int_eq(restarts_of(c), 3);
	IT_OK(ctr_remove(c, CTR_FORCE));
	ctr_container_free(c);
}
END_TEST

/* The documented way to name the monitor is opts.monitor_path. ctr-cleanup, run by the
 * monitor, must use the context the container was started from, not what the environment
 * says: here the environment names neither helper. The second restart is made by a
 * ctr-cleanup that itself runs from the first one's context. */
START_TEST(test_restarts_use_the_context_not_the_environment)
{
	const char *mon = getenv("CTR_MONITOR");
	char state[PATH_MAX], run[PATH_MAX], monitor[PATH_MAX];
	ctr_runtime_t *rt = NULL;

	ck_assert_msg(mon && getenv("CTR_CLEANUP"), "CTR_MONITOR and CTR_CLEANUP must be set");
	snprintf(monitor, sizeof(monitor), "%s", mon);
	snprintf(state, sizeof(state), "%s/state", it_base());
	snprintf(run, sizeof(run), "%s/run", it_base());
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state, .run_dir = run, .monitor_path = monitor,
		 .flags = CTR_RUNTIME_NOSYNC, .runtime_timeout_ms = 20000);
	unsetenv("CTR_MONITOR"); /* it_teardown puts both back */
	IT_OK(ctr_runtime_open(&o, &rt));
	unsetenv("CTR_CLEANUP"); /* read by the open: from now on only the context has it */

	ctr_container_t *c = policy_in(rt, "exit 3", CTR_RESTART_ON_FAILURE, 2);
	IT_OK(ctr_start(c, 0));
	ck_assert_msg(settle(c, 15) == CTR_STATE_EXITED, "still %s", ctr_state_name(it_state(c)));
	ck_assert_int_eq(it_state_int(c, "restart_count"), 2);
	ck_assert_int_eq(it_exit_code(c), 3);
	ck_assert_int_eq(restarts_of(c), 2);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
	ctr_runtime_close(rt);
}
END_TEST

/* A policy that cannot be carried out (no ctr-cleanup to run at the exit) is refused
 * before anything starts, naming the helper's path and why; without a policy nothing
 * needs the helper. */
START_TEST(test_a_policy_without_ctr_cleanup_is_refused)
{
	char helper[PATH_MAX];
	ctr_container_t *created = with_policy(IT_LOOP, CTR_RESTART_ALWAYS, 0), *c2;

	IT_OK(ctr_init(created, 0)); /* by a context that has the helper */
	snprintf(helper, sizeof(helper), "%s/no-such-ctr-cleanup", it_base());
	setenv("CTR_CLEANUP", helper, 1); /* it_teardown puts it back */
	ctr_runtime_t *rt = it_reopen(NULL, 0);
	ctr_container_t *c = policy_in(rt, IT_LOOP, CTR_RESTART_ALWAYS, 0);

	IT_REFUSED(ctr_start(c, 0), CTR_E_INVAL, c);
	IT_SAYS("restart policy always needs ctr-cleanup at");
	IT_SAYS(helper);
	IT_SAYS("No such file or directory");
	IT_REFUSED(ctr_init(c, CTR_RECURSIVE), CTR_E_INVAL, c);
	IT_SAYS(helper);
	IT_REFUSED(ctr_restart(c, 0), CTR_E_INVAL, c);
	IT_SAYS(helper);
	IT_STATE(c, CTR_STATE_CONFIGURED);
	IT_OK(ctr_lookup(rt, ctr_id(created), &c2));
	IT_REFUSED(ctr_start(c2, 0), CTR_E_INVAL, c2);
	IT_STATE(c2, CTR_STATE_CREATED);

	/* Not executable, not a file. */
	FILE *f = fopen(helper, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(chmod(helper, 0644), 0);
	IT_REFUSED(ctr_start(c, 0), CTR_E_INVAL, c);
	IT_SAYS("Permission denied");
	ck_assert_int_eq(unlink(helper), 0);
	ck_assert_int_eq(mkdir(helper, 0755), 0);
	IT_REFUSED(ctr_start(c, 0), CTR_E_INVAL, c);
	IT_SAYS("not a regular file");
	IT_STATE(c, CTR_STATE_CONFIGURED);

	ctr_container_t *plain = it_sh(rt, IT_LOOP);
	IT_OK(ctr_start(plain, 0));
	IT_OK(ctr_remove(plain, CTR_FORCE));
	IT_OK(ctr_remove(c, 0));
	IT_OK(ctr_remove(c2, 0));
	ctr_container_free(plain);
	ctr_container_free(c2);
	ctr_container_free(c);
	ctr_container_free(created);
	ctr_runtime_close(rt);
}
END_TEST

Suite *suite_restart(void)
{
	Suite *s = suite_create("restart");
	TCase *tc = tcase_create("policy");

	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 40);
	tcase_add_test(tc, test_on_failure_restarts_up_to_max_retries_without_its_starter);
	tcase_add_test(tc, test_on_failure_leaves_a_clean_exit);
	tcase_add_test(tc, test_a_user_stop_is_not_undone);
	tcase_add_test(tc, test_a_restart_storm_backs_off);
	tcase_add_test(tc, test_restarts_use_the_context_not_the_environment);
	tcase_add_test(tc, test_a_policy_without_ctr_cleanup_is_refused);
	suite_add_tcase(s, tc);
	return s;
}
