/* ctr-run's networks, as podman has them: network create (ctr_network_create), network ls
 * (ctr_network_list and ctr_network_inspect), network inspect and network rm; and create's
 * and run's --network NAME[:ip=ADDRESS] (ctr_config_add_network, or the modes none and
 * host of ctr_config_set_network) and -p/--publish (ctr_config_add_port). */
#include <arpa/inet.h>
#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ctr-run.h"

/* ---- create's and run's options ------------------------------------------------------ */

/* --network none|host|NAME[:ip=A.B.C.D]: a mode, or a network to join (repeatable: eth0,
 * eth1, ... in the order given), as podman's --network takes it. */
int add_network(ctr_config_t *cfg, const char *arg)
{
	const char *colon = strchr(arg, ':');
	char *name;
	int r = 0;

	if (!strcmp(arg, "none") || !strcmp(arg, "host"))
		return ctr_config_set_network(cfg, arg[0] == 'h' ? CTR_NETWORK_HOST
								 : CTR_NETWORK_NONE) < 0
			   ? bad_value("--network", arg, ctr_last_error())
			   : 0;
	if (colon && strncmp(colon + 1, "ip=", 3) != 0)
		return bad_value("--network", arg, "not NAME or NAME:ip=A.B.C.D");
	if (colon == arg)
		return bad_value("--network", arg, "no network name before ':'");
	if (!(name = strndup(arg, colon ? (size_t)(colon - arg) : strlen(arg))))
		return CTR_E_NOMEM;
	if (ctr_config_add_network(cfg, name, colon ? colon + 4 : NULL) < 0)
		r = bad_value("--network", arg, ctr_last_error());
	free(name);
	return r;
}

/* A port number: the whole of [s, s+len), decimal digits, 1..65535; 0 if it is none. */
static unsigned port_number(const char *s, size_t len)
{
	unsigned long n = 0;

	if (len == 0 || len > 5)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return 0;
		n = n * 10 + (unsigned)(s[i] - '0');
	}
	return n <= 65535 ? (unsigned)n : 0;
}

/* -p/--publish [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|/udp] (repeatable), as podman's. */
int add_port(ctr_config_t *cfg, const char *arg)
{
	static const char form[] = "not [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|/udp]";
	char buf[128], *proto, *cport, *hport, *hip = NULL;
	struct in_addr addr;
	unsigned host, ctr;

	if (strlen(arg) >= sizeof(buf))
		return bad_value("--publish", arg, form);
	strcpy(buf, arg);
	if ((proto = strchr(buf, '/')) != NULL) {
		*proto++ = '\0';
		if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)
			return bad_value("--publish", arg, "the protocol is tcp or udp");
	}
	if (!(cport = strrchr(buf, ':')))
		return bad_value("--publish", arg, form);
	*cport++ = '\0';
	if ((hport = strrchr(buf, ':')) != NULL) {
		*hport++ = '\0';
		hip = buf;
		if (inet_pton(AF_INET, hip, &addr) != 1)
			return bad_value("--publish", arg, "the host address is not IPv4 A.B.C.D");
	} else {
		hport = buf;
	}
	if (strchr(hport, '-') || strchr(cport, '-'))
		return bad_value("--publish", arg, "port ranges are not supported");
	if (!(host = port_number(hport, strlen(hport))))
		return bad_value("--publish", arg, "the host port is not in 1..65535");
	if (!(ctr = port_number(cport, strlen(cport))))
		return bad_value("--publish", arg, "the container port is not in 1..65535");
	if (ctr_config_add_port(cfg, hip, host, ctr, proto) < 0)
		return bad_value("--publish", arg, ctr_last_error());
	return 0;
}

/* ---- network commands ------------------------------------------------------------------ */

