/* Image records in the store: each image, its names and the reference counts of the layers
 * images share. The calls that write run inside a store transaction of the caller's, under
 * the image lock (ops/image.c). */
#ifndef LIBCTR_IMAGE_RECORD_H
#define LIBCTR_IMAGE_RECORD_H

#include <json-c/json.h>

#include "store.h"

#define CTRI_IMAGE_ID_LEN 64 /* hex sha256 of the config blob */

/* Store keys. An image record is {"id", "names": [...], "created": ns, "size": bytes,
 * "layers": [diff id hexes, lowest first], "config": {"env", "entrypoint", "cmd",
 * "working_dir", "user", "stop_signal", "labels", "exposed_ports"}}. */
#define CTRI_KEY_IMAGE "image/"          /* + id: the image's record */
#define CTRI_KEY_IMAGE_NAME "imagename/" /* + "NAME:TAG": the id, raw */
#define CTRI_KEY_LAYER "layer/"          /* + diff id hex: {"refs": images using it, "size"} */

/* Resolve ref (a "NAME[:TAG]" reference, a full id or a unique prefix of >= 12 hex
 * digits; a hex string that is also a valid name is tried as an id first) to an image id
 * and its record (out_rec may be NULL; else json_object_put it). out_name (may be NULL)
 * gets the normalized name when ref named the image, else NULL.
 * @return 0; CTR_E_NOENT "no such image: REF"; CTR_E_INVAL (an ambiguous prefix, a ref
 *   that is neither a reference nor hex); CTR_E_STORE; CTR_E_NOMEM. */
int ctri_image_lookup(struct ctri_store *s, const char *ref, char id[CTRI_IMAGE_ID_LEN + 1],
		      char **out_name, json_object **out_rec);

/* Add the image record rec (its "names" are replaced by the union of an existing
 * record's and names; names other images had move to this one), and, when the image is
 * new, count one more reference on each of its layers (size from layer_sizes[i] when a
 * layer is new). Inside a transaction. @return 0 or the store's error. */
int ctri_image_record_put(struct ctri_store *s, json_object *rec, const char *const *names,
			  const long long *layer_sizes);

/* Give image id the normalized name (moving it from another image). Inside a
 * transaction. */
int ctri_image_record_tag(struct ctri_store *s, const char *id, const char *name);

/* Take the normalized name off image id, which keeps its other names. */
int ctri_image_record_untag(struct ctri_store *s, const char *id, const char *name);

/* Delete image id's record and names and drop one reference on each of its layers;
 * out_unused (NULL-terminated, ctri_strv_free) gets the layers no image uses any more,
 * whose records are deleted too. Inside a transaction. */
int ctri_image_record_delete(struct ctri_store *s, const char *id, char ***out_unused);

/* Whether a layer record exists for the diff id hex: 1, 0, or a negative error. */
int ctri_layer_recorded(struct ctri_store *s, const char *hex);

/* The disk usage the layer record for hex keeps (its "size", set when the layer was
 * first recorded), so that an import reusing the layer need not walk its directory.
 * Returns 1 (*out the size); 0 when there is no record, or a record of no size (one
 * written before sizes were kept: the caller measures the layer); or the store's error. */
int ctri_layer_recorded_size(struct ctri_store *s, const char *hex, long long *out);

/* The ids of all images (NULL-terminated, ctri_strv_free) and their number. */
int ctri_image_ids(struct ctri_store *s, char ***out, size_t *out_count);

#endif
