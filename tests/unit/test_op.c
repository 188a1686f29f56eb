/* The state/operation table (libctr/record/op.c): every operation against every state,
 * operation names and the refusal's message. No runtime: the table is plain data. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "ctr/ctr.h"
#include "error.h"
#include "op.h"
#include "tests.h"

#define N_STATES 8 /* CTR_STATE_UNKNOWN .. CTR_STATE_REMOVING */

/* What each operation is allowed from, written out here from the seeds' rules (libpod's
 * container_api.go) and the places where libctr chose otherwise (docs/design.md), not
 * from the library's table. One column per state, in the enum's order:
 *   unknown configured created running stopped paused exited removing */
static const struct {
	const char *op;
	const char *allowed; /* 'y' allowed, '-' refused */
} expect[] = {
	{ "init", "-y--y-y-" },	 /* configured, stopped, exited */
	{ "start", "-yy-y-y-" }, /* and created: `start` of the runtime */
	{ "stop", "--yy-y--" },	 /* stopped/exited answer CTR_E_STOPPED first; paused:
				  * design.md "Pause" */
	{ "kill", "---y-y--" },	 /* paused: design.md "Pause" */
	{ "pause", "---y----" },   { "unpause", "-----y--" },
	{ "restart", "-yyyyyy-" }, /* a stop of what runs, then a start */
	{ "cleanup", "-y--y-y-" }, /* not while a monitor holds it */
	{ "remove", "-yy-y-y-" },  /* running/paused: stop first (or CTR_FORCE) */
	{ "exec", "---y----" },	   { "checkpoint", "---y----" },
	{ "restore", "-y--y-y-" }, /* as init */
	{ "attach", "--yy----" },  { "resize", "--yy----" },
	{ "mount", "-yyyyyy-" }, /* never while it is being removed */
	{ "unmount", "-yyyyyy-" },
};

#define N_EXPECT (sizeof(expect) / sizeof(expect[0]))

static const char *const state_text[N_STATES] = { "unknown", "configured", "created", "running",
						  "stopped", "paused",	   "exited",  "removing" };

static enum ctri_op op_of(const char *name)
{
	enum ctri_op op;

	ck_assert_msg(ctri_op_parse(name, &op) == 0, "no operation named \"%s\"", name);
	return op;
}

START_TEST(test_every_operation_in_every_state_is_allowed_or_refused_as_the_rules_say)
{
	for (size_t i = 0; i < N_EXPECT; i++) {
		enum ctri_op op = op_of(expect[i].op);
		for (int s = 0; s < N_STATES; s++) {
			int want = expect[i].allowed[s] == 'y';
			ck_assert_msg(ctri_op_allowed(op, (ctr_state_t)s) == want,
				      "%s from %s: want %s", expect[i].op, state_text[s],
				      want ? "allowed" : "refused");
			ctri_err(CTR_E_IO, "marker");
			int r = ctri_state_check("web", op, (ctr_state_t)s);
			ck_assert_msg(r == (want ? 0 : CTR_E_STATE), "%s from %s: %d", expect[i].op,
				      state_text[s], r);
			if (want) /* an allowed operation leaves the message alone */
				ck_assert_str_eq(ctr_last_error(), "marker");
		}
	}
}
END_TEST

START_TEST(test_the_table_above_covers_every_operation_once)
{
	ck_assert_uint_eq(N_EXPECT, CTRI_OP__COUNT);
	for (int op = 0; op < CTRI_OP__COUNT; op++) {
		int found = 0;
		for (size_t i = 0; i < N_EXPECT; i++)
			found += !strcmp(expect[i].op, ctri_op_name((enum ctri_op)op));
		ck_assert_msg(found == 1, "operation %d (%s) has %d rows", op,
			      ctri_op_name((enum ctri_op)op), found);
	}
}
END_TEST

START_TEST(test_a_refusal_names_the_container_the_operation_and_the_state)
{
	char want[128];

	for (size_t i = 0; i < N_EXPECT; i++)
		for (int s = 0; s < N_STATES; s++) {
			if (expect[i].allowed[s] == 'y')
				continue;
			ck_assert_int_eq(
			    ctri_state_check("web", op_of(expect[i].op), (ctr_state_t)s),
			    CTR_E_STATE);
			snprintf(want, sizeof(want), "container web: cannot %s: container is %s",
				 expect[i].op, state_text[s]);
			ck_assert_msg(!strncmp(ctr_last_error(), want, strlen(want)),
				      "\"%s\" does not begin with \"%s\"", ctr_last_error(), want);
		}
}
END_TEST

