/* OCI runtime spec (config.json) generation. The spec is built from the JSON form of the
 * config (ctri_config_to_object), the form the store keeps, so a spec can always be
 * rebuilt from a stored config. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "error.h"
#include "json.h"
#include "overlay.h"
#include "seccomp_profile.h"
#include "spec.h"
#include "user.h"
#include "util.h"

#define OCI_VERSION	 "1.0.2"
#define HOSTNAME_FROM_ID 12
#define SPEC_MAX	 (16 << 20) /* the largest config.json ctri_spec_load reads */

/* The default capability set of runc, podman and docker. */
static const char *const default_caps[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_FSETID",
	"CAP_FOWNER",
	"CAP_MKNOD",
	"CAP_NET_RAW",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETFCAP",
	"CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT",
	"CAP_KILL",
	"CAP_AUDIT_WRITE",
	NULL,
};

CTR_API const char *const *ctr_default_capabilities(void)
{
	return default_caps;
}

/* docker's and podman's: a process that is given an environment without PATH gets it. */
static const char *const default_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL
};

/* As `runc spec` writes them. */
static const char *const masked_paths[] = {
	"/proc/acpi",
	"/proc/asound",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/proc/sched_debug",
	"/sys/firmware",
	"/proc/scsi",
	NULL,
};

static const char *const readonly_paths[] = { "/proc/bus",	     "/proc/fs",
					      "/proc/irq",	     "/proc/sys",
					      "/proc/sysrq-trigger", NULL };

struct mount_def {
	const char *destination;
	const char *type;
	const char *source;
	const char *options[8];
};

