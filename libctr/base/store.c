/* The TDB store: JSON records, transactions, and per-container locks. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <tdb.h>
#include <unistd.h>

#include "error.h"
#include "store.h"

/* Thousands of containers, three records each: keep chains short. */
#define STORE_HASH_SIZE 10007
/* Records are small JSON documents; anything larger is damage. */
#define STORE_MAX_RECORD (4u << 20)

struct ctri_store {
	struct ctri_store *next;
	dev_t dev;
	ino_t ino;
	pid_t pid;
	int refs;
	int depth; /* transaction nesting in the holding thread */
	pthread_mutex_t mu;
	struct tdb_context *tdb;
	char *path;
};

/* Open stores of this process: TDB allows one handle per file per process. */
static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static struct ctri_store *registry;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* A fork copies each store as it is at that moment: a store's mutex held by another thread,
 * and TDB's count of the locks that thread holds, would stay held in the child, whose
 * open of the same file then fails (tdb_reopen() refuses while locks are counted) or waits
 * for ever. So a fork waits until no thread is inside a store call (each holds its store's
 * mutex throughout, the JSON parse and print of its records included), and the child gets
 * stores at rest. */
static void fork_prepare(void)
{
	pthread_mutex_lock(&registry_mu);
	for (struct ctri_store *s = registry; s; s = s->next)
		pthread_mutex_lock(&s->mu);
}

static void init_store_mutex(pthread_mutex_t *mu)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(mu, &a);
	pthread_mutexattr_destroy(&a);
}

static void fork_parent(void)
{
	for (struct ctri_store *s = registry; s; s = s->next)
		pthread_mutex_unlock(&s->mu);
	pthread_mutex_unlock(&registry_mu);
}

/* The child's thread is not the owner glibc recorded in a recursive mutex (its thread id
 * differs), so it cannot unlock the copies: they are made anew, free. */
static void fork_child(void)
{
	for (struct ctri_store *s = registry; s; s = s->next)
		init_store_mutex(&s->mu);
	pthread_mutex_unlock(&registry_mu);
}

static void atfork_register(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}

/* What TDB said during the current call: its last message, and the errno of the first
 * system call that failed (TDB's own messages rarely carry it, and its error code for a
 * full disk is a bare "IO Error"). Both are reset before each call into TDB. */
static __thread char tdb_msg[256];
static __thread int tdb_errno;

static void store_reset(void)
{
	tdb_msg[0] = '\0';
	tdb_errno = 0;
	errno = 0;
}

static void store_log(struct tdb_context *tdb, enum tdb_debug_level level, const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	(void)tdb;
	if (level > TDB_DEBUG_WARNING)
		return;
	if (!tdb_errno)
		tdb_errno = e;
	va_start(ap, fmt);
	vsnprintf(tdb_msg, sizeof(tdb_msg), fmt, ap);
	va_end(ap);
	size_t n = strlen(tdb_msg);
	if (n && tdb_msg[n - 1] == '\n')
		tdb_msg[n - 1] = '\0';
	errno = e;
}

/* An errno that says the system refused (permissions, space), not that the file is bad. */
static int io_errno(int e)
{
	return e == EACCES || e == EROFS || e == ENOSPC || e == EDQUOT || e == EFBIG ||
	       e == EPERM || e == ENOTDIR;
}

/* The errno behind a TDB I/O error: the one a failed system call left, or, since TDB
 * often loses it (its file growth reports no errno), for a write what the file system says:
 * ENOSPC when little room is left for the file to grow, EROFS when it is read-only. 0 when
 * nothing explains it (a damaged file: a read past its end is an I/O error to TDB too). */
