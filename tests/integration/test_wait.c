/* Waiting with real runc: timeouts, waiters in other threads and processes, ctr_wait_fd()
 * (pidfd, or a pipe without pidfds) in poll(), ctr_wait_condition(). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

/* A waiter in another thread, on its own handle of the container. */
struct waiter {
	ctr_container_t *c;
	ctr_state_t state; /* CTR_STATE_UNKNOWN: ctr_wait(), else ctr_wait_condition() */
	int timeout_ms;
	pthread_t thread;
	int result, code;
	volatile int done;
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;

	if (w->state == CTR_STATE_UNKNOWN)
		w->result = ctr_wait(w->c, w->timeout_ms, &w->code);
	else
		w->result = ctr_wait_condition(w->c, w->state, w->timeout_ms);
	w->done = 1;
	return NULL;
}

static void waiter_start(struct waiter *w, ctr_container_t *c, ctr_state_t state, int timeout_ms)
{
	*w = (struct waiter){ .state = state, .timeout_ms = timeout_ms, .code = -12345 };
	IT_OK(ctr_lookup(it_rt, ctr_id(c), &w->c));
	ck_assert_int_eq(pthread_create(&w->thread, NULL, waiter_main, w), 0);
}

static void waiter_join(struct waiter *w)
{
	pthread_join(w->thread, NULL);
	ctr_container_free(w->c);
}

/* A waiter in a child process with its own context, without a timeout (it_join() is the
 * guard): exits with the container's exit code (ctr_wait) or 0 (ctr_wait_condition); 250
 * and up on errors. */
struct remote {
	char id[65];
	ctr_state_t state;
};

static int remote_main(void *arg)
{
	struct remote *rw = arg;
	ctr_runtime_t *rt = NULL;
	ctr_container_t *c = NULL;
	int code = -1, r;

	if ((r = it_open(NULL, 0, &rt)) < 0 || (r = ctr_lookup(rt, rw->id, &c)) < 0) {
		fprintf(stderr, "waiter: open/lookup: %s\n", it_err(r));
		return 250;
	}
	if (rw->state == CTR_STATE_UNKNOWN)
		r = ctr_wait(c, -1, &code);
	else
		r = ctr_wait_condition(c, rw->state, -1);
	if (r < 0)
		fprintf(stderr, "waiter: %s\n", it_err(r));
	ctr_container_free(c);
	ctr_runtime_close(rt);
	if (r < 0)
		return r == CTR_E_TIMEOUT ? 251 : 252;
	return rw->state == CTR_STATE_UNKNOWN ? code : 0;
}

static pid_t remote_start(ctr_container_t *c, ctr_state_t state)
{
	static struct remote rw; /* copied into the child by fork */

	snprintf(rw.id, sizeof(rw.id), "%s", ctr_id(c));
	rw.state = state;
	return it_fork(remote_main, &rw);
}

static int still_running(pid_t child)
{
	int status;

	return waitpid(child, &status, WNOHANG) == 0;
}

START_TEST(test_wait_times_out_quickly)
{
	ctr_container_t *c = it_sh(it_rt, IT_GRACEFUL(0));
	int code = -7;

	IT_FAILS(ctr_wait_condition(c, CTR_STATE_STOPPED, 200), CTR_E_TIMEOUT); /* CONFIGURED */
	IT_FAILS(ctr_wait_condition(c, CTR_STATE_RUNNING, 200), CTR_E_TIMEOUT);
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);

	IT_FAILS(ctr_wait(c, 0, &code), CTR_E_TIMEOUT); /* a poll: no wait */
	double t0 = it_now();
	IT_FAILS(ctr_wait(c, 300, &code), CTR_E_TIMEOUT);
	double took = it_now() - t0;
	ck_assert_msg(took >= 0.28, "ctr_wait(300 ms) gave up after %.3f s", took);
	IT_FAILS(ctr_wait_condition(c, CTR_STATE_STOPPED, 100), CTR_E_TIMEOUT);
	ck_assert_int_eq(code, -7);
	IT_STATE(c, CTR_STATE_RUNNING);
	IT_OK(ctr_remove(c, CTR_FORCE));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_waiters_in_other_threads_and_processes_get_the_exit_code)
{
	ctr_container_t *c = it_sh(it_rt, IT_UNTIL_GO);
	struct waiter w[2];

	/* A waiter for STOPPED on a CONFIGURED container waits for it to run and exit. */
	waiter_start(&w[0], c, CTR_STATE_STOPPED, 20000);
	it_sleep_ms(200);
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	pid_t child = remote_start(c, CTR_STATE_UNKNOWN);
	waiter_start(&w[1], c, CTR_STATE_UNKNOWN, -1);
	it_sleep_ms(200);
	ck_assert_msg(still_running(child), "the waiting process ended early");
	ck_assert_msg(!w[0].done && !w[1].done, "a waiting thread ended early: %s",
		      it_err(w[0].done ? w[0].result : w[1].result));

	it_touch("go");
	ck_assert_int_eq(it_join(child, IT_GUARD_MS), 33);
	for (int i = 0; i < 2; i++) {
		waiter_join(&w[i]);
		ck_assert_msg(w[i].result == 0, "waiter %d: %s", i, it_err(w[i].result));
	}
	ck_assert_int_eq(w[1].code, 33);
	ck_assert_int_eq(it_wait(c, 0), 33);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
	it_assert_no_children();
}
END_TEST

