/* Image records in the store (image_record.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "image_record.h"
#include "image_ref.h"
#include "json.h"
#include "util.h"

#define KEY_MAX 600 /* "imagename/" + a name of up to 255 bytes + ":" + a tag of up to 128 */

static void key(char *buf, const char *prefix, const char *what)
{
	snprintf(buf, KEY_MAX, "%s%s", prefix, what);
}

static int nomem(void)
{
	return ctri_err(CTR_E_NOMEM, "image store: out of memory");
}

static int is_hex(const char *s)
{
	return s[strspn(s, "0123456789abcdef")] == '\0';
}

static int get_record(struct ctri_store *s, const char *id, json_object **out)
{
	char k[KEY_MAX];

	key(k, CTRI_KEY_IMAGE, id);
	return ctri_store_get(s, k, out);
}

struct prefix_match {
	const char *prefix;
	size_t len;
	int count;
	char id[CTRI_IMAGE_ID_LEN + 1];
};

static int match_prefix(const char *k, const char *val, size_t len, void *ud)
{
	struct prefix_match *m = ud;

	(void)val;
	(void)len;
	if (strlen(k) == CTRI_IMAGE_ID_LEN && !strncmp(k, m->prefix, m->len)) {
		if (m->count++ == 0)
			memcpy(m->id, k, sizeof(m->id));
	}
	return 0;
}

/* An id or unique id prefix: 0 with id set, CTR_E_NOENT (no message), CTR_E_INVAL. */
static int lookup_id(struct ctri_store *s, const char *ref, char id[CTRI_IMAGE_ID_LEN + 1])
{
	struct prefix_match m = { .prefix = ref, .len = strlen(ref) };
	int r = ctri_store_each(s, CTRI_KEY_IMAGE, match_prefix, &m);

	if (r < 0)
		return r;
	if (m.count > 1)
		return ctri_err(CTR_E_INVAL, "image id prefix %s is ambiguous (%d images)", ref,
				m.count);
	if (m.count == 0)
		return CTR_E_NOENT;
	memcpy(id, m.id, CTRI_IMAGE_ID_LEN + 1);
	return 0;
}

int ctri_image_lookup(struct ctri_store *s, const char *ref, char id[CTRI_IMAGE_ID_LEN + 1],
		      char **out_name, json_object **out_rec)
{
	char k[KEY_MAX], *norm = NULL, *val = NULL;
	size_t len;
	int r = CTR_E_NOENT;

	if (out_name)
		*out_name = NULL;
	if (ctri_image_is_id_prefix(ref) && (r = lookup_id(s, ref, id)) < 0 && r != CTR_E_NOENT)
		return r;
	if (r == CTR_E_NOENT) {
		if ((r = ctri_image_ref_normalize(ref, &norm)) < 0)
			return is_hex(ref) && strlen(ref) < 12
				   ? ctri_err(CTR_E_INVAL,
					      "image id prefix %s is too short: at least 12 hex "
					      "digits",
					      ref)
				   : r;
		key(k, CTRI_KEY_IMAGE_NAME, norm);
		r = ctri_store_get_raw(s, k, &val, &len);
		if (r == 0 && (len != CTRI_IMAGE_ID_LEN || !is_hex(val)))
			r = ctri_err(CTR_E_STORE, "image name record %s is damaged", norm);
		if (r == 0)
			memcpy(id, val, CTRI_IMAGE_ID_LEN + 1);
		free(val);
		if (r < 0) {
			free(norm);
			return r == CTR_E_NOENT ? ctri_err(r, "no such image: %s", ref) : r;
		}
	}
	if (out_rec && (r = get_record(s, id, out_rec)) < 0) {
		free(norm);
		return r == CTR_E_NOENT ? ctri_err(CTR_E_STORE, "image %.12s: record missing", id)
					: r;
	}
	if (out_name)
		*out_name = norm;
	else
		free(norm);
	return 0;
}

static int has_name(json_object *names, const char *name)
{
	for (size_t i = 0; i < json_object_array_length(names); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(names, i)), name))
			return 1;
	return 0;
}

