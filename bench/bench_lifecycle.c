/* The lifecycle costs of `make bench` (DESIGN §7), libctr's and its yardsticks'. Prints
 * markdown rows; results go to $CTR_BENCH_KV for bench/run.sh's ratios.
 *
 * Usage: bench_lifecycle ROOTFS [N]   (N lifecycles per row, default 30)
 *
 * - serial, interleaved round by round: ctr_create + ctr_init + ctr_start + ctr_wait +
 *   ctr_remove of /bin/true with the default durability and with CTR_RUNTIME_NOSYNC;
 *   ctr_create + ctr_start + ctr_wait + ctr_remove (start creates and starts in one
 *   runtime call); `runc run` of the same bundle; runc create + start + delete; and
 *   `podman run --rm` on the same rootfs.
 * - parallel: 16 threads, each running PAR_ROUNDS lifecycles at once, one shared context.
 * - exit noticed by ctr_wait_fd: a container `sh -c 'exit 0'` is inited, its wait fd taken
 *   and an inotify watch put on the exit directory, then it is started. The latency is the
 *   time from the exit file's rename (inotify) to poll() on the wait fd returning, and from
 *   the reaping of the init (the exit file's "time", CLOCK_REALTIME) to the same moment.
 * - monitor memory: VmRSS and Pss of the ctr-monitor holding a `sleep 1000` container,
 *   alone and with MEM_N such containers (bench_podman measures conmon the same way). */
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


/* The bundle directory of a created container, from inspect's "paths"."bundle". */
static void bundle_of(ctr_container_t *c, char *buf, size_t size)
{
	char *json = NULL;

	if (ctr_inspect(c, &json) < 0)
		bench_die("inspect");
	if (json_str(json, "bundle", buf, size) < 0) {
		fprintf(stderr, "bench_lifecycle: no paths.bundle in inspect: %s\n", json);
		exit(1);
	}
	ctr_free(json);
}

static ctr_config_t *config(const char *rootfs, const char *const *args)
{
	ctr_config_t *cfg;

	if (ctr_config_new(&cfg) < 0 || ctr_config_set_rootfs(cfg, rootfs) < 0 ||
	    ctr_config_set_args(cfg, args) < 0)
		bench_die("config");
	return cfg;
}

/* The lifecycles' flags: with ctr_init or not (ctr_remove does the cleanup). */
static double lifecycle(ctr_runtime_t *rt, const ctr_config_t *cfg, int with_init, double *step)
{
	return bench_lifecycle_once(rt, cfg, with_init ? LC_WITH_INIT : 0, step);
}

/* The yardsticks, one run each: `runc run` of the bundle ctr_create() wrote (the very
 * config.json libctr's lifecycle uses, so both pay for the same namespaces, mounts, seccomp
 * filter and capabilities); the same with three runc calls as a lifecycle over `runc create`
 * pays them; and `podman run --rm` on the same rootfs (see podman_argv() in bench.h). */
static double run_or_die(char *const *argv)
{
	double t = timed_cmd(argv);

	if (t < 0) {
		bench_dirs_remove();
		exit(1);
	}
	return t;
}

static double runc_run(const char *bundle, int i)
{
	char root[128], id[64];
	char *argv[] = { "runc", "--root", root, "run", "--bundle", (char *)bundle, id, NULL };

	snprintf(root, sizeof(root), "%s/runc", bench_runbase);
	snprintf(id, sizeof(id), "bench-runc-%d", i + 1);
	return run_or_die(argv);
}

static double runc_3_calls(const char *bundle, int i)
{
	char root[128], id[64];
	char *create[] = { "runc", "--root", root, "create", "--bundle", (char *)bundle, id, NULL };
	char *start[] = { "runc", "--root", root, "start", id, NULL };
	char *del[] = { "runc", "--root", root, "delete", "--force", id, NULL };

	snprintf(root, sizeof(root), "%s/runc", bench_runbase);
	snprintf(id, sizeof(id), "bench-runc3-%d", i + 1);
	return run_or_die(create) + run_or_die(start) + run_or_die(del);
}