static int io_cause(struct ctri_store *s, int writing)
{
	int e = tdb_errno ? tdb_errno : errno;
	struct statvfs vfs;
	struct stat st;
	int fd = tdb_fd(s->tdb);

	if (e || !writing || fd < 0 || fstatvfs(fd, &vfs) < 0 || fstat(fd, &st) < 0)
		return e;
	if (vfs.f_flag & ST_RDONLY)
		return EROFS;
	/* TDB grows its file by a quarter or more, plus a recovery area of the same order. */
	unsigned long long room = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
	if (room < (unsigned long long)st.st_size / 2 + (1u << 20) || vfs.f_favail == 0)
		return ENOSPC;
	return 0;
}

/* A failed TDB call on s: CTR_E_IO naming the system error when the system refused (a
 * full disk: "No space left on device"), else CTR_E_STORE (a damaged file). */
static int store_fail(struct ctri_store *s, const char *what, const char *key)
{
	int writing = strcmp(what, "read") && strcmp(what, "traverse");
	int e = tdb_error(s->tdb) == TDB_ERR_IO ? io_cause(s, writing) : 0;
	char said[sizeof(tdb_msg) + 8] = "";
	int r;

	if (e) {
		if (tdb_msg[0])
			snprintf(said, sizeof(said), " (tdb: %s)", tdb_msg);
		r = ctri_err(CTR_E_IO, "database %s: %s%s%s: %s%s", s->path, what, key ? " " : "",
			     key ? key : "", strerror(e), said);
	} else {
		r = ctri_err(CTR_E_STORE, "database %s: %s%s%s: %s%s%s", s->path, what,
			     key ? " " : "", key ? key : "", tdb_errorstr(s->tdb),
			     tdb_msg[0] ? ": " : "", tdb_msg);
	}
	store_reset();
	return r;
}

static struct tdb_context *open_tdb(const char *path, int nosync, struct stat *st)
{
	static const struct tdb_logging_context log = { .log_fn = store_log };
	int flags = TDB_INCOMPATIBLE_HASH | (nosync ? TDB_NOSYNC : 0);
	int open_flags = O_RDWR | O_CLOEXEC;

	/* TDB re-initialises a file whose header it cannot read when O_CREAT is given: only
	 * ask for creation when there is nothing to lose. */
	if (lstat(path, st) < 0) {
		if (errno != ENOENT)
			return NULL;
		open_flags |= O_CREAT;
	} else if (!S_ISREG(st->st_mode)) {
		errno = EINVAL;
		return NULL;
	} else if (st->st_size == 0) {
		open_flags |= O_CREAT;
	}
	store_reset();
	struct tdb_context *tdb =
		tdb_open_ex(path, STORE_HASH_SIZE, flags, open_flags, 0600, &log, NULL);
	if (tdb && fstat(tdb_fd(tdb), st) < 0) {
		tdb_close(tdb);
		return NULL;
	}
	return tdb;
}

int ctri_store_open(const char *path, int nosync, struct ctri_store **out)
{
	struct stat st;
	struct ctri_store *s;
	int r = 0;

	pthread_once(&atfork_once, atfork_register);
	pthread_mutex_lock(&registry_mu);
	if (stat(path, &st) == 0) {
		for (s = registry; s; s = s->next) {
			if (s->dev != st.st_dev || s->ino != st.st_ino)
				continue;
			/* Inherited across fork: TDB refuses a second open of the file in this
			 * process, and the handle's fcntl locks belong to the parent. Give the
			 * handle its own descriptor and locks, as tdb_reopen() is meant for. */
			if (s->pid != getpid()) {
				store_reset();
				if (tdb_reopen(s->tdb) != 0) {
					s->tdb = NULL; /* closed by tdb_reopen */
					r = ctri_err(CTR_E_STORE,
						     "open database %s: reopen after fork: %s",
						     path, tdb_msg[0] ? tdb_msg : "failed");
					goto out;
				}
				s->pid = getpid();
			}
			s->refs++;
			*out = s;
			goto out;
		}
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(path))) {
		free(s);
		r = ctri_err(CTR_E_NOMEM, "open database %s: out of memory", path);
		goto out;
	}
	errno = 0;
	s->tdb = open_tdb(path, nosync, &st);
	if (!s->tdb) {
		int e = io_errno(tdb_errno) ? tdb_errno : errno;
		if (io_errno(e))
			r = ctri_err(CTR_E_IO, "open database %s: %s", path, strerror(e));
		else
			r = ctri_err(CTR_E_STORE, "open database %s: not a valid TDB database (%s%s%s)",
				     path, e ? strerror(e) : "bad header", tdb_msg[0] ? ": " : "",
				     tdb_msg);
		free(s->path);
		free(s);
		goto out;
	}
	init_store_mutex(&s->mu);
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->pid = getpid();
	s->refs = 1;
	s->next = registry;
	registry = s;
	*out = s;
