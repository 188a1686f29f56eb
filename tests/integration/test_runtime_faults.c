/* The OCI runtime failing: a missing runtime or command; a runtime (tests/fake-runtime) that
 * hangs, crashes, fails, prints garbage or writes hostile error text. Each ends in a clear
 * error naming the container, leaves the state as it was and nothing behind. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"
#include "oci.h"

#define MISSING_RUNTIME "/nonexistent/runc"

/* ---- a missing runtime or command ----------------------------------------------------------- */

START_TEST(test_a_missing_runtime_binary_is_named)
{
	ctr_runtime_t *rt = it_reopen(MISSING_RUNTIME, 0);

	it_assert_refused_to_run(it_sh(rt, "exit 0"), CTR_E_RUNTIME, MISSING_RUNTIME, NULL);
	ctr_runtime_close(rt);
}
END_TEST

START_TEST(test_a_missing_command_gives_the_runtime_error)
{
	const char *const args[] = { "/nonexistent", NULL };
	ctr_config_t *cfg = it_config("unused");
	ck_assert_int_eq(ctr_config_set_args(cfg, args), 0);

	it_assert_refused_to_run(it_create(it_rt, cfg), CTR_E_RUNTIME, "/nonexistent",
				 "no such file or directory");
}
END_TEST

/* ---- a runtime that hangs, crashes or fails ------------------------------------------------- */

/* Run call, which must time out: CTR_E_TIMEOUT, not before the 1 s runtime timeout, and
 * the hung runtime call is gone. */
