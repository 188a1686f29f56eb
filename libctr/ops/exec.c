/* Exec sessions (DESIGN §2, the seeds' Exec): one more process in a running container,
 * started by `runc exec` under a monitor of its own so that it outlives the caller. A
 * session is a store record `exec/<container id>/<session id>` ("created", "running",
 * "exited"); its monitor writes RUN/exec/<container id>/<session id> when the process
 * exits, and the next caller to look moves that into the record (durably) and removes the
 * file, as for containers. Every change happens under the container's lock; waiting does
 * not hold it. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attach_proto.h"
#include "error.h"
#include "events.h"
#include "exec_record.h"
#include "exec_spec.h"
#include "json.h"
#include "monitor_client.h"
#include "oci.h"
#include "op.h"
#include "proc.h"
#include "runtime.h"
#include "sync.h"
#include "util.h"

#define KILL_WAIT_MS 10000 /* how long a SIGKILLed session may take to go */
#define SIG_MAX 64
#define EXIT_GRACE_MS 200  /* after a failed exec, how long the init may take to be seen gone */

/* ---- sessions under the lock ------------------------------------------------------------ */

/* Lock c, load the session eid and sync it. On failure nothing is held. */
static int sess_begin(ctr_container_t *c, const char *op, const char *eid, int *fd,
		      struct ctri_st *st, json_object **rec)
{
	int r;

	if ((r = ctri_exec_id_check(c, op, eid)) < 0 || (r = ctri_begin(c, op, fd, st, 0)) < 0)
		return r;
	if ((r = ctri_exec_load(c, op, eid, rec)) == 0 && (r = ctri_exec_sync(c, op, *rec)) < 0)
		json_object_put(*rec);
	if (r < 0)
		ctri_end(*fd);
	return r;
}

static void sess_end(int fd, json_object *rec)
{
	json_object_put(rec);
	ctri_end(fd);
}

static int refuse_state(ctr_container_t *c, const char *op, json_object *rec)
{
	return ctri_cerr(c->name, op, CTR_E_STATE, "exec session %s is %s", ctri_exec_str(rec, "id"),
			 ctri_exec_str(rec, "state"));
}


/* ---- the operations --------------------------------------------------------------------- */

CTR_API int ctr_exec_create(ctr_container_t *c, const ctr_exec_opts_t *opts, char **out_id)
{
	struct ctri_st st;
	char eid[CTRI_EID_LEN + 1];
	int fd, r;

	CTRI_CHECK_ARG("ctr_exec_create", c);
	CTRI_CHECK_ARG("ctr_exec_create", out_id);
	if ((r = ctri_exec_check(c, "exec", opts)) < 0)
		return r;
	if ((r = ctri_random_hex(eid, CTRI_EID_LEN / 2)) < 0) {
		errno = -r;
		return ctri_cerr(c->name, "exec", CTR_E_IO, "getrandom: %m");
	}
	char *id = strdup(eid);
	json_object *rec = ctri_exec_record_new(eid, opts);
	if (!id || !rec) {
		r = ctri_cerr(c->name, "exec", CTR_E_NOMEM, "out of memory");
		goto out;
	}
	if ((r = ctri_begin(c, "exec", &fd, &st, 0)) < 0)
		goto out;
	if ((r = ctri_state_check(c->name, CTRI_OP_EXEC, st.state)) == 0 &&
	    (r = ctri_exec_change(c, "exec", eid, rec)) == 0 &&
	    (r = ctri_exec_io_keep(c, "exec", eid, opts)) < 0)
		ctri_exec_change(c, "exec", eid, NULL);
	ctri_end(fd);
out:
	json_object_put(rec);
	if (r == 0)
		*out_id = id;
	else
		free(id);
	return r;
}

