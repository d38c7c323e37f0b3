/* libFuzzer target: delta application (agent/source/delta.c). The first byte is the length of the base that
 * follows it; the rest is the delta. The output is capped at 1 MiB. */
#include <stddef.h>
#include <stdint.h>

#include "../../agent/source/delta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pn_buf out;
	size_t base_len;

	if (size < 1)
		return 0;
	base_len = data[0];
	if (base_len > size - 1)
		base_len = size - 1;
	pn_buf_init(&out, 1 << 20, "result");
	(void)pn_delta_apply(data + 1, base_len, data + 1 + base_len, size - 1 - base_len, &out);
	pn_buf_release(&out);
	return 0;
}
