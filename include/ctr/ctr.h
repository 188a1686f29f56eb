/*
 * libctr - own the lifecycle of Linux containers from C.
 *
 * This header is the manual. Conventions that hold for every function:
 *
 * - Functions that can fail return int: 0 on success (a descriptor or a yes/no answer where
 *   the function says so), a negative CTR_E_* code on failure. On failure a message naming
 *   the container, the operation and the cause is readable with ctr_last_error() from the
 *   same thread.
 * - Output parameters come last and are named out or out_*; a count comes right after the
 *   array it counts. On failure they are left untouched.
 * - Every string or handle the library hands out is released by the *_free function named
 *   next to it (or ctr_free() where that is said). Every *_free(NULL) is a no-op.
 * - Options structs start with `size_t sz`; initialise them with CTR_OPTS() so that a
 *   newer library can tell how much of the struct the caller knows.
 * - Unless a function says otherwise, it is safe to call from several threads at once.
 */
#ifndef CTR_CTR_H
#define CTR_CTR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h> /* memset, for CTR_OPTS */
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define CTR_API __attribute__((visibility("default")))
#else
#define CTR_API
#endif

/** Version of this header. Compare with ctr_version_number() at run time. */
#define CTR_VERSION_MAJOR 1
#define CTR_VERSION_MINOR 1
#define CTR_VERSION_PATCH 0
#define CTR_VERSION_NUMBER (CTR_VERSION_MAJOR * 1000000 + CTR_VERSION_MINOR * 1000 + CTR_VERSION_PATCH)

/**
 * Declare and initialise an options struct: CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = d);
 * Every byte the fields do not cover (padding included) is zero: the library refuses an
 * options struct with a non-zero byte between the end of the last field it knows and sz,
 * so that a field added in a later version can never be read from an older caller's
 * garbage. Callers that fill a struct by other means memset() it to zero first.
 */
#if defined(__GNUC__)
#define CTR_OPTS(TYPE, NAME, ...)                                                           \
	TYPE NAME = __extension__({                                                         \
		memset(&NAME, 0, sizeof(TYPE));                                             \
		(TYPE){ .sz = sizeof(TYPE), __VA_ARGS__ };                                  \
	})
#else
#define CTR_OPTS(TYPE, NAME, ...) TYPE NAME = { .sz = sizeof(TYPE), __VA_ARGS__ }
#endif

/* ---------------------------------------------------------------------------------------
 * Versions and features
 */

/** @return the library's version, "1.0.0". Static storage; never freed. */
CTR_API const char *ctr_version(void);

/** @return the library's version as MAJOR*1000000 + MINOR*1000 + PATCH; never fails. */
CTR_API int ctr_version_number(void);

/**
 * Ask whether this build supports a feature.
 *
 * Known names: "seccomp" (seccomp profiles), "capabilities" (capability sets),
 * "spec-override" (raw OCI spec merge), "config-json" (ctr_config_from_json/_to_json),
 * "lifecycle" (init/start/stop/kill/wait/cleanup over the OCI runtime), "wait-fd"
 * (ctr_wait_fd), "pause", "exec" (exec sessions), "attach" (attach, resize, multiplexed
 * stream), "logs" (ctr_logs, log rotation), "layers" (overlay mounts), "export",
 * "artifacts", "checkpoint" (checkpoint, restore, import; CRIU must also work on the
 * machine: ctr_checkpoint() says CTR_E_NOTSUP when it does not), "images" (ctr/image.h,
 * from 1.1; pulls also need skopeo).
 *
 * @param name feature name
 * @return 1 if supported, 0 if not (or unknown), CTR_E_INVAL if name is NULL.
 */
CTR_API int ctr_has_feature(const char *name);

/* ---------------------------------------------------------------------------------------
 * Errors
 */

/* Codes with an errno meaning are -errno (values of Linux). */
#define CTR_E_INVAL (-22)    /**< invalid argument (-EINVAL) */
#define CTR_E_NOENT (-2)     /**< no such container (-ENOENT) */
#define CTR_E_EXISTS (-17)   /**< name already taken (-EEXIST) */
#define CTR_E_TIMEOUT (-110) /**< timed out (-ETIMEDOUT) */
#define CTR_E_NOTSUP (-95)   /**< not supported (-EOPNOTSUPP) */
#define CTR_E_IO (-5)        /**< I/O error; the failing call and path are in the message (-EIO) */
#define CTR_E_NOMEM (-12)    /**< out of memory (-ENOMEM) */
#define CTR_E_BUSY (-16)     /**< resource busy (-EBUSY) */
/* The library's own codes. */
#define CTR_E_STATE (-4000)    /**< operation not allowed in the container's current state */
#define CTR_E_STOPPED (-4001)  /**< container is already stopped */
#define CTR_E_REMOVED (-4002)  /**< the handle refers to a container that was removed */
#define CTR_E_RUNTIME (-4003)  /**< the OCI runtime failed; its error output is in the message */
#define CTR_E_STORE (-4004)    /**< the state database is corrupt or unreadable */
#define CTR_E_DEPEND (-4005)   /**< a dependency is not running, or the container has dependents */
#define CTR_E_MONITOR (-4006)  /**< the container monitor could not be started or died */
#define CTR_E_INTERNAL (-4007) /**< a bug in libctr */

/**
 * @param err a CTR_E_* code (or 0)
 * @return a short static description of the code; "unknown error" for unknown codes.
 */
