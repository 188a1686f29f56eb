/* A run's network (net_run.h): setup and teardown through the CNI plugins. */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cni.h"
#include "config.h"
#include "error.h"
#include "ipv4.h"
#include "json.h"
#include "net_files.h"
#include "net_run.h"
#include "netns.h"
#include "network.h"
#include "proc.h"
#include "runtime.h"
#include "util.h"

/* ---- the run's record of what was done ----------------------------------------------------- */

static int state_save(ctr_container_t *c, const char *op, const char *path, json_object *st)
{
	const char *text = json_object_to_json_string_ext(st, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE);
	int r = text ? ctri_write_file(path, text, strlen(text), 0600, 0) : -ENOMEM;

	if (r < 0)
		return ctri_cerr(c->name, op, r == -ENOMEM ? CTR_E_NOMEM : CTR_E_IO, "write %s: %s",
				 path, strerror(-r));
	return 0;
}

/* ---- published ports -------------------------------------------------------------------------- */

struct clash {
	json_object *ports; /* ours */
	char what[64];	    /* the one taken: "PORT/PROTO" */
};

/* Whether the container dir's recorded ports take one of ours. */
static int clash_with(ctr_runtime_t *rt, const char *id, struct clash *k)
{
	json_object *st = ctri_net_run_state(rt, id), *theirs;
	int hit = 0;

	if (json_object_object_get_ex(st, "ports", &theirs)) {
		for (size_t i = 0; !hit && i < ctri_json_len(theirs); i++) {
			json_object *t = json_object_array_get_idx(theirs, i);
			for (size_t j = 0; !hit && j < ctri_json_len(k->ports); j++) {
				json_object *m = json_object_array_get_idx(k->ports, j);
				if (!ctri_ports_clash(t, m))
					continue;
				hit = 1;
				snprintf(k->what, sizeof(k->what), "%lld/%s",
					 ctri_json_int(m, "host_port", 0), ctri_json_str(m, "protocol"));
			}
		}
	}
	json_object_put(st);
	return hit;
}

/* CTR_E_BUSY when another container of this run directory publishes one of the ports, or
 * a host socket holds one. Called under RUN/net/ports.lock. */
static int ports_free(ctr_container_t *c, const char *op, json_object *ports)
{
	struct clash k = { .ports = ports };
	char *dir = ctri_strdupf("%s/net", c->rt->run_dir);
	int r = 0;

	if (!dir)
		return ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
	DIR *d = opendir(dir);
	for (struct dirent *e; d && (e = readdir(d)) && !r;) {
		if (!ctri_is_id(e->d_name) || !strcmp(e->d_name, c->id))
			continue;
		if (clash_with(c->rt, e->d_name, &k))
			r = ctri_cerr(c->name, op, CTR_E_BUSY,
				      "host port %s is published by container %.12s", k.what,
				      e->d_name);
	}
	if (d)
		closedir(d);
	free(dir);
	for (size_t i = 0; r == 0 && i < ctri_json_len(ports); i++) {
		json_object *p = json_object_array_get_idx(ports, i);
		if ((r = ctri_port_probe(ctri_json_str(p, "host_ip"),
					 (unsigned)ctri_json_int(p, "host_port", 0),
					 !strcmp(ctri_json_str(p, "protocol") ?: "", "udp"))) < 0)
			r = ctri_cwrap(c->name, op, r);
	}
	return r;
}

/* Record the ports (under the ports lock, so two runs cannot both take one) in a new state
 * file. */
static int ports_take(ctr_container_t *c, const char *op, const char *state, json_object *ports)
{
	char *lock = ctri_strdupf("%s/net/ports.lock", c->rt->run_dir);
	int fd = lock ? open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600) : -1, r;

	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		r = ctri_cerr(c->name, op, CTR_E_IO, "lock %s: %m", lock ? lock : "ports.lock");
		goto out;
	}
	json_object *st = json_object_new_object();
	if (!st || ctri_json_add(st, "name", json_object_new_string(c->name)) < 0 ||
	    ctri_json_add(st, "ports", ports ? ctri_json_copy(ports)
						    : json_object_new_array()) < 0 ||
	    ctri_json_add(st, "networks", json_object_new_array()) < 0) {
		json_object_put(st);
		r = ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
		goto out;
	}
	if ((!ports || (r = ports_free(c, op, ports)) == 0))
		r = state_save(c, op, state, st);
	json_object_put(st);
out:
	if (fd >= 0)
		close(fd);
	free(lock);
	return r;
}

/* ---- ADD and DEL -------------------------------------------------------------------------------- */

/* portmap's runtimeConfig: {"portMappings": [{"hostPort", "containerPort", "protocol",
 * "hostIP"?}]} from the config's ports. NULL: out of memory. */
