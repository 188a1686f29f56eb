/* ctr-run: option values, parsed strictly, as podman does: a bad one is a message naming
 * the option and exit status 125. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctr-run.h"

int bad_value(const char *opt, const char *val, const char *why)
{
	fprintf(stderr, "ctr-run: invalid argument \"%s\" for \"%s\": %s\n", val, opt, why);
	return REPORTED;
}

/* The whole of s, a decimal integer in [min, max]. */
int parse_int(const char *opt, const char *s, long long min, long long max, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	if (!(isdigit((unsigned char)*s) || (*s == '-' && isdigit((unsigned char)s[1]))) || *end)
		return bad_value(opt, s, "not an integer");
	if (errno == ERANGE || *out < min || *out > max) {
		fprintf(stderr, "ctr-run: invalid argument \"%s\" for \"%s\": not in %lld..%lld\n",
			s, opt, min, max);
		return REPORTED;
	}
	return 0;
}

/* A size in bytes: N, or N with a unit b, k, m, g or t (powers of 1024; any case; "mb" is
 * "m"), as podman's --memory takes it. */
int parse_size(const char *opt, const char *s, uint64_t *out)
{
	static const char units[] = "bkmgt";
	const char *u;
	char *end;
	int shift = 0;

	errno = 0;
	*out = strtoull(s, &end, 10);
	if (!isdigit((unsigned char)*s))
		return bad_value(opt, s, "not a size (N, Nk, Nm, Ng)");
	if (*end && (u = strchr(units, tolower((unsigned char)*end))) != NULL) {
		shift = 10 * (int)(u - units);
		end += 1 + (shift && tolower((unsigned char)end[1]) == 'b');
	}
	if (*end)
		return bad_value(opt, s, "not a size (N, Nk, Nm, Ng)");
	if (errno == ERANGE || *out > (UINT64_MAX >> shift))
		return bad_value(opt, s, "too large");
	*out <<= shift;
	return 0;
}

/* Seconds, a non-negative decimal number ("2", "0.5"). */
int parse_secs(const char *opt, const char *s, double *out)
{
	char *end;

	*out = strtod(s, &end);
	if (!isdigit((unsigned char)*s) || *end || !isfinite(*out))
		return bad_value(opt, s, "not a number of seconds");
	return 0;
}

/* SECS ago as CLOCK_REALTIME nanoseconds, for --since. */
int parse_since(const char *opt, const char *s, long long *out_ns)
{
	double secs;

	if (parse_secs(opt, s, &secs) < 0)
		return REPORTED;
	*out_ns = (long long)time(NULL) * 1000000000LL - (long long)(secs * 1e9);
	return 0;
}
