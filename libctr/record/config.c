/* The ctr_config_t builder: each setter checks its input and changes nothing on failure;
 * the JSON form goes through the same setters. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>

#include "config.h"
#include "config_impl.h"
#include "error.h"
#include "monitor_proto.h"
#include "seccomp_profile.h"
#include "user.h"
#include "util.h"

#define SECCOMP_FILE_MAX (1024 * 1024) /* a profile file; runc's default is 30 KiB */

int ctri_cfg_nomem(const char *op)
{
	return ctri_err(CTR_E_NOMEM, "%s: out of memory", op);
}

/* Replace *slot by a copy of s. */
int ctri_cfg_replace_str(const char *op, char **slot, const char *s)
{
	char *copy = strdup(s);

	if (!copy)
		return ctri_cfg_nomem(op);
	free(*slot);
	*slot = copy;
	return 0;
}

/* Replace *slot by a copy of v (NULL: no vector). */
int ctri_cfg_replace_strv(const char *op, char ***slot, const char *const *v)
{
	char **copy = NULL;

	if (v && !(copy = ctri_strv_dup(v)))
		return ctri_cfg_nomem(op);
	ctri_strv_free(*slot);
	*slot = copy;
	return 0;
}

/* Append a copy of s to the vector *v (which may be NULL). Returns 0 or -ENOMEM. */
int ctri_cfg_strv_push(char ***v, const char *s)
{
	size_t n = ctri_strv_len((const char *const *)*v);
	char *copy = strdup(s);
	char **nv = copy ? realloc(*v, (n + 2) * sizeof(*nv)) : NULL;

	if (!nv) {
		free(copy);
		return -ENOMEM;
	}
	nv[n] = copy;
	nv[n + 1] = NULL;
	*v = nv;
	return 0;
}

static int strv_contains(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return 1;
	return 0;
}

static int is_abs_path(const char *op, const char *what, const char *path)
{
	if (path[0] != '/')
		return ctri_err(CTR_E_INVAL, "%s: %s \"%s\" is not an absolute path", op, what,
				path);
	return 0;
}

/* ---- lifetime -------------------------------------------------------------------------- */

CTR_API int ctr_config_new(ctr_config_t **out)
{
	ctr_config_t *cfg;

	CTRI_CHECK_ARG("ctr_config_new", out);
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return ctri_cfg_nomem("ctr_config_new");
	cfg->stop_signal = 15; /* SIGTERM */
	cfg->stop_timeout = 10;
	cfg->deps = ctri_strv_dup(NULL);
	cfg->layers = ctri_strv_dup(NULL);
	cfg->labels = json_object_new_object();
	cfg->annotations = json_object_new_object();
	if (!cfg->deps || !cfg->layers || !cfg->labels || !cfg->annotations) {
		ctr_config_free(cfg);
		return ctri_cfg_nomem("ctr_config_new");
	}
	*out = cfg;
	return 0;
}

static void mount_clear(struct ctri_mount *m)
{
	free(m->source);
	free(m->destination);
	free(m->type);
	ctri_strv_free(m->options);
}

CTR_API void ctr_config_free(ctr_config_t *cfg)
{
	if (!cfg)
		return;
	free(cfg->name);
	free(cfg->rootfs);
	free(cfg->cwd);
	free(cfg->user);
	free(cfg->hostname);
	ctri_strv_free(cfg->args);
	ctri_strv_free(cfg->env);
	ctri_strv_free(cfg->caps);
	ctri_strv_free(cfg->deps);
	ctri_strv_free(cfg->layers);
	free(cfg->image);
	ctri_strv_free(cfg->entrypoint);
	free(cfg->image_id);
	json_object_put(cfg->seccomp);
	for (size_t i = 0; i < cfg->n_mounts; i++)
		mount_clear(&cfg->mounts[i]);
	free(cfg->mounts);
	json_object_put(cfg->labels);
	json_object_put(cfg->annotations);
	json_object_put(cfg->spec_override);
	json_object_put(cfg->networks);
	json_object_put(cfg->ports);
	free(cfg);
}

/* ---- process --------------------------------------------------------------------------- */

CTR_API int ctr_config_set_name(ctr_config_t *cfg, const char *name)
{
	static const char op[] = "ctr_config_set_name";

	CTRI_CHECK_ARG(op, cfg);
	CTRI_CHECK_ARG(op, name);
	if (!ctri_is_name(name))
		return ctri_err(
		    CTR_E_INVAL,
		    "%s: invalid name \"%s\": must match [a-zA-Z0-9][a-zA-Z0-9_.-]{0,252}", op,
		    name);
	return ctri_cfg_replace_str(op, &cfg->name, name);
}

