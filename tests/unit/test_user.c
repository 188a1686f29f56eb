/* record/user.c: "USER[:GROUP]" resolved in a root filesystem's /etc/passwd and /etc/group,
 * never outside that root, never blocked by what the root holds. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests.h"
#include "testutil.h"
#include "user.h"

static char *root;

static void put(const char *rel, const char *text)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void make_root(void)
{
	char path[4096];

	root = tu_path("root");
	ck_assert_int_eq(mkdir(root, 0755), 0);
	snprintf(path, sizeof(path), "%s/etc", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	put("etc/passwd", "root:x:0:0::/:/bin/sh\n"
			  "# a comment, then a damaged line\n"
			  "broken:x:notanumber:1::/:\n"
			  "app:x:1000:1000::/:/bin/sh\n"
			  "svc:x:2000:2000::/:/bin/sh\n");
	put("etc/group", "short:x:7\nroot:x:0:\nstaff:x:50:svc,app\nwheel:x:10:root,application\n"
			 "app:x:1000:\ndocker:x:999:app\n");
}

/* The resolved user as "uid:gid:g1,g2", or "INVAL" or "IO". */
static const char *resolve(const char *spec)
{
	static char buf[128];
	json_object *o = NULL, *v;
	int r = ctri_user_resolve("c", "test", root, spec, &o);

	if (r < 0) {
		snprintf(buf, sizeof(buf), "%s",
			 r == CTR_E_INVAL ? "INVAL"
			 : r == CTR_E_IO  ? "IO"
					  : "other error");
		return buf;
	}
	json_object_object_get_ex(o, "uid", &v);
	int n = snprintf(buf, sizeof(buf), "%d:", json_object_get_int(v));
	json_object_object_get_ex(o, "gid", &v);
	n += snprintf(buf + n, sizeof(buf) - n, "%d:", json_object_get_int(v));
	if (json_object_object_get_ex(o, "additionalGids", &v))
		for (size_t i = 0; i < json_object_array_length(v); i++)
			n += snprintf(buf + n, sizeof(buf) - n, "%s%d", i ? "," : "",
				      json_object_get_int(json_object_array_get_idx(v, i)));
	json_object_put(o);
	return buf;
}

START_TEST(test_names_and_numbers_resolve_as_runc_does)
{
	make_root();
	ck_assert_str_eq(resolve("app"), "1000:1000:50,999");
	ck_assert_str_eq(resolve("1000"), "1000:1000:50,999"); /* a listed uid: the same */
	ck_assert_str_eq(resolve("svc:app"), "2000:1000:");    /* a group: only that one */
	ck_assert_str_eq(resolve("svc:7"), "2000:7:");
	ck_assert_str_eq(resolve("31337"), "31337:0:"); /* not listed: gid 0, no groups */
	ck_assert_str_eq(resolve("0:0"), "0:0:");
	ck_assert_str_eq(resolve("root"), "0:0:10"); /* member lists match whole names */
	ck_assert_str_eq(resolve("ghost"), "INVAL");
	TU_SAYS("\"ghost\" is not in /etc/passwd");
	ck_assert_str_eq(resolve("app:ghosts"), "INVAL");
	TU_SAYS("\"ghosts\" is not in /etc/group");
	ck_assert_str_eq(resolve("a:b:c"), "INVAL");
	TU_SAYS("is not USER[:GROUP]");
}
END_TEST

START_TEST(test_missing_files_matter_only_for_names)
{
	char path[4096];

	make_root();
	snprintf(path, sizeof(path), "%s/etc/passwd", root);
	unlink(path);
	snprintf(path, sizeof(path), "%s/etc/group", root);
	unlink(path);
	ck_assert_str_eq(resolve("1000"), "1000:0:");
	ck_assert_str_eq(resolve("1000:5"), "1000:5:");
	ck_assert_str_eq(resolve("app"), "INVAL");
	TU_SAYS("(no such file)");
}
END_TEST

/* A symbolic link that climbs out resolves inside the root (to the same file: no loop out),
 * and an absolute one is taken against the root, not the host's /etc. */
START_TEST(test_links_never_leave_the_root)
{
	char path[4096];

	make_root();
	put("etc/users", "app:x:7:7::/:/bin/sh\n");
	snprintf(path, sizeof(path), "%s/etc/passwd", root);
	unlink(path);
	ck_assert_int_eq(symlink("/etc/users", path), 0);
	/* Without openat2 (valgrind does not know it) no link is followed: an error. */
	struct open_how how = { .flags = O_RDONLY };
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));
	int no_openat2 = fd < 0 && errno == ENOSYS;
	ck_assert_str_eq(resolve("app"), no_openat2 ? "IO" : "7:7:50,999");
	if (fd >= 0)
		close(fd);
	unlink(path);
	ck_assert_int_eq(symlink("../../../../../../../../etc/passwd", path), 0);
	/* In the root this is the link itself: a loop, never the host's file (which has
	 * root; it would give 0:0). */
	ck_assert_int_lt(ctri_user_resolve("c", "test", root, "root", &(json_object *){ NULL }), 0);
}
END_TEST

/* A FIFO or a directory in place of /etc/passwd is an error, not a hang. */
START_TEST(test_a_fifo_in_place_of_the_file_does_not_block)
{
	char path[4096];

	make_root();
	snprintf(path, sizeof(path), "%s/etc/passwd", root);
	unlink(path);
	ck_assert_int_eq(mkfifo(path, 0644), 0);
	ck_assert_str_eq(resolve("app"), "IO");
	unlink(path);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_str_eq(resolve("app"), "IO");
}
END_TEST

Suite *suite_user(void)
{
	Suite *s = suite_create("user");
	TCase *tc = tcase_create("user");

	tu_add_fixtures(tc, NULL);
	tcase_add_test(tc, test_names_and_numbers_resolve_as_runc_does);
	tcase_add_test(tc, test_missing_files_matter_only_for_names);
	tcase_add_test(tc, test_links_never_leave_the_root);
	tcase_add_test(tc, test_a_fifo_in_place_of_the_file_does_not_block);
	suite_add_tcase(s, tc);
	return s;
}
