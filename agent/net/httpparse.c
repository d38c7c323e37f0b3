#include "httpparse.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../core/num.h"
#include "../core/banned.h"

enum state {
	S_HEAD,		/* status line and header fields, up to the blank line */
	S_BODY_LENGTH,	/* Content-Length bytes */
	S_BODY_CLOSE,	/* everything until end of file */
	S_CHUNK_SIZE,	/* hex size [BWS] [; extensions] CRLF */
	S_CHUNK_DATA,
	S_CHUNK_CR,	/* the CRLF after chunk data */
	S_CHUNK_LF,
	S_TRAILER,	/* trailer fields after the last chunk, up to the blank line */
	S_DONE,
	S_ERROR,
};

/* Phases of a chunk-size line (kept in in_ext). */
enum {
	EXT_DIGITS,	/* the hexadecimal size */
	EXT_BWS,	/* blanks after the size */
	EXT_TEXT,	/* after ';': extensions, ignored */
};

/* "HTTP/1.1 200" is the shortest status line: version, SP, three digits. */
#define STATUS_LINE_MIN 12
/* Bytes of an offending value quoted in an error. */
#define QUOTE_MAX 40

/* The error kept in the parser, handed out as a fresh error of the per-thread ring: a pointer into the parser
 * would dangle once the caller frees it. */
static const struct pn_error *
kept(const struct pn_httpparse *p)
{
	return pn_error_fmt(p->err_store.code, "%s", p->err_store.msg);
}

static const struct pn_error *
fail(struct pn_httpparse *p, const struct pn_error *err)
{
	p->err_store = *err;
	p->err = &p->err_store;
	p->state = S_ERROR;
	return kept(p);
}

void
pn_httpparse_init(struct pn_httpparse *p, size_t header_max, int head_request, pn_http_sink sink, void *sink_ctx)
{
	memset(p, 0, sizeof(*p));
	p->header_max = header_max != 0 ? header_max : PN_HTTP_HEADER_MAX;
	p->sink = sink;
	p->sink_ctx = sink_ctx;
	pn_buf_init(&p->head, p->header_max, "HTTP response header");
	p->framing = PN_HTTP_BODY_NONE;
	p->state = S_HEAD;
	p->no_body = head_request;
}

void
pn_httpparse_release(struct pn_httpparse *p)
{
	pn_buf_release(&p->head);
}

int
pn_httpparse_started(const struct pn_httpparse *p)
{
	return p->started;
}

int
pn_httpparse_head_done(const struct pn_httpparse *p)
{
	return p->state != S_HEAD && p->state != S_ERROR;
}

int
pn_httpparse_done(const struct pn_httpparse *p)
{
	return p->state == S_DONE;
}

const char *
pn_httpparse_status_line(const struct pn_httpparse *p)
{
	return pn_httpparse_head_done(p) && p->head.data != NULL ? p->head.data : "";
}

const char *
pn_httpparse_header(const struct pn_httpparse *p, const char *name)
{
	for (size_t i = 0; i < p->nheaders; i++)
		if (strcasecmp(p->headers[i].name, name) == 0)
			return p->headers[i].value;
	return NULL;
}

const struct pn_error *
pn_httpparse_take_head(struct pn_httpparse *p, char **mem)
{
	/* the header strings point into head.data; detaching hands over that very block, so they stay valid */
	return pn_buf_detach(&p->head, mem, NULL);
}

/* RFC 9110 §5.6.2 tchar */
static int
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A control byte other than HT (obs-text, 0x80-0xff, is allowed in values). */
static int
is_ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

static int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Whether the comma-separated list `v` holds the token `tok` (case-insensitive). */
static int
list_has(const char *v, const char *tok)
{
	size_t tl = strlen(tok);

	while (*v != '\0') {
		const char *end;
		size_t n;

		while (*v == ',' || is_ows(*v))
			v++;
		end = v;
		while (*end != '\0' && *end != ',')
			end++;
		n = (size_t)(end - v);
		while (n > 0 && is_ows(v[n - 1]))
			n--;
		if (n == tl && strncasecmp(v, tok, tl) == 0)
			return 1;
		v = end;
	}
	return 0;
}

