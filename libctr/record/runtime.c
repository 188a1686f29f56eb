/* The runtime context: versions, features, options, references, the boot it runs in
 * (opening one is api/runtime_open.c). */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "runtime.h"


#define STR_(x) #x
#define STR(x) STR_(x)

CTR_API const char *ctr_version(void)
{
	return STR(CTR_VERSION_MAJOR) "." STR(CTR_VERSION_MINOR) "." STR(CTR_VERSION_PATCH);
}

CTR_API int ctr_version_number(void)
{
	return CTR_VERSION_NUMBER;
}

CTR_API int ctr_has_feature(const char *name)
{
	static const char *const features[] = { "seccomp",   "capabilities", "spec-override",
						"config-json", "lifecycle", "wait-fd",
						"pause",     "exec",	     "attach",
						"logs",      "layers",	     "export",
						"artifacts", "checkpoint",   "images", "networks" };

	CTRI_CHECK_ARG("ctr_has_feature", name);
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		if (!strcmp(name, features[i]))
			return 1;
	return 0;
}

int ctri_opts_valid(const void *opts, size_t known, const char *op)
{
	size_t sz = *(const size_t *)opts;

	if (sz < sizeof(size_t))
		return ctri_err(CTR_E_INVAL, "%s: opts->sz is %zu; initialise opts with CTR_OPTS()",
				op, sz);
	for (size_t i = known; i < sz; i++)
		if (((const unsigned char *)opts)[i] != 0)
			return ctri_err(CTR_E_INVAL,
					"%s: opts has non-zero bytes at offset %zu, past the %zu this "
					"library knows",
					op, i, known);
	return 0;
}

ctr_runtime_t *ctri_runtime_ref(ctr_runtime_t *rt)
{
	__atomic_add_fetch(&rt->refs, 1, __ATOMIC_RELAXED);
	return rt;
}

void ctri_runtime_unref(ctr_runtime_t *rt)
{
	if (!rt || __atomic_sub_fetch(&rt->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	ctri_store_close(rt->store);
	free(rt->state_dir);
	free(rt->run_dir);
	free(rt->oci_runtime);
	free(rt->runtime_root);
	free(rt->exits_dir);
	free(rt->attach_dir);
	free(rt->exec_dir);
	free(rt->monitor_path);
	free(rt->cleanup_path);
	free(rt->containers_dir);
	free(rt->pending_dir);
	free(rt->locks_dir);
	free(rt);
}

int ctri_boot_current(const ctr_runtime_t *rt, const char *boot_id)
{
	return boot_id && (!strcmp(boot_id, rt->boot_id) || !strcmp(boot_id, CTRI_BOOT_UNKNOWN));
}

CTR_API void ctr_runtime_close(ctr_runtime_t *rt)
{
	ctri_runtime_unref(rt);
}

CTR_API int ctr_runtime_rebooted(const ctr_runtime_t *rt)
{
	CTRI_CHECK_ARG("ctr_runtime_rebooted", rt);
	return rt->rebooted;
}
