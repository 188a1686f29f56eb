/* docs/inspect.md against ctr_inspect(): containers in many states (configured with every
 * config member, running with exec sessions created, exited and lost, stopped, and a state
 * record with every flag) are inspected, and every member of the objects the page
 * describes must be in the table of its object's section, with the type the table gives;
 * then every member a table names must have been seen. So the page neither misses a member
 * nor names one the library does not write. The same for an image's document and a
 * container made from an image, and for a network's document and a container on it. Run from the top directory (make check-unit). */
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op.h"
#include "state.h"
#include "tests.h"
#include "testutil.h"
#include "util.h"

#define DOC	 "docs/inspect.md"
#define SEEN_MAX 256

static char *doc;	     /* the page's text */
static char *seen[SEEN_MAX]; /* "PATH KEY" of every member met */
static size_t n_seen;

static void doc_load(void)
{
	size_t len;

	ck_assert_msg(ctri_read_file(DOC, 1 << 20, &doc, &len) == 0,
		      "cannot read %s (run from the top directory)", DOC);
	n_seen = 0;
}

static void doc_free(void)
{
	for (size_t i = 0; i < n_seen; i++)
		free(seen[i]);
	n_seen = 0;
	free(doc);
	doc = NULL;
}

/* The line after p's, or the end of the text. */
static const char *next_line(const char *p)
{
	const char *eol = strchr(p, '\n');

	return eol ? eol + 1 : p + strlen(p);
}

/* The first line from p on, outside code fences, that is a heading; or the end. */
static const char *next_heading(const char *p)
{
	int fenced = 0;

	for (; *p; p = next_line(p)) {
		if (!strncmp(p, "```", 3))
			fenced = !fenced;
		else if (!fenced && *p == '#')
			return p;
	}
	return p;
}

/* The section of object path ("." for the top level, ".state", ".exec_sessions[]"): from
 * its heading, which ends in "(`PATH`)", to the next heading. 0 if the page has none. */
static int section(const char *path, const char **start, const char **end)
{
	char mark[128];

	snprintf(mark, sizeof(mark), "(`%s`)\n", path);
	for (const char *h = next_heading(doc); *h; h = next_heading(next_line(h))) {
		const char *eol = strchr(h, '\n');
		if (eol && (size_t)(eol + 1 - h) >= strlen(mark) &&
		    !strncmp(eol + 1 - strlen(mark), mark, strlen(mark))) {
			*start = eol + 1;
			*end = next_heading(*start);
			return 1;
		}
	}
	return 0;
}

/* The type cell of key's row in [start, end) into cell; 0 if there is no row. */
static int row(const char *start, const char *end, const char *key, char *cell, size_t size)
{
	char mark[128];

	snprintf(mark, sizeof(mark), "| `%s` | ", key);
	for (const char *p = start; *p && p < end; p = next_line(p)) {
		if (strncmp(p, mark, strlen(mark)))
			continue;
		p += strlen(mark);
		size_t n = strcspn(p, "|\n");
		snprintf(cell, size, "%.*s", (int)(n < size ? n : size - 1), p);
		return 1;
	}
	return 0;
}

/* Whether one of the alternatives of the type cell ("string or object (...)") begins with
 * v's JSON type. */
static int type_fits(const char *cell, json_object *v)
{
	static const char *const names[] = {
		[json_type_null] = "null",     [json_type_boolean] = "boolean",
		[json_type_double] = "number", [json_type_int] = "integer",
		[json_type_object] = "object", [json_type_array] = "array",
		[json_type_string] = "string",
	};
	const char *name = names[json_object_get_type(v)];

	for (const char *alt = cell; alt;
	     alt = strstr(alt, " or ") ? strstr(alt, " or ") + 4 : NULL)
		if (!strncmp(alt, name, strlen(name)) &&
		    (alt[strlen(name)] == ' ' || alt[strlen(name)] == '\0'))
			return 1;
	return 0;
}

static void mark_seen(const char *path, const char *key)
{
	char *s = ctri_strdupf("%s %s", path, key);

	ck_assert_ptr_nonnull(s);
	for (size_t i = 0; i < n_seen; i++)
		if (!strcmp(seen[i], s)) {
			free(s);
			return;
		}
	ck_assert_msg(n_seen < SEEN_MAX, "more than %d members", SEEN_MAX);
	seen[n_seen++] = s;
}

static void check_object(json_object *o, const char *path, const char *what);

/* A member that holds objects: checked against their own section, or the page says that
 * they are free-form (labels, a seccomp profile, a spec override). */