/* network create [--subnet CIDR] [--gateway IP] [--internal] NAME: print the name. */
static int network_create(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "subnet", required_argument, 0, 's' },
					      { "gateway", required_argument, 0, 'g' },
					      { "internal", no_argument, 0, 'i' },
					      { 0, 0, 0, 0 } };
	CTR_OPTS(ctr_network_opts_t, no, .flags = 0);
	char what[300];
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (opt) {
		case 's': no.subnet = optarg; break;
		case 'g': no.gateway = optarg; break;
		case 'i': no.flags |= CTR_NET_INTERNAL; break;
		default: return usage(stderr);
		}
	}
	if (argc - optind != 1)
		return usage(stderr);
	snprintf(what, sizeof(what), "network create %s", argv[optind]);
	if (ctr_network_create(cli->rt, argv[optind], &no) < 0)
		return fail(what);
	printf("%s\n", argv[optind]);
	return 0;
}

/* A string member of o, or dflt (for a missing one, or null). */
static const char *str_of(struct json_object *o, const char *key, const char *dflt)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		   ? json_object_get_string(v)
		   : dflt;
}

/* The number of members of o's object member key (0 when there is none). */
static int count_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_object)
		   ? json_object_object_length(v)
		   : 0;
}

/* network ls [-q]: NAME, SUBNET, GATEWAY ("-" for an internal network), BRIDGE and how
 * many containers run on it now, sorted by name; -q: the names only. */
static int network_ls(struct cli *cli, int argc, char **argv)
{
	int quiet = argc == 2 && !strcmp(argv[1], "-q"), rc = 0;
	char **names = NULL;
	size_t n = 0;

	if (argc > 2 || (argc == 2 && !quiet))
		return usage(stderr);
	if (ctr_network_list(cli->rt, &names, &n) < 0)
		return fail("network ls");
	if (!quiet)
		printf("%-24s  %-18s  %-15s  %-15s  %s\n", "NAME", "SUBNET", "GATEWAY", "BRIDGE",
		       "CONTAINERS");
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct json_object *net;
		char *json = NULL;
		int r;
		if (quiet) {
			printf("%s\n", names[i]);
			continue;
		}
		if ((r = ctr_network_inspect(cli->rt, names[i], &json)) == CTR_E_NOENT)
			continue; /* removed since the list was made */
		if (r < 0) {
			rc = fail("network ls");
		} else if (!(net = json_tokener_parse(json))) {
			fprintf(stderr, "ctr-run: network ls: the library's JSON does not parse\n");
			rc = 125;
		} else {
			printf("%-24s  %-18s  %-15s  %-15s  %d\n", names[i],
			       str_of(net, "subnet", "-"), str_of(net, "gateway", "-"),
			       str_of(net, "bridge", "-"), count_of(net, "containers"));
			json_object_put(net);
		}
		ctr_free(json);
	}
	ctr_strv_free(names);
	return rc;
}

/* network inspect NAME...: each network's JSON, one per line. */
static int network_inspect(struct cli *cli, int argc, char **argv)
{
	int rc = argc < 2 ? usage(stderr) : 0;

	for (int i = 1; i < argc; i++) {
		char what[300], *json = NULL;
		snprintf(what, sizeof(what), "network inspect %s", argv[i]);
		if (ctr_network_inspect(cli->rt, argv[i], &json) < 0) {
			rc = fail(what);
			continue;
		}
		printf("%s\n", json);
		ctr_free(json);
	}
	return rc;
}

/* network rm NAME...: print each name removed; the status is the last failure's. */
static int network_rm(struct cli *cli, int argc, char **argv)
{
	int rc = argc < 2 ? usage(stderr) : 0;

	for (int i = 1; i < argc; i++) {
		char what[300];
		snprintf(what, sizeof(what), "network rm %s", argv[i]);
		if (ctr_network_remove(cli->rt, argv[i], 0) < 0)
			rc = fail(what);
		else
			printf("%s\n", argv[i]);
	}
	return rc;
}

/* network SUBCOMMAND [ARGS]: create, ls (list), inspect, rm (remove). */
int cmd_network(struct cli *cli, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct cli *, int, char **);
	} subs[] = {
		{ "create", network_create },	{ "ls", network_ls }, { "list", network_ls },
		{ "inspect", network_inspect }, { "rm", network_rm }, { "remove", network_rm },
	};

	for (size_t i = 0; argc > 1 && i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].fn(cli, argc - 1, argv + 1);
	if (argc > 1)
		fprintf(stderr, "ctr-run: unknown command network %s\n", argv[1]);
	return usage(stderr);
}
