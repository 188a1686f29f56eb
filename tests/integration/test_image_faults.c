/* Bad images and failing imports: a blob that does not match its digest, an unknown
 * format, hostile layer entries (tests/fixtures/mkhostile.sh), a full disk, and importers
 * killed midway. Each leaves no image, no layer directory and no work directory. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image_test.h"
#include "itest.h"
#include "util.h"

/* A copy of fixture leaf in it_base()/copy (path in buf). */
static void copy_fixture(const char *leaf, char *buf, size_t len)
{
	snprintf(buf, len, "%s/copy", it_base());
	const char *const argv[] = { "cp", "-a", img_fixture(leaf), buf, NULL };
	ck_assert_int_eq(it_run(argv, NULL), 0);
}

/* The hex digest of a blob named by descriptor member key ("config", or "layers" index i)
 * of the layout's first manifest. */
static void manifest_blob(const char *layout, const char *key, int i, char hex[65])
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/index.json", layout);
	json_object *index = json_object_from_file(path), *d;
	ck_assert_ptr_nonnull(index);
	d = json_object_array_get_idx(json_object_object_get(index, "manifests"), 0);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", layout,
		 json_object_get_string(json_object_object_get(d, "digest")) + 7);
	json_object *m = json_object_from_file(path);
	ck_assert_ptr_nonnull(m);
	d = json_object_object_get(m, key);
	if (i >= 0)
		d = json_object_array_get_idx(d, (size_t)i);
	snprintf(hex, 65, "%s", json_object_get_string(json_object_object_get(d, "digest")) + 7);
	json_object_put(m);
	json_object_put(index);
}

/* Change one byte of blob hex in layout (same size): the first `from` at a multiple of
 * step (1 for any byte, 512 for the start of a tar block: a file's data, not a header)
 * becomes `to`. */
static void tamper(const char *layout, const char *hex, size_t step, char from, char to)
{
	char path[PATH_MAX], *text = NULL, *p = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", layout, hex);
	ck_assert_int_eq(ctri_read_file(path, 64 << 20, &text, &len), 0);
	for (size_t i = 0; !p && i < len; i += step)
		if (text[i] == from && (step == 1 || text[i + 1] == '\n'))
			p = text + i;
	ck_assert_ptr_nonnull(p);
	*p = to;
	ck_assert_int_eq(ctri_write_file(path, text, len, 0644, 0), 0);
	free(text);
}

static void assert_nothing_left(void)
{
	ck_assert_int_eq(img_count(it_rt), 0);
	ck_assert_int_eq(img_layer_dirs(), 0);
	ck_assert_int_eq(img_tmp_entries(), 0);
}

START_TEST(test_a_config_not_matching_its_digest_is_refused)
{
	char layout[PATH_MAX], hex[65], want[80];

	copy_fixture("oci", layout, sizeof(layout));
	manifest_blob(layout, "config", -1, hex);
	tamper(layout, hex, 1, '=', '~');
	IT_FAILS(ctr_image_import(it_rt, layout, NULL, NULL), CTR_E_INVAL);
	snprintf(want, sizeof(want), "sha256:%s", hex);
	IT_SAYS(want);
	assert_nothing_left();
}
END_TEST

START_TEST(test_a_layer_not_matching_its_digest_is_refused_and_undone)
{
	char layout[PATH_MAX], hex[65], want[80];

	copy_fixture("oci-plain", layout, sizeof(layout));
	manifest_blob(layout, "layers", 2, hex); /* the top layer: the others unpack first */
	tamper(layout, hex, 512, 'c', 'd'); /* the data of /data/opq/c */
	IT_FAILS(ctr_image_import(it_rt, layout, NULL, NULL), CTR_E_INVAL);
	snprintf(want, sizeof(want), "%.19s", hex);
	IT_SAYS(want);
	assert_nothing_left();
}
END_TEST

