/* Helpers shared by the unit tests. */
#ifndef CTR_TESTUTIL_H
#define CTR_TESTUTIL_H

#include <check.h>

#include "ctr/ctr.h"

/* A new empty directory under $TMPDIR (or /tmp); the path is malloc'd. Aborts the test on
 * failure. */
char *tu_mkdtemp(void);

/* Remove a tree (test cleanup). */
void tu_rm_rf(const char *path);

/* A runtime over fresh temporary state and run directories, with CTR_RUNTIME_NOSYNC.
 * tu_runtime_dirs() returns the base directory holding state/, run/ and rootfs/ (an empty
 * directory usable as a rootfs). */
ctr_runtime_t *tu_runtime(void);
const char *tu_base(void);
const char *tu_rootfs(void);
void tu_cleanup(void);

/* A config with the test rootfs and args {"/bin/true"}; name may be NULL. */
ctr_config_t *tu_config(const char *name);

/* "<base>/<rel>", malloc'd; creates the base directory (as tu_runtime() would) if needed. */
char *tu_path(const char *rel);

/* Add the fixtures every TCase of these suites uses: a checked teardown calling
 * tu_cleanup() (and the optional extra teardown first), and an unchecked fixture, run by
 * the runner process around the whole TCase, that points TMPDIR at a fresh directory and
 * removes it afterwards, unmounting whatever a test left mounted there. Check's fork mode
 * skips checked teardowns when a test fails or times out; the unchecked one still runs. */
void tu_add_fixtures(TCase *tc, void (*extra_teardown)(void));

/* The timeout of a wait for something that must happen (a byte from a child, a lock, a
 * thread's end): only a guard against a hang, far longer than anything takes on a loaded
 * machine. Tests assert what happens, never how fast (timings belong in make bench). */
#define TU_GUARD_MS 20000

/* Run fn(arg) in a thread and wait for it at most ms milliseconds. Returns 1 if it
 * finished, 0 if it is still running (it is then left behind, detached: use only for
 * calls expected to finish, to turn a hang into a failure). */
int tu_run_within(void *(*fn)(void *), void *arg, int ms);

/* 1 if overlays can be mounted a layer at a time with the new mount API (fsopen and
 * "lowerdir+": Linux 6.8; valgrind 3.19 has no fsopen), which libctr then uses for layers
 * beyond a page of mount(2) options. */
int tu_new_mount_api(void);

#endif
