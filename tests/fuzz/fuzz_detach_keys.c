/* libFuzzer target: ctri_detach_parse() on any spec must succeed or fail with a message;
 * a valid spec's matcher, fed the rest of the input in chunks of random sizes, must pass on
 * every byte that is not part of a completed match, in order, hold back fewer bytes than
 * the sequence, and report a match exactly when the input since the last one ends with it
 * (checked against a naive model).
 * Input: 1 byte spec length L (mod 64), L bytes of spec, then chunks: 1 byte size, bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctr/ctr.h"
#include "detach.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHUNK_MAX 255

/* The bytes fed since the last match (the model) and what the matcher passed on since. */
static unsigned char seen[1 << 17], passed[1 << 17];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctri_detach d;
	char spec[64];
	size_t nseen = 0, npassed = 0, in = 0, out = 0, matched = 0, dropped = 0;

	if (size < 1 || size > 65536)
		return 0;
	size_t l = data[0] % 64;
	if (l > size - 1)
		l = size - 1;
	memcpy(spec, data + 1, l);
	spec[l] = '\0';
	data += 1 + l;
	size -= 1 + l;
	if (ctri_detach_parse(l == 0 && size % 2 ? NULL : spec, &d) < 0) {
		if (!ctr_last_error()[0])
			abort(); /* a refusal without a message */
		return 0;
	}
	if (d.len > CTRI_DETACH_MAX || d.matched != 0)
		abort();
	while (size > 0) {
		unsigned char buf[CHUNK_MAX + CTRI_DETACH_MAX];
		size_t n = data[0], got = 0;
		data++;
		size--;
		if (n > size)
			n = size;
		int r = ctri_detach_feed(&d, data, n, buf, &got);
		if (got > n + CTRI_DETACH_MAX)
			abort();
		memcpy(passed + npassed, buf, got);
		npassed += got;
		out += got;
		/* The model: feed byte by byte until the input since the last match ends with the
		 * sequence. */
		size_t i, hit = 0;
		for (i = 0; i < n && !hit; i++) {
			seen[nseen++] = data[i];
			in++;
			if (d.len && nseen >= d.len && !memcmp(seen + nseen - d.len, d.keys, d.len))
				hit = 1;
		}
		if (r != (int)hit)
			abort(); /* a match missed or invented */
		if (hit) {
			/* Everything before the sequence was passed on, nothing of it after. */
			if (npassed != nseen - d.len || memcmp(passed, seen, npassed))
				abort();
			matched += d.len;
			dropped += n - i;
			nseen = npassed = 0;
			if (d.matched != 0)
				abort();
		} else {
			/* What was passed on is a prefix of the input; less than len held. */
			if (npassed > nseen || memcmp(passed, seen, npassed))
				abort();
			if (nseen - npassed != d.matched || (d.len && d.matched >= d.len) ||
			    (!d.len && d.matched))
				abort();
		}
		data += n;
		size -= n;
	}
	unsigned char rest[CTRI_DETACH_MAX];
	size_t held = ctri_detach_flush(&d, rest);
	if (held > CTRI_DETACH_MAX || d.matched != 0)
		abort();
	memcpy(passed + npassed, rest, held);
	npassed += held;
	out += held;
	if (npassed != nseen || memcmp(passed, seen, npassed))
		abort(); /* the flush did not hand back exactly the held bytes */
	if (out + matched != in)
		abort(); /* bytes out + bytes of matches != bytes in */
	(void)dropped;
	return 0;
}
