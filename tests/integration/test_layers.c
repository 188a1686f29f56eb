/* Image layers with real runc: a container on an overlay of the busybox rootfs and a
 * second layer reads both, writes to its upper directory only, keeps its changes across
 * runs; ctr_mount()/ctr_unmount() with and without a run; remove leaves no mount. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "itest.h"
#include "layer_store.h"
#include "tar.h"
#include "util.h"

/* it_base()/leaf */
static void base_path(char *buf, size_t len, const char *leaf)
{
	snprintf(buf, len, "%s/%s", it_base(), leaf);
}

static ctr_container_t *layered(const char *script)
{
	return it_create(it_rt, it_config_layered(script));
}

/* A file of the container's bundle directory. */
static void bundle_file(ctr_container_t *c, const char *leaf, char *buf, size_t len)
{
	snprintf(buf, len, "%s/state/containers/%s/%s", it_base(), ctr_id(c), leaf);
}

/* How many mounts /proc/self/mountinfo has at path (or below it, with below). */
static int mounts_at(const char *path, int below)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[8192], point[4096];
	size_t n = strlen(path);
	int count = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1 &&
		    (!strcmp(point, path) ||
		     (below && !strncmp(point, path, n) && point[n] == '/')))
			count++;
	fclose(f);
	return count;
}

static int merged_mounts(ctr_container_t *c)
{
	char merged[PATH_MAX];

	bundle_file(c, "merged", merged, sizeof(merged));
	return mounts_at(merged, 0);
}

/* The text of a file, "" when it cannot be read (malloc'd). */
static char *slurp(const char *path)
{
	char *text = NULL;
	size_t len;

	return ctri_read_file(path, 1 << 20, &text, &len) == 0 ? text : strdup("");
}

static void assert_file(const char *path, const char *want)
{
	char *got = slurp(path);

	ck_assert_msg(!strcmp(got, want), "%s: \"%s\", expected \"%s\"", path, got, want);
	free(got);
}

static void assert_no_file(const char *path)
{
	ck_assert_msg(access(path, F_OK) < 0 && errno == ENOENT, "%s exists", path);
}

/* Overlays a failed test left mounted go before it_teardown deletes the directories. */
static void layers_teardown(void)
{
	for (int i = 0; it_base() && i < 64 && mounts_at(it_base(), 1) > 0; i++) {
		FILE *f = fopen("/proc/self/mountinfo", "re");
		char line[8192], point[4096], deepest[4096] = "";
		size_t n = strlen(it_base());
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1 &&
			    !strncmp(point, it_base(), n) && strlen(point) > strlen(deepest))
				snprintf(deepest, sizeof(deepest), "%s", point);
		if (f)
			fclose(f);
		if (!*deepest || umount2(deepest, MNT_DETACH) < 0)
			break;
	}
	it_teardown();
}

/* A tree under it_base()/name/ of files (text "name\n"; "" for an empty one, as an OCI
 * whiteout is) archived as a plain tar and unpacked by the layer store into
 * it_base()/store/layers; its directory there in dir. */
