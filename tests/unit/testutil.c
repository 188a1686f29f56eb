/* Helpers shared by the unit tests. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"
#include "util.h"

static char *base;
static char rootfs[PATH_MAX];

char *tu_mkdtemp(void)
{
	const char *tmp = getenv("TMPDIR");
	char *p = ctri_strdupf("%s/ctr-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(mkdtemp(p));
	return p;
}

void tu_rm_rf(const char *path)
{
	ctri_rm_rf(path);
}

ctr_runtime_t *tu_runtime(void)
{
	char state[PATH_MAX], run[PATH_MAX];
	ctr_runtime_t *rt = NULL;

	if (!base)
		base = tu_mkdtemp();
	snprintf(state, sizeof(state), "%s/state", base);
	snprintf(run, sizeof(run), "%s/run", base);
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", base);
	mkdir(rootfs, 0755);
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state, .run_dir = run,
		 .flags = CTR_RUNTIME_NOSYNC);
	int r = ctr_runtime_open(&o, &rt);
	ck_assert_msg(r == 0, "ctr_runtime_open: %d %s", r, ctr_last_error());
	return rt;
}

const char *tu_base(void)
{
	return base;
}

const char *tu_rootfs(void)
{
	return rootfs;
}

void tu_cleanup(void)
{
	if (base) {
		ctri_rm_rf(base);
		free(base);
		base = NULL;
	}
}

ctr_config_t *tu_config(const char *name)
{
	static const char *const args[] = { "/bin/true", NULL };
	ctr_config_t *cfg = NULL;

	ck_assert_int_eq(ctr_config_new(&cfg), 0);
	ck_assert_int_eq(ctr_config_set_rootfs(cfg, rootfs), 0);
	ck_assert_int_eq(ctr_config_set_args(cfg, args), 0);
	if (name)
		ck_assert_int_eq(ctr_config_set_name(cfg, name), 0);
	return cfg;
}
