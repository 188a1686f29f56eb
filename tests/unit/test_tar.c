/* The tar module (tar.c): trees and memory files written and extracted back with what
 * a root filesystem needs kept, unsafe archives refused without a byte written outside the
 * target, broken archives refused, and ctr_export of a plain rootfs. The options of image
 * layers are in test_tar_layer.c. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <archive.h>
#include <archive_entry.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/socket.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "tar.h"
#include "tar_fixture.h"
#include "tests.h"
#include "testutil.h"
#include "util.h"

/* src/: the things a root filesystem holds. */
static void make_tree(void)
{
	struct timespec times[2] = { { 1000000000, 123456789 }, { 1000000000, 123456789 } };
	char *p;

	dir("src", 0751);
	put("src/hello", "hello\n", 0644);
	dir("src/bin", 0755);
	put("src/bin/su", "#!/bin/sh\n", 04755);
	put("src/bin/wall", "#!/bin/sh\n", 02711);
	put("src/owned", "mine\n", 0640);
	p = at("src/owned");
	ck_assert_int_eq(chown(p, 1234, 5678), 0);
	ck_assert_int_eq(utimensat(AT_FDCWD, p, times, 0), 0);
	symlink_at("hello", "src/rel");
	symlink_at("/etc/passwd", "src/abs");
	symlink_at("../hello", "src/bin/up");
	p = at("src/rel");
	ck_assert_int_eq(lchown(p, 1234, 5678), 0);
	put("src/bin/h1", "linked\n", 0755);
	char *h1 = at("src/bin/h1"), *h2 = at("src/h2");
	ck_assert_int_eq(link(h1, h2), 0);
	dir("src/empty", 0700);
	dir("src/tmp", 01777);
	p = at("src/fifo");
	ck_assert_int_eq(mkfifo(p, 0600), 0);
	p = at("src/sock");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", p);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(s);
}

static void assert_same_meta(const char *a, const char *b)
{
	struct stat x = lstat_of(a), y = lstat_of(b);

	ck_assert_msg(x.st_mode == y.st_mode, "%s: mode %o, %s: %o", a, x.st_mode, b, y.st_mode);
	ck_assert_msg(x.st_uid == y.st_uid && x.st_gid == y.st_gid, "%s: owner %d:%d, %s: %d:%d", a,
		      x.st_uid, x.st_gid, b, y.st_uid, y.st_gid);
	if (!S_ISLNK(x.st_mode))
		ck_assert_msg(x.st_mtim.tv_sec == y.st_mtim.tv_sec &&
				  x.st_mtim.tv_nsec == y.st_mtim.tv_nsec,
			      "%s: mtime differs", b);
}

START_TEST(test_a_tree_comes_back_with_modes_owners_times_links_and_empty_dirs)
{
	static const char *const same[] = { "",	     "hello", "bin", "bin/su", "bin/wall",
					    "owned", "rel",   "abs", "bin/up", "bin/h1",
					    "h2",    "empty", "tmp", "fifo" };
	struct ctri_tar_src src = { .prefix = "", .dir = NULL };
	char cwd[PATH_MAX], cwd2[PATH_MAX], a[64], b[64];

	if (geteuid() != 0) {
		printf("skipped %s: needs root to chown\n", __func__);
		return;
	}
	make_tree();
	src.dir = at("src");
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	OK(write_tar("a.tar", &src, 1));
	OK(extract("a.tar", "out"));
	ck_assert_str_eq(getcwd(cwd2, sizeof(cwd2)), cwd); /* the caller's never moved */
	ck_assert_int_eq(lstat_of("a.tar").st_mode, S_IFREG | 0600);
	ck_assert_str_eq(listing(""), ".\n..\na.tar\nout\nsrc\n"); /* no temporary file left */
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		snprintf(a, sizeof(a), "src/%s", same[i]);
		snprintf(b, sizeof(b), "out/%s", same[i]);
		assert_same_meta(a, b);
	}
	ck_assert_str_eq(text_of("out/hello"), "hello\n");
	ck_assert_str_eq(link_of("out/rel"), "hello");
	ck_assert_str_eq(link_of("out/abs"), "/etc/passwd");
	ck_assert_str_eq(link_of("out/bin/up"), "../hello");
	ck_assert_int_eq(lstat_of("out/owned").st_uid, 1234);
	ck_assert_int_eq(lstat_of("out/owned").st_gid, 5678);
	ck_assert_int_eq(lstat_of("out/bin/su").st_mode & 07777, 04755);
	ck_assert_int_eq(lstat_of("out/h2").st_ino, lstat_of("out/bin/h1").st_ino);
	ck_assert_int_eq(lstat_of("out/h2").st_nlink, 2);
	ck_assert_str_eq(text_of("out/h2"), "linked\n");
	ck_assert_str_eq(listing("out/empty"), ".\n..\n");
	ck_assert(!exists("out/sock"));
}
END_TEST

