/*
 * Found by tests/soak (see tests/soak/repro/README). Not built by make. From the top:
 *   L="$(pkg-config --libs tdb json-c libseccomp libcap libarchive nettle) -pthread"
 *   cc -D_GNU_SOURCE -Iinclude -o /tmp/stop_race tests/soak/repro/stop_race.c build/libctr.a $L
 *   CTR_TEST_ROOTFS=$PWD/build/rootfs CTR_MONITOR=$PWD/build/ctr-monitor /tmp/stop_race 40
 * State and run directories: /tmp/soakrepro/s and /tmp/soakrepro/r.
 */
/* ctr_stop() right after ctr_start(): which exit code comes back? `exec sleep` as the
 * namespace's init ignores TERM, so the stop's SIGKILL should give 137. */
#include <stdio.h>
#include <stdlib.h>
#include <ctr/ctr.h>
int main(int argc, char **argv)
{
	ctr_runtime_t *rt;
	ctr_config_t *cfg;
	ctr_container_t *c;
	const char *const args[] = { "/bin/sh", "-c", "exec sleep 100000", NULL };
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = "/tmp/soakrepro/s",
		 .run_dir = "/tmp/soakrepro/r", .flags = CTR_RUNTIME_NOSYNC);
	if (ctr_runtime_open(&o, &rt))
		return 1;
	int rounds = argc > 1 ? atoi(argv[1]) : 10, seen[256] = { 0 };
	for (int i = 0; i < rounds; i++) {
		ctr_config_new(&cfg);
		ctr_config_set_rootfs(cfg, getenv("CTR_TEST_ROOTFS"));
		ctr_config_set_args(cfg, args);
		if (ctr_create(rt, cfg, &c) || ctr_start(c, 0)) {
			puts(ctr_last_error());
			return 1;
		}
		int code = -1, r = ctr_stop(c, 1);
		if (r || ctr_wait(c, 10000, &code))
			printf("round %d: %d %s\n", i, r, ctr_last_error());
		if (code != 137)
			printf("round %d: exit code %d, expected 137\n", i, code);
		seen[code & 255]++;
		ctr_remove(c, 0);
		ctr_container_free(c);
		ctr_config_free(cfg);
	}
	for (int k = 0; k < 256; k++)
		if (seen[k])
			printf("exit code %d: %d of %d rounds\n", k, seen[k], rounds);
	ctr_runtime_close(rt);
	return 0;
}
