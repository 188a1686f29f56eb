/* Crash points: places between the steps of an operation where a test build can kill the
 * calling process, to check that the next caller finds a consistent state (tests/faults/,
 * docs/design.md "Crash points").
 *
 * CTRI_CRASHPOINT("op.step") is nothing at all unless the library is compiled with
 * -DCTR_CRASHPOINTS (the hook build of make check-faults). There it raises SIGKILL when the
 * environment variable CTR_CRASH_AT names the point: "op.step" for its first hit,
 * "op.step:N" for its N-th hit in this process. Names are string literals, one per place:
 * the test collects them from the sources with grep. */
#ifndef CTR_CRASHPOINT_H
#define CTR_CRASHPOINT_H

#ifdef CTR_CRASHPOINTS
/* Kill this process with SIGKILL if CTR_CRASH_AT names this hit of point name. */
void ctri_crashpoint(const char *name);
#define CTRI_CRASHPOINT(name) ctri_crashpoint(name)
#else
#define CTRI_CRASHPOINT(name) ((void)0)
#endif

#endif
