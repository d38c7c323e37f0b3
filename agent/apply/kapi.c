/*
 * Kubernetes API client over net/http.h. See kapi.h for the error mapping.
 */
#include "kapi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mbedtls/platform_util.h>

#include "../core/backoff.h"
#include "../core/log.h"
#include "../core/num.h"
#include "../net/http.h"
#include "../net/tls.h"
#include "../../platform/clock.h"
#include "../core/banned.h"

#ifndef PN_VERSION
#define PN_VERSION "unknown"
#endif

/* How much of a non-Status error body is quoted (an HTML page from a proxy says enough in its first line). */
#define PN_KAPI_QUOTE_MAX 200

struct pn_kapi {
	struct pn_tls_config *tls;
	struct pn_http_conn *conn;
	struct pn_kapi_server srv;
	char *auth;		/* "Authorization: Bearer <token>" or NULL; secret */
	uint64_t timeout_ms;
	uint64_t retry_deadline_ms;	/* 0: no retries */
	size_t body_max;
};

static const struct pn_error *
server_error(const char *url, const char *why)
{
	return pn_error_fmt(PN_ERR_PARSE, "server URL \"%s\": %s", url, why);
}

const struct pn_error *
pn_kapi_parse_server(const char *url, struct pn_kapi_server *out)
{
	static const char https[] = "https://";
	const char *p, *auth_end, *host, *host_end, *port = NULL, *port_end = NULL;
	uint64_t portnum;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (strncasecmp(url, "http://", 7) == 0)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "server URL \"%s\": pinion talks to the API server over https "
		    "only (credentials would travel in clear text)", url);
	if (strncasecmp(url, https, sizeof(https) - 1) != 0)
		return server_error(url, "not an https:// URL");
	p = url + sizeof(https) - 1;
	if (strpbrk(url, "?#") != NULL)
		return server_error(url, "a query or fragment is not allowed");
	auth_end = p + strcspn(p, "/");
	if (memchr(p, '@', (size_t)(auth_end - p)) != NULL)
		return server_error(url, "user information in the URL is not supported");
	if (*p == '[') {
		host = p + 1;
		host_end = memchr(host, ']', (size_t)(auth_end - host));
		if (host_end == NULL)
			return server_error(url, "unterminated IPv6 literal");
		if (host_end + 1 < auth_end) {
			if (host_end[1] != ':')
				return server_error(url, "junk after the IPv6 literal");
			port = host_end + 2;
			port_end = auth_end;
		}
	} else {
		host = p;
		host_end = memchr(p, ':', (size_t)(auth_end - p));
		if (host_end != NULL) {
			port = host_end + 1;
			port_end = auth_end;
		} else {
			host_end = auth_end;
		}
	}
	n = (size_t)(host_end - host);
	if (n == 0)
		return server_error(url, "no host");
	if (n >= sizeof(out->host))
		return server_error(url, "host name too long");
	memcpy(out->host, host, n);
	if (port == NULL) {
		memcpy(out->port, "443", 4);
	} else {
		const struct pn_error *err = pn_num_parse_u64n(port, (size_t)(port_end - port), 1, 65535, "port",
		    &portnum);

		if (err != NULL)
			return server_error(url, err->msg);
		snprintf(out->port, sizeof(out->port), "%u", (unsigned)portnum);
	}
	/* the path, if any, prefixes every API path; trailing slashes dropped */
	n = strlen(auth_end);
	while (n > 0 && auth_end[n - 1] == '/')
		n--;
	if (n >= sizeof(out->prefix))
		return server_error(url, "path too long");
	memcpy(out->prefix, auth_end, n);
	return NULL;
}

