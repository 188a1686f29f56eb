/* Files and crafted archives for the tar suites (test_tar.c, test_tar_layer.c) and the
 * layer store's (test_layer_store.c): paths under the test's base directory, kept for the
 * teardown (archive_teardown) to free. */
#ifndef CTR_TAR_FIXTURE_H
#define CTR_TAR_FIXTURE_H

#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tar.h"
#include "testutil.h"
#include "util.h"

#define OK(call)                                                                                   \
	do {                                                                                       \
		int ok_r_ = (call);                                                                \
		ck_assert_msg(ok_r_ == 0, "%s: %d %s", #call, ok_r_, ctr_last_error());            \
	} while (0)

/* ---- files ---------------------------------------------------------------------------- */

/* What the helpers below return is kept here and freed by the teardown. */
static char *kept[512];
static size_t n_kept;

static inline char *keep(char *p)
{
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_lt(n_kept, sizeof(kept) / sizeof(kept[0]));
	return kept[n_kept++] = p;
}

static inline void archive_teardown(void)
{
	while (n_kept > 0)
		free(kept[--n_kept]);
}

/* base/rel (tu_cleanup removes base). */
static inline char *at(const char *rel)
{
	return keep(tu_path(rel));
}

static inline void put(const char *rel, const char *text, mode_t mode)
{
	char *p = at(rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	ck_assert_msg(fd >= 0, "create %s: %s", p, strerror(errno));
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ck_assert_int_eq(chmod(p, mode), 0); /* past the umask */
}

static inline void dir(const char *rel, mode_t mode)
{
	char *p = at(rel);

	ck_assert_int_eq(ctri_mkdir_p(p, 0755), 0);
	ck_assert_int_eq(chmod(p, mode), 0);
}

static inline void symlink_at(const char *target, const char *rel)
{
	char *p = at(rel);

	ck_assert_int_eq(symlink(target, p), 0);
}

static inline struct stat lstat_of(const char *rel)
{
	char *p = at(rel);
	struct stat st;

	ck_assert_msg(lstat(p, &st) == 0, "lstat %s: %s", p, strerror(errno));
	return st;
}

static inline int exists(const char *rel)
{
	char *p = at(rel);
	struct stat st;
	int r = lstat(p, &st) == 0;

	return r;
}

static inline char *text_of(const char *rel)
{
	char *p = at(rel), *s = NULL;
	size_t len;

	ck_assert_msg(ctri_read_file(p, 1 << 20, &s, &len) == 0, "read %s", p);
	return keep(s);
}

static inline char *link_of(const char *rel)
{
	static char buf[PATH_MAX];
	char *p = at(rel);
	ssize_t n = readlink(p, buf, sizeof(buf) - 1);

	ck_assert_msg(n >= 0, "readlink %s: %s", p, strerror(errno));
	buf[n] = '\0';
	return buf;
}

/* The sorted names in a directory, one a line (malloc'd). */
static inline char *listing(const char *rel)
{
	char *p = at(rel), *out = strdup("");
	struct dirent **names;
	int n = scandir(p, &names, NULL, alphasort);

	ck_assert_msg(n >= 0, "scandir %s: %s", p, strerror(errno));
	for (int i = 0; i < n; i++) {
		char *more = ctri_strdupf("%s%s\n", out, names[i]->d_name);
		free(out);
		free(names[i]);
		out = more;
	}
	free(names);
	return keep(out);
}

static inline int write_tar(const char *rel, const struct ctri_tar_src *srcs, size_t n)
{
	char *p = at(rel);
	int r = ctri_tar_write(p, srcs, n, "box", "export");

	return r;
}

static inline int extract(const char *rel, const char *to)
{
	char *p = at(rel), *d = at(to);
	int r = ctri_tar_extract(p, d, "box", "import");

	return r;
}

/* ---- archives made by hand ------------------------------------------------------------ */

struct craft {
	const char *name;
	mode_t type;	  /* AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFCHR, AE_IFBLK */
	const char *link; /* symlink target, or hard link target when hard */
	int hard;
	const char *data;
	unsigned major, minor;
};

/* An archive of the entries at rel, through libarchive's writer (gzip when gz). */
static inline void craft_tar(const char *rel, const struct craft *ents, size_t n, int gz)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	char *p = at(rel);

	ck_assert_int_eq(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	if (gz)
		ck_assert_int_eq(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_filename(a, p), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		archive_entry_clear(e);
		archive_entry_set_pathname(e, ents[i].name);
		archive_entry_set_filetype(e, ents[i].type ? ents[i].type : AE_IFREG);
		archive_entry_set_perm(e, ents[i].type == AE_IFDIR ? 0755 : 0644);
		if (ents[i].hard)
			archive_entry_set_hardlink(e, ents[i].link);
		else if (ents[i].link)
			archive_entry_set_symlink(e, ents[i].link);
		archive_entry_set_rdevmajor(e, ents[i].major);
		archive_entry_set_rdevminor(e, ents[i].minor);
		size_t len = ents[i].data ? strlen(ents[i].data) : 0;
		archive_entry_set_size(e, (la_int64_t)len);
		ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
		if (len)
			ck_assert_int_eq(archive_write_data(a, ents[i].data, len), (la_ssize_t)len);
	}
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(e);
}

/* The entries of an archive: "name type [-> link | => hardlink] uid:gid [uname]" a line
 * (type: the octal digit of S_IFMT; a hard link's is 0). */
static inline char *entries_of(const char *rel)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char *p = at(rel), *out = strdup("");

	archive_read_support_format_tar(a);
	ck_assert_int_eq(archive_read_open_filename(a, p, 10240), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *sym = archive_entry_symlink(e), *hard = archive_entry_hardlink(e);
		const char *uname = archive_entry_uname(e);
		char *more =
		    ctri_strdupf("%s%s %o%s%s%s%s %lld:%lld%s%s\n", out, archive_entry_pathname(e),
				 (unsigned)archive_entry_filetype(e) >> 12, sym ? " -> " : "",
				 sym ? sym : "", hard ? " => " : "", hard ? hard : "",
				 (long long)archive_entry_uid(e), (long long)archive_entry_gid(e),
				 uname && *uname ? " " : "", uname ? uname : "");
		free(out);
		out = more;
	}
	archive_read_free(a);
	return keep(out);
}

/* ---- round trips ---------------------------------------------------------------------- */

#endif
