/* The TDB store: JSON records, transactions, and per-container locks.
 *
 * One TDB file per state directory, shared by every process. Within a process, contexts
 * over the same file share one TDB handle (TDB refuses a second open of a file in one
 * process), guarded by a recursive mutex, since TDB handles are not thread-safe. */
#ifndef LIBCTR_STORE_H
#define LIBCTR_STORE_H

#include <json-c/json.h>
#include <stddef.h>

struct ctri_store;

/* Open (creating if absent) the database at path. An existing file that is not a TDB
 * database is CTR_E_STORE and is not modified. */
int ctri_store_open(const char *path, int nosync, struct ctri_store **out);
void ctri_store_close(struct ctri_store *s);
const char *ctri_store_path(const struct ctri_store *s);

/* Read a record. CTR_E_NOENT when absent (message not set), CTR_E_STORE when unreadable.
 * The raw form returns malloc'd NUL-terminated bytes. */
int ctri_store_get_raw(struct ctri_store *s, const char *key, char **out, size_t *len);
int ctri_store_get(struct ctri_store *s, const char *key, json_object **out);
int ctri_store_exists(struct ctri_store *s, const char *key);

/* Transactions: begin takes the process mutex and the TDB transaction lock; commit or
 * cancel release both. Calls below are allowed inside and outside a transaction; outside
 * one, each write is its own transaction (TDB writes outside transactions are not
 * crash-safe). */
int ctri_store_begin(struct ctri_store *s);
int ctri_store_commit(struct ctri_store *s);
void ctri_store_cancel(struct ctri_store *s);

/* Write a record; with insert_only, CTR_E_EXISTS (no message) when the key exists. */
int ctri_store_put_raw(struct ctri_store *s, const char *key, const char *val, size_t len,
		       int insert_only);
int ctri_store_put(struct ctri_store *s, const char *key, json_object *val, int insert_only);
/* Write a record in its own transaction without fsync, whatever the store's durability:
 * it survives the death of processes, not of the machine. */
int ctri_store_put_volatile(struct ctri_store *s, const char *key, json_object *val);
/* Delete a record; a missing key is fine. */
int ctri_store_delete(struct ctri_store *s, const char *key);

/* Call fn for each record whose key starts with prefix (key without the prefix, value
 * NUL-terminated). fn returns non-zero to stop; that value is returned. A consistent
 * read view; fn must not call other store functions. */
typedef int (*ctri_store_fn)(const char *key, const char *val, size_t len, void *ud);
int ctri_store_each(struct ctri_store *s, const char *prefix, ctri_store_fn fn, void *ud);

/* Per-container lock: flock() on DIR/ID.lock. It excludes other processes and other
 * threads (each open is its own lock owner), is dropped by the kernel when its holder
 * dies, and is independent of TDB's locks, so it never blocks a transaction. */
int ctri_lock(const char *dir, const char *id, int *fd_out);
/* The lock file's path, DIR/ID.lock; CTR_E_INVAL when it does not fit in len. */
int ctri_lock_path(char *buf, size_t len, const char *dir, const char *id);
void ctri_unlock(int fd);
/* Remove the lock file while holding the lock (container removal). */
void ctri_lock_unlink(const char *dir, const char *id);

#endif
