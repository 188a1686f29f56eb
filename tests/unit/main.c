/* Runs every unit suite; exits non-zero on any failure. */
#include <stdlib.h>

#include "tests.h"

int main(void)
{
	Suite *(*suites[])(void) = { suite_error,     suite_config,    suite_spec,
				     suite_runtime,   suite_store, suite_lock,     suite_container, suite_container_remove,
				     suite_concurrency, suite_reboot,
				     suite_archive,
				     suite_attach, suite_attach_wire, suite_logs, suite_mount,
				     suite_runc_start, suite_proc, suite_cleanup_ctx,
				     suite_events, suite_seccomp,
				     suite_exec_spec, suite_monitor_proto, suite_op };
	/* Check's 4 s default limit per test is a duration a loaded machine can break: here a
	 * limit is only a guard against a hang. */
	setenv("CK_DEFAULT_TIMEOUT", "60", 0);
	SRunner *sr = srunner_create(NULL);

	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		srunner_add_suite(sr, suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
