/* json-c helpers shared by the subsystems that build JSON documents. Constructors return
 * NULL when out of memory; the adders take ownership of val (freeing it on failure) and
 * fail on a NULL val, so a chain of adds can be checked once. */
#ifndef LIBCTR_JSON_H
#define LIBCTR_JSON_H

#include <json-c/json.h>

int ctri_json_add(json_object *obj, const char *key, json_object *val); /* 0 or -1 */
int ctri_json_push(json_object *arr, json_object *val);			/* 0 or -1 */
json_object *ctri_json_strv(const char *const *v); /* NULL-terminated strings -> array */
json_object *ctri_json_copy(json_object *src);	   /* deep copy */

/* Members of o (NULL o is fine): a string member or NULL; an integer member or def; a
 * boolean member or 0. */
const char *ctri_json_str(json_object *o, const char *key);
/* The length of a (NULL or not an array: 0): json-c asserts on those, and a file or a
 * record that is damaged must not abort the caller. */
size_t ctri_json_len(json_object *a);
long long ctri_json_int(json_object *o, const char *key, long long def);
int ctri_json_bool(json_object *o, const char *key);

/* A mount object {"source","destination","type"[,"options"]}: the config's JSON form and
 * the OCI spec's mounts both use it. */
json_object *ctri_json_mount(const char *source, const char *destination, const char *type,
			     const char *const *options);

#endif
