/* IPv4 addresses and subnets in host byte order: parsing, printing, overlap, the host's
 * routes, and the first free subnet of a pool. */
#ifndef LIBCTR_IPV4_H
#define LIBCTR_IPV4_H

#include <stddef.h>
#include <stdint.h>

/* A subnet: addr (host byte order) and prefix length len (0..32). */
struct ctri_cidr {
	uint32_t addr;
	unsigned len;
};

/* Parse a strict dotted quad ("10.89.0.1": four decimal parts 0..255, no leading zeros, no
 * spaces or signs) into *out. 0; -EINVAL (CTR_E_INVAL, message naming s). */
int ctri_ipv4_parse(const char *s, uint32_t *out);

/* Parse "A.B.C.D/N" (N decimal 0..32, no leading zeros) into *out. 0; -EINVAL for bad
 * syntax; -EDOM when the address has bits set beyond the prefix (*out is still filled, with
 * the address as written; the message names the subnet it belongs to). */
int ctri_cidr_parse(const char *s, struct ctri_cidr *out);

/* Format a as "A.B.C.D" into buf; returns buf. */
const char *ctri_ipv4_str(uint32_t a, char buf[16]);

/* Format c as "A.B.C.D/N" into buf; returns buf. */
const char *ctri_cidr_str(const struct ctri_cidr *c, char buf[19]);

/* The netmask of a prefix of len bits: 0 for 0, all ones for 32 (or more). */
uint32_t ctri_cidr_mask(unsigned len);

/* 1 if a is inside subnet n, else 0. */
int ctri_cidr_has(const struct ctri_cidr *n, uint32_t a);

/* 1 if subnets a and b share an address (one contains the other), else 0. */
int ctri_cidr_overlap(const struct ctri_cidr *a, const struct ctri_cidr *b);

/* The host's IPv4 routes from /proc/net/route, the default route (0.0.0.0/0) excluded, as
 * subnets (destination masked by the route's mask): *out malloc'd (free(); NULL when there
 * are none), *n their count. 0; CTR_E_IO with a message naming the file (unreadable, or a
 * line that is not a route); CTR_E_NOMEM. */
int ctri_host_routes(struct ctri_cidr **out, size_t *n);

/* The same from a file in /proc/net/route's format (for tests: a recorded file). */
int ctri_host_routes_from(const char *path, struct ctri_cidr **out, size_t *n);

/* The first subnet of length len inside pool (in address order) that overlaps none of
 * used[0..n): 0 and *out; -ENOSPC when none is free (message naming the pool); CTR_E_INVAL
 * when len is shorter than the pool's prefix or longer than 32. */
int ctri_cidr_first_free(const struct ctri_cidr *pool, unsigned len, const struct ctri_cidr *used,
			 size_t n, struct ctri_cidr *out);

#endif
