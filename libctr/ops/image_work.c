/* The image store's files (image_work.h): its lock, importers' work directories, the
 * sweep, and what ctr_create takes from an image. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "image_record.h"
#include "image_work.h"
#include "layer_store.h"
#include "runtime.h"
#include "util.h"

char *ctri_layers_dir(ctr_runtime_t *rt)
{
	return ctri_strdupf("%s/layers", rt->state_dir);
}

char *ctri_image_tmp_dir(ctr_runtime_t *rt)
{
	return ctri_strdupf("%s/images/tmp", rt->state_dir);
}

/* STATE/images/lock, opened (create: made with STATE/images when missing, the first image
 * operation of a state directory; work directories and layers are made where they are
 * written). Without create, CTR_E_NOENT (no message) when there is none. */
static int open_lock(ctr_runtime_t *rt, const char *op, int create)
{
	char *dir = ctri_strdupf("%s/images", rt->state_dir);
	char *path = dir ? ctri_strdupf("%s/lock", dir) : NULL;
	int flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), fd, r;

	if (!path) {
		fd = ctri_cerr(NULL, op, CTR_E_NOMEM, "out of memory");
		goto out;
	}
	fd = open(path, flags, 0600);
	if (fd < 0 && errno == ENOENT && create) {
		if ((r = ctri_mkdir_p(dir, 0700)) < 0) {
			fd = ctri_cerr(NULL, op, CTR_E_IO, "cannot make %s: %s", dir, strerror(-r));
			goto out;
		}
		fd = open(path, flags, 0600);
	}
	if (fd < 0)
		fd = errno == ENOENT && !create
			 ? CTR_E_NOENT
			 : ctri_cerr(NULL, op, CTR_E_IO, "open %s: %m", path);
out:
	free(dir);
	free(path);
	return fd;
}

int ctri_image_lock(ctr_runtime_t *rt, int how, const char *op)
{
	int fd = open_lock(rt, op, 1);

	if (fd < 0)
		return fd;
	while (flock(fd, how) < 0) {
		if (errno != EINTR) {
			int r = ctri_cerr(NULL, op, CTR_E_IO, "cannot lock the image store: %m");
			close(fd);
			return r;
		}
	}
	return fd;
}

void ctri_image_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* drops the flock */
}

int ctri_image_work_new(ctr_runtime_t *rt, struct ctri_image_work *w, const char *op)
{
	char hex[17], *tmp = ctri_image_tmp_dir(rt);
	int r = tmp ? ctri_random_hex(hex, 8) : -ENOMEM;

	memset(w, 0, sizeof(*w));
	w->lock_fd = -1;
	if (r < 0) {
		free(tmp);
		return ctri_cerr(NULL, op, r == -ENOMEM ? CTR_E_NOMEM : CTR_E_IO,
				 "cannot make a work directory: %s", strerror(-r));
	}
	w->dir = ctri_strdupf("%s/%s", tmp, hex);
	w->lock_path = ctri_strdupf("%s/%s.lock", tmp, hex);
	if (!w->dir || !w->lock_path)
		r = ctri_cerr(NULL, op, CTR_E_NOMEM, "out of memory");
	else if ((r = ctri_mkdir_p(tmp, 0700)) < 0)
		r = ctri_cerr(NULL, op, CTR_E_IO, "cannot make %s: %s", tmp, strerror(-r));
	free(tmp);
	if (r < 0) {
		ctri_image_work_done(w);
		return r;
	}
	/* The lock first: a directory without one is a dead importer's. */
	w->lock_fd = open(w->lock_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (w->lock_fd < 0 || flock(w->lock_fd, LOCK_EX | LOCK_NB) < 0 || mkdir(w->dir, 0700) < 0) {
		r = ctri_cerr(NULL, op, CTR_E_IO, "cannot make work directory %s: %m", w->dir);
		ctri_image_work_done(w);
		return r;
	}
	return 0;
}

void ctri_image_work_done(struct ctri_image_work *w)
{
	if (w->dir)
		ctri_rm_rf(w->dir);
	if (w->lock_path && w->lock_fd >= 0)
		unlink(w->lock_path);
	if (w->lock_fd >= 0)
		close(w->lock_fd);
	free(w->dir);
	free(w->lock_path);
	memset(w, 0, sizeof(*w));
	w->lock_fd = -1;
}

/* A work directory (or its lock file) whose owner is gone: its lock is free, or missing. */
static void sweep_entry(const char *tmp, const char *name)
{
	size_t n = strlen(name);
	char *path = ctri_strdupf("%s/%s", tmp, name), *lock = NULL;
	int fd;

	if (!path)
		return;
	if (n > 5 && !strcmp(name + n - 5, ".lock")) {
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0) {
			path[strlen(path) - 5] = '\0';
			ctri_rm_rf(path);
			strcat(path, ".lock");
			unlink(path);
		}
		if (fd >= 0)
			close(fd);
	} else if ((lock = ctri_strdupf("%s.lock", path)) && access(lock, F_OK) < 0 &&
		   errno == ENOENT) {
		ctri_rm_rf(path);
	}
	free(lock);
	free(path);
}