CTR_API const char *ctr_strerror(int err);

/**
 * @return the message of the last failure in the calling thread, e.g.
 * "container web: cannot remove: container is running". Never NULL ("" before any
 * failure). The string belongs to the thread and stays valid until its next libctr call.
 */
CTR_API const char *ctr_last_error(void);

/** Release memory the library handed out where the header says "release with ctr_free()". */
CTR_API void ctr_free(void *p);

/* ---------------------------------------------------------------------------------------
 * Runtime context
 */

typedef struct ctr_runtime ctr_runtime_t;
typedef struct ctr_config ctr_config_t;
typedef struct ctr_container ctr_container_t;

/** Runtime flag: never fsync the database or state files (for tests and tmpfs). */
#define CTR_RUNTIME_NOSYNC 0x1u

/** Options of ctr_runtime_open(). Fields left NULL/0 take their defaults. */
typedef struct ctr_runtime_opts {
	size_t sz;               /**< sizeof(ctr_runtime_opts_t) */
	const char *state_dir;   /**< database and persistent data; default /var/lib/libctr */
	const char *run_dir;     /**< volatile state, locks, exit files; default /run/libctr */
	const char *oci_runtime; /**< OCI runtime, path or name on PATH; default "runc" */
	const char *monitor_path; /**< ctr-monitor; default the installed one, env CTR_MONITOR */
	unsigned flags;           /**< CTR_RUNTIME_* flags */
	unsigned runtime_timeout_ms; /**< limit of each OCI runtime call; default 30000 */
} ctr_runtime_opts_t;

/**
 * Open (creating if needed) a runtime context over a state and a run directory.
 *
 * Both directories are created with mode 0700. A directory that is a symbolic link, is
 * owned by another user or is writable by group or others is refused. The machine's boot id
 * (/proc/sys/kernel/random/boot_id) is read and recorded; see ctr_runtime_rebooted().
 * Several contexts, in one process or many, may use the same directories at once.
 *
 * @param opts options, or NULL for all defaults
 * @param[out] out the context; release with ctr_runtime_close()
 * @return 0; CTR_E_INVAL for bad options (NULL out, sz too small, unknown flags or
 *   non-zero bytes past the fields this library knows, an empty oci_runtime or
 *   monitor_path) and for a directory that is relative, not a directory, a symbolic link,
 *   owned by another user or writable by group or others; CTR_E_IO when a directory or the
 *   database cannot be created or written (the path and the system's reason, such as "No
 *   space left on device", are in the message), and when the boot id cannot be read
 *   (no /proc, or not a boot id in it: without it a reboot cannot be told, and nothing is
 *   reset); CTR_E_STORE when the database is not a valid TDB file (the file is left as it
 *   was); CTR_E_NOMEM.
 */
CTR_API int ctr_runtime_open(const ctr_runtime_opts_t *opts, ctr_runtime_t **out);

/**
 * Release a context. Container handles keep their own reference, so they may be freed
 * later. Containers themselves are not touched.
 */
CTR_API void ctr_runtime_close(ctr_runtime_t *rt);

/**
 * Whether, when rt was opened, the machine had been rebooted since the directories were
 * last used (the kernel's boot id differs from the one recorded in the state directory;
 * files missing from the run directory do not count).
 *
 * The opener that sees the reboot (exactly one) first resets every container, since
 * nothing of the last boot runs: CREATED, RUNNING and PAUSED become EXITED if they have
 * an earlier exit code, else CONFIGURED, and their state in ctr_inspect() shows
 * "reset_by_reboot" with the state they were in (until they start again); STOPPED becomes
 * EXITED; a container whose removal the reboot cut short is removed. A container whose
 * monitor, init or operation in progress still runs is left as it is, whatever the boot
 * ids say. Containers are not started again: a program that wants its containers back
 * after a reboot (restart policy always or unless-stopped) checks this flag and starts
 * them.
 * @return 1 if rebooted, 0 if not; CTR_E_INVAL if rt is NULL.
 */
CTR_API int ctr_runtime_rebooted(const ctr_runtime_t *rt);

/* ---------------------------------------------------------------------------------------
 * Container configuration
 *
 * A ctr_config_t is a builder: set what you need, pass it to ctr_create(), free it. Each
 * setter validates its input and leaves the config unchanged on failure. A config is not
 * safe to modify from several threads at once. Every setter fails with CTR_E_INVAL when
 * cfg is NULL, and those that copy strings with CTR_E_NOMEM when memory runs out; their
 * @return lines name the other cases.
 */

/**
 * Restart policies, applied when the container exits (see ctr_cleanup()). The monitor runs
 * ctr-cleanup (LIBEXECDIR/libctr/ctr-cleanup; env CTR_CLEANUP, read by ctr_runtime_open(),
 * names another) with the whole context the container was started from: directories, OCI
 * runtime, monitor_path, ctr-cleanup's path, runtime_timeout_ms and flags. A context whose
 * ctr-cleanup is not an executable regular file cannot carry a policy out: ctr_init(),
 * ctr_start(), ctr_restart() and ctr_restore() of a container with a policy other than
 * CTR_RESTART_NO fail up front with CTR_E_INVAL, e.g. "restart policy always needs
 * ctr-cleanup at /usr/local/libexec/libctr/ctr-cleanup: No such file or directory"
 * (ctr_create() does not check: the helper is needed from the first start on). A policy
 * restart obeys the dependencies as ctr_start() does (see ctr_cleanup()).
 */
