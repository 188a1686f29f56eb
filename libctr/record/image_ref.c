/* Image references by the docker reference grammar (image_ref.h). */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "image_ref.h"
#include "util.h"

#define NAME_MAX_LEN 255
#define TAG_MAX_LEN 128

static int lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int alnum(char c)
{
	return lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* A path component [a-z0-9]+ ([._]|__|-+ [a-z0-9]+)* of len bytes: NULL or the reason. */
static const char *path_component(const char *s, size_t len)
{
	size_t i = 0;

	if (len == 0)
		return "an empty path component";
	while (i < len) {
		if (!lower_alnum(s[i]))
			return (s[i] >= 'A' && s[i] <= 'Z') ? "the repository name must be lowercase"
				: "a path component must start and end with [a-z0-9]";
		while (i < len && lower_alnum(s[i]))
			i++;
		if (i == len)
			break;
		size_t sep = i;
		if (s[i] == '.')
			i++;
		else if (s[i] == '_')
			i += (i + 1 < len && s[i + 1] == '_') ? 2 : 1;
		else if (s[i] == '-')
			while (i < len && s[i] == '-')
				i++;
		else
			return (s[i] >= 'A' && s[i] <= 'Z') ? "the repository name must be lowercase"
							    : "a character not allowed in a name";
		if (i == len || (i > sep && !lower_alnum(s[i])))
			return i == len ? "a path component must start and end with [a-z0-9]"
					: "a separator must be '.', '_', '__' or dashes between [a-z0-9]";
	}
	return NULL;
}

/* A registry host host-component(.host-component)*[:port]: NULL or the reason. */
static const char *domain(const char *s, size_t len)
{
	const char *colon = memchr(s, ':', len);
	size_t hlen = colon ? (size_t)(colon - s) : len;
	size_t i = 0;

	if (colon) {
		size_t plen = len - hlen - 1;
		if (plen == 0 || plen > 5)
			return "a bad registry port";
		for (size_t j = hlen + 1; j < len; j++)
			if (s[j] < '0' || s[j] > '9')
				return "a bad registry port";
	}
	while (i < hlen) {
		size_t start = i;
		while (i < hlen && (alnum(s[i]) || s[i] == '-'))
			i++;
		if (i == start || s[start] == '-' || s[i - 1] == '-')
			return "a bad registry host";
		if (i < hlen) {
			if (s[i] != '.' || i + 1 == hlen)
				return "a bad registry host";
			i++;
		}
	}
	return hlen ? NULL : "a bad registry host";
}

/* Check NAME[:TAG]: NULL or the reason; *name_len and *tag (NULL: none) describe it. */
static const char *check(const char *in, size_t *name_len, const char **tag)
{
	const char *slash = strrchr(in, '/');
	const char *colon = strrchr(slash ? slash : in, ':');
	const char *p, *why;
	size_t len;

	if (strchr(in, '@'))
		return "digest references (NAME@DIGEST) are not supported";
	*tag = colon ? colon + 1 : NULL;
	len = colon ? (size_t)(colon - in) : strlen(in);
	*name_len = len;
	if (len == 0)
		return "an empty name";
	if (len > NAME_MAX_LEN)
		return "the name is longer than 255 characters";
	if (colon) {
		size_t tlen = strlen(*tag);
		if (tlen == 0 || tlen > TAG_MAX_LEN)
			return "a tag must have 1 to 128 characters";
		if (!alnum(**tag) && **tag != '_')
			return "a tag must start with [A-Za-z0-9_]";
		for (p = *tag; *p; p++)
			if (!alnum(*p) && *p != '_' && *p != '.' && *p != '-')
				return "a character not allowed in a tag";
	}
	p = in;
	const char *first_end = memchr(in, '/', len);
	if (first_end) {
		size_t flen = (size_t)(first_end - in);
		if (memchr(in, '.', flen) || memchr(in, ':', flen) ||
		    (flen == 9 && !memcmp(in, "localhost", 9))) {
			if ((why = domain(in, flen)))
				return why;
			p = first_end + 1;
		}
	}
	while (p <= in + len) {
		const char *end = memchr(p, '/', (size_t)(in + len - p));
		size_t clen = end ? (size_t)(end - p) : (size_t)(in + len - p);
		if ((why = path_component(p, clen)))
			return why;
		if (!end)
			break;
		p = end + 1;
	}
	return NULL;
}

int ctri_image_ref_normalize(const char *in, char **out)
{
	const char *why, *tag;
	size_t name_len;

	if (!in)
		return ctri_err(CTR_E_INVAL, "missing image reference");
	if ((why = check(in, &name_len, &tag)))
		return ctri_err(CTR_E_INVAL, "invalid image reference \"%.300s\": %s", in, why);
	*out = ctri_strdupf("%.*s:%s", (int)name_len, in, tag ? tag : "latest");
	return *out ? 0 : ctri_err(CTR_E_NOMEM, "out of memory");
}

int ctri_image_ref_is_whole(const char *s)
{
	const char *tag;
	size_t name_len;

	return s && (strchr(s, '/') || strchr(s, ':')) && !check(s, &name_len, &tag);
}

int ctri_image_is_id_prefix(const char *s)
{
	size_t n = 0;

	if (!s)
		return 0;
	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return 0;
	return n >= 12 && n <= 64;
}
