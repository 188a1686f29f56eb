/* Helpers for the integration tests. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../fixtures/procwalk.h"
#include "itest.h"
#include "util.h"

extern char **environ;
static char *base;
static pid_t run_tag; /* pid of main(): names this run's directories */
ctr_runtime_t *it_rt;
/* The helpers' paths as the run set them: tests change them, it_teardown puts them back. */
static const char *const helper_vars[] = { "CTR_MONITOR", "CTR_CLEANUP" };
static char *saved_helpers[2];

/* ---- the run -------------------------------------------------------------------------------- */

/* Set variable to the absolute path of rel when it is unset and rel exists. */
static void default_path(const char *variable, const char *rel)
{
	char abs[PATH_MAX];

	if (!getenv(variable) && realpath(rel, abs))
		setenv(variable, abs, 0);
}

int it_init(void)
{
	run_tag = getpid();
	if (!getenv("CTR_TEST_ROOTFS")) {
		fprintf(stderr, "integration: set CTR_TEST_ROOTFS to a busybox rootfs "
				"(tests/fixtures/mkrootfs.sh)\n");
		return -1;
	}
	default_path("CTR_MONITOR", "build/ctr-monitor");
	default_path("CTR_FAKE_RUNTIME", "tests/fake-runtime/fake-runtime");
	default_path("CTR_TEST_PROBE", "build/tests/syscall-probe");
	if (!getenv("CTR_MONITOR"))
		fprintf(stderr, "integration: CTR_MONITOR is not set: lifecycle tests will fail\n");
	if (!getenv("CTR_FAKE_RUNTIME"))
		fprintf(stderr,
			"integration: CTR_FAKE_RUNTIME is not set: fault tests will fail\n");
	return 0;
}

static void prefix(char *buf, size_t len)
{
	snprintf(buf, len, "ctr-itest-%ld-", (long)(run_tag ? run_tag : getpid()));
}

int it_procs_with(const char *needle, pid_t *first)
{
	return procwalk_count_with(needle, first, NULL, 0);
}

static void kill_procs_with(const char *needle)
{
	for (int round = 0; round < 20; round++) {
		pid_t pid;
		if (!it_procs_with(needle, &pid))
			return;
		kill(pid, SIGKILL);
		it_wait_gone(pid, 200);
	}
}

/* Kill and delete whatever is left of the containers of one test's directories. */
/* Detach every mount below dir (a layered container's overlay left mounted). */
static void unmount_below(const char *dir)
{
	char line[4096], point[PATH_MAX];
	size_t n = strlen(dir);
	FILE *f = fopen("/proc/self/mountinfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1 &&
		    !strncmp(point, dir, n) && point[n] == '/')
			umount2(point, MNT_DETACH);
	if (f)
		fclose(f);
}

/* The networks of dir (a failed network test's): a bridge and its firewall rules outlive
 * the directories, and the bridge's route would refuse the subnet to the next run. Their
 * containers and networks are removed through the library, then any bridge a test listed
 * in dir/bridges (one name a line) that is still there is deleted. */
static void sweep_networks(const char *dir)
{
	char path[PATH_MAX], run[PATH_MAX], name[64], **names = NULL;
	ctr_container_t **list = NULL;
	ctr_runtime_t *rt = NULL;
	size_t nets = 0, n = 0;

	snprintf(path, sizeof(path), "%s/state", dir);
	snprintf(run, sizeof(run), "%s/run", dir);
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = path, .run_dir = run,
		 .flags = CTR_RUNTIME_NOSYNC);
	if (ctr_runtime_open(&o, &rt) == 0) {
		if (ctr_network_list(rt, &names, &nets) == 0 && nets > 0 &&
		    ctr_list(rt, &list, &n) == 0) {
			for (size_t i = 0; i < n; i++)
				ctr_remove(list[i], CTR_FORCE);
			ctr_list_free(list, n);
		}
		for (size_t i = 0; names && names[i]; i++)
			ctr_network_remove(rt, names[i], 0);
		ctr_strv_free(names);
		ctr_runtime_close(rt);
	}
	snprintf(path, sizeof(path), "%s/bridges", dir);
	FILE *f = fopen(path, "re");
	while (f && fscanf(f, "%63s", name) == 1) {
		const char *const argv[] = { "ip", "link", "del", name, NULL };
		snprintf(path, sizeof(path), "/sys/class/net/%s", name);
		if (access(path, F_OK) == 0)
			it_run(argv, NULL);
	}
	if (f)
		fclose(f);
}

