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

struct ids {
	char (*v)[CTRI_ID_LEN + 1];
	char **names;
	size_t n, cap;
};

static int collect(const char *name, const char *id, size_t len, void *ud)
{
	struct ids *l = ud;

	if (len != CTRI_ID_LEN || !ctri_is_id(id))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		void *v = realloc(l->v, cap * sizeof(*l->v));
		void *names = v ? realloc(l->names, cap * sizeof(*l->names)) : NULL;
		if (v)
			l->v = v;
		if (!names)
			return ctri_err(CTR_E_NOMEM, "reboot reset: out of memory");
		l->names = names;
		l->cap = cap;
	}
	if (!(l->names[l->n] = strdup(name)))
		return ctri_err(CTR_E_NOMEM, "reboot reset: out of memory");
	memcpy(l->v[l->n++], id, CTRI_ID_LEN + 1);
	return 0;
}

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

static int reset_one(ctr_runtime_t *rt, const char *id, const char *name)
{
	ctr_container_t *c;
	struct ctri_st st;
	int r = ctri_container_new(rt, id, name, &c);

	if (r < 0)
		return r;
	if ((r = ctri_st_load(c, "reset after reboot", &st)) < 0) {
		r = r == CTR_E_STORE || r == CTR_E_REMOVED ? 0 : r; /* its own problem, later */
	} else if (st.state == CTR_STATE_REMOVING) {
		r = ctri_remove_records(c, 1); /* its remover died with the boot: finish it */
	} else if (st.has_owner || st.pid || st.mon_pid ||
		   (st.state != CTR_STATE_CONFIGURED && st.state != CTR_STATE_EXITED)) {
		reset(&st);
		r = ctri_st_save(c, "reset after reboot", &st, 1);
	}
	ctr_container_free(c);
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
	struct ids l = { 0 };
	int r = ctri_store_each(rt->store, CTRI_KEY_NAME, collect, &l);

	for (size_t i = 0; r == 0 && i < l.n; i++)
		r = reset_one(rt, l.v[i], l.names[i]);
	for (size_t i = 0; i < l.n; i++)
		free(l.names[i]);
	free(l.names);
	free(l.v);
	if (r == 0 && (r = empty_dir(rt->exits_dir)) == 0)
		r = empty_dir(rt->runtime_root);
	return r;
}
