/* Exec mode's stdio: the caller's descriptors 0-2, saved before the monitor detaches; with
 * --terminal, copied to and from the pty master without ever blocking the monitor. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"

int exec_save_stdio(int saved[3], int min)
{
	for (int i = 0; i < 3; i++) {
		saved[i] = fcntl(i, F_DUPFD_CLOEXEC, min);
		if (saved[i] < 0 && errno != EBADF)
			return mon_fail(CTRP_ERR_INTERNAL, "dup stdio: %m");
	}
	return 0;
}

/* A non-blocking descriptor for FD without touching the caller's open file description: pipes
 * and terminals are opened again through /proc (O_NONBLOCK there is ours alone); sockets are
 * used with MSG_DONTWAIT. Anything else (files) does not block, or stays as it is. */
static int own_nonblocking(int fd, int flags, int *sock)
{
	char path[64];
	struct stat st;
	int nfd;

	*sock = 0;
	if (fd < 0 || fstat(fd, &st) < 0)
		return fd;
	*sock = S_ISSOCK(st.st_mode);
	if (!S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode))
		return fd;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	nfd = open(path, flags | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (nfd < 0)
		return fd;
	close(fd);
	return nfd;
}

void exec_io_init(struct mon_exec_io *e)
{
	e->in = e->out = -1;
	e->input.from = e->input.to = e->output.from = e->output.to = -1;
	e->input.len = e->output.len = 0;
}

void exec_io_start(struct mon_exec_io *e, int in, int out, int pty)
{
	struct mon_copy *ci = &e->input, *co = &e->output;

	fcntl(pty, F_SETFL, fcntl(pty, F_GETFL) | O_NONBLOCK);
	e->in = own_nonblocking(in, O_RDONLY, &ci->from_sock);
	e->out = own_nonblocking(out, O_WRONLY, &co->to_sock);
	ci->from = e->in;
	ci->to = pty;
	ci->to_sock = 0;
	ci->tty_eof = 1;
	ci->any = 0;
	co->from = pty;
	co->from_sock = 0;
	co->to = e->out;
	co->tty_eof = 0;
	ci->len = co->len = 0;
}

static ssize_t copy_read(struct mon_copy *c)
{
	if (c->from_sock)
		return recv(c->from, c->buf, sizeof(c->buf), MSG_DONTWAIT);
	return read(c->from, c->buf, sizeof(c->buf));
}

static ssize_t copy_write(struct mon_copy *c)
{
	if (c->to_sock)
		return send(c->to, c->buf + c->off, c->len - c->off, MSG_DONTWAIT | MSG_NOSIGNAL);
	return write(c->to, c->buf + c->off, c->len - c->off);
}

/* Write what is buffered; a write error drops it (and what follows). */
static void copy_flush(struct mon_copy *c)
{
	while (c->len && c->to >= 0) {
		ssize_t w = copy_write(c);
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		if (w <= 0) {
			c->to = -1;
			break;
		}
		c->off += (size_t)w;
		if (c->off == c->len)
			c->len = c->off = 0;
	}
	c->len = c->off = 0;
}

/* Whether the terminal's line is empty after byte b (the last one written). */
static int line_start(const struct termios *t, int any, unsigned char b)
{
	if (!any || b == '\n' || (b == '\r' && (t->c_iflag & ICRNL) && !(t->c_iflag & IGNCR)))
		return 1;
	return b != _POSIX_VDISABLE &&
	       (b == t->c_cc[VEOL] || b == t->c_cc[VEOL2] || b == t->c_cc[VEOF]);
}

/* The input ended: end the terminal's input as a user does, with its EOF character (^D)
 * after everything written, so that the reader's read() returns 0. After a partial line it
 * takes two: the first hands the line over, the second is the end of file. Only in
 * canonical mode: in raw mode ^D is a byte like any other, and there is no end of file. */
static void tty_eof(struct mon_copy *c)
{
	struct termios t;

	if (c->to < 0 || tcgetattr(c->to, &t) < 0 || !(t.c_lflag & ICANON) ||
	    t.c_cc[VEOF] == _POSIX_VDISABLE)
		return;
	c->len = line_start(&t, c->any, c->last) ? 1 : 2;
	c->off = 0;
	memset(c->buf, t.c_cc[VEOF], c->len);
	copy_flush(c);
}

