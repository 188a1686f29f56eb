/* Containers in the store: create, lookup, list, inspect, and their records. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "container.h"
#include "crashpoint.h"
#include "depend.h"
#include "error.h"
#include "exec.h"
#include "events.h"
#include "overlay.h"
#include "pending.h"
#include "runtime.h"
#include "spec.h"
#include "sync.h"
#include "store.h"

#define KEY_MAX (16 + 256)

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

static void key_of(char *buf, const char *prefix, const char *what)
{
	snprintf(buf, KEY_MAX, "%s%s", prefix, what);
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
static int has_records(ctr_runtime_t *rt, const char *id)
{
	char key[KEY_MAX];

	key_of(key, CTRI_KEY_CONFIG, id);
	if (ctri_store_exists(rt->store, key))
		return 1;
	key_of(key, CTRI_KEY_STATE, id);
	return ctri_store_exists(rt->store, key);
}

int ctri_resolve(ctr_runtime_t *rt, const char *ref, char id[CTRI_ID_LEN + 1], char **name)
{
	char key[KEY_MAX], *val = NULL;
	size_t len = 0;
	int r;

	if (ctri_is_id(ref)) {
		key_of(key, CTRI_KEY_ID, ref);
		r = ctri_store_get_raw(rt->store, key, &val, &len);
		if (r < 0 && r != CTR_E_NOENT)
			return r;
		if (r == 0 || has_records(rt, ref)) {
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
		key_of(key, CTRI_KEY_NAME, ref);
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

CTR_API int ctr_list(ctr_runtime_t *rt, ctr_container_t ***out, size_t *count)
{
	struct list_ctx l = { .rt = rt };

	CTRI_CHECK_ARG("ctr_list", rt);
	CTRI_CHECK_ARG("ctr_list", out);
	CTRI_CHECK_ARG("ctr_list", count);
	int r = ctri_store_each(rt->store, CTRI_KEY_ID, list_one, &l);
	if (r < 0) {
		ctr_list_free(l.v, l.n);
		return r;
	}
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), by_name);
	*out = l.v;
	*count = l.n;
	return l.n > 0x7fffffff ? 0x7fffffff : (int)l.n;
}

CTR_API void ctr_list_free(ctr_container_t **list, size_t count)
{
	for (size_t i = 0; list && i < count; i++)
		ctr_container_free(list[i]);
	free(list);
}

/* ---- create -------------------------------------------------------------------------- */

static const char *const adjectives[] = {
	"amber", "bold",  "brave", "calm",  "clever", "eager", "fair",  "gentle",
	"happy", "keen",  "kind",  "lucid", "merry",  "noble", "quiet", "rapid",
	"shiny", "sober", "swift", "tidy",  "vivid",  "wise",  "witty", "zesty",
};
static const char *const nouns[] = {
	"otter",  "falcon", "badger", "heron", "lynx",  "marten", "osprey", "puffin",
	"raven",  "salmon", "stoat",  "tern",  "walrus", "wren",  "bison",  "crane",
	"dingo",  "egret",  "gecko",  "ibis",  "koala", "lemur",  "newt",   "quokka",
};

static unsigned id_byte(const char *id, int i)
{
	char hex[3] = { id[2 * i], id[2 * i + 1], 0 };

	return (unsigned)strtoul(hex, NULL, 16);
}

/* A free generated name: adjective_noun, then with a part of the id appended. Called
 * inside the create transaction, so a free name stays free until commit. */
static int generate_name(ctr_runtime_t *rt, const char *id, char *name, size_t len)
{
	char key[KEY_MAX];

	for (int attempt = 0; attempt < 16; attempt++) {
		unsigned a = id_byte(id, attempt), b = id_byte(id, 16 + attempt);
		const char *adj = adjectives[a % (sizeof(adjectives) / sizeof(adjectives[0]))];
		const char *noun = nouns[b % (sizeof(nouns) / sizeof(nouns[0]))];
		if (attempt < 4)
			snprintf(name, len, "%s_%s", adj, noun);
		else
			snprintf(name, len, "%s_%s_%.*s", adj, noun, 4 + attempt, id);
		key_of(key, CTRI_KEY_NAME, name);
		int r = ctri_store_exists(rt->store, key);
		if (r == 0)
			return 0;
	}
	return ctri_err(CTR_E_EXISTS, "cannot create: no free generated name for %s", id);
}