/* Rewrite an image record's names without name. */
static int drop_name(struct ctri_store *s, const char *id, const char *name)
{
	json_object *rec = NULL, *names, *kept;
	char k[KEY_MAX];
	int r = get_record(s, id, &rec);

	if (r == CTR_E_NOENT)
		return 0; /* a stale name record: nothing else to fix */
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(rec, "names", &names) || !(kept = json_object_new_array())) {
		json_object_put(rec);
		return ctri_err(CTR_E_STORE, "image %.12s: record damaged", id);
	}
	for (size_t i = 0; i < json_object_array_length(names); i++) {
		json_object *n = json_object_array_get_idx(names, i);
		if (strcmp(json_object_get_string(n), name))
			json_object_array_add(kept, json_object_get(n));
	}
	json_object_object_add(rec, "names", kept);
	key(k, CTRI_KEY_IMAGE, id);
	r = ctri_store_put(s, k, rec, 0);
	json_object_put(rec);
	return r;
}

/* Point name at id, taking it from the image that had it. */
static int claim_name(struct ctri_store *s, const char *id, const char *name)
{
	char k[KEY_MAX], *old = NULL;
	size_t len;
	int r;

	key(k, CTRI_KEY_IMAGE_NAME, name);
	r = ctri_store_get_raw(s, k, &old, &len);
	if (r == 0 && strcmp(old, id))
		r = drop_name(s, old, name);
	free(old);
	if (r < 0 && r != CTR_E_NOENT)
		return r;
	return ctri_store_put_raw(s, k, id, CTRI_IMAGE_ID_LEN, 0);
}

static int layer_ref(struct ctri_store *s, const char *hex, int delta, long long size,
		     int *out_refs)
{
	char k[KEY_MAX];
	json_object *rec = NULL, *v;
	int64_t refs = 0;
	int r;

	key(k, CTRI_KEY_LAYER, hex);
	r = ctri_store_get(s, k, &rec);
	if (r < 0 && r != CTR_E_NOENT)
		return r;
	if (rec && json_object_object_get_ex(rec, "refs", &v))
		refs = json_object_get_int64(v);
	if (!rec && !(rec = json_object_new_object()))
		return nomem();
	refs += delta;
	if (refs < 0)
		refs = 0;
	*out_refs = (int)refs;
	if (refs == 0) {
		json_object_put(rec);
		return ctri_store_delete(s, k);
	}
	json_object_object_add(rec, "refs", json_object_new_int64(refs));
	if (!json_object_object_get_ex(rec, "size", NULL))
		json_object_object_add(rec, "size", json_object_new_int64(size));
	r = ctri_store_put(s, k, rec, 0);
	json_object_put(rec);
	return r;
}

int ctri_image_record_put(struct ctri_store *s, json_object *rec, const char *const *names,
			  const long long *layer_sizes)
{
	const char *id = json_object_get_string(json_object_object_get(rec, "id"));
	json_object *old = NULL, *merged, *layers;
	char k[KEY_MAX];
	int r = get_record(s, id, &old), refs;

	if (r < 0 && r != CTR_E_NOENT)
		return r;
	r = 0;
	merged = old ? json_object_object_get(old, "names") : NULL;
	merged = merged ? ctri_json_copy(merged) : json_object_new_array();
	if (!merged) {
		json_object_put(old);
		return nomem();
	}
	for (size_t i = 0; names && names[i]; i++)
		if (!has_name(merged, names[i]))
			json_object_array_add(merged, json_object_new_string(names[i]));
	json_object_object_add(rec, "names", merged);
	layers = json_object_object_get(rec, "layers");
	for (size_t i = 0; !old && r == 0 && i < json_object_array_length(layers); i++)
		r = layer_ref(s, json_object_get_string(json_object_array_get_idx(layers, i)), 1,
			      layer_sizes ? layer_sizes[i] : 0, &refs);
	json_object_put(old);
	if (r < 0)
		return r;
	key(k, CTRI_KEY_IMAGE, id);
	if ((r = ctri_store_put(s, k, rec, 0)) < 0)
		return r;
	for (size_t i = 0; names && names[i]; i++)
		if ((r = claim_name(s, id, names[i])) < 0)
			return r;
	return 0;
}

