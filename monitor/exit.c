/* The exit file (exits/ID, written atomically by libctr/proto/exit_file.c) and the
 * container's OOM flag. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor.h"

/* The "oom_kill N" counter of a memory.oom_control (v1) or memory.events (v2) file. */
static int read_oom_kills(int fd, uint64_t *out)
{
	char buf[512];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	const char *p;

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, "oom_kill ", 9)) {
			*out = strtoull(p + 9, NULL, 10);
			return 0;
		}
	}
	return -1;
}

/* Does the comma-separated controller list LIST (up to END) name "memory"? */
static int has_memory(const char *list, const char *end)
{
	for (const char *p = list; p < end;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma ? comma : end;
		if (e - p == 6 && !memcmp(p, "memory", 6))
			return 1;
		p = e + 1;
	}
	return 0;
}

/* The spec's linux.cgroupsPath (BUNDLE/config.json) into OUT when it is an absolute path
 * without escapes, as libctr writes it. A string scan, not a JSON parser: the monitor links
 * no JSON library, and a key it cannot read only sends the caller to /proc. */
static int spec_cgroup(const char *bundle, char *out, size_t len)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, r = -1;

	if (!bundle || snprintf(path, sizeof(path), "%s/config.json", bundle) >= (int)sizeof(path))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	char *spec =
	    fstat(fd, &st) == 0 && st.st_size < (4 << 20) ? malloc((size_t)st.st_size + 1) : NULL;
	ssize_t n = spec ? read(fd, spec, (size_t)st.st_size) : -1;
	close(fd);
	if (n > 0) {
		spec[n] = '\0';
		char *p = strstr(spec, "\"cgroupsPath\"");
		p = p ? p + strlen("\"cgroupsPath\"") : NULL;
		while (p && (*p == ' ' || *p == ':' || *p == '\n' || *p == '\t'))
			p++;
		char *end = p && *p == '"' ? strchr(p + 1, '"') : NULL;
		if (end && p[1] == '/' && !memchr(p + 1, '\\', (size_t)(end - p - 1)) &&
		    (size_t)(end - p - 1) < len) {
			memcpy(out, p + 1, (size_t)(end - p - 1));
			out[end - p - 1] = '\0';
			r = 0;
		}
	}
	free(spec);
	return r;
}

/* The file that counts OOM kills of the container's memory cgroup: the v1 memory hierarchy
 * if there is one, else the v2 one (only when /sys/fs/cgroup is cgroup2). The cgroup comes
 * from the spec: a process killed before the watch starts (under load, `run` can return
 * after the kill) shows "/" in /proc/PID/cgroup, the root's counter. Without a usable
 * cgroupsPath, /proc/PID/cgroup tells. */
static int oom_path(pid_t pid, const char *bundle, char *out, size_t len)
{
	char path[64], cg[4096];
	int found = -1, v1 = access("/sys/fs/cgroup/memory", F_OK) == 0;

	if (spec_cgroup(bundle, cg, sizeof(cg)) == 0) {
		snprintf(out, len,
			 v1 ? "/sys/fs/cgroup/memory%s/memory.oom_control"
			    : "/sys/fs/cgroup%s/memory.events",
			 cg);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (read_small(path, cg, sizeof(cg)) <= 0)
		return -1;
	for (char *line = strtok(cg, "\n"); line; line = strtok(NULL, "\n")) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2 || !strcmp(c2 + 1, "/"))
			continue; /* a dead process's, or not a container's */
		if (has_memory(c1 + 1, c2)) {
			snprintf(out, len, "/sys/fs/cgroup/memory%s/memory.oom_control", c2 + 1);
			return 0;
		}
		if (c2 == c1 + 1 && !strncmp(line, "0:", 2)) {
			snprintf(out, len, "/sys/fs/cgroup%s/memory.events", c2 + 1);
			found = 0;
		}
	}
	return found;
}

void oom_watch(struct mon_oom *o, pid_t pid, const char *bundle, int fresh)
{
	char path[PATH_MAX];

	o->fd = -1;
	o->base = 0;
	if (oom_path(pid, bundle, path, sizeof(path)) < 0)
		return;
	o->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (o->fd >= 0 && read_oom_kills(o->fd, &o->base) < 0) {
		close(o->fd);
		o->fd = -1;
	}
	/* A process that ran out of memory before `run` returned is counted already: a base
	 * read now would hide its kill. */
	if (fresh)
		o->base = 0;
}

int oom_happened(struct mon_oom *o)
{
	uint64_t now;

	return o->fd >= 0 && read_oom_kills(o->fd, &now) == 0 && now > o->base;
}

int exit_write(int dirfd, const char *id, pid_t pid, int status, int oom, int64_t time_ns)
{
	int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	struct ctrp_exit e = { .pid = (int)pid,
			       .exit_code = sig ? 128 + sig : WEXITSTATUS(status),
			       .signal = sig,
			       .oom = oom,
			       .time = time_ns };

	return ctrp_exit_write(dirfd, id, &e);
}
