/* The event log's order: concurrent writers in several processes append events whose times
 * increase strictly down the log (across a rotation too), so a reader following the recipe
 * of ctr_events_fd (drain it, then ctr_events with since_ns = newest + 1) reads every event
 * exactly once; a clock that stepped back does not break the order. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container_fixture.h"
#include "events.h"

#define WRITERS 4
#define PER_WRITER 1000
#define PAD 1500 /* bytes per event: ~6 MB in all, one rotation (at 4 MiB) and not two */

/* A writer process: its own context, the container "wN", PER_WRITER events as fast as the
 * event writer takes them. No Check assertions in a child. */
static void writer_main(int w, const char *state_dir, const char *run_dir)
{
	ctr_runtime_t *wrt = NULL;
	ctr_container_t *c = NULL;
	char name[16], pad[PAD + 1];
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state_dir, .run_dir = run_dir,
		 .flags = CTR_RUNTIME_NOSYNC);

	snprintf(name, sizeof(name), "w%d", w);
	memset(pad, 'x', PAD);
	pad[PAD] = 0;
	if (ctr_runtime_open(&o, &wrt) < 0 || ctr_lookup(wrt, name, &c) < 0) {
		fprintf(stderr, "writer %d: %s\n", w, ctr_last_error());
		_exit(10);
	}
	for (int i = 0; i < PER_WRITER; i++) {
		json_object *a = json_object_new_object();
		json_object_object_add(a, "w", json_object_new_int(w));
		json_object_object_add(a, "i", json_object_new_int(i));
		json_object_object_add(a, "pad", json_object_new_string(pad));
		ctri_event(c, "tick", a);
	}
	ctr_container_free(c);
	ctr_runtime_close(wrt);
	_exit(0);
}

struct follow {
	long long newest;	       /* the newest time read: the next read is since newest + 1 */
	int seen[WRITERS][PER_WRITER]; /* how often each writer's i-th event was read */
	int creates, older, foreign;
};

static int on_event(const ctr_event_t *ev, void *ud)
{
	struct follow *f = ud;
	json_object *a = json_tokener_parse(ev->attributes), *w, *i;

	if (ev->time_ns <= f->newest)
		f->older++;
	if (ev->time_ns > f->newest)
		f->newest = ev->time_ns;
	if (!strcmp(ev->type, "create"))
		f->creates++;
	else if (!strcmp(ev->type, "tick") && json_object_object_get_ex(a, "w", &w) &&
		 json_object_object_get_ex(a, "i", &i) && json_object_get_int(w) >= 0 &&
		 json_object_get_int(w) < WRITERS && json_object_get_int(i) >= 0 &&
		 json_object_get_int(i) < PER_WRITER)
		f->seen[json_object_get_int(w)][json_object_get_int(i)]++;
	else
		f->foreign++;
	json_object_put(a);
	return 0;
}

/* One step of the recipe: read the descriptor empty, then the events after the newest. */
static void read_new(int fd, struct follow *f)
{
	char buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	CTR_OPTS(ctr_events_opts_t, o, .since_ns = f->newest ? f->newest + 1 : 0);
	int r = ctr_events(rt, &o, on_event, f);
	ck_assert_msg(r == 0, "ctr_events: %d %s", r, ctr_last_error());
}

struct order {
	long long last;
	int n, older;
};

static int check_order(const ctr_event_t *ev, void *ud)
{
	struct order *o = ud;

	o->older += o->n++ > 0 && ev->time_ns <= o->last;
	o->last = ev->time_ns;
	return 0;
}

