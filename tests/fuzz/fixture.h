/* The fixture of the fuzz targets that need a container: a runtime over a temporary
 * directory (TMPDIR, else /tmp) and one container named "fuzz" (created, never started),
 * made once per process and removed at exit. */
#ifndef CTR_FUZZ_FIXTURE_H
#define CTR_FUZZ_FIXTURE_H

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "ctr/ctr.h"

static char fuzz_base[PATH_MAX];
static ctr_runtime_t *fuzz_rt;
static ctr_container_t *fuzz_c;

static int fuzz_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	remove(path);
	return 0;
}

static void fuzz_cleanup(void)
{
	ctr_container_free(fuzz_c);
	ctr_runtime_close(fuzz_rt);
	if (fuzz_base[0])
		nftw(fuzz_base, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The container (made on the first call); tag names the temporary directory. */
static ctr_container_t *fuzz_container(const char *tag)
{
	char state[PATH_MAX + 16], run[PATH_MAX + 16], rootfs[PATH_MAX + 16];
	static const char *const args[] = { "/bin/true", NULL };
	const char *tmp = getenv("TMPDIR");
	ctr_config_t *cfg = NULL;

	if (fuzz_c)
		return fuzz_c;
	snprintf(fuzz_base, sizeof(fuzz_base), "%s/ctr-fuzz-%s.XXXXXX", tmp && *tmp ? tmp : "/tmp",
		 tag);
	if (!mkdtemp(fuzz_base))
		abort();
	atexit(fuzz_cleanup);
	snprintf(state, sizeof(state), "%s/state", fuzz_base);
	snprintf(run, sizeof(run), "%s/run", fuzz_base);
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", fuzz_base);
	if (mkdir(rootfs, 0755) < 0)
		abort();
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state, .run_dir = run,
		 .flags = CTR_RUNTIME_NOSYNC);
	if (ctr_runtime_open(&o, &fuzz_rt) < 0 || ctr_config_new(&cfg) < 0 ||
	    ctr_config_set_rootfs(cfg, rootfs) < 0 || ctr_config_set_args(cfg, args) < 0 ||
	    ctr_config_set_name(cfg, "fuzz") < 0 || ctr_create(fuzz_rt, cfg, &fuzz_c) < 0) {
		fprintf(stderr, "setup: %s\n", ctr_last_error());
		abort();
	}
	ctr_config_free(cfg);
	return fuzz_c;
}

#endif
