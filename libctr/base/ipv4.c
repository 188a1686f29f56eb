/* IPv4 addresses and subnets (host byte order), and the host's routes. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "ipv4.h"
#include "util.h"

#define ROUTES_MAX (16u << 20) /* /proc/net/route larger than this is not a host's */

/* A decimal number 0..max at *p without a leading zero (a lone "0" is fine) and at most
 * three digits; advances *p past it. 0 or -1. */
static int parse_dec(const char **p, unsigned max, unsigned *out)
{
	const char *s = *p;
	unsigned v = 0;
	int digits = 0;

	while (*s >= '0' && *s <= '9' && digits < 4) {
		v = v * 10 + (unsigned)(*s - '0');
		s++;
		digits++;
	}
	if (digits == 0 || digits > 3 || (digits > 1 && **p == '0') || v > max)
		return -1;
	*p = s;
	*out = v;
	return 0;
}

/* A dotted quad at *p, advancing past it. 0 or -1. */
static int parse_quad(const char **p, uint32_t *out)
{
	uint32_t a = 0;
	unsigned part;

	for (int i = 0; i < 4; i++) {
		if (i > 0 && *(*p)++ != '.')
			return -1;
		if (parse_dec(p, 255, &part) < 0)
			return -1;
		a = a << 8 | part;
	}
	*out = a;
	return 0;
}

int ctri_ipv4_parse(const char *s, uint32_t *out)
{
	const char *p = s;
	uint32_t a;

	CTRI_CHECK_ARG("parse IPv4 address", s);
	CTRI_CHECK_ARG("parse IPv4 address", out);
	if (parse_quad(&p, &a) < 0 || *p != '\0')
		return ctri_err(CTR_E_INVAL, "invalid IPv4 address '%s' (want a dotted quad)", s);
	*out = a;
	return 0;
}

int ctri_cidr_parse(const char *s, struct ctri_cidr *out)
{
	const char *p = s;
	char buf[19];
	uint32_t a;
	unsigned len;

	CTRI_CHECK_ARG("parse subnet", s);
	CTRI_CHECK_ARG("parse subnet", out);
	if (parse_quad(&p, &a) < 0 || *p++ != '/' || parse_dec(&p, 32, &len) < 0 || *p != '\0')
		return ctri_err(CTR_E_INVAL, "invalid subnet '%s' (want A.B.C.D/N, N 0..32)", s);
	out->addr = a;
	out->len = len;
	if (a & ~ctri_cidr_mask(len)) {
		struct ctri_cidr net = { a & ctri_cidr_mask(len), len };
		return ctri_err(-EDOM, "subnet '%s' has host bits set (the subnet is %s)", s,
				ctri_cidr_str(&net, buf));
	}
	return 0;
}

const char *ctri_ipv4_str(uint32_t a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	return buf;
}

const char *ctri_cidr_str(const struct ctri_cidr *c, char buf[19])
{
	char a[16];

	snprintf(buf, 19, "%s/%u", ctri_ipv4_str(c->addr, a), c->len);
	return buf;
}

uint32_t ctri_cidr_mask(unsigned len)
{
	if (len == 0)
		return 0;
	if (len >= 32)
		return 0xffffffffu;
	return 0xffffffffu << (32 - len);
}

int ctri_cidr_has(const struct ctri_cidr *n, uint32_t a)
{
	uint32_t m = ctri_cidr_mask(n->len);

	return (a & m) == (n->addr & m);
}

int ctri_cidr_overlap(const struct ctri_cidr *a, const struct ctri_cidr *b)
{
	uint32_t m = ctri_cidr_mask(a->len < b->len ? a->len : b->len);

	return (a->addr & m) == (b->addr & m);
}

/* The prefix length of a netmask: its leading ones (a mask with holes counts up to the
 * first zero, the subnet that holds all its addresses). */
static unsigned mask_len(uint32_t m)
{
	unsigned len = 0;

	while (len < 32 && (m & (0x80000000u >> len)))
		len++;
	return len;
}

