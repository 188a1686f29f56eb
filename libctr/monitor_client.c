/* Starting ctr-monitor and reading what it writes: the sync line and the exit file. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "monitor_client.h"
#include "proc.h"
#include "runtime.h"

#define LINE_MAX_ 1100
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

static int parse_answer(ctr_container_t *c, const char *op, int run, char *line,
			struct ctri_mon *out)
{
	const char *mon = c->rt->monitor_path;
	char *end;
	long proto = strtol(line, &end, 10);

	if (end == line || *end != ' ')
		return ctri_cerr(c->name, op, CTR_E_MONITOR, "%s: malformed answer '%s'", mon,
				 line);
	if (proto != CTRI_MON_PROTO)
		return ctri_cerr(c->name, op, CTR_E_MONITOR,
				 "%s speaks protocol %ld, this library %d", mon, proto,
				 CTRI_MON_PROTO);
	char *rest = end + 1;
	int pid, mpid;
	if (!strncmp(rest, "ok ", 3) && sscanf(rest + 3, "%d %d", &pid, &mpid) == 2 && pid > 0 &&
	    mpid > 0) {
		out->pid = pid;
		out->mon_pid = mpid;
		if (ctri_proc_stat(mpid, &out->mon_start, NULL) < 0)
			out->mon_start = 0; /* gone already: its exit file tells the rest */
		return 0;
	}
	if (strncmp(rest, "error ", 6))
		return ctri_cerr(c->name, op, CTR_E_MONITOR, "%s: malformed answer '%s'", mon,
				 line);
	char *code = rest + 6, *msg = strchr(code, ' ');
	if (msg)
		*msg++ = 0;
	if (!strcmp(code, "runtime")) /* the runtime's own words, said who said them */
		return ctri_cerr(c->name, op, CTR_E_RUNTIME, "%s %s: %s", c->rt->oci_runtime,
				 run ? "run" : "create", msg ? msg : "failed");
	int r = !strcmp(code, "exec")	 ? CTR_E_RUNTIME
		: !strcmp(code, "timeout") ? CTR_E_TIMEOUT
					   : CTR_E_MONITOR;
	return ctri_cerr(c->name, op, r, "%s", msg ? msg : code);
}

extern char **environ;

/* The caller's environment plus what ctr-cleanup needs to open this context. */
static char **cleanup_env(ctr_runtime_t *rt)
{
	size_t n = 0;

	while (environ[n])
		n++;
	char **env = calloc(n + 5, sizeof(*env));
	if (!env)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "CTR_CLEANUP_", 12))
			env[k++] = environ[i];
	char *add[4] = { ctri_strdupf("CTR_CLEANUP_STATE_DIR=%s", rt->state_dir),
			 ctri_strdupf("CTR_CLEANUP_RUN_DIR=%s", rt->run_dir),
			 ctri_strdupf("CTR_CLEANUP_RUNTIME=%s", rt->oci_runtime),
			 ctri_strdupf("CTR_CLEANUP_FLAGS=%u", rt->flags) };
	for (int i = 0; i < 4; i++) {
		if (!add[i]) {
			for (int j = 0; j < 4; j++)
				free(add[j]);
			free(env);
			return NULL;
		}
		env[k++] = add[i];
	}
	return env;
}

static void env_free(char **env)
{
	if (!env)
		return;
	size_t n = 0;
	while (env[n])
		n++;
	for (size_t i = n >= 4 ? n - 4 : 0; i < n; i++) /* only the four we made */
		free(env[i]);
	free(env);
}

