#include "pack.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ZLIB_CONST
#include <zlib.h>

#include "../core/banned.h"
#include "sha1.h"

/* The pack signature and the versions git writes and reads (3 is accepted by git and identical to 2). */
static const uint8_t pack_magic[4] = {'P', 'A', 'C', 'K'};
#define PACK_VERSION_2 2u
#define PACK_VERSION_3 3u
/* Longest "<type> <size>\0" object header: "commit" + ' ' + 20 digits + NUL. */
#define OBJ_HEADER_MAX 32
/* A 64-bit value in 7-bit groups needs at most this many bytes. */
#define VARINT_MAX 10

enum state {
	ST_HEADER,	/* collecting the 12-byte pack header */
	ST_ENTRY_HDR,	/* collecting an entry header */
	ST_ENTRY_DATA,	/* inflating an entry's zlib stream */
	ST_DONE,	/* every announced object seen; only the trailer may follow */
};

struct pn_pack {
	struct pn_pack_limits limits;
	struct pn_pack_sink sink;
	enum state state;
	uint8_t hdr[PN_PACK_ENTRY_HEADER_MAX];	/* the pack header, then each entry header */
	size_t hdr_len;
	uint8_t hold[PN_PACK_TRAILER_LEN];	/* the last bytes pushed: the trailer, once the stream ends */
	size_t hold_len;
	uint64_t pos;		/* pack offset of the next byte to process */
	uint64_t received;	/* bytes pushed, held ones included */
	uint32_t count;		/* objects the header announced */
	uint32_t seen;		/* entries completed */
	struct pn_pack_entry cur;
	uint64_t inflated;	/* bytes of cur's data so far */
	z_stream zs;
	int zs_ready;
	uint8_t *window;	/* PN_PACK_INFLATE_CHUNK bytes of inflated output */
	struct pn_sha1 stream_sha;	/* every byte before the trailer */
	struct pn_sha1 obj_sha;		/* the current non-delta object */
	struct pn_oid checksum;
	int finished;
	const struct pn_error *err;
	struct pn_error err_store;	/* the kept error outlives the error ring */
};

void
pn_pack_limits_default(struct pn_pack_limits *l)
{
	l->max_object = PN_PACK_MAX_OBJECT;
	l->max_objects = PN_PACK_MAX_OBJECTS;
	l->max_size = PN_PACK_MAX_SIZE;
	l->max_chain = PN_DELTA_CHAIN_MAX;
}

const char *
pn_pack_type_name(enum pn_obj_type type)
{
	switch (type) {
	case PN_OBJ_COMMIT:
		return "commit";
	case PN_OBJ_TREE:
		return "tree";
	case PN_OBJ_BLOB:
		return "blob";
	case PN_OBJ_TAG:
		return "tag";
	case PN_OBJ_OFS_DELTA:
		return "OFS_DELTA";
	case PN_OBJ_REF_DELTA:
		return "REF_DELTA";
	}
	return "invalid";
}

static const struct pn_error *
fail(struct pn_pack *p, const struct pn_error *err)
{
	if (err != NULL && p->err == NULL) {
		p->err_store = *err;
		p->err = &p->err_store;
	}
	return p->err;
}

const struct pn_error *
pn_pack_too_large(uint64_t offset, uint64_t size, size_t max, int delta)
{
	return pn_error_fmt(PN_ERR_TOO_LARGE,
	    "pack offset %llu: %s of %llu bytes exceeds the object size limit of %zu bytes (PN_PACK_MAX_OBJECT; "
	    "raise it with --max-object-size)", (unsigned long long)offset, delta ? "delta" : "object",
	    (unsigned long long)size, max);
}

const struct pn_error *
pn_pack_entry_parse(const uint8_t *p, size_t len, uint64_t offset, const struct pn_pack_limits *limits,
    struct pn_pack_entry *e, size_t *hdr_len)
{
	unsigned long long at = (unsigned long long)offset;
	size_t pos = 0, start;
	unsigned shift = 4, type;
	uint64_t size, dist;
	uint8_t c;