static void sweep(const char *dir)
{
	char root[PATH_MAX];
	struct dirent *e;

	snprintf(root, sizeof(root), "%s/state/networks", dir);
	if (access(root, F_OK) == 0)
		sweep_networks(dir);
	kill_procs_with(dir);
	snprintf(root, sizeof(root), "%s/run/runtime", dir);
	DIR *d = opendir(root);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		const char *argv[] = {
			"runc", "--root", root, "delete", "--force", e->d_name, NULL
		};
		it_run(argv, NULL);
	}
	if (d)
		closedir(d);
	kill_procs_with(dir);
	unmount_below(dir);
	ctri_rm_rf(dir);
}

void it_sweep_all(void)
{
	char pre[64], path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir("/tmp");

	prefix(pre, sizeof(pre));
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, pre, strlen(pre)) != 0)
			continue;
		snprintf(path, sizeof(path), "/tmp/%s", e->d_name);
		fprintf(stderr, "integration: removing what a failed test left in %s\n", path);
		sweep(path);
	}
	if (d)
		closedir(d);
}

/* ---- runtime contexts ----------------------------------------------------------------------- */

int it_open(const char *oci_runtime, unsigned timeout_ms, ctr_runtime_t **out)
{
	char state[PATH_MAX], run[PATH_MAX];

	snprintf(state, sizeof(state), "%s/state", base);
	snprintf(run, sizeof(run), "%s/run", base);
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state, .run_dir = run,
		 .oci_runtime = oci_runtime, .flags = CTR_RUNTIME_NOSYNC,
		 .runtime_timeout_ms = timeout_ms);
	return ctr_runtime_open(&o, out);
}

ctr_runtime_t *it_reopen(const char *oci_runtime, unsigned timeout_ms)
{
	ctr_runtime_t *rt = NULL;
	int r = it_open(oci_runtime, timeout_ms, &rt);

	ck_assert_msg(r == 0, "ctr_runtime_open: %s", it_err(r));
	return rt;
}

ctr_runtime_t *it_runtime(void)
{
	char pre[64], shared[PATH_MAX];

	prefix(pre, sizeof(pre));
	base = ctri_strdupf("/tmp/%sXXXXXX", pre);
	ck_assert_ptr_nonnull(base);
	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(shared, sizeof(shared), "%s/io", base);
	ck_assert_int_eq(mkdir(shared, 0755), 0);
	return it_reopen(NULL, 0);
}

const char *it_base(void)
{
	return base;
}

void it_cleanup(void)
{
	if (base)
		sweep(base);
	free(base);
	base = NULL;
}

void it_setup(void)
{
	for (size_t i = 0; i < sizeof(helper_vars) / sizeof(helper_vars[0]); i++) {
		const char *v = getenv(helper_vars[i]);
		saved_helpers[i] = v ? strdup(v) : NULL;
	}
	it_rt = it_runtime();
}

void it_teardown(void)
{
	static const char *const vars[] = { "FAKE_RUNTIME_HANG",	 "FAKE_RUNTIME_CRASH",
					    "FAKE_RUNTIME_FAIL",	 "FAKE_RUNTIME_LOG",
					    "FAKE_RUNTIME_ARGS",	 "FAKE_RUNTIME_CRIU",
					    "FAKE_RUNTIME_GARBAGE",	 "FAKE_RUNTIME_HOSTILE",
					    "FAKE_RUNTIME_HOSTILE_JSON", "CTR_CRIU" };

	ctr_runtime_close(it_rt);
	it_rt = NULL;
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	for (size_t i = 0; i < sizeof(helper_vars) / sizeof(helper_vars[0]); i++) {
		if (saved_helpers[i])
			setenv(helper_vars[i], saved_helpers[i], 1);
		else
			unsetenv(helper_vars[i]);
		free(saved_helpers[i]);
		saved_helpers[i] = NULL;
	}
	it_cleanup();
}

const char *it_rootfs(void)
{
	return getenv("CTR_TEST_ROOTFS");
}

const char *it_fake_runtime(void)
{
	const char *p = getenv("CTR_FAKE_RUNTIME");

	ck_assert_msg(p && access(p, X_OK) == 0, "CTR_FAKE_RUNTIME (%s) is not executable",
		      p ? p : "unset");
	return p;
}

