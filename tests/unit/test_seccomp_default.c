/* The default seccomp profile: an allowlist no looser than containers-common's (podman's
 * default, read from CC_PROFILE), over every system call libseccomp knows for this machine
 * and for several capability sets; its errnos, argument filters and capability entries. */
#include <check.h>
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "ctr/ctr.h"
#include "seccomp_profile.h"
#include "spec.h"
#include "testutil.h"
#include "tests.h"
#include "util.h"

/* Installed by golang-github-containers-common (scripts/deps.sh lists it). */
#define CC_PROFILE "/usr/share/containers/seccomp.json"
#define ID	   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define NR_MAX	   8192 /* above every native number (mips n32 ends near 6500) */
#define REPORT_MAX 2500 /* characters of the failure message's list */

/* How a profile treats a system call, from strictest to loosest. */
enum level { DENIED, FILTERED, ALWAYS };
static const char *const level_names[] = { "denied", "allowed with a filter",
					   "allowed unconditionally" };

static ctr_config_t *cfg;
static char *rootfs;

static void setup(void)
{
	static const char *const argv[] = { "/bin/true", NULL };

	rootfs = tu_mkdtemp();
	ck_assert_int_eq(ctr_config_new(&cfg), 0);
	ck_assert_int_eq(ctr_config_set_rootfs(cfg, rootfs), 0);
	ck_assert_int_eq(ctr_config_set_args(cfg, argv), 0);
}

static void teardown(void)
{
	ctr_config_free(cfg);
	cfg = NULL;
	tu_rm_rf(rootfs);
	free(rootfs);
	rootfs = NULL;
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static int strv_has(const char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcasecmp(v[i], s))
			return 1;
	return 0;
}

/* 1 if the JSON array arr holds the string s (any case: capabilities). */
static int array_has(json_object *arr, const char *s)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		if (!strcasecmp(json_object_get_string(json_object_array_get_idx(arr, i)), s))
			return 1;
	return 0;
}

/* The linux.seccomp libctr writes for a container with capability set caps (NULL: the
 * default set). */
static json_object *libctr_profile(const char *const *caps)
{
	json_object *spec = NULL, *profile;

	ck_assert_int_eq(ctr_config_set_capabilities(cfg, caps), 0);
	ck_assert_msg(ctri_spec_build(cfg, ID, &spec) == 0, "%s", ctr_last_error());
	profile = get(get(spec, "linux"), "seccomp");
	ck_assert_ptr_nonnull(profile);
	json_object_get(profile);
	json_object_put(spec);
	return profile;
}

/* The capability set libctr gives containers by default, as its spec says. */
static char **default_caps(void)
{
	json_object *spec = NULL, *set;
	char **caps;

	ck_assert_int_eq(ctr_config_set_capabilities(cfg, NULL), 0);
	ck_assert_int_eq(ctri_spec_build(cfg, ID, &spec), 0);
	set = get(get(get(spec, "process"), "capabilities"), "bounding");
	caps = calloc(json_object_array_length(set) + 1, sizeof(*caps));
	ck_assert_ptr_nonnull(caps);
	for (size_t i = 0; i < json_object_array_length(set); i++)
		caps[i] = strdup(json_object_get_string(json_object_array_get_idx(set, i)));
	json_object_put(spec);
	return caps;
}

/* Every capability libcap knows, as "cap_..." names. */
static char **all_caps(void)
{
	char **caps = calloc(CAP_LAST_CAP + 2, sizeof(*caps));

	ck_assert_ptr_nonnull(caps);
	for (int i = 0; i <= CAP_LAST_CAP; i++) {
		caps[i] = cap_to_name(i);
		ck_assert_ptr_nonnull(caps[i]);
	}
	return caps;
}

static void free_caps(char **caps, int from_libcap)
{
	for (size_t i = 0; caps[i]; i++) {
		if (from_libcap)
			cap_free(caps[i]);
		else
			free(caps[i]);
	}
	free(caps);
}

/* containers-common's names for the architectures (Go's GOARCH). */
static const char *go_arch(void)
{
	switch (seccomp_arch_native()) {
	case SCMP_ARCH_X86_64:
		return "amd64";
	case SCMP_ARCH_X86:
		return "386";
	case SCMP_ARCH_AARCH64:
		return "arm64";
	case SCMP_ARCH_ARM:
		return "arm";
	case SCMP_ARCH_PPC64LE:
		return "ppc64le";
	case SCMP_ARCH_S390X:
		return "s390x";
	case SCMP_ARCH_RISCV64:
		return "riscv64";
	default:
		return "unknown";
	}
}