START_TEST(test_concurrent_writers_keep_time_order_and_the_recipe_reads_each_event_once)
{
	char state_dir[4096], run_dir[4096], old[4200];
	pid_t pids[WRITERS];
	struct follow *f = calloc(1, sizeof(*f));
	int fd = ctr_events_fd(rt), alive = WRITERS;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fd, 0);
	snprintf(state_dir, sizeof(state_dir), "%s/state", tu_base());
	snprintf(run_dir, sizeof(run_dir), "%s/run", tu_base());
	for (int w = 0; w < WRITERS; w++) {
		char name[16];
		snprintf(name, sizeof(name), "w%d", w);
		ctr_container_free(create(name));
	}
	read_new(fd, f);
	for (int w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		ck_assert_int_ne(pids[w], -1);
		if (pids[w] == 0)
			writer_main(w, state_dir, run_dir);
	}
	/* Follow while they write; the last read starts after all of them have exited. */
	for (int done = 0; !done;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		poll(&p, 1, 100);
		for (int w = 0; w < WRITERS; w++) {
			int st;
			if (pids[w] > 0 && waitpid(pids[w], &st, WNOHANG) == pids[w]) {
				ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
					      "writer %d: status 0x%x", w, st);
				pids[w] = 0;
				alive--;
			}
		}
		done = alive == 0;
		read_new(fd, f);
	}
	close(fd);

	int missed = 0, twice = 0;
	for (int w = 0; w < WRITERS; w++)
		for (int i = 0; i < PER_WRITER; i++) {
			missed += f->seen[w][i] == 0;
			twice += f->seen[w][i] > 1;
		}
	ck_assert_msg(missed == 0 && twice == 0 && f->older == 0 && f->foreign == 0,
		      "the recipe missed %d of %d events, read %d twice, %d older than the "
		      "one before, %d unknown",
		      missed, WRITERS * PER_WRITER, twice, f->older, f->foreign);
	ck_assert_int_eq(f->creates, WRITERS);

	/* The whole log, events.log.1 (the rotation happened) and events.log: in order. */
	struct order o = { 0 };
	snprintf(old, sizeof(old), "%s/events.log.1", state_dir);
	ck_assert_int_eq(access(old, F_OK), 0);
	ck_assert_int_eq(ctr_events(rt, NULL, check_order, &o), 0);
	ck_assert_int_eq(o.n, WRITERS + WRITERS * PER_WRITER);
	ck_assert_msg(o.older == 0, "%d of %d events are not newer than the one before",
		      o.older, o.n);
	free(f);
}
END_TEST

static long long first_time(const char *name)
{
	struct order o = { 0 };
	CTR_OPTS(ctr_events_opts_t, opts, .container = name);

	ck_assert_int_eq(ctr_events(rt, &opts, check_order, &o), 0);
	ck_assert_int_eq(o.n, 1);
	return o.last;
}

static void write_file(const char *path, const char *mode, const char *text)
{
	FILE *f = fopen(path, mode);

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_events_after_the_clock_stepped_back_still_come_after_the_last_one)
{
	char log[4096], old[4096], line[256];
	/* The last events were written an hour ahead of the clock now (it was set back). */
	long long ahead = ctri_now_ns() + 3600LL * 1000000000LL;

	snprintf(log, sizeof(log), "%s/state/events.log", tu_base());
	snprintf(old, sizeof(old), "%s/state/events.log.1", tu_base());
	/* Just rotated: the log is empty and the last event is in events.log.1. */
	snprintf(line, sizeof(line),
		 "{\"time\":%lld,\"type\":\"create\",\"id\":\"x\",\"name\":\"x\","
		 "\"attributes\":{}}\n",
		 ahead);
	write_file(old, "w", line);
	write_file(log, "w", "");
	ctr_container_free(create("a"));
	ck_assert_int_eq(first_time("a"), ahead + 1);
	/* A line torn by a crash after it is not a record. */
	write_file(log, "a", "{\"time\":99999999999999999");
	ctr_container_free(create("b"));
	ck_assert_int_eq(first_time("b"), ahead + 2);
	struct order o = { 0 };
	ck_assert_int_eq(ctr_events(rt, NULL, check_order, &o), 0);
	ck_assert_int_eq(o.n, 3);
	ck_assert_int_eq(o.older, 0);
}
END_TEST

Suite *suite_events(void)
{
	Suite *s = suite_create("events");
	TCase *tc = tcase_create("events");

	tu_add_fixtures(tc, container_teardown);
	tcase_add_checked_fixture(tc, container_setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_concurrent_writers_keep_time_order_and_the_recipe_reads_each_event_once);
	tcase_add_test(tc, test_events_after_the_clock_stepped_back_still_come_after_the_last_one);
	suite_add_tcase(s, tc);
	return s;
}
