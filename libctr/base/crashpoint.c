/* Crash points (crashpoint.h): compiled only into the hook build (-DCTR_CRASHPOINTS), so
 * the normal library has neither this code nor its symbol. */
#include "crashpoint.h"

#ifdef CTR_CRASHPOINTS
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Hits of the point CTR_CRASH_AT names, counted in this process only. */
static unsigned long hits;

void ctri_crashpoint(const char *name)
{
	/* Read at every hit rather than once: a test process forks children that set the
	 * variable after the parent has passed points already. */
	const char *at = getenv("CTR_CRASH_AT");
	size_t len = strlen(name);

	if (!at || strncmp(at, name, len) != 0 || (at[len] != '\0' && at[len] != ':'))
		return;
	unsigned long want = at[len] == ':' ? strtoul(at + len + 1, NULL, 10) : 1;
	if (__atomic_add_fetch(&hits, 1, __ATOMIC_SEQ_CST) == want)
		kill(getpid(), SIGKILL);
}
#else
/* ISO C wants a translation unit to declare something. */
typedef int ctri_crashpoint_unused;
#endif
