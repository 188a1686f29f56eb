/* Error codes, messages, versions and features. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "ctr/ctr.h"
#include "error.h"
#include "oci.h"
#include "tests.h"

static const struct {
	int code;
	const char *text;
} codes[] = {
    {0, "success"},
    {CTR_E_INVAL, "invalid argument"},
    {CTR_E_NOENT, "no such container"},
    {CTR_E_EXISTS, "name already in use"},
    {CTR_E_TIMEOUT, "timed out"},
    {CTR_E_NOTSUP, "not supported"},
    {CTR_E_IO, "input/output error"},
    {CTR_E_NOMEM, "out of memory"},
    {CTR_E_BUSY, "resource busy"},
    {CTR_E_STATE, "operation not allowed in the container's state"},
    {CTR_E_STOPPED, "container already stopped"},
    {CTR_E_REMOVED, "container was removed"},
    {CTR_E_RUNTIME, "OCI runtime failed"},
    {CTR_E_STORE, "state database error"},
    {CTR_E_DEPEND, "dependency error"},
    {CTR_E_MONITOR, "container monitor failed"},
    {CTR_E_INTERNAL, "internal error"},
};

START_TEST(test_strerror_describes_every_code)
{
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *s = ctr_strerror(codes[i].code);
		ck_assert_ptr_nonnull(s);
		ck_assert_str_eq(s, codes[i].text);
	}
}
END_TEST

START_TEST(test_strerror_of_unknown_codes_says_unknown)
{
	const int unknown[] = {1, -1, -3999, -4008, -5000, 4000, -2147483647 - 1, 2147483647};

	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		ck_assert_str_eq(ctr_strerror(unknown[i]), "unknown error");
}
END_TEST

START_TEST(test_strerror_texts_are_distinct)
{
	size_t n = sizeof(codes) / sizeof(codes[0]);

	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			ck_assert_str_ne(ctr_strerror(codes[i].code), ctr_strerror(codes[j].code));
}
END_TEST

START_TEST(test_errno_codes_are_negative_errno)
{
	ck_assert_int_eq(CTR_E_INVAL, -EINVAL);
	ck_assert_int_eq(CTR_E_NOENT, -ENOENT);
	ck_assert_int_eq(CTR_E_EXISTS, -EEXIST);
	ck_assert_int_eq(CTR_E_TIMEOUT, -ETIMEDOUT);
	ck_assert_int_eq(CTR_E_NOTSUP, -EOPNOTSUPP);
	ck_assert_int_eq(CTR_E_IO, -EIO);
	ck_assert_int_eq(CTR_E_NOMEM, -ENOMEM);
	ck_assert_int_eq(CTR_E_BUSY, -EBUSY);
}
END_TEST

START_TEST(test_library_codes_start_at_minus_4000_and_are_distinct)
{
	const int own[] = {CTR_E_STATE, CTR_E_STOPPED, CTR_E_REMOVED, CTR_E_RUNTIME,
			   CTR_E_STORE, CTR_E_DEPEND,  CTR_E_MONITOR, CTR_E_INTERNAL};

	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		ck_assert_int_eq(own[i], -4000 - (int)i);
	}
}
END_TEST

START_TEST(test_errno_code_maps_errno_with_a_public_meaning)
{
	ck_assert_int_eq(ctri_errno_code(ENOMEM), CTR_E_NOMEM);
	ck_assert_int_eq(ctri_errno_code(EEXIST), CTR_E_EXISTS);
	ck_assert_int_eq(ctri_errno_code(ENOENT), CTR_E_NOENT);
	ck_assert_int_eq(ctri_errno_code(EINVAL), CTR_E_INVAL);
	ck_assert_int_eq(ctri_errno_code(ETIMEDOUT), CTR_E_TIMEOUT);
	ck_assert_int_eq(ctri_errno_code(EBUSY), CTR_E_BUSY);
	ck_assert_int_eq(ctri_errno_code(EOPNOTSUPP), CTR_E_NOTSUP);
	ck_assert_int_eq(ctri_errno_code(EACCES), CTR_E_IO);
	ck_assert_int_eq(ctri_errno_code(ENOSPC), CTR_E_IO);
}
END_TEST

START_TEST(test_last_error_names_the_argument_of_a_failed_call)
{
	ck_assert_int_eq(ctr_has_feature(NULL), CTR_E_INVAL);
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "ctr_has_feature"));
	ck_assert_ptr_nonnull(strstr(ctr_last_error(), "name"));
}
END_TEST

START_TEST(test_error_helpers_return_the_code_and_keep_errno)
{
	errno = ENOSPC;
	ck_assert_int_eq(ctri_err(CTR_E_IO, "write %s: %m", "/x"), CTR_E_IO);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_str_eq(ctr_last_error(), "write /x: No space left on device");

	ck_assert_int_eq(ctri_cerr("web", "pause", CTR_E_STATE, "container is %s", "stopped"),
			 CTR_E_STATE);
	ck_assert_str_eq(ctr_last_error(), "container web: cannot pause: container is stopped");

	ck_assert_int_eq(ctri_cerr(NULL, "create", CTR_E_INVAL, "no args"), CTR_E_INVAL);
	ck_assert_str_eq(ctr_last_error(), "cannot create: no args");

	ctri_err(CTR_E_STORE, "database broken");
	ck_assert_int_eq(ctri_cwrap("db", "start", CTR_E_STORE), CTR_E_STORE);
	ck_assert_str_eq(ctr_last_error(), "container db: cannot start: database broken");
}
END_TEST

START_TEST(test_overlong_messages_are_truncated_not_overflowed)
{
	char big[4000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ctri_err(CTR_E_IO, "%s", big);
	size_t n = strlen(ctr_last_error());
	ck_assert_uint_gt(n, 100);
	ck_assert_uint_lt(n, sizeof(big) - 1);
	ctri_cwrap(big + 3700, "start", CTR_E_IO);
	ck_assert_uint_lt(strlen(ctr_last_error()), sizeof(big) - 1);
}
END_TEST

struct thread_err {
	pthread_barrier_t *set;
	pthread_barrier_t *checked;
	const char *text;
	char seen[256];
	const char *initial;
};

static void *set_and_read(void *p)
{
	struct thread_err *t = p;

	t->initial = ctr_last_error();
	ctri_err(CTR_E_INVAL, "%s", t->text);
	pthread_barrier_wait(t->set); /* both threads have set their message */
	snprintf(t->seen, sizeof(t->seen), "%s", ctr_last_error());
	pthread_barrier_wait(t->checked);
	return NULL;
}

