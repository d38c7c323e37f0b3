#include "delta.h"

#include <string.h>

#include "../core/banned.h"

/* A copy instruction with no size bytes copies this much (the format's rule, not a tunable). */
#define DELTA_COPY_DEFAULT 0x10000u
#define DELTA_OP_COPY 0x80u
#define DELTA_INSERT_MAX 0x7fu

enum { D_BASE_SIZE, D_RESULT_SIZE, D_OP, D_COPY, D_INSERT, D_FAILED };

static const char *const varint_name[] = {"base size", "result size"};

static const struct pn_error *
fail(struct pn_delta *d, const struct pn_error *err)
{
	if (err != NULL && d->err == NULL) {
		d->err_store = *err;
		d->err = &d->err_store;
		d->state = D_FAILED;
	}
	return d->err;
}

void
pn_delta_init(struct pn_delta *d, uint64_t base_len, const struct pn_delta_ops *ops, void *arg)
{
	memset(d, 0, sizeof(*d));
	d->ops = ops;
	d->arg = arg;
	d->base_len = base_len;
	d->state = D_BASE_SIZE;
}

/* One byte of a size varint (at d->pos, not yet counted). */
static const struct pn_error *
varint_byte(struct pn_delta *d, uint8_t c)
{
	const char *what = varint_name[d->state == D_RESULT_SIZE];
	uint64_t bits = c & 0x7fu;

	if (d->shift > 63 || (bits << d->shift) >> d->shift != bits)
		return pn_error_fmt(PN_ERR_PARSE, "delta byte %llu: %s does not fit 64 bits", (unsigned long long)d->pos,
		    what);
	d->varint |= bits << d->shift;
	d->shift += 7;
	d->nbytes++;
	if (c & 0x80u) {
		if (d->nbytes == PN_DELTA_VARINT_MAX)
			return pn_error_fmt(PN_ERR_PARSE, "delta byte %llu: %s is longer than %d bytes",
			    (unsigned long long)d->pos + 1, what, PN_DELTA_VARINT_MAX);
		return NULL;
	}
	if (d->state == D_BASE_SIZE) {
		d->base_size = d->varint;
		d->state = D_RESULT_SIZE;
	} else {
		d->result_size = d->varint;
		if (d->base_size != d->base_len)
			return pn_error_fmt(PN_ERR_PARSE, "delta expects a base of %llu bytes, the base has %llu",
			    (unsigned long long)d->base_size, (unsigned long long)d->base_len);
		if (d->ops->sizes != NULL) {
			const struct pn_error *err = d->ops->sizes(d->arg, d->base_size, d->result_size);

			if (err != NULL)
				return err;
		}
		d->state = D_OP;
	}
	d->varint = 0;
	d->shift = 0;
	d->nbytes = 0;
	return NULL;
}

/* The output may grow by n bytes. */
static const struct pn_error *
room(const struct pn_delta *d, uint64_t n)
{
	if (n > d->result_size - d->produced)
		return pn_error_fmt(PN_ERR_PARSE, "delta byte %llu: output exceeds the declared result size of %llu "
		    "bytes", (unsigned long long)d->op_at, (unsigned long long)d->result_size);
	return NULL;
}

/* A copy instruction whose operand bytes are all in d->args. */
static const struct pn_error *
do_copy(struct pn_delta *d)
{
	const struct pn_error *err;
	uint64_t off = 0, n = 0;
	unsigned k = 0;

	for (unsigned i = 0; i < 4; i++)
		if (d->op & (1u << i))
			off |= (uint64_t)d->args[k++] << (8 * i);
	for (unsigned i = 0; i < 3; i++)
		if (d->op & (0x10u << i))
			n |= (uint64_t)d->args[k++] << (8 * i);
	if (n == 0)
		n = DELTA_COPY_DEFAULT;
	if (off > d->base_len || n > d->base_len - off)
		return pn_error_fmt(PN_ERR_PARSE, "delta byte %llu: copy of %llu bytes at base offset %llu is out of "
		    "bounds (the base has %llu bytes)", (unsigned long long)d->op_at, (unsigned long long)n,
		    (unsigned long long)off, (unsigned long long)d->base_len);
	if ((err = room(d, n)) != NULL || (err = d->ops->copy(d->arg, off, n)) != NULL)
		return err;
	d->produced += n;
	d->state = D_OP;
	return NULL;
}

