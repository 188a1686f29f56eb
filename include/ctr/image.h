/*
 * libctr - images: import and pull OCI and docker images, list, inspect, tag and remove
 * them, and create containers from them. Symbols of version LIBCTR_1.1.
 *
 * Included by <ctr/ctr.h>; do not include it on its own. The conventions of ctr.h hold.
 *
 * An image is a stack of layers and a config (the process it runs, its environment,
 * working directory, user, stop signal, labels). Its id is the hex sha256 of its config
 * blob; its names are references "NAME:TAG" (a NAME without a tag means NAME:latest; no
 * registry host is added). Each layer is unpacked once into STATE/layers/<diff id hex>/
 * and shared by every image and container that uses it; image, name and layer records
 * live in the store. Every blob is verified against its sha256 digest. An import is all
 * or nothing: what a killed importer leaves (a temporary directory, a layer no image
 * records) is deleted by the next import, image removal or ctr_runtime_open().
 *
 * Where a call takes a reference (ref), it is a name ("NAME[:TAG]"), a full id or a
 * unique id prefix of at least 12 hex digits.
 */
#ifndef CTR_IMAGE_H
#define CTR_IMAGE_H

#ifndef CTR_CTR_H
#error "include <ctr/ctr.h>, not <ctr/image.h>"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** Options of ctr_image_import(); NULL for the defaults. */
typedef struct {
	size_t sz; /**< sizeof(ctr_image_import_opts_t), set by CTR_OPTS() */
	/** The name to give the image, "NAME[:TAG]"; NULL: the names the archive carries
	 *  (docker-archive RepoTags, an OCI ref.name annotation that is a whole reference:
	 *  a bare tag names nothing), else none. Must be NULL for a multi-image archive. */
	const char *name;
	unsigned flags; /**< 0 */
} ctr_image_import_opts_t;

/**
 * Import the image or images at path: an OCI image layout directory, an oci-archive tar
 * or a docker-archive tar (`podman save`, `docker save`), the format detected; layers
 * gzip, zstd or uncompressed. An image already present keeps its id, gains the new names
 * and unpacks nothing again. A name another image had moves to this one. Imports, image
 * removals and ctr_create() of an image container exclude each other for their store
 * part (an image lock in the state directory).
 * @param[out] out_id the image id (of the first image of a multi-image archive), 64 hex
 *   digits; release with ctr_free(). May be NULL.
 * @return 0; CTR_E_INVAL (rt or path NULL; unknown flags; opts.name not a valid reference
 *   or given for a multi-image archive; an unknown format, naming path; a blob whose
 *   content does not match its digest, naming the digest; an archive entry that is
 *   absolute, has "..", or goes through a symbolic link or out of its layer, naming the
 *   entry; a damaged manifest or config); CTR_E_NOENT (path does not exist); CTR_E_IO (a
 *   file not readable or writable, the disk full: the store is unchanged); CTR_E_STORE;
 *   CTR_E_NOMEM.
 */
CTR_API int ctr_image_import(ctr_runtime_t *rt, const char *path,
			     const ctr_image_import_opts_t *opts, char **out_id);

/** Options of ctr_image_pull(); NULL for the defaults. */
typedef struct {
	size_t sz; /**< sizeof(ctr_image_pull_opts_t), set by CTR_OPTS() */
	/** The name to give the image; NULL: a "docker://REF" source names it REF
	 *  ("docker://127.0.0.1:5000/bb:1" gives "127.0.0.1:5000/bb:1"); other transports
	 *  (oci:, oci-archive:, docker-archive:, dir:) name nothing. */
	const char *name;
	/** A registry credentials file (containers-auth.json(5)) given to skopeo; NULL:
	 *  skopeo's default. */
	const char *auth_file;
	unsigned flags;	     /**< 0 or CTR_PULL_INSECURE */
	unsigned timeout_ms; /**< skopeo is killed after this; 0: 300000 (5 minutes) */
} ctr_image_pull_opts_t;

/** Plain HTTP and unverified TLS (a local test registry). */
#define CTR_PULL_INSECURE 0x1u

/**
 * Fetch an image with the skopeo binary (found on PATH or in /usr/bin and the other
 * system directories; the environment variable CTR_SKOPEO names another; spawned like the OCI runtime, and
 * killed at opts.timeout_ms) into a temporary OCI layout in the state directory, then
 * import it as ctr_image_import() does. The image's signature policy is skopeo's
 * (/etc/containers/policy.json).
 * @param source a skopeo transport reference, e.g. "docker://127.0.0.1:5000/bb:1"
 * @param[out] out_id as ctr_image_import(); may be NULL.
 * @return 0; CTR_E_INVAL (rt or source NULL, unknown flags, a bad name); CTR_E_RUNTIME
 *   (skopeo missing, naming it, or failing, with its message); CTR_E_TIMEOUT (skopeo
 *   killed at the timeout); the errors of ctr_image_import().
 */
