/* Tar archives with libarchive (tar.h): pax archives of directory trees and in-memory
 * files, and extraction that writes nothing outside its target directory.
 *
 * libarchive's disk reader and disk writer change the working directory while they work
 * (fchdir into each directory of a walk; chdir down a path too long for one call), and the
 * working directory belongs to the process: every walk and every extraction therefore runs
 * in a thread of its own that has unshared its filesystem context (CLONE_FS), and the
 * caller's threads never see it move. An extraction's thread works from the target
 * directory with relative names only, so that libarchive's own checks (no "..", no
 * absolute name, no symbolic link on the way) hold below the target and do not trip over
 * symbolic links among the target's ancestors.
 *
 * Owners are written and restored as numbers, never through user or group names: a
 * container's ids mean nothing in the host's /etc/passwd (Docker's archives do the same). */
#include <errno.h>
#include <fcntl.h>
#include <archive.h>
#include <archive_entry.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tar.h"
#include "tar_layer.h"
#include "error.h"
#include "util.h"

#define BLOCK	   (64u << 10) /* read size of the archive when extracting */
#define OUT_BLOCK  (1u << 20)  /* write size of an archive (GNU tar's 10240: 35% slower) */
#define MSG_SIZE   1024
#define ERRNO_MISC (-1) /* libarchive's ARCHIVE_ERRNO_MISC, which its header leaves out */

/* Disk writer: the checks libarchive makes on every entry, then what it restores. */
#define EXTRACT_FLAGS                                                                              \
	(ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |                       \
	 ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_OWNER |   \
	 ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL)

/* ---- a thread with a working directory of its own ----------------------------------- */

struct isolated {
	int (*fn)(void *arg);
	void *arg;
	int dirfd; /* the thread's working directory, or -1: the caller's */
	const char *name, *op;
	int r;
	char msg[MSG_SIZE]; /* the thread's message, for the caller's thread */
};

static void *isolated_main(void *p)
{
	struct isolated *iso = p;

	if (unshare(CLONE_FS) < 0)
		iso->r = ctri_cerr(iso->name, iso->op, CTR_E_IO, "unshare(CLONE_FS): %m");
	else if (iso->dirfd >= 0 && fchdir(iso->dirfd) < 0)
		iso->r = ctri_cerr(iso->name, iso->op, CTR_E_IO, "fchdir: %m");
	else
		iso->r = iso->fn(iso->arg);
	if (iso->r < 0)
		snprintf(iso->msg, sizeof(iso->msg), "%s", ctr_last_error());
	return NULL;
}

/* fn(arg) in a new thread (in dirfd when >= 0); its result, its message in this thread. */
static int run_isolated(int (*fn)(void *), void *arg, int dirfd, const char *name, const char *op)
{
	struct isolated iso = { .fn = fn, .arg = arg, .dirfd = dirfd, .name = name, .op = op };
	pthread_t t;
	int e = pthread_create(&t, NULL, isolated_main, &iso);

	if (e != 0)
		return ctri_cerr(name, op, ctri_errno_code(e), "cannot start a thread: %s",
				 strerror(e));
	pthread_join(t, NULL);
	return iso.r < 0 ? ctri_err(iso.r, "%s", iso.msg) : iso.r;
}

/* ---- names --------------------------------------------------------------------------- */

/* Walk the first len bytes of p, a path, one component at a time from depth (directories
 * below the top): "" and "." stay, ".." goes up one, anything else down one. Returns the
 * depth reached, or -1 as soon as ".." would climb above the top. */
static int climb(const char *p, size_t len, int depth)
{
	size_t i = 0;

	while (i < len) {
		size_t n = 0;
		while (i + n < len && p[i + n] != '/')
			n++;
		if (n == 2 && p[i] == '.' && p[i + 1] == '.') {
			if (--depth < 0)
				return -1;
		} else if (n > 0 && !(n == 1 && p[i] == '.')) {
			depth++;
		}
		i += n + 1;
	}
	return depth;
}

static int has_dotdot(const char *p)
{
	for (const char *s = p; (s = strstr(s, "..")); s++)
		if ((s == p || s[-1] == '/') && (s[2] == '/' || s[2] == '\0'))
			return 1;
	return 0;
}

