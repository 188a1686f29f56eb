/* Image layers (the config, create, the spec, the overlay and its holders, with real
 * overlay mounts: run as root) and artifacts. */
#include <sys/mount.h>

#include "container_fixture.h"
#include "overlay.h"
#include "spec.h"

/* ---- helpers ------------------------------------------------------------------------- */

/* base/NAME made as a directory holding FILE (may be NULL) with text. Returns the path. */
static char *layer_dir(const char *name, const char *file, const char *text)
{
	char *dir = tu_path(name);

	ck_assert_int_eq(ctri_mkdir_p(dir, 0755), 0);
	if (file) {
		char *path = ctri_strdupf("%s/%s", dir, file);
		ck_assert_int_eq(ctri_write_file(path, text, strlen(text), 0644, 0), 0);
		free(path);
	}
	return dir;
}

static ctr_config_t *layered_config(const char *name, const char *const *layers)
{
	static const char *const args[] = { "/bin/true", NULL };
	ctr_config_t *cfg = NULL;

	ck_assert_int_eq(ctr_config_new(&cfg), 0);
	ck_assert_int_eq(ctr_config_set_args(cfg, args), 0);
	ck_assert_int_eq(ctr_config_set_name(cfg, name), 0);
	for (size_t i = 0; layers[i]; i++)
		ck_assert_msg(ctr_config_add_layer(cfg, layers[i]) == 0, "add_layer %s: %s",
			      layers[i], ctr_last_error());
	return cfg;
}

/* A container over two layers: base/lower (lower.txt, both.txt "lower") and on top of it
 * base/top (upper.txt, both.txt "upper"). */
static ctr_container_t *two_layers(const char *name)
{
	char *lower = layer_dir("lower", "lower.txt", "L");
	char *top = layer_dir("top", "upper.txt", "U");
	char *both_l = ctri_strdupf("%s/both.txt", lower),
	     *both_u = ctri_strdupf("%s/both.txt", top);
	const char *layers[] = { lower, top, NULL };
	ctr_container_t *c = NULL;

	ck_assert_int_eq(ctri_write_file(both_l, "lower", 5, 0644, 0), 0);
	ck_assert_int_eq(ctri_write_file(both_u, "upper", 5, 0644, 0), 0);
	ctr_config_t *cfg = layered_config(name, layers);
	int r = ctr_create(rt, cfg, &c);
	ck_assert_msg(r == 0, "ctr_create: %s", ctr_last_error());
	ctr_config_free(cfg);
	free(both_l);
	free(both_u);
	free(lower);
	free(top);
	return c;
}

static char *bundle_of(ctr_container_t *c, const char *leaf)
{
	char buf[4096];

	ctri_bundle_path(c, leaf, buf, sizeof(buf));
	return strdup(buf);
}

/* How many mounts /proc/self/mountinfo has at path. */
static int mounts_at(const char *path)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[8192], point[4096];
	int n = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1 && !strcmp(point, path))
			n++;
	fclose(f);
	return n;
}

/* 1 if the line of /proc/self/mountinfo for the mount at path holds needle. */
static int mount_line_has(const char *path, const char *needle)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[16384], point[4096];
	int found = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1 && !strcmp(point, path) &&
		    strstr(line, needle))
			found = 1;
	fclose(f);
	return found;
}

static char *read_text(const char *dir, const char *file)
{
	char *path = ctri_strdupf("%s/%s", dir, file), *text = NULL;
	size_t len;

	if (ctri_read_file(path, 1 << 20, &text, &len) < 0)
		text = NULL;
	free(path);
	return text;
}

static void assert_text(const char *dir, const char *file, const char *want)
{
	char *got = read_text(dir, file);

	ck_assert_msg(got && !strcmp(got, want), "%s/%s: \"%s\", expected \"%s\"", dir, file,
		      got ? got : "(unreadable)", want);
	free(got);
}

/* The holders record: count and run, or -1 when there is none. */
static int holds(ctr_container_t *c, int *run)
{
	char key[128];
	json_object *rec = NULL, *v;

	snprintf(key, sizeof(key), "%s%s", CTRI_KEY_MOUNT, ctr_id(c));
	if (ctri_store_get(rt->store, key, &rec) < 0)
		return -1;
	ck_assert(json_object_object_get_ex(rec, "count", &v));
	int count = json_object_get_int(v);
	if (run)
		*run = json_object_object_get_ex(rec, "run", &v) && json_object_get_boolean(v);
	json_object_put(rec);
	return count;
}

