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

#define REAP_MS 1000 /* how long the runtime's orphans may take to die after a failure */

/* Close every descriptor from 3 up except the N in KEEP (ascending; -1 entries ignored). */
static int close_fds(const int *keep, int n)
{
	unsigned from = 3;
	struct rlimit rl;

	for (int i = 0; i < n; i++) {
		if (keep[i] < (int)from)
			continue;
		if (keep[i] > (int)from && mon_close_range(from, (unsigned)keep[i] - 1) < 0)
			goto fallback;
		from = (unsigned)keep[i] + 1;
	}
	if (mon_close_range(from, ~0U) == 0)
		return 0;
fallback:
	if (errno != ENOSYS && errno != EINVAL)
		return mon_fail(CTRP_ERR_INTERNAL, "close_range: %m");
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur > 65536)
		rl.rlim_cur = 65536;
	for (int fd = 3, i = 0; fd < (int)rl.rlim_cur; fd++) {
		while (i < n && keep[i] < fd)
			i++;
		if (i == n || keep[i] != fd)
			close(fd);
	}
	return 0;
}

static void sort_fds(int *fds, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
			int t = fds[j];
			fds[j] = fds[j - 1];
			fds[j - 1] = t;
		}
}

/* Move FD above stdio (which becomes /dev/null) and make it close-on-exec. */
static int keep_fd(int *fd, const char *what)
{
	if (*fd < 0)
		return 0;
	if (*fd <= 2) {
		int nfd = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
		if (nfd < 0)
			return mon_fail(CTRP_ERR_INTERNAL, "dup %s: %m", what);
		*fd = nfd;
	}
	if (fcntl(*fd, F_SETFD, FD_CLOEXEC) < 0)
		return mon_fail(CTRP_ERR_INTERNAL, "fcntl %s: %m", what);
	return 0;
}

static int null_stdio(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return mon_fail(CTRP_ERR_INTERNAL, "open /dev/null: %m");
	for (int i = 0; i < 3; i++)
		if (dup2(fd, i) < 0)
			return mon_fail(CTRP_ERR_INTERNAL, "dup2 /dev/null: %m");
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
			return mon_fail(CTRP_ERR_INTERNAL, "sigaction: %m");
	/* A SIG_IGN inherited from the caller would make the kernel reap the container. */
	if (sigaction(SIGCHLD, &dfl, NULL) < 0)
		return mon_fail(CTRP_ERR_INTERNAL, "sigaction: %m");
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0)
		return mon_fail(CTRP_ERR_INTERNAL, "sigprocmask: %m");
	return 0;
}

/* Fork; the parent (the library's child) exits at once, the child becomes the monitor in its
 * own session, a subreaper, with /dev/null for stdio and no descriptor but the sync fd, the lock
 * fd and, in exec mode, the saved stdio (SAVED) and the descriptors to preserve. */
static int daemonize(struct mon_args *a, int saved[3])
{
	int keep[5 + CTRP_PRESERVE_MAX], n = 0;
	const int first = CTRP_FD_PRESERVE_FIRST, last = first + (int)a->preserve_fds - 1;
	pid_t pid = fork();

	if (pid < 0)
		return mon_fail(CTRP_ERR_INTERNAL, "fork: %m");
	if (pid > 0)
		_exit(0);
	if (keep_fd(&a->sync_fd, "sync fd") < 0 || keep_fd(&a->lock_fd, "lock fd") < 0)
		return -1;
	/* Above the preserved descriptors, which the runtime gets as 3, 4, ... */
	if (a->exec_name && exec_save_stdio(saved, last < first ? first : last + 1) < 0)
		return -1;
	for (int fd = first; fd <= last; fd++)
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
			return mon_fail(CTRP_ERR_INTERNAL, "fcntl %d: %m", fd);
	if (setsid() < 0)
		return mon_fail(CTRP_ERR_INTERNAL, "setsid: %m");
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return mon_fail(CTRP_ERR_INTERNAL, "prctl(PR_SET_CHILD_SUBREAPER): %m");
	if (chdir("/") < 0)
		return mon_fail(CTRP_ERR_INTERNAL, "chdir /: %m");
	if (setup_signals() < 0 || null_stdio() < 0)
		return -1;
	keep[n++] = a->sync_fd;
	keep[n++] = a->lock_fd;
	for (int i = 0; i < 3; i++)
		keep[n++] = saved[i];
	for (int fd = first; fd <= last; fd++)
		keep[n++] = fd;
	sort_fds(keep, n);
	return close_fds(keep, n);
}

/* The caller's lock is released with the answer: whoever takes it next finds the runtime's
 * work done, even if the caller died meanwhile. */
static void report_ok(int *sync_fd, int *lock_fd, pid_t pid)
{
	char line[CTRP_SYNC_LINE_MAX];
	size_t n = ctrp_sync_format_ok(line, sizeof(line), (int)pid, (int)getpid());

	/* A caller that died meanwhile gets no answer; the container runs on regardless. */
	(void)ctrp_write_all(*sync_fd, line, n);
	close(*sync_fd);
	*sync_fd = -1;
	if (*lock_fd >= 0)
		close(*lock_fd);
	*lock_fd = -1;
}

