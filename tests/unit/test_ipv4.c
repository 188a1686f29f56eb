/* base/ipv4.c: IPv4 addresses and subnets, the host's routes, free subnets of a pool. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipv4.h"
#include "tests.h"
#include "testutil.h"

#define IP(a, b, c, d)                                                                             \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static struct ctri_cidr cidr(const char *s)
{
	struct ctri_cidr c = { 0, 0 };

	TU_OK(ctri_cidr_parse(s, &c));
	return c;
}

START_TEST(test_dotted_quads_parse_in_host_byte_order)
{
	uint32_t a = 1;
	char buf[16];

	TU_OK(ctri_ipv4_parse("10.89.0.1", &a));
	ck_assert_uint_eq(a, IP(10, 89, 0, 1));
	ck_assert_str_eq(ctri_ipv4_str(a, buf), "10.89.0.1");
	TU_OK(ctri_ipv4_parse("0.0.0.0", &a));
	ck_assert_uint_eq(a, 0);
	TU_OK(ctri_ipv4_parse("255.255.255.255", &a));
	ck_assert_uint_eq(a, 0xffffffffu);
	ck_assert_str_eq(ctri_ipv4_str(a, buf), "255.255.255.255");
	TU_OK(ctri_ipv4_parse("127.0.0.1", &a));
	ck_assert_uint_eq(a, IP(127, 0, 0, 1));
	ck_assert_str_eq(ctri_ipv4_str(IP(192, 168, 10, 200), buf), "192.168.10.200");
}
END_TEST

START_TEST(test_anything_but_a_strict_dotted_quad_is_refused)
{
	static const char *const bad[] = {
		"",
		"10",
		"10.89.0",
		"10.89.0.1.2",
		"010.89.0.1",
		"10.89.0.01",
		"10.89.00.1",
		"256.0.0.1",
		"10.89.0.256",
		"1000.0.0.1",
		" 10.89.0.1",
		"10.89.0.1 ",
		"10.89.0.1\n",
		"10..0.1",
		"10.89.0.",
		".10.89.0.1",
		"+10.89.0.1",
		"10.89.-0.1",
		"a.b.c.d",
		"0x0a.89.0.1",
		"10.89.0.1/24",
		"10.89.0.0001",
		"4294967295",
	};
	uint32_t a = 7;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(ctri_ipv4_parse(bad[i], &a) == -EINVAL, "'%s' parsed", bad[i]);
		ck_assert_uint_eq(a, 7);
	}
	TU_FAILS(ctri_ipv4_parse("010.89.0.1", &a), CTR_E_INVAL);
	TU_SAYS("'010.89.0.1'");
	TU_FAILS(ctri_ipv4_parse(NULL, &a), CTR_E_INVAL);
}
END_TEST

START_TEST(test_subnets_parse_and_print_back)
{
	struct ctri_cidr c;
	char buf[19];

	c = cidr("10.89.0.0/16");
	ck_assert_uint_eq(c.addr, IP(10, 89, 0, 0));
	ck_assert_uint_eq(c.len, 16);
	ck_assert_str_eq(ctri_cidr_str(&c, buf), "10.89.0.0/16");
	c = cidr("0.0.0.0/0");
	ck_assert_uint_eq(c.addr, 0);
	ck_assert_uint_eq(c.len, 0);
	c = cidr("10.89.3.7/32");
	ck_assert_uint_eq(c.addr, IP(10, 89, 3, 7));
	ck_assert_uint_eq(c.len, 32);
	c = cidr("255.255.255.255/32"); /* the longest text fits the 19 bytes */
	ck_assert_str_eq(ctri_cidr_str(&c, buf), "255.255.255.255/32");
	c = cidr("10.89.3.0/24");
	ck_assert_str_eq(ctri_cidr_str(&c, buf), "10.89.3.0/24");
}
END_TEST