const struct pn_error *
pn_kapi_new(const struct pn_kubeconfig *kc, const struct pn_kapi_options *opt, struct pn_kapi **out)
{
	const struct pn_error *err = NULL;
	struct pn_tls_options to;
	struct pn_kapi *k;
	struct pn_buf b;

	*out = NULL;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	k->timeout_ms = opt != NULL && opt->timeout_ms != 0 ? opt->timeout_ms : PN_KAPI_TIMEOUT_MS;
	k->retry_deadline_ms = opt != NULL ? opt->retry_deadline_ms : 0;
	k->body_max = opt != NULL && opt->body_max != 0 ? opt->body_max : PN_KAPI_BODY_MAX;
	if ((err = pn_kapi_parse_server(kc->server, &k->srv)) != NULL) {
		err = pn_error_wrap(err, "kubeconfig %s: cluster \"%s\"", kc->path, kc->cluster_name);
		goto done;
	}
	memset(&to, 0, sizeof(to));
	to.ca_pem = kc->ca_pem;
	to.ca_pem_len = kc->ca_pem_len;
	to.ca_file = kc->ca_file;
	to.cert_pem = kc->cert_pem;
	to.cert_pem_len = kc->cert_pem_len;
	to.cert_file = kc->cert_file;
	to.key_pem = kc->key_pem;
	to.key_pem_len = kc->key_pem_len;
	to.key_file = kc->key_file;
	if ((err = pn_tls_config_new(&to, &k->tls)) != NULL) {
		err = pn_error_wrap(err, "kubeconfig %s: context \"%s\"", kc->path, kc->context);
		goto done;
	}
	if ((err = pn_http_conn_new("https", k->srv.host, k->srv.port, k->tls, &k->conn)) != NULL)
		goto done;
	if (kc->token != NULL) {
		size_t len;

		pn_buf_init(&b, PN_KUBECONFIG_TOKEN_MAX + 64, "Authorization header");
		if ((err = pn_buf_addf(&b, "Authorization: Bearer %s", kc->token)) == NULL)
			err = pn_buf_detach(&b, &k->auth, &len);
		if (b.data != NULL)
			mbedtls_platform_zeroize(b.data, b.cap);
		pn_buf_release(&b);
	}
done:
	if (err != NULL)
		pn_kapi_free(k);
	else
		*out = k;
	return err;
}

void
pn_kapi_free(struct pn_kapi *k)
{
	if (k == NULL)
		return;
	pn_http_conn_free(k->conn);
	pn_tls_config_free(k->tls);
	if (k->auth != NULL) {
		mbedtls_platform_zeroize(k->auth, strlen(k->auth));
		free(k->auth);
	}
	free(k);
}

void
pn_kapi_reply_init(struct pn_kapi_reply *r, const struct pn_kapi *k)
{
	memset(r, 0, sizeof(*r));
	pn_buf_init(&r->body, k != NULL ? k->body_max : PN_KAPI_BODY_MAX, "API response body");
}

void
pn_kapi_reply_release(struct pn_kapi_reply *r)
{
	pn_buf_release(&r->body);
	r->status = 0;
	r->json = 0;
	r->retry_after_s = 0;
}

/* application/json, with or without parameters; not application/json-patch+json and the like. */
static int
is_json(const char *ctype)
{
	static const char aj[] = "application/json";

	if (ctype == NULL || strncasecmp(ctype, aj, sizeof(aj) - 1) != 0)
		return 0;
	ctype += sizeof(aj) - 1;
	return *ctype == '\0' || *ctype == ';' || *ctype == ' ' || *ctype == '\t';
}

static const struct pn_error *
do_once(struct pn_kapi *k, const char *method, const char *path, const char *content_type, const char *body,
    size_t body_len, struct pn_kapi_reply *r)
{
	const struct pn_error *err = NULL;
	struct pn_http_response resp;
	struct pn_http_request req;
	struct pn_buf target, ctype;
	const char *headers[5], *v;
	size_t nh = 0;
	uint64_t n;

	memset(&resp, 0, sizeof(resp));
	pn_buf_init(&target, PN_KAPI_TARGET_MAX, "API request path");
	pn_buf_init(&ctype, PN_KAPI_TARGET_MAX, "Content-Type header");
	pn_buf_reset(&r->body);
	r->status = 0;
	r->json = 0;
	r->retry_after_s = 0;
	if ((err = pn_buf_addf(&target, "%s%s", k->srv.prefix, path)) != NULL)
		goto done;
	headers[nh++] = "Accept: application/json";
	headers[nh++] = "User-Agent: pinion/" PN_VERSION;
	if (content_type != NULL) {
		if ((err = pn_buf_addf(&ctype, "Content-Type: %s", content_type)) != NULL)
			goto done;
		headers[nh++] = pn_buf_str(&ctype);
	}
	if (k->auth != NULL)
		headers[nh++] = k->auth;
	headers[nh] = NULL;
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.target = pn_buf_str(&target);
	req.headers = headers;
	req.body = body;
	req.body_len = body != NULL ? body_len : 0;
	/* http.c's errors name the method and URL, except the sink's (a body over the ceiling) */
	if ((err = pn_http_do(k->conn, &req, &resp, pn_http_sink_buf, &r->body, pn_clock_mono_ms() +
	    k->timeout_ms)) != NULL) {
		if (err->code == PN_ERR_TOO_LARGE)
			err = pn_error_wrap(err, "%s %s", method, path);
		goto done;
	}
	r->status = resp.status;
	r->json = is_json(pn_http_header(&resp, "Content-Type"));
	v = pn_http_header(&resp, "Retry-After");
	/* delta-seconds only; the HTTP-date form is left to the caller's own backoff */
	if (v != NULL && pn_num_parse_u64(v, 0, UINT64_MAX, "Retry-After", &n) == NULL)
		r->retry_after_s = n < PN_KAPI_RETRY_AFTER_MAX ? n : PN_KAPI_RETRY_AFTER_MAX;
done:
	pn_http_response_release(&resp);
	pn_buf_release(&target);
	pn_buf_release(&ctype);
	return err;
}

