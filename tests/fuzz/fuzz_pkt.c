/* libFuzzer target: the pkt-line reader (agent/source/pkt.c). The first byte sets the size of the pieces the
 * rest is pushed in; a callback checks each payload's length and quotes it as an error message would. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../agent/source/pkt.h"

static const struct pn_error *
packet(void *ctx, enum pn_pkt_type type, const char *data, size_t len)
{
	char q[PN_PKT_QUOTE_MAX + 4];

	(void)ctx;
	if (len > PN_PKT_DATA_MAX || (type != PN_PKT_DATA && len != 0))
		abort();
	pn_pkt_quote(data, len, q, sizeof(q));
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pn_pkt p;
	size_t off = 1, piece;

	if (size < 1)
		return 0;
	piece = (size_t)data[0] + 1;
	pn_pkt_init(&p, 0, packet, NULL);
	while (off < size) {
		size_t n = size - off < piece ? size - off : piece;

		if (pn_pkt_push(&p, data + off, n) != NULL)
			return 0;
		off += n;
	}
	(void)pn_pkt_finish(&p);
	return 0;
}
