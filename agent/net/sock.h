/*
 * TCP connections: every address getaddrinfo returns is tried in order (a Pi maps localhost to ::1 as well as
 * 127.0.0.1), each within what is left of one deadline. Sockets are non-blocking; I/O waits with poll() until
 * the caller's deadline (a monotonic time in ms, see platform/clock.h).
 */
#ifndef PN_SOCK_H
#define PN_SOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../core/error.h"

/* Connect to host:port before `deadline_ms`. *fd is a connected non-blocking socket on success. */
const struct pn_error *pn_sock_connect(const char *host, const char *port, uint64_t deadline_ms, int *fd);

/* Wait until fd is readable (want_write 0) or writable (1), or the deadline passes (PN_ERR_NET "timed out"). */
const struct pn_error *pn_sock_wait(int fd, int want_write, uint64_t deadline_ms, const char *what);

/* Read up to len bytes (waiting for at least one); *n == 0 means the peer closed the connection. */
const struct pn_error *pn_sock_read(int fd, void *buf, size_t len, uint64_t deadline_ms, size_t *n);

/* Write all len bytes. */
const struct pn_error *pn_sock_write_all(int fd, const void *buf, size_t len, uint64_t deadline_ms);

#endif
