/* The files of a run's network (net_run.h) beside the plugin calls: the state file's
 * reader, the container's /etc/hosts and /etc/resolv.conf, the spec's namespace and
 * mounts, and what inspect shows of them. */
#ifndef LIBCTR_NET_FILES_H
#define LIBCTR_NET_FILES_H

#include <json-c/json.h>

#include "container.h"

/* Read a JSON object file: CTR_E_NOENT (no message) when absent, CTR_E_IO, CTR_E_STORE
 * when it is not an object. */
int ctri_net_state_load(const char *path, json_object **out);

/* The state of container id's run network in rt's run directory, or NULL (none, or not
 * readable). */
json_object *ctri_net_run_state(ctr_runtime_t *rt, const char *id);

/* With the ADDs done (st, the state): write DIR/hosts (localhost, the hostname with the
 * first network's address) and DIR/resolv.conf (the host's, without loopback name
 * servers, which the container cannot reach), and point c's spec at the namespace ns and
 * at both files (bind mounts, unless the config mounts something there). */
int ctri_net_files(ctr_container_t *c, const char *op, const char *dir, const char *ns,
		   json_object *st);

/* Add "networks": {NAME: {"ip", "mac", "gateway", "prefix_length"}} (null members while
 * no run has joined) and "ports" (the config's) to an inspect document out. */
int ctri_net_inspect(ctr_container_t *c, json_object *config, json_object *out);

/* Add to out {ID: {"ip", "mac"}} for each container of this run directory whose run has
 * joined network name. */
int ctri_net_joined(ctr_runtime_t *rt, const char *name, json_object *out);

#endif
