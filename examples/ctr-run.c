/* ctr-run: a small container CLI over libctr, in the style of podman and runc.
 *
 *   ctr-run [--state-dir DIR] [--run-dir DIR] [--runtime PATH] COMMAND [ARGS]
 *
 * Each command is one function, cmd_<name>, so this file doubles as a tour of the API:
 * create, init, start, stop, kill, wait, cleanup, logs, rm, run, ps, inspect, pause,
 * unpause, exec, attach, checkpoint, restore, export and events. Every
 * libctr call that fails leaves a message naming the container and the cause in
 * ctr_last_error(); fail() prints it. Exit status: 0, or 125 when libctr refused (as
 * podman does); `run` exits with the container's exit code. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ctr/ctr.h>

struct cli {
	ctr_runtime_t *rt;
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
		"         [--label K=V]... [--tty] [-i] [--log-size-max BYTES]\n"
		"         ROOTFS CMD [ARG...]   print the new id (-i: keep stdin open)\n"
		"  run [create's options] ROOTFS CMD [ARG...]\n"
		"                           create, start, wait, print the output and the exit\n"
		"                           code, remove; exit with the container's code\n"
		"  init NAME...             create in the OCI runtime (state created)\n"
		"  start NAME...            start (creating first if needed)\n"
		"  stop [-t SECONDS] NAME...  stop signal, then SIGKILL after SECONDS\n"
		"  kill NAME [SIGNAL]       send SIGNAL (number or name; default KILL)\n"
		"  wait NAME                wait for the exit and print the exit code\n"
		"  cleanup NAME...          release the runtime state of a stopped container\n"
		"  logs [-f] [-t] [-n N] [-s SECS] NAME  print the container's output (follow,\n"
		"                           timestamps, last N lines, since SECS ago)\n"
		"  pause NAME... / unpause NAME...  freeze / thaw\n"
		"  exec [-t] [-i] [-e K=V]... [-u UID[:GID]] [-w DIR] [--privileged] NAME CMD...\n"
		"                           run CMD in the container; exit with its code\n"
		"  attach [--no-stdin] [--detach-keys KEYS] NAME  connect to its stdio\n"
		"                           (detach with ctrl-p ctrl-q)\n"
		"  checkpoint [--leave-running] [--tcp-established] [--name N] [--export FILE] NAME\n"
		"  restore [--name N] NAME   from its checkpoint; or\n"
		"  restore --import FILE [--as NEWNAME]  a new container from an archive\n"
		"  export NAME FILE          its root filesystem as a tar archive\n"
		"  events [-f] [--json] [--type T] [--since SECS] [NAME]  the event log\n"
		"  rm [-f] NAME...          remove containers (-f: stop running ones first)\n"
		"  ps [--json]              list containers\n"
		"  inspect NAME             print the container as JSON\n"
		"NAME is a name, an id or a unique id prefix.\n");
	return f == stderr ? 125 : 0;
}

/* ---- creating: a ctr_config_t from command-line options ----------------------------- */

static int set_label(ctr_config_t *cfg, const char *arg)
{
	char *kv = strdup(arg), *eq = kv ? strchr(kv, '=') : NULL;
	int r = CTR_E_INVAL;

	if (eq) {
		*eq = '\0';
		r = ctr_config_set_label(cfg, kv, eq + 1);
	}
	free(kv);
	return r;
}

