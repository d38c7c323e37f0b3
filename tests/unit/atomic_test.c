#include "pn_test.h"
#include "peer.h"

#include <dirent.h>
#include <fcntl.h>

#include "../../agent/core/buf.h"
#include "../../agent/core/file.h"
#include "../../platform/atomic.h"

static char dir[PN_TEST_PATH_MAX];

static int
setup(void **state)
{
	(void)state;
	return pn_test_tmpdir("atomic", dir, sizeof(dir));
}

static int
teardown(void **state)
{
	(void)state;
	pn_test_rmtree(dir);
	return 0;
}

static void
read_back(const char *path, const char *want)
{
	struct pn_buf b;

	pn_buf_init(&b, 1024, "state file");
	assert_ok(pn_file_read(path, &b));
	assert_string_equal(pn_buf_str(&b), want);
	pn_buf_release(&b);
}

static int
count_entries(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *de;
	int n = 0;

	assert_non_null(dp);
	while ((de = readdir(dp)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(dp);
	return n;
}

static void
test_replace(void **state)
{
	char path[PN_TEST_PATH_MAX + 16];
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/applied", dir);
	assert_ok(pn_atomic_write(path, "rev1\n", 5, 0600));
	read_back(path, "rev1\n");
	assert_ok(pn_atomic_write(path, "revision-two\n", 13, 0600));
	read_back(path, "revision-two\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(count_entries(dir), 1); /* no temporary left behind */
	assert_ok(pn_atomic_write(path, "", 0, 0600));
	read_back(path, "");
}

/* A failed write leaves the old contents and no temporary file. */
static void
test_failure_keeps_old(void **state)
{
	char path[PN_TEST_PATH_MAX + 16], sub[PN_TEST_PATH_MAX + 16];

	(void)state;
	snprintf(sub, sizeof(sub), "%s/ro", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(path, sizeof(path), "%s/ro/state", dir);
	assert_ok(pn_atomic_write(path, "old", 3, 0644));
	if (geteuid() == 0) {
		/* root ignores directory permissions: make the rename fail instead, with a directory as target */
		char target[PN_TEST_PATH_MAX + 32];

		snprintf(target, sizeof(target), "%s/ro/isdir", dir);
		assert_int_equal(mkdir(target, 0755), 0);
		assert_error(pn_atomic_write(target, "x", 1, 0644), PN_ERR_ERRNO, "rename");
		assert_int_equal(count_entries(sub), 2);
	} else {
		assert_int_equal(chmod(sub, 0555), 0);
		assert_error(pn_atomic_write(path, "new", 3, 0644), PN_ERR_ERRNO, "create");
		assert_int_equal(chmod(sub, 0755), 0);
	}
	read_back(path, "old");
}

static void
test_missing_dir(void **state)
{
	(void)state;
	assert_error(pn_atomic_write("/nonexistent-pinion-dir/state", "x", 1, 0600), PN_ERR_ERRNO,
	    "create /nonexistent-pinion-dir/state.tmp.");
	assert_ok(pn_atomic_sync_dir(dir));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_failure_keeps_old),
		cmocka_unit_test(test_missing_dir),
	};
	return cmocka_run_group_tests_name("atomic", tests, setup, teardown);
}
