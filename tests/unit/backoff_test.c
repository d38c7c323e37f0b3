#include "pn_test.h"

#include "../../agent/core/backoff.h"

/* Delays double up to the cap, each drawn from [d/2, d]; a longer Retry-After wins. */
static void
test_sequence(void **state)
{
	struct pn_backoff b;
	uint64_t want = 100;

	(void)state;
	pn_backoff_init(&b, 100, 1000);
	for (int i = 0; i < 10; i++) {
		uint64_t d = pn_backoff_next(&b, 0);

		if (d < want / 2 || d > want)
			fail_msg("attempt %d: %llu not in [%llu, %llu]", i, (unsigned long long)d,
			    (unsigned long long)(want / 2), (unsigned long long)want);
		want = want * 2 > 1000 ? 1000 : want * 2;
	}
	assert_int_equal(b.attempts, 10);
	assert_int_equal(pn_backoff_next(&b, 5000), 5000);
	assert_true(pn_backoff_next(&b, 1) <= 1000);
}

/* Two clients starting together spread out. */
static void
test_jitter(void **state)
{
	struct pn_backoff a, b;
	int differ = 0;

	(void)state;
	pn_backoff_init(&a, 1000, 60000);
	pn_backoff_init(&b, 1000, 60000);
	for (int i = 0; i < 8; i++)
		differ += pn_backoff_next(&a, 0) != pn_backoff_next(&b, 0);
	assert_true(differ > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequence),
		cmocka_unit_test(test_jitter),
	};
	return cmocka_run_group_tests_name("backoff", tests, NULL, NULL);
}
