/* The command line: options, their values and which go with which mode. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor.h"

enum kind { K_STR, K_UINT, K_U64, K_FD, K_FLAG };

struct opt {
	const char *name;
	enum kind kind;
	size_t off;
};

#define OFF(field) offsetof(struct mon_args, field)

static const struct opt opts[] = {
	{ "--proto", K_STR, OFF(proto_arg) },
	{ "--runtime", K_STR, OFF(runtime) },
	{ "--runtime-root", K_STR, OFF(runtime_root) },
	{ "--id", K_STR, OFF(id) },
	{ "--bundle", K_STR, OFF(bundle) },
	{ "--exit-dir", K_STR, OFF(exit_dir) },
	{ "--log", K_STR, OFF(log) },
	{ "--pid-file", K_STR, OFF(pid_file) },
	{ "--console-socket", K_STR, OFF(console_socket) },
	{ "--attach-socket", K_STR, OFF(attach_socket) },
	{ "--sync-fd", K_FD, OFF(sync_fd) },
	{ "--lock-fd", K_FD, OFF(lock_fd) },
	{ "--terminal", K_FLAG, OFF(terminal) },
	{ "--run", K_FLAG, OFF(run) },
	{ "--stdin", K_FLAG, OFF(stdin_pipe) },
	{ "--delete", K_FLAG, OFF(delete_after) },
	{ "--exit-command", K_STR, OFF(exit_command) },
	{ "--runtime-timeout-ms", K_UINT, OFF(timeout_ms) },
	{ "--log-size-max", K_U64, OFF(log_size_max) },
	{ "--exec", K_STR, OFF(exec_name) },
	{ "--process", K_STR, OFF(process) },
	{ "--preserve-fds", K_UINT, OFF(preserve_fds) },
	{ "--restore", K_STR, OFF(restore) },
	{ "--restore-work", K_STR, OFF(restore_work) },
	{ "--tcp-established", K_FLAG, OFF(tcp_established) },
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

/* Options that belong to one mode only. */
static const char *const container_only[] = {
	"--bundle", "--log", "--run", "--stdin", "--delete", "--exit-command", "--log-size-max",
	"--restore", "--restore-work", "--tcp-established",
};
static const char *const exec_only[] = { "--process", "--preserve-fds" };

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Store one option; returns how many arguments it used or -1. */
static int set_opt(struct mon_args *a, const struct opt *o, const char *val)
{
	void *dst = (char *)a + o->off;
	uint64_t u;

	a->seen |= 1u << (o - opts);
	if (o->kind == K_FLAG) {
		*(int *)dst = 1;
		return 1;
	}
	if (!val || !*val)
		return -1;
	if (o->kind == K_STR) {
		*(const char **)dst = val;
		return 2;
	}
	if (parse_u64(val, o->kind == K_U64 ? INT64_MAX : INT_MAX, &u) < 0)
		return -1;
	if (o->kind == K_U64)
		*(uint64_t *)dst = u;
	else if (o->kind == K_UINT)
		*(unsigned *)dst = (unsigned)u;
	else
		*(int *)dst = (int)u;
	return 2;
}

/* Fill A from ARGV; returns the first argument it could not use, or NULL. */
static const char *parse_opts(int argc, char **argv, struct mon_args *a)
{
	const char *bad = NULL;

	for (int i = 1; i < argc;) {
		const struct opt *o = NULL;
		for (size_t k = 0; k < NOPTS && !o; k++)
			if (!strcmp(argv[i], opts[k].name))
				o = &opts[k];
		int used = o ? set_opt(a, o, i + 1 < argc ? argv[i + 1] : NULL) : -1;
		if (used < 0) {
			bad = bad ? bad : argv[i];
			used = 1;
		}
		i += used;
	}
	return bad;
}

static int given(const struct mon_args *a, const char *name)
{
	for (size_t k = 0; k < NOPTS; k++)
		if (!strcmp(opts[k].name, name))
			return !!(a->seen & (1u << k));
	return 0;
}

/* Ids and exec names: 1-200 characters of [A-Za-z0-9_+.-], not "." or "..". */
static int valid_name(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && n <= 200 &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789_+.-") == n &&
	       strcmp(id, ".") && strcmp(id, "..");
}

