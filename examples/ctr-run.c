/* ctr-run: a small container CLI over libctr, in the style of podman and runc.
 *
 *   ctr-run [--state-dir DIR] [--run-dir DIR] [--runtime PATH] COMMAND [ARGS]
 *
 * Each command is one function, cmd_<name>, so this file doubles as a tour of the API:
 * create, init, start, stop, kill, wait, cleanup, logs, rm, run, ps, inspect, pause,
 * unpause, exec, attach, checkpoint, restore, export and events. Every
 * libctr call that fails leaves a message naming the container and the cause in
 * ctr_last_error(); fail() prints it. Exit status, as podman's: 0; 125 for a bad option
 * value or when libctr refused; `run`, `attach` and `exec` exit with the container's (the
 * process's) code, 127 when the command was not found and 126 when it could not be run. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ctr/ctr.h>
#include <json-c/json.h>

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
	fprintf(
	    f,
	    "usage: ctr-run [--state-dir DIR] [--run-dir DIR] [--runtime PATH] COMMAND [ARGS]\n"
	    "  create [--name N] [-e K=V]... [--env-file F] [--user UID:GID] [-w DIR]\n"
	    "         [--hostname H] [-m SIZE] [--pids-limit N] [--read-only] [--network "
	    "none|host]\n"
	    "         [--label K=V]... [-t] [-i] [--restart POLICY[:N]] [--cap-add CAP]...\n"
	    "         [--cap-drop CAP|ALL]... [--stop-timeout SECS] [--log-size-max SIZE]\n"
	    "         ROOTFS CMD [ARG...]   print the new id (-i: keep stdin open)\n"
	    "  run [-d] [create's options] ROOTFS CMD [ARG...]\n"
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
	    "  exec [-t] [-i] [-e K=V]... [-u UID[:GID]] [-w DIR] [--privileged] NAME CMD...\n"
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
	    "NAME is a name, an id or a unique id prefix. SIZE is bytes or N[kmgt].\n");
	return f == stderr ? 125 : 0;
}

/* ---- option values, parsed strictly: a bad one is a message and exit status 125 ------- */

#define REPORTED INT_MIN /* a failure whose message is already on stderr */

static int bad_value(const char *opt, const char *val, const char *why)
{
	fprintf(stderr, "ctr-run: invalid argument \"%s\" for \"%s\": %s\n", val, opt, why);
	return REPORTED;
}

/* The whole of s, a decimal integer in [min, max]. */
static int parse_int(const char *opt, const char *s, long long min, long long max, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	if (!(isdigit((unsigned char)*s) || (*s == '-' && isdigit((unsigned char)s[1]))) || *end)
		return bad_value(opt, s, "not an integer");
	if (errno == ERANGE || *out < min || *out > max) {
		fprintf(stderr, "ctr-run: invalid argument \"%s\" for \"%s\": not in %lld..%lld\n",
			s, opt, min, max);
		return REPORTED;
	}
	return 0;
}

/* A size in bytes: N, or N with a unit b, k, m, g or t (powers of 1024; any case; "mb" is
 * "m"), as podman's --memory takes it. */
static int parse_size(const char *opt, const char *s, uint64_t *out)
{
	static const char units[] = "bkmgt";
	const char *u;
	char *end;
	int shift = 0;

	errno = 0;
	*out = strtoull(s, &end, 10);
	if (!isdigit((unsigned char)*s))
		return bad_value(opt, s, "not a size (N, Nk, Nm, Ng)");
	if (*end && (u = strchr(units, tolower((unsigned char)*end))) != NULL) {
		shift = 10 * (int)(u - units);
		end += 1 + (shift && tolower((unsigned char)end[1]) == 'b');
	}
	if (*end)
		return bad_value(opt, s, "not a size (N, Nk, Nm, Ng)");
	if (errno == ERANGE || *out > (UINT64_MAX >> shift))
		return bad_value(opt, s, "too large");
	*out <<= shift;
	return 0;
}

/* Seconds, a non-negative decimal number ("2", "0.5"). */
static int parse_secs(const char *opt, const char *s, double *out)
{
	char *end;

	*out = strtod(s, &end);
	if (!isdigit((unsigned char)*s) || *end || !isfinite(*out))
		return bad_value(opt, s, "not a number of seconds");
	return 0;
}

/* SECS ago as CLOCK_REALTIME nanoseconds, for --since. */
static int parse_since(const char *opt, const char *s, long long *out_ns)
{
	double secs;

	if (parse_secs(opt, s, &secs) < 0)
		return REPORTED;
	*out_ns = (long long)time(NULL) * 1000000000LL - (long long)(secs * 1e9);
	return 0;
}

