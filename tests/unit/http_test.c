/*
 * The HTTP/1.1 client against a real server (tests/lib/http_server.py, plain and TLS): keep-alive reuse across
 * Content-Length, chunked and close-delimited bodies, the one transparent reconnect after the server closed an
 * idle connection (and none on a fresh connection), deadlines (a server that never answers, one that never
 * stops sending), request headers as sent, statuses passed through, malformed responses on the wire, sink
 * errors passed through unchanged, a server that is down.
 */
#include "pn_test.h"
#include "peer.h"

#include "../../agent/core/buf.h"
#include "../../agent/net/http.h"
#include "../../agent/net/tls.h"
#include "../../platform/clock.h"

#define IO_TIMEOUT_MS 20000
#define BODY_MAX (8 * 1024 * 1024)

struct fixture {
	char dir[PN_TEST_PATH_MAX];
	pid_t plain_pid, tls_pid;
	int plain_port, tls_port;
	struct pn_tls_config *tls;
};

static struct fixture fx;

static pid_t
start_server(const char *name, int tls, int *port)
{
	char d[PN_TEST_PATH_MAX * 2], c[PN_TEST_PATH_MAX * 2], k[PN_TEST_PATH_MAX * 2];
	char py[] = "python3", script[] = "tests/lib/http_server.py", o_dir[] = "--dir", o_cert[] = "--tls-cert",
	     o_key[] = "--tls-key";
	char *argv_plain[] = {py, script, o_dir, d, NULL};
	char *argv_tls[] = {py, script, o_dir, d, o_cert, c, o_key, k, NULL};

	snprintf(d, sizeof(d), "%s/%s", fx.dir, name);
	mkdir(d, 0755);
	snprintf(c, sizeof(c), "%s/pki/server.crt", fx.dir);
	snprintf(k, sizeof(k), "%s/pki/server.key", fx.dir);
	return pn_test_spawn(tls ? argv_tls : argv_plain, d, port);
}

static int
setup(void **state)
{
	char cmd[PN_TEST_PATH_MAX * 2], ca[PN_TEST_PATH_MAX * 2];
	struct pn_tls_options opt;

	(void)state;
	if (pn_test_tmpdir("http", fx.dir, sizeof(fx.dir)) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "sh tests/lib/mkcerts.sh %s/pki", fx.dir);
	if (system(cmd) != 0)
		return -1;
	if ((fx.plain_pid = start_server("plain", 0, &fx.plain_port)) <= 0)
		return -1;
	if ((fx.tls_pid = start_server("tls", 1, &fx.tls_port)) <= 0)
		return -1;
	snprintf(ca, sizeof(ca), "%s/pki/ca.crt", fx.dir);
	memset(&opt, 0, sizeof(opt));
	opt.ca_file = ca;
	return pn_tls_config_new(&opt, &fx.tls) == NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	pn_test_stop(fx.plain_pid);
	pn_test_stop(fx.tls_pid);
	pn_tls_config_free(fx.tls);
	pn_test_rmtree(fx.dir);
	return 0;
}

static uint64_t
deadline(void)
{
	return pn_clock_mono_ms() + IO_TIMEOUT_MS * (uint64_t)pn_test_slow();
}

static struct pn_http_conn *
conn(int tls, const char *host)
{
	struct pn_http_conn *c = NULL;
	char port[16];

	snprintf(port, sizeof(port), "%d", tls ? fx.tls_port : fx.plain_port);
	assert_ok(pn_http_conn_new(tls ? "https" : "http", host, port, fx.tls, &c));
	return c;
}

static const struct pn_error *
get(struct pn_http_conn *c, const char *target, struct pn_http_response *resp, struct pn_buf *body,
    uint64_t dl)
{
	struct pn_http_request req;

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.target = target;
	pn_buf_reset(body);
	return pn_http_do(c, &req, resp, pn_http_sink_buf, body, dl);
}

