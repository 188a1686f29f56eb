/* The restart policy (the seeds' handleRestartPolicy, with a backoff). no: never.
 * on-failure: a non-zero exit, up to max_retries restarts (0: unlimited). always and
 * unless-stopped: any exit. A user's ctr_stop or ctr_kill is never undone (both policies
 * differ only across a reboot, where neither is restarted by the library: see
 * ctr_runtime_rebooted). The first restart comes at once; the n-th after it waits
 * 100 ms x 2^(n-2), at most 10 s, counted from the exit, so a container that dies at once
 * costs a restart every few seconds, not a CPU. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "restart.h"
#include "runtime.h"
#include "util.h"

/* c's policy ("no", "always", ...) and its max_retries. */
static int read_policy(ctr_container_t *c, const char *op, char policy[32], long long *max)
{
	json_object *cfg, *v;
	int r = ctri_container_config(c, op, &cfg);

	if (r < 0)
		return r;
	snprintf(policy, 32, "%s",
		 json_object_object_get_ex(cfg, "restart_policy", &v) ? json_object_get_string(v)
								      : "no");
	*max = json_object_object_get_ex(cfg, "restart_max_retries", &v) ? json_object_get_int64(v)
									 : 0;
	json_object_put(cfg);
	return 0;
}

int ctri_policy_check(ctr_container_t *c, const char *op)
{
	const char *path = c->rt->cleanup_path;
	char policy[32];
	long long max;
	struct stat sb;
	int r = read_policy(c, op, policy, &max);

	if (r < 0 || !strcmp(policy, "no"))
		return r;
	if (stat(path, &sb) < 0 || (S_ISREG(sb.st_mode) && access(path, X_OK) < 0))
		return ctri_cerr(c->name, op, CTR_E_INVAL,
				 "restart policy %s needs ctr-cleanup at %s: %m", policy, path);
	if (!S_ISREG(sb.st_mode))
		return ctri_cerr(c->name, op, CTR_E_INVAL,
				 "restart policy %s needs ctr-cleanup at %s: not a regular file",
				 policy, path);
	return 0;
}

int ctri_restart_due(ctr_container_t *c, const char *op, const struct ctri_st *st,
		     long long *delay_ms)
{
	char policy[32];
	long long max;
	int r = read_policy(c, op, policy, &max);

	if (r < 0)
		return r;
	int due = st->has_exit && !st->stopped_by_user && strcmp(policy, "no") != 0;
	if (due && !strcmp(policy, "on-failure"))
		due = st->exit_code != 0 && (max == 0 || st->restart_count < max);
	if (!due)
		return 0;
	/* The first restart at once (a crash once is an accident), then 100 ms doubling. */
	/* restart_count and finished_at come from the store: a damaged record may hold any
	 * value (a negative count counts as none; a time out of range must not overflow). */
	int n = st->restart_count;
	long long backoff =
		n <= 0 ? 0 : (long long)CTRI_BACKOFF_FIRST_MS << (n - 1 < 10 ? n - 1 : 10);
	if (backoff > CTRI_BACKOFF_MAX_MS)
		backoff = CTRI_BACKOFF_MAX_MS;
	long long since;
	if (__builtin_sub_overflow(ctri_now_ns(), st->finished_at, &since))
		since = st->finished_at < 0 ? LLONG_MAX : LLONG_MIN;
	since /= 1000000;
	*delay_ms = since >= backoff ? 0 : backoff - (since > 0 ? since : 0);
	return 1;
}

void ctri_sleep_ms(long long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}
