#include "pn_test.h"

#include "../../agent/core/num.h"

static void
test_u64_table(void **state)
{
	static const struct {
		const char *in;
		uint64_t min, max, want;
		const char *err; /* NULL: success */
	} cases[] = {
		{"0", 0, 10, 0, NULL},
		{"10", 0, 10, 10, NULL},
		{"11", 0, 10, 0, "out of range [0, 10]"},
		{"18446744073709551615", 0, UINT64_MAX, UINT64_MAX, NULL},
		{"18446744073709551616", 0, UINT64_MAX, 0, "too large"},
		{"99999999999999999999999", 0, UINT64_MAX, 0, "too large"},
		{"", 0, 10, 0, "empty"},
		{"-1", 0, 10, 0, "not a number"},
		{"+1", 0, 10, 0, "not a number"},
		{" 1", 0, 10, 0, "not a number"},
		{"1 ", 0, 10, 0, "not a number"},
		{"0x10", 0, 100, 0, "not a number"},
		{"007", 0, 10, 7, NULL},
		{"5", 6, 10, 0, "out of range"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 12345;
		const struct pn_error *e = pn_num_parse_u64(cases[i].in, cases[i].min, cases[i].max, "value", &v);

		if (cases[i].err == NULL) {
			assert_ok(e);
			assert_true(v == cases[i].want);
		} else {
			assert_error(e, PN_ERR_PARSE, cases[i].err);
			assert_true(v == 12345); /* untouched on error */
		}
	}
}

static void
test_u64n_not_terminated(void **state)
{
	uint64_t v;

	(void)state;
	assert_ok(pn_num_parse_u64n("123abc", 3, 0, 1000, "n", &v));
	assert_int_equal(v, 123);
	assert_error(pn_num_parse_u64n("12x", 3, 0, 1000, "Content-Length", &v), PN_ERR_PARSE,
	    "Content-Length: not a number");
}

static void
test_hex(void **state)
{
	uint64_t v;

	(void)state;
	assert_ok(pn_num_parse_hex("0000", 4, 0xffff, "pkt-line length", &v));
	assert_int_equal(v, 0);
	assert_ok(pn_num_parse_hex("fFfF", 4, 0xffff, "pkt-line length", &v));
	assert_int_equal(v, 0xffff);
	assert_ok(pn_num_parse_hex("ffffffffffffffff", 16, UINT64_MAX, "x", &v));
	assert_true(v == UINT64_MAX);
	assert_error(pn_num_parse_hex("1ffffffffffffffff", 17, UINT64_MAX, "x", &v), PN_ERR_PARSE, "too large");
	assert_error(pn_num_parse_hex("00g1", 4, 0xffff, "pkt-line length", &v), PN_ERR_PARSE,
	    "bad hexadecimal digit 0x67");
	assert_error(pn_num_parse_hex("", 0, 1, "chunk size", &v), PN_ERR_PARSE, "empty");
	assert_error(pn_num_parse_hex("100", 3, 0xff, "chunk size", &v), PN_ERR_PARSE, "256 exceeds 255");
}

static void
test_duration(void **state)
{
	static const struct {
		const char *in;
		uint64_t want;
	} ok[] = {{"250ms", 250}, {"30s", 30000}, {"5m", 300000}, {"1h", 3600000}, {"7", 7000}, {"0s", 0}};
	static const char *const bad[] = {"", "s", "5x", "1.5s", "-1s", "5 s", "ms5"};
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_ok(pn_num_parse_duration(ok[i].in, UINT64_MAX, "--interval", &v));
		assert_true(v == ok[i].want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_error(pn_num_parse_duration(bad[i], UINT64_MAX, "--interval", &v), PN_ERR_PARSE, "--interval");
	assert_error(pn_num_parse_duration("2h", 3600000, "--timeout", &v), PN_ERR_PARSE, "exceeds the maximum");
	assert_error(pn_num_parse_duration("99999999999999999h", UINT64_MAX, "--timeout", &v), PN_ERR_PARSE,
	    "exceeds");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64_table),
		cmocka_unit_test(test_u64n_not_terminated),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_duration),
	};
	return cmocka_run_group_tests_name("num", tests, NULL, NULL);
}
