/* Child processes of the library (posix_spawn only) and facts about other processes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "proc.h"

extern char **environ;

int ctri_spawn(const struct ctri_spawn *sp, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	int stdio[3] = { sp->fd_in, sp->fd_out, sp->fd_err }, r;

	if ((r = posix_spawn_file_actions_init(&fa)) != 0)
		return -r;
	if ((r = posix_spawnattr_init(&at)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -r;
	}
	for (int i = 0; i < 3 && r == 0; i++)
		r = stdio[i] >= 0 ? posix_spawn_file_actions_adddup2(&fa, stdio[i], i)
				  : posix_spawn_file_actions_addopen(&fa, i, "/dev/null", O_RDWR, 0);
	/* Passed descriptors land at 3, 4, ...; the parent's copies sit above 9 (see proc.h). */
	for (size_t i = 0; i < sp->n_pass && r == 0; i++)
		r = posix_spawn_file_actions_adddup2(&fa, sp->pass[i], 3 + (int)i);
	if (r == 0) /* whatever the embedding program left without O_CLOEXEC stays home */
		r = posix_spawn_file_actions_addclosefrom_np(&fa, 3 + (int)sp->n_pass);
	sigemptyset(&none);
	sigfillset(&all);
	short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
	if (sp->new_pgroup)
		flags |= POSIX_SPAWN_SETPGROUP;
	if (r == 0)
		r = posix_spawnattr_setsigmask(&at, &none);
	if (r == 0)
		r = posix_spawnattr_setsigdefault(&at, &all);
	if (r == 0)
		r = posix_spawnattr_setflags(&at, flags);
	if (r == 0)
		r = posix_spawn(pid, sp->argv[0], &fa, &at, (char *const *)sp->argv,
				sp->envp ? sp->envp : environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return -r;
}

int ctri_reap(pid_t pid, int *status)
{
	int st = 0;
	pid_t p;

	while ((p = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (p < 0)
		return -errno; /* ECHILD: the caller set SIGCHLD to SIG_IGN; the status is lost */
	if (status)
		*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

/* 1 once our child PID has exited (it is left for ctri_reap), 0 if it still runs at the
 * deadline. *fd: a descriptor on it, opened (ctri_pidfd_open) when first needed, -2 until
 * then; where none can be had (-1), waitid is asked every few ms. */
static int child_exited_by(pid_t pid, int *fd, long long deadline)
{
	long long pause_ms = 1;

	for (;;) {
		siginfo_t si = { 0 };
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
			if (errno == EINTR)
				continue;
			return 1; /* ECHILD: SIGCHLD ignored, the kernel reaps it */
		}
		if (si.si_pid == pid)
			return 1;
		long long left = deadline - ctri_mono_ms();
		if (left <= 0)
			return 0;
		if (*fd == -2 && (*fd = ctri_pidfd_open(pid)) < 0)
			*fd = -1;
		if (*fd >= 0) {
			ctri_fd_readable(*fd, left);
			continue;
		}
		long long ms = pause_ms < left ? pause_ms : left;
		struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };
		nanosleep(&ts, NULL);
		pause_ms = pause_ms * 2 > 20 ? 20 : pause_ms * 2;
	}
}

int ctri_reap_by(pid_t pid, int *status, long long deadline)
{
	int fd = -2, r = 0;

	if (!child_exited_by(pid, &fd, deadline)) {
		/* Not reaped, so its pid (and a process group it leads) are still its own. */
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		r = -ETIMEDOUT;
	}
	int gone = r == 0 || child_exited_by(pid, &fd, ctri_mono_ms() + CTRI_KILLED_REAP_MS);
	if (fd >= 0)
		close(fd);
	if (!gone)
		return r; /* SIGKILL has not taken yet (uninterruptible sleep): not reaped */
	int e = ctri_reap(pid, status);
	if (r < 0 && status)
		*status = 128 + SIGKILL;
	return r < 0 ? r : e;
}

long long ctri_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ctri_poll_ms(long long deadline)
{
	if (deadline < 0)
		return -1;
	long long left = deadline - ctri_mono_ms();
	return left <= 0 ? 0 : left > 0x7fffffff ? 0x7fffffff : (int)left;
}

/* /proc/PID/stat: "pid (comm) state ppid ... starttime(22nd field)". comm may hold spaces
 * and parentheses, so fields are counted from the last ')'. */
int ctri_proc_stat(pid_t pid, unsigned long long *start, pid_t *ppid)
{
	char path[32], buf[1024];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p)
		return -EINVAL;
	char state = 0;
	int pp = 0;
	unsigned long long st = 0;
	if (sscanf(p + 1, " %c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d "
			  "%*d %llu", &state, &pp, &st) != 3)
		return -EINVAL;
	if (state == 'Z' || state == 'X')
		return -ESRCH;
	if (start)
		*start = st;
	if (ppid)
		*ppid = pp;
	return 0;
}

