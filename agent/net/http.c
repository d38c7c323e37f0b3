#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "../../platform/clock.h"
#include "../core/buf.h"
#include "../core/num.h"
#include "sock.h"
#include "../core/banned.h"

#ifndef PN_VERSION
#define PN_VERSION "0.0.0-unknown"
#endif

/* Room for "[host]:port" in the Host header and error messages: DNS names are at most 253 bytes. */
#define PN_HTTP_HOSTPORT_MAX 320
/* Bytes of a request target quoted in an error. */
#define PN_HTTP_TARGET_QUOTE 200
/* Bytes of a proxy's status line quoted in an error. */
#define PN_HTTP_STATUS_QUOTE 120

struct pn_http_conn {
	char *scheme;
	char *host;
	char *port;
	char hostport[PN_HTTP_HOSTPORT_MAX];	/* the Host header's value */
	const struct pn_tls_config *tls;	/* non-NULL for https */
	const struct pn_proxy *proxy;		/* NULL: direct */
	int fd;					/* plain TCP socket, -1 when closed or owned by t */
	struct pn_tls *t;			/* TLS stream (owns its socket), NULL when closed or plain */
	unsigned requests;			/* requests answered on the open connection */
	unsigned connects;
	struct pn_buf req;			/* request head being sent */
	struct pn_httpparse parser;
	/* the caller's sink, wrapped so its errors pass through without a transport prefix */
	pn_http_sink sink;
	void *sink_ctx;
	int sink_failed;
	unsigned char io[PN_HTTP_IO_BUF];
};

static int
is_open(const struct pn_http_conn *c)
{
	return c->fd != -1 || c->t != NULL;
}

void
pn_http_conn_close(struct pn_http_conn *c)
{
	if (c->t != NULL) {
		pn_tls_free(c->t);
		c->t = NULL;
	}
	if (c->fd != -1) {
		close(c->fd);
		c->fd = -1;
	}
	c->requests = 0;
}

unsigned
pn_http_conn_connects(const struct pn_http_conn *c)
{
	return c->connects;
}

/* A host as it may appear in a URL authority: a name or an address, no separators or controls. */
static int
host_ok(const char *h)
{
	if (*h == '\0')
		return 0;
	for (const unsigned char *p = (const unsigned char *)h; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("/?#@[]\\", *p) != NULL)
			return 0;
	return 1;
}

const struct pn_error *
pn_http_conn_new(const char *scheme, const char *host, const char *port, const struct pn_tls_config *tls,
    struct pn_http_conn **out)
{
	struct pn_http_conn *c;
	const struct pn_error *err;
	uint64_t portnum;
	int https, n;

	if (strcmp(scheme, "https") == 0)
		https = 1;
	else if (strcmp(scheme, "http") == 0)
		https = 0;
	else
		return pn_error_fmt(PN_ERR_USAGE, "HTTP: unsupported scheme \"%s\"", scheme);
	if (https && tls == NULL)
		return pn_error_fmt(PN_ERR_USAGE, "HTTP: https://%s needs a TLS configuration", host);
	if (!host_ok(host))
		return pn_error_fmt(PN_ERR_USAGE, "HTTP: bad host \"%s\"", host);
	if ((err = pn_num_parse_u64(port, 1, 65535, "HTTP port", &portnum)) != NULL)
		return pn_error_fmt(PN_ERR_USAGE, "%s", err->msg);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	c->fd = -1;
	c->tls = https ? tls : NULL;
	pn_buf_init(&c->req, PN_HTTP_REQUEST_HEAD_MAX, "HTTP request header");
	pn_httpparse_init(&c->parser, 0, 0, NULL, NULL);
	c->scheme = strdup(scheme);
	c->host = strdup(host);
	c->port = strdup(port);
	if (c->scheme == NULL || c->host == NULL || c->port == NULL) {
		pn_http_conn_free(c);
		return pn_error(PN_ERR_NOMEM);
	}
	/* the default port is left out of Host, as browsers and git do; an IPv6 literal gets its brackets back */
	if ((https && portnum == 443) || (!https && portnum == 80))
		n = snprintf(c->hostport, sizeof(c->hostport), strchr(host, ':') ? "[%s]" : "%s", host);
	else
		n = snprintf(c->hostport, sizeof(c->hostport), strchr(host, ':') ? "[%s]:%s" : "%s:%s", host, port);
	if (n < 0 || (size_t)n >= sizeof(c->hostport)) {
		pn_http_conn_free(c);
		return pn_error_fmt(PN_ERR_USAGE, "HTTP: host name too long");
	}
	*out = c;
	return NULL;
}

