/* Per-container locks and atomic files. */
#include "store_fixture.h"

/* ---- locks --------------------------------------------------------------------------- */

struct locker {
	const char *dir;
	const char *id;
	int fd;
	int r;
	int done_fd; /* write end: one byte once locked; -1 for none */
};

static void *lock_thread(void *p)
{
	struct locker *l = p;

	l->r = ctri_lock(l->dir, l->id, &l->fd);
	if (l->done_fd >= 0)
		send_byte(l->done_fd, 'L');
	return NULL;
}

/* Lock in a thread, giving up after ms. Returns the fd, or -1 if still blocked. */
static int lock_within(const char *dir, const char *id, int ms)
{
	struct locker *l = calloc(1, sizeof(*l)); /* leaked when the thread stays blocked */

	ck_assert_ptr_nonnull(l);
	*l = (struct locker){.dir = dir, .id = id, .fd = -1, .done_fd = -1};
	if (!tu_run_within(lock_thread, l, ms))
		return -1;
	ck_assert_msg(l->r == 0, "ctri_lock: %d %s", l->r, ctr_last_error());
	int fd = l->fd;
	free(l);
	return fd;
}

static char *lock_file(const char *id)
{
	char *p = ctri_strdupf("%s/%s.lock", locks(), id);
	ck_assert_ptr_nonnull(p);
	return p;
}

/* 1 if someone holds the lock on the file now at the lock path (non-blocking probe). */
static int lock_file_is_held(const char *id)
{
	char *p = lock_file(id);
	int fd = open(p, O_RDWR | O_CLOEXEC);
	free(p);
	if (fd < 0)
		return 0;
	int held = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

START_TEST(test_lock_creates_its_file_and_is_reentrant_after_unlock)
{
	int fd = -1;
	char *p = lock_file(ID_A);
	struct stat st;

	ck_assert_int_eq(ctri_lock(locks(), ID_A, &fd), 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert(lock_file_is_held(ID_A));
	ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	ctri_unlock(fd);
	ck_assert(!lock_file_is_held(ID_A));
	ck_assert_int_eq(ctri_lock(locks(), ID_A, &fd), 0);
	ctri_unlock(fd);
	ctri_unlock(-1); /* no-op */
	free(p);
}
END_TEST

START_TEST(test_lock_in_a_missing_directory_is_an_io_error)
{
	int fd = -1;
	char *dir = tu_path("no/such/dir");

	ck_assert_int_eq(ctri_lock(dir, ID_A, &fd), CTR_E_IO);
	ck_assert_int_eq(fd, -1);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), dir));
	free(dir);
}
END_TEST

START_TEST(test_lock_excludes_another_thread)
{
	int fd = -1, pfd[2];
	pthread_t th;
	struct locker l = {.dir = locks(), .id = ID_A, .fd = -1};

	ck_assert_int_eq(pipe(pfd), 0);
	l.done_fd = pfd[1];
	ck_assert_int_eq(ctri_lock(locks(), ID_A, &fd), 0);
	ck_assert_int_eq(pthread_create(&th, NULL, lock_thread, &l), 0);
	ck_assert_msg(recv_byte(pfd[0], 300) == 0, "thread locked while we hold the lock");
	ctri_unlock(fd);
	ck_assert_int_eq(recv_byte(pfd[0], TU_GUARD_MS), 'L');
	pthread_join(th, NULL);
	ck_assert_int_eq(l.r, 0);
	ck_assert(lock_file_is_held(ID_A));
	ctri_unlock(l.fd);
}
END_TEST

START_TEST(test_lock_excludes_another_process)
{
	int fd = -1, to_parent[2];

	ck_assert_int_eq(pipe(to_parent), 0);
	ck_assert_int_eq(ctri_lock(locks(), ID_A, &fd), 0);
	pid_t pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		int cfd;
		close(fd); /* the inherited descriptor shares our lock; drop it */
		send_byte(to_parent[1], 's');
		if (ctri_lock(lock_dir, ID_A, &cfd) < 0)
			_exit(10);
		send_byte(to_parent[1], 'L');
		ctri_unlock(cfd);
		_exit(0);
	}
	ck_assert_int_eq(recv_byte(to_parent[0], TU_GUARD_MS), 's');
	ck_assert_msg(recv_byte(to_parent[0], 300) == 0, "child locked while we hold the lock");
	ctri_unlock(fd);
	ck_assert_int_eq(recv_byte(to_parent[0], TU_GUARD_MS), 'L');
	ck_assert_int_eq(child_exit_status(pid), 0);
}
END_TEST

