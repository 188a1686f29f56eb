/* More faults: a runtime printing garbage, a full state directory, a corrupt store record,
 * a lock holder that died or never lets go, a reused monitor pid, and callers killed while
 * stopping or removing a layered container with exec sessions. Each ends in a clear error or
 * a recovered state, never a hang, a crash or a lost container. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "itest.h"
#include "oci.h"
#include "proc.h"
#include "runtime.h"
#include "state.h"
#include "store.h"

extern char **environ;

static void setup(void)
{
	it_setup();
}

static void teardown(void)
{
	unsetenv("FAKE_RUNTIME_GARBAGE");
	unsetenv("FAKE_RUNTIME_HOSTILE");
	unsetenv("FAKE_RUNTIME_HOSTILE_JSON");
	it_teardown();
}

/* The message of the last failure is not empty beyond the code. */
#define IT_HAS_MESSAGE() ck_assert_msg(strlen(ctr_last_error()) > 0, "an empty error message")

/* ---- a runtime printing garbage ------------------------------------------------------------- */

START_TEST(test_a_runtime_printing_garbage_is_a_runtime_error)
{
	it_fake_log();
	ctr_runtime_t *rt = it_reopen(it_fake_runtime(), 0);
	ctr_container_t *c = it_sh(rt, "touch /shared/ready; " IT_LOOP);

	setenv("FAKE_RUNTIME_GARBAGE", "create,run", 1);
	IT_REFUSED(ctr_init(c, 0), CTR_E_RUNTIME, c);
	IT_HAS_MESSAGE();
	IT_REFUSED(ctr_start(c, 0), CTR_E_RUNTIME, c);
	IT_STATE(c, CTR_STATE_CONFIGURED);
	it_assert_no_traces(ctr_id(c));

	setenv("FAKE_RUNTIME_GARBAGE", "start", 1);
	IT_OK(ctr_init(c, 0));
	IT_REFUSED(ctr_start(c, 0), CTR_E_RUNTIME, c);
	IT_HAS_MESSAGE();
	IT_STATE(c, CTR_STATE_CREATED);

	unsetenv("FAKE_RUNTIME_GARBAGE");
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	/* `state` succeeding with garbage: an error, and the container is untouched. */
	setenv("FAKE_RUNTIME_GARBAGE", "state", 1);
	int r = ctr_sync(c);
	ck_assert_msg(r == 0 || r == CTR_E_RUNTIME, "ctr_sync: %s", it_err(r));
	if (r < 0)
		IT_HAS_MESSAGE();
	IT_STATE(c, CTR_STATE_RUNNING);
	setenv("FAKE_RUNTIME_GARBAGE", "kill", 1);
	IT_REFUSED(ctr_kill(c, SIGKILL), CTR_E_RUNTIME, c);
	IT_HAS_MESSAGE();
	IT_STATE(c, CTR_STATE_RUNNING);

	unsetenv("FAKE_RUNTIME_GARBAGE");
	IT_OK(ctr_sync(c));
	IT_STATE(c, CTR_STATE_RUNNING);
	IT_OK(ctr_remove(c, CTR_FORCE));
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
	ctr_runtime_close(rt);
}
END_TEST

/* ---- a runtime writing hostile error text --------------------------------------------------- */

/* The last message is one line of printable characters, bounded, and says what it says. */
static void assert_clean_message(const char *says)
{
	const char *m = ctr_last_error();

	ck_assert_msg(strstr(m, says), "the message lost \"%s\": %s", says, m);
	ck_assert_msg(strlen(m) < CTRI_OCI_MSG_MAX + 256, "a message of %zu bytes", strlen(m));
	for (const unsigned char *p = (const unsigned char *)m; *p; p++)
		ck_assert_msg(*p >= 0x20 && *p != 0x7f, "byte 0x%02x in the message: %s", *p, m);
	ck_assert_msg(!strstr(m, "\xe2\x80\xae"), "a direction override in the message: %s", m);
}

