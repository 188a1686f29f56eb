/* Integration test suites and helpers. */
#ifndef CTR_ITEST_H
#define CTR_ITEST_H

#include <check.h>

#include "ctr/ctr.h"

Suite *suite_spec_runc(void);

/* A runtime over fresh temporary directories (removed by it_cleanup). */
ctr_runtime_t *it_runtime(void);
const char *it_base(void);
void it_cleanup(void);
/* The busybox rootfs from CTR_TEST_ROOTFS. */
const char *it_rootfs(void);

/* Run argv (NULL-terminated), capture stdout+stderr (malloc'd, NUL-terminated) and
 * return the exit status (0..255, or 128+signal); -1 when it cannot start. */
int it_run(const char *const *argv, char **output);

#endif
