/*
 * kapi: the Kubernetes API client. One keep-alive HTTPS connection (net/http.h) to the server of a kubeconfig,
 * authenticated by its client certificate chain (EC key, SEC1 or PKCS#8) and/or bearer token; JSON in and out,
 * every response body under a ceiling.
 *
 * A request succeeds at the transport level whatever the HTTP status (discovery and apply read 404s
 * themselves); pn_kapi_reply_error() turns a non-2xx reply into a pinion error that quotes the server:
 *   401                     PN_ERR_AUTH         the server refused the credentials
 *   403, 400, 409, 415, 422 PN_ERR_REJECTED     (and every other 4xx)
 *   404 Status              PN_ERR_NOT_FOUND    "deployments.apps \"web\" not found", namespaces "x" not found
 *   404 text/plain          PN_ERR_NOT_FOUND    the resource type is not served (kube-api.md §2)
 *   429, 5xx                PN_ERR_UNAVAILABLE  retryable; except the apiserver's 500 with reason "" for unknown
 *                                               fields in an apply body, which no retry fixes: PN_ERR_REJECTED
 * Transport failures are PN_ERR_NET (connect, timeout, closed), PN_ERR_TLS or PN_ERR_PROTO.
 *
 * Server messages are quoted verbatim except that control characters (a multi-conflict message has newlines)
 * become spaces, so an error stays one log line. Tokens and keys never appear in errors or logs.
 */
#ifndef PN_KAPI_H
#define PN_KAPI_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "../core/buf.h"
#include "../core/error.h"
#include "kubeconfig.h"

/* Ceiling on one response body. etcd stores objects up to 1.5 MiB; the answer to an apply adds managedFields
 * and server defaults (a large CRD answers 2-3x its size), and a LIST page of them more. Raise with
 * pn_kapi_options.body_max. */
#define PN_KAPI_BODY_MAX (16 * 1024 * 1024)
/* Default deadline of one request (connect, send, whole response). */
#define PN_KAPI_TIMEOUT_MS 30000
/* Longest Status reason/kind/name kept from an error body (the message is cut at PN_ERROR_MSG_MAX). */
#define PN_KAPI_STATUS_FIELD_MAX 256
/* Backoff between retries: 250 ms doubling to 8 s (k3s needs 10-30 s to serve after boot). */
#define PN_KAPI_RETRY_BASE_MS 250
#define PN_KAPI_RETRY_CAP_MS 8000
/* Longest Retry-After honoured (seconds): a server asking for more is treated as asking for this. */
#define PN_KAPI_RETRY_AFTER_MAX 600
/* Longest server URL path prefix (Rancher-style "https://host/k8s/clusters/c-x"). */
#define PN_KAPI_PREFIX_MAX 1024
/* Longest host in a server URL: a DNS name has at most 253 bytes. */
#define PN_KAPI_HOST_MAX 256
/* Longest request target (prefix + path + query): about what API servers accept in a request line. */
#define PN_KAPI_TARGET_MAX (8 * 1024)

struct pn_kapi;

struct pn_kapi_options {
	uint64_t timeout_ms;	/* per request; 0 = PN_KAPI_TIMEOUT_MS */
	/* Retries (pn_kapi_do) until this monotonic time (pn_clock_mono_ms), 0 = none: a failed connection, 429
	 * and 500/502/503/504 are tried again after an exponential backoff with jitter (PN_KAPI_RETRY_BASE_MS
	 * doubling up to PN_KAPI_RETRY_CAP_MS, or the server's Retry-After when longer), each retry logged. */
	uint64_t retry_deadline_ms;
	size_t body_max;	/* per response body; 0 = PN_KAPI_BODY_MAX */
};

/* The parts of a kubeconfig `server` URL: https only (credentials never travel in clear text). */
struct pn_kapi_server {
	char host[PN_KAPI_HOST_MAX];	/* verbatim; an IPv6 literal without brackets */
	char port[sizeof("65535")];	/* "443" when the URL has none */
	char prefix[PN_KAPI_PREFIX_MAX];	/* path before /api, without trailing '/'; "" usually */
};

