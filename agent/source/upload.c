#include "upload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mbedtls/base64.h>
#include <mbedtls/platform_util.h>

#include "../core/buf.h"
#include "../core/log.h"
#include "../net/http.h"
#include "pkt.h"
#include "sideband.h"
#include "ssh.h"
#include "url.h"
#include "../core/banned.h"

#ifndef PN_VERSION
#define PN_VERSION "0.0.0-unknown"
#endif

/* Room for a quoted peer line in a message. */
#define QUOTE_BUF (PN_PKT_QUOTE_MAX + 4)

#define CTYPE_ADVERTISEMENT "application/x-git-upload-pack-advertisement"
#define CTYPE_RESULT "application/x-git-upload-pack-result"

/* Where the reader of the current response is. */
enum step {
	ST_CAPS_FIRST,		/* "# service=git-upload-pack" or "version 2" */
	ST_CAPS_SERVICE_FLUSH,	/* the flush after "# service=..." */
	ST_CAPS_VERSION,	/* "version 2" after that flush */
	ST_CAPS_LINES,		/* capabilities, up to a flush */
	ST_V1_FIRST,		/* after "version 1": the v0 advertisement's first line */
	ST_V0_REFS,		/* v0 ref advertisement lines, up to a flush */
	ST_V0_SHALLOW,		/* v0 fetch: shallow lines, up to a flush */
	ST_V0_NAK,		/* v0 fetch: NAK (or ACK) before the pack */
	ST_REFS,		/* ls-refs lines, up to a flush */
	ST_SECTION,		/* a fetch response section header */
	ST_ACKS,		/* acknowledgments lines, up to a delimiter */
	ST_SHALLOW,		/* shallow-info lines, up to a delimiter */
	ST_PACK,		/* side-band packets, up to a flush */
	ST_DONE,		/* the final flush was read */
};

/* Who made the error pn_http_do returned, which decides how it is reported. */
enum origin {
	ORIGIN_TRANSPORT,	/* the HTTP client: its message names the method and URL already */
	ORIGIN_PEER,		/* the answer broke the protocol: prefixed with the repository URL */
	ORIGIN_FINAL,		/* the caller's sink, or a message that names the URL itself: as is */
};

struct pn_upload {
	struct pn_url url;
	char *path;			/* the URL's path without trailing slashes */
	char *refname;			/* refs/heads/<branch> or the ref; NULL when neither was given */
	char *label;			/* for messages: branch "main", ref "refs/tags/v1" */
	char *auth;			/* "Authorization: ..." or NULL; wiped before it is freed */
	const struct pn_tls_config *tls;
	const struct pn_proxy_env *proxy_env;
	struct pn_proxy proxy;		/* the one u->conn goes through (u->proxy.host empty: none) */
	uint64_t deadline_ms, pack_max;
	struct pn_http_conn *conn;	/* http(s) */
	struct pn_ssh *ssh;		/* ssh: connected by discover(), NULL when not (or no longer) */
	char *ssh_command;		/* git-upload-pack '<path>' */
	char *key_file, *kh_file;
	char *chunk;			/* ssh: PN_UPLOAD_SSH_CHUNK bytes read at a time */
	int is_ssh, force_v0;
	struct pn_buf target, body;
	int discovered, srv_agent, srv_object_format;
	int v0;				/* the server spoke v0 (or v1) */
	size_t caps_bytes;
	int v0_multi_ack_detailed, v0_sideband64k, v0_ofs_delta, v0_no_progress;

	/* the listing under way (ls-refs answer or v0 advertisement) */
	const char *ref_prefix;		/* NULL: refs are not wanted */
	pn_upload_ref_cb ref_cb;
	void *ref_ctx;
	char refbuf[PN_UPLOAD_REFNAME_MAX + 1];

	/* the response being read */
	struct pn_http_response *resp;
	const char *ctype;		/* expected Content-Type */
	const char *what;		/* "capability advertisement", "ls-refs", "fetch" */
	int checked, discard;
	enum origin origin;		/* where a failure of pn_http_do came from */
	char errbody[PN_UPLOAD_ERRBODY_MAX + 1];
	size_t errbody_len;
	enum step step;
	int has_ls_refs, has_fetch, has_shallow;
	size_t nrefs, nlines;
	unsigned nshallow;
	struct pn_oid found;
	int have_found;
	struct pn_oid have;		/* the store's commit for a thin fetch (v2); have.len 0: none */
	pn_upload_sink sink;
	void *sink_ctx;
	struct pn_sideband sb;
	uint64_t pack_bytes;
	struct pn_pkt pkt;		/* last: it holds a 64 KiB packet buffer */
};

static void
wipe_free(char *s)
{
	if (s != NULL)
		mbedtls_platform_zeroize(s, strlen(s));
	free(s);
}

/* A subset of git check-ref-format: what could not be a branch, or could confuse the request. */
static int
branch_ok(const char *b)
{
	size_t n = strlen(b);

	if (n == 0 || n > PN_UPLOAD_BRANCH_MAX || b[0] == '/' || b[0] == '-' || b[0] == '.' || b[n - 1] == '/' ||
	    b[n - 1] == '.' || strstr(b, "..") != NULL || strstr(b, "//") != NULL || strstr(b, "/.") != NULL ||
	    strstr(b, "@{") != NULL || (n >= 5 && strcmp(b + n - 5, ".lock") == 0))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)b[i] <= ' ' || b[i] == 0x7f || strchr("~^:?*[\\", b[i]) != NULL)
			return 0;
	return 1;
}

static const struct pn_error *
basic_auth(const struct pn_url *url, char **out)
{
	struct pn_buf cred, line;
	const struct pn_error *err;
	size_t olen;
	char *dst;
	int rc;

	pn_buf_init(&cred, PN_URL_MAX, "URL credentials");
	pn_buf_init(&line, PN_UPLOAD_AUTH_MAX, "Authorization header");
	if ((err = pn_buf_addf(&cred, "%s:%s", url->user, url->password != NULL ? url->password : "")) != NULL)
		goto done;
	if ((err = pn_buf_addstr(&line, "Authorization: Basic ")) != NULL)
		goto done;
	if ((err = pn_buf_reserve(&line, 4 * (cred.len / 3 + 1) + 1, &dst)) != NULL)
		goto done;
	rc = mbedtls_base64_encode((unsigned char *)dst, 4 * (cred.len / 3 + 1) + 1, &olen,
	    (const unsigned char *)cred.data, cred.len);
	if (rc != 0) {
		err = pn_error_fmt(PN_ERR_INTERNAL, "base64 of the URL credentials failed (%d)", rc);
		goto done;
	}
	pn_buf_commit(&line, olen);
	err = pn_buf_detach(&line, out, NULL);
done:
	if (cred.data != NULL)
		mbedtls_platform_zeroize(cred.data, cred.cap);
	if (line.data != NULL)
		mbedtls_platform_zeroize(line.data, line.cap);
	pn_buf_release(&cred);
	pn_buf_release(&line);
	return err;
}

/* A ref name given whole: "refs/" and then what branch_ok() allows. */
static int
refname_ok(const char *r)
{
	return strncmp(r, "refs/", 5) == 0 && branch_ok(r + 5) && strlen(r) <= PN_UPLOAD_REFNAME_MAX;
}

