/* The runtime context: options, directories, the database file, reboot detection. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "runtime.h"
#include "store.h"
#include "tests.h"
#include "testutil.h"
#include "util.h"

static char *state_dir, *run_dir, *mounted;

static void runtime_teardown(void)
{
	if (mounted)
		umount2(mounted, MNT_DETACH);
	free(mounted);
	free(state_dir);
	free(run_dir);
	mounted = state_dir = run_dir = NULL;
}

/* Fresh (not yet existing) state and run directory paths below the test's base. */
static void dirs(void)
{
	if (!state_dir) {
		state_dir = tu_path("state");
		run_dir = tu_path("run");
	}
}

static int open_at(const char *state, const char *run, ctr_runtime_t **out)
{
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state, .run_dir = run,
		 .flags = CTR_RUNTIME_NOSYNC);
	return ctr_runtime_open(&o, out);
}

static ctr_runtime_t *open_ok(void)
{
	ctr_runtime_t *rt = NULL;

	dirs();
	int r = open_at(state_dir, run_dir, &rt);
	ck_assert_msg(r == 0, "ctr_runtime_open: %d %s", r, ctr_last_error());
	ck_assert_ptr_nonnull(rt);
	return rt;
}

/* Open must fail with code, leave out untouched, and mention every non-NULL needle. */
static void assert_open_fails(const ctr_runtime_opts_t *o, int code, const char *needle,
			      const char *needle2)
{
	ctr_runtime_t *rt = (ctr_runtime_t *)&rt;

	int r = ctr_runtime_open(o, &rt);
	ck_assert_msg(r == code, "ctr_runtime_open: expected %d, got %d (%s)", code, r,
		      ctr_last_error());
	ck_assert_ptr_eq(rt, (ctr_runtime_t *)&rt);
	if (needle)
		ck_assert_msg(strstr(ctr_last_error(), needle), "\"%s\" not in \"%s\"", needle,
			      ctr_last_error());
	if (needle2)
		ck_assert_msg(strstr(ctr_last_error(), needle2), "\"%s\" not in \"%s\"", needle2,
			      ctr_last_error());
}

static void assert_mode_0700_dir(const char *path)
{
	struct stat st;

	ck_assert_msg(lstat(path, &st) == 0, "%s: %s", path, strerror(errno));
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_msg((st.st_mode & 07777) == 0700, "%s has mode %o", path, st.st_mode & 07777);
	ck_assert_uint_eq(st.st_uid, geteuid());
}

static char *join(const char *a, const char *b)
{
	char *p = ctri_strdupf("%s/%s", a, b);
	ck_assert_ptr_nonnull(p);
	return p;
}

/* ---- options ------------------------------------------------------------------------- */

START_TEST(test_open_creates_state_and_run_dirs_with_mode_0700)
{
	mode_t old = umask(0);
	ctr_runtime_t *rt = open_ok();
	umask(old);

	assert_mode_0700_dir(state_dir);
	assert_mode_0700_dir(run_dir);
	char *db = join(state_dir, "ctr.tdb");
	struct stat st;
	ck_assert_int_eq(stat(db, &st), 0);
	ck_assert_int_eq(st.st_mode & 0077, 0);
	free(db);
	ctr_runtime_close(rt);
}
END_TEST

START_TEST(test_open_creates_missing_parent_directories)
{
	ctr_runtime_t *rt = NULL;
	char *state = tu_path("deep/er/state"), *run = tu_path("other/deep/run");

	ck_assert_int_eq(open_at(state, run, &rt), 0);
	assert_mode_0700_dir(state);
	assert_mode_0700_dir(run);
	ctr_runtime_close(rt);
	free(state);
	free(run);
}
END_TEST

START_TEST(test_open_refuses_an_existing_directory_writable_by_others)
{
	ctr_runtime_t *rt = NULL;
	struct stat st;

	dirs();
	ck_assert_int_eq(mkdir(state_dir, 0755), 0);
	ck_assert_int_eq(chmod(state_dir, 01777), 0);
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state_dir, .run_dir = run_dir,
		 .flags = CTR_RUNTIME_NOSYNC);
	ck_assert_int_eq(ctr_runtime_open(&o, &rt), CTR_E_INVAL);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), state_dir));
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "writable by group or others"));
	ck_assert_int_eq(stat(state_dir, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 01777); /* never chmod'ed behind the caller's back */
}
END_TEST

