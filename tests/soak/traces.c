/* What a soak run may leave behind: descriptors, children, mounts, run-dir files and
 * processes, counted before and after. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../fixtures/procwalk.h"
#include "ctr/ctr.h"
#include "soak.h"

/* ---- what the run may leave behind -------------------------------------------------------- */

static int mount_count(void)
{
	char line[4096], point[PATH_MAX];
	int n = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1 &&
		    (!strncmp(point, state_dir, strlen(state_dir)) ||
		     !strncmp(point, run_dir, strlen(run_dir))))
			n++;
	if (f)
		fclose(f);
	return n;
}

/* Files (not directories) below dir; the first goes to example. */
static int file_count(const char *dir, char *example, size_t len)
{
	char path[PATH_MAX];
	struct dirent *e;
	int n = 0;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		struct stat s;
		if (lstat(path, &s) < 0)
			continue;
		if (S_ISDIR(s.st_mode)) {
			n += file_count(path, example, len);
		} else {
			if (!example[0])
				snprintf(example, len, "%.400s", path);
			n++;
		}
	}
	if (d)
		closedir(d);
	return n;
}

void measure(struct traces *t)
{
	char kids[4096], cmd[301];
	pid_t pid = 0;

	t->example[0] = '\0';
	t->fds = procwalk_fd_count();
	t->children = procwalk_children(kids, sizeof(kids));
	t->mounts = mount_count();
	t->run_files = file_count(run_dir, t->example, sizeof(t->example));
	t->procs = procwalk_count_with(base, &pid, cmd, sizeof(cmd));
	if (t->procs)
		snprintf(t->example, sizeof(t->example), "%ld: %s", (long)pid, cmd);
}

