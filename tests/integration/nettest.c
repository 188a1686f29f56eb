/* Helpers of the network suites (nettest.h). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "itest.h"
#include "nettest.h"
#include "util.h"

/* ---- the fixture ---------------------------------------------------------------------------- */

/* Remove every container and network of it_rt. */
static void remove_all(void)
{
	ctr_container_t **list = NULL;
	char **names = NULL;
	size_t n = 0;

	if (!it_rt)
		return;
	if (ctr_list(it_rt, &list, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			ctr_remove(list[i], CTR_FORCE);
		ctr_list_free(list, n);
	}
	if (ctr_network_list(it_rt, &names, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			ctr_network_remove(it_rt, names[i], 0);
		ctr_strv_free(names);
	}
}

void nt_setup(void)
{
	unsetenv("CTR_CNI_PATH");
	it_setup();
}

void nt_teardown(void)
{
	unsetenv("CTR_CNI_PATH");
	remove_all();
	it_teardown();
}

/* ---- networks ------------------------------------------------------------------------------- */

void nt_network(const char *name, const char *subnet, const char *gateway, unsigned flags)
{
	CTR_OPTS(ctr_network_opts_t, o, .subnet = subnet, .gateway = gateway, .flags = flags);
	int r = ctr_network_create(it_rt, name, &o);

	ck_assert_msg(r == 0, "ctr_network_create(%s, %s): %s", name, subnet ? subnet : "NULL",
		      it_err(r));
	/* for it_cleanup() after a failed test (its sweep deletes the bridges listed) */
	char bridge[64], path[PATH_MAX];
	nt_bridge(name, bridge, sizeof(bridge));
	snprintf(path, sizeof(path), "%s/bridges", it_base());
	FILE *f = fopen(path, "a");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%s\n", bridge);
	fclose(f);
}

json_object *nt_network_json(const char *name)
{
	char *text = NULL;
	int r = ctr_network_inspect(it_rt, name, &text);

	ck_assert_msg(r == 0, "ctr_network_inspect(%s): %s", name, it_err(r));
	json_object *obj = json_tokener_parse(text);
	ck_assert_msg(obj && json_object_is_type(obj, json_type_object),
		      "ctr_network_inspect gave bad JSON: %s", text);
	ctr_free(text);
	return obj;
}

const char *nt_str(json_object *obj, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

void nt_bridge(const char *name, char *buf, size_t len)
{
	json_object *net = nt_network_json(name);
	const char *br = nt_str(net, "bridge");

	ck_assert_msg(br && *br, "network %s has no \"bridge\"", name);
	snprintf(buf, len, "%s", br);
	json_object_put(net);
}

void nt_addr(ctr_container_t *c, const char *network, nt_addr_t *out)
{
	char *text = NULL;
	json_object *obj, *nets, *n, *v;
	int r = ctr_inspect(c, &text);

	ck_assert_msg(r == 0, "ctr_inspect(%s): %s", ctr_name(c), it_err(r));
	obj = json_tokener_parse(text);
	ck_assert_msg(obj != NULL, "ctr_inspect gave bad JSON: %s", text);
	ck_assert_msg(json_object_object_get_ex(obj, "networks", &nets) &&
			  json_object_object_get_ex(nets, network, &n),
		      "no \"networks\": {\"%s\": ...} in the inspection of %s: %s", network,
		      ctr_name(c), text);
	memset(out, 0, sizeof(*out));
	snprintf(out->ip, sizeof(out->ip), "%s", nt_str(n, "ip") ? nt_str(n, "ip") : "");
	snprintf(out->mac, sizeof(out->mac), "%s", nt_str(n, "mac") ? nt_str(n, "mac") : "");
	snprintf(out->gateway, sizeof(out->gateway), "%s",
		 nt_str(n, "gateway") ? nt_str(n, "gateway") : "");
	out->prefix_length = json_object_object_get_ex(n, "prefix_length", &v) &&
				     json_object_is_type(v, json_type_int)
				 ? json_object_get_int(v)
				 : -1;
	json_object_put(obj);
	ctr_free(text);
}

ctr_config_t *nt_config(const char *script, const char *network, const char *ip)
{
	ctr_config_t *cfg = it_config(script);

	if (network) {
		int r = ctr_config_add_network(cfg, network, ip);
		ck_assert_msg(r == 0, "ctr_config_add_network(%s, %s): %s", network,
			      ip ? ip : "NULL", it_err(r));
	}
	return cfg;
}

/* ---- files and connections ------------------------------------------------------------------ */

void nt_write_shared(const char *rel, const char *text)
{
	char path[PATH_MAX], *slash;

	snprintf(path, sizeof(path), "%s/io/%s", it_base(), rel);
	if ((slash = strrchr(path, '/'))) {
		*slash = '\0';
		ck_assert_msg(mkdir(path, 0755) == 0 || errno == EEXIST, "mkdir %s: %s", path,
			      strerror(errno));
		*slash = '/';
	}
	ck_assert_int_eq(ctri_write_file(path, text, strlen(text), 0644, 0), 0);
}

char *nt_read_shared(const char *rel)
{
	char path[PATH_MAX], *text = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/io/%s", it_base(), rel);
	ck_assert_msg(ctri_read_file(path, 1 << 20, &text, &len) == 0, "cannot read %s", path);
	return text;
}

static int connect_local(unsigned port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	struct timeval tv = { 5, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One GET over a new connection: the answer, or NULL (no connection, no answer). */
static char *get_once(unsigned port, const char *path)
{
	char req[512], *buf;
	size_t len = 0, cap = 65536;
	int fd = connect_local(port);

	if (fd < 0)
		return NULL;
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		close(fd);
		return NULL;
	}
	buf = malloc(cap);
	ck_assert_ptr_nonnull(buf);
	for (;;) {
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len + 1 >= cap)
			break;
	}
	close(fd);
	buf[len] = '\0';
	if (len == 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

char *nt_http_get(unsigned port, const char *path)
{
	double end = it_now() + IT_GUARD_MS / 1000.0;
	char *answer;

	while (!(answer = get_once(port, path)) && it_now() < end)
		it_sleep_ms(50);
	return answer;
}

int nt_port_closed(unsigned port)
{
	char *answer = get_once(port, "/");

	free(answer);
	return answer == NULL;
}

/* ---- what a run leaves ---------------------------------------------------------------------- */

static int is_ipv4(const char *s)
{
	struct in_addr a;

	return inet_pton(AF_INET, s, &a) == 1;
}

int nt_leases(const char *network, const char *id, int *of_id)
{
	char dir[PATH_MAX], path[PATH_MAX * 2], *text;
	struct dirent *e;
	size_t len;
	int n = 0;

	if (of_id)
		*of_id = 0;
	snprintf(dir, sizeof(dir), "%s/run/net/leases/%s", it_base(), network);
	DIR *d = opendir(dir);
	while (d && (e = readdir(d))) {
		if (!is_ipv4(e->d_name))
			continue;
		n++;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (id && of_id && ctri_read_file(path, 4096, &text, &len) == 0) {
			*of_id += strstr(text, id) != NULL;
			free(text);
		}
	}
	if (d)
		closedir(d);
	return n;
}

int nt_brif_count(const char *bridge)
{
	char dir[PATH_MAX];
	struct dirent *e;
	int n = 0;

	snprintf(dir, sizeof(dir), "/sys/class/net/%s/brif", bridge);
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Lines of the output of argv that contain text (all lines for ""); -1 when it fails. */
static int lines_with(const char *const *argv, const char *text)
{
	char *out = NULL;
	int n = 0;

	if (it_run(argv, &out) != 0) {
		free(out);
		return -1;
	}
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
		n += strstr(line, text) != NULL;
	free(out);
	return n;
}

int nt_veth_count(void)
{
	static const char *const argv[] = { "ip", "-o", "link", "show", "type", "veth", NULL };
	int n = lines_with(argv, "");

	ck_assert_msg(n >= 0, "ip link show type veth failed");
	return n;
}

int nt_rules_with(const char *text)
{
	static const char *const argv[] = { "iptables-save", NULL };
	int n = lines_with(argv, text);

	ck_assert_msg(n >= 0, "iptables-save failed");
	return n;
}

char *nt_rules(void)
{
	static const char *const argv[] = { "iptables-save", NULL };
	char *out = NULL;

	ck_assert_msg(it_run(argv, &out) == 0, "iptables-save failed: %s", out ? out : "");
	return out;
}

int nt_link_exists(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/class/net/%s", name);
	return access(path, F_OK) == 0;
}

void nt_assert_nothing_left(const char *id, const char *network, int others)
{
	char ns[PATH_MAX], bridge[64] = "";
	double end = it_now() + IT_GUARD_MS / 1000.0;

	snprintf(ns, sizeof(ns), "%s/run/net/%s", it_base(), id);
	if (network) {
		char *text = NULL;
		if (ctr_network_inspect(it_rt, network, &text) == 0) {
			json_object *obj = json_tokener_parse(text);
			const char *br = obj ? nt_str(obj, "bridge") : NULL;
			snprintf(bridge, sizeof(bridge), "%s", br ? br : "");
			json_object_put(obj);
			ctr_free(text);
		}
	}
	for (;;) {
		int ns_left = access(ns, F_OK) == 0, of_id = 0;
		int leases = network ? nt_leases(network, id, &of_id) : others;
		int brif = *bridge ? nt_brif_count(bridge) : -1;
		int rules = nt_rules_with(id);
		if (!ns_left && !of_id && leases == others && brif <= others && !rules)
			break;
		if (it_now() > end) {
			ck_assert_msg(!ns_left, "the network directory %s is left", ns);
			ck_assert_msg(!of_id, "a lease of container %s is left in network %s", id,
				      network);
			ck_assert_msg(leases == others,
				      "network %s holds %d leases, expected %d (the others')",
				      network, leases, others);
			ck_assert_msg(brif <= others,
				      "bridge %s has %d interfaces, expected at most %d", bridge,
				      brif, others);
			ck_assert_msg(!rules, "%d iptables rules of container %s are left", rules,
				      id);
		}
		it_sleep_ms(50);
	}
	it_assert_no_traces(id);
}

/* ---- fake plugins --------------------------------------------------------------------------- */

const char *nt_fake_dir(const char *name)
{
	static __thread char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/%s", it_base(), name);
	ck_assert(mkdir(dir, 0755) == 0 || errno == EEXIST);
	return dir;
}

void nt_fake_plugin(const char *dir, const char *plugin, const char *body)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, plugin);
	FILE *f = fopen(path, "w");
	ck_assert_msg(f != NULL, "create %s: %s", path, strerror(errno));
	fprintf(f,
		"#!/bin/sh\n"
		"[ \"$CNI_COMMAND\" = ADD ] || exec /usr/lib/cni/%s\n"
		"%s\n",
		plugin, body);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0755), 0);
}
