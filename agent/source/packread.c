#include "packread.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/banned.h"
#include "delta.h"

/* pread all of n bytes at off of a spool file. */
static const struct pn_error *
read_at(int fd, uint64_t off, void *buf, size_t n)
{
	uint8_t *b = buf;

	while (n > 0) {
		ssize_t r = pread(fd, b, n, (off_t)off);

		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return pn_error_errno_fmt("read a spool file at offset %llu", (unsigned long long)off);
		if (r == 0)
			return pn_error_fmt(PN_ERR_INTERNAL, "a spool file is shorter than written (offset %llu)",
			    (unsigned long long)off);
		b += r;
		off += (uint64_t)r;
		n -= (size_t)r;
	}
	return NULL;
}

/* First size of the chain stack; it doubles up to max_chain + 1. */
#define CHAIN_INITIAL 64
static const char spool_template[] = "/.tmp-spool-XXXXXX";

struct cache_slot {
	uint8_t *data;		/* NULL: free */
	size_t len;
	uint64_t offset;
	uint64_t used;		/* LRU clock */
	unsigned pack;
	enum pn_obj_type type;
};

struct pn_packread {
	struct pn_pack_limits limits;
	char spool_dir[PATH_MAX];
	struct cache_slot slots[PN_PACK_CACHE_SLOTS];
	size_t cached;		/* bytes in the cache */
	uint64_t tick;
	uint64_t *chain;	/* offsets of the deltas above the base being resolved */
	size_t chain_cap;
	struct pn_buf work[2];	/* an in-memory base and the next result, alternately */
	int spool[2];		/* the same for larger objects: unlinked temporary files, -1 until needed */
	uint8_t *zin, *zout;	/* PN_PACK_INFLATE_CHUNK each */
	uint8_t *io;		/* PN_PACK_IO_CHUNK: reads from a spooled base */
	uint8_t *wbuf;		/* PN_PACK_IO_CHUNK: writes to a spool file */
	size_t wlen;		/* bytes waiting in wbuf */
};

/* Where one delta step reads its base and puts its result. */
enum { TO_MEM, TO_SPOOL, TO_OUT };

struct step {
	struct pn_packread *r;
	uint64_t offset;	/* of the delta entry */
	enum pn_obj_type type;
	const uint8_t *bmem;	/* the base: in memory, */
	int bfd;		/* or in a spool file */
	uint64_t blen;
	int final, keep;
	int slot;		/* work[slot] or spool[slot] receives the result */
	int to;
	uint64_t len;		/* result bytes so far (spool: its size) */
	const struct pn_pack_out *out;
};

static const struct pn_error *
io_error(const char *what, const char *where)
{
	if (errno == ENOSPC || errno == EFBIG || errno == EDQUOT)
		return pn_error_errno_fmt("disk full or file size limit while writing %s in %s", what, where);
	return pn_error_errno_fmt("write %s in %s", what, where);
}

static const struct pn_error *
spool_open(struct pn_packread *r, int i)
{
	char path[PATH_MAX + sizeof(spool_template)];
	int n;

	if (r->spool[i] != -1)
		return ftruncate(r->spool[i], 0) == -1 ? io_error("a spool file", r->spool_dir) : NULL;
	n = snprintf(path, sizeof(path), "%s%s", r->spool_dir, spool_template);
	if (n < 0 || (size_t)n >= sizeof(path))
		return pn_error_fmt(PN_ERR_TOO_LARGE, "path too long: %s%s", r->spool_dir, spool_template);
	if ((r->spool[i] = mkostemp(path, O_CLOEXEC)) == -1)
		return pn_error_errno_fmt("create %s", path);
	unlink(path);	/* nothing to clean up after a crash; ENOENT: a writer's cleanup was first */
	return NULL;
}