START_TEST(test_an_unknown_format_names_the_path)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/not-an-image.txt", it_base());
	ck_assert_int_eq(ctri_write_file(path, "hello\n", 6, 0644, 0), 0);
	IT_FAILS(ctr_image_import(it_rt, path, NULL, NULL), CTR_E_INVAL);
	IT_SAYS(path);
	IT_SAYS("not an OCI layout, oci-archive or docker-archive");
	/* told apart from a refused entry by the extractor, not by the words of the message */
	snprintf(path, sizeof(path), "%s/entry.tar", it_base());
	ck_assert_int_eq(ctri_write_file(path, "hello\n", 6, 0644, 0), 0);
	IT_FAILS(ctr_image_import(it_rt, path, NULL, NULL), CTR_E_INVAL);
	IT_SAYS("not an OCI layout, oci-archive or docker-archive");
	snprintf(path, sizeof(path), "%s/io", it_base()); /* a directory, not a layout */
	IT_FAILS(ctr_image_import(it_rt, path, NULL, NULL), CTR_E_INVAL);
	IT_SAYS(path);
	assert_nothing_left();
}
END_TEST

START_TEST(test_hostile_entries_are_refused_and_nothing_lands_outside)
{
	static const char *const cases[][2] = { { "dotdot", "../escape-dotdot" },
						{ "abs", "/tmp/libctr-escape-abs" },
						{ "symlink", "\"link\"" } };
	char dir[PATH_MAX], layout[PATH_MAX + 16];

	snprintf(dir, sizeof(dir), "%s/hostile", it_base());
	const char *const argv[] = { "tests/fixtures/mkhostile.sh", dir, NULL };
	ck_assert_int_eq(it_run(argv, NULL), 0);
	unlink("/tmp/libctr-escape-abs");
	unlink("/tmp/libctr-escape-symlink");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(layout, sizeof(layout), "%s/%s", dir, cases[i][0]);
		IT_FAILS(ctr_image_import(it_rt, layout, NULL, NULL), CTR_E_INVAL);
		IT_SAYS(cases[i][1]);
		assert_nothing_left();
	}
	ck_assert_int_eq(access("/tmp/libctr-escape-abs", F_OK), -1);
	ck_assert_int_eq(access("/tmp/libctr-escape-symlink", F_OK), -1);
	snprintf(layout, sizeof(layout), "%s/state/escape-dotdot", it_base());
	ck_assert_int_eq(access(layout, F_OK), -1);
}
END_TEST

START_TEST(test_an_archive_with_an_entry_outside_is_refused_naming_it)
{
	char path[PATH_MAX], file[PATH_MAX];

	snprintf(file, sizeof(file), "%s/io/x", it_base());
	ck_assert_int_eq(ctri_write_file(file, "x\n", 2, 0644, 0), 0);
	snprintf(path, sizeof(path), "%s/evil.tar", it_base());
	const char *const argv[] = { "tar", "-cf", path, "-P", "--transform", "s,^.*/x$,../outside,",
				     file, NULL };
	ck_assert_int_eq(it_run(argv, NULL), 0);
	IT_FAILS(ctr_image_import(it_rt, path, NULL, NULL), CTR_E_INVAL);
	IT_SAYS("../outside");
	IT_SAYS(path);
	snprintf(file, sizeof(file), "%s/state/images/outside", it_base());
	ck_assert_int_eq(access(file, F_OK), -1);
	assert_nothing_left();
}
END_TEST

