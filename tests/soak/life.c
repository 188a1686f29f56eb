/* One soak lifecycle: a container, random operations valid for what the thread expects,
 * its end with the exit code checked, its removal. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctr/ctr.h"
#include "soak.h"

/* ---- random numbers: splitmix64, one generator per lifecycle ---------------------------- */

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int rnd_below(uint64_t *s, int n)
{
	return (int)(rnd(s) % (uint64_t)n);
}

/* ---- one lifecycle ----------------------------------------------------------------------- */

enum kind { K_EXIT, K_TRAP, K_SLEEP };
static const char *const kind_names[] = { "exit", "trap", "sleep" };

/* What the thread believes of the container. */
enum model { M_CONFIGURED, M_RUNNING, M_ENDED };


struct life {
	long number;
	uint64_t rng;
	char name[64], ready[PATH_MAX], script[256];
	enum kind kind;
	int code; /* K_EXIT: its exit code; K_TRAP: the code of its TERM trap */
	enum model model;
	int ending;	    /* a signal that ends it was sent: only waiting and reading now */
	int want[2], nwant; /* acceptable exit codes of the current run */
	int ended_code;	    /* once M_ENDED */
	ctr_container_t *c;
	char *trace; /* the operations so far, for the report: in this thread's slot */
	int failed;
};

static void trace(struct life *l, const char *fmt, ...)
{
	size_t n = strlen(l->trace);
	va_list ap;

	if (n + 2 >= sizeof(slots->trace))
		return;
	va_start(ap, fmt);
	vsnprintf(l->trace + n, sizeof(slots->trace) - n, fmt, ap);
	va_end(ap);
	n = strlen(l->trace);
	if (n + 1 < sizeof(slots->trace))
		strcat(l->trace, " ");
}

/* Report a failure of lifecycle l with how to repeat it. */
static void fail(struct life *l, long *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	count(field, 1);
	l->failed = 1;
	fprintf(stderr,
		"soak: FAIL lifecycle %ld (%s %.12s, %s, code %d) seed %" PRIu64 ": %s\n"
		"soak:   ops: %s\n",
		l->number, l->name, l->c ? ctr_id(l->c) : "", kind_names[l->kind], l->code, seed,
		msg, l->trace);
}

const char *err(int r)
{
	static __thread char buf[600];

	snprintf(buf, sizeof(buf), "%d (%s): %s", r, ctr_strerror(r), ctr_last_error());
	return buf;
}

/* A refusal a legitimate race explains, or any other error: a failure. */
static int tolerated(struct life *l, const char *op, int r)
{
	if (r == 0 || r == CTR_E_STATE || r == CTR_E_STOPPED)
		return 1;
	fail(l, &st->unexpected, "%s: %s", op, err(r));
	return 0;
}

static void want(struct life *l, int a, int b)
{
	l->want[0] = a;
	l->want[1] = b;
	l->nwant = a == b ? 1 : 2;
}

static int wanted(const struct life *l, int code)
{
	return code == l->want[0] || (l->nwant > 1 && code == l->want[1]);
}

/* The run ended with code (from ctr_wait): check it. */
static void ended(struct life *l, int code)
{
	trace(l, "=%d", code);
	if (l->model == M_ENDED) {
		if (code != l->ended_code)
			fail(l, &st->wrong, "exit code %d read again as %d", l->ended_code, code);
		return;
	}
	count(&st->checked, 1);
	if (code == -1)
		fail(l, &st->lost, "exit code lost (-1), expected %d or %d", l->want[0],
		     l->want[l->nwant - 1]);
	else if (l->nwant == 0)
		fail(l, &st->wrong, "exited %d while nothing should have ended it", code);
	else if (!wanted(l, code))
		fail(l, &st->wrong, "exited %d, expected %d%s%.0d", code, l->want[0],
		     l->nwant > 1 ? " or " : "", l->nwant > 1 ? l->want[1] : 0);
	l->model = M_ENDED;
	l->ended_code = code;
	l->ending = 0;
}

/* Wait for the trap of a K_TRAP container to be set (its ready file). */
static int trap_ready(struct life *l)
{
	double end = now() + 20;

	while (access(l->ready, F_OK) != 0) {
		if (now() > end) {
			fail(l, &st->unexpected, "the TERM trap was not set within 20 s");
			return 0;
		}
		sleep_ms(10);
	}
	return 1;
}

