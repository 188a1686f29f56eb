/* Running the OCI runtime: `create`, `run --detach` or `exec --detach`, the console socket,
 * its errors. */
#include <dirent.h>
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

int rt_init(struct mon_rt *rt, const struct mon_args *a, int sigfd, int saved[3])
{
	int p[2];

	*rt = (struct mon_rt){ .a = a, .sigfd = sigfd };
	sock_init(&rt->console);
	rt->conn_fd = rt->console_fd = rt->in_w = rt->out_r = rt->err_r = -1;
	rt->stdio[0] = rt->stdio[1] = rt->stdio[2] = -1;
	rt->rtlog_fd = memfd_create("runtime-log", MFD_CLOEXEC);
	if (rt->rtlog_fd < 0)
		return mon_fail(CTRP_ERR_INTERNAL, "memfd_create: %m");
	/* The runtime opens its log by name; this one names the memfd from any process. */
	snprintf(rt->rtlog_path, sizeof(rt->rtlog_path), "/proc/%d/fd/%d", (int)getpid(),
		 rt->rtlog_fd);
	if (a->exec_name && !a->terminal) {
		/* The exec'd process inherits the runtime's stdio: the caller's. */
		for (int i = 0; i < 3; i++) {
			rt->stdio[i] = saved[i];
			saved[i] = -1;
		}
	} else {
		/* Pipes: the container's output (and the runtime's messages). */
		for (int i = 1; i < 3; i++) {
			if (pipe2(p, O_CLOEXEC) < 0)
				return mon_fail(CTRP_ERR_INTERNAL, "pipe: %m");
			*(i == 1 ? &rt->out_r : &rt->err_r) = p[0];
			rt->stdio[i] = p[1];
		}
	}
	if (a->stdin_pipe && !a->terminal && !a->exec_name) {
		if (pipe2(p, O_CLOEXEC) < 0)
			return mon_fail(CTRP_ERR_INTERNAL, "pipe: %m");
		rt->stdio[0] = p[0];
		rt->in_w = p[1];
	}
	if (a->terminal)
		return sock_listen(&rt->console, a->console_socket, SOCK_STREAM, 1);
	return 0;
}

void rt_close(struct mon_rt *rt)
{
	sock_close(&rt->console);
	close_fd(&rt->conn_fd);
	close_fd(&rt->console_fd);
	close_fd(&rt->rtlog_fd);
	for (int i = 0; i < 3; i++)
		close_fd(&rt->stdio[i]);
	close_fd(&rt->in_w);
	close_fd(&rt->out_r);
	close_fd(&rt->err_r);
}

/* A descriptor the child gets: SRC (the monitor's, close-on-exec) becomes its DST. */
struct fd_map {
	int src, dst;
};

/* Start ARGV in its own process group with an empty signal mask and default signal handling;
 * its descriptors are the monitor's 0-2 (/dev/null) and those of MAP, applied in order. */
static int spawn(char *const argv[], const struct fd_map *map, int nmap, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	int r = 0;

	sigemptyset(&none);
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	if ((r = posix_spawn_file_actions_init(&fa)))
		return mon_fail(CTRP_ERR_INTERNAL, "posix_spawn_file_actions_init: %s",
				strerror(r));
	if ((r = posix_spawnattr_init(&at))) {
		posix_spawn_file_actions_destroy(&fa);
		return mon_fail(CTRP_ERR_INTERNAL, "posix_spawnattr_init: %s", strerror(r));
	}
	for (int i = 0; i < nmap && !r; i++)
		if (map[i].src >= 0)
			r = posix_spawn_file_actions_adddup2(&fa, map[i].src, map[i].dst);
	if (r ||
	    (r = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
						   POSIX_SPAWN_SETSIGDEF)) ||
	    (r = posix_spawnattr_setpgroup(&at, 0)) ||
	    (r = posix_spawnattr_setsigmask(&at, &none)) ||
	    (r = posix_spawnattr_setsigdefault(&at, &all)))
		mon_fail(CTRP_ERR_INTERNAL, "posix_spawn attributes: %s", strerror(r));
	else if (strchr(argv[0], '/'))
		r = posix_spawn(pid, argv[0], &fa, &at, argv, environ);
	else
		r = posix_spawnp(pid, argv[0], &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	if (r)
		return mon_fail(CTRP_ERR_EXEC, "cannot execute %s: %s", argv[0], strerror(r));
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
	if (rt->conn_fd < 0 && rt->console.fd >= 0)
		rt->conn_fd = accept4(rt->console.fd, NULL, NULL, SOCK_CLOEXEC);
	if (rt->conn_fd >= 0)
		console_recv(rt);
}

