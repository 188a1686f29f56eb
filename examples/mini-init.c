/* mini-init: a tiny init/supervisor built on libctr.
 *
 *   mini-init [--state-dir DIR] [--run-dir DIR] DEFINITIONS-DIR
 *
 * Every DEFINITIONS-DIR/NAME.json is a container config in the form ctr_config_from_json()
 * reads (its "name" defaults to NAME). mini-init creates what does not exist yet, starts
 * the containers in dependency order, and then waits on all of them at once in one epoll
 * loop: a ctr_wait_fd() per container says it ended, ctr_events_fd() says something
 * happened (a restart by the container's restart policy, which the monitor applies through
 * ctr-cleanup), a signalfd brings SIGTERM/SIGINT and SIGCHLD. On SIGTERM or SIGINT it stops
 * the containers in reverse dependency order and exits 0.
 *
 * It can be PID 1 of a PID namespace (`unshare --fork --pid --mount-proc mini-init DIR`):
 * it reaps orphans (the monitors are re-parented to it), and it installs handlers for the
 * signals it reads, without which the kernel drops them for a namespace's init. Everything
 * using the same state directory must see the same pid namespace and /proc: pids are
 * recorded as their recorder sees them. */
#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctr/ctr.h"

#define MAX_CTRS 64

struct unit {
	char name[256];
	char deps[8][256];
	int ndeps;
	ctr_container_t *c;
	int wait_fd; /* -1 while it is not running */
	int placed;  /* in the start order already */
};

static struct unit units[MAX_CTRS];
static int nunits, order[MAX_CTRS];

/* Read DIR/file into a config; its name and dependencies go to u. */
static ctr_config_t *load(const char *dir, const char *file, struct unit *u)
{
	char path[4096];
	json_object *o, *v;
	ctr_config_t *cfg = NULL;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (!(o = json_object_from_file(path))) {
		fprintf(stderr, "mini-init: %s: not JSON\n", path);
		return NULL;
	}
	snprintf(u->name, sizeof(u->name), "%.*s", (int)(strlen(file) - 5), file);
	if (!json_object_object_get_ex(o, "name", &v)) /* the file's name names it */
		json_object_object_add(o, "name", json_object_new_string(u->name));
	else
		snprintf(u->name, sizeof(u->name), "%s", json_object_get_string(v));
	if (json_object_object_get_ex(o, "dependencies", &v))
		for (size_t i = 0; i < json_object_array_length(v) && u->ndeps < 8; i++)
			snprintf(u->deps[u->ndeps++], sizeof(u->deps[0]), "%s",
				 json_object_get_string(json_object_array_get_idx(v, i)));
	if (ctr_config_from_json(json_object_to_json_string(o), &cfg) < 0)
		fprintf(stderr, "mini-init: %s: %s\n", path, ctr_last_error());
	json_object_put(o);
	return cfg;
}

static int index_of(const char *name)
{
	for (int i = 0; i < nunits; i++)
		if (!strcmp(units[i].name, name))
			return i;
	return -1;
}

/* Dependencies before their dependents; one outside the directory must already exist. */
static int sort(void)
{
	for (int n = 0; n < nunits;) {
		int progress = 0;
		for (int i = 0; i < nunits; i++) {
			int ready = !units[i].placed;
			for (int d = 0; ready && d < units[i].ndeps; d++) {
				int j = index_of(units[i].deps[d]);
				ready = j < 0 || units[j].placed;
			}
			if (ready) {
				units[i].placed = 1;
				order[n++] = i;
				progress = 1;
			}
		}
		if (!progress) {
			fprintf(stderr, "mini-init: the dependencies form a cycle\n");
			return -1;
		}
	}
	return 0;
}

static int watch(int ep, struct unit *u)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = u };

	if ((u->wait_fd = ctr_wait_fd(u->c)) < 0)
		return fprintf(stderr, "mini-init: %s\n", ctr_last_error()), -1;
	return epoll_ctl(ep, EPOLL_CTL_ADD, u->wait_fd, &ev);
}

static void unwatch(struct unit *u)
{
	if (u->wait_fd >= 0)
		close(u->wait_fd); /* closing removes it from the epoll set */
	u->wait_fd = -1;
}