START_TEST(test_open_keeps_an_existing_private_directory_as_it_is)
{
	struct stat st;

	dirs();
	ck_assert_int_eq(mkdir(state_dir, 0750), 0);
	ck_assert_int_eq(chmod(state_dir, 0750), 0);
	ctr_runtime_t *rt = open_ok();
	ck_assert_int_eq(stat(state_dir, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0750);
	ctr_runtime_close(rt);
}
END_TEST

/* The default runtime "runc", looked up in PATH (and sbin) when installed. */
static void assert_is_runc(const char *path)
{
	size_t n = strlen(path);

	ck_assert_msg(!strcmp(path, "runc") || (n > 5 && !strcmp(path + n - 5, "/runc")), "%s",
		      path);
}

START_TEST(test_options_left_unset_take_their_defaults)
{
	unsetenv("CTR_MONITOR");
	ctr_runtime_t *rt = open_ok();

	assert_is_runc(rt->oci_runtime);
	ck_assert_str_eq(rt->monitor_path, CTR_LIBEXECDIR "/libctr/ctr-monitor");
	ck_assert_str_eq(rt->state_dir, state_dir);
	ck_assert_str_eq(rt->run_dir, run_dir);
	ctr_runtime_close(rt);
}
END_TEST

START_TEST(test_given_runtime_and_monitor_paths_are_kept)
{
	ctr_runtime_t *rt = NULL;

	dirs();
	setenv("CTR_MONITOR", "/from/env/ctr-monitor", 1);
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state_dir, .run_dir = run_dir,
		 .oci_runtime = "/usr/bin/crun", .monitor_path = "/opt/ctr-monitor");
	ck_assert_int_eq(ctr_runtime_open(&o, &rt), 0);
	ck_assert_str_eq(rt->oci_runtime, "/usr/bin/crun");
	ck_assert_str_eq(rt->monitor_path, "/opt/ctr-monitor");
	ctr_runtime_close(rt);
	unsetenv("CTR_MONITOR");
}
END_TEST

START_TEST(test_ctr_monitor_env_replaces_the_default_monitor)
{
	setenv("CTR_MONITOR", "/from/env/ctr-monitor", 1);
	ctr_runtime_t *rt = open_ok(); /* CTR_OPTS leaves monitor_path NULL */
	ck_assert_str_eq(rt->monitor_path, "/from/env/ctr-monitor");
	ctr_runtime_close(rt);
	unsetenv("CTR_MONITOR");
}
END_TEST

START_TEST(test_empty_runtime_name_is_inval)
{
	dirs();
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state_dir, .run_dir = run_dir,
		 .oci_runtime = "");
	assert_open_fails(&o, CTR_E_INVAL, "oci_runtime", NULL);
}
END_TEST

START_TEST(test_opts_with_sz_too_small_are_inval)
{
	dirs();
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state_dir, .run_dir = run_dir);
	o.sz = 0;
	assert_open_fails(&o, CTR_E_INVAL, "sz", NULL);
	o.sz = sizeof(size_t) - 1;
	assert_open_fails(&o, CTR_E_INVAL, "sz", NULL);
	/* nothing was created */
	ck_assert_int_eq(access(state_dir, F_OK), -1);
}
END_TEST

START_TEST(test_only_the_fields_covered_by_sz_are_read)
{
	ctr_runtime_t *rt = NULL;

	dirs();
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state_dir, .run_dir = run_dir,
		 .oci_runtime = "", .flags = 0x80000000u);
	o.sz = offsetof(ctr_runtime_opts_t, oci_runtime); /* an older caller's struct */
	ck_assert_int_eq(ctr_runtime_open(&o, &rt), 0);
	assert_is_runc(rt->oci_runtime);
	ck_assert_uint_eq(rt->flags, 0);
	ctr_runtime_close(rt);
}
END_TEST

/* A caller built against a newer header whose struct has more fields. */
struct newer_opts {
	ctr_runtime_opts_t base;
	unsigned long long future_field;
	const char *future_string;
};

