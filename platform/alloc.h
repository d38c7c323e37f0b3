/*
 * A small front for the C library's allocator, used by the static (musl) builds.
 *
 * pinion's renderer allocates like every cJSON and libyaml program: a build of a 450-file tree makes ~115,000
 * small blocks (cJSON items of 64 bytes, libyaml's 16-byte token strings) and frees them again, and every
 * libyaml parser and emitter takes 16-48 KiB of buffers, one per file read and document written. musl's
 * allocator (mallocng) is built for low memory, not speed: each malloc/free pair costs a few hundred
 * instructions, and a block of more than a few KiB (or the group holding it) goes back to the kernel as soon
 * as it is free, to be mapped again for the next parser (2,300 mmap/munmap pairs for that tree). Together that
 * made `pinion build` twice as slow as the same code on glibc.
 *
 * So the static link routes malloc, calloc, realloc and free through here (ld --wrap, see the Makefile;
 * PN_MALLOC_CACHE). Each block carries a header of PN_ALLOC_HEADER bytes with its capacity. A freed block
 * of at most PN_ALLOC_SMALL_MAX bytes (rounded up to a multiple of 16) goes on a free list of its size, a
 * freed block of PN_ALLOC_BIG_MIN bytes or more into a short list of large blocks; the next request of that
 * size takes it back without the C library. What is kept is bounded: PN_ALLOC_SMALL_BYTES over all the small
 * lists, PN_ALLOC_BIG_BLOCKS blocks and PN_ALLOC_BIG_BYTES for the large ones (the oldest go first); anything
 * beyond goes back to the C library. The C library never sees a pointer this module handed out (every block
 * is offset by the header), and this module never sees one the C library handed out: the wrap binds every
 * malloc/calloc/realloc/free of the program and its libraries, musl's own included, and nothing in the binary
 * uses aligned_alloc, posix_memalign or malloc_usable_size (the Makefile's link check refuses them).
 *
 * pinion has one thread: there is no lock.
 */
#ifndef PN_ALLOC_H
#define PN_ALLOC_H

#include <stddef.h>

/* bytes before each block: its capacity, and max_align_t alignment kept */
#define PN_ALLOC_HEADER 16
/* small blocks: sizes up to this, in classes of 16 bytes */
#define PN_ALLOC_SMALL_MAX 256
#define PN_ALLOC_SMALL_CLASSES (PN_ALLOC_SMALL_MAX / 16)
/* what the small free lists may hold together */
#define PN_ALLOC_SMALL_BYTES (256 * 1024)
/* large blocks: kept from this size up to PN_ALLOC_BIG_BYTES, at most PN_ALLOC_BIG_BLOCKS of them and
 * PN_ALLOC_BIG_BYTES together (the buffers of a libyaml parser and an emitter, twice) */
#define PN_ALLOC_BIG_MIN 1024
#define PN_ALLOC_BIG_BLOCKS 16
#define PN_ALLOC_BIG_BYTES (256 * 1024)

struct pn_alloc {
	/* the allocator behind: the C library's own (__real_malloc, ...) or, in the tests, any */
	void *(*sys_malloc)(size_t);
	void *(*sys_realloc)(void *, size_t);
	void (*sys_free)(void *);
	void *small[PN_ALLOC_SMALL_CLASSES];	/* free lists, linked through the blocks' first bytes */
	size_t small_bytes;
	struct {
		void *p;
		size_t cap;
	} big[PN_ALLOC_BIG_BLOCKS];	/* oldest first */
	size_t nbig, big_bytes;
};

/* malloc(3), calloc(3), realloc(3) and free(3) through `a`, with their contracts: NULL (errno ENOMEM) when
 * memory runs out or a size overflows; malloc(0) a unique pointer; realloc(NULL, n) is malloc(n); calloc'd
 * memory is zero. */
void *pn_alloc_malloc(struct pn_alloc *a, size_t size);
void *pn_alloc_calloc(struct pn_alloc *a, size_t n, size_t each);
void *pn_alloc_realloc(struct pn_alloc *a, void *p, size_t size);
void pn_alloc_free(struct pn_alloc *a, void *p);

/* Give everything kept back to the allocator behind. */
void pn_alloc_trim(struct pn_alloc *a);

#endif
