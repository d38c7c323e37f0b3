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
#include "answer.h"
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
	int discovered;

	/* the response being read */
	struct pn_http_response *resp;
	const char *ctype;		/* expected Content-Type */
	int checked, discard;
	enum origin origin;		/* where a failure of pn_http_do came from */
	char errbody[PN_UPLOAD_ERRBODY_MAX + 1];
	size_t errbody_len;
	struct pn_oid found;
	int have_found;
	struct pn_oid have;		/* the store's commit for a thin fetch (v2); have.len 0: none */
	struct pn_answer ans;		/* last: it holds a 64 KiB packet buffer */
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
	return u->ans.pack_bytes;
}

unsigned
pn_upload_shallow_count(const struct pn_upload *u)
{
	return u->ans.nshallow;
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
	return u->discovered ? (u->ans.v0 ? 0 : 2) : 0;
}

/* ---- reading the responses (the parser is answer.c) ---------------------------------------------------- */

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
	if (u->ans.step == PN_ANS_CAPS_FIRST)
		return pn_error_fmt(PN_ERR_PROTO, "%s is not a Git smart-HTTP server (Content-Type %s for "
		    "info/refs; dumb HTTP is not supported)", u->url.redacted, q);
	return pn_error_fmt(PN_ERR_PROTO, "%s: %s answer has Content-Type %s, not " CTYPE_RESULT, u->url.redacted,
	    u->ans.what, q);
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
	if ((err = pn_answer_push(&u->ans, data, len)) != NULL && u->origin == ORIGIN_TRANSPORT)
		u->origin = u->ans.sink_failed ? ORIGIN_FINAL : ORIGIN_PEER;
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
		    "first request (info/refs) may be redirected", url, u->ans.what, q, status);
	default:
		if (status == 429 || status >= 500)
			return pn_error_fmt(PN_ERR_UNAVAILABLE, "%s: server error (HTTP %d%s)", url, status, body);
		return pn_error_fmt(PN_ERR_PROTO, "%s: unexpected HTTP status %d%s", url, status, body);
	}
}

/* Get ready to read an answer from its first packet, expected in state `first`. */
static void
answer_begin(struct pn_upload *u, enum pn_answer_step first, uint64_t pkt_max, const char *what)
{
	pn_answer_begin(&u->ans, first, pkt_max, what);
}

/* The answer's bytes are all in: it must have ended cleanly with its final flush. */
static const struct pn_error *
answer_end(struct pn_upload *u)
{
	const struct pn_error *err;

	if ((err = pn_pkt_finish(&u->ans.pkt)) != NULL)
		return pn_error_wrap(err, "%s: %s answer", u->url.redacted, u->ans.what);
	if (!pn_answer_done(&u->ans))
		return pn_error_fmt(PN_ERR_PROTO, "%s: the %s answer ended early", u->url.redacted, u->ans.what);
	return NULL;
}

static int
is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
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
	if ((err = pn_url_resolve(&u->url, pn_buf_str(&u->target), loc != NULL ? loc : "", &abs, &ok)) != NULL) {
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
request(struct pn_upload *u, int post, const char *suffix, enum pn_answer_step first, uint64_t pkt_max, const char *what)
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
		if (!u->force_v0 && !(post && u->ans.v0))
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
		return pn_error_fmt(PN_ERR_REJECTED, "%s: the server ended the %s: %s", u->url.redacted, u->ans.what, q);
	return pn_error_fmt(PN_ERR_PROTO, "%s: the server ended the connection during the %s", u->url.redacted,
	    u->ans.what);
}

/* Send u->body (unless send is 0), then read one whole answer from the channel, from `first`. Any failure
 * leaves the conversation at an unknown point: the connection is dropped, and the next call starts anew. */
static const struct pn_error *
ssh_exchange(struct pn_upload *u, int send, enum pn_answer_step first, uint64_t pkt_max, const char *what)
{
	const struct pn_error *err = NULL;
	size_t n;

	answer_begin(u, first, pkt_max, what);
	u->origin = ORIGIN_TRANSPORT;
	if (send && (err = pn_ssh_write_all(u->ssh, u->body.data, u->body.len, u->deadline_ms)) != NULL)
		goto done;
	while (!pn_answer_done(&u->ans)) {
		if ((err = pn_ssh_read(u->ssh, u->chunk, PN_UPLOAD_SSH_CHUNK, u->deadline_ms, &n)) != NULL)
			goto done;
		if (n == 0) {
			err = ssh_early_end(u);
			goto done;
		}
		if ((err = pn_answer_push(&u->ans, u->chunk, n)) != NULL) {
			if (!u->ans.sink_failed)
				err = pn_error_wrap(err, "%s", u->url.redacted);
			goto done;
		}
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
	return ssh_exchange(u, 0, PN_ANS_CAPS_FIRST, PN_UPLOAD_ADV_MAX, "capability advertisement");
}

/* ---- the commands -------------------------------------------------------------------------------------- */

static void
discover_begin(struct pn_upload *u)
{
	u->ans.has_ls_refs = u->ans.has_fetch = u->ans.has_shallow = u->ans.srv_agent = u->ans.srv_object_format = 0;
	u->ans.v0 = 0;
	u->ans.caps_bytes = 0;
	u->ans.nrefs = 0;
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
		err = request(u, 0, "/info/refs?service=git-upload-pack", PN_ANS_CAPS_FIRST, PN_UPLOAD_ADV_MAX,
		    "capability advertisement");
	}
	u->discovered = err == NULL;
	if (err == NULL)
		pn_log(PN_LOG_DEBUG, "%s: git protocol %s", u->url.redacted, u->ans.v0 ? "v0" : "v2");
	return err;
}

