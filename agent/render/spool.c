/*
 * The spool file and its document encoding (see spool.h).
 */
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/banned.h"

enum tag {
	TAG_NULL = 0,
	TAG_FALSE = 1,
	TAG_TRUE = 2,
	TAG_STRING = 3,
	TAG_RAW = 4,
	TAG_NUMBER = 5,
	TAG_ARRAY = 6,
	TAG_OBJECT = 7,
};

/* Bytes of a varint holding 64 bits (7 bits a byte). */
#define VARINT_MAX 10
/* Bytes of a number's body: the double, then the int. */
#define NUMBER_BYTES 12
/* Bytes the spool file's name adds to its directory's ("/pinion-spool-XXXXXX"). */
#define SPOOL_NAME "/pinion-spool-XXXXXX"

struct pn_spool {
	int fd;
	char *dir;		/* for messages */
	uint64_t size;		/* bytes written: the end of the file */
	uint64_t max;
	struct pn_buf enc;	/* scratch: one document's encoding */
	struct pn_buf rd;	/* scratch: one record read back */
	uint64_t puts, gets;
};

/* ---- encoding ---- */

static const struct pn_error *
put_varint(struct pn_buf *b, uint64_t v)
{
	unsigned char tmp[VARINT_MAX];
	size_t n = 0;

	do {
		tmp[n] = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v != 0)
			tmp[n] |= 0x80;
		n++;
	} while (v != 0);
	return pn_buf_add(b, tmp, n);
}

static const struct pn_error *
put_bytes(struct pn_buf *b, const char *s)
{
	size_t n = strlen(s);
	const struct pn_error *err;

	if ((err = put_varint(b, n)) != NULL)
		return err;
	return pn_buf_add(b, s, n);
}

static const struct pn_error *
put_tag(struct pn_buf *b, enum tag t)
{
	return pn_buf_addch(b, (char)t);
}

static const struct pn_error *
encode(const cJSON *v, struct pn_buf *b, size_t depth)
{
	const struct pn_error *err;
	unsigned char num[NUMBER_BYTES];
	uint64_t bits;
	uint32_t iv;
	size_t n;

	switch (v->type & 0xff) {
	case cJSON_NULL:
		return put_tag(b, TAG_NULL);
	case cJSON_False:
		return put_tag(b, TAG_FALSE);
	case cJSON_True:
		return put_tag(b, TAG_TRUE);
	case cJSON_String:
	case cJSON_Raw:
		if (v->valuestring == NULL)
			return pn_error_fmt(PN_ERR_INTERNAL, "spool: a %s item without its text",
			    cJSON_IsRaw(v) ? "raw" : "string");
		if ((err = put_tag(b, cJSON_IsRaw(v) ? TAG_RAW : TAG_STRING)) != NULL)
			return err;
		return put_bytes(b, v->valuestring);
	case cJSON_Number:
		memcpy(&bits, &v->valuedouble, sizeof(bits));
		iv = (uint32_t)v->valueint;
		for (int i = 0; i < 8; i++)
			num[i] = (unsigned char)(bits >> (8 * i));
		for (int i = 0; i < 4; i++)
			num[8 + i] = (unsigned char)(iv >> (8 * i));
		if ((err = put_tag(b, TAG_NUMBER)) != NULL)
			return err;
		return pn_buf_add(b, num, sizeof(num));
	case cJSON_Array:
	case cJSON_Object:
		if (depth >= PN_SPOOL_MAX_DEPTH)
			return pn_error_fmt(PN_ERR_TOO_LARGE, "spool: a document nests deeper than %d levels",
			    PN_SPOOL_MAX_DEPTH);
		n = 0;
		for (const cJSON *c = v->child; c != NULL; c = c->next)
			n++;
		if ((err = put_tag(b, cJSON_IsArray(v) ? TAG_ARRAY : TAG_OBJECT)) != NULL ||
		    (err = put_varint(b, n)) != NULL)
			return err;
		for (const cJSON *c = v->child; c != NULL; c = c->next) {
			if (cJSON_IsObject(v)) {
				if (c->string == NULL)
					return pn_error(PN_ERR_INTERNAL);	/* a member without a key */
				if ((err = put_bytes(b, c->string)) != NULL)
					return err;
			}
			if ((err = encode(c, b, depth + 1)) != NULL)
				return err;
		}
		return NULL;
	default:
		return pn_error_fmt(PN_ERR_INTERNAL, "spool: an item of unknown type %d", v->type);
	}
}

