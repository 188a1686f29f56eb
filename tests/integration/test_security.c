/* Security rules, one test each: private directories, sockets, logs and locks; a symlinked
 * or foreign directory refused; every descriptor close-on-exec; names and ids checked before
 * they reach a path. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "itest.h"

static void path_in(char *buf, size_t len, const char *leaf)
{
	snprintf(buf, len, "%s/%s", it_base(), leaf);
}

/* ---- directories ---------------------------------------------------------------------------- */

START_TEST(test_state_and_run_dirs_are_private)
{
	static const char *const dirs[] = { "state", "run", "run/locks", "run/attach", "run/exec" };
	char path[PATH_MAX];
	struct stat sb;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		path_in(path, sizeof(path), dirs[i]);
		ck_assert_msg(lstat(path, &sb) == 0, "%s: %s", path, strerror(errno));
		ck_assert_msg(S_ISDIR(sb.st_mode), "%s is not a directory", path);
		ck_assert_msg((sb.st_mode & 0777) == 0700, "%s has mode %o", path,
			      sb.st_mode & 0777);
	}
}
END_TEST

/* Opening over state_dir (or run_dir when which is 1) = path fails, naming it, and leaves
 * nothing inside. */
static void assert_dir_refused(const char *path, int which, const char *why)
{
	char other[PATH_MAX];
	ctr_runtime_t *rt = NULL;

	path_in(other, sizeof(other), which ? "state-x" : "run-x");
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = which ? other : path,
		 .run_dir = which ? path : other, .flags = CTR_RUNTIME_NOSYNC);
	int r = ctr_runtime_open(&o, &rt);
	ck_assert_msg(r < 0, "%s accepted as %s dir", why, which ? "run" : "state");
	ctr_runtime_close(rt);
	ck_assert_msg(r == CTR_E_IO || r == CTR_E_INVAL, "%s: %s", why, it_err(r));
	ck_assert_msg(strstr(ctr_last_error(), path), "%s: the message does not name %s: %s", why,
		      path, ctr_last_error());
}

START_TEST(test_a_symlinked_or_foreign_dir_is_refused)
{
	char real[PATH_MAX], link[PATH_MAX], foreign[PATH_MAX];
	struct dirent *e;

	path_in(real, sizeof(real), "real");
	path_in(link, sizeof(link), "link");
	path_in(foreign, sizeof(foreign), "foreign");
	ck_assert_int_eq(mkdir(real, 0700), 0);
	ck_assert_int_eq(symlink(real, link), 0);
	ck_assert_int_eq(mkdir(foreign, 0700), 0);
	ck_assert_int_eq(chown(foreign, 65534, 65534), 0);

	for (int which = 0; which < 2; which++) {
		assert_dir_refused(link, which, "a symlink");
		assert_dir_refused(foreign, which, "a directory of another user");
	}
	/* Nothing was created through the link or in the foreign directory. */
	const char *const checked[] = { real, foreign };
	for (size_t i = 0; i < 2; i++) {
		DIR *d = opendir(checked[i]);
		ck_assert_ptr_nonnull(d);
		while ((e = readdir(d)))
			ck_assert_msg(e->d_name[0] == '.', "%s/%s was created", checked[i],
				      e->d_name);
		closedir(d);
	}
}
END_TEST

/* ---- files ---------------------------------------------------------------------------------- */

struct walk {
	dev_t dev;
	int sockets, logs, locks;
};

/* Check every file below dir (on its file system): nothing group- or world-writable,
 * sockets and logs 0600 or stricter, lock files not world-writable. */
static void walk_private(const char *dir, struct walk *w)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[PATH_MAX];
		struct stat sb;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &sb) < 0 || sb.st_dev != w->dev || S_ISLNK(sb.st_mode))
			continue;
		mode_t m = sb.st_mode & 0777;
		size_t n = strlen(e->d_name);
		ck_assert_msg(!(m & 022), "%s is writable by others (mode %o)", path, m);
		if (S_ISSOCK(sb.st_mode)) {
			ck_assert_msg(!(m & 077), "socket %s has mode %o", path, m);
			w->sockets++;
		} else if (S_ISREG(sb.st_mode) && n > 4 && !strcmp(e->d_name + n - 4, ".log")) {
			ck_assert_msg(!(m & 077), "log %s has mode %o", path, m);
			w->logs++;
		} else if (S_ISREG(sb.st_mode) && n > 5 && !strcmp(e->d_name + n - 5, ".lock")) {
			w->locks++;
		} else if (S_ISDIR(sb.st_mode) && strcmp(e->d_name, "rootfs") != 0)
			walk_private(path, w);
	}
	closedir(d);
}