CTR_API int ctr_config_set_rootfs(ctr_config_t *cfg, const char *path)
{
	static const char op[] = "ctr_config_set_rootfs";

	CTRI_CHECK_ARG(op, cfg);
	CTRI_CHECK_ARG(op, path);
	if (is_abs_path(op, "rootfs", path) < 0)
		return CTR_E_INVAL;
	return ctri_cfg_replace_str(op, &cfg->rootfs, path);
}

/* A layer path as overlay options can hold it: absolute, no ':' or ','. */
static int layer_check(const char *op, const char *dir)
{
	if (dir[0] != '/')
		return ctri_err(CTR_E_INVAL, "%s: layer \"%s\" is not an absolute path", op, dir);
	if (strpbrk(dir, ":,"))
		return ctri_err(
		    CTR_E_INVAL,
		    "%s: layer \"%s\" contains ':' or ',', which overlay options cannot "
		    "hold",
		    op, dir);
	if (strlen(dir) >= PATH_MAX)
		return ctri_err(CTR_E_INVAL, "%s: layer path is longer than %d bytes", op,
				PATH_MAX - 1);
	return 0;
}

CTR_API int ctr_config_add_layer(ctr_config_t *cfg, const char *dir)
{
	static const char op[] = "ctr_config_add_layer";
	int r;

	CTRI_CHECK_ARG(op, cfg);
	CTRI_CHECK_ARG(op, dir);
	if ((r = layer_check(op, dir)) < 0)
		return r;
	if (strv_contains(cfg->layers, dir))
		return ctri_err(CTR_E_INVAL, "%s: layer %s is already added", op, dir);
	if (ctri_strv_len((const char *const *)cfg->layers) >= CTRI_LAYERS_MAX)
		return ctri_err(CTR_E_INVAL, "%s: more than %d layers", op, CTRI_LAYERS_MAX);
	return ctri_cfg_strv_push(&cfg->layers, dir) < 0 ? ctri_cfg_nomem(op) : 0;
}

int ctri_cfg_check_argv(const char *op, const char *const *argv)
{
	CTRI_CHECK_ARG(op, argv);
	if (!argv[0])
		return ctri_err(CTR_E_INVAL, "%s: argv is empty: at least the command is needed",
				op);
	if (!argv[0][0])
		return ctri_err(CTR_E_INVAL, "%s: argv[0] is an empty string", op);
	return 0;
}

CTR_API int ctr_config_set_args(ctr_config_t *cfg, const char *const *argv)
{
	static const char op[] = "ctr_config_set_args";
	int r;

	CTRI_CHECK_ARG(op, cfg);
	if ((r = ctri_cfg_check_argv(op, argv)) < 0)
		return r;
	return ctri_cfg_replace_strv(op, &cfg->args, argv);
}

CTR_API int ctr_config_set_env(ctr_config_t *cfg, const char *const *envp)
{
	static const char op[] = "ctr_config_set_env";

	CTRI_CHECK_ARG(op, cfg);
	CTRI_CHECK_ARG(op, envp);
	for (size_t i = 0; envp[i]; i++) {
		const char *eq = strchr(envp[i], '=');
		if (!eq || eq == envp[i])
			return ctri_err(CTR_E_INVAL,
					"%s: envp[%zu] \"%s\" is not of the form KEY=value", op, i,
					envp[i]);
	}
	return ctri_cfg_replace_strv(op, &cfg->env, envp);
}

CTR_API int ctr_config_set_terminal(ctr_config_t *cfg, int on)
{
	CTRI_CHECK_ARG("ctr_config_set_terminal", cfg);
	cfg->terminal = !!on;
	return 0;
}

CTR_API int ctr_config_set_stdin(ctr_config_t *cfg, int on)
{
	CTRI_CHECK_ARG("ctr_config_set_stdin", cfg);
	cfg->open_stdin = !!on;
	return 0;
}

CTR_API int ctr_config_set_log_size_max(ctr_config_t *cfg, uint64_t bytes)
{
	CTRI_CHECK_ARG("ctr_config_set_log_size_max", cfg);
	if (bytes && (bytes < CTRP_LOG_SIZE_MIN || bytes > INT64_MAX))
		return ctri_err(CTR_E_INVAL,
				"ctr_config_set_log_size_max: %llu bytes: the limit is 0 (none) or "
				"at least %d",
				(unsigned long long)bytes, CTRP_LOG_SIZE_MIN);
	cfg->log_size_max = bytes;
	return 0;
}

