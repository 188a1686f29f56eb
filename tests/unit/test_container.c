/* Containers in the store: create, lookup, list, state, inspect, remove. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "runtime.h"
#include "store.h"
#include "tests.h"
#include "testutil.h"
#include "util.h"

static ctr_runtime_t *rt;

static void container_setup(void)
{
	rt = tu_runtime();
}

static void container_teardown(void)
{
	ctr_runtime_close(rt);
	rt = NULL;
}

static ctr_container_t *create(const char *name)
{
	ctr_config_t *cfg = tu_config(name);
	ctr_container_t *c = NULL;
	int r = ctr_create(rt, cfg, &c);

	ck_assert_msg(r == 0, "ctr_create %s: %d %s", name ? name : "(generated)", r,
		      ctr_last_error());
	ck_assert_ptr_nonnull(c);
	ctr_config_free(cfg);
	return c;
}

static ctr_state_t state_of(ctr_container_t *c)
{
	ctr_state_t s = CTR_STATE_UNKNOWN;
	int r = ctr_state(c, &s);

	ck_assert_msg(r == 0, "ctr_state: %d %s", r, ctr_last_error());
	return s;
}

static json_object *inspect(ctr_container_t *c)
{
	char *text = NULL;
	int r = ctr_inspect(c, &text);

	ck_assert_msg(r == 0, "ctr_inspect: %d %s", r, ctr_last_error());
	json_object *o = json_tokener_parse(text);
	ck_assert_msg(o != NULL, "inspect output is not JSON: %s", text);
	ctr_free(text);
	return o;
}

static const char *str_at(json_object *o, const char *a, const char *b)
{
	json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, a, &v), "no \"%s\"", a);
	if (b)
		ck_assert_msg(json_object_object_get_ex(v, b, &v), "no \"%s.%s\"", a, b);
	ck_assert_msg(json_object_is_type(v, json_type_string), "\"%s\" is not a string", a);
	return json_object_get_string(v);
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	size_t n = 0;

	ck_assert_ptr_nonnull(d);
	for (struct dirent *de; (de = readdir(d));)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static size_t count_list(void)
{
	ctr_container_t **list = NULL;
	size_t n = 0;
	int r = ctr_list(rt, &list, &n);

	ck_assert_msg(r >= 0, "ctr_list: %d %s", r, ctr_last_error());
	ck_assert_uint_eq((size_t)r, n);
	ctr_list_free(list, n);
	return n;
}

static int has(const char *haystack, const char *needle)
{
	return strstr(haystack, needle) != NULL;
}

static size_t occurrences(const char *haystack, const char *needle)
{
	size_t n = 0;

	for (const char *p = haystack; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

#define assert_msg_has(needle)                                                                     \
	ck_assert_msg(has(ctr_last_error(), needle), "\"%s\" not in \"%s\"", needle,               \
		      ctr_last_error())

static void put_state(ctr_container_t *c, const char *raw)
{
	char key[128];

	snprintf(key, sizeof(key), "%s%s", CTRI_KEY_STATE, ctr_id(c));
	ck_assert_int_eq(ctri_store_put_raw(rt->store, key, raw, strlen(raw), 0), 0);
}

static int record_exists(const char *prefix, const char *what)
{
	char key[512];

	snprintf(key, sizeof(key), "%s%s", prefix, what);
	return ctri_store_exists(rt->store, key);
}

/* ---- create -------------------------------------------------------------------------- */

START_TEST(test_create_gives_a_configured_container_with_a_64_hex_id)
{
	ctr_container_t *c = create("web");

	ck_assert_int_eq(state_of(c), CTR_STATE_CONFIGURED);
	ck_assert_uint_eq(strlen(ctr_id(c)), 64);
	ck_assert_uint_eq(strspn(ctr_id(c), "0123456789abcdef"), 64);
	ck_assert_str_eq(ctr_name(c), "web");
	ctr_container_free(c);
}
END_TEST

START_TEST(test_created_ids_are_distinct)
{
	ctr_container_t *a = create(NULL), *b = create(NULL);

	ck_assert_str_ne(ctr_id(a), ctr_id(b));
	ck_assert_str_ne(ctr_name(a), ctr_name(b));
	ctr_container_free(a);
	ctr_container_free(b);
}
END_TEST

START_TEST(test_create_without_a_name_generates_adjective_noun)
{
	regex_t re;

	ck_assert_int_eq(regcomp(&re, "^[a-z]+_[a-z]+(_[0-9a-f]+)?$", REG_EXTENDED | REG_NOSUB), 0);
	for (int i = 0; i < 40; i++) {
		ctr_container_t *c = create(NULL), *again = NULL;
		ck_assert_msg(regexec(&re, ctr_name(c), 0, NULL, 0) == 0, "generated name \"%s\"",
			      ctr_name(c));
		ck_assert(ctri_is_name(ctr_name(c)));
		ck_assert_int_eq(ctr_lookup(rt, ctr_name(c), &again), 0);
		ck_assert_str_eq(ctr_id(again), ctr_id(c));
		ctr_container_free(again);
		ctr_container_free(c);
	}
	regfree(&re);
	ck_assert_uint_eq(count_list(), 40);
}
END_TEST

