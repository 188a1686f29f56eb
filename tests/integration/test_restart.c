/* The restart policy, applied by ctr-cleanup, which the monitor runs when the container
 * exits: it holds with no program of ours running, backs off, counts, and never undoes a
 * user's stop. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"

static ctr_container_t *with_policy(const char *script, ctr_restart_t policy, unsigned max)
{
	ctr_config_t *cfg = it_config(script);

	ck_assert_int_eq(ctr_config_set_restart_policy(cfg, policy, max), 0);
	return it_create(it_rt, cfg);
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

struct count {
	int restarts;
	long long last_delay;
};

static int count_restarts(const ctr_event_t *ev, void *ud)
{
	struct count *n = ud;
	const char *d = strstr(ev->attributes, "\"delay_ms\":");

	n->restarts++;
	if (d)
		n->last_delay = atoll(d + 11);
	return 0;
}

static struct count restarts_of(ctr_container_t *c)
{
	struct count n = { 0 };
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

START_TEST(test_on_failure_restarts_up_to_max_retries_without_its_starter)
{
	ctr_container_t *c = with_policy("exit 3", CTR_RESTART_ON_FAILURE, 2);

	ck_assert_int_eq(it_join(it_fork(start_main, (void *)ctr_id(c)), 10000), 0);
	ck_assert_msg(settle(c, 10) == CTR_STATE_EXITED, "still %s",
		      ctr_state_name(it_state(c)));
	ck_assert_int_eq(it_state_int(c, "restart_count"), 2);
	ck_assert_int_eq(it_exit_code(c), 3);
	struct count n = restarts_of(c);
	ck_assert_int_eq(n.restarts, 2);
	ck_assert_msg(n.last_delay >= 50, "second restart waited %lld ms", n.last_delay);

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
	it_take_file("ready", 5000);
	IT_OK(ctr_stop(c, 0));
	ck_assert(settle(c, 5) == CTR_STATE_EXITED); /* cleaned up, not restarted */
	it_sleep_ms(300);
	IT_STATE(c, CTR_STATE_EXITED);
	ck_assert_int_eq(restarts_of(c).restarts, 0);

	/* A user start lifts it: a kill by the user is not undone either. */
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", 5000);
	IT_OK(ctr_kill(c, SIGKILL));
	ck_assert(settle(c, 5) == CTR_STATE_EXITED);
	ck_assert_int_eq(restarts_of(c).restarts, 0);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_a_restart_storm_backs_off)
{
	ctr_container_t *c = with_policy("exit 0", CTR_RESTART_ALWAYS, 0);

	IT_OK(ctr_start(c, 0));
	it_sleep_ms(1600);
	/* 0 + 100 + 200 + 400 + 800 ms of backoff, plus the runtime's time: at most 5. */
	struct count n = restarts_of(c);
	ck_assert_msg(n.restarts >= 3 && n.restarts <= 5, "%d restarts in 1.6 s", n.restarts);
	ck_assert_msg(n.last_delay >= 150, "last restart waited %lld ms", n.last_delay);
	/* A user stop ends it, whether it is running or waiting out its backoff. */
	int r = ctr_stop(c, 0);
	ck_assert_msg(r == 0 || r == CTR_E_STOPPED, "stop: %s", it_err(r));
	int before = restarts_of(c).restarts;
	it_sleep_ms(2500);
	ck_assert_int_eq(restarts_of(c).restarts, before);
	IT_OK(ctr_remove(c, CTR_FORCE));
	ctr_container_free(c);
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
	suite_add_tcase(s, tc);
	return s;
}