START_TEST(test_names_are_relative_with_numeric_owners_and_hard_links_point_at_the_first)
{
	struct ctri_tar_src src = { .prefix = "" };

	if (geteuid() != 0) {
		printf("skipped %s: needs root to chown\n", __func__);
		return;
	}
	make_tree();
	src.dir = at("src");
	OK(write_tar("a.tar", &src, 1));
	char *list = entries_of("a.tar");
	ck_assert_msg(!strncmp(list, "./ 4 0:0\n", 9), "%s", list);
	ck_assert_msg(strstr(list, "\nhello 10 0:0\n"), "%s", list);
	ck_assert_msg(strstr(list, "\nowned 10 1234:5678\n"), "%s", list);
	ck_assert_msg(strstr(list, "\nabs 12 -> /etc/passwd 0:0\n"), "%s", list);
	ck_assert_msg(strstr(list, "\nfifo 1 0:0\n"), "%s", list);
	ck_assert_msg(!strstr(list, "sock"), "%s", list);
	/* The walk's order decides which name comes first; the other links to it. */
	ck_assert_msg(strstr(list, "\nh2 0 => bin/h1 ") || strstr(list, "\nbin/h1 0 => h2 "), "%s",
		      list);
}
END_TEST

START_TEST(test_a_user_xattr_comes_back)
{
	struct ctri_tar_src src = { .prefix = "" };
	char buf[64];

	dir("src", 0755);
	put("src/f", "x", 0644);
	char *f = at("src/f"), *g = at("out/f");
	if (setxattr(f, "user.ctr.test", "value", 5, 0) < 0) {
		printf("skipped %s: %s has no user xattrs (%s)\n", __func__, f, strerror(errno));
		return;
	}
	src.dir = at("src");
	OK(write_tar("a.tar", &src, 1));
	OK(extract("a.tar", "out"));
	ssize_t n = getxattr(g, "user.ctr.test", buf, sizeof(buf));
	ck_assert_int_eq(n, 5);
	ck_assert(!memcmp(buf, "value", 5));
}
END_TEST

