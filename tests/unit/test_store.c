/* The TDB store: records, transactions, and per-container locks across threads and
 * processes. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "store.h"
#include "tests.h"
#include "testutil.h"
#include "util.h"

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static char *db_path;
static char *lock_dir;

static void store_teardown(void)
{
	free(db_path);
	free(lock_dir);
	db_path = lock_dir = NULL;
}

static struct ctri_store *open_store(void)
{
	struct ctri_store *s = NULL;

	if (!db_path)
		db_path = tu_path("ctr.tdb");
	int r = ctri_store_open(db_path, 1, &s);
	ck_assert_msg(r == 0, "ctri_store_open: %d %s", r, ctr_last_error());
	ck_assert_ptr_nonnull(s);
	return s;
}

static const char *locks(void)
{
	if (!lock_dir) {
		lock_dir = tu_path("locks");
		ck_assert_int_eq(mkdir(lock_dir, 0700), 0);
	}
	return lock_dir;
}

static char *get_raw(struct ctri_store *s, const char *key)
{
	char *v = NULL;
	size_t len = 0;
	int r = ctri_store_get_raw(s, key, &v, &len);

	if (r == CTR_E_NOENT)
		return NULL;
	ck_assert_msg(r == 0, "get %s: %d %s", key, r, ctr_last_error());
	ck_assert_uint_eq(strlen(v), len);
	return v;
}

static void assert_raw(struct ctri_store *s, const char *key, const char *want)
{
	char *v = get_raw(s, key);

	if (!want) {
		ck_assert_msg(v == NULL, "%s: expected no record, found \"%s\"", key, v);
		return;
	}
	ck_assert_msg(v != NULL, "%s: expected \"%s\", found no record", key, want);
	ck_assert_str_eq(v, want);
	free(v);
}

static void put(struct ctri_store *s, const char *key, const char *val)
{
	int r = ctri_store_put_raw(s, key, val, strlen(val), 0);
	ck_assert_msg(r == 0, "put %s: %d %s", key, r, ctr_last_error());
}

/* ---- pipes between processes and threads --------------------------------------------- */

static void send_byte(int fd, char c)
{
	ck_assert_int_eq(write(fd, &c, 1), 1);
}

/* The next byte from fd within ms milliseconds, or 0 on timeout / EOF. */
static char recv_byte(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char c = 0;

	if (poll(&p, 1, ms) == 1 && read(fd, &c, 1) == 1)
		return c;
	return 0;
}