/* Parse create's options into cfg; returns the index of ROOTFS in argv or -1. */
static int parse_create(ctr_config_t *cfg, int argc, char **argv, const char **env, size_t *nenv)
{
	static const struct option opts[] = {
		{ "name", required_argument, 0, 'n' },	 { "env", required_argument, 0, 'e' },
		{ "user", required_argument, 0, 'u' },	 { "cwd", required_argument, 0, 'w' },
		{ "hostname", required_argument, 0, 'h' }, { "memory", required_argument, 0, 'm' },
		{ "pids", required_argument, 0, 'p' },	 { "read-only", no_argument, 0, 'r' },
		{ "network", required_argument, 0, 'N' }, { "label", required_argument, 0, 'l' },
		{ "tty", no_argument, 0, 't' },		 { "interactive", no_argument, 0, 'i' },
		{ "log-size-max", required_argument, 0, 'L' }, { 0, 0, 0, 0 },
	};
	unsigned uid, gid;
	int o, r = 0;

	optind = 1;
	while (r == 0 && (o = getopt_long(argc, argv, "+n:e:u:w:m:p:rN:l:ti", opts, NULL)) != -1) {
		switch (o) {
		case 'n': r = ctr_config_set_name(cfg, optarg); break;
		case 'e': env[(*nenv)++] = optarg; break;
		case 'u':
			r = sscanf(optarg, "%u:%u", &uid, &gid) == 2
				    ? ctr_config_set_user(cfg, uid, gid)
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
		case 'l': r = set_label(cfg, optarg); break;
		case 't': r = ctr_config_set_terminal(cfg, 1); break;
		case 'i': r = ctr_config_set_stdin(cfg, 1); break;
		case 'L': r = ctr_config_set_log_size_max(cfg, strtoull(optarg, NULL, 0)); break;
		default: return -1;
		}
	}
	if (r < 0) {
		fprintf(stderr, "ctr-run: bad option: %s\n", ctr_last_error());
		return -1;
	}
	return argc - optind >= 2 ? optind : -1;
}

/* Build a config from create's arguments and create the container: ctr_config_new(), the
 * setters, ctr_create(), ctr_config_free(). Returns 0 or an exit status. */
static int create_from_args(struct cli *cli, int argc, char **argv, ctr_container_t **out)
{
	const char **env = calloc((size_t)argc + 1, sizeof(*env));
	ctr_config_t *cfg = NULL;
	size_t nenv = 0;
	int rc = 125;

	if (!env || ctr_config_new(&cfg) < 0)
		goto out;
	int i = parse_create(cfg, argc, argv, env, &nenv);
	if (i < 0)
		rc = usage(stderr);
	else if (ctr_config_set_rootfs(cfg, argv[i]) < 0 ||
		 ctr_config_set_args(cfg, (const char *const *)argv + i + 1) < 0 ||
		 (nenv && ctr_config_set_env(cfg, env) < 0) || ctr_create(cli->rt, cfg, out) < 0)
		rc = fail("create");
	else
		rc = 0;
out:
	ctr_config_free(cfg);
	free(env);
	return rc;
}

static int cmd_create(struct cli *cli, int argc, char **argv)
{
	ctr_container_t *c = NULL;
	int rc = create_from_args(cli, argc, argv, &c);

	if (rc == 0)
		printf("%s\n", ctr_id(c));
	ctr_container_free(c);
	return rc;
}

/* ---- lifecycle verbs on existing containers ------------------------------------------ */

/* Look NAME up and run op on it; report failures as "VERB NAME: message". */
static int with_container(struct cli *cli, const char *name, const char *verb,
			  int (*op)(ctr_container_t *c, void *arg), void *arg)
{
	ctr_container_t *c = NULL;
	char what[300];
	int rc = 0;

	snprintf(what, sizeof(what), "%s %s", verb, name);
	if (ctr_lookup(cli->rt, name, &c) < 0 || op(c, arg) < 0)
		rc = fail(what);
	ctr_container_free(c);
	return rc;
}

/* The same for every NAME in argv[1..]: the status is the last failure's, else 0. */
static int for_each(struct cli *cli, int argc, char **argv, int (*op)(ctr_container_t *, void *),
		    void *arg)
{
	int rc = argc < 2 ? usage(stderr) : 0;

	for (int i = 1; i < argc; i++) {
		int r = with_container(cli, argv[i], argv[0], op, arg);
		rc = r ? r : rc;
	}
	return rc;
}

static int op_init(ctr_container_t *c, void *arg)
{
	(void)arg;
	return ctr_init(c, 0);
}

static int cmd_init(struct cli *cli, int argc, char **argv)
{
	return for_each(cli, argc, argv, op_init, NULL);
}

static int op_start(ctr_container_t *c, void *arg)
{
	(void)arg;
	return ctr_start(c, 0);
}

