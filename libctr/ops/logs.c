/* ctr_logs: the monitor's k8s-file records (docs/monitor-protocol.md, "The log") read back
 * as lines. BUNDLE/ctr.log.1 (the previous file after a rotation) is read, then
 * BUNDLE/ctr.log; P records are joined with the next record of their stream. Following
 * waits on inotify (follow.h) and on ctr_wait_fd(): the monitor has written the whole log
 * before it writes the exit file and exits. Tail keeps no line in memory: a first pass
 * counts the lines and remembers where the last N began, a second pass reads from there. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "follow.h"
#include "logs.h"
#include "monitor_client.h"
#include "proc.h"
#include "util.h"
#include "runtime.h"
#include "state.h"
#include "sync.h"

#define OP	    "read logs"
#define LOG_NAME    "ctr.log"
#define BUF_SIZE    (256u << 10) /* read buffer; a longer "record" is not the monitor's: skipped */
#define LINE_CAP    (1u << 20)	 /* a joined line longer than this is delivered in pieces */
#define TS_MAX	    48		 /* room for the timestamp prefix */
#define KNOWN_FLAGS (CTR_LOGS_FOLLOW | CTR_LOGS_TIMESTAMPS)

/* A record's place in the log: file (0: ctr.log.1, 1: ctr.log, 2...: later ones) and
 * offset. Lines are identified by the place of their first record. */
typedef unsigned long long pos_t;
#define POS(file, off) (((pos_t)((file) < 0xffff ? (file) : 0xffff) << 48) | (pos_t)(off))
#define POS_FILE(p)    ((int)((p) >> 48))
#define POS_OFF(p)     ((off_t)((p) & ((1ULL << 48) - 1)))

struct rec {
	long long time_ns;
	const char *ts; /* the timestamp as written */
	size_t ts_len;
	int stream; /* 0: stdout, 1: stderr */
	int partial;
	char *text; /* preceded by the rest of the record, followed by its LF */
	size_t len;
};

/* A line being joined from P records. buf: TS_MAX bytes of room, the text, a NUL. */
struct line {
	int open;
	pos_t start;
	long long time_ns;
	char ts[TS_MAX];
	size_t ts_len;
	char *buf;
	size_t len, cap;
};

/* Tail's first pass: where each of the last N lines began, and where a second pass must
 * start to rebuild it and every line after it (the other stream's line open then). */
struct mark {
	pos_t start, restart;
};

enum mode {
	DELIVER, /* call fn */
	COUNT,	 /* tail, first pass: remember the marks of the last N lines */
	SKIP,	 /* tail, second pass: deliver from the line beginning at `first` on */
};

struct reader {
	ctr_container_t *c;
	ctr_log_fn fn;
	void *ud;
	int stamps;
	long long since, until;
	enum mode mode;
	pos_t first;
	struct mark *ring; /* the last min(N, count) marks; oldest at head once full */
	size_t ring_n, ring_cap, ring_head;
	long long ring_max;
	struct line ln[2];
	int file;   /* index of the file being read */
	off_t base; /* its offset of buf[0] */
	char *buf;  /* bytes read and not parsed yet: the start of a record without its LF */
	size_t len;
	int skipping; /* inside an overlong line: drop up to its LF */
	char path[4096];
};

/* ---- records ------------------------------------------------------------------------- */

/* "TIME STREAM TAG TEXT" (line without its LF, which is at end). 0, or -1: not a record. */
static int parse_record(char *line, char *end, struct rec *out)
{
	const char *p = ctri_parse_time(line, end, &out->time_ns);

	if (!p || (size_t)(p - line) >= TS_MAX || end - p < 9 || *p != ' ')
		return -1;
	out->ts = line;
	out->ts_len = (size_t)(p - line);
	p++;
	if (!memcmp(p, "stdout ", 7))
		out->stream = 0;
	else if (!memcmp(p, "stderr ", 7))
		out->stream = 1;
	else
		return -1;
	p += 7;
	if (*p != 'F' && *p != 'P')
		return -1;
	out->partial = *p++ == 'P';
	if (p < end && *p == ':') /* CRI allows more tags after a colon: ignored */
		p = memchr(p, ' ', (size_t)(end - p)) ? memchr(p, ' ', (size_t)(end - p)) : end;
	if (p < end && *p++ != ' ')
		return -1;
	out->text = (char *)p;
	out->len = (size_t)(end - p);
	return 0;
}

/* ---- lines --------------------------------------------------------------------------- */