/* ---- writing ------------------------------------------------------------------------- */

struct writer {
	const char *path; /* the archive, for messages */
	const char *name, *op;
	const struct ctri_tar_src *srcs;
	size_t n;
	int fd;		  /* the temporary file */
	struct stat self; /* the temporary file, kept out of the trees */
	struct archive *a;
	struct archive *disk;
	struct archive_entry_linkresolver *links;
	char *zeros; /* a block of zeros for the holes of sparse files */
};

static int write_err(struct writer *w, struct archive *from, const char *file)
{
	int e = archive_errno(from);

	return ctri_cerr(w->name, w->op, e == ENOMEM ? CTR_E_NOMEM : CTR_E_IO, "%s: %s", file,
			 archive_error_string(from) ? archive_error_string(from) : "failed");
}

/* 1 if the disk reader failed on something removed or replaced since its directory was
 * listed (a running container): libarchive 3.6 says so for a directory only in words. */
static int changed_under_us(struct archive *disk)
{
	static const char visit[] = ": Couldn't visit directory";
	const char *msg = archive_error_string(disk);
	size_t n = msg ? strlen(msg) : 0;
	int e = archive_errno(disk);

	return e == ENOENT || e == ENOTDIR || e == ELOOP ||
	       (e == ERRNO_MISC && n > sizeof(visit) - 1 &&
		!strcmp(msg + n - (sizeof(visit) - 1), visit));
}

/* The archive's name of a tree's entry: the path below dir, under prefix ("." for the top
 * of a tree without one). NULL on ENOMEM or when the path is not below dir. */
static char *tree_name(const char *prefix, const char *dir, const char *path)
{
	size_t dlen = strlen(dir), plen = strlen(prefix);

	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	while (plen > 0 && prefix[plen - 1] == '/')
		plen--;
	if (strncmp(path, dir, dlen) != 0 || (path[dlen] != '/' && path[dlen] != '\0'))
		return NULL;
	const char *rel = path + dlen + strspn(path + dlen, "/");
	if (!plen)
		return strdup(*rel ? rel : ".");
	return ctri_strdupf("%.*s%s%s", (int)plen, prefix, *rel ? "/" : "", rel);
}

/* Write a file's data to the archive: the reader's block (r, buf, len, off) already read,
 * then the rest. Holes (offsets the reader skips) are written as zeros, which the pax
 * writer leaves out again for a sparse entry. A file that grew since its header was written
 * is cut at the header's size; one that shrank is padded with zeros by the writer. */
static int copy_data(struct writer *w, struct archive_entry *e, int r, const void *buf, size_t len,
		     la_int64_t off)
{
	la_int64_t done = 0;

	for (; r == ARCHIVE_OK; r = archive_read_data_block(w->disk, &buf, &len, &off)) {
		while (done < off) {
			if (!w->zeros && !(w->zeros = calloc(1, BLOCK)))
				return ctri_cerr(w->name, w->op, CTR_E_NOMEM, "out of memory");
			size_t n = off - done < BLOCK ? (size_t)(off - done) : BLOCK;
			la_ssize_t k = archive_write_data(w->a, w->zeros, n);
			if (k < 0)
				return write_err(w, w->a, w->path);
			if ((size_t)k < n)
				return 0; /* past the header's size */
			done += k;
		}
		la_ssize_t k = archive_write_data(w->a, buf, len);
		if (k < 0)
			return write_err(w, w->a, w->path);
		if ((size_t)k < len)
			return 0;
		done += k;
	}
	return r == ARCHIVE_EOF ? 0 : write_err(w, w->disk, archive_entry_sourcepath(e));
}

/* One entry from the disk reader: named, linked to an earlier name of its inode, written.
 * A regular file's first block is read before anything is written, so a file removed
 * since the directory was listed (a running container) is left out whole. */