/* path quoted for the remote shell as git does (quote.c sq_quote_buf): in '...', with ' and ! outside. */
static const struct pn_error *
ssh_command(const char *path, char **out)
{
	struct pn_buf b;
	const struct pn_error *err;

	pn_buf_init(&b, 4 * PN_URL_MAX + 32, "ssh command");
	if ((err = pn_buf_addstr(&b, "git-upload-pack '")) != NULL)
		goto done;
	for (const char *p = path; *p != '\0' && err == NULL; p++) {
		if (*p == '\'' || *p == '!')
			err = pn_buf_addf(&b, "'\\%c'", *p);
		else
			err = pn_buf_addch(&b, *p);
	}
	if (err == NULL && (err = pn_buf_addch(&b, '\'')) == NULL)
		err = pn_buf_detach(&b, out, NULL);
done:
	pn_buf_release(&b);
	return err;
}

static const struct pn_error *
setup_ssh(struct pn_upload *u, const struct pn_upload_options *opt)
{
	const struct pn_error *err;

	if (u->url.password != NULL)
		return pn_error_fmt(PN_ERR_USAGE, "%s: SSH URLs carry no password (pinion authenticates with a "
		    "private key)", u->url.redacted);
	if (opt->private_key_file == NULL || opt->private_key_file[0] == '\0')
		return pn_error_fmt(PN_ERR_USAGE, "%s: an SSH URL needs a private key file", u->url.redacted);
	if (opt->known_hosts_file == NULL || opt->known_hosts_file[0] == '\0')
		return pn_error_fmt(PN_ERR_USAGE, "%s: an SSH URL needs a known_hosts file (host keys are always "
		    "verified)", u->url.redacted);
	if (opt->auth_header != NULL)
		return pn_error_fmt(PN_ERR_USAGE, "%s: an Authorization header is for HTTP, not SSH", u->url.redacted);
	u->is_ssh = 1;
	if ((u->key_file = strdup(opt->private_key_file)) == NULL || (u->kh_file = strdup(opt->known_hosts_file)) ==
	    NULL || (u->chunk = malloc(PN_UPLOAD_SSH_CHUNK)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	if ((err = ssh_command(u->url.path, &u->ssh_command)) != NULL)
		return pn_error_wrap(err, "%s", u->url.redacted);
	return NULL;
}

/* u->path: the URL's path without trailing slashes ("" for "/"). */
static const struct pn_error *
set_path(struct pn_upload *u)
{
	size_t n = strlen(u->url.path);

	while (n > 1 && u->url.path[n - 1] == '/')
		n--;
	free(u->path);
	if ((u->path = strndup(u->url.path, n == 1 ? 0 : n)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	return NULL;
}

/* A new HTTP connection to u->url's origin, through the proxy the environment names for it; it replaces the
 * session's connection only when it could be set up. */
static const struct pn_error *
http_setup(struct pn_upload *u)
{
	static const struct pn_proxy_env no_env;
	const char *scheme = pn_url_scheme_name(u->url.scheme);
	const struct pn_error *err;
	struct pn_http_conn *c = NULL;
	struct pn_proxy px;

	if ((err = pn_proxy_for(u->proxy_env != NULL ? u->proxy_env : &no_env, scheme, u->url.host, u->url.port,
	    &px)) != NULL || (err = pn_http_conn_new(scheme, u->url.host, u->url.port, u->tls, &c)) != NULL) {
		pn_proxy_release(&px);
		return pn_error_wrap(err, "%s", u->url.redacted);
	}
	pn_http_conn_free(u->conn);
	pn_proxy_release(&u->proxy);
	u->conn = c;
	u->proxy = px;
	pn_http_conn_set_proxy(c, &u->proxy);
	return NULL;
}

const struct pn_error *
pn_upload_new(const struct pn_upload_options *opt, struct pn_upload **out)
{
	struct pn_upload *u;
	const struct pn_error *err;
	int rc = 0;

	if (opt->branch != NULL && opt->ref != NULL)
		return pn_error_fmt(PN_ERR_USAGE, "a branch or a ref, not both");
	if (opt->branch != NULL && !branch_ok(opt->branch))
		return pn_error_fmt(PN_ERR_USAGE, "bad branch name \"%.*s\"", PN_UPLOAD_BRANCH_MAX, opt->branch);
	if (opt->ref != NULL && !refname_ok(opt->ref))
		return pn_error_fmt(PN_ERR_USAGE, "bad ref name \"%.*s\" (a full name: refs/...)",
		    PN_UPLOAD_REFNAME_MAX, opt->ref);
	if (opt->auth_header != NULL && (strncasecmp(opt->auth_header, "Authorization:", 14) != 0 ||
	    strpbrk(opt->auth_header, "\r\n") != NULL))
		return pn_error_fmt(PN_ERR_USAGE, "the auth header must be one \"Authorization: ...\" line");
	if ((u = calloc(1, sizeof(*u))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	pn_buf_init(&u->target, PN_UPLOAD_TARGET_MAX, "request target");
	pn_buf_init(&u->body, PN_UPLOAD_REQUEST_MAX, "upload-pack request");
	u->deadline_ms = opt->deadline_ms;
	u->pack_max = opt->pack_max != 0 ? opt->pack_max : PN_UPLOAD_PACK_MAX_DEFAULT;
	u->force_v0 = opt->force_v0;
	u->tls = opt->tls;
	u->proxy_env = opt->proxy_env;
	if ((err = pn_url_parse(opt->url, &u->url)) != NULL || (err = set_path(u)) != NULL)
		goto done;
	/* asprintf leaves its pointer undefined on failure */
	if (opt->branch != NULL) {
		if ((rc = asprintf(&u->refname, "refs/heads/%s", opt->branch)) < 0)
			u->refname = NULL;
		else if ((rc = asprintf(&u->label, "branch \"%s\"", opt->branch)) < 0)
			u->label = NULL;
	} else if (opt->ref != NULL) {
		if ((rc = asprintf(&u->refname, "%s", opt->ref)) < 0)
			u->refname = NULL;
		else if ((rc = asprintf(&u->label, "ref \"%s\"", opt->ref)) < 0)
			u->label = NULL;
	}
	if (rc < 0) {
		err = pn_error(PN_ERR_NOMEM);
		goto done;
	}
	if (u->url.scheme == PN_URL_SSH) {
		err = setup_ssh(u, opt);
		goto done;
	}
	if (opt->auth_header != NULL) {
		if ((u->auth = strdup(opt->auth_header)) == NULL)
			err = pn_error(PN_ERR_NOMEM);
	} else if (u->url.user != NULL) {
		err = basic_auth(&u->url, &u->auth);
	}
	if (err == NULL)
		err = http_setup(u);
done:
	if (err != NULL) {
		pn_upload_free(u);
		return err;
	}
	*out = u;
	return NULL;
}

void
pn_upload_free(struct pn_upload *u)
{
	if (u == NULL)
		return;
	pn_http_conn_free(u->conn);
	pn_proxy_release(&u->proxy);
	pn_ssh_free(u->ssh);
	wipe_free(u->auth);
	free(u->path);
	free(u->label);
	free(u->refname);
	free(u->ssh_command);
	free(u->key_file);
	free(u->kh_file);
	free(u->chunk);
	pn_buf_release(&u->target);
	pn_buf_release(&u->body);
	pn_url_release(&u->url);
	free(u);
}

void
pn_upload_set_deadline(struct pn_upload *u, uint64_t deadline_ms)
{
	u->deadline_ms = deadline_ms;
}

uint64_t
pn_upload_pack_bytes(const struct pn_upload *u)
{
	return u->pack_bytes;
}

unsigned
pn_upload_shallow_count(const struct pn_upload *u)
{
	return u->nshallow;
}

unsigned
pn_upload_connects(const struct pn_upload *u)
{
	return u->conn != NULL ? pn_http_conn_connects(u->conn) : 0;
}

const char *
pn_upload_url(const struct pn_upload *u)
{
	return u->url.redacted;
}

int
pn_upload_version(const struct pn_upload *u)
{
	return u->discovered ? (u->v0 ? 0 : 2) : 0;
}

/* ---- reading the responses ------------------------------------------------------------------------------- */

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
unexpected(struct pn_upload *u, const char *what, const char *line, size_t len)
{
	char q[QUOTE_BUF];

	pn_pkt_quote(line, len, q, sizeof(q));
	return pn_error_fmt(PN_ERR_PROTO, "%s: unexpected %s \"%s\"", u->what, what, q);
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
count_line(struct pn_upload *u)
{
	if (++u->nlines > PN_UPLOAD_SECTION_LINES_MAX)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s: more than %d lines before the pack", u->what,
		    PN_UPLOAD_SECTION_LINES_MAX);
	return NULL;
}

static const struct pn_error *
capability(struct pn_upload *u, const char *line, size_t len)
{
	/* the answer's budget is that of a v0 advertisement: hold v2 capabilities to their own */
	u->caps_bytes += len + PN_PKT_HDR;
	if (u->caps_bytes > PN_UPLOAD_CAPS_MAX)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s: more than %d bytes", u->what, PN_UPLOAD_CAPS_MAX);
	if (keyword(line, len, "agent", '='))
		u->srv_agent = 1;
	else if (keyword(line, len, "ls-refs", '='))
		u->has_ls_refs = 1;
	else if (keyword(line, len, "fetch", '=')) {
		/* fetch=<feature> <feature>...: depth-1 clones need "shallow" */
		u->has_fetch = 1;
		for (size_t i = 5; i < len;) {
			size_t j = i + 1;

			while (j < len && line[j] != ' ')
				j++;
			if (j - i - 1 == 7 && memcmp(line + i + 1, "shallow", 7) == 0)
				u->has_shallow = 1;
			i = j;
		}
	} else if (keyword(line, len, "object-format", '=')) {
		if (len == 18 && memcmp(line + 14, "sha1", 4) == 0)
			u->srv_object_format = 1;
		else if (len == 20 && memcmp(line + 14, "sha256", 6) == 0)
			return pn_error_fmt(PN_ERR_UNSUPPORTED, "SHA-256 repositories are not supported yet");
		else
			return unexpected(u, "object format", line, len);
	}
	return NULL;
}

static const struct pn_error *
caps_done(struct pn_upload *u)
{
	if (!u->has_ls_refs)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "the server does not offer the ls-refs command");
	if (!u->has_fetch)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "the server does not offer the fetch command");
	if (!u->has_shallow)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "the server does not offer shallow fetches (fetch=shallow), "
		    "which pinion needs for depth-1 snapshots");
	u->step = ST_DONE;
	return NULL;
}

/* A ref for the listing under way: name (nlen bytes, no NUL) and its id in hex. */
static const struct pn_error *
emit_ref(struct pn_upload *u, const char *name, size_t nlen, const char *hex, int peeled)
{
	struct pn_oid oid;
	const struct pn_error *err;
	size_t plen;

	if (u->ref_cb == NULL || u->ref_prefix == NULL)
		return NULL;
	plen = strlen(u->ref_prefix);
	if (nlen > PN_UPLOAD_REFNAME_MAX || nlen < plen || memcmp(name, u->ref_prefix, plen) != 0 ||
	    memchr(name, '\0', nlen) != NULL)
		return NULL;
	if ((err = pn_oid_from_hex(hex, PN_OID_SHA1_LEN * 2, &oid)) != NULL)
		return err;
	memcpy(u->refbuf, name, nlen);
	u->refbuf[nlen] = '\0';
	return u->ref_cb(u->ref_ctx, u->refbuf, &oid, peeled);
}

/* A v0 ref line after the first: "<oid> <name>", peeled tags as "<oid> <name>^{}". */
static const struct pn_error *
v0_ref(struct pn_upload *u, const char *line, size_t len)
{
	const char *name = line + 41;
	size_t nlen = len - 41;

	if (++u->nrefs > PN_UPLOAD_ADV_REFS_MAX)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s: more than %d refs", u->what, PN_UPLOAD_ADV_REFS_MAX);
	if (nlen >= 3 && memcmp(name + nlen - 3, "^{}", 3) == 0)
		return emit_ref(u, name, nlen - 3, line, 1);
	return emit_ref(u, name, nlen, line, 0);
}

/* The v0 capabilities after the first ref's NUL: what a depth-1 side-band fetch needs. */
static const struct pn_error *
v0_caps(struct pn_upload *u, const char *caps, size_t len)
{
	int shallow = 0;

	u->v0_multi_ack_detailed = u->v0_sideband64k = u->v0_ofs_delta = u->v0_no_progress = 0;
	for (size_t i = 0; i < len;) {
		size_t j = i;

		while (j < len && caps[j] != ' ')
			j++;
		if (keyword(caps + i, j - i, "agent", '='))
			u->srv_agent = 1;
		else if (keyword(caps + i, j - i, "shallow", ' '))
			shallow = 1;
		else if (keyword(caps + i, j - i, "side-band-64k", ' '))
			u->v0_sideband64k = 1;
		else if (keyword(caps + i, j - i, "multi_ack_detailed", ' '))
			u->v0_multi_ack_detailed = 1;
		else if (keyword(caps + i, j - i, "ofs-delta", ' '))
			u->v0_ofs_delta = 1;
		else if (keyword(caps + i, j - i, "no-progress", ' '))
			u->v0_no_progress = 1;
		else if (keyword(caps + i, j - i, "object-format", '=') && !(j - i == 18 &&
		    memcmp(caps + i + 14, "sha1", 4) == 0)) {
			if (j - i == 20 && memcmp(caps + i + 14, "sha256", 6) == 0)
				return pn_error_fmt(PN_ERR_UNSUPPORTED, "SHA-256 repositories are not supported yet");
			return unexpected(u, "object format", caps + i, j - i);
		}
		i = j + 1;
	}
	if (!shallow)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "the server (protocol v0) does not offer shallow fetches, "
		    "which pinion needs for depth-1 snapshots");
	if (!u->v0_sideband64k)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "the server (protocol v0) does not offer side-band-64k");
	return NULL;
}

/* The first line of a v0 advertisement: "<oid> <name>\0<capabilities>"; an empty repository sends the zero id
 * and "capabilities^{}". */
static const struct pn_error *
v0_first(struct pn_upload *u, const char *line, size_t len)
{
	const char *nul;
	const struct pn_error *err;
	size_t nlen;

	if (len < 42 || !is_hex_oid(line, 40) || line[40] != ' ' || (nul = memchr(line, '\0', len)) == NULL)
		return unexpected(u, "first line", line, len);
	u->v0 = 1;
	if ((err = v0_caps(u, nul + 1, (size_t)(line + len - nul - 1))) != NULL)
		return err;
	u->step = ST_V0_REFS;
	nlen = (size_t)(nul - line - 41);
	if (nlen == 15 && memcmp(line + 41, "capabilities^{}", 15) == 0)
		return NULL;
	return v0_ref(u, line, (size_t)(nul - line));
}

/* "version 2", or what a server that cannot speak v2 sends instead: "version 1" or a v0 advertisement. */
static const struct pn_error *
version_line(struct pn_upload *u, const char *line, size_t len)
{
	if (len == 9 && memcmp(line, "version 2", 9) == 0) {
		u->step = ST_CAPS_LINES;
		return NULL;
	}
	if (keyword(line, len, "ERR", ' '))
		return server_err(line, len);
	if (len == 9 && memcmp(line, "version 1", 9) == 0) {
		u->step = ST_V1_FIRST;
		return NULL;
	}
	return v0_first(u, line, len);
}

static const struct pn_error *
caps_packet(struct pn_upload *u, enum pn_pkt_type type, const char *line, size_t len)
{
	switch (u->step) {
	case ST_CAPS_FIRST:
		if (type == PN_PKT_DATA && keyword(line, len, "# service", '=')) {
			if (len != 25 || memcmp(line, "# service=git-upload-pack", 25) != 0)
				return unexpected(u, "service line", line, len);
			u->step = ST_CAPS_SERVICE_FLUSH;
			return NULL;
		}
		/* FALLTHROUGH */
	case ST_CAPS_VERSION:
		if (type != PN_PKT_DATA)
			return pn_error_fmt(PN_ERR_PROTO, "%s: empty", u->what);
		return version_line(u, line, len);
	case ST_CAPS_SERVICE_FLUSH:
		if (type != PN_PKT_FLUSH)
			return pn_error_fmt(PN_ERR_PROTO, "%s: no flush after the service line", u->what);
		u->step = ST_CAPS_VERSION;
		return NULL;
	case ST_V1_FIRST:
		if (type != PN_PKT_DATA)
			return pn_error_fmt(PN_ERR_PROTO, "%s: no refs after \"version 1\"", u->what);
		if (keyword(line, len, "ERR", ' '))
			return server_err(line, len);
		return v0_first(u, line, len);
	case ST_V0_REFS:
		if (type == PN_PKT_FLUSH) {
			u->step = ST_DONE;
			return NULL;
		}
		if (type != PN_PKT_DATA)
			return pn_error_fmt(PN_ERR_PROTO, "%s: unexpected delimiter", u->what);
		if (keyword(line, len, "ERR", ' '))
			return server_err(line, len);
		if (len < 42 || !is_hex_oid(line, 40) || line[40] != ' ')
			return unexpected(u, "ref line", line, len);
		return v0_ref(u, line, len);
	default:
		if (type == PN_PKT_FLUSH)
			return caps_done(u);
		if (type != PN_PKT_DATA)
			return pn_error_fmt(PN_ERR_PROTO, "%s: unexpected delimiter", u->what);
		return capability(u, line, len);
	}
}

/* "<oid> <refname>[ <attribute>...]"; with "peel", annotated tags carry "peeled:<oid>". */
static const struct pn_error *
ref_line(struct pn_upload *u, const char *line, size_t len)
{
	const char *name, *nend, *end, *attr;
	const struct pn_error *err;

	if (keyword(line, len, "ERR", ' '))
		return server_err(line, len);
	if (++u->nrefs > PN_UPLOAD_REFS_MAX)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "ls-refs: more than %d refs", PN_UPLOAD_REFS_MAX);
	if (len < 42 || !is_hex_oid(line, 40) || line[40] != ' ')
		return unexpected(u, "line", line, len);
	name = line + 41;
	if ((nend = memchr(name, ' ', len - 41)) == NULL)
		nend = line + len;
	if ((err = emit_ref(u, name, (size_t)(nend - name), line, 0)) != NULL)
		return err;
	for (attr = nend; attr < line + len; attr = end) {
		const char *a = attr + 1;

		end = memchr(a, ' ', (size_t)(line + len - a));
		if (end == NULL)
			end = line + len;
		if ((size_t)(end - a) > 7 && memcmp(a, "peeled:", 7) == 0) {
			if (!is_hex_oid(a + 7, (size_t)(end - a - 7)))
				return unexpected(u, "peeled id", a, (size_t)(end - a));
			return emit_ref(u, name, (size_t)(nend - name), a + 7, 1);
		}
	}
	return NULL;
}

