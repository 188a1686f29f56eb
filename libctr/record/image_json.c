/* The JSON documents of images: indexes, manifests, configs and their process defaults
 * (image_format.h). Parsers only: no files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "error.h"
#include "image_format.h"
#include "util.h"

#define MT_OCI "application/vnd.oci.image."
#define MT_DOCKER "application/vnd.docker."

static const char *const index_types[] = {
	MT_OCI "index.v1+json", MT_DOCKER "distribution.manifest.list.v2+json", NULL
};
static const char *const manifest_types[] = {
	MT_OCI "manifest.v1+json", MT_DOCKER "distribution.manifest.v2+json", NULL
};
static const char *const config_types[] = {
	MT_OCI "config.v1+json", MT_DOCKER "container.image.v1+json", NULL
};
static const char *const layer_types[] = {
	MT_OCI "layer.v1.tar", MT_OCI "layer.v1.tar+gzip", MT_OCI "layer.v1.tar+zstd",
	MT_DOCKER "image.rootfs.diff.tar.gzip", MT_DOCKER "image.rootfs.diff.tar", NULL
};

static int in_list(const char *s, const char *const *list)
{
	for (; s && *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

int ctri_image_is_index_type(const char *media_type)
{
	return in_list(media_type, index_types);
}

int ctri_image_is_manifest_type(const char *media_type)
{
	return in_list(media_type, manifest_types);
}

const char *ctri_image_host_arch(void)
{
#if defined(__x86_64__)
	return "amd64";
#elif defined(__aarch64__)
	return "arm64";
#elif defined(__i386__)
	return "386";
#elif defined(__arm__)
	return "arm";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "ppc64le";
#elif defined(__s390x__)
	return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
	return "riscv64";
#else
	return "unknown";
#endif
}

int ctri_image_json_parse(const char *what, const char *text, size_t len, json_type type,
			  json_object **out)
{
	json_tokener *tok;
	json_object *o;
	size_t end;

	*out = NULL;
	if (len > (size_t)CTRI_IMAGE_JSON_MAX)
		return ctri_err(CTR_E_INVAL, "%s: larger than %u bytes", what, CTRI_IMAGE_JSON_MAX);
	if (!(tok = json_tokener_new()))
		return ctri_err(CTR_E_NOMEM, "out of memory");
	o = json_tokener_parse_ex(tok, text, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (!o || json_tokener_get_error(tok) != json_tokener_success) {
		enum json_tokener_error e = json_tokener_get_error(tok);
		json_tokener_free(tok);
		json_object_put(o);
		return ctri_err(CTR_E_INVAL, "%s: not valid JSON (%s)", what,
				e == json_tokener_continue ? "truncated" : json_tokener_error_desc(e));
	}
	json_tokener_free(tok);
	while (end < len && strchr(" \t\r\n", text[end]))
		end++;
	if (end != len || !json_object_is_type(o, type)) {
		json_object_put(o);
		return ctri_err(CTR_E_INVAL, "%s: %s%s", what,
				end != len ? "bytes after the JSON document" : "not a JSON ",
				end != len ? "" : json_type_to_name(type));
	}
	*out = o;
	return 0;
}

/* A string member (NULL when absent); a present member of another type or with a NUL is
 * CTR_E_INVAL naming what and key. */
static int get_str(json_object *o, const char *key, const char *what, const char **out)
{
	json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_string) ||
	    strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
		return ctri_err(CTR_E_INVAL, "%s: \"%s\" is not a string", what, key);
	*out = json_object_get_string(v);
	return 0;
}

/* A member of type t (NULL when absent or null); another type is CTR_E_INVAL. */
static int get_typed(json_object *o, const char *key, json_type t, const char *what,
		     json_object **out)
{
	json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, t))
		return ctri_err(CTR_E_INVAL, "%s: \"%s\" is not a JSON %s", what, key,
				json_type_to_name(t));
	*out = v;
	return 0;
}

/* Prefix the thread's message (set by a lower call) with what. */
static int wrap(int r, const char *what)
{
	char msg[1024];

	snprintf(msg, sizeof(msg), "%s", ctr_last_error());
	return ctri_err(r, "%s: %s", what, msg);
}

