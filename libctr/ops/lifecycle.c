/* The lifecycle: init and start (with the dependencies they need), pause, stop, kill,
 * restart (DESIGN §3, §4; cleanup and remove are cleanup.c). Each operation locks the
 * container, syncs it, checks the state table, records itself as the owner while it has
 * several steps to take, and never holds the lock while it waits. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crashpoint.h"
#include "error.h"
#include "events.h"
#include "exec_record.h"
#include "lifecycle.h"
#include "monitor_client.h"
#include "oci.h"
#include "op.h"
#include "net_run.h"
#include "overlay.h"
#include "proc.h"
#include "restart.h"
#include "runc_start.h"
#include "runtime.h"
#include "spec.h"
#include "sync.h"
#include "user.h"

#define SIG_MAX 64
#define DEPTH_MAX 64	   /* how deep dependencies may nest */
#define EXEC_WAIT_MS 1000  /* how long a started init may take to exec its command */

struct stop_cfg {
	int terminal, open_stdin, signal, timeout_s;
	int restarts; /* a restart policy other than "no" */
	int networked; /* joins networks (net_run.h) */
	unsigned long long log_size_max;
	char user[CTRI_USER_MAX]; /* "": nothing to look up (user.h) */
};

static int read_cfg(ctr_container_t *c, const char *op, struct stop_cfg *out)
{
	json_object *cfg, *v;
	int r = ctri_container_config(c, op, &cfg);

	if (r < 0)
		return r;
	out->terminal = json_object_object_get_ex(cfg, "terminal", &v) &&
			json_object_get_boolean(v);
	out->open_stdin = json_object_object_get_ex(cfg, "stdin", &v) &&
			  json_object_get_boolean(v);
	out->log_size_max = json_object_object_get_ex(cfg, "log_size_max", &v)
				    ? (unsigned long long)json_object_get_int64(v)
				    : 0;
	out->signal = json_object_object_get_ex(cfg, "stop_signal", &v) ? json_object_get_int(v)
									 : SIGTERM;
	out->timeout_s = json_object_object_get_ex(cfg, "stop_timeout", &v)
				 ? json_object_get_int(v)
				 : 10;
	out->networked = json_object_object_get_ex(cfg, "networks", &v);
	out->restarts = json_object_object_get_ex(cfg, "restart_policy", &v) &&
			strcmp(json_object_get_string(v), "no") != 0;
	unsigned uid, gid;
	const char *user =
	    json_object_object_get_ex(cfg, "user", &v) ? json_object_get_string(v) : NULL;
	snprintf(out->user, sizeof(out->user), "%s",
		 user && !ctri_user_numeric(user, &uid, &gid) ? user : "");
	if (out->signal < 1 || out->signal > SIG_MAX)
		out->signal = SIGTERM;
	json_object_put(cfg);
	return 0;
}

/* ---- dependencies (CTR_RECURSIVE, and the rule of ctr_start) ------------------------- */

/* Call fn for each dependency of c, as a handle; with parallel, each in a thread of its
 * own (independent dependencies start at the same time), the first error reported. */
typedef int (*dep_fn)(ctr_container_t *c, ctr_container_t *dep, const char *op, int depth);

struct job {
	ctr_container_t *c, *d;
	const char *op;
	int depth;
	dep_fn fn;
	int r;
	char msg[1024]; /* the worker thread's ctr_last_error(), carried to the caller's */
	pthread_t th;
	int threaded;
};

static void *job_run(void *p)
{
	struct job *j = p;

	if ((j->r = j->fn(j->c, j->d, j->op, j->depth)) < 0)
		snprintf(j->msg, sizeof(j->msg), "%s", ctr_last_error());
	return NULL;
}