static json_object *config_record(const char *id, const char *name, long long created,
				  json_object *config, json_object *dep_ids)
{
	json_object *rec = json_object_new_object();

	if (!rec)
		return NULL;
	json_object_object_add(rec, "id", json_object_new_string(id));
	json_object_object_add(rec, "name", json_object_new_string(name));
	json_object_object_add(rec, "created", json_object_new_int64(created));
	json_object_object_add(rec, "config", json_object_get(config));
	json_object_object_add(rec, "dependency_ids", json_object_get(dep_ids));
	return rec;
}

static int resolve_dependencies(ctr_runtime_t *rt, const ctr_config_t *cfg, const char *name,
				json_object **out)
{
	const char *const *deps = ctri_config_dependencies(cfg);
	json_object *ids = json_object_new_array();

	if (!ids)
		return ctri_err(CTR_E_NOMEM, "cannot create: out of memory");
	for (size_t i = 0; deps && deps[i]; i++) {
		char id[CTRI_ID_LEN + 1], *dep_name = NULL;
		int r = ctri_resolve(rt, deps[i], id, &dep_name);
		free(dep_name);
		if (r == CTR_E_NOENT)
			r = ctri_cerr(name, "create", r, "dependency %s does not exist", deps[i]);
		else if (r < 0)
			r = ctri_cwrap(name, "create", r);
		if (r < 0) {
			json_object_put(ids);
			return r;
		}
		json_object_array_add(ids, json_object_new_string(id));
	}
	*out = ids;
	return 0;
}

/* Whether the name record at key names no container (damaged, or its container's records
 * are gone): a create may take the name over. Inside the create transaction. */
static int stale_name(ctr_runtime_t *rt, const char *key)
{
	char *val = NULL, idkey[KEY_MAX];
	size_t len;
	int stale = 0;

	if (ctri_store_get_raw(rt->store, key, &val, &len) < 0)
		return 0;
	if (len != CTRI_ID_LEN || !ctri_is_id(val)) {
		stale = 1;
	} else {
		key_of(idkey, CTRI_KEY_ID, val);
		stale = !ctri_store_exists(rt->store, idkey) && !has_records(rt, val);
	}
	free(val);
	return stale;
}

/* Write the records of a new container in one transaction: name index (unique), id
 * index, config and state. */
static int store_new(ctr_runtime_t *rt, const char *id, const char *given_name, char *name,
		     size_t name_len, json_object *config, json_object *dep_ids)
{
	char key[KEY_MAX];
	long long now = ctri_now_ns();
	json_object *rec = NULL, *state = NULL;
	int r = ctri_store_begin(rt->store);

	if (r < 0)
		return ctri_cwrap(given_name, "create", r);
	if (given_name)
		snprintf(name, name_len, "%s", given_name);
	else if ((r = generate_name(rt, id, name, name_len)) < 0)
		goto fail;
	key_of(key, CTRI_KEY_NAME, name);
	r = ctri_store_put_raw(rt->store, key, id, CTRI_ID_LEN, 1);
	if (r == CTR_E_EXISTS && stale_name(rt, key))
		r = ctri_store_put_raw(rt->store, key, id, CTRI_ID_LEN, 0);
	if (r == CTR_E_EXISTS) {
		r = ctri_cerr(name, "create", r, "the name is already in use");
		goto fail;
	}
	rec = config_record(id, name, now, config, dep_ids);
	state = json_object_new_object();
	if (!rec || !state) {
		r = ctri_err(CTR_E_NOMEM, "cannot create %s: out of memory", name);
		goto fail;
	}
	json_object_object_add(state, "state", json_object_new_string("configured"));
	json_object_object_add(state, "changed", json_object_new_int64(now));
	key_of(key, CTRI_KEY_ID, id);
	if ((r = ctri_store_put_raw(rt->store, key, name, strlen(name), 1)) < 0)
		goto fail;
	key_of(key, CTRI_KEY_CONFIG, id);
	if ((r = ctri_store_put(rt->store, key, rec, 1)) < 0)
		goto fail;
	key_of(key, CTRI_KEY_STATE, id);
	if ((r = ctri_store_put(rt->store, key, state, 1)) < 0)
		goto fail;
	const char *gone = NULL;
	if ((r = ctri_dep_link(rt->store, id, dep_ids, &gone)) == CTR_E_NOENT)
		r = ctri_cerr(name, "create", r, "dependency %s was removed meanwhile", gone);
	if (r < 0)
		goto fail;
	json_object_put(rec);
	json_object_put(state);
	CTRI_CRASHPOINT("create.committing");
	r = ctri_store_commit(rt->store);
	return r < 0 ? ctri_cwrap(name, "create", r) : 0;
fail:
	json_object_put(rec);
	json_object_put(state);
	ctri_store_cancel(rt->store);
	return r;
}

