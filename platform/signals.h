/*
 * Signals for the daemon: SIGTERM/SIGINT ask it to stop, SIGHUP to reconcile now; SIGPIPE and SIGXFSZ are
 * ignored, so a closed peer is an EPIPE error and a file size limit an EFBIG error, not a death. Handlers only
 * set flags; the main loop reads them.
 */
#ifndef PN_SIGNALS_H
#define PN_SIGNALS_H

#include "../agent/core/error.h"

struct pn_signals {
	volatile int stop;	/* SIGTERM or SIGINT seen */
	volatile int reload;	/* SIGHUP seen */
};

/* Install the handlers; the flags live in the struct returned by pn_signals_state(). */
const struct pn_error *pn_signals_init(void);
struct pn_signals *pn_signals_state(void);

#endif
