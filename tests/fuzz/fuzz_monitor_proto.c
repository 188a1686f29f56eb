/* libFuzzer target: the parsers of the monitor protocol's files (libctr/proto).
 * - ctrp_exit_parse() on the input: a file it accepts has a known version, and its fields
 *   written back by ctrp_exit_format() parse to the same values;
 * - ctrp_sync_parse() on the input's first line: an "ok" line it accepts has pids > 0 and
 *   comes back the same through ctrp_sync_format_ok(); an error line has a code word, and
 *   a known code round-trips through ctrp_sync_format_error(). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exit_file(const uint8_t *data, size_t size)
{
	struct ctrp_exit e, back;
	char line[CTRP_EXIT_LINE_MAX];

	if (ctrp_exit_parse((const char *)data, size, &e) < 0)
		return;
	if (e.proto < CTRP_EXIT_PROTO_MIN || e.proto > CTRP_PROTO || (e.oom != 0 && e.oom != 1))
		abort();
	size_t n = ctrp_exit_format(line, sizeof(line), &e);
	if (n == 0 || line[n - 1] != '\n' || ctrp_exit_parse(line, n, &back) < 0)
		abort();
	if (back.proto != CTRP_PROTO || back.pid != e.pid || back.exit_code != e.exit_code ||
	    back.signal != e.signal || back.oom != e.oom || back.time != e.time)
		abort();
}

static void sync_line(const uint8_t *data, size_t size)
{
	char line[CTRP_SYNC_LINE_MAX], again[CTRP_SYNC_LINE_MAX], msg[CTRP_SYNC_LINE_MAX];
	struct ctrp_sync s, back;
	size_t n = size < sizeof(line) - 1 ? size : sizeof(line) - 1;

	memcpy(line, data, n);
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	if (ctrp_sync_parse(line, &s) < 0)
		return;
	if (s.proto <= 0)
		abort();
	if (s.ok) {
		if (s.pid <= 0 || s.mon_pid <= 0)
			abort();
		n = ctrp_sync_format_ok(again, sizeof(again), s.pid, s.mon_pid);
		again[n - 1] = '\0';
		if (ctrp_sync_parse(again, &back) < 0 || !back.ok || back.pid != s.pid ||
		    back.mon_pid != s.mon_pid)
			abort();
		return;
	}
	if (!s.code_word || !*s.code_word || (s.msg && strchr(s.msg, '\n')))
		abort();
	if (s.code == CTRP_ERR_UNKNOWN || !s.msg || !*s.msg)
		return;
	snprintf(msg, sizeof(msg), "%s", s.msg);
	n = ctrp_sync_format_error(again, sizeof(again), s.code, msg);
	again[n - 1] = '\0';
	if (ctrp_sync_parse(again, &back) < 0 || back.ok || back.code != s.code)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	exit_file(data, size);
	sync_line(data, size);
	return 0;
}
