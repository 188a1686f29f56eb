/* Opening a runtime context (ctr_runtime_open): its directories made and checked, the
 * store opened, a reboot detected and reset, and what killed creators and removers left
 * swept. It wires the layers together, so it is the top layer. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "json.h"
#include "image_work.h"
#include "pending.h"
#include "reboot.h"
#include "runtime.h"
#include "runtime_open.h"
#include "store.h"
#include "util.h"

#define DEFAULT_STATE_DIR "/var/lib/libctr"
#define DEFAULT_RUN_DIR "/run/libctr"
#define DEFAULT_OCI_RUNTIME "runc"
#ifndef CTR_LIBEXECDIR
#define CTR_LIBEXECDIR "/usr/local/libexec"
#endif
#define STORE_FORMAT 1
#define BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"
#define BOOT_ID_LEN  36

/* Create path (mode 0700, parents 0755) and make sure it is a directory of ours that
 * nobody else can use to redirect or tamper with our state. */
static int ensure_dir(const char *what, const char *path)
{
	struct stat st;

	if (!*path)
		return ctri_err(CTR_E_INVAL, "ctr_runtime_open: %s is empty", what);
	if (path[0] != '/')
		return ctri_err(CTR_E_INVAL, "ctr_runtime_open: %s %s is not an absolute path",
				what, path);
	char *parent = strdup(path);
	if (!parent)
		return ctri_err(CTR_E_NOMEM, "ctr_runtime_open: out of memory");
	char *slash = strrchr(parent, '/');
	int r = 0;
	if (slash != parent) {
		*slash = '\0';
		r = ctri_mkdir_p(parent, 0755);
	}
	free(parent);
	if (r < 0) {
		errno = -r;
		return ctri_err(CTR_E_IO, "ctr_runtime_open: %s %s: create parent: %m", what, path);
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return ctri_err(CTR_E_IO, "ctr_runtime_open: %s %s: mkdir: %m", what, path);
	if (lstat(path, &st) < 0)
		return ctri_err(CTR_E_IO, "ctr_runtime_open: %s %s: %m", what, path);
	if (S_ISLNK(st.st_mode))
		return ctri_err(CTR_E_INVAL, "ctr_runtime_open: %s %s is a symbolic link", what,
				path);
	if (!S_ISDIR(st.st_mode))
		return ctri_err(CTR_E_INVAL, "ctr_runtime_open: %s %s is not a directory", what,
				path);
	if (st.st_uid != geteuid())
		return ctri_err(CTR_E_INVAL, "ctr_runtime_open: %s %s is owned by uid %u, not %u",
				what, path, (unsigned)st.st_uid, (unsigned)geteuid());
	/* Never chmod a directory we did not create (state_dir=/tmp would close /tmp), but
	 * refuse one where others could plant or swap files. */
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return ctri_err(CTR_E_INVAL,
				"ctr_runtime_open: %s %s is writable by group or others (mode %04o)",
				what, path, (unsigned)(st.st_mode & 07777));
	if (access(path, W_OK | X_OK) < 0)
		return ctri_err(CTR_E_IO, "ctr_runtime_open: %s %s is not writable: %m", what,
				path);
	return 0;
}

static int ensure_subdir(const char *what, char **out, const char *parent, const char *name)
{
	*out = ctri_strdupf("%s/%s", parent, name);
	if (!*out)
		return ctri_err(CTR_E_NOMEM, "ctr_runtime_open: out of memory");
	if (mkdir(*out, 0700) < 0 && errno != EEXIST)
		return ctri_err(CTR_E_IO, "ctr_runtime_open: %s %s: mkdir: %m", what, *out);
	return 0;
}

/* The kernel's boot id, a UUID. Without it a reboot cannot be told from a restart of the
 * caller, so the open fails rather than guess (docs/design.md, "Reboot detection"). */
static int read_boot_id(char *buf, size_t len)
{
	char *s = NULL;
	int r = ctri_read_file(BOOT_ID_PATH, 64, &s, NULL);

	if (r < 0) {
		errno = -r;
		return ctri_err(CTR_E_IO, "ctr_runtime_open: read the boot id from %s: %m",
				BOOT_ID_PATH);
	}
	s[strcspn(s, "\n")] = '\0';
	if (strlen(s) == BOOT_ID_LEN && strspn(s, "0123456789abcdefABCDEF-") == BOOT_ID_LEN)
		snprintf(buf, len, "%s", s);
	else
		r = ctri_err(CTR_E_IO, "ctr_runtime_open: %s holds no boot id: \"%.64s\"",
			     BOOT_ID_PATH, s);
	free(s);
	return r;
}

static int put_meta(ctr_runtime_t *rt)
{
	json_object *m = json_object_new_object();
	int r;

	if (!m || ctri_json_add(m, "format", json_object_new_int(STORE_FORMAT)) < 0 ||
	    ctri_json_add(m, "boot_id", json_object_new_string(rt->boot_id)) < 0)
		r = ctri_err(CTR_E_NOMEM, "ctr_runtime_open: out of memory");
	else
		r = ctri_store_put(rt->store, "meta", m, 0);
	json_object_put(m);
	return r;
}

/* A reboot is told by the boot id alone: the one in the meta record (in the state dir,
 * which survives a reboot) against the kernel's. Nothing in the run directory is evidence:
 * a tmp cleaner may age out its files while everything runs. A meta record without a boot
 * id (new, damaged, or "unknown" from a libctr that never read it) tells nothing and is
 * rewritten. A run-wide flock makes exactly one opener see the reboot. */
static int detect_reboot(ctr_runtime_t *rt)
{
	char *lock = NULL;
	json_object *meta = NULL, *v;
	int fd = -1, r;

	if ((r = read_boot_id(rt->boot_id, sizeof(rt->boot_id))) < 0)
		return r;
	if (!(lock = ctri_strdupf("%s/.lock", rt->run_dir)))
		return ctri_err(CTR_E_NOMEM, "ctr_runtime_open: out of memory");
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		r = ctri_err(CTR_E_IO, "ctr_runtime_open: lock %s: %m", lock);
		goto out;
	}
	r = ctri_store_get(rt->store, "meta", &meta);
	/* A damaged meta record must not lock everyone out: it is rewritten below. */
	if (r < 0 && r != CTR_E_NOENT && r != CTR_E_STORE)
		goto out;
	const char *stored = NULL;
	if (meta && json_object_object_get_ex(meta, "boot_id", &v))
		stored = json_object_get_string(v);
	rt->rebooted = stored && *stored && !ctri_boot_current(rt, stored);
	/* Before the reboot is marked handled: a reset cut short is redone. */
	if (rt->rebooted && (r = ctri_reboot_reset(rt)) < 0)
		goto out;
	if ((!stored || strcmp(stored, rt->boot_id)) && (r = put_meta(rt)) < 0)
		goto out;
	r = 0;
out:
	json_object_put(meta);
	if (fd >= 0)
		close(fd);
	free(lock);
	return r;
}