static int create(struct life *l, ctr_runtime_t *rt)
{
	const char *const args[] = { "/bin/sh", "-c", l->script, NULL };
	ctr_config_t *cfg = NULL;
	int r;

	l->kind = (enum kind)rnd_below(&l->rng, 3);
	switch (l->kind) {
	case K_EXIT:
		l->code = rnd_below(&l->rng, 101);
		snprintf(l->script, sizeof(l->script), "sleep 0.%02d; exit %d",
			 rnd_below(&l->rng, 40), l->code);
		break;
	case K_TRAP:
		l->code = 101 + rnd_below(&l->rng, 26);
		snprintf(l->script, sizeof(l->script),
			 "trap 'exit %d' TERM; touch /shared/%s; while :; do sleep 0.1; done",
			 l->code, l->name);
		break;
	case K_SLEEP:
		l->code = 137;
		snprintf(l->script, sizeof(l->script), "exec sleep 100000");
		break;
	}
	snprintf(l->ready, sizeof(l->ready), "%s/%s", io_dir, l->name);
	if ((r = ctr_config_new(&cfg)) < 0 || (r = ctr_config_set_name(cfg, l->name)) < 0 ||
	    (r = ctr_config_set_rootfs(cfg, rootfs)) < 0 ||
	    (r = ctr_config_set_args(cfg, args)) < 0 ||
	    (r = ctr_config_add_mount(cfg, io_dir, "/shared", NULL, NULL)) < 0 ||
	    (r = ctr_config_set_stop_timeout(cfg, 1)) < 0 || (r = ctr_create(rt, cfg, &l->c)) < 0)
		fail(l, &st->unexpected, "create: %s", err(r));
	ctr_config_free(cfg);
	trace(l, "create");
	return r;
}

static void op_start(struct life *l)
{
	unlink(l->ready);
	trace(l, "start");
	int r = ctr_start(l->c, 0);
	if (r < 0) {
		fail(l, &st->unexpected, "start: %s", err(r));
		return;
	}
	l->model = M_RUNNING;
	l->ending = 0;
	if (l->kind == K_EXIT)
		want(l, l->code, l->code);
	else
		l->nwant = 0; /* runs until something ends it */
}

/* Something that may end the run was sent: the codes it may end with. */
static void ending_with(struct life *l, int code)
{
	if (l->kind == K_EXIT)
		want(l, l->code, code); /* it may have exited by itself first */
	else
		want(l, code, code);
	l->ending = 1;
}

static void op_stop(struct life *l)
{
	/* a trap's stop: 0 or a grace its trap needs no more of, even on a loaded machine */
	int t = l->kind == K_TRAP ? rnd_below(&l->rng, 2) * 20 : rnd_below(&l->rng, 2);

	if (l->kind == K_TRAP && t > 0 && !trap_ready(l))
		return;
	trace(l, "stop(%d)", t);
	int r = ctr_stop(l->c, t);
	if (r == CTR_E_STOPPED && l->kind == K_EXIT) {
		want(l, l->code, l->code);
		l->ending = 1;
	} else if (r == 0) {
		ending_with(l, l->kind == K_TRAP && t > 0 ? l->code : 137);
		/* stop returns once the process has exited: wait(0) must answer now */
		int code;
		r = ctr_wait(l->c, 0, &code);
		if (r < 0)
			fail(l, &st->lost, "wait(0) after stop: %s", err(r));
		else
			ended(l, code);
	} else {
		tolerated(l, "stop", r);
	}
}

static void op_kill(struct life *l)
{
	int sig = l->kind == K_TRAP && rnd_below(&l->rng, 2) ? SIGTERM : SIGKILL;

	if (sig == SIGTERM && !trap_ready(l))
		return;
	trace(l, "kill(%d)", sig);
	int r = ctr_kill(l->c, sig);
	if (r == 0)
		ending_with(l, sig == SIGTERM ? l->code : 137);
	else if (tolerated(l, "kill", r) && l->kind == K_EXIT)
		l->ending = 1; /* refused: it has exited by itself */
}

