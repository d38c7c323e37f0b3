#include "pn_test.h"

#include <netinet/in.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/socket.h>

#include "../../agent/net/sock.h"
#include "../../platform/clock.h"

#define IO_TIMEOUT_MS 5000

/* A listening socket on 127.0.0.1, port 0; the port is read back. */
static int
listener(int *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void
test_roundtrip_and_close(void **state)
{
	char portstr[16], buf[16];
	int lfd, port, cfd, sfd;
	size_t n;
	uint64_t deadline = pn_clock_mono_ms() + IO_TIMEOUT_MS;

	(void)state;
	lfd = listener(&port);
	snprintf(portstr, sizeof(portstr), "%d", port);
	assert_ok(pn_sock_connect("127.0.0.1", portstr, deadline, &cfd));
	sfd = accept(lfd, NULL, NULL);
	assert_true(sfd >= 0);
	assert_ok(pn_sock_write_all(cfd, "ping", 4, deadline));
	assert_int_equal(read(sfd, buf, sizeof(buf)), 4);
	assert_int_equal(write(sfd, "pong", 4), 4);
	assert_ok(pn_sock_read(cfd, buf, sizeof(buf), deadline, &n));
	assert_int_equal(n, 4);
	assert_memory_equal(buf, "pong", 4);
	close(sfd);
	assert_ok(pn_sock_read(cfd, buf, sizeof(buf), deadline, &n));
	assert_int_equal(n, 0); /* clean close */
	close(cfd);
	close(lfd);
}

/* A peer that never answers: the read gives up at the deadline with a NET error. */
static void
test_read_timeout(void **state)
{
	char portstr[16], buf[4];
	int lfd, port, cfd;
	size_t n;
	uint64_t t0 = pn_clock_mono_ms();

	(void)state;
	lfd = listener(&port);
	snprintf(portstr, sizeof(portstr), "%d", port);
	assert_ok(pn_sock_connect("localhost", portstr, t0 + IO_TIMEOUT_MS, &cfd));
	assert_error(pn_sock_read(cfd, buf, sizeof(buf), pn_clock_mono_ms() + 100, &n), PN_ERR_NET,
	    "read: timed out");
	assert_true(pn_clock_mono_ms() - t0 >= 100);
	close(cfd);
	close(lfd);
}

static void
test_refused_and_unresolvable(void **state)
{
	int fd;

	(void)state;
	/* port 1 on loopback: nothing listens there, the kernel refuses at once */
	assert_error(pn_sock_connect("127.0.0.1", "1", pn_clock_mono_ms() + IO_TIMEOUT_MS, &fd), PN_ERR_NET,
	    "cannot connect to 127.0.0.1 port 1: connect to 127.0.0.1:1: Connection refused");
	assert_error(pn_sock_connect("name.invalid", "443", pn_clock_mono_ms() + IO_TIMEOUT_MS, &fd), PN_ERR_NET,
	    "cannot resolve name.invalid");
}

/* A Pi user's nas.local: musl has no mDNS, so the error says what to do instead. */
static void
test_local_name_hint(void **state)
{
	int fd;

	(void)state;
	assert_error(pn_sock_connect("pinion-test-no-such-host.local", "443", pn_clock_mono_ms() + IO_TIMEOUT_MS,
	    &fd), PN_ERR_NET, "a .local name needs mDNS");
	assert_error(pn_sock_connect("pinion-test-no-such-host.LOCAL.", "443", pn_clock_mono_ms() + IO_TIMEOUT_MS,
	    &fd), PN_ERR_NET, "put the host in /etc/hosts or use its IP address");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_and_close),
		cmocka_unit_test(test_read_timeout),
		cmocka_unit_test(test_refused_and_unresolvable),
		cmocka_unit_test(test_local_name_hint),
	};
	return cmocka_run_group_tests_name("sock", tests, NULL, NULL);
}