START_TEST(test_unknown_nonzero_trailing_bytes_are_inval)
{
	dirs();
	struct newer_opts n = {0};
	n.base.sz = sizeof(n);
	n.base.state_dir = state_dir;
	n.base.run_dir = run_dir;
	n.future_field = 1;
	assert_open_fails(&n.base, CTR_E_INVAL, "non-zero", NULL);
	n.future_field = 0;
	n.future_string = "x";
	assert_open_fails(&n.base, CTR_E_INVAL, "non-zero", NULL);
	ck_assert_int_eq(access(state_dir, F_OK), -1);
}
END_TEST

START_TEST(test_zero_trailing_bytes_are_accepted)
{
	ctr_runtime_t *rt = NULL;

	dirs();
	struct newer_opts n = {0};
	n.base.sz = sizeof(n);
	n.base.state_dir = state_dir;
	n.base.run_dir = run_dir;
	n.base.flags = CTR_RUNTIME_NOSYNC;
	ck_assert_int_eq(ctr_runtime_open(&n.base, &rt), 0);
	ck_assert_uint_eq(rt->flags, CTR_RUNTIME_NOSYNC);
	ctr_runtime_close(rt);
}
END_TEST

START_TEST(test_unknown_flags_are_inval)
{
	dirs();
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state_dir, .run_dir = run_dir,
		 .flags = CTR_RUNTIME_NOSYNC | 0x100u);
	assert_open_fails(&o, CTR_E_INVAL, "flags", "0x100");
	ck_assert_int_eq(access(state_dir, F_OK), -1);
}
END_TEST

START_TEST(test_null_out_is_inval_naming_out)
{
	dirs();
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state_dir, .run_dir = run_dir);
	ck_assert_int_eq(ctr_runtime_open(&o, NULL), CTR_E_INVAL);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "out"));
	ck_assert_int_eq(ctr_runtime_open(NULL, NULL), CTR_E_INVAL);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "out"));
}
END_TEST

START_TEST(test_relative_or_empty_directories_are_inval)
{
	dirs();
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = "relative/state", .run_dir = run_dir);
	assert_open_fails(&o, CTR_E_INVAL, "relative/state", "absolute");
	o.state_dir = state_dir;
	o.run_dir = "run";
	assert_open_fails(&o, CTR_E_INVAL, "run dir", "absolute");
	o.run_dir = "";
	assert_open_fails(&o, CTR_E_INVAL, "run dir", "empty");
	ck_assert_int_eq(access("relative", F_OK), -1);
}
END_TEST

/* ---- directories that must be refused ------------------------------------------------ */

START_TEST(test_symlinked_state_dir_is_refused)
{
	char *real = tu_path("real");

	dirs();
	ck_assert_int_eq(mkdir(real, 0700), 0);
	ck_assert_int_eq(symlink(real, state_dir), 0);
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state_dir, .run_dir = run_dir);
	assert_open_fails(&o, CTR_E_INVAL, state_dir, "symbolic link");
	/* nothing was written through the link */
	char *db = join(real, "ctr.tdb");
	ck_assert_int_eq(access(db, F_OK), -1);
	free(db);
	free(real);
}
END_TEST

START_TEST(test_symlinked_run_dir_is_refused)
{
	char *real = tu_path("real");

	dirs();
	ck_assert_int_eq(mkdir(real, 0700), 0);
	ck_assert_int_eq(symlink(real, run_dir), 0);
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state_dir, .run_dir = run_dir);
	assert_open_fails(&o, CTR_E_INVAL, run_dir, "symbolic link");
	char *alive = join(real, "alive");
	ck_assert_int_eq(access(alive, F_OK), -1);
	free(alive);
	free(real);
}
END_TEST

START_TEST(test_dir_owned_by_another_user_is_refused)
{
	if (geteuid() != 0) {
		printf("skipped %s: needs root to chown\n", __func__);
		return;
	}
	dirs();
	ck_assert_int_eq(mkdir(state_dir, 0700), 0);
	ck_assert_int_eq(chown(state_dir, 65534, 65534), 0);
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state_dir, .run_dir = run_dir);
	assert_open_fails(&o, CTR_E_INVAL, state_dir, "owned by uid 65534");

	ck_assert_int_eq(chown(state_dir, 0, 0), 0);
	ck_assert_int_eq(mkdir(run_dir, 0700), 0);
	ck_assert_int_eq(chown(run_dir, 65534, 65534), 0);
	assert_open_fails(&o, CTR_E_INVAL, run_dir, "owned by uid 65534");
}
END_TEST

