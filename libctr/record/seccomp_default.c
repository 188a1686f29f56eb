/* The built-in seccomp profile: an allowlist in the OCI form (linux.seccomp), built for the
 * container's capability set. Which system calls, argument filters and capabilities follow
 * containers-common's seccomp.json (podman's default), stricter where docs/design.md
 * ("Seccomp") says so; tests/unit/test_seccomp_default.c compares the two over the syscall
 * table. */
#include <errno.h>
#include <linux/netlink.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/socket.h>

#include "error.h"
#include "json.h"
#include "seccomp_profile.h"

/* What the default action answers: ENOSYS, so that a program probing for a newer system
 * call (clone3, faccessat2, io_uring_setup...) falls back as on an older kernel. */
#define DEFAULT_ERRNO ENOSYS

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080 /* Linux 5.6; glibc 2.36 */
#endif

/* The tables are lists of names separated by spaces. */

/* Allowed whatever the capabilities. */
static const char allowed[] =
    "_llseek _newselect accept accept4 access alarm bind brk capget capset chdir chmod chown "
    "chown32 clock_getres clock_getres_time64 clock_gettime clock_gettime64 clock_nanosleep "
    "clock_nanosleep_time64 close close_range connect copy_file_range creat dup dup2 dup3 "
    "epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait "
    "epoll_wait_old eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 "
    "fadvise64 fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchown fchown32 "
    "fchownat fcntl fcntl64 fdatasync fgetxattr flistxattr flock fork fremovexattr fsetxattr "
    "fstat fstat64 fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64 futex futex_time64 "
    "futimesat get_mempolicy get_robust_list get_thread_area getcpu getcwd getdents getdents64 "
    "getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer "
    "getpeername getpgid getpgrp getpid getppid getpriority getrandom getresgid getresgid32 "
    "getresuid getresuid32 getrlimit getrusage getsid getsockname getsockopt gettid "
    "gettimeofday getuid getuid32 getxattr inotify_add_watch inotify_init inotify_init1 "
    "inotify_rm_watch io_cancel io_destroy io_getevents io_setup io_submit ioctl ioprio_get "
    "ioprio_set ipc kill landlock_add_rule landlock_create_ruleset landlock_restrict_self "
    "lchown lchown32 lgetxattr link linkat listen listxattr llistxattr lremovexattr lseek "
    "lsetxattr lstat lstat64 madvise mbind membarrier memfd_create memfd_secret mincore mkdir "
    "mkdirat mknod mknodat mlock mlock2 mlockall mmap mmap2 mprotect mq_getsetattr mq_notify "
    "mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink "
    "mremap msgctl msgget msgrcv msgsnd msync munlock munlockall munmap nanosleep newfstatat "
    "open openat openat2 pause pidfd_getfd pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc "
    "pkey_free pkey_mprotect poll ppoll ppoll_time64 prctl pread64 preadv preadv2 prlimit64 "
    "process_mrelease pselect6 pselect6_time64 pwrite64 pwritev pwritev2 read readahead readdir "
    "readlink readlinkat readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages "
    "removexattr rename renameat renameat2 restart_syscall rmdir rseq rt_sigaction "
    "rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait "
    "rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_get_priority_max sched_get_priority_min "
    "sched_getaffinity sched_getattr sched_getparam sched_getscheduler sched_rr_get_interval "
    "sched_rr_get_interval_time64 sched_setaffinity sched_setattr sched_setparam "
    "sched_setscheduler sched_yield seccomp select semctl semget semop semtimedop "
    "semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg sendto set_mempolicy "
    "set_robust_list set_thread_area set_tid_address setfsgid setfsgid32 setfsuid setfsuid32 "
    "setgid setgid32 setgroups setgroups32 setitimer setpgid setpriority setregid setregid32 "
    "setresgid setresgid32 setresuid setresuid32 setreuid setreuid32 setrlimit setsid "
    "setsockopt setuid setuid32 setxattr shmat shmctl shmdt shmget shutdown sigaction "
    "sigaltstack signal signalfd signalfd4 sigpending sigprocmask sigreturn sigsuspend "
    "socketcall socketpair splice stat stat64 statfs statfs64 statx symlink symlinkat sync "
    "sync_file_range syncfs syscall sysinfo tee tgkill time timer_create timer_delete "
    "timer_getoverrun timer_gettime timer_gettime64 timer_settime timer_settime64 timerfd "
    "timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64 times "
    "tkill truncate truncate64 ugetrlimit umask uname unlink unlinkat utime utimensat "
    "utimensat_time64 utimes vfork wait4 waitid waitpid write writev";

