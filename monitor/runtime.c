/* Running the OCI runtime: `create` (or `run --detach`), the console socket, its errors. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"

extern char **environ;

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* A path for the console socket that fits sun_path: PATH itself, or, when it is too long,
 * /proc/<monitor pid>/fd/<directory fd>/<name>, which the runtime can open as well. */
static int socket_path(struct mon_rt *rt, const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	int n;

	if (strlen(path) < sizeof(rt->sock_path)) {
		strcpy(rt->sock_path, path);
		return 0;
	}
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	rt->sock_dirfd = open(dir[0] ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rt->sock_dirfd < 0)
		return mon_fail(MON_E_INTERNAL, "open %s: %m", dir);
	n = snprintf(rt->sock_path, sizeof(rt->sock_path), "/proc/%d/fd/%d/%s", (int)getpid(),
		     rt->sock_dirfd, slash + 1);
	if (n < 0 || (size_t)n >= sizeof(rt->sock_path))
		return mon_fail(MON_E_USAGE, "console socket name too long: %s", path);
	return 0;
}

static int console_listen(struct mon_rt *rt)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (socket_path(rt, rt->a->console_socket) < 0)
		return -1;
	strcpy(sa.sun_path, rt->sock_path);
	if (unlink(rt->sock_path) < 0 && errno != ENOENT)
		return mon_fail(MON_E_INTERNAL, "unlink %s: %m", rt->a->console_socket);
	rt->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (rt->listen_fd < 0)
		return mon_fail(MON_E_INTERNAL, "socket: %m");
	if (bind(rt->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return mon_fail(MON_E_INTERNAL, "bind %s: %m", rt->a->console_socket);
	rt->sock_bound = 1;
	if (listen(rt->listen_fd, 1) < 0)
		return mon_fail(MON_E_INTERNAL, "listen %s: %m", rt->a->console_socket);
	return 0;
}

int rt_init(struct mon_rt *rt, const struct mon_args *a, int sigfd)
{
	int p[2][2];

	*rt = (struct mon_rt){ .a = a, .sigfd = sigfd };
	rt->listen_fd = rt->conn_fd = rt->console_fd = rt->sock_dirfd = -1;
	rt->out_r = rt->out_w = rt->err_r = rt->err_w = -1;
	rt->rtlog_fd = memfd_create("runtime-log", MFD_CLOEXEC);
	if (rt->rtlog_fd < 0)
		return mon_fail(MON_E_INTERNAL, "memfd_create: %m");
	/* The runtime opens its log by name; this one names the memfd from any process. */
	snprintf(rt->rtlog_path, sizeof(rt->rtlog_path), "/proc/%d/fd/%d", (int)getpid(),
		 rt->rtlog_fd);
	if (pipe2(p[0], O_CLOEXEC) < 0)
		return mon_fail(MON_E_INTERNAL, "pipe: %m");
	rt->out_r = p[0][0];
	rt->out_w = p[0][1];
	if (pipe2(p[1], O_CLOEXEC) < 0)
		return mon_fail(MON_E_INTERNAL, "pipe: %m");
	rt->err_r = p[1][0];
	rt->err_w = p[1][1];
	return a->terminal ? console_listen(rt) : 0;
}

void rt_close(struct mon_rt *rt)
{
	if (rt->sock_bound)
		unlink(rt->sock_path);
	rt->sock_bound = 0;
	close_fd(&rt->listen_fd);
	close_fd(&rt->conn_fd);
	close_fd(&rt->console_fd);
	close_fd(&rt->sock_dirfd);
	close_fd(&rt->rtlog_fd);
	close_fd(&rt->out_r);
	close_fd(&rt->out_w);
	close_fd(&rt->err_r);
	close_fd(&rt->err_w);
}

/* Start ARGV in its own process group with default signal handling, stdin /dev/null (the
 * monitor's own), stdout and stderr on OUT_W and ERR_W when they are not -1. */
/* Spawn argv with out_w/err_w as stdout/stderr (-1: inherited /dev/null) and pass_fd as
 * descriptor 3 (-1: none). */
static int spawn(char *const argv[], int out_w, int err_w, int pass_fd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	int r;

	sigemptyset(&none);
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	if ((r = posix_spawn_file_actions_init(&fa)))
		return mon_fail(MON_E_INTERNAL, "posix_spawn_file_actions_init: %s", strerror(r));
	if ((r = posix_spawnattr_init(&at))) {
		posix_spawn_file_actions_destroy(&fa);
		return mon_fail(MON_E_INTERNAL, "posix_spawnattr_init: %s", strerror(r));
	}
	if ((out_w >= 0 && (r = posix_spawn_file_actions_adddup2(&fa, out_w, 1))) ||
	    (err_w >= 0 && (r = posix_spawn_file_actions_adddup2(&fa, err_w, 2))) ||
	    (pass_fd >= 0 && (r = posix_spawn_file_actions_adddup2(&fa, pass_fd, 3))) ||
	    (r = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
						   POSIX_SPAWN_SETSIGDEF)) ||
	    (r = posix_spawnattr_setpgroup(&at, 0)) ||
	    (r = posix_spawnattr_setsigmask(&at, &none)) ||
	    (r = posix_spawnattr_setsigdefault(&at, &all)))
		mon_fail(MON_E_INTERNAL, "posix_spawn attributes: %s", strerror(r));
	else if (strchr(argv[0], '/'))
		r = posix_spawn(pid, argv[0], &fa, &at, argv, environ);
	else
		r = posix_spawnp(pid, argv[0], &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	if (r)
		return mon_fail(MON_E_EXEC, "cannot execute %s: %s", argv[0], strerror(r));
	return 0;
}

static void drain_signalfd(int fd)
{
	struct signalfd_siginfo si[4];

	while (read(fd, si, sizeof(si)) > 0)
		;
}

/* Take the pty master the runtime sends with SCM_RIGHTS (extra descriptors are closed). */
static void console_recv(struct mon_rt *rt)
{
	char data[256];
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} u;
	struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	ssize_t n = recvmsg(rt->conn_fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); n >= 0 && c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int fds[4];
		memcpy(fds, CMSG_DATA(c), nfd * sizeof(int));
		for (size_t i = 0; i < nfd; i++) {
			if (rt->console_fd < 0)
				rt->console_fd = fds[i];
			else
				close(fds[i]);
		}
	}
	close_fd(&rt->conn_fd); /* one message, or the runtime gave up */
}

