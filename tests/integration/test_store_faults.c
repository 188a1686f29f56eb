/* The store failing: a state directory without room, and damaged records. A full store is
 * an error naming the path and the lack of space that loses no container; a damaged record
 * breaks only its own container, which is still listed, found by id and removed by force. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "itest.h"
#include "runtime.h"
#include "store.h"

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
	it_teardown();
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
	ck_assert_int_eq(ctr_list(it_rt, &list, &count), 0);
	ck_assert_uint_eq(count, 1);
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

Suite *suite_store_faults(void)
{
	Suite *s = suite_create("store_faults");
	TCase *tc = tcase_create("records");

	tcase_add_checked_fixture(tc, it_setup, it_teardown);
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
	return s;
}