START_TEST(test_a_hostile_runtime_message_is_one_clean_bounded_line)
{
	ctr_runtime_t *rt = it_reopen(it_fake_runtime(), 0);
	ctr_container_t *c = it_sh(rt, "touch /shared/ready; " IT_LOOP);

	/* Through the monitor (create, run): its answer is one line; the library cleans it. */
	setenv("FAKE_RUNTIME_HOSTILE", "create,run", 1);
	IT_REFUSED(ctr_init(c, 0), CTR_E_RUNTIME, c);
	assert_clean_message("create");
	unsetenv("FAKE_RUNTIME_HOSTILE");
	setenv("FAKE_RUNTIME_HOSTILE_JSON", "create,run", 1);
	IT_REFUSED(ctr_start(c, 0), CTR_E_RUNTIME, c);
	assert_clean_message("HOSTILE-JSON");
	unsetenv("FAKE_RUNTIME_HOSTILE_JSON");
	IT_STATE(c, CTR_STATE_CONFIGURED);

	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	/* Called by the library itself (kill): the last line with something to show, or the
	 * JSON record's msg, cut with "...". */
	setenv("FAKE_RUNTIME_HOSTILE", "kill", 1);
	IT_REFUSED(ctr_kill(c, SIGKILL), CTR_E_RUNTIME, c);
	assert_clean_message("kill: HOSTILE-LAST \xc3\xa9t\xc3\xa9");
	unsetenv("FAKE_RUNTIME_HOSTILE");
	setenv("FAKE_RUNTIME_HOSTILE_JSON", "kill", 1);
	IT_REFUSED(ctr_kill(c, SIGKILL), CTR_E_RUNTIME, c);
	assert_clean_message("kill: HOSTILE-JSON second line nul xxxx");
	ck_assert_msg(strstr(ctr_last_error(), "x..."), "not cut: %s", ctr_last_error());
	unsetenv("FAKE_RUNTIME_HOSTILE_JSON");

	IT_STATE(c, CTR_STATE_RUNNING);
	IT_OK(ctr_remove(c, CTR_FORCE));
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
	ctr_runtime_close(rt);
}
END_TEST

/* ---- a full state directory ----------------------------------------------------------------- */

static char small_dir[4096];

static void setup_small(void)
{
	it_setup();
	snprintf(small_dir, sizeof(small_dir), "%s/small", it_base());
	ck_assert_int_eq(mkdir(small_dir, 0700), 0);
	ck_assert_msg(mount("tmpfs", small_dir, "tmpfs", 0, "size=2m,mode=0700") == 0,
		      "mount tmpfs on %s: %s", small_dir, strerror(errno));
}

static void teardown_small(void)
{
	umount2(small_dir, MNT_DETACH);
	teardown();
}