static int open_files(struct mon *m, const struct mon_args *a)
{
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	m->sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (m->sigfd < 0)
		return mon_fail(CTRP_ERR_INTERNAL, "signalfd: %m");
	if (a->log && log_open(&m->log, a->log, a->log_size_max) < 0)
		return -1;
	m->exit_dirfd = open(a->exit_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m->exit_dirfd < 0)
		return mon_fail(CTRP_ERR_INTERNAL, "open %s: %m", a->exit_dir);
	/* Before the runtime runs: the socket is there when the caller reads the sync line. */
	if (a->attach_socket && attach_listen(&m->attach, a->attach_socket) < 0)
		return -1;
	return 0;
}

/* The runtime has created the container (or started the exec'd process): hand its descriptors
 * to the log streams, the terminal copies and the attach clients. */
static void take_over(struct mon *m, const struct mon_args *a, int saved[3])
{
	struct mon_rt *rt = &m->rt;
	int sink = -1, sink_owned = 0;

	m->pty = rt->console_fd;
	rt->console_fd = -1;
	if (a->exec_name && a->terminal) {
		exec_io_start(&m->eio, saved[0], saved[1], m->pty);
		saved[0] = saved[1] = -1;
	} else if (a->terminal) {
		/* The stream closes its own copy at end of file; clients keep writing to m->pty. */
		log_open_stream(&m->streams[0], fcntl(m->pty, F_DUPFD_CLOEXEC, 3), "stdout",
				CTRP_ATT_STDOUT);
		sink = m->pty;
	} else if (!a->exec_name) {
		log_open_stream(&m->streams[0], rt->out_r, "stdout", CTRP_ATT_STDOUT);
		log_open_stream(&m->streams[1], rt->err_r, "stderr", CTRP_ATT_STDERR);
		rt->out_r = rt->err_r = -1;
		sink = rt->in_w;
		sink_owned = 1;
		rt->in_w = -1;
	}
	for (int i = 0; i < 3; i++)
		close_fd(&saved[i]);
	attach_start(&m->attach, sink, sink_owned, m->pty, a->exec_name ? NULL : &m->log,
		     m->streams, 2);
	rt_close(rt);
}

static int run(struct mon *m, struct mon_args *a, int saved[3])
{
	const char *name = a->exec_name ? a->exec_name : a->id;
	int r;

	m->a = a;
	m->sigfd = m->exit_dirfd = m->pty = -1;
	m->log.fd = -1;
	log_open_stream(&m->streams[0], -1, "stdout", CTRP_ATT_STDOUT);
	log_open_stream(&m->streams[1], -1, "stderr", CTRP_ATT_STDERR);
	attach_init(&m->attach);
	exec_io_init(&m->eio);
	r = open_files(m, a);
	if (r == 0)
		r = rt_init(&m->rt, a, m->sigfd, saved);
	if (r == 0 && (rt_create(&m->rt) < 0 || rt_read_pid(&m->rt, &m->init.pid) < 0 ||
		       (a->exec_name &&
			exec_check_started(m->init.pid, m->rt.console_fd, a->timeout_ms) < 0))) {
		/* A failed exec leaves the container alone. */
		if (!a->exec_name)
			rt_cleanup(&m->rt);
		rt_reap_orphans(REAP_MS);
		r = -1;
	}
	if (r < 0) {
		rt_close(&m->rt);
		attach_stop(&m->attach);
		return -1;
	}
	/* An exec'd process shares the container's memory cgroup: its OOM kills are not the
	 * process's own, so exec mode reports none. */
	if (!a->exec_name)
		oom_watch(&m->oom, m->init.pid, a->bundle, a->run || a->restore);
	else
		m->oom.fd = -1;
	report_ok(&a->sync_fd, &a->lock_fd, m->init.pid);
	take_over(m, a, saved);
	hold(m);
	/* No new clients from here: a restarted container's monitor can bind the path again. */
	attach_stop(&m->attach);
	/* Locked before the exit file exists: whoever sees the file sees the deletion too. */
	int del = a->delete_after ? rt_delete_lock(a) : -1;
	r = exit_write(m->exit_dirfd, name, m->init.pid, m->init.status, oom_happened(&m->oom),
		       m->init.time_ns);
	if (del >= 0)
		rt_delete_detached(a, del);
	if (r == 0 && a->exit_command)
		rt_exit_command(a);
	attach_finish(&m->attach);
	return r;
}

int main(int argc, char **argv)
{
	static struct mon_args a;
	static struct mon m;
	int saved[3] = { -1, -1, -1 };

	if (args_parse(argc, argv, &a) < 0) {
		mon_report_error(a.sync_fd >= 0 ? a.sync_fd : STDERR_FILENO);
		return 2;
	}
	if (daemonize(&a, saved) < 0 || run(&m, &a, saved) < 0) {
		/* After the sync line nobody listens: a failed exit file shows as status 1. */
		if (a.sync_fd >= 0)
			mon_report_error(a.sync_fd);
		return 1;
	}
	return 0;
}
