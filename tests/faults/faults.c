/* One crash-point case: set the container up, run the operation in a child process that is
 * killed at the point, then check with a new context what the next caller finds, finish or
 * undo the operation, remove the container and check that nothing is left. */
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faults.h"
#include "sync.h"

/* The container's command: exit 7 on SIGTERM (or ignore it: F_STUBBORN), touch /shared/ready
 * once the trap is set, exit 33 once /shared/go exists. */
#define SCRIPT(trap)                                                                               \
	trap " TERM; touch /shared/ready; while [ ! -e /shared/go ]; do sleep 0.05; done; exit 33"
#define GRACEFUL SCRIPT("trap 'exit 7'")
#define STUBBORN SCRIPT("trap ''")

static const char *const op_names[] = { "create",  "init",   "start", "stop",
					"cleanup", "remove", "state" };

static const char *const from_names[] = { "nothing",	  "configured", "created",
					  "running",	  "stopped",	"exited",
					  "exit pending", "paused",	"monitor lost" };

/* The case being run, for messages. */
static const struct f_case *cur;

#define CASE_FMT	 "%s (%s from %s): "
#define CASE_ARGS	 cur->at, op_names[cur->op], from_names[cur->from]
#define CHECK(cond, ...) ck_assert_msg(cond, CASE_FMT __VA_ARGS__)

/* ---- the killed caller ---------------------------------------------------------------------- */

struct child_arg {
	const char *at;
	enum f_op op;
	const char *id;	   /* the container, or NULL for create */
	ctr_config_t *cfg; /* for create */
	int stop_s;
};

static int run_op(ctr_container_t *c, const struct child_arg *a)
{
	ctr_state_t s;

	switch (a->op) {
	case OP_INIT:
		return ctr_init(c, 0);
	case OP_START:
		return ctr_start(c, 0);
	case OP_STOP:
		return ctr_stop(c, a->stop_s);
	case OP_CLEANUP:
		return ctr_cleanup(c);
	case OP_REMOVE:
		return ctr_remove(c, 0);
	default:
		return ctr_state(c, &s);
	}
}

/* In the child: the operation with CTR_CRASH_AT set. It should never return. */
static int child_main(void *arg)
{
	const struct child_arg *a = arg;
	ctr_runtime_t *rt = NULL;
	ctr_container_t *c = NULL;
	int r;

	setenv("CTR_CRASH_AT", a->at, 1);
	if ((r = it_open(NULL, 0, &rt)) == 0) {
		if (a->op == OP_CREATE)
			r = ctr_create(rt, a->cfg, &c);
		else if ((r = ctr_lookup(rt, a->id, &c)) == 0)
			r = run_op(c, a);
	}
	fprintf(stderr, "faults: %s returned %d (%s)\n", a->at, r, r ? ctr_last_error() : "");
	ctr_container_free(c);
	ctr_runtime_close(rt);
	return r ? 2 : 1;
}

/* Run op in a child killed at point at; assert that it was. */
static void kill_at(const char *at, enum f_op op, const char *id, ctr_config_t *cfg)
{
	struct child_arg a = { .at = at,
			       .op = op,
			       .id = id,
			       .cfg = cfg,
			       .stop_s = cur->flags & F_STUBBORN ? 1 : FAULTS_STOP_S };
	pid_t pid = it_fork(child_main, &a);
	int status = it_join(pid, 30000);

	CHECK(status == 128 + SIGKILL,
	      "the caller was not killed at %s: it ended with status %d (1: the operation "
	      "succeeded, 2: it failed, -1: it hung)",
	      CASE_ARGS, at, status);
}

/* ---- before: the container in the case's prior state ---------------------------------------- */

static ctr_config_t *case_config(void)
{
	const char *script = cur->flags & F_STUBBORN ? STUBBORN : GRACEFUL;
	ctr_config_t *cfg = cur->flags & F_LAYERED ? it_config_layered(script) : it_config(script);

	ck_assert_int_eq(ctr_config_set_name(cfg, FAULTS_NAME), 0);
	if (cur->flags & F_RESTART)
		ck_assert_int_eq(ctr_config_set_restart_policy(cfg, CTR_RESTART_ON_FAILURE, 0), 0);
	return cfg;
}

/* The code the container's command exits with when stopped. */
static int stop_code(void)
{
	return cur->flags & F_STUBBORN ? 128 + SIGKILL : 7;
}

static void run_exec_session(ctr_container_t *c)
{
	const char *const argv[] = { "/bin/true", NULL };
	ctr_exec_opts_t o = {
		.sz = sizeof(o), .argv = argv, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1
	};
	char *eid = NULL;
	int code = -1;

	IT_OK(ctr_exec_create(c, &o, &eid));
	IT_OK(ctr_exec_start(c, eid));
	IT_OK(ctr_exec_wait(c, eid, IT_GUARD_MS, &code));
	ck_assert_int_eq(code, 0);
	ctr_free(eid);
}

