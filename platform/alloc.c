#include "alloc.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "../agent/core/banned.h"

_Static_assert(PN_ALLOC_HEADER >= sizeof(size_t) && PN_ALLOC_HEADER % 16 == 0, "header keeps the alignment");
_Static_assert(PN_ALLOC_SMALL_MAX % 16 == 0 && PN_ALLOC_SMALL_MAX < PN_ALLOC_BIG_MIN, "size ranges");

static size_t *
header(void *p)
{
	return (size_t *)(void *)((unsigned char *)p - PN_ALLOC_HEADER);
}

/* A block of `cap` bytes from the allocator behind, its capacity written in the header. */
static void *
fresh(struct pn_alloc *a, size_t cap)
{
	unsigned char *q;

	if (cap > SIZE_MAX - PN_ALLOC_HEADER) {
		errno = ENOMEM;
		return NULL;
	}
	if ((q = a->sys_malloc(cap + PN_ALLOC_HEADER)) == NULL)
		return NULL;
	*(size_t *)(void *)q = cap;
	return q + PN_ALLOC_HEADER;
}

static void
release(struct pn_alloc *a, void *p)
{
	a->sys_free(header(p));
}

static void
big_drop(struct pn_alloc *a, size_t i)
{
	a->big_bytes -= a->big[i].cap;
	memmove(&a->big[i], &a->big[i + 1], (a->nbig - i - 1) * sizeof(a->big[0]));
	a->nbig--;
}

void *
pn_alloc_malloc(struct pn_alloc *a, size_t size)
{
	size_t best = a->nbig;
	void *p;

	if (size <= PN_ALLOC_SMALL_MAX) {
		size_t c = size == 0 ? 0 : (size - 1) / 16;

		if ((p = a->small[c]) != NULL) {
			memcpy(&a->small[c], p, sizeof(void *));
			a->small_bytes -= (c + 1) * 16;
			return p;
		}
		return fresh(a, (c + 1) * 16);
	}
	if (size < PN_ALLOC_BIG_MIN)
		return fresh(a, size);
	/* the smallest kept block that fits and is not more than twice as large */
	for (size_t i = 0; i < a->nbig; i++)
		if (a->big[i].cap >= size && a->big[i].cap / 2 <= size && (best == a->nbig || a->big[i].cap < a->big[best].cap))
			best = i;
	if (best == a->nbig)
		return fresh(a, size);
	p = a->big[best].p;
	big_drop(a, best);
	return p;
}

void *
pn_alloc_calloc(struct pn_alloc *a, size_t n, size_t each)
{
	void *p;

	if (each != 0 && n > SIZE_MAX / each) {
		errno = ENOMEM;
		return NULL;
	}
	if ((p = pn_alloc_malloc(a, n * each)) != NULL)
		memset(p, 0, n * each);
	return p;
}

void
pn_alloc_free(struct pn_alloc *a, void *p)
{
	size_t cap;

	if (p == NULL)
		return;
	cap = *header(p);
	if (cap <= PN_ALLOC_SMALL_MAX) {
		size_t c = (cap - 1) / 16;

		if (a->small_bytes + cap > PN_ALLOC_SMALL_BYTES) {
			release(a, p);
			return;
		}
		memcpy(p, &a->small[c], sizeof(void *));
		a->small[c] = p;
		a->small_bytes += cap;
		return;
	}
	if (cap < PN_ALLOC_BIG_MIN || cap > PN_ALLOC_BIG_BYTES) {
		release(a, p);
		return;
	}
	while (a->nbig == PN_ALLOC_BIG_BLOCKS || a->big_bytes + cap > PN_ALLOC_BIG_BYTES) {
		release(a, a->big[0].p);
		big_drop(a, 0);
	}
	a->big[a->nbig].p = p;
	a->big[a->nbig].cap = cap;
	a->nbig++;
	a->big_bytes += cap;
}

void *
pn_alloc_realloc(struct pn_alloc *a, void *p, size_t size)
{
	size_t cap;
	unsigned char *q;
	void *n;

	if (p == NULL)
		return pn_alloc_malloc(a, size);
	cap = *header(p);
	/* a block that still fits stays, unless a large one would waste more than half of itself */
	if (size <= cap && (cap <= PN_ALLOC_SMALL_MAX || size > PN_ALLOC_SMALL_MAX) && size >= cap / 2)
		return p;
	if (cap > PN_ALLOC_SMALL_MAX && size > PN_ALLOC_SMALL_MAX) {
		/* large to large: the allocator behind may grow it in place */
		if (size > SIZE_MAX - PN_ALLOC_HEADER) {
			errno = ENOMEM;
			return NULL;
		}
		if ((q = a->sys_realloc(header(p), size + PN_ALLOC_HEADER)) == NULL)
			return NULL;
		*(size_t *)(void *)q = size;
		return q + PN_ALLOC_HEADER;
	}
	if ((n = pn_alloc_malloc(a, size)) == NULL)
		return NULL;
	memcpy(n, p, size < cap ? size : cap);
	pn_alloc_free(a, p);
	return n;
}

void
pn_alloc_trim(struct pn_alloc *a)
{
	for (size_t c = 0; c < PN_ALLOC_SMALL_CLASSES; c++) {
		while (a->small[c] != NULL) {
			void *p = a->small[c];

			memcpy(&a->small[c], p, sizeof(void *));
			release(a, p);
		}
	}
	a->small_bytes = 0;
	while (a->nbig > 0) {
		release(a, a->big[0].p);
		big_drop(a, 0);
	}
}

#ifdef PN_MALLOC_CACHE
/* The wrappers ld's --wrap=malloc,calloc,realloc,free bind every call of the program and its libraries to;
 * __real_* are the C library's own. */
void *__real_malloc(size_t);
void *__real_realloc(void *, size_t);
void __real_free(void *);
void *__wrap_malloc(size_t);
void *__wrap_calloc(size_t, size_t);
void *__wrap_realloc(void *, size_t);
void __wrap_free(void *);

static struct pn_alloc front = {.sys_malloc = __real_malloc, .sys_realloc = __real_realloc, .sys_free = __real_free};

void *
__wrap_malloc(size_t size)
{
	return pn_alloc_malloc(&front, size);
}

void *
__wrap_calloc(size_t n, size_t each)
{
	return pn_alloc_calloc(&front, n, each);
}

void *
__wrap_realloc(void *p, size_t size)
{
	return pn_alloc_realloc(&front, p, size);
}

void
__wrap_free(void *p)
{
	pn_alloc_free(&front, p);
}
#endif
