/* Reboots. One is told by the kernel's boot id alone: a run directory that lost its files
 * is no reboot. A new boot is simulated in a child process with private mount and UTS
 * namespaces, whose boot id file is its hostname (a uuid) bound over the kernel's: a file
 * that, like the real one, reports size 0. The first context of the new boot resets every
 * container of which nothing still runs, once; they run again. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "itest.h"
#include "runtime.h"
#include "store.h"
#include "util.h"
#include "../fixtures/other_boot.h"

#define BOOT_ID "/proc/sys/kernel/random/boot_id"

static ctr_container_t *lookup(ctr_runtime_t *rt, const char *id)
{
	ctr_container_t *c = NULL;

	IT_OK(ctr_lookup(rt, id, &c));
	return c;
}

/* The stored boot id becomes that of another boot: the machine rebooted since. */
static void store_other_boot(ctr_runtime_t *rt)
{
	ck_assert_int_eq(fixture_store_other_boot(rt), 0);
}

/* The container's monitor dies, then its init (left with its runtime state), as at a
 * power cut: nothing of it runs, and the runtime says "stopped". */
static void power_cut(ctr_container_t *c)
{
	pid_t mon = (pid_t)it_state_int(c, "monitor_pid"), pid = it_pid(c);

	ck_assert_int_eq(kill(mon, SIGKILL), 0);
	ck_assert(it_wait_gone(mon, IT_GUARD_MS));
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert(it_wait_gone(pid, IT_GUARD_MS));
}

/* ctr_inspect(c) shows needle. */
static int inspect_has(ctr_container_t *c, const char *needle)
{
	char *json = NULL;

	IT_OK(ctr_inspect(c, &json));
	int found = strstr(json, needle) != NULL;
	ctr_free(json);
	return found;
}

static int raw_state(ctr_runtime_t *rt, const char *id, char **out)
{
	char key[16 + 256];

	snprintf(key, sizeof(key), "state/%s", id);
	return ctri_store_get_raw(rt->store, key, out, NULL);
}

START_TEST(test_a_new_boot_resets_the_containers)
{
	ctr_container_t *running = it_sh(it_rt, "touch /shared/ready; " IT_LOOP);
	ctr_container_t *stopped = it_sh(it_rt, "exit 5");
	char path[4096];

	IT_OK(ctr_start(running, 0));
	it_take_file("ready", IT_GUARD_MS);
	IT_OK(ctr_start(stopped, 0));
	ck_assert_int_eq(it_wait(stopped, IT_GUARD_MS), 5);

	/* The machine goes down: the monitor first, then the container with its runtime
	 * state, then the run directory itself; it comes up with another boot id. */
	pid_t mon = (pid_t)it_state_int(running, "monitor_pid");
	ck_assert_int_eq(kill(mon, SIGKILL), 0);
	ck_assert(it_wait_gone(mon, IT_GUARD_MS));
	snprintf(path, sizeof(path), "%s/run/runtime", it_base());
	const char *del[] = { "runc", "--root", path, "delete", "--force", ctr_id(running), NULL };
	ck_assert_int_eq(it_run(del, NULL), 0);
	snprintf(path, sizeof(path), "%s/run", it_base());
	ck_assert_int_eq(ctri_rm_rf(path), 0);
	store_other_boot(it_rt);

	ctr_runtime_t *rt = it_reopen(NULL, 0);
	ck_assert_int_eq(ctr_runtime_rebooted(rt), 1);
	ctr_container_t *r2 = lookup(rt, ctr_id(running)), *s2 = lookup(rt, ctr_id(stopped));
	IT_STATE(r2, CTR_STATE_CONFIGURED); /* it never exited: no code to keep */
	IT_STATE(s2, CTR_STATE_EXITED);
	ck_assert_int_eq(it_exit_code(s2), 5);
	ck_assert(inspect_has(r2, "\"reset_by_reboot\":\"running\""));

	/* Both run again in the new boot. */
	IT_OK(ctr_start(r2, 0));
	it_take_file("ready", IT_GUARD_MS);
	IT_STATE(r2, CTR_STATE_RUNNING);
	IT_OK(ctr_start(s2, 0));
	ck_assert_int_eq(it_wait(s2, IT_GUARD_MS), 5);
	IT_OK(ctr_remove(r2, CTR_FORCE));
	IT_OK(ctr_remove(s2, 0));
	it_assert_no_traces(ctr_id(r2));
	it_assert_no_traces(ctr_id(s2));
	ctr_container_free(r2);
	ctr_container_free(s2);
	ctr_container_free(running);
	ctr_container_free(stopped);
	ctr_runtime_close(rt);
}
END_TEST