static const struct pn_error *
spool_flush(struct step *s)
{
	struct pn_packread *r = s->r;
	const uint8_t *p = r->wbuf;
	uint64_t at = s->len - r->wlen;

	while (r->wlen > 0) {
		ssize_t w = pwrite(r->spool[s->slot], p, r->wlen, (off_t)at);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return io_error("a spool file", r->spool_dir);
		p += w;
		at += (uint64_t)w;
		r->wlen -= (size_t)w;
	}
	return NULL;
}

/* Result bytes of a step. */
static const struct pn_error *
step_emit(void *arg, const void *p, size_t n)
{
	struct step *s = arg;
	struct pn_packread *r = s->r;
	const struct pn_error *err;

	switch (s->to) {
	case TO_MEM:
		return pn_buf_add(&r->work[s->slot], p, n);
	case TO_OUT:
		return s->out->data(s->out->arg, p, n);
	default:
		while (n > 0) {
			size_t k = PN_PACK_IO_CHUNK - r->wlen < n ? PN_PACK_IO_CHUNK - r->wlen : n;

			memcpy(r->wbuf + r->wlen, p, k);
			r->wlen += k;
			s->len += k;
			p = (const uint8_t *)p + k;
			n -= k;
			if (r->wlen == PN_PACK_IO_CHUNK && (err = spool_flush(s)) != NULL)
				return err;
		}
		return NULL;
	}
}

static const struct pn_error *
step_sizes(void *arg, uint64_t base_size, uint64_t result_size)
{
	struct step *s = arg;
	struct pn_packread *r = s->r;

	(void)base_size;
	if (result_size > r->limits.max_object)
		return pn_pack_too_large(s->offset, result_size, r->limits.max_object, 0);
	s->len = 0;
	r->wlen = 0;
	if (result_size <= PN_PACK_INMEM_MAX && (!s->final || s->keep)) {
		s->to = TO_MEM;
		pn_buf_reset(&r->work[s->slot]);
		return NULL;
	}
	if (s->final) {
		s->to = TO_OUT;
		return s->out->begin != NULL ? s->out->begin(s->out->arg, s->type, result_size) : NULL;
	}
	s->to = TO_SPOOL;
	return spool_open(r, s->slot);
}

static const struct pn_error *
step_copy(void *arg, uint64_t off, uint64_t len)
{
	struct step *s = arg;
	const struct pn_error *err;

	if (s->bmem != NULL)
		return step_emit(s, s->bmem + off, (size_t)len);
	while (len > 0) {
		size_t n = len < PN_PACK_IO_CHUNK ? (size_t)len : PN_PACK_IO_CHUNK;

		if ((err = read_at(s->bfd, off, s->r->io, n)) != NULL || (err = step_emit(s, s->r->io, n)) != NULL)
			return err;
		off += n;
		len -= n;
	}
	return NULL;
}

static const struct pn_error *
step_insert(void *arg, const uint8_t *p, size_t n)
{
	return step_emit(arg, p, n);
}

static const struct pn_error *
step_delta(void *arg, const void *p, size_t n)
{
	return pn_delta_push(arg, p, n);
}

static struct cache_slot *
cache_get(struct pn_packread *r, unsigned pack, uint64_t offset)
{
	for (size_t i = 0; i < PN_PACK_CACHE_SLOTS; i++) {
		struct cache_slot *s = &r->slots[i];

		if (s->data != NULL && s->pack == pack && s->offset == offset) {
			s->used = ++r->tick;
			return s;
		}
	}
	return NULL;
}

static void
cache_drop(struct pn_packread *r, struct cache_slot *s)
{
	r->cached -= s->len;
	free(s->data);
	s->data = NULL;
	s->len = 0;
}

