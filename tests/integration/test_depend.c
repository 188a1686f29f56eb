/* Dependencies: a start needs its dependencies running (CTR_E_DEPEND naming one that is
 * not), CTR_RECURSIVE starts them first in order, and a container others depend on is not
 * removed unless forced. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"

/* A looping container named name that depends on the containers named in deps. */
static ctr_container_t *dependent(const char *name, const char *const *deps)
{
	ctr_config_t *cfg = it_config(IT_LOOP);

	ck_assert_int_eq(ctr_config_set_name(cfg, name), 0);
	for (size_t i = 0; deps && deps[i]; i++)
		ck_assert_int_eq(ctr_config_add_dependency(cfg, deps[i]), 0);
	return it_create(it_rt, cfg);
}

START_TEST(test_start_needs_running_dependencies)
{
	ctr_container_t *db = dependent("db", NULL);
	ctr_container_t *web = dependent("web", (const char *const[]){ "db", NULL });

	IT_REFUSED(ctr_start(web, 0), CTR_E_DEPEND, web);
	IT_SAYS("db");
	IT_SAYS("configured");
	IT_REFUSED(ctr_init(web, 0), CTR_E_DEPEND, web);
	IT_STATE(web, CTR_STATE_CONFIGURED);
	IT_STATE(db, CTR_STATE_CONFIGURED);

	IT_OK(ctr_start(db, 0));
	IT_OK(ctr_start(web, 0));
	IT_STATE(web, CTR_STATE_RUNNING);

	IT_OK(ctr_stop(web, 0));
	IT_OK(ctr_stop(db, 0));
	IT_REFUSED(ctr_start(web, 0), CTR_E_DEPEND, web); /* db stopped */
	IT_SAYS("stopped");
	IT_OK(ctr_remove(web, 0));
	IT_OK(ctr_remove(db, 0));
	ctr_container_free(web);
	ctr_container_free(db);
}
END_TEST

START_TEST(test_recursive_start_starts_the_graph_in_order)
{
	/* base <- mid <- top, and base <- top directly too. */
	ctr_container_t *base = dependent("base", NULL);
	ctr_container_t *mid = dependent("mid", (const char *const[]){ "base", NULL });
	ctr_container_t *top = dependent("top", (const char *const[]){ "mid", "base", NULL });

	IT_OK(ctr_start(top, CTR_RECURSIVE));
	IT_STATE(base, CTR_STATE_RUNNING);
	IT_STATE(mid, CTR_STATE_RUNNING);
	IT_STATE(top, CTR_STATE_RUNNING);
	long long tb = it_state_int(base, "started_at"), tm = it_state_int(mid, "started_at");
	long long tt = it_state_int(top, "started_at");
	ck_assert_msg(tb < tm && tm < tt, "start order: base %lld, mid %lld, top %lld", tb, tm,
		      tt);

	/* init with CTR_RECURSIVE: the dependencies run, the container is created. */
	IT_OK(ctr_stop(top, 0));
	IT_OK(ctr_stop(mid, 0));
	IT_OK(ctr_init(top, CTR_RECURSIVE));
	IT_STATE(mid, CTR_STATE_RUNNING);
	IT_STATE(top, CTR_STATE_CREATED);

	IT_OK(ctr_remove(top, 0));
	IT_OK(ctr_remove(mid, CTR_FORCE));
	IT_OK(ctr_remove(base, CTR_FORCE));
	it_assert_no_traces(ctr_id(base));
	ctr_container_free(top);
	ctr_container_free(mid);
	ctr_container_free(base);
}
END_TEST

/* Independent dependencies start at the same time: with a runtime whose `run` hangs until
 * two runs are under way at once (FAKE_RUNTIME_MEET), both fail together. One after the
 * other, the first would hang until its 60 s timeout, past the test's time limit. */