static void copy_fill(struct mon_copy *c)
{
	ssize_t n = copy_read(c);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) { /* end of file, or EIO from a pty master whose slave is closed */
		c->from = -1;
		if (n == 0 && c->tty_eof) /* everything read before is written (len was 0) */
			tty_eof(c);
		return;
	}
	c->any = 1;
	c->last = (unsigned char)c->buf[n - 1];
	c->len = (size_t)n;
	c->off = 0;
	copy_flush(c);
}

/* Read while the buffer is empty; write while it is not: a destination that does not take
 * the bytes stops the reading, so neither end is ever waited for. */
static int copy_poll(struct mon_copy *c, struct pollfd *p, int n)
{
	c->pin = c->pout = -1;
	if (!c->len && c->from >= 0) {
		c->pin = n;
		p[n++] = (struct pollfd){ .fd = c->from, .events = POLLIN };
	}
	if (c->len && c->to >= 0) {
		c->pout = n;
		p[n++] = (struct pollfd){ .fd = c->to, .events = POLLOUT };
	}
	return n;
}

static void copy_handle(struct mon_copy *c, const struct pollfd *p)
{
	if (c->pout >= 0 && p[c->pout].revents) {
		short rev = p[c->pout].revents;
		copy_flush(c);
		if (c->len && (rev & (POLLERR | POLLHUP))) {
			c->to = -1; /* the reader is gone */
			c->len = c->off = 0;
		}
	}
	if (c->pin >= 0 && p[c->pin].revents)
		copy_fill(c);
}

int exec_io_poll(struct mon_exec_io *e, struct pollfd *p, int n)
{
	n = copy_poll(&e->input, p, n);
	return copy_poll(&e->output, p, n);
}

void exec_io_handle(struct mon_exec_io *e, const struct pollfd *p)
{
	copy_handle(&e->output, p);
	copy_handle(&e->input, p);
	/* Input that the terminal no longer takes is not read any more. */
	if (e->input.to < 0)
		e->input.from = -1;
}

int exec_io_output_open(const struct mon_exec_io *e)
{
	return e->output.from >= 0 || (e->output.len && e->output.to >= 0);
}

/* The name the runtime's init process gives itself until it executes the process (runc's
 * nsexec: "runc:[2:INIT]"). Other runtimes' inits are not recognised: their exec failures
 * show as the process's exit status, as before. */
#define RT_INIT_COMM "runc:["

/* Whether pid still runs the runtime's init (1, *zombie set when it exited), or something
 * else: the process, or nothing we can read (0). */
static int in_runtime_init(pid_t pid, int *zombie)
{
	char path[64], buf[512], *name, *close_paren;
	char state = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_small(path, buf, sizeof(buf)) <= 0 || !(name = strchr(buf, '(')) ||
	    !(close_paren = strrchr(buf, ')')) || sscanf(close_paren + 1, " %c", &state) != 1)
		return 0;
	*close_paren = 0;
	*zombie = state == 'Z' || state == 'X';
	return !strncmp(name + 1, RT_INIT_COMM, strlen(RT_INIT_COMM));
}

/* The last non-empty line of what waits on the pty master (the init's error message). */
static void last_line(int pty, char *out, size_t size)
{
	char buf[4096];
	size_t len = 0;
	ssize_t n;
	struct pollfd p = { .fd = pty, .events = POLLIN };

	*out = 0;
	while (len < sizeof(buf) - 1 && poll(&p, 1, 0) == 1 && (p.revents & POLLIN) &&
	       (n = read(pty, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len] = 0;
	char *start = buf + len;
	while (start > buf && start[-1] != '\n' && start[-1] != '\r')
		start--;
	size_t keep = strlen(start) < size - 1 ? strlen(start) : size - 1;
	memcpy(out, start, keep); /* the line, cut to the caller's buffer */
	out[keep] = 0;
}

int exec_check_started(pid_t pid, int pty, unsigned timeout_ms)
{
	int64_t deadline = now_ns(CLOCK_MONOTONIC) + (int64_t)timeout_ms * 1000000;
	int zombie = 0, status = 0;
	char why[512];

	while (in_runtime_init(pid, &zombie) && !zombie) {
		if (now_ns(CLOCK_MONOTONIC) > deadline)
			return 0; /* still preparing: it is not known to have failed */
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	if (!zombie || !in_runtime_init(pid, &zombie))
		return 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pty >= 0)
		last_line(pty, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "its message is on the process's stderr");
	return mon_fail(CTRP_ERR_RUNTIME,
			"the process did not start: the runtime's init exited with status %d "
			"before executing it (%s)",
			WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
			*why ? why : "no message");
}
