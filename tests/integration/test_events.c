/* Events: every successful operation leaves one, failures none; filters; follow wakes on
 * new events without polling; a torn line, a truncated or removed log and a rotation do not
 * stop a reader. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "itest.h"

struct seen {
	char types[64][16];
	char attrs[64][128];
	int n;
	int stop_after; /* follow: stop after this many */
};

static int record(const ctr_event_t *ev, void *ud)
{
	struct seen *s = ud;

	if (s->n < 64) {
		snprintf(s->types[s->n], sizeof(s->types[0]), "%s", ev->type);
		snprintf(s->attrs[s->n], sizeof(s->attrs[0]), "%s", ev->attributes);
	}
	s->n++;
	return s->stop_after && s->n >= s->stop_after;
}

/* The types of c's events, space-separated. */
static const char *types_of(ctr_runtime_t *rt, const char *name, const char *type,
			    struct seen *s)
{
	static char buf[1024];

	memset(s, 0, sizeof(*s));
	CTR_OPTS(ctr_events_opts_t, o, .container = name, .type = type);
	IT_OK(ctr_events(rt, &o, record, s));
	buf[0] = 0;
	for (int i = 0; i < s->n && i < 64; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? " " : "",
			 s->types[i]);
	return buf;
}

static ctr_container_t *named(const char *name, const char *script)
{
	ctr_config_t *cfg = it_config(script);

	ck_assert_int_eq(ctr_config_set_name(cfg, name), 0);
	return it_create(it_rt, cfg);
}

START_TEST(test_each_operation_leaves_one_event)
{
	ctr_container_t *c = named("ev", "touch /shared/ready; " IT_LOOP);
	ctr_container_t *other = named("other", "exit 3");
	struct seen s;

	IT_OK(ctr_init(c, 0));
	IT_OK(ctr_start(c, 0));
	IT_FAILS(ctr_start(c, 0), CTR_E_STATE); /* failures leave nothing */
	it_take_file("ready", IT_GUARD_MS);
	IT_OK(ctr_kill(c, SIGKILL));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 137);
	IT_OK(ctr_cleanup(c));
	IT_OK(ctr_restart(c, 0));
	IT_OK(ctr_stop(c, 0));
	IT_OK(ctr_remove(c, 0));
	IT_OK(ctr_start(other, 0));
	ck_assert_int_eq(it_wait(other, IT_GUARD_MS), 3);

	ck_assert_str_eq(types_of(it_rt, "ev", NULL, &s),
			 "create init start kill died cleanup start restart died stop remove");
	ck_assert_str_eq(types_of(it_rt, "other", NULL, &s), "create start died");
	ck_assert_msg(strstr(s.attrs[2], "\"exit_code\":3"), "died: %s", s.attrs[2]);
	ck_assert_str_eq(types_of(it_rt, NULL, "died", &s), "died died died");
	ck_assert_msg(strstr(s.attrs[0], "\"signal\":9"), "died: %s", s.attrs[0]);
	ck_assert_str_eq(types_of(it_rt, ctr_id(other), "create", &s), "create");

	/* since/until: the window of the other container's run */
	memset(&s, 0, sizeof(s));
	CTR_OPTS(ctr_events_opts_t, o, .until_ns = 1);
	IT_OK(ctr_events(it_rt, &o, record, &s));
	ck_assert_int_eq(s.n, 0);
	IT_OK(ctr_remove(other, 0));
	ctr_container_free(other);
	ctr_container_free(c);
}
END_TEST

struct follower {
	ctr_runtime_t *rt;
	struct seen s;
	int r;
};

static void *follow_main(void *p)
{
	struct follower *f = p;
	CTR_OPTS(ctr_events_opts_t, o, .type = "died", .flags = CTR_EVENTS_FOLLOW);

	f->r = ctr_events(f->rt, &o, record, &f->s);
	return NULL;
}

