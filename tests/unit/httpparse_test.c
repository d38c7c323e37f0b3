/*
 * The HTTP/1.1 response parser, table-driven: every case is fed whole, byte by byte and in a few odd splits, and
 * must give the same status, body, reuse verdict or error each time. Every length field is tried malformed:
 * Content-Length (not a number, negative, overflowing, conflicting, truncated), chunk sizes (bad hex, negative,
 * overflow, missing, over the line ceiling, missing CRLF, truncated), the header and trailer ceilings.
 */
#include "pn_test.h"

#include <stdio.h>

#include "../../agent/core/buf.h"
#include "../../agent/net/http.h"
#include "../../agent/net/httpparse.h"

#define BODY_MAX (1024 * 1024)
#define CASE_MAX (200 * 1024)

struct tcase {
	const char *name;
	const char *in;		/* NULL: built by the test (see big inputs) */
	int head_request;
	int eof;		/* the connection closes after the input */
	enum pn_err_code code;	/* 0: success */
	const char *needle;	/* in the error message, or NULL */
	int status;
	const char *body;
	int keep_alive;
	size_t leftover;	/* bytes after the end of the message */
};

struct result {
	const struct pn_error *err;
	struct pn_error err_copy;
	int done, status, keep_alive;
	size_t leftover;
	struct pn_buf body;
	char h_value[256];	/* value of header "X-A", if any */
	size_t nheaders;
};

/* Feed `in` in pieces of `split` bytes (0: all at once). */
static void
run(const char *in, size_t len, int head_request, int eof, size_t split, struct result *r)
{
	struct pn_httpparse p;
	size_t off = 0;
	const char *v;

	memset(r, 0, sizeof(*r));
	pn_buf_init(&r->body, BODY_MAX, "test body");
	pn_httpparse_init(&p, 0, head_request, pn_http_sink_buf, &r->body);
	while (off < len && !pn_httpparse_done(&p)) {
		size_t piece = split == 0 || len - off < split ? len - off : split, pos = 0;

		while (pos < piece && !pn_httpparse_done(&p)) {
			size_t used;
			const struct pn_error *err = pn_httpparse_push(&p, in + off + pos, piece - pos, &used);

			if (err != NULL) {
				r->err_copy = *err;
				r->err = &r->err_copy;
				goto out;
			}
			pos += used;
		}
		off += pos;
	}
	r->leftover = len - off;
	if (!pn_httpparse_done(&p) && eof) {
		const struct pn_error *err = pn_httpparse_finish(&p);

		if (err != NULL) {
			r->err_copy = *err;
			r->err = &r->err_copy;
		}
	}
out:
	r->done = pn_httpparse_done(&p);
	r->status = p.status;
	r->keep_alive = p.keep_alive;
	r->nheaders = p.nheaders;
	if (pn_httpparse_head_done(&p) && (v = pn_httpparse_header(&p, "X-A")) != NULL)
		snprintf(r->h_value, sizeof(r->h_value), "%s", v);
	pn_httpparse_release(&p);
}

