/* libFuzzer target: the pack stream push parser (agent/source/pack.c). The first byte picks the size of the
 * pieces the rest is pushed in; objects are capped at 1 MiB so that size claims cannot exhaust the fuzzer. */
#include <stddef.h>
#include <stdint.h>

#include "../../agent/source/pack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pn_pack_limits limits;
	struct pn_pack *p;
	size_t off = 1, piece;

	if (size < 1)
		return 0;
	piece = (size_t)data[0] * 8 + 1;
	pn_pack_limits_default(&limits);
	limits.max_object = 1 << 20;
	if (pn_pack_new(&limits, NULL, &p) != NULL)
		return 0;
	while (off < size) {
		size_t n = size - off < piece ? size - off : piece;

		if (pn_pack_push(p, data + off, n) != NULL)
			break;
		off += n;
	}
	(void)pn_pack_finish(p);
	pn_pack_free(p);
	return 0;
}
