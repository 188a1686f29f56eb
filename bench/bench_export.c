/* ctr_export against GNU tar for `make bench`. Prints markdown rows; results go to
 * $CTR_BENCH_KV for bench/run.sh's ratios.
 *
 * Usage: bench_export ROOTFS [N]   (N exports of each kind of the busybox rootfs, default 30;
 * N/3, at least 3, of the large tree)
 *
 * Two trees: the busybox rootfs, and a larger one built once in /var/tmp (2000 files of
 * 64 KiB and a copy of /usr/share/doc) and removed afterwards. Each is exported by a
 * container created on it (not started) with ctr_export, and archived by `tar -cf` of the
 * same directory, plain and followed by `sync FILE`: ctr_export fsyncs its archive before
 * the rename, GNU tar does not. The kinds run round by round after an untimed warm-up of
 * each, so all see the same page cache. MB/s is the size of the tree's regular files
 * (10^6 bytes) over the run's wall time; before each run the archive is removed and
 * sync(2) writes back what earlier runs left dirty. */
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ctr/ctr.h>

#include "bench.h"

#define BIG_FILES 2000
#define BIG_SIZE  (64u << 10)

enum { K_EXPORT, K_TAR, K_TAR_SYNC, N_K };
static const char *const kind_label[N_K] = { "ctr_export", "`tar -cf`", "`tar -cf` + `sync`" };
static const char *const kind_key[N_K] = { "export", "tar", "tarsync" };

static char base[] = "/var/tmp/ctr-bench-export-XXXXXX";
static char out[PATH_MAX];
static ctr_runtime_t *rt;
static double tree_bytes;

static int fail(const char *what)
{
	fprintf(stderr, "bench_export: %s: %s\n", what, ctr_last_error());
	return -1;
}

static int add_size(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path, (void)type, (void)ftw;
	if (S_ISREG(st->st_mode))
		tree_bytes += (double)st->st_size;
	return 0;
}

/* One run of kind k on dir (c: the container on it): its MB/s, or -1. */
static double one(int k, ctr_container_t *c, const char *dir)
{
	char *tar[] = { "tar", "-cf", out, "-C", (char *)dir, ".", NULL };
	char *sync_out[] = { "sync", out, NULL };
	double t0, ms;

	unlink(out);
	sync(); /* nothing of an earlier run left to write back during this one */
	t0 = now_ms();
	if (k == K_EXPORT) {
		if (ctr_export(c, out) < 0)
			return fail("ctr_export");
		ms = now_ms() - t0;
	} else if ((ms = timed_cmd(tar)) < 0 || (k == K_TAR_SYNC && run_cmd(sync_out, NULL, 0))) {
		return -1;
	} else {
		ms = now_ms() - t0;
	}
	return tree_bytes / 1e6 / (ms / 1e3);
}

/* n rounds of every kind on dir; rows named after what. */
static int bench_tree(const char *dir, const char *what, const char *key, int n)
{
	const char *const args[] = { "/bin/true", NULL };
	ctr_config_t *cfg = NULL;
	ctr_container_t *c = NULL;
	double *v = calloc((size_t)n * N_K, sizeof(double));
	char label[256], k_key[64];
	int r = -1;

	tree_bytes = 0;
	if (!v || nftw(dir, add_size, 64, FTW_PHYS) != 0)
		goto out;
	if (ctr_config_new(&cfg) < 0 || ctr_config_set_rootfs(cfg, dir) < 0 ||
	    ctr_config_set_args(cfg, args) < 0 || ctr_create(rt, cfg, &c) < 0) {
		fail("create");
		goto out;
	}
	for (int k = 0; k < N_K; k++) /* warm-up: the page cache holds the tree after it */
		if (one(k, c, dir) < 0)
			goto out;
	for (int i = 0; i < n; i++)
		for (int k = 0; k < N_K; k++)
			if ((v[k * n + i] = one(k, c, dir)) < 0)
				goto out;
	for (int k = 0; k < N_K; k++) {
		struct stats s = stats_of(v + k * n, (size_t)n);
		snprintf(label, sizeof(label), "%s of %s (%.1f MB), MB/s", kind_label[k], what,
			 tree_bytes / 1e6);
		snprintf(k_key, sizeof(k_key), "%s_%s_mbs", kind_key[k], key);
		row(label, s, "MB/s", "-");
		kv_stats(k_key, s);
	}
	r = 0;
out:
	if (c && ctr_remove(c, CTR_FORCE) < 0)
		fail("remove");
	ctr_container_free(c);
	ctr_config_free(cfg);
	free(v);
	unlink(out);
	return r;
}

/* dir: BIG_FILES files of BIG_SIZE bytes in files/ and a copy of /usr/share/doc in doc/. */
static int make_big(const char *dir)
{
	char path[PATH_MAX + 32], *buf = malloc(BIG_SIZE);
	char *cp[] = { "cp", "-a", "/usr/share/doc", path, NULL };
	int r = 0;

	snprintf(path, sizeof(path), "%s/files", dir);
	if (!buf || mkdir(dir, 0755) < 0 || mkdir(path, 0755) < 0) {
		free(buf);
		return -1;
	}
	for (size_t i = 0; i < BIG_SIZE; i++)
		buf[i] = (char)(i * 131 % 251);
	for (int i = 0; i < BIG_FILES && r == 0; i++) {
		snprintf(path, sizeof(path), "%s/files/f%04d", dir, i);
		FILE *f = fopen(path, "we");
		buf[0] = (char)i; /* no two alike */
		r = f && fwrite(buf, 1, BIG_SIZE, f) == BIG_SIZE ? 0 : -1;
		if (f && fclose(f) != 0)
			r = -1;
	}
	free(buf);
	snprintf(path, sizeof(path), "%s/doc", dir);
	return r == 0 && run_cmd(cp, NULL, 0) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	char state[PATH_MAX], run[PATH_MAX], big[PATH_MAX];

	if (argc < 2) {
		fprintf(stderr, "usage: bench_export ROOTFS [N]\n");
		return 2;
	}
	int n = argc > 2 ? atoi(argv[2]) : 30;
	if (n < 1 || !mkdtemp(base))
		return 2;
	snprintf(state, sizeof(state), "%s/state", base);
	snprintf(run, sizeof(run), "%s/run", base);
	snprintf(big, sizeof(big), "%s/big", base);
	snprintf(out, sizeof(out), "%s/out.tar", base);
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state, .run_dir = run);
	int rc = 1;
	if (ctr_runtime_open(&o, &rt) == 0) {
		rc = bench_tree(argv[1], "the busybox rootfs", "bb", n) < 0;
		if (make_big(big) < 0) {
			fprintf(stderr, "bench_export: cannot build %s\n", big);
			rc = 1;
		} else {
			rc |= bench_tree(big, "2000 files of 64 KiB and /usr/share/doc", "big",
					 n / 3 > 3 ? n / 3 : 3) < 0;
		}
		ctr_runtime_close(rt);
	} else {
		fail("open");
	}
	rm_rf(base);
	return rc;
}
