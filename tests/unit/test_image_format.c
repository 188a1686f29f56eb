/* record/image_format.c and image_json.c: the images of OCI layouts and docker-archives
 * made by independent tools (tests/fixtures/mkimages.sh: umoci, skopeo, podman), and of
 * tampered or hostile copies of them. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "image_format.h"
#include "tar.h"
#include "tests.h"
#include "testutil.h"
#include "util.h"

/* The fixtures: $CTR_TEST_IMAGES (make check-unit keeps them in the build tree), else
 * built once per test case in a temporary directory. NULL: a tool is missing (skip). */
static char images[4096];
static int images_temp, images_missing;

static void images_build(void)
{
	const char *env = getenv("CTR_TEST_IMAGES");
	char cmd[8192];
	int st;

	images_missing = 0;
	if (env && *env) {
		snprintf(images, sizeof(images), "%s", env);
		images_temp = 0;
	} else {
		const char *tmp = getenv("TMPDIR");
		snprintf(images, sizeof(images), "%s/ctr-images-XXXXXX",
			 tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(images))
			abort();
		images_temp = 1;
	}
	snprintf(cmd, sizeof(cmd), "tests/fixtures/mkimages.sh '%s' >&2", images);
	st = system(cmd);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		/* 3: a tool is missing (the script said which); anything else is a failure the
		 * tests report by failing on the missing files. */
		images_missing = WIFEXITED(st) && WEXITSTATUS(st) == 3;
	}
}

static void images_remove(void)
{
	if (images_temp)
		tu_rm_rf(images);
}

#define NEED_IMAGES()                                                                              \
	do {                                                                                       \
		if (images_missing) {                                                              \
			printf("skipped %s: a tool of mkimages.sh is missing\n", __func__);        \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/* A writable copy of fixture name (a directory) under the test's base: its path. */
static char *copy_of(const char *name)
{
	char *dst = tu_path(name), cmd[8192];

	snprintf(cmd, sizeof(cmd), "cp -a '%s/%s' '%s'", images, name, dst);
	ck_assert_int_eq(system(cmd), 0);
	return dst;
}

/* Archive fixture name extracted as the public API does: its directory. */
static char *extracted(const char *name)
{
	char src[4200], *dst = tu_path(name);

	snprintf(src, sizeof(src), "%s/%s", images, name);
	TU_OK(ctri_tar_extract(src, dst, NULL, "test"));
	return dst;
}

static struct ctri_image_set *read_ok(const char *dir)
{
	struct ctri_image_set *set = NULL;

	TU_OK(ctri_image_read(dir, &set));
	ck_assert_ptr_nonnull(set);
	return set;
}

static void write_text(const char *dir, const char *rel, const char *text)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	unlink(path); /* blobs are read-only */
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

/* Store text as a blob of layout dir; its hex in out. */
static void put_blob(const char *dir, const char *text, char out[65])
{
	char rel[96];

	ctri_sha256_buf(text, strlen(text), out);
	snprintf(rel, sizeof(rel), "blobs/sha256/%s", out);
	write_text(dir, rel, text);
}

/* The digest hex and size of index.json's first manifest in layout dir. */
static void first_manifest(const char *dir, char hex[65], long long *size)
{
	char path[4200];
	json_object *idx, *m;

	snprintf(path, sizeof(path), "%s/index.json", dir);
	ck_assert_ptr_nonnull(idx = json_object_from_file(path));
	m = json_object_array_get_idx(json_object_object_get(idx, "manifests"), 0);
	snprintf(hex, 65, "%s", json_object_get_string(json_object_object_get(m, "digest")) + 7);
	*size = json_object_get_int64(json_object_object_get(m, "size"));
	json_object_put(idx);
}

/* The parsed blob hex of layout dir (the caller puts it). */
static json_object *blob_json(const char *dir, const char *hex)
{
	char path[4200];
	json_object *o;

	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, hex);
	ck_assert_ptr_nonnull(o = json_object_from_file(path));
	return o;
}

/* index.json of dir: one entry per (hex, size, ref) triple, refs may be NULL. */
static void write_index(const char *dir, const char *media_type, int n, const char *const *hex,
			const long long *size, const char *const *ref)
{
	char buf[8192];
	size_t off = 0;

	off += (size_t)snprintf(buf, sizeof(buf), "{\"schemaVersion\":2,\"manifests\":[");
	for (int i = 0; i < n; i++) {
		off += (size_t)snprintf(
		    buf + off, sizeof(buf) - off,
		    "%s{\"mediaType\":\"%s\",\"digest\":\"sha256:%s\",\"size\":%lld", i ? "," : "",
		    media_type, hex[i], size[i]);
		if (ref[i])
			off += (size_t)snprintf(
			    buf + off, sizeof(buf) - off,
			    ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"%s\"}",
			    ref[i]);
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "}");
	}
	snprintf(buf + off, sizeof(buf) - off, "]}");
	write_text(dir, "index.json", buf);
}

