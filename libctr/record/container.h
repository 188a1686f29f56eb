/* Container handles and the store records behind them. */
#ifndef LIBCTR_CONTAINER_H
#define LIBCTR_CONTAINER_H

#include <json-c/json.h>
#include <pthread.h>

#include "ctr/ctr.h"
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
	 * (exec.c). Guarded by mu. */
	struct ctri_exec_io *exec_io;
};

/* Store keys of a container's records. */
#define CTRI_KEY_CONFIG "config/" /* + id: {"id","name","created","config",...}; immutable */
#define CTRI_KEY_STATE "state/"   /* + id: {"state",...}; mutable */
#define CTRI_KEY_ID "id/"         /* + id: the name, raw */
#define CTRI_KEY_NAME "name/"     /* + name: the id, raw */

/* Paths of c's files: its bundle directory's LEAF (e.g. "ctr.log"), its attach socket. */
void ctri_bundle_path(const ctr_container_t *c, const char *leaf, char *buf, size_t len);
void ctri_attach_path(const ctr_container_t *c, char *buf, size_t len);

int ctri_container_new(ctr_runtime_t *rt, const char *id, const char *name,
		       ctr_container_t **out);

/* Resolve a full id, a name or a unique id prefix to an id and a name (malloc'd).
 * CTR_E_NOENT (no message) when nothing matches; CTR_E_INVAL when ambiguous. */
int ctri_resolve(ctr_runtime_t *rt, const char *ref, char id[CTRI_ID_LEN + 1], char **name);

/* Read a container's state record. CTR_E_REMOVED when it is gone, CTR_E_STORE when
 * damaged; messages name the container and op. */
int ctri_state_read(ctr_container_t *c, const char *op, json_object **rec, ctr_state_t *out);

ctr_state_t ctri_state_parse(const char *name);

/* The config c was created from, in its JSON form (ctr_config_to_json). */
int ctri_container_config(ctr_container_t *c, const char *op, json_object **out);

/* The ids c depends on (a new JSON array). */
int ctri_container_deps(ctr_container_t *c, const char *op, json_object **out);

/* Unmount a layered container's overlay (ctri_rootfs_release with force), delete c's
 * records (one transaction), then its bundle and lock file. The caller holds
 * the lock and has released the runtime's state. Without force, containers depending on
 * c make it CTR_E_DEPEND. */
int ctri_remove_records(ctr_container_t *c, int force);
/* CTR_E_DEPEND naming them when containers depend on c (checked before a remove starts). */
int ctri_remove_check(ctr_container_t *c);

#endif