static const struct tcase cases[] = {
	/* well-formed */
	{"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello", 0, 0, 0,
	    NULL, 200, "hello", 1, 0},
	{"content-length then extra bytes", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA", 0, 0, 0, NULL,
	    200, "hello", 1, 5},
	{"content-length zero", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 0, 0, NULL, 200, "", 1, 0},
	{"equal duplicate content-length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nhi", 0,
	    0, 0, NULL, 200, "hi", 1, 0},
	{"chunked with extension and trailer",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;name=\"v\"\r\n world\r\n"
	    "0\r\nX-Trailer: 1\r\n\r\n", 0, 0, 0, NULL, 200, "hello world", 1, 0},
	{"chunked upper-case hex, leading zeros, BWS",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n000A\r\n0123456789\r\n3 ;x\r\nabc\r\n0000\r\n\r\n", 0,
	    0, 0, NULL, 200, "0123456789abc", 1, 0},
	{"chunked with 16 digit size of zeros", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "0000000000000001\r\na\r\n0\r\n\r\n", 0, 0, 0, NULL, 200, "a", 1, 0},
	{"transfer-encoding wins over content-length",
	    "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", 0, 0, 0,
	    NULL, 200, "ok", 0, 0},
	{"read until close", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nabc", 0, 1, 0, NULL, 200, "abc", 0,
	    0},
	{"http/1.0 does not keep alive", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", 0, 0, 0, NULL, 200, "x", 0,
	    0},
	{"connection close", "HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 1\r\n\r\nx", 0, 0, 0,
	    NULL, 200, "x", 0, 0},
	{"204 has no body", "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n", 0, 0, 0, NULL, 204, "", 1, 0},
	{"304 has no body", "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 0, 0, NULL, 304, "",
	    1, 0},
	{"HEAD response has no body", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", 1, 0, 0, NULL, 200, "", 1,
	    0},
	{"100 continue is skipped", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0,
	    0, 0, NULL, 200, "ok", 1, 0},
	{"status without reason", "HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n", 0, 0, 0, NULL, 404, "", 1, 0},
	{"status with empty reason", "HTTP/1.1 500 \r\nContent-Length: 0\r\n\r\n", 0, 0, 0, NULL, 500, "", 1, 0},

	/* status line */
	{"empty status line", "\r\n", 0, 0, PN_ERR_PARSE, "empty status line", 0, NULL, 0, 0},
	{"HTTP/2 status line", "HTTP/2 200 OK\r\n\r\n", 0, 0, PN_ERR_PARSE, "bad status line", 0, NULL, 0, 0},
	{"not HTTP", "ICY 200 OK\r\n\r\n", 0, 0, PN_ERR_PARSE, "bad status line", 0, NULL, 0, 0},
	{"two digit status", "HTTP/1.1 99 OK\r\n\r\n", 0, 0, PN_ERR_PARSE, "bad status line", 0, NULL, 0, 0},
	{"four digit status", "HTTP/1.1 2000 OK\r\n\r\n", 0, 0, PN_ERR_PARSE, "bad status line", 0, NULL, 0, 0},
	{"status out of range", "HTTP/1.1 600 X\r\n\r\n", 0, 0, PN_ERR_PARSE, "out of range", 0, NULL, 0, 0},
	{"status not digits", "HTTP/1.1 2x0 OK\r\n\r\n", 0, 0, PN_ERR_PARSE, "not a number", 0, NULL, 0, 0},
	{"101 switching protocols", "HTTP/1.1 101 Switching\r\n\r\n", 0, 0, PN_ERR_PARSE, "101", 0, NULL, 0, 0},
	{"control byte in reason", "HTTP/1.1 200 O\x01K\r\n\r\n", 0, 0, PN_ERR_PARSE, "control byte", 0, NULL, 0, 0},

	/* header fields */
	{"bare LF line ends", "HTTP/1.1 200 OK\nContent-Length: 0\n\n", 0, 0, PN_ERR_PARSE, "not terminated by CRLF",
	    0, NULL, 0, 0},
	{"bare LF after headers", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n", 0, 0, PN_ERR_PARSE,
	    "not terminated by CRLF", 0, NULL, 0, 0},
	{"CR inside a header line", "HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n", 0, 0, PN_ERR_PARSE, "CR inside", 0, NULL, 0,
	    0},
	{"whitespace before colon", "HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\nhello", 0, 0, PN_ERR_PARSE,
	    "whitespace before the colon", 0, NULL, 0, 0},
	{"header without colon", "HTTP/1.1 200 OK\r\nnonsense\r\n\r\n", 0, 0, PN_ERR_PARSE, "bad header line", 0, NULL,
	    0, 0},
	{"empty header name", "HTTP/1.1 200 OK\r\n: v\r\n\r\n", 0, 0, PN_ERR_PARSE, "bad header line", 0, NULL, 0, 0},
	{"control byte in value", "HTTP/1.1 200 OK\r\nX-A: a\x7f\r\n\r\n", 0, 0, PN_ERR_PARSE, "control byte 0x7f", 0,
	    NULL, 0, 0},
	{"fold before first header", "HTTP/1.1 200 OK\r\n X-A: 1\r\n\r\n", 0, 0, PN_ERR_PARSE, "whitespace before the "
	    "first", 0, NULL, 0, 0},
	{"connection closed before the response", "", 0, 1, PN_ERR_NET, "closed before the response", 0, NULL, 0, 0},
	{"truncated header", "HTTP/1.1 200 OK\r\nContent-Len", 0, 1, PN_ERR_NET, "middle of the response header", 0,
	    NULL, 0, 0},
	{"too many interim responses", "HTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\n"
	    "HTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\n"
	    "HTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\n", 0, 0, PN_ERR_PARSE, "interim", 0, NULL, 0, 0},

	/* Content-Length */
	{"content-length not a number", "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", 0, 0, PN_ERR_PARSE,
	    "Content-Length: not a number", 0, NULL, 0, 0},
	{"content-length negative", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0, 0, PN_ERR_PARSE,
	    "Content-Length: not a number", 0, NULL, 0, 0},
	{"content-length plus sign", "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello", 0, 0, PN_ERR_PARSE,
	    "Content-Length: not a number", 0, NULL, 0, 0},
	{"content-length empty", "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", 0, 0, PN_ERR_PARSE,
	    "Content-Length: empty", 0, NULL, 0, 0},
	{"content-length list", "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello", 0, 0, PN_ERR_PARSE,
	    "Content-Length: not a number", 0, NULL, 0, 0},
	{"content-length overflow", "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n", 0, 0,
	    PN_ERR_PARSE, "too large", 0, NULL, 0, 0},
	{"content-length hex", "HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n", 0, 0, PN_ERR_PARSE,
	    "Content-Length: not a number", 0, NULL, 0, 0},
	{"conflicting content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", 0, 0,
	    PN_ERR_PARSE, "conflicting Content-Length values 5 and 6", 0, NULL, 0, 0},
	{"content-length truncated", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", 0, 1, PN_ERR_NET,
	    "after 5 of 10 body bytes", 0, NULL, 0, 0},
	{"content-length huge and truncated", "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\nab", 0,
	    1, PN_ERR_NET, "after 2 of 18446744073709551615", 0, NULL, 0, 0},

	/* Transfer-Encoding */
	{"gzip transfer coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 0, 0,
	    PN_ERR_UNSUPPORTED, "unsupported Transfer-Encoding \"gzip\"", 0, NULL, 0, 0},
	{"chunked twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 0,
	    PN_ERR_PARSE, "twice", 0, NULL, 0, 0},
	{"empty transfer-encoding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: ,\r\n\r\n", 0, 0, PN_ERR_PARSE,
	    "empty Transfer-Encoding", 0, NULL, 0, 0},

	/* chunk sizes */
	{"chunk size bad hex", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0, 0, PN_ERR_PARSE,
	    "bad character 0x7a", 0, NULL, 0, 0},
	{"chunk size overflow", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", 0, 0,
	    PN_ERR_PARSE, "more than 16 hex digits", 0, NULL, 0, 0},
	{"chunk size 17 digits with leading zero", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "00000000000000001\r\n", 0, 0, PN_ERR_PARSE, "more than 16 hex digits", 0, NULL, 0, 0},
	{"chunk size max then truncated", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nab",
	    0, 1, PN_ERR_NET, "middle of a chunked body (after 2 bytes)", 0, NULL, 0, 0},
	{"chunk size negative", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", 0, 0, PN_ERR_PARSE,
	    "bad character 0x2d", 0, NULL, 0, 0},
	{"chunk size 0x prefix", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\n", 0, 0, PN_ERR_PARSE,
	    "bad character 0x78", 0, NULL, 0, 0},
	{"chunk size missing", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", 0, 0, PN_ERR_PARSE,
	    "chunk size missing", 0, NULL, 0, 0},
	{"chunk size missing before extension", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n;a=b\r\n", 0, 0,
	    PN_ERR_PARSE, "bad character 0x3b", 0, NULL, 0, 0},
	{"chunk size with space inside", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1 2\r\n", 0, 0,
	    PN_ERR_PARSE, "after the size", 0, NULL, 0, 0},
	{"chunk size line bare LF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello", 0, 0,
	    PN_ERR_PARSE, "not terminated by CRLF", 0, NULL, 0, 0},
	{"chunk size line CR without LF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\rhello", 0, 0,
	    PN_ERR_PARSE, "CR not followed by LF", 0, NULL, 0, 0},
	{"chunk data without CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXY", 0, 0,
	    PN_ERR_PARSE, "not followed by CRLF", 0, NULL, 0, 0},
	{"chunk data with CR only", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r0\r\n\r\n", 0, 0,
	    PN_ERR_PARSE, "not followed by CRLF", 0, NULL, 0, 0},
	{"chunk data longer than its size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n", 0, 0,
	    PN_ERR_PARSE, "not followed by CRLF", 0, NULL, 0, 0},
	{"control byte in chunk extension", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;\x01\r\n", 0, 0,
	    PN_ERR_PARSE, "control byte", 0, NULL, 0, 0},
	{"chunked truncated in data", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\nhello", 0, 1,
	    PN_ERR_NET, "middle of a chunked body", 0, NULL, 0, 0},
	{"chunked truncated in size line", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1", 0,
	    1, PN_ERR_NET, "middle of a chunked body", 0, NULL, 0, 0},
	{"chunked truncated before last chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
	    0, 1, PN_ERR_NET, "middle of a chunked body (after 5 bytes)", 0, NULL, 0, 0},
	{"chunked truncated in trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n", 0, 1,
	    PN_ERR_NET, "middle of a chunked body", 0, NULL, 0, 0},
	{"trailer without colon", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nnonsense\r\n\r\n", 0, 0,
	    PN_ERR_PARSE, "without a colon", 0, NULL, 0, 0},
	{"trailer bare LF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: 1\n\r\n", 0, 0, PN_ERR_PARSE,
	    "trailer line not terminated by CRLF", 0, NULL, 0, 0},
	{"trailer control byte", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: \x02\r\n\r\n", 0, 0,
	    PN_ERR_PARSE, "control byte 0x02", 0, NULL, 0, 0},
};

