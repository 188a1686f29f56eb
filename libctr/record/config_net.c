/* A config's networks and published ports: ctr_config_add_network and ctr_config_add_port,
 * their JSON form ("networks": [{"name", "ip"}], "ports": [{"host_ip", "host_port",
 * "container_port", "protocol"}]) and the checks ctr_create makes of them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_impl.h"
#include "error.h"
#include "ipv4.h"
#include "json.h"
#include "util.h"

#define NETWORKS_MAX 8
#define PORTS_MAX 64

/* Append o (taken over) to the array *arr, made when NULL. */
static int append(const char *op, json_object **arr, json_object *o)
{
	if (!o || (!*arr && !(*arr = json_object_new_array())) ||
	    json_object_array_add(*arr, o) < 0) {
		json_object_put(o);
		return ctri_cfg_nomem(op);
	}
	return 0;
}

CTR_API int ctr_config_add_network(ctr_config_t *cfg, const char *name, const char *ip)
{
	static const char op[] = "ctr_config_add_network";
	uint32_t a;

	CTRI_CHECK_ARG(op, cfg);
	CTRI_CHECK_ARG(op, name);
	if (!ctri_is_name(name))
		return ctri_err(CTR_E_INVAL, "%s: invalid network name \"%s\"", op, name);
	if (ip && ctri_ipv4_parse(ip, &a) < 0)
		return ctri_err(CTR_E_INVAL, "%s: \"%s\" is not an IPv4 address", op, ip);
	size_t n = cfg->networks ? json_object_array_length(cfg->networks) : 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(ctri_json_str(json_object_array_get_idx(cfg->networks, i), "name"), name))
			return ctri_err(CTR_E_INVAL, "%s: network %s is joined twice", op, name);
	if (n >= NETWORKS_MAX)
		return ctri_err(CTR_E_INVAL, "%s: more than %d networks", op, NETWORKS_MAX);
	json_object *o = json_object_new_object();
	if (o && (ctri_json_add(o, "name", json_object_new_string(name)) < 0 ||
		  (ip && ctri_json_add(o, "ip", json_object_new_string(ip)) < 0))) {
		json_object_put(o);
		return ctri_cfg_nomem(op);
	}
	return append(op, &cfg->networks, o);
}

/* 1 if the two host addresses (NULL or "0.0.0.0": all) can take the same port. */
static int hosts_meet(const char *a, const char *b)
{
	if (!a || !b || !strcmp(a, "0.0.0.0") || !strcmp(b, "0.0.0.0"))
		return 1;
	return !strcmp(a, b);
}

int ctri_ports_clash(json_object *p, json_object *q)
{
	return ctri_json_int(p, "host_port", 0) == ctri_json_int(q, "host_port", 0) &&
	       !strcmp(ctri_json_str(p, "protocol") ?: "", ctri_json_str(q, "protocol") ?: "") &&
	       hosts_meet(ctri_json_str(p, "host_ip"), ctri_json_str(q, "host_ip"));
}