static int ring_push(struct reader *rd, pos_t start, pos_t restart)
{
	if (rd->ring_max <= 0)
		return 0;
	if (rd->ring_n < (size_t)rd->ring_max && rd->ring_n == rd->ring_cap) {
		size_t cap = rd->ring_cap ? rd->ring_cap * 2 : 256;
		if (cap > (size_t)rd->ring_max)
			cap = (size_t)rd->ring_max;
		struct mark *m = realloc(rd->ring, cap * sizeof(*m));
		if (!m)
			return ctri_cerr(rd->c->name, OP, CTR_E_NOMEM, "out of memory");
		rd->ring = m;
		rd->ring_cap = cap;
	}
	struct mark mk = { start, restart };
	if (rd->ring_n < (size_t)rd->ring_max) {
		rd->ring[rd->ring_n++] = mk;
	} else {
		rd->ring[rd->ring_head] = mk;
		rd->ring_head = (rd->ring_head + 1) % rd->ring_n;
	}
	return 0;
}

/* A complete line of stream s, from start. text has room for the timestamp before it and a
 * byte after it. Returns fn's value, or 0, or an error. */
static int line_out(struct reader *rd, int s, pos_t start, long long t, const char *ts,
		    size_t ts_len, char *text, size_t len, int partial)
{
	if ((rd->since && t < rd->since) || (rd->until && t > rd->until))
		return 0;
	if (rd->mode == COUNT) {
		const struct line *o = &rd->ln[!s];
		return ring_push(rd, start, o->open && o->start < start ? o->start : start);
	}
	if (rd->mode == SKIP) {
		if (start != rd->first)
			return 0;
		rd->mode = DELIVER;
	}
	text[len] = '\0';
	if (rd->stamps) {
		text -= ts_len + 1;
		memmove(text, ts, ts_len);
		text[ts_len] = ' ';
		len += ts_len + 1;
	}
	ctr_log_line_t l = { .sz = sizeof(l),
			     .stream = s ? CTR_STREAM_STDERR : CTR_STREAM_STDOUT,
			     .partial = partial,
			     .time_ns = t,
			     .data = text,
			     .len = len };
	return rd->fn(&l, rd->ud);
}

static int complete(struct reader *rd, int s, int partial)
{
	struct line *l = &rd->ln[s];

	l->open = 0;
	return line_out(rd, s, l->start, l->time_ns, l->ts, l->ts_len, l->buf + TS_MAX, l->len,
			partial);
}

/* The end of the log: lines still open end as partial ones, the older first. When both are
 * open, the newer one's tail mark must restart where the older began although the older has
 * just ended: a second pass starting at the newer line would read the older one's later
 * records as a line of their own, newer, ending after it (found by fuzz_log_records). */
static int finish(struct reader *rd)
{
	int a = rd->ln[1].open && (!rd->ln[0].open || rd->ln[1].start < rd->ln[0].start), r;

	if (!rd->ln[a].open)
		return 0;
	if ((r = complete(rd, a, 1)) != 0 || !rd->ln[!a].open)
		return r;
	rd->ln[a].open = 1; /* for the mark only: complete(!a) reads nothing else of it */
	r = complete(rd, !a, 1);
	rd->ln[a].open = 0;
	return r;
}

static int on_record(struct reader *rd, const struct rec *rec, pos_t at)
{
	struct line *l = &rd->ln[rec->stream];
	int r;

	if (l->open && l->len + rec->len > LINE_CAP &&
	    (r = complete(rd, rec->stream, 1)) != 0) /* too long: deliver what there is */
		return r;
	if (!l->open && !rec->partial) /* a whole line in one record: no copy */
		return line_out(rd, rec->stream, at, rec->time_ns, rec->ts, rec->ts_len, rec->text,
				rec->len, 0);
	if (!l->open) {
		*l = (struct line){ .open = 1,
				    .start = at,
				    .time_ns = rec->time_ns,
				    .ts_len = rec->ts_len,
				    .buf = l->buf,
				    .cap = l->cap };
		memcpy(l->ts, rec->ts, rec->ts_len);
	}
	if (TS_MAX + l->len + rec->len + 1 > l->cap) {
		size_t cap = l->cap ? l->cap : 16384;
		while (cap < TS_MAX + l->len + rec->len + 1)
			cap *= 2;
		char *b = realloc(l->buf, cap);
		if (!b)
			return ctri_cerr(rd->c->name, OP, CTR_E_NOMEM, "out of memory");
		l->buf = b;
		l->cap = cap;
	}
	memcpy(l->buf + TS_MAX + l->len, rec->text, rec->len);
	l->len += rec->len;
	return rec->partial ? 0 : complete(rd, rec->stream, 0);
}