START_TEST(test_sockets_logs_and_locks_are_private)
{
	ctr_container_t *c = it_sh(it_rt, "echo hello; touch /shared/ready; " IT_LOOP);
	const char *const argv[] = { "sleep", "1000", NULL };
	ctr_exec_opts_t o = {
		.sz = sizeof(o), .argv = argv, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1
	};
	char path[PATH_MAX], *eid = NULL;
	struct stat sb;

	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	IT_OK(ctr_exec_create(c, &o, &eid));
	IT_OK(ctr_exec_start(c, eid));

	snprintf(path, sizeof(path), "%s/run/attach/%s", it_base(), ctr_id(c));
	ck_assert_msg(lstat(path, &sb) == 0, "%s: %s", path, strerror(errno));
	ck_assert_msg(S_ISSOCK(sb.st_mode) && (sb.st_mode & 0777) == 0600,
		      "attach socket %s: mode %o", path, sb.st_mode & 07777);

	struct walk w = { 0 };
	ck_assert_int_eq(stat(it_base(), &sb), 0);
	w.dev = sb.st_dev;
	path_in(path, sizeof(path), "state");
	walk_private(path, &w);
	path_in(path, sizeof(path), "run");
	walk_private(path, &w);
	ck_assert_msg(w.sockets >= 1 && w.logs >= 1 && w.locks >= 1,
		      "found %d sockets, %d logs, %d lock files", w.sockets, w.logs, w.locks);

	ctr_free(eid);
	IT_OK(ctr_remove(c, CTR_FORCE));
	ctr_container_free(c);
}
END_TEST

/* ---- descriptors ---------------------------------------------------------------------------- */

/* Fill inherit[fd] = 1 for descriptors without FD_CLOEXEC; returns the highest fd + 1. */
static int inheritable(char *inherit, int max)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int top = 0;

	memset(inherit, 0, (size_t)max);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] == '.' || fd == dirfd(d) || fd >= max)
			continue;
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0 && !(fl & FD_CLOEXEC))
			inherit[fd] = 1;
		if (fd + 1 > top)
			top = fd + 1;
	}
	closedir(d);
	return top;
}

START_TEST(test_every_descriptor_of_the_library_is_close_on_exec)
{
	enum { MAX = 4096 };
	static char before[MAX], after[MAX];
	const char *const argv[] = { "true", NULL };
	ctr_exec_opts_t o = {
		.sz = sizeof(o), .argv = argv, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1
	};
	char link[PATH_MAX], target[PATH_MAX];

	inheritable(before, MAX);
	ctr_container_t *c = it_sh(it_rt, "echo out; touch /shared/ready; " IT_LOOP);
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	int code = -1;
	IT_OK(ctr_exec(c, &o, &code));
	char *eid = NULL;
	IT_OK(ctr_exec_create(c, &o, &eid)); /* holds duplicated descriptors until started */
	int wfd = ctr_wait_fd(c);
	ck_assert_int_ge(wfd, 0);
	int efd = ctr_events_fd(it_rt);
	ck_assert_int_ge(efd, 0);
	char *json = NULL;
	IT_OK(ctr_inspect(c, &json));
	ctr_free(json);
	IT_OK(ctr_artifact_add(c, "a", "x", 1));
	ctr_runtime_t *rt2 = it_reopen(NULL, 0);
	ctr_container_t *again = NULL;
	IT_OK(ctr_lookup(rt2, ctr_id(c), &again));
	IT_STATE(again, CTR_STATE_RUNNING);

	/* New inheritable descriptors, and old ones on the library's files (the fixture's
	 * context was opened before the first count). */
	int top = inheritable(after, MAX);
	for (int fd = 3; fd < top; fd++) {
		if (!after[fd])
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		ck_assert_msg(before[fd] && !strstr(target, it_base()),
			      "descriptor %d (%s) is not close-on-exec", fd, target);
	}
	close(wfd);
	close(efd);
	IT_OK(ctr_exec_remove(c, eid, 0));
	ctr_free(eid);
	ctr_container_free(again);
	ctr_runtime_close(rt2);
	IT_OK(ctr_remove(c, CTR_FORCE));
	ctr_container_free(c);
}
END_TEST

/* ---- names and ids -------------------------------------------------------------------------- */

/* call fails with CTR_E_INVAL or CTR_E_NOENT. */
#define IT_BAD_NAME(call)                                                                          \
	do {                                                                                       \
		int it_r_ = (call);                                                                \
		ck_assert_msg(it_r_ == CTR_E_INVAL || it_r_ == CTR_E_NOENT, "%s: %s", #call,       \
			      it_err(it_r_));                                                      \
	} while (0)