	*hdr_len = 0;
	if (len == 0)
		return NULL;
	c = p[pos++];
	type = (c >> 4) & 7u;
	if (type == 0)
		return pn_error_fmt(PN_ERR_PARSE, "pack offset %llu: invalid object type 0", at);
	if (type == 5)
		return pn_error_fmt(PN_ERR_PARSE, "pack offset %llu: reserved object type 5", at);
	size = c & 15u;
	while (c & 0x80) {
		uint64_t bits;

		if (pos >= len)
			return NULL;
		if (pos >= VARINT_MAX)
			return pn_error_fmt(PN_ERR_PARSE, "pack offset %llu: size field longer than %d bytes", at,
			    VARINT_MAX);
		c = p[pos++];
		bits = c & 0x7fu;
		if (shift > 63 || (bits << shift) >> shift != bits)
			return pn_error_fmt(PN_ERR_PARSE, "pack offset %llu: object size does not fit 64 bits", at);
		size |= bits << shift;
		shift += 7;
	}
	memset(e, 0, sizeof(*e));
	e->offset = offset;
	e->type = (enum pn_obj_type)type;
	e->size = size;
	if (size > limits->max_object)
		return pn_pack_too_large(offset, size, limits->max_object, type >= PN_OBJ_OFS_DELTA);
	if (type == PN_OBJ_OFS_DELTA) {
		start = pos;
		if (pos >= len)
			return NULL;
		c = p[pos++];
		dist = c & 0x7fu;
		while (c & 0x80) {
			if (pos >= len)
				return NULL;
			if (pos - start >= VARINT_MAX || dist >= (UINT64_MAX >> 7))
				return pn_error_fmt(PN_ERR_PARSE, "pack offset %llu: OFS_DELTA distance does not fit 64 bits",
				    at);
			c = p[pos++];
			dist = ((dist + 1) << 7) | (c & 0x7fu);
		}
		if (dist == 0)
			return pn_error_fmt(PN_ERR_PARSE, "pack offset %llu: OFS_DELTA base distance 0 (the entry itself)",
			    at);
		if (dist > offset || offset - dist < PN_PACK_HEADER_LEN)
			return pn_error_fmt(PN_ERR_PARSE,
			    "pack offset %llu: OFS_DELTA base distance %llu points before the first object", at,
			    (unsigned long long)dist);
		e->base_offset = offset - dist;
	} else if (type == PN_OBJ_REF_DELTA) {
		if (len - pos < PN_OID_SHA1_LEN)
			return NULL;
		e->base.len = PN_OID_SHA1_LEN;
		memcpy(e->base.b, p + pos, PN_OID_SHA1_LEN);
		pos += PN_OID_SHA1_LEN;
	}
	e->data_offset = offset + pos;
	*hdr_len = pos;
	return NULL;
}

const struct pn_error *
pn_pack_new(const struct pn_pack_limits *limits, const struct pn_pack_sink *sink, struct pn_pack **out)
{
	struct pn_pack *p;

	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	if (limits != NULL)
		p->limits = *limits;
	else
		pn_pack_limits_default(&p->limits);
	if (sink != NULL)
		p->sink = *sink;
	if ((p->window = malloc(PN_PACK_INFLATE_CHUNK)) == NULL) {
		free(p);
		return pn_error(PN_ERR_NOMEM);
	}
	if (inflateInit(&p->zs) != Z_OK) {
		free(p->window);
		free(p);
		return pn_error_fmt(PN_ERR_NOMEM, "pack: cannot set up zlib");
	}
	p->zs_ready = 1;
	pn_sha1_init(&p->stream_sha);
	p->state = ST_HEADER;
	*out = p;
	return NULL;
}

void
pn_pack_free(struct pn_pack *p)
{
	if (p == NULL)
		return;
	if (p->zs_ready)
		inflateEnd(&p->zs);
	free(p->window);
	free(p);
}

static const struct pn_error *
parse_pack_header(struct pn_pack *p)
{
	uint32_t version = (uint32_t)p->hdr[4] << 24 | (uint32_t)p->hdr[5] << 16 | (uint32_t)p->hdr[6] << 8 | p->hdr[7];

	if (memcmp(p->hdr, pack_magic, sizeof(pack_magic)) != 0)
		return pn_error_fmt(PN_ERR_PARSE, "pack offset 0: not a pack (no \"PACK\" signature)");
	if (version != PACK_VERSION_2 && version != PACK_VERSION_3)
		return pn_error_fmt(PN_ERR_PARSE, "pack offset 4: unsupported pack version %u", version);
	p->count = (uint32_t)p->hdr[8] << 24 | (uint32_t)p->hdr[9] << 16 | (uint32_t)p->hdr[10] << 8 | p->hdr[11];
	if (p->count > p->limits.max_objects)
		return pn_error_fmt(PN_ERR_TOO_LARGE,
		    "pack offset 8: the pack announces %u objects, more than the limit of %u (PN_PACK_MAX_OBJECTS)",
		    p->count, p->limits.max_objects);
	p->hdr_len = 0;
	p->state = p->count == 0 ? ST_DONE : ST_ENTRY_HDR;
	return NULL;
}