START_TEST(test_independent_dependencies_start_in_parallel)
{
	it_fake_log();
	ctr_runtime_t *rt = it_reopen(it_fake_runtime(), 60000);
	ctr_container_t *a = dependent("pa", NULL), *b = dependent("pb", NULL);
	ctr_container_t *top = dependent("ptop", (const char *const[]){ "pa", "pb", NULL }), *t2;

	IT_OK(ctr_lookup(rt, "ptop", &t2));
	setenv("FAKE_RUNTIME_HANG", "run", 1);
	setenv("FAKE_RUNTIME_MEET", "2", 1);
	IT_REFUSED(ctr_start(t2, CTR_RECURSIVE), CTR_E_DEPEND, t2);
	unsetenv("FAKE_RUNTIME_HANG");
	unsetenv("FAKE_RUNTIME_MEET");
	IT_SAYS("fake-runtime: 2 calls of run met");
	ck_assert_int_eq(it_fake_calls("run", (pid_t[4]){ 0 }, 4), 2);
	IT_STATE(a, CTR_STATE_CONFIGURED);
	IT_STATE(b, CTR_STATE_CONFIGURED);
	IT_STATE(top, CTR_STATE_CONFIGURED);
	IT_OK(ctr_start(t2, CTR_RECURSIVE)); /* and with a runtime that works, all run */
	IT_STATE(a, CTR_STATE_RUNNING);
	IT_STATE(b, CTR_STATE_RUNNING);
	IT_OK(ctr_remove(t2, CTR_FORCE));
	IT_OK(ctr_remove(a, CTR_FORCE));
	IT_OK(ctr_remove(b, CTR_FORCE));
	ctr_container_free(t2);
	ctr_container_free(top);
	ctr_container_free(a);
	ctr_container_free(b);
	ctr_runtime_close(rt);
}
END_TEST

START_TEST(test_a_dependency_is_not_removed_unless_forced)
{
	ctr_container_t *db = dependent("db", NULL);
	ctr_container_t *web = dependent("web", (const char *const[]){ "db", NULL });
	ctr_container_t *api = dependent("api", (const char *const[]){ "db", NULL });

	IT_OK(ctr_start(db, 0));
	IT_REFUSED(ctr_remove(db, 0), CTR_E_DEPEND, db);
	IT_SAYS("api");
	IT_SAYS("web");
	IT_STATE(db, CTR_STATE_RUNNING); /* refused before anything was stopped */
	IT_OK(ctr_stop(db, 0));
	IT_FAILS(ctr_remove(db, 0), CTR_E_DEPEND);

	IT_OK(ctr_remove(api, 0));
	IT_REFUSED(ctr_remove(db, 0), CTR_E_DEPEND, db); /* web still */
	ck_assert_ptr_null(strstr(ctr_last_error(), "api"));

	IT_OK(ctr_remove(db, CTR_FORCE));
	IT_REFUSED(ctr_start(web, 0), CTR_E_DEPEND, web);
	IT_SAYS("removed");
	IT_REFUSED(ctr_start(web, CTR_RECURSIVE), CTR_E_DEPEND, web);
	IT_OK(ctr_remove(web, 0));
	ctr_container_free(api);
	ctr_container_free(web);
	ctr_container_free(db);
}
END_TEST

START_TEST(test_an_unknown_dependency_fails_create)
{
	ctr_config_t *cfg = it_config(IT_LOOP);
	ctr_container_t *c = NULL;

	ck_assert_int_eq(ctr_config_add_dependency(cfg, "nosuch"), 0);
	IT_FAILS(ctr_create(it_rt, cfg, &c), CTR_E_NOENT);
	IT_SAYS("nosuch");
	ck_assert_ptr_null(c);
	ctr_config_free(cfg);

	/* No cycle can be made: a container can only name ones that exist, never itself. */
	cfg = it_config(IT_LOOP);
	ck_assert_int_eq(ctr_config_set_name(cfg, "self"), 0);
	ck_assert_int_eq(ctr_config_add_dependency(cfg, "self"), 0);
	IT_FAILS(ctr_create(it_rt, cfg, &c), CTR_E_NOENT);
	IT_SAYS("self");
	ctr_config_free(cfg);
}
END_TEST

/* web: policy always, depends on db; each run exits 33 once the test touches "go". */
static ctr_container_t *always_web(void)
{
	ctr_config_t *cfg = it_config("touch /shared/ready; while [ ! -e /shared/go ]; do "
				      "sleep 0.02; done; rm /shared/go; exit 33");

	ck_assert_int_eq(ctr_config_set_name(cfg, "web"), 0);
	ck_assert_int_eq(ctr_config_add_dependency(cfg, "db"), 0);
	ck_assert_int_eq(ctr_config_set_restart_policy(cfg, CTR_RESTART_ALWAYS, 0), 0);
	return it_create(it_rt, cfg);
}

