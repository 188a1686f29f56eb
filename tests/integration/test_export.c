/* ctr_export with real containers: the busybox rootfs as GNU tar sees it (busybox, its applet
 * symlinks, a hard link) and extracted equal to the original; a running container that keeps
 * writing; a layered container's merged view, with the overlay mounted for the export only
 * when nobody holds it. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "itest.h"

/* Writes and removes files and directories in /tmp as fast as the shell can. */
#define CHURN                                                                                      \
	"trap 'exit 0' TERM; touch /shared/ready; i=0; while :; do i=$((i+1)); "                   \
	"echo $i > /tmp/f$((i%64)); rm -f /tmp/f$(((i+32)%64)); mkdir -p /tmp/d$((i%8))/x; "       \
	"rm -rf /tmp/d$(((i+4)%8)); done"

static char *base_path(const char *leaf)
{
	char *p = NULL;

	ck_assert_int_ge(asprintf(&p, "%s/%s", it_base(), leaf), 0);
	return p;
}

/* Run argv; its output (malloc'd), asserting it exits with 0. */
static char *run_ok(const char *const *argv)
{
	char *out = NULL;
	int status = it_run(argv, &out);

	ck_assert_msg(status == 0, "%s %s exited with %d: %s", argv[0], argv[1], status,
		      out ? out : "");
	return out;
}

/* A copy of the busybox rootfs in it_base()/rootfs, with bin/bb-hard a hard link to
 * bin/busybox. */
static char *own_rootfs(void)
{
	char *dir = base_path("rootfs"), *bb = base_path("rootfs/bin/busybox");
	char *hard = base_path("rootfs/bin/bb-hard");
	const char *const cp[] = { "cp", "-a", it_rootfs(), dir, NULL };

	free(run_ok(cp));
	ck_assert_int_eq(link(bb, hard), 0);
	free(bb);
	free(hard);
	return dir;
}

static ctr_container_t *on_rootfs(const char *rootfs, const char *script)
{
	ctr_config_t *cfg = it_config(script);

	IT_OK(ctr_config_set_rootfs(cfg, rootfs));
	return it_create(it_rt, cfg);
}

/* The listing of `tar -tvf path`. */
static char *tar_list(const char *path)
{
	const char *const argv[] = { "tar", "-tvf", path, NULL };

	return run_ok(argv);
}

/* The line of listing that ends with " name" (or " name -> ..." / " name link to ..."). */
static const char *line_of(const char *listing, const char *name, char *buf, size_t size)
{
	char pat[PATH_MAX];

	snprintf(pat, sizeof(pat), " %s", name);
	for (const char *p = listing; (p = strstr(p, pat)); p++) {
		const char *end = p + strlen(pat);
		if (*end != '\n' && strncmp(end, " -> ", 4) != 0 &&
		    strncmp(end, " link to ", 9) != 0)
			continue;
		const char *start = p;
		while (start > listing && start[-1] != '\n')
			start--;
		size_t n = strcspn(start, "\n");
		snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), start);
		return buf;
	}
	ck_abort_msg("no entry %s in:\n%.2000s", name, listing);
	return NULL;
}