/* An entry header is complete: get ready to inflate its data. */
static const struct pn_error *
begin_data(struct pn_pack *p)
{
	char head[OBJ_HEADER_MAX];
	int n;

	p->cur.index = p->seen;
	p->inflated = 0;
	if (inflateReset(&p->zs) != Z_OK)
		return pn_error_fmt(PN_ERR_INTERNAL, "pack offset %llu: zlib reset failed",
		    (unsigned long long)p->cur.offset);
	if (p->cur.type < PN_OBJ_OFS_DELTA) {
		n = snprintf(head, sizeof(head), "%s %llu", pn_pack_type_name(p->cur.type),
		    (unsigned long long)p->cur.size);
		if (n < 0 || (size_t)n >= sizeof(head))
			return pn_error_fmt(PN_ERR_INTERNAL, "pack: object header too long");
		pn_sha1_init(&p->obj_sha);
		pn_sha1_update(&p->obj_sha, head, (size_t)n + 1);
	}
	p->state = ST_ENTRY_DATA;
	return NULL;
}

static const struct pn_error *
end_entry(struct pn_pack *p)
{
	const struct pn_error *err;

	if (p->inflated != p->cur.size)
		return pn_error_fmt(PN_ERR_PARSE, "pack offset %llu: object data is %llu bytes, its header declares %llu",
		    (unsigned long long)p->cur.offset, (unsigned long long)p->inflated,
		    (unsigned long long)p->cur.size);
	p->cur.end = p->pos;
	if (p->cur.type < PN_OBJ_OFS_DELTA) {
		char what[OBJ_HEADER_MAX * 2];

		snprintf(what, sizeof(what), "pack offset %llu: %s", (unsigned long long)p->cur.offset,
		    pn_pack_type_name(p->cur.type));
		p->cur.oid.len = PN_OID_SHA1_LEN;
		if ((err = pn_sha1_final(&p->obj_sha, p->cur.oid.b, what)) != NULL)
			return err;
	}
	if (p->sink.entry != NULL && (err = p->sink.entry(p->sink.arg, &p->cur)) != NULL)
		return err;
	p->seen++;
	p->hdr_len = 0;
	p->state = p->seen == p->count ? ST_DONE : ST_ENTRY_HDR;
	return NULL;
}

/* Inflate from buf; *used is the input zlib consumed. Ends the entry when its zlib stream ends. */
static const struct pn_error *
inflate_some(struct pn_pack *p, const uint8_t *buf, size_t len, size_t *used)
{
	const struct pn_error *err;
	uInt avail = len > UINT_MAX ? UINT_MAX : (uInt)len;
	int ret;

	p->zs.next_in = buf;
	p->zs.avail_in = avail;
	for (;;) {
		size_t produced;
		uInt before_in = p->zs.avail_in;

		p->zs.next_out = p->window;
		p->zs.avail_out = PN_PACK_INFLATE_CHUNK;
		ret = inflate(&p->zs, Z_NO_FLUSH);
		produced = PN_PACK_INFLATE_CHUNK - p->zs.avail_out;
		/* the pack offset advances with the input zlib consumed, before any check that may fail */
		p->pos += before_in - p->zs.avail_in;
		*used = avail - p->zs.avail_in;
		if (produced > 0) {
			if (produced > p->cur.size - p->inflated)
				return pn_error_fmt(PN_ERR_PARSE,
				    "pack offset %llu: object data is longer than the %llu bytes its header declares",
				    (unsigned long long)p->cur.offset, (unsigned long long)p->cur.size);
			p->inflated += produced;
			if (p->cur.type < PN_OBJ_OFS_DELTA)
				pn_sha1_update(&p->obj_sha, p->window, produced);
			if (p->sink.data != NULL && (err = p->sink.data(p->sink.arg, &p->cur, p->window, produced)) != NULL)
				return err;
		}
		if (ret == Z_STREAM_END)
			return end_entry(p);
		if (ret == Z_BUF_ERROR && p->zs.avail_in == 0)
			return NULL;	/* needs more input */
		if (ret != Z_OK && ret != Z_BUF_ERROR)
			return pn_error_fmt(PN_ERR_PARSE, "pack offset %llu: corrupt zlib data in object %u: %s",
			    (unsigned long long)p->cur.offset, p->seen + 1, p->zs.msg != NULL ? p->zs.msg : "error");
		if (p->zs.avail_in == 0 && p->zs.avail_out != 0)
			return NULL;	/* all input taken, no output pending */
		if (produced == 0 && before_in == p->zs.avail_in)
			return pn_error_fmt(PN_ERR_INTERNAL, "pack offset %llu: zlib made no progress",
			    (unsigned long long)p->cur.offset);
	}
}

