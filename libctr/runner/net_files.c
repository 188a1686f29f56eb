/* A run's network files (net_files.h) and what inspect shows of a run's networks. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json.h"
#include "net_files.h"
#include "runtime.h"
#include "spec.h"
#include "util.h"

#define RESOLV_MAX (64 << 10)
#define STATE_MAX (1 << 20)

int ctri_net_state_load(const char *path, json_object **out)
{
	char *text = NULL;
	int r = ctri_read_file(path, STATE_MAX, &text, NULL);

	if (r < 0)
		return r == -ENOENT ? CTR_E_NOENT : ctri_err(CTR_E_IO, "read %s: %s", path, strerror(-r));
	*out = json_tokener_parse(text);
	free(text);
	if (!json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		return ctri_err(CTR_E_STORE, "%s is damaged", path);
	}
	return 0;
}

/* The container's side of a network entry of the state file, once its ADDs are done. */
struct addr {
	char ip[16], gateway[16], mac[24];
	int prefix;
};

/* 1 and *a when the entry's result has the container's address, else 0. */
static int entry_addr(json_object *net, struct addr *a)
{
	json_object *res, *ifs, *ips;
	const char *ifname = ctri_json_str(net, "ifname");
	long long k = -1;

	memset(a, 0, sizeof(*a));
	if (!json_object_object_get_ex(net, "result", &res) ||
	    !json_object_object_get_ex(res, "ips", &ips) ||
	    !json_object_is_type(ips, json_type_array))
		return 0;
	if (json_object_object_get_ex(res, "interfaces", &ifs)) {
		for (size_t i = 0; i < ctri_json_len(ifs); i++) {
			json_object *f = json_object_array_get_idx(ifs, i);
			const char *n = ctri_json_str(f, "name"), *mac = ctri_json_str(f, "mac");
			if (n && ifname && !strcmp(n, ifname) && ctri_json_str(f, "sandbox")) {
				k = (long long)i;
				snprintf(a->mac, sizeof(a->mac), "%s", mac ? mac : "");
			}
		}
	}
	for (size_t i = 0; i < ctri_json_len(ips); i++) {
		json_object *ip = json_object_array_get_idx(ips, i);
		const char *addr = ctri_json_str(ip, "address"), *gw = ctri_json_str(ip, "gateway");
		if (!addr || (k >= 0 && ctri_json_int(ip, "interface", k) != k) || strchr(addr, ':'))
			continue;
		const char *slash = strchr(addr, '/');
		snprintf(a->ip, sizeof(a->ip), "%.*s", slash ? (int)(slash - addr) : (int)strlen(addr),
			 addr);
		a->prefix = slash ? atoi(slash + 1) : 32;
		snprintf(a->gateway, sizeof(a->gateway), "%s",
			 gw && !ctri_json_bool(net, "internal") ? gw : "");
		return 1;
	}
	return 0;
}

/* ---- hosts and resolv.conf ------------------------------------------------------------------- */

static int hosts_write(ctr_container_t *c, const char *op, const char *path, const char *hostname,
		       json_object *nets)
{
	char text[4096];
	size_t n = (size_t)snprintf(text, sizeof(text),
				    "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
	struct addr a;

	for (size_t i = 0; i < ctri_json_len(nets) && n < sizeof(text); i++) {
		if (!entry_addr(json_object_array_get_idx(nets, i), &a))
			continue;
		int same = !strcmp(hostname, c->name);
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\t%s%s%s\n", a.ip, hostname,
				      same ? "" : " ", same ? "" : c->name);
		break; /* the first network's address is the name's */
	}
	int r = n < sizeof(text) ? ctri_write_file(path, text, n, 0644, 0) : -ENAMETOOLONG;
	return r < 0 ? ctri_cerr(c->name, op, CTR_E_IO, "write %s: %s", path, strerror(-r)) : 0;
}

/* The host's resolv.conf without loopback name servers (a local resolver is not reachable
 * from the container's namespace). */