/* Let web's run exit and wait until the policy has made restart number n. */
static void exit_and_restart(ctr_container_t *web, int n)
{
	double t0 = it_now();

	it_touch("go");
	it_take_file("ready", IT_GUARD_MS);
	while ((it_state(web) != CTR_STATE_RUNNING || it_state_int(web, "restart_count") != n) &&
	       it_now() - t0 < 10)
		it_sleep_ms(20);
	IT_STATE(web, CTR_STATE_RUNNING);
	ck_assert_int_eq(it_state_int(web, "restart_count"), n);
}

/* Let web's run exit while a dependency does not run: it must end EXITED with its exit
 * code, not restarted (restart_count stays n). */
static void exit_for_good(ctr_container_t *web, int n)
{
	double t0 = it_now();
	ctr_state_t s;

	it_touch("go");
	while ((s = it_state(web)) != CTR_STATE_EXITED && it_now() - t0 < 10)
		it_sleep_ms(20);
	ck_assert_msg(s == CTR_STATE_EXITED, "web is %s with restart_count %lld, not EXITED",
		      ctr_state_name(s), it_state_int(web, "restart_count"));
	ck_assert_int_eq(it_state_int(web, "restart_count"), n);
	ck_assert_int_eq(it_exit_code(web), 33);
}

struct reason {
	const char *text;
	int found;
};

static int find_reason(const ctr_event_t *ev, void *ud)
{
	struct reason *w = ud;

	if (strstr(ev->attributes, "restart_skipped") && strstr(ev->attributes, w->text))
		w->found++;
	return 0;
}

/* The "cleanup" events of c that say why the policy did not restart it, with text. The
 * cleanup writes its event after the state EXITED, under the same lock, so a reader that
 * saw the state may look before the event is there: wait for it (a guard, not a timing). */
static int skipped_because(ctr_container_t *c, const char *text)
{
	struct reason w = { text, 0 };
	CTR_OPTS(ctr_events_opts_t, o, .container = ctr_id(c), .type = "cleanup");
	double t0 = it_now();

	do {
		w.found = 0;
		IT_OK(ctr_events(it_rt, &o, find_reason, &w));
		if (!w.found)
			it_sleep_ms(20);
	} while (!w.found && it_now() - t0 < IT_GUARD_MS / 1000.0);
	return w.found;
}

/* A restart by the policy obeys the rule of ctr_start: with a dependency stopped, or
 * removed with CTR_FORCE, the container that exits is not restarted, and the cleanup
 * event says why. */
START_TEST(test_a_policy_restart_needs_running_dependencies)
{
	ctr_container_t *db = dependent("db", NULL), *web = always_web();

	IT_OK(ctr_start(db, 0));
	IT_OK(ctr_start(web, 0));
	it_take_file("ready", IT_GUARD_MS);
	exit_and_restart(web, 1);
	IT_OK(ctr_stop(db, 0));
	exit_for_good(web, 1);
	ck_assert_int_eq(skipped_because(web, "dependency db is stopped"), 1);
	IT_REFUSED(ctr_start(web, 0), CTR_E_DEPEND, web); /* the same rule */

	IT_OK(ctr_start(db, 0));
	IT_OK(ctr_start(web, 0));
	it_take_file("ready", IT_GUARD_MS);
	exit_and_restart(web, 1);
	IT_OK(ctr_remove(db, CTR_FORCE));
	exit_for_good(web, 1);
	ck_assert_int_eq(skipped_because(web, "was removed"), 1);
	IT_REFUSED(ctr_start(web, 0), CTR_E_DEPEND, web);
	IT_OK(ctr_remove(web, 0));
	it_assert_no_traces(ctr_id(web));
	ctr_container_free(web);
	ctr_container_free(db);
}
END_TEST

Suite *suite_depend(void)
{
	Suite *s = suite_create("depend");
	TCase *tc = tcase_create("depend");

	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 40);
	tcase_add_test(tc, test_start_needs_running_dependencies);
	tcase_add_test(tc, test_recursive_start_starts_the_graph_in_order);
	tcase_add_test(tc, test_independent_dependencies_start_in_parallel);
	tcase_add_test(tc, test_a_dependency_is_not_removed_unless_forced);
	tcase_add_test(tc, test_an_unknown_dependency_fails_create);
	tcase_add_test(tc, test_a_policy_restart_needs_running_dependencies);
	suite_add_tcase(s, tc);
	return s;
}
