/*
 * HTTP/1.1 response parser as a push state machine (after curl's lib/http_chunks.c): the connection layer moves
 * bytes in with pn_httpparse_push(), the parser never reads a socket. It takes the status line and header
 * fields under a ceiling, skips interim 1xx responses, frames the body (Content-Length, chunked with extensions
 * and trailers, or read-until-close, RFC 9112 §6.3) and hands the body to a sink piece by piece, so a body of
 * any size passes through without being buffered.
 *
 * Strictness: every line must end in CRLF (a bare LF or CR is an error), header names are tokens with no space
 * before the colon, values may not hold control bytes other than HT, obsolete line folding is replaced by spaces
 * as RFC 9112 §5.2 asks of user agents. Lengths are range-checked before any arithmetic uses them.
 *
 * The first error is kept in the parser: later pushes return it again.
 */
#ifndef PN_HTTPPARSE_H
#define PN_HTTPPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../core/error.h"

/* Status line plus all header lines (and the blank line) of one response; the same ceiling bounds the trailer
 * section of a chunked body. 64 KiB is far above what git servers and the Kubernetes API send (< 2 KiB) and
 * what nginx accepts per request by default (4 x 8 KiB). */
#define PN_HTTP_HEADER_MAX (64 * 1024)
/* Header fields kept per response (the rest are parsed, checked and dropped): responses carry ~10. */
#define PN_HTTP_HEADERS_KEPT 32
/* One chunk-size line including its extensions: sizes are <= 16 digits, extensions are not used in practice. */
#define PN_HTTP_CHUNK_LINE_MAX 4096
/* Hexadecimal digits of a chunk size, leading zeros included: 16 fill a uint64_t. */
#define PN_HTTP_CHUNK_HEX_MAX 16
/* Interim (1xx) responses skipped before the final one: a server sends at most one 100 Continue. */
#define PN_HTTP_INTERIM_MAX 8

/* Receives a body in pieces as it arrives (after de-chunking). Returning an error aborts the message. */
typedef const struct pn_error *(*pn_http_sink)(void *ctx, const void *data, size_t len);

struct pn_http_header {
	char *name;	/* as received; compare with strcasecmp */
	char *value;	/* leading and trailing whitespace removed */
};

/* How the body of the response is delimited. */
enum pn_http_framing {
	PN_HTTP_BODY_NONE,	/* HEAD request, 1xx/204/304, or Content-Length: 0 */
	PN_HTTP_BODY_LENGTH,	/* Content-Length */
	PN_HTTP_BODY_CHUNKED,	/* Transfer-Encoding: chunked */
	PN_HTTP_BODY_CLOSE,	/* neither: the body ends when the server closes the connection */
};

/* The parser. Fields marked "result" may be read by the caller once pn_httpparse_head_done() is true; the
 * others are private. */
struct pn_httpparse {
	/* results */
	int status;			/* e.g. 200 */
	int minor;			/* HTTP/1.<minor> */
	struct pn_http_header headers[PN_HTTP_HEADERS_KEPT];
	size_t nheaders;
	enum pn_http_framing framing;
	uint64_t content_length;	/* PN_HTTP_BODY_LENGTH only */
	uint64_t body_bytes;		/* body bytes passed to the sink so far */
	int keep_alive;			/* the connection may carry another request once this message is done */

	/* private */
	int state;
	int no_body;			/* the request was HEAD */
	size_t header_max;
	pn_http_sink sink;
	void *sink_ctx;
	struct pn_buf head;		/* the status line and header block, NUL-separated once parsed */
	size_t line_start;		/* offset in head of the current header line */
	uint64_t remaining;		/* body bytes (Content-Length) or chunk bytes still expected */
	size_t line_len;		/* bytes of the current chunk-size or trailer line */
	size_t hex_digits;		/* digits of the current chunk size */
	size_t trailer_bytes;		/* bytes of the trailer section so far */
	unsigned interim;		/* 1xx responses skipped */
	int in_ext;			/* chunk-size line: digits, blanks or extension; trailer: colon seen */
	int saw_cr;			/* the previous byte of a line was CR */
	int started;			/* a byte of the response has arrived */
	struct pn_error err_store;
	const struct pn_error *err;
};

/* Set up a parser for one response. header_max bounds the head (0: PN_HTTP_HEADER_MAX); head_request: the
 * request was HEAD, so the response has no body whatever its headers say. The body goes to sink (NULL:
 * discarded). Allocates nothing until bytes arrive. Release with pn_httpparse_release(). */
void pn_httpparse_init(struct pn_httpparse *p, size_t header_max, int head_request, pn_http_sink sink,
    void *sink_ctx);

void pn_httpparse_release(struct pn_httpparse *p);

/* Feed len bytes. *used is how many were taken: fewer than len only when the push stopped early, which it does
 * at two points: right after the head is complete (so the caller can look at the status and headers before any
 * body byte reaches the sink), and when the message is complete (what follows belongs to the next response).
 * Push the rest again after the first stop; bytes left after the second are not part of this response. */
const struct pn_error *pn_httpparse_push(struct pn_httpparse *p, const void *data, size_t len, size_t *used);

/* The connection reached end of file: completes a read-until-close body, and is an error anywhere else.
 * PN_ERR_NET "connection closed before the response" when not one byte had arrived (see
 * pn_httpparse_started), PN_ERR_NET naming what was cut short otherwise. */
const struct pn_error *pn_httpparse_finish(struct pn_httpparse *p);

/* Whether any byte of the response has arrived yet. */
int pn_httpparse_started(const struct pn_httpparse *p);
/* The status line and headers of the final response have been parsed. */
int pn_httpparse_head_done(const struct pn_httpparse *p);
/* The whole message, body included, has been parsed. */
int pn_httpparse_done(const struct pn_httpparse *p);

/* The status line of the final response ("HTTP/1.1 407 Proxy Authentication Required") once the head is done
 * and until pn_httpparse_take_head(); "" otherwise. */
const char *pn_httpparse_status_line(const struct pn_httpparse *p);

/* The value of the first kept header named `name` (case-insensitive), or NULL. */
const char *pn_httpparse_header(const struct pn_httpparse *p, const char *name);

/* Hand over the memory holding the header strings (headers[] keeps pointing into it): the caller frees it with
 * free(). The parser forgets the strings; call only once the head is done. */
const struct pn_error *pn_httpparse_take_head(struct pn_httpparse *p, char **mem);

#endif
