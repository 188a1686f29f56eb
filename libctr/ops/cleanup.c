/* Cleanup and remove (DESIGN §3, §4): a STOPPED container's run ends (its runtime state,
 * exec sessions and overlay hold go) or its restart policy starts a new run; a container
 * that does not run leaves the runtime and the store. */
#include <stdio.h>
#include <unistd.h>

#include "crashpoint.h"
#include "depend.h"
#include "error.h"
#include "events.h"
#include "exec_record.h"
#include "lifecycle.h"
#include "monitor_client.h"
#include "net_run.h"
#include "oci.h"
#include "op.h"
#include "overlay.h"
#include "proc.h"
#include "remove.h"
#include "restart.h"
#include "salvage.h"
#include "sync.h"

/* STOPPED -> EXITED: the runtime's state goes; the exit code stays. */
static int cleanup_stopped(ctr_container_t *c, const char *op, struct ctri_st *st)
{
	int r;

	ctri_st_own(c, st, CTRI_OP_CLEANUP);
	if ((r = ctri_st_save(c, op, st, 0)) < 0)
		return r;
	CTRI_CRASHPOINT("cleanup.owner-saved");
	if ((r = ctri_oci_release(c, op, 1)) == 0 && (r = ctri_exec_purge(c, op)) == 0 &&
	    (r = ctri_net_teardown(c, op, 0)) == 0)
		r = ctri_rootfs_release(c, op, 0); /* the run's hold */
	CTRI_CRASHPOINT("cleanup.released");
	st->has_owner = 0;
	if (r == 0)
		st->state = CTR_STATE_EXITED;
	return ctri_st_save_then(c, op, st, r);
}

/* The restart policy's restart of a STOPPED container: a new run, counted. */
static int policy_restart(ctr_container_t *c, int fd, struct ctri_st *st, long long delay_ms)
{
	st->restart_count++;
	int r = ctri_create_in_runtime(c, CTRI_OP_RESTART, fd, st, 1, 0, NULL);
	if (r == 0) {
		json_object *a = json_object_new_object();
		if (a) {
			json_object_object_add(a, "restart_count", json_object_new_int(st->restart_count));
			json_object_object_add(a, "delay_ms", json_object_new_int64(delay_ms));
			json_object_object_add(a, "policy", json_object_new_boolean(1));
		}
		ctri_event(c, "restart", a);
	}
	return r;
}

/* The cleanup event's attributes when a dependency held the policy's restart back. */
static json_object *skipped(const char *why)
{
	json_object *a = *why ? json_object_new_object() : NULL;

	if (a)
		json_object_object_add(a, "restart_skipped", json_object_new_string(why));
	return a;
}

/* 1 if the policy's restart is due and c's dependencies run (the rule of ctr_start), 0 if
 * not: then why[] says why when it is the dependencies. Or an error. */
static int restart_allowed(ctr_container_t *c, const struct ctri_st *st, long long *delay,
			   char *why, size_t len)
{
	int due = ctri_restart_due(c, "cleanup", st, delay);

	if (due <= 0)
		return due;
	int r = ctri_dep_check(c, "restart");
	if (r == CTR_E_DEPEND) {
		snprintf(why, len, "%s", ctr_last_error());
		return 0;
	}
	return r < 0 ? r : 1;
}

CTR_API int ctr_cleanup(ctr_container_t *c)
{
	struct ctri_st st;
	long long delay = 0, waited = 0;
	char why[1024] = "";
	int fd, r;

	CTRI_CHECK_ARG("ctr_cleanup", c);
	for (;;) {
		if ((r = ctri_begin(c, "cleanup", &fd, &st, 0)) < 0)
			return r;
		if ((r = ctri_state_check(c->name, CTRI_OP_CLEANUP, st.state)) < 0 ||
		    st.state != CTR_STATE_STOPPED)
			break;
		int due = restart_allowed(c, &st, &delay, why, sizeof(why));
		if (due <= 0) {
			if ((r = due) == 0 && (r = cleanup_stopped(c, "cleanup", &st)) == 0)
				ctri_event(c, "cleanup", skipped(why));
			break;
		}
		if (delay == 0) {
			r = policy_restart(c, fd, &st, waited);
			break;
		}
		/* The backoff, without the lock: a user's stop, start or remove meanwhile wins. */
		ctri_end(fd);
		ctri_sleep_ms(delay);
		waited += delay;
	}
	ctri_end(fd);
	return r;
}

