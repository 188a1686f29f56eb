/* The OCI runtime binary: `RUNTIME --root RUN/runtime --log-format json ...`. */
#ifndef LIBCTR_OCI_H
#define LIBCTR_OCI_H

#include <stddef.h>
#include <sys/types.h>

#include "container.h"

/* Run the runtime with args (NULL-terminated, at most 16) for container c; op names the
 * operation in messages. stdout goes to *out (malloc'd) when out is not NULL.
 * Returns 0; CTR_E_RUNTIME "RUNTIME ARG0: <its message>" when it fails or cannot be
 * executed; CTR_E_TIMEOUT when it ran longer than the runtime timeout (its process group
 * was killed). */
int ctri_oci_run(ctr_container_t *c, const char *op, const char *const *args, char **out);

/* The longest runtime message that goes into an error, in bytes (then "..." follows). */
#define CTRI_OCI_MSG_MAX 512

/* Make text from a runtime (len bytes, any bytes) fit for an error message: one line of
 * printable characters, escape sequences and invisible or direction-changing characters
 * dropped, other control characters (NUL, CR, LF, tab...) and runs of spaces made one space,
 * bytes that are not UTF-8 shown as '?'. Text longer than cap - 1 bytes is cut at a
 * character boundary to at most cap - 4 bytes and "..." follows. out (cap bytes, at least 5,
 * NUL-terminated) gets "" when nothing is left. */
void ctri_oci_clean(const char *in, size_t len, char *out, size_t cap);

/* Run another program (argv[0] a path or a name on PATH) with the runtime timeout, its
 * stdout and stderr together in *output (malloc'd). Returns its exit status (>= 0, 128+S
 * for signal S); CTR_E_NOTSUP when it cannot be executed; CTR_E_TIMEOUT. */
int ctri_cmd_output(ctr_container_t *c, const char *op, const char *const *argv, char **output);
/* The same for no container: messages "container NAME: cannot OP: ..." (name may be NULL),
 * killed after timeout_ms. */
int ctri_cmd_run(const char *name, const char *op, unsigned timeout_ms, const char *const *argv,
		 char **output);

/* A program to run with no container (ctri_cmd_exec). */
struct ctri_cmd {
	const char *const *argv; /* argv[0] a path or a name on PATH */
	char *const *envp;	 /* NULL: the caller's environment */
	const char *input;	 /* its stdin (input_len bytes); NULL: /dev/null */
	size_t input_len;
	unsigned timeout_ms; /* its process group is killed then */
	const int *pass;     /* descriptors (each > 9) it gets as 3, 4, ... */
	size_t n_pass;
};
/* Run cmd: its stdout in *out, its stderr in *err (both malloc'd), or with err NULL both
 * together in *out. Returns its exit status (>= 0, 128+S for signal S); CTR_E_NOTSUP when
 * it cannot be executed; CTR_E_TIMEOUT; CTR_E_IO; CTR_E_NOMEM. Messages "container NAME:
 * cannot OP: ..." (name may be NULL). */
int ctri_cmd_exec(const char *name, const char *op, const struct ctri_cmd *cmd, char **out,
		  char **err);

/* 1 if the runtime has state for c (its directory under --root exists). */
int ctri_oci_exists(ctr_container_t *c);

/* The runtime's status of c ("created", "running", "paused", "stopped") and init pid.
 * CTR_E_NOENT (no message) when the runtime does not know it. */
int ctri_oci_state(ctr_container_t *c, const char *op, char *status, size_t len, pid_t *pid);

/* Delete the runtime's state of c (with force: killing it first). Absent state is fine.
 * Then the empty cgroup directories the runtime may have left go (ctri_cgroup_prune). */
int ctri_oci_delete(ctr_container_t *c, const char *op, int force);

/* Where the runtime's state of c stands. With --delete the monitor deletes it after the
 * exit, holding a lock on it meanwhile. */
#define CTRI_RT_ABSENT 0
#define CTRI_RT_PRESENT 1
#define CTRI_RT_DELETING 2
int ctri_oci_presence(ctr_container_t *c);

/* A shared lock on the runtime's state of c, which the monitor's delete waits for; close
 * the descriptor to release it. -1 when there is no state. */
int ctri_oci_hold(ctr_container_t *c);

/* Make sure the runtime's state of a container that no longer runs goes: delete it when it
 * is left over; when the monitor is deleting it, wait for that (wait) or leave it to it.
 * Once it is gone, so are the empty cgroup directories the runtime left. */
int ctri_oci_release(ctr_container_t *c, const char *op, int wait);

int ctri_oci_kill(ctr_container_t *c, const char *op, int sig);

/* After a runtime call on a running container failed: 1 if the reason is that its process
 * has exited meanwhile (the runtime says stopped, or knows it no more; the monitor may still
 * be writing the exit file), else 0 with the failed call's message kept. */
int ctri_oci_exited(ctr_container_t *c, const char *op);

#endif
