/* The JSON form of ctr_config_t: out with ctri_config_to_object(), in through the same
 * setters a caller uses, so that both check a field the same way. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_impl.h"
#include "error.h"
#include "json.h"
#include "seccomp_profile.h"
#include "util.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static const char *const restart_names[] = { "no", "always", "on-failure", "unless-stopped" };
static const char *const network_names[] = { "none", "host" };

/* ---- JSON form: out ---------------------------------------------------------------------- */

static json_object *str_array(char *const *v)
{
	return ctri_json_strv((const char *const *)v);
}

static json_object *mounts_array(const ctr_config_t *cfg)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < cfg->n_mounts; i++) {
		const struct ctri_mount *d = &cfg->mounts[i];
		json_object *m = ctri_json_mount(d->source, d->destination, d->type,
						 (const char *const *)d->options);
		if (!m || json_object_array_add(arr, m) < 0) {
			json_object_put(m);
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}

static json_object *seccomp_value(const ctr_config_t *cfg)
{
	if (cfg->seccomp_mode == CTRI_SECCOMP_PROFILE)
		return ctri_json_copy(cfg->seccomp);
	return json_object_new_string(cfg->seccomp_mode == CTRI_SECCOMP_UNCONFINED ? "unconfined"
										   : "default");
}

static json_object *num(int64_t i)
{
	return json_object_new_int64(i);
}

/* Members with a default are always written; the others only when set. */
static int fill(json_object *o, const ctr_config_t *cfg)
{
	int r = 0;

	r |= cfg->name ? ctri_json_add(o, "name", json_object_new_string(cfg->name)) : 0;
	r |= cfg->rootfs ? ctri_json_add(o, "rootfs", json_object_new_string(cfg->rootfs)) : 0;
	r |= cfg->layers[0] ? ctri_json_add(o, "layers", str_array(cfg->layers)) : 0;
	r |= cfg->image ? ctri_json_add(o, "image", json_object_new_string(cfg->image)) : 0;
	r |= cfg->entrypoint ? ctri_json_add(o, "entrypoint", str_array(cfg->entrypoint)) : 0;
	r |= cfg->image_id ? ctri_json_add(o, "image_id", json_object_new_string(cfg->image_id)) : 0;
	r |= cfg->args ? ctri_json_add(o, "args", str_array(cfg->args)) : 0;
	r |= cfg->env ? ctri_json_add(o, "env", str_array(cfg->env)) : 0;
	r |= ctri_json_add(o, "terminal", json_object_new_boolean(cfg->terminal));
	r |= cfg->open_stdin ? ctri_json_add(o, "stdin", json_object_new_boolean(1)) : 0;
	r |= cfg->log_size_max ? ctri_json_add(o, "log_size_max", num((int64_t)cfg->log_size_max))
			       : 0;
	/* An image's own stop signal applies unless one was set (config_image.c). */
	r |= !cfg->image || cfg->stop_signal_set
		 ? ctri_json_add(o, "stop_signal", num(cfg->stop_signal))
		 : 0;
	r |= ctri_json_add(o, "stop_timeout", num(cfg->stop_timeout));
	r |=
	    ctri_json_add(o, "restart_policy", json_object_new_string(restart_names[cfg->restart]));
	r |= cfg->max_retries ? ctri_json_add(o, "restart_max_retries", num(cfg->max_retries)) : 0;
	r |= cfg->deps[0] ? ctri_json_add(o, "dependencies", str_array(cfg->deps)) : 0;
	r |= cfg->cwd ? ctri_json_add(o, "cwd", json_object_new_string(cfg->cwd)) : 0;
	r |= cfg->user ? ctri_json_add(o, "user", json_object_new_string(cfg->user)) : 0;
	r |=
	    cfg->hostname ? ctri_json_add(o, "hostname", json_object_new_string(cfg->hostname)) : 0;
	r |= cfg->caps ? ctri_json_add(o, "capabilities", str_array(cfg->caps)) : 0;
	r |= ctri_json_add(o, "seccomp", seccomp_value(cfg));
	r |= cfg->memory_limit ? ctri_json_add(o, "memory_limit", num((int64_t)cfg->memory_limit))
			       : 0;
	r |= cfg->pids_limit ? ctri_json_add(o, "pids_limit", num(cfg->pids_limit)) : 0;
	r |= ctri_json_add(o, "readonly_rootfs", json_object_new_boolean(cfg->readonly_rootfs));
	r |= cfg->n_mounts ? ctri_json_add(o, "mounts", mounts_array(cfg)) : 0;
	r |= ctri_json_add(o, "network", json_object_new_string(network_names[cfg->network]));
	r |= json_object_object_length(cfg->labels)
		 ? ctri_json_add(o, "labels", ctri_json_copy(cfg->labels))
		 : 0;
	r |= json_object_object_length(cfg->annotations)
		 ? ctri_json_add(o, "annotations", ctri_json_copy(cfg->annotations))
		 : 0;
	r |= cfg->spec_override
		 ? ctri_json_add(o, "spec_override", ctri_json_copy(cfg->spec_override))
		 : 0;
	r |= ctri_config_net_fill(o, cfg);
	return r;
}

int ctri_config_to_object(const ctr_config_t *cfg, json_object **out)
{
	json_object *o;

	CTRI_CHECK_ARG("ctri_config_to_object", cfg);
	CTRI_CHECK_ARG("ctri_config_to_object", out);
	o = json_object_new_object();
	if (!o || fill(o, cfg) < 0) {
		json_object_put(o);
		return ctri_cfg_nomem("ctri_config_to_object");
	}
	*out = o;
	return 0;
}

CTR_API int ctr_config_to_json(const ctr_config_t *cfg, char **out)
{
	json_object *obj = NULL;
	const char *text;
	char *dup;
	int r;

	CTRI_CHECK_ARG("ctr_config_to_json", cfg);
	CTRI_CHECK_ARG("ctr_config_to_json", out);
	r = ctri_config_to_object(cfg, &obj);
	if (r < 0)
		return r;
	text = json_object_to_json_string_ext(obj, JSON_FLAGS);
	dup = text ? strdup(text) : NULL;
	json_object_put(obj);
	if (!dup)
		return ctri_cfg_nomem("ctr_config_to_json");
	*out = dup;
	return 0;
}

/* ---- JSON form: in ----------------------------------------------------------------------- */

/* Field readers report errors without a prefix; the caller adds "OP: key \"K\": ". */

/* A borrowed NULL-terminated view of an array of strings; free() the array only. */
static int strings(json_object *arr, const char ***out)
{
	size_t n = json_object_array_length(arr);
	const char **v = calloc(n + 1, sizeof(*v));

	if (!v)
		return ctri_err(CTR_E_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(e, json_type_string)) {
			free(v);
			return ctri_err(CTR_E_INVAL, "element %zu is not a string", i);
		}
		v[i] = json_object_get_string(e);
	}
	*out = v;
	return 0;
}

