/* The lifecycle (ops/lifecycle.c) with the monitor and the fake runtime over host-runtime, so
 * without root: every state transition, the refusals of the state table, exit codes, stop
 * and its escalation to SIGKILL, pause, remove, and the runtime's failures reported. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests.h"
#include "testutil.h"

static pid_t pid_of(ctr_container_t *c)
{
	pid_t pid = -1;

	TU_OK(ctr_pid(c, &pid));
	return pid;
}

static int exit_code_of(ctr_container_t *c)
{
	int code = -1;

	TU_OK(ctr_exit_code(c, &code));
	return code;
}

static int alive(pid_t pid)
{
	return pid > 0 && kill(pid, 0) == 0;
}

/* The call fails with code and the message names the state. */
#define REFUSED(call, code, state)                                                                 \
	do {                                                                                       \
		TU_FAILS(call, code);                                                              \
		TU_SAYS(state);                                                                    \
	} while (0)

/* ---- transitions ---------------------------------------------------------------------- */

START_TEST(test_init_start_stop_cleanup_walk_every_state)
{
	ctr_container_t *c = tu_sh(tu_host_rt, TU_GRACEFUL(0));

	TU_STATE(c, CTR_STATE_CONFIGURED);
	ck_assert_int_eq(pid_of(c), 0);
	TU_OK(ctr_init(c, 0));
	TU_STATE(c, CTR_STATE_CREATED);
	pid_t created = pid_of(c);
	ck_assert_msg(alive(created), "CREATED: pid %ld", (long)created);

	TU_OK(ctr_start(c, 0));
	TU_STATE(c, CTR_STATE_RUNNING);
	ck_assert_int_eq(pid_of(c), created);
	tu_take_file("ready");

	TU_OK(ctr_stop(c, TU_GUARD_MS / 1000));
	TU_STATE(c, CTR_STATE_STOPPED);
	ck_assert_int_eq(pid_of(c), 0);
	ck_assert_int_eq(exit_code_of(c), 0);

	TU_OK(ctr_cleanup(c));
	TU_STATE(c, CTR_STATE_EXITED);
	ck_assert_int_eq(exit_code_of(c), 0);

	/* init from EXITED; a CREATED container is stopped with SIGKILL at once */
	TU_OK(ctr_init(c, 0));
	TU_STATE(c, CTR_STATE_CREATED);
	TU_OK(ctr_stop(c, 5));
	TU_STATE(c, CTR_STATE_STOPPED);
	ck_assert_int_eq(exit_code_of(c), 137);

	/* init from STOPPED: the runtime state of the last run is replaced */
	TU_OK(ctr_init(c, 0));
	TU_OK(ctr_start(c, 0));
	TU_STATE(c, CTR_STATE_RUNNING);
	tu_take_file("ready");
	TU_OK(ctr_kill(c, SIGKILL));
	ck_assert_int_eq(tu_wait(c), 137);
	TU_STATE(c, CTR_STATE_STOPPED);

	TU_OK(ctr_remove(c, 0));
	ctr_state_t s;
	TU_FAILS(ctr_state(c, &s), CTR_E_REMOVED);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_start_runs_from_configured_stopped_and_exited)
{
	ctr_container_t *c = tu_sh(tu_host_rt, "exit 3");

	TU_OK(ctr_start(c, 0)); /* CONFIGURED: created and started in one go */
	ck_assert_int_eq(tu_wait(c), 3);
	TU_STATE(c, CTR_STATE_STOPPED);
	TU_OK(ctr_start(c, 0)); /* STOPPED */
	ck_assert_int_eq(tu_wait(c), 3);
	TU_OK(ctr_cleanup(c));
	TU_STATE(c, CTR_STATE_EXITED);
	TU_OK(ctr_start(c, 0)); /* EXITED */
	ck_assert_int_eq(tu_wait(c), 3);
	TU_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_restart_runs_a_new_process_and_keeps_the_last_exit_code)
{
	ctr_container_t *c = tu_sh(tu_host_rt, TU_GRACEFUL(5));

	TU_OK(ctr_start(c, 0));
	tu_take_file("ready");
	pid_t first = pid_of(c);
	TU_OK(ctr_restart(c, TU_GUARD_MS / 1000));
	TU_STATE(c, CTR_STATE_RUNNING);
	pid_t second = pid_of(c);
	ck_assert_msg(second > 0 && second != first, "pid %ld after restart, %ld before",
		      (long)second, (long)first);
	ck_assert_int_eq(exit_code_of(c), 5);
	tu_take_file("ready");
	TU_OK(ctr_remove(c, CTR_FORCE));
	ctr_container_free(c);
}
END_TEST

/* ---- refusals ------------------------------------------------------------------------- */

