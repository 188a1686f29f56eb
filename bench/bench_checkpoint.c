/* Checkpoint archives for `make bench`: with the fake runtime's images (CRIU cannot dump on
 * these machines), the time of ctr_checkpoint with and without a target_file, the archive's
 * size, the time of ctr_import (extract, create, restore), and GNU tar writing the same
 * images: so what libarchive adds stays visible. Prints markdown rows; results go to
 * $CTR_BENCH_KV for bench/run.sh's ratio.
 *
 * Usage: bench_checkpoint ROOTFS FAKE_RUNTIME [N]   (N rounds, default 10) */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ctr/ctr.h>

#include "bench.h"

#define IMAGE_KB 65536 /* 64 MiB of images: pages-1.img of random bytes */
#define IMAGE_KB_S "65536"

static char base[] = "/var/tmp/ctr-bench-ckpt-XXXXXX";
static const char *rootfs;
static ctr_runtime_t *rt;

static int fail(const char *what)
{
	fprintf(stderr, "bench_checkpoint: %s: %s\n", what, ctr_last_error());
	return -1;
}

static ctr_container_t *running(void)
{
	const char *const args[] = { "/bin/sleep", "1000", NULL };
	ctr_config_t *cfg = NULL;
	ctr_container_t *c = NULL;

	if (ctr_config_new(&cfg) < 0 || ctr_config_set_rootfs(cfg, rootfs) < 0 ||
	    ctr_config_set_args(cfg, args) < 0 || ctr_create(rt, cfg, &c) < 0 ||
	    ctr_start(c, 0) < 0) {
		fail("start");
		if (c)
			ctr_remove(c, CTR_FORCE);
		ctr_container_free(c);
		c = NULL;
	}
	ctr_config_free(cfg);
	return c;
}

enum { T_PLAIN, T_ARCHIVE, T_IMPORT, T_TAR, N_T };

/* One round: checkpoint without an archive, restore, checkpoint with one, import it, and
 * GNU tar of the images the last checkpoint kept. Times in t[]; the archive's size. */
static int one_round(double t[N_T], double *mib)
{
	char archive[PATH_MAX], images[PATH_MAX + 128], tarfile[PATH_MAX];
	ctr_container_t *c = running(), *d = NULL;
	struct stat sb;
	int r = c ? 0 : -1;

	snprintf(archive, sizeof(archive), "%s/ckpt.tar", base);
	snprintf(tarfile, sizeof(tarfile), "%s/gnu.tar", base);
	double t0 = now_ms();
	if (r == 0 && ctr_checkpoint(c, NULL) < 0)
		r = fail("checkpoint");
	t[T_PLAIN] = now_ms() - t0;
	if (r == 0 && ctr_restore(c, NULL) < 0)
		r = fail("restore");
	CTR_OPTS(ctr_checkpoint_opts_t, o, .target_file = archive, .flags = CTR_CKPT_KEEP);
	t0 = now_ms();
	if (r == 0 && ctr_checkpoint(c, &o) < 0)
		r = fail("checkpoint with an archive");
	t[T_ARCHIVE] = now_ms() - t0;
	if (r == 0 && stat(archive, &sb) == 0)
		*mib = (double)sb.st_size / (1 << 20);
	t0 = now_ms();
	if (r == 0 && ctr_import(rt, archive, NULL, NULL, &d) < 0)
		r = fail("import");
	t[T_IMPORT] = now_ms() - t0;
	if (r == 0) {
		snprintf(images, sizeof(images), "%s/state/containers/%s/checkpoints/default", base,
			 ctr_id(c));
		char *tar[] = { "tar", "-cf", tarfile, "-C", images, "images", NULL };
		t[T_TAR] = timed_cmd(tar);
		r = t[T_TAR] < 0 ? -1 : 0;
	}
	if (d)
		ctr_remove(d, CTR_FORCE);
	if (c)
		ctr_remove(c, CTR_FORCE);
	ctr_container_free(c);
	ctr_container_free(d);
	unlink(archive);
	unlink(tarfile);
	return r;
}

int main(int argc, char **argv)
{
	static const char *const labels[N_T] = {
		[T_PLAIN] = "ctr_checkpoint, fake runtime, " IMAGE_KB_S " KiB of images",
		[T_ARCHIVE] = "the same with a target_file (libarchive)",
		[T_IMPORT] = "ctr_import of that archive (extract, create, restore)",
		[T_TAR] = "GNU `tar -cf` of the same images",
	};
	static const char *const keys[N_T] = { "ckpt_plain", "ckpt_archive", "ckpt_import",
					       "ckpt_gnutar" };
	char state[PATH_MAX], run[PATH_MAX], kb[16];

	if (argc < 3) {
		fprintf(stderr, "usage: bench_checkpoint ROOTFS FAKE_RUNTIME [N]\n");
		return 2;
	}
	rootfs = argv[1];
	int n = argc > 3 ? atoi(argv[3]) : 10;
	if (!mkdtemp(base))
		return 1;
	snprintf(state, sizeof(state), "%s/state", base);
	snprintf(run, sizeof(run), "%s/run", base);
	snprintf(kb, sizeof(kb), "%d", IMAGE_KB);
	setenv("FAKE_RUNTIME_CRIU", "1", 1);
	setenv("FAKE_CRIU_IMAGE_KB", kb, 1);
	CTR_OPTS(ctr_runtime_opts_t, ro, .state_dir = state, .run_dir = run,
		 .oci_runtime = argv[2]);
	if (ctr_runtime_open(&ro, &rt) < 0) {
		fail("open");
		return 1;
	}
	double *t[N_T], mib = 0;
	int r = 0, done = 0;
	for (int k = 0; k < N_T; k++)
		t[k] = calloc((size_t)n, sizeof(double));
	for (int i = 0; r == 0 && i < n; i++) {
		double one[N_T];
		if ((r = one_round(one, &mib)) == 0) {
			for (int k = 0; k < N_T; k++)
				t[k][i] = one[k];
			done++;
		}
	}
	double median[N_T] = { 0 };
	for (int k = 0; done && k < N_T; k++) {
		struct stats s = stats_of(t[k], (size_t)done);
		row(labels[k], s, "ms", "-");
		kv_stats(keys[k], s);
		median[k] = s.median;
	}
	if (done) /* what writing the archive added to the checkpoint */
		kv("ckpt_archive_extra_median", median[T_ARCHIVE] - median[T_PLAIN]);
	if (done) {
		printf("| checkpoint archive size (" IMAGE_KB_S " KiB of images) | - | %.2f MiB | - | - |\n",
		       mib);
		kv("ckpt_archive_mib", mib);
	}
	ctr_runtime_close(rt);
	rm_rf(base);
	for (int k = 0; k < N_T; k++)
		free(t[k]);
	return r < 0 ? 1 : 0;
}
