#include "num.h"

#include <string.h>

#include "banned.h"

const struct pn_error *
pn_num_parse_u64n(const char *s, size_t len, uint64_t min, uint64_t max, const char *what, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: empty number", what);
	for (size_t i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return pn_error_fmt(PN_ERR_PARSE, "%s: not a number: \"%.*s\"", what,
			    (int)(len > 32 ? 32 : len), s);
		d = (unsigned)(s[i] - '0');
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, d, &v))
			return pn_error_fmt(PN_ERR_PARSE, "%s: number too large: \"%.*s\"", what,
			    (int)(len > 32 ? 32 : len), s);
	}
	if (v < min || v > max)
		return pn_error_fmt(PN_ERR_PARSE, "%s: %llu is out of range [%llu, %llu]", what,
		    (unsigned long long)v, (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return NULL;
}

const struct pn_error *
pn_num_parse_u64(const char *s, uint64_t min, uint64_t max, const char *what, uint64_t *out)
{
	return pn_num_parse_u64n(s, strlen(s), min, max, what, out);
}

const struct pn_error *
pn_num_parse_hex(const char *s, size_t len, uint64_t max, const char *what, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: empty hexadecimal number", what);
	for (size_t i = 0; i < len; i++) {
		unsigned d;
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return pn_error_fmt(PN_ERR_PARSE, "%s: bad hexadecimal digit 0x%02x", what,
			    (unsigned char)c);
		if (v > (UINT64_MAX >> 4))
			return pn_error_fmt(PN_ERR_PARSE, "%s: hexadecimal number too large", what);
		v = (v << 4) | d;
	}
	if (v > max)
		return pn_error_fmt(PN_ERR_PARSE, "%s: %llu exceeds %llu", what, (unsigned long long)v,
		    (unsigned long long)max);
	*out = v;
	return NULL;
}

const struct pn_error *
pn_num_parse_duration(const char *s, uint64_t max_ms, const char *what, uint64_t *out_ms)
{
	static const struct {
		const char *suffix;
		uint64_t ms;
	} units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"", 1000}};
	size_t n = 0, len = strlen(s);
	uint64_t v, ms;

	while (n < len && s[n] >= '0' && s[n] <= '9')
		n++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		const struct pn_error *err;

		if (strcmp(s + n, units[i].suffix) != 0)
			continue;
		if ((err = pn_num_parse_u64n(s, n, 0, UINT64_MAX, what, &v)) != NULL)
			return err;
		if (__builtin_mul_overflow(v, units[i].ms, &ms) || ms > max_ms)
			return pn_error_fmt(PN_ERR_PARSE, "%s: duration \"%s\" exceeds the maximum of %llu ms", what,
			    s, (unsigned long long)max_ms);
		*out_ms = ms;
		return NULL;
	}
	return pn_error_fmt(PN_ERR_PARSE, "%s: bad duration \"%s\" (use e.g. 500ms, 30s, 5m, 1h)", what, s);
}