/* containers-common's "includes"/"excludes": 1 if the rule applies to caps on this arch.
 * (minKernel, which this file does not use, is taken as met.) */
static int rule_applies(json_object *rule, const char *const *caps)
{
	json_object *inc = get(rule, "includes"), *exc = get(rule, "excludes"), *v;

	if ((v = get(inc, "arches")) && json_object_array_length(v) > 0 && !array_has(v, go_arch()))
		return 0;
	if ((v = get(exc, "arches")) && array_has(v, go_arch()))
		return 0;
	for (size_t i = 0; (v = get(inc, "caps")) && i < json_object_array_length(v); i++)
		if (!strv_has(caps, json_object_get_string(json_object_array_get_idx(v, i))))
			return 0;
	for (size_t i = 0; (v = get(exc, "caps")) && i < json_object_array_length(v); i++)
		if (strv_has(caps, json_object_get_string(json_object_array_get_idx(v, i))))
			return 0;
	return 1;
}

static int has_args(json_object *rule)
{
	json_object *args = get(rule, "args");

	return args && json_object_array_length(args) > 0;
}

static int is_allow(json_object *rule)
{
	return !strcmp(json_object_get_string(get(rule, "action")), "SCMP_ACT_ALLOW");
}

/* How profile treats name for caps; *conflict is set when an unconditional ALLOW and an
 * unconditional refusal both name it (libseccomp would refuse such a filter). */
static enum level level_of(json_object *profile, const char *name, const char *const *caps,
			   int *conflict)
{
	json_object *rules = get(profile, "syscalls");
	int allow = 0, allow_if = 0, deny = 0, deny_if = 0;

	for (size_t i = 0; i < json_object_array_length(rules); i++) {
		json_object *rule = json_object_array_get_idx(rules, i);
		if (!array_has(get(rule, "names"), name) || !rule_applies(rule, caps))
			continue;
		if (is_allow(rule))
			*(has_args(rule) ? &allow_if : &allow) = 1;
		else
			*(has_args(rule) ? &deny_if : &deny) = 1;
	}
	*conflict = allow && deny;
	if (deny)
		return DENIED;
	if (allow)
		return deny_if ? FILTERED : ALWAYS;
	if (allow_if)
		return FILTERED;
	if (!strcmp(json_object_get_string(get(profile, "defaultAction")), "SCMP_ACT_ALLOW"))
		return deny_if ? FILTERED : ALWAYS;
	return DENIED;
}

/* 1 if every comparison of the rule other is also one of rule's: then whatever rule allows,
 * other allows too. */
static int implies(json_object *rule, json_object *other)
{
	json_object *mine = get(rule, "args"), *theirs = get(other, "args");

	for (size_t i = 0; theirs && i < json_object_array_length(theirs); i++) {
		int found = 0;
		for (size_t k = 0; !found && k < json_object_array_length(mine); k++)
			found = json_object_equal(json_object_array_get_idx(theirs, i),
						  json_object_array_get_idx(mine, k));
		if (!found)
			return 0;
	}
	return 1;
}

/* 1 if each ALLOW rule with arguments that mine has for name allows no more than one of
 * theirs. */
static int filters_are_theirs(json_object *mine, json_object *theirs, const char *name,
			      const char *const *caps)
{
	json_object *m = get(mine, "syscalls"), *t = get(theirs, "syscalls");

	for (size_t i = 0; i < json_object_array_length(m); i++) {
		json_object *rule = json_object_array_get_idx(m, i);
		int found = 0;
		if (!array_has(get(rule, "names"), name) || !is_allow(rule) || !has_args(rule))
			continue;
		for (size_t k = 0; !found && k < json_object_array_length(t); k++) {
			json_object *other = json_object_array_get_idx(t, k);
			found = array_has(get(other, "names"), name) && is_allow(other) &&
				rule_applies(other, caps) && implies(rule, other);
		}
		if (!found)
			return 0;
	}
	return 1;
}

/* Appends to *report each native system call that libctr's profile treats more loosely
 * than containers-common's for caps; returns how many. */
static int compare(json_object *cc, const char *const *caps, const char *set_name, char **report,
		   int *checked)
{
	json_object *mine = libctr_profile(caps);
	int loose = 0;

	for (int nr = 0; nr < NR_MAX; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(seccomp_arch_native(), nr);
		int conflict = 0, ignored;
		if (!name)
			continue;
		enum level a = level_of(mine, name, caps, &conflict);
		enum level b = level_of(cc, name, caps, &ignored);
		const char *why = NULL;
		if (conflict)
			why = "both allowed and refused";
		else if (a > b)
			why = level_names[a];
		else if (a == FILTERED && b == FILTERED &&
			 !filters_are_theirs(mine, cc, name, caps))
			why = "filtered by other arguments";
		if (why && strlen(*report) < REPORT_MAX) { /* Check cuts longer messages */
			char *more = ctri_strdupf("%s%s (%s caps): %s, containers-common: %s\n",
						  *report, name, set_name, why, level_names[b]);
			free(*report);
			*report = more;
		}
		loose += why != NULL;
		(*checked)++;
		free(name);
	}
	json_object_put(mine);
	return loose;
}

