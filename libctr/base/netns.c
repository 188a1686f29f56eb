/* Network namespaces held by bind mounts, network links through rtnetlink, host ports. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/netlink.h>
#include <linux/nsfs.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "error.h"
#include "ipv4.h"
#include "netns.h"
#include "proc.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

/* What the namespace's child reports when a step fails: the step and its errno. */
struct netns_fail {
	int step;
	int err;
};

static const char *const netns_steps[] = {
	"unshare(CLONE_NEWNET)",
	"socket for lo",
	"read the flags of lo (SIOCGIFFLAGS)",
	"bring lo up (SIOCSIFFLAGS)",
	"bind mount /proc/self/ns/net",
};

/* The forked child of ctri_netns_make: async-signal-safe calls only. Never returns. */
static void netns_child(const char *path, struct ifreq *ifr, int fd)
{
	struct netns_fail f = { 0, 0 };
	int s;

	if (unshare(CLONE_NEWNET) < 0)
		goto fail;
	f.step = 1;
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		goto fail;
	f.step = 2;
	if (ioctl(s, SIOCGIFFLAGS, ifr) < 0)
		goto fail;
	f.step = 3;
	ifr->ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, ifr) < 0)
		goto fail;
	f.step = 4;
	if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0)
		goto fail;
	_exit(0);
fail:
	f.err = errno;
	if (write(fd, &f, sizeof(f)) < 0)
		_exit(2);
	_exit(1);
}

int ctri_netns_make(const char *path)
{
	struct netns_fail f;
	struct ifreq ifr;
	sigset_t all, old;
	int fd, p[2], e, status = 0;
	ssize_t n;
	pid_t pid;

	CTRI_CHECK_ARG("create network namespace", path);
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
	if (fd < 0 && errno == EEXIST)
		return ctri_err(CTR_E_EXISTS, "create network namespace %s: the file exists", path);
	if (fd < 0)
		return ctri_err(CTR_E_IO, "create network namespace %s: %m", path);
	close(fd);
	if (pipe2(p, O_CLOEXEC) < 0) {
		e = ctri_err(CTR_E_IO, "create network namespace %s: pipe: %m", path);
		goto fail;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	/* No handler of the caller may run in the child. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		netns_child(path, &ifr, p[1]);
	}
	e = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		errno = e;
		e = ctri_err(CTR_E_IO, "create network namespace %s: fork: %m", path);
		goto fail;
	}
	while ((n = read(p[0], &f, sizeof(f))) < 0 && errno == EINTR)
		;
	close(p[0]);
	/* A caller ignoring SIGCHLD loses the status (ECHILD): the pipe and the mount tell. */
	if (ctri_reap(pid, &status) < 0)
		status = 0;
	if (n == (ssize_t)sizeof(f) && f.step >= 0 && f.step < 5) {
		errno = f.err;
		e = ctri_err(CTR_E_RUNTIME, "create network namespace %s: %s: %m", path,
			     netns_steps[f.step]);
		goto fail;
	}
	if (status != 0 || !ctri_netns_held(path)) {
		e = ctri_err(CTR_E_RUNTIME,
			     "create network namespace %s: its child ended with status %d, "
			     "no namespace mounted",
			     path, status);
		goto fail;
	}
	return 0;
fail:
	umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW);
	unlink(path);
	return e;
}

int ctri_netns_held(const char *path)
{
	struct statfs sf;
	int fd, type;

	if (!path || statfs(path, &sf) < 0 || sf.f_type != NSFS_MAGIC)
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	type = ioctl(fd, NS_GET_NSTYPE); /* Linux 4.11; older kernels: any nsfs counts */
	close(fd);
	return type < 0 || type == CLONE_NEWNET;
}

int ctri_netns_release(const char *path)
{
	CTRI_CHECK_ARG("release network namespace", path);
	/* Every mount stacked there (a bind mount made twice), up to a sane bound. */
	for (int i = 0; i < 64; i++) {
		if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
			continue;
		if (errno == ENOENT)
			return 0;
		if (errno == EINVAL) /* not a mount point */
			break;
		return ctri_err(CTR_E_IO, "release network namespace %s: unmount: %m", path);
	}
	if (unlink(path) < 0 && errno != ENOENT)
		return ctri_err(CTR_E_IO, "release network namespace %s: unlink: %m", path);
	return 0;
}

/* Send one rtnetlink request (with NLM_F_ACK) and read the kernel's answer: 0 or -errno. */
static int nl_request(struct nlmsghdr *req)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char buf[4096] __attribute__((aligned(NLMSG_ALIGNTO)));
	int fd, r = -EIO;
	ssize_t n;

	if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) < 0)
		return -errno;
	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	req->nlmsg_seq = 1;
	if (sendto(fd, req, req->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		r = -errno;
		goto out;
	}
	for (;;) {
		while ((n = recv(fd, buf, sizeof(buf), 0)) < 0 && errno == EINTR)
			;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != req->nlmsg_seq || h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
				goto out; /* -EIO: a truncated answer */
			r = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			goto out;
		}
	}
out:
	close(fd);
	return r;
}

int ctri_link_delete(const char *name)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		char attrs[RTA_SPACE(IFNAMSIZ)];
	} req;
	struct rtattr *rta;
	size_t len;
	int r;

	CTRI_CHECK_ARG("delete network link", name);
	len = strlen(name);
	if (len == 0 || len >= IFNAMSIZ)
		return ctri_err(CTR_E_INVAL, "delete network link '%s': a name has 1 to %d bytes",
				name, IFNAMSIZ - 1);
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_type = RTM_DELLINK;
	req.ifi.ifi_family = AF_UNSPEC;
	rta = (struct rtattr *)req.attrs;
	rta->rta_type = IFLA_IFNAME;
	rta->rta_len = RTA_LENGTH(len + 1);
	memcpy(RTA_DATA(rta), name, len + 1);
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi)) + RTA_ALIGN(rta->rta_len);
	r = nl_request(&req.nh);
	if (r == -ENODEV)
		return 0;
	if (r < 0) {
		errno = -r;
		return ctri_err(CTR_E_IO, "delete network link %s: %m", name);
	}
	return 0;
}

int ctri_link_exists(const char *name)
{
	if (!name || !*name || strlen(name) >= IFNAMSIZ)
		return 0;
	return if_nametoindex(name) != 0;
}

int ctri_port_probe(const char *host_ip, unsigned port, int udp)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	const char *ip = host_ip ? host_ip : "0.0.0.0", *proto = udp ? "udp" : "tcp";
	uint32_t a = 0;
	int fd, r = 0;

	if (port == 0 || port > 65535)
		return ctri_err(CTR_E_INVAL, "host port %u/%s is not in 1..65535", port, proto);
	if (host_ip && ctri_ipv4_parse(host_ip, &a) < 0)
		return ctri_err(CTR_E_INVAL, "host port %s:%u/%s: '%s' is not an IPv4 address",
				host_ip, port, proto, host_ip);
	sin.sin_addr.s_addr = htonl(a);
	sin.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ctri_err(CTR_E_IO, "probe host port %s:%u/%s: socket: %m", ip, port, proto);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		if (errno == EADDRINUSE)
			r = ctri_err(CTR_E_BUSY, "host port %s:%u/%s is in use", ip, port, proto);
		else if (errno == EADDRNOTAVAIL)
			r = ctri_err(CTR_E_INVAL,
				     "host port %s:%u/%s: %s is not an address of this host", ip,
				     port, proto, ip);
		else
			r = ctri_err(CTR_E_IO, "probe host port %s:%u/%s: bind: %m", ip, port,
				     proto);
	}
	close(fd);
	return r;
}
