/* Starting ctr-monitor and reading what it writes: the sync line and the exit file. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup_ctx.h"
#include "crashpoint.h"
#include "error.h"
#include "monitor_client.h"
#include "oci.h"
#include "proc.h"
#include "runtime.h"

#define ANSWER_MARGIN_MS 5000

/* Read the one sync line (or end of file) until the deadline. Returns its length, 0 at
 * end of file without a line, -1 on timeout. */
static int read_line(int fd, char *buf, size_t len, long long deadline)
{
	size_t n = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int k = poll(&p, 1, ctri_poll_ms(deadline));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		ssize_t got = read(fd, buf + n, len - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
		if (memchr(buf, '\n', n) || n == len - 1)
			break;
	}
	buf[n] = 0;
	char *nl = strchr(buf, '\n');
	if (!nl)
		return 0;
	*nl = 0;
	return (int)(nl - buf);
}

/* verb: the runtime's command the monitor ran, which messages name. */
static int parse_answer(ctr_container_t *c, const char *op, const char *verb, char *line,
			struct ctri_mon *out)
{
	const char *mon = c->rt->monitor_path;
	char shown[CTRP_SYNC_LINE_MAX], clean[CTRI_OCI_MSG_MAX + 4];
	struct ctrp_sync s;

	snprintf(shown, sizeof(shown), "%s", line); /* the parser cuts line apart */
	int r = ctrp_sync_parse(line, &s);
	if (s.proto && s.proto != CTRP_PROTO)
		return ctri_cerr(c->name, op, CTR_E_MONITOR,
				 "%s speaks protocol %d, this library %d", mon, s.proto,
				 CTRP_PROTO);
	if (r < 0)
		return ctri_cerr(c->name, op, CTR_E_MONITOR, "%s: malformed answer '%s'", mon,
				 shown);
	if (s.ok) {
		out->pid = s.pid;
		out->mon_pid = s.mon_pid;
		if (ctri_proc_stat(s.mon_pid, &out->mon_start, NULL) < 0)
			out->mon_start = 0; /* gone already: its exit file tells the rest */
		return 0;
	}
	const char *msg = NULL;
	if (s.msg) { /* the runtime's words may hold anything but a newline */
		ctri_oci_clean(s.msg, strlen(s.msg), clean, sizeof(clean));
		msg = *clean ? clean : NULL;
	}
	if (s.code == CTRP_ERR_RUNTIME) /* the runtime's own words, said who said them */
		return ctri_cerr(c->name, op, CTR_E_RUNTIME, "%s %s: %s", c->rt->oci_runtime, verb,
				 msg ? msg : "failed");
	r = s.code == CTRP_ERR_EXEC	 ? CTR_E_RUNTIME
	    : s.code == CTRP_ERR_TIMEOUT ? CTR_E_TIMEOUT
					 : CTR_E_MONITOR;
	return ctri_cerr(c->name, op, r, "%s", msg ? msg : s.code_word);
}

extern char **environ;

/* Spawn the monitor with argv (stdio fds in/out/err, -1: /dev/null; the sync pipe becomes
 * its fd 3, lock_fd its 4, extra[] its 5, 6, ...) and read its answer. */