static int integer(json_object *v, int64_t min, int64_t max, int64_t *out)
{
	int64_t i = json_object_get_int64(v);

	if (i < min || i > max || (i == INT64_MAX && json_object_get_uint64(v) != INT64_MAX))
		return ctri_err(CTR_E_INVAL, "value out of range %lld..%lld", (long long)min,
				(long long)max);
	*out = i;
	return 0;
}

static int word(json_object *v, const char *const *names, size_t n, int *out)
{
	const char *s = json_object_get_string(v);

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(s, names[i])) {
			*out = (int)i;
			return 0;
		}
	}
	return ctri_err(CTR_E_INVAL, "unknown value \"%s\"", s);
}

#define STRING_FIELD(fn, setter)                                                                   \
	static int fn(ctr_config_t *cfg, json_object *v)                                           \
	{                                                                                          \
		return setter(cfg, json_object_get_string(v));                                     \
	}
STRING_FIELD(f_name, ctr_config_set_name)
STRING_FIELD(f_rootfs, ctr_config_set_rootfs)
STRING_FIELD(f_image, ctr_config_set_image)
STRING_FIELD(f_image_id, ctri_config_set_image_id)
STRING_FIELD(f_cwd, ctr_config_set_cwd)
STRING_FIELD(f_hostname, ctr_config_set_hostname)