/* ---- the config ---------------------------------------------------------------------- */

START_TEST(test_add_layer_refuses_relative_paths_option_syntax_duplicates_and_a_65th)
{
	ctr_config_t *cfg = NULL;
	char path[64];

	ck_assert_int_eq(ctr_config_new(&cfg), 0);
	ck_assert_int_eq(ctr_config_add_layer(cfg, "layers/a"), CTR_E_INVAL);
	assert_msg_has("not an absolute path");
	ck_assert_int_eq(ctr_config_add_layer(cfg, "/a:b"), CTR_E_INVAL);
	assert_msg_has("':' or ','");
	ck_assert_int_eq(ctr_config_add_layer(cfg, "/a,b"), CTR_E_INVAL);
	ck_assert_int_eq(ctr_config_add_layer(cfg, NULL), CTR_E_INVAL);
	assert_msg_has("dir");
	ck_assert_int_eq(ctr_config_add_layer(NULL, "/a"), CTR_E_INVAL);
	for (int i = 0; i < CTRI_LAYERS_MAX; i++) {
		snprintf(path, sizeof(path), "/layers/%d", i);
		ck_assert_int_eq(ctr_config_add_layer(cfg, path), 0);
	}
	ck_assert_int_eq(ctr_config_add_layer(cfg, "/layers/64"), CTR_E_INVAL);
	assert_msg_has("more than 64 layers");
	ctr_config_free(cfg);

	ck_assert_int_eq(ctr_config_new(&cfg), 0);
	ck_assert_int_eq(ctr_config_add_layer(cfg, "/a"), 0);
	ck_assert_int_eq(ctr_config_add_layer(cfg, "/a"), CTR_E_INVAL);
	assert_msg_has("already added");
	ctr_config_free(cfg);
}
END_TEST

START_TEST(test_layers_round_trip_through_json_lowest_first)
{
	ctr_config_t *cfg = NULL, *back = NULL;
	char *json = NULL, *again = NULL;

	ck_assert_int_eq(ctr_config_new(&cfg), 0);
	ck_assert_int_eq(ctr_config_add_layer(cfg, "/img/base"), 0);
	ck_assert_int_eq(ctr_config_add_layer(cfg, "/img/app"), 0);
	ck_assert_int_eq(ctr_config_to_json(cfg, &json), 0);
	ck_assert_msg(has(json, "\"layers\":[\"/img/base\",\"/img/app\"]"), "%s", json);
	ck_assert_int_eq(ctr_config_from_json(json, &back), 0);
	ck_assert_int_eq(ctr_config_to_json(back, &again), 0);
	ck_assert_str_eq(json, again);
	ctr_config_free(back);
	back = NULL;

	/* the same checks as the setter, naming the key */
	ck_assert_int_eq(ctr_config_from_json("{\"layers\":[\"rel\"]}", &back), CTR_E_INVAL);
	assert_msg_has("key \"layers\"");
	assert_msg_has("not an absolute path");
	ck_assert_int_eq(ctr_config_from_json("{\"layers\":\"/a\"}", &back), CTR_E_INVAL);
	ck_assert_int_eq(ctr_config_from_json("{\"layers\":[1]}", &back), CTR_E_INVAL);
	ck_assert_ptr_null(back);
	/* without layers, no "layers" key */
	ctr_free(json);
	ctr_config_free(cfg);
	ck_assert_int_eq(ctr_config_new(&cfg), 0);
	ck_assert_int_eq(ctr_config_to_json(cfg, &json), 0);
	ck_assert_msg(!has(json, "layers"), "%s", json);
	ctr_free(json);
	ctr_free(again);
	ctr_config_free(cfg);
}
END_TEST

/* ---- create and the spec ------------------------------------------------------------- */

