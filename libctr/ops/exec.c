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
#include "crashpoint.h"
#include "error.h"
#include "events.h"
#include "exec.h"
#include "json.h"
#include "monitor_client.h"
#include "oci.h"
#include "op.h"
#include "proc.h"
#include "runtime.h"
#include "store.h"
#include "sync.h"
#include "util.h"

#define EID_LEN 16	   /* hex digits of a session id */
#define KILL_WAIT_MS 10000 /* how long a SIGKILLed session may take to go */
#define SIG_MAX 64
#define EXIT_GRACE_MS 200  /* after a failed exec, how long the init may take to be seen gone */

/* Descriptors of a created session, kept in the handle that created it until it starts. */
struct ctri_exec_io {
	struct ctri_exec_io *next;
	char id[EID_LEN + 1];
	int stdio[3];
	int preserve[CTRI_MON_EXTRA_MAX];
	size_t n_preserve;
};

/* ---- records and paths ---------------------------------------------------------------- */

static int valid_eid(ctr_container_t *c, const char *op, const char *eid)
{
	if (!eid)
		return ctri_cerr(c->name, op, CTR_E_INVAL, "exec session id is NULL");
	if (strlen(eid) != EID_LEN || strspn(eid, "0123456789abcdef") != EID_LEN)
		return ctri_cerr(c->name, op, CTR_E_NOENT, "no exec session '%s'", eid);
	return 0;
}

static void key_of(ctr_container_t *c, const char *eid, char *buf, size_t len)
{
	snprintf(buf, len, "exec/%s/%s", c->id, eid ? eid : "");
}

/* The index `execs/<container id>`: the ids of the container's sessions, oldest first, kept
 * in the same transactions as the session records, so that listing and purging read two
 * records instead of traversing the store. */
static void index_key(ctr_container_t *c, char *buf, size_t len)
{
	snprintf(buf, len, "execs/%s", c->id);
}

/* The index's array of ids, a new reference (empty when there is none). The record is
 * {"ids":[...]}: the store keeps JSON objects. */
static int index_load(ctr_container_t *c, const char *op, json_object **out)
{
	json_object *rec = NULL, *ids;
	char key[128];

	index_key(c, key, sizeof(key));
	int r = ctri_store_get(c->rt->store, key, &rec);
	if (r < 0 && r != CTR_E_NOENT)
		return ctri_cwrap(c->name, op, r);
	if (r == 0 && (!json_object_object_get_ex(rec, "ids", &ids) ||
		       !json_object_is_type(ids, json_type_array))) {
		json_object_put(rec);
		return ctri_cerr(c->name, op, CTR_E_STORE, "record %s has no \"ids\" array", key);
	}
	*out = r == 0 ? json_object_get(ids) : json_object_new_array();
	json_object_put(rec);
	return *out ? 0 : ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
}

/* Inside a transaction: add eid to the index, or (add 0) take it out. */
static int index_update(ctr_container_t *c, const char *op, const char *eid, int add)
{
	char key[128];
	json_object *idx, *keep = json_object_new_array(), *rec = json_object_new_object();
	int r = keep && rec ? index_load(c, op, &idx)
			    : ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");

	if (r < 0) {
		json_object_put(keep);
		json_object_put(rec);
		return r;
	}
	for (size_t i = 0; r == 0 && i < json_object_array_length(idx); i++) {
		json_object *v = json_object_array_get_idx(idx, i);
		if (strcmp(json_object_get_string(v), eid))
			r = ctri_json_push(keep, json_object_get(v));
	}
	if (r == 0 && add)
		r = ctri_json_push(keep, json_object_new_string(eid));
	json_object_put(idx);
	size_t n = json_object_array_length(keep);
	if (r < 0)
		json_object_put(keep);
	else /* takes keep, even when it fails */
		r = ctri_json_add(rec, "ids", keep);
	if (r == 0) {
		index_key(c, key, sizeof(key));
		r = n ? ctri_store_put(c->rt->store, key, rec, 0) : ctri_store_delete(c->rt->store, key);
		json_object_put(rec);
		return r < 0 ? ctri_cwrap(c->name, op, r) : 0;
	}
	json_object_put(rec);
	return ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
}

