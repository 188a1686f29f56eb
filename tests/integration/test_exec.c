/* Exec sessions with real runc: exit codes, env, cwd, user, terminal, resize, preserved
 * descriptors, privileges, the session API, sessions outliving their caller, many execs
 * in a row and in parallel, execs racing the container's end, and bad input. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"

#include "../fixtures/exec_story.h"

static ctr_container_t *running(void)
{
	ctr_container_t *c = it_sh(it_rt, IT_GRACEFUL(0));

	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	return c;
}

START_TEST(test_exec_exit_codes)
{
	ctr_container_t *c = running();
	const char *const argv[] = { "sh", "-c", "exit 7", NULL };
	const char *const truth[] = { "true", NULL };
	ctr_exec_opts_t o = exec_opts(argv);
	int code = -1;

	IT_OK(ctr_exec(c, &o, &code));
	ck_assert_int_eq(code, 7);
	o = exec_opts(truth);
	IT_OK(ctr_exec(c, &o, &code));
	ck_assert_int_eq(code, 0);
	char **ids = NULL;
	size_t n_ids;
	ck_assert_int_eq(ctr_exec_list(c, &ids, &n_ids), 0);
	ck_assert_uint_eq(n_ids, 0); /* ctr_exec removes its session */
	ctr_strv_free(ids);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_exec_env_cwd_user)
{
	ctr_container_t *c = running();
	const char *const argv[] = { "sh", "-c", "echo $FOO $HOME; pwd; id -u; id -g", NULL };
	const char *const env[] = { "FOO=bar", "HOME=/nowhere", NULL };
	ctr_exec_opts_t o = exec_opts(argv);
	int code = -1;

	o.env = env;
	o.cwd = "/tmp";
	o.user = "1000:1001";
	char *out = exec_output(c, &o, &code, IT_GUARD_MS);
	ck_assert_int_eq(code, 0);
	ck_assert_str_eq(out, "bar /nowhere\n/tmp\n1000\n1001\n");
	free(out);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_exec_tty_and_resize)
{
	ctr_container_t *c = running();
	const char *const tty[] = { "tty", NULL };
	ctr_exec_opts_t o = exec_opts(tty);
	int code = -1;

	o.terminal = 1;
	char *out = exec_output(c, &o, &code, IT_GUARD_MS);
	ck_assert_int_eq(code, 0);
	ck_assert_msg(!strncmp(out, "/dev/pts/", 9), "tty printed '%s'", out);
	free(out);

	/* A running terminal session is resized; stty inside sees it. */
	const char *const size[] = { "sh", "-c", "sleep 0.5; stty size", NULL };
	o = exec_opts(size);
	o.terminal = 1;
	int p[2];
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	o.stdout_fd = p[1];
	char *eid = NULL;
	IT_OK(ctr_exec_create(c, &o, &eid));
	close(p[1]); /* the handle holds its own copy until the start */
	IT_OK(ctr_exec_start(c, eid));
	IT_OK(ctr_exec_resize(c, eid, 40, 100));
	IT_OK(ctr_exec_wait(c, eid, IT_GUARD_MS, &code));
	out = exec_read_all(p[0], IT_GUARD_MS);
	close(p[0]);
	ck_assert_msg(strstr(out, "40 100"), "stty size printed '%s'", out);
	IT_FAILS(ctr_exec_resize(c, eid, 0, 100), CTR_E_INVAL);
	IT_FAILS(ctr_exec_resize(c, eid, 40, 100), CTR_E_STATE); /* exited */
	IT_OK(ctr_exec_remove(c, eid, 0));
	free(eid);
	free(out);
	ctr_container_free(c);
}
END_TEST

/* ctr_exec() in a thread, joined within a deadline that only guards against a hang. */
struct exec_job {
	ctr_container_t *c;
	ctr_exec_opts_t o;
	int result, code;
	char err[1024];
};

