/* Exec session records: `exec/<container id>/<session id>` in the store ("created",
 * "running", "exited"), the index `execs/<container id>`, and the session's files in
 * RUN/exec/<container id>/. Every function is called with the container's lock held. */
#ifndef LIBCTR_EXEC_RECORD_H
#define LIBCTR_EXEC_RECORD_H

#include <json-c/json.h>

#include "container.h"

/* 0 if eid can be a session id; CTR_E_INVAL (NULL) or CTR_E_NOENT with a message. */
int ctri_exec_id_check(ctr_container_t *c, const char *op, const char *eid);
/* RUN/exec/<id>/<eid><suffix>; eid "" gives the directory. */
void ctri_exec_file(ctr_container_t *c, const char *eid, const char *suffix, char *buf,
		    size_t len);
/* A member of a session record: a string ("" when missing), an integer (0), or set one
 * (0, or -1 when out of memory). */
const char *ctri_exec_str(json_object *rec, const char *key);
long long ctri_exec_int(json_object *rec, const char *key);
int ctri_exec_set(json_object *rec, const char *key, long long v);
/* Write (rec != NULL: insert) or delete session eid and its index entry, in one
 * transaction. */
int ctri_exec_change(ctr_container_t *c, const char *op, const char *eid, json_object *rec);
/* Session eid's record (CTR_E_NOENT naming it when there is none). */
int ctri_exec_load(ctr_container_t *c, const char *op, const char *eid, json_object **rec);
/* Store rec under its "id", durably or not. */
int ctri_exec_save(ctr_container_t *c, const char *op, json_object *rec, int durable);
/* 1 if the running session rec has ended without a call on it since (its exit file is
 * there, or its monitor is gone), so ctri_exec_sync would record its exit; else 0. Reads
 * no store: callers may ask without the lock (ctr_inspect) and take it only then. */
int ctri_exec_needs_sync(ctr_container_t *c, json_object *rec);
/* A session ctri_exec_needs_sync names becomes "exited", durably (event exec_died), with
 * monitor_lost when its monitor left no exit file; then the exit file goes. 0 for any
 * other session. CTR_E_IO or CTR_E_MONITOR (an exit file it cannot read or parse),
 * CTR_E_NOMEM, the store's errors. */
int ctri_exec_sync(ctr_container_t *c, const char *op, json_object *rec);
/* The session's record, files and descriptors go. */
int ctri_exec_remove_locked(ctr_container_t *c, const char *op, const char *eid);
/* The records of c's sessions, oldest first, as a new array (a damaged or missing one is
 * left out): ctr_exec_list and ctr_inspect. */
int ctri_exec_sessions(ctr_container_t *c, const char *op, json_object **out);
/* Remove every session of c, records and files (a new run, cleanup, remove). Their
 * processes ended with the container. */
int ctri_exec_purge(ctr_container_t *c, const char *op);

#endif
