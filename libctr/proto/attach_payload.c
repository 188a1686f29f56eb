/* The attach socket's text payloads (docs/monitor-protocol.md, "Attach"): HELLO and REFUSED,
 * which the monitor writes and the library reads, and RESIZE, which the library writes and
 * the monitor reads. One formatter and one parser for each. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "monitor_proto.h"

static size_t clamp(int n, size_t len)
{
	return n < 0 || len == 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

/* One decimal field at *p: digits only (at least one, at most max), then a space or, for
 * the last field, the end. */
static int field(const char **p, const char *end, int last, long long max, long long *out)
{
	const char *s = *p;
	long long v = 0;

	if (s == end || *s < '0' || *s > '9')
		return -1;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		int d = *s - '0';
		if (v > max / 10 || (v == max / 10 && d > max % 10))
			return -1;
		v = v * 10 + d;
	}
	if (last ? s != end : (s == end || *s++ != ' '))
		return -1;
	*p = s;
	*out = v;
	return 0;
}

/* Parse n decimal fields separated by single spaces, the whole of len bytes. */
static int fields(const char *text, size_t len, int n, const long long *max, long long *out)
{
	const char *p = text, *end = text + len;

	for (int i = 0; i < n; i++)
		if (field(&p, end, i == n - 1, max[i], &out[i]) < 0)
			return -1;
	return 0;
}

size_t ctrp_hello_format(char *buf, size_t len, const struct ctrp_hello *h)
{
	return clamp(snprintf(buf, len, "%d %lld %lld %d %d", CTRP_PROTO, h->log_offset,
			      h->rotations, !!h->stdin_open, !!h->terminal),
		     len);
}

int ctrp_hello_parse(const char *text, size_t len, struct ctrp_hello *out)
{
	static const long long max[5] = { INT_MAX, LLONG_MAX, LLONG_MAX, 1, 1 };
	long long f[5];

	if (fields(text, len, 5, max, f) < 0)
		return -1;
	*out = (struct ctrp_hello){ .proto = (int)f[0],
				    .log_offset = f[1],
				    .rotations = f[2],
				    .stdin_open = (int)f[3],
				    .terminal = (int)f[4] };
	return 0;
}

size_t ctrp_refused_format(char *buf, size_t len, int clients)
{
	return clamp(snprintf(buf, len, "%d busy %d", CTRP_PROTO, clients), len);
}

int ctrp_refused_parse(const char *text, size_t len, int *proto, int *clients)
{
	static const long long max[1] = { INT_MAX };
	const char *p = text, *end = text + len;
	long long v[2];

	if (field(&p, end, 0, INT_MAX, &v[0]) < 0 || end - p < 5 || memcmp(p, "busy ", 5) != 0 ||
	    fields(p + 5, (size_t)(end - p - 5), 1, max, &v[1]) < 0 || v[1] < 1)
		return -1;
	*proto = (int)v[0];
	*clients = (int)v[1];
	return 0;
}

size_t ctrp_resize_format(char *buf, size_t len, unsigned rows, unsigned cols)
{
	return clamp(snprintf(buf, len, "%u %u", rows, cols), len);
}

int ctrp_resize_parse(const char *text, size_t len, unsigned *rows, unsigned *cols)
{
	static const long long max[2] = { CTRP_RESIZE_MAX, CTRP_RESIZE_MAX };
	long long v[2];

	if (fields(text, len, 2, max, v) < 0 || v[0] < 1 || v[1] < 1)
		return -1;
	*rows = (unsigned)v[0];
	*cols = (unsigned)v[1];
	return 0;
}
