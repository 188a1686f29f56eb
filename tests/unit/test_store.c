/* The TDB store: records, transactions, iteration. */
#include <sys/mount.h>

#include "store_fixture.h"

/* ---- records ------------------------------------------------------------------------- */

START_TEST(test_raw_record_round_trips)
{
	struct ctri_store *s = open_store();

	assert_raw(s, "k", NULL);
	put(s, "k", "value one");
	assert_raw(s, "k", "value one");
	put(s, "k", "two");
	assert_raw(s, "k", "two");
	ck_assert_int_eq(ctri_store_exists(s, "k"), 1);
	ck_assert_int_eq(ctri_store_exists(s, "other"), 0);
	ck_assert_str_eq(ctri_store_path(s), db_path);
	ctri_store_close(s);

	s = open_store(); /* durable across a close */
	assert_raw(s, "k", "two");
	ctri_store_close(s);
}
END_TEST

START_TEST(test_raw_record_keeps_embedded_nul_bytes_and_length)
{
	struct ctri_store *s = open_store();
	const char val[] = {'a', 0, 'b', 0, 'c'};
	char *got = NULL;
	size_t len = 0;

	ck_assert_int_eq(ctri_store_put_raw(s, "bin", val, sizeof(val), 0), 0);
	ck_assert_int_eq(ctri_store_get_raw(s, "bin", &got, &len), 0);
	ck_assert_uint_eq(len, sizeof(val));
	ck_assert_int_eq(memcmp(got, val, sizeof(val)), 0);
	ck_assert_int_eq(got[len], 0);
	free(got);
	ctri_store_close(s);
}
END_TEST

START_TEST(test_get_of_missing_record_is_noent_and_leaves_out_untouched)
{
	struct ctri_store *s = open_store();
	char *v = (char *)"sentinel";
	json_object *o = (json_object *)&v;

	ck_assert_int_eq(ctri_store_get_raw(s, "missing", &v, NULL), CTR_E_NOENT);
	ck_assert_str_eq(v, "sentinel");
	ck_assert_int_eq(ctri_store_get(s, "missing", &o), CTR_E_NOENT);
	ck_assert_ptr_eq(o, (json_object *)&v);
	ctri_store_close(s);
}
END_TEST

START_TEST(test_json_record_round_trips)
{
	struct ctri_store *s = open_store();
	json_object *o = json_object_new_object(), *got = NULL, *v;

	json_object_object_add(o, "state", json_object_new_string("running"));
	json_object_object_add(o, "pid", json_object_new_int(4242));
	json_object_object_add(o, "path", json_object_new_string("/a/b \"q\" \u00e9"));
	ck_assert_int_eq(ctri_store_put(s, "state/x", o, 0), 0);
	ck_assert_int_eq(ctri_store_get(s, "state/x", &got), 0);
	ck_assert(json_object_equal(o, got));
	ck_assert(json_object_object_get_ex(got, "pid", &v));
	ck_assert_int_eq(json_object_get_int(v), 4242);
	json_object_put(o);
	json_object_put(got);
	ctri_store_close(s);
}
END_TEST

START_TEST(test_insert_only_refuses_an_existing_key_and_keeps_its_value)
{
	struct ctri_store *s = open_store();
	json_object *o = json_object_new_object();

	ck_assert_int_eq(ctri_store_put_raw(s, "name/web", "first", 5, 1), 0);
	ck_assert_int_eq(ctri_store_put_raw(s, "name/web", "second", 6, 1), CTR_E_EXISTS);
	assert_raw(s, "name/web", "first");
	ck_assert_int_eq(ctri_store_put(s, "name/web", o, 1), CTR_E_EXISTS);
	assert_raw(s, "name/web", "first");
	json_object_put(o);
	ctri_store_close(s);
}
END_TEST

