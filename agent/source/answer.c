/* The reader of upload-pack's answers (see answer.h). */
#include "answer.h"

#include <stdio.h>
#include <string.h>

#include "../core/banned.h"

/* Room for a quoted line in a message. */
#define QUOTE_BUF (PN_PKT_QUOTE_MAX + 4)

static int
is_hex_oid(const char *s, size_t n)
{
	if (n != PN_OID_SHA1_LEN * 2)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* Whether line (len bytes) is `word` or starts with `word` followed by `sep`. */
static int
keyword(const char *line, size_t len, const char *word, char sep)
{
	size_t n = strlen(word);

	return len >= n && memcmp(line, word, n) == 0 && (len == n || line[n] == sep);
}

static const struct pn_error *
unexpected(struct pn_answer *a, const char *what, const char *line, size_t len)
{
	char q[QUOTE_BUF];

	pn_pkt_quote(line, len, q, sizeof(q));
	return pn_error_fmt(PN_ERR_PROTO, "%s: unexpected %s \"%s\"", a->what, what, q);
}

/* "ERR <message>" may answer any command (e.g. "ERR upload-pack: not our ref <oid>"). */
static const struct pn_error *
server_err(const char *line, size_t len)
{
	char q[QUOTE_BUF];

	/* "ERR" alone carries no message: len may be 3 */
	pn_pkt_quote(len > 4 ? line + 4 : "", len > 4 ? len - 4 : 0, q, sizeof(q));
	return pn_error_fmt(PN_ERR_REJECTED, "the server reported an error: %s", q);
}

static const struct pn_error *
count_line(struct pn_answer *a)
{
	if (++a->nlines > PN_UPLOAD_SECTION_LINES_MAX)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s: more than %d lines before the pack", a->what,
		    PN_UPLOAD_SECTION_LINES_MAX);
	return NULL;
}

static const struct pn_error *
capability(struct pn_answer *a, const char *line, size_t len)
{
	/* the answer's budget is that of a v0 advertisement: hold v2 capabilities to their own */
	a->caps_bytes += len + PN_PKT_HDR;
	if (a->caps_bytes > PN_UPLOAD_CAPS_MAX)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s: more than %d bytes", a->what, PN_UPLOAD_CAPS_MAX);
	if (keyword(line, len, "agent", '='))
		a->srv_agent = 1;
	else if (keyword(line, len, "ls-refs", '='))
		a->has_ls_refs = 1;
	else if (keyword(line, len, "fetch", '=')) {
		/* fetch=<feature> <feature>...: depth-1 clones need "shallow" */
		a->has_fetch = 1;
		for (size_t i = 5; i < len;) {
			size_t j = i + 1;

			while (j < len && line[j] != ' ')
				j++;
			if (j - i - 1 == 7 && memcmp(line + i + 1, "shallow", 7) == 0)
				a->has_shallow = 1;
			i = j;
		}
	} else if (keyword(line, len, "object-format", '=')) {
		if (len == 18 && memcmp(line + 14, "sha1", 4) == 0)
			a->srv_object_format = 1;
		else if (len == 20 && memcmp(line + 14, "sha256", 6) == 0)
			return pn_error_fmt(PN_ERR_UNSUPPORTED, "SHA-256 repositories are not supported yet");
		else
			return unexpected(a, "object format", line, len);
	}
	return NULL;
}

static const struct pn_error *
caps_done(struct pn_answer *a)
{
	if (!a->has_ls_refs)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "the server does not offer the ls-refs command");
	if (!a->has_fetch)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "the server does not offer the fetch command");
	if (!a->has_shallow)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "the server does not offer shallow fetches (fetch=shallow), "
		    "which pinion needs for depth-1 snapshots");
	a->step = PN_ANS_DONE;
	return NULL;
}

