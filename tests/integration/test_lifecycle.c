/* The lifecycle with real runc: every state transition, the refusals of the state table,
 * removed handles, exit codes and signals, stop and its escalation to SIGKILL. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "itest.h"

/* ---- transitions ---------------------------------------------------------------------------- */

/* runc's own view of c: `runc state` says "running" and the exec fifo is gone. */
static void assert_runc_says_running(ctr_container_t *c)
{
	char root[4096], fifo[4200], *out = NULL;
	const char *argv[] = { "runc", "--root", root, "state", ctr_id(c), NULL };

	snprintf(root, sizeof(root), "%s/run/runtime", it_base());
	snprintf(fifo, sizeof(fifo), "%s/%s/exec.fifo", root, ctr_id(c));
	ck_assert_int_eq(it_run(argv, &out), 0);
	ck_assert_msg(out && strstr(out, "\"status\": \"running\""), "runc state: %s", out);
	free(out);
	ck_assert_int_ne(access(fifo, F_OK), 0);
}

START_TEST(test_init_start_stop_cleanup_walk_every_state)
{
	ctr_container_t *c = it_sh(it_rt, IT_GRACEFUL(0));

	IT_STATE(c, CTR_STATE_CONFIGURED);
	ck_assert_int_eq(it_pid(c), 0);
	IT_OK(ctr_init(c, 0));
	IT_STATE(c, CTR_STATE_CREATED);
	pid_t created = it_pid(c);
	ck_assert_msg(created > 0 && it_alive(created), "CREATED: pid %ld", (long)created);

	IT_OK(ctr_start(c, 0));
	IT_STATE(c, CTR_STATE_RUNNING);
	ck_assert_int_eq(it_pid(c), created);
	it_take_file("ready", IT_GUARD_MS);
	assert_runc_says_running(c); /* the start without `runc start` (runc_start.c) */

	IT_OK(ctr_stop(c, IT_GUARD_MS / 1000));
	IT_STATE(c, CTR_STATE_STOPPED);
	ck_assert_int_eq(it_pid(c), 0);
	ck_assert_int_eq(it_exit_code(c), 0);
	ck_assert(it_wait_gone(created, IT_GUARD_MS));

	IT_OK(ctr_cleanup(c));
	IT_STATE(c, CTR_STATE_EXITED);
	ck_assert_int_eq(it_pid(c), 0);
	ck_assert_int_eq(it_exit_code(c), 0);

	/* init from EXITED; a CREATED container is stopped with SIGKILL at once */
	IT_OK(ctr_init(c, 0));
	IT_STATE(c, CTR_STATE_CREATED);
	ck_assert_int_gt(it_pid(c), 0);
	IT_OK(ctr_stop(c, 5));
	IT_STATE(c, CTR_STATE_STOPPED);
	ck_assert_int_eq(it_exit_code(c), 137);

	/* init from STOPPED: the runtime state of the last run is replaced */
	IT_OK(ctr_init(c, 0));
	IT_STATE(c, CTR_STATE_CREATED);
	IT_OK(ctr_start(c, 0));
	IT_STATE(c, CTR_STATE_RUNNING);
	it_take_file("ready", IT_GUARD_MS);
	IT_OK(ctr_kill(c, SIGKILL));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 137);
	IT_STATE(c, CTR_STATE_STOPPED);

	IT_OK(ctr_remove(c, 0));
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_start_runs_from_configured_stopped_and_exited)
{
	ctr_container_t *c = it_sh(it_rt, "exit 3");

	IT_OK(ctr_start(c, 0)); /* CONFIGURED: created and started in one go */
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 3);
	IT_STATE(c, CTR_STATE_STOPPED);

	IT_OK(ctr_start(c, 0)); /* STOPPED */
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 3);
	IT_OK(ctr_cleanup(c));
	IT_STATE(c, CTR_STATE_EXITED);

	IT_OK(ctr_start(c, 0)); /* EXITED */
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 3);
	IT_STATE(c, CTR_STATE_STOPPED);
	IT_OK(ctr_remove(c, 0));
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_restart_runs_a_new_process)
{
	ctr_container_t *c = it_sh(it_rt, IT_GRACEFUL(5));

	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	pid_t first = it_pid(c);

	IT_OK(ctr_restart(c, IT_GUARD_MS / 1000));
	IT_STATE(c, CTR_STATE_RUNNING);
	pid_t second = it_pid(c);
	ck_assert_msg(second > 0 && second != first, "pid %ld after restart, %ld before",
		      (long)second, (long)first);
	ck_assert(it_wait_gone(first, IT_GUARD_MS));
	ck_assert_int_eq(it_exit_code(c), 5); /* the first run's, kept across the restart */
	it_take_file("ready", IT_GUARD_MS);

	IT_OK(ctr_stop(c, 5));
	IT_STATE(c, CTR_STATE_STOPPED);
	IT_OK(ctr_restart(c, 5)); /* from STOPPED: just starts */
	IT_STATE(c, CTR_STATE_RUNNING);
	it_take_file("ready", IT_GUARD_MS);

	IT_OK(ctr_remove(c, CTR_FORCE));
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
}
END_TEST