CTR_API int ctr_config_add_port(ctr_config_t *cfg, const char *host_ip, unsigned host_port,
				unsigned container_port, const char *protocol)
{
	static const char op[] = "ctr_config_add_port";
	uint32_t a;

	CTRI_CHECK_ARG(op, cfg);
	if (!protocol)
		protocol = "tcp";
	if (strcmp(protocol, "tcp") && strcmp(protocol, "udp"))
		return ctri_err(CTR_E_INVAL, "%s: protocol \"%s\" is neither tcp nor udp", op,
				protocol);
	if (host_ip && ctri_ipv4_parse(host_ip, &a) < 0)
		return ctri_err(CTR_E_INVAL, "%s: \"%s\" is not an IPv4 address", op, host_ip);
	if (host_port < 1 || host_port > 65535 || container_port < 1 || container_port > 65535)
		return ctri_err(CTR_E_INVAL, "%s: port %u:%u out of range 1..65535", op,
				host_port, container_port);
	json_object *o = json_object_new_object();
	if (!o || (host_ip && ctri_json_add(o, "host_ip", json_object_new_string(host_ip)) < 0) ||
	    ctri_json_add(o, "host_port", json_object_new_int((int)host_port)) < 0 ||
	    ctri_json_add(o, "container_port", json_object_new_int((int)container_port)) < 0 ||
	    ctri_json_add(o, "protocol", json_object_new_string(protocol)) < 0) {
		json_object_put(o);
		return ctri_cfg_nomem(op);
	}
	size_t n = cfg->ports ? json_object_array_length(cfg->ports) : 0;
	for (size_t i = 0; i < n; i++) {
		if (ctri_ports_clash(json_object_array_get_idx(cfg->ports, i), o)) {
			json_object_put(o);
			return ctri_err(CTR_E_INVAL, "%s: host port %u/%s is published twice", op,
					host_port, protocol);
		}
	}
	if (n >= PORTS_MAX) {
		json_object_put(o);
		return ctri_err(CTR_E_INVAL, "%s: more than %d ports", op, PORTS_MAX);
	}
	return append(op, &cfg->ports, o);
}

/* ---- the JSON form: each entry through the setter, so both check the same way --------- */

static int object_entries(json_object *v, const char *what)
{
	size_t n = json_object_array_length(v);

	for (size_t i = 0; i < n; i++)
		if (!json_object_is_type(json_object_array_get_idx(v, i), json_type_object))
			return ctri_err(CTR_E_INVAL, "%s[%zu] is not an object", what, i);
	return 0;
}

int ctri_config_read_networks(ctr_config_t *cfg, json_object *v)
{
	int r = object_entries(v, "networks");

	for (size_t i = 0; r == 0 && i < json_object_array_length(v); i++) {
		json_object *e = json_object_array_get_idx(v, i);
		if (!ctri_json_str(e, "name"))
			return ctri_err(CTR_E_INVAL, "networks[%zu] has no name", i);
		r = ctr_config_add_network(cfg, ctri_json_str(e, "name"), ctri_json_str(e, "ip"));
	}
	return r;
}

int ctri_config_read_ports(ctr_config_t *cfg, json_object *v)
{
	int r = object_entries(v, "ports");

	for (size_t i = 0; r == 0 && i < json_object_array_length(v); i++) {
		json_object *e = json_object_array_get_idx(v, i), *hp, *cp;
		if (!json_object_object_get_ex(e, "host_port", &hp) ||
		    !json_object_object_get_ex(e, "container_port", &cp) ||
		    !json_object_is_type(hp, json_type_int) || !json_object_is_type(cp, json_type_int))
			return ctri_err(CTR_E_INVAL, "ports[%zu] needs integers host_port and "
						     "container_port", i);
		int64_t h = json_object_get_int64(hp), c = json_object_get_int64(cp);
		r = ctr_config_add_port(cfg, ctri_json_str(e, "host_ip"), h < 0 || h > 65535 ? 0 : (unsigned)h,
					c < 0 || c > 65535 ? 0 : (unsigned)c, ctri_json_str(e, "protocol"));
	}
	return r;
}

int ctri_config_net_fill(json_object *o, const ctr_config_t *cfg)
{
	int r = 0;

	r |= cfg->networks ? ctri_json_add(o, "networks", ctri_json_copy(cfg->networks)) : 0;
	r |= cfg->ports ? ctri_json_add(o, "ports", ctri_json_copy(cfg->ports)) : 0;
	return r;
}

int ctri_config_net_check(const ctr_config_t *cfg)
{
	if ((cfg->networks || cfg->ports) && cfg->network == CTR_NETWORK_HOST)
		return ctri_cerr(cfg->name, "create", CTR_E_INVAL,
				 "the host's network (CTR_NETWORK_HOST) cannot go with %s",
				 cfg->networks ? "networks" : "published ports");
	return 0;
}