/* With the lock: run the session's monitor, record it running. */
static int start_locked(ctr_container_t *c, int fd, pid_t init, json_object *rec)
{
	const char *eid = ctri_exec_str(rec, "id");
	char dir[4096], proc[4200], pid[4200], sock[4200], console[4200], exit_file[4200];
	struct ctri_mon m;
	int r;

	ctri_exec_file(c, "", "", dir, sizeof(dir));
	ctri_exec_file(c, eid, ".json", proc, sizeof(proc));
	ctri_exec_file(c, eid, ".pid", pid, sizeof(pid));
	ctri_exec_file(c, eid, ".sock", sock, sizeof(sock));
	ctri_exec_file(c, eid, ".console", console, sizeof(console));
	ctri_exec_file(c, eid, "", exit_file, sizeof(exit_file));
	if ((r = ctri_mkdir_p(dir, 0700)) < 0) {
		errno = -r;
		return ctri_cerr(c->name, "exec", CTR_E_IO, "mkdir %s: %m", dir);
	}
	struct ctri_exec_args args;
	if ((r = ctri_exec_write_process(c, "exec", rec, init, proc, &args)) < 0)
		return r;
	unlink(exit_file);
	unlink(pid);
	struct ctri_exec_io *io = ctri_exec_io_take(c, eid);
	struct ctri_mon_exec e = { .name = eid,
				   .process = proc,
				   .pid_file = pid,
				   .exit_dir = dir,
				   .socket = sock,
				   .console_socket = console,
				   .terminal = json_object_get_boolean(
					   json_object_object_get(rec, "terminal")),
				   .stdio = { -1, -1, -1 } };
	if (io) {
		memcpy(e.stdio, io->stdio, sizeof(e.stdio));
		e.preserve = io->preserve;
		e.n_preserve = io->n_preserve;
	}
	r = ctri_monitor_exec(c, "exec", &e, fd, &m);
	/* The container's end during the exec fails it in many ways (runc's messages vary). */
	if (r == CTR_E_RUNTIME && (ctri_proc_gone_within(init, EXIT_GRACE_MS) ||
				   ctri_oci_exited(c, "exec")))
		r = ctri_cerr(c->name, "exec", CTR_E_STATE, "container has exited");
	char hint[256], msg[1024];
	if (r == CTR_E_RUNTIME && ctri_exec_e2big(&args, hint, sizeof(hint))) {
		snprintf(msg, sizeof(msg), "%s", ctr_last_error());
		/* The likely cause, which runc tells only the process's stderr. */
		ctri_err(r, "%s; %s", msg, hint);
	}
	if (r < 0) {
		if (io)
			ctri_exec_io_return(c, io);
		return r;
	}
	if (io)
		ctri_exec_io_close(io); /* the process has its own copies now */
	if (ctri_json_add(rec, "state", json_object_new_string("running")) ||
	    ctri_exec_set(rec, "pid", m.pid) || ctri_exec_set(rec, "mon_pid", m.mon_pid) ||
	    ctri_exec_set(rec, "mon_start", (long long)m.mon_start) ||
	    ctri_exec_set(rec, "started_at", ctri_now_ns()))
		return ctri_cerr(c->name, "exec", CTR_E_NOMEM, "out of memory");
	if ((r = ctri_exec_save(c, "exec", rec, 0)) == 0) {
		json_object *a = json_object_new_object();
		if (a)
			json_object_object_add(a, "exec_id", json_object_new_string(eid));
		ctri_event(c, "exec", a);
	}
	return r;
}

CTR_API int ctr_exec_start(ctr_container_t *c, const char *exec_id)
{
	struct ctri_st st;
	json_object *rec;
	int fd, r;

	CTRI_CHECK_ARG("ctr_exec_start", c);
	if ((r = sess_begin(c, "exec", exec_id, &fd, &st, &rec)) < 0)
		return r;
	if ((r = ctri_state_check(c->name, CTRI_OP_EXEC, st.state)) == 0)
		r = strcmp(ctri_exec_str(rec, "state"), "created") ? refuse_state(c, "exec", rec)
							     : start_locked(c, fd, st.pid, rec);
	sess_end(fd, rec);
	return r;
}

/* A descriptor readable once the session has exited: its monitor's pidfd, or an eventfd
 * that is readable already. *code gets the exit code when it has. */
