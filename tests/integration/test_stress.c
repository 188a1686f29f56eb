/* Many lifecycles at once on the same directories, from processes and threads; operations
 * racing on one container; no descriptor or child process left behind. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "itest.h"

#define PROCS	   4
#define PER_PROC   25
#define THREADS	   4
#define PER_THREAD 10

/* The outcome of one lifecycle. */
struct outcome {
	int worker, round, result, code;
	char message[200];
};

/* create, start, wait, remove of a container exiting with want; *o gets what happened. */
static void lifecycle(ctr_runtime_t *rt, int worker, int round, int want, struct outcome *o)
{
	char name[64], script[32];
	const char *const args[] = { "/bin/sh", "-c", script, NULL };
	ctr_config_t *cfg = NULL;
	ctr_container_t *c = NULL;
	int r;

	*o = (struct outcome){ .worker = worker, .round = round, .code = -1 };
	snprintf(name, sizeof(name), "w%d-%02d", worker, round);
	snprintf(script, sizeof(script), "exit %d", want);
	if ((r = ctr_config_new(&cfg)) == 0 && (r = ctr_config_set_name(cfg, name)) == 0 &&
	    (r = ctr_config_set_rootfs(cfg, it_rootfs())) == 0 &&
	    (r = ctr_config_set_args(cfg, args)) == 0 && (r = ctr_create(rt, cfg, &c)) == 0 &&
	    (r = ctr_start(c, 0)) == 0 && (r = ctr_wait(c, 30000, &o->code)) == 0)
		r = ctr_remove(c, 0);
	o->result = r;
	if (r < 0)
		snprintf(o->message, sizeof(o->message), "%s: %s", name, it_err(r));
	ctr_container_free(c);
	ctr_config_free(cfg);
}

static int code_of(int worker, int round, int per_worker, int offset)
{
	return (offset + worker * per_worker + round) % 200;
}

/* Every lifecycle succeeded and exited with its own code. */
static void assert_outcomes(const struct outcome *o, int n, int per_worker, int offset)
{
	int seen[200] = { 0 };

	for (int i = 0; i < n; i++) {
		int want = code_of(o[i].worker, o[i].round, per_worker, offset);
		ck_assert_msg(o[i].result == 0, "lifecycle failed: %s", o[i].message);
		ck_assert_msg(o[i].code == want, "w%d-%02d exited %d, expected %d", o[i].worker,
			      o[i].round, o[i].code, want);
		seen[want]++;
	}
	for (int w = 0; w < n / per_worker; w++)
		for (int i = 0; i < per_worker; i++)
			ck_assert_msg(seen[code_of(w, i, per_worker, offset)] == 1,
				      "exit code %d seen %d times",
				      code_of(w, i, per_worker, offset),
				      seen[code_of(w, i, per_worker, offset)]);
}

/* Nothing is left in the store, the runtime or the process table. */
static void assert_all_gone(void)
{
	ctr_container_t **list = NULL;
	size_t count = 0;

	int r = ctr_list(it_rt, &list, &count);
	ck_assert_msg(r >= 0, "ctr_list: %s", it_err(r));
	ck_assert_msg(count == 0, "%zu containers left, e.g. %s", count,
		      count ? ctr_name(list[0]) : "");
	ctr_list_free(list, count);
	it_assert_no_procs_with(it_base());
	it_assert_no_children();
}

/* ---- processes ------------------------------------------------------------------------------ */

static int out_fd;

static int worker_main(void *arg)
{
	int worker = (int)(intptr_t)arg;
	ctr_runtime_t *rt = NULL;
	struct outcome o;
	int r = it_open(NULL, 0, &rt), failed = 0;

	for (int i = 0; i < PER_PROC; i++) {
		if (r < 0) {
			o = (struct outcome){ .worker = worker, .round = i, .result = r };
			snprintf(o.message, sizeof(o.message), "open: %s", it_err(r));
		} else {
			lifecycle(rt, worker, i, code_of(worker, i, PER_PROC, 0), &o);
		}
		failed |= o.result < 0;
		if (write(out_fd, &o, sizeof(o)) != (ssize_t)sizeof(o)) /* atomic: < PIPE_BUF */
			return 2;
	}
	ctr_runtime_close(rt);
	return failed;
}

START_TEST(test_processes_run_lifecycles_at_once)
{
	struct outcome o[PROCS * PER_PROC];
	pid_t pids[PROCS];
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	out_fd = fds[1];
	for (int p = 0; p < PROCS; p++)
		pids[p] = it_fork(worker_main, (void *)(intptr_t)p);
	close(fds[1]);
	int n = 0;
	ssize_t got;
	while (n < PROCS * PER_PROC && (got = read(fds[0], &o[n], sizeof(o[n]))) > 0) {
		ck_assert_int_eq(got, sizeof(o[n]));
		n++;
	}
	close(fds[0]);
	for (int p = 0; p < PROCS; p++) {
		int st = it_join(pids[p], 60000);
		ck_assert_msg(st == 0 || st == 1, "worker %d: status %d", p, st);
	}
	ck_assert_int_eq(n, PROCS * PER_PROC);
	assert_outcomes(o, n, PER_PROC, 0);
	assert_all_gone();
}
END_TEST

/* ---- threads -------------------------------------------------------------------------------- */

struct thread_work {
	int worker;
	pthread_t thread;
	struct outcome o[PER_THREAD];
};

