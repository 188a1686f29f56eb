/* Store-level costs: ctr_create, ctr_state, ctr_lookup by name, ctr_list of N containers.
 * Usage: bench_store ROOTFS N [sync]   (prints markdown table rows) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ctr/ctr.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void row(const char *metric, double *v, size_t n, const char *unit, double scale,
		const char *target)
{
	qsort(v, n, sizeof(*v), cmp_double);
	printf("| %s | %.2f %s | %.2f %s | %.2f %s | %s |\n", metric, v[0] / scale, unit,
	       v[n / 2] / scale, unit, v[n * 99 / 100] / scale, unit, target);
}

static void die(const char *what)
{
	fprintf(stderr, "bench_store: %s: %s\n", what, ctr_last_error());
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_store ROOTFS N [sync]\n");
		return 2;
	}
	const char *rootfs = argv[1];
	size_t n = strtoul(argv[2], NULL, 10);
	int sync = argc > 3 && !strcmp(argv[3], "sync");
	char base[] = "/var/tmp/ctr-bench-XXXXXX", state[64], run[64], name[64];

	if (!mkdtemp(base))
		return 1;
	snprintf(state, sizeof(state), "%s/state", base);
	snprintf(run, sizeof(run), "%s/run", base);
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state, .run_dir = run,
		 .flags = sync ? 0 : CTR_RUNTIME_NOSYNC);
	ctr_runtime_t *rt;
	if (ctr_runtime_open(&o, &rt) < 0)
		die("open");

	const char *const args[] = { "/bin/true", NULL };
	double *t = calloc(n > 10000 ? n : 10000, sizeof(double));
	for (size_t i = 0; i < n; i++) {
		ctr_config_t *cfg;
		ctr_container_t *c;
		snprintf(name, sizeof(name), "bench-%zu", i);
		ctr_config_new(&cfg);
		ctr_config_set_rootfs(cfg, rootfs);
		ctr_config_set_args(cfg, args);
		ctr_config_set_name(cfg, name);
		double t0 = now_us();
		if (ctr_create(rt, cfg, &c) < 0)
			die("create");
		t[i] = now_us() - t0;
		ctr_container_free(c);
		ctr_config_free(cfg);
	}
	char label[96];
	snprintf(label, sizeof(label), "ctr_create (%s)", sync ? "durable" : "nosync");
	row(label, t, n, "µs", 1, "-");

	ctr_container_t *c;
	if (ctr_lookup(rt, "bench-0", &c) < 0)
		die("lookup");
	for (size_t i = 0; i < 10000; i++) {
		ctr_state_t s;
		double t0 = now_us();
		if (ctr_state(c, &s) < 0)
			die("state");
		t[i] = now_us() - t0;
	}
	row("ctr_state read", t, 10000, "µs", 1, "≤ 10 µs");
	ctr_container_free(c);

	for (size_t i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "bench-%zu", (size_t)rand() % n);
		double t0 = now_us();
		if (ctr_lookup(rt, name, &c) < 0)
			die("lookup");
		t[i] = now_us() - t0;
		ctr_container_free(c);
	}
	row("ctr_lookup by name", t, 10000, "µs", 1, "-");

	for (size_t i = 0; i < 50; i++) {
		ctr_container_t **list;
		size_t count;
		double t0 = now_us();
		if (ctr_list(rt, &list, &count) < 0 || count != n)
			die("list");
		t[i] = now_us() - t0;
		ctr_list_free(list, count);
	}
	snprintf(label, sizeof(label), "ctr_list of %zu", n);
	row(label, t, 50, "ms", 1000, n == 1000 ? "≤ 10 ms" : "-");
	ctr_runtime_close(rt);
	free(t);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	return system(cmd) == 0 ? 0 : 1;
}
