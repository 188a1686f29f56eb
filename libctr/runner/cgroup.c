/* A container's cgroup directories after the runtime has deleted the container: runc
 * leaves empty ones behind now and then on cgroup v1 (docs/design.md, "Cgroups"). */
#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "runtime.h"
#include "util.h"

#define SPEC_MAX  (16 << 20)
#define DEPTH_MAX 8 /* cgroups the container made below its own */

/* The spec's linux.cgroupsPath into buf, if it is an absolute path below the root without
 * "..": 0, else -1 (a relative path is the runtime's to resolve; nothing is guessed). */
static int cgroups_path(ctr_container_t *c, char *buf, size_t len)
{
	char path[4200], *text = NULL;
	json_object *spec, *linux_, *v;
	int r = -1;

	snprintf(path, sizeof(path), "%s/%s/config.json", c->rt->containers_dir, c->id);
	if (ctri_read_file(path, SPEC_MAX, &text, NULL) < 0)
		return -1;
	spec = json_tokener_parse(text);
	free(text);
	if (spec && json_object_object_get_ex(spec, "linux", &linux_) &&
	    json_object_object_get_ex(linux_, "cgroupsPath", &v) &&
	    json_object_is_type(v, json_type_string)) {
		const char *p = json_object_get_string(v);
		if (p[0] == '/' && p[1] && !strstr(p, "/..") && strlen(p) < len) {
			snprintf(buf, len, "%s", p);
			r = 0;
		}
	}
	json_object_put(spec);
	return r;
}

/* rmdir dir after the directories below it, deepest first: never a file, never a
 * directory that is not empty (a cgroup with processes refuses with EBUSY). */
static void rmdir_tree(int parent, const char *name, int depth)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return;
	DIR *d = depth < DEPTH_MAX ? fdopendir(fd) : NULL;
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (e->d_type == DT_DIR && strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			rmdir_tree(fd, e->d_name, depth + 1);
	if (d)
		closedir(d); /* closes fd */
	else
		close(fd);
	unlinkat(parent, name, AT_REMOVEDIR);
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else
			*o++ = *s;
	}
	*o = 0;
}

void ctri_cgroup_prune(ctr_container_t *c)
{
	char cg[1024], *line = NULL;
	size_t cap = 0;
	FILE *f;

	/* Line by line: the mount table of a busy machine can be long. */
	if (cgroups_path(c, cg, sizeof(cg)) < 0 || !(f = fopen("/proc/self/mountinfo", "re")))
		return;
	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER" */
	while (getline(&line, &cap, f) > 0) {
		char mnt[4096], fstype[32];
		const char *sep = strstr(line, " - ");
		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(sep + 3, "%31s", fstype) != 1 ||
		    (strcmp(fstype, "cgroup") && strcmp(fstype, "cgroup2")))
			continue;
		unescape(mnt);
		int fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			rmdir_tree(fd, cg + 1, 0); /* relative to the hierarchy's mount */
			close(fd);
		}
	}
	free(line);
	fclose(f);
}
