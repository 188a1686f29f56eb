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

#include "ctr/ctr.h"
#include "soak.h"

/* ---- what the run may leave behind -------------------------------------------------------- */

static int fd_count(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n - 3; /* ".", ".." and opendir's own */
}

static int child_count(void)
{
	char path[300], buf[4096];
	struct dirent *e;
	int n = 0;
	DIR *d = opendir("/proc/self/task");

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/children", e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t len = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		for (ssize_t i = 0; i < len; i++)
			n += buf[i] == ' ';
	}
	if (d)
		closedir(d);
	return n;
}

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

/* The next process in d (an opendir("/proc")) other than this one whose command line, its
 * arguments joined by spaces, mentions needle; that command line is left in cmd. 0 at the
 * end. */
long next_proc_with(DIR *d, const char *needle, char *cmd, size_t len)
{
	struct dirent *e;
	char path[64];

	while (d && (e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t got = fd >= 0 ? read(fd, cmd, len - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (got <= 0)
			continue;
		for (ssize_t i = 0; i < got; i++)
			if (!cmd[i])
				cmd[i] = ' ';
		cmd[got] = '\0';
		if (strstr(cmd, needle))
			return pid;
	}
	return 0;
}

/* Live processes other than this one whose command line mentions needle. */
int procs_with(const char *needle, char *example, size_t len)
{
	char path[64], cmd[8192], stat_buf[512];
	int n = 0;
	long pid;
	DIR *d = opendir("/proc");

	while ((pid = next_proc_with(d, needle, cmd, sizeof(cmd)))) {
		snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t got = fd >= 0 ? read(fd, stat_buf, sizeof(stat_buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (got <= 0)
			continue;
		stat_buf[got] = '\0';
		const char *paren = strrchr(stat_buf, ')');
		if (!paren || paren[2] == 'Z' || paren[2] == 'X')
			continue;
		if (!example[0])
			snprintf(example, len, "%ld: %.300s", pid, cmd);
		n++;
	}
	if (d)
		closedir(d);
	return n;
}

void measure(struct traces *t)
{
	char ex[512] = "";

	t->example[0] = '\0';
	t->fds = fd_count();
	t->children = child_count();
	t->mounts = mount_count();
	t->run_files = file_count(run_dir, t->example, sizeof(t->example));
	t->procs = procs_with(base, ex, sizeof(ex));
	if (t->procs)
		snprintf(t->example, sizeof(t->example), "%s", ex);
}

