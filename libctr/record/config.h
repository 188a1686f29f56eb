/* The container configuration: the ctr_config_t builder, its JSON form, and what the
 * rest of the library reads from it. */
#ifndef LIBCTR_CONFIG_H
#define LIBCTR_CONFIG_H

#include <json-c/json.h>

#include "ctr/ctr.h"

#define CTRI_LAYERS_MAX 64 /* layers of a container */

/* Read access for other subsystems. Strings are borrowed from cfg. */
const char *ctri_config_name(const ctr_config_t *cfg);   /* NULL when unset */
const char *ctri_config_rootfs(const ctr_config_t *cfg); /* NULL when unset */
const char *const *ctri_config_dependencies(const ctr_config_t *cfg); /* NULL-terminated */

/* The image reference of ctr_config_set_image, or NULL. */
const char *ctri_config_image(const ctr_config_t *cfg);

/* The id of the image a layered config was made from ("image_id" in the JSON form: set
 * when an image is applied, kept by the config of a checkpoint archive), or NULL. A
 * container with one holds that image (ctr_image_remove is refused) as one made from the
 * image does. CTR_E_INVAL unless id is 64 lowercase hex digits. */
const char *ctri_config_image_id(const ctr_config_t *cfg);
int ctri_config_set_image_id(ctr_config_t *cfg, const char *id);

/* Apply an image record (image_record.h: "layers" as diff id hexes, "config" with the
 * process defaults) to cfg, whose image it is: the layers (dirs in layers_dir) and each
 * process default the config does not set; the image reference is cleared, so cfg is
 * then a layered config, checked with ctri_config_check. CTR_E_INVAL naming the image
 * for no command, too many layers or an unknown stop signal. */
int ctri_config_apply_image(ctr_config_t *cfg, json_object *image, const char *layers_dir);

/* A signal by number ("10") or name ("SIGUSR1", "USR1", "RTMIN+3"): 1..64, or -1. */
int ctri_signal_parse(const char *s);

/* Networks (config_net.c). A config with networks or ports cannot have the host's
 * network: CTR_E_INVAL "container NAME: cannot create: ...". */
int ctri_config_net_check(const ctr_config_t *cfg);
/* 1 if the published ports p and q (their JSON form) take the same host port. */
int ctri_ports_clash(json_object *p, json_object *q);

/* Check that a config is complete enough to create a container: either a rootfs or
 * layers (not both), each an existing directory (CTR_E_INVAL with the path), args set;
 * or an image (no rootfs, no layers; the rest is checked when it is applied).
 * Messages read "container NAME: cannot create: ...". */
int ctri_config_check(const ctr_config_t *cfg);

/* The config as a json-c object (the ctr_config_to_json() form); caller puts it. */
int ctri_config_to_object(const ctr_config_t *cfg, json_object **out);

/* Build a config from a json-c object, validating every field like the setters. */
int ctri_config_from_object(json_object *obj, ctr_config_t **out);

#endif
