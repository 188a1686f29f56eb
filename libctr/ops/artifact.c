/* Artifacts: named blobs kept as files in a container's bundle directory
 * (artifacts/NAME), so they go when the container is removed. A new one is written to a
 * temporary file in the bundle directory, outside artifacts/ (so that no name is taken
 * and no listing shows it), then renamed into place: readers see the old bytes or the
 * new, never a part. Writers hold the container's lock; readers need none. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "error.h"
#include "monitor_proto.h"
#include "runtime.h"
#include "state.h"
#include "sync.h"

#define ARTIFACTS "artifacts"

static int check_name(ctr_container_t *c, const char *op, const char *name)
{
	size_t n = strnlen(name, NAME_MAX + 1);

	if (n == 0 || n > NAME_MAX)
		return ctri_cerr(c->name, op, CTR_E_INVAL,
				 "an artifact name is 1 to %d bytes, not %s", NAME_MAX,
				 n ? "more" : "0");
	if (strchr(name, '/'))
		return ctri_cerr(c->name, op, CTR_E_INVAL, "artifact name \"%s\" contains a '/'",
				 name);
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return ctri_cerr(c->name, op, CTR_E_INVAL, "\"%s\" is not an artifact name", name);
	return 0;
}

/* BUNDLE/artifacts[/name] */
static void artifact_path(ctr_container_t *c, const char *name, char *buf, size_t len)
{
	char leaf[sizeof(ARTIFACTS) + NAME_MAX + 1];

	snprintf(leaf, sizeof(leaf), "%s%s%s", ARTIFACTS, name ? "/" : "", name ? name : "");
	ctri_bundle_path(c, leaf, buf, len);
}

static int durable(const ctr_container_t *c)
{
	return !(c->rt->flags & CTR_RUNTIME_NOSYNC);
}

static int fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = fd < 0 || fsync(fd) < 0 ? -1 : 0;

	if (fd >= 0)
		close(fd);
	return r;
}

/* The artifacts directory, made (and its entry synced) on first use. */
static int make_dir(ctr_container_t *c, const char *op, const char *dir)
{
	char bundle[PATH_MAX];

	if (mkdir(dir, 0700) == 0) {
		ctri_bundle_path(c, "", bundle, sizeof(bundle));
		if (durable(c) && fsync_dir(bundle) < 0)
			return ctri_cerr(c->name, op, CTR_E_IO, "fsync %s: %m", bundle);
	} else if (errno != EEXIST) {
		return ctri_cerr(c->name, op, CTR_E_IO, "mkdir %s: %m", dir);
	}
	return 0;
}

/* Write data to tmp, sync it, and rename it to path. */
static int write_file(ctr_container_t *c, const char *op, const char *tmp, const char *path,
		      const void *data, size_t len)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	int r = 0;

	if (fd < 0)
		return ctri_cerr(c->name, op, CTR_E_IO, "open %s: %m", tmp);
	if (ctrp_write_all(fd, data, len) < 0 || (durable(c) && fsync(fd) < 0))
		r = ctri_cerr(c->name, op, CTR_E_IO, "write %s: %m", tmp);
	if (close(fd) < 0 && r == 0)
		r = ctri_cerr(c->name, op, CTR_E_IO, "close %s: %m", tmp);
	if (r == 0 && rename(tmp, path) < 0)
		r = ctri_cerr(c->name, op, CTR_E_IO, "rename %s to %s: %m", tmp, path);
	if (r < 0)
		unlink(tmp);
	return r;
}

CTR_API int ctr_artifact_add(ctr_container_t *c, const char *name, const void *data, size_t len)
{
	static const char op[] = "add artifact";
	char dir[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX], leaf[64];
	struct ctri_st st;
	int fd, r;

	CTRI_CHECK_ARG("ctr_artifact_add", c);
	CTRI_CHECK_ARG("ctr_artifact_add", name);
	if (!data && len)
		return ctri_err(CTR_E_INVAL, "ctr_artifact_add: argument data is NULL");
	if ((r = check_name(c, op, name)) < 0 || (r = ctri_begin(c, op, &fd, &st, 0)) < 0)
		return r;
	artifact_path(c, NULL, dir, sizeof(dir));
	artifact_path(c, name, path, sizeof(path));
	snprintf(leaf, sizeof(leaf), "artifact.tmp.%d", (int)gettid());
	ctri_bundle_path(c, leaf, tmp, sizeof(tmp));
	if ((r = make_dir(c, op, dir)) == 0 && (r = write_file(c, op, tmp, path, data, len)) == 0 &&
	    durable(c) && fsync_dir(dir) < 0)
		r = ctri_cerr(c->name, op, CTR_E_IO, "fsync %s: %m", dir);
	ctri_end(fd);
	return r;
}

/* After ENOENT: CTR_E_REMOVED if the container has gone meanwhile, else CTR_E_NOENT. */
static int missing(ctr_container_t *c, const char *op, const char *name)
{
	struct ctri_st st;
	int r = ctri_st_load(c, op, &st);

	if (r < 0)
		return r;
	return ctri_cerr(c->name, op, CTR_E_NOENT, "no artifact \"%s\"", name);
}

/* Read all of fd into a NUL-terminated buffer; size (what fstat said) is a hint. Returns
 * 0 or -errno. */