#define IT_TIMES_OUT(call, sub, c)                                                                 \
	do {                                                                                       \
		double it_t0_ = it_now();                                                          \
		IT_REFUSED(call, CTR_E_TIMEOUT, c);                                                \
		double it_took_ = it_now() - it_t0_;                                               \
		ck_assert_msg(it_took_ >= 0.9, "%s timed out after %.2f s", #call, it_took_);      \
		ck_assert_msg(it_fake_calls(sub, (pid_t[1]){ 0 }, 1) == 1,                         \
			      "the runtime's %s was not called", sub);                             \
		it_assert_fake_calls_gone(sub, IT_GUARD_MS);                                       \
	} while (0)

START_TEST(test_a_hung_create_is_killed_after_the_runtime_timeout)
{
	ctr_runtime_t *rt = it_fake_reopen(1000);
	ctr_container_t *c = it_sh(rt, "exit 0");

	setenv("FAKE_RUNTIME_HANG", "create,run", 1);
	IT_TIMES_OUT(ctr_init(c, 0), "create", c);
	int fds = it_fd_count();
	IT_TIMES_OUT(ctr_start(c, 0), "run", c);
	it_assert_unchanged(c, CTR_STATE_CONFIGURED, fds);
	unsetenv("FAKE_RUNTIME_HANG");
	IT_OK(ctr_start(c, 0)); /* and the container is fine */
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	IT_OK(ctr_remove(c, 0));
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
	ctr_runtime_close(rt);
}
END_TEST

START_TEST(test_hung_start_state_kill_and_delete_time_out)
{
	ctr_runtime_t *rt = it_fake_reopen(1000);
	ctr_container_t *c = it_sh(rt, IT_GRACEFUL(0));

	IT_OK(ctr_init(c, 0));
	setenv("FAKE_RUNTIME_HANG", "start", 1);
	IT_TIMES_OUT(ctr_start(c, 0), "start", c);
	IT_STATE(c, CTR_STATE_CREATED);

	setenv("FAKE_RUNTIME_HANG", "state", 1);
	IT_TIMES_OUT(ctr_sync(c), "state", c);
	IT_STATE(c, CTR_STATE_CREATED);

	unsetenv("FAKE_RUNTIME_HANG");
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	setenv("FAKE_RUNTIME_HANG", "kill", 1);
	IT_TIMES_OUT(ctr_stop(c, 0), "kill", c);
	IT_STATE(c, CTR_STATE_RUNNING);

	unsetenv("FAKE_RUNTIME_HANG");
	IT_OK(ctr_stop(c, 0));
	IT_STATE(c, CTR_STATE_STOPPED);
	/* The monitor (started without the hang) deletes the runtime's state itself, so a
	 * cleanup has nothing left that could hang. */
	setenv("FAKE_RUNTIME_HANG", "delete", 1);
	IT_OK(ctr_cleanup(c));
	IT_STATE(c, CTR_STATE_EXITED);
	ck_assert_int_eq(it_exit_code(c), 137);

	/* A monitor whose delete hangs: it is killed at the timeout, then the library's own
	 * delete hangs too, and the cleanup says so and leaves the container STOPPED. */
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	IT_OK(ctr_stop(c, 0));
	IT_TIMES_OUT(ctr_cleanup(c), "delete", c);
	IT_STATE(c, CTR_STATE_STOPPED);
	unsetenv("FAKE_RUNTIME_HANG");
	IT_OK(ctr_cleanup(c));
	IT_STATE(c, CTR_STATE_EXITED);
	IT_OK(ctr_remove(c, 0));
	it_assert_no_traces(ctr_id(c));
	it_assert_no_children();
	ctr_container_free(c);
	ctr_runtime_close(rt);
}
END_TEST

/* ctr_remove waits for the monitor's own delete of the runtime's state. It returned while
 * that ran, and a delete that outlived it left the runtime's state behind, or recreated
 * RUN/runtime after the caller had deleted its run directory. Here the monitor's delete
 * hangs until the monitor kills it at the runtime timeout; the remove then deletes. */
START_TEST(test_remove_waits_for_the_monitors_delete)
{
	ctr_runtime_t *rt = it_fake_reopen(1500);
	ctr_container_t *c = it_sh(rt, "exit 0");

	setenv("FAKE_RUNTIME_HANG", "delete", 1); /* for the monitor, which inherits it */
	IT_OK(ctr_start(c, 0));
	unsetenv("FAKE_RUNTIME_HANG");
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	IT_OK(ctr_remove(c, 0));
	ck_assert_msg(it_fake_calls("delete", (pid_t[1]){ 0 }, 1) == 1,
		      "the monitor's delete was not called");
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
	ctr_runtime_close(rt);
}
END_TEST

START_TEST(test_a_crashing_runtime_is_a_runtime_error)
{
	ctr_runtime_t *rt = it_fake_reopen(0);
	ctr_container_t *c = it_sh(rt, "touch /shared/ready; " IT_LOOP);

	setenv("FAKE_RUNTIME_CRASH", "create,run", 1);
	IT_REFUSED(ctr_init(c, 0), CTR_E_RUNTIME, c);
	int fds = it_fd_count();
	IT_REFUSED(ctr_start(c, 0), CTR_E_RUNTIME, c);
	it_assert_unchanged(c, CTR_STATE_CONFIGURED, fds);

	setenv("FAKE_RUNTIME_CRASH", "start", 1);
	IT_OK(ctr_init(c, 0));
	IT_REFUSED(ctr_start(c, 0), CTR_E_RUNTIME, c);
	IT_STATE(c, CTR_STATE_CREATED);
	unsetenv("FAKE_RUNTIME_CRASH");
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	IT_OK(ctr_remove(c, CTR_FORCE));
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
	ctr_runtime_close(rt);
}
END_TEST

START_TEST(test_the_runtime_error_message_is_reported)
{
	ctr_runtime_t *rt = it_fake_reopen(0);
	ctr_container_t *c = it_sh(rt, "exit 0");

	setenv("FAKE_RUNTIME_FAIL", "create,run,start,delete", 1);
	IT_REFUSED(ctr_init(c, 0), CTR_E_RUNTIME, c);
	IT_SAYS("fake-runtime: injected failure of create");
	int fds = it_fd_count();
	IT_REFUSED(ctr_start(c, 0), CTR_E_RUNTIME, c);
	IT_SAYS("fake-runtime: injected failure of run");
	it_assert_unchanged(c, CTR_STATE_CONFIGURED, fds);

	setenv("FAKE_RUNTIME_FAIL", "start,delete", 1);
	IT_OK(ctr_init(c, 0));
	IT_REFUSED(ctr_start(c, 0), CTR_E_RUNTIME, c);
	IT_SAYS("fake-runtime: injected failure of start");
	IT_STATE(c, CTR_STATE_CREATED);
	IT_REFUSED(ctr_remove(c, 0), CTR_E_RUNTIME, c);
	IT_SAYS("fake-runtime: injected failure of delete");
	IT_STATE(c, CTR_STATE_CREATED);

	unsetenv("FAKE_RUNTIME_FAIL");
	IT_OK(ctr_remove(c, 0));
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
	ctr_runtime_close(rt);
}
END_TEST

/* ---- a runtime printing garbage ------------------------------------------------------------- */

START_TEST(test_a_runtime_printing_garbage_is_a_runtime_error)
{
	ctr_runtime_t *rt = it_fake_reopen(0);
	ctr_container_t *c = it_sh(rt, "touch /shared/ready; " IT_LOOP);

	setenv("FAKE_RUNTIME_GARBAGE", "create,run", 1);
	IT_REFUSED(ctr_init(c, 0), CTR_E_RUNTIME, c);
	IT_HAS_MESSAGE();
	IT_REFUSED(ctr_start(c, 0), CTR_E_RUNTIME, c);
	IT_STATE(c, CTR_STATE_CONFIGURED);
	it_assert_no_traces(ctr_id(c));

	setenv("FAKE_RUNTIME_GARBAGE", "start", 1);
	IT_OK(ctr_init(c, 0));
	IT_REFUSED(ctr_start(c, 0), CTR_E_RUNTIME, c);
	IT_HAS_MESSAGE();
	IT_STATE(c, CTR_STATE_CREATED);

	unsetenv("FAKE_RUNTIME_GARBAGE");
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	/* `state` succeeding with garbage: an error, and the container is untouched. */
	setenv("FAKE_RUNTIME_GARBAGE", "state", 1);
	int r = ctr_sync(c);
	ck_assert_msg(r == 0 || r == CTR_E_RUNTIME, "ctr_sync: %s", it_err(r));
	if (r < 0)
		IT_HAS_MESSAGE();
	IT_STATE(c, CTR_STATE_RUNNING);
	setenv("FAKE_RUNTIME_GARBAGE", "kill", 1);
	IT_REFUSED(ctr_kill(c, SIGKILL), CTR_E_RUNTIME, c);
	IT_HAS_MESSAGE();
	IT_STATE(c, CTR_STATE_RUNNING);

	unsetenv("FAKE_RUNTIME_GARBAGE");
	IT_OK(ctr_sync(c));
	IT_STATE(c, CTR_STATE_RUNNING);
	IT_OK(ctr_remove(c, CTR_FORCE));
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
	ctr_runtime_close(rt);
}
END_TEST

/* ---- a runtime writing hostile error text --------------------------------------------------- */

/* The last message is one line of printable characters, bounded, and says what it says. */
static void assert_clean_message(const char *says)
{
	const char *m = ctr_last_error();

	ck_assert_msg(strstr(m, says), "the message lost \"%s\": %s", says, m);
	ck_assert_msg(strlen(m) < CTRI_OCI_MSG_MAX + 256, "a message of %zu bytes", strlen(m));
	for (const unsigned char *p = (const unsigned char *)m; *p; p++)
		ck_assert_msg(*p >= 0x20 && *p != 0x7f, "byte 0x%02x in the message: %s", *p, m);
	ck_assert_msg(!strstr(m, "\xe2\x80\xae"), "a direction override in the message: %s", m);
}

START_TEST(test_a_hostile_runtime_message_is_one_clean_bounded_line)
{
	ctr_runtime_t *rt = it_reopen(it_fake_runtime(), 0);
	ctr_container_t *c = it_sh(rt, "touch /shared/ready; " IT_LOOP);

	/* Through the monitor (create, run): its answer is one line; the library cleans it. */
	setenv("FAKE_RUNTIME_HOSTILE", "create,run", 1);
	IT_REFUSED(ctr_init(c, 0), CTR_E_RUNTIME, c);
	assert_clean_message("create");
	unsetenv("FAKE_RUNTIME_HOSTILE");
	setenv("FAKE_RUNTIME_HOSTILE_JSON", "create,run", 1);
	IT_REFUSED(ctr_start(c, 0), CTR_E_RUNTIME, c);
	assert_clean_message("HOSTILE-JSON");
	unsetenv("FAKE_RUNTIME_HOSTILE_JSON");
	IT_STATE(c, CTR_STATE_CONFIGURED);

	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	/* Called by the library itself (kill): the last line with something to show, or the
	 * JSON record's msg, cut with "...". */
	setenv("FAKE_RUNTIME_HOSTILE", "kill", 1);
	IT_REFUSED(ctr_kill(c, SIGKILL), CTR_E_RUNTIME, c);
	assert_clean_message("kill: HOSTILE-LAST \xc3\xa9t\xc3\xa9");
	unsetenv("FAKE_RUNTIME_HOSTILE");
	setenv("FAKE_RUNTIME_HOSTILE_JSON", "kill", 1);
	IT_REFUSED(ctr_kill(c, SIGKILL), CTR_E_RUNTIME, c);
	assert_clean_message("kill: HOSTILE-JSON second line nul xxxx");
	ck_assert_msg(strstr(ctr_last_error(), "x..."), "not cut: %s", ctr_last_error());
	unsetenv("FAKE_RUNTIME_HOSTILE_JSON");

	IT_STATE(c, CTR_STATE_RUNNING);
	IT_OK(ctr_remove(c, CTR_FORCE));
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
	ctr_runtime_close(rt);
}
END_TEST

/* ---- failed operations ---------------------------------------------------------------------- */

/* In a child process: ctr_stop(the container named arg, 0) on the fake runtime with a 1 s
 * timeout. Exits with 0 if the stop timed out, as a hung kill makes it. */
static int stop_times_out_main(void *arg)
{
	ctr_runtime_t *rt = NULL;
	ctr_container_t *c = NULL;
	int r;

	if ((r = it_open(it_fake_runtime(), 1000, &rt)) == 0 && (r = ctr_lookup(rt, arg, &c)) == 0)
		r = ctr_stop(c, 0);
	if (r != CTR_E_TIMEOUT)
		fprintf(stderr, "stop in a child: expected a timeout: %s\n", it_err(r));
	ctr_container_free(c);
	ctr_runtime_close(rt);
	return r != CTR_E_TIMEOUT;
}

/* A stop whose kill hangs fails and leaves the container as it was: no owner record that a
 * later reader would finish as SIGKILL once the stopper is gone, and no user-stop mark
 * that would keep a restart policy off. */
START_TEST(test_a_failed_stop_leaves_no_stop_pending)
{
	ctr_runtime_t *rt = it_fake_reopen(1000);
	ctr_container_t *c = it_sh(rt, IT_GRACEFUL(0));

	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	setenv("FAKE_RUNTIME_HANG", "kill", 1);
	IT_REFUSED(ctr_stop(c, 0), CTR_E_TIMEOUT, c);
	IT_SAYS("did not finish");
	ck_assert_msg(!it_has_owner(c), "the failed stop left its owner record");
	ck_assert_msg(!it_state_has(c, "stopped_by_user"), "the failed stop counts as a stop");
	/* The same from a process that is gone when the next one reads the state. */
	pid_t child = it_fork(stop_times_out_main, (void *)ctr_id(c));
	ck_assert_int_eq(it_join(child, 20000), 0);
	unsetenv("FAKE_RUNTIME_HANG");
	IT_STATE(c, CTR_STATE_RUNNING);
	ck_assert_msg(!it_has_owner(c), "the failed stop left its owner record");
	ck_assert_msg(!it_state_has(c, "stopped_by_user"), "the failed stop counts as a stop");
	/* Still the same run: a graceful stop ends it with its own exit code, not SIGKILL's. */
	IT_OK(ctr_stop(c, 10));
	ck_assert_int_eq(it_exit_code(c), 0);
	IT_OK(ctr_remove(c, 0));
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
	ctr_runtime_close(rt);
}
END_TEST

Suite *suite_runtime_faults(void)
{
	Suite *s = suite_create("runtime_faults");
	TCase *tc = tcase_create("missing");

	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_a_missing_runtime_binary_is_named);
	tcase_add_test(tc, test_a_missing_command_gives_the_runtime_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("runtime");
	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_a_hung_create_is_killed_after_the_runtime_timeout);
	tcase_add_test(tc, test_hung_start_state_kill_and_delete_time_out);
	tcase_add_test(tc, test_remove_waits_for_the_monitors_delete);
	tcase_add_test(tc, test_a_crashing_runtime_is_a_runtime_error);
	tcase_add_test(tc, test_the_runtime_error_message_is_reported);
	suite_add_tcase(s, tc);

	tc = tcase_create("output");
	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 40);
	tcase_add_test(tc, test_a_runtime_printing_garbage_is_a_runtime_error);
	tcase_add_test(tc, test_a_hostile_runtime_message_is_one_clean_bounded_line);
	suite_add_tcase(s, tc);

	tc = tcase_create("failed");
	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_a_failed_stop_leaves_no_stop_pending);
	suite_add_tcase(s, tc);
	return s;
}
