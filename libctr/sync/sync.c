/* Syncing a container's recorded state with reality: the monitor's exit file, whether the
 * monitor lives, the runtime's state; and finishing operations whose caller died. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crashpoint.h"
#include "error.h"
#include "events.h"
#include "exec_record.h"
#include "monitor_client.h"
#include "net_run.h"
#include "overlay.h"
#include "remove.h"
#include "oci.h"
#include "op.h"
#include "proc.h"
#include "runtime.h"
#include "state.h"
#include "store.h"
#include "sync.h"

/* ---- the monitor --------------------------------------------------------------------- */

/* With c->mu held: make c->mon_fd a pidfd on st's monitor, or -1 if it is gone. Without
 * pidfds nothing is cached (a watcher is a thread): /proc says whether it lives. */
static void cache_monitor(ctr_container_t *c, const struct ctri_st *st)
{
	if (c->mon_fd >= 0 && (c->mon_fd_pid != st->mon_pid || c->mon_fd_start != st->mon_start)) {
		close(c->mon_fd);
		c->mon_fd = -1;
	}
	if (c->mon_fd < 0 && st->mon_pid > 0 && st->mon_start && !ctri_pidfd_missing()) {
		int fd = ctri_pidfd_verified(st->mon_pid, st->mon_start);
		if (fd >= 0) {
			c->mon_fd = fd;
			c->mon_fd_pid = st->mon_pid;
			c->mon_fd_start = st->mon_start;
		}
	}
}

int ctri_monitor_alive(ctr_container_t *c, const struct ctri_st *st)
{
	if (ctri_pidfd_missing())
		return st->mon_start && ctri_proc_alive(st->mon_pid, st->mon_start);
	pthread_mutex_lock(&c->mu);
	cache_monitor(c, st);
	int alive = c->mon_fd >= 0 && !ctri_fd_readable(c->mon_fd, 0);
	pthread_mutex_unlock(&c->mu);
	return alive;
}

int ctri_monitor_fd(ctr_container_t *c, const struct ctri_st *st)
{
	if (ctri_pidfd_missing()) {
		int w = ctri_pidfd_verified(st->mon_pid, st->mon_start);
		return w >= 0 ? w : -1;
	}
	pthread_mutex_lock(&c->mu);
	cache_monitor(c, st);
	int fd = c->mon_fd >= 0 ? fcntl(c->mon_fd, F_DUPFD_CLOEXEC, 3) : -1;
	pthread_mutex_unlock(&c->mu);
	return fd;
}

/* ---- applying what happened ---------------------------------------------------------- */

/* The "died" event of the exit just recorded in st. */
static void died(ctr_container_t *c, const struct ctri_st *st)
{
	json_object *a = json_object_new_object();

	if (a) {
		json_object_object_add(a, "exit_code", json_object_new_int(st->exit_code));
		json_object_object_add(a, "signal", json_object_new_int(st->signal));
		json_object_object_add(a, "oom", json_object_new_boolean(st->oom));
		if (st->monitor_lost)
			json_object_object_add(a, "monitor_lost", json_object_new_boolean(1));
	}
	ctri_event(c, "died", a);
}

static void record_exit(struct ctri_st *st, const struct ctrp_exit *e)
{
	st->state = CTR_STATE_STOPPED;
	st->has_exit = 1;
	st->exit_code = e->exit_code;
	st->signal = e->signal;
	st->oom = e->oom;
	/* Two processes' clocks, and the realtime clock may step back: never before the start. */
	st->finished_at = e->time < st->started_at ? st->started_at : e->time;
	st->monitor_lost = 0;
	ctri_st_no_process(st);
}

/* The exit file, if there is one, becomes the state (durably: it is the exit code's only
 * copy once the file is gone). Returns 1 if applied, 0 if none, or an error. */
static int take_exit_file(ctr_container_t *c, const char *op, struct ctri_st *st)
{
	struct ctrp_exit e;
	int r = ctri_exit_read(c, op, &e);

	if (r == CTR_E_NOENT)
		return 0;
	if (r < 0)
		return r;
	record_exit(st, &e);
	if ((r = ctri_st_save(c, op, st, 1)) < 0)
		return r;
	CTRI_CRASHPOINT("sync.exit-saved");
	ctri_exit_remove(c);
	died(c, st);
	return 1;
}

/* The monitor died without an exit file: nobody holds the container's output or can learn
 * its exit status. We kill it (docs/design.md, "A monitor that dies") and say so. */
