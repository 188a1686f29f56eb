/* CNI plugin calls (cni.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cni.h"
#include "error.h"
#include "json.h"
#include "oci.h"
#include "util.h"

#define SYSTEM_DIRS "/usr/lib/cni:/usr/libexec/cni:/opt/cni/bin"
#define ENV_MAX 8

char *ctri_cni_path(void)
{
	const char *own = getenv("CTR_CNI_PATH");

	return own && *own ? ctri_strdupf("%s:%s", own, SYSTEM_DIRS) : strdup(SYSTEM_DIRS);
}

/* The plugin's path in one of the dirs, or NULL. */
static char *find_plugin(const char *dirs, const char *type)
{
	char *copy = strdup(dirs), *found = NULL;

	for (char *save = NULL, *d = copy ? strtok_r(copy, ":", &save) : NULL; d && !found;
	     d = strtok_r(NULL, ":", &save)) {
		char *p = *d == '/' ? ctri_strdupf("%s/%s", d, type) : NULL;
		if (p && access(p, X_OK) == 0)
			found = p;
		else
			free(p);
	}
	free(copy);
	return found;
}

/* The plugin's complaint: a CNI error object {"code", "msg", "details"} on stdout, else
 * its stderr, else its exit status. */
static void complaint(const char *out, const char *err, int status, char *msg, size_t len)
{
	json_object *e = json_tokener_parse(out);
	const char *m = ctri_json_str(e, "msg"), *d = ctri_json_str(e, "details");
	char text[CTRI_OCI_MSG_MAX + 4];

	if (m) {
		char *both = d && *d ? ctri_strdupf("%s (%s)", m, d) : NULL;
		ctri_oci_clean(both ? both : m, strlen(both ? both : m), msg, len);
		free(both);
	} else if (err && *err) {
		ctri_oci_clean(err, strlen(err), text, sizeof(text));
		snprintf(msg, len, "%s", text);
	} else {
		snprintf(msg, len, "exit status %d", status);
	}
	json_object_put(e);
}

static int run(const char *name, const char *op, const char *type, const char *path,
	       const char *dirs, json_object *conf, const struct ctri_cni_call *call,
	       json_object **result)
{
	const char *sys_path = getenv("PATH");
	char *env[ENV_MAX] = { 0 }, *out = NULL, *err = NULL;
	const char *argv[] = { path, NULL };
	int r, n = 0;

	env[n++] = ctri_strdupf("CNI_COMMAND=%s", call->command);
	env[n++] = ctri_strdupf("CNI_CONTAINERID=%s", call->container);
	env[n++] = ctri_strdupf("CNI_NETNS=%s", call->netns ? call->netns : "");
	env[n++] = ctri_strdupf("CNI_IFNAME=%s", call->ifname);
	env[n++] = ctri_strdupf("CNI_PATH=%s", dirs);
	env[n++] = ctri_strdupf("CNI_ARGS=%s", call->args ? call->args : "");
	/* The plugins run iptables, found on PATH. */
	env[n++] = ctri_strdupf("PATH=%s", sys_path && *sys_path
						 ? sys_path
						 : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	const char *text = json_object_to_json_string_ext(conf, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE);
	for (int i = 0; i < n; i++)
		if (!env[i])
			text = NULL;
	if (!text) {
		r = ctri_cerr(name, op, CTR_E_NOMEM, "out of memory");
		goto out;
	}
	struct ctri_cmd cmd = { .argv = argv, .envp = env, .input = text,
				.input_len = strlen(text), .timeout_ms = call->timeout_ms,
				.pass = &call->hold_fd, .n_pass = call->hold_fd >= 0 };
	r = ctri_cmd_exec(name, op, &cmd, &out, &err);
	if (r == CTR_E_TIMEOUT) {
		r = ctri_cerr(name, op, CTR_E_TIMEOUT, "CNI plugin %s %s did not finish in %u ms "
						       "(killed)", type, call->command, call->timeout_ms);
		goto out;
	}
	if (r == CTR_E_NOTSUP) { /* could not be executed: the message says why */
		r = CTR_E_RUNTIME;
		goto out;
	}
	if (r > 0) {
		char msg[CTRI_OCI_MSG_MAX + 4];
		complaint(out, err, r, msg, sizeof(msg));
		r = ctri_cerr(name, op, CTR_E_RUNTIME, "CNI plugin %s %s: %s", type, call->command,
			      msg);
		goto out;
	}
	if (r == 0 && result) {
		json_object *res = json_tokener_parse(out);
		if (!json_object_is_type(res, json_type_object)) {
			json_object_put(res);
			r = ctri_cerr(name, op, CTR_E_RUNTIME, "CNI plugin %s %s printed no result",
				      type, call->command);
			goto out;
		}
		*result = res;
	}
out:
	for (int i = 0; i < n; i++)
		free(env[i]);
	free(out);
	free(err);
	return r;
}

int ctri_cni_exec(const char *name, const char *op, json_object *conf,
		  const struct ctri_cni_call *call, json_object **result)
{
	const char *type = ctri_json_str(conf, "type");
	char *dirs = ctri_cni_path(), *path = NULL;
	int r;

	if (!type || !*type || strchr(type, '/')) {
		r = ctri_cerr(name, op, CTR_E_INVAL, "a CNI plugin config without a plain type");
		goto out;
	}
	if (!dirs) {
		r = ctri_cerr(name, op, CTR_E_NOMEM, "out of memory");
		goto out;
	}
	if (!(path = find_plugin(dirs, type))) {
		r = ctri_cerr(name, op, CTR_E_RUNTIME,
			      "CNI plugin %s not found in %s (Debian package "
			      "containernetworking-plugins; CTR_CNI_PATH adds directories)",
			      type, dirs);
		goto out;
	}
	r = run(name, op, type, path, dirs, conf, call, result);
out:
	free(dirs);
	free(path);
	return r;
}
