#include "notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../agent/core/num.h"
#include "../agent/core/banned.h"

const struct pn_error *
pn_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	size_t plen, slen;
	socklen_t salen;
	ssize_t n;
	int fd = -1;
	const struct pn_error *err = NULL;

	if (path == NULL || path[0] == '\0')
		return NULL;
	plen = strlen(path);
	slen = strlen(state);
	if (slen > PN_NOTIFY_MAX)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "notify state longer than %d bytes", PN_NOTIFY_MAX);
	if ((path[0] != '/' && path[0] != '@') || plen >= sizeof(sa.sun_path))
		return pn_error_fmt(PN_ERR_USAGE, "NOTIFY_SOCKET is not a usable socket path: %s", path);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, plen);
	if (path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract namespace */
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen + (path[0] == '@' ? 0 : 1));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return pn_error_errno("notify: socket");
	do
		n = sendto(fd, state, slen, MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		err = pn_error_errno_fmt("notify: send to %s", path);
	else if ((size_t)n != slen)
		err = pn_error_fmt(PN_ERR_ERRNO, "notify: short send to %s", path);
	if (close(fd) == -1 && err == NULL)
		err = pn_error_errno("notify: close");
	return err;
}

uint64_t
pn_notify_watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	uint64_t v, p;

	if (usec == NULL || pn_num_parse_u64(usec, 1, UINT64_MAX, "WATCHDOG_USEC", &v) != NULL)
		return 0;
	if (pid != NULL) {
		if (pn_num_parse_u64(pid, 1, UINT64_MAX, "WATCHDOG_PID", &p) != NULL)
			return 0;
		if (p != (uint64_t)getpid())
			return 0; /* meant for another process */
	}
	return v;
}
