/* A user as the caller names it, "USER[:GROUP]" (podman's --user): each part a name or a
 * number. Checked when it is given; resolved in the container's root filesystem (its
 * /etc/passwd and /etc/group, read without leaving that root) into the OCI process.user.
 *
 * A name must be in the files. A number need not: without GROUP, the gid and the
 * supplementary groups come from the passwd entry of that uid and the groups that list its
 * name (gid 0 when there is none); with GROUP, only that group. */
#ifndef LIBCTR_USER_H
#define LIBCTR_USER_H

#include <json-c/json.h>

#define CTRI_USER_MAX 80 /* the longest spec with its NUL: two names of 32, ':' */

/* 0 when spec is well formed, else CTR_E_INVAL with the reason (for who's op). */
int ctri_user_check(const char *who, const char *op, const char *spec);

/* 1 with *uid and *gid when spec is "UID:GID" (both numbers: nothing to look up), else 0. */
int ctri_user_numeric(const char *spec, unsigned *uid, unsigned *gid);

/* Resolve spec in the root filesystem at root into a new {"uid","gid"[,"additionalGids"]}
 * object (*out). CTR_E_INVAL naming the file when a name is not found; CTR_E_IO when root or
 * a file cannot be read (a missing file only matters for a name); CTR_E_NOMEM. */
int ctri_user_resolve(const char *who, const char *op, const char *root, const char *spec,
		      json_object **out);

#endif