START_TEST(test_lock_is_released_when_its_holder_dies)
{
	int to_parent[2];

	ck_assert_int_eq(pipe(to_parent), 0);
	locks();
	pid_t pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		int cfd;
		if (ctri_lock(lock_dir, ID_A, &cfd) < 0)
			_exit(10);
		send_byte(to_parent[1], 'L');
		_exit(0); /* no unlock */
	}
	ck_assert_int_eq(recv_byte(to_parent[0], TU_GUARD_MS), 'L');
	ck_assert_int_eq(child_exit_status(pid), 0);
	int fd = lock_within(locks(), ID_A, TU_GUARD_MS);
	ck_assert_msg(fd >= 0, "lock of a dead holder was not released");
	ctri_unlock(fd);
}
END_TEST

START_TEST(test_waiter_relocks_a_fresh_file_after_the_holder_unlinks_it)
{
	int fd = -1, pfd[2];
	pthread_t th;
	struct stat held, now;
	struct locker l = {.dir = locks(), .id = ID_A, .fd = -1};
	char *p = lock_file(ID_A);

	ck_assert_int_eq(pipe(pfd), 0);
	l.done_fd = pfd[1];
	ck_assert_int_eq(ctri_lock(locks(), ID_A, &fd), 0);
	ck_assert_int_eq(fstat(fd, &held), 0);
	ck_assert_int_eq(pthread_create(&th, NULL, lock_thread, &l), 0);
	usleep(100 * 1000); /* let the waiter block on the old file */
	ctri_lock_unlink(locks(), ID_A);
	ck_assert_int_eq(access(p, F_OK), -1);
	ctri_unlock(fd);
	ck_assert_int_eq(recv_byte(pfd[0], TU_GUARD_MS), 'L');
	pthread_join(th, NULL);
	ck_assert_int_eq(l.r, 0);
	/* the waiter holds a lock on the file that is at the path now, not on the dead one */
	ck_assert_int_eq(stat(p, &now), 0);
	ck_assert_int_eq(fstat(l.fd, &held), 0);
	ck_assert(held.st_ino == now.st_ino && held.st_dev == now.st_dev);
	ck_assert(lock_file_is_held(ID_A));
	ctri_unlock(l.fd);
	free(p);
}
END_TEST

START_TEST(test_waiter_on_an_unlinked_file_still_waits_for_the_new_holder)
{
	int old_fd = -1, new_fd = -1, pfd[2];
	pthread_t th;
	struct locker l = {.dir = locks(), .id = ID_A, .fd = -1};

	ck_assert_int_eq(pipe(pfd), 0);
	l.done_fd = pfd[1];
	ck_assert_int_eq(ctri_lock(locks(), ID_A, &old_fd), 0);
	ck_assert_int_eq(pthread_create(&th, NULL, lock_thread, &l), 0);
	usleep(100 * 1000);
	/* the holder removes the file; a newcomer locks the fresh one before the waiter wakes */
	ctri_lock_unlink(locks(), ID_A);
	new_fd = lock_within(locks(), ID_A, TU_GUARD_MS);
	ck_assert_int_ge(new_fd, 0);
	ctri_unlock(old_fd);
	ck_assert_msg(recv_byte(pfd[0], 300) == 0,
		      "waiter took a lock on the dead file while the new file is held");
	ctri_unlock(new_fd);
	ck_assert_int_eq(recv_byte(pfd[0], TU_GUARD_MS), 'L');
	pthread_join(th, NULL);
	ck_assert_int_eq(l.r, 0);
	ctri_unlock(l.fd);
}
END_TEST

struct tx_arg {
	struct ctri_store *s;
	int r;
};

static void *transaction_thread(void *p)
{
	struct tx_arg *a = p;

	a->r = ctri_store_begin(a->s);
	if (a->r == 0) {
		a->r = ctri_store_put_raw(a->s, "state/" ID_A, "{\"state\":\"running\"}", 19, 0);
		if (a->r == 0)
			a->r = ctri_store_commit(a->s);
		else
			ctri_store_cancel(a->s);
	}
	return NULL;
}

START_TEST(test_container_lock_in_another_process_does_not_block_transactions)
{
	int to_parent[2], to_child[2];
	struct tx_arg a = {0};

	ck_assert_int_eq(pipe(to_parent), 0);
	ck_assert_int_eq(pipe(to_child), 0);
	locks();
	db_path = tu_path("ctr.tdb");
	pid_t pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		struct ctri_store *cs = NULL;
		int cfd;
		if (ctri_lock(lock_dir, ID_A, &cfd) < 0 || ctri_store_open(db_path, 1, &cs) < 0)
			_exit(10);
		/* the holder itself can use transactions while it holds the lock */
		if (ctri_store_put_raw(cs, "config/" ID_A, "{}", 2, 0) < 0)
			_exit(11);
		send_byte(to_parent[1], 'L');
		recv_byte(to_child[0], TU_GUARD_MS);
		ctri_unlock(cfd);
		ctri_store_close(cs);
		_exit(0);
	}
	ck_assert_int_eq(recv_byte(to_parent[0], TU_GUARD_MS), 'L');
	a.s = open_store();
	ck_assert_msg(tu_run_within(transaction_thread, &a, TU_GUARD_MS),
		      "a transaction blocked on another process's container lock");
	ck_assert_int_eq(a.r, 0);
	assert_raw(a.s, "config/" ID_A, "{}");
	send_byte(to_child[1], 'u');
	ck_assert_int_eq(child_exit_status(pid), 0);
	ctri_store_close(a.s);
}
END_TEST