/* The server's body pattern: ALPHABET[i % 16]. */
static void
assert_pattern(const struct pn_buf *b, size_t n)
{
	static const char alphabet[] = "0123456789abcdef";

	assert_int_equal(b->len, n);
	for (size_t i = 0; i < n; i++)
		if (b->data[i] != alphabet[i % 16])
			fail_msg("body byte %zu is 0x%02x", i, (unsigned char)b->data[i]);
}

static void
assert_header(const struct pn_http_response *resp, const char *name, const char *value)
{
	const char *v = pn_http_header(resp, name);

	if (v == NULL || strcmp(v, value) != 0)
		fail_msg("header %s: expected \"%s\", got \"%s\"", name, value, v != NULL ? v : "(none)");
}

/* Content-Length, chunked and Content-Length again: one connection, three requests on it. */
static void
keepalive(int tls, const char *host)
{
	struct pn_http_conn *c = conn(tls, host);
	struct pn_http_response resp;
	struct pn_buf body;
	char first_conn[32];

	pn_buf_init(&body, BODY_MAX, "body");
	assert_ok(get(c, "/cl/10", &resp, &body, deadline()));
	assert_int_equal(resp.status, 200);
	assert_pattern(&body, 10);
	assert_int_equal(resp.body_bytes, 10);
	assert_header(&resp, "X-Req", "1");
	assert_non_null(pn_http_header(&resp, "X-Conn"));
	snprintf(first_conn, sizeof(first_conn), "%s", pn_http_header(&resp, "X-Conn"));
	pn_http_response_release(&resp);
	assert_ok(get(c, "/chunked/300000/7000", &resp, &body, deadline()));
	assert_pattern(&body, 300000);
	assert_header(&resp, "X-Req", "2");
	assert_header(&resp, "Transfer-Encoding", "chunked");
	assert_null(pn_http_header(&resp, "X-Trailer")); /* trailers are checked and dropped */
	pn_http_response_release(&resp);
	assert_ok(get(c, "/cl/70000", &resp, &body, deadline()));
	assert_pattern(&body, 70000);
	assert_header(&resp, "X-Req", "3");
	assert_header(&resp, "X-Conn", first_conn);
	pn_http_response_release(&resp);
	assert_int_equal(pn_http_conn_connects(c), 1);
	pn_http_conn_free(c);
	pn_buf_release(&body);
}

static void
test_keepalive_reuse(void **state)
{
	(void)state;
	keepalive(0, "127.0.0.1");
}

/* TLS by DNS name and by IP literal (the host goes verbatim to the certificate check) */
static void
test_keepalive_reuse_tls(void **state)
{
	(void)state;
	keepalive(1, "localhost");
	keepalive(1, "127.0.0.1");
}

/* A body that ends at the close: delivered whole; the connection is not reused. */
static void
test_close_delimited(void **state)
{
	struct pn_http_conn *c = conn(0, "127.0.0.1");
	struct pn_http_response resp;
	struct pn_buf body;

	(void)state;
	pn_buf_init(&body, BODY_MAX, "body");
	assert_ok(get(c, "/close/50000", &resp, &body, deadline()));
	assert_pattern(&body, 50000);
	pn_http_response_release(&resp);
	assert_ok(get(c, "/cl/3", &resp, &body, deadline()));
	assert_pattern(&body, 3);
	assert_header(&resp, "X-Req", "1");
	pn_http_response_release(&resp);
	assert_int_equal(pn_http_conn_connects(c), 2);
	pn_http_conn_free(c);
	pn_buf_release(&body);
}

/* The server drops a kept-alive connection without a word; the next request goes out again on a new one. */
static void
reconnect(int tls)
{
	struct pn_http_conn *c = conn(tls, "localhost");
	struct pn_http_response resp;
	struct pn_buf body;

	pn_buf_init(&body, BODY_MAX, "body");
	assert_ok(get(c, "/idle-close/5", &resp, &body, deadline()));
	pn_http_response_release(&resp);
	pn_test_sleep_ms(100); /* let the close arrive (the retry also covers it arriving later) */
	assert_ok(get(c, "/cl/5", &resp, &body, deadline()));
	assert_pattern(&body, 5);
	assert_header(&resp, "X-Req", "1");
	pn_http_response_release(&resp);
	assert_int_equal(pn_http_conn_connects(c), 2);
	/* and without the pause: the request is written into the dying connection, the answer is EOF */
	assert_ok(get(c, "/idle-close/5", &resp, &body, deadline()));
	pn_http_response_release(&resp);
	assert_ok(get(c, "/cl/5", &resp, &body, deadline()));
	pn_http_response_release(&resp);
	assert_int_equal(pn_http_conn_connects(c), 3);
	pn_http_conn_free(c);
	pn_buf_release(&body);
}

