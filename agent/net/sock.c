#include "sock.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "../../platform/clock.h"
#include "../core/banned.h"

/* poll() takes an int of milliseconds; wait in slices no longer than this */
#define PN_SOCK_POLL_SLICE_MS 60000u

const struct pn_error *
pn_sock_wait(int fd, int want_write, uint64_t deadline_ms, const char *what)
{
	struct pollfd pfd;

	pfd.fd = fd;
	pfd.events = want_write ? POLLOUT : POLLIN;
	for (;;) {
		uint64_t now = pn_clock_mono_ms(), left;
		int r;

		if (now >= deadline_ms)
			return pn_error_fmt(PN_ERR_NET, "%s: timed out", what);
		left = deadline_ms - now;
		if (left > PN_SOCK_POLL_SLICE_MS)
			left = PN_SOCK_POLL_SLICE_MS;
		pfd.revents = 0;
		r = poll(&pfd, 1, (int)left);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return pn_error_errno_fmt("%s: poll", what);
		}
		if (r > 0)
			return NULL; /* readable, writable, or an error the next call will report */
	}
}

static const struct pn_error *
try_address(const struct addrinfo *ai, const char *name, uint64_t deadline_ms, int *out)
{
	const struct pn_error *err = NULL;
	int fd, soerr = 0, one = 1;
	socklen_t len = sizeof(soerr);

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
	if (fd == -1)
		return pn_error_errno_fmt("socket for %s", name);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		if (errno != EINPROGRESS) {
			err = pn_error_errno_fmt("connect to %s", name);
			goto done;
		}
		if ((err = pn_sock_wait(fd, 1, deadline_ms, name)) != NULL)
			goto done;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1) {
			err = pn_error_errno_fmt("connect to %s", name);
			goto done;
		}
		if (soerr != 0) {
			errno = soerr;
			err = pn_error_errno_fmt("connect to %s", name);
			goto done;
		}
	}
	/* requests are small and answered at once: do not let Nagle hold them back */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	*out = fd;
	fd = -1;
done:
	if (fd != -1)
		close(fd);
	if (err != NULL)
		err = pn_error_fmt(PN_ERR_NET, "%s", err->msg);
	return err;
}

/* Whether host is an mDNS name ("nas.local", "nas.local."), compared without case. */
static int
is_mdns_name(const char *host)
{
	static const char suffix[] = ".local";
	size_t n = strlen(host), k = sizeof(suffix) - 1;

	if (n > 0 && host[n - 1] == '.')
		n--;
	return n > k && strncasecmp(host + n - k, suffix, k) == 0;
}

const struct pn_error *
pn_sock_connect(const char *host, const char *port, uint64_t deadline_ms, int *fd)
{
	struct addrinfo hints, *res = NULL;
	const struct pn_error *err = NULL;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc == EAI_NONAME || rc == EAI_ADDRFAMILY) {
		/* AI_ADDRCONFIG hides loopback-only families on hosts without other addresses: ask again */
		hints.ai_flags = 0;
		rc = getaddrinfo(host, port, &hints, &res);
	}
	if (rc != 0) {
		if (rc == EAI_SYSTEM)
			return pn_error_errno_fmt("resolve %s", host);
		if (is_mdns_name(host))
			/* static musl binaries resolve through /etc/hosts and DNS only: say what to do instead */
			return pn_error_fmt(PN_ERR_NET, "cannot resolve %s: %s (a .local name needs mDNS, which pinion's "
			    "static binary does not have: put the host in /etc/hosts or use its IP address)", host,
			    gai_strerror(rc));
		return pn_error_fmt(PN_ERR_NET, "cannot resolve %s: %s", host, gai_strerror(rc));
	}
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		char addr[NI_MAXHOST], name[NI_MAXHOST + 64];

		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, sizeof(addr), NULL, 0, NI_NUMERICHOST) != 0)
			snprintf(addr, sizeof(addr), "?");
		snprintf(name, sizeof(name), ai->ai_family == AF_INET6 ? "[%s]:%s" : "%s:%s", addr, port);
		/* the last failure is the one reported: with several addresses each gets its try first */
		if ((err = try_address(ai, name, deadline_ms, fd)) == NULL)
			break;
	}
	freeaddrinfo(res);
	if (err != NULL)
		err = pn_error_wrap(err, "cannot connect to %s port %s", host, port);
	return err;
}

const struct pn_error *
pn_sock_read(int fd, void *buf, size_t len, uint64_t deadline_ms, size_t *n)
{
	const struct pn_error *err;

	for (;;) {
		ssize_t r = read(fd, buf, len);

		if (r >= 0) {
			*n = (size_t)r;
			return NULL;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return pn_error_fmt(PN_ERR_NET, "read: %s", strerror(errno));
		if ((err = pn_sock_wait(fd, 0, deadline_ms, "read")) != NULL)
			return err;
	}
}

const struct pn_error *
pn_sock_write_all(int fd, const void *buf, size_t len, uint64_t deadline_ms)
{
	const char *p = buf;
	const struct pn_error *err;

	while (len > 0) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);

		if (w >= 0) {
			p += w;
			len -= (size_t)w;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return pn_error_fmt(PN_ERR_NET, "write: %s", strerror(errno));
		if ((err = pn_sock_wait(fd, 1, deadline_ms, "write")) != NULL)
			return err;
	}
	return NULL;
}
