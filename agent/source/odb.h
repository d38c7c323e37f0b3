/*
 * The Git object store: packs as fetched, each with pinion's own index (odbidx.h), under <state_dir>/objects/.
 *
 * Ingest. A fetched pack streams through pn_odb_ingest_push(): the bytes go to a temporary file as they come
 * (never held whole in memory) and through the push parser of pack.h, which checks the stream and hashes
 * every non-delta object. pn_odb_ingest_finish() then makes the second pass over the written file (odbidx.h):
 * every delta resolved in bounded memory, every object id computed. A thin pack (REF_DELTA bases the server
 * left out because the store has them) is completed as `git index-pack --fix-thin` does: the bases are read
 * from the store and appended to the pack, whose object count and trailer are rewritten, so that every pack
 * stays self-contained and can be read or removed on its own. Then the files are committed: fsync the pack,
 * write and fsync the index, rename the pack, rename the index, fsync the directory. A pack counts only once
 * its index exists, so a crash or a failure at any step leaves the packs committed before untouched and
 * readable; pn_odb_ingest_abort() removes the temporaries, and so does the next writer after a crash. Every
 * one of those steps is a crash point (platform/crash.h).
 *
 * Writers and readers. Only a store opened with pn_odb_open_writer() ingests or removes packs: it holds an
 * exclusive flock on <state_dir>/lock until pn_odb_close(), and removes what an interrupted writer left (the
 * temporaries, a pack without its index, an index without its pack, the state directory's own temporaries).
 * Readers (pn_odb_open) take no lock: committed files never change, and a pack removed while a reader opens
 * the store is skipped.
 *
 * Old packs. After a fetch, the caller marks what must stay (pn_odb_mark_clear, then pn_tree_mark() for the
 * fetched and the applied revisions) and pn_odb_prune() removes every pack holding nothing marked. Marks
 * prefer a pack already marked, then the newest pack, so a full snapshot marks only its own pack and the
 * previous snapshot's pack goes.
 *
 * Object ids, pack trailers and index checksums are computed with sha1dc (sha1.h): an object or a pack carrying
 * a SHA-1 collision attack is refused. SHA-256 repositories are not supported yet (struct pn_oid carries the
 * length for that day).
 *
 * Reads (pn_odb_read) search the packs' indexes (mapped read-only), newest pack first, then resolve the object
 * through the pack reader (packread.h) and check it against its id. Not thread-safe: one struct pn_odb per
 * thread.
 *
 * Memory. A fetch holds: the parser (~40 KiB with zlib and the SHA-1 states), the write buffer
 * (PN_ODB_WRITE_BUF), ~56 bytes per object during the ingest and 40 more while the index is written, and two
 * pack readers (each at most PN_PACK_CACHE_MAX + 2 x PN_PACK_INMEM_MAX + ~200 KiB of buffers, packread.h),
 * whatever the size of the objects: PN_FETCH_MEM_CEILING below, plus the per-object tables.
 *
 * Files, in <state_dir>/objects/:
 *   pack-<checksum>.pack    the pack as received (<checksum> = its SHA-1 trailer, 40 hex digits); a thin pack
 *                           with its bases appended and its trailer recomputed
 *   pack-<checksum>.pnidx   its index (odbidx.h)
 *   .tmp-pack-XXXXXX, .tmp-idx-XXXXXX, .tmp-spool-XXXXXX   temporaries of an ingest or a read in progress
 */
#ifndef PN_ODB_H
#define PN_ODB_H

#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../core/error.h"
#include "oid.h"
#include "pack.h"
#include "packread.h"

/* Packs open at once (each holds two file descriptors and its mapped index). A store normally has one or two:
 * the revision being applied and the one just fetched (more while thin fetches build on each other). */
#define PN_ODB_MAX_PACKS 64
/* Thin packs leave unchanged objects in the packs that brought them, so every thin fetch adds a small pack that
 * stays as long as one of its objects is current. The fetcher should ask for a thin pack only while the store
 * has fewer packs than this, and otherwise fetch a whole snapshot, after which the others can all go. */
#define PN_ODB_THIN_PACKS_MAX 16
/* Buffer between the network and the temporary pack file. */
#define PN_ODB_WRITE_BUF 65536
/* zlib settings for the bases appended to a thin pack: a 4 KiB window and a small hash (~24 KiB of state
 * rather than zlib's default ~256 KiB). */
