/* Detach keys: "ctrl-p,ctrl-q"-style specifications and the input matcher. */
#include <string.h>

#include "ctr/ctr.h"
#include "detach.h"
#include "error.h"

/* One key: a single character, or "ctrl-X" for X in a-z @ [ \ ] ^ _. -1 if invalid. */
static int key_code(const char *k, size_t len)
{
	static const char ctrl_punct[] = "@[\\]^_";

	if (len == 1)
		return (unsigned char)k[0];
	if (len != 6 || strncmp(k, "ctrl-", 5) != 0)
		return -1;
	char x = k[5];
	if (x >= 'a' && x <= 'z')
		return x - 'a' + 1;
	const char *p = x ? strchr(ctrl_punct, x) : NULL;
	return p ? x - '@' : -1;
}

int ctri_detach_parse(const char *spec, struct ctri_detach *d)
{
	const char *p;

	*d = (struct ctri_detach){ 0 };
	if (!spec)
		spec = CTRI_DETACH_DEFAULT;
	if (!*spec)
		return 0;
	for (p = spec;; p++) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		int code = key_code(p, len);
		if (code < 0)
			return ctri_err(CTR_E_INVAL,
					"detach keys \"%s\": invalid key \"%.*s\" (a single "
					"character or ctrl-X, X in a-z, @, [, \\, ], ^, _)",
					spec, (int)len, p);
		if (d->len == CTRI_DETACH_MAX)
			return ctri_err(CTR_E_INVAL, "detach keys \"%s\": more than %d keys", spec,
					CTRI_DETACH_MAX);
		d->keys[d->len++] = (unsigned char)code;
		if (!comma)
			return 0;
		p = comma;
	}
}

/* The longest k < matched + 1 such that keys[0..matched) + b ends with keys[0..k): how
 * much of the held input, with b, may still begin the sequence. */
static size_t fallback(const struct ctri_detach *d, unsigned char b)
{
	for (size_t k = d->matched; k > 0; k--) {
		/* held suffix keys[matched-k+1..matched) followed by b against keys[0..k) */
		if (d->keys[k - 1] == b &&
		    memcmp(d->keys + d->matched - (k - 1), d->keys, k - 1) == 0)
			return k;
	}
	return 0;
}

int ctri_detach_feed(struct ctri_detach *d, const unsigned char *in, size_t n, unsigned char *out,
		     size_t *out_len)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char b = in[i];
		if (d->len == 0) {
			out[o++] = b;
			continue;
		}
		if (d->keys[d->matched] == b) {
			if (++d->matched == d->len) {
				d->matched = 0;
				*out_len = o;
				return 1;
			}
			continue;
		}
		/* b breaks the match: pass on the held bytes that can no longer begin it. */
		size_t k = fallback(d, b);
		size_t released = d->matched + 1 - k; /* of held + b, from the front */
		for (size_t j = 0; j < released; j++)
			out[o++] = j < d->matched ? d->keys[j] : b;
		d->matched = k;
	}
	*out_len = o;
	return 0;
}

size_t ctri_detach_flush(struct ctri_detach *d, unsigned char *out)
{
	size_t n = d->matched;

	memcpy(out, d->keys, n);
	d->matched = 0;
	return n;
}
