/* ctr_image_pull: skopeo (found on PATH and in the system's directories, or the path in
 * $CTR_SKOPEO) copies the image into an OCI layout in a work directory of the
 * image store, which is then imported (image.c). skopeo runs like the OCI runtime: spawned
 * without a shell, in a process group of its own, killed at the timeout, its output in our
 * message. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "error.h"
#include "image_ref.h"
#include "image_work.h"
#include "oci.h"
#include "runtime.h"
#include "util.h"

#define PULL_TIMEOUT_MS 300000u
#define PULL_MSG_MAX 2000 /* of skopeo's output in a message */

/* The name of an image pulled from "docker://REF": REF normalized; other transports
 * name nothing. */
static int source_name(const char *source, char **out)
{
	*out = NULL;
	if (strncmp(source, "docker://", 9))
		return 0;
	return ctri_image_ref_normalize(source + 9, out);
}

static int run_skopeo(const char *op, const char *source, const char *dest,
		      const char *auth_file, unsigned flags, unsigned timeout_ms)
{
	const char *given = getenv("CTR_SKOPEO");
	char *skopeo = given && *given ? strdup(given) : ctri_find_program("skopeo"), *output = NULL;
	const char *argv[12];
	size_t n = 0;
	int r;

	if (!skopeo)
		return ctri_cerr(NULL, op, CTR_E_NOMEM, "out of memory");
	if (!strchr(skopeo, '/') || access(skopeo, X_OK) < 0) {
		r = ctri_cerr(NULL, op, CTR_E_RUNTIME,
			      "skopeo is not installed: %s %s (Debian package skopeo)", skopeo,
			      strchr(skopeo, '/') ? strerror(errno) : "is not on PATH");
		free(skopeo);
		return r;
	}
	argv[n++] = skopeo;
	argv[n++] = "--command-timeout";
	char limit[32];
	snprintf(limit, sizeof(limit), "%us", (timeout_ms + 999) / 1000);
	argv[n++] = limit;
	argv[n++] = "copy";
	argv[n++] = "--quiet";
	if (flags & CTR_PULL_INSECURE)
		argv[n++] = "--src-tls-verify=false";
	if (auth_file) {
		argv[n++] = "--src-authfile";
		argv[n++] = auth_file;
	}
	argv[n++] = source;
	argv[n++] = dest;
	argv[n] = NULL;
	r = ctri_cmd_run(NULL, op, timeout_ms, argv, &output);
	if (r > 0) {
		size_t len = strlen(output);
		while (len && (output[len - 1] == '\n' || output[len - 1] == ' '))
			output[--len] = '\0';
		r = ctri_cerr(NULL, op, CTR_E_RUNTIME, "skopeo failed (exit status %d): %.*s", r,
			      PULL_MSG_MAX, len ? output : "no message");
	} else if (r == CTR_E_NOTSUP) {
		r = ctri_cwrap(NULL, op, CTR_E_RUNTIME);
	}
	free(output);
	free(skopeo);
	return r;
}

CTR_API int ctr_image_pull(ctr_runtime_t *rt, const char *source,
			   const ctr_image_pull_opts_t *opts, char **out_id)
{
	static const char fn[] = "ctr_image_pull";
	struct ctri_image_work work = { .lock_fd = -1 };
	char op[64 + 1024], *name = NULL, *dest = NULL, *layout = NULL;
	int r, lock;

	CTRI_CHECK_ARG(fn, rt);
	CTRI_CHECK_ARG(fn, source);
	if (opts && (r = CTRI_OPTS_VALID(opts, timeout_ms, fn)) < 0)
		return r;
	unsigned flags = CTRI_OPTS_GET(opts, flags, 0u);
	unsigned timeout_ms = CTRI_OPTS_GET(opts, timeout_ms, 0u);
	const char *given = CTRI_OPTS_GET(opts, name, NULL);
	if (flags & ~CTR_PULL_INSECURE)
		return ctri_err(CTR_E_INVAL, "%s: unknown flags 0x%x", fn, flags);
	snprintf(op, sizeof(op), "pull %.1000s", source);
	if ((r = given ? ctri_image_ref_normalize(given, &name) : source_name(source, &name)) < 0)
		return ctri_cwrap(NULL, op, r);
	/* The work directory is made under the image lock, then held by its own. */
	if ((r = lock = ctri_image_lock(rt, LOCK_SH, op)) < 0)
		goto out;
	r = ctri_image_work_new(rt, &work, op);
	ctri_image_unlock(lock);
	if (r < 0)
		goto out;
	layout = ctri_strdupf("%s/oci", work.dir);
	dest = ctri_strdupf("oci:%s", layout);
	if (!layout || !dest) {
		r = ctri_cerr(NULL, op, CTR_E_NOMEM, "out of memory");
		goto out;
	}
	r = run_skopeo(op, source, dest, CTRI_OPTS_GET(opts, auth_file, NULL), flags,
		       timeout_ms ? timeout_ms : PULL_TIMEOUT_MS);
	if (r == 0)
		r = ctri_image_import_at(rt, layout, name, out_id);
out:
	ctri_image_work_done(&work);
	free(layout);
	free(dest);
	free(name);
	return r;
}
