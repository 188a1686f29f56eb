/* Exec session records (DESIGN §2, the seeds' Exec): a session is a store record
 * `exec/<container id>/<session id>` ("created", "running", "exited") listed in the index
 * `execs/<container id>`; its files live in RUN/exec/<container id>/. Its monitor writes
 * RUN/exec/<container id>/<session id> when the process exits, and the next caller to look
 * moves that into the record (durably) and removes the file, as for containers. Callers
 * hold the container's lock; the operations are ops/exec.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crashpoint.h"
#include "error.h"
#include "events.h"
#include "exec_record.h"
#include "json.h"
#include "monitor_client.h"
#include "proc.h"
#include "runtime.h"
#include "store.h"
#include "util.h"

int ctri_exec_id_check(ctr_container_t *c, const char *op, const char *eid)
{
	if (!eid)
		return ctri_cerr(c->name, op, CTR_E_INVAL, "exec session id is NULL");
	if (strlen(eid) != CTRI_EID_LEN || strspn(eid, "0123456789abcdef") != CTRI_EID_LEN)
		return ctri_cerr(c->name, op, CTR_E_NOENT, "no exec session '%s'", eid);
	return 0;
}

static void key_of(ctr_container_t *c, const char *eid, char *buf, size_t len)
{
	snprintf(buf, len, "exec/%s/%s", c->id, eid ? eid : "");
}

/* The index `execs/<container id>`: the ids of the container's ctri_exec_sessions, oldest first, kept
 * in the same transactions as the session records, so that listing and purging read two
 * records instead of traversing the store. */
static void index_key(ctr_container_t *c, char *buf, size_t len)
{
	snprintf(buf, len, "execs/%s", c->id);
}

/* The index's array of ids, a new reference (empty when there is none). The record is
 * {"ids":[...]}: the store keeps JSON objects. */
static int index_load(ctr_container_t *c, const char *op, json_object **out)
{
	json_object *rec = NULL, *ids;
	char key[128];

	index_key(c, key, sizeof(key));
	int r = ctri_store_get(c->rt->store, key, &rec);
	if (r < 0 && r != CTR_E_NOENT)
		return ctri_cwrap(c->name, op, r);
	if (r == 0 && (!json_object_object_get_ex(rec, "ids", &ids) ||
		       !json_object_is_type(ids, json_type_array))) {
		json_object_put(rec);
		return ctri_cerr(c->name, op, CTR_E_STORE, "record %s has no \"ids\" array", key);
	}
	*out = r == 0 ? json_object_get(ids) : json_object_new_array();
	json_object_put(rec);
	return *out ? 0 : ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
}

/* Inside a transaction: add eid to the index, or (add 0) take it out. */
static int index_update(ctr_container_t *c, const char *op, const char *eid, int add)
{
	char key[128];
	json_object *idx, *keep = json_object_new_array(), *rec = json_object_new_object();
	int r = keep && rec ? index_load(c, op, &idx)
			    : ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");

	if (r < 0) {
		json_object_put(keep);
		json_object_put(rec);
		return r;
	}
	for (size_t i = 0; r == 0 && i < json_object_array_length(idx); i++) {
		json_object *v = json_object_array_get_idx(idx, i);
		if (strcmp(json_object_get_string(v), eid))
			r = ctri_json_push(keep, json_object_get(v));
	}
	if (r == 0 && add)
		r = ctri_json_push(keep, json_object_new_string(eid));
	json_object_put(idx);
	size_t n = json_object_array_length(keep);
	if (r < 0)
		json_object_put(keep);
	else /* takes keep, even when it fails */
		r = ctri_json_add(rec, "ids", keep);
	if (r == 0) {
		index_key(c, key, sizeof(key));
		r = n ? ctri_store_put(c->rt->store, key, rec, 0) : ctri_store_delete(c->rt->store, key);
		json_object_put(rec);
		return r < 0 ? ctri_cwrap(c->name, op, r) : 0;
	}
	json_object_put(rec);
	return ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
}

/* Write (rec != NULL: insert) or delete session eid and its index entry, in one transaction. */
int ctri_exec_change(ctr_container_t *c, const char *op, const char *eid, json_object *rec)
{
	struct ctri_store *st = c->rt->store;
	char key[128];
	int r = ctri_store_begin(st);

	if (r < 0)
		return ctri_cwrap(c->name, op, r);
	key_of(c, eid, key, sizeof(key));
	r = rec ? ctri_store_put(st, key, rec, 1) : ctri_store_delete(st, key);
	if (r < 0)
		r = ctri_cwrap(c->name, op, r);
	if (r == 0 && (r = index_update(c, op, eid, rec != NULL)) == 0 &&
	    (r = ctri_store_commit(st)) < 0)
		return ctri_cwrap(c->name, op, r);
	if (r < 0)
		ctri_store_cancel(st);
	return r;
}

/* RUN/exec/<id>/<eid><suffix>; eid "" gives the directory. */
void ctri_exec_file(ctr_container_t *c, const char *eid, const char *suffix, char *buf,
		    size_t len)
{
	snprintf(buf, len, "%s/%s%s%s%s", c->rt->exec_dir, c->id, *eid ? "/" : "", eid, suffix);
}

const char *ctri_exec_str(json_object *rec, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(rec, key, &v) ? json_object_get_string(v) : "";
}

