/* Helpers shared by the unit tests. */
#include <check.h>
#include <dirent.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "util.h"

static char *base;
static char rootfs[PATH_MAX];

char *tu_mkdtemp(void)
{
	const char *tmp = getenv("TMPDIR");
	char *p = ctri_strdupf("%s/ctr-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(mkdtemp(p));
	return p;
}

void tu_rm_rf(const char *path)
{
	ctri_rm_rf(path);
}

/* A runtime over base/state and base/run with oci_runtime (NULL: runc), with base/rootfs. */
static ctr_runtime_t *open_runtime(const char *oci_runtime, unsigned timeout_ms)
{
	char state[PATH_MAX], run[PATH_MAX];
	ctr_runtime_t *rt = NULL;

	if (!base)
		base = tu_mkdtemp();
	snprintf(state, sizeof(state), "%s/state", base);
	snprintf(run, sizeof(run), "%s/run", base);
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", base);
	mkdir(rootfs, 0755);
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state, .run_dir = run,
		 .oci_runtime = oci_runtime, .runtime_timeout_ms = timeout_ms,
		 .flags = CTR_RUNTIME_NOSYNC);
	int r = ctr_runtime_open(&o, &rt);
	ck_assert_msg(r == 0, "ctr_runtime_open: %d %s", r, ctr_last_error());
	return rt;
}

ctr_runtime_t *tu_runtime(void)
{
	return open_runtime(NULL, 0);
}

const char *tu_base(void)
{
	return base;
}

const char *tu_rootfs(void)
{
	return rootfs;
}

void tu_cleanup(void)
{
	if (base) {
		ctri_rm_rf(base);
		free(base);
		base = NULL;
	}
}

ctr_config_t *tu_config(const char *name)
{
	static const char *const args[] = { "/bin/true", NULL };
	ctr_config_t *cfg = NULL;

	ck_assert_int_eq(ctr_config_new(&cfg), 0);
	ck_assert_int_eq(ctr_config_set_rootfs(cfg, rootfs), 0);
	ck_assert_int_eq(ctr_config_set_args(cfg, args), 0);
	if (name)
		ck_assert_int_eq(ctr_config_set_name(cfg, name), 0);
	return cfg;
}

char *tu_path(const char *rel)
{
	if (!base)
		base = tu_mkdtemp();
	char *p = ctri_strdupf("%s/%s", base, rel);
	ck_assert_ptr_nonnull(p);
	return p;
}

/* The sandbox of the running TCase; runner process only. */
static char *sandbox;
static char *saved_tmpdir;

/* Unmount everything below dir, deepest first (a failed test may leave a tmpfs there). */
static void unmount_below(const char *dir)
{
	size_t len = strlen(dir);

	for (int round = 0; round < 16; round++) {
		FILE *f = fopen("/proc/self/mounts", "re");
		char line[4096], target[4096] = "";
		if (!f)
			return;
		while (fgets(line, sizeof(line), f)) {
			char dev[4096], mnt[4096];
			if (sscanf(line, "%4095s %4095s", dev, mnt) == 2 &&
			    !strncmp(mnt, dir, len) && mnt[len] == '/' &&
			    strlen(mnt) > strlen(target))
				snprintf(target, sizeof(target), "%s", mnt);
		}
		fclose(f);
		if (!*target || umount2(target, MNT_DETACH) < 0)
			return;
	}
}

/* SIGKILL every process whose command line names a path below dir: the monitors (their
 * --bundle) and the containers' shells (tu_sh's $0) a failed test left running. */
static void kill_below(const char *dir)
{
	DIR *d = opendir("/proc");
	size_t len = strlen(dir);

	for (struct dirent *e; d && (e = readdir(d));) {
		char path[300], cmd[8192];
		pid_t pid = (pid_t)atoi(e->d_name);
		FILE *f;
		size_t n;
		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
		if (!(f = fopen(path, "re")))
			continue;
		n = fread(cmd, 1, sizeof(cmd) - 1, f);
		fclose(f);
		for (size_t i = 0; i < n; i++)
			cmd[i] = cmd[i] ? cmd[i] : ' ';
		cmd[n] = '\0';
		for (const char *p = cmd; (p = strstr(p, dir)); p += len)
			if (p[len] == '/' || p[len] == ' ' || p[len] == '\0') {
				kill(pid, SIGKILL);
				break;
			}
	}
	if (d)
		closedir(d);
}

static void sandbox_begin(void)
{
	const char *tmp = getenv("TMPDIR");

	free(saved_tmpdir);
	saved_tmpdir = tmp ? strdup(tmp) : NULL;
	sandbox = ctri_strdupf("%s/ctr-unit-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!sandbox || !mkdtemp(sandbox)) {
		free(sandbox);
		sandbox = NULL;
		return;
	}
	setenv("TMPDIR", sandbox, 1);
}

static void sandbox_end(void)
{
	if (saved_tmpdir)
		setenv("TMPDIR", saved_tmpdir, 1);
	else
		unsetenv("TMPDIR");
	free(saved_tmpdir);
	saved_tmpdir = NULL;
	if (sandbox) {
		kill_below(sandbox);
		unmount_below(sandbox);
		/* chattr-style and ownership tricks are undone by rm as root; a failure here
		 * only leaves a directory behind. */
		ctri_rm_rf(sandbox);
		free(sandbox);
		sandbox = NULL;
	}
}

