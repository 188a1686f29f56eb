/* Exec sessions (ops/exec.c) with the monitor and the fake runtime over host-runtime, so
 * without root: exit codes and output, the environment and working directory, the sessions'
 * states (create, start, wait, kill, remove, list), their durable exit codes, a session that
 * outlives its caller, and refusals. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests.h"
#include "testutil.h"
#include "util.h"

#include "../fixtures/exec_story.h"

static ctr_container_t *running(void)
{
	ctr_container_t *c = tu_sh(tu_host_rt, "touch ready; " TU_LOOP);

	TU_OK(ctr_start(c, 0));
	tu_take_file("ready");
	return c;
}

static size_t sessions(ctr_container_t *c)
{
	char **ids = NULL;
	size_t n = 0;
	int r = ctr_exec_list(c, &ids, &n);

	ck_assert_msg(r == 0, "ctr_exec_list: %d %s", r, ctr_last_error());
	ctr_strv_free(ids);
	return n;
}

/* ---- one-shot exec -------------------------------------------------------------------- */

START_TEST(test_exec_gives_the_exit_code_and_output_and_leaves_no_session)
{
	ctr_container_t *c = running();
	const char *const argv[] = { "sh", "-c", "echo out; echo err >&2; exit 7", NULL };
	const char *const truth[] = { "true", NULL };
	ctr_exec_opts_t o = exec_opts(argv);
	int code = -1;

	char *out = exec_output(c, &o, &code, TU_GUARD_MS);
	ck_assert_int_eq(code, 7);
	ck_assert_str_eq(out, "out\nerr\n");
	free(out);
	o = exec_opts(truth);
	TU_OK(ctr_exec(c, &o, &code));
	ck_assert_int_eq(code, 0);
	ck_assert_uint_eq(sessions(c), 0);
	TU_OK(ctr_remove(c, CTR_FORCE));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_exec_env_and_cwd_reach_the_process)
{
	ctr_container_t *c = running();
	const char *const argv[] = { "sh", "-c", "echo $FOO; pwd", NULL };
	const char *const env[] = { "FOO=bar", NULL };
	ctr_exec_opts_t o = exec_opts(argv);
	char *cwd = tu_path("rootfs"), *want = NULL;
	int code = -1;

	o.env = env;
	o.cwd = cwd;
	char *out = exec_output(c, &o, &code, TU_GUARD_MS);
	ck_assert_int_eq(code, 0);
	want = ctri_strdupf("bar\n%s\n", cwd);
	ck_assert_str_eq(out, want);
	free(want);
	free(out);
	free(cwd);
	TU_OK(ctr_remove(c, CTR_FORCE));
	ctr_container_free(c);
}
END_TEST

/* ---- sessions ------------------------------------------------------------------------- */

static ctr_runtime_t *reopen(void)
{
	return tu_host_runtime(0);
}

START_TEST(test_exec_sessions_walk_their_states)
{
	ctr_container_t *c = running();
	const char *const argv[] = { "sleep", "30", NULL };
	ctr_exec_opts_t o = exec_opts(argv);

	story_exec_sessions(c, &o, reopen, TU_GUARD_MS);
	ck_assert_uint_eq(sessions(c), 0);
	TU_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_a_session_outlives_the_process_that_started_it)
{
	ctr_container_t *c = running();
	const char *const argv[] = { "sh", "-c", "while [ ! -e go ]; do sleep 0.02; done; exit 9",
				     NULL };
	int p[2], code = -1;
	char eid[64] = "";

	ck_assert_int_eq(pipe(p), 0);
	pid_t child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		ctr_runtime_t *own = tu_host_runtime(0);
		ctr_container_t *same = NULL;
		ctr_exec_opts_t o = exec_opts(argv);
		char *id = NULL;
		close(p[0]);
		o.cwd = tu_base();
		int r = ctr_lookup(own, ctr_id(c), &same);
		if (r == 0 && (r = ctr_exec_create(same, &o, &id)) == 0)
			r = ctr_exec_start(same, id);
		if (r < 0)
			fprintf(stderr, "exec start in a child: %d %s\n", r, ctr_last_error());
		else if (write(p[1], id, strlen(id)) != (ssize_t)strlen(id))
			r = -1;
		free(id); /* nothing left behind: the child runs under valgrind too */
		ctr_container_free(same);
		ctr_container_free(c); /* the parent's copy */
		ctr_runtime_close(own);
		_exit(r < 0);
	}
	close(p[1]);
	int status;
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the starter failed: %#x",
		      status);
	ck_assert_int_gt(read(p[0], eid, sizeof(eid) - 1), 0);
	close(p[0]);

	TU_FAILS(ctr_exec_wait(c, eid, 0, &code), CTR_E_TIMEOUT); /* its starter is gone */
	char *go = tu_path("go");
	FILE *f = fopen(go, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	free(go);
	TU_OK(ctr_exec_wait(c, eid, TU_GUARD_MS, &code));
	ck_assert_int_eq(code, 9);
	TU_OK(ctr_remove(c, CTR_FORCE));
	ctr_container_free(c);
}
END_TEST

