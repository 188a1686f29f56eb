/* ctr-run's image commands, as podman has them: pull (ctr_image_pull), load
 * (ctr_image_import), images (ctr_image_list and ctr_image_inspect), rmi
 * (ctr_image_remove), tag (ctr_image_tag) and image inspect; `image SUBCOMMAND` reaches
 * each of them too (image ls, image rm, ...). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ctr-run.h"

/* pull [--insecure] [--authfile F] [--name N] [--timeout SECS] SOURCE: fetch an image with
 * skopeo ("docker://127.0.0.1:5000/bb:1", "oci:DIR:TAG", ...) and print its id. SECS are
 * whole seconds (0: the library's default). */
int cmd_pull(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "insecure", no_argument, 0, 'k' },
					      { "authfile", required_argument, 0, 'a' },
					      { "name", required_argument, 0, 'n' },
					      { "timeout", required_argument, 0, 't' },
					      { 0, 0, 0, 0 } };
	CTR_OPTS(ctr_image_pull_opts_t, po, .flags = 0);
	char *id = NULL;
	long long secs;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (opt) {
		case 'k': po.flags |= CTR_PULL_INSECURE; break;
		case 'a': po.auth_file = optarg; break;
		case 'n': po.name = optarg; break;
		case 't':
			if (parse_int("--timeout", optarg, 0, UINT_MAX / 1000, &secs) < 0)
				return 125;
			po.timeout_ms = (unsigned)secs * 1000; /* 0: the library's 5 minutes */
			break;
		default: return usage(stderr);
		}
	}
	if (argc - optind != 1)
		return usage(stderr);
	if (ctr_image_pull(cli->rt, argv[optind], &po, &id) < 0)
		return fail("pull");
	printf("%s\n", id);
	ctr_free(id);
	return 0;
}

/* load [-n NAME] FILE|DIR (or -i FILE, as podman load takes it): import an OCI layout, an
 * oci-archive or a docker-archive and print the id (of the first image of several). */
int cmd_load(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "name", required_argument, 0, 'n' },
					      { "input", required_argument, 0, 'i' },
					      { 0, 0, 0, 0 } };
	CTR_OPTS(ctr_image_import_opts_t, io, .flags = 0);
	const char *path = NULL;
	char *id = NULL;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+n:i:", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': io.name = optarg; break;
		case 'i': path = optarg; break;
		default: return usage(stderr);
		}
	}
	if (argc - optind != (path ? 0 : 1))
		return usage(stderr);
	if (ctr_image_import(cli->rt, path ? path : argv[optind], &io, &id) < 0)
		return fail("load");
	printf("%s\n", id);
	ctr_free(id);
	return 0;
}

/* The image's inspect JSON parsed, or NULL after printing why (as "VERB REF: message"). */
static struct json_object *inspect_image(struct cli *cli, const char *verb, const char *ref)
{
	struct json_object *root;
	char what[300], *json = NULL;

	snprintf(what, sizeof(what), "%s %s", verb, ref);
	if (ctr_image_inspect(cli->rt, ref, &json) < 0) {
		fail(what);
		return NULL;
	}
	if (!(root = json_tokener_parse(json)))
		fprintf(stderr, "ctr-run: %s: the library's JSON does not parse\n", what);
	ctr_free(json);
	return root;
}

static const char *json_str(struct json_object *o, const char *key, const char *dflt)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		   ? json_object_get_string(v)
		   : dflt;
}

/* Bytes as podman shows them (go-units' HumanSizeWithPrecision(n, 3)): "5.37 MB", "812 B". */
static void human_size(char *buf, size_t size, double n)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	size_t u = 0;

	while (n >= 1000 && u + 1 < sizeof(units) / sizeof(units[0])) {
		n /= 1000;
		u++;
	}
	snprintf(buf, size, "%.3g %s", n, units[u]);
}

/* One line of `images`: NAME (NAME:TAG, or <none>), then the image's columns. */
struct image_row {
	char name[256];
	char line[128];
};

static int row_cmp(const void *a, const void *b)
{
	const struct image_row *x = a, *y = b;
	int xnone = x->name[0] == '<', ynone = y->name[0] == '<';

	return xnone != ynone ? xnone - ynone : strcmp(x->name, y->name);
}

/* Append the rows of one image (one per name, as podman lists them) to *rows. */
static int add_rows(struct json_object *img, struct image_row **rows, size_t *n, int quiet)
{
	struct json_object *names = NULL, *v;
	size_t count = 1, i;
	char ago[32], size[32];
	long long created = json_time_ns(img, "created");
	struct image_row *r;

	if (json_object_object_get_ex(img, "names", &names) && json_object_array_length(names))
		count = json_object_array_length(names);
	if (quiet) /* -q: one line per image */
		count = 1;
	if (!(r = realloc(*rows, (*n + count) * sizeof(*r))))
		return CTR_E_NOMEM;
	*rows = r;
	human_duration(ago, sizeof(ago), created);
	if (created)
		strcat(ago, " ago");
	else
		ago[0] = '\0';
	human_size(size, sizeof(size),
		   json_object_object_get_ex(img, "size", &v) ? json_object_get_double(v) : 0);
	for (i = 0; i < count; i++, (*n)++) {
		v = names && !quiet ? json_object_array_get_idx(names, i) : NULL;
		snprintf(r[*n].name, sizeof(r[*n].name), "%s", v ? json_object_get_string(v)
								   : "<none>");
		if (quiet)
			snprintf(r[*n].line, sizeof(r[*n].line), "%.12s", json_str(img, "id", ""));
		else
			snprintf(r[*n].line, sizeof(r[*n].line), "%-12.12s  %-20s  %s",
				 json_str(img, "id", ""), ago, size);
	}
	return 0;
}

