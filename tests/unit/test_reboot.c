/* After a reboot (here: the boot id in the store changed) every container is reset once, on
 * the first open: nothing of the last boot runs any more. A container of which something
 * still runs is left alone; and the boot id is the kernel's. */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include "container_fixture.h"
#include "../fixtures/other_boot.h"

#define BOOT_ID "/proc/sys/kernel/random/boot_id"

/* Reopen rt over the same directories as if the machine had booted again. */
static void reboot(void)
{
	ck_assert_int_eq(fixture_store_other_boot(rt), 0);
	char *state = strdup(rt->state_dir), *run = strdup(rt->run_dir);
	ctr_runtime_close(rt);
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state, .run_dir = run,
		 .flags = CTR_RUNTIME_NOSYNC);
	int r = ctr_runtime_open(&o, &rt);
	ck_assert_msg(r == 0, "reopen: %s", ctr_last_error());
	ck_assert_int_eq(ctr_runtime_rebooted(rt), 1);
	free(state);
	free(run);
}

static const char *member(ctr_container_t *c, const char *key)
{
	static char buf[64];
	json_object *o = inspect(c), *st, *v;

	buf[0] = 0;
	if (json_object_object_get_ex(o, "state", &st) && json_object_object_get_ex(st, key, &v))
		snprintf(buf, sizeof(buf), "%s", json_object_get_string(v));
	json_object_put(o);
	return buf;
}

START_TEST(test_a_reboot_resets_every_state_once)
{
	static const struct {
		const char *record;
		ctr_state_t want;
		const char *reset_from; /* "" when not reset */
		const char *exit_code;	/* "" when none */
	} cases[] = {
	    { "{\"state\":\"configured\"}", CTR_STATE_CONFIGURED, "", "" },
	    { "{\"state\":\"running\",\"pid\":4242,\"monitor_pid\":4241,\"monitor_start\":9}",
	      CTR_STATE_CONFIGURED, "running", "" },
	    { "{\"state\":\"running\",\"pid\":4242,\"monitor_pid\":4241,\"monitor_start\":9,"
	      "\"finished_at\":1,\"exit_code\":3,\"signal\":0,\"oom\":false}",
	      CTR_STATE_EXITED, "running", "3" },
	    { "{\"state\":\"created\",\"pid\":4242,\"monitor_pid\":4241,\"monitor_start\":9}",
	      CTR_STATE_CONFIGURED, "created", "" },
	    { "{\"state\":\"paused\",\"pid\":4242,\"monitor_pid\":4241,\"monitor_start\":9}",
	      CTR_STATE_CONFIGURED, "paused", "" },
	    { "{\"state\":\"stopped\",\"finished_at\":1,\"exit_code\":5,\"signal\":0,\"oom\":false}",
	      CTR_STATE_EXITED, "", "5" },
	    { "{\"state\":\"exited\",\"finished_at\":1,\"exit_code\":6,\"signal\":0,\"oom\":false}",
	      CTR_STATE_EXITED, "", "6" },
	    { "{\"state\":\"configured\",\"owner\":{\"op\":\"start\",\"pid\":1,\"start\":1,"
	      "\"boot_id\":\"x\",\"from\":\"configured\"}}",
	      CTR_STATE_CONFIGURED, "", "" },
	};
	ctr_container_t *c[8];
	char id[8][CTRI_ID_LEN + 1];
	size_t n = sizeof(cases) / sizeof(cases[0]);

	for (size_t i = 0; i < n; i++) {
		c[i] = create(NULL);
		snprintf(id[i], sizeof(id[i]), "%s", ctr_id(c[i]));
		put_state(c[i], cases[i].record);
	}
	ctr_container_t *removing = create("removing");
	put_state(removing, "{\"state\":\"removing\",\"owner\":{\"op\":\"remove\",\"pid\":1,"
			    "\"start\":1,\"boot_id\":\"x\",\"from\":\"exited\"}}");
	char *stale = tu_path("state/../run/exits/stale"); /* a last boot's exit file */
	FILE *f = fopen(stale, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);

	reboot();
	for (size_t i = 0; i < n; i++) {
		ctr_container_free(c[i]);
		ck_assert_int_eq(ctr_lookup(rt, id[i], &c[i]), 0);
		ck_assert_msg(state_of(c[i]) == cases[i].want, "%s -> %s", cases[i].record,
			      ctr_state_name(state_of(c[i])));
		ck_assert_str_eq(member(c[i], "reset_by_reboot"), cases[i].reset_from);
		ck_assert_str_eq(member(c[i], "exit_code"), cases[i].exit_code);
		ck_assert_str_eq(member(c[i], "pid"), "");
		ck_assert_str_eq(member(c[i], "owner"), "");
	}
	ctr_container_t *gone = NULL;
	ck_assert_int_eq(ctr_lookup(rt, "removing", &gone), CTR_E_NOENT);
	ck_assert_int_eq(access(stale, F_OK), -1);
	free(stale);

	/* The second open of the same boot changes nothing. */
	put_state(c[0], "{\"state\":\"running\",\"pid\":1,\"monitor_pid\":1,\"monitor_start\":1}");
	char *state = strdup(rt->state_dir), *run = strdup(rt->run_dir);
	ctr_runtime_t *again = NULL;
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state, .run_dir = run,
		 .flags = CTR_RUNTIME_NOSYNC);
	ck_assert_int_eq(ctr_runtime_open(&o, &again), 0);
	ck_assert_int_eq(ctr_runtime_rebooted(again), 0);
	ctr_runtime_close(again);
	char key[16 + CTRI_ID_LEN], *raw = NULL;
	snprintf(key, sizeof(key), "%s%s", CTRI_KEY_STATE, id[0]);
	ck_assert_int_eq(ctri_store_get_raw(rt->store, key, &raw, NULL), 0);
	ck_assert_msg(strstr(raw, "\"running\""), "reset again: %s", raw);
	free(raw);
	free(state);
	free(run);
	for (size_t i = 0; i < n; i++)
		ctr_container_free(c[i]);
	ctr_container_free(removing);
}
END_TEST

