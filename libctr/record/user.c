/* "USER[:GROUP]": checked, and resolved in a container's root filesystem (user.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "error.h"
#include "json.h"
#include "user.h"

#define NAME_LEN_MAX 32
#define ID_MAX	     0xfffffffeULL /* (uid_t)-1 names no one */

enum part { BAD, NUMBER, NAME };

/* What s[0..n) is: a decimal id (*id), a name, or neither. */
static enum part classify(const char *s, size_t n, unsigned *id)
{
	unsigned long long v = 0;
	size_t digits = 0;

	while (digits < n && isdigit((unsigned char)s[digits]))
		digits++;
	if (n > 0 && digits == n) {
		for (size_t i = 0; i < n && v <= ID_MAX; i++)
			v = v * 10 + (unsigned)(s[i] - '0');
		if (v > ID_MAX)
			return BAD;
		*id = (unsigned)v;
		return NUMBER;
	}
	if (n == 0 || n > NAME_LEN_MAX || s[0] == '-')
		return BAD;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return BAD;
	return NAME;
}

struct spec {
	const char *user, *group; /* group: NULL when absent */
	size_t user_len, group_len;
	enum part ukind, gkind;
	unsigned uid, gid;
};

static int split(const char *s, struct spec *sp)
{
	const char *colon = strchr(s, ':');

	*sp = (struct spec){ .user = s, .user_len = colon ? (size_t)(colon - s) : strlen(s) };
	sp->ukind = classify(sp->user, sp->user_len, &sp->uid);
	if (colon) {
		sp->group = colon + 1;
		sp->group_len = strlen(sp->group);
		sp->gkind = classify(sp->group, sp->group_len, &sp->gid);
	}
	return sp->ukind == BAD || (colon && sp->gkind == BAD) ? -1 : 0;
}

int ctri_user_check(const char *who, const char *op, const char *spec)
{
	struct spec sp;

	if (strlen(spec) < CTRI_USER_MAX && split(spec, &sp) == 0)
		return 0;
	return ctri_cerr(who, op, CTR_E_INVAL,
			 "user \"%s\" is not USER[:GROUP] (each a name of at most %d of "
			 "[A-Za-z0-9._-], or a number below 4294967295)",
			 spec, NAME_LEN_MAX);
}

int ctri_user_numeric(const char *spec, unsigned *uid, unsigned *gid)
{
	struct spec sp;

	if (split(spec, &sp) < 0 || sp.ukind != NUMBER || !sp.group || sp.gkind != NUMBER)
		return 0;
	*uid = sp.uid;
	*gid = sp.gid;
	return 1;
}

/* ---- the files, read inside the root --------------------------------------------------- */

/* Open rel (relative) below root_fd without leaving it: openat2's RESOLVE_IN_ROOT, or
 * where that is missing (before Linux 5.6) component by component without following a
 * symbolic link. Only a regular file is opened (a FIFO planted there cannot block us). */
static int open_in_root(int root_fd, const char *rel)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	int fd = (int)syscall(SYS_openat2, root_fd, rel, &how, sizeof(how));

	if (fd < 0 && (errno == ENOSYS || errno == EPERM)) { /* EPERM: a seccomp filter */
		char part[256];
		int dir = dup(root_fd);
		for (const char *p = rel; dir >= 0;) {
			size_t n = strcspn(p, "/");
			snprintf(part, sizeof(part), "%.*s", (int)n, p);
			int last = !p[n];
			fd = openat(
			    dir, part,
			    O_NOFOLLOW | O_CLOEXEC |
				(last ? O_RDONLY | O_NONBLOCK | O_NOCTTY : O_PATH | O_DIRECTORY));
			close(dir);
			if (last || fd < 0)
				break;
			dir = fd;
			p += n + 1;
		}
	}
	struct stat stt;
	if (fd >= 0 && (fstat(fd, &stt) < 0 || !S_ISREG(stt.st_mode))) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

/* The first max fields of a line of passwd or group (name:x:id:...), split in place; the
 * slots past the line's last field are NULL. Their count. */
static size_t line_fields(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line;

	line[strcspn(line, "\n")] = '\0';
	for (; p && n < max; n++) {
		f[n] = p;
		if ((p = strchr(p, ':')))
			*p++ = '\0';
	}
	for (size_t i = n; i < max; i++)
		f[i] = NULL;
	return n;
}

static int field_id(const char *s, unsigned *id)
{
	return classify(s, strlen(s), id) == NUMBER;
}

struct lookup {
	const char *who, *op, *root;
	struct spec sp;
	char name[NAME_LEN_MAX + 1]; /* the user's name, when the passwd entry was found */
	unsigned uid, gid;
	json_object *groups; /* the supplementary gids */
};

