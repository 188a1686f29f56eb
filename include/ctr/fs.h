/*
 * libctr - filesystems and saved state: image layers and mounts, export, artifacts,
 * checkpoint and restore.
 *
 * Included by <ctr/ctr.h>; do not include it on its own. The conventions of ctr.h hold.
 */
#ifndef CTR_FS_H
#define CTR_FS_H

#ifndef CTR_CTR_H
#error "include <ctr/ctr.h>, not <ctr/fs.h>"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------
 * Image layers and mounts
 *
 * A container's root filesystem is either a plain directory (ctr_config_set_rootfs) or a
 * stack of read-only image layers (ctr_config_add_layer): then the library mounts an
 * overlay of the layers with an upper and a work directory of the container's own (in the
 * state directory) as its root filesystem. Writes land in the upper directory; the layers
 * are never changed. The overlay is mounted by ctr_init()/ctr_start() (and stays mounted
 * while the container runs) and by ctr_mount(); each holder counts, and it is unmounted
 * when the last lets go (ctr_cleanup() for the container's run, ctr_unmount() for
 * ctr_mount()). ctr_remove() unmounts it and deletes the upper directory.
 */

/**
 * Add a read-only image layer: an absolute path to a directory. The first layer added is
 * the lowest; each later one lies on top (its files hide those of the same name below).
 * A config has either a rootfs or layers (at most 64); setting both is refused by
 * ctr_create(), which also checks that each layer is an existing directory. In the JSON
 * form: "layers": [dirs], lowest first. The container's root directory takes the mode and
 * owner of the top layer's.
 * @return 0; CTR_E_INVAL (NULL, not absolute, contains ':' or ',' (overlay option syntax),
 *   added already, a 65th layer).
 */
CTR_API int ctr_config_add_layer(ctr_config_t *cfg, const char *dir);

/**
 * Mount the container's root filesystem (if it is not mounted yet) and count one more
 * holder, in any state. For a plain rootfs directory nothing is mounted or counted and
 * its path is returned. Takes the container's lock: safe from any thread or process.
 * @param[out] out_path the mounted root filesystem (the overlay's merged directory in the
 *   state directory); release with ctr_free()
 * @return 0; CTR_E_IO (the mount failed; the message has the reason); CTR_E_REMOVED.
 */
CTR_API int ctr_mount(ctr_container_t *c, char **out_path);

/**
 * Let go of one ctr_mount(); the overlay is unmounted when no holder is left. While the
 * container is CREATED, RUNNING or PAUSED its run holds the mount too: letting go of the
 * last ctr_mount() then leaves it mounted, and with no ctr_mount() left to let go of this
 * is CTR_E_BUSY. A run that is over (STOPPED, EXITED) lets go of its hold here if
 * ctr_cleanup() has not. With CTR_FORCE every holder is dropped and the overlay is detached
 * (lazily: the running container keeps its view until it exits). An overlay unmounted
 * behind the library's back counts as not mounted. For a plain rootfs this is 0: nothing
 * was mounted. Takes the container's lock.
 * @param flags 0 or CTR_FORCE
 * @return 0; CTR_E_INVAL for unknown flags; CTR_E_BUSY; CTR_E_STATE when it is not mounted;
 *   CTR_E_IO (the unmount failed); CTR_E_REMOVED.
 */
CTR_API int ctr_unmount(ctr_container_t *c, unsigned flags);

/* ---------------------------------------------------------------------------------------
 * Export
 */

/**
 * Write the container's root filesystem (the overlay's merged view for layered
 * containers, mounted for the time of the export if needed) to path as a tar archive
 * (POSIX pax format), keeping modes, owners, times, symbolic links, hard links, device
 * nodes and extended attributes. path is created (mode 0600) or replaced atomically.
 * @return 0; CTR_E_IO with the file that failed; CTR_E_INVAL (NULL or empty path);
 *   CTR_E_REMOVED; CTR_E_NOMEM.
 */
CTR_API int ctr_export(ctr_container_t *c, const char *path);

/* ---------------------------------------------------------------------------------------
 * Artifacts: named blobs kept with a container (in its state directory) until it is
 * removed, in any state.
 *
 * Names are 1 to 255 bytes of any character but '/' (and NUL), and not "." or "..".
 * Adding and removing take the container's lock; reading takes none and sees an artifact
 * either whole before or whole after a concurrent add. All are thread-safe. Each may
 * also fail with CTR_E_REMOVED (the container was removed) or CTR_E_IO (the file is in
 * the message).
 */

/**
 * Store (or replace) an artifact; written durably (unless CTR_RUNTIME_NOSYNC).
 * data may be NULL when len is 0.
 * @return 0; CTR_E_INVAL (bad name, NULL data with len > 0).
 */
CTR_API int ctr_artifact_add(ctr_container_t *c, const char *name, const void *data,
			     size_t len);

