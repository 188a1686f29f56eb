/* Container handles and their records in the store: state names, keys and paths,
 * lookup and list, and the readers of the config and state records. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "error.h"
#include "runtime.h"
#include "store.h"


static const char *const state_names[] = {
	[CTR_STATE_UNKNOWN] = "unknown",   [CTR_STATE_CONFIGURED] = "configured",
	[CTR_STATE_CREATED] = "created",   [CTR_STATE_RUNNING] = "running",
	[CTR_STATE_STOPPED] = "stopped",   [CTR_STATE_PAUSED] = "paused",
	[CTR_STATE_EXITED] = "exited",     [CTR_STATE_REMOVING] = "removing",
};

CTR_API const char *ctr_state_name(ctr_state_t s)
{
	if ((unsigned)s >= sizeof(state_names) / sizeof(state_names[0]))
		return "unknown";
	return state_names[s];
}

ctr_state_t ctri_state_parse(const char *name)
{
	for (size_t i = 1; name && i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (!strcmp(name, state_names[i]))
			return (ctr_state_t)i;
	return CTR_STATE_UNKNOWN;
}

void ctri_key(char *buf, const char *prefix, const char *what)
{
	snprintf(buf, CTRI_KEY_MAX, "%s%s", prefix, what);
}

void ctri_bundle_path(const ctr_container_t *c, const char *leaf, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/%s", c->rt->containers_dir, c->id, leaf);
}

void ctri_attach_path(const ctr_container_t *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", c->rt->attach_dir, c->id);
}

int ctri_container_new(ctr_runtime_t *rt, const char *id, const char *name,
		       ctr_container_t **out)
{
	ctr_container_t *c = calloc(1, sizeof(*c));

	if (!c || !(c->name = strdup(name))) {
		free(c);
		return ctri_err(CTR_E_NOMEM, "container %s: out of memory", name);
	}
	memcpy(c->id, id, CTRI_ID_LEN);
	pthread_mutex_init(&c->mu, NULL);
	c->mon_fd = -1;
	c->rt = ctri_runtime_ref(rt);
	*out = c;
	return 0;
}

CTR_API void ctr_container_free(ctr_container_t *c)
{
	if (!c)
		return;
	ctri_runtime_unref(c->rt);
	if (c->mon_fd >= 0)
		close(c->mon_fd);
	ctri_exec_io_free_all(c);
	pthread_mutex_destroy(&c->mu);
	free(c->name);
	free(c);
}

CTR_API const char *ctr_id(const ctr_container_t *c)
{
	return c ? c->id : NULL;
}

CTR_API const char *ctr_name(const ctr_container_t *c)
{
	return c ? c->name : NULL;
}

/* ---- descriptors of exec sessions held by the handle ------------------------------------ */

void ctri_exec_io_close(struct ctri_exec_io *io)
{
	for (int i = 0; i < 3; i++)
		if (io->stdio[i] >= 0)
			close(io->stdio[i]);
	for (size_t i = 0; i < io->n_preserve; i++)
		close(io->preserve[i]);
	free(io);
}