/* Write (rec != NULL: insert) or delete session eid and its index entry, in one transaction. */
static int rec_change(ctr_container_t *c, const char *op, const char *eid, json_object *rec)
{
	struct ctri_store *st = c->rt->store;
	char key[128];
	int r = ctri_store_begin(st);

	if (r < 0)
		return ctri_cwrap(c->name, op, r);
	key_of(c, eid, key, sizeof(key));
	r = rec ? ctri_store_put(st, key, rec, 1) : ctri_store_delete(st, key);
	if (r < 0)
		r = ctri_cwrap(c->name, op, r);
	if (r == 0 && (r = index_update(c, op, eid, rec != NULL)) == 0 &&
	    (r = ctri_store_commit(st)) < 0)
		return ctri_cwrap(c->name, op, r);
	if (r < 0)
		ctri_store_cancel(st);
	return r;
}

/* RUN/exec/<id>/<eid><suffix>; eid "" gives the directory. */
static void file_of(ctr_container_t *c, const char *eid, const char *suffix, char *buf,
		    size_t len)
{
	snprintf(buf, len, "%s/%s%s%s%s", c->rt->exec_dir, c->id, *eid ? "/" : "", eid, suffix);
}

static const char *rec_str(json_object *rec, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(rec, key, &v) ? json_object_get_string(v) : "";
}

static long long rec_int(json_object *rec, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(rec, key, &v) ? json_object_get_int64(v) : 0;
}

static int rec_set(json_object *rec, const char *key, long long v)
{
	return ctri_json_add(rec, key, json_object_new_int64(v));
}

static int rec_load(ctr_container_t *c, const char *op, const char *eid, json_object **rec)
{
	char key[128];

	key_of(c, eid, key, sizeof(key));
	int r = ctri_store_get(c->rt->store, key, rec);
	if (r == CTR_E_NOENT)
		return ctri_cerr(c->name, op, CTR_E_NOENT, "no exec session '%s'", eid);
	return r < 0 ? ctri_cwrap(c->name, op, r) : 0;
}

static int rec_save(ctr_container_t *c, const char *op, json_object *rec, int durable)
{
	char key[128];

	key_of(c, rec_str(rec, "id"), key, sizeof(key));
	int r = durable ? ctri_store_put(c->rt->store, key, rec, 0)
			: ctri_store_put_volatile(c->rt->store, key, rec);
	return r < 0 ? ctri_cwrap(c->name, op, r) : 0;
}

/* A running session whose exit file is there (or whose monitor is gone) becomes "exited",
 * durably; then the exit file goes. */
static int sess_sync(ctr_container_t *c, const char *op, json_object *rec)
{
	const char *eid = rec_str(rec, "id");
	struct ctri_exit e = { .exit_code = -1 };
	char path[4096];
	int lost = 0;

	if (strcmp(rec_str(rec, "state"), "running"))
		return 0;
	file_of(c, eid, "", path, sizeof(path));
	int r = ctri_exit_read_path(c, op, path, &e);
	if (r == CTR_E_NOENT) {
		if (ctri_proc_alive((pid_t)rec_int(rec, "mon_pid"),
				    (unsigned long long)rec_int(rec, "mon_start")))
			return 0;
		/* Gone: it may have written the file just before it exited. */
		r = ctri_exit_read_path(c, op, path, &e);
		if (r == CTR_E_NOENT) {
			e = (struct ctri_exit){ .exit_code = -1, .time = ctri_now_ns() };
			lost = 1;
			r = 0;
		}
	}
	if (r < 0)
		return r;
	if (ctri_json_add(rec, "state", json_object_new_string("exited")) ||
	    rec_set(rec, "exit_code", e.exit_code) || rec_set(rec, "signal", e.signal) ||
	    rec_set(rec, "finished_at", e.time) ||
	    (lost && ctri_json_add(rec, "monitor_lost", json_object_new_boolean(1))))
		return ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
	if ((r = rec_save(c, op, rec, 1)) < 0)
		return r;
	unlink(path);
	json_object *a = json_object_new_object();
	if (a) {
		json_object_object_add(a, "exec_id", json_object_new_string(eid));
		json_object_object_add(a, "exit_code", json_object_new_int(e.exit_code));
	}
	ctri_event(c, "exec_died", a);
	return 0;
}

