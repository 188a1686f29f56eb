/* Checkpoint, restore and import (the seeds' Checkpoint/Restore): `runc checkpoint` writes
 * CRIU images into the container's bundle directory, `checkpoints/<name>/images`; a restore
 * starts a monitor that runs `runc restore --detach` from them. An archive (target_file)
 * carries the images with the container's config and spec and, for a layered container,
 * its upper directory, so that another context (or machine) can import it. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tar.h"
#include "error.h"
#include "events.h"
#include "exec_record.h"
#include "json.h"
#include "lifecycle.h"
#include "monitor_client.h"
#include "net_run.h"
#include "overlay.h"
#include "oci.h"
#include "op.h"
#include "restart.h"
#include "runtime.h"
#include "sync.h"
#include "util.h"

#define DEFAULT_NAME "default"
#define NAME_MAX_ 64
#define EXIT_WAIT_MS 10000 /* how long a checkpointed container's monitor may take to go */

#define CKPT_FLAGS (CTR_CKPT_KEEP | CTR_CKPT_LEAVE_RUNNING | CTR_CKPT_TCP_ESTABLISHED | \
		    CTR_CKPT_IGNORE_ROOTFS)
#define RESTORE_FLAGS (CTR_RESTORE_KEEP | CTR_RESTORE_TCP_ESTABLISHED | CTR_RESTORE_IGNORE_ROOTFS)

/* Archive members. */
#define AR_CONFIG "config.json" /* the container's config (ctr_config_to_json form) */
#define AR_SPEC "spec.json"	/* its OCI spec, for reference */
#define AR_META "meta.json"	/* {"name","time","flags"} */
#define AR_IMAGES "checkpoint"	/* CRIU's images */
#define AR_ROOTFS "rootfs-diff" /* a layered container's upper directory */

static int check_name(const char *who, const char *op, const char **name)
{
	const char *n = *name ? *name : DEFAULT_NAME;
	size_t len = strlen(n);

	if (!len || len > NAME_MAX_ || strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
						 "0123456789_.-") != len ||
	    !strcmp(n, ".") || !strcmp(n, ".."))
		return ctri_cerr(who, op, CTR_E_INVAL,
				 "checkpoint name \"%s\": 1 to %d characters of [A-Za-z0-9_.-]", n,
				 NAME_MAX_);
	*name = n;
	return 0;
}

/* BUNDLE/checkpoints/NAME[/LEAF]. */
static void ckpt_path(ctr_container_t *c, const char *name, const char *leaf, char *buf,
		      size_t len)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "checkpoints/%s%s%s", name, leaf ? "/" : "", leaf ? leaf : "");
	ctri_bundle_path(c, rel, buf, len);
}

static int mkdirs(ctr_container_t *c, const char *op, const char *path)
{
	int r = ctri_mkdir_p(path, 0700);

	if (r < 0) {
		errno = -r;
		return ctri_cerr(c->name, op, CTR_E_IO, "mkdir %s: %m", path);
	}
	return 0;
}

/* The runtime failed (r, its message set): CTR_E_NOTSUP with `criu check`'s words when CRIU
 * cannot work on this machine, else r as it is. CTR_CRIU names the criu binary. */
static int criu_verdict(ctr_container_t *c, const char *op, int r)
{
	const char *env = getenv("CTR_CRIU");
	char said[1024], why[512], *out = NULL;

	if (r != CTR_E_RUNTIME)
		return r;
	snprintf(said, sizeof(said), "%s", ctr_last_error());
	char *criu = strchr(env && *env ? env : "criu", '/') ? strdup(env)
							    : ctri_find_program(env && *env ? env : "criu");
	if (!criu)
		return ctri_err(r, "%s", said);
	const char *const argv[] = { criu, "check", NULL };
	int status = ctri_cmd_output(c, op, argv, &out);
	if (status == 0) { /* CRIU works: the runtime's message stands */
		free(out);
		free(criu);
		return ctri_err(r, "%s", said);
	}
	if (status < 0) { /* cannot run it: say why */
		snprintf(why, sizeof(why), "%s", ctr_last_error());
	} else { /* the last line of its output says why */
		size_t n = strlen(out);
		while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
			out[--n] = 0;
		char *nl = strrchr(out, '\n'), *line = nl ? nl + 1 : out;
		ctri_oci_clean(line, strlen(line), why, sizeof(why)); /* CRIU's words, made safe */
	}
	r = ctri_err(CTR_E_NOTSUP, "%s (CRIU cannot work on this machine: `%s check`: %s)", said,
		     criu, why);
	free(out);
	free(criu);
	return r;
}