int ctri_image_record_tag(struct ctri_store *s, const char *id, const char *name)
{
	json_object *rec = NULL, *names;
	char k[KEY_MAX];
	int r = get_record(s, id, &rec);

	if (r < 0)
		return r;
	if (!json_object_object_get_ex(rec, "names", &names)) {
		json_object_put(rec);
		return ctri_err(CTR_E_STORE, "image %.12s: record damaged", id);
	}
	if (!has_name(names, name))
		json_object_array_add(names, json_object_new_string(name));
	key(k, CTRI_KEY_IMAGE, id);
	r = ctri_store_put(s, k, rec, 0);
	json_object_put(rec);
	return r < 0 ? r : claim_name(s, id, name);
}

int ctri_image_record_untag(struct ctri_store *s, const char *id, const char *name)
{
	char k[KEY_MAX];
	int r = drop_name(s, id, name);

	key(k, CTRI_KEY_IMAGE_NAME, name);
	return r < 0 ? r : ctri_store_delete(s, k);
}

int ctri_image_record_delete(struct ctri_store *s, const char *id, char ***out_unused)
{
	json_object *rec = NULL, *names, *layers;
	char k[KEY_MAX], **unused = ctri_strv_dup(NULL);
	size_t n = 0;
	int r = unused ? get_record(s, id, &rec) : nomem(), refs;

	if (r < 0) {
		ctri_strv_free(unused);
		return r;
	}
	names = json_object_object_get(rec, "names");
	layers = json_object_object_get(rec, "layers");
	for (size_t i = 0; r == 0 && i < json_object_array_length(names); i++) {
		key(k, CTRI_KEY_IMAGE_NAME,
		    json_object_get_string(json_object_array_get_idx(names, i)));
		r = ctri_store_delete(s, k);
	}
	for (size_t i = 0; r == 0 && i < json_object_array_length(layers); i++) {
		const char *hex = json_object_get_string(json_object_array_get_idx(layers, i));
		if ((r = layer_ref(s, hex, -1, 0, &refs)) == 0 && refs == 0) {
			char **grown = realloc(unused, (n + 2) * sizeof(*grown));
			if (!grown || !(grown[n] = strdup(hex))) {
				unused = grown ? grown : unused;
				r = nomem();
				break;
			}
			grown[++n] = NULL;
			unused = grown;
		}
	}
	key(k, CTRI_KEY_IMAGE, id);
	if (r == 0)
		r = ctri_store_delete(s, k);
	json_object_put(rec);
	if (r < 0) {
		ctri_strv_free(unused);
		return r;
	}
	*out_unused = unused;
	return 0;
}

int ctri_layer_recorded(struct ctri_store *s, const char *hex)
{
	char k[KEY_MAX];

	key(k, CTRI_KEY_LAYER, hex);
	return ctri_store_exists(s, k);
}

int ctri_layer_recorded_size(struct ctri_store *s, const char *hex, long long *out)
{
	char k[KEY_MAX];
	json_object *rec = NULL, *v;
	int r;

	key(k, CTRI_KEY_LAYER, hex);
	if ((r = ctri_store_get(s, k, &rec)) < 0)
		return r == CTR_E_NOENT ? 0 : r;
	r = json_object_object_get_ex(rec, "size", &v) && json_object_is_type(v, json_type_int);
	if (r)
		*out = json_object_get_int64(v);
	json_object_put(rec);
	return r;
}

struct ids_ctx {
	char **v;
	size_t n, cap;
};

static int collect(const char *k, const char *val, size_t len, void *ud)
{
	struct ids_ctx *c = ud;

	(void)val;
	(void)len;
	if (strlen(k) != CTRI_IMAGE_ID_LEN)
		return 0;
	if (c->n + 2 > c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		char **v = realloc(c->v, cap * sizeof(*v));
		if (!v)
			return CTR_E_NOMEM;
		c->v = v;
		c->cap = cap;
	}
	if (!(c->v[c->n] = strdup(k)))
		return CTR_E_NOMEM;
	c->v[++c->n] = NULL;
	return 0;
}

int ctri_image_ids(struct ctri_store *s, char ***out, size_t *out_count)
{
	struct ids_ctx c = { 0 };
	int r = ctri_store_each(s, CTRI_KEY_IMAGE, collect, &c);

	if (r == 0 && !c.v && !(c.v = ctri_strv_dup(NULL)))
		r = CTR_E_NOMEM;
	if (r < 0) {
		ctri_strv_free(c.v);
		return r == CTR_E_NOMEM ? nomem() : r;
	}
	*out = c.v;
	*out_count = c.n;
	return 0;
}
