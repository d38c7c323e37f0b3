#include "pn_test.h"

#include "../../agent/core/buf.h"

static void
test_append_and_str(void **state)
{
	struct pn_buf b;

	(void)state;
	pn_buf_init(&b, 100, "test buffer");
	assert_string_equal(pn_buf_str(&b), "");
	assert_ok(pn_buf_addstr(&b, "hello"));
	assert_ok(pn_buf_addch(&b, ' '));
	assert_ok(pn_buf_addf(&b, "%d-%s", 42, "x"));
	assert_string_equal(pn_buf_str(&b), "hello 42-x");
	assert_int_equal(b.len, 10);
	pn_buf_consume(&b, 6);
	assert_string_equal(pn_buf_str(&b), "42-x");
	pn_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(pn_buf_str(&b), "");
	pn_buf_release(&b);
}

static void
test_ceiling_exact_and_over(void **state)
{
	struct pn_buf b;
	char data[16];

	(void)state;
	memset(data, 'a', sizeof(data));
	pn_buf_init(&b, 16, "HTTP header");
	assert_ok(pn_buf_add(&b, data, 16));	/* exactly at the ceiling */
	assert_error(pn_buf_addch(&b, 'x'), PN_ERR_TOO_LARGE, "HTTP header exceeds its limit of 16 bytes");
	assert_int_equal(b.len, 16);		/* unchanged by the failed append */
	pn_buf_release(&b);

	pn_buf_init(&b, 8, "x");
	assert_error(pn_buf_addf(&b, "%s", "123456789"), PN_ERR_TOO_LARGE, "limit of 8");
	assert_error(pn_buf_add(&b, data, SIZE_MAX), PN_ERR_TOO_LARGE, "limit");
	pn_buf_release(&b);
}

/* A length near SIZE_MAX must not wrap the size check. Regression: with a ceiling of SIZE_MAX the allocation
 * size wrapped to 0 (realloc(NULL, 0)) and the first append wrote past it (crashed on musl). */
static void
test_overflowing_length(void **state)
{
	struct pn_buf b;

	(void)state;
	pn_buf_init(&b, SIZE_MAX, "unbounded");
	assert_ok(pn_buf_addstr(&b, "abc"));
	assert_error(pn_buf_add(&b, "x", SIZE_MAX - 1), PN_ERR_TOO_LARGE, "limit");
	pn_buf_release(&b);
}

static void
test_reserve_commit_detach(void **state)
{
	struct pn_buf b;
	char *p, *s;
	size_t len;

	(void)state;
	pn_buf_init(&b, 1000, "x");
	assert_ok(pn_buf_reserve(&b, 500, &p));
	memcpy(p, "abc", 3);
	pn_buf_commit(&b, 3);
	assert_string_equal(pn_buf_str(&b), "abc");
	assert_ok(pn_buf_detach(&b, &s, &len));
	assert_int_equal(len, 3);
	assert_string_equal(s, "abc");
	assert_null(b.data);
	free(s);
	assert_ok(pn_buf_detach(&b, &s, &len)); /* empty buffer gives "" */
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);
	assert_error(pn_buf_reserve(&b, 1001, &p), PN_ERR_TOO_LARGE, "limit of 1000");
	pn_buf_release(&b);
}

static void
test_growth_many_small(void **state)
{
	struct pn_buf b;

	(void)state;
	pn_buf_init(&b, 100000, "x");
	for (int i = 0; i < 10000; i++)
		assert_ok(pn_buf_addch(&b, (char)('a' + i % 26)));
	assert_int_equal(b.len, 10000);
	assert_true(b.cap <= 100001);
	assert_int_equal(b.data[9999], 'a' + 9999 % 26);
	pn_buf_release(&b);
}

/* Regression: reading an empty file (room reserved, nothing committed) gave garbage instead of "". */
static void
test_reserve_without_commit_is_empty_string(void **state)
{
	struct pn_buf b;
	char *p;

	(void)state;
	pn_buf_init(&b, 1000, "x");
	assert_ok(pn_buf_reserve(&b, 100, &p));
	assert_string_equal(pn_buf_str(&b), "");
	assert_ptr_equal(p, b.data);
	pn_buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_and_str),
		cmocka_unit_test(test_ceiling_exact_and_over),
		cmocka_unit_test(test_overflowing_length),
		cmocka_unit_test(test_reserve_commit_detach),
		cmocka_unit_test(test_growth_many_small),
		cmocka_unit_test(test_reserve_without_commit_is_empty_string),
	};
	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
