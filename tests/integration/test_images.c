/* Images with real runc, on the images tests/fixtures/mkimages.sh makes offline with umoci,
 * skopeo and podman (CTR_TEST_IMAGES): import of each format, what a container from an
 * image sees (env, cwd, user, a whiteout, an opaque directory), shared layers, the removal
 * rules, bad input, and a killed importer. Pulls are in test_image_pull.c. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image_test.h"
#include "itest.h"
#include "util.h"

const char *img_fixture(const char *leaf)
{
	static __thread char path[PATH_MAX];
	const char *dir = getenv("CTR_TEST_IMAGES");

	ck_assert_msg(dir && *dir, "CTR_TEST_IMAGES is not set (tests/fixtures/mkimages.sh)");
	snprintf(path, sizeof(path), "%s/%s", dir, leaf);
	ck_assert_msg(access(path, F_OK) == 0, "fixture %s is missing", path);
	return path;
}

char *img_import(ctr_runtime_t *rt, const char *leaf, const char *name)
{
	CTR_OPTS(ctr_image_import_opts_t, o, .name = name);
	char *id = NULL;

	IT_OK(ctr_image_import(rt, img_fixture(leaf), &o, &id));
	ck_assert_int_eq(strlen(id), 64);
	return id;
}

json_object *img_inspect(ctr_runtime_t *rt, const char *ref)
{
	char *text = NULL;

	IT_OK(ctr_image_inspect(rt, ref, &text));
	json_object *o = json_tokener_parse(text);
	ck_assert_msg(o != NULL, "not JSON: %s", text);
	free(text);
	return o;
}

int img_count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

int img_layer_dirs(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/state/layers", it_base());
	return img_count_dir(path);
}

int img_tmp_entries(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/state/images/tmp", it_base());
	return img_count_dir(path);
}

size_t img_count(ctr_runtime_t *rt)
{
	char **ids = NULL;
	size_t n = 99;

	IT_OK(ctr_image_list(rt, &ids, &n));
	ctr_strv_free(ids);
	return n;
}

static const char *str_at(json_object *o, const char *path0, const char *path1)
{
	json_object *v = NULL;

	ck_assert_msg(json_object_object_get_ex(o, path0, &v), "no %s", path0);
	if (path1)
		ck_assert_msg(json_object_object_get_ex(v, path1, &v), "no %s.%s", path0, path1);
	return json_object_get_string(v);
}

/* it_base()/io, writable by the image's user (app, 1234). */
static const char *shared_dir(char *buf, size_t len)
{
	snprintf(buf, len, "%s/io", it_base());
	ck_assert_int_eq(chmod(buf, 0777), 0);
	return buf;
}

/* A container from image ref running script through the image's entrypoint (sh -c), with
 * it_base()/io at /shared. */
static ctr_container_t *from_image(const char *ref, const char *script)
{
	const char *const args[] = { script, NULL };
	char shared[PATH_MAX];
	ctr_config_t *cfg = NULL;

	shared_dir(shared, sizeof(shared));
	IT_OK(ctr_config_new(&cfg));
	IT_OK(ctr_config_set_image(cfg, ref));
	if (script)
		IT_OK(ctr_config_set_args(cfg, args));
	IT_OK(ctr_config_add_mount(cfg, shared, "/shared", NULL, NULL));
	return it_create(it_rt, cfg);
}

static char *io_file(const char *leaf)
{
	char path[PATH_MAX], *text = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/io/%s", it_base(), leaf);
	if (ctri_read_file(path, 1 << 16, &text, &len) < 0)
		return strdup("(missing)");
	while (len && text[len - 1] == '\n')
		text[--len] = '\0';
	return text;
}

static void assert_io(const char *leaf, const char *want)
{
	char *got = io_file(leaf);

	ck_assert_msg(!strcmp(got, want), "/shared/%s: \"%s\", expected \"%s\"", leaf, got, want);
	free(got);
}