static json_object *port_mappings(json_object *ports)
{
	json_object *maps = json_object_new_array(), *rc = json_object_new_object();
	int r = !maps || !rc;

	for (size_t j = 0; !r && j < ctri_json_len(ports); j++) {
		json_object *q = json_object_array_get_idx(ports, j), *m = json_object_new_object();
		const char *hip = ctri_json_str(q, "host_ip");
		if (!m || ctri_json_add(m, "hostPort", json_object_new_int((int)ctri_json_int(
								q, "host_port", 0))) < 0 ||
		    ctri_json_add(m, "containerPort", json_object_new_int((int)ctri_json_int(
								   q, "container_port", 0))) < 0 ||
		    ctri_json_add(m, "protocol", json_object_new_string(ctri_json_str(q, "protocol"))) < 0 ||
		    (hip && ctri_json_add(m, "hostIP", json_object_new_string(hip)) < 0)) {
			json_object_put(m);
			r = 1;
		} else {
			r = ctri_json_push(maps, m) < 0;
		}
	}
	if (r || ctri_json_add(rc, "portMappings", maps) < 0) {
		if (r)
			json_object_put(maps);
		json_object_put(rc);
		return NULL;
	}
	return rc;
}

/* The plugins of a network as this run uses them: portmap only with ports (on the first
 * network), the leases in this run directory, each with the list's version and name. */
static json_object *plugins_for(ctr_container_t *c, json_object *conflist, json_object *ports)
{
	json_object *all, *out = json_object_new_array();
	char *leases = ctri_strdupf("%s/net/leases", c->rt->run_dir);
	int r = !out || !leases || !json_object_object_get_ex(conflist, "plugins", &all);

	for (size_t i = 0; !r && i < ctri_json_len(all); i++) {
		json_object *p = ctri_json_copy(json_object_array_get_idx(all, i)), *ipam;
		const char *type = ctri_json_str(p, "type");
		if (!p || !type) {
			json_object_put(p);
			r = 1;
			break;
		}
		if (!strcmp(type, "portmap") && !ports) {
			json_object_put(p);
			continue;
		}
		if (json_object_object_get_ex(p, "ipam", &ipam))
			r |= ctri_json_add(ipam, "dataDir", json_object_new_string(leases));
		if (!strcmp(type, "portmap"))
			r |= ctri_json_add(p, "runtimeConfig", port_mappings(ports));
		r |= ctri_json_add(p, "cniVersion", json_object_new_string(CTRI_CNI_VERSION));
		r |= ctri_json_add(p, "name", json_object_new_string(ctri_json_str(conflist, "name")));
		r |= ctri_json_push(out, p);
	}
	free(leases);
	if (r) {
		json_object_put(out);
		return NULL;
	}
	return out;
}

static int network_conflist(ctr_container_t *c, const char *op, const char *name,
			    json_object **out)
{
	char *path = ctri_network_conflist_path(c->rt, name);
	int r = path ? ctri_net_state_load(path, out) : CTR_E_NOMEM;

	if (r == CTR_E_NOENT)
		r = ctri_cerr(c->name, op, CTR_E_NOENT, "network %s has no conflist %s (removed?)",
			      name, path);
	else if (r < 0)
		r = ctri_cwrap(c->name, op, r);
	free(path);
	return r;
}

static void call_for(ctr_container_t *c, json_object *net, const char *netns, int hold,
		     const char *cmd, char *args, size_t len, struct ctri_cni_call *call)
{
	const char *ip = ctri_json_str(net, "fixed_ip");

	snprintf(args, len, "IgnoreUnknown=1;IP=%s", ip ? ip : "");
	*call = (struct ctri_cni_call){ .command = cmd, .container = c->id, .netns = netns,
					.ifname = ctri_json_str(net, "ifname"),
					.args = ip ? args : NULL, .timeout_ms = c->rt->timeout_ms,
					.hold_fd = hold };
}

/* One plugin's config as run: the list's entry i, with prevResult when there is one. */
static json_object *plugin_conf(json_object *net, size_t i, json_object *prev)
{
	json_object *plugins, *p;

	json_object_object_get_ex(net, "plugins", &plugins);
	p = ctri_json_copy(json_object_array_get_idx(plugins, i));
	if (p && prev && ctri_json_add(p, "prevResult", ctri_json_copy(prev)) < 0) {
		json_object_put(p);
		return NULL;
	}
	return p;
}

