#include "odb.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/sha1.h>

#include "../../platform/atomic.h"
#include "../core/banned.h"
#include "delta.h"

/* Index layout (see odb.h). */
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

static const char pack_prefix[] = "pack-";
static const char pack_suffix[] = ".pack";
static const char idx_suffix[] = ".pnidx";
static const char pack_template[] = "/.tmp-pack-XXXXXX";
static const char idx_template[] = "/.tmp-idx-XXXXXX";

struct pack {
	struct pn_oid checksum;
	char hex[PN_OID_HEX_MAX];
	int fd;
	uint64_t size;		/* of the pack file */
	const uint8_t *idx;	/* the index, mapped read-only (the file never changes once committed) */
	size_t idx_len;
	uint32_t count;		/* index records */
	unsigned id;		/* the reader's cache key */
};

struct pn_odb {
	char dir[PATH_MAX];	/* <state_dir>/objects */
	struct pn_pack_limits limits;
	struct pack *packs[PN_ODB_MAX_PACKS];
	size_t npacks;
	unsigned next_id;
	struct pn_pack_reader *reader;
};

/* One pack entry while ingesting (pack order = offset order). */
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

struct pn_odb_ingest {
	struct pn_odb *odb;
	struct pn_pack *parser;
	int fd;
	char tmp[PATH_MAX];
	char tmp_idx[PATH_MAX];
	uint8_t *wbuf;
	size_t wlen;
	struct pn_buf entries;	/* struct ient */
	struct pn_buf refs;	/* REF_DELTA base ids */
	uint32_t *hash;		/* resolved ids -> entry index + 1 */
	size_t hash_mask;
	struct pn_pack_reader *reader;
	struct pn_pack_file file;	/* the temporary pack, for the second pass */
	struct pn_buf obj;
	const struct pn_error *err;
	struct pn_error err_store;
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

static void
oid_set(struct pn_oid *o, const uint8_t *b)
{
	memset(o, 0, sizeof(*o));
	o->len = PN_OID_SHA1_LEN;
	memcpy(o->b, b, PN_OID_SHA1_LEN);
}

static const char *
hex20(const uint8_t *b, char *buf)
{
	struct pn_oid o;

	oid_set(&o, b);
	return pn_oid_to_hex(&o, buf);
}

static const struct pn_error *
read_full(int fd, uint64_t off, void *buf, size_t n, const char *path)
{
	uint8_t *b = buf;

	while (n > 0) {
		ssize_t r = pread(fd, b, n, (off_t)off);

		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return pn_error_errno_fmt("read %s", path);
		if (r == 0)
			return pn_error_fmt(PN_ERR_PARSE, "%s: unexpected end of file at offset %llu", path,
			    (unsigned long long)off);
		b += r;
		off += (uint64_t)r;
		n -= (size_t)r;
	}
	return NULL;
}

static const struct pn_error *
write_full(int fd, const void *buf, size_t n, const char *path)
{
	const uint8_t *b = buf;

	while (n > 0) {
		ssize_t w = write(fd, b, n);

		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return pn_error_errno_fmt("write %s", path);
		b += w;
		n -= (size_t)w;
	}
	return NULL;
}

const struct pn_error *
pn_odb_hash(enum pn_obj_type type, const void *data, size_t len, struct pn_oid *out)
{
	mbedtls_sha1_context c;
	char head[OBJ_HEADER_MAX];
	uint8_t d[PN_OID_SHA1_LEN];
	int n = snprintf(head, sizeof(head), "%s %zu", pn_pack_type_name(type), len), rc;

	if (n < 0 || (size_t)n >= sizeof(head) || type < PN_OBJ_COMMIT || type > PN_OBJ_TAG)
		return pn_error_fmt(PN_ERR_INTERNAL, "object hash: bad type %d", (int)type);
	mbedtls_sha1_init(&c);
	rc = mbedtls_sha1_starts(&c);
	if (rc == 0)
		rc = mbedtls_sha1_update(&c, (const unsigned char *)head, (size_t)n + 1);
	if (rc == 0 && len > 0)
		rc = mbedtls_sha1_update(&c, data, len);
	if (rc == 0)
		rc = mbedtls_sha1_finish(&c, d);
	mbedtls_sha1_free(&c);
	if (rc != 0)
		return pn_error_fmt(PN_ERR_INTERNAL, "object hash: SHA-1 failed");
	oid_set(out, d);
	return NULL;
}

/*
 * Committed packs and their indexes.
 */

static const struct pn_error *
pack_path(const struct pn_odb *odb, const char *hex, const char *suffix, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s%s%s", odb->dir, pack_prefix, hex, suffix);

	if (n < 0 || (size_t)n >= len)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "path too long: %s/%s%s%s", odb->dir, pack_prefix, hex, suffix);
	return NULL;
}

static void
pack_free(struct pack *p)
{
	if (p == NULL)
		return;
	if (p->fd != -1)
		close(p->fd);
	if (p->idx != NULL)
		munmap((void *)(uintptr_t)p->idx, p->idx_len);
	free(p);
}

