/* The yardsticks of `make bench`: the /bin/true lifecycle with `runc run` and with
 * `podman run --rm` on the same rootfs, and the memory of podman's conmon holding a
 * `sleep 1000` container. Prints markdown rows; results go to $CTR_BENCH_KV for the ratios.
 *
 * Usage: bench_baseline ROOTFS N [runc|podman|conmon]...   (default: all three; conmon
 * also times `podman ps -a`)
 *
 * runc runs the bundle ctr_create() wrote (the very config.json libctr's lifecycle uses),
 * so both pay for the same namespaces, mounts, seccomp filter and capabilities. podman
 * runs with runc too (its default here is crun), --network none (libctr's default network
 * mode; no netavark or slirp), cgroupfs and no event log, in its own --root/--runroot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ctr/ctr.h>

#include "bench.h"

#define MEM_N 10 /* containers for the memory per container */

static char base[] = "/var/tmp/ctr-bench-base-XXXXXX";

static void die(const char *what)
{
	fprintf(stderr, "bench_baseline: %s: %s\n", what, ctr_last_error());
	rm_rf(base);
	exit(1);
}

/* The bundle directory of a created container, from inspect's "paths"."bundle". */
static int bundle_of(ctr_container_t *c, char *buf, size_t size)
{
	char *json = NULL;

	if (ctr_inspect(c, &json) < 0)
		return -1;
	int r = json_str(json, "bundle", buf, size);
	ctr_free(json);
	return r;
}

static int bench_runc(const char *bundle, int n)
{
	char root[128], id[64];
	double *t = calloc((size_t)n, sizeof(double));
	char *argv[] = { "runc", "--root", root, "run", "--bundle", (char *)bundle, id, NULL };

	snprintf(root, sizeof(root), "%s/runc", base);
	for (int i = -1; i < n; i++) { /* one warm-up run */
		snprintf(id, sizeof(id), "bench-runc-%d", i + 1);
		double t0 = now_ms();
		if (run_cmd(argv, NULL, 0) != 0)
			return -1;
		if (i >= 0)
			t[i] = now_ms() - t0;
	}
	struct stats s = stats_of(t, (size_t)n);
	row("`runc run` of /bin/true (same config.json)", s, "ms", "-");
	kv_stats("runc", s);
	free(t);
	return 0;
}

/* The same bundle with three runc calls, as a lifecycle over `runc create` pays them:
 * create, start, delete --force (a floor for create+init+start+remove). */
static int bench_runc3(const char *bundle, int n)
{
	char root[128], id[64];
	double *t = calloc((size_t)n, sizeof(double));
	char *create[] = { "runc", "--root", root, "create", "--bundle", (char *)bundle, id, NULL };
	char *start[] = { "runc", "--root", root, "start", id, NULL };
	char *del[] = { "runc", "--root", root, "delete", "--force", id, NULL };

	snprintf(root, sizeof(root), "%s/runc", base);
	for (int i = -1; i < n; i++) {
		snprintf(id, sizeof(id), "bench-runc3-%d", i + 1);
		double t0 = now_ms();
		if (run_cmd(create, NULL, 0) != 0 || run_cmd(start, NULL, 0) != 0 ||
		    run_cmd(del, NULL, 0) != 0)
			return -1;
		if (i >= 0)
			t[i] = now_ms() - t0;
	}
	struct stats s = stats_of(t, (size_t)n);
	row("`runc create` + `start` + `delete --force` (3 calls)", s, "ms", "-");
	kv_stats("runc3", s);
	free(t);
	return 0;
}

/* podman's global options and the run options common to both podman measurements. The vfs
 * storage driver mounts nothing (overlay bind-mounts its directory onto itself). The
 * limits: root here lacks CAP_SYS_RESOURCE, and podman asks for RLIMIT_NPROC and NOFILE
 * above the hard limits it runs with, so runc fails to set them; these match libctr's. */
