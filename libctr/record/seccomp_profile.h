/* Seccomp profiles in the OCI form (the linux.seccomp object of the runtime spec): checking
 * a caller's profile against libseccomp, and the built-in default profile. */
#ifndef LIBCTR_SECCOMP_PROFILE_H
#define LIBCTR_SECCOMP_PROFILE_H

#include <json-c/json.h>

/* Check an OCI seccomp object: known keys only, known actions, architectures and
 * operators, and every syscall name known to libseccomp. op (unless NULL) prefixes the message and
 * origin names where the profile came from (a path, or "(inline)"), as in
 * "OP: unknown syscall foo_bar in seccomp profile ORIGIN". Returns 0 or CTR_E_INVAL. */
int ctri_seccomp_check(json_object *profile, const char *op, const char *origin);

/* 1 if libseccomp knows the system call name (on any architecture), else 0. */
int ctri_seccomp_syscall_known(const char *name);

/* The built-in profile (seccomp_default.c) for a container whose capability set is caps (an
 * array of "CAP_*" names): an allowlist whose default action is ERRNO(ENOSYS). The calls of
 * the capabilities caps lacks, and those refused whatever the capabilities, fail with
 * EPERM; personality, clone, unshare, clone3 and socket are filtered by their arguments.
 * Names unknown to libseccomp are left out. Returns 0 or CTR_E_NOMEM; caller puts. */
int ctri_seccomp_default(json_object *caps, json_object **out);

#endif
