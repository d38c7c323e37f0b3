/*
 * The upload-pack client (gitprotocol-v2, gitprotocol-http, gitprotocol-pack): what pinion needs to poll a ref
 * and fetch its depth-1 snapshot, over smart HTTP or SSH, in protocol v2 or (when the server cannot) v0.
 *
 * v2 over HTTP: one keep-alive connection (net/http.h) carries
 *   GET  <repo>/info/refs?service=git-upload-pack   Git-Protocol: version=2   -> capability advertisement
 *   POST <repo>/git-upload-pack  command=ls-refs  peel  ref-prefix <ref>                   -> the ref's tip
 *   POST <repo>/git-upload-pack  command=fetch  ofs-delta no-progress deepen 1 want <oid> done -> the pack
 * v2 over SSH (ssh.h): `git-upload-pack '<path>'` with GIT_PROTOCOL=version=2 offered; the same commands on the
 * one channel, each answer ending with a flush (stateful: no HTTP framing, no 0002).
 * v0/v1 (the server ignored Git-Protocol): the ref advertisement (every ref, peeled tags as "<ref>^{}") answers
 * the first request; a fetch is one request "want <oid> multi_ack_detailed side-band-64k ofs-delta shallow
 * no-progress", "deepen 1", flush, "done" (one POST over HTTP; on the channel over SSH), answered by "shallow"
 * lines, a flush, "NAK" and the side-band-64k pack. The version is told from the first packet ("version 2" vs
 * "<oid> <ref>\0<capabilities>").
 *
 * The pack is demultiplexed from side-band-64k and streamed to the caller's sink as it arrives, never buffered
 * whole; its total is bounded by pack_max. Without pn_upload_set_have() no thin pack is asked for, and the pack is
 * self-contained (git index-pack --stdin accepts it). With it (v2 only) the fetch adds "thin-pack",
 * "shallow <have>" and "have <have>": the server leaves out every object the store's commit has, and may send
 * deltas against them (the store completes the pack: odb.h). v0 fetches are always whole: a have there starts
 * a negotiation (ACK lines) that one stateless request cannot finish cleanly, and v0 servers are rare.
 *
 * Over HTTP, proxies come from the environment as Go reads it (net/proxy.h), and a redirect (301, 302, 303,
 * 307, 308) of the first request, GET info/refs, is followed as git's http.followRedirects=initial does: the new
 * base URL is the Location without the "/info/refs?service=git-upload-pack" that was asked for (a Location that
 * does not end so is refused), and the later requests go there. Refused: a redirect to another scheme, of a
 * POST, or more than PN_UPLOAD_REDIRECTS_MAX in a row. Credentials follow a redirect only to the same host and
 * port.
 *
 * Refused plainly: SHA-256 repositories, servers without ls-refs or shallow fetch. HTTP statuses: 401/403
 * PN_ERR_AUTH, 404 PN_ERR_NOT_FOUND, 429/5xx PN_ERR_UNAVAILABLE. Errors name the URL with its secrets redacted
 * (url.h).
 */
#ifndef PN_UPLOAD_H
#define PN_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"
#include "../net/proxy.h"
#include "../net/tls.h"
#include "oid.h"
#include "url.h"

/* Capability advertisement: git 2.39 sends ~150 bytes; anything near this ceiling is not a Git server. */
#define PN_UPLOAD_CAPS_MAX (64 * 1024)
/* A v0 ref advertisement lists every ref of the repository (forges add one per pull request): 32 MiB holds
 * ~400,000 refs; the refs themselves are not kept, only those the caller asked for. */
#define PN_UPLOAD_ADV_MAX (32 * 1024 * 1024)
#define PN_UPLOAD_ADV_REFS_MAX 1000000
/* Longest ref name handed to a caller (revisions are at most 1024 bytes, state.h); longer ones are skipped. */
#define PN_UPLOAD_REFNAME_MAX 512
/* What one SSH read asks for: one pkt-line's worth. */
#define PN_UPLOAD_SSH_CHUNK (64 * 1024)
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
/* Redirects followed for one request: git's limit (http.c sets CURLOPT_MAXREDIRS to 20; libcurl's own default
 * is 30 since 8.3, the curl command's 50). */
#define PN_UPLOAD_REDIRECTS_MAX 20

