/* Network namespaces held by bind mounts, network links, and host ports: plain syscalls
 * (rtnetlink, ioctls), no `ip` binary. */
#ifndef LIBCTR_NETNS_H
#define LIBCTR_NETNS_H

/* Make a new network namespace with its loopback interface up, held by a bind mount of it
 * at path (a new file of mode 0444 made here; its directory must exist). The work is done
 * in a forked child calling only async-signal-safe functions (unshare(CLONE_NEWNET),
 * SIOCSIFFLAGS on "lo", a bind mount of /proc/self/ns/net), so the caller's process and
 * threads keep their namespaces. 0; CTR_E_EXISTS when path exists; CTR_E_INVAL when path
 * is NULL; CTR_E_IO (the file) or CTR_E_RUNTIME (a step in the child: unshare, lo, mount)
 * with the reason; on failure path is left absent. */
int ctri_netns_make(const char *path);

/* 1 if path is a bind mount of a network namespace (statfs f_type NSFS_MAGIC, and of the
 * network type where the kernel says), 0 if not, or absent. */
int ctri_netns_held(const char *path);

/* Detach the bind mount(s) at path (umount2 MNT_DETACH; not mounted is fine) and unlink the
 * file. 0, also when path is absent; CTR_E_IO with the reason. */
int ctri_netns_release(const char *path);

/* Delete the network link (e.g. a bridge) called name in the caller's namespace, through
 * rtnetlink. 0, also when there is none; CTR_E_INVAL for a name longer than 15 bytes or
 * empty; CTR_E_IO with the kernel's reason otherwise. */
int ctri_link_delete(const char *name);

/* 1 if a link called name exists in the caller's namespace, else 0. */
int ctri_link_exists(const char *name);

/* Whether host_ip:port (host_ip NULL or "0.0.0.0": any address) can be bound now, for tcp
 * (udp 0) or udp (udp 1), probed by a bind(2) without SO_REUSEADDR (so a listener on
 * 127.0.0.1 is seen from 0.0.0.0) in the caller's namespace. 0 when free; CTR_E_BUSY
 * ("host port 127.0.0.1:8080/tcp is in use") when a socket of the host holds it;
 * CTR_E_INVAL for a port outside 1..65535, a malformed address or one not of this host
 * (EADDRNOTAVAIL); CTR_E_IO otherwise (e.g. EACCES for a port below 1024 without the
 * privilege). */
int ctri_port_probe(const char *host_ip, unsigned port, int udp);

#endif