START_TEST(test_delete_removes_a_record_and_missing_keys_are_fine)
{
	struct ctri_store *s = open_store();

	put(s, "a", "1");
	put(s, "b", "2");
	ck_assert_int_eq(ctri_store_delete(s, "a"), 0);
	assert_raw(s, "a", NULL);
	assert_raw(s, "b", "2");
	ck_assert_int_eq(ctri_store_delete(s, "a"), 0);
	ck_assert_int_eq(ctri_store_delete(s, "never-there"), 0);
	ctri_store_close(s);
}
END_TEST

START_TEST(test_damaged_json_record_is_a_store_error_naming_the_key)
{
	static const char *const damaged[] = {
	    "not json", "[1,2,3]", "\"a string\"", "42",	"{\"a\":1} trailing",
	    "{\"a\":",	"",	   "{\"a\":1}{}",  "\xff\xfe{",
	};
	struct ctri_store *s = open_store();

	for (size_t i = 0; i < sizeof(damaged) / sizeof(damaged[0]); i++) {
		json_object *o = NULL;
		put(s, "state/bad", damaged[i]);
		int r = ctri_store_get(s, "state/bad", &o);
		ck_assert_msg(r == CTR_E_STORE, "record \"%s\": got %d", damaged[i], r);
		ck_assert_ptr_null(o);
		ck_assert_ptr_nonnull(strstr(ctr_last_error(), "state/bad"));
	}
	/* the damage stays with that record */
	put(s, "state/good", "{\"state\":\"configured\"}");
	json_object *o = NULL;
	ck_assert_int_eq(ctri_store_get(s, "state/good", &o), 0);
	json_object_put(o);
	ctri_store_close(s);
}
END_TEST

START_TEST(test_oversized_record_is_a_store_error)
{
	struct ctri_store *s = open_store();
	size_t n = (4u << 20) + 1;
	char *big = malloc(n), *v = NULL;

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', n);
	ck_assert_int_eq(ctri_store_put_raw(s, "big", big, n, 0), 0);
	ck_assert_int_eq(ctri_store_get_raw(s, "big", &v, NULL), CTR_E_STORE);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "big"));
	free(big);
	ctri_store_close(s);
}
END_TEST

START_TEST(test_second_open_in_a_process_shares_the_handle)
{
	struct ctri_store *a = open_store(), *b = open_store();

	ck_assert_ptr_eq(a, b);
	put(a, "k", "v");
	ctri_store_close(a);
	assert_raw(b, "k", "v"); /* still open: counted references */
	put(b, "k2", "v2");
	ctri_store_close(b);
	struct ctri_store *c = open_store();
	assert_raw(c, "k2", "v2");
	ctri_store_close(c);
}
END_TEST

START_TEST(test_garbage_file_is_refused_and_left_unchanged)
{
	char garbage[3000];
	struct ctri_store *s = NULL;
	char *back = NULL;
	size_t len = 0;

	db_path = tu_path("ctr.tdb");
	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (char)(i * 7 + 3);
	ck_assert_int_eq(ctri_write_file(db_path, garbage, sizeof(garbage), 0600, 0), 0);
	ck_assert_int_eq(ctri_store_open(db_path, 1, &s), CTR_E_STORE);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), db_path));
	ck_assert_int_eq(ctri_read_file(db_path, 1 << 20, &back, &len), 0);
	ck_assert_uint_eq(len, sizeof(garbage));
	ck_assert_int_eq(memcmp(back, garbage, len), 0);
	free(back);
}
END_TEST

/* A file system without room for the database: the error names the file and the system's
 * reason, not TDB's bare "IO Error". Needs root (a small tmpfs); skipped without it. */
