/*
 * The one error type of pinion (as Game of Trees does it): a fallible function returns
 * `const struct pn_error *`, NULL meaning success; results travel through out-parameters.
 *
 * Errors are never freed by callers. Constant errors (pn_error()) are static; formatted ones live in a small
 * per-thread ring of slots, so a second error made during cleanup does not overwrite the first one that is
 * still being returned. An error stays valid until PN_ERROR_RING further formatted errors were made on the
 * same thread: report it (or copy it with pn_error_copy) before doing much else.
 */
#ifndef PN_ERROR_H
#define PN_ERROR_H

#include <stdarg.h>
#include <stddef.h>

/* What kind of failure: decides the exit code and whether a retry may help. */
enum pn_err_code {
	PN_ERR_NOMEM = 1,	/* malloc failed */
	PN_ERR_TOO_LARGE,	/* a named limit was exceeded (not out-of-memory) */
	PN_ERR_ERRNO,		/* a system call failed; the message carries strerror */
	PN_ERR_USAGE,		/* bad command line or configuration */
	PN_ERR_PARSE,		/* malformed input: file, YAML, pack, HTTP, ... */
	PN_ERR_NOT_FOUND,	/* a named thing does not exist */
	PN_ERR_NET,		/* connection, name resolution, timeout: retryable */
	PN_ERR_TLS,		/* TLS handshake or certificate verification */
	PN_ERR_PROTO,		/* the peer broke its protocol */
	PN_ERR_AUTH,		/* the peer refused our credentials */
	PN_ERR_REJECTED,	/* the peer refused a valid request (e.g. API 4xx) */
	PN_ERR_UNAVAILABLE,	/* the peer is there but cannot serve now (5xx, 429): retryable */
	PN_ERR_UNSUPPORTED,	/* a feature pinion does not implement, said plainly */
	PN_ERR_INTERNAL,	/* a bug in pinion */
};

/* Longest message kept; longer ones are cut with "..." at the end. */
#define PN_ERROR_MSG_MAX 512
/* Formatted errors alive at once per thread (see above). */
#define PN_ERROR_RING 8

struct pn_error {
	enum pn_err_code code;
	char msg[PN_ERROR_MSG_MAX];
};

/* A static error with the code's generic message. */
const struct pn_error *pn_error(enum pn_err_code code);

/* An error with a printf-style message naming what failed. */
const struct pn_error *pn_error_fmt(enum pn_err_code code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const struct pn_error *pn_error_vfmt(enum pn_err_code code, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* PN_ERR_ERRNO with "<what>: strerror(errno)"; `what` names the call and its object ("open /var/lib/x"). */
const struct pn_error *pn_error_errno(const char *what);
const struct pn_error *pn_error_errno_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A new error "<prefix>: <err's message>" with err's code: adds context at a higher level. */
const struct pn_error *pn_error_wrap(const struct pn_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Whether a later attempt may succeed without anyone changing anything (network, server busy). */
int pn_error_retryable(const struct pn_error *err);

/* Process exit status for an error: 0 for NULL, 75 (EX_TEMPFAIL) retryable, 64 usage, 65 (EX_DATAERR) else. */
int pn_error_exit_code(const struct pn_error *err);

/* The code's name, e.g. "TOO_LARGE", for tests and logs. */
const char *pn_error_code_name(enum pn_err_code code);

/* Invariant violated: print file:line and the message, then abort. Only for true impossibilities. */
#define PN_BUG(msg) pn_bug(__FILE__, __LINE__, (msg))
_Noreturn void pn_bug(const char *file, int line, const char *msg);

#endif
