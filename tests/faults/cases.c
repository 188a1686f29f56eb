/* The crash points and where each is reached from, and the suite: one test per case, and one
 * that checks the cases name exactly the CTRI_CRASHPOINTs in libctr. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CTR_CRASHPOINTS /* this program links the hook build */
#include "crashpoint.h"
#include "faults.h"

#define CONFIGURED F_STATE(CTR_STATE_CONFIGURED)
#define CREATED	   F_STATE(CTR_STATE_CREATED)
#define RUNNING	   F_STATE(CTR_STATE_RUNNING)
#define STOPPED	   F_STATE(CTR_STATE_STOPPED)
#define EXITED	   F_STATE(CTR_STATE_EXITED)
#define PAUSED	   F_STATE(CTR_STATE_PAUSED)

const struct f_case f_cases[] = {
	/* create: before its commit nothing may be left, after it the container is there */
	{ "create.bundle-made", OP_CREATE, FROM_NOTHING, 0, F_GONE, NULL },
	{ "create.spec-written", OP_CREATE, FROM_NOTHING, 0, F_GONE, NULL },
	{ "create.spec-written", OP_CREATE, FROM_NOTHING, F_LAYERED, F_GONE, NULL },
	{ "create.committing", OP_CREATE, FROM_NOTHING, 0, F_GONE, NULL },
	{ "create.committed", OP_CREATE, FROM_NOTHING, 0, CONFIGURED, NULL },

	/* init: the runtime's part is settled by the monitor, which holds the lock */
	{ "run.owner-saved", OP_INIT, FROM_CONFIGURED, 0, CONFIGURED, NULL },
	{ "mount.mounted", OP_INIT, FROM_CONFIGURED, F_LAYERED, CONFIGURED, NULL },
	{ "monitor.spawned", OP_INIT, FROM_CONFIGURED, 0, CREATED, NULL },
	{ "monitor.answer-read", OP_INIT, FROM_CONFIGURED, 0, CREATED, NULL },
	{ "run.monitor-answered", OP_INIT, FROM_CONFIGURED, F_LAYERED, CREATED, NULL },
	{ "init.saved", OP_INIT, FROM_CONFIGURED, 0, CREATED, NULL },

	/* start of a CONFIGURED container: one `run --detach` by the monitor */
	{ "run.owner-saved", OP_START, FROM_CONFIGURED, 0, CONFIGURED, NULL },
	{ "monitor.spawned", OP_START, FROM_CONFIGURED, 0, RUNNING, NULL },
	{ "monitor.answer-read", OP_START, FROM_CONFIGURED, 0, RUNNING, NULL },
	{ "run.monitor-answered", OP_START, FROM_CONFIGURED, 0, RUNNING, NULL },
	{ "run.exec-waited", OP_START, FROM_CONFIGURED, 0, RUNNING, NULL },
	{ "start.saved", OP_START, FROM_CONFIGURED, 0, RUNNING, NULL },
	/* of a STOPPED one: its last run's runtime state goes first */
	{ "run.owner-saved", OP_START, FROM_STOPPED, 0, STOPPED, NULL },
	{ "run.old-state-released", OP_START, FROM_STOPPED, 0, EXITED, NULL },
	/* of a CREATED one: `runc start` */
	{ "start.owner-saved", OP_START, FROM_CREATED, 0, CREATED, NULL },
	{ "start.runtime-started", OP_START, FROM_CREATED, 0, RUNNING, NULL },
	{ "start.exec-waited", OP_START, FROM_CREATED, 0, RUNNING, NULL },
	{ "start.saved", OP_START, FROM_CREATED, 0, RUNNING, NULL },

	/* stop: the next caller finishes it with SIGKILL */
	{ "stop.owner-saved", OP_STOP, FROM_RUNNING, 0, RUNNING | STOPPED, NULL },
	{ "stop.signalled", OP_STOP, FROM_RUNNING, 0, RUNNING | STOPPED, NULL },
	{ "stop.signalled", OP_STOP, FROM_CREATED, 0, CREATED | STOPPED, NULL },
	{ "stop.waiting", OP_STOP, FROM_RUNNING, 0, RUNNING | STOPPED, NULL },
	{ "stop.owner-saved", OP_STOP, FROM_PAUSED, 0, PAUSED | RUNNING | STOPPED, NULL },
	{ "stop.signalled", OP_STOP, FROM_PAUSED, 0, RUNNING | STOPPED, NULL },
	{ "stop.escalating", OP_STOP, FROM_RUNNING, F_STUBBORN, RUNNING | STOPPED, NULL },
	{ "stop.escalated", OP_STOP, FROM_RUNNING, F_STUBBORN, RUNNING | STOPPED, NULL },
	{ "stop.finishing", OP_STOP, FROM_RUNNING, 0, STOPPED, NULL },
	{ "stop.finished", OP_STOP, FROM_RUNNING, 0, STOPPED, NULL },

	/* cleanup: the runtime's state, exec sessions and the run's hold on the overlay go */
	{ "cleanup.owner-saved", OP_CLEANUP, FROM_STOPPED, 0, EXITED, NULL },
	{ "cleanup.released", OP_CLEANUP, FROM_STOPPED, 0, EXITED, NULL },
	{ "cleanup.owner-saved", OP_CLEANUP, FROM_STOPPED, F_LAYERED, EXITED, NULL },
	{ "mount.unmounted", OP_CLEANUP, FROM_STOPPED, F_LAYERED, EXITED, NULL },
	/* the restart policy's restart, by ctr_cleanup: a start like the others */
	{ "run.owner-saved", OP_CLEANUP, FROM_EXIT_PENDING, F_RESTART, STOPPED, NULL },
	{ "run.monitor-answered", OP_CLEANUP, FROM_EXIT_PENDING, F_RESTART, RUNNING, NULL },

	/* remove: the next caller, even a read, finishes it */
	{ "remove.owner-saved", OP_REMOVE, FROM_EXITED, 0, F_GONE, NULL },
	{ "remove.runtime-deleted", OP_REMOVE, FROM_EXITED, 0, F_GONE, NULL },
	{ "remove.runtime-deleted", OP_REMOVE, FROM_CREATED, 0, F_GONE, NULL },
	{ "remove.monitor-waited", OP_REMOVE, FROM_CREATED, 0, F_GONE, NULL },
	{ "exec.record-removed", OP_REMOVE, FROM_STOPPED, F_EXEC, F_GONE, NULL },
	{ "remove.unmounted", OP_REMOVE, FROM_EXITED, F_LAYERED, F_GONE, NULL },
	{ "remove.records-committing", OP_REMOVE, FROM_EXITED, 0, F_GONE, NULL },
	{ "remove.records-deleted", OP_REMOVE, FROM_EXITED, F_LAYERED, F_GONE, NULL },
	{ "remove.bundle-removed", OP_REMOVE, FROM_EXITED, 0, F_GONE, NULL },

	/* a read: an exit file applied, a dead remover's work finished */
	{ "sync.exit-saved", OP_STATE, FROM_EXIT_PENDING, 0, STOPPED, NULL },
	{ "sync.monitor-lost-deleted", OP_STATE, FROM_MONITOR_LOST, 0, STOPPED, NULL },
	{ "remove.owner-saved", OP_REMOVE, FROM_CREATED, 0, F_GONE,
	  "recover.remove-runtime-deleted" },
};
const size_t f_n_cases = sizeof(f_cases) / sizeof(f_cases[0]);

