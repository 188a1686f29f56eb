/* The runtime context handed to ctr-cleanup: what the library writes into the monitor's
 * environment, ctr-cleanup reads back into the same context, every option included. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup_ctx.h"
#include "runtime.h"
#include "runtime_open.h"
#include "tests.h"
#include "testutil.h"

/* The value of name in env, NULL if absent; asserts it is there at most once. */
static const char *env_get(char *const *env, const char *name)
{
	size_t len = strlen(name);
	const char *found = NULL;

	for (size_t i = 0; env[i]; i++)
		if (!strncmp(env[i], name, len) && env[i][len] == '=') {
			ck_assert_msg(!found, "%s twice in the environment", name);
			found = env[i] + len + 1;
		}
	return found;
}

static void assert_same_context(const ctr_runtime_t *a, const ctr_runtime_t *b)
{
	ck_assert_str_eq(a->state_dir, b->state_dir);
	ck_assert_str_eq(a->run_dir, b->run_dir);
	ck_assert_str_eq(a->oci_runtime, b->oci_runtime);
	ck_assert_str_eq(a->monitor_path, b->monitor_path);
	ck_assert_str_eq(a->cleanup_path, b->cleanup_path);
	ck_assert_uint_eq(a->timeout_ms, b->timeout_ms);
	ck_assert_uint_eq(a->flags, b->flags);
}

START_TEST(test_the_context_round_trips_every_option)
{
	char *state = tu_path("state"), *run = tu_path("run");
	ctr_runtime_t *rt = NULL, *back = NULL;
	struct ctri_cleanup_ctx ctx;

	/* Every option away from its default; ctr-cleanup's path from the environment. */
	setenv("CTR_CLEANUP", "/opt/ctr/ctr-cleanup", 1);
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state, .run_dir = run,
		 .oci_runtime = "/opt/ctr/runc", .monitor_path = "/opt/ctr/ctr-monitor",
		 .flags = CTR_RUNTIME_NOSYNC, .runtime_timeout_ms = 1234);
	int r = ctr_runtime_open(&o, &rt);
	ck_assert_msg(r == 0, "open: %s", ctr_last_error());

	/* The monitor's environment: the caller's, without a context it inherited. */
	char *base[] = { "PATH=/bin", "CTR_MONITOR=/elsewhere/ctr-monitor",
			 "CTR_CLEANUP_CONTEXT={\"stale\":1}", "CTR_CLEANUP_STATE_DIR=/old", NULL };
	char **env = ctri_cleanup_ctx_env(rt, base);
	ck_assert_ptr_nonnull(env);
	ck_assert_str_eq(env_get(env, "PATH"), "/bin");
	ck_assert_str_eq(env_get(env, "CTR_MONITOR"), "/elsewhere/ctr-monitor");
	ck_assert_ptr_null(env_get(env, "CTR_CLEANUP_STATE_DIR"));
	const char *text = env_get(env, CTRP_CLEANUP_CTX_ENV);
	ck_assert_ptr_nonnull(text);

	r = ctri_cleanup_ctx_parse(text, &ctx);
	ck_assert_msg(r == 0, "parse %s: %s", text, ctr_last_error());
	ck_assert_uint_eq(ctx.opts.sz, sizeof(ctr_runtime_opts_t));
	ck_assert_str_eq(ctx.opts.state_dir, state);
	ck_assert_str_eq(ctx.opts.run_dir, run);
	ck_assert_str_eq(ctx.opts.oci_runtime, "/opt/ctr/runc");
	ck_assert_str_eq(ctx.opts.monitor_path, "/opt/ctr/ctr-monitor");
	ck_assert_str_eq(ctx.cleanup_path, "/opt/ctr/ctr-cleanup");
	ck_assert_uint_eq(ctx.opts.flags, CTR_RUNTIME_NOSYNC);
	ck_assert_uint_eq(ctx.opts.runtime_timeout_ms, 1234);

	/* What ctr-cleanup opens is the same context, whatever its environment says. */
	setenv("CTR_MONITOR", "/elsewhere/ctr-monitor", 1);
	setenv("CTR_CLEANUP", "/elsewhere/ctr-cleanup", 1);
	r = ctri_runtime_open(&ctx.opts, ctx.cleanup_path, &back);
	ck_assert_msg(r == 0, "open the context: %s", ctr_last_error());
	assert_same_context(rt, back);

	/* And so is what it would hand on to the next run's monitor. */
	char **again = ctri_cleanup_ctx_env(back, base);
	ck_assert_ptr_nonnull(again);
	ck_assert_str_eq(env_get(again, CTRP_CLEANUP_CTX_ENV), text);
	unsetenv("CTR_MONITOR");
	unsetenv("CTR_CLEANUP");
	ctri_cleanup_ctx_env_free(again);
	ctri_cleanup_ctx_env_free(env);
	ctri_cleanup_ctx_release(&ctx);
	ctr_runtime_close(back);
	ctr_runtime_close(rt);
	free(state);
	free(run);
}
END_TEST

