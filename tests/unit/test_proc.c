/* Descriptors on processes (ctri_pidfd_*), with pidfds and with the fallback used where
 * pidfd_open is missing (CTR_NO_PIDFD=1 here; valgrind has no pidfd_open at all), and
 * waiting for a container whose monitor dies, both ways. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "container_fixture.h"

/* ---- helpers ------------------------------------------------------------------------- */

/* A child that sleeps until killed. */
static pid_t sleeper(void)
{
	static const char *const argv[] = { "/bin/sleep", "60", NULL };
	struct ctri_spawn sp = { .argv = argv, .fd_in = -1, .fd_out = -1, .fd_err = -1 };
	pid_t pid = 0;

	ck_assert_int_eq(ctri_spawn(&sp, &pid), 0);
	return pid;
}

static void kill_and_reap(pid_t pid)
{
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(ctri_reap(pid, NULL), 0);
}

static int readable_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

static size_t threads_now(void)
{
	return count_entries("/proc/self/task");
}

/* The runner sets CTR_NO_PIDFD=1 around the fallback's TCase and unsets it around the
 * other (Check forks its tests), then restores what the run was given. */
static char *given_no_pidfd;

static void save_no_pidfd(void)
{
	const char *v = getenv("CTR_NO_PIDFD");

	given_no_pidfd = v ? strdup(v) : NULL;
}

static void restore_no_pidfd(void)
{
	if (given_no_pidfd)
		setenv("CTR_NO_PIDFD", given_no_pidfd, 1);
	else
		unsetenv("CTR_NO_PIDFD");
	free(given_no_pidfd);
	given_no_pidfd = NULL;
}

static void no_pidfd_on(void)
{
	save_no_pidfd();
	setenv("CTR_NO_PIDFD", "1", 1);
}

static void no_pidfd_off(void)
{
	save_no_pidfd();
	unsetenv("CTR_NO_PIDFD");
}

/* ---- descriptors --------------------------------------------------------------------- */

START_TEST(test_a_process_descriptor_turns_readable_when_the_process_exits)
{
	pid_t pid = sleeper();
	int fd = ctri_pidfd_open(pid);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(readable_within(fd, 50), 0);
	kill_and_reap(pid);
	ck_assert_int_eq(readable_within(fd, TU_GUARD_MS), 1);
	close(fd);
}
END_TEST

START_TEST(test_a_descriptor_on_a_missing_process_is_esrch_and_on_pid_0_einval)
{
	pid_t pid = sleeper();

	kill_and_reap(pid);
	errno = 0;
	ck_assert_int_eq(ctri_pidfd_open(pid), -1);
	ck_assert_int_eq(errno, ESRCH);
	ck_assert_int_eq(ctri_pidfd_open(0), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(ctri_pidfd_verified(pid, 1), -ESRCH);
}
END_TEST

START_TEST(test_verified_takes_only_the_process_of_that_start_time)
{
	unsigned long long start = 0;
	pid_t pid = sleeper();

	ck_assert_int_eq(ctri_proc_stat(pid, &start, NULL), 0);
	ck_assert_int_eq(ctri_pidfd_verified(pid, start + 1), -ESRCH); /* a reused pid */
	int fd = ctri_pidfd_verified(pid, start);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(readable_within(fd, 0), 0);
	kill_and_reap(pid);
	ck_assert_int_eq(readable_within(fd, TU_GUARD_MS), 1);
	close(fd);
}
END_TEST

START_TEST(test_a_signal_through_the_descriptor_reaches_the_process)
{
	pid_t pid = sleeper();
	int fd = ctri_pidfd_open(pid), status = 0;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ctri_pidfd_signal(fd, pid, SIGTERM), 0);
	ck_assert_int_eq(ctri_reap(pid, &status), 0);
	ck_assert_int_eq(status, 128 + SIGTERM);
	close(fd);
}
END_TEST

START_TEST(test_the_fallback_is_a_pipe_whose_watcher_quits_when_it_is_closed)
{
	size_t before = threads_now();
	struct stat st;
	int fd = ctri_pidfd_open(getpid()); /* a process that outlives the watch */

	ck_assert_int_eq(ctri_pidfd_missing(), 1);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert(S_ISFIFO(st.st_mode));
	ck_assert_uint_eq(threads_now(), before + 1);
	int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	usleep(100 * 1000);
	ck_assert_uint_eq(threads_now(), before + 1); /* a copy still reads */
	close(dup);
	for (int i = 0; i < 100 && threads_now() > before; i++)
		usleep(20 * 1000);
	ck_assert_uint_eq(threads_now(), before);
}
END_TEST

