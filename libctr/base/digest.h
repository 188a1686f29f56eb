/* SHA-256 through nettle: the digests of image blobs and layers. */
#ifndef LIBCTR_DIGEST_H
#define LIBCTR_DIGEST_H

#include <stddef.h>
#include <nettle/sha2.h>

/* A running SHA-256. Plain data: no allocation, nothing to free. */
struct ctri_sha256 {
	struct sha256_ctx ctx;
};

/* Start a new digest. */
void ctri_sha256_init(struct ctri_sha256 *h);

/* Add len bytes of buf (buf may be NULL when len is 0). */
void ctri_sha256_update(struct ctri_sha256 *h, const void *buf, size_t len);

/* Finish the digest into out: 64 lowercase hex digits and a NUL. h starts over (as after
 * ctri_sha256_init). */
void ctri_sha256_hex(struct ctri_sha256 *h, char out[65]);

#endif