START_TEST(test_create_keeps_the_given_name)
{
	ctr_container_t *c = create("My.app_1-x"), *found = NULL;

	ck_assert_str_eq(ctr_name(c), "My.app_1-x");
	ck_assert_int_eq(ctr_lookup(rt, "My.app_1-x", &found), 0);
	ck_assert_str_eq(ctr_name(found), "My.app_1-x");
	ck_assert_int_eq(ctr_lookup(rt, "my.app_1-x", &found), CTR_E_NOENT); /* case matters */
	ctr_container_free(found);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_create_writes_the_oci_spec_into_the_bundle)
{
	ctr_container_t *c = create("spec");
	json_object *o = inspect(c), *spec, *v;
	char *want_bundle = ctri_strdupf("%s/state/containers/%s", tu_base(), ctr_id(c));
	struct stat st;

	ck_assert_str_eq(str_at(o, "paths", "bundle"), want_bundle);
	ck_assert_int_eq(stat(want_bundle, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	const char *path = str_at(o, "paths", "spec");
	ck_assert_int_eq(strncmp(path, want_bundle, strlen(want_bundle)), 0);
	spec = json_object_from_file(path);
	ck_assert_msg(spec != NULL, "%s is not JSON", path);
	ck_assert(json_object_object_get_ex(spec, "ociVersion", &v));
	ck_assert(json_object_is_type(v, json_type_string));
	ck_assert(json_object_object_get_ex(spec, "process", &v));
	json_object_put(spec);
	json_object_put(o);
	free(want_bundle);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_create_without_args_is_inval_and_leaves_nothing)
{
	ctr_config_t *cfg = NULL;
	ctr_container_t *c = NULL;

	ck_assert_int_eq(ctr_config_new(&cfg), 0);
	ck_assert_int_eq(ctr_config_set_rootfs(cfg, tu_rootfs()), 0);
	ck_assert_int_eq(ctr_create(rt, cfg, &c), CTR_E_INVAL);
	ck_assert_ptr_null(c);
	assert_msg_has("args");
	ck_assert_uint_eq(count_entries(rt->containers_dir), 0);
	ck_assert_uint_eq(count_list(), 0);
	ctr_config_free(cfg);
}
END_TEST

START_TEST(test_missing_rootfs_is_inval_naming_the_path_and_leaves_nothing)
{
	ctr_config_t *cfg = tu_config("norootfs");
	ctr_container_t *c = NULL;
	char *missing = ctri_strdupf("%s/does-not-exist", tu_base());

	ck_assert_int_eq(ctr_config_set_rootfs(cfg, missing), 0);
	ck_assert_int_eq(ctr_create(rt, cfg, &c), CTR_E_INVAL);
	ck_assert_ptr_null(c);
	assert_msg_has(missing);
	assert_msg_has("norootfs");
	ck_assert_msg(occurrences(ctr_last_error(), "cannot create") == 1,
		      "message repeats its prefix: %s", ctr_last_error());
	ck_assert_uint_eq(count_entries(rt->containers_dir), 0);
	ck_assert_uint_eq(count_list(), 0);
	ck_assert_int_eq(ctr_lookup(rt, "norootfs", &c), CTR_E_NOENT);
	ck_assert_int_eq(record_exists(CTRI_KEY_NAME, "norootfs"), 0);
	ctr_config_free(cfg);
	free(missing);
}
END_TEST

START_TEST(test_rootfs_that_is_a_file_is_inval_naming_the_path)
{
	ctr_config_t *cfg = tu_config(NULL);
	ctr_container_t *c = NULL;
	char *file = ctri_strdupf("%s/file", tu_base());

	ck_assert_int_eq(ctri_write_file(file, "x", 1, 0600, 0), 0);
	ck_assert_int_eq(ctr_config_set_rootfs(cfg, file), 0);
	ck_assert_int_eq(ctr_create(rt, cfg, &c), CTR_E_INVAL);
	assert_msg_has(file);
	ck_assert_uint_eq(count_entries(rt->containers_dir), 0);
	ctr_config_free(cfg);
	free(file);
}
END_TEST

START_TEST(test_duplicate_name_is_exists_and_leaves_the_first_untouched)
{
	ctr_container_t *first = create("db"), *second = NULL, *found = NULL;
	char *before = NULL, *after = NULL;

	ck_assert_int_eq(ctr_inspect(first, &before), 0);
	ctr_config_t *cfg = tu_config("db");
	ck_assert_int_eq(ctr_config_set_label(cfg, "second", "yes"), 0);
	ck_assert_int_eq(ctr_create(rt, cfg, &second), CTR_E_EXISTS);
	ck_assert_ptr_null(second);
	assert_msg_has("db");
	assert_msg_has("in use");
	ctr_config_free(cfg);

	ck_assert_int_eq(ctr_lookup(rt, "db", &found), 0);
	ck_assert_str_eq(ctr_id(found), ctr_id(first));
	ck_assert_int_eq(state_of(first), CTR_STATE_CONFIGURED);
	ck_assert_int_eq(ctr_inspect(first, &after), 0);
	ck_assert_str_eq(after, before);
	ck_assert_uint_eq(count_list(), 1);
	ck_assert_uint_eq(count_entries(rt->containers_dir), 1); /* no bundle left behind */
	ctr_free(before);
	ctr_free(after);
	ctr_container_free(found);
	ctr_container_free(first);
}
END_TEST

START_TEST(test_invalid_names_are_rejected_by_the_config_setter)
{
	static const char *const bad[] = {"",	 "-web", ".web", "_web", "web server",
					  "a/b", "../x", "a:b",	 "wéb",	 "a\nb"};
	ctr_config_t *cfg = tu_config("good");
	ctr_container_t *c = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(ctr_config_set_name(cfg, bad[i]) == CTR_E_INVAL,
			      "name \"%s\" accepted", bad[i]);
		assert_msg_has("name");
	}
	/* the config kept its valid name */
	ck_assert_int_eq(ctr_create(rt, cfg, &c), 0);
	ck_assert_str_eq(ctr_name(c), "good");
	ctr_container_free(c);
	ctr_config_free(cfg);
}
END_TEST

START_TEST(test_name_of_253_chars_is_accepted_and_254_rejected)
{
	char name[256];
	ctr_config_t *cfg = tu_config(NULL);
	ctr_container_t *c = NULL, *found = NULL;

	memset(name, 'n', 254);
	name[254] = '\0';
	ck_assert_int_eq(ctr_config_set_name(cfg, name), CTR_E_INVAL);
	name[253] = '\0';
	ck_assert_int_eq(ctr_config_set_name(cfg, name), 0);
	ck_assert_int_eq(ctr_create(rt, cfg, &c), 0);
	ck_assert_str_eq(ctr_name(c), name);
	ck_assert_int_eq(ctr_lookup(rt, name, &found), 0);
	ck_assert_str_eq(ctr_id(found), ctr_id(c));
	name[253] = 'n';
	ck_assert_int_eq(ctr_lookup(rt, name, &found), CTR_E_NOENT);
	ctr_container_free(found);
	ctr_container_free(c);
	ctr_config_free(cfg);
}
END_TEST

/* ---- dependencies -------------------------------------------------------------------- */

START_TEST(test_dependency_on_an_unknown_container_is_noent_and_leaves_nothing)
{
	ctr_config_t *cfg = tu_config("app");
	ctr_container_t *c = NULL;

	ck_assert_int_eq(ctr_config_add_dependency(cfg, "ghost"), 0);
	ck_assert_int_eq(ctr_create(rt, cfg, &c), CTR_E_NOENT);
	ck_assert_ptr_null(c);
	assert_msg_has("ghost");
	assert_msg_has("app");
	ck_assert_uint_eq(count_list(), 0);
	ck_assert_uint_eq(count_entries(rt->containers_dir), 0);
	ctr_config_free(cfg);
}
END_TEST

START_TEST(test_dependency_is_recorded_by_id_in_inspect)
{
	ctr_container_t *db = create("db"), *cache = create(NULL), *app = NULL;
	ctr_config_t *cfg = tu_config("app");
	char prefix[13];

	snprintf(prefix, sizeof(prefix), "%.12s", ctr_id(cache));
	ck_assert_int_eq(ctr_config_add_dependency(cfg, "db"), 0);
	ck_assert_int_eq(ctr_config_add_dependency(cfg, prefix), 0);
	ck_assert_int_eq(ctr_create(rt, cfg, &app), 0);
	json_object *o = inspect(app), *deps;
	ck_assert(json_object_object_get_ex(o, "dependencies", &deps));
	ck_assert_int_eq(json_object_array_length(deps), 2);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(deps, 0)), ctr_id(db));
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(deps, 1)), ctr_id(cache));
	json_object_put(o);
	o = inspect(db);
	ck_assert(json_object_object_get_ex(o, "dependencies", &deps));
	ck_assert_int_eq(json_object_array_length(deps), 0);
	json_object_put(o);
	ctr_config_free(cfg);
	ctr_container_free(app);
	ctr_container_free(cache);
	ctr_container_free(db);
}
END_TEST

