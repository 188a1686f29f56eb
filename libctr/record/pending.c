/* Markers of creates and removes under way, and the sweep of what their killed callers
 * left (pending.h). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "error.h"
#include "pending.h"
#include "runtime.h"
#include "store.h"
#include "util.h"

int ctri_pending_mark(ctr_runtime_t *rt, const char *id)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", rt->pending_dir, id);
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return ctri_err(CTR_E_IO, "container %s: create %s: %m", id, path);
	close(fd);
	return 0;
}

void ctri_pending_clear(ctr_runtime_t *rt, const char *id)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", rt->pending_dir, id);
	unlink(path);
}

/* Take id's container lock without waiting; -1 if it is held (its creator or remover is
 * alive) or the file at the path changed meanwhile. */
static int try_lock(ctr_runtime_t *rt, const char *id, char *path, size_t len)
{
	struct stat a, b;

	if (ctri_lock_path(path, len, rt->locks_dir, id) < 0)
		return -1;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 || fstat(fd, &a) < 0 || stat(path, &b) < 0 ||
	    a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Settle the marker of id: the caller that wrote it is gone. Any record of the id (a damaged
 * container may have lost some) keeps its bundle. */
static void settle(ctr_runtime_t *rt, const char *id)
{
	char lock[4096], key[16 + 80], bundle[4096];
	int fd = try_lock(rt, id, lock, sizeof(lock));

	if (fd < 0)
		return;
	static const char *const prefixes[] = { CTRI_KEY_ID, CTRI_KEY_CONFIG, CTRI_KEY_STATE };
	int exists = 0;
	for (size_t i = 0; !exists && i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		snprintf(key, sizeof(key), "%s%s", prefixes[i], id);
		exists = ctri_store_exists(rt->store, key);
	}
	if (!exists) { /* a create before its commit, or a remove after its records went */
		snprintf(bundle, sizeof(bundle), "%s/%s", rt->containers_dir, id);
		ctri_rm_rf(bundle);
		unlink(lock); /* while holding it, as a remove does */
	}
	/* With records, the create was committed, or the remove's owner record makes the next
	 * caller of the container finish it. */
	ctri_pending_clear(rt, id);
	close(fd);
}

void ctri_pending_sweep(ctr_runtime_t *rt)
{
	struct dirent *e;
	DIR *d = opendir(rt->pending_dir);

	while (d && (e = readdir(d)))
		if (ctri_is_id(e->d_name))
			settle(rt, e->d_name);
	if (d)
		closedir(d);
}