/* Keep a copy of an object; best effort (one larger than the cache, or a failed allocation, is not kept). */
static void
cache_put(struct pn_packread *r, unsigned pack, uint64_t offset, enum pn_obj_type type, const void *data,
    size_t len)
{
	struct cache_slot *free_slot;

	if (len > PN_PACK_CACHE_MAX || cache_get(r, pack, offset) != NULL)
		return;
	for (;;) {
		struct cache_slot *lru = NULL;

		free_slot = NULL;
		for (size_t i = 0; i < PN_PACK_CACHE_SLOTS; i++) {
			struct cache_slot *s = &r->slots[i];

			if (s->data == NULL) {
				if (free_slot == NULL)
					free_slot = s;
			} else if (lru == NULL || s->used < lru->used) {
				lru = s;
			}
		}
		if (free_slot != NULL && r->cached + len <= PN_PACK_CACHE_MAX)
			break;
		if (lru == NULL)
			return;
		cache_drop(r, lru);
	}
	if ((free_slot->data = malloc(len > 0 ? len : 1)) == NULL)
		return;
	if (len > 0)
		memcpy(free_slot->data, data, len);
	free_slot->len = len;
	free_slot->offset = offset;
	free_slot->pack = pack;
	free_slot->type = type;
	free_slot->used = ++r->tick;
	r->cached += len;
}

