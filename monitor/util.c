/* Small helpers: the recorded error, writes, clocks, descriptors. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"

static enum ctrp_err err_code = CTRP_ERR_INTERNAL;
static char err_msg[1024];

int mon_fail(enum ctrp_err code, const char *fmt, ...)
{
	va_list ap;

	if (err_msg[0])
		return -1;
	err_code = code;
	va_start(ap, fmt);
	vsnprintf(err_msg, sizeof(err_msg), fmt, ap);
	va_end(ap);
	return -1;
}

void mon_report_error(int fd)
{
	char line[CTRP_SYNC_LINE_MAX];

	(void)ctrp_write_all(fd, line, ctrp_sync_format_error(line, sizeof(line), err_code, err_msg));
}

int64_t now_ns(int clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int ms_left(int64_t deadline)
{
	int64_t left = deadline - now_ns(CLOCK_MONOTONIC);

	if (left <= 0)
		return 0;
	return left > (int64_t)INT_MAX * 1000000 ? INT_MAX : (int)((left + 999999) / 1000000);
}

int mon_close_range(unsigned first, unsigned last)
{
	return (int)syscall(SYS_close_range, first, last, 0);
}

void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

ssize_t read_small(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, len - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		n = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return n;
}
