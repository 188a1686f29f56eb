/* The interactive half's costs for `make bench`: exec, attach and logs, against runc, podman
 * and plain pipes in the same run. Prints markdown rows; results go to $CTR_BENCH_KV for
 * bench/run.sh's ratios.
 *
 * Usage: bench_interact ROOTFS [N]   (N execs of each kind, N runs of each log container;
 * default 30)
 *
 * - exec: ctr_exec of /bin/true into a running `sleep 1000` container; `runc exec` into the
 *   same container (runc's root is RUN/runtime); `podman exec` into a podman container of
 *   the same rootfs. Interleaved round by round, so that all three see the same machine.
 * - attach (CTR_ATTACH_START, so no byte precedes the connection): 64 MiB into `cat` in a
 *   container with its stdin open and back, against the same busybox `cat` on the host
 *   between two pipes; then output only, `dd` of 64 MiB of /dev/zero, in a container and on
 *   the host. The rate runs from the first byte received to the last (no container start in
 *   it); every byte received is checked.
 * - logs: `seq 1 200000` in a container (a log record a line), from ctr_start to the exit
 *   seen by ctr_wait, against the same with seq's output to /dev/null inside: the difference
 *   in a round per line is the cost of logging a line. And ctr_logs reading them back.
 * Each transfer and log run has a new container, so a log never holds an earlier run. */
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ctr/ctr.h>

#include "bench.h"

#define XFER_BYTES (1024u * 65536) /* dd's count=1024 bs=65536 */
#define XFER_RUNS  5		   /* transfers of each kind (after a warm-up one) */
#define CHUNK	   65536
#define PERIOD	   251 /* the input's pattern: byte i is i % PERIOD */
/* Input sent ahead of the output received, at most: the monitor drops output queued past
 * 1 MiB (plus the socket's buffer) for a client, and a writer that never waits for its
 * echo can fall that far behind on a busy 2-CPU machine. */
#define WINDOW	    (512u << 10)
#define LOG_LINES   200000
#define LOG_LINES_S "200000"
#define LOG_READS   5

extern char **environ;

/* State on disk, the run directory on tmpfs (as /run is usually), as in bench_lifecycle. */
static char base[] = "/var/tmp/ctr-bench-io-XXXXXX"; /* podman's runroot: <= 50 chars */
static char runbase[] = "/dev/shm/ctr-bench-iorun-XXXXXX";
static char run_dir[PATH_MAX];
static const char *rootfs;
static ctr_runtime_t *rt;
static unsigned char pat[CHUNK + PERIOD];

static int fail(const char *what)
{
	fprintf(stderr, "bench_interact: %s: %s\n", what, ctr_last_error());
	return -1;
}

static void discard(ctr_container_t *c)
{
	if (c && ctr_remove(c, CTR_FORCE) < 0)
		fail("remove");
	ctr_container_free(c);
}

/* A container running args, with its stdin open for attach when stdin_open, started when
 * start. NULL on failure (said on stderr). */
static ctr_container_t *container(const char *const *args, int stdin_open, int start)
{
	ctr_config_t *cfg = NULL;
	ctr_container_t *c = NULL;

	if (ctr_config_new(&cfg) < 0 || ctr_config_set_rootfs(cfg, rootfs) < 0 ||
	    ctr_config_set_args(cfg, args) < 0 || ctr_config_set_stdin(cfg, stdin_open) < 0 ||
	    ctr_create(rt, cfg, &c) < 0 || (start && ctr_start(c, 0) < 0)) {
		fail(args[0]);
		discard(c);
		c = NULL;
	}
	ctr_config_free(cfg);
	return c;
}

/* ---- exec -------------------------------------------------------------------------- */

enum { X_LIBCTR, X_RUNC, X_PODMAN, N_X };
static const struct {
	const char *label, *key;
} execs[N_X] = {
	[X_LIBCTR] = { "ctr_exec of /bin/true in a running container", "exec_libctr" },
	[X_RUNC] = { "`runc exec` of /bin/true, same container", "exec_runc" },
	[X_PODMAN] = { "`podman exec` of /bin/true (runc, same rootfs)", "exec_podman" },
};

