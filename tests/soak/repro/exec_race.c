/*
 * Found by tests/soak (see tests/soak/repro/README). Not built by make. From the top:
 *   L="$(pkg-config --libs tdb json-c libseccomp libcap libarchive nettle) -pthread"
 *   cc -D_GNU_SOURCE -Iinclude -o /tmp/exec_race tests/soak/repro/exec_race.c build/libctr.a $L
 *   CTR_TEST_ROOTFS=$PWD/build/rootfs CTR_MONITOR=$PWD/build/ctr-monitor /tmp/exec_race 40
 * State and run directories: /tmp/soakrepro/s and /tmp/soakrepro/r.
 */
/* exec racing the container's own exit: which error comes back? */
#include <stdio.h>
#include <stdlib.h>
#include <ctr/ctr.h>
int main(int argc, char **argv)
{
	ctr_runtime_t *rt;
	ctr_config_t *cfg;
	ctr_container_t *c;
	const char *const args[] = { "/bin/sh", "-c", "sleep 0.3; exit 3", NULL };
	const char *const ex[] = { "sh", "-c", "exit 5", NULL };
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = "/tmp/soakrepro/s",
		 .run_dir = "/tmp/soakrepro/r", .flags = CTR_RUNTIME_NOSYNC);
	if (ctr_runtime_open(&o, &rt))
		return 1;
	int rounds = argc > 1 ? atoi(argv[1]) : 10, state = 0, runtime = 0, k137 = 0, ok = 0;
	for (int i = 0; i < rounds; i++) {
		ctr_config_new(&cfg);
		ctr_config_set_rootfs(cfg, getenv("CTR_TEST_ROOTFS"));
		ctr_config_set_args(cfg, args);
		if (ctr_create(rt, cfg, &c)) {
			puts(ctr_last_error());
			return 1;
		}
		ctr_start(c, 0);
		for (;;) {
			int code = -2;
			CTR_OPTS(ctr_exec_opts_t, eo, .argv = ex);
			int r = ctr_exec(c, &eo, &code);
			if (r == CTR_E_STATE) {
				state++;
				break;
			}
			if (r < 0) {
				runtime++;
				printf("round %d: %d %s\n", i, r, ctr_last_error());
				break;
			}
			if (code == 137)
				k137++;
			else if (code == 5)
				ok++;
			else
				printf("code %d\n", code);
		}
		int code;
		ctr_wait(c, 10000, &code);
		if (code != 3)
			printf("container exit %d\n", code);
		ctr_remove(c, 0);
		ctr_container_free(c);
		ctr_config_free(cfg);
	}
	printf("%d rounds: ended with CTR_E_STATE %d, other error %d; execs ok %d, exec killed "
	       "(137) %d\n",
	       rounds, state, runtime, ok, k137);
	ctr_runtime_close(rt);
	return 0;
}
