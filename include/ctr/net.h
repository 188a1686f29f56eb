/*
 * libctr - networks: bridge networks, containers joined to them, published ports.
 * Symbols of version LIBCTR_1.1.
 *
 * Included by <ctr/ctr.h>; do not include it on its own. The conventions of ctr.h hold.
 *
 * A network is a Linux bridge, an IPv4 subnet and its gateway (the bridge's address),
 * kept as a CNI conflist in STATE/networks/NAME.conflist and a record in the store. The
 * work is done by the CNI plugins of Debian's containernetworking-plugins (bridge,
 * host-local, portmap), looked for first in the colon-separated directories of the
 * environment variable CTR_CNI_PATH, then in /usr/lib/cni, /usr/libexec/cni and
 * /opt/cni/bin; they are spawned
 * like the OCI runtime (JSON on stdin, the CNI_* environment, killed at the runtime
 * timeout, their error message in ours).
 *
 * A container that joins networks gets a network namespace of its own, made and held by
 * the library (bind-mounted at RUN/net/ID/ns) from the start of a run until every plugin's
 * DEL has run: loopback, then one interface per network, eth0, eth1, ... in the order they
 * were added, and the published ports. Address leases live in RUN/net/leases (per run
 * directory: a reboot frees them with the containers). The run's network is made before
 * its process starts (ctr_init(), ctr_start() of a CONFIGURED container, a restart, a
 * restore) and taken down when the run ends: ctr_cleanup(), ctr_remove(), the restart
 * policy's next run, the recovery of a caller killed in between, and the reset after a
 * reboot. No interface, lease or per-container firewall rule outlives the run. The
 * container also gets /etc/hosts (localhost, its hostname and its addresses) and
 * /etc/resolv.conf (the host's), written in RUN/net/ID/ and bind-mounted; the root
 * filesystem's own files are never changed.
 */
#ifndef CTR_NET_H
#define CTR_NET_H

#ifndef CTR_CTR_H
#error "include <ctr/ctr.h>, not <ctr/net.h>"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** Options of ctr_network_create(); NULL for the defaults. */
typedef struct {
	size_t sz; /**< sizeof(ctr_network_opts_t), set by CTR_OPTS() */
	/** "A.B.C.D/N", N from 8 to 30, no host bits set; NULL: the first /24 of 10.89.0.0/16
	 *  that neither another network nor a route of the host uses. */
	const char *subnet;
	/** An address in the subnet, neither its network nor its broadcast address; NULL:
	 *  the subnet's first address. */
	const char *gateway;
	unsigned flags; /**< 0 or CTR_NET_INTERNAL */
} ctr_network_opts_t;

/** No route out: the bridge gets no address, nothing is masqueraded, no default route;
 *  the containers on it reach each other only. Ports cannot be published on it. */
#define CTR_NET_INTERNAL 0x1u

/** The network containers join when they publish ports without naming one. Created with
 *  the defaults the first time a container needs it. */
#define CTR_NETWORK_DEFAULT "ctr"

/**
 * Create a network. Its bridge is named "ctr" + 10 hex digits of a hash of the state
 * directory and the name (15 characters at most whatever the name) and is made by the
 * bridge plugin when the first container joins.
 * @param name the container-name syntax ([a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 63)
 * @return 0; CTR_E_INVAL (rt or name NULL, a bad name, unknown flags, a bad subnet or
 *   gateway, a subnet that overlaps another network's, naming both, or a route of the
 *   host; no free /24 left in 10.89.0.0/16); CTR_E_EXISTS (a network of that name);
 *   CTR_E_IO; CTR_E_STORE; CTR_E_NOMEM.
 */
CTR_API int ctr_network_create(ctr_runtime_t *rt, const char *name,
			       const ctr_network_opts_t *opts);

/**
 * Remove a network, its conflist, its leases directory and its bridge.
 * @param flags 0
 * @return 0; CTR_E_INVAL (an argument NULL, unknown flags); CTR_E_NOENT (no such
 *   network); CTR_E_BUSY (a container, in any state, is configured with it: the message
 *   names one); CTR_E_IO; CTR_E_STORE; CTR_E_NOMEM.
 */
CTR_API int ctr_network_remove(ctr_runtime_t *rt, const char *name, unsigned flags);

/**
 * The names of all networks, sorted.
 * @param[out] out_names NULL-terminated; release with ctr_strv_free()
 * @param[out] count their number (required)
 * @return 0; CTR_E_INVAL (an argument NULL); CTR_E_STORE; CTR_E_NOMEM.
 */
CTR_API int ctr_network_list(ctr_runtime_t *rt, char ***out_names, size_t *count);

/**
 * A network as JSON (docs/inspect.md): {"name", "subnet" ("A.B.C.D/N"), "gateway" (null
 * when internal), "bridge", "internal", "created" (ns), "conflist" (its path),
 * "containers": {ID: {"name", "ip", "mac"}}} — the containers whose run has joined it
 * now — and "configured": [ID, ...], every container configured with it, running or
 * not (those ctr_network_remove() refuses for).
 * @param[out] out_json release with ctr_free()
 * @return 0; CTR_E_INVAL (an argument NULL); CTR_E_NOENT (no such network); CTR_E_STORE;
 *   CTR_E_NOMEM.
 */
CTR_API int ctr_network_inspect(ctr_runtime_t *rt, const char *name, char **out_json);

/**
 * Join the container to a network (interfaces eth0, eth1, ... in the order of the calls).
 * A config with networks cannot have CTR_NETWORK_HOST (CTR_E_INVAL at ctr_create()). The
 * network must exist at ctr_create() (CTR_E_NOENT naming it), but CTR_NETWORK_DEFAULT,
 * which is created then if it does not exist.
 * @param name a network's name
 * @param ip a fixed IPv4 address in the network's subnet ("10.89.3.7"), checked at
 *   ctr_create(); NULL: the next free address at each run.
 * @return 0; CTR_E_INVAL (cfg or name NULL, a bad name or address, a network joined twice,
 *   more than 8 networks); CTR_E_NOMEM.
 */
CTR_API int ctr_config_add_network(ctr_config_t *cfg, const char *name, const char *ip);

/**
 * Publish a container port on the host (the portmap plugin: DNAT from the host's address
 * to the container's address on its first network). A config with ports and no network
 * joins CTR_NETWORK_DEFAULT.
 * @param host_ip an IPv4 address of the host ("127.0.0.1"); NULL: all of them
 * @param host_port 1..65535
 * @param container_port 1..65535
 * @param protocol "tcp" or "udp"; NULL: "tcp"
 * @return 0; CTR_E_INVAL (cfg NULL, a bad address, port or protocol, the same host port
 *   and protocol twice, more than 64 ports; at ctr_create(), an internal first network);
 *   CTR_E_NOMEM. At the run's start (ctr_init(), ctr_start()): CTR_E_BUSY when another
 *   container of this run directory publishes the host port, or a socket of the host is
 *   bound to it; the container is then left as it was.
 */
CTR_API int ctr_config_add_port(ctr_config_t *cfg, const char *host_ip, unsigned host_port,
				unsigned container_port, const char *protocol);

#ifdef __cplusplus
}
#endif

#endif /* CTR_NET_H */