START_TEST(test_create_refuses_both_rootfs_and_layers_and_neither)
{
	char *l = layer_dir("l", NULL, NULL);
	const char *layers[] = { l, NULL };
	ctr_config_t *cfg = layered_config("both", layers);
	ctr_container_t *c = NULL;

	ck_assert_int_eq(ctr_config_set_rootfs(cfg, tu_rootfs()), 0);
	ck_assert_int_eq(ctr_create(rt, cfg, &c), CTR_E_INVAL);
	assert_msg_has("both a rootfs and layers");
	assert_msg_has("both");
	ck_assert_ptr_null(c);
	ctr_config_free(cfg);

	const char *none[] = { NULL };
	cfg = layered_config("neither", none);
	ck_assert_int_eq(ctr_create(rt, cfg, &c), CTR_E_INVAL);
	assert_msg_has("rootfs is not set");
	ck_assert_uint_eq(count_list(), 0);
	ctr_config_free(cfg);
	free(l);
}
END_TEST

START_TEST(test_create_refuses_a_missing_layer_or_a_file_as_layer)
{
	char *l = layer_dir("l", "file", "x");
	char *missing = tu_path("missing"), *file = ctri_strdupf("%s/file", l);
	const char *layers1[] = { l, missing, NULL }, *layers2[] = { file, NULL };
	ctr_container_t *c = NULL;
	ctr_config_t *cfg = layered_config("nolayer", layers1);

	ck_assert_int_eq(ctr_create(rt, cfg, &c), CTR_E_INVAL);
	assert_msg_has(missing);
	assert_msg_has("No such file");
	ctr_config_free(cfg);
	cfg = layered_config("filelayer", layers2);
	ck_assert_int_eq(ctr_create(rt, cfg, &c), CTR_E_INVAL);
	assert_msg_has("Not a directory");
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(count_list(), 0);
	ctr_config_free(cfg);
	free(file);
	free(missing);
	free(l);
}
END_TEST