static void wait_for_exit_file(const char *id)
{
	char path[PATH_MAX];
	double end = it_now() + IT_GUARD_MS / 1000.0;

	snprintf(path, sizeof(path), "%s/run/exits/%s", it_base(), id);
	while (access(path, F_OK) != 0) {
		ck_assert_msg(it_now() < end, "no exit file %s", path);
		it_sleep_ms(5);
	}
}

static void remove_go(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/io/go", it_base());
	unlink(path);
}

/* Create the container in rt and bring it to cur->from. */
static ctr_container_t *prepare(ctr_runtime_t *rt)
{
	ctr_container_t *c = it_create(rt, case_config());

	if (cur->from == FROM_CREATED)
		IT_OK(ctr_init(c, 0));
	if (cur->from == FROM_CONFIGURED || cur->from == FROM_CREATED)
		return c;
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	if (cur->flags & F_EXEC)
		run_exec_session(c);
	if (cur->from == FROM_EXIT_PENDING) {
		it_touch("go");
		wait_for_exit_file(ctr_id(c));
		remove_go();
	} else if (cur->from == FROM_PAUSED) {
		IT_OK(ctr_pause(c));
	} else if (cur->from == FROM_MONITOR_LOST) {
		pid_t monitor = (pid_t)it_state_int(c, "monitor_pid");
		ck_assert_int_eq(kill(monitor, SIGKILL), 0);
		ck_assert(it_wait_gone(monitor, IT_GUARD_MS));
	} else if (cur->from != FROM_RUNNING) {
		IT_OK(ctr_stop(c, cur->flags & F_STUBBORN ? 1 : FAULTS_STOP_S));
		ck_assert_int_eq(it_wait(c, IT_GUARD_MS), stop_code());
		if (cur->from == FROM_EXITED)
			IT_OK(ctr_cleanup(c));
	}
	return c;
}

/* ---- after: what the next caller finds ------------------------------------------------------ */

/* The directory is empty or absent. */
static void assert_empty(const char *sub)
{
	char path[PATH_MAX];
	struct dirent *e;

	snprintf(path, sizeof(path), "%s/%s", it_base(), sub);
	DIR *d = opendir(path);
	while (d && (e = readdir(d)))
		CHECK(e->d_name[0] == '.' && (!e->d_name[1] || !strcmp(e->d_name, "..")),
		      "%s/%s is left", CASE_ARGS, path, e->d_name);
	if (d)
		closedir(d);
}

/* No container in rt, no record, process, runtime state, mount or file of id. */
static void assert_nothing_left(ctr_runtime_t *rt, const char *id)
{
	static const char *const dirs[] = { "state/containers", "state/pending", "run/locks",
					    "run/runtime",	"run/exits",	 "run/attach",
					    "run/exec" };
	ctr_container_t **list = NULL, *c = NULL;
	size_t n = 0;

	CHECK(ctr_lookup(rt, FAULTS_NAME, &c) == CTR_E_NOENT, "the name is still taken", CASE_ARGS);
	CHECK(!id || ctr_lookup(rt, id, &c) == CTR_E_NOENT, "the id is still found", CASE_ARGS);
	ck_assert_int_ge(ctr_list(rt, &list, &n), 0);
	ctr_list_free(list, n);
	CHECK(n == 0, "%zu containers are listed", CASE_ARGS, n);
	if (id)
		it_assert_no_traces(id);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		assert_empty(dirs[i]);
}

/* A mount of container id (its overlay) is there. */
static int mounted(const char *id)
{
	char line[8192];
	int found = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	ck_assert_ptr_nonnull(f);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, id) != NULL;
	fclose(f);
	return found;
}

/* The state is one the case allows, the reads agree with each other and with the
 * processes, and no owner is left. */
