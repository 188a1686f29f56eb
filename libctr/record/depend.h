/* Dependencies between containers: the reverse index kept in the store, and the rule that
 * a container others depend on is not removed. Checking that a container's dependencies
 * run and starting them first (CTR_RECURSIVE) are part of the start (lifecycle.h). */
#ifndef LIBCTR_DEPEND_H
#define LIBCTR_DEPEND_H

#include <json-c/json.h>

#include "container.h"
#include "store.h"

#define CTRI_KEY_RDEPS "rdeps/" /* + id: {"dependents":[ids of containers depending on it]} */

/* Inside the create transaction: record that id depends on each of deps (array of ids).
 * CTR_E_NOENT (no message) naming nothing when a dependency was removed meanwhile; *gone
 * is then its id. */
int ctri_dep_link(struct ctri_store *s, const char *id, json_object *deps, const char **gone);

/* Inside the remove transaction: forget id as a dependent of its deps, and its own index. */
int ctri_dep_unlink(struct ctri_store *s, const char *id, json_object *deps);

/* The ids of the containers that depend on id (a new array, maybe empty). */
int ctri_dep_dependents(struct ctri_store *s, const char *id, json_object **out);

/* Inside a transaction: CTR_E_DEPEND naming them when containers that still exist depend
 * on c, else 0. */
int ctri_dep_refuse(ctr_container_t *c);
/* The same, in a transaction of its own (checked before a remove starts). */
int ctri_remove_check(ctr_container_t *c);

#endif
