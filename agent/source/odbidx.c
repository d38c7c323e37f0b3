#include "odbidx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ZLIB_CONST
#include <zlib.h>

#include "../core/buf.h"
#include "../core/banned.h"
#include "sha1.h"

/* Index layout (see odbidx.h). */
static const uint8_t idx_magic[4] = {'P', 'N', 'I', 'X'};
#define IDX_HEADER_LEN 48
#define IDX_FANOUT 256
#define IDX_RECORDS_AT (IDX_HEADER_LEN + IDX_FANOUT * 4)
#define IDX_RECORD_LEN 40
#define IDX_TRAILER_LEN PN_OID_SHA1_LEN
/* Longest "<type> <size>\0" object header. */
#define OBJ_HEADER_MAX 32
/* No entry (hash table, base lookups). */
#define NONE UINT32_MAX
/* Smallest hash table. */
#define HASH_MIN 16
/* Longest pack entry header written for an appended base: 4 + 7 x 9 bits of size. */
#define ENTRY_HEADER_MAX 10
/* Offset of the object count in the pack header. */
#define PACK_COUNT_AT 8
/* zlib settings for the bases appended to a thin pack: a 4 KiB window and a small hash (~24 KiB of state
 * rather than zlib's default ~256 KiB). */
#define DEFLATE_WBITS 12
#define DEFLATE_MEMLEVEL 4
/* Read buffer for rehashing a completed thin pack. */
#define REHASH_CHUNK 65536

/* One pack entry while indexing (pack order = offset order). */
struct ient {
	uint64_t offset;
	uint64_t size;		/* of the object, once resolved */
	uint64_t base;		/* OFS_DELTA: base offset; REF_DELTA: index into refs */
	uint32_t depth;		/* delta chain length */
	uint8_t oid[PN_OID_SHA1_LEN];
	uint8_t type;		/* entry type */
	uint8_t otype;		/* object type, once resolved */
	uint8_t state;
};

enum { E_PENDING, E_WAITING, E_QUEUED, E_DONE };

struct pn_odbidx {
	struct pn_pack_limits limits;
	struct pn_buf entries;	/* struct ient */
	struct pn_buf refs;	/* REF_DELTA base ids */
	uint32_t *hash;		/* resolved ids -> entry index + 1 */
	size_t hash_mask;
	struct pn_packread *reader;
	struct pn_pack_file *file;
	const char *path;	/* of the pack, for messages */
	uint32_t appended;	/* bases appended to a thin pack */
};

struct waiter {
	uint8_t oid[PN_OID_SHA1_LEN];	/* REF_DELTA: the base id */
	uint32_t base;			/* OFS_DELTA: the base entry */
	uint32_t i;
};

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static const char *
hex20(const uint8_t *b, char *buf)
{
	struct pn_oid o;

	memset(&o, 0, sizeof(o));
	o.len = PN_OID_SHA1_LEN;
	memcpy(o.b, b, PN_OID_SHA1_LEN);
	return pn_oid_to_hex(&o, buf);
}

/* Write all of n bytes at `off` (UINT64_MAX: at the file position) of `path`. */
static const struct pn_error *
write_full(int fd, uint64_t off, const void *buf, size_t n, const char *what, const char *path)
{
	const uint8_t *p = buf;

	while (n > 0) {
		ssize_t w = off == UINT64_MAX ? write(fd, p, n) : pwrite(fd, p, n, (off_t)off);

		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && (errno == ENOSPC || errno == EFBIG || errno == EDQUOT))
			return pn_error_errno_fmt("disk full or file size limit while writing %s %s", what, path);
		if (w == -1)
			return pn_error_errno_fmt("write %s", path);
		p += w;
		n -= (size_t)w;
		if (off != UINT64_MAX)
			off += (uint64_t)w;
	}
	return NULL;
}

/*
 * Committed indexes.
 */