START_TEST(test_state_table_refusals)
{
	ctr_container_t *c = tu_sh(tu_host_rt, TU_GRACEFUL(0));
	int code = -7;

	/* CONFIGURED */
	REFUSED(ctr_kill(c, SIGTERM), CTR_E_STATE, "configured");
	TU_FAILS(ctr_stop(c, 1), CTR_E_STATE);
	TU_FAILS(ctr_exit_code(c, &code), CTR_E_STATE);
	ck_assert_int_eq(code, -7);
	TU_OK(ctr_cleanup(c)); /* accepted, nothing to do */
	TU_STATE(c, CTR_STATE_CONFIGURED);

	/* CREATED */
	TU_OK(ctr_init(c, 0));
	REFUSED(ctr_init(c, 0), CTR_E_STATE, "created");
	TU_FAILS(ctr_kill(c, SIGTERM), CTR_E_STATE);
	TU_FAILS(ctr_cleanup(c), CTR_E_STATE);
	TU_FAILS(ctr_pause(c), CTR_E_STATE);
	TU_STATE(c, CTR_STATE_CREATED);

	/* RUNNING */
	TU_OK(ctr_start(c, 0));
	tu_take_file("ready");
	REFUSED(ctr_start(c, 0), CTR_E_STATE, "running");
	TU_FAILS(ctr_init(c, 0), CTR_E_STATE);
	TU_FAILS(ctr_cleanup(c), CTR_E_STATE);
	REFUSED(ctr_remove(c, 0), CTR_E_STATE, "running");
	TU_FAILS(ctr_unpause(c), CTR_E_STATE);
	TU_FAILS(ctr_kill(c, 0), CTR_E_INVAL);
	TU_FAILS(ctr_kill(c, 65), CTR_E_INVAL);
	TU_STATE(c, CTR_STATE_RUNNING);

	/* STOPPED */
	TU_OK(ctr_stop(c, 5));
	TU_FAILS(ctr_stop(c, 5), CTR_E_STOPPED);
	REFUSED(ctr_kill(c, SIGTERM), CTR_E_STATE, "stopped");
	TU_STATE(c, CTR_STATE_STOPPED);

	/* EXITED */
	TU_OK(ctr_cleanup(c));
	TU_FAILS(ctr_stop(c, 5), CTR_E_STOPPED);
	TU_FAILS(ctr_kill(c, SIGKILL), CTR_E_STATE);
	TU_OK(ctr_cleanup(c));
	TU_STATE(c, CTR_STATE_EXITED);
	TU_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_a_forced_remove_of_a_running_container_sends_the_stop_signal)
{
	ctr_container_t *c = tu_sh(tu_host_rt, "trap 'touch termed; exit 0' TERM; touch ready; " TU_LOOP);

	TU_OK(ctr_start(c, 0));
	tu_take_file("ready");
	TU_FAILS(ctr_remove(c, 0x80), CTR_E_INVAL);
	TU_STATE(c, CTR_STATE_RUNNING);
	TU_OK(ctr_remove(c, CTR_FORCE));
	tu_take_file("termed");
	ctr_state_t s;
	TU_FAILS(ctr_state(c, &s), CTR_E_REMOVED);
	ctr_container_free(c);
}
END_TEST

/* ---- stop, kill, pause ---------------------------------------------------------------- */

