/* libFuzzer target: strategic merge patch (agent/render/smp.c). The input is YAML: the first document is the
 * target, the second the patch, the third (if any) a second patch applied after the first. */
#include <stddef.h>
#include <stdint.h>

#include "../../agent/render/smp.h"
#include "../../agent/render/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pn_yaml_docs d;
	size_t i;

	if (pn_yaml_parse("fuzz.yaml", data, size, NULL, &d) != NULL)
		return 0;
	for (i = 1; i < d.n && i < 3; i++)
		if (pn_smp_apply(d.v[0].root, d.v[i].root, "fuzz", NULL) != NULL)
			break;
	pn_yaml_docs_release(&d);
	return 0;
}
