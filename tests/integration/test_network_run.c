/* Containers on networks with real runc and the CNI plugins: two containers talk over a
 * bridge, each network is an interface in the order it was joined, an internal network has
 * no way out, published ports are reached from the host (and refused when taken), and a
 * config with ports and no network joins the default one. Every run's end leaves nothing
 * (nt_assert_nothing_left). */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "itest.h"
#include "nettest.h"

/* Lower-cased s without its trailing white space, into buf. */
static const char *trimmed(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	for (; s[n] && n + 1 < len; n++)
		buf[n] = (char)tolower((unsigned char)s[n]);
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		n--;
	buf[n] = '\0';
	return buf;
}

/* The shared file rel, trimmed, equals want (case-insensitively). */
static void assert_shared_is(const char *rel, const char *want)
{
	char *text = nt_read_shared(rel), a[256], b[256];

	ck_assert_msg(!strcmp(trimmed(text, a, sizeof(a)), trimmed(want, b, sizeof(b))),
		      "/shared/%s is \"%s\", expected \"%s\"", rel, a, b);
	free(text);
}

/* Some line of text holds both words. */
static int line_with_both(const char *text, const char *a, const char *b)
{
	char *copy = strdup(text), *save = NULL;
	int found = 0;

	for (char *line = strtok_r(copy, "\n", &save); line && !found;
	     line = strtok_r(NULL, "\n", &save))
		found = strstr(line, a) && strstr(line, b);
	free(copy);
	return found;
}

/* "containers" of the network's inspection has c with its name, this ip and a mac, and
 * "configured" has c. */
static void assert_joined(const char *network, ctr_container_t *c, const char *ip)
{
	json_object *net = nt_network_json(network), *all, *one;

	ck_assert_msg(json_object_object_get_ex(net, "containers", &all) &&
			  json_object_object_get_ex(all, ctr_id(c), &one),
		      "network %s does not list container %s: %s", network, ctr_name(c),
		      json_object_to_json_string(net));
	ck_assert_str_eq(nt_str(one, "ip"), ip);
	ck_assert_str_eq(nt_str(one, "name"), ctr_name(c));
	ck_assert_msg(nt_str(one, "mac") && strlen(nt_str(one, "mac")) == 17, "no mac");
	int listed = 0; /* "configured" lists the running ones too */
	ck_assert(json_object_object_get_ex(net, "configured", &all));
	for (size_t i = 0; i < json_object_array_length(all); i++)
		listed |=
		    !strcmp(json_object_get_string(json_object_array_get_idx(all, i)), ctr_id(c));
	ck_assert_msg(listed, "network %s does not list %s as configured", network, ctr_name(c));
	json_object_put(net);
}

