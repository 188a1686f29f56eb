/* Networks as objects (ctr/net.h): create, list, inspect and remove, with explicit and
 * default subnets, internal networks, the conflist and the bridge; and the input each
 * function refuses, up to ctr_create() and ctr_network_remove() of a network in use. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"
#include "nettest.h"

/* The networks ctr_network_list() gives, joined with ',' into buf; asserts count agrees. */
static void list_networks(char *buf, size_t len)
{
	char **names = NULL;
	size_t count = 99, n = 0;

	IT_OK(ctr_network_list(it_rt, &names, &count));
	buf[0] = '\0';
	for (; names[n]; n++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", n ? "," : "", names[n]);
	ck_assert_uint_eq(count, n);
	ctr_strv_free(names);
}

static int conflist_exists(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/state/networks/%s.conflist", it_base(), name);
	return access(path, F_OK) == 0;
}

/* The network's members as the header documents them; the conflist is valid JSON. */
static void assert_network(const char *name, const char *subnet, const char *gateway, int internal)
{
	json_object *net = nt_network_json(name), *v;
	char want[PATH_MAX];

	ck_assert_str_eq(nt_str(net, "name"), name);
	if (subnet)
		ck_assert_str_eq(nt_str(net, "subnet"), subnet);
	ck_assert_msg(json_object_object_get_ex(net, "gateway", &v), "no \"gateway\"");
	if (gateway)
		ck_assert_str_eq(nt_str(net, "gateway"), gateway);
	else
		ck_assert_msg(json_object_is_type(v, json_type_null), "gateway %s, expected null",
			      json_object_to_json_string(v));
	ck_assert_msg(json_object_object_get_ex(net, "internal", &v) &&
			  json_object_is_type(v, json_type_boolean),
		      "no boolean \"internal\"");
	ck_assert_int_eq(json_object_get_boolean(v), internal);
	const char *br = nt_str(net, "bridge");
	ck_assert_msg(br && !strncmp(br, "ctr", 3) && strlen(br) <= 15, "bridge \"%s\"", br);
	ck_assert_msg(json_object_object_get_ex(net, "created", &v) &&
			  json_object_get_int64(v) > 1000000000LL * 1000000000LL,
		      "\"created\" is not a time in ns");
	snprintf(want, sizeof(want), "%s/state/networks/%s.conflist", it_base(), name);
	ck_assert_str_eq(nt_str(net, "conflist"), want);
	json_object *conf = json_object_from_file(want);
	ck_assert_msg(conf != NULL, "%s is not JSON", want);
	json_object_put(conf);
	ck_assert_msg(json_object_object_get_ex(net, "containers", &v) &&
			  json_object_is_type(v, json_type_object) &&
			  json_object_object_length(v) == 0,
		      "\"containers\" is not {}");
	ck_assert_msg(json_object_object_get_ex(net, "configured", &v) &&
			  json_object_is_type(v, json_type_array) &&
			  json_object_array_length(v) == 0,
		      "\"configured\" is not []");
	json_object_put(net);
}

START_TEST(test_create_list_inspect_remove)
{
	char list[512], subnet_c[32], subnet_d[32], bridge_a[32], bridge_b[32];

	nt_network("alpha", "10.89.100.0/24", "10.89.100.254", 0);
	nt_network("beta", "10.89.101.0/25", NULL, 0);
	assert_network("alpha", "10.89.100.0/24", "10.89.100.254", 0);
	assert_network("beta", "10.89.101.0/25", "10.89.101.1", 0);

	/* Default subnets: a free /24 of 10.89.0.0/16 each, never the same. */
	IT_OK(ctr_network_create(it_rt, "gamma", NULL));
	CTR_OPTS(ctr_network_opts_t, none);
	IT_OK(ctr_network_create(it_rt, "delta", &none));
	for (int i = 0; i < 2; i++) {
		json_object *net = nt_network_json(i ? "delta" : "gamma");
		char *subnet = i ? subnet_d : subnet_c;
		unsigned a, b;
		snprintf(subnet, sizeof(subnet_c), "%s", nt_str(net, "subnet"));
		ck_assert_msg(sscanf(subnet, "10.89.%u.0/24", &a) == 1 && a < 256,
			      "default subnet %s is not a /24 of 10.89.0.0/16", subnet);
		ck_assert_msg(a != 100 && a != 101, "default subnet %s overlaps another", subnet);
		ck_assert_int_eq(sscanf(nt_str(net, "gateway"), "10.89.%u.1", &b), 1);
		ck_assert_uint_eq(a, b);
		json_object_put(net);
	}
	ck_assert_str_ne(subnet_c, subnet_d);

	nt_network("eps", "10.89.102.0/24", NULL, CTR_NET_INTERNAL);
	assert_network("eps", "10.89.102.0/24", NULL, 1);

	list_networks(list, sizeof(list));
	ck_assert_str_eq(list, "alpha,beta,delta,eps,gamma");
	nt_bridge("alpha", bridge_a, sizeof(bridge_a));
	nt_bridge("beta", bridge_b, sizeof(bridge_b));
	ck_assert_str_ne(bridge_a, bridge_b);

	/* The bridge is made when the first container joins. */
	ck_assert(!nt_link_exists(bridge_a));

	const char *const all[] = { "alpha", "beta", "delta", "eps", "gamma" };
	for (size_t i = 0; i < 5; i++) {
		char *json = NULL;
		ck_assert(conflist_exists(all[i]));
		IT_OK(ctr_network_remove(it_rt, all[i], 0));
		ck_assert(!conflist_exists(all[i]));
		IT_FAILS(ctr_network_inspect(it_rt, all[i], &json), CTR_E_NOENT);
		IT_FAILS(ctr_network_remove(it_rt, all[i], 0), CTR_E_NOENT);
		IT_SAYS(all[i]);
	}
	list_networks(list, sizeof(list));
	ck_assert_str_eq(list, "");
}
END_TEST

/* A network's bridge exists once a container has run on it, and goes with the network,
 * with the leases directory. */
START_TEST(test_remove_deletes_the_bridge_and_the_leases)
{
	char bridge[32], leases[PATH_MAX];

	nt_network("brnet", "10.89.103.0/24", NULL, 0);
	nt_bridge("brnet", bridge, sizeof(bridge));
	ctr_container_t *c = it_create(it_rt, nt_config("exit 0", "brnet", NULL));
	IT_OK(ctr_start(c, 0));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	IT_OK(ctr_cleanup(c));
	ck_assert_msg(nt_link_exists(bridge), "no bridge %s after a run", bridge);
	nt_assert_nothing_left(ctr_id(c), "brnet", 0);

	/* Still configured with it: the network is busy. */
	IT_FAILS(ctr_network_remove(it_rt, "brnet", 0), CTR_E_BUSY);
	IT_OK(ctr_remove(c, 0));
	IT_OK(ctr_network_remove(it_rt, "brnet", 0));
	ck_assert_msg(!nt_link_exists(bridge), "bridge %s left after the network's remove", bridge);
	snprintf(leases, sizeof(leases), "%s/run/net/leases/brnet", it_base());
	ck_assert_msg(access(leases, F_OK) != 0, "%s left", leases);
	ck_assert(!conflist_exists("brnet"));
	ctr_container_free(c);
}
END_TEST

/* ---- bad input ------------------------------------------------------------------------------ */

/* ctr_network_create(name, subnet, gateway, flags) fails with code. */
static int create_with(const char *name, const char *subnet, const char *gateway, unsigned flags)
{
	CTR_OPTS(ctr_network_opts_t, o, .subnet = subnet, .gateway = gateway, .flags = flags);

	return ctr_network_create(it_rt, name, &o);
}

START_TEST(test_bad_subnets_and_gateways_are_refused)
{
	static const char *const subnets[] = {
		"",
		"10.89.110.0",
		"10.89.110.0/",
		"10.89.110.0/33",
		"10.89.110.0/7",
		"10.89.110.0/31",
		"10.89.300.0/24",
		"10.89.110/24",
		"abc/24",
		"10.89.110.0/2x",
		"10.89.110.1/24", /* host bits */
		"10.89.110.128/24",
		" 10.89.110.0/24",
		"10.89.110.0/24 ",
	};
	static const char *const gateways[] = { "10.89.111.1",	 "10.89.110.0", "10.89.110.255",
						"10.89.110.256", "gateway",	"",
						"10.89.110.1/24" };

	for (size_t i = 0; i < sizeof(subnets) / sizeof(subnets[0]); i++) {
		int r = create_with("badnet", subnets[i], NULL, 0);
		ck_assert_msg(r == CTR_E_INVAL, "subnet \"%s\": %s", subnets[i], it_err(r));
		IT_HAS_MESSAGE();
	}
	for (size_t i = 0; i < sizeof(gateways) / sizeof(gateways[0]); i++) {
		int r = create_with("badnet", "10.89.110.0/24", gateways[i], 0);
		ck_assert_msg(r == CTR_E_INVAL, "gateway \"%s\": %s", gateways[i], it_err(r));
		IT_HAS_MESSAGE();
	}
	IT_FAILS(create_with("badnet", "10.89.110.0/24", NULL, 0x100), CTR_E_INVAL);
	IT_FAILS(create_with("badnet", "10.89.110.0/24", NULL, CTR_NET_INTERNAL | 0x2),
		 CTR_E_INVAL);
	/* Nothing was made of them. */
	char list[256];
	list_networks(list, sizeof(list));
	ck_assert_str_eq(list, "");
	ck_assert(!conflist_exists("badnet"));
	/* and the good ones pass: the edges of the ranges */
	nt_network("okgw", "10.89.110.0/24", "10.89.110.254", 0);
	nt_network("ok30", "10.89.111.0/30", "10.89.111.2", 0);
}
END_TEST

START_TEST(test_overlaps_duplicates_and_bad_names_are_refused)
{
	static const char *const names[] = { "",    "-net",  ".net", "_net", "a b",
					     "a/b", "net:1", "ünï",  "a\nb" };
	char long_name[80], list[256];

	nt_network("ov-a", "10.89.105.0/24", NULL, 0);
	static const char *const overlapping[] = { "10.89.105.0/24", "10.89.105.128/25",
						   "10.89.104.0/23", "10.89.105.252/30" };
	for (size_t i = 0; i < sizeof(overlapping) / sizeof(overlapping[0]); i++) {
		IT_FAILS(create_with("ov-b", overlapping[i], NULL, 0), CTR_E_INVAL);
		IT_SAYS("ov-a");
		IT_SAYS("ov-b");
	}
	nt_network("ov-c", "10.89.104.0/24", NULL, 0); /* adjacent: no overlap */

	IT_FAILS(create_with("ov-a", "10.89.106.0/24", NULL, 0), CTR_E_EXISTS);
	IT_SAYS("ov-a");
	IT_FAILS(ctr_network_create(it_rt, "ov-a", NULL), CTR_E_EXISTS);

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int r = create_with(names[i], "10.89.106.0/24", NULL, 0);
		ck_assert_msg(r == CTR_E_INVAL, "name \"%s\": %s", names[i], it_err(r));
	}
	memset(long_name, 'n', 64);
	long_name[64] = '\0';
	IT_FAILS(create_with(long_name, "10.89.106.0/24", NULL, 0), CTR_E_INVAL);
	long_name[63] = '\0'; /* 63 is the limit; its bridge name still fits */
	nt_network(long_name, "10.89.106.0/24", NULL, 0);
	char bridge[32];
	nt_bridge(long_name, bridge, sizeof(bridge));
	ck_assert_uint_le(strlen(bridge), 15);

	IT_FAILS(ctr_network_create(NULL, "x", NULL), CTR_E_INVAL);
	IT_FAILS(ctr_network_create(it_rt, NULL, NULL), CTR_E_INVAL);
	IT_FAILS(ctr_network_remove(it_rt, "ov-a", 0x8), CTR_E_INVAL);
	IT_FAILS(ctr_network_remove(it_rt, NULL, 0), CTR_E_INVAL);
	IT_FAILS(ctr_network_remove(it_rt, "nosuch", 0), CTR_E_NOENT);
	char *json = NULL, **names_out = NULL;
	size_t count;
	IT_FAILS(ctr_network_inspect(it_rt, "nosuch", &json), CTR_E_NOENT);
	IT_FAILS(ctr_network_inspect(it_rt, "ov-a", NULL), CTR_E_INVAL);
	IT_FAILS(ctr_network_list(it_rt, &names_out, NULL), CTR_E_INVAL);
	IT_FAILS(ctr_network_list(it_rt, NULL, &count), CTR_E_INVAL);

	snprintf(list, sizeof(list), "%s,ov-a,ov-c", long_name);
	char got[256];
	list_networks(got, sizeof(got));
	ck_assert_str_eq(got, list);
}
END_TEST