static void console_serve(struct mon_rt *rt)
{
	if (rt->console_fd >= 0)
		return;
	if (rt->conn_fd < 0 && rt->listen_fd >= 0)
		rt->conn_fd = accept4(rt->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (rt->conn_fd >= 0)
		console_recv(rt);
}

static int poll_once(struct mon_rt *rt, int serve_console, int64_t left_ns)
{
	struct pollfd p[2] = { { .fd = rt->sigfd, .events = POLLIN }, { .fd = -1 } };
	int r;

	if (serve_console && rt->console_fd < 0)
		p[1].fd = rt->conn_fd >= 0 ? rt->conn_fd : rt->listen_fd;
	p[1].events = POLLIN;
	r = poll(p, 2, (int)((left_ns + 999999) / 1000000));
	if (r < 0 && errno != EINTR)
		return mon_fail(MON_E_INTERNAL, "poll: %m");
	if (p[0].revents)
		drain_signalfd(rt->sigfd);
	if (serve_console && p[1].revents)
		console_serve(rt);
	return 0;
}

/* Wait for the runtime process PID within the timeout, serving the console socket meanwhile.
 * On timeout the runtime's process group is killed. */
static int wait_runtime(struct mon_rt *rt, pid_t pid, const char *verb, int serve_console,
			int *status)
{
	int64_t deadline = now_ns(CLOCK_MONOTONIC) + (int64_t)rt->a->timeout_ms * 1000000;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return mon_fail(MON_E_INTERNAL, "waitpid %s: %m", rt->a->runtime);
		int64_t left = deadline - now_ns(CLOCK_MONOTONIC);
		if (left <= 0)
			break;
		if (poll_once(rt, serve_console, left) < 0)
			return -1;
	}
	kill(-pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return mon_fail(MON_E_TIMEOUT, "%s %s did not finish within %u ms", rt->a->runtime, verb,
			rt->a->timeout_ms);
}

/* The value of the JSON string member KEY in the object on LINE, decoded into OUT (newlines
 * become spaces). Returns 0 if found. */
static int json_member(const char *line, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key), o = 0;
	const char *p = line;

	while ((p = strchr(p, '"'))) {
		int match = !strncmp(p + 1, key, kl) && p[kl + 1] == '"';
		p += match ? kl + 2 : 1;
		if (!match)
			continue;
		p += strspn(p, " \t");
		if (*p++ != ':')
			continue;
		p += strspn(p, " \t");
		if (*p++ != '"')
			continue;
		for (; *p && *p != '"' && o + 1 < len; p++) {
			char c = *p;
			if (c == '\\' && p[1]) {
				c = *++p;
				c = c == 'n' || c == 't' || c == 'r' ? ' ' : c == 'u' ? '?' : c;
				if (*p == 'u')
					p += strnlen(p + 1, 4);
			}
			out[o++] = c;
		}
		out[o] = '\0';
		return 0;
	}
	return -1;
}

