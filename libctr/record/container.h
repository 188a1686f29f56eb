/* Container handles and the store records behind them. */
#ifndef LIBCTR_CONTAINER_H
#define LIBCTR_CONTAINER_H

#include <json-c/json.h>
#include <pthread.h>

#include "ctr/ctr.h"
#include "monitor_proto.h"
#include "util.h"

struct ctr_container {
	ctr_runtime_t *rt; /* holds a reference */
	char id[CTRI_ID_LEN + 1];
	char *name;
	/* A pidfd on the monitor last seen, so that checking it is a poll(), not a read of
	 * /proc. Guarded by mu. */
	pthread_mutex_t mu;
	int mon_fd;
	pid_t mon_fd_pid;
	unsigned long long mon_fd_start;
	/* Descriptors of exec sessions created through this handle, until they start
	 * (below). Guarded by mu. */
	struct ctri_exec_io *exec_io;
};

/* Store keys of a container's records. */
#define CTRI_KEY_CONFIG "config/" /* + id: {"id","name","created","config",...}; immutable */
#define CTRI_KEY_STATE "state/"   /* + id: {"state",...}; mutable */
#define CTRI_KEY_ID "id/"         /* + id: the name, raw */
#define CTRI_KEY_NAME "name/"     /* + name: the id, raw */

/* A store key: prefix + what, in a buffer of CTRI_KEY_MAX bytes. */
#define CTRI_KEY_MAX (16 + 256)
void ctri_key(char *buf, const char *prefix, const char *what);

/* Paths of c's files: its bundle directory's LEAF (e.g. "ctr.log"), its attach socket. */
void ctri_bundle_path(const ctr_container_t *c, const char *leaf, char *buf, size_t len);
void ctri_attach_path(const ctr_container_t *c, char *buf, size_t len);

int ctri_container_new(ctr_runtime_t *rt, const char *id, const char *name,
		       ctr_container_t **out);

/* Resolve a full id, a name or a unique id prefix to an id and a name (malloc'd).
 * CTR_E_NOENT (no message) when nothing matches; CTR_E_INVAL when ambiguous. */
int ctri_resolve(ctr_runtime_t *rt, const char *ref, char id[CTRI_ID_LEN + 1], char **name);

/* Whether any of id's config and state records is left (a container whose id record is
 * missing still has a handle, named by its id, so that a forced remove can take the rest). */
int ctri_has_records(ctr_runtime_t *rt, const char *id);

/* Read c's record prefix + id; CTR_E_REMOVED when it is gone, with a message. */
int ctri_record_read(ctr_container_t *c, const char *prefix, const char *op, json_object **out);

/* Read a container's state record. CTR_E_REMOVED when it is gone, CTR_E_STORE when
 * damaged; messages name the container and op. */
int ctri_state_read(ctr_container_t *c, const char *op, json_object **rec, ctr_state_t *out);

ctr_state_t ctri_state_parse(const char *name);

/* The config c was created from, in its JSON form (ctr_config_to_json). */
int ctri_container_config(ctr_container_t *c, const char *op, json_object **out);

/* Call fn(id, rec, ud) for each container's config record (config/ID: {"name", "config",
 * "image"...}), parsed, whose text holds needle (a cheap filter; NULL: every record);
 * records that do not parse are skipped. fn returns non-zero to stop; that is returned.
 * fn must not call the store. CTR_E_STORE. */
typedef int (*ctri_config_fn)(const char *id, json_object *rec, void *ud);
int ctri_config_each(ctr_runtime_t *rt, const char *needle, ctri_config_fn fn, void *ud);

/* The ids c depends on (a new JSON array). */
int ctri_container_deps(ctr_container_t *c, const char *op, json_object **out);


/* Descriptors of exec sessions created through a handle (ctr_exec_create's stdio and
 * preserved descriptors), held by the handle until the session starts or goes. */
#define CTRI_EID_LEN	    16 /* hex digits of a session id */

struct ctri_exec_io {
	struct ctri_exec_io *next;
	char id[CTRI_EID_LEN + 1];
	int stdio[3];
	int preserve[CTRP_PRESERVE_MAX];
	size_t n_preserve;
};

/* Duplicate o's descriptors (close-on-exec) into c's list under session id eid. 0, or the
 * dup(2) failure with a message. */
int ctri_exec_io_keep(ctr_container_t *c, const char *op, const char *eid,
		      const ctr_exec_opts_t *o);
/* Take eid's descriptors out of the handle (NULL: none here). */
struct ctri_exec_io *ctri_exec_io_take(ctr_container_t *c, const char *eid);
/* Put them back (a start that failed may be retried). */
void ctri_exec_io_return(ctr_container_t *c, struct ctri_exec_io *io);
/* Close io's descriptors and free it. */
void ctri_exec_io_close(struct ctri_exec_io *io);
/* Close all the descriptors c's sessions still hold (ctr_container_free). */
void ctri_exec_io_free_all(ctr_container_t *c);

#endif
