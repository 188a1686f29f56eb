/* ctr-run's readers: logs, events, ps and inspect, from ctr_logs(), ctr_events(),
 * ctr_list() and ctr_inspect(). */
#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "ctr-run.h"

/* ---- logs: ctr_logs() reads the log the monitor writes -------------------------------- */

struct log_out {
	int open_line; /* stdout was left in the middle of a line */
};

/* One line: stdout lines to our stdout, stderr lines to our stderr. */
static int print_line(const ctr_log_line_t *l, void *ud)
{
	struct log_out *o = ud;
	FILE *out = l->stream == CTR_STREAM_STDERR ? stderr : stdout;

	fwrite(l->data, 1, l->len, out);
	if (!l->partial)
		fputc('\n', out);
	if (out == stdout)
		o->open_line = l->partial;
	fflush(out); /* keep the order of stdout and stderr lines on a terminal */
	return 0;
}

int cmd_logs(struct cli *cli, int argc, char **argv)
{
	CTR_OPTS(ctr_logs_opts_t, lo, .flags = 0);
	struct log_out o = { 0 };
	ctr_container_t *c = NULL;
	int opt, rc = 0;

	optind = 1;
	while ((opt = getopt(argc, argv, "+ftn:s:")) != -1) {
		switch (opt) {
		case 'f': lo.flags |= CTR_LOGS_FOLLOW; break;
		case 't': lo.flags |= CTR_LOGS_TIMESTAMPS; break;
		case 'n':
			if (parse_int("-n", optarg, -1, LLONG_MAX, &lo.tail) < 0)
				return 125;
			break;
		case 's':
			if (parse_since("-s", optarg, &lo.since_ns) < 0)
				return 125;
			break;
		default: return usage(stderr);
		}
	}
	if (argc - optind != 1)
		return usage(stderr);
	if (ctr_lookup(cli->rt, argv[optind], &c) < 0 || ctr_logs(c, &lo, print_line, &o) < 0)
		rc = fail("logs");
	ctr_container_free(c);
	return rc;
}

/* ---- events ------------------------------------------------------------------------- */

static int print_event(const ctr_event_t *ev, void *userdata)
{
	char when[32];
	time_t secs = (time_t)(ev->time_ns / 1000000000LL);
	struct tm tm;

	if (*(int *)userdata) { /* --json: one object per line */
		printf("{\"time_ns\":%lld,\"type\":\"%s\",\"id\":\"%s\",\"name\":\"%s\","
		       "\"attributes\":%s}\n",
		       ev->time_ns, ev->type, ev->id, ev->name, ev->attributes);
	} else {
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime_r(&secs, &tm));
		printf("%s  %-10s %-24s %s\n", when, ev->type, ev->name, ev->attributes);
	}
	fflush(stdout);
	return 0;
}

/* events [-f] [--json] [--type T] [--since SECS] [NAME] */
int cmd_events(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, 0, 'j' },
					      { "type", required_argument, 0, 'T' },
					      { "since", required_argument, 0, 's' },
					      { 0, 0, 0, 0 } };
	CTR_OPTS(ctr_events_opts_t, eo, .flags = 0);
	int opt, json = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		switch (opt) {
		case 'f': eo.flags |= CTR_EVENTS_FOLLOW; break;
		case 'j': json = 1; break;
		case 'T': eo.type = optarg; break;
		case 's':
			if (parse_since("--since", optarg, &eo.since_ns) < 0)
				return 125;
			break;
		default: return usage(stderr);
		}
	}
	if (argc - optind > 1)
		return usage(stderr);
	eo.container = argc > optind ? argv[optind] : NULL;
	return ctr_events(cli->rt, &eo, print_event, &json) < 0 ? fail("events") : 0;
}

/* ---- ps and inspect ------------------------------------------------------------------- */

/* A time of an inspect JSON (ctr_inspect(), ctr_image_inspect()), ns since the epoch: a
 * number of ns or an RFC 3339 string (a fraction, then Z or an offset +HH:MM); 0 when absent. */
