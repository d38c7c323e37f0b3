/* libFuzzer target: the HTTP/1.1 response parser (agent/net/httpparse.c). The first byte picks HEAD or not and
 * the size of the pieces the rest is pushed in; end of input is end of file. */
#include <stddef.h>
#include <stdint.h>

#include "../../agent/net/httpparse.h"

static const struct pn_error *
sink(void *ctx, const void *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pn_httpparse p;
	size_t off = 1, piece, used;

	if (size < 1)
		return 0;
	piece = (size_t)(data[0] >> 1) + 1;
	pn_httpparse_init(&p, 0, data[0] & 1, sink, NULL);
	while (off < size && !pn_httpparse_done(&p)) {
		size_t n = size - off < piece ? size - off : piece;

		if (pn_httpparse_push(&p, data + off, n, &used) != NULL)
			break;
		off += used;
	}
	if (off >= size && !pn_httpparse_done(&p))
		(void)pn_httpparse_finish(&p);
	pn_httpparse_release(&p);
	return 0;
}
