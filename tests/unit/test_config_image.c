/* Containers from images, without an image store: ctr_config_set_image and
 * ctr_config_set_entrypoint, the JSON form, signal names, and how an image record's
 * defaults combine with what the config sets (ctri_config_apply_image). */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctr/ctr.h"
#include "tests.h"
#include "testutil.h"
#include "util.h"

#define ID "0000000000000000000000000000000000000000000000000000000000000000"

static ctr_config_t *cfg;
static char *layers; /* holds the layer directories a and b of record() */

static void setup(void)
{
	char *a = tu_path("layers/a"), *b = tu_path("layers/b");

	ck_assert_int_eq(ctr_config_new(&cfg), 0);
	ck_assert_int_eq(ctri_mkdir_p(a, 0700), 0);
	ck_assert_int_eq(ctri_mkdir_p(b, 0700), 0);
	free(a);
	free(b);
	free(layers);
	layers = tu_path("layers");
}

static void teardown(void)
{
	ctr_config_free(cfg);
	cfg = NULL;
	free(layers);
	layers = NULL;
}

/* An image record as image.c writes it, its layers a and b in the directory layers. */
static json_object *record(const char *config_json)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "{\"id\":\"%064d\",\"names\":[\"bb:1\"],\"layers\":[\"a\",\"b\"],\"config\":%s}",
		 0, config_json);
	json_object *o = json_tokener_parse(text);
	ck_assert_ptr_nonnull(o);
	return o;
}

static const char *full =
    "{\"env\":[\"PATH=/bin\",\"FOO=bar\"],\"entrypoint\":[\"/bin/sh\",\"-c\"],"
    "\"cmd\":[\"echo hi\"],\"working_dir\":\"/data\",\"user\":\"app\","
    "\"stop_signal\":\"SIGUSR1\",\"labels\":{\"a\":\"image\",\"b\":\"image\"},"
    "\"exposed_ports\":[\"8080/tcp\"]}";

/* cfg after applying the image, as its JSON form (json_object_put it). */
static json_object *applied(const char *config_json)
{
	json_object *rec = record(config_json), *o = NULL;
	int r = ctri_config_apply_image(cfg, rec, layers);

	json_object_put(rec);
	ck_assert_msg(r == 0, "apply: %s", ctr_last_error());
	ck_assert_int_eq(ctri_config_to_object(cfg, &o), 0);
	return o;
}

static const char *str(json_object *o, const char *key)
{
	json_object *v = NULL;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
	return json_object_get_string(v);
}

static const char *at(json_object *o, const char *key, size_t i)
{
	json_object *v = NULL;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
	return json_object_get_string(json_object_array_get_idx(v, i));
}

static size_t len(json_object *o, const char *key)
{
	json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) ? json_object_array_length(v) : 0;
}

START_TEST(test_the_image_supplies_every_default)
{
	ck_assert_int_eq(ctr_config_set_image(cfg, "bb:1"), 0);
	json_object *o = applied(full);

	ck_assert_int_eq(len(o, "layers"), 2);
	ck_assert_str_eq(at(o, "args", 0), "/bin/sh");
	ck_assert_str_eq(at(o, "args", 1), "-c");
	ck_assert_str_eq(at(o, "args", 2), "echo hi");
	ck_assert_int_eq(len(o, "env"), 2);
	ck_assert_str_eq(str(o, "cwd"), "/data");
	ck_assert_str_eq(str(o, "user"), "app");
	ck_assert_int_eq(json_object_get_int(json_object_object_get(o, "stop_signal")), SIGUSR1);
	ck_assert_ptr_null(json_object_object_get(o, "image")); /* a layered config now */
	ck_assert_str_eq(str(o, "image_id"), ID);          /* that remembers its image */
	ck_assert_str_eq(str(json_object_object_get(o, "labels"), "a"), "image");
	json_object_put(o);
}
END_TEST

