/* ctr-cleanup: run by a container's monitor when the container has exited, for containers
 * with a restart policy (like conmon's exit command). It applies the policy through
 * ctr_cleanup(): restart after the backoff, or release the runtime's resources. So the
 * policy holds even when no program using libctr runs.
 *
 * Usage: ctr-cleanup ID, with CTR_CLEANUP_CONTEXT in the environment: the context of the
 * program that started the container (CTRP_CLEANUP_CTX_ENV, libctr/proto/monitor_proto.h;
 * written and read by libctr/runner/cleanup_ctx.c), which the monitor passes on.
 * Exit status 0 when done or when there is nothing left to do (the container was removed,
 * or started again by someone else), 1 on errors, 2 for a bad command line or context. */
#include <stdio.h>
#include <stdlib.h>

#include "cleanup_ctx.h"
#include "runtime_open.h"

int main(int argc, char **argv)
{
	struct ctri_cleanup_ctx ctx;
	ctr_runtime_t *rt = NULL;
	ctr_container_t *c = NULL;

	if (argc != 2) {
		fprintf(stderr, "usage: ctr-cleanup ID\n");
		return 2;
	}
	if (ctri_cleanup_ctx_parse(getenv(CTRP_CLEANUP_CTX_ENV), &ctx) < 0) {
		fprintf(stderr, "ctr-cleanup: %s\n", ctr_last_error());
		return 2;
	}
	int r = ctri_runtime_open(&ctx.opts, ctx.cleanup_path, &rt);
	if (r == 0 && (r = ctr_lookup(rt, argv[1], &c)) == 0)
		r = ctr_cleanup(c);
	if (r < 0 && r != CTR_E_NOENT && r != CTR_E_REMOVED && r != CTR_E_STATE)
		fprintf(stderr, "ctr-cleanup: %s\n", ctr_last_error());
	ctr_container_free(c);
	ctr_runtime_close(rt);
	ctri_cleanup_ctx_release(&ctx);
	return r < 0 && r != CTR_E_NOENT && r != CTR_E_REMOVED && r != CTR_E_STATE;
}