START_TEST(test_last_error_is_per_thread)
{
	pthread_barrier_t set, checked;
	pthread_t th[2];
	struct thread_err t[2] = {
	    {.set = &set, .checked = &checked, .text = "message of thread one"},
	    {.set = &set, .checked = &checked, .text = "message of thread two"},
	};

	ctri_err(CTR_E_IO, "message of the main thread");
	pthread_barrier_init(&set, NULL, 2);
	pthread_barrier_init(&checked, NULL, 2);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, set_and_read, &t[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&set);
	pthread_barrier_destroy(&checked);

	for (int i = 0; i < 2; i++) {
		ck_assert_ptr_nonnull(t[i].initial);
		ck_assert_str_eq(t[i].seen, t[i].text);
	}
	ck_assert_str_eq(ctr_last_error(), "message of the main thread");
}
END_TEST

static void *fresh_thread_error(void *p)
{
	const char *e = ctr_last_error();

	snprintf(p, 64, "%s", e ? e : "(null)");
	return NULL;
}

START_TEST(test_last_error_is_empty_not_null_in_a_thread_that_never_failed)
{
	pthread_t th;
	char seen[64] = "untouched";

	ctri_err(CTR_E_IO, "main thread failed");
	ck_assert_int_eq(pthread_create(&th, NULL, fresh_thread_error, seen), 0);
	pthread_join(th, NULL);
	ck_assert_str_eq(seen, "");
}
END_TEST

