#include "pn_test.h"
#include "peer.h"

#include "../../agent/sync/state.h"
#include "../../platform/atomic.h"

static char dir[PN_TEST_PATH_MAX];

static int
setup(void **state)
{
	(void)state;
	return pn_test_tmpdir("state", dir, sizeof(dir));
}

static int
teardown(void **state)
{
	(void)state;
	pn_test_rmtree(dir);
	return 0;
}

static void
test_roundtrip(void **state)
{
	char rev[PN_STATE_REVISION_MAX], d[PN_TEST_PATH_MAX + 8];
	struct pn_oid oid;
	int found;

	(void)state;
	snprintf(d, sizeof(d), "%s/s", dir);
	assert_ok(pn_state_prepare(d));
	assert_ok(pn_state_prepare(d)); /* idempotent */
	assert_ok(pn_state_get(d, PN_STATE_FETCHED, rev, sizeof(rev), &found));
	assert_int_equal(found, 0);
	assert_string_equal(rev, "");
	assert_ok(pn_oid_from_hex("0123456789abcdef0123456789abcdef01234567", 40, &oid));
	assert_ok(pn_state_branch_revision("main", &oid, rev, sizeof(rev)));
	assert_string_equal(rev, "main@sha1:0123456789abcdef0123456789abcdef01234567");
	assert_ok(pn_state_set(d, PN_STATE_FETCHED, rev));
	memset(rev, 0, sizeof(rev));
	assert_ok(pn_state_get(d, PN_STATE_FETCHED, rev, sizeof(rev), &found));
	assert_int_equal(found, 1);
	assert_string_equal(rev, "main@sha1:0123456789abcdef0123456789abcdef01234567");
	assert_ok(pn_state_get(d, PN_STATE_APPLIED, rev, sizeof(rev), &found));
	assert_int_equal(found, 0);
}

static void
test_revision_oid(void **state)
{
	struct pn_oid oid;
	char hex[PN_OID_HEX_MAX];

	(void)state;
	assert_ok(pn_state_revision_oid("main@sha1:0123456789abcdef0123456789abcdef01234567", &oid));
	assert_string_equal(pn_oid_to_hex(&oid, hex), "0123456789abcdef0123456789abcdef01234567");
	assert_ok(pn_state_revision_oid("sha1:0123456789abcdef0123456789abcdef01234567", &oid));
	assert_ok(pn_state_revision_oid("feature/sha1:x@sha1:0123456789abcdef0123456789abcdef01234567", &oid));
	assert_error(pn_state_revision_oid("main@abc", &oid), PN_ERR_PARSE, "carries no sha1");
	assert_error(pn_state_revision_oid("main@sha1:abc", &oid), PN_ERR_PARSE, "is not 40 hex digits");
}

static void
test_corrupt_file(void **state)
{
	char rev[PN_STATE_REVISION_MAX], path[PN_TEST_PATH_MAX + 16];
	int found;

	(void)state;
	snprintf(path, sizeof(path), "%s/applied", dir);
	assert_ok(pn_atomic_write(path, "two\nlines\n", 10, 0600));
	assert_error(pn_state_get(dir, PN_STATE_APPLIED, rev, sizeof(rev), &found), PN_ERR_PARSE,
	    "not a one-line revision file");
	assert_ok(pn_atomic_write(path, "no newline", 10, 0600));
	assert_error(pn_state_get(dir, PN_STATE_APPLIED, rev, sizeof(rev), &found), PN_ERR_PARSE, "one-line");
	assert_error(pn_state_set(dir, PN_STATE_APPLIED, "a\nb"), PN_ERR_INTERNAL, "bad revision");
	assert_error(pn_state_prepare(path), PN_ERR_USAGE, "is not a directory");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_revision_oid),
		cmocka_unit_test(test_corrupt_file),
	};
	return cmocka_run_group_tests_name("state", tests, setup, teardown);
}
