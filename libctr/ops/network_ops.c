/* Networks (ctr/net.h): create, remove, list, inspect, and the networks a ctr_create
 * joins. The store records and the conflists change under the network lock
 * (STATE/networks/lock): exclusive for create and remove, shared by ctr_create from its
 * check until its record is written, so a network is never removed under a container
 * being created with it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "ipv4.h"
#include "json.h"
#include "net_files.h"
#include "netns.h"
#include "network.h"
#include "network_ops.h"
#include "runtime.h"
#include "util.h"

int ctri_network_lock(ctr_runtime_t *rt, int how, const char *op)
{
	char *dir = ctri_strdupf("%s/networks", rt->state_dir);
	char *path = ctri_strdupf("%s/networks/lock", rt->state_dir);
	int fd = -1;

	if (!dir || !path)
		fd = ctri_cerr(NULL, op, CTR_E_NOMEM, "out of memory");
	else if (ctri_mkdir_p(dir, 0700) < 0)
		fd = ctri_cerr(NULL, op, CTR_E_IO, "mkdir %s: %m", dir);
	else if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		fd = ctri_cerr(NULL, op, CTR_E_IO, "open %s: %m", path);
	while (fd >= 0 && flock(fd, how) < 0) {
		if (errno != EINTR) {
			close(fd);
			fd = ctri_cerr(NULL, op, CTR_E_IO, "lock %s: %m", path);
		}
	}
	free(dir);
	free(path);
	return fd;
}

void ctri_network_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

static int write_conflist(ctr_runtime_t *rt, json_object *rec, const char *name)
{
	json_object *list = ctri_network_conflist(rec);
	char *path = ctri_network_conflist_path(rt, name);
	const char *text = list ? json_object_to_json_string_ext(
					  list, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							JSON_C_TO_STRING_NOSLASHESCAPE)
				: NULL;
	int r = text && path ? ctri_write_file(path, text, strlen(text), 0600, 1) : -ENOMEM;

	if (r < 0)
		r = ctri_err(r == -ENOMEM ? CTR_E_NOMEM : CTR_E_IO, "write %s: %s",
			     path ? path : "the conflist", strerror(-r));
	json_object_put(list);
	free(path);
	return r;
}

static int create_locked(ctr_runtime_t *rt, const char *name, const ctr_network_opts_t *opts)
{
	char key[sizeof(CTRI_KEY_NETWORK) + CTRI_NETWORK_NAME_MAX + 1];
	json_object *rec = NULL;
	int r;

	snprintf(key, sizeof(key), "%s%s", CTRI_KEY_NETWORK, name);
	if ((r = ctri_store_exists(rt->store, key)) != 0)
		return r > 0 ? ctri_err(CTR_E_EXISTS, "network %s exists", name) : r;
	if ((r = ctri_network_plan(rt, name, opts, &rec)) < 0)
		return r;
	/* The conflist first: a record always has one; a conflist without a record (a
	 * creator killed in between) is written over by the next create of the name. */
	if ((r = write_conflist(rt, rec, name)) == 0)
		r = ctri_store_put(rt->store, key, rec, 1);
	json_object_put(rec);
	return r == CTR_E_EXISTS ? ctri_err(CTR_E_EXISTS, "network %s exists", name) : r;
}

CTR_API int ctr_network_create(ctr_runtime_t *rt, const char *name, const ctr_network_opts_t *opts)
{
	static const char op[] = "ctr_network_create";
	int r, lock;

	CTRI_CHECK_ARG(op, rt);
	CTRI_CHECK_ARG(op, name);
	if (opts && (r = CTRI_OPTS_VALID(opts, flags, op)) < 0)
		return r;
	if (!ctri_network_name_ok(name))
		return ctri_err(CTR_E_INVAL, "%s: invalid network name \"%s\" ([a-zA-Z0-9][a-zA-Z0-9_.-]*, "
					     "at most %d)", op, name, CTRI_NETWORK_NAME_MAX);
	if (CTRI_OPTS_GET(opts, flags, 0u) & ~CTR_NET_INTERNAL)
		return ctri_err(CTR_E_INVAL, "%s: unknown flags 0x%x", op, opts->flags);
	if ((lock = ctri_network_lock(rt, LOCK_EX, "create network")) < 0)
		return lock;
	r = create_locked(rt, name, opts);
	ctri_network_unlock(lock);
	return r;
}

