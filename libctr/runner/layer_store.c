/* The layer store (layer_store.h): unpacking a layer blob once, verified, into its final
 * directory by a rename; deleting one by a rename out; listing and sizing them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layer_store.h"
#include "digest.h"
#include "error.h"
#include "tar.h"
#include "util.h"

#define OP_SIZE 96 /* "unpack layer sha256:" + 64 hex */

/* The digests of one unpack, fed by the extraction's callbacks. */
struct digests {
	struct ctri_sha256 blob, diff;
};

static void feed_blob(void *ud, const void *buf, size_t len)
{
	ctri_sha256_update(&((struct digests *)ud)->blob, buf, len);
}

static void feed_diff(void *ud, const void *buf, size_t len)
{
	ctri_sha256_update(&((struct digests *)ud)->diff, buf, len);
}

/* fsync a directory: 0 or -errno. */
static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (fd < 0 || fsync(fd) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	return r;
}

/* syncfs of the file system that holds dir: 0 or -errno. */
static int sync_fs_of(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (fd < 0 || syncfs(fd) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	return r;
}

/* "layer sha256:<hex>: content does not match its digest (got sha256:<hex>)" unless got
 * is want. */
static int check_digest(const char *op, const char *want, struct ctri_sha256 *h)
{
	char got[65];

	ctri_sha256_hex(h, got);
	if (!strcmp(got, want))
		return 0;
	return ctri_cerr(NULL, op, CTR_E_INVAL,
			 "layer sha256:%s: content does not match its digest (got sha256:%s)", want,
			 got);
}

/* Extract the blob into part (made already) and check both digests. */
static int extract_verified(const char *op, const char *part, const char *blob_path,
			    const char *blob_hex, const char *diff_hex)
{
	struct digests d;
	struct ctri_tar_extract_opts o = { .flags = CTRI_TAR_DEVICES | CTRI_TAR_WHITEOUTS,
					   .raw = *blob_hex ? feed_blob : NULL,
					   .tar = feed_diff,
					   .ud = &d };
	int r;

	ctri_sha256_init(&d.blob);
	ctri_sha256_init(&d.diff);
	if ((r = ctri_tar_extract_opts(blob_path, part, &o, NULL, op, NULL)) < 0)
		return r;
	if (*blob_hex && (r = check_digest(op, blob_hex, &d.blob)) < 0)
		return r;
	return check_digest(op, diff_hex, &d.diff);
}

/* Rename part to final unless final exists: 0 (renamed), 1 (final exists), -errno. */
static int rename_noreplace(const char *part, const char *final)
{
	if (renameat2(AT_FDCWD, part, AT_FDCWD, final, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EEXIST)
		return 1;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	/* A file system without RENAME_NOREPLACE: a directory replaces only an empty one,
	 * which a complete layer of no files is too. */
	struct stat st;
	if (lstat(final, &st) == 0)
		return 1;
	if (rename(part, final) == 0)
		return 0;
	return errno == EEXIST || errno == ENOTEMPTY ? 1 : -errno;
}

int ctri_layer_unpack(const char *layers_dir, const char *tmp_dir, const char *blob_path,
		      const char *blob_hex, const char *diff_hex, int *out_created)
{
	char op[OP_SIZE], *final = NULL, *part = NULL;
	struct stat st;
	int r;

	CTRI_CHECK_ARG("ctri_layer_unpack", layers_dir);
	CTRI_CHECK_ARG("ctri_layer_unpack", tmp_dir);
	CTRI_CHECK_ARG("ctri_layer_unpack", blob_path);
	CTRI_CHECK_ARG("ctri_layer_unpack", diff_hex);
	CTRI_CHECK_ARG("ctri_layer_unpack", out_created);
	*out_created = 0;
	blob_hex = blob_hex ? blob_hex : "";
	if (!ctri_is_id(diff_hex) || (*blob_hex && !ctri_is_id(blob_hex)))
		return ctri_err(CTR_E_INVAL, "cannot unpack layer: bad digest \"%s\"",
				ctri_is_id(diff_hex) ? blob_hex : diff_hex);
	snprintf(op, sizeof(op), "unpack layer sha256:%s", diff_hex);
	if ((r = ctri_mkdir_p(layers_dir, 0700)) < 0)
		return ctri_cerr(NULL, op, ctri_errno_code(-r), "create %s: %s", layers_dir,
				 strerror(-r));
	if (!(final = ctri_strdupf("%s/%s", layers_dir, diff_hex)) ||
	    !(part = ctri_strdupf("%s/%s.part.XXXXXX", tmp_dir, diff_hex))) {
		r = ctri_cerr(NULL, op, CTR_E_NOMEM, "out of memory");
		goto out;
	}
	if (lstat(final, &st) == 0) {
		r = 0; /* unpacked already */
		goto out;
	}
	/* The layer's top is 0755 unless the archive has an entry for it ("./"). */
	if (!mkdtemp(part) || chmod(part, 0755) < 0) {
		r = ctri_cerr(NULL, op, ctri_errno_code(errno), "create %s: %m", part);
		goto out_part;
	}
	if ((r = extract_verified(op, part, blob_path, blob_hex, diff_hex)) < 0)
		goto out_part;
	if ((r = sync_fs_of(part)) < 0) {
		r = ctri_cerr(NULL, op, CTR_E_IO, "syncfs %s: %s", part, strerror(-r));
		goto out_part;
	}
	if ((r = rename_noreplace(part, final)) < 0) {
		r = ctri_cerr(NULL, op, CTR_E_IO, "rename %s to %s: %s", part, final, strerror(-r));
		goto out_part;
	}
	if (r == 1) { /* another unpack won */
		r = 0;
		goto out_part;
	}
	*out_created = 1;
	if ((r = sync_dir(layers_dir)) < 0)
		r = ctri_cerr(NULL, op, CTR_E_IO, "fsync %s: %s", layers_dir, strerror(-r));
	goto out;
out_part:
	ctri_rm_rf(part); /* nothing, if mkdtemp failed: it left the X's */
out:
	free(final);
	free(part);
	return r;
}

int ctri_layer_delete(const char *layers_dir, const char *tmp_dir, const char *diff_hex)
{
	char op[OP_SIZE], *final = NULL, *gone = NULL;
	int r = 0;

	CTRI_CHECK_ARG("ctri_layer_delete", layers_dir);
	CTRI_CHECK_ARG("ctri_layer_delete", tmp_dir);
	CTRI_CHECK_ARG("ctri_layer_delete", diff_hex);
	if (!ctri_is_id(diff_hex))
		return ctri_err(CTR_E_INVAL, "cannot delete layer: bad digest \"%s\"", diff_hex);
	snprintf(op, sizeof(op), "delete layer sha256:%s", diff_hex);
	if (!(final = ctri_strdupf("%s/%s", layers_dir, diff_hex)) ||
	    !(gone = ctri_strdupf("%s/%s.delete.XXXXXX", tmp_dir, diff_hex))) {
		r = ctri_cerr(NULL, op, CTR_E_NOMEM, "out of memory");
		goto out;
	}
	if ((r = ctri_mkdir_p(tmp_dir, 0700)) < 0) {
		r = ctri_cerr(NULL, op, ctri_errno_code(-r), "create %s: %s", tmp_dir,
			      strerror(-r));
		goto out;
	}
	/* A unique name, made as a directory so that the rename replaces it (empty). */
	if (!mkdtemp(gone)) {
		r = ctri_cerr(NULL, op, CTR_E_IO, "create %s: %m", gone);
		goto out;
	}
	if (rename(final, gone) < 0) {
		int e = errno;
		rmdir(gone);
		if (e != ENOENT)
			r = ctri_cerr(NULL, op, CTR_E_IO, "rename %s to %s: %s", final, gone,
				      strerror(e));
		goto out;
	}
	if ((r = sync_dir(layers_dir)) < 0)
		r = ctri_cerr(NULL, op, CTR_E_IO, "fsync %s: %s", layers_dir, strerror(-r));
	int k = ctri_rm_rf(gone);
	if (k < 0 && r == 0)
		r = ctri_cerr(NULL, op, CTR_E_IO, "remove %s: %s", gone, strerror(-k));
out:
	free(final);
	free(gone);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ctri_layer_list(const char *layers_dir, char ***out)
{
	char **v = calloc(1, sizeof(*v));
	size_t n = 0;
	DIR *d;
	int r = 0;

	CTRI_CHECK_ARG("ctri_layer_list", layers_dir);
	CTRI_CHECK_ARG("ctri_layer_list", out);
	*out = NULL;
	if (!v)
		return ctri_err(CTR_E_NOMEM, "list layers: out of memory");
	if (!(d = opendir(layers_dir))) {
		if (errno == ENOENT) {
			*out = v;
			return 0;
		}
		free(v);
		return ctri_err(CTR_E_IO, "list layers: %s: %m", layers_dir);
	}
	for (struct dirent *de; (errno = 0, de = readdir(d));) {
		struct stat st;
		if (!ctri_is_id(de->d_name) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		char **more = realloc(v, (n + 2) * sizeof(*v));
		if (!more || !(more[n] = strdup(de->d_name))) {
			v = more ? more : v;
			r = ctri_err(CTR_E_NOMEM, "list layers: out of memory");
			break;
		}
		v = more;
		v[++n] = NULL;
	}
	if (r == 0 && errno != 0)
		r = ctri_err(CTR_E_IO, "list layers: %s: %m", layers_dir);
	closedir(d);
	if (r < 0) {
		ctri_strv_free(v);
		return r;
	}
	qsort(v, n, sizeof(*v), cmp_str);
	*out = v;
	return 0;
}

struct inode {
	dev_t dev;
	ino_t ino;
};

static int cmp_inode(const void *a, const void *b)
{
	const struct inode *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* 1 if the inode of st was counted before, 0 if not (now it is), -ENOMEM. */
static int seen(void **tree, const struct stat *st)
{
	struct inode *i = malloc(sizeof(*i));

	if (!i)
		return -ENOMEM;
	*i = (struct inode){ .dev = st->st_dev, .ino = st->st_ino };
	struct inode **found = tsearch(i, tree, cmp_inode);
	if (!found) {
		free(i);
		return -ENOMEM;
	}
	if (*found != i) {
		free(i);
		return 1;
	}
	return 0;
}

int ctri_layer_size(const char *layers_dir, const char *diff_hex, long long *out)
{
	char *dir = NULL;
	char *argv[2] = { NULL, NULL };
	void *links = NULL;
	long long total = 0;
	FTS *fts = NULL;
	struct stat st;
	int r = 0;

	CTRI_CHECK_ARG("ctri_layer_size", layers_dir);
	CTRI_CHECK_ARG("ctri_layer_size", diff_hex);
	CTRI_CHECK_ARG("ctri_layer_size", out);
	if (!ctri_is_id(diff_hex))
		return ctri_err(CTR_E_INVAL, "layer size: bad digest \"%s\"", diff_hex);
	if (!(dir = ctri_strdupf("%s/%s", layers_dir, diff_hex)))
		return ctri_err(CTR_E_NOMEM, "layer size: out of memory");
	int e = lstat(dir, &st) < 0 ? errno : 0;
	if (e && e != ENOENT) {
		r = ctri_err(CTR_E_IO, "layer size: %s: %s", dir, strerror(e));
		goto out;
	}
	if (e == ENOENT || !S_ISDIR(st.st_mode)) {
		r = ctri_err(CTR_E_NOENT, "layer size: no layer sha256:%s in %s", diff_hex,
			     layers_dir);
		goto out;
	}
	argv[0] = dir;
	if (!(fts = fts_open(argv, FTS_PHYSICAL | FTS_NOCHDIR | FTS_XDEV, NULL))) {
		r = ctri_err(CTR_E_IO, "layer size: %s: %m", dir);
		goto out;
	}
	for (FTSENT *f; r == 0 && (errno = 0, f = fts_read(fts));) {
		if (f->fts_info == FTS_DP)
			continue;
		if (f->fts_info == FTS_DNR || f->fts_info == FTS_ERR || f->fts_info == FTS_NS) {
			r = ctri_err(CTR_E_IO, "layer size: %s: %s", f->fts_path,
				     strerror(f->fts_errno));
			break;
		}
		int k = f->fts_statp->st_nlink > 1 && !S_ISDIR(f->fts_statp->st_mode)
			    ? seen(&links, f->fts_statp)
			    : 0;
		if (k < 0)
			r = ctri_err(CTR_E_NOMEM, "layer size: out of memory");
		else if (k == 0)
			total += (long long)f->fts_statp->st_blocks * 512;
	}
	if (r == 0 && errno != 0)
		r = ctri_err(CTR_E_IO, "layer size: %s: %m", dir);
	if (r == 0)
		*out = total;
out:
	if (fts)
		fts_close(fts);
	tdestroy(links, free);
	free(dir);
	return r;
}