static int write_disk_entry(struct writer *w, const struct ctri_tar_src *src,
			    struct archive_entry *e)
{
	struct archive_entry *spare = NULL;
	char *name = tree_name(src->prefix, src->dir, archive_entry_pathname(e));
	const void *buf = NULL;
	size_t len = 0;
	la_int64_t off = 0;
	int r = ARCHIVE_EOF;

	if (!name)
		return ctri_cerr(w->name, w->op, CTR_E_NOMEM, "%s: cannot name it in the archive",
				 archive_entry_pathname(e));
	archive_entry_copy_pathname(e, name);
	free(name);
	if (archive_entry_filetype(e) != AE_IFREG)
		archive_entry_set_size(e, 0);
	else if (archive_entry_size(e) > 0)
		r = archive_read_data_block(w->disk, &buf, &len, &off);
	if (r != ARCHIVE_OK && r != ARCHIVE_EOF)
		return changed_under_us(w->disk)
			   ? 0
			   : write_err(w, w->disk, archive_entry_sourcepath(e));
	/* The tar strategy marks second and later names of an inode as hard links to the
	 * first (size 0), in place; it never defers an entry nor hands back a second one. */
	archive_entry_linkify(w->links, &e, &spare);
	/* WARN: a name not in the locale's character set, stored as bytes (hdrcharset) */
	if (archive_write_header(w->a, e) < ARCHIVE_WARN)
		return write_err(w, w->a, archive_entry_sourcepath(e));
	return archive_entry_size(e) > 0 ? copy_data(w, e, r, buf, len, off) : 0;
}

/* A directory tree, walked by libarchive's disk reader without following symbolic links
 * (but the top itself may be one). */
static int write_tree(struct writer *w, const struct ctri_tar_src *src)
{
	struct archive_entry *e = archive_entry_new();
	struct stat st;
	int r = 0;

	if (!e)
		return ctri_cerr(w->name, w->op, CTR_E_NOMEM, "out of memory");
	if (stat(src->dir, &st) < 0)
		r = ctri_cerr(w->name, w->op, CTR_E_IO, "%s: %m", src->dir);
	else if (!S_ISDIR(st.st_mode))
		r = ctri_cerr(w->name, w->op, CTR_E_IO, "%s: not a directory", src->dir);
	else if (archive_read_disk_open(w->disk, src->dir) != ARCHIVE_OK)
		r = write_err(w, w->disk, src->dir);
	while (r == 0) {
		archive_entry_clear(e);
		int k = archive_read_next_header2(w->disk, e);
		if (k == ARCHIVE_EOF)
			break;
		/* Something removed or replaced since its directory was listed is left out:
		 * WARN, the entry is the next one; FAILED, there is no entry. */
		int gone = k != ARCHIVE_OK && changed_under_us(w->disk);
		if (k == ARCHIVE_FAILED && gone)
			continue;
		if (k != ARCHIVE_OK && !(k == ARCHIVE_WARN && gone)) {
			const char *path = archive_entry_sourcepath(e);
			r = write_err(w, w->disk, path ? path : src->dir);
		} else if (archive_read_disk_can_descend(w->disk) &&
			   archive_read_disk_descend(w->disk) != ARCHIVE_OK) {
			r = write_err(w, w->disk, archive_entry_sourcepath(e));
		} else if (archive_entry_filetype(e) != AE_IFSOCK &&
			   !(archive_entry_dev(e) == w->self.st_dev &&
			     (ino_t)archive_entry_ino(e) == w->self.st_ino)) {
			r = write_disk_entry(w, src, e);
		}
	}
	archive_read_close(w->disk);
	archive_entry_free(e);
	return r;
}

/* A regular file from memory: mode 0600, owned by root, modified now. */
static int write_memory(struct writer *w, const struct ctri_tar_src *src)
{
	struct archive_entry *e = archive_entry_new();
	struct timespec now;
	int r = 0;

	if (!e)
		return ctri_cerr(w->name, w->op, CTR_E_NOMEM, "out of memory");
	clock_gettime(CLOCK_REALTIME, &now);
	archive_entry_copy_pathname(e, src->prefix);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_size(e, (la_int64_t)src->len);
	archive_entry_set_mtime(e, now.tv_sec, now.tv_nsec);
	if (archive_write_header(w->a, e) < ARCHIVE_WARN) {
		r = write_err(w, w->a, w->path);
		goto out;
	}
	for (size_t done = 0; done < src->len;) {
		la_ssize_t k =
		    archive_write_data(w->a, (const char *)src->data + done, src->len - done);
		if (k <= 0) {
			r = write_err(w, w->a, w->path);
			goto out;
		}
		done += (size_t)k;
	}
out:
	archive_entry_free(e);
	return r;
}