static void check_nested(json_object *v, const char *sub, const char *cell, const char *what)
{
	const char *s, *e;

	if (!section(sub, &s, &e)) {
		ck_assert_msg(strstr(cell, "free-form") || strstr(cell, "of strings"),
			      "%s: %s holds objects but has no section (`%s`) and is not free-form",
			      what, sub, sub);
		return;
	}
	if (json_object_is_type(v, json_type_object)) {
		check_object(v, sub, what);
		return;
	}
	for (size_t i = 0; i < json_object_array_length(v); i++)
		check_object(json_object_array_get_idx(v, i), sub, what);
}

/* Every member of o is in the table of section path, with a fitting type. */
static void check_object(json_object *o, const char *path, const char *what)
{
	const char *start, *end;
	char cell[256], sub[160];

	ck_assert_msg(json_object_is_type(o, json_type_object), "%s: %s is not an object", what,
		      path);
	ck_assert_msg(section(path, &start, &end), "%s: %s has no section ending in (`%s`)", what,
		      DOC, path);
	json_object_object_foreach(o, key, v)
	{
		ck_assert_msg(row(start, end, key, cell, sizeof(cell)),
			      "%s: member `%s` of `%s` is not in the table of %s: %s", what, key,
			      path, DOC, json_object_to_json_string(o));
		ck_assert_msg(type_fits(cell, v), "%s: `%s` of `%s` is %s, the page says \"%s\"",
			      what, key, path, json_type_to_name(json_object_get_type(v)), cell);
		if (strstr(cell, "(time)")) {
			const char *t = json_object_get_string(v);
			ck_assert_msg(strlen(t) == 30 && t[10] == 'T' && t[29] == 'Z',
				      "%s: `%s` of `%s` is not an RFC 3339 time: %s", what, key,
				      path, t);
		}
		mark_seen(path, key);
		snprintf(sub, sizeof(sub), "%s.%s", strcmp(path, ".") ? path : "", key);
		if (json_object_is_type(v, json_type_object)) {
			check_nested(v, sub, cell, what);
		} else if (json_object_is_type(v, json_type_array) &&
			   json_object_is_type(json_object_array_get_idx(v, 0), json_type_object)) {
			strcat(sub, "[]");
			check_nested(v, sub, cell, what);
		}
	}
}

/* Inspect c and check the document; what names the case in messages. */
static void check(ctr_container_t *c, const char *what)
{
	char *text = NULL;

	TU_OK(ctr_inspect(c, &text));
	json_object *o = json_tokener_parse(text);
	ck_assert_msg(o, "%s: not JSON: %s", what, text);
	check_object(o, ".", what);
	json_object_put(o);
	ctr_free(text);
}

/* Member key of c's document's member object (of its element index, for an array), as an
 * integer. */
static long long member(ctr_container_t *c, const char *object, size_t index, const char *key)
{
	char *text = NULL;
	json_object *v;

	TU_OK(ctr_inspect(c, &text));
	json_object *o = json_tokener_parse(text);
	ctr_free(text);
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, object, &v));
	if (json_object_is_type(v, json_type_array))
		v = json_object_array_get_idx(v, index);
	ck_assert_msg(v && json_object_object_get_ex(v, key, &v), "no %s in %s", key, object);
	long long i = json_object_get_int64(v);
	json_object_put(o);
	return i;
}

/* Every row of every table on the page was met in some document. */
static void assert_all_seen(void)
{
	for (const char *h = next_heading(doc); *h; h = next_heading(next_line(h))) {
		const char *eol = strchr(h, '\n'), *open = eol ? strstr(h, "(`") : NULL;
		if (!open || open > eol)
			continue;
		char path[128];
		snprintf(path, sizeof(path), "%.*s", (int)(eol - open - 4), open + 2);
		const char *end = next_heading(eol + 1);
		for (const char *p = eol + 1; *p && p < end; p = next_line(p)) {
			if (strncmp(p, "| `", 3))
				continue;
			char key[64], *s = NULL;
			snprintf(key, sizeof(key), "%.*s", (int)strcspn(p + 3, "`"), p + 3);
			int met = 0;
			if ((s = ctri_strdupf("%s %s", path, key)))
				for (size_t i = 0; i < n_seen && !met; i++)
					met = !strcmp(seen[i], s);
			free(s);
			ck_assert_msg(met, "%s names `%s` of `%s`, which no inspected document had",
				      DOC, key, path);
		}
	}
}

/* A configured container with every config member set (layers rather than a rootfs: the
 * other container has the rootfs), depending on dep. */
