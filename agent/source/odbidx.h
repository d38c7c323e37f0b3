/*
 * pinion's pack index (what `git index-pack` makes for git, in a format of pinion's own): reading a committed
 * index, and building one for a received pack, which resolves every delta and computes every object id.
 *
 * Building. The push parser reports each entry (pn_odbidx_add: ~56 bytes per object in memory); once the pack
 * is complete on disk, pn_odbidx_resolve() makes the second pass: every delta (OFS_DELTA and REF_DELTA, in any
 * order: a base may come after its delta) is resolved through the pack reader (packread.h, bounded memory) and
 * hashed into its id (SHA-1 "<type> <size>\0" + data, with collision detection). A REF_DELTA whose base is not
 * in the pack (a thin pack) is completed through the caller's `thin` hook, which appends the base object from
 * the store to the pack, as `git index-pack --fix-thin` does; what is left waits for a base that is missing or
 * part of a cycle, and fails naming it. pn_odbidx_write() then writes the index (40 bytes per object, built in
 * memory and sorted).
 *
 * Index format, version 1 (all integers big-endian):
 *   offset  size    field
 *   0       4       magic "PNIX"
 *   4       4       version: 1
 *   8       4       hash length: 20 (SHA-1)
 *   12      4       N, the number of records
 *   16      8       size of the pack file in bytes
 *   24      20      the pack's checksum (its trailer)
 *   44      4       reserved, zero
 *   48      1024    fan-out: 256 x u32, entry i = number of records whose id's first byte is <= i
 *   1072    40 * N  records, sorted by object id, no duplicates (a pack holding one object twice keeps the
 *                   first): object id (20), offset of its entry in the pack (u64), object size (u64, the
 *                   resolved size for deltas), object type (u8: 1 commit, 2 tree, 3 blob, 4 tag), 3 zero bytes
 *   end-20  20      SHA-1 of all the bytes before it
 * pn_odbidx_verify() checks all of it (checksum, order, fan-out, bounds); the store checks that the pack's size
 * and trailer match.
 */
#ifndef PN_ODBIDX_H
#define PN_ODBIDX_H

#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"
#include "oid.h"
#include "pack.h"
#include "packread.h"

#define PN_ODBIDX_VERSION 1
/* The smallest valid index: header, fan-out, no record, checksum. */
#define PN_ODBIDX_MIN_LEN (48 + 256 * 4 + PN_OID_SHA1_LEN)

/* What the header of a verified index says. */
struct pn_odbidx_info {
	uint32_t count;
	uint64_t pack_size;
	struct pn_oid checksum;
};

/* Check the index `x` of `len` bytes, read from `path`, which must belong to the pack named `hex`. */
const struct pn_error *pn_odbidx_verify(const uint8_t *x, size_t len, const char *hex, const char *path,
    struct pn_odbidx_info *info);

/* The record of `oid` (20 bytes) in a verified index, or NULL; and its fields. */
const uint8_t *pn_odbidx_lookup(const uint8_t *x, const uint8_t *oid);
uint64_t pn_odbidx_offset(const uint8_t *rec);
uint64_t pn_odbidx_size(const uint8_t *rec);
enum pn_obj_type pn_odbidx_type(const uint8_t *rec);

/* An index being built. */
struct pn_odbidx;

/* Completes thin packs: send the store's object `oid` to `out` (begin first, with its type and size), or fail
 * with PN_ERR_NOT_FOUND when the store lacks it. */
struct pn_odbidx_thin {
	const struct pn_error *(*read)(void *arg, const uint8_t *oid, const struct pn_pack_out *out);
	void *arg;
};

/* A new index for a pack of at most limits->max_objects objects. The caller frees it with pn_odbidx_free(). */
const struct pn_error *pn_odbidx_new(const struct pn_pack_limits *limits, struct pn_odbidx **out);
void pn_odbidx_free(struct pn_odbidx *x);

/* The next entry of the pack, as the push parser reports it (pack order). */
const struct pn_error *pn_odbidx_add(struct pn_odbidx *x, const struct pn_pack_entry *e);

/* Entries so far, appended bases included. */
uint32_t pn_odbidx_count(const struct pn_odbidx *x);

/* The second pass over the complete pack `f`, a file at `path` (f->find and f->arg are set here), reading with
 * `r`. With `thin` (NULL: bases outside the pack are errors), a base the store has is appended to the pack as a
 * full entry, where its trailer was (f->end advances). */
const struct pn_error *pn_odbidx_resolve(struct pn_odbidx *x, struct pn_packread *r, struct pn_pack_file *f,
    const char *path, const struct pn_odbidx_thin *thin);

/* Bases appended by pn_odbidx_resolve(). */
uint32_t pn_odbidx_appended(const struct pn_odbidx *x);

/* After bases were appended: write the pack's new object count, and its trailer (the SHA-1 of everything
 * before it) at f->end; *checksum and *size are those of the completed pack. */
const struct pn_error *pn_odbidx_complete_thin(struct pn_odbidx *x, const struct pn_pack_file *f,
    const char *path, struct pn_oid *checksum, uint64_t *size);

/* Write the index of the resolved pack (its checksum and size) to `fd`, a new file at `path`. A full disk (or
 * a file size limit) says so. */
const struct pn_error *pn_odbidx_write(const struct pn_odbidx *x, const struct pn_oid *checksum,
    uint64_t pack_size, int fd, const char *path);

#endif
