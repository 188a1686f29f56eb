/* The event log: STATE/events.log, one JSON object per line, appended by every successful
 * operation; STATE/events.log.1 is the previous one after a rotation. Readers filter it and
 * can follow it (inotify on the state directory: no polling). */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
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

/* Rotate when the log is full, under an exclusive flock on it (appenders hold it shared):
 * no append lands in a file after it was renamed away. */
static void rotate_if_full(const ctr_runtime_t *rt, int fd)
{
	char cur[4096], old[4096];
	struct stat st;

	if (fstat(fd, &st) < 0 || st.st_size < ROTATE_AT || flock(fd, LOCK_EX | LOCK_NB) < 0)
		return;
	log_path(rt, LOG_NAME, cur, sizeof(cur));
	log_path(rt, OLD_NAME, old, sizeof(old));
	struct stat now;
	/* Still the file at that name, and still full (another appender may have rotated). */
	if (stat(cur, &now) == 0 && now.st_ino == st.st_ino && now.st_size >= ROTATE_AT)
		rename(cur, old);
	flock(fd, LOCK_UN);
}

/* Open the log for appending, holding a shared flock, and make sure it is still the file
 * at that name (a rotation may have renamed it between the open and the lock). */
static int open_locked(const char *path)
{
	for (int attempt = 0; attempt < 4; attempt++) {
		struct stat a, b;
		int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return -1;
		if (flock(fd, LOCK_SH) == 0 && fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
		    a.st_ino == b.st_ino)
			return fd;
		close(fd);
	}
	return -1;
}

void ctri_event(ctr_container_t *c, const char *type, json_object *attrs)
{
	char path[4096], last;
	json_object *ev = json_object_new_object();

	if (!ev) {
		json_object_put(attrs);
		return;
	}
	json_object_object_add(ev, "time", json_object_new_int64(ctri_now_ns()));
	json_object_object_add(ev, "type", json_object_new_string(type));
	json_object_object_add(ev, "id", json_object_new_string(c->id));
	json_object_object_add(ev, "name", json_object_new_string(c->name));
	json_object_object_add(ev, "attributes", attrs ? attrs : json_object_new_object());
	size_t len;
	const char *text = json_object_to_json_string_length(ev, JSON_C_TO_STRING_PLAIN, &len);
	log_path(c->rt, LOG_NAME, path, sizeof(path));
	/* Events are a record of what happened, not part of it: an event that cannot be
	 * written does not fail the operation that already succeeded. */
	int fd = open_locked(path);
	if (fd >= 0 && text) {
		char *line = malloc(len + 2);
		struct stat st;
		size_t n = 0;
		/* A line torn by a crash gets its end here, so it does not swallow this one. */
		if (line && fstat(fd, &st) == 0 && st.st_size > 0 &&
		    pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n')
			line[n++] = '\n';
		if (line) {
			memcpy(line + n, text, len);
			n += len;
			line[n++] = '\n';
			(void)!write(fd, line, n); /* O_APPEND: one write, one whole line */
		}
		free(line);
		flock(fd, LOCK_UN);
		rotate_if_full(c->rt, fd);
	}
	if (fd >= 0)
		close(fd);
	json_object_put(ev);
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
		int r = ctri_opts_valid(opts, sizeof(*opts), "ctr_events");
		if (r < 0)
			return r;
	}
	struct reader *rd = calloc(1, sizeof(*rd));
	if (!rd)
		return ctri_err(CTR_E_NOMEM, "ctr_events: out of memory");
	*rd = (struct reader){ .o = opts, .fn = fn, .ud = userdata };
	int r = read_log(rd, rt, CTRI_OPTS_GET(opts, follow, 0));
	free(rd);
	return r;
}

CTR_API int ctr_events_fd(ctr_runtime_t *rt)
{
	CTRI_CHECK_ARG("ctr_events_fd", rt);
	return ctri_events_watch(rt);
}
