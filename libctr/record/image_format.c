/* The images of an unpacked OCI image layout or docker-archive (image_format.h): files,
 * digests and the walk from index to layers. The JSON documents are parsed by image_json.c.
 *
 * The directory is an archive the caller extracted: its files are the archive's, so every
 * path read is checked to stay inside it without passing a symbolic link (an extraction
 * keeps absolute link targets). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "digest.h"
#include "error.h"
#include "image_format.h"
#include "image_ref.h"
#include "util.h"

/* Nested indexes followed from an index.json entry before giving up. */
#define MAX_INDEX_DEPTH 4

/* ---- files inside the directory ------------------------------------------------------- */

/* "DIR/REL" in *out when rel is relative, has no "." or ".." component, passes no symbolic
 * link and names a regular file (*size its size). CTR_E_INVAL naming rel otherwise. */
static int inner_file(const char *dir, const char *rel, char **out, long long *size)
{
	struct stat st;
	char *path;
	size_t dlen = strlen(dir);

	*out = NULL;
	if (!*rel || *rel == '/')
		return ctri_err(CTR_E_INVAL, "%s: the path \"%.300s\" is %s", dir, rel,
				*rel ? "absolute" : "empty");
	for (const char *c = rel; c;) {
		const char *slash = strchr(c, '/');
		size_t n = slash ? (size_t)(slash - c) : strlen(c);
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return ctri_err(CTR_E_INVAL,
					"%s: the path \"%.300s\" leaves the archive or "
					"is not canonical",
					dir, rel);
		c = slash ? slash + 1 : NULL;
	}
	if (!(path = ctri_strdupf("%s/%s", dir, rel)))
		return ctri_err(CTR_E_NOMEM, "out of memory");
	/* Each component in turn, with lstat: a symbolic link anywhere is refused. */
	for (char *p = path + dlen + 1;; p++) {
		if (*p && *p != '/')
			continue;
		char saved = *p;
		*p = '\0';
		int r = lstat(path, &st);
		*p = saved;
		if (r < 0) {
			int e = errno;
			free(path);
			if (e == ENOENT || e == ENOTDIR)
				return ctri_err(CTR_E_INVAL, "%s: \"%.300s\" is missing", dir, rel);
			errno = e;
			return ctri_err(CTR_E_IO, "%s: cannot read \"%.300s\": %m", dir, rel);
		}
		if (S_ISLNK(st.st_mode) || (saved && !S_ISDIR(st.st_mode)) ||
		    (!saved && !S_ISREG(st.st_mode))) {
			free(path);
			return ctri_err(CTR_E_INVAL, "%s: \"%.300s\" is %s", dir, rel,
					S_ISLNK(st.st_mode) ? "reached through a symbolic link"
							    : "not a regular file");
		}
		if (!saved)
			break;
	}
	*out = path;
	if (size)
		*size = st.st_size;
	return 0;
}

/* Read the JSON file rel of dir (what names it). */
static int read_json(const char *dir, const char *rel, const char *what, char **text, size_t *len)
{
	char *path;
	int r = inner_file(dir, rel, &path, NULL);

	if (r < 0)
		return r;
	r = ctri_read_file(path, CTRI_IMAGE_JSON_MAX, text, len);
	free(path);
	if (r == -EFBIG)
		return ctri_err(CTR_E_INVAL, "%s: larger than %u bytes", what, CTRI_IMAGE_JSON_MAX);
	if (r < 0)
		return ctri_err(ctri_errno_code(-r), "%s: cannot read %s: %s", dir, rel,
				strerror(-r));
	return 0;
}

/* The blob of descriptor d in an OCI layout, checked against its size and sha256, parsed. */
static int read_blob_json(const char *dir, const struct ctri_image_desc *d, json_object **out)
{
	char rel[96], got[65], what[96];
	char *text = NULL;
	size_t len;
	int r;

	*out = NULL;
	snprintf(rel, sizeof(rel), "blobs/sha256/%s", d->hex);
	snprintf(what, sizeof(what), "blob sha256:%s", d->hex);
	if (d->size > (long long)CTRI_IMAGE_JSON_MAX)
		return ctri_err(CTR_E_INVAL, "%s: larger than %u bytes", what, CTRI_IMAGE_JSON_MAX);
	if ((r = read_json(dir, rel, what, &text, &len)) < 0)
		return r;
	if ((long long)len != d->size) {
		r = ctri_err(CTR_E_INVAL,
			     "digest sha256:%s: the blob has %zu bytes, its descriptor "
			     "says %lld",
			     d->hex, len, d->size);
		goto out;
	}
	ctri_sha256_buf(text, len, got);
	if (strcmp(got, d->hex)) {
		r = ctri_err(CTR_E_INVAL, "digest mismatch: blob sha256:%s has sha256:%s", d->hex,
			     got);
		goto out;
	}
	r = ctri_image_json_parse(what, text, len, json_type_object, out);
out:
	free(text);
	return r;
}

