/* Bad input and faults: a missing runtime, command or monitor; a runtime that hangs, crashes
 * or fails (tests/fake-runtime); the monitor killed; the caller killed mid-start, mid-stop or
 * mid-remove. Every failure must leave the state as it was and nothing behind. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"

#define MISSING_RUNTIME "/nonexistent/runc"
#define MISSING_MONITOR "/nonexistent/ctr-monitor"

/* After a failed operation: the container is still in state want, no descriptor was left
 * open since the count fds, no child process and (for CONFIGURED) nothing of the container
 * exists. */
static void assert_unchanged(ctr_container_t *c, ctr_state_t want, int fds)
{
	IT_STATE(c, want);
	if (want == CTR_STATE_CONFIGURED)
		it_assert_no_traces(ctr_id(c));
	it_assert_no_children();
	ck_assert_int_eq(it_fd_count(), fds);
}

/* ---- bad input ------------------------------------------------------------------------------ */

/* ctr_init and ctr_start of the CONFIGURED container c both fail with code, their messages
 * saying what and (if not NULL) also; then c is unchanged and is removed. */
static void assert_refused_to_run(ctr_container_t *c, int code, const char *what,
				  const char *also)
{
	IT_REFUSED(ctr_init(c, 0), code, c);
	IT_SAYS(what);
	if (also)
		IT_SAYS(also);
	int fds = it_fd_count();
	IT_REFUSED(ctr_start(c, 0), code, c);
	IT_SAYS(what);
	if (also)
		IT_SAYS(also);
	assert_unchanged(c, CTR_STATE_CONFIGURED, fds);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}

START_TEST(test_a_missing_runtime_binary_is_named)
{
	ctr_runtime_t *rt = it_reopen(MISSING_RUNTIME, 0);

	assert_refused_to_run(it_sh(rt, "exit 0"), CTR_E_RUNTIME, MISSING_RUNTIME, NULL);
	ctr_runtime_close(rt);
}
END_TEST

START_TEST(test_a_missing_command_gives_the_runtime_error)
{
	const char *const args[] = { "/nonexistent", NULL };
	ctr_config_t *cfg = it_config("unused");
	ck_assert_int_eq(ctr_config_set_args(cfg, args), 0);

	assert_refused_to_run(it_create(it_rt, cfg), CTR_E_RUNTIME, "/nonexistent",
			      "no such file or directory");
}
END_TEST

