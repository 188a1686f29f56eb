/* After a reboot nothing runs: no container, no monitor, no runtime state (the run
 * directory is a new tmpfs, or its contents are from the last boot). Every container's
 * record is reset to what is still true (DESIGN §5), except that of a container of which
 * something still runs: whatever the boot ids say, that is no reboot for it. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "net_run.h"
#include "oci.h"
#include "proc.h"
#include "reboot.h"
#include "remove.h"
#include "runtime.h"
#include "state.h"
#include "util.h"

#define OP "reset after reboot"

/* What a state means once its processes are gone with the boot. */
static void reset(struct ctri_st *st)
{
	ctr_state_t was = st->state;

	if (was == CTR_STATE_CREATED || was == CTR_STATE_RUNNING || was == CTR_STATE_PAUSED ||
	    was == CTR_STATE_STOPPED) {
		/* STOPPED keeps its exit code; a run cut by the reboot has none of its own, so
		 * the container shows its last recorded exit, or none. */
		st->state = st->has_exit ? CTR_STATE_EXITED : CTR_STATE_CONFIGURED;
		if (was != CTR_STATE_STOPPED)
			st->reset_from = was;
	}
	ctri_st_no_process(st);
	st->has_owner = 0;
}

/* 1 if pid's command line has id as one of its arguments (a monitor's --id). */
static int names(pid_t pid, const char *id)
{
	char path[32], *cmd = NULL;
	size_t len = 0;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	if (ctri_read_file(path, 1 << 16, &cmd, &len) < 0)
		return 0;
	for (size_t i = 0; i < len && !found; i += strlen(cmd + i) + 1)
		found = !strcmp(cmd + i, id);
	free(cmd);
	return found;
}

/* 1 if a process of c's last run still runs: its monitor (the recorded pid and start time,
 * with c's id on its command line, since a pid and a start time can come again in a new
 * boot), the owner of an operation on it, or its init (the runtime, which records the
 * init's start time, does not call it stopped; when the runtime cannot tell, it may run). */
static int still_runs(ctr_container_t *c, const struct ctri_st *st)
{
	char status[16];
	pid_t pid;

	if (st->mon_start && ctri_proc_alive(st->mon_pid, st->mon_start) &&
	    names(st->mon_pid, c->id))
		return 1;
	if (st->has_owner && ctri_proc_alive(st->owner.pid, st->owner.start))
		return 1;
	int r = ctri_oci_state(c, OP, status, sizeof(status), &pid);
	return r == CTR_E_NOENT ? 0 : r < 0 || strcmp(status, "stopped") != 0;
}

/* Reset c; 1 if it was left alone because something of it still runs. */
static int reset_one(ctr_container_t *c)
{
	struct ctri_st st;
	int r = ctri_st_load(c, OP, &st);

	if (r < 0)
		return r == CTR_E_STORE || r == CTR_E_REMOVED ? 0 : r; /* its own problem, later */
	if (still_runs(c, &st))
		return 1;
	/* The runtime's state of the last boot, if the run dir kept it: the runtime deletes it
	 * with what else it made (a cgroup that outlived the boot); if it cannot, the
	 * directory is removed below all the same. */
	(void)ctri_oci_delete(c, OP, 1);
	/* Its run's network: after a real reboot only files are left (the plugins' DELs
	 * find nothing else); in a faked one (a state dir carried over, the tests) the
	 * interfaces, leases and rules too. */
	(void)ctri_net_teardown(c, OP, 1);
	if (st.state == CTR_STATE_REMOVING)
		return ctri_remove_records(c, 1); /* its remover died with the boot: finish it */
	if (st.has_owner || st.pid || st.mon_pid ||
	    (st.state != CTR_STATE_CONFIGURED && st.state != CTR_STATE_EXITED)) {
		reset(&st);
		r = ctri_st_save(c, OP, &st, 1);
	}
	return r;
}

/* 1 if a run directory entry belongs to one of the containers kept (named by its id). */
static int kept_entry(const char *name, ctr_container_t *const *kept, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strncmp(name, kept[i]->id, strlen(kept[i]->id)))
			return 1;
	return 0;
}

/* Empty a directory of the run dir that holds the last boot's files, but for the entries
 * of containers kept. The directory stays: concurrent openers may be checking it. */
static int empty_dir(const char *dir, ctr_container_t *const *kept, size_t n_kept)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : ctri_err(CTR_E_IO, "reboot reset: open %s: %m", dir);
	while (r == 0 && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    kept_entry(e->d_name, kept, n_kept))
			continue;
		char *path = ctri_strdupf("%s/%s", dir, e->d_name);
		int err = path ? ctri_rm_rf(path) : -ENOMEM;
		if (err < 0) {
			errno = -err;
			r = ctri_err(CTR_E_IO, "reboot reset: remove %s: %m", path ? path : dir);
		}
		free(path);
	}
	closedir(d);
	return r;
}

int ctri_reboot_reset(ctr_runtime_t *rt)
{
	ctr_container_t **list = NULL, **kept = NULL;
	size_t n = 0, n_kept = 0;
	int r = ctr_list(rt, &list, &n);

	if (r >= 0 && !(kept = calloc(n + 1, sizeof(*kept))))
		r = ctri_err(CTR_E_NOMEM, "reboot reset: out of memory");
	r = r < 0 ? r : 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		r = reset_one(list[i]);
		if (r == 1) {
			kept[n_kept++] = list[i];
			r = 0;
		}
	}
	const char *const dirs[] = { rt->exits_dir, rt->exec_dir, rt->attach_dir,
				     rt->runtime_root };
	for (size_t i = 0; r == 0 && i < sizeof(dirs) / sizeof(dirs[0]); i++)
		r = empty_dir(dirs[i], kept, n_kept);
	free(kept);
	ctr_list_free(list, n);
	return r;
}