static void op_pause(struct life *l)
{
	trace(l, "pause");
	int r = ctr_pause(l->c);
	if (r < 0) {
		tolerated(l, "pause", r);
		return;
	}
	ctr_state_t s;
	if ((r = ctr_state(l->c, &s)) < 0)
		fail(l, &st->unexpected, "state when paused: %s", err(r));
	else if (s != CTR_STATE_PAUSED)
		fail(l, &st->unexpected, "pause returned 0 but the state is %s", ctr_state_name(s));
	if (l->failed)
		return;
	trace(l, "unpause");
	r = ctr_unpause(l->c);
	if (r < 0)
		fail(l, &st->unexpected, "unpause: %s", err(r));
}

static void op_exec(struct life *l)
{
	char script[32];
	int k = rnd_below(&l->rng, 101), code = -2;
	const char *const argv[] = { "sh", "-c", script, NULL };

	snprintf(script, sizeof(script), "exit %d", k);
	trace(l, "exec(%d)", k);
	CTR_OPTS(ctr_exec_opts_t, o, .argv = argv);
	int r = ctr_exec(l->c, &o, &code);
	if (r < 0) {
		tolerated(l, "exec", r);
	} else if (code == 137 && l->kind == K_EXIT) {
		/* the container's init exited meanwhile: the kernel killed the exec'd process */
		int c_code;
		trace(l, "=137");
		r = ctr_wait(l->c, 20000, &c_code); /* a guard: the exit is under way */
		if (r < 0)
			fail(l, &st->wrong,
			     "exec of `exit %d` returned 137, the container runs on: %s", k,
			     err(r));
		else
			ended(l, c_code);
	} else if (code != k) {
		fail(l, &st->wrong, "exec of `exit %d` returned %d", k, code);
	}
}

static void op_wait(struct life *l)
{
	int t = rnd_below(&l->rng, 300), code;

	trace(l, "wait(%d)", t);
	int r = ctr_wait(l->c, t, &code);
	if (r == 0)
		ended(l, code);
	else if (r != CTR_E_TIMEOUT)
		fail(l, &st->unexpected, "wait: %s", err(r));
	else if (l->model == M_ENDED)
		fail(l, &st->lost, "wait timed out on an ended container");
}

static void op_wait_fd(struct life *l)
{
	int t = rnd_below(&l->rng, 300), code;

	trace(l, "wait_fd(%d)", t);
	int fd = ctr_wait_fd(l->c);
	if (fd < 0) {
		if (fd != CTR_E_STATE || l->model != M_CONFIGURED)
			fail(l, &st->unexpected, "wait_fd: %s", err(fd));
		return;
	}
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = poll(&p, 1, t);
	int r = ctr_wait(l->c, 0, &code);
	close(fd);
	if (r == 0)
		ended(l, code);
	else if (r != CTR_E_TIMEOUT)
		fail(l, &st->unexpected, "wait(0) after poll: %s", err(r));
	else if (n > 0 && (p.revents & POLLIN))
		fail(l, &st->lost, "wait_fd readable but wait(0) timed out");
	else if (l->model == M_ENDED)
		fail(l, &st->lost, "wait_fd: wait(0) timed out on an ended container");
}

static void op_state(struct life *l)
{
	ctr_state_t s;

	trace(l, "state");
	int r = ctr_state(l->c, &s);
	if (r < 0) {
		fail(l, &st->unexpected, "state: %s", err(r));
		return;
	}
	int ok = 0;
	switch (l->model) {
	case M_CONFIGURED:
		ok = s == CTR_STATE_CONFIGURED;
		break;
	case M_RUNNING: /* a race with an exit (its own, or a signal sent) is fine */
		ok = s == CTR_STATE_RUNNING || ((l->kind == K_EXIT || l->ending) &&
						(s == CTR_STATE_STOPPED || s == CTR_STATE_EXITED));
		break;
	case M_ENDED:
		ok = s == CTR_STATE_STOPPED || s == CTR_STATE_EXITED;
		break;
	}
	if (!ok)
		fail(l, &st->unexpected, "state %s, expected %s", ctr_state_name(s),
		     l->model == M_CONFIGURED ? "configured"
		     : l->model == M_RUNNING  ? "running"
					      : "stopped or exited");
}