/* A tmp cleaner deletes the run directory's old files while everything runs. */
START_TEST(test_a_missing_alive_file_is_no_reboot_and_the_container_runs_on)
{
	ctr_container_t *c = it_sh(it_rt, IT_GRACEFUL(7));
	char alive[4096];

	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	pid_t pid = it_pid(c);
	snprintf(alive, sizeof(alive), "%s/run/alive", it_base());
	ck_assert(unlink(alive) == 0 || errno == ENOENT);

	ctr_runtime_t *rt = it_reopen(NULL, 0);
	ck_assert_int_eq(ctr_runtime_rebooted(rt), 0);
	ctr_container_t *c2 = lookup(rt, ctr_id(c));
	IT_STATE(c2, CTR_STATE_RUNNING);
	ck_assert_int_eq(it_pid(c2), pid);
	ck_assert(!inspect_has(c2, "reset_by_reboot"));
	/* A start of a second copy under the same id is refused. */
	IT_REFUSED(ctr_start(c2, 0), CTR_E_STATE, c2);
	IT_OK(ctr_stop(c2, 5));
	ck_assert_int_eq(it_wait(c2, IT_GUARD_MS), 7);
	ck_assert_int_eq(it_wait(c, 0), 7);
	IT_OK(ctr_remove(c2, 0));
	it_assert_no_traces(ctr_id(c2));
	ctr_container_free(c2);
	ctr_container_free(c);
	ctr_runtime_close(rt);
}
END_TEST

/* ---- a new boot in private namespaces ------------------------------------------------------ */

/* In a child of it_fork(): from now on the boot id file reads hostname. 0 or an exit code.
 * The mount types are "none", not NULL, which the kernel ignores here and valgrind refuses. */
static int enter_boot(const char *hostname)
{
	if (unshare(CLONE_NEWNS | CLONE_NEWUTS) < 0 ||
	    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
	    sethostname(hostname, strlen(hostname)) < 0 ||
	    mount("/proc/sys/kernel/hostname", BOOT_ID, "none", MS_BIND, NULL) < 0) {
		fprintf(stderr, "new boot in a child: %s\n", strerror(errno));
		return 100;
	}
	return 0;
}

#define CHILD_CHECK(cond, code, ...)                                                               \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "child: " __VA_ARGS__);                                    \
			fprintf(stderr, " (%s)\n", ctr_last_error());                              \
			return (code);                                                             \
		}                                                                                  \
	} while (0)

struct new_boot {
	char uuid[40];
	const char *live, *orphan, *dead; /* container ids */
	pid_t live_pid;
};

static int child_state_is(ctr_runtime_t *rt, const char *id, const char *needle)
{
	char *raw = NULL;
	int found = raw_state(rt, id, &raw) == 0 && strstr(raw, needle);

	free(raw);
	return found;
}

static int open_in_new_boot(void *arg)
{
	struct new_boot *b = arg;
	ctr_runtime_t *rt = NULL;
	ctr_container_t *c = NULL;
	json_object *meta = NULL, *v;
	ctr_state_t s;
	int r = enter_boot(b->uuid);

	if (r)
		return r;
	CHILD_CHECK(it_open(NULL, 0, &rt) == 0, 1, "open");
	CHILD_CHECK(!strcmp(rt->boot_id, b->uuid), 2, "boot id %s, not %s", rt->boot_id, b->uuid);
	CHILD_CHECK(ctr_runtime_rebooted(rt) == 1, 3, "no reboot seen");
	CHILD_CHECK(ctri_store_get(rt->store, "meta", &meta) == 0 &&
			json_object_object_get_ex(meta, "boot_id", &v) &&
			!strcmp(json_object_get_string(v), b->uuid),
		    4, "meta: %s", meta ? json_object_to_json_string(meta) : "none");
	json_object_put(meta);
	/* Nothing of it runs: reset. */
	CHILD_CHECK(child_state_is(rt, b->dead, "\"reset_by_reboot\":\"running\"") &&
			child_state_is(rt, b->dead, "\"configured\""),
		    5, "the dead container was not reset");
	/* Its monitor runs: left alone. */
	CHILD_CHECK(ctr_lookup(rt, b->live, &c) == 0 && ctr_state(c, &s) == 0 &&
			s == CTR_STATE_RUNNING,
		    6, "the live container is %s", ctr_state_name(s));
	pid_t pid = 0;
	CHILD_CHECK(ctr_pid(c, &pid) == 0 && pid == b->live_pid, 7, "pid %d", (int)pid);
	ctr_container_free(c);
	/* Its monitor is gone, its init runs: left alone too (not synced here). */
	CHILD_CHECK(child_state_is(rt, b->orphan, "\"running\"") &&
			!child_state_is(rt, b->orphan, "reset_by_reboot"),
		    8, "the container whose init runs was reset");
	ctr_runtime_close(rt);
	return 0;
}