/* Bring a new container to state want (one of CONFIGURED, CREATED, STOPPED, EXITED). */
static ctr_container_t *container_in(ctr_state_t want)
{
	ctr_container_t *c = it_sh(it_rt, "exit 0");

	if (want == CTR_STATE_CREATED)
		IT_OK(ctr_init(c, 0));
	if (want == CTR_STATE_STOPPED || want == CTR_STATE_EXITED) {
		IT_OK(ctr_start(c, 0));
		ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	}
	if (want == CTR_STATE_EXITED)
		IT_OK(ctr_cleanup(c));
	IT_STATE(c, want);
	return c;
}

START_TEST(test_remove_from_every_allowed_state)
{
	static const ctr_state_t states[] = { CTR_STATE_CONFIGURED, CTR_STATE_CREATED,
					      CTR_STATE_STOPPED, CTR_STATE_EXITED };

	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		ctr_container_t *c = container_in(states[i]), *again = NULL;
		ctr_state_t s;

		IT_OK(ctr_remove(c, 0));
		IT_FAILS(ctr_state(c, &s), CTR_E_REMOVED);
		IT_FAILS(ctr_lookup(it_rt, ctr_name(c), &again), CTR_E_NOENT);
		it_assert_no_traces(ctr_id(c));
		ctr_container_free(c);
	}
	it_assert_no_children();
}
END_TEST

START_TEST(test_remove_of_a_running_container_needs_force)
{
	ctr_config_t *cfg = it_config("trap 'touch /shared/termed; exit 0' TERM; "
				      "touch /shared/ready; " IT_LOOP);
	ck_assert_int_eq(ctr_config_set_stop_timeout(cfg, 3600), 0);
	ctr_container_t *c = it_create(it_rt, cfg);

	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	pid_t pid = it_pid(c);
	IT_REFUSED(ctr_remove(c, 0), CTR_E_STATE, c);
	ck_assert_msg(strstr(ctr_last_error(), "running"), "state not named: %s", ctr_last_error());
	IT_FAILS(ctr_remove(c, 0x80), CTR_E_INVAL);
	IT_STATE(c, CTR_STATE_RUNNING);

	/* Stopped as by ctr_stop(): the stop signal, and done when the container has exited
	 * (waiting out the 1 h stop timeout would outlast the test's time limit). */
	IT_OK(ctr_remove(c, CTR_FORCE));
	ck_assert_msg(it_has_file("termed"), "the forced remove did not send the stop signal");
	ck_assert(it_wait_gone(pid, IT_GUARD_MS));
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
}
END_TEST

/* ---- refusals ------------------------------------------------------------------------------- */

