/* Fixture and helpers of the logs suite (test_logs.c, test_logs_follow.c): a container
 * whose bundle gets synthetic k8s-file logs, and a callback that collects the lines. */
#ifndef CTR_LOGS_FIXTURE_H
#define CTR_LOGS_FIXTURE_H

#include <fcntl.h>
#include <pthread.h>
#include <time.h>

#include "container_fixture.h"
#include "logs.h"

static ctr_container_t *c;

static inline void logs_setup(void)
{
	container_setup();
	c = create("talker");
}

static inline void logs_teardown(void)
{
	ctr_container_free(c);
	c = NULL;
	container_teardown();
}

/* ---- writing logs -------------------------------------------------------------------- */

static inline char *path_of(const char *leaf)
{
	static char path[2][4096];
	static int i;

	i = !i;
	ctri_bundle_path(c, leaf, path[i], sizeof(path[i]));
	return path[i];
}

static inline void append_raw(const char *leaf, const void *data, size_t len)
{
	int fd = open(path_of(leaf), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static inline void append_str(const char *leaf, const char *s)
{
	append_raw(leaf, s, strlen(s));
}

static inline long long base_s(void)
{
	struct tm tm = { .tm_year = 2026 - 1900, .tm_mon = 10, .tm_mday = 23, .tm_hour = 15 };

	return (long long)timegm(&tm);
}

/* The timestamp text of second `sec` after 2026-11-23T15:00:00Z, and its ns. */
static inline const char *ts(int sec)
{
	static char buf[4][40];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "2026-11-23T15:%02d:%02d.%09dZ", sec / 60, sec % 60,
		 1000 + sec);
	return buf[i];
}

static inline long long ns(int sec)
{
	return (base_s() + sec) * 1000000000LL + 1000 + sec;
}

/* One record "TS STREAM TAG TEXT\n" with text of len bytes. */
static inline void rec_n(const char *leaf, int sec, const char *stream, char tag, const char *text,
			 size_t len)
{
	char head[96];
	int n = snprintf(head, sizeof(head), "%s %s %c ", ts(sec), stream, tag);
	char *all = malloc((size_t)n + len + 1);

	ck_assert_ptr_nonnull(all);
	memcpy(all, head, (size_t)n);
	memcpy(all + n, text, len);
	all[(size_t)n + len] = '\n';
	append_raw(leaf, all, (size_t)n + len + 1);
	free(all);
}

static inline void rec(const char *leaf, int sec, const char *stream, char tag, const char *text)
{
	rec_n(leaf, sec, stream, tag, text, strlen(text));
}

/* ---- reading them back --------------------------------------------------------------- */

struct got_line {
	int stream, partial;
	long long time_ns;
	char *data;
	size_t len;
};

struct got {
	pthread_mutex_t mu;
	struct got_line *l;
	size_t n, cap;
	const char *stop_on; /* data that makes the callback return stop_value */
	int stop_value;
	void (*hook)(struct got *g); /* called after each line, without the lock */
};

static inline int collect(const ctr_log_line_t *line, void *ud)
{
	struct got *g = ud;

	ck_assert_uint_eq(line->sz, sizeof(ctr_log_line_t));
	ck_assert_int_eq(line->data[line->len], '\0');
	pthread_mutex_lock(&g->mu);
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 64;
		g->l = realloc(g->l, g->cap * sizeof(*g->l));
		ck_assert_ptr_nonnull(g->l);
	}
	struct got_line *l = &g->l[g->n++];
	*l = (struct got_line){ line->stream, line->partial, line->time_ns, malloc(line->len + 1),
				line->len };
	memcpy(l->data, line->data, line->len + 1);
	pthread_mutex_unlock(&g->mu);
	if (g->hook)
		g->hook(g);
	return g->stop_on && line->len == strlen(g->stop_on) &&
		       !memcmp(line->data, g->stop_on, line->len)
		   ? g->stop_value
		   : 0;
}

static inline void got_init(struct got *g)
{
	*g = (struct got){ .stop_value = 1 };
	pthread_mutex_init(&g->mu, NULL);
}

static inline void got_free(struct got *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->l[i].data);
	free(g->l);
}

static inline void read_logs(const ctr_logs_opts_t *o, struct got *g)
{
	got_init(g);
	int r = ctr_logs(c, o, collect, g);
	ck_assert_msg(r == 0, "ctr_logs: %d %s", r, ctr_last_error());
}

#define LINE(g, i, strm, text)                                                                     \
	do {                                                                                       \
		ck_assert_uint_gt((g)->n, (size_t)(i));                                            \
		ck_assert_int_eq((g)->l[i].stream, strm);                                          \
		ck_assert_str_eq((g)->l[i].data, text);                                            \
	} while (0)

#define OUT CTR_STREAM_STDOUT
#define ERR CTR_STREAM_STDERR

/* The follow TCase (test_logs_follow.c). */
void logs_add_follow_tests(Suite *s);

#endif
