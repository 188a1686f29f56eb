/* Record removal: a container's records, bundle and lock file go, the overlay first. */
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "crashpoint.h"
#include "depend.h"
#include "error.h"
#include "net_run.h"
#include "overlay.h"
#include "pending.h"
#include "remove.h"
#include "runtime.h"
#include "store.h"
#include "util.h"

/* Delete the records of c in one transaction. The name index entry goes only if it
 * still points at c. */
static int delete_records(ctr_container_t *c, int force)
{
	struct ctri_store *st = c->rt->store;
	char key[CTRI_KEY_MAX], *val = NULL;
	json_object *deps = NULL;
	int r = ctri_container_deps(c, "remove", &deps);

	if (r < 0 && r != CTR_E_STORE)
		return r;
	if ((r = ctri_store_begin(st)) < 0) {
		json_object_put(deps);
		return ctri_cwrap(c->name, "remove", r);
	}
	if (!force && (r = ctri_dep_refuse(c)) < 0)
		goto fail;
	if ((r = ctri_dep_unlink(st, c->id, deps)) < 0)
		goto fail;
	ctri_key(key, CTRI_KEY_NAME, c->name);
	r = ctri_store_get_raw(st, key, &val, NULL);
	if (r == 0 && !strcmp(val, c->id))
		r = ctri_store_delete(st, key);
	else if (r == CTR_E_NOENT || r == 0)
		r = 0;
	free(val);
	const char *const prefixes[] = { CTRI_KEY_ID, CTRI_KEY_CONFIG, CTRI_KEY_STATE,
					 CTRI_KEY_MOUNT };
	for (size_t i = 0; r == 0 && i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		ctri_key(key, prefixes[i], c->id);
		r = ctri_store_delete(st, key);
	}
	if (r < 0)
		goto fail;
	json_object_put(deps);
	CTRI_CRASHPOINT("remove.records-committing");
	r = ctri_store_commit(st);
	return r < 0 ? ctri_cwrap(c->name, "remove", r) : 0;
fail:
	json_object_put(deps);
	ctri_store_cancel(st);
	return r == CTR_E_DEPEND ? r : ctri_cwrap(c->name, "remove", r);
}

int ctri_remove_records(ctr_container_t *c, int force)
{
	/* A layered container's overlay goes first: while it is there, the bundle (its
	 * upper, work and merged directories) cannot go. */
	int r = ctri_pending_mark(c->rt, c->id); /* for what is left if we are killed */

	if (r < 0)
		return ctri_cwrap(c->name, "remove", r);
	/* So does its run's network, if a crash or a monitor's death left one. */
	if ((r = ctri_net_teardown(c, "remove", 1)) == 0)
		r = ctri_rootfs_release(c, "remove", 1);
	CTRI_CRASHPOINT("remove.unmounted");
	if (r < 0 || (r = delete_records(c, force)) < 0) {
		ctri_pending_clear(c->rt, c->id);
		return r;
	}
	CTRI_CRASHPOINT("remove.records-deleted");
	/* The container is gone from the store; its bundle is only a cache of the config,
	 * with the root filesystem's changes and the artifacts. */
	char *bundle = ctri_strdupf("%s/%s", c->rt->containers_dir, c->id);
	if (bundle)
		ctri_rm_rf(bundle);
	free(bundle);
	CTRI_CRASHPOINT("remove.bundle-removed");
	ctri_lock_unlink(c->rt->locks_dir, c->id);
	ctri_pending_clear(c->rt, c->id);
	return 0;
}

