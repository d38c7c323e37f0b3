#include "pn_test.h"

#include "../../platform/entropy.h"

#define SAMPLE 64

static void
test_fills_and_differs(void **state)
{
	unsigned char a[SAMPLE], b[SAMPLE], zero[SAMPLE];

	(void)state;
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(zero, 0, sizeof(zero));
	assert_ok(pn_entropy(a, sizeof(a)));
	assert_ok(pn_entropy(b, sizeof(b)));
	assert_memory_not_equal(a, zero, sizeof(a));
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_equal(pn_entropy_mbedtls(NULL, a, sizeof(a)), 0);
	assert_ok(pn_entropy(a, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fills_and_differs),
	};
	return cmocka_run_group_tests_name("entropy", tests, NULL, NULL);
}
