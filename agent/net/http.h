/*
 * HTTP/1.1 client shared by the Git smart-HTTP transport and the Kubernetes API client.
 *
 * One pn_http_conn is a keep-alive connection to one origin (scheme, host, port), over TCP or TLS (net/tls.h),
 * reconnected transparently when the server closed it between requests. Requests are sent with Content-Length
 * (bodies are small and complete in memory); responses are parsed by a push state machine (status line,
 * headers under PN_HTTP_HEADER_MAX, Content-Length / chunked / read-until-close bodies) and the body is
 * streamed to a sink, so a pack of any size passes through a fixed buffer. Bodies are never decoded from gzip:
 * pinion sends no Accept-Encoding.
 *
 * Authentication is the caller's: it passes "Authorization: ..." in the extra headers. Secrets never appear in
 * errors or logs (errors name the method, URL path and status only).
 *
 * Through an HTTP proxy (net/proxy.h): an https origin is reached through a CONNECT tunnel (Proxy-Authorization
 * goes to the proxy only, TLS is verified for the origin's host), an http origin by sending the request to the
 * proxy with its absolute URI as the target. Keep-alive works the same through either.
 */
#ifndef PN_HTTP_H
#define PN_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"
#include "httpparse.h"
#include "proxy.h"
#include "tls.h"

/* PN_HTTP_HEADER_MAX (status line plus all header lines of one response), PN_HTTP_HEADERS_KEPT, struct
 * pn_http_header and the pn_http_sink type come from httpparse.h, the response parser. A sink returning an
 * error aborts the request; the connection is then closed. */

/* Socket read size: the fixed I/O buffer of a connection. */
#define PN_HTTP_IO_BUF 16384
/* Request line plus all header lines of one request (the caller's headers include a bearer token: a Kubernetes
 * service-account token is ~1 KiB, an OIDC one a few KiB). */
#define PN_HTTP_REQUEST_HEAD_MAX (64 * 1024)
/* Status line plus header lines of a proxy's answer to CONNECT: squid and tinyproxy send < 1 KiB, a 407 adds a
 * Proxy-Authenticate line or two. */
#define PN_HTTP_CONNECT_HEAD_MAX (16 * 1024)

struct pn_http_conn;

struct pn_http_response {
	int status;			/* e.g. 200 */
	struct pn_http_header headers[PN_HTTP_HEADERS_KEPT];
	size_t nheaders;
	uint64_t body_bytes;		/* bytes passed to the sink */
	char *mem;			/* private: owns the header strings */
};

struct pn_http_request {
	const char *method;		/* "GET", "POST", "PATCH", "DELETE" */
	const char *target;		/* origin-form: "/repo.git/info/refs?service=git-upload-pack" */
	const char *const *headers;	/* extra "Name: value" lines, NULL-terminated; may be NULL */
	const void *body;		/* may be NULL */
	size_t body_len;
};

/* A connection to scheme://host:port ("http" or "https"; host verbatim as in the URL, an IPv6 literal without
 * brackets). tls is required for https and ignored for http; it must outlive the connection. Nothing is
 * connected until the first request. The caller frees it with pn_http_conn_free(). */
const struct pn_error *pn_http_conn_new(const char *scheme, const char *host, const char *port,
    const struct pn_tls_config *tls, struct pn_http_conn **out);
void pn_http_conn_free(struct pn_http_conn *c);

/* Send the connection's requests through proxy p (NULL or an empty p->host: directly). p must outlive the
 * connection; set it before the first request. */
void pn_http_conn_set_proxy(struct pn_http_conn *c, const struct pn_proxy *p);

/* Send one request and read its whole response before `deadline_ms` (monotonic, platform/clock.h). The body
 * goes to sink (NULL: discarded). Any status is a success here (the caller judges 4xx/5xx); errors are network,
 * TLS, malformed responses (prefixed "GET https://host:port/target: ") and the sink's own (returned unchanged).
 *
 * resp needs no setup: pn_http_do fills it in all cases, so pn_http_response_release() is always safe after it.
 * The status and headers are in resp before the first call to sink, so a sink that can reach resp (through its
 * ctx) may check them before trusting the body. resp's header strings stay valid until
 * pn_http_response_release().
 *
 * The request carries Host, User-Agent (unless the caller's headers have one) and, for a body or POST/PUT/PATCH,
 * Content-Length; the caller's headers must not set Host, Content-Length or Transfer-Encoding, and must not
 * contain CR or LF (USAGE error).
 *
 * A kept-alive connection that the server closed while idle is retried once, on a new connection, when nothing
 * of the response had been read. */
const struct pn_error *pn_http_do(struct pn_http_conn *c, const struct pn_http_request *req,
    struct pn_http_response *resp, pn_http_sink sink, void *sink_ctx, uint64_t deadline_ms);

/* TCP connections this pn_http_conn has opened so far (for tests and logs: reuse shows as no increase). */
unsigned pn_http_conn_connects(const struct pn_http_conn *c);

/* Close the connection now (the next request opens a new one). */
void pn_http_conn_close(struct pn_http_conn *c);

/* The value of the first header named `name` (case-insensitive), or NULL. */
const char *pn_http_header(const struct pn_http_response *resp, const char *name);

void pn_http_response_release(struct pn_http_response *resp);

/* A sink appending to a struct pn_buf (its ceiling bounds the body: TOO_LARGE past it). */
const struct pn_error *pn_http_sink_buf(void *buf, const void *data, size_t len);

#endif
