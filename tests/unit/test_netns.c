/* base/netns.c: network namespaces held by bind mounts, links, host ports. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <sys/capability.h>

#include "netns.h"
#include "tests.h"
#include "testutil.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

/* In a forked child that enters the namespace held at path: 0 if it is that namespace
 * (the inode of its /proc/self/ns/net is path's) and lo is up there; 1 lo down; 2 setns
 * failed; 3 the inode differs; 4 no flags of lo. */
static int lo_up_in(const char *path)
{
	struct stat held;
	int status = -1;
	pid_t pid;

	ck_assert_int_eq(stat(path, &held), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct ifreq ifr;
		struct stat now;
		int fd = open(path, O_RDONLY | O_CLOEXEC), s;

		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
			_exit(2);
		if (stat("/proc/self/ns/net", &now) < 0 || now.st_ino != held.st_ino)
			_exit(3);
		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.ifr_name, "lo");
		s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
			_exit(4);
		_exit(ifr.ifr_flags & IFF_UP ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static ino_t own_netns(void)
{
	struct stat st;

	ck_assert_int_eq(stat("/proc/self/ns/net", &st), 0);
	return st.st_ino;
}

START_TEST(test_a_made_namespace_is_held_with_lo_up_and_released)
{
	char *path = tu_path("ns");
	ino_t mine = own_netns();
	struct statfs sf;
	struct stat st;

	TU_NEEDS_ROOT("make a network namespace");
	ck_assert_int_eq(ctri_netns_held(path), 0);
	TU_OK(ctri_netns_make(path));
	ck_assert_int_eq(statfs(path, &sf), 0);
	ck_assert_uint_eq((unsigned long)sf.f_type, NSFS_MAGIC);
	ck_assert_int_eq(ctri_netns_held(path), 1);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_ne(st.st_ino, mine);   /* a new namespace */
	ck_assert_uint_eq(own_netns(), mine); /* the caller's is untouched */
	ck_assert_int_eq(lo_up_in(path), 0);

	TU_OK(ctri_netns_release(path));
	ck_assert_int_eq(ctri_netns_held(path), 0);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(errno, ENOENT);
	TU_OK(ctri_netns_release(path)); /* absent: fine */
	free(path);
}
END_TEST

START_TEST(test_a_namespace_is_not_made_over_an_existing_file_or_in_a_missing_directory)
{
	char *path = tu_path("ns"), *deep = tu_path("missing/ns");

	TU_NEEDS_ROOT("make a network namespace");
	TU_OK(ctri_netns_make(path));
	TU_FAILS(ctri_netns_make(path), CTR_E_EXISTS);
	TU_SAYS(path);
	ck_assert_int_eq(ctri_netns_held(path), 1); /* the first is still held */
	ck_assert_int_eq(lo_up_in(path), 0);
	TU_OK(ctri_netns_release(path));

	TU_FAILS(ctri_netns_make(deep), CTR_E_IO);
	TU_SAYS(deep);
	ck_assert_int_eq(access(deep, F_OK), -1);
	TU_FAILS(ctri_netns_make(NULL), CTR_E_INVAL);
	free(path);
	free(deep);
}
END_TEST

/* Without CAP_SYS_ADMIN (dropped in a child of the test) the child's first step fails:
 * CTR_E_RUNTIME naming the step and the reason, and no file is left. */
START_TEST(test_a_failed_step_is_a_runtime_error_and_leaves_no_file)
{
	char *path = tu_path("ns");
	int status = -1;
	pid_t pid;

	TU_NEEDS_ROOT("drop a capability");
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		cap_value_t admin = CAP_SYS_ADMIN;
		cap_t caps = cap_get_proc();

		if (!caps || cap_set_flag(caps, CAP_EFFECTIVE, 1, &admin, CAP_CLEAR) < 0 ||
		    cap_set_proc(caps) < 0)
			_exit(10);
		cap_free(caps);
		if (ctri_netns_make(path) != CTR_E_RUNTIME)
			_exit(11);
		if (!strstr(ctr_last_error(), "unshare(CLONE_NEWNET)") ||
		    !strstr(ctr_last_error(), strerror(EPERM)) || !strstr(ctr_last_error(), path))
			_exit(12);
		_exit(access(path, F_OK) == 0 ? 13 : 0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
	ck_assert_int_eq(access(path, F_OK), -1);
	free(path);
}
END_TEST

START_TEST(test_a_namespace_is_made_while_the_caller_ignores_sigchld)
{
	char *path = tu_path("ns");

	TU_NEEDS_ROOT("make a network namespace");
	signal(SIGCHLD, SIG_IGN); /* the child's status is lost: the mount tells */
	TU_OK(ctri_netns_make(path));
	signal(SIGCHLD, SIG_DFL);
	ck_assert_int_eq(ctri_netns_held(path), 1);
	TU_OK(ctri_netns_release(path));
	free(path);
}
END_TEST

START_TEST(test_a_plain_file_is_not_held_and_release_removes_it)
{
	char *path = tu_path("plain");
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(ctri_netns_held(path), 0);
	ck_assert_int_eq(ctri_netns_held(tu_base()), 0);
	if (geteuid() == 0) { /* umount2 needs the privilege even for a non-mount */
		TU_OK(ctri_netns_release(path));
		ck_assert_int_eq(access(path, F_OK), -1);
	}
	free(path);

	/* Another kind of namespace is not a network namespace; release still detaches it. */
	path = tu_path("uts");
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fclose(f);
	if (geteuid() == 0) {
		ck_assert_int_eq(mount("/proc/self/ns/uts", path, "none", MS_BIND, NULL), 0);
		ck_assert_int_eq(ctri_netns_held(path), 0);
		TU_OK(ctri_netns_release(path));
		ck_assert_int_eq(access(path, F_OK), -1);
	}
	free(path);
	path = tu_path("absent");
	ck_assert_int_eq(ctri_netns_held(path), 0);
	TU_OK(ctri_netns_release(path));
	free(path);
}
END_TEST

/* Run `ip link ...` (the test's way to make a bridge; the library uses no `ip`). */
static int ip_link(const char *args)
{
	char cmd[200];

	snprintf(cmd, sizeof(cmd), "ip link %s >/dev/null 2>&1", args);
	return system(cmd);
}

START_TEST(test_a_bridge_is_deleted_by_name_and_a_missing_one_is_fine)
{
	char name[IFNAMSIZ], args[100];

	TU_NEEDS_ROOT("add a bridge");
	snprintf(name, sizeof(name), "ctrtest%u", (unsigned)getpid() % 100000000u);
	ip_link((snprintf(args, sizeof(args), "del %s", name), args)); /* a leftover */
	snprintf(args, sizeof(args), "add %s type bridge", name);
	ck_assert_msg(ip_link(args) == 0, "ip %s failed", args);
	ck_assert_int_eq(ctri_link_exists(name), 1);
	TU_OK(ctri_link_delete(name));
	ck_assert_int_eq(ctri_link_exists(name), 0);
	ck_assert_uint_eq(if_nametoindex(name), 0);
	TU_OK(ctri_link_delete(name)); /* none: fine */

	TU_FAILS(ctri_link_delete("ctrtest-name-too-long"), CTR_E_INVAL);
	TU_FAILS(ctri_link_delete(""), CTR_E_INVAL);
	ck_assert_int_eq(ctri_link_exists("lo"), 1);
	ck_assert_int_eq(ctri_link_exists("ctrtest-name-too-long"), 0);
	ck_assert_int_eq(ctri_link_exists(""), 0);
}
END_TEST

/* A socket of type on 127.0.0.1 and a free port the kernel picks; *port is that port. */
static int bound_socket(int type, unsigned *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

START_TEST(test_a_listening_port_is_busy_from_its_address_and_from_any)
{
	unsigned port;
	char want[64];
	int fd = bound_socket(SOCK_STREAM, &port);

	ck_assert_int_eq(listen(fd, 1), 0);
	TU_FAILS(ctri_port_probe("127.0.0.1", port, 0), CTR_E_BUSY);
	snprintf(want, sizeof(want), "host port 127.0.0.1:%u/tcp is in use", port);
	TU_SAYS(want);
	TU_FAILS(ctri_port_probe(NULL, port, 0), CTR_E_BUSY);
	TU_FAILS(ctri_port_probe("0.0.0.0", port, 0), CTR_E_BUSY);
	snprintf(want, sizeof(want), "%u/tcp is in use", port);
	TU_SAYS(want);
	close(fd);
	TU_OK(ctri_port_probe("127.0.0.1", port, 0)); /* a listener leaves no TIME_WAIT */
	TU_OK(ctri_port_probe(NULL, port, 0));
}
END_TEST

START_TEST(test_a_bound_udp_port_is_busy_for_udp)
{
	unsigned port;
	char want[64];
	int fd = bound_socket(SOCK_DGRAM, &port);

	TU_FAILS(ctri_port_probe("127.0.0.1", port, 1), CTR_E_BUSY);
	snprintf(want, sizeof(want), "host port 127.0.0.1:%u/udp is in use", port);
	TU_SAYS(want);
	TU_FAILS(ctri_port_probe(NULL, port, 1), CTR_E_BUSY);
	close(fd);
	TU_OK(ctri_port_probe(NULL, port, 1));
}
END_TEST

START_TEST(test_a_bad_port_or_an_address_not_of_this_host_is_einval)
{
	TU_FAILS(ctri_port_probe(NULL, 0, 0), CTR_E_INVAL);
	TU_FAILS(ctri_port_probe(NULL, 65536, 1), CTR_E_INVAL);
	TU_FAILS(ctri_port_probe("127.0.0", 8080, 0), CTR_E_INVAL);
	TU_SAYS("127.0.0");
	TU_FAILS(ctri_port_probe("10.89.255.254", 8080, 0), CTR_E_INVAL);
	TU_SAYS("10.89.255.254 is not an address of this host");
}
END_TEST

Suite *suite_netns(void)
{
	Suite *s = suite_create("netns");
	TCase *tc = tcase_create("netns");

	tu_add_fixtures(tc, NULL);
	tcase_add_test(tc, test_a_made_namespace_is_held_with_lo_up_and_released);
	tcase_add_test(
	    tc, test_a_namespace_is_not_made_over_an_existing_file_or_in_a_missing_directory);
	tcase_add_test(tc, test_a_failed_step_is_a_runtime_error_and_leaves_no_file);
	tcase_add_test(tc, test_a_namespace_is_made_while_the_caller_ignores_sigchld);
	tcase_add_test(tc, test_a_plain_file_is_not_held_and_release_removes_it);
	tcase_add_test(tc, test_a_bridge_is_deleted_by_name_and_a_missing_one_is_fine);
	tcase_add_test(tc, test_a_listening_port_is_busy_from_its_address_and_from_any);
	tcase_add_test(tc, test_a_bound_udp_port_is_busy_for_udp);
	tcase_add_test(tc, test_a_bad_port_or_an_address_not_of_this_host_is_einval);
	suite_add_tcase(s, tc);
	return s;
}
