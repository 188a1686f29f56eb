/* podman's side of the memory and listing comparisons, for `make bench`: conmon holding
 * `sleep 1000` containers (one, then MEM_N, as bench_lifecycle's monitors) and `podman ps -a`
 * with them. Prints markdown rows; results go to $CTR_BENCH_KV for bench/run.sh's ratios.
 * (The timed lifecycles of runc and podman run in bench_lifecycle, interleaved with libctr's,
 * so that all of them see the same machine.)
 *
 * Usage: bench_podman ROOTFS [N]   (N runs of `podman ps -a`, default 30) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

#define MEM_N 10 /* containers for the memory per container */

static char base[] = "/var/tmp/ctr-bench-podman-XXXXXX";

/* `podman ps -a` on a store holding MEM_N containers: a lower bound of its cost with 1000
 * (DESIGN §7 compares it with ctr_list of 1000; creating 1000 podman containers would take
 * minutes). */
static int bench_podman_ps(char *store, int n)
{
	static const char *const ps[] = { "ps", "-a", "-q", NULL };
	double *t = calloc((size_t)n, sizeof(double));
	char out[4096];

	for (int i = -1; i < n; i++) {
		double t0 = now_ms();
		if (podman_cmd(store, ps, out, sizeof(out)) != 0)
			return -1;
		if (i >= 0)
			t[i] = now_ms() - t0;
	}
	struct stats s = stats_of(t, (size_t)n);
	row("`podman ps -a` of 10 containers (a lower bound for 1000)", s, "ms", "-");
	kv_stats("podman_ps", s);
	free(t);
	return 0;
}

/* Average VmRSS and Pss (kB) of the conmons of the first k containers. */
static int conmons_mem(char *store, char ids[][80], int k, double *rss, double *pss)
{
	char pid[64];
	long r, p;

	*rss = *pss = 0;
	for (int i = 0; i < k; i++) {
		const char *const inspect[] = { "inspect", "--format", "{{.State.ConmonPid}}",
						ids[i], NULL };
		if (podman_cmd(store, inspect, pid, sizeof(pid)) != 0 ||
		    read_mem((pid_t)atoi(pid), &r, &p) < 0) {
			fprintf(stderr, "bench_podman: cannot read conmon's memory (pid '%s')\n",
				pid);
			return -1;
		}
		*rss += (double)r / k;
		*pss += (double)p / k;
	}
	return 0;
}

/* conmon holding one `sleep 1000` container, then MEM_N (as bench_lifecycle's monitors). */
static int bench_conmon(const char *rootfs, int n)
{
	char store[128], ids[MEM_N][80], label[128];
	char *argv[32];
	double rss1, pss1, rss, pss;
	int r = 0, started = 0;

	snprintf(store, sizeof(store), "%s/podman", base);
	int a = podman_argv(argv, store);
	argv[a++] = "-d";
	argv[a++] = "--rootfs";
	argv[a++] = (char *)rootfs;
	argv[a++] = "sleep";
	argv[a++] = "1000";
	argv[a] = NULL;
	for (; r == 0 && started < MEM_N; started++) {
		char out[256];
		if ((r = run_cmd(argv, out, sizeof(out))) != 0)
			break;
		out[strcspn(out, "\n")] = '\0';
		snprintf(ids[started], sizeof(ids[started]), "%.79s", out);
		if (started == 0)
			r = conmons_mem(store, ids, 1, &rss1, &pss1);
	}
	if (r == 0)
		r = conmons_mem(store, ids, MEM_N, &rss, &pss);
	if (r == 0) {
		mem_row("conmon (podman) VmRSS, holding `sleep 1000`", (long)rss1, "-");
		mem_row("conmon (podman) Pss, alone", (long)pss1, "-");
		snprintf(label, sizeof(label), "conmon Pss per container, %d containers", MEM_N);
		mem_row(label, (long)pss, "-");
		kv("conmon_rss_kb", rss1);
		kv("conmon_pss_kb", pss1);
		kv("conmon_pss_n_kb", pss);
	}
	if (r == 0 && bench_podman_ps(store, n) < 0)
		r = -1;
	for (int i = 0; i < started; i++) {
		const char *const rm[] = { "rm", "-f", "--time=0", ids[i], NULL };
		podman_cmd(store, rm, NULL, 0);
	}
	return r;
}

