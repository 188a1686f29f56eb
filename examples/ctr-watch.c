/* ctr-watch: an event loop over containers. It starts one container per command, waits for
 * all of them in one epoll loop on their ctr_wait_fd() descriptors (no thread per container,
 * no polling), and prints each exit as it happens.
 *
 * Usage: ctr-watch /ABSOLUTE/ROOTFS 'SHELL COMMAND'...
 *   e.g. ctr-watch $PWD/build/rootfs 'sleep 0.2; exit 3' 'exit 1'   prints watch-2 first.
 * CTR_STATE_DIR and CTR_RUN_DIR replace the default directories. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <ctr/ctr.h>

static int fail(const char *what)
{
	fprintf(stderr, "ctr-watch: %s: %s\n", what, ctr_last_error());
	return 125;
}

/* Create and start `/bin/sh -c cmd` named watch-N. */
static int start_one(ctr_runtime_t *rt, const char *rootfs, const char *cmd, int n,
		     ctr_container_t **out)
{
	const char *const args[] = { "/bin/sh", "-c", cmd, NULL };
	ctr_config_t *cfg = NULL;
	char name[32];
	int r;

	snprintf(name, sizeof(name), "watch-%d", n);
	if ((r = ctr_config_new(&cfg)) == 0 && (r = ctr_config_set_name(cfg, name)) == 0 &&
	    (r = ctr_config_set_rootfs(cfg, rootfs)) == 0 &&
	    (r = ctr_config_set_args(cfg, args)) == 0 && (r = ctr_create(rt, cfg, out)) == 0 &&
	    (r = ctr_start(*out, 0)) < 0) {
		ctr_remove(*out, CTR_FORCE);
		ctr_container_free(*out);
		*out = NULL;
	}
	ctr_config_free(cfg);
	return r;
}

int main(int argc, char **argv)
{
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = getenv("CTR_STATE_DIR"),
		 .run_dir = getenv("CTR_RUN_DIR"));
	int n = argc - 2, left = 0, rc = 0, ep = epoll_create1(EPOLL_CLOEXEC);
	ctr_container_t **cs = calloc(n > 0 ? (size_t)n : 1, sizeof(*cs));
	int *fds = calloc(n > 0 ? (size_t)n : 1, sizeof(*fds));
	ctr_runtime_t *rt = NULL;

	if (n < 1) {
		fprintf(stderr, "usage: ctr-watch /ABSOLUTE/ROOTFS 'SHELL COMMAND'...\n");
		return 2;
	}
	if (!cs || !fds || ep < 0 || ctr_runtime_open(&o, &rt) < 0)
		return fail("open");
	for (int i = 0; i < n && rc == 0; i++) {
		if (start_one(rt, argv[1], argv[i + 2], i + 1, &cs[i]) < 0 ||
		    (fds[i] = ctr_wait_fd(cs[i])) < 0) {
			rc = fail(argv[i + 2]);
			break;
		}
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (unsigned)i };
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
		left++;
	}
	while (rc == 0 && left > 0) {
		struct epoll_event ev[8];
		int k = epoll_wait(ep, ev, 8, -1);
		for (int j = 0; j < k; j++) {
			int i = (int)ev[j].data.u32, code = -1;
			if (ctr_wait(cs[i], 0, &code) == CTR_E_TIMEOUT)
				continue;
			printf("%s exited with %d\n", ctr_name(cs[i]), code);
			fflush(stdout);
			epoll_ctl(ep, EPOLL_CTL_DEL, fds[i], NULL);
			close(fds[i]);
			left--;
		}
	}
	for (int i = 0; i < n; i++) {
		if (cs[i])
			ctr_remove(cs[i], CTR_FORCE);
		ctr_container_free(cs[i]);
	}
	ctr_runtime_close(rt);
	close(ep);
	free(cs);
	free(fds);
	return rc;
}