static int child_exit_status(pid_t pid)
{
	int st;

	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ---- records ------------------------------------------------------------------------- */

START_TEST(test_raw_record_round_trips)
{
	struct ctri_store *s = open_store();

	assert_raw(s, "k", NULL);
	put(s, "k", "value one");
	assert_raw(s, "k", "value one");
	put(s, "k", "two");
	assert_raw(s, "k", "two");
	ck_assert_int_eq(ctri_store_exists(s, "k"), 1);
	ck_assert_int_eq(ctri_store_exists(s, "other"), 0);
	ck_assert_str_eq(ctri_store_path(s), db_path);
	ctri_store_close(s);

	s = open_store(); /* durable across a close */
	assert_raw(s, "k", "two");
	ctri_store_close(s);
}
END_TEST

START_TEST(test_raw_record_keeps_embedded_nul_bytes_and_length)
{
	struct ctri_store *s = open_store();
	const char val[] = {'a', 0, 'b', 0, 'c'};
	char *got = NULL;
	size_t len = 0;

	ck_assert_int_eq(ctri_store_put_raw(s, "bin", val, sizeof(val), 0), 0);
	ck_assert_int_eq(ctri_store_get_raw(s, "bin", &got, &len), 0);
	ck_assert_uint_eq(len, sizeof(val));
	ck_assert_int_eq(memcmp(got, val, sizeof(val)), 0);
	ck_assert_int_eq(got[len], 0);
	free(got);
	ctri_store_close(s);
}
END_TEST

START_TEST(test_get_of_missing_record_is_noent_and_leaves_out_untouched)
{
	struct ctri_store *s = open_store();
	char *v = (char *)"sentinel";
	json_object *o = (json_object *)&v;

	ck_assert_int_eq(ctri_store_get_raw(s, "missing", &v, NULL), CTR_E_NOENT);
	ck_assert_str_eq(v, "sentinel");
	ck_assert_int_eq(ctri_store_get(s, "missing", &o), CTR_E_NOENT);
	ck_assert_ptr_eq(o, (json_object *)&v);
	ctri_store_close(s);
}
END_TEST

START_TEST(test_json_record_round_trips)
{
	struct ctri_store *s = open_store();
	json_object *o = json_object_new_object(), *got = NULL, *v;

	json_object_object_add(o, "state", json_object_new_string("running"));
	json_object_object_add(o, "pid", json_object_new_int(4242));
	json_object_object_add(o, "path", json_object_new_string("/a/b \"q\" \u00e9"));
	ck_assert_int_eq(ctri_store_put(s, "state/x", o, 0), 0);
	ck_assert_int_eq(ctri_store_get(s, "state/x", &got), 0);
	ck_assert(json_object_equal(o, got));
	ck_assert(json_object_object_get_ex(got, "pid", &v));
	ck_assert_int_eq(json_object_get_int(v), 4242);
	json_object_put(o);
	json_object_put(got);
	ctri_store_close(s);
}
END_TEST

START_TEST(test_insert_only_refuses_an_existing_key_and_keeps_its_value)
{
	struct ctri_store *s = open_store();
	json_object *o = json_object_new_object();

	ck_assert_int_eq(ctri_store_put_raw(s, "name/web", "first", 5, 1), 0);
	ck_assert_int_eq(ctri_store_put_raw(s, "name/web", "second", 6, 1), CTR_E_EXISTS);
	assert_raw(s, "name/web", "first");
	ck_assert_int_eq(ctri_store_put(s, "name/web", o, 1), CTR_E_EXISTS);
	assert_raw(s, "name/web", "first");
	json_object_put(o);
	ctri_store_close(s);
}
END_TEST

START_TEST(test_delete_removes_a_record_and_missing_keys_are_fine)
{
	struct ctri_store *s = open_store();

	put(s, "a", "1");
	put(s, "b", "2");
	ck_assert_int_eq(ctri_store_delete(s, "a"), 0);
	assert_raw(s, "a", NULL);
	assert_raw(s, "b", "2");
	ck_assert_int_eq(ctri_store_delete(s, "a"), 0);
	ck_assert_int_eq(ctri_store_delete(s, "never-there"), 0);
	ctri_store_close(s);
}
END_TEST

START_TEST(test_damaged_json_record_is_a_store_error_naming_the_key)
{
	static const char *const damaged[] = {
	    "not json", "[1,2,3]", "\"a string\"", "42",	"{\"a\":1} trailing",
	    "{\"a\":",	"",	   "{\"a\":1}{}",  "\xff\xfe{",
	};
	struct ctri_store *s = open_store();

	for (size_t i = 0; i < sizeof(damaged) / sizeof(damaged[0]); i++) {
		json_object *o = NULL;
		put(s, "state/bad", damaged[i]);
		int r = ctri_store_get(s, "state/bad", &o);
		ck_assert_msg(r == CTR_E_STORE, "record \"%s\": got %d", damaged[i], r);
		ck_assert_ptr_null(o);
		ck_assert_ptr_nonnull(strstr(ctr_last_error(), "state/bad"));
	}
	/* the damage stays with that record */
	put(s, "state/good", "{\"state\":\"configured\"}");
	json_object *o = NULL;
	ck_assert_int_eq(ctri_store_get(s, "state/good", &o), 0);
	json_object_put(o);
	ctri_store_close(s);
}
END_TEST

START_TEST(test_oversized_record_is_a_store_error)
{
	struct ctri_store *s = open_store();
	size_t n = (4u << 20) + 1;
	char *big = malloc(n), *v = NULL;

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', n);
	ck_assert_int_eq(ctri_store_put_raw(s, "big", big, n, 0), 0);
	ck_assert_int_eq(ctri_store_get_raw(s, "big", &v, NULL), CTR_E_STORE);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "big"));
	free(big);
	ctri_store_close(s);
}
END_TEST

START_TEST(test_second_open_in_a_process_shares_the_handle)
{
	struct ctri_store *a = open_store(), *b = open_store();

	ck_assert_ptr_eq(a, b);
	put(a, "k", "v");
	ctri_store_close(a);
	assert_raw(b, "k", "v"); /* still open: counted references */
	put(b, "k2", "v2");
	ctri_store_close(b);
	struct ctri_store *c = open_store();
	assert_raw(c, "k2", "v2");
	ctri_store_close(c);
}
END_TEST

