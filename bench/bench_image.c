/* The image costs of `make bench` (issue 18), libctr's and podman's. Prints markdown rows;
 * results go to $CTR_BENCH_KV for bench/run.sh's ratios.
 *
 * Usage: bench_image ROOTFS ARCHIVE [N]   (N rounds per row, default 30)
 *   ARCHIVE: a docker-archive of one image named IMAGE_REF (tests/fixtures/mkimages.sh's
 *   podman.tar: busybox in one layer, Cmd ["/bin/sh"]).
 *
 * - import: ctr_image_import() of ARCHIVE into a fresh state directory each round (the
 *   runtime opened, and afterwards closed and deleted, outside the timing: the time is the
 *   import with its verification and unpacking), against `podman load -i ARCHIVE` into a
 *   podman store of its own (vfs, so that it unpacks as well), emptied with `podman rmi -a`
 *   outside the timing. Rounds interleave the two, after one warm-up round that also sets
 *   podman's store up.
 * - create-to-running: ctr_create + ctr_start of `sleep 1000` until ctr_state() says
 *   RUNNING, from the imported image (an overlay of its layers) and from the plain ROOTFS;
 *   and `podman run -d` of the same image (loaded into podman's store once) until it
 *   returns, which podman does once the container runs. Each container is stopped with
 *   SIGKILL and removed outside the timing. Rounds interleave the three, after a warm-up
 *   round. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ctr/ctr.h>

#include "bench.h"

#define IMAGE_REF "localhost/imported:1"


static void die_cmd(const char *what)
{
	fprintf(stderr, "bench_image: %s failed\n", what);
	bench_dirs_remove();
	exit(1);
}

/* Remove the state and run directories of the runtime NAME (closed). */
static void rm_runtime(const char *name)
{
	char dir[128];

	snprintf(dir, sizeof(dir), "%s/%s", bench_base, name);
	rm_rf(dir);
	snprintf(dir, sizeof(dir), "%s/%s", bench_runbase, name);
	rm_rf(dir);
}

/* ---- import ------------------------------------------------------------------------- */

/* One import into a fresh state directory: its duration in ms. */
static double ctr_import_once(const char *archive, int i)
{
	char name[32], *id = NULL;

	snprintf(name, sizeof(name), "import-%d", i + 1);
	ctr_runtime_t *rt = bench_runtime_open(name, 0);
	double t0 = now_ms();
	if (ctr_image_import(rt, archive, NULL, &id) < 0)
		bench_die("ctr_image_import");
	double t = now_ms() - t0;
	ctr_free(id);
	ctr_runtime_close(rt);
	rm_runtime(name);
	return t;
}

/* One `podman load` into store, emptied afterwards: its duration in ms. */
static double podman_load_once(const char *store, const char *archive)
{
	const char *const load[] = { "load", "-q", "-i", archive, NULL };
	static const char *const rmi[] = { "rmi", "-a", "-f", NULL };
	char *argv[40];

	double t = timed_cmd(podman_words(argv, store, 0, load));
	if (t < 0)
		die_cmd("podman load");
	if (podman_cmd(store, rmi, NULL, 0) != 0)
		die_cmd("podman rmi -a");
	return t;
}

static void bench_import(const char *archive, int n, int podman)
{
	double *lib = calloc((size_t)n, sizeof(double)), *pod = calloc((size_t)n, sizeof(double));
	char store[128];

	snprintf(store, sizeof(store), "%s/pload", bench_base);
	for (int i = -1; i < n; i++) {
		double a = ctr_import_once(archive, i);
		double b = podman ? podman_load_once(store, archive) : 0;
		if (i >= 0) {
			lib[i] = a;
			pod[i] = b;
		}
	}
	struct stats s = stats_of(lib, (size_t)n);
	row("ctr_image_import of a docker-archive (busybox, 1 layer), fresh state dir", s, "ms",
	    "-");
	kv_stats("image_import", s);
	if (podman) {
		s = stats_of(pod, (size_t)n);
		row("`podman load` of the same docker-archive (vfs store, emptied each round)", s,
		    "ms", "-");
		kv_stats("podman_load", s);
	}
	free(lib);
	free(pod);
}

/* ---- create-to-running ---------------------------------------------------------------- */

enum { S_CREATE, S_START, N_STEPS };

/* ctr_create + ctr_start of cfg until RUNNING: the duration in ms, and of each call in
 * step. The container is stopped (SIGKILL) and removed afterwards, outside the timing. */