/* Append CRIU's last error line from work/dump.log to the thread's message: the log file
 * the runtime names goes with the failed checkpoint's directory. */
static void add_criu_error(const char *work)
{
	char path[4300], said[1024], *text = NULL, *last = NULL;

	snprintf(path, sizeof(path), "%s/dump.log", work);
	if (ctri_read_file(path, 1 << 20, &text, NULL) < 0)
		return;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (strstr(l, "Error"))
			last = l;
	if (last) {
		char clean[512];
		ctri_oci_clean(last, strlen(last), clean, sizeof(clean));
		snprintf(said, sizeof(said), "%s", ctr_last_error());
		ctri_err(CTR_E_RUNTIME, "%s; CRIU: %s", said, clean);
	}
	free(text);
}

/* ---- archives ------------------------------------------------------------------------- */

/* Write target: config, spec, meta, images and (unless ignore_rootfs) the upper dir. */
static int write_archive(ctr_container_t *c, const char *op, const char *name, unsigned flags,
			 const char *target)
{
	char images[4200], spec_path[4200], upper[4200], *spec = NULL;
	size_t spec_len = 0;
	json_object *cfg = NULL, *meta = json_object_new_object();
	int layered = ctri_rootfs_layered(c, op), r;

	if (layered < 0) {
		json_object_put(meta);
		return layered;
	}
	ckpt_path(c, name, "images", images, sizeof(images));
	ctri_bundle_path(c, "config.json", spec_path, sizeof(spec_path));
	ctri_bundle_path(c, CTRI_LAYER_UPPER, upper, sizeof(upper));
	if ((r = ctri_container_config(c, op, &cfg)) < 0)
		goto out;
	if ((r = ctri_read_file(spec_path, 16 << 20, &spec, &spec_len)) < 0) {
		errno = -r;
		r = ctri_cerr(c->name, op, CTR_E_IO, "read %s: %m", spec_path);
		goto out;
	}
	if (!meta || ctri_json_add(meta, "name", json_object_new_string(name)) ||
	    ctri_json_add(meta, "time", json_object_new_int64(ctri_now_ns())) ||
	    ctri_json_add(meta, "flags", json_object_new_int((int)flags))) {
		r = ctri_cerr(c->name, op, CTR_E_NOMEM, "out of memory");
		goto out;
	}
	const char *cfg_text = json_object_to_json_string_ext(cfg, JSON_C_TO_STRING_PLAIN);
	const char *meta_text = json_object_to_json_string_ext(meta, JSON_C_TO_STRING_PLAIN);
	struct ctri_tar_src src[] = {
		{ .prefix = AR_CONFIG, .data = cfg_text, .len = strlen(cfg_text) },
		{ .prefix = AR_SPEC, .data = spec, .len = spec_len },
		{ .prefix = AR_META, .data = meta_text, .len = strlen(meta_text) },
		{ .prefix = AR_IMAGES, .dir = images },
		{ .prefix = AR_ROOTFS, .dir = upper },
	};
	size_t n = layered && !(flags & CTR_CKPT_IGNORE_ROOTFS) ? 5 : 4;
	r = ctri_tar_write(target, src, n, c->name, op);
out:
	free(spec);
	json_object_put(cfg);
	json_object_put(meta);
	return r;
}

/* Move the images (and, for a layered container unless ignore_rootfs, the upper
 * directory) of an extracted archive in dir into c's places for checkpoint name. */
