/* An exec session's options: checking them, storing them, and turning them into the OCI
 * process.json that `runc exec --process` runs (the container's own process, with the
 * session's changes). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "error.h"
#include "exec.h"
#include "json.h"
#include "runtime.h"
#include "util.h"

#define PRESERVE_MAX 64

static int valid_fd(int fd)
{
	return fd == -1 || (fd >= 0 && fcntl(fd, F_GETFD) >= 0);
}

/* "UID" or "UID:GID", decimal. */
static int parse_user(const char *s, long long *uid, long long *gid)
{
	char *end;

	errno = 0;
	*uid = strtoll(s, &end, 10);
	*gid = -1;
	if (end == s || !isdigit((unsigned char)*s) || errno || *uid > 0xfffffffeLL)
		return -1;
	if (*end == ':') {
		const char *g = end + 1;
		*gid = strtoll(g, &end, 10);
		if (end == g || !isdigit((unsigned char)*g) || errno || *gid > 0xfffffffeLL)
			return -1;
	}
	return *end ? -1 : 0;
}

int ctri_exec_check(ctr_container_t *c, const char *op, const ctr_exec_opts_t *o)
{
	long long uid, gid;
	int r;

	CTRI_CHECK_ARG(op, o);
	if ((r = ctri_opts_valid(o, sizeof(*o), op)) < 0)
		return r;
	if (!o->argv || !o->argv[0] || !o->argv[0][0])
		return ctri_cerr(c->name, op, CTR_E_INVAL, "argv is %s",
				 !o->argv ? "NULL" : "empty");
	for (size_t i = 0; o->env && o->env[i]; i++) {
		const char *eq = strchr(o->env[i], '=');
		if (!eq || eq == o->env[i])
			return ctri_cerr(c->name, op, CTR_E_INVAL,
					 "env[%zu] \"%s\" is not of the form KEY=value", i,
					 o->env[i]);
	}
	if (o->cwd && o->cwd[0] != '/')
		return ctri_cerr(c->name, op, CTR_E_INVAL, "cwd \"%s\" is not absolute", o->cwd);
	if (o->user && parse_user(o->user, &uid, &gid) < 0)
		return ctri_cerr(c->name, op, CTR_E_INVAL,
				 "user \"%s\" is not UID or UID:GID (numeric)", o->user);
	if (!valid_fd(o->stdin_fd) || !valid_fd(o->stdout_fd) || !valid_fd(o->stderr_fd))
		return ctri_cerr(c->name, op, CTR_E_INVAL,
				 "stdin_fd, stdout_fd and stderr_fd must be open descriptors or -1 "
				 "(%d, %d, %d)",
				 o->stdin_fd, o->stdout_fd, o->stderr_fd);
	if (o->n_preserve_fds > PRESERVE_MAX || (o->n_preserve_fds && !o->preserve_fds))
		return ctri_cerr(c->name, op, CTR_E_INVAL,
				 "preserve_fds: at most %d descriptors, and not NULL", PRESERVE_MAX);
	for (size_t i = 0; i < o->n_preserve_fds; i++)
		if (o->preserve_fds[i] < 0 || !valid_fd(o->preserve_fds[i]))
			return ctri_cerr(c->name, op, CTR_E_INVAL,
					 "preserve_fds[%zu] (%d) is not an open descriptor", i,
					 o->preserve_fds[i]);
	return 0;
}

json_object *ctri_exec_record_new(const char *id, const ctr_exec_opts_t *o)
{
	json_object *rec = json_object_new_object();
	int r = !rec;

	r = r || ctri_json_add(rec, "id", json_object_new_string(id));
	r = r || ctri_json_add(rec, "created", json_object_new_int64(ctri_now_ns()));
	r = r || ctri_json_add(rec, "state", json_object_new_string("created"));
	r = r || ctri_json_add(rec, "argv", ctri_json_strv(o->argv));
	r = r || (o->env && ctri_json_add(rec, "env", ctri_json_strv(o->env)));
	r = r || (o->cwd && ctri_json_add(rec, "cwd", json_object_new_string(o->cwd)));
	r = r || (o->user && ctri_json_add(rec, "user", json_object_new_string(o->user)));
	r = r || ctri_json_add(rec, "terminal", json_object_new_boolean(!!o->terminal));
	r = r || ctri_json_add(rec, "privileged", json_object_new_boolean(!!o->privileged));
	if (r) {
		json_object_put(rec);
		return NULL;
	}
	return rec;
}

/* Replace or add each "K=V" of add in the process's env array. */
static int merge_env(json_object *proc, json_object *add)
{
	json_object *env;

	if (!json_object_object_get_ex(proc, "env", &env) || !json_object_is_type(env, json_type_array)) {
		if (!(env = json_object_new_array()) || ctri_json_add(proc, "env", env))
			return -1;
	}
	for (size_t i = 0; i < json_object_array_length(add); i++) {
		const char *kv = json_object_get_string(json_object_array_get_idx(add, i));
		size_t klen = (size_t)(strchr(kv, '=') - kv) + 1;
		size_t n = json_object_array_length(env), j;
		for (j = 0; j < n; j++)
			if (!strncmp(json_object_get_string(json_object_array_get_idx(env, j)), kv, klen))
				break;
		json_object *s = json_object_new_string(kv);
		if (!s || (j < n ? json_object_array_put_idx(env, j, s) : json_object_array_add(env, s)))
			return -1;
	}
	return 0;
}