static double ctr_to_running(ctr_runtime_t *rt, const ctr_config_t *cfg, double *step)
{
	ctr_container_t *c = NULL;
	ctr_state_t st = CTR_STATE_UNKNOWN;

	double t0 = now_ms();
	if (ctr_create(rt, cfg, &c) < 0)
		bench_die("ctr_create");
	double t1 = now_ms();
	if (ctr_start(c, 0) < 0)
		bench_die("ctr_start");
	while (ctr_state(c, &st) == 0 && st != CTR_STATE_RUNNING && st != CTR_STATE_STOPPED &&
	       st != CTR_STATE_EXITED && now_ms() - t1 < 10000)
		usleep(100);
	double t2 = now_ms();
	if (st != CTR_STATE_RUNNING) {
		fprintf(stderr, "bench_image: the container is in state %d, not RUNNING: %s\n",
			(int)st, ctr_last_error());
		bench_dirs_remove();
		exit(1);
	}
	if (ctr_stop(c, 0) < 0 || ctr_remove(c, 0) < 0)
		bench_die("stop/remove");
	ctr_container_free(c);
	step[S_CREATE] = t1 - t0;
	step[S_START] = t2 - t1;
	return t2 - t0;
}

/* `podman run -d IMAGE_REF sleep 1000` in store: the duration in ms; the container is
 * removed afterwards. */
static double podman_to_running(const char *store)
{
	char *argv[40], id[256];
	int a = podman_argv(argv, store);

	argv[a++] = "-d";
	argv[a++] = IMAGE_REF;
	argv[a++] = "/bin/sleep";
	argv[a++] = "1000";
	argv[a] = NULL;
	double t0 = now_ms();
	if (run_cmd(argv, id, sizeof(id)) != 0)
		die_cmd("podman run -d");
	double t = now_ms() - t0;
	id[strcspn(id, "\n")] = '\0';
	const char *const rm[] = { "rm", "-f", "--time=0", id, NULL };
	if (podman_cmd(store, rm, NULL, 0) != 0)
		die_cmd("podman rm -f");
	return t;
}

static ctr_config_t *sleep_config(const char *image, const char *rootfs)
{
	const char *const args[] = { "/bin/sleep", "1000", NULL };
	ctr_config_t *cfg;

	if (ctr_config_new(&cfg) < 0 || ctr_config_set_args(cfg, args) < 0 ||
	    (image && ctr_config_set_image(cfg, image) < 0) ||
	    (rootfs && ctr_config_set_rootfs(cfg, rootfs) < 0))
		bench_die("config");
	return cfg;
}

enum { V_IMAGE, V_ROOTFS, V_PODMAN, N_VARIANTS };
static struct bench_variant variants[N_VARIANTS] = {
	[V_IMAGE] = { "libctr create+start to RUNNING of `sleep 1000`, from the image", "image_run",
		      "≤ 1.15× from a rootfs", 1, 0 },
	[V_ROOTFS] = { "libctr create+start to RUNNING of `sleep 1000`, from a plain rootfs",
		       "rootfs_run", "-", 1, 0 },
	[V_PODMAN] = { "`podman run -d` of the image, `sleep 1000` (runc, --network none)",
		       "podman_image_run", "-", 0, 0 },
};
static const char *const step_names[N_STEPS] = { "ctr_create", "ctr_start (+ ctr_state)" };

struct run_ctx {
	ctr_runtime_t *rt;
	ctr_config_t *from_image, *from_rootfs;
	char store[128];
};

static double run_variant(void *ctx, int v, int i, double *step)
{
	struct run_ctx *x = ctx;

	(void)i;
	if (v == V_PODMAN)
		return podman_to_running(x->store);
	return ctr_to_running(x->rt, v == V_IMAGE ? x->from_image : x->from_rootfs, step);
}

static void bench_run(const char *rootfs, const char *archive, int n, int podman)
{
	struct run_ctx x = { .rt = bench_runtime_open("run", 0) };
	char *id = NULL, *argv[40];
	const char *const load[] = { "load", "-q", "-i", archive, NULL };

	if (ctr_image_import(x.rt, archive, NULL, &id) < 0)
		bench_die("ctr_image_import");
	ctr_free(id);
	x.from_image = sleep_config(IMAGE_REF, NULL);
	x.from_rootfs = sleep_config(NULL, rootfs);
	snprintf(x.store, sizeof(x.store), "%s/prun", bench_base);
	if (podman && run_cmd(podman_words(argv, x.store, 0, load), NULL, 0) != 0)
		die_cmd("podman load");
	variants[V_PODMAN].skip = !podman;
	double *t = bench_rounds(n, variants, N_VARIANTS, N_STEPS, run_variant, &x);
	bench_rounds_rows(t, n, variants, N_VARIANTS, N_STEPS, step_names, NULL, V_IMAGE);
	free(t);
	ctr_config_free(x.from_image);
	ctr_config_free(x.from_rootfs);
	ctr_runtime_close(x.rt);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_image ROOTFS ARCHIVE [N]\n");
		return 2;
	}
	const char *rootfs = argv[1], *archive = argv[2];
	int n = argc > 3 ? atoi(argv[3]) : 30;
	char *const podman_version[] = { "podman", "--version", NULL };

	if (n < 1 || bench_dirs_make("bench_image", "img") < 0)
		return 2;
	int podman = run_cmd(podman_version, NULL, 0) == 0;
	if (!podman)
		fprintf(stderr, "bench_image: no podman: its rows are left out\n");
	bench_import(archive, n, podman);
	bench_run(rootfs, archive, n, podman);
	bench_dirs_remove();
	return 0;
}