/* Process stream bytes that are known not to be the trailer. */
static const struct pn_error *
process(struct pn_pack *p, const uint8_t *buf, size_t len)
{
	const struct pn_error *err;

	pn_sha1_update(&p->stream_sha, buf, len);
	while (len > 0) {
		size_t used = 0, n;

		switch (p->state) {
		case ST_HEADER:
			n = PN_PACK_HEADER_LEN - p->hdr_len;
			if (n > len)
				n = len;
			memcpy(p->hdr + p->hdr_len, buf, n);
			p->hdr_len += n;
			p->pos += n;
			used = n;
			if (p->hdr_len == PN_PACK_HEADER_LEN && (err = parse_pack_header(p)) != NULL)
				return err;
			break;
		case ST_ENTRY_HDR:
			/* one byte at a time: the header's length is only known once it parses (<= 32 bytes) */
			if (p->hdr_len == 0)
				p->cur.offset = p->pos;
			p->hdr[p->hdr_len++] = buf[0];
			p->pos++;
			used = 1;
			if ((err = pn_pack_entry_parse(p->hdr, p->hdr_len, p->cur.offset, &p->limits, &p->cur, &n)) != NULL)
				return err;
			if (n != 0 && (err = begin_data(p)) != NULL)
				return err;
			if (n == 0 && p->hdr_len == sizeof(p->hdr))
				return pn_error_fmt(PN_ERR_INTERNAL, "pack offset %llu: entry header too long",
				    (unsigned long long)p->cur.offset);
			break;
		case ST_ENTRY_DATA:
			if ((err = inflate_some(p, buf, len, &used)) != NULL)
				return err;
			break;
		case ST_DONE:
			return pn_error_fmt(PN_ERR_PARSE,
			    "pack offset %llu: more data after the last of the %u objects the header announced",
			    (unsigned long long)p->pos, p->count);
		}
		buf += used;
		len -= used;
	}
	return NULL;
}

const struct pn_error *
pn_pack_push(struct pn_pack *p, const void *data, size_t len)
{
	const struct pn_error *err;
	const uint8_t *b = data;
	size_t total, nproc, from_hold, keep;

	if (p->err != NULL)
		return p->err;
	if (p->finished)
		return fail(p, pn_error_fmt(PN_ERR_INTERNAL, "pack: data pushed after the end of the stream"));
	if (len == 0)
		return NULL;
	if (len > p->limits.max_size - p->received)
		return fail(p, pn_error_fmt(PN_ERR_TOO_LARGE,
		    "pack offset %llu: the pack stream exceeds the limit of %llu bytes (PN_PACK_MAX_SIZE)",
		    (unsigned long long)p->received, (unsigned long long)p->limits.max_size));
	p->received += len;
	if (len <= PN_PACK_TRAILER_LEN - p->hold_len) {
		memcpy(p->hold + p->hold_len, b, len);
		p->hold_len += len;
		return NULL;
	}
	/* everything but the last 20 bytes (held ones first) is processed; those 20 are held */
	total = p->hold_len + len;
	if (total < len)
		return fail(p, pn_error_fmt(PN_ERR_TOO_LARGE, "pack: push of %zu bytes too large", len));
	nproc = total - PN_PACK_TRAILER_LEN;
	from_hold = p->hold_len < nproc ? p->hold_len : nproc;
	if (from_hold > 0 && (err = process(p, p->hold, from_hold)) != NULL)
		return fail(p, err);
	if (nproc > from_hold && (err = process(p, b, nproc - from_hold)) != NULL)
		return fail(p, err);
	keep = p->hold_len - from_hold;
	memmove(p->hold, p->hold + from_hold, keep);
	memcpy(p->hold + keep, b + (nproc - from_hold), PN_PACK_TRAILER_LEN - keep);
	p->hold_len = PN_PACK_TRAILER_LEN;
	return NULL;
}