/* A ref for the listing under way: name (nlen bytes, no NUL) and its id in hex. */
static const struct pn_error *
emit_ref(struct pn_answer *a, const char *name, size_t nlen, const char *hex, int peeled)
{
	struct pn_oid oid;
	const struct pn_error *err;
	size_t plen;

	if (a->ref_cb == NULL || a->ref_prefix == NULL)
		return NULL;
	plen = strlen(a->ref_prefix);
	if (nlen > PN_UPLOAD_REFNAME_MAX || nlen < plen || memcmp(name, a->ref_prefix, plen) != 0 ||
	    memchr(name, '\0', nlen) != NULL)
		return NULL;
	if ((err = pn_oid_from_hex(hex, PN_OID_SHA1_LEN * 2, &oid)) != NULL)
		return err;
	memcpy(a->refbuf, name, nlen);
	a->refbuf[nlen] = '\0';
	return a->ref_cb(a->ref_ctx, a->refbuf, &oid, peeled);
}

/* A v0 ref line after the first: "<oid> <name>", peeled tags as "<oid> <name>^{}". */
static const struct pn_error *
v0_ref(struct pn_answer *a, const char *line, size_t len)
{
	const char *name = line + 41;
	size_t nlen = len - 41;

	if (++a->nrefs > PN_UPLOAD_ADV_REFS_MAX)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s: more than %d refs", a->what, PN_UPLOAD_ADV_REFS_MAX);
	if (nlen >= 3 && memcmp(name + nlen - 3, "^{}", 3) == 0)
		return emit_ref(a, name, nlen - 3, line, 1);
	return emit_ref(a, name, nlen, line, 0);
}

/* The v0 capabilities after the first ref's NUL: what a depth-1 side-band fetch needs. */
static const struct pn_error *
v0_caps(struct pn_answer *a, const char *caps, size_t len)
{
	int shallow = 0;

	a->v0_multi_ack_detailed = a->v0_sideband64k = a->v0_ofs_delta = a->v0_no_progress = 0;
	for (size_t i = 0; i < len;) {
		size_t j = i;

		while (j < len && caps[j] != ' ')
			j++;
		if (keyword(caps + i, j - i, "agent", '='))
			a->srv_agent = 1;
		else if (keyword(caps + i, j - i, "shallow", ' '))
			shallow = 1;
		else if (keyword(caps + i, j - i, "side-band-64k", ' '))
			a->v0_sideband64k = 1;
		else if (keyword(caps + i, j - i, "multi_ack_detailed", ' '))
			a->v0_multi_ack_detailed = 1;
		else if (keyword(caps + i, j - i, "ofs-delta", ' '))
			a->v0_ofs_delta = 1;
		else if (keyword(caps + i, j - i, "no-progress", ' '))
			a->v0_no_progress = 1;
		else if (keyword(caps + i, j - i, "object-format", '=') && !(j - i == 18 &&
		    memcmp(caps + i + 14, "sha1", 4) == 0)) {
			if (j - i == 20 && memcmp(caps + i + 14, "sha256", 6) == 0)
				return pn_error_fmt(PN_ERR_UNSUPPORTED, "SHA-256 repositories are not supported yet");
			return unexpected(a, "object format", caps + i, j - i);
		}
		i = j + 1;
	}
	if (!shallow)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "the server (protocol v0) does not offer shallow fetches, "
		    "which pinion needs for depth-1 snapshots");
	if (!a->v0_sideband64k)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "the server (protocol v0) does not offer side-band-64k");
	return NULL;
}

/* The first line of a v0 advertisement: "<oid> <name>\0<capabilities>"; an empty repository sends the zero id
 * and "capabilities^{}". */
static const struct pn_error *
v0_first(struct pn_answer *a, const char *line, size_t len)
{
	const char *nul;
	const struct pn_error *err;
	size_t nlen;

	if (len < 42 || !is_hex_oid(line, 40) || line[40] != ' ' || (nul = memchr(line, '\0', len)) == NULL)
		return unexpected(a, "first line", line, len);
	a->v0 = 1;
	if ((err = v0_caps(a, nul + 1, (size_t)(line + len - nul - 1))) != NULL)
		return err;
	a->step = PN_ANS_V0_REFS;
	nlen = (size_t)(nul - line - 41);
	if (nlen == 15 && memcmp(line + 41, "capabilities^{}", 15) == 0)
		return NULL;
	return v0_ref(a, line, (size_t)(nul - line));
}