static ctr_state_t assert_consistent(ctr_container_t *c)
{
	ctr_state_t s = it_state(c);
	pid_t pid = it_pid(c);
	ctr_state_t again = it_state(c);
	char *json = NULL;

	/* A container the killed stop signalled may exit between the reads (even under one
	 * lock: every read notices the exit file); then the second state is the one checked. */
	if (again != s) {
		CHECK(cur->op == OP_STOP && ctri_st_active(s) && again == CTR_STATE_STOPPED,
		      "the state changed from %s to %s between two reads", CASE_ARGS,
		      ctr_state_name(s), ctr_state_name(again));
		s = again;
		pid = it_pid(c);
	}

	CHECK(cur->finds & F_STATE(s), "the next caller found it %s", CASE_ARGS, ctr_state_name(s));
	IT_OK(ctr_inspect(c, &json));
	CHECK(!strstr(json, "\"owner\":{"), "an owner is left: %s", CASE_ARGS, json);
	ctr_free(json);
	/* Only a run (or ctr_mount, which no case uses) holds the overlay. */
	CHECK(ctri_st_active(s) || s == CTR_STATE_STOPPED || !mounted(ctr_id(c)),
	      "%s and its overlay is mounted", CASE_ARGS, ctr_state_name(s));
	if (ctri_st_active(s))
		CHECK(pid > 0 && (it_alive(pid) || cur->op == OP_STOP), "%s with pid %ld",
		      CASE_ARGS, ctr_state_name(s), (long)pid);
	else
		CHECK(pid == 0, "%s with pid %ld", CASE_ARGS, ctr_state_name(s), (long)pid);
	if (s == CTR_STATE_STOPPED || s == CTR_STATE_EXITED) {
		int code = it_exit_code(c);
		int want = cur->from == FROM_EXIT_PENDING ? 33 : stop_code();
		/* a stop whose caller died is finished with SIGKILL; a container whose monitor
		 * died is killed (137), or lost (-1) when the killer died before recording it */
		CHECK(code == want ||
			  ((cur->op == OP_STOP || cur->from == FROM_MONITOR_LOST) &&
			   code == 128 + SIGKILL) ||
			  (cur->from == FROM_MONITOR_LOST && code == -1),
		      "exit code %d, expected %d", CASE_ARGS, code, want);
	}
	return s;
}

/* Finish what the killed caller began, then run the container once more, stop it and remove
 * it: each step gives the right result. */
static void finish_and_remove(ctr_runtime_t *rt, ctr_container_t *c, ctr_state_t s)
{
	if (ctri_st_active(s) && cur->op == OP_STOP) {
		int code = it_wait(c, IT_GUARD_MS); /* the stop the killed caller began */
		CHECK(code == stop_code() || code == 128 + SIGKILL, "stop ended with %d", CASE_ARGS,
		      code);
		s = it_state(c);
	}
	if (s == CTR_STATE_RUNNING) {
		it_take_file("ready", IT_GUARD_MS); /* the run the killed start began */
	} else {
		IT_OK(ctr_start(c, 0));
		it_take_file("ready", IT_GUARD_MS);
	}
	IT_STATE(c, CTR_STATE_RUNNING);
	IT_OK(ctr_stop(c, cur->flags & F_STUBBORN ? 1 : FAULTS_STOP_S));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), stop_code());
	IT_STATE(c, CTR_STATE_STOPPED);
	IT_OK(ctr_remove(c, 0));
	assert_nothing_left(rt, ctr_id(c));
}

void f_run_case(const struct f_case *fc)
{
	ctr_container_t *c = NULL, *found = NULL;
	ctr_config_t *cfg = NULL;
	char id[65] = "";

	cur = fc;
	const char *only = getenv("FAULTS_ONLY"); /* to run the cases of one point */
	if (only && strcmp(only, fc->at))
		return;
	/* Monitors of F_RESTART run this at an exit instead of ctr-cleanup: the restart is the
	 * killed caller's to make. Check forks each test, so the variable ends with it. */
	setenv("CTR_CLEANUP", "/bin/true", 1);
	ctr_runtime_t *prt = it_reopen(NULL, 0);
	if (fc->op == OP_CREATE) {
		cfg = case_config();
		kill_at(fc->at, fc->op, NULL, cfg);
		ctr_config_free(cfg);
	} else {
		c = prepare(prt);
		snprintf(id, sizeof(id), "%s", ctr_id(c));
		ctr_container_free(c);
		kill_at(fc->at, fc->op, id, NULL);
	}
	ctr_runtime_close(prt);
	if (fc->then)
		kill_at(fc->then, OP_STATE, id, NULL);
	it_assert_no_children();

	/* The next caller, with a context of its own. */
	ctr_runtime_t *rt = it_reopen(NULL, 0);
	int r = ctr_lookup(rt, fc->op == OP_CREATE ? FAULTS_NAME : id, &found);
	ctr_state_t s = CTR_STATE_UNKNOWN;
	if (r == 0 && (r = ctr_state(found, &s)) == CTR_E_REMOVED) {
		ctr_container_free(found); /* the read finished a dead caller's remove */
		found = NULL;
		r = CTR_E_NOENT;
	}
	if (r == CTR_E_NOENT) {
		CHECK(fc->finds & F_GONE, "the container is gone", CASE_ARGS);
		assert_nothing_left(rt, id[0] ? id : NULL);
	} else {
		CHECK(r == 0, "lookup: %s", CASE_ARGS, it_err(r));
		CHECK(fc->finds != F_GONE, "the container is still there", CASE_ARGS);
		finish_and_remove(rt, found, assert_consistent(found));
		ctr_container_free(found);
	}
	ctr_runtime_close(rt);
	it_assert_no_children();
}
