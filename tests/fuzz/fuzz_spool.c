/* libFuzzer target: the spool's document decoder (agent/render/spool.c). The input is one record as the spool
 * file holds it. A record that decodes must encode back to exactly the same bytes (the encoding is canonical),
 * and its printed form must not crash the YAML writer. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../agent/render/spool.h"
#include "../../agent/render/yamlout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pn_buf b;
	cJSON *v;

	if (pn_spool_decode(data, size, &v) != NULL)
		return 0;
	pn_buf_init(&b, PN_SPOOL_MAX_DOC, "fuzz");
	if (pn_spool_encode(v, &b) != NULL || b.len != size || memcmp(b.data, data, size) != 0)
		__builtin_trap();
	pn_buf_reset(&b);
	pn_yamlout_doc(v, &b);
	pn_buf_release(&b);
	cJSON_Delete(v);
	return 0;
}
