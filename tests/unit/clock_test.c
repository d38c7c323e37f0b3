#include "pn_test.h"

#include "../../platform/clock.h"

static void
test_monotonic_and_sleep(void **state)
{
	uint64_t a, b;

	(void)state;
	a = pn_clock_mono_ms();
	pn_clock_sleep_ms(30, NULL);
	b = pn_clock_mono_ms();
	assert_true(b >= a + 30);
	assert_true(pn_clock_wall() > 1700000000); /* after 2023: the clock is set */
}

static void
test_rfc3339(void **state)
{
	char buf[PN_CLOCK_RFC3339_LEN];

	(void)state;
	assert_ok(pn_clock_rfc3339(0, buf, sizeof(buf)));
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	assert_ok(pn_clock_rfc3339(1795709520, buf, sizeof(buf)));
	assert_string_equal(buf, "2026-11-26T16:12:00Z");
	/* 2038 and later: a 32-bit time_t (armel musl has 64-bit time_t since musl 1.2) */
	assert_ok(pn_clock_rfc3339(2147483648LL, buf, sizeof(buf)));
	assert_string_equal(buf, "2038-01-19T03:14:08Z");
	assert_error(pn_clock_rfc3339(0, buf, 5), PN_ERR_TOO_LARGE, "too small");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_monotonic_and_sleep),
		cmocka_unit_test(test_rfc3339),
	};
	return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