/* Every capability the kernel knows and our bounding set still holds (the runtime could
 * not grant others), as "CAP_X" strings. */
static json_object *all_caps(void)
{
	json_object *a = json_object_new_array();

	for (cap_value_t v = 0; a && v < (cap_value_t)cap_max_bits(); v++) {
		if (cap_get_bound(v) != 1)
			continue;
		char *name = cap_to_name(v), up[64];
		size_t k = 0;
		if (!name)
			goto fail;
		for (; name[k] && k < sizeof(up) - 1; k++)
			up[k] = (char)toupper((unsigned char)name[k]);
		up[k] = 0;
		cap_free(name);
		if (strncmp(up, "CAP_", 4)) /* a bit libcap has no name for */
			continue;
		if (ctri_json_push(a, json_object_new_string(up)))
			goto fail;
	}
	return a;
fail:
	json_object_put(a);
	return NULL;
}

/* All capabilities in every set, no NoNewPrivileges, no LSM label. */
static int make_privileged(json_object *proc)
{
	static const char *const sets[] = { "bounding", "effective", "inheritable", "permitted",
					    "ambient" };
	json_object *caps = json_object_new_object();
	int r = !caps;

	for (size_t i = 0; !r && i < sizeof(sets) / sizeof(sets[0]); i++)
		r = ctri_json_add(caps, sets[i], all_caps());
	if (r) {
		json_object_put(caps);
		return -1;
	}
	json_object_object_del(proc, "apparmorProfile");
	json_object_object_del(proc, "selinuxLabel");
	return ctri_json_add(proc, "capabilities", caps) ||
			       ctri_json_add(proc, "noNewPrivileges", json_object_new_boolean(0))
		       ? -1
		       : 0;
}

/* Apply the record's options to the container's process object. */
static int apply(json_object *proc, json_object *rec)
{
	json_object *v, *user;
	long long uid, gid;
	int r = 0;

	if (json_object_object_get_ex(rec, "argv", &v))
		r = ctri_json_add(proc, "args", ctri_json_copy(v));
	if (!r && json_object_object_get_ex(rec, "env", &v))
		r = merge_env(proc, v);
	if (!r && json_object_object_get_ex(rec, "cwd", &v))
		r = ctri_json_add(proc, "cwd", json_object_new_string(json_object_get_string(v)));
	if (!r && json_object_object_get_ex(rec, "user", &v) &&
	    parse_user(json_object_get_string(v), &uid, &gid) == 0) {
		if (!json_object_object_get_ex(proc, "user", &user) &&
		    (!(user = json_object_new_object()) || ctri_json_add(proc, "user", user)))
			return -1;
		r = ctri_json_add(user, "uid", json_object_new_int64(uid));
		if (!r && gid >= 0)
			r = ctri_json_add(user, "gid", json_object_new_int64(gid));
		json_object_object_del(user, "additionalGids");
	}
	int term = json_object_object_get_ex(rec, "terminal", &v) && json_object_get_boolean(v);
	r = r || ctri_json_add(proc, "terminal", json_object_new_boolean(term));
	if (!term)
		json_object_object_del(proc, "consoleSize");
	if (!r && json_object_object_get_ex(rec, "privileged", &v) && json_object_get_boolean(v))
		r = make_privileged(proc);
	return r ? -1 : 0;
}

int ctri_exec_write_process(ctr_container_t *c, const char *op, json_object *rec,
			    const char *path)
{
	char spec_path[4200], *text = NULL;
	json_object *spec = NULL, *proc;
	int r;

	ctri_bundle_path(c, "config.json", spec_path, sizeof(spec_path));
	if ((r = ctri_read_file(spec_path, 16 << 20, &text, NULL)) < 0) {
		errno = -r;
		return ctri_cerr(c->name, op, CTR_E_IO, "read %s: %m", spec_path);
	}
	spec = json_tokener_parse(text);
	free(text);
	if (!spec || !json_object_object_get_ex(spec, "process", &proc) ||
	    !json_object_is_type(proc, json_type_object)) {
		json_object_put(spec);
		return ctri_cerr(c->name, op, CTR_E_STORE, "%s has no process object", spec_path);
	}
	if (apply(proc, rec) < 0) {
		json_object_put(spec);
		return ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
	}
	const char *out = json_object_to_json_string_ext(proc, JSON_C_TO_STRING_PLAIN);
	r = ctri_write_file(path, out, strlen(out), 0600, 0);
	json_object_put(spec);
	if (r < 0) {
		errno = -r;
		return ctri_cerr(c->name, op, CTR_E_IO, "write %s: %m", path);
	}
	return 0;
}
