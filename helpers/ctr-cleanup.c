/* ctr-cleanup: run by a container's monitor when the container has exited, for containers
 * with a restart policy (like conmon's exit command). It applies the policy through
 * ctr_cleanup(): restart after the backoff, or release the runtime's resources. So the
 * policy holds even when no program using libctr runs.
 *
 * Usage: ctr-cleanup ID, with CTR_CLEANUP_STATE_DIR, CTR_CLEANUP_RUN_DIR,
 * CTR_CLEANUP_RUNTIME and CTR_CLEANUP_FLAGS in the environment (the monitor passes the
 * library's). Exit status 0 when done or when there is nothing left to do (the container
 * was removed, or started again by someone else), 1 on errors. */
#include <stdio.h>
#include <stdlib.h>

#include "ctr/ctr.h"

int main(int argc, char **argv)
{
	ctr_runtime_t *rt = NULL;
	ctr_container_t *c = NULL;
	const char *flags = getenv("CTR_CLEANUP_FLAGS");

	if (argc != 2) {
		fprintf(stderr, "usage: ctr-cleanup ID\n");
		return 2;
	}
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = getenv("CTR_CLEANUP_STATE_DIR"),
		 .run_dir = getenv("CTR_CLEANUP_RUN_DIR"),
		 .oci_runtime = getenv("CTR_CLEANUP_RUNTIME"),
		 .flags = flags ? (unsigned)strtoul(flags, NULL, 10) : 0);
	int r = ctr_runtime_open(&o, &rt);
	if (r == 0 && (r = ctr_lookup(rt, argv[1], &c)) == 0)
		r = ctr_cleanup(c);
	if (r < 0 && r != CTR_E_NOENT && r != CTR_E_REMOVED && r != CTR_E_STATE)
		fprintf(stderr, "ctr-cleanup: %s\n", ctr_last_error());
	ctr_container_free(c);
	ctr_runtime_close(rt);
	return r < 0 && r != CTR_E_NOENT && r != CTR_E_REMOVED && r != CTR_E_STATE;
}
