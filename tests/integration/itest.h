/* Integration test suites and helpers. */
#ifndef CTR_ITEST_H
#define CTR_ITEST_H

#include <check.h>
#include <string.h>
#include <sys/types.h>

#include "ctr/ctr.h"

/* The suites, one CTR_SUITE(name) per `Suite *suite_name(void)` defined in a test file: the
 * build generates suites.h from the sources of the program (tests/fixtures/suites.sh). */
#define CTR_SUITE(name) Suite *suite_##name(void);
#include "suites.h"
#undef CTR_SUITE

/* ---- the run ---------------------------------------------------------------------------------
 * it_init() once in main() before the suites: checks the environment and fills in defaults
 * for CTR_MONITOR and CTR_FAKE_RUNTIME. A failing test exits without its teardown, so
 * it_sweep_all() after the suites kills and removes what any test of this run left behind
 * (for a store with networks, through the library first: bridges outlive directories). */
int it_init(void);
void it_sweep_all(void);

/* ---- runtime contexts ----------------------------------------------------------------------- */

/* A runtime over fresh temporary directories (removed by it_cleanup), with it_base()/io
 * created for it_config()'s bind mount at /shared. */
ctr_runtime_t *it_runtime(void);
const char *it_base(void);
/* Kill what the test left running in it_base()'s directories, then remove them. */
void it_cleanup(void);
/* Another context over it_base()'s directories. oci_runtime NULL and timeout_ms 0 take the
 * defaults. No assertion: for child processes too. Returns ctr_runtime_open()'s code. */
int it_open(const char *oci_runtime, unsigned timeout_ms, ctr_runtime_t **out);
/* it_open() that asserts success. */
ctr_runtime_t *it_reopen(const char *oci_runtime, unsigned timeout_ms);

/* The usual fixture: it_rt = it_runtime(); teardown closes it, restores the environment the
 * tests change (CTR_MONITOR, CTR_CLEANUP, FAKE_RUNTIME_*) and calls
 * it_cleanup(). */
extern ctr_runtime_t *it_rt;
void it_setup(void);
void it_teardown(void);

/* The busybox rootfs from CTR_TEST_ROOTFS. */
const char *it_rootfs(void);
/* tests/fake-runtime/fake-runtime (CTR_FAKE_RUNTIME). */
const char *it_fake_runtime(void);

/* Run argv (NULL-terminated), capture stdout+stderr (malloc'd, NUL-terminated) and
 * return the exit status (0..255, or 128+signal); -1 when it cannot start. */
int it_run(const char *const *argv, char **output);

/* ---- containers ----------------------------------------------------------------------------- */

/* Shell loops for containers: the init of a pid namespace ignores signals it has no handler
 * for, so a stoppable one traps the stop signal. Each touches /shared/ready once its trap is
 * set (see it_take_file). */
#define IT_LOOP		  "while :; do sleep 0.1; done"
#define IT_GRACEFUL(code) "trap 'exit " #code "' TERM; touch /shared/ready; " IT_LOOP
#define IT_STUBBORN	  "trap '' TERM; touch /shared/ready; " IT_LOOP
/* Exits with 33 once the test has called it_touch("go"). */
#define IT_UNTIL_GO "touch /shared/ready; while [ ! -e /shared/go ]; do sleep 0.02; done; exit 33"

/* A config running `/bin/sh -c script` in the busybox rootfs, with it_base()/io bound
 * at /shared (read-write) and a stop timeout of 1 s. */
ctr_config_t *it_config(const char *script);
/* The same on image layers instead of a rootfs: the busybox rootfs, and on top
 * it_base()/layer2 holding /layer2.txt (IT_LAYER2_TEXT and a newline). */
#define IT_LAYER2_TEXT "from layer two"
ctr_config_t *it_config_layered(const char *script);
/* Create a container from cfg (freed), asserting success. */
ctr_container_t *it_create(ctr_runtime_t *rt, ctr_config_t *cfg);
/* it_create(rt, it_config(script)). */
ctr_container_t *it_sh(ctr_runtime_t *rt, const char *script);

/* Create it_base()/io/name (/shared/name in the containers). */
void it_touch(const char *name);
/* Wait for it_base()/io/name to appear and remove it; asserts it came in timeout_ms. */
void it_take_file(const char *name, int timeout_ms);
/* Whether it_base()/io/name exists. */
int it_has_file(const char *name);

/* The timeout of a wait for something that must happen (a file, an exit, a child's end):
 * only a guard against a hang, far longer than anything takes on a loaded machine. Tests
 * assert what happens, never how fast: no upper bound on a duration (timings belong in
 * make bench); a lower bound ("waited at least the 1 s timeout") cannot be broken by load. */
#define IT_GUARD_MS 20000

/* "CODE (description): last error", in a thread-local buffer; reads ctr_last_error() first. */
const char *it_err(int r);

