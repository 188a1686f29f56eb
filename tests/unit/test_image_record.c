/* Image records in a real store, without layers on disk: lookups by name, id and prefix;
 * names moving between images; layer reference counts and sizes across shared layers;
 * removal. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "image_record.h"
#include "store.h"
#include "tests.h"
#include "testutil.h"
#include "util.h"

static struct ctri_store *s;

#define ID1 "1111111111111111111111111111111111111111111111111111111111111111"
#define ID2 "2222222222222222222222222222222222222222222222222222222222222222"
#define ID3 "1111111111119999999999999999999999999999999999999999999999999999"

static void setup(void)
{
	char *path = tu_path("ctr.tdb");

	ck_assert_int_eq(ctri_store_open(path, 1, &s), 0);
	free(path);
}

static void teardown(void)
{
	ctri_store_close(s);
	s = NULL;
}

/* Put an image with layers (a comma-separated list) and names, in a transaction. */
static void put(const char *id, const char *layers, const char *const *names)
{
	char text[512];
	long long sizes[8] = { 10, 20, 30, 40, 50, 60, 70, 80 };
	json_object *rec, *arr = json_object_new_array();
	char *copy = strdup(layers), *save = NULL;

	for (char *l = strtok_r(copy, ",", &save); l; l = strtok_r(NULL, ",", &save))
		json_object_array_add(arr, json_object_new_string(l));
	free(copy);
	snprintf(text, sizeof(text), "{\"id\":\"%s\",\"config\":{}}", id);
	rec = json_tokener_parse(text);
	json_object_object_add(rec, "layers", arr);
	ck_assert_int_eq(ctri_store_begin(s), 0);
	ck_assert_int_eq(ctri_image_record_put(s, rec, names, sizes), 0);
	ck_assert_int_eq(ctri_store_commit(s), 0);
	json_object_put(rec);
}

static int refs(const char *hex)
{
	char key[128];
	json_object *rec = NULL;

	snprintf(key, sizeof(key), "%s%s", CTRI_KEY_LAYER, hex);
	if (ctri_store_get(s, key, &rec) == CTR_E_NOENT)
		return 0;
	int n = json_object_get_int(json_object_object_get(rec, "refs"));
	json_object_put(rec);
	return n;
}

static const char *lookup(const char *ref)
{
	static char id[65];
	int r = ctri_image_lookup(s, ref, id, NULL, NULL);

	return r == 0 ? id : r == CTR_E_NOENT ? "noent" : "error";
}

static size_t n_names(const char *id)
{
	json_object *rec = NULL;
	char got[65];

	ck_assert_int_eq(ctri_image_lookup(s, id, got, NULL, &rec), 0);
	size_t n = json_object_array_length(json_object_object_get(rec, "names"));
	json_object_put(rec);
	return n;
}

START_TEST(test_lookup_by_name_id_and_prefix)
{
	static const char *const names[] = { "bb:1", "localhost/x/y:2", NULL };

	put(ID1, "a,b", names);
	ck_assert_str_eq(lookup("bb:1"), ID1);
	ck_assert_str_eq(lookup("localhost/x/y:2"), ID1);
	ck_assert_str_eq(lookup(ID1), ID1);
	ck_assert_str_eq(lookup("111111111111"), ID1);
	ck_assert_str_eq(lookup("bb"), "noent"); /* bb:latest */
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "no such image: bb"));
	put(ID3, "a", NULL);
	ck_assert_int_eq(ctri_image_lookup(s, "111111111111", (char[65]){ 0 }, NULL, NULL),
			 CTR_E_INVAL); /* ambiguous */
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "ambiguous"));
	ck_assert_str_eq(lookup("1111111111119"), ID3);
	ck_assert_int_eq(ctri_image_lookup(s, "Bad Ref", (char[65]){ 0 }, NULL, NULL), CTR_E_INVAL);
	ck_assert_int_eq(ctri_image_lookup(s, "abc", (char[65]){ 0 }, NULL, NULL), CTR_E_NOENT);
}
END_TEST

