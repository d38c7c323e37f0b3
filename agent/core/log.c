#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* One log line at most this long; longer messages are cut (a log line is not a data channel). */
#define PN_LOG_LINE_MAX 2048

/* Process-wide settings, fixed at start-up by pn_log_init(). */
static enum pn_log_level max_level = PN_LOG_INFO;
static int journal_prefix;

static const char *
level_name(enum pn_log_level level)
{
	switch (level) {
	case PN_LOG_ERR:
		return "error: ";
	case PN_LOG_WARNING:
		return "warning: ";
	case PN_LOG_NOTICE:
		return "notice: ";
	case PN_LOG_DEBUG:
		return "debug: ";
	default:
		return "";
	}
}

void
pn_log_init(void)
{
	static const struct {
		const char *name;
		enum pn_log_level level;
	} names[] = {{"error", PN_LOG_ERR}, {"warning", PN_LOG_WARNING}, {"notice", PN_LOG_NOTICE},
	    {"info", PN_LOG_INFO}, {"debug", PN_LOG_DEBUG}};
	const char *v = getenv("PN_LOG_LEVEL");
	const char *p = getenv("PN_LOG_PREFIX");

	if (v != NULL)
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strcmp(v, names[i].name) == 0)
				max_level = names[i].level;
	journal_prefix = getenv("JOURNAL_STREAM") != NULL || (p != NULL && strcmp(p, "1") == 0);
}

void
pn_log_set_level(enum pn_log_level max)
{
	max_level = max;
}

void
pn_vlog(enum pn_log_level level, const char *fmt, va_list ap)
{
	char line[PN_LOG_LINE_MAX];
	int n;

	if (level > max_level)
		return;
	if (journal_prefix)
		n = snprintf(line, sizeof(line), "<%d>", (int)level);
	else
		n = snprintf(line, sizeof(line), "pinion: %s", level_name(level));
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	/* one event, one line: a message carrying a peer's text must not forge further log lines */
	for (char *c = line + n; *c != '\0'; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	fprintf(stderr, "%s\n", line);
}

void
pn_log(enum pn_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pn_vlog(level, fmt, ap);
	va_end(ap);
}

void
pn_log_error(const struct pn_error *err)
{
	if (err != NULL)
		pn_log(PN_LOG_ERR, "%s", err->msg);
}
