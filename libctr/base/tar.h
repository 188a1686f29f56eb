/* Tar archives with libarchive: writing directory trees and in-memory files, and extracting
 * an archive safely (nothing outside the target directory). Used by ctr_export, by
 * checkpoint archives and by import. */
#ifndef LIBCTR_TAR_H
#define LIBCTR_TAR_H

#include <stddef.h>

/* One thing to put in an archive: a directory tree (dir set: its contents go under
 * prefix/, or at the top when prefix is "") or a regular file from memory (data set, named
 * prefix). */
struct ctri_tar_src {
	const char *prefix; /* name in the archive: "" (top) or relative, no ".." */
	const char *dir;    /* a directory on disk, or NULL */
	const void *data;   /* file contents, when dir is NULL (may be NULL when len is 0) */
	size_t len;
};

/* Write the sources, in order, to path as a POSIX (pax) tar, atomically (path.tmp.XXXXXX
 * in path's directory, fsync, rename, fsync of the directory; mode 0600): a failure leaves
 * path as it was. Directory trees keep modes (setuid too), numeric owners (no user or group
 * names), times, symbolic links (never followed, except the tree's top itself), hard
 * links, device nodes, FIFOs, extended attributes and ACLs; sockets are skipped, and so is
 * the archive itself if it lies inside a tree. A tree's top is an entry of its own:
 * "prefix/", or "./" for prefix "". A file removed while the tree is read is left out.
 * Memory files are mode 0600, owned by 0:0, modified now. Names are stored as bytes
 * (hdrcharset=BINARY). Messages are "container NAME: cannot OP: ..." naming the failing
 * file (name may be NULL). Safe to call from several threads at once: the walk runs in a
 * thread of its own, the caller's working directory never moves.
 * Returns 0; CTR_E_IO (a source missing or unreadable, the archive not writable);
 * CTR_E_NOMEM; CTR_E_INVAL (a prefix absolute or with "..", a memory file without one). */
int ctri_tar_write(const char *path, const struct ctri_tar_src *srcs, size_t n,
		   const char *name, const char *op);

/* Extract the tar archive at path (uncompressed, or gzip, bzip2, xz, zstd, lz4; no other
 * format) into dir (created 0700 with its parents if absent), restoring modes, numeric
 * owners, times, links, extended attributes and ACLs. Refused with CTR_E_INVAL naming the
 * entry: names that are absolute or have a ".." component; hard links to such names;
 * symbolic links whose target, read from the link's own directory, climbs above dir
 * (absolute targets are kept: they are the container's paths, resolved inside its root);
 * device nodes, except a character device 0:0 (an overlay whiteout); writing through a
 * symbolic link, even one an earlier entry made. FIFOs are extracted. A truncated or
 * corrupt archive (an uncompressed one must end with its end-of-archive block) and an
 * empty file are CTR_E_INVAL; a tar of no entries extracts nothing and returns 0. On
 * failure what was written stays inside dir (the caller removes dir). Works from dir in a
 * thread of its own: the caller's working directory never moves.
 * Returns 0; CTR_E_INVAL; CTR_E_IO (path unreadable, a file not writable); CTR_E_NOMEM. */
int ctri_tar_extract(const char *path, const char *dir, const char *name, const char *op);

#define CTRI_TAR_DEVICES   0x1u /* device nodes are extracted (image layers, as root) */
#define CTRI_TAR_WHITEOUTS 0x2u /* OCI whiteouts become overlay whiteouts (image layers) */

/* How ctri_tar_extract_opts() extracts. */
struct ctri_tar_extract_opts {
	unsigned flags; /* CTRI_TAR_* */
	/* Each sees every byte once, in order, as it is read; either may be NULL. raw: the
	 * archive file's bytes (compressed), to its end; tar: the decompressed tar stream, to
	 * its end (past the end-of-archive blocks: padding too). */
	void (*raw)(void *ud, const void *buf, size_t len);
	void (*tar)(void *ud, const void *buf, size_t len);
	void *ud;
};

/* ctri_tar_extract() with options (o NULL: the same as ctri_tar_extract). With o, the
 * archive is read in one pass that hands its bytes to o->raw and the decompressed stream
 * to o->tar, and a compressed archive must end with its end-of-archive block too.
 * CTRI_TAR_DEVICES: character and block devices are extracted. CTRI_TAR_WHITEOUTS: an
 * entry ".wh.NAME" becomes NAME, a character device 0:0 of mode 0 (no file .wh.NAME is
 * made; a missing parent directory is created); ".wh..wh..opq" gives its directory (made
 * if no entry made it yet) the extended attribute trusted.overlay.opaque "y"; other
 * ".wh..wh.*" names (aufs metadata) are left out. A whiteout in a directory reached
 * through a symbolic link is refused, CTR_E_INVAL naming the entry.
 * out_refused (may be NULL) tells the two kinds of CTR_E_INVAL apart: 1 when an entry of
 * the archive was refused (one of the refusals above, or the disk writer's own refusal of
 * it; the message names the entry), 0 for any other result (a file that is no tar of a
 * known compression, a corrupt or truncated one, success).
 * Returns as ctri_tar_extract. */
int ctri_tar_extract_opts(const char *path, const char *dir, const struct ctri_tar_extract_opts *o,
			  const char *name, const char *op, int *out_refused);

#endif
