/* ctr-monitor: runs one container through the OCI runtime and stays with it until it exits.
 * See docs/monitor-protocol.md for the protocol with libctr. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"

enum kind { K_STR, K_UINT, K_FD, K_FLAG };

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
	{ "--sync-fd", K_FD, OFF(sync_fd) },
	{ "--lock-fd", K_FD, OFF(lock_fd) },
	{ "--terminal", K_FLAG, OFF(terminal) },
	{ "--run", K_FLAG, OFF(run) },
	{ "--delete", K_FLAG, OFF(delete_after) },
	{ "--exit-command", K_STR, OFF(exit_command) },
	{ "--runtime-timeout-ms", K_UINT, OFF(timeout_ms) },
};

/* The container's init process, once it has exited. */
struct init_exit {
	pid_t pid;
	int done;
	int status;
	int64_t time_ns;
};

static int parse_uint(const char *s, unsigned long max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* Store one option; returns how many arguments it used or -1. */
static int set_opt(struct mon_args *a, const struct opt *o, const char *val)
{
	void *dst = (char *)a + o->off;
	unsigned u;

	switch (o->kind) {
	case K_FLAG:
		*(int *)dst = 1;
		return 1;
	case K_STR:
		if (!val || !*val)
			return -1;
		*(const char **)dst = val;
		return 2;
	case K_UINT:
		if (!val || parse_uint(val, INT_MAX, &u) < 0)
			return -1;
		*(unsigned *)dst = u;
		return 2;
	case K_FD:
		if (!val || parse_uint(val, INT_MAX, &u) < 0)
			return -1;
		*(int *)dst = (int)u;
		return 2;
	}
	return -1;
}

/* Fill A from ARGV; returns the first argument it could not use, or NULL. */
static const char *parse_opts(int argc, char **argv, struct mon_args *a)
{
	const char *bad = NULL;

	for (int i = 1; i < argc;) {
		const struct opt *o = NULL;
		for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]) && !o; k++)
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

static int valid_id(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && n <= 200 &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789_+.-") == n &&
	       strcmp(id, ".") && strcmp(id, "..");
}

static int check_paths(const struct mon_args *a)
{
	const struct {
		const char *name, *val;
	} req[] = {
		{ "--runtime", a->runtime },
		{ "--runtime-root", a->runtime_root },
		{ "--id", a->id },
		{ "--bundle", a->bundle },
		{ "--exit-dir", a->exit_dir },
		{ "--log", a->log },
	};

	for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++)
		if (!req[i].val)
			return mon_fail(MON_E_USAGE, "missing %s", req[i].name);
	if (!valid_id(a->id))
		return mon_fail(MON_E_USAGE, "invalid --id '%s'", a->id);
	if (strchr(a->runtime, '/') && a->runtime[0] != '/')
		return mon_fail(MON_E_USAGE, "--runtime must be absolute or a bare name: %s",
				a->runtime);
	const char *paths[] = { a->runtime_root, a->bundle,   a->exit_dir,
				a->log,		 a->pid_file, a->console_socket };
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (paths[i][0] != '/' || strlen(paths[i]) >= PATH_MAX - 256)
			return mon_fail(MON_E_USAGE, "path must be absolute and short: %s",
					paths[i]);
	return 0;
}