/* Handle the complete records in rd->buf; keep the rest. */
static int parse(struct reader *rd)
{
	char *p = rd->buf, *end = rd->buf + rd->len, *nl;
	struct rec rec;
	int r = 0;

	while (r == 0 && (nl = memchr(p, '\n', (size_t)(end - p)))) {
		pos_t at = POS(rd->file, rd->base + (p - rd->buf));
		if (rd->skipping)
			rd->skipping = 0;
		else if (parse_record(p, nl, &rec) == 0) /* else malformed: skipped */
			r = on_record(rd, &rec, at);
		p = nl + 1;
	}
	rd->base += p - rd->buf;
	rd->len = (size_t)(end - p);
	memmove(rd->buf, p, rd->len);
	if (rd->len == BUF_SIZE) { /* no LF in the whole buffer: not a record */
		rd->skipping = 1;
		rd->base += rd->len;
		rd->len = 0;
	}
	return r;
}

static void begin_file(struct reader *rd, int file, off_t off)
{
	rd->file = file;
	rd->base = off;
	rd->len = 0; /* a torn record at the end of the last file: never completed */
	rd->skipping = 0;
}

/* Read fd from its position to its end, or to offset end (>= 0). */
static int read_fd(struct reader *rd, int fd, long long end)
{
	for (;;) {
		size_t room = BUF_SIZE - rd->len;
		long long at = rd->base + (off_t)rd->len;
		if (end >= 0 && at >= end)
			return 0;
		if (end >= 0 && (long long)room > end - at)
			room = (size_t)(end - at);
		ssize_t n = read(fd, rd->buf + rd->len, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ctri_cerr(rd->c->name, OP, CTR_E_IO, "read %s: %m", rd->path);
		if (n == 0)
			return 0;
		rd->len += (size_t)n;
		int r = parse(rd);
		if (r)
			return r;
	}
}

/* ---- reading ------------------------------------------------------------------------- */

/* The log as it is: ctr.log.1, then ctr.log up to limit; with tail, twice. final: the end
 * of these files is the end of the log (no follow). */
static int read_existing(struct reader *rd, struct ctri_follow *f, long long limit, int final)
{
	int fds[2] = { f->prev_fd, f->fd }, r = 0;
	long long end[2];

	for (int k = 0; k < 2; k++) {
		begin_file(rd, k, 0);
		if (fds[k] >= 0 && (r = read_fd(rd, fds[k], k ? limit : -1)) != 0)
			return r;
		end[k] = rd->base + (off_t)rd->len;
	}
	if (final && (r = finish(rd)) != 0)
		return r;
	if (rd->mode != COUNT || rd->ring_n == 0) {
		rd->mode = DELIVER;
		return 0;
	}
	const struct mark *x = &rd->ring[rd->ring_n < (size_t)rd->ring_max ? 0 : rd->ring_head];
	int k0 = POS_FILE(x->restart);
	off_t off0 = POS_OFF(x->restart);
	rd->first = x->start;
	rd->mode = SKIP;
	rd->ln[0].open = rd->ln[1].open = 0;
	for (int k = k0; k < 2 && r == 0; k++) {
		off_t off = k == k0 ? off0 : 0;
		if (fds[k] < 0)
			continue;
		if (lseek(fds[k], off, SEEK_SET) < 0)
			return ctri_cerr(rd->c->name, OP, CTR_E_IO, "seek %s: %m", rd->path);
		begin_file(rd, k, off);
		r = read_fd(rd, fds[k], end[k]);
	}
	if (r == 0 && final)
		r = finish(rd);
	rd->mode = DELIVER;
	return r;
}

/* Read the file being followed to its end, then every file that came after it. */
static int catch_up(struct reader *rd, struct ctri_follow *f)
{
	for (;;) {
		int r = f->fd >= 0 ? read_fd(rd, f->fd, -1) : 0;
		if (r != 0 || ctri_follow_next(f) != 1)
			return r;
		begin_file(rd, rd->file + 1, 0);
	}
}

/* The poll timeout until rd->until (-1: none). */
static int until_ms(const struct reader *rd)
{
	long long left = rd->until ? (rd->until - ctri_now_ns()) / 1000000 + 1 : -1;

	return left < 0 ? (rd->until ? 0 : -1) : left > 3600000 ? 3600000 : (int)left;
}

static int follow(struct reader *rd, struct ctri_follow *f, int wfd)
{
	int ended = 0, r;

	for (;;) {
		if ((r = catch_up(rd, f)) != 0)
			return r;
		if (ended)
			return finish(rd);
		if (f->gone) {
			r = finish(rd);
			return r ? r
				 : ctri_cerr(rd->c->name, OP, CTR_E_REMOVED,
					     "container was removed");
		}
		if ((r = ctri_follow_wait(f, wfd, until_ms(rd))) < 0)
			return ctri_cwrap(rd->c->name, OP, r);
		ended = r == 1 /* wfd: a pidfd's or eventfd's word is final */ ||
			(rd->until && ctri_now_ns() > rd->until);
	}
}

static int logs(ctr_container_t *c, const ctr_logs_opts_t *opts, long long limit, ctr_log_fn fn,
		void *userdata)
{
	unsigned flags = CTRI_OPTS_GET(opts, flags, 0u);
	long long tail = CTRI_OPTS_GET(opts, tail, 0LL);
	int follow_ = (flags & CTR_LOGS_FOLLOW) != 0, wfd = -1, r;
	struct ctri_follow f = { .fd = -1, .prev_fd = -1, .watch = -1 };
	char dir[4096];

	if (tail < 0 && !follow_)
		return 0;
	struct reader *rd = calloc(1, sizeof(*rd));
	if (!rd || !(rd->buf = malloc(BUF_SIZE))) {
		free(rd);
		return ctri_cerr(c->name, OP, CTR_E_NOMEM, "out of memory");
	}
	rd->c = c;
	rd->fn = fn;
	rd->ud = userdata;
	rd->stamps = (flags & CTR_LOGS_TIMESTAMPS) != 0;
	rd->since = CTRI_OPTS_GET(opts, since_ns, 0LL);
	rd->until = CTRI_OPTS_GET(opts, until_ns, 0LL);
	rd->mode = tail ? COUNT : DELIVER;
	rd->ring_max = tail;
	ctri_bundle_path(c, LOG_NAME, rd->path, sizeof(rd->path));
	snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(rd->path, '/') - rd->path), rd->path);
	/* The watch, then the files: no change falls between. The wait fd can come last: once
	 * the run has ended it stays readable. */
	if ((r = ctri_follow_open(&f, dir, LOG_NAME, follow_)) < 0) {
		r = r == CTR_E_NOENT
			? ctri_cerr(c->name, OP, CTR_E_REMOVED, "container was removed")
			: ctri_cwrap(c->name, OP, r);
		goto out;
	}
	if (follow_ && (wfd = ctr_wait_fd(c)) < 0 && wfd != CTR_E_STATE) {
		r = wfd == CTR_E_REMOVED
			? ctri_cerr(c->name, OP, CTR_E_REMOVED, "container was removed")
			: wfd;
		goto out;
	}
	/* A CONFIGURED container (CTR_E_STATE) has no run to follow: its log is complete. */
	struct ctri_st st;
	if (f.fd < 0 && f.prev_fd < 0 && wfd < 0 && (r = ctri_st_load(c, OP, &st)) < 0)
		goto out; /* no log, no run: removed? */
	r = read_existing(rd, &f, limit, wfd < 0);
	if (r == 0 && wfd >= 0)
		r = follow(rd, &f, wfd);
