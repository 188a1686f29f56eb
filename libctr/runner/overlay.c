/* Image layers: the overlay root filesystem of a layered container, its directories, and
 * the count of its holders (overlay.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "crashpoint.h"
#include "error.h"
#include "json.h"
#include "overlay.h"
#include "runtime.h"
#include "store.h"
#include "state.h"

#define KEY_MAX	      (sizeof(CTRI_KEY_MOUNT) + CTRI_ID_LEN)
#define UNMOUNT_TRIES 8 /* overlays stacked on merged by hand, at most */

/* The holders of a layered container's overlay. */
struct holds {
	int count; /* the run's hold included */
	int run;   /* the container's run holds one */
};

/* ---- layers and directories ---------------------------------------------------------- */

static int make_dir(const char *name, const char *bundle, const char *leaf, mode_t mode, char *path,
		    size_t len)
{
	if ((size_t)snprintf(path, len, "%s/%s", bundle, leaf) >= len)
		return ctri_cerr(name, "create", CTR_E_INVAL, "%s/%s: path too long", bundle, leaf);
	/* chmod too: the umask must not take the bits away */
	if (mkdir(path, mode) < 0 || chmod(path, mode) < 0)
		return ctri_cerr(name, "create", CTR_E_IO, "mkdir %s: %m", path);
	return 0;
}

int ctri_layer_dirs(const char *name, const char *bundle, const char *top_layer)
{
	char path[PATH_MAX];
	struct stat top;
	int r;

	if (stat(top_layer, &top) < 0)
		return ctri_cerr(name, "create", CTR_E_IO, "layer %s: %m", top_layer);
	if ((r = make_dir(name, bundle, CTRI_LAYER_WORK, 0700, path, sizeof(path))) < 0 ||
	    (r = make_dir(name, bundle, CTRI_LAYER_MERGED, 0755, path, sizeof(path))) < 0 ||
	    (r = make_dir(name, bundle, CTRI_LAYER_UPPER, 0700, path, sizeof(path))) < 0)
		return r;
	/* The upper directory is the root directory the container sees. */
	if (chown(path, top.st_uid, top.st_gid) < 0 || chmod(path, top.st_mode & 07777) < 0)
		return ctri_cerr(name, "create", CTR_E_IO, "%s: %m", path);
	return 0;
}

/* The config's layers (a new reference; NULL for a rootfs) and, if asked, its rootfs
 * (malloc'd; NULL for layers). */
static int config_root(ctr_container_t *c, const char *op, json_object **layers, char **rootfs)
{
	json_object *cfg = NULL, *v;
	int r = ctri_container_config(c, op, &cfg);

	if (r < 0)
		return r;
	*layers = NULL;
	if (json_object_object_get_ex(cfg, "layers", &v) &&
	    json_object_is_type(v, json_type_array) && json_object_array_length(v) > 0)
		*layers = json_object_get(v);
	if (rootfs && !*layers) {
		v = NULL;
		json_object_object_get_ex(cfg, "rootfs", &v);
		*rootfs = strdup(v ? json_object_get_string(v) : "");
		if (!*rootfs)
			r = ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
	}
	json_object_put(cfg);
	return r;
}

int ctri_rootfs_layered(ctr_container_t *c, const char *op)
{
	json_object *layers = NULL;
	int r = config_root(c, op, &layers, NULL);

	json_object_put(layers);
	return r < 0 ? r : layers != NULL;
}

/* ---- the overlay --------------------------------------------------------------------- */

/* 1 if an overlay is mounted on path (the root of a mount, of type overlay). */
static int overlay_mounted(const char *path)
{
	struct statx stx;
	struct statfs fs;

	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_INO, &stx) < 0)
		return 0;
	if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) {
		if (!(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
			return 0;
	} else { /* before Linux 5.8: a mount root lies on another device than its parent */
		char parent[PATH_MAX + 4];
		struct stat st, up;
		snprintf(parent, sizeof(parent), "%s/..", path);
		if (stat(path, &st) < 0 || stat(parent, &up) < 0 || st.st_dev == up.st_dev)
			return 0;
	}
	return statfs(path, &fs) == 0 && fs.f_type == OVERLAYFS_SUPER_MAGIC;
}

/* Copy s to p with '\', ':' and ',' escaped for overlay's option parser; the end. */
static char *escape(char *p, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == ':' || *s == ',')
			*p++ = '\\';
		*p++ = *s;
	}
	*p = '\0';
	return p;
}

static const char *layer_at(json_object *layers, size_t i)
{
	return json_object_get_string(json_object_array_get_idx(layers, i));
}

