/* Image layer extraction helpers for tar.c (tar_layer.h): the two-stage reader that lets
 * one decompression pass feed both the blob digest (the file's bytes) and the diff id (the
 * tar stream's), and OCI whiteouts turned into overlay ones.
 *
 * The first reader is libarchive's "raw" format over the file through the decompression
 * filters: its data is the decompressed stream. The second reads that stream as a tar,
 * through a read callback that hands it the first one's data blocks as they are (no copy).
 * Each stage sees every byte once and in order, so hashing in the callbacks gives the
 * digests of the whole file and of the whole stream. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "tar_layer.h"
#include "error.h"

#define BLOCK (64u << 10) /* read size of the file */

struct ctri_tar_stream {
	int fd;
	const struct ctri_tar_extract_opts *o;
	struct archive *raw; /* the file, decompressed */
	struct archive *tar; /* the entries, read from raw */
	long long tar_len;   /* bytes of the decompressed stream handed to tar so far */
	char buf[BLOCK];     /* raw's read buffer */
};

/* ---- the two-stage reader ------------------------------------------------------------ */

static la_ssize_t raw_read(struct archive *a, void *arg, const void **out)
{
	struct ctri_tar_stream *s = arg;
	ssize_t n;

	while ((n = read(s->fd, s->buf, sizeof(s->buf))) < 0 && errno == EINTR)
		;
	if (n < 0) {
		archive_set_error(a, errno, "read: %s", strerror(errno));
		return -1;
	}
	if (n > 0 && s->o->raw)
		s->o->raw(s->o->ud, s->buf, (size_t)n);
	*out = s->buf;
	return n;
}

static la_ssize_t tar_read(struct archive *a, void *arg, const void **out)
{
	struct ctri_tar_stream *s = arg;
	size_t len = 0;
	la_int64_t off;
	int r = archive_read_data_block(s->raw, out, &len, &off);

	if (r == ARCHIVE_EOF)
		return 0;
	if (r != ARCHIVE_OK) {
		const char *msg = archive_error_string(s->raw);
		archive_set_error(a, archive_errno(s->raw), "%s", msg ? msg : "cannot decompress");
		return -1;
	}
	if (len > 0 && s->o->tar)
		s->o->tar(s->o->ud, *out, len);
	s->tar_len += (long long)len;
	return (la_ssize_t)len;
}

static int stream_err(struct archive *a, const char *path, const char *name, const char *op)
{
	int e = archive_errno(a), code = e == EIO ? CTR_E_IO : CTR_E_INVAL;
	const char *msg = archive_error_string(a);

	code = e == ENOMEM ? CTR_E_NOMEM : code;
	return ctri_cerr(name, op, code, "%s: %s", path, msg ? msg : "not an archive");
}

int ctri_tar_stream_open(int fd, const struct ctri_tar_extract_opts *o, const char *path,
			 const char *name, const char *op, struct ctri_tar_stream **out,
			 struct archive **out_tar)
{
	struct ctri_tar_stream *s = calloc(1, sizeof(*s));
	struct archive_entry *e;

