#include "signals.h"

#include <signal.h>
#include <string.h>

#include "../agent/core/banned.h"

/* Signal handlers can reach no other state: this is the process's one set of flags. */
static struct pn_signals flags;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		flags.reload = 1;
	else
		flags.stop = 1;
}

struct pn_signals *
pn_signals_state(void)
{
	return &flags;
}

const struct pn_error *
pn_signals_init(void)
{
	static const int caught[] = {SIGTERM, SIGINT, SIGHUP};
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1)
		return pn_error_errno("sigaction SIGPIPE");
	/* a file size limit (systemd LimitFSIZE, a full quota) must be a clear EFBIG error, not a death */
	if (sigaction(SIGXFSZ, &sa, NULL) == -1)
		return pn_error_errno("sigaction SIGXFSZ");
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: blocking calls return EINTR so the loop can see the flag */
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
		if (sigaction(caught[i], &sa, NULL) == -1)
			return pn_error_errno("sigaction");
	return NULL;
}
