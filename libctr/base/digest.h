/* SHA-256 through nettle (never a hand-written hash): streaming, of a file, and the
 * "sha256:<hex>" digest strings of OCI descriptors and configs. */
#ifndef LIBCTR_DIGEST_H
#define LIBCTR_DIGEST_H

#include <stddef.h>
#include <nettle/sha2.h>

/* A running hash; callers allocate it (on the stack) and never look inside. */
struct ctri_sha256 {
	struct sha256_ctx ctx;
};

void ctri_sha256_init(struct ctri_sha256 *h);
void ctri_sha256_update(struct ctri_sha256 *h, const void *buf, size_t len);

/* Finish the hash: out gets 64 lowercase hex digits and a NUL. h must be initialised
 * again before another use. */
void ctri_sha256_hex(struct ctri_sha256 *h, char out[65]);

/* The hash of len bytes at buf, as ctri_sha256_hex writes it. */
void ctri_sha256_buf(const void *buf, size_t len, char out[65]);

/* The hash of the regular file at path (symbolic links are followed) and, when out_size
 * is not NULL, its size in bytes.
 * Returns 0; CTR_E_IO naming path with the system's reason (missing, unreadable, not a
 * regular file). */
int ctri_sha256_file(const char *path, char out[65], long long *out_size);

/* The hex of a digest string "sha256:<64 lowercase hex digits>" into out.
 * Returns 0; CTR_E_INVAL naming the digest (another algorithm is refused by its name, a
 * malformed one as malformed); digest NULL is CTR_E_INVAL too. */
int ctri_digest_hex(const char *digest, char out[65]);

/* 1 if s is exactly 64 lowercase hex digits. */
int ctri_is_sha256_hex(const char *s);

#endif
