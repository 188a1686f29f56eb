/* The container's log (ctr_logs): reading the monitor's k8s-file records back as lines. */
#ifndef LIBCTR_LOGS_H
#define LIBCTR_LOGS_H

#include "container.h"

/* Read c's log once, without following: the previous file (ctr.log.1) if there is one,
 * then the first limit bytes of ctr.log (limit < 0: all of it), with the filters of opts
 * (since_ns, until_ns, tail, CTR_LOGS_TIMESTAMPS; CTR_LOGS_FOLLOW is CTR_E_INVAL). Records
 * past the limit are not read, so a caller that took the log's size as the limit and then
 * copies what the monitor sends from that point on sees no line twice; a line left open
 * (P records) at the limit is delivered with partial = 1. No log: 0, no lines.
 * Returns 0, fn's non-zero value, CTR_E_INVAL, CTR_E_IO or CTR_E_NOMEM. */
int ctri_logs_read(ctr_container_t *c, const ctr_logs_opts_t *opts, long long limit, ctr_log_fn fn,
		   void *userdata);

#endif