/* CTRI_CRASHPOINT names in the library sources, from the build (make check-faults writes it). */
static const char *const in_sources[] = {
#include "points.h"
};

/* Point name of a CTR_CRASH_AT value: without its ":N". */
static void point_of(const char *at, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s", (int)strcspn(at, ":"), at);
}

static int covered(const char *point)
{
	char name[128];

	for (size_t i = 0; i < f_n_cases; i++) {
		point_of(f_cases[i].at, name, sizeof(name));
		if (!strcmp(name, point) || (f_cases[i].then && !strcmp(f_cases[i].then, point)))
			return 1;
	}
	return 0;
}

static int in_library(const char *point)
{
	for (size_t i = 0; i < sizeof(in_sources) / sizeof(in_sources[0]); i++)
		if (!strcmp(in_sources[i], point))
			return 1;
	return 0;
}

START_TEST(test_the_cases_cover_every_crash_point_of_the_library)
{
	char name[128];

	ck_assert_msg(sizeof(in_sources) / sizeof(in_sources[0]) > 20,
		      "only %zu crash points found in libctr/*.c",
		      sizeof(in_sources) / sizeof(in_sources[0]));
	for (size_t i = 0; i < sizeof(in_sources) / sizeof(in_sources[0]); i++)
		ck_assert_msg(covered(in_sources[i]), "no test kills a caller at crash point %s",
			      in_sources[i]);
	for (size_t i = 0; i < f_n_cases; i++) {
		point_of(f_cases[i].at, name, sizeof(name));
		ck_assert_msg(in_library(name), "case %zu: libctr has no crash point %s", i, name);
		ck_assert_msg(!f_cases[i].then || in_library(f_cases[i].then),
			      "case %zu: libctr has no crash point %s", i, f_cases[i].then);
	}
}
END_TEST

/* In a child: pass the point "faults.hook" twice with CTR_CRASH_AT=arg; exits with the number
 * of hits it survived. */
static int hook_main(void *arg)
{
	int survived = 0;

	setenv("CTR_CRASH_AT", arg, 1);
	for (int i = 0; i < 2; i++, survived++)
		CTRI_CRASHPOINT("faults.hook");
	return survived;
}

START_TEST(test_the_hook_kills_at_the_named_hit_only)
{
	ck_assert_int_eq(it_join(it_fork(hook_main, "faults.hook"), IT_GUARD_MS), 128 + SIGKILL);
	ck_assert_int_eq(it_join(it_fork(hook_main, "faults.hook:2"), IT_GUARD_MS), 128 + SIGKILL);
	ck_assert_int_eq(it_join(it_fork(hook_main, "faults.hook:3"), IT_GUARD_MS), 2);
	ck_assert_int_eq(it_join(it_fork(hook_main, "faults.hoo"), IT_GUARD_MS), 2);
	ck_assert_int_eq(it_join(it_fork(hook_main, "faults.hook.x"), IT_GUARD_MS), 2);
	ck_assert_int_eq(it_join(it_fork(hook_main, ""), IT_GUARD_MS), 2);
}
END_TEST

START_TEST(test_a_caller_killed_at_a_crash_point_leaves_a_consistent_container)
{
	f_run_case(&f_cases[_i]);
}
END_TEST

Suite *suite_crashpoints(void)
{
	Suite *s = suite_create("crashpoints");
	TCase *tc = tcase_create("coverage");

	tcase_set_timeout(tc, 60); /* not Check's 4 s: a limit is only a guard against a hang */
	tcase_add_test(tc, test_the_cases_cover_every_crash_point_of_the_library);
	tcase_add_test(tc, test_the_hook_kills_at_the_named_hit_only);
	suite_add_tcase(s, tc);
	tc = tcase_create("killed");
	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_a_caller_killed_at_a_crash_point_leaves_a_consistent_container,
			    0, (int)f_n_cases);
	suite_add_tcase(s, tc);
	return s;
}