/* One request (u->body) and its answer, on the session's transport. */
static const struct pn_error *
exchange(struct pn_upload *u, enum pn_answer_step first, uint64_t pkt_max, const char *what)
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
	if (u->ans.srv_agent && (err = pn_pkt_writef(&u->body, "agent=pinion/%s\n", PN_VERSION)) != NULL)
		return err;
	if (u->ans.srv_object_format && (err = pn_pkt_writef(&u->body, "object-format=sha1\n")) != NULL)
		return err;
	return pn_pkt_delim(&u->body);
}

static void
listing_begin(struct pn_upload *u, const char *prefix, pn_upload_ref_cb cb, void *ctx)
{
	u->ans.ref_prefix = prefix;
	u->ans.ref_cb = cb;
	u->ans.ref_ctx = ctx;
	u->ans.nrefs = 0;
}

static void
listing_end(struct pn_upload *u)
{
	u->ans.ref_prefix = NULL;
	u->ans.ref_cb = NULL;
	u->ans.ref_ctx = NULL;
}

static const struct pn_error *
ls_refs(struct pn_upload *u, const char *prefix, pn_upload_ref_cb cb, void *ctx)
{
	const struct pn_error *err;

	/* v0 lists refs only in the advertisement, which was read already: over HTTP ask for a new one; over SSH
	 * there is one per connection */
	if (u->discovered && u->ans.v0) {
		if (u->is_ssh)
			ssh_drop(u);
		u->discovered = 0;
	}
	listing_begin(u, prefix, cb, ctx);
	if (!u->discovered && ((err = discover(u)) != NULL || u->ans.v0))
		goto done;
	if ((err = command(u, "ls-refs")) != NULL || (err = pn_pkt_writef(&u->body, "peel\n")) != NULL ||
	    (err = pn_pkt_writef(&u->body, "ref-prefix %s\n", prefix)) != NULL ||
	    (err = pn_pkt_flush(&u->body)) != NULL)
		goto done;
	u->ans.nrefs = 0;
	err = exchange(u, PN_ANS_REFS, PN_UPLOAD_LS_REFS_MAX, "ls-refs");
done:
	listing_end(u);
	return err;
}

static void
ls_refs_begin(struct pn_upload *u)
{
	u->ans.nrefs = 0;
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

	pn_answer_pack_to(&u->ans, u->pack_max, sink, sink_ctx);
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
	    u->ans.v0_multi_ack_detailed ? " multi_ack_detailed" : "", u->ans.v0_ofs_delta ? " ofs-delta" : "",
	    u->ans.v0_no_progress ? " no-progress" : "", u->ans.srv_agent ? " agent=pinion/" : "",
	    u->ans.srv_agent ? PN_VERSION : "")) != NULL)
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
	if (u->ans.v0) {
		/* over SSH a v0 conversation ends with its pack: the next command starts a new one */
		if ((err = v0_request(u, hex)) != NULL)
			return err;
		max = fetch_begin(u, sink, sink_ctx);
		err = exchange(u, PN_ANS_V0_SHALLOW, max, "fetch");
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
	return exchange(u, PN_ANS_SECTION, max, "fetch");
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
		answer_begin(u, PN_ANS_CAPS_FIRST, PN_UPLOAD_ADV_MAX, "capability advertisement");
		break;
	case PN_UPLOAD_ANSWER_LS_REFS:
		answer_begin(u, PN_ANS_REFS, PN_UPLOAD_LS_REFS_MAX, "ls-refs");
		break;
	case PN_UPLOAD_ANSWER_V0_FETCH:
		answer_begin(u, PN_ANS_V0_SHALLOW, fetch_begin(u, sink, sink_ctx), "fetch");
		break;
	default:
		answer_begin(u, PN_ANS_SECTION, fetch_begin(u, sink, sink_ctx), "fetch");
		break;
	}
	if ((err = pn_answer_push(&u->ans, data, len)) != NULL) {
		listing_end(u);
		return u->ans.sink_failed ? err : pn_error_wrap(err, "%s", u->url.redacted);
	}
	listing_end(u);
	if ((err = answer_end(u)) != NULL)
		return err;
	if (kind == PN_UPLOAD_ANSWER_LS_REFS || (kind == PN_UPLOAD_ANSWER_CAPS && u->ans.v0))
		return u->refname != NULL ? ls_refs_result(u, oid) : NULL;
	return NULL;
}