/* images [-q]: a table, one line per name (an image without a name: <none>), sorted by
 * name; -q: the ids only, one per image. */
int cmd_images(struct cli *cli, int argc, char **argv)
{
	int quiet = argc == 2 && !strcmp(argv[1], "-q"), rc = 0;
	struct image_row *rows = NULL;
	char **ids = NULL;
	size_t n = 0, nids = 0;

	if (argc > 2 || (argc == 2 && !quiet))
		return usage(stderr);
	if (ctr_image_list(cli->rt, &ids, &nids) < 0)
		return fail("images");
	for (size_t i = 0; i < nids && rc == 0; i++) {
		struct json_object *img = NULL;
		char *json = NULL;
		int r = ctr_image_inspect(cli->rt, ids[i], &json);
		if (r == CTR_E_NOENT) /* removed since the list was made */
			continue;
		if (r < 0)
			rc = fail("images");
		else if (!(img = json_tokener_parse(json)) || add_rows(img, &rows, &n, quiet) < 0)
			rc = 125, fprintf(stderr, "ctr-run: images: %s\n",
					  img ? "out of memory" : "the library's JSON does not parse");
		json_object_put(img);
		ctr_free(json);
	}
	qsort(rows, n, sizeof(*rows), row_cmp);
	if (!quiet && rc == 0)
		printf("%-40s  %-12s  %-20s  %s\n", "NAME", "IMAGE ID", "CREATED", "SIZE");
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (quiet)
			printf("%s\n", rows[i].line);
		else
			printf("%-40s  %s\n", rows[i].name, rows[i].line);
	}
	free(rows);
	ctr_strv_free(ids);
	return rc;
}

/* Whether the array names holds s. */
static int has_name(struct json_object *names, const char *s)
{
	for (size_t i = 0; names && i < json_object_array_length(names); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(names, i)), s))
			return 1;
	return 0;
}

/* Remove one image (or one of its names) and say what went, as podman rmi does:
 * "Untagged: NAME" for each name gone, "Deleted: ID" when the image went. */
static int remove_image(struct cli *cli, const char *ref)
{
	struct json_object *before = inspect_image(cli, "rmi", ref), *after = NULL;
	struct json_object *old_names = NULL, *new_names = NULL;
	char what[300], *json = NULL, *id;
	int r;

	if (!before)
		return 125;
	snprintf(what, sizeof(what), "rmi %s", ref);
	id = strdup(json_str(before, "id", ""));
	if (!id || ctr_image_remove(cli->rt, ref, 0) < 0) {
		json_object_put(before);
		free(id);
		return fail(what);
	}
	json_object_object_get_ex(before, "names", &old_names);
	if ((r = ctr_image_inspect(cli->rt, id, &json)) == 0 && (after = json_tokener_parse(json)))
		json_object_object_get_ex(after, "names", &new_names);
	for (size_t i = 0; old_names && i < json_object_array_length(old_names); i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(old_names, i));
		if (r == CTR_E_NOENT || (after && !has_name(new_names, name)))
			printf("Untagged: %s\n", name);
	}
	if (r == CTR_E_NOENT)
		printf("Deleted: %s\n", id);
	json_object_put(before);
	json_object_put(after);
	ctr_free(json);
	free(id);
	return 0;
}

/* rmi REF...: the status is the last failure's, else 0. */
int cmd_rmi(struct cli *cli, int argc, char **argv)
{
	int rc = argc < 2 ? usage(stderr) : 0;

	for (int i = 1; i < argc; i++) {
		int r = remove_image(cli, argv[i]);
		rc = r ? r : rc;
	}
	return rc;
}

/* tag REF NAME...: each NAME ("NAME[:TAG]") now names the image. */
int cmd_tag(struct cli *cli, int argc, char **argv)
{
	char what[300];

	if (argc < 3)
		return usage(stderr);
	for (int i = 2; i < argc; i++) {
		snprintf(what, sizeof(what), "tag %s %s", argv[1], argv[i]);
		if (ctr_image_tag(cli->rt, argv[1], argv[i]) < 0)
			return fail(what);
	}
	return 0;
}

/* image inspect REF...: each image's JSON, one per line. */
static int image_inspect(struct cli *cli, int argc, char **argv)
{
	int rc = argc < 2 ? usage(stderr) : 0;

	for (int i = 1; i < argc; i++) {
		char what[300], *json = NULL;
		snprintf(what, sizeof(what), "image inspect %s", argv[i]);
		if (ctr_image_inspect(cli->rt, argv[i], &json) < 0) {
			rc = fail(what);
			continue;
		}
		printf("%s\n", json);
		ctr_free(json);
	}
	return rc;
}

/* image SUBCOMMAND [ARGS]: inspect, and podman's other names of the commands above. */
int cmd_image(struct cli *cli, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct cli *, int, char **);
	} subs[] = {
		{ "inspect", image_inspect }, { "pull", cmd_pull }, { "load", cmd_load },
		{ "ls", cmd_images },	      { "list", cmd_images }, { "rm", cmd_rmi },
		{ "tag", cmd_tag },
	};

	for (size_t i = 0; argc > 1 && i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].fn(cli, argc - 1, argv + 1);
	if (argc > 1)
		fprintf(stderr, "ctr-run: unknown command image %s\n", argv[1]);
	return usage(stderr);
}