#define OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_INDEX    "application/vnd.oci.image.index.v1+json"

/* The oci/ fixture's image: its id, for comparisons across formats. */
static void oci_id(char out[65])
{
	char dir[4200];
	struct ctri_image_set *set;

	snprintf(dir, sizeof(dir), "%s/oci", images);
	set = read_ok(dir);
	memcpy(out, set->images[0].id, 65);
	ctri_image_set_free(set);
}

START_TEST(test_an_oci_layout_gives_its_image_layers_and_config)
{
	NEED_IMAGES();
	char dir[4200], cfg[4300], hex[65];
	struct ctri_image_set *set;
	struct ctri_image_process p;

	snprintf(dir, sizeof(dir), "%s/oci", images);
	set = read_ok(dir);
	ck_assert_uint_eq(set->n, 1);
	struct ctri_image *im = &set->images[0];
	ck_assert_ptr_null(im->names[0]); /* ref.name "1.0" is a bare tag */
	snprintf(cfg, sizeof(cfg), "%s/blobs/sha256/%s", dir, im->id);
	TU_OK(ctri_sha256_file(cfg, hex, NULL));
	ck_assert_str_eq(hex, im->id);
	ck_assert_uint_eq(im->n_layers, 3);
	for (size_t i = 0; i < 3; i++) {
		struct stat st;
		ck_assert(ctri_is_sha256_hex(im->layers[i].blob_hex));
		ck_assert(ctri_is_sha256_hex(im->layers[i].diff_hex));
		ck_assert_str_eq(im->layers[i].media_type,
				 "application/vnd.oci.image.layer.v1.tar+gzip");
		ck_assert_int_eq(stat(im->layers[i].blob, &st), 0);
		ck_assert_int_eq(st.st_size, im->layers[i].size);
		ck_assert(strstr(im->layers[i].blob, im->layers[i].blob_hex));
	}
	ck_assert(im->created_ns > 1600000000LL * 1000000000LL);
	ck_assert_ptr_nonnull(im->config);

	TU_OK(ctri_image_config_process(im->config, &p));
	ck_assert_str_eq(p.env[0], "FOO=bar");
	ck_assert_str_eq(p.env[1], "PATH=/bin:/usr/bin");
	ck_assert_ptr_null(p.env[2]);
	ck_assert_str_eq(p.entrypoint[0], "/bin/sh");
	ck_assert_str_eq(p.entrypoint[1], "-c");
	ck_assert_ptr_null(p.entrypoint[2]);
	ck_assert_str_eq(p.cmd[0], "echo hello from $FOO");
	ck_assert_ptr_null(p.cmd[1]);
	ck_assert_str_eq(p.working_dir, "/data");
	ck_assert_str_eq(p.user, "app");
	ck_assert_str_eq(p.stop_signal, "SIGUSR1");
	ck_assert_str_eq(p.labels[0], "org.example.test");
	ck_assert_str_eq(p.labels[1], "yes");
	ck_assert_ptr_null(p.labels[2]);
	ck_assert_str_eq(p.exposed_ports[0], "8080/tcp");
	ck_assert_ptr_null(p.exposed_ports[1]);
	ctri_image_process_free(&p);
	ctri_image_set_free(set);
}
END_TEST