typedef enum ctr_restart {
	CTR_RESTART_NO = 0,
	CTR_RESTART_ALWAYS = 1,
	CTR_RESTART_ON_FAILURE = 2,
	CTR_RESTART_UNLESS_STOPPED = 3,
	CTR_RESTART__FORCE_INT = 0x7fffffff
} ctr_restart_t;

/** Network modes. */
typedef enum ctr_network {
	CTR_NETWORK_NONE = 0, /**< a private network namespace with loopback only (default) */
	CTR_NETWORK_HOST = 1, /**< share the host's network namespace */
	CTR_NETWORK__FORCE_INT = 0x7fffffff
} ctr_network_t;

/**
 * @param[out] out a new empty config; release with ctr_config_free().
 * @return 0; CTR_E_INVAL (out NULL); CTR_E_NOMEM.
 */
CTR_API int ctr_config_new(ctr_config_t **out);
CTR_API void ctr_config_free(ctr_config_t *cfg);

/**
 * Name of the container, matching [a-zA-Z0-9][a-zA-Z0-9_.-]{0,252}. Without one,
 * ctr_create() generates a name.
 * @return 0; CTR_E_INVAL (cfg or name NULL, a name that does not match); CTR_E_NOMEM.
 */
CTR_API int ctr_config_set_name(ctr_config_t *cfg, const char *name);

/**
 * Absolute path of the root filesystem directory. Required (or layers, see
 * ctr_config_add_layer()); that it is a directory is checked by ctr_create().
 * @return 0; CTR_E_INVAL (cfg or path NULL, a relative path); CTR_E_NOMEM.
 */
CTR_API int ctr_config_set_rootfs(ctr_config_t *cfg, const char *path);

/**
 * Command and arguments, NULL-terminated, at least one element, the first non-empty.
 * Required.
 * @return 0; CTR_E_INVAL (cfg or argv NULL, argv empty or argv[0] ""); CTR_E_NOMEM.
 */
CTR_API int ctr_config_set_args(ctr_config_t *cfg, const char *const *argv);

/**
 * Environment, NULL-terminated "KEY=value" strings; replaces any earlier list. A list
 * without PATH gets docker's and podman's default,
 * PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; TERM=xterm is added
 * when the container has a terminal and HOSTNAME always, unless the list sets them.
 * @return 0; CTR_E_INVAL (cfg or envp NULL, an entry not of the form KEY=value with a
 *   non-empty KEY); CTR_E_NOMEM.
 */
CTR_API int ctr_config_set_env(ctr_config_t *cfg, const char *const *envp);

/**
 * Give the container a pseudo-terminal (1) or pipes (0, the default).
 * @return 0; CTR_E_INVAL (cfg NULL).
 */
CTR_API int ctr_config_set_terminal(ctr_config_t *cfg, int on);

/**
 * Keep the container's stdin open (1) for ctr_attach() clients to write to, or give it
 * /dev/null (0, the default). A terminal container always has its pty as stdin.
 * @return 0; CTR_E_INVAL (cfg NULL).
 */
CTR_API int ctr_config_set_stdin(ctr_config_t *cfg, int on);

/**
 * Limit of the container's log in bytes (at least 4096; 0, the default: no limit). When
 * the log would grow past it, it is renamed to a previous file (replacing the older one)
 * and a new log starts, so at most about twice the limit is kept. ctr_logs() reads both.
 * @return 0; CTR_E_INVAL (cfg NULL, a limit below 4096 other than 0, or above INT64_MAX).
 */
CTR_API int ctr_config_set_log_size_max(ctr_config_t *cfg, uint64_t bytes);

/** Signal sent by ctr_stop() first, 1..64. Default SIGTERM. @return 0; CTR_E_INVAL. */
CTR_API int ctr_config_set_stop_signal(ctr_config_t *cfg, int sig);

/** Seconds ctr_stop() waits before SIGKILL. Default 10. @return 0; CTR_E_INVAL (cfg NULL). */
CTR_API int ctr_config_set_stop_timeout(ctr_config_t *cfg, unsigned seconds);

/**
 * @param policy a CTR_RESTART_* value
 * @param max_retries for CTR_RESTART_ON_FAILURE, the most restarts (0: unlimited); must
 *   be 0 for the other policies
 * @return 0; CTR_E_INVAL (cfg NULL, an unknown policy, max_retries with another policy).
 */
CTR_API int ctr_config_set_restart_policy(ctr_config_t *cfg, ctr_restart_t policy,
					  unsigned max_retries);

/**
 * Add a container this one depends on. ctr_create() resolves it (name, id or unique id
 * prefix) and fails with CTR_E_NOENT when it does not exist. Adding one twice adds it once.
 * @return 0; CTR_E_INVAL (cfg or name_or_id NULL, name_or_id empty); CTR_E_NOMEM.
 */
CTR_API int ctr_config_add_dependency(ctr_config_t *cfg, const char *name_or_id);

/**
 * Working directory of the process, absolute. Default "/".
 * @return 0; CTR_E_INVAL (cfg or path NULL, a relative path); CTR_E_NOMEM.
 */
CTR_API int ctr_config_set_cwd(ctr_config_t *cfg, const char *path);