START_TEST(test_a_full_file_system_is_an_io_error_naming_the_path_and_the_cause)
{
	char *dir = tu_path("small");
	struct ctri_store *s = NULL;

	ck_assert_int_eq(mkdir(dir, 0700), 0);
	if (mount("tmpfs", dir, "tmpfs", 0, "size=256k,mode=0700") < 0) {
		ck_assert_msg(errno == EPERM, "mount tmpfs on %s: %s", dir, strerror(errno));
		free(dir);
		return; /* not root */
	}
	db_path = ctri_strdupf("%s/ctr.tdb", dir);
	/* TDB creates a sparse file; the first commit needs room for its recovery area. */
	int r = ctri_store_open(db_path, 1, &s);
	if (r == 0) {
		r = ctri_store_put_raw(s, "meta", "{}", 2, 0);
		ctri_store_close(s);
	}
	umount2(dir, MNT_DETACH);
	free(dir);
	ck_assert_msg(r == CTR_E_IO, "got %d: %s", r, ctr_last_error());
	ck_assert_msg(strstr(ctr_last_error(), db_path), "%s", ctr_last_error());
	ck_assert_msg(strstr(ctr_last_error(), strerror(ENOSPC)), "%s", ctr_last_error());
}
END_TEST

/* ---- transactions -------------------------------------------------------------------- */

START_TEST(test_committed_transaction_is_visible)
{
	struct ctri_store *s = open_store();

	ck_assert_int_eq(ctri_store_begin(s), 0);
	put(s, "a", "1");
	put(s, "b", "2");
	ck_assert_int_eq(ctri_store_delete(s, "a"), 0);
	assert_raw(s, "b", "2"); /* reads inside see the transaction's own writes */
	assert_raw(s, "a", NULL);
	ck_assert_int_eq(ctri_store_commit(s), 0);
	assert_raw(s, "a", NULL);
	assert_raw(s, "b", "2");
	ctri_store_close(s);
}
END_TEST

START_TEST(test_cancelled_transaction_leaves_no_trace)
{
	struct ctri_store *s = open_store();

	put(s, "keep", "old");
	ck_assert_int_eq(ctri_store_begin(s), 0);
	put(s, "new", "1");
	put(s, "keep", "changed");
	ck_assert_int_eq(ctri_store_delete(s, "keep"), 0);
	ctri_store_cancel(s);
	assert_raw(s, "new", NULL);
	assert_raw(s, "keep", "old");
	/* and the store is usable afterwards */
	put(s, "after", "yes");
	assert_raw(s, "after", "yes");
	ctri_store_close(s);
}
END_TEST

START_TEST(test_nested_transaction_commits_with_the_outer_one)
{
	struct ctri_store *s = open_store();

	ck_assert_int_eq(ctri_store_begin(s), 0);
	ck_assert_int_eq(ctri_store_begin(s), 0);
	put(s, "inner", "1");
	ck_assert_int_eq(ctri_store_commit(s), 0);
	put(s, "outer", "2");
	ck_assert_int_eq(ctri_store_commit(s), 0);
	assert_raw(s, "inner", "1");
	assert_raw(s, "outer", "2");

	/* an outer cancel discards what an inner commit wrote */
	ck_assert_int_eq(ctri_store_begin(s), 0);
	ck_assert_int_eq(ctri_store_begin(s), 0);
	put(s, "inner2", "1");
	ck_assert_int_eq(ctri_store_commit(s), 0);
	ctri_store_cancel(s);
	assert_raw(s, "inner2", NULL);

	/* an inner failure (insert of an existing key) does not end the outer transaction */
	ck_assert_int_eq(ctri_store_begin(s), 0);
	ck_assert_int_eq(ctri_store_put_raw(s, "inner", "x", 1, 1), CTR_E_EXISTS);
	put(s, "after-failure", "3");
	ck_assert_int_eq(ctri_store_commit(s), 0);
	assert_raw(s, "after-failure", "3");
	assert_raw(s, "inner", "1");
	ctri_store_close(s);
}
END_TEST