START_TEST(test_archives_of_the_same_image_give_the_same_id_and_diff_ids)
{
	NEED_IMAGES();
	char dir[4200], id[65], diff[3][65];
	struct ctri_image_set *set;
	char *oa, *da;

	oci_id(id);
	snprintf(dir, sizeof(dir), "%s/oci", images);
	set = read_ok(dir);
	for (int i = 0; i < 3; i++)
		memcpy(diff[i], set->images[0].layers[i].diff_hex, 65);
	ctri_image_set_free(set);

	/* oci-archive: the same layout in a tar. */
	set = read_ok(oa = extracted("bb-oci.tar"));
	ck_assert_uint_eq(set->n, 1);
	ck_assert_str_eq(set->images[0].id, id);
	ctri_image_set_free(set);

	/* docker-archive by skopeo: uncompressed layers, no blob digest, named by RepoTags. */
	set = read_ok(da = extracted("bb-docker.tar"));
	ck_assert_uint_eq(set->n, 1);
	struct ctri_image *im = &set->images[0];
	ck_assert_str_eq(im->id, id);
	ck_assert_str_eq(im->names[0], "localhost/bb:1.0");
	ck_assert_ptr_null(im->names[1]);
	ck_assert_uint_eq(im->n_layers, 3);
	for (int i = 0; i < 3; i++) {
		char h[65];
		long long size;
		ck_assert_str_eq(im->layers[i].blob_hex, "");
		ck_assert_ptr_null(im->layers[i].media_type);
		ck_assert_str_eq(im->layers[i].diff_hex, diff[i]);
		TU_OK(ctri_sha256_file(im->layers[i].blob, h, &size));
		ck_assert_str_eq(h, diff[i]);
		ck_assert_int_eq(size, im->layers[i].size);
	}
	ctri_image_set_free(set);

	/* zstd and uncompressed layers: the same diff ids. */
	const char *variants[] = { "oci-zstd", "oci-plain" };
	const char *types[] = { "application/vnd.oci.image.layer.v1.tar+zstd",
				"application/vnd.oci.image.layer.v1.tar" };
	for (int v = 0; v < 2; v++) {
		snprintf(dir, sizeof(dir), "%s/%s", images, variants[v]);
		set = read_ok(dir);
		for (int i = 0; i < 3; i++) {
			ck_assert_str_eq(set->images[0].layers[i].media_type, types[v]);
			ck_assert_str_eq(set->images[0].layers[i].diff_hex, diff[i]);
			if (v == 1)
				ck_assert_str_eq(set->images[0].layers[i].blob_hex, diff[i]);
		}
		ctri_image_set_free(set);
	}
	free(oa);
	free(da);
}
END_TEST

START_TEST(test_podman_save_archives_give_each_image_with_its_names)
{
	NEED_IMAGES();
	struct ctri_image_set *set;
	struct ctri_image_process p;
	char *one, *multi, h[65];

	set = read_ok(one = extracted("podman.tar"));
	ck_assert_uint_eq(set->n, 1);
	ck_assert_str_eq(set->images[0].names[0], "localhost/imported:1");
	ck_assert_uint_eq(set->images[0].n_layers, 1);
	TU_OK(ctri_sha256_file(set->images[0].layers[0].blob, h, NULL));
	ck_assert_str_eq(h, set->images[0].layers[0].diff_hex);
	TU_OK(ctri_image_config_process(set->images[0].config, &p));
	ck_assert_str_eq(p.env[0], "FOO=bar");
	ck_assert_str_eq(p.cmd[0], "/bin/sh");
	ck_assert_ptr_null(p.entrypoint[0]);
	ck_assert_ptr_null(p.working_dir);
	ctri_image_process_free(&p);
	ctri_image_set_free(set);

	set = read_ok(multi = extracted("podman-multi.tar"));
	ck_assert_uint_eq(set->n, 2);
	ck_assert_str_eq(set->images[0].names[0], "localhost/imported:1");
	ck_assert_str_eq(set->images[1].names[0], "localhost/other:2");
	ck_assert_str_ne(set->images[0].id, set->images[1].id);
	ck_assert_str_eq(set->images[0].layers[0].diff_hex, set->images[1].layers[0].diff_hex);
	ctri_image_set_free(set);
	free(one);
	free(multi);
}
END_TEST

