/* The attach socket: clients get the container's output live, write its stdin and resize its
 * terminal. The monitor never blocks on a client: output for a slow one is queued (up to
 * MON_CLIENT_QUEUE_MAX, then dropped for it alone), and a client whose input the container
 * does not take yet is not read until it does. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"

/* A record queued for a client (data[0] is its type), or the unwritten rest of a STDIN
 * payload. */
struct mon_rec {
	struct mon_rec *next;
	size_t len, off;
	unsigned char data[];
};

/* One record received: its type and its payload (MSG_TRUNC tells the size of longer ones). */
static unsigned char rbuf[1 + CTRP_ATT_PAYLOAD_MAX];

/* What a queued record costs: the limit bounds memory, even for records of one byte. */
#define REC_COST(len) (sizeof(struct mon_rec) + 16 + (len))

void attach_init(struct mon_attach *at)
{
	*at = (struct mon_attach){ .sink = -1, .pty = -1, .lidx = -1, .sidx = -1 };
	sock_init(&at->sock);
	for (int i = 0; i < MON_CONNS_MAX; i++)
		at->c[i].fd = -1;
}

int attach_listen(struct mon_attach *at, const char *path)
{
	return sock_listen(&at->sock, path, SOCK_SEQPACKET, 16);
}

void attach_start(struct mon_attach *at, int sink, int sink_owned, int pty,
		  const struct mon_log *log, const struct log_stream *streams, int nstreams)
{
	at->has_stdin = sink >= 0;
	at->sink = sink;
	at->sink_owned = sink_owned;
	at->terminal = pty >= 0;
	at->pty = pty;
	at->log = log;
	at->streams = streams;
	at->nstreams = nstreams;
	if (sink >= 0)
		fcntl(at->sink, F_SETFL, fcntl(at->sink, F_GETFL) | O_NONBLOCK);
}

static void free_recs(struct mon_rec *r)
{
	while (r) {
		struct mon_rec *next = r->next;
		free(r);
		r = next;
	}
}

static void clear_pending(struct mon_attach *at, struct mon_client *c)
{
	if (!c->pending)
		return;
	free(c->pending);
	c->pending = NULL;
	at->npending--;
}

static void client_drop(struct mon_attach *at, struct mon_client *c)
{
	close_fd(&c->fd);
	free_recs(c->head);
	c->head = c->tail = NULL;
	c->queued = 0;
	clear_pending(at, c);
}

/* The client is gone (hung up, or a send failed): nothing more is sent to it, but what it
 * sent before is still read, so that "write, close stdin, hang up" works. */
static void client_gone(struct mon_client *c)
{
	c->hup = 1;
	free_recs(c->head);
	c->head = c->tail = NULL;
	c->queued = 0;
}

