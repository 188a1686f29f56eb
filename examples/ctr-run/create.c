/* ctr-run create and run: a ctr_config_t from podman's create options (ctr_config_new(),
 * a setter for each option, ctr_create()), then for run the container's whole life. The
 * container's root is a directory (ctr_config_set_rootfs()) or an image
 * (ctr_config_set_image()). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "ctr-run.h"

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
	struct strv env, cap_add, cap_drop, entrypoint;
	int caps_given, detach, interactive;
};

/* --entrypoint CMD, or a JSON array of strings as podman takes it ('["/bin/sh","-c"]'). */
static int parse_entrypoint(struct strv *ep, const char *arg)
{
	struct json_object *a = arg[0] == '[' ? json_tokener_parse(arg) : NULL;
	size_t n = a && json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
	int r = 0;

	strv_free(ep); /* the last --entrypoint wins */
	*ep = (struct strv){ 0 };
	if (arg[0] != '[')
		return strv_add(ep, arg, strlen(arg));
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct json_object *v = json_object_array_get_idx(a, i);
		r = json_object_is_type(v, json_type_string)
			? strv_add(ep, json_object_get_string(v), json_object_get_string_len(v))
			: bad_value("--entrypoint", arg, "not a JSON array of strings");
	}
	if (r == 0 && n == 0)
		r = bad_value("--entrypoint", arg, "not a command or a non-empty JSON array");
	json_object_put(a);
	return r;
}

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

/* -u/--user USER[:GROUP]: names (looked up in the rootfs's /etc/passwd and /etc/group
 * when it starts) or numbers; the library checks the syntax. */
