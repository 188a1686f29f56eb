/* The conventions include/ctr/ctr.h promises for every call: options structs checked up to
 * the end of their last field (padding included) and zeroed by CTR_OPTS(), unknown flags
 * refused, and ctr_inspect()'s text (times as RFC 3339 in UTC with nanoseconds, slashes as
 * they are). */
#include <json-c/json.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "testutil.h"

#define END_OF(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))

static ctr_container_t *configured(ctr_runtime_t *rt)
{
	ctr_config_t *cfg = tu_config(NULL);
	ctr_container_t *c = NULL;

	TU_OK(ctr_create(rt, cfg, &c));
	ctr_config_free(cfg);
	return c;
}

static int drop_event(const ctr_event_t *ev, void *ud)
{
	(void)ev;
	(void)ud;
	return 0;
}

static int drop_line(const ctr_log_line_t *ln, void *ud)
{
	(void)ln;
	(void)ud;
	return 0;
}

/* Each call that takes an options struct, given a buffer in its place. */
enum call {
	RUNTIME_OPEN,
	EVENTS,
	LOGS,
	ATTACH,
	EXEC,
	CHECKPOINT,
	RESTORE,
	IMAGE_IMPORT,
	IMAGE_PULL,
	N_CALLS
};

static int call_with(enum call k, ctr_runtime_t *rt, ctr_container_t *c, const void *opts)
{
	ctr_runtime_t *other = NULL;
	char *id = NULL;
	int r = CTR_E_INVAL;

	switch (k) {
	case RUNTIME_OPEN:
		if ((r = ctr_runtime_open(opts, &other)) == 0)
			ctr_runtime_close(other);
		break;
	case EVENTS:
		r = ctr_events(rt, opts, drop_event, NULL);
		break;
	case LOGS:
		r = ctr_logs(c, opts, drop_line, NULL);
		break;
	case ATTACH:
		r = ctr_attach(c, opts);
		break;
	case EXEC:
		if ((r = ctr_exec_create(c, opts, &id)) == 0)
			ctr_free(id);
		break;
	case CHECKPOINT:
		r = ctr_checkpoint(c, opts);
		break;
	case RESTORE:
		r = ctr_restore(c, opts);
		break;
	case IMAGE_IMPORT: /* fails after the options: no such path */
		r = ctr_image_import(rt, "/nonexistent/image", opts, NULL);
		break;
	case IMAGE_PULL: /* skopeo fails (or is missing) after the options */
		r = ctr_image_pull(rt, "oci:/nonexistent/image:1", opts, NULL);
		break;
	case N_CALLS:
		break;
	}
	return r;
}

/* The size of each struct and the end of its last field. */
static const struct {
	const char *name;
	size_t size, end;
} opts_types[N_CALLS] = {
	[RUNTIME_OPEN] = { "ctr_runtime_opts_t", sizeof(ctr_runtime_opts_t),
			   END_OF(ctr_runtime_opts_t, runtime_timeout_ms) },
	[EVENTS] = { "ctr_events_opts_t", sizeof(ctr_events_opts_t),
		     END_OF(ctr_events_opts_t, flags) },
	[LOGS] = { "ctr_logs_opts_t", sizeof(ctr_logs_opts_t), END_OF(ctr_logs_opts_t, tail) },
	[ATTACH] = { "ctr_attach_opts_t", sizeof(ctr_attach_opts_t),
		     END_OF(ctr_attach_opts_t, detach_keys) },
	[EXEC] = { "ctr_exec_opts_t", sizeof(ctr_exec_opts_t),
		   END_OF(ctr_exec_opts_t, n_preserve_fds) },
	[CHECKPOINT] = { "ctr_checkpoint_opts_t", sizeof(ctr_checkpoint_opts_t),
			 END_OF(ctr_checkpoint_opts_t, name) },
	[RESTORE] = { "ctr_restore_opts_t", sizeof(ctr_restore_opts_t),
		      END_OF(ctr_restore_opts_t, name) },
	[IMAGE_IMPORT] = { "ctr_image_import_opts_t", sizeof(ctr_image_import_opts_t),
			   END_OF(ctr_image_import_opts_t, flags) },
	[IMAGE_PULL] = { "ctr_image_pull_opts_t", sizeof(ctr_image_pull_opts_t),
			 END_OF(ctr_image_pull_opts_t, timeout_ms) },
};

