/* The configuration builder: every setter's checks, unchanged-on-failure, the JSON form,
 * seccomp profiles and the create-time check. */
#include <check.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "ctr/ctr.h"
#include "testutil.h"
#include "tests.h"
#include "util.h"

static ctr_config_t *cfg;

static void setup(void)
{
	ck_assert_int_eq(ctr_config_new(&cfg), 0);
}

static void teardown(void)
{
	ctr_config_free(cfg);
	cfg = NULL;
}

static char *to_json(const ctr_config_t *c)
{
	char *s = NULL;

	ck_assert_int_eq(ctr_config_to_json(c, &s), 0);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* The failure was code and its message contains needle. */
#define assert_fails(expr, code, needle)                                                           \
	do {                                                                                       \
		int r_ = (expr);                                                                   \
		ck_assert_msg(r_ == (code), "%s returned %d (%s), expected %d", #expr, r_,         \
			      ctr_last_error(), (code));                                           \
		ck_assert_msg(strstr(ctr_last_error(), (needle)),                                  \
			      "message \"%s\" does not contain \"%s\"", ctr_last_error(),          \
			      (needle));                                                           \
	} while (0)

/* expr fails with CTR_E_INVAL naming needle and leaves cfg as it was. */
#define assert_refused_unchanged(expr, needle)                                                     \
	do {                                                                                       \
		char *before_ = to_json(cfg);                                                      \
		assert_fails(expr, CTR_E_INVAL, needle);                                           \
		char *after_ = to_json(cfg);                                                       \
		ck_assert_str_eq(before_, after_);                                                 \
		free(before_);                                                                     \
		free(after_);                                                                      \
	} while (0)

/* The config's JSON text contains needle. */
static void assert_json_has(const char *needle)
{
	char *s = to_json(cfg);

	ck_assert_msg(strstr(s, needle), "%s does not contain %s", s, needle);
	free(s);
}

static void assert_json_lacks(const char *needle)
{
	char *s = to_json(cfg);

	ck_assert_msg(!strstr(s, needle), "%s contains %s", s, needle);
	free(s);
}

static char *write_temp(const char *name, const char *text)
{
	char *dir = tu_mkdtemp();
	char *path = ctri_strdupf("%s/%s", dir, name);

	ck_assert_ptr_nonnull(path);
	ck_assert_int_eq(ctri_write_file(path, text, strlen(text), 0600, 0), 0);
	free(dir);
	return path;
}

/* ---- lifetime and defaults -------------------------------------------------------------- */

START_TEST(test_new_config_has_documented_defaults)
{
	char *s = to_json(cfg);

	ck_assert_str_eq(s, "{\"terminal\":false,\"stop_signal\":15,\"stop_timeout\":10,"
			    "\"restart_policy\":\"no\",\"seccomp\":\"default\","
			    "\"readonly_rootfs\":false,\"network\":\"none\"}");
	ck_assert_ptr_null(ctri_config_name(cfg));
	ck_assert_ptr_null(ctri_config_rootfs(cfg));
	ck_assert_ptr_null(ctri_config_dependencies(cfg)[0]);
	free(s);
}
END_TEST

START_TEST(test_new_rejects_null_out_and_free_null_is_a_noop)
{
	assert_fails(ctr_config_new(NULL), CTR_E_INVAL, "argument out is NULL");
	ctr_config_free(NULL);
}
END_TEST

START_TEST(test_every_setter_names_a_null_config)
{
	static const char *const argv[] = {"/bin/true", NULL};

	assert_fails(ctr_config_set_name(NULL, "x"), CTR_E_INVAL,
		     "ctr_config_set_name: argument cfg is NULL");
	assert_fails(ctr_config_set_rootfs(NULL, "/"), CTR_E_INVAL, "argument cfg is NULL");
	assert_fails(ctr_config_set_args(NULL, argv), CTR_E_INVAL, "argument cfg is NULL");
	assert_fails(ctr_config_set_env(NULL, argv), CTR_E_INVAL, "argument cfg is NULL");
	assert_fails(ctr_config_set_terminal(NULL, 1), CTR_E_INVAL, "argument cfg is NULL");
	assert_fails(ctr_config_set_stop_signal(NULL, 9), CTR_E_INVAL, "argument cfg is NULL");
	assert_fails(ctr_config_set_stop_timeout(NULL, 1), CTR_E_INVAL, "argument cfg is NULL");
	assert_fails(ctr_config_set_restart_policy(NULL, CTR_RESTART_NO, 0), CTR_E_INVAL, "cfg");
	assert_fails(ctr_config_add_dependency(NULL, "db"), CTR_E_INVAL, "argument cfg is NULL");
	assert_fails(ctr_config_set_cwd(NULL, "/"), CTR_E_INVAL, "argument cfg is NULL");
	assert_fails(ctr_config_set_user(NULL, "1:1"), CTR_E_INVAL, "argument cfg is NULL");
	assert_fails(ctr_config_set_hostname(NULL, "h"), CTR_E_INVAL, "argument cfg is NULL");
	assert_fails(ctr_config_set_capabilities(NULL, NULL), CTR_E_INVAL, "argument cfg is NULL");
	assert_fails(ctr_config_set_seccomp(NULL, NULL), CTR_E_INVAL, "argument cfg is NULL");
	assert_fails(ctr_config_set_memory_limit(NULL, 1), CTR_E_INVAL, "argument cfg is NULL");
	assert_fails(ctr_config_set_pids_limit(NULL, 1), CTR_E_INVAL, "argument cfg is NULL");
	assert_fails(ctr_config_set_readonly_rootfs(NULL, 1), CTR_E_INVAL, "argument cfg is NULL");
	assert_fails(ctr_config_add_mount(NULL, "/a", "/b", NULL, NULL), CTR_E_INVAL, "cfg");
	assert_fails(ctr_config_set_network(NULL, CTR_NETWORK_HOST), CTR_E_INVAL, "cfg is NULL");
	assert_fails(ctr_config_set_label(NULL, "k", "v"), CTR_E_INVAL, "argument cfg is NULL");
	assert_fails(ctr_config_set_annotation(NULL, "k", "v"), CTR_E_INVAL, "cfg is NULL");
	assert_fails(ctr_config_set_spec_override(NULL, "{}"), CTR_E_INVAL, "cfg is NULL");
}
END_TEST

START_TEST(test_every_setter_names_a_null_required_string)
{
	assert_refused_unchanged(ctr_config_set_name(cfg, NULL), "argument name is NULL");
	assert_refused_unchanged(ctr_config_set_rootfs(cfg, NULL), "argument path is NULL");
	assert_refused_unchanged(ctr_config_set_args(cfg, NULL), "argument argv is NULL");
	assert_refused_unchanged(ctr_config_set_env(cfg, NULL), "argument envp is NULL");
	assert_refused_unchanged(ctr_config_add_dependency(cfg, NULL),
				 "argument name_or_id is NULL");
	assert_refused_unchanged(ctr_config_set_cwd(cfg, NULL), "argument path is NULL");
	assert_refused_unchanged(ctr_config_set_hostname(cfg, NULL), "argument hostname is NULL");
	assert_refused_unchanged(ctr_config_add_mount(cfg, NULL, "/b", NULL, NULL),
				 "argument source is NULL");
	assert_refused_unchanged(ctr_config_add_mount(cfg, "/a", NULL, NULL, NULL),
				 "argument destination is NULL");
	assert_refused_unchanged(ctr_config_set_label(cfg, NULL, "v"), "argument key is NULL");
	assert_refused_unchanged(ctr_config_set_annotation(cfg, NULL, "v"), "argument key is NULL");
}
END_TEST

/* ---- process ------------------------------------------------------------------------------ */

START_TEST(test_set_name_accepts_letters_digits_dot_dash_underscore)
{
	char longest[254];

	ck_assert_int_eq(ctr_config_set_name(cfg, "a"), 0);
	ck_assert_int_eq(ctr_config_set_name(cfg, "Web-1.prod_x"), 0);
	ck_assert_str_eq(ctri_config_name(cfg), "Web-1.prod_x");
	memset(longest, 'n', 253);
	longest[253] = '\0';
	ck_assert_int_eq(ctr_config_set_name(cfg, longest), 0);
}
END_TEST

START_TEST(test_set_name_rejects_leading_dot_dash_slash_and_overlong_names)
{
	char overlong[255];

	ck_assert_int_eq(ctr_config_set_name(cfg, "kept"), 0);
	assert_refused_unchanged(ctr_config_set_name(cfg, ".hidden"), "\".hidden\"");
	assert_refused_unchanged(ctr_config_set_name(cfg, "-x"), "\"-x\"");
	assert_refused_unchanged(ctr_config_set_name(cfg, "a/b"), "\"a/b\"");
	assert_refused_unchanged(ctr_config_set_name(cfg, ""), "invalid name");
	assert_refused_unchanged(ctr_config_set_name(cfg, "a b"), "\"a b\"");
	memset(overlong, 'n', 254);
	overlong[254] = '\0';
	assert_refused_unchanged(ctr_config_set_name(cfg, overlong), "invalid name");
	ck_assert_str_eq(ctri_config_name(cfg), "kept");
}
END_TEST

START_TEST(test_set_rootfs_and_cwd_require_absolute_paths)
{
	ck_assert_int_eq(ctr_config_set_rootfs(cfg, "/srv/rootfs"), 0);
	ck_assert_str_eq(ctri_config_rootfs(cfg), "/srv/rootfs");
	assert_refused_unchanged(ctr_config_set_rootfs(cfg, "rootfs"),
				 "\"rootfs\" is not an absolute path");
	assert_refused_unchanged(ctr_config_set_rootfs(cfg, ""), "not an absolute path");
	ck_assert_int_eq(ctr_config_set_cwd(cfg, "/work"), 0);
	assert_refused_unchanged(ctr_config_set_cwd(cfg, "work"), "cwd \"work\"");
	assert_json_has("\"cwd\":\"/work\"");
}
END_TEST

START_TEST(test_set_args_needs_a_non_empty_command)
{
	static const char *const ok[] = {"/bin/sh", "-c", "", NULL};
	static const char *const none[] = {NULL};
	static const char *const empty[] = {"", "x", NULL};

	ck_assert_int_eq(ctr_config_set_args(cfg, ok), 0);
	assert_refused_unchanged(ctr_config_set_args(cfg, none), "argv is empty");
	assert_refused_unchanged(ctr_config_set_args(cfg, empty), "argv[0] is an empty string");
	assert_json_has("\"args\":[\"/bin/sh\",\"-c\",\"\"]");
}
END_TEST

START_TEST(test_set_env_needs_key_value_entries_and_may_be_empty)
{
	static const char *const ok[] = {"A=1", "B=", "C=x=y", NULL};
	static const char *const none[] = {NULL};
	static const char *const noeq[] = {"A=1", "NOEQ", NULL};
	static const char *const nokey[] = {"=v", NULL};

	ck_assert_int_eq(ctr_config_set_env(cfg, ok), 0);
	assert_refused_unchanged(ctr_config_set_env(cfg, noeq), "envp[1] \"NOEQ\"");
	assert_refused_unchanged(ctr_config_set_env(cfg, nokey), "envp[0] \"=v\"");
	assert_json_has("\"env\":[\"A=1\",\"B=\",\"C=x=y\"]");
	ck_assert_int_eq(ctr_config_set_env(cfg, none), 0);
	assert_json_has("\"env\":[]");
}
END_TEST

START_TEST(test_terminal_and_readonly_rootfs_are_booleans)
{
	ck_assert_int_eq(ctr_config_set_terminal(cfg, 42), 0);
	ck_assert_int_eq(ctr_config_set_readonly_rootfs(cfg, -1), 0);
	assert_json_has("\"terminal\":true");
	assert_json_has("\"readonly_rootfs\":true");
	ck_assert_int_eq(ctr_config_set_terminal(cfg, 0), 0);
	assert_json_has("\"terminal\":false");
}
END_TEST

START_TEST(test_stop_signal_must_be_1_to_64)
{
	ck_assert_int_eq(ctr_config_set_stop_signal(cfg, 1), 0);
	ck_assert_int_eq(ctr_config_set_stop_signal(cfg, 64), 0);
	assert_refused_unchanged(ctr_config_set_stop_signal(cfg, 0), "invalid signal 0");
	assert_refused_unchanged(ctr_config_set_stop_signal(cfg, 65), "invalid signal 65");
	assert_refused_unchanged(ctr_config_set_stop_signal(cfg, -9), "invalid signal -9");
	assert_json_has("\"stop_signal\":64");
}
END_TEST

START_TEST(test_stop_timeout_takes_any_unsigned)
{
	ck_assert_int_eq(ctr_config_set_stop_timeout(cfg, UINT_MAX), 0);
	assert_json_has("\"stop_timeout\":4294967295");
	ck_assert_int_eq(ctr_config_set_stop_timeout(cfg, 0), 0);
	assert_json_has("\"stop_timeout\":0");
}
END_TEST

START_TEST(test_restart_retries_only_with_on_failure)
{
	ck_assert_int_eq(ctr_config_set_restart_policy(cfg, CTR_RESTART_ALWAYS, 0), 0);
	assert_json_has("\"restart_policy\":\"always\"");
	ck_assert_int_eq(ctr_config_set_restart_policy(cfg, CTR_RESTART_UNLESS_STOPPED, 0), 0);
	assert_json_has("\"restart_policy\":\"unless-stopped\"");
	ck_assert_int_eq(ctr_config_set_restart_policy(cfg, CTR_RESTART_ON_FAILURE, 5), 0);
	assert_json_has("\"restart_policy\":\"on-failure\",\"restart_max_retries\":5");
	assert_refused_unchanged(ctr_config_set_restart_policy(cfg, CTR_RESTART_ALWAYS, 3),
				 "max_retries 3");
	assert_refused_unchanged(ctr_config_set_restart_policy(cfg, (ctr_restart_t)4, 0),
				 "invalid policy 4");
	assert_refused_unchanged(ctr_config_set_restart_policy(cfg, (ctr_restart_t)-1, 0),
				 "invalid policy -1");
}
END_TEST

START_TEST(test_add_dependency_keeps_order_and_ignores_duplicates)
{
	const char *const *deps;

	ck_assert_int_eq(ctr_config_add_dependency(cfg, "db"), 0);
	ck_assert_int_eq(ctr_config_add_dependency(cfg, "cache"), 0);
	ck_assert_int_eq(ctr_config_add_dependency(cfg, "db"), 0);
	assert_refused_unchanged(ctr_config_add_dependency(cfg, ""), "name_or_id is empty");
	deps = ctri_config_dependencies(cfg);
	ck_assert_int_eq(ctri_strv_len(deps), 2);
	ck_assert_str_eq(deps[0], "db");
	ck_assert_str_eq(deps[1], "cache");
}
END_TEST

START_TEST(test_set_user_takes_names_and_numbers_and_refuses_the_rest)
{
	static const char *const bad[] = { "",		"4294967295", "0:4294967295", "a:b:c",
					   "-x",	"x:",	      ":0",	    "a b",
					   "a/b",	"012345678901234567890123456789012" };

	ck_assert_int_eq(ctr_config_set_user(cfg, "1000:65534"), 0);
	assert_json_has("\"user\":\"1000:65534\"");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_refused_unchanged(ctr_config_set_user(cfg, bad[i]), "is not USER[:GROUP]");
	ck_assert_int_eq(ctr_config_set_user(cfg, "www-data:adm"), 0);
	assert_json_has("\"user\":\"www-data:adm\"");
	ck_assert_int_eq(ctr_config_set_user(cfg, "nobody"), 0);
	ck_assert_int_eq(ctr_config_set_user(cfg, NULL), 0); /* back to the default */
	char *json = NULL;
	ck_assert_int_eq(ctr_config_to_json(cfg, &json), 0);
	ck_assert_ptr_null(strstr(json, "\"user\""));
	ctr_free(json);
}
END_TEST

START_TEST(test_set_hostname_checks_length_and_characters)
{
	char longest[64], overlong[65];

	memset(longest, 'h', 63);
	longest[63] = '\0';
	memset(overlong, 'h', 64);
	overlong[64] = '\0';
	ck_assert_int_eq(ctr_config_set_hostname(cfg, "web-1.example"), 0);
	ck_assert_int_eq(ctr_config_set_hostname(cfg, longest), 0);
	assert_refused_unchanged(ctr_config_set_hostname(cfg, overlong), "invalid hostname");
	assert_refused_unchanged(ctr_config_set_hostname(cfg, ""), "invalid hostname \"\"");
	assert_refused_unchanged(ctr_config_set_hostname(cfg, "-web"), "\"-web\"");
	assert_refused_unchanged(ctr_config_set_hostname(cfg, ".web"), "\".web\"");
	assert_refused_unchanged(ctr_config_set_hostname(cfg, "a_b"), "\"a_b\"");
	assert_refused_unchanged(ctr_config_set_hostname(cfg, "a b"), "\"a b\"");
}
END_TEST

/* ---- capabilities and seccomp ---------------------------------------------------------------- */

START_TEST(test_capabilities_are_normalised_and_deduplicated)
{
	static const char *const caps[] = {"net_admin", "CAP_NET_ADMIN", "Cap_Chown",
					   "sys_time",	"cap_chown",	 NULL};

	ck_assert_int_eq(ctr_config_set_capabilities(cfg, caps), 0);
	assert_json_has("\"capabilities\":[\"CAP_NET_ADMIN\",\"CAP_CHOWN\",\"CAP_SYS_TIME\"]");
}
END_TEST

START_TEST(test_capabilities_refuse_unknown_names_naming_them)
{
	static const char *const fly[] = {"CAP_CHOWN", "CAP_FLY", NULL};
	static const char *const number[] = {"12", NULL};
	static const char *const empty[] = {"", NULL};
	static const char *const prefix[] = {"CAP_", NULL};

	assert_refused_unchanged(ctr_config_set_capabilities(cfg, fly),
				 "unknown capability CAP_FLY");
	assert_refused_unchanged(ctr_config_set_capabilities(cfg, number), "unknown capability 12");
	assert_refused_unchanged(ctr_config_set_capabilities(cfg, empty), "unknown capability");
	assert_refused_unchanged(ctr_config_set_capabilities(cfg, prefix),
				 "unknown capability CAP_");
	assert_json_lacks("capabilities");
}
END_TEST

START_TEST(test_capabilities_null_restores_default_and_empty_drops_all)
{
	static const char *const none[] = {NULL};
	static const char *const one[] = {"kill", NULL};

	ck_assert_int_eq(ctr_config_set_capabilities(cfg, none), 0);
	assert_json_has("\"capabilities\":[]");
	ck_assert_int_eq(ctr_config_set_capabilities(cfg, one), 0);
	assert_json_has("\"capabilities\":[\"CAP_KILL\"]");
	ck_assert_int_eq(ctr_config_set_capabilities(cfg, NULL), 0);
	assert_json_lacks("capabilities");
}
END_TEST

START_TEST(test_seccomp_default_and_unconfined_are_keywords)
{
	ck_assert_int_eq(ctr_config_set_seccomp(cfg, "unconfined"), 0);
	assert_json_has("\"seccomp\":\"unconfined\"");
	ck_assert_int_eq(ctr_config_set_seccomp(cfg, "default"), 0);
	assert_json_has("\"seccomp\":\"default\"");
	ck_assert_int_eq(ctr_config_set_seccomp(cfg, "unconfined"), 0);
	ck_assert_int_eq(ctr_config_set_seccomp(cfg, NULL), 0);
	assert_json_has("\"seccomp\":\"default\"");
}
END_TEST

/* A small valid profile; test_spec.c checks profiles in depth. */
static const char valid_profile[] = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
				    "\"syscalls\":[{\"names\":[\"read\",\"write\"],"
				    "\"action\":\"SCMP_ACT_ALLOW\"}]}";

START_TEST(test_seccomp_profile_file_is_read_now_and_kept_inline)
{
	char *path = write_temp("profile.json", valid_profile);

	ck_assert_int_eq(ctr_config_set_seccomp(cfg, path), 0);
	ck_assert_int_eq(unlink(path), 0);
	assert_json_has("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\"");
	assert_json_has("\"names\":[\"read\",\"write\"]");
	free(path);
}
END_TEST

/* ---- resources, mounts, network, maps, override -----------------------------------------------
 */

START_TEST(test_memory_limit_fits_in_int64_and_pids_limit_is_not_negative)
{
	ck_assert_int_eq(ctr_config_set_memory_limit(cfg, (uint64_t)INT64_MAX), 0);
	assert_json_has("\"memory_limit\":9223372036854775807");
	assert_refused_unchanged(ctr_config_set_memory_limit(cfg, (uint64_t)INT64_MAX + 1),
				 "too large");
	ck_assert_int_eq(ctr_config_set_memory_limit(cfg, 0), 0);
	assert_json_lacks("memory_limit");
	ck_assert_int_eq(ctr_config_set_pids_limit(cfg, 100), 0);
	assert_json_has("\"pids_limit\":100");
	assert_refused_unchanged(ctr_config_set_pids_limit(cfg, -1), "negative limit -1");
	ck_assert_int_eq(ctr_config_set_pids_limit(cfg, 0), 0);
	assert_json_lacks("pids_limit");
}
END_TEST

START_TEST(test_network_accepts_only_none_and_host)
{
	ck_assert_int_eq(ctr_config_set_network(cfg, CTR_NETWORK_HOST), 0);
	assert_json_has("\"network\":\"host\"");
	assert_refused_unchanged(ctr_config_set_network(cfg, (ctr_network_t)2), "invalid mode 2");
	assert_refused_unchanged(ctr_config_set_network(cfg, (ctr_network_t)-1), "invalid mode -1");
	ck_assert_int_eq(ctr_config_set_network(cfg, CTR_NETWORK_NONE), 0);
	assert_json_has("\"network\":\"none\"");
}
END_TEST

START_TEST(test_add_mount_defaults_to_rbind_and_splits_options)
{
	ck_assert_int_eq(ctr_config_add_mount(cfg, "/srv/data", "/data", NULL, NULL), 0);
	ck_assert_int_eq(ctr_config_add_mount(cfg, "/srv/conf", "/etc/app", "bind", "rbind,ro"), 0);
	ck_assert_int_eq(ctr_config_add_mount(cfg, "tmpfs", "/run", "tmpfs", NULL), 0);
	ck_assert_int_eq(ctr_config_add_mount(cfg, "tmpfs", "/a..b/..c", "tmpfs", "size=1m"), 0);
	assert_json_has("\"mounts\":[{\"source\":\"/srv/data\",\"destination\":\"/data\","
			"\"type\":\"bind\",\"options\":[\"rbind\"]},"
			"{\"source\":\"/srv/conf\",\"destination\":\"/etc/app\",\"type\":\"bind\","
			"\"options\":[\"rbind\",\"ro\"]},"
			"{\"source\":\"tmpfs\",\"destination\":\"/run\",\"type\":\"tmpfs\"},"
			"{\"source\":\"tmpfs\",\"destination\":\"/a..b/..c\",\"type\":\"tmpfs\","
			"\"options\":[\"size=1m\"]}]");
}
END_TEST

START_TEST(test_add_mount_refuses_relative_paths_dotdot_and_empty_options)
{
	assert_refused_unchanged(ctr_config_add_mount(cfg, "/a", "data", NULL, NULL),
				 "destination \"data\"");
	assert_refused_unchanged(ctr_config_add_mount(cfg, "a", "/data", NULL, NULL),
				 "bind mount source \"a\"");
	assert_refused_unchanged(ctr_config_add_mount(cfg, "a", "/data", "none", "rbind"),
				 "source \"a\"");
	assert_refused_unchanged(ctr_config_add_mount(cfg, "/a", "/x/../etc", NULL, NULL),
				 "\"..\" component");
	assert_refused_unchanged(ctr_config_add_mount(cfg, "/a", "/..", NULL, NULL), "\"..\"");
	assert_refused_unchanged(ctr_config_add_mount(cfg, "/a", "/x/..", NULL, NULL), "\"..\"");
	assert_refused_unchanged(ctr_config_add_mount(cfg, "/a", "/x", NULL, "ro,,nosuid"),
				 "empty component");
	assert_refused_unchanged(ctr_config_add_mount(cfg, "/a", "/x", NULL, ",ro"),
				 "empty component");
	assert_refused_unchanged(ctr_config_add_mount(cfg, "/a", "/x", NULL, "ro,"),
				 "empty component");
	assert_refused_unchanged(ctr_config_add_mount(cfg, "/a", "/x", NULL, ""),
				 "empty component");
	assert_refused_unchanged(ctr_config_add_mount(cfg, "", "/x", "tmpfs", NULL),
				 "source is empty");
	assert_refused_unchanged(ctr_config_add_mount(cfg, "t", "/x", "", NULL), "type is empty");
	assert_json_lacks("mounts");
}
END_TEST

START_TEST(test_labels_and_annotations_set_replace_and_remove)
{
	ck_assert_int_eq(ctr_config_set_label(cfg, "tier", "web"), 0);
	ck_assert_int_eq(ctr_config_set_label(cfg, "owner", "ops"), 0);
	ck_assert_int_eq(ctr_config_set_label(cfg, "tier", "db"), 0);
	ck_assert_int_eq(ctr_config_set_label(cfg, "gone", NULL), 0);
	assert_json_has("\"labels\":{\"tier\":\"db\",\"owner\":\"ops\"}");
	ck_assert_int_eq(ctr_config_set_label(cfg, "owner", NULL), 0);
	assert_json_has("\"labels\":{\"tier\":\"db\"}");
	assert_refused_unchanged(ctr_config_set_label(cfg, "", "x"), "key is empty");
	ck_assert_int_eq(ctr_config_set_annotation(cfg, "org.example/x", "1"), 0);
	assert_json_has("\"annotations\":{\"org.example/x\":\"1\"}");
	assert_refused_unchanged(ctr_config_set_annotation(cfg, "", "x"), "key is empty");
	ck_assert_int_eq(ctr_config_set_annotation(cfg, "org.example/x", NULL), 0);
	assert_json_lacks("annotations");
}
END_TEST

START_TEST(test_spec_override_must_be_a_json_object_and_null_clears)
{
	ck_assert_int_eq(ctr_config_set_spec_override(cfg, " {\"linux\": {\"sysctl\": null}} "), 0);
	assert_json_has("\"spec_override\":{\"linux\":{\"sysctl\":null}}");
	assert_refused_unchanged(ctr_config_set_spec_override(cfg, "[1]"), "not a JSON object");
	assert_refused_unchanged(ctr_config_set_spec_override(cfg, "null"), "not a JSON object");
	assert_refused_unchanged(ctr_config_set_spec_override(cfg, "{\"a\":"), "not valid JSON");
	assert_refused_unchanged(ctr_config_set_spec_override(cfg, "{} {}"), "not valid JSON");
	assert_refused_unchanged(ctr_config_set_spec_override(cfg, ""), "not valid JSON");
	ck_assert_int_eq(ctr_config_set_spec_override(cfg, NULL), 0);
	assert_json_lacks("spec_override");
}
END_TEST

/* ---- the create-time check ------------------------------------------------------------------- */

START_TEST(test_config_check_names_missing_rootfs_and_args)
{
	static const char *const argv[] = {"/bin/true", NULL};
	char *dir = tu_mkdtemp(), *missing = ctri_strdupf("%s/absent", dir);
	char *file = write_temp("file", "x"), needle[PATH_MAX + 64];

	assert_fails(ctri_config_check(cfg), CTR_E_INVAL, "rootfs is not set");
	ck_assert_int_eq(ctr_config_set_rootfs(cfg, missing), 0);
	snprintf(needle, sizeof(needle), "rootfs %s: No such file or directory", missing);
	assert_fails(ctri_config_check(cfg), CTR_E_INVAL, needle);
	ck_assert_int_eq(ctr_config_set_name(cfg, "web"), 0);
	assert_fails(ctri_config_check(cfg), CTR_E_INVAL, "container web: cannot create: rootfs");
	ck_assert_int_eq(ctr_config_set_rootfs(cfg, file), 0);
	assert_fails(ctri_config_check(cfg), CTR_E_INVAL, "Not a directory");
	ck_assert_int_eq(ctr_config_set_rootfs(cfg, dir), 0);
	assert_fails(ctri_config_check(cfg), CTR_E_INVAL, "args are not set");
	ck_assert_int_eq(ctr_config_set_args(cfg, argv), 0);
	ck_assert_int_eq(ctri_config_check(cfg), 0);
	free(dir);
	free(missing);
	free(file);
}
END_TEST

/* ---- the JSON form ------------------------------------------------------------------------------
 */

static void build_full_config(void)
{
	static const char *const argv[] = {"/bin/sh", "-c", "echo \"hi\" \\ there", NULL};
	static const char *const envp[] = {"A=1", "UNICODE=\xc3\xa9t\xc3\xa9", NULL};
	static const char *const caps[] = {"chown", "CAP_NET_ADMIN", NULL};
	char *profile = write_temp("profile.json", valid_profile);

	ck_assert_int_eq(ctr_config_set_name(cfg, "web-1"), 0);
	ck_assert_int_eq(ctr_config_set_rootfs(cfg, "/srv/web/rootfs"), 0);
	ck_assert_int_eq(ctr_config_set_args(cfg, argv), 0);
	ck_assert_int_eq(ctr_config_set_env(cfg, envp), 0);
	ck_assert_int_eq(ctr_config_set_terminal(cfg, 1), 0);
	ck_assert_int_eq(ctr_config_set_stop_signal(cfg, 3), 0);
	ck_assert_int_eq(ctr_config_set_stop_timeout(cfg, 30), 0);
	ck_assert_int_eq(ctr_config_set_restart_policy(cfg, CTR_RESTART_ON_FAILURE, 4), 0);
	ck_assert_int_eq(ctr_config_add_dependency(cfg, "db"), 0);
	ck_assert_int_eq(ctr_config_add_dependency(cfg, "cache"), 0);
	ck_assert_int_eq(ctr_config_set_cwd(cfg, "/app"), 0);
	ck_assert_int_eq(ctr_config_set_user(cfg, "1000:100"), 0);
	ck_assert_int_eq(ctr_config_set_hostname(cfg, "web.example"), 0);
	ck_assert_int_eq(ctr_config_set_capabilities(cfg, caps), 0);
	ck_assert_int_eq(ctr_config_set_seccomp(cfg, profile), 0);
	ck_assert_int_eq(ctr_config_set_memory_limit(cfg, 256ull << 20), 0);
	ck_assert_int_eq(ctr_config_set_pids_limit(cfg, 64), 0);
	ck_assert_int_eq(ctr_config_set_readonly_rootfs(cfg, 1), 0);
	ck_assert_int_eq(ctr_config_add_mount(cfg, "/srv/data", "/data", NULL, "rbind,ro"), 0);
	ck_assert_int_eq(ctr_config_add_mount(cfg, "tmpfs", "/run", "tmpfs", NULL), 0);
	ck_assert_int_eq(ctr_config_set_network(cfg, CTR_NETWORK_HOST), 0);
	ck_assert_int_eq(ctr_config_add_network(cfg, "front", "10.89.7.9"), 0);
	ck_assert_int_eq(ctr_config_add_port(cfg, "127.0.0.1", 8080, 80, "udp"), 0);
	ck_assert_int_eq(ctr_config_set_label(cfg, "tier", "web"), 0);
	ck_assert_int_eq(ctr_config_set_annotation(cfg, "org.example/a", "b"), 0);
	ck_assert_int_eq(ctr_config_set_spec_override(cfg, "{\"linux\":{\"sysctl\":{\"a\":\"1\"}},"
							   "\"x\":[1.50,null,-0]}"),
			 0);
	free(profile);
}

START_TEST(test_json_round_trip_of_a_full_config_is_stable)
{
	ctr_config_t *back = NULL;
	char *first, *second;

	build_full_config();
	first = to_json(cfg);
	ck_assert_int_eq(ctr_config_from_json(first, &back), 0);
	second = to_json(back);
	ck_assert_str_eq(first, second);
	ck_assert_str_eq(ctri_config_name(back), "web-1");
	ck_assert_ptr_nonnull(strstr(first, "\"restart_max_retries\":4"));
	ck_assert_ptr_nonnull(strstr(first, "\"x\":[1.50,null,0]"));
	free(first);
	free(second);
	ctr_config_free(back);
}
END_TEST

START_TEST(test_from_json_of_an_empty_object_gives_the_defaults)
{
	ctr_config_t *back = NULL;
	char *want = to_json(cfg), *got;

	ck_assert_int_eq(ctr_config_from_json(" { } ", &back), 0);
	got = to_json(back);
	ck_assert_str_eq(want, got);
	free(want);
	free(got);
	ctr_config_free(back);
}
END_TEST

START_TEST(test_from_json_reads_restart_retries_before_the_policy)
{
	ctr_config_t *back = NULL;

	ck_assert_int_eq(ctr_config_from_json("{\"restart_max_retries\":2,"
					      "\"restart_policy\":\"on-failure\"}",
					      &back),
			 0);
	ctr_config_free(cfg);
	cfg = back;
	assert_json_has("\"restart_policy\":\"on-failure\",\"restart_max_retries\":2");
}
END_TEST

START_TEST(test_from_json_reads_seccomp_paths_and_inline_profiles)
{
	char *path = write_temp("p.json", valid_profile), *text;
	ctr_config_t *a = NULL, *b = NULL;
	char *ja, *jb;

	text = ctri_strdupf("{\"seccomp\":\"%s\"}", path);
	ck_assert_int_eq(ctr_config_from_json(text, &a), 0);
	free(text);
	text = ctri_strdupf("{\"seccomp\":%s}", valid_profile);
	ck_assert_int_eq(ctr_config_from_json(text, &b), 0);
	ja = to_json(a);
	jb = to_json(b);
	ck_assert_str_eq(ja, jb);
	ck_assert_ptr_nonnull(strstr(ja, "\"defaultErrnoRet\":38"));
	free(text);
	free(ja);
	free(jb);
	free(path);
	ctr_config_free(a);
	ctr_config_free(b);
}
END_TEST

static const struct {
	const char *json;
	const char *needle;
} bad_json[] = {
    /* not a JSON object, or not JSON */
    {"[]", "config is not a JSON object"},
    {"null", "config is not a JSON object"},
    {"\"x\"", "config is not a JSON object"},
    {"", "not valid JSON"},
    {"{", "not valid JSON: unexpected end of data"},
    {"{\"a\":1}\n\n", "unknown key \"a\""},
    {"{\"name\":\"a\"", "not valid JSON: unexpected end of data"},
    {"{\"name\":\"a\"} x", "not valid JSON"},
    {"{\"name\":\"a\",}", "not valid JSON"},
    {"{name:1}", "not valid JSON"},
    /* unknown keys and wrong types */
    {"{\"nmae\":\"a\"}", "unknown key \"nmae\""},
    {"{\"terminal\":\"yes\"}", "key \"terminal\" must be of type boolean, not string"},
    {"{\"name\":null}", "key \"name\" must be of type string, not null"},
    {"{\"args\":\"/bin/sh\"}", "key \"args\" must be of type array"},
    {"{\"args\":[\"/bin/sh\",1]}", "key \"args\": element 1 is not a string"},
    {"{\"stop_signal\":1e30}", "key \"stop_signal\" must be of type int, not double"},
    {"{\"stop_signal\":9.0}", "key \"stop_signal\" must be of type int"},
    {"{\"seccomp\":42}", "key \"seccomp\": must be a string or an object"},
    {"{\"labels\":{\"a\":1}}", "key \"labels\": value of \"a\" is not a string"},
    {"{\"user\":{\"uid\":1}}", "key \"user\" must be of type string"},
    {"{\"mounts\":[1]}", "key \"mounts\": mount 0 is not an object"},
    {"{\"mounts\":[{\"source\":\"/a\",\"destination\":\"/b\",\"ro\":true}]}", "unknown key \"ro\""},
    {"{\"mounts\":[{\"source\":\"/a\"}]}", "\"destination\" are required"},
    {"{\"mounts\":[{\"source\":\"/a\",\"destination\":\"/b\",\"options\":[\"ro,rw\"]}]}",
     "option \"ro,rw\""},
    /* numbers out of range */
    {"{\"stop_signal\":99999999999}", "key \"stop_signal\": value out of range"},
    {"{\"stop_signal\":0}", "key \"stop_signal\": ctr_config_set_stop_signal: invalid signal 0"},
    {"{\"stop_timeout\":-1}", "key \"stop_timeout\": value out of range"},
    {"{\"stop_timeout\":4294967296}", "key \"stop_timeout\": value out of range"},
    {"{\"user\":{\"uid\":1,\"gid\":0}}", "key \"user\""},
    {"{\"user\":\"4294967295\"}", "key \"user\": cannot set user"},
    {"{\"memory_limit\":9223372036854775808}", "key \"memory_limit\": value out of range"},
    {"{\"memory_limit\":99999999999999999999999}", "key \"memory_limit\": value out of range"},
    {"{\"memory_limit\":-1}", "key \"memory_limit\": value out of range"},
    {"{\"pids_limit\":-5}", "key \"pids_limit\": ctr_config_set_pids_limit: negative"},
    {"{\"pids_limit\":-99999999999999999999999}", "key \"pids_limit\""},
    {"{\"restart_policy\":\"on-failure\",\"restart_max_retries\":4294967296}",
     "key \"restart_max_retries\": value out of range"},
    /* the setters' checks */
    {"{\"name\":\".x\"}", "key \"name\": ctr_config_set_name: invalid name \".x\""},
    {"{\"rootfs\":\"rel\"}", "key \"rootfs\": ctr_config_set_rootfs"},
    {"{\"args\":[]}", "key \"args\": ctr_config_set_args: argv is empty"},
    {"{\"env\":[\"X\"]}", "key \"env\": ctr_config_set_env: envp[0] \"X\""},
    {"{\"capabilities\":[\"CAP_FLY\"]}",
     "key \"capabilities\": ctr_config_set_capabilities: unknown capability CAP_FLY"},
    {"{\"hostname\":\"-a\"}", "key \"hostname\": ctr_config_set_hostname"},
    {"{\"cwd\":\"\"}", "key \"cwd\""},
    {"{\"dependencies\":[\"\"]}", "key \"dependencies\""},
    {"{\"restart_policy\":\"sometimes\"}", "key \"restart_policy\": unknown value \"sometimes\""},
    {"{\"restart_policy\":\"always\",\"restart_max_retries\":1}", "key \"restart_max_retries\""},
    {"{\"restart_max_retries\":1}", "max_retries 1 is only allowed"},
    {"{\"network\":\"bridge\"}", "key \"network\": unknown value \"bridge\""},
    {"{\"networks\":[{\"name\":\"n\",\"ip\":\"10.89.1\"}]}", "is not an IPv4 address"},
    {"{\"networks\":[\"n\"]}", "key \"networks\": networks[0] is not an object"},
    {"{\"ports\":[{\"host_port\":\"80\",\"container_port\":80}]}", "needs integers"},
    {"{\"ports\":[{\"host_port\":70000,\"container_port\":80}]}", "out of range 1..65535"},
    {"{\"mounts\":[{\"source\":\"/a\",\"destination\":\"/../b\"}]}", "mount 0: destination"},
    {"{\"labels\":{\"\":\"v\"}}", "key \"labels\": ctr_config_set_label: key is empty"},
    {"{\"seccomp\":\"/nonexistent/profile.json\"}",
     "cannot read seccomp profile /nonexistent/profile.json"},
    {"{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"foo_bar\"],"
     "\"action\":\"SCMP_ACT_KILL\"}]}}",
     "unknown syscall foo_bar in seccomp profile (inline)"},
};

START_TEST(test_from_json_refuses_bad_input_naming_the_key)
{
	ctr_config_t *out = (ctr_config_t *)&out;

	assert_fails(ctr_config_from_json(bad_json[_i].json, &out), CTR_E_INVAL,
		     bad_json[_i].needle);
	ck_assert_ptr_eq(out, (ctr_config_t *)&out);
}
END_TEST

START_TEST(test_json_functions_name_null_arguments)
{
	ctr_config_t *out = NULL;
	char *text = NULL;

	assert_fails(ctr_config_from_json(NULL, &out), CTR_E_INVAL, "argument json is NULL");
	assert_fails(ctr_config_from_json("{}", NULL), CTR_E_INVAL, "argument out is NULL");
	assert_fails(ctr_config_to_json(NULL, &text), CTR_E_INVAL, "argument cfg is NULL");
	assert_fails(ctr_config_to_json(cfg, NULL), CTR_E_INVAL, "argument out is NULL");
	assert_fails(ctri_config_from_object(NULL, &out), CTR_E_INVAL, "not a JSON object");
}
END_TEST

Suite *suite_config(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("setters");

	tu_add_fixtures(tc, NULL);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_new_config_has_documented_defaults);
	tcase_add_test(tc, test_new_rejects_null_out_and_free_null_is_a_noop);
	tcase_add_test(tc, test_every_setter_names_a_null_config);
	tcase_add_test(tc, test_every_setter_names_a_null_required_string);
	tcase_add_test(tc, test_set_name_accepts_letters_digits_dot_dash_underscore);
	tcase_add_test(tc, test_set_name_rejects_leading_dot_dash_slash_and_overlong_names);
	tcase_add_test(tc, test_set_rootfs_and_cwd_require_absolute_paths);
	tcase_add_test(tc, test_set_args_needs_a_non_empty_command);
	tcase_add_test(tc, test_set_env_needs_key_value_entries_and_may_be_empty);
	tcase_add_test(tc, test_terminal_and_readonly_rootfs_are_booleans);
	tcase_add_test(tc, test_stop_signal_must_be_1_to_64);
	tcase_add_test(tc, test_stop_timeout_takes_any_unsigned);
	tcase_add_test(tc, test_restart_retries_only_with_on_failure);
	tcase_add_test(tc, test_add_dependency_keeps_order_and_ignores_duplicates);
	tcase_add_test(tc, test_set_user_takes_names_and_numbers_and_refuses_the_rest);
	tcase_add_test(tc, test_set_hostname_checks_length_and_characters);
	tcase_add_test(tc, test_capabilities_are_normalised_and_deduplicated);
	tcase_add_test(tc, test_capabilities_refuse_unknown_names_naming_them);
	tcase_add_test(tc, test_capabilities_null_restores_default_and_empty_drops_all);
	tcase_add_test(tc, test_seccomp_default_and_unconfined_are_keywords);
	tcase_add_test(tc, test_seccomp_profile_file_is_read_now_and_kept_inline);
	tcase_add_test(tc, test_memory_limit_fits_in_int64_and_pids_limit_is_not_negative);
	tcase_add_test(tc, test_network_accepts_only_none_and_host);
	tcase_add_test(tc, test_add_mount_defaults_to_rbind_and_splits_options);
	tcase_add_test(tc, test_add_mount_refuses_relative_paths_dotdot_and_empty_options);
	tcase_add_test(tc, test_labels_and_annotations_set_replace_and_remove);
	tcase_add_test(tc, test_spec_override_must_be_a_json_object_and_null_clears);
	tcase_add_test(tc, test_config_check_names_missing_rootfs_and_args);
	suite_add_tcase(s, tc);

	tc = tcase_create("json");
	tu_add_fixtures(tc, NULL);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_json_round_trip_of_a_full_config_is_stable);
	tcase_add_test(tc, test_from_json_of_an_empty_object_gives_the_defaults);
	tcase_add_test(tc, test_from_json_reads_restart_retries_before_the_policy);
	tcase_add_test(tc, test_from_json_reads_seccomp_paths_and_inline_profiles);
	tcase_add_loop_test(tc, test_from_json_refuses_bad_input_naming_the_key, 0,
			    (int)(sizeof(bad_json) / sizeof(bad_json[0])));
	tcase_add_test(tc, test_json_functions_name_null_arguments);
	suite_add_tcase(s, tc);
	return s;
}
