/* The event log: STATE/events.log, one JSON object per line, appended by every successful
 * operation; STATE/events.log.1 is the previous one after a rotation. Readers filter it and
 * can follow it (inotify on the state directory: no polling). */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "events.h"
#include "follow.h"
#include "runtime.h"

#define LOG_NAME "events.log"
#define OLD_NAME "events.log.1"
#define ROTATE_AT (4 << 20) /* bytes: the log and its predecessor hold at most twice this */
#define LINE_MAX_ 65536

static void log_path(const ctr_runtime_t *rt, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", rt->state_dir, name);
}

/* Rotate when the log is full; the caller holds the exclusive flock on fd, so no append
 * lands in a file after it was renamed away. */
static void rotate_if_full(const ctr_runtime_t *rt, int fd)
{
	char cur[4096], old[4096];
	struct stat st, now;

	if (fstat(fd, &st) < 0 || st.st_size < ROTATE_AT)
		return;
	log_path(rt, LOG_NAME, cur, sizeof(cur));
	log_path(rt, OLD_NAME, old, sizeof(old));
	if (stat(cur, &now) == 0 && now.st_ino == st.st_ino) /* still the file at that name */
		rename(cur, old);
}

/* Open the log for appending, holding an exclusive flock (appends are serialised, so each
 * one knows the record before it), and make sure it is still the file at that name (a
 * rotation may have renamed it between the open and the lock). */
static int open_locked(const char *path)
{
	for (int attempt = 0; attempt < 4; attempt++) {
		struct stat a, b;
		int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return -1;
		if (flock(fd, LOCK_EX) == 0 && fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
		    a.st_ino == b.st_ino)
			return fd;
		close(fd);
	}
	return -1;
}

/* The time of the last record among the complete lines of buf (len bytes, ending where
 * the file's complete lines end), 0 when none parses; *cut says whether the first line may
 * have begun before buf. */
static long long last_time_in(char *buf, size_t len, int cut)
{
	while (len > 0) {
		buf[--len] = 0; /* the line's newline */
		char *start = memrchr(buf, '\n', len);
		if (!start && cut)
			return 0; /* the line began before buf */
		start = start ? start + 1 : buf;
		json_object *ev = json_tokener_parse(start), *t;
		long long time = 0;
		if (ev && json_object_is_type(ev, json_type_object) &&
		    json_object_object_get_ex(ev, "time", &t) &&
		    json_object_is_type(t, json_type_int))
			time = json_object_get_int64(t);
		json_object_put(ev);
		if (time > 0)
			return time;
		len = (size_t)(start - buf); /* torn or foreign: the line before it */
	}
	return 0;
}

/* The time of the last record in the file fd of size bytes, 0 when there is none in its
 * last 64 KiB (its last 4 KiB are enough unless the lines there are not records). Without a
 * writer at work (the caller holds the lock, or the file was rotated away), a last line
 * without its newline is torn and not a record. */
static long long last_time(int fd, off_t size)
{
	char *buf = malloc(LINE_MAX_);
	long long time = 0;

	for (size_t want = 4096; buf && !time && want <= LINE_MAX_; want *= 16) {
		size_t n = size < (off_t)want ? (size_t)size : want;
		if (pread(fd, buf, n, size - (off_t)n) != (ssize_t)n)
			break;
		char *end = memrchr(buf, '\n', n);
		if (end)
			time = last_time_in(buf, (size_t)(end - buf) + 1, (off_t)n < size);
		if ((off_t)n == size)
			break;
	}
	free(buf);
	return time;
}

/* The time of the event about to be appended to the log fd (locked): the clock, unless it
 * is not after the last record's (the clock was set back, or ticked too coarsely), then
 * that time + 1 ns. When the log holds no record (new after a rotation, or emptied), the
 * last one is in events.log.1. */