static void *exec_job_main(void *arg)
{
	struct exec_job *j = arg;

	j->result = ctr_exec(j->c, &j->o, &j->code);
	snprintf(j->err, sizeof(j->err), "%s", ctr_last_error());
	return NULL;
}

/* A terminal exec of argv with input (then EOF) on its stdin; its output. */
static char *tty_exec_with_input(ctr_container_t *c, const char *const *argv, const char *input,
				 int *code)
{
	struct exec_job j = { .c = c, .o = exec_opts(argv), .result = -12345, .code = -1 };
	struct timespec t;
	pthread_t th;
	int in[2], out[2];

	ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	ck_assert_int_eq(write(in[1], input, strlen(input)), (ssize_t)strlen(input));
	close(in[1]); /* the input ends here */
	j.o.terminal = 1;
	j.o.stdin_fd = in[0];
	j.o.stdout_fd = out[1];
	ck_assert_int_eq(pthread_create(&th, NULL, exec_job_main, &j), 0);
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += 30;
	ck_assert_msg(pthread_timedjoin_np(th, NULL, &t) == 0,
		      "the terminal exec of %s never saw the end of its input", argv[0]);
	ck_assert_msg(j.result == 0, "ctr_exec: %d: %s", j.result, j.err);
	close(in[0]);
	close(out[1]);
	char *text = exec_read_all(out[0], IT_GUARD_MS);
	close(out[0]);
	*code = j.code;
	return text;
}

START_TEST(test_exec_tty_passes_the_end_of_stdin_on_as_eof)
{
	ctr_container_t *c = running();
	const char *const cat[] = { "cat", NULL };
	const char *const count[] = { "sh", "-c", "wc -l; exit 4", NULL };
	int code = -1;

	/* A partial line: the first ^D hands "abc" over, the second ends cat's input. */
	char *out = tty_exec_with_input(c, cat, "abc", &code);
	ck_assert_int_eq(code, 0);
	ck_assert_msg(strstr(out, "abc"), "cat printed '%s'", out);
	free(out);
	/* Whole lines: one ^D. */
	out = tty_exec_with_input(c, count, "one\ntwo\n", &code);
	ck_assert_int_eq(code, 4);
	ck_assert_msg(strstr(out, "2\r\n"), "wc -l printed '%s'", out);
	free(out);
	/* No input at all (stdin_fd -1 is /dev/null): an end of file at once. */
	ctr_exec_opts_t o = exec_opts(cat);
	o.terminal = 1;
	IT_OK(ctr_exec(c, &o, &code));
	ck_assert_int_eq(code, 0);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_exec_preserve_fds_and_stdin)
{
	ctr_container_t *c = running();
	const char *const argv[] = { "sh", "-c", "read x; echo \"got $x\" >&3", NULL };
	ctr_exec_opts_t o = exec_opts(argv);
	int in[2], extra[2], code = -1;

	ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(extra, O_CLOEXEC), 0);
	ck_assert_int_eq(write(in[1], "hello\n", 6), 6);
	close(in[1]);
	o.stdin_fd = in[0];
	o.preserve_fds = &extra[1];
	o.n_preserve_fds = 1;
	IT_OK(ctr_exec(c, &o, &code));
	close(in[0]);
	close(extra[1]);
	char *out = exec_read_all(extra[0], IT_GUARD_MS);
	close(extra[0]);
	ck_assert_int_eq(code, 0);
	ck_assert_str_eq(out, "got hello\n");
	free(out);
	ctr_container_free(c);
}
END_TEST

/* Effective capabilities, in hex, from /proc/self/status. */
static unsigned long long cap_eff(ctr_container_t *c, int privileged)
{
	const char *const argv[] = { "sh", "-c", "grep CapEff /proc/self/status", NULL };
	ctr_exec_opts_t o = exec_opts(argv);
	int code = -1;

	o.privileged = privileged;
	char *out = exec_output(c, &o, &code, IT_GUARD_MS);
	unsigned long long caps = 0;
	ck_assert_msg(sscanf(out, "CapEff: %llx", &caps) == 1, "output '%s'", out);
	free(out);
	return caps;
}