static void op_inspect(struct life *l)
{
	char *json = NULL;

	trace(l, "inspect");
	int r = ctr_inspect(l->c, &json);
	if (r < 0)
		fail(l, &st->unexpected, "inspect: %s", err(r));
	else if (!strstr(json, l->name))
		fail(l, &st->unexpected, "inspect does not name the container: %.200s", json);
	ctr_free(json);
}

/* One random operation valid for the state the thread expects. */
static void random_op(struct life *l)
{
	count(&st->ops, 1);
	switch (l->model) {
	case M_CONFIGURED:
		switch (rnd_below(&l->rng, 6)) {
		case 0:
			op_state(l);
			return;
		case 1:
			op_inspect(l);
			return;
		case 2:
			op_wait_fd(l);
			return;
		default:
			op_start(l);
			return;
		}
	case M_RUNNING:
		if (l->ending) { /* a signal is on its way: read and wait only */
			switch (rnd_below(&l->rng, 4)) {
			case 0:
				op_state(l);
				return;
			case 1:
				op_inspect(l);
				return;
			case 2:
				op_wait_fd(l);
				return;
			default:
				op_wait(l);
				return;
			}
		}
		switch (rnd_below(&l->rng, 9)) {
		case 0:
			op_stop(l);
			return;
		case 1:
			op_kill(l);
			return;
		case 2:
			op_pause(l);
			return;
		case 3:
			op_exec(l);
			return;
		case 4:
			op_wait(l);
			return;
		case 5:
			op_wait_fd(l);
			return;
		case 6:
			op_state(l);
			return;
		case 7:
			op_inspect(l);
			return;
		default:
			op_exec(l);
			return;
		}
	case M_ENDED:
		switch (rnd_below(&l->rng, 5)) {
		case 0:
			op_state(l);
			return;
		case 1:
			op_inspect(l);
			return;
		case 2:
			op_wait_fd(l);
			return;
		case 3:
			op_wait(l);
			return;
		default:
			op_start(l);
			return; /* a second run */
		}
	}
}

/* Make sure the current run ends, and check its code. */
static void finish(struct life *l)
{
	int code, r;

	if (l->model == M_CONFIGURED || l->model == M_ENDED)
		return;
	if (!l->ending && l->kind != K_EXIT) {
		if (l->kind == K_TRAP && rnd_below(&l->rng, 2)) {
			if (!trap_ready(l))
				return;
			trace(l, "end:kill(TERM)");
			r = ctr_kill(l->c, SIGTERM);
			if (r == 0)
				ending_with(l, l->code);
		} else {
			trace(l, "end:kill(KILL)");
			r = ctr_kill(l->c, SIGKILL);
			if (r == 0)
				ending_with(l, 137);
		}
		if (r < 0) {
			fail(l, &st->unexpected, "ending kill: %s", err(r));
			return;
		}
	}
	trace(l, "end:wait");
	r = ctr_wait(l->c, 30000, &code);
	if (r < 0)
		fail(l, &st->lost, "no exit within 30 s: %s", err(r));
	else
		ended(l, code);
}

void lifecycle(ctr_runtime_t *rt, int proc, int thread, long number)
{
	struct slot *slot = &slots[proc * nthreads + thread];
	struct life l = { .number = number, .model = M_CONFIGURED, .trace = slot->trace };

	slot->trace[0] = '\0';
	slot->since = now();
	slot->number = number;

	l.rng = seed ^ ((uint64_t)number * 0x2545f4914f6cdd1dull);
	snprintf(l.name, sizeof(l.name), "soak-%ld", number);
	if (create(&l, rt) < 0)
		return;
	int ops = rnd_below(&l.rng, 8);
	for (int i = 0; i < ops && !l.failed; i++)
		random_op(&l);
	if (!l.failed)
		finish(&l);
	trace(&l, "remove");
	int r = ctr_remove(l.c, l.failed ? CTR_FORCE : 0);
	if (r < 0) {
		fail(&l, &st->unexpected, "remove: %s", err(r));
		ctr_remove(l.c, CTR_FORCE);
	}
	ctr_container_free(l.c);
	unlink(l.ready);
	slot->number = -1;
	count(&st->lifecycles, 1);
}

