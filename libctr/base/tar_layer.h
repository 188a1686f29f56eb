/* The parts of tar.c's extraction that image layers need (tar_layer.c): a reader that hands
 * the archive's bytes and its decompressed tar stream to callbacks in one pass, and the
 * conversion of OCI whiteouts. For tar.c only; calls nothing in it. */
#ifndef LIBCTR_TAR_LAYER_H
#define LIBCTR_TAR_LAYER_H

#include <archive.h>
#include <archive_entry.h>

#include "tar.h"

struct ctri_tar_stream;

/* Open a reader of the archive fd in two stages: one (format "raw", the filters gzip, bzip2,
 * xz, zstd, lz4) decompresses the file, handing what it reads to o->raw; the other (format
 * tar only, no filter) reads the entries from it, handing what it takes to o->tar. *out_tar
 * is the second, owned by the stream; its errors (the first's included) are read with
 * archive_errno() and archive_error_string(). Messages: "cannot OP: PATH: ..." prefixed
 * as ctri_cerr(name, op) does.
 * Returns 0; CTR_E_NOMEM; CTR_E_INVAL (the file is corrupt where the decompressor looks
 * first); CTR_E_IO (the file unreadable). */
int ctri_tar_stream_open(int fd, const struct ctri_tar_extract_opts *o, const char *path,
			 const char *name, const char *op, struct ctri_tar_stream **out,
			 struct archive **out_tar);

/* After the tar reader reached the end of the archive: read the rest of the decompressed
 * stream and of the file through the callbacks, and check that the end-of-archive block
 * was there (a stream that ends where the reader stopped was cut).
 * Returns 0; CTR_E_INVAL (corrupt, truncated); CTR_E_IO (the file unreadable). */
int ctri_tar_stream_finish(struct ctri_tar_stream *s, const char *path, const char *name,
			   const char *op);

/* Free the stream and both readers (NULL: nothing). */
void ctri_tar_stream_free(struct ctri_tar_stream *s);

enum ctri_whiteout {
	CTRI_WH_NONE,	/* not a whiteout */
	CTRI_WH_FILE,	/* ".wh.NAME": e is now NAME, a character device 0:0 of mode 0 */
	CTRI_WH_OPAQUE, /* ".wh..wh..opq": e is now its directory ("." for the top), mode 0755 */
	CTRI_WH_SKIP,	/* another ".wh..wh." name: left out */
	CTRI_WH_BAD,	/* ".wh." of no name, ".", "..": refused */
};

/* What e is as an OCI whiteout; FILE and OPAQUE rewrite it (name, type, mode; no link,
 * data size 0, no extended attributes; owner and times kept) for the disk writer. The
 * entry's data, if any, is still to be skipped by the caller. */
enum ctri_whiteout ctri_tar_whiteout(struct archive_entry *e);

/* Give the directory rel (relative to the working directory, "." for it) the extended
 * attribute trusted.overlay.opaque "y", following no symbolic link on the way.
 * Returns 0 or -errno: -ENOENT (a component missing), -ELOOP or -ENOTDIR (a component is a
 * symbolic link or not a directory), -EPERM (not privileged), -ENOMEM, others of
 * fsetxattr. */
int ctri_tar_set_opaque(const char *rel);

#endif