/* Transfer-Encoding: pinion sends no TE header, so the only coding a server may apply is chunked, once. */
static const struct pn_error *
parse_te(const char *v, int *chunked)
{
	while (*v != '\0') {
		const char *end;
		size_t n;

		while (*v == ',' || is_ows(*v))
			v++;
		if (*v == '\0')
			break;
		end = v;
		while (*end != '\0' && *end != ',')
			end++;
		n = (size_t)(end - v);
		while (n > 0 && is_ows(v[n - 1]))
			n--;
		if (n != 7 || strncasecmp(v, "chunked", 7) != 0)
			return pn_error_fmt(PN_ERR_UNSUPPORTED, "HTTP response: unsupported Transfer-Encoding \"%.*s\"",
			    (int)(n > QUOTE_MAX ? QUOTE_MAX : n), v);
		if (*chunked)
			return pn_error_fmt(PN_ERR_PARSE, "HTTP response: Transfer-Encoding chunked applied twice");
		*chunked = 1;
		v = end;
	}
	if (!*chunked)
		return pn_error_fmt(PN_ERR_PARSE, "HTTP response: empty Transfer-Encoding");
	return NULL;
}

static const struct pn_error *
parse_status_line(struct pn_httpparse *p, char *line, size_t len)
{
	uint64_t code;
	const struct pn_error *err;

	if (len < STATUS_LINE_MIN || memcmp(line, "HTTP/1.", 7) != 0 || line[7] < '0' || line[7] > '9' ||
	    line[8] != ' ' || (len > STATUS_LINE_MIN && line[12] != ' '))
		return pn_error_fmt(PN_ERR_PARSE, "HTTP response: bad status line \"%.*s\"",
		    (int)(len > QUOTE_MAX ? QUOTE_MAX : len), line);
	if ((err = pn_num_parse_u64n(line + 9, 3, 100, 599, "HTTP status code", &code)) != NULL)
		return err;
	for (size_t i = STATUS_LINE_MIN; i < len; i++)
		if (is_ctl((unsigned char)line[i]))
			return pn_error_fmt(PN_ERR_PARSE, "HTTP response: control byte 0x%02x in the reason phrase",
			    (unsigned char)line[i]);
	p->minor = line[7] - '0';
	p->status = (int)code;
	return NULL;
}

/* One header field "name: value" (line without its CRLF), NUL-terminated in place. */
static const struct pn_error *
parse_field(char *line, size_t len, struct pn_http_header *out)
{
	size_t i = 0, vs, ve;

	while (i < len && is_tchar((unsigned char)line[i]))
		i++;
	if (i == len || line[i] != ':' || i == 0) {
		if (i < len && is_ows(line[i]))
			return pn_error_fmt(PN_ERR_PARSE, "HTTP response: whitespace before the colon of header "
			    "\"%.*s\"", (int)(i > QUOTE_MAX ? QUOTE_MAX : i), line);
		return pn_error_fmt(PN_ERR_PARSE, "HTTP response: bad header line \"%.*s\"",
		    (int)(len > QUOTE_MAX ? QUOTE_MAX : len), line);
	}
	line[i] = '\0';
	vs = i + 1;
	while (vs < len && is_ows(line[vs]))
		vs++;
	ve = len;
	while (ve > vs && is_ows(line[ve - 1]))
		ve--;
	for (size_t k = vs; k < ve; k++)
		if (is_ctl((unsigned char)line[k]))
			return pn_error_fmt(PN_ERR_PARSE, "HTTP response: control byte 0x%02x in header %s",
			    (unsigned char)line[k], line);
	line[ve] = '\0';
	out->name = line;
	out->value = line + vs;
	return NULL;
}

/* Interpret the framing fields once all headers are known (RFC 9112 §6.3). */
static const struct pn_error *
decide_framing(struct pn_httpparse *p, int chunked, int have_cl, int conn_close)
{
	p->keep_alive = p->minor >= 1 && !conn_close;
	if (p->no_body || p->status == 204 || p->status == 304) {
		p->framing = PN_HTTP_BODY_NONE;
		p->state = S_DONE;
		return NULL;
	}
	if (chunked) {
		/* both: Transfer-Encoding wins, and the message may have been built to smuggle; do not reuse */
		if (have_cl)
			p->keep_alive = 0;
		p->framing = PN_HTTP_BODY_CHUNKED;
		p->state = S_CHUNK_SIZE;
		p->line_len = 0;
		p->hex_digits = 0;
		p->in_ext = EXT_DIGITS;
		p->saw_cr = 0;
		p->remaining = 0;
		return NULL;
	}
	if (have_cl) {
		p->framing = PN_HTTP_BODY_LENGTH;
		p->remaining = p->content_length;
		p->state = p->content_length == 0 ? S_DONE : S_BODY_LENGTH;
		if (p->content_length == 0)
			p->framing = PN_HTTP_BODY_NONE;
		return NULL;
	}
	p->framing = PN_HTTP_BODY_CLOSE;
	p->keep_alive = 0;
	p->state = S_BODY_CLOSE;
	return NULL;
}

