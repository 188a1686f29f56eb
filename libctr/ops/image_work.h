/* The image store's files: the image lock, importers' private work directories and the
 * sweep of what killed importers left; and ctr_create's use of an image. */
#ifndef LIBCTR_IMAGE_WORK_H
#define LIBCTR_IMAGE_WORK_H

#include <json-c/json.h>

#include "ctr/ctr.h"

/* STATE/images/lock, flock()ed: exclusive by an import's unpacking and commit, an image
 * removal, a sweep; shared by ctr_create of an image container from its lookup to its
 * commit and by the making of a work directory. Creates STATE/images (0700) and the lock
 * file when missing, nothing else (work directories and layers are made where they are
 * written). how: LOCK_EX or LOCK_SH. Returns the descriptor or an error. */
int ctri_image_lock(ctr_runtime_t *rt, int how, const char *op);
void ctri_image_unlock(int fd);

/* STATE/layers and STATE/images/tmp, malloc'd. */
char *ctri_layers_dir(ctr_runtime_t *rt);
char *ctri_image_tmp_dir(ctr_runtime_t *rt);

/* A private work directory STATE/images/tmp/<random>/, held through the flock of
 * <random>.lock beside it for as long as it exists: the sweep takes any work directory
 * whose lock is free. Made under the image lock (either mode); STATE/images/tmp is created
 * (0700) when missing. */
struct ctri_image_work {
	char *dir;
	char *lock_path;
	int lock_fd;
};
int ctri_image_work_new(ctr_runtime_t *rt, struct ctri_image_work *w, const char *op);
void ctri_image_work_done(struct ctri_image_work *w); /* removes it; safe on a zeroed one */

/* Under the exclusive image lock: delete the work directories of dead importers and the
 * layer directories no layer record counts (a killed import's, a removal's). */
void ctri_image_sweep_locked(ctr_runtime_t *rt);

/* At ctr_runtime_open: the sweep, if there is an image store and nobody holds its lock. */
void ctri_image_sweep(ctr_runtime_t *rt);

/* ctr_create of a config with an image: take the shared image lock (*lock_fd, released by
 * the caller after its commit), resolve the image and apply it to a copy of cfg (*out, a
 * layered config; ctr_config_free it). For a layered config with an image_id (made from
 * an image before: a checkpoint archive's), check that the image is there and hold it
 * the same way (*out NULL). *out_image: {"id", "ref"} for the container's record.
 * CTR_E_NOENT for an unknown image. */
int ctri_image_config(ctr_runtime_t *rt, const ctr_config_t *cfg, ctr_config_t **out,
		      json_object **out_image, int *lock_fd);

/* Import the images at path (a directory or an archive, ctr_image_import), naming them
 * name (normalized; NULL: the names they carry). Messages read "cannot import PATH: ". */
int ctri_image_import_at(ctr_runtime_t *rt, const char *path, const char *name, char **out_id);

#endif