START_TEST(test_follow_wakes_on_new_events)
{
	struct follower f = { .rt = it_rt, .s = { .stop_after = 2 } };
	pthread_t th;
	char path[4096];

	ck_assert_int_eq(pthread_create(&th, NULL, follow_main, &f), 0);
	/* a's long name makes its events outweigh b's (one line each) */
	ctr_container_t *a =
	    named("a-whose-name-is-longer-than-that-of-b-by-sixty-bytes-or-more", "exit 1");
	IT_OK(ctr_start(a, 0));
	ck_assert_int_eq(it_wait(a, IT_GUARD_MS), 1);
	double t0 = it_now();
	/* what a truncation cuts, nobody reads */
	while (f.s.n < 1 && it_now() - t0 < IT_GUARD_MS / 1000.0)
		it_sleep_ms(10);
	ck_assert_int_eq(f.s.n, 1);
	/* The log goes away and comes back under the follower. */
	snprintf(path, sizeof(path), "%s/state/events.log", it_base());
	ck_assert_int_eq(truncate(path, 0), 0);
	/* A reader notices a truncation when the file is shorter than what it has read: b's
	 * events keep it so, whenever the follower looks. */
	ctr_container_t *b = named("b", "exit 2");
	IT_OK(ctr_start(b, 0));
	ck_assert_int_eq(it_wait(b, IT_GUARD_MS), 2);
	t0 = it_now();
	while (f.s.n < 2 && it_now() - t0 < IT_GUARD_MS / 1000.0)
		it_sleep_ms(10);
	ck_assert_int_eq(f.s.n, 2);
	pthread_join(th, NULL);
	ck_assert_int_eq(f.r, 1);
	ck_assert_msg(strstr(f.s.attrs[1], "\"exit_code\":2"), "%s", f.s.attrs[1]);
	IT_OK(ctr_remove(a, 0));
	IT_OK(ctr_remove(b, 0));
	ctr_container_free(a);
	ctr_container_free(b);
}
END_TEST

START_TEST(test_a_torn_line_and_a_removed_log_are_survived)
{
	char path[4096];
	struct seen s;

	snprintf(path, sizeof(path), "%s/state/events.log", it_base());
	ctr_container_t *a = named("a", "exit 0");
	FILE *f = fopen(path, "a");
	ck_assert_ptr_nonnull(f);
	fputs("{\"time\":1,\"type\":\"cre", f); /* a crash in the middle of a write */
	fclose(f);
	ctr_container_t *b = named("b", "exit 0");
	ck_assert_str_eq(types_of(it_rt, NULL, "create", &s), "create create");
	ck_assert_int_eq(unlink(path), 0);
	IT_OK(ctr_remove(a, 0));
	ck_assert_str_eq(types_of(it_rt, NULL, NULL, &s), "remove");
	int fd = ctr_events_fd(it_rt);
	ck_assert_int_ge(fd, 0);
	IT_OK(ctr_remove(b, 0));
	ck_assert_msg(it_now() > 0 && access(path, F_OK) == 0, "no log");
	close(fd);
	ctr_container_free(a);
	ctr_container_free(b);
}
END_TEST

START_TEST(test_a_full_log_is_rotated_and_both_are_read)
{
	char path[4096], old[4096];
	struct seen s;
	struct stat st;

	snprintf(path, sizeof(path), "%s/state/events.log", it_base());
	snprintf(old, sizeof(old), "%s/state/events.log.1", it_base());
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 70000; i++) /* ~4.9 MB of another program's events */
		fprintf(f, "{\"time\":%d,\"type\":\"filler\",\"id\":\"x\",\"name\":\"y\","
			   "\"attributes\":{}}\n", i + 1);
	fclose(f);
	ctr_container_t *a = named("a", "exit 0"); /* its event fills the log: rotation */
	ck_assert_int_eq(stat(old, &st), 0);
	ck_assert_int_ne(stat(path, &st), 0);
	IT_OK(ctr_remove(a, 0)); /* a new log */
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_lt(st.st_size, 1024);
	ck_assert_str_eq(types_of(it_rt, "a", NULL, &s), "create remove");
	types_of(it_rt, NULL, "filler", &s);
	ck_assert_int_eq(s.n, 70000);
	ctr_container_free(a);
}
END_TEST

Suite *suite_events(void)
{
	Suite *s = suite_create("events");
	TCase *tc = tcase_create("events");

	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_set_timeout(tc, 40);
	tcase_add_test(tc, test_each_operation_leaves_one_event);
	tcase_add_test(tc, test_follow_wakes_on_new_events);
	tcase_add_test(tc, test_a_torn_line_and_a_removed_log_are_survived);
	tcase_add_test(tc, test_a_full_log_is_rotated_and_both_are_read);
	suite_add_tcase(s, tc);
	return s;
}
