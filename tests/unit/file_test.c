#include "pn_test.h"
#include "peer.h"

#include "../../agent/core/file.h"
#include "../../platform/atomic.h"

static char dir[PN_TEST_PATH_MAX];

static int
setup(void **state)
{
	(void)state;
	return pn_test_tmpdir("file", dir, sizeof(dir));
}

static int
teardown(void **state)
{
	(void)state;
	pn_test_rmtree(dir);
	return 0;
}

static void
test_limits(void **state)
{
	char path[PN_TEST_PATH_MAX + 16], data[40000];
	struct pn_buf b;

	(void)state;
	memset(data, 'k', sizeof(data));
	snprintf(path, sizeof(path), "%s/key", dir);
	assert_ok(pn_atomic_write(path, data, sizeof(data), 0600));

	pn_buf_init(&b, sizeof(data), "private key");	/* exactly at the ceiling: accepted */
	assert_ok(pn_file_read(path, &b));
	assert_int_equal(b.len, sizeof(data));
	pn_buf_release(&b);

	pn_buf_init(&b, sizeof(data) - 1, "private key");
	assert_error(pn_file_read(path, &b), PN_ERR_TOO_LARGE, "is larger than the 39999 bytes allowed for private key");
	pn_buf_release(&b);

	assert_ok(pn_atomic_write(path, "", 0, 0600));
	pn_buf_init(&b, 0, "empty");
	assert_ok(pn_file_read(path, &b));
	assert_int_equal(b.len, 0);
	pn_buf_release(&b);

	pn_buf_init(&b, 10, "x");
	assert_error(pn_file_read("/nonexistent/file", &b), PN_ERR_ERRNO, "open /nonexistent/file: No such file");
	pn_buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests_name("file", tests, setup, teardown);
}