/* The kind of descriptor fd is: "pidfd", "inotify", ... (from its /proc/self/fd link). */
static void assert_fd_kind(int fd, const char *kind)
{
	char path[64], link[256];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	ck_assert_int_gt(n, 0);
	link[n] = '\0';
	ck_assert_msg(strstr(link, kind), "ctr_wait_fd gave %s, expected a %s", link, kind);
}

static int readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = poll(&p, 1, timeout_ms);

	ck_assert_int_ge(n, 0);
	return n > 0 && (p.revents & POLLIN);
}

/* ctr_wait_fd() of a container of rt, which gives descriptors of the kind named. */
static void check_wait_fd(ctr_runtime_t *rt, const char *kind)
{
	ctr_container_t *c = it_sh(rt, IT_UNTIL_GO);
	int code = -1, fd;

	IT_FAILS(ctr_wait_fd(c), CTR_E_STATE); /* CONFIGURED: nothing runs yet */
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	fd = ctr_wait_fd(c);
	ck_assert_msg(fd >= 0, "ctr_wait_fd: %s", it_err(fd));
	ck_assert_msg(fcntl(fd, F_GETFD) & FD_CLOEXEC, "wait fd is not close-on-exec");
	assert_fd_kind(fd, kind);
	ck_assert_msg(!readable(fd, 300), "%s readable while the container runs", kind);

	it_touch("go");
	double t0 = it_now();
	for (;;) {
		ck_assert_msg(it_now() - t0 < IT_GUARD_MS / 1000.0,
			      "the %s did not report the exit", kind);
		if (!readable(fd, 100))
			continue;
		int r = ctr_wait(c, 0, &code); /* readable means the run has ended */
		ck_assert_msg(r == 0, "%s readable, then ctr_wait(0): %s", kind, it_err(r));
		break;
	}
	ck_assert_int_eq(code, 33);
	close(fd);

	/* Readable at once for a container that has exited. */
	IT_STATE(c, CTR_STATE_STOPPED);
	fd = ctr_wait_fd(c);
	ck_assert_msg(fd >= 0, "ctr_wait_fd of STOPPED: %s", it_err(fd));
	ck_assert_msg(readable(fd, 0), "wait fd of a STOPPED container is not readable");
	close(fd);
	IT_OK(ctr_cleanup(c));
	fd = ctr_wait_fd(c);
	ck_assert_msg(fd >= 0, "ctr_wait_fd of EXITED: %s", it_err(fd));
	ck_assert_msg(readable(fd, 0), "wait fd of an EXITED container is not readable");
	close(fd);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}

START_TEST(test_wait_fd_is_a_pidfd_readable_after_the_exit)
{
	const char *no = getenv("CTR_NO_PIDFD");
	long fd = syscall(SYS_pidfd_open, getpid(), 0);
	int missing = (fd < 0 && errno == ENOSYS) || (no && !strcmp(no, "1"));

	/* where pidfd_open is missing (valgrind, Linux before 5.3): the fallback's pipe */
	check_wait_fd(it_rt, missing ? "pipe" : "pidfd");
	if (fd >= 0)
		close((int)fd);
}
END_TEST

START_TEST(test_wait_fd_without_pidfds_is_a_pipe_readable_after_the_exit)
{
	setenv("CTR_NO_PIDFD", "1", 1);
	check_wait_fd(it_rt, "pipe");
}
END_TEST

