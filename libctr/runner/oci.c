/* Calls of the OCI runtime binary (runc, crun): each with a timeout, its error output as
 * the error message. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "error.h"
#include "oci.h"
#include "monitor_proto.h"
#include "proc.h"
#include "runtime.h"

#define OUT_MAX (1 << 20)
#define ARGS_MAX 16

struct buf {
	char *p;
	size_t len, cap;
};

/* Read what fd has into b. Returns 1 while open, 0 at end of file. */
static int drain(int fd, struct buf *b)
{
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n == 0)
		return 0;
	if (b->len + (size_t)n + 1 > b->cap && b->len + (size_t)n < OUT_MAX) {
		size_t cap = b->cap ? 2 * b->cap : 4096;
		while (cap < b->len + (size_t)n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (p) {
			b->p = p;
			b->cap = cap;
		}
	}
	if (b->len + (size_t)n + 1 <= b->cap) {
		memcpy(b->p + b->len, tmp, (size_t)n);
		b->len += (size_t)n;
		b->p[b->len] = 0;
	}
	return 1;
}

/* Length of the escape sequence starting at p[0] == ESC (n bytes available): CSI
 * ("ESC [ params final"), OSC and the other strings ended by BEL or "ESC \", or ESC and one
 * character. */
static size_t escape_len(const unsigned char *p, size_t n)
{
	size_t i = 2;

	if (n < 2)
		return n;
	if (p[1] == '[') {
		while (i < n && p[i] >= 0x20 && p[i] <= 0x3f)
			i++;
		return i < n && p[i] >= 0x40 && p[i] <= 0x7e ? i + 1 : i;
	}
	if (p[1] == ']' || p[1] == 'P' || p[1] == '_' || p[1] == '^' || p[1] == 'X') {
		for (; i < n; i++) {
			if (p[i] == 7)
				return i + 1;
			if (p[i] == 0x1b)
				return i + 1 < n && p[i + 1] == '\\' ? i + 2 : i;
		}
		return n;
	}
	return 2;
}

/* Length of the valid UTF-8 character at p (n bytes available) and its code point, or 0. */
static size_t utf8_char(const unsigned char *p, size_t n, unsigned *cp)
{
	size_t len = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
	unsigned v = p[0] & (0x7f >> len);

	if (!len || len > n || p[0] > 0xf4)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/* Characters that change how the text around them looks rather than showing: C1 controls,
 * line and paragraph separators, bidirectional overrides and isolates, zero widths. */
static int invisible(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff;
}

void ctri_oci_clean(const char *in, size_t len, char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0, i = 0, fits = 0; /* fits: the end of the last character before cap - 4 */
	int space = 0;

	if (cap < 5) {
		if (cap)
			*out = 0;
		return;
	}
	while (i < len) {
		unsigned cp = 0;
		size_t n = 1;
		if (p[i] == 0x1b)
			n = escape_len(p + i, len - i);
		if (p[i] <= ' ' || p[i] == 0x7f) { /* also an escape: it often stands for a move */
			space = o > 0;
			i += n;
			continue;
		}
		if (p[i] >= 0x80 && (n = utf8_char(p + i, len - i, &cp)) > 0 && invisible(cp)) {
			i += n;
			continue;
		}
		if (o + (n ? n : 1) + (size_t)space > cap - 1) { /* back to where "..." fits */
			memcpy(out + fits, "...", 3);
			o = fits + 3;
			break;
		}
		if (space)
			out[o++] = ' ';
		space = 0;
		if (n == 0) { /* a byte that is not UTF-8 */
			out[o++] = '?';
			n = 1;
		} else {
			memcpy(out + o, p + i, n);
			o += n;
		}
		if (o <= cap - 4)
			fits = o;
		i += n;
	}
	out[o] = 0;
}

/* The runtime's message: "msg" of the last JSON log line at level error or fatal, else
 * the last line of its error output with something to show; cleaned (ctri_oci_clean). Its
 * error output may hold anything: NUL bytes, escape sequences, megabytes of text. */
static void runtime_message(struct buf *err, char *msg, size_t len)
{
	const char *p = err->p, *end = err->p ? err->p + err->len : NULL;
	char line_msg[CTRI_OCI_MSG_MAX + 4];

	*msg = 0;
	line_msg[0] = 0;
	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		json_object *o = NULL, *lv, *m;
		if (n && p[0] == '{') {
			json_tokener *tok = json_tokener_new();
			o = tok ? json_tokener_parse_ex(tok, p, (int)(n < INT32_MAX ? n : 0))
				: NULL;
			json_tokener_free(tok);
		}
		if (o && json_object_is_type(o, json_type_object) &&
		    json_object_object_get_ex(o, "level", &lv) &&
		    json_object_object_get_ex(o, "msg", &m) &&
		    (!strcmp(json_object_get_string(lv), "error") ||
		     !strcmp(json_object_get_string(lv), "fatal")))
			ctri_oci_clean(json_object_get_string(m),
				       (size_t)json_object_get_string_len(m), msg, len);
		else if (!o) {
			char tmp[CTRI_OCI_MSG_MAX + 4];
			ctri_oci_clean(p, n, tmp, sizeof(tmp));
			if (*tmp)
				memcpy(line_msg, tmp, sizeof(tmp));
		}
		json_object_put(o);
		p += n + 1;
	}
	if (!*msg)
		snprintf(msg, len, "%s", line_msg);
}