struct pn_upload_options {
	const char *url;			/* http://, https://, ssh:// or scp-form Git URL */
	/* The ref pn_upload_ls_ref() looks up: at most one of these (neither: only fetch and ls_refs work). */
	const char *branch;			/* e.g. "main": looked up as refs/heads/<branch> */
	const char *ref;			/* a full name: refs/tags/v1.2.3, refs/pull/1/head */
	const struct pn_tls_config *tls;	/* required for https://; must outlive the session */
	const struct pn_proxy_env *proxy_env;	/* http(s): the proxy variables (NULL: none); must outlive it */
	const char *private_key_file;		/* ssh: required */
	const char *known_hosts_file;		/* ssh: required (host keys are always verified) */
	int force_v0;				/* do not offer protocol v2 (tests of the v0 path) */
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

/* The object id the session's branch or ref points at; an annotated tag is peeled to what it points at.
 * PN_ERR_NOT_FOUND naming the branch (or ref) and the URL when the server has no such ref. Runs the capability
 * advertisement first if the session has not yet. */
const struct pn_error *pn_upload_ls_ref(struct pn_upload *u, struct pn_oid *out);

/* Receives one ref: its NUL-terminated name, and its id (peeled 0), or the id an annotated tag of that name
 * peels to (peeled 1, right after the tag itself). An error stops the listing. */
typedef const struct pn_error *(*pn_upload_ref_cb)(void *ctx, const char *name, const struct pn_oid *oid,
    int peeled);

/* Every ref whose name starts with prefix (e.g. "refs/tags/"), to cb. In protocol v0 each listing reads a new
 * ref advertisement (over SSH: on a new connection). */
const struct pn_error *pn_upload_ls_refs(struct pn_upload *u, const char *prefix, pn_upload_ref_cb cb,
    void *ctx);

/* Fetch the depth-1 snapshot of `want` (a commit id, normally from pn_upload_ls_ref) and stream its pack to
 * sink. On success the sink has seen the whole pack, trailer included; on failure the bytes it saw are not a
 * complete pack. */
const struct pn_error *pn_upload_fetch(struct pn_upload *u, const struct pn_oid *want, pn_upload_sink sink,
    void *sink_ctx);

/* The commit whose objects the store holds (NULL: none), for the next v2 fetches: see above. */
void pn_upload_set_have(struct pn_upload *u, const struct pn_oid *have);

/* The answers a session reads. */
enum pn_upload_answer {
	PN_UPLOAD_ANSWER_CAPS,		/* GET info/refs: the capability (v2) or ref (v0) advertisement */
	PN_UPLOAD_ANSWER_LS_REFS,	/* POST command=ls-refs */
	PN_UPLOAD_ANSWER_FETCH,		/* POST command=fetch */
	PN_UPLOAD_ANSWER_V0_FETCH,	/* v0: shallow lines, flush, NAK, side-band pack */
};

/* Read one whole answer (the HTTP body) of `kind` from memory with the very checks of a live session: for the
 * fuzzer and for tests of malformed answers. LS_REFS, and CAPS when it is a v0 advertisement, set *oid (may be
 * NULL) to the session's branch or ref (peeled); FETCH and V0_FETCH send the pack to sink (NULL: dropped).
 * Needs no network: a session from pn_upload_new() connects only when it sends a request. */
const struct pn_error *pn_upload_read_answer(struct pn_upload *u, enum pn_upload_answer kind, const void *data,
    size_t len, struct pn_oid *oid, pn_upload_sink sink, void *sink_ctx);

/* Pack bytes the last fetch passed to its sink. */
uint64_t pn_upload_pack_bytes(const struct pn_upload *u);
/* "shallow <oid>" lines of the last fetch's answer (git reports the one wanted commit, even a root commit). */
unsigned pn_upload_shallow_count(const struct pn_upload *u);
/* TCP connections the session has opened (tests: 1 when keep-alive carried all requests). */
unsigned pn_upload_connects(const struct pn_upload *u);
/* The session's URL with its secrets redacted, for messages. */
const char *pn_upload_url(const struct pn_upload *u);
/* The protocol version the server spoke (2 or 0; 0 also before the first answer). */
int pn_upload_version(const struct pn_upload *u);

#endif
