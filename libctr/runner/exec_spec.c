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
#include <sys/resource.h>

#include "error.h"
#include "exec_spec.h"
#include "json.h"
#include "runtime.h"
#include "spec.h"
#include "user.h"
#include "util.h"

#define PRESERVE_MAX 64

static int valid_fd(int fd)
{
	return fd == -1 || (fd >= 0 && fcntl(fd, F_GETFD) >= 0);
}

int ctri_exec_check(ctr_container_t *c, const char *op, const ctr_exec_opts_t *o)
{
	int r;

	CTRI_CHECK_ARG(op, o);
	if ((r = CTRI_OPTS_VALID(o, n_preserve_fds, op)) < 0)
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
	if (o->user && (r = ctri_user_check(c->name, op, o->user)) < 0)
		return r;
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

/* A variable of the merge: its name (up to '='), the string, its index in its array. */
struct env_var {
	const char *kv;
	size_t klen;
	size_t idx;
};

/* By name only. */
static int name_cmp(const struct env_var *a, const struct env_var *b)
{
	int r = memcmp(a->kv, b->kv, a->klen < b->klen ? a->klen : b->klen);

	if (r || a->klen == b->klen)
		return r;
	return a->klen < b->klen ? -1 : 1;
}

/* By name, then position (equal names keep their order). */
static int var_cmp(const void *pa, const void *pb)
{
	const struct env_var *a = pa, *b = pb;
	int r = name_cmp(a, b);

	if (r)
		return r;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int idx_cmp(const void *pa, const void *pb)
{
	const struct env_var *a = pa, *b = pb;

	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* The strings of arr with their names, sorted by name then position; entries without '='
 * are left out (no exec variable replaces them). NULL when out of memory. */
static struct env_var *vars_sorted(json_object *arr, size_t *count)
{
	size_t n = json_object_array_length(arr), k = 0;
	struct env_var *v = malloc((n ? n : 1) * sizeof(*v));

	for (size_t i = 0; v && i < n; i++) {
		const char *kv = json_object_get_string(json_object_array_get_idx(arr, i));
		const char *eq = kv ? strchr(kv, '=') : NULL;
		if (eq)
			v[k++] = (struct env_var){ kv, (size_t)(eq - kv), i };
	}
	if (v)
		qsort(v, k, sizeof(*v), var_cmp);
	*count = k;
	return v;
}

int ctri_exec_merge_env(json_object *proc, json_object *add)
{
	struct env_var *have = NULL, *want = NULL;
	size_t nh = 0, nw = 0, nnew = 0, h = 0;
	json_object *env;
	int r = -1;

	if (!json_object_object_get_ex(proc, "env", &env) ||
	    !json_object_is_type(env, json_type_array)) {
		if (!(env = json_object_new_array()) || ctri_json_add(proc, "env", env))
			return -1;
	}
	if (!(have = vars_sorted(env, &nh)) || !(want = vars_sorted(add, &nw)))
		goto out;
	/* One walk over both sorted lists. Each name of add counts once: its last value (a
	 * later "K=V" of add overrides an earlier one), in the place of the container's first
	 * variable of that name, else appended where add first names it. */
	for (size_t w = 0; w < nw;) {
		size_t first = w;
		while (w + 1 < nw && !name_cmp(&want[w + 1], &want[first]))
			w++;
		struct env_var last = want[w++];
		while (h < nh && name_cmp(&have[h], &last) < 0)
			h++;
		if (h < nh && !name_cmp(&have[h], &last)) {
			size_t at = have[h].idx; /* the first; the string replaced there is freed */
			while (h < nh && !name_cmp(&have[h], &last))
				h++;
			json_object *s = json_object_new_string(last.kv);
			if (!s || json_object_array_put_idx(env, at, s)) {
				json_object_put(s);
				goto out;
			}
		} else {
			want[nnew++] = (struct env_var){ last.kv, last.klen, want[first].idx };
		}
	}
	qsort(want, nnew, sizeof(*want), idx_cmp);
	for (size_t i = 0; i < nnew; i++)
		if (ctri_json_push(env, json_object_new_string(want[i].kv)))
			goto out;
	r = 0;
out:
	free(have);
	free(want);
	return r;
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
	json_object *v;
	int r = 0;

	if (json_object_object_get_ex(rec, "argv", &v))
		r = ctri_json_add(proc, "args", ctri_json_copy(v));
	if (!r && json_object_object_get_ex(rec, "env", &v))
		r = ctri_exec_merge_env(proc, v);
	if (!r && json_object_object_get_ex(rec, "cwd", &v))
		r = ctri_json_add(proc, "cwd", json_object_new_string(json_object_get_string(v)));
	int term = json_object_object_get_ex(rec, "terminal", &v) && json_object_get_boolean(v);
	r = r || ctri_json_add(proc, "terminal", json_object_new_boolean(term));
	if (!term)
		json_object_object_del(proc, "consoleSize");
	if (!r && json_object_object_get_ex(rec, "privileged", &v) && json_object_get_boolean(v))
		r = make_privileged(proc);
	return r ? -1 : 0;
}

/* execve(2)'s limits (fs/exec.c): each string with its NUL at most MAX_ARG_STRLEN (32
 * pages); all strings and their pointers at most a quarter of the stack limit, but at most
 * 3/4 of _STK_LIM (8 MiB) and at least ARG_MAX (32 pages). */
#define ARG_STRLEN_MAX (32 * 4096ULL)
#define ARG_TOTAL_MAX  ((8ULL << 20) / 4 * 3)

static void count_strings(json_object *arr, struct ctri_exec_args *a)
{
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		size_t n =
		    (size_t)json_object_get_string_len(json_object_array_get_idx(arr, i)) + 1;
		a->bytes += n;
		a->strings++;
		if (n > a->longest)
			a->longest = n;
	}
}

/* The process's soft RLIMIT_STACK: its rlimits, else ours (the monitor and runtime inherit
 * it). */
static unsigned long long stack_limit(json_object *proc)
{
	json_object *rl, *v;
	struct rlimit own;

	for (size_t i = 0;
	     json_object_object_get_ex(proc, "rlimits", &rl) && i < json_object_array_length(rl);
	     i++) {
		json_object *e = json_object_array_get_idx(rl, i);
		if (json_object_object_get_ex(e, "type", &v) &&
		    !strcmp(json_object_get_string(v), "RLIMIT_STACK") &&
		    json_object_object_get_ex(e, "soft", &v))
			return (unsigned long long)json_object_get_uint64(v);
	}
	return getrlimit(RLIMIT_STACK, &own) == 0 && own.rlim_cur != RLIM_INFINITY
		   ? (unsigned long long)own.rlim_cur
		   : (unsigned long long)RLIM_INFINITY;
}

static void exec_args(json_object *proc, struct ctri_exec_args *a)
{
	json_object *v;

	*a = (struct ctri_exec_args){ .stack = stack_limit(proc) };
	if (json_object_object_get_ex(proc, "args", &v))
		count_strings(v, a);
	if (json_object_object_get_ex(proc, "env", &v))
		count_strings(v, a);
}

const char *ctri_exec_e2big(const struct ctri_exec_args *a, char *buf, size_t len)
{
	unsigned long long limit = ARG_TOTAL_MAX;
	unsigned long long need = a->bytes + a->strings * sizeof(char *);

	if (a->stack != (unsigned long long)RLIM_INFINITY && a->stack / 4 < limit)
		limit = a->stack / 4;
	if (limit < ARG_STRLEN_MAX)
		limit = ARG_STRLEN_MAX;
	if (a->longest > ARG_STRLEN_MAX)
		snprintf(buf, len,
			 "E2BIG, argument list too long: a string of argv or env is %zu bytes, "
			 "execve(2) takes at most %llu",
			 a->longest - 1, ARG_STRLEN_MAX - 1);
	else if (need > limit)
		snprintf(buf, len,
			 "E2BIG, argument list too long: argv and env take %llu bytes, execve(2) "
			 "takes at most %llu here (a quarter of the stack limit, at most 6 MiB)",
			 need, limit);
	else
		return NULL;
	return buf;
}

/* The session's user, looked up in the files of the container whose first process is
 * init, as process.user. */
static int set_user(ctr_container_t *c, const char *op, json_object *proc, json_object *rec,
		    pid_t init)
{
	json_object *v, *user = NULL;
	char root[64];
	int r;

	if (!json_object_object_get_ex(rec, "user", &v))
		return 0;
	snprintf(root, sizeof(root), "/proc/%d/root", (int)init);
	if ((r = ctri_user_resolve(c->name, op, root, json_object_get_string(v), &user)) < 0)
		return r;
	return ctri_json_add(proc, "user", user) < 0
		   ? ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory")
		   : 0;
}

int ctri_exec_write_process(ctr_container_t *c, const char *op, json_object *rec, pid_t init,
			    const char *path, struct ctri_exec_args *args)
{
	char bundle[4200];
	json_object *spec = NULL, *proc;
	int r;

	ctri_bundle_path(c, "", bundle, sizeof(bundle));
	if ((r = ctri_spec_load(bundle, &spec)) < 0)
		return ctri_cwrap(c->name, op, r);
	json_object_object_get_ex(spec, "process", &proc);
	if (apply(proc, rec) < 0) {
		json_object_put(spec);
		return ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
	}
	if ((r = set_user(c, op, proc, rec, init)) < 0) {
		json_object_put(spec);
		return r;
	}
	if (args)
		exec_args(proc, args);
	const char *out = json_object_to_json_string_ext(proc, JSON_C_TO_STRING_PLAIN);
	r = ctri_write_file(path, out, strlen(out), 0600, 0);
	json_object_put(spec);
	if (r < 0) {
		errno = -r;
		return ctri_cerr(c->name, op, CTR_E_IO, "write %s: %m", path);
	}
	return 0;
}
