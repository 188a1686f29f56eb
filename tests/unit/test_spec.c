/* OCI spec generation: what runc gets for each configuration. */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "ctr/ctr.h"
#include "spec.h"
#include "testutil.h"
#include "tests.h"
#include "util.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static ctr_config_t *cfg;
static char *rootfs;
static json_object *spec;

static void setup(void)
{
	static const char *const argv[] = {"/bin/echo", "hello", NULL};

	rootfs = tu_mkdtemp();
	ck_assert_int_eq(ctr_config_new(&cfg), 0);
	ck_assert_int_eq(ctr_config_set_rootfs(cfg, rootfs), 0);
	ck_assert_int_eq(ctr_config_set_args(cfg, argv), 0);
}

static void teardown(void)
{
	json_object_put(spec);
	spec = NULL;
	ctr_config_free(cfg);
	cfg = NULL;
	tu_rm_rf(rootfs);
	free(rootfs);
	rootfs = NULL;
}

static void build_with_id(const char *id)
{
	json_object_put(spec);
	spec = NULL;
	ck_assert_msg(ctri_spec_build(cfg, id, &spec) == 0, "%s", ctr_last_error());
	ck_assert_ptr_nonnull(spec);
}

static void build(void)
{
	build_with_id(ID);
}

/* The value at a dotted path ("linux.namespaces.0.type"); NULL if absent. */
static json_object *at(json_object *o, const char *path)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save)) {
		json_object *next = NULL;
		if (json_object_is_type(o, json_type_array))
			next = json_object_array_get_idx(o, (size_t)atoi(k));
		else if (!json_object_object_get_ex(o, k, &next))
			return NULL;
		o = next;
	}
	return o;
}

/* 1 if the member at path exists (even as null). */
static int has(const char *path)
{
	char buf[256], *dot;
	json_object *parent = spec;

	snprintf(buf, sizeof(buf), "%s", path);
	dot = strrchr(buf, '.');
	if (dot) {
		*dot = '\0';
		parent = at(spec, buf);
	}
	return json_object_is_type(parent, json_type_object) &&
	       json_object_object_get_ex(parent, dot ? dot + 1 : buf, NULL);
}

static const char *str_at(const char *path)
{
	json_object *v = at(spec, path);

	ck_assert_msg(json_object_is_type(v, json_type_string), "%s is not a string", path);
	return json_object_get_string(v);
}

static long long int_at(const char *path)
{
	json_object *v = at(spec, path);

	ck_assert_msg(json_object_is_type(v, json_type_int), "%s is not an int", path);
	return (long long)json_object_get_int64(v);
}

static int bool_at(const char *path)
{
	json_object *v = at(spec, path);

	ck_assert_msg(json_object_is_type(v, json_type_boolean), "%s is not a bool", path);
	return json_object_get_boolean(v);
}

/* The array at path as one string "a,b,c". */
static const char *list_at(const char *path)
{
	static char buf[4096];
	json_object *arr = at(spec, path);
	size_t n = 0;

	ck_assert_msg(json_object_is_type(arr, json_type_array), "%s is not an array", path);
	buf[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		const char *s = json_object_is_type(e, json_type_object)
				    ? json_object_get_string(at(e, "type"))
				    : json_object_get_string(e);
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? "," : "", s);
		ck_assert_uint_lt(n, sizeof(buf));
	}
	return buf;
}

static json_object *mount_at(const char *destination)
{
	json_object *mounts = at(spec, "mounts");

	for (size_t i = 0; i < json_object_array_length(mounts); i++) {
		json_object *m = json_object_array_get_idx(mounts, i);
		if (!strcmp(json_object_get_string(at(m, "destination")), destination))
			return m;
	}
	return NULL;
}

static const char *mount_list(void)
{
	static char buf[1024];
	json_object *mounts = at(spec, "mounts");
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(mounts); i++) {
		json_object *m = json_object_array_get_idx(mounts, i);
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s:%s", i ? "," : "",
				      json_object_get_string(at(m, "destination")),
				      json_object_get_string(at(m, "type")));
	}
	return buf;
}