static int place_extracted(ctr_container_t *c, const char *op, const char *dir,
			   const char *name, unsigned flags)
{
	char from[4200], to[4200];
	int layered = ctri_rootfs_layered(c, op);

	if (layered < 0)
		return layered;
	snprintf(from, sizeof(from), "%s/%s", dir, AR_IMAGES);
	ckpt_path(c, name, NULL, to, sizeof(to));
	ctri_rm_rf(to);
	int r = mkdirs(c, op, to);
	ckpt_path(c, name, "images", to, sizeof(to));
	if (r == 0 && access(from, F_OK) < 0)
		return ctri_cerr(c->name, op, CTR_E_INVAL, "the archive holds no %s/", AR_IMAGES);
	if (r == 0 && rename(from, to) < 0)
		return ctri_cerr(c->name, op, CTR_E_IO, "rename %s: %m", from);
	snprintf(from, sizeof(from), "%s/%s", dir, AR_ROOTFS);
	if (r < 0 || !layered || (flags & CTR_RESTORE_IGNORE_ROOTFS) || access(from, F_OK) < 0)
		return r;
	ctri_bundle_path(c, CTRI_LAYER_UPPER, to, sizeof(to));
	/* The archive's changes replace the container's: not under a mounted overlay. */
	if ((r = ctri_rootfs_release(c, op, 1)) < 0)
		return r;
	ctri_rm_rf(to);
	if (rename(from, to) < 0)
		return ctri_cerr(c->name, op, CTR_E_IO, "rename %s: %m", from);
	return 0;
}

/* Extract archive into BUNDLE/import.tmp and place its parts. */
static int place_archive(ctr_container_t *c, const char *op, const char *archive,
			 const char *name, unsigned flags)
{
	char tmp[4200];

	ctri_bundle_path(c, "import.tmp", tmp, sizeof(tmp));
	ctri_rm_rf(tmp);
	int r = ctri_tar_extract(archive, tmp, c->name, op);
	if (r == 0)
		r = place_extracted(c, op, tmp, name, flags);
	ctri_rm_rf(tmp);
	return r;
}

/* ---- checkpoint ----------------------------------------------------------------------- */

/* After a checkpoint that stopped the container: wait for its monitor (it records the
 * end of the process CRIU killed), and make that end a checkpoint, not an exit. */
static int end_run(ctr_container_t *c, const char *op, struct ctri_st *st, int mon)
{
	int r;

	if (mon >= 0) {
		struct pollfd p = { .fd = mon, .events = POLLIN };
		while (poll(&p, 1, EXIT_WAIT_MS) < 0 && errno == EINTR)
			;
	}
	ctri_exit_remove(c);
	st->state = CTR_STATE_EXITED;
	ctri_st_no_process(st);
	st->checkpointed = 1;
	st->stopped_by_user = 1; /* no restart policy brings it back */
	if ((r = ctri_oci_release(c, op, 1)) == 0 && (r = ctri_exec_purge(c, op)) == 0 &&
	    (r = ctri_net_teardown(c, op, 0)) == 0)
		r = ctri_rootfs_release(c, op, 0);
	return r;
}

static int checkpoint_locked(ctr_container_t *c, struct ctri_st *st, const char *name,
			     unsigned flags, const char *target)
{
	const char *op = "checkpoint";
	char dir[4200], images[4200], work[4200];
	int leave = !!(flags & CTR_CKPT_LEAVE_RUNNING), r;

	if ((r = ctri_state_check(c->name, CTRI_OP_CHECKPOINT, st->state)) < 0)
		return r;
	ckpt_path(c, name, NULL, dir, sizeof(dir));
	ckpt_path(c, name, "images", images, sizeof(images));
	ckpt_path(c, name, "work", work, sizeof(work));
	ctri_rm_rf(dir);
	if ((r = mkdirs(c, op, images)) < 0 || (r = mkdirs(c, op, work)) < 0)
		return r;
	const char *args[10] = { "checkpoint", "--image-path", images, "--work-path", work };
	size_t n = 5;
	if (leave)
		args[n++] = "--leave-running";
	if (flags & CTR_CKPT_TCP_ESTABLISHED)
		args[n++] = "--tcp-established";
	args[n++] = c->id;
	args[n] = NULL;
	int mon = leave ? -1 : ctri_monitor_fd(c, st);
	if ((r = ctri_oci_run(c, op, args, NULL)) < 0) {
		if (mon >= 0)
			close(mon);
		if (r == CTR_E_RUNTIME)
			add_criu_error(work);
		if (!(flags & CTR_CKPT_KEEP)) /* KEEP keeps CRIU's log of the failure too */
			ctri_rm_rf(dir);
		return criu_verdict(c, op, r);
	}
	if (!leave)
		r = end_run(c, op, st, mon);
	if (mon >= 0)
		close(mon);
	snprintf(st->checkpoint, sizeof(st->checkpoint), "%s", name);
	int s = ctri_st_save(c, op, st, 1);
	r = r < 0 ? r : s;
	if (!(flags & CTR_CKPT_KEEP))
		ctri_rm_rf(work);
	if (r == 0 && target)
		r = write_archive(c, op, name, flags, target);
	if (r == 0) {
		json_object *a = json_object_new_object();
		if (a) {
			json_object_object_add(a, "name", json_object_new_string(name));
			json_object_object_add(a, "leave_running", json_object_new_boolean(leave));
		}
		ctri_event(c, op, a);
	}
	return r;
}