/* Allowed with the capability, else EPERM (what the kernel itself would mostly answer). */
static const struct {
	const char *cap;
	const char *names;
} gated[] = {
	{ "CAP_SYS_ADMIN",
	  "bpf fanotify_init lookup_dcookie perf_event_open quotactl setdomainname "
	  "sethostname setns mount umount umount2 pivot_root fsconfig fsmount "
	  "fsopen fspick open_tree move_mount mount_setattr" },
	{ "CAP_SYS_PTRACE", "kcmp process_madvise ptrace process_vm_readv process_vm_writev" },
	{ "CAP_DAC_READ_SEARCH", "open_by_handle_at name_to_handle_at" },
	{ "CAP_SYS_CHROOT", "chroot" },
	{ "CAP_SYS_MODULE", "init_module finit_module delete_module query_module" },
	{ "CAP_SYS_PACCT", "acct" },
	{ "CAP_SYS_RAWIO", "iopl ioperm" },
	{ "CAP_SYS_TIME", "settimeofday stime clock_settime clock_settime64 adjtimex clock_adjtime "
			  "clock_adjtime64" },
	{ "CAP_SYS_TTY_CONFIG", "vhangup" },
	{ "CAP_SYS_BOOT", "reboot" },
	{ "CAP_SYSLOG", "syslog" },
};

/* Refused with EPERM whatever the capabilities: containers-common's explicit refusals, then
 * keyrings (not namespaced), obsolete module calls, _sysctl and quotactl_fd, which libctr
 * refused before it had an allowlist. Anything else not allowed gets DEFAULT_ERRNO. */
static const char refused[] =
    "bdflush io_pgetevents kexec_file_load kexec_load migrate_pages move_pages nfsservctl nice "
    "oldfstat oldlstat oldolduname oldstat olduname pciconfig_iobase pciconfig_read "
    "pciconfig_write sgetmask ssetmask swapcontext swapoff swapon sysfs uselib userfaultfd "
    "ustat vm86 vm86old vmsplice keyctl add_key request_key create_module get_kernel_syms "
    "_sysctl quotactl_fd";

#define ARM_CALLS                                                                                  \
	"arm_fadvise64_64 arm_sync_file_range breakpoint cacheflush set_tls sync_file_range2"

/* Architecture-specific calls, allowed where the native architecture is the one named. */
static const struct {
	uint32_t arch;
	const char *names;
} arch_allowed[] = {
	{ SCMP_ARCH_X86_64, "arch_prctl modify_ldt" },
	{ SCMP_ARCH_X86, "modify_ldt" },
	{ SCMP_ARCH_AARCH64, ARM_CALLS },
	{ SCMP_ARCH_ARM, ARM_CALLS },
	{ SCMP_ARCH_PPC64LE, "sync_file_range2" },
	{ SCMP_ARCH_S390X, "s390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr" },
};

/* personality(2) values allowed: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, and
 * 0xffffffff, which only reads the persona. Others (ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC...)
 * weaken the process's own hardening. */
static const uint64_t personalities[] = { PER_LINUX, PER_LINUX32, UNAME26, UNAME26 | PER_LINUX32,
					  0xffffffff };