/* ---- creating: a ctr_config_t from command-line options ----------------------------- */

/* A growing NULL-terminated array of strings it owns. */
struct strv {
	char **v;
	size_t n;
};

static int strv_add(struct strv *sv, const char *s, size_t len)
{
	char **v = realloc(sv->v, (sv->n + 2) * sizeof(*v));

	if (!v)
		return CTR_E_NOMEM;
	sv->v = v;
	if (!(v[sv->n] = strndup(s, len)))
		return CTR_E_NOMEM;
	v[++sv->n] = NULL;
	return 0;
}

static void strv_free(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
}

/* What create's options give beside the config: run's -d, and the lists set at the end. */
struct create_args {
	struct strv env, cap_add, cap_drop;
	int caps_given, detach, interactive;
};

/* --env-file: one K=V a line; blank lines and lines starting with '#' are skipped, and a
 * bare K takes K's value from our environment (as podman does). */
static int read_env_file(struct strv *env, const char *path)
{
	FILE *f = fopen(path, "re");
	char *line = NULL, *val, *kv;
	size_t cap = 0;
	ssize_t len;
	int r = 0;

	if (!f) {
		fprintf(stderr, "ctr-run: --env-file %s: %s\n", path, strerror(errno));
		return REPORTED;
	}
	while (r == 0 && (len = getline(&line, &cap, f)) > 0) {
		len -= line[len - 1] == '\n';
		line[len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if (strchr(line, '='))
			r = strv_add(env, line, (size_t)len);
		else if ((val = getenv(line)) != NULL && asprintf(&kv, "%s=%s", line, val) < 0)
			r = CTR_E_NOMEM;
		else if (val) {
			r = strv_add(env, kv, strlen(kv));
			free(kv);
		}
	}
	free(line);
	fclose(f);
	return r;
}
/* ---- creating: a ctr_config_t from command-line options ----------------------------- */

/* --user USER[:GROUP]: names or numbers (the library checks and looks them up) */
static int set_user(ctr_config_t *cfg, const char *arg)
{
	return ctr_config_set_user(cfg, arg);
}

/* --restart no|always|on-failure[:N]|unless-stopped */
static int set_restart(ctr_config_t *cfg, const char *arg)
{
	static const char *const names[] = { "no", "always", "on-failure", "unless-stopped" };
	size_t len = strcspn(arg, ":");
	long long max = 0;

	for (int p = 0; p < 4; p++) {
		if (strlen(names[p]) != len || strncmp(arg, names[p], len) != 0)
			continue;
		if (arg[len] && p != CTR_RESTART_ON_FAILURE)
			return bad_value("--restart", arg, "only on-failure takes :N");
		if (arg[len] && parse_int("--restart", arg + len + 1, 0, UINT_MAX, &max) < 0)
			return REPORTED;
		return ctr_config_set_restart_policy(cfg, (ctr_restart_t)p, (unsigned)max);
	}
	return bad_value("--restart", arg, "not no, always, on-failure[:N] or unless-stopped");
}

/* The capability set --cap-add and --cap-drop change: podman's default (the library's),
 * less the dropped ones ("ALL": every one), plus the added ones. */
static int set_caps(ctr_config_t *cfg, struct create_args *a)
{
	static const char *const defaults[] = {
		"CHOWN",   "DAC_OVERRIDE", "FSETID",	       "FOWNER",
		"MKNOD",   "NET_RAW",	   "SETGID",	       "SETUID",
		"SETFCAP", "SETPCAP",	   "NET_BIND_SERVICE", "SYS_CHROOT",
		"KILL",	   "AUDIT_WRITE",
	};
	struct strv caps = { 0 };
	int r = 0;

	for (size_t i = 0; r == 0 && i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		int dropped = 0;
		for (size_t j = 0; j < a->cap_drop.n; j++) {
			const char *d = a->cap_drop.v[j];
			d += strncasecmp(d, "CAP_", 4) == 0 ? 4 : 0;
			dropped |= !strcasecmp(d, "ALL") || !strcasecmp(d, defaults[i]);
		}
		if (!dropped)
			r = strv_add(&caps, defaults[i], strlen(defaults[i]));
	}
	for (size_t j = 0; r == 0 && j < a->cap_add.n; j++)
		r = strv_add(&caps, a->cap_add.v[j], strlen(a->cap_add.v[j]));
	if (r == 0) {
		const char *none = NULL;
		r = ctr_config_set_capabilities(cfg, caps.n ? (const char *const *)caps.v : &none);
	}
	strv_free(&caps);
	return r;
}

/* Parse create's options into cfg and a; returns the index of ROOTFS in argv, -1 for a
 * usage error, or REPORTED. */
static int parse_create(ctr_config_t *cfg, int argc, char **argv, struct create_args *a)
{
	static const struct option opts[] = {
		{ "name", required_argument, 0, 'n' },
		{ "env", required_argument, 0, 'e' },
		{ "env-file", required_argument, 0, 'E' },
		{ "user", required_argument, 0, 'u' },
		{ "workdir", required_argument, 0, 'w' },
		{ "cwd", required_argument, 0, 'w' },
		{ "hostname", required_argument, 0, 'h' },
		{ "memory", required_argument, 0, 'm' },
		{ "pids-limit", required_argument, 0, 'p' },
		{ "pids", required_argument, 0, 'p' },
		{ "read-only", no_argument, 0, 'r' },
		{ "network", required_argument, 0, 'N' },
		{ "label", required_argument, 0, 'l' },
		{ "tty", no_argument, 0, 't' },
		{ "interactive", no_argument, 0, 'i' },
		{ "detach", no_argument, 0, 'd' },
		{ "restart", required_argument, 0, 'R' },
		{ "cap-add", required_argument, 0, 'A' },
		{ "cap-drop", required_argument, 0, 'D' },
		{ "stop-timeout", required_argument, 0, 'T' },
		{ "log-size-max", required_argument, 0, 'L' },
		{ 0, 0, 0, 0 },
	};
	uint64_t bytes;
	long long n;
	char *eq;
	int o, r = 0;

	optind = 1;
	while (r == 0 && (o = getopt_long(argc, argv, "+n:e:u:w:m:rl:tid", opts, NULL)) != -1) {
		switch (o) {
		case 'n': r = ctr_config_set_name(cfg, optarg); break;
		case 'e':
			r = strv_add(&a->env, optarg, strlen(optarg));
			break;
		case 'E':
			r = read_env_file(&a->env, optarg);
			break;
		case 'u':
			r = set_user(cfg, optarg);
			break;
		case 'w': r = ctr_config_set_cwd(cfg, optarg); break;
		case 'h': r = ctr_config_set_hostname(cfg, optarg); break;
		case 'm':
			if ((r = parse_size("--memory", optarg, &bytes)) == 0)
				r = ctr_config_set_memory_limit(cfg, bytes);
			break;
		case 'p': /* -1, as podman has it, or 0: no limit */
			if ((r = parse_int("--pids-limit", optarg, -1, INT64_MAX, &n)) == 0)
				r = ctr_config_set_pids_limit(cfg, n < 0 ? 0 : n);
			break;
		case 'r': r = ctr_config_set_readonly_rootfs(cfg, 1); break;
		case 'N':
			r = !strcmp(optarg, "host") ? ctr_config_set_network(cfg, CTR_NETWORK_HOST)
			    : !strcmp(optarg, "none")
				? ctr_config_set_network(cfg, CTR_NETWORK_NONE)
				: bad_value("--network", optarg, "not none or host");
			break;
		case 'l':
			r = (eq = strchr(optarg, '=')) == NULL
				? bad_value("--label", optarg, "not KEY=VALUE")
				: (*eq = '\0', ctr_config_set_label(cfg, optarg, eq + 1));
			break;
		case 't': r = ctr_config_set_terminal(cfg, 1); break;
		case 'i':
			r = ctr_config_set_stdin(cfg, 1), a->interactive = 1;
			break;
		case 'd':
			a->detach = 1;
			break;
		case 'R':
			r = set_restart(cfg, optarg);
			break;
		case 'A':
			r = strv_add(&a->cap_add, optarg, strlen(optarg)), a->caps_given = 1;
			break;
		case 'D':
			r = strv_add(&a->cap_drop, optarg, strlen(optarg)), a->caps_given = 1;
			break;
		case 'T':
			if ((r = parse_int("--stop-timeout", optarg, 0, UINT_MAX, &n)) == 0)
				r = ctr_config_set_stop_timeout(cfg, (unsigned)n);
			break;
		case 'L':
			if ((r = parse_size("--log-size-max", optarg, &bytes)) == 0)
				r = ctr_config_set_log_size_max(cfg, bytes);
			break;
		default: return -1;
		}
	}
	if (r == 0 && a->caps_given)
		r = set_caps(cfg, a);
	if (r == 0 && a->env.n)
		r = ctr_config_set_env(cfg, (const char *const *)a->env.v);
	if (r < 0 && r != REPORTED)
		fprintf(stderr, "ctr-run: bad option: %s\n", ctr_last_error());
	if (r < 0)
		return REPORTED;
	return argc - optind >= 2 ? optind : -1;
}

/* Build a config from create's arguments and create the container: ctr_config_new(), the
 * setters, ctr_create(), ctr_config_free(). Returns 0 or an exit status. */
static int create_from_args(struct cli *cli, int argc, char **argv, struct create_args *a,
			    ctr_container_t **out)
{
	ctr_config_t *cfg = NULL;
	int i, rc = 125;

	if (ctr_config_new(&cfg) < 0)
		return fail("create");
	if ((i = parse_create(cfg, argc, argv, a)) == -1)
		rc = usage(stderr);
	else if (i >= 0 && (ctr_config_set_rootfs(cfg, argv[i]) < 0 ||
			    ctr_config_set_args(cfg, (const char *const *)argv + i + 1) < 0 ||
			    ctr_create(cli->rt, cfg, out) < 0))
		rc = fail("create");
	else if (i >= 0)
		rc = 0;
	ctr_config_free(cfg);
	strv_free(&a->env);
	strv_free(&a->cap_add);
	strv_free(&a->cap_drop);
	return rc;
}

static int cmd_create(struct cli *cli, int argc, char **argv)
{
	struct create_args a = { 0 };
	ctr_container_t *c = NULL;
	int rc = create_from_args(cli, argc, argv, &a, &c);

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
		case 'n':
			if (parse_int("-n", optarg, -1, LLONG_MAX, &lo.tail) < 0)
				return 125;
			break;
		case 's':
			if (parse_since("-s", optarg, &lo.since_ns) < 0)
				return 125;
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

/* The exit status of a process the runtime could not start, podman's: 127 when its command
 * was not found, 126 when it could not be run; other failures 125. The message is printed
 * unless the runtime wrote it to the process's stderr, ours (as runc's exec does). */
static int start_failed(const char *what, int runtime_printed)
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
	CTR_OPTS(ctr_events_opts_t, eo, .flags = 0);
	int opt, json = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		switch (opt) {
		case 'f': eo.flags |= CTR_EVENTS_FOLLOW; break;
		case 'j': json = 1; break;
		case 'T': eo.type = optarg; break;
		case 's':
			if (parse_since("--since", optarg, &eo.since_ns) < 0)
				return 125;
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

/* run [create's options] ROOTFS CMD...: attached to its output (and with -i its input)
 * from before its start, then removed; with -d started and left running. */
static int cmd_run(struct cli *cli, int argc, char **argv)
{
	CTR_OPTS(ctr_attach_opts_t, ao, .flags = CTR_ATTACH_START, .stdin_fd = -1, .stdout_fd = 1,
		 .stderr_fd = 2, .mux_fd = -1);
	struct create_args a = { 0 };
	ctr_container_t *c = NULL;
	int code = -1, r = 0, rc = create_from_args(cli, argc, argv, &a, &c);

	if (rc != 0)
		return rc;
	if (a.detach) {
		if ((rc = ctr_start(c, 0) < 0 ? start_failed("run: start", 0) : 0) == 0)
			printf("%s\n", ctr_id(c));
	} else {
		ao.stdin_fd = a.interactive ? 0 : -1;
		if ((r = ctr_attach(c, &ao)) < 0)
			rc = start_failed("run", 0);
		else if (r == 0 && ctr_wait(c, -1, &code) < 0)
			rc = fail("run: wait");
	}
	if (r == CTR_ATTACH_DETACHED)
		fprintf(stderr, "\nctr-run: detached from %s\n", ctr_name(c));
	else if ((rc != 0 || !a.detach) && ctr_remove(c, CTR_FORCE) < 0 && rc == 0)
		rc = fail("run: remove");
	ctr_container_free(c);
	return rc ? rc : a.detach || r ? 0 : code < 0 ? 125 : code;
}

/* ---- reading state -------------------------------------------------------------------- */

/* A time of ctr_inspect()'s JSON, ns since the epoch: a number of ns or an RFC 3339 UTC
 * string; 0 when absent. */
static long long json_time_ns(struct json_object *o, const char *key)
{
	struct json_object *v;
	struct tm tm = { 0 };
	const char *s, *rest;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return json_object_get_int64(v);
	s = json_object_get_string(v);
	if (!(rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
		return 0;
	return (long long)timegm(&tm) * 1000000000LL + (long long)(strtod(rest, NULL) * 1e9);
}

/* How long ago, as podman says it (go-units' HumanDuration): "5 seconds", "About a minute". */
static void human_duration(char *buf, size_t size, long long since_ns)
{
	struct timespec now;
	long long secs, hours;

	clock_gettime(CLOCK_REALTIME, &now);
	secs = ((long long)now.tv_sec * 1000000000LL + now.tv_nsec - since_ns) / 1000000000LL;
	hours = (secs + 1800) / 3600;

	if (secs < 1)
		snprintf(buf, size, "Less than a second");
	else if (secs < 60)
		snprintf(buf, size, "%lld second%s", secs, secs == 1 ? "" : "s");
	else if (secs < 120)
		snprintf(buf, size, "About a minute");
	else if (secs < 3600)
		snprintf(buf, size, "%lld minutes", secs / 60);
	else if (hours == 1)
		snprintf(buf, size, "About an hour");
	else if (hours < 48)
		snprintf(buf, size, "%lld hours", hours);
	else if (hours < 24 * 7 * 2)
		snprintf(buf, size, "%lld days", hours / 24);
	else if (hours < 24 * 30 * 2)
		snprintf(buf, size, "%lld weeks", hours / 24 / 7);
	else if (hours < 24 * 365 * 2)
		snprintf(buf, size, "%lld months", hours / 24 / 30);
	else
		snprintf(buf, size, "%lld years", secs / 3600 / 24 / 365);
}

/* One line of ps, as podman ps has it: the command cut to 17 characters and "...",
 * the creation time and the status ("Up 3 seconds", "Exited (137) 2 seconds ago", else
 * the state: "Created", "Paused"). */
static void print_ps_line(ctr_container_t *c)
{
	struct json_object *root = NULL, *cfg, *st, *args, *v;
	char cmd[64] = "", created[48], status[64], ago[32];
	const char *state = "unknown";
	char *json = NULL;
	size_t len = 0;

	if (ctr_inspect(c, &json) == 0)
		root = json_tokener_parse(json);
	if (!root || !json_object_object_get_ex(root, "state", &st) ||
	    !json_object_object_get_ex(root, "config", &cfg))
		st = cfg = NULL;
	if (st && json_object_object_get_ex(st, "state", &v))
		state = json_object_get_string(v);
	for (size_t i = 0; cfg && json_object_object_get_ex(cfg, "args", &args) &&
			   i < json_object_array_length(args) && len < sizeof(cmd);
	     i++)
		len += (size_t)snprintf(cmd + len, sizeof(cmd) - len, "%s%s", i ? " " : "",
					json_object_get_string(json_object_array_get_idx(args, i)));
	if (strlen(cmd) > 17)
		strcpy(cmd + 17, "...");
	human_duration(ago, sizeof(ago), root ? json_time_ns(root, "created") : 0);
	snprintf(created, sizeof(created), "%s ago", ago);
	if (!strcmp(state, "running")) {
		human_duration(ago, sizeof(ago), json_time_ns(st, "started_at"));
		snprintf(status, sizeof(status), "Up %s", ago);
	} else if (!strcmp(state, "stopped") || !strcmp(state, "exited")) {
		human_duration(ago, sizeof(ago), json_time_ns(st, "finished_at"));
		snprintf(status, sizeof(status), "Exited (%d) %s ago",
			 json_object_object_get_ex(st, "exit_code", &v) ? json_object_get_int(v)
									: -1,
			 ago);
	} else {
		snprintf(status, sizeof(status), "%c%s", toupper((unsigned char)*state),
			 !strcmp(state, "configured") ? "reated" : state + 1);
	}
	printf("%-12.12s  %-20s  %-22s  %-30s  %s\n", ctr_id(c), cmd, created, status, ctr_name(c));
	json_object_put(root);
	ctr_free(json);
}

/* ps [--json] */
static int cmd_ps(struct cli *cli, int argc, char **argv)
{
	ctr_container_t **list = NULL;
	size_t n = 0;
	int json = argc > 1 && !strcmp(argv[1], "--json");

	if (argc > 2 || (argc == 2 && !json))
		return usage(stderr);
	if (ctr_list(cli->rt, &list, &n) < 0)
		return fail("ps");
	if (json)
		printf("[");
	else
		printf("%-12s  %-20s  %-22s  %-30s  %s\n", "CONTAINER ID", "COMMAND", "CREATED",
		       "STATUS", "NAMES");
	for (size_t i = 0; i < n; i++) {
		ctr_state_t s;
		pid_t pid = 0;
		const char *state = ctr_state(list[i], &s) == 0 ? ctr_state_name(s) : "error";
		if (!json) {
			print_ps_line(list[i]);
			continue;
		}
		ctr_pid(list[i], &pid);
		printf("%s{\"id\":\"%s\",\"name\":\"%s\",\"state\":\"%s\",\"pid\":%d}",
		       i ? "," : "", ctr_id(list[i]), ctr_name(list[i]), state, (int)pid);
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
