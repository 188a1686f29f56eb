/* The forced remove of a container whose records are damaged: what its state record would
 * have told (its monitor, its sessions, its mounts) is found by its id instead. */
#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "depend.h"
#include "error.h"
#include "events.h"
#include "monitor_client.h"
#include "net_run.h"
#include "overlay.h"
#include "oci.h"
#include "pending.h"
#include "proc.h"
#include "runtime.h"
#include "salvage.h"
#include "store.h"
#include "sync.h"

#define KEY_MAX (16 + 256 + 2 * CTRI_ID_LEN)
/* How long the monitor may take to record the end of a container deleted under it. */
#define MONITOR_WAIT_MS 5000
#define KILLED_WAIT_MS	2000

/* ---- the run ------------------------------------------------------------------------- */

/* 1 if pid runs the monitor binary of c's context (same file). */
static int is_monitor(ctr_container_t *c, pid_t pid)
{
	char exe[64];
	struct stat a, b;

	snprintf(exe, sizeof(exe), "/proc/%ld/exe", (long)pid);
	return stat(exe, &a) == 0 && stat(c->rt->monitor_path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* A pidfd on the monitor of c's run as the runtime tells it: the parent of the init it
 * names (the monitor is the subreaper the init was reparented to). -1 when there is none. */
static int find_monitor(ctr_container_t *c, pid_t *mon)
{
	char status[16];
	pid_t pid = 0, ppid = 0;
	unsigned long long start;

	if (ctri_oci_state(c, "remove", status, sizeof(status), &pid) < 0 || pid <= 0 ||
	    ctri_proc_stat(pid, NULL, &ppid) < 0 || ppid <= 1 ||
	    ctri_proc_stat(ppid, &start, NULL) < 0)
		return -1;
	*mon = ppid;
	int fd = ctri_pidfd_verified(ppid, start);
	return fd >= 0 ? fd : -1;
}

/* Delete the runtime's state with --force (its init is killed), or wait for the monitor
 * that deletes it; then wait for that monitor to end, killing it if it stays. */
static int end_run(ctr_container_t *c)
{
	pid_t mon = 0;
	int fd = find_monitor(c, &mon);
	int r = ctri_oci_release(c, "remove", 1);

	if (r == 0 && fd >= 0 && !ctri_fd_readable(fd, MONITOR_WAIT_MS) && is_monitor(c, mon)) {
		ctri_pidfd_signal(fd, mon, SIGKILL);
		ctri_fd_readable(fd, KILLED_WAIT_MS);
	}
	if (fd >= 0)
		close(fd);
	return r;
}

/* ---- the records --------------------------------------------------------------------- */

#define SESSIONS_MAX 64 /* exec sessions whose monitors are waited for */

struct keys {
	const char *id;
	const char *prefix; /* of the keys collected */
	char **v;
	size_t n, cap;
	int err;
	int mons[SESSIONS_MAX]; /* pidfds on the exec sessions' monitors still alive */
	int nmons;
};

static int add_key(struct keys *k, const char *prefix, const char *rest)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 16;
		char **v = realloc(k->v, cap * sizeof(*v));
		if (!v)
			return k->err = ctri_err(CTR_E_NOMEM, "remove %s: out of memory", k->id);
		k->v = v;
		k->cap = cap;
	}
	if (!(k->v[k->n] = ctri_strdupf("%s%s", prefix, rest)))
		return k->err = ctri_err(CTR_E_NOMEM, "remove %s: out of memory", k->id);
	k->n++;
	return 0;
}

/* Name index entries that point at the id. */
static int name_of_id(const char *name, const char *val, size_t len, void *ud)
{
	struct keys *k = ud;

	if (len == CTRI_ID_LEN && !memcmp(val, k->id, CTRI_ID_LEN))
		return add_key(k, k->prefix, name);
	return 0;
}

/* An exec session: its key, and a pidfd on its monitor if the record names a live one. */
static int session_key(const char *key, const char *val, size_t len, void *ud)
{
	struct keys *k = ud;
	json_object *o = json_tokener_parse(val), *pid, *start;

	(void)len;
	if (o && k->nmons < SESSIONS_MAX && json_object_object_get_ex(o, "mon_pid", &pid) &&
	    json_object_object_get_ex(o, "mon_start", &start)) {
		int fd = ctri_pidfd_verified((pid_t)json_object_get_int(pid),
					     (unsigned long long)json_object_get_int64(start));
		if (fd >= 0)
			k->mons[k->nmons++] = fd;
	}
	json_object_put(o);
	return add_key(k, k->prefix, key);
}

static void keys_free(struct keys *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->v[i]);
	free(k->v);
	for (int i = 0; i < k->nmons; i++)
		close(k->mons[i]);
}

