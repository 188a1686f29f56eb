/* The runtime context handed to ctr-cleanup (cleanup_ctx.h): written here by the library,
 * read here by ctr-cleanup. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup_ctx.h"
#include "error.h"
#include "json.h"
#include "runtime.h"
#include "util.h"

/* Every option of ctr_runtime_open() is carried: a new one must be added to both
 * functions below (and to the unit test's round trip) before this compiles again. */
_Static_assert(sizeof(ctr_runtime_opts_t) ==
		   offsetof(ctr_runtime_opts_t, runtime_timeout_ms) + sizeof(unsigned),
	       "a new runtime option: carry it in the cleanup context");

enum { N_MEMBERS = 7 };

/* The writer. */
static char *ctx_text(const ctr_runtime_t *rt)
{
	json_object *o = json_object_new_object();
	char *text = NULL;

	if (!o || ctri_json_add(o, "state_dir", json_object_new_string(rt->state_dir)) ||
	    ctri_json_add(o, "run_dir", json_object_new_string(rt->run_dir)) ||
	    ctri_json_add(o, "oci_runtime", json_object_new_string(rt->oci_runtime)) ||
	    ctri_json_add(o, "monitor_path", json_object_new_string(rt->monitor_path)) ||
	    ctri_json_add(o, "cleanup_path", json_object_new_string(rt->cleanup_path)) ||
	    ctri_json_add(o, "runtime_timeout_ms", json_object_new_int64(rt->timeout_ms)) ||
	    ctri_json_add(o, "flags", json_object_new_int64(rt->flags)))
		goto out;
	text = ctri_strdupf("%s=%s", CTRP_CLEANUP_CTX_ENV,
			    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
out:
	json_object_put(o);
	return text;
}

char **ctri_cleanup_ctx_env(const ctr_runtime_t *rt, char *const *base)
{
	size_t n = 0, k = 0;

	while (base[n])
		n++;
	char **env = calloc(n + 2, sizeof(*env));
	char *ours = ctx_text(rt);
	if (!env || !ours) {
		free(env);
		free(ours);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (strncmp(base[i], CTRP_CLEANUP_ENV_PREFIX, strlen(CTRP_CLEANUP_ENV_PREFIX)))
			env[k++] = base[i];
	env[k] = ours; /* the last entry: the only one we allocated */
	return env;
}

void ctri_cleanup_ctx_env_free(char **env)
{
	size_t n = 0;

	if (!env)
		return;
	while (env[n])
		n++;
	if (n)
		free(env[n - 1]);
	free(env);
}

/* The reader. */
static int bad(const char *what, const char *key)
{
	return ctri_err(CTR_E_INVAL, "%s: member %s %s", CTRP_CLEANUP_CTX_ENV, key, what);
}

static int get_str(json_object *o, const char *key, const char **out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return bad("is missing", key);
	if (!json_object_is_type(v, json_type_string))
		return bad("is not a string", key);
	*out = json_object_get_string(v);
	return 0;
}

static int get_uint(json_object *o, const char *key, unsigned *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return bad("is missing", key);
	int64_t n = json_object_get_int64(v);
	if (!json_object_is_type(v, json_type_int) || n < 0 || n > UINT_MAX)
		return bad("is not an unsigned integer", key);
	*out = (unsigned)n;
	return 0;
}

/* A member the writer does not write: a setting this reader would drop. */
static int unknown_member(json_object *o)
{
	static const char *const known[N_MEMBERS] = { "state_dir",    "run_dir",
						      "oci_runtime",  "monitor_path",
						      "cleanup_path", "runtime_timeout_ms",
						      "flags" };

	json_object_object_foreach(o, key, val)
	{
		(void)val;
		size_t i = 0;
		while (i < N_MEMBERS && strcmp(key, known[i]))
			i++;
		if (i == N_MEMBERS)
			return bad("is unknown to this ctr-cleanup", key);
	}
	return 0;
}

int ctri_cleanup_ctx_parse(const char *text, struct ctri_cleanup_ctx *out)
{
	struct ctri_cleanup_ctx c = { .opts = { .sz = sizeof(ctr_runtime_opts_t) } };
	ctr_runtime_opts_t *o = &c.opts;
	int r;

	if (!text)
		return ctri_err(CTR_E_INVAL, "%s is not set (ctr-cleanup is run by ctr-monitor)",
				CTRP_CLEANUP_CTX_ENV);
	c.json = json_tokener_parse(text);
	if (!c.json || !json_object_is_type(c.json, json_type_object)) {
		json_object_put(c.json);
		return ctri_err(CTR_E_INVAL, "%s is not a JSON object: %.200s",
				CTRP_CLEANUP_CTX_ENV, text);
	}
	if ((r = get_str(c.json, "state_dir", &o->state_dir)) ||
	    (r = get_str(c.json, "run_dir", &o->run_dir)) ||
	    (r = get_str(c.json, "oci_runtime", &o->oci_runtime)) ||
	    (r = get_str(c.json, "monitor_path", &o->monitor_path)) ||
	    (r = get_str(c.json, "cleanup_path", &c.cleanup_path)) ||
	    (r = get_uint(c.json, "runtime_timeout_ms", &o->runtime_timeout_ms)) ||
	    (r = get_uint(c.json, "flags", &o->flags)) || (r = unknown_member(c.json))) {
		json_object_put(c.json);
		return r;
	}
	*out = c;
	return 0;
}

void ctri_cleanup_ctx_release(struct ctri_cleanup_ctx *ctx)
{
	json_object_put(ctx->json);
	ctx->json = NULL;
}
