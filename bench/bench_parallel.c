/* Lifecycle latency against parallelism, for `make bench`: at 1, 4, 16 and 64 at once, a
 * lifecycle of /bin/true with libctr (create, start = `runc run --detach`, wait, remove, one
 * thread each), with `runc run` of the same config.json and with `podman run --rm` (one
 * process each). Prints p50/p99 rows and writes DATAFILE ("P libctr_p50 libctr_p99 runc_p50
 * runc_p99 podman_p50 podman_p99" per line) for bench/run.sh's gnuplot figure.
 *
 * Usage: bench_parallel ROOTFS DATAFILE [MAX_P]   (MAX_P: the largest level, default 64) */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include <ctr/ctr.h>

#include "bench.h"

#define MIN_SAMPLES 16 /* each level runs at least this many lifecycles */
#define N_TOOLS 3

static char base[] = "/var/tmp/ctr-bench-par-XXXXXX";
static char runbase[] = "/dev/shm/ctr-bench-parrun-XXXXXX";
static const char *rootfs;
static char bundle[PATH_MAX];
static ctr_runtime_t *rt;
static ctr_config_t *cfg;

enum { T_LIBCTR, T_RUNC, T_PODMAN };
static const char *const tool_names[N_TOOLS] = { "libctr", "`runc run`", "`podman run --rm`" };

struct worker {
	int tool, rounds, id;
	pthread_barrier_t *go;
	double *t; /* rounds samples; -1: failed */
};

static double libctr_once(void)
{
	ctr_container_t *c = NULL;
	int code = -1;
	double t0 = now_ms();

	if (ctr_create(rt, cfg, &c) < 0 || ctr_start(c, 0) < 0 || ctr_wait(c, -1, &code) < 0 ||
	    ctr_remove(c, 0) < 0 || code != 0) {
		fprintf(stderr, "bench_parallel: libctr: %s\n", ctr_last_error());
		if (c)
			ctr_remove(c, CTR_FORCE);
		ctr_container_free(c);
		return -1;
	}
	ctr_container_free(c);
	return now_ms() - t0;
}

static double runc_once(int id)
{
	char root[PATH_MAX], name[64];
	char *argv[] = { "runc", "--root", root, "run", "--bundle", bundle, name, NULL };

	snprintf(root, sizeof(root), "%s/runc", runbase);
	snprintf(name, sizeof(name), "bench-par-%d", id);
	return timed_cmd(argv);
}

static double podman_once(void)
{
	char store[128], *argv[40];
	const char *const run[] = { "--rm", "--rootfs", rootfs, "/bin/true", NULL };

	snprintf(store, sizeof(store), "%s/podman", base);
	return timed_cmd(podman_words(argv, store, 1, run));
}

static void *work(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(w->go);
	for (int i = 0; i < w->rounds; i++)
		w->t[i] = w->tool == T_LIBCTR ? libctr_once()
			  : w->tool == T_RUNC ? runc_once(w->id * 1000 + i)
					      : podman_once();
	return NULL;
}

/* p lifecycles at once of tool, repeated so that at least MIN_SAMPLES are taken. */
static int level(int tool, int p, struct stats *out)
{
	int rounds = (MIN_SAMPLES + p - 1) / p;
	struct worker *w = calloc((size_t)p, sizeof(*w));
	pthread_t *th = calloc((size_t)p, sizeof(*th));
	double *t = calloc((size_t)(p * rounds), sizeof(double));
	pthread_barrier_t go;
	size_t n = 0;

	if (!w || !th || !t)
		return -1;
	pthread_barrier_init(&go, NULL, (unsigned)p);
	for (int i = 0; i < p; i++) {
		w[i] = (struct worker){ .tool = tool, .rounds = rounds, .id = i, .go = &go,
					.t = t + i * rounds };
		pthread_create(&th[i], NULL, work, &w[i]);
	}
	for (int i = 0; i < p; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&go);
	for (int i = 0; i < p * rounds; i++)
		if (t[i] >= 0)
			t[n++] = t[i];
	if (n)
		*out = stats_of(t, n);
	free(w);
	free(th);
	free(t);
	return n == (size_t)(p * rounds) ? 0 : -1;
}