START_TEST(test_an_oci_layout_imports_with_its_config)
{
	char *id = img_import(it_rt, "oci", NULL);
	json_object *o = img_inspect(it_rt, id);

	ck_assert_str_eq(str_at(o, "id", NULL), id);
	ck_assert_int_eq(json_object_array_length(json_object_object_get(o, "names")), 0);
	ck_assert_int_eq(json_object_array_length(json_object_object_get(o, "layers")), 3);
	ck_assert_int_gt(json_object_get_int64(json_object_object_get(o, "size")), 0);
	ck_assert_str_eq(str_at(o, "config", "working_dir"), "/data");
	ck_assert_str_eq(str_at(o, "config", "user"), "app");
	ck_assert_str_eq(str_at(o, "config", "stop_signal"), "SIGUSR1");
	json_object *cfg = json_object_object_get(o, "config");
	ck_assert_str_eq(
	    json_object_get_string(json_object_array_get_idx(
		json_object_object_get(cfg, "exposed_ports"), 0)),
	    "8080/tcp");
	ck_assert_str_eq(
	    json_object_get_string(json_object_object_get(
		json_object_object_get(cfg, "labels"), "org.example.test")),
	    "yes");
	ck_assert_int_eq(img_layer_dirs(), 3);
	ck_assert_int_eq(img_tmp_entries(), 0);
	/* by a unique prefix of 12 */
	char prefix[13];
	snprintf(prefix, sizeof(prefix), "%.12s", id);
	json_object_put(img_inspect(it_rt, prefix));
	json_object_put(o);
	free(id);
}
END_TEST

START_TEST(test_a_container_sees_the_image_env_cwd_user_whiteout_and_opaque_dir)
{
	char *id = img_import(it_rt, "oci", "bb");
	ctr_container_t *c = from_image(
	    "bb", "id -u > /shared/uid; id -g > /shared/gid; pwd > /shared/cwd; "
		  "echo \"$FOO\" > /shared/foo; ls /data/opq | tr '\\n' ' ' > /shared/opq; "
		  "test -e /data/gone && echo present > /shared/gone || echo absent > /shared/gone");

	IT_OK(ctr_start(c, 0));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	assert_io("uid", "1234");
	assert_io("gid", "2345");
	assert_io("cwd", "/data");
	assert_io("foo", "bar");
	assert_io("opq", "c ");
	assert_io("gone", "absent");

	char *text = NULL;
	IT_OK(ctr_inspect(c, &text));
	json_object *o = json_tokener_parse(text);
	ck_assert_str_eq(str_at(o, "image", "id"), id);
	ck_assert_str_eq(str_at(o, "image", "ref"), "bb");
	json_object *cfg = json_object_object_get(o, "config");
	ck_assert_int_eq(json_object_get_int(json_object_object_get(cfg, "stop_signal")), SIGUSR1);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(
			     json_object_object_get(cfg, "labels"), "org.example.test")),
			 "yes");
	json_object_put(o);
	free(text);
	IT_OK(ctr_remove(c, CTR_FORCE));
	ctr_container_free(c);
	free(id);
}
END_TEST

START_TEST(test_the_image_cmd_runs_by_default_and_config_env_wins)
{
	char *id = img_import(it_rt, "oci", "bb");
	const char *const env[] = { "FOO=mine", "EXTRA=1", NULL };
	const char *const entry[] = { "/bin/sh", "-c", "echo \"$FOO $EXTRA $PATH\" > /shared/env",
				      NULL };
	char shared[PATH_MAX];
	ctr_config_t *cfg = NULL;

	/* the image's own cmd: "echo hello from $FOO" exits 0 */
	ctr_container_t *c = from_image(id, NULL);
	IT_OK(ctr_start(c, 0));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	IT_OK(ctr_remove(c, CTR_FORCE));
	ctr_container_free(c);

	/* an entrypoint of the config drops the image's cmd; env: the config's entries win */
	shared_dir(shared, sizeof(shared));
	IT_OK(ctr_config_new(&cfg));
	IT_OK(ctr_config_set_image(cfg, "bb:latest"));
	IT_OK(ctr_config_set_entrypoint(cfg, entry));
	IT_OK(ctr_config_set_env(cfg, env));
	IT_OK(ctr_config_add_mount(cfg, shared, "/shared", NULL, NULL));
	c = it_create(it_rt, cfg);
	IT_OK(ctr_start(c, 0));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	assert_io("env", "mine 1 /bin:/usr/bin");
	IT_OK(ctr_remove(c, CTR_FORCE));
	ctr_container_free(c);
	free(id);
}
END_TEST