static int each_dep(ctr_container_t *c, const char *op, int depth, dep_fn fn, int parallel)
{
	json_object *deps;
	int r = ctri_container_deps(c, op, &deps);
	size_t n = r == 0 ? json_object_array_length(deps) : 0;
	struct job *jobs = n ? calloc(n, sizeof(*jobs)) : NULL;

	if (n && !jobs)
		r = ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
	for (size_t i = 0; r == 0 && i < n; i++) {
		const char *id = json_object_get_string(json_object_array_get_idx(deps, i));
		struct job *j = &jobs[i];
		*j = (struct job){ .c = c, .op = op, .depth = depth, .fn = fn };
		if ((r = ctr_lookup(c->rt, id, &j->d)) == CTR_E_NOENT)
			r = ctri_cerr(c->name, op, CTR_E_DEPEND, "dependency %s was removed", id);
	}
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct job *j = &jobs[i];
		j->threaded = parallel && n > 1 && pthread_create(&j->th, NULL, job_run, j) == 0;
		if (!j->threaded)
			job_run(j);
	}
	for (size_t i = 0; jobs && i < n; i++) {
		if (jobs[i].threaded)
			pthread_join(jobs[i].th, NULL);
		if (r == 0 && jobs[i].r < 0)
			r = ctri_err(jobs[i].r, "%s", jobs[i].msg);
		ctr_container_free(jobs[i].d);
	}
	free(jobs);
	json_object_put(deps);
	return r;
}

static int check_one(ctr_container_t *c, ctr_container_t *d, const char *op, int depth)
{
	ctr_state_t s;
	int r = ctr_state(d, &s);

	(void)depth;
	if (r == CTR_E_REMOVED)
		return ctri_cerr(c->name, op, CTR_E_DEPEND, "dependency %s was removed", d->name);
	if (r < 0)
		return r;
	if (s != CTR_STATE_RUNNING)
		return ctri_cerr(c->name, op, CTR_E_DEPEND, "dependency %s is %s, not running",
				 d->name, ctr_state_name(s));
	return 0;
}

int ctri_dep_check(ctr_container_t *c, const char *op)
{
	return each_dep(c, op, 0, check_one, 0);
}

static int start_one(ctr_container_t *c, ctr_container_t *d, const char *op, int depth)
{
	ctr_state_t s;
	int r;

	if (depth >= DEPTH_MAX)
		return ctri_cerr(c->name, op, CTR_E_DEPEND, "dependencies nest deeper than %d",
				 DEPTH_MAX);
	if ((r = ctr_state(d, &s)) < 0 || s == CTR_STATE_RUNNING)
		return r;
	if ((r = each_dep(d, op, depth + 1, start_one, 1)) < 0)
		return r;
	r = ctr_start(d, 0);
	if (r == CTR_E_STATE && ctr_state(d, &s) == 0 && s == CTR_STATE_RUNNING)
		r = 0; /* someone else started it meanwhile */
	if (r < 0) {
		char why[1024];
		snprintf(why, sizeof(why), "%s", ctr_last_error());
		r = ctri_cerr(c->name, op, CTR_E_DEPEND, "dependency %s: %s", d->name, why);
	}
	return r;
}

int ctri_dep_start(ctr_container_t *c, const char *op)
{
	return each_dep(c, op, 0, start_one, 1);
}

/* ---- init and start ------------------------------------------------------------------- */

/* What a run that did not start holds goes (its network, the overlay's hold), and the
 * message stays the cause's. */
static void undo_run(ctr_container_t *c, const char *op, int r)
{
	char why[1024];

	snprintf(why, sizeof(why), "%s", ctr_last_error());
	ctri_net_teardown(c, op, 1);
	ctri_rootfs_release(c, op, 0);
	ctri_err(r, "%s", why);
}

