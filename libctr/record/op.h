/* The container operations: their names and the states each is allowed from. This table
 * is the one place of the state machine's rules (docs/design.md, "States and
 * operations"); an operation asks it with ctri_state_check() after its sync. */
#ifndef LIBCTR_OP_H
#define LIBCTR_OP_H

#include "ctr/ctr.h"

enum ctri_op {
	CTRI_OP_INIT,
	CTRI_OP_START,
	CTRI_OP_STOP,
	CTRI_OP_KILL,
	CTRI_OP_PAUSE,
	CTRI_OP_UNPAUSE,
	CTRI_OP_RESTART,
	CTRI_OP_CLEANUP,
	CTRI_OP_REMOVE,
	CTRI_OP_EXEC, /* creating or starting an exec session */
	CTRI_OP_CHECKPOINT,
	CTRI_OP_RESTORE,
	CTRI_OP_ATTACH,
	CTRI_OP_RESIZE, /* the container's terminal */
	CTRI_OP_MOUNT,
	CTRI_OP_UNMOUNT,
	CTRI_OP__COUNT
};

/* "init", "start", ...: the name in messages and in the owner records of the store (which
 * keep these very strings). "unknown" for values out of range. Static. */
const char *ctri_op_name(enum ctri_op op);

/* The operation named name (exactly, as ctri_op_name() gives it). 0, or CTR_E_INVAL for
 * a name no operation has; no message is set, since an unknown owner record is not an
 * error of the caller. */
int ctri_op_parse(const char *name, enum ctri_op *out);

/* 1 if op is allowed from state, 0 if not (UNKNOWN, REMOVING and values out of range are
 * never allowed). */
int ctri_op_allowed(enum ctri_op op, ctr_state_t state);

/* 0 if op is allowed from state; otherwise CTR_E_STATE with the message "container NAME:
 * cannot OP: container is STATE" and what the operation needs, if the table says it. */
int ctri_state_check(const char *name, enum ctri_op op, ctr_state_t state);

#endif