START_TEST(test_every_archive_format_imports)
{
	static const char *const leaves[] = { "oci-zstd", "oci-plain", "bb-oci.tar",
					      "bb-docker.tar", "podman.tar" };
	char *first = img_import(it_rt, "oci", NULL);

	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		char *id = img_import(it_rt, leaves[i], NULL);
		json_object *o = img_inspect(it_rt, id);
		ck_assert_int_gt(json_object_array_length(json_object_object_get(o, "layers")), 0);
		json_object_put(o);
		free(id);
	}
	/* the docker-archives carry their names */
	json_object_put(img_inspect(it_rt, "localhost/bb:1.0"));
	json_object_put(img_inspect(it_rt, "localhost/imported:1"));
	/* oci-zstd and oci-plain are the oci image (one config): one id, its three layers
	 * unpacked once */
	json_object *o = img_inspect(it_rt, first);
	ck_assert_int_eq(json_object_array_length(json_object_object_get(o, "layers")), 3);
	json_object_put(o);
	ck_assert_int_eq(img_tmp_entries(), 0);
	free(first);
}
END_TEST

START_TEST(test_importing_an_image_again_unpacks_and_measures_nothing)
{
	char *a = img_import(it_rt, "oci", NULL), *b, path[PATH_MAX], big[PATH_MAX + 16];
	json_object *o = img_inspect(it_rt, a);
	long long size = json_object_get_int64(json_object_object_get(o, "size"));
	static char data[1 << 20];
	struct stat before, after;

	snprintf(path, sizeof(path), "%s/state/layers/%s", it_base(),
		 json_object_get_string(
		     json_object_array_get_idx(json_object_object_get(o, "layers"), 0)));
	ck_assert_int_eq(stat(path, &before), 0);
	/* a layer that grew on disk: the sizes come from the layer records, not a walk */
	snprintf(big, sizeof(big), "%s/extra", path);
	IT_OK(ctri_write_file(big, data, sizeof(data), 0600, 0));
	b = img_import(it_rt, "oci-zstd", "again:2");
	ck_assert_str_eq(a, b);
	ck_assert_int_eq(stat(path, &after), 0);
	ck_assert_int_eq(before.st_ino, after.st_ino);
	ck_assert_int_eq(img_count(it_rt), 1);
	json_object_put(o);
	o = img_inspect(it_rt, "again:2");
	ck_assert_str_eq(str_at(o, "id", NULL), a);
	ck_assert_int_eq(json_object_get_int64(json_object_object_get(o, "size")), size);
	json_object_put(o);
	ck_assert_int_eq(unlink(big), 0);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_a_recorded_layer_whose_directory_went_missing_is_unpacked_again)
{
	char *a = img_import(it_rt, "oci", NULL), *b, path[PATH_MAX];
	json_object *o = img_inspect(it_rt, a);
	long long size = json_object_get_int64(json_object_object_get(o, "size"));

	snprintf(path, sizeof(path), "%s/state/layers/%s", it_base(),
		 json_object_get_string(
		     json_object_array_get_idx(json_object_object_get(o, "layers"), 1)));
	json_object_put(o);
	IT_OK(ctri_rm_rf(path));
	b = img_import(it_rt, "oci", NULL);
	ck_assert_str_eq(a, b);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert_int_eq(img_layer_dirs(), 3);
	o = img_inspect(it_rt, a);
	ck_assert_int_eq(json_object_get_int64(json_object_object_get(o, "size")), size);
	json_object_put(o);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_a_multi_image_archive_gives_each_image_its_names)
{
	CTR_OPTS(ctr_image_import_opts_t, named, .name = "one:1");
	char *id = img_import(it_rt, "multi", NULL), *none = NULL;

	ck_assert_int_eq(img_count(it_rt), 2);
	json_object *o = img_inspect(it_rt, "localhost/bb:1.0");
	ck_assert_str_eq(str_at(o, "id", NULL), id); /* the first image's id */
	json_object_put(o);
	json_object_put(img_inspect(it_rt, "localhost/imported:1"));
	IT_FAILS(ctr_image_import(it_rt, img_fixture("podman-multi.tar"), &named, &none), CTR_E_INVAL);
	ck_assert_ptr_null(none);
	free(id);
	id = img_import(it_rt, "podman-multi.tar", NULL);
	json_object_put(img_inspect(it_rt, "localhost/other:2"));
	free(id);
}
END_TEST