/* ---- lookup -------------------------------------------------------------------------- */

START_TEST(test_lookup_finds_by_full_id_name_and_unique_prefix)
{
	ctr_container_t *c = create("api"), *other = create("other"), *found = NULL;
	char prefix[65];
	size_t n;

	ck_assert_int_eq(ctr_lookup(rt, ctr_id(c), &found), 0);
	ck_assert_str_eq(ctr_id(found), ctr_id(c));
	ck_assert_str_eq(ctr_name(found), "api");
	ctr_container_free(found);

	ck_assert_int_eq(ctr_lookup(rt, "api", &found), 0);
	ck_assert_str_eq(ctr_id(found), ctr_id(c));
	ctr_container_free(found);

	/* the shortest prefix that tells the two apart, and a longer one */
	for (n = 0; ctr_id(c)[n] == ctr_id(other)[n]; n++)
		;
	snprintf(prefix, sizeof(prefix), "%.*s", (int)n + 1, ctr_id(c));
	ck_assert_int_eq(ctr_lookup(rt, prefix, &found), 0);
	ck_assert_str_eq(ctr_id(found), ctr_id(c));
	ck_assert_str_eq(ctr_name(found), "api");
	ctr_container_free(found);
	snprintf(prefix, sizeof(prefix), "%.63s", ctr_id(c));
	ck_assert_int_eq(ctr_lookup(rt, prefix, &found), 0);
	ck_assert_str_eq(ctr_id(found), ctr_id(c));
	ctr_container_free(found);
	ctr_container_free(other);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_lookup_with_an_ambiguous_prefix_is_inval)
{
	ctr_container_t *made[17] = {0}, *found = NULL;
	char prefix[2] = {0};
	int n = 0;

	/* by the pigeonhole principle, 17 ids share a first hex digit */
	for (; n < 17 && !prefix[0]; n++) {
		made[n] = create(NULL);
		for (int j = 0; j < n; j++)
			if (ctr_id(made[j])[0] == ctr_id(made[n])[0])
				prefix[0] = ctr_id(made[n])[0];
	}
	ck_assert(prefix[0] != 0);
	ck_assert_int_eq(ctr_lookup(rt, prefix, &found), CTR_E_INVAL);
	ck_assert_ptr_null(found);
	assert_msg_has("ambiguous");
	assert_msg_has(prefix);
	for (int i = 0; i < n; i++)
		ctr_container_free(made[i]);
}
END_TEST

