#include "delta.h"

#include <string.h>

#include "../core/banned.h"

/* A copy instruction with no size bytes copies this much (the format's rule, not a tunable). */
#define DELTA_COPY_DEFAULT 0x10000u
#define DELTA_OP_COPY 0x80u
#define DELTA_INSERT_MAX 0x7fu

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

	if ((err = varint(delta, len, &pos, "base size", base_size)) != NULL)
		return err;
	if ((err = varint(delta, len, &pos, "result size", result_size)) != NULL)
		return err;
	*hdr_len = pos;
	return NULL;
}

/* Decode the operand bytes of a copy instruction at delta[*pos - 1] == op. */
static const struct pn_error *
copy_args(const uint8_t *d, size_t len, size_t *pos, uint8_t op, uint64_t *off, uint64_t *size)
{
	size_t at = *pos - 1;

	*off = 0;
	*size = 0;
	for (unsigned i = 0; i < 4; i++) {
		if ((op & (1u << i)) == 0)
			continue;
		if (*pos >= len)
			return pn_error_fmt(PN_ERR_PARSE, "delta byte %zu: truncated copy instruction", at);
		*off |= (uint64_t)d[(*pos)++] << (8 * i);
	}
	for (unsigned i = 0; i < 3; i++) {
		if ((op & (0x10u << i)) == 0)
			continue;
		if (*pos >= len)
			return pn_error_fmt(PN_ERR_PARSE, "delta byte %zu: truncated copy instruction", at);
		*size |= (uint64_t)d[(*pos)++] << (8 * i);
	}
	if (*size == 0)
		*size = DELTA_COPY_DEFAULT;
	return NULL;
}

const struct pn_error *
pn_delta_apply(const uint8_t *base, size_t base_len, const uint8_t *delta, size_t len, struct pn_buf *out)
{
	const struct pn_error *err = NULL;
	uint64_t base_size, result_size, done_bytes = 0;
	size_t pos, start = out->len;

	if ((err = pn_delta_sizes(delta, len, &base_size, &result_size, &pos)) != NULL)
		return err;
	if (base_size != base_len)
		return pn_error_fmt(PN_ERR_PARSE, "delta expects a base of %llu bytes, the base has %zu",
		    (unsigned long long)base_size, base_len);
	if (result_size > out->max - out->len)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "delta result of %llu bytes exceeds the %zu bytes allowed for %s",
		    (unsigned long long)result_size, out->max - out->len, out->what);
	while (pos < len) {
		size_t at = pos;
		uint8_t op = delta[pos++];
		const uint8_t *src;
		uint64_t off, n;

		if (op & DELTA_OP_COPY) {
			if ((err = copy_args(delta, len, &pos, op, &off, &n)) != NULL)
				goto done;
			if (off > base_len || n > base_len - off) {
				err = pn_error_fmt(PN_ERR_PARSE,
				    "delta byte %zu: copy of %llu bytes at base offset %llu is out of bounds "
				    "(the base has %zu bytes)", at, (unsigned long long)n, (unsigned long long)off,
				    base_len);
				goto done;
			}
			src = base + off;
		} else if (op != 0) {
			n = op & DELTA_INSERT_MAX;
			if (n > len - pos) {
				err = pn_error_fmt(PN_ERR_PARSE, "delta byte %zu: insert of %llu bytes, only %zu left",
				    at, (unsigned long long)n, len - pos);
				goto done;
			}
			src = delta + pos;
			pos += (size_t)n;
		} else {
			err = pn_error_fmt(PN_ERR_PARSE, "delta byte %zu: reserved instruction 0", at);
			goto done;
		}
		if (n > result_size - done_bytes) {
			err = pn_error_fmt(PN_ERR_PARSE, "delta byte %zu: output exceeds the declared result size "
			    "of %llu bytes", at, (unsigned long long)result_size);
			goto done;
		}
		if ((err = pn_buf_add(out, src, (size_t)n)) != NULL)
			goto done;
		done_bytes += n;
	}
	if (done_bytes != result_size)
		err = pn_error_fmt(PN_ERR_PARSE, "delta produces %llu bytes, its header declares %llu",
		    (unsigned long long)done_bytes, (unsigned long long)result_size);
done:
	if (err != NULL && out->data != NULL) {
		out->len = start;
		out->data[start] = '\0';
	}
	return err;
}