START_TEST(test_uncommitted_transaction_is_invisible_to_another_process)
{
	struct ctri_store *s = open_store();
	int to_child[2], to_parent[2];

	ck_assert_int_eq(pipe(to_child), 0);
	ck_assert_int_eq(pipe(to_parent), 0);
	ctri_store_close(s); /* the child opens its own handle */
	pid_t pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		struct ctri_store *cs = NULL;
		char *v = NULL;
		if (ctri_store_open(db_path, 1, &cs) < 0)
			_exit(10);
		send_byte(to_parent[1], 'o');
		if (recv_byte(to_child[0], TU_GUARD_MS) != 'w') /* parent wrote, not committed */
			_exit(11);
		if (ctri_store_get_raw(cs, "tx", &v, NULL) != CTR_E_NOENT)
			_exit(12);
		send_byte(to_parent[1], 'r');
		if (recv_byte(to_child[0], TU_GUARD_MS) != 'c') /* committed */
			_exit(13);
		if (ctri_store_get_raw(cs, "tx", &v, NULL) != 0 || strcmp(v, "done") != 0)
			_exit(14);
		free(v);
		ctri_store_close(cs);
		_exit(0);
	}
	ck_assert_int_eq(recv_byte(to_parent[0], TU_GUARD_MS), 'o');
	s = open_store();
	ck_assert_int_eq(ctri_store_begin(s), 0);
	put(s, "tx", "done");
	send_byte(to_child[1], 'w');
	ck_assert_int_eq(recv_byte(to_parent[0], TU_GUARD_MS), 'r');
	ck_assert_int_eq(ctri_store_commit(s), 0);
	send_byte(to_child[1], 'c');
	ck_assert_int_eq(child_exit_status(pid), 0);
	ctri_store_close(s);
}
END_TEST

START_TEST(test_store_opened_before_fork_can_be_opened_again_in_the_child)
{
	struct ctri_store *s = open_store();

	put(s, "from-parent", "1");
	pid_t pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		struct ctri_store *cs = NULL;
		char *v = NULL;
		if (ctri_store_open(db_path, 1, &cs) < 0)
			_exit(10);
		if (ctri_store_get_raw(cs, "from-parent", &v, NULL) != 0)
			_exit(11);
		free(v);
		if (ctri_store_put_raw(cs, "from-child", "2", 1, 1) != 0)
			_exit(12);
		ctri_store_close(cs);
		_exit(0);
	}
	ck_assert_int_eq(child_exit_status(pid), 0);
	assert_raw(s, "from-child", "2");
	put(s, "parent-still-writes", "3");
	assert_raw(s, "parent-still-writes", "3");
	ctri_store_close(s);
}
END_TEST

/* ---- iteration ----------------------------------------------------------------------- */

struct seen {
	int n;
	int stop_after;
	char keys[8][64];
	char vals[8][64];
};

static int collect(const char *key, const char *val, size_t len, void *ud)
{
	struct seen *s = ud;

	ck_assert_uint_eq(strlen(val), len);
	if (s->n < 8) {
		snprintf(s->keys[s->n], 64, "%s", key);
		snprintf(s->vals[s->n], 64, "%s", val);
	}
	s->n++;
	return s->stop_after && s->n >= s->stop_after ? 77 : 0;
}

static int find_key(const struct seen *s, const char *key, const char *val)
{
	for (int i = 0; i < s->n && i < 8; i++)
		if (!strcmp(s->keys[i], key))
			return !strcmp(s->vals[i], val);
	return 0;
}

START_TEST(test_each_visits_only_keys_with_the_prefix_without_it)
{
	struct ctri_store *s = open_store();
	struct seen seen = {0};

	put(s, "name/web", "id1");
	put(s, "name/db", "id2");
	put(s, "name/", "empty-name");
	put(s, "nam", "short");
	put(s, "id/x", "web");
	put(s, "names", "not-the-prefix");
	ck_assert_int_eq(ctri_store_each(s, "name/", collect, &seen), 0);
	ck_assert_int_eq(seen.n, 3);
	ck_assert(find_key(&seen, "web", "id1"));
	ck_assert(find_key(&seen, "db", "id2"));
	ck_assert(find_key(&seen, "", "empty-name"));

	memset(&seen, 0, sizeof(seen));
	ck_assert_int_eq(ctri_store_each(s, "", collect, &seen), 0);
	ck_assert_int_eq(seen.n, 6);

	memset(&seen, 0, sizeof(seen));
	ck_assert_int_eq(ctri_store_each(s, "nothing/", collect, &seen), 0);
	ck_assert_int_eq(seen.n, 0);
	ctri_store_close(s);
}
END_TEST

