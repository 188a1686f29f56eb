/* The process of an exec session: checking the caller's options, the session's record, and
 * the process.json given to the runtime's exec. */
#ifndef LIBCTR_EXEC_SPEC_H
#define LIBCTR_EXEC_SPEC_H

#include <json-c/json.h>

#include "container.h"

/* Check opts (CTR_E_INVAL with the reason). */
int ctri_exec_check(ctr_container_t *c, const char *op, const ctr_exec_opts_t *o);
/* A new session record in state "created" (NULL when out of memory). */
json_object *ctri_exec_record_new(const char *id, const ctr_exec_opts_t *o);
/* Merge the "K=V" strings of the array add into proc's "env" array (made when missing): a
 * name of add replaces the value of the first variable of that name in env, in its place,
 * or is appended, in the order add first names it; when add names a variable twice, its
 * last value counts. O(n log n). 0 or -1 (out of memory). */
int ctri_exec_merge_env(json_object *proc, json_object *add);
/* Write the process.json of the session rec to path: the container's process (from its
 * bundle) with the session's argv, env, cwd, user (looked up in the files of the container
 * whose first process is init), terminal and privileges; what execve will get goes to *args
 * (may be NULL). */
/* What execve(2) gets: the strings of args and env (with their NULs) and how many, the
 * longest, and the soft stack limit that bounds them (RLIM_INFINITY for none). */
struct ctri_exec_args {
	size_t bytes, strings, longest;
	unsigned long long stack;
};
int ctri_exec_write_process(ctr_container_t *c, const char *op, json_object *rec, pid_t init,
			    const char *path, struct ctri_exec_args *args);
/* When args are more than execve(2) takes (E2BIG), a sentence saying so in buf; else NULL. */
const char *ctri_exec_e2big(const struct ctri_exec_args *args, char *buf, size_t len);

#endif