int ctri_create_in_runtime(ctr_container_t *c, enum ctri_op what, int lock_fd, struct ctri_st *st,
			   int run, int user, const struct ctri_restore_src *rs)
{
	const char *op = ctri_op_name(what);
	struct stop_cfg cfg;
	struct ctri_mon m;
	int r;

	if ((r = read_cfg(c, op, &cfg)) < 0)
		return r;
	ctri_st_own(c, st, what);
	if ((r = ctri_st_save(c, op, st, 0)) < 0)
		return r;
	CTRI_CRASHPOINT("run.owner-saved");
	if ((r = ctri_exec_purge(c, op)) < 0) { /* the last run's sessions */
		st->has_owner = 0;
		return ctri_st_save_then(c, op, st, r);
	}
	if (st->state == CTR_STATE_STOPPED) { /* the last run's runtime state goes first */
		if ((r = ctri_oci_release(c, op, 1)) < 0) {
			st->has_owner = 0;
			return ctri_st_save_then(c, op, st, r);
		}
		/* Recorded in the owner, so that a recovery does not take what the runtime has for
		 * the last run's; readers still see STOPPED until the new run is there. */
		st->owner.from = CTR_STATE_EXITED;
		if ((r = ctri_st_save(c, op, st, 0)) < 0) {
			st->has_owner = 0;
			return ctri_st_save_then(c, op, st, r);
		}
		st->state = CTR_STATE_EXITED;
		CTRI_CRASHPOINT("run.old-state-released");
	}
	struct ctri_mon_opts mo = { .run = run, .terminal = cfg.terminal,
				    .open_stdin = cfg.open_stdin, .exit_command = cfg.restarts,
				    .log_size_max = cfg.log_size_max };
	if (rs) {
		mo.restore = rs->images;
		mo.restore_work = rs->work;
		mo.tcp_established = rs->tcp_established;
		run = 1; /* restored processes run at once */
	}
	/* Before the runtime runs it: a short run's exit (the monitor's clock) comes after. */
	long long started_at = ctri_now_ns();
	if ((r = ctri_rootfs_acquire(c, op)) == 0 &&
	    ((cfg.user[0] && (r = ctri_spec_set_user(c, op, cfg.user)) < 0) ||
	     (cfg.networked && (r = ctri_net_setup(c, op)) < 0) ||
	     (r = ctri_monitor_start(c, op, &mo, lock_fd, &m)) < 0))
		undo_run(c, op, r);
	st->has_owner = 0;
	if (r < 0)
		return ctri_st_save_then(c, op, st, r);
	CTRI_CRASHPOINT("run.monitor-answered");
	st->state = run ? CTR_STATE_RUNNING : CTR_STATE_CREATED;
	st->checkpointed = 0;
	st->pid = m.pid;
	st->mon_pid = m.mon_pid;
	st->mon_start = m.mon_start;
	st->monitor_lost = 0;
	st->reset_from = CTR_STATE_UNKNOWN;
	if (user) { /* a start by the user begins a new count and lifts a user stop */
		st->stopped_by_user = 0;
		st->restart_count = 0;
	}
	if (run) {
		st->started_at = started_at;
		ctri_proc_wait_exec(st->pid, EXEC_WAIT_MS);
		CTRI_CRASHPOINT("run.exec-waited");
	}
	return ctri_st_save(c, op, st, 0);
}

CTR_API int ctr_init(ctr_container_t *c, unsigned flags)
{
	struct ctri_st st;
	int fd, r;

	CTRI_CHECK_ARG("ctr_init", c);
	if (flags & ~CTR_RECURSIVE)
		return ctri_cerr(c->name, "init", CTR_E_INVAL, "unknown flags 0x%x", flags);
	if ((r = ctri_policy_check(c, "init")) < 0) /* before anything starts */
		return r;
	/* Dependencies first, holding no lock of ours (their starts take their locks). */
	if ((flags & CTR_RECURSIVE) && (r = ctri_dep_start(c, "init")) < 0)
		return r;
	if ((r = ctri_begin(c, "init", &fd, &st, 0)) < 0)
		return r;
	if ((r = ctri_state_check(c->name, CTRI_OP_INIT, st.state)) == 0 &&
	    (r = ctri_dep_check(c, "init")) == 0 &&
	    (r = ctri_create_in_runtime(c, CTRI_OP_INIT, fd, &st, 0, 1, NULL)) == 0) {
		CTRI_CRASHPOINT("init.saved");
		ctri_event(c, "init", NULL);
	}
	ctri_end(fd);
	return r;
}