START_TEST(test_exec_privileged)
{
	ctr_container_t *c = running();
	unsigned long long plain = cap_eff(c, 0), all = cap_eff(c, 1);

	ck_assert_msg((plain & (1ULL << 21)) == 0, "CAP_SYS_ADMIN without privileged: %llx", plain);
	ck_assert_msg((all & (1ULL << 21)) && (all & plain) == plain && all != plain,
		      "privileged %llx vs plain %llx", all, plain);
	ctr_container_free(c);
}
END_TEST

static ctr_runtime_t *reopen(void)
{
	return it_reopen(NULL, 0);
}

START_TEST(test_exec_sessions)
{
	ctr_container_t *c = running();
	const char *const argv[] = { "sleep", "30", NULL };
	ctr_exec_opts_t o = exec_opts(argv);

	story_exec_sessions(c, &o, reopen, IT_GUARD_MS);
	ctr_container_free(c);
}
END_TEST

/* A session started by a process that exits goes on; its exit code is there later. */
static char child_eid[17];

static int start_and_leave(ctr_container_t *c)
{
	const char *const argv[] = { "sh", "-c", "sleep 0.5; exit 9", NULL };
	ctr_exec_opts_t o = exec_opts(argv);
	char *eid = NULL;
	int r = ctr_exec_create(c, &o, &eid);

	if (r == 0 && (r = ctr_exec_start(c, eid)) == 0) {
		char path[4096]; /* the id goes to a file the parent reads */
		snprintf(path, sizeof(path), "%s/io/eid", it_base());
		FILE *f = fopen(path, "w");
		if (f) {
			fputs(eid, f);
			fclose(f);
		}
	}
	free(eid);
	return r;
}

static int child_main(void *arg)
{
	return it_child_op(NULL, arg, "exec start in a child", start_and_leave);
}

START_TEST(test_exec_outlives_caller)
{
	ctr_container_t *c = running();
	char id[65], path[4096];

	snprintf(id, sizeof(id), "%s", ctr_id(c));
	ck_assert_int_eq(it_join(it_fork(child_main, id), IT_GUARD_MS), 0);
	snprintf(path, sizeof(path), "%s/io/eid", it_base());
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%16s", child_eid), 1);
	fclose(f);
	int code = -1;
	IT_OK(ctr_exec_wait(c, child_eid, IT_GUARD_MS, &code));
	ck_assert_int_eq(code, 9);
	ctr_container_free(c);
}
END_TEST

/* execve(2) fails with E2BIG after `runc exec --detach` has returned: runc's init prints why
 * on the process's stderr and exits 1. That is a failure to start, not an exit code. */