/* A non-zero byte anywhere from the end of the last field to sz (the tail padding of the
 * type, or past the type) is refused, naming its offset: a later version's field there can
 * never be taken for an old caller's garbage. */
START_TEST(test_options_structs_refuse_a_byte_past_their_last_field)
{
	enum call k = (enum call)_i;
	ctr_runtime_t *rt = tu_runtime();
	ctr_container_t *c = configured(rt);
	size_t size = opts_types[k].size, end = opts_types[k].end, sz = size + 16;
	unsigned char *buf = calloc(1, sz);
	char want[64];

	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_ge(size, end);
	memcpy(buf, &sz, sizeof(sz));
	for (size_t at = end; at < sz; at += (at + 1 < size ? 1 : 8)) {
		buf[at] = 0x5a;
		int r = call_with(k, rt, c, buf);
		ck_assert_msg(r == CTR_E_INVAL,
			      "%s with a byte at %zu (last field ends at %zu): %d %s",
			      opts_types[k].name, at, end, r, ctr_last_error());
		snprintf(want, sizeof(want), "offset %zu", at);
		TU_SAYS(want);
		buf[at] = 0;
	}
	free(buf);
	ctr_container_free(c);
	ctr_runtime_close(rt);
}
END_TEST

/* A struct that ends at its last field (a caller that does not count the padding) is
 * accepted: the library reads nothing past the last field. */
START_TEST(test_options_structs_that_end_at_their_last_field_are_accepted)
{
	enum call k = (enum call)_i;
	ctr_runtime_t *rt = tu_runtime();
	ctr_container_t *c = configured(rt);
	size_t end = opts_types[k].end;
	unsigned char *buf = calloc(1, opts_types[k].size);

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, &end, sizeof(end));
	int r = call_with(k, rt, c, buf);
	/* The calls fail for other reasons (nothing runs, no checkpoint): never the options. */
	ck_assert_msg(r == 0 || !strstr(ctr_last_error(), "opts"), "%s of %zu bytes: %d %s",
		      opts_types[k].name, end, r, ctr_last_error());
	free(buf);
	ctr_container_free(c);
	ctr_runtime_close(rt);
}
END_TEST

__attribute__((noinline)) static void dirty_stack(void)
{
	volatile unsigned char junk[4096];

	memset((void *)junk, 0xa5, sizeof(junk));
}

__attribute__((noinline)) static size_t nonzero_padding(void)
{
	CTR_OPTS(ctr_events_opts_t, o, .type = "start", .since_ns = 1);
	const unsigned char *p = (const unsigned char *)&o;
	size_t bad = 0;

	for (size_t i = END_OF(ctr_events_opts_t, flags); i < sizeof(o); i++)
		bad += p[i] != 0;
	return bad;
}

START_TEST(test_ctr_opts_zeroes_the_padding)
{
	dirty_stack();
	ck_assert_uint_eq(nonzero_padding(), 0);
}
END_TEST

START_TEST(test_unknown_flags_are_refused)
{
	ctr_runtime_t *rt = tu_runtime();
	ctr_container_t *c = configured(rt);
	CTR_OPTS(ctr_events_opts_t, eo, .flags = 0x2);
	CTR_OPTS(ctr_restore_opts_t, ro, .flags = 0x8); /* was IGNORE_STATIC_IP: no networks yet */
	CTR_OPTS(ctr_image_import_opts_t, io, .flags = 0x1);
	CTR_OPTS(ctr_image_pull_opts_t, po, .flags = 0x2);

	TU_FAILS(ctr_unmount(c, 0x1), CTR_E_INVAL);
	TU_SAYS("unknown flags");
	TU_FAILS(ctr_events(rt, &eo, drop_event, NULL), CTR_E_INVAL);
	TU_SAYS("unknown flags");
	TU_FAILS(ctr_restore(c, &ro), CTR_E_INVAL);
	TU_SAYS("unknown flags");
	TU_FAILS(ctr_image_import(rt, "/nonexistent/image", &io, NULL), CTR_E_INVAL);
	TU_SAYS("unknown flags");
	TU_FAILS(ctr_image_pull(rt, "oci:/nonexistent/image:1", &po, NULL), CTR_E_INVAL);
	TU_SAYS("unknown flags");
	TU_FAILS(ctr_image_remove(rt, "nosuch", 0x1), CTR_E_INVAL);
	TU_SAYS("unknown flags");
	ctr_container_free(c);
	ctr_runtime_close(rt);
}
END_TEST