START_TEST(test_a_missing_monitor_is_named)
{
	setenv("CTR_MONITOR", MISSING_MONITOR, 1);
	ctr_runtime_t *rt = it_reopen(NULL, 0);

	assert_refused_to_run(it_sh(rt, "exit 0"), CTR_E_MONITOR, MISSING_MONITOR, NULL);
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
		assert_unchanged(c, CTR_STATE_CONFIGURED, fds);
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

/* ---- the fake runtime ----------------------------------------------------------------------- */

/* A context using the fake runtime, with a runtime timeout of timeout_ms, logging its calls. */
static ctr_runtime_t *fake_runtime(unsigned timeout_ms)
{
	it_fake_log();
	return it_reopen(it_fake_runtime(), timeout_ms);
}

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
	ctr_runtime_t *rt = fake_runtime(1000);
	ctr_container_t *c = it_sh(rt, "exit 0");

	setenv("FAKE_RUNTIME_HANG", "create,run", 1);
	IT_TIMES_OUT(ctr_init(c, 0), "create", c);
	int fds = it_fd_count();
	IT_TIMES_OUT(ctr_start(c, 0), "run", c);
	assert_unchanged(c, CTR_STATE_CONFIGURED, fds);
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
	ctr_runtime_t *rt = fake_runtime(1000);
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
	ctr_runtime_t *rt = fake_runtime(1500);
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
	ctr_runtime_t *rt = fake_runtime(0);
	ctr_container_t *c = it_sh(rt, "touch /shared/ready; " IT_LOOP);

	setenv("FAKE_RUNTIME_CRASH", "create,run", 1);
	IT_REFUSED(ctr_init(c, 0), CTR_E_RUNTIME, c);
	int fds = it_fd_count();
	IT_REFUSED(ctr_start(c, 0), CTR_E_RUNTIME, c);
	assert_unchanged(c, CTR_STATE_CONFIGURED, fds);

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
	ctr_runtime_t *rt = fake_runtime(0);
	ctr_container_t *c = it_sh(rt, "exit 0");

	setenv("FAKE_RUNTIME_FAIL", "create,run,start,delete", 1);
	IT_REFUSED(ctr_init(c, 0), CTR_E_RUNTIME, c);
	IT_SAYS("fake-runtime: injected failure of create");
	int fds = it_fd_count();
	IT_REFUSED(ctr_start(c, 0), CTR_E_RUNTIME, c);
	IT_SAYS("fake-runtime: injected failure of run");
	assert_unchanged(c, CTR_STATE_CONFIGURED, fds);

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
	ctr_runtime_t *rt = fake_runtime(0);
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

START_TEST(test_a_caller_killed_at_any_point_of_start)
{
	/* From before the child's first call to after its start returned. */
	static const long delays_us[] = { 0,	100,  250,  500,  750,	 1000, 1500,
					  2000, 3000, 5000, 8000, 15000, 40000 };

	child_runtime = NULL;
	for (size_t i = 0; i < sizeof(delays_us) / sizeof(delays_us[0]); i++) {
		ctr_container_t *c = it_sh(it_rt, "touch /shared/ready; " IT_LOOP);
		pid_t child = it_fork(start_main, (void *)ctr_id(c));
		struct timespec ts = { 0, delays_us[i] * 1000 };

		nanosleep(&ts, NULL);
		kill(child, SIGKILL);
		int st = it_join(child, IT_GUARD_MS);
		ck_assert_msg(st == 128 + SIGKILL || st == 0, "child: status %d", st);
		assert_recovers(c);
		ctr_container_free(c);
	}
	it_assert_no_children();
}
END_TEST

/* In a child process: ctr_stop(the container named arg, 30 s) or ctr_remove(it), with a
 * context on child_runtime. */
static int op_stop_30(ctr_container_t *c)
{
	return ctr_stop(c, 30);
}

static int op_remove(ctr_container_t *c)
{
	return ctr_remove(c, 0);
}

static int stop_main(void *arg)
{
	return it_child_op(child_runtime, arg, "stop", op_stop_30);
}

static int remove_main(void *arg)
{
	return it_child_op(child_runtime, arg, "remove", op_remove);
}

/* The state record names an owner: an operation of several steps is under way. */
static int has_owner(ctr_container_t *c)
{
	char *json = NULL;

	IT_OK(ctr_inspect(c, &json));
	int found = strstr(json, "\"owner\":{") != NULL;
	ctr_free(json);
	return found;
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
	while (!has_owner(c)) {
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
	ck_assert(!has_owner(c));
	IT_OK(ctr_remove(c, 0));
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_a_remove_whose_caller_was_killed_is_finished)
{
	ctr_runtime_t *rt = fake_runtime(0);
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
	ctr_runtime_t *rt = fake_runtime(1000);
	ctr_container_t *c = it_sh(rt, IT_GRACEFUL(0));

	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	setenv("FAKE_RUNTIME_HANG", "kill", 1);
	IT_REFUSED(ctr_stop(c, 0), CTR_E_TIMEOUT, c);
	IT_SAYS("did not finish");
	ck_assert_msg(!has_owner(c), "the failed stop left its owner record");
	ck_assert_msg(!it_state_has(c, "stopped_by_user"), "the failed stop counts as a stop");
	/* The same from a process that is gone when the next one reads the state. */
	pid_t child = it_fork(stop_times_out_main, (void *)ctr_id(c));
	ck_assert_int_eq(it_join(child, 20000), 0);
	unsetenv("FAKE_RUNTIME_HANG");
	IT_STATE(c, CTR_STATE_RUNNING);
	ck_assert_msg(!has_owner(c), "the failed stop left its owner record");
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

Suite *suite_faults(void)
{
	Suite *s = suite_create("faults");
	TCase *tc = tcase_create("input");

	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_a_missing_runtime_binary_is_named);
	tcase_add_test(tc, test_a_missing_command_gives_the_runtime_error);
	tcase_add_test(tc, test_a_missing_monitor_is_named);
	suite_add_tcase(s, tc);

	tc = tcase_create("mute");
	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_a_monitor_that_never_answers_times_out);
	tcase_add_test(tc, test_a_forced_remove_outlasts_a_mute_monitor);
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

	tc = tcase_create("killed");
	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 40);
	tcase_add_test(tc, test_a_killed_monitor_stops_its_container);
	tcase_add_test(tc, test_a_caller_killed_while_start_hangs);
	tcase_add_test(tc, test_a_caller_killed_at_any_point_of_start);
	tcase_add_test(tc, test_a_stop_whose_caller_was_killed_is_finished);
	tcase_add_test(tc, test_a_remove_whose_caller_was_killed_is_finished);
	suite_add_tcase(s, tc);

	tc = tcase_create("failed");
	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_a_failed_stop_leaves_no_stop_pending);
	suite_add_tcase(s, tc);
	return s;
}
