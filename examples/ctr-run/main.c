/* ctr-run: a small container CLI over libctr, in the style of podman and runc.
 *
 *   ctr-run [--state-dir DIR] [--run-dir DIR] [--runtime PATH] COMMAND [ARGS]
 *
 * Each command is one function, cmd_<name>, so these files double as a tour of the API:
 * create, init, start, stop, kill, wait, cleanup, logs, rm, run, ps, inspect, pause,
 * unpause, exec, attach, checkpoint, restore, export, events, for images pull, load,
 * images, rmi, tag and image inspect, and network create, ls, inspect and rm (ctr-run.h
 * says which file has which). Every libctr call that fails leaves a message naming the
 * container and the cause in ctr_last_error(); fail() prints it. Exit status, as podman's: 0; 125 for a bad option
 * value or when libctr refused; `run`, `attach` and `exec` exit with the container's (the
 * process's) code, 127 when the command was not found and 126 when it could not be run. */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctr-run.h"

int fail(const char *what)
{
	fprintf(stderr, "ctr-run: %s: %s\n", what, ctr_last_error());
	return 125;
}

int usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: ctr-run [--state-dir DIR] [--run-dir DIR] [--runtime PATH] COMMAND [ARGS]\n"
	    "  create [--name N] [-e K=V]... [--env-file F] [-u USER[:GROUP]] [-w DIR]\n"
	    "         [--hostname H] [-v SRC:DST[:ro]]... [--read-only] [-m SIZE]\n"
	    "         [--pids-limit N] [--network none|host|NET[:ip=A.B.C.D]]... [-t] [-i]\n"
	    "         [-p [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|/udp]]... [--label K=V]...\n"
	    "         [--restart POLICY[:N]] [--cap-add CAP]... [--cap-drop CAP|ALL]...\n"
	    "         [--stop-timeout SECS] [--log-size-max SIZE] [--entrypoint CMD]\n"
	    "         ROOTFS CMD [ARG...] | IMAGE [CMD [ARG...]]\n"
	    "                           print the new id (-t: a terminal; -i: keep stdin open)\n"
	    "  run [-d] [create's options] ROOTFS CMD [ARG...] | IMAGE [CMD [ARG...]]\n"
	    "                           create, start attached, remove; exit with the\n"
	    "                           container's code (-d: start, print the id, leave it)\n"
	    "  init NAME...             create in the OCI runtime (state created)\n"
	    "  start NAME...            start (creating first if needed)\n"
	    "  stop [-t SECS] NAME...   stop signal, then SIGKILL after SECS\n"
	    "  kill NAME [SIGNAL]       send SIGNAL (number or name; default KILL)\n"
	    "  wait NAME                wait for the exit and print the exit code\n"
	    "  cleanup NAME...          release the runtime state of a stopped container\n"
	    "  logs [-f] [-t] [-n N] [-s SECS] NAME  print the container's output (follow,\n"
	    "                           timestamps, last N lines, since SECS ago)\n"
	    "  pause NAME... / unpause NAME...  freeze / thaw\n"
	    "  exec [-t] [-i] [-e K=V]... [-u USER[:GROUP]] [-w DIR] [--privileged] NAME CMD...\n"
	    "                           run CMD in the container; exit with its code\n"
	    "                           (127: not found, 126: not executable)\n"
	    "  attach [--no-stdin] [--detach-keys KEYS] NAME  connect to its stdio; exit\n"
	    "                           with its code (detach with ctrl-p ctrl-q)\n"
	    "  checkpoint [--leave-running] [--tcp-established] [--name N] [--export FILE] NAME\n"
	    "  restore [--name N] NAME   from its checkpoint; or\n"
	    "  restore --import FILE [--as NEWNAME]  a new container from an archive\n"
	    "  export NAME FILE          its root filesystem as a tar archive\n"
	    "  events [-f] [--json] [--type T] [--since SECS] [NAME]  the event log\n"
	    "  rm [-f] NAME...          remove containers (-f: stop running ones first)\n"
	    "  ps [--json]              list containers\n"
	    "  inspect NAME             print the container as JSON\n"
	    "  pull [--insecure] [--authfile F] [--name N] [--timeout SECS] SOURCE\n"
	    "                           fetch an image with skopeo (docker://HOST/NAME:TAG,\n"
	    "                           oci:DIR:TAG, ...) and print its id\n"
	    "  load [-n NAME] FILE|DIR  import an OCI layout, oci-archive or docker-archive;\n"
	    "                           print the image's id\n"
	    "  images [-q]              list images (-q: their ids)\n"
	    "  rmi REF...               remove images, or one name of an image\n"
	    "  tag REF NAME...          give an image more names\n"
	    "  image inspect REF...     print the image as JSON (also image ls, rm, pull, ...)\n"
	    "  network create [--subnet A.B.C.D/N] [--gateway IP] [--internal] NET\n"
	    "                           a bridge network (default: a free /24 of 10.89.0.0/16)\n"
	    "  network ls [-q] | network inspect NET... | network rm NET...\n"
	    "NAME is a name, an id or a unique id prefix. SIZE is bytes or N[kmgt]. ROOTFS is a\n"
	    "directory path starting with / or .; anything else is an IMAGE. An image REF is\n"
	    "NAME[:TAG] (TAG latest by default), an id or a unique id prefix (12+ hex digits).\n"
	    "--entrypoint (a command, or a JSON array) replaces the image's; CMD its cmd.\n"
	    "--network NET joins a network (repeatable: eth0, eth1, ...); -p publishes a port on\n"
	    "the host (without --network, on the network \"" CTR_NETWORK_DEFAULT "\", made when needed).\n");
	return f == stderr ? 125 : 0;
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

