/* Seccomp profiles: checking OCI linux.seccomp objects (the default is seccomp_default.c). */
#include <seccomp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "json.h"
#include "seccomp_profile.h"

static const char *const profile_keys[] = { "defaultAction", "defaultErrnoRet",
					    "architectures", "flags",
					    "listenerPath",  "listenerMetadata",
					    "syscalls",	     NULL };
static const char *const syscall_keys[] = { "names", "action", "errnoRet", "args", NULL };
static const char *const arg_keys[] = { "index", "value", "valueTwo", "op", NULL };

static const char *const actions[] = {
	"SCMP_ACT_KILL",	"SCMP_ACT_KILL_PROCESS",
	"SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
	"SCMP_ACT_ERRNO",	"SCMP_ACT_TRACE",
	"SCMP_ACT_ALLOW",	"SCMP_ACT_LOG",
	"SCMP_ACT_NOTIFY",	NULL,
};

static const char *const operators[] = { "SCMP_CMP_NE",	       "SCMP_CMP_LT", "SCMP_CMP_LE",
					 "SCMP_CMP_EQ",	       "SCMP_CMP_GE", "SCMP_CMP_GT",
					 "SCMP_CMP_MASKED_EQ", NULL };

static const char *const filter_flags[] = { "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
					    "SECCOMP_FILTER_FLAG_SPEC_ALLOW", NULL };

struct ctx {
	const char *op;
	const char *origin;
};

static int in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i]; i++)
		if (!strcmp(list[i], s))
			return 1;
	return 0;
}

static int bad(const struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(const struct ctx *c, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return ctri_err(CTR_E_INVAL, "%s%s%s in seccomp profile %s", c->op ? c->op : "",
			c->op ? ": " : "", what, c->origin);
}

static int check_keys(const struct ctx *c, json_object *obj, const char *const *known,
		      const char *where)
{
	json_object_object_foreach(obj, key, val)
	{
		(void)val;
		if (!in_list(known, key))
			return bad(c, "unknown key \"%s\" %s", key, where);
	}
	return 0;
}

/* *out is the member, or NULL when it is absent and not required. */
static int member(const struct ctx *c, json_object *obj, const char *key, json_type type,
		  int required, json_object **out)
{
	json_object *v = NULL;

	*out = NULL;
	if (!json_object_object_get_ex(obj, key, &v))
		return required ? bad(c, "missing \"%s\"", key) : 0;
	if (!json_object_is_type(v, type))
		return bad(c, "\"%s\" must be of type %s", key, json_type_to_name(type));
	*out = v;
	return 0;
}

static int check_uint(const struct ctx *c, json_object *obj, const char *key, uint64_t max)
{
	json_object *v;
	int r = member(c, obj, key, json_type_int, 0, &v);

	if (r < 0 || !v)
		return r;
	if (json_object_get_int64(v) < 0 || json_object_get_uint64(v) > max)
		return bad(c, "\"%s\" out of range 0..%llu", key, (unsigned long long)max);
	return 0;
}

static int check_word(const struct ctx *c, json_object *obj, const char *key, int required,
		      const char *const *allowed, const char *what)
{
	json_object *v;
	int r = member(c, obj, key, json_type_string, required, &v);

	if (r < 0 || !v)
		return r;
	if (!in_list(allowed, json_object_get_string(v)))
		return bad(c, "unknown %s %s", what, json_object_get_string(v));
	return 0;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's "x86_64". */
static int arch_known(const char *name)
{
	static const char prefix[] = "SCMP_ARCH_";
	char lower[32];
	size_t n;

	if (strncmp(name, prefix, sizeof(prefix) - 1))
		return 0;
	name += sizeof(prefix) - 1;
	n = strlen(name);
	if (n == 0 || n >= sizeof(lower))
		return 0;
	for (size_t i = 0; i <= n; i++)
		lower[i] =
		    (name[i] >= 'A' && name[i] <= 'Z') ? (char)(name[i] - 'A' + 'a') : name[i];
	return seccomp_arch_resolve_name(lower) != 0;
}

/* Every element of obj[key] (absent is fine) is a string accepted by ok(). */
static int check_strings(const struct ctx *c, json_object *obj, const char *key, int required,
			 int (*ok)(const char *), const char *what)
{
	json_object *arr;
	int r = member(c, obj, key, json_type_array, required, &arr);

	if (r < 0 || !arr)
		return r;
	size_t n = json_object_array_length(arr);
	if (required && n == 0)
		return bad(c, "empty \"%s\"", key);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(e, json_type_string))
			return bad(c, "\"%s\" element %zu is not a string", key, i);
		if (!ok(json_object_get_string(e)))
			return bad(c, "unknown %s %s", what, json_object_get_string(e));
	}
	return 0;
}

static int flag_known(const char *name)
{
	return in_list(filter_flags, name);
}

static int check_arg(const struct ctx *c, json_object *arg)
{
	int r;

	if (!json_object_is_type(arg, json_type_object))
		return bad(c, "syscall argument is not an object");
	r = check_keys(c, arg, arg_keys, "in a syscall argument");
	if (r == 0)
		r = check_uint(c, arg, "index", 5);
	if (r == 0)
		r = check_uint(c, arg, "value", UINT64_MAX);
	if (r == 0)
		r = check_uint(c, arg, "valueTwo", UINT64_MAX);
	if (r == 0)
		r = check_word(c, arg, "op", 1, operators, "operator");
	return r;
}

static int check_syscall(const struct ctx *c, json_object *sc)
{
	json_object *args;
	int r;

	if (!json_object_is_type(sc, json_type_object))
		return bad(c, "syscall rule is not an object");
	r = check_keys(c, sc, syscall_keys, "in a syscall rule");
	if (r == 0)
		r = check_strings(c, sc, "names", 1, ctri_seccomp_syscall_known, "syscall");
	if (r == 0)
		r = check_word(c, sc, "action", 1, actions, "action");
	if (r == 0)
		r = check_uint(c, sc, "errnoRet", UINT16_MAX);
	if (r == 0)
		r = member(c, sc, "args", json_type_array, 0, &args);
	for (size_t i = 0; r == 0 && args && i < json_object_array_length(args); i++)
		r = check_arg(c, json_object_array_get_idx(args, i));
	return r;
}

int ctri_seccomp_check(json_object *profile, const char *op, const char *origin)
{
	const struct ctx c = { .op = op, .origin = origin };
	json_object *v;
	int r;

	if (!json_object_is_type(profile, json_type_object))
		return bad(&c, "top level is not an object");
	r = check_keys(&c, profile, profile_keys, "at top level");
	if (r == 0)
		r = check_word(&c, profile, "defaultAction", 1, actions, "action");
	if (r == 0)
		r = check_uint(&c, profile, "defaultErrnoRet", UINT16_MAX);
	if (r == 0)
		r = check_strings(&c, profile, "architectures", 0, arch_known, "architecture");
	if (r == 0)
		r = check_strings(&c, profile, "flags", 0, flag_known, "flag");
	if (r == 0)
		r = member(&c, profile, "listenerPath", json_type_string, 0, &v);
	if (r == 0)
		r = member(&c, profile, "listenerMetadata", json_type_string, 0, &v);
	if (r == 0)
		r = member(&c, profile, "syscalls", json_type_array, 0, &v);
	for (size_t i = 0; r == 0 && v && i < json_object_array_length(v); i++)
		r = check_syscall(&c, json_object_array_get_idx(v, i));
	return r;
}