static int parse_args(int argc, char **argv, struct mon_args *a)
{
	static char pid_file[PATH_MAX], console_socket[PATH_MAX];
	const char *bad;
	int fl;

	*a = (struct mon_args){ .sync_fd = -1, .lock_fd = -1, .timeout_ms = MON_TIMEOUT_MS_DEFAULT };
	bad = parse_opts(argc, argv, a);
	if (a->sync_fd < 0 || (fl = fcntl(a->sync_fd, F_GETFL)) < 0 ||
	    (fl & O_ACCMODE) == O_RDONLY) {
		a->sync_fd = -1;
		return mon_fail(MON_E_USAGE, "--sync-fd must name a descriptor open for writing");
	}
	/* Checked before the other arguments: a newer library may pass options unknown here. */
	if (!a->proto_arg || parse_uint(a->proto_arg, INT_MAX, &a->proto) < 0 ||
	    a->proto != MON_PROTO)
		return mon_fail(MON_E_PROTO, "unsupported protocol version '%s' (this monitor: %d)",
				a->proto_arg ? a->proto_arg : "", MON_PROTO);
	if (bad)
		return mon_fail(MON_E_USAGE, "invalid argument '%s'", bad);
	if (a->timeout_ms == 0)
		return mon_fail(MON_E_USAGE, "--runtime-timeout-ms must be positive");
	if (a->lock_fd >= 0 && (a->lock_fd == a->sync_fd || fcntl(a->lock_fd, F_GETFD) < 0))
		return mon_fail(MON_E_USAGE, "--lock-fd must name an open descriptor other than --sync-fd");
	if (a->bundle && !a->pid_file) {
		snprintf(pid_file, sizeof(pid_file), "%s/pidfile", a->bundle);
		a->pid_file = pid_file;
	}
	if (a->bundle && !a->console_socket) {
		snprintf(console_socket, sizeof(console_socket), "%s/console.sock", a->bundle);
		a->console_socket = console_socket;
	}
	return check_paths(a);
}

/* Close every descriptor from 3 up except KEEP_A and KEEP_B (-1: none). */
static int close_fds(int keep_a, int keep_b)
{
	int keep[2] = { keep_a < keep_b ? keep_a : keep_b, keep_a < keep_b ? keep_b : keep_a };
	unsigned from = 3;
	struct rlimit rl;

	for (int i = 0; i < 2; i++) {
		if (keep[i] < (int)from)
			continue;
		if (keep[i] > (int)from && close_range(from, (unsigned)keep[i] - 1, 0) < 0)
			goto fallback;
		from = (unsigned)keep[i] + 1;
	}
	if (close_range(from, ~0U, 0) == 0)
		return 0;
fallback:
	if (errno != ENOSYS && errno != EINVAL)
		return mon_fail(MON_E_INTERNAL, "close_range: %m");
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur > 65536)
		rl.rlim_cur = 65536;
	for (int fd = 3; fd < (int)rl.rlim_cur; fd++)
		if (fd != keep_a && fd != keep_b)
			close(fd);
	return 0;
}

/* Move FD above stdio (which becomes /dev/null) and make it close-on-exec. */
static int keep_fd(int *fd, const char *what)
{
	if (*fd < 0)
		return 0;
	if (*fd <= 2) {
		int nfd = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
		if (nfd < 0)
			return mon_fail(MON_E_INTERNAL, "dup %s: %m", what);
		*fd = nfd;
	}
	if (fcntl(*fd, F_SETFD, FD_CLOEXEC) < 0)
		return mon_fail(MON_E_INTERNAL, "fcntl %s: %m", what);
	return 0;
}

static int null_stdio(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return mon_fail(MON_E_INTERNAL, "open /dev/null: %m");
	for (int i = 0; i < 3; i++)
		if (dup2(fd, i) < 0)
			return mon_fail(MON_E_INTERNAL, "dup2 /dev/null: %m");
	return close(fd);
}

/* SIGCHLD is read from a signalfd; SIGTERM and the like leave the monitor (and the
 * container) alone: stopping is the library's job, done through the runtime. */
static int setup_signals(void)
{
	const int ignored[] = { SIGPIPE, SIGTERM, SIGINT, SIGHUP };
	struct sigaction ign = { .sa_handler = SIG_IGN }, dfl = { .sa_handler = SIG_DFL };
	sigset_t chld;

	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		if (sigaction(ignored[i], &ign, NULL) < 0)
			return mon_fail(MON_E_INTERNAL, "sigaction: %m");
	/* A SIG_IGN inherited from the caller would make the kernel reap the container. */
	if (sigaction(SIGCHLD, &dfl, NULL) < 0)
		return mon_fail(MON_E_INTERNAL, "sigaction: %m");
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0)
		return mon_fail(MON_E_INTERNAL, "sigprocmask: %m");
	return 0;
}

