/* record/image_ref.c: image references by the docker grammar, and id prefixes. */
#include <stdlib.h>
#include <string.h>

#include "image_ref.h"
#include "tests.h"
#include "testutil.h"

static const struct {
	const char *in, *out;
} good[] = {
	{ "busybox", "busybox:latest" },
	{ "bb:1", "bb:1" },
	{ "localhost/bb", "localhost/bb:latest" },
	{ "localhost:5000/a/b:tag", "localhost:5000/a/b:tag" },
	{ "127.0.0.1:5000/bb:1", "127.0.0.1:5000/bb:1" },
	{ "docker.io/library/busybox:1.36", "docker.io/library/busybox:1.36" },
	{ "Registry.Example-1.com/x", "Registry.Example-1.com/x:latest" },
	{ "a.b/c__d-e---f.g_h:TAG_1.0-x", "a.b/c__d-e---f.g_h:TAG_1.0-x" },
	{ "a/b/c", "a/b/c:latest" },
	{ "x:1/y", "x:1/y:latest" }, /* "x:1" is a host with a port */
	{ "bb:_", "bb:_" },
};

static const struct {
	const char *in, *why;
} bad[] = {
	{ "", "empty name" },
	{ "BusyBox", "lowercase" },
	{ "bb:", "1 to 128" },
	{ "bb:-x", "start with" },
	{ "bb:a+b", "not allowed in a tag" },
	{ ":tag", "empty name" },
	{ "bb@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "digest" },
	{ "a//b", "empty path component" },
	{ "a/", "empty path component" },
	{ "-a", "start and end" },
	{ "a-", "start and end" },
	{ "a..b", "separator" },
	{ "a___b", "separator" },
	{ "a b", "not allowed" },
	{ "localhost:x/bb", "port" },
	{ "-host.com/bb", "registry host" },
	{ "localhost/", "empty path component" },
};

START_TEST(test_references_follow_the_docker_grammar)
{
	char *out = NULL;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		TU_OK(ctri_image_ref_normalize(good[i].in, &out));
		ck_assert_str_eq(out, good[i].out);
		free(out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = ctri_image_ref_normalize(bad[i].in, &out);
		ck_assert_msg(r == CTR_E_INVAL, "\"%s\" accepted", bad[i].in);
		TU_SAYS(bad[i].why);
		TU_SAYS(bad[i].in);
	}
	TU_FAILS(ctri_image_ref_normalize(NULL, &out), CTR_E_INVAL);
}
END_TEST

START_TEST(test_names_and_tags_have_length_limits)
{
	char name[300], *out;

	memset(name, 'a', 255);
	name[255] = '\0';
	TU_OK(ctri_image_ref_normalize(name, &out));
	free(out);
	strcpy(name + 255, "a");
	TU_FAILS(ctri_image_ref_normalize(name, &out), CTR_E_INVAL);
	TU_SAYS("longer than 255");
	strcpy(name, "bb:");
	memset(name + 3, 't', 128);
	name[131] = '\0';
	TU_OK(ctri_image_ref_normalize(name, &out));
	free(out);
	strcpy(name + 131, "t");
	TU_FAILS(ctri_image_ref_normalize(name, &out), CTR_E_INVAL);
}
END_TEST

START_TEST(test_a_bare_tag_is_not_a_whole_reference)
{
	ck_assert(!ctri_image_ref_is_whole("latest"));
	ck_assert(!ctri_image_ref_is_whole("1.0"));
	ck_assert(!ctri_image_ref_is_whole("bb"));
	ck_assert(!ctri_image_ref_is_whole("Bad:1"));
	ck_assert(!ctri_image_ref_is_whole(NULL));
	ck_assert(ctri_image_ref_is_whole("bb:1"));
	ck_assert(ctri_image_ref_is_whole("localhost/bb"));
}
END_TEST

START_TEST(test_id_prefixes_have_12_to_64_lowercase_hex_digits)
{
	const char *id = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	char buf[80];

	ck_assert(ctri_image_is_id_prefix(id));
	snprintf(buf, sizeof(buf), "%.12s", id);
	ck_assert(ctri_image_is_id_prefix(buf));
	snprintf(buf, sizeof(buf), "%.11s", id);
	ck_assert(!ctri_image_is_id_prefix(buf));
	snprintf(buf, sizeof(buf), "%s0", id);
	ck_assert(!ctri_image_is_id_prefix(buf));
	ck_assert(!ctri_image_is_id_prefix("E3B0C44298FC1C"));
	ck_assert(!ctri_image_is_id_prefix("busybox:latest"));
	ck_assert(!ctri_image_is_id_prefix(NULL));
}
END_TEST

Suite *suite_image_ref(void)
{
	Suite *s = suite_create("image_ref");
	TCase *tc = tcase_create("image_ref");

	tcase_add_test(tc, test_references_follow_the_docker_grammar);
	tcase_add_test(tc, test_names_and_tags_have_length_limits);
	tcase_add_test(tc, test_a_bare_tag_is_not_a_whole_reference);
	tcase_add_test(tc, test_id_prefixes_have_12_to_64_lowercase_hex_digits);
	suite_add_tcase(s, tc);
	return s;
}
