/* State records: JSON in the store <-> struct ctri_st. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "json.h"
#include "proc.h"
#include "runtime.h"
#include "state.h"
#include "store.h"

static long long get_i64(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

static int has(json_object *o, const char *key)
{
	return json_object_object_get_ex(o, key, NULL);
}

static void load_owner(json_object *o, struct ctri_owner *w)
{
	json_object *v;

	if (json_object_object_get_ex(o, "op", &v))
		snprintf(w->op, sizeof(w->op), "%s", json_object_get_string(v));
	if (json_object_object_get_ex(o, "boot_id", &v))
		snprintf(w->boot_id, sizeof(w->boot_id), "%s", json_object_get_string(v));
	if (json_object_object_get_ex(o, "from", &v))
		w->from = ctri_state_parse(json_object_get_string(v));
	w->pid = (pid_t)get_i64(o, "pid");
	w->start = (unsigned long long)get_i64(o, "start");
}

int ctri_st_load(ctr_container_t *c, const char *op, struct ctri_st *st)
{
	json_object *o, *v;
	int r = ctri_state_read(c, op, &o, &st->state);

	if (r < 0)
		return r;
	st->changed = get_i64(o, "changed");
	st->pid = (pid_t)get_i64(o, "pid");
	st->mon_pid = (pid_t)get_i64(o, "monitor_pid");
	st->mon_start = (unsigned long long)get_i64(o, "monitor_start");
	st->started_at = get_i64(o, "started_at");
	st->finished_at = get_i64(o, "finished_at");
	st->has_exit = has(o, "exit_code");
	st->exit_code = (int)get_i64(o, "exit_code");
	st->signal = (int)get_i64(o, "signal");
	st->oom = json_object_object_get_ex(o, "oom", &v) && json_object_get_boolean(v);
	st->monitor_lost =
		json_object_object_get_ex(o, "monitor_lost", &v) && json_object_get_boolean(v);
	st->reset_from = json_object_object_get_ex(o, "reset_by_reboot", &v)
				 ? ctri_state_parse(json_object_get_string(v))
				 : CTR_STATE_UNKNOWN;
	st->stopped_by_user =
		json_object_object_get_ex(o, "stopped_by_user", &v) && json_object_get_boolean(v);
	st->restart_count = (int)get_i64(o, "restart_count");
	st->checkpointed =
		json_object_object_get_ex(o, "checkpointed", &v) && json_object_get_boolean(v);
	st->checkpoint[0] = 0;
	if (json_object_object_get_ex(o, "checkpoint", &v))
		snprintf(st->checkpoint, sizeof(st->checkpoint), "%s", json_object_get_string(v));
	memset(&st->owner, 0, sizeof(st->owner));
	st->has_owner = json_object_object_get_ex(o, "owner", &v) &&
			json_object_is_type(v, json_type_object);
	if (st->has_owner)
		load_owner(v, &st->owner);
	json_object_put(o);
	return 0;
}

static json_object *owner_json(const struct ctri_owner *w)
{
	json_object *o = json_object_new_object();

	if (!o || ctri_json_add(o, "op", json_object_new_string(w->op)) ||
	    ctri_json_add(o, "pid", json_object_new_int64(w->pid)) ||
	    ctri_json_add(o, "start", json_object_new_int64((long long)w->start)) ||
	    ctri_json_add(o, "boot_id", json_object_new_string(w->boot_id)) ||
	    ctri_json_add(o, "from", json_object_new_string(ctr_state_name(w->from)))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static json_object *st_json(const struct ctri_st *st)
{
	json_object *o = json_object_new_object();
	int bad = !o;

#define ADD(k, v) (bad = bad || ctri_json_add(o, k, v))
	ADD("state", json_object_new_string(ctr_state_name(st->state)));
	ADD("changed", json_object_new_int64(st->changed));
	if (st->pid)
		ADD("pid", json_object_new_int64(st->pid));
	if (st->mon_pid) {
		ADD("monitor_pid", json_object_new_int64(st->mon_pid));
		ADD("monitor_start", json_object_new_int64((long long)st->mon_start));
	}
	if (st->started_at)
		ADD("started_at", json_object_new_int64(st->started_at));
	if (st->has_exit) {
		ADD("finished_at", json_object_new_int64(st->finished_at));
		ADD("exit_code", json_object_new_int(st->exit_code));
		ADD("signal", json_object_new_int(st->signal));
		ADD("oom", json_object_new_boolean(st->oom));
	}
	if (st->monitor_lost)
		ADD("monitor_lost", json_object_new_boolean(1));
	if (st->stopped_by_user)
		ADD("stopped_by_user", json_object_new_boolean(1));
	ADD("restart_count", json_object_new_int(st->restart_count));
	if (st->checkpointed)
		ADD("checkpointed", json_object_new_boolean(1));
	if (st->checkpoint[0])
		ADD("checkpoint", json_object_new_string(st->checkpoint));
	if (st->reset_from != CTR_STATE_UNKNOWN)
		ADD("reset_by_reboot", json_object_new_string(ctr_state_name(st->reset_from)));
	if (st->has_owner)
		ADD("owner", owner_json(&st->owner));
#undef ADD
	if (bad) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

int ctri_st_save(ctr_container_t *c, const char *op, struct ctri_st *st, int durable)
{
	char key[16 + CTRI_ID_LEN];

	st->changed = ctri_now_ns();
	json_object *o = st_json(st);
	if (!o)
		return ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
	snprintf(key, sizeof(key), "%s%s", CTRI_KEY_STATE, c->id);
	int r = durable ? ctri_store_put(c->rt->store, key, o, 0)
			: ctri_store_put_volatile(c->rt->store, key, o);
	json_object_put(o);
	return r < 0 ? ctri_cwrap(c->name, op, r) : 0;
}

void ctri_st_own(ctr_container_t *c, struct ctri_st *st, enum ctri_op op)
{
	struct ctri_owner *w = &st->owner;

	memset(w, 0, sizeof(*w));
	snprintf(w->op, sizeof(w->op), "%s", ctri_op_name(op));
	w->pid = getpid();
	ctri_proc_stat(w->pid, &w->start, NULL);
	snprintf(w->boot_id, sizeof(w->boot_id), "%s", c->rt->boot_id);
	w->from = st->state;
	st->has_owner = 1;
}

int ctri_owner_alive(const ctr_container_t *c, const struct ctri_owner *o)
{
	return ctri_boot_current(c->rt, o->boot_id) && ctri_proc_alive(o->pid, o->start);
}

void ctri_st_no_process(struct ctri_st *st)
{
	st->pid = st->mon_pid = 0;
	st->mon_start = 0;
}

int ctri_st_save_then(ctr_container_t *c, const char *op, struct ctri_st *st, int r)
{
	int s = ctri_st_save(c, op, st, 0);

	return r < 0 ? r : s;
}

int ctri_st_active(ctr_state_t s)
{
	return s == CTR_STATE_CREATED || s == CTR_STATE_RUNNING || s == CTR_STATE_PAUSED;
}
