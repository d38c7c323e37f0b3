/*
 * systemd service notification (Type=notify) without libsystemd: one datagram to $NOTIFY_SOCKET.
 * Outside systemd (no NOTIFY_SOCKET) every call is a successful no-op.
 */
#ifndef PN_NOTIFY_H
#define PN_NOTIFY_H

#include <stdint.h>

#include "../agent/core/error.h"

/* Longest state string sent in one datagram ("READY=1\nSTATUS=...") */
#define PN_NOTIFY_MAX 512

/* Send `state`, e.g. "READY=1", "STOPPING=1", "WATCHDOG=1", "STATUS=fetching main". */
const struct pn_error *pn_notify(const char *state);

/* The watchdog interval systemd asked for (WATCHDOG_USEC, honouring WATCHDOG_PID), in microseconds; 0 when
 * the watchdog is off. Ping at half of it. */
uint64_t pn_notify_watchdog_usec(void);

#endif