static const char *const default_caps =
    "CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FSETID,CAP_FOWNER,CAP_MKNOD,CAP_NET_RAW,CAP_SETGID,"
    "CAP_SETUID,CAP_SETFCAP,CAP_SETPCAP,CAP_NET_BIND_SERVICE,CAP_SYS_CHROOT,CAP_KILL,"
    "CAP_AUDIT_WRITE";

START_TEST(test_spec_names_version_root_hostname_and_cgroups_path)
{
	build();
	ck_assert_str_eq(str_at("ociVersion"), "1.0.2");
	ck_assert_str_eq(str_at("root.path"), rootfs);
	ck_assert(!bool_at("root.readonly"));
	ck_assert_str_eq(str_at("hostname"), "0123456789ab");
	ck_assert_str_eq(str_at("linux.cgroupsPath"), "/libctr/" ID);
	ck_assert(!has("annotations"));
}
END_TEST

START_TEST(test_spec_process_has_safe_defaults)
{
	build();
	ck_assert(!bool_at("process.terminal"));
	ck_assert_int_eq(int_at("process.user.uid"), 0);
	ck_assert_int_eq(int_at("process.user.gid"), 0);
	ck_assert_str_eq(list_at("process.args"), "/bin/echo,hello");
	ck_assert_str_eq(list_at("process.env"),
			 "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin,"
			 "HOSTNAME=0123456789ab");
	ck_assert_str_eq(str_at("process.cwd"), "/");
	ck_assert(bool_at("process.noNewPrivileges"));
	ck_assert_int_eq(json_object_array_length(at(spec, "process.rlimits")), 1);
	ck_assert_str_eq(str_at("process.rlimits.0.type"), "RLIMIT_NOFILE");
	ck_assert_int_eq(int_at("process.rlimits.0.hard"), 1024);
	ck_assert_int_eq(int_at("process.rlimits.0.soft"), 1024);
	ck_assert_str_eq(list_at("process.capabilities.bounding"), default_caps);
	ck_assert_str_eq(list_at("process.capabilities.effective"), default_caps);
	ck_assert_str_eq(list_at("process.capabilities.permitted"), default_caps);
	ck_assert(!has("process.capabilities.inheritable"));
	ck_assert(!has("process.capabilities.ambient"));
}
END_TEST