const struct pn_error *
pn_spool_encode(const cJSON *doc, struct pn_buf *b)
{
	if (doc == NULL)
		return pn_error_fmt(PN_ERR_INTERNAL, "spool: no document");
	return encode(doc, b, 0);
}

/* ---- decoding ---- */

struct dec {
	const unsigned char *p, *start, *end;
};

static const struct pn_error *
corrupt(const struct dec *d, const char *what)
{
	return pn_error_fmt(PN_ERR_PARSE, "spooled document: %s at byte %zu", what, (size_t)(d->p - d->start));
}

/* A varint in its shortest form: a length or a count, so at most the bytes that follow it (every element
 * takes at least one). */
static const struct pn_error *
get_varint(struct dec *d, uint64_t *out)
{
	uint64_t v = 0;
	unsigned shift = 0;

	for (size_t i = 0; i < VARINT_MAX; i++, shift += 7) {
		unsigned char c;

		if (d->p == d->end)
			return corrupt(d, "truncated length");
		c = *d->p++;
		if (shift == 63 && (c & 0x7e) != 0)
			return corrupt(d, "length overflows 64 bits");
		v |= (uint64_t)(c & 0x7f) << shift;
		if ((c & 0x80) == 0) {
			if (c == 0 && i > 0)
				return corrupt(d, "length not in its shortest form");
			if (v > (uint64_t)(d->end - d->p))
				return corrupt(d, "length larger than what remains");
			*out = v;
			return NULL;
		}
	}
	return corrupt(d, "length longer than 10 bytes");
}