static int podman_argv(char **argv, char *store)
{
	static char root[160], runroot[160], tmpdir[160];
	static char *const head[] = {
		"podman", "--root", root, "--runroot", runroot, "--tmpdir", tmpdir,
		"--storage-driver", "vfs", "--cgroup-manager", "cgroupfs",
		"--events-backend", "none", "--runtime", "runc",
		/* the 7 words podman_cmd() drops: */
		"run", "--network", "none", "--ulimit", "nofile=1024:1024",
		"--ulimit", "nproc=4096:4096",
	};
	int n = 0;

	snprintf(root, sizeof(root), "%s/root", store);
	snprintf(runroot, sizeof(runroot), "%s/runroot", store);
	snprintf(tmpdir, sizeof(tmpdir), "%s/tmp", store);
	for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		argv[n++] = head[i];
	return n;
}

static int bench_podman(const char *rootfs, int n)
{
	char store[128];
	char *argv[32];
	double *t = calloc((size_t)n, sizeof(double));

	snprintf(store, sizeof(store), "%s/podman", base);
	int a = podman_argv(argv, store);
	argv[a++] = "--rm";
	argv[a++] = "--rootfs";
	argv[a++] = (char *)rootfs;
	argv[a++] = "/bin/true";
	argv[a] = NULL;
	for (int i = -1; i < n; i++) {
		double t0 = now_ms();
		if (run_cmd(argv, NULL, 0) != 0)
			return -1;
		if (i >= 0)
			t[i] = now_ms() - t0;
	}
	struct stats s = stats_of(t, (size_t)n);
	row("`podman run --rm` of /bin/true (runc, --network none)", s, "ms", "-");
	kv_stats("podman", s);
	free(t);
	return 0;
}

/* podman's global options, then extra (NULL-terminated): `podman inspect`, `rm`, `ps`. */
static int podman_cmd(char *store, const char *const *extra, char *out, size_t size)
{
	char *argv[32];
	int n = podman_argv(argv, store);

	n -= 7; /* drop "run" and its options */
	while (*extra && n < 31)
		argv[n++] = (char *)*extra++;
	argv[n] = NULL;
	return run_cmd(argv, out, size);
}

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
			fprintf(stderr, "bench_baseline: cannot read conmon's memory (pid '%s')\n",
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

static int wanted(int argc, char **argv, const char *what)
{
	if (argc <= 3)
		return 1;
	for (int i = 3; i < argc; i++)
		if (!strcmp(argv[i], what))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_baseline ROOTFS N [runc|podman|conmon]...\n");
		return 2;
	}
	const char *rootfs = argv[1];
	int n = atoi(argv[2]), rc = 0;
	char state[128], run[128], bundle[4096];

	if (n < 1 || !mkdtemp(base))
		return 2;
	snprintf(state, sizeof(state), "%s/state", base);
	snprintf(run, sizeof(run), "%s/run", base);
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state, .run_dir = run,
		 .flags = CTR_RUNTIME_NOSYNC);
	ctr_runtime_t *rt;
	ctr_config_t *cfg;
	ctr_container_t *c;
	const char *const args[] = { "/bin/true", NULL };
	if (ctr_runtime_open(&o, &rt) < 0)
		die("open");
	if (ctr_config_new(&cfg) < 0 || ctr_config_set_rootfs(cfg, rootfs) < 0 ||
	    ctr_config_set_args(cfg, args) < 0 || ctr_create(rt, cfg, &c) < 0)
		die("create");
	if (bundle_of(c, bundle, sizeof(bundle)) < 0)
		die("inspect");

	if (wanted(argc, argv, "runc") && (bench_runc(bundle, n) < 0 || bench_runc3(bundle, n) < 0))
		rc = 1;
	if (wanted(argc, argv, "podman") && bench_podman(rootfs, n) < 0)
		rc = 1;
	if (wanted(argc, argv, "conmon") && bench_conmon(rootfs, n) < 0)
		rc = 1;

	if (ctr_remove(c, 0) < 0)
		die("remove");
	ctr_container_free(c);
	ctr_config_free(cfg);
	ctr_runtime_close(rt);
	rm_rf(base);
	return rc;
}