START_TEST(test_default_profile_is_never_looser_than_containers_common)
{
	static const char *const none[] = { NULL };
	json_object *cc = json_object_from_file(CC_PROFILE);
	char **dflt = default_caps(), **all = all_caps(), *report = strdup("");
	int loose = 0, checked = 0;

	ck_assert_msg(cc,
		      "cannot read %s: install golang-github-containers-common "
		      "(scripts/deps.sh)",
		      CC_PROFILE);
	ck_assert_str_eq(json_object_get_string(get(cc, "defaultAction")), "SCMP_ACT_ERRNO");
	loose += compare(cc, (const char *const *)dflt, "default", &report, &checked);
	loose += compare(cc, none, "no", &report, &checked);
	loose += compare(cc, (const char *const *)all, "all", &report, &checked);
	ck_assert_msg(loose == 0, "%d system calls looser than containers-common:\n%s", loose,
		      report);
	ck_assert_int_gt(checked, 3 * 300); /* the enumeration found the table */
	free(report);
	free_caps(dflt, 0);
	free_caps(all, 1);
	json_object_put(cc);
}
END_TEST

/* The level of each name under p for the default capability set. */
static void assert_levels(json_object *p, const char *const *names, enum level want)
{
	char **caps = default_caps();
	int conflict;

	for (size_t i = 0; names[i]; i++) {
		if (!ctri_seccomp_syscall_known(names[i]))
			continue;
		enum level got = level_of(p, names[i], (const char *const *)caps, &conflict);
		ck_assert_msg(got == want && !conflict, "%s: %s, expected %s", names[i],
			      level_names[got], level_names[want]);
	}
	free_caps(caps, 0);
}

/* The errnoRet of the unconditional ERRNO rule naming name, or -1. */
static int errno_of(json_object *p, const char *name)
{
	json_object *rules = get(p, "syscalls");

	for (size_t i = 0; i < json_object_array_length(rules); i++) {
		json_object *rule = json_object_array_get_idx(rules, i);
		if (array_has(get(rule, "names"), name) && !is_allow(rule) && !has_args(rule))
			return json_object_get_int(get(rule, "errnoRet"));
	}
	return -1;
}

START_TEST(test_default_profile_is_an_allowlist_answering_enosys_or_eperm)
{
	static const char *const ordinary[] = { "read",	  "write",	"openat", "execve",
						"mmap",	  "futex",	"wait4",  "rt_sigaction",
						"chroot", "setuid",	"kill",	  "arch_prctl",
						"socket", "exit_group", NULL };
	static const char *const host[] = { "kexec_load",
					    "init_module",
					    "reboot",
					    "bpf",
					    "ptrace",
					    "keyctl",
					    "add_key",
					    "clock_settime",
					    "open_by_handle_at",
					    "fsopen",
					    "move_mount",
					    "swapon",
					    "syslog",
					    "mount",
					    "setns",
					    "vmsplice",
					    "userfaultfd",
					    "process_vm_readv",
					    "perf_event_open",
					    "acct",
					    NULL };
	static const char *const unlisted[] = { "io_uring_setup",    "io_uring_enter",
						"io_uring_register", "fchmodat2",
						"futex_waitv",	     NULL };
	json_object *p = libctr_profile(NULL);

	ck_assert_int_eq(ctri_seccomp_check(p, "test", "(default)"), 0);
	ck_assert_str_eq(json_object_get_string(get(p, "defaultAction")), "SCMP_ACT_ERRNO");
	ck_assert_int_eq(json_object_get_int(get(p, "defaultErrnoRet")), ENOSYS);
#if defined(__x86_64__)
	ck_assert(array_has(get(p, "architectures"), "SCMP_ARCH_X86_64"));
	ck_assert(array_has(get(p, "architectures"), "SCMP_ARCH_X86"));
	ck_assert(array_has(get(p, "architectures"), "SCMP_ARCH_X32"));
#endif
	assert_levels(p, ordinary, ALWAYS);
	assert_levels(p, host, DENIED);
	assert_levels(p, unlisted, DENIED);
	for (size_t i = 0; host[i]; i++)
		ck_assert_msg(errno_of(p, host[i]) == EPERM, "%s: errno %d", host[i],
			      errno_of(p, host[i]));
	for (size_t i = 0; unlisted[i]; i++)
		ck_assert_int_eq(errno_of(p, unlisted[i]), -1); /* the default's ENOSYS */
	json_object_put(p);
}
END_TEST