START_TEST(test_two_containers_talk_over_a_network)
{
	char script[512], bridge[32];
	nt_addr_t web, client;

	nt_network("talk", "10.89.120.0/24", NULL, 0);
	nt_bridge("talk", bridge, sizeof(bridge));
	nt_write_shared("www/hello.txt", NT_PAGE);
	ctr_config_t *cfg = nt_config("cat /etc/hosts > /shared/hosts; "
				      "test -s /etc/resolv.conf && echo ok > /shared/resolv; "
				      "cat /sys/class/net/eth0/address > /shared/mac; "
				      "ls /sys/class/net | tr '\\n' ' ' > /shared/links; " NT_HTTPD,
				      "talk", NULL);
	IT_OK(ctr_config_set_hostname(cfg, "web1"));
	IT_OK(ctr_config_set_name(cfg, "web"));
	ctr_container_t *s = it_create(it_rt, cfg);
	IT_OK(ctr_start(s, 0));
	it_take_file("ready", IT_GUARD_MS);

	nt_addr(s, "talk", &web);
	ck_assert_msg(!strncmp(web.ip, "10.89.120.", 10) && strcmp(web.ip, "10.89.120.1"),
		      "ip \"%s\"", web.ip);
	ck_assert_str_eq(web.gateway, "10.89.120.1");
	ck_assert_int_eq(web.prefix_length, 24);
	ck_assert_msg(strlen(web.mac) == 17, "mac \"%s\"", web.mac);
	char *hosts = nt_read_shared("hosts");
	ck_assert_msg(line_with_both(hosts, web.ip, "web1"),
		      "/etc/hosts has no line \"%s web1\": %s", web.ip, hosts);
	ck_assert_msg(strstr(hosts, "localhost"), "/etc/hosts has no localhost: %s", hosts);
	free(hosts);
	assert_shared_is("resolv", "ok");
	assert_shared_is("mac", web.mac);
	assert_shared_is("links", "eth0 lo");

	/* The client, at a fixed address, fetches the page. */
	snprintf(script, sizeof(script),
		 "wget -qO- http://%s/hello.txt > /shared/got 2>/shared/err; echo $? > /shared/rc; "
		 "touch /shared/fetched; " IT_LOOP,
		 web.ip);
	ctr_container_t *cl = it_create(it_rt, nt_config(script, "talk", "10.89.120.50"));
	IT_OK(ctr_start(cl, 0));
	it_take_file("fetched", IT_GUARD_MS);
	char *err = nt_read_shared("err"), *rc = nt_read_shared("rc");
	ck_assert_msg(!strcmp(rc, "0\n"), "wget failed (%s): %s", rc, err);
	free(err);
	free(rc);
	assert_shared_is("got", NT_PAGE);
	nt_addr(cl, "talk", &client);
	ck_assert_str_eq(client.ip, "10.89.120.50");
	ck_assert_str_ne(client.mac, web.mac);
	assert_joined("talk", s, web.ip);
	assert_joined("talk", cl, "10.89.120.50");
	ck_assert_int_eq(nt_brif_count(bridge), 2);
	ck_assert_int_eq(nt_leases("talk", NULL, NULL), 2);

	/* Each run's end takes its part down, and only its part. */
	IT_OK(ctr_stop(cl, 0));
	IT_OK(ctr_cleanup(cl));
	nt_assert_nothing_left(ctr_id(cl), "talk", 1);
	IT_OK(ctr_stop(s, 0));
	IT_OK(ctr_cleanup(s));
	nt_assert_nothing_left(ctr_id(s), "talk", 0);
	IT_OK(ctr_remove(cl, 0));
	IT_OK(ctr_remove(s, 0));
	nt_assert_nothing_left(ctr_id(s), "talk", 0);
	IT_OK(ctr_network_remove(it_rt, "talk", 0));
	ck_assert(!nt_link_exists(bridge));
	ctr_container_free(cl);
	ctr_container_free(s);
}
END_TEST

/* Two networks, the second internal: eth0 and eth1 in the order of the calls, a default route
 * only through the first; a container only on the internal one has no route out but
 * reaches the others on it. */
START_TEST(test_networks_are_interfaces_in_order_and_internal_has_no_way_out)
{
	nt_addr_t a0, a1;

	nt_network("outer", "10.89.121.0/24", NULL, 0);
	nt_network("inner", "10.89.122.0/24", NULL, CTR_NET_INTERNAL);
	nt_write_shared("www/hello.txt", NT_PAGE);
	ctr_config_t *cfg = nt_config("cat /sys/class/net/eth0/address > /shared/mac0; "
				      "cat /sys/class/net/eth1/address > /shared/mac1; "
				      "ip route > /shared/routes; " NT_HTTPD,
				      "outer", NULL);
	IT_OK(ctr_config_add_network(cfg, "inner", "10.89.122.10"));
	ctr_container_t *a = it_create(it_rt, cfg);
	IT_OK(ctr_start(a, 0));
	it_take_file("ready", IT_GUARD_MS);
	nt_addr(a, "outer", &a0);
	nt_addr(a, "inner", &a1);
	ck_assert_str_eq(a1.ip, "10.89.122.10");
	ck_assert_str_eq(a0.gateway, "10.89.121.1");
	assert_shared_is("mac0", a0.mac);
	assert_shared_is("mac1", a1.mac);
	char *routes = nt_read_shared("routes");
	ck_assert_msg(line_with_both(routes, "default", "10.89.121.1"), "routes: %s", routes);
	ck_assert_msg(!line_with_both(routes, "default", "10.89.122."), "routes: %s", routes);
	free(routes);

	ctr_container_t *b = it_create(it_rt, nt_config("ip route > /shared/routes2; "
							"wget -qO- http://10.89.122.10/hello.txt "
							"> /shared/got; echo $? > /shared/rc",
							"inner", NULL));
	IT_OK(ctr_start(b, 0));
	ck_assert_int_eq(it_wait(b, IT_GUARD_MS), 0);
	assert_shared_is("rc", "0");
	assert_shared_is("got", NT_PAGE);
	routes = nt_read_shared("routes2");
	ck_assert_msg(!strstr(routes, "default"), "a route out of an internal network: %s", routes);
	free(routes);
	IT_OK(ctr_cleanup(b));
	nt_assert_nothing_left(ctr_id(b), "inner", 1);

	IT_OK(ctr_remove(a, CTR_FORCE));
	nt_assert_nothing_left(ctr_id(a), "outer", 0);
	nt_assert_nothing_left(ctr_id(a), "inner", 0);
	IT_OK(ctr_remove(b, 0));
	ctr_container_free(a);
	ctr_container_free(b);
	/* An internal network has no gateway: nothing holds the address host-local would name. */
	ck_assert_msg(!*a1.gateway, "gateway \"%s\" on an internal network", a1.gateway);
}
END_TEST

