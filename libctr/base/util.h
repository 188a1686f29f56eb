/* Small helpers shared by the subsystems: strings, string vectors, files, directories. */
#ifndef LIBCTR_UTIL_H
#define LIBCTR_UTIL_H

#include <stddef.h>
#include <sys/types.h>

#define CTRI_ID_LEN 64

/* String vectors: NULL-terminated arrays of malloc'd strings. */
size_t ctri_strv_len(const char *const *v);
char **ctri_strv_dup(const char *const *v); /* NULL on ENOMEM; dup of NULL is an empty vector */
void ctri_strv_free(char **v);

/* Create a directory and its missing parents with mode; existing ones are fine.
 * Returns 0 or -errno. */
int ctri_mkdir_p(const char *path, mode_t mode);

/* Remove a tree without following symlinks. A missing path is fine. Returns 0 or -errno. */
int ctri_rm_rf(const char *path);

/* Write a whole file atomically: PATH.tmp.TID, optional fsync, rename, then (with
 * do_sync) fsync of the directory. Returns 0 or -errno. */
int ctri_write_file(const char *path, const void *data, size_t len, mode_t mode, int do_sync);

/* Read a whole regular file (at most max bytes) into a NUL-terminated buffer, until EOF
 * whatever its st_size says (files of /proc report 0). Returns 0 or -errno (-EFBIG when
 * larger than max). */
int ctri_read_file(const char *path, size_t max, char **out, size_t *len);

/* Fill buf with n random bytes as 2n lowercase hex digits plus NUL. Returns 0 or -errno. */
int ctri_random_hex(char *buf, size_t n);

/* 1 if s is a valid 64-digit lowercase hex id. */
int ctri_is_id(const char *s);

/* 1 if s is a valid container name: [a-zA-Z0-9][a-zA-Z0-9_.-]{0,252}. */
int ctri_is_name(const char *s);

/* asprintf that returns NULL on failure. */
/* The path of program name (without '/'): looked up in PATH, then in the sbin directories
 * root's PATH has but a service's may lack. Not found: a copy of name. NULL: no memory. */
char *ctri_find_program(const char *name);

char *ctri_strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Wall clock in nanoseconds since the epoch; and RFC 3339 with ns (buf >= 40 bytes). */
long long ctri_now_ns(void);
void ctri_format_time(long long ns, char *buf, size_t len);

/* RFC 3339 ("2026-11-23T15:36:34.203021498Z", or with an offset; digits past ns are
 * dropped) at p (before end) to ns since the epoch in *ns. Returns the end of the
 * timestamp in p, or NULL when p does not start with one. */
const char *ctri_parse_time(const char *p, const char *end, long long *ns);

#endif
