/* The attach wire formats: records on a monitor's attach socket (protocol 2) and the
 * multiplexed frames written to a caller's mux_fd. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "attach_proto.h"
#include "error.h"

/* ---- connecting ---------------------------------------------------------------------- */

/* Fill sa for path; a path too long for sun_path goes through an O_PATH descriptor on its
 * directory (*dirfd, to be closed by the caller). */
static int sock_addr(const char *path, struct sockaddr_un *sa, int *dirfd, const char *name,
		     const char *op)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];

	*sa = (struct sockaddr_un){ .sun_family = AF_UNIX };
	if (strlen(path) < sizeof(sa->sun_path)) {
		strcpy(sa->sun_path, path);
		return 0;
	}
	if (!slash || (size_t)(slash - path) >= sizeof(dir))
		return ctri_cerr(name, op, CTR_E_IO, "socket path too long: %s", path);
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	*dirfd = open(dir[0] ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return ctri_cerr(name, op, errno == ENOENT ? CTR_E_STATE : CTR_E_IO, "open %s: %m",
				 dir);
	int n =
	    snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", *dirfd, slash + 1);
	if (n < 0 || (size_t)n >= sizeof(sa->sun_path))
		return ctri_cerr(name, op, CTR_E_IO, "socket name too long: %s", path);
	return 0;
}

int ctri_att_connect(const char *path, const char *name, const char *op)
{
	struct sockaddr_un sa;
	int dirfd = -1, fd = -1;
	int r = sock_addr(path, &sa, &dirfd, name, op);

	if (r < 0)
		goto out;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = ctri_cerr(name, op, CTR_E_IO, "socket: %m");
		goto out;
	}
	while ((r = connect(fd, (struct sockaddr *)&sa, sizeof(sa))) < 0 && errno == EINTR)
		;
	if (r < 0) {
		int gone = errno == ENOENT || errno == ECONNREFUSED;
		r = ctri_cerr(name, op, gone ? CTR_E_STATE : CTR_E_IO, "connect to %s: %m%s", path,
			      gone ? " (the container's monitor is gone)" : "");
		close(fd);
		fd = -1;
	}
out:
	if (dirfd >= 0)
		close(dirfd);
	return r < 0 ? r : fd;
}

/* A REFUSED payload: CTR_E_BUSY naming the limit, else CTR_E_MONITOR. */
static int refused(const char *name, const char *op, const unsigned char *p, int len)
{
	int proto, clients;

	if (ctrp_refused_parse((const char *)p, (size_t)len, &proto, &clients) == 0 &&
	    proto == CTRP_PROTO)
		return ctri_cerr(name, op, CTR_E_BUSY,
				 "the container's monitor already serves %d attach clients, its "
				 "limit (try again once one has detached)",
				 clients);
	return ctri_cerr(name, op, CTR_E_MONITOR, "the monitor refused the connection: \"%.*s\"",
			 len < 63 ? len : 63, (const char *)p);
}

/* The greeting: HELLO (0) or, with control_ok, a well-formed REFUSED (1). */
static int read_greeting(int fd, const char *name, const char *op, struct ctrp_hello *out,
			 int control_ok)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	unsigned char buf[CTRI_ATT_BUF];
	int n, type;

	while ((n = poll(&p, 1, CTRI_ATT_HELLO_MS)) < 0 && errno == EINTR)
		;
	if (n < 0)
		return ctri_cerr(name, op, CTR_E_IO, "poll on the attach socket: %m");
	if (n == 0)
		return ctri_cerr(name, op, CTR_E_MONITOR, "the monitor did not answer within %d s",
				 CTRI_ATT_HELLO_MS / 1000);
	if ((n = ctri_att_recv(fd, buf, &type)) < 0)
		return ctri_cwrap(name, op, n);
	if (type == CTRI_ATT_EOF)
		return ctri_cerr(name, op, CTR_E_STATE,
				 "the monitor closed the connection (the container is exiting)");
	if (type == CTRP_ATT_REFUSED) {
		int r = refused(name, op, buf + 1, n);
		return r == CTR_E_BUSY && control_ok ? 1 : r;
	}
	if (type != CTRP_ATT_HELLO || ctrp_hello_parse((char *)buf + 1, (size_t)n, out) < 0)
		return ctri_cerr(name, op, CTR_E_MONITOR,
				 "the monitor's greeting is not a HELLO (record type %d, %d bytes)",
				 type, n);
	if (out->proto != CTRP_PROTO)
		return ctri_cerr(name, op, CTR_E_MONITOR,
				 "the monitor speaks attach protocol %d, this library %d",
				 out->proto, CTRP_PROTO);
	return 0;
}

int ctri_att_read_hello(int fd, const char *name, const char *op, struct ctrp_hello *out)
{
	return read_greeting(fd, name, op, out, 0);
}