out:
	pthread_mutex_unlock(&registry_mu);
	return r;
}

void ctri_store_close(struct ctri_store *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&registry_mu);
	if (--s->refs > 0) {
		pthread_mutex_unlock(&registry_mu);
		return;
	}
	for (struct ctri_store **p = &registry; *p; p = &(*p)->next) {
		if (*p == s) {
			*p = s->next;
			break;
		}
	}
	/* Close before another thread may open the file again: until tdb_close() returns,
	 * TDB refuses a new open of it in this process. */
	if (s->tdb)
		tdb_close(s->tdb);
	pthread_mutex_unlock(&registry_mu);
	pthread_mutex_destroy(&s->mu);
	free(s->path);
	free(s);
}

const char *ctri_store_path(const struct ctri_store *s)
{
	return s->path;
}

static TDB_DATA key_of(const char *key)
{
	return (TDB_DATA){ .dptr = (unsigned char *)key, .dsize = strlen(key) };
}

int ctri_store_get_raw(struct ctri_store *s, const char *key, char **out, size_t *len)
{
	int r = 0;

	pthread_mutex_lock(&s->mu);
	store_reset();
	TDB_DATA d = tdb_fetch(s->tdb, key_of(key));
	if (!d.dptr) {
		r = tdb_error(s->tdb) == TDB_ERR_NOEXIST ? CTR_E_NOENT
							  : store_fail(s, "read", key);
		goto out;
	}
	if (d.dsize > STORE_MAX_RECORD) {
		r = ctri_err(CTR_E_STORE, "database %s: record %s is too large (%zu bytes)",
			     s->path, key, d.dsize);
		free(d.dptr);
		goto out;
	}
	char *buf = malloc(d.dsize + 1);
	if (!buf) {
		free(d.dptr);
		r = ctri_err(CTR_E_NOMEM, "read %s: out of memory", key);
		goto out;
	}
	memcpy(buf, d.dptr, d.dsize);
	buf[d.dsize] = '\0';
	free(d.dptr);
	*out = buf;
	if (len)
		*len = d.dsize;
out:
	pthread_mutex_unlock(&s->mu);
	return r;
}

static int parse_record(struct ctri_store *s, const char *key, char *raw, size_t len,
			json_object **out)
{
	json_tokener *tok = json_tokener_new();

	if (!tok)
		return ctri_err(CTR_E_NOMEM, "read %s: out of memory", key);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	json_object *obj = json_tokener_parse_ex(tok, raw, (int)len);
	int bad = !obj || json_tokener_get_error(tok) != json_tokener_success ||
		  json_tokener_get_parse_end(tok) != len || !json_object_is_type(obj, json_type_object);
	json_tokener_free(tok);
	if (bad) {
		json_object_put(obj);
		return ctri_err(CTR_E_STORE, "database %s: record %s is damaged (not a JSON object)",
				s->path, key);
	}
	*out = obj;
	return 0;
}

/* The parse, too, holds the mutex: json-c takes glibc's locale lock while it parses, and a
 * fork copies that lock as held by then (see fork_prepare). */
