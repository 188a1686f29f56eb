/* Networks as data (network.h): records, subnets, bridge names, conflists. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "error.h"
#include "ipv4.h"
#include "json.h"
#include "network.h"
#include "util.h"

/* The pool the default subnets come from, and their length. */
#define POOL "10.89.0.0/16"
#define AUTO_LEN 24

int ctri_network_name_ok(const char *name)
{
	return ctri_is_name(name) && strlen(name) <= CTRI_NETWORK_NAME_MAX;
}

int ctri_network_get(ctr_runtime_t *rt, const char *name, json_object **out)
{
	char key[sizeof(CTRI_KEY_NETWORK) + CTRI_NETWORK_NAME_MAX + 1];

	if (!ctri_network_name_ok(name))
		return ctri_err(CTR_E_NOENT, "no such network: %s", name);
	snprintf(key, sizeof(key), "%s%s", CTRI_KEY_NETWORK, name);
	int r = ctri_store_get(rt->store, key, out);
	if (r == CTR_E_NOENT)
		return ctri_err(CTR_E_NOENT, "no such network: %s", name);
	return r;
}

struct names {
	char **v;
	size_t n, cap;
	int nomem;
};

static int collect_name(const char *key, const char *val, size_t len, void *ud)
{
	struct names *a = ud;

	(void)val;
	(void)len;
	if (a->n + 1 >= a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 8;
		char **v = realloc(a->v, cap * sizeof(*v));
		if (!v)
			return a->nomem = 1;
		a->v = v;
		a->cap = cap;
	}
	if (!(a->v[a->n] = strdup(key)))
		return a->nomem = 1;
	a->v[++a->n] = NULL;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ctri_network_names(ctr_runtime_t *rt, char ***out, size_t *count)
{
	struct names a = { 0 };
	int r = ctri_store_each(rt->store, CTRI_KEY_NETWORK, collect_name, &a);

	if (r >= 0 && !a.nomem && !a.v && !(a.v = calloc(1, sizeof(char *))))
		a.nomem = 1;
	if (r < 0 || a.nomem) {
		ctri_strv_free(a.v);
		return r < 0 ? r : ctri_err(CTR_E_NOMEM, "out of memory");
	}
	qsort(a.v, a.n, sizeof(*a.v), by_name);
	*out = a.v;
	*count = a.n;
	return 0;
}

/* ---- planning a new network ------------------------------------------------------------ */

struct taken {
	struct ctri_cidr *nets;
	char (*names)[CTRI_NETWORK_NAME_MAX + 1]; /* a network's name, "" for a host route */
	size_t n, cap;
	int nomem;
};

static int take(struct taken *t, const struct ctri_cidr *c, const char *name)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		void *a = realloc(t->nets, cap * sizeof(*t->nets));
		if (a)
			t->nets = a;
		void *b = a ? realloc(t->names, cap * sizeof(*t->names)) : NULL;
		if (!b)
			return t->nomem = 1;
		t->names = b;
		t->cap = cap;
	}
	t->nets[t->n] = *c;
	snprintf(t->names[t->n++], sizeof(t->names[0]), "%s", name);
	return 0;
}

static int take_network(const char *key, const char *val, size_t len, void *ud)
{
	json_object *rec = json_tokener_parse(val);
	struct ctri_cidr c;
	const char *subnet = ctri_json_str(rec, "subnet");
	int r = 0;

	(void)len;
	if (subnet && ctri_cidr_parse(subnet, &c) == 0)
		r = take(ud, &c, key);
	json_object_put(rec);
	return r;
}

/* The subnets other networks and the host's routes use. */
static int taken_load(ctr_runtime_t *rt, struct taken *t)
{
	struct ctri_cidr *routes = NULL;
	size_t n = 0;
	int r = ctri_store_each(rt->store, CTRI_KEY_NETWORK, take_network, t);

	if (r < 0)
		return r;
	if ((r = ctri_host_routes(&routes, &n)) < 0)
		return r;
	for (size_t i = 0; i < n && !t->nomem; i++)
		take(t, &routes[i], "");
	free(routes);
	return t->nomem ? ctri_err(CTR_E_NOMEM, "out of memory") : 0;
}

static int check_subnet(const char *name, const char *subnet, const struct taken *t,
			struct ctri_cidr *out)
{
	char a[19];
	int r = ctri_cidr_parse(subnet, out);

	if (r == -EDOM)
		return ctri_err(CTR_E_INVAL, "network %s: subnet %s has host bits set", name,
				subnet);
	if (r < 0 || out->len < 8 || out->len > 30)
		return ctri_err(CTR_E_INVAL, "network %s: \"%s\" is not a subnet A.B.C.D/N with N "
					     "from 8 to 30", name, subnet);
	for (size_t i = 0; i < t->n; i++) {
		if (!ctri_cidr_overlap(out, &t->nets[i]))
			continue;
		ctri_cidr_str(&t->nets[i], a);
		if (t->names[i][0])
			return ctri_err(CTR_E_INVAL, "network %s: subnet %s overlaps network %s (%s)",
					name, subnet, t->names[i], a);
		return ctri_err(CTR_E_INVAL, "network %s: subnet %s overlaps the host's route to %s",
				name, subnet, a);
	}
	return 0;
}