static ctr_container_t *every_config_member(ctr_container_t *dep)
{
	ctr_config_t *cfg = NULL;
	ctr_container_t *c = NULL;
	char *json = ctri_strdupf(
	    "{\"name\":\"doc-every\",\"layers\":[\"%s\"],\"args\":[\"/bin/true\"],"
	    "\"env\":[\"A=1\"],\"terminal\":true,\"stdin\":true,\"log_size_max\":65536,"
	    "\"stop_signal\":2,\"stop_timeout\":3,\"restart_policy\":\"on-failure\","
	    "\"restart_max_retries\":2,\"dependencies\":[\"%s\"],\"cwd\":\"/tmp\","
	    "\"user\":\"app:staff\",\"hostname\":\"doc\",\"capabilities\":[\"net_admin\"],"
	    "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\"},\"memory_limit\":1048576,"
	    "\"pids_limit\":10,\"readonly_rootfs\":true,\"mounts\":[{\"source\":\"/tmp\","
	    "\"destination\":\"/mnt\",\"type\":\"bind\",\"options\":[\"rbind\",\"ro\"]}],"
	    "\"network\":\"host\",\"labels\":{\"a\":\"b\"},\"annotations\":{\"c\":\"d\"},"
	    "\"spec_override\":{\"process\":{\"noNewPrivileges\":true}}}",
	    tu_rootfs(), ctr_name(dep));

	ck_assert_ptr_nonnull(json);
	TU_OK(ctr_config_from_json(json, &cfg));
	free(json);
	TU_OK(ctr_create(tu_host_rt, cfg, &c));
	ctr_config_free(cfg);
	return c;
}

/* An image's document (ctr_image_inspect) and a container made from it: the oci fixture of
 * tests/fixtures/mkimages.sh ($CTR_TEST_IMAGES, made here if need be). */
static void image_documents(void)
{
	const char *dir = getenv("CTR_TEST_IMAGES");
	const char *const args[] = { "true", NULL };
	char *cmd, *path, *text = NULL, *id = NULL;
	ctr_config_t *cfg = NULL;
	ctr_container_t *c = NULL;

	ck_assert_msg(dir && *dir, "CTR_TEST_IMAGES is not set (make check-unit sets it)");
	cmd = ctri_strdupf("tests/fixtures/mkimages.sh '%s' >&2", dir);
	path = ctri_strdupf("%s/oci", dir);
	ck_assert_int_eq(system(cmd), 0);
	CTR_OPTS(ctr_image_import_opts_t, o, .name = "doc:1");
	TU_OK(ctr_image_import(tu_host_rt, path, &o, &id));
	TU_OK(ctr_image_inspect(tu_host_rt, id, &text));
	json_object *doc_image = json_tokener_parse(text);
	ck_assert_msg(doc_image, "not JSON: %s", text);
	check_object(doc_image, "image", "ctr_image_inspect");
	json_object_put(doc_image);
	TU_OK(ctr_config_new(&cfg));
	TU_OK(ctr_config_set_image(cfg, "doc:1"));
	TU_OK(ctr_config_set_args(cfg, args));
	TU_OK(ctr_create(tu_host_rt, cfg, &c));
	check(c, "from an image");
	TU_OK(ctr_remove(c, 0));
	TU_OK(ctr_image_remove(tu_host_rt, id, 0));
	ctr_container_free(c);
	ctr_config_free(cfg);
	ctr_free(text);
	ctr_free(id);
	free(cmd);
	free(path);
}

/* The document of network name (ctr_network_inspect) against the page's (`network`). */
static void network_document(const char *name, const char *what)
{
	char *text = NULL;

	TU_OK(ctr_network_inspect(tu_host_rt, name, &text));
	json_object *o = json_tokener_parse(text);
	ck_assert_msg(o, "%s: not JSON: %s", what, text);
	check_object(o, "network", what);
	json_object_put(o);
	ctr_free(text);
}

/* A network's document and a container on it with a published port (the config's
 * networks and ports; the top level's networks and ports): configured, when the run's
 * members are null, then, as root, running (the CNI plugins give it its address, the
 * fake runtime runs its process on the host), when the network lists it. */
static void network_documents(void)
{
	CTR_OPTS(ctr_network_opts_t, no, .subnet = "10.89.235.0/24");
	ctr_config_t *cfg = NULL;
	ctr_container_t *c = NULL;
	char *json = ctri_strdupf(
	    "{\"name\":\"doc-net\",\"rootfs\":\"%s\",\"args\":[\"/bin/sh\",\"-c\","
	    "\"touch ready; " TU_LOOP "\",\"%s\"],\"cwd\":\"%s\","
	    "\"networks\":[{\"name\":\"docnet\",\"ip\":\"10.89.235.7\"}],"
	    "\"ports\":[{\"host_ip\":\"127.0.0.1\",\"host_port\":18235,"
	    "\"container_port\":80,\"protocol\":\"tcp\"}]}",
	    tu_rootfs(), tu_base(), tu_base());

	ck_assert_ptr_nonnull(json);
	TU_OK(ctr_network_create(tu_host_rt, "docnet", &no));
	network_document("docnet", "a network alone");
	TU_OK(ctr_config_from_json(json, &cfg));
	TU_OK(ctr_create(tu_host_rt, cfg, &c));
	check(c, "configured on a network");
	if (geteuid() == 0) {
		TU_OK(ctr_start(c, 0));
		tu_take_file("ready");
		check(c, "running on a network");
		network_document("docnet", "a network with a container running on it");
		TU_OK(ctr_kill(c, SIGKILL));
		ck_assert_int_eq(tu_wait(c), 137);
	}
	TU_OK(ctr_remove(c, CTR_FORCE));
	TU_OK(ctr_network_remove(tu_host_rt, "docnet", 0));
	ctr_container_free(c);
	ctr_config_free(cfg);
	free(json);
}