long long json_time_ns(struct json_object *o, const char *key)
{
	struct json_object *v;
	struct tm tm = { 0 };
	const char *s, *rest;
	char *end;
	long long ns;
	long hh, mm;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return json_object_get_int64(v);
	s = json_object_get_string(v);
	if (!(rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
		return 0;
	ns = (long long)timegm(&tm) * 1000000000LL;
	if (*rest == '.') {
		ns += (long long)(strtod(rest, &end) * 1e9);
		rest = end;
	}
	if ((*rest == '+' || *rest == '-') && sscanf(rest + 1, "%2ld:%2ld", &hh, &mm) == 2)
		ns -= (*rest == '-' ? -1 : 1) * (hh * 3600 + mm * 60) * 1000000000LL;
	return ns;
}

/* How long ago, as podman says it (go-units' HumanDuration): "5 seconds", "About a minute". */
void human_duration(char *buf, size_t size, long long since_ns)
{
	struct timespec now;
	long long secs, hours;

	clock_gettime(CLOCK_REALTIME, &now);
	secs = ((long long)now.tv_sec * 1000000000LL + now.tv_nsec - since_ns) / 1000000000LL;
	hours = (secs + 1800) / 3600;

	if (secs < 1)
		snprintf(buf, size, "Less than a second");
	else if (secs < 60)
		snprintf(buf, size, "%lld second%s", secs, secs == 1 ? "" : "s");
	else if (secs < 120)
		snprintf(buf, size, "About a minute");
	else if (secs < 3600)
		snprintf(buf, size, "%lld minutes", secs / 60);
	else if (hours == 1)
		snprintf(buf, size, "About an hour");
	else if (hours < 48)
		snprintf(buf, size, "%lld hours", hours);
	else if (hours < 24 * 7 * 2)
		snprintf(buf, size, "%lld days", hours / 24);
	else if (hours < 24 * 30 * 2)
		snprintf(buf, size, "%lld weeks", hours / 24 / 7);
	else if (hours < 24 * 365 * 2)
		snprintf(buf, size, "%lld months", hours / 24 / 30);
	else
		snprintf(buf, size, "%lld years", secs / 3600 / 24 / 365);
}

/* One line of ps, as podman ps has it: the command cut to 17 characters and "...",
 * the creation time and the status ("Up 3 seconds", "Exited (137) 2 seconds ago", else
 * the state: "Created", "Paused"). */
static void print_ps_line(ctr_container_t *c)
{
	struct json_object *root = NULL, *cfg, *st, *args, *v;
	char cmd[64] = "", created[48], status[64], ago[32];
	const char *state = "unknown";
	char *json = NULL;
	size_t len = 0;

	if (ctr_inspect(c, &json) == 0)
		root = json_tokener_parse(json);
	if (!root || !json_object_object_get_ex(root, "state", &st) ||
	    !json_object_object_get_ex(root, "config", &cfg))
		st = cfg = NULL;
	if (st && json_object_object_get_ex(st, "state", &v))
		state = json_object_get_string(v);
	for (size_t i = 0; cfg && json_object_object_get_ex(cfg, "args", &args) &&
			   i < json_object_array_length(args) && len < sizeof(cmd);
	     i++)
		len += (size_t)snprintf(cmd + len, sizeof(cmd) - len, "%s%s", i ? " " : "",
					json_object_get_string(json_object_array_get_idx(args, i)));
	if (strlen(cmd) > 17)
		strcpy(cmd + 17, "...");
	human_duration(ago, sizeof(ago), root ? json_time_ns(root, "created") : 0);
	snprintf(created, sizeof(created), "%s ago", ago);
	if (!strcmp(state, "running")) {
		human_duration(ago, sizeof(ago), json_time_ns(st, "started_at"));
		snprintf(status, sizeof(status), "Up %s", ago);
	} else if (!strcmp(state, "stopped") || !strcmp(state, "exited")) {
		human_duration(ago, sizeof(ago), json_time_ns(st, "finished_at"));
		snprintf(status, sizeof(status), "Exited (%d) %s ago",
			 json_object_object_get_ex(st, "exit_code", &v) ? json_object_get_int(v)
									: -1,
			 ago);
	} else {
		snprintf(status, sizeof(status), "%c%s", toupper((unsigned char)*state),
			 !strcmp(state, "configured") ? "reated" : state + 1);
	}
	printf("%-12.12s  %-20s  %-22s  %-30s  %s\n", ctr_id(c), cmd, created, status, ctr_name(c));
	json_object_put(root);
	ctr_free(json);
}

/* ps [--json] */
int cmd_ps(struct cli *cli, int argc, char **argv)
{
	ctr_container_t **list = NULL;
	size_t n = 0;
	int json = argc > 1 && !strcmp(argv[1], "--json");

	if (argc > 2 || (argc == 2 && !json))
		return usage(stderr);
	if (ctr_list(cli->rt, &list, &n) < 0)
		return fail("ps");
	if (json)
		printf("[");
	else
		printf("%-12s  %-20s  %-22s  %-30s  %s\n", "CONTAINER ID", "COMMAND", "CREATED",
		       "STATUS", "NAMES");
	for (size_t i = 0; i < n; i++) {
		ctr_state_t s;
		pid_t pid = 0;
		const char *state = ctr_state(list[i], &s) == 0 ? ctr_state_name(s) : "error";
		if (!json) {
			print_ps_line(list[i]);
			continue;
		}
		ctr_pid(list[i], &pid);
		printf("%s{\"id\":\"%s\",\"name\":\"%s\",\"state\":\"%s\",\"pid\":%d}",
		       i ? "," : "", ctr_id(list[i]), ctr_name(list[i]), state, (int)pid);
	}
	if (json)
		printf("]\n");
	ctr_list_free(list, n);
	return 0;
}

int cmd_inspect(struct cli *cli, int argc, char **argv)
{
	ctr_container_t *c = NULL;
	char *json = NULL;

	if (argc != 2)
		return usage(stderr);
	if (ctr_lookup(cli->rt, argv[1], &c) < 0 || ctr_inspect(c, &json) < 0) {
		ctr_container_free(c);
		return fail("inspect");
	}
	printf("%s\n", json);
	ctr_free(json);
	ctr_container_free(c);
	return 0;
}