START_TEST(test_shared_layers_are_counted_and_freed_with_the_last_image)
{
	char **unused = NULL;

	put(ID1, "a,b", NULL);
	put(ID2, "a,c", NULL);
	ck_assert_int_eq(refs("a"), 2);
	ck_assert_int_eq(refs("b"), 1);
	put(ID1, "a,b", NULL); /* again: no new references */
	ck_assert_int_eq(refs("a"), 2);
	ck_assert_int_eq(ctri_store_begin(s), 0);
	ck_assert_int_eq(ctri_image_record_delete(s, ID1, &unused), 0);
	ck_assert_int_eq(ctri_store_commit(s), 0);
	ck_assert_int_eq(ctri_strv_len((const char *const *)unused), 1);
	ck_assert_str_eq(unused[0], "b");
	ctri_strv_free(unused);
	ck_assert_int_eq(refs("a"), 1);
	ck_assert_int_eq(ctri_layer_recorded(s, "b"), 0);
	ck_assert_int_eq(ctri_store_begin(s), 0);
	ck_assert_int_eq(ctri_image_record_delete(s, ID2, &unused), 0);
	ck_assert_int_eq(ctri_store_commit(s), 0);
	ck_assert_int_eq(ctri_strv_len((const char *const *)unused), 2);
	ctri_strv_free(unused);
	ck_assert_int_eq(ctri_layer_recorded(s, "a"), 0);
	char **ids = NULL;
	size_t n = 9;
	ck_assert_int_eq(ctri_image_ids(s, &ids, &n), 0);
	ck_assert_int_eq(n, 0);
	ctri_strv_free(ids);
}
END_TEST

START_TEST(test_names_move_between_images_and_untag_keeps_the_others)
{
	static const char *const one[] = { "bb:1", "keep:1", NULL };
	static const char *const two[] = { "bb:1", NULL };

	put(ID1, "a", one);
	put(ID2, "a", two); /* bb:1 moves to ID2 */
	ck_assert_str_eq(lookup("bb:1"), ID2);
	ck_assert_int_eq(n_names(ID1), 1);
	ck_assert_int_eq(ctri_store_begin(s), 0);
	ck_assert_int_eq(ctri_image_record_tag(s, ID1, "extra:3"), 0);
	ck_assert_int_eq(ctri_store_commit(s), 0);
	ck_assert_str_eq(lookup("extra:3"), ID1);
	ck_assert_int_eq(n_names(ID1), 2);
	ck_assert_int_eq(ctri_store_begin(s), 0);
	ck_assert_int_eq(ctri_image_record_untag(s, ID1, "extra:3"), 0);
	ck_assert_int_eq(ctri_store_commit(s), 0);
	ck_assert_str_eq(lookup("extra:3"), "noent");
	ck_assert_str_eq(lookup("keep:1"), ID1);
	ck_assert_int_eq(n_names(ID1), 1);
	char **ids = NULL;
	size_t n = 0;
	ck_assert_int_eq(ctri_image_ids(s, &ids, &n), 0);
	ck_assert_int_eq(n, 2);
	ctri_strv_free(ids);
}
END_TEST

START_TEST(test_a_layer_record_keeps_the_size_it_was_first_recorded_with)
{
	long long size = -1;

	ck_assert_int_eq(ctri_layer_recorded_size(s, "a", &size), 0); /* no record */
	ck_assert_int_eq(size, -1);
	put(ID1, "a,b", NULL);
	ck_assert_int_eq(ctri_layer_recorded_size(s, "b", &size), 1);
	ck_assert_int_eq(size, 20);
	put(ID2, "c,b", NULL); /* b is recorded already: its size stays */
	ck_assert_int_eq(ctri_layer_recorded_size(s, "b", &size), 1);
	ck_assert_int_eq(size, 20);

	/* a record of no size, as written before sizes were kept: read, size unknown */
	json_object *old = json_tokener_parse("{\"refs\":1}");
	ck_assert_int_eq(ctri_store_put(s, CTRI_KEY_LAYER "d", old, 0), 0);
	json_object_put(old);
	size = -1;
	ck_assert_int_eq(ctri_layer_recorded_size(s, "d", &size), 0);
	ck_assert_int_eq(size, -1);
	ck_assert_int_eq(ctri_layer_recorded(s, "d"), 1);
	put(ID3, "d", NULL); /* the next image to record it gives it its size */
	ck_assert_int_eq(ctri_layer_recorded_size(s, "d", &size), 1);
	ck_assert_int_eq(size, 10);
	ck_assert_int_eq(refs("d"), 2);
}
END_TEST

Suite *suite_image_record(void)
{
	Suite *s_ = suite_create("image_record");
	TCase *tc = tcase_create("image_record");

	tu_add_fixtures(tc, NULL);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_lookup_by_name_id_and_prefix);
	tcase_add_test(tc, test_shared_layers_are_counted_and_freed_with_the_last_image);
	tcase_add_test(tc, test_names_move_between_images_and_untag_keeps_the_others);
	tcase_add_test(tc, test_a_layer_record_keeps_the_size_it_was_first_recorded_with);
	suite_add_tcase(s_, tc);
	return s_;
}
