/* Dependencies. A container's dependencies are ids fixed at create (config record
 * "dependency_ids"); the reverse index rdeps/<id> lets a remove see its dependents without
 * reading every config. Both sides change inside the create and remove transactions, so a
 * dependency cannot vanish between the check and the link. Configs are immutable and a
 * new container can only depend on existing ones, so the graph has no cycles. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "depend.h"
#include "error.h"
#include "runtime.h"
#include "sync.h"

#define KEY_MAX (16 + CTRI_ID_LEN)
#define DEPTH_MAX 64

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

/* Call fn for each dependency of c, as a handle; with parallel, each in a thread of its
 * own (independent dependencies start at the same time), the first error reported. */
typedef int (*dep_fn)(ctr_container_t *c, ctr_container_t *dep, const char *op, int depth);

struct job {
	ctr_container_t *c, *d;
	const char *op;
	int depth;
	dep_fn fn;
	int r;
	char msg[1024]; /* the worker thread's ctr_last_error(), carried to the caller's */
	pthread_t th;
	int threaded;
};

static void *job_run(void *p)
{
	struct job *j = p;

	if ((j->r = j->fn(j->c, j->d, j->op, j->depth)) < 0)
		snprintf(j->msg, sizeof(j->msg), "%s", ctr_last_error());
	return NULL;
}

static int each_dep(ctr_container_t *c, const char *op, int depth, dep_fn fn, int parallel)
{
	json_object *deps;
	int r = ctri_container_deps(c, op, &deps);
	size_t n = r == 0 ? json_object_array_length(deps) : 0;
	struct job *jobs = n ? calloc(n, sizeof(*jobs)) : NULL;

	if (n && !jobs)
		r = ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
	for (size_t i = 0; r == 0 && i < n; i++) {
		const char *id = json_object_get_string(json_object_array_get_idx(deps, i));
		struct job *j = &jobs[i];
		*j = (struct job){ .c = c, .op = op, .depth = depth, .fn = fn };
		if ((r = ctr_lookup(c->rt, id, &j->d)) == CTR_E_NOENT)
			r = ctri_cerr(c->name, op, CTR_E_DEPEND, "dependency %s was removed", id);
	}
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct job *j = &jobs[i];
		j->threaded = parallel && n > 1 && pthread_create(&j->th, NULL, job_run, j) == 0;
		if (!j->threaded)
			job_run(j);
	}
	for (size_t i = 0; jobs && i < n; i++) {
		if (jobs[i].threaded)
			pthread_join(jobs[i].th, NULL);
		if (r == 0 && jobs[i].r < 0)
			r = ctri_err(jobs[i].r, "%s", jobs[i].msg);
		ctr_container_free(jobs[i].d);
	}
	free(jobs);
	json_object_put(deps);
	return r;
}

static int check_one(ctr_container_t *c, ctr_container_t *d, const char *op, int depth)
{
	ctr_state_t s;
	int r = ctr_state(d, &s);

	(void)depth;
	if (r == CTR_E_REMOVED)
		return ctri_cerr(c->name, op, CTR_E_DEPEND, "dependency %s was removed", d->name);
	if (r < 0)
		return r;
	if (s != CTR_STATE_RUNNING)
		return ctri_cerr(c->name, op, CTR_E_DEPEND, "dependency %s is %s, not running",
				 d->name, ctr_state_name(s));
	return 0;
}

int ctri_dep_check(ctr_container_t *c, const char *op)
{
	return each_dep(c, op, 0, check_one, 0);
}

static int start_one(ctr_container_t *c, ctr_container_t *d, const char *op, int depth)
{
	ctr_state_t s;
	int r;

	if (depth >= DEPTH_MAX)
		return ctri_cerr(c->name, op, CTR_E_DEPEND, "dependencies nest deeper than %d",
				 DEPTH_MAX);
	if ((r = ctr_state(d, &s)) < 0 || s == CTR_STATE_RUNNING)
		return r;
	if ((r = each_dep(d, op, depth + 1, start_one, 1)) < 0)
		return r;
	r = ctr_start(d, 0);
	if (r == CTR_E_STATE && ctr_state(d, &s) == 0 && s == CTR_STATE_RUNNING)
		r = 0; /* someone else started it meanwhile */
	if (r < 0) {
		char why[1024];
		snprintf(why, sizeof(why), "%s", ctr_last_error());
		r = ctri_cerr(c->name, op, CTR_E_DEPEND, "dependency %s: %s", d->name, why);
	}
	return r;
}

int ctri_dep_start(ctr_container_t *c, const char *op)
{
	return each_dep(c, op, 0, start_one, 1);
}
