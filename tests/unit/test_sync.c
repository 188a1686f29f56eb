/* Syncing the record with reality (sync/sync.c) with the monitor and the fake runtime over
 * host-runtime, so without root: the exit file taken once, a monitor lost with its container
 * running or already gone, the runtime's own view asked by ctr_sync, and an operation whose
 * caller died finished by the next caller under the lock. */
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor_client.h"
#include "runtime.h"
#include "state.h"
#include "tests.h"
#include "testutil.h"
#include "util.h"

/* The state record as it is stored, without a sync. */
static struct ctri_st record(ctr_container_t *c)
{
	struct ctri_st st;

	TU_OK(ctri_st_load(c, "test", &st));
	return st;
}

/* Whether pid is gone or a zombie, within TU_GUARD_MS. */
static int gone(pid_t pid)
{
	for (int waited = 0; waited < TU_GUARD_MS; waited += 10) {
		char path[64], *text = NULL, *paren;
		size_t len;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		if (ctri_read_file(path, 4096, &text, &len) < 0)
			return 1;
		int zombie = (paren = strrchr(text, ')')) && paren[1] && paren[2] == 'Z';
		free(text);
		if (zombie)
			return 1;
		usleep(10000);
	}
	return 0;
}

/* A running container and its monitor's pid. */
static ctr_container_t *running(pid_t *monitor)
{
	ctr_container_t *c = tu_sh(tu_host_rt, "touch ready; " TU_LOOP);

	TU_OK(ctr_start(c, 0));
	tu_take_file("ready");
	*monitor = record(c).mon_pid;
	ck_assert_msg(*monitor > 0 && kill(*monitor, 0) == 0, "monitor_pid %ld", (long)*monitor);
	return c;
}

/* ---- the exit file -------------------------------------------------------------------- */