/* Open etc/<file> of the root; NULL and *missing = 1 when it is not there. */
static FILE *open_file(struct lookup *l, int root_fd, const char *file, int *missing, int *r)
{
	char rel[32];

	snprintf(rel, sizeof(rel), "etc/%s", file);
	int fd = open_in_root(root_fd, rel);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	*missing = fd < 0 && errno == ENOENT;
	*r = 0;
	if (!f && !*missing) {
		*r = ctri_cerr(l->who, l->op, CTR_E_IO, "/etc/%s in %s: %s", file, l->root,
			       strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	return f;
}

static int read_passwd(struct lookup *l, int root_fd)
{
	char *line = NULL, *f[4];
	size_t cap = 0;
	int missing, r, found = 0;
	FILE *fp = open_file(l, root_fd, "passwd", &missing, &r);

	while (fp && !found && getline(&line, &cap, fp) > 0) {
		unsigned uid, gid;
		if (line_fields(line, f, 4) < 4 || !field_id(f[2], &uid) || !field_id(f[3], &gid))
			continue;
		if (l->sp.ukind == NAME ? strlen(f[0]) == l->sp.user_len &&
					      !strncmp(f[0], l->sp.user, l->sp.user_len)
					: uid == l->sp.uid) {
			found = 1;
			l->uid = uid;
			if (!l->sp.group)
				l->gid = gid;
			snprintf(l->name, sizeof(l->name), "%s", f[0]);
		}
	}
	free(line);
	if (fp)
		fclose(fp);
	if (r == 0 && !found && l->sp.ukind == NAME)
		r = ctri_cerr(l->who, l->op, CTR_E_INVAL,
			      "user \"%.*s\" is not in /etc/passwd of %s%s", (int)l->sp.user_len,
			      l->sp.user, l->root, missing ? " (no such file)" : "");
	return r;
}

/* Does the comma-separated list have name? */
static int lists(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list;; p++) {
		size_t len = strcspn(p, ",");
		if (len == n && !strncmp(p, name, n))
			return 1;
		p += len;
		if (!*p)
			return 0;
	}
}

/* The group named in the spec, or (no group given, the user's name known) the groups that
 * list the user. */
static int read_group(struct lookup *l, int root_fd)
{
	char *line = NULL, *f[4];
	size_t cap = 0;
	int missing, r, found = 0;
	FILE *fp = open_file(l, root_fd, "group", &missing, &r);

	while (fp && r == 0 && getline(&line, &cap, fp) > 0) {
		unsigned gid;
		if (line_fields(line, f, 4) < 3 || !field_id(f[2], &gid))
			continue;
		if (l->sp.group && strlen(f[0]) == l->sp.group_len &&
		    !strncmp(f[0], l->sp.group, l->sp.group_len)) {
			l->gid = gid;
			found = 1;
			break;
		}
		if (!l->sp.group && f[3] && lists(f[3], l->name) && gid != l->gid &&
		    ctri_json_push(l->groups, json_object_new_int64(gid)) < 0)
			r = ctri_cerr(l->who, l->op, CTR_E_NOMEM, "out of memory");
	}
	free(line);
	if (fp)
		fclose(fp);
	if (r == 0 && l->sp.group && !found)
		r = ctri_cerr(l->who, l->op, CTR_E_INVAL,
			      "group \"%s\" is not in /etc/group of %s%s", l->sp.group, l->root,
			      missing ? " (no such file)" : "");
	return r;
}

int ctri_user_resolve(const char *who, const char *op, const char *root, const char *spec,
		      json_object **out)
{
	struct lookup l = { .who = who, .op = op, .root = root };
	int r, root_fd = -1;

	if ((r = ctri_user_check(who, op, spec)) < 0)
		return r;
	split(spec, &l.sp);
	l.uid = l.sp.uid;
	l.gid = l.sp.group && l.sp.gkind == NUMBER ? l.sp.gid : 0;
	if (!(l.groups = json_object_new_array()))
		return ctri_cerr(who, op, CTR_E_NOMEM, "out of memory");
	int need_passwd = l.sp.ukind == NAME || !l.sp.group;
	int need_group = (l.sp.group && l.sp.gkind == NAME) || !l.sp.group;
	if ((need_passwd || need_group) &&
	    (root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		r = ctri_cerr(who, op, CTR_E_IO, "root filesystem %s: %s", root, strerror(errno));
	if (r == 0 && need_passwd)
		r = read_passwd(&l, root_fd);
	/* Supplementary groups only for a user found by name and no group given (as runc). */
	if (r == 0 && need_group && (l.sp.group || l.name[0]))
		r = read_group(&l, root_fd);
	if (root_fd >= 0)
		close(root_fd);
	json_object *o = r == 0 ? json_object_new_object() : NULL;
	if (r == 0 && (!o || ctri_json_add(o, "uid", json_object_new_int64(l.uid)) < 0 ||
		       ctri_json_add(o, "gid", json_object_new_int64(l.gid)) < 0 ||
		       (json_object_array_length(l.groups) &&
			ctri_json_add(o, "additionalGids", json_object_get(l.groups)) < 0)))
		r = ctri_cerr(who, op, CTR_E_NOMEM, "out of memory");
	json_object_put(l.groups);
	if (r < 0)
		json_object_put(o);
	else
		*out = o;
	return r;
}
