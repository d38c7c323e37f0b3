/*
 * Git pack streams (gitformat-pack, version 2 and 3, SHA-1): a push parser for the stream as it arrives from
 * the network, and the random-access pieces the object store uses to read entries back from a pack file.
 *
 * The push parser (pn_pack_new / pn_pack_push / pn_pack_finish) checks everything that can be checked without
 * resolving deltas: the header, the object count (too many and too few), each entry's header (types 0 and 5
 * rejected, OFS_DELTA distances inside the pack), each entry's zlib stream (inflated through a fixed window:
 * the inflated size must be exactly the size in the entry header, which is never used to allocate), and the
 * SHA-1 trailer over the whole stream. It hashes every non-delta object as it inflates
 * (object id = SHA-1("<type> <size>\0" + data)); deltas are resolved later by the object store (odb.h). Every
 * hash is computed with collision detection (sha1.h): an object or a pack carrying a SHA-1 collision attack is
 * refused.
 * The last 20 bytes pushed are held back until pn_pack_finish(), so the trailer is never mistaken for an entry
 * and a short count reads as "the pack ends after N of M objects".
 *
 * Every error names the offset in the pack: "pack offset 1234: ...". The first error is kept: later pushes and
 * pn_pack_finish() return it again.
 */
#ifndef PN_PACK_H
#define PN_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../core/error.h"
#include "oid.h"

/*
 * Limits for untrusted packs. The defaults suit a GitOps repository (YAML, charts, a few images at most) on a
 * small board; the two a user may need to raise (object size, chain depth) are fields of struct
 * pn_pack_limits, set from the command line (--max-object-size, --max-delta-chain).
 */
/* Largest object (and largest delta) accepted, inflated: 128 MiB. Objects over PN_PACK_INMEM_MAX (packread.h)
 * are resolved through spool files, so this bounds the disk and the time a fetch may take, not its memory. */
#define PN_PACK_MAX_OBJECT ((size_t)128 << 20)
/* Most objects in one pack. The object store keeps ~100 bytes per object in memory while indexing (entry
 * table, id hash, index records) and 40 on disk: 100 MiB at this limit; a depth-1 snapshot of the largest
 * surveyed homelab has 602 objects, fluxcd/flux2 872. */
#define PN_PACK_MAX_OBJECTS (1u << 20)
/* Budget for a whole pack stream: 1 GiB. A depth-1 snapshot is kilobytes to a few megabytes; the full
 * history of a large homelab (onedr0p/home-ops, 270k objects) is ~60 MB. */
#define PN_PACK_MAX_SIZE ((uint64_t)1 << 30)
/* Longest delta chain followed. git itself never writes deeper chains (pack-objects caps --depth at 4095);
 * chains are resolved iteratively, so this bounds work, not the C stack. */
#define PN_DELTA_CHAIN_MAX 4095u

/* Fixed sizes of the format. */
#define PN_PACK_HEADER_LEN 12
#define PN_PACK_TRAILER_LEN PN_OID_SHA1_LEN
/* Longest entry header: a 64-bit size varint (10 bytes) plus a REF_DELTA base id (20) or OFS varint (10). */
#define PN_PACK_ENTRY_HEADER_MAX 32
/* Inflate window of the parser and of the entry reader; memory per parser, not per object. */
#define PN_PACK_INFLATE_CHUNK 16384

struct pn_pack_limits {
	size_t max_object;	/* PN_PACK_MAX_OBJECT */
	uint32_t max_objects;	/* PN_PACK_MAX_OBJECTS */
	uint64_t max_size;	/* PN_PACK_MAX_SIZE */
	uint32_t max_chain;	/* PN_DELTA_CHAIN_MAX */
};

/* The defaults above. */
void pn_pack_limits_default(struct pn_pack_limits *l);

/* Object and entry types as the pack stores them (3 bits). 0 is invalid and 5 reserved. */
enum pn_obj_type {
	PN_OBJ_COMMIT = 1,
	PN_OBJ_TREE = 2,
	PN_OBJ_BLOB = 3,
	PN_OBJ_TAG = 4,
	PN_OBJ_OFS_DELTA = 6,
	PN_OBJ_REF_DELTA = 7,
};