static void *thread_main(void *arg)
{
	struct thread_work *t = arg;

	for (int i = 0; i < PER_THREAD; i++)
		lifecycle(it_rt, t->worker, i, code_of(t->worker, i, PER_THREAD, 100), &t->o[i]);
	return NULL;
}

START_TEST(test_threads_run_lifecycles_at_once)
{
	struct thread_work t[THREADS];
	struct outcome all[THREADS * PER_THREAD];

	for (int i = 0; i < THREADS; i++) {
		t[i].worker = i;
		ck_assert_int_eq(pthread_create(&t[i].thread, NULL, thread_main, &t[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i].thread, NULL);
		memcpy(&all[i * PER_THREAD], t[i].o, sizeof(t[i].o));
	}
	assert_outcomes(all, THREADS * PER_THREAD, PER_THREAD, 100);
	assert_all_gone();
}
END_TEST

/* ---- racing on one container ---------------------------------------------------------------- */

struct racer {
	ctr_container_t *c;
	pthread_t thread;
	int starts, unexpected;
	char message[256];
};

static void *racer_main(void *arg)
{
	struct racer *r = arg;

	for (int i = 0; i < 6 && !r->unexpected; i++) {
		int e = ctr_start(r->c, 0);
		if (e == 0)
			r->starts++;
		else if (e != CTR_E_STATE)
			r->unexpected = e;
		double t0 = it_now();
		e = ctr_stop(r->c, 0);
		if (e != 0 && e != CTR_E_STOPPED && e != CTR_E_STATE && !r->unexpected)
			r->unexpected = e;
		if (r->unexpected)
			snprintf(r->message, sizeof(r->message), "after %.2f s: %s", it_now() - t0,
				 it_err(r->unexpected));
	}
	return NULL;
}

START_TEST(test_racing_starts_and_stops_on_one_container)
{
	ctr_container_t *c = it_sh(it_rt, IT_LOOP);
	struct racer r[3];
	int starts = 0;

	for (int i = 0; i < 3; i++) {
		r[i] = (struct racer){ .starts = 0 };
		IT_OK(ctr_lookup(it_rt, ctr_id(c), &r[i].c));
		ck_assert_int_eq(pthread_create(&r[i].thread, NULL, racer_main, &r[i]), 0);
	}
	for (int i = 0; i < 3; i++) {
		pthread_join(r[i].thread, NULL);
		ck_assert_msg(!r[i].unexpected, "racer %d: %s", i, r[i].message);
		starts += r[i].starts;
		ctr_container_free(r[i].c);
	}
	ck_assert_int_gt(starts, 0);
	ctr_state_t s = it_state(c);
	if (s == CTR_STATE_RUNNING)
		IT_OK(ctr_stop(c, 0));
	IT_STATE(c, CTR_STATE_STOPPED);
	ck_assert_int_eq(it_pid(c), 0);
	ck_assert_int_eq(it_exit_code(c), 137);
	IT_OK(ctr_remove(c, 0));
	it_assert_no_traces(ctr_id(c));
	ctr_container_free(c);
}
END_TEST

/* ---- leaks ---------------------------------------------------------------------------------- */

/* Every operation once, on a context of its own. */
static void full_lifecycle(ctr_runtime_t *rt)
{
	ctr_container_t *c = it_sh(rt, IT_GRACEFUL(0)), *again = NULL;
	char *json = NULL;

	IT_OK(ctr_init(c, 0));
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	IT_OK(ctr_sync(c));
	IT_OK(ctr_inspect(c, &json));
	ctr_free(json);
	int fd = ctr_wait_fd(c);
	ck_assert_msg(fd >= 0, "ctr_wait_fd: %s", it_err(fd));
	close(fd);
	IT_OK(ctr_lookup(rt, ctr_name(c), &again));
	IT_OK(ctr_kill(again, SIGTERM));
	ck_assert_int_eq(it_wait(again, IT_GUARD_MS), 0);
	ctr_container_free(again);
	IT_OK(ctr_cleanup(c));
	IT_OK(ctr_restart(c, 1));
	it_take_file("ready", IT_GUARD_MS);
	IT_OK(ctr_stop(c, 5));
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}

START_TEST(test_a_lifecycle_leaves_no_descriptor_or_child)
{
	int before_open = it_fd_count();
	ctr_runtime_t *rt = it_reopen(NULL, 0);

	full_lifecycle(rt); /* a first one may open what the context keeps */
	int before = it_fd_count();
	full_lifecycle(rt);
	ck_assert_msg(it_fd_count() == before, "%d descriptors before a lifecycle, %d after",
		      before, it_fd_count());
	it_assert_no_children();
	ctr_runtime_close(rt);
	ck_assert_msg(it_fd_count() == before_open,
		      "%d descriptors before opening a context, %d after closing it", before_open,
		      it_fd_count());
}
END_TEST

Suite *suite_stress(void)
{
	Suite *s = suite_create("stress");
	TCase *tc = tcase_create("concurrency");

	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, test_processes_run_lifecycles_at_once);
	tcase_add_test(tc, test_threads_run_lifecycles_at_once);
	tcase_add_test(tc, test_racing_starts_and_stops_on_one_container);
	suite_add_tcase(s, tc);

	tc = tcase_create("leaks");
	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_a_lifecycle_leaves_no_descriptor_or_child);
	suite_add_tcase(s, tc);
	return s;
}