static int exit_fd(ctr_container_t *c, const char *op, const char *eid, int *exited, int *code)
{
	struct ctri_st st;
	json_object *rec;
	int fd, r;

	if ((r = sess_begin(c, op, eid, &fd, &st, &rec)) < 0)
		return r;
	const char *state = ctri_exec_str(rec, "state");
	*exited = !strcmp(state, "exited");
	if (*exited)
		*code = (int)ctri_exec_int(rec, "exit_code");
	if (!strcmp(state, "created"))
		r = ctri_cerr(c->name, op, CTR_E_STATE, "exec session %s was not started", eid);
	else if (*exited || (r = ctri_pidfd_verified((pid_t)ctri_exec_int(rec, "mon_pid"),
						     (unsigned long long)ctri_exec_int(rec, "mon_start"))) < 0)
		r = ctri_eventfd_ready(c->name, op); /* over, or gone since the sync: look again */
	sess_end(fd, rec);
	return r;
}

CTR_API int ctr_exec_wait(ctr_container_t *c, const char *exec_id, int timeout_ms,
			  int *out_exit_code)
{
	long long deadline = timeout_ms < 0 ? -1 : ctri_mono_ms() + timeout_ms;
	int exited, code = 0;

	CTRI_CHECK_ARG("ctr_exec_wait", c);
	for (;;) {
		int fd = exit_fd(c, "exec wait", exec_id, &exited, &code);
		if (fd < 0)
			return fd;
		if (exited) {
			close(fd);
			if (out_exit_code)
				*out_exit_code = code;
			return 0;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n;
		while ((n = poll(&p, 1, ctri_poll_ms(deadline))) < 0 && errno == EINTR)
			;
		close(fd);
		if (n == 0)
			return ctri_cerr(c->name, "exec wait", CTR_E_TIMEOUT,
					 "exec session %s still runs after %d ms", exec_id,
					 timeout_ms);
	}
}

CTR_API int ctr_exec_wait_fd(ctr_container_t *c, const char *exec_id)
{
	int exited, code;

	CTRI_CHECK_ARG("ctr_exec_wait_fd", c);
	return exit_fd(c, "exec wait", exec_id, &exited, &code);
}

/* Signal the session's process, if it is still the child of the session's monitor (its
 * pid cannot have been reused while the monitor has not reaped it). 1 if it was gone. */
static int signal_process(ctr_container_t *c, const char *op, json_object *rec, int sig)
{
	pid_t pid = (pid_t)ctri_exec_int(rec, "pid"), mon = (pid_t)ctri_exec_int(rec, "mon_pid"), ppid = 0;
	unsigned long long start;
	int pfd = ctri_pidfd_open(pid);

	if (pfd < 0 || ctri_proc_stat(pid, &start, &ppid) < 0 || ppid != mon) {
		if (pfd >= 0)
			close(pfd);
		return 1;
	}
	int r = ctri_pidfd_signal(pfd, pid, sig);
	int e = errno;
	close(pfd);
	if (r < 0 && e == ESRCH)
		return 1;
	errno = e;
	return r < 0 ? ctri_cerr(c->name, op, ctri_errno_code(e), "kill: %m") : 0;
}

CTR_API int ctr_exec_kill(ctr_container_t *c, const char *exec_id, int signal)
{
	struct ctri_st st;
	json_object *rec;
	int fd, r;

	CTRI_CHECK_ARG("ctr_exec_kill", c);
	if (signal < 1 || signal > SIG_MAX)
		return ctri_cerr(c->name, "exec kill", CTR_E_INVAL, "invalid signal %d", signal);
	if ((r = sess_begin(c, "exec kill", exec_id, &fd, &st, &rec)) < 0)
		return r;
	if (strcmp(ctri_exec_str(rec, "state"), "running"))
		r = refuse_state(c, "exec kill", rec);
	else if ((r = signal_process(c, "exec kill", rec, signal)) == 1)
		r = ctri_cerr(c->name, "exec kill", CTR_E_STATE, "exec session %s has exited",
			      exec_id);
	sess_end(fd, rec);
	return r;
}

CTR_API int ctr_exec_resize(ctr_container_t *c, const char *exec_id, unsigned rows,
			    unsigned cols)
{
	struct ctri_st st;
	json_object *rec;
	char sock[4200];
	int fd, r;

	CTRI_CHECK_ARG("ctr_exec_resize", c);
	if (!rows || !cols || rows > CTRP_RESIZE_MAX || cols > CTRP_RESIZE_MAX)
		return ctri_cerr(c->name, "exec resize", CTR_E_INVAL,
				 "%u rows and %u columns: each must be 1 to 65535", rows, cols);
	if ((r = sess_begin(c, "exec resize", exec_id, &fd, &st, &rec)) < 0)
		return r;
	if (!json_object_get_boolean(json_object_object_get(rec, "terminal")))
		r = ctri_cerr(c->name, "exec resize", CTR_E_INVAL,
			      "exec session %s has no terminal", exec_id);
	else if (strcmp(ctri_exec_str(rec, "state"), "running"))
		r = refuse_state(c, "exec resize", rec);
	ctri_exec_file(c, exec_id, ".sock", sock, sizeof(sock));
	sess_end(fd, rec);
	return r < 0 ? r : ctri_attach_resize_path(sock, c->name, "exec resize", rows, cols);
}


CTR_API int ctr_exec_remove(ctr_container_t *c, const char *exec_id, unsigned flags)
{
	struct ctri_st st;
	json_object *rec;
	int fd, r;

	CTRI_CHECK_ARG("ctr_exec_remove", c);
	if (flags & ~CTR_FORCE)
		return ctri_cerr(c->name, "exec remove", CTR_E_INVAL, "unknown flags 0x%x", flags);
	for (int attempt = 0;; attempt++) {
		if ((r = sess_begin(c, "exec remove", exec_id, &fd, &st, &rec)) < 0)
			return r;
		if (strcmp(ctri_exec_str(rec, "state"), "running"))
			break;
		if (!(flags & CTR_FORCE) || attempt == 2) {
			r = ctri_cerr(c->name, "exec remove", CTR_E_STATE,
				      "exec session %s is running (kill it or use CTR_FORCE)",
				      exec_id);
			sess_end(fd, rec);
			return r;
		}
		int mon = ctri_pidfd_verified((pid_t)ctri_exec_int(rec, "mon_pid"),
					      (unsigned long long)ctri_exec_int(rec, "mon_start"));
		r = signal_process(c, "exec remove", rec, SIGKILL);
		sess_end(fd, rec);
		if (mon >= 0) { /* without the lock, until its monitor has recorded the end */
			struct pollfd p = { .fd = mon, .events = POLLIN };
			poll(&p, 1, KILL_WAIT_MS);
			close(mon);
		}
		if (r < 0)
			return r;
	}
	r = ctri_exec_remove_locked(c, "exec remove", exec_id);
	sess_end(fd, rec);
	return r;
}

CTR_API int ctr_exec(ctr_container_t *c, const ctr_exec_opts_t *opts, int *out_exit_code)
{
	char *eid = NULL;
	int r, code;

	CTRI_CHECK_ARG("ctr_exec", c);
	if ((r = ctr_exec_create(c, opts, &eid)) < 0)
		return r;
	if ((r = ctr_exec_start(c, eid)) == 0 && (r = ctr_exec_wait(c, eid, -1, &code)) == 0 &&
	    out_exit_code)
		*out_exit_code = code;
	char saved[1024];
	snprintf(saved, sizeof(saved), "%s", r < 0 ? ctr_last_error() : "");
	ctr_exec_remove(c, eid, CTR_FORCE);
	if (r < 0) /* the first failure's message, not the removal's */
		ctri_err(r, "%s", saved);
	free(eid);
	return r;
}


/* ---- listing -------------------------------------------------------------------------- */

CTR_API int ctr_exec_list(ctr_container_t *c, char ***out, size_t *out_count)
{
	json_object *arr;
	int r;

	CTRI_CHECK_ARG("ctr_exec_list", c);
	CTRI_CHECK_ARG("ctr_exec_list", out);
	CTRI_CHECK_ARG("ctr_exec_list", out_count);
	if ((r = ctri_exec_sessions(c, "exec list", &arr)) < 0)
		return r;
	size_t n = json_object_array_length(arr);
	char **v = calloc(n + 1, sizeof(*v));
	for (size_t i = 0; v && i < n; i++)
		if (!(v[i] = strdup(ctri_exec_str(json_object_array_get_idx(arr, i), "id")))) {
			ctri_strv_free(v);
			v = NULL;
		}
	json_object_put(arr);
	if (!v)
		return ctri_cerr(c->name, "exec list", CTR_E_NOMEM, "out of memory");
	*out = v;
	*out_count = n;
	return 0;
}

CTR_API void ctr_strv_free(char **v)
{
	ctri_strv_free(v);
}