/* The lookup of pn_upload_ls_ref: the session's ref, peeled when it is an annotated tag. */
static const struct pn_error *
find_ref(void *ctx, const char *name, const struct pn_oid *oid, int peeled)
{
	struct pn_upload *u = ctx;

	if (strcmp(name, u->refname) != 0)
		return NULL;
	if (peeled || !u->have_found)
		u->found = *oid;
	u->have_found = 1;
	return NULL;
}

/* "shallow <oid>" (git reports the wanted commit) or "unshallow <oid>". */
static const struct pn_error *
shallow_line(struct pn_upload *u, const char *line, size_t len)
{
	if (len == 48 && memcmp(line, "shallow ", 8) == 0 && is_hex_oid(line + 8, 40)) {
		u->nshallow++;
		return NULL;
	}
	if (len == 50 && memcmp(line, "unshallow ", 10) == 0 && is_hex_oid(line + 10, 40))
		return NULL;
	return unexpected(u, "shallow-info line", line, len);
}

static const struct pn_error *
section_line(struct pn_upload *u, const char *line, size_t len)
{
	const struct pn_error *err;

	if (keyword(line, len, "ERR", ' '))
		return server_err(line, len);
	if ((err = count_line(u)) != NULL)
		return err;
	switch (u->step) {
	case ST_SECTION:
		if (len == 15 && memcmp(line, "acknowledgments", 15) == 0)
			u->step = ST_ACKS;
		else if (len == 12 && memcmp(line, "shallow-info", 12) == 0)
			u->step = ST_SHALLOW;
		else if (len == 8 && memcmp(line, "packfile", 8) == 0)
			u->step = ST_PACK;
		else
			return unexpected(u, "section", line, len);
		return NULL;
	case ST_ACKS:
		/* with "done" sent there is nothing to negotiate; accept what a server may still say */
		if ((len == 3 && memcmp(line, "NAK", 3) == 0) || (len == 5 && memcmp(line, "ready", 5) == 0) ||
		    (len == 44 && memcmp(line, "ACK ", 4) == 0 && is_hex_oid(line + 4, 40)))
			return NULL;
		return unexpected(u, "acknowledgment", line, len);
	default:
		return shallow_line(u, line, len);
	}
}