START_TEST(test_a_multi_image_layout_names_each_image_by_its_whole_reference)
{
	NEED_IMAGES();
	char dir[4200], id[65];
	struct ctri_image_set *set;

	oci_id(id);
	snprintf(dir, sizeof(dir), "%s/multi", images);
	set = read_ok(dir);
	ck_assert_uint_eq(set->n, 2);
	ck_assert_str_eq(set->images[0].id, id);
	ck_assert_str_eq(set->images[0].names[0], "localhost/bb:1.0");
	ck_assert_str_eq(set->images[1].names[0], "localhost/imported:1");
	ctri_image_set_free(set);
}
END_TEST

START_TEST(test_ref_names_that_are_bare_tags_name_nothing_and_duplicates_merge)
{
	NEED_IMAGES();
	char *dir = copy_of("oci"), hex[65];
	long long size;
	struct ctri_image_set *set;

	first_manifest(dir, hex, &size);
	const char *h[] = { hex, hex, hex, hex, hex };
	const long long s[] = { size, size, size, size, size };
	const char *refs[] = { "latest", "bb", "localhost/x:2", "Not A Ref", "y:1" };
	write_index(dir, OCI_MANIFEST, 5, h, s, refs);
	set = read_ok(dir);
	ck_assert_uint_eq(set->n, 1);
	ck_assert_str_eq(set->images[0].names[0], "localhost/x:2");
	ck_assert_str_eq(set->images[0].names[1], "y:1");
	ck_assert_ptr_null(set->images[0].names[2]);
	ctri_image_set_free(set);
	free(dir);
}
END_TEST

START_TEST(test_a_tampered_or_resized_blob_is_refused_naming_its_digest)
{
	NEED_IMAGES();
	char *dir = copy_of("oci"), path[4300], want[80];
	struct ctri_image_set *set = NULL;
	char *text;
	size_t len;
	FILE *f;

	set = read_ok(dir);
	char id[65], layer[65];
	memcpy(id, set->images[0].id, 65);
	memcpy(layer, set->images[0].layers[1].blob_hex, 65);
	ctri_image_set_free(set);

	/* One byte of the config flipped: same size, another sha256. */
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, id);
	TU_OK(ctri_read_file(path, 1 << 20, &text, &len) ? -1 : 0);
	text[len / 2] ^= 1;
	write_text(dir, path + strlen(dir) + 1, text);
	free(text);
	TU_FAILS(ctri_image_read(dir, &set), CTR_E_INVAL);
	snprintf(want, sizeof(want), "sha256:%s", id);
	TU_SAYS(want);
	TU_SAYS("mismatch");
	ck_assert_ptr_null(set);

	/* The config restored but a byte longer: the size is wrong. */
	text = NULL;
	TU_OK(ctri_read_file(path, 1 << 20, &text, &len) ? -1 : 0);
	text[len / 2] ^= 1;
	write_text(dir, path + strlen(dir) + 1, text);
	ck_assert_ptr_nonnull(f = fopen(path, "a"));
	fputc('\n', f);
	fclose(f);
	free(text);
	TU_FAILS(ctri_image_read(dir, &set), CTR_E_INVAL);
	TU_SAYS(want);
	TU_SAYS("bytes");
	/* A fresh copy for the layers. */
	tu_rm_rf(dir);
	free(dir);
	dir = copy_of("oci");

	/* A layer blob a byte longer than its descriptor. */
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, layer);
	chmod(path, 0644);
	ck_assert_ptr_nonnull(f = fopen(path, "a"));
	fputc(0, f);
	fclose(f);
	TU_FAILS(ctri_image_read(dir, &set), CTR_E_INVAL);
	snprintf(want, sizeof(want), "sha256:%s", layer);
	TU_SAYS(want);

	/* A missing layer blob. */
	unlink(path);
	TU_FAILS(ctri_image_read(dir, &set), CTR_E_INVAL);
	TU_SAYS("missing");
	free(dir);
}
END_TEST