/* The last error-level "msg" of the runtime's JSON log, if any. */
static int message_from_log(struct mon_rt *rt, char *out, size_t len)
{
	static char buf[16384];
	char level[16];
	off_t size = lseek(rt->rtlog_fd, 0, SEEK_END);
	off_t from = size > (off_t)sizeof(buf) - 1 ? size - (off_t)sizeof(buf) + 1 : 0;
	ssize_t n = size > 0 ? pread(rt->rtlog_fd, buf, sizeof(buf) - 1, from) : 0;
	int found = -1;

	buf[n > 0 ? n : 0] = '\0';
	for (char *line = buf, *next; line && *line; line = next) {
		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		if (json_member(line, "level", level, sizeof(level)) == 0 &&
		    (!strcmp(level, "error") || !strcmp(level, "fatal")) &&
		    json_member(line, "msg", out, len) == 0)
			found = 0;
	}
	return found;
}

/* The last non-empty line the runtime wrote to its stderr. */
static int message_from_stderr(struct mon_rt *rt, char *out, size_t len)
{
	char buf[4096], *last = NULL;
	ssize_t n;

	if (fcntl(rt->err_r, F_SETFL, O_NONBLOCK) < 0)
		return -1;
	n = read(rt->err_r, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	for (char *line = strtok(buf, "\r\n"); line; line = strtok(NULL, "\r\n"))
		if (line[strspn(line, " \t")])
			last = line;
	if (!last)
		return -1;
	snprintf(out, len, "%s", last);
	return 0;
}

static int runtime_failed(struct mon_rt *rt, const char *verb, int status)
{
	char msg[1024];

	if (message_from_log(rt, msg, sizeof(msg)) == 0 ||
	    message_from_stderr(rt, msg, sizeof(msg)) == 0)
		return mon_fail(MON_E_RUNTIME, "%s", msg);
	if (WIFSIGNALED(status))
		return mon_fail(MON_E_RUNTIME, "%s %s killed by signal %d", rt->a->runtime, verb,
				WTERMSIG(status));
	return mon_fail(MON_E_RUNTIME, "%s %s failed with exit status %d", rt->a->runtime, verb,
			WEXITSTATUS(status));
}

int rt_create(struct mon_rt *rt)
{
	const struct mon_args *a = rt->a;
	const char *verb = a->run ? "run" : "create";
	const char *argv[24];
	int n = 0, status;
	pid_t pid;

	argv[n++] = a->runtime;
	argv[n++] = "--root";
	argv[n++] = a->runtime_root;
	argv[n++] = "--log";
	argv[n++] = rt->rtlog_path;
	argv[n++] = "--log-format";
	argv[n++] = "json";
	argv[n++] = verb;
	if (a->run)
		argv[n++] = "--detach";
	argv[n++] = "--bundle";
	argv[n++] = a->bundle;
	argv[n++] = "--pid-file";
	argv[n++] = a->pid_file;
	if (a->terminal) {
		argv[n++] = "--console-socket";
		argv[n++] = rt->sock_path;
	}
	argv[n++] = a->id;
	argv[n] = NULL;
	if (unlink(a->pid_file) < 0 && errno != ENOENT)
		return mon_fail(MON_E_INTERNAL, "unlink %s: %m", a->pid_file);
	int r = spawn((char *const *)argv, rt->out_w, rt->err_w, -1, &pid);
	close_fd(&rt->out_w);
	close_fd(&rt->err_w);
	if (r < 0 || wait_runtime(rt, pid, verb, a->terminal, &status) < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return runtime_failed(rt, verb, status);
	if (a->terminal)
		console_serve(rt); /* the runtime has sent it by now, if ever */
	if (a->terminal && rt->console_fd < 0)
		return mon_fail(MON_E_RUNTIME, "%s %s sent no console through %s", a->runtime, verb,
				a->console_socket);
	return 0;
}

int rt_read_pid(struct mon_rt *rt, pid_t *out)
{
	char buf[32], *end;
	long v;
	ssize_t n = read_small(rt->a->pid_file, buf, sizeof(buf));

	if (n < 0)
		return mon_fail(MON_E_RUNTIME, "read pid file %s: %s", rt->a->pid_file,
				strerror((int)-n));
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || v <= 0 || v > INT_MAX || (*end && *end != '\n'))
		return mon_fail(MON_E_RUNTIME, "pid file %s holds no pid: '%s'", rt->a->pid_file,
				buf);
	*out = (pid_t)v;
	return 0;
}

void rt_cleanup(struct mon_rt *rt)
{
	const struct mon_args *a = rt->a;
	const char *argv[] = { a->runtime, "--root", a->runtime_root, "delete", "--force",
			       a->id,	   NULL };
	char state[PATH_MAX];
	pid_t pid;
	int status;

	/* runc and crun keep a container's state in ROOT/ID: nothing there, nothing to delete. */
	snprintf(state, sizeof(state), "%s/%s", a->runtime_root, a->id);
	if (access(state, F_OK) < 0)
		return;
	if (spawn((char *const *)argv, -1, -1, -1, &pid) == 0)
		wait_runtime(rt, pid, "delete", 0, &status);
}

int rt_delete_lock(const struct mon_args *a)
{
	char state[PATH_MAX];

	snprintf(state, sizeof(state), "%s/%s", a->runtime_root, a->id);
	int fd = open(state, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

void rt_delete_detached(const struct mon_args *a, int lock_fd)
{
	const char *argv[] = { a->runtime, "--root", a->runtime_root, "delete", a->id, NULL };
	struct timespec limit = { .tv_sec = a->timeout_ms / 1000,
				  .tv_nsec = (long)(a->timeout_ms % 1000) * 1000000 };
	sigset_t chld;
	pid_t pid;

	/* A forked helper runs the delete and enforces the timeout, so that this monitor can
	 * exit now: its exit is the library's wake-up. fork, not posix_spawn, which would
	 * suspend us until the runtime is executed. */
	if (fork() != 0) {
		close(lock_fd);
		return;
	}
	/* The runtime gets the locked descriptor as fd 3: the lock lasts as long as it runs
	 * (or until its process group is killed at the timeout). */
	if (spawn((char *const *)argv, -1, -1, lock_fd, &pid) < 0)
		_exit(1);
	close(lock_fd);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD); /* blocked since setup_signals() */
	for (;;) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			_exit(0);
		if (sigtimedwait(&chld, NULL, &limit) < 0 && errno == EAGAIN)
			break;
	}
	kill(-pid, SIGKILL);
	waitpid(pid, NULL, 0);
	_exit(1);
}

void rt_exit_command(const struct mon_args *a)
{
	const char *argv[] = { a->exit_command, a->id, NULL };
	pid_t pid;

	/* Like the runtime, in its own process group with default signals; it outlives this
	 * monitor (it may wait out a restart backoff), and nobody waits for it. */
	spawn((char *const *)argv, -1, -1, -1, &pid);
}