START_TEST(test_a_full_state_dir_is_an_error_and_loses_nothing)
{
	char state[4200], run[4200];
	ctr_runtime_t *rt = NULL;
	ctr_container_t *made[4096];
	int n = 0, r = 0;

	/* 256 KiB do not even hold the empty database (TDB's hash table and its recovery
	 * area take about 1.3 MB): the open fails, names the database and says why (TDB
	 * itself only says "IO Error"). */
	snprintf(state, sizeof(state), "%s/tiny", it_base());
	ck_assert_int_eq(mkdir(state, 0700), 0);
	ck_assert_int_eq(mount("tmpfs", state, "tmpfs", 0, "size=256k,mode=0700"), 0);
	snprintf(run, sizeof(run), "%s/run-tiny", it_base());
	CTR_OPTS(ctr_runtime_opts_t, tiny, .state_dir = state, .run_dir = run,
		 .flags = CTR_RUNTIME_NOSYNC);
	r = ctr_runtime_open(&tiny, &rt);
	umount2(state, MNT_DETACH);
	ck_assert_msg(r == CTR_E_IO, "open on 256 KiB: %s", it_err(r));
	ck_assert_msg(strstr(ctr_last_error(), state), "%s", ctr_last_error());
	ck_assert_msg(strstr(ctr_last_error(), strerror(ENOSPC)), "%s", ctr_last_error());

	snprintf(state, sizeof(state), "%s/state", small_dir);
	snprintf(run, sizeof(run), "%s/run-small", it_base());
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state, .run_dir = run,
		 .flags = CTR_RUNTIME_NOSYNC);
	IT_OK(ctr_runtime_open(&o, &rt));

	while (n < 4096) {
		ctr_config_t *cfg = it_config("exit 0");
		r = ctr_create(rt, cfg, &made[n]);
		ctr_config_free(cfg);
		if (r < 0)
			break;
		n++;
	}
	ck_assert_msg(r == CTR_E_IO || r == CTR_E_STORE, "after %d containers: %s", n, it_err(r));
	ck_assert_msg(strstr(ctr_last_error(), strerror(ENOSPC)) && strstr(ctr_last_error(), state),
		      "the message names not both the path and the lack of space: %s",
		      ctr_last_error());
	ck_assert_int_gt(n, 0);

	/* Every earlier container is still there. */
	ctr_container_t **list = NULL;
	size_t count = 0;
	IT_OK(ctr_list(rt, &list, &count) < 0 ? -1 : 0);
	ck_assert_int_eq((int)count, n);
	ctr_list_free(list, count);
	for (int i = 0; i < n; i++) {
		IT_STATE(made[i], CTR_STATE_CONFIGURED);
		char *json = NULL;
		IT_OK(ctr_inspect(made[i], &json));
		ctr_free(json);
	}

	/* Room made, a create works again. */
	IT_OK(ctr_remove(made[n - 1], 0));
	ctr_container_free(made[--n]);
	ctr_container_t *again = NULL;
	ctr_config_t *cfg = it_config("exit 0");
	r = ctr_create(rt, cfg, &again);
	ctr_config_free(cfg);
	IT_OK(r);
	IT_STATE(again, CTR_STATE_CONFIGURED);
	ctr_container_free(again);
	for (int i = 0; i < n; i++)
		ctr_container_free(made[i]);
	ctr_runtime_close(rt);
}
END_TEST

/* ---- a corrupt record ----------------------------------------------------------------------- */

/* Junk in place of the record prefix+id. */
static void damage(const char *prefix, const char *id, const char *junk, size_t len)
{
	char key[512];

	snprintf(key, sizeof(key), "%s%s", prefix, id);
	IT_OK(ctri_store_put_raw(it_rt->store, key, junk, len, 0));
}

/* Nothing of container id is left: no record, no file, no process, no mount. */
static void assert_gone(const char *id, const char *name)
{
	static const char *const prefixes[] = { CTRI_KEY_ID, CTRI_KEY_CONFIG, CTRI_KEY_STATE,
						"execs/",    "mount/",	      "rdeps/" };
	char path[4200];
	ctr_container_t *found = NULL;

	it_assert_no_traces(id);
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", prefixes[i], id);
		ck_assert_msg(!ctri_store_exists(it_rt->store, path), "record %s is left", path);
	}
	IT_FAILS(ctr_lookup(it_rt, id, &found), CTR_E_NOENT);
	if (name)
		IT_FAILS(ctr_lookup(it_rt, name, &found), CTR_E_NOENT);
	snprintf(path, sizeof(path), "%s/%s", it_rt->containers_dir, id);
	ck_assert_msg(access(path, F_OK) < 0, "the bundle %s is left", path);
	snprintf(path, sizeof(path), "%s/%s", it_rt->exec_dir, id);
	ck_assert_msg(access(path, F_OK) < 0, "the exec directory %s is left", path);
	ck_assert_int_eq(ctri_lock_path(path, sizeof(path), it_rt->locks_dir, id), 0);
	ck_assert_msg(access(path, F_OK) < 0, "the lock file %s is left", path);
}

static int listed(void)
{
	ctr_container_t **list = NULL;
	size_t count = 0;

	ck_assert_int_ge(ctr_list(it_rt, &list, &count), 0);
	ctr_list_free(list, count);
	return (int)count;
}