START_TEST(test_default_profile_follows_the_capability_set)
{
	static const char *const some[] = { "CAP_SYS_TIME", "sys_admin", "CAP_SYS_PTRACE", NULL };
	static const char *const granted[] = {
		"clock_settime", "settimeofday", "mount",  "setns",	  "clone",
		"clone3",	 "unshare",	 "ptrace", "sethostname", NULL
	};
	static const char *const lacking[] = {
		"chroot", "reboot", "init_module", "acct", "open_by_handle_at", "vhangup", NULL
	};
	json_object *p = libctr_profile(some);
	static const char *const caps[] = { "CAP_SYS_TIME", "CAP_SYS_ADMIN", "CAP_SYS_PTRACE",
					    NULL };
	int conflict;

	for (size_t i = 0; granted[i]; i++)
		ck_assert_msg(level_of(p, granted[i], caps, &conflict) == ALWAYS, "%s not allowed",
			      granted[i]);
	for (size_t i = 0; lacking[i]; i++)
		ck_assert_msg(errno_of(p, lacking[i]) == EPERM, "%s not EPERM", lacking[i]);
	/* Without CAP_AUDIT_WRITE, socket is filtered; keyrings stay refused. */
	ck_assert_int_eq(level_of(p, "socket", caps, &conflict), FILTERED);
	ck_assert_int_eq(errno_of(p, "keyctl"), EPERM);
	json_object_put(p);
}
END_TEST

/* The values of arg 0 that the ALLOW rules of name compare with op, OR-ed; their count
 * in *n. The ERRNO rules' values go to *refused (OR-ed too) with their errno in *err. */
static uint64_t filter_values(json_object *p, const char *name, const char *op, int *n,
			      uint64_t *refused, int *err)
{
	json_object *rules = get(p, "syscalls");
	uint64_t v = 0;

	*n = 0;
	*refused = 0;
	for (size_t i = 0; i < json_object_array_length(rules); i++) {
		json_object *rule = json_object_array_get_idx(rules, i), *a;
		if (!array_has(get(rule, "names"), name) || !has_args(rule))
			continue;
		a = json_object_array_get_idx(get(rule, "args"), 0);
		ck_assert_str_eq(json_object_get_string(get(a, "op")), op);
		if (is_allow(rule)) {
			v |= json_object_get_uint64(get(a, "value"));
			(*n)++;
		} else {
			*refused |= json_object_get_uint64(get(a, "value"));
			*err = json_object_get_int(get(rule, "errnoRet"));
		}
	}
	return v;
}

START_TEST(test_default_profile_filters_personality_and_namespace_flags)
{
	json_object *p = libctr_profile(NULL);
	uint64_t refused;
	int n, err = 0;

	/* PER_LINUX, PER_LINUX32, UNAME26 (with PER_LINUX32) and the query 0xffffffff. */
	ck_assert_uint_eq(filter_values(p, "personality", "SCMP_CMP_EQ", &n, &refused, &err),
			  0x0 | 0x8 | 0x20000 | 0x20008 | 0xffffffffu);
	ck_assert_int_eq(n, 5);
	ck_assert_uint_eq(refused, 0);
	/* clone without namespace flags; with one, EPERM. CLONE_NEWTIME is an exit signal
	 * bit for clone, a flag for unshare. */
	ck_assert_uint_eq(filter_values(p, "clone", "SCMP_CMP_MASKED_EQ", &n, &refused, &err),
			  0x7e020000);
	ck_assert_int_eq(n, 1);
	ck_assert_uint_eq(refused, 0x7e020000);
	ck_assert_int_eq(err, EPERM);
	ck_assert_uint_eq(filter_values(p, "unshare", "SCMP_CMP_MASKED_EQ", &n, &refused, &err),
			  0x7e020080);
	ck_assert_uint_eq(refused, 0x7e020080);
	ck_assert_int_eq(errno_of(p, "clone3"), ENOSYS);
	json_object_put(p);
}
END_TEST

static enum scmp_compare op_of(const char *op)
{
	static const char *const ops[] = { "SCMP_CMP_NE",	"SCMP_CMP_LT", "SCMP_CMP_LE",
					   "SCMP_CMP_EQ",	"SCMP_CMP_GE", "SCMP_CMP_GT",
					   "SCMP_CMP_MASKED_EQ" };

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(op, ops[i]))
			return (enum scmp_compare)(SCMP_CMP_NE + i);
	ck_abort_msg("unknown op %s", op);
	return SCMP_CMP_EQ;
}