static double libctr_exec(ctr_container_t *c)
{
	const char *const argv[] = { "/bin/true", NULL };
	CTR_OPTS(ctr_exec_opts_t, o, .argv = argv, .stdin_fd = -1, .stdout_fd = -1,
		 .stderr_fd = -1);
	double t0 = now_ms();
	int code = -1;

	if (ctr_exec(c, &o, &code) < 0)
		return fail("ctr_exec");
	if (code != 0) {
		fprintf(stderr, "bench_interact: ctr_exec of /bin/true: exit code %d\n", code);
		return -1;
	}
	return now_ms() - t0;
}

static int bench_exec(int n, int podman)
{
	const char *const args[] = { "/bin/sleep", "1000", NULL };
	ctr_container_t *c = container(args, 0, 1);
	double *t = calloc((size_t)n * N_X, sizeof(double));
	char root[PATH_MAX + 16], store[PATH_MAX], pid[128] = "";
	char *runc[] = { "runc", "--root", root, "exec", NULL, "/bin/true", NULL };
	char *prun[40], *pexec[40];
	int r = c && t ? 0 : -1;

	snprintf(root, sizeof(root), "%s/runtime", run_dir);
	snprintf(store, sizeof(store), "%s/podman", base);
	const char *const run_words[] = { "-d", "--rootfs", rootfs, "sleep", "1000", NULL };
	const char *const exec_words[] = { "exec", pid, "/bin/true", NULL };
	podman_words(prun, store, 1, run_words);
	podman_words(pexec, store, 0, exec_words);
	if (r == 0 && podman && run_cmd(prun, pid, sizeof(pid)) != 0)
		*pid = '\0'; /* said by run_cmd: the row is n/a */
	pid[strcspn(pid, "\n")] = '\0';
	podman = podman && *pid;
	runc[4] = c ? (char *)ctr_id(c) : NULL;
	for (int i = -1; r == 0 && i < n; i++) {
		for (int x = 0; r == 0 && x < N_X; x++) {
			if (x == X_PODMAN && !podman)
				continue;
			double d =
			    x == X_LIBCTR ? libctr_exec(c) : timed_cmd(x == X_RUNC ? runc : pexec);
			if (d < 0 && x == X_PODMAN)
				podman = 0;
			else if (d < 0)
				r = -1;
			else if (i >= 0)
				t[(size_t)x * n + i] = d;
		}
	}
	for (int x = 0; r == 0 && x < N_X; x++) {
		struct stats s = stats_of(t + (size_t)x * n, (size_t)n);
		if (x == X_PODMAN && !podman) {
			printf("| %s | n/a | n/a | n/a | - |\n", execs[x].label);
			continue;
		}
		row(execs[x].label, s, "ms", "-");
		kv_stats(execs[x].key, s);
	}
	if (*pid) {
		const char *const rm[] = { "rm", "-f", "--time=0", pid, NULL };
		podman_cmd(store, rm, NULL, 0);
	}
	discard(c);
	free(t);
	return r;
}

/* ---- attach throughput --------------------------------------------------------------- */

struct xfer {
	size_t in_total; /* XFER_BYTES of the pattern to send and get back; 0: zeros to get */
	size_t got, first;
	long long bad_at; /* offset of the first wrong byte, or -1 */
	double t_first, t_last;
};

/* Write x->in_total bytes of the pattern to in_w (then close it) while reading out_r to its
 * end, checking every byte. Both descriptors are closed. */
static void pump(int in_w, int out_r, struct xfer *x)
{
	static unsigned char buf[CHUNK];
	static const unsigned char zero[CHUNK];
	size_t sent = 0;

	x->got = x->first = 0;
	x->bad_at = -1;
	x->t_first = x->t_last = 0;
	fcntl(out_r, F_SETFL, O_NONBLOCK);
	if (in_w >= 0)
		fcntl(in_w, F_SETFL, O_NONBLOCK);
	for (;;) {
		size_t room = WINDOW - (sent - x->got);
		struct pollfd p[2] = { { .fd = out_r, .events = POLLIN },
				       { .fd = room ? in_w : -1, .events = POLLOUT } };
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (in_w >= 0 && p[1].revents) {
			size_t len = x->in_total - sent < CHUNK ? x->in_total - sent : CHUNK;
			len = len < room ? len : room;
			ssize_t w = write(in_w, pat + sent % PERIOD, len);
			sent += w > 0 ? (size_t)w : 0;
			if (sent == x->in_total || (w < 0 && errno != EAGAIN && errno != EINTR)) {
				close(in_w);
				in_w = -1;
			}
		}
		if (!p[0].revents)
			continue;
		ssize_t r = read(out_r, buf, sizeof(buf));
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
			break;
		if (r < 0)
			continue;
		double now = now_ms();
		const unsigned char *want = x->in_total ? pat + x->got % PERIOD : zero;
		if (x->bad_at < 0 && memcmp(buf, want, (size_t)r) != 0)
			x->bad_at = (long long)x->got;
		if (!x->got) {
			x->t_first = now;
			x->first = (size_t)r;
		}
		x->got += (size_t)r;
		x->t_last = now;
	}
	if (in_w >= 0)
		close(in_w);
	close(out_r);
}