START_TEST(test_memory_files_and_trees_go_under_their_prefixes)
{
	TU_NEEDS_ROOT("extract files owned by root");
	struct ctri_tar_src srcs[] = {
		{ .prefix = "config.json", .data = "{}", .len = 2 },
		{ .prefix = "empty.txt", .data = NULL, .len = 0 },
		{ .prefix = "images", .dir = NULL },
		{ .prefix = "deep/rootfs/", .dir = NULL },
	};
	long long before = time(NULL);

	dir("one", 0750);
	put("one/a", "A", 0644);
	put("one/b", "B", 0644);
	char *a = at("one/a"), *l = at("one/l");
	ck_assert_int_eq(link(a, l), 0);
	dir("two", 0755);
	put("two/c", "C", 0644);
	srcs[2].dir = at("one");
	srcs[3].dir = at("two");
	OK(write_tar("a.tar", srcs, 4));
	OK(extract("a.tar", "out"));
	ck_assert_str_eq(listing("out"), ".\n..\nconfig.json\ndeep\nempty.txt\nimages\n");
	ck_assert_str_eq(text_of("out/config.json"), "{}");
	struct stat st = lstat_of("out/config.json");
	ck_assert_int_eq(st.st_mode, S_IFREG | 0600);
	ck_assert_int_eq(st.st_uid, 0);
	ck_assert_int_ge(st.st_mtim.tv_sec, before);
	ck_assert_int_eq(lstat_of("out/empty.txt").st_size, 0);
	ck_assert_int_eq(lstat_of("out/images").st_mode, S_IFDIR | 0750);
	ck_assert_str_eq(text_of("out/images/b"), "B");
	ck_assert_int_eq(lstat_of("out/images/a").st_ino, lstat_of("out/images/l").st_ino);
	ck_assert_str_eq(text_of("out/deep/rootfs/c"), "C");
	char *list = entries_of("a.tar");
	ck_assert_msg(strstr(list, "images/ 4") && strstr(list, "deep/rootfs/ 4"), "%s", list);
}
END_TEST

START_TEST(test_a_sparse_file_and_device_nodes_are_archived)
{
	TU_NEEDS_ROOT("make device nodes");
	struct ctri_tar_src src = { .prefix = "" };

	dir("src", 0755);
	char *p = at("src/sparse"), *dev = at("src/null"), *wh = at("src/gone");
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "end", 3, 8 << 20), 3);
	close(fd);
	ck_assert_int_eq(mknod(dev, S_IFCHR | 0666, makedev(1, 3)), 0);
	ck_assert_int_eq(mknod(wh, S_IFCHR | 0000, makedev(0, 0)), 0);
	src.dir = at("src");
	OK(write_tar("a.tar", &src, 1));
	ck_assert_int_lt(lstat_of("a.tar").st_size, 1 << 20); /* the hole is not stored */
	char *list = entries_of("a.tar");
	ck_assert_msg(strstr(list, "\nnull 2 0:0\n") && strstr(list, "\ngone 2 0:0\n"), "%s", list);
	/* The device is refused on the way back; without it the rest extracts. */
	ck_assert_int_eq(extract("a.tar", "out"), CTR_E_INVAL);
	ck_assert_msg(strstr(ctr_last_error(), "\"null\" is a device node"), "%s",
		      ctr_last_error());
	ck_assert_int_eq(unlink(dev), 0);
	OK(write_tar("a.tar", &src, 1));
	tu_rm_rf(at("out"));
	OK(extract("a.tar", "out"));
	ck_assert_int_eq(lstat_of("out/sparse").st_size, (8 << 20) + 3);
	ck_assert_int_eq(lstat_of("out/gone").st_rdev, makedev(0, 0)); /* an overlay whiteout */
	char *q = at("out/sparse"), buf[4] = "";
	fd = open(q, O_RDONLY | O_CLOEXEC);
	ck_assert_int_eq(pread(fd, buf, 3, 8 << 20), 3);
	ck_assert_str_eq(buf, "end");
	close(fd);
}
END_TEST

/* ---- a tree that changes while it is read --------------------------------------------- */

#define VANISH "vanish-" /* the names removed as the walk comes to them */

static int vanish_armed; /* set before the walk's thread starts, cleared after it ends */

/* libarchive's tree walk looks at each name its directory listed with fstatat, relative
 * to the directory, without following links. This definition interposes on glibc's (the
 * test program exports it: libarchive.so refers to it). While armed it removes a name
 * that starts with VANISH just before looking, as a running container removes a file
 * between its directory's listing and the walk's visit; otherwise it is glibc's fstatat. */
int fstatat(int fd, const char *file, struct stat *st, int flags)
{
	int (*real)(int, const char *, struct stat *, int) =
	    (int (*)(int, const char *, struct stat *, int))dlsym(RTLD_NEXT, "fstatat");
	const char *slash = strrchr(file, '/');

	if (vanish_armed && (flags & AT_SYMLINK_NOFOLLOW) &&
	    !strncmp(slash ? slash + 1 : file, VANISH, strlen(VANISH)))
		unlinkat(fd, file, 0);
	return real(fd, file, st, flags);
}

