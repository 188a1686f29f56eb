/* libFuzzer target: the log reader (ctri_logs_read, what ctr_logs runs without follow) over
 * a container's ctr.log (and ctr.log.1) holding the input: it must succeed or fail with a
 * message, and every line it delivers is well formed (a stream of stdout or stderr, data
 * NUL-terminated at len, a tail never longer than asked).
 * A runtime over a temporary state directory and one container (created, never started)
 * are made once. Input: 1 byte of flags (bit 0 timestamps, bit 1 a tail of the next byte's
 * count, bit 2 the log split into ctr.log.1 and ctr.log at the next byte x 16, bit 3 since
 * and until from the records' own times, bit 4 a limit of the next byte x 16), 3 bytes of
 * parameters, then the log. */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctr/ctr.h"
#include "fixture.h"
#include "container.h"
#include "logs.h"
#include "runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char log_path[PATH_MAX + 64], prev_path[PATH_MAX + 64];
static ctr_container_t *c;

static void setup(void)
{
	if (c)
		return;
	c = fuzz_container("logs");
	ctri_bundle_path(c, "ctr.log", log_path, sizeof(log_path));
	ctri_bundle_path(c, "ctr.log.1", prev_path, sizeof(prev_path));
}

static void write_file(const char *path, const uint8_t *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd) < 0)
		abort();
}

struct seen {
	long long lines, tail;
};

static int on_line(const ctr_log_line_t *line, void *ud)
{
	struct seen *s = ud;

	if (line->stream != CTR_STREAM_STDOUT && line->stream != CTR_STREAM_STDERR)
		abort();
	if (!line->data || line->data[line->len] != '\0' || (line->partial & ~1))
		abort();
	if (line->sz != sizeof(*line))
		abort();
	s->lines++;
	if (s->tail < 0 || (s->tail > 0 && s->lines > s->tail))
		abort(); /* more lines than the tail asked for (< 0: none) */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = { 0, 0 };
	long long limit = -1;

	if (size < 4)
		return 0;
	setup();
	unsigned fl = data[0];
	uint8_t p1 = data[1], p2 = data[2], p3 = data[3];
	data += 4;
	size -= 4;
	CTR_OPTS(ctr_logs_opts_t, o, .flags = fl & 1 ? CTR_LOGS_TIMESTAMPS : 0);
	if (fl & 2)
		o.tail = s.tail = p1 % 16 ? p1 % 16 : -1;
	size_t split = fl & 4 ? (size_t)p2 * 16 : 0;
	if (split > size)
		split = size;
	if (fl & 4) {
		write_file(prev_path, data, split);
	} else {
		unlink(prev_path);
	}
	write_file(log_path, data + split, size - split);
	if (fl & 8) {
		/* Around the records' era: 2020-09-13 .. 2033-05-18 in steps from p3. */
		o.since_ns = 1600000000000000000LL + (long long)(p3 & 15) * 100000000000000000LL;
		o.until_ns =
		    fl & 0x20 ? 0 : o.since_ns + (long long)(p3 >> 4) * 100000000000000000LL;
	}
	if (fl & 16)
		limit = (long long)p3 * 16;
	int r = ctri_logs_read(c, &o, limit, on_line, &s);
	if (r < 0 && !ctr_last_error()[0])
		abort(); /* a failure without a message */
	if (r > 0)
		abort(); /* on_line never stops it */
	return 0;
}
