/* crun is supported by path (same CLI as runc). On machines where it cannot run containers
 * (here: it refuses cgroup v1 hybrid setups, and in a private mount namespace it fails to
 * raise RLIMIT_MEMLOCK without CAP_SYS_RESOURCE), the test says so and skips: it never
 * passes silently. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

static const char *crun_path(void)
{
	static const char *const paths[] = { "/usr/bin/crun", "/usr/sbin/crun",
					     "/usr/local/bin/crun" };

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

START_TEST(test_crun_runs_a_container_or_skips_with_its_reason)
{
	const char *crun = crun_path();

	if (!crun) {
		printf("SKIP crun: not installed\n");
		return;
	}
	ctr_runtime_t *rt = it_reopen(crun, 0);
	ctr_container_t *c = it_sh(rt, "exit 3");
	int r = ctr_start(c, 0);
	if (r == CTR_E_RUNTIME) {
		/* Its message is crun's own; the container must be left as it was. */
		printf("SKIP crun: cannot run containers on this machine: %s\n", ctr_last_error());
		ck_assert_ptr_nonnull(strstr(ctr_last_error(), "crun"));
		IT_STATE(c, CTR_STATE_CONFIGURED);
		it_assert_no_traces(ctr_id(c));
	} else {
		ck_assert_msg(r == 0, "ctr_start with crun: %s", it_err(r));
		ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 3);
	}
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
	ctr_runtime_close(rt);
}
END_TEST

Suite *suite_crun(void)
{
	Suite *s = suite_create("crun");
	TCase *tc = tcase_create("crun");

	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_crun_runs_a_container_or_skips_with_its_reason);
	suite_add_tcase(s, tc);
	return s;
}