static int dup_fd(int fd)
{
	return fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

int ctri_exec_io_keep(ctr_container_t *c, const char *op, const char *eid, const ctr_exec_opts_t *o)
{
	struct ctri_exec_io *io = calloc(1, sizeof(*io));
	int bad = !io;

	if (io) {
		memcpy(io->id, eid, CTRI_EID_LEN + 1);
		const int in[3] = { o->stdin_fd, o->stdout_fd, o->stderr_fd };
		for (int i = 0; i < 3; i++)
			bad |= (io->stdio[i] = dup_fd(in[i])) < 0 && in[i] >= 0;
		for (; io->n_preserve < o->n_preserve_fds; io->n_preserve++)
			bad |= (io->preserve[io->n_preserve] = dup_fd(o->preserve_fds[io->n_preserve])) < 0;
		if (bad && io->n_preserve && io->preserve[io->n_preserve - 1] < 0)
			io->n_preserve--;
	}
	if (bad) {
		int e = errno;
		if (io)
			ctri_exec_io_close(io);
		errno = e;
		return ctri_cerr(c->name, op, ctri_errno_code(e), "dup: %m");
	}
	pthread_mutex_lock(&c->mu);
	io->next = c->exec_io;
	c->exec_io = io;
	pthread_mutex_unlock(&c->mu);
	return 0;
}

/* Take eid's descriptors out of the handle (NULL: none here). */
struct ctri_exec_io *ctri_exec_io_take(ctr_container_t *c, const char *eid)
{
	struct ctri_exec_io **p, *io = NULL;

	pthread_mutex_lock(&c->mu);
	for (p = &c->exec_io; *p; p = &(*p)->next)
		if (!strcmp((*p)->id, eid)) {
			io = *p;
			*p = io->next;
			break;
		}
	pthread_mutex_unlock(&c->mu);
	return io;
}

/* Put them back (a start that failed may be retried). */
void ctri_exec_io_return(ctr_container_t *c, struct ctri_exec_io *io)
{
	pthread_mutex_lock(&c->mu);
	io->next = c->exec_io;
	c->exec_io = io;
	pthread_mutex_unlock(&c->mu);
}

void ctri_exec_io_free_all(ctr_container_t *c)
{
	struct ctri_exec_io *io = c->exec_io, *next;

	for (; io; io = next) {
		next = io->next;
		ctri_exec_io_close(io);
	}
	c->exec_io = NULL;
}

/* ---- lookup -------------------------------------------------------------------------- */

struct prefix_match {
	const char *prefix;
	size_t len;
	int count;
	char id[CTRI_ID_LEN + 1];
	char name[256];
};

static int match_prefix(const char *name, const char *id, size_t len, void *ud)
{
	struct prefix_match *m = ud;

	if (len != CTRI_ID_LEN || strncmp(id, m->prefix, m->len) != 0)
		return 0;
	if (++m->count == 1) {
		memcpy(m->id, id, CTRI_ID_LEN + 1);
		snprintf(m->name, sizeof(m->name), "%s", name);
	}
	return 0;
}

static int is_hex(const char *s)
{
	return *s && s[strspn(s, "0123456789abcdef")] == '\0';
}

/* Whether an id record's value (len bytes, or NULL when missing) is a name a handle can show;
 * a handle gets its container's id as its name otherwise. */
static int name_ok(const char *val, size_t len)
{
	return val && len == strlen(val) && len <= 253 && ctri_is_name(val);
}

/* A container whose id record is missing still has a handle (named by its id) while any of
 * its config and state records is left, so that a forced remove can take the rest. */
int ctri_has_records(ctr_runtime_t *rt, const char *id)
{
	char key[CTRI_KEY_MAX];

	ctri_key(key, CTRI_KEY_CONFIG, id);
	if (ctri_store_exists(rt->store, key))
		return 1;
	ctri_key(key, CTRI_KEY_STATE, id);
	return ctri_store_exists(rt->store, key);
}

int ctri_resolve(ctr_runtime_t *rt, const char *ref, char id[CTRI_ID_LEN + 1], char **name)
{
	char key[CTRI_KEY_MAX], *val = NULL;
	size_t len = 0;
	int r;

	if (ctri_is_id(ref)) {
		ctri_key(key, CTRI_KEY_ID, ref);
		r = ctri_store_get_raw(rt->store, key, &val, &len);
		if (r < 0 && r != CTR_E_NOENT)
			return r;
		if (r == 0 || ctri_has_records(rt, ref)) {
			memcpy(id, ref, CTRI_ID_LEN + 1);
			if (!name_ok(val, len)) {
				free(val);
				val = strdup(ref);
			}
			*name = val;
			return val ? 0 : ctri_err(CTR_E_NOMEM, "lookup %s: out of memory", ref);
		}
	}
	if (strlen(ref) <= 253 && ctri_is_name(ref)) {
		ctri_key(key, CTRI_KEY_NAME, ref);
		r = ctri_store_get_raw(rt->store, key, &val, &len);
		if (r == 0 && (len != CTRI_ID_LEN || !ctri_is_id(val))) {
			free(val);
			return ctri_err(CTR_E_STORE, "container %s: name record is damaged", ref);
		}
		if (r == 0) {
			memcpy(id, val, CTRI_ID_LEN + 1);
			free(val);
			*name = strdup(ref);
			return *name ? 0 : ctri_err(CTR_E_NOMEM, "lookup %s: out of memory", ref);
		}
		if (r != CTR_E_NOENT)
			return r;
	}
	if (!is_hex(ref) || strlen(ref) >= CTRI_ID_LEN)
		return CTR_E_NOENT;
	struct prefix_match m = { .prefix = ref, .len = strlen(ref) };
	r = ctri_store_each(rt->store, CTRI_KEY_NAME, match_prefix, &m);
	if (r < 0)
		return r;
	if (m.count == 0)
		return CTR_E_NOENT;
	if (m.count > 1)
		return ctri_err(CTR_E_INVAL, "lookup %s: id prefix is ambiguous (%d containers)", ref,
				m.count);
	memcpy(id, m.id, CTRI_ID_LEN + 1);
	*name = strdup(m.name);
	return *name ? 0 : ctri_err(CTR_E_NOMEM, "lookup %s: out of memory", ref);
}

CTR_API int ctr_lookup(ctr_runtime_t *rt, const char *name_or_id, ctr_container_t **out)
{
	char id[CTRI_ID_LEN + 1], *name = NULL;

	CTRI_CHECK_ARG("ctr_lookup", rt);
	CTRI_CHECK_ARG("ctr_lookup", name_or_id);
	CTRI_CHECK_ARG("ctr_lookup", out);
	if (!*name_or_id)
		return ctri_err(CTR_E_INVAL, "ctr_lookup: argument name_or_id is empty");
	int r = ctri_resolve(rt, name_or_id, id, &name);
	if (r == CTR_E_NOENT)
		return ctri_err(CTR_E_NOENT, "no such container: %s", name_or_id);
	if (r < 0)
		return r;
	r = ctri_container_new(rt, id, name, out);
	free(name);
	return r;
}

/* ---- list ---------------------------------------------------------------------------- */

struct list_ctx {
	ctr_runtime_t *rt;
	ctr_container_t **v;
	size_t n, cap;
};

/* From the id records (id -> name), not the name index: a container whose name record is
 * damaged is still listed. */
static int list_one(const char *id, const char *name, size_t len, void *ud)
{
	struct list_ctx *l = ud;

	if (!ctri_is_id(id))
		return 0; /* a damaged key names no container we could hand out */
	if (!name_ok(name, len))
		name = id;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		ctr_container_t **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return ctri_err(CTR_E_NOMEM, "ctr_list: out of memory");
		l->v = v;
		l->cap = cap;
	}
	int r = ctri_container_new(l->rt, id, name, &l->v[l->n]);
	if (r == 0)
		l->n++;
	return r;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(ctr_container_t *const *)a)->name, (*(ctr_container_t *const *)b)->name);
}

