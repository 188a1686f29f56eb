/* The network lock and the networks a ctr_create joins (ops/network.c). */
#ifndef LIBCTR_NETWORK_OPS_H
#define LIBCTR_NETWORK_OPS_H

#include <json-c/json.h>

#include "runtime.h"

/* The network lock (STATE/networks/lock), taken how (LOCK_SH, LOCK_EX): its descriptor,
 * or CTR_E_IO / CTR_E_NOMEM. Released with ctri_network_unlock (-1 is fine). */
int ctri_network_lock(ctr_runtime_t *rt, int how, const char *op);
void ctri_network_unlock(int fd);

/* For ctr_create of a config (its JSON form) named cname: a config with ports and no
 * network joins CTR_NETWORK_DEFAULT (added to config); that network is created if it does
 * not exist; every network must exist (CTR_E_NOENT), a fixed address be a host address of
 * its subnet, and the first network with ports not be internal (CTR_E_INVAL). On success
 * *lock holds the network lock shared (-1 when the config joins no network) until the
 * caller has written the container's record. */
int ctri_network_join(ctr_runtime_t *rt, json_object *config, const char *cname, int *lock);

#endif