out:
	if (wfd >= 0)
		close(wfd);
	ctri_follow_close(&f);
	free(rd->ln[0].buf);
	free(rd->ln[1].buf);
	free(rd->ring);
	free(rd->buf);
	free(rd);
	return r;
}

static int check_opts(ctr_container_t *c, const ctr_logs_opts_t *opts, const char *op)
{
	int r = opts ? CTRI_OPTS_VALID(opts, tail, op) : 0;

	if (r < 0)
		return r;
	unsigned flags = CTRI_OPTS_GET(opts, flags, 0u);
	long long since = CTRI_OPTS_GET(opts, since_ns, 0LL),
		  until = CTRI_OPTS_GET(opts, until_ns, 0LL);
	if (flags & ~KNOWN_FLAGS)
		return ctri_cerr(c->name, OP, CTR_E_INVAL, "argument opts: unknown flags 0x%x",
				 flags & ~KNOWN_FLAGS);
	if (until && until < since)
		return ctri_cerr(c->name, OP, CTR_E_INVAL,
				 "argument opts: until_ns %lld is before since_ns %lld", until,
				 since);
	return 0;
}

CTR_API int ctr_logs(ctr_container_t *c, const ctr_logs_opts_t *opts, ctr_log_fn fn, void *userdata)
{
	CTRI_CHECK_ARG("ctr_logs", c);
	CTRI_CHECK_ARG("ctr_logs", fn);
	int r = check_opts(c, opts, "ctr_logs");
	return r < 0 ? r : logs(c, opts, -1, fn, userdata);
}

int ctri_logs_read(ctr_container_t *c, const ctr_logs_opts_t *opts, long long limit, ctr_log_fn fn,
		   void *userdata)
{
	CTRI_CHECK_ARG("ctri_logs_read", c);
	CTRI_CHECK_ARG("ctri_logs_read", fn);
	int r = check_opts(c, opts, "ctri_logs_read");
	if (r == 0 && (CTRI_OPTS_GET(opts, flags, 0u) & CTR_LOGS_FOLLOW))
		r = ctri_cerr(c->name, OP, CTR_E_INVAL, "argument opts: no CTR_LOGS_FOLLOW here");
	return r < 0 ? r : logs(c, opts, limit, fn, userdata);
}
