#include "pn_test.h"

#include <errno.h>

#include "../../platform/alloc.h"

/* The allocator behind, counting what it hands out and takes back. */
static long live, mallocs, frees;

static void *
sys_malloc(size_t n)
{
	void *p = malloc(n);

	if (p != NULL) {
		live++;
		mallocs++;
	}
	return p;
}

static void *
sys_realloc(void *p, size_t n)
{
	return realloc(p, n);
}

static void
sys_free(void *p)
{
	if (p != NULL) {
		live--;
		frees++;
	}
	free(p);
}

static void
init(struct pn_alloc *a)
{
	memset(a, 0, sizeof(*a));
	a->sys_malloc = sys_malloc;
	a->sys_realloc = sys_realloc;
	a->sys_free = sys_free;
	live = mallocs = frees = 0;
}

/* A freed small block comes back for any size of its class of 16 bytes, calloc'd zero; malloc(0) is a unique
 * pointer. */
static void
test_small(void **state)
{
	struct pn_alloc a;
	unsigned char *p, *q, *z0, *z1;

	(void)state;
	init(&a);
	p = pn_alloc_malloc(&a, 40);
	memset(p, 0xaa, 40);
	pn_alloc_free(&a, p);
	assert_int_equal(a.small_bytes, 48);
	q = pn_alloc_malloc(&a, 33);
	assert_ptr_equal(q, p);
	assert_int_equal(a.small_bytes, 0);
	pn_alloc_free(&a, q);
	q = pn_alloc_calloc(&a, 4, 12);
	assert_ptr_equal(q, p);
	for (int i = 0; i < 48; i++)
		assert_int_equal(q[i], 0);
	pn_alloc_free(&a, q);
	q = pn_alloc_malloc(&a, 32);	/* another class */
	assert_ptr_not_equal(q, p);
	pn_alloc_free(&a, q);
	z0 = pn_alloc_malloc(&a, 0);
	z1 = pn_alloc_malloc(&a, 0);
	assert_non_null(z0);
	assert_non_null(z1);
	assert_ptr_not_equal(z0, z1);
	pn_alloc_free(&a, z0);
	pn_alloc_free(&a, z1);
	pn_alloc_free(&a, NULL);
	pn_alloc_trim(&a);
	assert_int_equal(live, 0);
}

/* The small lists hold at most PN_ALLOC_SMALL_BYTES; more goes back at once. */
static void
test_small_ceiling(void **state)
{
	enum { N = PN_ALLOC_SMALL_BYTES / 256 + 100 };
	static void *v[N];
	struct pn_alloc a;

	(void)state;
	init(&a);
	for (int i = 0; i < N; i++)
		v[i] = pn_alloc_malloc(&a, 256);
	for (int i = 0; i < N; i++)
		pn_alloc_free(&a, v[i]);
	assert_int_equal(a.small_bytes, PN_ALLOC_SMALL_BYTES);
	assert_int_equal(frees, 100);
	pn_alloc_trim(&a);
	assert_int_equal(a.small_bytes, 0);
	assert_int_equal(live, 0);
}

/* Large blocks: the smallest kept one that fits and is at most twice the request; the oldest go first when
 * the count or the bytes would pass their ceilings; one larger than all the bytes allowed goes back at once;
 * blocks between the small and the large ranges are never kept. */
static void
test_big(void **state)
{
	struct pn_alloc a;
	void *b16, *b48, *mid, *first;

	(void)state;
	init(&a);
	b16 = pn_alloc_malloc(&a, 16384);
	b48 = pn_alloc_malloc(&a, 49152);
	mid = pn_alloc_malloc(&a, 700);
	pn_alloc_free(&a, b48);
	pn_alloc_free(&a, b16);
	pn_alloc_free(&a, mid);
	assert_int_equal(a.nbig, 2);
	assert_int_equal(a.big_bytes, 16384 + 49152);
	assert_int_equal(frees, 1);
	assert_null(a.small[0]);
	assert_ptr_equal(pn_alloc_malloc(&a, 10000), b16);
	mid = pn_alloc_malloc(&a, 16384);
	assert_ptr_not_equal(mid, b48);	/* b48 is more than twice as large */
	assert_ptr_equal(pn_alloc_malloc(&a, 32768), b48);
	assert_int_equal(a.nbig, 0);
	pn_alloc_free(&a, b16);
	pn_alloc_free(&a, b48);
	pn_alloc_free(&a, mid);
	pn_alloc_trim(&a);
	assert_int_equal(live, 0);

	init(&a);
	first = pn_alloc_malloc(&a, 2048);
	pn_alloc_free(&a, first);
	for (int i = 1; i < PN_ALLOC_BIG_BLOCKS; i++)
		pn_alloc_free(&a, pn_alloc_malloc(&a, 4096 + (size_t)i * 16));
	assert_int_equal(a.nbig, PN_ALLOC_BIG_BLOCKS);
	assert_int_equal(frees, 0);
	pn_alloc_free(&a, pn_alloc_malloc(&a, 9000));
	assert_int_equal(frees, 1);
	assert_ptr_not_equal(a.big[0].p, first);
	pn_alloc_free(&a, pn_alloc_malloc(&a, PN_ALLOC_BIG_BYTES - 1024));
	assert_true(a.big_bytes <= PN_ALLOC_BIG_BYTES);
	assert_int_equal(a.nbig, 1);
	pn_alloc_free(&a, pn_alloc_malloc(&a, PN_ALLOC_BIG_BYTES + 1));
	assert_int_equal(a.nbig, 1);
	pn_alloc_trim(&a);
	assert_int_equal(live, 0);
}

