/* After a reboot nothing runs: no container, no monitor, no runtime state (the run
 * directory is a new tmpfs, or its contents are from the last boot). Every container's
 * record is reset to what is still true (DESIGN §5). */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "reboot.h"
#include "runtime.h"
#include "state.h"
#include "store.h"

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

static int reset_one(ctr_container_t *c)
{
	struct ctri_st st;
	int r = ctri_st_load(c, "reset after reboot", &st);

	if (r < 0)
		return r == CTR_E_STORE || r == CTR_E_REMOVED ? 0 : r; /* its own problem, later */
	if (st.state == CTR_STATE_REMOVING)
		return ctri_remove_records(c, 1); /* its remover died with the boot: finish it */
	if (st.has_owner || st.pid || st.mon_pid ||
	    (st.state != CTR_STATE_CONFIGURED && st.state != CTR_STATE_EXITED)) {
		reset(&st);
		r = ctri_st_save(c, "reset after reboot", &st, 1);
	}
	return r;
}

/* Empty a directory of the run dir that holds the last boot's files. The directory stays:
 * concurrent openers may be checking it. */
static int empty_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : ctri_err(CTR_E_IO, "reboot reset: open %s: %m", dir);
	while (r == 0 && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
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
	ctr_container_t **list = NULL;
	size_t n = 0;
	int r = ctr_list(rt, &list, &n);

	r = r < 0 ? r : 0;
	for (size_t i = 0; r == 0 && i < n; i++)
		r = reset_one(list[i]);
	ctr_list_free(list, n);
	if (r == 0 && (r = empty_dir(rt->exits_dir)) == 0 && (r = empty_dir(rt->exec_dir)) == 0 &&
	    (r = empty_dir(rt->attach_dir)) == 0)
		r = empty_dir(rt->runtime_root);
	return r;
}
