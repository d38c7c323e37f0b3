/* libFuzzer target: discovery documents (agent/apply/discovery.c): an APIResourceList for a group/version and
 * an APIGroupList. */
#include <stddef.h>
#include <stdint.h>

#include "../../agent/apply/discovery.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pn_discovery_list l;
	char **gvs = NULL;
	size_t n = 0;

	if (pn_discovery_parse_list((const char *)data, size, "apps/v1", &l) == NULL)
		pn_discovery_list_release(&l);
	if (pn_discovery_parse_groups((const char *)data, size, &gvs, &n) == NULL)
		pn_discovery_groups_free(gvs, n);
	return 0;
}