/* runc runs of one bundle at once would share its cgroupsPath: give them a copy of the
 * config.json without it (runc then makes a cgroup per container id). */
static int private_bundle(void)
{
	char spec[PATH_MAX + 16], dir[PATH_MAX], out[PATH_MAX + 16];
	json_object *o, *linux_;

	snprintf(spec, sizeof(spec), "%s/config.json", bundle);
	snprintf(dir, sizeof(dir), "%s/runc-bundle", base);
	snprintf(out, sizeof(out), "%s/config.json", dir);
	if (!(o = json_object_from_file(spec)) || mkdir(dir, 0700) < 0) {
		fprintf(stderr, "bench_parallel: cannot read %s\n", spec);
		return -1;
	}
	if (json_object_object_get_ex(o, "linux", &linux_))
		json_object_object_del(linux_, "cgroupsPath");
	int r = json_object_to_file(out, o);
	json_object_put(o);
	snprintf(bundle, sizeof(bundle), "%s", dir);
	return r;
}

int main(int argc, char **argv)
{
	static const int levels[] = { 1, 4, 16, 64 };
	const char *const args[] = { "/bin/true", NULL };
	char state[PATH_MAX], run[PATH_MAX], label[160];
	ctr_container_t *c = NULL;
	char *json = NULL;
	int status = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_parallel ROOTFS DATAFILE [MAX_P]\n");
		return 2;
	}
	rootfs = argv[1];
	int max_p = argc > 3 ? atoi(argv[3]) : 64;
	FILE *data = fopen(argv[2], "w");
	if (!data || !mkdtemp(base) || !mkdtemp(runbase))
		return 1;
	snprintf(state, sizeof(state), "%s/state", base);
	snprintf(run, sizeof(run), "%s/run", runbase);
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state, .run_dir = run);
	/* The bundle runc runs: the config.json of a container created for it. */
	if (ctr_runtime_open(&o, &rt) < 0 || ctr_config_new(&cfg) < 0 ||
	    ctr_config_set_rootfs(cfg, rootfs) < 0 || ctr_config_set_args(cfg, args) < 0 ||
	    ctr_create(rt, cfg, &c) < 0 || ctr_inspect(c, &json) < 0 ||
	    json_str(json, "bundle", bundle, sizeof(bundle)) < 0) {
		fprintf(stderr, "bench_parallel: setup: %s\n", ctr_last_error());
		return 1;
	}
	ctr_free(json);
	if (private_bundle() < 0)
		return 1;
	fprintf(data, "# P libctr_p50 libctr_p99 runc_p50 runc_p99 podman_p50 podman_p99 (ms)\n");
	for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]) && levels[l] <= max_p; l++) {
		int p = levels[l];
		fprintf(data, "%d", p);
		for (int tool = 0; tool < N_TOOLS; tool++) {
			struct stats s = { 0, 0, 0 };
			if (level(tool, p, &s) < 0) {
				fprintf(stderr, "bench_parallel: %s at %d: some lifecycles failed\n",
					tool_names[tool], p);
				status = 1;
			}
			snprintf(label, sizeof(label), "%s lifecycle of /bin/true, %d at once", tool_names[tool], p);
			row(label, s, "ms", "-");
			fprintf(data, " %.2f %.2f", s.median, s.p99);
			char key[64];
			snprintf(key, sizeof(key), "par%d_%s", p, tool == T_LIBCTR ? "libctr" : tool == T_RUNC ? "runc" : "podman");
			kv_stats(key, s);
		}
		fprintf(data, "\n");
		fflush(data);
	}
	fclose(data);
	ctr_remove(c, CTR_FORCE);
	ctr_container_free(c);
	ctr_config_free(cfg);
	ctr_runtime_close(rt);
	rm_rf(runbase);
	rm_rf(base);
	return status;
}
