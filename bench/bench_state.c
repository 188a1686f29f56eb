/* The C side of the bindings' overhead, for `make bench` (bench/bindings.sh runs the Python
 * and Lua sides the same way): one ctr_state() of a running container, and a whole
 * lifecycle of /bin/true (create, start, wait, remove). Prints "key value" lines:
 *   state_us MEDIAN      lifecycle_ms MEDIAN
 *
 * Usage: bench_state ROOTFS [CALLS] [LIFECYCLES]   (default 100000 and 20) */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include <ctr/ctr.h>

#include "bench.h"

#define ROUNDS 5 /* state(): the median of this many rounds of CALLS/ROUNDS calls */

static int fail(const char *what)
{
	fprintf(stderr, "bench_state: %s: %s\n", what, ctr_last_error());
	return 1;
}

static int lifecycle(ctr_runtime_t *rt, const char *rootfs, double *ms)
{
	const char *const args[] = { "/bin/true", NULL };
	ctr_config_t *cfg = NULL;
	ctr_container_t *c = NULL;
	int code = -1, r;

	double t0 = now_ms();
	if ((r = ctr_config_new(&cfg)) == 0 && (r = ctr_config_set_rootfs(cfg, rootfs)) == 0 &&
	    (r = ctr_config_set_args(cfg, args)) == 0 && (r = ctr_create(rt, cfg, &c)) == 0 &&
	    (r = ctr_start(c, 0)) == 0 && (r = ctr_wait(c, -1, &code)) == 0)
		r = ctr_remove(c, 0);
	*ms = now_ms() - t0;
	ctr_container_free(c);
	ctr_config_free(cfg);
	return r;
}

int main(int argc, char **argv)
{
	char base[] = "/dev/shm/ctr-bench-state-XXXXXX", state[PATH_MAX], run[PATH_MAX];
	const char *const sleeper[] = { "/bin/sleep", "1000", NULL };
	ctr_runtime_t *rt = NULL;
	ctr_config_t *cfg = NULL;
	ctr_container_t *c = NULL;
	double rounds[ROUNDS], *life;
	ctr_state_t s;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_state ROOTFS [CALLS] [LIFECYCLES]\n");
		return 2;
	}
	long calls = argc > 2 ? atol(argv[2]) : 100000;
	int n = argc > 3 ? atoi(argv[3]) : 20;
	if (!mkdtemp(base) || !(life = calloc((size_t)n, sizeof(double))))
		return 1;
	snprintf(state, sizeof(state), "%s/state", base);
	snprintf(run, sizeof(run), "%s/run", base);
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state, .run_dir = run);
	if (ctr_runtime_open(&o, &rt) < 0 || ctr_config_new(&cfg) < 0 ||
	    ctr_config_set_rootfs(cfg, argv[1]) < 0 || ctr_config_set_args(cfg, sleeper) < 0 ||
	    ctr_create(rt, cfg, &c) < 0 || ctr_start(c, 0) < 0)
		return fail("start");
	for (int k = 0; k < ROUNDS; k++) {
		double t0 = now_ms();
		for (long i = 0; i < calls / ROUNDS; i++)
			if (ctr_state(c, &s) < 0)
				return fail("state");
		rounds[k] = (now_ms() - t0) * 1000.0 / (double)(calls / ROUNDS);
	}
	ctr_remove(c, CTR_FORCE);
	for (int i = 0; i < n; i++)
		if (lifecycle(rt, argv[1], &life[i]) < 0)
			return fail("lifecycle");
	printf("state_us %.3f\n", stats_of(rounds, ROUNDS).median);
	printf("lifecycle_ms %.3f\n", stats_of(life, (size_t)n).median);
	ctr_container_free(c);
	ctr_config_free(cfg);
	ctr_runtime_close(rt);
	rm_rf(base);
	free(life);
	return 0;
}
