/*
 * pkt-line framing (gitprotocol-common): 4 hexadecimal digits give the packet's length including themselves,
 * then the payload. Special lengths: 0000 flush, 0001 delimiter (v2: between sections), 0002 response end (v2,
 * stateless connections). As in git, 0004 is an empty data packet and 0003 is invalid.
 *
 * The reader is a push state machine: bytes go in with pn_pkt_push() in pieces of any size, each complete packet
 * comes out through a callback, whole (a packet is at most PN_PKT_MAX bytes, so one fixed buffer assembles one
 * that arrives in pieces; one that arrives whole is passed straight from the caller's bytes). The first error is
 * kept in the reader and returned again by later calls.
 */
#ifndef PN_PKT_H
#define PN_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../core/error.h"

/* git's LARGE_PACKET_MAX: the longest packet, its 4 length digits included. */
#define PN_PKT_MAX 65520
/* The length digits. */
#define PN_PKT_HDR 4
/* The longest payload: 65516 bytes. */
#define PN_PKT_DATA_MAX (PN_PKT_MAX - PN_PKT_HDR)
/* Bytes of a peer's text quoted in an error message. */
#define PN_PKT_QUOTE_MAX 256

enum pn_pkt_type {
	PN_PKT_DATA,	/* a payload, possibly empty (0004) */
	PN_PKT_FLUSH,	/* 0000 */
	PN_PKT_DELIM,	/* 0001 */
	PN_PKT_END,	/* 0002 */
};

/* One packet: data and len are the payload (NULL and 0 for the special packets), valid during the call only.
 * Returning an error stops the reader; it keeps that error. */
typedef const struct pn_error *(*pn_pkt_cb)(void *ctx, enum pn_pkt_type type, const char *data, size_t len);

/* The reader. All fields are private; it is large (one packet buffer), so embed it in a heap object. */
struct pn_pkt {
	pn_pkt_cb cb;
	void *ctx;
	uint64_t stream_max;	/* ceiling on the whole stream (0: none) */
	uint64_t offset;	/* stream bytes consumed */
	char hdr[PN_PKT_HDR];
	size_t hdr_len;
	size_t want;		/* payload bytes of the packet being assembled */
	size_t have;
	int in_payload;
	struct pn_error err_store;
	const struct pn_error *err;
	char payload[PN_PKT_DATA_MAX];
};

/* Set up a reader. stream_max bounds the bytes of the whole stream (0: no bound; a pack is bounded downstream). */
void pn_pkt_init(struct pn_pkt *p, uint64_t stream_max, pn_pkt_cb cb, void *ctx);

/* Feed bytes; the callback runs once per complete packet. */
const struct pn_error *pn_pkt_push(struct pn_pkt *p, const void *data, size_t len);

/* The stream ended: an error if it ended inside a packet. */
const struct pn_error *pn_pkt_finish(struct pn_pkt *p);

/* Bytes consumed so far (for messages: "at offset N"). */
uint64_t pn_pkt_offset(const struct pn_pkt *p);

/* Append packets to out (its ceiling bounds the request). A data packet takes at most PN_PKT_DATA_MAX bytes. */
const struct pn_error *pn_pkt_write(struct pn_buf *out, const void *data, size_t len);
/* A formatted data packet, e.g. pn_pkt_writef(out, "want %s\n", hex). */
const struct pn_error *pn_pkt_writef(struct pn_buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const struct pn_error *pn_pkt_flush(struct pn_buf *out);
const struct pn_error *pn_pkt_delim(struct pn_buf *out);

/* The length of a text payload without its one optional trailing LF. */
size_t pn_pkt_chomp(const char *data, size_t len);

/* A peer's text made safe to print: printable ASCII kept, other bytes as \xNN, a trailing LF dropped, cut with
 * "..." to fit buf (which gets at most PN_PKT_QUOTE_MAX bytes of it). */
void pn_pkt_quote(const char *data, size_t len, char *buf, size_t buflen);

#endif
