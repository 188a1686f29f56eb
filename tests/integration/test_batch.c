/* ctr_batch: one lock, one sync; operations inside do not re-lock (no self-deadlock through
 * any handle), nested batches on the same container are refused, other containers and
 * other processes behave as usual. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"

/* A whole run inside one batch: start, read, stop, clean up; fn's value comes back. */
static int run_inside(ctr_container_t *c, void *ud)
{
	ctr_state_t s;
	pid_t pid = 0;
	int code = -1;

	(void)ud;
	if (ctr_start(c, 0) < 0 || ctr_state(c, &s) < 0 || s != CTR_STATE_RUNNING ||
	    ctr_pid(c, &pid) < 0 || pid <= 0)
		return -100;
	if (ctr_stop(c, 0) < 0 || ctr_state(c, &s) < 0 || s != CTR_STATE_STOPPED)
		return -101;
	if (ctr_exit_code(c, &code) < 0 || code != 128 + SIGKILL || ctr_cleanup(c) < 0)
		return -102;
	return 7;
}

START_TEST(test_a_batch_runs_a_lifecycle_under_one_lock)
{
	it_fake_log();
	ctr_runtime_t *rt = it_reopen(it_fake_runtime(), 0);
	ctr_container_t *c = it_sh(rt, IT_LOOP);

	int r = ctr_batch(c, run_inside, NULL);
	ck_assert_msg(r == 7, "ctr_batch: %s", it_err(r));
	IT_STATE(c, CTR_STATE_EXITED);
	/* The runtime was asked nothing beyond the work itself: no `state` call. */
	ck_assert_int_eq(it_fake_calls("state", (pid_t[4]){ 0 }, 4), 0);
	ck_assert_int_eq(it_fake_calls("run", (pid_t[4]){ 0 }, 4), 1);
	ck_assert_int_eq(it_fake_calls("kill", (pid_t[4]){ 0 }, 4), 1);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
	ctr_runtime_close(rt);
}
END_TEST

/* Nested batches: on the same container (through c or another handle) CTR_E_BUSY, on
 * another container fine; the outer handle works inside without waiting for itself. */
struct nest {
	ctr_runtime_t *rt;
	ctr_container_t *other;
	int same, again, other_code;
};

static int count_calls(ctr_container_t *c, void *ud)
{
	(*(int *)ud)++;
	(void)c;
	return 0;
}

static int nest_inside(ctr_container_t *c, void *ud)
{
	struct nest *n = ud;
	ctr_container_t *h = NULL;
	int calls = 0;

	n->same = ctr_batch(c, count_calls, &calls);
	if (ctr_lookup(n->rt, ctr_id(c), &h) == 0) {
		n->again = ctr_batch(h, count_calls, &calls);
		if (ctr_init(h, 0) < 0) /* the other handle takes no second lock */
			n->again = -1000;
		ctr_container_free(h);
	}
	if (ctr_batch(n->other, count_calls, &calls) < 0 || calls != 1 ||
	    ctr_start(n->other, 0) < 0 || ctr_wait(n->other, IT_GUARD_MS, &n->other_code) < 0)
		n->other_code = -1;
	return 0;
}

START_TEST(test_nested_batches)
{
	ctr_container_t *c = it_sh(it_rt, IT_LOOP);
	struct nest n = { .rt = it_rt, .other = it_sh(it_rt, "exit 4") };

	IT_OK(ctr_batch(c, nest_inside, &n));
	ck_assert_msg(n.same == CTR_E_BUSY, "nested batch through c: %s", it_err(n.same));
	ck_assert_msg(n.again == CTR_E_BUSY, "nested batch through another handle: %d", n.again);
	ck_assert_int_eq(n.other_code, 4);
	IT_STATE(c, CTR_STATE_CREATED);
	IT_OK(ctr_remove(c, 0));
	IT_OK(ctr_remove(n.other, 0));
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(n.other);
	ctr_container_free(c);
}
END_TEST

/* A failing fn: its value comes back and the lock is free again. */
static int fail_inside(ctr_container_t *c, void *ud)
{
	(void)c;
	(void)ud;
	return -42;
}

START_TEST(test_a_failing_batch_releases_the_lock)
{
	ctr_container_t *c = it_sh(it_rt, "exit 0");

	ck_assert_int_eq(ctr_batch(c, fail_inside, NULL), -42);
	IT_OK(ctr_start(c, 0));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	IT_FAILS(ctr_batch(c, NULL, NULL), CTR_E_INVAL);
	IT_FAILS(ctr_batch(NULL, fail_inside, NULL), CTR_E_INVAL);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

/* Another process's operation waits for the batch to end. */
static int op_init(ctr_container_t *c)
{
	return ctr_init(c, 0);
}

static int init_main(void *arg)
{
	return it_child_op(NULL, arg, "init", op_init);
}

struct blocked {
	pid_t child;
	ctr_state_t during;
};

static int fork_inside(ctr_container_t *c, void *ud)
{
	struct blocked *b = ud;

	b->child = it_fork(init_main, (void *)ctr_id(c));
	it_sleep_ms(500); /* the child's init is waiting for our lock meanwhile */
	return ctr_state(c, &b->during);
}

START_TEST(test_other_processes_wait_for_the_batch)
{
	ctr_container_t *c = it_sh(it_rt, IT_LOOP);
	struct blocked b = { 0 };

	IT_OK(ctr_batch(c, fork_inside, &b));
	ck_assert_msg(b.during == CTR_STATE_CONFIGURED, "the child's init ran inside the batch");
	ck_assert_int_eq(it_join(b.child, IT_GUARD_MS), 0);
	IT_STATE(c, CTR_STATE_CREATED);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

Suite *suite_batch(void)
{
	Suite *s = suite_create("batch");
	TCase *tc = tcase_create("batch");

	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_a_batch_runs_a_lifecycle_under_one_lock);
	tcase_add_test(tc, test_nested_batches);
	tcase_add_test(tc, test_a_failing_batch_releases_the_lock);
	tcase_add_test(tc, test_other_processes_wait_for_the_batch);
	suite_add_tcase(s, tc);
	return s;
}
