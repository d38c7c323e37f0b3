#include "pn_test.h"
#include "peer.h"

#include <fcntl.h>

#include "../../agent/core/log.h"

/* Capture stderr into a file while `fn` logs, return what was written. */
static void
capture(void (*fn)(void), char *out, size_t len)
{
	char dir[PN_TEST_PATH_MAX], path[PN_TEST_PATH_MAX + 8];
	int saved, fd;
	ssize_t n;

	assert_int_equal(pn_test_tmpdir("log", dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/err", dir);
	fflush(stderr);
	saved = dup(2);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	dup2(fd, 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, out, len - 1, 0);
	assert_true(n >= 0);
	out[n] = '\0';
	close(fd);
	pn_test_rmtree(dir);
}

static void
log_some(void)
{
	pn_log(PN_LOG_WARNING, "fetch %s failed", "main");
	pn_log(PN_LOG_DEBUG, "hidden at the default level");
	pn_log(PN_LOG_ERR, "line one\nforged: line two");
	pn_log_error(pn_error_fmt(PN_ERR_PARSE, "a.yaml:3: duplicate key"));
}

static void
test_plain(void **state)
{
	char out[1024];

	(void)state;
	unsetenv("JOURNAL_STREAM");
	unsetenv("PN_LOG_PREFIX");
	unsetenv("PN_LOG_LEVEL");
	pn_log_init();
	capture(log_some, out, sizeof(out));
	assert_string_equal(out, "pinion: warning: fetch main failed\n"
				 "pinion: error: line one forged: line two\n"
				 "pinion: error: a.yaml:3: duplicate key\n");
}

static void
test_journal_and_level(void **state)
{
	char out[1024];

	(void)state;
	setenv("JOURNAL_STREAM", "8:1234", 1);
	setenv("PN_LOG_LEVEL", "debug", 1);
	pn_log_init();
	capture(log_some, out, sizeof(out));
	assert_string_equal(out, "<4>fetch main failed\n"
				 "<7>hidden at the default level\n"
				 "<3>line one forged: line two\n"
				 "<3>a.yaml:3: duplicate key\n");
	unsetenv("JOURNAL_STREAM");
	unsetenv("PN_LOG_LEVEL");
	pn_log_init();
	pn_log_set_level(PN_LOG_INFO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_journal_and_level),
	};
	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