/* Namespace flags, which clone and unshare may use only with CAP_SYS_ADMIN (the kernel
 * lets anyone create a user namespace, and with it the others). CLONE_NEWTIME shares its
 * bit with clone's exit signal, so only unshare's mask has it. */
static const uint64_t ns_flags[] = { CLONE_NEWNS,   CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
				     CLONE_NEWUSER, CLONE_NEWPID,    CLONE_NEWNET, CLONE_NEWTIME };
#define NS_FLAGS_CLONE (sizeof(ns_flags) / sizeof(ns_flags[0]) - 1)
#define NS_FLAGS_ALL   (sizeof(ns_flags) / sizeof(ns_flags[0]))

#define ALLOW (-1) /* for push_rule's err */

int ctri_seccomp_syscall_known(const char *name)
{
	return *name && seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR;
}

static int has_cap(json_object *caps, const char *cap)
{
	for (size_t i = 0; i < json_object_array_length(caps); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(caps, i)), cap))
			return 1;
	return 0;
}

/* Push each name of the space-separated list words that libseccomp knows (runc would skip
 * the others). */
static int push_names(json_object *arr, const char *words)
{
	char name[64];
	int r = 0;

	for (const char *w = words; r == 0 && *w; w += strspn(w, " ")) {
		size_t n = strcspn(w, " ");
		snprintf(name, sizeof(name), "%.*s", (int)n, w);
		w += n;
		if (ctri_seccomp_syscall_known(name))
			r = ctri_json_push(arr, json_object_new_string(name));
	}
	return r;
}

/* One argument comparison of a rule, as the OCI spec writes it. */
struct cmp {
	unsigned index;
	uint64_t value, two;
	const char *op;
};

static json_object *new_arg(const struct cmp *c)
{
	json_object *a = json_object_new_object();
	int r = a ? 0 : -1;

	if (r == 0) {
		r |= ctri_json_add(a, "index", json_object_new_int((int)c->index));
		r |= ctri_json_add(a, "value", json_object_new_uint64(c->value));
		r |= ctri_json_add(a, "valueTwo", json_object_new_uint64(c->two));
		r |= ctri_json_add(a, "op", json_object_new_string(c->op));
	}
	if (r < 0) {
		json_object_put(a);
		return NULL;
	}
	return a;
}

/* Append {"names","action"[,"errnoRet"][,"args"]} to syscalls: ALLOW, or ERRNO with err,
 * when all n comparisons hold. Takes names (NULL: out of memory); a rule whose names
 * libseccomp all lacks is left out. */
static int push_rule(json_object *syscalls, json_object *names, int err, const struct cmp *c,
		     size_t n)
{
	json_object *rule = json_object_new_object(), *args = n ? json_object_new_array() : NULL;
	int r = rule && names && (args || !n) ? 0 : -1;

	if (r == 0 && json_object_array_length(names) == 0) {
		json_object_put(rule);
		json_object_put(names);
		json_object_put(args);
		return 0;
	}
	for (size_t i = 0; r == 0 && i < n; i++)
		r = ctri_json_push(args, new_arg(&c[i]));
	if (r == 0) {
		r = ctri_json_add(rule, "names", names);
		names = NULL;
	}
	if (r == 0)
		r = ctri_json_add(
		    rule, "action",
		    json_object_new_string(err == ALLOW ? "SCMP_ACT_ALLOW" : "SCMP_ACT_ERRNO"));
	if (r == 0 && err != ALLOW)
		r = ctri_json_add(rule, "errnoRet", json_object_new_int(err));
	if (r == 0 && args) {
		r = ctri_json_add(rule, "args", args);
		args = NULL;
	}
	json_object_put(names);
	json_object_put(args);
	if (r == 0)
		return ctri_json_push(syscalls, rule);
	json_object_put(rule);
	return -1;
}