/* The whole archive into w->fd. */
static int write_archive(struct writer *w)
{
	int r = 0;

	w->a = archive_write_new();
	w->disk = archive_read_disk_new();
	w->links = archive_entry_linkresolver_new();
	if (!w->a || !w->disk || !w->links)
		return ctri_cerr(w->name, w->op, CTR_E_NOMEM, "out of memory");
	/* Written in large blocks, the last one not padded beyond the end-of-archive block. */
	if (archive_write_set_format_pax(w->a) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(w->a, OUT_BLOCK) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w->a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(w->a, w->fd) != ARCHIVE_OK)
		return write_err(w, w->a, w->path);
	archive_entry_linkresolver_set_strategy(w->links, archive_format(w->a));
	/* Symbolic links are stored, not followed, but the top of a tree may be one. The
	 * disk reader keeps xattrs and ACLs unless told otherwise; file flags (chattr) are
	 * not kept: the extraction does not restore them. */
	if (archive_read_disk_set_symlink_hybrid(w->disk) != ARCHIVE_OK ||
	    archive_read_disk_set_behavior(w->disk, ARCHIVE_READDISK_NO_FFLAGS) != ARCHIVE_OK)
		return write_err(w, w->disk, w->path);
	for (size_t i = 0; i < w->n && r == 0; i++)
		r = w->srcs[i].dir ? write_tree(w, &w->srcs[i]) : write_memory(w, &w->srcs[i]);
	if (r == 0 && archive_write_close(w->a) != ARCHIVE_OK)
		r = write_err(w, w->a, w->path);
	return r;
}

/* write_archive(), then libarchive's objects freed, in the same thread of its own: the disk
 * reader moves the working directory. */
static int write_all(void *arg)
{
	struct writer *w = arg;
	int r = write_archive(w);

	if (w->a)
		archive_write_free(w->a);
	if (w->disk)
		archive_read_free(w->disk);
	archive_entry_linkresolver_free(w->links);
	free(w->zeros);
	return r;
}