START_TEST(test_create_makes_upper_work_and_merged_and_upper_takes_the_top_layers_mode)
{
	char *top;
	struct stat st;
	ctr_container_t *c;

	top = layer_dir("top", NULL, NULL);
	ck_assert_int_eq(chmod(top, 0751), 0);
	c = two_layers("dirs");
	char *upper = bundle_of(c, "upper"), *work = bundle_of(c, "work"),
	     *merged = bundle_of(c, "merged");
	ck_assert_int_eq(stat(upper, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0751); /* the container's / */
	ck_assert_int_eq(stat(work, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0700);
	ck_assert_int_eq(stat(merged, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0755);
	ck_assert_int_eq(mounts_at(merged), 0); /* created, not mounted */
	ck_assert_int_eq(ctri_rootfs_layered(c, "test"), 1);
	free(upper);
	free(work);
	free(merged);
	free(top);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_spec_root_path_is_the_merged_directory_for_layers)
{
	ctr_container_t *c = two_layers("spec");
	char *spec = bundle_of(c, "config.json"), *merged = bundle_of(c, "merged");
	json_object *o = json_object_from_file(spec), *root, *path;

	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, "root", &root));
	ck_assert(json_object_object_get_ex(root, "path", &path));
	ck_assert_str_eq(json_object_get_string(path), merged);
	json_object_put(o);

	/* without a bundle directory, relative to it */
	char *l = tu_path("lower");
	const char *layers[] = { l, NULL };
	ctr_config_t *cfg = layered_config("rel", layers);
	ck_assert_int_eq(ctri_spec_build(cfg, "someid", &o), 0);
	ck_assert(json_object_object_get_ex(o, "root", &root));
	ck_assert(json_object_object_get_ex(root, "path", &path));
	ck_assert_str_eq(json_object_get_string(path), "merged");
	json_object_put(o);
	ctr_config_free(cfg);
	free(l);
	free(spec);
	free(merged);
	ctr_container_free(c);
}
END_TEST

/* ---- the overlay and its holders ----------------------------------------------------- */

START_TEST(test_mount_twice_then_unmount_twice_unmounts_at_the_last)
{
	TU_NEEDS_ROOT("mount an overlay");
	ctr_container_t *c = two_layers("twice");
	char *merged = bundle_of(c, "merged"), *p1 = NULL, *p2 = NULL;

	ck_assert_msg(ctr_mount(c, &p1) == 0, "%s", ctr_last_error());
	ck_assert_str_eq(p1, merged);
	ck_assert_int_eq(mounts_at(merged), 1);
	assert_text(merged, "lower.txt", "L");
	assert_text(merged, "upper.txt", "U");
	assert_text(merged, "both.txt", "upper"); /* the later layer lies on top */
	ck_assert_int_eq(ctr_mount(c, &p2), 0);
	ck_assert_str_eq(p2, merged);
	ck_assert_int_eq(mounts_at(merged), 1); /* counted, not mounted again */
	ck_assert_int_eq(holds(c, NULL), 2);

	ck_assert_int_eq(ctr_unmount(c, 0), 0);
	ck_assert_int_eq(mounts_at(merged), 1);
	ck_assert_int_eq(holds(c, NULL), 1);
	ck_assert_int_eq(ctr_unmount(c, 0), 0);
	ck_assert_int_eq(mounts_at(merged), 0);
	ck_assert_int_eq(holds(c, NULL), -1);
	ck_assert_int_eq(ctr_unmount(c, 0), CTR_E_STATE);
	assert_msg_has("not mounted");
	assert_msg_has("twice");
	ctr_free(p1);
	ctr_free(p2);
	free(merged);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_writes_through_the_overlay_land_in_upper_only)
{
	TU_NEEDS_ROOT("mount an overlay");
	ctr_container_t *c = two_layers("writes");
	char *merged = bundle_of(c, "merged"), *upper = bundle_of(c, "upper"), *p = NULL;
	char *lower = tu_path("lower"), *top = tu_path("top");
	char *file = ctri_strdupf("%s/new.txt", merged);

	ck_assert_int_eq(ctr_mount(c, &p), 0);
	ck_assert_int_eq(ctri_write_file(file, "N", 1, 0644, 0), 0);
	assert_text(upper, "new.txt", "N");
	char *in_lower = read_text(lower, "new.txt"), *in_top = read_text(top, "new.txt");
	ck_assert_ptr_null(in_lower);
	ck_assert_ptr_null(in_top);
	ck_assert_int_eq(ctr_unmount(c, 0), 0);
	free(file);
	free(p);
	free(merged);
	free(upper);
	free(lower);
	free(top);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_run_hold_is_counted_once_and_busy_while_the_container_runs)
{
	TU_NEEDS_ROOT("mount an overlay");
	ctr_container_t *c = two_layers("run");
	char *merged = bundle_of(c, "merged"), *p = NULL;
	int run = 0;

	ck_assert_msg(ctri_rootfs_acquire(c, "init") == 0, "%s", ctr_last_error());
	ck_assert_int_eq(ctri_rootfs_acquire(c, "start"), 0); /* init, then start */
	ck_assert_int_eq(holds(c, &run), 1);
	ck_assert_int_eq(run, 1);
	ck_assert_int_eq(ctr_mount(c, &p), 0);
	ck_assert_int_eq(holds(c, &run), 2);
	put_state_alive(c, "running");

	ck_assert_int_eq(ctr_unmount(c, 0), 0); /* the ctr_mount() hold */
	ck_assert_int_eq(mounts_at(merged), 1);
	ck_assert_int_eq(ctr_unmount(c, 0), CTR_E_BUSY); /* only the run's is left */
	assert_msg_has("running");
	ck_assert_int_eq(mounts_at(merged), 1);
	ck_assert_int_eq(ctr_unmount(c, CTR_FORCE), 0); /* force: detached */
	ck_assert_int_eq(mounts_at(merged), 0);
	ck_assert_int_eq(holds(c, NULL), -1);
	ck_assert_int_eq(ctri_rootfs_release(c, "cleanup", 0), 0); /* nothing held: fine */

	/* the run is over and nobody cleaned up: its hold may go */
	ck_assert_int_eq(ctri_rootfs_acquire(c, "start"), 0);
	put_state(c, "{\"state\":\"exited\"}");
	ck_assert_int_eq(ctr_unmount(c, 0), 0);
	ck_assert_int_eq(mounts_at(merged), 0);
	free(p);
	free(merged);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_cleanup_release_keeps_the_mount_for_a_ctr_mount_holder)
{
	TU_NEEDS_ROOT("mount an overlay");
	ctr_container_t *c = two_layers("keep");
	char *merged = bundle_of(c, "merged"), *p = NULL;
	int run = 1;

	ck_assert_int_eq(ctri_rootfs_acquire(c, "start"), 0);
	ck_assert_int_eq(ctr_mount(c, &p), 0);
	ck_assert_int_eq(ctri_rootfs_release(c, "cleanup", 0), 0);
	ck_assert_int_eq(holds(c, &run), 1);
	ck_assert_int_eq(run, 0);
	ck_assert_int_eq(mounts_at(merged), 1);
	ck_assert_int_eq(ctr_unmount(c, 0), 0);
	ck_assert_int_eq(mounts_at(merged), 0);
	free(p);
	free(merged);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_an_overlay_unmounted_by_hand_counts_as_not_mounted)
{
	TU_NEEDS_ROOT("mount an overlay");
	ctr_container_t *c = two_layers("byhand");
	char *merged = bundle_of(c, "merged"), *p = NULL;

	ck_assert_int_eq(ctr_mount(c, &p), 0);
	free(p);
	ck_assert_int_eq(ctr_mount(c, &p), 0);
	free(p);
	ck_assert_int_eq(umount2(merged, 0), 0);
	ck_assert_int_eq(ctr_unmount(c, 0), CTR_E_STATE);
	ck_assert_int_eq(ctr_mount(c, &p), 0); /* mounted again, counted from 0 */
	ck_assert_int_eq(mounts_at(merged), 1);
	ck_assert_int_eq(holds(c, NULL), 1);
	assert_text(merged, "lower.txt", "L");
	ck_assert_int_eq(ctr_unmount(c, 0), 0);
	ck_assert_int_eq(mounts_at(merged), 0);
	free(p);
	free(merged);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_a_record_of_another_boot_counts_as_no_holder)
{
	TU_NEEDS_ROOT("mount an overlay");
	ctr_container_t *c = two_layers("boot");
	char *merged = bundle_of(c, "merged"), *p = NULL, key[128];
	const char *old = "{\"count\":5,\"run\":1,\"boot_id\":\"another-boot\"}";

	snprintf(key, sizeof(key), "%s%s", CTRI_KEY_MOUNT, ctr_id(c));
	ck_assert_int_eq(ctri_store_put_raw(rt->store, key, old, strlen(old), 0), 0);
	ck_assert_int_eq(ctr_unmount(c, 0), CTR_E_STATE);
	ck_assert_int_eq(ctr_mount(c, &p), 0);
	ck_assert_int_eq(holds(c, NULL), 1);
	ck_assert_int_eq(ctr_unmount(c, 0), 0);
	ck_assert_int_eq(mounts_at(merged), 0);
	free(p);
	free(merged);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_rootfs_path_mounts_for_its_caller_only_when_not_mounted)
{
	TU_NEEDS_ROOT("mount an overlay");
	ctr_container_t *c = two_layers("path"), *plain = create("plain");
	char *merged = bundle_of(c, "merged"), *p = NULL, *q = NULL;
	int here = -1;

	ck_assert_int_eq(ctri_rootfs_path(c, "export", &p, &here), 0);
	ck_assert_str_eq(p, merged);
	ck_assert_int_eq(here, 1);
	ck_assert_int_eq(mounts_at(merged), 1);
	ck_assert_int_eq(ctri_rootfs_release(c, "export", 0), 0);
	ck_assert_int_eq(mounts_at(merged), 0);

	ck_assert_int_eq(ctr_mount(c, &q), 0);
	free(p);
	ck_assert_int_eq(ctri_rootfs_path(c, "export", &p, &here), 0);
	ck_assert_int_eq(here, 0);
	ck_assert_int_eq(holds(c, NULL), 1);
	free(p);

	ck_assert_int_eq(ctri_rootfs_path(plain, "export", &p, &here), 0);
	ck_assert_str_eq(p, tu_rootfs());
	ck_assert_int_eq(here, 0);
	ck_assert_int_eq(ctri_rootfs_layered(plain, "test"), 0);
	ck_assert_int_eq(ctri_rootfs_acquire(plain, "start"), 0);
	ck_assert_int_eq(ctri_rootfs_release(plain, "cleanup", 0), 0);
	free(p);
	free(q);
	ck_assert_int_eq(ctr_unmount(c, 0), 0);
	free(merged);
	ctr_container_free(plain);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_mount_of_a_plain_rootfs_returns_it_and_unmount_is_a_no_op)
{
	ctr_container_t *c = create("plainfs");
	char *p = NULL;

	ck_assert_int_eq(ctr_mount(c, &p), 0);
	ck_assert_str_eq(p, tu_rootfs());
	ck_assert_int_eq(ctr_unmount(c, 0), 0);
	ck_assert_int_eq(ctr_unmount(c, CTR_FORCE), 0);
	ck_assert_int_eq(ctr_mount(NULL, &p), CTR_E_INVAL);
	ck_assert_int_eq(ctr_mount(c, NULL), CTR_E_INVAL);
	ck_assert_int_eq(ctr_unmount(NULL, 0), CTR_E_INVAL);
	ctr_free(p);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_remove_detaches_the_overlay_and_deletes_upper)
{
	TU_NEEDS_ROOT("mount an overlay");
	ctr_container_t *c = two_layers("removed");
	char *merged = bundle_of(c, "merged"), *upper = bundle_of(c, "upper"), *p = NULL;
	char id[65];

	snprintf(id, sizeof(id), "%s", ctr_id(c));
	ck_assert_int_eq(ctr_mount(c, &p), 0);
	free(p);
	ck_assert_int_eq(ctr_mount(c, &p), 0);
	free(p);
	ck_assert_int_eq(ctr_remove(c, 0), 0);
	ck_assert_int_eq(mounts_at(merged), 0);
	ck_assert_int_eq(access(upper, F_OK), -1);
	ck_assert_int_eq(record_exists(CTRI_KEY_MOUNT, id), 0);
	ck_assert_int_eq(ctr_mount(c, &p), CTR_E_REMOVED);
	/* the layers are untouched */
	char *lower = tu_path("lower");
	assert_text(lower, "lower.txt", "L");
	free(lower);
	free(merged);
	free(upper);
	ctr_container_free(c);
}
END_TEST

/* Mount 24 layers of ~230-byte paths (a lowerdir option of ~5.5 KiB, beyond mount(2)'s
 * page), check the files and which layer is on top; unmount. fd_paths: whether the mount
 * names its directories /proc/self/fd/N (the fallback without the new mount API). */
static void mount_many_layers(int fd_paths)
{
	char name[300], *dirs[24];
	const char *layers[25];
	ctr_container_t *c = NULL;
	char *p = NULL;

	for (int i = 0; i < 24; i++) {
		snprintf(name, sizeof(name), "long/%0200d/layer%02d", 0, i);
		char file[16], text[16];
		snprintf(file, sizeof(file), "f%02d", i);
		snprintf(text, sizeof(text), "%d", i);
		dirs[i] = layer_dir(name, file, text);
		char *same = ctri_strdupf("%s/same", dirs[i]);
		ck_assert_int_eq(ctri_write_file(same, text, strlen(text), 0644, 0), 0);
		free(same);
		layers[i] = dirs[i];
	}
	layers[24] = NULL;
	ctr_config_t *cfg = layered_config("many", layers);
	ck_assert_int_eq(ctr_create(rt, cfg, &c), 0);
	ck_assert_msg(ctr_mount(c, &p) == 0, "%s", ctr_last_error());
	assert_text(p, "f00", "0");
	assert_text(p, "f23", "23");
	assert_text(p, "same", "23"); /* the last layer added is the top */
	ck_assert_int_eq(mount_line_has(p, "lowerdir=/proc/self/fd/"), fd_paths);
	ck_assert_int_eq(ctr_unmount(c, 0), 0);
	ck_assert_int_eq(mounts_at(p), 0);
	for (int i = 0; i < 24; i++)
		free(dirs[i]);
	free(p);
	ctr_config_free(cfg);
	ctr_container_free(c);
}

START_TEST(test_layers_beyond_a_page_of_options_are_mounted_one_by_one)
{
	TU_NEEDS_ROOT("mount an overlay");
	const char *v = getenv("CTR_NO_FSOPEN");

	/* under valgrind (no fsopen) this is the fallback, as in the next test */
	mount_many_layers(v && !strcmp(v, "1") ? 1 : !tu_new_mount_api());
}
END_TEST

START_TEST(test_layers_beyond_a_page_mount_by_descriptor_paths_without_the_new_mount_api)
{
	TU_NEEDS_ROOT("mount an overlay");
	setenv("CTR_NO_FSOPEN", "1", 1);
	mount_many_layers(1);
	unsetenv("CTR_NO_FSOPEN");
}
END_TEST

/* ---- artifacts ----------------------------------------------------------------------- */

static void assert_artifact(ctr_container_t *c, const char *name, const void *want, size_t n)
{
	void *data = NULL;
	size_t len = 0;
	int r = ctr_artifact_get(c, name, &data, &len);

	ck_assert_msg(r == 0, "get %s: %s", name, ctr_last_error());
	ck_assert_uint_eq(len, n);
	ck_assert_int_eq(memcmp(data, want, n), 0);
	ck_assert_int_eq(((char *)data)[n], '\0');
	ctr_free(data);
}

START_TEST(test_artifacts_add_get_replace_remove_and_list_sorted)
{
	ctr_container_t *c = create("arts");
	static const char bin[] = { 'a', 0, 'b', 0, (char)0xff };
	char **names = NULL;
	size_t n = 99;

	ck_assert_int_eq(ctr_artifact_list(c, &names, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(names[0]);
	ctr_strv_free(names);

	ck_assert_int_eq(ctr_artifact_add(c, "zeta", "one", 3), 0);
	ck_assert_int_eq(ctr_artifact_add(c, "alpha", bin, sizeof(bin)), 0);
	ck_assert_int_eq(ctr_artifact_add(c, ".hidden", NULL, 0), 0);
	ck_assert_int_eq(ctr_artifact_add(c, "Beta.tmp.1", "x", 1), 0);
	assert_artifact(c, "zeta", "one", 3);
	assert_artifact(c, "alpha", bin, sizeof(bin));
	assert_artifact(c, ".hidden", "", 0);
	ck_assert_int_eq(ctr_artifact_add(c, "zeta", "replaced", 8), 0);
	assert_artifact(c, "zeta", "replaced", 8);

	ck_assert_int_eq(ctr_artifact_list(c, &names, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(names[0], ".hidden");
	ck_assert_str_eq(names[1], "Beta.tmp.1");
	ck_assert_str_eq(names[2], "alpha");
	ck_assert_str_eq(names[3], "zeta");
	ck_assert_ptr_null(names[4]);
	ctr_strv_free(names);

	ck_assert_int_eq(ctr_artifact_remove(c, "alpha"), 0);
	ck_assert_int_eq(ctr_artifact_list(c, &names, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(names[1], "Beta.tmp.1");
	ctr_strv_free(names);

	/* nothing but the artifacts themselves in their directory */
	char *dir = bundle_of(c, "artifacts");
	ck_assert_uint_eq(count_entries(dir), 3);
	free(dir);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_artifact_names_are_checked_and_missing_ones_are_noent)
{
	ctr_container_t *c = create("names");
	char long_name[300];
	void *data = NULL;
	size_t len = 0;
	const char *bad[] = { "a/b", "..", ".", "", "/", NULL };

	for (size_t i = 0; bad[i]; i++) {
		ck_assert_int_eq(ctr_artifact_add(c, bad[i], "x", 1), CTR_E_INVAL);
		assert_msg_has("artifact");
		assert_msg_has("names");
		ck_assert_int_eq(ctr_artifact_get(c, bad[i], &data, &len), CTR_E_INVAL);
		ck_assert_int_eq(ctr_artifact_remove(c, bad[i]), CTR_E_INVAL);
	}
	memset(long_name, 'n', 256);
	long_name[256] = '\0';
	ck_assert_int_eq(ctr_artifact_add(c, long_name, "x", 1), CTR_E_INVAL);
	assert_msg_has("1 to 255 bytes");
	long_name[255] = '\0';
	ck_assert_int_eq(ctr_artifact_add(c, long_name, "x", 1), 0);
	assert_artifact(c, long_name, "x", 1);

	ck_assert_int_eq(ctr_artifact_get(c, "nope", &data, &len), CTR_E_NOENT);
	assert_msg_has("no artifact \"nope\"");
	ck_assert_ptr_null(data);
	ck_assert_int_eq(ctr_artifact_remove(c, "nope"), CTR_E_NOENT);
	ck_assert_int_eq(ctr_artifact_add(c, "x", NULL, 1), CTR_E_INVAL);
	ck_assert_int_eq(ctr_artifact_add(NULL, "x", "x", 1), CTR_E_INVAL);
	ck_assert_int_eq(ctr_artifact_add(c, NULL, "x", 1), CTR_E_INVAL);
	ck_assert_int_eq(ctr_artifact_get(c, "x", NULL, &len), CTR_E_INVAL);
	ck_assert_int_eq(ctr_artifact_list(c, NULL, &len), CTR_E_INVAL);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_artifacts_go_with_the_container)
{
	ctr_container_t *c = create("goes");
	char *dir = bundle_of(c, "artifacts"), **names = NULL;
	void *data = NULL;
	size_t len = 0, n = 0;

	ck_assert_int_eq(ctr_artifact_add(c, "a", "x", 1), 0);
	ck_assert_int_eq(access(dir, F_OK), 0);
	ck_assert_int_eq(ctr_remove(c, 0), 0);
	ck_assert_int_eq(access(dir, F_OK), -1);
	ck_assert_int_eq(ctr_artifact_add(c, "a", "x", 1), CTR_E_REMOVED);
	ck_assert_int_eq(ctr_artifact_get(c, "a", &data, &len), CTR_E_REMOVED);
	ck_assert_int_eq(ctr_artifact_remove(c, "a"), CTR_E_REMOVED);
	ck_assert_int_eq(ctr_artifact_list(c, &names, &n), CTR_E_REMOVED);
	free(dir);
	ctr_container_free(c);
}
END_TEST

Suite *suite_overlay(void)
{
	Suite *s = suite_create("overlay");
	TCase *tc;

	tc = tcase_create("config");
	tu_add_fixtures(tc, container_teardown);
	tcase_add_checked_fixture(tc, container_setup, NULL);
	tcase_add_test(tc,
		       test_add_layer_refuses_relative_paths_option_syntax_duplicates_and_a_65th);
	tcase_add_test(tc, test_layers_round_trip_through_json_lowest_first);
	tcase_add_test(tc, test_create_refuses_both_rootfs_and_layers_and_neither);
	tcase_add_test(tc, test_create_refuses_a_missing_layer_or_a_file_as_layer);
	tcase_add_test(tc,
		       test_create_makes_upper_work_and_merged_and_upper_takes_the_top_layers_mode);
	tcase_add_test(tc, test_spec_root_path_is_the_merged_directory_for_layers);
	suite_add_tcase(s, tc);

	tc = tcase_create("overlay");
	tu_add_fixtures(tc, container_teardown);
	tcase_add_checked_fixture(tc, container_setup, NULL);
	tcase_add_test(tc, test_mount_twice_then_unmount_twice_unmounts_at_the_last);
	tcase_add_test(tc, test_writes_through_the_overlay_land_in_upper_only);
	tcase_add_test(tc, test_run_hold_is_counted_once_and_busy_while_the_container_runs);
	tcase_add_test(tc, test_cleanup_release_keeps_the_mount_for_a_ctr_mount_holder);
	tcase_add_test(tc, test_an_overlay_unmounted_by_hand_counts_as_not_mounted);
	tcase_add_test(tc, test_a_record_of_another_boot_counts_as_no_holder);
	tcase_add_test(tc, test_rootfs_path_mounts_for_its_caller_only_when_not_mounted);
	tcase_add_test(tc, test_mount_of_a_plain_rootfs_returns_it_and_unmount_is_a_no_op);
	tcase_add_test(tc, test_remove_detaches_the_overlay_and_deletes_upper);
	tcase_add_test(tc, test_layers_beyond_a_page_of_options_are_mounted_one_by_one);
	tcase_add_test(tc,
		       test_layers_beyond_a_page_mount_by_descriptor_paths_without_the_new_mount_api);
	suite_add_tcase(s, tc);

	tc = tcase_create("artifacts");
	tu_add_fixtures(tc, container_teardown);
	tcase_add_checked_fixture(tc, container_setup, NULL);
	tcase_add_test(tc, test_artifacts_add_get_replace_remove_and_list_sorted);
	tcase_add_test(tc, test_artifact_names_are_checked_and_missing_ones_are_noent);
	tcase_add_test(tc, test_artifacts_go_with_the_container);
	suite_add_tcase(s, tc);
	return s;
}