START_TEST(test_stop_escalates_to_sigkill_after_the_timeout)
{
	ctr_container_t *c = tu_sh(tu_host_rt, "trap 'touch termed' TERM; touch ready; " TU_LOOP);

	TU_OK(ctr_start(c, 0));
	tu_take_file("ready");
	TU_OK(ctr_stop(c, 1)); /* the TERM is caught: SIGKILL after 1 s */
	TU_STATE(c, CTR_STATE_STOPPED);
	ck_assert_int_eq(exit_code_of(c), 137);
	tu_take_file("termed");

	TU_OK(ctr_start(c, 0)); /* timeout 0: SIGKILL at once, no SIGTERM first */
	tu_take_file("ready");
	TU_OK(ctr_stop(c, 0));
	ck_assert_int_eq(exit_code_of(c), 137);
	char *termed = tu_path("termed");
	ck_assert_msg(access(termed, F_OK) < 0, "stop with timeout 0 sent SIGTERM first");
	free(termed);
	TU_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_an_uncaught_signal_gives_128_plus_its_number)
{
	ctr_container_t *c = tu_sh(tu_host_rt, "touch ready; " TU_LOOP);

	TU_OK(ctr_start(c, 0));
	tu_take_file("ready");
	TU_OK(ctr_kill(c, SIGUSR1));
	ck_assert_int_eq(tu_wait(c), 128 + SIGUSR1);
	TU_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_pause_and_unpause_and_a_stop_of_a_paused_container)
{
	ctr_container_t *c = tu_sh(tu_host_rt, TU_GRACEFUL(4));

	TU_OK(ctr_start(c, 0));
	tu_take_file("ready");
	TU_OK(ctr_pause(c));
	TU_STATE(c, CTR_STATE_PAUSED);
	REFUSED(ctr_pause(c), CTR_E_STATE, "paused");
	TU_OK(ctr_unpause(c));
	TU_STATE(c, CTR_STATE_RUNNING);
	TU_OK(ctr_pause(c));
	TU_OK(ctr_stop(c, TU_GUARD_MS / 1000)); /* resumed, so the TERM takes effect */
	TU_STATE(c, CTR_STATE_STOPPED);
	ck_assert_int_eq(exit_code_of(c), 4);
	TU_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

/* ---- the runtime's failures ----------------------------------------------------------- */

START_TEST(test_the_runtime_error_message_is_reported_and_nothing_changes)
{
	ctr_container_t *c = tu_sh(tu_host_rt, "exit 0");

	setenv("FAKE_RUNTIME_FAIL", "create,run,start,delete", 1);
	TU_FAILS(ctr_init(c, 0), CTR_E_RUNTIME);
	TU_SAYS("fake-runtime: injected failure of create");
	TU_FAILS(ctr_start(c, 0), CTR_E_RUNTIME);
	TU_SAYS("fake-runtime: injected failure of run");
	TU_STATE(c, CTR_STATE_CONFIGURED);

	setenv("FAKE_RUNTIME_FAIL", "start,delete", 1);
	TU_OK(ctr_init(c, 0));
	TU_FAILS(ctr_start(c, 0), CTR_E_RUNTIME);
	TU_SAYS("fake-runtime: injected failure of start");
	TU_STATE(c, CTR_STATE_CREATED);
	TU_FAILS(ctr_remove(c, 0), CTR_E_RUNTIME);
	TU_SAYS("fake-runtime: injected failure of delete");
	TU_STATE(c, CTR_STATE_CREATED);

	unsetenv("FAKE_RUNTIME_FAIL");
	TU_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_a_crashing_runtime_is_a_runtime_error)
{
	ctr_container_t *c = tu_sh(tu_host_rt, "touch ready; " TU_LOOP);

	setenv("FAKE_RUNTIME_CRASH", "create,run", 1);
	TU_FAILS(ctr_init(c, 0), CTR_E_RUNTIME);
	TU_FAILS(ctr_start(c, 0), CTR_E_RUNTIME);
	TU_STATE(c, CTR_STATE_CONFIGURED);
	setenv("FAKE_RUNTIME_CRASH", "start", 1);
	TU_OK(ctr_init(c, 0));
	TU_FAILS(ctr_start(c, 0), CTR_E_RUNTIME);
	TU_STATE(c, CTR_STATE_CREATED);
	unsetenv("FAKE_RUNTIME_CRASH");
	TU_OK(ctr_start(c, 0));
	tu_take_file("ready");
	TU_OK(ctr_remove(c, CTR_FORCE));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_a_command_that_is_not_found_gives_the_runtime_error)
{
	const char *argv[] = { "/nonexistent/command", NULL };
	ctr_config_t *cfg = tu_config(NULL);
	ctr_container_t *c = NULL;

	ck_assert_int_eq(ctr_config_set_args(cfg, argv), 0);
	TU_OK(ctr_create(tu_host_rt, cfg, &c));
	ctr_config_free(cfg);
	TU_FAILS(ctr_start(c, 0), CTR_E_RUNTIME);
	TU_SAYS("/nonexistent/command");
	TU_STATE(c, CTR_STATE_CONFIGURED);
	TU_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

Suite *suite_lifecycle(void)
{
	Suite *s = suite_create("lifecycle");
	TCase *tc = tcase_create("transitions");

	tu_add_host_fixtures(tc);
	tcase_add_test(tc, test_init_start_stop_cleanup_walk_every_state);
	tcase_add_test(tc, test_start_runs_from_configured_stopped_and_exited);
	tcase_add_test(tc, test_restart_runs_a_new_process_and_keeps_the_last_exit_code);
	tcase_add_test(tc, test_state_table_refusals);
	tcase_add_test(tc, test_a_forced_remove_of_a_running_container_sends_the_stop_signal);
	suite_add_tcase(s, tc);

	tc = tcase_create("signals");
	tu_add_host_fixtures(tc);
	tcase_add_test(tc, test_stop_escalates_to_sigkill_after_the_timeout);
	tcase_add_test(tc, test_an_uncaught_signal_gives_128_plus_its_number);
	tcase_add_test(tc, test_pause_and_unpause_and_a_stop_of_a_paused_container);
	suite_add_tcase(s, tc);

	tc = tcase_create("runtime_failures");
	tu_add_host_fixtures(tc);
	tcase_add_test(tc, test_the_runtime_error_message_is_reported_and_nothing_changes);
	tcase_add_test(tc, test_a_crashing_runtime_is_a_runtime_error);
	tcase_add_test(tc, test_a_command_that_is_not_found_gives_the_runtime_error);
	suite_add_tcase(s, tc);
	return s;
}
