/*
 * The reader of upload-pack's answers (gitprotocol-v2, gitprotocol-pack, gitprotocol-http), a part of upload.h:
 * the bytes of one answer (an HTTP body, or the SSH channel up to the answer's end) are pushed through a pkt-line
 * reader into a state machine that knows what may come in each state. It records what the server offers
 * (capabilities, or the v0 advertisement's), hands each ref under the listing's prefix to a callback, counts
 * shallow lines, and demultiplexes the packfile section (side-band-64k) to a sink. Every count and length is
 * bounded by the PN_UPLOAD_* limits of upload.h. No I/O: pn_upload moves the bytes, tests and fuzz_upload push
 * them directly.
 */
#ifndef PN_ANSWER_H
#define PN_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"
#include "pkt.h"
#include "sideband.h"
#include "upload.h"

/* Where the reader of the current answer is; an answer starts at PN_ANS_CAPS_FIRST (GET info/refs, or the
 * first SSH read), PN_ANS_REFS (ls-refs), PN_ANS_SECTION (v2 fetch) or PN_ANS_V0_SHALLOW (v0 fetch). */
enum pn_answer_step {
	PN_ANS_CAPS_FIRST,		/* "# service=git-upload-pack" or "version 2" */
	PN_ANS_CAPS_SERVICE_FLUSH,	/* the flush after "# service=..." */
	PN_ANS_CAPS_VERSION,	/* "version 2" after that flush */
	PN_ANS_CAPS_LINES,		/* capabilities, up to a flush */
	PN_ANS_V1_FIRST,		/* after "version 1": the v0 advertisement's first line */
	PN_ANS_V0_REFS,		/* v0 ref advertisement lines, up to a flush */
	PN_ANS_V0_SHALLOW,		/* v0 fetch: shallow lines, up to a flush */
	PN_ANS_V0_NAK,		/* v0 fetch: NAK (or ACK) before the pack */
	PN_ANS_REFS,		/* ls-refs lines, up to a flush */
	PN_ANS_SECTION,		/* a fetch response section header */
	PN_ANS_ACKS,		/* acknowledgments lines, up to a delimiter */
	PN_ANS_SHALLOW,		/* shallow-info lines, up to a delimiter */
	PN_ANS_PACK,		/* side-band packets, up to a flush */
	PN_ANS_DONE,		/* the final flush was read */
};

struct pn_answer {
	/* what the server offered: set by a capability answer (v2) or an advertisement (v0) */
	int v0;				/* the server spoke v0 (or v1) */
	int srv_agent, srv_object_format, has_ls_refs, has_fetch, has_shallow;
	int v0_multi_ack_detailed, v0_sideband64k, v0_ofs_delta, v0_no_progress;
	size_t caps_bytes, nrefs;

	/* the listing under way (ls-refs answer or v0 advertisement); ref_prefix NULL: refs are not wanted */
	const char *ref_prefix;
	pn_upload_ref_cb ref_cb;
	void *ref_ctx;
	char refbuf[PN_UPLOAD_REFNAME_MAX + 1];

	/* a fetch: shallow lines seen, pack bytes the sink took, and whether an error came from the sink */
	unsigned nshallow;
	uint64_t pack_bytes;
	int sink_failed;
	pn_upload_sink sink;
	void *sink_ctx;
	struct pn_sideband sb;

	const char *what;		/* "capability advertisement", "ls-refs", "fetch": names it in errors */
	enum pn_answer_step step;
	size_t nlines;
	struct pn_pkt pkt;		/* last: it holds a 64 KiB packet buffer */
};

/* Read a new answer from `first`, at most pkt_max bytes of it. */
void pn_answer_begin(struct pn_answer *a, enum pn_answer_step first, uint64_t pkt_max, const char *what);

/* A fetch answer's pack goes to sink (NULL: nowhere), at most pack_max bytes: call before pn_answer_begin. */
void pn_answer_pack_to(struct pn_answer *a, uint64_t pack_max, pn_upload_sink sink, void *sink_ctx);

/* The next bytes of the answer. The first error is returned again by every later push (pkt.h); when it came
 * from the sink, sink_failed is set. */
const struct pn_error *pn_answer_push(struct pn_answer *a, const void *data, size_t len);

/* Whether the answer's final flush was read. */
int pn_answer_done(const struct pn_answer *a);

#endif
