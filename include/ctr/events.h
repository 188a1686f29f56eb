/*
 * libctr - events: the log of what every successful operation did.
 *
 * Included by <ctr/ctr.h>; do not include it on its own. The conventions of ctr.h hold.
 */
#ifndef CTR_EVENTS_H
#define CTR_EVENTS_H

#ifndef CTR_CTR_H
#error "include <ctr/ctr.h>, not <ctr/events.h>"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------
 * Events
 *
 * Every successful operation appends an event to the log in the state directory
 * (`events.log`, one JSON object per line, rotated to `events.log.1` at 4 MiB). Failed
 * operations append nothing. Types: "create", "init", "start", "stop", "kill", "died"
 * (the container's process ended: attributes exit_code, signal, oom, and monitor_lost when
 * the monitor died first), "cleanup" (restart_skipped when a dependency held a policy's
 * restart back), "restart", "remove", "pause", "unpause", "exec" (an
 * exec session started: attribute exec_id) and "exec_died" (exec_id, exit_code).
 * The log is in time order, across processes and rotations: an event's time is the clock
 * when it was appended, or the previous event's time + 1 ns when the clock is not past that
 * (it was set back: times then run ahead of it until it catches up). Times are unique and
 * increase down the log, so reading on from since_ns = the newest time seen + 1 misses
 * nothing and repeats nothing.
 */

/** One event; the strings are valid during the callback only. */
typedef struct ctr_event {
	size_t sz;		/**< sizeof(ctr_event_t) of the library */
	long long time_ns;	/**< CLOCK_REALTIME, ns since the epoch; increasing */
	const char *type;	/**< "start", "died", ... */
	const char *id;		/**< the container's id */
	const char *name;	/**< the container's name */
	const char *attributes; /**< a JSON object, e.g. {"exit_code":3,"signal":0,"oom":false} */
} ctr_event_t;

/** Called for each event; a non-zero return stops ctr_events(), which returns it. */
typedef int (*ctr_event_fn)(const ctr_event_t *ev, void *userdata);

/** Filters of ctr_events(); NULL/0 fields do not filter. */
typedef struct ctr_events_opts {
	size_t sz;		/**< sizeof(ctr_events_opts_t) */
	const char *container;	/**< a name or a full id */
	const char *type;	/**< an event type */
	long long since_ns;	/**< events at or after this time */
	long long until_ns;	/**< events at or before this time */
	unsigned flags;		/**< CTR_EVENTS_* */
} ctr_events_opts_t;

#define CTR_EVENTS_FOLLOW 0x1u /**< after the existing events, wait for new ones (no polling) */

/**
 * Read the event log, oldest first, calling fn for each event that passes the filters.
 * With CTR_EVENTS_FOLLOW, it then waits for new events and goes on until fn returns
 * non-zero; a log that is rotated, removed or truncated meanwhile is reopened.
 * @param opts NULL for all events, no follow
 * @return 0 at the end of the log (without CTR_EVENTS_FOLLOW); fn's non-zero value;
 *   CTR_E_INVAL (rt or fn NULL, bad opts, unknown flags); CTR_E_IO when the log cannot be
 *   opened or watched (CTR_E_NOENT, with CTR_EVENTS_FOLLOW, when the state directory is
 *   gone); CTR_E_NOMEM.
 */
CTR_API int ctr_events(ctr_runtime_t *rt, const ctr_events_opts_t *opts, ctr_event_fn fn,
		       void *userdata);

/**
 * A descriptor for poll()/epoll that becomes readable when the event log changes (an
 * inotify descriptor on the state directory). After each wake-up, read it empty, then read
 * the new events with ctr_events() and since_ns = the newest time_ns seen so far + 1: each
 * event is read exactly once (events a rotation drops before they are read excepted: the
 * log and events.log.1 hold the last 4 to 8 MiB). The caller closes it.
 * @return the descriptor (close-on-exec, non-blocking); CTR_E_INVAL (rt NULL); CTR_E_IO
 *   when inotify refuses (too many descriptors or watches); CTR_E_NOENT when the state
 *   directory is gone; CTR_E_NOMEM.
 */
CTR_API int ctr_events_fd(ctr_runtime_t *rt);

#ifdef __cplusplus
}
#endif

#endif /* CTR_EVENTS_H */
