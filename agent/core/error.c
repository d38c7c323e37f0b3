#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* Exit statuses from sysexits.h, written out so the meaning is visible where they are chosen. */
#define PN_EXIT_USAGE 64
#define PN_EXIT_DATAERR 65
#define PN_EXIT_SOFTWARE 70
#define PN_EXIT_TEMPFAIL 75

static const struct {
	enum pn_err_code code;
	const char *name;
	const char *msg;
} codes[] = {
	{PN_ERR_NOMEM, "NOMEM", "out of memory"},
	{PN_ERR_TOO_LARGE, "TOO_LARGE", "input exceeds a limit"},
	{PN_ERR_ERRNO, "ERRNO", "system call failed"},
	{PN_ERR_USAGE, "USAGE", "invalid usage"},
	{PN_ERR_PARSE, "PARSE", "malformed input"},
	{PN_ERR_NOT_FOUND, "NOT_FOUND", "not found"},
	{PN_ERR_NET, "NET", "network error"},
	{PN_ERR_TLS, "TLS", "TLS error"},
	{PN_ERR_PROTO, "PROTO", "protocol error"},
	{PN_ERR_AUTH, "AUTH", "authentication failed"},
	{PN_ERR_REJECTED, "REJECTED", "request rejected"},
	{PN_ERR_UNAVAILABLE, "UNAVAILABLE", "service unavailable"},
	{PN_ERR_UNSUPPORTED, "UNSUPPORTED", "not supported"},
	{PN_ERR_INTERNAL, "INTERNAL", "internal error"},
};

#define NCODES (sizeof(codes) / sizeof(codes[0]))

static struct pn_error static_errors[NCODES];
static _Thread_local struct pn_error ring[PN_ERROR_RING];
static _Thread_local unsigned ring_next;

static size_t
code_index(enum pn_err_code code)
{
	for (size_t i = 0; i < NCODES; i++)
		if (codes[i].code == code)
			return i;
	return NCODES - 1; /* unknown code: report as internal */
}

const char *
pn_error_code_name(enum pn_err_code code)
{
	return codes[code_index(code)].name;
}

const struct pn_error *
pn_error(enum pn_err_code code)
{
	size_t i = code_index(code);
	struct pn_error *e = &static_errors[i];

	/* Filling the same constant text every time is idempotent, so concurrent callers are harmless. */
	e->code = codes[i].code;
	snprintf(e->msg, sizeof(e->msg), "%s", codes[i].msg);
	return e;
}

static struct pn_error *
slot(void)
{
	struct pn_error *e = &ring[ring_next];
	ring_next = (ring_next + 1) % PN_ERROR_RING;
	return e;
}

static void
mark_truncated(struct pn_error *e, int n)
{
	static const char ell[] = "...";

	if (n >= 0 && (size_t)n >= sizeof(e->msg))
		memcpy(e->msg + sizeof(e->msg) - sizeof(ell), ell, sizeof(ell));
}

const struct pn_error *
pn_error_vfmt(enum pn_err_code code, const char *fmt, va_list ap)
{
	struct pn_error *e = slot();
	int n;

	e->code = code;
	n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	if (n < 0)
		snprintf(e->msg, sizeof(e->msg), "%s", codes[code_index(code)].msg);
	mark_truncated(e, n);
	return e;
}

const struct pn_error *
pn_error_fmt(enum pn_err_code code, const char *fmt, ...)
{
	const struct pn_error *e;
	va_list ap;

	va_start(ap, fmt);
	e = pn_error_vfmt(code, fmt, ap);
	va_end(ap);
	return e;
}

const struct pn_error *
pn_error_errno(const char *what)
{
	int saved = errno;

	if (saved == ENOMEM)
		return pn_error_fmt(PN_ERR_NOMEM, "%s: %s", what, strerror(saved));
	return pn_error_fmt(PN_ERR_ERRNO, "%s: %s", what, strerror(saved));
}

const struct pn_error *
pn_error_errno_fmt(const char *fmt, ...)
{
	char what[PN_ERROR_MSG_MAX];
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	errno = saved;
	return pn_error_errno(what);
}

const struct pn_error *
pn_error_wrap(const struct pn_error *err, const char *fmt, ...)
{
	char prefix[PN_ERROR_MSG_MAX];
	struct pn_error inner;
	va_list ap;

	if (err == NULL)
		return NULL;
	/* err may be the ring slot the new error is about to take: copy it first. */
	inner = *err;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	return pn_error_fmt(inner.code, "%s: %s", prefix, inner.msg);
}

int
pn_error_retryable(const struct pn_error *err)
{
	if (err == NULL)
		return 0;
	switch (err->code) {
	case PN_ERR_NET:
	case PN_ERR_UNAVAILABLE:
	case PN_ERR_NOMEM:
		return 1;
	default:
		return 0;
	}
}

int
pn_error_exit_code(const struct pn_error *err)
{
	if (err == NULL)
		return 0;
	if (pn_error_retryable(err))
		return PN_EXIT_TEMPFAIL;
	switch (err->code) {
	case PN_ERR_USAGE:
		return PN_EXIT_USAGE;
	case PN_ERR_INTERNAL:
		return PN_EXIT_SOFTWARE;
	default:
		return PN_EXIT_DATAERR;
	}
}

_Noreturn void
pn_bug(const char *file, int line, const char *msg)
{
	fprintf(stderr, "pinion: BUG at %s:%d: %s\n", file, line, msg);
	abort();
}