void ctri_image_sweep_locked(ctr_runtime_t *rt)
{
	char *tmp = ctri_image_tmp_dir(rt), *layers = ctri_layers_dir(rt), **hexes = NULL;
	DIR *d = tmp ? opendir(tmp) : NULL;
	struct dirent *e;

	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			sweep_entry(tmp, e->d_name);
	}
	if (d)
		closedir(d);
	if (layers && tmp && ctri_layer_list(layers, &hexes) == 0) {
		for (size_t i = 0; hexes[i]; i++)
			if (ctri_layer_recorded(rt->store, hexes[i]) == 0)
				ctri_layer_delete(layers, tmp, hexes[i]);
	}
	ctri_strv_free(hexes);
	free(tmp);
	free(layers);
}

void ctri_image_sweep(ctr_runtime_t *rt)
{
	int fd = open_lock(rt, "open", 0);

	if (fd < 0)
		return; /* no image store yet (or not readable: the next import says so) */
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		ctri_image_sweep_locked(rt);
	close(fd);
}

static int copy_config(const ctr_config_t *cfg, ctr_config_t **out)
{
	json_object *o = NULL;
	int r = ctri_config_to_object(cfg, &o);

	if (r == 0)
		r = ctri_config_from_object(o, out);
	json_object_put(o);
	return r;
}

int ctri_image_config(ctr_runtime_t *rt, const ctr_config_t *cfg, ctr_config_t **out,
		      json_object **out_image, int *lock_fd)
{
	const char *name = ctri_config_name(cfg), *ref = ctri_config_image(cfg);
	const char *held = ctri_config_image_id(cfg);
	char id[CTRI_IMAGE_ID_LEN + 1], *layers = ctri_layers_dir(rt);
	json_object *rec = NULL, *info = json_object_new_object();
	ctr_config_t *copy = NULL;
	int fd = -1, r;

	if (!layers || !info) {
		r = ctri_cerr(name, "create", CTR_E_NOMEM, "out of memory");
		goto fail;
	}
	if ((r = fd = ctri_image_lock(rt, LOCK_SH, "create")) < 0)
		goto fail;
	if ((r = ctri_image_lookup(rt->store, ref ? ref : held, id, NULL, &rec)) < 0) {
		if (!ref && r == CTR_E_NOENT)
			r = ctri_err(r, "its layers are those of image %.12s, which is not in this "
					"store (import it first)",
				     held);
		r = ctri_cwrap(name, "create", r);
		goto fail;
	}
	/* A config made from an image already (a checkpoint archive's): it only holds it. */
	if (ref && ((r = copy_config(cfg, &copy)) < 0 ||
		    (r = ctri_config_apply_image(copy, rec, layers)) < 0))
		goto fail;
	json_object_object_add(info, "id", json_object_new_string(id));
	json_object_object_add(info, "ref", json_object_new_string(ref ? ref : id));
	json_object_put(rec);
	free(layers);
	*out = copy;
	*out_image = info;
	*lock_fd = fd;
	return 0;
fail:
	ctri_image_unlock(fd);
	ctr_config_free(copy);
	json_object_put(rec);
	json_object_put(info);
	free(layers);
	return r;
}