START_TEST(test_state_dir_below_a_regular_file_is_an_io_error_naming_it)
{
	char *file = tu_path("file"), *state = join(file, "state");

	dirs();
	ck_assert_int_eq(ctri_write_file(file, "x", 1, 0600, 0), 0);
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state, .run_dir = run_dir);
	assert_open_fails(&o, CTR_E_IO, state, NULL);

	char *deeper = join(file, "a/b/state");
	o.state_dir = deeper;
	assert_open_fails(&o, CTR_E_IO, deeper, NULL);
	free(deeper);
	free(file);
	free(state);
}
END_TEST

START_TEST(test_state_dir_that_is_a_regular_file_is_refused)
{
	dirs();
	ck_assert_int_eq(ctri_write_file(state_dir, "x", 1, 0600, 0), 0);
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state_dir, .run_dir = run_dir);
	ctr_runtime_t *rt = NULL;
	int r = ctr_runtime_open(&o, &rt);
	ck_assert_msg(r == CTR_E_INVAL || r == CTR_E_IO, "got %d", r);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), state_dir));
}
END_TEST

START_TEST(test_read_only_state_dir_is_an_io_error_naming_it)
{
	dirs();
	ck_assert_int_eq(mkdir(state_dir, 0700), 0);
	if (geteuid() != 0 || mount("tmpfs", state_dir, "tmpfs", MS_RDONLY, "mode=0700") < 0) {
		printf("skipped %s: cannot mount a read-only tmpfs (%s)\n", __func__,
		       geteuid() ? "not root" : strerror(errno));
		return;
	}
	mounted = strdup(state_dir);
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state_dir, .run_dir = run_dir);
	assert_open_fails(&o, CTR_E_IO, state_dir, NULL);
}
END_TEST

/* ---- the database file --------------------------------------------------------------- */

static void assert_garbage_db_refused(const char *content, size_t len)
{
	char *db, *back = NULL;
	size_t back_len = 0;

	dirs();
	ck_assert_int_eq(mkdir(state_dir, 0700), 0);
	db = join(state_dir, "ctr.tdb");
	ck_assert_int_eq(ctri_write_file(db, content, len, 0600, 0), 0);
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state_dir, .run_dir = run_dir);
	assert_open_fails(&o, CTR_E_STORE, db, NULL);
	ck_assert_int_eq(ctri_read_file(db, 1 << 20, &back, &back_len), 0);
	ck_assert_uint_eq(back_len, len);
	ck_assert_int_eq(memcmp(back, content, len), 0);
	free(back);
	free(db);
}

START_TEST(test_garbage_database_is_a_store_error_and_left_byte_identical)
{
	char random[8192];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, random, sizeof(random)), (ssize_t)sizeof(random));
	close(fd);
	memcpy(random, "NOT A TDB", 9); /* never the TDB magic by chance */
	assert_garbage_db_refused(random, sizeof(random));
}
END_TEST

START_TEST(test_text_database_is_a_store_error_and_left_byte_identical)
{
	static const char text[] = "this is not a database\n";
	assert_garbage_db_refused(text, sizeof(text) - 1);
}
END_TEST

START_TEST(test_empty_database_file_is_initialised)
{
	dirs();
	ck_assert_int_eq(mkdir(state_dir, 0700), 0);
	char *db = join(state_dir, "ctr.tdb");
	ck_assert_int_eq(ctri_write_file(db, "", 0, 0600, 0), 0);
	ctr_runtime_t *rt = open_ok();
	ck_assert_int_eq(ctri_store_put_raw(rt->store, "probe", "1", 1, 0), 0);
	ctr_runtime_close(rt);
	struct stat st;
	ck_assert_int_eq(stat(db, &st), 0);
	ck_assert_int_gt(st.st_size, 0);
	rt = open_ok();
	ck_assert_int_eq(ctri_store_exists(rt->store, "probe"), 1);
	ctr_runtime_close(rt);
	free(db);
}
END_TEST

