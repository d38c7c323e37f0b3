#include "pn_test.h"
#include "peer.h"

#include <sys/socket.h>
#include <sys/un.h>

#include "../../platform/notify.h"

static void
test_no_socket_is_noop(void **state)
{
	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_ok(pn_notify("READY=1"));
}

/* A real AF_UNIX datagram socket, as systemd has: the message arrives verbatim. */
static void
test_sends_datagram(void **state)
{
	char dir[PN_TEST_PATH_MAX], abs[PN_TEST_PATH_MAX * 2], path[PN_TEST_PATH_MAX * 3], got[PN_NOTIFY_MAX + 1];
	struct sockaddr_un sa;
	ssize_t n;
	int fd;

	(void)state;
	assert_int_equal(pn_test_tmpdir("notify", dir, sizeof(dir)), 0);
	assert_non_null(realpath(dir, abs));
	snprintf(path, sizeof(path), "%s/sock", abs);
	assert_true(strlen(path) < sizeof(((struct sockaddr_un *)0)->sun_path));
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setenv("NOTIFY_SOCKET", path, 1);
	assert_ok(pn_notify("READY=1\nSTATUS=synced main@sha1:abc"));
	n = recv(fd, got, sizeof(got) - 1, 0);
	assert_true(n > 0);
	got[n] = '\0';
	assert_string_equal(got, "READY=1\nSTATUS=synced main@sha1:abc");
	close(fd);

	setenv("NOTIFY_SOCKET", "relative/path", 1);
	assert_error(pn_notify("READY=1"), PN_ERR_USAGE, "NOTIFY_SOCKET is not a usable socket path");
	setenv("NOTIFY_SOCKET", path, 1);
	unlink(path);
	assert_error(pn_notify("READY=1"), PN_ERR_ERRNO, "notify: send to");
	unsetenv("NOTIFY_SOCKET");
	pn_test_rmtree(dir);
}

static void
test_watchdog(void **state)
{
	char pid[32];

	(void)state;
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	assert_int_equal(pn_notify_watchdog_usec(), 0);
	setenv("WATCHDOG_USEC", "30000000", 1);
	assert_int_equal(pn_notify_watchdog_usec(), 30000000);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(pn_notify_watchdog_usec(), 30000000);
	setenv("WATCHDOG_PID", "1", 1); /* meant for another process */
	assert_int_equal(pn_notify_watchdog_usec(), 0);
	setenv("WATCHDOG_PID", pid, 1);
	setenv("WATCHDOG_USEC", "junk", 1);
	assert_int_equal(pn_notify_watchdog_usec(), 0);
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_socket_is_noop),
		cmocka_unit_test(test_sends_datagram),
		cmocka_unit_test(test_watchdog),
	};
	return cmocka_run_group_tests_name("notify", tests, NULL, NULL);
}