START_TEST(test_version_is_1_1_0_as_string_and_number)
{
	ck_assert_str_eq(ctr_version(), "1.1.0");
	ck_assert_int_eq(ctr_version_number(), 1001000);
	ck_assert_int_eq(ctr_version_number(), CTR_VERSION_NUMBER);
	ck_assert_int_eq(CTR_VERSION_NUMBER, CTR_VERSION_MAJOR * 1000000 +
						 CTR_VERSION_MINOR * 1000 + CTR_VERSION_PATCH);
	char buf[32];
	snprintf(buf, sizeof(buf), "%d.%d.%d", CTR_VERSION_MAJOR, CTR_VERSION_MINOR,
		 CTR_VERSION_PATCH);
	ck_assert_str_eq(ctr_version(), buf);
}
END_TEST

START_TEST(test_has_feature_knows_the_documented_features)
{
	ck_assert_int_eq(ctr_has_feature("seccomp"), 1);
	ck_assert_int_eq(ctr_has_feature("capabilities"), 1);
	ck_assert_int_eq(ctr_has_feature("spec-override"), 1);
	ck_assert_int_eq(ctr_has_feature("config-json"), 1);
	ck_assert_int_eq(ctr_has_feature("pause"), 1);
	ck_assert_int_eq(ctr_has_feature("exec"), 1);
	ck_assert_int_eq(ctr_has_feature("attach"), 1);
	ck_assert_int_eq(ctr_has_feature("logs"), 1);
	ck_assert_int_eq(ctr_has_feature("layers"), 1);
	ck_assert_int_eq(ctr_has_feature("export"), 1);
	ck_assert_int_eq(ctr_has_feature("artifacts"), 1);
	ck_assert_int_eq(ctr_has_feature("checkpoint"), 1);
	ck_assert_int_eq(ctr_has_feature("images"), 1);
}
END_TEST

START_TEST(test_has_feature_answers_0_for_unknown_names)
{
	ck_assert_int_eq(ctr_has_feature("teleport"), 0);
	ck_assert_int_eq(ctr_has_feature(""), 0);
	ck_assert_int_eq(ctr_has_feature("SECCOMP"), 0);
	ck_assert_int_eq(ctr_has_feature("seccomp "), 0);
}
END_TEST

START_TEST(test_has_feature_of_null_is_inval)
{
	ck_assert_int_eq(ctr_has_feature(NULL), CTR_E_INVAL);
}
END_TEST

START_TEST(test_free_of_null_is_a_no_op)
{
	ctr_free(NULL);
}
END_TEST

/* ---- text from a runtime ------------------------------------------------------------- */

static const char *clean(const char *in, size_t len, size_t cap)
{
	static char out[CTRI_OCI_MSG_MAX + 4];

	ck_assert_uint_le(cap, sizeof(out));
	memset(out, 'Z', sizeof(out));
	ctri_oci_clean(in, len, out, cap);
	ck_assert_uint_lt(strlen(out), cap);
	return out;
}

#define CLEAN(lit) clean(lit, sizeof(lit) - 1, CTRI_OCI_MSG_MAX + 4)

START_TEST(test_runtime_text_keeps_printable_utf8_and_makes_one_line)
{
	ck_assert_str_eq(CLEAN("container \"x\" does not exist"), "container \"x\" does not exist");
	ck_assert_str_eq(CLEAN("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x90\xb3"),
			 "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x90\xb3");
	ck_assert_str_eq(CLEAN("  one\ntwo\r\nthree\t\tfour  \n"), "one two three four");
	ck_assert_str_eq(CLEAN("nul\0byte\x01\x7f end"), "nul byte end");
	ck_assert_str_eq(CLEAN(""), "");
	ck_assert_str_eq(CLEAN(" \n\r\t\x1b[0m "), "");
}
END_TEST

