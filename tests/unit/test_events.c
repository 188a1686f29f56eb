/* The event log's order: concurrent writers in several processes append events whose times
 * increase strictly down the log (across a rotation too), so a reader following the recipe
 * of ctr_events_fd (drain it, then ctr_events with since_ns = newest + 1) reads every event
 * exactly once; a clock that stepped back does not break the order. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container_fixture.h"

#define WRITERS	   4
#define PER_WRITER 300	 /* containers each writer creates and removes: 2 events each */
#define FILLER	   60000 /* events of another program in the log: ~3.9 MB, of 4 MiB */

/* A config without Check assertions: children of the test process must not use them. */
static ctr_config_t *config_named(const char *name)
{
	static const char *const args[] = { "/bin/true", NULL };
	ctr_config_t *cfg = NULL;

	if (ctr_config_new(&cfg) < 0 || ctr_config_set_rootfs(cfg, tu_rootfs()) < 0 ||
	    ctr_config_set_args(cfg, args) < 0 || ctr_config_set_name(cfg, name) < 0) {
		ctr_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* A writer process: its own context; creates and removes the containers "wW-I" as fast as
 * it can. */
static void writer_main(int w, const char *state_dir, const char *run_dir)
{
	ctr_runtime_t *wrt = NULL;
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state_dir, .run_dir = run_dir,
		 .flags = CTR_RUNTIME_NOSYNC);

	if (ctr_runtime_open(&o, &wrt) < 0) {
		fprintf(stderr, "writer %d: %s\n", w, ctr_last_error());
		_exit(10);
	}
	for (int i = 0; i < PER_WRITER; i++) {
		char name[32];
		ctr_container_t *c = NULL;
		snprintf(name, sizeof(name), "w%d-%d", w, i);
		ctr_config_t *cfg = config_named(name);
		if (!cfg || ctr_create(wrt, cfg, &c) < 0 || ctr_remove(c, 0) < 0) {
			fprintf(stderr, "writer %d: %s: %s\n", w, name, ctr_last_error());
			_exit(11);
		}
		ctr_container_free(c);
		ctr_config_free(cfg);
	}
	ctr_runtime_close(wrt);
	_exit(0);
}

struct follow {
	long long newest; /* the newest time read: the next read is since newest + 1 */
	/* How often the create [0] and remove [1] of each container was read. */
	int seen[WRITERS][PER_WRITER][2];
	int filler, older, foreign;
};

static int on_event(const ctr_event_t *ev, void *ud)
{
	struct follow *f = ud;
	int w, i, n = 0;

	if (ev->time_ns <= f->newest)
		f->older++;
	if (ev->time_ns > f->newest)
		f->newest = ev->time_ns;
	int type = !strcmp(ev->type, "create") ? 0 : !strcmp(ev->type, "remove") ? 1 : -1;
	if (type >= 0 && sscanf(ev->name, "w%d-%d%n", &w, &i, &n) == 2 && !ev->name[n] && w >= 0 &&
	    w < WRITERS && i >= 0 && i < PER_WRITER)
		f->seen[w][i][type]++;
	else if (!strcmp(ev->type, "filler"))
		f->filler++;
	else
		f->foreign++;
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

/* Run twice: on an empty log, and on one almost full, so that it is rotated while they
 * write (a reader then reads events.log.1 and events.log). */
START_TEST(test_concurrent_writers_keep_time_order_and_the_recipe_reads_each_event_once)
{
	const int fillers = _i ? FILLER : 0;
	char state_dir[4096], run_dir[4096], log[4200];
	pid_t pids[WRITERS];
	struct follow *f = NULL; /* allocated after the forks: a writer must own nothing of it */
	int fd = ctr_events_fd(rt), alive = WRITERS;

	ck_assert_int_ge(fd, 0);
	snprintf(state_dir, sizeof(state_dir), "%s/state", tu_base());
	snprintf(run_dir, sizeof(run_dir), "%s/run", tu_base());
	snprintf(log, sizeof(log), "%s/events.log", state_dir);
	FILE *filler = fopen(log, "w");
	ck_assert_ptr_nonnull(filler);
	for (int i = 0; i < fillers; i++)
		fprintf(filler,
			"{\"time\":%d,\"type\":\"filler\",\"id\":\"x\",\"name\":\"y\","
			"\"attributes\":{}}\n",
			i + 1);
	ck_assert_int_eq(fclose(filler), 0);
	ck_assert_int_eq(access(strcat(log, ".1"), F_OK), -1);
	for (int w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		ck_assert_int_ne(pids[w], -1);
		if (pids[w] == 0)
			writer_main(w, state_dir, run_dir);
	}
	f = calloc(1, sizeof(*f));
	ck_assert_ptr_nonnull(f);
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
		for (int i = 0; i < PER_WRITER * 2; i++) {
			missed += f->seen[w][i / 2][i % 2] == 0;
			twice += f->seen[w][i / 2][i % 2] > 1;
		}
	ck_assert_int_eq(f->filler, fillers);
	ck_assert_msg(missed == 0 && twice == 0 && f->older == 0 && f->foreign == 0,
		      "the recipe missed %d of %d events, read %d twice, %d older than the "
		      "one before, %d unknown",
		      missed, WRITERS * PER_WRITER * 2, twice, f->older, f->foreign);

	/* The whole log (events.log.1, when the rotation happened, and events.log): in order. */
	struct order o = { 0 };
	ck_assert_int_eq(access(log, F_OK), fillers ? 0 : -1);
	ck_assert_int_eq(ctr_events(rt, NULL, check_order, &o), 0);
	ck_assert_int_eq(o.n, fillers + WRITERS * PER_WRITER * 2);
	ck_assert_msg(o.older == 0, "%d of %d events are not newer than the one before", o.older,
		      o.n);
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
	tcase_add_loop_test(
	    tc, test_concurrent_writers_keep_time_order_and_the_recipe_reads_each_event_once, 0, 2);
	tcase_add_test(tc, test_events_after_the_clock_stepped_back_still_come_after_the_last_one);
	suite_add_tcase(s, tc);
	return s;
}