/* CREATED -> RUNNING: `RUNTIME start`, or its equivalent for runc (runc_start.c). */
static int start_created(ctr_container_t *c, struct ctri_st *st)
{
	const char *args[] = { "start", c->id, NULL };
	int r;

	ctri_st_own(c, st, CTRI_OP_START);
	if ((r = ctri_st_save(c, "start", st, 0)) < 0)
		return r;
	CTRI_CRASHPOINT("start.owner-saved");
	/* A shared lock on the runtime's state keeps the monitor's delete (which locks it
	 * exclusively before the exit file) from removing it while `start` still works in
	 * it: a process that exits at once would otherwise fail its own start. */
	int held = ctri_oci_hold(c);
	long long started_at = ctri_now_ns(); /* before the process can run, and so exit */
	r = ctri_runc_start(c, held, st->pid);
	if (r == 1)
		r = ctri_oci_run(c, "start", args, NULL);
	if (held >= 0)
		close(held);
	CTRI_CRASHPOINT("start.runtime-started");
	st->has_owner = 0;
	/* A CREATED process dies only when killed: another process's stop got there first,
	 * and its monitor has not recorded the exit yet. That is the state, not the runtime. */
	if (r < 0 && r != CTR_E_TIMEOUT && ctri_proc_gone_within(st->pid, 0))
		r = ctri_cerr(c->name, "start", CTR_E_STATE,
			      "the container's process has exited (stopped or killed meanwhile)");
	if (r == 0) {
		st->state = CTR_STATE_RUNNING;
		st->started_at = started_at;
		st->stopped_by_user = 0;
		st->restart_count = 0;
		ctri_proc_wait_exec(st->pid, EXEC_WAIT_MS);
		CTRI_CRASHPOINT("start.exec-waited");
	}
	return ctri_st_save_then(c, "start", st, r);
}

CTR_API int ctr_start(ctr_container_t *c, unsigned flags)
{
	struct ctri_st st;
	int fd, r;

	CTRI_CHECK_ARG("ctr_start", c);
	if (flags & ~CTR_RECURSIVE)
		return ctri_cerr(c->name, "start", CTR_E_INVAL, "unknown flags 0x%x", flags);
	if ((r = ctri_policy_check(c, "start")) < 0 ||
	    ((flags & CTR_RECURSIVE) && (r = ctri_dep_start(c, "start")) < 0))
		return r;
	if ((r = ctri_begin(c, "start", &fd, &st, 0)) < 0)
		return r;
	if ((r = ctri_state_check(c->name, CTRI_OP_START, st.state)) < 0)
		; /* it runs */
	else if ((r = ctri_dep_check(c, "start")) < 0)
		; /* a dependency does not run */
	else if (st.state == CTR_STATE_CREATED)
		r = start_created(c, &st);
	else
		r = ctri_create_in_runtime(c, CTRI_OP_START, fd, &st, 1, 1, NULL);
	if (r == 0) {
		CTRI_CRASHPOINT("start.saved");
		ctri_event(c, "start", NULL);
	}
	ctri_end(fd);
	return r;
}

/* `runc pause` or `runc resume` of a RUNNING or PAUSED container, with the lock held. */
static int freeze(ctr_container_t *c, const char *op, struct ctri_st *st, int on)
{
	const char *args[] = { on ? "pause" : "resume", c->id, NULL };
	int r = ctri_oci_run(c, op, args, NULL);

	if (r < 0 && ctri_oci_exited(c, op))
		return ctri_cerr(c->name, op, CTR_E_STATE, "container has exited");
	if (r < 0)
		return r;
	if (on && ctri_proc_gone_within(st->pid, 0)) {
		/* It exited as it was frozen: thaw the empty cgroup (the runtime would keep it
		 * "paused") and say so. */
		const char *thaw_args[] = { "resume", c->id, NULL };
		ctri_oci_run(c, op, thaw_args, NULL);
		return ctri_cerr(c->name, op, CTR_E_STATE, "container has exited");
	}
	st->state = on ? CTR_STATE_PAUSED : CTR_STATE_RUNNING;
	return ctri_st_save(c, op, st, 0);
}

/* Resume a PAUSED container so that a signal it was sent takes effect. One that exited
 * meanwhile is fine: the signal did its work. */
static int thaw(ctr_container_t *c, const char *op, struct ctri_st *st)
{
	int r = freeze(c, op, st, 0);

	return r == CTR_E_STATE ? 0 : r;
}

static int pause_op(ctr_container_t *c, enum ctri_op what, int on)
{
	const char *op = ctri_op_name(what);
	struct ctri_st st;
	int fd, r;

	if ((r = ctri_begin(c, op, &fd, &st, 0)) < 0)
		return r;
	if ((r = ctri_state_check(c->name, what, st.state)) == 0 &&
	    (r = freeze(c, op, &st, on)) == 0)
		ctri_event(c, op, NULL);
	ctri_end(fd);
	return r;
}

CTR_API int ctr_pause(ctr_container_t *c)
{
	CTRI_CHECK_ARG("ctr_pause", c);
	return pause_op(c, CTRI_OP_PAUSE, 1);
}