/* The messages as they were before the table: bindings and users may match on them. */
START_TEST(test_refusals_keep_the_messages_the_operations_gave_before_the_table)
{
	static const struct {
		const char *op;
		ctr_state_t state;
		const char *msg;
	} cases[] = {
		{ "init", CTR_STATE_RUNNING,
		  "container web: cannot init: container is running: already created in the "
		  "runtime" },
		{ "start", CTR_STATE_PAUSED, "container web: cannot start: container is paused" },
		{ "stop", CTR_STATE_CONFIGURED,
		  "container web: cannot stop: container is configured" },
		{ "kill", CTR_STATE_CREATED,
		  "container web: cannot kill: container is created: only running or paused "
		  "containers can be killed" },
		{ "pause", CTR_STATE_STOPPED,
		  "container web: cannot pause: container is stopped, not running" },
		{ "unpause", CTR_STATE_RUNNING,
		  "container web: cannot unpause: container is running, not paused" },
		{ "cleanup", CTR_STATE_RUNNING,
		  "container web: cannot cleanup: container is running, refusing to clean up" },
		{ "remove", CTR_STATE_PAUSED,
		  "container web: cannot remove: container is paused (stop it first or use "
		  "CTR_FORCE)" },
		{ "exec", CTR_STATE_CREATED,
		  "container web: cannot exec: container is created: exec needs it running" },
		{ "checkpoint", CTR_STATE_EXITED,
		  "container web: cannot checkpoint: container is exited: only running "
		  "containers can be checkpointed" },
		{ "restore", CTR_STATE_RUNNING,
		  "container web: cannot restore: container is running: only a container that "
		  "does not run can be restored" },
		{ "attach", CTR_STATE_PAUSED,
		  "container web: cannot attach: container is paused: only created or running "
		  "containers can be attached" },
		{ "resize", CTR_STATE_CONFIGURED,
		  "container web: cannot resize: container is configured" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(ctri_state_check("web", op_of(cases[i].op), cases[i].state),
				 CTR_E_STATE);
		ck_assert_str_eq(ctr_last_error(), cases[i].msg);
	}
}
END_TEST

START_TEST(test_states_out_of_range_are_refused_as_unknown)
{
	ck_assert_int_eq(ctri_op_allowed(CTRI_OP_MOUNT, (ctr_state_t)42), 0);
	ck_assert_int_eq(ctri_op_allowed(CTRI_OP_MOUNT, (ctr_state_t)-1), 0);
	ck_assert_int_eq(ctri_state_check("web", CTRI_OP_START, (ctr_state_t)42), CTR_E_STATE);
	ck_assert_str_eq(ctr_last_error(), "container web: cannot start: container is unknown");
}
END_TEST

START_TEST(test_every_name_parses_back_to_its_operation)
{
	for (int op = 0; op < CTRI_OP__COUNT; op++) {
		enum ctri_op back = CTRI_OP__COUNT;
		ck_assert_int_eq(ctri_op_parse(ctri_op_name((enum ctri_op)op), &back), 0);
		ck_assert_int_eq(back, op);
	}
}
END_TEST

/* State records on disk name their owner's operation with these strings: they must keep
 * meaning the same operations. */
START_TEST(test_owner_names_stored_in_state_records_still_parse)
{
	static const struct {
		const char *stored;
		enum ctri_op op;
	} owners[] = {
		{ "init", CTRI_OP_INIT },	{ "start", CTRI_OP_START },
		{ "restart", CTRI_OP_RESTART }, { "restore", CTRI_OP_RESTORE },
		{ "stop", CTRI_OP_STOP },	{ "cleanup", CTRI_OP_CLEANUP },
		{ "remove", CTRI_OP_REMOVE },
	};

	for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++) {
		enum ctri_op op = CTRI_OP__COUNT;
		ck_assert_int_eq(ctri_op_parse(owners[i].stored, &op), 0);
		ck_assert_int_eq(op, owners[i].op);
		ck_assert_str_eq(ctri_op_name(owners[i].op), owners[i].stored);
	}
}
END_TEST

START_TEST(test_unknown_names_are_rejected_without_a_message)
{
	static const char *const bad[] = { "",		"Init",	 "init ",   " start", "stopped",
					   "exec kill", "bogus", "unknown", "resume" };
	enum ctri_op op = CTRI_OP_KILL;

	ctri_err(CTR_E_IO, "marker");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(ctri_op_parse(bad[i], &op) == CTR_E_INVAL, "\"%s\" parsed", bad[i]);
		ck_assert_int_eq(op, CTRI_OP_KILL); /* untouched */
	}
	ck_assert_int_eq(ctri_op_parse(NULL, &op), CTR_E_INVAL);
	ck_assert_str_eq(ctr_last_error(), "marker");
	ck_assert_str_eq(ctri_op_name(CTRI_OP__COUNT), "unknown");
	ck_assert_str_eq(ctri_op_name((enum ctri_op) - 1), "unknown");
}
END_TEST

Suite *suite_op(void)
{
	Suite *s = suite_create("op");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc,
		       test_every_operation_in_every_state_is_allowed_or_refused_as_the_rules_say);
	tcase_add_test(tc, test_the_table_above_covers_every_operation_once);
	tcase_add_test(tc, test_states_out_of_range_are_refused_as_unknown);
	suite_add_tcase(s, tc);

	tc = tcase_create("messages");
	tcase_add_test(tc, test_a_refusal_names_the_container_the_operation_and_the_state);
	tcase_add_test(tc, test_refusals_keep_the_messages_the_operations_gave_before_the_table);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_test(tc, test_every_name_parses_back_to_its_operation);
	tcase_add_test(tc, test_owner_names_stored_in_state_records_still_parse);
	tcase_add_test(tc, test_unknown_names_are_rejected_without_a_message);
	suite_add_tcase(s, tc);
	return s;
}