START_TEST(test_an_unknown_directory_is_not_an_image)
{
	struct ctri_image_set *set = NULL;
	char *dir = tu_path("empty");

	ck_assert_int_eq(mkdir(dir, 0700), 0);
	TU_FAILS(ctri_image_read(dir, &set), CTR_E_INVAL);
	TU_SAYS("not an OCI layout or docker-archive: ");
	TU_SAYS(dir);
	write_text(dir, "oci-layout", "{\"imageLayoutVersion\":\"2.0.0\"}");
	TU_FAILS(ctri_image_read(dir, &set), CTR_E_INVAL);
	TU_SAYS("2.0.0");
	write_text(dir, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
	write_text(dir, "index.json", "{\"manifests\":[]}");
	TU_FAILS(ctri_image_read(dir, &set), CTR_E_INVAL);
	TU_SAYS("no image");
	write_text(dir, "index.json", "[1,2");
	TU_FAILS(ctri_image_read(dir, &set), CTR_E_INVAL);
	TU_SAYS("index.json: not valid JSON");
	free(dir);
}
END_TEST

/* An index blob of two platform entries (other first) over the fixture's manifest. */
START_TEST(test_a_nested_index_gives_the_host_platform_image)
{
	NEED_IMAGES();
	char *dir = copy_of("oci"), mhex[65], ihex[65], id[65], buf[2048];
	const char *host = ctri_image_host_arch();
	const char *other = strcmp(host, "s390x") ? "s390x" : "amd64";
	long long msize;
	struct ctri_image_set *set = NULL;

	oci_id(id);
	first_manifest(dir, mhex, &msize);
	snprintf(buf, sizeof(buf),
		 "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":["
		 "{\"mediaType\":\"%s\",\"digest\":\"sha256:%064d\",\"size\":5,"
		 "\"platform\":{\"os\":\"linux\",\"architecture\":\"%s\"}},"
		 "{\"mediaType\":\"%s\",\"digest\":\"sha256:%s\",\"size\":%lld,"
		 "\"platform\":{\"os\":\"linux\",\"architecture\":\"%s\",\"variant\":\"v8\"}}]}",
		 OCI_INDEX, OCI_MANIFEST, 0, other, OCI_MANIFEST, mhex, msize, host);
	put_blob(dir, buf, ihex);
	const char *h[] = { ihex };
	const long long s[] = { (long long)strlen(buf) };
	const char *refs[] = { "localhost/multiarch:1" };
	write_index(dir, OCI_INDEX, 1, h, s, refs);
	set = read_ok(dir);
	ck_assert_uint_eq(set->n, 1);
	ck_assert_str_eq(set->images[0].id, id);
	ck_assert_str_eq(set->images[0].names[0], "localhost/multiarch:1");
	ctri_image_set_free(set);
	set = NULL;

	/* No entry for this host. */
	snprintf(buf, sizeof(buf),
		 "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"%s\",\"digest\":"
		 "\"sha256:%s\",\"size\":%lld,\"platform\":{\"os\":\"linux\",\"architecture\":\"%"
		 "s\"}}]}",
		 OCI_MANIFEST, mhex, msize, other);
	put_blob(dir, buf, ihex);
	const long long s2[] = { (long long)strlen(buf) };
	write_index(dir, OCI_INDEX, 1, h, s2, refs);
	TU_FAILS(ctri_image_read(dir, &set), CTR_E_INVAL);
	TU_SAYS("no image for linux/");
	TU_SAYS(host);
	free(dir);
}
END_TEST

/* A manifest written here over the fixture's config and layers, with changes. */
static void rewrite_manifest(const char *dir, void (*edit)(json_object *m))
{
	char mhex[65], nhex[65];
	long long msize;
	json_object *m;

	first_manifest(dir, mhex, &msize);
	m = blob_json(dir, mhex);
	edit(m);
	const char *text = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN);
	put_blob(dir, text, nhex);
	const char *h[] = { nhex };
	const long long s[] = { (long long)strlen(text) };
	const char *refs[] = { NULL };
	write_index(dir, OCI_MANIFEST, 1, h, s, refs);
	json_object_put(m);
}

static void make_foreign(json_object *m)
{
	json_object *l = json_object_array_get_idx(json_object_object_get(m, "layers"), 1);
	json_object_object_add(
	    l, "mediaType",
	    json_object_new_string("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"));
}

static void drop_layer(json_object *m)
{
	json_object_array_del_idx(json_object_object_get(m, "layers"), 2, 1);
}

static void odd_config(json_object *m)
{
	json_object_object_add(json_object_object_get(m, "config"), "mediaType",
			       json_object_new_string("application/vnd.cncf.helm.config.v1+json"));
}

START_TEST(test_foreign_layers_other_configs_and_missing_layers_are_refused)
{
	NEED_IMAGES();
	char *dir = copy_of("oci");
	struct ctri_image_set *set = NULL;

	rewrite_manifest(dir, make_foreign);
	TU_FAILS(ctri_image_read(dir, &set), CTR_E_INVAL);
	TU_SAYS("foreign");
	free(dir);
	tu_rm_rf(dir = tu_path("oci"));
	free(dir);
	dir = copy_of("oci");
	rewrite_manifest(dir, drop_layer);
	TU_FAILS(ctri_image_read(dir, &set), CTR_E_INVAL);
	TU_SAYS("2 layers but 3 diff ids");
	free(dir);
	tu_rm_rf(dir = tu_path("oci"));
	free(dir);
	dir = copy_of("oci");
	rewrite_manifest(dir, odd_config);
	TU_FAILS(ctri_image_read(dir, &set), CTR_E_INVAL);
	TU_SAYS("helm");
	free(dir);
}
END_TEST

/* The manifest.json of an extracted docker-archive, with one entry's field replaced. */
static void docker_manifest_set(const char *dir, const char *key, json_object *val)
{
	char path[4200];
	json_object *m;

	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	ck_assert_ptr_nonnull(m = json_object_from_file(path));
	json_object_object_add(json_object_array_get_idx(m, 0), key, val);
	write_text(dir, "manifest.json", json_object_to_json_string(m));
	json_object_put(m);
}

START_TEST(test_docker_archive_paths_stay_inside_and_configs_match_their_names)
{
	NEED_IMAGES();
	char *dir = extracted("bb-docker.tar"), id[65], path[4300], path2[4300], name[80];
	struct ctri_image_set *set = NULL;
	const char *hostile[] = { "../x", "/etc/passwd", "./a.tar", "a//b" };

	set = read_ok(dir);
	memcpy(id, set->images[0].id, 65);
	ctri_image_set_free(set);
	set = NULL;
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		json_object *l = json_object_new_array();
		for (int k = 0; k < 3; k++) /* as many as the diff ids */
			json_object_array_add(l, json_object_new_string(hostile[i]));
		docker_manifest_set(dir, "Layers", l);
		TU_FAILS(ctri_image_read(dir, &set), CTR_E_INVAL);
		TU_SAYS(hostile[i]);
	}
	/* The legacy <id>/layer.tar symbolic links are not followed. */
	{
		char cmd[9000];
		snprintf(cmd, sizeof(cmd), "cd '%s' && ls */layer.tar | head -n1 > link.txt", dir);
		ck_assert_int_eq(system(cmd), 0);
	}
	snprintf(path, sizeof(path), "%s/link.txt", dir);
	char *link = NULL;
	size_t len;
	TU_OK(ctri_read_file(path, 4096, &link, &len) ? -1 : 0);
	link[strcspn(link, "\n")] = '\0';
	json_object *l = json_object_new_array();
	json_object_array_add(l, json_object_new_string(link));
	json_object_array_add(l, json_object_new_string(link));
	json_object_array_add(l, json_object_new_string(link));
	docker_manifest_set(dir, "Layers", l);
	TU_FAILS(ctri_image_read(dir, &set), CTR_E_INVAL);
	TU_SAYS("symbolic link");
	free(link);

	/* The config under another digest's name. */
	snprintf(path, sizeof(path), "%s/%s.json", dir, id);
	snprintf(name, sizeof(name), "%064d.json", 7);
	snprintf(path2, sizeof(path2), "%s/%s", dir, name);
	ck_assert_int_eq(rename(path, path2), 0);
	docker_manifest_set(dir, "Config", json_object_new_string(name));
	TU_FAILS(ctri_image_read(dir, &set), CTR_E_INVAL);
	TU_SAYS("digest mismatch");
	TU_SAYS(id);
	free(dir);
}
END_TEST