/* The ADDs of one network (state's last entry), recorded in the state file as they go. */
static int add_network(ctr_container_t *c, const char *op, const char *state_path,
		       json_object *st, json_object *net, const char *netns, int hold)
{
	json_object *plugins, *result = NULL;
	struct ctri_cni_call call;
	char args[64];
	int r = 0;

	json_object_object_get_ex(net, "plugins", &plugins);
	call_for(c, net, netns, hold, "ADD", args, sizeof(args), &call);
	for (size_t i = 0; r == 0 && i < ctri_json_len(plugins); i++) {
		json_object_object_add(net, "started", json_object_new_int((int)i + 1));
		if ((r = state_save(c, op, state_path, st)) < 0)
			break;
		json_object *conf = plugin_conf(net, i, result), *res = NULL;
		if (!conf) {
			r = ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
			break;
		}
		r = ctri_cni_exec(c->name, op, conf, &call, &res);
		json_object_put(conf);
		if (r < 0)
			break;
		json_object_object_add(net, "result", res);
		result = res;
	}
	return r < 0 ? r : state_save(c, op, state_path, st);
}

/* The DELs of one network, last plugin first, each with the last ADD's result. */
static int del_network(ctr_container_t *c, const char *op, json_object *net, const char *netns,
		       int hold, int force)
{
	json_object *plugins, *result = NULL;
	struct ctri_cni_call call;
	char args[64];
	int r = 0;

	json_object_object_get_ex(net, "plugins", &plugins);
	json_object_object_get_ex(net, "result", &result);
	call_for(c, net, netns, hold, "DEL", args, sizeof(args), &call);
	size_t n = (size_t)ctri_json_int(net, "started", 0);
	if (n > ctri_json_len(plugins))
		n = ctri_json_len(plugins);
	while (n-- > 0) {
		json_object *conf = plugin_conf(net, n, result);
		int e = conf ? ctri_cni_exec(c->name, op, conf, &call, NULL)
			     : ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
		json_object_put(conf);
		if (e < 0 && r == 0)
			r = e;
		if (e < 0 && !force)
			break;
	}
	return r;
}

/* ---- setup and teardown ----------------------------------------------------------------------- */

static int paths(ctr_container_t *c, const char *op, char **dir, char **state, char **ns)
{
	*dir = ctri_strdupf("%s/net/%s", c->rt->run_dir, c->id);
	*state = ctri_strdupf("%s/net/%s/state", c->rt->run_dir, c->id);
	*ns = ctri_strdupf("%s/net/%s/ns", c->rt->run_dir, c->id);
	if (*dir && *state && *ns)
		return 0;
	free(*dir);
	free(*state);
	free(*ns);
	return ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
}

/* The plugins' hold: a flock on DIR/busy, taken for a run's setup or teardown and inherited
 * by every plugin it runs (and their children), so that the plugins of a caller killed
 * meanwhile keep it until they end. The next setup or teardown waits for them (up to the
 * runtime timeout) instead of running a DEL beside a dead caller's ADD. Returns the
 * descriptor (> 9, for ctri_spawn's pass), or CTR_E_BUSY when it stays taken, CTR_E_IO. */
static int hold_take(ctr_container_t *c, const char *op, const char *dir)
{
	char *path = ctri_strdupf("%s/busy", dir);
	int fd = path ? open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600) : -1, held = -1;
	long long deadline = ctri_mono_ms() + c->rt->timeout_ms;

	if (fd < 0) {
		held = ctri_cerr(c->name, op, CTR_E_IO, "open %s: %m", path ? path : dir);
		goto out;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			held = ctri_cerr(c->name, op, CTR_E_IO, "lock %s: %m", path);
			goto out;
		}
		if (ctri_mono_ms() >= deadline) {
			held = ctri_cerr(c->name, op, CTR_E_BUSY, "a CNI plugin of an interrupted "
								   "operation still runs (%s is locked)", path);
			goto out;
		}
		usleep(10000);
	}
	if ((held = fcntl(fd, F_DUPFD_CLOEXEC, 10)) < 0)
		held = ctri_cerr(c->name, op, CTR_E_IO, "dup: %m");
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return held;
}

/* The entry of network i of the config in the state file, before its first ADD. */
static json_object *net_entry(ctr_container_t *c, const char *op, json_object *joined,
			      size_t i, json_object *ports, int *r)
{
	const char *name = ctri_json_str(joined, "name"), *ip = ctri_json_str(joined, "ip");
	json_object *conflist = NULL, *e = NULL, *plugins;
	char ifname[16];

	if ((*r = network_conflist(c, op, name, &conflist)) < 0)
		return NULL;
	snprintf(ifname, sizeof(ifname), "eth%u", (unsigned)(i % 100));
	plugins = plugins_for(c, conflist, i == 0 ? ports : NULL);
	/* host-local reports the subnet's first address as the gateway even when no bridge
	 * holds it: an internal network (a bridge that is no gateway) has none. */
	json_object *first = plugins ? json_object_array_get_idx(plugins, 0) : NULL;
	int internal = first && !ctri_json_bool(first, "isGateway");
	e = json_object_new_object();
	if (!plugins || !e || ctri_json_add(e, "name", json_object_new_string(name)) < 0 ||
	    ctri_json_add(e, "ifname", json_object_new_string(ifname)) < 0 ||
	    (ip && ctri_json_add(e, "fixed_ip", json_object_new_string(ip)) < 0) ||
	    (internal && ctri_json_add(e, "internal", json_object_new_boolean(1)) < 0) ||
	    ctri_json_add(e, "plugins", plugins) < 0) {
		json_object_put(e);
		e = NULL;
		*r = ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
	}
	json_object_put(conflist);
	return e;
}