START_TEST(test_config_networks_and_ports_refuse_bad_input)
{
	ctr_config_t *cfg = it_config("true");
	static const char *const ips[] = { "10.89.1",	   "10.89.1.300", "abc", "",
					   "10.89.1.1/24", " 10.89.1.1",  "::1" };
	char name[16];

	IT_FAILS(ctr_config_add_network(NULL, "n", NULL), CTR_E_INVAL);
	IT_FAILS(ctr_config_add_network(cfg, NULL, NULL), CTR_E_INVAL);
	IT_FAILS(ctr_config_add_network(cfg, "a b", NULL), CTR_E_INVAL);
	IT_FAILS(ctr_config_add_network(cfg, "", NULL), CTR_E_INVAL);
	for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
		int r = ctr_config_add_network(cfg, "n0", ips[i]);
		ck_assert_msg(r == CTR_E_INVAL, "ip \"%s\": %s", ips[i], it_err(r));
	}
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		IT_OK(ctr_config_add_network(cfg, name, i ? NULL : "10.89.1.7"));
	}
	IT_FAILS(ctr_config_add_network(cfg, "n0", NULL), CTR_E_INVAL); /* twice */
	IT_FAILS(ctr_config_add_network(cfg, "n8", NULL), CTR_E_INVAL); /* a ninth */

	IT_FAILS(ctr_config_add_port(NULL, NULL, 18000, 80, NULL), CTR_E_INVAL);
	IT_FAILS(ctr_config_add_port(cfg, NULL, 0, 80, NULL), CTR_E_INVAL);
	IT_FAILS(ctr_config_add_port(cfg, NULL, 65536, 80, NULL), CTR_E_INVAL);
	IT_FAILS(ctr_config_add_port(cfg, NULL, 18000, 0, NULL), CTR_E_INVAL);
	IT_FAILS(ctr_config_add_port(cfg, NULL, 18000, 70000, NULL), CTR_E_INVAL);
	IT_FAILS(ctr_config_add_port(cfg, NULL, 18000, 80, "sctp"), CTR_E_INVAL);
	IT_FAILS(ctr_config_add_port(cfg, NULL, 18000, 80, ""), CTR_E_INVAL);
	IT_FAILS(ctr_config_add_port(cfg, "localhost", 18000, 80, NULL), CTR_E_INVAL);
	IT_FAILS(ctr_config_add_port(cfg, "127.0.0", 18000, 80, NULL), CTR_E_INVAL);
	IT_FAILS(ctr_config_add_port(cfg, "::1", 18000, 80, NULL), CTR_E_INVAL);
	IT_OK(ctr_config_add_port(cfg, "127.0.0.1", 18000, 80, NULL));
	IT_FAILS(ctr_config_add_port(cfg, "127.0.0.1", 18000, 81, "tcp"), CTR_E_INVAL);
	IT_FAILS(ctr_config_add_port(cfg, NULL, 18000, 81, NULL), CTR_E_INVAL);
	IT_OK(ctr_config_add_port(cfg, "127.0.0.1", 18000, 80, "udp")); /* another protocol */
	IT_OK(ctr_config_add_port(cfg, NULL, 65535, 65535, "tcp"));
	for (unsigned p = 3; p < 64; p++) /* 64 in all */
		IT_OK(ctr_config_add_port(cfg, NULL, 18100 + p, 80, NULL));
	IT_FAILS(ctr_config_add_port(cfg, NULL, 18200, 80, NULL), CTR_E_INVAL);
	ctr_config_free(cfg);
}
END_TEST