START_TEST(test_wait_condition_running_sees_a_start_elsewhere)
{
	ctr_container_t *c = it_sh(it_rt, IT_GRACEFUL(0));
	struct waiter w;

	pid_t child = remote_start(c, CTR_STATE_RUNNING);
	waiter_start(&w, c, CTR_STATE_RUNNING, -1); /* woken by the start, or hangs */
	it_sleep_ms(300);
	ck_assert_msg(!w.done, "wait_condition(RUNNING) returned before the start: %s",
		      it_err(w.result));
	ck_assert_msg(still_running(child), "the waiting process ended before the start");

	IT_OK(ctr_start(c, 0));
	waiter_join(&w);
	ck_assert_msg(w.result == 0, "wait_condition(RUNNING) in a thread: %s", it_err(w.result));
	ck_assert_int_eq(it_join(child, IT_GUARD_MS), 0);

	/* STOPPED and EXITED: either satisfies both */
	it_take_file("ready", IT_GUARD_MS);
	IT_OK(ctr_stop(c, 5));
	IT_OK(ctr_wait_condition(c, CTR_STATE_STOPPED, 0));
	IT_OK(ctr_wait_condition(c, CTR_STATE_EXITED, 0));
	IT_OK(ctr_cleanup(c));
	IT_OK(ctr_wait_condition(c, CTR_STATE_STOPPED, 0));
	IT_OK(ctr_wait_condition(c, CTR_STATE_EXITED, 0));
	IT_FAILS(ctr_wait_condition(c, CTR_STATE_RUNNING, 100), CTR_E_TIMEOUT);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_wait_condition_created_sees_an_init)
{
	ctr_container_t *c = it_sh(it_rt, IT_GRACEFUL(0));
	struct waiter w;

	waiter_start(&w, c, CTR_STATE_CREATED, -1);
	it_sleep_ms(200);
	ck_assert(!w.done);
	IT_OK(ctr_init(c, 0));
	waiter_join(&w);
	ck_assert_msg(w.result == 0, "wait_condition(CREATED): %s", it_err(w.result));
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

/* ctr_wait does not wait when nothing runs (libpod's Wait): after a failed start, before a
 * first start, and for a container created again, whose last exit code it gives. */
START_TEST(test_wait_returns_at_once_when_nothing_runs)
{
	const char *const missing[] = { "/nonexistent", NULL };
	ctr_config_t *cfg = it_config("unused");
	ck_assert_int_eq(ctr_config_set_args(cfg, missing), 0);
	ctr_container_t *bad = it_create(it_rt, cfg);
	int code = -7;

	IT_FAILS(ctr_start(bad, 0), CTR_E_RUNTIME);
	IT_STATE(bad, CTR_STATE_CONFIGURED);
	IT_OK(ctr_wait(bad, -1, &code));
	ck_assert_int_eq(code, -1); /* it never ran */
	IT_OK(ctr_remove(bad, 0));
	ctr_container_free(bad);

	ctr_container_t *c = it_sh(it_rt, "exit 5");
	IT_OK(ctr_init(c, 0));
	code = -7;
	IT_OK(ctr_wait(c, -1, &code));
	ck_assert_int_eq(code, -1);
	IT_STATE(c, CTR_STATE_CREATED);
	IT_FAILS(ctr_wait_condition(c, CTR_STATE_STOPPED, 200), CTR_E_TIMEOUT);
	IT_OK(ctr_start(c, 0));
	IT_OK(ctr_wait_condition(c, CTR_STATE_STOPPED, IT_GUARD_MS));
	ck_assert_int_eq(it_wait(c, 0), 5);
	IT_OK(ctr_init(c, 0)); /* CREATED again: the last run's exit code */
	code = -7;
	IT_OK(ctr_wait(c, -1, &code));
	ck_assert_int_eq(code, 5);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_a_waiter_learns_that_the_container_was_removed)
{
	ctr_container_t *c = it_sh(it_rt, "exit 0");
	struct waiter w[2];

	waiter_start(&w[0], c, CTR_STATE_STOPPED, -1); /* woken by the removal, or hang */
	waiter_start(&w[1], c, CTR_STATE_RUNNING, -1);
	it_sleep_ms(200);
	IT_OK(ctr_remove(c, 0));
	for (int i = 0; i < 2; i++) {
		waiter_join(&w[i]);
		ck_assert_msg(w[i].result == CTR_E_REMOVED, "waiter %d: expected CTR_E_REMOVED: %s",
			      i, it_err(w[i].result));
	}
	ctr_container_free(c);
}
END_TEST

Suite *suite_wait(void)
{
	Suite *s = suite_create("wait");
	TCase *tc = tcase_create("wait");

	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_wait_times_out_quickly);
	tcase_add_test(tc, test_waiters_in_other_threads_and_processes_get_the_exit_code);
	tcase_add_test(tc, test_wait_fd_is_a_pidfd_readable_after_the_exit);
	tcase_add_test(tc, test_wait_fd_without_pidfds_is_a_pipe_readable_after_the_exit);
	tcase_add_test(tc, test_wait_condition_running_sees_a_start_elsewhere);
	tcase_add_test(tc, test_wait_condition_created_sees_an_init);
	tcase_add_test(tc, test_wait_returns_at_once_when_nothing_runs);
	tcase_add_test(tc, test_a_waiter_learns_that_the_container_was_removed);
	suite_add_tcase(s, tc);
	return s;
}