/* A container of it_rt serving NT_PAGE, publishing 127.0.0.1:host_port as its port 80. */
static ctr_container_t *publisher(const char *network, unsigned host_port)
{
	ctr_config_t *cfg = nt_config(NT_HTTPD, network, NULL);

	IT_OK(ctr_config_add_port(cfg, "127.0.0.1", host_port, 80, "tcp"));
	return it_create(it_rt, cfg);
}

/* The page through 127.0.0.1:port. */
static void assert_served(unsigned port)
{
	char *answer = nt_http_get(port, "/hello.txt");

	ck_assert_msg(answer, "no answer on 127.0.0.1:%u", port);
	ck_assert_msg(strstr(answer, " 200 ") && strstr(answer, NT_PAGE),
		      "127.0.0.1:%u answered: %s", port, answer);
	free(answer);
}

/* "ports" of ctr_inspect() holds 127.0.0.1:port -> 80/tcp. */
static void assert_port_inspected(ctr_container_t *c, unsigned port)
{
	char *text = NULL, want[128];

	IT_OK(ctr_inspect(c, &text));
	json_object *obj = json_tokener_parse(text), *ports, *p;
	ck_assert_msg(obj && json_object_object_get_ex(obj, "ports", &ports) &&
			  json_object_is_type(ports, json_type_array) &&
			  json_object_array_length(ports) == 1,
		      "no \"ports\": [one] in %s", text);
	p = json_object_array_get_idx(ports, 0);
	snprintf(want, sizeof(want),
		 "{ \"host_ip\": \"127.0.0.1\", \"host_port\": %u, \"container_port\": 80, "
		 "\"protocol\": \"tcp\" }",
		 port);
	json_object *w = json_tokener_parse(want);
	ck_assert_msg(json_object_equal(p, w), "ports[0] is %s, expected %s",
		      json_object_to_json_string(p), want);
	json_object_put(w);
	json_object_put(obj);
	ctr_free(text);
}