/* "version 2", or what a server that cannot speak v2 sends instead: "version 1" or a v0 advertisement. */
static const struct pn_error *
version_line(struct pn_answer *a, const char *line, size_t len)
{
	if (len == 9 && memcmp(line, "version 2", 9) == 0) {
		a->step = PN_ANS_CAPS_LINES;
		return NULL;
	}
	if (keyword(line, len, "ERR", ' '))
		return server_err(line, len);
	if (len == 9 && memcmp(line, "version 1", 9) == 0) {
		a->step = PN_ANS_V1_FIRST;
		return NULL;
	}
	return v0_first(a, line, len);
}

static const struct pn_error *
caps_packet(struct pn_answer *a, enum pn_pkt_type type, const char *line, size_t len)
{
	switch (a->step) {
	case PN_ANS_CAPS_FIRST:
		if (type == PN_PKT_DATA && keyword(line, len, "# service", '=')) {
			if (len != 25 || memcmp(line, "# service=git-upload-pack", 25) != 0)
				return unexpected(a, "service line", line, len);
			a->step = PN_ANS_CAPS_SERVICE_FLUSH;
			return NULL;
		}
		/* FALLTHROUGH */
	case PN_ANS_CAPS_VERSION:
		if (type != PN_PKT_DATA)
			return pn_error_fmt(PN_ERR_PROTO, "%s: empty", a->what);
		return version_line(a, line, len);
	case PN_ANS_CAPS_SERVICE_FLUSH:
		if (type != PN_PKT_FLUSH)
			return pn_error_fmt(PN_ERR_PROTO, "%s: no flush after the service line", a->what);
		a->step = PN_ANS_CAPS_VERSION;
		return NULL;
	case PN_ANS_V1_FIRST:
		if (type != PN_PKT_DATA)
			return pn_error_fmt(PN_ERR_PROTO, "%s: no refs after \"version 1\"", a->what);
		if (keyword(line, len, "ERR", ' '))
			return server_err(line, len);
		return v0_first(a, line, len);
	case PN_ANS_V0_REFS:
		if (type == PN_PKT_FLUSH) {
			a->step = PN_ANS_DONE;
			return NULL;
		}
		if (type != PN_PKT_DATA)
			return pn_error_fmt(PN_ERR_PROTO, "%s: unexpected delimiter", a->what);
		if (keyword(line, len, "ERR", ' '))
			return server_err(line, len);
		if (len < 42 || !is_hex_oid(line, 40) || line[40] != ' ')
			return unexpected(a, "ref line", line, len);
		return v0_ref(a, line, len);
	default:
		if (type == PN_PKT_FLUSH)
			return caps_done(a);
		if (type != PN_PKT_DATA)
			return pn_error_fmt(PN_ERR_PROTO, "%s: unexpected delimiter", a->what);
		return capability(a, line, len);
	}
}

/* "<oid> <refname>[ <attribute>...]"; with "peel", annotated tags carry "peeled:<oid>". */
static const struct pn_error *
ref_line(struct pn_answer *a, const char *line, size_t len)
{
	const char *name, *nend, *end, *attr;
	const struct pn_error *err;

	if (keyword(line, len, "ERR", ' '))
		return server_err(line, len);
	if (++a->nrefs > PN_UPLOAD_REFS_MAX)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "ls-refs: more than %d refs", PN_UPLOAD_REFS_MAX);
	if (len < 42 || !is_hex_oid(line, 40) || line[40] != ' ')
		return unexpected(a, "line", line, len);
	name = line + 41;
	if ((nend = memchr(name, ' ', len - 41)) == NULL)
		nend = line + len;
	if ((err = emit_ref(a, name, (size_t)(nend - name), line, 0)) != NULL)
		return err;
	for (attr = nend; attr < line + len; attr = end) {
		const char *v = attr + 1;

		end = memchr(v, ' ', (size_t)(line + len - v));
		if (end == NULL)
			end = line + len;
		if ((size_t)(end - v) > 7 && memcmp(v, "peeled:", 7) == 0) {
			if (!is_hex_oid(v + 7, (size_t)(end - v - 7)))
				return unexpected(a, "peeled id", v, (size_t)(end - v));
			return emit_ref(a, name, (size_t)(nend - name), v + 7, 1);
		}
	}
	return NULL;
}