int ctri_proc_alive(pid_t pid, unsigned long long start)
{
	unsigned long long now;

	return pid > 0 && ctri_proc_stat(pid, &now, NULL) == 0 && now == start;
}

/* ---- process descriptors ------------------------------------------------------------- */

/* Without pidfd_open (Linux before 5.3, valgrind 3.19, or CTR_NO_PIDFD=1), a descriptor on
 * a process is the read end of a pipe whose write end a detached watcher thread holds: it
 * looks at /proc/PID/stat (the start time tells a reused pid apart) every WATCH_MAX_MS at
 * most, writes a byte when the process is gone, and quits, closing the pipe; it also quits
 * when every copy of the read end is closed (a write end polls POLLERR then). */
#define WATCH_MAX_MS	 20
#define WATCH_STACK_SIZE (64 * 1024)

struct watch {
	pid_t pid;
	unsigned long long start;
	int fd; /* the pipe's write end */
};

/* Whether pidfd_open exists: 0 not known yet, 1 yes, 2 no (ENOSYS; the kernel will not
 * grow it, and valgrind warns at each call). The only process-wide state here, a fact
 * about the kernel. */
static int pidfd_kernel;

int ctri_pidfd_missing(void)
{
	const char *v = secure_getenv("CTR_NO_PIDFD");
	int k = __atomic_load_n(&pidfd_kernel, __ATOMIC_RELAXED);

	if (v && !strcmp(v, "1"))
		return 1;
	if (k == 0) {
		int e = errno, fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
		k = fd < 0 && errno == ENOSYS ? 2 : 1;
		if (fd >= 0)
			close(fd);
		errno = e;
		__atomic_store_n(&pidfd_kernel, k, __ATOMIC_RELAXED);
	}
	return k == 2;
}

static void *watch_run(void *arg)
{
	struct watch w = *(struct watch *)arg;
	int ms = 1;

	free(arg);
	for (;;) {
		struct pollfd p = { .fd = w.fd, .events = 0 };
		if (poll(&p, 1, ms) != 0)
			break; /* nobody reads any more */
		if (!ctri_proc_alive(w.pid, w.start)) {
			(void)!write(w.fd, "x", 1);
			break;
		}
		ms = ms * 2 > WATCH_MAX_MS ? WATCH_MAX_MS : ms * 2;
	}
	close(w.fd);
	return NULL;
}

/* The watcher's pipe on PID (see above); -1 with errno, ESRCH for a zombie too. */
static int watch_open(pid_t pid)
{
	struct watch *w = NULL;
	pthread_attr_t at;
	pthread_t t;
	sigset_t all, old;
	unsigned long long start;
	int p[2] = { -1, -1 }, r;

	if (pid <= 0) {
		errno = EINVAL;
		return -1;
	}
	if ((r = ctri_proc_stat(pid, &start, NULL)) < 0) {
		errno = r == -ENOENT ? ESRCH : -r;
		return -1;
	}
	if (!(w = malloc(sizeof(*w)))) {
		errno = ENOMEM;
		return -1;
	}
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(w);
		return -1;
	}
	*w = (struct watch){ .pid = pid, .start = start, .fd = p[1] };
	/* The embedding program's signals go to its own threads: the watcher inherits a mask
	 * of all, set around its creation (pthread_attr_setsigmask_np would allocate, and a
	 * fork by another thread before the attr is destroyed leaves the child that memory
	 * with no reference to it: a leak valgrind reports in the child). */
	sigfillset(&all);
	if ((r = pthread_attr_init(&at)) == 0) {
		if ((r = pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED)) == 0 &&
		    (r = pthread_attr_setstacksize(&at, WATCH_STACK_SIZE)) == 0 &&
		    (r = pthread_sigmask(SIG_SETMASK, &all, &old)) == 0) {
			r = pthread_create(&t, &at, watch_run, w);
			pthread_sigmask(SIG_SETMASK, &old, NULL);
		}
		pthread_attr_destroy(&at);
	}
	if (r != 0) {
		close(p[0]);
		close(p[1]);
		free(w);
		errno = r;
		return -1;
	}
	return p[0];
}

