/* The network costs of `make bench` (issue 19), libctr's against the CNI plugins it runs and
 * against podman. Prints markdown rows; results go to $CTR_BENCH_KV for bench/run.sh's
 * ratios. Runs as root with runc and the CNI plugins of /usr/lib/cni.
 *
 * Usage: bench_network ROOTFS [N]   (N rounds, default 30)
 *
 * The bench makes a network of its own (the first /24 from 10.89.240.0 up that no route of
 * the host uses) and publishes ports on 127.0.0.1 (PORT_BASE and up). One round, after a
 * warm-up round, runs each of these once, in turn (bench_rounds):
 * - libctr lifecycles of /bin/true: ctr_create, ctr_start, ctr_wait, ctr_cleanup, ctr_remove
 *   with no network, with the network and a published port (127.0.0.1:PORT_BASE -> 80/tcp),
 *   and with the network and no port; a row per call (ctr_start makes the network,
 *   ctr_cleanup takes it down).
 * - the plugins' ADD and DEL run by hand, as ctr_start and ctr_cleanup run them: the
 *   network's conflist (ctr_network_inspect's "conflist", the very file the library reads),
 *   each plugin's entry with the list's cniVersion and name and the leases in a directory
 *   of the bench's; bridge ADD, portmap ADD (runtimeConfig.portMappings, prevResult the
 *   bridge's result), portmap DEL and bridge DEL (prevResult the last ADD's result), each
 *   plugin spawned with its config on a pipe. The network namespace is made and deleted
 *   (`ip netns`) outside the timing.
 * - `podman run -p 127.0.0.1:PORT:80 --rootfs ROOTFS /bin/true` to its exit, then `podman
 *   rm`: runc, a store of its own, its default network "podman" (the CNI backend, with its
 *   own containers.conf naming a free /24 of 10.89.0.0/16 and a config directory of the
 *   bench's). Its bridge (cni-podman0) and lease directory are removed at the end when the
 *   bench made them.
 * Then: what the network and the port add to a lifecycle (the medians' difference), the
 * same for ctr_start (the setup) and ctr_cleanup + ctr_remove (the teardown), against the
 * plugins' own time (all ADDs and DELs, the ADDs, the DELs). */
#include <json-c/json.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ctr/ctr.h>

#include "bench.h"

#define NET_NAME "benchnet"
#define CNI_DIR "/usr/lib/cni"
#define PORT_BASE 47391 /* libctr's, +1 by hand, +2 podman's */
#define PODMAN_BRIDGE "cni-podman0"
#define PODMAN_LEASES "/var/lib/cni/networks/podman"

/* What the bench made outside its directories, for leftovers() at exit: its network's
 * bridge (ctr_network_remove deletes it, but not when the bench fails), its netns, and
 * podman's bridge and lease directory when they were not there before. */
static char our_bridge[32], our_netns[64];
static int podman_bridge_before = 1, podman_leases_before = 1;

static int link_exists(const char *name)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/class/net/%s", name);
	return *name && stat(path, &st) == 0;
}

static void leftovers(void)
{
	char netns[128];
	struct stat st;
	char *const del_ours[] = { "ip", "link", "delete", our_bridge, NULL };
	char *const del_podman[] = { "ip", "link", "delete", PODMAN_BRIDGE, NULL };
	char *const del_netns[] = { "ip", "netns", "delete", our_netns, NULL };
	char *const rm_leases[] = { "rm", "-rf", PODMAN_LEASES, NULL };

	snprintf(netns, sizeof(netns), "/run/netns/%s", our_netns);
	if (link_exists(our_bridge))
		run_cmd(del_ours, NULL, 0);
	if (*our_netns && stat(netns, &st) == 0)
		run_cmd(del_netns, NULL, 0);
	if (!podman_bridge_before && link_exists(PODMAN_BRIDGE))
		run_cmd(del_podman, NULL, 0);
	if (!podman_leases_before)
		run_cmd(rm_leases, NULL, 0);
}

static void fail(const char *what)
{
	fprintf(stderr, "bench_network: %s\n", what);
	bench_dirs_remove();
	exit(1);
}

/* The first 10.89.X.0/24, X from `from` up, that no route of the host names; -1 if none. */
static int free_subnet(int from)
{
	static char routes[65536];
	char *const argv[] = { "ip", "-4", "route", "show", "table", "all", NULL };
	char pat[32];

	if (run_cmd(argv, routes, sizeof(routes)) != 0)
		return -1;
	for (int x = from; x < 255; x++) {
		snprintf(pat, sizeof(pat), "10.89.%d.", x);
		if (!strstr(routes, pat))
			return x;
	}
	return -1;
}

