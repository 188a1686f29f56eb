/* Resetting containers after a reboot. */
#ifndef LIBCTR_REBOOT_H
#define LIBCTR_REBOOT_H

#include "ctr/ctr.h"

/* Reset every container: CREATED, RUNNING and PAUSED become EXITED (keeping the last exit
 * code) or CONFIGURED (never exited), with "reset_by_reboot" naming the state they were
 * in; STOPPED becomes EXITED; owners are dropped; a REMOVING container is removed. The
 * run directory's exit files and runtime state of the last boot are deleted. Called
 * under RUN/.lock by the opener that detects the reboot. */
int ctri_reboot_reset(ctr_runtime_t *rt);

#endif