/* In rel, a file named VANISH, tag, then x's up to a path (at(rel)/name) of len bytes, or
 * no x's when the path is longer already (a long TMPDIR). */
static void put_vanishing(const char *rel, size_t len, char tag)
{
	char name[NAME_MAX + 1], *path;
	size_t n = snprintf(name, sizeof(name), "%s%c", VANISH, tag);
	size_t dlen = strlen(at(rel)) + 1;

	while (dlen + n < len && n < NAME_MAX)
		name[n++] = 'x';
	name[n] = '\0';
	path = keep(ctri_strdupf("%s/%s", rel, name));
	put(path, "soon gone\n", 0644);
}

START_TEST(test_files_removed_while_a_tree_is_read_are_left_out)
{
	static const char *const trees[] = { "mixed", "short", "long", "full" };
	struct ctri_tar_src srcs[4];

	/* Amid files that stay, in any order of the listing. */
	dir("mixed", 0755);
	for (char tag = '1'; tag <= '3'; tag++) {
		char *k = keep(ctri_strdupf("mixed/keep-%c", tag));
		put(k, "kept\n", 0644);
		put_vanishing("mixed", 0, tag);
	}
	/* The last names of a walk. libarchive 3.6 notes them in a string it then loses
	 * (tests/valgrind/libctr.supp), allocated last where the lengths decide: in 64 bytes
	 * (one path of under 64 bytes), grown by a name (one of 100 bytes), grown by the space
	 * before the second name (two of 127, the first filling 128 bytes). */
	dir("short", 0755);
	put_vanishing("short", 0, 's');
	dir("long", 0755);
	put_vanishing("long", 100, 'l');
	dir("full", 0755);
	put_vanishing("full", 127, 'a');
	put_vanishing("full", 127, 'b');
	for (size_t i = 0; i < 4; i++)
		srcs[i] = (struct ctri_tar_src){ .prefix = trees[i], .dir = at(trees[i]) };
	vanish_armed = 1;
	int r = write_tar("v.tar", srcs, 4);
	vanish_armed = 0;
	OK(r);
	/* Removed during the walk, by the fstatat above. */
	for (size_t i = 0; i < 4; i++)
		ck_assert_msg(!strstr(listing(trees[i]), VANISH), "%s: %s", trees[i],
			      listing(trees[i]));
	OK(extract("v.tar", "out"));
	ck_assert_str_eq(listing("out"), ".\n..\nfull\nlong\nmixed\nshort\n");
	ck_assert_str_eq(listing("out/mixed"), ".\n..\nkeep-1\nkeep-2\nkeep-3\n");
	ck_assert_str_eq(text_of("out/mixed/keep-2"), "kept\n");
	ck_assert_str_eq(listing("out/short"), ".\n..\n");
	ck_assert_str_eq(listing("out/long"), ".\n..\n");
	ck_assert_str_eq(listing("out/full"), ".\n..\n");
}
END_TEST

/* ---- failures of writing -------------------------------------------------------------- */

START_TEST(test_a_missing_source_is_io_and_leaves_the_old_archive_alone)
{
	struct ctri_tar_src src = { .prefix = "", .dir = NULL };

	put("a.tar", "old", 0644);
	src.dir = at("nowhere");
	ck_assert_int_eq(write_tar("a.tar", &src, 1), CTR_E_IO);
	ck_assert_msg(strstr(ctr_last_error(), "container box: cannot export: ") &&
			  strstr(ctr_last_error(), "nowhere"),
		      "%s", ctr_last_error());
	ck_assert_str_eq(text_of("a.tar"), "old");
	ck_assert_str_eq(listing(""), ".\n..\na.tar\n");
}
END_TEST