START_TEST(test_a_published_port_is_reached_from_the_host_and_taken_once)
{
	nt_network("pub", "10.89.123.0/24", NULL, 0);
	nt_write_shared("www/hello.txt", NT_PAGE);
	ctr_container_t *s = publisher("pub", 18080);
	IT_OK(ctr_start(s, 0));
	it_take_file("ready", IT_GUARD_MS);
	assert_served(18080);
	assert_port_inspected(s, 18080);

	/* Another container of this run directory publishing it: busy, left as it was. */
	ctr_container_t *t = publisher("pub", 18080);
	int fds = it_fd_count();
	IT_REFUSED(ctr_start(t, 0), CTR_E_BUSY, t);
	IT_SAYS("18080");
	IT_REFUSED(ctr_init(t, 0), CTR_E_BUSY, t);
	it_assert_unchanged(t, CTR_STATE_CONFIGURED, fds);
	nt_assert_nothing_left(ctr_id(t), "pub", 1);
	assert_served(18080);

	/* A socket of the host bound to the port: busy too. */
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(18081) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int sock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	ck_assert_int_ge(sock, 0);
	setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ck_assert_int_eq(bind(sock, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(sock, 1), 0);
	ctr_container_t *u = publisher("pub", 18081);
	IT_REFUSED(ctr_start(u, 0), CTR_E_BUSY, u);
	IT_SAYS("18081");
	IT_STATE(u, CTR_STATE_CONFIGURED);
	nt_assert_nothing_left(ctr_id(u), "pub", 1);
	close(sock);
	/* and once free, it can be published */
	IT_OK(ctr_start(u, 0));
	it_take_file("ready", IT_GUARD_MS);
	assert_served(18081);

	IT_OK(ctr_stop(s, 0));
	IT_OK(ctr_cleanup(s));
	nt_assert_nothing_left(ctr_id(s), "pub", 1);
	ck_assert_msg(nt_port_closed(18080), "127.0.0.1:18080 still answers");
	/* the port is free for the other container now */
	IT_OK(ctr_start(t, 0));
	it_take_file("ready", IT_GUARD_MS);
	assert_served(18080);
	IT_OK(ctr_remove(t, CTR_FORCE));
	IT_OK(ctr_remove(u, CTR_FORCE));
	IT_OK(ctr_remove(s, 0));
	nt_assert_nothing_left(ctr_id(t), "pub", 0);
	nt_assert_nothing_left(ctr_id(u), "pub", 0);
	ck_assert(nt_port_closed(18080) && nt_port_closed(18081));
	ctr_container_free(s);
	ctr_container_free(t);
	ctr_container_free(u);
}
END_TEST

START_TEST(test_ports_without_a_network_join_the_default_one)
{
	char **names = NULL;
	size_t n = 0;

	nt_write_shared("www/hello.txt", NT_PAGE);
	ctr_container_t *s = publisher(NULL, 18082);
	IT_OK(ctr_network_list(it_rt, &names, &n));
	ck_assert_msg(n == 1 && !strcmp(names[0], CTR_NETWORK_DEFAULT),
		      "ctr_create made no network \"" CTR_NETWORK_DEFAULT "\"");
	ctr_strv_free(names);
	json_object *net = nt_network_json(CTR_NETWORK_DEFAULT);
	unsigned third;
	ck_assert_msg(sscanf(nt_str(net, "subnet"), "10.89.%u.0/24", &third) == 1,
		      "default subnet %s", nt_str(net, "subnet"));
	json_object_put(net);

	IT_OK(ctr_start(s, 0));
	it_take_file("ready", IT_GUARD_MS);
	nt_addr_t a;
	nt_addr(s, CTR_NETWORK_DEFAULT, &a);
	assert_served(18082);
	IT_OK(ctr_stop(s, 0));
	IT_OK(ctr_cleanup(s));
	nt_assert_nothing_left(ctr_id(s), CTR_NETWORK_DEFAULT, 0);
	IT_FAILS(ctr_network_remove(it_rt, CTR_NETWORK_DEFAULT, 0), CTR_E_BUSY);
	IT_OK(ctr_remove(s, 0));
	IT_OK(ctr_network_remove(it_rt, CTR_NETWORK_DEFAULT, 0));
	ctr_container_free(s);
}
END_TEST

Suite *suite_network_run(void)
{
	Suite *s = suite_create("network_run");
	TCase *tc = tcase_create("network_run");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, nt_setup, nt_teardown);
	tcase_add_test(tc, test_two_containers_talk_over_a_network);
	tcase_add_test(tc, test_networks_are_interfaces_in_order_and_internal_has_no_way_out);
	tcase_add_test(tc, test_a_published_port_is_reached_from_the_host_and_taken_once);
	tcase_add_test(tc, test_ports_without_a_network_join_the_default_one);
	suite_add_tcase(s, tc);
	return s;
}
