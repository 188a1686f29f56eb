/* The restart policy, applied by ctr_cleanup() to a STOPPED container, and the check that
 * a context can carry it out. */
#ifndef LIBCTR_RESTART_H
#define LIBCTR_RESTART_H

#include "state.h"

/* Waits before policy restarts: none before the first since the user's last start, then
 * 100 ms, doubling with each restart, at most 10 s. */
#define CTRI_BACKOFF_FIRST_MS 100
#define CTRI_BACKOFF_MAX_MS 10000

/* 1 if the policy restarts c's last run (st: STOPPED), with *delay_ms still to wait (the
 * backoff counts from the exit); 0 if it does not; or an error. */
int ctri_restart_due(ctr_container_t *c, const char *op, const struct ctri_st *st,
		     long long *delay_ms);

/* 0 if c's policy can be carried out: "no", or rt's ctr-cleanup is an executable regular
 * file. Else CTR_E_INVAL naming the policy, the helper's path and why. */
int ctri_policy_check(ctr_container_t *c, const char *op);

void ctri_sleep_ms(long long ms);

#endif