#define STRINGS_FIELD(fn, setter)                                                                  \
	static int fn(ctr_config_t *cfg, json_object *v)                                           \
	{                                                                                          \
		const char **list = NULL;                                                          \
		int r = strings(v, &list);                                                         \
		if (r == 0)                                                                        \
			r = setter(cfg, list);                                                     \
		free(list);                                                                        \
		return r;                                                                          \
	}
STRINGS_FIELD(f_args, ctr_config_set_args)
STRINGS_FIELD(f_entrypoint, ctr_config_set_entrypoint)
STRINGS_FIELD(f_env, ctr_config_set_env)
STRINGS_FIELD(f_capabilities, ctr_config_set_capabilities)

static int f_dependencies(ctr_config_t *cfg, json_object *v)
{
	const char **list = NULL;
	int r = strings(v, &list);

	for (size_t i = 0; r == 0 && list[i]; i++)
		r = ctr_config_add_dependency(cfg, list[i]);
	free(list);
	return r;
}

static int f_layers(ctr_config_t *cfg, json_object *v)
{
	const char **list = NULL;
	int r = strings(v, &list);

	for (size_t i = 0; r == 0 && list[i]; i++)
		r = ctr_config_add_layer(cfg, list[i]);
	free(list);
	return r;
}

static int f_terminal(ctr_config_t *cfg, json_object *v)
{
	return ctr_config_set_terminal(cfg, json_object_get_boolean(v));
}

static int f_stdin(ctr_config_t *cfg, json_object *v)
{
	return ctr_config_set_stdin(cfg, json_object_get_boolean(v));
}

static int f_log_size_max(ctr_config_t *cfg, json_object *v)
{
	int64_t i = 0;
	int r = integer(v, 0, INT64_MAX, &i);

	return r < 0 ? r : ctr_config_set_log_size_max(cfg, (uint64_t)i);
}

static int f_readonly_rootfs(ctr_config_t *cfg, json_object *v)
{
	return ctr_config_set_readonly_rootfs(cfg, json_object_get_boolean(v));
}

static int f_stop_signal(ctr_config_t *cfg, json_object *v)
{
	int64_t i = 0;
	int r = integer(v, INT_MIN, INT_MAX, &i);

	return r < 0 ? r : ctr_config_set_stop_signal(cfg, (int)i);
}

static int f_stop_timeout(ctr_config_t *cfg, json_object *v)
{
	int64_t i = 0;
	int r = integer(v, 0, UINT_MAX, &i);

	return r < 0 ? r : ctr_config_set_stop_timeout(cfg, (unsigned)i);
}

static int f_restart_policy(ctr_config_t *cfg, json_object *v)
{
	int policy = 0;
	int r = word(v, restart_names, 4, &policy);

	return r < 0 ? r : ctr_config_set_restart_policy(cfg, (ctr_restart_t)policy, 0);
}

/* Comes after restart_policy in the field table. */
static int f_restart_max_retries(ctr_config_t *cfg, json_object *v)
{
	int64_t i = 0;
	int r = integer(v, 0, UINT_MAX, &i);

	return r < 0 ? r : ctr_config_set_restart_policy(cfg, cfg->restart, (unsigned)i);
}

static int f_user(ctr_config_t *cfg, json_object *v)
{
	return ctr_config_set_user(cfg, json_object_get_string(v));
}

static int f_seccomp(ctr_config_t *cfg, json_object *v)
{
	json_object *profile;
	int r;

	if (json_object_is_type(v, json_type_string))
		return ctr_config_set_seccomp(cfg, json_object_get_string(v));
	if (!json_object_is_type(v, json_type_object))
		return ctri_err(CTR_E_INVAL, "must be a string or an object");
	if (!(profile = ctri_json_copy(v)))
		return ctri_err(CTR_E_NOMEM, "out of memory");
	r = ctri_seccomp_check(profile, NULL, "(inline)");
	if (r < 0) {
		json_object_put(profile);
		return r;
	}
	ctri_config_seccomp_replace(cfg, CTRI_SECCOMP_PROFILE, profile);
	return 0;
}

static int f_memory_limit(ctr_config_t *cfg, json_object *v)
{
	int64_t i = 0;
	int r = integer(v, 0, INT64_MAX, &i);

	return r < 0 ? r : ctr_config_set_memory_limit(cfg, (uint64_t)i);
}

