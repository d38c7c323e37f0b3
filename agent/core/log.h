/*
 * Log lines to stderr, one line per event. Under systemd (JOURNAL_STREAM set, or PN_LOG_PREFIX=1) each line
 * starts with the sd-daemon priority prefix "<N>" so journald records the level; otherwise lines read
 * "pinion: warning: ...". Log once, at the top: modules return errors, callers log them.
 */
#ifndef PN_LOG_H
#define PN_LOG_H

#include <stdarg.h>

#include "error.h"

/* syslog priorities, as journald understands them */
enum pn_log_level {
	PN_LOG_ERR = 3,
	PN_LOG_WARNING = 4,
	PN_LOG_NOTICE = 5,
	PN_LOG_INFO = 6,
	PN_LOG_DEBUG = 7,
};

/* Read PN_LOG_LEVEL (error|warning|notice|info|debug) and JOURNAL_STREAM once at start-up. */
void pn_log_init(void);
void pn_log_set_level(enum pn_log_level max);

void pn_log(enum pn_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pn_vlog(enum pn_log_level level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Log an error's message at PN_LOG_ERR. */
void pn_log_error(const struct pn_error *err);

#endif