/* Lock c, load the session eid and sync it. On failure nothing is held. */
static int sess_begin(ctr_container_t *c, const char *op, const char *eid, int *fd,
		      struct ctri_st *st, json_object **rec)
{
	int r;

	if ((r = valid_eid(c, op, eid)) < 0 || (r = ctri_begin(c, op, fd, st, 0)) < 0)
		return r;
	if ((r = rec_load(c, op, eid, rec)) == 0 && (r = sess_sync(c, op, *rec)) < 0)
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
	return ctri_cerr(c->name, op, CTR_E_STATE, "exec session %s is %s", rec_str(rec, "id"),
			 rec_str(rec, "state"));
}

/* ---- descriptors held by the handle ---------------------------------------------------- */

static void io_close(struct ctri_exec_io *io)
{
	for (int i = 0; i < 3; i++)
		if (io->stdio[i] >= 0)
			close(io->stdio[i]);
	for (size_t i = 0; i < io->n_preserve; i++)
		close(io->preserve[i]);
	free(io);
}

static int dup_fd(int fd)
{
	return fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

static int io_keep(ctr_container_t *c, const char *op, const char *eid, const ctr_exec_opts_t *o)
{
	struct ctri_exec_io *io = calloc(1, sizeof(*io));
	int bad = !io;

	if (io) {
		memcpy(io->id, eid, EID_LEN + 1);
		const int in[3] = { o->stdin_fd, o->stdout_fd, o->stderr_fd };
		for (int i = 0; i < 3; i++)
			bad |= (io->stdio[i] = dup_fd(in[i])) < 0 && in[i] >= 0;
		for (; io->n_preserve < o->n_preserve_fds; io->n_preserve++)
			bad |= (io->preserve[io->n_preserve] = dup_fd(o->preserve_fds[io->n_preserve])) < 0;
		if (bad && io->n_preserve && io->preserve[io->n_preserve - 1] < 0)
			io->n_preserve--;
	}
	if (bad) {
		int e = errno;
		if (io)
			io_close(io);
		errno = e;
		return ctri_cerr(c->name, op, ctri_errno_code(e), "dup: %m");
	}
	pthread_mutex_lock(&c->mu);
	io->next = c->exec_io;
	c->exec_io = io;
	pthread_mutex_unlock(&c->mu);
	return 0;
}

/* Take eid's descriptors out of the handle (NULL: none here). */
static struct ctri_exec_io *io_take(ctr_container_t *c, const char *eid)
{
	struct ctri_exec_io **p, *io = NULL;

	pthread_mutex_lock(&c->mu);
	for (p = &c->exec_io; *p; p = &(*p)->next)
		if (!strcmp((*p)->id, eid)) {
			io = *p;
			*p = io->next;
			break;
		}
	pthread_mutex_unlock(&c->mu);
	return io;
}

/* Put them back (a start that failed may be retried). */
static void io_return(ctr_container_t *c, struct ctri_exec_io *io)
{
	pthread_mutex_lock(&c->mu);
	io->next = c->exec_io;
	c->exec_io = io;
	pthread_mutex_unlock(&c->mu);
}

void ctri_exec_io_free_all(ctr_container_t *c)
{
	struct ctri_exec_io *io = c->exec_io, *next;

	for (; io; io = next) {
		next = io->next;
		io_close(io);
	}
	c->exec_io = NULL;
}

/* ---- the operations --------------------------------------------------------------------- */

CTR_API int ctr_exec_create(ctr_container_t *c, const ctr_exec_opts_t *opts, char **exec_id)
{
	struct ctri_st st;
	char eid[EID_LEN + 1];
	int fd, r;

	CTRI_CHECK_ARG("ctr_exec_create", c);
	CTRI_CHECK_ARG("ctr_exec_create", exec_id);
	if ((r = ctri_exec_check(c, "exec", opts)) < 0)
		return r;
	if ((r = ctri_random_hex(eid, EID_LEN / 2)) < 0) {
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
	    (r = rec_change(c, "exec", eid, rec)) == 0 && (r = io_keep(c, "exec", eid, opts)) < 0)
		rec_change(c, "exec", eid, NULL);
	ctri_end(fd);
out:
	json_object_put(rec);
	if (r == 0)
		*exec_id = id;
	else
		free(id);
	return r;
}

/* With the lock: run the session's monitor, record it running. */
static int start_locked(ctr_container_t *c, int fd, pid_t init, json_object *rec)
{
	const char *eid = rec_str(rec, "id");
	char dir[4096], proc[4200], pid[4200], sock[4200], console[4200], exit_file[4200];
	struct ctri_mon m;
	int r;

	file_of(c, "", "", dir, sizeof(dir));
	file_of(c, eid, ".json", proc, sizeof(proc));
	file_of(c, eid, ".pid", pid, sizeof(pid));
	file_of(c, eid, ".sock", sock, sizeof(sock));
	file_of(c, eid, ".console", console, sizeof(console));
	file_of(c, eid, "", exit_file, sizeof(exit_file));
	if ((r = ctri_mkdir_p(dir, 0700)) < 0) {
		errno = -r;
		return ctri_cerr(c->name, "exec", CTR_E_IO, "mkdir %s: %m", dir);
	}
	struct ctri_exec_args args;
	if ((r = ctri_exec_write_process(c, "exec", rec, proc, &args)) < 0)
		return r;
	unlink(exit_file);
	unlink(pid);
	struct ctri_exec_io *io = io_take(c, eid);
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
			io_return(c, io);
		return r;
	}
	if (io)
		io_close(io); /* the process has its own copies now */
	if (ctri_json_add(rec, "state", json_object_new_string("running")) ||
	    rec_set(rec, "pid", m.pid) || rec_set(rec, "mon_pid", m.mon_pid) ||
	    rec_set(rec, "mon_start", (long long)m.mon_start) ||
	    rec_set(rec, "started_at", ctri_now_ns()))
		return ctri_cerr(c->name, "exec", CTR_E_NOMEM, "out of memory");
	if ((r = rec_save(c, "exec", rec, 0)) == 0) {
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
		r = strcmp(rec_str(rec, "state"), "created") ? refuse_state(c, "exec", rec)
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
	const char *state = rec_str(rec, "state");
	*exited = !strcmp(state, "exited");
	if (*exited)
		*code = (int)rec_int(rec, "exit_code");
	if (!strcmp(state, "created"))
		r = ctri_cerr(c->name, op, CTR_E_STATE, "exec session %s was not started", eid);
	else if (*exited || (r = ctri_pidfd_verified((pid_t)rec_int(rec, "mon_pid"),
						     (unsigned long long)rec_int(rec, "mon_start"))) < 0)
		r = ctri_eventfd_ready(c->name, op); /* over, or gone since the sync: look again */
	sess_end(fd, rec);
	return r;
}

CTR_API int ctr_exec_wait(ctr_container_t *c, const char *exec_id, int timeout_ms,
			  int *exit_code)
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
			if (exit_code)
				*exit_code = code;
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
	pid_t pid = (pid_t)rec_int(rec, "pid"), mon = (pid_t)rec_int(rec, "mon_pid"), ppid = 0;
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
	if (strcmp(rec_str(rec, "state"), "running"))
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
	if (!rows || !cols || rows > 65535 || cols > 65535)
		return ctri_cerr(c->name, "exec resize", CTR_E_INVAL,
				 "%u rows and %u columns: each must be 1 to 65535", rows, cols);
	if ((r = sess_begin(c, "exec resize", exec_id, &fd, &st, &rec)) < 0)
		return r;
	if (!json_object_get_boolean(json_object_object_get(rec, "terminal")))
		r = ctri_cerr(c->name, "exec resize", CTR_E_INVAL,
			      "exec session %s has no terminal", exec_id);
	else if (strcmp(rec_str(rec, "state"), "running"))
		r = refuse_state(c, "exec resize", rec);
	file_of(c, exec_id, ".sock", sock, sizeof(sock));
	sess_end(fd, rec);
	return r < 0 ? r : ctri_attach_resize_path(sock, c->name, "exec resize", rows, cols);
}