/* Read what the runtime wrote to its stderr so far (non-blocking), keeping the last
 * sizeof(err_tail) - 1 bytes. Draining stops at end of file. */
static void drain_err(struct mon_rt *rt)
{
	const size_t cap = sizeof(rt->err_tail) - 1;
	char buf[4096];

	while (rt->err_drain) {
		ssize_t n = read(rt->err_r, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			rt->err_drain = 0;
		if (n <= 0)
			return;
		size_t k = (size_t)n;
		if (k >= cap) {
			memcpy(rt->err_tail, buf + k - cap, cap);
			rt->err_len = cap;
			continue;
		}
		if (rt->err_len + k > cap) { /* drop the oldest bytes */
			size_t drop = rt->err_len + k - cap;
			memmove(rt->err_tail, rt->err_tail + drop, rt->err_len - drop);
			rt->err_len -= drop;
		}
		memcpy(rt->err_tail + rt->err_len, buf, k);
		rt->err_len += k;
	}
}

static int poll_once(struct mon_rt *rt, int serve_console, int64_t left_ns)
{
	struct pollfd p[3] = { { .fd = rt->sigfd, .events = POLLIN }, { .fd = -1 }, { .fd = -1 } };
	int r;

	if (serve_console && rt->console_fd < 0)
		p[1].fd = rt->conn_fd >= 0 ? rt->conn_fd : rt->console.fd;
	p[1].events = POLLIN;
	p[2].fd = rt->err_drain ? rt->err_r : -1;
	p[2].events = POLLIN;
	r = poll(p, 3, (int)((left_ns + 999999) / 1000000));
	if (r < 0 && errno != EINTR)
		return mon_fail(CTRP_ERR_INTERNAL, "poll: %m");
	if (p[0].revents)
		drain_signalfd(rt->sigfd);
	if (serve_console && p[1].revents)
		console_serve(rt);
	if (p[2].revents)
		drain_err(rt);
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
			return mon_fail(CTRP_ERR_INTERNAL, "waitpid %s: %m", rt->a->runtime);
		int64_t left = deadline - now_ns(CLOCK_MONOTONIC);
		if (left <= 0)
			break;
		if (poll_once(rt, serve_console, left) < 0)
			return -1;
	}
	kill(-pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return mon_fail(CTRP_ERR_TIMEOUT, "%s %s did not finish within %u ms", rt->a->runtime, verb,
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

/* The last non-empty line the runtime wrote to its stderr, in the last bytes of it that
 * drain_err keeps (create mode drained the pipe while the runtime ran; the rest is read now). */
static int message_from_stderr(struct mon_rt *rt, char *out, size_t len)
{
	char buf[sizeof(rt->err_tail)], *last = NULL;

	/* Exec mode without --terminal: the runtime's stderr was the caller's (err_r is -1). */
	if (rt->err_r >= 0 && fcntl(rt->err_r, F_SETFL, O_NONBLOCK) == 0) {
		rt->err_drain = 1;
		drain_err(rt);
	}
	if (!rt->err_len)
		return -1;
	memcpy(buf, rt->err_tail, rt->err_len);
	buf[rt->err_len] = '\0';
	for (size_t i = 0; i < rt->err_len; i++) /* the library cleans the rest */
		if (buf[i] == '\0')
			buf[i] = ' ';
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
		return mon_fail(CTRP_ERR_RUNTIME, "%s", msg);
	if (WIFSIGNALED(status))
		return mon_fail(CTRP_ERR_RUNTIME, "%s %s killed by signal %d", rt->a->runtime, verb,
				WTERMSIG(status));
	return mon_fail(CTRP_ERR_RUNTIME, "%s %s failed with exit status %d", rt->a->runtime, verb,
			WEXITSTATUS(status));
}

/* The runtime's command line: create, run --detach, restore --detach or exec --detach.
 * Returns the verb. */
static const char *runtime_argv(struct mon_rt *rt, const char **argv, char nfds[16])
{
	const struct mon_args *a = rt->a;
	const char *verb = a->exec_name ? "exec" : a->run ? "run" : a->restore ? "restore" : "create";
	int n = 0;

	argv[n++] = a->runtime;
	argv[n++] = "--root";
	argv[n++] = a->runtime_root;
	argv[n++] = "--log";
	argv[n++] = rt->rtlog_path;
	argv[n++] = "--log-format";
	argv[n++] = "json";
	argv[n++] = verb;
	if (a->run || a->exec_name || a->restore)
		argv[n++] = "--detach";
	if (a->restore) {
		argv[n++] = "--image-path";
		argv[n++] = a->restore;
		if (a->restore_work) {
			argv[n++] = "--work-path";
			argv[n++] = a->restore_work;
		}
		if (a->tcp_established)
			argv[n++] = "--tcp-established";
	}
	if (a->exec_name) {
		/* runc takes "terminal" from process.json: no --tty. */
		argv[n++] = "--process";
		argv[n++] = a->process;
	} else {
		argv[n++] = "--bundle";
		argv[n++] = a->bundle;
	}
	argv[n++] = "--pid-file";
	argv[n++] = a->pid_file;
	if (a->terminal) {
		argv[n++] = "--console-socket";
		argv[n++] = rt->console.path;
	}
	if (a->preserve_fds) {
		snprintf(nfds, 16, "%u", a->preserve_fds);
		argv[n++] = "--preserve-fds";
		argv[n++] = nfds;
	}
	argv[n++] = a->id;
	argv[n] = NULL;
	return verb;
}

int rt_create(struct mon_rt *rt)
{
	const struct mon_args *a = rt->a;
	const char *argv[32];
	char nfds[16];
	const char *verb = runtime_argv(rt, argv, nfds);
	struct fd_map map[3 + CTRP_PRESERVE_MAX];
	int nmap = 0, status;
	pid_t pid;

	for (int i = 0; i < 3; i++)
		map[nmap++] = (struct fd_map){ rt->stdio[i], i };
	/* Ascending, so that no source is overwritten before it is used (source > target). */
	for (unsigned i = 0; i < a->preserve_fds; i++)
		map[nmap++] = (struct fd_map){ CTRP_FD_PRESERVE_FIRST + (int)i, 3 + (int)i };
	if (unlink(a->pid_file) < 0 && errno != ENOENT)
		return mon_fail(CTRP_ERR_INTERNAL, "unlink %s: %m", a->pid_file);
	int r = spawn((char *const *)argv, map, nmap, &pid);
	/* The runtime has its copies: the caller sees end of file when the process closes its. */
	for (int i = 0; i < 3; i++)
		close_fd(&rt->stdio[i]);
	for (unsigned i = 0; i < a->preserve_fds; i++)
		close(CTRP_FD_PRESERVE_FIRST + (int)i);
	/* A created container's init waits on the exec fifo, so until `start` everything on
	 * its stderr pipe is the runtime's own: read it meanwhile, or a runtime writing more
	 * than a pipe holds would block until the timeout. (run, restore and exec processes
	 * write there at once: their stderr is the process's and is left to the log.) */
	int fl = rt->err_r >= 0 && !a->run && !a->restore && !a->exec_name
			 ? fcntl(rt->err_r, F_GETFL)
			 : -1;
	rt->err_drain = fl >= 0 && fcntl(rt->err_r, F_SETFL, fl | O_NONBLOCK) == 0;
	if (r == 0 && wait_runtime(rt, pid, verb, a->terminal, &status) < 0)
		r = -1;
	if (rt->err_drain)
		drain_err(rt);
	if (fl >= 0)
		(void)fcntl(rt->err_r, F_SETFL, fl);
	if (r < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return runtime_failed(rt, verb, status);
	if (a->terminal)
		console_serve(rt); /* the runtime has sent it by now, if ever */
	if (a->terminal && rt->console_fd < 0)
		return mon_fail(CTRP_ERR_RUNTIME, "%s %s sent no console through %s", a->runtime,
				verb, a->console_socket);
	return 0;
}

int rt_read_pid(struct mon_rt *rt, pid_t *out)
{
	char buf[32], *end;
	long v;
	ssize_t n = read_small(rt->a->pid_file, buf, sizeof(buf));

	if (n < 0)
		return mon_fail(CTRP_ERR_RUNTIME, "read pid file %s: %s", rt->a->pid_file,
				strerror((int)-n));
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || v <= 0 || v > INT_MAX || (*end && *end != '\n'))
		return mon_fail(CTRP_ERR_RUNTIME, "pid file %s holds no pid: '%s'", rt->a->pid_file,
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
	if (spawn((char *const *)argv, NULL, 0, &pid) == 0)
		wait_runtime(rt, pid, "delete", 0, &status);
}

/* SIGKILL every live child of this process, found by their parent in /proc. */
static void kill_children(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int self = (int)getpid();

	while (d && (e = readdir(d))) {
		char path[300], buf[512], *paren;
		int ppid;
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if (read_small(path, buf, sizeof(buf)) > 0 && (paren = strrchr(buf, ')')) &&
		    sscanf(paren + 1, " %*c %d", &ppid) == 1 && ppid == self)
			kill((pid_t)atoi(e->d_name), SIGKILL);
	}
	if (d)
		closedir(d);
}

void rt_reap_orphans(int timeout_ms)
{
	int64_t deadline = now_ns(CLOCK_MONOTONIC) + (int64_t)timeout_ms * 1000000;

	for (;;) {
		pid_t p = waitpid(-1, NULL, WNOHANG);
		if (p > 0 || (p < 0 && errno == EINTR))
			continue;
		if (p < 0 || now_ns(CLOCK_MONOTONIC) > deadline)
			return; /* ECHILD: nothing left */
		kill_children();
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
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
	/* --force: a container paused in the moment it exited is "paused" to the runtime, and
	 * a plain delete refuses it (its frozen cgroup would stay); the process is gone, so
	 * force kills nothing. */
	const char *argv[] = { a->runtime, "--root", a->runtime_root, "delete", "--force", a->id,
			       NULL };
	struct timespec limit = { .tv_sec = a->timeout_ms / 1000,
				  .tv_nsec = (long)(a->timeout_ms % 1000) * 1000000 };
	/* The runtime gets the locked descriptor as fd 3: the lock lasts as long as it runs
	 * (or until its process group is killed at the timeout). */
	const struct fd_map map[] = { { lock_fd, 3 } };
	sigset_t chld;
	pid_t pid;

	/* A forked helper runs the delete and enforces the timeout, so that this monitor can
	 * exit now: its exit is the library's wake-up. fork, not posix_spawn, which would
	 * suspend us until the runtime is executed. */
	if (fork() != 0) {
		close(lock_fd);
		return;
	}
	/* The helper keeps nothing else: attach clients must see the monitor's end, not ours. */
	if (lock_fd > 3)
		mon_close_range(3, (unsigned)lock_fd - 1);
	mon_close_range((unsigned)lock_fd + 1, ~0U);
	if (spawn((char *const *)argv, map, 1, &pid) < 0)
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
	spawn((char *const *)argv, NULL, 0, &pid);
}