static int dup_opt(const char *s, char **out)
{
	*out = NULL;
	if (s && !(*out = strdup(s)))
		return ctri_err(CTR_E_NOMEM, "out of memory");
	return 0;
}

void ctri_image_desc_clear(struct ctri_image_desc *d)
{
	free(d->media_type);
	free(d->ref_name);
	free(d->os);
	free(d->arch);
	memset(d, 0, sizeof(*d));
}

void ctri_image_descs_free(struct ctri_image_desc *d, size_t n)
{
	for (size_t i = 0; d && i < n; i++)
		ctri_image_desc_clear(&d[i]);
	free(d);
}

/* One descriptor object: mediaType, digest (sha256), size, annotations' ref.name, platform. */
static int desc_parse(json_object *o, const char *what, struct ctri_image_desc *d)
{
	const char *mt, *digest, *ref = NULL, *os = NULL, *arch = NULL;
	json_object *size, *ann, *plat;
	int r;

	memset(d, 0, sizeof(*d));
	if (!json_object_is_type(o, json_type_object))
		return ctri_err(CTR_E_INVAL, "%s: not a descriptor object", what);
	if ((r = get_str(o, "mediaType", what, &mt)) || (r = get_str(o, "digest", what, &digest)) ||
	    (r = get_typed(o, "size", json_type_int, what, &size)) ||
	    (r = get_typed(o, "annotations", json_type_object, what, &ann)) ||
	    (r = get_typed(o, "platform", json_type_object, what, &plat)))
		return r;
	if (!digest)
		return ctri_err(CTR_E_INVAL, "%s: no digest", what);
	if ((r = ctri_digest_hex(digest, d->hex)) < 0)
		return wrap(r, what);
	if (!size || json_object_get_int64(size) < 0)
		return ctri_err(CTR_E_INVAL, "%s: no valid size for %s", what, digest);
	d->size = json_object_get_int64(size);
	if ((ann && (r = get_str(ann, "org.opencontainers.image.ref.name", what, &ref))) ||
	    (plat && ((r = get_str(plat, "os", what, &os)) ||
		      (r = get_str(plat, "architecture", what, &arch)))))
		return r;
	if ((r = dup_opt(mt, &d->media_type)) || (r = dup_opt(ref, &d->ref_name)) ||
	    (r = dup_opt(os, &d->os)) || (r = dup_opt(arch, &d->arch))) {
		ctri_image_desc_clear(d);
		return r;
	}
	return 0;
}

/* The descriptors of array arr (key of what), each parsed into a new array. */
static int descs_parse(json_object *arr, const char *what, const char *key,
		       struct ctri_image_desc **out, size_t *n)
{
	size_t len = json_object_array_length(arr);
	struct ctri_image_desc *d = calloc(len ? len : 1, sizeof(*d));
	char sub[512];
	int r;

	if (!d)
		return ctri_err(CTR_E_NOMEM, "out of memory");
	for (size_t i = 0; i < len; i++) {
		snprintf(sub, sizeof(sub), "%s: %s[%zu]", what, key, i);
		if ((r = desc_parse(json_object_array_get_idx(arr, i), sub, &d[i])) < 0) {
			ctri_image_descs_free(d, i);
			return r;
		}
	}
	*out = d;
	*n = len;
	return 0;
}

int ctri_image_index_parse(json_object *index, const char *what, struct ctri_image_desc **out,
			   size_t *n)
{
	json_object *arr;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = get_typed(index, "manifests", json_type_array, what, &arr)) < 0)
		return r;
	if (!arr)
		return ctri_err(CTR_E_INVAL, "%s: no \"manifests\" (not an image index)", what);
	return descs_parse(arr, what, "manifests", out, n);
}

