#include "pn_test.h"

#include <errno.h>

#include "../../agent/core/error.h"

static void
test_constant(void **state)
{
	(void)state;
	assert_int_equal(pn_error(PN_ERR_NOMEM)->code, PN_ERR_NOMEM);
	assert_string_equal(pn_error(PN_ERR_NOMEM)->msg, "out of memory");
	assert_string_equal(pn_error_code_name(PN_ERR_TOO_LARGE), "TOO_LARGE");
}

static void
test_fmt_and_truncation(void **state)
{
	char big[PN_ERROR_MSG_MAX * 2];
	const struct pn_error *e;

	(void)state;
	e = pn_error_fmt(PN_ERR_PARSE, "%s:%d: bad key", "a.yaml", 7);
	assert_string_equal(e->msg, "a.yaml:7: bad key");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	e = pn_error_fmt(PN_ERR_PARSE, "%s", big);
	assert_int_equal(strlen(e->msg), PN_ERROR_MSG_MAX - 1);
	assert_string_equal(e->msg + PN_ERROR_MSG_MAX - 4, "...");
}

static void
test_errno(void **state)
{
	const struct pn_error *e;

	(void)state;
	errno = ENOENT;
	e = pn_error_errno("open /nonexistent");
	assert_int_equal(e->code, PN_ERR_ERRNO);
	assert_string_equal(e->msg, "open /nonexistent: No such file or directory");
	errno = ENOENT;
	e = pn_error_errno_fmt("open %s", "x");
	assert_string_equal(e->msg, "open x: No such file or directory");
	errno = ENOMEM;
	assert_int_equal(pn_error_errno("malloc")->code, PN_ERR_NOMEM);
}

/* The first error must survive the errors made while cleaning up after it. */
static void
test_ring_keeps_first_error(void **state)
{
	const struct pn_error *first, *e;

	(void)state;
	first = pn_error_fmt(PN_ERR_NET, "first");
	for (int i = 0; i < PN_ERROR_RING - 1; i++)
		(void)pn_error_fmt(PN_ERR_ERRNO, "cleanup %d", i);
	assert_string_equal(first->msg, "first");
	e = pn_error_wrap(first, "fetch %s", "https://example");
	assert_int_equal(e->code, PN_ERR_NET);
	assert_string_equal(e->msg, "fetch https://example: first");
	assert_null(pn_error_wrap(NULL, "x"));
}

/* Wrapping the error that sits in the slot about to be reused must not read overwritten text. */
static void
test_wrap_oldest_slot(void **state)
{
	const struct pn_error *e = pn_error_fmt(PN_ERR_PARSE, "inner message");

	(void)state;
	for (int i = 0; i < PN_ERROR_RING - 1; i++)
		(void)pn_error_fmt(PN_ERR_ERRNO, "filler %d", i);
	e = pn_error_wrap(e, "outer");
	assert_string_equal(e->msg, "outer: inner message");
}

static void
test_exit_codes(void **state)
{
	(void)state;
	assert_int_equal(pn_error_exit_code(NULL), 0);
	assert_int_equal(pn_error_exit_code(pn_error(PN_ERR_NET)), 75);
	assert_int_equal(pn_error_exit_code(pn_error(PN_ERR_UNAVAILABLE)), 75);
	assert_int_equal(pn_error_exit_code(pn_error(PN_ERR_USAGE)), 64);
	assert_int_equal(pn_error_exit_code(pn_error(PN_ERR_PARSE)), 65);
	assert_int_equal(pn_error_exit_code(pn_error(PN_ERR_TLS)), 65);
	assert_int_equal(pn_error_exit_code(pn_error(PN_ERR_INTERNAL)), 70);
	assert_true(pn_error_retryable(pn_error(PN_ERR_NET)));
	assert_false(pn_error_retryable(pn_error(PN_ERR_REJECTED)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constant),
		cmocka_unit_test(test_fmt_and_truncation),
		cmocka_unit_test(test_errno),
		cmocka_unit_test(test_ring_keeps_first_error),
		cmocka_unit_test(test_wrap_oldest_slot),
		cmocka_unit_test(test_exit_codes),
	};
	return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
