/* A run's network: the namespace the library holds for it, the CNI plugins' ADD and DEL
 * for each network it joins, its published ports, its /etc/hosts and /etc/resolv.conf.
 *
 * Files, per run directory: RUN/net/ID/ns (the namespace's bind mount), RUN/net/ID/state
 * (what was done: the ports, and per network the plugin list as it was run, how many
 * ADDs were started and the last result, written before each plugin runs so a caller
 * killed in between leaves what its DELs need), RUN/net/ID/hosts and resolv.conf,
 * RUN/net/leases (host-local's leases) and RUN/net/ports.lock. */
#ifndef LIBCTR_NET_RUN_H
#define LIBCTR_NET_RUN_H

#include <json-c/json.h>

#include "container.h"

/* Set up c's network for a new run, as its config says ("networks", "ports"), and point
 * its spec at it; a run's network left over is taken down first. On failure nothing of it
 * is left. CTR_E_BUSY (a host port another container of this run directory publishes, or
 * that a host socket holds); CTR_E_RUNTIME / CTR_E_TIMEOUT (a plugin, with its message);
 * CTR_E_STORE (a network's conflist unreadable); CTR_E_IO; CTR_E_NOMEM. */
int ctri_net_setup(ctr_container_t *c, const char *op);

/* Take down c's run network, if it has one: each plugin's DEL (last first, with the ADD
 * result), then the namespace and the files. With force, failed DELs do not stop the
 * rest and are not reported (remove, the reboot reset); without, the first failure is
 * returned and everything is kept for the next try. */
int ctri_net_teardown(ctr_container_t *c, const char *op, int force);

#endif