/* Wait for the child, collecting its output, until it exits or the deadline passes (then
 * its process group is killed). Returns 0 or CTR_E_TIMEOUT. */
static int collect(pid_t pid, int out_fd, int err_fd, struct buf *out, struct buf *err,
		   long long deadline)
{
	int pidfd = ctri_pidfd_open(pid), timed_out = 0;

	for (;;) {
		struct pollfd p[3] = { { .fd = out_fd, .events = POLLIN },
				       { .fd = err_fd, .events = POLLIN },
				       { .fd = pidfd, .events = POLLIN } };
		if (out_fd < 0 && err_fd < 0 && (pidfd < 0 || timed_out))
			break;
		int n = poll(p, 3, ctri_poll_ms(deadline));
		if (n < 0 && errno != EINTR)
			break;
		if (n == 0 && !timed_out) { /* the deadline: kill it all, then drain what's left */
			kill(-pid, SIGKILL);
			timed_out = 1;
			deadline = ctri_mono_ms() + 1000;
			continue;
		}
		if (n == 0)
			break;
		if (p[0].revents && !drain(out_fd, out)) {
			close(out_fd);
			out_fd = -1;
		}
		if (p[1].revents && !drain(err_fd, err)) {
			close(err_fd);
			err_fd = -1;
		}
		if (p[2].revents) { /* exited; its descendants may hold the pipes: stop soon */
			close(pidfd);
			pidfd = -1;
			if (!timed_out && deadline > ctri_mono_ms() + 200)
				deadline = ctri_mono_ms() + 200;
		}
	}
	if (out_fd >= 0)
		close(out_fd);
	if (err_fd >= 0)
		close(err_fd);
	if (pidfd >= 0)
		close(pidfd);
	return timed_out ? CTR_E_TIMEOUT : 0;
}