START_TEST(test_spec_env_adds_term_and_hostname_only_when_not_given)
{
	static const char *const env[] = {"A=1", "HOSTNAME=mine", NULL};
	static const char *const with_term[] = {"TERM=dumb", NULL};

	ck_assert_int_eq(ctr_config_set_terminal(cfg, 1), 0);
	build();
	ck_assert_str_eq(list_at("process.env"),
			 "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin,"
			 "TERM=xterm,HOSTNAME=0123456789ab");
	ck_assert(bool_at("process.terminal"));
	ck_assert_int_eq(ctr_config_set_env(cfg, env), 0);
	build();
	ck_assert_str_eq(
	    list_at("process.env"),
	    "A=1,HOSTNAME=mine,"
	    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin,TERM=xterm");
	ck_assert_int_eq(ctr_config_set_env(cfg, with_term), 0);
	ck_assert_int_eq(ctr_config_set_hostname(cfg, "web.example"), 0);
	build();
	ck_assert_str_eq(list_at("process.env"),
			 "TERM=dumb,"
			 "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin,"
			 "HOSTNAME=web.example");
	ck_assert_str_eq(str_at("hostname"), "web.example");
}
END_TEST

START_TEST(test_spec_hostname_and_cgroup_follow_short_and_long_ids)
{
	char id[254], want[300];

	ck_assert_int_eq(ctri_spec_build(cfg, "abc", &spec), 0);
	ck_assert_str_eq(str_at("hostname"), "abc");
	ck_assert_str_eq(str_at("linux.cgroupsPath"), "/libctr/abc");
	memset(id, 'f', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	build_with_id(id);
	snprintf(want, sizeof(want), "/libctr/%s", id);
	ck_assert_str_eq(str_at("linux.cgroupsPath"), want);
	ck_assert_str_eq(str_at("hostname"), "ffffffffffff");
}
END_TEST

START_TEST(test_spec_user_cwd_readonly_root_and_capabilities_follow_the_config)
{
	static const char *const caps[] = {"net_admin", "sys_time", NULL};
	static const char *const none[] = {NULL};

	ck_assert_int_eq(ctr_config_set_user(cfg, "1000:100"), 0);
	ck_assert_int_eq(ctr_config_set_cwd(cfg, "/srv"), 0);
	ck_assert_int_eq(ctr_config_set_readonly_rootfs(cfg, 1), 0);
	ck_assert_int_eq(ctr_config_set_capabilities(cfg, caps), 0);
	build();
	ck_assert_int_eq(int_at("process.user.uid"), 1000);
	ck_assert_int_eq(int_at("process.user.gid"), 100);
	ck_assert_str_eq(str_at("process.cwd"), "/srv");
	ck_assert(bool_at("root.readonly"));
	ck_assert_str_eq(list_at("process.capabilities.bounding"), "CAP_NET_ADMIN,CAP_SYS_TIME");
	ck_assert_str_eq(list_at("process.capabilities.effective"), "CAP_NET_ADMIN,CAP_SYS_TIME");
	ck_assert_str_eq(list_at("process.capabilities.permitted"), "CAP_NET_ADMIN,CAP_SYS_TIME");
	ck_assert_int_eq(ctr_config_set_capabilities(cfg, none), 0);
	build();
	ck_assert_str_eq(list_at("process.capabilities.bounding"), "");
	/* A name is looked up when a run begins; until then the spec names nobody, not root. */
	ck_assert_int_eq(ctr_config_set_user(cfg, "app"), 0);
	build();
	ck_assert_int_eq(int_at("process.user.uid"), 65534);
	ck_assert_int_eq(int_at("process.user.gid"), 65534);
}
END_TEST

START_TEST(test_default_capabilities_are_the_spec_default)
{
	const char *const *caps = ctr_default_capabilities();
	char joined[1024] = "";

	for (size_t i = 0; caps[i]; i++)
		snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s",
			 i ? "," : "", caps[i]);
	ck_assert_str_eq(joined, "CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FSETID,CAP_FOWNER,CAP_MKNOD,"
				 "CAP_NET_RAW,CAP_SETGID,CAP_SETUID,CAP_SETFCAP,CAP_SETPCAP,"
				 "CAP_NET_BIND_SERVICE,CAP_SYS_CHROOT,CAP_KILL,CAP_AUDIT_WRITE");
	build();
	ck_assert_str_eq(list_at("process.capabilities.bounding"), joined);
	ck_assert_int_eq(ctr_config_set_capabilities(cfg, caps), 0); /* a valid set as it is */
}
END_TEST

START_TEST(test_spec_namespaces_include_a_private_network_by_default)
{
	build();
	ck_assert_str_eq(list_at("linux.namespaces"), "pid,ipc,uts,mount,network,cgroup");
	ck_assert_str_eq(str_at("mounts.5.destination"), "/sys");
	ck_assert_str_eq(str_at("mounts.5.type"), "sysfs");
}
END_TEST

START_TEST(test_spec_host_network_shares_the_netns_and_binds_sys)
{
	json_object *sys;

	ck_assert_int_eq(ctr_config_set_network(cfg, CTR_NETWORK_HOST), 0);
	build();
	ck_assert_str_eq(list_at("linux.namespaces"), "pid,ipc,uts,mount,cgroup");
	sys = mount_at("/sys");
	ck_assert_ptr_nonnull(sys);
	ck_assert_str_eq(json_object_get_string(at(sys, "source")), "/sys");
	ck_assert_str_eq(json_object_get_string(at(sys, "type")), "bind");
	ck_assert_str_eq(json_object_to_json_string(at(sys, "options")),
			 "[ \"bind\", \"nosuid\", \"noexec\", \"nodev\", \"ro\" ]");
}
END_TEST

START_TEST(test_spec_mounts_are_the_defaults_then_the_configs)
{
	ck_assert_int_eq(ctr_config_add_mount(cfg, "/srv/data", "/data", NULL, "rbind,ro"), 0);
	ck_assert_int_eq(ctr_config_add_mount(cfg, "tmpfs", "/run", "tmpfs", "size=1m"), 0);
	build();
	ck_assert_str_eq(mount_list(), "/proc:proc,/dev:tmpfs,/dev/pts:devpts,/dev/shm:tmpfs,"
				       "/dev/mqueue:mqueue,/sys:sysfs,/sys/fs/cgroup:cgroup,"
				       "/data:bind,/run:tmpfs");
	ck_assert_str_eq(list_at("mounts.1.options"), "nosuid,strictatime,mode=755,size=65536k");
	ck_assert_str_eq(list_at("mounts.2.options"),
			 "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5");
	ck_assert_str_eq(list_at("mounts.3.options"), "nosuid,noexec,nodev,mode=1777,size=65536k");
	ck_assert_str_eq(list_at("mounts.6.options"), "nosuid,noexec,nodev,relatime,ro");
	ck_assert_str_eq(str_at("mounts.7.source"), "/srv/data");
	ck_assert_str_eq(list_at("mounts.7.options"), "rbind,ro");
	ck_assert_str_eq(list_at("mounts.8.options"), "size=1m");
}
END_TEST

START_TEST(test_spec_a_config_mount_replaces_the_default_at_its_destination)
{
	ck_assert_int_eq(ctr_config_add_mount(cfg, "shm", "/dev/shm", "tmpfs", "size=1g"), 0);
	build();
	ck_assert_str_eq(mount_list(), "/proc:proc,/dev:tmpfs,/dev/pts:devpts,"
				       "/dev/mqueue:mqueue,/sys:sysfs,/sys/fs/cgroup:cgroup,"
				       "/dev/shm:tmpfs");
	ck_assert_str_eq(list_at("mounts.6.options"), "size=1g");
}
END_TEST

START_TEST(test_spec_resources_deny_devices_and_limit_only_what_is_set)
{
	build();
	ck_assert_int_eq(json_object_array_length(at(spec, "linux.resources.devices")), 1);
	ck_assert(!bool_at("linux.resources.devices.0.allow"));
	ck_assert_str_eq(str_at("linux.resources.devices.0.access"), "rwm");
	ck_assert(!has("linux.resources.memory"));
	ck_assert(!has("linux.resources.pids"));
	ck_assert_int_eq(ctr_config_set_memory_limit(cfg, 64ull << 20), 0);
	ck_assert_int_eq(ctr_config_set_pids_limit(cfg, 32), 0);
	build();
	ck_assert_int_eq(int_at("linux.resources.memory.limit"), 64ll << 20);
	ck_assert_int_eq(int_at("linux.resources.pids.limit"), 32);
}
END_TEST

START_TEST(test_spec_masks_and_protects_proc_and_sys_like_runc)
{
	build();
	ck_assert_str_eq(list_at("linux.maskedPaths"),
			 "/proc/acpi,/proc/asound,/proc/kcore,/proc/keys,/proc/latency_stats,"
			 "/proc/timer_list,/proc/timer_stats,/proc/sched_debug,/sys/firmware,"
			 "/proc/scsi");
	ck_assert_str_eq(list_at("linux.readonlyPaths"),
			 "/proc/bus,/proc/fs,/proc/irq,/proc/sys,/proc/sysrq-trigger");
}
END_TEST

START_TEST(test_spec_seccomp_is_the_default_a_file_profile_or_none)
{
	char *dir = tu_mkdtemp(), *path = ctri_strdupf("%s/p.json", dir);
	static const char profile[] = "{\"defaultAction\":\"SCMP_ACT_LOG\"}";

	build();
	ck_assert_str_eq(str_at("linux.seccomp.defaultAction"), "SCMP_ACT_ERRNO");
	ck_assert_int_eq(int_at("linux.seccomp.defaultErrnoRet"), ENOSYS);
	ck_assert_int_eq(ctri_write_file(path, profile, strlen(profile), 0600, 0), 0);
	ck_assert_int_eq(ctr_config_set_seccomp(cfg, path), 0);
	build();
	ck_assert_str_eq(
	    json_object_to_json_string_ext(at(spec, "linux.seccomp"),
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
	    profile);
	ck_assert_int_eq(ctr_config_set_seccomp(cfg, "unconfined"), 0);
	build();
	ck_assert(!has("linux.seccomp"));
	tu_rm_rf(dir);
	free(dir);
	free(path);
}
END_TEST

START_TEST(test_spec_annotations_go_to_the_top_level)
{
	ck_assert_int_eq(ctr_config_set_annotation(cfg, "org.example/a", "1"), 0);
	ck_assert_int_eq(ctr_config_set_label(cfg, "not-an", "annotation"), 0);
	build();
	ck_assert_str_eq(
	    json_object_to_json_string_ext(at(spec, "annotations"),
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
	    "{\"org.example/a\":\"1\"}");
}
END_TEST

START_TEST(test_spec_override_merges_objects_replaces_values_and_null_deletes)
{
	ck_assert_int_eq(ctr_config_set_spec_override(
			     cfg, "{\"process\":{\"noNewPrivileges\":null,\"cwd\":\"/x\","
				  "\"args\":[\"/bin/true\"]},"
				  "\"linux\":{\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"},"
				  "\"resources\":{\"pids\":{\"limit\":5}}},"
				  "\"hostname\":null,\"absent\":null,"
				  "\"extra\":{\"gone\":null,\"kept\":{\"n\":1,\"z\":null}}}"),
			 0);
	build();
	ck_assert(!has("process.noNewPrivileges"));
	ck_assert(!has("hostname"));
	ck_assert(!has("absent"));
	ck_assert_str_eq(str_at("process.cwd"), "/x");
	ck_assert_str_eq(list_at("process.args"), "/bin/true");
	ck_assert(bool_at("process.terminal") == 0);
	ck_assert_str_eq(
	    json_object_to_json_string_ext(at(spec, "linux.sysctl"),
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
	    "{\"net.ipv4.ip_forward\":\"1\"}");
	ck_assert_int_eq(int_at("linux.resources.pids.limit"), 5);
	ck_assert_str_eq(str_at("linux.resources.devices.0.access"), "rwm");
	ck_assert_str_eq(list_at("linux.namespaces"), "pid,ipc,uts,mount,network,cgroup");
	ck_assert_str_eq(
	    json_object_to_json_string_ext(at(spec, "extra"),
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
	    "{\"kept\":{\"n\":1}}");
}
END_TEST

START_TEST(test_spec_override_can_replace_whole_objects_with_scalars)
{
	ck_assert_int_eq(ctr_config_set_spec_override(cfg, "{\"linux\":{\"resources\":1},"
							   "\"mounts\":[]}"),
			 0);
	build();
	ck_assert_int_eq(int_at("linux.resources"), 1);
	ck_assert_int_eq(json_object_array_length(at(spec, "mounts")), 0);
}
END_TEST

START_TEST(test_spec_building_twice_gives_the_same_spec_and_keeps_the_config)
{
	char *before = NULL, *after = NULL, *first;

	ck_assert_int_eq(ctr_config_set_annotation(cfg, "a", "b"), 0);
	ck_assert_int_eq(ctr_config_set_spec_override(cfg, "{\"annotations\":{\"a\":null},"
							   "\"linux\":{\"seccomp\":{\"x\":1}}}"),
			 0);
	ck_assert_int_eq(ctr_config_to_json(cfg, &before), 0);
	build();
	first = strdup(json_object_to_json_string(spec));
	build();
	ck_assert_str_eq(first, json_object_to_json_string(spec));
	ck_assert_int_eq(ctr_config_to_json(cfg, &after), 0);
	ck_assert_str_eq(before, after);
	free(first);
	free(before);
	free(after);
}
END_TEST

START_TEST(test_spec_build_refuses_bad_ids_and_incomplete_configs)
{
	ctr_config_t *empty = NULL;

	ck_assert_int_eq(ctri_spec_build(NULL, ID, &spec), CTR_E_INVAL);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "argument cfg is NULL"));
	ck_assert_int_eq(ctri_spec_build(cfg, NULL, &spec), CTR_E_INVAL);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "argument id is NULL"));
	ck_assert_int_eq(ctri_spec_build(cfg, ID, NULL), CTR_E_INVAL);
	ck_assert_int_eq(ctri_spec_build(cfg, "../x", &spec), CTR_E_INVAL);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "invalid container id \"../x\""));
	ck_assert_int_eq(ctri_spec_build(cfg, "", &spec), CTR_E_INVAL);
	ck_assert_int_eq(ctr_config_new(&empty), 0);
	ck_assert_int_eq(ctri_spec_build(empty, ID, &spec), CTR_E_INVAL);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "rootfs is not set"));
	ck_assert_int_eq(ctr_config_set_rootfs(empty, rootfs), 0);
	ck_assert_int_eq(ctri_spec_build(empty, ID, &spec), CTR_E_INVAL);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "args are not set"));
	ck_assert_ptr_null(spec);
	ctr_config_free(empty);
}
END_TEST