static void uuid(char *buf)
{
	char hex[33];

	ck_assert_int_eq(ctri_random_hex(hex, 16), 0);
	snprintf(buf, 40, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

START_TEST(test_a_new_boot_id_resets_the_containers_of_which_nothing_runs)
{
	ctr_container_t *live = it_sh(it_rt, IT_GRACEFUL(7));
	ctr_container_t *orphan = it_sh(it_rt, "touch /shared/ready; " IT_LOOP);
	ctr_container_t *dead = it_sh(it_rt, "touch /shared/ready; " IT_LOOP);
	struct new_boot b = { .live = ctr_id(live),
			      .orphan = ctr_id(orphan),
			      .dead = ctr_id(dead) };

	IT_OK(ctr_start(live, 0));
	it_take_file("ready", IT_GUARD_MS);
	IT_OK(ctr_start(orphan, 0));
	it_take_file("ready", IT_GUARD_MS);
	IT_OK(ctr_start(dead, 0));
	it_take_file("ready", IT_GUARD_MS);
	b.live_pid = it_pid(live);
	pid_t orphan_pid = it_pid(orphan);
	pid_t orphan_mon = (pid_t)it_state_int(orphan, "monitor_pid");
	ck_assert_int_eq(kill(orphan_mon, SIGKILL), 0);
	ck_assert(it_wait_gone(orphan_mon, IT_GUARD_MS));
	power_cut(dead);

	uuid(b.uuid);
	ck_assert_str_ne(b.uuid, it_rt->boot_id);
	ck_assert_int_eq(it_join(it_fork(open_in_new_boot, &b), 20000), 0);

	/* Back in this boot (another reboot, for the store): still nothing of it is reset. */
	ctr_runtime_t *rt = it_reopen(NULL, 0);
	ck_assert_int_eq(ctr_runtime_rebooted(rt), 1);
	ctr_runtime_close(rt);
	IT_STATE(live, CTR_STATE_RUNNING);
	ck_assert_int_eq(it_pid(live), b.live_pid);
	IT_OK(ctr_stop(live, 5));
	ck_assert_int_eq(it_wait(live, IT_GUARD_MS), 7);
	/* The container whose monitor died is stopped as such a container always is. */
	IT_STATE(orphan, CTR_STATE_STOPPED);
	ck_assert_int_eq(it_exit_code(orphan), 137);
	ck_assert_int_eq(it_state_int(orphan, "monitor_lost"), 1);
	ck_assert(it_wait_gone(orphan_pid, IT_GUARD_MS));
	IT_STATE(dead, CTR_STATE_CONFIGURED);
	ck_assert(inspect_has(dead, "\"reset_by_reboot\":\"running\""));

	ctr_container_t *all[] = { live, orphan, dead };
	for (int i = 0; i < 3; i++) {
		IT_OK(ctr_remove(all[i], CTR_FORCE));
		it_assert_no_traces(ctr_id(all[i]));
		ctr_container_free(all[i]);
	}
}
END_TEST

/* Without a boot id no reboot can be told: the open fails, naming the file. */
static int open_without_boot_id(void *arg)
{
	ctr_runtime_t *rt = NULL;
	int r;

	(void)arg;
	if ((r = enter_boot("no-boot-id")))
		return r;
	r = it_open(NULL, 0, &rt);
	CHILD_CHECK(r == CTR_E_IO && strstr(ctr_last_error(), BOOT_ID), 1,
		    "open with a bad boot id: %d", r);
	CHILD_CHECK(umount2(BOOT_ID, MNT_DETACH) == 0 && umount2("/proc", MNT_DETACH) == 0, 2,
		    "umount: %s", strerror(errno));
	r = it_open(NULL, 0, &rt);
	CHILD_CHECK(r == CTR_E_IO && strstr(ctr_last_error(), BOOT_ID), 3, "open without /proc: %d",
		    r);
	return 0;
}

START_TEST(test_an_unreadable_boot_id_fails_the_open_and_resets_nothing)
{
	ctr_container_t *c = it_sh(it_rt, IT_GRACEFUL(7));

	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	pid_t pid = it_pid(c);
	store_other_boot(it_rt); /* an open that guessed a boot id would see a reboot */
	ck_assert_int_eq(it_join(it_fork(open_without_boot_id, NULL), 20000), 0);

	char *raw = NULL;
	ck_assert_int_eq(raw_state(it_rt, ctr_id(c), &raw), 0);
	ck_assert_msg(strstr(raw, "\"running\"") && !strstr(raw, "reset_by_reboot"), "%s", raw);
	free(raw);
	IT_STATE(c, CTR_STATE_RUNNING);
	ck_assert_int_eq(it_pid(c), pid);
	IT_OK(ctr_stop(c, 5));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 7);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

Suite *suite_reboot(void)
{
	Suite *s = suite_create("reboot");
	TCase *tc = tcase_create("reboot");

	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_a_new_boot_resets_the_containers);
	tcase_add_test(tc, test_a_missing_alive_file_is_no_reboot_and_the_container_runs_on);
	tcase_add_test(tc, test_a_new_boot_id_resets_the_containers_of_which_nothing_runs);
	tcase_add_test(tc, test_an_unreadable_boot_id_fails_the_open_and_resets_nothing);
	suite_add_tcase(s, tc);
	return s;
}