/* "lowerdir=TOP:...:LOWEST,upperdir=UPPER,workdir=WORK", escaped; NULL: out of memory. */
static char *overlay_data(json_object *layers, const char *upper, const char *work)
{
	size_t n = json_object_array_length(layers);
	size_t need = sizeof("lowerdir=,upperdir=,workdir=") + 2 * (strlen(upper) + strlen(work));
	char *data, *p;

	for (size_t i = 0; i < n; i++)
		need += 2 * strlen(layer_at(layers, i)) + 1;
	if (!(data = malloc(need)))
		return NULL;
	p = stpcpy(data, "lowerdir=");
	for (size_t i = n; i-- > 0;) { /* overlay lists the top layer first */
		p = escape(p, layer_at(layers, i));
		if (i > 0)
			*p++ = ':';
	}
	p = escape(stpcpy(p, ",upperdir="), upper);
	escape(stpcpy(p, ",workdir="), work);
	return data;
}

/* The new mount API, one layer at a time ("lowerdir+", Linux 6.8): for option strings
 * longer than mount(2) takes (a page). Upper and work are escaped as in mount(2)'s
 * data; "lowerdir+" takes its path as it is. Sets errno. */
static int mount_by_fsconfig(json_object *layers, const char *upper, const char *work,
			     const char *merged)
{
	size_t n = json_object_array_length(layers);
	int fs = fsopen("overlay", FSOPEN_CLOEXEC), mnt = -1, r = -1;

	if (fs < 0)
		return -1;
	for (size_t i = n; i-- > 0;)
		if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", layer_at(layers, i), 0) < 0)
			goto out;
	if (fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) == 0 &&
	    fsconfig(fs, FSCONFIG_SET_STRING, "workdir", work, 0) == 0 &&
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0 &&
	    (mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0)) >= 0)
		r = move_mount(mnt, "", AT_FDCWD, merged, MOVE_MOUNT_F_EMPTY_PATH);
out:;
	int e = errno;
	if (mnt >= 0)
		close(mnt);
	close(fs);
	errno = e;
	return r;
}

static int new_mount_api_missing(void)
{
	const char *v = secure_getenv("CTR_NO_FSOPEN");

	return v && !strcmp(v, "1");
}

/* Without the new mount API (Linux before 5.2, valgrind 3.19, or CTR_NO_FSOPEN=1) or its
 * "lowerdir+" (before 6.8): mount(2) with every directory named by a descriptor,
 * "/proc/self/fd/N", which overlay follows at mount time: 64 layers then take ~1.2 KiB of
 * options, whatever their paths (/proc/mounts shows these names). Sets errno. */
