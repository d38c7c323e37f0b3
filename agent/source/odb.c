#include "odb.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../platform/atomic.h"
#include "../../platform/crash.h"
#include "../core/banned.h"
#include "odbidx.h"
#include "sha1.h"

/* Longest "<type> <size>\0" object header. */
#define OBJ_HEADER_MAX 32

static const char pack_prefix[] = "pack-";
static const char pack_suffix[] = ".pack";
static const char idx_suffix[] = ".pnidx";
static const char tmp_prefix[] = ".tmp-";
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
	struct timespec mtime;	/* of the index: when the pack was committed */
	int marked;
};

struct pn_odb {
	char dir[PATH_MAX];	/* <state_dir>/objects */
	struct pn_pack_limits limits;
	struct pack *packs[PN_ODB_MAX_PACKS];	/* oldest first */
	size_t npacks;
	unsigned next_id;
	struct pn_packread *reader;
	int lock;		/* a writer's flock on <state_dir>/lock; -1: a reader */
};

struct pn_odb_ingest {
	struct pn_odb *odb;
	struct pn_pack *parser;
	struct pn_odbidx *idx;
	int fd;
	char tmp[PATH_MAX];
	char tmp_idx[PATH_MAX];
	uint8_t *wbuf;
	size_t wlen;
	int wrote;		/* any pack data written yet (the "pack-write" crash point) */
	uint32_t entries;	/* entries the parser has checked so far */
	struct pn_packread *reader;
	struct pn_pack_file file;	/* the temporary pack, for the second pass */
	const struct pn_error *err;
	struct pn_error err_store;
};

