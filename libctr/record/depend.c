/* Dependencies. A container's dependencies are ids fixed at create (config record
 * "dependency_ids"); the reverse index rdeps/<id> lets a remove see its dependents without
 * reading every config. Both sides change inside the create and remove transactions, so a
 * dependency cannot vanish between the check and the link. Configs are immutable and a
 * new container can only depend on existing ones, so the graph has no cycles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "depend.h"
#include "error.h"
#include "runtime.h"

#define KEY_MAX (16 + CTRI_ID_LEN)

/* The index record is {"dependents":[ids]}: the store keeps JSON objects. */
static int read_ids(struct ctri_store *s, const char *id, json_object **out)
{
	char key[KEY_MAX];
	json_object *rec = NULL, *ids;

	snprintf(key, sizeof(key), "%s%s", CTRI_KEY_RDEPS, id);
	int r = ctri_store_get(s, key, &rec);
	if (r < 0 && r != CTR_E_NOENT)
		return r;
	if (rec && json_object_object_get_ex(rec, "dependents", &ids) &&
	    json_object_is_type(ids, json_type_array))
		*out = json_object_get(ids);
	else
		*out = json_object_new_array();
	json_object_put(rec);
	return *out ? 0 : ctri_err(CTR_E_NOMEM, "dependencies: out of memory");
}

static int write_ids(struct ctri_store *s, const char *id, json_object *ids)
{
	char key[KEY_MAX];

	snprintf(key, sizeof(key), "%s%s", CTRI_KEY_RDEPS, id);
	if (json_object_array_length(ids) == 0)
		return ctri_store_delete(s, key);
	json_object *rec = json_object_new_object();
	if (!rec)
		return ctri_err(CTR_E_NOMEM, "dependencies: out of memory");
	json_object_object_add(rec, "dependents", json_object_get(ids));
	int r = ctri_store_put(s, key, rec, 0);
	json_object_put(rec);
	return r;
}

/* Add or remove id in dep's index. */
static int edit(struct ctri_store *s, const char *dep, const char *id, int add)
{
	json_object *ids;
	int r = read_ids(s, dep, &ids);

	if (r < 0)
		return r;
	for (size_t i = json_object_array_length(ids); i-- > 0;)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(ids, i)), id))
			json_object_array_del_idx(ids, i, 1);
	if (add)
		json_object_array_add(ids, json_object_new_string(id));
	r = write_ids(s, dep, ids);
	json_object_put(ids);
	return r;
}

int ctri_dep_link(struct ctri_store *s, const char *id, json_object *deps, const char **gone)
{
	char key[KEY_MAX];

	for (size_t i = 0; i < json_object_array_length(deps); i++) {
		const char *dep = json_object_get_string(json_object_array_get_idx(deps, i));
		snprintf(key, sizeof(key), "%s%s", CTRI_KEY_ID, dep);
		int r = ctri_store_exists(s, key);
		if (r == 0) {
			*gone = dep;
			return CTR_E_NOENT;
		}
		if (r < 0 || (r = edit(s, dep, id, 1)) < 0)
			return r;
	}
	return 0;
}

int ctri_dep_unlink(struct ctri_store *s, const char *id, json_object *deps)
{
	char key[KEY_MAX];
	int r = 0;

	for (size_t i = 0; r == 0 && deps && i < json_object_array_length(deps); i++)
		r = edit(s, json_object_get_string(json_object_array_get_idx(deps, i)), id, 0);
	snprintf(key, sizeof(key), "%s%s", CTRI_KEY_RDEPS, id);
	return r < 0 ? r : ctri_store_delete(s, key);
}

int ctri_dep_dependents(struct ctri_store *s, const char *id, json_object **out)
{
	return read_ids(s, id, out);
}

int ctri_dep_refuse(ctr_container_t *c)
{
	struct ctri_store *st = c->rt->store;
	json_object *ids;
	char key[CTRI_KEY_MAX], names[512] = "";
	int r = ctri_dep_dependents(st, c->id, &ids), n = 0;

	for (size_t i = 0; r == 0 && i < json_object_array_length(ids); i++) {
		char *name = NULL;
		ctri_key(key, CTRI_KEY_ID, json_object_get_string(json_object_array_get_idx(ids, i)));
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
	r = ctri_dep_refuse(c);
	ctri_store_cancel(c->rt->store);
	return r;
}

