/* Integration suites: real runc on a busybox root filesystem (CTR_TEST_ROOTFS), with the
 * monitor from CTR_MONITOR and the fault-injecting runtime from CTR_FAKE_RUNTIME. */
#include <stdio.h>
#include <stdlib.h>

#include "itest.h"

int main(void)
{
	Suite *(*suites[])(void) = {
		suite_spec,
		suite_lifecycle,
		suite_wait,
		suite_runtime_faults,
		suite_monitor_faults,
		suite_killed_callers,
		suite_stress,
		suite_crun,
		suite_batch,
		suite_reboot,
		suite_depend,
		suite_events,
		suite_restart,
		suite_mini_init,
		suite_pause,
		suite_exec,
		suite_checkpoint,
		suite_attach,
		suite_logs,
		suite_layers,
		suite_export,
		suite_store_faults,
		suite_security,
	};
	SRunner *sr = srunner_create(NULL);

	if (it_init() < 0)
		return EXIT_FAILURE;
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		srunner_add_suite(sr, suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	it_sweep_all();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