/* The keys of every record of c. 1 if one of them holds something of c's own (id, config,
 * state), 0 if none is left, or an error. */
static int collect(ctr_container_t *c, struct keys *k)
{
	static const char *const own[] = { CTRI_KEY_ID, CTRI_KEY_CONFIG, CTRI_KEY_STATE };
	static const char *const more[] = { CTRI_KEY_MOUNT, CTRI_KEY_RDEPS, "execs/" };
	struct ctri_store *st = c->rt->store;
	char prefix[KEY_MAX];
	int found = 0, r;

	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		snprintf(prefix, sizeof(prefix), "%s%s", own[i], c->id);
		if (ctri_store_exists(st, prefix))
			found = 1;
		if (add_key(k, own[i], c->id) < 0)
			return k->err;
	}
	for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++)
		if (add_key(k, more[i], c->id) < 0)
			return k->err;
	k->prefix = CTRI_KEY_NAME;
	if ((r = ctri_store_each(st, CTRI_KEY_NAME, name_of_id, k)) < 0)
		return r;
	snprintf(prefix, sizeof(prefix), "exec/%s/", c->id);
	k->prefix = prefix;
	if ((r = ctri_store_each(st, prefix, session_key, k)) < 0)
		return r;
	return found || k->n > sizeof(own) / sizeof(own[0]) + sizeof(more) / sizeof(more[0]);
}

/* Take c out of its dependencies' lists of dependents, if its config still says which;
 * a damaged list is left (an id whose container is gone is ignored there). */
static void unlink_dependencies(ctr_container_t *c)
{
	struct ctri_store *st = c->rt->store;
	json_object *deps = NULL;

	if (ctri_container_deps(c, "remove", &deps) < 0)
		return;
	if (ctri_store_begin(st) == 0) {
		if (ctri_dep_unlink(st, c->id, deps) == 0)
			(void)ctri_store_commit(st);
		else
			ctri_store_cancel(st);
	}
	json_object_put(deps);
}

static int delete_keys(ctr_container_t *c, const struct keys *k)
{
	struct ctri_store *st = c->rt->store;
	int r = ctri_store_begin(st);

	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < k->n; i++)
		r = ctri_store_delete(st, k->v[i]);
	if (r < 0) {
		ctri_store_cancel(st);
		return r;
	}
	return ctri_store_commit(st);
}

/* ---- files --------------------------------------------------------------------------- */

static void remove_files(ctr_container_t *c)
{
	ctr_runtime_t *rt = c->rt;
	char *paths[] = { ctri_strdupf("%s/%s", rt->containers_dir, c->id),
			  ctri_strdupf("%s/%s", rt->exec_dir, c->id) };
	char sock[4096];

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (paths[i])
			ctri_rm_rf(paths[i]);
		free(paths[i]);
	}
	ctri_attach_path(c, sock, sizeof(sock));
	unlink(sock);
	ctri_exit_remove(c);
}

int ctri_remove_damaged(ctr_container_t *c)
{
	struct keys k = { .id = c->id };
	int fd = -1, r;

	if ((fd = ctri_batch_fd(c)) < 0 && (r = ctri_lock(c->rt->locks_dir, c->id, &fd)) < 0)
		return ctri_cwrap(c->name, "remove", r);
	if ((r = collect(c, &k)) == 0)
		r = ctri_cerr(c->name, "remove", CTR_E_REMOVED, "the container was removed");
	if (r < 0)
		goto out;
	if ((r = end_run(c)) < 0 || (r = ctri_net_teardown(c, "remove", 1)) < 0 ||
	    (r = ctri_rootfs_release(c, "remove", 1)) < 0)
		goto out;
	/* The sessions' processes died with the container: their monitors write their exit
	 * files and go. */
	long long end = ctri_mono_ms() + KILLED_WAIT_MS;
	for (int i = 0; i < k.nmons; i++)
		ctri_fd_readable(k.mons[i], (int)(end > ctri_mono_ms() ? end - ctri_mono_ms() : 0));
	if ((r = ctri_pending_mark(c->rt, c->id)) < 0) { /* for what is left if we are killed */
		r = ctri_cwrap(c->name, "remove", r);
		goto out;
	}
	unlink_dependencies(c);
	if ((r = delete_keys(c, &k)) < 0) {
		ctri_pending_clear(c->rt, c->id);
		r = ctri_cwrap(c->name, "remove", r);
		goto out;
	}
	remove_files(c);
	ctri_lock_unlink(c->rt->locks_dir, c->id);
	ctri_pending_clear(c->rt, c->id);
	ctri_event(c, "remove", NULL);
out:
	if (r == CTR_E_REMOVED)
		ctri_lock_unlink(c->rt->locks_dir, c->id); /* do not leave the one we created */
	keys_free(&k);
	ctri_end(fd);
	return r;
}
