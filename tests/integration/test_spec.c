/* The OCI spec libctr writes is accepted by real runc and means what the config says. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "itest.h"

static ctr_runtime_t *rt;

static void setup(void)
{
	rt = it_runtime();
}

static void teardown(void)
{
	ctr_runtime_close(rt);
	it_cleanup();
}

static ctr_config_t *config(const char *script)
{
	const char *const args[] = { "/bin/sh", "-c", script, NULL };
	ctr_config_t *cfg = NULL;

	ck_assert_int_eq(ctr_config_new(&cfg), 0);
	ck_assert_int_eq(ctr_config_set_rootfs(cfg, it_rootfs()), 0);
	ck_assert_int_eq(ctr_config_set_args(cfg, args), 0);
	return cfg;
}

/* Create the container from cfg, run its bundle with `runc run`, remove it. Returns the
 * exit status; *out gets the output. */
static int run_in_runc(ctr_config_t *cfg, char **out, char *id_out)
{
	ctr_container_t *c = NULL;
	char *inspect = NULL, root[4096];

	int r = ctr_create(rt, cfg, &c);
	ck_assert_msg(r == 0, "ctr_create: %s", ctr_last_error());
	ctr_config_free(cfg);
	ck_assert_int_eq(ctr_inspect(c, &inspect), 0);
	json_object *obj = json_tokener_parse(inspect), *paths, *bundle;
	ck_assert_ptr_nonnull(obj);
	ck_assert(json_object_object_get_ex(obj, "paths", &paths));
	ck_assert(json_object_object_get_ex(paths, "bundle", &bundle));
	snprintf(root, sizeof(root), "%s/runc", it_base());
	const char *argv[] = { "runc", "--root", root, "run", "--bundle",
			       json_object_get_string(bundle), ctr_id(c), NULL };
	int status = it_run(argv, out);
	if (id_out)
		snprintf(id_out, 65, "%s", ctr_id(c));
	json_object_put(obj);
	ctr_free(inspect);
	ck_assert_int_eq(ctr_remove(c, 0), 0);
	ctr_container_free(c);
	return status;
}

#define ASSERT_HAS(out, text) ck_assert_msg(strstr(out, text), "expected '%s' in:\n%s", text, out)
#define ASSERT_LACKS(out, text)                                                                    \
	ck_assert_msg(!strstr(out, text), "unexpected '%s' in:\n%s", text, out)

START_TEST(test_runc_runs_the_default_spec_confined)
{
	char *out, id[65];
	ctr_config_t *cfg = config("echo hello; hostname; grep -E '^(Seccomp|NoNewPrivs|CapEff):' "
				   "/proc/self/status; id -u; pwd");
	int st = run_in_runc(cfg, &out, id);

	ck_assert_msg(st == 0, "runc run exited %d:\n%s", st, out);
	ASSERT_HAS(out, "hello\n");
	char host[16];
	snprintf(host, sizeof(host), "%.12s\n", id);
	ASSERT_HAS(out, host);
	ASSERT_HAS(out, "Seccomp:\t2");
	ASSERT_HAS(out, "NoNewPrivs:\t1");
	ASSERT_HAS(out, "CapEff:\t00000000a80425fb");
	ASSERT_HAS(out, "0\n/\n");
	free(out);
}
END_TEST

START_TEST(test_runc_reports_the_exit_code_of_the_command)
{
	char *out;
	int st = run_in_runc(config("exit 42"), &out, NULL);

	ck_assert_msg(st == 42, "exit %d:\n%s", st, out);
	free(out);
}
END_TEST

START_TEST(test_user_cwd_env_and_hostname_reach_the_process)
{
	const char *const env[] = { "PATH=/bin", "FOO=bar baz", NULL };
	ctr_config_t *cfg = config("id -u; id -g; pwd; echo \"$FOO\"; hostname");
	char *out;

	ck_assert_int_eq(ctr_config_set_user(cfg, "65534:65534"), 0);
	ck_assert_int_eq(ctr_config_set_cwd(cfg, "/tmp"), 0);
	ck_assert_int_eq(ctr_config_set_env(cfg, env), 0);
	ck_assert_int_eq(ctr_config_set_hostname(cfg, "web-1.local"), 0);
	int st = run_in_runc(cfg, &out, NULL);
	ck_assert_msg(st == 0, "exit %d:\n%s", st, out);
	ASSERT_HAS(out, "65534\n65534\n/tmp\nbar baz\nweb-1.local\n");
	free(out);
}
END_TEST

