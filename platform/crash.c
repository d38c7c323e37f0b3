#include "crash.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../agent/core/banned.h"

/* The point to crash at, read once: NULL before the first call, "" when none. A process-wide test hook, not
 * state a reconcile can change. */
static const char *crash_at;

static const char *
target(void)
{
	if (crash_at == NULL) {
		const char *v = getenv(PN_CRASH_ENV);

		crash_at = v != NULL ? v : "";
	}
	return crash_at;
}

void
pn_crash_point(const char *point)
{
	const char *t = target();

	if (t[0] != '\0' && strcmp(t, point) == 0)
		_exit(PN_CRASH_STATUS);
}

void
pn_crash_point2(const char *prefix, const char *step)
{
	const char *t = target();
	size_t n = strlen(prefix);

	if (t[0] != '\0' && strncmp(t, prefix, n) == 0 && t[n] == '-' && strcmp(t + n + 1, step) == 0)
		_exit(PN_CRASH_STATUS);
}
