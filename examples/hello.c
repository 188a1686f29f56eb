/* hello: run one container and print its output and exit code — the smallest libctr
 * program. Usage: hello /ABSOLUTE/ROOTFS [CMD [ARG...]]   (default: echo hello from a container) */
#include <stdio.h>
#include <stdlib.h>

#include <ctr/ctr.h>

static int print_line(const ctr_log_line_t *line, void *userdata)
{
	(void)userdata;
	printf("%.*s\n", (int)line->len, line->data);
	return 0;
}

int main(int argc, char **argv)
{
	const char *const greeting[] = { "/bin/echo", "hello from a container", NULL };
	ctr_runtime_t *rt = NULL;
	ctr_config_t *cfg = NULL;
	ctr_container_t *c = NULL;
	int code = -1;

	if (argc < 2) {
		fprintf(stderr, "usage: hello /ABSOLUTE/ROOTFS [CMD [ARG...]]\n");
		return 2;
	}
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = getenv("CTR_STATE_DIR"),
		 .run_dir = getenv("CTR_RUN_DIR")); /* NULL: /var/lib/libctr, /run/libctr */
	if (ctr_runtime_open(&o, &rt) < 0 || ctr_config_new(&cfg) < 0 ||
	    ctr_config_set_rootfs(cfg, argv[1]) < 0 ||
	    ctr_config_set_args(cfg, argc > 2 ? (const char *const *)argv + 2 : greeting) < 0 ||
	    ctr_create(rt, cfg, &c) < 0 || ctr_start(c, 0) < 0 || ctr_wait(c, -1, &code) < 0 ||
	    ctr_logs(c, NULL, print_line, NULL) < 0) {
		fprintf(stderr, "hello: %s\n", ctr_last_error());
		code = 125;
	}
	printf("exit code %d\n", code);
	if (c)
		ctr_remove(c, CTR_FORCE);
	ctr_container_free(c);
	ctr_config_free(cfg);
	ctr_runtime_close(rt);
	return code < 0 ? 125 : code;
}