static int set_str(char **dst, const char *val, const char *def)
{
	*dst = strdup(val ? val : def);
	return *dst ? 0 : ctri_err(CTR_E_NOMEM, "ctr_runtime_open: out of memory");
}

/* A bare runtime name is looked up (ctri_find_program); not found, it is kept as given, so
 * that using it names it. */
static int resolve_runtime(ctr_runtime_t *rt)
{
	if (strchr(rt->oci_runtime, '/'))
		return 0;
	char *full = ctri_find_program(rt->oci_runtime);
	if (!full)
		return ctri_err(CTR_E_NOMEM, "ctr_runtime_open: out of memory");
	free(rt->oci_runtime);
	rt->oci_runtime = full;
	return 0;
}

static int runtime_setup(ctr_runtime_t *rt, const ctr_runtime_opts_t *opts, const char *cleanup)
{
	const char *monitor = CTRI_OPTS_GET(opts, monitor_path, NULL);
	int r;

	if (!monitor) /* CTR_MONITOR replaces the default, not a path the caller gave */
		monitor = secure_getenv("CTR_MONITOR");
	if (!cleanup)
		cleanup = secure_getenv("CTR_CLEANUP");

	if ((r = set_str(&rt->state_dir, CTRI_OPTS_GET(opts, state_dir, NULL), DEFAULT_STATE_DIR)) ||
	    (r = set_str(&rt->run_dir, CTRI_OPTS_GET(opts, run_dir, NULL), DEFAULT_RUN_DIR)) ||
	    (r = set_str(&rt->oci_runtime, CTRI_OPTS_GET(opts, oci_runtime, NULL),
			 DEFAULT_OCI_RUNTIME)) ||
	    (r = set_str(&rt->monitor_path, monitor, CTR_LIBEXECDIR "/libctr/ctr-monitor")) ||
	    (r = set_str(&rt->cleanup_path, cleanup, CTR_LIBEXECDIR "/libctr/ctr-cleanup")))
		return r;
	if (!*rt->oci_runtime || !*rt->monitor_path)
		return ctri_err(CTR_E_INVAL, "ctr_runtime_open: %s is empty",
				*rt->oci_runtime ? "monitor_path" : "oci_runtime");
	if ((r = ensure_dir("state dir", rt->state_dir)) ||
	    (r = ensure_dir("run dir", rt->run_dir)) ||
	    (r = ensure_subdir("state dir", &rt->containers_dir, rt->state_dir, "containers")) ||
	    (r = ensure_subdir("state dir", &rt->pending_dir, rt->state_dir, "pending")) ||
	    (r = ensure_subdir("run dir", &rt->locks_dir, rt->run_dir, "locks")) ||
	    (r = ensure_subdir("run dir", &rt->runtime_root, rt->run_dir, "runtime")) ||
	    (r = ensure_subdir("run dir", &rt->exits_dir, rt->run_dir, "exits")) ||
	    (r = ensure_subdir("run dir", &rt->attach_dir, rt->run_dir, "attach")) ||
	    (r = ensure_subdir("run dir", &rt->exec_dir, rt->run_dir, "exec")) ||
	    (r = resolve_runtime(rt)))
		return r;
	rt->timeout_ms = CTRI_OPTS_GET(opts, runtime_timeout_ms, 0u);
	if (!rt->timeout_ms)
		rt->timeout_ms = 30000;
	char *db = ctri_strdupf("%s/ctr.tdb", rt->state_dir);
	if (!db)
		return ctri_err(CTR_E_NOMEM, "ctr_runtime_open: out of memory");
	r = ctri_store_open(db, !!(rt->flags & CTR_RUNTIME_NOSYNC), &rt->store);
	free(db);
	if (r < 0 || (r = detect_reboot(rt)) < 0)
		return r;
	ctri_pending_sweep(rt); /* what killed creators and removers left */
	ctri_image_sweep(rt);	/* and killed importers */
	return 0;
}