/* stop [-t|--time SECONDS] NAME... */
static int cmd_stop(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "time", required_argument, 0, 't' },
					      { "timeout", required_argument, 0, 't' },
					      { 0, 0, 0, 0 } };
	long long secs = -1; /* < 0: the container's configured stop timeout */
	int opt, timeout;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+t:", opts, NULL)) != -1) {
		if (opt != 't')
			return usage(stderr);
		if (parse_int("-t/--time", optarg, 0, INT_MAX, &secs) < 0)
			return 125;
	}
	timeout = (int)secs;
	argv[optind - 1] = argv[0]; /* the verb, then the names */
	return for_each(cli, argc - optind + 1, argv + optind - 1, op_stop, &timeout);
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

/* The exit status of a process the runtime could not start, podman's: 127 when its command
 * was not found, 126 when it could not be run; other failures 125. The message is printed
 * unless the runtime wrote it to the process's stderr, ours (as runc's exec does). */
int start_failed(const char *what, int runtime_printed)
{
	const char *m = strstr(ctr_last_error(), "unable to start container process: exec:");
	int code = !m								      ? 125
		   : strstr(m, "not found") || strstr(m, "no such file or directory") ? 127
		   : strstr(m, "permission denied") || strstr(m, "is a directory")    ? 126
										      : 125;

	if (code == 125 || !runtime_printed)
		fail(what);
	return code;
}

/* exec [-t] [-i] [-e K=V]... [-u USER[:GROUP]] [-w DIR] [--privileged] NAME CMD [ARG...]:
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
	if (ctr_lookup(cli->rt, argv[optind], &c) < 0)
		rc = fail("exec");
	else if (ctr_exec(c, &eo, &code) < 0)
		rc = start_failed("exec", 1);
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
	int opt, code = -1, r = 0;

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
	else if (ctr_wait(c, -1, &code) < 0) /* the output ended: it exited */
		code = fail("attach: wait");
	ctr_container_free(c);
	return r == CTR_ATTACH_DETACHED ? 0 : code < 0 ? 125 : code;
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
	{ "export", cmd_export }, { "events", cmd_events }, { "pull", cmd_pull },
	{ "load", cmd_load },	  { "images", cmd_images }, { "rmi", cmd_rmi },
	{ "tag", cmd_tag },	  { "image", cmd_image }, { "network", cmd_network },
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
