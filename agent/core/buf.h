/*
 * Bounded growable byte buffer (after curl's dynbuf). Every buffer gets its ceiling when it is created;
 * growing past it fails with PN_ERR_TOO_LARGE, which is not out-of-memory. The contents are always
 * NUL-terminated (the NUL is not counted in len and not in the ceiling), so text can be used as a C string.
 */
#ifndef PN_BUF_H
#define PN_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "error.h"

struct pn_buf {
	char *data;	/* NULL until the first append */
	size_t len;	/* bytes used, excluding the terminating NUL */
	size_t cap;	/* bytes allocated, including room for the NUL */
	size_t max;	/* ceiling on len */
	const char *what;	/* names the buffer in TOO_LARGE errors, e.g. "HTTP header" */
};

/* Set up an empty buffer that may hold at most `max` bytes. Allocates nothing. */
void pn_buf_init(struct pn_buf *b, size_t max, const char *what);

/* Free the contents; the buffer is empty and reusable with the same ceiling afterwards. */
void pn_buf_release(struct pn_buf *b);

/* Empty the buffer, keeping its memory. */
void pn_buf_reset(struct pn_buf *b);

const struct pn_error *pn_buf_add(struct pn_buf *b, const void *data, size_t len);
const struct pn_error *pn_buf_addstr(struct pn_buf *b, const char *s);
const struct pn_error *pn_buf_addch(struct pn_buf *b, char c);
const struct pn_error *pn_buf_addf(struct pn_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const struct pn_error *pn_buf_vaddf(struct pn_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Make room for `n` more bytes without changing len; *out points at them. Commit with pn_buf_commit(). */
const struct pn_error *pn_buf_reserve(struct pn_buf *b, size_t n, char **out);
void pn_buf_commit(struct pn_buf *b, size_t n);

/* Drop the first n bytes (n <= len), moving the rest to the front. */
void pn_buf_consume(struct pn_buf *b, size_t n);

/* Take the contents as a NUL-terminated string (never NULL for an empty buffer); the buffer is left empty.
 * The caller frees it with free(). */
const struct pn_error *pn_buf_detach(struct pn_buf *b, char **out, size_t *len);

/* The contents as a C string ("" when empty). Valid until the next change. */
const char *pn_buf_str(const struct pn_buf *b);

#endif