const struct pn_error *
pn_pack_finish(struct pn_pack *p)
{
	uint8_t digest[PN_OID_SHA1_LEN];
	char want[PN_OID_HEX_MAX], got[PN_OID_HEX_MAX];
	const struct pn_error *err;
	struct pn_oid a, b;

	if (p->err != NULL)
		return p->err;
	if (p->finished)
		return NULL;
	switch (p->state) {
	case ST_HEADER:
		return fail(p, pn_error_fmt(PN_ERR_PARSE,
		    "pack offset %llu: truncated pack: %llu bytes, too short for a header and a trailer",
		    (unsigned long long)p->pos, (unsigned long long)p->received));
	case ST_ENTRY_HDR:
		if (p->hdr_len == 0)
			return fail(p, pn_error_fmt(PN_ERR_PARSE,
			    "pack offset %llu: the pack ends after %u of the %u objects its header announced",
			    (unsigned long long)p->pos, p->seen, p->count));
		return fail(p, pn_error_fmt(PN_ERR_PARSE, "pack offset %llu: truncated pack: ends inside the header "
		    "of object %u of %u", (unsigned long long)p->cur.offset, p->seen + 1, p->count));
	case ST_ENTRY_DATA:
		return fail(p, pn_error_fmt(PN_ERR_PARSE, "pack offset %llu: truncated pack: ends inside the data "
		    "of object %u of %u", (unsigned long long)p->cur.offset, p->seen + 1, p->count));
	case ST_DONE:
		break;
	}
	if (p->hold_len != PN_PACK_TRAILER_LEN)
		return fail(p, pn_error_fmt(PN_ERR_PARSE, "pack offset %llu: truncated pack: no trailer",
		    (unsigned long long)p->pos));
	if ((err = pn_sha1_final(&p->stream_sha, digest, "the pack")) != NULL)
		return fail(p, err);
	if (memcmp(digest, p->hold, sizeof(digest)) != 0) {
		a.len = b.len = PN_OID_SHA1_LEN;
		memcpy(a.b, p->hold, PN_OID_SHA1_LEN);
		memcpy(b.b, digest, PN_OID_SHA1_LEN);
		return fail(p, pn_error_fmt(PN_ERR_PARSE,
		    "pack offset %llu: checksum mismatch: the trailer says %s, the data hashes to %s",
		    (unsigned long long)p->pos, pn_oid_to_hex(&a, want), pn_oid_to_hex(&b, got)));
	}
	memset(&p->checksum, 0, sizeof(p->checksum));
	p->checksum.len = PN_OID_SHA1_LEN;
	memcpy(p->checksum.b, digest, PN_OID_SHA1_LEN);
	p->finished = 1;
	return NULL;
}

void
pn_pack_checksum(const struct pn_pack *p, struct pn_oid *out)
{
	*out = p->checksum;
}

uint32_t
pn_pack_count(const struct pn_pack *p)
{
	return p->count;
}

/* pread all of n bytes at off, or fail naming the short read. */
static const struct pn_error *
read_at(int fd, uint64_t off, void *buf, size_t n)
{
	uint8_t *b = buf;

	if (off > (uint64_t)INT64_MAX - n)
		return pn_error_fmt(PN_ERR_PARSE, "pack offset %llu: beyond what this system can read",
		    (unsigned long long)off);
	while (n > 0) {
		ssize_t r = pread(fd, b, n, (off_t)off);

		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return pn_error_errno_fmt("read pack at offset %llu", (unsigned long long)off);
		if (r == 0)
			return pn_error_fmt(PN_ERR_PARSE, "pack offset %llu: unexpected end of the pack file",
			    (unsigned long long)off);
		b += r;
		off += (uint64_t)r;
		n -= (size_t)r;
	}
	return NULL;
}

