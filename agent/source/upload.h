/*
 * The upload-pack client: Git protocol v2 over smart HTTP (gitprotocol-v2, gitprotocol-http), what pinion needs
 * to poll a branch and fetch its snapshot:
 *
 *   GET  <repo>/info/refs?service=git-upload-pack   Git-Protocol: version=2   -> capability advertisement
 *   POST <repo>/git-upload-pack  command=ls-refs  ref-prefix refs/heads/<branch>          -> the branch's tip
 *   POST <repo>/git-upload-pack  command=fetch  ofs-delta no-progress deepen 1 want <oid> done -> the pack
 *
 * A session keeps ONE keep-alive connection (net/http.h) for all three requests. The pack is demultiplexed from
 * side-band-64k and streamed to the caller's sink as it arrives, never buffered whole; its total is bounded by
 * pack_max. No thin pack is asked for, so the pack is self-contained (git index-pack --stdin accepts it).
 *
 * Refused plainly: a v0-only server ("server speaks only protocol v0; v0 support is coming"), SHA-256
 * repositories, servers without ls-refs or shallow fetch. HTTP statuses: 401/403 PN_ERR_AUTH, 404
 * PN_ERR_NOT_FOUND, 429/5xx PN_ERR_UNAVAILABLE. Errors name the URL with its secrets redacted (url.h).
 */
#ifndef PN_UPLOAD_H
#define PN_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"
#include "../net/tls.h"
#include "oid.h"
#include "url.h"

/* Capability advertisement: git 2.39 sends ~150 bytes; anything near this ceiling is not a Git server. */
#define PN_UPLOAD_CAPS_MAX (64 * 1024)
/* ls-refs answer: ref-prefix narrows it to the branch (and branches sharing its prefix), ~60 bytes each. */
#define PN_UPLOAD_LS_REFS_MAX (1024 * 1024)
/* Refs in one ls-refs answer: "refs/heads/main" also matches "refs/heads/main-old" etc., but not thousands. */
#define PN_UPLOAD_REFS_MAX 10000
/* Lines in the non-pack sections of a fetch answer (shallow-info, acknowledgments): depth 1 of one want gives
 * one shallow line. */
#define PN_UPLOAD_SECTION_LINES_MAX 1000
/* Default ceiling on a pack: a depth-1 homelab snapshot is well under 10 MiB (home-ops: 135 KiB). */
#define PN_UPLOAD_PACK_MAX_DEFAULT (1024ULL * 1024 * 1024)
/* Bytes of an error response's body quoted in the error message. */
#define PN_UPLOAD_ERRBODY_MAX 200
/* Longest branch name accepted (git allows longer; no one uses them). */
#define PN_UPLOAD_BRANCH_MAX 255
/* What pinion sends: a request target is the URL's path plus "/info/refs?service=git-upload-pack"; a request
 * body is a handful of pkt-lines (command, agent, object-format, one ref-prefix or want). */
#define PN_UPLOAD_TARGET_MAX (PN_URL_MAX + 64)
#define PN_UPLOAD_REQUEST_MAX (16 * 1024)
/* An "Authorization: Basic <base64(user:password)>" line made from a URL's user information (base64 grows
 * 4/3; the URL is at most PN_URL_MAX). */
#define PN_UPLOAD_AUTH_MAX (4 * PN_URL_MAX)

struct pn_upload_options {
	const char *url;			/* http:// or https:// Git URL */
	const char *branch;			/* e.g. "main": looked up as refs/heads/<branch> */
	const struct pn_tls_config *tls;	/* required for https://; must outlive the session */
	/* A complete "Authorization: Basic ..." / "Authorization: Bearer ..." header line, or NULL: then the URL's
	 * user[:password], if any, is sent as Basic. */
	const char *auth_header;
	uint64_t deadline_ms;			/* monotonic (platform/clock.h): everything in the session ends by it */
	uint64_t pack_max;			/* ceiling on the pack in bytes; 0: PN_UPLOAD_PACK_MAX_DEFAULT */
};

/* Receives the pack bytes in order, in pieces of at most 65515 bytes. An error aborts the fetch. */
typedef const struct pn_error *(*pn_upload_sink)(void *ctx, const void *data, size_t len);

struct pn_upload;

/* Check the options and set up a session; nothing is connected yet. The caller frees it with
 * pn_upload_free(). */
const struct pn_error *pn_upload_new(const struct pn_upload_options *opt, struct pn_upload **out);
void pn_upload_free(struct pn_upload *u);

/* A new deadline for the next requests (e.g. a longer one for the fetch than for the poll). */
void pn_upload_set_deadline(struct pn_upload *u, uint64_t deadline_ms);

/* The object id refs/heads/<branch> points at. PN_ERR_NOT_FOUND naming the branch and the URL when the server
 * has no such branch. Runs the capability advertisement first if the session has not yet. */
const struct pn_error *pn_upload_ls_ref(struct pn_upload *u, struct pn_oid *out);

/* Fetch the depth-1 snapshot of `want` (a commit id, normally from pn_upload_ls_ref) and stream its pack to
 * sink. On success the sink has seen the whole pack, trailer included; on failure the bytes it saw are not a
 * complete pack. */
const struct pn_error *pn_upload_fetch(struct pn_upload *u, const struct pn_oid *want, pn_upload_sink sink,
    void *sink_ctx);

/* The three answers a session reads. */
enum pn_upload_answer {
	PN_UPLOAD_ANSWER_CAPS,		/* GET info/refs: the capability advertisement */
	PN_UPLOAD_ANSWER_LS_REFS,	/* POST command=ls-refs */
	PN_UPLOAD_ANSWER_FETCH,		/* POST command=fetch */
};

/* Read one whole answer (the HTTP body) of `kind` from memory with the very checks of a live session: for the
 * fuzzer and for tests of malformed answers. LS_REFS sets *oid (may be NULL) to the branch's tip; FETCH sends
 * the pack to sink (NULL: dropped). Needs no network: a session from pn_upload_new() connects only when it sends a request. */
const struct pn_error *pn_upload_read_answer(struct pn_upload *u, enum pn_upload_answer kind, const void *data,
    size_t len, struct pn_oid *oid, pn_upload_sink sink, void *sink_ctx);

/* Pack bytes the last fetch passed to its sink. */
uint64_t pn_upload_pack_bytes(const struct pn_upload *u);
/* "shallow <oid>" lines of the last fetch's answer (git reports the one wanted commit, even a root commit). */
unsigned pn_upload_shallow_count(const struct pn_upload *u);
/* TCP connections the session has opened (tests: 1 when keep-alive carried all requests). */
unsigned pn_upload_connects(const struct pn_upload *u);

#endif