START_TEST(test_spec_write_creates_a_private_config_json)
{
	char *dir = tu_mkdtemp(), *path = ctri_strdupf("%s/config.json", dir);
	json_object *written;
	struct stat st;

	ck_assert_int_eq(ctri_spec_write(cfg, ID, dir), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	written = json_object_from_file(path);
	ck_assert_ptr_nonnull(written);
	build();
	ck_assert(json_object_equal(written, spec));
	json_object_put(written);
	tu_rm_rf(dir);
	free(dir);
	free(path);
}
END_TEST

START_TEST(test_spec_write_into_a_missing_directory_names_the_path)
{
	char *dir = tu_mkdtemp(), *missing = ctri_strdupf("%s/no/such", dir);

	ck_assert_int_eq(ctr_config_set_name(cfg, "web"), 0);
	ck_assert_int_eq(ctri_spec_write(cfg, ID, missing), CTR_E_IO);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "container web: cannot write spec: "));
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), missing));
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), strerror(ENOENT)));
	ck_assert_int_eq(ctri_spec_write(cfg, ID, NULL), CTR_E_INVAL);
	tu_rm_rf(dir);
	free(dir);
	free(missing);
}
END_TEST

START_TEST(test_spec_load_reads_what_spec_write_wrote_and_names_a_bad_file)
{
	char *dir = tu_mkdtemp(), *slash = ctri_strdupf("%s/", dir);
	char *path = ctri_strdupf("%s/config.json", dir);
	json_object *loaded = NULL;

	ck_assert_int_eq(ctri_spec_write(cfg, ID, dir), 0);
	ck_assert_msg(ctri_spec_load(slash, &loaded) == 0, "%s", ctr_last_error());
	build();
	ck_assert(json_object_equal(loaded, spec));
	ck_assert_int_eq(ctri_spec_save(dir, loaded), 0);
	json_object_put(loaded);
	ck_assert_int_eq(ctri_spec_load(dir, &loaded), 0);
	ck_assert(json_object_equal(loaded, spec));
	json_object_put(loaded);
	ck_assert_int_eq(ctri_write_file(path, "{}", 2, 0600, 0), 0);
	ck_assert_int_eq(ctri_spec_load(dir, &loaded), CTR_E_STORE);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), path));
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "has no process object"));
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(ctri_spec_load(dir, &loaded), CTR_E_IO);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), path));
	ck_assert_int_eq(ctri_spec_load(NULL, &loaded), CTR_E_INVAL);
	tu_rm_rf(dir);
	free(dir);
	free(slash);
	free(path);
}
END_TEST

