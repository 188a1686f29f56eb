/*
 * Found by tests/soak (see tests/soak/repro/README). Not built by make. From the top:
 *   L="$(pkg-config --libs tdb json-c libseccomp libcap libarchive nettle) -pthread"
 *   cc -D_GNU_SOURCE -Iinclude -o /tmp/pause_race tests/soak/repro/pause_race.c build/libctr.a $L
 *   CTR_TEST_ROOTFS=$PWD/build/rootfs CTR_MONITOR=$PWD/build/ctr-monitor /tmp/pause_race 40
 * State and run directories: /tmp/soakrepro/s and /tmp/soakrepro/r.
 */
/* pause racing the container's own exit: does pause say 0 for a stopped container, is the
 * exit code kept, does the runtime state go with remove? */
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <unistd.h>
#include <ctr/ctr.h>
static int runtime_entries(void)
{
	int n = 0;
	struct dirent *e;
	DIR *d = opendir("/tmp/soakrepro/r/runtime");
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	if (d)
		closedir(d);
	return n;
}
int main(int argc, char **argv)
{
	ctr_runtime_t *rt;
	ctr_config_t *cfg;
	ctr_container_t *c;
	const char *const args[] = { "/bin/sh", "-c", argc > 2 ? argv[2] : "sleep 0.2; exit 3",
				     NULL };
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = "/tmp/soakrepro/s",
		 .run_dir = "/tmp/soakrepro/r", .flags = CTR_RUNTIME_NOSYNC);
	if (ctr_runtime_open(&o, &rt))
		return 1;
	int rounds = argc > 1 ? atoi(argv[1]) : 10, bad0 = 0, refused = 0, other = 0, paused = 0;
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
			int r = ctr_pause(c);
			if (r == CTR_E_STATE) {
				refused++;
				break;
			}
			if (r < 0) {
				other++;
				printf("round %d: pause %d %s\n", i, r, ctr_last_error());
				break;
			}
			ctr_state_t s;
			ctr_state(c, &s);
			if (s != CTR_STATE_PAUSED) {
				bad0++;
				printf("round %d: pause returned 0, state %s\n", i,
				       ctr_state_name(s));
				break;
			}
			paused++;
			r = ctr_unpause(c);
			if (r < 0) {
				printf("round %d: unpause %d %s\n", i, r, ctr_last_error());
				break;
			}
		}
		int code = -9, r = ctr_wait(c, 10000, &code);
		if (r || code != 3)
			printf("round %d: wait %d exit %d\n", i, r, code);
		r = ctr_remove(c, 0);
		if (r)
			printf("round %d: remove %d %s\n", i, r, ctr_last_error());
		usleep(300000);
		int left = runtime_entries();
		if (left)
			printf("round %d: %d runtime state dir(s) left after remove of %s\n", i,
			       left, ctr_id(c));
		ctr_container_free(c);
		ctr_config_free(cfg);
	}
	printf("%d rounds: pause 0 on a stopped container %d, refused %d, other errors %d; pauses "
	       "ok %d\n",
	       rounds, bad0, refused, other, paused);
	ctr_runtime_close(rt);
	return 0;
}