START_TEST(test_state_table_refusals)
{
	ctr_container_t *c = it_sh(it_rt, IT_GRACEFUL(0));
	int code = -7;

	/* CONFIGURED */
	IT_REFUSED(ctr_kill(c, SIGTERM), CTR_E_STATE, c);
	ck_assert_msg(strstr(ctr_last_error(), "configured"), "state not named: %s",
		      ctr_last_error());
	IT_REFUSED(ctr_stop(c, 1), CTR_E_STATE, c);
	IT_REFUSED(ctr_exit_code(c, &code), CTR_E_STATE, c);
	ck_assert_int_eq(code, -7);
	IT_FAILS(ctr_wait_fd(c), CTR_E_STATE);
	IT_OK(ctr_cleanup(c)); /* accepted, nothing to do */
	IT_STATE(c, CTR_STATE_CONFIGURED);

	/* CREATED */
	IT_OK(ctr_init(c, 0));
	IT_REFUSED(ctr_init(c, 0), CTR_E_STATE, c);
	IT_REFUSED(ctr_kill(c, SIGTERM), CTR_E_STATE, c);
	IT_REFUSED(ctr_cleanup(c), CTR_E_STATE, c);
	IT_STATE(c, CTR_STATE_CREATED);

	/* RUNNING */
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	IT_REFUSED(ctr_start(c, 0), CTR_E_STATE, c);
	ck_assert_msg(strstr(ctr_last_error(), "running"), "state not named: %s", ctr_last_error());
	IT_REFUSED(ctr_init(c, 0), CTR_E_STATE, c);
	IT_REFUSED(ctr_cleanup(c), CTR_E_STATE, c);
	IT_FAILS(ctr_kill(c, 0), CTR_E_INVAL);
	IT_FAILS(ctr_kill(c, 65), CTR_E_INVAL);
	IT_FAILS(ctr_kill(c, -1), CTR_E_INVAL);
	IT_FAILS(ctr_wait_condition(c, CTR_STATE_UNKNOWN, 0), CTR_E_INVAL);
	IT_FAILS(ctr_wait_condition(c, (ctr_state_t)99, 0), CTR_E_INVAL);
	IT_STATE(c, CTR_STATE_RUNNING);
	pid_t pid = it_pid(c);
	ck_assert_msg(pid > 0 && it_alive(pid), "RUNNING: pid %ld", (long)pid);

	/* STOPPED */
	IT_OK(ctr_stop(c, 5));
	IT_REFUSED(ctr_stop(c, 5), CTR_E_STOPPED, c);
	IT_REFUSED(ctr_kill(c, SIGTERM), CTR_E_STATE, c);
	ck_assert_msg(strstr(ctr_last_error(), "stopped"), "state not named: %s", ctr_last_error());
	IT_STATE(c, CTR_STATE_STOPPED);

	/* EXITED */
	IT_OK(ctr_cleanup(c));
	IT_REFUSED(ctr_stop(c, 5), CTR_E_STOPPED, c);
	IT_REFUSED(ctr_kill(c, SIGKILL), CTR_E_STATE, c);
	IT_OK(ctr_cleanup(c));
	IT_STATE(c, CTR_STATE_EXITED);

	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

/* A start that finds the CREATED container's process dead (another process's stop killed
 * it, and the monitor has not recorded the exit yet) is refused for the state, not blamed
 * on the runtime ("container process is already dead"). The monitor is held stopped to
 * keep that moment. */
START_TEST(test_a_start_after_its_process_was_killed_is_a_state_error)
{
	ctr_container_t *c = it_sh(it_rt, IT_LOOP);

	IT_OK(ctr_init(c, 0));
	pid_t pid = it_pid(c), monitor = (pid_t)it_state_int(c, "monitor_pid");
	ck_assert_int_eq(kill(monitor, SIGSTOP), 0);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert(it_wait_gone(pid, IT_GUARD_MS));
	IT_REFUSED(ctr_start(c, 0), CTR_E_STATE, c);
	ck_assert_int_eq(kill(monitor, SIGCONT), 0);
	IT_OK(ctr_wait_condition(c, CTR_STATE_STOPPED, IT_GUARD_MS));
	ck_assert_int_eq(it_exit_code(c), 137);
	IT_OK(ctr_remove(c, 0));
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_removed_handles_say_removed)
{
	ctr_container_t *c = it_sh(it_rt, "exit 0"), *other = NULL;
	ctr_state_t s;
	pid_t pid;
	int code;
	char *json = NULL;

	IT_OK(ctr_lookup(it_rt, ctr_name(c), &other));
	IT_OK(ctr_remove(c, 0));
	ctr_container_t *handles[] = { c, other };
	for (int i = 0; i < 2; i++) {
		ctr_container_t *h = handles[i];
		IT_REFUSED(ctr_state(h, &s), CTR_E_REMOVED, h);
		IT_FAILS(ctr_init(h, 0), CTR_E_REMOVED);
		IT_FAILS(ctr_start(h, 0), CTR_E_REMOVED);
		IT_FAILS(ctr_stop(h, 1), CTR_E_REMOVED);
		IT_FAILS(ctr_kill(h, SIGTERM), CTR_E_REMOVED);
		IT_FAILS(ctr_restart(h, 1), CTR_E_REMOVED);
		IT_FAILS(ctr_wait(h, 0, &code), CTR_E_REMOVED);
		IT_FAILS(ctr_wait(h, 100, &code), CTR_E_REMOVED);
		IT_FAILS(ctr_wait_condition(h, CTR_STATE_RUNNING, 100), CTR_E_REMOVED);
		IT_FAILS(ctr_wait_fd(h), CTR_E_REMOVED);
		IT_FAILS(ctr_cleanup(h), CTR_E_REMOVED);
		IT_FAILS(ctr_sync(h), CTR_E_REMOVED);
		IT_FAILS(ctr_pid(h, &pid), CTR_E_REMOVED);
		IT_FAILS(ctr_exit_code(h, &code), CTR_E_REMOVED);
		IT_FAILS(ctr_inspect(h, &json), CTR_E_REMOVED);
		IT_FAILS(ctr_remove(h, 0), CTR_E_REMOVED);
		IT_FAILS(ctr_remove(h, CTR_FORCE), CTR_E_REMOVED);
	}
	ck_assert_ptr_null(json);
	ctr_container_free(other);
	ctr_container_free(c);
}
END_TEST

/* ---- exit codes and signals ----------------------------------------------------------------- */

START_TEST(test_exit_code_is_kept_across_cleanup)
{
	ctr_container_t *c = it_sh(it_rt, "exit 42");
	int code = -1;

	IT_OK(ctr_start(c, 0));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 42);
	ck_assert_int_eq(it_exit_code(c), 42);
	IT_STATE(c, CTR_STATE_STOPPED);
	ck_assert_int_eq(it_pid(c), 0);
	if (it_state_has(c, "signal"))
		ck_assert_int_eq(it_state_int(c, "signal"), 0);

	IT_OK(ctr_cleanup(c));
	IT_STATE(c, CTR_STATE_EXITED);
	ck_assert_int_eq(it_exit_code(c), 42);
	IT_OK(ctr_wait(c, 0, &code));
	ck_assert_int_eq(code, 42);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_sigkill_gives_137)
{
	ctr_container_t *c = it_sh(it_rt, IT_STUBBORN);

	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	IT_OK(ctr_kill(c, SIGKILL));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 137);
	ck_assert_int_eq(it_exit_code(c), 137);
	ck_assert_int_eq(it_state_int(c, "signal"), SIGKILL);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_an_uncaught_signal_gives_128_plus_n)
{
	/* The init of a pid namespace ignores signals it has no handler for, so the process
	 * shares the host's pid namespace here (every namespace of the default but pid). */
	ctr_config_t *cfg = it_config("touch /shared/ready; exec sleep 1000");
	ck_assert_int_eq(
	    ctr_config_set_spec_override(cfg, "{\"linux\":{\"namespaces\":[{\"type\":\"ipc\"},"
					      "{\"type\":\"uts\"},{\"type\":\"mount\"},"
					      "{\"type\":\"network\"},{\"type\":\"cgroup\"}]}}"),
	    0);
	ctr_container_t *c = it_create(it_rt, cfg);

	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	IT_OK(ctr_kill(c, SIGUSR1));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 128 + SIGUSR1);
	ck_assert_int_eq(it_state_int(c, "signal"), SIGUSR1);
	IT_OK(ctr_remove(c, 0));
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
}
END_TEST