static int cmd_start(struct cli *cli, int argc, char **argv)
{
	return for_each(cli, argc, argv, op_start, NULL);
}

static int op_stop(ctr_container_t *c, void *arg)
{
	return ctr_stop(c, *(int *)arg);
}

static int cmd_stop(struct cli *cli, int argc, char **argv)
{
	int timeout = -1; /* < 0: the container's configured stop timeout */

	if (argc > 2 && !strcmp(argv[1], "-t")) {
		timeout = atoi(argv[2]);
		argv[2] = argv[0]; /* drop "-t SECONDS" */
		argc -= 2;
		argv += 2;
	}
	return for_each(cli, argc, argv, op_stop, &timeout);
}

/* "9", "KILL" or "SIGKILL" -> 9; 0 if unknown. */
static int parse_signal(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*s && !*end)
		return n >= 1 && n <= 64 ? (int)n : 0;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (int sig = 1; sig < SIGRTMIN; sig++) {
		const char *abbrev = sigabbrev_np(sig);
		if (abbrev && !strcasecmp(s, abbrev))
			return sig;
	}
	return 0;
}

static int op_kill(ctr_container_t *c, void *arg)
{
	return ctr_kill(c, *(int *)arg);
}

static int cmd_kill(struct cli *cli, int argc, char **argv)
{
	int sig = argc > 2 ? parse_signal(argv[2]) : SIGKILL;

	if (argc < 2 || argc > 3)
		return usage(stderr);
	if (sig == 0) {
		fprintf(stderr, "ctr-run: kill: unknown signal %s\n", argv[2]);
		return 125;
	}
	return with_container(cli, argv[1], "kill", op_kill, &sig);
}

static int op_wait(ctr_container_t *c, void *arg)
{
	return ctr_wait(c, -1, (int *)arg);
}

/* Print the exit code: N for exit(N), 128+S for signal S, -1 when it was lost. */
static int cmd_wait(struct cli *cli, int argc, char **argv)
{
	int code, rc;

	if (argc != 2)
		return usage(stderr);
	if ((rc = with_container(cli, argv[1], "wait", op_wait, &code)) == 0)
		printf("%d\n", code);
	return rc;
}

static int op_cleanup(ctr_container_t *c, void *arg)
{
	(void)arg;
	return ctr_cleanup(c);
}

static int cmd_cleanup(struct cli *cli, int argc, char **argv)
{
	return for_each(cli, argc, argv, op_cleanup, NULL);
}

static int op_remove(ctr_container_t *c, void *arg)
{
	int r = ctr_remove(c, *(unsigned *)arg);

	if (r == 0)
		printf("%s\n", ctr_id(c));
	return r;
}

static int cmd_rm(struct cli *cli, int argc, char **argv)
{
	unsigned flags = 0;

	if (argc > 1 && !strcmp(argv[1], "-f")) {
		flags = CTR_FORCE; /* stop a running container first */
		argv[1] = argv[0];
		argc--;
		argv++;
	}
	return for_each(cli, argc, argv, op_remove, &flags);
}

/* ---- logs: ctr_logs() reads the log the monitor writes -------------------------------- */

struct log_out {
	int open_line; /* stdout was left in the middle of a line */
};

/* One line: stdout lines to our stdout, stderr lines to our stderr. */
static int print_line(const ctr_log_line_t *l, void *ud)
{
	struct log_out *o = ud;
	FILE *out = l->stream == CTR_STREAM_STDERR ? stderr : stdout;

	fwrite(l->data, 1, l->len, out);
	if (!l->partial)
		fputc('\n', out);
	if (out == stdout)
		o->open_line = l->partial;
	fflush(out); /* keep the order of stdout and stderr lines on a terminal */
	return 0;
}