/* Every time member of o (at any depth) named as inspect's times are: an RFC 3339 time in
 * UTC with nanoseconds; the count of those found. */
static int check_times(json_object *o, const char *where)
{
	static const char *const keys[] = { "created", "changed", "started_at", "finished_at" };
	int n = 0;

	if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			n += check_times(json_object_array_get_idx(o, i), where);
		return n;
	}
	if (!json_object_is_type(o, json_type_object))
		return 0;
	json_object_object_foreach(o, key, v)
	{
		int is_time = 0;
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			is_time |= !strcmp(key, keys[i]);
		if (!is_time) {
			n += check_times(v, key);
			continue;
		}
		const char *s = json_object_get_string(v);
		int y, mo, d, h, mi, sec, len = 0;
		char frac[10];
		ck_assert_msg(json_object_is_type(v, json_type_string) &&
				  sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%9[0-9]Z%n", &y, &mo, &d, &h,
					 &mi, &sec, frac, &len) == 7 &&
				  len == 30 && strlen(s) == 30 && y >= 2024,
			      "%s.%s is not an RFC 3339 UTC time with ns: %s", where, key, s);
		n++;
	}
	return n;
}

START_TEST(test_inspect_gives_every_time_in_one_format_and_slashes_as_they_are)
{
	ctr_container_t *c = tu_sh(tu_host_rt, "touch ready; " TU_LOOP);
	const char *const argv[] = { "true", NULL };
	CTR_OPTS(ctr_exec_opts_t, eo, .argv = argv, .stdin_fd = -1, .stdout_fd = -1,
		 .stderr_fd = -1);
	char *id = NULL, *text = NULL;
	int code = -1;

	TU_OK(ctr_start(c, 0));
	tu_take_file("ready");
	TU_OK(ctr_exec_create(c, &eo, &id));
	TU_OK(ctr_exec_start(c, id));
	TU_OK(ctr_exec_wait(c, id, TU_GUARD_MS, &code));
	TU_OK(ctr_kill(c, SIGKILL));
	ck_assert_int_eq(tu_wait(c), 137);
	TU_OK(ctr_inspect(c, &text));
	ck_assert_msg(!strstr(text, "\\/"), "escaped slashes: %s", text);
	json_object *o = json_tokener_parse(text), *paths, *bundle;
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, "paths", &paths));
	ck_assert(json_object_object_get_ex(paths, "bundle", &bundle));
	ck_assert_msg(strstr(text, json_object_get_string(bundle)), "%s", text);
	/* created; state: changed, started_at, finished_at; the session: its times */
	int n = check_times(o, "inspect");
	ck_assert_msg(n >= 6, "%d times in %s", n, text);
	json_object_put(o);
	ctr_free(text);
	ctr_free(id);
	TU_OK(ctr_remove(c, CTR_FORCE));
	ctr_container_free(c);
}
END_TEST

Suite *suite_conventions(void)
{
	Suite *s = suite_create("conventions");
	TCase *tc = tcase_create("options");

	tu_add_fixtures(tc, NULL);
	tcase_add_loop_test(tc, test_options_structs_refuse_a_byte_past_their_last_field, 0,
			    N_CALLS);
	tcase_add_loop_test(tc, test_options_structs_that_end_at_their_last_field_are_accepted, 0,
			    N_CALLS);
	tcase_add_test(tc, test_ctr_opts_zeroes_the_padding);
	tcase_add_test(tc, test_unknown_flags_are_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("inspect");
	tu_add_host_fixtures(tc);
	tcase_add_test(tc, test_inspect_gives_every_time_in_one_format_and_slashes_as_they_are);
	suite_add_tcase(s, tc);
	return s;
}