const struct pn_error *
pn_delta_push(struct pn_delta *d, const void *data, size_t len)
{
	const uint8_t *p = data;
	const struct pn_error *err;

	if (d->err != NULL)
		return d->err;
	while (len > 0) {
		size_t n;

		switch (d->state) {
		case D_BASE_SIZE:
		case D_RESULT_SIZE:
			if ((err = varint_byte(d, *p)) != NULL)
				return fail(d, err);
			n = 1;
			break;
		case D_OP:
			d->op_at = d->pos;
			d->op = *p;
			n = 1;
			if (d->op & DELTA_OP_COPY) {
				d->need = (unsigned)__builtin_popcount(d->op & 0x7fu);
				d->nargs = 0;
				d->state = D_COPY;
				if (d->need == 0 && (err = do_copy(d)) != NULL)
					return fail(d, err);
			} else if (d->op != 0) {
				if ((err = room(d, d->op & DELTA_INSERT_MAX)) != NULL)
					return fail(d, err);
				d->insert_len = d->insert_left = d->op & DELTA_INSERT_MAX;
				d->state = D_INSERT;
			} else {
				return fail(d, pn_error_fmt(PN_ERR_PARSE, "delta byte %llu: reserved instruction 0",
				    (unsigned long long)d->op_at));
			}
			break;
		case D_COPY:
			d->args[d->nargs++] = *p;
			n = 1;
			if (d->nargs == d->need) {
				d->pos++;
				p++;
				len--;
				if ((err = do_copy(d)) != NULL)
					return fail(d, err);
				continue;
			}
			break;
		case D_INSERT:
			n = len < d->insert_left ? len : d->insert_left;
			if ((err = d->ops->insert(d->arg, p, n)) != NULL)
				return fail(d, err);
			d->insert_left -= (unsigned)n;
			d->produced += n;
			if (d->insert_left == 0)
				d->state = D_OP;
			break;
		default:
			return fail(d, pn_error_fmt(PN_ERR_INTERNAL, "delta: push after a failure"));
		}
		d->pos += n;
		p += n;
		len -= n;
	}
	return NULL;
}

const struct pn_error *
pn_delta_finish(struct pn_delta *d)
{
	if (d->err != NULL)
		return d->err;
	switch (d->state) {
	case D_BASE_SIZE:
	case D_RESULT_SIZE:
		return fail(d, pn_error_fmt(PN_ERR_PARSE, "delta byte %llu: truncated %s", (unsigned long long)d->pos,
		    varint_name[d->state == D_RESULT_SIZE]));
	case D_COPY:
		return fail(d, pn_error_fmt(PN_ERR_PARSE, "delta byte %llu: truncated copy instruction",
		    (unsigned long long)d->op_at));
	case D_INSERT:
		return fail(d, pn_error_fmt(PN_ERR_PARSE, "delta byte %llu: insert of %u bytes, only %u left",
		    (unsigned long long)d->op_at, d->insert_len, d->insert_len - d->insert_left));
	default:
		break;
	}
	if (d->produced != d->result_size)
		return fail(d, pn_error_fmt(PN_ERR_PARSE, "delta produces %llu bytes, its header declares %llu",
		    (unsigned long long)d->produced, (unsigned long long)d->result_size));
	return NULL;
}

static const struct pn_error *
varint(const uint8_t *p, size_t len, size_t *pos, const char *what, uint64_t *out)
{
	uint64_t v = 0;
	unsigned shift = 0;

	for (size_t n = 0; n < PN_DELTA_VARINT_MAX; n++) {
		uint64_t bits;

		if (*pos >= len)
			return pn_error_fmt(PN_ERR_PARSE, "delta byte %zu: truncated %s", *pos, what);
		bits = p[*pos] & 0x7fu;
		if (shift > 63 || (bits << shift) >> shift != bits)
			return pn_error_fmt(PN_ERR_PARSE, "delta byte %zu: %s does not fit 64 bits", *pos, what);
		v |= bits << shift;
		shift += 7;
		if ((p[(*pos)++] & 0x80u) == 0) {
			*out = v;
			return NULL;
		}
	}
	return pn_error_fmt(PN_ERR_PARSE, "delta byte %zu: %s is longer than %d bytes", *pos, what,
	    PN_DELTA_VARINT_MAX);
}

const struct pn_error *
pn_delta_sizes(const uint8_t *delta, size_t len, uint64_t *base_size, uint64_t *result_size, size_t *hdr_len)
{
	const struct pn_error *err;
	size_t pos = 0;

	if ((err = varint(delta, len, &pos, varint_name[0], base_size)) != NULL)
		return err;
	if ((err = varint(delta, len, &pos, varint_name[1], result_size)) != NULL)
		return err;
	*hdr_len = pos;
	return NULL;
}

/* pn_delta_apply on the push parser. */
struct apply {
	const uint8_t *base;
	struct pn_buf *out;
};

static const struct pn_error *
apply_sizes(void *arg, uint64_t base_size, uint64_t result_size)
{
	struct pn_buf *out = ((struct apply *)arg)->out;

	(void)base_size;
	if (result_size > out->max - out->len)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "delta result of %llu bytes exceeds the %zu bytes allowed for %s",
		    (unsigned long long)result_size, out->max - out->len, out->what);
	return NULL;
}

static const struct pn_error *
apply_copy(void *arg, uint64_t off, uint64_t len)
{
	struct apply *a = arg;

	return pn_buf_add(a->out, a->base + off, (size_t)len);
}

static const struct pn_error *
apply_insert(void *arg, const uint8_t *p, size_t n)
{
	return pn_buf_add(((struct apply *)arg)->out, p, n);
}

const struct pn_error *
pn_delta_apply(const uint8_t *base, size_t base_len, const uint8_t *delta, size_t len, struct pn_buf *out)
{
	static const struct pn_delta_ops ops = {apply_sizes, apply_copy, apply_insert};
	struct apply a = {base, out};
	const struct pn_error *err;
	struct pn_delta d;
	size_t start = out->len;

	pn_delta_init(&d, base_len, &ops, &a);
	if ((err = pn_delta_push(&d, delta, len)) == NULL)
		err = pn_delta_finish(&d);
	if (err != NULL && out->data != NULL) {
		out->len = start;
		out->data[start] = '\0';
	}
	/* a kept error lives in d, which is about to go */
	return err == &d.err_store ? pn_error_fmt(err->code, "%s", err->msg) : err;
}