/* [name], or [] when libseccomp does not know it; NULL when out of memory. */
static json_object *one_name(const char *name)
{
	json_object *arr = json_object_new_array();

	if (arr && push_names(arr, name) < 0) {
		json_object_put(arr);
		return NULL;
	}
	return arr;
}

/* Without CAP_SYS_ADMIN: name is allowed when its flags (argument index) have none of the
 * first n namespace flags, and refused with EPERM when they have one. */
static int push_ns_filter(json_object *syscalls, const char *name, unsigned index, size_t n)
{
	struct cmp c = { index, 0, 0, "SCMP_CMP_MASKED_EQ" };
	int r;

	for (size_t i = 0; i < n; i++)
		c.value |= ns_flags[i];
	r = push_rule(syscalls, one_name(name), ALLOW, &c, 1);
	for (size_t i = 0; r == 0 && i < n; i++) {
		c.value = c.two = ns_flags[i];
		r = push_rule(syscalls, one_name(name), EPERM, &c, 1);
	}
	return r;
}

/* socket(AF_NETLINK, *, NETLINK_AUDIT) needs CAP_AUDIT_WRITE: without it EINVAL (as for an
 * unknown protocol), every other socket allowed. The order matters: with the x86 and x32
 * architectures beside x86_64, libseccomp 2.5.4 refuses (EEXIST) the rule on argument 0
 * alone after the ERRNO one. */
static int push_socket_filter(json_object *syscalls)
{
	static const struct cmp other = { 0, AF_NETLINK, 0, "SCMP_CMP_NE" };
	static const struct cmp netlink[] = { { 0, AF_NETLINK, 0, "SCMP_CMP_EQ" },
					      { 2, NETLINK_AUDIT, 0, "SCMP_CMP_NE" } };
	static const struct cmp audit[] = { { 0, AF_NETLINK, 0, "SCMP_CMP_EQ" },
					    { 2, NETLINK_AUDIT, 0, "SCMP_CMP_EQ" } };
	int r = push_rule(syscalls, one_name("socket"), ALLOW, &other, 1);

	if (r == 0)
		r = push_rule(syscalls, one_name("socket"), ALLOW, netlink, 2);
	if (r == 0)
		r = push_rule(syscalls, one_name("socket"), EINVAL, audit, 2);
	return r;
}

/* The rules with argument filters, and clone3, for the capability set caps; what they
 * leave unconditional goes to allow. */
static int push_filtered(json_object *syscalls, json_object *caps, json_object *allow)
{
	/* s390's clone takes the stack first and the flags second. */
	unsigned clone_flags = seccomp_arch_native() == SCMP_ARCH_S390X ? 1 : 0;
	int r = 0;

	for (size_t i = 0; r == 0 && i < sizeof(personalities) / sizeof(personalities[0]); i++) {
		struct cmp c = { 0, personalities[i], 0, "SCMP_CMP_EQ" };
		r = push_rule(syscalls, one_name("personality"), ALLOW, &c, 1);
	}
	if (r == 0 && has_cap(caps, "CAP_SYS_ADMIN")) {
		r = push_names(allow, "clone unshare clone3");
	} else if (r == 0) {
		r = push_ns_filter(syscalls, "clone", clone_flags, NS_FLAGS_CLONE);
		if (r == 0)
			r = push_ns_filter(syscalls, "unshare", 0, NS_FLAGS_ALL);
		/* Its flags are in memory, out of a filter's reach: ENOSYS, on which the C
		 * libraries fall back to clone. */
		if (r == 0)
			r = push_rule(syscalls, one_name("clone3"), ENOSYS, NULL, 0);
	}
	if (r == 0 && has_cap(caps, "CAP_AUDIT_WRITE"))
		r = push_names(allow, "socket");
	else if (r == 0)
		r = push_socket_filter(syscalls);
	return r;
}