CTR_API int ctr_config_set_stop_signal(ctr_config_t *cfg, int sig)
{
	CTRI_CHECK_ARG("ctr_config_set_stop_signal", cfg);
	if (sig < 1 || sig > 64)
		return ctri_err(CTR_E_INVAL,
				"ctr_config_set_stop_signal: invalid signal %d: must be 1..64",
				sig);
	cfg->stop_signal = sig;
	cfg->stop_signal_set = 1;
	return 0;
}

CTR_API int ctr_config_set_stop_timeout(ctr_config_t *cfg, unsigned seconds)
{
	CTRI_CHECK_ARG("ctr_config_set_stop_timeout", cfg);
	cfg->stop_timeout = seconds;
	return 0;
}

CTR_API int ctr_config_set_restart_policy(ctr_config_t *cfg, ctr_restart_t policy,
					  unsigned max_retries)
{
	static const char op[] = "ctr_config_set_restart_policy";

	CTRI_CHECK_ARG(op, cfg);
	if ((unsigned)policy > CTR_RESTART_UNLESS_STOPPED)
		return ctri_err(CTR_E_INVAL, "%s: invalid policy %d", op, (int)policy);
	if (max_retries && policy != CTR_RESTART_ON_FAILURE)
		return ctri_err(CTR_E_INVAL,
				"%s: max_retries %u is only allowed with CTR_RESTART_ON_FAILURE",
				op, max_retries);
	cfg->restart = policy;
	cfg->max_retries = max_retries;
	return 0;
}

CTR_API int ctr_config_add_dependency(ctr_config_t *cfg, const char *name_or_id)
{
	static const char op[] = "ctr_config_add_dependency";

	CTRI_CHECK_ARG(op, cfg);
	CTRI_CHECK_ARG(op, name_or_id);
	if (!name_or_id[0])
		return ctri_err(CTR_E_INVAL, "%s: name_or_id is empty", op);
	if (strv_contains(cfg->deps, name_or_id))
		return 0;
	return ctri_cfg_strv_push(&cfg->deps, name_or_id) < 0 ? ctri_cfg_nomem(op) : 0;
}

CTR_API int ctr_config_set_cwd(ctr_config_t *cfg, const char *path)
{
	static const char op[] = "ctr_config_set_cwd";

	CTRI_CHECK_ARG(op, cfg);
	CTRI_CHECK_ARG(op, path);
	if (is_abs_path(op, "cwd", path) < 0)
		return CTR_E_INVAL;
	return ctri_cfg_replace_str(op, &cfg->cwd, path);
}

CTR_API int ctr_config_set_user(ctr_config_t *cfg, const char *user)
{
	static const char op[] = "ctr_config_set_user";
	int r;

	CTRI_CHECK_ARG(op, cfg);
	if (!user) {
		free(cfg->user);
		cfg->user = NULL;
		return 0;
	}
	if ((r = ctri_user_check(NULL, "set user", user)) < 0)
		return r;
	return ctri_cfg_replace_str(op, &cfg->user, user);
}

static int is_hostname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || s[0] == '-' || s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

CTR_API int ctr_config_set_hostname(ctr_config_t *cfg, const char *hostname)
{
	static const char op[] = "ctr_config_set_hostname";

	CTRI_CHECK_ARG(op, cfg);
	CTRI_CHECK_ARG(op, hostname);
	if (!is_hostname(hostname))
		return ctri_err(CTR_E_INVAL,
				"%s: invalid hostname \"%s\": 1..63 characters of [a-zA-Z0-9.-], "
				"not starting with '-' or '.'",
				op, hostname);
	return ctri_cfg_replace_str(op, &cfg->hostname, hostname);
}

/* ---- security -------------------------------------------------------------------------- */

/* "net_admin", "CAP_NET_ADMIN", "Cap_Net_Admin" -> "CAP_NET_ADMIN" if libcap knows it. */
static int cap_normalise(const char *in, char *out, size_t size)
{
	const char *s = strncasecmp(in, "cap_", 4) ? in : in + 4;
	size_t n = strlen(s);
	cap_value_t value;

	if (n == 0 || n + 5 > size)
		return -1;
	memcpy(out, "cap_", 4);
	for (size_t i = 0; i <= n; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		else if (c && !(c >= 'a' && c <= 'z') && c != '_')
			return -1; /* numbers and anything else libcap would also accept */
		out[4 + i] = c;
	}
	if (cap_from_name(out, &value) < 0)
		return -1;
	for (size_t i = 0; out[i]; i++)
		if (out[i] >= 'a' && out[i] <= 'z')
			out[i] = (char)(out[i] - 'a' + 'A');
	return 0;
}