static int monitor_lost(ctr_container_t *c, const char *op, struct ctri_st *st)
{
	char status[16] = "";
	pid_t pid = 0;
	int r = ctri_oci_state(c, op, status, sizeof(status), &pid);

	if (r < 0 && r != CTR_E_NOENT)
		return r;
	int killed = r == 0 && strcmp(status, "stopped") != 0;
	if (r == 0 && (r = ctri_oci_delete(c, op, 1)) < 0)
		return r;
	CTRI_CRASHPOINT("sync.monitor-lost-deleted");
	struct ctrp_exit e = { .exit_code = killed ? 128 + SIGKILL : -1,
			       .signal = killed ? SIGKILL : 0,
			       .time = ctri_now_ns() };
	record_exit(st, &e);
	st->monitor_lost = 1;
	if ((r = ctri_st_save(c, op, st, 1)) == 0)
		died(c, st);
	return r;
}

/* Ask the runtime (ctr_sync): running and paused can change behind our back. */
static int sync_runtime(ctr_container_t *c, const char *op, struct ctri_st *st)
{
	char status[16];
	pid_t pid;
	int r = ctri_oci_state(c, op, status, sizeof(status), &pid);

	if (r < 0)
		return r == CTR_E_NOENT ? 0 : r; /* the monitor will write the exit file */
	ctr_state_t now = !strcmp(status, "running") ? CTR_STATE_RUNNING
			  : !strcmp(status, "paused") ? CTR_STATE_PAUSED
						      : st->state;
	if (now == st->state || st->state == CTR_STATE_CREATED)
		return 0;
	st->state = now;
	return ctri_st_save(c, op, st, 0);
}

/* ---- interrupted operations ---------------------------------------------------------- */

/* An init or start whose caller died. The monitor held the lock until it answered, so
 * the runtime's part is settled: adopt what the runtime has, or roll back. */
static int recover_start(ctr_container_t *c, const char *op, struct ctri_st *st)
{
	char status[16];
	pid_t pid = 0, ppid = 0;

	if (st->owner.from == CTR_STATE_STOPPED) {
		/* It died before the last run's runtime state went (create_in_runtime records
		 * that as from EXITED): what the runtime has, if anything, is still that run's. */
		st->state = CTR_STATE_STOPPED;
		ctri_st_no_process(st);
		return 0;
	}
	int r = ctri_oci_state(c, op, status, sizeof(status), &pid);
	if (r < 0 && r != CTR_E_NOENT)
		return r;
	if (r == CTR_E_NOENT) { /* nothing was created: back to where it started */
		st->state = st->owner.from;
		ctri_st_no_process(st);
		/* No run: its hold goes (a STOPPED run keeps it until cleanup). */
		if (ctri_st_active(st->state))
			return 0;
		/* Its network too; a DEL that fails keeps it for the next start or cleanup,
		 * which report it: a reader is not the one to fail for it. */
		(void)ctri_net_teardown(c, op, 0);
		return ctri_rootfs_release_run(c, op);
	}
	if (st->pid != pid || !st->mon_pid) { /* the answer was not recorded: find the monitor */
		st->pid = pid;
		st->mon_pid = 0;
		st->mon_start = 0;
		if (pid > 0 && ctri_proc_stat(pid, NULL, &ppid) == 0 && ppid > 1 &&
		    ctri_proc_stat(ppid, &st->mon_start, NULL) == 0)
			st->mon_pid = ppid;
	}
	st->state = !strcmp(status, "created")	? CTR_STATE_CREATED
		    : !strcmp(status, "paused") ? CTR_STATE_PAUSED
						: CTR_STATE_RUNNING;
	if (!st->started_at && st->state != CTR_STATE_CREATED)
		st->started_at = ctri_now_ns();
	return 0;
}

/* A remove whose caller died: finished now, and the caller gets CTR_E_REMOVED. */
static int recover_remove(ctr_container_t *c, const char *op)
{
	int r = ctri_oci_delete(c, op, 1);

	if (r < 0)
		return r;
	CTRI_CRASHPOINT("recover.remove-runtime-deleted");
	/* The remover may have died purging the exec sessions (their files go too). */
	if ((r = ctri_exec_purge(c, op)) < 0 || (r = ctri_remove_records(c, 1)) < 0)
		return r;
	ctri_exit_remove(c);
	ctri_event(c, "remove", NULL);
	return ctri_cerr(c->name, op, CTR_E_REMOVED, "the container was removed");
}

static int recover(ctr_container_t *c, const char *op, struct ctri_st *st)
{
	enum ctri_op what;
	int r = 0;

	if (ctri_owner_alive(c, &st->owner))
		return 0; /* a stop waiting without the lock, or ourselves */
	if (ctri_op_parse(st->owner.op, &what) < 0)
		what = CTRI_OP__COUNT; /* no operation we know: the record is dropped */
	switch (what) {
	case CTRI_OP_INIT: /* the operations of ctri_create_in_runtime */
	case CTRI_OP_START:
	case CTRI_OP_RESTART:
	case CTRI_OP_RESTORE:
		r = recover_start(c, op, st);
		break;
	case CTRI_OP_STOP:
		/* The stopper asked for the container to stop; finish it now. */
		if (ctri_st_active(st->state) && ctri_exit_exists(c) == 0)
			(void)ctri_oci_kill(c, op, SIGKILL);
		break;
	case CTRI_OP_CLEANUP: /* what cleanup_stopped does */
		/* A network whose DEL fails stays, and so does STOPPED: the next ctr_cleanup
		 * tries again and reports it. */
		if ((r = ctri_oci_release(c, op, 1)) == 0 && (r = ctri_exec_purge(c, op)) == 0 &&
		    ctri_net_teardown(c, op, 0) == 0 &&
		    (r = ctri_rootfs_release_run(c, op)) == 0 && st->state == CTR_STATE_STOPPED)
			st->state = CTR_STATE_EXITED;
		break;
	case CTRI_OP_REMOVE:
		return recover_remove(c, op);
	default: /* the other operations record no owner */
		break;
	}
	if (r < 0)
		return r;
	st->has_owner = 0;
	return ctri_st_save(c, op, st, 1);
}