START_TEST(test_each_stops_when_the_callback_says_so_and_returns_its_value)
{
	struct ctri_store *s = open_store();
	struct seen seen = {.stop_after = 2};
	char key[32];

	for (int i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "k/%d", i);
		put(s, key, "v");
	}
	ck_assert_int_eq(ctri_store_each(s, "k/", collect, &seen), 77);
	ck_assert_int_eq(seen.n, 2);
	ctri_store_close(s);
}
END_TEST

static int count_only(const char *key, const char *val, size_t len, void *ud)
{
	(void)key;
	(void)val;
	(void)len;
	(*(int *)ud)++;
	return 0;
}

START_TEST(test_each_sees_thousands_of_records)
{
	struct ctri_store *s = open_store();
	char key[32];
	int n = 0;

	ck_assert_int_eq(ctri_store_begin(s), 0);
	for (int i = 0; i < 3000; i++) {
		snprintf(key, sizeof(key), "%s/%d", i % 3 ? "other" : "c", i);
		put(s, key, "{\"x\":1}");
	}
	ck_assert_int_eq(ctri_store_commit(s), 0);
	ck_assert_int_eq(ctri_store_each(s, "c/", count_only, &n), 0);
	ck_assert_int_eq(n, 1000);
	ctri_store_close(s);
}
END_TEST

Suite *suite_store(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("records");

	tu_add_fixtures(tc, store_teardown);
	tcase_add_test(tc, test_raw_record_round_trips);
	tcase_add_test(tc, test_raw_record_keeps_embedded_nul_bytes_and_length);
	tcase_add_test(tc, test_get_of_missing_record_is_noent_and_leaves_out_untouched);
	tcase_add_test(tc, test_json_record_round_trips);
	tcase_add_test(tc, test_insert_only_refuses_an_existing_key_and_keeps_its_value);
	tcase_add_test(tc, test_delete_removes_a_record_and_missing_keys_are_fine);
	tcase_add_test(tc, test_damaged_json_record_is_a_store_error_naming_the_key);
	tcase_add_test(tc, test_oversized_record_is_a_store_error);
	tcase_add_test(tc, test_second_open_in_a_process_shares_the_handle);
	tcase_add_test(tc, test_garbage_file_is_refused_and_left_unchanged);
	tcase_add_test(tc, test_a_full_file_system_is_an_io_error_naming_the_path_and_the_cause);
	suite_add_tcase(s, tc);

	tc = tcase_create("transactions");
	tu_add_fixtures(tc, store_teardown);
	tcase_add_test(tc, test_committed_transaction_is_visible);
	tcase_add_test(tc, test_cancelled_transaction_leaves_no_trace);
	tcase_add_test(tc, test_nested_transaction_commits_with_the_outer_one);
	tcase_add_test(tc, test_uncommitted_transaction_is_invisible_to_another_process);
	tcase_add_test(tc, test_store_opened_before_fork_can_be_opened_again_in_the_child);
	suite_add_tcase(s, tc);

	tc = tcase_create("each");
	tu_add_fixtures(tc, store_teardown);
	tcase_add_test(tc, test_each_visits_only_keys_with_the_prefix_without_it);
	tcase_add_test(tc, test_each_stops_when_the_callback_says_so_and_returns_its_value);
	tcase_add_test(tc, test_each_sees_thousands_of_records);
	suite_add_tcase(s, tc);

	return s;
}
