/* The end of a networked run, however it ends, leaves nothing: a forced remove, callers
 * killed in a start, a killed monitor, the restart policy's runs (one lease at a time),
 * a hundred quick lifecycles; and plugins that fail, hang, cannot be run, are missing (the
 * system's directories hidden in a mount namespace: CTR_CNI_PATH only adds directories),
 * or fail after another plugin's ADD (fake plugins first in CTR_CNI_PATH): the start
 * fails, the container stays CONFIGURED, and every ADD done is undone. */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"
#include "nettest.h"
#include "util.h"

/* ---- the end of a run ----------------------------------------------------------------------- */

START_TEST(test_a_forced_remove_of_a_running_container_leaves_nothing)
{
	nt_network("frm", "10.89.130.0/24", NULL, 0);
	ctr_container_t *c =
	    it_create(it_rt, nt_config("touch /shared/ready; " IT_LOOP, "frm", NULL));
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	ck_assert_int_eq(nt_leases("frm", NULL, NULL), 1);
	ck_assert_msg(nt_rules_with(ctr_id(c)) > 0, "no iptables rule names the container");
	IT_OK(ctr_remove(c, CTR_FORCE));
	nt_assert_nothing_left(ctr_id(c), "frm", 0);
	ctr_container_free(c);
}
END_TEST

static int op_start(ctr_container_t *c)
{
	return ctr_start(c, 0);
}

/* In a child: ctr_start(the container named arg). */
static int start_main(void *arg)
{
	return it_child_op(NULL, arg, "start", op_start);
}