START_TEST(test_docker_archive_repo_tags_must_be_references)
{
	NEED_IMAGES();
	char *dir = extracted("podman.tar");
	struct ctri_image_set *set = NULL;
	json_object *tags = json_object_new_array();

	json_object_array_add(tags, json_object_new_string("Bad:Tag"));
	docker_manifest_set(dir, "RepoTags", tags);
	TU_FAILS(ctri_image_read(dir, &set), CTR_E_INVAL);
	TU_SAYS("Bad:Tag");
	docker_manifest_set(dir, "RepoTags", NULL);
	set = read_ok(dir);
	ck_assert_ptr_null(set->images[0].names[0]);
	ctri_image_set_free(set);
	free(dir);
}
END_TEST

START_TEST(test_config_process_fields_are_checked)
{
	struct ctri_image_process p;
	json_object *c;

	c = json_tokener_parse("{\"config\":{\"Env\":[\"A=1\",\"B\"]}}");
	TU_FAILS(ctri_image_config_process(c, &p), CTR_E_INVAL);
	TU_SAYS("Env[1]");
	json_object_put(c);
	c = json_tokener_parse("{\"config\":{\"Cmd\":\"sh\"}}");
	TU_FAILS(ctri_image_config_process(c, &p), CTR_E_INVAL);
	TU_SAYS("Cmd");
	json_object_put(c);
	c = json_tokener_parse("{\"config\":{\"Labels\":{\"a\":1}}}");
	TU_FAILS(ctri_image_config_process(c, &p), CTR_E_INVAL);
	TU_SAYS("Labels");
	json_object_put(c);
	c = json_tokener_parse("{\"config\":{\"Cmd\":null,\"Entrypoint\":null,\"User\":\"\"}}");
	TU_OK(ctri_image_config_process(c, &p));
	ck_assert_ptr_null(p.cmd[0]);
	ck_assert_ptr_null(p.entrypoint[0]);
	ck_assert_ptr_null(p.env[0]);
	ck_assert_ptr_null(p.user);
	ck_assert_ptr_null(p.labels[0]);
	ctri_image_process_free(&p);
	json_object_put(c);
	c = json_tokener_parse("{}");
	TU_OK(ctri_image_config_process(c, &p));
	ctri_image_process_free(&p);
	json_object_put(c);
}
END_TEST