/* The unconditional rules: allow and EPERM lists for the capability set caps. */
static int fill_lists(json_object *allow, json_object *eperm, json_object *caps)
{
	uint32_t native = seccomp_arch_native();
	int r = push_names(allow, allowed);

	for (size_t i = 0; r == 0 && i < sizeof(gated) / sizeof(gated[0]); i++)
		r = push_names(has_cap(caps, gated[i].cap) ? allow : eperm, gated[i].names);
	for (size_t i = 0; r == 0 && i < sizeof(arch_allowed) / sizeof(arch_allowed[0]); i++)
		if (arch_allowed[i].arch == native)
			r = push_names(allow, arch_allowed[i].names);
	if (r == 0)
		r = push_names(eperm, refused);
	return r;
}

static json_object *syscall_rules(json_object *caps)
{
	json_object *syscalls = json_object_new_array(), *allow = json_object_new_array();
	json_object *eperm = json_object_new_array();
	int r = syscalls && allow && eperm ? 0 : -1;

	if (r == 0)
		r = fill_lists(allow, eperm, caps);
	if (r == 0)
		r = push_filtered(syscalls, caps, allow);
	if (r == 0) {
		r = push_rule(syscalls, allow, ALLOW, NULL, 0);
		allow = NULL;
	}
	if (r == 0) {
		r = push_rule(syscalls, eperm, EPERM, NULL, 0);
		eperm = NULL;
	}
	json_object_put(allow);
	json_object_put(eperm);
	if (r < 0) {
		json_object_put(syscalls);
		return NULL;
	}
	return syscalls;
}

/* The native architecture and those whose binaries it also runs. */
static json_object *native_architectures(void)
{
	static const struct {
		uint32_t token;
		const char *names[4];
	} sets[] = {
		{ SCMP_ARCH_X86_64, { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32" } },
		{ SCMP_ARCH_AARCH64, { "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM" } },
		{ SCMP_ARCH_X86, { "SCMP_ARCH_X86" } },
		{ SCMP_ARCH_ARM, { "SCMP_ARCH_ARM" } },
		{ SCMP_ARCH_PPC64LE, { "SCMP_ARCH_PPC64LE" } },
		{ SCMP_ARCH_S390X, { "SCMP_ARCH_S390X", "SCMP_ARCH_S390" } },
		{ SCMP_ARCH_RISCV64, { "SCMP_ARCH_RISCV64" } },
	};
	uint32_t native = seccomp_arch_native();
	json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < sizeof(sets) / sizeof(sets[0]); i++) {
		if (sets[i].token != native)
			continue;
		for (size_t k = 0; sets[i].names[k]; k++) {
			if (ctri_json_push(arr, json_object_new_string(sets[i].names[k])) < 0) {
				json_object_put(arr);
				return NULL;
			}
		}
	}
	return arr;
}

int ctri_seccomp_default(json_object *caps, json_object **out)
{
	json_object *profile = json_object_new_object(), *archs = native_architectures();
	json_object *syscalls = syscall_rules(caps);
	int r = profile && archs && syscalls ? 0 : -1;

	if (r == 0)
		r = ctri_json_add(profile, "defaultAction",
				  json_object_new_string("SCMP_ACT_ERRNO"));
	if (r == 0)
		r = ctri_json_add(profile, "defaultErrnoRet", json_object_new_int(DEFAULT_ERRNO));
	if (r == 0 && json_object_array_length(archs) > 0) {
		r = ctri_json_add(profile, "architectures",
				  archs); /* unknown machine: runc's native */
		archs = NULL;
	}
	if (r == 0) {
		r = ctri_json_add(profile, "syscalls", syscalls);
		syscalls = NULL;
	}
	json_object_put(archs);
	json_object_put(syscalls);
	if (r < 0) {
		json_object_put(profile);
		return ctri_err(CTR_E_NOMEM, "default seccomp profile: out of memory");
	}
	*out = profile;
	return 0;
}