static uint32_t action_of(json_object *rule)
{
	return is_allow(rule)
		   ? SCMP_ACT_ALLOW
		   : SCMP_ACT_ERRNO((uint16_t)json_object_get_int(get(rule, "errnoRet")));
}

/* Add profile's rules to a libseccomp filter for its architectures, in order, as runc does
 * (a rule whose action is the default is skipped; unknown names are skipped). */
static void load(json_object *profile, const char *set_name)
{
	uint32_t dflt =
	    SCMP_ACT_ERRNO((uint16_t)json_object_get_int(get(profile, "defaultErrnoRet")));
	scmp_filter_ctx ctx = seccomp_init(dflt);
	json_object *archs = get(profile, "architectures"), *rules = get(profile, "syscalls");

	ck_assert_ptr_nonnull(ctx);
	for (size_t i = 0; i < json_object_array_length(archs); i++) {
		char lower[32];
		const char *a = json_object_get_string(json_object_array_get_idx(archs, i));
		size_t k = 0;
		for (a += strlen("SCMP_ARCH_"); a[k] && k < sizeof(lower) - 1; k++)
			lower[k] = (char)((a[k] >= 'A' && a[k] <= 'Z') ? a[k] - 'A' + 'a' : a[k]);
		lower[k] = '\0';
		uint32_t token = seccomp_arch_resolve_name(lower);
		ck_assert_uint_ne(token, 0);
		int r = seccomp_arch_add(ctx, token);
		ck_assert_msg(r == 0 || r == -EEXIST, "arch %s: %d", lower, r);
	}
	for (size_t i = 0; i < json_object_array_length(rules); i++) {
		json_object *rule = json_object_array_get_idx(rules, i),
			    *names = get(rule, "names");
		json_object *args = get(rule, "args");
		struct scmp_arg_cmp cmp[6];
		unsigned n = args ? (unsigned)json_object_array_length(args) : 0;
		if (action_of(rule) == dflt)
			continue;
		ck_assert_uint_le(n, 6);
		for (unsigned k = 0; k < n; k++) {
			json_object *a = json_object_array_get_idx(args, k);
			cmp[k] = (struct scmp_arg_cmp){
				.arg = (unsigned)json_object_get_int(get(a, "index")),
				.op = op_of(json_object_get_string(get(a, "op"))),
				.datum_a = json_object_get_uint64(get(a, "value")),
				.datum_b = json_object_get_uint64(get(a, "valueTwo")),
			};
		}
		for (size_t k = 0; k < json_object_array_length(names); k++) {
			const char *name =
			    json_object_get_string(json_object_array_get_idx(names, k));
			int nr = seccomp_syscall_resolve_name(name);
			if (nr == __NR_SCMP_ERROR)
				continue;
			int r = seccomp_rule_add_array(ctx, action_of(rule), nr, n, cmp);
			ck_assert_msg(r == 0, "%s caps: rule %zu for %s: %s", set_name, i, name,
				      strerror(-r));
		}
	}
	seccomp_release(ctx);
}

/* What runc does with the profile, short of loading it: libseccomp takes every rule. */
START_TEST(test_default_profile_loads_into_libseccomp_for_any_capability_set)
{
	static const char *const none[] = { NULL };
	static const char *const admin[] = { "CAP_SYS_ADMIN", NULL };
	char **all = all_caps();
	json_object *p;

	load(p = libctr_profile(NULL), "default");
	json_object_put(p);
	load(p = libctr_profile(none), "no");
	json_object_put(p);
	load(p = libctr_profile(admin), "CAP_SYS_ADMIN");
	json_object_put(p);
	load(p = libctr_profile((const char *const *)all), "all");
	json_object_put(p);
	free_caps(all, 1);
}
END_TEST

Suite *suite_seccomp_default(void)
{
	Suite *s = suite_create("seccomp_default");
	TCase *tc = tcase_create("default");

	tu_add_fixtures(tc, NULL);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_default_profile_is_never_looser_than_containers_common);
	tcase_add_test(tc, test_default_profile_is_an_allowlist_answering_enosys_or_eperm);
	tcase_add_test(tc, test_default_profile_follows_the_capability_set);
	tcase_add_test(tc, test_default_profile_filters_personality_and_namespace_flags);
	tcase_add_test(tc, test_default_profile_loads_into_libseccomp_for_any_capability_set);
	suite_add_tcase(s, tc);
	return s;
}
