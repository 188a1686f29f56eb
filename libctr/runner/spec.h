/* OCI runtime-spec generation: ctr_config_t -> config.json. */
#ifndef LIBCTR_SPEC_H
#define LIBCTR_SPEC_H

#include <json-c/json.h>

#include "container.h"

/* Build the OCI runtime spec (config.json content) for container id from cfg.
 * cfg must have passed ctri_config_check(). Returns 0 or CTR_E_*; caller puts *out.
 * A layered config's root.path is its overlay's merged directory: relative to the bundle
 * ("merged") here, absolute in the file ctri_spec_write() writes. */
int ctri_spec_build(const ctr_config_t *cfg, const char *id, json_object **out);

/* Build the spec and write it to BUNDLE_DIR/config.json (ctri_spec_save). The message
 * names the container: CTR_E_INVAL, CTR_E_NOMEM, CTR_E_IO. */
int ctri_spec_write(const ctr_config_t *cfg, const char *id, const char *bundle_dir);

/* Read and parse BUNDLE_DIR/config.json (bundle_dir may end in '/'), a spec with a process
 * object; *out is the caller's to put. The message names the file, not the container
 * (callers ctri_cwrap it): CTR_E_IO when it cannot be read, CTR_E_STORE when it is not
 * JSON or has no process object, CTR_E_NOMEM, CTR_E_INVAL for a NULL argument. */
int ctri_spec_load(const char *bundle_dir, json_object **out);

/* Write spec to BUNDLE_DIR/config.json (mode 0600, atomically, not fsynced: it can always
 * be rebuilt from the stored config), as ctri_spec_load reads it. The message names the
 * file: CTR_E_IO, CTR_E_NOMEM, CTR_E_INVAL for a NULL argument. */
int ctri_spec_save(const char *bundle_dir, json_object *spec);

/* When each run begins, for a user that is not two numbers: look it up in the root
 * filesystem (mounted by then) and put it in the bundle's config.json (user.h).
 * CTR_E_INVAL when a name is not found; CTR_E_IO; CTR_E_STORE for a damaged spec. */
int ctri_spec_set_user(ctr_container_t *c, const char *op, const char *user);

#endif