/* The head buffer holds "status CRLF (field CRLF)* CRLF". Split it in place into NUL-terminated strings. */
static const struct pn_error *
parse_head(struct pn_httpparse *p)
{
	char *h = p->head.data, *eol, *status_end;
	size_t len = p->head.len, pos;
	int chunked = 0, have_cl = 0, conn_close = 0;
	const struct pn_error *err;

	status_end = memchr(h, '\r', len); /* every line ends in CRLF: checked as the lines arrived */
	if ((err = parse_status_line(p, h, (size_t)(status_end - h))) != NULL)
		return err;
	pos = (size_t)(status_end - h) + 2;
	if (pos < len - 2 && is_ows(h[pos]))
		return pn_error_fmt(PN_ERR_PARSE, "HTTP response: whitespace before the first header field");
	/* obsolete line folding: CRLF followed by SP or HT continues the value; RFC 9112 §5.2 replaces it by SP */
	for (size_t i = pos; i + 2 < len; i++)
		if (h[i] == '\r' && h[i + 1] == '\n' && is_ows(h[i + 2]))
			h[i] = h[i + 1] = ' ';
	while (pos < len - 2) {
		struct pn_http_header f;
		size_t n;

		eol = memchr(h + pos, '\r', len - pos);
		n = (size_t)(eol - (h + pos));
		if ((err = parse_field(h + pos, n, &f)) != NULL)
			return err;
		pos += n + 2;
		if (strcasecmp(f.name, "Content-Length") == 0) {
			uint64_t v;

			if ((err = pn_num_parse_u64(f.value, 0, UINT64_MAX, "HTTP Content-Length", &v)) != NULL)
				return err;
			if (have_cl && v != p->content_length)
				return pn_error_fmt(PN_ERR_PARSE, "HTTP response: conflicting Content-Length values "
				    "%llu and %llu", (unsigned long long)p->content_length, (unsigned long long)v);
			p->content_length = v;
			have_cl = 1;
		} else if (strcasecmp(f.name, "Transfer-Encoding") == 0) {
			if ((err = parse_te(f.value, &chunked)) != NULL)
				return err;
		} else if (strcasecmp(f.name, "Connection") == 0) {
			if (list_has(f.value, "close"))
				conn_close = 1;
		}
		if (p->nheaders < PN_HTTP_HEADERS_KEPT)
			p->headers[p->nheaders++] = f;
	}
	/* the status line too becomes a string of its own (its reason phrase is not kept) */
	*status_end = '\0';
	if (p->status >= 100 && p->status < 200) {
		if (p->status == 101)
			return pn_error_fmt(PN_ERR_PARSE, "HTTP response: unexpected 101 Switching Protocols");
		if (++p->interim > PN_HTTP_INTERIM_MAX)
			return pn_error_fmt(PN_ERR_PARSE, "HTTP response: more than %d interim 1xx responses",
			    PN_HTTP_INTERIM_MAX);
		/* an interim response has no body: start over with the next head */
		pn_buf_reset(&p->head);
		p->line_start = 0;
		p->nheaders = 0;
		p->content_length = 0;
		return NULL;
	}
	return decide_framing(p, chunked, have_cl, conn_close);
}

