/* The layer store (layer_store.c): each image layer unpacked once, into
 * <state_dir>/layers/<diff hex>/ (layers_dir), shared by every image and container that
 * uses it. A directory there under its final name is always complete and verified: a layer
 * is unpacked into the importer's private temporary directory (tmp_dir, on the same file
 * system), checked against its digests, synced, then renamed into place; a delete renames
 * it out first. Hex digests are 64 lowercase hex digits (sha256). Safe to call from several
 * threads and processes at once for the same layer: one unpack wins the rename. */
#ifndef LIBCTR_LAYER_STORE_H
#define LIBCTR_LAYER_STORE_H

/* Unpack the layer blob at blob_path (a tar: plain, gzip, zstd, or another filter
 * ctri_tar_extract knows) into layers_dir/<diff_hex>/, unless that directory exists already
 * (then *out_created is 0 and the blob is not read). layers_dir is created 0700 if missing.
 * The blob is extracted into tmp_dir/<diff_hex>.part.XXXXXX with device nodes, owners,
 * modes, times, links and extended attributes kept, OCI whiteouts made overlay whiteouts
 * (CTRI_TAR_DEVICES | CTRI_TAR_WHITEOUTS); in the same pass sha256(blob file) is checked
 * against blob_hex (unless blob_hex is NULL or "") and sha256(uncompressed tar) against
 * diff_hex; then the file system is synced (syncfs) and the directory renamed into
 * layers_dir (another unpack of the same layer that won the race: ours is dropped,
 * *out_created 0), and layers_dir fsynced. On failure nothing under layers_dir changes and
 * the temporary directory is removed. Messages start "cannot unpack layer sha256:<diff>: ".
 * Returns 0 (*out_created 1: this call made it); CTR_E_INVAL (a digest not 64 lowercase hex
 * digits; "layer sha256:<hex>: content does not match its digest (got sha256:<hex>)";
 * a hostile entry, named; a corrupt or truncated blob); CTR_E_IO (with the system's
 * reason: ENOSPC, a missing blob...); CTR_E_NOMEM. */
int ctri_layer_unpack(const char *layers_dir, const char *tmp_dir, const char *blob_path,
		      const char *blob_hex, const char *diff_hex, int *out_created);

/* Remove layers_dir/<diff_hex>: renamed into tmp_dir first (so a crash never leaves a half
 * layer under its final name; tmp_dir is created 0700 if missing), layers_dir fsynced,
 * then removed.
 * Returns 0 (also when it is missing); CTR_E_INVAL (diff_hex not a digest); CTR_E_IO. */
int ctri_layer_delete(const char *layers_dir, const char *tmp_dir, const char *diff_hex);

/* The diff hex digests of the layers in layers_dir, sorted, NULL-terminated (free with
 * ctri_strv_free); entries whose name is not 64 lowercase hex digits, or that are not
 * directories, are left out. A missing layers_dir has none.
 * Returns 0; CTR_E_IO; CTR_E_NOMEM. */
int ctri_layer_list(const char *layers_dir, char ***out);

/* The disk usage in bytes of layers_dir/<diff_hex> (st_blocks * 512 of everything in it,
 * each hard-linked inode once), for image sizes.
 * Returns 0; CTR_E_INVAL (diff_hex not a digest); CTR_E_NOENT (no such layer); CTR_E_IO;
 * CTR_E_NOMEM. */
int ctri_layer_size(const char *layers_dir, const char *diff_hex, long long *out);

#endif