START_TEST(test_a_corrupt_state_record_breaks_only_its_container)
{
	ctr_container_t *bad = it_create(it_rt, it_config_layered("touch /shared/ready; " IT_LOOP));
	ctr_container_t *good = it_sh(it_rt, "exit 7");
	const char *const argv[] = { "sleep", "1000", NULL };
	ctr_exec_opts_t o = {
		.sz = sizeof(o), .argv = argv, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1
	};
	static const char junk[] = "\x01\xff{not json at all";
	char id[CTRI_ID_LEN + 1], name[256], *eid = NULL;

	/* A running layered container with an exec session: the state record that goes bad
	 * held its monitor's pid; the mount record still counts the run's hold. */
	IT_OK(ctr_start(bad, 0));
	it_take_file("ready", IT_GUARD_MS);
	IT_OK(ctr_exec_create(bad, &o, &eid));
	IT_OK(ctr_exec_start(bad, eid));
	ctr_free(eid);
	snprintf(id, sizeof(id), "%s", ctr_id(bad));
	snprintf(name, sizeof(name), "%s", ctr_name(bad));
	damage(CTRI_KEY_STATE, id, junk, sizeof(junk) - 1);

	ctr_state_t st;
	IT_FAILS(ctr_state(bad, &st), CTR_E_STORE);
	IT_HAS_MESSAGE();
	IT_FAILS(ctr_start(bad, 0), CTR_E_STORE);
	IT_FAILS(ctr_stop(bad, 0), CTR_E_STORE);
	IT_FAILS(ctr_remove(bad, 0), CTR_E_STORE); /* only a forced remove takes it */
	ck_assert_msg(strstr(ctr_last_error(), "damaged"), "%s", ctr_last_error());

	/* It is listed and found by id and by name. */
	ck_assert_int_eq(listed(), 2);
	ctr_container_t *found = NULL;
	IT_OK(ctr_lookup(it_rt, id, &found));
	ctr_container_free(found);
	IT_OK(ctr_lookup(it_rt, name, &found));
	IT_FAILS(ctr_state(found, &st), CTR_E_STORE);

	IT_OK(ctr_start(good, 0));
	ck_assert_int_eq(it_wait(good, IT_GUARD_MS), 7);

	/* A forced remove takes what it finds by the id: the run (the monitor the runtime
	 * names), the session, the overlay, the records, the files. The others are unaffected. */
	IT_OK(ctr_remove(found, CTR_FORCE));
	ctr_container_free(found);
	assert_gone(id, name);
	IT_FAILS(ctr_state(bad, &st), CTR_E_REMOVED);
	IT_FAILS(ctr_remove(bad, CTR_FORCE), CTR_E_REMOVED);
	ck_assert_int_eq(listed(), 1);
	IT_STATE(good, CTR_STATE_STOPPED);
	IT_OK(ctr_remove(good, 0));
	ck_assert_int_eq(listed(), 0);
	ctr_container_free(bad);
	ctr_container_free(good);
}
END_TEST

