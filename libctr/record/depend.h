/* Dependencies between containers: the reverse index kept in the store, the check that a
 * container's dependencies run, and starting them first (CTR_RECURSIVE). */
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

/* Every dependency of c is RUNNING, else CTR_E_DEPEND naming the first that is not. */
int ctri_dep_check(ctr_container_t *c, const char *op);

/* Start c's dependencies that do not run, theirs first (depth first). Takes no lock of c. */
int ctri_dep_start(ctr_container_t *c, const char *op);

#endif