/* The defaults are carried as the values they resolved to, not as "the default" that
 * ctr-cleanup would resolve again in its own environment. */
START_TEST(test_the_context_carries_resolved_defaults)
{
	char *state = tu_path("state"), *run = tu_path("run");
	ctr_runtime_t *rt = NULL;
	struct ctri_cleanup_ctx ctx;
	char *base[] = { NULL };

	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state, .run_dir = run);
	ck_assert_int_eq(ctr_runtime_open(&o, &rt), 0);
	char **env = ctri_cleanup_ctx_env(rt, base);
	ck_assert_ptr_nonnull(env);
	ck_assert_int_eq(ctri_cleanup_ctx_parse(env_get(env, CTRP_CLEANUP_CTX_ENV), &ctx), 0);
	ck_assert_uint_eq(ctx.opts.runtime_timeout_ms, rt->timeout_ms);
	ck_assert_uint_ne(ctx.opts.runtime_timeout_ms, 0);
	ck_assert_str_eq(ctx.opts.oci_runtime, rt->oci_runtime);
	ck_assert_str_eq(ctx.opts.monitor_path, rt->monitor_path);
	ck_assert_str_eq(ctx.cleanup_path, rt->cleanup_path);
	ctri_cleanup_ctx_release(&ctx);
	ctri_cleanup_ctx_env_free(env);
	ctr_runtime_close(rt);
	free(state);
	free(run);
}
END_TEST

static void assert_refused(const char *text, const char *needle)
{
	struct ctri_cleanup_ctx ctx = { .json = NULL };
	int r = ctri_cleanup_ctx_parse(text, &ctx);

	ck_assert_msg(r == CTR_E_INVAL, "parse %s: %d", text ? text : "NULL", r);
	ck_assert_msg(strstr(ctr_last_error(), needle), "'%s' not in '%s'", needle,
		      ctr_last_error());
	ck_assert_ptr_null(ctx.json);
}

#define GOOD_BUT(rest)                                                                             \
	"{\"state_dir\":\"/s\",\"run_dir\":\"/r\",\"oci_runtime\":\"runc\","                       \
	"\"monitor_path\":\"/m\",\"cleanup_path\":\"/c\"" rest "}"

/* A context ctr-cleanup cannot read fully is refused, naming what is wrong: a setting it
 * would drop or guess is what lost restarts before. */
START_TEST(test_a_bad_context_is_refused_naming_what)
{
	struct ctri_cleanup_ctx ctx;

	ck_assert_int_eq(
	    ctri_cleanup_ctx_parse(GOOD_BUT(",\"runtime_timeout_ms\":5,\"flags\":0"), &ctx), 0);
	ctri_cleanup_ctx_release(&ctx);
	assert_refused(NULL, "CTR_CLEANUP_CONTEXT is not set");
	assert_refused("[1]", "not a JSON object");
	assert_refused("{", "not a JSON object");
	assert_refused(GOOD_BUT(",\"flags\":0"), "runtime_timeout_ms is missing");
	assert_refused(GOOD_BUT(",\"runtime_timeout_ms\":\"5\",\"flags\":0"),
		       "runtime_timeout_ms is not an unsigned integer");
	assert_refused(GOOD_BUT(",\"runtime_timeout_ms\":-1,\"flags\":0"),
		       "runtime_timeout_ms is not an unsigned integer");
	assert_refused(GOOD_BUT(",\"runtime_timeout_ms\":5,\"flags\":4294967296"),
		       "flags is not an unsigned integer");
	assert_refused("{\"state_dir\":7}", "state_dir is not a string");
	assert_refused(GOOD_BUT(",\"runtime_timeout_ms\":5,\"flags\":0,\"log_level\":1"),
		       "log_level is unknown");
}
END_TEST

Suite *suite_cleanup_ctx(void)
{
	Suite *s = suite_create("cleanup_ctx");
	TCase *tc = tcase_create("context");

	tu_add_fixtures(tc, NULL);
	tcase_add_test(tc, test_the_context_round_trips_every_option);
	tcase_add_test(tc, test_the_context_carries_resolved_defaults);
	tcase_add_test(tc, test_a_bad_context_is_refused_naming_what);
	suite_add_tcase(s, tc);
	return s;
}