/* A short run's finished_at (the monitor's clock at the exit) is never before its
 * started_at, which was taken after the runtime had started the process: 6 of 30 runs of
 * /bin/true were. Both ways to run: `run` from STOPPED, `start` of a CREATED container. */
START_TEST(test_a_short_run_finishes_after_it_started)
{
	const char *const truth[] = { "/bin/true", NULL };
	ctr_config_t *cfg = it_config("unused");
	ck_assert_int_eq(ctr_config_set_args(cfg, truth), 0);
	ctr_container_t *c = it_create(it_rt, cfg);

	for (int i = 0; i < 30; i++) {
		if (i % 2)
			IT_OK(ctr_init(c, 0));
		IT_OK(ctr_start(c, 0));
		ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
		long long started = it_state_int(c, "started_at");
		long long finished = it_state_int(c, "finished_at");
		ck_assert_msg(finished >= started, "run %d finished %lld ns before it started", i,
			      started - finished);
	}
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

/* Run c to its end and let its monitor's delete finish; then make what runc leaves behind
 * now and then on cgroup v1: an empty directory of c in every hierarchy that has libctr's
 * (one with a directory below it). Returns how many were made. */
static int run_and_leave_cgroups(ctr_container_t *c)
{
	char path[4096], runtime_state[4096];
	struct dirent *e;
	int made = 0;

	IT_OK(ctr_start(c, 0));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	snprintf(runtime_state, sizeof(runtime_state), "%s/run/runtime/%s", it_base(), ctr_id(c));
	for (double t0 = it_now(); access(runtime_state, F_OK) == 0; it_sleep_ms(10))
		ck_assert_msg(it_now() - t0 < 10, "the monitor did not delete %s", runtime_state);
	it_assert_no_procs_with(ctr_id(c));
	DIR *d = opendir("/sys/fs/cgroup");
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/libctr/%s", e->d_name, ctr_id(c));
		if (mkdir(path, 0755) == 0 && made++ == 0) {
			strcat(path, "/below");
			ck_assert_msg(mkdir(path, 0755) == 0, "mkdir %s: %s", path,
				      strerror(errno));
		}
	}
	if (d)
		closedir(d);
	return made;
}