/* Take head bytes up to and including the next LF; returns the count taken. */
static const struct pn_error *
push_head(struct pn_httpparse *p, const char *d, size_t len, size_t *took)
{
	const char *nl = memchr(d, '\n', len);
	size_t n = nl != NULL ? (size_t)(nl - d) + 1 : len, line_len;
	const struct pn_error *err;

	*took = 0;
	if ((err = pn_buf_add(&p->head, d, n)) != NULL)
		return err;
	*took = n;
	if (nl == NULL)
		return NULL;
	line_len = p->head.len - p->line_start;
	if (line_len < 2 || p->head.data[p->head.len - 2] != '\r')
		return pn_error_fmt(PN_ERR_PARSE, "HTTP response: header line not terminated by CRLF");
	/* a CR inside the line: the LF search above ends lines, so look for stray CRs here */
	if (memchr(p->head.data + p->line_start, '\r', line_len - 2) != NULL)
		return pn_error_fmt(PN_ERR_PARSE, "HTTP response: CR inside a header line");
	if (line_len == 2) {
		if (p->line_start == 0)
			return pn_error_fmt(PN_ERR_PARSE, "HTTP response: empty status line");
		return parse_head(p);
	}
	p->line_start = p->head.len;
	return NULL;
}

static const struct pn_error *
deliver(struct pn_httpparse *p, const char *d, size_t n)
{
	if (__builtin_add_overflow(p->body_bytes, (uint64_t)n, &p->body_bytes))
		return pn_error_fmt(PN_ERR_TOO_LARGE, "HTTP response body exceeds 2^64 bytes");
	if (p->sink == NULL || n == 0)
		return NULL;
	return p->sink(p->sink_ctx, d, n);
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One byte of a chunk-size line. */
static const struct pn_error *
chunk_size_byte(struct pn_httpparse *p, unsigned char c)
{
	int v;

	if (++p->line_len > PN_HTTP_CHUNK_LINE_MAX)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "HTTP chunk size line exceeds %d bytes", PN_HTTP_CHUNK_LINE_MAX);
	if (p->saw_cr) {
		if (c != '\n')
			return pn_error_fmt(PN_ERR_PARSE, "HTTP chunk size line: CR not followed by LF");
		p->saw_cr = 0;
		p->line_len = 0;
		if (p->remaining == 0) {
			p->state = S_TRAILER;
			p->trailer_bytes = 0;
			p->in_ext = 0;
		} else {
			p->state = S_CHUNK_DATA;
		}
		return NULL;
	}
	if (c == '\r') {
		if (p->hex_digits == 0)
			return pn_error_fmt(PN_ERR_PARSE, "HTTP chunk size missing");
		p->saw_cr = 1;
		return NULL;
	}
	if (c == '\n')
		return pn_error_fmt(PN_ERR_PARSE, "HTTP chunk size line not terminated by CRLF");
	switch (p->in_ext) {
	case EXT_DIGITS:
		if ((v = hexval(c)) >= 0) {
			if (++p->hex_digits > PN_HTTP_CHUNK_HEX_MAX)
				return pn_error_fmt(PN_ERR_PARSE, "HTTP chunk size has more than %d hex digits",
				    PN_HTTP_CHUNK_HEX_MAX);
			if (p->remaining > (UINT64_MAX >> 4))
				return pn_error_fmt(PN_ERR_PARSE, "HTTP chunk size overflows");
			p->remaining = (p->remaining << 4) | (uint64_t)v;
			return NULL;
		}
		if (p->hex_digits == 0 || (c != ';' && !is_ows((char)c)))
			return pn_error_fmt(PN_ERR_PARSE, "HTTP chunk size: bad character 0x%02x", c);
		p->in_ext = c == ';' ? EXT_TEXT : EXT_BWS;
		return NULL;
	case EXT_BWS:
		if (c == ';')
			p->in_ext = EXT_TEXT;
		else if (!is_ows((char)c))
			return pn_error_fmt(PN_ERR_PARSE, "HTTP chunk size: bad character 0x%02x after the size", c);
		return NULL;
	default:
		if (is_ctl(c))
			return pn_error_fmt(PN_ERR_PARSE, "HTTP chunk extension: control byte 0x%02x", c);
		return NULL;
	}
}