#define IT_OK(call)                                                                                \
	do {                                                                                       \
		int it_r_ = (call);                                                                \
		ck_assert_msg(it_r_ == 0, "%s: %s", #call, it_err(it_r_));                         \
	} while (0)

#define IT_FAILS(call, code)                                                                       \
	do {                                                                                       \
		int it_r_ = (call);                                                                \
		ck_assert_msg(it_r_ == (code), "%s: expected %s, got %s", #call, #code,            \
			      it_err(it_r_));                                                      \
	} while (0)

/* IT_FAILS, and the message names the container c. */
#define IT_REFUSED(call, code, c)                                                                  \
	do {                                                                                       \
		IT_FAILS(call, code);                                                              \
		ck_assert_msg(strstr(ctr_last_error(), ctr_name(c)) ||                             \
				  strstr(ctr_last_error(), ctr_id(c)),                             \
			      "%s: the message does not name container %s: %s", #call,             \
			      ctr_name(c), ctr_last_error());                                      \
	} while (0)

/* The message of the last failure is not empty beyond the code. */
#define IT_HAS_MESSAGE() ck_assert_msg(strlen(ctr_last_error()) > 0, "an empty error message")

/* The message of the last failure mentions text. */
#define IT_SAYS(text)                                                                              \
	ck_assert_msg(strstr(ctr_last_error(), text), "expected '%s' in the message: %s", text,    \
		      ctr_last_error())

/* The container's state, asserting ctr_state() succeeds. */
ctr_state_t it_state(ctr_container_t *c);

#define IT_STATE(c, want)                                                                          \
	do {                                                                                       \
		ctr_state_t it_s_ = it_state(c);                                                   \
		ck_assert_msg(it_s_ == (want), "container %s is %s, expected %s", ctr_name(c),     \
			      ctr_state_name(it_s_), ctr_state_name(want));                        \
	} while (0)

/* ctr_pid(), asserting success. */
pid_t it_pid(ctr_container_t *c);
/* ctr_wait(c, timeout_ms, &code) asserting success; returns the exit code. */
int it_wait(ctr_container_t *c, int timeout_ms);
/* ctr_exit_code(), asserting success. */
int it_exit_code(ctr_container_t *c);

/* A member of the state record ctr_inspect() shows ("state":{...}): integers, booleans as
 * 0/1. it_state_int() asserts it is there (the message shows the record). */
long long it_state_int(ctr_container_t *c, const char *key);
int it_state_has(ctr_container_t *c, const char *key);

/* The record of state ctr_inspect() shows names an owner: an operation of several steps is
 * under way (or its caller died in it). */
int it_has_owner(ctr_container_t *c);

/* ---- after a failure ------------------------------------------------------------------------ */

/* After a failed operation: the container is still in state want, no descriptor was left
 * open since it_fd_count() gave fds, no child process and (for CONFIGURED) nothing of the
 * container exists. */
void it_assert_unchanged(ctr_container_t *c, ctr_state_t want, int fds);
/* ctr_init and ctr_start of the CONFIGURED container c both fail with code, their messages
 * saying what and (if not NULL) also; then c is unchanged, and it is removed and freed. */
void it_assert_refused_to_run(ctr_container_t *c, int code, const char *what, const char *also);

/* ---- processes and leaks -------------------------------------------------------------------- */

/* Monotonic seconds. */
double it_now(void);
void it_sleep_ms(int ms);
/* Open descriptors of this process. */
int it_fd_count(void);
/* This process has no child processes, running or zombie. */
void it_assert_no_children(void);
/* The process exists and is not a zombie. */
int it_alive(pid_t pid);
/* 1 once !it_alive(pid), 0 if it is still alive after timeout_ms. */
int it_wait_gone(pid_t pid, int timeout_ms);
/* Live processes other than this one whose command line contains needle; *first gets one. */
int it_procs_with(const char *needle, pid_t *first);
/* No live process mentions needle (waits up to IT_GUARD_MS for it, then asserts). */
void it_assert_no_procs_with(const char *needle);
/* A cgroup directory of container id (/sys/fs/cgroup/libctr/ID or, in any hierarchy,
 * /sys/fs/cgroup/H/libctr/ID), or NULL; buf holds the path. */
const char *it_cgroup_left(const char *id, char *buf, size_t len);
/* Nothing of container id is left: no process mentioning it (monitor, runtime), no runtime
 * state, no cgroup, no mount. Waits up to IT_GUARD_MS for it, then asserts. */
void it_assert_no_traces(const char *id);

/* Run fn(arg) in a child process, which exits with its return value (0..255). The child must
 * open its own context (it_open) and must not use ck_assert. */
pid_t it_fork(int (*fn)(void *), void *arg);
/* For a child of it_fork(): open a context over it_base()'s directories (oci_runtime NULL:
 * runc), look up the container id and run op on it; on failure print the error naming what
 * ("start in a child: ..."). Returns the child's exit status: 0 if all went well. */
int it_child_op(const char *oci_runtime, const char *id, const char *what,
		int (*op)(ctr_container_t *c));

/* Wait for a child of it_fork(): its exit status (0..255, 128+signal), or -1 when it did not
 * end within timeout_ms (it is then killed). */
int it_join(pid_t pid, int timeout_ms);

/* ---- the fake runtime ----------------------------------------------------------------------- */

/* Log the fake runtime's calls to it_base()/fake.log (sets FAKE_RUNTIME_LOG). */
void it_fake_log(void);
/* A context on the fake runtime with a runtime timeout of timeout_ms (0: the default),
 * logging its calls (it_fake_log). */
ctr_runtime_t *it_fake_reopen(unsigned timeout_ms);
/* Pids of the logged calls of subcommand sub, at most max; returns how many. */
int it_fake_calls(const char *sub, pid_t *pids, int max);
/* Every logged call of sub has ended (waits up to timeout_ms). */
void it_assert_fake_calls_gone(const char *sub, int timeout_ms);

#endif