/**
 * The user and group the process runs as, as podman's --user: "USER[:GROUP]", each a name
 * or a number ("nginx", "1000:1000", "www-data:adm"). Names are looked up in the container's
 * /etc/passwd and /etc/group when each run begins (ctr_init, ctr_start, a restart), read
 * inside its root filesystem. Without GROUP the gid is the passwd entry's (0 for a uid
 * that has none) and the groups in /etc/group that list the user are added; with GROUP
 * only that group. NULL: the default, "0:0" (root).
 * @return 0; CTR_E_INVAL (cfg NULL, a malformed user; a name not found fails the run
 *   instead: CTR_E_INVAL naming the file); CTR_E_NOMEM.
 */
CTR_API int ctr_config_set_user(ctr_config_t *cfg, const char *user);

/**
 * Host name inside the container (1..63 chars of [a-zA-Z0-9.-], not starting with '-' or
 * '.'). Default: the id's first 12 chars.
 * @return 0; CTR_E_INVAL (cfg or hostname NULL, an invalid name); CTR_E_NOMEM.
 */
CTR_API int ctr_config_set_hostname(ctr_config_t *cfg, const char *hostname);

/**
 * The container's capability set, NULL-terminated, names as "CAP_NET_ADMIN" or
 * "net_admin" (any case). NULL restores the default set; an empty list drops all.
 * @return 0; CTR_E_INVAL (cfg NULL, or naming the first unknown capability); CTR_E_NOMEM.
 */
CTR_API int ctr_config_set_capabilities(ctr_config_t *cfg, const char *const *caps);

/**
 * The default capability set (runc's, podman's and docker's), which a container has until
 * ctr_config_set_capabilities() is called: "CAP_CHOWN", ... NULL-terminated. A caller adds
 * to it or takes from it (podman's --cap-add and --cap-drop) and sets the result.
 * @return static storage; never freed.
 */
CTR_API const char *const *ctr_default_capabilities(void);

/**
 * Seccomp filter: NULL or "default" for the built-in profile, "unconfined" for none, or the
 * path of a profile file in OCI JSON (linux.seccomp of the runtime spec). The file is read
 * and checked now: every syscall name must be known to libseccomp.
 *
 * The built-in profile is an allowlist, never looser than podman's (containers-common's
 * seccomp.json): a system call not on it fails with ENOSYS, as on a kernel without it
 * (io_uring, clone3, calls newer than the list). It follows the capability set: the calls
 * of a capability the container lacks fail with EPERM (chroot without CAP_SYS_CHROOT;
 * mount, setns, bpf without CAP_SYS_ADMIN; ptrace without CAP_SYS_PTRACE; clock setting
 * without CAP_SYS_TIME; module loading, reboot, syslog...), as do keyrings, swap, kexec,
 * vmsplice, userfaultfd and other calls refused whatever the capabilities. Without
 * CAP_SYS_ADMIN, clone and unshare fail with EPERM when asked for a new namespace (a user
 * namespace included). personality is limited to the Linux personas; the rest of
 * docs/design.md ("Seccomp") lists what differs from podman and why. The capability set is
 * the one ctr_config_set_capabilities() gives, not one a spec override writes.
 * @return 0; CTR_E_INVAL (cfg NULL; naming an unknown syscall or action, a file that is
 *   not JSON, not a regular file or cannot be read, with the system's reason);
 *   CTR_E_NOMEM.
 */
CTR_API int ctr_config_set_seccomp(ctr_config_t *cfg, const char *profile);

/** Memory limit in bytes; 0 for none. @return 0; CTR_E_INVAL (cfg NULL, above INT64_MAX). */
CTR_API int ctr_config_set_memory_limit(ctr_config_t *cfg, uint64_t bytes);

/**
 * Most processes the container may have; 0 for no limit.
 * @return 0; CTR_E_INVAL (cfg NULL, max < 0).
 */
CTR_API int ctr_config_set_pids_limit(ctr_config_t *cfg, int64_t max);

/**
 * Mount the root filesystem read-only (1) or read-write (0, the default).
 * @return 0; CTR_E_INVAL (cfg NULL).
 */
CTR_API int ctr_config_set_readonly_rootfs(ctr_config_t *cfg, int on);

/**
 * Add a mount.
 * @param source host path (absolute for bind mounts) or a device/fs name
 * @param destination absolute path in the container, without ".." components
 * @param type filesystem type; NULL means "bind"
 * @param options comma-separated mount options ("rbind,ro"); NULL means "rbind" for bind
 *   mounts and none otherwise
 * @return 0; CTR_E_INVAL (cfg, source or destination NULL; an empty source or type; a
 *   relative destination, or one with a ".." component; a relative source of a bind mount
 *   (type "bind", or option bind or rbind); an empty option); CTR_E_NOMEM.
 */
CTR_API int ctr_config_add_mount(ctr_config_t *cfg, const char *source, const char *destination,
				 const char *type, const char *options);

/** Network mode, a CTR_NETWORK_* value. @return 0; CTR_E_INVAL (cfg NULL, another value). */
CTR_API int ctr_config_set_network(ctr_config_t *cfg, ctr_network_t mode);

/**
 * Set a label (kept in the store, shown by ctr_inspect()); value NULL removes it.
 * @return 0; CTR_E_INVAL (cfg or key NULL, key empty); CTR_E_NOMEM.
 */