/* Which options the mode needs and which it refuses. */
static int check_mode(const struct mon_args *a)
{
	const int exec = a->exec_name != NULL;
	const char *const *refused = exec ? container_only : exec_only;
	size_t nrefused = exec ? sizeof(container_only) / sizeof(container_only[0])
			       : sizeof(exec_only) / sizeof(exec_only[0]);
	const struct {
		const char *name, *val;
	} req[] = {
		{ "--runtime", a->runtime },
		{ "--runtime-root", a->runtime_root },
		{ "--id", a->id },
		{ "--exit-dir", a->exit_dir },
		{ exec ? "--process" : "--bundle", exec ? a->process : a->bundle },
		{ exec ? "--pid-file" : "--log", exec ? a->pid_file : a->log },
		{ "--console-socket", exec && a->terminal ? a->console_socket : "" },
	};

	for (size_t i = 0; i < nrefused; i++)
		if (given(a, refused[i]))
			return mon_fail(CTRP_ERR_USAGE, "%s is %s --exec", refused[i],
					exec ? "not allowed with" : "only allowed with");
	for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++)
		if (!req[i].val)
			return mon_fail(CTRP_ERR_USAGE, "missing %s", req[i].name);
	if (!valid_name(a->id))
		return mon_fail(CTRP_ERR_USAGE, "invalid --id '%s'", a->id);
	if (exec && !valid_name(a->exec_name))
		return mon_fail(CTRP_ERR_USAGE, "invalid --exec '%s'", a->exec_name);
	if (a->restore && a->run)
		return mon_fail(CTRP_ERR_USAGE, "--restore and --run exclude each other");
	if ((a->restore_work || a->tcp_established) && !a->restore)
		return mon_fail(CTRP_ERR_USAGE,
				"--restore-work and --tcp-established need --restore");
	return 0;
}

static int check_values(const struct mon_args *a)
{
	const char *paths[] = { a->runtime_root, a->bundle,	    a->exit_dir, a->log,
				a->pid_file,	 a->console_socket, a->process,	 a->attach_socket,
				a->restore,	 a->restore_work };
	const int first = CTRP_FD_PRESERVE_FIRST, last = first + (int)a->preserve_fds - 1;

	if (strchr(a->runtime, '/') && a->runtime[0] != '/')
		return mon_fail(CTRP_ERR_USAGE, "--runtime must be absolute or a bare name: %s",
				a->runtime);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (paths[i] && (paths[i][0] != '/' || strlen(paths[i]) >= PATH_MAX - 256))
			return mon_fail(CTRP_ERR_USAGE, "path must be absolute and short: %s",
					paths[i]);
	if (a->timeout_ms == 0)
		return mon_fail(CTRP_ERR_USAGE, "--runtime-timeout-ms must be positive");
	if (a->log_size_max && a->log_size_max < CTRP_LOG_SIZE_MIN)
		return mon_fail(CTRP_ERR_USAGE, "--log-size-max must be 0 or at least %d",
				CTRP_LOG_SIZE_MIN);
	if (a->preserve_fds > CTRP_PRESERVE_MAX)
		return mon_fail(CTRP_ERR_USAGE, "--preserve-fds must be at most %d",
				CTRP_PRESERVE_MAX);
	if (a->lock_fd >= 0 && (a->lock_fd == a->sync_fd || fcntl(a->lock_fd, F_GETFD) < 0))
		return mon_fail(CTRP_ERR_USAGE,
				"--lock-fd must name an open descriptor other than --sync-fd");
	for (int fd = first; fd <= last; fd++)
		if (fd == a->sync_fd || fd == a->lock_fd || fcntl(fd, F_GETFD) < 0)
			return mon_fail(CTRP_ERR_USAGE,
					"--preserve-fds %u: descriptors %d to %d must be open and "
					"not the sync or lock fd",
					a->preserve_fds, first, last);
	return 0;
}

int args_parse(int argc, char **argv, struct mon_args *a)
{
	static char pid_file[PATH_MAX], console_socket[PATH_MAX];
	const char *bad;
	uint64_t proto = 0;
	int fl;

	*a =
	    (struct mon_args){ .sync_fd = -1, .lock_fd = -1, .timeout_ms = MON_TIMEOUT_MS_DEFAULT };
	bad = parse_opts(argc, argv, a);
	if (a->sync_fd < 0 || (fl = fcntl(a->sync_fd, F_GETFL)) < 0 ||
	    (fl & O_ACCMODE) == O_RDONLY) {
		a->sync_fd = -1;
		return mon_fail(CTRP_ERR_USAGE,
				"--sync-fd must name a descriptor open for writing");
	}
	/* Checked before the other arguments: a newer library may pass options unknown here. */
	if (!a->proto_arg || parse_u64(a->proto_arg, INT_MAX, &proto) < 0 || proto != CTRP_PROTO)
		return mon_fail(CTRP_ERR_PROTO,
				"unsupported protocol version '%s' (this monitor: %d)",
				a->proto_arg ? a->proto_arg : "", CTRP_PROTO);
	a->proto = (unsigned)proto;
	if (bad)
		return mon_fail(CTRP_ERR_USAGE, "invalid argument '%s'", bad);
	if (check_mode(a) < 0)
		return -1;
	if (a->bundle && !a->pid_file) {
		snprintf(pid_file, sizeof(pid_file), "%s/pidfile", a->bundle);
		a->pid_file = pid_file;
	}
	if (a->bundle && !a->console_socket) {
		snprintf(console_socket, sizeof(console_socket), "%s/console.sock", a->bundle);
		a->console_socket = console_socket;
	}
	return check_values(a);
}