CTR_API int ctr_config_set_capabilities(ctr_config_t *cfg, const char *const *caps)
{
	static const char op[] = "ctr_config_set_capabilities";
	char **set = NULL;
	char name[64];

	CTRI_CHECK_ARG(op, cfg);
	if (!caps)
		return ctri_cfg_replace_strv(op, &cfg->caps, NULL);
	if (!(set = ctri_strv_dup(NULL)))
		return ctri_cfg_nomem(op);
	for (size_t i = 0; caps[i]; i++) {
		if (cap_normalise(caps[i], name, sizeof(name)) < 0) {
			ctri_strv_free(set);
			return ctri_err(CTR_E_INVAL, "%s: unknown capability %s", op, caps[i]);
		}
		if (!strv_contains(set, name) && ctri_cfg_strv_push(&set, name) < 0) {
			ctri_strv_free(set);
			return ctri_cfg_nomem(op);
		}
	}
	ctri_strv_free(cfg->caps);
	cfg->caps = set;
	return 0;
}

int ctri_json_parse_object(const char *op, const char *what, const char *text, size_t len,
			   json_object **out)
{
	struct json_tokener *tok;
	json_object *obj;
	enum json_tokener_error e;

	if (len >= INT_MAX)
		return ctri_err(CTR_E_INVAL, "%s: %s is too large", op, what);
	tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
	if (!tok)
		return ctri_cfg_nomem(op);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, text, (int)len + 1); /* the NUL ends the text */
	e = json_tokener_get_error(tok);
	if (e == json_tokener_success && json_tokener_get_parse_end(tok) != len)
		e = json_tokener_error_parse_unexpected;
	json_tokener_free(tok);
	if (e != json_tokener_success) {
		json_object_put(obj);
		return ctri_err(CTR_E_INVAL, "%s: %s is not valid JSON: %s", op, what,
				json_tokener_error_desc(e));
	}
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return ctri_err(CTR_E_INVAL, "%s: %s is not a JSON object", op, what);
	}
	*out = obj;
	return 0;
}

static int load_seccomp(const char *op, const char *path, json_object **out)
{
	char *text = NULL;
	size_t len = 0;
	struct stat st;
	int r;

	/* Refuse FIFOs and devices before open(), which could block on them. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return ctri_err(CTR_E_INVAL,
				"%s: cannot read seccomp profile %s: not a regular file", op, path);
	r = ctri_read_file(path, SECCOMP_FILE_MAX, &text, &len);
	if (r == -ENOMEM)
		return ctri_cfg_nomem(op);
	if (r < 0)
		return ctri_err(CTR_E_INVAL, "%s: cannot read seccomp profile %s: %s", op, path,
				strerror(-r));
	r = ctri_json_parse_object(op, path, text, len, out);
	free(text);
	if (r < 0)
		return r;
	r = ctri_seccomp_check(*out, op, path);
	if (r < 0) {
		json_object_put(*out);
		*out = NULL;
	}
	return r;
}

void ctri_config_seccomp_replace(ctr_config_t *cfg, enum ctri_seccomp_mode mode,
				 json_object *profile)
{
	json_object_put(cfg->seccomp);
	cfg->seccomp_mode = mode;
	cfg->seccomp = profile;
}

CTR_API int ctr_config_set_seccomp(ctr_config_t *cfg, const char *profile)
{
	static const char op[] = "ctr_config_set_seccomp";
	json_object *obj = NULL;
	int r;

	CTRI_CHECK_ARG(op, cfg);
	if (!profile || !strcmp(profile, "default")) {
		ctri_config_seccomp_replace(cfg, CTRI_SECCOMP_DEFAULT, NULL);
		return 0;
	}
	if (!strcmp(profile, "unconfined")) {
		ctri_config_seccomp_replace(cfg, CTRI_SECCOMP_UNCONFINED, NULL);
		return 0;
	}
	r = load_seccomp(op, profile, &obj);
	if (r < 0)
		return r;
	ctri_config_seccomp_replace(cfg, CTRI_SECCOMP_PROFILE, obj);
	return 0;
}

/* ---- resources, filesystem, network ----------------------------------------------------- */

CTR_API int ctr_config_set_memory_limit(ctr_config_t *cfg, uint64_t bytes)
{
	CTRI_CHECK_ARG("ctr_config_set_memory_limit", cfg);
	if (bytes > INT64_MAX)
		return ctri_err(CTR_E_INVAL, "ctr_config_set_memory_limit: %llu bytes is too large",
				(unsigned long long)bytes);
	cfg->memory_limit = bytes;
	return 0;
}

CTR_API int ctr_config_set_pids_limit(ctr_config_t *cfg, int64_t max)
{
	CTRI_CHECK_ARG("ctr_config_set_pids_limit", cfg);
	if (max < 0)
		return ctri_err(CTR_E_INVAL, "ctr_config_set_pids_limit: negative limit %lld",
				(long long)max);
	cfg->pids_limit = max;
	return 0;
}

CTR_API int ctr_config_set_readonly_rootfs(ctr_config_t *cfg, int on)
{
	CTRI_CHECK_ARG("ctr_config_set_readonly_rootfs", cfg);
	cfg->readonly_rootfs = !!on;
	return 0;
}

CTR_API int ctr_config_set_network(ctr_config_t *cfg, ctr_network_t mode)
{
	CTRI_CHECK_ARG("ctr_config_set_network", cfg);
	if (mode != CTR_NETWORK_NONE && mode != CTR_NETWORK_HOST)
		return ctri_err(CTR_E_INVAL, "ctr_config_set_network: invalid mode %d", (int)mode);
	cfg->network = mode;
	return 0;
}

static int has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
			return 1;
	return 0;
}

