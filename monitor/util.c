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

static const char *const code_names[] = {
	[MON_E_PROTO] = "proto", [MON_E_USAGE] = "usage",     [MON_E_INTERNAL] = "internal",
	[MON_E_EXEC] = "exec",	 [MON_E_RUNTIME] = "runtime", [MON_E_TIMEOUT] = "timeout",
};

static enum mon_code err_code = MON_E_INTERNAL;
static char err_msg[1024];

int mon_fail(enum mon_code code, const char *fmt, ...)
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
	char line[sizeof(err_msg) + 32];
	int n;

	if (!err_msg[0])
		strcpy(err_msg, "unknown error");
	/* The line is the record separator: the message must stay on one line. */
	for (char *p = err_msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	n = snprintf(line, sizeof(line), "%d error %s %s\n", MON_PROTO, code_names[err_code],
		     err_msg);
	if (n > 0)
		(void)write_all(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
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
