/* Creates and removes under way: a marker file per container id in STATE/pending, so that
 * what a killed creator or remover leaves outside the store (a bundle without records, a lock
 * file) is found and deleted by the next ctr_runtime_open() (docs/design.md, "Crash
 * points"). */
#ifndef LIBCTR_PENDING_H
#define LIBCTR_PENDING_H

#include "ctr/ctr.h"

/* Before a create's first file or a remove's first deletion, with the container's lock held:
 * the marker STATE/pending/ID. CTR_E_IO if it cannot be written. */
int ctri_pending_mark(ctr_runtime_t *rt, const char *id);
/* After the create's commit (or its undo) or the remove's last deletion. */
void ctri_pending_clear(ctr_runtime_t *rt, const char *id);
/* For each marker whose container lock is free (its creator or remover died): if the store
 * has no record of the id, delete its bundle and lock file; then the marker. Best effort:
 * a marker it cannot settle stays for the next opener. */
void ctri_pending_sweep(ctr_runtime_t *rt);

#endif
