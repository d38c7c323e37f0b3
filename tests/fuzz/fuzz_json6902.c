/* libFuzzer target: JSON 6902 patches (agent/render/json6902.c). The input is YAML: the first document is the
 * target, the second the list of operations. */
#include <stddef.h>
#include <stdint.h>

#include "../../agent/render/json6902.h"
#include "../../agent/render/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pn_yaml_docs d;

	if (pn_yaml_parse("fuzz.yaml", data, size, NULL, &d) != NULL)
		return 0;
	if (d.n >= 2)
		(void)pn_json6902_apply(d.v[0].root, d.v[1].root, "fuzz");
	pn_yaml_docs_release(&d);
	return 0;
}