static void
oid_set(struct pn_oid *o, const uint8_t *b)
{
	memset(o, 0, sizeof(*o));
	o->len = PN_OID_SHA1_LEN;
	memcpy(o->b, b, PN_OID_SHA1_LEN);
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
write_error(const char *path)
{
	if (errno == ENOSPC || errno == EFBIG || errno == EDQUOT)
		return pn_error_errno_fmt("disk full or file size limit while writing the pack %s", path);
	return pn_error_errno_fmt("write %s", path);
}

/* Write all of n bytes at `off`, or at the file position when off is UINT64_MAX. */
static const struct pn_error *
write_full(int fd, uint64_t off, const void *buf, size_t n, const char *path)
{
	const uint8_t *b = buf;

	while (n > 0) {
		ssize_t w = off == UINT64_MAX ? write(fd, b, n) : pwrite(fd, b, n, (off_t)off);

		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return write_error(path);
		b += w;
		n -= (size_t)w;
		if (off != UINT64_MAX)
			off += (uint64_t)w;
	}
	return NULL;
}

const struct pn_error *
pn_odb_hash(enum pn_obj_type type, const void *data, size_t len, struct pn_oid *out)
{
	struct pn_sha1 s;
	char head[OBJ_HEADER_MAX];
	uint8_t d[PN_OID_SHA1_LEN];
	const struct pn_error *err;
	int n = snprintf(head, sizeof(head), "%s %zu", pn_pack_type_name(type), len);

	if (n < 0 || (size_t)n >= sizeof(head) || type < PN_OBJ_COMMIT || type > PN_OBJ_TAG)
		return pn_error_fmt(PN_ERR_INTERNAL, "object hash: bad type %d", (int)type);
	pn_sha1_init(&s);
	pn_sha1_update(&s, head, (size_t)n + 1);
	pn_sha1_update(&s, data, len);
	if ((err = pn_sha1_final(&s, d, "an object")) != NULL)
		return err;
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

/* Open and check pack `hex`: its index, then the pack's size and trailer. *gone: one of its files vanished
 * (a writer removed the pack meanwhile). */
static const struct pn_error *
load_pack(struct pn_odb *odb, const char *hex, struct pack **out, int *gone)
{
	const struct pn_error *err = NULL;
	char ipath[PATH_MAX], ppath[PATH_MAX];
	uint8_t trailer[PN_PACK_TRAILER_LEN];
	struct pn_odbidx_info info;
	struct pack *p;
	struct stat st;
	void *map;
	int fd = -1;

	*out = NULL;
	*gone = 0;
	if ((err = pack_path(odb, hex, idx_suffix, ipath, sizeof(ipath))) != NULL ||
	    (err = pack_path(odb, hex, pack_suffix, ppath, sizeof(ppath))) != NULL)
		return err;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	p->fd = -1;
	if ((fd = open(ipath, O_RDONLY | O_CLOEXEC)) == -1 || fstat(fd, &st) == -1) {
		*gone = errno == ENOENT;
		err = pn_error_errno_fmt("open %s", ipath);
		goto done;
	}
	p->mtime = st.st_mtim;
	if (st.st_size < PN_ODBIDX_MIN_LEN || (uint64_t)st.st_size > SIZE_MAX) {
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
	if ((err = pn_odbidx_verify(p->idx, p->idx_len, hex, ipath, &info)) != NULL)
		goto done;
	p->count = info.count;
	p->size = info.pack_size;
	p->checksum = info.checksum;
	if ((p->fd = open(ppath, O_RDONLY | O_CLOEXEC)) == -1 || fstat(p->fd, &st) == -1) {
		*gone = errno == ENOENT;
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

static const struct pn_error *
index_find(void *arg, const uint8_t *oid, uint64_t *offset)
{
	const uint8_t *r = pn_odbidx_lookup(((const struct pack *)arg)->idx, oid);

	if (r == NULL)
		return pn_error(PN_ERR_NOT_FOUND);
	*offset = pn_odbidx_offset(r);
	return NULL;
}

/* Whether `name` is pack-<40 hex digits><suffix>; the hex digits go to hex. */
static int
pack_name(const char *name, const char *suffix, char *hex)
{
	size_t pl = sizeof(pack_prefix) - 1, hl = PN_OID_SHA1_LEN * 2;

	if (strlen(name) != pl + hl + strlen(suffix) || memcmp(name, pack_prefix, pl) != 0 ||
	    strcmp(name + pl + hl, suffix) != 0)
		return 0;
	for (size_t i = pl; i < pl + hl; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return 0;
	memcpy(hex, name + pl, hl);
	hex[hl] = '\0';
	return 1;
}

static int
cmp_age(const void *a, const void *b)
{
	const struct pack *p = *(struct pack *const *)a, *q = *(struct pack *const *)b;

	if (p->mtime.tv_sec != q->mtime.tv_sec)
		return p->mtime.tv_sec < q->mtime.tv_sec ? -1 : 1;
	if (p->mtime.tv_nsec != q->mtime.tv_nsec)
		return p->mtime.tv_nsec < q->mtime.tv_nsec ? -1 : 1;
	return strcmp(p->hex, q->hex);
}

static const struct pn_error *
load_packs(struct pn_odb *odb)
{
	const struct pn_error *err = NULL;
	struct dirent *de;
	DIR *d;

	if ((d = opendir(odb->dir)) == NULL)
		return pn_error_errno_fmt("open directory %s", odb->dir);
	while ((errno = 0, de = readdir(d)) != NULL) {
		char hex[PN_OID_HEX_MAX];
		int gone;

		if (!pack_name(de->d_name, idx_suffix, hex))
			continue;
		if (odb->npacks == PN_ODB_MAX_PACKS) {
			err = pn_error_fmt(PN_ERR_TOO_LARGE, "%s: more than %d packs (PN_ODB_MAX_PACKS)", odb->dir,
			    PN_ODB_MAX_PACKS);
			break;
		}
		if ((err = load_pack(odb, hex, &odb->packs[odb->npacks], &gone)) != NULL) {
			if (gone && odb->lock == -1) {
				err = NULL;	/* removed by a writer while we looked */
				continue;
			}
			break;
		}
		odb->npacks++;
	}
	if (err == NULL && errno != 0)
		err = pn_error_errno_fmt("read directory %s", odb->dir);
	closedir(d);
	if (err == NULL)
		qsort(odb->packs, odb->npacks, sizeof(odb->packs[0]), cmp_age);
	return err;
}

static const struct pn_error *
objects_dir(const char *state_dir, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/objects", state_dir);

	if (n < 0 || (size_t)n >= len)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "path too long: %s/objects", state_dir);
	if (mkdir(buf, 0700) == -1 && errno != EEXIST)
		return pn_error_errno_fmt("create %s", buf);
	return NULL;
}

static const struct pn_error *
open_store(const char *state_dir, const struct pn_pack_limits *limits, int lock, struct pn_odb **out)
{
	const struct pn_error *err = NULL;
	struct pn_odb *odb;

	*out = NULL;
	if ((odb = calloc(1, sizeof(*odb))) == NULL) {
		if (lock != -1)
			close(lock);
		return pn_error(PN_ERR_NOMEM);
	}
	odb->lock = lock;
	if (limits != NULL)
		odb->limits = *limits;
	else
		pn_pack_limits_default(&odb->limits);
	if ((err = objects_dir(state_dir, odb->dir, sizeof(odb->dir))) != NULL ||
	    (err = pn_packread_new(&odb->limits, odb->dir, &odb->reader)) != NULL ||
	    (err = load_packs(odb)) != NULL) {
		pn_odb_close(odb);
		return err;
	}
	*out = odb;
	return NULL;
}

const struct pn_error *
pn_odb_open(const char *state_dir, const struct pn_pack_limits *limits, struct pn_odb **out)
{
	return open_store(state_dir, limits, -1, out);
}

/* What an interrupted writer may leave in objects/: temporaries, a pack without its index (renamed, then the
 * crash), an index without its pack (never made by pinion; useless). The caller holds the lock. */
static const struct pn_error *
clean_objects(const char *dir)
{
	const struct pn_error *err = NULL;
	char path[PATH_MAX], other[PATH_MAX], hex[PN_OID_HEX_MAX];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return pn_error_errno_fmt("open directory %s", dir);
	while ((errno = 0, de = readdir(d)) != NULL) {
		int stale = strncmp(de->d_name, tmp_prefix, sizeof(tmp_prefix) - 1) == 0, n;
		struct stat st;

		if (!stale && pack_name(de->d_name, pack_suffix, hex)) {
			n = snprintf(other, sizeof(other), "%s/%s%s%s", dir, pack_prefix, hex, idx_suffix);
			stale = n > 0 && (size_t)n < sizeof(other) && stat(other, &st) == -1 && errno == ENOENT;
		} else if (!stale && pack_name(de->d_name, idx_suffix, hex)) {
			n = snprintf(other, sizeof(other), "%s/%s%s%s", dir, pack_prefix, hex, pack_suffix);
			stale = n > 0 && (size_t)n < sizeof(other) && stat(other, &st) == -1 && errno == ENOENT;
		}
		if (!stale)
			continue;
		n = snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (n > 0 && (size_t)n < sizeof(path) && unlink(path) == -1 && errno != ENOENT) {
			err = pn_error_errno_fmt("remove %s", path);
			break;
		}
		errno = 0;
	}
	if (err == NULL && errno != 0)
		err = pn_error_errno_fmt("read directory %s", dir);
	closedir(d);
	return err;
}

const struct pn_error *
pn_odb_open_writer(const char *state_dir, const struct pn_pack_limits *limits, struct pn_odb **out)
{
	const struct pn_error *err;
	char path[PATH_MAX], dir[PATH_MAX];
	int fd, n;

	*out = NULL;
	n = snprintf(path, sizeof(path), "%s/%s", state_dir, PN_ODB_LOCK_NAME);
	if (n < 0 || (size_t)n >= sizeof(path))
		return pn_error_fmt(PN_ERR_TOO_LARGE, "path too long: %s/%s", state_dir, PN_ODB_LOCK_NAME);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1)
		return pn_error_errno_fmt("open %s", path);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		err = errno == EWOULDBLOCK ? pn_error_fmt(PN_ERR_UNAVAILABLE, "%s: another pinion process is writing to "
		    "%s (it holds this lock); try again when it is done", path, state_dir) :
		    pn_error_errno_fmt("lock %s", path);
		close(fd);
		return err;
	}
	if ((err = objects_dir(state_dir, dir, sizeof(dir))) != NULL || (err = clean_objects(dir)) != NULL ||
	    (err = pn_atomic_clean(state_dir, NULL)) != NULL) {
		close(fd);
		return err;
	}
	return open_store(state_dir, limits, fd, out);
}

void
pn_odb_close(struct pn_odb *odb)
{
	if (odb == NULL)
		return;
	for (size_t i = 0; i < odb->npacks; i++)
		pack_free(odb->packs[i]);
	pn_packread_free(odb->reader);
	if (odb->lock != -1)
		close(odb->lock);	/* releases the flock */
	free(odb);
}

const struct pn_pack_limits *
pn_odb_limits(const struct pn_odb *odb)
{
	return &odb->limits;
}

size_t
pn_odb_pack_count(const struct pn_odb *odb)
{
	return odb->npacks;
}

/* The newest pack holding oid, with its record. */
static const struct pn_error *
find_object(struct pn_odb *odb, const uint8_t *oid, struct pack **pack, const uint8_t **rec)
{
	char hex[PN_OID_HEX_MAX];
	struct pn_oid o;

	for (size_t i = odb->npacks; i-- > 0;) {
		if ((*rec = pn_odbidx_lookup(odb->packs[i]->idx, oid)) != NULL) {
			*pack = odb->packs[i];
			return NULL;
		}
	}
	oid_set(&o, oid);
	return pn_error_fmt(PN_ERR_NOT_FOUND, "object %s is not in the object store", pn_oid_to_hex(&o, hex));
}

static const struct pn_error *
check_len(const struct pn_oid *oid)
{
	if (oid->len != PN_OID_SHA1_LEN)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "object ids of %u bytes are not supported", oid->len);
	return NULL;
}

const struct pn_error *
pn_odb_stat(struct pn_odb *odb, const struct pn_oid *oid, enum pn_obj_type *type, uint64_t *size)
{
	const struct pn_error *err;
	const uint8_t *r;
	struct pack *p;

	if ((err = check_len(oid)) != NULL || (err = find_object(odb, oid->b, &p, &r)) != NULL)
		return err;
	if (type != NULL)
		*type = pn_odbidx_type(r);
	if (size != NULL)
		*size = pn_odbidx_size(r);
	return NULL;
}

int
pn_odb_has(struct pn_odb *odb, const struct pn_oid *oid)
{
	return pn_odb_stat(odb, oid, NULL, NULL) == NULL;
}

static void
pack_file(struct pack *p, struct pn_pack_file *f)
{
	f->fd = p->fd;
	f->end = p->size - PN_PACK_TRAILER_LEN;
	f->id = p->id;
	f->find = index_find;
	f->arg = p;
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

	if ((err = check_len(oid)) != NULL || (err = find_object(odb, oid->b, &p, &r)) != NULL)
		return err;
	if ((size = pn_odbidx_size(r)) > out->max - out->len)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "object %s is %llu bytes, more than the %zu allowed for %s",
		    pn_oid_to_hex(oid, hex), (unsigned long long)size, out->max - out->len, out->what);
	pack_file(p, &f);
	err = pn_packread_read(odb->reader, &f, pn_odbidx_offset(r), 0, &t, out);
	pn_packread_trim(odb->reader);
	if (err == NULL && (t != pn_odbidx_type(r) || out->len - start != size))
		err = pn_error_fmt(PN_ERR_PARSE, "object %s in pack %s: read a %s of %zu bytes, the index says a %s "
		    "of %llu", pn_oid_to_hex(oid, hex), p->hex, pn_pack_type_name(t), out->len - start,
		    pn_pack_type_name(pn_odbidx_type(r)), (unsigned long long)size);
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

/* pn_odb_stream: the object checked against its id as it streams by. */
struct checked {
	const struct pn_pack_out *out;
	struct pn_sha1 sha;
};

static const struct pn_error *
checked_begin(void *arg, enum pn_obj_type type, uint64_t size)
{
	struct checked *c = arg;
	char head[OBJ_HEADER_MAX];
	int n = snprintf(head, sizeof(head), "%s %llu", pn_pack_type_name(type), (unsigned long long)size);

	pn_sha1_init(&c->sha);
	pn_sha1_update(&c->sha, head, (size_t)n + 1);
	return c->out->begin != NULL ? c->out->begin(c->out->arg, type, size) : NULL;
}

static const struct pn_error *
checked_data(void *arg, const void *p, size_t n)
{
	struct checked *c = arg;

	pn_sha1_update(&c->sha, p, n);
	return c->out->data(c->out->arg, p, n);
}

const struct pn_error *
pn_odb_stream(struct pn_odb *odb, const struct pn_oid *oid, const struct pn_pack_out *out)
{
	struct checked c;
	struct pn_pack_out o = {checked_begin, checked_data, &c};
	const struct pn_error *err;
	struct pn_pack_file f;
	char hex[PN_OID_HEX_MAX];
	uint8_t d[PN_OID_SHA1_LEN];
	const uint8_t *r;
	struct pack *p;

	if ((err = check_len(oid)) != NULL || (err = find_object(odb, oid->b, &p, &r)) != NULL)
		return err;
	c.out = out;
	pack_file(p, &f);
	err = pn_packread_stream(odb->reader, &f, pn_odbidx_offset(r), 0, &o);
	pn_packread_trim(odb->reader);
	if (err == NULL && (err = pn_sha1_final(&c.sha, d, "an object of the store")) == NULL &&
	    memcmp(d, oid->b, sizeof(d)) != 0)
		err = pn_error_fmt(PN_ERR_PARSE, "object %s in pack %s reads back wrong: the store is corrupt",
		    pn_oid_to_hex(oid, hex), p->hex);
	return err;
}

/* The thin-pack hook of odbidx.h: bases from the store. */
static const struct pn_error *
thin_read(void *arg, const uint8_t *oid, const struct pn_pack_out *out)
{
	struct pn_oid o;

	oid_set(&o, oid);
	return pn_odb_stream(arg, &o, out);
}

/*
 * Old packs.
 */

void
pn_odb_mark_clear(struct pn_odb *odb)
{
	for (size_t i = 0; i < odb->npacks; i++)
		odb->packs[i]->marked = 0;
}

const struct pn_error *
pn_odb_mark(struct pn_odb *odb, const struct pn_oid *oid)
{
	const struct pn_error *err;
	const uint8_t *r;
	struct pack *p;

	if ((err = check_len(oid)) != NULL)
		return err;
	for (size_t i = 0; i < odb->npacks; i++)
		if (odb->packs[i]->marked && pn_odbidx_lookup(odb->packs[i]->idx, oid->b) != NULL)
			return NULL;
	if ((err = find_object(odb, oid->b, &p, &r)) != NULL)
		return err;
	p->marked = 1;
	return NULL;
}

static const struct pn_error *
need_writer(const struct pn_odb *odb, const char *what)
{
	if (odb->lock == -1)
		return pn_error_fmt(PN_ERR_INTERNAL, "%s: the store %s was opened for reading", what, odb->dir);
	return NULL;
}

/* Remove pack i: the index first (a pack without an index is not in the store, whatever happens next), then
 * the pack. The directory is not synced. */
static const struct pn_error *
remove_at(struct pn_odb *odb, size_t i)
{
	struct pack *p = odb->packs[i];
	const struct pn_error *err;
	char path[PATH_MAX];

	if ((err = pack_path(odb, p->hex, idx_suffix, path, sizeof(path))) != NULL)
		return err;
	if (unlink(path) == -1)
		return pn_error_errno_fmt("remove %s", path);
	pn_crash_point("old-index-removed");
	memmove(&odb->packs[i], &odb->packs[i + 1], (odb->npacks - i - 1) * sizeof(odb->packs[0]));
	odb->npacks--;
	pn_packread_forget(odb->reader, p->id);
	if ((err = pack_path(odb, p->hex, pack_suffix, path, sizeof(path))) == NULL && unlink(path) == -1)
		err = pn_error_errno_fmt("remove %s", path);
	pack_free(p);
	if (err == NULL)
		pn_crash_point("old-pack-removed");
	return err;
}

const struct pn_error *
pn_odb_prune(struct pn_odb *odb, size_t *removed)
{
	const struct pn_error *err;
	size_t n = 0;

	if (removed != NULL)
		*removed = 0;
	if ((err = need_writer(odb, "remove old packs")) != NULL)
		return err;
	for (size_t i = odb->npacks; i-- > 0;) {
		if (odb->packs[i]->marked)
			continue;
		if ((err = remove_at(odb, i)) != NULL)
			return err;
		n++;
	}
	if (n > 0) {
		if ((err = pn_atomic_sync_dir(odb->dir)) != NULL)
			return err;
		pn_crash_point("old-packs-fsync");
	}
	if (removed != NULL)
		*removed = n;
	return NULL;
}

const struct pn_error *
pn_odb_remove_pack(struct pn_odb *odb, const struct pn_oid *pack)
{
	const struct pn_error *err;
	char hex[PN_OID_HEX_MAX];
	size_t i;

	if ((err = need_writer(odb, "remove a pack")) != NULL)
		return err;
	for (i = 0; i < odb->npacks; i++)
		if (pn_oid_equal(&odb->packs[i]->checksum, pack))
			break;
	if (i == odb->npacks)
		return pn_error_fmt(PN_ERR_NOT_FOUND, "pack %s is not in the object store", pn_oid_to_hex(pack, hex));
	if ((err = remove_at(odb, i)) != NULL)
		return err;
	return pn_atomic_sync_dir(odb->dir);
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

	ing->entries++;
	return pn_odbidx_add(ing->idx, e);
}

uint32_t
pn_odb_ingest_objects(const struct pn_odb_ingest *ing)
{
	return ing->entries;
}

const struct pn_error *
pn_odb_ingest_begin(struct pn_odb *odb, struct pn_odb_ingest **out)
{
	const struct pn_error *err = NULL;
	struct pn_pack_sink sink;
	struct pn_odb_ingest *ing;
	int n;

	*out = NULL;
	if ((err = need_writer(odb, "receive a pack")) != NULL)
		return err;
	if (odb->npacks == PN_ODB_MAX_PACKS)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s: already %d packs (PN_ODB_MAX_PACKS); remove old ones first",
		    odb->dir, PN_ODB_MAX_PACKS);
	if ((ing = calloc(1, sizeof(*ing))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	ing->odb = odb;
	ing->fd = -1;
	if ((err = pn_odbidx_new(&odb->limits, &ing->idx)) != NULL ||
	    (err = pn_packread_new(&odb->limits, odb->dir, &ing->reader)) != NULL)
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
		ing->tmp[0] = '\0';
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
write_pack(struct pn_odb_ingest *ing, const void *data, size_t len)
{
	const struct pn_error *err = write_full(ing->fd, UINT64_MAX, data, len, ing->tmp);

	if (err == NULL && len > 0 && !ing->wrote) {
		ing->wrote = 1;
		pn_crash_point("pack-write");
	}
	return err;
}

static const struct pn_error *
flush_pack(struct pn_odb_ingest *ing)
{
	const struct pn_error *err = write_pack(ing, ing->wbuf, ing->wlen);

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
			return ingest_fail(ing, write_pack(ing, data, len));
	}
	memcpy(ing->wbuf + ing->wlen, data, len);
	ing->wlen += len;
	return NULL;
}

static int
have_pack(const struct pn_odb *odb, const struct pn_oid *checksum)
{
	for (size_t i = 0; i < odb->npacks; i++)
		if (pn_oid_equal(&odb->packs[i]->checksum, checksum))
			return 1;
	return 0;
}

/* Write the index to a new temporary file, fsynced. */
static const struct pn_error *
write_index(struct pn_odb_ingest *ing, const struct pn_oid *checksum, uint64_t pack_size)
{
	const struct pn_error *err;
	size_t dl = strlen(ing->odb->dir);
	int fd;

	/* shorter than the pack's temporary name, which fitted */
	memcpy(ing->tmp_idx, ing->odb->dir, dl);
	memcpy(ing->tmp_idx + dl, idx_template, sizeof(idx_template));
	if ((fd = mkostemp(ing->tmp_idx, O_CLOEXEC)) == -1) {
		err = pn_error_errno_fmt("create %s", ing->tmp_idx);
		ing->tmp_idx[0] = '\0';
		return err;
	}
	if ((err = pn_odbidx_write(ing->idx, checksum, pack_size, fd, ing->tmp_idx)) == NULL) {
		pn_crash_point("index-written");
		if (fsync(fd) == -1)
			err = pn_error_errno_fmt("fsync %s", ing->tmp_idx);
		else
			pn_crash_point("index-fsync");
	}
	if (close(fd) == -1 && err == NULL)
		err = pn_error_errno_fmt("close %s", ing->tmp_idx);
	return err;
}

/* Rename both temporaries into place (pack first: a pack counts only once its index exists) and load it. */
static const struct pn_error *
commit_pack(struct pn_odb_ingest *ing, const struct pn_oid *checksum)
{
	struct pn_odb *odb = ing->odb;
	const struct pn_error *err;
	char hex[PN_OID_HEX_MAX], ppath[PATH_MAX], ipath[PATH_MAX];
	struct pack *p = NULL;
	int gone;

	pn_oid_to_hex(checksum, hex);
	if ((err = pack_path(odb, hex, pack_suffix, ppath, sizeof(ppath))) != NULL ||
	    (err = pack_path(odb, hex, idx_suffix, ipath, sizeof(ipath))) != NULL)
		return err;
	if (rename(ing->tmp, ppath) == -1)
		return pn_error_errno_fmt("rename %s to %s", ing->tmp, ppath);
	ing->tmp[0] = '\0';
	pn_crash_point("pack-renamed");
	if (rename(ing->tmp_idx, ipath) == -1) {
		err = pn_error_errno_fmt("rename %s to %s", ing->tmp_idx, ipath);
		unlink(ppath);	/* an index-less pack is not in the store; do not leave it behind */
		return err;
	}
	ing->tmp_idx[0] = '\0';
	pn_crash_point("index-renamed");
	if ((err = pn_atomic_sync_dir(odb->dir)) != NULL || (pn_crash_point("objects-fsync"), 0) ||
	    (err = load_pack(odb, hex, &p, &gone)) != NULL) {
		/* back to the store as it was, which must keep opening: the index first, as in remove */
		unlink(ipath);
		unlink(ppath);
		return err;
	}
	odb->packs[odb->npacks++] = p;	/* the newest */
	return NULL;
}

const struct pn_error *
pn_odb_ingest_finish(struct pn_odb_ingest *ing, struct pn_oid *pack)
{
	const struct pn_odbidx_thin thin = {thin_read, ing->odb};
	const struct pn_error *err = ing->err;
	struct pn_oid checksum;
	struct stat st;
	uint64_t size;

	if (err != NULL)
		goto done;
	if ((err = pn_pack_finish(ing->parser)) != NULL || (err = flush_pack(ing)) != NULL)
		goto done;
	pn_crash_point("pack-written");
	if (fstat(ing->fd, &st) == -1) {
		err = pn_error_errno_fmt("stat %s", ing->tmp);
		goto done;
	}
	size = (uint64_t)st.st_size;
	pn_pack_checksum(ing->parser, &checksum);
	if (have_pack(ing->odb, &checksum))
		goto done;	/* fetched the same pack again: nothing to add */
	ing->file.fd = ing->fd;
	ing->file.end = size - PN_PACK_TRAILER_LEN;
	ing->file.id = 0;
	if ((err = pn_odbidx_resolve(ing->idx, ing->reader, &ing->file, ing->tmp, &thin)) != NULL)
		goto done;
	pn_packread_trim(ing->reader);
	if (pn_odbidx_appended(ing->idx) > 0) {
		if ((err = pn_odbidx_complete_thin(ing->idx, &ing->file, ing->tmp, &checksum, &size)) != NULL)
			goto done;
		pn_crash_point("pack-thin");
		if (have_pack(ing->odb, &checksum))
			goto done;
	}
	if (fsync(ing->fd) == -1) {
		err = pn_error_errno_fmt("fsync %s", ing->tmp);
		goto done;
	}
	pn_crash_point("pack-fsync");
	if ((err = write_index(ing, &checksum, size)) != NULL)
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
	pn_odbidx_free(ing->idx);
	pn_packread_free(ing->reader);
	free(ing->wbuf);
	free(ing);
}
