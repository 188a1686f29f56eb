/*
 * soak: many container lifecycles with random operations, from several processes and
 * threads over the same directories; every exit code checked, nothing left behind.
 *
 * soak ROOTFS [--procs P] [--threads T] [--lifecycles N] [--seed S]
 *
 * The parent sets up a temporary base (state, run and io directories), forks P workers,
 * each opening its own ctr_runtime and running T threads; together they run N lifecycles.
 * Each lifecycle creates a container running one of three commands, applies a random
 * sequence of operations valid for the state the thread expects, ends it, checks its exit
 * code against what the command and the operations imply, and removes it. Afterwards the
 * parent compares descriptors, children, mounts, run-dir files and processes with before.
 */
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

#include "../fixtures/procwalk.h"
#include "ctr/ctr.h"
#include "soak.h"

/* ---- options and shared counters ------------------------------------------------------- */

const char *rootfs;
int nprocs = 4, nthreads = 4, nlifecycles = 1000;
uint64_t seed;
char base[64], state_dir[128], run_dir[128], io_dir[128];

struct stats *st;
struct slot *slots;
static pthread_mutex_t *st_lock; /* process-shared */

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void count(long *field, long n)
{
	pthread_mutex_lock(st_lock);
	*field += n;
	pthread_mutex_unlock(st_lock);
}

/* The next lifecycle number, or -1 when all are handed out. */
static long take_lifecycle(void)
{
	long n = -1;

	pthread_mutex_lock(st_lock);
	if (st->next < nlifecycles)
		n = st->next++;
	pthread_mutex_unlock(st_lock);
	return n;
}

/* ---- workers ------------------------------------------------------------------------------ */

struct worker {
	ctr_runtime_t *rt;
	int proc, thread;
	pthread_t tid;
};

static void *thread_main(void *arg)
{
	struct worker *w = arg;
	long n;

	while ((n = take_lifecycle()) >= 0)
		lifecycle(w->rt, w->proc, w->thread, n);
	return NULL;
}

static int open_runtime(ctr_runtime_t **rt)
{
	CTR_OPTS(ctr_runtime_opts_t, o, .state_dir = state_dir, .run_dir = run_dir,
		 .flags = CTR_RUNTIME_NOSYNC);
	return ctr_runtime_open(&o, rt);
}

static int worker_main(int proc)
{
	struct worker w[64];
	ctr_runtime_t *rt = NULL;
	int r = open_runtime(&rt);

	if (r < 0) {
		fprintf(stderr, "soak: worker %d: ctr_runtime_open: %s\n", proc, err(r));
		count(&st->unexpected, 1);
		return 1;
	}
	for (int i = 0; i < nthreads; i++) {
		w[i] = (struct worker){ .rt = rt, .proc = proc, .thread = i };
		if (pthread_create(&w[i].tid, NULL, thread_main, &w[i]) != 0) {
			fprintf(stderr, "soak: worker %d: pthread_create failed\n", proc);
			return 1;
		}
	}
	for (int i = 0; i < nthreads; i++)
		pthread_join(w[i].tid, NULL);
	ctr_runtime_close(rt);
	return 0;
}

/* ---- the run --------------------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: soak ROOTFS [--procs P] [--threads T] [--lifecycles N] "
			"[--seed S]\n");
	exit(2);
}

static long arg_num(const char *s, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);

	if (errno || *end || end == s || v < min || v > max)
		usage();
	return v;
}

static void parse(int argc, char **argv)
{
	int have_seed = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--procs") && i + 1 < argc)
			nprocs = (int)arg_num(argv[++i], 1, 64);
		else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			nthreads = (int)arg_num(argv[++i], 1, 64);
		else if (!strcmp(argv[i], "--lifecycles") && i + 1 < argc)
			nlifecycles = (int)arg_num(argv[++i], 1, 1000000);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			char *end;
			errno = 0;
			seed = strtoull(argv[++i], &end, 0);
			if (errno || *end)
				usage();
			have_seed = 1;
		} else if (argv[i][0] != '-' && !rootfs)
			rootfs = argv[i];
		else
			usage();
	}
	if (!rootfs)
		usage();
	if (!have_seed) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec ^ (uint64_t)getpid();
	}
}

/* Kill every process mentioning dir (after a failure: monitors, containers' runc). */
static void kill_procs_with(const char *dir)
{
	char needle[PATH_MAX], cmd[PROCWALK_CMDLINE_MAX];
	pid_t pid;
	DIR *d = opendir("/proc");

	snprintf(needle, sizeof(needle), "%s/", dir);
	while ((pid = procwalk_next_with(d, needle, cmd, sizeof(cmd))))
		kill(pid, SIGKILL);
	if (d)
		closedir(d);
}

/* Remove what a run left: processes, runtime state, directories. */
static void sweep(void)
{
	char cmd[PATH_MAX * 2];

	if (procwalk_count_with(base, NULL, NULL, 0)) {
		kill_procs_with(base);
		sleep_ms(200);
	}
	snprintf(cmd, sizeof(cmd),
		 "for c in $(ls %s/runtime 2>/dev/null); do "
		 "runc --root %s/runtime delete --force $c >/dev/null 2>&1; done; rm -rf %s",
		 run_dir, run_dir, base);
	if (system(cmd) != 0)
		fprintf(stderr, "soak: cleaning %s failed\n", base);
}