CTR_API int ctr_config_set_label(ctr_config_t *cfg, const char *key, const char *value);

/**
 * Set an OCI annotation (written to the runtime spec); value NULL removes it.
 * @return 0; CTR_E_INVAL (cfg or key NULL, key empty); CTR_E_NOMEM.
 */
CTR_API int ctr_config_set_annotation(ctr_config_t *cfg, const char *key, const char *value);

/**
 * A JSON object merged into the generated OCI spec as an RFC 7386 merge patch (objects
 * merge recursively, null deletes, anything else replaces). NULL clears it.
 * @return 0; CTR_E_INVAL (cfg NULL, json not a JSON object); CTR_E_NOMEM.
 */
CTR_API int ctr_config_set_spec_override(ctr_config_t *cfg, const char *json);

/**
 * Build a config from its JSON form (the form ctr_config_to_json() writes). Every field
 * is checked as its setter checks it; unknown fields are refused.
 * @param[out] out the new config; release with ctr_config_free()
 * @return 0; CTR_E_INVAL (json or out NULL, not a JSON object, or naming the bad or
 *   unknown field); CTR_E_NOMEM.
 */
CTR_API int ctr_config_from_json(const char *json, ctr_config_t **out);

/**
 * @param[out] out the config as JSON text; release with ctr_free().
 * @return 0; CTR_E_INVAL (cfg or out NULL); CTR_E_NOMEM.
 */
CTR_API int ctr_config_to_json(const ctr_config_t *cfg, char **out);

/* ---------------------------------------------------------------------------------------
 * Containers
 */

/** Container states. */
typedef enum ctr_state {
	CTR_STATE_UNKNOWN = 0,
	CTR_STATE_CONFIGURED = 1, /**< created in the store, no runtime state */
	CTR_STATE_CREATED = 2,    /**< the runtime created it; the process has not started */
	CTR_STATE_RUNNING = 3,
	CTR_STATE_STOPPED = 4, /**< the process is gone; runtime state still present */
	CTR_STATE_PAUSED = 5,
	CTR_STATE_EXITED = 6,   /**< runtime state released; exit code kept */
	CTR_STATE_REMOVING = 7, /**< being removed */
	CTR_STATE__FORCE_INT = 0x7fffffff
} ctr_state_t;

/**
 * Create a container from a config: it is written to the store in state CONFIGURED with
 * a new 64-hex-digit id, and its OCI bundle (config.json) is written under the state
 * directory. Nothing runs yet.
 *
 * @param[out] out a handle; release with ctr_container_free()
 * @return 0; CTR_E_INVAL (rt, cfg or out NULL; missing or bad rootfs or layer, with the
 *   path; both rootfs and layers; no args; a bad field; a dependency's id prefix that
 *   matches several); CTR_E_EXISTS when the name is taken (the existing container is not
 *   touched); CTR_E_NOENT for an unknown dependency (or one removed meanwhile); CTR_E_IO
 *   when the bundle or the database cannot be written; CTR_E_STORE when the database is
 *   damaged; CTR_E_NOMEM.
 */
CTR_API int ctr_create(ctr_runtime_t *rt, const ctr_config_t *cfg, ctr_container_t **out);

/**
 * Find a container by full id, name, or unique id prefix (in that order).
 *
 * A container whose records are damaged still has a handle, so that it can be removed
 * with ctr_remove(c, CTR_FORCE): by full id as long as any of its records is left (named
 * by its id when its own name cannot be read), by name while its name record is intact
 * (a damaged one is CTR_E_STORE; ctr_list() shows the container's id). Operations on such
 * a handle fail with CTR_E_STORE.
 * @param[out] out a handle; release with ctr_container_free()
 * @return 0; CTR_E_NOENT when nothing matches; CTR_E_INVAL (rt, name_or_id or out NULL,
 *   name_or_id empty, a prefix that matches several); CTR_E_STORE when the name's record is
 *   damaged; CTR_E_IO when the database cannot be read; CTR_E_NOMEM.
 */
CTR_API int ctr_lookup(ctr_runtime_t *rt, const char *name_or_id, ctr_container_t **out);

/**
 * List all containers, sorted by name. A container whose records are damaged is still
 * listed (under its id when its name cannot be read); operations on it fail with
 * CTR_E_STORE, and ctr_remove() with CTR_FORCE removes it.
 * @param[out] out array of handles; release with ctr_list_free()
 * @param[out] out_count number of handles
 * @return 0; CTR_E_INVAL (an argument NULL); CTR_E_STORE when the database is damaged;
 *   CTR_E_IO when the system refuses to read it; CTR_E_NOMEM.
 */
CTR_API int ctr_list(ctr_runtime_t *rt, ctr_container_t ***out, size_t *out_count);

/** Free an array from ctr_list() and the handles in it. */
CTR_API void ctr_list_free(ctr_container_t **list, size_t count);

/** Free a handle. The container itself is not touched. */
CTR_API void ctr_container_free(ctr_container_t *c);

/** @return the 64-hex-digit id; valid as long as the handle. */
CTR_API const char *ctr_id(const ctr_container_t *c);

/** @return the name; valid as long as the handle. */
CTR_API const char *ctr_name(const ctr_container_t *c);