/* ---- seccomp profiles --------------------------------------------------------------------- */

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

static char *to_json(void)
{
	char *s = NULL;

	ck_assert_int_eq(ctr_config_to_json(cfg, &s), 0);
	return s;
}

/* expr fails with CTR_E_INVAL naming needle and leaves cfg as it was. */
#define assert_refused_unchanged(expr, needle)                                                     \
	do {                                                                                       \
		char *before_ = to_json();                                                         \
		assert_fails(expr, CTR_E_INVAL, needle);                                           \
		char *after_ = to_json();                                                          \
		ck_assert_str_eq(before_, after_);                                                 \
		free(before_);                                                                     \
		free(after_);                                                                      \
	} while (0)

static char *write_temp(const char *name, const char *text)
{
	char *dir = tu_mkdtemp();
	char *path = ctri_strdupf("%s/%s", dir, name);

	ck_assert_ptr_nonnull(path);
	ck_assert_int_eq(ctri_write_file(path, text, strlen(text), 0600, 0), 0);
	free(dir);
	return path;
}

static const char valid_profile[] =
    "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
    "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_AARCH64\"],"
    "\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],"
    "\"syscalls\":[{\"names\":[\"read\",\"write\",\"exit_group\"],\"action\":\"SCMP_ACT_ALLOW\"},"
    "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
    "\"value\":8,\"valueTwo\":0,\"op\":\"SCMP_CMP_EQ\"}]},"
    "{\"names\":[\"clock_settime64\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}";