START_TEST(test_export_lists_busybox_its_applet_links_and_extracts_equal_to_the_rootfs)
{
	char *rootfs = own_rootfs(), *tar = base_path("export.tar"), *into = base_path("x");
	ctr_container_t *c = on_rootfs(rootfs, "true");
	char line[512];
	struct stat st, st2;

	IT_OK(ctr_export(c, tar));
	ck_assert_int_eq(stat(tar, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	char *list = tar_list(tar);
	/* whichever of bin/busybox and bin/bb-hard the walk met first holds the data (a file
	 * system's directory order decides which); the other is a hard link to it */
	int busybox_first = strstr(list, " bin/bb-hard link to bin/busybox\n") != NULL;
	ck_assert_msg(busybox_first || strstr(list, " bin/busybox link to bin/bb-hard\n"),
		      "no hard link in:\n%.3000s", list);
	line_of(list, busybox_first ? "bin/busybox" : "bin/bb-hard", line, sizeof(line));
	ck_assert_msg(!strncmp(line, "-rwx", 4), "%s", line);
	line_of(list, "bin/sh", line, sizeof(line));
	ck_assert_msg(line[0] == 'l' && strstr(line, "bin/sh -> busybox"), "%s", line);
	line_of(list, "bin/ls", line, sizeof(line));
	ck_assert_msg(line[0] == 'l' && strstr(line, "bin/ls -> busybox"), "%s", line);
	ck_assert_msg(line_of(list, "tmp/", line, sizeof(line))[0] == 'd' && line[9] == 't', "%s",
		      line);

	ck_assert_int_eq(mkdir(into, 0700), 0);
	const char *const xf[] = { "tar", "--numeric-owner", "-xpf", tar, "-C", into, NULL };
	free(run_ok(xf));
	const char *const diff[] = { "diff", "-r", "--no-dereference", rootfs, into, NULL };
	free(run_ok(diff));
	char *a = base_path("x/bin/busybox"), *b = base_path("x/bin/bb-hard");
	ck_assert_int_eq(lstat(a, &st), 0);
	ck_assert_int_eq(lstat(b, &st2), 0);
	ck_assert_int_eq(st.st_ino, st2.st_ino);
	free(a);
	free(b);
	free(list);
	free(rootfs);
	free(tar);
	free(into);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_export_of_a_running_container_that_keeps_writing)
{
	char *rootfs = own_rootfs(), *tar = base_path("export.tar"), line[512];
	ctr_container_t *c = on_rootfs(rootfs, CHURN);

	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	for (int i = 0; i < 20; i++) {
		IT_OK(ctr_export(c, tar));
		char *list = tar_list(tar);
		line_of(list, "bin/busybox", line, sizeof(line));
		free(list);
	}
	IT_STATE(c, CTR_STATE_RUNNING);
	IT_OK(ctr_stop(c, 5));
	ctr_container_free(c);
	free(rootfs);
	free(tar);
}
END_TEST

START_TEST(test_export_of_a_layered_container_is_its_merged_view)
{
	char *tar = base_path("export.tar"), line[512];
	ctr_container_t *c = it_create(
	    it_rt, it_config_layered("echo new > /tmp/new; rm /bin/ls; touch /shared/ready; "
				     "trap 'exit 0' TERM; while :; do sleep 0.1; done"));

	/* Not running: the overlay is mounted for the export, and let go of after it. */
	IT_OK(ctr_export(c, tar));
	char *list = tar_list(tar);
	line_of(list, "layer2.txt", line, sizeof(line));
	line_of(list, "bin/ls", line, sizeof(line));
	free(list);
	IT_REFUSED(ctr_unmount(c, 0), CTR_E_STATE, c);

	/* Running: its run holds the overlay, which stays mounted afterwards. */
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	IT_OK(ctr_export(c, tar));
	list = tar_list(tar);
	line_of(list, "tmp/new", line, sizeof(line));
	ck_assert_msg(!strstr(list, " bin/ls -> "), "a removed file was exported:\n%.3000s", list);
	free(list);
	IT_REFUSED(ctr_unmount(c, 0), CTR_E_BUSY, c);
	IT_OK(ctr_stop(c, 5));
	ctr_container_free(c);
	free(tar);
}
END_TEST

START_TEST(test_export_refusals_name_the_container)
{
	ctr_container_t *c = it_sh(it_rt, "true");
	char *tar = base_path("no/such/dir/export.tar");

	IT_FAILS(ctr_export(c, NULL), CTR_E_INVAL);
	IT_FAILS(ctr_export(NULL, tar), CTR_E_INVAL);
	IT_REFUSED(ctr_export(c, tar), CTR_E_IO, c);
	ck_assert_msg(strstr(ctr_last_error(), "no/such/dir"), "%s", ctr_last_error());
	IT_OK(ctr_remove(c, 0));
	IT_FAILS(ctr_export(c, tar), CTR_E_REMOVED);
	ctr_container_free(c);
	free(tar);
}
END_TEST

Suite *suite_export(void)
{
	Suite *s = suite_create("export");
	TCase *tc = tcase_create("export");

	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc,
		       test_export_lists_busybox_its_applet_links_and_extracts_equal_to_the_rootfs);
	tcase_add_test(tc, test_export_of_a_running_container_that_keeps_writing);
	tcase_add_test(tc, test_export_of_a_layered_container_is_its_merged_view);
	tcase_add_test(tc, test_export_refusals_name_the_container);
	suite_add_tcase(s, tc);
	return s;
}