static void
test_reconnect_after_server_close(void **state)
{
	(void)state;
	reconnect(0);
}

static void
test_reconnect_after_server_close_tls(void **state)
{
	(void)state;
	reconnect(1);
}

/* A fresh connection closed without an answer is not retried: the server really is broken. */
static void
test_fresh_connection_not_retried(void **state)
{
	struct pn_http_conn *c = conn(0, "127.0.0.1");
	struct pn_http_response resp;
	struct pn_buf body;

	(void)state;
	pn_buf_init(&body, BODY_MAX, "body");
	assert_error(get(c, "/raw/", &resp, &body, deadline()), PN_ERR_NET,
	    "GET http://127.0.0.1:");
	assert_error(get(c, "/raw/", &resp, &body, deadline()), PN_ERR_NET, "/raw/: connection closed before the "
	    "response");
	assert_int_equal(pn_http_conn_connects(c), 2);
	pn_http_response_release(&resp);
	pn_http_conn_free(c);
	pn_buf_release(&body);
}

static void
test_timeout_no_answer(void **state)
{
	struct pn_http_conn *c = conn(0, "127.0.0.1");
	struct pn_http_response resp;
	struct pn_buf body;
	uint64_t t0 = pn_clock_mono_ms();

	(void)state;
	pn_buf_init(&body, BODY_MAX, "body");
	assert_error(get(c, "/hang", &resp, &body, t0 + 300), PN_ERR_NET, "timed out");
	assert_true(pn_clock_mono_ms() - t0 < 5000);
	pn_http_response_release(&resp);
	/* the connection was dropped; the next request works */
	assert_ok(get(c, "/cl/1", &resp, &body, deadline()));
	pn_http_response_release(&resp);
	pn_http_conn_free(c);
	pn_buf_release(&body);
}

/* A server that keeps sending, a byte at a time, is cut off at the deadline too. */
static void
test_timeout_endless_body(void **state)
{
	struct pn_http_conn *c = conn(0, "127.0.0.1");
	struct pn_http_response resp;
	struct pn_buf body;
	uint64_t t0 = pn_clock_mono_ms();

	(void)state;
	pn_buf_init(&body, BODY_MAX, "body");
	assert_error(get(c, "/trickle", &resp, &body, t0 + 500), PN_ERR_NET, "timed out");
	assert_true(pn_clock_mono_ms() - t0 < 5000);
	assert_int_equal(resp.status, 200); /* the head had arrived */
	pn_http_response_release(&resp);
	pn_http_conn_free(c);
	pn_buf_release(&body);
}