static int setup(ctr_container_t *c, const char *op, json_object *nets, json_object *ports,
		 const char *dir, const char *state, const char *ns, int hold)
{
	json_object *st = NULL, *done;
	int r;

	if ((r = ports_take(c, op, state, ports)) < 0 || (r = ctri_net_state_load(state, &st)) < 0)
		return r;
	if ((r = ctri_netns_make(ns)) < 0) {
		r = ctri_cwrap(c->name, op, r);
		goto out;
	}
	json_object_object_get_ex(st, "networks", &done);
	for (size_t i = 0; r == 0 && i < ctri_json_len(nets); i++) {
		json_object *e = net_entry(c, op, json_object_array_get_idx(nets, i), i, ports, &r);
		if (e && json_object_array_add(done, e) < 0) {
			json_object_put(e);
			r = ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
		}
		if (r == 0)
			r = add_network(c, op, state, st, e, ns, hold);
	}
	if (r == 0)
		r = ctri_net_files(c, op, dir, ns, st);
out:
	json_object_put(st);
	return r;
}

int ctri_net_setup(ctr_container_t *c, const char *op)
{
	json_object *cfg = NULL, *nets, *ports = NULL;
	char *dir = NULL, *state = NULL, *ns = NULL, *top = NULL;
	int r = ctri_container_config(c, op, &cfg);

	if (r < 0 || !json_object_object_get_ex(cfg, "networks", &nets))
		goto out;
	json_object_object_get_ex(cfg, "ports", &ports);
	if ((r = paths(c, op, &dir, &state, &ns)) < 0 || (r = ctri_net_teardown(c, op, 0)) < 0)
		goto out; /* a run's network left over, which the ports of this one may need */
	if (!(top = ctri_strdupf("%s/net", c->rt->run_dir))) {
		r = ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
		goto out;
	}
	if (ctri_mkdir_p(top, 0700) < 0 || mkdir(dir, 0700) < 0) {
		r = ctri_cerr(c->name, op, CTR_E_IO, "mkdir %s: %m", dir);
		goto out;
	}
	int hold = hold_take(c, op, dir);
	if ((r = hold) < 0 || (r = setup(c, op, nets, ports, dir, state, ns, hold)) < 0) {
		char why[1024]; /* the cause, not what undoing it says */
		snprintf(why, sizeof(why), "%s", ctr_last_error());
		if (hold >= 0)
			close(hold); /* the teardown takes it again */
		hold = -1;
		ctri_net_teardown(c, op, 1);
		ctri_err(r, "%s", why);
	}
	if (hold >= 0)
		close(hold);
out:
	free(dir);
	free(state);
	free(ns);
	free(top);
	json_object_put(cfg);
	return r;
}

int ctri_net_teardown(ctr_container_t *c, const char *op, int force)
{
	char *dir, *state, *ns;
	json_object *st = NULL, *nets;
	int r = paths(c, op, &dir, &state, &ns);

	if (r < 0)
		return r;
	if (access(dir, F_OK) < 0 && errno == ENOENT)
		goto out; /* no network, or none left */
	r = ctri_net_state_load(state, &st);
	if (r < 0 && r != CTR_E_NOENT && !force) {
		r = ctri_cwrap(c->name, op, r);
		goto out;
	}
	/* A dead caller's plugins may still run: they end (or time out) first. */
	int hold = hold_take(c, op, dir);
	if (hold < 0 && !force) {
		r = hold;
		goto out;
	}
	r = 0;
	const char *held = ctri_netns_held(ns) ? ns : NULL;
	if (json_object_object_get_ex(st, "networks", &nets)) {
		for (size_t i = ctri_json_len(nets); i-- > 0 && (r == 0 || force);) {
			int e = del_network(c, op, json_object_array_get_idx(nets, i), held,
					    hold < 0 ? -1 : hold, force);
			if (r == 0)
				r = e;
		}
	}
	if (hold >= 0)
		close(hold);
	if (r < 0 && !force)
		goto out; /* kept for the next try */
	r = 0;
	if ((r = ctri_netns_release(ns)) < 0)
		r = ctri_cwrap(c->name, op, r);
	else if (ctri_rm_rf(dir) < 0)
		r = ctri_cerr(c->name, op, CTR_E_IO, "remove %s: %m", dir);
out:
	json_object_put(st);
	free(dir);
	free(state);
	free(ns);
	return r;
}