void tu_add_fixtures(TCase *tc, void (*extra_teardown)(void))
{
	tcase_add_unchecked_fixture(tc, sandbox_begin, sandbox_end);
	/* Check runs teardowns in the reverse order of their addition. */
	tcase_add_checked_fixture(tc, NULL, tu_cleanup);
	if (extra_teardown)
		tcase_add_checked_fixture(tc, NULL, extra_teardown);
}

struct within {
	void *(*fn)(void *);
	void *arg;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int done;
};

static void *within_thread(void *p)
{
	struct within *w = p;

	w->fn(w->arg);
	pthread_mutex_lock(&w->mu);
	w->done = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int tu_run_within(void *(*fn)(void *), void *arg, int ms)
{
	/* Leaked on timeout on purpose: the thread may still use it. */
	struct within *w = calloc(1, sizeof(*w));
	pthread_t th;
	struct timespec deadline;

	ck_assert_ptr_nonnull(w);
	w->fn = fn;
	w->arg = arg;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += ms / 1000;
	deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	ck_assert_int_eq(pthread_create(&th, NULL, within_thread, w), 0);
	pthread_mutex_lock(&w->mu);
	while (!w->done && pthread_cond_timedwait(&w->cv, &w->mu, &deadline) == 0)
		;
	int done = w->done;
	pthread_mutex_unlock(&w->mu);
	if (!done) {
		pthread_detach(th);
		return 0;
	}
	pthread_join(th, NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
	return 1;
}

int tu_new_mount_api(void)
{
	int fs = fsopen("overlay", FSOPEN_CLOEXEC), ok;

	if (fs < 0)
		return 0;
	ok = fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", "/", 0) == 0;
	close(fs);
	return ok;
}

/* ---- containers run by the fake runtime over host-runtime ------------------------------- */

/* The absolute path of rel into variable, when it is unset and rel exists. */
static void default_path(const char *variable, const char *rel)
{
	char abs[PATH_MAX];

	if (!getenv(variable) && realpath(rel, abs))
		setenv(variable, abs, 0);
}

ctr_runtime_t *tu_host_runtime(unsigned timeout_ms)
{
	char real[PATH_MAX], dir[PATH_MAX];

	default_path("CTR_MONITOR", "build/ctr-monitor");
	default_path("CTR_FAKE_RUNTIME", "tests/fake-runtime/fake-runtime");
	const char *fake = getenv("CTR_FAKE_RUNTIME"), *mon = getenv("CTR_MONITOR");
	ck_assert_msg(fake && access(fake, X_OK) == 0, "CTR_FAKE_RUNTIME (%s) is not executable",
		      fake ? fake : "unset");
	ck_assert_msg(mon && access(mon, X_OK) == 0, "CTR_MONITOR (%s) is not executable",
		      mon ? mon : "unset");
	snprintf(dir, sizeof(dir), "%s", fake);
	snprintf(real, sizeof(real), "%s/host-runtime", dirname(dir));
	setenv("FAKE_RUNTIME_REAL", real, 1);
	return open_runtime(fake, timeout_ms);
}

ctr_runtime_t *tu_host_rt;

static void host_setup(void)
{
	tu_host_rt = tu_host_runtime(0);
}

static void host_teardown(void)
{
	ctr_runtime_close(tu_host_rt);
	tu_host_rt = NULL;
}

void tu_add_host_fixtures(TCase *tc)
{
	tu_add_fixtures(tc, host_teardown);
	tcase_add_checked_fixture(tc, host_setup, NULL);
}

ctr_container_t *tu_sh(ctr_runtime_t *rt, const char *script)
{
	const char *argv[] = { "/bin/sh", "-c", script, base, NULL };
	ctr_config_t *cfg = NULL;
	ctr_container_t *c = NULL;

	ck_assert_int_eq(ctr_config_new(&cfg), 0);
	ck_assert_int_eq(ctr_config_set_rootfs(cfg, rootfs), 0);
	ck_assert_int_eq(ctr_config_set_args(cfg, argv), 0);
	ck_assert_int_eq(ctr_config_set_cwd(cfg, base), 0);
	int r = ctr_create(rt, cfg, &c);
	ck_assert_msg(r == 0, "ctr_create: %d %s", r, ctr_last_error());
	ctr_config_free(cfg);
	return c;
}

void tu_take_file(const char *name)
{
	char *path = tu_path(name);
	long long waited = 0;

	while (unlink(path) < 0) {
		ck_assert_msg(waited < TU_GUARD_MS, "no %s after %d ms", name, TU_GUARD_MS);
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
		waited += 10;
	}
	free(path);
}

ctr_state_t tu_state(ctr_container_t *c)
{
	ctr_state_t s = CTR_STATE_UNKNOWN;

	TU_OK(ctr_state(c, &s));
	return s;
}

int tu_wait(ctr_container_t *c)
{
	int code = -1;

	TU_OK(ctr_wait(c, TU_GUARD_MS, &code));
	return code;
}
