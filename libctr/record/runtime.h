/* The runtime context: directories, options, the store, reboot detection. */
#ifndef LIBCTR_RUNTIME_H
#define LIBCTR_RUNTIME_H

#include <stddef.h>

#include "ctr/ctr.h"
#include "store.h"

struct ctr_runtime {
	int refs; /* atomic */
	unsigned flags;
	int rebooted;
	char *state_dir;
	char *run_dir;
	char *oci_runtime;
	char *monitor_path;
	char *cleanup_path;   /* ctr-cleanup, run by monitors of containers with a restart policy */
	char *containers_dir; /* STATE/containers: one bundle directory per container */
	char *pending_dir;    /* STATE/pending: creates and removes under way (pending.h) */
	char *locks_dir;      /* RUN/locks */
	char *runtime_root;   /* RUN/runtime: the OCI runtime's --root */
	char *exits_dir;      /* RUN/exits: the monitors' exit files */
	char *attach_dir;     /* RUN/attach: the monitors' attach sockets, one per container id */
	char *exec_dir;       /* RUN/exec: per container id, exec sessions' files and exit files */
	unsigned timeout_ms;  /* limit of each OCI runtime call */
	char boot_id[40];     /* the kernel's, read by ctr_runtime_open (36 characters) */
	struct ctri_store *store;
};

/* Read an opts field only if the caller's struct is large enough to hold it. */
#define CTRI_OPTS_HAS(opts, field)                                                   \
	((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), field) + sizeof((opts)->field))
#define CTRI_OPTS_GET(opts, field, def) (CTRI_OPTS_HAS(opts, field) ? (opts)->field : (def))

/* Check an opts struct of the caller's size: sz must cover at least the size field, and
 * every byte from the end of the last field the library knows up to sz must be zero (the
 * type's tail padding included, where a later version may put a field). */
int ctri_opts_valid(const void *opts, size_t known, const char *op);
#define CTRI_OPTS_VALID(opts, last_field, op)                                                      \
	ctri_opts_valid(                                                                           \
	    (opts), offsetof(__typeof__(*(opts)), last_field) + sizeof((opts)->last_field), (op))

/* What libctr recorded as the boot id before it could read the kernel's (whose file
 * reports size 0): a record of an unknown boot. */
#define CTRI_BOOT_UNKNOWN "unknown"

/* 1 if a record's boot_id is rt's boot, or CTRI_BOOT_UNKNOWN: records of an unknown boot
 * are judged by their other facts (the process start times, the overlay still mounted), as
 * they were when written. 0 for another boot or NULL. */
int ctri_boot_current(const ctr_runtime_t *rt, const char *boot_id);

ctr_runtime_t *ctri_runtime_ref(ctr_runtime_t *rt);
void ctri_runtime_unref(ctr_runtime_t *rt);

#endif