/* Fork; the parent (the library's child) exits at once, the child becomes the monitor in its
 * own session, a subreaper, with /dev/null for stdio and no descriptor but the sync fd. */
static int daemonize(struct mon_args *a)
{
	pid_t pid = fork();

	if (pid < 0)
		return mon_fail(MON_E_INTERNAL, "fork: %m");
	if (pid > 0)
		_exit(0);
	if (keep_fd(&a->sync_fd, "sync fd") < 0 || keep_fd(&a->lock_fd, "lock fd") < 0)
		return -1;
	if (setsid() < 0)
		return mon_fail(MON_E_INTERNAL, "setsid: %m");
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return mon_fail(MON_E_INTERNAL, "prctl(PR_SET_CHILD_SUBREAPER): %m");
	if (chdir("/") < 0)
		return mon_fail(MON_E_INTERNAL, "chdir /: %m");
	if (setup_signals() < 0 || null_stdio() < 0)
		return -1;
	return close_fds(a->sync_fd, a->lock_fd);
}

/* The caller's lock is released with the answer: whoever takes it next finds the runtime's
 * work done, even if the caller died meanwhile. */
static void report_ok(int *sync_fd, int *lock_fd, pid_t pid)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "%d ok %d %d\n", MON_PROTO, (int)pid, (int)getpid());

	/* A caller that died meanwhile gets no answer; the container runs on regardless. */
	(void)write_all(*sync_fd, line, (size_t)n);
	close(*sync_fd);
	*sync_fd = -1;
	if (*lock_fd >= 0)
		close(*lock_fd);
	*lock_fd = -1;
}

/* Reap every exited child; remember the init's status. */
static void reap(struct init_exit *e)
{
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, WNOHANG);
		if (p < 0 && errno == EINTR)
			continue;
		if (p <= 0)
			return;
		if (p == e->pid && !e->done) {
			e->status = st;
			e->time_ns = now_ns(CLOCK_REALTIME);
			e->done = 1;
		}
	}
}

/* One round of waiting: for SIGCHLD until the init exited, then only for the output, at most
 * MON_DRAIN_MS. Returns 0 to go on, 1 when done. */
static int hold_once(int sigfd, int log_fd, struct log_stream *s, struct init_exit *e,
		     int64_t *deadline)
{
	struct pollfd p[3];
	struct log_stream *ps[3];
	struct signalfd_siginfo si[4];
	int n = 0, timeout = -1;

	if (e->done) {
		if (!*deadline)
			*deadline = now_ns(CLOCK_MONOTONIC) + (int64_t)MON_DRAIN_MS * 1000000;
		int64_t left = *deadline - now_ns(CLOCK_MONOTONIC);
		if (left <= 0)
			return 1;
		timeout = (int)((left + 999999) / 1000000);
	} else {
		ps[n] = NULL;
		p[n++] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
	}
	for (int i = 0; i < 2; i++) {
		if (s[i].fd < 0)
			continue;
		ps[n] = &s[i];
		p[n++] = (struct pollfd){ .fd = s[i].fd, .events = POLLIN };
	}
	if (n == 0)
		return 1;
	if (poll(p, (nfds_t)n, timeout) < 0) {
		if (errno == EINTR)
			return 0;
		/* Cannot wait for events: still record the init's exit, then give up on output. */
		if (!e->done) {
			while (waitpid(e->pid, &e->status, 0) < 0 && errno == EINTR)
				;
			e->time_ns = now_ns(CLOCK_REALTIME);
			e->done = 1;
		}
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (!p[i].revents)
			continue;
		if (ps[i]) {
			log_pump(ps[i], log_fd);
			continue;
		}
		/* Empty the signalfd before reaping, so that no exit goes unnoticed. */
		while (read(sigfd, si, sizeof(si)) > 0)
			;
		reap(e);
	}
	return 0;
}