/**
 * Read the container's state, synced with reality first (see "Lifecycle"; the container's
 * lock is taken only when the sync has something to record, such as an exit).
 * @return 0; CTR_E_INVAL (c or out NULL); CTR_E_REMOVED if the container was removed;
 *   CTR_E_STORE if its record is damaged; CTR_E_IO when the database, the container's lock
 *   file or its monitor's exit file cannot be read or written; CTR_E_NOMEM; and when the
 *   sync has to finish an operation whose caller died or to kill a container whose monitor
 *   died, the errors of the runtime (CTR_E_RUNTIME, CTR_E_TIMEOUT), or CTR_E_MONITOR for an
 *   exit file of an unknown protocol. Every function below that says "other errors as
 *   ctr_state()" syncs the same way and can fail in all of these ways.
 */
CTR_API int ctr_state(ctr_container_t *c, ctr_state_t *out);

/** @return "configured", "running", ...; "unknown" for values out of range. Static. */
CTR_API const char *ctr_state_name(ctr_state_t s);

/**
 * Describe the container as JSON: {"id","name","created","state":{...},"config":{...},
 * "labels":{...},"dependencies":[...],"paths":{"bundle","spec","run_dir","lock"},
 * "exec_sessions":[...]}; docs/inspect.md documents every field.
 * @param[out] out_json the text; release with ctr_free()
 * @return 0; CTR_E_INVAL (c or out_json NULL); CTR_E_STORE when a record is damaged;
 *   CTR_E_NOMEM; other errors as ctr_state().
 */
CTR_API int ctr_inspect(ctr_container_t *c, char **out_json);

/**
 * Remove a container: its records, its name, its bundle and its log. Allowed in states
 * CONFIGURED, CREATED, STOPPED and EXITED. The runtime's state goes too: a CREATED
 * container is deleted from the runtime first; a stopped one's state is deleted by its
 * monitor right after the exit (and by ctr_remove if it is left over): ctr_remove waits
 * for that deletion (at most runtime_timeout_ms and a margin), so no runtime call of the
 * container runs any more when it returns. A RUNNING or
 * PAUSED container is refused unless CTR_FORCE is given: then it is stopped first as by
 * ctr_stop() with its configured stop timeout. A container others depend on is refused
 * (CTR_E_DEPEND naming them) unless CTR_FORCE is given; their later starts then fail with
 * CTR_E_DEPEND ("dependency ... was removed").
 *
 * A container whose records are damaged (its operations fail with CTR_E_STORE) is refused
 * with CTR_E_STORE without CTR_FORCE. With CTR_FORCE, everything found by its id goes,
 * whatever its records say: the runtime's state (`delete --force`, which kills it), the
 * monitor the runtime names, its exec sessions, its overlay, its records and name, its
 * bundle, log and run files; the remove then succeeds.
 * @param flags 0 or CTR_FORCE
 * @return 0; CTR_E_STATE (running without CTR_FORCE); CTR_E_DEPEND; CTR_E_REMOVED if
 *   already removed; CTR_E_INVAL (c NULL, unknown flags); CTR_E_RUNTIME or CTR_E_TIMEOUT
 *   if the runtime cannot delete it (nothing else is deleted then); with CTR_FORCE, the
 *   errors of the stop (see ctr_stop()); CTR_E_STORE for damaged records without
 *   CTR_FORCE; CTR_E_IO when the database cannot be written (a full disk) or the overlay
 *   cannot be unmounted; other errors as ctr_state().
 */
CTR_API int ctr_remove(ctr_container_t *c, unsigned flags);

/* ---------------------------------------------------------------------------------------
 * Lifecycle
 *
 * Every operation takes the container's lock (shared by all threads and processes using
 * the same directories), first syncs the recorded state with reality (the monitor's exit
 * file, whether the monitor is alive, the runtime's state), checks the state table and
 * refuses with CTR_E_STATE naming the current state. No lock is held while waiting: a
 * stop's timeout or a ctr_wait() never blocks other callers.
 *
 * A process killed in the middle of an operation leaves an owner record; the next caller
 * finishes or rolls the operation back (see docs/design.md, "Interrupted operations").
 * A monitor that dies leaves its container without a supervisor: the next sync kills the
 * container and records it STOPPED with exit code 137 (or -1 when it had already exited
 * and its code is lost), and ctr_inspect() shows "monitor_lost": true.
 *
 * Every function here also fails as ctr_state() does (a NULL c is CTR_E_INVAL, a removed
 * container CTR_E_REMOVED, damaged records CTR_E_STORE, ...): "other errors as
 * ctr_state()" in their @return lines.
 */

#define CTR_RECURSIVE 0x1u /**< ctr_init/ctr_start: start the dependencies first */
#define CTR_FORCE 0x2u     /**< ctr_remove, ctr_exec_remove, ctr_unmount: see each */

/**
 * Create the container in the OCI runtime: CONFIGURED, STOPPED or EXITED -> CREATED. The
 * monitor is started and holds the container; its process exists but has not run yet.
 * Every dependency must be RUNNING; with CTR_RECURSIVE those that are not are started
 * first (theirs before them; independent ones in parallel threads).
 * @param flags 0 or CTR_RECURSIVE
 * @return 0; CTR_E_STATE; CTR_E_DEPEND naming a dependency that does not run (or could
 *   not be started, with its error); CTR_E_RUNTIME with the runtime's message (state unchanged,
 *   nothing left behind); CTR_E_MONITOR with the monitor's path when it cannot be run;
 *   CTR_E_TIMEOUT when the runtime hung (it is killed), or when the monitor has not
 *   answered within runtime_timeout_ms plus 5 s (it is killed; the container's state is
 *   unchanged and its lock free again); CTR_E_INVAL for unknown flags, and, before
 *   anything starts, when the container has a restart policy and the context's ctr-cleanup
 *   is not an executable file (see ctr_restart_t), or, before the monitor starts, for a
 *   user or group name the container's /etc/passwd or /etc/group does not list (see
 *   ctr_config_set_user()); CTR_E_IO when the overlay cannot be mounted or a file written;
 *   other errors as ctr_state().
 */
