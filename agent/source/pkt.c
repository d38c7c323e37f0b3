#include "pkt.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/num.h"
#include "../core/banned.h"

/* The special lengths below 4. */
#define LEN_FLUSH 0
#define LEN_DELIM 1
#define LEN_END 2
#define LEN_INVALID 3

/* The error kept in the reader, handed out as a fresh error of the per-thread ring: a pointer into the reader
 * would dangle once the caller frees it. */
static const struct pn_error *
kept(const struct pn_pkt *p)
{
	return pn_error_fmt(p->err_store.code, "%s", p->err_store.msg);
}

static const struct pn_error *
fail(struct pn_pkt *p, const struct pn_error *err)
{
	p->err_store = *err;
	p->err = &p->err_store;
	return kept(p);
}

void
pn_pkt_init(struct pn_pkt *p, uint64_t stream_max, pn_pkt_cb cb, void *ctx)
{
	p->cb = cb;
	p->ctx = ctx;
	p->stream_max = stream_max;
	p->offset = 0;
	p->hdr_len = 0;
	p->want = 0;
	p->have = 0;
	p->in_payload = 0;
	p->err = NULL;
}

uint64_t
pn_pkt_offset(const struct pn_pkt *p)
{
	return p->offset;
}

void
pn_pkt_quote(const char *data, size_t len, char *buf, size_t buflen)
{
	size_t o = 0, n = pn_pkt_chomp(data, len);
	int cut = 0;

	if (buflen == 0)
		return;
	if (n > PN_PKT_QUOTE_MAX) {
		n = PN_PKT_QUOTE_MAX;
		cut = 1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)data[i];
		size_t need = c >= 0x20 && c < 0x7f && c != '\\' ? 1 : 4;

		if (o + need >= buflen) {
			cut = 1;
			break;
		}
		if (need == 1)
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, buflen - o, "\\x%02x", c);
	}
	buf[o] = '\0';
	if (cut && buflen > 4) {
		if (o > buflen - 4)
			o = buflen - 4;
		memcpy(buf + o, "...", 4);
	}
}

/* The 4 length digits are complete: interpret them. */
static const struct pn_error *
header(struct pn_pkt *p)
{
	uint64_t len;
	char q[PN_PKT_HDR * 4 + 1];

	if (pn_num_parse_hex(p->hdr, PN_PKT_HDR, UINT16_MAX, "pkt-line length", &len) != NULL) {
		pn_pkt_quote(p->hdr, PN_PKT_HDR, q, sizeof(q));
		return pn_error_fmt(PN_ERR_PARSE, "bad pkt-line length \"%s\" at offset %llu", q,
		    (unsigned long long)(p->offset - PN_PKT_HDR));
	}
	p->hdr_len = 0;
	switch (len) {
	case LEN_FLUSH:
		return p->cb(p->ctx, PN_PKT_FLUSH, NULL, 0);
	case LEN_DELIM:
		return p->cb(p->ctx, PN_PKT_DELIM, NULL, 0);
	case LEN_END:
		return p->cb(p->ctx, PN_PKT_END, NULL, 0);
	case LEN_INVALID:
		return pn_error_fmt(PN_ERR_PARSE, "invalid pkt-line length 0003 at offset %llu",
		    (unsigned long long)(p->offset - PN_PKT_HDR));
	default:
		break;
	}
	if (len > PN_PKT_MAX)
		return pn_error_fmt(PN_ERR_PARSE, "pkt-line length %llu exceeds %d at offset %llu",
		    (unsigned long long)len, PN_PKT_MAX, (unsigned long long)(p->offset - PN_PKT_HDR));
	p->want = (size_t)len - PN_PKT_HDR;
	p->have = 0;
	if (p->want == 0)
		return p->cb(p->ctx, PN_PKT_DATA, p->payload, 0);
	p->in_payload = 1;
	return NULL;
}