/* A profile that differs from valid_profile by one replacement is refused naming needle. */
static void assert_profile_refused(const char *from, const char *to, const char *needle)
{
	char text[2048], *at = strstr(valid_profile, from), *path;

	ck_assert_ptr_nonnull(at);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - valid_profile), valid_profile, to,
		 at + strlen(from));
	path = write_temp("profile.json", text);
	assert_refused_unchanged(ctr_config_set_seccomp(cfg, path), needle);
	ck_assert_msg(strstr(ctr_last_error(), path), "%s lacks the path", ctr_last_error());
	free(path);
}

START_TEST(test_seccomp_profile_refuses_unknown_syscalls_naming_them_and_the_file)
{
	char *path = write_temp("p.json", "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":"
					  "[{\"names\":[\"read\",\"foo_bar\"],"
					  "\"action\":\"SCMP_ACT_KILL\"}]}");
	char needle[PATH_MAX + 64];

	snprintf(needle, sizeof(needle), "unknown syscall foo_bar in seccomp profile %s", path);
	assert_refused_unchanged(ctr_config_set_seccomp(cfg, path), needle);
	{
		char *s = to_json();
		ck_assert_ptr_nonnull(strstr(s, "\"seccomp\":\"default\""));
		free(s);
	}
	free(path);
}
END_TEST

