/* CNI plugins (containernetworking-plugins), run like the OCI runtime: the network config
 * as JSON on stdin, the CNI_* environment, a timeout, their error in our message. */
#ifndef LIBCTR_CNI_H
#define LIBCTR_CNI_H

#include <json-c/json.h>

/* The directories plugins are looked for in, colon-separated: $CTR_CNI_PATH first, then
 * /usr/lib/cni, /usr/libexec/cni, /opt/cni/bin. NULL: no memory. */
char *ctri_cni_path(void);

/* One plugin call. */
struct ctri_cni_call {
	const char *command;	/* "ADD" or "DEL" */
	const char *container;	/* CNI_CONTAINERID */
	const char *netns;	/* CNI_NETNS: a bind-mounted namespace, or NULL */
	const char *ifname;	/* CNI_IFNAME */
	const char *args;	/* CNI_ARGS, or NULL */
	unsigned timeout_ms;
	int hold_fd; /* a descriptor (> 9) the plugin inherits as 3, and its children with it;
		      * -1: none */
};

/* Run the plugin conf["type"] with conf (a plugin's config: "cniVersion" and "name" of
 * its list, "prevResult"...) for call. For ADD, *result gets what the plugin printed
 * (json_object_put it); result may be NULL for DEL. name and op make the message
 * "container NAME: cannot OP: CNI plugin TYPE ADD: MSG". CTR_E_RUNTIME when the plugin is
 * missing (naming it, the directories and the Debian package) or fails (its "msg" and
 * "details", or its stderr); CTR_E_TIMEOUT when it was killed at the timeout; CTR_E_IO;
 * CTR_E_NOMEM. */
int ctri_cni_exec(const char *name, const char *op, json_object *conf,
		  const struct ctri_cni_call *call, json_object **result);

#endif
