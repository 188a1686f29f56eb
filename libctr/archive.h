/* Tar archives with libarchive: writing directory trees and in-memory files, and extracting
 * an archive safely (nothing outside the target directory). Used by ctr_export, by
 * checkpoint archives and by import. */
#ifndef LIBCTR_ARCHIVE_H
#define LIBCTR_ARCHIVE_H

#include <stddef.h>

/* One thing to put in an archive: a directory tree (dir set: its contents go under
 * prefix/, or at the top when prefix is "") or a regular file from memory (data set, named
 * prefix). */
struct ctri_tar_src {
	const char *prefix; /* name in the archive: "" (top) or relative, no ".." */
	const char *dir;    /* a directory on disk, or NULL */
	const void *data;   /* file contents, when dir is NULL */
	size_t len;
};

/* Write the sources, in order, to path as a POSIX (pax) tar, atomically (path.tmp, fsync,
 * rename; mode 0600). Directory trees keep modes, owners, times, symbolic links, hard
 * links (within the tree), device nodes and extended attributes; sockets are skipped.
 * Messages are "container NAME: cannot OP: ..." naming the failing file.
 * Returns 0; CTR_E_IO; CTR_E_NOMEM. */
int ctri_tar_write(const char *path, const struct ctri_tar_src *srcs, size_t n,
		   const char *name, const char *op);

/* Extract the archive at path into dir (created 0700 if absent), restoring modes, owners,
 * times, links and extended attributes. Entries whose names are absolute or contain "..",
 * symbolic links or hard links that point outside dir, and device nodes are refused with
 * CTR_E_INVAL naming the entry; a truncated or corrupt archive is CTR_E_INVAL. On failure
 * what was written stays inside dir (the caller removes dir). Returns 0; CTR_E_INVAL;
 * CTR_E_IO. */
int ctri_tar_extract(const char *path, const char *dir, const char *name, const char *op);

#endif