int ctri_store_get(struct ctri_store *s, const char *key, json_object **out)
{
	char *raw;
	size_t len;

	pthread_mutex_lock(&s->mu);
	int r = ctri_store_get_raw(s, key, &raw, &len);
	if (r == 0) {
		r = parse_record(s, key, raw, len, out);
		free(raw);
	}
	pthread_mutex_unlock(&s->mu);
	return r;
}

int ctri_store_exists(struct ctri_store *s, const char *key)
{
	pthread_mutex_lock(&s->mu);
	int r = tdb_exists(s->tdb, key_of(key));
	pthread_mutex_unlock(&s->mu);
	return r;
}

int ctri_store_begin(struct ctri_store *s)
{
	pthread_mutex_lock(&s->mu);
	if (s->depth++ > 0)
		return 0;
	store_reset();
	if (tdb_transaction_start(s->tdb) != 0) {
		s->depth--;
		int r = store_fail(s, "start transaction", NULL);
		pthread_mutex_unlock(&s->mu);
		return r;
	}
	return 0;
}

int ctri_store_commit(struct ctri_store *s)
{
	int r = 0;

	if (s->depth == 1)
		store_reset();
	if (--s->depth == 0 && tdb_transaction_commit(s->tdb) != 0)
		r = store_fail(s, "commit transaction", NULL);
	pthread_mutex_unlock(&s->mu);
	return r;
}

void ctri_store_cancel(struct ctri_store *s)
{
	if (--s->depth == 0)
		tdb_transaction_cancel(s->tdb);
	pthread_mutex_unlock(&s->mu);
}

int ctri_store_put_raw(struct ctri_store *s, const char *key, const char *val, size_t len,
		       int insert_only)
{
	TDB_DATA d = { .dptr = (unsigned char *)val, .dsize = len };
	int r = ctri_store_begin(s);

	if (r < 0)
		return r;
	store_reset();
	if (tdb_store(s->tdb, key_of(key), d, insert_only ? TDB_INSERT : TDB_REPLACE) != 0) {
		r = tdb_error(s->tdb) == TDB_ERR_EXISTS ? CTR_E_EXISTS
							 : store_fail(s, "write", key);
		ctri_store_cancel(s);
		return r;
	}
	return ctri_store_commit(s);
}

int ctri_store_put(struct ctri_store *s, const char *key, json_object *val, int insert_only)
{
	size_t len;

	pthread_mutex_lock(&s->mu); /* as for ctri_store_get() */
	const char *text = json_object_to_json_string_length(val, JSON_C_TO_STRING_PLAIN, &len);
	int r = text ? ctri_store_put_raw(s, key, text, len, insert_only)
		     : ctri_err(CTR_E_NOMEM, "write %s: out of memory", key);
	pthread_mutex_unlock(&s->mu);
	return r;
}

int ctri_store_put_volatile(struct ctri_store *s, const char *key, json_object *val)
{
	/* TDB decides at commit whether to sync: set TDB_NOSYNC for this one write, under
	 * the (recursive) mutex. Nested in a caller's transaction, the caller's commit
	 * decides. */
	pthread_mutex_lock(&s->mu);
	int add = s->depth == 0 && !(tdb_get_flags(s->tdb) & TDB_NOSYNC);
	if (add)
		tdb_add_flags(s->tdb, TDB_NOSYNC);
	int r = ctri_store_put(s, key, val, 0);
	if (add)
		tdb_remove_flags(s->tdb, TDB_NOSYNC);
	pthread_mutex_unlock(&s->mu);
	return r;
}

int ctri_store_delete(struct ctri_store *s, const char *key)
{
	int r = ctri_store_begin(s);

	if (r < 0)
		return r;
	store_reset();
	if (tdb_delete(s->tdb, key_of(key)) != 0 && tdb_error(s->tdb) != TDB_ERR_NOEXIST) {
		r = store_fail(s, "delete", key);
		ctri_store_cancel(s);
		return r;
	}
	return ctri_store_commit(s);
}