/* "shallow <oid>" (git reports the wanted commit) or "unshallow <oid>". */
static const struct pn_error *
shallow_line(struct pn_answer *a, const char *line, size_t len)
{
	if (len == 48 && memcmp(line, "shallow ", 8) == 0 && is_hex_oid(line + 8, 40)) {
		a->nshallow++;
		return NULL;
	}
	if (len == 50 && memcmp(line, "unshallow ", 10) == 0 && is_hex_oid(line + 10, 40))
		return NULL;
	return unexpected(a, "shallow-info line", line, len);
}

static const struct pn_error *
section_line(struct pn_answer *a, const char *line, size_t len)
{
	const struct pn_error *err;

	if (keyword(line, len, "ERR", ' '))
		return server_err(line, len);
	if ((err = count_line(a)) != NULL)
		return err;
	switch (a->step) {
	case PN_ANS_SECTION:
		if (len == 15 && memcmp(line, "acknowledgments", 15) == 0)
			a->step = PN_ANS_ACKS;
		else if (len == 12 && memcmp(line, "shallow-info", 12) == 0)
			a->step = PN_ANS_SHALLOW;
		else if (len == 8 && memcmp(line, "packfile", 8) == 0)
			a->step = PN_ANS_PACK;
		else
			return unexpected(a, "section", line, len);
		return NULL;
	case PN_ANS_ACKS:
		/* with "done" sent there is nothing to negotiate; accept what a server may still say */
		if ((len == 3 && memcmp(line, "NAK", 3) == 0) || (len == 5 && memcmp(line, "ready", 5) == 0) ||
		    (len == 44 && memcmp(line, "ACK ", 4) == 0 && is_hex_oid(line + 4, 40)))
			return NULL;
		return unexpected(a, "acknowledgment", line, len);
	default:
		return shallow_line(a, line, len);
	}
}

/* v0 fetch answer before the pack: shallow lines, a flush, then NAK (ACKs tolerated). */
static const struct pn_error *
v0_fetch_packet(struct pn_answer *a, enum pn_pkt_type type, const char *line, size_t len)
{
	const struct pn_error *err;

	if (type == PN_PKT_FLUSH && a->step == PN_ANS_V0_SHALLOW) {
		a->step = PN_ANS_V0_NAK;
		return NULL;
	}
	if (type != PN_PKT_DATA)
		return pn_error_fmt(PN_ERR_PROTO, "%s: unexpected %s before the pack", a->what,
		    type == PN_PKT_FLUSH ? "flush" : type == PN_PKT_DELIM ? "delimiter" : "response end (0002)");
	if (keyword(line, len, "ERR", ' '))
		return server_err(line, len);
	if ((err = count_line(a)) != NULL)
		return err;
	if (a->step == PN_ANS_V0_SHALLOW)
		return shallow_line(a, line, len);
	if (len == 3 && memcmp(line, "NAK", 3) == 0) {
		a->step = PN_ANS_PACK;
		return NULL;
	}
	if (len >= 44 && memcmp(line, "ACK ", 4) == 0 && is_hex_oid(line + 4, 40))
		return NULL;
	return unexpected(a, "acknowledgment", line, len);
}