static int spawn_monitor(ctr_container_t *c, const char *op, const char *verb,
			 const char **argv, char **env, const int stdio[3], int lock_fd,
			 const int *extra, size_t n_extra, struct ctri_mon *out)
{
	ctr_runtime_t *rt = c->rt;
	char line[CTRP_SYNC_LINE_MAX];
	int sp[2] = { -1, -1 }, pass[2 + CTRP_PRESERVE_MAX], n_pass = 0, r, status;
	pid_t pid;

	if (n_extra > CTRP_PRESERVE_MAX)
		return ctri_cerr(c->name, op, CTR_E_INVAL, "at most %d descriptors can be passed",
				 CTRP_PRESERVE_MAX);
	if (pipe2(sp, O_CLOEXEC) < 0)
		return ctri_cerr(c->name, op, CTR_E_IO, "pipe: %m");
	/* Above 9, as ctri_spawn wants them, in the order the monitor gets them. */
	r = (pass[n_pass++] = fcntl(sp[1], F_DUPFD_CLOEXEC, 10)) < 0 ||
	    (pass[n_pass++] = fcntl(lock_fd, F_DUPFD_CLOEXEC, 10)) < 0;
	for (size_t i = 0; !r && i < n_extra; i++)
		r = (pass[n_pass++] = fcntl(extra[i], F_DUPFD_CLOEXEC, 10)) < 0;
	close(sp[1]);
	if (r) {
		r = ctri_cerr(c->name, op, CTR_E_IO, "dup: %m");
		goto out;
	}
	/* In a process group of its own, which a deadline kills whole. The monitor proper
	 * leaves it (setsid) before it answers. */
	struct ctri_spawn s = { .argv = argv, .fd_in = stdio[0], .fd_out = stdio[1],
				.fd_err = stdio[2], .pass = pass, .n_pass = (size_t)n_pass,
				.new_pgroup = 1, .envp = env };
	r = ctri_spawn(&s, &pid);
	/* Our copies of the write end and the lock go now: end of file must mean the
	 * monitor is gone, and the lock must be the monitor's alone once we drop ours. */
	for (int i = 0; i < n_pass; i++)
		close(pass[i]);
	n_pass = 0;
	if (r < 0) {
		errno = -r;
		r = ctri_cerr(c->name, op, CTR_E_MONITOR, "cannot execute %s: %m", rt->monitor_path);
		goto out;
	}
	CTRI_CRASHPOINT("monitor.spawned");
	/* One deadline for all of it: the runtime's timeout, which the monitor enforces on the
	 * runtime, and a margin for the monitor itself. */
	long long wait_ms = (long long)rt->timeout_ms + ANSWER_MARGIN_MS;
	long long deadline = ctri_mono_ms() + wait_ms;
	int len = -1;
	/* It forks the monitor proper and exits at once. */
	if (ctri_reap_by(pid, &status, deadline) == -ETIMEDOUT)
		r = ctri_cerr(c->name, op, CTR_E_TIMEOUT, "%s did not exit within %lld ms (killed)",
			      rt->monitor_path, wait_ms);
	else if ((len = read_line(sp[0], line, sizeof(line), deadline)) < 0) {
		/* The monitor proper holds the pipe's other end: it goes, with the lock it was
		 * given, so that nothing it might still do meets a caller that gave up. */
		int killed = ctri_kill_pipe_holders(sp[0]);
		r = ctri_cerr(c->name, op, CTR_E_TIMEOUT, "%s did not answer within %lld ms%s",
			      rt->monitor_path, wait_ms, killed ? " (killed)" : "");
	}
	CTRI_CRASHPOINT("monitor.answer-read");
	if (len == 0)
		r = ctri_cerr(c->name, op, CTR_E_MONITOR, "%s exited without answering (status %d)",
			      rt->monitor_path, status);
	else if (len > 0)
		r = parse_answer(c, op, verb, line, out);
out:
	for (int i = 0; i < n_pass; i++)
		if (pass[i] >= 0)
			close(pass[i]);
	close(sp[0]);
	return r;
}

/* The arguments every monitor gets; returns how many were set. */
static size_t common_args(ctr_container_t *c, const char **argv, char timeout[16])
{
	ctr_runtime_t *rt = c->rt;

	snprintf(timeout, 16, "%u", rt->timeout_ms);
	const char *common[] = { rt->monitor_path, "--proto", CTRP_PROTO_STR, "--runtime",
				 rt->oci_runtime, "--runtime-root", rt->runtime_root, "--id", c->id,
				 "--runtime-timeout-ms", timeout, "--sync-fd", "3", "--lock-fd",
				 "4" };
	size_t n = sizeof(common) / sizeof(common[0]);
	memcpy(argv, common, sizeof(common));
	return n;
}

