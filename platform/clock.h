/*
 * Time. Intervals and deadlines use the monotonic clock (a Pi without an RTC jumps its wall clock at boot when
 * NTP syncs); wall time only for timestamps shown to people and sent to the API.
 */
#ifndef PN_CLOCK_H
#define PN_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "../agent/core/error.h"

/* Milliseconds on the monotonic clock (arbitrary origin). */
uint64_t pn_clock_mono_ms(void);

/* Seconds since the epoch on the wall clock. */
int64_t pn_clock_wall(void);

/* Format `t` as RFC 3339 UTC ("2026-11-26T16:22:00Z") into buf (at least PN_CLOCK_RFC3339_LEN bytes). */
#define PN_CLOCK_RFC3339_LEN 32
const struct pn_error *pn_clock_rfc3339(int64_t t, char *buf, size_t len);

/* Sleep for `ms` milliseconds (restarted after signals unless *stop becomes non-zero; stop may be NULL). */
void pn_clock_sleep_ms(uint64_t ms, volatile const int *stop);

#endif
