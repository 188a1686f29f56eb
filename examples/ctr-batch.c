/* ctr-batch: several operations under one lock with ctr_batch(). The callback sees the
 * container synced once and holds its lock throughout: no other thread or process can
 * change it between the reads and the stop.
 *
 * Usage: ctr-batch /ABSOLUTE/ROOTFS
 * CTR_STATE_DIR and CTR_RUN_DIR replace the default directories. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <ctr/ctr.h>

/* Read the state and pid, stop the container, read again: one lock, one sync. */
static int inspect_and_stop(ctr_container_t *c, void *userdata)
{
	ctr_state_t s;
	pid_t pid = 0;
	int code = -1, r;

	(void)userdata;
	if ((r = ctr_state(c, &s)) < 0 || (r = ctr_pid(c, &pid)) < 0)
		return r;
	printf("in the batch: %s, pid %s\n", ctr_state_name(s), pid > 0 ? "set" : "none");
	if ((r = ctr_stop(c, 0)) < 0 || (r = ctr_state(c, &s)) < 0 ||
	    (r = ctr_exit_code(c, &code)) < 0)
		return r;
	printf("in the batch: %s, exit code %d\n", ctr_state_name(s), code);
	return 0;
}

int main(int argc, char **argv)
{
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = getenv("CTR_STATE_DIR"),
		 .run_dir = getenv("CTR_RUN_DIR"));
	const char *const args[] = { "/bin/sleep", "1000", NULL };
	ctr_runtime_t *rt = NULL;
	ctr_config_t *cfg = NULL;
	ctr_container_t *c = NULL;
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: ctr-batch /ABSOLUTE/ROOTFS\n");
		return 2;
	}
	if (ctr_runtime_open(&o, &rt) < 0 || ctr_config_new(&cfg) < 0 ||
	    ctr_config_set_rootfs(cfg, argv[1]) < 0 || ctr_config_set_args(cfg, args) < 0 ||
	    ctr_create(rt, cfg, &c) < 0 || ctr_start(c, 0) < 0 ||
	    ctr_batch(c, inspect_and_stop, NULL) < 0) {
		fprintf(stderr, "ctr-batch: %s\n", ctr_last_error());
		rc = 125;
	}
	if (c)
		ctr_remove(c, CTR_FORCE);
	ctr_container_free(c);
	ctr_config_free(cfg);
	ctr_runtime_close(rt);
	return rc;
}