static int resolv_write(ctr_container_t *c, const char *op, const char *path)
{
	char *host = NULL, *out;
	size_t len = 0, n = 0;
	int r = ctri_read_file("/etc/resolv.conf", RESOLV_MAX, &host, &len);

	if (r < 0 && r != -ENOENT)
		return ctri_cerr(c->name, op, CTR_E_IO, "read /etc/resolv.conf: %s", strerror(-r));
	if (!(out = malloc(len + 2))) { /* a last line without its newline gets one */
		free(host);
		return ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
	}
	for (char *save = NULL, *l = host ? strtok_r(host, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		const char *v = l + strspn(l, " \t");
		if (!strncmp(v, "nameserver", 10)) {
			v += 10 + strspn(v + 10, " \t");
			if (!strncmp(v, "127.", 4) || !strncmp(v, "::1", 3))
				continue;
		}
		n += (size_t)sprintf(out + n, "%s\n", l);
	}
	free(host);
	r = ctri_write_file(path, out, n, 0644, 0);
	free(out);
	return r < 0 ? ctri_cerr(c->name, op, CTR_E_IO, "write %s: %s", path, strerror(-r)) : 0;
}

/* ---- the spec ---------------------------------------------------------------------------------- */

static int has_mount(json_object *mounts, const char *dest)
{
	for (size_t i = 0; i < ctri_json_len(mounts); i++)
		if (!strcmp(ctri_json_str(json_object_array_get_idx(mounts, i), "destination") ?: "",
			    dest))
			return 1;
	return 0;
}

/* linux.namespaces' network entry gets path; /etc/hosts and /etc/resolv.conf are bound. */
static int spec_join(json_object *spec, const char *ns, const char *dir)
{
	static const char *const files[] = { "hosts", "resolv.conf" };
	static const char *const opts[] = { "bind", "rprivate", NULL };
	json_object *linux_, *nss, *mounts;
	int r = 0, found = 0;

	if (!json_object_object_get_ex(spec, "linux", &linux_) ||
	    !json_object_object_get_ex(linux_, "namespaces", &nss) ||
	    !json_object_object_get_ex(spec, "mounts", &mounts))
		return -EINVAL;
	for (size_t i = 0; i < ctri_json_len(nss); i++) {
		json_object *e = json_object_array_get_idx(nss, i);
		if (!strcmp(ctri_json_str(e, "type") ?: "", "network")) {
			r |= ctri_json_add(e, "path", json_object_new_string(ns));
			found = 1;
		}
	}
	if (!found)
		return -EINVAL;
	for (size_t i = 0; i < 2; i++) {
		char dest[32], *src = ctri_strdupf("%s/%s", dir, files[i]);
		snprintf(dest, sizeof(dest), "/etc/%s", files[i]);
		if (!has_mount(mounts, dest))
			r |= src ? ctri_json_push(mounts, ctri_json_mount(src, dest, "bind", opts)) : -1;
		free(src);
	}
	return r ? -ENOMEM : 0;
}

int ctri_net_files(ctr_container_t *c, const char *op, const char *dir, const char *ns,
		   json_object *st)
{
	json_object *spec = NULL, *nets = NULL;
	char bundle[4200], *hosts = ctri_strdupf("%s/hosts", dir);
	char *resolv = ctri_strdupf("%s/resolv.conf", dir);
	int r;

	ctri_bundle_path(c, "", bundle, sizeof(bundle));
	if (!hosts || !resolv) {
		r = ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
		goto out;
	}
	if ((r = ctri_spec_load(bundle, &spec)) < 0) {
		r = ctri_cwrap(c->name, op, r);
		goto out;
	}
	json_object_object_get_ex(st, "networks", &nets);
	const char *hostname = ctri_json_str(spec, "hostname");
	if ((r = hosts_write(c, op, hosts, hostname ? hostname : c->name, nets)) < 0 ||
	    (r = resolv_write(c, op, resolv)) < 0)
		goto out;
	if ((r = spec_join(spec, ns, dir)) < 0) {
		r = ctri_cerr(c->name, op, r == -ENOMEM ? CTR_E_NOMEM : CTR_E_STORE,
			      r == -ENOMEM ? "out of memory"
					   : "the spec in %s has no network namespace to join",
			      bundle);
		goto out;
	}
	if ((r = ctri_spec_save(bundle, spec)) < 0)
		r = ctri_cwrap(c->name, op, r);
out:
	json_object_put(spec);
	free(hosts);
	free(resolv);
	return r;
}

/* ---- inspect ------------------------------------------------------------------------------------- */

static json_object *str_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

static json_object *addr_object(const struct addr *a)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "ip", str_or_null(a->ip));
	json_object_object_add(o, "mac", str_or_null(a->mac));
	json_object_object_add(o, "gateway", str_or_null(a->gateway));
	json_object_object_add(o, "prefix_length", a->prefix ? json_object_new_int(a->prefix) : NULL);
	return o;
}