START_TEST(test_two_contexts_on_the_same_dirs_share_the_store)
{
	ctr_runtime_t *a = open_ok(), *b = open_ok();

	ck_assert_ptr_ne(a, b);
	ck_assert_ptr_eq(a->store, b->store);
	ck_assert_int_eq(ctri_store_put_raw(a->store, "k", "from a", 6, 0), 0);
	ck_assert_int_eq(ctri_store_exists(b->store, "k"), 1);
	ctr_runtime_close(a);
	ck_assert_int_eq(ctri_store_put_raw(b->store, "k2", "from b", 6, 0), 0);
	ctr_container_t **list = NULL;
	size_t n = 99;
	ck_assert_int_eq(ctr_list(b, &list, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(n, 0);
	ctr_list_free(list, n);
	ctr_runtime_close(b);
	a = open_ok();
	ck_assert_int_eq(ctri_store_exists(a->store, "k2"), 1);
	ctr_runtime_close(a);
}
END_TEST

START_TEST(test_context_opened_before_fork_does_not_stop_the_child_opening_one)
{
	ctr_runtime_t *rt = open_ok();

	ck_assert_int_eq(ctri_store_put_raw(rt->store, "parent", "1", 1, 0), 0);
	pid_t pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		ctr_runtime_t *child = NULL;
		if (open_at(state_dir, run_dir, &child) < 0) {
			fprintf(stderr, "child open: %s\n", ctr_last_error());
			_exit(10);
		}
		if (ctri_store_exists(child->store, "parent") != 1)
			_exit(11);
		if (ctri_store_put_raw(child->store, "child", "2", 1, 0) < 0)
			_exit(12);
		ctr_runtime_close(child);
		_exit(0);
	}
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child failed: status 0x%x", st);
	ck_assert_int_eq(ctri_store_exists(rt->store, "child"), 1);
	ctr_runtime_close(rt);
}
END_TEST

START_TEST(test_close_of_null_is_a_no_op_and_rebooted_of_null_is_inval)
{
	ctr_runtime_close(NULL);
	ck_assert_int_eq(ctr_runtime_rebooted(NULL), CTR_E_INVAL);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "rt"));
}
END_TEST

/* ---- reboot detection ---------------------------------------------------------------- */

static int rebooted_on_open(void)
{
	ctr_runtime_t *rt = open_ok();
	int r = ctr_runtime_rebooted(rt);
	ctr_runtime_close(rt);
	return r;
}

START_TEST(test_fresh_directories_are_not_a_reboot)
{
	ck_assert_int_eq(rebooted_on_open(), 0);
	ck_assert_int_eq(rebooted_on_open(), 0);
	ck_assert_int_eq(rebooted_on_open(), 0);
}
END_TEST

/* The boot id of the meta record, as another boot (or an older libctr) left it. */
static void store_boot_id(const char *boot_id)
{
	ctr_runtime_t *rt = open_ok();
	json_object *meta = json_object_new_object();

	json_object_object_add(meta, "format", json_object_new_int(1));
	json_object_object_add(meta, "boot_id", json_object_new_string(boot_id));
	ck_assert_int_eq(ctri_store_put(rt->store, "meta", meta, 0), 0);
	json_object_put(meta);
	ctr_runtime_close(rt);
}

/* A tmp cleaner ages files out of /run or /tmp while everything runs. */
START_TEST(test_a_missing_alive_file_is_no_reboot)
{
	ck_assert_int_eq(rebooted_on_open(), 0);
	char *alive = join(run_dir, "alive");
	ck_assert(unlink(alive) == 0 || errno == ENOENT);
	ck_assert_int_eq(rebooted_on_open(), 0);
	free(alive);
}
END_TEST

START_TEST(test_a_wiped_run_dir_of_the_same_boot_is_no_reboot)
{
	ck_assert_int_eq(rebooted_on_open(), 0);
	tu_rm_rf(run_dir);
	ck_assert_int_eq(rebooted_on_open(), 0);
}
END_TEST