CTR_API int ctr_init(ctr_container_t *c, unsigned flags);

/**
 * Start the container: -> RUNNING. A CONFIGURED, STOPPED or EXITED container is created
 * first (one runtime call, `run --detach`). Refused for RUNNING and PAUSED.
 * @return as ctr_init(); CTR_E_STATE also when a CREATED container's process was killed
 *   meanwhile (e.g. by another process's stop) before its exit was recorded.
 */
CTR_API int ctr_start(ctr_container_t *c, unsigned flags);

/**
 * Stop the container: send its stop signal, wait up to the timeout, then SIGKILL. Returns
 * when the process has exited (state STOPPED). A CREATED container is killed at once.
 * @param timeout_s seconds before SIGKILL, up to INT_MAX; 0: SIGKILL at once; < 0: the
 *   configured stop timeout
 * A stop that fails (the runtime's kill fails or times out, or the container outlives
 * SIGKILL) leaves the container's record as it found it: still RUNNING, no stop pending
 * that a later caller would finish, and a restart policy still in force. A signal that
 * reached the container before the failure cannot be taken back.
 * @return 0; CTR_E_STOPPED when already STOPPED or EXITED; CTR_E_STATE when CONFIGURED;
 *   CTR_E_RUNTIME or CTR_E_TIMEOUT when the runtime's kill fails or hangs; CTR_E_TIMEOUT
 *   when the container still runs 10 s after SIGKILL; other errors as ctr_state().
 */
CTR_API int ctr_stop(ctr_container_t *c, int timeout_s);

/**
 * Send a signal to the container's init process. Only in states RUNNING and PAUSED (a
 * paused container is thawed after a SIGKILL, so that it dies; other signals reach it when
 * it is unpaused).
 * @param signal 1..64
 * @return 0; CTR_E_INVAL for an invalid signal; CTR_E_STATE in another state, or when the
 *   process has exited meanwhile; CTR_E_RUNTIME or CTR_E_TIMEOUT when the runtime's kill
 *   fails or hangs; other errors as ctr_state().
 */
CTR_API int ctr_kill(ctr_container_t *c, int signal);

/**
 * Freeze every process of the container (`runc pause`): RUNNING -> PAUSED. A paused
 * container can be stopped, killed or removed with CTR_FORCE (it is thawed for that).
 * @return 0; CTR_E_STATE when not RUNNING, or when it exited as it was frozen;
 *   CTR_E_RUNTIME (e.g. no freezer cgroup) or CTR_E_TIMEOUT when the runtime fails or
 *   hangs; other errors as ctr_state().
 */
CTR_API int ctr_pause(ctr_container_t *c);

/**
 * Thaw a paused container: PAUSED -> RUNNING.
 * @return 0; CTR_E_STATE when not PAUSED (or it has exited); CTR_E_RUNTIME or
 *   CTR_E_TIMEOUT when the runtime fails or hangs; other errors as ctr_state().
 */
CTR_API int ctr_unpause(ctr_container_t *c);

/**
 * Stop (if running) and start again. A restart policy that cannot be carried out (see
 * ctr_restart_t) is refused with CTR_E_INVAL before the stop.
 * @param timeout_s as for ctr_stop()
 * @return 0; CTR_E_INVAL (c NULL, the restart policy); the errors of ctr_stop() but
 *   CTR_E_STOPPED and CTR_E_STATE (a container that does not run is just started), then
 *   those of ctr_start().
 */
CTR_API int ctr_restart(ctr_container_t *c, int timeout_s);

/**
 * Wait while the container runs (state RUNNING or PAUSED), then read its last exit code.
 * A container in any other state is not waited for: ctr_wait returns at once, also for
 * CONFIGURED (e.g. after a failed start) and CREATED, whose process has not run (as
 * libpod's Wait). To wait until a container reaches a state, e.g. a CREATED one STOPPED
 * once started and ended, use ctr_wait_condition(). Waiting holds no lock.
 * @param timeout_ms the longest wait; -1: forever; 0: just check
 * @param[out] out_exit_code may be NULL: N for exit(N), 128+S when killed by signal S; -1
 *   when there is none: the container has never exited (it never ran, or its first run
 *   is CREATED), or the exit was lost (the monitor died after the container exited). A
 *   container CREATED again after a run gives that run's exit code.
 * @return 0; CTR_E_TIMEOUT; CTR_E_REMOVED when the container is removed meanwhile;
 *   CTR_E_IO when the inotify watch cannot be set up; other errors as ctr_state().
 */
CTR_API int ctr_wait(ctr_container_t *c, int timeout_ms, int *out_exit_code);

