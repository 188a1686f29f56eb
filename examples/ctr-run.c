/* ctr-run: a small container CLI over libctr, in the style of podman and runc.
 *
 *   ctr-run [--state-dir DIR] [--run-dir DIR] [--runtime PATH] COMMAND [ARGS]
 *
 * Commands: create, ps, inspect, rm. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ctr/ctr.h>

struct cli {
	ctr_runtime_t *rt;
	int json;
};

static int fail(const char *what)
{
	fprintf(stderr, "ctr-run: %s: %s\n", what, ctr_last_error());
	return 125;
}

static int usage(FILE *f)
{
	fprintf(f,
		"usage: ctr-run [--state-dir DIR] [--run-dir DIR] [--runtime PATH] COMMAND [ARGS]\n"
		"  create [--name N] [--env K=V]... [--user UID:GID] [--cwd DIR] [--hostname H]\n"
		"         [--memory BYTES] [--pids N] [--read-only] [--network none|host]\n"
		"         [--label K=V]... [--tty] ROOTFS CMD [ARG...]   print the new id\n"
		"  ps [--json]                  list containers\n"
		"  inspect NAME|ID              print the container as JSON\n"
		"  rm NAME|ID...                remove containers\n");
	return f == stderr ? 125 : 0;
}

static int set_kv(ctr_config_t *cfg, const char *arg, int label)
{
	char *kv = strdup(arg), *eq = kv ? strchr(kv, '=') : NULL;
	int r = CTR_E_INVAL;

	if (eq) {
		*eq = '\0';
		r = label ? ctr_config_set_label(cfg, kv, eq + 1)
			  : ctr_config_set_annotation(cfg, kv, eq + 1);
	}
	free(kv);
	return r;
}

/* Parse create's options into cfg; returns the index of ROOTFS in argv or -1. */
static int parse_create(ctr_config_t *cfg, int argc, char **argv, const char ***env, size_t *nenv)
{
	static const struct option opts[] = {
		{ "name", required_argument, 0, 'n' },	 { "env", required_argument, 0, 'e' },
		{ "user", required_argument, 0, 'u' },	 { "cwd", required_argument, 0, 'w' },
		{ "hostname", required_argument, 0, 'h' }, { "memory", required_argument, 0, 'm' },
		{ "pids", required_argument, 0, 'p' },	 { "read-only", no_argument, 0, 'r' },
		{ "network", required_argument, 0, 'N' }, { "label", required_argument, 0, 'l' },
		{ "tty", no_argument, 0, 't' },		 { 0, 0, 0, 0 },
	};
	unsigned uid, gid;
	int o, r = 0;

	optind = 1;
	while (r == 0 && (o = getopt_long(argc, argv, "+n:e:u:w:m:p:rN:l:t", opts, NULL)) != -1) {
		switch (o) {
		case 'n': r = ctr_config_set_name(cfg, optarg); break;
		case 'e': (*env)[(*nenv)++] = optarg; break;
		case 'u':
			r = sscanf(optarg, "%u:%u", &uid, &gid) == 2 ? ctr_config_set_user(cfg, uid, gid)
								      : CTR_E_INVAL;
			break;
		case 'w': r = ctr_config_set_cwd(cfg, optarg); break;
		case 'h': r = ctr_config_set_hostname(cfg, optarg); break;
		case 'm': r = ctr_config_set_memory_limit(cfg, strtoull(optarg, NULL, 0)); break;
		case 'p': r = ctr_config_set_pids_limit(cfg, strtoll(optarg, NULL, 0)); break;
		case 'r': r = ctr_config_set_readonly_rootfs(cfg, 1); break;
		case 'N':
			r = ctr_config_set_network(cfg, !strcmp(optarg, "host") ? CTR_NETWORK_HOST
						   : !strcmp(optarg, "none") ? CTR_NETWORK_NONE
									     : (ctr_network_t)-1);
			break;
		case 'l': r = set_kv(cfg, optarg, 1); break;
		case 't': r = ctr_config_set_terminal(cfg, 1); break;
		default: return -1;
		}
	}
	if (r < 0) {
		fprintf(stderr, "ctr-run create: bad option: %s\n", ctr_last_error());
		return -1;
	}
	return argc - optind >= 2 ? optind : -1;
}