START_TEST(test_exec_too_large_for_execve_is_a_runtime_error)
{
	ctr_container_t *c = running();
	static char big[200001];
	const char *const argv[] = { "echo", big, NULL };
	const char *const truth[] = { "true", NULL };
	ctr_exec_opts_t o = exec_opts(argv);
	int code = -12345;

	memset(big, 'x', sizeof(big) - 1); /* one string longer than execve takes (128 KiB) */
	for (int terminal = 0; terminal < 2; terminal++) {
		o.terminal = terminal;
		IT_REFUSED(ctr_exec(c, &o, &code), CTR_E_RUNTIME, c);
		ck_assert_msg(strstr(ctr_last_error(), "did not start") &&
				  strstr(ctr_last_error(), "argument list too long"),
			      "%s", ctr_last_error());
		ck_assert_int_eq(code, -12345);
	}

	/* An environment of 3 MB: more than a quarter of the 8 MiB stack. */
	enum { NVARS = 30000 };
	char **env = calloc(NVARS + 1, sizeof(*env));
	ck_assert_ptr_nonnull(env);
	for (int i = 0; i < NVARS; i++) {
		ck_assert_int_gt(asprintf(&env[i], "V%05d=%090d", i, i), 0);
	}
	o = exec_opts(truth);
	o.env = (const char *const *)env;
	IT_REFUSED(ctr_exec(c, &o, &code), CTR_E_RUNTIME, c);
	ck_assert_msg(strstr(ctr_last_error(), "E2BIG"), "%s", ctr_last_error());
	for (int i = 0; i < NVARS; i++)
		free(env[i]);
	free(env);

	char **ids = NULL; /* nothing is left, and the container carries on */
	size_t n_ids;
	ck_assert_int_eq(ctr_exec_list(c, &ids, &n_ids), 0);
	ck_assert_uint_eq(n_ids, 0);
	ctr_strv_free(ids);
	o = exec_opts(truth);
	IT_OK(ctr_exec(c, &o, &code));
	ck_assert_int_eq(code, 0);
	IT_STATE(c, CTR_STATE_RUNNING);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_exec_bad_input)
{
	ctr_container_t *c = it_sh(it_rt, IT_GRACEFUL(0));
	const char *const argv[] = { "true", NULL };
	const char *const empty[] = { NULL };
	const char *const blank[] = { "", NULL };
	ctr_exec_opts_t o = exec_opts(argv);
	int code;

	IT_REFUSED(ctr_exec(c, &o, &code), CTR_E_STATE, c); /* configured */
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	o.argv = NULL;
	IT_REFUSED(ctr_exec(c, &o, &code), CTR_E_INVAL, c);
	o.argv = empty;
	IT_REFUSED(ctr_exec(c, &o, &code), CTR_E_INVAL, c);
	o.argv = blank;
	IT_REFUSED(ctr_exec(c, &o, &code), CTR_E_INVAL, c);
	o = exec_opts(argv);
	o.user = "root";
	IT_FAILS(ctr_exec(c, &o, &code), CTR_E_INVAL);
	o = exec_opts(argv);
	o.cwd = "relative";
	IT_FAILS(ctr_exec(c, &o, &code), CTR_E_INVAL);
	o = exec_opts(argv);
	o.stdout_fd = 9999;
	IT_FAILS(ctr_exec(c, &o, &code), CTR_E_INVAL);
	IT_FAILS(ctr_exec(c, NULL, &code), CTR_E_INVAL);

	/* No such executable: the runtime says so; nothing is left. */
	const char *const missing[] = { "/no/such/program", NULL };
	o = exec_opts(missing);
	IT_FAILS(ctr_exec(c, &o, &code), CTR_E_RUNTIME);
	ck_assert_msg(strstr(ctr_last_error(), "/no/such/program"), "%s", ctr_last_error());
	ck_assert_msg(strstr(ctr_last_error(), "runc exec: "), "%s", ctr_last_error());
	char **ids = NULL;
	size_t n_ids;
	ck_assert_int_eq(ctr_exec_list(c, &ids, &n_ids), 0);
	ck_assert_uint_eq(n_ids, 0);
	ctr_strv_free(ids);

	IT_OK(ctr_stop(c, 5));
	o = exec_opts(argv);
	IT_REFUSED(ctr_exec(c, &o, &code), CTR_E_STATE, c); /* stopped */
	ctr_container_free(c);
}
END_TEST

START_TEST(test_exec_many_in_a_row)
{
	ctr_container_t *c = running();
	const char *const truth[] = { "true", NULL };
	ctr_exec_opts_t t = exec_opts(truth);
	IT_OK(ctr_exec(c, &t, NULL)); /* the handle caches a pidfd on the container's monitor */
	int fds = it_fd_count();

	for (int i = 0; i < 100; i++) {
		char script[32];
		snprintf(script, sizeof(script), "exit %d", i);
		const char *const argv[] = { "sh", "-c", script, NULL };
		ctr_exec_opts_t o = exec_opts(argv);
		int code = -1;
		IT_OK(ctr_exec(c, &o, &code));
		ck_assert_int_eq(code, i);
	}
	ck_assert_int_eq(it_fd_count(), fds);
	ctr_container_free(c);
}
END_TEST