static const struct mount_def default_mounts[] = {
	{ "/proc", "proc", "proc", { NULL } },
	{ "/dev", "tmpfs", "tmpfs", { "nosuid", "strictatime", "mode=755", "size=65536k" } },
	{ "/dev/pts",
	  "devpts",
	  "devpts",
	  { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" } },
	{ "/dev/shm", "tmpfs", "shm", { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" } },
	{ "/dev/mqueue", "mqueue", "mqueue", { "nosuid", "noexec", "nodev" } },
	{ "/sys", "sysfs", "sysfs", { "nosuid", "noexec", "nodev", "ro" } },
	{ "/sys/fs/cgroup", "cgroup", "cgroup", { "nosuid", "noexec", "nodev", "relatime", "ro" } },
};

/* With the host's network a container shares its sysfs: bind it (not recursively, so the
 * host's mounts below /sys do not come along) rather than mount it, which an unprivileged
 * runtime could not do without a network namespace of its own. */
static const struct mount_def host_sys = {
	.destination = "/sys",
	.type = "bind",
	.source = "/sys",
	.options = { "bind", "nosuid", "noexec", "nodev", "ro" },
};

/* ---- json-c helpers: NULL means out of memory, and adding NULL fails --------------------- */

/* Readers of the config's JSON form (already checked, so types are right). */
static json_object *member(json_object *c, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(c, key, &v);
	return v;
}

static json_object *boolean(json_object *c, const char *key)
{
	return json_object_new_boolean(json_object_get_boolean(member(c, key)));
}

/* A new object filled by fill(o, c, arg) from the config c, or NULL if either fails. */
static json_object *object(int (*fill)(json_object *o, json_object *c, const char *arg),
			   json_object *c, const char *arg)
{
	json_object *o = json_object_new_object();

	if (o && fill(o, c, arg) < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static const char *string_or(json_object *c, const char *key, const char *def)
{
	json_object *v = member(c, key);

	return v ? json_object_get_string(v) : def;
}

static int is_host_network(json_object *c)
{
	return !strcmp(string_or(c, "network", "none"), "host");
}

/* ---- process ------------------------------------------------------------------------------ */

static int has_var(json_object *env, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < json_object_array_length(env); i++) {
		const char *e = json_object_get_string(json_object_array_get_idx(env, i));
		if (!strncmp(e, name, n) && e[n] == '=')
			return 1;
	}
	return 0;
}

static json_object *build_env(json_object *c, const char *hostname)
{
	json_object *given = member(c, "env");
	json_object *env = given ? ctri_json_copy(given) : ctri_json_strv(default_env);
	char var[128];
	int r = env ? 0 : -1;

	if (r == 0 && !has_var(env, "PATH"))
		r = ctri_json_push(env, json_object_new_string(default_env[0]));
	if (r == 0 && json_object_get_boolean(member(c, "terminal")) && !has_var(env, "TERM"))
		r = ctri_json_push(env, json_object_new_string("TERM=xterm"));
	if (r == 0 && !has_var(env, "HOSTNAME")) {
		snprintf(var, sizeof(var), "HOSTNAME=%s", hostname);
		r = ctri_json_push(env, json_object_new_string(var));
	}
	if (r < 0) {
		json_object_put(env);
		return NULL;
	}
	return env;
}

/* A user that is not two numbers is looked up when each run begins (ctri_spec_set_user);
 * until then the spec names nobody (65534), never root. */
static int fill_user(json_object *o, json_object *c, const char *arg)
{
	const char *user = string_or(c, "user", "0:0");
	unsigned uid = 65534, gid = 65534;
	int r = 0;

	(void)arg;
	ctri_user_numeric(user, &uid, &gid);
	r |= ctri_json_add(o, "uid", json_object_new_int64(uid));
	r |= ctri_json_add(o, "gid", json_object_new_int64(gid));
	return r;
}

/* The container's capability set: the config's, or the default. NULL if out of memory. */
static json_object *capabilities(json_object *c)
{
	json_object *given = member(c, "capabilities");

	return given ? ctri_json_copy(given) : ctri_json_strv(default_caps);
}

static int fill_caps(json_object *o, json_object *c, const char *arg)
{
	static const char *const sets[] = { "bounding", "effective", "permitted" };
	int r = 0;

	(void)arg;
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		r |= ctri_json_add(o, sets[i], capabilities(c));
	return r;
}

static int fill_nofile(json_object *o, json_object *c, const char *arg)
{
	int r = 0;

	(void)c;
	(void)arg;
	r |= ctri_json_add(o, "type", json_object_new_string("RLIMIT_NOFILE"));
	r |= ctri_json_add(o, "hard", json_object_new_int(1024));
	r |= ctri_json_add(o, "soft", json_object_new_int(1024));
	return r;
}

static json_object *rlimits(json_object *c)
{
	json_object *arr = json_object_new_array();

	if (arr && ctri_json_push(arr, object(fill_nofile, c, NULL)) < 0) {
		json_object_put(arr);
		return NULL;
	}
	return arr;
}

static int fill_process(json_object *o, json_object *c, const char *hostname)
{
	int r = 0;

	r |= ctri_json_add(o, "terminal", boolean(c, "terminal"));
	r |= ctri_json_add(o, "user", object(fill_user, c, NULL));
	r |= ctri_json_add(o, "args", ctri_json_copy(member(c, "args")));
	r |= ctri_json_add(o, "env", build_env(c, hostname));
	r |= ctri_json_add(o, "cwd", json_object_new_string(string_or(c, "cwd", "/")));
	r |= ctri_json_add(o, "capabilities", object(fill_caps, c, NULL));
	r |= ctri_json_add(o, "rlimits", rlimits(c));
	r |= ctri_json_add(o, "noNewPrivileges", json_object_new_boolean(1));
	return r;
}

/* path: the root filesystem, worked out by root_path(). */
static int fill_root(json_object *o, json_object *c, const char *path)
{
	int r = 0;

	r |= ctri_json_add(o, "path", json_object_new_string(path));
	r |= ctri_json_add(o, "readonly", boolean(c, "readonly_rootfs"));
	return r;
}

/* ---- mounts ------------------------------------------------------------------------------- */

/* 1 if one of the config's mounts replaces the default one at destination. */
static int mount_replaced(json_object *mounts, const char *destination)
{
	for (size_t i = 0; mounts && i < json_object_array_length(mounts); i++) {
		json_object *m = json_object_array_get_idx(mounts, i);
		if (!strcmp(string_or(m, "destination", ""), destination))
			return 1;
	}
	return 0;
}

static json_object *build_mounts(json_object *c)
{
	json_object *given = member(c, "mounts"), *arr = json_object_new_array();
	int r = arr ? 0 : -1;

	for (size_t i = 0; r == 0 && i < sizeof(default_mounts) / sizeof(default_mounts[0]); i++) {
		const struct mount_def *d = &default_mounts[i];
		if (is_host_network(c) && !strcmp(d->destination, "/sys"))
			d = &host_sys;
		if (!mount_replaced(given, d->destination))
			r = ctri_json_push(
			    arr, ctri_json_mount(d->source, d->destination, d->type, d->options));
	}
	/* The config's mount objects already have the OCI member names. */
	for (size_t i = 0; r == 0 && given && i < json_object_array_length(given); i++)
		r = ctri_json_push(arr, ctri_json_copy(json_object_array_get_idx(given, i)));
	if (r < 0) {
		json_object_put(arr);
		return NULL;
	}
	return arr;
}

/* ---- linux ---------------------------------------------------------------------------------- */

static json_object *namespaces(json_object *c)
{
	static const char *const types[] = { "pid", "ipc", "uts", "mount", "network", "cgroup" };
	json_object *arr = json_object_new_array();
	int r = arr ? 0 : -1;

	for (size_t i = 0; r == 0 && i < sizeof(types) / sizeof(types[0]); i++) {
		json_object *ns;
		if (!strcmp(types[i], "network") && is_host_network(c))
			continue;
		ns = json_object_new_object();
		if (!ns || ctri_json_add(ns, "type", json_object_new_string(types[i])) < 0) {
			json_object_put(ns);
			r = -1;
		} else {
			r = ctri_json_push(arr, ns);
		}
	}
	if (r < 0) {
		json_object_put(arr);
		return NULL;
	}
	return arr;
}

static int fill_deny_devices(json_object *o, json_object *c, const char *arg)
{
	int r = 0;

	(void)c;
	(void)arg;
	r |= ctri_json_add(o, "allow", json_object_new_boolean(0));
	r |= ctri_json_add(o, "access", json_object_new_string("rwm"));
	return r;
}

/* {"limit": c[key]} */
static int fill_limit(json_object *o, json_object *c, const char *key)
{
	return ctri_json_add(o, "limit",
			     json_object_new_int64(json_object_get_int64(member(c, key))));
}

static int fill_resources(json_object *o, json_object *c, const char *arg)
{
	json_object *devices = json_object_new_array();
	int r;

	(void)arg;
	if (devices && ctri_json_push(devices, object(fill_deny_devices, c, NULL)) < 0) {
		json_object_put(devices);
		devices = NULL;
	}
	r = ctri_json_add(o, "devices", devices);
	if (r == 0 && member(c, "memory_limit"))
		r = ctri_json_add(o, "memory", object(fill_limit, c, "memory_limit"));
	if (r == 0 && member(c, "pids_limit"))
		r = ctri_json_add(o, "pids", object(fill_limit, c, "pids_limit"));
	return r;
}

/* The config's profile, or the default one for the container's capability set. */
static json_object *seccomp(json_object *c)
{
	json_object *v = member(c, "seccomp"), *profile = NULL, *caps;
	int r;

	if (json_object_is_type(v, json_type_object))
		return ctri_json_copy(v);
	if (!(caps = capabilities(c)))
		return NULL;
	r = ctri_seccomp_default(caps, &profile);
	json_object_put(caps);
	return r < 0 ? NULL : profile;
}

static int fill_linux(json_object *o, json_object *c, const char *id)
{
	char cgroup[sizeof("/libctr/") + 256]; /* ids are at most 253 chars */
	int r;

	snprintf(cgroup, sizeof(cgroup), "/libctr/%s", id);
	r = ctri_json_add(o, "namespaces", namespaces(c));
	r |= ctri_json_add(o, "cgroupsPath", json_object_new_string(cgroup));
	r |= ctri_json_add(o, "resources", object(fill_resources, c, NULL));
	r |= ctri_json_add(o, "maskedPaths", ctri_json_strv(masked_paths));
	r |= ctri_json_add(o, "readonlyPaths", ctri_json_strv(readonly_paths));
	if (r == 0 && strcmp(string_or(c, "seccomp", ""), "unconfined"))
		r = ctri_json_add(o, "seccomp", seccomp(c));
	return r;
}

/* ---- the override: RFC 7386 JSON merge patch ------------------------------------------------- */

/* Apply patch to *target, which it may replace. A NULL (JSON null) patch member deletes. */
static int merge_patch(json_object **target, json_object *patch)
{
	if (!json_object_is_type(patch, json_type_object)) {
		json_object *value = ctri_json_copy(patch);
		if (!value)
			return -1;
		json_object_put(*target);
		*target = value;
		return 0;
	}
	if (!json_object_is_type(*target, json_type_object)) {
		json_object *empty = json_object_new_object();
		if (!empty)
			return -1;
		json_object_put(*target);
		*target = empty;
	}
	json_object_object_foreach(patch, key, val)
	{
		json_object *cur = NULL;
		if (!val) {
			json_object_object_del(*target, key);
			continue;
		}
		/* Hold our own reference: replacing the member drops the table's. */
		json_object_object_get_ex(*target, key, &cur);
		json_object_get(cur);
		if (merge_patch(&cur, val) < 0) {
			json_object_put(cur);
			return -1;
		}
		if (ctri_json_add(*target, key, cur) < 0)
			return -1;
	}
	return 0;
}

/* ---- the spec ------------------------------------------------------------------------------- */

/* The rootfs, or for layers the overlay's merged directory in the bundle directory: an
 * absolute path when the bundle directory is known, else relative (runtimes resolve a
 * relative root.path against the bundle). NULL: out of memory. */
static char *root_path(json_object *c, const char *bundle_dir)
{
	if (!member(c, "layers"))
		return strdup(string_or(c, "rootfs", ""));
	if (!bundle_dir)
		return strdup(CTRI_LAYER_MERGED);
	return ctri_strdupf("%s/%s", bundle_dir, CTRI_LAYER_MERGED);
}

static int fill_spec(json_object *spec, json_object *c, const char *id, const char *root)
{
	json_object *annotations = member(c, "annotations");
	json_object *override = member(c, "spec_override");
	char hostname[HOSTNAME_FROM_ID + 1];
	const char *name = string_or(c, "hostname", NULL);
	int r;

	if (!name) {
		snprintf(hostname, sizeof(hostname), "%s", id);
		name = hostname;
	}
	r = ctri_json_add(spec, "ociVersion", json_object_new_string(OCI_VERSION));
	r |= ctri_json_add(spec, "process", object(fill_process, c, name));
	r |= ctri_json_add(spec, "root", object(fill_root, c, root));
	r |= ctri_json_add(spec, "hostname", json_object_new_string(name));
	r |= ctri_json_add(spec, "mounts", build_mounts(c));
	r |= ctri_json_add(spec, "linux", object(fill_linux, c, id));
	if (r == 0 && annotations)
		r = ctri_json_add(spec, "annotations", ctri_json_copy(annotations));
	if (r == 0 && override)
		r = merge_patch(&spec, override);
	return r;
}

static int spec_build(const ctr_config_t *cfg, const char *id, const char *bundle_dir,
		      json_object **out)
{
	static const char op[] = "ctri_spec_build";
	json_object *c = NULL, *spec = NULL;
	char *root = NULL;
	int r;

	CTRI_CHECK_ARG(op, cfg);
	CTRI_CHECK_ARG(op, id);
	CTRI_CHECK_ARG(op, out);
	if (!ctri_is_name(id))
		return ctri_err(CTR_E_INVAL, "%s: invalid container id \"%s\"", op, id);
	r = ctri_config_to_object(cfg, &c);
	if (r < 0)
		return r;
	int has_root = member(c, "rootfs") || member(c, "layers");
	if (!has_root || !member(c, "args")) {
		r = ctri_cerr(ctri_config_name(cfg), "build spec", CTR_E_INVAL, "%s",
			      has_root ? "args are not set" : "rootfs is not set");
		goto out;
	}
	spec = json_object_new_object();
	root = root_path(c, bundle_dir);
	if (!spec || !root || fill_spec(spec, c, id, root) < 0) {
		r = ctri_cerr(ctri_config_name(cfg), "build spec", CTR_E_NOMEM, "out of memory");
		goto out;
	}
	*out = spec;
	spec = NULL;
out:
	free(root);
	json_object_put(spec);
	json_object_put(c);
	return r;
}

int ctri_spec_build(const ctr_config_t *cfg, const char *id, json_object **out)
{
	return spec_build(cfg, id, NULL, out);
}

/* BUNDLE_DIR/config.json, whether or not bundle_dir ends in '/'; NULL: out of memory. */
static char *spec_file(const char *bundle_dir)
{
	size_t n = strlen(bundle_dir);

	if (n > 1 && bundle_dir[n - 1] == '/')
		n--;
	return ctri_strdupf("%.*s/config.json", (int)n, bundle_dir);
}

int ctri_spec_load(const char *bundle_dir, json_object **out)
{
	json_object *spec, *proc;
	char *path, *text = NULL;
	int r;

	CTRI_CHECK_ARG("ctri_spec_load", bundle_dir);
	CTRI_CHECK_ARG("ctri_spec_load", out);
	if (!(path = spec_file(bundle_dir)))
		return ctri_err(CTR_E_NOMEM, "out of memory");
	if ((r = ctri_read_file(path, SPEC_MAX, &text, NULL)) < 0) {
		r = ctri_err(CTR_E_IO, "read %s: %s", path, strerror(-r));
		goto out;
	}
	spec = json_tokener_parse(text);
	free(text);
	if (!json_object_object_get_ex(spec, "process", &proc) ||
	    !json_object_is_type(proc, json_type_object)) {
		json_object_put(spec);
		r = ctri_err(CTR_E_STORE, "%s has no process object", path);
		goto out;
	}
	*out = spec;
out:
	free(path);
	return r;
}

int ctri_spec_save(const char *bundle_dir, json_object *spec)
{
	const char *text;
	char *path;
	int r;

	CTRI_CHECK_ARG("ctri_spec_save", bundle_dir);
	CTRI_CHECK_ARG("ctri_spec_save", spec);
	text =
	    json_object_to_json_string_ext(spec, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						     JSON_C_TO_STRING_NOSLASHESCAPE);
	path = spec_file(bundle_dir);
	if (!text || !path) {
		free(path);
		return ctri_err(CTR_E_NOMEM, "out of memory");
	}
	r = ctri_write_file(path, text, strlen(text), 0600, 0);
	if (r < 0)
		r = ctri_err(r == -ENOMEM ? CTR_E_NOMEM : CTR_E_IO, "write %s: %s", path,
			     strerror(-r));
	free(path);
	return r;
}

int ctri_spec_write(const ctr_config_t *cfg, const char *id, const char *bundle_dir)
{
	json_object *spec = NULL;
	int r;

	CTRI_CHECK_ARG("ctri_spec_write", bundle_dir);
	r = spec_build(cfg, id, bundle_dir, &spec);
	if (r < 0)
		return r;
	if ((r = ctri_spec_save(bundle_dir, spec)) < 0)
		r = ctri_cwrap(ctri_config_name(cfg), "write spec", r);
	json_object_put(spec);
	return r;
}

int ctri_spec_set_user(ctr_container_t *c, const char *op, const char *user)
{
	json_object *spec = NULL, *proc, *root, *path, *resolved = NULL;
	char bundle[4200], *dir = NULL;
	int r;

	ctri_bundle_path(c, "", bundle, sizeof(bundle));
	if ((r = ctri_spec_load(bundle, &spec)) < 0)
		return ctri_cwrap(c->name, op, r);
	json_object_object_get_ex(spec, "process", &proc);
	if (!json_object_object_get_ex(spec, "root", &root) ||
	    !json_object_object_get_ex(root, "path", &path)) {
		r = ctri_cerr(c->name, op, CTR_E_STORE, "the spec in %s has no root.path", bundle);
		goto out;
	}
	const char *rp = json_object_get_string(path);
	if (!(dir = rp[0] == '/' ? strdup(rp) : ctri_strdupf("%s/%s", bundle, rp))) {
		r = ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
		goto out;
	}
	if ((r = ctri_user_resolve(c->name, op, dir, user, &resolved)) < 0)
		goto out;
	if (ctri_json_add(proc, "user", resolved) < 0) {
		r = ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
		goto out;
	}
	if ((r = ctri_spec_save(bundle, spec)) < 0)
		r = ctri_cwrap(c->name, op, r);
out:
	free(dir);
	json_object_put(spec);
	return r;
}
