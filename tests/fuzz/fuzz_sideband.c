/* libFuzzer target: side-band-64k demultiplexing (agent/source/sideband.c) behind the pkt-line reader, as
 * upload-pack's packfile section is read: data packets go to the demultiplexer, a flush ends the stream. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../agent/source/pkt.h"
#include "../../agent/source/sideband.h"

struct ctx {
	struct pn_sideband sb;
	uint64_t seen;
	int ended;
};

static const struct pn_error *
data_cb(void *c, const char *d, size_t n)
{
	struct ctx *x = c;

	if (n == 0 || n > PN_SIDEBAND_DATA_MAX || d == NULL)
		abort();
	x->seen += n;
	return NULL;
}

static const struct pn_error *
progress_cb(void *c, const char *d, size_t n)
{
	(void)c;
	(void)d;
	(void)n;
	return NULL;
}

static const struct pn_error *
packet(void *c, enum pn_pkt_type type, const char *data, size_t len)
{
	struct ctx *x = c;

	if (x->ended)
		return pn_error_fmt(PN_ERR_PROTO, "data after the pack");
	if (type == PN_PKT_FLUSH) {
		x->ended = 1;
		return NULL;
	}
	if (type != PN_PKT_DATA)
		return pn_error_fmt(PN_ERR_PROTO, "unexpected packet");
	return pn_sideband_packet(&x->sb, data, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pn_pkt p;
	struct ctx x = {0};

	pn_sideband_init(&x.sb, 1 << 20, data_cb, &x, progress_cb, &x);
	pn_pkt_init(&p, 0, packet, &x);
	if (pn_pkt_push(&p, data, size) == NULL)
		(void)pn_pkt_finish(&p);
	if (x.seen != x.sb.data_bytes)
		abort();
	return 0;
}