/* ctr_create() of cfg (freed) fails with code, its message mentioning what (if not NULL). */
static void create_fails(ctr_config_t *cfg, int code, const char *what)
{
	ctr_container_t *c = NULL;

	IT_FAILS(ctr_create(it_rt, cfg, &c), code);
	if (what)
		IT_SAYS(what);
	else
		IT_HAS_MESSAGE();
	ck_assert_ptr_null(c);
	ctr_config_free(cfg);
}

START_TEST(test_create_refuses_what_the_networks_do_not_allow)
{
	ctr_config_t *cfg;
	ctr_container_t **list = NULL;
	size_t n = 9;

	nt_network("cnet", "10.89.107.0/24", NULL, 0);
	nt_network("cint", "10.89.108.0/24", NULL, CTR_NET_INTERNAL);

	create_fails(nt_config("true", "nosuchnet", NULL), CTR_E_NOENT, "nosuchnet");
	cfg = nt_config("true", "cnet", NULL);
	IT_OK(ctr_config_add_network(cfg, "nosuchnet2", NULL));
	create_fails(cfg, CTR_E_NOENT, "nosuchnet2");
	create_fails(nt_config("true", "cnet", "10.89.108.5"), CTR_E_INVAL, "10.89.108.5");
	cfg = nt_config("true", "cnet", NULL);
	IT_OK(ctr_config_set_network(cfg, CTR_NETWORK_HOST));
	create_fails(cfg, CTR_E_INVAL, NULL);
	cfg = nt_config("true", "cint", NULL);
	IT_OK(ctr_config_add_port(cfg, "127.0.0.1", 18001, 80, NULL));
	create_fails(cfg, CTR_E_INVAL, "cint");
	IT_OK(ctr_list(it_rt, &list, &n));
	ck_assert_uint_eq(n, 0);
	ctr_list_free(list, n);

	/* A configured container holds its networks: they cannot be removed. */
	cfg = nt_config("true", "cnet", "10.89.107.9");
	IT_OK(ctr_config_add_network(cfg, "cint", NULL));
	IT_OK(ctr_config_set_name(cfg, "holder"));
	ctr_container_t *c = it_create(it_rt, cfg);
	IT_REFUSED(ctr_network_remove(it_rt, "cnet", 0), CTR_E_BUSY, c);
	IT_REFUSED(ctr_network_remove(it_rt, "cint", 0), CTR_E_BUSY, c);
	json_object *net = nt_network_json("cnet"), *configured;
	ck_assert(json_object_object_get_ex(net, "configured", &configured));
	ck_assert_int_eq((int)json_object_array_length(configured), 1);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(configured, 0)),
			 ctr_id(c));
	json_object_put(net);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
	IT_OK(ctr_network_remove(it_rt, "cnet", 0));
	IT_OK(ctr_network_remove(it_rt, "cint", 0));
}
END_TEST

Suite *suite_network(void)
{
	Suite *s = suite_create("network");
	TCase *tc = tcase_create("network");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, nt_setup, nt_teardown);
	tcase_add_test(tc, test_create_list_inspect_remove);
	tcase_add_test(tc, test_remove_deletes_the_bridge_and_the_leases);
	tcase_add_test(tc, test_bad_subnets_and_gateways_are_refused);
	tcase_add_test(tc, test_overlaps_duplicates_and_bad_names_are_refused);
	tcase_add_test(tc, test_config_networks_and_ports_refuse_bad_input);
	tcase_add_test(tc, test_create_refuses_what_the_networks_do_not_allow);
	suite_add_tcase(s, tc);
	return s;
}
