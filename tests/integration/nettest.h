/* Helpers of the network suites (test_network*.c); nettest.c defines them. The tests use
 * only subnets of 10.89.100.0/24 and up that they create (one /24 per test, so they do not
 * collide with each other nor with the default network), bridges made through those
 * networks, and 127.0.0.1 with ports from 18000 for published ports. */
#ifndef CTR_NETTEST_H
#define CTR_NETTEST_H

#include <json-c/json.h>
#include <stddef.h>

#include "ctr/ctr.h"

/* The fixture of the network suites: it_setup(), and at teardown every container of it_rt
 * is removed with CTR_FORCE and every network of it_rt removed, so no bridge or firewall
 * rule outlives a test; CTR_CNI_PATH is unset. A failed test exits without its teardown:
 * it_sweep_all() then removes its containers and networks (and the bridges nt_network()
 * listed in it_base()/bridges). */
void nt_setup(void);
void nt_teardown(void);

/* ctr_network_create() with these options (subnet, gateway NULL: the defaults), asserting
 * success. */
void nt_network(const char *name, const char *subnet, const char *gateway, unsigned flags);
/* ctr_network_inspect() parsed, asserting success (json_object_put it). */
json_object *nt_network_json(const char *name);
/* The network's bridge name into buf (asserting the network exists). */
void nt_bridge(const char *name, char *buf, size_t len);
/* A string member of a JSON object, or NULL (absent or not a string). */
const char *nt_str(json_object *obj, const char *key);

/* The container's member of "networks" in ctr_inspect(); ip, mac and gateway copied (""
 * when absent or null), prefix_length (-1 when absent). Asserts the member exists. */
typedef struct {
	char ip[64], mac[64], gateway[64];
	int prefix_length;
} nt_addr_t;
void nt_addr(ctr_container_t *c, const char *network, nt_addr_t *out);

/* it_config(script) joined to network (NULL: none) with the fixed address ip (or NULL). */
ctr_config_t *nt_config(const char *script, const char *network, const char *ip);

/* Write it_base()/io/rel (/shared/rel in the containers) with text, making its directory. */
void nt_write_shared(const char *rel, const char *text);
/* The content of it_base()/io/rel (malloc'd), asserting it exists. */
char *nt_read_shared(const char *rel);

/* The answer of an HTTP/1.0 GET of path from 127.0.0.1:port (malloc'd, headers and body),
 * retrying the connection until IT_GUARD_MS; NULL when it was never accepted. */
char *nt_http_get(unsigned port, const char *path);
/* A connection to 127.0.0.1:port is refused (or reset without an answer). */
int nt_port_closed(unsigned port);

/* How many lease files (named by an IPv4 address) RUN/net/leases/NETWORK holds, and how
 * many of those name container id (NULL: not counted). */
int nt_leases(const char *network, const char *id, int *of_id);
/* Interfaces attached to the bridge (/sys/class/net/BR/brif), -1 when there is no bridge. */
int nt_brif_count(const char *bridge);
/* veth interfaces of the host (`ip -o link show type veth`). */
int nt_veth_count(void);
/* Lines of `iptables-save` (all tables) that mention text. */
int nt_rules_with(const char *text);
/* The output of `iptables-save` (malloc'd). */
char *nt_rules(void);
/* Whether /sys/class/net/NAME exists. */
int nt_link_exists(const char *name);

/* Nothing of container id's network is left (waiting up to IT_GUARD_MS for teardowns done
 * in the background): no RUN/net/ID, no lease of it in network's lease directory, which
 * holds exactly `others` leases (the other containers running on it), no more than
 * `others` interfaces on the network's bridge (or no bridge), no iptables rule naming id;
 * and it_assert_no_traces(id). network NULL: only RUN/net/ID, the rules and the traces. */
void nt_assert_nothing_left(const char *id, const char *network, int others);

/* A directory it_base()/NAME holding executable fake plugins; the next nt_fake_plugin()
 * calls write into it. */
const char *nt_fake_dir(const char *name);
/* Write plugin (e.g. "bridge") into dir: for CNI_COMMAND ADD it runs the shell commands
 * body (stdin is the config), for anything else it execs the real /usr/lib/cni/plugin. */
void nt_fake_plugin(const char *dir, const char *plugin, const char *body);
/* A plugin body that fails as a CNI plugin does: the error JSON {"code":11,"msg":"fake
 * failure"} on stdout, exit status 1. */
#define NT_FAKE_FAILURE                                                                            \
	"cat >/dev/null; echo '{\"cniVersion\":\"1.0.0\",\"code\":11,\"msg\":\"fake failure\"}'; " \
	"exit 1"

/* A small script serving it_base()/io/www on port 80 with busybox httpd as the container's
 * process (PID 1: killed by the stop's SIGKILL after 1 s), touching /shared/ready first. */
#define NT_HTTPD "touch /shared/ready; exec httpd -f -p 80 -h /shared/www"
#define NT_PAGE	 "hello from the network\n"

#endif