/* fsync the directory that holds path: 0 or -errno. */
static int sync_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : NULL;
	int fd, r = 0;

	if (slash && !dir)
		return -ENOMEM;
	if ((fd = open(dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(fd) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	free(dir);
	return r;
}

int ctri_tar_write(const char *path, const struct ctri_tar_src *srcs, size_t n, const char *name,
		   const char *op)
{
	struct writer w = { .path = path, .name = name, .op = op, .srcs = srcs, .n = n, .fd = -1 };
	char *tmp = NULL;
	int r;

	if (!path || !*path || (n && !srcs))
		return ctri_cerr(name, op, CTR_E_INVAL, "no archive path or no sources");
	for (size_t i = 0; i < n; i++)
		if (!srcs[i].prefix || srcs[i].prefix[0] == '/' || has_dotdot(srcs[i].prefix) ||
		    (!srcs[i].dir && !*srcs[i].prefix) ||
		    (!srcs[i].dir && srcs[i].len && !srcs[i].data))
			return ctri_cerr(name, op, CTR_E_INVAL, "%s: bad source %zu (\"%s\")", path,
					 i, srcs[i].prefix ? srcs[i].prefix : "(null)");
	if (!(tmp = ctri_strdupf("%s.tmp.XXXXXX", path)))
		return ctri_cerr(name, op, CTR_E_NOMEM, "out of memory");
	if ((w.fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		r = ctri_cerr(name, op, CTR_E_IO, "%s: %m", tmp);
		goto out;
	}
	if (fstat(w.fd, &w.self) < 0)
		r = ctri_cerr(name, op, CTR_E_IO, "%s: %m", tmp);
	else
		r = run_isolated(write_all, &w, -1, name, op);
	if (r == 0 && fsync(w.fd) < 0)
		r = ctri_cerr(name, op, CTR_E_IO, "fsync %s: %m", tmp);
	if (close(w.fd) < 0 && r == 0)
		r = ctri_cerr(name, op, CTR_E_IO, "close %s: %m", tmp);
	if (r == 0 && rename(tmp, path) < 0)
		r = ctri_cerr(name, op, CTR_E_IO, "rename %s to %s: %m", tmp, path);
	if (r < 0)
		unlink(tmp);
	else if ((r = sync_dir_of(path)) < 0)
		r = ctri_cerr(name, op, CTR_E_IO, "fsync the directory of %s: %s", path,
			      strerror(-r));
out:
	free(tmp);
	return r;
}

/* ---- extracting ---------------------------------------------------------------------- */

struct extractor {
	const char *path; /* the archive */
	const char *name, *op;
	const struct ctri_tar_extract_opts *o; /* or NULL */
	int fd;
	struct ctri_tar_stream *stream; /* with o: the two-stage reader, which owns ar */
	struct archive *ar;		/* reads the archive */
	struct archive *disk; /* writes the files, relative to the thread's working directory */
	int top_times;	      /* an entry for the top ("./") had times: */
	struct timespec top[2];
	int refused; /* the failure is an entry refused (out_refused) */
};

/* The reader failed: the archive is truncated or corrupt, unless the file could not be
 * read. */
static int read_err(struct extractor *x)
{
	int e = archive_errno(x->ar), code = e == EIO ? CTR_E_IO : CTR_E_INVAL;
	const char *msg = archive_error_string(x->ar);

	code = e == ENOMEM ? CTR_E_NOMEM : code;
	return ctri_cerr(x->name, x->op, code, "%s: %s", x->path, msg ? msg : "not a tar archive");
}

/* The disk writer refused or failed an entry. Its safety checks (a symbolic link on the
 * way of a name or of a hard link's target: errno 0 in libarchive 3.6, ELOOP later; "..",
 * an absolute path: ARCHIVE_ERRNO_MISC) are the archive's fault, CTR_E_INVAL; errors of the
 * file system are CTR_E_IO. */
static int disk_err(struct extractor *x, struct archive_entry *e)
{
	int err = archive_errno(x->disk), code = err == ENOMEM ? CTR_E_NOMEM : CTR_E_IO;
	const char *msg = archive_error_string(x->disk);

	if (err == 0 || err == ERRNO_MISC || err == ELOOP) {
		code = CTR_E_INVAL;
		x->refused = 1;
	}
	/* libarchive says "Write failed" and the like: the errno says why */
	if (code != CTR_E_INVAL && err > 0)
		return ctri_cerr(x->name, x->op, code, "%s: entry \"%s\": %s: %s", x->path,
				 archive_entry_pathname(e), msg ? msg : "cannot extract it",
				 strerror(err));
	return ctri_cerr(x->name, x->op, code, "%s: entry \"%s\": %s", x->path,
			 archive_entry_pathname(e), msg ? msg : "cannot extract it");
}

static int refuse(struct extractor *x, const char *entry, const char *why, const char *target)
{
	x->refused = 1;
	return ctri_cerr(x->name, x->op, CTR_E_INVAL, "%s: entry \"%s\" %s%s%s", x->path, entry,
			 why, target ? target : "", target ? "\"" : "");
}

/* A symbolic link stays inside the directory if its target, walked from the link's own
 * directory (an absolute target from the top), never climbs above the top. Absolute
 * targets are the container's paths, as a root file system has them (/etc/localtime ->
 * /usr/share/zoneinfo/...). Nothing is ever written through a symbolic link
 * (ARCHIVE_EXTRACT_SECURE_SYMLINKS), so a link only has to be harmless to whoever
 * resolves it inside the container. */
static int symlink_inside(const char *name, const char *target)
{
	size_t len = strlen(name);

	while (len > 0 && name[len - 1] == '/')
		len--;
	while (len > 0 && name[len - 1] != '/')
		len--;
	int depth = target[0] == '/' ? 0 : climb(name, len, 0);
	return *target && climb(target, strlen(target), depth) >= 0;
}

/* 0 if e is safe to extract, or CTR_E_INVAL naming it: absolute names and ".." are
 * refused, hard links must name a relative path without "..", symbolic links must stay
 * inside, device nodes are refused (without CTRI_TAR_DEVICES) except the overlay whiteout
 * (a character device 0:0, which opens nothing). FIFOs are allowed: they hold nothing and
 * reach nothing. */
static int check_entry(struct extractor *x, struct archive_entry *e)
{
	const char *name = archive_entry_pathname(e);
	const char *hard = archive_entry_hardlink(e);
	int devices = x->o && (x->o->flags & CTRI_TAR_DEVICES);

	if (!name || !*name)
		return refuse(x, name ? name : "", "has no name", NULL);
	if (name[0] == '/')
		return refuse(x, name, "has an absolute name", NULL);
	if (has_dotdot(name))
		return refuse(x, name, "has a \"..\" in its name", NULL);
	if (hard)
		return *hard && hard[0] != '/' && !has_dotdot(hard)
			   ? 0
			   : refuse(x, name, "is a hard link outside the directory: \"", hard);
	switch (archive_entry_filetype(e)) {
	case AE_IFREG:
	case AE_IFDIR:
	case AE_IFIFO:
		return 0;
	case AE_IFLNK:
		return archive_entry_symlink(e) && symlink_inside(name, archive_entry_symlink(e))
			   ? 0
			   : refuse(x, name, "is a symbolic link out of the directory: \"",
				    archive_entry_symlink(e) ? archive_entry_symlink(e) : "");
	case AE_IFCHR:
		if (devices || (archive_entry_rdevmajor(e) == 0 && archive_entry_rdevminor(e) == 0))
			return 0;
		return refuse(x, name, "is a device node", NULL);
	case AE_IFBLK:
		return devices ? 0 : refuse(x, name, "is a device node", NULL);
	default:
		return refuse(x, name, "is of an unknown type", NULL);
	}
}

/* Write e, and its data unless with_data is 0 (then the data is skipped). */
static int extract_entry(struct extractor *x, struct archive_entry *e, int with_data)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;

	if (archive_write_header(x->disk, e) != ARCHIVE_OK)
		return disk_err(x, e);
	/* The disk writer sets an existing directory's times at once, and the entries
	 * that follow change them: the top's are set again at the end. */
	const char *name = archive_entry_pathname(e);
	if (archive_entry_filetype(e) == AE_IFDIR && climb(name, strlen(name), 0) == 0) {
		x->top_times = 1;
		x->top[0].tv_sec = archive_entry_atime(e);
		x->top[0].tv_nsec =
		    archive_entry_atime_is_set(e) ? archive_entry_atime_nsec(e) : UTIME_OMIT;
		x->top[1].tv_sec = archive_entry_mtime(e);
		x->top[1].tv_nsec =
		    archive_entry_mtime_is_set(e) ? archive_entry_mtime_nsec(e) : UTIME_OMIT;
	}
	if (!with_data)
		r = archive_read_data_skip(x->ar) == ARCHIVE_OK ? ARCHIVE_EOF : ARCHIVE_FATAL;
	else
		while ((r = archive_read_data_block(x->ar, &buf, &len, &off)) == ARCHIVE_OK)
			if (archive_write_data_block(x->disk, buf, len, off) != ARCHIVE_OK)
				return disk_err(x, e);
	if (r != ARCHIVE_EOF)
		return read_err(x);
	return archive_write_finish_entry(x->disk) == ARCHIVE_OK ? 0 : disk_err(x, e);
}

/* Under CTRI_TAR_WHITEOUTS, an OCI whiteout made an overlay one (tar_layer.h): ".wh.NAME"
 * is rewritten into the character device NAME, left to extract as any entry; the opaque
 * marker sets its directory's attribute, creating the directory through the disk writer
 * (and its checks) if no entry made it yet. Returns 0 to extract e, 2 to extract it (as
 * it now is) without its data, 1 when it was dealt with, or an error. */
static int whiteout(struct extractor *x, struct archive_entry *e)
{
	if (!x->o || !(x->o->flags & CTRI_TAR_WHITEOUTS))
		return 0;
	int r = check_entry(x, e); /* as it is in the archive, for the message */
	if (r < 0)
		return r;
	char *orig = strdup(archive_entry_pathname(e));
	if (!orig)
		return ctri_cerr(x->name, x->op, CTR_E_NOMEM, "out of memory");
	enum ctri_whiteout kind = ctri_tar_whiteout(e);
	/* The contents of a whiteout, if any, are not extracted. */
	if (kind == CTRI_WH_BAD)
		r = refuse(x, orig, "is a whiteout of no name", NULL);
	else if (kind == CTRI_WH_FILE)
		r = 2;
	else if (kind == CTRI_WH_SKIP)
		r = archive_read_data_skip(x->ar) == ARCHIVE_OK ? 1 : read_err(x);
	else if (kind == CTRI_WH_OPAQUE && (r = check_entry(x, e)) == 0) {
		const char *dir = archive_entry_pathname(e);
		int k = ctri_tar_set_opaque(dir);
		if (k == -ENOENT && (r = extract_entry(x, e, 0)) == 0)
			k = ctri_tar_set_opaque(dir);
		else if (k != -ENOENT && archive_read_data_skip(x->ar) != ARCHIVE_OK)
			r = read_err(x);
		if (r < 0)
			;
		else if (k == -ELOOP || k == -ENOTDIR)
			r = refuse(x, orig, "is in a symbolic link or a file, not a directory",
				   NULL);
		else if (k < 0)
			r = ctri_cerr(x->name, x->op, ctri_errno_code(-k),
				      "%s: entry \"%s\": set trusted.overlay.opaque on \"%s\": %s",
				      x->path, orig, dir, strerror(-k));
		else
			r = 1;
	}
	free(orig);
	return r;
}

/* A tar ends with a block of zeros; the reader also takes a clean end of file at an entry's
 * boundary for the end, which is how an archive cut there looks. An uncompressed archive
 * must therefore have that block where the reader stopped. */
static int check_end(struct extractor *x)
{
	char block[512], zeros[512] = { 0 };

	if (archive_filter_count(x->ar) != 1)
		return 0; /* compressed: the decompressor notices a cut */
	ssize_t n = pread(x->fd, block, sizeof(block), archive_read_header_position(x->ar));
	if (n < 0 && errno == ESPIPE)
		return 0;
	if (n < 0)
		return ctri_cerr(x->name, x->op, CTR_E_IO, "%s: %m", x->path);
	if (n != (ssize_t)sizeof(block) || memcmp(block, zeros, sizeof(block)) != 0)
		return ctri_cerr(x->name, x->op, CTR_E_INVAL,
				 "%s: truncated: the archive ends without its end-of-archive block",
				 x->path);
	return 0;
}

/* The archive's reader, x->ar: with options, the two-stage reader (tar_layer.h); else tar
 * through libarchive's built-in filters, read from the file. */
static int open_reader(struct extractor *x)
{
	if (x->o)
		return ctri_tar_stream_open(x->fd, x->o->raw, x->o->tar, x->o->ud, x->path, x->name,
					    x->op, &x->stream, &x->ar);
	if (!(x->ar = archive_read_new()))
		return ctri_cerr(x->name, x->op, CTR_E_NOMEM, "out of memory");
	/* Tar only, not archive_read_support_format_all(): an mtree "archive" names files on
	 * this machine to take the contents from. The filters are libarchive's built-in ones. */
	if (archive_read_support_format_tar(x->ar) != ARCHIVE_OK ||
	    archive_read_support_filter_gzip(x->ar) < ARCHIVE_WARN ||
	    archive_read_support_filter_bzip2(x->ar) < ARCHIVE_WARN ||
	    archive_read_support_filter_xz(x->ar) < ARCHIVE_WARN ||
	    archive_read_support_filter_zstd(x->ar) < ARCHIVE_WARN ||
	    archive_read_support_filter_lz4(x->ar) < ARCHIVE_WARN ||
	    archive_read_open_fd(x->ar, x->fd, BLOCK) != ARCHIVE_OK)
		return read_err(x);
	return 0;
}

/* The whole archive, with the working directory in the target. */
static int extract_archive(struct extractor *x)
{
	struct archive_entry *e;
	int r = 0;

	if (!(x->disk = archive_write_disk_new()))
		return ctri_cerr(x->name, x->op, CTR_E_NOMEM, "out of memory");
	if ((r = open_reader(x)) < 0)
		return r;
	if (archive_write_disk_set_options(x->disk, EXTRACT_FLAGS) != ARCHIVE_OK)
		return ctri_cerr(x->name, x->op, CTR_E_IO, "%s", archive_error_string(x->disk));
	for (;;) {
		int k = archive_read_next_header(x->ar, &e);
		if (k == ARCHIVE_EOF)
			break;
		/* WARN: a header the reader could read but not fully convert (a name in
		 * another character set): the entry is whole. */
		if (k < ARCHIVE_WARN)
			return read_err(x);
		int how = whiteout(x, e);
		if (how < 0)
			return how;
		if (how != 1 &&
		    ((r = check_entry(x, e)) < 0 || (r = extract_entry(x, e, how == 0)) < 0))
			return r;
	}
	r = x->stream ? ctri_tar_stream_finish(x->stream, x->path, x->name, x->op) : check_end(x);
	if (r < 0)
		return r;
	/* Directories get their modes and times last, when nothing more goes into them. */
	if (archive_write_close(x->disk) != ARCHIVE_OK)
		return ctri_cerr(x->name, x->op, CTR_E_IO, "%s: %s", x->path,
				 archive_error_string(x->disk));
	if (x->top_times && utimensat(AT_FDCWD, ".", x->top, 0) < 0)
		return ctri_cerr(x->name, x->op, CTR_E_IO, "set the times of the top: %m");
	return 0;
}

/* extract_archive(), then libarchive's objects freed, in a thread whose working directory
 * is the target: freeing the disk writer may still set modes and times on relative
 * paths. */
static int extract_all(void *arg)
{
	struct extractor *x = arg;
	int r = extract_archive(x);

	if (x->stream)
		ctri_tar_stream_free(x->stream);
	else if (x->ar)
		archive_read_free(x->ar);
	if (x->disk)
		archive_write_free(x->disk);
	return r;
}

int ctri_tar_extract(const char *path, const char *dir, const char *name, const char *op)
{
	return ctri_tar_extract_opts(path, dir, NULL, name, op, NULL);
}

int ctri_tar_extract_opts(const char *path, const char *dir, const struct ctri_tar_extract_opts *o,
			  const char *name, const char *op, int *out_refused)
{
	struct extractor x = { .path = path, .name = name, .op = op, .o = o, .fd = -1 };
	struct stat st;
	int dfd = -1, r;

	if (!path || !dir || !*dir)
		return ctri_cerr(name, op, CTR_E_INVAL, "no archive or no directory to extract to");
	if ((x.fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(x.fd, &st) < 0) {
		r = ctri_cerr(name, op, CTR_E_IO, "%s: %m", path);
		goto out;
	}
	if (S_ISREG(st.st_mode) && st.st_size == 0) {
		r = ctri_cerr(name, op, CTR_E_INVAL, "%s: an empty file, not an archive", path);
		goto out;
	}
	if ((r = ctri_mkdir_p(dir, 0700)) < 0) {
		r = ctri_cerr(name, op, CTR_E_IO, "create %s: %s", dir, strerror(-r));
		goto out;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		r = ctri_cerr(name, op, CTR_E_IO, "%s: %m", dir);
		goto out;
	}
	r = run_isolated(extract_all, &x, dfd, name, op);
out:
	if (dfd >= 0)
		close(dfd);
	if (x.fd >= 0)
		close(x.fd);
	if (out_refused)
		*out_refused = r == CTR_E_INVAL && x.refused;
	return r;
}
