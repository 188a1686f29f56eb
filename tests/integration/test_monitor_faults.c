/* The monitor failing or lost: a missing monitor; one that never answers; one killed while
 * its container runs; a recorded monitor pid since taken by an unrelated process. The start
 * gives up at its deadline, a lost monitor's container is STOPPED with SIGKILL's exit code,
 * and nothing unrelated is ever killed. */
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"
#include "proc.h"
#include "state.h"

#define MISSING_MONITOR "/nonexistent/ctr-monitor"

extern char **environ;

/* ---- a missing monitor ---------------------------------------------------------------------- */

START_TEST(test_a_missing_monitor_is_named)
{
	setenv("CTR_MONITOR", MISSING_MONITOR, 1);
	ctr_runtime_t *rt = it_reopen(NULL, 0);

	it_assert_refused_to_run(it_sh(rt, "exit 0"), CTR_E_MONITOR, MISSING_MONITOR, NULL);
	ctr_runtime_close(rt);
}
END_TEST

/* ---- a monitor that does not answer --------------------------------------------------------- */

#define MUTE_SLEEP "sleep 4321.5" /* how a mute monitor waits, to find it by */

/* it_base()/name: a monitor that runs the shell commands body and never answers. */
static const char *mute_monitor(const char *name, const char *body)
{
	static char path[4200];
	snprintf(path, sizeof(path), "%s/%s", it_base(), name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\ntouch '%s/io/monitor-started'\n%s\n", it_base(), body);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, 0755), 0);
	return path;
}

/* In a child process: ctr_start(the container named arg) with the monitor of the
 * environment and a 500 ms runtime timeout. Exits with 0 if the start timed out. */
static int start_times_out_main(void *arg)
{
	ctr_runtime_t *rt = NULL;
	ctr_container_t *c = NULL;
	int r;

	if ((r = it_open(NULL, 500, &rt)) == 0 && (r = ctr_lookup(rt, arg, &c)) == 0)
		r = ctr_start(c, 0);
	if (r != CTR_E_TIMEOUT)
		fprintf(stderr, "start in a child: expected a timeout: %s\n", it_err(r));
	ctr_container_free(c);
	ctr_runtime_close(rt);
	return r != CTR_E_TIMEOUT;
}

/* A monitor that never exits, and one that leaves a process holding its sync pipe and
 * exits: the start gives up at its deadline (the runtime timeout and a margin), kills
 * them, says so, and leaves the container as it was. */
START_TEST(test_a_monitor_that_never_answers_times_out)
{
	static const char *const bodies[] = { MUTE_SLEEP, "setsid " MUTE_SLEEP " &\nexit 0" };

	for (int i = 0; i < 2; i++) {
		setenv("CTR_MONITOR",
		       mute_monitor(i ? "daemon-monitor" : "mute-monitor", bodies[i]), 1);
		ctr_runtime_t *rt = it_reopen(NULL, 500);
		ctr_container_t *c = it_sh(rt, "exit 0");
		int fds = it_fd_count();

		IT_REFUSED(ctr_start(c, 0), CTR_E_TIMEOUT, c);
		IT_SAYS(i ? "did not answer within" : "did not exit within");
		it_take_file("monitor-started", 1000);
		it_assert_unchanged(c, CTR_STATE_CONFIGURED, fds);
		it_assert_no_procs_with(MUTE_SLEEP);
		IT_OK(ctr_remove(c, 0));
		ctr_container_free(c);
		ctr_runtime_close(rt);
	}
}
END_TEST

/* While a start waits for a mute monitor, a forced remove from another process waits for
 * the lock, which the start lets go at its deadline, and then removes the container. */
START_TEST(test_a_forced_remove_outlasts_a_mute_monitor)
{
	setenv("CTR_MONITOR", mute_monitor("mute-monitor", MUTE_SLEEP), 1);
	ctr_runtime_t *rt = it_reopen(NULL, 500);
	ctr_container_t *c = it_sh(rt, "exit 0");

	pid_t starter = it_fork(start_times_out_main, (void *)ctr_id(c));
	it_take_file("monitor-started", IT_GUARD_MS);
	IT_OK(ctr_remove(c, CTR_FORCE));
	ck_assert_int_eq(it_join(starter, 20000), 0);
	ctr_state_t st;
	IT_REFUSED(ctr_state(c, &st), CTR_E_REMOVED, c);
	it_assert_no_procs_with(MUTE_SLEEP);
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
	ctr_runtime_close(rt);
}
END_TEST

/* ---- the monitor killed --------------------------------------------------------------------- */

START_TEST(test_a_killed_monitor_stops_its_container)
{
	for (int use_sync = 0; use_sync < 2; use_sync++) {
		ctr_container_t *c = it_sh(it_rt, "touch /shared/ready; " IT_LOOP);

		IT_OK(ctr_start(c, 0));
		it_take_file("ready", IT_GUARD_MS);
		pid_t pid = it_pid(c);
		pid_t monitor = (pid_t)it_state_int(c, "monitor_pid");
		ck_assert_msg(monitor > 0 && it_alive(monitor), "monitor_pid %ld", (long)monitor);
		ck_assert_int_eq(kill(monitor, SIGKILL), 0);
		ck_assert(it_wait_gone(monitor, IT_GUARD_MS));

		if (use_sync)
			IT_OK(ctr_sync(c));
		IT_STATE(c, CTR_STATE_STOPPED);
		ck_assert_int_eq(it_exit_code(c), 137);
		ck_assert_int_eq(it_state_int(c, "monitor_lost"), 1);
		ck_assert_msg(it_wait_gone(pid, IT_GUARD_MS), "the container's init %ld still runs",
			      (long)pid);
		ck_assert_int_eq(it_pid(c), 0);
		ck_assert_int_eq(it_wait(c, 0), 137);

		/* It runs again under a new monitor. */
		IT_OK(ctr_start(c, 0));
		it_take_file("ready", IT_GUARD_MS);
		IT_STATE(c, CTR_STATE_RUNNING);
		IT_OK(ctr_stop(c, 0));
		IT_OK(ctr_remove(c, 0));
		it_assert_no_traces(ctr_id(c));
		ctr_container_free(c);
	}
}
END_TEST

/* ---- a reused monitor pid ------------------------------------------------------------------- */

START_TEST(test_a_reused_monitor_pid_is_not_the_monitor)
{
	ctr_container_t *c = it_sh(it_rt, "exit 0");
	char *const argv[] = { "sleep", "1000", NULL };
	unsigned long long start = 0;
	struct ctri_st st;
	pid_t stranger;

	ck_assert_int_eq(posix_spawnp(&stranger, "sleep", NULL, NULL, argv, environ), 0);
	ck_assert_int_eq(ctri_proc_stat(stranger, &start, NULL), 0);
	/* The record of a run whose monitor died, its pid since taken by the stranger. */
	IT_OK(ctri_st_load(c, "test", &st));
	st.state = CTR_STATE_RUNNING;
	st.pid = stranger;
	st.mon_pid = stranger;
	st.mon_start = start + 1000;
	IT_OK(ctri_st_save(c, "test", &st, 0));

	IT_STATE(c, CTR_STATE_STOPPED);
	ck_assert_int_eq(it_state_int(c, "monitor_lost"), 1);
	ck_assert_int_eq(it_pid(c), 0);
	IT_FAILS(ctr_stop(c, 0), CTR_E_STOPPED);
	IT_OK(ctr_remove(c, CTR_FORCE));
	it_sleep_ms(100);
	ck_assert_msg(it_alive(stranger), "the unrelated process %ld was killed", (long)stranger);
	kill(stranger, SIGKILL);
	ck_assert_int_eq(waitpid(stranger, NULL, 0), stranger);
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
}
END_TEST

Suite *suite_monitor_faults(void)
{
	Suite *s = suite_create("monitor_faults");
	TCase *tc = tcase_create("missing");

	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_a_missing_monitor_is_named);
	suite_add_tcase(s, tc);

	tc = tcase_create("mute");
	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_a_monitor_that_never_answers_times_out);
	tcase_add_test(tc, test_a_forced_remove_outlasts_a_mute_monitor);
	suite_add_tcase(s, tc);

	tc = tcase_create("lost");
	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 40);
	tcase_add_test(tc, test_a_killed_monitor_stops_its_container);
	tcase_add_test(tc, test_a_reused_monitor_pid_is_not_the_monitor);
	suite_add_tcase(s, tc);
	return s;
}
