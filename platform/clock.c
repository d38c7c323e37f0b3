#include "clock.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "../agent/core/banned.h"

#define PN_MS_PER_S 1000u
#define PN_NS_PER_MS 1000000u

uint64_t
pn_clock_mono_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		PN_BUG("CLOCK_MONOTONIC unavailable");
	return (uint64_t)ts.tv_sec * PN_MS_PER_S + (uint64_t)ts.tv_nsec / PN_NS_PER_MS;
}

int64_t
pn_clock_wall(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		PN_BUG("CLOCK_REALTIME unavailable");
	return (int64_t)ts.tv_sec;
}

const struct pn_error *
pn_clock_rfc3339(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if ((int64_t)tt != t || gmtime_r(&tt, &tm) == NULL)
		return pn_error_fmt(PN_ERR_PARSE, "time %lld out of range", (long long)t);
	if (strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "time buffer of %zu bytes too small", len);
	return NULL;
}

void
pn_clock_sleep_ms(uint64_t ms, volatile const int *stop)
{
	struct timespec ts, rem;

	ts.tv_sec = (time_t)(ms / PN_MS_PER_S);
	ts.tv_nsec = (long)(ms % PN_MS_PER_S) * (long)PN_NS_PER_MS;
	while (nanosleep(&ts, &rem) == -1 && errno == EINTR) {
		if (stop != NULL && *stop)
			return;
		ts = rem;
	}
}