START_TEST(test_readonly_rootfs_refuses_writes)
{
	ctr_config_t *cfg = config("touch /newfile && echo wrote");
	char *out;

	ck_assert_int_eq(ctr_config_set_readonly_rootfs(cfg, 1), 0);
	int st = run_in_runc(cfg, &out, NULL);
	ck_assert_msg(st != 0, "write succeeded:\n%s", out);
	ASSERT_HAS(out, "Read-only file system");
	ck_assert_int_ne(access("/newfile", F_OK), 0);
	free(out);
}
END_TEST

START_TEST(test_capability_set_is_applied)
{
	const char *const caps[] = { "CAP_CHOWN", "kill", NULL };
	ctr_config_t *cfg = config("grep CapEff /proc/self/status");
	char *out;

	ck_assert_int_eq(ctr_config_set_capabilities(cfg, caps), 0);
	int st = run_in_runc(cfg, &out, NULL);
	ck_assert_msg(st == 0, "exit %d:\n%s", st, out);
	ASSERT_HAS(out, "CapEff:\t0000000000000021");
	free(out);
}
END_TEST

START_TEST(test_seccomp_unconfined_has_no_filter)
{
	ctr_config_t *cfg = config("grep Seccomp: /proc/self/status");
	char *out;

	ck_assert_int_eq(ctr_config_set_seccomp(cfg, "unconfined"), 0);
	int st = run_in_runc(cfg, &out, NULL);
	ck_assert_msg(st == 0, "exit %d:\n%s", st, out);
	ASSERT_HAS(out, "Seccomp:\t0");
	free(out);
}
END_TEST

/* Run tests/fixtures/syscall-probe in a container with the seccomp setting profile (NULL:
 * the default) and capabilities caps (NULL: the default set); its output. */
static char *probe(const char *profile, const char *const *caps)
{
	const char *path = getenv("CTR_TEST_PROBE");
	ctr_config_t *cfg = config("/probe && ls / >/dev/null && sleep 0.1 && echo ran | cat");
	char *out;

	ck_assert_msg(path && access(path, X_OK) == 0,
		      "CTR_TEST_PROBE (build/tests/syscall-probe) is missing: make tests");
	ck_assert_int_eq(ctr_config_add_mount(cfg, path, "/probe", NULL, "rbind,ro"), 0);
	ck_assert_int_eq(ctr_config_set_seccomp(cfg, profile), 0);
	ck_assert_int_eq(ctr_config_set_capabilities(cfg, caps), 0);
	int st = run_in_runc(cfg, &out, NULL);
	ck_assert_msg(st == 0, "exit %d:\n%s", st, out);
	ASSERT_HAS(out, "ran\n");
	return out;
}

/* The default profile is an allowlist: io_uring and clone3 (not on it) fail with its
 * default ENOSYS, vmsplice and user namespaces with EPERM; the same calls unconfined
 * reach the kernel, which answers otherwise. busybox's sh, ls, sleep and a pipe run. */
START_TEST(test_default_seccomp_refuses_calls_off_the_allowlist)
{
	char *out = probe(NULL, NULL);

	ASSERT_HAS(out, "io_uring_setup=ENOSYS\n");
	ASSERT_HAS(out, "vmsplice=EPERM\n");
	ASSERT_HAS(out, "clone3=ENOSYS\n");
	ASSERT_HAS(out, "personality_query=0\n");
	ASSERT_HAS(out, "personality_addr_no_randomize=ENOSYS\n");
	ASSERT_HAS(out, "unshare_user=EPERM\n");
	ASSERT_HAS(out, "unshare_files=0\n");
	free(out);

	out = probe("unconfined", NULL);
	ASSERT_LACKS(out, "io_uring_setup=ENOSYS\n"); /* EINVAL or EFAULT */
	ASSERT_LACKS(out, "io_uring_setup=EPERM\n");
	ASSERT_HAS(out, "vmsplice=EBADF\n");
	ASSERT_HAS(out, "clone3=EINVAL\n");
	ASSERT_HAS(out, "personality_addr_no_randomize=0\n");
	free(out);
}
END_TEST

/* With CAP_SYS_ADMIN the namespace flags and clone3 are allowed; io_uring still is not. */
START_TEST(test_default_seccomp_follows_the_capability_set)
{
	static const char *const caps[] = { "CAP_SYS_ADMIN", NULL };
	char *out = probe(NULL, caps);

	ASSERT_HAS(out, "clone3=EINVAL\n");
	ASSERT_HAS(out, "unshare_user=0\n");
	ASSERT_HAS(out, "io_uring_setup=ENOSYS\n");
	free(out);
}
END_TEST