START_TEST(test_without_the_fallback_the_descriptor_is_a_pidfd)
{
	struct stat st;
	int fd = ctri_pidfd_open(getpid()), direct = (int)syscall(SYS_pidfd_open, getpid(), 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	/* a pipe only where the kernel (or valgrind) has no pidfd_open */
	ck_assert_int_eq(S_ISFIFO(st.st_mode), direct < 0);
	ck_assert_int_eq(ctri_pidfd_missing(), S_ISFIFO(st.st_mode));
	close(fd);
	if (direct >= 0)
		close(direct);
}
END_TEST

/* ---- a container whose monitor dies -------------------------------------------------- */

START_TEST(test_wait_fd_and_wait_end_when_the_monitor_dies)
{
	ctr_container_t *c = create("mon");
	unsigned long long start = 0;
	pid_t mon = sleeper();
	char rec[256];
	int code = 0;

	ck_assert_int_eq(ctri_proc_stat(mon, &start, NULL), 0);
	snprintf(rec, sizeof(rec),
		 "{\"state\":\"running\",\"pid\":%d,\"monitor_pid\":%d,\"monitor_start\":%llu}",
		 (int)mon, (int)mon, start);
	put_state(c, rec);
	ck_assert_int_eq(state_of(c), CTR_STATE_RUNNING);
	int fd = ctr_wait_fd(c);
	ck_assert_msg(fd >= 0, "ctr_wait_fd: %s", ctr_last_error());
	ck_assert_int_eq(readable_within(fd, 50), 0);
	ck_assert_int_eq(ctr_wait(c, 50, NULL), CTR_E_TIMEOUT);
	kill_and_reap(mon);
	ck_assert_int_eq(readable_within(fd, TU_GUARD_MS), 1);
	close(fd);
	/* nobody wrote an exit file: the run is recorded as lost */
	ck_assert_msg(ctr_wait(c, TU_GUARD_MS, &code) == 0, "ctr_wait: %s", ctr_last_error());
	ck_assert_int_eq(state_of(c), CTR_STATE_STOPPED);
	ck_assert_int_eq(code, -1);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_a_live_monitor_keeps_the_container_running)
{
	ctr_container_t *c = create("alive");

	put_state_alive(c, "running");
	size_t threads = threads_now();
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(state_of(c), CTR_STATE_RUNNING);
	/* without pidfds, asking whether the monitor lives starts no watcher */
	if (ctri_pidfd_missing())
		ck_assert_uint_eq(threads_now(), threads);
	ck_assert_int_eq(ctr_remove(c, 0), CTR_E_STATE);
	ctr_container_free(c);
}
END_TEST

static TCase *proc_tcase(const char *name, int with_fallback)
{
	TCase *tc = tcase_create(name);

	tcase_add_unchecked_fixture(tc, with_fallback ? no_pidfd_on : no_pidfd_off,
				    restore_no_pidfd);
	tu_add_fixtures(tc, container_teardown);
	tcase_add_checked_fixture(tc, container_setup, NULL);
	tcase_add_test(tc, test_a_process_descriptor_turns_readable_when_the_process_exits);
	tcase_add_test(tc, test_a_descriptor_on_a_missing_process_is_esrch_and_on_pid_0_einval);
	tcase_add_test(tc, test_verified_takes_only_the_process_of_that_start_time);
	tcase_add_test(tc, test_a_signal_through_the_descriptor_reaches_the_process);
	tcase_add_test(tc, test_wait_fd_and_wait_end_when_the_monitor_dies);
	tcase_add_test(tc, test_a_live_monitor_keeps_the_container_running);
	if (with_fallback)
		tcase_add_test(tc,
			       test_the_fallback_is_a_pipe_whose_watcher_quits_when_it_is_closed);
	else
		tcase_add_test(tc, test_without_the_fallback_the_descriptor_is_a_pidfd);
	return tc;
}

Suite *suite_proc(void)
{
	Suite *s = suite_create("proc");

	suite_add_tcase(s, proc_tcase("pidfd", 0));
	suite_add_tcase(s, proc_tcase("no_pidfd", 1));
	return s;
}
