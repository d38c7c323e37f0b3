/* libFuzzer target for the YAML reader: the input is pushed in two parts (the first byte says where to cut),
 * every document is printed as JSON, then freed. */
#include <stddef.h>
#include <stdint.h>

#include "../../agent/render/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pn_yaml *y;
	struct pn_yaml_doc d;
	struct pn_buf b;
	size_t cut = size > 0 ? data[0] % (size + 1) : 0;

	if (pn_yaml_new("fuzz.yaml", NULL, &y) != NULL)
		return 0;
	pn_buf_init(&b, (size_t)1 << 24, "json");
	if (pn_yaml_push(y, data, cut) == NULL && pn_yaml_push(y, data + cut, size - cut) == NULL)
		pn_yaml_finish(y);
	while (pn_yaml_next(y, &d)) {
		pn_yaml_to_json(d.root, &b);
		pn_buf_reset(&b);
		cJSON_Delete(d.root);
	}
	pn_buf_release(&b);
	pn_yaml_free(y);
	return 0;
}