START_TEST(test_changed_boot_id_is_a_reboot_seen_once)
{
	ctr_runtime_t *rt;
	json_object *got = NULL, *v;

	store_boot_id("00000000-0000-0000-0000-000000000000");
	rt = open_ok();
	ck_assert_int_eq(ctr_runtime_rebooted(rt), 1);
	/* the current boot id is recorded again */
	ck_assert_int_eq(ctri_store_get(rt->store, "meta", &got), 0);
	ck_assert(json_object_object_get_ex(got, "boot_id", &v));
	ck_assert_str_eq(json_object_get_string(v), rt->boot_id);
	ck_assert_str_ne(rt->boot_id, "00000000-0000-0000-0000-000000000000");
	json_object_put(got);
	ctr_runtime_close(rt);
	ck_assert_int_eq(rebooted_on_open(), 0);
}
END_TEST

/* Every libctr before the boot id could be read recorded "unknown": that tells nothing. */
START_TEST(test_a_meta_record_of_an_unknown_boot_is_no_reboot_and_is_rewritten)
{
	json_object *got = NULL, *v;

	store_boot_id("unknown");
	ctr_runtime_t *rt = open_ok();
	ck_assert_int_eq(ctr_runtime_rebooted(rt), 0);
	ck_assert_int_eq(ctri_store_get(rt->store, "meta", &got), 0);
	ck_assert(json_object_object_get_ex(got, "boot_id", &v));
	ck_assert_str_eq(json_object_get_string(v), rt->boot_id);
	json_object_put(got);
	ctr_runtime_close(rt);
}
END_TEST

START_TEST(test_damaged_meta_record_is_rewritten_instead_of_blocking_every_open)
{
	ctr_runtime_t *rt = open_ok();
	json_object *got = NULL;

	ck_assert_int_eq(ctri_store_put_raw(rt->store, "meta", "{\"boot_", 8, 0), 0);
	ctr_runtime_close(rt);

	rt = open_ok();
	ck_assert_int_eq(ctr_runtime_rebooted(rt), 0);
	ck_assert_int_eq(ctri_store_get(rt->store, "meta", &got), 0);
	json_object_put(got);
	ck_assert_int_eq(ctri_store_put_raw(rt->store, "meta", "[]", 2, 0), 0);
	ctr_runtime_close(rt);

	ck_assert_int_eq(rebooted_on_open(), 0); /* nothing tells of another boot */
	ck_assert_int_eq(rebooted_on_open(), 0);
}
END_TEST

struct opener {
	pthread_barrier_t *go;
	int r;
	int rebooted;
};

static void *open_concurrently(void *p)
{
	struct opener *o = p;
	ctr_runtime_t *rt = NULL;

	pthread_barrier_wait(o->go);
	o->r = open_at(state_dir, run_dir, &rt);
	if (o->r == 0) {
		o->rebooted = ctr_runtime_rebooted(rt);
		ctr_runtime_close(rt);
	}
	return NULL;
}

START_TEST(test_exactly_one_of_concurrent_openers_sees_the_reboot)
{
	enum { N = 8 };
	pthread_barrier_t go;
	pthread_t th[N];
	struct opener o[N];
	int seen = 0;

	store_boot_id("00000000-0000-0000-0000-000000000000");
	pthread_barrier_init(&go, NULL, N);
	for (int i = 0; i < N; i++) {
		o[i] = (struct opener){.go = &go};
		ck_assert_int_eq(pthread_create(&th[i], NULL, open_concurrently, &o[i]), 0);
	}
	for (int i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(o[i].r, 0);
		seen += o[i].rebooted;
	}
	pthread_barrier_destroy(&go);
	ck_assert_int_eq(seen, 1);
}
END_TEST

/* ---- lifetime ------------------------------------------------------------------------ */

START_TEST(test_container_handle_outlives_runtime_close)
{
	ctr_runtime_t *rt = tu_runtime();
	ctr_config_t *cfg = tu_config("survivor");
	ctr_container_t *c = NULL;
	ctr_state_t s;
	char *json = NULL;

	ck_assert_int_eq(ctr_create(rt, cfg, &c), 0);
	ctr_config_free(cfg);
	ctr_runtime_close(rt);
	ck_assert_str_eq(ctr_name(c), "survivor");
	ck_assert_int_eq(ctr_state(c, &s), 0);
	ck_assert_int_eq(s, CTR_STATE_CONFIGURED);
	ck_assert_int_eq(ctr_inspect(c, &json), 0);
	ck_assert_ptr_nonnull(strstr(json, "survivor"));
	ctr_free(json);
	ck_assert_int_eq(ctr_remove(c, 0), 0);
	ctr_container_free(c);
}
END_TEST