/* "2026-11-23T17:09:27.034877212Z" -> ns since the epoch (UTC). */
static long long parse_time(const char *t)
{
	struct tm tm = { 0 };
	const char *rest = strptime(t, "%Y-%m-%dT%H:%M:%S", &tm);
	long long ns = 0;
	int digits = 0;

	if (!rest)
		return 0;
	if (*rest == '.')
		for (rest++; *rest >= '0' && *rest <= '9'; rest++, digits++)
			if (digits < 9)
				ns = ns * 10 + (*rest - '0');
	for (; digits < 9; digits++)
		ns *= 10;
	return (long long)timegm(&tm) * 1000000000LL + ns;
}

/* From podman's file event log: the time of the first "died" of id and of the first
 * "start" after it. Returns 1 when both are there. */
static int restart_times(const char *log, const char *id, long long *died, long long *start)
{
	FILE *f = fopen(log, "r");
	char line[2048], *t;

	*died = *start = 0;
	while (f && fgets(line, sizeof(line), f) && !*start) {
		if (!strstr(line, id) || !(t = strstr(line, "\"Time\":\"")))
			continue;
		if (!*died && strstr(line, "\"Status\":\"died\""))
			*died = parse_time(t + 8);
		else if (*died && strstr(line, "\"Status\":\"start\""))
			*start = parse_time(t + 8);
	}
	if (f)
		fclose(f);
	return *died && *start;
}

/* podman's restart policy: `--restart on-failure:1` of `exit 1`, exit -> started again,
 * from its own event log (the file backend for this one). */
static int bench_podman_restart(const char *rootfs, int n)
{
	char store[128], log[256];
	char *argv[40];
	double *t = calloc((size_t)n, sizeof(double));
	int k = 0;

	snprintf(store, sizeof(store), "%s/pr", base); /* runroot: at most 50 chars */
	snprintf(log, sizeof(log), "%s/tmp/events/events.log", store);
	int a = podman_argv(argv, store);
	for (int i = 0; i < a; i++)
		if (!strcmp(argv[i], "--events-backend"))
			argv[i + 1] = "file";
	argv[a++] = "-d";
	argv[a++] = "--restart";
	argv[a++] = "on-failure:1";
	argv[a++] = "--rootfs";
	argv[a++] = (char *)rootfs;
	argv[a++] = "/bin/sh";
	argv[a++] = "-c";
	argv[a++] = "exit 1";
	argv[a] = NULL;
	for (int i = 0; i < n; i++) {
		char out[256];
		long long died, start;
		if (run_cmd(argv, out, sizeof(out)) != 0)
			break;
		out[strcspn(out, "\n")] = '\0';
		double t0 = now_ms();
		while (!restart_times(log, out, &died, &start) && now_ms() - t0 < 10000) {
			struct timespec ts = { 0, 20000000 };
			nanosleep(&ts, NULL);
		}
		if (died && start)
			t[k++] = (double)(start - died) / 1e6;
		const char *const rm[] = { "rm", "-f", "--time=0", out, NULL };
		podman_cmd(store, rm, NULL, 0);
	}
	if (k > 0) {
		struct stats st = stats_of(t, (size_t)k);
		row("podman restart policy: exit -> started again (on-failure)", st, "ms", "-");
		kv("podman_restart_median", st.median);
	}
	free(t);
	return k > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_podman ROOTFS [N]\n");
		return 2;
	}
	int n = argc > 2 ? atoi(argv[2]) : 30;

	if (n < 1 || !mkdtemp(base))
		return 2;
	int rc = bench_conmon(argv[1], n) < 0;
	if (bench_podman_restart(argv[1], n < 10 ? n : 10) < 0)
		rc = 1;
	rm_rf(base);
	return rc;
}
