/* Helpers shared by the unit tests. */
#ifndef CTR_TESTUTIL_H
#define CTR_TESTUTIL_H

#include "ctr/ctr.h"

/* A new empty directory under $TMPDIR (or /tmp); the path is malloc'd. Aborts the test on
 * failure. */
char *tu_mkdtemp(void);

/* Remove a tree (test cleanup). */
void tu_rm_rf(const char *path);

/* A runtime over fresh temporary state and run directories, with CTR_RUNTIME_NOSYNC.
 * tu_runtime_dirs() returns the base directory holding state/, run/ and rootfs/ (an empty
 * directory usable as a rootfs). */
ctr_runtime_t *tu_runtime(void);
const char *tu_base(void);
const char *tu_rootfs(void);
void tu_cleanup(void);

/* A config with the test rootfs and args {"/bin/true"}; name may be NULL. */
ctr_config_t *tu_config(const char *name);

#endif