/* ---- images and sets ------------------------------------------------------------------ */

static void image_clear(struct ctri_image *im)
{
	ctri_strv_free(im->names);
	for (size_t i = 0; i < im->n_layers; i++) {
		free(im->layers[i].blob);
		free(im->layers[i].media_type);
	}
	free(im->layers);
	json_object_put(im->config);
	memset(im, 0, sizeof(*im));
}

void ctri_image_set_free(struct ctri_image_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		image_clear(&set->images[i]);
	free(set->images);
	free(set);
}

/* Add name (normalized) to im unless it has it. */
static int add_name(struct ctri_image *im, const char *name)
{
	size_t n = ctri_strv_len((const char *const *)im->names);
	char *norm, **v;
	int r;

	if ((r = ctri_image_ref_normalize(name, &norm)) < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(im->names[i], norm)) {
			free(norm);
			return 0;
		}
	if (!(v = realloc(im->names, (n + 2) * sizeof(char *)))) {
		free(norm);
		return ctri_err(CTR_E_NOMEM, "out of memory");
	}
	v[n] = norm;
	v[n + 1] = NULL;
	im->names = v;
	return 0;
}

/* Move im into set (cleared either way): an image already there gets its names. */
static int set_add(struct ctri_image_set *set, struct ctri_image *im)
{
	int r = 0;

	for (size_t i = 0; i < set->n; i++) {
		if (strcmp(set->images[i].id, im->id))
			continue;
		for (char **n = im->names; *n && !r; n++)
			r = add_name(&set->images[i], *n);
		image_clear(im);
		return r;
	}
	struct ctri_image *v = realloc(set->images, (set->n + 1) * sizeof(*v));
	if (!v) {
		image_clear(im);
		return ctri_err(CTR_E_NOMEM, "out of memory");
	}
	set->images = v;
	set->images[set->n++] = *im;
	memset(im, 0, sizeof(*im));
	return 0;
}

/* The config (parsed, owned by im) gives the diff ids; n layers must match them. */
static int image_begin(struct ctri_image *im, json_object *config, const char *what, size_t n,
		       char (**diff)[65])
{
	size_t n_diff;
	int r;

	im->config = config;
	if (!(im->names = calloc(1, sizeof(char *))))
		return ctri_err(CTR_E_NOMEM, "out of memory");
	if ((r = ctri_image_config_parse(config, what, diff, &n_diff, &im->created_ns)) < 0)
		return r;
	if (n_diff != n)
		return ctri_err(CTR_E_INVAL, "%s: %zu layers but %zu diff ids in config sha256:%s",
				what, n, n_diff, im->id);
	if (n && !(im->layers = calloc(n, sizeof(*im->layers))))
		return ctri_err(CTR_E_NOMEM, "out of memory");
	return 0;
}

/* ---- OCI image layout ----------------------------------------------------------------- */

/* The image of manifest descriptor md (already a manifest type or untyped). */
static int oci_image(const char *dir, const struct ctri_image_desc *md, json_object *manifest,
		     struct ctri_image *im)
{
	struct ctri_image_desc cfg, *layers = NULL;
	json_object *config = NULL;
	char(*diff)[65] = NULL;
	char what[96];
	size_t n = 0;
	int r;

	snprintf(what, sizeof(what), "manifest sha256:%s", md->hex);
	if ((r = ctri_image_manifest_parse(manifest, what, &cfg, &layers, &n)) < 0)
		return r;
	if ((r = read_blob_json(dir, &cfg, &config)) < 0)
		goto out;
	memcpy(im->id, cfg.hex, sizeof(im->id));
	if ((r = image_begin(im, config, what, n, &diff)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct ctri_image_layer *l = &im->layers[i];
		char rel[96];
		im->n_layers = i + 1;
		snprintf(rel, sizeof(rel), "blobs/sha256/%s", layers[i].hex);
		if ((r = inner_file(dir, rel, &l->blob, &l->size)) < 0)
			goto out;
		if (l->size != layers[i].size) {
			r = ctri_err(CTR_E_INVAL,
				     "digest sha256:%s: the layer blob has %lld bytes, "
				     "its descriptor says %lld",
				     layers[i].hex, l->size, layers[i].size);
			goto out;
		}
		memcpy(l->blob_hex, layers[i].hex, 65);
		memcpy(l->diff_hex, diff[i], 65);
		l->media_type = layers[i].media_type;
		layers[i].media_type = NULL;
	}
out:
	free(diff);
	ctri_image_descs_free(layers, n);
	ctri_image_desc_clear(&cfg);
	return r;
}

/* Follow descriptor d (an index.json entry, depth 0) down to an image manifest: indexes
 * and manifest lists are resolved to their linux/<host arch> entry. */
static int oci_resolve(const char *dir, const struct ctri_image_desc *d, int depth,
		       struct ctri_image *im)
{
	struct ctri_image_desc *entries = NULL;
	json_object *doc = NULL, *mt_o;
	const char *mt = d->media_type, *arch = ctri_image_host_arch();
	char what[96];
	size_t n = 0;
	int r;