/* With the lock: take a container that does not run out of the runtime and delete it.
 * A CREATED container's init is killed; its monitor records that and exits, and we wait
 * for that so that no exit file appears after the records are gone. The runtime's state
 * may still be being deleted by the monitor (a stopped one's, or a CREATED one's whose
 * monitor saw the state before we deleted it): we wait for that too, so that no runtime
 * call of the container outlives the remove (one recreated RUN/runtime after the caller
 * had deleted its run directory). */
static int remove_locked(ctr_container_t *c, struct ctri_st *st, int force)
{
	int created = st->state == CTR_STATE_CREATED;
	int mon = created ? ctri_monitor_fd(c, st) : -1, r;

	ctri_st_own(c, st, CTRI_OP_REMOVE);
	st->state = CTR_STATE_REMOVING;
	r = ctri_st_save(c, "remove", st, 0);
	CTRI_CRASHPOINT("remove.owner-saved");
	if (r == 0 && (r = created ? ctri_oci_delete(c, "remove", 1)
				   : ctri_oci_release(c, "remove", 1)) == 0) {
		CTRI_CRASHPOINT("remove.runtime-deleted");
		if (mon >= 0)
			ctri_fd_readable(mon, CTRI_KILL_WAIT_MS);
		CTRI_CRASHPOINT("remove.monitor-waited");
		if ((!created || (r = ctri_oci_release(c, "remove", 1)) == 0) &&
		    (r = ctri_exec_purge(c, "remove")) == 0 &&
		    (r = ctri_remove_records(c, force)) == 0)
			ctri_exit_remove(c);
	}
	if (r < 0) { /* still here: say what it is */
		st->state = st->owner.from;
		st->has_owner = 0;
		ctri_st_save(c, "remove", st, 0);
	}
	if (mon >= 0)
		close(mon);
	return r;
}

CTR_API int ctr_remove(ctr_container_t *c, unsigned flags)
{
	struct ctri_st st;
	int fd, r;

	CTRI_CHECK_ARG("ctr_remove", c);
	if (flags & ~CTR_FORCE)
		return ctri_cerr(c->name, "remove", CTR_E_INVAL, "unknown flags 0x%x", flags);
	for (int attempt = 0;; attempt++) {
		if ((r = ctri_begin(c, "remove", &fd, &st, 0)) < 0)
			return r == CTR_E_STORE && (flags & CTR_FORCE) ? ctri_remove_damaged(c) : r;
		/* Dependents refuse it before anything is stopped or deleted. */
		if (!(flags & CTR_FORCE) && (r = ctri_remove_check(c)) < 0) {
			ctri_end(fd);
			return r;
		}
		if (ctri_op_allowed(CTRI_OP_REMOVE, st.state))
			break;
		ctri_end(fd);
		if (!(flags & CTR_FORCE) || attempt == 3)
			return ctri_state_check(c->name, CTRI_OP_REMOVE, st.state);
		if ((r = ctr_stop(c, -1)) < 0 && r != CTR_E_STOPPED)
			return r;
	}
	if ((r = remove_locked(c, &st, !!(flags & CTR_FORCE))) == 0)
		ctri_event(c, "remove", NULL);
	ctri_end(fd);
	/* Damaged records: a forced remove takes what it finds by the id (salvage.c). */
	return r == CTR_E_STORE && (flags & CTR_FORCE) ? ctri_remove_damaged(c) : r;
}