const struct pn_error *
pn_packread_new(const struct pn_pack_limits *limits, const char *spool_dir, struct pn_packread **out)
{
	struct pn_packread *r;
	int n;

	if ((*out = r = calloc(1, sizeof(*r))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	if (limits != NULL)
		r->limits = *limits;
	else
		pn_pack_limits_default(&r->limits);
	r->spool[0] = r->spool[1] = -1;
	n = snprintf(r->spool_dir, sizeof(r->spool_dir), "%s", spool_dir != NULL ? spool_dir : "/tmp");
	if ((r->zin = malloc(2 * PN_PACK_INFLATE_CHUNK + 2 * PN_PACK_IO_CHUNK)) == NULL || n < 0 ||
	    (size_t)n >= sizeof(r->spool_dir)) {
		pn_packread_free(r);
		*out = NULL;
		return n < 0 || (size_t)n >= sizeof(r->spool_dir) ?
		    pn_error_fmt(PN_ERR_TOO_LARGE, "path too long: %s", spool_dir) : pn_error(PN_ERR_NOMEM);
	}
	r->zout = r->zin + PN_PACK_INFLATE_CHUNK;
	r->io = r->zout + PN_PACK_INFLATE_CHUNK;
	r->wbuf = r->io + PN_PACK_IO_CHUNK;
	pn_buf_init(&r->work[0], PN_PACK_INMEM_MAX, "delta base");
	pn_buf_init(&r->work[1], PN_PACK_INMEM_MAX, "delta base");
	return NULL;
}

void
pn_packread_trim(struct pn_packread *r)
{
	pn_buf_release(&r->work[0]);
	pn_buf_release(&r->work[1]);
	for (size_t i = 0; i < 2; i++) {
		if (r->spool[i] != -1)
			close(r->spool[i]);
		r->spool[i] = -1;
	}
	r->wlen = 0;
}

void
pn_packread_forget(struct pn_packread *r, unsigned id)
{
	for (size_t i = 0; i < PN_PACK_CACHE_SLOTS; i++)
		if (r->slots[i].data != NULL && r->slots[i].pack == id)
			cache_drop(r, &r->slots[i]);
}

void
pn_packread_free(struct pn_packread *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < PN_PACK_CACHE_SLOTS; i++)
		if (r->slots[i].data != NULL)
			cache_drop(r, &r->slots[i]);
	pn_packread_trim(r);
	free(r->chain);
	free(r->zin);
	free(r);
}

static const struct pn_error *
chain_too_long(uint64_t offset, uint32_t max)
{
	return pn_error_fmt(PN_ERR_TOO_LARGE, "pack offset %llu: delta chain longer than %u (PN_DELTA_CHAIN_MAX; "
	    "raise it with --max-delta-chain)", (unsigned long long)offset, max);
}

static const struct pn_error *
chain_push(struct pn_packread *r, size_t n, uint64_t off, uint64_t target)
{
	if (n == r->chain_cap) {
		size_t cap = r->chain_cap == 0 ? CHAIN_INITIAL : r->chain_cap * 2;
		uint64_t *c;

		if (cap > (size_t)r->limits.max_chain + 1)
			cap = (size_t)r->limits.max_chain + 1;
		if (cap <= n || cap > SIZE_MAX / sizeof(*c))
			return chain_too_long(target, r->limits.max_chain);
		if ((c = realloc(r->chain, cap * sizeof(*c))) == NULL)
			return pn_error(PN_ERR_NOMEM);
		r->chain = c;
		r->chain_cap = cap;
	}
	r->chain[n] = off;
	return NULL;
}

static const struct pn_error *
out_begin(const struct pn_pack_out *out, enum pn_obj_type type, uint64_t size)
{
	return out->begin != NULL ? out->begin(out->arg, type, size) : NULL;
}

/* Apply the delta of entry `off` to the base in s, into s's destination. */
static const struct pn_error *
apply_step(struct step *s, const struct pn_pack_file *f, uint64_t off)
{
	static const struct pn_delta_ops ops = {step_sizes, step_copy, step_insert};
	struct pn_packread *r = s->r;
	const struct pn_error *err;
	struct pn_pack_entry e;
	struct pn_delta d;

	if ((err = pn_pack_entry_read(f->fd, f->end, off, &r->limits, &e)) != NULL)
		return err;
	if (e.type < PN_OBJ_OFS_DELTA)
		return pn_error_fmt(PN_ERR_PARSE, "pack offset %llu: changed under the reader", (unsigned long long)off);
	s->offset = off;
	pn_delta_init(&d, s->blen, &ops, s);
	if ((err = pn_pack_entry_stream(f->fd, f->end, &e, r->zin, r->zout, step_delta, &d)) == NULL)
		err = pn_delta_finish(&d);
	if (err == NULL && s->to == TO_SPOOL)
		err = spool_flush(s);
	if (err != NULL && (err->code == PN_ERR_PARSE || err->code == PN_ERR_TOO_LARGE) &&
	    strncmp(err->msg, "pack offset", 11) != 0)
		return pn_error_wrap(err, "pack offset %llu", (unsigned long long)off);
	/* a kept error lives in d, which is about to go */
	return err == &d.err_store ? pn_error_fmt(err->code, "%s", err->msg) : err;
}

const struct pn_error *
pn_packread_stream(struct pn_packread *r, const struct pn_pack_file *f, uint64_t offset, int keep,
    const struct pn_pack_out *out)
{
	const struct pn_error *err;
	struct pn_pack_entry e;
	struct cache_slot *slot;
	struct step s;
	size_t n = 0, stride;
	uint64_t off = offset;

	/* up the chain to a cached object or a full one */
	for (;;) {
		if ((slot = cache_get(r, f->id, off)) != NULL)
			break;
		if ((err = pn_pack_entry_read(f->fd, f->end, off, &r->limits, &e)) != NULL)
			return err;
		if (e.type < PN_OBJ_OFS_DELTA)
			break;
		if (n >= r->limits.max_chain)
			return chain_too_long(offset, r->limits.max_chain);
		if ((err = chain_push(r, n, off, offset)) != NULL)
			return err;
		n++;
		if (e.type == PN_OBJ_OFS_DELTA) {
			off = e.base_offset;
		} else if ((err = f->find(f->arg, e.base.b, &off)) != NULL) {
			char hex[PN_OID_HEX_MAX];

			return pn_error_fmt(err->code, "pack offset %llu: REF_DELTA base %s is not in this pack",
			    (unsigned long long)e.offset, pn_oid_to_hex(&e.base, hex));
		}
	}
	memset(&s, 0, sizeof(s));
	s.r = r;
	s.out = out;
	s.keep = keep;
	s.bfd = -1;
	if (slot != NULL) {
		s.type = slot->type;
		if (n == 0) {
			if ((err = out_begin(out, slot->type, slot->len)) != NULL)
				return err;
			return slot->len > 0 ? out->data(out->arg, slot->data, slot->len) : NULL;
		}
		s.bmem = slot->data;
		s.blen = slot->len;
		s.slot = 1;	/* the first result goes to work[0] / spool[0] */
	} else {
		s.type = e.type;
		s.final = n == 0;
		s.slot = 0;
		s.offset = off;
		/* the object itself (n == 0) or the base of the chain, in memory when small enough */
		if ((err = step_sizes(&s, 0, e.size)) != NULL ||
		    (err = pn_pack_entry_stream(f->fd, f->end, &e, r->zin, r->zout, step_emit, &s)) != NULL ||
		    (s.to == TO_SPOOL && (err = spool_flush(&s)) != NULL))
			return err;
		if (s.to == TO_MEM) {
			s.bmem = (const uint8_t *)r->work[0].data;
			s.blen = r->work[0].len;
			cache_put(r, f->id, off, e.type, s.bmem, (size_t)s.blen);
		} else {
			s.bfd = r->spool[0];
			s.blen = s.len;
		}
		if (n == 0) {
			if (s.to == TO_MEM && (err = out_begin(out, e.type, s.blen)) == NULL && s.blen > 0)
				err = out->data(out->arg, s.bmem, (size_t)s.blen);
			return err;
		}
	}
	/* and down again, applying each delta to the result of the one above. A long walk caches checkpoints
	 * spread along the chain rather than every result (which would evict all else for its last few steps),
	 * so that the next walk on this chain, from anywhere, is short. */
	stride = n / (PN_PACK_CACHE_SLOTS / 4) + 1;
	while (n-- > 0) {
		s.slot = 1 - s.slot;
		s.final = n == 0;
		if ((err = apply_step(&s, f, r->chain[n])) != NULL)
			return err;
		if (s.to == TO_OUT)
			return NULL;
		if (s.to == TO_SPOOL) {
			s.bmem = NULL;
			s.bfd = r->spool[s.slot];
			s.blen = s.len;
			continue;
		}
		s.bmem = (const uint8_t *)r->work[s.slot].data;
		s.blen = r->work[s.slot].len;
		s.bfd = -1;
		if ((n > 0 && n % stride == 0) || n == 0)
			cache_put(r, f->id, r->chain[n], s.type, s.bmem, (size_t)s.blen);
		if (n == 0 && (err = out_begin(out, s.type, s.blen)) == NULL && s.blen > 0)
			err = out->data(out->arg, s.bmem, (size_t)s.blen);
	}
	return err;
}

/* pn_packread_read: the object appended to a buffer. */
struct to_buf {
	struct pn_buf *out;
	uint64_t offset;
	enum pn_obj_type *type;
};

static const struct pn_error *
buf_begin(void *arg, enum pn_obj_type type, uint64_t size)
{
	struct to_buf *b = arg;

	if (size > b->out->max - b->out->len)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "pack offset %llu: object of %llu bytes exceeds the %zu bytes "
		    "allowed for %s", (unsigned long long)b->offset, (unsigned long long)size, b->out->max - b->out->len,
		    b->out->what);
	*b->type = type;
	return NULL;
}

static const struct pn_error *
buf_data(void *arg, const void *p, size_t n)
{
	return pn_buf_add(((struct to_buf *)arg)->out, p, n);
}

const struct pn_error *
pn_packread_read(struct pn_packread *r, const struct pn_pack_file *f, uint64_t offset, int keep,
    enum pn_obj_type *type, struct pn_buf *out)
{
	struct to_buf b = {out, offset, type};
	struct pn_pack_out o = {buf_begin, buf_data, &b};
	size_t start = out->len;
	const struct pn_error *err = pn_packread_stream(r, f, offset, keep, &o);

	if (err != NULL && out->data != NULL) {
		out->len = start;
		out->data[start] = '\0';
	}
	return err;
}
