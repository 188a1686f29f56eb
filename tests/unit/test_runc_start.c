/* runc_start.c: `runc start` done by reading the init's exec fifo, against a stand-in init
 * (a child process playing runc init's side of the fifo). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container_fixture.h"
#include "runc_start.h"

static char *dir;
static int dirfd_;

static void rs_setup(void)
{
	container_setup();
	dir = tu_mkdtemp();
	dirfd_ = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dirfd_, 0);
}

static void rs_teardown(void)
{
	close(dirfd_);
	tu_rm_rf(dir);
	free(dir);
	container_teardown();
}

static void make_fifo(void)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/exec.fifo", dir);
	ck_assert_int_eq(mkfifo(path, 0622), 0);
}

static int fifo_exists(void)
{
	struct stat sb;

	return fstatat(dirfd_, "exec.fifo", &sb, AT_SYMLINK_NOFOLLOW) == 0;
}

/* runc init's side: open the fifo for writing (blocks for a reader), write the byte unless
 * silent, then stay alive for linger_ms as the exec'd command would. */
static pid_t stand_in_init(int silent, int linger_ms)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char path[4200];
		snprintf(path, sizeof(path), "%s/exec.fifo", dir);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || (!silent && write(fd, "0", 1) != 1))
			_exit(1);
		close(fd);
		usleep((useconds_t)linger_ms * 1000);
		_exit(0);
	}
	return pid;
}

static int reap(pid_t pid)
{
	int st;

	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

START_TEST(test_the_init_is_released_and_the_fifo_removed)
{
	ctr_container_t *c = create("rs-ok");
	make_fifo();
	pid_t init = stand_in_init(0, 300);

	ck_assert_int_eq(ctri_runc_start(c, dirfd_, init), 0);
	ck_assert(!fifo_exists()); /* runc now reads the container as running */
	ck_assert_int_eq(reap(init), 0);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_without_a_fifo_the_runtime_starts_it)
{
	ctr_container_t *c = create("rs-nofifo");

	ck_assert_int_eq(ctri_runc_start(c, dirfd_, getpid()), 1);
	ck_assert_int_eq(ctri_runc_start(c, -1, getpid()), 1);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_another_runtime_keeps_its_own_start)
{
	ctr_container_t *c = create("rs-crun");
	char *saved = rt->oci_runtime;

	make_fifo();
	rt->oci_runtime = (char *)"/usr/bin/crun";
	int r = ctri_runc_start(c, dirfd_, getpid());
	rt->oci_runtime = saved;
	ck_assert_int_eq(r, 1);
	ck_assert(fifo_exists());
	ctr_container_free(c);
}
END_TEST

START_TEST(test_a_dead_init_is_a_runtime_error)
{
	ctr_container_t *c = create("rs-dead");
	pid_t init = fork();

	ck_assert_int_ge(init, 0);
	if (init == 0)
		_exit(0);
	reap(init);
	make_fifo();
	ck_assert_int_eq(ctri_runc_start(c, dirfd_, init), CTR_E_RUNTIME);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "already dead"));
	ctr_container_free(c);
}
END_TEST

START_TEST(test_an_init_that_sends_no_byte_is_a_runtime_error)
{
	ctr_container_t *c = create("rs-silent");
	make_fifo();
	pid_t init = stand_in_init(1, 300);

	ck_assert_int_eq(ctri_runc_start(c, dirfd_, init), CTR_E_RUNTIME);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "no start byte"));
	ck_assert(fifo_exists());
	ck_assert_int_eq(reap(init), 0);
	ctr_container_free(c);
}
END_TEST

START_TEST(test_a_symlink_in_place_of_the_fifo_is_not_followed)
{
	ctr_container_t *c = create("rs-link");

	ck_assert_int_eq(symlinkat("/dev/null", dirfd_, "exec.fifo"), 0);
	ck_assert_int_eq(ctri_runc_start(c, dirfd_, getpid()), CTR_E_IO);
	ctr_container_free(c);
}
END_TEST

Suite *suite_runc_start(void)
{
	Suite *s = suite_create("runc_start");
	TCase *tc = tcase_create("fifo");

	tcase_add_checked_fixture(tc, rs_setup, NULL);
	tu_add_fixtures(tc, rs_teardown);
	tcase_add_test(tc, test_the_init_is_released_and_the_fifo_removed);
	tcase_add_test(tc, test_without_a_fifo_the_runtime_starts_it);
	tcase_add_test(tc, test_another_runtime_keeps_its_own_start);
	tcase_add_test(tc, test_a_dead_init_is_a_runtime_error);
	tcase_add_test(tc, test_an_init_that_sends_no_byte_is_a_runtime_error);
	tcase_add_test(tc, test_a_symlink_in_place_of_the_fifo_is_not_followed);
	suite_add_tcase(s, tc);
	return s;
}
