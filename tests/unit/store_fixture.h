/* Fixture and helpers shared by the store suites (test_store.c, test_store_lock.c). */
#ifndef CTR_STORE_FIXTURE_H
#define CTR_STORE_FIXTURE_H

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

static inline void store_teardown(void)
{
	free(db_path);
	free(lock_dir);
	db_path = lock_dir = NULL;
}

static inline struct ctri_store *open_store(void)
{
	struct ctri_store *s = NULL;

	if (!db_path)
		db_path = tu_path("ctr.tdb");
	int r = ctri_store_open(db_path, 1, &s);
	ck_assert_msg(r == 0, "ctri_store_open: %d %s", r, ctr_last_error());
	ck_assert_ptr_nonnull(s);
	return s;
}

static inline const char *locks(void)
{
	if (!lock_dir) {
		lock_dir = tu_path("locks");
		ck_assert_int_eq(mkdir(lock_dir, 0700), 0);
	}
	return lock_dir;
}

static inline char *get_raw(struct ctri_store *s, const char *key)
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

static inline void assert_raw(struct ctri_store *s, const char *key, const char *want)
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

static inline void put(struct ctri_store *s, const char *key, const char *val)
{
	int r = ctri_store_put_raw(s, key, val, strlen(val), 0);
	ck_assert_msg(r == 0, "put %s: %d %s", key, r, ctr_last_error());
}

/* ---- pipes between processes and threads --------------------------------------------- */

static inline void send_byte(int fd, char c)
{
	ck_assert_int_eq(write(fd, &c, 1), 1);
}

/* The next byte from fd within ms milliseconds, or 0 on timeout / EOF. */
static inline char recv_byte(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char c = 0;

	if (poll(&p, 1, ms) == 1 && read(fd, &c, 1) == 1)
		return c;
	return 0;
}

static inline int child_exit_status(pid_t pid)
{
	int st;

	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#endif