CTR_API int ctr_checkpoint(ctr_container_t *c, const ctr_checkpoint_opts_t *opts)
{
	struct ctri_st st;
	int fd, r;

	CTRI_CHECK_ARG("ctr_checkpoint", c);
	if (opts && (r = CTRI_OPTS_VALID(opts, name, "ctr_checkpoint")) < 0)
		return r;
	unsigned flags = CTRI_OPTS_GET(opts, flags, 0u);
	const char *name = CTRI_OPTS_GET(opts, name, (const char *)NULL);
	const char *target = CTRI_OPTS_GET(opts, target_file, (const char *)NULL);
	if (flags & ~CKPT_FLAGS)
		return ctri_cerr(c->name, "checkpoint", CTR_E_INVAL, "unknown flags 0x%x",
				 flags & ~CKPT_FLAGS);
	if ((r = check_name(c->name, "checkpoint", &name)) < 0)
		return r;
	if (target && !*target)
		return ctri_cerr(c->name, "checkpoint", CTR_E_INVAL, "target_file is empty");
	if ((r = ctri_begin(c, "checkpoint", &fd, &st, 0)) < 0)
		return r;
	r = checkpoint_locked(c, &st, name, flags, target);
	ctri_end(fd);
	return r;
}

/* ---- restore -------------------------------------------------------------------------- */

static int restore_locked(ctr_container_t *c, int fd, struct ctri_st *st, const char *name,
			  unsigned flags, const char *archive)
{
	const char *op = "restore";
	char dir[4200], images[4200], work[4200];
	int r;

	if ((r = ctri_state_check(c->name, CTRI_OP_RESTORE, st->state)) < 0)
		return r;
	if (archive && (r = place_archive(c, op, archive, name, flags)) < 0)
		return r;
	ckpt_path(c, name, NULL, dir, sizeof(dir));
	ckpt_path(c, name, "images", images, sizeof(images));
	ckpt_path(c, name, "work", work, sizeof(work));
	if (access(images, F_OK) < 0)
		return ctri_cerr(c->name, op, CTR_E_NOENT, "no checkpoint \"%s\"", name);
	if ((r = mkdirs(c, op, work)) < 0)
		return r;
	struct ctri_restore_src rs = { .images = images, .work = work,
				       .tcp_established = !!(flags & CTR_RESTORE_TCP_ESTABLISHED) };
	if ((r = ctri_create_in_runtime(c, CTRI_OP_RESTORE, fd, st, 0, 1, &rs)) < 0)
		return criu_verdict(c, op, r);
	if (!(flags & CTR_RESTORE_KEEP))
		ctri_rm_rf(dir);
	json_object *a = json_object_new_object();
	if (a)
		json_object_object_add(a, "name", json_object_new_string(name));
	ctri_event(c, op, a);
	return 0;
}

