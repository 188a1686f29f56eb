/* Helpers of the image suites (test_images.c defines them). */
#ifndef CTR_IMAGE_TEST_H
#define CTR_IMAGE_TEST_H

#include <json-c/json.h>
#include <stddef.h>

#include "ctr/ctr.h"

/* CTR_TEST_IMAGES/leaf (tests/fixtures/mkimages.sh), asserted to exist; thread-local. */
const char *img_fixture(const char *leaf);
/* Import a fixture with an optional name, asserting success; the id (malloc'd). */
char *img_import(ctr_runtime_t *rt, const char *leaf, const char *name);
/* ctr_image_inspect parsed, asserting success (json_object_put it). */
json_object *img_inspect(ctr_runtime_t *rt, const char *ref);
/* Entries of a directory (0 when it is missing). */
int img_count_dir(const char *path);
/* Entries of it_base()'s state/layers and state/images/tmp. */
int img_layer_dirs(void);
int img_tmp_entries(void);
/* How many images ctr_image_list gives. */
size_t img_count(ctr_runtime_t *rt);

#endif