CTR_API int ctr_image_pull(ctr_runtime_t *rt, const char *source,
			   const ctr_image_pull_opts_t *opts, char **out_id);

/**
 * The ids of all images, in no particular order.
 * @param[out] out_ids NULL-terminated; release with ctr_strv_free()
 * @param[out] out_count their number (required)
 * @return 0; CTR_E_INVAL (an argument NULL); CTR_E_STORE; CTR_E_NOMEM.
 */
CTR_API int ctr_image_list(ctr_runtime_t *rt, char ***out_ids, size_t *out_count);

/**
 * An image as JSON (docs/inspect.md): {"id", "names", "created" (RFC 3339, the config's),
 * "size" (bytes of its unpacked layers), "layers" (diff id hexes, lowest first),
 * "config": {"env", "entrypoint", "cmd", "working_dir", "user", "stop_signal" (the image's
 * string, e.g. "SIGUSR1"), "labels", "exposed_ports" (e.g. ["8080/tcp"])}}.
 * @param[out] out_json release with ctr_free()
 * @return 0; CTR_E_INVAL (an argument NULL, an ambiguous id prefix); CTR_E_NOENT (no such
 *   image); CTR_E_STORE; CTR_E_NOMEM.
 */
CTR_API int ctr_image_inspect(ctr_runtime_t *rt, const char *ref, char **out_json);

/**
 * Give the image ref another name, "NAME[:TAG]". A name another image had moves to this
 * one.
 * @return 0; CTR_E_INVAL (an argument NULL, name not a valid reference, an ambiguous id
 *   prefix); CTR_E_NOENT (no such image); CTR_E_STORE; CTR_E_NOMEM.
 */
CTR_API int ctr_image_tag(ctr_runtime_t *rt, const char *ref, const char *name);

/**
 * Remove an image. When ref is one of several names of the image, only that name goes.
 * Otherwise the image goes with all its names, and its layers that no other image uses
 * are deleted.
 * @param flags 0
 * @return 0; CTR_E_INVAL (rt or ref NULL, unknown flags, an ambiguous id prefix);
 *   CTR_E_NOENT (no such image); CTR_E_BUSY (a container, in any state, was created from
 *   the image: the message names one); CTR_E_IO; CTR_E_STORE; CTR_E_NOMEM.
 */
CTR_API int ctr_image_remove(ctr_runtime_t *rt, const char *ref, unsigned flags);

/**
 * Create the container from an image: its root filesystem is an overlay of the image's
 * layers with an upper directory of its own (as for ctr_config_add_layer()), and its
 * process defaults come from the image's config: args = entrypoint + cmd
 * (ctr_config_set_args() replaces the cmd, ctr_config_set_entrypoint() the entrypoint),
 * environment = the image's overlaid by ctr_config_set_env()'s entries, working directory,
 * user (a name is looked up in the image's /etc/passwd and /etc/group at each run, as
 * ctr_config_set_user() says), stop signal and labels, each unless the config sets it.
 * ctr_create() resolves ref (CTR_E_NOENT when no image matches); ctr_inspect() then shows
 * "image": {"id", "ref"}. Exclusive with ctr_config_set_rootfs() and
 * ctr_config_add_layer(). In the JSON form: "image": "REF". The config ctr_create() stores
 * is the layered one, with "image_id": the image's id; a config that has one (such as a
 * checkpoint archive's, read by ctr_import()) holds that image too, and its ctr_create()
 * fails with CTR_E_NOENT when the image is not in the store.
 * @return 0; CTR_E_INVAL (cfg or ref NULL, ref neither a valid reference nor an id
 *   prefix); CTR_E_NOMEM.
 */
CTR_API int ctr_config_set_image(ctr_config_t *cfg, const char *ref);

/**
 * The entrypoint of a container from an image: replaces the image's, and then the
 * image's cmd is not used (as docker does): args are this plus ctr_config_set_args()'s,
 * if set. argv NULL-terminated, at least one element, the first non-empty.
 * @return 0; CTR_E_INVAL (cfg or argv NULL, argv empty or argv[0] ""; at ctr_create(), a
 *   config without an image); CTR_E_NOMEM.
 */
CTR_API int ctr_config_set_entrypoint(ctr_config_t *cfg, const char *const *argv);

#ifdef __cplusplus
}
#endif

#endif /* CTR_IMAGE_H */