static int mount_by_fd_paths(json_object *layers, const char *upper, const char *work,
			     const char *merged)
{
	size_t n = json_object_array_length(layers), k = 0, used;
	const char *dirs[CTRI_LAYERS_MAX + 2];
	int fds[CTRI_LAYERS_MAX + 2], r = -1, e;
	char *data = NULL, *p;

	if (n > CTRI_LAYERS_MAX) {
		errno = E2BIG;
		return -1;
	}
	for (size_t i = n; i-- > 0;) /* the top layer first, as overlay lists them */
		dirs[k++] = layer_at(layers, i);
	dirs[k++] = upper;
	dirs[k++] = work;
	for (used = 0; used < k; used++)
		if ((fds[used] = open(dirs[used], O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
			break;
	if (used == k && !(data = malloc(k * 32 + 32)))
		errno = ENOMEM;
	if (data) {
		p = stpcpy(data, "lowerdir=");
		for (size_t i = 0; i < n; i++)
			p += sprintf(p, "%s/proc/self/fd/%d", i ? ":" : "", fds[i]);
		sprintf(p, ",upperdir=/proc/self/fd/%d,workdir=/proc/self/fd/%d", fds[n],
			fds[n + 1]);
		r = mount("overlay", merged, "overlay", 0, data);
	}
	e = errno;
	free(data);
	while (used > 0)
		close(fds[--used]);
	errno = e;
	return r;
}

static int overlay_mount(ctr_container_t *c, const char *op, json_object *layers,
			 const char *merged)
{
	char upper[PATH_MAX], work[PATH_MAX], esc_upper[2 * PATH_MAX], esc_work[2 * PATH_MAX];
	char *data;
	int r = 0;

	ctri_bundle_path(c, CTRI_LAYER_UPPER, upper, sizeof(upper));
	ctri_bundle_path(c, CTRI_LAYER_WORK, work, sizeof(work));
	if (!(data = overlay_data(layers, upper, work)))
		return ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
	long page = sysconf(_SC_PAGESIZE);
	if (strlen(data) < (size_t)(page > 0 ? page : 4096)) {
		if (mount("overlay", merged, "overlay", 0, data) < 0)
			r = ctri_cerr(c->name, op, CTR_E_IO, "mount overlay on %s: %m (%s)", merged,
				      data);
	} else {
		escape(esc_upper, upper);
		escape(esc_work, work);
		int m = -1;
		errno = ENOSYS;
		if (!new_mount_api_missing())
			m = mount_by_fsconfig(layers, esc_upper, esc_work, merged);
		/* no fsopen (ENOSYS), or no "lowerdir+" (EINVAL: Linux 5.2 to 6.7) */
		if (m < 0 && (errno == ENOSYS || errno == EINVAL))
			m = mount_by_fd_paths(layers, upper, work, merged);
		if (m < 0)
			r = ctri_cerr(c->name, op, CTR_E_IO,
				      "mount overlay of %zu layers on %s: %m",
				      json_object_array_length(layers), merged);
	}
	free(data);
	return r;
}

/* Unmount whatever overlays lie on merged; a busy one (a process works in it) is
 * detached, as everything is with detach. */
static int overlay_unmount(ctr_container_t *c, const char *op, const char *merged, int detach)
{
	for (int i = 0; i < UNMOUNT_TRIES && overlay_mounted(merged); i++) {
		if (umount2(merged, detach ? MNT_DETACH : 0) == 0)
			continue;
		if (errno == EBUSY && umount2(merged, MNT_DETACH) == 0)
			continue;
		if (errno == EINVAL) /* not a mount point any more */
			break;
		return ctri_cerr(c->name, op, CTR_E_IO, "unmount %s: %m", merged);
	}
	return 0;
}

/* ---- the holders --------------------------------------------------------------------- */

static void mount_key(const ctr_container_t *c, char *key)
{
	snprintf(key, KEY_MAX, "%s%s", CTRI_KEY_MOUNT, c->id);
}

/* The record's holders, believed only for this boot and while the overlay is mounted. */
static int holds_load(ctr_container_t *c, const char *op, const char *merged, struct holds *h)
{
	json_object *rec = NULL, *v;
	char key[KEY_MAX];
	int r;

	h->count = h->run = 0;
	mount_key(c, key);
	if ((r = ctri_store_get(c->rt->store, key, &rec)) == CTR_E_NOENT)
		return 0;
	if (r < 0)
		return ctri_cwrap(c->name, op, r);
	const char *boot =
	    json_object_object_get_ex(rec, "boot_id", &v) ? json_object_get_string(v) : "";
	if (ctri_boot_current(c->rt, boot) && overlay_mounted(merged)) {
		if (json_object_object_get_ex(rec, "count", &v))
			h->count = json_object_get_int(v);
		h->run = json_object_object_get_ex(rec, "run", &v) && json_object_get_boolean(v);
		if (h->count < 0)
			h->count = 0;
		if (h->count == 0)
			h->run = 0;
	}
	json_object_put(rec);
	return 0;
}

/* Write h: no holder deletes the record. */
static int holds_save(ctr_container_t *c, const char *op, const struct holds *h)
{
	json_object *rec = NULL;
	char key[KEY_MAX];
	int r;

	mount_key(c, key);
	if (h->count == 0) {
		r = ctri_store_delete(c->rt->store, key);
		return r < 0 ? ctri_cwrap(c->name, op, r) : 0;
	}
	rec = json_object_new_object();
	if (!rec || ctri_json_add(rec, "count", json_object_new_int(h->count)) < 0 ||
	    ctri_json_add(rec, "run", json_object_new_boolean(h->run)) < 0 ||
	    ctri_json_add(rec, "boot_id", json_object_new_string(c->rt->boot_id)) < 0) {
		json_object_put(rec);
		return ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
	}
	r = ctri_store_put_volatile(c->rt->store, key, rec);
	json_object_put(rec);
	return r < 0 ? ctri_cwrap(c->name, op, r) : 0;
}

/* Save h, unmounting first when nobody holds the overlay any more (if that fails, the
 * record stays as it was). */
static int holds_settle(ctr_container_t *c, const char *op, const char *merged,
			const struct holds *h, int detach)
{
	int r;

	if (h->count == 0 && (r = overlay_unmount(c, op, merged, detach)) < 0)
		return r;
	CTRI_CRASHPOINT("mount.unmounted");
	return holds_save(c, op, h);
}

/* Take a hold on the overlay of layers (the run's, or another), mounting it if nobody
 * holds it yet. */
static int hold(ctr_container_t *c, const char *op, json_object *layers, int run)
{
	char merged[PATH_MAX];
	struct holds h;
	int r;

	ctri_bundle_path(c, CTRI_LAYER_MERGED, merged, sizeof(merged));
	if ((r = holds_load(c, op, merged, &h)) < 0 || (run && h.run))
		return r;
	/* A held count of 0 with an overlay there: one whose holder died before counting
	 * itself. It is ours; adopt it rather than stack another. */
	int mounted = h.count == 0 && !overlay_mounted(merged);
	if (mounted && (r = overlay_mount(c, op, layers, merged)) < 0)
		return r;
	CTRI_CRASHPOINT("mount.mounted");
	h.count++;
	h.run |= run;
	if ((r = holds_save(c, op, &h)) < 0 && mounted)
		umount2(merged, MNT_DETACH);
	return r;
}

int ctri_rootfs_acquire(ctr_container_t *c, const char *op)
{
	json_object *layers = NULL;
	int r = config_root(c, op, &layers, NULL);

	if (r == 0 && layers)
		r = hold(c, op, layers, 1);
	json_object_put(layers);
	return r;
}

/* Drop every hold and detach the overlay. */
static int release_all(ctr_container_t *c, const char *op, const char *merged)
{
	struct holds none = { 0, 0 };

	return holds_settle(c, op, merged, &none, 1);
}

int ctri_rootfs_release(ctr_container_t *c, const char *op, int force)
{
	char merged[PATH_MAX];
	struct holds h;
	int r;

	ctri_bundle_path(c, CTRI_LAYER_MERGED, merged, sizeof(merged));
	if (force) /* whatever the record says, even a damaged one */
		return release_all(c, op, merged);
	if ((r = holds_load(c, op, merged, &h)) < 0 || h.count == 0)
		return r;
	h.run = 0; /* the run's hold if it has one, else another */
	h.count--;
	return holds_settle(c, op, merged, &h, 0);
}

int ctri_rootfs_release_run(ctr_container_t *c, const char *op)
{
	char merged[PATH_MAX];
	struct holds h;
	int r = ctri_rootfs_layered(c, op);

	if (r <= 0)
		return r;
	ctri_bundle_path(c, CTRI_LAYER_MERGED, merged, sizeof(merged));
	if ((r = holds_load(c, op, merged, &h)) < 0)
		return r;
	if (h.run) {
		h.run = 0;
		h.count--;
	}
	return holds_settle(c, op, merged, &h, 0);
}

/* The root filesystem's path; for layers, a hold is taken (*held = 1) always, or only
 * when nobody holds the overlay yet. */
static int root_path(ctr_container_t *c, const char *op, int always, char **path, int *held)
{
	json_object *layers = NULL;
	char merged[PATH_MAX], *rootfs = NULL;
	struct holds h = { 0, 0 };
	int r = config_root(c, op, &layers, &rootfs);

	*held = 0;
	if (r < 0 || !layers) {
		if (r == 0)
			*path = rootfs;
		return r;
	}
	ctri_bundle_path(c, CTRI_LAYER_MERGED, merged, sizeof(merged));
	if (!always)
		r = holds_load(c, op, merged, &h);
	if (r == 0 && h.count == 0 && (r = hold(c, op, layers, 0)) == 0)
		*held = 1;
	json_object_put(layers);
	if (r < 0)
		return r;
	if (!(*path = strdup(merged))) {
		if (*held)
			ctri_rootfs_release(c, op, 0);
		return ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
	}
	return 0;
}

int ctri_rootfs_path(ctr_container_t *c, const char *op, char **path, int *mounted_here)
{
	return root_path(c, op, 0, path, mounted_here);
}

int ctri_rootfs_mount(ctr_container_t *c, const char *op, char **path)
{
	int held;

	return root_path(c, op, 1, path, &held);
}

int ctri_rootfs_unmount(ctr_container_t *c, const char *op, const struct ctri_st *st, int force)
{
	char merged[PATH_MAX];
	struct holds h;
	int r;

	if ((r = ctri_rootfs_layered(c, op)) <= 0) /* a plain rootfs: nothing is mounted */
		return r;
	ctri_bundle_path(c, CTRI_LAYER_MERGED, merged, sizeof(merged));
	if ((r = holds_load(c, op, merged, &h)) < 0)
		return r;
	if (h.count == 0 && !overlay_mounted(merged))
		return ctri_cerr(c->name, op, CTR_E_STATE, "the root filesystem is not mounted");
	if (force)
		return release_all(c, op, merged);
	if (h.count > h.run) { /* a ctr_mount() hold */
		h.count--;
	} else if (ctri_st_active(st->state)) {
		return ctri_cerr(c->name, op, CTR_E_BUSY,
				 "container is %s: its run holds the root filesystem (force "
				 "detaches it)",
				 ctr_state_name(st->state));
	} else { /* the run is over: its hold goes too */
		h.count = h.run = 0;
	}
	return holds_settle(c, op, merged, &h, 0);
}