/* What goes on the wire: request line, Host with port, User-Agent, Content-Length, the caller's headers. */
static void
test_request_as_sent(void **state)
{
	struct pn_http_conn *c = conn(0, "127.0.0.1");
	struct pn_http_response resp;
	struct pn_http_request req;
	struct pn_buf body;
	const char *headers[] = {"Content-Type: text/plain", "Authorization: Bearer t0k3n", NULL};
	char expect[128];

	(void)state;
	pn_buf_init(&body, BODY_MAX, "body");
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.target = "/echo?x=1";
	req.headers = headers;
	req.body = "payload";
	req.body_len = 7;
	assert_ok(pn_http_do(c, &req, &resp, pn_http_sink_buf, &body, deadline()));
	assert_non_null(strstr(body.data, "POST /echo?x=1\n"));
	snprintf(expect, sizeof(expect), "\nHost: 127.0.0.1:%d\n", fx.plain_port);
	assert_non_null(strstr(body.data, expect));
	assert_non_null(strstr(body.data, "\nUser-Agent: pinion/"));
	assert_non_null(strstr(body.data, "\nContent-Length: 7\n"));
	assert_non_null(strstr(body.data, "\nAuthorization: Bearer t0k3n\n"));
	assert_non_null(strstr(body.data, "\n\npayload"));
	pn_http_response_release(&resp);
	/* the caller's User-Agent replaces ours; a POST without a body still says Content-Length: 0 */
	headers[0] = "User-Agent: kubectl-like/1";
	req.body = NULL;
	req.body_len = 0;
	pn_buf_reset(&body);
	assert_ok(pn_http_do(c, &req, &resp, pn_http_sink_buf, &body, deadline()));
	assert_non_null(strstr(body.data, "\nUser-Agent: kubectl-like/1\n"));
	assert_null(strstr(body.data, "pinion/"));
	assert_non_null(strstr(body.data, "\nContent-Length: 0\n"));
	pn_http_response_release(&resp);
	assert_int_equal(pn_http_conn_connects(c), 1);
	pn_http_conn_free(c);
	pn_buf_release(&body);
}

static void
test_bad_requests_refused(void **state)
{
	struct pn_http_conn *c = conn(0, "127.0.0.1");
	struct pn_http_response resp;
	struct pn_http_request req;
	const char *injected[] = {"X-A: 1\r\nX-B: 2", NULL}, *host[] = {"host: evil", NULL},
		   *secret[] = {"Authorization Bearer s3cr3t", NULL};

	(void)state;
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.target = "/cl/1";
	req.headers = injected;
	assert_error(pn_http_do(c, &req, &resp, NULL, NULL, deadline()), PN_ERR_USAGE, "malformed request header");
	req.headers = host;
	assert_error(pn_http_do(c, &req, &resp, NULL, NULL, deadline()), PN_ERR_USAGE, "host is set by the client");
	req.headers = secret;
	assert_error(pn_http_do(c, &req, &resp, NULL, NULL, deadline()), PN_ERR_USAGE, "malformed request header (#1)");
	req.headers = NULL;
	req.target = "/a b";
	assert_error(pn_http_do(c, &req, &resp, NULL, NULL, deadline()), PN_ERR_USAGE, "request target");
	req.target = "cl/1";
	assert_error(pn_http_do(c, &req, &resp, NULL, NULL, deadline()), PN_ERR_USAGE, "must start with /");
	assert_int_equal(pn_http_conn_connects(c), 0);
	pn_http_response_release(&resp);
	pn_http_conn_free(c);
	assert_error(pn_http_conn_new("ftp", "h", "1", NULL, &c), PN_ERR_USAGE, "unsupported scheme");
	assert_error(pn_http_conn_new("https", "h", "443", NULL, &c), PN_ERR_USAGE, "needs a TLS configuration");
	assert_error(pn_http_conn_new("http", "h", "0", NULL, &c), PN_ERR_USAGE, "out of range");
	assert_error(pn_http_conn_new("http", "h/x", "80", NULL, &c), PN_ERR_USAGE, "bad host");
}

/* 4xx and 5xx are answers, not errors: the caller judges them. */
static void
test_status_passed_through(void **state)
{
	struct pn_http_conn *c = conn(0, "127.0.0.1");
	struct pn_http_response resp;
	struct pn_buf body;

	(void)state;
	pn_buf_init(&body, BODY_MAX, "body");
	assert_ok(get(c, "/status/503", &resp, &body, deadline()));
	assert_int_equal(resp.status, 503);
	assert_string_equal(pn_buf_str(&body), "status page\n");
	pn_http_response_release(&resp);
	assert_ok(get(c, "/status/204", &resp, &body, deadline()));
	assert_int_equal(resp.status, 204);
	assert_int_equal(body.len, 0);
	pn_http_response_release(&resp);
	assert_int_equal(pn_http_conn_connects(c), 1);
	pn_http_conn_free(c);
	pn_buf_release(&body);
}