/* 1 if the container record rec's config joins network. */
static int joins(json_object *rec, const char *network)
{
	json_object *cfg, *nets;

	if (!json_object_object_get_ex(rec, "config", &cfg) ||
	    !json_object_object_get_ex(cfg, "networks", &nets))
		return 0;
	for (size_t i = 0; i < ctri_json_len(nets); i++)
		if (!strcmp(ctri_json_str(json_object_array_get_idx(nets, i), "name") ?: "", network))
			return 1;
	return 0;
}

struct user_find {
	const char *network;
	char name[256];
};

static int find_user(const char *id, json_object *rec, void *ud)
{
	struct user_find *f = ud;

	if (!joins(rec, f->network))
		return 0;
	snprintf(f->name, sizeof(f->name), "%s", ctri_json_str(rec, "name") ?: id);
	return 1;
}

static int remove_locked(ctr_runtime_t *rt, const char *name)
{
	char key[sizeof(CTRI_KEY_NETWORK) + CTRI_NETWORK_NAME_MAX + 1];
	struct user_find f = { .network = name };
	json_object *rec = NULL;
	int r;

	if ((r = ctri_network_get(rt, name, &rec)) < 0)
		return r;
	if ((r = ctri_config_each(rt, name, find_user, &f)) < 0)
		goto out;
	if (r > 0) {
		r = ctri_err(CTR_E_BUSY, "cannot remove network %s: container %s is configured "
					 "with it", name, f.name);
		goto out;
	}
	snprintf(key, sizeof(key), "%s%s", CTRI_KEY_NETWORK, name);
	if ((r = ctri_store_delete(rt->store, key)) < 0)
		goto out;
	/* The record is gone: what is left is cleaning up, and every part is retried by
	 * nothing, so each is done whatever the others did. */
	char *conflist = ctri_network_conflist_path(rt, name);
	char *leases = ctri_strdupf("%s/net/leases/%s", rt->run_dir, name);
	if (conflist && unlink(conflist) < 0 && errno != ENOENT)
		r = ctri_err(CTR_E_IO, "remove %s: %m", conflist);
	if (leases)
		ctri_rm_rf(leases);
	int e = ctri_link_delete(ctri_json_str(rec, "bridge"));
	if (r == 0)
		r = e;
	free(conflist);
	free(leases);
out:
	json_object_put(rec);
	return r;
}

CTR_API int ctr_network_remove(ctr_runtime_t *rt, const char *name, unsigned flags)
{
	static const char op[] = "ctr_network_remove";
	int r, lock;

	CTRI_CHECK_ARG(op, rt);
	CTRI_CHECK_ARG(op, name);
	if (flags)
		return ctri_err(CTR_E_INVAL, "%s: unknown flags 0x%x", op, flags);
	if ((lock = ctri_network_lock(rt, LOCK_EX, "remove network")) < 0)
		return lock;
	r = remove_locked(rt, name);
	ctri_network_unlock(lock);
	return r;
}

CTR_API int ctr_network_list(ctr_runtime_t *rt, char ***out_names, size_t *count)
{
	static const char op[] = "ctr_network_list";

	CTRI_CHECK_ARG(op, rt);
	CTRI_CHECK_ARG(op, out_names);
	CTRI_CHECK_ARG(op, count);
	return ctri_network_names(rt, out_names, count);
}

/* The ids of containers configured with the network (arr[1]) into the array arr[0]. */
static int configured(const char *id, json_object *rec, void *ud)
{
	json_object **arr = ud;

	if (!joins(rec, json_object_get_string(arr[1])))
		return 0;
	return ctri_json_push(arr[0], json_object_new_string(id)) < 0;
}