long long ctri_exec_int(json_object *rec, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(rec, key, &v) ? json_object_get_int64(v) : 0;
}

int ctri_exec_set(json_object *rec, const char *key, long long v)
{
	return ctri_json_add(rec, key, json_object_new_int64(v));
}

int ctri_exec_load(ctr_container_t *c, const char *op, const char *eid, json_object **rec)
{
	char key[128];

	key_of(c, eid, key, sizeof(key));
	int r = ctri_store_get(c->rt->store, key, rec);
	if (r == CTR_E_NOENT)
		return ctri_cerr(c->name, op, CTR_E_NOENT, "no exec session '%s'", eid);
	return r < 0 ? ctri_cwrap(c->name, op, r) : 0;
}

int ctri_exec_save(ctr_container_t *c, const char *op, json_object *rec, int durable)
{
	char key[128];

	key_of(c, ctri_exec_str(rec, "id"), key, sizeof(key));
	int r = durable ? ctri_store_put(c->rt->store, key, rec, 0)
			: ctri_store_put_volatile(c->rt->store, key, rec);
	return r < 0 ? ctri_cwrap(c->name, op, r) : 0;
}

int ctri_exec_needs_sync(ctr_container_t *c, json_object *rec)
{
	char path[4096];

	if (strcmp(ctri_exec_str(rec, "state"), "running"))
		return 0;
	ctri_exec_file(c, ctri_exec_str(rec, "id"), "", path, sizeof(path));
	return access(path, F_OK) == 0 ||
	       !ctri_proc_alive((pid_t)ctri_exec_int(rec, "mon_pid"),
				(unsigned long long)ctri_exec_int(rec, "mon_start"));
}

/* A session ctri_exec_needs_sync names becomes "exited", durably; then the exit file goes. */
int ctri_exec_sync(ctr_container_t *c, const char *op, json_object *rec)
{
	const char *eid = ctri_exec_str(rec, "id");
	struct ctrp_exit e = { .exit_code = -1 };
	char path[4096];
	int lost = 0;

	if (!ctri_exec_needs_sync(c, rec))
		return 0;
	ctri_exec_file(c, eid, "", path, sizeof(path));
	/* Read after the check: a monitor found gone may have written the file just before it
	 * exited. Still missing: it is gone without writing one (with the lock held, nothing
	 * else removes the file). */
	int r = ctri_exit_read_path(c, op, path, &e);
	if (r == CTR_E_NOENT) {
		e = (struct ctrp_exit){ .exit_code = -1, .time = ctri_now_ns() };
		lost = 1;
		r = 0;
	}
	if (r < 0)
		return r;
	if (ctri_json_add(rec, "state", json_object_new_string("exited")) ||
	    ctri_exec_set(rec, "exit_code", e.exit_code) || ctri_exec_set(rec, "signal", e.signal) ||
	    ctri_exec_set(rec, "finished_at", e.time) ||
	    (lost && ctri_json_add(rec, "monitor_lost", json_object_new_boolean(1))))
		return ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
	if ((r = ctri_exec_save(c, op, rec, 1)) < 0)
		return r;
	unlink(path);
	json_object *a = json_object_new_object();
	if (a) {
		json_object_object_add(a, "exec_id", json_object_new_string(eid));
		json_object_object_add(a, "exit_code", json_object_new_int(e.exit_code));
	}
	ctri_event(c, "exec_died", a);
	return 0;
}
/* With the lock: the session's record, files and descriptors go. */
int ctri_exec_remove_locked(ctr_container_t *c, const char *op, const char *eid)
{
	static const char *const suffixes[] = { "", ".json", ".pid", ".sock", ".console" };
	char path[4200];
	struct ctri_exec_io *io;
	int r = ctri_exec_change(c, op, eid, NULL);

	if (r < 0)
		return r;
	CTRI_CRASHPOINT("exec.record-removed");
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		ctri_exec_file(c, eid, suffixes[i], path, sizeof(path));
		unlink(path);
	}
	if ((io = ctri_exec_io_take(c, eid)))
		ctri_exec_io_close(io);
	return 0;
}

/* The records of c's ctri_exec_sessions, oldest first (a damaged or missing one is left out). */
int ctri_exec_sessions(ctr_container_t *c, const char *op, json_object **out)
{
	json_object *idx = NULL, *arr = json_object_new_array(), *rec;
	int r = arr ? index_load(c, op, &idx) : ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");

	for (size_t i = 0; idx && i < json_object_array_length(idx) && r == 0; i++) {
		char key[128];
		key_of(c, json_object_get_string(json_object_array_get_idx(idx, i)), key,
		       sizeof(key));
		if (ctri_store_get(c->rt->store, key, &rec) < 0)
			continue;
		if (ctri_json_push(arr, rec))
			r = ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
	}
	json_object_put(idx);
	if (r < 0) {
		json_object_put(arr);
		return r;
	}
	*out = arr;
	return 0;
}
int ctri_exec_purge(ctr_container_t *c, const char *op)
{
	json_object *idx;
	char dir[4096];
	int r = index_load(c, op, &idx);

	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < json_object_array_length(idx); i++)
		r = ctri_exec_remove_locked(c, op, json_object_get_string(json_object_array_get_idx(idx, i)));
	json_object_put(idx);
	if (r == 0) {
		ctri_exec_file(c, "", "", dir, sizeof(dir));
		ctri_rm_rf(dir);
	}
	return r;
}