/* Malformed responses from a real socket: truncated body, bad chunk size, header over the ceiling. */
static void
test_malformed_on_the_wire(void **state)
{
	struct pn_http_conn *c = conn(0, "127.0.0.1");
	struct pn_http_response resp;
	struct pn_buf body;
	char target[256];

	(void)state;
	pn_buf_init(&body, BODY_MAX, "body");
	/* "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel" */
	assert_error(get(c, "/raw/485454502f312e3120323030204f4b0d0a436f6e74656e742d4c656e6774683a20350d0a0d0a68656c",
	    &resp, &body, deadline()), PN_ERR_NET, "connection closed after 3 of 5 body bytes");
	pn_http_response_release(&resp);
	/* "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n" */
	snprintf(target, sizeof(target), "/raw/%s%s", "485454502f312e3120323030204f4b0d0a5472616e736665722d456e636f64",
	    "696e673a206368756e6b65640d0a0d0a666666666666666666666666666666666666660d0a");
	assert_error(get(c, target, &resp, &body, deadline()), PN_ERR_PARSE, "more than 16 hex digits");
	pn_http_response_release(&resp);
	pn_http_conn_free(c);
	pn_buf_release(&body);
}

/* The body ceiling is the sink's: a bounded buffer says TOO_LARGE, and the sink's error is not re-worded. */
static void
test_sink_error_passed_through(void **state)
{
	struct pn_http_conn *c = conn(0, "127.0.0.1");
	struct pn_http_response resp;
	struct pn_buf body;
	const struct pn_error *err;

	(void)state;
	pn_buf_init(&body, 1000, "API response body");
	err = get(c, "/cl/5000", &resp, &body, deadline());
	assert_error(err, PN_ERR_TOO_LARGE, "API response body exceeds its limit of 1000 bytes");
	assert_int_equal(strncmp(err->msg, "API response body", 17), 0);
	pn_http_response_release(&resp);
	pn_http_conn_free(c);
	pn_buf_release(&body);
}

/* Regression: an error kept inside the response parser was returned by pointer, and dangled once the caller
 * freed the connection (found by ASan through the upload client). */
static void
test_error_outlives_connection(void **state)
{
	struct pn_http_conn *c = conn(0, "127.0.0.1");
	struct pn_http_response resp;
	struct pn_buf body;
	const struct pn_error *err;

	(void)state;
	pn_buf_init(&body, 10, "tiny body");
	err = get(c, "/cl/5000", &resp, &body, deadline());
	pn_http_response_release(&resp);
	pn_http_conn_free(c);
	assert_error(err, PN_ERR_TOO_LARGE, "tiny body exceeds its limit of 10 bytes");
	pn_buf_release(&body);
}

static void
test_server_down(void **state)
{
	struct pn_http_conn *c = NULL;
	struct pn_http_response resp;
	struct pn_buf body;

	(void)state;
	pn_buf_init(&body, BODY_MAX, "body");
	assert_ok(pn_http_conn_new("http", "127.0.0.1", "1", NULL, &c));
	assert_error(get(c, "/", &resp, &body, deadline()), PN_ERR_NET, "cannot connect to 127.0.0.1 port 1");
	pn_http_response_release(&resp);
	pn_http_conn_free(c);
	pn_buf_release(&body);
}

/* A connection to scheme://host through the plain server acting as a proxy (with credentials "u:p"). */
static struct pn_http_conn *
proxied(const char *scheme, const char *host, struct pn_proxy *px)
{
	struct pn_proxy_env env;
	struct pn_http_conn *c = NULL;
	const char *port = strcmp(scheme, "https") == 0 ? "443" : "80";
	char val[64];

	snprintf(val, sizeof(val), "http://u:p@127.0.0.1:%d", fx.plain_port);
	memset(&env, 0, sizeof(env));
	env.http = env.https = val;
	env.http_name = "HTTP_PROXY";
	env.https_name = "HTTPS_PROXY";
	assert_ok(pn_proxy_for(&env, scheme, host, port, px));
	assert_string_equal(px->host, "127.0.0.1");
	assert_ok(pn_http_conn_new(scheme, host, port, fx.tls, &c));
	pn_http_conn_set_proxy(c, px);
	return c;
}