json_object *ctri_net_run_state(ctr_runtime_t *rt, const char *id)
{
	char *path = ctri_strdupf("%s/net/%s/state", rt->run_dir, id);
	json_object *st = NULL;

	if (path && ctri_net_state_load(path, &st) < 0)
		st = NULL;
	free(path);
	return st;
}

int ctri_net_inspect(ctr_container_t *c, json_object *config, json_object *out)
{
	json_object *nets, *ports, *st = NULL, *done = NULL, *o;
	int r = 0;

	if (!json_object_object_get_ex(config, "networks", &nets))
		return 0;
	if ((st = ctri_net_run_state(c->rt, c->id)))
		json_object_object_get_ex(st, "networks", &done);
	o = json_object_new_object();
	r |= ctri_json_add(out, "networks", o);
	for (size_t i = 0; o && i < ctri_json_len(nets); i++) {
		const char *name = ctri_json_str(json_object_array_get_idx(nets, i), "name");
		struct addr a = { .prefix = 0 };
		for (size_t j = 0; done && j < ctri_json_len(done); j++) {
			json_object *e = json_object_array_get_idx(done, j);
			if (!strcmp(ctri_json_str(e, "name") ?: "", name) && entry_addr(e, &a))
				break;
		}
		r |= ctri_json_add(o, name, addr_object(&a));
	}
	/* The config's, each with its host address ("0.0.0.0": all of them). */
	json_object *pub = json_object_object_get_ex(config, "ports", &ports) ? ctri_json_copy(ports)
									     : json_object_new_array();
	for (size_t i = 0; pub && i < ctri_json_len(pub); i++) {
		json_object *p = json_object_array_get_idx(pub, i);
		if (!ctri_json_str(p, "host_ip"))
			r |= ctri_json_add(p, "host_ip", json_object_new_string("0.0.0.0"));
	}
	r |= ctri_json_add(out, "ports", pub);
	json_object_put(st);
	return r ? ctri_cerr(c->name, "inspect", CTR_E_NOMEM, "out of memory") : 0;
}

int ctri_net_joined(ctr_runtime_t *rt, const char *name, json_object *out)
{
	char *dir = ctri_strdupf("%s/net", rt->run_dir);
	DIR *d = dir ? opendir(dir) : NULL;
	int r = dir ? 0 : -1;

	for (struct dirent *e; d && (e = readdir(d)) && r == 0;) {
		json_object *st, *nets;
		struct addr a;
		if (!ctri_is_id(e->d_name) || !(st = ctri_net_run_state(rt, e->d_name)))
			continue;
		if (!json_object_object_get_ex(st, "networks", &nets))
			nets = NULL;
		for (size_t i = 0; nets && i < ctri_json_len(nets); i++) {
			json_object *n = json_object_array_get_idx(nets, i);
			if (!strcmp(ctri_json_str(n, "name") ?: "", name) && entry_addr(n, &a)) {
				json_object *o = addr_object(&a);
				const char *cname = ctri_json_str(st, "name");
				json_object_object_del(o, "gateway");
				json_object_object_del(o, "prefix_length");
				if (o) /* null for a run recorded without its name */
					json_object_object_add(o, "name", str_or_null(cname));
				r |= ctri_json_add(out, e->d_name, o);
			}
		}
		json_object_put(st);
	}
	if (d)
		closedir(d);
	free(dir);
	return r ? ctri_err(CTR_E_NOMEM, "out of memory") : 0;
}
