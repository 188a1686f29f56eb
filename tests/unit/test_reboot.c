/* After a reboot (here: the boot id in the store changed) every container is reset once, on
 * the first open: nothing of the last boot runs any more. */
#include "container_fixture.h"

/* Reopen rt over the same directories as if the machine had booted again. */
static void reboot(void)
{
	json_object *meta = json_object_new_object();

	json_object_object_add(meta, "format", json_object_new_int(1));
	json_object_object_add(meta, "boot_id",
			       json_object_new_string("00000000-0000-0000-0000-000000000000"));
	ck_assert_int_eq(ctri_store_put(rt->store, "meta", meta, 0), 0);
	json_object_put(meta);
	char *state = strdup(rt->state_dir), *run = strdup(rt->run_dir);
	ctr_runtime_close(rt);
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state, .run_dir = run,
		 .flags = CTR_RUNTIME_NOSYNC);
	int r = ctr_runtime_open(&o, &rt);
	ck_assert_msg(r == 0, "reopen: %s", ctr_last_error());
	ck_assert_int_eq(ctr_runtime_rebooted(rt), 1);
	free(state);
	free(run);
}

static const char *member(ctr_container_t *c, const char *key)
{
	static char buf[64];
	json_object *o = inspect(c), *st, *v;

	buf[0] = 0;
	if (json_object_object_get_ex(o, "state", &st) && json_object_object_get_ex(st, key, &v))
		snprintf(buf, sizeof(buf), "%s", json_object_get_string(v));
	json_object_put(o);
	return buf;
}

START_TEST(test_a_reboot_resets_every_state_once)
{
	static const struct {
		const char *record;
		ctr_state_t want;
		const char *reset_from; /* "" when not reset */
		const char *exit_code;	/* "" when none */
	} cases[] = {
	    { "{\"state\":\"configured\"}", CTR_STATE_CONFIGURED, "", "" },
	    { "{\"state\":\"running\",\"pid\":4242,\"monitor_pid\":4241,\"monitor_start\":9}",
	      CTR_STATE_CONFIGURED, "running", "" },
	    { "{\"state\":\"running\",\"pid\":4242,\"monitor_pid\":4241,\"monitor_start\":9,"
	      "\"finished_at\":1,\"exit_code\":3,\"signal\":0,\"oom\":false}",
	      CTR_STATE_EXITED, "running", "3" },
	    { "{\"state\":\"created\",\"pid\":4242,\"monitor_pid\":4241,\"monitor_start\":9}",
	      CTR_STATE_CONFIGURED, "created", "" },
	    { "{\"state\":\"paused\",\"pid\":4242,\"monitor_pid\":4241,\"monitor_start\":9}",
	      CTR_STATE_CONFIGURED, "paused", "" },
	    { "{\"state\":\"stopped\",\"finished_at\":1,\"exit_code\":5,\"signal\":0,\"oom\":false}",
	      CTR_STATE_EXITED, "", "5" },
	    { "{\"state\":\"exited\",\"finished_at\":1,\"exit_code\":6,\"signal\":0,\"oom\":false}",
	      CTR_STATE_EXITED, "", "6" },
	    { "{\"state\":\"configured\",\"owner\":{\"op\":\"start\",\"pid\":1,\"start\":1,"
	      "\"boot_id\":\"x\",\"from\":\"configured\"}}",
	      CTR_STATE_CONFIGURED, "", "" },
	};
	ctr_container_t *c[8];
	char id[8][CTRI_ID_LEN + 1];
	size_t n = sizeof(cases) / sizeof(cases[0]);

	for (size_t i = 0; i < n; i++) {
		c[i] = create(NULL);
		snprintf(id[i], sizeof(id[i]), "%s", ctr_id(c[i]));
		put_state(c[i], cases[i].record);
	}
	ctr_container_t *removing = create("removing");
	put_state(removing, "{\"state\":\"removing\",\"owner\":{\"op\":\"remove\",\"pid\":1,"
			    "\"start\":1,\"boot_id\":\"x\",\"from\":\"exited\"}}");
	char *stale = tu_path("state/../run/exits/stale"); /* a last boot's exit file */
	FILE *f = fopen(stale, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);

	reboot();
	for (size_t i = 0; i < n; i++) {
		ctr_container_free(c[i]);
		ck_assert_int_eq(ctr_lookup(rt, id[i], &c[i]), 0);
		ck_assert_msg(state_of(c[i]) == cases[i].want, "%s -> %s", cases[i].record,
			      ctr_state_name(state_of(c[i])));
		ck_assert_str_eq(member(c[i], "reset_by_reboot"), cases[i].reset_from);
		ck_assert_str_eq(member(c[i], "exit_code"), cases[i].exit_code);
		ck_assert_str_eq(member(c[i], "pid"), "");
		ck_assert_str_eq(member(c[i], "owner"), "");
	}
	ctr_container_t *gone = NULL;
	ck_assert_int_eq(ctr_lookup(rt, "removing", &gone), CTR_E_NOENT);
	ck_assert_int_eq(access(stale, F_OK), -1);
	free(stale);

	/* The second open of the same boot changes nothing. */
	put_state(c[0], "{\"state\":\"running\",\"pid\":1,\"monitor_pid\":1,\"monitor_start\":1}");
	char *state = strdup(rt->state_dir), *run = strdup(rt->run_dir);
	ctr_runtime_t *again = NULL;
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state, .run_dir = run,
		 .flags = CTR_RUNTIME_NOSYNC);
	ck_assert_int_eq(ctr_runtime_open(&o, &again), 0);
	ck_assert_int_eq(ctr_runtime_rebooted(again), 0);
	ctr_runtime_close(again);
	char key[16 + CTRI_ID_LEN], *raw = NULL;
	snprintf(key, sizeof(key), "%s%s", CTRI_KEY_STATE, id[0]);
	ck_assert_int_eq(ctri_store_get_raw(rt->store, key, &raw, NULL), 0);
	ck_assert_msg(strstr(raw, "\"running\""), "reset again: %s", raw);
	free(raw);
	free(state);
	free(run);
	for (size_t i = 0; i < n; i++)
		ctr_container_free(c[i]);
	ctr_container_free(removing);
}
END_TEST

Suite *suite_reboot(void)
{
	Suite *s = suite_create("reboot");
	TCase *tc = tcase_create("reset");

	tu_add_fixtures(tc, container_teardown);
	tcase_add_checked_fixture(tc, container_setup, NULL);
	tcase_add_test(tc, test_a_reboot_resets_every_state_once);
	suite_add_tcase(s, tc);
	return s;
}