/* ---- batches ------------------------------------------------------------------------- */

/* The batches of this thread, innermost first: the lock's holder is the thread, so that an
 * operation inside a batch finds it whichever handle of the container it is given. */
static __thread struct ctri_batch *innermost;

static struct ctri_batch *find(const ctr_container_t *c)
{
	for (struct ctri_batch *b = innermost; b; b = b->outer)
		if (b->pid == getpid() && !strcmp(b->id, c->id) &&
		    !strcmp(b->rt->locks_dir, c->rt->locks_dir))
			return b;
	return NULL;
}

int ctri_batch_fd(const ctr_container_t *c)
{
	struct ctri_batch *b = innermost ? find(c) : NULL;

	return b ? b->fd : -1;
}

int ctri_batch_owns(int fd)
{
	for (struct ctri_batch *b = innermost; fd >= 0 && b; b = b->outer)
		if (b->fd == fd && b->pid == getpid())
			return 1;
	return 0;
}

void ctri_batch_enter(struct ctri_batch *b, const ctr_container_t *c, int fd)
{
	b->rt = c->rt;
	b->fd = fd;
	b->pid = getpid();
	memcpy(b->id, c->id, sizeof(b->id));
	b->outer = innermost;
	innermost = b;
}

void ctri_batch_leave(struct ctri_batch *b)
{
	innermost = b->outer;
}

/* ---- sync ---------------------------------------------------------------------------- */

int ctri_sync(ctr_container_t *c, const char *op, struct ctri_st *st, unsigned flags)
{
	int r = ctri_st_load(c, op, st);

	if (r < 0)
		return r;
	if (st->has_owner && (r = recover(c, op, st)) < 0)
		return r;
	if (!ctri_st_active(st->state))
		return 0;
	if ((r = take_exit_file(c, op, st)) != 0)
		return r < 0 ? r : 0;
	if (!ctri_monitor_alive(c, st)) {
		/* It may have written the file and exited since we looked. */
		if ((r = take_exit_file(c, op, st)) != 0)
			return r < 0 ? r : 0;
		return monitor_lost(c, op, st);
	}
	return flags & CTRI_SYNC_RUNTIME ? sync_runtime(c, op, st) : 0;
}

/* Does st need a sync that writes? Decided without the lock. */
static int stale(ctr_container_t *c, const struct ctri_st *st)
{
	if (st->has_owner && !ctri_owner_alive(c, &st->owner))
		return 1;
	/* A live owner (a stop waiting without the lock) does not hide an exit. */
	return ctri_st_active(st->state) && (ctri_exit_exists(c) || !ctri_monitor_alive(c, st));
}

int ctri_refresh(ctr_container_t *c, const char *op, struct ctri_st *st)
{
	int fd, r = ctri_st_load(c, op, st);

	if (r < 0 || !stale(c, st))
		return r;
	if ((r = ctri_begin(c, op, &fd, st, 0)) < 0)
		return r;
	ctri_end(fd);
	return 0;
}

int ctri_begin(ctr_container_t *c, const char *op, int *fd, struct ctri_st *st, unsigned flags)
{
	int r;

	/* Inside ctr_batch the lock is ours already: no second lock (it would wait for this
	 * very thread), and no sync beyond what the monitor may have written meanwhile (an
	 * exit file costs a stat to notice; the runtime is not asked unless ctr_sync asks). */
	if ((*fd = ctri_batch_fd(c)) >= 0)
		return ctri_sync(c, op, st, flags);
	if ((r = ctri_lock(c->rt->locks_dir, c->id, fd)) < 0)
		return ctri_cwrap(c->name, op, r);
	if ((r = ctri_sync(c, op, st, flags)) < 0) {
		if (r == CTR_E_REMOVED) /* do not leave the lock file we just created */
			ctri_lock_unlink(c->rt->locks_dir, c->id);
		ctri_unlock(*fd);
		*fd = -1;
	}
	return r;
}

void ctri_end(int fd)
{
	if (!ctri_batch_owns(fd)) /* a batch's lock is released by ctr_batch */
		ctri_unlock(fd);
}
