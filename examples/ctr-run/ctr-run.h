/* ctr-run: what its files share. main.c: the command table, the lifecycle verbs, exec and
 * attach; values.c: option values parsed strictly; create.c: create and run, a config from
 * the command line (a rootfs or an image); state.c: logs, events, ps and inspect; image.c:
 * pull, load, images, rmi, tag and image inspect; net.c: network create, ls, inspect and rm,
 * and create's --network and -p. */
#ifndef CTR_RUN_H
#define CTR_RUN_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include <ctr/ctr.h>

struct json_object;

struct cli {
	ctr_runtime_t *rt;
};

/* A failure whose message is already on stderr; the command exits 125. */
#define REPORTED INT_MIN

/* main.c */
int fail(const char *what);
int usage(FILE *f);
int start_failed(const char *what, int runtime_printed);

/* values.c: each returns 0, or prints a message naming the option and returns REPORTED. */
int bad_value(const char *opt, const char *val, const char *why);
int parse_int(const char *opt, const char *s, long long min, long long max, long long *out);
int parse_size(const char *opt, const char *s, uint64_t *out);
int parse_secs(const char *opt, const char *s, double *out);
int parse_since(const char *opt, const char *s, long long *out_ns);

/* net.c: create's --network none|host|NAME[:ip=A.B.C.D] and -p/--publish
 * [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|/udp], into cfg; 0, or REPORTED after a message
 * naming the option, or CTR_E_NOMEM. */
int add_network(ctr_config_t *cfg, const char *arg);
int add_port(ctr_config_t *cfg, const char *arg);

/* state.c: a time of an inspect JSON (a number of ns or an RFC 3339 string) in ns since
 * the epoch, 0 when absent; how long ago that was, as podman says it ("5 seconds"). */
long long json_time_ns(struct json_object *o, const char *key);
void human_duration(char *buf, size_t size, long long since_ns);

/* The commands: argv[0] is the command's name; each returns the exit status. */
int cmd_create(struct cli *cli, int argc, char **argv);
int cmd_run(struct cli *cli, int argc, char **argv);
int cmd_logs(struct cli *cli, int argc, char **argv);
int cmd_events(struct cli *cli, int argc, char **argv);
int cmd_ps(struct cli *cli, int argc, char **argv);
int cmd_inspect(struct cli *cli, int argc, char **argv);
int cmd_pull(struct cli *cli, int argc, char **argv);
int cmd_load(struct cli *cli, int argc, char **argv);
int cmd_images(struct cli *cli, int argc, char **argv);
int cmd_rmi(struct cli *cli, int argc, char **argv);
int cmd_tag(struct cli *cli, int argc, char **argv);
int cmd_image(struct cli *cli, int argc, char **argv);
int cmd_network(struct cli *cli, int argc, char **argv);

#endif