/* The cleanup (and the remove) take the empty cgroup directories runc left, in every
 * hierarchy: they were left behind now and then. */
START_TEST(test_cleanup_leaves_no_cgroup_directory)
{
	ctr_container_t *c = it_sh(it_rt, "exit 0");
	char left[4096];

	ck_assert_msg(run_and_leave_cgroups(c) > 0, "no cgroup hierarchy with libctr's directory");
	IT_OK(ctr_cleanup(c));
	ck_assert_msg(!it_cgroup_left(ctr_id(c), left, sizeof(left)), "cgroup left: %s", left);
	ck_assert_msg(run_and_leave_cgroups(c) > 0, "no cgroup hierarchy with libctr's directory");
	IT_OK(ctr_remove(c, 0));
	ck_assert_msg(!it_cgroup_left(ctr_id(c), left, sizeof(left)), "cgroup left: %s", left);
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
}
END_TEST

/* ---- stop ----------------------------------------------------------------------------------- */

START_TEST(test_stop_escalates_to_sigkill_after_the_timeout)
{
	/* stop timeout 1 s; stubborn, but a SIGTERM leaves /shared/termed */
	ctr_container_t *c =
	    it_sh(it_rt, "trap 'touch /shared/termed' TERM; touch /shared/ready; " IT_LOOP);

	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	double t0 = it_now();
	IT_OK(ctr_stop(c, -1));
	double took = it_now() - t0;
	ck_assert_msg(took >= 0.9, "stop with a 1 s timeout returned after %.2f s", took);
	IT_STATE(c, CTR_STATE_STOPPED);
	ck_assert_int_eq(it_exit_code(c), 137);
	ck_assert_int_eq(it_state_int(c, "signal"), SIGKILL);
	if (it_has_file("termed")) /* the trap may or may not have run before the SIGKILL */
		it_take_file("termed", 0);

	/* timeout 0: SIGKILL at once, no SIGTERM first */
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	IT_OK(ctr_stop(c, 0));
	ck_assert_int_eq(it_exit_code(c), 137);
	ck_assert_int_eq(it_state_int(c, "signal"), SIGKILL);
	ck_assert_msg(!it_has_file("termed"), "stop with timeout 0 sent SIGTERM first");
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_graceful_stop_keeps_the_exit_code)
{
	ctr_config_t *cfg = it_config(IT_GRACEFUL(7));
	/* the stop returns at the exit: waiting out 1 h would outlast the test's time limit */
	ck_assert_int_eq(ctr_config_set_stop_timeout(cfg, 3600), 0);
	ctr_container_t *c = it_create(it_rt, cfg);

	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	IT_OK(ctr_stop(c, -1));
	IT_STATE(c, CTR_STATE_STOPPED);
	ck_assert_int_eq(it_exit_code(c), 7);
	if (it_state_has(c, "signal"))
		ck_assert_int_eq(it_state_int(c, "signal"), 0);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_stop_sends_the_configured_stop_signal)
{
	ctr_config_t *cfg = it_config("trap 'exit 8' USR1; touch /shared/ready; " IT_LOOP);
	ck_assert_int_eq(ctr_config_set_stop_signal(cfg, SIGUSR1), 0);
	ck_assert_int_eq(ctr_config_set_stop_timeout(cfg, 3600), 0); /* as above */
	ctr_container_t *c = it_create(it_rt, cfg);

	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	IT_OK(ctr_stop(c, -1));
	ck_assert_int_eq(it_exit_code(c), 8);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

/* In a child process: ctr_stop(container id, configured timeout). */
static int op_stop(ctr_container_t *c)
{
	return ctr_stop(c, -1);
}

static int stop_main(void *id)
{
	return it_child_op(NULL, id, "stop", op_stop);
}

START_TEST(test_a_stop_timeout_blocks_no_other_caller)
{
	ctr_config_t *cfg = it_config("trap '' TERM; touch /shared/ready; "
				      "while [ ! -e /shared/go ]; do sleep 0.02; done; exit 33");
	/* 1 h: a call blocked until the stopper's timeout, or a stop waiting it out after the
	 * exit, outlasts the test's time limit */
	ck_assert_int_eq(ctr_config_set_stop_timeout(cfg, 3600), 0);
	ctr_container_t *c = it_create(it_rt, cfg);

	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	pid_t stopper = it_fork(stop_main, (void *)ctr_id(c));
	it_sleep_ms(300);

	/* While the other process waits out the timeout: read, signal, wait. */
	IT_STATE(c, CTR_STATE_RUNNING);
	IT_OK(ctr_kill(c, SIGUSR2));
	IT_FAILS(ctr_wait(c, 100, NULL), CTR_E_TIMEOUT);

	it_touch("go"); /* the container exits by itself before the timeout */
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 33);
	IT_STATE(c, CTR_STATE_STOPPED);
	ck_assert_int_eq(it_exit_code(c), 33);
	ck_assert_int_eq(it_join(stopper, IT_GUARD_MS), 0); /* at the exit, not after 1 h */
	IT_STATE(c, CTR_STATE_STOPPED);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

/* In a child process: ctr_stop(container id, INT_MAX). */
static int op_stop_longest(ctr_container_t *c)
{
	return ctr_stop(c, INT_MAX);
}

static int stop_longest_main(void *id)
{
	return it_child_op(NULL, id, "stop", op_stop_longest);
}

/* The longest timeout is a long wait: its milliseconds overflowed an int (INT_MAX * 1000
 * became -1000), and the stop sent SIGKILL right after the stop signal. */
START_TEST(test_the_longest_stop_timeout_waits)
{
	ctr_container_t *c =
	    it_sh(it_rt, "trap 'touch /shared/term' TERM; touch /shared/ready; "
			 "while [ ! -e /shared/go ]; do sleep 0.02; done; exit 33");

	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	pid_t stopper = it_fork(stop_longest_main, (void *)ctr_id(c));
	it_take_file("term", IT_GUARD_MS); /* the stop signal came, and did not end it */
	it_sleep_ms(500);	     /* time for a wrongly short wait to escalate */
	IT_STATE(c, CTR_STATE_RUNNING);
	it_touch("go");
	ck_assert_int_eq(it_join(stopper, IT_GUARD_MS), 0);
	IT_STATE(c, CTR_STATE_STOPPED);
	ck_assert_int_eq(it_exit_code(c), 33); /* its own exit, not SIGKILL's 137 */
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

Suite *suite_lifecycle(void)
{
	Suite *s = suite_create("lifecycle");
	TCase *tc = tcase_create("states");

	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_init_start_stop_cleanup_walk_every_state);
	tcase_add_test(tc, test_start_runs_from_configured_stopped_and_exited);
	tcase_add_test(tc, test_restart_runs_a_new_process);
	tcase_add_test(tc, test_remove_from_every_allowed_state);
	tcase_add_test(tc, test_remove_of_a_running_container_needs_force);
	tcase_add_test(tc, test_state_table_refusals);
	tcase_add_test(tc, test_removed_handles_say_removed);
	tcase_add_test(tc, test_a_start_after_its_process_was_killed_is_a_state_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("exit");
	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_exit_code_is_kept_across_cleanup);
	tcase_add_test(tc, test_a_short_run_finishes_after_it_started);
	tcase_add_test(tc, test_cleanup_leaves_no_cgroup_directory);
	tcase_add_test(tc, test_sigkill_gives_137);
	tcase_add_test(tc, test_an_uncaught_signal_gives_128_plus_n);
	tcase_add_test(tc, test_stop_escalates_to_sigkill_after_the_timeout);
	tcase_add_test(tc, test_graceful_stop_keeps_the_exit_code);
	tcase_add_test(tc, test_stop_sends_the_configured_stop_signal);
	tcase_add_test(tc, test_a_stop_timeout_blocks_no_other_caller);
	tcase_add_test(tc, test_the_longest_stop_timeout_waits);
	suite_add_tcase(s, tc);
	return s;
}
