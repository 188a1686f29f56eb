/* Supervision costs: ctr_batch of 5 operations against the same 5 unbatched, event
 * delivery in follow mode, and restart-policy latency (exit -> running again).
 *
 *   bench_supervise ROOTFS [N]
 *
 * Prints markdown rows (see bench/run.sh). Needs CTR_MONITOR and CTR_CLEANUP. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "ctr/ctr.h"

static char base[] = "/var/tmp/ctr-bench-sup-XXXXXX";
static char runbase[] = "/dev/shm/ctr-bench-sup-XXXXXX";

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void die(const char *what)
{
	fprintf(stderr, "bench_supervise: %s: %s\n", what, ctr_last_error());
	rm_rf(base);
	rm_rf(runbase);
	exit(1);
}

static ctr_container_t *make(ctr_runtime_t *rt, const char *rootfs, const char *script,
			     ctr_restart_t policy, unsigned max)
{
	const char *const args[] = { "/bin/sh", "-c", script, NULL };
	ctr_config_t *cfg;
	ctr_container_t *c;

	if (ctr_config_new(&cfg) < 0 || ctr_config_set_rootfs(cfg, rootfs) < 0 ||
	    ctr_config_set_args(cfg, args) < 0 ||
	    ctr_config_set_restart_policy(cfg, policy, max) < 0 || ctr_create(rt, cfg, &c) < 0)
		die("create");
	ctr_config_free(cfg);
	return c;
}

/* ---- batch --------------------------------------------------------------------------- */

static int five(ctr_container_t *c, void *ud)
{
	(void)ud;
	for (int i = 0; i < 5; i++) /* each locks and syncs unless batched */
		if (ctr_cleanup(c) < 0)
			return -1;
	return 0;
}

static void batch(ctr_runtime_t *rt, const char *rootfs, int n)
{
	ctr_container_t *c = make(rt, rootfs, "true", CTR_RESTART_NO, 0);
	double *plain = calloc((size_t)n, sizeof(double)), *batched = calloc((size_t)n, sizeof(double));

	for (int i = 0; i < n; i++) {
		double t0 = now_ms();
		if (five(c, NULL) < 0)
			die("cleanup");
		double t1 = now_ms();
		if (ctr_batch(c, five, NULL) < 0)
			die("batch");
		plain[i] = (t1 - t0) * 1000;
		batched[i] = (now_ms() - t1) * 1000;
	}
	struct stats p = stats_of(plain, (size_t)n), b = stats_of(batched, (size_t)n);
	row("5 lock-taking operations (ctr_cleanup), unbatched", p, "µs", "-");
	row("the same 5 inside one ctr_batch", b, "µs", "-");
	kv("batch_plain_median", p.median);
	kv("batch_median", b.median);
	ctr_remove(c, 0);
	ctr_container_free(c);
	free(plain);
	free(batched);
}

/* ---- event delivery ------------------------------------------------------------------ */

struct follow {
	ctr_runtime_t *rt;
	double *lat;
	int n, want;
};

static int on_event(const ctr_event_t *ev, void *ud)
{
	struct follow *f = ud;

	f->lat[f->n++] = (double)(realtime_ns() - ev->time_ns) / 1e6;
	return f->n >= f->want;
}

static void *follower(void *p)
{
	struct follow *f = p;
	CTR_OPTS(ctr_events_opts_t, o, .type = "create", .flags = CTR_EVENTS_FOLLOW,
		 .since_ns = realtime_ns());

	ctr_events(f->rt, &o, on_event, f);
	return NULL;
}

static void events(ctr_runtime_t *rt, const char *rootfs, int n)
{
	struct follow f = { .rt = rt, .lat = calloc((size_t)n, sizeof(double)), .want = n };
	ctr_container_t **cs = calloc((size_t)n, sizeof(*cs));
	pthread_t th;

	pthread_create(&th, NULL, follower, &f);
	sleep_ms(100); /* the follower is waiting */
	for (int i = 0; i < n; i++) {
		cs[i] = make(rt, rootfs, "true", CTR_RESTART_NO, 0);
		sleep_ms(5); /* one event at a time: the delay of each, not of a burst */
	}
	pthread_join(th, NULL);
	struct stats s = stats_of(f.lat, (size_t)f.n);
	row("event delivered to a follower, after its time", s, "ms", "-");
	kv("event_latency_median", s.median);
	for (int i = 0; i < n; i++) {
		ctr_remove(cs[i], 0);
		ctr_container_free(cs[i]);
	}
	free(cs);
	free(f.lat);
}

/* ---- restart latency ----------------------------------------------------------------- */

struct restart_seen {
	long long died, restarted, delay_ms;
};

static int on_restart(const ctr_event_t *ev, void *ud)
{
	struct restart_seen *r = ud;
	const char *d = strstr(ev->attributes, "\"delay_ms\":");

	if (!strcmp(ev->type, "died") && !r->died)
		r->died = ev->time_ns;
	if (!strcmp(ev->type, "restart")) {
		r->restarted = ev->time_ns;
		r->delay_ms = d ? atoll(d + 11) : 0;
		return 1;
	}
	return 0;
}

static void restarts(ctr_runtime_t *rt, const char *rootfs, int n)
{
	double *total = calloc((size_t)n, sizeof(double));
	int k = 0;

	for (int i = 0; i < n; i++) {
		ctr_container_t *c = make(rt, rootfs, "exit 1", CTR_RESTART_ON_FAILURE, 1);
		struct restart_seen r = { 0 };
		CTR_OPTS(ctr_events_opts_t, o, .container = ctr_id(c), .flags = CTR_EVENTS_FOLLOW);
		if (ctr_start(c, 0) < 0)
			die("start");
		ctr_events(rt, &o, on_restart, &r); /* returns at the restart event */
		if (r.died && r.restarted) {
			total[k++] = (double)(r.restarted - r.died) / 1e6;
		}
		ctr_stop(c, 0);
		ctr_remove(c, CTR_FORCE);
		ctr_container_free(c);
	}
	struct stats t = stats_of(total, (size_t)k);
	row("libctr restart policy: exit -> started again (first restart, no backoff)", t, "ms",
	    "podman's or faster");
	kv("restart_median", t.median);
	free(total);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return fprintf(stderr, "usage: bench_supervise ROOTFS [N]\n"), 2;
	int n = argc > 2 ? atoi(argv[2]) : 30;
	if (n < 1 || !mkdtemp(base) || !mkdtemp(runbase))
		return 2;
	char state[128], run[128];
	snprintf(state, sizeof(state), "%s/state", base);
	snprintf(run, sizeof(run), "%s/run", runbase);
	ctr_runtime_t *rt;
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state, .run_dir = run,
		 .flags = CTR_RUNTIME_NOSYNC);
	if (ctr_runtime_open(&o, &rt) < 0)
		die("open");
	batch(rt, argv[1], n * 10);
	events(rt, argv[1], n);
	restarts(rt, argv[1], n < 10 ? n : 10);
	ctr_runtime_close(rt);
	rm_rf(base);
	rm_rf(runbase);
	return 0;
}