START_TEST(test_what_the_config_sets_wins)
{
	static const char *const args[] = { "echo mine", NULL };
	static const char *const env[] = { "FOO=mine", "NEW=1", NULL };

	ck_assert_int_eq(ctr_config_set_image(cfg, "bb:1"), 0);
	ck_assert_int_eq(ctr_config_set_args(cfg, args), 0);
	ck_assert_int_eq(ctr_config_set_env(cfg, env), 0);
	ck_assert_int_eq(ctr_config_set_cwd(cfg, "/tmp"), 0);
	ck_assert_int_eq(ctr_config_set_user(cfg, "0:0"), 0);
	ck_assert_int_eq(ctr_config_set_stop_signal(cfg, SIGTERM), 0);
	ck_assert_int_eq(ctr_config_set_label(cfg, "a", "config"), 0);
	json_object *o = applied(full);

	/* args replace the cmd only */
	ck_assert_int_eq(len(o, "args"), 3);
	ck_assert_str_eq(at(o, "args", 2), "echo mine");
	/* env: the image's order, the config's values, then the config's new keys */
	ck_assert_int_eq(len(o, "env"), 3);
	ck_assert_str_eq(at(o, "env", 0), "PATH=/bin");
	ck_assert_str_eq(at(o, "env", 1), "FOO=mine");
	ck_assert_str_eq(at(o, "env", 2), "NEW=1");
	ck_assert_str_eq(str(o, "cwd"), "/tmp");
	ck_assert_str_eq(str(o, "user"), "0:0");
	/* SIGTERM set explicitly beats the image's SIGUSR1 */
	ck_assert_int_eq(json_object_get_int(json_object_object_get(o, "stop_signal")), SIGTERM);
	json_object *labels = json_object_object_get(o, "labels");
	ck_assert_str_eq(str(labels, "a"), "config");
	ck_assert_str_eq(str(labels, "b"), "image");
	json_object_put(o);
}
END_TEST

START_TEST(test_an_entrypoint_drops_the_image_cmd)
{
	static const char *const entry[] = { "/bin/echo", NULL };
	static const char *const args[] = { "x", "y", NULL };

	ck_assert_int_eq(ctr_config_set_image(cfg, "bb:1"), 0);
	ck_assert_int_eq(ctr_config_set_entrypoint(cfg, entry), 0);
	json_object *o = applied(full);
	ck_assert_int_eq(len(o, "args"), 1);
	ck_assert_str_eq(at(o, "args", 0), "/bin/echo");
	json_object_put(o);
	teardown();
	setup();
	ck_assert_int_eq(ctr_config_set_image(cfg, "bb:1"), 0);
	ck_assert_int_eq(ctr_config_set_entrypoint(cfg, entry), 0);
	ck_assert_int_eq(ctr_config_set_args(cfg, args), 0);
	o = applied(full);
	ck_assert_int_eq(len(o, "args"), 3);
	ck_assert_str_eq(at(o, "args", 2), "y");
	json_object_put(o);
}
END_TEST

START_TEST(test_an_image_without_a_command_or_with_a_bad_signal_is_refused)
{
	ck_assert_int_eq(ctr_config_set_image(cfg, "bb:1"), 0);
	json_object *rec = record("{\"env\":[],\"entrypoint\":[],\"cmd\":[]}");
	ck_assert_int_eq(ctri_config_apply_image(cfg, rec, layers), CTR_E_INVAL);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "no entrypoint or cmd"));
	json_object_put(rec);
	rec = record("{\"cmd\":[\"/bin/true\"],\"stop_signal\":\"SIGNOPE\"}");
	ck_assert_int_eq(ctri_config_apply_image(cfg, rec, layers), CTR_E_INVAL);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "SIGNOPE"));
	json_object_put(rec);
}
END_TEST

START_TEST(test_signal_names)
{
	ck_assert_int_eq(ctri_signal_parse("SIGUSR1"), SIGUSR1);
	ck_assert_int_eq(ctri_signal_parse("USR1"), SIGUSR1);
	ck_assert_int_eq(ctri_signal_parse("9"), 9);
	ck_assert_int_eq(ctri_signal_parse("SIGRTMIN+3"), SIGRTMIN + 3);
	ck_assert_int_eq(ctri_signal_parse("RTMAX-1"), SIGRTMAX - 1);
	ck_assert_int_eq(ctri_signal_parse("RTMAX"), SIGRTMAX);
	ck_assert_int_eq(ctri_signal_parse("0"), -1);
	ck_assert_int_eq(ctri_signal_parse("65"), -1);
	ck_assert_int_eq(ctri_signal_parse("SIGFOO"), -1);
	ck_assert_int_eq(ctri_signal_parse("RTMIN+99"), -1);
	ck_assert_int_eq(ctri_signal_parse(""), -1);
}
END_TEST