/**
 * Read an artifact.
 * @param[out] out_data its bytes (and a NUL after them); release with ctr_free()
 * @param[out] out_len its length
 * @return 0; CTR_E_NOENT (no such artifact); CTR_E_INVAL (bad name).
 */
CTR_API int ctr_artifact_get(ctr_container_t *c, const char *name, void **out_data,
			     size_t *out_len);

/** Delete an artifact. @return 0; CTR_E_NOENT (no such artifact); CTR_E_INVAL (bad name). */
CTR_API int ctr_artifact_remove(ctr_container_t *c, const char *name);

/**
 * The names of the container's artifacts, sorted bytewise (strcmp).
 * @param[out] out the names (empty, not NULL, when there are none), followed by a NULL;
 *   release with ctr_strv_free()
 * @param[out] out_count how many
 * @return 0; CTR_E_INVAL (an argument NULL); CTR_E_IO when the directory cannot be read;
 *   CTR_E_REMOVED; CTR_E_NOMEM.
 */
CTR_API int ctr_artifact_list(ctr_container_t *c, char ***out, size_t *out_count);

/* ---------------------------------------------------------------------------------------
 * Checkpoint and restore (`runc checkpoint` / `runc restore`, which use CRIU)
 */

#define CTR_CKPT_KEEP 0x1u	       /**< keep CRIU's work files and logs */
#define CTR_CKPT_LEAVE_RUNNING 0x2u    /**< the container goes on running after the checkpoint */
#define CTR_CKPT_TCP_ESTABLISHED 0x4u  /**< checkpoint established TCP connections */
#define CTR_CKPT_IGNORE_ROOTFS 0x8u    /**< target_file: leave the root filesystem changes out */

typedef struct ctr_checkpoint_opts {
	size_t sz;		 /**< sizeof(ctr_checkpoint_opts_t) */
	unsigned flags;		 /**< CTR_CKPT_* */
	const char *target_file; /**< also write an archive (tar) of the checkpoint here */
	const char *name;	 /**< the checkpoint's name ([A-Za-z0-9_.-], 1-64); NULL: "default" */
} ctr_checkpoint_opts_t;

/**
 * Checkpoint a RUNNING container. Its images go to the container's state directory under
 * the name; unless CTR_CKPT_LEAVE_RUNNING the container's processes end and it becomes
 * EXITED, with "checkpointed" in ctr_inspect()'s state, ready for ctr_restore(). With
 * target_file an archive holds the images, the container's config and spec and (for a
 * layered container, unless CTR_CKPT_IGNORE_ROOTFS) its upper directory: the root
 * filesystem's changes. Event "checkpoint".
 * @return 0; CTR_E_STATE when not RUNNING; CTR_E_INVAL; CTR_E_NOTSUP when CRIU cannot
 *   work on this machine (the output of `criu check` in the message); CTR_E_RUNTIME when
 *   the runtime or CRIU failed (the container still runs).
 */
CTR_API int ctr_checkpoint(ctr_container_t *c, const ctr_checkpoint_opts_t *opts);

#define CTR_RESTORE_KEEP 0x1u		 /**< keep the images (and CRIU's files) after restoring */
#define CTR_RESTORE_TCP_ESTABLISHED 0x2u /**< restore established TCP connections */
#define CTR_RESTORE_IGNORE_ROOTFS 0x4u	 /**< import_file: do not apply its root filesystem changes */

typedef struct ctr_restore_opts {
	size_t sz;		 /**< sizeof(ctr_restore_opts_t) */
	unsigned flags;		 /**< CTR_RESTORE_* */
	const char *import_file; /**< restore from this archive (from ctr_checkpoint's target_file) */
	const char *name;	 /**< the checkpoint's name; NULL: "default" */
} ctr_restore_opts_t;

/**
 * Restore a container from its checkpoint (or from import_file): CONFIGURED, STOPPED or
 * EXITED -> RUNNING, its processes as they were checkpointed. Unless CTR_RESTORE_KEEP the
 * images are removed afterwards. Event "restore".
 * @return 0; CTR_E_STATE; CTR_E_NOENT (no such checkpoint); CTR_E_INVAL (a bad or unsafe
 *   archive: nothing is written outside the container's directories; or a restart policy
 *   that cannot be carried out, see ctr_restart_t); CTR_E_RUNTIME.
 */
CTR_API int ctr_restore(ctr_container_t *c, const ctr_restore_opts_t *opts);

/**
 * Create a new container from a checkpoint archive and restore it: the archive's config,
 * with name (NULL: a generated one) and a new id, its root filesystem changes (unless
 * CTR_RESTORE_IGNORE_ROOTFS), then ctr_restore().
 * @param[out] out the new container; release with ctr_container_free()
 * @return as ctr_create() and ctr_restore(); on failure no container is left.
 */
CTR_API int ctr_import(ctr_runtime_t *rt, const char *archive, const char *name,
		       const ctr_restore_opts_t *opts, ctr_container_t **out);

#ifdef __cplusplus
}
#endif

#endif /* CTR_FS_H */
