#include "pn_test.h"

#include "../../agent/sync/reconcile.h"

static void
test_normalize_path(void **state)
{
	static const struct {
		const char *in, *want;
	} ok[] = {
		{"./apps", "apps"}, {"apps", "apps"}, {"./apps/", "apps"}, {".", ""}, {"./", ""}, {"", ""},
		{"./clusters/demo", "clusters/demo"}, {"clusters//demo/./x", "clusters/demo/x"},
	};
	static const struct {
		const char *in, *err;
	} bad[] = {
		{"/apps", "must be relative"}, {"../apps", "may not leave"}, {"apps/../../x", "may not leave"},
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_ok(pn_sync_normalize_path(ok[i].in, out, sizeof(out)));
		assert_string_equal(out, ok[i].want);
	}
	assert_ok(pn_sync_normalize_path(NULL, out, sizeof(out)));
	assert_string_equal(out, "");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_error(pn_sync_normalize_path(bad[i].in, out, sizeof(out)), PN_ERR_USAGE, bad[i].err);
	assert_error(pn_sync_normalize_path("./abcdef", out, 4), PN_ERR_TOO_LARGE, "too long");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize_path),
	};
	return cmocka_run_group_tests_name("reconcile", tests, NULL, NULL);
}