START_TEST(test_lookup_prefers_a_name_over_an_id_prefix)
{
	ctr_container_t *a = create(NULL), *found = NULL;
	char prefix[5];

	snprintf(prefix, sizeof(prefix), "%.4s", ctr_id(a));
	ctr_container_t *named = create(prefix); /* a name that is also a's id prefix */
	ck_assert_int_eq(ctr_lookup(rt, prefix, &found), 0);
	ck_assert_str_eq(ctr_id(found), ctr_id(named));
	ctr_container_free(found);
	ctr_container_free(named);
	ctr_container_free(a);
}
END_TEST

START_TEST(test_lookup_of_an_unknown_container_is_noent_naming_it)
{
	ctr_container_t *c = create("known"), *found = (ctr_container_t *)&found;
	char id[65], prefix[9];

	/* an id and a prefix that are not c's */
	snprintf(id, sizeof(id), "%s", ctr_id(c));
	id[0] = id[0] == '0' ? '1' : '0';
	snprintf(prefix, sizeof(prefix), "%.8s", id);
	const char *const unknown[] = {"unknown", id, prefix, "ZZZ", "g123"};
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		ck_assert_int_eq(ctr_lookup(rt, unknown[i], &found), CTR_E_NOENT);
		ck_assert_ptr_eq(found, (ctr_container_t *)&found);
		assert_msg_has(unknown[i]);
	}
	ctr_container_free(c);
}
END_TEST

START_TEST(test_lookup_of_an_empty_string_is_inval)
{
	ctr_container_t *c = create("x"), *found = NULL;

	ck_assert_int_eq(ctr_lookup(rt, "", &found), CTR_E_INVAL);
	ck_assert_ptr_null(found);
	assert_msg_has("name_or_id");
	ctr_container_free(c);
}
END_TEST

START_TEST(test_handles_of_one_container_are_independent)
{
	ctr_container_t *c = create("twin"), *a = NULL, *b = NULL;

	ck_assert_int_eq(ctr_lookup(rt, "twin", &a), 0);
	ck_assert_int_eq(ctr_lookup(rt, "twin", &b), 0);
	ck_assert_ptr_ne(a, b);
	ctr_container_free(a);
	ck_assert_int_eq(state_of(b), CTR_STATE_CONFIGURED);
	ck_assert_int_eq(ctr_remove(b, 0), 0);
	ctr_state_t s;
	ck_assert_int_eq(ctr_state(c, &s), CTR_E_REMOVED);
	ctr_container_free(b);
	ctr_container_free(c);
}
END_TEST

/* ---- list ---------------------------------------------------------------------------- */

START_TEST(test_list_is_sorted_by_name_with_the_right_count)
{
	static const char *const names[] = {"delta", "alpha",  "Zulu",	"charlie",
					    "bravo", "alpha2", "0first"};
	enum { N = sizeof(names) / sizeof(names[0]) };
	ctr_container_t *made[N], **list = NULL;
	size_t n = 0;

	for (size_t i = 0; i < N; i++)
		made[i] = create(names[i]);
	ck_assert_int_eq(ctr_list(rt, &list, &n), N);
	ck_assert_uint_eq(n, N);
	for (size_t i = 1; i < n; i++)
		ck_assert_msg(strcmp(ctr_name(list[i - 1]), ctr_name(list[i])) < 0,
			      "\"%s\" listed before \"%s\"", ctr_name(list[i - 1]),
			      ctr_name(list[i]));
	ck_assert_str_eq(ctr_name(list[0]), "0first");
	ck_assert_str_eq(ctr_name(list[n - 1]), "delta");
	for (size_t i = 0; i < n; i++) {
		int found = 0;
		for (size_t j = 0; j < N; j++)
			found += !strcmp(ctr_id(list[i]), ctr_id(made[j])) &&
				 !strcmp(ctr_name(list[i]), ctr_name(made[j]));
		ck_assert_int_eq(found, 1);
	}
	ctr_list_free(list, n);
	for (size_t i = 0; i < N; i++)
		ctr_container_free(made[i]);
}
END_TEST