/* A process standing for c's monitor: its command line names c as the monitor's does. */
static pid_t fake_monitor(ctr_container_t *c, unsigned long long *start)
{
	pid_t pid = fork();

	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "sleep 30; exit 0", "ctr-monitor", "--id", ctr_id(c),
		      (char *)NULL);
		_exit(127);
	}
	/* Wait for the exec: before it, the child's command line is this program's. */
	char path[64], *cmd = NULL;
	size_t len = 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	for (int i = 0; i < 500; i++) {
		ck_assert_int_eq(ctri_read_file(path, 1 << 16, &cmd, &len), 0);
		int execd = memmem(cmd, len, ctr_id(c), strlen(ctr_id(c))) != NULL;
		free(cmd);
		if (execd)
			break;
		usleep(10000);
	}
	ck_assert_int_eq(ctri_proc_stat(pid, start, NULL), 0);
	return pid;
}

static void touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	ck_assert_msg(fd >= 0, "create %s", path);
	close(fd);
}

START_TEST(test_a_reboot_leaves_alone_a_container_whose_monitor_still_runs)
{
	ctr_container_t *kept = create("kept"), *reset = create("reset");
	unsigned long long start = 0;
	pid_t mon = fake_monitor(kept, &start);
	char rec[256];

	snprintf(rec, sizeof(rec),
		 "{\"state\":\"running\",\"pid\":%d,\"monitor_pid\":%d,\"monitor_start\":%llu}",
		 (int)mon, (int)mon, start);
	put_state(kept, rec);
	/* A live pid with its start time, but not a monitor of this container: as a pid and
	 * a start time of the last boot may come again in the new one. */
	put_state_alive(reset, "running");
	char *kept_exit = ctri_strdupf("%s/%s", rt->exits_dir, ctr_id(kept));
	char *reset_exit = ctri_strdupf("%s/%s", rt->exits_dir, ctr_id(reset));
	touch(kept_exit);
	touch(reset_exit);

	reboot();
	char key[16 + CTRI_ID_LEN], *raw = NULL;
	snprintf(key, sizeof(key), "%s%s", CTRI_KEY_STATE, ctr_id(kept));
	ck_assert_int_eq(ctri_store_get_raw(rt->store, key, &raw, NULL), 0);
	ck_assert_str_eq(raw, rec);
	free(raw);
	ck_assert_int_eq(access(kept_exit, F_OK), 0);
	ck_assert_str_eq(member(reset, "reset_by_reboot"), "running");
	ck_assert_int_eq(state_of(reset), CTR_STATE_CONFIGURED);
	ck_assert_int_eq(access(reset_exit, F_OK), -1);

	ck_assert_int_eq(kill(mon, SIGKILL), 0);
	ck_assert_int_eq(waitpid(mon, NULL, 0), mon);
	free(kept_exit);
	free(reset_exit);
	ctr_container_free(kept);
	ctr_container_free(reset);
}
END_TEST