/* Check a mapped index: header, checksum, record order and bounds, fan-out. */
static const struct pn_error *
verify_index(struct pack *p, const char *hex, const char *path)
{
	const uint8_t *x = p->idx;
	uint8_t digest[PN_OID_SHA1_LEN];
	uint32_t counts[IDX_FANOUT] = {0}, sum = 0;
	char chex[PN_OID_HEX_MAX];

	if (p->idx_len < IDX_RECORDS_AT + IDX_TRAILER_LEN || memcmp(x, idx_magic, sizeof(idx_magic)) != 0 ||
	    get32(x + 4) != PN_ODB_INDEX_VERSION || get32(x + 8) != PN_OID_SHA1_LEN || get32(x + 44) != 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: not a version %d pinion index", path, PN_ODB_INDEX_VERSION);
	p->count = get32(x + 12);
	p->size = get64(x + 16);
	oid_set(&p->checksum, x + 24);
	if ((uint64_t)p->idx_len != IDX_RECORDS_AT + (uint64_t)p->count * IDX_RECORD_LEN + IDX_TRAILER_LEN ||
	    p->size < PN_PACK_HEADER_LEN + PN_PACK_TRAILER_LEN || strcmp(pn_oid_to_hex(&p->checksum, chex), hex) != 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: header does not match the file", path);
	if (mbedtls_sha1(x, p->idx_len - IDX_TRAILER_LEN, digest) != 0)
		return pn_error_fmt(PN_ERR_INTERNAL, "%s: SHA-1 failed", path);
	if (memcmp(digest, x + p->idx_len - IDX_TRAILER_LEN, sizeof(digest)) != 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: checksum mismatch (the index is corrupt)", path);
	for (uint32_t i = 0; i < p->count; i++) {
		const uint8_t *r = x + IDX_RECORDS_AT + (size_t)i * IDX_RECORD_LEN;
		uint64_t off = get64(r + 20);

		if ((i > 0 && memcmp(r - IDX_RECORD_LEN, r, PN_OID_SHA1_LEN) >= 0) || off < PN_PACK_HEADER_LEN ||
		    off >= p->size - PN_PACK_TRAILER_LEN || r[36] < PN_OBJ_COMMIT || r[36] > PN_OBJ_TAG ||
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

/* Open and check pack `hex`: its index, then the pack's size and trailer. */
static const struct pn_error *
load_pack(struct pn_odb *odb, const char *hex, struct pack **out)
{
	const struct pn_error *err = NULL;
	char ipath[PATH_MAX], ppath[PATH_MAX];
	uint8_t trailer[PN_PACK_TRAILER_LEN];
	struct pack *p;
	struct stat st;
	void *map;
	int fd = -1;

	*out = NULL;
	if ((err = pack_path(odb, hex, idx_suffix, ipath, sizeof(ipath))) != NULL ||
	    (err = pack_path(odb, hex, pack_suffix, ppath, sizeof(ppath))) != NULL)
		return err;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	p->fd = -1;
	if ((fd = open(ipath, O_RDONLY | O_CLOEXEC)) == -1 || fstat(fd, &st) == -1) {
		err = pn_error_errno_fmt("open %s", ipath);
		goto done;
	}
	if (st.st_size < IDX_RECORDS_AT + IDX_TRAILER_LEN || (uint64_t)st.st_size > SIZE_MAX) {
		err = pn_error_fmt(PN_ERR_PARSE, "%s: not a pinion index (%llu bytes)", ipath,
		    (unsigned long long)st.st_size);
		goto done;
	}
	if ((map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		err = pn_error_errno_fmt("map %s", ipath);
		goto done;
	}
	p->idx = map;
	p->idx_len = (size_t)st.st_size;
	if ((err = verify_index(p, hex, ipath)) != NULL)
		goto done;
	if ((p->fd = open(ppath, O_RDONLY | O_CLOEXEC)) == -1 || fstat(p->fd, &st) == -1) {
		err = pn_error_errno_fmt("open %s", ppath);
		goto done;
	}
	if ((uint64_t)st.st_size != p->size) {
		err = pn_error_fmt(PN_ERR_PARSE, "%s: %llu bytes, its index says %llu", ppath,
		    (unsigned long long)st.st_size, (unsigned long long)p->size);
		goto done;
	}
	if ((err = read_full(p->fd, p->size - sizeof(trailer), trailer, sizeof(trailer), ppath)) != NULL)
		goto done;
	if (memcmp(trailer, p->checksum.b, sizeof(trailer)) != 0) {
		err = pn_error_fmt(PN_ERR_PARSE, "%s: trailer does not match its index", ppath);
		goto done;
	}
	memcpy(p->hex, hex, sizeof(p->hex));
	p->id = ++odb->next_id;
	*out = p;
	p = NULL;
done:
	if (fd != -1)
		close(fd);
	pack_free(p);
	return err;
}

/* The index record of `oid`, or NULL. */
static const uint8_t *
index_lookup(const struct pack *p, const uint8_t *oid)
{
	const uint8_t *fan = p->idx + IDX_HEADER_LEN;
	uint32_t lo = oid[0] == 0 ? 0 : get32(fan + 4 * (oid[0] - 1)), hi = get32(fan + 4 * oid[0]);

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const uint8_t *r = p->idx + IDX_RECORDS_AT + (size_t)mid * IDX_RECORD_LEN;
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

static const struct pn_error *
index_find(void *arg, const uint8_t *oid, uint64_t *offset)
{
	const uint8_t *r = index_lookup(arg, oid);

	if (r == NULL)
		return pn_error(PN_ERR_NOT_FOUND);
	*offset = get64(r + 20);
	return NULL;
}

static int
is_pack_index_name(const char *name)
{
	size_t pl = sizeof(pack_prefix) - 1, sl = sizeof(idx_suffix) - 1, hl = PN_OID_SHA1_LEN * 2;

	if (strlen(name) != pl + hl + sl || memcmp(name, pack_prefix, pl) != 0 || strcmp(name + pl + hl, idx_suffix) != 0)
		return 0;
	for (size_t i = pl; i < pl + hl; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return 0;
	return 1;
}

const struct pn_error *
pn_odb_open(const char *state_dir, const struct pn_pack_limits *limits, struct pn_odb **out)
{
	const struct pn_error *err = NULL;
	struct pn_odb *odb;
	struct dirent *de;
	DIR *d = NULL;
	int n;

	*out = NULL;
	if ((odb = calloc(1, sizeof(*odb))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	if (limits != NULL)
		odb->limits = *limits;
	else
		pn_pack_limits_default(&odb->limits);
	if ((err = pn_pack_reader_new(&odb->limits, &odb->reader)) != NULL)
		goto done;
	n = snprintf(odb->dir, sizeof(odb->dir), "%s/objects", state_dir);
	if (n < 0 || (size_t)n >= sizeof(odb->dir)) {
		err = pn_error_fmt(PN_ERR_TOO_LARGE, "path too long: %s/objects", state_dir);
		goto done;
	}
	if (mkdir(odb->dir, 0700) == -1 && errno != EEXIST) {
		err = pn_error_errno_fmt("create %s", odb->dir);
		goto done;
	}
	if ((d = opendir(odb->dir)) == NULL) {
		err = pn_error_errno_fmt("open directory %s", odb->dir);
		goto done;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		char hex[PN_OID_HEX_MAX];

		if (!is_pack_index_name(de->d_name))
			continue;
		if (odb->npacks == PN_ODB_MAX_PACKS) {
			err = pn_error_fmt(PN_ERR_TOO_LARGE, "%s: more than %d packs (PN_ODB_MAX_PACKS)", odb->dir,
			    PN_ODB_MAX_PACKS);
			goto done;
		}
		memcpy(hex, de->d_name + sizeof(pack_prefix) - 1, PN_OID_SHA1_LEN * 2);
		hex[PN_OID_SHA1_LEN * 2] = '\0';
		if ((err = load_pack(odb, hex, &odb->packs[odb->npacks])) != NULL)
			goto done;
		odb->npacks++;
	}
	if (errno != 0)
		err = pn_error_errno_fmt("read directory %s", odb->dir);
done:
	if (d != NULL)
		closedir(d);
	if (err != NULL) {
		pn_odb_close(odb);
		return err;
	}
	*out = odb;
	return NULL;
}

void
pn_odb_close(struct pn_odb *odb)
{
	if (odb == NULL)
		return;
	for (size_t i = 0; i < odb->npacks; i++)
		pack_free(odb->packs[i]);
	pn_pack_reader_free(odb->reader);
	free(odb);
}

const struct pn_pack_limits *
pn_odb_limits(const struct pn_odb *odb)
{
	return &odb->limits;
}

static const struct pn_error *
find_object(struct pn_odb *odb, const struct pn_oid *oid, struct pack **pack, const uint8_t **rec)
{
	char hex[PN_OID_HEX_MAX];

	if (oid->len != PN_OID_SHA1_LEN)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "object ids of %u bytes are not supported", oid->len);
	for (size_t i = odb->npacks; i-- > 0;) {
		if ((*rec = index_lookup(odb->packs[i], oid->b)) != NULL) {
			*pack = odb->packs[i];
			return NULL;
		}
	}
	return pn_error_fmt(PN_ERR_NOT_FOUND, "object %s is not in the object store", pn_oid_to_hex(oid, hex));
}

const struct pn_error *
pn_odb_stat(struct pn_odb *odb, const struct pn_oid *oid, enum pn_obj_type *type, uint64_t *size)
{
	const struct pn_error *err;
	const uint8_t *r;
	struct pack *p;

	if ((err = find_object(odb, oid, &p, &r)) != NULL)
		return err;
	if (type != NULL)
		*type = (enum pn_obj_type)r[36];
	if (size != NULL)
		*size = get64(r + 28);
	return NULL;
}

int
pn_odb_has(struct pn_odb *odb, const struct pn_oid *oid)
{
	return pn_odb_stat(odb, oid, NULL, NULL) == NULL;
}

const struct pn_error *
pn_odb_read(struct pn_odb *odb, const struct pn_oid *oid, enum pn_obj_type *type, struct pn_buf *out)
{
	const struct pn_error *err;
	char hex[PN_OID_HEX_MAX], got[PN_OID_HEX_MAX];
	size_t start = out->len;
	enum pn_obj_type t;
	struct pn_oid check;
	struct pn_pack_file f;
	const uint8_t *r;
	struct pack *p;
	uint64_t size;

	if ((err = find_object(odb, oid, &p, &r)) != NULL)
		return err;
	if ((size = get64(r + 28)) > out->max - out->len)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "object %s is %llu bytes, more than the %zu allowed for %s",
		    pn_oid_to_hex(oid, hex), (unsigned long long)size, out->max - out->len, out->what);
	f.fd = p->fd;
	f.end = p->size - PN_PACK_TRAILER_LEN;
	f.id = p->id;
	f.find = index_find;
	f.arg = p;
	err = pn_pack_reader_read(odb->reader, &f, get64(r + 20), 0, &t, out);
	pn_pack_reader_trim(odb->reader);
	if (err == NULL && (t != r[36] || out->len - start != size))
		err = pn_error_fmt(PN_ERR_PARSE, "object %s in pack %s: read a %s of %zu bytes, the index says a %s "
		    "of %llu", pn_oid_to_hex(oid, hex), p->hex, pn_pack_type_name(t), out->len - start,
		    pn_pack_type_name((enum pn_obj_type)r[36]), (unsigned long long)size);
	if (err == NULL && (err = pn_odb_hash(t, out->data + start, out->len - start, &check)) == NULL &&
	    !pn_oid_equal(&check, oid))
		err = pn_error_fmt(PN_ERR_PARSE, "object %s in pack %s reads back as %s: the store is corrupt",
		    pn_oid_to_hex(oid, hex), p->hex, pn_oid_to_hex(&check, got));
	if (err != NULL) {
		if (out->data != NULL) {
			out->len = start;
			out->data[start] = '\0';
		}
		return err;
	}
	if (type != NULL)
		*type = t;
	return NULL;
}

const struct pn_error *
pn_odb_remove_pack(struct pn_odb *odb, const struct pn_oid *pack)
{
	const struct pn_error *err;
	char path[PATH_MAX], hex[PN_OID_HEX_MAX];
	struct pack *p;
	size_t i;

	for (i = 0; i < odb->npacks; i++)
		if (pn_oid_equal(&odb->packs[i]->checksum, pack))
			break;
	if (i == odb->npacks)
		return pn_error_fmt(PN_ERR_NOT_FOUND, "pack %s is not in the object store", pn_oid_to_hex(pack, hex));
	p = odb->packs[i];
	/* the index goes first: a pack without an index is not part of the store, whatever happens next */
	if ((err = pack_path(odb, p->hex, idx_suffix, path, sizeof(path))) != NULL)
		return err;
	if (unlink(path) == -1)
		return pn_error_errno_fmt("remove %s", path);
	memmove(&odb->packs[i], &odb->packs[i + 1], (odb->npacks - i - 1) * sizeof(odb->packs[0]));
	odb->npacks--;
	pn_pack_reader_forget(odb->reader, p->id);
	if ((err = pack_path(odb, p->hex, pack_suffix, path, sizeof(path))) == NULL && unlink(path) == -1)
		err = pn_error_errno_fmt("remove %s", path);
	pack_free(p);
	if (err == NULL)
		err = pn_atomic_sync_dir(odb->dir);
	return err;
}

/*
 * Ingest.
 */

static const struct pn_error *
ingest_fail(struct pn_odb_ingest *ing, const struct pn_error *err)
{
	if (err != NULL && ing->err == NULL) {
		ing->err_store = *err;
		ing->err = &ing->err_store;
	}
	return ing->err;
}

static const struct pn_error *
on_entry(void *arg, const struct pn_pack_entry *e)
{
	struct pn_odb_ingest *ing = arg;
	const struct pn_error *err;
	struct ient ie;

	memset(&ie, 0, sizeof(ie));
	ie.offset = e->offset;
	ie.size = e->size;
	ie.type = (uint8_t)e->type;
	if (e->type == PN_OBJ_OFS_DELTA) {
		ie.base = e->base_offset;
	} else if (e->type == PN_OBJ_REF_DELTA) {
		ie.base = ing->refs.len / PN_OID_SHA1_LEN;
		if ((err = pn_buf_add(&ing->refs, e->base.b, PN_OID_SHA1_LEN)) != NULL)
			return err;
	} else {
		memcpy(ie.oid, e->oid.b, PN_OID_SHA1_LEN);
		ie.otype = (uint8_t)e->type;
		ie.state = E_DONE;
	}
	return pn_buf_add(&ing->entries, &ie, sizeof(ie));
}

static size_t
checked_mul(uint64_t a, size_t b)
{
	return a > SIZE_MAX / b ? SIZE_MAX : (size_t)a * b;
}

const struct pn_error *
pn_odb_ingest_begin(struct pn_odb *odb, struct pn_odb_ingest **out)
{
	const struct pn_error *err = NULL;
	struct pn_pack_sink sink;
	struct pn_odb_ingest *ing;
	int n;

	*out = NULL;
	if (odb->npacks == PN_ODB_MAX_PACKS)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s: already %d packs (PN_ODB_MAX_PACKS); remove old ones first",
		    odb->dir, PN_ODB_MAX_PACKS);
	if ((ing = calloc(1, sizeof(*ing))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	ing->odb = odb;
	ing->fd = -1;
	pn_buf_init(&ing->entries, checked_mul(odb->limits.max_objects, sizeof(struct ient)), "pack entry table");
	pn_buf_init(&ing->refs, checked_mul(odb->limits.max_objects, PN_OID_SHA1_LEN), "REF_DELTA base table");
	pn_buf_init(&ing->obj, odb->limits.max_object, "object");
	if ((err = pn_pack_reader_new(&odb->limits, &ing->reader)) != NULL)
		goto done;
	sink.entry = on_entry;
	sink.data = NULL;
	sink.arg = ing;
	if ((err = pn_pack_new(&odb->limits, &sink, &ing->parser)) != NULL)
		goto done;
	if ((ing->wbuf = malloc(PN_ODB_WRITE_BUF)) == NULL) {
		err = pn_error(PN_ERR_NOMEM);
		goto done;
	}
	n = snprintf(ing->tmp, sizeof(ing->tmp), "%s%s", odb->dir, pack_template);
	if (n < 0 || (size_t)n >= sizeof(ing->tmp)) {
		err = pn_error_fmt(PN_ERR_TOO_LARGE, "path too long: %s%s", odb->dir, pack_template);
		goto done;
	}
	if ((ing->fd = mkostemp(ing->tmp, O_CLOEXEC)) == -1) {
		err = pn_error_errno_fmt("create %s", ing->tmp);
		ing->tmp[0] = '\0';
		goto done;
	}
done:
	if (err != NULL) {
		pn_odb_ingest_abort(ing);
		return err;
	}
	*out = ing;
	return NULL;
}

static const struct pn_error *
flush_pack(struct pn_odb_ingest *ing)
{
	const struct pn_error *err = write_full(ing->fd, ing->wbuf, ing->wlen, ing->tmp);

	ing->wlen = 0;
	return err;
}

const struct pn_error *
pn_odb_ingest_push(struct pn_odb_ingest *ing, const void *data, size_t len)
{
	const struct pn_error *err;

	if (ing->err != NULL || len == 0)
		return ing->err;
	/* parse first: the parser enforces the stream budget before the bytes reach the disk */
	if ((err = pn_pack_push(ing->parser, data, len)) != NULL)
		return ingest_fail(ing, err);
	if (len > PN_ODB_WRITE_BUF - ing->wlen) {
		if ((err = flush_pack(ing)) != NULL)
			return ingest_fail(ing, err);
		if (len >= PN_ODB_WRITE_BUF)
			return ingest_fail(ing, write_full(ing->fd, data, len, ing->tmp));
	}
	memcpy(ing->wbuf + ing->wlen, data, len);
	ing->wlen += len;
	return NULL;
}

static size_t
hash_pos(const uint8_t *oid, size_t mask)
{
	return (size_t)get32(oid) & mask;
}

static uint32_t
hash_find(const struct pn_odb_ingest *ing, const uint8_t *oid)
{
	const struct ient *ents = (const struct ient *)ing->entries.data;

	for (size_t pos = hash_pos(oid, ing->hash_mask);; pos = (pos + 1) & ing->hash_mask) {
		uint32_t v = ing->hash[pos];

		if (v == 0)
			return NONE;
		if (memcmp(ents[v - 1].oid, oid, PN_OID_SHA1_LEN) == 0)
			return v - 1;
	}
}

static void
hash_insert(struct pn_odb_ingest *ing, uint32_t i)
{
	const struct ient *ents = (const struct ient *)ing->entries.data;
	size_t pos;

	for (pos = hash_pos(ents[i].oid, ing->hash_mask); ing->hash[pos] != 0; pos = (pos + 1) & ing->hash_mask)
		if (memcmp(ents[ing->hash[pos] - 1].oid, ents[i].oid, PN_OID_SHA1_LEN) == 0)
			return;	/* a duplicate: the first one stays */
	ing->hash[pos] = i + 1;
}

static const struct pn_error *
ingest_find(void *arg, const uint8_t *oid, uint64_t *offset)
{
	struct pn_odb_ingest *ing = arg;
	uint32_t i = hash_find(ing, oid);

	if (i == NONE)
		return pn_error(PN_ERR_NOT_FOUND);
	*offset = ((const struct ient *)ing->entries.data)[i].offset;
	return NULL;
}

/* The entry delta i is based on, or NONE when that is not known (yet). */
static const struct pn_error *
base_of(const struct pn_odb_ingest *ing, uint32_t i, uint32_t *b)
{
	const struct ient *ents = (const struct ient *)ing->entries.data;
	size_t n = ing->entries.len / sizeof(*ents), lo = 0, hi;

	*b = NONE;
	if (ents[i].type == PN_OBJ_REF_DELTA) {
		*b = hash_find(ing, (const uint8_t *)ing->refs.data + ents[i].base * PN_OID_SHA1_LEN);
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

/* Resolve delta i, whose base b is resolved: compute its object and id. */
static const struct pn_error *
resolve_one(struct pn_odb_ingest *ing, uint32_t i, uint32_t b)
{
	struct ient *ents = (struct ient *)ing->entries.data;
	const struct pn_error *err;
	enum pn_obj_type type;
	struct pn_oid oid;

	if (ents[b].depth >= ing->odb->limits.max_chain)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "pack offset %llu: delta chain longer than %u "
		    "(PN_DELTA_CHAIN_MAX; raise max_delta_chain in the configuration)",
		    (unsigned long long)ents[i].offset, ing->odb->limits.max_chain);
	pn_buf_reset(&ing->obj);
	if ((err = pn_pack_reader_read(ing->reader, &ing->file, ents[i].offset, 1, &type, &ing->obj)) != NULL)
		return err;
	if ((err = pn_odb_hash(type, ing->obj.data, ing->obj.len, &oid)) != NULL)
		return err;
	memcpy(ents[i].oid, oid.b, PN_OID_SHA1_LEN);
	ents[i].otype = (uint8_t)type;
	ents[i].size = ing->obj.len;
	ents[i].depth = ents[b].depth + 1;
	ents[i].state = E_DONE;
	hash_insert(ing, i);
	return NULL;
}

static int
cmp_waiter_base(const void *a, const void *b)
{
	const struct waiter *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
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

/* Deltas whose base came later in the pack (or is itself such a delta): resolve them as their bases become
 * known, each once. What is left waits for a base that is missing or part of a cycle. */
static const struct pn_error *
resolve_waiting(struct pn_odb_ingest *ing, const uint32_t *waiting, size_t nw)
{
	struct ient *ents = (struct ient *)ing->entries.data;
	struct waiter *ofs = NULL, *ref = NULL, key;
	size_t nofs = 0, nref = 0, top = 0;
	uint32_t *stack = NULL, b;
	const struct pn_error *err = NULL;
	char hex[PN_OID_HEX_MAX];

	if ((ofs = calloc(nw, sizeof(*ofs))) == NULL || (ref = calloc(nw, sizeof(*ref))) == NULL ||
	    (stack = calloc(nw, sizeof(*stack))) == NULL) {
		err = pn_error(PN_ERR_NOMEM);
		goto done;
	}
	for (size_t k = 0; k < nw; k++) {
		uint32_t i = waiting[k];

		if ((err = base_of(ing, i, &b)) != NULL)
			goto done;
		if (ents[i].type == PN_OBJ_REF_DELTA) {
			memcpy(ref[nref].oid, ing->refs.data + ents[i].base * PN_OID_SHA1_LEN, PN_OID_SHA1_LEN);
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
	while (top > 0) {
		uint32_t i = stack[--top];

		if ((err = base_of(ing, i, &b)) != NULL)
			goto done;
		if (b == NONE || ents[b].state != E_DONE) {
			err = pn_error_fmt(PN_ERR_INTERNAL, "pack offset %llu: queued delta without a base",
			    (unsigned long long)ents[i].offset);
			goto done;
		}
		if ((err = resolve_one(ing, i, b)) != NULL)
			goto done;
		key.base = i;
		wake(ofs, nofs, &key, cmp_waiter_base, ents, stack, &top);
		memcpy(key.oid, ents[i].oid, PN_OID_SHA1_LEN);
		wake(ref, nref, &key, cmp_waiter_oid, ents, stack, &top);
	}
	for (size_t k = 0; k < nw; k++) {
		const struct ient *e = &ents[waiting[k]];

		if (e->state == E_DONE)
			continue;
		if (e->type == PN_OBJ_REF_DELTA)
			err = pn_error_fmt(PN_ERR_PARSE, "pack offset %llu: REF_DELTA base %s cannot be resolved: it is "
			    "not in this pack (a thin pack) or part of a delta cycle", (unsigned long long)e->offset,
			    hex20((const uint8_t *)ing->refs.data + e->base * PN_OID_SHA1_LEN, hex));
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

/* The second pass: every delta resolved, every object id known. */
static const struct pn_error *
resolve_all(struct pn_odb_ingest *ing, uint64_t pack_size)
{
	struct ient *ents = (struct ient *)ing->entries.data;
	uint32_t n = (uint32_t)(ing->entries.len / sizeof(*ents)), b;
	struct pn_buf waiting;
	size_t cap = 16;
	const struct pn_error *err = NULL;

	pn_buf_init(&waiting, checked_mul(n, sizeof(uint32_t)), "waiting deltas");
	while (cap < (size_t)n * 2)
		cap *= 2;
	if ((ing->hash = calloc(cap, sizeof(*ing->hash))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	ing->hash_mask = cap - 1;
	for (uint32_t i = 0; i < n; i++)
		if (ents[i].state == E_DONE)
			hash_insert(ing, i);
	ing->file.fd = ing->fd;
	ing->file.end = pack_size - PN_PACK_TRAILER_LEN;
	ing->file.id = 0;
	ing->file.find = ingest_find;
	ing->file.arg = ing;
	for (uint32_t i = 0; i < n; i++) {
		if (ents[i].state == E_DONE)
			continue;
		if ((err = base_of(ing, i, &b)) != NULL)
			goto done;
		if (b == NONE || ents[b].state != E_DONE) {
			ents[i].state = E_WAITING;
			if ((err = pn_buf_add(&waiting, &i, sizeof(i))) != NULL)
				goto done;
			continue;
		}
		if ((err = resolve_one(ing, i, b)) != NULL)
			goto done;
	}
	if (waiting.len > 0)
		err = resolve_waiting(ing, (const uint32_t *)waiting.data, waiting.len / sizeof(uint32_t));
done:
	pn_buf_release(&waiting);
	return err;
}

static int
cmp_record(const void *a, const void *b)
{
	return memcmp(a, b, PN_OID_SHA1_LEN);
}

/* Build the index of the resolved entries in memory (40 bytes per object, beside the entry table) and write it
 * to a new temporary file, fsynced. */
static const struct pn_error *
write_index(struct pn_odb_ingest *ing, const struct pn_oid *checksum, uint64_t pack_size)
{
	const struct ient *ents = (const struct ient *)ing->entries.data;
	size_t n = ing->entries.len / sizeof(*ents), u = 0, len;
	uint8_t *x, *recs;
	const struct pn_error *err = NULL;
	int fd = -1;

	if (n > (SIZE_MAX - IDX_RECORDS_AT - IDX_TRAILER_LEN) / IDX_RECORD_LEN)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "pack index of %zu objects is too large", n);
	if ((x = calloc(1, IDX_RECORDS_AT + n * IDX_RECORD_LEN + IDX_TRAILER_LEN)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	recs = x + IDX_RECORDS_AT;
	for (size_t i = 0; i < n; i++) {
		uint8_t *r = recs + i * IDX_RECORD_LEN;

		memcpy(r, ents[i].oid, PN_OID_SHA1_LEN);
		put64(r + 20, ents[i].offset);
		put64(r + 28, ents[i].size);
		r[36] = ents[i].otype;
	}
	qsort(recs, n, IDX_RECORD_LEN, cmp_record);
	for (size_t i = 0; i < n; i++) {	/* a duplicate object keeps one record */
		uint8_t *r = recs + i * IDX_RECORD_LEN;

		if (u > 0 && memcmp(recs + (u - 1) * IDX_RECORD_LEN, r, PN_OID_SHA1_LEN) == 0)
			continue;
		memmove(recs + u * IDX_RECORD_LEN, r, IDX_RECORD_LEN);
		u++;
	}
	memcpy(x, idx_magic, sizeof(idx_magic));
	put32(x + 4, PN_ODB_INDEX_VERSION);
	put32(x + 8, PN_OID_SHA1_LEN);
	put32(x + 12, (uint32_t)u);
	put64(x + 16, pack_size);
	memcpy(x + 24, checksum->b, PN_OID_SHA1_LEN);
	for (size_t i = 0, b = 0; b < IDX_FANOUT; b++) {
		while (i < u && recs[i * IDX_RECORD_LEN] <= b)
			i++;
		put32(x + IDX_HEADER_LEN + 4 * b, (uint32_t)i);
	}
	len = IDX_RECORDS_AT + u * IDX_RECORD_LEN;
	if (mbedtls_sha1(x, len, x + len) != 0) {
		err = pn_error_fmt(PN_ERR_INTERNAL, "pack index: SHA-1 failed");
		goto done;
	}
	len += IDX_TRAILER_LEN;
	/* shorter than the pack's temporary name, which fitted */
	memcpy(ing->tmp_idx, ing->odb->dir, strlen(ing->odb->dir));
	memcpy(ing->tmp_idx + strlen(ing->odb->dir), idx_template, sizeof(idx_template));
	if ((fd = mkostemp(ing->tmp_idx, O_CLOEXEC)) == -1) {
		err = pn_error_errno_fmt("create %s", ing->tmp_idx);
		ing->tmp_idx[0] = '\0';
		goto done;
	}
	if ((err = write_full(fd, x, len, ing->tmp_idx)) == NULL && fsync(fd) == -1)
		err = pn_error_errno_fmt("fsync %s", ing->tmp_idx);
done:
	if (fd != -1 && close(fd) == -1 && err == NULL)
		err = pn_error_errno_fmt("close %s", ing->tmp_idx);
	free(x);
	return err;
}

static int
have_pack(const struct pn_odb *odb, const struct pn_oid *checksum)
{
	for (size_t i = 0; i < odb->npacks; i++)
		if (pn_oid_equal(&odb->packs[i]->checksum, checksum))
			return 1;
	return 0;
}

/* Rename both temporaries into place (pack first: a pack counts only once its index exists) and load it. */
static const struct pn_error *
commit_pack(struct pn_odb_ingest *ing, const struct pn_oid *checksum)
{
	struct pn_odb *odb = ing->odb;
	const struct pn_error *err;
	char hex[PN_OID_HEX_MAX], ppath[PATH_MAX], ipath[PATH_MAX];
	struct pack *p = NULL;

	pn_oid_to_hex(checksum, hex);
	if ((err = pack_path(odb, hex, pack_suffix, ppath, sizeof(ppath))) != NULL ||
	    (err = pack_path(odb, hex, idx_suffix, ipath, sizeof(ipath))) != NULL)
		return err;
	if (odb->npacks == PN_ODB_MAX_PACKS)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s: already %d packs (PN_ODB_MAX_PACKS); remove old ones first",
		    odb->dir, PN_ODB_MAX_PACKS);
	if (rename(ing->tmp, ppath) == -1)
		return pn_error_errno_fmt("rename %s to %s", ing->tmp, ppath);
	ing->tmp[0] = '\0';
	if (rename(ing->tmp_idx, ipath) == -1) {
		err = pn_error_errno_fmt("rename %s to %s", ing->tmp_idx, ipath);
		unlink(ppath);	/* an index-less pack is not in the store; do not leave it behind */
		return err;
	}
	ing->tmp_idx[0] = '\0';
	if ((err = pn_atomic_sync_dir(odb->dir)) != NULL || (err = load_pack(odb, hex, &p)) != NULL) {
		/* back to the store as it was, which must keep opening: the index first, as in remove */
		unlink(ipath);
		unlink(ppath);
		return err;
	}
	odb->packs[odb->npacks++] = p;
	return NULL;
}

const struct pn_error *
pn_odb_ingest_finish(struct pn_odb_ingest *ing, struct pn_oid *pack)
{
	const struct pn_error *err = ing->err;
	struct pn_oid checksum;
	struct stat st;

	if (err != NULL)
		goto done;
	if ((err = pn_pack_finish(ing->parser)) != NULL || (err = flush_pack(ing)) != NULL)
		goto done;
	if (fsync(ing->fd) == -1) {
		err = pn_error_errno_fmt("fsync %s", ing->tmp);
		goto done;
	}
	if (fstat(ing->fd, &st) == -1) {
		err = pn_error_errno_fmt("stat %s", ing->tmp);
		goto done;
	}
	pn_pack_checksum(ing->parser, &checksum);
	if (have_pack(ing->odb, &checksum))
		goto done;	/* fetched the same pack again: nothing to add */
	if ((err = resolve_all(ing, (uint64_t)st.st_size)) != NULL ||
	    (err = write_index(ing, &checksum, (uint64_t)st.st_size)) != NULL)
		goto done;
	if (close(ing->fd) == -1) {
		ing->fd = -1;
		err = pn_error_errno_fmt("close %s", ing->tmp);
		goto done;
	}
	ing->fd = -1;
	err = commit_pack(ing, &checksum);
done:
	if (err == NULL && pack != NULL)
		*pack = checksum;
	if (err != NULL) {
		/* the ingest's error lives in it; copy before it is freed */
		struct pn_error copy = *err;

		pn_odb_ingest_abort(ing);
		return pn_error_fmt(copy.code, "%s", copy.msg);
	}
	pn_odb_ingest_abort(ing);
	return NULL;
}

void
pn_odb_ingest_abort(struct pn_odb_ingest *ing)
{
	if (ing == NULL)
		return;
	if (ing->fd != -1)
		close(ing->fd);
	if (ing->tmp[0] != '\0')
		unlink(ing->tmp);
	if (ing->tmp_idx[0] != '\0')
		unlink(ing->tmp_idx);
	pn_pack_free(ing->parser);
	pn_buf_release(&ing->entries);
	pn_buf_release(&ing->refs);
	pn_buf_release(&ing->obj);
	pn_pack_reader_free(ing->reader);
	free(ing->hash);
	free(ing->wbuf);
	free(ing);
}