int main(int argc, char **argv)
{
	struct traces before, after;
	ctr_runtime_t *rt = NULL;
	pid_t pids[64];
	int r, bad = 0;

	parse(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("soak: seed %" PRIu64 ", %d processes x %d threads, %d lifecycles\n", seed, nprocs,
	       nthreads, nlifecycles);

	snprintf(base, sizeof(base), "/tmp/soak-XXXXXX");
	if (!mkdtemp(base)) {
		perror("soak: mkdtemp");
		return 1;
	}
	snprintf(state_dir, sizeof(state_dir), "%s/state", base);
	snprintf(run_dir, sizeof(run_dir), "%s/run", base);
	snprintf(io_dir, sizeof(io_dir), "%s/io", base);
	if (mkdir(io_dir, 0755) < 0) {
		perror("soak: mkdir");
		return 1;
	}
	/* The common setup: the directories and the database exist before the workers. */
	if ((r = open_runtime(&rt)) < 0) {
		fprintf(stderr, "soak: ctr_runtime_open: %s\n", err(r));
		sweep();
		return 1;
	}
	ctr_runtime_close(rt);

	st = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED) {
		perror("soak: mmap");
		return 1;
	}
	st_lock = (pthread_mutex_t *)((char *)st + 2048);
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(st_lock, &ma);
	size_t slots_len = sizeof(*slots) * (size_t)(nprocs * nthreads);
	slots = mmap(NULL, slots_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (slots == MAP_FAILED) {
		perror("soak: mmap");
		return 1;
	}
	for (int i = 0; i < nprocs * nthreads; i++)
		slots[i].number = -1;

	measure(&before);
	double t0 = now();
	fflush(NULL);
	for (int p = 0; p < nprocs; p++) {
		pids[p] = fork();
		if (pids[p] < 0) {
			perror("soak: fork");
			return 1;
		}
		if (pids[p] == 0)
			_exit(worker_main(p));
	}
	/* Watch for a hang: a lifecycle taking more than HANG_S seconds. */
	for (int left = nprocs, hung = 0; left > 0;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid > 0) {
			left--;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
				fprintf(stderr, "soak: a worker (pid %ld) ended with status %#x\n",
					(long)pid, status);
				bad = 1;
			}
			continue;
		}
		for (int i = 0; i < nprocs * nthreads && !hung; i++) {
			struct slot sl = slots[i];
			if (sl.number < 0 || now() - sl.since < HANG_S)
				continue;
			fprintf(stderr,
				"soak: HANG: lifecycle %ld (process %d, thread %d) has run %.0f s, "
				"seed %" PRIu64 "\nsoak:   ops: %.2000s\n",
				sl.number, i / nthreads, i % nthreads, now() - sl.since, seed,
				sl.trace);
			hung = 1;
		}
		if (hung) { /* leave the state for a look, then kill the workers */
			for (int i = 0; i < nprocs * nthreads; i++)
				if (slots[i].number >= 0)
					fprintf(stderr, "soak:   busy: lifecycle %ld: %.2000s\n",
						slots[i].number, slots[i].trace);
			for (int p = 0; p < nprocs; p++)
				kill(pids[p], SIGKILL);
			bad = 1;
			hung = 0;
			count(&st->unexpected, 1);
			sleep_ms(500);
		}
		sleep_ms(100);
	}
	double elapsed = now() - t0;

	/* Monitors end right after their container: give them a moment (a guard, for a loaded
	 * machine: it ends as soon as they have). */
	double end = now() + 20;
	do
		measure(&after);
	while ((after.procs || after.run_files > before.run_files) && now() < end &&
	       (sleep_ms(50), 1));

	printf("soak: %ld lifecycles, %ld exit codes checked, %ld lost, %ld wrong, "
	       "%ld unexpected errors; fds %d->%d, procs %d, mounts %d, run-dir files %d->%d "
	       "(%ld operations, %.1f s, seed %" PRIu64 ")\n",
	       st->lifecycles, st->checked, st->lost, st->wrong, st->unexpected, before.fds,
	       after.fds, after.procs + after.children, after.mounts, before.run_files,
	       after.run_files, st->ops, elapsed, seed);
	if (after.procs || after.run_files != before.run_files)
		fprintf(stderr, "soak: left behind, e.g. %s\n", after.example);
	if (after.children)
		fprintf(stderr, "soak: %d child processes left\n", after.children);
	bad |= st->lifecycles != nlifecycles || st->lost || st->wrong || st->unexpected ||
	       before.fds != after.fds || after.procs || after.children || after.mounts ||
	       before.mounts || after.run_files != before.run_files;
	if (bad)
		fprintf(stderr, "soak: FAILED (repeat with --seed %" PRIu64 ")\n", seed);
	sweep();
	return bad ? 1 : 0;
}