START_TEST(test_layers_are_shared_and_removed_with_the_last_image)
{
	char *id = img_import(it_rt, "podman-multi.tar", NULL);
	int layers = img_layer_dirs();

	ck_assert_int_eq(img_count(it_rt), 2);
	ck_assert_int_eq(layers, 1); /* two configs on one layer */
	IT_OK(ctr_image_remove(it_rt, "localhost/imported:1", 0));
	ck_assert_int_eq(img_layer_dirs(), 1);
	IT_FAILS(ctr_image_inspect(it_rt, "localhost/imported:1", &(char *){ NULL }), CTR_E_NOENT);
	IT_OK(ctr_image_remove(it_rt, "localhost/other:2", 0));
	ck_assert_int_eq(img_layer_dirs(), 0);
	ck_assert_int_eq(img_count(it_rt), 0);
	free(id);
}
END_TEST

/* Whether it_base()/state/rel exists. */
static int in_state(const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/state/%s", it_base(), rel);
	return access(path, F_OK) == 0;
}

START_TEST(test_only_imports_make_the_work_and_layer_directories)
{
	ctr_config_t *cfg = NULL;
	ctr_container_t *c = NULL;

	/* a fresh state directory: the image lock is all a tag or a create makes */
	IT_FAILS(ctr_image_tag(it_rt, "nothing", "x"), CTR_E_NOENT);
	IT_OK(ctr_config_new(&cfg));
	IT_OK(ctr_config_set_image(cfg, "nothing:here"));
	IT_FAILS(ctr_create(it_rt, cfg, &c), CTR_E_NOENT);
	ctr_config_free(cfg);
	ck_assert(in_state("images/lock"));
	ck_assert(!in_state("images/tmp"));
	ck_assert(!in_state("layers"));
	char *id = img_import(it_rt, "oci", "bb");
	ck_assert(in_state("images/tmp") && in_state("layers"));
	/* a container from the image writes no work directory */
	ck_assert_int_eq(img_tmp_entries(), 0);
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s/state/images/tmp", it_base());
	ck_assert_int_eq(rmdir(tmp), 0);
	c = from_image("bb", NULL);
	ck_assert(!in_state("images/tmp"));
	IT_OK(ctr_remove(c, CTR_FORCE));
	ctr_container_free(c);
	/* a removal deleting layers makes what it renames them into */
	IT_OK(ctr_image_remove(it_rt, id, 0));
	ck_assert_int_eq(img_layer_dirs(), 0);
	ck_assert_int_eq(img_tmp_entries(), 0);
	free(id);
}
END_TEST

START_TEST(test_removal_rules_busy_names_and_tags)
{
	char *id = img_import(it_rt, "oci", "bb");
	ctr_container_t *c = from_image("bb", "true"), *c2 = from_image("bb", "true");

	IT_OK(ctr_image_tag(it_rt, "bb", "second:tag"));
	/* a shared name: only that name goes */
	IT_OK(ctr_image_remove(it_rt, "second:tag", 0));
	IT_FAILS(ctr_image_inspect(it_rt, "second:tag", &(char *){ NULL }), CTR_E_NOENT);
	json_object_put(img_inspect(it_rt, "bb"));
	/* the last name of an image two containers use */
	IT_FAILS(ctr_image_remove(it_rt, "bb", 0), CTR_E_BUSY);
	ck_assert_msg(strstr(ctr_last_error(), ctr_name(c)) || strstr(ctr_last_error(), ctr_name(c2)),
		      "the message names no container: %s", ctr_last_error());
	IT_OK(ctr_start(c, 0));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0); /* both containers share the layers */
	IT_OK(ctr_start(c2, 0));
	ck_assert_int_eq(it_wait(c2, IT_GUARD_MS), 0);
	IT_OK(ctr_remove(c, CTR_FORCE));
	IT_FAILS(ctr_image_remove(it_rt, id, 0), CTR_E_BUSY);
	IT_SAYS(ctr_name(c2));
	/* a container made from c2's stored config (as ctr_import makes one from a checkpoint
	 * archive) holds the image too */
	char *text = NULL;
	IT_OK(ctr_inspect(c2, &text));
	json_object *o = json_tokener_parse(text), *stored = NULL;
	ck_assert(json_object_object_get_ex(o, "config", &stored));
	json_object_object_add(stored, "name", json_object_new_string("from-stored"));
	ctr_config_t *cfg = NULL;
	IT_OK(ctr_config_from_json(json_object_to_json_string(stored), &cfg));
	json_object_put(o);
	ctr_free(text);
	ctr_container_t *c3 = it_create(it_rt, cfg);
	IT_OK(ctr_remove(c2, CTR_FORCE));
	IT_FAILS(ctr_image_remove(it_rt, id, 0), CTR_E_BUSY);
	IT_SAYS("from-stored");
	IT_OK(ctr_remove(c3, CTR_FORCE));
	ctr_container_free(c3);
	IT_OK(ctr_image_remove(it_rt, id, 0));
	ck_assert_int_eq(img_layer_dirs(), 0);
	IT_FAILS(ctr_image_remove(it_rt, id, 0), CTR_E_NOENT);
	ctr_container_free(c);
	ctr_container_free(c2);
	free(id);
}
END_TEST

