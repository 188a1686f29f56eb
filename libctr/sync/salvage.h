/* The forced remove of a container whose records are damaged. */
#ifndef LIBCTR_SALVAGE_H
#define LIBCTR_SALVAGE_H

#include "container.h"

/* ctr_remove(c, CTR_FORCE) after CTR_E_STORE (docs/design.md, "Damaged records"): remove
 * everything of c found by its id, whatever its records say. With c's lock (taken here, or
 * the batch's): the runtime's state is deleted with --force, the monitor the runtime names
 * (the init's parent) waited for and killed if it stays; the overlay unmounted; every
 * record of the id (id, config, state, mounts, dependents, exec sessions, names pointing at
 * it) deleted in one transaction, the links from its dependencies when its config still
 * says which; then the exit file, the attach socket, the exec files, the bundle and the
 * lock file. Returns 0; CTR_E_REMOVED when no record of the id is left; the runtime's error
 * (nothing else is deleted: the container still runs); CTR_E_IO or CTR_E_STORE when the
 * records cannot be deleted. */
int ctri_remove_damaged(ctr_container_t *c);

#endif