/* One line of /proc/net/route: "Iface Destination Gateway Flags RefCnt Use Metric Mask ..."
 * with Destination and Mask in hex, network byte order read as a host integer. */
static int parse_route(const char *line, struct ctri_cidr *out)
{
	char iface[64];
	unsigned dst, gw, flags, mask;
	int refcnt, use, metric;

	if (sscanf(line, "%63s %x %x %x %d %d %d %x", iface, &dst, &gw, &flags, &refcnt, &use,
		   &metric, &mask) != 8)
		return -1;
	out->len = mask_len(ntohl((uint32_t)mask));
	out->addr = ntohl((uint32_t)dst) & ctri_cidr_mask(out->len);
	return 0;
}

int ctri_host_routes_from(const char *path, struct ctri_cidr **out, size_t *n)
{
	char *text = NULL, *line, *next;
	struct ctri_cidr *v = NULL, r;
	size_t len, count = 0, lineno = 1;
	int e;

	CTRI_CHECK_ARG("read routes", path);
	CTRI_CHECK_ARG("read routes", out);
	CTRI_CHECK_ARG("read routes", n);
	if ((e = ctri_read_file(path, ROUTES_MAX, &text, &len)) < 0) {
		errno = -e;
		return ctri_err(e == -ENOMEM ? CTR_E_NOMEM : CTR_E_IO, "read routes from %s: %m",
				path);
	}
	/* The first line is the header; each line after it a route. */
	for (line = strchr(text, '\n'); line && *++line; line = next, lineno++) {
		if ((next = strchr(line, '\n')))
			*next = '\0';
		if (parse_route(line, &r) < 0) {
			e = ctri_err(CTR_E_IO,
				     "read routes from %s: line %zu is not a route: '%.80s'", path,
				     lineno + 1, line);
			goto fail;
		}
		if (r.len == 0)
			continue; /* the default route */
		if (count % 16 == 0) {
			struct ctri_cidr *bigger = realloc(v, (count + 16) * sizeof(*v));
			if (!bigger) {
				e = ctri_err(CTR_E_NOMEM, "read routes from %s: out of memory",
					     path);
				goto fail;
			}
			v = bigger;
		}
		v[count++] = r;
		if (!next)
			break;
	}
	free(text);
	*out = v;
	*n = count;
	return 0;
fail:
	free(text);
	free(v);
	return e;
}

int ctri_host_routes(struct ctri_cidr **out, size_t *n)
{
	return ctri_host_routes_from("/proc/net/route", out, n);
}

int ctri_cidr_first_free(const struct ctri_cidr *pool, unsigned len, const struct ctri_cidr *used,
			 size_t n, struct ctri_cidr *out)
{
	char buf[19];
	uint64_t step, c, end;

	CTRI_CHECK_ARG("find a free subnet", pool);
	CTRI_CHECK_ARG("find a free subnet", out);
	CTRI_CHECK_ARG("find a free subnet", used || n == 0);
	if (len > 32 || len < pool->len || pool->len > 32)
		return ctri_err(CTR_E_INVAL, "find a free subnet: no /%u inside %s", len,
				ctri_cidr_str(pool, buf));
	step = (uint64_t)1 << (32 - len);
	c = pool->addr & ctri_cidr_mask(pool->len);
	end = c + ((uint64_t)1 << (32 - pool->len)); /* one past the pool */
	while (c < end) {
		struct ctri_cidr cand = { (uint32_t)c, len };
		uint64_t next = c + step;
		size_t i;

		for (i = 0; i < n; i++) {
			if (!ctri_cidr_overlap(&cand, &used[i]))
				continue;
			/* Skip past the used subnet when it is the larger one. */
			uint64_t u_end =
			    (uint64_t)(used[i].addr & ctri_cidr_mask(used[i].len)) +
			    ((uint64_t)1 << (32 - (used[i].len > 32 ? 32 : used[i].len)));
			if (u_end > next)
				next = u_end;
			break;
		}
		if (i == n) {
			*out = cand;
			return 0;
		}
		c = next;
	}
	return ctri_err(-ENOSPC, "no free /%u subnet left in %s", len, ctri_cidr_str(pool, buf));
}