START_TEST(test_a_full_disk_fails_with_io_and_leaves_the_store_unchanged)
{
	char mnt[PATH_MAX], state[PATH_MAX + 32], run[PATH_MAX + 8];
	ctr_runtime_t *rt = NULL;

	snprintf(mnt, sizeof(mnt), "%s/small", it_base());
	ck_assert_int_eq(mkdir(mnt, 0700), 0);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=16m") < 0) {
		printf("images: full disk test skipped: cannot mount a tmpfs: %s\n", strerror(errno));
		return;
	}
	snprintf(state, sizeof(state), "%s/state", mnt);
	snprintf(run, sizeof(run), "%s/run", mnt);
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state, .run_dir = run,
		 .flags = CTR_RUNTIME_NOSYNC);
	IT_OK(ctr_runtime_open(&o, &rt));
	/* then shrunk to what the new store uses and 1 MiB: busybox alone is larger */
	struct statfs sf;
	char opts[64];
	ck_assert_int_eq(statfs(mnt, &sf), 0);
	snprintf(opts, sizeof(opts), "size=%llu",
		 (unsigned long long)(sf.f_blocks - sf.f_bfree) * sf.f_bsize + (1u << 20));
	ck_assert_int_eq(mount("tmpfs", mnt, "tmpfs", MS_REMOUNT, opts), 0);
	IT_FAILS(ctr_image_import(rt, img_fixture("oci"), NULL, NULL), CTR_E_IO);
	IT_HAS_MESSAGE();
	char **ids = NULL;
	size_t n = 9;
	IT_OK(ctr_image_list(rt, &ids, &n));
	ck_assert_int_eq(n, 0);
	ctr_strv_free(ids);
	snprintf(state, sizeof(state), "%s/state/layers", mnt);
	ck_assert_int_eq(img_count_dir(state), 0);
	snprintf(state, sizeof(state), "%s/state/images/tmp", mnt);
	ck_assert_int_eq(img_count_dir(state), 0);
	ctr_runtime_close(rt);
	ck_assert_int_eq(umount2(mnt, MNT_DETACH), 0);
}
END_TEST

/* Kill an importer of the oci fixture once path_fmt's directory (under it_base()/state)
 * has more than `after` entries; 1 if it was killed before it finished. */
static int kill_importer_when(const char *sub, int after)
{
	char path[PATH_MAX];
	pid_t pid = fork();

	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		ctr_runtime_t *rt = NULL;
		if (it_open(NULL, 0, &rt) != 0 ||
		    ctr_image_import(rt, img_fixture("oci"), NULL, NULL) != 0)
			_exit(1);
		_exit(0);
	}
	snprintf(path, sizeof(path), "%s/state/%s", it_base(), sub);
	int status = 0, killed = 0;
	for (;;) {
		if (img_count_dir(path) > after) {
			kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			return 0;
		usleep(200);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return killed && WIFSIGNALED(status);
}

START_TEST(test_a_killed_importer_leaves_nothing_once_swept)
{
	/* killed with its work directory made, and after its first layer is in place */
	static const struct {
		const char *sub;
		int after;
	} when[] = { { "images/tmp", 1 }, { "layers", 0 }, { "layers", 1 } };
	int killed = 0;

	for (size_t i = 0; i < sizeof(when) / sizeof(when[0]); i++) {
		killed += kill_importer_when(when[i].sub, when[i].after);
		ctr_runtime_close(it_rt);
		it_rt = it_reopen(NULL, 0); /* the sweep at open */
		assert_nothing_left();
	}
	ck_assert_msg(killed > 0, "no importer was caught midway");
	/* and an import after a killed one works */
	kill_importer_when("layers", 0);
	char *id = img_import(it_rt, "oci", NULL);
	ck_assert_int_eq(img_layer_dirs(), 3);
	ck_assert_int_eq(img_tmp_entries(), 0);
	free(id);
}
END_TEST

Suite *suite_image_faults(void)
{
	Suite *s = suite_create("image_faults");
	TCase *tc = tcase_create("image_faults");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_add_test(tc, test_a_config_not_matching_its_digest_is_refused);
	tcase_add_test(tc, test_a_layer_not_matching_its_digest_is_refused_and_undone);
	tcase_add_test(tc, test_an_unknown_format_names_the_path);
	tcase_add_test(tc, test_hostile_entries_are_refused_and_nothing_lands_outside);
	tcase_add_test(tc, test_an_archive_with_an_entry_outside_is_refused_naming_it);
	tcase_add_test(tc, test_a_full_disk_fails_with_io_and_leaves_the_store_unchanged);
	tcase_add_test(tc, test_a_killed_importer_leaves_nothing_once_swept);
	suite_add_tcase(s, tc);
	return s;
}