static int cmd_create(struct cli *cli, int argc, char **argv)
{
	const char **env = calloc((size_t)argc + 1, sizeof(*env));
	ctr_config_t *cfg = NULL;
	ctr_container_t *c = NULL;
	size_t nenv = 0;
	int rc = 125;

	if (!env || ctr_config_new(&cfg) < 0)
		goto out;
	int i = parse_create(cfg, argc, argv, &env, &nenv);
	if (i < 0) {
		rc = usage(stderr);
		goto out;
	}
	if (ctr_config_set_rootfs(cfg, argv[i]) < 0 ||
	    ctr_config_set_args(cfg, (const char *const *)argv + i + 1) < 0 ||
	    (nenv && ctr_config_set_env(cfg, env) < 0)) {
		rc = fail("create");
		goto out;
	}
	if (ctr_create(cli->rt, cfg, &c) < 0) {
		rc = fail("create");
		goto out;
	}
	printf("%s\n", ctr_id(c));
	rc = 0;
out:
	ctr_container_free(c);
	ctr_config_free(cfg);
	free(env);
	return rc;
}

static int cmd_ps(struct cli *cli, int argc, char **argv)
{
	ctr_container_t **list = NULL;
	size_t n = 0;

	cli->json = argc > 1 && !strcmp(argv[1], "--json");
	if (ctr_list(cli->rt, &list, &n) < 0)
		return fail("ps");
	if (cli->json)
		printf("[");
	else
		printf("%-12s  %-24s  %s\n", "CONTAINER ID", "NAME", "STATE");
	for (size_t i = 0; i < n; i++) {
		ctr_state_t s;
		const char *state = ctr_state(list[i], &s) == 0 ? ctr_state_name(s) : "error";
		if (cli->json)
			printf("%s{\"id\":\"%s\",\"name\":\"%s\",\"state\":\"%s\"}", i ? "," : "",
			       ctr_id(list[i]), ctr_name(list[i]), state);
		else
			printf("%-12.12s  %-24s  %s\n", ctr_id(list[i]), ctr_name(list[i]), state);
	}
	if (cli->json)
		printf("]\n");
	ctr_list_free(list, n);
	return 0;
}

static int cmd_inspect(struct cli *cli, int argc, char **argv)
{
	ctr_container_t *c = NULL;
	char *json = NULL;

	if (argc != 2)
		return usage(stderr);
	if (ctr_lookup(cli->rt, argv[1], &c) < 0 || ctr_inspect(c, &json) < 0) {
		ctr_container_free(c);
		return fail("inspect");
	}
	printf("%s\n", json);
	ctr_free(json);
	ctr_container_free(c);
	return 0;
}

static int cmd_rm(struct cli *cli, int argc, char **argv)
{
	int rc = argc < 2 ? usage(stderr) : 0;

	for (int i = 1; i < argc; i++) {
		ctr_container_t *c = NULL;
		if (ctr_lookup(cli->rt, argv[i], &c) < 0 || ctr_remove(c, 0) < 0)
			rc = fail("rm");
		else
			printf("%s\n", ctr_id(c));
		ctr_container_free(c);
	}
	return rc;
}

static const struct {
	const char *name;
	int (*fn)(struct cli *, int, char **);
} commands[] = {
	{ "create", cmd_create },
	{ "ps", cmd_ps },
	{ "inspect", cmd_inspect },
	{ "rm", cmd_rm },
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state-dir", required_argument, 0, 's' }, { "run-dir", required_argument, 0, 'r' },
		{ "runtime", required_argument, 0, 'R' },   { "help", no_argument, 0, 'H' },
		{ 0, 0, 0, 0 },
	};
	CTR_OPTS(ctr_runtime_opts_t, ro, .state_dir = getenv("CTR_STATE_DIR"),
		 .run_dir = getenv("CTR_RUN_DIR"));
	struct cli cli = { 0 };
	int o;

	while ((o = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (o) {
		case 's': ro.state_dir = optarg; break;
		case 'r': ro.run_dir = optarg; break;
		case 'R': ro.oci_runtime = optarg; break;
		case 'H': return usage(stdout);
		default: return usage(stderr);
		}
	}
	if (optind >= argc)
		return usage(stderr);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) != 0)
			continue;
		if (ctr_runtime_open(&ro, &cli.rt) < 0)
			return fail("open");
		int rc = commands[i].fn(&cli, argc - optind, argv + optind);
		ctr_runtime_close(cli.rt);
		return rc;
	}
	fprintf(stderr, "ctr-run: unknown command %s\n", argv[optind]);
	return usage(stderr);
}
