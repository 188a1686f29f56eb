/* Integration suites: real runc on a busybox root filesystem (CTR_TEST_ROOTFS). */
#include <stdio.h>
#include <stdlib.h>

#include "itest.h"

int main(void)
{
	Suite *(*suites[])(void) = { suite_spec_runc };
	SRunner *sr = srunner_create(NULL);

	if (!getenv("CTR_TEST_ROOTFS")) {
		fprintf(stderr, "integration: set CTR_TEST_ROOTFS to a busybox rootfs "
				"(tests/fixtures/mkrootfs.sh)\n");
		return EXIT_FAILURE;
	}
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		srunner_add_suite(sr, suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