/* ---- refusals ------------------------------------------------------------------------- */

START_TEST(test_exec_is_refused_unless_the_container_runs)
{
	ctr_container_t *c = tu_sh(tu_host_rt, "touch ready; " TU_LOOP);
	const char *const argv[] = { "true", NULL };
	ctr_exec_opts_t o = exec_opts(argv);
	char *id = NULL;
	int code = -1;

	TU_FAILS(ctr_exec(c, &o, &code), CTR_E_STATE); /* CONFIGURED */
	TU_OK(ctr_init(c, 0));
	TU_FAILS(ctr_exec_create(c, &o, &id), CTR_E_STATE); /* CREATED */
	TU_OK(ctr_start(c, 0));
	tu_take_file("ready");
	TU_OK(ctr_pause(c));
	TU_FAILS(ctr_exec(c, &o, &code), CTR_E_STATE); /* PAUSED */
	TU_OK(ctr_unpause(c));
	TU_OK(ctr_exec_create(c, &o, &id)); /* RUNNING */
	TU_OK(ctr_stop(c, 0));
	TU_FAILS(ctr_exec_start(c, id), CTR_E_STATE); /* STOPPED */
	TU_OK(ctr_remove(c, 0));
	free(id);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_exec_of_a_missing_command_is_a_runtime_error)
{
	ctr_container_t *c = running();
	const char *const argv[] = { "/nonexistent/command", NULL };
	ctr_exec_opts_t o = exec_opts(argv);
	int code = -1;

	TU_FAILS(ctr_exec(c, &o, &code), CTR_E_RUNTIME);
	TU_SAYS("/nonexistent/command");
	TU_STATE(c, CTR_STATE_RUNNING);
	TU_OK(ctr_remove(c, CTR_FORCE));
	ctr_container_free(c);
}
END_TEST

/* A session that ended while nobody looked shows "exited" with its code in ctr_inspect(),
 * which records the exit (before: "running" until the next call on the session). */
START_TEST(test_inspect_records_the_exit_of_a_session_nobody_waited_for)
{
	ctr_container_t *c = running();
	const char *const argv[] = { "sh", "-c", "exit 5", NULL };
	ctr_exec_opts_t o = exec_opts(argv);
	char *id = NULL, *text = NULL, want[64];

	TU_OK(ctr_exec_create(c, &o, &id));
	TU_OK(ctr_exec_start(c, id));
	snprintf(want, sizeof(want), "\"id\":\"%s\",", id);
	for (int waited = 0;; waited += 50) {
		TU_OK(ctr_inspect(c, &text));
		const char *s = strstr(text, want);
		ck_assert_msg(s, "no session %s in %s", id, text);
		if (strstr(s, "\"state\":\"exited\""))
			break;
		ck_assert_msg(waited < TU_GUARD_MS, "the session still shows running: %s", text);
		ctr_free(text);
		usleep(50 * 1000);
	}
	const char *s = strstr(text, want);
	ck_assert_msg(strstr(s, "\"exit_code\":5"), "%s", text);
	ck_assert_msg(strstr(s, "\"monitor_pid\":") && !strstr(text, "mon_pid"), "%s", text);
	ctr_free(text);
	int code = -1;
	TU_OK(ctr_exec_wait(c, id, 0, &code)); /* the record says so too */
	ck_assert_int_eq(code, 5);
	ctr_free(id);
	TU_OK(ctr_remove(c, CTR_FORCE));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_listing_the_sessions_of_a_removed_container_says_so)
{
	ctr_container_t *c = tu_sh(tu_host_rt, "true");
	char **ids = NULL;
	size_t n = 0;

	TU_OK(ctr_remove(c, 0));
	TU_FAILS(ctr_exec_list(c, &ids, &n), CTR_E_REMOVED);
	ck_assert_ptr_null(ids);
	ctr_container_free(c);
}
END_TEST

Suite *suite_exec(void)
{
	Suite *s = suite_create("exec");
	TCase *tc = tcase_create("exec");

	tu_add_host_fixtures(tc);
	tcase_add_test(tc, test_exec_gives_the_exit_code_and_output_and_leaves_no_session);
	tcase_add_test(tc, test_exec_env_and_cwd_reach_the_process);
	tcase_add_test(tc, test_exec_of_a_missing_command_is_a_runtime_error);
	tcase_add_test(tc, test_exec_is_refused_unless_the_container_runs);
	tcase_add_test(tc, test_listing_the_sessions_of_a_removed_container_says_so);
	tcase_add_test(tc, test_inspect_records_the_exit_of_a_session_nobody_waited_for);
	suite_add_tcase(s, tc);

	tc = tcase_create("sessions");
	tu_add_host_fixtures(tc);
	tcase_add_test(tc, test_exec_sessions_walk_their_states);
	tcase_add_test(tc, test_a_session_outlives_the_process_that_started_it);
	suite_add_tcase(s, tc);
	return s;
}
