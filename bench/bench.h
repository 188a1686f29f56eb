/* Helpers shared by the benchmarks (each bench/NAME.c is its own program; everything here is
 * static inline so a program may use any part of it). */
#ifndef CTR_BENCH_H
#define CTR_BENCH_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctr/ctr.h"

#include "../tests/fixtures/procwalk.h"

static inline double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static inline long long realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct stats {
	double min, median, p99;
};

/* Sorts v. p99 is the sample below which 99% fall (the maximum for n < 100). */
static inline struct stats stats_of(double *v, size_t n)
{
	struct stats s = { 0, 0, 0 };

	if (n == 0)
		return s;
	qsort(v, n, sizeof(*v), bench_cmp_double);
	s.min = v[0];
	s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	s.p99 = v[(n * 99 + 99) / 100 - 1];
	return s;
}

/* One markdown row: | metric | min | median | p99 | target |. */
static inline void row(const char *metric, struct stats s, const char *unit, const char *target)
{
	printf("| %s | %.2f %s | %.2f %s | %.2f %s | %s |\n", metric, s.min, unit, s.median, unit,
	       s.p99, unit, target);
	fflush(stdout);
}

/* Results for bench/run.sh's ratios: "key value" lines appended to $CTR_BENCH_KV. */
static inline void kv(const char *key, double value)
{
	const char *path = getenv("CTR_BENCH_KV");
	FILE *f = path ? fopen(path, "ae") : NULL;

	if (f) {
		fprintf(f, "%s %.6f\n", key, value);
		fclose(f);
	}
}

static inline void kv_stats(const char *key, struct stats s)
{
	char k[128];

	snprintf(k, sizeof(k), "%s_min", key);
	kv(k, s.min);
	snprintf(k, sizeof(k), "%s_median", key);
	kv(k, s.median);
	snprintf(k, sizeof(k), "%s_p99", key);
	kv(k, s.p99);
}

/* Run argv with stdin and stdout on /dev/null; stdout into *out (up to size bytes) when
 * out is not NULL. stderr is kept in a file and printed when the command fails. Returns
 * the exit status, or -1. */
static inline int run_cmd(char *const argv[], char *out, size_t size)
{
	char errpath[] = "/tmp/ctr-bench-err-XXXXXX";
	int errfd = mkstemp(errpath), p[2] = { -1, -1 }, status = -1;

	if (errfd < 0 || (out && pipe2(p, O_CLOEXEC) < 0))
		return -1;
	unlink(errpath);
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(out ? p[1] : null, 1);
		dup2(errfd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (out) {
		size_t n = 0;
		ssize_t r;
		close(p[1]);
		while (pid > 0 && n + 1 < size && (r = read(p[0], out + n, size - n - 1)) != 0) {
			if (r > 0)
				n += (size_t)r;
			else if (errno != EINTR)
				break;
		}
		out[n] = '\0';
		close(p[0]);
	}
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pid > 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		char buf[4096];
		ssize_t n = pread(errfd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		fprintf(stderr, "bench: %s failed (status %d): %s\n", argv[0], status, buf);
	}
	close(errfd);
	return pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* run_cmd(argv) timed: its duration in ms, or -1 when it failed (its stderr printed). */
static inline double timed_cmd(char *const argv[])
{
	double t0 = now_ms();

	return run_cmd(argv, NULL, 0) == 0 ? now_ms() - t0 : -1;
}

/* VmRSS (/proc/PID/status) and Pss (/proc/PID/smaps_rollup) in kB. */
static inline int read_mem(pid_t pid, long *rss_kb, long *pss_kb)
{
	char path[64], line[256];
	FILE *f;

	*rss_kb = *pss_kb = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "re")))
		return -1;
	while (fgets(line, sizeof(line), f))
		sscanf(line, "VmRSS: %ld", rss_kb);
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	if (!(f = fopen(path, "re")))
		return -1;
	while (fgets(line, sizeof(line), f))
		sscanf(line, "Pss: %ld", pss_kb);
	fclose(f);
	return *rss_kb >= 0 && *pss_kb >= 0 ? 0 : -1;
}