/* v0 fetch answer before the pack: shallow lines, a flush, then NAK (ACKs tolerated). */
static const struct pn_error *
v0_fetch_packet(struct pn_upload *u, enum pn_pkt_type type, const char *line, size_t len)
{
	const struct pn_error *err;

	if (type == PN_PKT_FLUSH && u->step == ST_V0_SHALLOW) {
		u->step = ST_V0_NAK;
		return NULL;
	}
	if (type != PN_PKT_DATA)
		return pn_error_fmt(PN_ERR_PROTO, "%s: unexpected %s before the pack", u->what,
		    type == PN_PKT_FLUSH ? "flush" : type == PN_PKT_DELIM ? "delimiter" : "response end (0002)");
	if (keyword(line, len, "ERR", ' '))
		return server_err(line, len);
	if ((err = count_line(u)) != NULL)
		return err;
	if (u->step == ST_V0_SHALLOW)
		return shallow_line(u, line, len);
	if (len == 3 && memcmp(line, "NAK", 3) == 0) {
		u->step = ST_PACK;
		return NULL;
	}
	if (len >= 44 && memcmp(line, "ACK ", 4) == 0 && is_hex_oid(line + 4, 40))
		return NULL;
	return unexpected(u, "acknowledgment", line, len);
}

static const struct pn_error *
fetch_packet(struct pn_upload *u, enum pn_pkt_type type, const char *data, size_t len)
{
	if (u->step == ST_PACK) {
		if (type == PN_PKT_DATA)
			return pn_sideband_packet(&u->sb, data, len);
		if (type != PN_PKT_FLUSH)
			return pn_error_fmt(PN_ERR_PROTO, "fetch: unexpected delimiter in the pack stream");
		if (u->sb.data_bytes == 0)
			return pn_error_fmt(PN_ERR_PROTO, "fetch: the packfile section is empty");
		u->step = ST_DONE;
		return NULL;
	}
	if (type == PN_PKT_DATA)
		return section_line(u, data, pn_pkt_chomp(data, len));
	if (type == PN_PKT_DELIM && u->step != ST_SECTION) {
		u->step = ST_SECTION;
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
	struct pn_upload *u = ctx;
	size_t n = type == PN_PKT_DATA ? pn_pkt_chomp(data, len) : 0;

	if (u->step == ST_DONE) {
		/* 0002 (response end) is what a stateless proxy may add; nothing else may follow the flush */
		if (type == PN_PKT_END)
			return NULL;
		return pn_error_fmt(PN_ERR_PROTO, "%s: data after the end of the response", u->what);
	}
	switch (u->step) {
	case ST_CAPS_FIRST:
	case ST_CAPS_SERVICE_FLUSH:
	case ST_CAPS_VERSION:
	case ST_CAPS_LINES:
	case ST_V1_FIRST:
	case ST_V0_REFS:
		return caps_packet(u, type, data, n);
	case ST_V0_SHALLOW:
	case ST_V0_NAK:
		return v0_fetch_packet(u, type, data, n);
	case ST_REFS:
		if (type == PN_PKT_FLUSH) {
			u->step = ST_DONE;
			return NULL;
		}
		if (type != PN_PKT_DATA)
			return pn_error_fmt(PN_ERR_PROTO, "ls-refs: unexpected delimiter");
		return ref_line(u, data, n);
	default:
		return fetch_packet(u, type, data, len);
	}
}

static const struct pn_error *
pack_data(void *ctx, const char *data, size_t len)
{
	struct pn_upload *u = ctx;
	const struct pn_error *err;

	if (u->sink != NULL && (err = u->sink(u->sink_ctx, data, len)) != NULL) {
		u->origin = ORIGIN_FINAL;
		return err;
	}
	u->pack_bytes += len;
	return NULL;
}

/* The media type of a Content-Type value, parameters ignored, is `want`. */
static int
ctype_is(const char *v, const char *want)
{
	size_t n = strlen(want);

	if (v == NULL || strncasecmp(v, want, n) != 0)
		return 0;
	return v[n] == '\0' || v[n] == ';' || v[n] == ' ' || v[n] == '\t';
}

static const struct pn_error *
check_ctype(struct pn_upload *u)
{
	const char *v = pn_http_header(u->resp, "Content-Type");
	char q[QUOTE_BUF];

	if (ctype_is(v, u->ctype))
		return NULL;
	pn_pkt_quote(v != NULL ? v : "(none)", v != NULL ? strlen(v) : 6, q, sizeof(q));
	if (u->step == ST_CAPS_FIRST)
		return pn_error_fmt(PN_ERR_PROTO, "%s is not a Git smart-HTTP server (Content-Type %s for "
		    "info/refs; dumb HTTP is not supported)", u->url.redacted, q);
	return pn_error_fmt(PN_ERR_PROTO, "%s: %s answer has Content-Type %s, not " CTYPE_RESULT, u->url.redacted,
	    u->what, q);
}

/* The HTTP body sink: check the answer once, then feed the pkt-line reader. */
static const struct pn_error *
body_sink(void *ctx, const void *data, size_t len)
{
	struct pn_upload *u = ctx;
	const struct pn_error *err;

	if (!u->checked) {
		u->checked = 1;
		if (u->resp->status != 200) {
			u->discard = 1;
		} else if ((err = check_ctype(u)) != NULL) {
			u->origin = ORIGIN_FINAL;
			return err;
		}
	}
	if (u->discard) {
		/* keep the start of an error page for the message */
		size_t n = PN_UPLOAD_ERRBODY_MAX - u->errbody_len < len ? PN_UPLOAD_ERRBODY_MAX - u->errbody_len : len;

		memcpy(u->errbody + u->errbody_len, data, n);
		u->errbody_len += n;
		return NULL;
	}
	if ((err = pn_pkt_push(&u->pkt, data, len)) != NULL && u->origin == ORIGIN_TRANSPORT)
		u->origin = ORIGIN_PEER;
	return err;
}

static const struct pn_error *
status_error(struct pn_upload *u, int status)
{
	const char *url = u->url.redacted, *loc;
	char body[QUOTE_BUF + 8] = "", q[QUOTE_BUF];

	if (u->errbody_len > 0) {
		pn_pkt_quote(u->errbody, u->errbody_len, q, sizeof(q));
		snprintf(body, sizeof(body), ": %s", q);
	}
	switch (status) {
	case 401:
		return pn_error_fmt(PN_ERR_AUTH, "authentication %s for %s (HTTP 401)",
		    u->auth != NULL ? "failed" : "required", url);
	case 403:
		return pn_error_fmt(PN_ERR_AUTH, "access denied to %s (HTTP 403%s)", url, body);
	case 404:
		return pn_error_fmt(PN_ERR_NOT_FOUND, "repository not found: %s (HTTP 404)", url);
	case 407:
		return pn_error_fmt(PN_ERR_AUTH, "%s: proxy %s answers HTTP 407 (proxy authentication required)", url,
		    u->proxy.host[0] != '\0' ? u->proxy.shown : "(unknown)");
	case 301:
	case 302:
	case 303:
	case 307:
	case 308:
		/* only GET info/refs gets here with a redirect followed; a POST's is git's error too */
		loc = pn_http_header(u->resp, "Location");
		pn_url_redact(loc != NULL ? loc : "(none)", q, sizeof(q));
		return pn_error_fmt(PN_ERR_REJECTED, "%s: the %s request is redirected to %s (HTTP %d); only the "
		    "first request (info/refs) may be redirected", url, u->what, q, status);
	default:
		if (status == 429 || status >= 500)
			return pn_error_fmt(PN_ERR_UNAVAILABLE, "%s: server error (HTTP %d%s)", url, status, body);
		return pn_error_fmt(PN_ERR_PROTO, "%s: unexpected HTTP status %d%s", url, status, body);
	}
}

/* Get ready to read an answer from its first packet, expected in state `first`. */
static void
answer_begin(struct pn_upload *u, enum step first, uint64_t pkt_max, const char *what)
{
	u->what = what;
	u->step = first;
	u->nlines = 0;
	pn_pkt_init(&u->pkt, pkt_max, on_packet, u);
}

/* The answer's bytes are all in: it must have ended cleanly with its final flush. */
static const struct pn_error *
answer_end(struct pn_upload *u)
{
	const struct pn_error *err;

	if ((err = pn_pkt_finish(&u->pkt)) != NULL)
		return pn_error_wrap(err, "%s: %s answer", u->url.redacted, u->what);
	if (u->step != ST_DONE)
		return pn_error_fmt(PN_ERR_PROTO, "%s: the %s answer ended early", u->url.redacted, u->what);
	return NULL;
}

static int
is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* Append path (n bytes, starting with '/') to out without its "." and ".." segments (RFC 3986 §5.2.4). */
static const struct pn_error *
add_path(struct pn_buf *out, const char *path, size_t n)
{
	const struct pn_error *err = NULL;
	size_t base = out->len;

	for (const char *s = path, *e = path + n; s < e && err == NULL;) {
		const char *seg = s + 1, *next = memchr(seg, '/', (size_t)(e - seg));
		size_t len;

		next = next != NULL ? next : e;
		len = (size_t)(next - seg);
		if ((len == 1 || len == 2) && memcmp(seg, "..", len) == 0) {
			while (len == 2 && out->len > base && out->data[--out->len] != '/')
				;
			out->data[out->len] = '\0';
			if (next == e)
				err = pn_buf_addch(out, '/');
		} else if ((err = pn_buf_addch(out, '/')) == NULL) {
			err = pn_buf_add(out, seg, len);
		}
		s = next;
	}
	return err;
}

/* The Location of a redirect as an absolute URL, resolved against the URL asked for (RFC 3986 §5.2), without
 * its fragment. *ok 0: not a reference pinion can resolve. */
static const struct pn_error *
resolve(struct pn_upload *u, const char *loc, struct pn_buf *out, int *ok)
{
	const char *target = pn_buf_str(&u->target), *rest = loc, *host = u->url.host;
	size_t sn = strspn(loc, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-."), n;
	const struct pn_error *err = NULL;
	struct pn_buf rel;

	*ok = 1;
	pn_buf_init(&rel, PN_UPLOAD_TARGET_MAX + PN_URL_MAX, "redirect location");
	if (sn > 0 && loc[sn] == ':') {
		/* scheme://authority...; "scheme:path" (no authority) is nothing to fetch from */
		if (strncmp(loc + sn, "://", 3) != 0) {
			*ok = 0;
			goto done;
		}
		rest = loc + sn + 3 + strcspn(loc + sn + 3, "/?#");
		err = pn_buf_add(out, loc, (size_t)(rest - loc));
	} else if (loc[0] == '/' && loc[1] == '/') {
		rest = loc + 2 + strcspn(loc + 2, "/?#");
		err = pn_buf_addf(out, "%s:%.*s", pn_url_scheme_name(u->url.scheme), (int)(rest - loc), loc);
	} else {
		err = pn_buf_addf(out, strchr(host, ':') != NULL ? "%s://[%s]:%s" : "%s://%s:%s",
		    pn_url_scheme_name(u->url.scheme), host, u->url.port);
		/* a relative path goes after the directory of the path asked for; "?query" after the whole path */
		if (err == NULL && loc[0] != '/') {
			size_t k = strcspn(target, "?");

			while (loc[0] != '?' && k > 0 && target[k - 1] != '/')
				k--;
			err = pn_buf_add(&rel, target, k);
		}
	}
	if (err == NULL)
		err = pn_buf_add(&rel, rest, strcspn(rest, "#"));
	n = strcspn(pn_buf_str(&rel), "?");
	if (err == NULL && (err = add_path(out, rel.data, n)) == NULL)
		err = pn_buf_addstr(out, pn_buf_str(&rel) + n);
done:
	pn_buf_release(&rel);
	return err;
}

/* Follow a redirect of the first request (git's http.followRedirects=initial): the new base URL is the Location
 * without the suffix that was asked for, and every later request goes there. */
static const struct pn_error *
follow(struct pn_upload *u, int status, const char *suffix)
{
	const char *loc = pn_http_header(u->resp, "Location"), *why = NULL;
	const struct pn_error *err;
	struct pn_buf abs;
	struct pn_url nu;
	char to[QUOTE_BUF];
	size_t sl = strlen(suffix);
	int ok = 0, same;

	memset(&nu, 0, sizeof(nu));
	pn_buf_init(&abs, 2 * (PN_UPLOAD_TARGET_MAX + PN_URL_MAX), "redirect URL");
	if ((err = resolve(u, loc != NULL ? loc : "", &abs, &ok)) != NULL) {
		err = pn_error_wrap(err, "%s%s redirects (HTTP %d)", u->url.redacted, suffix, status);
		goto done;
	}
	if (loc == NULL || *loc == '\0') {
		ok = 0;
		loc = "(none)";
	}
	pn_url_redact(ok ? abs.data : loc, to, sizeof(to));
	if (!ok)
		why = "not a URL that can be followed";
	else if (abs.len <= sl || strcmp(abs.data + abs.len - sl, suffix) != 0)
		why = "it does not end in what was asked for, so it names no repository";
	if (why == NULL) {
		abs.data[abs.len - sl] = '\0';
		if (pn_url_parse(abs.data, &nu) != NULL)
			why = "not a Git URL";
		else if (nu.scheme != u->url.scheme)
			why = "a redirect to another scheme is not followed";
	}
	if (why != NULL) {
		err = pn_error_fmt(PN_ERR_REJECTED, "%s%s redirects to %s (HTTP %d): %s", u->url.redacted, suffix, to,
		    status, why);
		goto done;
	}
	pn_log(PN_LOG_DEBUG, "%s%s redirects to %s (HTTP %d)", u->url.redacted, suffix, to, status);
	/* credentials go only where they were given for, the same host and port, as curl (and so git) sends them
	 * without --location-trusted; the redirect's own user information is never used */
	same = strcasecmp(nu.host, u->url.host) == 0 && strcmp(nu.port, u->url.port) == 0;
	if (!same) {
		wipe_free(u->auth);
		u->auth = NULL;
	}
	pn_url_release(&u->url);
	u->url = nu;
	memset(&nu, 0, sizeof(nu));
	if ((err = set_path(u)) == NULL && !same)
		err = http_setup(u);
done:
	pn_url_release(&nu);
	pn_buf_release(&abs);
	return err;
}

/* One request and its whole answer, read through on_packet from `first`. The first request (a GET) follows
 * redirects. */
static const struct pn_error *
request(struct pn_upload *u, int post, const char *suffix, enum step first, uint64_t pkt_max, const char *what)
{
	const char *headers[5];
	struct pn_http_request req;
	struct pn_http_response resp;
	const struct pn_error *err;
	char asked[PN_URL_MAX + sizeof(PN_URL_REDACTED)];
	unsigned hops = 0;

	snprintf(asked, sizeof(asked), "%s", u->url.redacted);
	memset(&resp, 0, sizeof(resp));
	u->resp = &resp;
	for (;;) {
		size_t nh = 0;

		pn_buf_reset(&u->target);
		if ((err = pn_buf_addf(&u->target, "%s%s", u->path, suffix)) != NULL)
			goto done;
		/* v0 requests go without it: a server that ignored it once is not asked again */
		if (!u->force_v0 && !(post && u->v0))
			headers[nh++] = "Git-Protocol: version=2";
		if (post) {
			headers[nh++] = "Content-Type: application/x-git-upload-pack-request";
			headers[nh++] = "Accept: " CTYPE_RESULT;
		}
		if (u->auth != NULL)
			headers[nh++] = u->auth;
		headers[nh] = NULL;
		memset(&req, 0, sizeof(req));
		req.method = post ? "POST" : "GET";
		req.target = pn_buf_str(&u->target);
		req.headers = headers;
		req.body = post ? u->body.data : NULL;
		req.body_len = post ? u->body.len : 0;

		u->ctype = post ? CTYPE_RESULT : CTYPE_ADVERTISEMENT;
		u->checked = u->discard = 0;
		u->origin = ORIGIN_TRANSPORT;
		u->errbody_len = 0;
		answer_begin(u, first, pkt_max, what);
		pn_http_response_release(&resp);
		err = pn_http_do(u->conn, &req, &resp, body_sink, u, u->deadline_ms);
		if (err != NULL) {
			if (u->origin == ORIGIN_PEER)
				err = pn_error_wrap(err, "%s", u->url.redacted);
			goto done;
		}
		if (post || !is_redirect(resp.status))
			break;
		if (++hops > PN_UPLOAD_REDIRECTS_MAX) {
			err = pn_error_fmt(PN_ERR_REJECTED, "%s: more than %d redirects (the last to %s)", asked,
			    PN_UPLOAD_REDIRECTS_MAX, u->url.redacted);
			goto done;
		}
		if ((err = follow(u, resp.status, suffix)) != NULL)
			goto done;
	}
	if (resp.status != 200) {
		err = status_error(u, resp.status);
		goto done;
	}
	if (!u->checked && (err = check_ctype(u)) != NULL)
		goto done;
	err = answer_end(u);
done:
	/* a half-read answer leaves the connection unusable; pn_http_do has closed it */
	u->resp = NULL;
	pn_http_response_release(&resp);
	return err;
}

/* ---- SSH: one channel, one conversation -------------------------------------------------------------------- */

static void
ssh_drop(struct pn_upload *u)
{
	pn_ssh_free(u->ssh);
	u->ssh = NULL;
	u->discovered = 0;
}

/* The channel ended before the answer did: the server's stderr says why (git: "fatal: ..."). */
static const struct pn_error *
ssh_early_end(struct pn_upload *u)
{
	char q[QUOTE_BUF];
	const char *e = pn_ssh_stderr(u->ssh);
	size_t n = strcspn(e, "\n");

	pn_pkt_quote(e, n, q, sizeof(q));
	if (strstr(e, "does not appear to be a git repository") != NULL || strstr(e, "not a git repository") !=
	    NULL || strstr(e, "No such file") != NULL)
		return pn_error_fmt(PN_ERR_NOT_FOUND, "repository not found: %s (%s)", u->url.redacted, q);
	if (n > 0)
		return pn_error_fmt(PN_ERR_REJECTED, "%s: the server ended the %s: %s", u->url.redacted, u->what, q);
	return pn_error_fmt(PN_ERR_PROTO, "%s: the server ended the connection during the %s", u->url.redacted,
	    u->what);
}

/* Send u->body (unless send is 0), then read one whole answer from the channel, from `first`. Any failure
 * leaves the conversation at an unknown point: the connection is dropped, and the next call starts anew. */
static const struct pn_error *
ssh_exchange(struct pn_upload *u, int send, enum step first, uint64_t pkt_max, const char *what)
{
	const struct pn_error *err = NULL;
	size_t n;

	answer_begin(u, first, pkt_max, what);
	u->origin = ORIGIN_TRANSPORT;
	if (send && (err = pn_ssh_write_all(u->ssh, u->body.data, u->body.len, u->deadline_ms)) != NULL)
		goto done;
	while (u->step != ST_DONE) {
		if ((err = pn_ssh_read(u->ssh, u->chunk, PN_UPLOAD_SSH_CHUNK, u->deadline_ms, &n)) != NULL)
			goto done;
		if (n == 0) {
			err = ssh_early_end(u);
			goto done;
		}
		u->origin = ORIGIN_PEER;
		if ((err = pn_pkt_push(&u->pkt, u->chunk, n)) != NULL) {
			if (u->origin == ORIGIN_PEER)
				err = pn_error_wrap(err, "%s", u->url.redacted);
			goto done;
		}
		u->origin = ORIGIN_TRANSPORT;
	}
	err = answer_end(u);
done:
	if (err != NULL)
		ssh_drop(u);
	return err;
}

static const struct pn_error *
ssh_discover(struct pn_upload *u)
{
	struct pn_ssh_options so;
	const struct pn_error *err;

	memset(&so, 0, sizeof(so));
	so.host = u->url.host;
	so.port = u->url.port;
	so.user = u->url.user;
	so.private_key_file = u->key_file;
	so.known_hosts_file = u->kh_file;
	so.deadline_ms = u->deadline_ms;
	if ((err = pn_ssh_connect(&so, &u->ssh)) != NULL)
		return err;
	if ((err = pn_ssh_exec(u->ssh, u->ssh_command, u->force_v0 ? NULL : "version=2")) != NULL) {
		ssh_drop(u);
		return err;
	}
	return ssh_exchange(u, 0, ST_CAPS_FIRST, PN_UPLOAD_ADV_MAX, "capability advertisement");
}

/* ---- the commands -------------------------------------------------------------------------------------- */

static void
discover_begin(struct pn_upload *u)
{
	u->has_ls_refs = u->has_fetch = u->has_shallow = u->srv_agent = u->srv_object_format = 0;
	u->v0 = 0;
	u->caps_bytes = 0;
	u->nrefs = 0;
}

/* The first answer of a conversation: v2 capabilities, or the v0 advertisement (whose refs go to the listing
 * under way, if any). */
static const struct pn_error *
discover(struct pn_upload *u)
{
	const struct pn_error *err;

	if (u->discovered)
		return NULL;
	discover_begin(u);
	if (u->is_ssh) {
		ssh_drop(u);
		err = ssh_discover(u);
	} else {
		err = request(u, 0, "/info/refs?service=git-upload-pack", ST_CAPS_FIRST, PN_UPLOAD_ADV_MAX,
		    "capability advertisement");
	}
	u->discovered = err == NULL;
	if (err == NULL)
		pn_log(PN_LOG_DEBUG, "%s: git protocol %s", u->url.redacted, u->v0 ? "v0" : "v2");
	return err;
}

/* One request (u->body) and its answer, on the session's transport. */
static const struct pn_error *
exchange(struct pn_upload *u, enum step first, uint64_t pkt_max, const char *what)
{
	if (u->is_ssh) {
		if (u->ssh == NULL)
			return pn_error_fmt(PN_ERR_INTERNAL, "%s: no SSH connection for the %s", u->url.redacted, what);
		return ssh_exchange(u, 1, first, pkt_max, what);
	}
	return request(u, 1, "/git-upload-pack", first, pkt_max, what);
}

/* "command=<cmd>", agent and object-format as the server advertised them, then the delimiter. */
static const struct pn_error *
command(struct pn_upload *u, const char *cmd)
{
	const struct pn_error *err;

	pn_buf_reset(&u->body);
	if ((err = pn_pkt_writef(&u->body, "command=%s\n", cmd)) != NULL)
		return err;
	if (u->srv_agent && (err = pn_pkt_writef(&u->body, "agent=pinion/%s\n", PN_VERSION)) != NULL)
		return err;
	if (u->srv_object_format && (err = pn_pkt_writef(&u->body, "object-format=sha1\n")) != NULL)
		return err;
	return pn_pkt_delim(&u->body);
}

static void
listing_begin(struct pn_upload *u, const char *prefix, pn_upload_ref_cb cb, void *ctx)
{
	u->ref_prefix = prefix;
	u->ref_cb = cb;
	u->ref_ctx = ctx;
	u->nrefs = 0;
}

static void
listing_end(struct pn_upload *u)
{
	u->ref_prefix = NULL;
	u->ref_cb = NULL;
	u->ref_ctx = NULL;
}

static const struct pn_error *
ls_refs(struct pn_upload *u, const char *prefix, pn_upload_ref_cb cb, void *ctx)
{
	const struct pn_error *err;

	/* v0 lists refs only in the advertisement, which was read already: over HTTP ask for a new one; over SSH
	 * there is one per connection */
	if (u->discovered && u->v0) {
		if (u->is_ssh)
			ssh_drop(u);
		u->discovered = 0;
	}
	listing_begin(u, prefix, cb, ctx);
	if (!u->discovered && ((err = discover(u)) != NULL || u->v0))
		goto done;
	if ((err = command(u, "ls-refs")) != NULL || (err = pn_pkt_writef(&u->body, "peel\n")) != NULL ||
	    (err = pn_pkt_writef(&u->body, "ref-prefix %s\n", prefix)) != NULL ||
	    (err = pn_pkt_flush(&u->body)) != NULL)
		goto done;
	u->nrefs = 0;
	err = exchange(u, ST_REFS, PN_UPLOAD_LS_REFS_MAX, "ls-refs");
done:
	listing_end(u);
	return err;
}

static void
ls_refs_begin(struct pn_upload *u)
{
	u->nrefs = 0;
	u->have_found = 0;
}

static const struct pn_error *
ls_refs_result(struct pn_upload *u, struct pn_oid *out)
{
	if (!u->have_found)
		return pn_error_fmt(PN_ERR_NOT_FOUND, "%s not found in %s", u->label, u->url.redacted);
	if (out != NULL)
		*out = u->found;
	return NULL;
}

/* Ready for a fetch answer: the pack goes to sink; returns the ceiling on the whole answer's bytes. */
static uint64_t
fetch_begin(struct pn_upload *u, pn_upload_sink sink, void *sink_ctx)
{
	uint64_t overhead, pkt_max;

	u->sink = sink;
	u->sink_ctx = sink_ctx;
	u->pack_bytes = 0;
	u->nshallow = 0;
	pn_sideband_init(&u->sb, u->pack_max, pack_data, u, NULL, NULL);
	/* the pack, 5 bytes of framing per side-band packet, and the sections before it */
	overhead = (u->pack_max / PN_SIDEBAND_DATA_MAX + 1) * (PN_PKT_HDR + 1) + PN_UPLOAD_LS_REFS_MAX;
	if (__builtin_add_overflow(u->pack_max, overhead, &pkt_max))
		pkt_max = 0;
	return pkt_max;
}

const struct pn_error *
pn_upload_ls_refs(struct pn_upload *u, const char *prefix, pn_upload_ref_cb cb, void *ctx)
{
	if (prefix == NULL || strncmp(prefix, "refs/", 5) != 0 || strlen(prefix) > PN_UPLOAD_REFNAME_MAX ||
	    strpbrk(prefix, " \n\r") != NULL)
		return pn_error_fmt(PN_ERR_USAGE, "bad ref prefix \"%.*s\"", PN_UPLOAD_REFNAME_MAX,
		    prefix != NULL ? prefix : "");
	return ls_refs(u, prefix, cb, ctx);
}

const struct pn_error *
pn_upload_ls_ref(struct pn_upload *u, struct pn_oid *out)
{
	const struct pn_error *err;

	if (u->refname == NULL)
		return pn_error_fmt(PN_ERR_INTERNAL, "%s: no branch or ref to look up", u->url.redacted);
	ls_refs_begin(u);
	if ((err = ls_refs(u, u->refname, find_ref, u)) != NULL)
		return err;
	return ls_refs_result(u, out);
}

/* v0: "want <oid> <capabilities>", "deepen 1", flush, "done", as one request. */
static const struct pn_error *
v0_request(struct pn_upload *u, const char *hex)
{
	const struct pn_error *err;

	pn_buf_reset(&u->body);
	if ((err = pn_pkt_writef(&u->body, "want %s%s side-band-64k%s shallow%s%s%s\n", hex,
	    u->v0_multi_ack_detailed ? " multi_ack_detailed" : "", u->v0_ofs_delta ? " ofs-delta" : "",
	    u->v0_no_progress ? " no-progress" : "", u->srv_agent ? " agent=pinion/" : "",
	    u->srv_agent ? PN_VERSION : "")) != NULL)
		return err;
	if ((err = pn_pkt_writef(&u->body, "deepen 1\n")) != NULL || (err = pn_pkt_flush(&u->body)) != NULL)
		return err;
	return pn_pkt_writef(&u->body, "done\n");
}

const struct pn_error *
pn_upload_fetch(struct pn_upload *u, const struct pn_oid *want, pn_upload_sink sink, void *sink_ctx)
{
	const struct pn_error *err;
	char hex[PN_OID_HEX_MAX];
	uint64_t max;

	if (want->len != PN_OID_SHA1_LEN)
		return pn_error_fmt(PN_ERR_INTERNAL, "fetch: object id of %u bytes", want->len);
	if ((err = discover(u)) != NULL)
		return err;
	pn_oid_to_hex(want, hex);
	if (u->v0) {
		/* over SSH a v0 conversation ends with its pack: the next command starts a new one */
		if ((err = v0_request(u, hex)) != NULL)
			return err;
		max = fetch_begin(u, sink, sink_ctx);
		err = exchange(u, ST_V0_SHALLOW, max, "fetch");
		if (u->is_ssh)
			ssh_drop(u);
		return err;
	}
	if ((err = command(u, "fetch")) != NULL || (err = pn_pkt_writef(&u->body, "ofs-delta\n")) != NULL ||
	    (err = pn_pkt_writef(&u->body, "no-progress\n")) != NULL)
		return err;
	if (u->have.len != 0) {
		char have[PN_OID_HEX_MAX];

		/* "shallow": the store has no history behind its commit, so the server must not leave out what
		 * only an ancestor has (a file reverted to an old version) */
		pn_oid_to_hex(&u->have, have);
		if ((err = pn_pkt_writef(&u->body, "thin-pack\n")) != NULL ||
		    (err = pn_pkt_writef(&u->body, "shallow %s\n", have)) != NULL ||
		    (err = pn_pkt_writef(&u->body, "have %s\n", have)) != NULL)
			return err;
	}
	if (
	    (err = pn_pkt_writef(&u->body, "deepen 1\n")) != NULL ||
	    (err = pn_pkt_writef(&u->body, "want %s\n", hex)) != NULL ||
	    (err = pn_pkt_writef(&u->body, "done\n")) != NULL || (err = pn_pkt_flush(&u->body)) != NULL)
		return err;
	max = fetch_begin(u, sink, sink_ctx);
	return exchange(u, ST_SECTION, max, "fetch");
}

void
pn_upload_set_have(struct pn_upload *u, const struct pn_oid *have)
{
	if (have != NULL && have->len == PN_OID_SHA1_LEN)
		u->have = *have;
	else
		memset(&u->have, 0, sizeof(u->have));
}

const struct pn_error *
pn_upload_read_answer(struct pn_upload *u, enum pn_upload_answer kind, const void *data, size_t len,
    struct pn_oid *oid, pn_upload_sink sink, void *sink_ctx)
{
	const struct pn_error *err;

	ls_refs_begin(u);
	if (u->refname != NULL)
		listing_begin(u, u->refname, find_ref, u);
	switch (kind) {
	case PN_UPLOAD_ANSWER_CAPS:
		discover_begin(u);
		answer_begin(u, ST_CAPS_FIRST, PN_UPLOAD_ADV_MAX, "capability advertisement");
		break;
	case PN_UPLOAD_ANSWER_LS_REFS:
		answer_begin(u, ST_REFS, PN_UPLOAD_LS_REFS_MAX, "ls-refs");
		break;
	case PN_UPLOAD_ANSWER_V0_FETCH:
		answer_begin(u, ST_V0_SHALLOW, fetch_begin(u, sink, sink_ctx), "fetch");
		break;
	default:
		answer_begin(u, ST_SECTION, fetch_begin(u, sink, sink_ctx), "fetch");
		break;
	}
	u->origin = ORIGIN_TRANSPORT;
	if ((err = pn_pkt_push(&u->pkt, data, len)) != NULL) {
		listing_end(u);
		return u->origin == ORIGIN_FINAL ? err : pn_error_wrap(err, "%s", u->url.redacted);
	}
	listing_end(u);
	if ((err = answer_end(u)) != NULL)
		return err;
	if (kind == PN_UPLOAD_ANSWER_LS_REFS || (kind == PN_UPLOAD_ANSWER_CAPS && u->v0))
		return u->refname != NULL ? ls_refs_result(u, oid) : NULL;
	return NULL;
}