struct each_ctx {
	const char *prefix;
	size_t plen;
	ctri_store_fn fn;
	void *ud;
	int ret;
	char *buf;
	size_t cap;
};

static int grow(char **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	char *n = realloc(*buf, need);
	if (!n)
		return -1;
	*buf = n;
	*cap = need;
	return 0;
}

static int each_cb(struct tdb_context *tdb, TDB_DATA k, TDB_DATA v, void *p)
{
	struct each_ctx *e = p;

	(void)tdb;
	if (k.dsize < e->plen || memcmp(k.dptr, e->prefix, e->plen) != 0)
		return 0;
	/* key and value, each NUL-terminated, in one reused buffer */
	size_t klen = k.dsize - e->plen;
	if (grow(&e->buf, &e->cap, klen + v.dsize + 2) < 0) {
		e->ret = ctri_err(CTR_E_NOMEM, "list records: out of memory");
		return 1;
	}
	memcpy(e->buf, k.dptr + e->plen, klen);
	e->buf[klen] = '\0';
	char *val = e->buf + klen + 1;
	memcpy(val, v.dptr, v.dsize);
	val[v.dsize] = '\0';
	e->ret = e->fn(e->buf, val, v.dsize, e->ud);
	return e->ret != 0;
}

int ctri_store_each(struct ctri_store *s, const char *prefix, ctri_store_fn fn, void *ud)
{
	struct each_ctx e = { .prefix = prefix, .plen = strlen(prefix), .fn = fn, .ud = ud };

	pthread_mutex_lock(&s->mu);
	store_reset();
	/* One read lock on the whole file instead of a fcntl lock per hash chain: 2 system
	 * calls instead of 2 per chain (10007 chains), which made listing 5x slower. */
	int all = tdb_lockall_read(s->tdb) == 0;
	int n = tdb_traverse_read(s->tdb, each_cb, &e);
	if (all)
		tdb_unlockall_read(s->tdb);
	if (n < 0 && e.ret == 0)
		e.ret = store_fail(s, "traverse", prefix);
	pthread_mutex_unlock(&s->mu);
	free(e.buf);
	return e.ret;
}

/* ---- per-container locks ------------------------------------------------------------ */

int ctri_lock_path(char *buf, size_t len, const char *dir, const char *id)
{
	if ((size_t)snprintf(buf, len, "%s/%s.lock", dir, id) >= len)
		return ctri_err(CTR_E_INVAL, "lock %s: path too long", id);
	return 0;
}

int ctri_lock(const char *dir, const char *id, int *fd_out)
{
	char path[4096];
	int r = ctri_lock_path(path, sizeof(path), dir, id);

	if (r < 0)
		return r;
	for (;;) {
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return ctri_err(CTR_E_IO, "lock %s: open %s: %m", id, path);
		while (flock(fd, LOCK_EX) < 0) {
			if (errno != EINTR) {
				r = ctri_err(CTR_E_IO, "lock %s: flock %s: %m", id, path);
				close(fd);
				return r;
			}
		}
		/* The file may have been unlinked (container removed) while we waited: a lock
		 * on a dead inode excludes nobody, so start again on the current file. */
		struct stat a, b;
		int gone = stat(path, &b) < 0;
		if ((gone && errno != ENOENT) || fstat(fd, &a) < 0) {
			r = ctri_err(CTR_E_IO, "lock %s: stat %s: %m", id, path);
			close(fd);
			return r;
		}
		if (!gone && a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
			*fd_out = fd;
			return 0;
		}
		close(fd);
	}
}

void ctri_unlock(int fd)
{
	if (fd < 0)
		return;
	/* Unlock explicitly: a monitor may share this open file (--lock-fd) and must not keep
	 * the lock once we give up on it. */
	flock(fd, LOCK_UN);
	close(fd);
}

void ctri_lock_unlink(const char *dir, const char *id)
{
	char path[4096];

	if (ctri_lock_path(path, sizeof(path), dir, id) == 0)
		unlink(path);
}