int ctri_att_open(const char *path, const char *name, const char *op, struct ctrp_hello *out)
{
	int fd = ctri_att_connect(path, name, op);

	if (fd < 0)
		return fd;
	int r = ctri_att_read_hello(fd, name, op, out);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

/* ---- records ------------------------------------------------------------------------- */

int ctri_att_send(int fd, int type, const void *data, size_t len, int dontwait)
{
	unsigned char t = (unsigned char)type;
	struct iovec iov[2] = { { &t, 1 }, { (void *)data, len } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	ssize_t n;

	if (len > CTRP_ATT_PAYLOAD_MAX)
		return ctri_err(CTR_E_INVAL, "attach record of %zu bytes (at most %d)", len,
				CTRP_ATT_PAYLOAD_MAX);
	while ((n = sendmsg(fd, &m, MSG_NOSIGNAL | (dontwait ? MSG_DONTWAIT : 0))) < 0 &&
	       errno == EINTR)
		;
	if (n < 0 && dontwait && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 1;
	if (n < 0)
		return ctri_err(CTR_E_IO, "send to the monitor's attach socket: %m");
	return 0;
}

static int recv_record(int fd, unsigned char *buf, int *type, int flags)
{
	ssize_t n;

	while ((n = recv(fd, buf, CTRI_ATT_BUF, MSG_TRUNC | flags)) < 0 && errno == EINTR)
		;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && (flags & MSG_DONTWAIT)) {
		*type = CTRI_ATT_NONE;
		return 0;
	}
	if (n < 0 && errno == ECONNRESET)
		n = 0; /* the monitor went away: the same as a close */
	if (n < 0)
		return ctri_err(CTR_E_IO, "receive from the monitor's attach socket: %m");
	if (n == 0) { /* a close, or an empty record: the same to recv(), and to the protocol */
		*type = CTRI_ATT_EOF;
		return 0;
	}
	*type = buf[0];
	if (n > CTRI_ATT_BUF)
		return ctri_err(CTR_E_MONITOR,
				"the monitor sent a record of %zd bytes (at most %d)", n,
				CTRI_ATT_BUF);
	return (int)n - 1;
}

int ctri_att_recv(int fd, unsigned char *buf, int *type)
{
	return recv_record(fd, buf, type, 0);
}

int ctri_att_recv_nb(int fd, unsigned char *buf, int *type)
{
	return recv_record(fd, buf, type, MSG_DONTWAIT);
}

int ctri_attach_resize_path(const char *sock_path, const char *name_for_errors, const char *op,
			    unsigned rows, unsigned cols)
{
	struct ctrp_hello h;
	char msg[CTRP_RESIZE_LEN_MAX];
	int fd, r;

	if (rows < 1 || rows > CTRP_RESIZE_MAX || cols < 1 || cols > CTRP_RESIZE_MAX)
		return ctri_cerr(name_for_errors, op, CTR_E_INVAL,
				 "window size %ux%u: rows and columns must be 1..65535", rows,
				 cols);
	if ((fd = ctri_att_connect(sock_path, name_for_errors, op)) < 0)
		return fd;
	/* As a client, or refused as one: a monitor serving all the clients it takes still
	 * resizes (the connection is its for RESIZE only). */
	if ((r = read_greeting(fd, name_for_errors, op, &h, 1)) < 0) {
		close(fd);
		return r;
	}
	size_t n = ctrp_resize_format(msg, sizeof(msg), rows, cols);
	if ((r = ctri_att_send(fd, CTRP_ATT_RESIZE, msg, n, 0)) < 0)
		r = ctri_cwrap(name_for_errors, op, r);
	close(fd);
	return r;
}

/* ---- output descriptors -------------------------------------------------------------- */

static int wait_writable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int n;

	while ((n = poll(&p, 1, -1)) < 0 && errno == EINTR)
		;
	if (n < 0)
		return -errno;
	if (p.revents & POLLNVAL)
		return -EBADF;
	return 0; /* POLLERR, POLLHUP: the next write says why */
}

/* With SIGPIPE blocked: an EPIPE from a pipe or socket leaves a SIGPIPE pending on this
 * thread, which is taken back (unless one was pending before, which stays). */
static int write_iov_blocked(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int r = wait_writable(fd);
			if (r < 0)
				return r;
			continue;
		}
		if (w < 0)
			return -errno;
		for (; n > 0 && (size_t)w >= iov->iov_len; iov++, n--)
			w -= (ssize_t)iov->iov_len;
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

int ctri_write_iov(int fd, struct iovec *iov, int n)
{
	sigset_t pipe_set, old, pending;
	int was_pending;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
	int r = write_iov_blocked(fd, iov, n);
	if (r == -EPIPE && !was_pending) {
		struct timespec zero = { 0, 0 };
		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

void ctri_mux_header(unsigned char hdr[CTRI_MUX_HDR], int stream, size_t len)
{
	hdr[0] = (unsigned char)stream;
	hdr[1] = hdr[2] = hdr[3] = 0;
	hdr[4] = (unsigned char)(len >> 24);
	hdr[5] = (unsigned char)(len >> 16);
	hdr[6] = (unsigned char)(len >> 8);
	hdr[7] = (unsigned char)len;
}

int ctri_mux_writev(int fd, int stream, const struct iovec *iov, int n)
{
	unsigned char hdr[CTRI_MUX_HDR];
	struct iovec all[9] = { { hdr, sizeof(hdr) } };
	size_t len = 0;

	if (n < 0 || n > 8)
		return -EINVAL;
	for (int i = 0; i < n; i++) {
		all[i + 1] = iov[i];
		len += iov[i].iov_len;
	}
	if (len == 0)
		return 0;
	if (len > 0xffffffffu)
		return -EFBIG;
	ctri_mux_header(hdr, stream, len);
	return ctri_write_iov(fd, all, n + 1);
}

int ctri_mux_write(int fd, int stream, const void *data, size_t len)
{
	struct iovec iov = { (void *)data, len };

	return ctri_mux_writev(fd, stream, &iov, 1);
}
