/* libctr's lifecycle costs, for `make bench` (DESIGN §7). Prints markdown rows; results go to
 * $CTR_BENCH_KV for bench/run.sh's ratios against runc and podman (bench_baseline).
 *
 * Usage: bench_lifecycle ROOTFS [N]   (N serial lifecycles per row, default 30)
 *
 * - serial: N x (ctr_create + ctr_init + ctr_start + ctr_wait + ctr_remove) of /bin/true,
 *   with the default durability and with CTR_RUNTIME_NOSYNC; and N x (ctr_create +
 *   ctr_start + ctr_wait + ctr_remove), where start creates and starts in one runtime call.
 * - parallel: 16 threads, each running PAR_ROUNDS lifecycles at once, one shared context.
 * - exit noticed by ctr_wait_fd: a container `sh -c 'exit 0'` is inited, its wait fd taken
 *   and an inotify watch put on the exit directory, then it is started. The latency is the
 *   time from the exit file's rename (inotify) to poll() on the wait fd returning, and from
 *   the reaping of the init (the exit file's "time", CLOCK_REALTIME) to the same moment.
 * - monitor memory: VmRSS and Pss of the ctr-monitor holding a `sleep 1000` container,
 *   alone and with MEM_N such containers. */
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>

#include <ctr/ctr.h>

#include "bench.h"

#define PAR_THREADS 16
#define PAR_ROUNDS 3
#define MEM_N 10

static char base[] = "/var/tmp/ctr-bench-life-XXXXXX";

static void die(const char *what)
{
	fprintf(stderr, "bench_lifecycle: %s: %s\n", what, ctr_last_error());
	rm_rf(base);
	exit(1);
}

static ctr_runtime_t *open_runtime(const char *name, unsigned flags)
{
	char state[128], run[128];
	ctr_runtime_t *rt;

	snprintf(state, sizeof(state), "%s/%s/state", base, name);
	snprintf(run, sizeof(run), "%s/%s/run", base, name);
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state, .run_dir = run, .flags = flags);
	if (ctr_runtime_open(&o, &rt) < 0)
		die("open");
	return rt;
}

static ctr_config_t *config(const char *rootfs, const char *const *args)
{
	ctr_config_t *cfg;

	if (ctr_config_new(&cfg) < 0 || ctr_config_set_rootfs(cfg, rootfs) < 0 ||
	    ctr_config_set_args(cfg, args) < 0)
		die("config");
	return cfg;
}

enum { S_CREATE, S_INIT, S_START, S_WAIT, S_REMOVE, N_STEPS };
static const char *const step_names[N_STEPS] = { "ctr_create", "ctr_init", "ctr_start",
						 "ctr_wait", "ctr_remove" };

/* One lifecycle of cfg's container; returns its duration in ms and, when step is not NULL,
 * the duration of each call. with_init: call ctr_init before ctr_start (two runtime calls)
 * rather than letting start do both (one call). */
static double lifecycle(ctr_runtime_t *rt, const ctr_config_t *cfg, int with_init, double *step)
{
	ctr_container_t *c;
	int code = -2;
	double t[N_STEPS + 1];

	t[S_CREATE] = now_ms();
	if (ctr_create(rt, cfg, &c) < 0)
		die("ctr_create");
	t[S_INIT] = now_ms();
	if (with_init && ctr_init(c, 0) < 0)
		die("ctr_init");
	t[S_START] = now_ms();
	if (ctr_start(c, 0) < 0)
		die("ctr_start");
	t[S_WAIT] = now_ms();
	if (ctr_wait(c, -1, &code) < 0)
		die("ctr_wait");
	t[S_REMOVE] = now_ms();
	if (ctr_remove(c, 0) < 0)
		die("ctr_remove");
	t[N_STEPS] = now_ms();
	ctr_container_free(c);
	if (code != 0) {
		fprintf(stderr, "bench_lifecycle: /bin/true exited with %d\n", code);
		exit(1);
	}
	for (int i = 0; step && i < N_STEPS; i++)
		step[i] = t[i + 1] - t[i];
	return t[N_STEPS] - t[S_CREATE];
}