/* Create (if new) and start every unit in order. */
static int start_all(ctr_runtime_t *rt, const char *dir, int ep)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	ctr_config_t *cfgs[MAX_CTRS] = { 0 };

	if (!d)
		return perror(dir), -1;
	while ((e = readdir(d)) && nunits < MAX_CTRS) {
		size_t n = strlen(e->d_name);
		if (n > 5 && !strcmp(e->d_name + n - 5, ".json")) {
			units[nunits].wait_fd = -1;
			if (!(cfgs[nunits] = load(dir, e->d_name, &units[nunits])))
				return closedir(d), -1;
			nunits++;
		}
	}
	closedir(d);
	if (sort() < 0)
		return -1;
	for (int k = 0; k < nunits; k++) {
		struct unit *u = &units[order[k]];
		ctr_state_t s;
		if (ctr_lookup(rt, u->name, &u->c) < 0 && ctr_create(rt, cfgs[order[k]], &u->c) < 0)
			return fprintf(stderr, "mini-init: %s\n", ctr_last_error()), -1;
		ctr_config_free(cfgs[order[k]]);
		if (ctr_state(u->c, &s) < 0 ||
		    (s != CTR_STATE_RUNNING && ctr_start(u->c, CTR_RECURSIVE) < 0))
			return fprintf(stderr, "mini-init: %s\n", ctr_last_error()), -1;
		pid_t pid = 0;
		ctr_pid(u->c, &pid);
		printf("mini-init: started %s (pid %d)\n", u->name, (int)pid);
		if (watch(ep, u) < 0)
			return -1;
	}
	fflush(stdout);
	return 0;
}

/* A container's run ended: say how. */
static void ended(struct unit *u)
{
	int code;

	if (ctr_wait(u->c, 0, &code) == 0) { /* an inotify fd may wake early: check */
		printf("mini-init: %s exited with %d\n", u->name, code);
		unwatch(u);
	}
}

/* Something happened: a container whose policy restarted it is watched again. */
static void rewatch(int ep)
{
	ctr_state_t s;

	for (int i = 0; i < nunits; i++)
		if (units[i].wait_fd < 0 && ctr_state(units[i].c, &s) == 0 &&
		    s == CTR_STATE_RUNNING && watch(ep, &units[i]) == 0)
			printf("mini-init: %s runs again\n", units[i].name);
}

static void stop_all(void)
{
	for (int k = nunits - 1; k >= 0; k--) {
		struct unit *u = &units[order[k]];
		int r = ctr_stop(u->c, -1);
		if (r < 0 && r != CTR_E_STOPPED && r != CTR_E_STATE)
			fprintf(stderr, "mini-init: %s\n", ctr_last_error());
		/* Release the runtime's state before the namespace (and its processes) goes. */
		if (ctr_cleanup(u->c) < 0)
			fprintf(stderr, "mini-init: %s\n", ctr_last_error());
		printf("mini-init: stopped %s\n", u->name);
		unwatch(u);
	}
}

static void on_signal(int sig)
{
	(void)sig; /* never runs: the signals are blocked and read from the signalfd */
}

int main(int argc, char **argv)
{
	const char *state = getenv("CTR_STATE_DIR"), *run = getenv("CTR_RUN_DIR");
	int i = 1;

	for (; i + 1 < argc && !strncmp(argv[i], "--", 2); i += 2) {
		if (!strcmp(argv[i], "--state-dir"))
			state = argv[i + 1];
		else if (!strcmp(argv[i], "--run-dir"))
			run = argv[i + 1];
	}
	if (i != argc - 1) {
		fprintf(stderr, "usage: mini-init [--state-dir DIR] [--run-dir DIR] DEFINITIONS-DIR\n");
		return 2;
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC), ep = epoll_create1(EPOLL_CLOEXEC);

	ctr_runtime_t *rt;
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state, .run_dir = run);
	if (sfd < 0 || ep < 0 || ctr_runtime_open(&o, &rt) < 0) {
		fprintf(stderr, "mini-init: %s\n", ctr_last_error());
		return 1;
	}
	int efd = ctr_events_fd(rt);
	struct epoll_event sig_ev = { .events = EPOLLIN, .data.ptr = &sfd };
	struct epoll_event evt_ev = { .events = EPOLLIN, .data.ptr = &efd };
	if (efd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &sig_ev) < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, efd, &evt_ev) < 0 || start_all(rt, argv[i], ep) < 0) {
		stop_all();
		return 1;
	}
	for (;;) {
		struct epoll_event evs[16];
		int n = epoll_wait(ep, evs, 16, -1);
		for (int k = 0; k < n; k++) {
			if (evs[k].data.ptr == &efd) {
				char buf[4096];
				while (read(efd, buf, sizeof(buf)) > 0)
					;
				rewatch(ep);
			} else if (evs[k].data.ptr == &sfd) {
				struct signalfd_siginfo si;
				if (read(sfd, &si, sizeof(si)) != sizeof(si))
					continue;
				/* Orphans are ours to reap; libctr has reaped its own children
				 * before its calls returned, so nothing is taken from it. */
				while (waitpid(-1, NULL, WNOHANG) > 0)
					;
				if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
					stop_all();
					printf("mini-init: done\n");
					return 0;
				}
			} else {
				ended(evs[k].data.ptr);
			}
		}
		fflush(stdout);
	}
}