static double podman_run(const char *rootfs)
{
	char store[128];
	char *argv[40];

	snprintf(store, sizeof(store), "%s/podman", bench_base);
	int a = podman_argv(argv, store);
	argv[a++] = "--rm";
	argv[a++] = "--rootfs";
	argv[a++] = (char *)rootfs;
	argv[a++] = "/bin/true";
	argv[a] = NULL;
	return run_or_die(argv);
}

enum { V_LIBCTR, V_NOSYNC, V_RUN, V_RUNC, V_RUNC3, V_PODMAN, N_VARIANTS };
static struct bench_variant variants[N_VARIANTS] = {
	[V_LIBCTR] = { "libctr create+init+start+wait+remove of /bin/true", "libctr",
		       "≤ 1.15× `runc run`; podman ≥ 5×", 1, 0 },
	[V_NOSYNC] = { "libctr create+init+start+wait+remove, CTR_RUNTIME_NOSYNC",
		       "libctr_nosync", "-", 0, 0 },
	[V_RUN] = { "libctr create+start+wait+remove (start = `runc run --detach`)", "libctr_run",
		    "-", 1, 0 },
	[V_RUNC] = { "`runc run` of /bin/true (same config.json)", "runc", "-", 0, 0 },
	[V_RUNC3] = { "`runc create` + `start` + `delete --force` (3 calls)", "runc3", "-", 0, 0 },
	[V_PODMAN] = { "`podman run --rm` of /bin/true (runc, --network none)", "podman", "-", 0,
		       0 },
};

struct serial_ctx {
	ctr_runtime_t *durable, *nosync;
	const ctr_config_t *cfg;
	const char *rootfs;
	char bundle[PATH_MAX];
};

static double run_variant(void *ctx, int v, int i, double *step)
{
	struct serial_ctx *x = ctx;

	switch (v) {
	case V_LIBCTR: return lifecycle(x->durable, x->cfg, 1, step);
	case V_NOSYNC: return lifecycle(x->nosync, x->cfg, 1, step);
	case V_RUN: return lifecycle(x->durable, x->cfg, 0, step);
	case V_RUNC: return runc_run(x->bundle, i);
	case V_RUNC3: return runc_3_calls(x->bundle, i);
	default: return podman_run(x->rootfs);
	}
}

/* `runc run --detach` has no init step of its own; ctr_remove does the cleanup. */
static unsigned skipped_steps(int v)
{
	return (v == V_RUN ? 1u << LC_INIT : 0) | 1u << LC_CLEANUP;
}

/* The lifecycles in interleaved rounds (bench_rounds), a row per variant and, for the
 * libctr ones, a row per call (where the time goes). Returns the median of the main libctr
 * lifecycle. */
static double serial(struct serial_ctx *x, int n)
{
	double *t = bench_rounds(n, variants, N_VARIANTS, LC_STEPS, run_variant, x);
	double median = bench_rounds_rows(t, n, variants, N_VARIANTS, LC_STEPS, lc_step_names,
					  skipped_steps, V_LIBCTR);

	free(t);
	return median;
}

struct par {
	ctr_runtime_t *rt;
	const ctr_config_t *cfg;
	pthread_barrier_t *go;
	double t[PAR_ROUNDS]; /* -1: failed, with the message in err */
	char err[PAR_ROUNDS][1024];
};

static void *par_thread(void *arg)
{
	struct par *p = arg;

	pthread_barrier_wait(p->go);
	for (int i = 0; i < PAR_ROUNDS; i++)
		p->t[i] = bench_lifecycle_try(p->rt, p->cfg, LC_WITH_INIT, NULL, p->err[i],
					      sizeof(p->err[i]));
	return NULL;
}

/* Lifecycles that fail here are counted and their messages printed (a race that only
 * shows under load is worth seeing), and the rest are measured. */