static inline void mem_row(const char *metric, long kb, const char *target)
{
	printf("| %s | - | %ld kB | - | %s |\n", metric, kb, target);
	fflush(stdout);
}

/* Members of a JSON text found by name: a real program would use a JSON parser; the
 * benchmarks look only at names that occur once (inspect's "monitor_pid", "exit_file"). */
static inline long long json_int(const char *json, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(json, pat);
	return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

/* A string member, unescaped (\/, \", \\), into buf; 0 or -1 when absent. */
static inline int json_str(const char *json, const char *key, char *buf, size_t size)
{
	char pat[64];
	const char *p;
	size_t n = 0;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	if (!(p = strstr(json, pat)) || size == 0)
		return -1;
	for (p += strlen(pat); *p && *p != '"' && n + 1 < size; p++) {
		if (*p == '\\' && p[1])
			p++;
		buf[n++] = *p;
	}
	buf[n] = '\0';
	return 0;
}

/* podman's global options for a store of its own (STORE/root, runroot, tmp) and, at the end,
 * PODMAN_RUN_WORDS words that start a `run` like libctr's containers: runc (podman's
 * default here is crun), no network (libctr's default; no netavark or slirp; with
 * podman_argv_network(), the network named, e.g. "podman", its default one), the vfs
 * storage driver (overlay bind-mounts its directory onto itself), cgroupfs, no event log.
 * The limits: root here may lack CAP_SYS_RESOURCE, and podman asks for RLIMIT_NPROC and
 * NOFILE above the hard limits it runs with, which runc then fails to set; these match
 * libctr's spec. Returns the number of words put in argv. */
#define PODMAN_RUN_WORDS 7
static inline int podman_argv_network(char **argv, const char *store, const char *network)
{
	static char root[160], runroot[160], tmpdir[160], net[64];
	static char *const words[] = {
		"podman", "--root", root, "--runroot", runroot, "--tmpdir", tmpdir,
		"--storage-driver", "vfs", "--cgroup-manager", "cgroupfs",
		"--events-backend", "none", "--runtime", "runc",
		"run", "--network", net, "--ulimit", "nofile=1024:1024",
		"--ulimit", "nproc=4096:4096",
	};
	int n = 0;

	snprintf(root, sizeof(root), "%s/root", store);
	snprintf(runroot, sizeof(runroot), "%s/runroot", store);
	snprintf(tmpdir, sizeof(tmpdir), "%s/tmp", store);
	snprintf(net, sizeof(net), "%s", network);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		argv[n++] = words[i];
	return n;
}

static inline int podman_argv(char **argv, const char *store)
{
	return podman_argv_network(argv, store, "none");
}

/* argv (room for 40): podman's global options for STORE, with the run words of podman_argv()
 * when run, then extra (NULL-terminated). */
static inline char **podman_words(char **argv, const char *store, int run, const char *const *extra)
{
	int n = podman_argv(argv, store);

	if (!run)
		n -= PODMAN_RUN_WORDS;
	while (*extra && n < 39)
		argv[n++] = (char *)*extra++;
	argv[n] = NULL;
	return argv;
}

/* podman's global options for STORE, then extra: `podman exec`, `inspect`, `rm`, `ps`. Runs
 * as run_cmd(). */
static inline int podman_cmd(const char *store, const char *const *extra, char *out, size_t size)
{
	char *argv[40];

	return run_cmd(podman_words(argv, store, 0, extra), out, size);
}

/* Remove dir once no process (a monitor's background `runc delete`) works in it any more,
 * waiting at most 5 s. */
static inline int rm_rf(const char *dir)
{
	char *const argv[] = { "rm", "-rf", (char *)dir, NULL };

	for (int i = 0; i < 500 && procwalk_count_with(dir, NULL, NULL, 0); i++)
		usleep(10000);
	return run_cmd(argv, NULL, 0);
}

/* A bench program's temporary directories: state on disk (bench_base), run directories on
 * tmpfs (bench_runbase; libctr's and runc's, as /run is on a standard system, so that the
 * monitor's fsync of the exit file and runc's state writes are charged to neither side).
 * bench_dirs_make() makes both from the program's name; bench_die() reports a libctr
 * failure, removes both and exits 1. */
static char bench_base[64], bench_runbase[64];
static const char *bench_prog = "bench";

static inline void bench_dirs_remove(void)
{
	rm_rf(bench_base);
	rm_rf(bench_runbase);
}

static inline int bench_dirs_make(const char *prog, const char *tag)
{
	bench_prog = prog;
	snprintf(bench_base, sizeof(bench_base), "/var/tmp/ctr-bench-%s-XXXXXX", tag);
	snprintf(bench_runbase, sizeof(bench_runbase), "/dev/shm/ctr-bench-%srun-XXXXXX", tag);
	if (!mkdtemp(bench_base))
		return -1;
	if (!mkdtemp(bench_runbase)) {
		rm_rf(bench_base);
		return -1;
	}
	return 0;
}

static inline void bench_die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", bench_prog, what, ctr_last_error());
	bench_dirs_remove();
	exit(1);
}