/* Sessions in every state: created with every option, exited, and one whose monitor died
 * without recording the exit. */
static void sessions(ctr_container_t *c)
{
	const char *const env[] = { "B=2", NULL }, *const t[] = { "true", NULL };
	const char *const loop[] = { "/bin/sh", "-c", "touch exec-ready; " TU_LOOP, tu_base(),
				     NULL };
	char *id = NULL;
	int code = 0;

	CTR_OPTS(ctr_exec_opts_t, every, .argv = t, .env = env, .cwd = "/tmp", .user = "0:0",
		 .terminal = 1, .privileged = 1, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1);
	TU_OK(ctr_exec_create(c, &every, &id));
	ctr_free(id);

	CTR_OPTS(ctr_exec_opts_t, plain, .argv = t, .stdin_fd = -1, .stdout_fd = -1,
		 .stderr_fd = -1);
	TU_OK(ctr_exec_create(c, &plain, &id));
	TU_OK(ctr_exec_start(c, id));
	TU_OK(ctr_exec_wait(c, id, TU_GUARD_MS, &code));
	ck_assert_int_eq(code, 0);
	ctr_free(id);

	plain.argv = loop;
	TU_OK(ctr_exec_create(c, &plain, &id));
	TU_OK(ctr_exec_start(c, id));
	tu_take_file("exec-ready");
	pid_t mon = (pid_t)member(c, "exec_sessions", 2, "monitor_pid");
	pid_t pid = (pid_t)member(c, "exec_sessions", 2, "pid");
	/* The monitor held still while its process goes: it cannot record the exit. */
	ck_assert_int_eq(kill(mon, SIGSTOP), 0);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(kill(mon, SIGKILL), 0);
	TU_OK(ctr_exec_wait(c, id, TU_GUARD_MS, &code));
	ck_assert_int_eq(code, -1);
	ctr_free(id);
}

/* Every member the state record can hold, written as the library writes it (flags no
 * run here reaches: a checkpoint, a reboot, an operation in progress). */
static void every_state_member(ctr_container_t *c)
{
	struct ctri_st st;

	TU_OK(ctri_st_load(c, "test", &st));
	st.state = CTR_STATE_EXITED;
	st.started_at = ctri_now_ns();
	st.finished_at = st.started_at + 1;
	st.has_exit = st.oom = st.monitor_lost = st.stopped_by_user = st.checkpointed = 1;
	st.exit_code = 137;
	st.signal = SIGKILL;
	st.restart_count = 2;
	snprintf(st.checkpoint, sizeof(st.checkpoint), "default");
	st.reset_from = CTR_STATE_RUNNING;
	ctri_st_own(c, &st, CTRI_OP_STOP); /* this process: alive, so nothing is recovered */
	TU_OK(ctri_st_save(c, "test", &st, 0));
	check(c, "every state member");
	st.has_owner = 0;
	TU_OK(ctri_st_save(c, "test", &st, 0));
}

START_TEST(test_inspect_doc_names_every_member_and_only_those)
{
	ctr_container_t *c = tu_sh(tu_host_rt, "touch ready; " TU_LOOP);
	ctr_container_t *every = every_config_member(c);

	doc_load();
	check(every, "configured, every config member");
	check(c, "configured");
	TU_OK(ctr_start(c, 0));
	tu_take_file("ready");
	sessions(c);
	check(c, "running, with sessions");
	TU_OK(ctr_kill(c, SIGKILL));
	ck_assert_int_eq(tu_wait(c), 137);
	check(c, "stopped");
	every_state_member(every);
	image_documents();
	network_documents();
	assert_all_seen();
	doc_free();
	TU_OK(ctr_remove(every, 0));
	ctr_container_free(every);
	TU_OK(ctr_remove(c, CTR_FORCE));
	ctr_container_free(c);
}
END_TEST

Suite *suite_inspect_doc(void)
{
	Suite *s = suite_create("inspect_doc");
	TCase *tc = tcase_create("inspect_doc");

	tu_add_host_fixtures(tc);
	tcase_add_test(tc, test_inspect_doc_names_every_member_and_only_those);
	suite_add_tcase(s, tc);
	return s;
}