/* ---- the plugins by hand ------------------------------------------------------------------ */

struct hand {
	json_object *bridge, *portmap; /* the plugins' configs, without prevResult */
	char netns[64];                /* `ip netns` name */
};

/* The conflist's plugin of that type as the library runs it: with the list's cniVersion and
 * name, the leases in `leases`, and for portmap the port mapping. */
static json_object *plugin_entry(json_object *list, const char *type, const char *leases)
{
	json_object *plugins, *p = NULL, *ipam, *v;

	json_object_object_get_ex(list, "plugins", &plugins);
	for (size_t i = 0; !p && i < json_object_array_length(plugins); i++) {
		json_object *e = json_object_array_get_idx(plugins, i);
		if (json_object_object_get_ex(e, "type", &v) &&
		    !strcmp(json_object_get_string(v), type))
			json_object_deep_copy(e, &p, NULL);
	}
	if (!p)
		return NULL;
	if (json_object_object_get_ex(p, "ipam", &ipam))
		json_object_object_add(ipam, "dataDir", json_object_new_string(leases));
	if (!strcmp(type, "portmap")) {
		json_object *m = json_object_new_object(), *maps = json_object_new_array();
		json_object *rc = json_object_new_object();
		json_object_object_add(m, "hostPort", json_object_new_int(PORT_BASE + 1));
		json_object_object_add(m, "containerPort", json_object_new_int(80));
		json_object_object_add(m, "protocol", json_object_new_string("tcp"));
		json_object_object_add(m, "hostIP", json_object_new_string("127.0.0.1"));
		json_object_array_add(maps, m);
		json_object_object_add(rc, "portMappings", maps);
		json_object_object_add(p, "runtimeConfig", rc);
	}
	json_object_object_get_ex(list, "cniVersion", &v);
	json_object_object_add(p, "cniVersion", json_object_get(v));
	json_object_object_get_ex(list, "name", &v);
	json_object_object_add(p, "name", json_object_get(v));
	return p;
}

/* Run the plugin of conf's type: CNI_COMMAND cmd, conf (with prevResult when prev is not
 * NULL) on its stdin. Returns 0 and, when result is not NULL, its parsed stdout; -1 with a
 * message. */