/* Copy the container's output to the log until its init has exited and the output is
 * drained. */
static void hold(int sigfd, int log_fd, struct log_stream *s, struct init_exit *e)
{
	int64_t deadline = 0;

	reap(e); /* it may have exited before the runtime did */
	while (!hold_once(sigfd, log_fd, s, e, &deadline))
		;
	log_close_stream(&s[0], log_fd);
	log_close_stream(&s[1], log_fd);
}

struct mon {
	int sigfd, log_fd, exit_dirfd;
	struct mon_rt rt;
	struct mon_oom oom;
	struct init_exit init;
	struct log_stream streams[2];
};

static int open_files(struct mon *m, const struct mon_args *a)
{
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	m->sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (m->sigfd < 0)
		return mon_fail(MON_E_INTERNAL, "signalfd: %m");
	m->log_fd = open(a->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
	if (m->log_fd < 0)
		return mon_fail(MON_E_INTERNAL, "open %s: %m", a->log);
	m->exit_dirfd = open(a->exit_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m->exit_dirfd < 0)
		return mon_fail(MON_E_INTERNAL, "open %s: %m", a->exit_dir);
	return 0;
}

/* Hand the container's output descriptors from the runtime state to the log streams. */
static void take_streams(struct mon *m, const struct mon_args *a)
{
	struct mon_rt *rt = &m->rt;

	if (a->terminal) {
		log_open_stream(&m->streams[0], rt->console_fd, "stdout");
		rt->console_fd = -1;
		log_open_stream(&m->streams[1], -1, "stderr");
	} else {
		log_open_stream(&m->streams[0], rt->out_r, "stdout");
		log_open_stream(&m->streams[1], rt->err_r, "stderr");
		rt->out_r = rt->err_r = -1;
	}
	rt_close(rt);
}

static int run(struct mon *m, struct mon_args *a)
{
	int r;

	m->sigfd = m->log_fd = m->exit_dirfd = -1;
	if (open_files(m, a) < 0)
		return -1;
	r = rt_init(&m->rt, a, m->sigfd);
	if (r == 0 && (rt_create(&m->rt) < 0 || rt_read_pid(&m->rt, &m->init.pid) < 0)) {
		rt_cleanup(&m->rt);
		r = -1;
	}
	if (r < 0) {
		rt_close(&m->rt);
		return -1;
	}
	oom_watch(&m->oom, m->init.pid);
	report_ok(&a->sync_fd, &a->lock_fd, m->init.pid);
	take_streams(m, a);
	hold(m->sigfd, m->log_fd, m->streams, &m->init);
	/* Locked before the exit file exists: whoever sees the file sees the deletion too. */
	int del = a->delete_after ? rt_delete_lock(a) : -1;
	r = exit_write(m->exit_dirfd, a->id, m->init.pid, m->init.status, oom_happened(&m->oom),
		       m->init.time_ns);
	if (del >= 0)
		rt_delete_detached(a, del);
	if (r == 0 && a->exit_command)
		rt_exit_command(a);
	return r;
}

int main(int argc, char **argv)
{
	static struct mon_args a;
	static struct mon m;

	if (parse_args(argc, argv, &a) < 0) {
		mon_report_error(a.sync_fd >= 0 ? a.sync_fd : STDERR_FILENO);
		return 2;
	}
	if (daemonize(&a) < 0 || run(&m, &a) < 0) {
		/* After the sync line nobody listens: a failed exit file shows as status 1. */
		if (a.sync_fd >= 0)
			mon_report_error(a.sync_fd);
		return 1;
	}
	return 0;
}
