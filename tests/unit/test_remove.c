/* Containers in the store: remove, damaged records, inspect, argument checks. */
#include "container_fixture.h"

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

	put_state_alive(c, "running");
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

START_TEST(test_remove_is_refused_while_a_monitor_holds_it_running_or_paused)
{
	static const struct {
		const char *state;
		int want;
	} cases[] = {
	    {"running", CTR_E_STATE}, {"paused", CTR_E_STATE}, {"stopped", 0},
	    {"exited", 0},	      {"configured", 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ctr_container_t *c = create(cases[i].state);
		put_state_alive(c, cases[i].state);
		ck_assert_msg(ctr_remove(c, 0) == cases[i].want, "remove in state %s: %s",
			      cases[i].state, ctr_last_error());
		if (cases[i].want)
			assert_msg_has(cases[i].state);
		ctr_container_free(c);
	}
	ck_assert_uint_eq(count_list(), 2);
}
END_TEST

START_TEST(test_a_running_record_without_a_live_monitor_is_synced_to_stopped)
{
	const char *const states[] = { "created", "running", "paused" };

	for (size_t i = 0; i < 3; i++) {
		ctr_container_t *c = create(states[i]);
		int code = 0;
		put_state(c, "{\"state\":\"running\",\"pid\":12345,\"monitor_pid\":999999,"
			     "\"monitor_start\":1}");
		ck_assert_int_eq(state_of(c), CTR_STATE_STOPPED);
		ck_assert_int_eq(ctr_exit_code(c, &code), 0);
		ck_assert_int_eq(code, -1); /* the runtime has no state: the code is lost */
		ck_assert_int_eq(ctr_remove(c, 0), 0);
		ctr_container_free(c);
	}
	ck_assert_uint_eq(count_list(), 0);
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

	ck_assert_int_eq(ctr_list(rt, &list, &n), 0);
	ck_assert_uint_eq(n, 3);
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
	assert_null_arg(ctr_list(rt, &list, NULL), "out_count");
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

Suite *suite_container_remove(void)
{
	Suite *s = suite_create("container_remove");
	TCase *tc;

	tc = tcase_create("remove");
	tu_add_fixtures(tc, container_teardown);
	tcase_add_checked_fixture(tc, container_setup, NULL);
	tcase_add_test(tc, test_remove_of_configured_deletes_records_name_bundle_and_lock);
	tcase_add_test(tc, test_handle_after_remove_reports_removed);
	tcase_add_test(tc, test_remove_of_a_new_container_with_the_old_name_keeps_the_new_one);
	tcase_add_test(tc, test_remove_of_running_container_is_refused);
	tcase_add_test(tc, test_remove_is_refused_while_a_monitor_holds_it_running_or_paused);
	tcase_add_test(tc, test_a_running_record_without_a_live_monitor_is_synced_to_stopped);
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
