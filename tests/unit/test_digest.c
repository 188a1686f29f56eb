/* base/digest.c: sha256 through nettle, files, and "sha256:<hex>" digest strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "tests.h"
#include "testutil.h"

/* FIPS 180-2's vectors. */
START_TEST(test_sha256_matches_the_standard_vectors)
{
	char out[65];
	struct ctri_sha256 h;
	char *a = malloc(1000000);

	ctri_sha256_buf("", 0, out);
	ck_assert_str_eq(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	ctri_sha256_buf("abc", 3, out);
	ck_assert_str_eq(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ck_assert_ptr_nonnull(a);
	memset(a, 'a', 1000000);
	ctri_sha256_init(&h);
	for (size_t off = 0; off < 1000000; off += 999) /* uneven pieces */
		ctri_sha256_update(&h, a + off, off + 999 > 1000000 ? 1000000 - off : 999);
	ctri_sha256_hex(&h, out);
	ck_assert_str_eq(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(a);
}
END_TEST

START_TEST(test_a_file_hashes_to_its_contents_and_size)
{
	char *path = tu_path("f"), out[65];
	long long size = -1;
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs("abc", f);
	fclose(f);
	TU_OK(ctri_sha256_file(path, out, &size));
	ck_assert_str_eq(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ck_assert_int_eq(size, 3);
	free(path);
	path = tu_path("missing");
	TU_FAILS(ctri_sha256_file(path, out, NULL), CTR_E_IO);
	TU_SAYS(path);
	free(path);
	TU_FAILS(ctri_sha256_file(tu_base(), out, NULL), CTR_E_IO);
	TU_SAYS("not a regular file");
}
END_TEST

START_TEST(test_only_sha256_digests_in_lowercase_hex_are_read)
{
	char out[65];
	const char *hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	char good[80];

	snprintf(good, sizeof(good), "sha256:%s", hex);
	TU_OK(ctri_digest_hex(good, out));
	ck_assert_str_eq(out, hex);
	TU_FAILS(ctri_digest_hex("sha512:abcd", out), CTR_E_INVAL);
	TU_SAYS("sha512");
	TU_FAILS(ctri_digest_hex("sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", out),
		 CTR_E_INVAL);
	TU_SAYS("malformed digest sha256:BA78");
	TU_FAILS(ctri_digest_hex("sha256:ba78", out), CTR_E_INVAL);
	TU_FAILS(ctri_digest_hex(hex, out), CTR_E_INVAL);
	strcat(good, "0");
	TU_FAILS(ctri_digest_hex(good, out), CTR_E_INVAL);
	TU_FAILS(ctri_digest_hex(NULL, out), CTR_E_INVAL);
	ck_assert(ctri_is_sha256_hex(hex));
	ck_assert(!ctri_is_sha256_hex("abc"));
}
END_TEST

Suite *suite_digest(void)
{
	Suite *s = suite_create("digest");
	TCase *tc = tcase_create("digest");

	tu_add_fixtures(tc, NULL);
	tcase_add_test(tc, test_sha256_matches_the_standard_vectors);
	tcase_add_test(tc, test_a_file_hashes_to_its_contents_and_size);
	tcase_add_test(tc, test_only_sha256_digests_in_lowercase_hex_are_read);
	suite_add_tcase(s, tc);
	return s;
}