START_TEST(test_a_container_whose_every_record_is_damaged_is_found_by_id_and_removed)
{
	ctr_config_t *cfg = it_config("exit 0");
	ctr_container_t *c = NULL, *found = NULL, *again = NULL;
	static const char junk[] = "\x1b[2J\x00\xfe";
	char id[CTRI_ID_LEN + 1];

	ctr_config_set_name(cfg, "wrecked");
	IT_OK(ctr_create(it_rt, cfg, &c));
	snprintf(id, sizeof(id), "%s", ctr_id(c));
	ctr_container_free(c);
	damage(CTRI_KEY_ID, id, junk, sizeof(junk) - 1);
	damage(CTRI_KEY_CONFIG, id, junk, sizeof(junk) - 1);
	damage(CTRI_KEY_STATE, id, junk, sizeof(junk) - 1);
	damage(CTRI_KEY_NAME, "wrecked", junk, sizeof(junk) - 1);

	/* Its name record names no id: listed by id, under its id. */
	IT_FAILS(ctr_lookup(it_rt, "wrecked", &found), CTR_E_STORE);
	ctr_container_t **list = NULL;
	size_t count = 0;
	ck_assert_int_eq(ctr_list(it_rt, &list, &count), 1);
	ck_assert_str_eq(ctr_id(list[0]), id);
	ck_assert_str_eq(ctr_name(list[0]), id);
	ctr_list_free(list, count);
	IT_OK(ctr_lookup(it_rt, id, &found));
	ck_assert_str_eq(ctr_name(found), id);
	char *json = NULL;
	IT_FAILS(ctr_inspect(found, &json), CTR_E_STORE);

	IT_OK(ctr_remove(found, CTR_FORCE));
	ctr_container_free(found);
	assert_gone(id, NULL);
	ck_assert_int_eq(listed(), 0);
	/* The name is free again. */
	IT_OK(ctr_create(it_rt, cfg, &again));
	IT_OK(ctr_remove(again, 0));
	ctr_container_free(again);

	/* Only the state record left (a record without its id record): still found by id. */
	IT_OK(ctr_create(it_rt, cfg, &c));
	snprintf(id, sizeof(id), "%s", ctr_id(c));
	ctr_container_free(c);
	char key[128];
	snprintf(key, sizeof(key), "%s%s", CTRI_KEY_ID, id);
	IT_OK(ctri_store_delete(it_rt->store, key));
	damage(CTRI_KEY_STATE, id, junk, sizeof(junk) - 1);
	IT_OK(ctr_lookup(it_rt, id, &found));
	IT_OK(ctr_remove(found, CTR_FORCE));
	ctr_container_free(found);
	assert_gone(id, "wrecked");
	ctr_config_free(cfg);
}
END_TEST

/* ---- lock holders --------------------------------------------------------------------------- */

static ctr_container_t *locked_c;

/* In a child: take the container's lock, say so on a pipe and keep it. */
static int hold_lock(void *arg)
{
	int fd, w = *(int *)arg;

	if (ctri_lock(locked_c->rt->locks_dir, ctr_id(locked_c), &fd) < 0)
		return 1;
	if (write(w, "x", 1) != 1)
		return 2;
	for (;;)
		pause();
}

static pid_t lock_in_child(ctr_container_t *c)
{
	int p[2];
	char b;

	locked_c = c;
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid_t child = it_fork(hold_lock, &p[1]);
	close(p[1]);
	ck_assert_int_eq(read(p[0], &b, 1), 1);
	close(p[0]);
	return child;
}

struct op_thread {
	ctr_container_t *c;
	int r;
	char msg[512];
};

static void *start_thread(void *arg)
{
	struct op_thread *t = arg;

	t->r = ctr_start(t->c, 0);
	snprintf(t->msg, sizeof(t->msg), "%s", ctr_last_error());
	return NULL;
}

