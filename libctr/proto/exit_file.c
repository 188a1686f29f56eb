/* The exit file (docs/monitor-protocol.md, "The exit file"): the monitor writes it, the
 * library reads it. No JSON library: the monitor links none, and the file is a flat object
 * of integers and booleans. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "monitor_proto.h"

size_t ctrp_exit_format(char *buf, size_t len, const struct ctrp_exit *e)
{
	int n = snprintf(buf, len,
			 "{\"proto\":%d,\"pid\":%d,\"exit_code\":%d,\"signal\":%d,\"oom\":%s,"
			 "\"time\":%lld}\n",
			 CTRP_PROTO, e->pid, e->exit_code, e->signal, e->oom ? "true" : "false",
			 (long long)e->time);

	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

int ctrp_exit_write(int dirfd, const char *name, const struct ctrp_exit *e)
{
	char tmp[NAME_MAX + 1], line[CTRP_EXIT_LINE_MAX];
	size_t n = ctrp_exit_format(line, sizeof(line), e);
	int r;

	if (snprintf(tmp, sizeof(tmp), ".%s.tmp", name) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	if ((r = ctrp_write_replace(dirfd, tmp, name, line, n, 0644, 1)) < 0)
		return r;
	return fsync(dirfd) < 0 ? -errno : 0;
}

/* ---- the parser ---------------------------------------------------------------------- */

struct scan {
	const char *p, *end;
};

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/* The next byte after white space, consumed when it is c. */
static int eat(struct scan *s, char c)
{
	skip_ws(s);
	if (s->p < s->end && *s->p == c) {
		s->p++;
		return 1;
	}
	return 0;
}

static int eat_word(struct scan *s, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n))
		return 0;
	s->p += n;
	return 1;
}

/* A member's name: a string of [a-z_] (no escapes), at most len - 1 bytes. */
static int parse_key(struct scan *s, char *key, size_t len)
{
	size_t n = 0;

	if (!eat(s, '"'))
		return -1;
	while (s->p < s->end && ((*s->p >= 'a' && *s->p <= 'z') || *s->p == '_')) {
		if (n + 1 == len)
			return -1;
		key[n++] = *s->p++;
	}
	key[n] = '\0';
	return n && eat_word(s, "\"") ? 0 : -1;
}

/* An integer (JSON's: an optional '-', no leading zeros) or a boolean, as 1 or 0. */
static int parse_value(struct scan *s, int64_t *out)
{
	int neg;
	uint64_t v = 0, max;

	skip_ws(s);
	if (eat_word(s, "true")) {
		*out = 1;
		return 0;
	}
	if (eat_word(s, "false")) {
		*out = 0;
		return 0;
	}
	neg = eat_word(s, "-");
	max = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (s->p == s->end || *s->p < '0' || *s->p > '9')
		return -1;
	if (*s->p == '0' && s->p + 1 < s->end && s->p[1] >= '0' && s->p[1] <= '9')
		return -1;
	for (; s->p < s->end && *s->p >= '0' && *s->p <= '9'; s->p++) {
		unsigned d = (unsigned)(*s->p - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

static const char *const members[] = { "proto", "pid", "exit_code", "signal", "oom", "time" };
enum { M_PROTO, M_PID, M_EXIT_CODE, M_SIGNAL, M_OOM, M_TIME, N_MEMBERS };

static int is_int(int64_t v)
{
	return v >= INT_MIN && v <= INT_MAX;
}

/* Store member i's value. -1 for a value out of its range. */
static int set_member(struct ctrp_exit *e, int i, int64_t v)
{
	if (i != M_TIME && !is_int(v))
		return -1;
	switch (i) {
	case M_PROTO:
		e->proto = (int)v;
		break;
	case M_PID:
		e->pid = (int)v;
		break;
	case M_EXIT_CODE:
		e->exit_code = (int)v;
		break;
	case M_SIGNAL:
		e->signal = (int)v;
		break;
	case M_OOM:
		e->oom = v != 0;
		break;
	default:
		e->time = v;
	}
	return 0;
}

int ctrp_exit_parse(const char *text, size_t len, struct ctrp_exit *out)
{
	struct scan s = { text, text + len };
	struct ctrp_exit e = { 0 };
	unsigned seen = 0;
	char key[16];
	int64_t v;

	if (!eat(&s, '{'))
		return -1;
	if (!eat(&s, '}')) {
		do {
			if (parse_key(&s, key, sizeof(key)) < 0 || !eat(&s, ':') ||
			    parse_value(&s, &v) < 0)
				return -1;
			for (int i = 0; i < N_MEMBERS; i++) {
				if (strcmp(key, members[i]))
					continue;
				if (seen & (1u << i) || set_member(&e, i, v) < 0)
					return -1; /* twice, or out of range */
				seen |= 1u << i;
			}
		} while (eat(&s, ','));
		if (!eat(&s, '}'))
			return -1;
	}
	skip_ws(&s);
	if (s.p != s.end || !(seen & (1u << M_PROTO)) || !(seen & (1u << M_EXIT_CODE)) ||
	    e.proto < CTRP_EXIT_PROTO_MIN || e.proto > CTRP_PROTO)
		return -1;
	*out = e;
	return 0;
}