#define PN_ODB_DEFLATE_WBITS 12
#define PN_ODB_DEFLATE_MEMLEVEL 4
/* The memory a fetch may use apart from its per-object tables, by construction: two pack readers at their
 * fullest, the parser, the buffers. tests/integration/test_store.py runs the static binary under
 * `prlimit --as` with a 64 MiB blob and a delta on it. */
#define PN_FETCH_MEM_CEILING (2 * (PN_PACK_CACHE_MAX + 2 * PN_PACK_INMEM_MAX) + ((size_t)1 << 20))
/* The goal for the peak RSS of a whole `pinion fetch` of a homelab snapshot (onedr0p/home-ops: 468 files,
 * 423 KB, a 134 KB pack of 602 objects), measured with /usr/bin/time -v in test_store.py. */
#define PN_FETCH_RSS_GOAL ((size_t)4 << 20)
/* The lock file of the state directory. */
#define PN_ODB_LOCK_NAME "lock"

struct pn_odb;
struct pn_odb_ingest;

/* Open the store of `state_dir` (which must exist) for reading, creating objects/ when missing, and load every
 * committed pack. `limits` (NULL: pn_pack_limits_default) bound reads. The caller frees it with
 * pn_odb_close(). */
const struct pn_error *pn_odb_open(const char *state_dir, const struct pn_pack_limits *limits,
    struct pn_odb **out);
/* The same for writing: take <state_dir>/lock (PN_ERR_UNAVAILABLE when another process holds it), remove what
 * an interrupted writer left behind, then open. The lock is held until pn_odb_close(). */
const struct pn_error *pn_odb_open_writer(const char *state_dir, const struct pn_pack_limits *limits,
    struct pn_odb **out);
void pn_odb_close(struct pn_odb *odb);

const struct pn_pack_limits *pn_odb_limits(const struct pn_odb *odb);
/* Packs in the store. */
size_t pn_odb_pack_count(const struct pn_odb *odb);

/* Start receiving a pack (a writer only). Exactly one of pn_odb_ingest_finish() and pn_odb_ingest_abort()
 * must follow; both free the ingest, whatever the result. */
const struct pn_error *pn_odb_ingest_begin(struct pn_odb *odb, struct pn_odb_ingest **out);
/* The next bytes of the pack stream, in pieces of any size. The first error is kept and returned again. */
const struct pn_error *pn_odb_ingest_push(struct pn_odb_ingest *ing, const void *data, size_t len);
/* Entries of the pack received and checked so far (for progress). */
uint32_t pn_odb_ingest_objects(const struct pn_odb_ingest *ing);
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
/* Send object `oid` to `out` in pieces, whatever its size (begin first, with its type and size), checking it
 * against its id at the end. PN_ERR_NOT_FOUND when no pack has it. */
const struct pn_error *pn_odb_stream(struct pn_odb *odb, const struct pn_oid *oid, const struct pn_pack_out *out);
/* Type and size of `oid` from the index, without reading it. PN_ERR_NOT_FOUND when no pack has it. */
const struct pn_error *pn_odb_stat(struct pn_odb *odb, const struct pn_oid *oid, enum pn_obj_type *type,
    uint64_t *size);
/* Whether some pack has `oid`. */
int pn_odb_has(struct pn_odb *odb, const struct pn_oid *oid);

/* Old packs: forget every mark; mark the pack `oid` is read from (one already marked when it has the object,
 * else the newest that has it; PN_ERR_NOT_FOUND when none has); remove every unmarked pack (a writer only),
 * *removed (may be NULL) counting them. */
void pn_odb_mark_clear(struct pn_odb *odb);
const struct pn_error *pn_odb_mark(struct pn_odb *odb, const struct pn_oid *oid);
const struct pn_error *pn_odb_prune(struct pn_odb *odb, size_t *removed);

/* Delete pack `pack` (index first, then the pack file) and stop reading from it (a writer only). */
const struct pn_error *pn_odb_remove_pack(struct pn_odb *odb, const struct pn_oid *pack);

/* The id of an object: SHA-1("<type> <len>\0" + data), with collision detection. */
const struct pn_error *pn_odb_hash(enum pn_obj_type type, const void *data, size_t len, struct pn_oid *out);

#endif