const struct pn_error *
pn_odbidx_verify(const uint8_t *x, size_t len, const char *hex, const char *path, struct pn_odbidx_info *info)
{
	uint8_t digest[PN_OID_SHA1_LEN];
	uint32_t counts[IDX_FANOUT] = {0}, sum = 0;
	char chex[PN_OID_HEX_MAX];
	const struct pn_error *err;

	if (len < IDX_RECORDS_AT + IDX_TRAILER_LEN || memcmp(x, idx_magic, sizeof(idx_magic)) != 0 ||
	    get32(x + 4) != PN_ODBIDX_VERSION || get32(x + 8) != PN_OID_SHA1_LEN || get32(x + 44) != 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: not a version %d pinion index", path, PN_ODBIDX_VERSION);
	info->count = get32(x + 12);
	info->pack_size = get64(x + 16);
	memset(&info->checksum, 0, sizeof(info->checksum));
	info->checksum.len = PN_OID_SHA1_LEN;
	memcpy(info->checksum.b, x + 24, PN_OID_SHA1_LEN);
	if ((uint64_t)len != IDX_RECORDS_AT + (uint64_t)info->count * IDX_RECORD_LEN + IDX_TRAILER_LEN ||
	    info->pack_size < PN_PACK_HEADER_LEN + PN_PACK_TRAILER_LEN ||
	    strcmp(pn_oid_to_hex(&info->checksum, chex), hex) != 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: header does not match the file", path);
	if ((err = pn_sha1(x, len - IDX_TRAILER_LEN, digest, path)) != NULL)
		return err;
	if (memcmp(digest, x + len - IDX_TRAILER_LEN, sizeof(digest)) != 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: checksum mismatch (the index is corrupt)", path);
	for (uint32_t i = 0; i < info->count; i++) {
		const uint8_t *r = x + IDX_RECORDS_AT + (size_t)i * IDX_RECORD_LEN;
		uint64_t off = get64(r + 20);

		if ((i > 0 && memcmp(r - IDX_RECORD_LEN, r, PN_OID_SHA1_LEN) >= 0) || off < PN_PACK_HEADER_LEN ||
		    off >= info->pack_size - PN_PACK_TRAILER_LEN || r[36] < PN_OBJ_COMMIT || r[36] > PN_OBJ_TAG ||
		    r[37] != 0 || r[38] != 0 || r[39] != 0)
			return pn_error_fmt(PN_ERR_PARSE, "%s: record %u is invalid or out of order", path, i);
		counts[r[0]]++;
	}
	for (size_t b = 0; b < IDX_FANOUT; b++) {
		sum += counts[b];
		if (get32(x + IDX_HEADER_LEN + 4 * b) != sum)
			return pn_error_fmt(PN_ERR_PARSE, "%s: fan-out entry %zu does not match the records", path, b);
	}
	return NULL;
}

const uint8_t *
pn_odbidx_lookup(const uint8_t *x, const uint8_t *oid)
{
	const uint8_t *fan = x + IDX_HEADER_LEN;
	uint32_t lo = oid[0] == 0 ? 0 : get32(fan + 4 * (oid[0] - 1)), hi = get32(fan + 4 * oid[0]);

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const uint8_t *r = x + IDX_RECORDS_AT + (size_t)mid * IDX_RECORD_LEN;
		int c = memcmp(oid, r, PN_OID_SHA1_LEN);

		if (c == 0)
			return r;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

uint64_t
pn_odbidx_offset(const uint8_t *rec)
{
	return get64(rec + 20);
}

uint64_t
pn_odbidx_size(const uint8_t *rec)
{
	return get64(rec + 28);
}

enum pn_obj_type
pn_odbidx_type(const uint8_t *rec)
{
	return (enum pn_obj_type)rec[36];
}

/*
 * Building an index.
 */

static size_t
checked_mul(uint64_t a, size_t b)
{
	return a > SIZE_MAX / b ? SIZE_MAX : (size_t)a * b;
}

const struct pn_error *
pn_odbidx_new(const struct pn_pack_limits *limits, struct pn_odbidx **out)
{
	struct pn_odbidx *x;

	if ((*out = x = calloc(1, sizeof(*x))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	x->limits = *limits;
	pn_buf_init(&x->entries, checked_mul(limits->max_objects, sizeof(struct ient)), "pack entry table");
	pn_buf_init(&x->refs, checked_mul(limits->max_objects, PN_OID_SHA1_LEN), "REF_DELTA base table");
	return NULL;
}

void
pn_odbidx_free(struct pn_odbidx *x)
{
	if (x == NULL)
		return;
	pn_buf_release(&x->entries);
	pn_buf_release(&x->refs);
	free(x->hash);
	free(x);
}

uint32_t
pn_odbidx_count(const struct pn_odbidx *x)
{
	return (uint32_t)(x->entries.len / sizeof(struct ient));
}

const struct pn_error *
pn_odbidx_add(struct pn_odbidx *x, const struct pn_pack_entry *e)
{
	const struct pn_error *err;
	struct ient ie;

	memset(&ie, 0, sizeof(ie));
	ie.offset = e->offset;
	ie.size = e->size;
	ie.type = (uint8_t)e->type;
	if (e->type == PN_OBJ_OFS_DELTA) {
		ie.base = e->base_offset;
	} else if (e->type == PN_OBJ_REF_DELTA) {
		ie.base = x->refs.len / PN_OID_SHA1_LEN;
		if ((err = pn_buf_add(&x->refs, e->base.b, PN_OID_SHA1_LEN)) != NULL)
			return err;
	} else {
		memcpy(ie.oid, e->oid.b, PN_OID_SHA1_LEN);
		ie.otype = (uint8_t)e->type;
		ie.state = E_DONE;
	}
	return pn_buf_add(&x->entries, &ie, sizeof(ie));
}

static struct ient *
ents_of(const struct pn_odbidx *x)
{
	return (struct ient *)x->entries.data;
}

static size_t
hash_pos(const uint8_t *oid, size_t mask)
{
	return (size_t)get32(oid) & mask;
}

static uint32_t
hash_find(const struct pn_odbidx *x, const uint8_t *oid)
{
	const struct ient *ents = ents_of(x);

	for (size_t pos = hash_pos(oid, x->hash_mask);; pos = (pos + 1) & x->hash_mask) {
		uint32_t v = x->hash[pos];

		if (v == 0)
			return NONE;
		if (memcmp(ents[v - 1].oid, oid, PN_OID_SHA1_LEN) == 0)
			return v - 1;
	}
}

static void
hash_insert(struct pn_odbidx *x, uint32_t i)
{
	const struct ient *ents = ents_of(x);
	size_t pos;

	for (pos = hash_pos(ents[i].oid, x->hash_mask); x->hash[pos] != 0; pos = (pos + 1) & x->hash_mask)
		if (memcmp(ents[x->hash[pos] - 1].oid, ents[i].oid, PN_OID_SHA1_LEN) == 0)
			return;	/* a duplicate: the first one stays */
	x->hash[pos] = i + 1;
}

static const struct pn_error *
find_in_pack(void *arg, const uint8_t *oid, uint64_t *offset)
{
	struct pn_odbidx *x = arg;
	uint32_t i = hash_find(x, oid);

	if (i == NONE)
		return pn_error(PN_ERR_NOT_FOUND);
	*offset = ents_of(x)[i].offset;
	return NULL;
}

/* The entry delta i is based on, or NONE when that is not known (yet). */
static const struct pn_error *
base_of(const struct pn_odbidx *x, uint32_t i, uint32_t *b)
{
	const struct ient *ents = ents_of(x);
	size_t n = pn_odbidx_count(x), lo = 0, hi;

	*b = NONE;
	if (ents[i].type == PN_OBJ_REF_DELTA) {
		*b = hash_find(x, (const uint8_t *)x->refs.data + ents[i].base * PN_OID_SHA1_LEN);
		return NULL;
	}
	for (hi = n; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;

		if (ents[mid].offset == ents[i].base) {
			*b = (uint32_t)mid;
			return NULL;
		}
		if (ents[mid].offset < ents[i].base)
			lo = mid + 1;
		else
			hi = mid;
	}
	return pn_error_fmt(PN_ERR_PARSE, "pack offset %llu: OFS_DELTA base offset %llu is not the start of an object",
	    (unsigned long long)ents[i].offset, (unsigned long long)ents[i].base);
}

/* The object id of a resolved object, hashed as it streams out of the reader. */
struct hasher {
	struct pn_sha1 sha;
	enum pn_obj_type type;
	uint64_t size;
};

static const struct pn_error *
hash_begin(void *arg, enum pn_obj_type type, uint64_t size)
{
	struct hasher *h = arg;
	char head[OBJ_HEADER_MAX];
	int n = snprintf(head, sizeof(head), "%s %llu", pn_pack_type_name(type), (unsigned long long)size);

	if (n < 0 || (size_t)n >= sizeof(head))
		return pn_error_fmt(PN_ERR_INTERNAL, "object header too long");
	h->type = type;
	h->size = size;
	pn_sha1_init(&h->sha);
	pn_sha1_update(&h->sha, head, (size_t)n + 1);
	return NULL;
}

static const struct pn_error *
hash_data(void *arg, const void *p, size_t n)
{
	pn_sha1_update(&((struct hasher *)arg)->sha, p, n);
	return NULL;
}

/* Resolve delta i, whose base b is resolved: compute its object's id. */
static const struct pn_error *
resolve_one(struct pn_odbidx *x, uint32_t i, uint32_t b)
{
	struct ient *ents = ents_of(x);
	struct pn_pack_out out;
	struct hasher h;
	const struct pn_error *err;
	char what[64];

	if (ents[b].depth >= x->limits.max_chain)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "pack offset %llu: delta chain longer than %u "
		    "(PN_DELTA_CHAIN_MAX; raise it with --max-delta-chain)", (unsigned long long)ents[i].offset,
		    x->limits.max_chain);
	out.begin = hash_begin;
	out.data = hash_data;
	out.arg = &h;
	if ((err = pn_packread_stream(x->reader, x->file, ents[i].offset, 1, &out)) != NULL)
		return err;
	snprintf(what, sizeof(what), "pack offset %llu: %s", (unsigned long long)ents[i].offset,
	    pn_pack_type_name(h.type));
	if ((err = pn_sha1_final(&h.sha, ents[i].oid, what)) != NULL)
		return err;
	ents[i].otype = (uint8_t)h.type;
	ents[i].size = h.size;
	ents[i].depth = ents[b].depth + 1;
	ents[i].state = E_DONE;
	hash_insert(x, i);
	return NULL;
}

static int
cmp_waiter_base(const void *a, const void *b)
{
	const struct waiter *p = a, *q = b;

	return p->base < q->base ? -1 : p->base > q->base;
}

static int
cmp_waiter_oid(const void *a, const void *b)
{
	return memcmp(((const struct waiter *)a)->oid, ((const struct waiter *)b)->oid, PN_OID_SHA1_LEN);
}

/* Queue the waiters in w[0..n) (sorted by cmp) whose key equals key's. */
static void
wake(struct waiter *w, size_t n, const struct waiter *key, int (*cmp)(const void *, const void *),
    struct ient *ents, uint32_t *stack, size_t *top)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp(&w[mid], key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && cmp(&w[lo], key) == 0; lo++) {
		if (ents[w[lo].i].state == E_WAITING) {
			ents[w[lo].i].state = E_QUEUED;
			stack[(*top)++] = w[lo].i;
		}
	}
}

/* A base appended to a thin pack: the object streamed from the store through zlib into the pack. */
struct append {
	struct pn_odbidx *x;
	z_stream zs;
	int zready;
	uint64_t at;		/* where the next bytes go */
	enum pn_obj_type type;
	uint64_t size;
	uint8_t out[PN_PACK_INFLATE_CHUNK];
};

static const struct pn_error *
deflate_some(struct append *a, const void *p, size_t n, int flush)
{
	const struct pn_error *err;
	int ret;

	a->zs.next_in = p;
	a->zs.avail_in = (uInt)n;
	do {
		size_t k;

		a->zs.next_out = a->out;
		a->zs.avail_out = sizeof(a->out);
		if ((ret = deflate(&a->zs, flush)) == Z_STREAM_ERROR)
			return pn_error_fmt(PN_ERR_INTERNAL, "zlib deflate failed");
		k = sizeof(a->out) - a->zs.avail_out;
		if (k > 0 && (err = write_full(a->x->file->fd, a->at, a->out, k, "the pack", a->x->path)) != NULL)
			return err;
		a->at += k;
	} while (a->zs.avail_out == 0 || (flush == Z_FINISH && ret != Z_STREAM_END));
	return NULL;
}

/* The entry header (type, size), then zlib from here on. */
static const struct pn_error *
append_begin(void *arg, enum pn_obj_type type, uint64_t size)
{
	struct append *a = arg;
	const struct pn_error *err;
	uint8_t hdr[ENTRY_HEADER_MAX];
	size_t hl = 0;
	uint64_t s = size;

	hdr[0] = (uint8_t)(type << 4 | (s & 15));
	for (s >>= 4; s != 0; s >>= 7) {
		hdr[hl++] |= 0x80;
		hdr[hl] = (uint8_t)(s & 0x7f);
	}
	hl++;
	if ((err = write_full(a->x->file->fd, a->at, hdr, hl, "the pack", a->x->path)) != NULL)
		return err;
	a->at += hl;
	a->type = type;
	a->size = size;
	if (deflateInit2(&a->zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, DEFLATE_WBITS, DEFLATE_MEMLEVEL,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return pn_error_fmt(PN_ERR_NOMEM, "zlib: cannot set up deflate");
	a->zready = 1;
	return NULL;
}

static const struct pn_error *
append_data(void *arg, const void *p, size_t n)
{
	return deflate_some(arg, p, n, Z_NO_FLUSH);
}

/* Append base `oid` from the store to the thin pack, where its entries end; *found = 0 when the store lacks it. */
static const struct pn_error *
append_base(struct pn_odbidx *x, const struct pn_odbidx_thin *thin, const uint8_t *oid, int *found,
    uint64_t *offset, enum pn_obj_type *type, uint64_t *size)
{
	struct append *a;
	struct pn_pack_out out = {append_begin, append_data, NULL};
	const struct pn_error *err;

	*found = 0;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	a->x = x;
	a->at = *offset = x->file->end;
	out.arg = a;
	err = thin->read(thin->arg, oid, &out);
	if (err != NULL && err->code == PN_ERR_NOT_FOUND && !a->zready) {
		err = NULL;	/* not in the store either: the caller reports the delta */
	} else if (err == NULL && (err = deflate_some(a, "", 0, Z_FINISH)) == NULL) {
		*found = 1;
		*type = a->type;
		*size = a->size;
		x->file->end = a->at;
		x->appended++;
	}
	if (a->zready)
		deflateEnd(&a->zs);
	free(a);
	return err;
}

uint32_t
pn_odbidx_appended(const struct pn_odbidx *x)
{
	return x->appended;
}

const struct pn_error *
pn_odbidx_complete_thin(struct pn_odbidx *x, const struct pn_pack_file *f, const char *path,
    struct pn_oid *checksum, uint64_t *size)
{
	const struct pn_error *err;
	uint8_t count[4], d[PN_OID_SHA1_LEN], *buf;
	uint32_t n = pn_odbidx_count(x);
	uint64_t pos = 0;
	struct pn_sha1 sha;

	put32(count, n);
	if ((err = write_full(f->fd, PACK_COUNT_AT, count, sizeof(count), "the pack", path)) != NULL)
		return err;
	if ((buf = malloc(REHASH_CHUNK)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	pn_sha1_init(&sha);
	while (pos < f->end && err == NULL) {
		size_t k = f->end - pos < REHASH_CHUNK ? (size_t)(f->end - pos) : REHASH_CHUNK;
		ssize_t r = pread(f->fd, buf, k, (off_t)pos);

		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			err = r == 0 ? pn_error_fmt(PN_ERR_INTERNAL, "%s: shorter than written", path) :
			    pn_error_errno_fmt("read %s", path);
		else
			pn_sha1_update(&sha, buf, (size_t)r);
		pos += r > 0 ? (uint64_t)r : 0;
	}
	free(buf);
	if (err != NULL || (err = pn_sha1_final(&sha, d, "the completed thin pack")) != NULL ||
	    (err = write_full(f->fd, f->end, d, sizeof(d), "the pack", path)) != NULL)
		return err;
	memset(checksum, 0, sizeof(*checksum));
	checksum->len = PN_OID_SHA1_LEN;
	memcpy(checksum->b, d, PN_OID_SHA1_LEN);
	*size = f->end + sizeof(d);
	return NULL;
}

/* A thin pack: append the bases of the REF_DELTAs still waiting that the store has, and queue their deltas. */
static const struct pn_error *
complete_thin(struct pn_odbidx *x, const struct pn_odbidx_thin *thin, struct waiter *ref, size_t nref,
    uint32_t *stack, size_t *top)
{
	const struct pn_error *err;
	struct ient ie;

	for (size_t k = 0; k < nref; k++) {
		enum pn_obj_type type;
		uint64_t offset, size;
		int found;

		if (ents_of(x)[ref[k].i].state != E_WAITING || hash_find(x, ref[k].oid) != NONE)
			continue;
		if ((err = append_base(x, thin, ref[k].oid, &found, &offset, &type, &size)) != NULL)
			return err;
		if (!found)
			continue;
		if (pn_odbidx_count(x) >= x->limits.max_objects)
			return pn_error_fmt(PN_ERR_TOO_LARGE, "completing a thin pack: more than %u objects "
			    "(PN_PACK_MAX_OBJECTS)", x->limits.max_objects);
		memset(&ie, 0, sizeof(ie));
		ie.offset = offset;
		ie.size = size;
		ie.type = ie.otype = (uint8_t)type;
		ie.state = E_DONE;
		memcpy(ie.oid, ref[k].oid, PN_OID_SHA1_LEN);
		if ((err = pn_buf_add(&x->entries, &ie, sizeof(ie))) != NULL)
			return err;
		hash_insert(x, pn_odbidx_count(x) - 1);
		wake(ref, nref, &ref[k], cmp_waiter_oid, ents_of(x), stack, top);
	}
	return NULL;
}

/* Deltas whose base came later in the pack (or is itself such a delta, or is outside the pack): resolve them
 * as their bases become known, each once. What is left waits for a base that is missing or part of a cycle. */
static const struct pn_error *
resolve_waiting(struct pn_odbidx *x, const uint32_t *waiting, size_t nw, const struct pn_odbidx_thin *thin)
{
	struct ient *ents = ents_of(x);
	struct waiter *ofs = NULL, *ref = NULL, key;
	size_t nofs = 0, nref = 0, top = 0;
	uint32_t *stack = NULL, b;
	const struct pn_error *err = NULL;
	char hex[PN_OID_HEX_MAX];
	int thinned = thin == NULL;

	if ((ofs = calloc(nw, sizeof(*ofs))) == NULL || (ref = calloc(nw, sizeof(*ref))) == NULL ||
	    (stack = calloc(nw, sizeof(*stack))) == NULL) {
		err = pn_error(PN_ERR_NOMEM);
		goto done;
	}
	for (size_t k = 0; k < nw; k++) {
		uint32_t i = waiting[k];

		if ((err = base_of(x, i, &b)) != NULL)
			goto done;
		if (ents[i].type == PN_OBJ_REF_DELTA) {
			memcpy(ref[nref].oid, x->refs.data + ents[i].base * PN_OID_SHA1_LEN, PN_OID_SHA1_LEN);
			ref[nref++].i = i;
		} else {
			ofs[nofs].base = b;
			ofs[nofs++].i = i;
		}
		if (b != NONE && ents[b].state == E_DONE) {
			ents[i].state = E_QUEUED;
			stack[top++] = i;
		}
	}
	qsort(ofs, nofs, sizeof(*ofs), cmp_waiter_base);
	qsort(ref, nref, sizeof(*ref), cmp_waiter_oid);
	for (;;) {
		while (top > 0) {
			uint32_t i = stack[--top];

			if ((err = base_of(x, i, &b)) != NULL)
				goto done;
			if (b == NONE || ents[b].state != E_DONE) {
				err = pn_error_fmt(PN_ERR_INTERNAL, "pack offset %llu: queued delta without a base",
				    (unsigned long long)ents[i].offset);
				goto done;
			}
			if ((err = resolve_one(x, i, b)) != NULL)
				goto done;
			key.base = i;
			wake(ofs, nofs, &key, cmp_waiter_base, ents, stack, &top);
			memcpy(key.oid, ents[i].oid, PN_OID_SHA1_LEN);
			wake(ref, nref, &key, cmp_waiter_oid, ents, stack, &top);
		}
		if (thinned)
			break;
		/* every delta whose base is in the pack is resolved: the rest may be bases from the store (once
		 * each; an appended base can only wake REF_DELTAs, whose own results may wake more) */
		thinned = 1;
		if ((err = complete_thin(x, thin, ref, nref, stack, &top)) != NULL)
			goto done;
		ents = ents_of(x);	/* the table may have moved */
	}
	for (size_t k = 0; k < nw; k++) {
		const struct ient *e = &ents[waiting[k]];

		if (e->state == E_DONE)
			continue;
		if (e->type == PN_OBJ_REF_DELTA)
			err = pn_error_fmt(PN_ERR_PARSE, "pack offset %llu: REF_DELTA base %s cannot be resolved: it is "
			    "in neither this pack nor the store, or part of a delta cycle", (unsigned long long)e->offset,
			    hex20((const uint8_t *)x->refs.data + e->base * PN_OID_SHA1_LEN, hex));
		else
			err = pn_error_fmt(PN_ERR_PARSE, "pack offset %llu: its OFS_DELTA base at offset %llu cannot be "
			    "resolved", (unsigned long long)e->offset, (unsigned long long)e->base);
		break;
	}
done:
	free(ofs);
	free(ref);
	free(stack);
	return err;
}

const struct pn_error *
pn_odbidx_resolve(struct pn_odbidx *x, struct pn_packread *r, struct pn_pack_file *f, const char *path,
    const struct pn_odbidx_thin *thin)
{
	struct ient *ents = ents_of(x);
	uint32_t n = pn_odbidx_count(x), b;
	struct pn_buf waiting;
	size_t cap = HASH_MIN, most = (size_t)n + x->refs.len / PN_OID_SHA1_LEN;
	const struct pn_error *err = NULL;

	pn_buf_init(&waiting, checked_mul(n, sizeof(uint32_t)), "waiting deltas");
	while (cap < most * 2)
		cap *= 2;
	free(x->hash);
	if ((x->hash = calloc(cap, sizeof(*x->hash))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	x->hash_mask = cap - 1;
	x->reader = r;
	x->file = f;
	x->path = path;
	f->find = find_in_pack;
	f->arg = x;
	for (uint32_t i = 0; i < n; i++)
		if (ents[i].state == E_DONE)
			hash_insert(x, i);
	for (uint32_t i = 0; i < n; i++) {
		if (ents[i].state == E_DONE)
			continue;
		if ((err = base_of(x, i, &b)) != NULL)
			goto done;
		if (b == NONE || ents[b].state != E_DONE) {
			ents[i].state = E_WAITING;
			if ((err = pn_buf_add(&waiting, &i, sizeof(i))) != NULL)
				goto done;
			continue;
		}
		if ((err = resolve_one(x, i, b)) != NULL)
			goto done;
	}
	if (waiting.len > 0)
		err = resolve_waiting(x, (const uint32_t *)waiting.data, waiting.len / sizeof(uint32_t), thin);
done:
	pn_buf_release(&waiting);
	return err;
}

/* By id, then by chain depth (bytes 37-39 while sorting). */
static int
cmp_record(const void *a, const void *b)
{
	int c = memcmp(a, b, PN_OID_SHA1_LEN);

	return c != 0 ? c : memcmp((const uint8_t *)a + 37, (const uint8_t *)b + 37, 3);
}

const struct pn_error *
pn_odbidx_write(const struct pn_odbidx *x, const struct pn_oid *checksum, uint64_t pack_size, int fd,
    const char *path)
{
	const struct ient *ents = ents_of(x);
	size_t n = pn_odbidx_count(x), u = 0, len;
	uint8_t *buf, *recs;
	const struct pn_error *err;

	if (n > (SIZE_MAX - IDX_RECORDS_AT - IDX_TRAILER_LEN) / IDX_RECORD_LEN)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "pack index of %zu objects is too large", n);
	if ((buf = calloc(1, IDX_RECORDS_AT + n * IDX_RECORD_LEN + IDX_TRAILER_LEN)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	recs = buf + IDX_RECORDS_AT;
	for (size_t i = 0; i < n; i++) {
		uint8_t *r = recs + i * IDX_RECORD_LEN;

		memcpy(r, ents[i].oid, PN_OID_SHA1_LEN);
		put64(r + 20, ents[i].offset);
		put64(r + 28, ents[i].size);
		r[36] = ents[i].otype;
		/* the chain depth, while sorting (<= PN_DELTA_CHAIN_MAX: 3 bytes are plenty) */
		r[37] = (uint8_t)(ents[i].depth >> 16);
		r[38] = (uint8_t)(ents[i].depth >> 8);
		r[39] = (uint8_t)ents[i].depth;
	}
	qsort(recs, n, IDX_RECORD_LEN, cmp_record);
	/* A duplicate object keeps one record: the one with the shortest delta chain. Then the base of every
	 * record's delta has a record of a strictly shorter chain, so that no choice can make a cycle (A as a delta
	 * on B in one entry, B as a delta on A in another, both also present whole: a thin pack can be so). */
	for (size_t i = 0; i < n; i++) {
		uint8_t *r = recs + i * IDX_RECORD_LEN;

		if (u == 0 || memcmp(recs + (u - 1) * IDX_RECORD_LEN, r, PN_OID_SHA1_LEN) != 0)
			memmove(recs + u++ * IDX_RECORD_LEN, r, IDX_RECORD_LEN);
	}
	for (size_t i = 0; i < u; i++)
		memset(recs + i * IDX_RECORD_LEN + 37, 0, 3);
	memcpy(buf, idx_magic, sizeof(idx_magic));
	put32(buf + 4, PN_ODBIDX_VERSION);
	put32(buf + 8, PN_OID_SHA1_LEN);
	put32(buf + 12, (uint32_t)u);
	put64(buf + 16, pack_size);
	memcpy(buf + 24, checksum->b, PN_OID_SHA1_LEN);
	for (size_t i = 0, b = 0; b < IDX_FANOUT; b++) {
		while (i < u && recs[i * IDX_RECORD_LEN] <= b)
			i++;
		put32(buf + IDX_HEADER_LEN + 4 * b, (uint32_t)i);
	}
	len = IDX_RECORDS_AT + u * IDX_RECORD_LEN;
	if ((err = pn_sha1(buf, len, buf + len, path)) == NULL)
		err = write_full(fd, UINT64_MAX, buf, len + IDX_TRAILER_LEN, "the index", path);
	free(buf);
	return err;
}