/* A runtime whose state directory is bench_base/NAME/state and run directory
 * bench_runbase/NAME/run; bench_die() when it cannot be opened. */
static inline ctr_runtime_t *bench_runtime_open(const char *name, unsigned flags)
{
	char state[128], run[128];
	ctr_runtime_t *rt;

	snprintf(state, sizeof(state), "%s/%s/state", bench_base, name);
	snprintf(run, sizeof(run), "%s/%s/run", bench_runbase, name);
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state, .run_dir = run, .flags = flags);
	if (ctr_runtime_open(&o, &rt) < 0)
		bench_die("open");
	return rt;
}

/* A lifecycle of /bin/true and the like: its calls, each timed (bench_lifecycle_try()). */
enum { LC_CREATE, LC_INIT, LC_START, LC_WAIT, LC_CLEANUP, LC_REMOVE, LC_STEPS };
static const char *const lc_step_names[LC_STEPS] = { "ctr_create", "ctr_init", "ctr_start",
						     "ctr_wait", "ctr_cleanup", "ctr_remove" };
#define LC_WITH_INIT 0x1u    /* ctr_init before ctr_start (two runtime calls, not one) */
#define LC_WITH_CLEANUP 0x2u /* ctr_cleanup after ctr_wait (else ctr_remove does it) */

/* One lifecycle of cfg's container: ctr_create, [ctr_init,] ctr_start, ctr_wait,
 * [ctr_cleanup,] ctr_remove (flags: LC_WITH_*). Returns its duration in ms and, when step is
 * not NULL, fills step[LC_*] with each call's (0 for a call not made). On failure, or an
 * exit code other than 0: -1, with the message in err (the container is removed with
 * CTR_FORCE). */
static inline double bench_lifecycle_try(ctr_runtime_t *rt, const ctr_config_t *cfg,
					 unsigned flags, double *step, char *err, size_t errsz)
{
	ctr_container_t *c = NULL;
	int code = -2, r = 0, i;
	double t[LC_STEPS + 1];

	t[LC_CREATE] = now_ms();
	for (i = 0; i < LC_STEPS && r == 0; i++) {
		t[i] = now_ms();
		switch (i) {
		case LC_CREATE: r = ctr_create(rt, cfg, &c); break;
		case LC_INIT: r = flags & LC_WITH_INIT ? ctr_init(c, 0) : 0; break;
		case LC_START: r = ctr_start(c, 0); break;
		case LC_WAIT: r = ctr_wait(c, -1, &code); break;
		case LC_CLEANUP: r = flags & LC_WITH_CLEANUP ? ctr_cleanup(c) : 0; break;
		default: r = ctr_remove(c, 0); break;
		}
	}
	t[LC_STEPS] = now_ms();
	if (r < 0) {
		snprintf(err, errsz, "%s: %s", lc_step_names[i - 1], ctr_last_error());
		if (c)
			ctr_remove(c, CTR_FORCE);
	} else if (code != 0) {
		snprintf(err, errsz, "the container exited with %d", code);
		r = -1;
	}
	ctr_container_free(c);
	if (r < 0)
		return -1;
	for (i = 0; step && i < LC_STEPS; i++)
		step[i] = t[i + 1] - t[i];
	return t[LC_STEPS] - t[LC_CREATE];
}

