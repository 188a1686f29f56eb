/* libFuzzer target: ctri_oci_clean(), which makes a runtime's (or CRIU's) error text fit for
 * an error message, on any bytes and any buffer size. Checked independently of its code:
 * the result is NUL-terminated within the buffer; valid UTF-8; free of C0 and C1 controls,
 * DEL, zero-width, separator and bidirectional characters; no space at either end and never
 * two in a row; "..." at the end when the text was cut; and cleaning it again changes nothing.
 * Input: 2 bytes of buffer size (mod 600), then the text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decode one UTF-8 character at s (strict: no overlong forms, no surrogates); its length,
 * or 0 when it is not valid. */
static size_t decode(const unsigned char *s, unsigned *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	size_t n = (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (!n)
		return 0;
	unsigned v = s[0] & (0xff >> (n + 1));
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	static const unsigned min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (v < min[n] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

static int shows(unsigned cp)
{
	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	if ((cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff)
		return 0;
	return 1;
}

static void check(const char *out, size_t cap)
{
	size_t len = strlen(out);

	if (cap >= 5 && len > cap - 1)
		abort(); /* past the buffer */
	if (len && (out[0] == ' ' || out[len - 1] == ' ' || strstr(out, "  ")))
		abort(); /* spaces not folded */
	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t n = decode((const unsigned char *)out + i, &cp);
		if (!n || !shows(cp))
			abort(); /* not UTF-8, or a character that does not show */
		i += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[600], again[600];

	if (size < 2)
		return 0;
	size_t cap = (size_t)(data[0] | data[1] << 8) % sizeof(out);
	data += 2;
	size -= 2;
	memset(out, 'Z', sizeof(out));
	ctri_oci_clean((const char *)data, size, out, cap);
	if (cap == 0)
		return 0;
	if (memchr(out, 0, cap) == NULL)
		abort(); /* not terminated within cap */
	check(out, cap);
	size_t len = strlen(out);
	/* Cut: the whole cleaned text would not fit; then it ends with "..." */
	char *full = malloc(size * 2 + 8);
	if (!full)
		return 0;
	ctri_oci_clean((const char *)data, size, full, size * 2 + 8);
	if (cap >= 5 && strcmp(full, out) != 0 &&
	    (len < 3 || strcmp(out + len - 3, "...") != 0 || strlen(full) <= cap - 1))
		abort(); /* shortened without saying so, or shortened though it fitted */
	free(full);
	/* Idempotent: what is clean stays as it is. */
	ctri_oci_clean(out, len, again, cap);
	if (strcmp(again, out) != 0)
		abort();
	return 0;
}