/* n lifecycles: a row, and with breakdown a row per call (where the time goes). */
static struct stats serial(ctr_runtime_t *rt, const ctr_config_t *cfg, int n, int with_init,
			   const char *label, const char *key, const char *target, int breakdown)
{
	double *t = calloc((size_t)n * (N_STEPS + 1), sizeof(double)), *step = t + n;
	char name[128];

	lifecycle(rt, cfg, with_init, NULL); /* warm-up: page cache, runc's binary */
	for (int i = 0; i < n; i++) {
		double one[N_STEPS];
		t[i] = lifecycle(rt, cfg, with_init, one);
		for (int j = 0; j < N_STEPS; j++)
			step[j * n + i] = one[j];
	}
	struct stats s = stats_of(t, (size_t)n);
	row(label, s, "ms", target);
	kv_stats(key, s);
	for (int j = 0; breakdown && j < N_STEPS; j++) {
		snprintf(name, sizeof(name), "&nbsp;&nbsp;of which %s", step_names[j]);
		row(name, stats_of(step + j * n, (size_t)n), "ms", "-");
	}
	free(t);
	return s;
}

struct par {
	ctr_runtime_t *rt;
	const ctr_config_t *cfg;
	pthread_barrier_t *go;
	double t[PAR_ROUNDS];
};

static void *par_thread(void *arg)
{
	struct par *p = arg;

	pthread_barrier_wait(p->go);
	for (int i = 0; i < PAR_ROUNDS; i++)
		p->t[i] = lifecycle(p->rt, p->cfg, 1, NULL);
	return NULL;
}

static void parallel(ctr_runtime_t *rt, const ctr_config_t *cfg, double serial_median)
{
	static struct par p[PAR_THREADS];
	pthread_t th[PAR_THREADS];
	pthread_barrier_t go;
	double t[PAR_THREADS * PAR_ROUNDS];
	char label[128], target[64];

	pthread_barrier_init(&go, NULL, PAR_THREADS);
	for (int i = 0; i < PAR_THREADS; i++) {
		p[i] = (struct par){ .rt = rt, .cfg = cfg, .go = &go };
		if (pthread_create(&th[i], NULL, par_thread, &p[i]) != 0)
			die("pthread_create");
	}
	for (int i = 0; i < PAR_THREADS; i++) {
		pthread_join(th[i], NULL);
		memcpy(t + i * PAR_ROUNDS, p[i].t, sizeof(p[i].t));
	}
	pthread_barrier_destroy(&go);
	struct stats s = stats_of(t, PAR_THREADS * PAR_ROUNDS);
	snprintf(label, sizeof(label),
		 "libctr lifecycle, %d in parallel (%d threads x %d, %ld CPUs)", PAR_THREADS,
		 PAR_THREADS, PAR_ROUNDS, sysconf(_SC_NPROCESSORS_ONLN));
	snprintf(target, sizeof(target), "p99 ≤ 2× serial median (%.1f ms)", 2 * serial_median);
	row(label, s, "ms", target);
	kv_stats("parallel", s);
}

