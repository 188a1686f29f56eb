/* Reading the images of an unpacked archive: an OCI image layout or a docker-archive
 * (`docker save`, `podman save`) in a directory (image_format.c), and the JSON documents
 * they hold: indexes, manifests, configs (image_json.c). Layers are described, never read:
 * the layer store hashes and unpacks them. */
#ifndef LIBCTR_IMAGE_FORMAT_H
#define LIBCTR_IMAGE_FORMAT_H

#include <json-c/json.h>
#include <stddef.h>

/* JSON documents (index.json, manifests, configs, manifest.json) are read up to this. */
#define CTRI_IMAGE_JSON_MAX (4u << 20)

struct ctri_image_layer {
	char *blob;	   /* path of the layer blob: "DIR/<relative path>" (a regular file) */
	char blob_hex[65]; /* sha256 the manifest gives the blob; "" when none (docker-archive:
			      the blob is the uncompressed tar, checked against diff_hex) */
	char diff_hex[65]; /* the config's rootfs.diff_ids[i], hex */
	long long size;	   /* the blob's size (checked against the descriptor's) */
	char *media_type;  /* the descriptor's media type; NULL for docker-archive (plain tar) */
};

struct ctri_image {
	char id[65];  /* hex sha256 of the config blob, verified */
	char **names; /* normalized "NAME:TAG"s, NULL-terminated, never NULL */
	struct ctri_image_layer *layers;
	size_t n_layers;
	json_object *config;  /* the config blob, parsed (owned) */
	long long created_ns; /* the config's "created" (ns since the epoch), 0 if absent */
};

struct ctri_image_set {
	struct ctri_image *images; /* in the archive's order; one per config id (names merged) */
	size_t n;
};

/* Read the images in dir: an OCI image layout (an "oci-layout" file, index.json, blobs;
 * preferred when the directory is both, as Docker 25's archives are) or a docker-archive
 * (manifest.json). OCI: each entry of index.json is one image; an image index or docker
 * manifest list is resolved to its linux/<host architecture> manifest; every index,
 * manifest and config blob read is checked against its descriptor's size and sha256; a
 * layer blob must exist with its descriptor's size (not hashed here). An entry's name is
 * its "org.opencontainers.image.ref.name" annotation when that is a whole reference
 * (ctri_image_ref_is_whole; a bare tag names nothing). docker-archive: Config and Layers
 * are paths inside dir; the config's sha256 is its id and must match a 64-hex-digit name
 * of its file; RepoTags are the names. Layers must match the config's diff_ids in number.
 * No path may leave dir or pass a symbolic link.
 * Returns 0 and a set in *out (ctri_image_set_free); CTR_E_INVAL "not an OCI layout or
 * docker-archive: DIR" for anything else, CTR_E_INVAL naming the digest for a size or
 * sha256 mismatch, naming the file, descriptor or reference for any other malformed or
 * unsupported content (media types, foreign layers, no image for the platform, bad
 * RepoTags, a path with ".."); CTR_E_IO (dir unreadable); CTR_E_NOMEM. */
int ctri_image_read(const char *dir, struct ctri_image_set **out);

/* 1 if dir looks like an image ctri_image_read knows (an "oci-layout" or a
 * "manifest.json" file), else 0. */
int ctri_image_dir_known(const char *dir);
void ctri_image_set_free(struct ctri_image_set *set);

/* The process defaults of an image config (its "config" object; absent fields are empty).
 * Vectors are NULL-terminated and never NULL; strings are NULL when absent or empty. */
struct ctri_image_process {
	char **env; /* "KEY=VALUE" */
	char **entrypoint;
	char **cmd;
	char *working_dir;
	char *user;
	char *stop_signal;    /* as written ("SIGUSR1") */
	char **labels;	      /* key, value, key, value, ..., NULL */
	char **exposed_ports; /* "8080/tcp" */
};

/* Fill out from the image config (the whole config document). Returns 0; CTR_E_INVAL
 * naming the field (a wrong type, a string with NUL, an Env entry without '=' or with an
 * empty key); CTR_E_NOMEM. out is zeroed first; on failure nothing needs freeing. */
int ctri_image_config_process(json_object *config, struct ctri_image_process *out);
void ctri_image_process_free(struct ctri_image_process *p);

/* ---- the JSON documents (image_json.c) -------------------------------------------------- */

/* A descriptor: of a manifest in an index, of a config or layer in a manifest. */
struct ctri_image_desc {
	char *media_type; /* NULL when absent */
	char hex[65];	  /* the sha256 digest's hex */
	long long size;
	char *ref_name;	 /* annotation org.opencontainers.image.ref.name, or NULL */
	char *os, *arch; /* platform, or NULL */
};
void ctri_image_desc_clear(struct ctri_image_desc *d);		 /* its members; d itself stays */
void ctri_image_descs_free(struct ctri_image_desc *d, size_t n); /* an array of n, and d */

/* Parse len bytes of text (at most CTRI_IMAGE_JSON_MAX) as one JSON value of type type
 * (json_type_object; json_type_array for manifest.json); what names it in messages.
 * Returns 0; CTR_E_INVAL "WHAT: ..." (not JSON, another type, trailing bytes, too large). */
int ctri_image_json_parse(const char *what, const char *text, size_t len, json_type type,
			  json_object **out);

/* The "manifests" descriptors of an image index (or index.json, or a docker manifest list).
 * Returns 0; CTR_E_INVAL naming what and the entry; CTR_E_NOMEM. */
int ctri_image_index_parse(json_object *index, const char *what, struct ctri_image_desc **out,
			   size_t *n);

/* The config and layer descriptors of an image manifest (OCI or docker v2 schema 2), their
 * media types checked: a config of an image, layers tar, tar+gzip or tar+zstd; foreign
 * (non-distributable) layers and other types are refused by name.
 * Returns 0; CTR_E_INVAL naming what and the descriptor; CTR_E_NOMEM. */
int ctri_image_manifest_parse(json_object *manifest, const char *what,
			      struct ctri_image_desc *config, struct ctri_image_desc **layers,
			      size_t *n_layers);

/* The diff ids (hex) of an image config's rootfs, malloc'd array of n, and its created time
 * (0 when absent or not RFC 3339).
 * Returns 0; CTR_E_INVAL naming what (no rootfs, type not "layers", a bad diff id);
 * CTR_E_NOMEM. */
int ctri_image_config_parse(json_object *config, const char *what, char (**diff_hex)[65], size_t *n,
			    long long *created_ns);

/* 1 for the media types of an image index or manifest list, 0 for others. */
int ctri_image_is_index_type(const char *media_type);
/* 1 for the media types of an image manifest, 0 for others. */
int ctri_image_is_manifest_type(const char *media_type);

/* The host's architecture as Go names it ("amd64", "arm64", ...). */
const char *ctri_image_host_arch(void);

#endif
