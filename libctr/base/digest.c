/* SHA-256 through nettle (digest.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "error.h"

void ctri_sha256_init(struct ctri_sha256 *h)
{
	sha256_init(&h->ctx);
}

void ctri_sha256_update(struct ctri_sha256 *h, const void *buf, size_t len)
{
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
	out[64] = '\0';
}

void ctri_sha256_buf(const void *buf, size_t len, char out[65])
{
	struct ctri_sha256 h;

	ctri_sha256_init(&h);
	ctri_sha256_update(&h, buf, len);
	ctri_sha256_hex(&h, out);
}

int ctri_sha256_file(const char *path, char out[65], long long *out_size)
{
	struct ctri_sha256 h;
	struct stat st;
	char buf[65536];
	long long size = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return ctri_err(CTR_E_IO, "cannot open %s: %m", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int r = ctri_err(CTR_E_IO, "cannot hash %s: %s", path,
				 S_ISREG(st.st_mode) ? strerror(errno) : "not a regular file");
		close(fd);
		return r;
	}
	ctri_sha256_init(&h);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int r = ctri_err(CTR_E_IO, "cannot read %s: %m", path);
			close(fd);
			return r;
		}
		ctri_sha256_update(&h, buf, (size_t)n);
		size += n;
	}
	close(fd);
	ctri_sha256_hex(&h, out);
	if (out_size)
		*out_size = size;
	return 0;
}

int ctri_is_sha256_hex(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[i] == '\0';
}

int ctri_digest_hex(const char *digest, char out[65])
{
	const char *colon;

	if (!digest)
		return ctri_err(CTR_E_INVAL, "missing digest");
	colon = strchr(digest, ':');
	if (colon && strncmp(digest, "sha256:", 7) && colon - digest <= 32)
		return ctri_err(CTR_E_INVAL, "unsupported digest algorithm %.*s in %.200s (only sha256)",
				(int)(colon - digest), digest, digest);
	if (strncmp(digest, "sha256:", 7) || !ctri_is_sha256_hex(digest + 7))
		return ctri_err(CTR_E_INVAL, "malformed digest %.200s (expected sha256:<64 lowercase hex digits>)",
				digest);
	memcpy(out, digest + 7, 65);
	return 0;
}
