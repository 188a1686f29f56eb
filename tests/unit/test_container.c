/* Containers in the store: create, dependencies, lookup, list. */
#include "container_fixture.h"

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
	ck_assert_int_eq(ctr_list(rt, &list, &n), 0);
	ck_assert_uint_eq(n, N);
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

	ck_assert_int_eq(ctr_list(rt, &list, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(state_of(list[0]), CTR_STATE_CONFIGURED);
	ck_assert_int_eq(ctr_remove(list[0], 0), 0);
	ctr_list_free(list, n);
	ck_assert_uint_eq(count_list(), 0);
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

	return s;
}