int ctri_oci_run(ctr_container_t *c, const char *op, const char *const *args, char **out)
{
	ctr_runtime_t *rt = c->rt;
	const char *argv[ARGS_MAX + 6] = { rt->oci_runtime, "--root", rt->runtime_root,
					   "--log-format", "json" };
	int op_[2] = { -1, -1 }, ep[2] = { -1, -1 }, r, status = 0;
	struct buf ob = { 0 }, eb = { 0 };
	size_t n = 5;
	pid_t pid;

	for (size_t i = 0; args[i] && i < ARGS_MAX; i++)
		argv[n++] = args[i];
	if ((out && pipe2(op_, O_CLOEXEC) < 0) || pipe2(ep, O_CLOEXEC) < 0) {
		r = ctri_cerr(c->name, op, CTR_E_IO, "pipe: %m");
		goto out;
	}
	struct ctri_spawn sp = { .argv = argv, .fd_in = -1, .fd_out = op_[1], .fd_err = ep[1],
				 .new_pgroup = 1 };
	r = ctri_spawn(&sp, &pid);
	close(ep[1]);
	if (op_[1] >= 0)
		close(op_[1]);
	op_[1] = ep[1] = -1;
	if (r < 0) {
		errno = -r;
		r = ctri_cerr(c->name, op, CTR_E_RUNTIME, "cannot execute %s: %m", rt->oci_runtime);
		goto out;
	}
	long long deadline = ctri_mono_ms() + rt->timeout_ms;
	r = collect(pid, op_[0], ep[0], &ob, &eb, deadline);
	op_[0] = ep[0] = -1; /* closed by collect */
	int e = ctri_reap_by(pid, &status, deadline);
	if (e == -ETIMEDOUT)
		r = CTR_E_TIMEOUT; /* it outlived its output (collect gave up on it) */
	else if (e < 0)
		status = 0; /* SIGCHLD ignored by the program: judge by the output */
	if (r == CTR_E_TIMEOUT) {
		r = ctri_cerr(c->name, op, CTR_E_TIMEOUT, "%s %s did not finish in %u ms (killed)",
			      rt->oci_runtime, args[0], rt->timeout_ms);
		goto out;
	}
	if (status != 0) {
		char msg[CTRI_OCI_MSG_MAX + 4];
		runtime_message(&eb, msg, sizeof(msg));
		r = ctri_cerr(c->name, op, CTR_E_RUNTIME, "%s %s: %s", rt->oci_runtime, args[0],
			      *msg ? msg : status > 128 ? "killed by a signal" : "failed");
		goto out;
	}
	if (out) {
		*out = ob.p ? ob.p : strdup("");
		ob.p = NULL;
		if (!*out)
			r = ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
	}
out:
	for (int i = 0; i < 2; i++) {
		if (op_[i] >= 0)
			close(op_[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	free(ob.p);
	free(eb.p);
	return r;
}

/* A descriptor to read input from: a sealed-size memfd (a pipe would block a writer of more
 * than its buffer before the child reads), or -1 for none. Sets the message on failure. */
static int input_fd(const char *name, const char *op, const char *input, size_t len)
{
	int fd;

	if (!input)
		return -1;
	if ((fd = memfd_create("ctr-input", MFD_CLOEXEC)) < 0)
		return ctri_cerr(name, op, CTR_E_IO, "memfd_create: %m");
	if (ctrp_write_all(fd, input, len) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return ctri_cerr(name, op, CTR_E_IO, "write a program's input: %m");
	}
	return fd;
}

int ctri_cmd_exec(const char *name, const char *op, const struct ctri_cmd *cmd, char **out,
		  char **err)
{
	int p[2] = { -1, -1 }, e[2] = { -1, -1 }, in = -1, r, status = 0;
	struct buf ob = { 0 }, eb = { 0 };
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0 || (err && pipe2(e, O_CLOEXEC) < 0)) {
		r = ctri_cerr(name, op, CTR_E_IO, "pipe: %m");
		goto out;
	}
	if (cmd->input && (r = in = input_fd(name, op, cmd->input, cmd->input_len)) < 0)
		goto out;
	struct ctri_spawn sp = { .argv = cmd->argv, .fd_in = in, .fd_out = p[1],
				 .fd_err = err ? e[1] : p[1], .new_pgroup = 1,
				 .envp = cmd->envp, .pass = cmd->pass, .n_pass = cmd->n_pass };
	r = ctri_spawn(&sp, &pid);
	close(p[1]);
	if (e[1] >= 0)
		close(e[1]);
	p[1] = e[1] = -1;
	if (r < 0) {
		errno = -r;
		r = ctri_cerr(name, op, CTR_E_NOTSUP, "cannot execute %s: %m", cmd->argv[0]);
		goto out;
	}
	long long deadline = ctri_mono_ms() + cmd->timeout_ms;
	r = collect(pid, p[0], e[0], &ob, &eb, deadline);
	p[0] = e[0] = -1; /* closed by collect */
	int w = ctri_reap_by(pid, &status, deadline);
	if (w == -ETIMEDOUT)
		r = CTR_E_TIMEOUT;
	else if (w < 0)
		status = 0;
	if (r == CTR_E_TIMEOUT) {
		r = ctri_cerr(name, op, CTR_E_TIMEOUT, "%s did not finish in %u ms (killed)",
			      cmd->argv[0], cmd->timeout_ms);
		goto out;
	}
	*out = ob.p ? ob.p : strdup("");
	ob.p = NULL;
	if (err) {
		*err = eb.p ? eb.p : strdup("");
		eb.p = NULL;
	}
	if (!*out || (err && !*err)) {
		free(*out);
		if (err)
			free(*err);
		r = ctri_cerr(name, op, CTR_E_NOMEM, "out of memory");
		goto out;
	}
	r = status;
out:
	for (int i = 0; i < 2; i++) {
		if (p[i] >= 0)
			close(p[i]);
		if (e[i] >= 0)
			close(e[i]);
	}
	if (in >= 0)
		close(in);
	free(ob.p);
	free(eb.p);
	return r;
}

int ctri_cmd_run(const char *name, const char *op, unsigned timeout_ms, const char *const *argv,
		 char **output)
{
	struct ctri_cmd cmd = { .argv = argv, .timeout_ms = timeout_ms };

	return ctri_cmd_exec(name, op, &cmd, output, NULL);
}

int ctri_cmd_output(ctr_container_t *c, const char *op, const char *const *argv, char **output)
{
	return ctri_cmd_run(c->name, op, c->rt->timeout_ms, argv, output);
}

/* The runtime's state directory of c: runc and crun keep a container's state in ROOT/ID. */
static void state_dir(const ctr_container_t *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", c->rt->runtime_root, c->id);
}

int ctri_oci_exists(ctr_container_t *c)
{
	char path[4096];
	struct stat st;

	state_dir(c, path, sizeof(path));
	return stat(path, &st) == 0;
}

int ctri_oci_state(ctr_container_t *c, const char *op, char *status, size_t len, pid_t *pid)
{
	const char *args[] = { "state", c->id, NULL };
	char *text = NULL;
	json_object *o = NULL, *v;

	if (!ctri_oci_exists(c))
		return CTR_E_NOENT;
	int r = ctri_oci_run(c, op, args, &text);
	if (r < 0)
		return ctri_oci_exists(c) ? r : CTR_E_NOENT;
	o = json_tokener_parse(text);
	free(text);
	if (!o || !json_object_object_get_ex(o, "status", &v)) {
		json_object_put(o);
		return ctri_cerr(c->name, op, CTR_E_RUNTIME, "%s state: unreadable output",
				 c->rt->oci_runtime);
	}
	snprintf(status, len, "%s", json_object_get_string(v));
	*pid = json_object_object_get_ex(o, "pid", &v) ? (pid_t)json_object_get_int(v) : 0;
	json_object_put(o);
	return 0;
}

int ctri_oci_delete(ctr_container_t *c, const char *op, int force)
{
	const char *args[] = { "delete", c->id, NULL, NULL };

	if (force) {
		args[1] = "--force";
		args[2] = c->id;
	}
	if (ctri_oci_exists(c)) {
		int r = ctri_oci_run(c, op, args, NULL);
		if (r < 0 && ctri_oci_exists(c))
			return r;
	}
	ctri_cgroup_prune(c); /* what the runtime left of the container's cgroup */
	return 0;
}

int ctri_oci_exited(ctr_container_t *c, const char *op)
{
	char status[16], saved[1024];
	pid_t pid;

	snprintf(saved, sizeof(saved), "%s", ctr_last_error());
	int r = ctri_oci_state(c, op, status, sizeof(status), &pid);
	int gone = r == CTR_E_NOENT || (r == 0 && !strcmp(status, "stopped"));
	if (!gone) /* keep the failed call's message, not the state query's */
		ctri_err(CTR_E_RUNTIME, "%s", saved);
	return gone;
}

int ctri_oci_kill(ctr_container_t *c, const char *op, int sig)
{
	char num[16];
	const char *args[] = { "kill", c->id, num, NULL };

	snprintf(num, sizeof(num), "%d", sig);
	return ctri_oci_run(c, op, args, NULL);
}

int ctri_oci_presence(ctr_container_t *c)
{
	char path[4096];

	state_dir(c, path, sizeof(path));
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? CTRI_RT_ABSENT : CTRI_RT_PRESENT;
	/* The monitor's `delete` holds this lock while it runs (docs/monitor-protocol.md). */
	int r = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK ? CTRI_RT_DELETING
									 : CTRI_RT_PRESENT;
	close(fd);
	return r;
}

int ctri_oci_hold(ctr_container_t *c)
{
	char path[4096];

	state_dir(c, path, sizeof(path));
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && flock(fd, LOCK_SH) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int ctri_oci_release(ctr_container_t *c, const char *op, int wait)
{
	/* The monitor kills its delete at the runtime timeout, which began before ours. */
	long long deadline = ctri_mono_ms() + c->rt->timeout_ms + CTRI_KILLED_REAP_MS;

	for (;;) {
		int p = ctri_oci_presence(c);
		if (p == CTRI_RT_DELETING && !wait)
			return 0;
		if (p == CTRI_RT_ABSENT) { /* deleted, by the monitor or by us */
			ctri_cgroup_prune(c);
			return 0;
		}
		if (p == CTRI_RT_PRESENT)
			return ctri_oci_delete(c, op, 1);
		if (ctri_mono_ms() > deadline)
			return ctri_cerr(c->name, op, CTR_E_TIMEOUT,
					 "the monitor's %s delete did not finish in %u ms",
					 c->rt->oci_runtime, c->rt->timeout_ms);
		/* A runtime start-up, a few ms; only a restart right after an exit waits. */
		nanosleep(&(struct timespec){ .tv_nsec = 2000000 }, NULL);
	}
}