/* With the lock: the session's record, files and descriptors go. */
static int remove_locked(ctr_container_t *c, const char *op, const char *eid)
{
	static const char *const suffixes[] = { "", ".json", ".pid", ".sock", ".console" };
	char path[4200];
	struct ctri_exec_io *io;
	int r = rec_change(c, op, eid, NULL);

	if (r < 0)
		return r;
	CTRI_CRASHPOINT("exec.record-removed");
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		file_of(c, eid, suffixes[i], path, sizeof(path));
		unlink(path);
	}
	if ((io = io_take(c, eid)))
		io_close(io);
	return 0;
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
		if (strcmp(rec_str(rec, "state"), "running"))
			break;
		if (!(flags & CTR_FORCE) || attempt == 2) {
			r = ctri_cerr(c->name, "exec remove", CTR_E_STATE,
				      "exec session %s is running (kill it or use CTR_FORCE)",
				      exec_id);
			sess_end(fd, rec);
			return r;
		}
		int mon = ctri_pidfd_verified((pid_t)rec_int(rec, "mon_pid"),
					      (unsigned long long)rec_int(rec, "mon_start"));
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
	r = remove_locked(c, "exec remove", exec_id);
	sess_end(fd, rec);
	return r;
}

CTR_API int ctr_exec(ctr_container_t *c, const ctr_exec_opts_t *opts, int *exit_code)
{
	char *eid = NULL;
	int r, code;

	CTRI_CHECK_ARG("ctr_exec", c);
	if ((r = ctr_exec_create(c, opts, &eid)) < 0)
		return r;
	if ((r = ctr_exec_start(c, eid)) == 0 && (r = ctr_exec_wait(c, eid, -1, &code)) == 0 &&
	    exit_code)
		*exit_code = code;
	char saved[1024];
	snprintf(saved, sizeof(saved), "%s", r < 0 ? ctr_last_error() : "");
	ctr_exec_remove(c, eid, CTR_FORCE);
	if (r < 0) /* the first failure's message, not the removal's */
		ctri_err(r, "%s", saved);
	free(eid);
	return r;
}