START_TEST(test_bind_mount_is_visible_read_only)
{
	char src[4096], file[4200];
	char *out;

	snprintf(src, sizeof(src), "%s/shared", it_base());
	ck_assert_int_eq(mkdir(src, 0755), 0);
	snprintf(file, sizeof(file), "%s/greeting", src);
	FILE *f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fputs("from the host\n", f);
	fclose(f);
	ctr_config_t *cfg = config("cat /mnt/shared/greeting; touch /mnt/shared/x || echo ro");
	ck_assert_int_eq(ctr_config_add_mount(cfg, src, "/mnt/shared", NULL, "rbind,ro"), 0);
	int st = run_in_runc(cfg, &out, NULL);
	ck_assert_msg(st == 0, "exit %d:\n%s", st, out);
	ASSERT_HAS(out, "from the host\n");
	ASSERT_HAS(out, "ro\n");
	free(out);
}
END_TEST

static void netns_of_self(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/ns/net", buf, len - 1);

	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
}

START_TEST(test_network_none_gets_a_private_namespace_and_host_shares)
{
	char host[64], *out;

	netns_of_self(host, sizeof(host));
	int st = run_in_runc(config("readlink /proc/self/ns/net"), &out, NULL);
	ck_assert_msg(st == 0, "exit %d:\n%s", st, out);
	ck_assert_msg(!strstr(out, host), "private netns expected, got %s", out);
	free(out);

	ctr_config_t *cfg = config("readlink /proc/self/ns/net");
	ck_assert_int_eq(ctr_config_set_network(cfg, CTR_NETWORK_HOST), 0);
	st = run_in_runc(cfg, &out, NULL);
	ck_assert_msg(st == 0, "exit %d:\n%s", st, out);
	ASSERT_HAS(out, host);
	free(out);
}
END_TEST

START_TEST(test_memory_and_pids_limits_reach_the_cgroup)
{
	ctr_config_t *cfg = config("cat /sys/fs/cgroup/memory/memory.limit_in_bytes "
				   "/sys/fs/cgroup/pids/pids.max 2>/dev/null || "
				   "cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max");
	char *out;

	ck_assert_int_eq(ctr_config_set_memory_limit(cfg, 64u << 20), 0);
	ck_assert_int_eq(ctr_config_set_pids_limit(cfg, 77), 0);
	int st = run_in_runc(cfg, &out, NULL);
	ck_assert_msg(st == 0, "exit %d:\n%s", st, out);
	ASSERT_HAS(out, "67108864\n");
	ASSERT_HAS(out, "77\n");
	free(out);
}
END_TEST

START_TEST(test_spec_override_is_merged)
{
	ctr_config_t *cfg = config("echo \"[$EXTRA]\"");
	char *out;

	ck_assert_int_eq(ctr_config_set_spec_override(
				 cfg, "{\"process\":{\"env\":[\"PATH=/bin\",\"EXTRA=merged\"]}}"),
			 0);
	int st = run_in_runc(cfg, &out, NULL);
	ck_assert_msg(st == 0, "exit %d:\n%s", st, out);
	ASSERT_HAS(out, "[merged]\n");
	free(out);
}
END_TEST

Suite *suite_spec(void)
{
	Suite *s = suite_create("spec");
	TCase *tc = tcase_create("runc");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_runc_runs_the_default_spec_confined);
	tcase_add_test(tc, test_runc_reports_the_exit_code_of_the_command);
	tcase_add_test(tc, test_user_cwd_env_and_hostname_reach_the_process);
	tcase_add_test(tc, test_readonly_rootfs_refuses_writes);
	tcase_add_test(tc, test_capability_set_is_applied);
	tcase_add_test(tc, test_seccomp_unconfined_has_no_filter);
	tcase_add_test(tc, test_default_seccomp_refuses_calls_off_the_allowlist);
	tcase_add_test(tc, test_default_seccomp_follows_the_capability_set);
	tcase_add_test(tc, test_bind_mount_is_visible_read_only);
	tcase_add_test(tc, test_network_none_gets_a_private_namespace_and_host_shares);
	tcase_add_test(tc, test_memory_and_pids_limits_reach_the_cgroup);
	tcase_add_test(tc, test_spec_override_is_merged);
	suite_add_tcase(s, tc);
	return s;
}