/* The kernel's file reports size 0, as every file of /proc/sys does. */
START_TEST(test_a_proc_file_that_reports_size_0_is_read_whole)
{
	struct stat st;
	char *s = NULL;
	size_t len = 0;

	ck_assert_int_eq(stat(BOOT_ID, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	ck_assert_int_eq(ctri_read_file(BOOT_ID, 64, &s, &len), 0);
	ck_assert_uint_eq(len, 37);
	ck_assert_uint_eq(strlen(s), 37);
	ck_assert_int_eq(s[36], '\n');
	free(s);
	/* and max still holds for them */
	ck_assert_int_eq(ctri_read_file(BOOT_ID, 36, &s, &len), -EFBIG);
	ck_assert_int_eq(ctri_read_file("/proc/self/status", 64, &s, &len), -EFBIG);
}
END_TEST

START_TEST(test_the_boot_id_is_the_kernels)
{
	char want[64] = "";
	int fd = open(BOOT_ID, O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, want, sizeof(want) - 1), 37);
	close(fd);
	want[36] = '\0';
	ck_assert_uint_eq(strlen(rt->boot_id), 36);
	ck_assert_str_ne(rt->boot_id, "unknown");
	ck_assert_str_eq(rt->boot_id, want);
	json_object *meta = NULL, *v;
	ck_assert_int_eq(ctri_store_get(rt->store, "meta", &meta), 0);
	ck_assert(json_object_object_get_ex(meta, "boot_id", &v));
	ck_assert_str_eq(json_object_get_string(v), want);
	json_object_put(meta);
}
END_TEST

/* Owner and mount records of this boot, or of an unknown one (written by a libctr that could
 * not read boot ids), are judged by their other facts; those of another boot are not. */
START_TEST(test_records_of_this_boot_or_an_unknown_one_are_current)
{
	ck_assert_int_eq(ctri_boot_current(rt, rt->boot_id), 1);
	ck_assert_int_eq(ctri_boot_current(rt, "unknown"), 1);
	ck_assert_int_eq(ctri_boot_current(rt, "00000000-0000-0000-0000-000000000000"), 0);
	ck_assert_int_eq(ctri_boot_current(rt, ""), 0);
	ck_assert_int_eq(ctri_boot_current(rt, NULL), 0);
}
END_TEST

Suite *suite_reboot(void)
{
	Suite *s = suite_create("reboot");
	TCase *tc = tcase_create("reset");

	tu_add_fixtures(tc, container_teardown);
	tcase_add_checked_fixture(tc, container_setup, NULL);
	tcase_add_test(tc, test_a_reboot_resets_every_state_once);
	tcase_add_test(tc, test_a_reboot_leaves_alone_a_container_whose_monitor_still_runs);
	suite_add_tcase(s, tc);

	tc = tcase_create("boot id");
	tu_add_fixtures(tc, container_teardown);
	tcase_add_checked_fixture(tc, container_setup, NULL);
	tcase_add_test(tc, test_a_proc_file_that_reports_size_0_is_read_whole);
	tcase_add_test(tc, test_the_boot_id_is_the_kernels);
	tcase_add_test(tc, test_records_of_this_boot_or_an_unknown_one_are_current);
	suite_add_tcase(s, tc);
	return s;
}
