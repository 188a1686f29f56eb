/* Helpers shared by the unit tests. */
#ifndef CTR_TESTUTIL_H
#define CTR_TESTUTIL_H

#include <check.h>
#include <stdio.h>
#include <unistd.h>

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

/* Ends the test early, as skipped, unless it runs as root: for what needs root itself
 * (mounts, device nodes, files of other owners). */
#define TU_NEEDS_ROOT(why)                                                                         \
	do {                                                                                       \
		if (geteuid() != 0) {                                                              \
			printf("skipped %s: needs root to %s\n", __func__, why);                   \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/* 1 if overlays can be mounted a layer at a time with the new mount API (fsopen and
 * "lowerdir+": Linux 6.8; valgrind 3.19 has no fsopen), which libctr then uses for layers
 * beyond a page of mount(2) options. */
int tu_new_mount_api(void);

/* ---- containers run by the fake runtime over host-runtime --------------------------------
 * Lifecycle, sync and exec without root: the runtime is tests/fake-runtime/fake-runtime
 * (CTR_FAKE_RUNTIME; its FAKE_RUNTIME_* knobs inject faults) in front of host-runtime, beside
 * it, which runs a container's process as a plain process of this user on the host (runc
 * needs root here); the monitor is CTR_MONITOR. make check-unit sets both; run by hand, the
 * build tree's are used from the top directory. */

/* A runtime over the state and run directories of tu_runtime(), with that runtime and a
 * runtime_timeout_ms of timeout_ms (0: the default). */
ctr_runtime_t *tu_host_runtime(unsigned timeout_ms);

/* The fixtures of a test case run that way: tu_add_fixtures(), and tu_host_rt, a
 * tu_host_runtime(0) opened before each test and closed after it. */
extern ctr_runtime_t *tu_host_rt;
void tu_add_host_fixtures(TCase *tc);

/* A container created in rt whose process is `/bin/sh -c script`, with the base directory
 * (tu_base()) as its working directory and as $0 (so that the sandbox's sweep finds it). */
ctr_container_t *tu_sh(ctr_runtime_t *rt, const char *script);

/* Wait for the file tu_base()/name a container's script makes (`touch name`), then remove
 * it; fails the test after TU_GUARD_MS. */
void tu_take_file(const char *name);

/* ctr_state(), asserting success. */
ctr_state_t tu_state(ctr_container_t *c);

/* ctr_wait(c, TU_GUARD_MS, &code) asserting success: the exit code. */
int tu_wait(ctr_container_t *c);

/* The call returns 0; TU_FAILS: it returns code. Both show the last error otherwise. */
#define TU_OK(call)                                                                                \
	do {                                                                                       \
		int tu_r_ = (call);                                                                \
		ck_assert_msg(tu_r_ == 0, "%s: %d %s", #call, tu_r_, ctr_last_error());            \
	} while (0)

#define TU_FAILS(call, code)                                                                       \
	do {                                                                                       \
		int tu_r_ = (call);                                                                \
		ck_assert_msg(tu_r_ == (code), "%s: expected %s, got %d %s", #call, #code, tu_r_,  \
			      ctr_last_error());                                                   \
	} while (0)

/* The message of the last failure mentions text. */
#define TU_SAYS(text)                                                                              \
	ck_assert_msg(strstr(ctr_last_error(), text), "expected '%s' in the message: %s", text,    \
		      ctr_last_error())

#define TU_STATE(c, want)                                                                          \
	do {                                                                                       \
		ctr_state_t tu_s_ = tu_state(c);                                                   \
		ck_assert_msg(tu_s_ == (want), "container is %s, expected %s",                     \
			      ctr_state_name(tu_s_), ctr_state_name(want));                        \
	} while (0)

/* A script's endless wait: short sleeps, so that an orphaned sleep ends soon. */
#define TU_LOOP "while :; do sleep 0.1; done"
/* Exits with code on SIGTERM, after making the file "ready". */
#define TU_GRACEFUL(code) "trap 'exit " #code "' TERM; touch ready; " TU_LOOP

#endif