Suite *suite_runtime(void)
{
	Suite *s = suite_create("runtime");
	TCase *tc = tcase_create("options");

	tu_add_fixtures(tc, runtime_teardown);
	tcase_add_test(tc, test_open_creates_state_and_run_dirs_with_mode_0700);
	tcase_add_test(tc, test_open_creates_missing_parent_directories);
	tcase_add_test(tc, test_open_refuses_an_existing_directory_writable_by_others);
	tcase_add_test(tc, test_open_keeps_an_existing_private_directory_as_it_is);
	tcase_add_test(tc, test_options_left_unset_take_their_defaults);
	tcase_add_test(tc, test_given_runtime_and_monitor_paths_are_kept);
	tcase_add_test(tc, test_ctr_monitor_env_replaces_the_default_monitor);
	tcase_add_test(tc, test_empty_runtime_name_is_inval);
	tcase_add_test(tc, test_opts_with_sz_too_small_are_inval);
	tcase_add_test(tc, test_only_the_fields_covered_by_sz_are_read);
	tcase_add_test(tc, test_unknown_nonzero_trailing_bytes_are_inval);
	tcase_add_test(tc, test_zero_trailing_bytes_are_accepted);
	tcase_add_test(tc, test_unknown_flags_are_inval);
	tcase_add_test(tc, test_null_out_is_inval_naming_out);
	tcase_add_test(tc, test_relative_or_empty_directories_are_inval);
	tcase_add_test(tc, test_close_of_null_is_a_no_op_and_rebooted_of_null_is_inval);
	suite_add_tcase(s, tc);

	tc = tcase_create("directories");
	tu_add_fixtures(tc, runtime_teardown);
	tcase_add_test(tc, test_symlinked_state_dir_is_refused);
	tcase_add_test(tc, test_symlinked_run_dir_is_refused);
	tcase_add_test(tc, test_dir_owned_by_another_user_is_refused);
	tcase_add_test(tc, test_state_dir_below_a_regular_file_is_an_io_error_naming_it);
	tcase_add_test(tc, test_state_dir_that_is_a_regular_file_is_refused);
	tcase_add_test(tc, test_read_only_state_dir_is_an_io_error_naming_it);
	suite_add_tcase(s, tc);

	tc = tcase_create("database");
	tu_add_fixtures(tc, runtime_teardown);
	tcase_add_test(tc, test_garbage_database_is_a_store_error_and_left_byte_identical);
	tcase_add_test(tc, test_text_database_is_a_store_error_and_left_byte_identical);
	tcase_add_test(tc, test_empty_database_file_is_initialised);
	tcase_add_test(tc, test_two_contexts_on_the_same_dirs_share_the_store);
	tcase_add_test(tc, test_context_opened_before_fork_does_not_stop_the_child_opening_one);
	suite_add_tcase(s, tc);

	tc = tcase_create("reboot");
	tu_add_fixtures(tc, runtime_teardown);
	tcase_add_test(tc, test_fresh_directories_are_not_a_reboot);
	tcase_add_test(tc, test_a_missing_alive_file_is_no_reboot);
	tcase_add_test(tc, test_a_wiped_run_dir_of_the_same_boot_is_no_reboot);
	tcase_add_test(tc, test_changed_boot_id_is_a_reboot_seen_once);
	tcase_add_test(tc, test_a_meta_record_of_an_unknown_boot_is_no_reboot_and_is_rewritten);
	tcase_add_test(tc, test_damaged_meta_record_is_rewritten_instead_of_blocking_every_open);
	tcase_add_test(tc, test_exactly_one_of_concurrent_openers_sees_the_reboot);
	suite_add_tcase(s, tc);

	tc = tcase_create("lifetime");
	tu_add_fixtures(tc, runtime_teardown);
	tcase_add_test(tc, test_container_handle_outlives_runtime_close);
	suite_add_tcase(s, tc);
	return s;
}