START_TEST(test_list_of_no_containers_is_empty_and_free_is_null_safe)
{
	ctr_container_t **list = (ctr_container_t **)&list;
	size_t n = 42;

	ck_assert_int_eq(ctr_list(rt, &list, &n), 0);
	ck_assert_uint_eq(n, 0);
	ctr_list_free(list, n);
	ctr_list_free(NULL, 0);
	ctr_list_free(NULL, 5);
}
END_TEST

START_TEST(test_list_handles_outlive_the_list_array_use)
{
	ctr_container_t *c = create("kept"), **list = NULL;
	size_t n = 0;

	ck_assert_int_eq(ctr_list(rt, &list, &n), 1);
	ck_assert_int_eq(state_of(list[0]), CTR_STATE_CONFIGURED);
	ck_assert_int_eq(ctr_remove(list[0], 0), 0);
	ctr_list_free(list, n);
	ck_assert_uint_eq(count_list(), 0);
	ctr_container_free(c);
}
END_TEST

/* ---- remove -------------------------------------------------------------------------- */

START_TEST(test_remove_of_configured_deletes_records_name_bundle_and_lock)
{
	ctr_container_t *c = create("gone"), *found = NULL, *again;
	json_object *o = inspect(c);
	char *bundle = strdup(str_at(o, "paths", "bundle"));
	char *lock = strdup(str_at(o, "paths", "lock"));
	char id[65];

	json_object_put(o);
	snprintf(id, sizeof(id), "%s", ctr_id(c));
	ck_assert_int_eq(access(bundle, F_OK), 0);
	ck_assert_int_eq(ctr_remove(c, 0), 0);

	ck_assert_int_eq(ctr_lookup(rt, "gone", &found), CTR_E_NOENT);
	ck_assert_int_eq(ctr_lookup(rt, id, &found), CTR_E_NOENT);
	ck_assert_int_eq(record_exists(CTRI_KEY_NAME, "gone"), 0);
	ck_assert_int_eq(record_exists(CTRI_KEY_ID, id), 0);
	ck_assert_int_eq(record_exists(CTRI_KEY_CONFIG, id), 0);
	ck_assert_int_eq(record_exists(CTRI_KEY_STATE, id), 0);
	ck_assert_int_eq(access(bundle, F_OK), -1);
	ck_assert_int_eq(access(lock, F_OK), -1);
	ck_assert_uint_eq(count_list(), 0);

	again = create("gone"); /* the name is free again */
	ck_assert_str_ne(ctr_id(again), id);
	ctr_container_free(again);
	ctr_container_free(c);
	free(bundle);
	free(lock);
}
END_TEST

START_TEST(test_handle_after_remove_reports_removed)
{
	ctr_container_t *c = create("old");
	json_object *o = inspect(c);
	char *lock = strdup(str_at(o, "paths", "lock"));
	ctr_state_t s = CTR_STATE_PAUSED;
	char *json = NULL;

	json_object_put(o);
	ck_assert_int_eq(ctr_remove(c, 0), 0);
	ck_assert_int_eq(ctr_state(c, &s), CTR_E_REMOVED);
	ck_assert_int_eq(s, CTR_STATE_PAUSED);
	assert_msg_has("old");
	ck_assert_int_eq(ctr_inspect(c, &json), CTR_E_REMOVED);
	ck_assert_ptr_null(json);
	ck_assert_int_eq(ctr_remove(c, 0), CTR_E_REMOVED);
	assert_msg_has("removed");
	ck_assert_int_eq(access(lock, F_OK), -1); /* a second remove leaves no lock file */
	/* the handle still answers what it knows */
	ck_assert_str_eq(ctr_name(c), "old");
	ck_assert_uint_eq(strlen(ctr_id(c)), 64);
	ctr_container_free(c);
	free(lock);
}
END_TEST

START_TEST(test_remove_of_a_new_container_with_the_old_name_keeps_the_new_one)
{
	ctr_container_t *old = create("reused"), *stale = NULL, *fresh, *found = NULL;

	ck_assert_int_eq(ctr_lookup(rt, "reused", &stale), 0);
	ck_assert_int_eq(ctr_remove(old, 0), 0);
	fresh = create("reused");
	ck_assert_int_eq(ctr_remove(stale, 0), CTR_E_REMOVED);
	ck_assert_int_eq(ctr_lookup(rt, "reused", &found), 0);
	ck_assert_str_eq(ctr_id(found), ctr_id(fresh));
	ck_assert_int_eq(state_of(fresh), CTR_STATE_CONFIGURED);
	ctr_container_free(found);
	ctr_container_free(fresh);
	ctr_container_free(stale);
	ctr_container_free(old);
}
END_TEST