/* realloc keeps the bytes across every move: within a class, small to small, small to large, large to large
 * (grown and shrunk by the allocator behind), large to small; realloc(NULL) allocates. */
static void
test_regrow(void **state)
{
	static const size_t sizes[] = {10, 16, 5, 100, 256, 300, 2000, 70000, 20000, 1500, 200, 3, 1};
	struct pn_alloc a;
	unsigned char *p;
	size_t have;

	(void)state;
	init(&a);
	p = pn_alloc_realloc(&a, NULL, 1);
	p[0] = 1;
	have = 1;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];

		p = pn_alloc_realloc(&a, p, n);
		assert_non_null(p);
		for (size_t k = 0; k < (have < n ? have : n); k++)
			assert_int_equal(p[k], (unsigned char)(k * 7 + 1));
		for (size_t k = 0; k < n; k++)
			p[k] = (unsigned char)(k * 7 + 1);
		have = n;
	}
	pn_alloc_free(&a, p);
	pn_alloc_trim(&a);
	assert_int_equal(live, 0);
}

/* Sizes that overflow fail as the C library's do. */
static void
test_overflow(void **state)
{
	struct pn_alloc a;
	void *p;

	(void)state;
	init(&a);
	errno = 0;
	assert_null(pn_alloc_malloc(&a, SIZE_MAX - 4));
	assert_int_equal(errno, ENOMEM);
	errno = 0;
	assert_null(pn_alloc_calloc(&a, SIZE_MAX / 2, 3));
	assert_int_equal(errno, ENOMEM);
	p = pn_alloc_malloc(&a, 5000);
	errno = 0;
	assert_null(pn_alloc_realloc(&a, p, SIZE_MAX - 4));
	assert_int_equal(errno, ENOMEM);
	pn_alloc_free(&a, p);	/* still valid after the failed realloc */
	pn_alloc_trim(&a);
	assert_int_equal(live, 0);
}

/* Random mallocs, reallocs and frees of every size range, each block filled with its own byte and checked
 * before it changes; in the end everything goes back to the allocator behind. */
static void
test_random(void **state)
{
	enum { SLOTS = 300 };
	static struct {
		unsigned char *p;
		size_t n;
		unsigned char fill;
	} v[SLOTS];
	struct pn_alloc a;
	unsigned seed = 4711;

	(void)state;
	init(&a);
	for (int round = 0; round < 100000; round++) {
		size_t i, n;
		int op;

		seed = seed * 1103515245u + 12345u;
		i = (seed >> 8) % SLOTS;
		op = (int)((seed >> 20) % 4);
		seed = seed * 1103515245u + 12345u;
		n = (seed >> 12) % 4 == 0 ? (seed >> 4) % 70000 : (seed >> 4) % 400;
		for (size_t k = 0; k < v[i].n; k++)
			if (v[i].p[k] != v[i].fill)
				fail_msg("round %d: slot %zu byte %zu changed", round, i, k);
		if (v[i].p == NULL || op == 0) {
			pn_alloc_free(&a, v[i].p);
			v[i].p = op == 1 ? pn_alloc_calloc(&a, 1, n) : pn_alloc_malloc(&a, n);
			assert_non_null(v[i].p);
			if (op == 1)
				for (size_t k = 0; k < n; k++)
					assert_int_equal(v[i].p[k], 0);
		} else if (op == 1) {
			v[i].p = pn_alloc_realloc(&a, v[i].p, n);
			assert_non_null(v[i].p);
			for (size_t k = 0; k < (v[i].n < n ? v[i].n : n); k++)
				assert_int_equal(v[i].p[k], v[i].fill);
		} else if (op == 2) {
			pn_alloc_free(&a, v[i].p);
			v[i].p = NULL;
			n = 0;
		} else {
			continue;	/* only checked */
		}
		if (v[i].p != NULL) {
			v[i].n = n;
			v[i].fill = (unsigned char)(round & 0xff);
			memset(v[i].p, v[i].fill, n);
		} else {
			v[i].n = 0;
		}
		assert_true(a.small_bytes <= PN_ALLOC_SMALL_BYTES);
		assert_true(a.big_bytes <= PN_ALLOC_BIG_BYTES && a.nbig <= PN_ALLOC_BIG_BLOCKS);
	}
	for (size_t i = 0; i < SLOTS; i++)
		pn_alloc_free(&a, v[i].p);
	pn_alloc_trim(&a);
	assert_int_equal(live, 0);
	assert_true(mallocs < 100000);	/* the lists did their work */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small),
		cmocka_unit_test(test_small_ceiling),
		cmocka_unit_test(test_big),
		cmocka_unit_test(test_regrow),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests_name("alloc", tests, NULL, NULL);
}