static int cmd_logs(struct cli *cli, int argc, char **argv)
{
	CTR_OPTS(ctr_logs_opts_t, lo, .flags = 0);
	struct log_out o = { 0 };
	ctr_container_t *c = NULL;
	int opt, rc = 0;

	optind = 1;
	while ((opt = getopt(argc, argv, "+ftn:s:")) != -1) {
		switch (opt) {
		case 'f': lo.flags |= CTR_LOGS_FOLLOW; break;
		case 't': lo.flags |= CTR_LOGS_TIMESTAMPS; break;
		case 'n': lo.tail = strtoll(optarg, NULL, 10); break;
		case 's': /* seconds ago */
			lo.since_ns = (long long)time(NULL) * 1000000000LL -
				      (long long)(strtod(optarg, NULL) * 1e9);
			break;
		default: return usage(stderr);
		}
	}
	if (argc - optind != 1)
		return usage(stderr);
	if (ctr_lookup(cli->rt, argv[optind], &c) < 0 || ctr_logs(c, &lo, print_line, &o) < 0)
		rc = fail("logs");
	ctr_container_free(c);
	return rc;
}

/* ---- interacting: pause, exec, attach ----------------------------------------------------- */

static int op_pause(ctr_container_t *c, void *arg)
{
	return *(int *)arg ? ctr_pause(c) : ctr_unpause(c);
}

static int cmd_pause(struct cli *cli, int argc, char **argv)
{
	int on = !strcmp(argv[0], "pause");

	return for_each(cli, argc, argv, op_pause, &on);
}

/* exec [-t] [-i] [-e K=V]... [-u UID[:GID]] [-w DIR] [--privileged] NAME CMD [ARG...]:
 * our stdio is the process's (with -t, copied through a pty by its monitor). */
static int cmd_exec(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "privileged", no_argument, 0, 'P' },
					      { 0, 0, 0, 0 } };
	const char **env = calloc((size_t)argc + 1, sizeof(*env));
	ctr_exec_opts_t eo = { .sz = sizeof(eo), .stdin_fd = -1, .stdout_fd = 1, .stderr_fd = 2 };
	ctr_container_t *c = NULL;
	size_t nenv = 0;
	int opt, code = 125, rc = 0;

	optind = 1;
	while (env && (opt = getopt_long(argc, argv, "+tie:u:w:", opts, NULL)) != -1) {
		switch (opt) {
		case 't': eo.terminal = 1; break;
		case 'i': eo.stdin_fd = 0; break;
		case 'e': env[nenv++] = optarg; break;
		case 'u': eo.user = optarg; break;
		case 'w': eo.cwd = optarg; break;
		case 'P': eo.privileged = 1; break;
		default: free(env); return usage(stderr);
		}
	}
	if (!env || argc - optind < 2) {
		free(env);
		return usage(stderr);
	}
	eo.env = nenv ? env : NULL;
	eo.argv = (const char *const *)argv + optind + 1;
	if (ctr_lookup(cli->rt, argv[optind], &c) < 0 || ctr_exec(c, &eo, &code) < 0)
		rc = fail("exec");
	ctr_container_free(c);
	free(env);
	return rc ? rc : code;
}

/* attach [--no-stdin] [--detach-keys KEYS] NAME: our stdin, stdout and stderr. */
static int cmd_attach(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "no-stdin", no_argument, 0, 'n' },
					      { "detach-keys", required_argument, 0, 'k' },
					      { 0, 0, 0, 0 } };
	CTR_OPTS(ctr_attach_opts_t, ao, .stdin_fd = 0, .stdout_fd = 1, .stderr_fd = 2,
		 .mux_fd = -1);
	ctr_container_t *c = NULL;
	int opt, r = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': ao.stdin_fd = -1; break;
		case 'k': ao.detach_keys = optarg; break;
		default: return usage(stderr);
		}
	}
	if (argc - optind != 1)
		return usage(stderr);
	if (ctr_lookup(cli->rt, argv[optind], &c) < 0 || (r = ctr_attach(c, &ao)) < 0) {
		ctr_container_free(c);
		return fail("attach");
	}
	if (r == CTR_ATTACH_DETACHED)
		fprintf(stderr, "\nctr-run: detached from %s\n", ctr_name(c));
	ctr_container_free(c);
	return 0;
}

/* ---- saving: checkpoint, restore, export ------------------------------------------------ */