START_TEST(test_open_transaction_in_another_process_does_not_block_container_locks)
{
	int to_parent[2], to_child[2];

	ck_assert_int_eq(pipe(to_parent), 0);
	ck_assert_int_eq(pipe(to_child), 0);
	locks();
	db_path = tu_path("ctr.tdb");
	pid_t pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		struct ctri_store *cs = NULL;
		if (ctri_store_open(db_path, 1, &cs) < 0 || ctri_store_begin(cs) < 0)
			_exit(10);
		if (ctri_store_put_raw(cs, "x", "1", 1, 0) < 0)
			_exit(11);
		send_byte(to_parent[1], 'T');
		recv_byte(to_child[0], TU_GUARD_MS);
		if (ctri_store_commit(cs) < 0)
			_exit(12);
		ctri_store_close(cs);
		_exit(0);
	}
	ck_assert_int_eq(recv_byte(to_parent[0], TU_GUARD_MS), 'T');
	int fd = lock_within(locks(), ID_A, TU_GUARD_MS);
	ck_assert_msg(fd >= 0, "a container lock blocked on another process's transaction");
	ctri_unlock(fd);
	send_byte(to_child[1], 'c');
	ck_assert_int_eq(child_exit_status(pid), 0);
}
END_TEST

/* ---- atomic files (the store's bundle and state files) --------------------------------- */

struct writer {
	const char *path;
	char fill;
	int failures;
	int first_error;
};

static void *write_repeatedly(void *p)
{
	struct writer *w = p;
	static char buf[8][32768];
	char *data = buf[w->fill - 'a'];

	memset(data, w->fill, sizeof(buf[0]));
	for (int i = 0; i < 100; i++) {
		int r = ctri_write_file(w->path, data, sizeof(buf[0]), 0600, 0);
		if (r < 0 && !w->failures++)
			w->first_error = r;
	}
	return NULL;
}

START_TEST(test_atomic_writes_of_one_file_from_many_threads_all_succeed_whole)
{
	struct writer w[8];
	pthread_t th[8];
	char *path = tu_path("shared.json"), *back = NULL;
	size_t len = 0;

	for (int i = 0; i < 8; i++) {
		w[i] = (struct writer){.path = path, .fill = (char)('a' + i)};
		ck_assert_int_eq(pthread_create(&th[i], NULL, write_repeatedly, &w[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		ck_assert_msg(w[i].failures == 0, "%d writes failed, first: %s", w[i].failures,
			      strerror(-w[i].first_error));
	}
	ck_assert_int_eq(ctri_read_file(path, 1 << 20, &back, &len), 0);
	ck_assert_uint_eq(len, 32768);
	for (size_t i = 1; i < len; i++)
		ck_assert_msg(back[i] == back[0], "file mixes two writers' data");
	free(back);
	/* no temporary file is left behind */
	char *cmd = ctri_strdupf("test -z \"$(ls -A %s | grep -v '^shared.json$')\"", tu_base());
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(path);
}
END_TEST

Suite *suite_store_lock(void)
{
	Suite *s = suite_create("store_lock");
	TCase *tc;

	tc = tcase_create("locks");
	tu_add_fixtures(tc, store_teardown);
	tcase_add_test(tc, test_lock_creates_its_file_and_is_reentrant_after_unlock);
	tcase_add_test(tc, test_lock_in_a_missing_directory_is_an_io_error);
	tcase_add_test(tc, test_lock_excludes_another_thread);
	tcase_add_test(tc, test_lock_excludes_another_process);
	tcase_add_test(tc, test_lock_is_released_when_its_holder_dies);
	tcase_add_test(tc, test_waiter_relocks_a_fresh_file_after_the_holder_unlinks_it);
	tcase_add_test(tc, test_waiter_on_an_unlinked_file_still_waits_for_the_new_holder);
	tcase_add_test(tc, test_container_lock_in_another_process_does_not_block_transactions);
	tcase_add_test(tc, test_open_transaction_in_another_process_does_not_block_container_locks);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tu_add_fixtures(tc, store_teardown);
	tcase_add_test(tc, test_atomic_writes_of_one_file_from_many_threads_all_succeed_whole);
	suite_add_tcase(s, tc);
	return s;
}