/* One answer. The body keeps what the server sent (under the ceiling); json is set when its Content-Type is
 * application/json (a metav1.Status or an object), clear for the text 404 of an unserved type. */
struct pn_kapi_reply {
	int status;
	int json;
	uint64_t retry_after_s;	/* Retry-After of a 429/503, 0 when absent */
	struct pn_buf body;
};

/* What a metav1.Status says (kube-api.md §3); strings are "" when absent, cut at PN_KAPI_STATUS_FIELD_MAX. */
struct pn_kapi_status {
	int code;
	char reason[PN_KAPI_STATUS_FIELD_MAX];
	char message[PN_ERROR_MSG_MAX];
	char details_kind[PN_KAPI_STATUS_FIELD_MAX];	/* plural resource for NotFound, Kind for Invalid */
	char details_name[PN_KAPI_STATUS_FIELD_MAX];
};

/* Parse a kubeconfig server URL. */
const struct pn_error *pn_kapi_parse_server(const char *url, struct pn_kapi_server *out);

/* Set up a client for kc's server and credentials; nothing is connected until the first request. The client
 * copies what it needs: kc may be freed afterwards. The caller frees it with pn_kapi_free(). */
const struct pn_error *pn_kapi_new(const struct pn_kubeconfig *kc, const struct pn_kapi_options *opt,
    struct pn_kapi **out);
void pn_kapi_free(struct pn_kapi *k);

void pn_kapi_reply_init(struct pn_kapi_reply *r, const struct pn_kapi *k);
void pn_kapi_reply_release(struct pn_kapi_reply *r);

/* One request: `path` is the API path with its query ("/apis/apps/v1/namespaces/x/deployments/y?..."), the
 * server's prefix is added. `content_type` and `body` may be NULL. The reply is reset first. Errors are
 * transport errors only; check r->status. */
const struct pn_error *pn_kapi_do(struct pn_kapi *k, const char *method, const char *path,
    const char *content_type, const char *body, size_t body_len, struct pn_kapi_reply *r);

/* GET `path` and parse the 2xx JSON answer; any other answer is pn_kapi_reply_error(r, what). The caller frees
 * *out with cJSON_Delete(). */
const struct pn_error *pn_kapi_get_json(struct pn_kapi *k, const char *path, const char *what, cJSON **out);

/* Parse a reply body as JSON (PN_ERR_PROTO naming `what` when it is not). The caller frees *out with
 * cJSON_Delete(). */
const struct pn_error *pn_kapi_reply_json(const struct pn_kapi_reply *r, const char *what, cJSON **out);

/* The error for a non-2xx reply, "<what>: <code> <reason>: <server message>"; NULL for a 2xx reply. */
const struct pn_error *pn_kapi_reply_error(const struct pn_kapi_reply *r, const char *what);

/* The same from the parts, for tests: status, whether the body is JSON, the body. */
const struct pn_error *pn_kapi_error_of(int status, int json, const char *body, size_t len, const char *what);

/* Decode a metav1.Status body; PN_ERR_PARSE when it is not one. */
const struct pn_error *pn_kapi_status_decode(const char *body, size_t len, struct pn_kapi_status *out);

/* Whether a reply is the plain-text 404 of a group/version or resource the server does not serve. */
int pn_kapi_not_served(const struct pn_kapi_reply *r);

/* Append `s` to b as one URL path segment: unreserved characters as they are, the rest %XX. */
const struct pn_error *pn_kapi_path_escape(struct pn_buf *b, const char *s);

/* Replace control characters by spaces and cut at len - 1 bytes on a UTF-8 boundary: the server's text made
 * safe for one log line. */
void pn_kapi_sanitize(char *dst, size_t len, const char *src, size_t src_len);

#endif
