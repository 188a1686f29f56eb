/* libFuzzer target: the image JSON parsers (record/image_json.c) on any bytes, read as an
 * image index (index.json, manifest lists), an image manifest, an image config and its
 * process defaults, and a docker-archive manifest.json. Each must fail cleanly with a
 * message or give consistent results. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctr/ctr.h"
#include "digest.h"
#include "image_format.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must_have_message(int r)
{
	if (r < 0 && !ctr_last_error()[0])
		abort();
}

static void check_descs(const struct ctri_image_desc *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!ctri_is_sha256_hex(d[i].hex) || d[i].size < 0)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_object *doc = NULL, *arr = NULL;
	struct ctri_image_desc *d = NULL, cfg;
	size_t n = 0;
	char(*diff)[65] = NULL;
	long long created;
	struct ctri_image_process p;
	int r;

	r = ctri_image_json_parse("fuzz", (const char *)data, size, json_type_array, &arr);
	must_have_message(r);
	json_object_put(arr);
	r = ctri_image_json_parse("fuzz", (const char *)data, size, json_type_object, &doc);
	must_have_message(r);
	if (r < 0)
		return 0;
	r = ctri_image_index_parse(doc, "fuzz", &d, &n);
	must_have_message(r);
	if (r == 0)
		check_descs(d, n);
	ctri_image_descs_free(d, n);
	r = ctri_image_manifest_parse(doc, "fuzz", &cfg, &d, &n);
	must_have_message(r);
	if (r == 0) {
		check_descs(&cfg, 1);
		check_descs(d, n);
		ctri_image_desc_clear(&cfg);
		ctri_image_descs_free(d, n);
	}
	r = ctri_image_config_parse(doc, "fuzz", &diff, &n, &created);
	must_have_message(r);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (!ctri_is_sha256_hex(diff[i]))
			abort();
	free(diff);
	r = ctri_image_config_process(doc, &p);
	must_have_message(r);
	if (r == 0) {
		if (!p.env || !p.entrypoint || !p.cmd || !p.labels || !p.exposed_ports)
			abort();
		for (char **e = p.env; *e; e++)
			if (!strchr(*e, '=') || **e == '=')
				abort();
		if (ctri_strv_len((const char *const *)p.labels) % 2)
			abort();
		ctri_image_process_free(&p);
	}
	json_object_put(doc);
	return 0;
}
