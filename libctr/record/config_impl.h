/* Inside the config subsystem only (config.c, config_json.c): the ctr_config_t layout and
 * the helpers both halves share. Other subsystems use config.h. */
#ifndef LIBCTR_CONFIG_IMPL_H
#define LIBCTR_CONFIG_IMPL_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "ctr/ctr.h"

enum ctri_seccomp_mode { CTRI_SECCOMP_DEFAULT, CTRI_SECCOMP_UNCONFINED, CTRI_SECCOMP_PROFILE };

struct ctri_mount {
	char *source;
	char *destination;
	char *type;
	char **options; /* never NULL */
};

struct ctr_config {
	char *name;
	char *rootfs;
	char *cwd;
	char *hostname;
	char **args; /* NULL: not set */
	char **env;  /* NULL: the default environment */
	char **caps; /* NULL: the default capability set */
	char **deps; /* never NULL */
	char **layers; /* never NULL; the lowest first */
	char *image;	    /* a reference to resolve at ctr_create (config_image.c), or NULL */
	char **entrypoint;  /* with an image: replaces the image's; NULL: not set */
	char *image_id;	    /* the image the layers come from (config_image.c), or NULL */
	int terminal;
	int open_stdin;
	uint64_t log_size_max; /* 0: no limit */
	int readonly_rootfs;
	int stop_signal;
	int stop_signal_set; /* set by ctr_config_set_stop_signal, not the default */
	unsigned stop_timeout;
	ctr_restart_t restart;
	unsigned max_retries;
	char *user; /* "USER[:GROUP]" (user.h); NULL: 0:0 */
	uint64_t memory_limit;
	int64_t pids_limit;
	ctr_network_t network;
	enum ctri_seccomp_mode seccomp_mode;
	json_object *seccomp; /* the profile in CTRI_SECCOMP_PROFILE mode, else NULL */
	struct ctri_mount *mounts;
	size_t n_mounts;
	json_object *labels;	    /* object of strings, never NULL */
	json_object *annotations;   /* object of strings, never NULL */
	json_object *spec_override; /* an object or NULL */
	json_object *networks;	    /* [{"name", "ip"?}] (config_net.c), or NULL */
	json_object *ports;	    /* [{"host_ip"?, "host_port", "container_port", "protocol"}] */
};

/* Helpers of the setters: CTR_E_NOMEM with "OP: out of memory"; replace *slot by a copy
 * of s or of the vector v (NULL: no vector), changing nothing on failure; append a copy of
 * s to the vector *v (which may be NULL), 0 or -ENOMEM. */
int ctri_cfg_nomem(const char *op);
int ctri_cfg_replace_str(const char *op, char **slot, const char *s);
int ctri_cfg_replace_strv(const char *op, char ***slot, const char *const *v);
int ctri_cfg_strv_push(char ***v, const char *s);
/* A command vector as ctr_config_set_args() takes it (not NULL, argv[0] set and not
 * empty): 0, or CTR_E_INVAL "OP: ...". */
int ctri_cfg_check_argv(const char *op, const char *const *argv);

/* Add a mount after checking it like ctr_config_add_mount(); options (a vector, or NULL
 * for the type's default) is taken over even on failure. op prefixes messages. */
int ctri_config_mount_add(const char *op, ctr_config_t *cfg, const char *source,
			  const char *destination, const char *type, char **options);

/* Set the seccomp mode; profile (taken over) is the checked object for PROFILE. */
void ctri_config_seccomp_replace(ctr_config_t *cfg, enum ctri_seccomp_mode mode,
				 json_object *profile);

/* Parse text (len bytes, text[len] == '\0') strictly as one JSON object with nothing
 * after it, not even a NUL. Messages
 * read "OP: WHAT is not valid JSON: ..." or "OP: WHAT is not a JSON object". */
int ctri_json_parse_object(const char *op, const char *what, const char *text, size_t len,
			   json_object **out);

/* config_net.c: the readers of "networks" and "ports" in the JSON form, and their writer
 * into o. */
int ctri_config_read_networks(ctr_config_t *cfg, json_object *v);
int ctri_config_read_ports(ctr_config_t *cfg, json_object *v);
int ctri_config_net_fill(json_object *o, const ctr_config_t *cfg);

#endif