START_TEST(test_setters_check_and_the_json_form_keeps_them)
{
	static const char *const entry[] = { "/bin/sh", "-c", NULL };
	static const char *const empty[] = { NULL };
	static const char *const blank[] = { "", NULL };
	ctr_config_t *back = NULL;
	char *text = NULL;

	ck_assert_int_eq(ctr_config_set_image(NULL, "bb"), CTR_E_INVAL);
	ck_assert_int_eq(ctr_config_set_image(cfg, NULL), CTR_E_INVAL);
	ck_assert_int_eq(ctr_config_set_image(cfg, "Not Valid"), CTR_E_INVAL);
	ck_assert_int_eq(ctr_config_set_entrypoint(cfg, NULL), CTR_E_INVAL);
	ck_assert_int_eq(ctr_config_set_entrypoint(cfg, empty), CTR_E_INVAL);
	ck_assert_int_eq(ctr_config_set_entrypoint(cfg, blank), CTR_E_INVAL);
	ck_assert_int_eq(ctr_config_set_image(cfg, "0123456789ab"), 0); /* an id prefix */
	ck_assert_int_eq(ctr_config_set_image(cfg, "localhost:5000/a/b:1.0"), 0);
	ck_assert_int_eq(ctr_config_set_entrypoint(cfg, entry), 0);
	ck_assert_int_eq(ctr_config_to_json(cfg, &text), 0);
	ck_assert_ptr_null(strstr(text, "stop_signal")); /* the image's applies */
	ck_assert_int_eq(ctr_config_from_json(text, &back), 0);
	ck_assert_str_eq(ctri_config_image(back), "localhost:5000/a/b:1.0");
	free(text);
	text = NULL;
	ck_assert_int_eq(ctr_config_to_json(back, &text), 0);
	ck_assert_ptr_nonnull(strstr(text, "\"entrypoint\":[\"/bin/sh\",\"-c\"]"));
	free(text);
	ctr_config_free(back);
}
END_TEST

START_TEST(test_an_image_excludes_a_rootfs_and_layers_and_an_entrypoint_needs_one)
{
	static const char *const entry[] = { "/bin/sh", NULL };

	ck_assert_int_eq(ctr_config_set_image(cfg, "bb"), 0);
	ck_assert_int_eq(ctri_config_check(cfg), 0); /* no args needed: the image has them */
	ck_assert_int_eq(ctr_config_set_rootfs(cfg, "/"), 0);
	ck_assert_int_eq(ctri_config_check(cfg), CTR_E_INVAL);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "both an image and a rootfs"));
	teardown();
	setup();
	ck_assert_int_eq(ctr_config_set_entrypoint(cfg, entry), 0);
	ck_assert_int_eq(ctr_config_set_rootfs(cfg, "/"), 0);
	ck_assert_int_eq(ctri_config_check(cfg), CTR_E_INVAL);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "entrypoint"));
	/* an image_id goes with layers only, and must be an id */
	teardown();
	setup();
	ck_assert_int_eq(ctri_config_set_image_id(cfg, "abc"), CTR_E_INVAL);
	ck_assert_int_eq(ctri_config_set_image_id(cfg, ID), 0);
	ck_assert_int_eq(ctr_config_set_rootfs(cfg, "/"), 0);
	ck_assert_int_eq(ctri_config_check(cfg), CTR_E_INVAL);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "image_id"));
}
END_TEST

Suite *suite_config_image(void)
{
	Suite *s = suite_create("config_image");
	TCase *tc = tcase_create("config_image");

	tu_add_fixtures(tc, NULL);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_the_image_supplies_every_default);
	tcase_add_test(tc, test_what_the_config_sets_wins);
	tcase_add_test(tc, test_an_entrypoint_drops_the_image_cmd);
	tcase_add_test(tc, test_an_image_without_a_command_or_with_a_bad_signal_is_refused);
	tcase_add_test(tc, test_signal_names);
	tcase_add_test(tc, test_setters_check_and_the_json_form_keeps_them);
	tcase_add_test(tc, test_an_image_excludes_a_rootfs_and_layers_and_an_entrypoint_needs_one);
	suite_add_tcase(s, tc);
	return s;
}
