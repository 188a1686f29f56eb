/* Fixture and helpers shared by the container suites (test_container.c, test_remove.c). */
#ifndef CTR_CONTAINER_FIXTURE_H
#define CTR_CONTAINER_FIXTURE_H

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "runtime.h"
#include "proc.h"
#include "store.h"
#include "tests.h"
#include "testutil.h"
#include "util.h"

static ctr_runtime_t *rt;

static inline void container_setup(void)
{
	rt = tu_runtime();
}

static inline void container_teardown(void)
{
	ctr_runtime_close(rt);
	rt = NULL;
}

static inline ctr_container_t *create(const char *name)
{
	ctr_config_t *cfg = tu_config(name);
	ctr_container_t *c = NULL;
	int r = ctr_create(rt, cfg, &c);

	ck_assert_msg(r == 0, "ctr_create %s: %d %s", name ? name : "(generated)", r,
		      ctr_last_error());
	ck_assert_ptr_nonnull(c);
	ctr_config_free(cfg);
	return c;
}

static inline ctr_state_t state_of(ctr_container_t *c)
{
	ctr_state_t s = CTR_STATE_UNKNOWN;
	int r = ctr_state(c, &s);

	ck_assert_msg(r == 0, "ctr_state: %d %s", r, ctr_last_error());
	return s;
}

static inline json_object *inspect(ctr_container_t *c)
{
	char *text = NULL;
	int r = ctr_inspect(c, &text);

	ck_assert_msg(r == 0, "ctr_inspect: %d %s", r, ctr_last_error());
	json_object *o = json_tokener_parse(text);
	ck_assert_msg(o != NULL, "inspect output is not JSON: %s", text);
	ctr_free(text);
	return o;
}

static inline const char *str_at(json_object *o, const char *a, const char *b)
{
	json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, a, &v), "no \"%s\"", a);
	if (b)
		ck_assert_msg(json_object_object_get_ex(v, b, &v), "no \"%s.%s\"", a, b);
	ck_assert_msg(json_object_is_type(v, json_type_string), "\"%s\" is not a string", a);
	return json_object_get_string(v);
}

static inline size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	size_t n = 0;

	ck_assert_ptr_nonnull(d);
	for (struct dirent *de; (de = readdir(d));)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static inline size_t count_list(void)
{
	ctr_container_t **list = NULL;
	size_t n = 0;
	int r = ctr_list(rt, &list, &n);

	ck_assert_msg(r == 0, "ctr_list: %d %s", r, ctr_last_error());
	ctr_list_free(list, n);
	return n;
}

static inline int has(const char *haystack, const char *needle)
{
	return strstr(haystack, needle) != NULL;
}

static inline size_t occurrences(const char *haystack, const char *needle)
{
	size_t n = 0;

	for (const char *p = haystack; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

#define assert_msg_has(needle)                                                                     \
	ck_assert_msg(has(ctr_last_error(), needle), "\"%s\" not in \"%s\"", needle,               \
		      ctr_last_error())

static inline void put_state(ctr_container_t *c, const char *raw)
{
	char key[128];

	snprintf(key, sizeof(key), "%s%s", CTRI_KEY_STATE, ctr_id(c));
	ck_assert_int_eq(ctri_store_put_raw(rt->store, key, raw, strlen(raw), 0), 0);
}

/* A state record in STATE whose monitor is this very process: alive as far as the library
 * can tell, so the record is kept as it is by syncs. */
static inline void put_state_alive(ctr_container_t *c, const char *state)
{
	unsigned long long start = 0;
	char rec[256];

	ck_assert_int_eq(ctri_proc_stat(getpid(), &start, NULL), 0);
	snprintf(rec, sizeof(rec),
		 "{\"state\":\"%s\",\"pid\":%d,\"monitor_pid\":%d,\"monitor_start\":%llu}",
		 state, (int)getpid(), (int)getpid(), start);
	put_state(c, rec);
}

static inline int record_exists(const char *prefix, const char *what)
{
	char key[512];

	snprintf(key, sizeof(key), "%s%s", prefix, what);
	return ctri_store_exists(rt->store, key);
}

#endif