static int set_user(ctr_config_t *cfg, const char *arg)
{
	return ctr_config_set_user(cfg, arg) < 0 ? bad_value("--user", arg, ctr_last_error()) : 0;
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

/* -v/--volume SRC:DST[:OPTS]: the host directory or file SRC (an absolute path that
 * exists) bind-mounted at DST; OPTS is ro or rw, or both comma-separated (the last wins). */
static int add_volume(ctr_config_t *cfg, const char *arg)
{
	char *src = strdup(arg), *dst, *opts, *o, *save = NULL;
	struct stat st;
	int r = 0, ro = 0;

	if (!src)
		return CTR_E_NOMEM;
	if ((dst = strchr(src, ':')) != NULL)
		*dst++ = '\0';
	if (dst && (opts = strchr(dst, ':')) != NULL)
		*opts++ = '\0';
	else
		opts = NULL;
	for (o = opts ? strtok_r(opts, ",", &save) : NULL; r == 0 && o;
	     o = strtok_r(NULL, ",", &save)) {
		if (!strcmp(o, "ro") || !strcmp(o, "rw"))
			ro = o[1] == 'o';
		else
			r = bad_value("--volume", arg, "options other than ro and rw");
	}
	if (r == 0 && (src[0] != '/' || !dst || dst[0] != '/'))
		r = bad_value("--volume", arg, "not SRC:DST[:ro] with absolute paths");
	else if (r == 0 && stat(src, &st) < 0)
		r = bad_value("--volume", arg, strerror(errno));
	else if (r == 0 && ctr_config_add_mount(cfg, src, dst, NULL, ro ? "rbind,ro" : NULL) < 0)
		r = bad_value("--volume", arg, ctr_last_error());
	free(src);
	return r;
}

/* A capability's name without "CAP_". */
static const char *cap_name(const char *cap)
{
	return cap + (strncasecmp(cap, "CAP_", 4) == 0 ? 4 : 0);
}

/* Each of list's names is a capability the library knows, or "ALL" where all_ok. */
static int check_caps(ctr_config_t *cfg, const char *opt, const struct strv *list, int all_ok)
{
	for (size_t i = 0; i < list->n; i++) {
		const char *one[] = { list->v[i], NULL };
		if (!(all_ok && !strcasecmp(cap_name(list->v[i]), "ALL")) &&
		    ctr_config_set_capabilities(cfg, one) < 0)
			return bad_value(opt, list->v[i], ctr_last_error());
	}
	return 0;
}

/* The capability set --cap-add and --cap-drop change: the library's default (podman's),
 * less the dropped ones ("ALL": every one), plus the added ones. */
static int set_caps(ctr_config_t *cfg, struct create_args *a)
{
	const char *const *defaults = ctr_default_capabilities();
	struct strv caps = { 0 };
	int r = check_caps(cfg, "--cap-drop", &a->cap_drop, 1);

	if (r == 0)
		r = check_caps(cfg, "--cap-add", &a->cap_add, 0);
	for (size_t i = 0; r == 0 && defaults[i]; i++) {
		int dropped = 0;
		for (size_t j = 0; j < a->cap_drop.n; j++) {
			const char *d = cap_name(a->cap_drop.v[j]);
			dropped |= !strcasecmp(d, "ALL") || !strcasecmp(d, cap_name(defaults[i]));
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

/* Parse create's options into cfg and a; returns the index of ROOTFS or IMAGE in argv, -1
 * for a usage error, or REPORTED. */
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
		{ "pids-limit", required_argument, 0, 'q' },
		{ "pids", required_argument, 0, 'q' },
		{ "read-only", no_argument, 0, 'r' },
		{ "network", required_argument, 0, 'N' },
		{ "net", required_argument, 0, 'N' },
		{ "publish", required_argument, 0, 'p' },
		{ "label", required_argument, 0, 'l' },
		{ "tty", no_argument, 0, 't' },
		{ "interactive", no_argument, 0, 'i' },
		{ "detach", no_argument, 0, 'd' },
		{ "restart", required_argument, 0, 'R' },
		{ "cap-add", required_argument, 0, 'A' },
		{ "cap-drop", required_argument, 0, 'D' },
		{ "stop-timeout", required_argument, 0, 'T' },
		{ "log-size-max", required_argument, 0, 'L' },
		{ "volume", required_argument, 0, 'v' },
		{ "entrypoint", required_argument, 0, 'P' },
		{ 0, 0, 0, 0 },
	};
	uint64_t bytes;
	long long n;
	char *eq;
	int o, r = 0;

	optind = 1;
	while (r == 0 && (o = getopt_long(argc, argv, "+n:e:u:w:m:rl:tidv:p:", opts, NULL)) != -1) {
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
		case 'q': /* -1, as podman has it, or 0: no limit */
			if ((r = parse_int("--pids-limit", optarg, -1, INT64_MAX, &n)) == 0)
				r = ctr_config_set_pids_limit(cfg, n < 0 ? 0 : n);
			break;
		case 'r': r = ctr_config_set_readonly_rootfs(cfg, 1); break;
		case 'N': r = add_network(cfg, optarg); break;
		case 'p': r = add_port(cfg, optarg); break;
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
		case 'v':
			r = add_volume(cfg, optarg);
			break;
		case 'P':
			r = parse_entrypoint(&a->entrypoint, optarg);
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
	return argc - optind >= 1 ? optind : -1;
}

/* Whether the argument after the options is a root filesystem directory (a path: it
 * starts with '/' or '.') rather than an image reference (NAME[:TAG] or an id). */
static int is_rootfs(const char *arg)
{
	return arg[0] == '/' || arg[0] == '.';
}

/* The container's root and process from ROOTFS CMD [ARG...] or IMAGE [CMD [ARG...]]: a
 * rootfs needs the command; an image's entrypoint and cmd are the defaults, which
 * --entrypoint and CMD replace. Returns 0 or REPORTED (the message printed). */
static int set_root(ctr_config_t *cfg, struct create_args *a, char **rest)
{
	const char *const *args = (const char *const *)rest + 1;

	if (is_rootfs(rest[0])) {
		if (a->entrypoint.n)
			return bad_value("--entrypoint", a->entrypoint.v[0],
					 "needs an image, not a rootfs directory");
		if (!args[0])
			return usage(stderr), REPORTED;
		if (ctr_config_set_rootfs(cfg, rest[0]) < 0 || ctr_config_set_args(cfg, args) < 0)
			return fail("create"), REPORTED;
		return 0;
	}
	if (ctr_config_set_image(cfg, rest[0]) < 0 ||
	    (a->entrypoint.n &&
	     ctr_config_set_entrypoint(cfg, (const char *const *)a->entrypoint.v) < 0) ||
	    (args[0] && ctr_config_set_args(cfg, args) < 0))
		return fail("create"), REPORTED;
	return 0;
}

/* ctr_create() failed with err: its message, and a hint when no image is named root but a
 * directory is. Returns 125. */
static int create_failed(const char *root, int err)
{
	struct stat st;

	fail("create");
	if (err == CTR_E_NOENT && !is_rootfs(root) && stat(root, &st) == 0 && S_ISDIR(st.st_mode))
		fprintf(stderr, "ctr-run: a rootfs directory is given as a path: ./%s\n", root);
	return 125;
}

/* Build a config from create's arguments and create the container: ctr_config_new(), the
 * setters, ctr_create(), ctr_config_free(). Returns 0 or an exit status. */
static int create_from_args(struct cli *cli, int argc, char **argv, struct create_args *a,
			    ctr_container_t **out)
{
	ctr_config_t *cfg = NULL;
	int i, r, rc = 125;

	if (ctr_config_new(&cfg) < 0)
		return fail("create");
	if ((i = parse_create(cfg, argc, argv, a)) == -1)
		rc = usage(stderr);
	else if (i >= 0 && set_root(cfg, a, argv + i) == 0)
		rc = (r = ctr_create(cli->rt, cfg, out)) < 0 ? create_failed(argv[i], r) : 0;
	ctr_config_free(cfg);
	strv_free(&a->env);
	strv_free(&a->cap_add);
	strv_free(&a->cap_drop);
	strv_free(&a->entrypoint);
	return rc;
}

int cmd_create(struct cli *cli, int argc, char **argv)
{
	struct create_args a = { 0 };
	ctr_container_t *c = NULL;
	int rc = create_from_args(cli, argc, argv, &a, &c);

	if (rc == 0)
		printf("%s\n", ctr_id(c));
	ctr_container_free(c);
	return rc;
}

/* ---- run: the whole life of a container ----------------------------------------------- */

/* run [create's options] ROOTFS CMD... | IMAGE [CMD...]: attached to its output (and with -i its input)
 * from before its start, then removed; with -d started and left running. */
int cmd_run(struct cli *cli, int argc, char **argv)
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