/* Check restore options; *name and *archive get their values. */
static int restore_opts(const char *who, const ctr_restore_opts_t *opts, unsigned *flags,
			const char **name, const char **archive)
{
	int r;

	if (opts && (r = CTRI_OPTS_VALID(opts, name, "ctr_restore")) < 0)
		return r;
	*flags = CTRI_OPTS_GET(opts, flags, 0u);
	*name = CTRI_OPTS_GET(opts, name, (const char *)NULL);
	*archive = CTRI_OPTS_GET(opts, import_file, (const char *)NULL);
	if (*flags & ~RESTORE_FLAGS)
		return ctri_cerr(who, "restore", CTR_E_INVAL, "unknown flags 0x%x",
				 *flags & ~RESTORE_FLAGS);
	return check_name(who, "restore", name);
}

CTR_API int ctr_restore(ctr_container_t *c, const ctr_restore_opts_t *opts)
{
	const char *name, *archive;
	struct ctri_st st;
	unsigned flags;
	int fd, r;

	CTRI_CHECK_ARG("ctr_restore", c);
	if ((r = restore_opts(c->name, opts, &flags, &name, &archive)) < 0 ||
	    (r = ctri_policy_check(c, "restore")) < 0)
		return r;
	if ((r = ctri_begin(c, "restore", &fd, &st, 0)) < 0)
		return r;
	r = restore_locked(c, fd, &st, name, flags, archive);
	ctri_end(fd);
	return r;
}

/* ---- import --------------------------------------------------------------------------- */

/* The config of an extracted archive in dir, named name (NULL: to be generated). */
static int archive_config(const char *dir, const char *name, ctr_config_t **out)
{
	char path[4200], *text = NULL;
	json_object *o;
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, AR_CONFIG);
	if ((r = ctri_read_file(path, 16 << 20, &text, NULL)) < 0)
		return ctri_err(CTR_E_INVAL, "import: the archive holds no %s", AR_CONFIG);
	o = json_tokener_parse(text);
	free(text);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return ctri_err(CTR_E_INVAL, "import: %s is not a JSON object", AR_CONFIG);
	}
	json_object_object_del(o, "name");
	if (name && ctri_json_add(o, "name", json_object_new_string(name))) {
		json_object_put(o);
		return ctri_err(CTR_E_NOMEM, "import: out of memory");
	}
	r = ctr_config_from_json(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), out);
	json_object_put(o);
	return r;
}

CTR_API int ctr_import(ctr_runtime_t *rt, const char *archive, const char *name,
		       const ctr_restore_opts_t *opts, ctr_container_t **out)
{
	const char *ckname, *ignored;
	ctr_config_t *cfg = NULL;
	ctr_container_t *c = NULL;
	unsigned flags;
	char *tmp = NULL;
	int fd, r;

	CTRI_CHECK_ARG("ctr_import", rt);
	CTRI_CHECK_ARG("ctr_import", archive);
	CTRI_CHECK_ARG("ctr_import", out);
	if ((r = restore_opts(name, opts, &flags, &ckname, &ignored)) < 0)
		return r;
	if (!(tmp = ctri_strdupf("%s/import-XXXXXX", rt->state_dir)) || !mkdtemp(tmp)) {
		r = ctri_err(tmp ? CTR_E_IO : CTR_E_NOMEM, "import: mkdtemp in %s: %m",
			     rt->state_dir);
		free(tmp);
		return r;
	}
	if ((r = ctri_tar_extract(archive, tmp, name, "import")) == 0 &&
	    (r = archive_config(tmp, name, &cfg)) == 0 && (r = ctr_create(rt, cfg, &c)) == 0 &&
	    (r = ctri_begin(c, "import", &fd, &(struct ctri_st){ 0 }, 0)) == 0) {
		r = place_extracted(c, "import", tmp, ckname, flags);
		ctri_end(fd);
	}
	ctri_rm_rf(tmp);
	free(tmp);
	ctr_config_free(cfg);
	if (r == 0) {
		CTR_OPTS(ctr_restore_opts_t, ro, .flags = flags, .name = ckname);
		r = ctr_restore(c, &ro);
	}
	if (r < 0 && c) { /* no container is left: keep the first error's message */
		char said[1024];
		snprintf(said, sizeof(said), "%s", ctr_last_error());
		ctr_remove(c, CTR_FORCE);
		ctri_err(r, "%s", said);
	}
	if (r < 0) {
		ctr_container_free(c);
		return r;
	}
	*out = c;
	return 0;
}