static int pick_subnet(const char *name, const struct taken *t, struct ctri_cidr *out)
{
	struct ctri_cidr pool;

	ctri_cidr_parse(POOL, &pool);
	if (ctri_cidr_first_free(&pool, AUTO_LEN, t->nets, t->n, out) < 0)
		return ctri_err(CTR_E_INVAL, "network %s: no free /%d is left in %s", name,
				AUTO_LEN, POOL);
	return 0;
}

static int check_gateway(const char *name, const char *gateway, const struct ctri_cidr *net,
			 uint32_t *out)
{
	uint32_t bcast = net->addr | ~ctri_cidr_mask(net->len);

	if (ctri_ipv4_parse(gateway, out) < 0 || !ctri_cidr_has(net, *out) ||
	    *out == net->addr || *out == bcast) {
		char s[19];
		return ctri_err(CTR_E_INVAL, "network %s: gateway \"%s\" is not a host address of "
					     "subnet %s", name, gateway, ctri_cidr_str(net, s));
	}
	return 0;
}

/* "ctr" and 10 hex digits of sha256(STATE_DIR "\n" NAME): 13 characters. */
static void bridge_name(ctr_runtime_t *rt, const char *name, char out[16])
{
	struct ctri_sha256 h;
	char hex[65];

	ctri_sha256_init(&h);
	ctri_sha256_update(&h, rt->state_dir, strlen(rt->state_dir));
	ctri_sha256_update(&h, "\n", 1);
	ctri_sha256_update(&h, name, strlen(name));
	ctri_sha256_hex(&h, hex);
	snprintf(out, 16, "ctr%.10s", hex);
}

int ctri_network_plan(ctr_runtime_t *rt, const char *name, const ctr_network_opts_t *opts,
		      json_object **out)
{
	const char *subnet = CTRI_OPTS_GET(opts, subnet, NULL);
	const char *gateway = CTRI_OPTS_GET(opts, gateway, NULL);
	int internal = !!(CTRI_OPTS_GET(opts, flags, 0u) & CTR_NET_INTERNAL);
	struct taken t = { 0 };
	struct ctri_cidr net;
	uint32_t gw;
	char sub[19], gws[16], br[16];
	int r;

	if ((r = taken_load(rt, &t)) < 0)
		goto out;
	if ((r = subnet ? check_subnet(name, subnet, &t, &net) : pick_subnet(name, &t, &net)) < 0)
		goto out;
	gw = net.addr + 1;
	if (gateway && (r = check_gateway(name, gateway, &net, &gw)) < 0)
		goto out;
	bridge_name(rt, name, br);
	json_object *o = json_object_new_object();
	if (!o || ctri_json_add(o, "name", json_object_new_string(name)) < 0 ||
	    ctri_json_add(o, "subnet", json_object_new_string(ctri_cidr_str(&net, sub))) < 0 ||
	    json_object_object_add(o, "gateway", internal ? NULL
					: json_object_new_string(ctri_ipv4_str(gw, gws))) < 0 ||
	    ctri_json_add(o, "bridge", json_object_new_string(br)) < 0 ||
	    ctri_json_add(o, "internal", json_object_new_boolean(internal)) < 0 ||
	    ctri_json_add(o, "created", json_object_new_int64(ctri_now_ns())) < 0) {
		json_object_put(o);
		r = ctri_err(CTR_E_NOMEM, "out of memory");
		goto out;
	}
	*out = o;
out:
	free(t.nets);
	free(t.names);
	return r;
}

/* ---- the conflist ------------------------------------------------------------------------ */

json_object *ctri_network_conflist(json_object *rec)
{
	/* Every string in it is ours or checked: a name of [a-zA-Z0-9_.-], addresses we
	 * printed, the bridge's hex name. */
	const char *gw = ctri_json_str(rec, "gateway"), *routed = gw ? "true" : "false";
	char text[1024];

	snprintf(text, sizeof(text),
		 "{\"cniVersion\":\"%s\",\"name\":\"%s\",\"plugins\":["
		 "{\"type\":\"bridge\",\"bridge\":\"%s\",\"isGateway\":%s,\"ipMasq\":%s,"
		 "\"hairpinMode\":true,\"ipam\":{\"type\":\"host-local\","
		 "\"ranges\":[[{\"subnet\":\"%s\"%s%s%s}]]%s}}%s]}",
		 CTRI_CNI_VERSION, ctri_json_str(rec, "name"), ctri_json_str(rec, "bridge"), routed, routed,
		 ctri_json_str(rec, "subnet"), gw ? ",\"gateway\":\"" : "", gw ? gw : "",
		 gw ? "\"" : "", gw ? ",\"routes\":[{\"dst\":\"0.0.0.0/0\"}]" : "",
		 gw ? ",{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true},"
		      "\"snat\":true}"
		    : "");
	return json_tokener_parse(text);
}

char *ctri_network_conflist_path(ctr_runtime_t *rt, const char *name)
{
	return ctri_strdupf("%s/networks/%s.conflist", rt->state_dir, name);
}