/* ---- listing -------------------------------------------------------------------------- */

/* The records of c's sessions, oldest first (a damaged or missing one is left out). */
static int sessions(ctr_container_t *c, const char *op, json_object **out)
{
	json_object *idx = NULL, *arr = json_object_new_array(), *rec;
	int r = arr ? index_load(c, op, &idx) : ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");

	for (size_t i = 0; idx && i < json_object_array_length(idx) && r == 0; i++) {
		char key[128];
		key_of(c, json_object_get_string(json_object_array_get_idx(idx, i)), key,
		       sizeof(key));
		if (ctri_store_get(c->rt->store, key, &rec) < 0)
			continue;
		if (ctri_json_push(arr, rec))
			r = ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
	}
	json_object_put(idx);
	if (r < 0) {
		json_object_put(arr);
		return r;
	}
	*out = arr;
	return 0;
}

CTR_API int ctr_exec_list(ctr_container_t *c, char ***ids, size_t *count)
{
	json_object *arr;
	int r;

	CTRI_CHECK_ARG("ctr_exec_list", c);
	CTRI_CHECK_ARG("ctr_exec_list", ids);
	if ((r = sessions(c, "exec list", &arr)) < 0)
		return r;
	size_t n = json_object_array_length(arr);
	char **v = calloc(n + 1, sizeof(*v));
	for (size_t i = 0; v && i < n; i++)
		if (!(v[i] = strdup(rec_str(json_object_array_get_idx(arr, i), "id")))) {
			ctri_strv_free(v);
			v = NULL;
		}
	json_object_put(arr);
	if (!v)
		return ctri_cerr(c->name, "exec list", CTR_E_NOMEM, "out of memory");
	*ids = v;
	if (count)
		*count = n;
	return (int)n;
}

CTR_API void ctr_strv_free(char **v)
{
	ctri_strv_free(v);
}

int ctri_exec_inspect(ctr_container_t *c, const char *op, json_object **out)
{
	return sessions(c, op, out);
}

int ctri_exec_purge(ctr_container_t *c, const char *op)
{
	json_object *idx;
	char dir[4096];
	int r = index_load(c, op, &idx);

	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < json_object_array_length(idx); i++)
		r = remove_locked(c, op, json_object_get_string(json_object_array_get_idx(idx, i)));
	json_object_put(idx);
	if (r == 0) {
		file_of(c, "", "", dir, sizeof(dir));
		ctri_rm_rf(dir);
	}
	return r;
}
