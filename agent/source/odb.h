/*
 * The Git object store: packs as fetched, each with pinion's own index, under <state_dir>/objects/.
 *
 * Ingest. A fetched pack streams through pn_odb_ingest_push(): the bytes go to a temporary file as they come
 * (never held whole in memory) and through the push parser of pack.h, which checks the stream and hashes
 * every non-delta object. pn_odb_ingest_finish() then makes a second pass over the written file that resolves
 * every delta (OFS_DELTA and REF_DELTA inside the same pack, in any order; chains are walked iteratively, with
 * a bounded LRU cache of delta bases and recomputation of evicted ones), computes every object id
 * (SHA-1("<type> <size>\0" + data)), writes the index, and commits both files: fsync each, rename the pack,
 * rename the index, fsync the directory. A pack counts only once its index exists, so a crash or a failure at
 * any step leaves the packs committed before untouched and readable; pn_odb_ingest_abort() removes the
 * temporaries. Memory during ingest: the parser's window and ~100 bytes per object, plus while resolving deltas
 * one base, one delta and one result (each at most max_object) and the reader's cache (PN_PACK_CACHE_MAX;
 * one per open store, one per ingest).
 *
 * Thin packs (REF_DELTA against objects of other packs) are refused: pinion fetches without "thin-pack", so
 * every pack is self-contained and any one of them can be removed without breaking the others.
 *
 * Object ids and pack checksums are computed with mbedTLS's SHA-1. SHA-1 collision detection (sha1dc, which
 * flags SHAttered-style objects) replaces it for object ids in a later issue. SHA-256 repositories are not
 * supported yet (struct pn_oid carries the length for that day).
 *
 * Reads (pn_odb_read) search every pack's index (mapped read-only: committed files never change), then resolve
 * the object from its pack file through the same iterative chain walk and cache, and check it against its id.
 * Not thread-safe: one struct pn_odb per thread. Temporaries left by a crash are not removed yet: that needs
 * the state lock (a later issue) to know that no other ingest is running.
 *
 * Files, in <state_dir>/objects/:
 *   pack-<checksum>.pack    the pack exactly as received (<checksum> = its SHA-1 trailer, 40 hex digits)
 *   pack-<checksum>.pnidx   its index (below)
 *   .tmp-pack-XXXXXX, .tmp-idx-XXXXXX   temporaries of an ingest in progress
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
 * pn_odb_open() checks all of it (checksum, order, fan-out, bounds) and that the pack's size and trailer match.
 */
#ifndef PN_ODB_H
#define PN_ODB_H

#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../core/error.h"
#include "oid.h"
#include "pack.h"

#define PN_ODB_INDEX_VERSION 1
/* Packs open at once (each holds two file descriptors and its fan-out table). A store normally has one or two:
 * the revision being applied and the one just fetched; the caller removes old ones with pn_odb_remove_pack(). */
#define PN_ODB_MAX_PACKS 64
/* Buffer between the network and the temporary pack file. */
#define PN_ODB_WRITE_BUF 65536

struct pn_odb;
struct pn_odb_ingest;

/* Open the store of `state_dir` (which must exist), creating objects/ when missing, and load every committed
 * pack. `limits` (NULL: pn_pack_limits_default) bound ingests and reads. The caller frees it with
 * pn_odb_close(). */
const struct pn_error *pn_odb_open(const char *state_dir, const struct pn_pack_limits *limits,
    struct pn_odb **out);
void pn_odb_close(struct pn_odb *odb);

const struct pn_pack_limits *pn_odb_limits(const struct pn_odb *odb);

/* Start receiving a pack. Exactly one of pn_odb_ingest_finish() and pn_odb_ingest_abort() must follow; both
 * free the ingest, whatever the result. */
const struct pn_error *pn_odb_ingest_begin(struct pn_odb *odb, struct pn_odb_ingest **out);
/* The next bytes of the pack stream, in pieces of any size. The first error is kept and returned again. */
const struct pn_error *pn_odb_ingest_push(struct pn_odb_ingest *ing, const void *data, size_t len);
/* Verify, index and commit the pack; its objects are readable through odb at once. *pack (may be NULL) gets
 * the pack's checksum, which names its files. Committing a pack the store already has succeeds and changes
 * nothing. On failure the temporaries are gone and the store is as before. */
const struct pn_error *pn_odb_ingest_finish(struct pn_odb_ingest *ing, struct pn_oid *pack);
/* Drop everything received; the store is as before. */
void pn_odb_ingest_abort(struct pn_odb_ingest *ing);

/* Append object `oid` to `out` (PN_ERR_TOO_LARGE past out's ceiling, checked before reading) and set *type
 * (may be NULL). The content is checked against the id. PN_ERR_NOT_FOUND when no pack has it. */
const struct pn_error *pn_odb_read(struct pn_odb *odb, const struct pn_oid *oid, enum pn_obj_type *type,
    struct pn_buf *out);
/* Type and size of `oid` from the index, without reading it. PN_ERR_NOT_FOUND when no pack has it. */
const struct pn_error *pn_odb_stat(struct pn_odb *odb, const struct pn_oid *oid, enum pn_obj_type *type,
    uint64_t *size);
/* Whether some pack has `oid` (0 also when an index cannot be read: pn_odb_stat() says why). */
int pn_odb_has(struct pn_odb *odb, const struct pn_oid *oid);

/* Delete pack `pack` (index first, then the pack file) and stop reading from it. */
const struct pn_error *pn_odb_remove_pack(struct pn_odb *odb, const struct pn_oid *pack);

/* The id of an object: SHA-1("<type> <len>\0" + data). */
const struct pn_error *pn_odb_hash(enum pn_obj_type type, const void *data, size_t len, struct pn_oid *out);

#endif