/* Whether a try may go again: the connection failed (refused while k3s starts, reset, timed out), or the
 * server said 429 or 500/502/503/504 — not the 500 of an apply body with unknown fields, which no retry fixes
 * (pn_kapi_reply_error tells them apart), and no other 4xx. */
static int
retryable(const struct pn_error *err, const struct pn_kapi_reply *r)
{
	if (err != NULL)
		return err->code == PN_ERR_NET;
	if (r->status != 429 && r->status != 500 && r->status != 502 && r->status != 503 && r->status != 504)
		return 0;
	err = pn_kapi_reply_error(r, "retry");
	return err != NULL && err->code == PN_ERR_UNAVAILABLE;
}

const struct pn_error *
pn_kapi_do(struct pn_kapi *k, const char *method, const char *path, const char *content_type, const char *body,
    size_t body_len, struct pn_kapi_reply *r)
{
	const struct pn_error *err;
	struct pn_backoff bo;
	uint64_t delay;
	char why[PN_ERROR_MSG_MAX];

	pn_backoff_init(&bo, PN_KAPI_RETRY_BASE_MS, PN_KAPI_RETRY_CAP_MS);
	for (;;) {
		err = do_once(k, method, path, content_type, body, body_len, r);
		if (k->retry_deadline_ms == 0 || !retryable(err, r))
			return err;
		delay = pn_backoff_next(&bo, err == NULL ? r->retry_after_s * 1000 : 0);
		if (pn_clock_mono_ms() + delay > k->retry_deadline_ms)
			return err;	/* the last answer stands: the caller reports it */
		if (err != NULL)
			snprintf(why, sizeof(why), "%s", err->msg);
		else
			snprintf(why, sizeof(why), "HTTP %d", r->status);
		pn_log(PN_LOG_NOTICE, "%s %s: %s; retry %u in %.1f s", method, path, why, bo.attempts,
		    (double)delay / 1000.0);
		pn_clock_sleep_ms(delay, NULL);
	}
}

const struct pn_error *
pn_kapi_reply_json(const struct pn_kapi_reply *r, const char *what, cJSON **out)
{
	*out = NULL;
	if (r->body.len == 0 || (*out = cJSON_ParseWithLength(r->body.data, r->body.len)) == NULL)
		return pn_error_fmt(PN_ERR_PROTO, "%s: the API server's answer (HTTP %d, %zu bytes) is not JSON", what,
		    r->status, r->body.len);
	return NULL;
}

const struct pn_error *
pn_kapi_get_json(struct pn_kapi *k, const char *path, const char *what, cJSON **out)
{
	const struct pn_error *err;
	struct pn_kapi_reply r;

	*out = NULL;
	pn_kapi_reply_init(&r, k);
	if ((err = pn_kapi_do(k, "GET", path, NULL, NULL, 0, &r)) == NULL &&
	    (err = pn_kapi_reply_error(&r, what)) == NULL)
		err = pn_kapi_reply_json(&r, what, out);
	pn_kapi_reply_release(&r);
	return err;
}

void
pn_kapi_sanitize(char *dst, size_t len, const char *src, size_t src_len)
{
	size_t n = src_len;

	if (len == 0)
		return;
	if (n > len - 1) {
		n = len - 1;
		/* src[n] is the first byte left out: if it continues a UTF-8 sequence, leave the whole sequence out */
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)src[i];

		dst[i] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
	}
	dst[n] = '\0';
}

static void
copy_field(char *dst, size_t len, const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (cJSON_IsString(v))
		pn_kapi_sanitize(dst, len, v->valuestring, strlen(v->valuestring));
	else
		dst[0] = '\0';
}

