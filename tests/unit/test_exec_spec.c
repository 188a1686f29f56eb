/* An exec session's process: the environment merge of ctri_exec_merge_env(). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "exec_spec.h"
#include "tests.h"

static json_object *strings(const char *const *v)
{
	json_object *a = json_object_new_array();

	for (; *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

static const char *at(json_object *env, size_t i)
{
	return json_object_get_string(json_object_array_get_idx(env, i));
}

START_TEST(test_exec_env_overrides_by_name_in_place_and_appends_new_ones_in_order)
{
	static const char *const base[] = { "PATH=/bin", "NOEQ", "A=1", "B=2", "A=dup", NULL };
	static const char *const add[] = {
		"C=3", "A=x", "PATH=/usr/bin", "C=4", "D=", "AB=5", NULL
	};
	static const char *const want[] = { "PATH=/usr/bin", "NOEQ", "A=x",  "B=2", "A=dup",
					    "C=4",	     "D=",   "AB=5", NULL };
	json_object *proc = json_object_new_object(), *env, *a = strings(add);

	json_object_object_add(proc, "env", strings(base));
	ck_assert_int_eq(ctri_exec_merge_env(proc, a), 0);
	ck_assert(json_object_object_get_ex(proc, "env", &env));
	for (size_t i = 0; want[i]; i++)
		ck_assert_str_eq(at(env, i), want[i]);
	ck_assert_uint_eq(json_object_array_length(env), 8);
	json_object_put(a);
	json_object_put(proc);

	/* no env in the process: the exec's, once each */
	proc = json_object_new_object();
	a = strings(add);
	ck_assert_int_eq(ctri_exec_merge_env(proc, a), 0);
	ck_assert(json_object_object_get_ex(proc, "env", &env));
	ck_assert_uint_eq(json_object_array_length(env), 5);
	ck_assert_str_eq(at(env, 0), "C=4");
	ck_assert_str_eq(at(env, 4), "AB=5");
	json_object_put(a);
	json_object_put(proc);
}
END_TEST

/* 100k variables on each side: a merge that compares every pair (10^10 comparisons) does
 * not finish within the suite's timeout; the result is checked entry by entry. */
#define BIG 100000

START_TEST(test_exec_env_merge_of_100k_variables_keeps_every_rule)
{
	json_object *proc = json_object_new_object(), *base = json_object_new_array(),
		    *add = json_object_new_array(), *env;
	char buf[64], want[64];

	for (int i = 0; i < BIG; i++) {
		snprintf(buf, sizeof(buf), "K%d=base%d", i, i);
		json_object_array_add(base, json_object_new_string(buf));
	}
	json_object_object_add(proc, "env", base);
	for (int i = 0; i < BIG / 2; i++) { /* every even K overridden, half as many new N */
		snprintf(buf, sizeof(buf), "K%d=exec%d", 2 * i, 2 * i);
		json_object_array_add(add, json_object_new_string(buf));
		snprintf(buf, sizeof(buf), "N%d=new%d", i, i);
		json_object_array_add(add, json_object_new_string(buf));
	}
	json_object_array_add(add, json_object_new_string("N7=last"));
	ck_assert_int_eq(ctri_exec_merge_env(proc, add), 0);
	ck_assert(json_object_object_get_ex(proc, "env", &env));
	ck_assert_uint_eq(json_object_array_length(env), BIG + BIG / 2);
	for (int i = 0; i < BIG; i++) {
		snprintf(want, sizeof(want), "K%d=%s%d", i, i % 2 ? "base" : "exec", i);
		ck_assert_str_eq(at(env, (size_t)i), want);
	}
	for (int i = 0; i < BIG / 2; i++) {
		snprintf(want, sizeof(want), i == 7 ? "N%d=last" : "N%d=new%d", i, i);
		ck_assert_str_eq(at(env, (size_t)(BIG + i)), want);
	}
	json_object_put(add);
	json_object_put(proc);
}
END_TEST

Suite *suite_exec_spec(void)
{
	Suite *s = suite_create("exec_spec");
	TCase *tc = tcase_create("env");

	tcase_add_test(tc, test_exec_env_overrides_by_name_in_place_and_appends_new_ones_in_order);
	tcase_add_test(tc, test_exec_env_merge_of_100k_variables_keeps_every_rule);
	suite_add_tcase(s, tc);
	return s;
}
