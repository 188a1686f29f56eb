/* libFuzzer target: ctr_config_from_json() on any text must fail cleanly or give a config
 * whose JSON form reads back to the same JSON form, and from which a spec can be built
 * (spec overrides exercise the merge patch). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctr/ctr.h"
#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* to_json(from_json(text)) must succeed and be a fixed point. */
static void check_round_trip(const ctr_config_t *cfg)
{
	ctr_config_t *again = NULL;
	char *first = NULL, *second = NULL;

	if (ctr_config_to_json(cfg, &first) < 0)
		abort();
	if (ctr_config_from_json(first, &again) < 0)
		abort(); /* the library refuses its own output */
	if (ctr_config_to_json(again, &second) < 0)
		abort();
	if (strcmp(first, second))
		abort(); /* the round trip is not stable */
	ctr_free(first);
	ctr_free(second);
	ctr_config_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	ctr_config_t *cfg = NULL;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (ctr_config_from_json(text, &cfg) == 0) {
		json_object *spec = NULL;
		check_round_trip(cfg);
		/* Fails cleanly (CTR_E_INVAL) without rootfs or args. */
		if (ctri_spec_build(cfg, "fuzz", &spec) == 0 && !spec)
			abort();
		json_object_put(spec);
		ctr_config_free(cfg);
	} else if (!ctr_last_error()[0]) {
		abort(); /* a failure without a message */
	}
	free(text);
	return 0;
}
