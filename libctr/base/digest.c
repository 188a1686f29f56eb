/* SHA-256 through nettle (digest.h). */
#include "digest.h"

void ctri_sha256_init(struct ctri_sha256 *h)
{
	sha256_init(&h->ctx);
}

void ctri_sha256_update(struct ctri_sha256 *h, const void *buf, size_t len)
{
	if (len)
		sha256_update(&h->ctx, len, buf);
}

void ctri_sha256_hex(struct ctri_sha256 *h, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_digest(&h->ctx, sizeof(d), d);
	for (size_t i = 0; i < sizeof(d); i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * sizeof(d)] = '\0';
}