	if (mt && !ctri_image_is_manifest_type(mt) && !ctri_image_is_index_type(mt))
		return ctri_err(CTR_E_INVAL,
				"sha256:%s: unsupported media type %s (not an image "
				"manifest or index)",
				d->hex, mt);
	if ((r = read_blob_json(dir, d, &doc)) < 0)
		return r;
	/* An untyped descriptor: the document's own mediaType, else its shape. */
	if (!mt && json_object_object_get_ex(doc, "mediaType", &mt_o) &&
	    json_object_is_type(mt_o, json_type_string))
		mt = json_object_get_string(mt_o);
	if (mt ? ctri_image_is_manifest_type(mt)
	       : !json_object_object_get_ex(doc, "manifests", NULL)) {
		r = oci_image(dir, d, doc, im);
		goto out;
	}
	snprintf(what, sizeof(what), "index sha256:%s", d->hex);
	if (depth >= MAX_INDEX_DEPTH) {
		r = ctri_err(CTR_E_INVAL, "%s: indexes nested deeper than %d", what,
			     MAX_INDEX_DEPTH);
		goto out;
	}
	if ((r = ctri_image_index_parse(doc, what, &entries, &n)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (entries[i].os && entries[i].arch && !strcmp(entries[i].os, "linux") &&
		    !strcmp(entries[i].arch, arch)) {
			r = oci_resolve(dir, &entries[i], depth + 1, im);
			goto out;
		}
	}
	r = ctri_err(CTR_E_INVAL, "%s: no image for linux/%s", what, arch);
out:
	ctri_image_descs_free(entries, n);
	json_object_put(doc);
	return r;
}

static int read_oci(const char *dir, struct ctri_image_set *set)
{
	struct ctri_image_desc *entries = NULL;
	json_object *layout = NULL, *index = NULL, *v;
	char *text = NULL;
	size_t len, n = 0;
	int r;

	if ((r = read_json(dir, "oci-layout", "oci-layout", &text, &len)) < 0 ||
	    (r = ctri_image_json_parse("oci-layout", text, len, json_type_object, &layout)) < 0)
		goto out;
	if (!json_object_object_get_ex(layout, "imageLayoutVersion", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strncmp(json_object_get_string(v), "1.", 2)) {
		r = ctri_err(CTR_E_INVAL, "%s: unsupported OCI layout version %.40s", dir,
			     v && json_object_is_type(v, json_type_string)
				 ? json_object_get_string(v)
				 : "(none)");
		goto out;
	}
	free(text);
	text = NULL;
	if ((r = read_json(dir, "index.json", "index.json", &text, &len)) < 0 ||
	    (r = ctri_image_json_parse("index.json", text, len, json_type_object, &index)) < 0 ||
	    (r = ctri_image_index_parse(index, "index.json", &entries, &n)) < 0)
		goto out;
	if (n == 0) {
		r = ctri_err(CTR_E_INVAL, "%s: index.json lists no image", dir);
		goto out;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		struct ctri_image im = { 0 };
		const char *ref = entries[i].ref_name;
		if ((r = oci_resolve(dir, &entries[i], 0, &im)) == 0 && ref &&
		    ctri_image_ref_is_whole(ref))
			r = add_name(&im, ref);
		if (r == 0)
			r = set_add(set, &im);
		image_clear(&im);
	}
out:
	ctri_image_descs_free(entries, n);
	json_object_put(index);
	json_object_put(layout);
	free(text);
	return r;
}

/* ---- docker-archive ------------------------------------------------------------------- */

/* A string member of a manifest.json entry. */
static const char *entry_str(json_object *e, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(e, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The first run of 64 hex digits in s (a config file name from docker or podman), or "". */
static void name_hex(const char *s, char out[65])
{
	out[0] = '\0';
	for (const char *p = s; *p; p++) {
		size_t n = 0;
		while (n < 64 && ((p[n] >= '0' && p[n] <= '9') || (p[n] >= 'a' && p[n] <= 'f')))
			n++;
		if (n == 64) {
			memcpy(out, p, 64);
			out[64] = '\0';
			return;
		}
	}
}

static int docker_image(const char *dir, json_object *e, size_t idx, struct ctri_image *im)
{
	json_object *tags = NULL, *layers = NULL, *config = NULL;
	const char *cfg = entry_str(e, "Config");
	char what[64], named[65], (*diff)[65] = NULL;
	char *text = NULL;
	size_t len, n;
	int r;

	snprintf(what, sizeof(what), "manifest.json[%zu]", idx);
	if (!json_object_is_type(e, json_type_object) || !cfg ||
	    !json_object_object_get_ex(e, "Layers", &layers) ||
	    !json_object_is_type(layers, json_type_array))
		return ctri_err(CTR_E_INVAL, "%s: not an entry with Config and Layers", what);
	if (json_object_object_get_ex(e, "RepoTags", &tags) && tags &&
	    !json_object_is_type(tags, json_type_array))
		return ctri_err(CTR_E_INVAL, "%s: RepoTags is not an array", what);
	if ((r = read_json(dir, cfg, what, &text, &len)) < 0)
		return r;
	ctri_sha256_buf(text, len, im->id);
	name_hex(strrchr(cfg, '/') ? strrchr(cfg, '/') + 1 : cfg, named);
	if (named[0] && strcmp(named, im->id)) {
		r = ctri_err(CTR_E_INVAL,
			     "digest mismatch: config %.300s (sha256:%s) has sha256:%s", cfg, named,
			     im->id);
		goto out;
	}
	if ((r = ctri_image_json_parse(what, text, len, json_type_object, &config)) < 0)
		goto out;
	n = json_object_array_length(layers);
	if ((r = image_begin(im, config, what, n, &diff)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct ctri_image_layer *l = &im->layers[i];
		json_object *lo = json_object_array_get_idx(layers, i);
		im->n_layers = i + 1;
		if (!json_object_is_type(lo, json_type_string)) {
			r = ctri_err(CTR_E_INVAL, "%s: Layers[%zu] is not a path", what, i);
			goto out;
		}
		if ((r = inner_file(dir, json_object_get_string(lo), &l->blob, &l->size)) < 0)
			goto out;
		memcpy(l->diff_hex, diff[i], 65);
	}
	for (size_t i = 0; tags && i < json_object_array_length(tags) && r == 0; i++) {
		json_object *t = json_object_array_get_idx(tags, i);
		r = json_object_is_type(t, json_type_string)
			? add_name(im, json_object_get_string(t))
			: ctri_err(CTR_E_INVAL, "%s: RepoTags[%zu] is not a string", what, i);
	}
out:
	free(diff);
	free(text);
	return r;
}

static int read_docker(const char *dir, struct ctri_image_set *set)
{
	json_object *doc = NULL;
	char *text = NULL;
	size_t len;
	int r;

	if ((r = read_json(dir, "manifest.json", "manifest.json", &text, &len)) < 0)
		return r;
	r = ctri_image_json_parse("manifest.json", text, len, json_type_array, &doc);
	free(text);
	if (r < 0)
		return r;
	json_object *m = doc;
	if (json_object_array_length(m) == 0) {
		r = ctri_err(CTR_E_INVAL, "%s: manifest.json lists no image", dir);
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(m) && r == 0; i++) {
		struct ctri_image im = { 0 };
		if ((r = docker_image(dir, json_object_array_get_idx(m, i), i, &im)) == 0)
			r = set_add(set, &im);
		image_clear(&im);
	}
out:
	json_object_put(doc);
	return r;
}

/* ---- detection ------------------------------------------------------------------------ */

static int has_file(const char *dir, const char *name)
{
	char *p = ctri_strdupf("%s/%s", dir, name);
	struct stat st;
	int yes = p && lstat(p, &st) == 0;

	free(p);
	return yes;
}

int ctri_image_dir_known(const char *dir)
{
	return has_file(dir, "oci-layout") || has_file(dir, "manifest.json");
}

int ctri_image_read(const char *dir, struct ctri_image_set **out)
{
	struct ctri_image_set *set;
	struct stat st;
	int r;

	CTRI_CHECK_ARG("read image", dir);
	CTRI_CHECK_ARG("read image", out);
	*out = NULL;
	if (stat(dir, &st) < 0)
		return ctri_err(ctri_errno_code(errno), "cannot read %s: %m", dir);
	if (!(set = calloc(1, sizeof(*set))))
		return ctri_err(CTR_E_NOMEM, "out of memory");
	if (has_file(dir, "oci-layout"))
		r = read_oci(dir, set);
	else if (has_file(dir, "manifest.json"))
		r = read_docker(dir, set);
	else
		r = ctri_err(CTR_E_INVAL, "not an OCI layout or docker-archive: %s", dir);
	if (r < 0) {
		ctri_image_set_free(set);
		return r;
	}
	*out = set;
	return 0;
}
