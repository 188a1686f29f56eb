/* A simulated reboot: the monitors and containers die and the run directory is wiped (as a
 * tmpfs is at boot); the next context resets every container once, and they run again. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "itest.h"
#include "util.h"

static ctr_container_t *lookup(ctr_runtime_t *rt, const char *id)
{
	ctr_container_t *c = NULL;

	IT_OK(ctr_lookup(rt, id, &c));
	return c;
}

START_TEST(test_a_wiped_run_dir_resets_the_containers)
{
	ctr_container_t *running = it_sh(it_rt, "touch /shared/ready; " IT_LOOP);
	ctr_container_t *stopped = it_sh(it_rt, "exit 5");
	char path[4096];

	IT_OK(ctr_start(running, 0));
	it_take_file("ready", IT_GUARD_MS);
	IT_OK(ctr_start(stopped, 0));
	ck_assert_int_eq(it_wait(stopped, IT_GUARD_MS), 5);

	/* The machine goes down: the monitor first, then the container with its runtime
	 * state, then the run directory itself. */
	pid_t mon = (pid_t)it_state_int(running, "monitor_pid");
	ck_assert_int_eq(kill(mon, SIGKILL), 0);
	ck_assert(it_wait_gone(mon, IT_GUARD_MS));
	snprintf(path, sizeof(path), "%s/run/runtime", it_base());
	const char *del[] = { "runc", "--root", path, "delete", "--force", ctr_id(running), NULL };
	ck_assert_int_eq(it_run(del, NULL), 0);
	snprintf(path, sizeof(path), "%s/run", it_base());
	ck_assert_int_eq(ctri_rm_rf(path), 0);

	ctr_runtime_t *rt = it_reopen(NULL, 0);
	ck_assert_int_eq(ctr_runtime_rebooted(rt), 1);
	ctr_container_t *r2 = lookup(rt, ctr_id(running)), *s2 = lookup(rt, ctr_id(stopped));
	IT_STATE(r2, CTR_STATE_CONFIGURED); /* it never exited: no code to keep */
	IT_STATE(s2, CTR_STATE_EXITED);
	ck_assert_int_eq(it_exit_code(s2), 5);
	char *json = NULL;
	IT_OK(ctr_inspect(r2, &json));
	ck_assert_msg(strstr(json, "\"reset_by_reboot\":\"running\""), "%s", json);
	ctr_free(json);

	/* Both run again in the new boot. */
	IT_OK(ctr_start(r2, 0));
	it_take_file("ready", IT_GUARD_MS);
	IT_STATE(r2, CTR_STATE_RUNNING);
	IT_OK(ctr_start(s2, 0));
	ck_assert_int_eq(it_wait(s2, IT_GUARD_MS), 5);
	IT_OK(ctr_remove(r2, CTR_FORCE));
	IT_OK(ctr_remove(s2, 0));
	it_assert_no_traces(ctr_id(r2));
	it_assert_no_traces(ctr_id(s2));
	ctr_container_free(r2);
	ctr_container_free(s2);
	ctr_container_free(running);
	ctr_container_free(stopped);
	ctr_runtime_close(rt);
}
END_TEST

Suite *suite_reboot(void)
{
	Suite *s = suite_create("reboot");
	TCase *tc = tcase_create("reboot");

	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_a_wiped_run_dir_resets_the_containers);
	suite_add_tcase(s, tc);
	return s;
}