/* checkpoint [--leave-running] [--tcp-established] [--name N] [--export FILE] NAME */
static int cmd_checkpoint(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "leave-running", no_argument, 0, 'l' },
					      { "tcp-established", no_argument, 0, 't' },
					      { "name", required_argument, 0, 'n' },
					      { "export", required_argument, 0, 'e' },
					      { 0, 0, 0, 0 } };
	CTR_OPTS(ctr_checkpoint_opts_t, co, .flags = 0);
	ctr_container_t *c = NULL;
	int opt, rc = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (opt) {
		case 'l': co.flags |= CTR_CKPT_LEAVE_RUNNING; break;
		case 't': co.flags |= CTR_CKPT_TCP_ESTABLISHED; break;
		case 'n': co.name = optarg; break;
		case 'e': co.target_file = optarg; break;
		default: return usage(stderr);
		}
	}
	if (argc - optind != 1)
		return usage(stderr);
	if (ctr_lookup(cli->rt, argv[optind], &c) < 0 || ctr_checkpoint(c, &co) < 0)
		rc = fail("checkpoint");
	ctr_container_free(c);
	return rc;
}

/* restore [--name N] [--import FILE [--as NEWNAME]] [NAME]: from the container's own
 * checkpoint, or a new container from an archive (ctr_import) when NAME is not given. */
static int cmd_restore(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "name", required_argument, 0, 'n' },
					      { "import", required_argument, 0, 'i' },
					      { "as", required_argument, 0, 'a' },
					      { 0, 0, 0, 0 } };
	CTR_OPTS(ctr_restore_opts_t, ro, .flags = 0);
	const char *as = NULL;
	ctr_container_t *c = NULL;
	int opt, rc = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': ro.name = optarg; break;
		case 'i': ro.import_file = optarg; break;
		case 'a': as = optarg; break;
		default: return usage(stderr);
		}
	}
	if (argc - optind == 0 && ro.import_file) { /* a new container */
		const char *file = ro.import_file;
		ro.import_file = NULL;
		if (ctr_import(cli->rt, file, as, &ro, &c) < 0)
			return fail("restore --import");
		printf("%s\n", ctr_id(c));
	} else if (argc - optind != 1 || as) {
		return usage(stderr);
	} else if (ctr_lookup(cli->rt, argv[optind], &c) < 0 || ctr_restore(c, &ro) < 0) {
		rc = fail("restore");
	}
	ctr_container_free(c);
	return rc;
}

static int cmd_export(struct cli *cli, int argc, char **argv)
{
	ctr_container_t *c = NULL;
	int rc = 0;

	if (argc != 3)
		return usage(stderr);
	if (ctr_lookup(cli->rt, argv[1], &c) < 0 || ctr_export(c, argv[2]) < 0)
		rc = fail("export");
	ctr_container_free(c);
	return rc;
}

/* ---- events ------------------------------------------------------------------------- */

static int print_event(const ctr_event_t *ev, void *userdata)
{
	char when[32];
	time_t secs = (time_t)(ev->time_ns / 1000000000LL);
	struct tm tm;

	if (*(int *)userdata) { /* --json: one object per line */
		printf("{\"time_ns\":%lld,\"type\":\"%s\",\"id\":\"%s\",\"name\":\"%s\","
		       "\"attributes\":%s}\n",
		       ev->time_ns, ev->type, ev->id, ev->name, ev->attributes);
	} else {
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime_r(&secs, &tm));
		printf("%s  %-10s %-24s %s\n", when, ev->type, ev->name, ev->attributes);
	}
	fflush(stdout);
	return 0;
}

/* events [-f] [--json] [--type T] [--since SECS] [NAME] */
static int cmd_events(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, 0, 'j' },
					      { "type", required_argument, 0, 'T' },
					      { "since", required_argument, 0, 's' },
					      { 0, 0, 0, 0 } };
	CTR_OPTS(ctr_events_opts_t, eo, .follow = 0);
	int opt, json = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		switch (opt) {
		case 'f': eo.follow = 1; break;
		case 'j': json = 1; break;
		case 'T': eo.type = optarg; break;
		case 's':
			eo.since_ns = (long long)time(NULL) * 1000000000LL -
				      (long long)(strtod(optarg, NULL) * 1e9);
			break;
		default: return usage(stderr);
		}
	}
	if (argc - optind > 1)
		return usage(stderr);
	eo.container = argc > optind ? argv[optind] : NULL;
	return ctr_events(cli->rt, &eo, print_event, &json) < 0 ? fail("events") : 0;
}

