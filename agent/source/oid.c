#include "oid.h"

#include <string.h>

#include "../core/banned.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

const struct pn_error *
pn_oid_from_hex(const char *hex, size_t len, struct pn_oid *out)
{
	struct pn_oid o;

	if (len != PN_OID_SHA1_LEN * 2)
		return pn_error_fmt(PN_ERR_PARSE, "object id \"%.*s\" is not %d hex digits", (int)(len > 80 ? 80 : len),
		    hex, PN_OID_SHA1_LEN * 2);
	memset(&o, 0, sizeof(o));
	o.len = PN_OID_SHA1_LEN;
	for (size_t i = 0; i < PN_OID_SHA1_LEN; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return pn_error_fmt(PN_ERR_PARSE, "object id \"%.*s\" is not hexadecimal", (int)len, hex);
		o.b[i] = (uint8_t)(hi << 4 | lo);
	}
	*out = o;
	return NULL;
}

char *
pn_oid_to_hex(const struct pn_oid *oid, char *buf)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < oid->len; i++) {
		buf[2 * i] = digits[oid->b[i] >> 4];
		buf[2 * i + 1] = digits[oid->b[i] & 15];
	}
	buf[2 * i] = '\0';
	return buf;
}

int
pn_oid_equal(const struct pn_oid *a, const struct pn_oid *b)
{
	return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

int
pn_oid_cmp(const struct pn_oid *a, const struct pn_oid *b)
{
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->b, b->b, a->len);
}

int
pn_oid_is_zero(const struct pn_oid *oid)
{
	for (size_t i = 0; i < oid->len; i++)
		if (oid->b[i] != 0)
			return 0;
	return 1;
}
