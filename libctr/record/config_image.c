/* Containers from images: ctr_config_set_image and ctr_config_set_entrypoint, and how
 * ctr_create applies an image's record to a config (its layers and process defaults). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_impl.h"
#include "digest.h"
#include "error.h"
#include "image_ref.h"
#include "util.h"

CTR_API int ctr_config_set_image(ctr_config_t *cfg, const char *ref)
{
	static const char op[] = "ctr_config_set_image";
	char *norm = NULL;
	int r;

	CTRI_CHECK_ARG(op, cfg);
	CTRI_CHECK_ARG(op, ref);
	if (!ctri_image_is_id_prefix(ref)) {
		if ((r = ctri_image_ref_normalize(ref, &norm)) < 0)
			return r; /* the message names ref and what is wrong with it */
		free(norm);
	}
	return ctri_cfg_replace_str(op, &cfg->image, ref);
}

CTR_API int ctr_config_set_entrypoint(ctr_config_t *cfg, const char *const *argv)
{
	static const char op[] = "ctr_config_set_entrypoint";

	int r;

	CTRI_CHECK_ARG(op, cfg);
	if ((r = ctri_cfg_check_argv(op, argv)) < 0)
		return r;
	return ctri_cfg_replace_strv(op, &cfg->entrypoint, argv);
}

const char *ctri_config_image(const ctr_config_t *cfg)
{
	return cfg->image;
}

const char *ctri_config_image_id(const ctr_config_t *cfg)
{
	return cfg->image_id;
}

int ctri_config_set_image_id(ctr_config_t *cfg, const char *id)
{
	static const char op[] = "config image_id";

	CTRI_CHECK_ARG(op, cfg);
	CTRI_CHECK_ARG(op, id);
	if (!ctri_is_sha256_hex(id))
		return ctri_err(CTR_E_INVAL, "%s: \"%s\" is not an image id (64 hex digits)", op,
				id);
	return ctri_cfg_replace_str(op, &cfg->image_id, id);
}

int ctri_signal_parse(const char *s)
{
	char *end;
	long n;

	if (!s || !*s)
		return -1;
	n = strtol(s, &end, 10);
	if (end != s && !*end)
		return n >= 1 && n <= 64 ? (int)n : -1;
	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (int sig = 1; sig < SIGRTMIN; sig++) {
		const char *abbrev = sigabbrev_np(sig);
		if (abbrev && !strcmp(abbrev, s))
			return sig;
	}
	if (!strncmp(s, "RTMIN", 5) || !strncmp(s, "RTMAX", 5)) {
		int base = s[4] == 'N' ? SIGRTMIN : SIGRTMAX;
		n = 0;
		if (s[5] && (n = strtol(s + 5, &end, 10), *end || (s[5] != '+' && s[5] != '-')))
			return -1;
		n += base;
		return n >= SIGRTMIN && n <= SIGRTMAX ? (int)n : -1;
	}
	return -1;
}

/* The strings of a JSON array (NULL when v is not one), borrowed from v. */
static const char **strings_of(json_object *v, size_t *n)
{
	size_t len = json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;
	const char **out = calloc(len + 1, sizeof(*out));

	for (size_t i = 0; out && i < len; i++)
		out[i] = json_object_get_string(json_object_array_get_idx(v, i));
	*n = len;
	return out;
}

