/*
 * Reading objects back from pack files, in bounded memory: the object store's reads and the second pass of an
 * ingest (odbidx.h).
 *
 * A delta chain is walked up iteratively (no recursion, however deep: up to max_chain) to a cached or a full
 * object, then the deltas are applied down, each streamed through the delta push parser (delta.h) as it is
 * inflated. Objects up to PN_PACK_INMEM_MAX are held in one of two work buffers while they serve as the base of
 * the next delta; larger ones go to one of two spool files (unlinked temporaries in the store's directory) and
 * their copies are read back in PN_PACK_IO_CHUNK pieces, so neither the base, the delta nor the result of a
 * 100 MiB object is ever whole in memory. The last result goes straight to the caller's sink.
 *
 * Bases met on the way go to a bounded LRU cache (PN_PACK_CACHE_MAX); evicted ones are recomputed, which costs
 * time, never correctness. A long walk caches checkpoints spread along the chain.
 *
 * Memory of one reader, at most: PN_PACK_CACHE_MAX + 2 x PN_PACK_INMEM_MAX + 2 x PN_PACK_INFLATE_CHUNK +
 * 2 x PN_PACK_IO_CHUNK + the chain stack (8 bytes per step) + zlib's inflate state (~40 KiB, per entry).
 */
#ifndef PN_PACKREAD_H
#define PN_PACKREAD_H

#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../core/error.h"
#include "oid.h"
#include "pack.h"

/* Bytes of objects the cache keeps: a whole chain of YAML-sized objects fits. git measured 50 MB against
 * 4.5 MB of RSS on a 707-deep chain for 12x the time. */
#define PN_PACK_CACHE_MAX ((size_t)4 << 20)
/* Entries of the cache (searched linearly). */
#define PN_PACK_CACHE_SLOTS 64
/* Largest object resolved in memory; larger ones go through spool files. A GitOps repository's files are far
 * smaller; a chart archive or an image may not be. */
#define PN_PACK_INMEM_MAX ((size_t)1 << 20)
/* Read and write buffer of the spool files. */
#define PN_PACK_IO_CHUNK 65536

/* An open pack file as the reader sees it. */
struct pn_pack_file {
	int fd;
	uint64_t end;		/* where entries end: the file size minus the trailer */
	unsigned id;		/* tells packs apart in the cache; unique per reader */
	/* The entry offset of REF_DELTA base `oid` in this pack; PN_ERR_NOT_FOUND when absent. */
	const struct pn_error *(*find)(void *arg, const uint8_t *oid, uint64_t *offset);
	void *arg;
};

/* Where an object goes. */
struct pn_pack_out {
	/* Once, before any data: the object's type (commit, tree, blob or tag) and size. May refuse it (a size
	 * over the caller's ceiling). May be NULL. */
	const struct pn_error *(*begin)(void *arg, enum pn_obj_type type, uint64_t size);
	/* Its bytes, in order, in pieces. */
	const struct pn_error *(*data)(void *arg, const void *p, size_t n);
	void *arg;
};

struct pn_packread;

/* A reader with `limits` (object size and chain length; NULL: the defaults) that makes its spool files in
 * `spool_dir` (NULL: /tmp). The caller frees it with pn_packread_free(). */
const struct pn_error *pn_packread_new(const struct pn_pack_limits *limits, const char *spool_dir,
    struct pn_packread **out);
void pn_packread_free(struct pn_packread *r);

/* Send the object whose entry starts at `offset` of `f` to `out`. With `keep`, the object itself is cached too
 * when small enough (the ingest: the next entry is likely a delta on it). */
const struct pn_error *pn_packread_stream(struct pn_packread *r, const struct pn_pack_file *f, uint64_t offset,
    int keep, const struct pn_pack_out *out);

/* The same, appended to `out` (PN_ERR_TOO_LARGE past its ceiling, before anything is read) with *type set. On
 * failure out->len is back where it was. */
const struct pn_error *pn_packread_read(struct pn_packread *r, const struct pn_pack_file *f, uint64_t offset,
    int keep, enum pn_obj_type *type, struct pn_buf *out);

/* Drop the cached objects of pack `id` (before its file goes away). */
void pn_packread_forget(struct pn_packread *r, unsigned id);

/* Free the work buffers and close the spool files of the last read; the cache stays. */
void pn_packread_trim(struct pn_packread *r);

#endif
