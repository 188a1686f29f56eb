/* `runc start` without runc.
 *
 * A container created by runc waits in its init, which blocks opening ROOT/ID/exec.fifo for
 * writing until a reader comes; it then writes one byte and execs the command. `runc start`
 * is exactly that reader: it opens the fifo, reads the byte and removes the fifo (runc tells
 * "created" from "running" by the fifo's presence). Poststart hooks run at create in runc
 * 1.1, not at start. Doing the same here saves a Go process start, 5-7 ms of every
 * init + start on this machine. Other runtimes (crun's fifo goes the other way) and states
 * without the fifo keep `RUNTIME start`. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "proc.h"
#include "runc_start.h"
#include "runtime.h"

#define FIFO "exec.fifo"
#define SLICE_MS 10 /* how often a silent fifo makes us look at the init */

static int is_runc(const ctr_runtime_t *rt)
{
	const char *slash = strrchr(rt->oci_runtime, '/');

	return strcmp(slash ? slash + 1 : rt->oci_runtime, "runc") == 0;
}

/* Wait for the init's byte on fd; 0 once read. A read of 0 means no writer at the moment:
 * either the init has not reached its open yet (poll then waits for it), or it came and went
 * without a byte, which poll reports as a hang-up with nothing to read. */
static int read_go(ctr_container_t *c, int fd, pid_t init_pid)
{
	long long deadline = ctri_mono_ms() + c->rt->timeout_ms;
	char b;

	for (;;) {
		ssize_t n = read(fd, &b, 1);
		if (n == 1)
			return 0;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return ctri_cerr(c->name, "start", CTR_E_IO, "read %s: %m", FIFO);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int k = poll(&p, 1, SLICE_MS);
		if (k > 0 && (p.revents & POLLHUP) && !(p.revents & POLLIN))
			return ctri_cerr(c->name, "start", CTR_E_RUNTIME,
					 "container init gave no start byte");
		if (k != 0)
			continue;
		if (ctri_proc_stat(init_pid, NULL, NULL) < 0)
			return ctri_cerr(c->name, "start", CTR_E_RUNTIME,
					 "container process is already dead");
		if (ctri_mono_ms() >= deadline)
			return ctri_cerr(c->name, "start", CTR_E_TIMEOUT,
					 "container init did not open %s in %u ms", FIFO,
					 c->rt->timeout_ms);
	}
}

int ctri_runc_start(ctr_container_t *c, int state_dirfd, pid_t init_pid)
{
	struct stat sb;

	if (state_dirfd < 0 || init_pid <= 0 || !is_runc(c->rt))
		return 1;
	/* Non-blocking: the open returns at once, and unblocks the init's open for writing. */
	int fd = openat(state_dirfd, FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 1 : ctri_cerr(c->name, "start", CTR_E_IO, "open %s: %m",
						       FIFO);
	if (fstat(fd, &sb) < 0 || !S_ISFIFO(sb.st_mode)) {
		close(fd);
		return 1;
	}
	int r = read_go(c, fd, init_pid);
	close(fd);
	if (r == 0 && unlinkat(state_dirfd, FIFO, 0) < 0 && errno != ENOENT)
		r = ctri_cerr(c->name, "start", CTR_E_IO, "remove %s: %m", FIFO);
	return r;
}