START_TEST(test_a_subnet_with_bad_syntax_is_einval_and_host_bits_edom)
{
	static const char *const bad[] = {
		"10.89.0.0",	 "10.89.0.0/",	 "10.89.0.0/33",  "10.89.0.0/016", "10.89.0.0/ 8",
		"10.89.0.0/-1",	 "10.89.0.0/8 ", "/24",		  "10.89.0/24",	   "10.89.0.0//24",
		"10.89.0.0/24/", "10.89.0.0/a",	 "10.89.0.0/100", "010.89.0.0/16",
	};
	struct ctri_cidr c = { 0, 0 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(ctri_cidr_parse(bad[i], &c) == -EINVAL, "'%s' parsed", bad[i]);
	TU_FAILS(ctri_cidr_parse("10.89.0.0/33", &c), CTR_E_INVAL);
	TU_SAYS("'10.89.0.0/33'");

	TU_FAILS(ctri_cidr_parse("10.89.0.1/24", &c), -EDOM);
	TU_SAYS("host bits");
	TU_SAYS("10.89.0.0/24");
	ck_assert_uint_eq(c.addr, IP(10, 89, 0, 1)); /* filled as written */
	ck_assert_uint_eq(c.len, 24);
	TU_FAILS(ctri_cidr_parse("10.89.0.0/15", &c), -EDOM);
	TU_FAILS(ctri_cidr_parse("0.0.0.1/0", &c), -EDOM);
	TU_OK(ctri_cidr_parse("10.88.0.0/15", &c));
}
END_TEST

START_TEST(test_masks_cover_every_length_without_overflow)
{
	ck_assert_uint_eq(ctri_cidr_mask(0), 0);
	ck_assert_uint_eq(ctri_cidr_mask(1), 0x80000000u);
	ck_assert_uint_eq(ctri_cidr_mask(8), 0xff000000u);
	ck_assert_uint_eq(ctri_cidr_mask(24), 0xffffff00u);
	ck_assert_uint_eq(ctri_cidr_mask(31), 0xfffffffeu);
	ck_assert_uint_eq(ctri_cidr_mask(32), 0xffffffffu);
}
END_TEST

START_TEST(test_membership_and_overlap_follow_the_prefixes)
{
	struct ctri_cidr n16 = cidr("10.89.0.0/16"), n24 = cidr("10.89.3.0/24"),
			 next24 = cidr("10.89.4.0/24"), any = cidr("0.0.0.0/0"),
			 host = cidr("10.89.3.255/32"), other = cidr("10.90.0.0/16");

	ck_assert_int_eq(ctri_cidr_has(&n24, IP(10, 89, 3, 0)), 1);
	ck_assert_int_eq(ctri_cidr_has(&n24, IP(10, 89, 3, 255)), 1);
	ck_assert_int_eq(ctri_cidr_has(&n24, IP(10, 89, 4, 0)), 0);
	ck_assert_int_eq(ctri_cidr_has(&n24, IP(10, 89, 2, 255)), 0);
	ck_assert_int_eq(ctri_cidr_has(&any, IP(1, 2, 3, 4)), 1);
	ck_assert_int_eq(ctri_cidr_has(&host, IP(10, 89, 3, 255)), 1);
	ck_assert_int_eq(ctri_cidr_has(&host, IP(10, 89, 3, 254)), 0);

	ck_assert_int_eq(ctri_cidr_overlap(&n16, &n24), 1); /* containment, both ways */
	ck_assert_int_eq(ctri_cidr_overlap(&n24, &n16), 1);
	ck_assert_int_eq(ctri_cidr_overlap(&n24, &n24), 1);
	ck_assert_int_eq(ctri_cidr_overlap(&n24, &next24), 0); /* neighbours */
	ck_assert_int_eq(ctri_cidr_overlap(&next24, &n24), 0);
	ck_assert_int_eq(ctri_cidr_overlap(&n16, &other), 0);
	ck_assert_int_eq(ctri_cidr_overlap(&any, &other), 1);
	ck_assert_int_eq(ctri_cidr_overlap(&host, &n24), 1);
	ck_assert_int_eq(ctri_cidr_overlap(&host, &next24), 0);
}
END_TEST

START_TEST(test_the_first_free_subnet_skips_used_ranges_in_address_order)
{
	struct ctri_cidr pool = cidr("10.89.0.0/16"), out = { 0, 0 };
	struct ctri_cidr used[] = { cidr("10.89.0.0/24"), cidr("10.89.2.0/23"),
				    cidr("10.89.1.17/32") };
	char buf[19];

	TU_OK(ctri_cidr_first_free(&pool, 24, NULL, 0, &out));
	ck_assert_str_eq(ctri_cidr_str(&out, buf), "10.89.0.0/24");
	TU_OK(ctri_cidr_first_free(&pool, 24, used, 1, &out));
	ck_assert_str_eq(ctri_cidr_str(&out, buf), "10.89.1.0/24");
	TU_OK(ctri_cidr_first_free(&pool, 24, used, 3, &out)); /* .1 holds a used host */
	ck_assert_str_eq(ctri_cidr_str(&out, buf), "10.89.4.0/24");
	TU_OK(ctri_cidr_first_free(&pool, 16, NULL, 0, &out)); /* the pool itself */
	ck_assert_str_eq(ctri_cidr_str(&out, buf), "10.89.0.0/16");

	/* A used range outside the pool changes nothing; one around it fills it. */
	struct ctri_cidr outside = cidr("10.88.0.0/16"), around = cidr("10.0.0.0/8");
	TU_OK(ctri_cidr_first_free(&pool, 24, &outside, 1, &out));
	ck_assert_str_eq(ctri_cidr_str(&out, buf), "10.89.0.0/24");
	TU_FAILS(ctri_cidr_first_free(&pool, 24, &around, 1, &out), -ENOSPC);
	TU_SAYS("10.89.0.0/16");

	/* The whole address space a host at a time: used halves are jumped over, not walked. */
	struct ctri_cidr all = cidr("0.0.0.0/0"),
			 halves[] = { cidr("0.0.0.0/1"), cidr("128.0.0.0/2") };
	TU_OK(ctri_cidr_first_free(&all, 32, halves, 2, &out));
	ck_assert_str_eq(ctri_cidr_str(&out, buf), "192.0.0.0/32");
}
END_TEST

START_TEST(test_a_full_pool_is_enospc_and_a_bad_length_einval)
{
	struct ctri_cidr pool = cidr("10.89.7.0/30"), out = { 0, 0 };
	struct ctri_cidr used[] = { cidr("10.89.7.2/31"), cidr("10.89.7.0/31") };
	char buf[19];

	TU_OK(ctri_cidr_first_free(&pool, 31, used, 1, &out));
	ck_assert_str_eq(ctri_cidr_str(&out, buf), "10.89.7.0/31");
	TU_FAILS(ctri_cidr_first_free(&pool, 31, used, 2, &out), -ENOSPC);
	TU_SAYS("no free /31 subnet left in 10.89.7.0/30");
	TU_FAILS(ctri_cidr_first_free(&pool, 29, NULL, 0, &out), CTR_E_INVAL);
	TU_FAILS(ctri_cidr_first_free(&pool, 33, NULL, 0, &out), CTR_E_INVAL);

	/* The last subnet of the space is reachable (no overflow at the end). */
	struct ctri_cidr top = cidr("255.255.255.0/24"), low = cidr("255.255.255.0/25");
	TU_OK(ctri_cidr_first_free(&top, 25, &low, 1, &out));
	ck_assert_str_eq(ctri_cidr_str(&out, buf), "255.255.255.128/25");
	struct ctri_cidr both[] = { low, cidr("255.255.255.128/25") };
	TU_FAILS(ctri_cidr_first_free(&top, 25, both, 2, &out), -ENOSPC);
}
END_TEST

/* Recorded on x86-64 (little-endian): destinations and masks are the network-order words
 * printed as host integers, so 0001A8C0 is 192.168.1.0. */
static const char recorded_routes[] =
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT"
    "                                                       \n"
    "eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0"
    "                                                                               \n"
    "eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0"
    "                                                                               \n"
    "docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0"
    "                                                                              \n"
    "ctr0\t0000590A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
    "eth1\t0A01590A\t0101A8C0\t0007\t0\t0\t0\tFFFFFFFF\t0\t0\t0\n";

static char *write_routes(const char *text)
{
	char *path = tu_path("route");
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

START_TEST(test_a_recorded_route_table_gives_its_subnets_without_the_default)
{
	struct ctri_cidr *r = NULL;
	size_t n = 0;
	char buf[19], *path;

	if (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__) {
		printf("skipped %s: the recorded table is little-endian\n", __func__);
		return;
	}
	path = write_routes(recorded_routes);
	TU_OK(ctri_host_routes_from(path, &r, &n));
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(ctri_cidr_str(&r[0], buf), "192.168.1.0/24");
	ck_assert_str_eq(ctri_cidr_str(&r[1], buf), "172.17.0.0/16");
	ck_assert_str_eq(ctri_cidr_str(&r[2], buf), "10.89.0.0/24");
	ck_assert_str_eq(ctri_cidr_str(&r[3], buf), "10.89.1.10/32");
	free(r);
	free(path);

	/* Only the header: no routes. */
	path = write_routes("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n");
	r = (struct ctri_cidr *)1;
	TU_OK(ctri_host_routes_from(path, &r, &n));
	ck_assert_uint_eq(n, 0);
	free(r);
	free(path);
}
END_TEST

START_TEST(test_an_unreadable_or_malformed_route_table_is_an_io_error_naming_it)
{
	struct ctri_cidr *r = NULL;
	size_t n = 0;
	char *path = tu_path("no-such-route");

	TU_FAILS(ctri_host_routes_from(path, &r, &n), CTR_E_IO);
	TU_SAYS(path);
	free(path);
	path = write_routes("Iface\tDestination\n"
			    "eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\n"
			    "garbage\n");
	TU_FAILS(ctri_host_routes_from(path, &r, &n), CTR_E_IO);
	TU_SAYS(path);
	TU_SAYS("line 3");
	free(path);
}
END_TEST

START_TEST(test_the_hosts_routes_are_read_from_proc)
{
	struct ctri_cidr *r = NULL;
	size_t n = 0;

	TU_OK(ctri_host_routes(&r, &n));
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_ne(r[i].len, 0); /* no default route */
		ck_assert_uint_eq(r[i].addr & ~ctri_cidr_mask(r[i].len), 0);
	}
	free(r);
}
END_TEST

Suite *suite_ipv4(void)
{
	Suite *s = suite_create("ipv4");
	TCase *tc = tcase_create("ipv4");

	tu_add_fixtures(tc, NULL);
	tcase_add_test(tc, test_dotted_quads_parse_in_host_byte_order);
	tcase_add_test(tc, test_anything_but_a_strict_dotted_quad_is_refused);
	tcase_add_test(tc, test_subnets_parse_and_print_back);
	tcase_add_test(tc, test_a_subnet_with_bad_syntax_is_einval_and_host_bits_edom);
	tcase_add_test(tc, test_masks_cover_every_length_without_overflow);
	tcase_add_test(tc, test_membership_and_overlap_follow_the_prefixes);
	tcase_add_test(tc, test_the_first_free_subnet_skips_used_ranges_in_address_order);
	tcase_add_test(tc, test_a_full_pool_is_enospc_and_a_bad_length_einval);
	tcase_add_test(tc, test_a_recorded_route_table_gives_its_subnets_without_the_default);
	tcase_add_test(tc, test_an_unreadable_or_malformed_route_table_is_an_io_error_naming_it);
	tcase_add_test(tc, test_the_hosts_routes_are_read_from_proc);
	suite_add_tcase(s, tc);
	return s;
}