static void parallel(ctr_runtime_t *rt, const ctr_config_t *cfg, double serial_median)
{
	static struct par p[PAR_THREADS];
	pthread_t th[PAR_THREADS];
	pthread_barrier_t go;
	double t[PAR_THREADS * PAR_ROUNDS];
	char label[160], target[64];
	size_t n = 0, failed = 0;

	pthread_barrier_init(&go, NULL, PAR_THREADS);
	for (int i = 0; i < PAR_THREADS; i++) {
		p[i] = (struct par){ .rt = rt, .cfg = cfg, .go = &go };
		if (pthread_create(&th[i], NULL, par_thread, &p[i]) != 0)
			bench_die("pthread_create");
	}
	for (int i = 0; i < PAR_THREADS; i++) {
		pthread_join(th[i], NULL);
		for (int j = 0; j < PAR_ROUNDS; j++) {
			if (p[i].t[j] >= 0) {
				t[n++] = p[i].t[j];
				continue;
			}
			fprintf(stderr, "bench_lifecycle: in parallel: %s\n", p[i].err[j]);
			failed++;
		}
	}
	pthread_barrier_destroy(&go);
	struct stats s = stats_of(t, n);
	snprintf(label, sizeof(label),
		 "libctr lifecycle, %d in parallel (%d threads x %d, %ld CPUs)", PAR_THREADS,
		 PAR_THREADS, PAR_ROUNDS, sysconf(_SC_NPROCESSORS_ONLN));
	if (failed)
		snprintf(label + strlen(label), sizeof(label) - strlen(label),
			 ", **%zu of %d failed**", failed, PAR_THREADS * PAR_ROUNDS);
	snprintf(target, sizeof(target), "p99 ≤ 2× serial median (%.1f ms)", 2 * serial_median);
	row(label, s, "ms", target);
	kv_stats("parallel", s);
	kv("parallel_failed", (double)failed);
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
		bench_die("wait_fd: create/init");
	int fd = ctr_wait_fd(c);
	if (fd < 0)
		bench_die("ctr_wait_fd");
	if (ctr_start(c, 0) < 0)
		bench_die("wait_fd: start");
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
		bench_die("wait_fd: wait/remove");
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
		bench_die("exits_dir: create/inspect");
	if (json_str(json, "exit_file", buf, size) < 0 || !(slash = strrchr(buf, '/'))) {
		fprintf(stderr, "bench_lifecycle: no paths.exit_file in inspect: %s\n", json);
		exit(1);
	}
	*slash = '\0';
	ctr_free(json);
	if (ctr_remove(c, 0) < 0)
		bench_die("exits_dir: remove");
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
	char *json = NULL;
	long long pid = -1;
	pid_t init = 0, parent = -1;

	if (ctr_inspect(c, &json) == 0) {
		pid = json_int(json, "monitor_pid");
		ctr_free(json);
	}
	if (pid > 0)
		return (pid_t)pid;
	if (ctr_pid(c, &init) < 0 || init <= 0 || !procwalk_stat(init, &parent))
		return -1;
	return parent;
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
			bench_die("memory: create/start");
	r = monitors_mem(c, 1, &rss1, &pss1);
	for (int i = 1; i < MEM_N; i++)
		if (ctr_start(c[i], 0) < 0)
			bench_die("memory: start");
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
			bench_die("memory: stop/remove");
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

	if (n < 1 || bench_dirs_make("bench_lifecycle", "life") < 0)
		return 2;
	ctr_runtime_t *durable = bench_runtime_open("durable", 0);
	ctr_runtime_t *nosync = bench_runtime_open("nosync", CTR_RUNTIME_NOSYNC);
	ctr_config_t *cfg = config(rootfs, args);
	struct serial_ctx x = {
		.durable = durable, .nosync = nosync, .cfg = cfg, .rootfs = rootfs
	};
	char *const podman_version[] = { "podman", "--version", NULL };
	ctr_container_t *bundle_owner;

	if (ctr_create(durable, cfg, &bundle_owner) < 0)
		bench_die("create");
	bundle_of(bundle_owner, x.bundle, sizeof(x.bundle));
	variants[V_PODMAN].skip = run_cmd(podman_version, NULL, 0) != 0;
	if (variants[V_PODMAN].skip)
		fprintf(stderr, "bench_lifecycle: no podman: its row is left out\n");
	double median = serial(&x, n);
	if (ctr_remove(bundle_owner, 0) < 0)
		bench_die("remove");
	ctr_container_free(bundle_owner);
	parallel(durable, cfg, median);
	wait_fd_latency(durable, rootfs, n);
	monitor_memory(durable, rootfs);

	ctr_config_free(cfg);
	ctr_runtime_close(nosync);
	ctr_runtime_close(durable);
	bench_dirs_remove();
	return 0;
}
