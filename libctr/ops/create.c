/* ctr_create: a new container's records (name, id, config, state, dependencies) in one
 * transaction, its bundle with the runtime spec, and a generated name when none is given. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "container.h"
#include "crashpoint.h"
#include "depend.h"
#include "error.h"
#include "events.h"
#include "image_work.h"
#include "network_ops.h"
#include "overlay.h"
#include "pending.h"
#include "runtime.h"
#include "spec.h"
#include "store.h"
#include "util.h"

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
	char key[CTRI_KEY_MAX];

	for (int attempt = 0; attempt < 16; attempt++) {
		unsigned a = id_byte(id, attempt), b = id_byte(id, 16 + attempt);
		const char *adj = adjectives[a % (sizeof(adjectives) / sizeof(adjectives[0]))];
		const char *noun = nouns[b % (sizeof(nouns) / sizeof(nouns[0]))];
		if (attempt < 4)
			snprintf(name, len, "%s_%s", adj, noun);
		else
			snprintf(name, len, "%s_%s_%.*s", adj, noun, 4 + attempt, id);
		ctri_key(key, CTRI_KEY_NAME, name);
		int r = ctri_store_exists(rt->store, key);
		if (r == 0)
			return 0;
	}
	return ctri_err(CTR_E_EXISTS, "cannot create: no free generated name for %s", id);
}

static json_object *config_record(const char *id, const char *name, long long created,
				  json_object *config, json_object *dep_ids, json_object *image)
{
	json_object *rec = json_object_new_object();

	if (!rec)
		return NULL;
	json_object_object_add(rec, "id", json_object_new_string(id));
	json_object_object_add(rec, "name", json_object_new_string(name));
	json_object_object_add(rec, "created", json_object_new_int64(created));
	json_object_object_add(rec, "config", json_object_get(config));
	json_object_object_add(rec, "dependency_ids", json_object_get(dep_ids));
	if (image)
		json_object_object_add(rec, "image", json_object_get(image));
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
	char *val = NULL, idkey[CTRI_KEY_MAX];
	size_t len;
	int stale = 0;

	if (ctri_store_get_raw(rt->store, key, &val, &len) < 0)
		return 0;
	if (len != CTRI_ID_LEN || !ctri_is_id(val)) {
		stale = 1;
	} else {
		ctri_key(idkey, CTRI_KEY_ID, val);
		stale = !ctri_store_exists(rt->store, idkey) && !ctri_has_records(rt, val);
	}
	free(val);
	return stale;
}

/* Write the records of a new container in one transaction: name index (unique), id
 * index, config and state. */
static int store_new(ctr_runtime_t *rt, const char *id, const char *given_name, char *name,
		     size_t name_len, json_object *config, json_object *dep_ids, json_object *image)
{
	char key[CTRI_KEY_MAX];
	long long now = ctri_now_ns();
	json_object *rec = NULL, *state = NULL;
	int r = ctri_store_begin(rt->store);

	if (r < 0)
		return ctri_cwrap(given_name, "create", r);
	if (given_name)
		snprintf(name, name_len, "%s", given_name);
	else if ((r = generate_name(rt, id, name, name_len)) < 0)
		goto fail;
	ctri_key(key, CTRI_KEY_NAME, name);
	r = ctri_store_put_raw(rt->store, key, id, CTRI_ID_LEN, 1);
	if (r == CTR_E_EXISTS && stale_name(rt, key))
		r = ctri_store_put_raw(rt->store, key, id, CTRI_ID_LEN, 0);
	if (r == CTR_E_EXISTS) {
		r = ctri_cerr(name, "create", r, "the name is already in use");
		goto fail;
	}
	rec = config_record(id, name, now, config, dep_ids, image);
	state = json_object_new_object();
	if (!rec || !state) {
		r = ctri_err(CTR_E_NOMEM, "cannot create %s: out of memory", name);
		goto fail;
	}
	json_object_object_add(state, "state", json_object_new_string("configured"));
	json_object_object_add(state, "changed", json_object_new_int64(now));
	ctri_key(key, CTRI_KEY_ID, id);
	if ((r = ctri_store_put_raw(rt->store, key, name, strlen(name), 1)) < 0)
		goto fail;
	ctri_key(key, CTRI_KEY_CONFIG, id);
	if ((r = ctri_store_put(rt->store, key, rec, 1)) < 0)
		goto fail;
	ctri_key(key, CTRI_KEY_STATE, id);
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
	json_object *config = NULL, *dep_ids = NULL, *layers = NULL, *image = NULL;
	ctr_config_t *from_image = NULL;
	int r, lock = -1, marked = 0, image_lock = -1, net_lock = -1;

	CTRI_CHECK_ARG("ctr_create", rt);
	CTRI_CHECK_ARG("ctr_create", cfg);
	CTRI_CHECK_ARG("ctr_create", out);
	const char *given = ctri_config_name(cfg);
	if ((r = ctri_config_check(cfg)) < 0 || (r = ctri_config_net_check(cfg)) < 0)
		return r; /* its message already says "container NAME: cannot create: " */
	/* An image's container: a layered config made from it, the image held (shared lock)
	 * until the container's record names it. */
	if (ctri_config_image(cfg) || ctri_config_image_id(cfg)) {
		if ((r = ctri_image_config(rt, cfg, &from_image, &image, &image_lock)) < 0)
			return r;
		cfg = from_image ? from_image : cfg;
	}
	if ((r = ctri_config_to_object(cfg, &config)) < 0) {
		r = ctri_cwrap(given, "create", r);
		goto out;
	}
	/* Its networks exist (the default one is made) and stay until its record is written. */
	if ((r = ctri_network_join(rt, config, given, &net_lock)) < 0 ||
	    (r = resolve_dependencies(rt, cfg, given, &dep_ids)) < 0)
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
	r = store_new(rt, id, given, name, sizeof(name), config, dep_ids, image);
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
	json_object_put(image);
	ctr_config_free(from_image);
	ctri_image_unlock(image_lock);
	ctri_network_unlock(net_lock);
	return r;
}