START_TEST(test_seccomp_profile_refuses_bad_actions_keys_arches_and_operators)
{
	assert_profile_refused("\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\"",
			       "\"SCMP_ACT_MAYBE\",\"defaultErrnoRet\"",
			       "unknown action SCMP_ACT_MAYBE");
	assert_profile_refused("\"flags\"", "\"comment\":\"x\",\"flags\"",
			       "unknown key \"comment\"");
	assert_profile_refused("SCMP_ARCH_AARCH64", "SCMP_ARCH_Z80",
			       "unknown architecture SCMP_ARCH_Z80");
	assert_profile_refused("SCMP_ARCH_AARCH64", "aarch64", "unknown architecture aarch64");
	assert_profile_refused("SCMP_CMP_EQ", "SCMP_CMP_LIKE", "unknown operator SCMP_CMP_LIKE");
	assert_profile_refused("\"index\":0", "\"index\":6", "\"index\" out of range");
	assert_profile_refused("\"index\":0", "\"index\":-1", "\"index\" out of range");
	assert_profile_refused("SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_X", "unknown flag");
	assert_profile_refused("\"errnoRet\":1", "\"errnoRet\":\"1\"",
			       "\"errnoRet\" must be of type int");
	assert_profile_refused("\"names\":[\"personality\"]", "\"names\":[]", "empty \"names\"");
	assert_profile_refused("\"names\":[\"personality\"]", "\"names\":[7]", "not a string");
	assert_profile_refused("\"action\":\"SCMP_ACT_ALLOW\"}", "\"act\":\"SCMP_ACT_ALLOW\"}",
			       "unknown key \"act\"");
	assert_profile_refused("{\"defaultAction\":\"SCMP_ACT_ERRNO\",", "{",
			       "missing \"defaultAction\"");
}
END_TEST