START_TEST(test_remove_of_running_container_is_refused)
{
	ctr_container_t *c = create("busy"), *found = NULL;

	put_state(c, "{\"state\":\"running\",\"pid\":12345}");
	ck_assert_int_eq(ctr_remove(c, 0), CTR_E_STATE);
	assert_msg_has("running");
	assert_msg_has("busy");
	ck_assert_int_eq(state_of(c), CTR_STATE_RUNNING);
	ck_assert_int_eq(ctr_lookup(rt, "busy", &found), 0);
	ck_assert_int_eq(count_entries(rt->containers_dir), 1);
	ctr_container_free(found);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_remove_is_refused_in_every_state_but_configured_and_exited)
{
	static const struct {
		const char *state;
		int want;
	} cases[] = {
	    {"created", CTR_E_STATE}, {"running", CTR_E_STATE},	 {"stopped", CTR_E_STATE},
	    {"paused", CTR_E_STATE},  {"removing", CTR_E_STATE}, {"exited", 0},
	    {"configured", 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ctr_container_t *c = create(cases[i].state);
		char rec[128];
		snprintf(rec, sizeof(rec), "{\"state\":\"%s\"}", cases[i].state);
		put_state(c, rec);
		ck_assert_msg(ctr_remove(c, 0) == cases[i].want, "remove in state %s: %s",
			      cases[i].state, ctr_last_error());
		if (cases[i].want)
			assert_msg_has(cases[i].state);
		ctr_container_free(c);
	}
	ck_assert_uint_eq(count_list(), 5);
}
END_TEST

START_TEST(test_remove_with_unknown_flags_is_inval_and_keeps_the_container)
{
	ctr_container_t *c = create("flags");

	ck_assert_int_eq(ctr_remove(c, 0x8000u), CTR_E_INVAL);
	assert_msg_has("flags");
	ck_assert_int_eq(state_of(c), CTR_STATE_CONFIGURED);
	ctr_container_free(c);
}
END_TEST

/* ---- damaged records ----------------------------------------------------------------- */

START_TEST(test_corrupt_state_record_fails_only_that_container)
{
	ctr_container_t *a = create("a-ok"), *b = create("b-bad"), *c = create("c-ok");
	ctr_container_t **list = NULL, *found = NULL;
	ctr_state_t s;
	size_t n = 0;
	char *json = NULL;

	put_state(b, "{\"state\":\"runn");
	ck_assert_int_eq(ctr_state(b, &s), CTR_E_STORE);
	assert_msg_has("b-bad");
	ck_assert_int_eq(ctr_inspect(b, &json), CTR_E_STORE);
	ck_assert_int_eq(ctr_remove(b, 0), CTR_E_STORE);

	ck_assert_int_eq(ctr_list(rt, &list, &n), 3);
	ck_assert_str_eq(ctr_name(list[1]), "b-bad");
	ck_assert_int_eq(ctr_state(list[1], &s), CTR_E_STORE);
	ctr_list_free(list, n);
	ck_assert_int_eq(ctr_lookup(rt, "b-bad", &found), 0);
	ctr_container_free(found);

	ck_assert_int_eq(state_of(a), CTR_STATE_CONFIGURED);
	json_object_put(inspect(c));
	ck_assert_int_eq(ctr_remove(c, 0), 0);
	ck_assert_int_eq(state_of(a), CTR_STATE_CONFIGURED);

	/* well-formed JSON that names no state is damage too */
	put_state(b, "{\"state\":\"flying\"}");
	ck_assert_int_eq(ctr_state(b, &s), CTR_E_STORE);
	put_state(b, "{\"state\":3}");
	ck_assert_int_eq(ctr_state(b, &s), CTR_E_STORE);
	put_state(b, "{}");
	ck_assert_int_eq(ctr_state(b, &s), CTR_E_STORE);
	ctr_container_free(a);
	ctr_container_free(b);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_corrupt_config_record_fails_inspect_of_that_container_only)
{
	ctr_container_t *a = create("a"), *b = create("b");
	char key[128], *json = NULL;

	snprintf(key, sizeof(key), "%s%s", CTRI_KEY_CONFIG, ctr_id(b));
	ck_assert_int_eq(ctri_store_put_raw(rt->store, key, "\x01garbage", 8, 0), 0);
	ck_assert_int_eq(ctr_inspect(b, &json), CTR_E_STORE);
	assert_msg_has("b");
	ck_assert_ptr_null(json);
	json_object_put(inspect(a));
	ck_assert_uint_eq(count_list(), 2);
	ctr_container_free(a);
	ctr_container_free(b);
}
END_TEST

/* ---- inspect ------------------------------------------------------------------------- */

START_TEST(test_inspect_describes_id_name_created_state_config_paths_and_labels)
{
	ctr_config_t *cfg = tu_config("described");
	ctr_container_t *c = NULL;
	json_object *o, *v, *labels, *config;

	ck_assert_int_eq(ctr_config_set_label(cfg, "team", "infra"), 0);
	ck_assert_int_eq(ctr_config_set_label(cfg, "tier", "db"), 0);
	ck_assert_int_eq(ctr_create(rt, cfg, &c), 0);
	ctr_config_free(cfg);
	o = inspect(c);

	ck_assert_str_eq(str_at(o, "id", NULL), ctr_id(c));
	ck_assert_str_eq(str_at(o, "name", NULL), "described");
	const char *created = str_at(o, "created", NULL);
	regex_t re;
	ck_assert_int_eq(regcomp(&re,
				 "^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]"
				 "\\.[0-9]{9}Z$",
				 REG_EXTENDED | REG_NOSUB),
			 0);
	ck_assert_msg(regexec(&re, created, 0, NULL, 0) == 0, "created \"%s\"", created);
	regfree(&re);
	ck_assert_str_eq(str_at(o, "state", "state"), "configured");
	ck_assert(json_object_object_get_ex(o, "config", &config));
	ck_assert(json_object_is_type(config, json_type_object));
	ck_assert(json_object_object_get_ex(config, "rootfs", &v));
	ck_assert_str_eq(json_object_get_string(v), tu_rootfs());
	ck_assert(json_object_object_get_ex(o, "labels", &labels));
	ck_assert_int_eq(json_object_object_length(labels), 2);
	ck_assert_str_eq(str_at(o, "labels", "team"), "infra");
	ck_assert_str_eq(str_at(o, "labels", "tier"), "db");
	const char *paths[] = {"bundle", "spec", "run_dir", "lock"};
	for (size_t i = 0; i < 4; i++)
		ck_assert_msg(str_at(o, "paths", paths[i])[0] == '/', "paths.%s is not absolute",
			      paths[i]);
	ck_assert_ptr_nonnull(strstr(str_at(o, "paths", "lock"), ctr_id(c)));
	json_object_put(o);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_inspect_without_labels_has_an_empty_labels_object)
{
	ctr_container_t *c = create(NULL);
	json_object *o = inspect(c), *labels;

	ck_assert(json_object_object_get_ex(o, "labels", &labels));
	ck_assert(json_object_is_type(labels, json_type_object));
	ck_assert_int_eq(json_object_object_length(labels), 0);
	json_object_put(o);
	ctr_container_free(c);
}
END_TEST

/* ---- small functions and argument checks ---------------------------------------------- */

START_TEST(test_state_name_names_every_state_and_unknown_out_of_range)
{
	static const char *const names[] = {"unknown", "configured", "created", "running",
					    "stopped", "paused",     "exited",	"removing"};

	for (int i = 0; i < 8; i++)
		ck_assert_str_eq(ctr_state_name((ctr_state_t)i), names[i]);
	ck_assert_str_eq(ctr_state_name((ctr_state_t)8), "unknown");
	ck_assert_str_eq(ctr_state_name((ctr_state_t)-1), "unknown");
	ck_assert_str_eq(ctr_state_name(CTR_STATE__FORCE_INT), "unknown");
	for (int i = 1; i < 8; i++)
		ck_assert_int_eq(ctri_state_parse(names[i]), i);
	ck_assert_int_eq(ctri_state_parse("unknown"), CTR_STATE_UNKNOWN);
	ck_assert_int_eq(ctri_state_parse(NULL), CTR_STATE_UNKNOWN);
}
END_TEST

START_TEST(test_free_functions_accept_null)
{
	ctr_free(NULL);
	ctr_container_free(NULL);
	ctr_list_free(NULL, 0);
	ctr_runtime_close(NULL);
	ctr_config_free(NULL);
	ck_assert_ptr_null(ctr_id(NULL));
	ck_assert_ptr_null(ctr_name(NULL));
}
END_TEST

#define assert_null_arg(call, arg)                                                                 \
	do {                                                                                       \
		ck_assert_int_eq((call), CTR_E_INVAL);                                             \
		ck_assert_msg(has(ctr_last_error(), "argument " arg " is NULL"),                   \
			      "%s: message \"%s\" does not name %s", #call, ctr_last_error(),      \
			      arg);                                                                \
	} while (0)

START_TEST(test_null_arguments_are_inval_naming_the_argument)
{
	ctr_container_t *c = create("target"), *out = NULL, **list = NULL;
	ctr_config_t *cfg = tu_config(NULL);
	ctr_state_t s;
	size_t n;
	char *json;

	assert_null_arg(ctr_create(NULL, cfg, &out), "rt");
	assert_null_arg(ctr_create(rt, NULL, &out), "cfg");
	assert_null_arg(ctr_create(rt, cfg, NULL), "out");
	assert_null_arg(ctr_lookup(NULL, "target", &out), "rt");
	assert_null_arg(ctr_lookup(rt, NULL, &out), "name_or_id");
	assert_null_arg(ctr_lookup(rt, "target", NULL), "out");
	assert_null_arg(ctr_list(NULL, &list, &n), "rt");
	assert_null_arg(ctr_list(rt, NULL, &n), "out");
	assert_null_arg(ctr_list(rt, &list, NULL), "count");
	assert_null_arg(ctr_state(NULL, &s), "c");
	assert_null_arg(ctr_state(c, NULL), "out");
	assert_null_arg(ctr_inspect(NULL, &json), "c");
	assert_null_arg(ctr_inspect(c, NULL), "json");
	assert_null_arg(ctr_remove(NULL, 0), "c");
	assert_null_arg(ctr_runtime_open(NULL, NULL), "out");
	assert_null_arg(ctr_runtime_rebooted(NULL), "rt");
	assert_null_arg(ctr_has_feature(NULL), "name");
	ck_assert_ptr_null(out);
	/* nothing was created by the refused calls */
	ck_assert_uint_eq(count_list(), 1);
	ctr_config_free(cfg);
	ctr_container_free(c);
}
END_TEST

Suite *suite_container(void)
{
	Suite *s = suite_create("container");
	TCase *tc = tcase_create("create");

	tu_add_fixtures(tc, container_teardown);
	tcase_add_checked_fixture(tc, container_setup, NULL);
	tcase_add_test(tc, test_create_gives_a_configured_container_with_a_64_hex_id);
	tcase_add_test(tc, test_created_ids_are_distinct);
	tcase_add_test(tc, test_create_without_a_name_generates_adjective_noun);
	tcase_add_test(tc, test_create_keeps_the_given_name);
	tcase_add_test(tc, test_create_writes_the_oci_spec_into_the_bundle);
	tcase_add_test(tc, test_create_without_args_is_inval_and_leaves_nothing);
	tcase_add_test(tc, test_missing_rootfs_is_inval_naming_the_path_and_leaves_nothing);
	tcase_add_test(tc, test_rootfs_that_is_a_file_is_inval_naming_the_path);
	tcase_add_test(tc, test_duplicate_name_is_exists_and_leaves_the_first_untouched);
	tcase_add_test(tc, test_invalid_names_are_rejected_by_the_config_setter);
	tcase_add_test(tc, test_name_of_253_chars_is_accepted_and_254_rejected);
	tcase_add_test(tc, test_dependency_on_an_unknown_container_is_noent_and_leaves_nothing);
	tcase_add_test(tc, test_dependency_is_recorded_by_id_in_inspect);
	suite_add_tcase(s, tc);

	tc = tcase_create("lookup");
	tu_add_fixtures(tc, container_teardown);
	tcase_add_checked_fixture(tc, container_setup, NULL);
	tcase_add_test(tc, test_lookup_finds_by_full_id_name_and_unique_prefix);
	tcase_add_test(tc, test_lookup_with_an_ambiguous_prefix_is_inval);
	tcase_add_test(tc, test_lookup_prefers_a_name_over_an_id_prefix);
	tcase_add_test(tc, test_lookup_of_an_unknown_container_is_noent_naming_it);
	tcase_add_test(tc, test_lookup_of_an_empty_string_is_inval);
	tcase_add_test(tc, test_handles_of_one_container_are_independent);
	tcase_add_test(tc, test_list_is_sorted_by_name_with_the_right_count);
	tcase_add_test(tc, test_list_of_no_containers_is_empty_and_free_is_null_safe);
	tcase_add_test(tc, test_list_handles_outlive_the_list_array_use);
	suite_add_tcase(s, tc);

	tc = tcase_create("remove");
	tu_add_fixtures(tc, container_teardown);
	tcase_add_checked_fixture(tc, container_setup, NULL);
	tcase_add_test(tc, test_remove_of_configured_deletes_records_name_bundle_and_lock);
	tcase_add_test(tc, test_handle_after_remove_reports_removed);
	tcase_add_test(tc, test_remove_of_a_new_container_with_the_old_name_keeps_the_new_one);
	tcase_add_test(tc, test_remove_of_running_container_is_refused);
	tcase_add_test(tc, test_remove_is_refused_in_every_state_but_configured_and_exited);
	tcase_add_test(tc, test_remove_with_unknown_flags_is_inval_and_keeps_the_container);
	suite_add_tcase(s, tc);

	tc = tcase_create("records");
	tu_add_fixtures(tc, container_teardown);
	tcase_add_checked_fixture(tc, container_setup, NULL);
	tcase_add_test(tc, test_corrupt_state_record_fails_only_that_container);
	tcase_add_test(tc, test_corrupt_config_record_fails_inspect_of_that_container_only);
	tcase_add_test(tc, test_inspect_describes_id_name_created_state_config_paths_and_labels);
	tcase_add_test(tc, test_inspect_without_labels_has_an_empty_labels_object);
	tcase_add_test(tc, test_state_name_names_every_state_and_unknown_out_of_range);
	tcase_add_test(tc, test_free_functions_accept_null);
	tcase_add_test(tc, test_null_arguments_are_inval_naming_the_argument);
	suite_add_tcase(s, tc);
	return s;
}