/* MiB/s from the first byte received to the last; -1 (said) when the bytes were not right
 * or, unless lossy, not all there. */
static double xfer_rate(const char *who, const struct xfer *x, int lossy)
{
	if ((lossy ? x->got > XFER_BYTES : x->got != XFER_BYTES) || x->bad_at >= 0 ||
	    x->t_last <= x->t_first) {
		fprintf(stderr, "bench_interact: %s: %zu of %u bytes, the first wrong at %lld\n",
			who, x->got, XFER_BYTES, x->bad_at);
		return -1;
	}
	return (double)(x->got - x->first) / (1 << 20) / ((x->t_last - x->t_first) / 1e3);
}

static int pipes(int in[2], int out[2], const struct xfer *x)
{
	in[0] = in[1] = -1;
	if (pipe2(out, O_CLOEXEC) < 0 || (x->in_total && pipe2(in, O_CLOEXEC) < 0)) {
		perror("bench_interact: pipe");
		return -1;
	}
	return 0;
}

/* argv of the rootfs's busybox run on the host, between pipes. */
static double host_xfer(char *const *argv, struct xfer *x)
{
	char path[PATH_MAX + 16];
	int in[2], out[2], status = -1;
	posix_spawn_file_actions_t fa;
	pid_t pid;

	if (pipes(in, out, x) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/bin/busybox", rootfs);
	posix_spawn_file_actions_init(&fa);
	if (in[0] >= 0)
		posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	int e = posix_spawn(&pid, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (in[0] >= 0)
		close(in[0]);
	close(out[1]);
	pump(in[1], out[0], x); /* at once at the end without a process */
	while (e == 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (e != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_interact: host %s: %s, status %d\n", argv[0], strerror(e),
			status);
		return -1;
	}
	return xfer_rate(argv[0], x, 0);
}

struct att_job {
	ctr_container_t *c;
	int in_fd, out_fd, r;
	char err[1024];
};

/* ctr_attach in a thread; it closes its ends of the pipes when done, so pump sees EOF. */
static void *attach_thread_done(struct att_job *j)
{
	close(j->out_fd);
	if (j->in_fd >= 0)
		close(j->in_fd);
	return NULL;
}

static void *attach_thread(void *arg)
{
	struct att_job *j = arg;
	/* No detach keys: the pattern holds ctrl-p,ctrl-q (bytes 16, 17). */
	CTR_OPTS(ctr_attach_opts_t, o, .flags = CTR_ATTACH_START, .stdin_fd = j->in_fd,
		 .stdout_fd = j->out_fd, .stderr_fd = -1, .mux_fd = -1, .detach_keys = "");

	if ((j->r = ctr_attach(j->c, &o)) < 0)
		snprintf(j->err, sizeof(j->err), "%s", ctr_last_error());
	return attach_thread_done(j);
}

/* One run of c (never started) through ctr_attach with CTR_ATTACH_START. */
static double container_xfer(ctr_container_t *c, struct xfer *x)
{
	struct att_job j = { .c = c };
	int in[2], out[2], code = -1;
	pthread_t th;

	if (pipes(in, out, x) < 0)
		return -1;
	j.in_fd = in[0];
	j.out_fd = out[1];
	int started = pthread_create(&th, NULL, attach_thread, &j) == 0;
	if (!started) {
		j.r = -1;
		snprintf(j.err, sizeof(j.err), "pthread_create failed");
		attach_thread_done(&j);
	}
	pump(in[1], out[0], x);
	if (started)
		pthread_join(th, NULL);
	if (j.r < 0) {
		fprintf(stderr, "bench_interact: ctr_attach: %s\n", j.err);
		return -1;
	}
	if (ctr_wait(c, 10000, &code) < 0)
		return fail("wait after attach");
	if (code != 0) {
		fprintf(stderr, "bench_interact: the attached container exited with %d\n", code);
		return -1;
	}
	/* Output only, the monitor drops what a client lags behind by more than 1 MiB (by
	 * design: it never slows the container), so bytes may be missing. */
	return xfer_rate("ctr_attach", x, x->in_total == 0);
}

/* What runs in a container and on the host (the rootfs's busybox, the applet's name as
 * argv[0]), with or without input. */
static const struct pair {
	const char *args[6];
	int input;
	const char *label[2], *key[2];
} pairs[] = {
	{ { "/bin/cat" },
	  1,
	  { "ctr_attach: 64 MiB into `cat` in a container and back (input ≤ 512 KiB ahead)",
	    "the same busybox `cat` on the host, between two pipes" },
	  { "attach_mibs", "pipe_mibs" } },
	{ { "/bin/dd", "if=/dev/zero", "bs=65536", "count=1024", "status=none" },
	  0,
	  { "ctr_attach, output only: `dd` of 64 MiB of /dev/zero",
	    "the same `dd` on the host, into a pipe" },
	  { "attach_out_mibs", "pipe_out_mibs" } },
};

/* XFER_RUNS rounds (after a warm-up one) of the container's transfer and the host's. */
static int xfer_pair(const struct pair *p)
{
	char *host[6] = { strrchr(p->args[0], '/') + 1 }, what[256];
	struct xfer x = { .in_total = p->input ? XFER_BYTES : 0 };
	double rate[2][XFER_RUNS], lost = 0;
	int r = 0;

	for (int i = 1; i < 6; i++)
		host[i] = (char *)p->args[i];
	for (int i = -1; r == 0 && i < XFER_RUNS; i++) {
		ctr_container_t *c = container(p->args, p->input, 0);
		double a = c ? container_xfer(c, &x) : -1;
		discard(c);
		if (i >= 0)
			lost += (double)(XFER_BYTES - x.got) / XFER_BYTES / XFER_RUNS;
		double h = a < 0 ? -1 : host_xfer(host, &x);
		if (a < 0 || h < 0)
			r = -1;
		else if (i >= 0)
			rate[0][i] = a, rate[1][i] = h;
	}
	for (int k = 0; r == 0 && k < 2; k++) {
		struct stats s = stats_of(rate[k], XFER_RUNS);
		const char *note = ", **output lost** (the monitor drops output 1 MiB behind)";
		snprintf(what, sizeof(what), "%s%s", p->label[k], k || !lost ? "" : note);
		row(what, s, "MiB/s", "-");
		kv_stats(p->key[k], s);
	}
	if (r == 0 && !p->input) {
		printf("| output lost to ctr_attach (mean of %d runs) | - | %.3f %% | - | 0 %% |\n",
		       XFER_RUNS, lost * 100);
		kv("attach_out_lost_pct", lost * 100);
	}
	return r;
}

/* ---- logs ---------------------------------------------------------------------------- */

/* One run of c: ctr_start to the exit seen by ctr_wait, in ms; -1 on failure. */
static double run_once(ctr_container_t *c)
{
	double t0 = now_ms();
	int code = -1;

	if (ctr_start(c, 0) < 0 || ctr_wait(c, -1, &code) < 0)
		return fail("log run");
	if (code != 0) {
		fprintf(stderr, "bench_interact: %s exited with %d\n", ctr_name(c), code);
		return -1;
	}
	return now_ms() - t0;
}

struct count {
	long long lines, bad;
	char last[32];
};

static int count_line(const ctr_log_line_t *l, void *userdata)
{
	struct count *k = userdata;

	k->lines++;
	k->bad += l->stream != CTR_STREAM_STDOUT || l->partial;
	snprintf(k->last, sizeof(k->last), "%.*s", (int)(l->len < 31 ? l->len : 31), l->data);
	return 0;
}

/* ctr_logs of c's run of seq, LOG_READS times (after a warm-up read). */
static int bench_logs_read(ctr_container_t *c)
{
	double rate[LOG_READS];

	for (int i = -1; i < LOG_READS; i++) {
		struct count k = { 0 };
		double t0 = now_ms();
		int r = ctr_logs(c, NULL, count_line, &k);
		double t = now_ms() - t0;
		if (r != 0)
			return fail("ctr_logs");
		if (k.lines != LOG_LINES || k.bad || strcmp(k.last, LOG_LINES_S) != 0) {
			fprintf(stderr,
				"bench_interact: ctr_logs: %lld lines (%lld not whole stdout "
				"lines), the last '%s'; expected 1 to " LOG_LINES_S "\n",
				k.lines, k.bad, k.last);
			return -1;
		}
		if (i >= 0)
			rate[i] = LOG_LINES / t; /* lines per ms: thousands per second */
	}
	struct stats s = stats_of(rate, LOG_READS);
	row("ctr_logs reading the " LOG_LINES_S " lines back (a counting callback)", s, "k lines/s",
	    "-");
	kv_stats("logs_read_klps", s);
	return 0;
}

/* n rounds (after a warm-up one, whose log ctr_logs reads) of the two containers; the third
 * row is each round's difference per line. */
static int bench_logs(int n)
{
	const char *const args[2][4] = { { "/bin/sh", "-c", "seq 1 " LOG_LINES_S, NULL },
					 { "/bin/sh", "-c", "seq 1 " LOG_LINES_S " >/dev/null",
					   NULL } };
	const char *const label[3] = {
		"`seq 1 " LOG_LINES_S "` in a container, ctr_start to the exit seen by ctr_wait",
		"the same with seq's output to /dev/null inside",
		"cost of logging a line: the difference of the two in a round / " LOG_LINES_S,
	};
	const char *const key[3] = { "log_seq", "log_null", "log_line_ns" };
	double *t = calloc(3 * (size_t)n, sizeof(double));
	int r = t ? 0 : -1;

	for (int i = -1; r == 0 && i < n; i++) {
		for (int k = 0; r == 0 && k < 2; k++) {
			ctr_container_t *c = container(args[k], 0, 0);
			double d = c ? run_once(c) : -1;
			if (d < 0 || (i < 0 && k == 0 && bench_logs_read(c) < 0))
				r = -1;
			else if (i >= 0)
				t[(size_t)k * n + i] = d;
			discard(c);
		}
		if (i >= 0)
			t[2 * (size_t)n + i] = (t[i] - t[(size_t)n + i]) * 1e6 / LOG_LINES;
	}
	for (int k = 0; r == 0 && k < 3; k++) {
		struct stats s = stats_of(t + (size_t)k * n, (size_t)n);
		row(label[k], s, k < 2 ? "ms" : "ns", "-");
		kv_stats(key[k], s);
	}
	free(t);
	return r;
}

int main(int argc, char **argv)
{
	char state[PATH_MAX];
	char *const podman_version[] = { "podman", "--version", NULL };

	if (argc < 2) {
		fprintf(stderr, "usage: bench_interact ROOTFS [N]\n");
		return 2;
	}
	rootfs = argv[1];
	int n = argc > 2 ? atoi(argv[2]) : 30;
	if (n < 1 || !mkdtemp(base))
		return 2;
	if (!mkdtemp(runbase)) {
		rm_rf(base);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN); /* a reader gone shows as EPIPE */
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (unsigned char)(i % PERIOD);
	snprintf(state, sizeof(state), "%s/state", base);
	snprintf(run_dir, sizeof(run_dir), "%s/run", runbase);
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state, .run_dir = run_dir);
	int rc = 1;
	if (ctr_runtime_open(&o, &rt) == 0) {
		int podman = run_cmd(podman_version, NULL, 0) == 0;
		if (!podman)
			fprintf(stderr, "bench_interact: no podman: its rows are n/a\n");
		rc = bench_exec(n, podman) < 0;
		for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
			rc |= xfer_pair(&pairs[i]) < 0;
		rc |= bench_logs(n) < 0;
		ctr_runtime_close(rt);
	} else {
		fail("open");
	}
	rm_rf(base);
	rm_rf(runbase);
	return rc;
}