void
pn_http_conn_free(struct pn_http_conn *c)
{
	if (c == NULL)
		return;
	pn_http_conn_close(c);
	pn_buf_release(&c->req);
	pn_httpparse_release(&c->parser);
	free(c->scheme);
	free(c->host);
	free(c->port);
	free(c);
}

void
pn_http_conn_set_proxy(struct pn_http_conn *c, const struct pn_proxy *p)
{
	c->proxy = p != NULL && p->host[0] != '\0' ? p : NULL;
}

/* Ask the proxy on fd for a tunnel to the origin (RFC 9110 §9.3.6); any 2xx answer opens it. */
static const struct pn_error *
tunnel(struct pn_http_conn *c, int fd, uint64_t deadline_ms)
{
	struct pn_httpparse *p = &c->parser;
	const char *auth = c->proxy->auth;
	char authority[PN_HTTP_HOSTPORT_MAX];
	const struct pn_error *err;
	struct pn_buf head;
	size_t n = 0, used = 0;
	int st;

	snprintf(authority, sizeof(authority), strchr(c->host, ':') ? "[%s]:%s" : "%s:%s", c->host, c->port);
	pn_buf_init(&head, PN_HTTP_REQUEST_HEAD_MAX, "CONNECT request");
	if ((err = pn_buf_addf(&head, "CONNECT %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: pinion/%s\r\n%s%s\r\n",
	    authority, authority, PN_VERSION, auth != NULL ? auth : "", auth != NULL ? "\r\n" : "")) == NULL)
		err = pn_sock_write_all(fd, head.data, head.len, deadline_ms);
	if (head.data != NULL)
		mbedtls_platform_zeroize(head.data, head.cap);
	pn_buf_release(&head);
	/* the answer has no body we read: a 2xx one has none, any other ends the connection */
	pn_httpparse_release(p);
	pn_httpparse_init(p, PN_HTTP_CONNECT_HEAD_MAX, 1, NULL, NULL);
	while (err == NULL && !pn_httpparse_done(p)) {
		if ((err = pn_sock_read(fd, c->io, sizeof(c->io), deadline_ms, &n)) == NULL)
			err = n == 0 ? pn_httpparse_finish(p) : pn_httpparse_push(p, c->io, n, &used);
	}
	st = p->status;
	if (err == NULL && st / 100 != 2)
		err = pn_error_fmt(st == 407 ? PN_ERR_AUTH : st >= 500 ? PN_ERR_UNAVAILABLE : PN_ERR_REJECTED,
		    "%.*s%s", PN_HTTP_STATUS_QUOTE, pn_httpparse_status_line(p),
		    st == 407 ? " (proxy authentication required)" : "");
	else if (err == NULL && used < n)
		err = pn_error_fmt(PN_ERR_PROTO, "%zu bytes after the answer, before the tunnel was used", n - used);
	return err != NULL ? pn_error_wrap(err, "proxy %s: CONNECT %s", c->proxy->shown, authority) : NULL;
}

static const struct pn_error *
conn_open(struct pn_http_conn *c, uint64_t deadline_ms)
{
	const struct pn_error *err;
	int fd;

	if (c->proxy != NULL)
		err = pn_sock_connect(c->proxy->host, c->proxy->port, deadline_ms, &fd);
	else
		err = pn_sock_connect(c->host, c->port, deadline_ms, &fd);
	if (err != NULL)
		return c->proxy != NULL ? pn_error_wrap(err, "proxy %s", c->proxy->shown) : err;
	c->connects++;
	c->requests = 0;
	if (c->proxy != NULL && c->tls != NULL && (err = tunnel(c, fd, deadline_ms)) != NULL) {
		close(fd);
		return err;
	}
	if (c->tls == NULL) {
		c->fd = fd;
		return NULL;
	}
	/* the stream owns fd from here on, also when the handshake fails */
	return pn_tls_connect(c->tls, fd, c->host, deadline_ms, &c->t);
}

static const struct pn_error *
conn_write(struct pn_http_conn *c, const void *data, size_t len, uint64_t deadline_ms)
{
	if (c->t != NULL)
		return pn_tls_write_all(c->t, data, len, deadline_ms);
	return pn_sock_write_all(c->fd, data, len, deadline_ms);
}