START_TEST(test_bad_references_and_unknown_images)
{
	ctr_config_t *cfg = NULL;
	ctr_container_t *c = NULL;

	IT_FAILS(ctr_image_inspect(it_rt, "nothing:here", &(char *){ NULL }), CTR_E_NOENT);
	IT_SAYS("nothing:here");
	IT_FAILS(ctr_image_tag(it_rt, "nothing", "x"), CTR_E_NOENT);
	IT_FAILS(ctr_image_remove(it_rt, "nothing", 0), CTR_E_NOENT);
	IT_OK(ctr_config_new(&cfg));
	IT_FAILS(ctr_config_set_image(cfg, "Bad Name!"), CTR_E_INVAL);
	IT_OK(ctr_config_set_image(cfg, "nothing:here"));
	IT_FAILS(ctr_create(it_rt, cfg, &c), CTR_E_NOENT);
	IT_SAYS("nothing:here");
	IT_OK(ctr_config_set_rootfs(cfg, it_rootfs()));
	IT_FAILS(ctr_create(it_rt, cfg, &c), CTR_E_INVAL); /* an image and a rootfs */
	ctr_config_free(cfg);
	CTR_OPTS(ctr_image_import_opts_t, o, .name = "UPPER/case");
	IT_FAILS(ctr_image_import(it_rt, img_fixture("oci"), &o, NULL), CTR_E_INVAL);
	IT_FAILS(ctr_image_import(it_rt, "/nonexistent/image.tar", NULL, NULL), CTR_E_NOENT);
	char *id = img_import(it_rt, "oci", "bb");
	IT_FAILS(ctr_image_tag(it_rt, "bb", "also bad"), CTR_E_INVAL);
	free(id);
}
END_TEST

Suite *suite_images(void)
{
	Suite *s = suite_create("images");
	TCase *tc = tcase_create("images");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_add_test(tc, test_an_oci_layout_imports_with_its_config);
	tcase_add_test(tc, test_a_container_sees_the_image_env_cwd_user_whiteout_and_opaque_dir);
	tcase_add_test(tc, test_the_image_cmd_runs_by_default_and_config_env_wins);
	tcase_add_test(tc, test_every_archive_format_imports);
	tcase_add_test(tc, test_importing_an_image_again_unpacks_and_measures_nothing);
	tcase_add_test(tc, test_a_recorded_layer_whose_directory_went_missing_is_unpacked_again);
	tcase_add_test(tc, test_a_multi_image_archive_gives_each_image_its_names);
	tcase_add_test(tc, test_layers_are_shared_and_removed_with_the_last_image);
	tcase_add_test(tc, test_only_imports_make_the_work_and_layer_directories);
	tcase_add_test(tc, test_removal_rules_busy_names_and_tags);
	tcase_add_test(tc, test_bad_references_and_unknown_images);
	suite_add_tcase(s, tc);
	return s;
}