static int f_pids_limit(ctr_config_t *cfg, json_object *v)
{
	int64_t i = 0;
	int r = integer(v, INT64_MIN, INT64_MAX, &i);

	return r < 0 ? r : ctr_config_set_pids_limit(cfg, i);
}

static int f_network(ctr_config_t *cfg, json_object *v)
{
	int mode = 0;
	int r = word(v, network_names, 2, &mode);

	return r < 0 ? r : ctr_config_set_network(cfg, (ctr_network_t)mode);
}

/* The members of one mount object, typed; *options is a new vector or NULL. */
static int mount_members(json_object *m, const char **src, const char **dst, const char **type,
			 char ***options)
{
	json_object *s = NULL, *d = NULL, *t = NULL, *o = NULL;
	const char **list = NULL;
	int r;

	json_object_object_foreach(m, key, val)
	{
		json_object **slot = !strcmp(key, "source")	   ? &s
				     : !strcmp(key, "destination") ? &d
				     : !strcmp(key, "type")	   ? &t
				     : !strcmp(key, "options")	   ? &o
								   : NULL;
		json_type want = slot == &o ? json_type_array : json_type_string;
		if (!slot)
			return ctri_err(CTR_E_INVAL, "unknown key \"%s\"", key);
		if (!json_object_is_type(val, want))
			return ctri_err(CTR_E_INVAL, "\"%s\" must be of type %s", key,
					json_type_to_name(want));
		*slot = val;
	}
	if (!s || !d)
		return ctri_err(CTR_E_INVAL, "\"source\" and \"destination\" are required");
	*src = json_object_get_string(s);
	*dst = json_object_get_string(d);
	*type = t ? json_object_get_string(t) : "bind";
	*options = NULL;
	if (!o)
		return 0;
	r = strings(o, &list);
	for (size_t i = 0; r == 0 && list[i]; i++)
		if (!list[i][0] || strchr(list[i], ','))
			r = ctri_err(CTR_E_INVAL, "option \"%s\" is empty or has a comma", list[i]);
	if (r == 0 && !(*options = ctri_strv_dup(list)))
		r = ctri_err(CTR_E_NOMEM, "out of memory");
	free(list);
	return r;
}

static int f_mounts(ctr_config_t *cfg, json_object *v)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < json_object_array_length(v); i++) {
		json_object *m = json_object_array_get_idx(v, i);
		const char *src = NULL, *dst = NULL, *type = NULL;
		char **options = NULL, what[32];

		snprintf(what, sizeof(what), "mount %zu", i);
		if (!json_object_is_type(m, json_type_object))
			return ctri_err(CTR_E_INVAL, "%s is not an object", what);
		r = mount_members(m, &src, &dst, &type, &options);
		if (r == 0)
			r = ctri_config_mount_add(what, cfg, src, dst, type, options);
	}
	return r;
}

static int map_fill(ctr_config_t *cfg, json_object *v,
		    int (*set)(ctr_config_t *, const char *, const char *))
{
	json_object_object_foreach(v, key, val)
	{
		int r;
		if (!json_object_is_type(val, json_type_string))
			return ctri_err(CTR_E_INVAL, "value of \"%s\" is not a string", key);
		if ((r = set(cfg, key, json_object_get_string(val))) < 0)
			return r;
	}
	return 0;
}

static int f_labels(ctr_config_t *cfg, json_object *v)
{
	return map_fill(cfg, v, ctr_config_set_label);
}

static int f_annotations(ctr_config_t *cfg, json_object *v)
{
	return map_fill(cfg, v, ctr_config_set_annotation);
}

static int f_spec_override(ctr_config_t *cfg, json_object *v)
{
	json_object *obj = ctri_json_copy(v);

	if (!obj)
		return ctri_err(CTR_E_NOMEM, "out of memory");
	json_object_put(cfg->spec_override);
	cfg->spec_override = obj;
	return 0;
}