/**
 * Wait until the container is in the given state, whatever state it is in now (a
 * CONFIGURED container is waited for until it has been started, and for
 * CTR_STATE_STOPPED, until it has ended). For CTR_STATE_STOPPED and CTR_STATE_EXITED
 * either of the two satisfies it. Other states are noticed when an operation on the
 * container completes (event-driven, no polling).
 * @return 0; CTR_E_TIMEOUT; CTR_E_INVAL for CTR_STATE_UNKNOWN or out-of-range values;
 *   CTR_E_REMOVED; CTR_E_IO when the inotify watch cannot be set up; other errors as
 *   ctr_state().
 */
CTR_API int ctr_wait_condition(ctr_container_t *c, ctr_state_t state, int timeout_ms);

/**
 * A descriptor for poll()/epoll that becomes readable when the container's current run
 * has ended. It is a pidfd on the container's monitor (readable when the monitor has
 * written the exit file and exited; where pidfds are unavailable, before Linux 5.3, a
 * pipe that libctr makes readable within 20 ms of that); for a STOPPED or EXITED
 * container it is readable at once; for a CREATED one, when its run has ended (as
 * ctr_wait_condition() for CTR_STATE_STOPPED, not ctr_wait(), which returns at once for
 * it). After it is readable, ctr_wait(c, 0, &code) gives the exit code.
 * @return the descriptor (close-on-exec; the caller closes it); CTR_E_STATE for a
 *   CONFIGURED container (nothing runs yet); other errors as ctr_state().
 */
CTR_API int ctr_wait_fd(ctr_container_t *c);

/**
 * Release the runtime resources of a STOPPED container: STOPPED -> EXITED. The exit code
 * is kept. CONFIGURED and EXITED are accepted and left as they are; CREATED, RUNNING and
 * PAUSED are refused.
 *
 * The restart policy is applied here: when it restarts the container (on-failure with a
 * non-zero exit and retries left, always, unless-stopped; never after a ctr_stop() or
 * ctr_kill() by the user), ctr_cleanup() waits out the backoff (none for the first
 * restart, then 100 ms doubling per restart, at most 10 s, from the exit; no lock held)
 * and starts it again instead. For
 * containers with a policy the monitor runs ctr-cleanup at each exit, so this happens
 * even when no program using libctr runs. The restart obeys the rule of ctr_start(): when
 * a dependency is not RUNNING or was removed (before the backoff or after it), the
 * container is not restarted but cleaned up (EXITED, exit code and restart_count kept) and
 * the "cleanup" event's attribute "restart_skipped" holds the reason, e.g. "container web:
 * cannot restart: dependency db is stopped, not running".
 * @return 0; CTR_E_STATE for CREATED, RUNNING and PAUSED; CTR_E_RUNTIME or CTR_E_TIMEOUT
 *   when the runtime cannot release the container; CTR_E_IO when the overlay cannot be
 *   unmounted; when the policy restarts it, the errors of the start (see ctr_start()); other
 *   errors as ctr_state().
 */
CTR_API int ctr_cleanup(ctr_container_t *c);

/**
 * Sync the recorded state with reality now, asking the runtime for the container's state
 * too (other operations only look at the exit file and the monitor).
 * @return 0; CTR_E_RUNTIME or CTR_E_TIMEOUT when the runtime's state cannot be read; other
 *   errors as ctr_state().
 */
CTR_API int ctr_sync(ctr_container_t *c);

/** The function ctr_batch() runs; its return value is ctr_batch()'s. */
typedef int (*ctr_batch_fn)(ctr_container_t *c, void *userdata);

/**
 * Run fn(c, userdata) holding c's lock, synced once. Operations on the same container
 * inside fn (through c or any other handle of it, from the calling thread) neither take
 * the lock again nor ask the runtime again; they still notice the monitor's exit file, so
 * a ctr_stop() inside fn ends in STOPPED. Operations on other containers work as usual.
 * Other threads and processes wait for c's lock until fn returns, so fn must not wait for
 * them (a ctr_wait_condition() for another process's operation on c would time out).
 * The lock is released whatever fn returns.
 * @return fn's return value; CTR_E_INVAL (c or fn NULL); CTR_E_BUSY when called inside a
 *   batch on the same container (from fn); errors of the lock and the sync, as ctr_state()
 *   (fn is not called then).
 */
CTR_API int ctr_batch(ctr_container_t *c, ctr_batch_fn fn, void *userdata);

/**
 * The container's init pid (in the caller's pid namespace), 0 when no process exists
 * (CONFIGURED, STOPPED, EXITED).
 * @return 0; CTR_E_INVAL (c or out NULL); other errors as ctr_state().
 */
CTR_API int ctr_pid(ctr_container_t *c, pid_t *out);

/**
 * The exit code of the container's last run: N for exit(N), 128+S for signal S, -1 when
 * it was lost with its monitor. Kept across cleanup and restart until the next exit.
 * @return 0; CTR_E_STATE when the container has never exited; CTR_E_INVAL (c or out NULL);
 *   other errors as ctr_state().
 */
CTR_API int ctr_exit_code(ctr_container_t *c, int *out);

#ifdef __cplusplus
}
#endif

#include "events.h" /* the event log */
#include "io.h" /* exec sessions, attach, logs */
#include "fs.h" /* layers, mounts, export, artifacts, checkpoint and restore */
#include "image.h" /* images: import, pull, list, inspect, tag, remove; containers from them */
#include "net.h" /* networks: bridges, containers joined to them, published ports */

#endif /* CTR_CTR_H */