static void store_layer(const char *name, const char *const *files, char *dir, size_t len)
{
	char tree[PATH_MAX], path[PATH_MAX + 128], tar[PATH_MAX + 8], store[PATH_MAX],
	    tmp[PATH_MAX], diff[65];
	char *data = NULL;
	size_t n;
	int created = 0;

	base_path(tree, sizeof(tree), name);
	for (size_t i = 0; files[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", tree, files[i]);
		char *slash = strrchr(path, '/');
		*slash = '\0';
		ck_assert_int_eq(ctri_mkdir_p(path, 0755), 0);
		*slash = '/';
		const char *base = slash + 1;
		int whiteout = !strncmp(base, ".wh.", 4);
		ck_assert_int_eq(ctri_write_file(path, base, whiteout ? 0 : strlen(base), 0644, 0),
				 0);
	}
	snprintf(tar, sizeof(tar), "%s.tar", tree);
	struct ctri_tar_src src = { .prefix = "", .dir = tree };
	IT_OK(ctri_tar_write(tar, &src, 1, name, "archive"));
	ck_assert_int_eq(ctri_read_file(tar, 1 << 24, &data, &n), 0);
	struct ctri_sha256 h;
	ctri_sha256_init(&h);
	ctri_sha256_update(&h, data, n);
	ctri_sha256_hex(&h, diff);
	free(data);
	base_path(store, sizeof(store), "store/layers");
	base_path(tmp, sizeof(tmp), "store/tmp");
	ck_assert_int_eq(ctri_mkdir_p(tmp, 0700), 0);
	IT_OK(ctri_layer_unpack(store, tmp, tar, NULL, diff, &created));
	ck_assert_int_eq(created, 1);
	ck_assert_int_lt(snprintf(dir, len, "%.*s/%s", (int)(len - 66), store, diff), (int)len);
}

/* ---- tests --------------------------------------------------------------------------- */

START_TEST(test_layered_container_reads_both_layers_and_writes_to_its_upper_dir_only)
{
	ctr_container_t *c =
	    layered("cat /layer2.txt > /shared/out; ls /bin/busybox >> /shared/out; "
		    "echo new > /written.txt");
	char out[PATH_MAX], upper[PATH_MAX], path[PATH_MAX + 16];

	IT_OK(ctr_start(c, 0));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	base_path(out, sizeof(out), "io/out");
	assert_file(out, IT_LAYER2_TEXT "\n/bin/busybox\n");

	bundle_file(c, "upper", upper, sizeof(upper));
	snprintf(path, sizeof(path), "%s/written.txt", upper);
	assert_file(path, "new\n");
	base_path(path, sizeof(path), "layer2/written.txt");
	assert_no_file(path);
	snprintf(path, sizeof(path), "%s/written.txt", it_rootfs());
	assert_no_file(path);

	/* the run's hold lasts until the cleanup */
	ck_assert_int_eq(merged_mounts(c), 1);
	IT_OK(ctr_cleanup(c));
	IT_STATE(c, CTR_STATE_EXITED);
	ck_assert_int_eq(merged_mounts(c), 0);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_changes_persist_across_runs_on_one_mount)
{
	ctr_container_t *c = layered("echo x >> /runs; wc -l < /runs > /shared/runs");
	char runs[PATH_MAX];

	base_path(runs, sizeof(runs), "io/runs");
	IT_OK(ctr_start(c, 0));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	IT_OK(ctr_start(c, 0)); /* again without a cleanup: the run's hold is not stacked */
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	ck_assert_int_eq(merged_mounts(c), 1);
	IT_OK(ctr_cleanup(c));
	ck_assert_int_eq(merged_mounts(c), 0);
	IT_OK(ctr_start(c, 0)); /* mounted again */
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	assert_file(runs, "3\n");
	IT_OK(ctr_cleanup(c));
	ck_assert_int_eq(merged_mounts(c), 0);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_unmount_of_a_running_container_is_busy_and_force_detaches_it)
{
	ctr_container_t *c = layered("touch /shared/ready; "
				     "while [ ! -e /shared/go ]; do sleep 0.02; done; "
				     "cat /layer2.txt > /shared/after; exit 33");
	char *path = NULL, file[PATH_MAX], after[PATH_MAX];

	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	IT_OK(ctr_mount(c, &path));
	bundle_file(c, "merged", file, sizeof(file));
	ck_assert_str_eq(path, file);
	snprintf(file, sizeof(file), "%s/layer2.txt", path);
	assert_file(file, IT_LAYER2_TEXT "\n");
	snprintf(file, sizeof(file), "%s/bin/busybox", path);
	ck_assert_int_eq(access(file, X_OK), 0);
	ck_assert_int_eq(merged_mounts(c), 1);

	IT_OK(ctr_unmount(c, 0)); /* our hold; the run's stays */
	ck_assert_int_eq(merged_mounts(c), 1);
	IT_REFUSED(ctr_unmount(c, 0), CTR_E_BUSY, c);
	ck_assert_int_eq(merged_mounts(c), 1);
	IT_OK(ctr_unmount(c, CTR_FORCE));
	ck_assert_int_eq(merged_mounts(c), 0);
	IT_FAILS(ctr_unmount(c, 0), CTR_E_STATE);

	/* detached lazily: the container still sees its root */
	IT_STATE(c, CTR_STATE_RUNNING);
	it_touch("go");
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 33);
	base_path(after, sizeof(after), "io/after");
	assert_file(after, IT_LAYER2_TEXT "\n");
	IT_OK(ctr_cleanup(c));
	IT_OK(ctr_remove(c, 0));
	ctr_free(path);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_a_ctr_mount_outlives_the_run)
{
	ctr_container_t *c = layered("echo ran > /ran");
	char *path = NULL, file[PATH_MAX];

	IT_OK(ctr_mount(c, &path)); /* before any run: no lifecycle needed */
	snprintf(file, sizeof(file), "%s/layer2.txt", path);
	assert_file(file, IT_LAYER2_TEXT "\n");
	IT_OK(ctr_start(c, 0));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	IT_OK(ctr_cleanup(c));
	ck_assert_int_eq(merged_mounts(c), 1); /* ours is still held */
	snprintf(file, sizeof(file), "%s/ran", path);
	assert_file(file, "ran\n"); /* the run's change, seen through the same mount */
	IT_OK(ctr_unmount(c, 0));
	ck_assert_int_eq(merged_mounts(c), 0);
	IT_FAILS(ctr_unmount(c, 0), CTR_E_STATE);
	IT_OK(ctr_remove(c, 0));
	ctr_free(path);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_remove_of_a_running_layered_container_leaves_no_mount_and_no_upper_dir)
{
	ctr_container_t *c = layered(IT_GRACEFUL(0));
	char upper[PATH_MAX], bundle[PATH_MAX], id[CTRI_ID_LEN + 1], *path = NULL;

	snprintf(id, sizeof(id), "%s", ctr_id(c));
	bundle_file(c, "upper", upper, sizeof(upper));
	snprintf(bundle, sizeof(bundle), "%s/state/containers/%s", it_base(), id);
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	IT_OK(ctr_mount(c, &path));
	IT_OK(ctr_remove(c, CTR_FORCE));
	ck_assert_int_eq(mounts_at(bundle, 1), 0);
	assert_no_file(upper);
	it_assert_no_traces(id);
	/* the layers are as they were */
	char layer2[PATH_MAX];
	base_path(layer2, sizeof(layer2), "layer2/layer2.txt");
	assert_file(layer2, IT_LAYER2_TEXT "\n");
	ctr_free(path);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_whiteouts_and_opaque_dirs_of_unpacked_layers_hide_lower_files)
{
	static const char *const lower[] = { "a/keep", "a/gone", "opq/lower", NULL };
	static const char *const upper[] = { "a/.wh.gone", "opq/.wh..wh..opq", "opq/upper", NULL };
	const char *const args[] = { "/bin/sh", "-c", "ls /a > /shared/a; ls /opq > /shared/opq",
				     NULL };
	char l1[PATH_MAX], l2[PATH_MAX], shared[PATH_MAX], out[PATH_MAX];
	ctr_config_t *cfg = NULL;

	store_layer("lower", lower, l1, sizeof(l1));
	store_layer("upper", upper, l2, sizeof(l2));
	base_path(shared, sizeof(shared), "io");
	IT_OK(ctr_config_new(&cfg));
	IT_OK(ctr_config_add_layer(cfg, it_rootfs()));
	IT_OK(ctr_config_add_layer(cfg, l1));
	IT_OK(ctr_config_add_layer(cfg, l2));
	IT_OK(ctr_config_set_args(cfg, args));
	IT_OK(ctr_config_add_mount(cfg, shared, "/shared", NULL, NULL));
	ctr_container_t *c = it_create(it_rt, cfg);
	IT_OK(ctr_start(c, 0));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	base_path(out, sizeof(out), "io/a");
	assert_file(out, "keep\n"); /* a/gone whited out */
	base_path(out, sizeof(out), "io/opq");
	assert_file(out, "upper\n"); /* opq/lower hidden by the opaque directory */
	IT_OK(ctr_cleanup(c));
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

Suite *suite_layers(void)
{
	Suite *s = suite_create("layers");
	TCase *tc = tcase_create("layers");

	tcase_add_checked_fixture(tc, it_setup, layers_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc,
		       test_layered_container_reads_both_layers_and_writes_to_its_upper_dir_only);
	tcase_add_test(tc, test_changes_persist_across_runs_on_one_mount);
	tcase_add_test(tc, test_unmount_of_a_running_container_is_busy_and_force_detaches_it);
	tcase_add_test(tc, test_a_ctr_mount_outlives_the_run);
	tcase_add_test(tc,
		       test_remove_of_a_running_layered_container_leaves_no_mount_and_no_upper_dir);
	tcase_add_test(tc, test_whiteouts_and_opaque_dirs_of_unpacked_layers_hide_lower_files);
	suite_add_tcase(s, tc);
	return s;
}