START_TEST(test_garbage_file_is_refused_and_left_unchanged)
{
	char garbage[3000];
	struct ctri_store *s = NULL;
	char *back = NULL;
	size_t len = 0;

	db_path = tu_path("ctr.tdb");
	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (char)(i * 7 + 3);
	ck_assert_int_eq(ctri_write_file(db_path, garbage, sizeof(garbage), 0600, 0), 0);
	ck_assert_int_eq(ctri_store_open(db_path, 1, &s), CTR_E_STORE);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), db_path));
	ck_assert_int_eq(ctri_read_file(db_path, 1 << 20, &back, &len), 0);
	ck_assert_uint_eq(len, sizeof(garbage));
	ck_assert_int_eq(memcmp(back, garbage, len), 0);
	free(back);
}
END_TEST

/* ---- transactions -------------------------------------------------------------------- */

START_TEST(test_committed_transaction_is_visible)
{
	struct ctri_store *s = open_store();

	ck_assert_int_eq(ctri_store_begin(s), 0);
	put(s, "a", "1");
	put(s, "b", "2");
	ck_assert_int_eq(ctri_store_delete(s, "a"), 0);
	assert_raw(s, "b", "2"); /* reads inside see the transaction's own writes */
	assert_raw(s, "a", NULL);
	ck_assert_int_eq(ctri_store_commit(s), 0);
	assert_raw(s, "a", NULL);
	assert_raw(s, "b", "2");
	ctri_store_close(s);
}
END_TEST

START_TEST(test_cancelled_transaction_leaves_no_trace)
{
	struct ctri_store *s = open_store();

	put(s, "keep", "old");
	ck_assert_int_eq(ctri_store_begin(s), 0);
	put(s, "new", "1");
	put(s, "keep", "changed");
	ck_assert_int_eq(ctri_store_delete(s, "keep"), 0);
	ctri_store_cancel(s);
	assert_raw(s, "new", NULL);
	assert_raw(s, "keep", "old");
	/* and the store is usable afterwards */
	put(s, "after", "yes");
	assert_raw(s, "after", "yes");
	ctri_store_close(s);
}
END_TEST

START_TEST(test_nested_transaction_commits_with_the_outer_one)
{
	struct ctri_store *s = open_store();

	ck_assert_int_eq(ctri_store_begin(s), 0);
	ck_assert_int_eq(ctri_store_begin(s), 0);
	put(s, "inner", "1");
	ck_assert_int_eq(ctri_store_commit(s), 0);
	put(s, "outer", "2");
	ck_assert_int_eq(ctri_store_commit(s), 0);
	assert_raw(s, "inner", "1");
	assert_raw(s, "outer", "2");

	/* an outer cancel discards what an inner commit wrote */
	ck_assert_int_eq(ctri_store_begin(s), 0);
	ck_assert_int_eq(ctri_store_begin(s), 0);
	put(s, "inner2", "1");
	ck_assert_int_eq(ctri_store_commit(s), 0);
	ctri_store_cancel(s);
	assert_raw(s, "inner2", NULL);

	/* an inner failure (insert of an existing key) does not end the outer transaction */
	ck_assert_int_eq(ctri_store_begin(s), 0);
	ck_assert_int_eq(ctri_store_put_raw(s, "inner", "x", 1, 1), CTR_E_EXISTS);
	put(s, "after-failure", "3");
	ck_assert_int_eq(ctri_store_commit(s), 0);
	assert_raw(s, "after-failure", "3");
	assert_raw(s, "inner", "1");
	ctri_store_close(s);
}
END_TEST