static long long next_time(const ctr_runtime_t *rt, int fd, off_t size)
{
	long long now = ctri_now_ns(), last = size > 0 ? last_time(fd, size) : 0;

	if (last == 0) {
		char old[4096];
		struct stat st;
		log_path(rt, OLD_NAME, old, sizeof(old));
		int ofd = open(old, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (ofd >= 0 && fstat(ofd, &st) == 0)
			last = last_time(ofd, st.st_size);
		if (ofd >= 0)
			close(ofd);
	}
	return now > last || last == LLONG_MAX ? now : last + 1;
}

/* The line of an event with time ns, newline-terminated and with a newline before it when
 * lead, malloc'd (*len: its length). Takes attrs. */
static char *event_line(ctr_container_t *c, long long ns, const char *type, json_object *attrs,
			int lead, size_t *len)
{
	json_object *ev = json_object_new_object();
	char *line = NULL;

	if (!ev) {
		json_object_put(attrs);
		return NULL;
	}
	json_object_object_add(ev, "time", json_object_new_int64(ns));
	json_object_object_add(ev, "type", json_object_new_string(type));
	json_object_object_add(ev, "id", json_object_new_string(c->id));
	json_object_object_add(ev, "name", json_object_new_string(c->name));
	json_object_object_add(ev, "attributes", attrs ? attrs : json_object_new_object());
	const char *text = json_object_to_json_string_length(ev, JSON_C_TO_STRING_PLAIN, len);
	if (text && (line = malloc(*len + 2))) {
		line[0] = '\n';
		memcpy(line + lead, text, *len);
		*len += (size_t)lead;
		line[(*len)++] = '\n';
	}
	json_object_put(ev);
	return line;
}

void ctri_event(ctr_container_t *c, const char *type, json_object *attrs)
{
	char path[4096], last;
	struct stat st;
	size_t len;

	log_path(c->rt, LOG_NAME, path, sizeof(path));
	/* Events are a record of what happened, not part of it: an event that cannot be
	 * written does not fail the operation that already succeeded. The time is taken under
	 * the lock, so the log is in time order and since_ns = newest + 1 misses nothing. */
	int fd = open_locked(path);
	if (fd < 0 || fstat(fd, &st) < 0) {
		json_object_put(attrs);
		if (fd >= 0)
			close(fd);
		return;
	}
	/* A line torn by a crash gets its end here, so it does not swallow this one. */
	int lead = st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n';
	char *line = event_line(c, next_time(c->rt, fd, st.st_size), type, attrs, lead, &len);
	if (line)
		(void)!write(fd, line, len); /* O_APPEND: one write, one whole line */
	free(line);
	rotate_if_full(c->rt, fd);
	flock(fd, LOCK_UN); /* not left to close(): a child forked meanwhile shares the lock */
	close(fd);
}

/* ---- reading ------------------------------------------------------------------------- */

struct reader {
	const ctr_events_opts_t *o;
	ctr_event_fn fn;
	void *ud;
	char buf[LINE_MAX_];
	size_t len;
};

/* Deliver one line if it parses and passes the filters. Returns fn's value, or 0. */
static int deliver(struct reader *rd, const char *line)
{
	const ctr_events_opts_t *o = rd->o;
	json_object *ev = json_tokener_parse(line), *v, *attrs;
	int r = 0;

	if (!ev || !json_object_is_type(ev, json_type_object)) { /* torn or foreign: skip */
		json_object_put(ev);
		return 0;
	}
	ctr_event_t e = { .sz = sizeof(e) };
	e.time_ns = json_object_object_get_ex(ev, "time", &v) ? json_object_get_int64(v) : 0;
	e.type = json_object_object_get_ex(ev, "type", &v) ? json_object_get_string(v) : "";
	e.id = json_object_object_get_ex(ev, "id", &v) ? json_object_get_string(v) : "";
	e.name = json_object_object_get_ex(ev, "name", &v) ? json_object_get_string(v) : "";
	e.attributes = json_object_object_get_ex(ev, "attributes", &attrs)
			       ? json_object_to_json_string_ext(attrs, JSON_C_TO_STRING_PLAIN)
			       : "{}";
	const char *want = CTRI_OPTS_GET(o, container, NULL), *type = CTRI_OPTS_GET(o, type, NULL);
	long long since = CTRI_OPTS_GET(o, since_ns, 0LL), until = CTRI_OPTS_GET(o, until_ns, 0LL);
	if ((!want || !strcmp(want, e.name) || !strcmp(want, e.id)) &&
	    (!type || !strcmp(type, e.type)) && (!since || e.time_ns >= since) &&
	    (!until || e.time_ns <= until))
		r = rd->fn(&e, rd->ud);
	json_object_put(ev);
	return r;
}

/* Read what fd has from where it is and deliver its complete lines. */
static int drain(struct reader *rd, int fd)
{
	for (;;) {
		ssize_t n = read(fd, rd->buf + rd->len, sizeof(rd->buf) - 1 - rd->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		rd->len += (size_t)n;
		char *start = rd->buf, *nl;
		while ((nl = memchr(start, '\n', rd->len - (size_t)(start - rd->buf)))) {
			*nl = 0;
			int r = *start ? deliver(rd, start) : 0;
			start = nl + 1;
			if (r)
				return r;
		}
		rd->len -= (size_t)(start - rd->buf);
		memmove(rd->buf, start, rd->len);
		if (rd->len == sizeof(rd->buf) - 1)
			rd->len = 0; /* a line longer than any event: not ours, drop it */
	}
}

int ctri_events_watch(const ctr_runtime_t *rt)
{
	int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);

	if (fd < 0)
		return ctri_err(ctri_errno_code(errno), "events: inotify_init1: %m");
	if (inotify_add_watch(fd, rt->state_dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO |
							 IN_MOVED_FROM | IN_DELETE) < 0) {
		int r = ctri_err(ctri_errno_code(errno), "events: watch %s: %m", rt->state_dir);
		close(fd);
		return r;
	}
	return fd;
}

/* Read the log (follow.h): events.log.1, events.log, and with follow whatever comes next,
 * waiting for the state directory to change. Nothing is read twice. */
static int read_log(struct reader *rd, const ctr_runtime_t *rt, int following)
{
	struct ctri_follow f;
	int r = ctri_follow_open(&f, rt->state_dir, LOG_NAME, following);

	if (r < 0)
		return r;
	if (f.prev_fd >= 0)
		r = drain(rd, f.prev_fd);
	for (;;) {
		rd->len = 0;
		if (r != 0 || (f.fd >= 0 && (r = drain(rd, f.fd)) != 0))
			break;
		if (ctri_follow_next(&f) == 1)
			continue;
		if (!following || (r = ctri_follow_wait(&f, -1, -1)) < 0)
			break;
	}
	ctri_follow_close(&f);
	return r;
}

CTR_API int ctr_events(ctr_runtime_t *rt, const ctr_events_opts_t *opts, ctr_event_fn fn,
		       void *userdata)
{
	CTRI_CHECK_ARG("ctr_events", rt);
	CTRI_CHECK_ARG("ctr_events", fn);
	if (opts) {
		int r = CTRI_OPTS_VALID(opts, flags, "ctr_events");
		if (r < 0)
			return r;
		if (CTRI_OPTS_GET(opts, flags, 0) & ~CTR_EVENTS_FOLLOW)
			return ctri_err(CTR_E_INVAL, "ctr_events: unknown flags 0x%x",
					opts->flags & ~CTR_EVENTS_FOLLOW);
	}
	struct reader *rd = calloc(1, sizeof(*rd));
	if (!rd)
		return ctri_err(CTR_E_NOMEM, "ctr_events: out of memory");
	*rd = (struct reader){ .o = opts, .fn = fn, .ud = userdata };
	int r = read_log(rd, rt, !!(CTRI_OPTS_GET(opts, flags, 0) & CTR_EVENTS_FOLLOW));
	free(rd);
	return r;
}

CTR_API int ctr_events_fd(ctr_runtime_t *rt)
{
	CTRI_CHECK_ARG("ctr_events_fd", rt);
	return ctri_events_watch(rt);
}
