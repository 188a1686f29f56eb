/* Users with real runc: "USER[:GROUP]" names and numbers, looked up in the container's
 * /etc/passwd and /etc/group (tests/fixtures/mkrootfs.sh: app is 1000, in group staff 50
 * too) for the container's process and for exec sessions; unknown names refused; and the
 * default PATH kept when the caller sets an environment without one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"

#include "../fixtures/exec_story.h"

/* The exit code of a container running as user, whose script checks `id` prints want
 * ("uid:gid:groups"). */
static int run_as(const char *user, const char *want)
{
	char script[256];

	snprintf(script, sizeof(script),
		 "got=\"$(id -u):$(id -g):$(id -G)\"; [ \"$got\" = '%s' ] || { echo \"$got\"; "
		 "exit 1; }",
		 want);
	ctr_config_t *cfg = it_config(script);
	IT_OK(ctr_config_set_user(cfg, user));
	ctr_container_t *c = it_create(it_rt, cfg);
	IT_OK(ctr_start(c, 0));
	int code = it_wait(c, IT_GUARD_MS);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
	return code;
}

START_TEST(test_the_process_runs_as_the_user_named_in_the_rootfs)
{
	static const struct {
		const char *user, *want;
	} cases[] = {
		{ "app", "1000:1000:1000 50" },	     /* name: its gid and its groups */
		{ "1000", "1000:1000:1000 50" },     /* its uid: the same */
		{ "app:staff", "1000:50:50" },	     /* a group given: only that one */
		{ "app:65534", "1000:65534:65534" }, /* a group number */
		{ "4242", "4242:0:0" },		     /* a uid not listed: gid 0 */
		{ "nobody:nogroup", "65534:65534:65534" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(run_as(cases[i].user, cases[i].want) == 0, "user %s is not %s",
			      cases[i].user, cases[i].want);
}
END_TEST

START_TEST(test_an_unknown_user_fails_the_start_naming_the_file)
{
	ctr_config_t *cfg = it_config("true");
	IT_OK(ctr_config_set_user(cfg, "ghost"));
	ctr_container_t *c = it_create(it_rt, cfg);

	IT_FAILS(ctr_start(c, 0), CTR_E_INVAL);
	IT_SAYS("\"ghost\" is not in /etc/passwd");
	IT_STATE(c, CTR_STATE_CONFIGURED);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);

	cfg = it_config("true");
	IT_OK(ctr_config_set_user(cfg, "app:wheel"));
	c = it_create(it_rt, cfg);
	IT_FAILS(ctr_start(c, 0), CTR_E_INVAL);
	IT_SAYS("\"wheel\" is not in /etc/group");
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_exec_runs_as_a_user_named_in_the_running_container)
{
	ctr_container_t *c = it_sh(it_rt, IT_GRACEFUL(0));
	const char *const argv[] = { "sh", "-c", "echo $(id -u):$(id -g):$(id -G)", NULL };
	ctr_exec_opts_t o = exec_opts(argv);
	int code = -1;

	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	o.user = "app";
	char *out = exec_output(c, &o, &code, IT_GUARD_MS);
	ck_assert_int_eq(code, 0);
	ck_assert_str_eq(out, "1000:1000:1000 50\n");
	free(out);
	o.user = "nobody:staff";
	out = exec_output(c, &o, &code, IT_GUARD_MS);
	ck_assert_str_eq(out, "65534:50:50\n");
	free(out);
	o = exec_opts(argv); /* exec_output closed the pipe it gave */
	o.user = "ghost";
	IT_FAILS(ctr_exec(c, &o, &code), CTR_E_INVAL);
	IT_SAYS("\"ghost\" is not in /etc/passwd");
	o.user = "app:b:c";
	IT_FAILS(ctr_exec(c, &o, &code), CTR_E_INVAL);
	IT_SAYS("is not USER[:GROUP]");
	IT_OK(ctr_remove(c, CTR_FORCE));
	ctr_container_free(c);
}
END_TEST

/* env = {"FOO=1"} keeps a PATH, so that `sh` and `id` are found; the caller's PATH wins. */
START_TEST(test_an_environment_without_path_keeps_the_default_path)
{
	const char *const env[] = { "FOO=1", NULL };
	const char *const own[] = { "PATH=/nowhere:/bin", NULL };
	ctr_config_t *cfg =
	    it_config("[ \"$FOO:$PATH\" = "
		      "'1:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' ]");
	IT_OK(ctr_config_set_env(cfg, env));
	ctr_container_t *c = it_create(it_rt, cfg);

	IT_OK(ctr_start(c, 0));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);

	cfg = it_config("[ \"$PATH\" = /nowhere:/bin ]");
	IT_OK(ctr_config_set_env(cfg, own));
	c = it_create(it_rt, cfg);
	IT_OK(ctr_start(c, 0));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

Suite *suite_user(void)
{
	Suite *s = suite_create("user");
	TCase *tc = tcase_create("user");

	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_the_process_runs_as_the_user_named_in_the_rootfs);
	tcase_add_test(tc, test_an_unknown_user_fails_the_start_naming_the_file);
	tcase_add_test(tc, test_exec_runs_as_a_user_named_in_the_running_container);
	tcase_add_test(tc, test_an_environment_without_path_keeps_the_default_path);
	suite_add_tcase(s, tc);
	return s;
}
