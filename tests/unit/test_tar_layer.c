/* The options of tar extraction for image layers (tar_layer.c): the file's and the tar
 * stream's bytes handed over whole, and devices and whiteouts only with their flags, while
 * everything the plain extraction refuses is still refused. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "tar.h"
#include "tar_fixture.h"
#include "tests.h"
#include "testutil.h"

/* ---- options: image layers ------------------------------------------------------------ */

/* What an extraction's callbacks saw: the bytes of each stream, kept. */
struct seen {
	char *raw, *tar;
	size_t raw_len, tar_len;
};

static void append(char **buf, size_t *len, const void *data, size_t n)
{
	*buf = realloc(*buf, *len + n + 1);
	ck_assert_ptr_nonnull(*buf);
	memcpy(*buf + *len, data, n);
	*len += n;
}

static void seen_raw(void *ud, const void *buf, size_t len)
{
	struct seen *s = ud;
	append(&s->raw, &s->raw_len, buf, len);
}

static void seen_tar(void *ud, const void *buf, size_t len)
{
	struct seen *s = ud;
	append(&s->tar, &s->tar_len, buf, len);
}

static int extract_with(const char *rel, const char *to, unsigned flags, struct seen *s)
{
	struct ctri_tar_extract_opts o = { .flags = flags,
					   .raw = s ? seen_raw : NULL,
					   .tar = s ? seen_tar : NULL,
					   .ud = s };

	return ctri_tar_extract_opts(at(rel), at(to), &o, "box", "import", NULL);
}

START_TEST(test_options_hand_over_the_whole_file_and_the_whole_tar_stream)
{
	TU_NEEDS_ROOT("extract files owned by root");
	const struct craft ents[] = { { .name = "a/", .type = AE_IFDIR },
				      { .name = "a/f", .data = "contents" } };
	struct seen s = { 0 };
	char *plain = NULL, *gz = NULL;
	size_t plain_len, gz_len;

	craft_tar("p.tar", ents, 2, 0);
	craft_tar("g.tar", ents, 2, 1);
	OK(ctri_read_file(at("p.tar"), 1 << 20, &plain, &plain_len));
	OK(ctri_read_file(at("g.tar"), 1 << 20, &gz, &gz_len));
	OK(extract_with("g.tar", "out", 0, &s));
	ck_assert_str_eq(text_of("out/a/f"), "contents");
	/* both to their ends: the tar's padding after the end-of-archive blocks too */
	ck_assert_uint_eq(s.raw_len, gz_len);
	ck_assert(!memcmp(s.raw, gz, gz_len));
	ck_assert_uint_eq(s.tar_len, plain_len);
	ck_assert(!memcmp(s.tar, plain, plain_len));
	free(s.raw);
	free(s.tar);
	s = (struct seen){ 0 };
	/* uncompressed: the same bytes twice, to the end of a block's padding */
	int fd = open(at("p.tar"), O_WRONLY | O_APPEND | O_CLOEXEC);
	char zeros[7680] = { 0 };
	ck_assert_int_eq(write(fd, zeros, sizeof(zeros)), (ssize_t)sizeof(zeros));
	close(fd);
	OK(extract_with("p.tar", "out2", 0, &s));
	ck_assert_uint_eq(s.raw_len, plain_len + sizeof(zeros));
	ck_assert_uint_eq(s.tar_len, plain_len + sizeof(zeros));
	free(s.raw);
	free(s.tar);
	free(plain);
	free(gz);
	OK(extract_with("p.tar", "out3", 0, NULL)); /* no callbacks: fine */
}
END_TEST

START_TEST(test_options_refuse_what_the_plain_extraction_refuses)
{
	TU_NEEDS_ROOT("extract files owned by root");
	const struct craft out[] = { { .name = "../x", .data = "x" } };
	const struct craft dev[] = { { .name = "null", .type = AE_IFCHR, .major = 1, .minor = 3 } };

	craft_tar("x.tar", out, 1, 1);
	ck_assert_int_eq(extract_with("x.tar", "o1", CTRI_TAR_DEVICES | CTRI_TAR_WHITEOUTS, NULL),
			 CTR_E_INVAL);
	ck_assert_msg(strstr(ctr_last_error(), "\"../x\""), "%s", ctr_last_error());
	put("m.tar", "#mtree\n./stolen type=file contents=/etc/hostname\n", 0644);
	ck_assert_int_eq(extract_with("m.tar", "o2", 0, NULL), CTR_E_INVAL);
	ck_assert(!exists("o2/stolen"));
	put("z.tar", "", 0644);
	ck_assert_int_eq(extract_with("z.tar", "o3", 0, NULL), CTR_E_INVAL);
	/* a device: only with CTRI_TAR_DEVICES */
	craft_tar("d.tar", dev, 1, 0);
	ck_assert_int_eq(extract_with("d.tar", "o4", CTRI_TAR_WHITEOUTS, NULL), CTR_E_INVAL);
	OK(extract_with("d.tar", "o5", CTRI_TAR_DEVICES, NULL));
	ck_assert_int_eq(lstat_of("o5/null").st_rdev, makedev(1, 3));
	/* without CTRI_TAR_WHITEOUTS a whiteout is a file like any other */
	const struct craft wh[] = { { .name = ".wh.x", .data = "" } };
	craft_tar("w.tar", wh, 1, 0);
	OK(extract_with("w.tar", "o6", 0, NULL));
	ck_assert_int_eq(lstat_of("o6/.wh.x").st_mode & S_IFMT, S_IFREG);
}
END_TEST

Suite *suite_tar_layer(void)
{
	Suite *s = suite_create("tar_layer");
	TCase *tc = tcase_create("tar_layer");

	tu_add_fixtures(tc, archive_teardown);
	tcase_add_test(tc, test_options_hand_over_the_whole_file_and_the_whole_tar_stream);
	tcase_add_test(tc, test_options_refuse_what_the_plain_extraction_refuses);
	suite_add_tcase(s, tc);
	return s;
}
