/* libFuzzer target: the records of a container as the library reads them from its store.
 * A runtime over a temporary state directory and one container (created, never started)
 * are made once; each run writes the input as the container's state record (first byte
 * even) or its config record (odd), a valid record for the other, then reads them as the
 * library does: ctri_st_load() (whose result must save and load back to the same struct),
 * ctri_state_read(), the restart policy's decision, the config and dependency readers,
 * and ctr_inspect() when that cannot start a sync (no owner, state not active: a sync
 * would run the runtime). Every read must succeed or fail with a message. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctr/ctr.h"
#include "fixture.h"
#include "container.h"
#include "restart.h"
#include "runtime.h"
#include "state.h"
#include "store.h"
#include "sync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char valid_state[] =
    "{\"state\":\"exited\",\"changed\":1,\"exit_code\":1,\"finished_at\":1,"
    "\"restart_count\":3}";
static char state_key[96], config_key[96], valid_config[256];
static ctr_runtime_t *rt;
static ctr_container_t *c;

static void setup(void)
{
	if (c)
		return;
	c = fuzz_container("store");
	rt = fuzz_rt;
	snprintf(state_key, sizeof(state_key), "state/%s", c->id);
	snprintf(config_key, sizeof(config_key), "config/%s", c->id);
	snprintf(valid_config, sizeof(valid_config),
		 "{\"id\":\"%s\",\"name\":\"fuzz\",\"created\":1,\"config\":"
		 "{\"restart_policy\":\"always\"}}",
		 c->id);
}

static void put(const char *key, const void *val, size_t len)
{
	if (ctri_store_put_raw(rt->store, key, val, len, 0) < 0)
		abort();
}

/* A failure must say why. */
static void failed_with_message(int r)
{
	if (r < 0 && !ctr_last_error()[0])
		abort();
}

static void same_st(const struct ctri_st *a, const struct ctri_st *b)
{
	/* A record keeps monitor_start with a monitor only, the exit's fields with an exit. */
	if (a->state != b->state || a->pid != b->pid || a->mon_pid != b->mon_pid ||
	    (a->mon_pid && a->mon_start != b->mon_start) || a->started_at != b->started_at ||
	    a->has_exit != b->has_exit ||
	    (a->has_exit && (a->finished_at != b->finished_at || a->exit_code != b->exit_code ||
			     a->signal != b->signal || a->oom != b->oom)) ||
	    a->monitor_lost != b->monitor_lost || a->reset_from != b->reset_from ||
	    a->stopped_by_user != b->stopped_by_user || a->restart_count != b->restart_count ||
	    a->checkpointed != b->checkpointed || strcmp(a->checkpoint, b->checkpoint) ||
	    a->has_owner != b->has_owner)
		abort(); /* the state record does not survive save and load */
	if (a->has_owner &&
	    (strcmp(a->owner.op, b->owner.op) || a->owner.pid != b->owner.pid ||
	     a->owner.start != b->owner.start || strcmp(a->owner.boot_id, b->owner.boot_id) ||
	     a->owner.from != b->owner.from))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctri_st st, again;
	json_object *o = NULL;
	ctr_state_t s;
	long long delay = 0;

	if (size < 1)
		return 0;
	setup();
	int fuzz_config = data[0] & 1;
	put(state_key, fuzz_config ? valid_state : (const char *)data + 1,
	    fuzz_config ? strlen(valid_state) : size - 1);
	put(config_key, fuzz_config ? (const char *)data + 1 : valid_config,
	    fuzz_config ? size - 1 : strlen(valid_config));

	int r = ctri_st_load(c, "fuzz", &st);
	failed_with_message(r);
	if (r == 0) {
		if (ctri_restart_due(c, "fuzz", &st, &delay) == 1 && delay < 0)
			abort(); /* a negative delay */
		if (ctri_st_save(c, "fuzz", &st, 0) < 0 || ctri_st_load(c, "fuzz", &again) < 0)
			abort(); /* the library refuses its own record */
		same_st(&st, &again);
		/* The saved record is a valid one now: put the input back for what follows. */
		if (!fuzz_config)
			put(state_key, data + 1, size - 1);
	}
	r = ctri_state_read(c, "fuzz", &o, &s);
	failed_with_message(r);
	json_object_put(o);
	o = NULL;
	failed_with_message(r = ctri_container_config(c, "fuzz", &o));
	json_object_put(o);
	o = NULL;
	failed_with_message(r = ctri_container_deps(c, "fuzz", &o));
	json_object_put(o);
	if (ctri_st_load(c, "fuzz", &st) == 0 && !st.has_owner && !ctri_st_active(st.state)) {
		char *text = NULL;
		r = ctr_inspect(c, &text);
		failed_with_message(r);
		ctr_free(text);
		r = ctr_state(c, &s);
		failed_with_message(r);
	}
	return 0;
}