int ctri_monitor_start(ctr_container_t *c, const char *op, const struct ctri_mon_opts *o,
		       int lock_fd, struct ctri_mon *out)
{
	ctr_runtime_t *rt = c->rt;
	char bundle[4096], log[4200], sock[4096], timeout[16], size_max[24];
	const char *argv[40];
	const int stdio[3] = { -1, -1, -1 };

	snprintf(bundle, sizeof(bundle), "%s/%s", rt->containers_dir, c->id);
	ctri_bundle_path(c, "ctr.log", log, sizeof(log));
	ctri_attach_path(c, sock, sizeof(sock));
	size_t n = common_args(c, argv, timeout);
	const char *more[] = { "--bundle", bundle, "--exit-dir", rt->exits_dir, "--log", log,
			       "--attach-socket", sock, "--delete" };
	memcpy(argv + n, more, sizeof(more));
	n += sizeof(more) / sizeof(more[0]);
	if (o->terminal)
		argv[n++] = "--terminal";
	if (o->open_stdin && !o->terminal)
		argv[n++] = "--stdin";
	if (o->run)
		argv[n++] = "--run";
	if (o->restore) {
		argv[n++] = "--restore";
		argv[n++] = o->restore;
		argv[n++] = "--restore-work";
		argv[n++] = o->restore_work;
		if (o->tcp_established)
			argv[n++] = "--tcp-established";
	}
	if (o->log_size_max) {
		snprintf(size_max, sizeof(size_max), "%llu", o->log_size_max);
		argv[n++] = "--log-size-max";
		argv[n++] = size_max;
	}
	char **env = NULL;
	if (o->exit_command) {
		if (!(env = ctri_cleanup_ctx_env(rt, environ)))
			return ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
		argv[n++] = "--exit-command";
		argv[n++] = rt->cleanup_path;
	}
	argv[n] = NULL;
	ctri_exit_remove(c); /* a leftover of an earlier run would read as this one's end */
	const char *verb = o->run ? "run" : o->restore ? "restore" : "create";
	int r = spawn_monitor(c, op, verb, argv, env, stdio, lock_fd, NULL, 0, out);
	ctri_cleanup_ctx_env_free(env);
	return r;
}

int ctri_monitor_exec(ctr_container_t *c, const char *op, const struct ctri_mon_exec *e,
		      int lock_fd, struct ctri_mon *out)
{
	char timeout[16], nfds[24];
	const char *argv[40];
	size_t n = common_args(c, argv, timeout);
	const char *more[] = { "--exec", e->name, "--process", e->process, "--pid-file",
			       e->pid_file, "--exit-dir", e->exit_dir, "--attach-socket",
			       e->socket };

	memcpy(argv + n, more, sizeof(more));
	n += sizeof(more) / sizeof(more[0]);
	if (e->terminal) {
		argv[n++] = "--terminal";
		argv[n++] = "--console-socket";
		argv[n++] = e->console_socket;
	}
	if (e->n_preserve) {
		snprintf(nfds, sizeof(nfds), "%zu", e->n_preserve);
		argv[n++] = "--preserve-fds";
		argv[n++] = nfds;
	}
	argv[n] = NULL;
	return spawn_monitor(c, op, "exec", argv, NULL, e->stdio, lock_fd, e->preserve, e->n_preserve,
			     out);
}

static void exit_path(ctr_container_t *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", c->rt->exits_dir, c->id);
}

int ctri_exit_exists(ctr_container_t *c)
{
	char path[4096];

	exit_path(c, path, sizeof(path));
	return access(path, F_OK) == 0;
}

void ctri_exit_remove(ctr_container_t *c)
{
	char path[4096];

	exit_path(c, path, sizeof(path));
	unlink(path);
}

int ctri_exit_read(ctr_container_t *c, const char *op, struct ctrp_exit *out)
{
	char path[4096];

	exit_path(c, path, sizeof(path));
	return ctri_exit_read_path(c, op, path, out);
}

int ctri_exit_read_path(ctr_container_t *c, const char *op, const char *path, struct ctrp_exit *out)
{
	char *text = NULL;
	size_t len = 0;

	int r = ctri_read_file(path, 4096, &text, &len);
	if (r == -ENOENT)
		return CTR_E_NOENT;
	if (r < 0) {
		errno = -r;
		return ctri_cerr(c->name, op, CTR_E_IO, "read %s: %m", path);
	}
	/* Exit files outlive monitors: every version this library ever wrote is read. */
	r = ctrp_exit_parse(text, len, out);
	free(text);
	if (r < 0)
		return ctri_cerr(c->name, op, CTR_E_MONITOR,
				 "exit file %s is not of protocol %d to %d", path,
				 CTRP_EXIT_PROTO_MIN, CTRP_PROTO);
	return 0;
}