CTR_API int ctr_unpause(ctr_container_t *c)
{
	CTRI_CHECK_ARG("ctr_unpause", c);
	return pause_op(c, CTRI_OP_UNPAUSE, 0);
}

/* Wait (without the lock) until fd, a pidfd on the monitor, is readable; no fd: gone. */
static int wait_monitor(int fd, long long ms)
{
	return fd < 0 || ctri_fd_readable(fd, ms);
}

/* Lock, sync, and if the run whose monitor is mon_pid still goes on, send sig. Returns 1
 * if it still runs. */
static int signal_if_running(ctr_container_t *c, pid_t mon_pid, int sig, int *err)
{
	struct ctri_st st;
	int fd;

	if ((*err = ctri_begin(c, "stop", &fd, &st, 0)) < 0)
		return 0;
	int running = ctri_st_active(st.state) && st.mon_pid == mon_pid;
	CTRI_CRASHPOINT("stop.escalating");
	if (running && (*err = ctri_oci_kill(c, "stop", sig)) < 0 && ctri_oci_exited(c, "stop"))
		*err = 0;
	CTRI_CRASHPOINT("stop.escalated");
	ctri_end(fd);
	return running;
}

/* Whether st's owner record is a stop by this process. */
static int own_stop(const struct ctri_st *st)
{
	return st->has_owner && !strcmp(st->owner.op, ctri_op_name(CTRI_OP_STOP)) &&
	       st->owner.pid == getpid();
}

/* A stop that failed leaves the record as it found it: without our owner record (a later
 * reader would take it for a stopper that died and finish the stop with SIGKILL) and with
 * the user-stop mark it had (which keeps the restart policy off). With the lock held; the
 * failure's message stays. */
static void stop_undo(ctr_container_t *c, struct ctri_st *st, int was_user_stop)
{
	char msg[1024];

	if (!own_stop(st))
		return;
	snprintf(msg, sizeof(msg), "%s", ctr_last_error());
	st->has_owner = 0;
	st->stopped_by_user = was_user_stop;
	ctri_st_save(c, "stop", st, 0);
	ctri_err(0, "%s", msg);
}

/* stop_undo() after the lock was let go (a failed escalation). */
static void stop_undo_unlocked(ctr_container_t *c, int was_user_stop)
{
	char msg[1024];
	struct ctri_st st;
	int fd;

	snprintf(msg, sizeof(msg), "%s", ctr_last_error());
	if (ctri_begin(c, "stop", &fd, &st, 0) == 0) {
		stop_undo(c, &st, was_user_stop);
		ctri_end(fd);
	}
	ctri_err(0, "%s", msg);
}

/* The stop's last step: record the exit and drop our owner record. gone: the monitor we
 * waited for has exited, so the run we stopped is over (the container may already run
 * again, started by someone else meanwhile). A container still running after SIGKILL is a
 * failed stop (stop_undo). */
static int stop_finish(ctr_container_t *c, int gone, int was_user_stop)
{
	struct ctri_st st;
	int fd, r;

	if ((r = ctri_begin(c, "stop", &fd, &st, 0)) < 0)
		return r;
	CTRI_CRASHPOINT("stop.finishing");
	if (!gone && ctri_st_active(st.state)) {
		r = ctri_cerr(c->name, "stop", CTR_E_TIMEOUT,
			      "the container did not exit within %d s of SIGKILL",
			      CTRI_KILL_WAIT_MS / 1000);
		stop_undo(c, &st, was_user_stop);
	} else if (own_stop(&st)) {
		st.has_owner = 0;
		r = ctri_st_save(c, "stop", &st, 0);
	}
	CTRI_CRASHPOINT("stop.finished");
	ctri_end(fd);
	return r;
}