static const struct pn_error *
fetch_packet(struct pn_answer *a, enum pn_pkt_type type, const char *data, size_t len)
{
	if (a->step == PN_ANS_PACK) {
		if (type == PN_PKT_DATA)
			return pn_sideband_packet(&a->sb, data, len);
		if (type != PN_PKT_FLUSH)
			return pn_error_fmt(PN_ERR_PROTO, "fetch: unexpected delimiter in the pack stream");
		if (a->sb.data_bytes == 0)
			return pn_error_fmt(PN_ERR_PROTO, "fetch: the packfile section is empty");
		a->step = PN_ANS_DONE;
		return NULL;
	}
	if (type == PN_PKT_DATA)
		return section_line(a, data, pn_pkt_chomp(data, len));
	if (type == PN_PKT_DELIM && a->step != PN_ANS_SECTION) {
		a->step = PN_ANS_SECTION;
		return NULL;
	}
	if (type == PN_PKT_FLUSH)
		return pn_error_fmt(PN_ERR_PROTO, "fetch: the answer ended without a packfile section");
	return pn_error_fmt(PN_ERR_PROTO, "fetch: unexpected %s", type == PN_PKT_DELIM ? "delimiter" :
	    "response end (0002)");
}

static const struct pn_error *
on_packet(void *ctx, enum pn_pkt_type type, const char *data, size_t len)
{
	struct pn_answer *a = ctx;
	size_t n = type == PN_PKT_DATA ? pn_pkt_chomp(data, len) : 0;

	if (a->step == PN_ANS_DONE) {
		/* 0002 (response end) is what a stateless proxy may add; nothing else may follow the flush */
		if (type == PN_PKT_END)
			return NULL;
		return pn_error_fmt(PN_ERR_PROTO, "%s: data after the end of the response", a->what);
	}
	switch (a->step) {
	case PN_ANS_CAPS_FIRST:
	case PN_ANS_CAPS_SERVICE_FLUSH:
	case PN_ANS_CAPS_VERSION:
	case PN_ANS_CAPS_LINES:
	case PN_ANS_V1_FIRST:
	case PN_ANS_V0_REFS:
		return caps_packet(a, type, data, n);
	case PN_ANS_V0_SHALLOW:
	case PN_ANS_V0_NAK:
		return v0_fetch_packet(a, type, data, n);
	case PN_ANS_REFS:
		if (type == PN_PKT_FLUSH) {
			a->step = PN_ANS_DONE;
			return NULL;
		}
		if (type != PN_PKT_DATA)
			return pn_error_fmt(PN_ERR_PROTO, "ls-refs: unexpected delimiter");
		return ref_line(a, data, n);
	default:
		return fetch_packet(a, type, data, len);
	}
}

static const struct pn_error *
pack_data(void *ctx, const char *data, size_t len)
{
	struct pn_answer *a = ctx;
	const struct pn_error *err;

	if (a->sink != NULL && (err = a->sink(a->sink_ctx, data, len)) != NULL) {
		a->sink_failed = 1;
		return err;
	}
	a->pack_bytes += len;
	return NULL;
}

void
pn_answer_begin(struct pn_answer *a, enum pn_answer_step first, uint64_t pkt_max, const char *what)
{
	a->what = what;
	a->step = first;
	a->nlines = 0;
	a->sink_failed = 0;
	pn_pkt_init(&a->pkt, pkt_max, on_packet, a);
}

void
pn_answer_pack_to(struct pn_answer *a, uint64_t pack_max, pn_upload_sink sink, void *sink_ctx)
{
	a->sink = sink;
	a->sink_ctx = sink_ctx;
	a->pack_bytes = 0;
	a->nshallow = 0;
	pn_sideband_init(&a->sb, pack_max, pack_data, a, NULL, NULL);
}

const struct pn_error *
pn_answer_push(struct pn_answer *a, const void *data, size_t len)
{
	return pn_pkt_push(&a->pkt, data, len);
}

int
pn_answer_done(const struct pn_answer *a)
{
	return a->step == PN_ANS_DONE;
}