int ctri_pidfd_open(pid_t pid)
{
	return ctri_pidfd_missing() ? watch_open(pid) : (int)syscall(SYS_pidfd_open, pid, 0);
}

/* A watcher's descriptor is a pipe; a pidfd is an anonymous inode. */
static int is_watch(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

int ctri_pidfd_signal(int fd, pid_t pid, int sig)
{
	if (is_watch(fd))
		return kill(pid, sig);
	return (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
}

int ctri_pidfd_verified(pid_t pid, unsigned long long start)
{
	int fd = ctri_pidfd_open(pid);

	if (fd < 0)
		return -errno;
	/* The pidfd names whatever has this pid now; it is the process we recorded only if
	 * the start time still matches after the open. */
	if (!ctri_proc_alive(pid, start)) {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

int ctri_fd_readable(int fd, long long ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	long long deadline = ctri_mono_ms() + (ms < 0 ? 0 : ms);
	int n;

	/* poll() takes at most INT_MAX ms (ctri_poll_ms clamps): a longer wait takes turns. */
	while (((n = poll(&p, 1, ctri_poll_ms(deadline))) < 0 && errno == EINTR) ||
	       (n == 0 && ctri_mono_ms() < deadline))
		;
	return n > 0;
}

/* Whether /proc/PID/fd holds link (e.g. "pipe:[123]"). */
static int holds(pid_t pid, const char *link)
{
	char path[64], got[64];
	struct dirent *e;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	while (d && !found && (e = readdir(d))) {
		ssize_t n = readlinkat(dirfd(d), e->d_name, got, sizeof(got) - 1);
		if (n > 0) {
			got[n] = 0;
			found = !strcmp(got, link);
		}
	}
	if (d)
		closedir(d);
	return found;
}

int ctri_kill_pipe_holders(int fd)
{
	char link[64];
	struct stat st;
	struct dirent *e;
	int n = 0;

	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))
		return 0;
	snprintf(link, sizeof(link), "pipe:[%llu]", (unsigned long long)st.st_ino);
	DIR *d = opendir("/proc");
	while (d && (e = readdir(d))) {
		pid_t pid = (pid_t)atoi(e->d_name);
		if (pid > 0 && pid != getpid() && holds(pid, link) && kill(pid, SIGKILL) == 0)
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

int ctri_eventfd_ready(const char *name, const char *op)
{
	int fd = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK); /* reading it empty never blocks */

	return fd >= 0 ? fd : ctri_cerr(name, op, ctri_errno_code(errno), "eventfd: %m");
}

void ctri_proc_wait_exec(pid_t pid, int max_ms)
{
	char path[64], comm[32];
	long long deadline = ctri_mono_ms() + max_ms;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	for (;;) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, comm, sizeof(comm) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (n <= 0 || strncmp(comm, "runc:[", 6) || ctri_mono_ms() >= deadline)
			return; /* gone, or its own command runs */
		struct timespec ts = { 0, 200000 };
		nanosleep(&ts, NULL);
	}
}

int ctri_proc_gone_within(pid_t pid, int ms)
{
	long long deadline = ctri_mono_ms() + ms;
	unsigned long long start;

	for (;;) {
		if (pid <= 0 || ctri_proc_stat(pid, &start, NULL) < 0)
			return 1; /* missing, or a zombie: it has exited */
		if (ctri_mono_ms() >= deadline)
			return 0;
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
}
