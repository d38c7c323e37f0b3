/*
 * kapi without the network: server URLs, metav1.Status decoding, the HTTP status → pinion error mapping that
 * quotes the server, message sanitising and path escaping. The live client is exercised by ssa_test.c.
 */
#include "pn_test.h"

#include "../../agent/apply/kapi.h"

static void
test_parse_server(void **state)
{
	static const struct {
		const char *url;
		const char *host, *port, *prefix;	/* NULL host: error */
		enum pn_err_code code;
		const char *needle;
	} cases[] = {
		{"https://127.0.0.1:6443", "127.0.0.1", "6443", "", 0, NULL},
		{"https://127.0.0.1:6443/", "127.0.0.1", "6443", "", 0, NULL},
		{"HTTPS://kubernetes", "kubernetes", "443", "", 0, NULL},
		{"https://[::1]:6443", "::1", "6443", "", 0, NULL},
		{"https://[fd00::5]", "fd00::5", "443", "", 0, NULL},
		{"https://rancher.lan/k8s/clusters/c-m-x//", "rancher.lan", "443", "/k8s/clusters/c-m-x", 0, NULL},
		{"http://127.0.0.1:6443", NULL, NULL, NULL, PN_ERR_UNSUPPORTED, "over https only"},
		{"127.0.0.1:6443", NULL, NULL, NULL, PN_ERR_PARSE, "not an https:// URL"},
		{"https://", NULL, NULL, NULL, PN_ERR_PARSE, "no host"},
		{"https://:6443", NULL, NULL, NULL, PN_ERR_PARSE, "no host"},
		{"https://h:0", NULL, NULL, NULL, PN_ERR_PARSE, "port"},
		{"https://h:65536", NULL, NULL, NULL, PN_ERR_PARSE, "port"},
		{"https://h:", NULL, NULL, NULL, PN_ERR_PARSE, "port"},
		{"https://h:6443x", NULL, NULL, NULL, PN_ERR_PARSE, "port"},
		{"https://[::1", NULL, NULL, NULL, PN_ERR_PARSE, "unterminated IPv6"},
		{"https://[::1]x", NULL, NULL, NULL, PN_ERR_PARSE, "junk after the IPv6"},
		{"https://u:p@h", NULL, NULL, NULL, PN_ERR_PARSE, "user information"},
		{"https://h/?x=1", NULL, NULL, NULL, PN_ERR_PARSE, "query or fragment"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_kapi_server s;
		const struct pn_error *e = pn_kapi_parse_server(cases[i].url, &s);

		if (cases[i].host == NULL) {
			assert_error(e, cases[i].code, cases[i].needle);
			assert_non_null(strstr(e->msg, cases[i].url));
			continue;
		}
		assert_ok(e);
		assert_string_equal(s.host, cases[i].host);
		assert_string_equal(s.port, cases[i].port);
		assert_string_equal(s.prefix, cases[i].prefix);
	}
}

static void
test_status_decode(void **state)
{
	static const char nf[] = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
	    "\"message\":\"namespaces \\\"missing\\\" not found\",\"reason\":\"NotFound\",\"details\":{\"name\":"
	    "\"missing\",\"kind\":\"namespaces\"},\"code\":404}";
	struct pn_kapi_status st;

	(void)state;
	assert_ok(pn_kapi_status_decode(nf, strlen(nf), &st));
	assert_int_equal(st.code, 404);
	assert_string_equal(st.reason, "NotFound");
	assert_string_equal(st.message, "namespaces \"missing\" not found");
	assert_string_equal(st.details_kind, "namespaces");
	assert_string_equal(st.details_name, "missing");
	/* everything but kind is optional */
	assert_ok(pn_kapi_status_decode("{\"kind\":\"Status\"}", 17, &st));
	assert_int_equal(st.code, 0);
	assert_string_equal(st.message, "");
	assert_error(pn_kapi_status_decode("{\"kind\":\"ConfigMap\"}", 20, &st), PN_ERR_PARSE, "not a Status");
	assert_error(pn_kapi_status_decode("[]", 2, &st), PN_ERR_PARSE, "not a Status");
	assert_error(pn_kapi_status_decode("{\"kind\":", 8, &st), PN_ERR_PARSE, "not a Status");
	assert_error(pn_kapi_status_decode("", 0, &st), PN_ERR_PARSE, "not a Status");
	assert_error(pn_kapi_status_decode(NULL, 0, &st), PN_ERR_PARSE, "not a Status");
	/* wrong types are ignored, not trusted */
	{
		static const char odd[] = "{\"kind\":\"Status\",\"code\":1e9,\"message\":5,\"details\":[]}";

		assert_ok(pn_kapi_status_decode(odd, strlen(odd), &st));
	}
	assert_int_equal(st.code, 0);
	assert_string_equal(st.message, "");
}

#define STATUS(code, reason, msg)                                                                  \
	"{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"" msg \
	"\",\"reason\":\"" reason "\",\"code\":" #code "}"

static void
test_error_mapping(void **state)
{
	static const struct {
		int status, json;
		const char *body;
		enum pn_err_code code;	/* 0: no error */
		const char *want;	/* the whole message */
	} cases[] = {
		{200, 1, "{}", 0, NULL},
		{201, 1, "{}", 0, NULL},
		{401, 1, STATUS(401, "Unauthorized", "Unauthorized"), PN_ERR_AUTH, "X: 401 Unauthorized: Unauthorized"},
		{403, 1, STATUS(403, "Forbidden", "configmaps \\\"demo\\\" is forbidden: User \\\"u\\\" cannot patch"),
		    PN_ERR_REJECTED, "X: 403 Forbidden: configmaps \"demo\" is forbidden: User \"u\" cannot patch"},
		{404, 1, STATUS(404, "NotFound", "deployments.apps \\\"web\\\" not found"), PN_ERR_NOT_FOUND,
		    "X: 404 NotFound: deployments.apps \"web\" not found"},
		{404, 0, "404 page not found\n", PN_ERR_NOT_FOUND,
		    "X: 404: the API server does not serve this resource type (\"404 page not found\")"},
		{409, 1, STATUS(409, "Conflict", "Apply failed with 2 conflicts: conflicts with \\\"m\\\":\\n- .a\\n- .b"),
		    PN_ERR_REJECTED, "X: 409 Conflict: Apply failed with 2 conflicts: conflicts with \"m\": - .a - .b"},
		{422, 1, STATUS(422, "Invalid", "Deployment.apps \\\"web\\\" is invalid: spec.replicas: Invalid value"),
		    PN_ERR_REJECTED, "X: 422 Invalid: Deployment.apps \"web\" is invalid: spec.replicas: Invalid value"},
		{400, 1, STATUS(400, "BadRequest", "the name of the object (a) does not match the name on the URL (b)"),
		    PN_ERR_REJECTED, "X: 400 BadRequest: the name of the object (a) does not match the name on the URL (b)"},
		{415, 1, STATUS(415, "UnsupportedMediaType", "unknown format"), PN_ERR_REJECTED,
		    "X: 415 UnsupportedMediaType: unknown format"},
		{429, 1, STATUS(429, "TooManyRequests", "slow down"), PN_ERR_UNAVAILABLE, "X: 429 TooManyRequests: slow down"},
		{503, 1, STATUS(503, "ServiceUnavailable", ""), PN_ERR_UNAVAILABLE, "X: 503 ServiceUnavailable: (no message)"},
		{500, 1, STATUS(500, "InternalError", "Internal error occurred: etcd"), PN_ERR_UNAVAILABLE,
		    "X: 500 InternalError: Internal error occurred: etcd"},
		/* unknown fields: 500 with reason "" that no retry fixes (kubernetes#122480) */
		{500, 1, STATUS(500, "", "failed to create typed patch object (lab/web; apps/v1, Kind=Deployment): "
		    ".spec.foo: field not declared in schema"), PN_ERR_REJECTED, "X: 500: failed to create typed patch "
		    "object (lab/web; apps/v1, Kind=Deployment): .spec.foo: field not declared in schema"},
		{502, 0, "<html>\r\n<head><title>502 Bad Gateway</title></head>", PN_ERR_UNAVAILABLE,
		    "X: HTTP 502: <html>  <head><title>502 Bad Gateway</title></head>"},
		{500, 1, "not json", PN_ERR_UNAVAILABLE, "X: HTTP 500: not json"},
		{503, 0, "", PN_ERR_UNAVAILABLE, "X: HTTP 503: (empty body)"},
		{302, 0, "", PN_ERR_PROTO, "X: unexpected HTTP status 302 from the API server"},
		{418, 0, "teapot", PN_ERR_REJECTED, "X: HTTP 418: teapot"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pn_error *e = pn_kapi_error_of(cases[i].status, cases[i].json, cases[i].body,
		    strlen(cases[i].body), "X");

		if (cases[i].code == 0) {
			assert_null(e);
			continue;
		}
		assert_non_null(e);
		if (e->code != cases[i].code || strcmp(e->msg, cases[i].want) != 0)
			fail_msg("HTTP %d: expected %s \"%s\", got %s \"%s\"", cases[i].status,
			    pn_error_code_name(cases[i].code), cases[i].want, pn_error_code_name(e->code), e->msg);
	}
}

/* A long HTML error page is quoted only in part. */
static void
test_error_quote_cut(void **state)
{
	char body[4096];
	const struct pn_error *e;

	(void)state;
	memset(body, 'x', sizeof(body));
	e = pn_kapi_error_of(500, 0, body, sizeof(body), "GET /api/v1");
	assert_non_null(e);
	assert_true(strlen(e->msg) < 300);
}

static void
test_sanitize(void **state)
{
	static const char utf8[] = "caf\xc3\xa9";	/* "café": é is 2 bytes */
	char out[8];

	(void)state;
	pn_kapi_sanitize(out, sizeof(out), "a\nb\tc\x7f", 6);
	assert_string_equal(out, "a b c ");
	/* room for 4 bytes: "caf" and not half of the é */
	pn_kapi_sanitize(out, 5, utf8, strlen(utf8));
	assert_string_equal(out, "caf");
	pn_kapi_sanitize(out, 6, utf8, strlen(utf8));
	assert_string_equal(out, utf8);
	pn_kapi_sanitize(out, 1, utf8, strlen(utf8));
	assert_string_equal(out, "");
}

static void
test_path_escape(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"web", "web"},
		{"kube-root-ca.crt", "kube-root-ca.crt"},
		{"a_b~c", "a_b~c"},
		{"a/b", "a%2Fb"},
		{"a b?c#d%", "a%20b%3Fc%23d%25"},
		{"\xc3\xa9", "%C3%A9"},
		{"", ""},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_buf b;

		pn_buf_init(&b, 64, "path");
		assert_ok(pn_kapi_path_escape(&b, cases[i].in));
		assert_string_equal(pn_buf_str(&b), cases[i].want);
		pn_buf_release(&b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_server),
		cmocka_unit_test(test_status_decode),
		cmocka_unit_test(test_error_mapping),
		cmocka_unit_test(test_error_quote_cut),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_path_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
