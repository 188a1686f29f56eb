/* examples/mini-init as PID 1 of a new PID namespace: it starts three containers in
 * dependency order, and on SIGTERM stops them in reverse order, cleans up and exits 0. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "itest.h"

static char out_path[4096], defs[4096];

static void define(const char *name, const char *deps)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s.json", defs, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"{\"rootfs\":\"%s\",\"args\":[\"/bin/sh\",\"-c\",\"trap 'exit 0' TERM; "
		"while :; do sleep 0.1; done\"],\"stop_timeout\":2%s}\n",
		it_rootfs(), deps);
	fclose(f);
}

static int exec_mini_init(void *arg)
{
	char state[4096], run[4096];
	int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	(void)arg;
	snprintf(state, sizeof(state), "%s/state", it_base());
	snprintf(run, sizeof(run), "%s/run", it_base());
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		return 1;
	execlp("unshare", "unshare", "--fork", "--pid", "--mount-proc", "--kill-child=SIGKILL",
	       getenv("CTR_MINI_INIT"), "--state-dir", state, "--run-dir", run, defs, (char *)NULL);
	return 127;
}

static char *output(void)
{
	static char buf[8192];
	FILE *f = fopen(out_path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = 0;
	return buf;
}

/* The pid (in our namespace) of the child of unshare: mini-init. */
static pid_t child_of(pid_t parent)
{
	char path[128];
	long pid = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)parent, (int)parent);
	FILE *f = fopen(path, "r");
	if (f && fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	if (f)
		fclose(f);
	return (pid_t)pid;
}

START_TEST(test_mini_init_supervises_three_containers_as_pid_1)
{
	if (!getenv("CTR_MINI_INIT")) {
		printf("SKIP mini-init: CTR_MINI_INIT is not set (sanitizer builds do not make the "
		       "shared library it links; the plain run tests it)\n");
		return;
	}
	snprintf(defs, sizeof(defs), "%s/defs", it_base());
	snprintf(out_path, sizeof(out_path), "%s/mini-init.out", it_base());
	ck_assert_int_eq(mkdir(defs, 0700), 0);
	define("db", "");
	define("web", ",\"dependencies\":[\"db\"]");
	define("worker", ",\"dependencies\":[\"web\",\"db\"]");

	pid_t unshare = it_fork(exec_mini_init, NULL);
	double t0 = it_now();
	while (!strstr(output(), "started worker") && it_now() - t0 < 20)
		it_sleep_ms(50);
	char *out = output();
	char *db = strstr(out, "started db"), *web = strstr(out, "started web");
	char *worker = strstr(out, "started worker");
	ck_assert_msg(db && web && worker && db < web && web < worker, "mini-init said:\n%s", out);
	ck_assert_msg(strstr(out, "(pid 1)") == NULL, "a container got pid 1:\n%s", out);

	pid_t init = child_of(unshare);
	ck_assert_int_gt(init, 0);
	ck_assert_int_eq(kill(init, SIGTERM), 0);
	ck_assert_int_eq(it_join(unshare, 20000), 0);
	out = output();
	char *s1 = strstr(out, "stopped worker"), *s2 = strstr(out, "stopped web");
	char *s3 = strstr(out, "stopped db");
	ck_assert_msg(s1 && s2 && s3 && s1 < s2 && s2 < s3 && strstr(out, "mini-init: done"),
		      "mini-init said:\n%s", out);

	/* Stopped and cleaned up: the records say EXITED, nothing else is left. */
	const char *const names[] = { "db", "web", "worker" };
	for (int i = 0; i < 3; i++) {
		ctr_container_t *c = NULL;
		IT_OK(ctr_lookup(it_rt, names[i], &c));
		IT_STATE(c, CTR_STATE_EXITED);
		ck_assert_int_eq(it_exit_code(c), 0);
		it_assert_no_traces(ctr_id(c));
		ctr_container_free(c);
	}
}
END_TEST

Suite *suite_mini_init(void)
{
	Suite *s = suite_create("mini_init");
	TCase *tc = tcase_create("pid1");

	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_mini_init_supervises_three_containers_as_pid_1);
	suite_add_tcase(s, tc);
	return s;
}