/* Split "a,b,c" into a vector; empty components are refused. */
static int split_options(const char *op, const char *options, char ***out)
{
	char **v = ctri_strv_dup(NULL);
	const char *p = options;
	int r = v ? 0 : -ENOMEM;

	while (r == 0) {
		size_t n = strcspn(p, ",");
		char *item;

		if (n == 0) {
			r = -EINVAL;
			break;
		}
		item = strndup(p, n);
		r = item ? ctri_cfg_strv_push(&v, item) : -ENOMEM;
		free(item);
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	if (r < 0) {
		ctri_strv_free(v);
		if (r == -ENOMEM)
			return ctri_cfg_nomem(op);
		return ctri_err(CTR_E_INVAL, "%s: options \"%s\" have an empty component", op,
				options);
	}
	*out = v;
	return 0;
}

static int mount_check(const char *op, const char *source, const char *destination,
		       const char *type, char *const *options)
{
	int bind = !strcmp(type, "bind") || strv_contains(options, "bind") ||
		   strv_contains(options, "rbind");

	if (!source[0] || !type[0])
		return ctri_err(CTR_E_INVAL, "%s: %s is empty", op, source[0] ? "type" : "source");
	if (is_abs_path(op, "destination", destination) < 0)
		return CTR_E_INVAL;
	if (bind && is_abs_path(op, "bind mount source", source) < 0)
		return CTR_E_INVAL;
	if (has_dotdot(destination))
		return ctri_err(CTR_E_INVAL, "%s: destination \"%s\" has a \"..\" component", op,
				destination);
	return 0;
}

int ctri_config_mount_add(const char *op, ctr_config_t *cfg, const char *source,
			  const char *destination, const char *type, char **options)
{
	static const char *const rbind[] = {"rbind", NULL};
	struct ctri_mount m = {.options = options}, *mounts;
	int r = mount_check(op, source, destination, type, options);

	if (r < 0)
		goto out;
	if (!m.options)
		m.options = ctri_strv_dup(strcmp(type, "bind") ? NULL : rbind);
	m.source = strdup(source);
	m.destination = strdup(destination);
	m.type = strdup(type);
	mounts = realloc(cfg->mounts, (cfg->n_mounts + 1) * sizeof(*mounts));
	if (mounts)
		cfg->mounts = mounts;
	if (!mounts || !m.options || !m.source || !m.destination || !m.type) {
		r = ctri_cfg_nomem(op);
		goto out;
	}
	cfg->mounts[cfg->n_mounts++] = m;
	return 0;
out:
	mount_clear(&m);
	return r;
}

CTR_API int ctr_config_add_mount(ctr_config_t *cfg, const char *source, const char *destination,
				 const char *type, const char *options)
{
	static const char op[] = "ctr_config_add_mount";
	char **opts = NULL;
	int r;

	CTRI_CHECK_ARG(op, cfg);
	CTRI_CHECK_ARG(op, source);
	CTRI_CHECK_ARG(op, destination);
	if (options && (r = split_options(op, options, &opts)) < 0)
		return r;
	return ctri_config_mount_add(op, cfg, source, destination, type ? type : "bind", opts);
}

static int map_set(const char *op, json_object *map, const char *key, const char *value)
{
	json_object *v;

	if (!key[0])
		return ctri_err(CTR_E_INVAL, "%s: key is empty", op);
	if (!value) {
		json_object_object_del(map, key);
		return 0;
	}
	v = json_object_new_string(value);
	if (!v || json_object_object_add(map, key, v) < 0) {
		json_object_put(v);
		return ctri_cfg_nomem(op);
	}
	return 0;
}

CTR_API int ctr_config_set_label(ctr_config_t *cfg, const char *key, const char *value)
{
	CTRI_CHECK_ARG("ctr_config_set_label", cfg);
	CTRI_CHECK_ARG("ctr_config_set_label", key);
	return map_set("ctr_config_set_label", cfg->labels, key, value);
}

CTR_API int ctr_config_set_annotation(ctr_config_t *cfg, const char *key, const char *value)
{
	CTRI_CHECK_ARG("ctr_config_set_annotation", cfg);
	CTRI_CHECK_ARG("ctr_config_set_annotation", key);
	return map_set("ctr_config_set_annotation", cfg->annotations, key, value);
}

CTR_API int ctr_config_set_spec_override(ctr_config_t *cfg, const char *json)
{
	static const char op[] = "ctr_config_set_spec_override";
	json_object *obj = NULL;
	int r;

	CTRI_CHECK_ARG(op, cfg);
	if (json && (r = ctri_json_parse_object(op, "spec override", json, strlen(json), &obj)) < 0)
		return r;
	json_object_put(cfg->spec_override);
	cfg->spec_override = obj;
	return 0;
}

/* ---- read access and checks -------------------------------------------------------------- */

const char *ctri_config_name(const ctr_config_t *cfg)
{
	return cfg->name;
}

const char *ctri_config_rootfs(const ctr_config_t *cfg)
{
	return cfg->rootfs;
}

const char *const *ctri_config_dependencies(const ctr_config_t *cfg)
{
	return (const char *const *)cfg->deps;
}

static int check_dir(const char *name, const char *what, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return ctri_cerr(name, "create", CTR_E_INVAL, "%s %s: %m", what, path);
	if (!S_ISDIR(st.st_mode))
		return ctri_cerr(name, "create", CTR_E_INVAL, "%s %s: %s", what, path,
				 strerror(ENOTDIR));
	return 0;
}

int ctri_config_check(const ctr_config_t *cfg)
{
	int r;

	if (!cfg)
		return ctri_cerr(NULL, "create", CTR_E_INVAL, "argument cfg is NULL");
	if (cfg->image && (cfg->rootfs || cfg->layers[0]))
		return ctri_cerr(cfg->name, "create", CTR_E_INVAL,
				 "both an image and a %s are set: a container has one or the other",
				 cfg->rootfs ? "rootfs" : "layer");
	if (cfg->image_id && (cfg->image || !cfg->layers[0]))
		return ctri_cerr(cfg->name, "create", CTR_E_INVAL,
				 "an image_id goes with the layers of that image only");
	if (cfg->entrypoint && !cfg->image)
		return ctri_cerr(cfg->name, "create", CTR_E_INVAL,
				 "an entrypoint is set but no image: set args instead");
	if (cfg->image)
		return 0; /* the rest once the image is applied (ctri_config_apply_image) */
	if (cfg->rootfs && cfg->layers[0])
		return ctri_cerr(
		    cfg->name, "create", CTR_E_INVAL,
		    "both a rootfs and layers are set: a container has one or the other");
	if (!cfg->rootfs && !cfg->layers[0])
		return ctri_cerr(cfg->name, "create", CTR_E_INVAL,
				 "rootfs is not set (nor layers, nor an image)");
	if (cfg->rootfs && (r = check_dir(cfg->name, "rootfs", cfg->rootfs)) < 0)
		return r;
	for (size_t i = 0; cfg->layers[i]; i++)
		if ((r = check_dir(cfg->name, "layer", cfg->layers[i])) < 0)
			return r;
	if (!cfg->args)
		return ctri_cerr(cfg->name, "create", CTR_E_INVAL, "args are not set");
	return 0;
}
