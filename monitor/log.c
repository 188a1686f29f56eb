/* The k8s-file log writer: "<RFC3339Nano UTC> <stream> <F|P> <text>\n" per line; rotation
 * to LOGFILE.1 at --log-size-max. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"

#define BATCH_IOV 96 /* iovecs per writev: at least 32 lines per system call */

struct batch {
	struct mon_log *log;
	size_t bytes; /* in iov */
	int n;
	struct iovec iov[BATCH_IOV];
};

/* Header of one chunk: "2006-01-02T15:04:05.123456789Z stdout F ", the tag at hdr[len-2]. */
struct header {
	size_t len;
	char f[48];
	char p[48];
};

static const char newline = '\n';

static size_t fmt_pad(char *out, uint64_t v, size_t width)
{
	for (size_t i = width; i > 0; i--) {
		out[i - 1] = (char)('0' + v % 10);
		v /= 10;
	}
	return width;
}

/* Civil date from days since 1970-01-01 (proleptic Gregorian, days >= 0). */
static void civil_from_days(uint64_t days, uint64_t *y, unsigned *m, unsigned *d)
{
	uint64_t z = days + 719468; /* days since 0000-03-01 */
	uint64_t era = z / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

/* RFC 3339 with nanoseconds in UTC, as Go's time.RFC3339Nano parses it. Needs 30 bytes;
 * computed here rather than with gmtime_r, which loads the time zone database. */
static size_t fmt_time(char *out)
{
	struct timespec ts;
	uint64_t y, secs;
	unsigned m, d;
	char *p = out;

	clock_gettime(CLOCK_REALTIME, &ts);
	secs = ts.tv_sec > 0 ? (uint64_t)ts.tv_sec : 0;
	civil_from_days(secs / 86400, &y, &m, &d);
	secs %= 86400;
	p += fmt_pad(p, y, 4);
	*p++ = '-';
	p += fmt_pad(p, m, 2);
	*p++ = '-';
	p += fmt_pad(p, d, 2);
	*p++ = 'T';
	p += fmt_pad(p, secs / 3600, 2);
	*p++ = ':';
	p += fmt_pad(p, secs / 60 % 60, 2);
	*p++ = ':';
	p += fmt_pad(p, secs % 60, 2);
	*p++ = '.';
	p += fmt_pad(p, (uint64_t)ts.tv_nsec, 9);
	*p++ = 'Z';
	return (size_t)(p - out);
}

static void header_init(struct header *h, const char *stream)
{
	size_t n = fmt_time(h->f), sl = strlen(stream);

	h->f[n++] = ' ';
	memcpy(h->f + n, stream, sl);
	n += sl;
	memcpy(h->f + n, " F ", 3);
	n += 3;
	h->len = n;
	memcpy(h->p, h->f, n);
	h->p[n - 2] = 'P';
}

/* writev until everything is written; errors (a full disk) drop the rest of the batch. */
static void batch_flush(struct batch *b)
{
	struct iovec *iov = b->iov;
	int n = b->n;

	while (n > 0) {
		ssize_t w = writev(b->log->fd, iov, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		b->log->size += (uint64_t)w;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	b->n = 0;
	b->bytes = 0;
}

static void batch_add(struct batch *b, const void *p, size_t len)
{
	b->iov[b->n].iov_base = (void *)p;
	b->iov[b->n].iov_len = len;
	b->n++;
	b->bytes += len;
}

/* LOGFILE becomes LOGFILE.1 (replacing an older one) and a new LOGFILE is opened. When that
 * fails the current file stays, and the next try is one limit later. */
static void rotate(struct mon_log *l)
{
	char old[PATH_MAX];
	struct stat st;
	int fd;

	snprintf(old, sizeof(old), "%s.1", l->path);
	l->retry_at = l->size + l->max;
	if (rename(l->path, old) < 0)
		return;
	fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
	if (fd < 0)
		return;
	close(l->fd);
	l->fd = fd;
	l->size = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	l->retry_at = 0;
	l->rotations++;
}

/* One record: a complete line (TEXT ends with its newline) or a partial one. A record that
 * would take the file past the limit goes to a new file: records are never split. */
static void batch_record(struct batch *b, const struct header *h, const char *text, size_t len,
			 int partial)
{
	struct mon_log *l = b->log;
	uint64_t size = l->size + b->bytes;

	if (b->n + 3 > BATCH_IOV)
		batch_flush(b);
	if (l->max && size > 0 && size + h->len + len + (size_t)partial > l->max &&
	    size >= l->retry_at) {
		batch_flush(b);
		rotate(l);
	}
	batch_add(b, partial ? h->p : h->f, h->len);
	batch_add(b, text, len);
	if (partial)
		batch_add(b, &newline, 1);
}

/* Write the complete lines in s->buf, each full MON_LINE_MAX piece of a longer line as a
 * partial record, and on FLUSH the rest too, as partial. */
static void emit(struct log_stream *s, struct mon_log *l, int flush)
{
	struct batch b = { .log = l };
	struct header h;
	char *start = s->buf, *end = s->buf + s->len, *nl;

	if (!s->len)
		return;
	header_init(&h, s->name);
	for (;;) {
		size_t avail = (size_t)(end - start);
		if ((nl = memchr(start, '\n', avail < MON_LINE_MAX ? avail : MON_LINE_MAX))) {
			batch_record(&b, &h, start, (size_t)(nl - start) + 1, 0);
			start = nl + 1;
		} else if (avail >= MON_LINE_MAX) {
			batch_record(&b, &h, start, MON_LINE_MAX, 1);
			start += MON_LINE_MAX;
		} else
			break;
	}
	if (start < end && flush) {
		batch_record(&b, &h, start, (size_t)(end - start), 1);
		start = end;
	}
	batch_flush(&b);
	s->len = (size_t)(end - start);
	if (s->len && start != s->buf)
		memmove(s->buf, start, s->len);
}

int log_open(struct mon_log *l, const char *path, uint64_t max)
{
	struct stat st;

	*l = (struct mon_log){ .path = path, .max = max };
	l->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
	if (l->fd < 0)
		return mon_fail(CTRP_ERR_INTERNAL, "open %s: %m", path);
	if (fstat(l->fd, &st) < 0)
		return mon_fail(CTRP_ERR_INTERNAL, "fstat %s: %m", path);
	l->size = (uint64_t)st.st_size;
	return 0;
}

void log_open_stream(struct log_stream *s, int fd, const char *name, int type)
{
	s->fd = fd;
	s->name = name;
	s->type = type;
	s->len = 0;
}

size_t log_read(struct log_stream *s, struct mon_log *l)
{
	ssize_t n;

	do
		n = read(s->fd, s->buf + s->len, sizeof(s->buf) - s->len);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n <= 0) { /* EOF, or EIO from a pty master whose slave is closed */
		log_close_stream(s, l);
		return 0;
	}
	s->len += (size_t)n;
	return (size_t)n;
}

void log_lines(struct log_stream *s, struct mon_log *l)
{
	emit(s, l, 0);
}

void log_close_stream(struct log_stream *s, struct mon_log *l)
{
	emit(s, l, 1);
	close_fd(&s->fd);
}