const struct pn_error *
pn_pack_entry_read(int fd, uint64_t end, uint64_t offset, const struct pn_pack_limits *limits,
    struct pn_pack_entry *e)
{
	uint8_t hdr[PN_PACK_ENTRY_HEADER_MAX];
	const struct pn_error *err;
	size_t n = sizeof(hdr), used;

	if (offset < PN_PACK_HEADER_LEN || offset >= end)
		return pn_error_fmt(PN_ERR_PARSE, "pack offset %llu: not inside the pack's objects",
		    (unsigned long long)offset);
	if (end - offset < n)
		n = (size_t)(end - offset);
	if ((err = read_at(fd, offset, hdr, n)) != NULL)
		return err;
	if ((err = pn_pack_entry_parse(hdr, n, offset, limits, e, &used)) != NULL)
		return err;
	if (used == 0)
		return pn_error_fmt(PN_ERR_PARSE, "pack offset %llu: truncated entry header",
		    (unsigned long long)offset);
	return NULL;
}
const struct pn_error *
pn_pack_entry_stream(int fd, uint64_t end, const struct pn_pack_entry *e, uint8_t *in, uint8_t *buf,
    pn_pack_emit_fn emit, void *arg)
{
	const struct pn_error *err = NULL;
	unsigned long long at = (unsigned long long)e->offset;
	uint64_t pos = e->data_offset, left = e->size;
	z_stream zs;
	int ret;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK)
		return pn_error_fmt(PN_ERR_NOMEM, "pack offset %llu: cannot set up zlib", at);
	for (;;) {
		size_t got;

		if (zs.avail_in == 0) {
			size_t n = PN_PACK_INFLATE_CHUNK;

			if (pos >= end) {
				err = pn_error_fmt(PN_ERR_PARSE, "pack offset %llu: object data runs past the end of the pack",
				    at);
				break;
			}
			if (end - pos < n)
				n = (size_t)(end - pos);
			if ((err = read_at(fd, pos, in, n)) != NULL)
				break;
			pos += n;
			zs.next_in = in;
			zs.avail_in = (uInt)n;
		}
		zs.next_out = buf;
		zs.avail_out = PN_PACK_INFLATE_CHUNK;
		ret = inflate(&zs, Z_NO_FLUSH);
		got = PN_PACK_INFLATE_CHUNK - zs.avail_out;
		if (got > left) {
			err = pn_error_fmt(PN_ERR_PARSE, "pack offset %llu: object data is longer than the %llu bytes its "
			    "header declares", at, (unsigned long long)e->size);
			break;
		}
		if (got > 0) {
			if ((err = emit(arg, buf, got)) != NULL)
				break;
			left -= got;
		}
		if (ret == Z_STREAM_END)
			break;
		if (ret != Z_OK && !(ret == Z_BUF_ERROR && zs.avail_in == 0)) {
			err = pn_error_fmt(PN_ERR_PARSE, "pack offset %llu: corrupt zlib data: %s", at,
			    zs.msg != NULL ? zs.msg : "error");
			break;
		}
	}
	if (err == NULL && left != 0)
		err = pn_error_fmt(PN_ERR_PARSE, "pack offset %llu: object data is %llu bytes, its header declares %llu",
		    at, (unsigned long long)(e->size - left), (unsigned long long)e->size);
	inflateEnd(&zs);
	return err;
}

static const struct pn_error *
emit_buf(void *arg, const void *p, size_t n)
{
	return pn_buf_add(arg, p, n);
}

const struct pn_error *
pn_pack_entry_inflate(int fd, uint64_t end, const struct pn_pack_entry *e, struct pn_buf *out)
{
	const struct pn_error *err;
	size_t start = out->len;
	uint8_t *in;

	if (e->size > out->max - out->len)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "pack offset %llu: object of %llu bytes exceeds the %zu bytes "
		    "allowed for %s", (unsigned long long)e->offset, (unsigned long long)e->size, out->max - out->len,
		    out->what);
	if ((in = malloc(2 * PN_PACK_INFLATE_CHUNK)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	err = pn_pack_entry_stream(fd, end, e, in, in + PN_PACK_INFLATE_CHUNK, emit_buf, out);
	free(in);
	if (err != NULL && out->data != NULL) {
		out->len = start;
		out->data[start] = '\0';
	}
	return err;
}