START_TEST(test_names_and_ids_are_checked_before_any_path)
{
	static const char *const bad[] = { "../x", "..", "/", "a/b", "../../etc", "x/../../y" };
	ctr_container_t *c = it_sh(it_rt, IT_GRACEFUL(0));
	ctr_container_t *found = NULL;
	ctr_config_t *cfg = it_config("exit 0");
	char path[PATH_MAX];
	void *data = NULL;
	size_t len = 0;
	int code;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		IT_BAD_NAME(ctr_lookup(it_rt, bad[i], &found));
		IT_FAILS(ctr_config_set_name(cfg, bad[i]), CTR_E_INVAL);
		IT_FAILS(ctr_artifact_add(c, bad[i], "x", 1), CTR_E_INVAL);
		IT_BAD_NAME(ctr_artifact_get(c, bad[i], &data, &len));
		IT_BAD_NAME(ctr_artifact_remove(c, bad[i]));
		CTR_OPTS(ctr_checkpoint_opts_t, co, .name = bad[i]);
		IT_FAILS(ctr_checkpoint(c, &co), CTR_E_INVAL);
	}
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		IT_BAD_NAME(ctr_exec_start(c, bad[i]));
		IT_BAD_NAME(ctr_exec_wait(c, bad[i], 0, &code));
		IT_BAD_NAME(ctr_exec_wait_fd(c, bad[i]));
		IT_BAD_NAME(ctr_exec_kill(c, bad[i], 9));
		IT_BAD_NAME(ctr_exec_remove(c, bad[i], 0));
		CTR_OPTS(ctr_checkpoint_opts_t, co, .name = bad[i]);
		IT_FAILS(ctr_checkpoint(c, &co), CTR_E_INVAL);
	}
	IT_STATE(c, CTR_STATE_RUNNING);
	/* Nothing named x or y appeared anywhere a "../" could have led. */
	static const char *const leaves[] = {
		"x", "y", "state/x", "run/x", "state/containers/x", "run/exec/x"
	};
	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		path_in(path, sizeof(path), leaves[i]);
		ck_assert_msg(access(path, F_OK) != 0, "%s was created", path);
	}
	ctr_config_free(cfg);
	IT_OK(ctr_stop(c, 0));
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

/* ---- symlinks ------------------------------------------------------------------------------- */

START_TEST(test_a_planted_events_log_symlink_is_not_followed)
{
	char outside[PATH_MAX], log[PATH_MAX];

	path_in(outside, sizeof(outside), "outside-events");
	path_in(log, sizeof(log), "state/events.log");
	unlink(log);
	ck_assert_int_eq(symlink(outside, log), 0);
	ctr_container_t *c = it_sh(it_rt, "echo hello");
	IT_OK(ctr_start(c, 0));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	IT_OK(ctr_remove(c, 0));
	ck_assert_msg(access(outside, F_OK) != 0, "events were written through %s", log);
	ctr_container_free(c);
}
END_TEST

/* The monitor opens the container's log with O_NOFOLLOW: a link planted in the bundle makes
 * the start fail instead of writing the container's output through it. */
START_TEST(test_a_planted_log_symlink_is_not_followed)
{
	char outside[PATH_MAX], log[PATH_MAX];
	ctr_container_t *c = it_sh(it_rt, "echo through-the-link");

	path_in(outside, sizeof(outside), "outside-log");
	snprintf(log, sizeof(log), "%s/state/containers/%s/ctr.log", it_base(), ctr_id(c));
	ck_assert_int_eq(symlink(outside, log), 0);
	int r = ctr_start(c, 0);
	if (r == 0)
		it_wait(c, IT_GUARD_MS);
	ck_assert_msg(access(outside, F_OK) != 0, "the container's output went through %s", log);
	ck_assert_msg(r == CTR_E_MONITOR, "start: %s", it_err(r));
	IT_OK(ctr_remove(c, CTR_FORCE));
	ctr_container_free(c);
}
END_TEST

Suite *suite_security(void)
{
	Suite *s = suite_create("security");
	TCase *tc = tcase_create("files");

	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_state_and_run_dirs_are_private);
	tcase_add_test(tc, test_a_symlinked_or_foreign_dir_is_refused);
	tcase_add_test(tc, test_sockets_logs_and_locks_are_private);
	tcase_add_test(tc, test_every_descriptor_of_the_library_is_close_on_exec);
	tcase_add_test(tc, test_names_and_ids_are_checked_before_any_path);
	tcase_add_test(tc, test_a_planted_events_log_symlink_is_not_followed);
	tcase_add_test(tc, test_a_planted_log_symlink_is_not_followed);
	suite_add_tcase(s, tc);
	return s;
}