CTR_API int ctr_network_inspect(ctr_runtime_t *rt, const char *name, char **out_json)
{
	static const char op[] = "ctr_network_inspect";
	json_object *rec = NULL, *joined = NULL, *conf[2] = { NULL, NULL };
	int r;

	CTRI_CHECK_ARG(op, rt);
	CTRI_CHECK_ARG(op, name);
	CTRI_CHECK_ARG(op, out_json);
	if ((r = ctri_network_get(rt, name, &rec)) < 0)
		return r;
	char *path = ctri_network_conflist_path(rt, name);
	joined = json_object_new_object();
	conf[0] = json_object_new_array();
	conf[1] = json_object_new_string(name);
	if (!path || !joined || !conf[0] || !conf[1] ||
	    ctri_json_add(rec, "conflist", json_object_new_string(path)) < 0) {
		r = ctri_err(CTR_E_NOMEM, "out of memory");
		goto out;
	}
	if ((r = ctri_net_joined(rt, name, joined)) < 0 ||
	    (r = ctri_config_each(rt, name, configured, conf)) < 0)
		goto out;
	if (r > 0 || ctri_json_add(rec, "containers", joined) < 0 ||
	    ctri_json_add(rec, "configured", conf[0]) < 0) {
		joined = conf[0] = NULL;
		r = ctri_err(CTR_E_NOMEM, "out of memory");
		goto out;
	}
	joined = conf[0] = NULL;
	const char *text = json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text || !(*out_json = strdup(text)))
		r = ctri_err(CTR_E_NOMEM, "out of memory");
out:
	free(path);
	json_object_put(rec);
	json_object_put(joined);
	json_object_put(conf[0]);
	json_object_put(conf[1]);
	return r;
}

/* ---- the networks of a ctr_create ------------------------------------------------------------- */

static int check_join(ctr_runtime_t *rt, const char *cname, json_object *j, int first,
		      int has_ports)
{
	const char *name = ctri_json_str(j, "name"), *ip = ctri_json_str(j, "ip");
	json_object *rec = NULL;
	int r = ctri_network_get(rt, name, &rec);

	if (r < 0)
		return ctri_cwrap(cname, "create", r);
	struct ctri_cidr net;
	uint32_t a;
	if (ip && (ctri_cidr_parse(ctri_json_str(rec, "subnet"), &net) < 0 ||
		   ctri_ipv4_parse(ip, &a) < 0 || !ctri_cidr_has(&net, a) || a == net.addr ||
		   a == (net.addr | ~ctri_cidr_mask(net.len)))) {
		r = ctri_cerr(cname, "create", CTR_E_INVAL, "address %s is not a host address of "
							  "network %s (%s)", ip, name,
			      ctri_json_str(rec, "subnet"));
	} else if (first && has_ports && ctri_json_bool(rec, "internal")) {
		r = ctri_cerr(cname, "create", CTR_E_INVAL, "ports cannot be published on network "
							  "%s: it is internal", name);
	}
	json_object_put(rec);
	return r;
}

int ctri_network_join(ctr_runtime_t *rt, json_object *config, const char *cname, int *lock)
{
	json_object *nets, *ports = NULL;
	int r;

	*lock = -1;
	int has_ports = json_object_object_get_ex(config, "ports", &ports) &&
			ctri_json_len(ports) > 0;
	if (!json_object_object_get_ex(config, "networks", &nets)) {
		if (!has_ports)
			return 0;
		/* Ports and no network: the default one. */
		nets = json_tokener_parse("[{\"name\":\"" CTR_NETWORK_DEFAULT "\"}]");
		if (ctri_json_add(config, "networks", nets) < 0)
			return ctri_cerr(cname, "create", CTR_E_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < ctri_json_len(nets); i++) {
		const char *name = ctri_json_str(json_object_array_get_idx(nets, i), "name");
		if (strcmp(name, CTR_NETWORK_DEFAULT) != 0)
			continue;
		r = ctr_network_create(rt, CTR_NETWORK_DEFAULT, NULL); /* on first use */
		if (r < 0 && r != CTR_E_EXISTS)
			return ctri_cwrap(cname, "create", r);
	}
	if ((r = *lock = ctri_network_lock(rt, LOCK_SH, "create")) < 0)
		return ctri_cwrap(cname, "create", r);
	for (size_t i = 0; r >= 0 && i < ctri_json_len(nets); i++)
		r = check_join(rt, cname, json_object_array_get_idx(nets, i), i == 0, has_ports);
	if (r < 0) {
		ctri_network_unlock(*lock);
		*lock = -1;
		return r;
	}
	return 0;
}