static void
check_case(const struct tcase *tc, const char *in, size_t len)
{
	static const size_t splits[] = {0, 1, 2, 3, 7, 64};

	for (size_t s = 0; s < sizeof(splits) / sizeof(splits[0]); s++) {
		struct result r;

		run(in, len, tc->head_request, tc->eof, splits[s], &r);
		if (tc->code != 0) {
			if (r.err == NULL)
				fail_msg("%s (split %zu): expected %s, got success", tc->name, splits[s],
				    pn_error_code_name(tc->code));
			if (r.err->code != tc->code || (tc->needle != NULL && strstr(r.err->msg, tc->needle) == NULL))
				fail_msg("%s (split %zu): expected %s containing \"%s\", got %s: \"%s\"", tc->name,
				    splits[s], pn_error_code_name(tc->code), tc->needle, pn_error_code_name(r.err->code),
				    r.err->msg);
		} else {
			if (r.err != NULL)
				fail_msg("%s (split %zu): unexpected error %s", tc->name, splits[s], r.err->msg);
			if (!r.done)
				fail_msg("%s (split %zu): message not complete", tc->name, splits[s]);
			if (r.status != tc->status || r.keep_alive != tc->keep_alive || r.leftover != tc->leftover)
				fail_msg("%s (split %zu): status %d keep-alive %d leftover %zu", tc->name, splits[s],
				    r.status, r.keep_alive, r.leftover);
			if (strcmp(pn_buf_str(&r.body), tc->body) != 0)
				fail_msg("%s (split %zu): body \"%s\"", tc->name, splits[s], pn_buf_str(&r.body));
		}
		pn_buf_release(&r.body);
	}
}

