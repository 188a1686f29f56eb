/* Reading and waiting: ctr_state, ctr_pid, ctr_exit_code, ctr_sync, ctr_wait,
 * ctr_wait_condition, ctr_wait_fd. Waiting is event-driven and holds no lock: a pidfd on
 * the monitor says the container ended; inotify on the container's lock file says an
 * operation on it finished (whoever changes the state holds that lock, and closes it
 * after the write). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "error.h"
#include "proc.h"
#include "runtime.h"
#include "store.h"
#include "sync.h"

CTR_API int ctr_state(ctr_container_t *c, ctr_state_t *out)
{
	struct ctri_st st;

	CTRI_CHECK_ARG("ctr_state", c);
	CTRI_CHECK_ARG("ctr_state", out);
	int r = ctri_refresh(c, "read state", &st);
	if (r == 0)
		*out = st.state;
	return r;
}

CTR_API int ctr_pid(ctr_container_t *c, pid_t *out)
{
	struct ctri_st st;

	CTRI_CHECK_ARG("ctr_pid", c);
	CTRI_CHECK_ARG("ctr_pid", out);
	int r = ctri_refresh(c, "read pid", &st);
	if (r == 0)
		*out = ctri_st_active(st.state) ? st.pid : 0;
	return r;
}

CTR_API int ctr_exit_code(ctr_container_t *c, int *out)
{
	struct ctri_st st;

	CTRI_CHECK_ARG("ctr_exit_code", c);
	CTRI_CHECK_ARG("ctr_exit_code", out);
	int r = ctri_refresh(c, "read exit code", &st);
	if (r < 0)
		return r;
	if (!st.has_exit)
		return ctri_cerr(c->name, "read exit code", CTR_E_STATE,
				 "container is %s and has never exited", ctr_state_name(st.state));
	*out = st.exit_code;
	return 0;
}

CTR_API int ctr_sync(ctr_container_t *c)
{
	struct ctri_st st;
	int fd;

	CTRI_CHECK_ARG("ctr_sync", c);
	int r = ctri_begin(c, "sync", &fd, &st, CTRI_SYNC_RUNTIME);
	if (r == 0)
		ctri_end(fd);
	return r;
}

/* An inotify fd on c's lock file (IN_CLOSE: an operation finished). */
static int watch_open(ctr_container_t *c, const char *op)
{
	char path[4096];
	int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);

	if (fd < 0)
		return ctri_cerr(c->name, op, ctri_errno_code(errno), "inotify_init1: %m");
	if (ctri_lock_path(path, sizeof(path), c->rt->locks_dir, c->id) < 0) {
		close(fd);
		return ctri_cwrap(c->name, op, CTR_E_INVAL);
	}
	int lf = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lf >= 0)
		close(lf);
	if (inotify_add_watch(fd, path, IN_CLOSE | IN_DELETE_SELF | IN_ATTRIB) < 0) {
		int r = ctri_cerr(c->name, op, ctri_errno_code(errno), "inotify_add_watch: %m");
		close(fd);
		return r;
	}
	return fd;
}

static void drain(int fd)
{
	char buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

typedef int (*st_pred)(const struct ctri_st *st, int want);

static int ended(const struct ctri_st *st, int want)
{
	(void)want;
	return st->state == CTR_STATE_STOPPED || st->state == CTR_STATE_EXITED;
}

/* Nothing runs: what ctr_wait waits for (libpod's Wait: neither running nor paused). */
static int not_running(const struct ctri_st *st, int want)
{
	(void)want;
	return st->state != CTR_STATE_RUNNING && st->state != CTR_STATE_PAUSED;
}

static int in_state(const struct ctri_st *st, int want)
{
	return (int)st->state == want;
}

/* Wait until pred(st, want) holds or the deadline passes. */
static int wait_for(ctr_container_t *c, const char *op, st_pred pred, int want, int timeout_ms,
		    struct ctri_st *st)
{
	long long deadline = timeout_ms < 0 ? -1 : ctri_mono_ms() + timeout_ms;
	int ino = -1, r;

	for (;;) {
		if ((r = ctri_refresh(c, op, st)) < 0 || pred(st, want))
			break;
		int mon = ctri_st_active(st->state) ? ctri_monitor_fd(c, st) : -1;
		/* Waiting for the end of a run its monitor holds needs only the monitor's pidfd.
		 * Anything else needs the inotify watch (whose close() can cost an RCU grace
		 * period, ~10 ms here, so it is not set up when the pidfd suffices). */
		if (ino < 0 && !(mon >= 0 && pred != in_state)) {
			if (mon >= 0)
				close(mon);
			/* watch first, then look again: no change slips between */
			if ((r = ino = watch_open(c, op)) < 0)
				break;
			continue;
		}
		struct pollfd p[2] = { { .fd = ino, .events = POLLIN },
				       { .fd = mon, .events = POLLIN } };
		int n = poll(p, 2, ctri_poll_ms(deadline));
		if (mon >= 0)
			close(mon);
		if (n == 0) {
			r = ctri_cerr(c->name, op, CTR_E_TIMEOUT, "container is still %s",
				      ctr_state_name(st->state));
			break;
		}
		if (ino >= 0)
			drain(ino);
	}
	if (r == CTR_E_REMOVED) /* the watch created the lock file again: take it back */
		ctri_lock_unlink(c->rt->locks_dir, c->id);
	if (ino >= 0)
		close(ino);
	return r;
}

CTR_API int ctr_wait(ctr_container_t *c, int timeout_ms, int *out_exit_code)
{
	struct ctri_st st;

	CTRI_CHECK_ARG("ctr_wait", c);
	int r = wait_for(c, "wait", not_running, 0, timeout_ms, &st);
	if (r == 0 && out_exit_code)
		*out_exit_code = st.has_exit ? st.exit_code : -1;
	return r;
}

CTR_API int ctr_wait_condition(ctr_container_t *c, ctr_state_t state, int timeout_ms)
{
	struct ctri_st st;

	CTRI_CHECK_ARG("ctr_wait_condition", c);
	if (state <= CTR_STATE_UNKNOWN || state > CTR_STATE_REMOVING)
		return ctri_cerr(c->name, "wait", CTR_E_INVAL, "invalid state %d", (int)state);
	if (state == CTR_STATE_STOPPED || state == CTR_STATE_EXITED)
		return wait_for(c, "wait", ended, 0, timeout_ms, &st);
	return wait_for(c, "wait", in_state, (int)state, timeout_ms, &st);
}

CTR_API int ctr_wait_fd(ctr_container_t *c)
{
	struct ctri_st st;
	int r;

	CTRI_CHECK_ARG("ctr_wait_fd", c);
	if ((r = ctri_refresh(c, "wait", &st)) < 0)
		return r;
	if (st.state == CTR_STATE_CONFIGURED)
		return ctri_cerr(c->name, "wait", CTR_E_STATE,
				 "container is configured: nothing runs");
	if (!ctri_st_active(st.state))
		return ctri_eventfd_ready(c->name, "wait");
	int fd = ctri_monitor_fd(c, &st);
	/* No monitor: the container is gone with it. */
	return fd >= 0 ? fd : ctri_eventfd_ready(c->name, "wait");
}
