/* Networks as data: their store records, the subnet each gets, the bridge's name, and the
 * CNI conflist that describes them to the plugins. The writes happen under the network
 * lock of ops/network.c. */
#ifndef LIBCTR_NETWORK_H
#define LIBCTR_NETWORK_H

#include <json-c/json.h>

#include "runtime.h"

/* network/NAME: {"name", "subnet" ("A.B.C.D/N"), "gateway" (null when internal), "bridge",
 * "internal", "created" (ns)} */
#define CTRI_KEY_NETWORK "network/"

#define CTRI_NETWORK_NAME_MAX 63
#define CTRI_CNI_VERSION "1.0.0"

/* 1 if name is a valid network name (the container-name syntax, at most 63). */
int ctri_network_name_ok(const char *name);

/* The record of network name (json_object_put it). CTR_E_NOENT "no such network: NAME";
 * CTR_E_STORE. */
int ctri_network_get(ctr_runtime_t *rt, const char *name, json_object **out);

/* The names of all networks, sorted, NULL-terminated (ctri_strv_free), and their number. */
int ctri_network_names(ctr_runtime_t *rt, char ***out, size_t *count);

/* A new network's record from name and opts (NULL: the defaults), checked against the
 * other networks of the store and the host's routes: the subnet (given, or the first free
 * /24 of 10.89.0.0/16), the gateway, the bridge's name. CTR_E_INVAL with the reason
 * (naming the network overlapped); CTR_E_IO; CTR_E_NOMEM. */
int ctri_network_plan(ctr_runtime_t *rt, const char *name, const ctr_network_opts_t *opts,
		      json_object **out);

/* The conflist of a network record: bridge with host-local, and portmap unless internal
 * (a network without a gateway). NULL: out of memory. */
json_object *ctri_network_conflist(json_object *rec);

/* STATE/networks/NAME.conflist, or NULL (no memory). */
char *ctri_network_conflist_path(ctr_runtime_t *rt, const char *name);

#endif