static int cni_call(const char *cmd, const char *id, const char *netns, json_object *conf,
		    json_object *prev, json_object **result)
{
	char path[128], e_cmd[32], e_id[96], e_ns[128], e_path[256];
	char *env[] = { e_cmd, e_id, e_ns, "CNI_IFNAME=eth0", "CNI_PATH=" CNI_DIR, "CNI_ARGS=",
			e_path, NULL };
	json_object *type, *c = NULL;
	const char *sys_path = getenv("PATH");
	static char out[65536];
	int in[2], outp[2], status = -1;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	json_object_deep_copy(conf, &c, NULL);
	if (prev) {
		json_object *p = NULL;
		json_object_deep_copy(prev, &p, NULL);
		json_object_object_add(c, "prevResult", p);
	}
	json_object_object_get_ex(conf, "type", &type);
	snprintf(path, sizeof(path), "%s/%s", CNI_DIR, json_object_get_string(type));
	snprintf(e_cmd, sizeof(e_cmd), "CNI_COMMAND=%s", cmd);
	snprintf(e_id, sizeof(e_id), "CNI_CONTAINERID=%s", id);
	snprintf(e_ns, sizeof(e_ns), "CNI_NETNS=/run/netns/%s", netns);
	snprintf(e_path, sizeof(e_path), "PATH=%s",
		 sys_path ? sys_path : "/usr/sbin:/usr/bin:/sbin:/bin");
	const char *text = json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE);
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0) {
		json_object_put(c);
		return -1;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
	char *argv[] = { path, NULL };
	int e = posix_spawn(&pid, path, &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(outp[1]);
	/* The config is far below a pipe's capacity: written whole before the result is read. */
	if (e == 0 && write(in[1], text, strlen(text)) != (ssize_t)strlen(text))
		e = errno;
	close(in[1]);
	json_object_put(c);
	while (n + 1 < sizeof(out) && (r = read(outp[0], out + n, sizeof(out) - n - 1)) != 0) {
		if (r > 0)
			n += (size_t)r;
		else if (errno != EINTR)
			break;
	}
	out[n] = '\0';
	close(outp[0]);
	while (e == 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (e != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_network: %s %s failed (%s, status %d): %s\n", path, cmd,
			e ? strerror(e) : "ran", status, out);
		return -1;
	}
	if (result && !(*result = json_tokener_parse(out))) {
		fprintf(stderr, "bench_network: %s %s printed no JSON: %s\n", path, cmd, out);
		return -1;
	}
	return 0;
}

static int netns_cmd(const char *verb, const char *name)
{
	char *const argv[] = { "ip", "netns", (char *)verb, (char *)name, NULL };

	return run_cmd(argv, NULL, 0);
}

enum { H_BRIDGE_ADD, H_PORTMAP_ADD, H_PORTMAP_DEL, H_BRIDGE_DEL };
static const char *const hand_steps[LC_STEPS] = { "bridge ADD", "portmap ADD", "portmap DEL",
						  "bridge DEL", NULL, NULL };

/* One ADD+DEL by hand in a fresh netns: its duration in ms, each call's in step. */
static double by_hand(struct hand *h, int i, double *step)
{
	json_object *res1 = NULL, *res2 = NULL;
	char id[64];
	double t[5];
	int r;

	snprintf(id, sizeof(id), "bench-hand-%d-%d", (int)getpid(), i + 2);
	if (netns_cmd("add", h->netns) != 0)
		fail("ip netns add");
	t[0] = now_ms();
	r = cni_call("ADD", id, h->netns, h->bridge, NULL, &res1);
	t[1] = now_ms();
	r = r ? r : cni_call("ADD", id, h->netns, h->portmap, res1, &res2);
	t[2] = now_ms();
	/* The DELs run whatever the ADDs did, as the library's teardown does. */
	json_object *last = res2 ? res2 : res1;
	r |= cni_call("DEL", id, h->netns, h->portmap, last, NULL);
	t[3] = now_ms();
	r |= cni_call("DEL", id, h->netns, h->bridge, last, NULL);
	t[4] = now_ms();
	json_object_put(res1);
	json_object_put(res2);
	if (netns_cmd("delete", h->netns) != 0 || r)
		fail("the plugins by hand failed (see above)");
	for (int j = 0; j < 4; j++)
		step[j] = t[j + 1] - t[j];
	return t[4] - t[0];
}

static void hand_init(ctr_runtime_t *rt, struct hand *h)
{
	char *json = NULL, conflist[256], leases[128];

	if (ctr_network_inspect(rt, NET_NAME, &json) < 0)
		bench_die("ctr_network_inspect");
	if (json_str(json, "conflist", conflist, sizeof(conflist)) < 0 ||
	    json_str(json, "bridge", our_bridge, sizeof(our_bridge)) < 0)
		fail("no \"conflist\" or \"bridge\" in ctr_network_inspect");
	ctr_free(json);
	json_object *list = json_object_from_file(conflist);
	snprintf(leases, sizeof(leases), "%s/hand-leases", bench_runbase); /* as RUN/net/leases */
	h->bridge = list ? plugin_entry(list, "bridge", leases) : NULL;
	h->portmap = list ? plugin_entry(list, "portmap", leases) : NULL;
	json_object_put(list);
	if (!h->bridge || !h->portmap)
		fail("the conflist has no bridge and portmap plugins");
	snprintf(h->netns, sizeof(h->netns), "ctr-bench-hand-%d", (int)getpid());
	snprintf(our_netns, sizeof(our_netns), "%s", h->netns);
}

/* ---- podman ------------------------------------------------------------------------------- */

/* A containers.conf of the bench's for podman (CONTAINERS_CONF): the CNI backend, its
 * default network on 10.89.X.0/24, its network configs in the bench's directory. */
static void podman_conf(int x)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/containers.conf", bench_base);
	if (!(f = fopen(path, "we")))
		fail("cannot write containers.conf");
	fprintf(f, "[network]\nnetwork_backend = \"cni\"\ncni_plugin_dirs = [\"%s\"]\n"
		   "default_subnet = \"10.89.%d.0/24\"\nnetwork_config_dir = \"%s/podman-cni\"\n",
		CNI_DIR, x, bench_base);
	fclose(f);
	setenv("CONTAINERS_CONF", path, 1);
}

/* `podman run -p ... /bin/true` to its exit, then `podman rm`: the duration in ms, each
 * command's in step. */
static double podman_net(const char *store, const char *rootfs, int i, double *step)
{
	char *argv[40], name[64], publish[64];
	int a = podman_argv_network(argv, store, "podman");

	snprintf(name, sizeof(name), "bench-pnet-%d", i + 2);
	snprintf(publish, sizeof(publish), "127.0.0.1:%d:80", PORT_BASE + 2);
	argv[a++] = "--name";
	argv[a++] = name;
	argv[a++] = "-p";
	argv[a++] = publish;
	argv[a++] = "--rootfs";
	argv[a++] = (char *)rootfs;
	argv[a++] = "/bin/true";
	argv[a] = NULL;
	const char *const rm[] = { "rm", name, NULL };
	double t0 = now_ms();
	if (run_cmd(argv, NULL, 0) != 0)
		fail("podman run failed");
	double t1 = now_ms();
	if (podman_cmd(store, rm, NULL, 0) != 0)
		fail("podman rm failed");
	step[0] = t1 - t0;
	step[1] = now_ms() - t1;
	return now_ms() - t0;
}