CTR_API int ctr_create(ctr_runtime_t *rt, const ctr_config_t *cfg, ctr_container_t **out)
{
	char id[CTRI_ID_LEN + 1], name[256], *bundle = NULL;
	json_object *config = NULL, *dep_ids = NULL, *layers = NULL;
	int r, lock = -1, marked = 0;

	CTRI_CHECK_ARG("ctr_create", rt);
	CTRI_CHECK_ARG("ctr_create", cfg);
	CTRI_CHECK_ARG("ctr_create", out);
	const char *given = ctri_config_name(cfg);
	if ((r = ctri_config_check(cfg)) < 0)
		return r; /* its message already says "container NAME: cannot create: " */
	if ((r = ctri_config_to_object(cfg, &config)) < 0)
		return ctri_cwrap(given, "create", r);
	if ((r = resolve_dependencies(rt, cfg, given, &dep_ids)) < 0)
		goto out;
	if ((r = ctri_random_hex(id, CTRI_ID_LEN / 2)) < 0) {
		r = ctri_cerr(given, "create", CTR_E_IO, "getrandom: %s", strerror(-r));
		goto out;
	}
	bundle = ctri_strdupf("%s/%s", rt->containers_dir, id);
	if (!bundle) {
		r = ctri_err(CTR_E_NOMEM, "cannot create: out of memory");
		goto out;
	}
	/* Locked and marked before the first file, so that what a killed creator leaves is
	 * found and deleted by the next opener (pending.h). */
	if ((r = ctri_lock(rt->locks_dir, id, &lock)) < 0 || (r = ctri_pending_mark(rt, id)) < 0) {
		r = ctri_cwrap(given, "create", r);
		goto out;
	}
	marked = 1;
	if (mkdir(bundle, 0700) < 0) {
		r = ctri_cerr(given, "create", CTR_E_IO, "mkdir %s: %m", bundle);
		goto out;
	}
	CTRI_CRASHPOINT("create.bundle-made");
	if (json_object_object_get_ex(config, "layers", &layers) &&
	    (r = ctri_layer_dirs(given, bundle,
				 json_object_get_string(json_object_array_get_idx(
				     layers, json_object_array_length(layers) - 1)))) < 0)
		goto undo;
	if ((r = ctri_spec_write(cfg, id, bundle)) < 0) {
		r = ctri_cwrap(given, "create", r);
		goto undo;
	}
	CTRI_CRASHPOINT("create.spec-written");
	r = store_new(rt, id, given, name, sizeof(name), config, dep_ids);
	if (r < 0)
		goto undo;
	CTRI_CRASHPOINT("create.committed");
	if ((r = ctri_container_new(rt, id, name, out)) == 0)
		ctri_event(*out, "create", NULL);
	goto out;
undo:
	ctri_rm_rf(bundle);
out:
	if (marked)
		ctri_pending_clear(rt, id);
	if (lock >= 0 && r < 0)
		ctri_lock_unlink(rt->locks_dir, id);
	if (lock >= 0)
		ctri_unlock(lock);
	free(bundle);
	json_object_put(config);
	json_object_put(dep_ids);
	return r;
}

/* ---- state, inspect, remove ---------------------------------------------------------- */

/* Read a record of c; a missing record means the container was removed. */
static int read_record(ctr_container_t *c, const char *prefix, const char *op, json_object **out)
{
	char key[KEY_MAX];

	key_of(key, prefix, c->id);
	int r = ctri_store_get(c->rt->store, key, out);
	if (r == CTR_E_NOENT)
		return ctri_cerr(c->name, op, CTR_E_REMOVED, "the container was removed");
	return r < 0 ? ctri_cwrap(c->name, op, r) : 0;
}