/* ---- run: the whole life of a container ----------------------------------------------- */

static int cmd_run(struct cli *cli, int argc, char **argv)
{
	ctr_container_t *c = NULL;
	struct log_out o = { 0 };
	int code = 125;
	int rc = create_from_args(cli, argc, argv, &c);

	if (rc != 0)
		return rc;
	/* start on a CONFIGURED container creates and starts in one runtime call. */
	if (ctr_start(c, 0) < 0)
		rc = fail("run: start");
	else if (ctr_wait(c, -1, &code) < 0)
		rc = fail("run: wait");
	else if (ctr_logs(c, NULL, print_line, &o) < 0)
		rc = fail("run: logs");
	if (ctr_remove(c, CTR_FORCE) < 0 && rc == 0)
		rc = fail("run: remove");
	ctr_container_free(c);
	if (rc != 0)
		return rc;
	printf("%s%d\n", o.open_line ? "\n" : "", code);
	return code < 0 ? 125 : code;
}

/* ---- reading state -------------------------------------------------------------------- */

static int cmd_ps(struct cli *cli, int argc, char **argv)
{
	ctr_container_t **list = NULL;
	size_t n = 0;
	int json = argc > 1 && !strcmp(argv[1], "--json");

	if (ctr_list(cli->rt, &list, &n) < 0)
		return fail("ps");
	if (json)
		printf("[");
	else
		printf("%-12s  %-24s  %-10s  %s\n", "CONTAINER ID", "NAME", "STATE", "PID");
	for (size_t i = 0; i < n; i++) {
		ctr_state_t s;
		pid_t pid = 0;
		const char *state = ctr_state(list[i], &s) == 0 ? ctr_state_name(s) : "error";
		ctr_pid(list[i], &pid);
		if (json)
			printf("%s{\"id\":\"%s\",\"name\":\"%s\",\"state\":\"%s\",\"pid\":%d}",
			       i ? "," : "", ctr_id(list[i]), ctr_name(list[i]), state, (int)pid);
		else
			printf("%-12.12s  %-24s  %-10s  %d\n", ctr_id(list[i]), ctr_name(list[i]),
			       state, (int)pid);
	}
	if (json)
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

static const struct {
	const char *name;
	int (*fn)(struct cli *, int, char **);
} commands[] = {
	{ "create", cmd_create }, { "run", cmd_run },	  { "init", cmd_init },
	{ "start", cmd_start },	  { "stop", cmd_stop },	  { "kill", cmd_kill },
	{ "wait", cmd_wait },	  { "cleanup", cmd_cleanup }, { "logs", cmd_logs },
	{ "rm", cmd_rm },	  { "ps", cmd_ps },	  { "inspect", cmd_inspect },
	{ "pause", cmd_pause },	  { "unpause", cmd_pause }, { "exec", cmd_exec },
	{ "attach", cmd_attach }, { "checkpoint", cmd_checkpoint }, { "restore", cmd_restore },
	{ "export", cmd_export }, { "events", cmd_events },
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state-dir", required_argument, 0, 's' },
		{ "run-dir", required_argument, 0, 'r' },
		{ "runtime", required_argument, 0, 'R' },
		{ "help", no_argument, 0, 'H' },
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
		/* The monitor is found by its installed path, or $CTR_MONITOR. */
		if (ctr_runtime_open(&ro, &cli.rt) < 0)
			return fail("open");
		int rc = commands[i].fn(&cli, argc - optind, argv + optind);
		ctr_runtime_close(cli.rt);
		return rc;
	}
	fprintf(stderr, "ctr-run: unknown command %s\n", argv[optind]);
	return usage(stderr);
}
