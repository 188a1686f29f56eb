/* Helpers for the integration tests. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"
#include "util.h"

extern char **environ;
static char *base;

ctr_runtime_t *it_runtime(void)
{
	char state[PATH_MAX], run[PATH_MAX];
	ctr_runtime_t *rt = NULL;

	base = strdup("/tmp/ctr-itest-XXXXXX");
	ck_assert_ptr_nonnull(base);
	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(state, sizeof(state), "%s/state", base);
	snprintf(run, sizeof(run), "%s/run", base);
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state, .run_dir = run,
		 .flags = CTR_RUNTIME_NOSYNC);
	int r = ctr_runtime_open(&o, &rt);
	ck_assert_msg(r == 0, "ctr_runtime_open: %s", ctr_last_error());
	return rt;
}

const char *it_base(void)
{
	return base;
}

void it_cleanup(void)
{
	if (base)
		ctri_rm_rf(base);
	free(base);
	base = NULL;
}

const char *it_rootfs(void)
{
	return getenv("CTR_TEST_ROOTFS");
}

int it_run(const char *const *argv, char **output)
{
	posix_spawn_file_actions_t fa;
	int pipefd[2], status;
	pid_t pid;
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	if (!buf || pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	int r = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (r != 0) {
		close(pipefd[0]);
		free(buf);
		return -1;
	}
	for (;;) {
		if (len + 1 >= cap)
			buf = realloc(buf, cap *= 2);
		ssize_t n = read(pipefd[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (output)
		*output = buf;
	else
		free(buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