int ctri_container_config(ctr_container_t *c, const char *op, json_object **out)
{
	json_object *rec, *cfg;
	int r = read_record(c, CTRI_KEY_CONFIG, op, &rec);

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
	int r = read_record(c, CTRI_KEY_CONFIG, op, &rec);

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
	int r = read_record(c, CTRI_KEY_STATE, op, &obj);

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

static json_object *inspect_paths(ctr_container_t *c)
{
	ctr_runtime_t *rt = c->rt;
	json_object *p = json_object_new_object();

	if (!p)
		return NULL;
	char *bundle = ctri_strdupf("%s/%s", rt->containers_dir, c->id);
	char *spec = ctri_strdupf("%s/%s/config.json", rt->containers_dir, c->id);
	char lock[4096];
	if (ctri_lock_path(lock, sizeof(lock), rt->locks_dir, c->id) < 0)
		lock[0] = '\0';
	json_object_object_add(p, "bundle", json_object_new_string(bundle ? bundle : ""));
	json_object_object_add(p, "spec", json_object_new_string(spec ? spec : ""));
	json_object_object_add(p, "run_dir", json_object_new_string(rt->run_dir));
	json_object_object_add(p, "lock", json_object_new_string(lock));
	char *log = ctri_strdupf("%s/%s/ctr.log", rt->containers_dir, c->id);
	char *exit_file = ctri_strdupf("%s/%s", rt->exits_dir, c->id);
	json_object_object_add(p, "log", json_object_new_string(log ? log : ""));
	json_object_object_add(p, "exit_file", json_object_new_string(exit_file ? exit_file : ""));
	json_object_object_add(p, "runtime_root", json_object_new_string(rt->runtime_root));
	free(log);
	free(exit_file);
	json_object_object_add(p, "database", json_object_new_string(ctri_store_path(rt->store)));
	free(bundle);
	free(spec);
	return p;
}

CTR_API int ctr_inspect(ctr_container_t *c, char **json)
{
	json_object *cfg = NULL, *state = NULL, *out = NULL, *v;
	char when[48];
	int r;

	CTRI_CHECK_ARG("ctr_inspect", c);
	CTRI_CHECK_ARG("ctr_inspect", json);
	ctr_state_t s;
	struct ctri_st st;
	if ((r = ctri_refresh(c, "inspect", &st)) < 0 ||
	    (r = ctri_state_read(c, "inspect", &state, &s)) < 0 ||
	    (r = read_record(c, CTRI_KEY_CONFIG, "inspect", &cfg)) < 0)
		goto out;
	out = json_object_new_object();
	if (!out) {
		r = ctri_cerr(c->name, "inspect", CTR_E_NOMEM, "out of memory");
		goto out;
	}
	json_object_object_add(out, "id", json_object_new_string(c->id));
	json_object_object_add(out, "name", json_object_new_string(c->name));
	if (json_object_object_get_ex(cfg, "created", &v)) {
		ctri_format_time(json_object_get_int64(v), when, sizeof(when));
		json_object_object_add(out, "created", json_object_new_string(when));
	}
	json_object_object_add(out, "state", json_object_get(state));
	json_object *config = NULL;
	json_object_object_get_ex(cfg, "config", &config);
	json_object_object_add(out, "config", json_object_get(config));
	if (config && json_object_object_get_ex(config, "labels", &v))
		json_object_object_add(out, "labels", json_object_get(v));
	else
		json_object_object_add(out, "labels", json_object_new_object());
	if (json_object_object_get_ex(cfg, "dependency_ids", &v))
		json_object_object_add(out, "dependencies", json_object_get(v));
	json_object_object_add(out, "paths", inspect_paths(c));
	json_object *sessions = NULL;
	if ((r = ctri_exec_inspect(c, "inspect", &sessions)) < 0)
		goto out;
	json_object_object_add(out, "exec_sessions", sessions);
	const char *text = json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN);
	char *copy = text ? strdup(text) : NULL;
	if (!copy)
		r = ctri_cerr(c->name, "inspect", CTR_E_NOMEM, "out of memory");
	else
		*json = copy; /* outputs stay untouched on failure */
out:
	json_object_put(cfg);
	json_object_put(state);
	json_object_put(out);
	return r;
}

/* Refuse the remove of c while other containers depend on it (ids in deps_of_c's index
 * whose containers still exist). Inside the remove transaction. */