START_TEST(test_a_caller_killed_in_a_start_leaves_nothing_once_recovered)
{
	/* From before the child's first call, through the plugins' ADDs, to after its start
	 * returned; the last lets it end on its own, without a cleanup. */
	static const long delays_ms[] = { 0, 10, 30, 60, 100, 150, 200, 300, 450, 700, 5000 };

	nt_network("kill", "10.89.131.0/24", NULL, 0);
	for (size_t i = 0; i < sizeof(delays_ms) / sizeof(delays_ms[0]); i++) {
		ctr_container_t *c =
		    it_create(it_rt, nt_config("touch /shared/ready; " IT_LOOP, "kill", NULL));
		pid_t child = it_fork(start_main, (void *)ctr_id(c));
		struct timespec ts = { delays_ms[i] / 1000, (delays_ms[i] % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		kill(child, SIGKILL);
		int st = it_join(child, IT_GUARD_MS);
		ck_assert_msg(st == 128 + SIGKILL || st == 0, "child: status %d", st);

		/* The next caller finds what the dead one left: half of the cases are
		 * removed at once, the others run (again) and end normally. */
		ctr_state_t s = CTR_STATE_UNKNOWN;
		int rs = ctr_state(c, &s);
		ck_assert_msg(rs == 0, "killed after %ld ms (status %d): state: %s", delays_ms[i],
			      st, it_err(rs));
		if (i % 2) {
			int r = ctr_remove(c, CTR_FORCE);
			ck_assert_msg(r == 0,
				      "killed after %ld ms (status %d, then %s): remove: %s",
				      delays_ms[i], st, ctr_state_name(s), it_err(r));
		} else {
			int r = s == CTR_STATE_RUNNING ? 0 : ctr_start(c, 0);
			ck_assert_msg(r == 0, "killed after %ld ms (status %d, then %s): start: %s",
				      delays_ms[i], st, ctr_state_name(s), it_err(r));
			it_take_file("ready", IT_GUARD_MS);
			nt_addr_t a;
			nt_addr(c, "kill", &a);
			ck_assert_int_eq(nt_leases("kill", NULL, NULL), 1);
			IT_OK(ctr_stop(c, 0));
			IT_OK(ctr_cleanup(c));
			nt_assert_nothing_left(ctr_id(c), "kill", 0);
			IT_OK(ctr_remove(c, 0));
		}
		nt_assert_nothing_left(ctr_id(c), "kill", 0);
		char ready[4096]; /* a run of a removed container may have touched it */
		snprintf(ready, sizeof(ready), "%s/io/ready", it_base());
		unlink(ready);
		ctr_container_free(c);
	}
	it_assert_no_children();
}
END_TEST

START_TEST(test_a_killed_monitor_leaves_nothing_after_cleanup_or_remove)
{
	nt_network("mon", "10.89.132.0/24", NULL, 0);
	for (int by_remove = 0; by_remove < 2; by_remove++) {
		ctr_container_t *c =
		    it_create(it_rt, nt_config("touch /shared/ready; " IT_LOOP, "mon", NULL));
		IT_OK(ctr_start(c, 0));
		it_take_file("ready", IT_GUARD_MS);
		pid_t monitor = (pid_t)it_state_int(c, "monitor_pid");
		ck_assert_msg(monitor > 0 && it_alive(monitor), "monitor_pid %ld", (long)monitor);
		ck_assert_int_eq(kill(monitor, SIGKILL), 0);
		ck_assert(it_wait_gone(monitor, IT_GUARD_MS));
		if (by_remove) {
			IT_OK(ctr_remove(c, 0));
		} else {
			IT_OK(ctr_sync(c));
			IT_STATE(c, CTR_STATE_STOPPED);
			IT_OK(ctr_cleanup(c));
			nt_assert_nothing_left(ctr_id(c), "mon", 0);
			IT_OK(ctr_remove(c, 0));
		}
		nt_assert_nothing_left(ctr_id(c), "mon", 0);
		ctr_container_free(c);
	}
}
END_TEST

/* Each run appends to /shared/runs; the first two exit 1, the third runs on. */
#define THIRD_RUN_STAYS                                                                            \
	"echo run >> /shared/runs; [ $(wc -l < /shared/runs) -ge 3 ] || exit 1; "                  \
	"touch /shared/ready; " IT_LOOP

START_TEST(test_the_restart_policy_holds_one_lease_at_a_time)
{
	char bridge[32];

	nt_network("rst", "10.89.133.0/24", NULL, 0);
	nt_bridge("rst", bridge, sizeof(bridge));
	ctr_config_t *cfg = nt_config(THIRD_RUN_STAYS, "rst", NULL);
	IT_OK(ctr_config_set_restart_policy(cfg, CTR_RESTART_ALWAYS, 0));
	ctr_container_t *c = it_create(it_rt, cfg);
	IT_OK(ctr_start(c, 0));
	double end = it_now() + IT_GUARD_MS / 1000.0;
	while (!it_has_file("ready")) {
		int leases = nt_leases("rst", NULL, NULL), brif = nt_brif_count(bridge);
		ck_assert_msg(leases <= 1 && brif <= 1,
			      "between restarts: %d leases, %d interfaces on the bridge", leases,
			      brif);
		ck_assert_msg(it_now() < end, "the third run did not come");
		it_sleep_ms(10);
	}
	it_take_file("ready", 0);
	ck_assert_int_eq(it_state_int(c, "restart_count"), 2);
	int of_id = 0;
	ck_assert_int_eq(nt_leases("rst", ctr_id(c), &of_id), 1);
	ck_assert_int_eq(of_id, 1);
	ck_assert_int_eq(nt_brif_count(bridge), 1);
	nt_addr_t a;
	nt_addr(c, "rst", &a);
	IT_OK(ctr_stop(c, 0));
	IT_OK(ctr_cleanup(c)); /* a user's stop: no restart */
	IT_STATE(c, CTR_STATE_EXITED);
	nt_assert_nothing_left(ctr_id(c), "rst", 0);
	IT_OK(ctr_remove(c, 0));
	ctr_container_free(c);
}
END_TEST

#define LIFECYCLES 100

START_TEST(test_a_hundred_lifecycles_leave_nothing)
{
	static const char *const argv[] = { "/bin/true", NULL };
	static char ids[LIFECYCLES][80];
	char bridge[32];

	nt_network("many", "10.89.134.0/24", NULL, 0);
	nt_bridge("many", bridge, sizeof(bridge));
	int veths = nt_veth_count();
	for (int i = 0; i < LIFECYCLES; i++) {
		ctr_config_t *cfg = nt_config("true", "many", NULL);
		IT_OK(ctr_config_set_args(cfg, argv));
		ctr_container_t *c = it_create(it_rt, cfg);
		snprintf(ids[i], sizeof(ids[i]), "%s", ctr_id(c));
		IT_OK(ctr_start(c, 0));
		ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
		IT_OK(ctr_cleanup(c));
		IT_OK(ctr_remove(c, 0));
		ctr_container_free(c);
	}
	nt_assert_nothing_left(ids[LIFECYCLES - 1], "many", 0);
	double end = it_now() + IT_GUARD_MS / 1000.0;
	while (nt_veth_count() != veths && it_now() < end)
		it_sleep_ms(50);
	ck_assert_int_eq(nt_veth_count(), veths);
	ck_assert_int_le(nt_brif_count(bridge), 0);
	ck_assert_int_eq(nt_leases("many", NULL, NULL), 0);
	char *rules = nt_rules();
	for (int i = 0; i < LIFECYCLES; i++) {
		char ns[8300];
		snprintf(ns, sizeof(ns), "%s/run/net/%s", it_base(), ids[i]);
		ck_assert_msg(access(ns, F_OK) != 0, "%s left", ns);
		ck_assert_msg(!strstr(rules, ids[i]), "iptables rules of %s left", ids[i]);
	}
	free(rules);
	json_object *net = nt_network_json("many"), *members;
	ck_assert(json_object_object_get_ex(net, "containers", &members));
	ck_assert_int_eq(json_object_object_length(members), 0);
	json_object_put(net);
}
END_TEST

/* ---- failing plugins ------------------------------------------------------------------------ */

/* Whether the last error message says one of the '|'-separated words of what. */
static int says_one_of(const char *what)
{
	char words[256];

	snprintf(words, sizeof(words), "%s", what);
	for (char *w = strtok(words, "|"); w; w = strtok(NULL, "|"))
		if (strstr(ctr_last_error(), w))
			return 1;
	return 0;
}

/* ctr_init and ctr_start of the CONFIGURED container c both fail with code (or, if alt is
 * not 0, alt), naming c and saying what (if not NULL; "a|b": a or b); nothing of it is
 * left. */
static void assert_run_refused(ctr_container_t *c, const char *network, int code, int alt,
			       const char *what)
{
	for (int start = 0; start < 2; start++) {
		int fds = it_fd_count();
		int r = start ? ctr_start(c, 0) : ctr_init(c, 0);
		ck_assert_msg(r == code || (alt && r == alt), "%s: %s",
			      start ? "ctr_start" : "ctr_init", it_err(r));
		ck_assert_msg(strstr(ctr_last_error(), ctr_name(c)) ||
				  strstr(ctr_last_error(), ctr_id(c)),
			      "the message does not name the container: %s", ctr_last_error());
		ck_assert_msg(!what || says_one_of(what), "expected '%s' in the message: %s", what,
			      ctr_last_error());
		it_assert_unchanged(c, CTR_STATE_CONFIGURED, fds);
		nt_assert_nothing_left(ctr_id(c), network, 0);
	}
}

/* With the real plugins again, c (touching /shared/ready) runs, and its end leaves nothing;
 * then it is removed. */
static void assert_runs_after(ctr_container_t *c, const char *network)
{
	unsetenv("CTR_CNI_PATH");
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	nt_addr_t a;
	nt_addr(c, network, &a);
	IT_OK(ctr_stop(c, 0));
	IT_OK(ctr_cleanup(c));
	nt_assert_nothing_left(ctr_id(c), network, 0);
	IT_OK(ctr_remove(c, 0));
}

/* CTR_CNI_PATH: the fake plugins of dir first, then the real ones. */
static void fakes_first(const char *dir)
{
	char path[8192];

	snprintf(path, sizeof(path), "%s:/usr/lib/cni", dir);
	setenv("CTR_CNI_PATH", path, 1);
}

START_TEST(test_a_failing_bridge_plugin_fails_the_start)
{
	const char *dir = nt_fake_dir("cni");

	nt_fake_plugin(dir, "bridge", NT_FAKE_FAILURE);
	fakes_first(dir);
	nt_network("fbr", "10.89.135.0/24", NULL, 0);
	ctr_container_t *c =
	    it_create(it_rt, nt_config("touch /shared/ready; " IT_LOOP, "fbr", NULL));
	assert_run_refused(c, "fbr", CTR_E_RUNTIME, 0, "fake failure");
	assert_runs_after(c, "fbr");
	ctr_container_free(c);
}
END_TEST

START_TEST(test_a_hanging_plugin_is_killed_at_the_runtime_timeout)
{
	const char *dir = nt_fake_dir("cni");

	nt_fake_plugin(dir, "bridge", "exec sleep 4242.5");
	fakes_first(dir);
	nt_network("fhang", "10.89.136.0/24", NULL, 0);
	ctr_runtime_close(it_rt);
	it_rt = it_reopen(NULL, 2000);
	ctr_container_t *c =
	    it_create(it_rt, nt_config("touch /shared/ready; " IT_LOOP, "fhang", NULL));
	double t0 = it_now();
	assert_run_refused(c, "fhang", CTR_E_TIMEOUT, CTR_E_RUNTIME, NULL);
	ck_assert_msg(it_now() - t0 >= 4.0, "two runs refused before their 2 s timeouts");
	it_assert_no_procs_with("4242.5");
	assert_runs_after(c, "fhang");
	ctr_container_free(c);
}
END_TEST

/* In a child with a mount namespace of its own where the system's plugin directories are
 * empty (a tmpfs over each), CTR_CNI_PATH an empty directory: ctr_init and ctr_start of
 * the container named arg fail with CTR_E_RUNTIME naming the bridge plugin. */
static int run_without_plugins(void *arg)
{
	static const char *const dirs[] = { "/usr/lib/cni", "/usr/libexec/cni", "/opt/cni/bin" };
	ctr_runtime_t *rt = NULL;
	ctr_container_t *c = NULL;
	int bad = 0;

	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
		return 2;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (access(dirs[i], F_OK) == 0 && mount("tmpfs", dirs[i], "tmpfs", 0, NULL) < 0)
			return 3;
	if (it_open(NULL, 0, &rt) < 0 || ctr_lookup(rt, arg, &c) < 0)
		return 4;
	for (int start = 0; start < 2; start++) {
		int r = start ? ctr_start(c, 0) : ctr_init(c, 0);
		if (r != CTR_E_RUNTIME || !strstr(ctr_last_error(), "bridge")) {
			fprintf(stderr, "%s without plugins: %s\n", start ? "start" : "init",
				it_err(r));
			bad = 1;
		}
	}
	ctr_container_free(c);
	ctr_runtime_close(rt);
	return bad;
}

START_TEST(test_a_missing_plugin_is_named)
{
	nt_network("fmiss", "10.89.137.0/24", NULL, 0);
	setenv("CTR_CNI_PATH", nt_fake_dir("empty"), 1);
	ctr_container_t *c =
	    it_create(it_rt, nt_config("touch /shared/ready; " IT_LOOP, "fmiss", NULL));
	ck_assert_int_eq(it_join(it_fork(run_without_plugins, (void *)ctr_id(c)), IT_GUARD_MS), 0);
	int fds = it_fd_count();
	it_assert_unchanged(c, CTR_STATE_CONFIGURED, fds);
	nt_assert_nothing_left(ctr_id(c), "fmiss", 0);
	assert_runs_after(c, "fmiss");
	ctr_container_free(c);
}
END_TEST

/* A plugin that is found but cannot be run (its interpreter is missing). */
START_TEST(test_a_plugin_that_cannot_run_is_named)
{
	const char *dir = nt_fake_dir("cni");
	char path[8192];

	snprintf(path, sizeof(path), "%s/bridge", dir);
	ck_assert_int_eq(ctri_write_file(path, "#!/nonexistent/sh\n", 18, 0755, 0), 0);
	fakes_first(dir);
	nt_network("fexec", "10.89.139.0/24", NULL, 0);
	ctr_container_t *c =
	    it_create(it_rt, nt_config("touch /shared/ready; " IT_LOOP, "fexec", NULL));
	assert_run_refused(c, "fexec", CTR_E_RUNTIME, 0, "bridge");
	assert_runs_after(c, "fexec");
	ctr_container_free(c);
}
END_TEST

START_TEST(test_a_failing_portmap_undoes_the_bridge)
{
	const char *dir = nt_fake_dir("cni");

	nt_fake_plugin(dir, "portmap", NT_FAKE_FAILURE);
	fakes_first(dir);
	nt_network("fpm", "10.89.138.0/24", NULL, 0);
	nt_write_shared("www/hello.txt", NT_PAGE);
	ctr_config_t *cfg = nt_config(NT_HTTPD, "fpm", NULL);
	IT_OK(ctr_config_add_port(cfg, "127.0.0.1", 18090, 80, NULL));
	ctr_container_t *c = it_create(it_rt, cfg);
	assert_run_refused(c, "fpm", CTR_E_RUNTIME, 0, "fake failure");
	ck_assert(nt_port_closed(18090));
	unsetenv("CTR_CNI_PATH");
	IT_OK(ctr_start(c, 0));
	it_take_file("ready", IT_GUARD_MS);
	char *answer = nt_http_get(18090, "/hello.txt");
	ck_assert_msg(answer && strstr(answer, NT_PAGE), "127.0.0.1:18090 answered: %s",
		      answer ? answer : "nothing");
	free(answer);
	IT_OK(ctr_remove(c, CTR_FORCE));
	nt_assert_nothing_left(ctr_id(c), "fpm", 0);
	ck_assert(nt_port_closed(18090));
	ctr_container_free(c);
}
END_TEST

Suite *suite_network_faults(void)
{
	Suite *s = suite_create("network_faults");
	TCase *tc = tcase_create("network_faults");

	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, nt_setup, nt_teardown);
	tcase_add_test(tc, test_a_forced_remove_of_a_running_container_leaves_nothing);
	tcase_add_test(tc, test_a_caller_killed_in_a_start_leaves_nothing_once_recovered);
	tcase_add_test(tc, test_a_killed_monitor_leaves_nothing_after_cleanup_or_remove);
	tcase_add_test(tc, test_the_restart_policy_holds_one_lease_at_a_time);
	tcase_add_test(tc, test_a_hundred_lifecycles_leave_nothing);
	tcase_add_test(tc, test_a_failing_bridge_plugin_fails_the_start);
	tcase_add_test(tc, test_a_hanging_plugin_is_killed_at_the_runtime_timeout);
	tcase_add_test(tc, test_a_missing_plugin_is_named);
	tcase_add_test(tc, test_a_plugin_that_cannot_run_is_named);
	tcase_add_test(tc, test_a_failing_portmap_undoes_the_bridge);
	suite_add_tcase(s, tc);
	return s;
}
