#include "buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* First allocation; doubling from here keeps small buffers small. */
#define PN_BUF_MIN_ALLOC 64

void
pn_buf_init(struct pn_buf *b, size_t max, const char *what)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->what = what != NULL ? what : "buffer";
}

void
pn_buf_release(struct pn_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
pn_buf_reset(struct pn_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* Ensure room for len + n bytes plus the NUL. */
static const struct pn_error *
grow(struct pn_buf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (n > b->max || b->len > b->max - n)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s exceeds its limit of %zu bytes", b->what, b->max);
	need = b->len + n + 1;
	if (need <= b->cap)
		return NULL;
	cap = b->cap != 0 ? b->cap : PN_BUF_MIN_ALLOC;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	/* no more than the ceiling allows (max + 1 for the NUL, which must not wrap for max == SIZE_MAX) */
	if (b->max < SIZE_MAX && cap > b->max + 1)
		cap = b->max + 1;
	p = realloc(b->data, cap);
	if (p == NULL)
		return pn_error_fmt(PN_ERR_NOMEM, "%s: cannot allocate %zu bytes", b->what, cap);
	b->data = p;
	b->cap = cap;
	b->data[b->len] = '\0'; /* reserved but uncommitted room must not show through pn_buf_str() */
	return NULL;
}

const struct pn_error *
pn_buf_add(struct pn_buf *b, const void *data, size_t len)
{
	const struct pn_error *err;

	if ((err = grow(b, len)) != NULL)
		return err;
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return NULL;
}

const struct pn_error *
pn_buf_addstr(struct pn_buf *b, const char *s)
{
	return pn_buf_add(b, s, strlen(s));
}

const struct pn_error *
pn_buf_addch(struct pn_buf *b, char c)
{
	return pn_buf_add(b, &c, 1);
}

const struct pn_error *
pn_buf_vaddf(struct pn_buf *b, const char *fmt, va_list ap)
{
	const struct pn_error *err;
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return pn_error_fmt(PN_ERR_INTERNAL, "%s: bad format", b->what);
	if ((err = grow(b, (size_t)n)) != NULL)
		return err;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return NULL;
}

const struct pn_error *
pn_buf_addf(struct pn_buf *b, const char *fmt, ...)
{
	const struct pn_error *err;
	va_list ap;

	va_start(ap, fmt);
	err = pn_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return err;
}

const struct pn_error *
pn_buf_reserve(struct pn_buf *b, size_t n, char **out)
{
	const struct pn_error *err;

	if ((err = grow(b, n)) != NULL)
		return err;
	*out = b->data + b->len;
	return NULL;
}

void
pn_buf_commit(struct pn_buf *b, size_t n)
{
	if (n > b->cap - 1 - b->len)
		PN_BUG("pn_buf_commit past the reserved room");
	b->len += n;
	b->data[b->len] = '\0';
}

void
pn_buf_consume(struct pn_buf *b, size_t n)
{
	if (n > b->len)
		PN_BUG("pn_buf_consume past the end");
	if (n == 0)
		return;
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

const struct pn_error *
pn_buf_detach(struct pn_buf *b, char **out, size_t *len)
{
	const struct pn_error *err;

	if (b->data == NULL && (err = grow(b, 0)) != NULL)
		return err;
	b->data[b->len] = '\0';
	*out = b->data;
	if (len != NULL)
		*len = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return NULL;
}

const char *
pn_buf_str(const struct pn_buf *b)
{
	return b->data != NULL ? b->data : "";
}