struct par {
	ctr_container_t *c;
	int n, code, result;
	pthread_t t;
};

static void *par_main(void *arg)
{
	struct par *p = arg;
	char script[32];

	snprintf(script, sizeof(script), "sleep 0.2; exit %d", p->n);
	const char *const argv[] = { "sh", "-c", script, NULL };
	ctr_exec_opts_t o = exec_opts(argv);
	p->result = ctr_exec(p->c, &o, &p->code);
	return NULL;
}

START_TEST(test_exec_parallel)
{
	ctr_container_t *c = running();
	struct par ps[10];

	for (int i = 0; i < 10; i++) {
		ps[i] = (struct par){ .c = c, .n = 20 + i, .code = -1 };
		ck_assert_int_eq(pthread_create(&ps[i].t, NULL, par_main, &ps[i]), 0);
	}
	for (int i = 0; i < 10; i++) {
		pthread_join(ps[i].t, NULL);
		ck_assert_msg(ps[i].result == 0, "exec %d: %d", i, ps[i].result);
		ck_assert_int_eq(ps[i].code, 20 + i);
	}
	ctr_container_free(c);
}
END_TEST

/* Execs into a container that ends by itself meanwhile: each one runs (exit 1, or 137 when
 * the container's end killed it) or is CTR_E_STATE, and the end is seen at once. runc's
 * failed exec leaves a process of the container's pid namespace to the exec's monitor,
 * which must reap it: left to init(1), it kept the container's init from finishing its
 * exit, so the exec read as a runtime error of a running container (2 in 40 rounds before
 * the monitor reaped its orphans). */
START_TEST(test_exec_racing_the_containers_end)
{
	const char *const argv[] = { "/bin/sh", "-c", "exit 1", NULL };
	int ran = 0, refused = 0;

	for (int round = 0; round < 40; round++) {
		ctr_container_t *c = it_sh(it_rt, "sleep 0.05; exit 31");
		int code = -1, r;
		IT_OK(ctr_start(c, 0));
		for (;;) {
			ctr_exec_opts_t o = exec_opts(argv);
			if ((r = ctr_exec(c, &o, &code)) != 0)
				break;
			/* 137: the container's end killed it (its pid namespace went) */
			ck_assert_msg(code == 1 || code == 137, "exec exited %d", code);
			ran++;
		}
		ck_assert_msg(r == CTR_E_STATE, "round %d: exec gave %d: %s", round, r,
			      ctr_last_error());
		refused++;
		ck_assert_int_eq(ctr_wait(c, 1000, &code), 0);
		ck_assert_int_eq(code, 31);
		IT_OK(ctr_remove(c, 0));
		ctr_container_free(c);
	}
	ck_assert_int_eq(refused, 40);
	/* How many execs ran before the end depends on the machine's load (none when a monitor
	 * under valgrind takes 0.3 s to start): reported, not asserted. */
	printf("exec racing the container's end: %d exec(s) ran in 40 rounds\n", ran);
}
END_TEST

Suite *suite_exec(void)
{
	Suite *s = suite_create("exec");
	TCase *tc = tcase_create("exec");

	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_exec_exit_codes);
	tcase_add_test(tc, test_exec_env_cwd_user);
	tcase_add_test(tc, test_exec_tty_and_resize);
	tcase_add_test(tc, test_exec_tty_passes_the_end_of_stdin_on_as_eof);
	tcase_add_test(tc, test_exec_preserve_fds_and_stdin);
	tcase_add_test(tc, test_exec_privileged);
	tcase_add_test(tc, test_exec_sessions);
	tcase_add_test(tc, test_exec_outlives_caller);
	tcase_add_test(tc, test_exec_bad_input);
	tcase_add_test(tc, test_exec_too_large_for_execve_is_a_runtime_error);
	tcase_add_test(tc, test_exec_many_in_a_row);
	tcase_add_test(tc, test_exec_parallel);
	tcase_add_test(tc, test_exec_racing_the_containers_end);
	suite_add_tcase(s, tc);
	return s;
}