int ctri_image_manifest_parse(json_object *manifest, const char *what,
			      struct ctri_image_desc *config, struct ctri_image_desc **layers,
			      size_t *n_layers)
{
	json_object *cfg, *arr;
	char sub[512];
	int r;

	memset(config, 0, sizeof(*config));
	*layers = NULL;
	*n_layers = 0;
	if ((r = get_typed(manifest, "config", json_type_object, what, &cfg)) < 0 ||
	    (r = get_typed(manifest, "layers", json_type_array, what, &arr)) < 0)
		return r;
	if (!cfg || !arr)
		return ctri_err(CTR_E_INVAL, "%s: no \"%s\" (not an image manifest)", what,
				cfg ? "layers" : "config");
	snprintf(sub, sizeof(sub), "%s: config", what);
	if ((r = desc_parse(cfg, sub, config)) < 0)
		return r;
	if (!in_list(config->media_type, config_types)) {
		r = ctri_err(CTR_E_INVAL, "%s: config media type %s is not a container image's",
			     what, config->media_type ? config->media_type : "(none)");
		goto fail;
	}
	if ((r = descs_parse(arr, what, "layers", layers, n_layers)) < 0)
		goto fail;
	for (size_t i = 0; i < *n_layers; i++) {
		const char *mt = (*layers)[i].media_type;
		if (in_list(mt, layer_types))
			continue;
		r = ctri_err(CTR_E_INVAL, "%s: layers[%zu] sha256:%s: %s media type %s", what, i,
			     (*layers)[i].hex,
			     mt && (strstr(mt, "nondistributable") || strstr(mt, "foreign"))
				     ? "foreign (non-distributable) layers are not supported,"
				     : "unsupported layer",
			     mt ? mt : "(none)");
		ctri_image_descs_free(*layers, *n_layers);
		*layers = NULL;
		*n_layers = 0;
		goto fail;
	}
	return 0;
fail:
	ctri_image_desc_clear(config);
	return r;
}

int ctri_image_config_parse(json_object *config, const char *what, char (**diff_hex)[65],
			    size_t *n, long long *created_ns)
{
	json_object *rootfs, *ids;
	const char *type, *created;
	char(*d)[65];
	size_t len;
	int r;

	*diff_hex = NULL;
	*n = 0;
	*created_ns = 0;
	if ((r = get_typed(config, "rootfs", json_type_object, what, &rootfs)) < 0 ||
	    (r = get_str(config, "created", what, &created)) < 0)
		return r;
	if (!rootfs)
		return ctri_err(CTR_E_INVAL, "%s: no \"rootfs\" (not an image config)", what);
	if ((r = get_str(rootfs, "type", what, &type)) < 0 ||
	    (r = get_typed(rootfs, "diff_ids", json_type_array, what, &ids)) < 0)
		return r;
	if (!type || strcmp(type, "layers"))
		return ctri_err(CTR_E_INVAL, "%s: rootfs type is %s, not \"layers\"", what,
				type ? type : "missing");
	len = ids ? json_object_array_length(ids) : 0;
	if (!(d = calloc(len ? len : 1, sizeof(*d))))
		return ctri_err(CTR_E_NOMEM, "out of memory");
	for (size_t i = 0; i < len; i++) {
		json_object *v = json_object_array_get_idx(ids, i);
		if (!json_object_is_type(v, json_type_string)) {
			free(d);
			return ctri_err(CTR_E_INVAL, "%s: rootfs.diff_ids[%zu] is not a string",
					what, i);
		}
		if ((r = ctri_digest_hex(json_object_get_string(v), d[i])) < 0) {
			char sub[512];
			free(d);
			snprintf(sub, sizeof(sub), "%s: rootfs.diff_ids[%zu]", what, i);
			return wrap(r, sub);
		}
	}
	if (created && !ctri_parse_time(created, created + strlen(created), created_ns))
		*created_ns = 0;
	*diff_hex = d;
	*n = len;
	return 0;
}

/* ---- process defaults ------------------------------------------------------------------ */