const struct pn_error *
pn_pkt_push(struct pn_pkt *p, const void *data, size_t len)
{
	const char *d = data;
	const struct pn_error *err;

	if (p->err != NULL)
		return kept(p);
	/* the stream budget: compare before adding */
	if (p->stream_max != 0 && (len > p->stream_max || p->offset > p->stream_max - len))
		return fail(p, pn_error_fmt(PN_ERR_TOO_LARGE, "pkt-line stream exceeds its limit of %llu bytes",
		    (unsigned long long)p->stream_max));
	while (len > 0) {
		size_t n;

		if (!p->in_payload) {
			n = PN_PKT_HDR - p->hdr_len < len ? PN_PKT_HDR - p->hdr_len : len;
			memcpy(p->hdr + p->hdr_len, d, n);
			p->hdr_len += n;
			p->offset += n;
			d += n;
			len -= n;
			if (p->hdr_len == PN_PKT_HDR && (err = header(p)) != NULL)
				return fail(p, err);
			continue;
		}
		if (p->have == 0 && len >= p->want) {
			/* the whole payload is at hand: no copy */
			n = p->want;
			p->in_payload = 0;
			p->offset += n;
			if ((err = p->cb(p->ctx, PN_PKT_DATA, d, n)) != NULL)
				return fail(p, err);
		} else {
			n = p->want - p->have < len ? p->want - p->have : len;
			memcpy(p->payload + p->have, d, n);
			p->have += n;
			p->offset += n;
			if (p->have == p->want) {
				p->in_payload = 0;
				if ((err = p->cb(p->ctx, PN_PKT_DATA, p->payload, p->want)) != NULL)
					return fail(p, err);
			}
		}
		d += n;
		len -= n;
	}
	return NULL;
}

const struct pn_error *
pn_pkt_finish(struct pn_pkt *p)
{
	if (p->err != NULL)
		return kept(p);
	if (p->hdr_len > 0)
		return fail(p, pn_error_fmt(PN_ERR_PARSE, "truncated pkt-line: the stream ended inside a length "
		    "(%zu of 4 digits) at offset %llu", p->hdr_len, (unsigned long long)p->offset));
	if (p->in_payload)
		return fail(p, pn_error_fmt(PN_ERR_PARSE, "truncated pkt-line: the stream ended after %zu of %zu "
		    "payload bytes at offset %llu", p->have, p->want, (unsigned long long)p->offset));
	return NULL;
}

static const struct pn_error *
write_len(struct pn_buf *out, size_t len)
{
	return pn_buf_addf(out, "%04zx", len);
}

const struct pn_error *
pn_pkt_write(struct pn_buf *out, const void *data, size_t len)
{
	const struct pn_error *err;

	if (len > PN_PKT_DATA_MAX)
		return pn_error_fmt(PN_ERR_INTERNAL, "pkt-line payload of %zu bytes exceeds %d", len, PN_PKT_DATA_MAX);
	if ((err = write_len(out, len + PN_PKT_HDR)) != NULL)
		return err;
	return pn_buf_add(out, data, len);
}

const struct pn_error *
pn_pkt_writef(struct pn_buf *out, const char *fmt, ...)
{
	const struct pn_error *err;
	size_t start = out->len, n;
	char digits[PN_PKT_HDR + 1];
	va_list ap;

	/* format straight into out behind a placeholder length, then fill the length in */
	if ((err = pn_buf_add(out, "0000", PN_PKT_HDR)) != NULL)
		return err;
	va_start(ap, fmt);
	err = pn_buf_vaddf(out, fmt, ap);
	va_end(ap);
	n = out->len - start;
	if (err == NULL && n > PN_PKT_MAX)
		err = pn_error_fmt(PN_ERR_INTERNAL, "pkt-line payload of %zu bytes exceeds %d", n - PN_PKT_HDR,
		    PN_PKT_DATA_MAX);
	if (err != NULL) {
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
		return err;
	}
	snprintf(digits, sizeof(digits), "%04zx", n);
	memcpy(out->data + start, digits, PN_PKT_HDR);
	return NULL;
}

const struct pn_error *
pn_pkt_flush(struct pn_buf *out)
{
	return pn_buf_add(out, "0000", PN_PKT_HDR);
}

const struct pn_error *
pn_pkt_delim(struct pn_buf *out)
{
	return pn_buf_add(out, "0001", PN_PKT_HDR);
}

size_t
pn_pkt_chomp(const char *data, size_t len)
{
	return len > 0 && data[len - 1] == '\n' ? len - 1 : len;
}