/* http through a proxy: the absolute URI as the target, Proxy-Authorization, keep-alive to the proxy. */
static void
test_proxy_absolute_form(void **state)
{
	struct pn_proxy px;
	struct pn_http_conn *c = proxied("http", "origin.test", &px);
	struct pn_http_response resp;
	struct pn_buf body;

	(void)state;
	pn_buf_init(&body, BODY_MAX, "body");
	assert_ok(get(c, "/echo?x=1", &resp, &body, deadline()));
	assert_int_equal(resp.status, 200);
	if (strncmp(pn_buf_str(&body), "GET http://origin.test/echo?x=1\n", 32) != 0 ||
	    strstr(pn_buf_str(&body), "\nHost: origin.test\n") == NULL ||
	    strstr(pn_buf_str(&body), "\nProxy-Authorization: Basic dTpw\n") == NULL)
		fail_msg("request as the proxy saw it:\n%s", pn_buf_str(&body));
	pn_http_response_release(&resp);
	assert_ok(get(c, "/cl/5", &resp, &body, deadline()));
	assert_pattern(&body, 5);
	assert_header(&resp, "X-Req", "2");
	pn_http_response_release(&resp);
	assert_int_equal(pn_http_conn_connects(c), 1);
	pn_http_conn_free(c);
	pn_proxy_release(&px);
	pn_buf_release(&body);
}

/* https through a proxy whose CONNECT answer is refused: its status line, too large a head, stray bytes. */
static void
test_proxy_connect_refused(void **state)
{
	static const struct {
		const char *host;
		enum pn_err_code code;
		const char *needle;
	} cases[] = {
		{"deny.test", PN_ERR_AUTH, ": CONNECT deny.test:443: HTTP/1.1 407 Proxy Authentication Required (proxy "
		    "authentication required)"},
		{"other.test", PN_ERR_UNAVAILABLE, "CONNECT other.test:443: HTTP/1.1 502 Bad Gateway"},
		{"bighead.test", PN_ERR_TOO_LARGE, "CONNECT bighead.test:443"},
		{"early.test", PN_ERR_PROTO, "5 bytes after the answer, before the tunnel was used"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_proxy px;
		struct pn_http_conn *c = proxied("https", cases[i].host, &px);
		struct pn_http_response resp;
		struct pn_buf body;
		const struct pn_error *e;

		pn_buf_init(&body, BODY_MAX, "body");
		e = get(c, "/cl/5", &resp, &body, deadline());
		assert_error(e, cases[i].code, cases[i].needle);
		assert_non_null(strstr(e->msg, "proxy http://127.0.0.1:"));
		assert_null(strstr(e->msg, "u:p"));
		pn_http_response_release(&resp);
		pn_http_conn_free(c);
		pn_proxy_release(&px);
		pn_buf_release(&body);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keepalive_reuse),
		cmocka_unit_test(test_keepalive_reuse_tls),
		cmocka_unit_test(test_close_delimited),
		cmocka_unit_test(test_reconnect_after_server_close),
		cmocka_unit_test(test_reconnect_after_server_close_tls),
		cmocka_unit_test(test_fresh_connection_not_retried),
		cmocka_unit_test(test_timeout_no_answer),
		cmocka_unit_test(test_timeout_endless_body),
		cmocka_unit_test(test_request_as_sent),
		cmocka_unit_test(test_bad_requests_refused),
		cmocka_unit_test(test_status_passed_through),
		cmocka_unit_test(test_malformed_on_the_wire),
		cmocka_unit_test(test_sink_error_passed_through),
		cmocka_unit_test(test_error_outlives_connection),
		cmocka_unit_test(test_server_down),
		cmocka_unit_test(test_proxy_absolute_form),
		cmocka_unit_test(test_proxy_connect_refused),
	};
	return cmocka_run_group_tests_name("http", tests, setup, teardown);
}