static const struct pn_error *
conn_read(struct pn_http_conn *c, void *buf, size_t len, uint64_t deadline_ms, size_t *n)
{
	/* the socket layer waits only when nothing is ready: a server that keeps sending must still stop here */
	if (pn_clock_mono_ms() >= deadline_ms)
		return pn_error_fmt(PN_ERR_NET, "read: timed out");
	if (c->t != NULL)
		return pn_tls_read(c->t, buf, len, deadline_ms, n);
	return pn_sock_read(c->fd, buf, len, deadline_ms, n);
}

static int
method_needs_length(const char *m)
{
	return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0;
}

/* Header names pn_http_do sets itself; a second copy from the caller would make the request ambiguous. */
static int
reserved_header(const char *h)
{
	static const char *const names[] = {"Host", "Content-Length", "Transfer-Encoding"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i]);

		if (strncasecmp(h, names[i], n) == 0 && (h[n] == ':' || h[n] == ' ' || h[n] == '\t'))
			return 1;
	}
	return 0;
}

static const struct pn_error *
check_request(const struct pn_http_request *req)
{
	if (req->method == NULL || req->method[0] == '\0' || strspn(req->method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") !=
	    strlen(req->method))
		return pn_error_fmt(PN_ERR_USAGE, "HTTP: bad method");
	if (req->target == NULL || req->target[0] != '/')
		return pn_error_fmt(PN_ERR_USAGE, "HTTP: the request target must start with /");
	for (const unsigned char *p = (const unsigned char *)req->target; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f)
			return pn_error_fmt(PN_ERR_USAGE, "HTTP: space or control byte in the request target");
	if (req->body == NULL && req->body_len != 0)
		return pn_error_fmt(PN_ERR_USAGE, "HTTP: body length without a body");
	for (const char *const *h = req->headers; h != NULL && *h != NULL; h++) {
		const char *colon = strchr(*h, ':');

		/* never quote the header: it may be the Authorization one */
		if (colon == NULL || colon == *h || strpbrk(*h, "\r\n") != NULL)
			return pn_error_fmt(PN_ERR_USAGE, "HTTP: malformed request header (#%zu)",
			    (size_t)(h - req->headers) + 1);
		if (reserved_header(*h))
			return pn_error_fmt(PN_ERR_USAGE, "HTTP: request header %.*s is set by the client itself",
			    (int)(colon - *h), *h);
	}
	return NULL;
}

static int
has_header(const struct pn_http_request *req, const char *name)
{
	size_t n = strlen(name);

	for (const char *const *h = req->headers; h != NULL && *h != NULL; h++)
		if (strncasecmp(*h, name, n) == 0 && (*h)[n] == ':')
			return 1;
	return 0;
}

static const struct pn_error *
build_head(struct pn_http_conn *c, const struct pn_http_request *req)
{
	const struct pn_error *err;
	/* to a proxy, plain http requests name the whole URI (RFC 9112 §3.2.2) and carry the proxy's credentials */
	int absolute = c->proxy != NULL && c->tls == NULL;

	pn_buf_reset(&c->req);
	if ((err = pn_buf_addf(&c->req, "%s %s%s%s HTTP/1.1\r\nHost: %s\r\n", req->method, absolute ? "http://" :
	    "", absolute ? c->hostport : "", req->target, c->hostport)) != NULL)
		return err;
	if (absolute && c->proxy->auth != NULL && (err = pn_buf_addf(&c->req, "%s\r\n", c->proxy->auth)) != NULL)
		return err;
	if (!has_header(req, "User-Agent") &&
	    (err = pn_buf_addf(&c->req, "User-Agent: pinion/%s\r\n", PN_VERSION)) != NULL)
		return err;
	for (const char *const *h = req->headers; h != NULL && *h != NULL; h++)
		if ((err = pn_buf_addf(&c->req, "%s\r\n", *h)) != NULL)
			return err;
	if (req->body != NULL || method_needs_length(req->method))
		if ((err = pn_buf_addf(&c->req, "Content-Length: %zu\r\n", req->body_len)) != NULL)
			return err;
	return pn_buf_add(&c->req, "\r\n", 2);
}

static const struct pn_error *
sink_trampoline(void *ctx, const void *data, size_t len)
{
	struct pn_http_conn *c = ctx;
	const struct pn_error *err;

	if (c->sink == NULL)
		return NULL;
	if ((err = c->sink(c->sink_ctx, data, len)) != NULL)
		c->sink_failed = 1;
	return err;
}

static void
response_init(struct pn_http_response *resp)
{
	memset(resp, 0, sizeof(*resp));
}

/* The head is parsed: give resp the status and the header strings before any body byte reaches the sink. */
static const struct pn_error *
fill_response(struct pn_http_conn *c, struct pn_http_response *resp)
{
	struct pn_httpparse *p = &c->parser;
	const struct pn_error *err;

	if ((err = pn_httpparse_take_head(p, &resp->mem)) != NULL)
		return err;
	resp->status = p->status;
	resp->nheaders = p->nheaders;
	memcpy(resp->headers, p->headers, sizeof(resp->headers[0]) * p->nheaders);
	return NULL;
}

/* One attempt. *retry: the failure happened on a reused connection before any byte of the response, which is
 * what a server closing an idle keep-alive connection looks like. */
static const struct pn_error *
do_once(struct pn_http_conn *c, const struct pn_http_request *req, struct pn_http_response *resp,
    uint64_t deadline_ms, int *retry)
{
	struct pn_httpparse *p = &c->parser;
	const struct pn_error *err;
	int reused = is_open(c) && c->requests > 0, filled = 0;

	*retry = 0;
	if (!is_open(c) && (err = conn_open(c, deadline_ms)) != NULL)
		return err;
	pn_httpparse_release(p);
	pn_httpparse_init(p, 0, strcmp(req->method, "HEAD") == 0, sink_trampoline, c);
	if ((err = conn_write(c, c->req.data, c->req.len, deadline_ms)) != NULL ||
	    (req->body_len > 0 && (err = conn_write(c, req->body, req->body_len, deadline_ms)) != NULL)) {
		*retry = reused;
		return err;
	}
	while (!pn_httpparse_done(p)) {
		size_t n, off = 0;

		if ((err = conn_read(c, c->io, sizeof(c->io), deadline_ms, &n)) != NULL) {
			*retry = reused && !pn_httpparse_started(p);
			return err;
		}
		if (n == 0) {
			if ((err = pn_httpparse_finish(p)) != NULL) {
				*retry = reused && !pn_httpparse_started(p);
				return err;
			}
			break;
		}
		while (off < n && !pn_httpparse_done(p)) {
			size_t used;

			if ((err = pn_httpparse_push(p, c->io + off, n - off, &used)) != NULL)
				return err;
			off += used;
			if (!filled && pn_httpparse_head_done(p)) {
				if ((err = fill_response(c, resp)) != NULL)
					return err;
				filled = 1;
			}
		}
		/* bytes after the end of the response: nothing was pipelined, so the server is confused */
		if (off < n)
			p->keep_alive = 0;
	}
	c->requests++;
	if (!p->keep_alive)
		pn_http_conn_close(c);
	return NULL;
}

const struct pn_error *
pn_http_do(struct pn_http_conn *c, const struct pn_http_request *req, struct pn_http_response *resp,
    pn_http_sink sink, void *sink_ctx, uint64_t deadline_ms)
{
	const struct pn_error *err;
	int retry;

	response_init(resp);
	if ((err = check_request(req)) != NULL)
		return err;
	if ((err = build_head(c, req)) != NULL)
		return err;
	c->sink = sink;
	c->sink_ctx = sink_ctx;
	c->sink_failed = 0;
	err = do_once(c, req, resp, deadline_ms, &retry);
	if (err != NULL && retry) {
		/* the server closed the idle connection: once more on a fresh one */
		pn_http_conn_close(c);
		pn_http_response_release(resp);
		response_init(resp);
		err = do_once(c, req, resp, deadline_ms, &retry);
	}
	resp->body_bytes = c->parser.body_bytes;
	if (err == NULL)
		return NULL;
	/* the connection is in an unknown state */
	pn_http_conn_close(c);
	if (c->sink_failed)
		return err;
	return pn_error_wrap(err, "%s %s://%s%.*s%s", req->method, c->scheme, c->hostport, PN_HTTP_TARGET_QUOTE,
	    req->target, strlen(req->target) > PN_HTTP_TARGET_QUOTE ? "..." : "");
}

const char *
pn_http_header(const struct pn_http_response *resp, const char *name)
{
	for (size_t i = 0; i < resp->nheaders; i++)
		if (strcasecmp(resp->headers[i].name, name) == 0)
			return resp->headers[i].value;
	return NULL;
}

void
pn_http_response_release(struct pn_http_response *resp)
{
	free(resp->mem);
	resp->mem = NULL;
	resp->nheaders = 0;
}

const struct pn_error *
pn_http_sink_buf(void *buf, const void *data, size_t len)
{
	return pn_buf_add(buf, data, len);
}