static int read_all(int fd, size_t size, char **out, size_t *len)
{
	size_t cap = size + 1, n = 0;
	char *buf = malloc(cap), *bigger;
	ssize_t got;

	while (buf) {
		if (n + 1 == cap) { /* the file grew since fstat: make room */
			if (!(bigger = realloc(buf, 2 * cap)))
				break;
			buf = bigger;
			cap *= 2;
		}
		if ((got = read(fd, buf + n, cap - n - 1)) < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;
			free(buf);
			return -e;
		}
		if (got == 0) {
			buf[n] = '\0';
			*out = buf;
			*len = n;
			return 0;
		}
		n += (size_t)got;
	}
	free(buf);
	return -ENOMEM;
}

CTR_API int ctr_artifact_get(ctr_container_t *c, const char *name, void **out_data, size_t *out_len)
{
	static const char op[] = "get artifact";
	char path[PATH_MAX], *buf = NULL;
	struct ctri_st st;
	struct stat sb;
	size_t n = 0;
	int fd, r;

	CTRI_CHECK_ARG("ctr_artifact_get", c);
	CTRI_CHECK_ARG("ctr_artifact_get", name);
	CTRI_CHECK_ARG("ctr_artifact_get", out_data);
	CTRI_CHECK_ARG("ctr_artifact_get", out_len);
	if ((r = check_name(c, op, name)) < 0 || (r = ctri_refresh(c, op, &st)) < 0)
		return r;
	artifact_path(c, name, path, sizeof(path));
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT ? missing(c, op, name)
				       : ctri_cerr(c->name, op, CTR_E_IO, "open %s: %m", path);
	if (fstat(fd, &sb) < 0) {
		r = ctri_cerr(c->name, op, CTR_E_IO, "fstat %s: %m", path);
	} else if (!S_ISREG(sb.st_mode)) {
		r = ctri_cerr(c->name, op, CTR_E_IO, "%s is not a regular file", path);
	} else if ((r = read_all(fd, (size_t)sb.st_size, &buf, &n)) < 0) {
		errno = -r;
		r = ctri_cerr(c->name, op, r == -ENOMEM ? CTR_E_NOMEM : CTR_E_IO, "read %s: %m",
			      path);
	} else {
		*out_data = buf;
		*out_len = n;
	}
	close(fd);
	return r;
}

CTR_API int ctr_artifact_remove(ctr_container_t *c, const char *name)
{
	static const char op[] = "remove artifact";
	char dir[PATH_MAX], path[PATH_MAX];
	struct ctri_st st;
	int fd, r;

	CTRI_CHECK_ARG("ctr_artifact_remove", c);
	CTRI_CHECK_ARG("ctr_artifact_remove", name);
	if ((r = check_name(c, op, name)) < 0 || (r = ctri_begin(c, op, &fd, &st, 0)) < 0)
		return r;
	artifact_path(c, NULL, dir, sizeof(dir));
	artifact_path(c, name, path, sizeof(path));
	if (unlink(path) < 0)
		r = errno == ENOENT
			? ctri_cerr(c->name, op, CTR_E_NOENT, "no artifact \"%s\"", name)
			: ctri_cerr(c->name, op, CTR_E_IO, "unlink %s: %m", path);
	else if (durable(c) && fsync_dir(dir) < 0)
		r = ctri_cerr(c->name, op, CTR_E_IO, "fsync %s: %m", dir);
	ctri_end(fd);
	return r;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The names in dir (a NULL-terminated vector, unsorted); a missing dir has none. Returns
 * 0 or -errno. */
static int read_names(const char *dir, char ***out, size_t *count)
{
	DIR *d = opendir(dir);
	size_t n = 0, cap = 8;
	char **v = calloc(cap, sizeof(*v)), **bigger;
	struct dirent *de;
	int e = 0;

	if (!d && errno != ENOENT)
		e = errno;
	else if (!v)
		e = ENOMEM;
	while (e == 0 && d && (errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n + 1 == cap) {
			if (!(bigger = realloc(v, 2 * cap * sizeof(*v)))) {
				e = ENOMEM;
				break;
			}
			v = bigger;
			cap *= 2;
		}
		if (!(v[n] = strdup(de->d_name)))
			e = ENOMEM;
		else
			n++;
	}
	if (e == 0 && d && errno) /* readdir failed */
		e = errno;
	if (d)
		closedir(d);
	if (e) {
		names_free(v, n);
		return -e;
	}
	v[n] = NULL;
	*out = v;
	*count = n;
	return 0;
}

CTR_API int ctr_artifact_list(ctr_container_t *c, char ***out, size_t *out_count)
{
	static const char op[] = "list artifacts";
	char dir[PATH_MAX], **v = NULL;
	struct ctri_st st;
	size_t n = 0;
	int r;

	CTRI_CHECK_ARG("ctr_artifact_list", c);
	CTRI_CHECK_ARG("ctr_artifact_list", out);
	CTRI_CHECK_ARG("ctr_artifact_list", out_count);
	if ((r = ctri_refresh(c, op, &st)) < 0)
		return r;
	artifact_path(c, NULL, dir, sizeof(dir));
	if ((r = read_names(dir, &v, &n)) < 0) {
		errno = -r;
		return ctri_cerr(c->name, op, r == -ENOMEM ? CTR_E_NOMEM : CTR_E_IO, "%s: %m", dir);
	}
	qsort(v, n, sizeof(*v), by_name);
	*out = v;
	*out_count = n;
	return 0;
}