START_TEST(test_a_dead_lock_holder_does_not_block)
{
	ctr_container_t *c = it_sh(it_rt, "touch /shared/ready; " IT_LOOP);
	pid_t holder = lock_in_child(c);

	kill(holder, SIGKILL);
	ck_assert_int_eq(it_join(holder, IT_GUARD_MS), 128 + SIGKILL);
	IT_OK(ctr_start(c, 0)); /* blocked by the dead holder, it would hang past the limit */
	it_take_file("ready", IT_GUARD_MS);
	IT_OK(ctr_remove(c, CTR_FORCE));
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_a_live_lock_holder_blocks_until_it_dies)
{
	ctr_container_t *c = it_sh(it_rt, "touch /shared/ready; " IT_LOOP);
	pid_t holder = lock_in_child(c);
	struct op_thread t = { .c = c, .r = 1 };
	pthread_t th;
	struct timespec ts;

	ck_assert_int_eq(pthread_create(&th, NULL, start_thread, &t), 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 500 * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	ck_assert_msg(pthread_timedjoin_np(th, NULL, &ts) == ETIMEDOUT,
		      "ctr_start returned (%d) while another process held the lock", t.r);
	IT_STATE(c, CTR_STATE_CONFIGURED); /* reads do not wait for the lock */
	kill(holder, SIGKILL);
	ck_assert_int_eq(it_join(holder, IT_GUARD_MS), 128 + SIGKILL);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += IT_GUARD_MS / 1000;
	ck_assert_msg(pthread_timedjoin_np(th, NULL, &ts) == 0,
		      "ctr_start still blocked after the holder died");
	ck_assert_msg(t.r == 0, "ctr_start: %d: %s", t.r, t.msg);
	it_take_file("ready", IT_GUARD_MS);
	IT_STATE(c, CTR_STATE_RUNNING);
	IT_OK(ctr_remove(c, CTR_FORCE));
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
}
END_TEST

/* ---- a reused monitor pid ------------------------------------------------------------------- */

START_TEST(test_a_reused_monitor_pid_is_not_the_monitor)
{
	ctr_container_t *c = it_sh(it_rt, "exit 0");
	char *const argv[] = { "sleep", "1000", NULL };
	unsigned long long start = 0;
	struct ctri_st st;
	pid_t stranger;

	ck_assert_int_eq(posix_spawnp(&stranger, "sleep", NULL, NULL, argv, environ), 0);
	ck_assert_int_eq(ctri_proc_stat(stranger, &start, NULL), 0);
	/* The record of a run whose monitor died, its pid since taken by the stranger. */
	IT_OK(ctri_st_load(c, "test", &st));
	st.state = CTR_STATE_RUNNING;
	st.pid = stranger;
	st.mon_pid = stranger;
	st.mon_start = start + 1000;
	IT_OK(ctri_st_save(c, "test", &st, 0));

	IT_STATE(c, CTR_STATE_STOPPED);
	ck_assert_int_eq(it_state_int(c, "monitor_lost"), 1);
	ck_assert_int_eq(it_pid(c), 0);
	IT_FAILS(ctr_stop(c, 0), CTR_E_STOPPED);
	IT_OK(ctr_remove(c, CTR_FORCE));
	it_sleep_ms(100);
	ck_assert_msg(it_alive(stranger), "the unrelated process %ld was killed", (long)stranger);
	kill(stranger, SIGKILL);
	ck_assert_int_eq(waitpid(stranger, NULL, 0), stranger);
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
}
END_TEST

/* ---- callers killed mid-stop and mid-remove ------------------------------------------------ */

static int op_stop_30(ctr_container_t *c)
{
	return ctr_stop(c, 30);
}

static int op_remove(ctr_container_t *c)
{
	return ctr_remove(c, CTR_FORCE);
}

static int stop_main(void *arg)
{
	return it_child_op(NULL, arg, "stop", op_stop_30);
}

static int remove_main(void *arg)
{
	return it_child_op(NULL, arg, "remove", op_remove);
}

/* A RUNNING layered container, stubborn to SIGTERM, with two exec sessions running. */
static ctr_container_t *busy_layered(void)
{
	ctr_container_t *c = it_create(it_rt, it_config_layered(IT_STUBBORN));
	const char *const argv[] = { "sleep", "1000", NULL };
	ctr_exec_opts_t o = {
		.sz = sizeof(o), .argv = argv, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1
	};

	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	for (int i = 0; i < 2; i++) {
		char *eid = NULL;
		IT_OK(ctr_exec_create(c, &o, &eid));
		IT_OK(ctr_exec_start(c, eid));
		ctr_free(eid);
	}
	return c;
}

/* After a killed caller: the container is gone, or in a state that agrees with its
 * processes, and a forced remove takes it; nothing is left. */
static void assert_recovers_and_goes(ctr_container_t *c)
{
	ctr_state_t s;
	int r = ctr_state(c, &s);

	if (r == 0) {
		pid_t pid = it_pid(c);
		if (s == CTR_STATE_RUNNING && (pid == 0 || !it_alive(pid))) {
			/* Killed just before the caller: its monitor records the exit soon (pid
			 * 0: it did between the two calls). */
			int code;
			IT_OK(ctr_wait(c, IT_GUARD_MS, &code));
			IT_OK(ctr_state(c, &s));
			pid = it_pid(c);
		}
		if (s == CTR_STATE_RUNNING || s == CTR_STATE_PAUSED || s == CTR_STATE_CREATED)
			ck_assert_msg(pid > 0 && it_alive(pid), "%s with pid %ld",
				      ctr_state_name(s), (long)pid);
		else
			ck_assert_msg(s == CTR_STATE_STOPPED || s == CTR_STATE_EXITED, "left %s",
				      ctr_state_name(s));
		IT_OK(ctr_remove(c, CTR_FORCE));
	} else
		ck_assert_msg(r == CTR_E_REMOVED, "ctr_state: %s", it_err(r));
	it_assert_no_traces(ctr_id(c));
}

START_TEST(test_a_caller_killed_mid_stop_of_a_busy_layered_container)
{
	static const long delays_us[] = { 0, 2000, 20000, 200000 };

	for (size_t i = 0; i < sizeof(delays_us) / sizeof(delays_us[0]); i++) {
		ctr_container_t *c = busy_layered();
		pid_t child = it_fork(stop_main, (void *)ctr_id(c));
		struct timespec ts = { 0, delays_us[i] * 1000 };

		nanosleep(&ts, NULL);
		kill(child, SIGKILL);
		int st = it_join(child, IT_GUARD_MS);
		ck_assert_msg(st == 128 + SIGKILL, "child: status %d", st);
		IT_OK(ctr_sync(c));
		assert_recovers_and_goes(c);
		ctr_container_free(c);
	}
	it_assert_no_children();
}
END_TEST

START_TEST(test_a_caller_killed_mid_remove_of_a_busy_layered_container)
{
	static const long delays_us[] = { 0, 2000, 10000, 30000, 100000, 300000 };

	for (size_t i = 0; i < sizeof(delays_us) / sizeof(delays_us[0]); i++) {
		ctr_container_t *c = busy_layered();
		pid_t child = it_fork(remove_main, (void *)ctr_id(c));
		struct timespec ts = { 0, delays_us[i] * 1000 };

		nanosleep(&ts, NULL);
		kill(child, SIGKILL);
		int st = it_join(child, IT_GUARD_MS);
		ck_assert_msg(st == 128 + SIGKILL || st == 0, "child: status %d", st);
		assert_recovers_and_goes(c);
		ctr_container_free(c);
	}
	it_assert_no_children();
}
END_TEST

Suite *suite_faults2(void)
{
	Suite *s = suite_create("faults2");
	TCase *tc = tcase_create("runtime");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 40);
	tcase_add_test(tc, test_a_runtime_printing_garbage_is_a_runtime_error);
	tcase_add_test(tc, test_a_hostile_runtime_message_is_one_clean_bounded_line);
	suite_add_tcase(s, tc);

	tc = tcase_create("store");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_a_corrupt_state_record_breaks_only_its_container);
	tcase_add_test(tc,
		       test_a_container_whose_every_record_is_damaged_is_found_by_id_and_removed);
	suite_add_tcase(s, tc);

	tc = tcase_create("full");
	tcase_add_checked_fixture(tc, setup_small, teardown_small);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_a_full_state_dir_is_an_error_and_loses_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("locks");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_a_dead_lock_holder_does_not_block);
	tcase_add_test(tc, test_a_live_lock_holder_blocks_until_it_dies);
	tcase_add_test(tc, test_a_reused_monitor_pid_is_not_the_monitor);
	suite_add_tcase(s, tc);

	tc = tcase_create("killed");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, test_a_caller_killed_mid_stop_of_a_busy_layered_container);
	tcase_add_test(tc, test_a_caller_killed_mid_remove_of_a_busy_layered_container);
	suite_add_tcase(s, tc);
	return s;
}