/* One byte of the trailer section (discarded): line_len counts the current line, in_ext says it had a colon. */
static const struct pn_error *
trailer_byte(struct pn_httpparse *p, unsigned char c)
{
	if (++p->trailer_bytes > p->header_max)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "HTTP trailer section exceeds %zu bytes", p->header_max);
	if (p->saw_cr) {
		if (c != '\n')
			return pn_error_fmt(PN_ERR_PARSE, "HTTP trailer: CR not followed by LF");
		p->saw_cr = 0;
		if (p->line_len == 0) {
			p->state = S_DONE;
		} else if (!p->in_ext) {
			return pn_error_fmt(PN_ERR_PARSE, "HTTP trailer line without a colon");
		}
		p->line_len = 0;
		p->in_ext = 0;
		return NULL;
	}
	if (c == '\r') {
		p->saw_cr = 1;
		return NULL;
	}
	if (c == '\n')
		return pn_error_fmt(PN_ERR_PARSE, "HTTP trailer line not terminated by CRLF");
	if (is_ctl(c))
		return pn_error_fmt(PN_ERR_PARSE, "HTTP trailer: control byte 0x%02x", c);
	if (c == ':' && p->line_len > 0)
		p->in_ext = 1;
	p->line_len++;
	return NULL;
}

static const struct pn_error *
step(struct pn_httpparse *p, const char *d, size_t len, size_t *took)
{
	const struct pn_error *err;
	size_t n;

	*took = 0;
	switch (p->state) {
	case S_HEAD:
		return push_head(p, d, len, took);
	case S_BODY_LENGTH:
	case S_CHUNK_DATA:
		/* compare before subtracting: remaining may be far larger than what is at hand */
		n = (uint64_t)len < p->remaining ? len : (size_t)p->remaining;
		if ((err = deliver(p, d, n)) != NULL)
			return err;
		*took = n;
		p->remaining -= n;
		if (p->remaining == 0)
			p->state = p->state == S_BODY_LENGTH ? S_DONE : S_CHUNK_CR;
		return NULL;
	case S_BODY_CLOSE:
		*took = len;
		return deliver(p, d, len);
	case S_CHUNK_SIZE:
		*took = 1;
		return chunk_size_byte(p, (unsigned char)d[0]);
	case S_CHUNK_CR:
		*took = 1;
		if (d[0] != '\r')
			return pn_error_fmt(PN_ERR_PARSE, "HTTP chunk data not followed by CRLF");
		p->state = S_CHUNK_LF;
		return NULL;
	case S_CHUNK_LF:
		*took = 1;
		if (d[0] != '\n')
			return pn_error_fmt(PN_ERR_PARSE, "HTTP chunk data not followed by CRLF");
		p->state = S_CHUNK_SIZE;
		p->line_len = 0;
		p->hex_digits = 0;
		p->in_ext = EXT_DIGITS;
		p->remaining = 0;
		return NULL;
	case S_TRAILER:
		*took = 1;
		return trailer_byte(p, (unsigned char)d[0]);
	default:
		PN_BUG("httpparse step in a final state");
	}
}

const struct pn_error *
pn_httpparse_push(struct pn_httpparse *p, const void *data, size_t len, size_t *used)
{
	const char *d = data;
	size_t off = 0;

	*used = 0;
	if (p->err != NULL)
		return kept(p);
	if (len > 0)
		p->started = 1;
	while (off < len && p->state != S_DONE) {
		const struct pn_error *err;
		int in_head = p->state == S_HEAD;
		size_t took;

		err = step(p, d + off, len - off, &took);
		off += took;
		*used = off;
		if (err != NULL)
			return fail(p, err);
		if (in_head && p->state != S_HEAD)
			break; /* the head is complete: let the caller look at it before the body flows */
	}
	return NULL;
}

const struct pn_error *
pn_httpparse_finish(struct pn_httpparse *p)
{
	if (p->err != NULL)
		return kept(p);
	switch (p->state) {
	case S_DONE:
		return NULL;
	case S_BODY_CLOSE:
		p->state = S_DONE;
		return NULL;
	case S_HEAD:
		if (!pn_httpparse_started(p))
			return fail(p, pn_error_fmt(PN_ERR_NET, "connection closed before the response"));
		return fail(p, pn_error_fmt(PN_ERR_NET, "connection closed in the middle of the response header"));
	case S_BODY_LENGTH:
		return fail(p, pn_error_fmt(PN_ERR_NET, "connection closed after %llu of %llu body bytes",
		    (unsigned long long)p->body_bytes, (unsigned long long)p->content_length));
	default:
		return fail(p, pn_error_fmt(PN_ERR_NET, "connection closed in the middle of a chunked body (after "
		    "%llu bytes)", (unsigned long long)p->body_bytes));
	}
}
