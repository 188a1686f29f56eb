/* The state/operation table (op.h). */
#include <string.h>

#include "error.h"
#include "op.h"

#define S(state) (1u << (state))
/* Every state a container rests in: all but UNKNOWN and REMOVING. */
#define ANY                                                                                        \
	(S(CTR_STATE_CONFIGURED) | S(CTR_STATE_CREATED) | S(CTR_STATE_RUNNING) |                   \
	 S(CTR_STATE_STOPPED) | S(CTR_STATE_PAUSED) | S(CTR_STATE_EXITED))
/* The states in which no monitor holds the container (ctri_st_active() says 0). */
#define AT_REST (S(CTR_STATE_CONFIGURED) | S(CTR_STATE_STOPPED) | S(CTR_STATE_EXITED))

static const struct {
	const char *name;
	unsigned from;	  /* the states it is allowed from, a bit per ctr_state_t */
	const char *need; /* the refusal's end, after "container is STATE" */
} ops[CTRI_OP__COUNT] = {
	/* The seeds' rules (libpod's container_api.go), but where noted. */
	[CTRI_OP_INIT] = { "init", AT_REST, ": already created in the runtime" },
	[CTRI_OP_START] = { "start", AT_REST | S(CTR_STATE_CREATED), "" },
	/* From STOPPED and EXITED ctr_stop answers CTR_E_STOPPED before it asks. Not the
	 * seeds: PAUSED too (docs/design.md, "Pause"). */
	[CTRI_OP_STOP] = { "stop",
			   S(CTR_STATE_CREATED) | S(CTR_STATE_RUNNING) | S(CTR_STATE_PAUSED), "" },
	/* Not the seeds: PAUSED too ("Pause"). */
	[CTRI_OP_KILL] = { "kill", S(CTR_STATE_RUNNING) | S(CTR_STATE_PAUSED),
			   ": only running or paused containers can be killed" },
	[CTRI_OP_PAUSE] = { "pause", S(CTR_STATE_RUNNING), ", not running" },
	[CTRI_OP_UNPAUSE] = { "unpause", S(CTR_STATE_PAUSED), ", not paused" },
	/* ctr_restart is a stop, then a start, from any state: it asks the two. The restart
	 * policy's restart (the owner record "restart") begins at STOPPED, within a cleanup. */
	[CTRI_OP_RESTART] = { "restart", ANY, "" },
	/* Not the seeds: not CREATED, whose monitor still holds the container. */
	[CTRI_OP_CLEANUP] = { "cleanup", AT_REST, ", refusing to clean up" },
	/* A RUNNING or PAUSED container is stopped first with CTR_FORCE. */
	[CTRI_OP_REMOVE] = { "remove", AT_REST | S(CTR_STATE_CREATED),
			     " (stop it first or use CTR_FORCE)" },
	[CTRI_OP_EXEC] = { "exec", S(CTR_STATE_RUNNING), ": exec needs it running" },
	[CTRI_OP_CHECKPOINT] = { "checkpoint", S(CTR_STATE_RUNNING),
				 ": only running containers can be checkpointed" },
	/* The seeds leave it to the runtime; here as for init. */
	[CTRI_OP_RESTORE] = { "restore", AT_REST,
			      ": only a container that does not run can be restored" },
	/* With CTR_ATTACH_START a container init allows is initialised first. */
	[CTRI_OP_ATTACH] = { "attach", S(CTR_STATE_CREATED) | S(CTR_STATE_RUNNING),
			     ": only created or running containers can be attached" },
	[CTRI_OP_RESIZE] = { "resize", S(CTR_STATE_CREATED) | S(CTR_STATE_RUNNING), "" },
	/* Every state a container rests in (ctr_unmount refuses to take a run's hold from a
	 * running one with CTR_E_BUSY). */
	[CTRI_OP_MOUNT] = { "mount", ANY, "" },
	[CTRI_OP_UNMOUNT] = { "unmount", ANY, "" },
};

static int known(enum ctri_op op)
{
	return (unsigned)op < CTRI_OP__COUNT;
}

const char *ctri_op_name(enum ctri_op op)
{
	return known(op) ? ops[op].name : "unknown";
}

int ctri_op_parse(const char *name, enum ctri_op *out)
{
	for (unsigned i = 0; name && i < CTRI_OP__COUNT; i++)
		if (!strcmp(name, ops[i].name)) {
			*out = (enum ctri_op)i;
			return 0;
		}
	return CTR_E_INVAL;
}

int ctri_op_allowed(enum ctri_op op, ctr_state_t state)
{
	return known(op) && (unsigned)state < 32 && (ops[op].from & S(state)) != 0;
}

int ctri_state_check(const char *name, enum ctri_op op, ctr_state_t state)
{
	if (ctri_op_allowed(op, state))
		return 0;
	return ctri_cerr(name, ctri_op_name(op), CTR_E_STATE, "container is %s%s",
			 ctr_state_name(state), known(op) ? ops[op].need : "");
}
