/* ctr_inspect: a container's records, paths and exec sessions as one JSON document. */
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "error.h"
#include "exec_record.h"
#include "net_files.h"
#include "runtime.h"
#include "store.h"
#include "sync.h"
#include "util.h"

static json_object *inspect_paths(ctr_container_t *c)
{
	ctr_runtime_t *rt = c->rt;
	json_object *p = json_object_new_object();

	if (!p)
		return NULL;
	char *bundle = ctri_strdupf("%s/%s", rt->containers_dir, c->id);
	char *spec = ctri_strdupf("%s/%s/config.json", rt->containers_dir, c->id);
	char lock[4096];
	if (ctri_lock_path(lock, sizeof(lock), rt->locks_dir, c->id) < 0)
		lock[0] = '\0';
	json_object_object_add(p, "bundle", json_object_new_string(bundle ? bundle : ""));
	json_object_object_add(p, "spec", json_object_new_string(spec ? spec : ""));
	json_object_object_add(p, "run_dir", json_object_new_string(rt->run_dir));
	json_object_object_add(p, "lock", json_object_new_string(lock));
	char *log = ctri_strdupf("%s/%s/ctr.log", rt->containers_dir, c->id);
	char *exit_file = ctri_strdupf("%s/%s", rt->exits_dir, c->id);
	json_object_object_add(p, "log", json_object_new_string(log ? log : ""));
	json_object_object_add(p, "exit_file", json_object_new_string(exit_file ? exit_file : ""));
	json_object_object_add(p, "runtime_root", json_object_new_string(rt->runtime_root));
	free(log);
	free(exit_file);
	json_object_object_add(p, "database", json_object_new_string(ctri_store_path(rt->store)));
	free(bundle);
	free(spec);
	return p;
}

/* The time fields of record o (ns since the epoch in the store) as RFC 3339 strings with
 * nanoseconds in UTC; a field of 0 (no time) is left out. */
static int times_as_text(json_object *o)
{
	static const char *const keys[] = { "created", "changed", "started_at", "finished_at" };
	json_object *v;
	char when[48];

	for (size_t i = 0; o && i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!json_object_object_get_ex(o, keys[i], &v) ||
		    !json_object_is_type(v, json_type_int))
			continue;
		long long ns = json_object_get_int64(v);
		if (ns <= 0) {
			json_object_object_del(o, keys[i]);
			continue;
		}
		ctri_format_time(ns, when, sizeof(when));
		if (json_object_object_add(o, keys[i], json_object_new_string(when)))
			return -1;
	}
	return 0;
}

/* c's sessions (*out, a new array), the exits of those that ended recorded first, under the
 * lock, as any call on a session would: inspect never shows a finished one running. */
static int load_sessions(ctr_container_t *c, json_object **out)
{
	struct ctri_st st;
	json_object *arr = NULL, *rec;
	int r, fd, stale = 0;

	if ((r = ctri_exec_sessions(c, "inspect", &arr)) < 0)
		return r;
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		stale |= ctri_exec_needs_sync(c, json_object_array_get_idx(arr, i));
	if (!stale) {
		*out = arr;
		return 0;
	}
	json_object_put(arr);
	if ((r = ctri_begin(c, "inspect", &fd, &st, 0)) < 0)
		return r;
	if ((r = ctri_exec_sessions(c, "inspect", &arr)) < 0) {
		ctri_end(fd);
		return r;
	}
	for (size_t i = 0; i < json_object_array_length(arr) && r == 0; i++)
		if (ctri_exec_needs_sync(c, (rec = json_object_array_get_idx(arr, i))))
			r = ctri_exec_sync(c, "inspect", rec); /* rec is the array's: updated */
	ctri_end(fd);
	if (r < 0)
		json_object_put(arr);
	else
		*out = arr;
	return r;
}

/* The names inspect gives a session's monitor: those of the container's state. */
static int session_names(json_object *rec)
{
	static const char *const renamed[][2] = { { "mon_pid", "monitor_pid" },
						  { "mon_start", "monitor_start" } };
	json_object *v;

	for (size_t i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++)
		if (json_object_object_get_ex(rec, renamed[i][0], &v) &&
		    (json_object_object_add(rec, renamed[i][1], json_object_get(v)) ||
		     (json_object_object_del(rec, renamed[i][0]), 0)))
			return -1;
	return 0;
}

CTR_API int ctr_inspect(ctr_container_t *c, char **out_json)
{
	json_object *cfg = NULL, *state = NULL, *out = NULL, *v;
	int r;

	CTRI_CHECK_ARG("ctr_inspect", c);
	CTRI_CHECK_ARG("ctr_inspect", out_json);
	ctr_state_t s;
	struct ctri_st st;
	if ((r = ctri_refresh(c, "inspect", &st)) < 0 ||
	    (r = ctri_state_read(c, "inspect", &state, &s)) < 0 ||
	    (r = ctri_record_read(c, CTRI_KEY_CONFIG, "inspect", &cfg)) < 0)
		goto out;
	out = json_object_new_object();
	if (!out) {
		r = ctri_cerr(c->name, "inspect", CTR_E_NOMEM, "out of memory");
		goto out;
	}
	json_object_object_add(out, "id", json_object_new_string(c->id));
	json_object_object_add(out, "name", json_object_new_string(c->name));
	if (json_object_object_get_ex(cfg, "created", &v))
		json_object_object_add(out, "created", json_object_get(v));
	json_object_object_add(out, "state", json_object_get(state));
	json_object *config = NULL;
	json_object_object_get_ex(cfg, "config", &config);
	json_object_object_add(out, "config", json_object_get(config));
	if (config && json_object_object_get_ex(config, "labels", &v))
		json_object_object_add(out, "labels", json_object_get(v));
	else
		json_object_object_add(out, "labels", json_object_new_object());
	if (json_object_object_get_ex(cfg, "dependency_ids", &v))
		json_object_object_add(out, "dependencies", json_object_get(v));
	if (json_object_object_get_ex(cfg, "image", &v)) /* {"id", "ref"} */
		json_object_object_add(out, "image", json_object_get(v));
	json_object_object_add(out, "paths", inspect_paths(c));
	if ((r = ctri_net_inspect(c, config, out)) < 0)
		goto out;
	json_object *sessions = NULL;
	if ((r = load_sessions(c, &sessions)) < 0)
		goto out;
	json_object_object_add(out, "exec_sessions", sessions);
	int bad = times_as_text(out) || times_as_text(state);
	for (size_t i = 0; i < json_object_array_length(sessions); i++)
		bad = bad || times_as_text(json_object_array_get_idx(sessions, i)) ||
		      session_names(json_object_array_get_idx(sessions, i));
	const char *text = bad ? NULL
			       : json_object_to_json_string_ext(
				     out, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	char *copy = text ? strdup(text) : NULL;
	if (!copy)
		r = ctri_cerr(c->name, "inspect", CTR_E_NOMEM, "out of memory");
	else
		*out_json = copy; /* outputs stay untouched on failure */
out:
	json_object_put(cfg);
	json_object_put(state);
	json_object_put(out);
	return r;
}