CTR_API int ctr_runtime_open(const ctr_runtime_opts_t *opts, ctr_runtime_t **out)
{
	return ctri_runtime_open(opts, NULL, out);
}

int ctri_runtime_open(const ctr_runtime_opts_t *opts, const char *cleanup_path, ctr_runtime_t **out)
{
	CTRI_CHECK_ARG("ctr_runtime_open", out);
	if (opts) {
		int r = CTRI_OPTS_VALID(opts, runtime_timeout_ms, "ctr_runtime_open");
		if (r < 0)
			return r;
	}
	unsigned flags = CTRI_OPTS_GET(opts, flags, 0u);
	if (flags & ~CTR_RUNTIME_NOSYNC)
		return ctri_err(CTR_E_INVAL, "ctr_runtime_open: unknown flags 0x%x",
				flags & ~CTR_RUNTIME_NOSYNC);

	ctr_runtime_t *rt = calloc(1, sizeof(*rt));
	if (!rt)
		return ctri_err(CTR_E_NOMEM, "ctr_runtime_open: out of memory");
	rt->refs = 1;
	rt->flags = flags;
	int r = runtime_setup(rt, opts, cleanup_path);
	if (r < 0) {
		ctri_runtime_unref(rt);
		return r;
	}
	*out = rt;
	return 0;
}