START_TEST(test_bad_prefixes_are_inval)
{
	static const char *const bad[] = { "../x", "/abs", "a/../../x", ".." };
	struct ctri_tar_src src = { .data = "x", .len = 1 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		src.prefix = bad[i];
		ck_assert_int_eq(write_tar("a.tar", &src, 1), CTR_E_INVAL);
	}
	src.prefix = ""; /* a memory file needs a name */
	ck_assert_int_eq(write_tar("a.tar", &src, 1), CTR_E_INVAL);
	ck_assert(!exists("a.tar"));
}
END_TEST

/* ---- unsafe archives ------------------------------------------------------------------ */

/* extract(), with what ctri_tar_extract_opts says of a refused entry in *refused. */
static int extract_telling(const char *rel, const char *to, int *refused)
{
	*refused = -1;
	return ctri_tar_extract_opts(at(rel), at(to), NULL, "box", "import", refused);
}

/* Extract ents into base/p/target: CTR_E_INVAL naming want, told as a refused entry, and
 * nothing new outside target (base and base/p list the same names before and after). */
static void assert_refused(const struct craft *ents, size_t n, const char *want)
{
	int refused;

	dir("p/target", 0755);
	put("p/outside", "outside", 0644);
	craft_tar("x.tar", ents, n, 0);
	char *top = listing(""), *parent = listing("p");
	int r = extract_telling("x.tar", "p/target", &refused);
	ck_assert_msg(r == CTR_E_INVAL, "%d: %s", r, ctr_last_error());
	ck_assert_int_eq(refused, 1);
	ck_assert_msg(strstr(ctr_last_error(), want), "want \"%s\" in: %s", want, ctr_last_error());
	ck_assert_msg(strstr(ctr_last_error(), "container box: cannot import: "), "%s",
		      ctr_last_error());
	ck_assert_str_eq(listing(""), top);
	ck_assert_str_eq(listing("p"), parent);
	ck_assert_str_eq(text_of("p/outside"), "outside");
	tu_rm_rf(at("p"));
}

#define REFUSED(want, ...)                                                                         \
	do {                                                                                       \
		const struct craft ents_[] = { __VA_ARGS__ };                                      \
		assert_refused(ents_, sizeof(ents_) / sizeof(ents_[0]), want);                     \
	} while (0)

START_TEST(test_names_that_climb_out_or_are_absolute_are_refused)
{
	TU_NEEDS_ROOT("extract files owned by root");
	char abs[64];

	snprintf(abs, sizeof(abs), "/tmp/ctr-test-abs-%d", (int)getpid());
	REFUSED("\"../x\"", { .name = "ok", .data = "fine" }, { .name = "../x", .data = "x" });
	REFUSED("\"a/../../x\"", { .name = "a/../../x", .data = "x" });
	REFUSED(abs, { .name = abs, .data = "x" });
	ck_assert_int_ne(access(abs, F_OK), 0);
}
END_TEST

START_TEST(test_links_that_lead_out_are_refused)
{
	TU_NEEDS_ROOT("extract files owned by root");
	REFUSED("\"l\" is a symbolic link out of the directory",
		{ .name = "l", .type = AE_IFLNK, .link = "../../etc" },
		{ .name = "l/passwd", .data = "root::0:0::/:/bin/sh\n" });
	REFUSED("\"a/b/l\"", { .name = "a/", .type = AE_IFDIR },
		{ .name = "a/b/", .type = AE_IFDIR },
		{ .name = "a/b/l", .type = AE_IFLNK, .link = "../../../outside" });
	REFUSED("\"h\" is a hard link outside", { .name = "h", .hard = 1, .link = "../outside" });
	REFUSED("\"h\" is a hard link outside", { .name = "h", .hard = 1, .link = "/etc/passwd" });
}
END_TEST

