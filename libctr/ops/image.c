/* Images: ctr_image_import (and the import behind ctr_image_pull), list, inspect, tag and
 * remove. The formats are read by image_format.c, layers unpacked by layer_store.c, the
 * records kept by image_record.c; this file orders them so that an import is all or
 * nothing: layers are unpacked under the image lock into a private work directory and
 * renamed into place, then one transaction records the images; what a killed importer
 * leaves has no record and is swept (image_work.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "container.h"
#include "error.h"
#include "image_format.h"
#include "image_record.h"
#include "image_ref.h"
#include "image_work.h"
#include "json.h"
#include "layer_store.h"
#include "runtime.h"
#include "store.h"
#include "tar.h"
#include "util.h"

/* ---- the record of an image --------------------------------------------------------- */

static json_object *member(json_object *o, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

/* The process defaults of an image config, checked (image_format.h), in the record's
 * form. */
static int process_defaults(json_object *config, json_object **out)
{
	struct ctri_image_process p;
	json_object *o = json_object_new_object(), *labels = json_object_new_object();
	int r = o && labels ? ctri_image_config_process(config, &p) : CTR_E_NOMEM;

	if (r < 0) {
		json_object_put(o);
		json_object_put(labels);
		return r == CTR_E_NOMEM ? ctri_err(r, "out of memory") : r;
	}
	for (size_t i = 0; p.labels[i] && p.labels[i + 1]; i += 2)
		json_object_object_add(labels, p.labels[i], json_object_new_string(p.labels[i + 1]));
	json_object_object_add(o, "env", ctri_json_strv((const char *const *)p.env));
	json_object_object_add(o, "entrypoint", ctri_json_strv((const char *const *)p.entrypoint));
	json_object_object_add(o, "cmd", ctri_json_strv((const char *const *)p.cmd));
	json_object_object_add(o, "working_dir", json_object_new_string(p.working_dir ? p.working_dir : ""));
	json_object_object_add(o, "user", json_object_new_string(p.user ? p.user : ""));
	json_object_object_add(o, "stop_signal", json_object_new_string(p.stop_signal ? p.stop_signal : ""));
	json_object_object_add(o, "labels", labels);
	json_object_object_add(o, "exposed_ports",
			       ctri_json_strv((const char *const *)p.exposed_ports));
	ctri_image_process_free(&p);
	*out = o;
	return 0;
}

/* An image's record without its size (known once its layers are unpacked). */
static int image_record(const struct ctri_image *img, json_object **out)
{
	json_object *rec = json_object_new_object(), *layers = json_object_new_array(),
		    *proc = NULL;
	int r = rec && layers ? process_defaults(img->config, &proc) : CTR_E_NOMEM;

	if (r < 0) {
		json_object_put(rec);
		json_object_put(layers);
		return r == CTR_E_NOMEM ? ctri_err(r, "out of memory") : r;
	}
	for (size_t i = 0; i < img->n_layers; i++)
		json_object_array_add(layers, json_object_new_string(img->layers[i].diff_hex));
	json_object_object_add(rec, "id", json_object_new_string(img->id));
	json_object_object_add(rec, "names", json_object_new_array());
	json_object_object_add(rec, "created", json_object_new_int64(img->created_ns));
	json_object_object_add(rec, "layers", layers);
	json_object_object_add(rec, "config", proc);
	*out = rec;
	return 0;
}

/* ---- import ------------------------------------------------------------------------- */

struct import {
	ctr_runtime_t *rt;
	const char *path; /* as the caller gave it, for messages */
	const char *op;	  /* "import PATH" */
	char *layers_dir, *tmp_dir;
	struct ctri_image_work work;
	struct ctri_image_set *set;
	json_object **recs; /* per image, its record */
	long long **sizes;  /* per image, per layer */
	char **created;	   /* the layers this import made, NULL-terminated */
	size_t n_created;
};

static int import_nomem(struct import *im)
{
	return ctri_cerr(NULL, im->op, CTR_E_NOMEM, "out of memory");
}

/* The images in path: a directory as it is, an archive extracted into the work
 * directory. */
static int read_source(struct import *im, const struct stat *st)
{
	char *src = NULL;
	int r, refused = 0;

	if (!S_ISDIR(st->st_mode)) {
		if (!(src = ctri_strdupf("%s/src", im->work.dir)))
			return import_nomem(im);
		r = ctri_tar_extract_opts(im->path, src, NULL, NULL, im->op, &refused);
		/* A refused entry keeps its message (it names the entry); any other refusal
		 * means the file is no tar of a known compression: no image archive. */
		if (r == CTR_E_INVAL && !refused)
			r = ctri_cerr(NULL, im->op, CTR_E_INVAL,
				      "not an OCI layout, oci-archive or docker-archive: %s",
				      im->path);
		if (r < 0) {
			free(src);
			return r;
		}
	}
	if (!ctri_image_dir_known(src ? src : im->path))
		r = ctri_cerr(NULL, im->op, CTR_E_INVAL,
			      "not an OCI layout, oci-archive or docker-archive: %s", im->path);
	else if ((r = ctri_image_read(src ? src : im->path, &im->set)) < 0)
		r = ctri_cwrap(NULL, im->op, r);
	free(src);
	return r;
}

static int note_created(struct import *im, const char *hex)
{
	char **v = realloc(im->created, (im->n_created + 2) * sizeof(*v));

	if (!v)
		return import_nomem(im);
	im->created = v;
	if (!(v[im->n_created] = strdup(hex)))
		return import_nomem(im);
	v[++im->n_created] = NULL;
	return 0;
}

/* Unpack the layers no image has yet, and learn every layer's size: a recorded layer's
 * from its record (its directory is not walked, its blob not read), a new one's from its
 * directory. */
static int unpack_layers(struct import *im)
{
	int r;

	if (!(im->sizes = calloc(im->set->n, sizeof(*im->sizes))))
		return import_nomem(im);
	for (size_t i = 0; i < im->set->n; i++) {
		const struct ctri_image *img = &im->set->images[i];
		if (!(im->sizes[i] = calloc(img->n_layers + 1, sizeof(long long))))
			return import_nomem(im);
		for (size_t j = 0; j < img->n_layers; j++) {
			const struct ctri_image_layer *l = &img->layers[j];
			long long *size = &im->sizes[i][j];
			int created = 0, known;
			known = ctri_layer_recorded_size(im->rt->store, l->diff_hex, size);
			if (known < 0)
				return ctri_cwrap(NULL, im->op, known);
			/* A recorded layer's directory is there: nothing is read, unless it went
			 * missing (then it is unpacked again). */
			r = ctri_layer_unpack(im->layers_dir, im->work.dir, l->blob, l->blob_hex,
					      l->diff_hex, &created);
			if (r < 0)
				return ctri_cwrap(NULL, im->op, r);
			if (created && (r = note_created(im, l->diff_hex)) < 0)
				return r;
			if (!known && (r = ctri_layer_size(im->layers_dir, l->diff_hex, size)) < 0)
				return ctri_cwrap(NULL, im->op, r);
		}
	}
	return 0;
}

static int record_images(struct import *im, const char *name)
{
	struct ctri_store *s = im->rt->store;
	int r = ctri_store_begin(s);

	if (r < 0)
		return ctri_cwrap(NULL, im->op, r);
	for (size_t i = 0; r == 0 && i < im->set->n; i++) {
		const struct ctri_image *img = &im->set->images[i];
		const char *one[2] = { name, NULL };
		long long size = 0;
		for (size_t j = 0; j < img->n_layers; j++)
			size += im->sizes[i][j];
		json_object_object_add(im->recs[i], "size", json_object_new_int64(size));
		r = ctri_image_record_put(s, im->recs[i],
					  name ? one : (const char *const *)img->names,
					  im->sizes[i]);
		if (r < 0)
			r = ctri_cwrap(NULL, im->op, r);
	}
	if (r < 0) {
		ctri_store_cancel(s);
		return r;
	}
	r = ctri_store_commit(s);
	return r < 0 ? ctri_cwrap(NULL, im->op, r) : 0;
}

static void import_free(struct import *im, int failed)
{
	/* A failed import takes back the layers it made: no record names them. */
	for (size_t i = 0; failed && i < im->n_created; i++)
		ctri_layer_delete(im->layers_dir, im->tmp_dir, im->created[i]);
	ctri_strv_free(im->created);
	for (size_t i = 0; im->set && i < im->set->n; i++) {
		if (im->sizes)
			free(im->sizes[i]);
		if (im->recs)
			json_object_put(im->recs[i]);
	}
	free(im->sizes);
	free(im->recs);
	ctri_image_set_free(im->set);
	ctri_image_work_done(&im->work);
	free(im->layers_dir);
	free(im->tmp_dir);
}

int ctri_image_import_at(ctr_runtime_t *rt, const char *path, const char *name, char **out_id)
{
	char op[64 + 4096];
	struct import im = { .rt = rt, .path = path, .op = op, .work = { .lock_fd = -1 } };
	struct stat st;
	int r, lock = -1;

	snprintf(op, sizeof(op), "import %s", path);
	if (stat(path, &st) < 0)
		return ctri_cerr(NULL, op, errno == ENOENT ? CTR_E_NOENT : CTR_E_IO, "%m");
	im.layers_dir = ctri_layers_dir(rt);
	im.tmp_dir = ctri_image_tmp_dir(rt);
	if (!im.layers_dir || !im.tmp_dir) {
		r = import_nomem(&im);
		goto out;
	}
	if ((r = lock = ctri_image_lock(rt, LOCK_EX, op)) < 0)
		goto out;
	ctri_image_sweep_locked(rt);
	if ((r = ctri_image_work_new(rt, &im.work, op)) < 0 || (r = read_source(&im, &st)) < 0)
		goto out;
	if (name && im.set->n > 1) {
		r = ctri_cerr(NULL, op, CTR_E_INVAL,
			      "the archive holds %zu images: a name cannot be given to all",
			      im.set->n);
		goto out;
	}
	if (!(im.recs = calloc(im.set->n, sizeof(*im.recs)))) {
		r = import_nomem(&im);
		goto out;
	}
	for (size_t i = 0; i < im.set->n; i++)
		if ((r = image_record(&im.set->images[i], &im.recs[i])) < 0) {
			r = ctri_cwrap(NULL, op, r);
			goto out;
		}
	if ((r = unpack_layers(&im)) < 0 || (r = record_images(&im, name)) < 0)
		goto out;
	if (out_id && !(*out_id = strdup(im.set->images[0].id)))
		r = import_nomem(&im);
out:
	import_free(&im, r < 0);
	ctri_image_unlock(lock);
	return r;
}

/* opts->name normalized into *out (NULL when none). */
static int option_name(const char *given, const char *op, char **out)
{
	*out = NULL;
	if (!given)
		return 0;
	int r = ctri_image_ref_normalize(given, out);
	return r < 0 ? ctri_cwrap(NULL, op, r) : 0;
}

CTR_API int ctr_image_import(ctr_runtime_t *rt, const char *path,
			     const ctr_image_import_opts_t *opts, char **out_id)
{
	static const char op[] = "ctr_image_import";
	char *name = NULL;
	int r;

	CTRI_CHECK_ARG(op, rt);
	CTRI_CHECK_ARG(op, path);
	if (opts && (r = CTRI_OPTS_VALID(opts, flags, op)) < 0)
		return r;
	if (CTRI_OPTS_GET(opts, flags, 0u))
		return ctri_err(CTR_E_INVAL, "%s: unknown flags 0x%x", op, opts->flags);
	if ((r = option_name(CTRI_OPTS_GET(opts, name, NULL), "import", &name)) < 0)
		return r;
	r = ctri_image_import_at(rt, path, name, out_id);
	free(name);
	return r;
}

/* ---- list, inspect, tag, remove ----------------------------------------------------- */

CTR_API int ctr_image_list(ctr_runtime_t *rt, char ***out_ids, size_t *out_count)
{
	CTRI_CHECK_ARG("ctr_image_list", rt);
	CTRI_CHECK_ARG("ctr_image_list", out_ids);
	CTRI_CHECK_ARG("ctr_image_list", out_count);
	return ctri_image_ids(rt->store, out_ids, out_count);
}

CTR_API int ctr_image_inspect(ctr_runtime_t *rt, const char *ref, char **out_json)
{
	char id[CTRI_IMAGE_ID_LEN + 1], when[64];
	json_object *rec = NULL;
	int r;

	CTRI_CHECK_ARG("ctr_image_inspect", rt);
	CTRI_CHECK_ARG("ctr_image_inspect", ref);
	CTRI_CHECK_ARG("ctr_image_inspect", out_json);
	if ((r = ctri_image_lookup(rt->store, ref, id, NULL, &rec)) < 0)
		return r;
	ctri_format_time(json_object_get_int64(member(rec, "created")), when, sizeof(when));
	json_object_object_add(rec, "created", json_object_new_string(when));
	const char *text = json_object_to_json_string_ext(
	    rec, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	char *copy = text ? strdup(text) : NULL;
	json_object_put(rec);
	if (!copy)
		return ctri_err(CTR_E_NOMEM, "ctr_image_inspect: out of memory");
	*out_json = copy;
	return 0;
}

CTR_API int ctr_image_tag(ctr_runtime_t *rt, const char *ref, const char *name)
{
	char id[CTRI_IMAGE_ID_LEN + 1], *norm = NULL;
	int r, lock;

	CTRI_CHECK_ARG("ctr_image_tag", rt);
	CTRI_CHECK_ARG("ctr_image_tag", ref);
	CTRI_CHECK_ARG("ctr_image_tag", name);
	if ((r = option_name(name, "tag", &norm)) < 0)
		return r;
	if ((r = lock = ctri_image_lock(rt, LOCK_EX, "tag")) < 0)
		goto out;
	if ((r = ctri_image_lookup(rt->store, ref, id, NULL, NULL)) < 0 ||
	    (r = ctri_store_begin(rt->store)) < 0)
		goto out;
	if ((r = ctri_image_record_tag(rt->store, id, norm)) < 0)
		ctri_store_cancel(rt->store);
	else
		r = ctri_store_commit(rt->store);
out:
	ctri_image_unlock(lock);
	free(norm);
	return r;
}

struct user_find {
	const char *id;
	char name[256];
};

/* A container whose record names the image (config/ID: {"name", "image": {"id"}}). */
static int find_user(const char *cid, json_object *rec, void *ud)
{
	struct user_find *f = ud;
	json_object *image;

	if (!json_object_object_get_ex(rec, "image", &image) ||
	    strcmp(ctri_json_str(image, "id") ?: "", f->id) != 0)
		return 0;
	snprintf(f->name, sizeof(f->name), "%s", ctri_json_str(rec, "name") ?: cid);
	return 1;
}

static int remove_locked(ctr_runtime_t *rt, const char *ref)
{
	char id[CTRI_IMAGE_ID_LEN + 1], *name = NULL;
	json_object *rec = NULL;
	struct user_find f = { .id = id };
	char **unused = NULL;
	int r = ctri_image_lookup(rt->store, ref, id, &name, &rec);

	if (r < 0)
		return r;
	size_t n_names = json_object_array_length(member(rec, "names"));
	json_object_put(rec);
	if (name && n_names > 1) { /* only this name goes */
		if ((r = ctri_store_begin(rt->store)) == 0) {
			if ((r = ctri_image_record_untag(rt->store, id, name)) < 0)
				ctri_store_cancel(rt->store);
			else
				r = ctri_store_commit(rt->store);
		}
		free(name);
		return r;
	}
	free(name);
	if ((r = ctri_config_each(rt, id, find_user, &f)) < 0)
		return r;
	if (r > 0)
		return ctri_err(CTR_E_BUSY,
				"cannot remove image %s: container %s was created from it", ref,
				f.name);
	if ((r = ctri_store_begin(rt->store)) < 0)
		return r;
	if ((r = ctri_image_record_delete(rt->store, id, &unused)) < 0) {
		ctri_store_cancel(rt->store);
		return r;
	}
	if ((r = ctri_store_commit(rt->store)) < 0) {
		ctri_strv_free(unused);
		return r;
	}
	char *layers = ctri_layers_dir(rt), *tmp = ctri_image_tmp_dir(rt);
	for (size_t i = 0; layers && tmp && unused[i]; i++)
		ctri_layer_delete(layers, tmp, unused[i]); /* else the next sweep does */
	free(layers);
	free(tmp);
	ctri_strv_free(unused);
	return 0;
}

CTR_API int ctr_image_remove(ctr_runtime_t *rt, const char *ref, unsigned flags)
{
	int r, lock;

	CTRI_CHECK_ARG("ctr_image_remove", rt);
	CTRI_CHECK_ARG("ctr_image_remove", ref);
	if (flags)
		return ctri_err(CTR_E_INVAL, "ctr_image_remove: unknown flags 0x%x", flags);
	if ((lock = ctri_image_lock(rt, LOCK_EX, "remove image")) < 0)
		return lock;
	ctri_image_sweep_locked(rt);
	r = remove_locked(rt, ref);
	ctri_image_unlock(lock);
	return r;
}