static int refuse_dependents(ctr_container_t *c)
{
	struct ctri_store *st = c->rt->store;
	json_object *ids;
	char key[KEY_MAX], names[512] = "";
	int r = ctri_dep_dependents(st, c->id, &ids), n = 0;

	for (size_t i = 0; r == 0 && i < json_object_array_length(ids); i++) {
		char *name = NULL;
		key_of(key, CTRI_KEY_ID, json_object_get_string(json_object_array_get_idx(ids, i)));
		if (ctri_store_get_raw(st, key, &name, NULL) == 0 && n++ < 8)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 n > 1 ? ", " : "", name);
		free(name);
	}
	json_object_put(ids);
	if (r == 0 && n > 0)
		r = ctri_cerr(c->name, "remove", CTR_E_DEPEND,
			      "%d container%s depend%s on it: %s", n, n > 1 ? "s" : "",
			      n > 1 ? "" : "s", names);
	return r;
}

int ctri_remove_check(ctr_container_t *c)
{
	int r = ctri_store_begin(c->rt->store); /* one consistent view */

	if (r < 0)
		return ctri_cwrap(c->name, "remove", r);
	r = refuse_dependents(c);
	ctri_store_cancel(c->rt->store);
	return r;
}

/* Delete the records of c in one transaction. The name index entry goes only if it
 * still points at c. */
static int delete_records(ctr_container_t *c, int force)
{
	struct ctri_store *st = c->rt->store;
	char key[KEY_MAX], *val = NULL;
	json_object *deps = NULL;
	int r = ctri_container_deps(c, "remove", &deps);

	if (r < 0 && r != CTR_E_STORE)
		return r;
	if ((r = ctri_store_begin(st)) < 0) {
		json_object_put(deps);
		return ctri_cwrap(c->name, "remove", r);
	}
	if (!force && (r = refuse_dependents(c)) < 0)
		goto fail;
	if ((r = ctri_dep_unlink(st, c->id, deps)) < 0)
		goto fail;
	key_of(key, CTRI_KEY_NAME, c->name);
	r = ctri_store_get_raw(st, key, &val, NULL);
	if (r == 0 && !strcmp(val, c->id))
		r = ctri_store_delete(st, key);
	else if (r == CTR_E_NOENT || r == 0)
		r = 0;
	free(val);
	const char *const prefixes[] = { CTRI_KEY_ID, CTRI_KEY_CONFIG, CTRI_KEY_STATE,
					 CTRI_KEY_MOUNT };
	for (size_t i = 0; r == 0 && i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		key_of(key, prefixes[i], c->id);
		r = ctri_store_delete(st, key);
	}
	if (r < 0)
		goto fail;
	json_object_put(deps);
	CTRI_CRASHPOINT("remove.records-committing");
	r = ctri_store_commit(st);
	return r < 0 ? ctri_cwrap(c->name, "remove", r) : 0;
fail:
	json_object_put(deps);
	ctri_store_cancel(st);
	return r == CTR_E_DEPEND ? r : ctri_cwrap(c->name, "remove", r);
}

int ctri_remove_records(ctr_container_t *c, int force)
{
	/* A layered container's overlay goes first: while it is there, the bundle (its
	 * upper, work and merged directories) cannot go. */
	int r = ctri_pending_mark(c->rt, c->id); /* for what is left if we are killed */

	if (r < 0)
		return ctri_cwrap(c->name, "remove", r);
	r = ctri_rootfs_release(c, "remove", 1);
	CTRI_CRASHPOINT("remove.unmounted");
	if (r < 0 || (r = delete_records(c, force)) < 0) {
		ctri_pending_clear(c->rt, c->id);
		return r;
	}
	CTRI_CRASHPOINT("remove.records-deleted");
	/* The container is gone from the store; its bundle is only a cache of the config,
	 * with the root filesystem's changes and the artifacts. */
	char *bundle = ctri_strdupf("%s/%s", c->rt->containers_dir, c->id);
	if (bundle)
		ctri_rm_rf(bundle);
	free(bundle);
	CTRI_CRASHPOINT("remove.bundle-removed");
	ctri_lock_unlink(c->rt->locks_dir, c->id);
	ctri_pending_clear(c->rt, c->id);
	return 0;
}
