/* Pause and unpause with real runc: the state table, that a paused container really stops
 * running, and that stop, kill and a forced remove still work on a paused container. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "itest.h"

/* Counts in /shared/count, 20 times a second. */
#define COUNTER                                                                           \
	"trap 'exit 5' TERM; i=0; touch /shared/ready; "                                  \
	"while :; do i=$((i+1)); echo $i > /shared/count.tmp; mv /shared/count.tmp /shared/count; " \
	"sleep 0.05; done"

static long read_count(void)
{
	char path[4096];
	long n = -1;

	snprintf(path, sizeof(path), "%s/io/count", it_base());
	FILE *f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

/* The counter passes n (within the guard); its last count. */
static long count_past(long n)
{
	double end = it_now() + IT_GUARD_MS / 1000.0;
	long now;

	while ((now = read_count()) <= n) {
		ck_assert_msg(it_now() < end, "the counter stays at %ld", now);
		it_sleep_ms(20);
	}
	return now;
}

static ctr_container_t *running_counter(void)
{
	ctr_container_t *c = it_sh(it_rt, COUNTER);

	if (it_has_file("count")) /* an earlier counter's */
		it_take_file("count", 0);
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	count_past(0);
	return c;
}

START_TEST(test_pause_freezes)
{
	ctr_container_t *c = running_counter();

	IT_OK(ctr_pause(c));
	IT_STATE(c, CTR_STATE_PAUSED);
	it_sleep_ms(150); /* a write under way when the freeze came may still land */
	long a = read_count();
	it_sleep_ms(500);
	long b = read_count();
	ck_assert_msg(a > 0 && a == b, "the counter moved while paused: %ld -> %ld", a, b);
	IT_OK(ctr_unpause(c));
	IT_STATE(c, CTR_STATE_RUNNING);
	count_past(b + 2); /* it goes on */
	IT_OK(ctr_stop(c, IT_GUARD_MS / 1000));
	ck_assert_int_eq(it_exit_code(c), 5);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_pause_refusals)
{
	ctr_container_t *c = it_sh(it_rt, COUNTER);

	IT_REFUSED(ctr_pause(c), CTR_E_STATE, c);   /* configured */
	IT_REFUSED(ctr_unpause(c), CTR_E_STATE, c);
	IT_OK(ctr_init(c, 0));
	IT_REFUSED(ctr_pause(c), CTR_E_STATE, c);   /* created */
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	IT_REFUSED(ctr_unpause(c), CTR_E_STATE, c); /* running */
	IT_OK(ctr_pause(c));
	IT_REFUSED(ctr_pause(c), CTR_E_STATE, c);   /* paused already */
	IT_REFUSED(ctr_start(c, 0), CTR_E_STATE, c);
	IT_REFUSED(ctr_remove(c, 0), CTR_E_STATE, c);
	IT_OK(ctr_unpause(c));
	IT_OK(ctr_stop(c, 0));
	IT_REFUSED(ctr_pause(c), CTR_E_STATE, c);   /* stopped */
	ctr_container_free(c);
}
END_TEST

/* The stop signal reaches a paused container's trap: it is thawed for it. */
START_TEST(test_stop_paused)
{
	ctr_container_t *c = running_counter();

	IT_OK(ctr_pause(c));
	IT_OK(ctr_stop(c, IT_GUARD_MS / 1000));
	IT_STATE(c, CTR_STATE_STOPPED);
	ck_assert_int_eq(it_exit_code(c), 5); /* its trap ran: not the SIGKILL after the timeout */
	ctr_container_free(c);
}
END_TEST

START_TEST(test_kill_paused)
{
	ctr_container_t *c = running_counter();

	IT_OK(ctr_pause(c));
	IT_OK(ctr_kill(c, SIGKILL));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 137);
	IT_STATE(c, CTR_STATE_STOPPED);
	ctr_container_free(c);

	/* Another signal stays pending while paused and acts on unpause. */
	c = running_counter();
	IT_OK(ctr_pause(c));
	IT_OK(ctr_kill(c, SIGTERM));
	IT_STATE(c, CTR_STATE_PAUSED);
	IT_FAILS(ctr_wait(c, 300, NULL), CTR_E_TIMEOUT);
	IT_OK(ctr_unpause(c));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 5);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_remove_paused)
{
	ctr_container_t *c = running_counter();
	char id[65];

	snprintf(id, sizeof(id), "%s", ctr_id(c));
	IT_OK(ctr_pause(c));
	IT_OK(ctr_remove(c, CTR_FORCE));
	ctr_container_free(c);
	it_assert_no_traces(id);
}
END_TEST

Suite *suite_pause(void)
{
	Suite *s = suite_create("pause");
	TCase *tc = tcase_create("pause");

	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_pause_freezes);
	tcase_add_test(tc, test_pause_refusals);
	tcase_add_test(tc, test_stop_paused);
	tcase_add_test(tc, test_kill_paused);
	tcase_add_test(tc, test_remove_paused);
	suite_add_tcase(s, tc);
	return s;
}