START_TEST(test_nothing_is_written_through_a_symlink_an_earlier_entry_made)
{
	TU_NEEDS_ROOT("extract files owned by root");
	/* l stays inside, so it is extracted; the entries through it are not. */
	REFUSED("\"l/x\"", { .name = "sub/", .type = AE_IFDIR },
		{ .name = "l", .type = AE_IFLNK, .link = "sub" }, { .name = "l/x", .data = "x" });
	REFUSED("\"h\"", { .name = "sub/", .type = AE_IFDIR }, { .name = "sub/f", .data = "f" },
		{ .name = "l", .type = AE_IFLNK, .link = "sub" },
		{ .name = "h", .hard = 1, .link = "l/f" });
}
END_TEST

START_TEST(test_device_nodes_are_refused)
{
	REFUSED("\"null\" is a device node",
		{ .name = "null", .type = AE_IFCHR, .major = 1, .minor = 3 });
	REFUSED("\"sda\" is a device node", { .name = "sda", .type = AE_IFBLK, .major = 8 });
}
END_TEST

START_TEST(test_links_that_stay_inside_are_extracted)
{
	TU_NEEDS_ROOT("extract files owned by root");
	const struct craft ents[] = {
		{ .name = "a/b/", .type = AE_IFDIR },
		{ .name = "a/b/up", .type = AE_IFLNK, .link = "../../top" },
		{ .name = "a/b/abs", .type = AE_IFLNK, .link = "/usr/share/zoneinfo/UTC" },
		{ .name = "a/b/dots", .type = AE_IFLNK, .link = "./../b/../.." },
		{ .name = "top", .data = "top" },
		{ .name = "a/hard", .hard = 1, .link = "top" },
	};

	craft_tar("x.tar", ents, sizeof(ents) / sizeof(ents[0]), 1); /* gzip'd, too */
	OK(extract("x.tar", "out"));
	ck_assert_str_eq(link_of("out/a/b/up"), "../../top");
	ck_assert_str_eq(link_of("out/a/b/abs"), "/usr/share/zoneinfo/UTC");
	ck_assert_str_eq(text_of("out/a/hard"), "top");
}
END_TEST

/* ---- broken archives ------------------------------------------------------------------ */

START_TEST(test_truncated_garbage_and_empty_files_are_inval)
{
	TU_NEEDS_ROOT("extract files owned by root");
	struct ctri_tar_src src = { .prefix = "" };
	char big[200001];
	int refused;

	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	dir("src", 0755);
	put("src/big", big, 0644);
	src.dir = at("src");
	OK(write_tar("a.tar", &src, 1));
	char *p = at("a.tar");
	ck_assert_int_eq(truncate(p, lstat_of("a.tar").st_size / 2), 0);
	ck_assert_int_eq(extract_telling("a.tar", "out1", &refused), CTR_E_INVAL);
	ck_assert_msg(strstr(ctr_last_error(), "a.tar"), "%s", ctr_last_error());
	ck_assert_int_eq(refused, 0); /* no entry refused: a broken archive */

	/* Cut where an entry ends: only the missing end-of-archive block tells. */
	const struct craft two[] = { { .name = "one", .data = "1" },
				     { .name = "two", .data = "2" } };
	craft_tar("a.tar", two, 2, 0);
	ck_assert_int_eq(truncate(p, 1024), 0);
	ck_assert_int_eq(extract_telling("a.tar", "out2", &refused), CTR_E_INVAL);
	ck_assert_msg(strstr(ctr_last_error(), "truncated"), "%s", ctr_last_error());
	ck_assert_int_eq(refused, 0);

	char noise[65536];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ck_assert_int_eq(read(fd, noise, sizeof(noise)), (ssize_t)sizeof(noise));
	close(fd);
	noise[257] = 'x'; /* never "ustar" at 257 */
	fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ck_assert_int_eq(write(fd, noise, sizeof(noise)), (ssize_t)sizeof(noise));
	close(fd);
	ck_assert_int_eq(extract_telling("a.tar", "out3", &refused), CTR_E_INVAL);
	ck_assert_int_eq(refused, 0);

	ck_assert_int_eq(truncate(p, 0), 0);
	ck_assert_int_eq(extract_telling("a.tar", "out4", &refused), CTR_E_INVAL);
	ck_assert_msg(strstr(ctr_last_error(), "not an archive"), "%s", ctr_last_error());
	ck_assert_int_eq(refused, 0);

	craft_tar("a.tar", NULL, 0, 0); /* a tar of nothing: fine, and nothing */
	OK(extract_telling("a.tar", "out5", &refused));
	ck_assert_int_eq(refused, 0);
	ck_assert_str_eq(listing("out5"), ".\n..\n");

	tu_rm_rf(p);
	ck_assert_int_eq(extract("a.tar", "out6"), CTR_E_IO);
}
END_TEST