/* The exit file's "time" (ns, CLOCK_REALTIME), or -1. */
static long long exit_time(const char *exits, const char *id)
{
	char path[PATH_MAX], buf[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", exits, id);
	if (!(f = fopen(path, "re")))
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return json_int(buf, "time");
}

/* Latencies of one run, in ms: [0] from the exit file's rename, [1] from the reaping. */
static void wait_fd_once(ctr_runtime_t *rt, const ctr_config_t *cfg, const char *exits,
			 double *lat)
{
	ctr_container_t *c;
	char ev[4096] __attribute__((aligned(8)));
	long long t_file = 0, t_wait = 0;
	int code;

	int ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (ino < 0 || inotify_add_watch(ino, exits, IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
		perror("bench_lifecycle: inotify on the exit directory");
		exit(1);
	}
	if (ctr_create(rt, cfg, &c) < 0 || ctr_init(c, 0) < 0)
		die("wait_fd: create/init");
	int fd = ctr_wait_fd(c);
	if (fd < 0)
		die("ctr_wait_fd");
	if (ctr_start(c, 0) < 0)
		die("wait_fd: start");
	while (!t_wait) {
		struct pollfd pfd[2] = { { .fd = ino, .events = POLLIN },
					 { .fd = fd, .events = POLLIN } };
		if (poll(pfd, 2, 10000) <= 0) {
			fprintf(stderr, "bench_lifecycle: ctr_wait_fd not readable after 10 s\n");
			exit(1);
		}
		long long now = realtime_ns();
		ssize_t len;
		while (pfd[0].revents && (len = read(ino, ev, sizeof(ev))) > 0) {
			for (char *p = ev; p < ev + len;) {
				struct inotify_event *e = (struct inotify_event *)p;
				if (!t_file && e->len && !strcmp(e->name, ctr_id(c)))
					t_file = now;
				p += sizeof(*e) + e->len;
			}
		}
		if (pfd[1].revents)
			t_wait = now;
	}
	long long reaped = exit_time(exits, ctr_id(c));
	if (!t_file || reaped < 0) {
		fprintf(stderr, "bench_lifecycle: no exit file %s/%s seen\n", exits, ctr_id(c));
		exit(1);
	}
	if (ctr_wait(c, 0, &code) < 0 || ctr_remove(c, 0) < 0)
		die("wait_fd: wait/remove");
	close(fd);
	close(ino);
	ctr_container_free(c);
	lat[0] = (double)(t_wait - t_file) / 1e6;
	lat[1] = (double)(t_wait - reaped) / 1e6;
}

/* The exit directory: the directory of inspect's "paths"."exit_file". */
static void exits_dir(ctr_runtime_t *rt, const ctr_config_t *cfg, char *buf, size_t size)
{
	ctr_container_t *c;
	char *json = NULL, *slash;

	if (ctr_create(rt, cfg, &c) < 0 || ctr_inspect(c, &json) < 0)
		die("exits_dir: create/inspect");
	if (json_str(json, "exit_file", buf, size) < 0 || !(slash = strrchr(buf, '/'))) {
		fprintf(stderr, "bench_lifecycle: no paths.exit_file in inspect: %s\n", json);
		exit(1);
	}
	*slash = '\0';
	ctr_free(json);
	if (ctr_remove(c, 0) < 0)
		die("exits_dir: remove");
	ctr_container_free(c);
}

static void wait_fd_latency(ctr_runtime_t *rt, const char *rootfs, int n)
{
	const char *const args[] = { "/bin/sh", "-c", "exit 0", NULL };
	ctr_config_t *cfg = config(rootfs, args);
	double *file = calloc((size_t)n, sizeof(double)), *reap = calloc((size_t)n, sizeof(double));
	char exits[PATH_MAX];
	double lat[2];

	exits_dir(rt, cfg, exits, sizeof(exits));
	wait_fd_once(rt, cfg, exits, lat); /* warm-up */
	for (int i = 0; i < n; i++) {
		wait_fd_once(rt, cfg, exits, lat);
		file[i] = lat[0];
		reap[i] = lat[1];
	}
	struct stats s = stats_of(file, (size_t)n);
	row("exit noticed by ctr_wait_fd, after the exit file's rename", s, "ms", "< 1 ms");
	kv_stats("waitfd_file", s);
	s = stats_of(reap, (size_t)n);
	row("exit noticed by ctr_wait_fd, after the init was reaped (exit file \"time\")", s, "ms",
	    "-");
	kv_stats("waitfd_reap", s);
	free(file);
	free(reap);
	ctr_config_free(cfg);
}

/* The monitor's pid: inspect's "monitor_pid", or the parent of the container's init. */
static pid_t monitor_pid(ctr_container_t *c)
{
	char *json = NULL, path[64], buf[512];
	long long pid = -1;
	pid_t init = 0;

	if (ctr_inspect(c, &json) == 0) {
		pid = json_int(json, "monitor_pid");
		ctr_free(json);
	}
	if (pid > 0)
		return (pid_t)pid;
	if (ctr_pid(c, &init) < 0 || init <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)init);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	char *p = strrchr(buf, ')'); /* "pid (comm) state ppid ..." */
	return p && sscanf(p + 1, " %*c %lld", &pid) == 1 ? (pid_t)pid : -1;
}

/* Memory of the monitors of the first k containers; the averages in kB. */
static int monitors_mem(ctr_container_t **c, int k, double *rss, double *pss)
{
	long r, p;

	*rss = *pss = 0;
	for (int i = 0; i < k; i++) {
		pid_t mon = monitor_pid(c[i]);
		if (mon <= 0 || read_mem(mon, &r, &p) < 0) {
			fprintf(stderr, "bench_lifecycle: cannot read the memory of monitor %d\n",
				(int)mon);
			return -1;
		}
		*rss += (double)r / k;
		*pss += (double)p / k;
	}
	return 0;
}

/* One monitor alone, then MEM_N at once: a static monitor shares its pages with the
 * others, so its Pss per container falls as containers are added. */
static void monitor_memory(ctr_runtime_t *rt, const char *rootfs)
{
	const char *const args[] = { "/bin/sleep", "1000", NULL };
	ctr_config_t *cfg = config(rootfs, args);
	ctr_container_t *c[MEM_N];
	double rss1, pss1, rss, pss;
	char label[128];
	int r;

	for (int i = 0; i < MEM_N; i++)
		if (ctr_create(rt, cfg, &c[i]) < 0 || (i == 0 && ctr_start(c[i], 0) < 0))
			die("memory: create/start");
	r = monitors_mem(c, 1, &rss1, &pss1);
	for (int i = 1; i < MEM_N; i++)
		if (ctr_start(c[i], 0) < 0)
			die("memory: start");
	if (r == 0)
		r = monitors_mem(c, MEM_N, &rss, &pss);
	if (r == 0) {
		mem_row("ctr-monitor VmRSS, holding `sleep 1000`", (long)rss1,
			"≤ conmon's, < 1024 kB");
		mem_row("ctr-monitor Pss, alone", (long)pss1, "≤ ½ conmon's");
		snprintf(label, sizeof(label), "ctr-monitor Pss per container, %d containers",
			 MEM_N);
		mem_row(label, (long)pss, "≤ ½ conmon's");
		kv("monitor_rss_kb", rss1);
		kv("monitor_pss_kb", pss1);
		kv("monitor_pss_n_kb", pss);
	}
	for (int i = 0; i < MEM_N; i++) {
		if (ctr_stop(c[i], 0) < 0 || ctr_remove(c[i], 0) < 0)
			die("memory: stop/remove");
		ctr_container_free(c[i]);
	}
	ctr_config_free(cfg);
	if (r < 0)
		exit(1);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_lifecycle ROOTFS [N]\n");
		return 2;
	}
	const char *rootfs = argv[1];
	int n = argc > 2 ? atoi(argv[2]) : 30;
	const char *const args[] = { "/bin/true", NULL };

	if (n < 1 || !mkdtemp(base))
		return 2;
	ctr_runtime_t *durable = open_runtime("durable", 0);
	ctr_runtime_t *nosync = open_runtime("nosync", CTR_RUNTIME_NOSYNC);
	ctr_config_t *cfg = config(rootfs, args);

	struct stats s = serial(durable, cfg, n, 1,
				"libctr create+init+start+wait+remove of /bin/true", "libctr",
				"≤ 1.15× `runc run`; podman ≥ 5×", 1);
	serial(nosync, cfg, n, 1, "libctr create+init+start+wait+remove, CTR_RUNTIME_NOSYNC",
	       "libctr_nosync", "-", 0);
	serial(durable, cfg, n, 0, "libctr create+start+wait+remove (start = `runc run --detach`)",
	       "libctr_run", "-", 1);
	parallel(durable, cfg, s.median);
	wait_fd_latency(durable, rootfs, n);
	monitor_memory(durable, rootfs);

	ctr_config_free(cfg);
	ctr_runtime_close(nosync);
	ctr_runtime_close(durable);
	rm_rf(base);
	return 0;
}
