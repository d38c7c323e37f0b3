/*
 * side-band-64k demultiplexing (gitprotocol-pack): in the packfile section every pkt-line payload starts with a
 * band byte. Band 1 carries pack data (to a sink), band 2 progress text (to an optional callback), band 3 a
 * fatal error from the server, after which the server stops. Any other band, or a packet without a band byte,
 * is a protocol error.
 *
 * It works a packet at a time: the caller's pkt-line reader (pkt.h) hands it each data payload.
 */
#ifndef PN_SIDEBAND_H
#define PN_SIDEBAND_H

#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"
#include "pkt.h"

/* Band data per packet: a pkt-line payload less the band byte (65515). */
#define PN_SIDEBAND_DATA_MAX (PN_PKT_DATA_MAX - 1)

enum pn_sideband_band {
	PN_SIDEBAND_DATA = 1,
	PN_SIDEBAND_PROGRESS = 2,
	PN_SIDEBAND_ERROR = 3,
};

/* Receives band-1 bytes, or band-2 text (partial lines, with their CR/LF, not sanitised). An error stops the
 * stream. */
typedef const struct pn_error *(*pn_sideband_cb)(void *ctx, const char *data, size_t len);

struct pn_sideband {
	pn_sideband_cb data;
	void *data_ctx;
	pn_sideband_cb progress;	/* NULL: progress is dropped */
	void *progress_ctx;
	uint64_t data_max;		/* ceiling on band-1 bytes (0: none) */
	uint64_t data_bytes;		/* band-1 bytes delivered */
};

/* data_max bounds the band-1 total (the pack): past it, PN_ERR_TOO_LARGE. */
void pn_sideband_init(struct pn_sideband *s, uint64_t data_max, pn_sideband_cb data, void *data_ctx,
    pn_sideband_cb progress, void *progress_ctx);

/* One pkt-line payload of the multiplexed stream. Band 3 gives PN_ERR_REJECTED "the server reported an error:
 * <its text, sanitised>". */
const struct pn_error *pn_sideband_packet(struct pn_sideband *s, const char *payload, size_t len);

#endif
