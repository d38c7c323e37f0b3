/* libFuzzer target: kubeconfig files (agent/apply/kubeconfig.c), with and without a --context. The first byte
 * chooses the context ("default", "b", or current-context); the rest is the file. */
#include <stddef.h>
#include <stdint.h>

#include "../../agent/apply/kubeconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const contexts[] = {NULL, "default", "b"};
	struct pn_kubeconfig *kc = NULL;

	if (size == 0)
		return 0;
	if (pn_kubeconfig_parse((const char *)data + 1, size - 1, "fuzz.yaml", contexts[data[0] % 3], &kc) == NULL)
		pn_kubeconfig_free(kc);
	return 0;
}
