/* Record removal (ctr_remove, the recovery of an interrupted remove, the reboot reset). */
#ifndef LIBCTR_REMOVE_H
#define LIBCTR_REMOVE_H

#include "container.h"

/* Unmount a layered container's overlay (ctri_rootfs_release with force), delete c's
 * records (one transaction), then its bundle and lock file. The caller holds
 * the lock and has released the runtime's state. Without force, containers depending on
 * c make it CTR_E_DEPEND. */
int ctri_remove_records(ctr_container_t *c, int force);

#endif
