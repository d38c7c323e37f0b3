#include "sideband.h"

#include "../core/banned.h"

void
pn_sideband_init(struct pn_sideband *s, uint64_t data_max, pn_sideband_cb data, void *data_ctx,
    pn_sideband_cb progress, void *progress_ctx)
{
	s->data = data;
	s->data_ctx = data_ctx;
	s->progress = progress;
	s->progress_ctx = progress_ctx;
	s->data_max = data_max;
	s->data_bytes = 0;
}

const struct pn_error *
pn_sideband_packet(struct pn_sideband *s, const char *payload, size_t len)
{
	char q[PN_PKT_QUOTE_MAX + 4];
	size_t n;

	if (len == 0)
		return pn_error_fmt(PN_ERR_PARSE, "side-band packet without a band byte");
	if (len - 1 > PN_SIDEBAND_DATA_MAX)
		return pn_error_fmt(PN_ERR_PARSE, "side-band packet of %zu bytes exceeds %d", len - 1,
		    PN_SIDEBAND_DATA_MAX);
	n = len - 1;
	switch ((unsigned char)payload[0]) {
	case PN_SIDEBAND_DATA:
		/* compare before adding: the total is bounded, not only each packet */
		if (s->data_max != 0 && (n > s->data_max || s->data_bytes > s->data_max - n))
			return pn_error_fmt(PN_ERR_TOO_LARGE, "pack data exceeds its limit of %llu bytes",
			    (unsigned long long)s->data_max);
		s->data_bytes += n;
		return n > 0 ? s->data(s->data_ctx, payload + 1, n) : NULL;
	case PN_SIDEBAND_PROGRESS:
		return s->progress != NULL && n > 0 ? s->progress(s->progress_ctx, payload + 1, n) : NULL;
	case PN_SIDEBAND_ERROR:
		pn_pkt_quote(payload + 1, n, q, sizeof(q));
		return pn_error_fmt(PN_ERR_REJECTED, "the server reported an error: %s", q);
	default:
		return pn_error_fmt(PN_ERR_PARSE, "side-band packet with bad band %u", (unsigned char)payload[0]);
	}
}