int ctri_monitor_start(ctr_container_t *c, const char *op, int run, int terminal, int lock_fd,
		       int exit_command, struct ctri_mon *out)
{
	ctr_runtime_t *rt = c->rt;
	char bundle[4096], log[4200], timeout[16], line[LINE_MAX_];
	int sp[2] = { -1, -1 }, pass[2] = { -1, -1 }, r, status;
	pid_t pid;

	snprintf(bundle, sizeof(bundle), "%s/%s", rt->containers_dir, c->id);
	snprintf(log, sizeof(log), "%s/ctr.log", bundle);
	snprintf(timeout, sizeof(timeout), "%u", rt->timeout_ms);
	const char *argv[32] = { rt->monitor_path, "--proto", "1", "--runtime", rt->oci_runtime,
				 "--runtime-root", rt->runtime_root, "--id", c->id, "--bundle",
				 bundle, "--exit-dir", rt->exits_dir, "--log", log,
				 "--runtime-timeout-ms", timeout, "--sync-fd", "3", "--lock-fd",
				 "4", "--delete" };
	size_t n = 22;
	if (terminal)
		argv[n++] = "--terminal";
	if (run)
		argv[n++] = "--run";
	char **env = NULL;
	if (exit_command) {
		if (!(env = cleanup_env(rt)))
			return ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
		argv[n++] = "--exit-command";
		argv[n++] = rt->cleanup_path;
	}
	ctri_exit_remove(c); /* a leftover of an earlier run would read as this one's end */
	if (pipe2(sp, O_CLOEXEC) < 0 || (pass[0] = fcntl(sp[1], F_DUPFD_CLOEXEC, 10)) < 0 ||
	    (pass[1] = fcntl(lock_fd, F_DUPFD_CLOEXEC, 10)) < 0) {
		r = ctri_cerr(c->name, op, CTR_E_IO, "pipe: %m");
		goto out;
	}
	close(sp[1]);
	sp[1] = -1;
	struct ctri_spawn s = { .argv = argv, .fd_in = -1, .fd_out = -1, .fd_err = -1,
				.pass = pass, .n_pass = 2, .envp = env };
	r = ctri_spawn(&s, &pid);
	/* Our copies of the write end and the lock go now: end of file must mean the
	 * monitor is gone, and the lock must be the monitor's alone once we drop ours. */
	close(pass[0]);
	close(pass[1]);
	pass[0] = pass[1] = -1;
	if (r < 0) {
		errno = -r;
		r = ctri_cerr(c->name, op, CTR_E_MONITOR, "cannot execute %s: %m", rt->monitor_path);
		goto out;
	}
	ctri_reap(pid, &status); /* it forks the real monitor and exits at once */
	int len = read_line(sp[0], line, sizeof(line),
			    ctri_mono_ms() + rt->timeout_ms + ANSWER_MARGIN_MS);
	if (len < 0)
		r = ctri_cerr(c->name, op, CTR_E_MONITOR, "%s did not answer in time",
			      rt->monitor_path);
	else if (len == 0)
		r = ctri_cerr(c->name, op, CTR_E_MONITOR, "%s exited without answering (status %d)",
			      rt->monitor_path, status);
	else
		r = parse_answer(c, op, run, line, out);
out:
	for (int i = 0; i < 2; i++) {
		if (sp[i] >= 0)
			close(sp[i]);
		if (pass[i] >= 0)
			close(pass[i]);
	}
	env_free(env);
	return r;
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

int ctri_exit_read(ctr_container_t *c, const char *op, struct ctri_exit *out)
{
	char path[4096], *text = NULL;
	json_object *o, *v;

	exit_path(c, path, sizeof(path));
	int r = ctri_read_file(path, 4096, &text, NULL);
	if (r == -ENOENT)
		return CTR_E_NOENT;
	if (r < 0) {
		errno = -r;
		return ctri_cerr(c->name, op, CTR_E_IO, "read %s: %m", path);
	}
	o = json_tokener_parse(text);
	free(text);
	if (!o || !json_object_object_get_ex(o, "proto", &v) ||
	    json_object_get_int(v) != CTRI_MON_PROTO ||
	    !json_object_object_get_ex(o, "exit_code", &v)) {
		json_object_put(o);
		return ctri_cerr(c->name, op, CTR_E_MONITOR, "exit file %s is not protocol %d",
				 path, CTRI_MON_PROTO);
	}
	out->exit_code = json_object_get_int(v);
	out->pid = json_object_object_get_ex(o, "pid", &v) ? json_object_get_int(v) : 0;
	out->signal = json_object_object_get_ex(o, "signal", &v) ? json_object_get_int(v) : 0;
	out->oom = json_object_object_get_ex(o, "oom", &v) && json_object_get_boolean(v);
	out->time = json_object_object_get_ex(o, "time", &v) ? json_object_get_int64(v) : 0;
	json_object_put(o);
	return 0;
}