/* 0 sent, 1 would block, -1 the client is gone. */
static int send_rec(int fd, int type, const void *data, size_t len)
{
	unsigned char t = (unsigned char)type;
	struct iovec iov[2] = { { &t, 1 }, { (void *)data, len } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };

	for (;;) {
		if (sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
			return 0;
		if (errno != EINTR)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS ? 1 : -1;
	}
}

/* Send a record, or queue it behind the ones waiting. FORCE: queue even past the limit (END). */
static void client_send(struct mon_client *c, int type, const void *data, size_t len, int force)
{
	struct mon_rec *r;

	if (c->fd < 0 || c->hup)
		return;
	if (!c->head) {
		int s = send_rec(c->fd, type, data, len);
		if (s <= 0) {
			if (s < 0)
				client_gone(c);
			return;
		}
	}
	if (!force && c->queued + REC_COST(1 + len) > MON_CLIENT_QUEUE_MAX)
		return; /* dropped, for this client only */
	r = malloc(sizeof(*r) + 1 + len);
	if (!r)
		return;
	r->next = NULL;
	r->len = 1 + len;
	r->off = 0;
	r->data[0] = (unsigned char)type;
	memcpy(r->data + 1, data, len);
	if (c->tail)
		c->tail->next = r;
	else
		c->head = r;
	c->tail = r;
	c->queued += REC_COST(r->len);
}

static void client_flush(struct mon_client *c)
{
	while (c->head && !c->hup) {
		struct mon_rec *r = c->head;
		int s = send_rec(c->fd, r->data[0], r->data + 1, r->len - 1);
		if (s > 0)
			return;
		if (s < 0) {
			client_gone(c);
			return;
		}
		c->head = r->next;
		if (!c->head)
			c->tail = NULL;
		c->queued -= REC_COST(r->len);
		free(r);
	}
}

void attach_output(struct mon_attach *at, int type, const char *data, size_t len)
{
	for (int i = 0; i < MON_CONNS_MAX; i++)
		if (!at->c[i].control)
			client_send(&at->c[i], type, data, len, 0);
}

/* HELLO, then the unfinished lines: bytes read before the accept that the log does not hold
 * yet. With the log up to LOGOFFSET and the live records, the client has every byte once. */
static void hello(struct mon_attach *at, struct mon_client *c)
{
	const struct ctrp_hello h = {
		.log_offset = at->log ? (long long)at->log->size : 0,
		.rotations = at->log ? at->log->rotations : 0,
		.stdin_open = at->has_stdin,
		.terminal = at->terminal,
	};
	char buf[CTRP_HELLO_MAX];
	size_t n = ctrp_hello_format(buf, sizeof(buf), &h);

	client_send(c, CTRP_ATT_HELLO, buf, n, 1);
	for (int i = 0; i < at->nstreams; i++)
		if (at->streams[i].len)
			client_send(c, at->streams[i].type, at->streams[i].buf, at->streams[i].len,
				    0);
}

/* A slot for a new connection: a free one while fewer than MON_CLIENTS_MAX clients are
 * served (*control 0), else a control connection's: a free one, or the oldest's. */
static struct mon_client *slot_for(struct mon_attach *at, int *control)
{
	struct mon_client *free_slot = NULL, *oldest = NULL;
	int clients = 0;

	for (int i = 0; i < MON_CONNS_MAX; i++) {
		struct mon_client *c = &at->c[i];
		if (c->fd < 0 && !free_slot)
			free_slot = c;
		else if (c->fd >= 0 && !c->control)
			clients++;
		else if (c->fd >= 0 && (!oldest || c->since < oldest->since))
			oldest = c;
	}
	*control = clients >= MON_CLIENTS_MAX;
	if (!free_slot) /* every control slot taken (the clients' cannot all be free) */
		client_drop(at, free_slot = oldest);
	return free_slot;
}

static void accept_clients(struct mon_attach *at)
{
	for (int k = 0; k < MON_CONNS_MAX; k++) {
		int control, fd = accept4(at->sock.fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (fd < 0)
			return;
		struct mon_client *c = slot_for(at, &control);
		*c = (struct mon_client){
			.fd = fd, .pidx = -1, .control = control, .since = at->accepted++
		};
		if (control) { /* told why, and served for RESIZE (which needs no slot) */
			char buf[CTRP_REFUSED_MAX];
			size_t n = ctrp_refused_format(buf, sizeof(buf), MON_CLIENTS_MAX);
			client_send(c, CTRP_ATT_REFUSED, buf, n, 1);
			continue;
		}
		/* Room in the kernel for a burst, before records queue in our memory; charged to
		 * the socket, not to the monitor's RSS. Best effort. */
		int sndbuf = MON_CLIENT_SNDBUF;
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
		hello(at, c);
	}
}

static void sink_close(struct mon_attach *at)
{
	if (at->sink_owned)
		close_fd(&at->sink);
	at->sink = -1;
	for (int i = 0; i < MON_CONNS_MAX; i++)
		clear_pending(at, &at->c[i]);
}

/* Write what the container's stdin takes now; keep the rest as the client's pending record
 * (the client is not read until it is written). Input is written in the order it came. */
static void stdin_write(struct mon_attach *at, struct mon_client *c, const unsigned char *data,
			size_t len)
{
	size_t done = 0;
	struct mon_rec *r;

	if (at->sink < 0 || !len)
		return; /* closed by STDIN_CLOSE, or the container stopped reading: dropped */
	if (!at->npending) {
		ssize_t w = write(at->sink, data, len);
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			sink_close(at);
			return;
		}
		done = w > 0 ? (size_t)w : 0;
		if (done == len)
			return;
	}
	r = malloc(sizeof(*r) + len - done);
	if (!r)
		return;
	r->next = NULL;
	r->len = len - done;
	r->off = 0;
	memcpy(r->data, data + done, len - done);
	c->pending = r;
	c->pending_seq = at->seq++;
	at->npending++;
}

/* The container's stdin is writable (or broken: HUP/ERR): write the pending records, oldest
 * first. */
static void sink_flush(struct mon_attach *at, short revents)
{
	while (at->npending && at->sink >= 0) {
		struct mon_client *c = NULL;
		for (int i = 0; i < MON_CONNS_MAX; i++)
			if (at->c[i].pending && (!c || at->c[i].pending_seq < c->pending_seq))
				c = &at->c[i];
		struct mon_rec *r = c->pending;
		ssize_t w = write(at->sink, r->data + r->off, r->len - r->off);
		if (w < 0 && (errno == EAGAIN || errno == EINTR) &&
		    !(revents & (POLLERR | POLLHUP)))
			return;
		if (w <= 0) {
			sink_close(at);
			return;
		}
		r->off += (size_t)w;
		if (r->off < r->len)
			return;
		clear_pending(at, c);
	}
}

/* Act on one record from a client. -1: protocol error. */
static int client_record(struct mon_attach *at, struct mon_client *c, int type,
			 const unsigned char *data, size_t len)
{
	unsigned rows, cols;

	if (c->control && type != CTRP_ATT_RESIZE)
		return -1;
	switch (type) {
	case CTRP_ATT_STDIN:
		if (!at->has_stdin)
			return -1;
		stdin_write(at, c, data, len);
		return 0;
	case CTRP_ATT_STDIN_CLOSE:
		if (len)
			return -1;
		if (at->sink_owned && at->sink >= 0) /* a pty has no end of file to send */
			sink_close(at);
		return 0;
	case CTRP_ATT_RESIZE:
		if (ctrp_resize_parse((const char *)data, len, &rows, &cols) < 0)
			return -1;
		if (at->terminal && at->pty >= 0) {
			struct winsize ws = { .ws_row = (unsigned short)rows,
					      .ws_col = (unsigned short)cols };
			ioctl(at->pty, TIOCSWINSZ, &ws);
		}
		return 0;
	}
	return -1;
}

/* Read a few records (fairness); stop at a pending STDIN. */
static void client_read(struct mon_attach *at, struct mon_client *c)
{
	for (int k = 0; k < 16 && c->fd >= 0 && !c->pending && !c->eof; k++) {
		ssize_t n = recv(c->fd, rbuf, sizeof(rbuf), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (c->hup)
				client_drop(at, c);
			return;
		}
		if (n < 0) {
			client_drop(at, c);
			return;
		}
		if (n == 0) {
			c->eof = 1; /* end of input (or an empty record): output goes on */
			break;
		}
		if ((size_t)n > sizeof(rbuf) ||
		    client_record(at, c, rbuf[0], rbuf + 1, (size_t)n - 1) < 0) {
			client_drop(at, c);
			return;
		}
	}
	/* A control connection gets nothing once its input ends. */
	if (c->fd >= 0 && c->eof && (c->hup || c->control))
		client_drop(at, c);
}

int attach_poll(struct mon_attach *at, struct pollfd *p, int n)
{
	at->lidx = at->sidx = -1;
	if (at->sock.fd >= 0) {
		at->lidx = n;
		p[n++] = (struct pollfd){ .fd = at->sock.fd, .events = POLLIN };
	}
	if (at->sink >= 0 && at->npending) {
		at->sidx = n;
		p[n++] = (struct pollfd){ .fd = at->sink, .events = POLLOUT };
	}
	for (int i = 0; i < MON_CONNS_MAX; i++) {
		struct mon_client *c = &at->c[i];
		short ev = (short)((c->pending || c->eof ? 0 : POLLIN) | (c->head ? POLLOUT : 0));
		c->pidx = -1;
		/* A client that is gone is only read; while its input waits, not even that. */
		if (c->fd < 0 || (c->hup && c->pending))
			continue;
		c->pidx = n;
		p[n++] = (struct pollfd){ .fd = c->fd, .events = ev };
	}
	return n;
}

void attach_handle(struct mon_attach *at, const struct pollfd *p)
{
	if (at->sidx >= 0 && p[at->sidx].revents)
		sink_flush(at, p[at->sidx].revents);
	for (int i = 0; i < MON_CONNS_MAX; i++) {
		struct mon_client *c = &at->c[i];
		short rev = c->fd >= 0 && c->pidx >= 0 ? p[c->pidx].revents : 0;
		if (!rev)
			continue;
		if (rev & (POLLHUP | POLLERR))
			client_gone(c);
		if (rev & POLLOUT)
			client_flush(c);
		if (rev & (POLLIN | POLLHUP | POLLERR))
			client_read(at, c);
	}
	if (at->lidx >= 0 && p[at->lidx].revents)
		accept_clients(at);
}

void attach_stop(struct mon_attach *at)
{
	sock_close(&at->sock);
	if (at->sink >= 0)
		sink_close(at);
}

void attach_finish(struct mon_attach *at)
{
	int64_t deadline = now_ns(CLOCK_MONOTONIC) + (int64_t)MON_END_FLUSH_MS * 1000000;
	struct pollfd p[MON_CONNS_MAX];
	struct mon_client *pc[MON_CONNS_MAX];

	for (int i = 0; i < MON_CONNS_MAX; i++)
		if (!at->c[i].control)
			client_send(&at->c[i], CTRP_ATT_END, NULL, 0, 1);
	for (;;) {
		int n = 0, left = ms_left(deadline);
		for (int i = 0; i < MON_CONNS_MAX; i++)
			if (at->c[i].fd >= 0 && at->c[i].head && !at->c[i].hup) {
				pc[n] = &at->c[i];
				p[n++] = (struct pollfd){ .fd = at->c[i].fd, .events = POLLOUT };
			}
		if (!n || !left)
			break;
		if (poll(p, (nfds_t)n, left) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			if (p[i].revents & (POLLHUP | POLLERR))
				client_gone(pc[i]);
			else if (p[i].revents)
				client_flush(pc[i]);
		}
	}
	for (int i = 0; i < MON_CONNS_MAX; i++)
		if (at->c[i].fd >= 0)
			client_drop(at, &at->c[i]);
}