/* In the order they are applied; json_type_null: the reader checks the type. */
static const struct field {
	const char *key;
	json_type type;
	int (*read)(ctr_config_t *cfg, json_object *v);
} fields[] = {
	{ "name", json_type_string, f_name },
	{ "rootfs", json_type_string, f_rootfs },
	{ "layers", json_type_array, f_layers },
	{ "image", json_type_string, f_image },
	{ "entrypoint", json_type_array, f_entrypoint },
	{ "image_id", json_type_string, f_image_id },
	{ "args", json_type_array, f_args },
	{ "env", json_type_array, f_env },
	{ "terminal", json_type_boolean, f_terminal },
	{ "stdin", json_type_boolean, f_stdin },
	{ "log_size_max", json_type_int, f_log_size_max },
	{ "stop_signal", json_type_int, f_stop_signal },
	{ "stop_timeout", json_type_int, f_stop_timeout },
	{ "restart_policy", json_type_string, f_restart_policy },
	{ "restart_max_retries", json_type_int, f_restart_max_retries },
	{ "dependencies", json_type_array, f_dependencies },
	{ "cwd", json_type_string, f_cwd },
	{ "user", json_type_string, f_user },
	{ "hostname", json_type_string, f_hostname },
	{ "capabilities", json_type_array, f_capabilities },
	{ "seccomp", json_type_null, f_seccomp },
	{ "memory_limit", json_type_int, f_memory_limit },
	{ "pids_limit", json_type_int, f_pids_limit },
	{ "readonly_rootfs", json_type_boolean, f_readonly_rootfs },
	{ "mounts", json_type_array, f_mounts },
	{ "network", json_type_string, f_network },
	{ "networks", json_type_array, ctri_config_read_networks },
	{ "ports", json_type_array, ctri_config_read_ports },
	{ "labels", json_type_object, f_labels },
	{ "annotations", json_type_object, f_annotations },
	{ "spec_override", json_type_object, f_spec_override },
};

#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

static const struct field *field_find(const char *key)
{
	for (size_t i = 0; i < N_FIELDS; i++)
		if (!strcmp(fields[i].key, key))
			return &fields[i];
	return NULL;
}

static int read_field(ctr_config_t *cfg, const struct field *f, json_object *v)
{
	static const char op[] = "ctr_config_from_json";
	char msg[768];
	int r;

	if (f->type != json_type_null && !json_object_is_type(v, f->type))
		return ctri_err(CTR_E_INVAL, "%s: key \"%s\" must be of type %s, not %s", op,
				f->key, json_type_to_name(f->type),
				json_type_to_name(json_object_get_type(v)));
	r = f->read(cfg, v);
	if (r < 0) {
		snprintf(msg, sizeof(msg), "%s", ctr_last_error());
		return ctri_err(r, "%s: key \"%s\": %s", op, f->key, msg);
	}
	return 0;
}

int ctri_config_from_object(json_object *obj, ctr_config_t **out)
{
	static const char op[] = "ctr_config_from_json";
	ctr_config_t *cfg = NULL;
	int r;

	CTRI_CHECK_ARG(op, out);
	if (!json_object_is_type(obj, json_type_object))
		return ctri_err(CTR_E_INVAL, "%s: config is not a JSON object", op);
	{
		json_object_object_foreach(obj, key, val)
		{
			(void)val;
			if (!field_find(key))
				return ctri_err(CTR_E_INVAL, "%s: unknown key \"%s\"", op, key);
		}
	}
	r = ctr_config_new(&cfg);
	for (size_t i = 0; r == 0 && i < N_FIELDS; i++) {
		json_object *v;
		if (json_object_object_get_ex(obj, fields[i].key, &v))
			r = read_field(cfg, &fields[i], v);
	}
	if (r < 0) {
		ctr_config_free(cfg);
		return r;
	}
	*out = cfg;
	return 0;
}

CTR_API int ctr_config_from_json(const char *json, ctr_config_t **out)
{
	static const char op[] = "ctr_config_from_json";
	json_object *obj = NULL;
	int r;

	CTRI_CHECK_ARG(op, json);
	CTRI_CHECK_ARG(op, out);
	r = ctri_json_parse_object(op, "config", json, strlen(json), &obj);
	if (r < 0)
		return r;
	r = ctri_config_from_object(obj, out);
	json_object_put(obj);
	return r;
}
