/* Image layers: the overlay root filesystem of a layered container, its directories, and
 * the count of who holds it mounted (overlay.c; the API over it is ops/mount.c).
 *
 * A layered container (ctr_config_add_layer) has, in its bundle directory
 * (ctri_bundle_path), CTRI_LAYER_UPPER and CTRI_LAYER_WORK (0700) and CTRI_LAYER_MERGED
 * (0755), made by ctr_create(). Its spec's root.path is the merged directory, on which the
 * overlay lowerdir=LAYERS(top first),upperdir=UPPER,workdir=WORK is mounted while someone
 * holds it. A container with a plain rootfs has none of this: every function below is a
 * no-op for it (and ctri_rootfs_path hands back the rootfs).
 *
 * The holders are counted in the store record CTRI_KEY_MOUNT<id>: {"count":N,"run":0|1,
 * "boot_id":...}: count includes the run's hold (run = 1: the container's run holds one).
 * It is written without fsync: a reboot unmounts everything, and a record of another boot
 * counts as no holder. A record is believed only while the overlay is really mounted on
 * merged: if it is gone (unmounted by hand), the count is 0. A count of 0 deletes the
 * record. All of these must be called with the container's lock held (ctri_begin). */
#ifndef LIBCTR_OVERLAY_H
#define LIBCTR_OVERLAY_H

#include "config.h"
#include "container.h"
#include "state.h"

#define CTRI_KEY_MOUNT	  "mount/" /* + id: the holders of the overlay; volatile */
#define CTRI_LAYER_UPPER  "upper"  /* bundle leaves of a layered container */
#define CTRI_LAYER_WORK	  "work"
#define CTRI_LAYER_MERGED "merged"

/* The run's hold, for ctr_init()/ctr_start() (and a policy restart): mount the overlay if
 * nobody holds it, and count the run as a holder. Idempotent: a run that holds it already
 * is not counted twice, so init then start, or a restart, need no release in between.
 * CTR_E_IO (the mount failed: the message has the kernel's reason), CTR_E_STORE. */
int ctri_rootfs_acquire(ctr_container_t *c, const char *op);

/* Let go of a hold; at 0 holders the overlay is unmounted. Without force: the run's hold
 * (ctr_cleanup(), or an init/start that failed after acquiring), or, when the run holds
 * none, one other hold (the one ctri_rootfs_path took for its caller); nothing held is
 * fine (0). With force (ctr_remove, through ctri_remove_records): every hold, and the
 * overlay is detached (MNT_DETACH) even if the record says nobody holds it. */
int ctri_rootfs_release(ctr_container_t *c, const char *op, int force);

/* Let go of the run's hold only, if it has one, for the recovery of a caller that died
 * between its steps: at 0 holders the overlay is unmounted, also one that a holder mounted
 * and died before counting. Other holds stay. */
int ctri_rootfs_release_run(ctr_container_t *c, const char *op);

/* The root filesystem to read (export, checkpoint): the merged directory of a layered
 * container, mounted for the caller (*mounted_here = 1: a hold was taken, let go of it with
 * ctri_rootfs_release(c, op, 0) before unlocking) unless it is mounted already
 * (*mounted_here = 0); or the plain rootfs directory (*mounted_here = 0). *path is
 * malloc'd. */
int ctri_rootfs_path(ctr_container_t *c, const char *op, char **path, int *mounted_here);

/* ctr_mount(): the root filesystem's path, with a hold on a layered container's overlay
 * (mounted if it is not). With c's lock held. */
int ctri_rootfs_mount(ctr_container_t *c, const char *op, char **path);
/* ctr_unmount(): let go of a ctr_mount() hold, or of every hold with force, c's state
 * being st. CTR_E_STATE when nothing is mounted; CTR_E_BUSY when only the run of an
 * active container holds it. With c's lock held. */
int ctri_rootfs_unmount(ctr_container_t *c, const char *op, const struct ctri_st *st, int force);

/* 1 if the container was created with layers, 0 if with a rootfs, or an error. */
int ctri_rootfs_layered(ctr_container_t *c, const char *op);

/* For ctr_create(): make a new layered container's directories in its bundle directory
 * (CTR_E_IO "container NAME: cannot create: ...").
 * The upper directory is the overlay's root directory, so it takes the mode and owner of
 * top_layer's (the bundle directory, 0700, keeps it from other users). */
int ctri_layer_dirs(const char *name, const char *bundle, const char *top_layer);

#endif