START_TEST(test_runtime_text_loses_escape_sequences_and_invisible_characters)
{
	ck_assert_str_eq(CLEAN("\x1b[31mred\x1b[0m"), "red");
	ck_assert_str_eq(CLEAN("a\x1b[2J\x1b[Hb"), "a b");
	ck_assert_str_eq(CLEAN("\x1b]0;evil title\x07shown"), "shown");
	ck_assert_str_eq(CLEAN("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\"), "link");
	ck_assert_str_eq(CLEAN("x\x1b"), "x");
	ck_assert_str_eq(CLEAN("x\x1b[1;3"), "x");
	/* C1 controls, a right-to-left override, a zero width space */
	ck_assert_str_eq(CLEAN("a\xc2\x9b" "31mb"), "a31mb");
	ck_assert_str_eq(CLEAN("txt.\xe2\x80\xaegnp"), "txt.gnp");
	ck_assert_str_eq(CLEAN("a\xe2\x80\x8b" "b"), "ab");
}
END_TEST

START_TEST(test_runtime_text_shows_bytes_that_are_not_utf8_as_question_marks)
{
	ck_assert_str_eq(CLEAN("a\xff\xfe" "b"), "a??b");
	ck_assert_str_eq(CLEAN("over\xc0\xaflong"), "over??long");
	ck_assert_str_eq(CLEAN("surrogate\xed\xa0\x80"), "surrogate???");
	ck_assert_str_eq(CLEAN("cut\xe2\x9c"), "cut??");
}
END_TEST

START_TEST(test_runtime_text_is_cut_on_a_character_boundary_with_dots)
{
	char big[4000];
	const char *out;

	memset(big, 'x', sizeof(big));
	out = clean(big, sizeof(big), CTRI_OCI_MSG_MAX + 4);
	ck_assert_uint_eq(strlen(out), CTRI_OCI_MSG_MAX + 3);
	ck_assert_str_eq(out + CTRI_OCI_MSG_MAX, "...");
	/* two-byte characters: never half of one */
	for (size_t i = 0; i + 1 < sizeof(big); i += 2)
		big[i] = '\xc3', big[i + 1] = '\xa9';
	out = clean(big, sizeof(big), 16);
	ck_assert_str_eq(out, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...");
	ck_assert_str_eq(clean("abcdef", 6, 7), "abcdef");
	ck_assert_str_eq(clean("abcdefg", 7, 7), "abc...");
	ck_assert_str_eq(clean("abc", 3, 4), "");
}
END_TEST

Suite *suite_error(void)
{
	Suite *s = suite_create("error");
	TCase *tc = tcase_create("codes");

	tcase_add_test(tc, test_strerror_describes_every_code);
	tcase_add_test(tc, test_strerror_of_unknown_codes_says_unknown);
	tcase_add_test(tc, test_strerror_texts_are_distinct);
	tcase_add_test(tc, test_errno_codes_are_negative_errno);
	tcase_add_test(tc, test_library_codes_start_at_minus_4000_and_are_distinct);
	tcase_add_test(tc, test_errno_code_maps_errno_with_a_public_meaning);
	suite_add_tcase(s, tc);

	tc = tcase_create("messages");
	tcase_add_test(tc, test_last_error_names_the_argument_of_a_failed_call);
	tcase_add_test(tc, test_error_helpers_return_the_code_and_keep_errno);
	tcase_add_test(tc, test_overlong_messages_are_truncated_not_overflowed);
	tcase_add_test(tc, test_last_error_is_per_thread);
	tcase_add_test(tc, test_last_error_is_empty_not_null_in_a_thread_that_never_failed);
	suite_add_tcase(s, tc);

	tc = tcase_create("runtime_text");
	tcase_add_test(tc, test_runtime_text_keeps_printable_utf8_and_makes_one_line);
	tcase_add_test(tc, test_runtime_text_loses_escape_sequences_and_invisible_characters);
	tcase_add_test(tc, test_runtime_text_shows_bytes_that_are_not_utf8_as_question_marks);
	tcase_add_test(tc, test_runtime_text_is_cut_on_a_character_boundary_with_dots);
	suite_add_tcase(s, tc);

	tc = tcase_create("version");
	tcase_add_test(tc, test_version_is_1_1_0_as_string_and_number);
	tcase_add_test(tc, test_has_feature_knows_the_documented_features);
	tcase_add_test(tc, test_has_feature_answers_0_for_unknown_names);
	tcase_add_test(tc, test_has_feature_of_null_is_inval);
	tcase_add_test(tc, test_free_of_null_is_a_no_op);
	suite_add_tcase(s, tc);
	return s;
}
