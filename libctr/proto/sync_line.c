/* The sync line: the monitor's one answer on the sync pipe (docs/monitor-protocol.md, "The
 * sync line"). The monitor formats it, the library parses it. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "monitor_proto.h"

static const char *const err_names[] = {
	[CTRP_ERR_PROTO] = "proto",	  [CTRP_ERR_USAGE] = "usage",
	[CTRP_ERR_INTERNAL] = "internal", [CTRP_ERR_EXEC] = "exec",
	[CTRP_ERR_RUNTIME] = "runtime",	  [CTRP_ERR_TIMEOUT] = "timeout",
};

#define N_ERRS (sizeof(err_names) / sizeof(err_names[0]))

const char *ctrp_err_name(enum ctrp_err code)
{
	return (int)code >= 0 && (size_t)code < N_ERRS ? err_names[code] : "internal";
}

size_t ctrp_sync_format_ok(char *buf, size_t len, int pid, int mon_pid)
{
	int n = snprintf(buf, len, "%d ok %d %d\n", CTRP_PROTO, pid, mon_pid);

	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

size_t ctrp_sync_format_error(char *buf, size_t len, enum ctrp_err code, const char *msg)
{
	int n = snprintf(buf, len, "%d error %s ", CTRP_PROTO, ctrp_err_name(code));
	size_t at = n < 0 ? 0 : (size_t)n;

	if (at > len - 2) /* len too small for the words before the message */
		at = len - 2;
	if (!msg || !*msg)
		msg = "unknown error";
	/* The line is the record separator: the message must stay on one line. */
	for (const char *p = msg; *p && at + 2 < len; p++)
		buf[at++] = *p == '\n' || *p == '\r' ? ' ' : *p;
	buf[at++] = '\n';
	buf[at] = '\0';
	return at;
}

/* A decimal of 1*DIGIT in 1..INT_MAX at *p, which is advanced past it. -1 when there is none
 * (or it is 0 or too large). */
static int parse_pos(const char **p)
{
	const char *s = *p;
	long long v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++)
		if ((v = v * 10 + (*s - '0')) > INT_MAX)
			return -1;
	*p = s;
	return v > 0 ? (int)v : -1;
}

static int parse_ok(const char *rest, struct ctrp_sync *out)
{
	out->ok = 1;
	if ((out->pid = parse_pos(&rest)) < 0 || *rest++ != ' ' ||
	    (out->mon_pid = parse_pos(&rest)) < 0 || *rest)
		return -1;
	return 0;
}

static int parse_error(char *rest, struct ctrp_sync *out)
{
	char *sp = strchr(rest, ' ');

	out->ok = 0;
	if (sp) { /* the message may hold anything but a newline */
		*sp = '\0';
		out->msg = sp + 1;
	}
	if (!*rest)
		return -1;
	out->code_word = rest;
	out->code = CTRP_ERR_UNKNOWN;
	for (size_t i = 0; i < N_ERRS; i++)
		if (!strcmp(rest, err_names[i]))
			out->code = (enum ctrp_err)i;
	return 0;
}

int ctrp_sync_parse(char *line, struct ctrp_sync *out)
{
	const char *p = line;

	memset(out, 0, sizeof(*out));
	out->code = CTRP_ERR_UNKNOWN;
	int proto = parse_pos(&p);
	if (proto < 0 || *p != ' ')
		return -1;
	out->proto = proto;
	char *rest = line + (p - line) + 1;
	if (!strncmp(rest, "ok ", 3))
		return parse_ok(rest + 3, out);
	if (!strncmp(rest, "error ", 6))
		return parse_error(rest + 6, out);
	return -1;
}