	*out = s;
	if (!s || !(s->raw = archive_read_new()) || !(s->tar = archive_read_new()))
		return ctri_cerr(name, op, CTR_E_NOMEM, "out of memory");
	s->fd = fd;
	s->o = o;
	*out_tar = s->tar;
	/* The filters are libarchive's built-in ones (no external program). */
	if (archive_read_support_format_raw(s->raw) != ARCHIVE_OK ||
	    archive_read_support_filter_gzip(s->raw) < ARCHIVE_WARN ||
	    archive_read_support_filter_bzip2(s->raw) < ARCHIVE_WARN ||
	    archive_read_support_filter_xz(s->raw) < ARCHIVE_WARN ||
	    archive_read_support_filter_zstd(s->raw) < ARCHIVE_WARN ||
	    archive_read_support_filter_lz4(s->raw) < ARCHIVE_WARN ||
	    archive_read_open(s->raw, s, NULL, raw_read, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(s->raw, &e) != ARCHIVE_OK)
		return stream_err(s->raw, path, name, op);
	/* Tar only: an mtree "archive" names files on this machine to take the contents
	 * from. */
	if (archive_read_support_format_tar(s->tar) != ARCHIVE_OK ||
	    archive_read_open(s->tar, s, NULL, tar_read, NULL) != ARCHIVE_OK)
		return stream_err(s->tar, path, name, op);
	return 0;
}

int ctri_tar_stream_finish(struct ctri_tar_stream *s, const char *path, const char *name,
			   const char *op)
{
	long long end = archive_read_header_position(s->tar);
	const void *buf;
	int r;

	while ((r = tar_read(s->tar, s, &buf)) > 0)
		;
	if (r < 0)
		return stream_err(s->tar, path, name, op);
	while ((r = raw_read(s->raw, s, &buf)) > 0)
		;
	if (r < 0)
		return stream_err(s->raw, path, name, op);
	/* The reader stopped at end: a zero block there, or the stream's end (cut). */
	if (s->tar_len < end + 512)
		return ctri_cerr(name, op, CTR_E_INVAL,
				 "%s: truncated: the archive ends without its end-of-archive block",
				 path);
	return 0;
}

void ctri_tar_stream_free(struct ctri_tar_stream *s)
{
	if (!s)
		return;
	if (s->tar)
		archive_read_free(s->tar);
	if (s->raw)
		archive_read_free(s->raw);
	free(s);
}

/* ---- whiteouts ----------------------------------------------------------------------- */

#define WH	".wh."
#define WH_META ".wh..wh."
#define WH_OPQ	".wh..wh..opq"

/* e as a plain entry of type and mode at name: no link, no data, no extended attributes or
 * ACLs. */
static void plain(struct archive_entry *e, const char *name, mode_t type, mode_t perm)
{
	archive_entry_copy_pathname(e, name);
	archive_entry_set_hardlink(e, NULL);
	archive_entry_set_symlink(e, NULL);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_rdev(e, 0);
	archive_entry_set_size(e, 0);
	archive_entry_xattr_clear(e);
	archive_entry_acl_clear(e);
}

enum ctri_whiteout ctri_tar_whiteout(struct archive_entry *e)
{
	const char *name = archive_entry_pathname(e);
	size_t len = name ? strlen(name) : 0, base;

	while (len > 0 && name[len - 1] == '/')
		len--;
	for (base = len; base > 0 && name[base - 1] != '/'; base--)
		;
	const char *b = name + base;
	size_t blen = len - base;
	if (blen < sizeof(WH) - 1 || strncmp(b, WH, sizeof(WH) - 1) != 0)
		return CTRI_WH_NONE;
	if (blen == sizeof(WH_OPQ) - 1 && !strncmp(b, WH_OPQ, blen)) {
		char *dir = base ? strndup(name, base) : strdup(".");
		if (!dir)
			return CTRI_WH_BAD;
		plain(e, dir, AE_IFDIR, 0755);
		free(dir);
		return CTRI_WH_OPAQUE;
	}
	if (blen >= sizeof(WH_META) - 1 && !strncmp(b, WH_META, sizeof(WH_META) - 1))
		return CTRI_WH_SKIP;
	size_t nlen = blen - (sizeof(WH) - 1);
	const char *n = b + sizeof(WH) - 1;
	if (nlen == 0 || (nlen == 1 && n[0] == '.') || (nlen == 2 && !strncmp(n, "..", 2)))
		return CTRI_WH_BAD;
	char *target = malloc(base + nlen + 1);
	if (!target)
		return CTRI_WH_BAD;
	memcpy(target, name, base);
	memcpy(target + base, n, nlen);
	target[base + nlen] = '\0';
	plain(e, target, AE_IFCHR, 0);
	free(target);
	return CTRI_WH_FILE;
}

int ctri_tar_set_opaque(const char *rel)
{
	char *path = strdup(rel), *save = NULL;
	int fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (!path || fd < 0) {
		r = !path ? -ENOMEM : -errno;
		goto out;
	}
	/* One component at a time, none of them a symbolic link. */
	for (char *c = strtok_r(path, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		int next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			r = -errno;
			goto out;
		}
		close(fd);
		fd = next;
	}
	if (fsetxattr(fd, "trusted.overlay.opaque", "y", 1, 0) < 0)
		r = -errno;
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return r;
}