/* An array of strings (absent or null: empty) into a vector; env: each "K=V", K not empty. */
static int strv_member(json_object *o, const char *key, int env, char ***out)
{
	json_object *arr;
	size_t len;
	int r;

	*out = NULL;
	if ((r = get_typed(o, key, json_type_array, "image config", &arr)) < 0)
		return r;
	len = arr ? json_object_array_length(arr) : 0;
	if (!(*out = calloc(len + 1, sizeof(char *))))
		return ctri_err(CTR_E_NOMEM, "out of memory");
	for (size_t i = 0; i < len; i++) {
		json_object *v = json_object_array_get_idx(arr, i);
		const char *s = json_object_get_string(v);
		if (!json_object_is_type(v, json_type_string) ||
		    strlen(s) != (size_t)json_object_get_string_len(v))
			return ctri_err(CTR_E_INVAL, "image config: %s[%zu] is not a string", key, i);
		if (env && (!strchr(s, '=') || s[0] == '='))
			return ctri_err(CTR_E_INVAL, "image config: %s[%zu] \"%.200s\" is not KEY=VALUE",
					key, i, s);
		if (!((*out)[i] = strdup(s)))
			return ctri_err(CTR_E_NOMEM, "out of memory");
	}
	return 0;
}

/* A string member: NULL when absent, null or empty. */
static int str_member(json_object *o, const char *key, char **out)
{
	const char *s;
	int r;

	*out = NULL;
	if ((r = get_str(o, key, "image config", &s)) < 0)
		return r;
	return s && *s ? dup_opt(s, out) : 0;
}

/* The keys of an object member (labels: keys and string values alternating). */
static int keys_member(json_object *o, const char *key, int with_values, char ***out)
{
	json_object *obj;
	size_t i = 0;
	int r;

	*out = NULL;
	if ((r = get_typed(o, key, json_type_object, "image config", &obj)) < 0)
		return r;
	size_t len = obj ? (size_t)json_object_object_length(obj) : 0;
	if (!(*out = calloc(len * (with_values ? 2 : 1) + 1, sizeof(char *))))
		return ctri_err(CTR_E_NOMEM, "out of memory");
	if (!obj)
		return 0;
	json_object_object_foreach(obj, k, v)
	{
		const char *val = json_object_get_string(v);
		if (with_values && (!json_object_is_type(v, json_type_string) ||
				    strlen(val) != (size_t)json_object_get_string_len(v)))
			return ctri_err(CTR_E_INVAL, "image config: %s \"%.200s\" is not a string",
					key, k);
		if (!((*out)[i++] = strdup(k)) || (with_values && !((*out)[i++] = strdup(val))))
			return ctri_err(CTR_E_NOMEM, "out of memory");
	}
	return 0;
}

void ctri_image_process_free(struct ctri_image_process *p)
{
	if (!p)
		return;
	ctri_strv_free(p->env);
	ctri_strv_free(p->entrypoint);
	ctri_strv_free(p->cmd);
	free(p->working_dir);
	free(p->user);
	free(p->stop_signal);
	ctri_strv_free(p->labels);
	ctri_strv_free(p->exposed_ports);
	memset(p, 0, sizeof(*p));
}

int ctri_image_config_process(json_object *config, struct ctri_image_process *out)
{
	json_object *c = NULL, *empty = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (config && (r = get_typed(config, "config", json_type_object, "image config", &c)) < 0)
		return r;
	if (!c && !(c = empty = json_object_new_object()))
		return ctri_err(CTR_E_NOMEM, "out of memory");
	if ((r = strv_member(c, "Env", 1, &out->env)) < 0 ||
	    (r = strv_member(c, "Entrypoint", 0, &out->entrypoint)) < 0 ||
	    (r = strv_member(c, "Cmd", 0, &out->cmd)) < 0 ||
	    (r = str_member(c, "WorkingDir", &out->working_dir)) < 0 ||
	    (r = str_member(c, "User", &out->user)) < 0 ||
	    (r = str_member(c, "StopSignal", &out->stop_signal)) < 0 ||
	    (r = keys_member(c, "Labels", 1, &out->labels)) < 0 ||
	    (r = keys_member(c, "ExposedPorts", 0, &out->exposed_ports)) < 0)
		ctri_image_process_free(out);
	json_object_put(empty);
	return r < 0 ? r : 0;
}