START_TEST(test_an_mtree_file_naming_host_files_is_not_an_archive)
{
	put("m.tar", "#mtree\n./stolen type=file contents=/etc/hostname\n", 0644);
	ck_assert_int_eq(extract("m.tar", "out"), CTR_E_INVAL);
	ck_assert(!exists("out/stolen"));
}
END_TEST

/* ---- ctr_export ----------------------------------------------------------------------- */

START_TEST(test_export_writes_a_plain_rootfs_and_refuses_a_missing_path)
{
	ctr_runtime_t *rt = tu_runtime();
	ctr_config_t *cfg = tu_config("exported");
	ctr_container_t *c = NULL;

	ck_assert_int_eq(ctr_create(rt, cfg, &c), 0);
	dir("rootfs/etc", 0755);
	put("rootfs/etc/hostname", "box\n", 0644);
	ck_assert_int_eq(ctr_export(c, NULL), CTR_E_INVAL);
	ck_assert_msg(strstr(ctr_last_error(), "path"), "%s", ctr_last_error());
	ck_assert_int_eq(ctr_export(NULL, "x"), CTR_E_INVAL);
	OK(ctr_export(c, at("e.tar")));
	OK(extract("e.tar", "out"));
	ck_assert_str_eq(text_of("out/etc/hostname"), "box\n");
	ck_assert_int_eq(ctr_export(c, at("no/such/dir/e.tar")), CTR_E_IO);
	ck_assert_msg(strstr(ctr_last_error(), "container exported: cannot export: "), "%s",
		      ctr_last_error());
	ctr_container_free(c);
	ctr_config_free(cfg);
	ctr_runtime_close(rt);
}
END_TEST

Suite *suite_tar(void)
{
	Suite *s = suite_create("tar");
	TCase *tc = tcase_create("tar");

	tu_add_fixtures(tc, archive_teardown);
	tcase_add_test(tc, test_a_tree_comes_back_with_modes_owners_times_links_and_empty_dirs);
	tcase_add_test(
	    tc, test_names_are_relative_with_numeric_owners_and_hard_links_point_at_the_first);
	tcase_add_test(tc, test_a_user_xattr_comes_back);
	tcase_add_test(tc, test_memory_files_and_trees_go_under_their_prefixes);
	tcase_add_test(tc, test_a_sparse_file_and_device_nodes_are_archived);
	tcase_add_test(tc, test_files_removed_while_a_tree_is_read_are_left_out);
	tcase_add_test(tc, test_a_missing_source_is_io_and_leaves_the_old_archive_alone);
	tcase_add_test(tc, test_bad_prefixes_are_inval);
	tcase_add_test(tc, test_names_that_climb_out_or_are_absolute_are_refused);
	tcase_add_test(tc, test_links_that_lead_out_are_refused);
	tcase_add_test(tc, test_nothing_is_written_through_a_symlink_an_earlier_entry_made);
	tcase_add_test(tc, test_device_nodes_are_refused);
	tcase_add_test(tc, test_links_that_stay_inside_are_extracted);
	tcase_add_test(tc, test_truncated_garbage_and_empty_files_are_inval);
	tcase_add_test(tc, test_an_mtree_file_naming_host_files_is_not_an_archive);
	tcase_add_test(tc, test_export_writes_a_plain_rootfs_and_refuses_a_missing_path);
	suite_add_tcase(s, tc);
	return s;
}
