/* Processes: spawning children without fork, reaping only our own, and reading facts about
 * other processes from /proc. */
#ifndef LIBCTR_PROC_H
#define LIBCTR_PROC_H

#include <stddef.h>
#include <sys/types.h>

struct ctri_spawn {
	const char *const *argv; /* argv[0] is a path */
	int fd_in, fd_out, fd_err; /* the child's stdio; -1: /dev/null */
	const int *pass;	   /* descriptors the child gets as 3, 4, ...; each must be > 9 */
	size_t n_pass;
	int new_pgroup; /* the child leads a new process group (to kill it whole) */
	char *const *envp; /* NULL: the caller's environment */
};

/* posix_spawn with an empty signal mask, default dispositions, and no descriptor but stdio
 * and pass[]. Returns 0 or -errno (ENOENT, EACCES... for the program). */
int ctri_spawn(const struct ctri_spawn *sp, pid_t *pid);

/* Wait for our child PID; *status is its exit status, or 128+signal. 0 or -errno. */
int ctri_reap(pid_t pid, int *status);

/* How long a child killed at its deadline may take to die before we stop waiting. */
#define CTRI_KILLED_REAP_MS 2000

/* ctri_reap with a deadline (ctri_mono_ms() clock): a child still running then is killed
 * with SIGKILL, with the process group it leads, and reaped; -ETIMEDOUT says so (*status is
 * 128+SIGKILL). One that SIGKILL has not ended CTRI_KILLED_REAP_MS later is left unreaped
 * (-ETIMEDOUT too). */
int ctri_reap_by(pid_t pid, int *status, long long deadline);

/* A descriptor on PID that is readable once it has exited: a pidfd, or where pidfd_open is
 * missing (ENOSYS: Linux before 5.3, valgrind) or CTR_NO_PIDFD=1 is set, a pipe that a
 * watcher thread writes when /proc no longer shows PID (it notices within 20 ms; it does
 * not survive fork). -1 with errno: ESRCH if PID is gone (the fallback: or a zombie). */
int ctri_pidfd_open(pid_t pid);
/* A pidfd on PID if it is still the process that started at START, else -ESRCH. */
int ctri_pidfd_verified(pid_t pid, unsigned long long start);
/* Send sig to the process of fd, from ctri_pidfd_open(pid): pidfd_send_signal, or for the
 * fallback kill(pid) (whose pid the caller checked just before). -1 with errno. */
int ctri_pidfd_signal(int fd, pid_t pid, int sig);
/* 1 if ctri_pidfd_open gives the fallback's pipes (no pidfd_open, or CTR_NO_PIDFD=1): each
 * costs a thread, so hold none for long; ask ctri_proc_alive whether a process lives. */
int ctri_pidfd_missing(void);

/* Start time (clock ticks since boot) and parent of a live process; -ESRCH for a zombie or
 * a missing one. */
int ctri_proc_stat(pid_t pid, unsigned long long *start, pid_t *ppid);
/* 1 if PID is alive and started at START. */
int ctri_proc_alive(pid_t pid, unsigned long long start);

/* Monotonic milliseconds, and the poll() timeout left until deadline (-1: none). */
long long ctri_mono_ms(void);
int ctri_poll_ms(long long deadline);
/* 1 if fd is readable within ms milliseconds (0: now), e.g. a pidfd whose process ended. */
int ctri_fd_readable(int fd, long long ms);

/* Wait (at most max_ms) until PID, a container's init that `runc start` has released, has
 * left runc's init code for the container's command: a signal sent before that reaches
 * runc's init (written in Go), which dies of SIGTERM with status 2 instead of running the
 * command's handler. */
void ctri_proc_wait_exec(pid_t pid, int max_ms);

/* 1 if PID has exited (is missing or a zombie) now or within ms: after a runtime call on
 * a container failed, whether the reason is that its init was exiting. */
int ctri_proc_gone_within(pid_t pid, int ms);

/* SIGKILL every other process that has the pipe of fd open (either end): a daemon that
 * inherited it from a child of ours and never answered. Returns how many were killed. */
int ctri_kill_pipe_holders(int fd);

/* A descriptor that is readable already (an eventfd), for waits that are over before they
 * begin. Errors name container name and op. */
int ctri_eventfd_ready(const char *name, const char *op);

#endif