START_TEST(test_seccomp_profile_must_be_a_readable_json_object)
{
	char *dir = tu_mkdtemp(), *missing = ctri_strdupf("%s/none.json", dir);
	char *array = write_temp("array.json", "[]");
	char *broken = write_temp("broken.json", "{\"defaultAction\":");
	char *trailing = write_temp("trailing.json", "{\"defaultAction\":\"SCMP_ACT_ALLOW\"} x");

	assert_refused_unchanged(ctr_config_set_seccomp(cfg, missing), "No such file or directory");
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), missing));
	assert_refused_unchanged(ctr_config_set_seccomp(cfg, "/dev/null"), "not a regular file");
	assert_refused_unchanged(ctr_config_set_seccomp(cfg, dir), "not a regular file");
	ck_assert_int_eq(mkfifo(missing, 0600), 0);
	assert_refused_unchanged(ctr_config_set_seccomp(cfg, missing), "not a regular file");
	assert_refused_unchanged(ctr_config_set_seccomp(cfg, array), "is not a JSON object");
	assert_refused_unchanged(ctr_config_set_seccomp(cfg, broken), "not valid JSON");
	assert_refused_unchanged(ctr_config_set_seccomp(cfg, trailing), "not valid JSON");
	free(dir);
	free(missing);
	free(array);
	free(broken);
	free(trailing);
}
END_TEST

START_TEST(test_seccomp_profile_larger_than_1mib_is_refused)
{
	size_t n = 1024 * 1024 + 16;
	char *text = malloc(n + 1), *path;

	ck_assert_ptr_nonnull(text);
	memset(text, ' ', n);
	memcpy(text, "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}", 34);
	text[n] = '\0';
	path = write_temp("big.json", text);
	assert_refused_unchanged(ctr_config_set_seccomp(cfg, path), "too large");
	free(text);
	free(path);
}
END_TEST

Suite *suite_spec(void)
{
	Suite *s = suite_create("spec");
	TCase *tc = tcase_create("spec");

	tu_add_fixtures(tc, NULL);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_spec_names_version_root_hostname_and_cgroups_path);
	tcase_add_test(tc, test_spec_process_has_safe_defaults);
	tcase_add_test(tc, test_spec_env_adds_term_and_hostname_only_when_not_given);
	tcase_add_test(tc, test_spec_hostname_and_cgroup_follow_short_and_long_ids);
	tcase_add_test(tc, test_spec_user_cwd_readonly_root_and_capabilities_follow_the_config);
	tcase_add_test(tc, test_default_capabilities_are_the_spec_default);
	tcase_add_test(tc, test_spec_namespaces_include_a_private_network_by_default);
	tcase_add_test(tc, test_spec_host_network_shares_the_netns_and_binds_sys);
	tcase_add_test(tc, test_spec_mounts_are_the_defaults_then_the_configs);
	tcase_add_test(tc, test_spec_a_config_mount_replaces_the_default_at_its_destination);
	tcase_add_test(tc, test_spec_resources_deny_devices_and_limit_only_what_is_set);
	tcase_add_test(tc, test_spec_masks_and_protects_proc_and_sys_like_runc);
	tcase_add_test(tc, test_spec_seccomp_is_the_default_a_file_profile_or_none);
	tcase_add_test(tc, test_spec_annotations_go_to_the_top_level);
	tcase_add_test(tc, test_spec_override_merges_objects_replaces_values_and_null_deletes);
	tcase_add_test(tc, test_spec_override_can_replace_whole_objects_with_scalars);
	tcase_add_test(tc, test_spec_building_twice_gives_the_same_spec_and_keeps_the_config);
	tcase_add_test(tc, test_spec_build_refuses_bad_ids_and_incomplete_configs);
	tcase_add_test(tc, test_spec_write_creates_a_private_config_json);
	tcase_add_test(tc, test_spec_write_into_a_missing_directory_names_the_path);
	tcase_add_test(tc, test_spec_load_reads_what_spec_write_wrote_and_names_a_bad_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("seccomp");
	tu_add_fixtures(tc, NULL);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_seccomp_profile_refuses_unknown_syscalls_naming_them_and_the_file);
	tcase_add_test(tc, test_seccomp_profile_refuses_bad_actions_keys_arches_and_operators);
	tcase_add_test(tc, test_seccomp_profile_must_be_a_readable_json_object);
	tcase_add_test(tc, test_seccomp_profile_larger_than_1mib_is_refused);
	suite_add_tcase(s, tc);
	return s;
}