const struct pn_error *
pn_kapi_status_decode(const char *body, size_t len, struct pn_kapi_status *out)
{
	cJSON *j = NULL;
	const cJSON *kind, *code, *details;
	const struct pn_error *err = NULL;

	memset(out, 0, sizeof(*out));
	if (body == NULL || len == 0 || (j = cJSON_ParseWithLength(body, len)) == NULL || !cJSON_IsObject(j)) {
		err = pn_error_fmt(PN_ERR_PARSE, "not a Status: not a JSON object");
		goto done;
	}
	kind = cJSON_GetObjectItemCaseSensitive(j, "kind");
	if (!cJSON_IsString(kind) || strcmp(kind->valuestring, "Status") != 0) {
		err = pn_error_fmt(PN_ERR_PARSE, "not a Status: kind is not \"Status\"");
		goto done;
	}
	code = cJSON_GetObjectItemCaseSensitive(j, "code");
	if (cJSON_IsNumber(code) && code->valuedouble >= 0 && code->valuedouble < 1000)
		out->code = (int)code->valuedouble;
	copy_field(out->reason, sizeof(out->reason), j, "reason");
	copy_field(out->message, sizeof(out->message), j, "message");
	details = cJSON_GetObjectItemCaseSensitive(j, "details");
	if (cJSON_IsObject(details)) {
		copy_field(out->details_kind, sizeof(out->details_kind), details, "kind");
		copy_field(out->details_name, sizeof(out->details_name), details, "name");
	}
done:
	cJSON_Delete(j);
	return err;
}

static enum pn_err_code
code_of(int status)
{
	if (status == 401)
		return PN_ERR_AUTH;
	if (status == 404)
		return PN_ERR_NOT_FOUND;
	if (status == 429 || (status >= 500 && status <= 599))
		return PN_ERR_UNAVAILABLE;
	if (status >= 400 && status <= 499)
		return PN_ERR_REJECTED;
	return PN_ERR_PROTO;
}

const struct pn_error *
pn_kapi_error_of(int status, int json, const char *body, size_t len, const char *what)
{
	enum pn_err_code code = code_of(status);
	struct pn_kapi_status st;
	char quote[PN_KAPI_QUOTE_MAX];

	if (status >= 200 && status <= 299)
		return NULL;
	if (json && pn_kapi_status_decode(body, len, &st) == NULL) {
		/* The apiserver answers 500 with reason "" for unknown fields in an apply body (kube-api.md §2,
		 * kubernetes#122480): the object is wrong, and retrying will not help. */
		if (status == 500 && st.reason[0] == '\0' && (strstr(st.message, "field not declared in schema") != NULL ||
		    strstr(st.message, "failed to create typed patch object") != NULL))
			code = PN_ERR_REJECTED;
		return pn_error_fmt(code, "%s: %d%s%s: %s", what, status, st.reason[0] != '\0' ? " " : "", st.reason,
		    st.message[0] != '\0' ? st.message : "(no message)");
	}
	pn_kapi_sanitize(quote, sizeof(quote), body != NULL ? body : "", body != NULL ? len : 0);
	/* trailing spaces (the text 404's newline) say nothing */
	for (size_t n = strlen(quote); n > 0 && quote[n - 1] == ' '; n--)
		quote[n - 1] = '\0';
	if (status == 404 && !json)
		return pn_error_fmt(code, "%s: 404: the API server does not serve this resource type (\"%s\")", what,
		    quote);
	if (status < 100 || (status >= 300 && status <= 399))
		return pn_error_fmt(code, "%s: unexpected HTTP status %d from the API server", what, status);
	return pn_error_fmt(code, "%s: HTTP %d: %s", what, status, quote[0] != '\0' ? quote : "(empty body)");
}

const struct pn_error *
pn_kapi_reply_error(const struct pn_kapi_reply *r, const char *what)
{
	return pn_kapi_error_of(r->status, r->json, r->body.data, r->body.len, what);
}

int
pn_kapi_not_served(const struct pn_kapi_reply *r)
{
	return r->status == 404 && !r->json;
}

const struct pn_error *
pn_kapi_path_escape(struct pn_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const struct pn_error *err = NULL;

	for (; *s != '\0' && err == NULL; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
		    ch == '.' || ch == '_' || ch == '~') {
			err = pn_buf_addch(b, (char)ch);
		} else if ((err = pn_buf_addch(b, '%')) == NULL && (err = pn_buf_addch(b, hex[ch >> 4])) == NULL) {
			err = pn_buf_addch(b, hex[ch & 0xf]);
		}
	}
	return err;
}