/* "commit", "tree", "blob", "tag", "OFS_DELTA", "REF_DELTA" (for messages; the first four as in object ids). */
const char *pn_pack_type_name(enum pn_obj_type type);

/* One entry of a pack. */
struct pn_pack_entry {
	uint64_t offset;	/* of the entry header in the pack */
	uint64_t data_offset;	/* of its zlib stream */
	uint64_t end;		/* one past its zlib stream (set once the entry is complete) */
	uint64_t size;		/* inflated size from the header: of the object, or of the delta data */
	uint64_t base_offset;	/* OFS_DELTA: offset of the base entry */
	struct pn_oid base;	/* REF_DELTA: id of the base object */
	struct pn_oid oid;	/* commit/tree/blob/tag: the object id (push parser only) */
	uint32_t index;		/* position in the pack, from 0 */
	enum pn_obj_type type;
};

/* What the push parser reports. */
struct pn_pack_sink {
	/* Once per entry, after its data was inflated and checked. May be NULL. */
	const struct pn_error *(*entry)(void *arg, const struct pn_pack_entry *e);
	/* The inflated bytes of the current entry, in order, in pieces. May be NULL. */
	const struct pn_error *(*data)(void *arg, const struct pn_pack_entry *e, const void *p, size_t n);
	void *arg;
};

struct pn_pack;

/* A parser with `limits` (NULL: the defaults) reporting to `sink` (NULL: nothing). The caller frees it with
 * pn_pack_free(). Opaque: it holds zlib and SHA-1 state that no caller needs to see. */
const struct pn_error *pn_pack_new(const struct pn_pack_limits *limits, const struct pn_pack_sink *sink,
    struct pn_pack **out);
void pn_pack_free(struct pn_pack *p);

/* Feed the next `len` bytes of the stream, in pieces of any size (1 byte works). */
const struct pn_error *pn_pack_push(struct pn_pack *p, const void *buf, size_t len);

/* The stream has ended: check that it held exactly the announced objects and that the trailer matches. */
const struct pn_error *pn_pack_finish(struct pn_pack *p);

/* After a successful pn_pack_finish(): the trailer (the pack's checksum, which names it) and the count. */
void pn_pack_checksum(const struct pn_pack *p, struct pn_oid *out);
uint32_t pn_pack_count(const struct pn_pack *p);

/*
 * Random access to a pack file (the object store's second pass and its reads).
 */

/* Parse the entry header in p[0..len) found at pack `offset`. Fills e (offset, data_offset, type, size and
 * base_offset or base) and *hdr_len. When len is too short to decide, returns NULL with *hdr_len = 0. */
const struct pn_error *pn_pack_entry_parse(const uint8_t *p, size_t len, uint64_t offset,
    const struct pn_pack_limits *limits, struct pn_pack_entry *e, size_t *hdr_len);

/* Read and parse the entry header at `offset` of the pack open as `fd`, whose entries end at `end` (the pack
 * size minus the trailer). */
const struct pn_error *pn_pack_entry_read(int fd, uint64_t end, uint64_t offset,
    const struct pn_pack_limits *limits, struct pn_pack_entry *e);

/* Where inflated bytes go, in pieces. */
typedef const struct pn_error *(*pn_pack_emit_fn)(void *arg, const void *p, size_t n);

/* Inflate the data of entry `e` (from pn_pack_entry_read) to `emit` in pieces of at most PN_PACK_INFLATE_CHUNK
 * bytes: exactly e->size bytes, or an error naming e->offset. `in` and `buf` are the caller's buffers of
 * PN_PACK_INFLATE_CHUNK bytes each. */
const struct pn_error *pn_pack_entry_stream(int fd, uint64_t end, const struct pn_pack_entry *e, uint8_t *in,
    uint8_t *buf, pn_pack_emit_fn emit, void *arg);

/* The same, appended to `out` (PN_ERR_TOO_LARGE past its ceiling, checked first). */
const struct pn_error *pn_pack_entry_inflate(int fd, uint64_t end, const struct pn_pack_entry *e,
    struct pn_buf *out);

/* The error for an object (or a delta) of `size` bytes at pack `offset` over the size limit `max`: it names the
 * limit and how to raise it. */
const struct pn_error *pn_pack_too_large(uint64_t offset, uint64_t size, size_t max, int delta);

#endif