Suite *suite_image_format(void)
{
	Suite *s = suite_create("image_format");
	TCase *tc = tcase_create("image_format");

	tu_add_fixtures(tc, NULL);
	tcase_add_unchecked_fixture(tc, images_build, images_remove);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_an_oci_layout_gives_its_image_layers_and_config);
	tcase_add_test(tc, test_archives_of_the_same_image_give_the_same_id_and_diff_ids);
	tcase_add_test(tc, test_podman_save_archives_give_each_image_with_its_names);
	tcase_add_test(tc, test_a_multi_image_layout_names_each_image_by_its_whole_reference);
	tcase_add_test(tc, test_ref_names_that_are_bare_tags_name_nothing_and_duplicates_merge);
	tcase_add_test(tc, test_a_tampered_or_resized_blob_is_refused_naming_its_digest);
	tcase_add_test(tc, test_an_unknown_directory_is_not_an_image);
	tcase_add_test(tc, test_a_nested_index_gives_the_host_platform_image);
	tcase_add_test(tc, test_foreign_layers_other_configs_and_missing_layers_are_refused);
	tcase_add_test(tc, test_docker_archive_paths_stay_inside_and_configs_match_their_names);
	tcase_add_test(tc, test_docker_archive_repo_tags_must_be_references);
	tcase_add_test(tc, test_config_process_fields_are_checked);
	suite_add_tcase(s, tc);
	return s;
}
