/* The event log (ctr_events). */
#ifndef LIBCTR_EVENTS_H
#define LIBCTR_EVENTS_H

#include <json-c/json.h>

#include "container.h"

/* Append an event of type for c, with attrs (a JSON object, taken; NULL: none). Never
 * fails the caller: the operation it records has already succeeded. */
void ctri_event(ctr_container_t *c, const char *type, json_object *attrs);

/* An inotify descriptor on the state directory: readable when the log changes. */
int ctri_events_watch(const ctr_runtime_t *rt);

#endif
