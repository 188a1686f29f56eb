/* json-c helpers shared by the subsystems that build JSON documents. */
#include "json.h"

int ctri_json_add(json_object *obj, const char *key, json_object *val)
{
	if (!val)
		return -1;
	if (json_object_object_add(obj, key, val) < 0) {
		json_object_put(val);
		return -1;
	}
	return 0;
}

int ctri_json_push(json_object *arr, json_object *val)
{
	if (!val)
		return -1;
	if (json_object_array_add(arr, val) < 0) {
		json_object_put(val);
		return -1;
	}
	return 0;
}

json_object *ctri_json_strv(const char *const *v)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && v[i]; i++) {
		if (ctri_json_push(arr, json_object_new_string(v[i])) < 0) {
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}

json_object *ctri_json_copy(json_object *src)
{
	json_object *dst = NULL;

	return json_object_deep_copy(src, &dst, NULL) < 0 ? NULL : dst;
}

json_object *ctri_json_mount(const char *source, const char *destination, const char *type,
			     const char *const *options)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	int r = ctri_json_add(o, "source", json_object_new_string(source));
	r |= ctri_json_add(o, "destination", json_object_new_string(destination));
	r |= ctri_json_add(o, "type", json_object_new_string(type));
	r |= options[0] ? ctri_json_add(o, "options", ctri_json_strv(options)) : 0;
	if (r < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

const char *ctri_json_str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

long long ctri_json_int(json_object *o, const char *key, long long def)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int)
		       ? (long long)json_object_get_int64(v)
		       : def;
}

int ctri_json_bool(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

size_t ctri_json_len(json_object *a)
{
	return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}