/* One cmocka test per table row, so each is reported (and counted) by name. */
static void
test_row(void **state)
{
	const struct tcase *tc = *state;

	check_case(tc, tc->in, strlen(tc->in));
}

/* A header block one byte over PN_HTTP_HEADER_MAX fails with TOO_LARGE; exactly at it, it parses. */
static void
test_header_ceiling(void **state)
{
	static const char pre[] = "HTTP/1.1 200 OK\r\nX-Big: ", post[] = "\r\nContent-Length: 0\r\n\r\n";
	char *in = malloc(CASE_MAX);
	size_t fill = PN_HTTP_HEADER_MAX - (sizeof(pre) - 1) - (sizeof(post) - 1);
	struct tcase ok = {"header at the ceiling", NULL, 0, 0, 0, NULL, 200, "", 1, 0};
	struct tcase over = {"header over the ceiling", NULL, 0, 0, PN_ERR_TOO_LARGE, "HTTP response header exceeds "
	    "its limit of 65536 bytes", 0, NULL, 0, 0};

	(void)state;
	assert_non_null(in);
	memcpy(in, pre, sizeof(pre) - 1);
	memset(in + sizeof(pre) - 1, 'x', fill);
	memcpy(in + sizeof(pre) - 1 + fill, post, sizeof(post) - 1);
	check_case(&ok, in, PN_HTTP_HEADER_MAX);
	memcpy(in, pre, sizeof(pre) - 1);
	memset(in + sizeof(pre) - 1, 'x', fill + 1);
	memcpy(in + sizeof(pre) - 1 + fill + 1, post, sizeof(post) - 1);
	check_case(&over, in, PN_HTTP_HEADER_MAX + 1);
	/* a header line that never ends */
	memset(in, 'x', CASE_MAX);
	memcpy(in, pre, sizeof(pre) - 1);
	check_case(&over, in, CASE_MAX);
	free(in);
}