START_TEST(test_the_exit_file_becomes_the_state_and_is_taken_once)
{
	ctr_container_t *c = tu_sh(tu_host_rt, "exit 9"), *other = NULL;
	int code = -1;

	TU_OK(ctr_start(c, 0));
	TU_OK(ctr_wait_condition(c, CTR_STATE_STOPPED, TU_GUARD_MS));
	TU_OK(ctr_exit_code(c, &code));
	ck_assert_int_eq(code, 9);
	struct ctri_st st = record(c);
	ck_assert_int_eq(st.state, CTR_STATE_STOPPED);
	ck_assert_int_eq(st.has_exit, 1);
	ck_assert_int_eq(st.monitor_lost, 0);
	ck_assert_int_eq(st.pid, 0);
	ck_assert_msg(ctri_exit_exists(c) == 0, "the exit file is still there");

	/* another handle reads the stored exit code: the file is gone, the store has it */
	TU_OK(ctr_lookup(tu_host_rt, ctr_id(c), &other));
	code = -1;
	TU_OK(ctr_exit_code(other, &code));
	ck_assert_int_eq(code, 9);
	TU_STATE(other, CTR_STATE_STOPPED);
	ctr_container_free(other);
	TU_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

/* ---- a lost monitor ------------------------------------------------------------------- */

START_TEST(test_a_killed_monitor_stops_its_container)
{
	for (int use_sync = 0; use_sync < 2; use_sync++) {
		pid_t monitor;
		ctr_container_t *c = running(&monitor);
		pid_t pid = record(c).pid;

		ck_assert_int_eq(kill(monitor, SIGKILL), 0);
		ck_assert(gone(monitor));
		if (use_sync)
			TU_OK(ctr_sync(c));
		TU_STATE(c, CTR_STATE_STOPPED); /* a read syncs too */
		struct ctri_st st = record(c);
		ck_assert_int_eq(st.monitor_lost, 1);
		ck_assert_int_eq(st.exit_code, 137);
		ck_assert_int_eq(st.signal, SIGKILL);
		ck_assert_msg(gone(pid), "the container's process %ld still runs", (long)pid);
		ck_assert_int_eq(tu_wait(c), 137);

		/* it runs again under a new monitor */
		TU_OK(ctr_start(c, 0));
		tu_take_file("ready");
		TU_STATE(c, CTR_STATE_RUNNING);
		ck_assert_int_eq(record(c).monitor_lost, 0);
		TU_OK(ctr_remove(c, CTR_FORCE));
		ctr_container_free(c);
	}
}
END_TEST

/* The monitor dies after its container, before writing the exit file (held stopped, then
 * killed): the exit code is lost (-1), and the record says so. */
START_TEST(test_a_monitor_lost_after_its_container_records_a_lost_exit_code)
{
	pid_t monitor;
	ctr_container_t *c = running(&monitor);
	pid_t pid = record(c).pid;
	int code = 0;

	ck_assert_int_eq(kill(monitor, SIGSTOP), 0);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert(gone(pid));
	ck_assert_int_eq(kill(monitor, SIGKILL), 0);
	ck_assert(gone(monitor));
	TU_STATE(c, CTR_STATE_STOPPED);
	struct ctri_st st = record(c);
	ck_assert_int_eq(st.monitor_lost, 1);
	TU_OK(ctr_exit_code(c, &code));
	ck_assert_int_eq(code, -1);
	TU_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

/* ---- the runtime asked ---------------------------------------------------------------- */

/* host-runtime SUBCOMMAND on c, behind the library's back. */
static void runtime_call(ctr_container_t *c, const char *sub)
{
	const char *argv[] = {
		getenv("FAKE_RUNTIME_REAL"), "--root", tu_host_rt->runtime_root, sub, ctr_id(c), NULL
	};
	extern char **environ;
	pid_t pid;
	int status;

	ck_assert_int_eq(posix_spawn(&pid, argv[0], NULL, NULL, (char **)argv, environ), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "host-runtime %s failed", sub);
}

START_TEST(test_sync_asks_the_runtime_and_a_read_does_not)
{
	pid_t monitor;
	ctr_container_t *c = running(&monitor);

	runtime_call(c, "pause");
	TU_STATE(c, CTR_STATE_RUNNING); /* reads look at the monitor and the exit file only */
	TU_OK(ctr_sync(c));
	TU_STATE(c, CTR_STATE_PAUSED);
	runtime_call(c, "resume");
	TU_OK(ctr_sync(c));
	TU_STATE(c, CTR_STATE_RUNNING);
	TU_OK(ctr_remove(c, CTR_FORCE));
	ctr_container_free(c);
}
END_TEST

/* ---- a caller that died --------------------------------------------------------------- */

/* The pid of the first call of sub in the fake runtime's log, waiting for it. */
static pid_t logged_call(const char *log, const char *sub)
{
	for (int waited = 0; waited < TU_GUARD_MS; waited += 10) {
		FILE *f = fopen(log, "re");
		char name[64];
		int pid;
		while (f && fscanf(f, "%d %63s", &pid, name) == 2)
			if (!strcmp(name, sub)) {
				fclose(f);
				return (pid_t)pid;
			}
		if (f)
			fclose(f);
		usleep(10000);
	}
	ck_abort_msg("the runtime's %s was not called", sub);
	return 0;
}

/* A ctr_start of the container id by another process, whose runtime `start` hangs; the
 * caller is killed there, holding the lock, and the hung call after it. The next caller
 * finds the container CREATED, as the runtime has it, and can start it. */
START_TEST(test_a_start_whose_caller_died_is_recovered_by_the_next_caller)
{
	ctr_container_t *c = tu_sh(tu_host_rt, "touch ready; " TU_LOOP);
	char *log = tu_path("fake.log");

	TU_OK(ctr_init(c, 0));
	pid_t created = record(c).pid;
	setenv("FAKE_RUNTIME_LOG", log, 1);
	setenv("FAKE_RUNTIME_HANG", "start", 1);
	pid_t child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		ctr_runtime_t *own = tu_host_runtime(0);
		ctr_container_t *same = NULL;
		_exit(ctr_lookup(own, ctr_id(c), &same) == 0 && ctr_start(same, 0) == 0 ? 0 : 1);
	}
	pid_t hung = logged_call(log, "start");
	ck_assert_int_eq(kill(child, SIGKILL), 0);
	ck_assert_int_eq(waitpid(child, NULL, 0), child);
	kill(hung, SIGKILL);
	unsetenv("FAKE_RUNTIME_HANG");
	unsetenv("FAKE_RUNTIME_LOG");

	ck_assert_int_eq(record(c).has_owner, 1); /* the dead caller's mark */
	TU_STATE(c, CTR_STATE_CREATED);
	struct ctri_st st = record(c);
	ck_assert_int_eq(st.has_owner, 0);
	ck_assert_int_eq(st.pid, created);
	TU_OK(ctr_start(c, 0));
	tu_take_file("ready");
	TU_STATE(c, CTR_STATE_RUNNING);
	TU_OK(ctr_remove(c, CTR_FORCE));
	free(log);
	ctr_container_free(c);
}
END_TEST

Suite *suite_sync(void)
{
	Suite *s = suite_create("sync");
	TCase *tc = tcase_create("exit_file");

	tu_add_host_fixtures(tc);
	tcase_add_test(tc, test_the_exit_file_becomes_the_state_and_is_taken_once);
	suite_add_tcase(s, tc);

	tc = tcase_create("monitor_lost");
	tu_add_host_fixtures(tc);
	tcase_add_test(tc, test_a_killed_monitor_stops_its_container);
	tcase_add_test(tc, test_a_monitor_lost_after_its_container_records_a_lost_exit_code);
	suite_add_tcase(s, tc);

	tc = tcase_create("reconcile");
	tu_add_host_fixtures(tc);
	tcase_add_test(tc, test_sync_asks_the_runtime_and_a_read_does_not);
	tcase_add_test(tc, test_a_start_whose_caller_died_is_recovered_by_the_next_caller);
	suite_add_tcase(s, tc);
	return s;
}