int it_run(const char *const *argv, char **output)
{
	posix_spawn_file_actions_t fa;
	int pipefd[2], status;
	pid_t pid;
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	if (!buf || pipe2(pipefd, O_CLOEXEC) < 0) {
		free(buf);
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	int r = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (r != 0) {
		close(pipefd[0]);
		free(buf);
		return -1;
	}
	for (;;) {
		if (len + 1 >= cap)
			buf = realloc(buf, cap *= 2);
		ssize_t n = read(pipefd[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (output)
		*output = buf;
	else
		free(buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- containers ----------------------------------------------------------------------------- */

/* it_config() on the busybox rootfs (layers 0) or on it and it_base()/layer2 (layers 1). */
static ctr_config_t *config_on(const char *script, int layers)
{
	const char *const args[] = { "/bin/sh", "-c", script, NULL };
	char shared[PATH_MAX], layer2[PATH_MAX], file[PATH_MAX + 16];
	ctr_config_t *cfg = NULL;

	snprintf(shared, sizeof(shared), "%s/io", base);
	ck_assert_int_eq(ctr_config_new(&cfg), 0);
	if (layers) {
		snprintf(layer2, sizeof(layer2), "%s/layer2", base);
		snprintf(file, sizeof(file), "%s/layer2.txt", layer2);
		ck_assert_int_eq(mkdir(layer2, 0755) == 0 || errno == EEXIST, 1);
		FILE *f = fopen(file, "w");
		ck_assert_ptr_nonnull(f);
		fputs(IT_LAYER2_TEXT "\n", f);
		fclose(f);
		ck_assert_int_eq(ctr_config_add_layer(cfg, it_rootfs()), 0);
		ck_assert_int_eq(ctr_config_add_layer(cfg, layer2), 0);
	} else
		ck_assert_int_eq(ctr_config_set_rootfs(cfg, it_rootfs()), 0);
	ck_assert_int_eq(ctr_config_set_args(cfg, args), 0);
	ck_assert_int_eq(ctr_config_add_mount(cfg, shared, "/shared", NULL, NULL), 0);
	ck_assert_int_eq(ctr_config_set_stop_timeout(cfg, 1), 0);
	return cfg;
}

ctr_config_t *it_config(const char *script)
{
	return config_on(script, 0);
}

ctr_config_t *it_config_layered(const char *script)
{
	return config_on(script, 1);
}

ctr_container_t *it_create(ctr_runtime_t *rt, ctr_config_t *cfg)
{
	ctr_container_t *c = NULL;
	int r = ctr_create(rt, cfg, &c);

	ck_assert_msg(r == 0, "ctr_create: %s", it_err(r));
	ctr_config_free(cfg);
	return c;
}

ctr_container_t *it_sh(ctr_runtime_t *rt, const char *script)
{
	return it_create(rt, it_config(script));
}

static void shared_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/io/%s", base, name);
}

void it_touch(const char *name)
{
	char path[PATH_MAX];

	shared_path(path, sizeof(path), name);
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ck_assert_msg(fd >= 0, "create %s: %s", path, strerror(errno));
	close(fd);
}

void it_take_file(const char *name, int timeout_ms)
{
	char path[PATH_MAX];
	double end = it_now() + timeout_ms / 1000.0;

	shared_path(path, sizeof(path), name);
	while (access(path, F_OK) != 0) {
		ck_assert_msg(it_now() < end, "%s did not appear within %d ms", path, timeout_ms);
		it_sleep_ms(5);
	}
	unlink(path);
}

int it_has_file(const char *name)
{
	char path[PATH_MAX];

	shared_path(path, sizeof(path), name);
	return access(path, F_OK) == 0;
}

const char *it_err(int r)
{
	static __thread char buf[2048];
	char msg[1536];

	snprintf(msg, sizeof(msg), "%s", ctr_last_error());
	snprintf(buf, sizeof(buf), "%d (%s): %s", r, ctr_strerror(r), msg);
	return buf;
}

ctr_state_t it_state(ctr_container_t *c)
{
	ctr_state_t s = CTR_STATE_UNKNOWN;
	int r = ctr_state(c, &s);

	ck_assert_msg(r == 0, "ctr_state(%s): %s", ctr_name(c), it_err(r));
	return s;
}

pid_t it_pid(ctr_container_t *c)
{
	pid_t pid = -1;
	int r = ctr_pid(c, &pid);

	ck_assert_msg(r == 0, "ctr_pid(%s): %s", ctr_name(c), it_err(r));
	return pid;
}

int it_wait(ctr_container_t *c, int timeout_ms)
{
	int code = -12345;
	int r = ctr_wait(c, timeout_ms, &code);

	ck_assert_msg(r == 0, "ctr_wait(%s, %d): %s", ctr_name(c), timeout_ms, it_err(r));
	return code;
}

int it_exit_code(ctr_container_t *c)
{
	int code = -12345;
	int r = ctr_exit_code(c, &code);

	ck_assert_msg(r == 0, "ctr_exit_code(%s): %s", ctr_name(c), it_err(r));
	return code;
}

/* ns since the epoch of an inspect time, "YYYY-MM-DDTHH:MM:SS.NNNNNNNNNZ" (RFC 3339 with
 * nanoseconds, UTC); the test fails on any other form. */
static long long rfc3339_ns(const char *s)
{
	struct tm tm = { 0 };
	char frac[16] = "", z = 0;
	int n = sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%15[0-9]%c", &tm.tm_year, &tm.tm_mon,
		       &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, frac, &z);

	ck_assert_msg(n == 8 && z == 'Z' && strlen(frac) == 9 && strlen(s) == 30,
		      "not an RFC 3339 UTC time with nanoseconds: \"%s\"", s);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (long long)timegm(&tm) * 1000000000LL + atoll(frac);
}

/* The member key of the inspected state record (a time as ns since the epoch): 1 and
 * *val, or 0; *text gets the JSON. */
static int state_member(ctr_container_t *c, const char *key, long long *val, char **text)
{
	char *json = NULL;
	json_object *obj, *state, *v;
	int r = ctr_inspect(c, &json), found = 0;

	ck_assert_msg(r == 0, "ctr_inspect(%s): %s", ctr_name(c), it_err(r));
	obj = json_tokener_parse(json);
	ck_assert_msg(obj != NULL, "ctr_inspect gave bad JSON: %s", json);
	if (json_object_object_get_ex(obj, "state", &state) &&
	    json_object_object_get_ex(state, key, &v) &&
	    (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_boolean))) {
		*val = json_object_is_type(v, json_type_boolean) ? json_object_get_boolean(v)
								 : json_object_get_int64(v);
		found = 1;
	} else if (state && json_object_object_get_ex(state, key, &v) &&
		   json_object_is_type(v, json_type_string) && strstr(key, "_at")) {
		*val = rfc3339_ns(json_object_get_string(v));
		found = 1;
	}
	json_object_put(obj);
	if (text)
		*text = strdup(json);
	ctr_free(json);
	return found;
}

long long it_state_int(ctr_container_t *c, const char *key)
{
	long long v = 0;
	char *text = NULL;
	int found = state_member(c, key, &v, &text);

	ck_assert_msg(found, "no integer or boolean \"%s\" in the state record: %s", key, text);
	free(text);
	return v;
}

int it_state_has(ctr_container_t *c, const char *key)
{
	long long v;

	return state_member(c, key, &v, NULL);
}

int it_has_owner(ctr_container_t *c)
{
	char *json = NULL;

	IT_OK(ctr_inspect(c, &json));
	int found = strstr(json, "\"owner\":{") != NULL;
	ctr_free(json);
	return found;
}

/* ---- after a failure ------------------------------------------------------------------------ */

void it_assert_unchanged(ctr_container_t *c, ctr_state_t want, int fds)
{
	IT_STATE(c, want);
	if (want == CTR_STATE_CONFIGURED)
		it_assert_no_traces(ctr_id(c));
	it_assert_no_children();
	ck_assert_int_eq(it_fd_count(), fds);
}

void it_assert_refused_to_run(ctr_container_t *c, int code, const char *what, const char *also)
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
	it_assert_unchanged(c, CTR_STATE_CONFIGURED, fds);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}

/* ---- processes and leaks -------------------------------------------------------------------- */

double it_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void it_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int it_fd_count(void)
{
	return procwalk_fd_count();
}

void it_assert_no_children(void)
{
	char kids[4096];

	ck_assert_msg(procwalk_children(kids, sizeof(kids)) == 0, "child processes left: %s", kids);
	int status;
	pid_t r = waitpid(-1, &status, WNOHANG);
	ck_assert_msg(r == 0 || (r < 0 && errno == ECHILD), "a zombie child was left: %ld",
		      (long)r);
}

int it_alive(pid_t pid)
{
	return procwalk_alive(pid);
}

int it_wait_gone(pid_t pid, int timeout_ms)
{
	double end = it_now() + timeout_ms / 1000.0;

	while (it_alive(pid)) {
		if (it_now() >= end)
			return 0;
		it_sleep_ms(5);
	}
	return 1;
}

void it_assert_no_procs_with(const char *needle)
{
	char cmd[4096] = "";
	double end = it_now() + IT_GUARD_MS / 1000.0;
	pid_t pid = 0;
	int n;

	while ((n = procwalk_count_with(needle, &pid, cmd, sizeof(cmd))) > 0 && it_now() < end)
		it_sleep_ms(20);
	ck_assert_msg(n == 0, "%d process(es) mentioning %s left, e.g. %ld: %s", n, needle,
		      (long)pid, cmd);
}

const char *it_cgroup_left(const char *id, char *buf, size_t len)
{
	struct dirent *e;
	struct stat st;
	DIR *d = opendir("/sys/fs/cgroup");
	const char *found = NULL;

	snprintf(buf, len, "/sys/fs/cgroup/libctr/%s", id);
	if (stat(buf, &st) == 0)
		found = buf;
	while (!found && d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(buf, len, "/sys/fs/cgroup/%s/libctr/%s", e->d_name, id);
		if (stat(buf, &st) == 0)
			found = buf;
	}
	if (d)
		closedir(d);
	return found;
}

static int mounts_mention(const char *id)
{
	char *text = NULL;
	size_t len;

	if (ctri_read_file("/proc/self/mountinfo", 1 << 22, &text, &len) < 0)
		return 0;
	int found = strstr(text, id) != NULL;
	free(text);
	return found;
}

void it_assert_no_traces(const char *id)
{
	char runtime_dir[PATH_MAX], cg[PATH_MAX], cmd[4096];
	double end = it_now() + IT_GUARD_MS / 1000.0;
	pid_t pid = 0;

	snprintf(runtime_dir, sizeof(runtime_dir), "%s/run/runtime/%s", base, id);
	for (;;) {
		int procs = procwalk_count_with(id, &pid, cmd, sizeof(cmd));
		int state = access(runtime_dir, F_OK) == 0;
		const char *cgroup = it_cgroup_left(id, cg, sizeof(cg));
		int mounted = mounts_mention(id);
		if (!procs && !state && !cgroup && !mounted)
			return;
		if (it_now() > end) {
			ck_assert_msg(!procs, "%d process(es) of container %s left, e.g. %ld: %s",
				      procs, id, (long)pid, cmd);
			ck_assert_msg(!state, "runtime state left: %s", runtime_dir);
			ck_assert_msg(!cgroup, "cgroup left: %s", cgroup);
			ck_assert_msg(!mounted, "a mount of container %s is left", id);
		}
		it_sleep_ms(20);
	}
}

pid_t it_fork(int (*fn)(void *), void *arg)
{
	fflush(NULL);
	pid_t pid = fork();

	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0)
		_exit(fn(arg) & 0xff);
	return pid;
}

int it_join(pid_t pid, int timeout_ms)
{
	double end = it_now() + timeout_ms / 1000.0;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		ck_assert_msg(r == 0 || errno == EINTR, "waitpid %ld: %s", (long)pid,
			      strerror(errno));
		if (it_now() >= end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		it_sleep_ms(5);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- the fake runtime ----------------------------------------------------------------------- */

void it_fake_log(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/fake.log", base);
	setenv("FAKE_RUNTIME_LOG", path, 1);
}

ctr_runtime_t *it_fake_reopen(unsigned timeout_ms)
{
	it_fake_log();
	return it_reopen(it_fake_runtime(), timeout_ms);
}

int it_fake_calls(const char *sub, pid_t *pids, int max)
{
	char path[PATH_MAX], name[64];
	long pid;
	int n = 0;

	snprintf(path, sizeof(path), "%s/fake.log", base);
	FILE *f = fopen(path, "re");
	while (f && n < max && fscanf(f, "%ld %63s", &pid, name) == 2)
		if (!strcmp(name, sub))
			pids[n++] = (pid_t)pid;
	if (f)
		fclose(f);
	return n;
}

void it_assert_fake_calls_gone(const char *sub, int timeout_ms)
{
	pid_t pids[64];
	int n = it_fake_calls(sub, pids, 64);
	double end = it_now() + timeout_ms / 1000.0;

	for (int i = 0; i < n; i++) {
		int ms = (int)((end - it_now()) * 1000);
		ck_assert_msg(it_wait_gone(pids[i], ms > 0 ? ms : 0),
			      "the fake runtime's `%s` (pid %ld) is still running", sub,
			      (long)pids[i]);
	}
}

int it_child_op(const char *oci_runtime, const char *id, const char *what,
		int (*op)(ctr_container_t *c))
{
	ctr_runtime_t *rt = NULL;
	ctr_container_t *c = NULL;
	int r;

	if ((r = it_open(oci_runtime, 0, &rt)) < 0 || (r = ctr_lookup(rt, id, &c)) < 0 ||
	    (r = op(c)) < 0)
		fprintf(stderr, "%s in a child: %s\n", what, it_err(r));
	ctr_container_free(c);
	ctr_runtime_close(rt);
	return r < 0;
}
