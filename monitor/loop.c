/* The poll loop that holds a running container (or exec'd process): its output to the log and
 * the attach clients, the clients' input, exec mode's terminal, and the reaping of children. */
#include <errno.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"

/* signalfd, two output streams, exec's four copy ends, the listener, the stdin sink, clients
 * and control connections. */
#define POLL_MAX (1 + 2 + 4 + 1 + 1 + MON_CONNS_MAX)

/* Reap every exited child; remember the init's status. */
static void reap(struct init_exit *e)
{
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, WNOHANG);
		if (p < 0 && errno == EINTR)
			continue;
		if (p <= 0)
			return;
		if (p == e->pid && !e->done) {
			e->status = st;
			e->time_ns = now_ns(CLOCK_REALTIME);
			e->done = 1;
		}
	}
}

static int output_open(const struct mon *m)
{
	return m->streams[0].fd >= 0 || m->streams[1].fd >= 0 || exec_io_output_open(&m->eio);
}

/* Read one chunk of a stream: to every client and to the log, in the same step. */
static void pump(struct mon *m, struct log_stream *s)
{
	size_t n = log_read(s, &m->log);

	if (!n)
		return;
	attach_output(&m->attach, s->type, s->buf + s->len - n, n);
	log_lines(s, &m->log);
}

/* One round of waiting: for SIGCHLD until the init exited, then only for the output, at most
 * MON_DRAIN_MS. Returns 0 to go on, 1 when done. */
static int hold_once(struct mon *m, int64_t *deadline)
{
	struct pollfd p[POLL_MAX];
	struct signalfd_siginfo si[4];
	int n = 0, sig = -1, st[2] = { -1, -1 }, timeout = -1;

	if (m->init.done) {
		if (!output_open(m))
			return 1;
		if (!*deadline)
			*deadline = now_ns(CLOCK_MONOTONIC) + (int64_t)MON_DRAIN_MS * 1000000;
		if (!(timeout = ms_left(*deadline)))
			return 1;
	} else {
		sig = n;
		p[n++] = (struct pollfd){ .fd = m->sigfd, .events = POLLIN };
	}
	for (int i = 0; i < 2; i++) {
		if (m->streams[i].fd < 0)
			continue;
		st[i] = n;
		p[n++] = (struct pollfd){ .fd = m->streams[i].fd, .events = POLLIN };
	}
	n = exec_io_poll(&m->eio, p, n);
	n = attach_poll(&m->attach, p, n);
	if (poll(p, (nfds_t)n, timeout) < 0) {
		if (errno == EINTR)
			return 0;
		/* Cannot wait for events: still record the init's exit, then give up on output. */
		if (!m->init.done) {
			while (waitpid(m->init.pid, &m->init.status, 0) < 0 && errno == EINTR)
				;
			m->init.time_ns = now_ns(CLOCK_REALTIME);
			m->init.done = 1;
		}
		return 1;
	}
	for (int i = 0; i < 2; i++)
		if (st[i] >= 0 && p[st[i]].revents)
			pump(m, &m->streams[i]);
	exec_io_handle(&m->eio, p);
	attach_handle(&m->attach, p);
	if (sig >= 0 && p[sig].revents) {
		/* Empty the signalfd before reaping, so that no exit goes unnoticed. */
		while (read(m->sigfd, si, sizeof(si)) > 0)
			;
		reap(&m->init);
	}
	return 0;
}

void hold(struct mon *m)
{
	int64_t deadline = 0;

	reap(&m->init); /* it may have exited before the runtime did */
	while (!hold_once(m, &deadline))
		;
	log_close_stream(&m->streams[0], &m->log);
	log_close_stream(&m->streams[1], &m->log);
}