CTR_API int ctr_stop(ctr_container_t *c, int timeout_s)
{
	struct stop_cfg cfg;
	struct ctri_st st;
	int fd, r, was_user_stop = 0;

	CTRI_CHECK_ARG("ctr_stop", c);
	if ((r = ctri_begin(c, "stop", &fd, &st, 0)) < 0)
		return r;
	if (st.state == CTR_STATE_STOPPED || st.state == CTR_STATE_EXITED) {
		/* Still a user's stop: a restart the policy has pending is called off. */
		if (!st.stopped_by_user) {
			st.stopped_by_user = 1;
			ctri_st_save(c, "stop", &st, 0);
		}
		r = ctri_cerr(c->name, "stop", CTR_E_STOPPED, "container is already %s",
			      ctr_state_name(st.state));
	} else if ((r = ctri_state_check(c->name, CTRI_OP_STOP, st.state)) < 0)
		; /* configured */
	else if ((r = read_cfg(c, "stop", &cfg)) == 0) {
		if (timeout_s < 0)
			timeout_s = cfg.timeout_s;
		if (st.state == CTR_STATE_CREATED)
			timeout_s = 0; /* nothing runs that could stop gracefully */
		was_user_stop = st.stopped_by_user;
		ctri_st_own(c, &st, CTRI_OP_STOP);
		st.stopped_by_user = 1;
		r = ctri_st_save(c, "stop", &st, 0);
		CTRI_CRASHPOINT("stop.owner-saved");
		if (r == 0 && (r = ctri_oci_kill(c, "stop", timeout_s ? cfg.signal : SIGKILL)) < 0 &&
		    ctri_oci_exited(c, "stop"))
			r = 0;
		if (r == 0 && st.state == CTR_STATE_PAUSED) /* frozen, it could not act on it */
			r = thaw(c, "stop", &st);
		CTRI_CRASHPOINT("stop.signalled");
		if (r < 0)
			stop_undo(c, &st, was_user_stop);
	}
	int mon = r == 0 ? ctri_monitor_fd(c, &st) : -1;
	pid_t mon_pid = st.mon_pid;
	ctri_end(fd);
	if (r < 0)
		return r;
	CTRI_CRASHPOINT("stop.waiting");
	/* timeout 0: SIGKILL went first, so there is nothing to escalate to. */
	int gone = wait_monitor(mon, timeout_s ? timeout_s * 1000LL : CTRI_KILL_WAIT_MS);
	if (!gone && timeout_s && !signal_if_running(c, mon_pid, SIGKILL, &r))
		gone = 1; /* it ended while we took the lock */
	else if (!gone && timeout_s && r == 0)
		gone = wait_monitor(mon, CTRI_KILL_WAIT_MS);
	if (mon >= 0)
		close(mon);
	if (r < 0) /* the escalation failed */
		stop_undo_unlocked(c, was_user_stop);
	else if ((r = stop_finish(c, gone, was_user_stop)) == 0)
		ctri_event(c, "stop", NULL);
	return r;
}

CTR_API int ctr_kill(ctr_container_t *c, int signal)
{
	struct ctri_st st;
	int fd, r;

	CTRI_CHECK_ARG("ctr_kill", c);
	if (signal < 1 || signal > SIG_MAX)
		return ctri_cerr(c->name, "kill", CTR_E_INVAL, "invalid signal %d", signal);
	if ((r = ctri_begin(c, "kill", &fd, &st, 0)) < 0)
		return r;
	if ((r = ctri_state_check(c->name, CTRI_OP_KILL, st.state)) == 0 &&
	    (r = ctri_oci_kill(c, "kill", signal)) < 0 && ctri_oci_exited(c, "kill"))
		r = ctri_cerr(c->name, "kill", CTR_E_STATE, "container has exited");
	else if (r == 0 && st.state == CTR_STATE_PAUSED && signal == SIGKILL)
		r = thaw(c, "kill", &st); /* a frozen process dies only once thawed */
	if (r == 0) {
		json_object *a = json_object_new_object();
		if (a)
			json_object_object_add(a, "signal", json_object_new_int(signal));
		ctri_event(c, "kill", a);
		st.stopped_by_user = 1; /* what the kill ends, the policy does not restart */
		r = ctri_st_save(c, "kill", &st, 0);
	}
	ctri_end(fd);
	return r;
}

CTR_API int ctr_restart(ctr_container_t *c, int timeout_s)
{
	CTRI_CHECK_ARG("ctr_restart", c);
	int r = ctri_policy_check(c, "restart"); /* before the stop: it could not start again */

	if (r < 0)
		return r;
	r = ctr_stop(c, timeout_s);
	/* Stopped, exited or never started are all fine to start; others keep their error. */
	if (r < 0 && r != CTR_E_STOPPED && r != CTR_E_STATE)
		return r;
	if ((r = ctr_start(c, 0)) == 0)
		ctri_event(c, "restart", NULL);
	return r;
}