static json_object *member(json_object *o, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static int key_len(const char *kv)
{
	const char *eq = strchr(kv, '=');

	return eq ? (int)(eq - kv) : (int)strlen(kv);
}

/* env: the image's entries, each replaced by the config's of the same key, then the
 * config's others. */
static int merge_env(ctr_config_t *cfg, json_object *image_env)
{
	static const char op[] = "ctr_create";
	size_t n;
	const char **img = strings_of(image_env, &n);
	char **env = ctri_strv_dup(NULL);
	int r = 0;

	if (!img || !env) {
		free(img);
		ctri_strv_free(env);
		return ctri_cfg_nomem(op);
	}
	for (size_t i = 0; r == 0 && img[i]; i++) {
		const char *use = img[i];
		for (size_t j = 0; cfg->env && cfg->env[j]; j++)
			if (key_len(cfg->env[j]) == key_len(img[i]) &&
			    !strncmp(cfg->env[j], img[i], (size_t)key_len(img[i])))
				use = cfg->env[j];
		r = ctri_cfg_strv_push(&env, use);
	}
	for (size_t j = 0; r == 0 && cfg->env && cfg->env[j]; j++) {
		int in_image = 0;
		for (size_t i = 0; img[i]; i++)
			in_image |= key_len(cfg->env[j]) == key_len(img[i]) &&
				    !strncmp(cfg->env[j], img[i], (size_t)key_len(img[i]));
		if (!in_image)
			r = ctri_cfg_strv_push(&env, cfg->env[j]);
	}
	free(img);
	if (r < 0) {
		ctri_strv_free(env);
		return ctri_cfg_nomem(op);
	}
	ctri_strv_free(cfg->env);
	cfg->env = env;
	return 0;
}

/* args: entrypoint + cmd, each the config's when set; a set entrypoint drops the image's
 * cmd. */
static int make_args(ctr_config_t *cfg, json_object *icfg, const char *ref)
{
	size_t ne, nc;
	const char **ient = strings_of(member(icfg, "entrypoint"), &ne);
	const char **icmd = strings_of(member(icfg, "cmd"), &nc);
	char **args = ctri_strv_dup(NULL);
	char **ent = cfg->entrypoint;
	int r = (!ient || !icmd || !args) ? -1 : 0;

	for (size_t i = 0; r == 0 && (ent ? ent[i] != NULL : ient[i] != NULL); i++)
		r = ctri_cfg_strv_push(&args, ent ? ent[i] : ient[i]);
	if (cfg->args)
		for (size_t i = 0; r == 0 && cfg->args[i]; i++)
			r = ctri_cfg_strv_push(&args, cfg->args[i]);
	else if (!ent)
		for (size_t i = 0; r == 0 && icmd[i]; i++)
			r = ctri_cfg_strv_push(&args, icmd[i]);
	free(ient);
	free(icmd);
	if (r < 0) {
		ctri_strv_free(args);
		return ctri_cfg_nomem("ctr_create");
	}
	if (!args[0] || !args[0][0]) {
		ctri_strv_free(args);
		return ctri_cerr(cfg->name, "create", CTR_E_INVAL,
				 "image %s has no entrypoint or cmd (or an empty one), and the "
				 "config sets none",
				 ref);
	}
	ctri_strv_free(cfg->args);
	cfg->args = args;
	return 0;
}

static int add_layers(ctr_config_t *cfg, json_object *layers, const char *layers_dir,
		      const char *ref)
{
	size_t n = json_object_is_type(layers, json_type_array) ? json_object_array_length(layers)
								  : 0;

	if (n == 0 || n > CTRI_LAYERS_MAX)
		return ctri_cerr(cfg->name, "create", CTR_E_INVAL,
				 "image %s has %zu layers: a container takes 1 to %d", ref, n,
				 CTRI_LAYERS_MAX);
	for (size_t i = 0; i < n; i++) {
		const char *hex = json_object_get_string(json_object_array_get_idx(layers, i));
		char *dir = ctri_strdupf("%s/%s", layers_dir, hex ? hex : "");
		int r = dir ? ctri_cfg_strv_push(&cfg->layers, dir) : -1;
		free(dir);
		if (r < 0)
			return ctri_cfg_nomem("ctr_create");
	}
	return 0;
}

static int apply_scalars(ctr_config_t *cfg, json_object *icfg, const char *ref)
{
	const char *cwd = json_object_get_string(member(icfg, "working_dir"));
	const char *user = json_object_get_string(member(icfg, "user"));
	const char *stop = json_object_get_string(member(icfg, "stop_signal"));
	json_object *labels = member(icfg, "labels");

	if (!cfg->cwd && cwd && cwd[0] == '/' &&
	    ctri_cfg_replace_str("ctr_create", &cfg->cwd, cwd) < 0)
		return CTR_E_NOMEM;
	if (!cfg->user && user && *user && ctri_cfg_replace_str("ctr_create", &cfg->user, user) < 0)
		return CTR_E_NOMEM;
	if (!cfg->stop_signal_set && stop && *stop) {
		int sig = ctri_signal_parse(stop);
		if (sig < 0)
			return ctri_cerr(cfg->name, "create", CTR_E_INVAL,
					 "image %s: unknown stop signal \"%s\"", ref, stop);
		cfg->stop_signal = sig;
	}
	if (json_object_is_type(labels, json_type_object)) {
		json_object_object_foreach(labels, k, v)
		{
			if (json_object_object_get_ex(cfg->labels, k, NULL))
				continue;
			if (json_object_object_add(cfg->labels, k, json_object_get(v)) < 0)
				return ctri_cfg_nomem("ctr_create");
		}
	}
	return 0;
}

int ctri_config_apply_image(ctr_config_t *cfg, json_object *image, const char *layers_dir)
{
	json_object *icfg = member(image, "config");
	const char *ref = cfg->image;
	int r;

	if ((r = add_layers(cfg, member(image, "layers"), layers_dir, ref)) < 0 ||
	    (r = make_args(cfg, icfg, ref)) < 0 ||
	    (member(icfg, "env") && (r = merge_env(cfg, member(icfg, "env"))) < 0) ||
	    (r = apply_scalars(cfg, icfg, ref)) < 0)
		return r;
	const char *id = json_object_get_string(member(image, "id"));
	if ((r = ctri_config_set_image_id(cfg, id ? id : "")) < 0)
		return r;
	ctri_strv_free(cfg->entrypoint);
	cfg->entrypoint = NULL;
	free(cfg->image);
	cfg->image = NULL;
	cfg->stop_signal_set = 1;
	return ctri_config_check(cfg);
}