/* A length-prefixed text as a new NUL-terminated string (cJSON's allocator). */
static const struct pn_error *
get_text(struct dec *d, char **out)
{
	const struct pn_error *err;
	uint64_t n;
	char *s;

	*out = NULL;
	if ((err = get_varint(d, &n)) != NULL)
		return err;
	if (memchr(d->p, '\0', (size_t)n) != NULL)
		return corrupt(d, "NUL inside a string");
	if ((s = cJSON_malloc((size_t)n + 1)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	memcpy(s, d->p, (size_t)n);
	s[n] = '\0';
	d->p += n;
	*out = s;
	return NULL;
}

static const struct pn_error *
decode(struct dec *d, size_t depth, cJSON **out)
{
	const struct pn_error *err = NULL;
	cJSON *v = NULL;
	uint64_t n, bits = 0;
	uint32_t iv = 0;
	double dv;
	unsigned char t;

	*out = NULL;
	if (d->p == d->end)
		return corrupt(d, "truncated value");
	t = *d->p++;
	switch (t) {
	case TAG_NULL:
		v = cJSON_CreateNull();
		break;
	case TAG_FALSE:
		v = cJSON_CreateFalse();
		break;
	case TAG_TRUE:
		v = cJSON_CreateTrue();
		break;
	case TAG_STRING:
	case TAG_RAW:
		if ((v = cJSON_CreateNull()) == NULL)
			break;
		if ((err = get_text(d, &v->valuestring)) != NULL)
			goto done;
		v->type = t == TAG_RAW ? cJSON_Raw : cJSON_String;
		break;
	case TAG_NUMBER:
		if ((size_t)(d->end - d->p) < NUMBER_BYTES)
			return corrupt(d, "truncated number");
		for (int i = 0; i < 8; i++)
			bits |= (uint64_t)d->p[i] << (8 * i);
		for (int i = 0; i < 4; i++)
			iv |= (uint32_t)d->p[8 + i] << (8 * i);
		d->p += NUMBER_BYTES;
		memcpy(&dv, &bits, sizeof(dv));
		if ((v = cJSON_CreateNumber(0)) == NULL)
			break;
		v->valuedouble = dv;	/* as stored: cJSON_CreateNumber would clamp valueint from it */
		v->valueint = (int)iv;
		break;
	case TAG_ARRAY:
	case TAG_OBJECT:
		if (depth >= PN_SPOOL_MAX_DEPTH)
			return corrupt(d, "nesting deeper than PN_SPOOL_MAX_DEPTH");
		if ((err = get_varint(d, &n)) != NULL)
			return err;
		if ((v = t == TAG_ARRAY ? cJSON_CreateArray() : cJSON_CreateObject()) == NULL)
			break;
		for (uint64_t i = 0; i < n; i++) {
			char *key = NULL;
			cJSON *c;

			if (t == TAG_OBJECT && (err = get_text(d, &key)) != NULL)
				goto done;
			if ((err = decode(d, depth + 1, &c)) != NULL) {
				cJSON_free(key);
				goto done;
			}
			c->string = key;	/* owned by c now (cJSON_Delete frees it) */
			if (!cJSON_AddItemToArray(v, c)) {	/* links c last; for an object too */
				cJSON_Delete(c);
				err = pn_error(PN_ERR_NOMEM);
				goto done;
			}
		}
		break;
	default:
		d->p--;
		return corrupt(d, "unknown type");
	}
	if (v == NULL)
		return pn_error(PN_ERR_NOMEM);
done:
	if (err != NULL) {
		cJSON_Delete(v);
		return err;
	}
	*out = v;
	return NULL;
}

const struct pn_error *
pn_spool_decode(const void *data, size_t len, cJSON **out)
{
	struct dec d = {data, data, (const unsigned char *)data + len};
	const struct pn_error *err;

	*out = NULL;
	if ((err = decode(&d, 0, out)) != NULL)
		return err;
	if (d.p != d.end) {
		cJSON_Delete(*out);
		*out = NULL;
		return corrupt(&d, "trailing bytes");
	}
	return NULL;
}

/* ---- the file ---- */

const char *
pn_spool_tmpdir(void)
{
	const char *t = getenv("TMPDIR");

	return t != NULL && t[0] != '\0' ? t : "/tmp";
}

const struct pn_error *
pn_spool_new(const char *dir, uint64_t max_bytes, struct pn_spool **out)
{
	const struct pn_error *err = NULL;
	struct pn_spool *sp = NULL;
	char *path = NULL;
	size_t n;

	*out = NULL;
	n = strlen(dir) + sizeof(SPOOL_NAME);
	if ((sp = calloc(1, sizeof(*sp))) == NULL || (path = malloc(n)) == NULL ||
	    (sp->dir = strdup(dir)) == NULL) {
		err = pn_error(PN_ERR_NOMEM);
		goto done;
	}
	sp->fd = -1;
	sp->max = max_bytes;
	pn_buf_init(&sp->enc, PN_SPOOL_MAX_DOC, "a spooled document");
	pn_buf_init(&sp->rd, PN_SPOOL_MAX_DOC, "a spooled document");
	snprintf(path, n, "%s%s", dir, SPOOL_NAME);
	if ((sp->fd = mkostemp(path, O_CLOEXEC)) == -1) {
		err = pn_error_errno_fmt("create the spool file in %s", dir);
		goto done;
	}
	if (unlink(path) == -1) {
		err = pn_error_errno_fmt("unlink the spool file %s", path);
		goto done;
	}
	*out = sp;
	sp = NULL;
done:
	free(path);
	pn_spool_free(sp);
	return err;
}

void
pn_spool_free(struct pn_spool *sp)
{
	if (sp == NULL)
		return;
	if (sp->fd != -1)
		close(sp->fd);
	pn_buf_release(&sp->enc);
	pn_buf_release(&sp->rd);
	free(sp->dir);
	free(sp);
}

uint64_t
pn_spool_size(const struct pn_spool *sp)
{
	return sp->size;
}

void
pn_spool_counts(const struct pn_spool *sp, uint64_t *puts, uint64_t *gets)
{
	*puts = sp->puts;
	*gets = sp->gets;
}

static void
trim(struct pn_buf *b)
{
	if (b->cap > PN_SPOOL_KEEP)
		pn_buf_release(b);
	else
		pn_buf_reset(b);
}

/* Write all of data at off. */
static const struct pn_error *
write_at(struct pn_spool *sp, const void *data, size_t len, uint64_t off)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = pwrite(sp->fd, p, len, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return pn_error_errno_fmt("write the spool file in %s", sp->dir);
		if (w == 0)
			return pn_error_fmt(PN_ERR_ERRNO, "write the spool file in %s: nothing written", sp->dir);
		p += w;
		len -= (size_t)w;
		off += (uint64_t)w;
	}
	return NULL;
}

static const struct pn_error *
read_at(struct pn_spool *sp, void *data, size_t len, uint64_t off)
{
	char *p = data;

	if (off > sp->size || len > sp->size - off)
		return pn_error_fmt(PN_ERR_INTERNAL, "spool: bytes %llu+%zu are past the end (%llu)",
		    (unsigned long long)off, len, (unsigned long long)sp->size);
	while (len > 0) {
		ssize_t r = pread(sp->fd, p, len, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return pn_error_errno_fmt("read the spool file in %s", sp->dir);
		if (r == 0)
			return pn_error_fmt(PN_ERR_ERRNO, "read the spool file in %s: it ends early", sp->dir);
		p += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
	return NULL;
}

/* Room for len more bytes at the end: the offset they go to. */
static const struct pn_error *
reserve(struct pn_spool *sp, size_t len, uint64_t *off)
{
	if (len > sp->max || sp->size > sp->max - len)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "the spool file in %s would exceed its %llu bytes", sp->dir,
		    (unsigned long long)sp->max);
	*off = sp->size;
	return NULL;
}

const struct pn_error *
pn_spool_append(struct pn_spool *sp, const void *data, size_t len, uint64_t *off)
{
	const struct pn_error *err;

	if ((err = reserve(sp, len, off)) != NULL || (err = write_at(sp, data, len, *off)) != NULL)
		return err;
	sp->size += len;
	return NULL;
}

const struct pn_error *
pn_spool_read(struct pn_spool *sp, uint64_t off, void *data, size_t len)
{
	return read_at(sp, data, len, off);
}

const struct pn_error *
pn_spool_put(struct pn_spool *sp, const cJSON *doc, struct pn_spool_slot *slot)
{
	const struct pn_error *err;
	struct pn_spool_slot s = *slot;

	pn_buf_reset(&sp->enc);
	if ((err = pn_spool_encode(doc, &sp->enc)) != NULL)
		goto done;
	if (sp->enc.len <= s.cap) {
		if ((err = write_at(sp, sp->enc.data, sp->enc.len, s.off)) != NULL)
			goto done;
	} else {
		if ((err = pn_spool_append(sp, sp->enc.data, sp->enc.len, &s.off)) != NULL)
			goto done;
		s.cap = (uint32_t)sp->enc.len;
	}
	s.len = (uint32_t)sp->enc.len;
	*slot = s;
	sp->puts++;
done:
	trim(&sp->enc);
	return err;
}

const struct pn_error *
pn_spool_get(struct pn_spool *sp, const struct pn_spool_slot *slot, cJSON **out)
{
	const struct pn_error *err;
	char *p;

	*out = NULL;
	if (slot->cap == 0 || slot->len > slot->cap)
		return pn_error_fmt(PN_ERR_INTERNAL, "spool: reading a slot that holds nothing");
	pn_buf_reset(&sp->rd);
	if ((err = pn_buf_reserve(&sp->rd, slot->len, &p)) == NULL &&
	    (err = read_at(sp, p, slot->len, slot->off)) == NULL) {
		pn_buf_commit(&sp->rd, slot->len);
		sp->gets++;
		if ((err = pn_spool_decode(sp->rd.data, sp->rd.len, out)) != NULL)
			err = pn_error_wrap(err, "spool file in %s, offset %llu", sp->dir, (unsigned long long)slot->off);
	}
	trim(&sp->rd);
	return err;
}