static const char *const podman_steps[LC_STEPS] = { "`podman run` to the exit", "`podman rm`",
						    NULL, NULL, NULL, NULL };

/* ---- the rounds ------------------------------------------------------------------------- */

enum { V_NONE, V_PORT, V_NET, V_HAND, V_PODMAN, N_VARIANTS };
static struct bench_variant variants[N_VARIANTS] = {
	[V_NONE] = { "libctr create+start+wait+cleanup+remove of /bin/true, no network", "net_none",
		     "-", 1, 0, NULL },
	[V_PORT] = { "the same, one network and one published port (127.0.0.1, tcp)", "net_port",
		     "podman ≥ 3×", 1, 0, NULL },
	[V_NET] = { "the same, one network and no port", "net_only", "-", 1, 0, NULL },
	[V_HAND] = { "CNI plugins by hand: bridge ADD + portmap ADD + portmap DEL + bridge DEL",
		     "net_hand", "-", 1, 0, hand_steps },
	[V_PODMAN] = { "`podman run -p 127.0.0.1:P:80` of /bin/true to its exit + `podman rm` "
		       "(runc, its default network, CNI)",
		       "podman_net", "≥ 3× libctr's with a network and a port", 1, 0,
		       podman_steps },
};

struct ctx {
	ctr_runtime_t *rt;
	ctr_config_t *cfg[3]; /* V_NONE, V_PORT, V_NET */
	struct hand hand;
	const char *rootfs;
	char store[128];
};

static double run_variant(void *ctx, int v, int i, double *step)
{
	struct ctx *x = ctx;

	switch (v) {
	case V_HAND: return by_hand(&x->hand, i, step);
	case V_PODMAN: return podman_net(x->store, x->rootfs, i, step);
	default: return bench_lifecycle_once(x->rt, x->cfg[v], LC_WITH_CLEANUP, step);
	}
}

/* The lifecycles have no ctr_init (ctr_start creates and starts). */
static unsigned skipped_steps(int v)
{
	return v == V_HAND || v == V_PODMAN ? 0 : 1u << LC_INIT;
}

static ctr_config_t *config(const char *rootfs, int net, int port)
{
	const char *const args[] = { "/bin/true", NULL };
	ctr_config_t *cfg;

	if (ctr_config_new(&cfg) < 0 || ctr_config_set_rootfs(cfg, rootfs) < 0 ||
	    ctr_config_set_args(cfg, args) < 0 ||
	    (net && ctr_config_add_network(cfg, NET_NAME, NULL) < 0) ||
	    (port && ctr_config_add_port(cfg, "127.0.0.1", PORT_BASE, 80, "tcp") < 0))
		bench_die("config");
	return cfg;
}

/* The median over n rounds of a[i] + a2[i] (a2 may be NULL). */
static double median_sum(const double *a, const double *a2, int n)
{
	double *d = calloc((size_t)n, sizeof(double));

	for (int i = 0; d && i < n; i++)
		d[i] = a[i] + (a2 ? a2[i] : 0);
	double m = d ? stats_of(d, (size_t)n).median : 0;
	free(d);
	return m;
}

static void extra_row(const char *what, double ms, const char *target)
{
	printf("| %s | - | %.2f ms | - | %s |\n", what, ms, target);
	fflush(stdout);
}

/* The medians compared, from the rounds' times before bench_rounds_rows() sorts them:
 * [0] the plugins by hand, [1] their ADDs, [2] their DELs, [3] and [4] the lifecycles
 * without a network and with a network and a port, [5] and [6] their ctr_start, [7] and [8]
 * their ctr_cleanup + ctr_remove. */
enum { M_HAND, M_ADD, M_DEL, M_NONE, M_PORT, M_START_NONE, M_START_PORT, M_DOWN_NONE,
       M_DOWN_PORT, M_N };