CTR_API int ctr_list(ctr_runtime_t *rt, ctr_container_t ***out, size_t *out_count)
{
	struct list_ctx l = { .rt = rt };

	CTRI_CHECK_ARG("ctr_list", rt);
	CTRI_CHECK_ARG("ctr_list", out);
	CTRI_CHECK_ARG("ctr_list", out_count);
	int r = ctri_store_each(rt->store, CTRI_KEY_ID, list_one, &l);
	if (r < 0) {
		ctr_list_free(l.v, l.n);
		return r;
	}
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), by_name);
	*out = l.v;
	*out_count = l.n;
	return 0;
}

CTR_API void ctr_list_free(ctr_container_t **list, size_t count)
{
	for (size_t i = 0; list && i < count; i++)
		ctr_container_free(list[i]);
	free(list);
}

/* ---- records ------------------------------------------------------------------------- */

int ctri_record_read(ctr_container_t *c, const char *prefix, const char *op, json_object **out)
{
	char key[CTRI_KEY_MAX];

	ctri_key(key, prefix, c->id);
	int r = ctri_store_get(c->rt->store, key, out);
	if (r == CTR_E_NOENT)
		return ctri_cerr(c->name, op, CTR_E_REMOVED, "the container was removed");
	return r < 0 ? ctri_cwrap(c->name, op, r) : 0;
}

int ctri_container_config(ctr_container_t *c, const char *op, json_object **out)
{
	json_object *rec, *cfg;
	int r = ctri_record_read(c, CTRI_KEY_CONFIG, op, &rec);

	if (r < 0)
		return r;
	if (!json_object_object_get_ex(rec, "config", &cfg) ||
	    !json_object_is_type(cfg, json_type_object)) {
		json_object_put(rec);
		return ctri_cerr(c->name, op, CTR_E_STORE, "its config record is damaged");
	}
	*out = json_object_get(cfg);
	json_object_put(rec);
	return 0;
}

int ctri_container_deps(ctr_container_t *c, const char *op, json_object **out)
{
	json_object *rec, *deps;
	int r = ctri_record_read(c, CTRI_KEY_CONFIG, op, &rec);

	if (r < 0)
		return r;
	if (json_object_object_get_ex(rec, "dependency_ids", &deps) &&
	    json_object_is_type(deps, json_type_array))
		*out = json_object_get(deps);
	else
		*out = json_object_new_array();
	json_object_put(rec);
	return *out ? 0 : ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
}

int ctri_state_read(ctr_container_t *c, const char *op, json_object **rec, ctr_state_t *out)
{
	json_object *obj, *v;
	int r = ctri_record_read(c, CTRI_KEY_STATE, op, &obj);

	if (r < 0)
		return r;
	ctr_state_t s = CTR_STATE_UNKNOWN;
	if (json_object_object_get_ex(obj, "state", &v) && json_object_is_type(v, json_type_string))
		s = ctri_state_parse(json_object_get_string(v));
	if (s == CTR_STATE_UNKNOWN) {
		json_object_put(obj);
		return ctri_cerr(c->name, op, CTR_E_STORE, "its state record is damaged");
	}
	if (rec)
		*rec = obj;
	else
		json_object_put(obj);
	*out = s;
	return 0;
}

struct config_scan {
	const char *needle;
	ctri_config_fn fn;
	void *ud;
};

static int config_one(const char *key, const char *val, size_t len, void *ud)
{
	struct config_scan *s = ud;
	json_object *rec;
	int r;

	if ((s->needle && !memmem(val, len, s->needle, strlen(s->needle))) ||
	    !(rec = json_tokener_parse(val)))
		return 0;
	r = s->fn(key, rec, s->ud);
	json_object_put(rec);
	return r;
}

int ctri_config_each(ctr_runtime_t *rt, const char *needle, ctri_config_fn fn, void *ud)
{
	struct config_scan s = { needle, fn, ud };

	return ctri_store_each(rt->store, CTRI_KEY_CONFIG, config_one, &s);
}