START_TEST(test_uncommitted_transaction_is_invisible_to_another_process)
{
	struct ctri_store *s = open_store();
	int to_child[2], to_parent[2];

	ck_assert_int_eq(pipe(to_child), 0);
	ck_assert_int_eq(pipe(to_parent), 0);
	ctri_store_close(s); /* the child opens its own handle */
	pid_t pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		struct ctri_store *cs = NULL;
		char *v = NULL;
		if (ctri_store_open(db_path, 1, &cs) < 0)
			_exit(10);
		send_byte(to_parent[1], 'o');
		if (recv_byte(to_child[0], 5000) != 'w') /* parent wrote, not committed */
			_exit(11);
		if (ctri_store_get_raw(cs, "tx", &v, NULL) != CTR_E_NOENT)
			_exit(12);
		send_byte(to_parent[1], 'r');
		if (recv_byte(to_child[0], 5000) != 'c') /* committed */
			_exit(13);
		if (ctri_store_get_raw(cs, "tx", &v, NULL) != 0 || strcmp(v, "done") != 0)
			_exit(14);
		free(v);
		ctri_store_close(cs);
		_exit(0);
	}
	ck_assert_int_eq(recv_byte(to_parent[0], 5000), 'o');
	s = open_store();
	ck_assert_int_eq(ctri_store_begin(s), 0);
	put(s, "tx", "done");
	send_byte(to_child[1], 'w');
	ck_assert_int_eq(recv_byte(to_parent[0], 5000), 'r');
	ck_assert_int_eq(ctri_store_commit(s), 0);
	send_byte(to_child[1], 'c');
	ck_assert_int_eq(child_exit_status(pid), 0);
	ctri_store_close(s);
}
END_TEST

START_TEST(test_store_opened_before_fork_can_be_opened_again_in_the_child)
{
	struct ctri_store *s = open_store();

	put(s, "from-parent", "1");
	pid_t pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		struct ctri_store *cs = NULL;
		char *v = NULL;
		if (ctri_store_open(db_path, 1, &cs) < 0)
			_exit(10);
		if (ctri_store_get_raw(cs, "from-parent", &v, NULL) != 0)
			_exit(11);
		free(v);
		if (ctri_store_put_raw(cs, "from-child", "2", 1, 1) != 0)
			_exit(12);
		ctri_store_close(cs);
		_exit(0);
	}
	ck_assert_int_eq(child_exit_status(pid), 0);
	assert_raw(s, "from-child", "2");
	put(s, "parent-still-writes", "3");
	assert_raw(s, "parent-still-writes", "3");
	ctri_store_close(s);
}
END_TEST

/* ---- iteration ----------------------------------------------------------------------- */

struct seen {
	int n;
	int stop_after;
	char keys[8][64];
	char vals[8][64];
};

static int collect(const char *key, const char *val, size_t len, void *ud)
{
	struct seen *s = ud;

	ck_assert_uint_eq(strlen(val), len);
	if (s->n < 8) {
		snprintf(s->keys[s->n], 64, "%s", key);
		snprintf(s->vals[s->n], 64, "%s", val);
	}
	s->n++;
	return s->stop_after && s->n >= s->stop_after ? 77 : 0;
}

static int find_key(const struct seen *s, const char *key, const char *val)
{
	for (int i = 0; i < s->n && i < 8; i++)
		if (!strcmp(s->keys[i], key))
			return !strcmp(s->vals[i], val);
	return 0;
}

START_TEST(test_each_visits_only_keys_with_the_prefix_without_it)
{
	struct ctri_store *s = open_store();
	struct seen seen = {0};

	put(s, "name/web", "id1");
	put(s, "name/db", "id2");
	put(s, "name/", "empty-name");
	put(s, "nam", "short");
	put(s, "id/x", "web");
	put(s, "names", "not-the-prefix");
	ck_assert_int_eq(ctri_store_each(s, "name/", collect, &seen), 0);
	ck_assert_int_eq(seen.n, 3);
	ck_assert(find_key(&seen, "web", "id1"));
	ck_assert(find_key(&seen, "db", "id2"));
	ck_assert(find_key(&seen, "", "empty-name"));

	memset(&seen, 0, sizeof(seen));
	ck_assert_int_eq(ctri_store_each(s, "", collect, &seen), 0);
	ck_assert_int_eq(seen.n, 6);

	memset(&seen, 0, sizeof(seen));
	ck_assert_int_eq(ctri_store_each(s, "nothing/", collect, &seen), 0);
	ck_assert_int_eq(seen.n, 0);
	ctri_store_close(s);
}
END_TEST

START_TEST(test_each_stops_when_the_callback_says_so_and_returns_its_value)
{
	struct ctri_store *s = open_store();
	struct seen seen = {.stop_after = 2};
	char key[32];

	for (int i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "k/%d", i);
		put(s, key, "v");
	}
	ck_assert_int_eq(ctri_store_each(s, "k/", collect, &seen), 77);
	ck_assert_int_eq(seen.n, 2);
	ctri_store_close(s);
}
END_TEST

static int count_only(const char *key, const char *val, size_t len, void *ud)
{
	(void)key;
	(void)val;
	(void)len;
	(*(int *)ud)++;
	return 0;
}