static void medians(double *t, int n, double *m)
{
#define T(v, j) bench_times(t, n, LC_STEPS, v, j)
	m[M_HAND] = median_sum(T(V_HAND, 0), NULL, n);
	m[M_ADD] = median_sum(T(V_HAND, 1 + H_BRIDGE_ADD), T(V_HAND, 1 + H_PORTMAP_ADD), n);
	m[M_DEL] = median_sum(T(V_HAND, 1 + H_PORTMAP_DEL), T(V_HAND, 1 + H_BRIDGE_DEL), n);
	for (int k = 0; k < 2; k++) {
		int v = k ? V_PORT : V_NONE;
		m[M_NONE + k] = median_sum(T(v, 0), NULL, n);
		m[M_START_NONE + k] = median_sum(T(v, 1 + LC_START), NULL, n);
		m[M_DOWN_NONE + k] = median_sum(T(v, 1 + LC_CLEANUP), T(v, 1 + LC_REMOVE), n);
	}
#undef T
}

/* The rows, then what the network and the port add (the medians' differences, as
 * run.sh's ratios) against the plugins' own time. */
static void rounds(struct ctx *x, int n)
{
	double m[M_N];
	char target[96];
	double *t = bench_rounds(n, variants, N_VARIANTS, LC_STEPS, run_variant, x);

	medians(t, n, m);
	bench_rounds_rows(t, n, variants, N_VARIANTS, LC_STEPS, lc_step_names, skipped_steps,
			  V_PORT);
	double extra = m[M_PORT] - m[M_NONE], setup = m[M_START_PORT] - m[M_START_NONE];
	double teardown = m[M_DOWN_PORT] - m[M_DOWN_NONE];
	snprintf(target, sizeof(target), "≤ 1.2× the plugins by hand (%.2f ms)", m[M_HAND]);
	extra_row("what a network and a port add to the lifecycle (medians' difference)", extra,
		  target);
	snprintf(target, sizeof(target), "- (bridge + portmap ADD by hand: %.2f ms)", m[M_ADD]);
	extra_row("&nbsp;&nbsp;of which in ctr_start (the setup)", setup, target);
	snprintf(target, sizeof(target), "- (portmap + bridge DEL by hand: %.2f ms)", m[M_DEL]);
	extra_row("&nbsp;&nbsp;of which in ctr_cleanup + ctr_remove (the teardown)", teardown,
		  target);
	kv("net_extra_median", extra);
	kv("net_setup_extra_median", setup);
	kv("net_teardown_extra_median", teardown);
	kv("net_hand_add_median", m[M_ADD]);
	kv("net_hand_del_median", m[M_DEL]);
	free(t);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_network ROOTFS [N]\n");
		return 2;
	}
	const char *rootfs = argv[1];
	int n = argc > 2 ? atoi(argv[2]) : 30;
	char *const podman_version[] = { "podman", "--version", NULL };
	char subnet[32];
	struct ctx x = { .rootfs = rootfs };

	if (n < 1 || bench_dirs_make("bench_network", "net") < 0)
		return 2;
	int ours = free_subnet(240), theirs = ours < 0 ? -1 : free_subnet(ours + 1);
	if (ours < 0 || theirs < 0)
		fail("no free 10.89.X.0/24 from X = 240 up");
	snprintf(subnet, sizeof(subnet), "10.89.%d.0/24", ours);
	atexit(leftovers);
	x.rt = bench_runtime_open("net", 0);
	CTR_OPTS(ctr_network_opts_t, o, .subnet = subnet);
	if (ctr_network_create(x.rt, NET_NAME, &o) < 0)
		bench_die("ctr_network_create");
	for (int v = V_NONE; v <= V_NET; v++)
		x.cfg[v] = config(rootfs, v != V_NONE, v == V_PORT);
	hand_init(x.rt, &x.hand);
	variants[V_PODMAN].skip = run_cmd(podman_version, NULL, 0) != 0;
	if (variants[V_PODMAN].skip)
		fprintf(stderr, "bench_network: no podman: its row is left out\n");
	podman_bridge_before = link_exists(PODMAN_BRIDGE);
	podman_leases_before = access(PODMAN_LEASES, F_OK) == 0;
	snprintf(x.store, sizeof(x.store), "%s/podman", bench_base);
	podman_conf(theirs);

	rounds(&x, n);

	for (int v = V_NONE; v <= V_NET; v++)
		ctr_config_free(x.cfg[v]);
	json_object_put(x.hand.bridge);
	json_object_put(x.hand.portmap);
	if (ctr_network_remove(x.rt, NET_NAME, 0) < 0)
		bench_die("ctr_network_remove");
	ctr_runtime_close(x.rt);
	if (!variants[V_PODMAN].skip) {
		static const char *const rm[] = { "rm", "-a", "-f", NULL };
		podman_cmd(x.store, rm, NULL, 0);
	}
	bench_dirs_remove();
	return 0;
}