/* bench_lifecycle_try(), the program ended (its directories removed) when it fails. */
static inline double bench_lifecycle_once(ctr_runtime_t *rt, const ctr_config_t *cfg,
					  unsigned flags, double *step)
{
	char err[1024];
	double t = bench_lifecycle_try(rt, cfg, flags, step, err, sizeof(err));

	if (t < 0) {
		fprintf(stderr, "%s: %s\n", bench_prog, err);
		bench_dirs_remove();
		exit(1);
	}
	return t;
}

/* Variants measured in interleaved rounds: n rounds (after one warm-up round), each
 * running every variant once in turn, so that all of them see the same machine and their
 * ratios stay meaningful on a busy host. Each round starts one variant further on, so
 * that no variant always follows the same one (podman's cleanup goes on in the background
 * after its command returns, and would otherwise always slow the variant after it). run(ctx, v, round, steps) returns variant v's
 * time in ms and fills its steps' times (its breakdown); variants whose skip is set are
 * not run. The times: for variant v, bench_times(t, n, n_steps, v, 0) holds its n times
 * and bench_times(t, n, n_steps, v, 1 + j) step j's. */
struct bench_variant {
	const char *label, *key, *target;
	int breakdown; /* print a row per step */
	int skip;      /* not measured (a tool missing) */
	/* its steps' names, when not the shared ones; a NULL name: no row for that step */
	const char *const *steps;
};

static inline double *bench_times(double *t, int n, int n_steps, int v, int row_)
{
	return t + ((size_t)v * (size_t)(n_steps + 1) + (size_t)row_) * (size_t)n;
}

static inline double *bench_rounds(int n, const struct bench_variant *variants, int n_variants,
				   int n_steps, double (*run)(void *, int, int, double *),
				   void *ctx)
{
	double *t = calloc((size_t)n * (size_t)n_variants * (size_t)(n_steps + 1), sizeof(double));
	double *one = calloc((size_t)n_steps + 1, sizeof(double));

	if (!t || !one) {
		fprintf(stderr, "%s: out of memory\n", bench_prog);
		exit(1);
	}
	for (int i = -1; i < n; i++) {
		for (int k = 0; k < n_variants; k++) {
			int v = (k + (i < 0 ? 0 : i)) % n_variants;
			if (variants[v].skip)
				continue;
			memset(one, 0, ((size_t)n_steps + 1) * sizeof(double));
			double d = run(ctx, v, i, one);
			if (i < 0)
				continue;
			bench_times(t, n, n_steps, v, 0)[i] = d;
			for (int j = 0; j < n_steps; j++)
				bench_times(t, n, n_steps, v, 1 + j)[i] = one[j];
		}
	}
	free(one);
	return t;
}

/* The rows of bench_rounds' times: one per measured variant (its key's stats go to the
 * KV file) and, for those with a breakdown, one per step that has a name (the variant's
 * steps, else step_names) and whose bit is not in skip_steps(v) (NULL: none skipped).
 * Returns the median of variant `main_v`. */
static inline double bench_rounds_rows(double *t, int n, const struct bench_variant *variants,
				       int n_variants, int n_steps,
				       const char *const *step_names,
				       unsigned (*skip_steps)(int v), int main_v)
{
	char name[128];
	double median = 0;

	for (int v = 0; v < n_variants; v++) {
		if (variants[v].skip)
			continue;
		struct stats s = stats_of(bench_times(t, n, n_steps, v, 0), (size_t)n);
		row(variants[v].label, s, "ms", variants[v].target);
		kv_stats(variants[v].key, s);
		if (v == main_v)
			median = s.median;
		for (int j = 0; variants[v].breakdown && j < n_steps; j++) {
			const char *step = variants[v].steps ? variants[v].steps[j] : step_names[j];
			if (!step || (skip_steps && (skip_steps(v) & (1u << j))))
				continue;
			snprintf(name, sizeof(name), "&nbsp;&nbsp;of which %s", step);
			row(name, stats_of(bench_times(t, n, n_steps, v, 1 + j), (size_t)n), "ms",
			    "-");
		}
	}
	return median;
}

#endif