START_TEST(test_each_sees_thousands_of_records)
{
	struct ctri_store *s = open_store();
	char key[32];
	int n = 0;

	ck_assert_int_eq(ctri_store_begin(s), 0);
	for (int i = 0; i < 3000; i++) {
		snprintf(key, sizeof(key), "%s/%d", i % 3 ? "other" : "c", i);
		put(s, key, "{\"x\":1}");
	}
	ck_assert_int_eq(ctri_store_commit(s), 0);
	ck_assert_int_eq(ctri_store_each(s, "c/", count_only, &n), 0);
	ck_assert_int_eq(n, 1000);
	ctri_store_close(s);
}
END_TEST

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
	ck_assert_int_eq(recv_byte(pfd[0], 5000), 'L');
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
	ck_assert_int_eq(recv_byte(to_parent[0], 5000), 's');
	ck_assert_msg(recv_byte(to_parent[0], 300) == 0, "child locked while we hold the lock");
	ctri_unlock(fd);
	ck_assert_int_eq(recv_byte(to_parent[0], 5000), 'L');
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
	ck_assert_int_eq(recv_byte(to_parent[0], 5000), 'L');
	ck_assert_int_eq(child_exit_status(pid), 0);
	int fd = lock_within(locks(), ID_A, 3000);
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
	ck_assert_int_eq(recv_byte(pfd[0], 5000), 'L');
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
	new_fd = lock_within(locks(), ID_A, 3000);
	ck_assert_int_ge(new_fd, 0);
	ctri_unlock(old_fd);
	ck_assert_msg(recv_byte(pfd[0], 300) == 0,
		      "waiter took a lock on the dead file while the new file is held");
	ctri_unlock(new_fd);
	ck_assert_int_eq(recv_byte(pfd[0], 5000), 'L');
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
		recv_byte(to_child[0], 10000);
		ctri_unlock(cfd);
		ctri_store_close(cs);
		_exit(0);
	}
	ck_assert_int_eq(recv_byte(to_parent[0], 5000), 'L');
	a.s = open_store();
	ck_assert_msg(tu_run_within(transaction_thread, &a, 3000),
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
		recv_byte(to_child[0], 10000);
		if (ctri_store_commit(cs) < 0)
			_exit(12);
		ctri_store_close(cs);
		_exit(0);
	}
	ck_assert_int_eq(recv_byte(to_parent[0], 5000), 'T');
	int fd = lock_within(locks(), ID_A, 3000);
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

Suite *suite_store(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("records");

	tu_add_fixtures(tc, store_teardown);
	tcase_add_test(tc, test_raw_record_round_trips);
	tcase_add_test(tc, test_raw_record_keeps_embedded_nul_bytes_and_length);
	tcase_add_test(tc, test_get_of_missing_record_is_noent_and_leaves_out_untouched);
	tcase_add_test(tc, test_json_record_round_trips);
	tcase_add_test(tc, test_insert_only_refuses_an_existing_key_and_keeps_its_value);
	tcase_add_test(tc, test_delete_removes_a_record_and_missing_keys_are_fine);
	tcase_add_test(tc, test_damaged_json_record_is_a_store_error_naming_the_key);
	tcase_add_test(tc, test_oversized_record_is_a_store_error);
	tcase_add_test(tc, test_second_open_in_a_process_shares_the_handle);
	tcase_add_test(tc, test_garbage_file_is_refused_and_left_unchanged);
	suite_add_tcase(s, tc);

	tc = tcase_create("transactions");
	tu_add_fixtures(tc, store_teardown);
	tcase_add_test(tc, test_committed_transaction_is_visible);
	tcase_add_test(tc, test_cancelled_transaction_leaves_no_trace);
	tcase_add_test(tc, test_nested_transaction_commits_with_the_outer_one);
	tcase_add_test(tc, test_uncommitted_transaction_is_invisible_to_another_process);
	tcase_add_test(tc, test_store_opened_before_fork_can_be_opened_again_in_the_child);
	suite_add_tcase(s, tc);

	tc = tcase_create("each");
	tu_add_fixtures(tc, store_teardown);
	tcase_add_test(tc, test_each_visits_only_keys_with_the_prefix_without_it);
	tcase_add_test(tc, test_each_stops_when_the_callback_says_so_and_returns_its_value);
	tcase_add_test(tc, test_each_sees_thousands_of_records);
	suite_add_tcase(s, tc);

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