/* The trailer section has the same ceiling; a chunk-size line its own. */
static void
test_trailer_and_chunk_line_ceilings(void **state)
{
	static const char pre[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
	char *in = malloc(CASE_MAX);
	size_t n = sizeof(pre) - 1;
	struct tcase trailer = {"trailer over the ceiling", NULL, 0, 0, PN_ERR_TOO_LARGE, "trailer section exceeds",
	    0, NULL, 0, 0};
	struct tcase line = {"chunk line over the ceiling", NULL, 0, 0, PN_ERR_TOO_LARGE,
	    "chunk size line exceeds 4096", 0, NULL, 0, 0};

	(void)state;
	assert_non_null(in);
	memcpy(in, pre, n);
	memcpy(in + n, "0\r\nX: ", 6);
	memset(in + n + 6, 'y', PN_HTTP_HEADER_MAX);
	memcpy(in + n + 6 + PN_HTTP_HEADER_MAX, "\r\n\r\n", 4);
	check_case(&trailer, in, n + 10 + PN_HTTP_HEADER_MAX);
	memcpy(in + n, "1;", 2);
	memset(in + n + 2, 'e', PN_HTTP_CHUNK_LINE_MAX);
	memcpy(in + n + 2 + PN_HTTP_CHUNK_LINE_MAX, "\r\nx\r\n0\r\n\r\n", 10);
	check_case(&line, in, n + 12 + PN_HTTP_CHUNK_LINE_MAX);
	free(in);
}

/* More than PN_HTTP_HEADERS_KEPT fields: the first ones are kept, the rest still checked, no error. */
static void
test_headers_kept(void **state)
{
	char in[4096];
	size_t n = 0;
	struct result r;

	(void)state;
	n += (size_t)snprintf(in + n, sizeof(in) - n, "HTTP/1.1 200 OK\r\nX-A: first\r\n");
	for (int i = 0; i < PN_HTTP_HEADERS_KEPT + 10; i++)
		n += (size_t)snprintf(in + n, sizeof(in) - n, "X-%d: %d\r\n", i, i);
	n += (size_t)snprintf(in + n, sizeof(in) - n, "Content-Length: 2\r\n\r\nok");
	run(in, n, 0, 0, 0, &r);
	assert_null(r.err);
	assert_int_equal(r.nheaders, PN_HTTP_HEADERS_KEPT);
	assert_string_equal(r.h_value, "first");
	assert_string_equal(pn_buf_str(&r.body), "ok"); /* Content-Length was honoured although not kept */
	pn_buf_release(&r.body);
}

/* Obsolete folding becomes spaces; surrounding whitespace is trimmed. */
static void
test_obs_fold_and_trim(void **state)
{
	static const char in[] = "HTTP/1.1 200 OK\r\nX-A: \t one\r\n two \t\r\nContent-Length: 0\r\n\r\n";
	struct result r;

	(void)state;
	run(in, sizeof(in) - 1, 0, 0, 0, &r);
	assert_null(r.err);
	assert_string_equal(r.h_value, "one   two");
	pn_buf_release(&r.body);
}

/* The push stops right after the head, before any body byte is delivered; then at the end of the message. */
static void
test_push_stops_after_head(void **state)
{
	static const char in[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcNEXT";
	struct pn_httpparse p;
	struct pn_buf body;
	size_t used;
	char *mem;

	(void)state;
	pn_buf_init(&body, 100, "body");
	pn_httpparse_init(&p, 0, 0, pn_http_sink_buf, &body);
	assert_false(pn_httpparse_started(&p));
	assert_ok(pn_httpparse_push(&p, in, sizeof(in) - 1, &used));
	assert_int_equal(used, sizeof(in) - 1 - 7);
	assert_true(pn_httpparse_head_done(&p));
	assert_false(pn_httpparse_done(&p));
	assert_int_equal(body.len, 0);
	assert_int_equal(p.framing, PN_HTTP_BODY_LENGTH);
	assert_ok(pn_httpparse_push(&p, in + used, sizeof(in) - 1 - used, &used));
	assert_int_equal(used, 3);
	assert_true(pn_httpparse_done(&p));
	assert_string_equal(pn_buf_str(&body), "abc");
	/* the header strings survive the parser once taken */
	assert_ok(pn_httpparse_take_head(&p, &mem));
	pn_httpparse_release(&p);
	assert_string_equal(p.headers[0].name, "Content-Length");
	assert_string_equal(p.headers[0].value, "3");
	free(mem);
	pn_buf_release(&body);
}

/* A sink error aborts the message and stays the parser's error. */
static void
test_sink_error_and_sticky_error(void **state)
{
	static const char in[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
	struct pn_httpparse p;
	struct pn_buf small;
	size_t used, off = 0;
	const struct pn_error *err = NULL;

	(void)state;
	pn_buf_init(&small, 4, "small body");
	pn_httpparse_init(&p, 0, 0, pn_http_sink_buf, &small);
	while (off < sizeof(in) - 1 && (err = pn_httpparse_push(&p, in + off, sizeof(in) - 1 - off, &used)) == NULL)
		off += used;
	assert_error(err, PN_ERR_TOO_LARGE, "small body exceeds its limit of 4 bytes");
	assert_error(pn_httpparse_push(&p, "x", 1, &used), PN_ERR_TOO_LARGE, "small body");
	assert_int_equal(used, 0);
	assert_error(pn_httpparse_finish(&p), PN_ERR_TOO_LARGE, "small body");
	pn_httpparse_release(&p);
	pn_buf_release(&small);
}

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_header_ceiling),
		cmocka_unit_test(test_trailer_and_chunk_line_ceilings),
		cmocka_unit_test(test_headers_kept),
		cmocka_unit_test(test_obs_fold_and_trim),
		cmocka_unit_test(test_push_stops_after_head),
		cmocka_unit_test(test_sink_error_and_sticky_error),
	};
	enum { NROWS = sizeof(cases) / sizeof(cases[0]), NFIXED = sizeof(fixed) / sizeof(fixed[0]) };
	struct CMUnitTest tests[NROWS + NFIXED];

	for (size_t i = 0; i < NROWS; i++) {
		struct CMUnitTest t = cmocka_unit_test_prestate(test_row, (void *)(uintptr_t)&cases[i]);

		t.name = cases[i].name;
		tests[i] = t;
	}
	memcpy(tests + NROWS, fixed, sizeof(fixed));
	return _cmocka_run_group_tests("httpparse", tests, NROWS + NFIXED, NULL, NULL);
}
