/*
 * YAML out (see yamlout.h for what is printed). Three parts:
 *   resolve   go-yaml v2's resolve() and isBase60Float(), to decide which strings need quotes;
 *   numbers   Go's strconv.FormatFloat(f, 'g', -1, 64) for floats;
 *   emit      a walk over the cJSON tree that feeds libyaml's emitter (go-yaml v2's emitter is a port of it,
 *             so line shapes, folding and the plain/single/double fallbacks come out the same).
 */
#include "yamlout.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "../core/banned.h"

/* Room for Go's %g of any float64 ("-1.7976931348623157e+308") and for a copied number text. */
#define NUM_TEXT_MAX 64
/* A float64's shortest round-trip form never needs more significant digits than this. */
#define DBL_DIGITS_MAX 17
/* U+FFFD in UTF-8: what Go's JSON encoder writes for each invalid byte. */
#define REPLACEMENT "\xef\xbf\xbd"
#define REPLACEMENT_RUNE 0xFFFD

/* ---- UTF-8 ---- */

size_t
pn_yamlout_rune(const unsigned char *s, size_t len, uint32_t *r, int *valid)
{
	unsigned char c = s[0];
	size_t n, i;
	uint32_t v, min;

	*valid = 1;
	if (c < 0x80) {
		*r = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		v = c & 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		v = c & 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		v = c & 0x07;
		min = 0x10000;
	} else {
		goto bad;
	}
	if (len < n)
		goto bad;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			goto bad;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		goto bad;
	*r = v;
	return n;
bad:
	*valid = 0;
	*r = REPLACEMENT_RUNE;
	return 1;
}

/* s with every invalid byte replaced by U+FFFD, or NULL (and *copy untouched) when s is valid already.
 * The caller frees *copy with free(). */
static const struct pn_error *
sanitize(const char *s, size_t len, char **copy)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, n, bad = 0, out;
	uint32_t r;
	int valid;
	char *c;

	*copy = NULL;
	for (i = 0; i < len; i += n) {
		n = pn_yamlout_rune(u + i, len - i, &r, &valid);
		bad += !valid;
	}
	if (bad == 0)
		return NULL;
	/* each bad byte grows from 1 to 3 bytes */
	if (bad > (SIZE_MAX - len - 1) / 2)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "string of %zu bytes", len);
	if ((c = malloc(len + 2 * bad + 1)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	for (i = 0, out = 0; i < len; i += n) {
		n = pn_yamlout_rune(u + i, len - i, &r, &valid);
		if (valid) {
			memcpy(c + out, s + i, n);
			out += n;
		} else {
			memcpy(c + out, REPLACEMENT, 3);
			out += 3;
		}
	}
	c[out] = '\0';
	*copy = c;
	return NULL;
}

/* ---- key order (go-yaml v2 sorter.go) ---- */

static int
is_digit(uint32_t r)
{
	return r >= '0' && r <= '9';
}

int
pn_yamlout_letter(uint32_t r)
{
	if (r < 0x80)
		return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
	if (r < 0x100)
		return r == 0xAA || r == 0xB5 || r == 0xBA || (r >= 0xC0 && r != 0xD7 && r != 0xF7);
	if (r >= 0x2C2 && r <= 0x36F)		/* modifier symbols, combining marks */
		return r == 0x2E0 || r == 0x2E1 || r == 0x2E2 || r == 0x2E3 || r == 0x2E4 || r == 0x2EC || r == 0x2EE;
	if (r >= 0x2000 && r <= 0x2BFF)		/* punctuation, symbols, arrows, math, boxes */
		return r == 0x2071 || r == 0x207F || (r >= 0x2090 && r <= 0x209C) || r == 0x2102 || r == 0x2107 ||
		    (r >= 0x210A && r <= 0x2113) || r == 0x2115 || (r >= 0x2119 && r <= 0x211D) || r == 0x2124 ||
		    r == 0x2126 || r == 0x2128 || (r >= 0x212A && r <= 0x212D) || (r >= 0x212F && r <= 0x2139);
	if (r >= 0x3000 && r <= 0x303F)		/* CJK punctuation */
		return r == 0x3005 || r == 0x3006 || (r >= 0x3031 && r <= 0x3035) || r == 0x303B || r == 0x303C;
	if ((r >= 0xE000 && r <= 0xF8FF) || (r >= 0xFE00 && r <= 0xFE6F) || (r >= 0xFF00 && r <= 0xFF20) ||
	    (r >= 0xFF3B && r <= 0xFF40) || (r >= 0xFF5B && r <= 0xFF65) || r >= 0xFFF0)
		return r >= 0x10000 && r < 0x1F000;
	return 1;
}

int
pn_yamlout_keycmp(const char *as, const char *bs)
{
	const unsigned char *a = (const unsigned char *)as, *b = (const unsigned char *)bs;
	size_t alen = strlen(as), blen = strlen(bs), ai = 0, bi = 0;
	uint32_t ar, br;
	int v, run_nonzero = 0;	/* the digits just before the current position hold a non-zero one */

	/* Walk both rune by rune; `ai`/`bi` are byte offsets of the current runes. Go indexes runes, but the
	 * only use of the index is to compare run lengths, which are runs of ASCII digits here. */
	for (;;) {
		size_t an_, bn_, aj, bj;
		uint64_t an = 0, bn = 0;	/* Go's int64 arithmetic, wrapping on long runs as Go's does */
		int al, bl;

		if (ai >= alen || bi >= blen)
			break;
		an_ = pn_yamlout_rune(a + ai, alen - ai, &ar, &v);
		bn_ = pn_yamlout_rune(b + bi, blen - bi, &br, &v);
		if (ar == br) {
			if (is_digit(ar))
				run_nonzero = run_nonzero || ar != '0';
			else
				run_nonzero = 0;
			ai += an_;
			bi += bn_;
			continue;
		}
		al = pn_yamlout_letter(ar);
		bl = pn_yamlout_letter(br);
		if (al && bl)
			return ar < br ? -1 : 1;
		if (al || bl)
			return bl ? -1 : 1;
		/* Go: when either differing rune is '0', a preceding digit run with a non-zero digit makes both
		 * numbers start at 1 (so "10" vs "100..." keep comparing by length, not value). */
		if ((ar == '0' || br == '0') && run_nonzero) {
			an = 1;
			bn = 1;
		}
		for (aj = ai; aj < alen && is_digit(a[aj]); aj++)
			an = an * 10 + (uint64_t)(a[aj] - '0');
		for (bj = bi; bj < blen && is_digit(b[bj]); bj++)
			bn = bn * 10 + (uint64_t)(b[bj] - '0');
		if (an != bn)
			return (int64_t)an < (int64_t)bn ? -1 : 1;
		if (aj - ai != bj - bi)
			return aj - ai < bj - bi ? -1 : 1;
		return ar < br ? -1 : 1;
	}
	/* Go compares rune counts; with one a prefix of the other, byte lengths order the same way */
	if (alen - ai == blen - bi)
		return 0;
	return alen - ai < blen - bi ? -1 : 1;
}

/* ---- resolve (go-yaml v2 resolve.go) ---- */

static int
in_list(const char *s, size_t len, const char *const *list)
{
	for (; *list != NULL; list++)
		if ((*list)[0] == s[0] && strlen(*list) == len && memcmp(*list, s, len) == 0)
			return 1;
	return 0;
}

/* Go's strconv.ParseInt(s, 0, 64) or ParseUint(s, 0, 64) succeeds (s has no '_'). */
static int
go_int_ok(const char *s, size_t len)
{
	size_t i = 0;
	unsigned base = 10;
	int neg = 0, sign = 0;
	uint64_t v = 0, lim;

	if (i < len && (s[i] == '+' || s[i] == '-')) {
		neg = s[i] == '-';
		sign = 1;
		i++;
	}
	if (len - i > 1 && s[i] == '0') {
		char c = s[i + 1];
		if (c == 'x' || c == 'X') {
			base = 16;
			i += 2;
		} else if (c == 'o' || c == 'O') {
			base = 8;
			i += 2;
		} else if (c == 'b' || c == 'B') {
			base = 2;
			i += 2;
		} else {
			base = 8;
			i += 1;
		}
	}
	if (i >= len)
		return 0;
	for (; i < len; i++) {
		unsigned d;
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'z')
			d = (unsigned)(c - 'a') + 10;
		else if (c >= 'A' && c <= 'Z')
			d = (unsigned)(c - 'A') + 10;
		else
			return 0;
		if (d >= base)
			return 0;
		if (v > (UINT64_MAX - d) / base)
			return 0;
		v = v * base + d;
	}
	if (!sign)
		return 1;	/* ParseUint: any uint64 */
	lim = neg ? (uint64_t)1 << 63 : ((uint64_t)1 << 63) - 1;
	return v <= lim;
}

/* The regular expression ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$, then ParseFloat without
 * overflow. */
static int
yaml_style_float(const char *s, size_t len)
{
	size_t i = 0, d = 0;
	char tmp[NUM_TEXT_MAX];
	double f;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i < len && s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			d++;
		if (d == 0)
			return 0;
	} else {
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			d++;
		if (d == 0)
			return 0;
		if (i < len && s[i] == '.')
			for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
				;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			d++;
		if (d == 0)
			return 0;
	}
	if (i != len)
		return 0;
	if (len >= sizeof(tmp))
		return 1;	/* a long digit string: only an exponent could overflow, and a long one is rare */
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	f = strtod(tmp, NULL);
	return !isinf(f);
}

/* Go's strconv.ParseFloat(s, 64) succeeds for s starting with '.': ".5", ".5e3", and with '_' between digits
 * as Go's underscoreOK allows (".7_8"), without overflow. */
static int
go_float_dot(const char *s, size_t len)
{
	char plain[NUM_TEXT_MAX];
	char saw = '^';		/* '0' after a digit, '_' after an underscore, '!' after anything else */
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			saw = '0';
		} else if (s[i] == '_') {
			if (saw != '0')
				return 0;
			saw = '_';
			continue;
		} else {
			if (saw == '_')
				return 0;
			saw = '!';
		}
		if (n + 1 >= sizeof(plain))
			return 0;	/* only a float with a huge exponent or mantissa: treat as a string */
		plain[n++] = s[i];
	}
	if (saw == '_')
		return 0;
	return yaml_style_float(plain, n);
}

/* Read 1 or 2 digits (Go's getnum with fixed=false) into *v. */
static int
getnum(const char *s, size_t len, size_t *i, int *v)
{
	if (*i >= len || s[*i] < '0' || s[*i] > '9')
		return 0;
	*v = s[(*i)++] - '0';
	if (*i < len && s[*i] >= '0' && s[*i] <= '9')
		*v = *v * 10 + (s[(*i)++] - '0');
	return 1;
}

static int
days_in(int year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
		return 29;
	return days[month - 1];
}

/* go-yaml v2 parseTimestamp: time.Parse with "2006-1-2T15:4:5.999999999Z07:00" (also with 't'),
 * "2006-1-2 15:4:5.999999999" or "2006-1-2", the whole string consumed. */
static int
is_timestamp(const char *s, size_t len)
{
	size_t i;
	int year, month, day, h, m, sec;
	char sep;

	for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		;
	if (i != 4 || i == len || s[i] != '-')
		return 0;
	year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	i++;
	if (!getnum(s, len, &i, &month) || month < 1 || month > 12)
		return 0;
	if (i >= len || s[i++] != '-')
		return 0;
	if (!getnum(s, len, &i, &day) || day < 1 || day > days_in(year, month))
		return 0;
	if (i == len)
		return 1;
	sep = s[i++];
	if (sep != 'T' && sep != 't' && sep != ' ')
		return 0;
	if (!getnum(s, len, &i, &h) || h > 23 || i >= len || s[i++] != ':')
		return 0;
	if (!getnum(s, len, &i, &m) || m > 59 || i >= len || s[i++] != ':')
		return 0;
	if (!getnum(s, len, &i, &sec) || sec > 59)
		return 0;
	if (len - i >= 2 && (s[i] == '.' || s[i] == ',') && s[i + 1] >= '0' && s[i + 1] <= '9')
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			;
	if (sep == ' ')
		return i == len;
	if (i < len && s[i] == 'Z')
		return i + 1 == len;
	/* ±hh:mm */
	if (len - i != 6 || (s[i] != '+' && s[i] != '-') || s[i + 3] != ':')
		return 0;
	for (size_t k = i + 1; k < len; k++)
		if (k != i + 3 && (s[k] < '0' || s[k] > '9'))
			return 0;
	return (s[i + 1] - '0') * 10 + (s[i + 2] - '0') <= 24 && (s[i + 4] - '0') * 10 + (s[i + 5] - '0') <= 60;
}

/* go-yaml v2 isBase60Float: ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$ */
static int
is_base60_float(const char *s, size_t len)
{
	size_t i = 0, groups = 0;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i >= len || s[i] < '0' || s[i] > '9')
		return 0;
	for (i++; i < len && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'); i++)
		;
	while (i < len && s[i] == ':') {
		size_t d = 0;

		for (i++; i < len && s[i] >= '0' && s[i] <= '9' && d < 2; i++)
			d++;
		/* [0-5]?[0-9]: one digit, or two with the first 0-5 */
		if (d == 0 || (d == 2 && s[i - 2] > '5'))
			return 0;
		groups++;
	}
	if (groups == 0)
		return 0;
	if (i < len && s[i] == '.')
		for (i++; i < len && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'); i++)
			;
	return i == len;
}

int
pn_yamlout_needs_quotes(const char *s, size_t len)
{
	static const char *const map[] = {
		"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
		"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
		"~", "null", "Null", "NULL",
		".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
		NULL,
	};
	char plain[NUM_TEXT_MAX];
	size_t i, n;
	char c;

	if (len == 0)
		return 1;	/* null */
	c = s[0];
	if (strchr("+-0123456789yYnNtTfFoO~.", c) == NULL)
		return 0;	/* no hint: a string; base-60 floats start with a sign or digit too */
	if (in_list(s, len, map))
		return 1;
	if (c == '.')
		return go_float_dot(s, len);
	if (!(c == '+' || c == '-' || (c >= '0' && c <= '9')))
		return 0;
	if (is_timestamp(s, len))
		return 1;
	if (memchr(s, ':', len) != NULL && is_base60_float(s, len))
		return 1;
	/* numbers with '_' removed; anything this long is a number only as a float of digits */
	for (i = 0, n = 0; i < len; i++) {
		if (s[i] == '_')
			continue;
		if (n + 1 >= sizeof(plain))
			return yaml_style_float(s, len) && memchr(s, '_', len) == NULL;
		plain[n++] = s[i];
	}
	plain[n] = '\0';
	return go_int_ok(plain, n) || yaml_style_float(plain, n);
}

/* ---- numbers ---- */

/* The shortest decimal digits that read back as f (f finite and non-zero; as a float32 when bits is 32):
 * digs[0..*nd), value 0.d1d2... × 10^(*dp). */
static void
shortest(double f, int bits, char *digs, int *nd, int *dp)
{
	char tmp[NUM_TEXT_MAX];
	int prec;
	char *p, *e;

	for (prec = 1; prec <= DBL_DIGITS_MAX; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, fabs(f));
		if (bits == 32 ? (float)strtod(tmp, NULL) == (float)fabs(f) : strtod(tmp, NULL) == fabs(f))
			break;
	}
	e = strchr(tmp, 'e');
	*nd = 0;
	for (p = tmp; p < e; p++)
		if (*p != '.')
			digs[(*nd)++] = *p;
	while (*nd > 1 && digs[*nd - 1] == '0')
		(*nd)--;
	*dp = (int)strtol(e + 1, NULL, 10) + 1;
}

void
pn_yamlout_format_float(double f, int bits, char *out)
{
	char digs[DBL_DIGITS_MAX + 2];
	int nd, dp, exp, k;
	size_t o = 0;

	if (f == 0) {
		snprintf(out, NUM_TEXT_MAX, "%s", signbit(f) ? "-0" : "0");
		return;
	}
	shortest(f, bits, digs, &nd, &dp);
	if (f < 0)
		out[o++] = '-';
	exp = dp - 1;
	if (exp < -4 || exp >= 6) {
		out[o++] = digs[0];
		if (nd > 1) {
			out[o++] = '.';
			for (k = 1; k < nd; k++)
				out[o++] = digs[k];
		}
		snprintf(out + o, NUM_TEXT_MAX - o, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
		return;
	}
	if (dp <= 0) {
		out[o++] = '0';
	} else {
		for (k = 0; k < dp; k++)
			out[o++] = k < nd ? digs[k] : '0';
	}
	if (nd > dp) {
		out[o++] = '.';
		for (k = dp; k < nd; k++)
			out[o++] = k < 0 ? '0' : digs[k];
	}
	out[o] = '\0';
}

/* How go-yaml v2 prints a JSON number into out: the text, when it reads as an int64/uint64, else the
 * float64 in %g form. A raw item holds the JSON text already; a cJSON number is first printed as Go's JSON
 * encoder prints a float64 (integral values below 1e21 as digits: shortest digits padded with zeros). */
static const struct pn_error *
format_number(const cJSON *item, char *out)
{
	const char *text = pn_yaml_number(item);
	char digs[DBL_DIGITS_MAX + 2];
	int nd, dp, k;
	size_t len, o = 0;
	double f;

	if (text != NULL) {
		len = strlen(text);
		if (len == 0)
			return pn_error(PN_ERR_PARSE);
		if (strcmp(text, "-0") == 0) {
			snprintf(out, NUM_TEXT_MAX, "0");
			return NULL;
		}
		if (len < NUM_TEXT_MAX && go_int_ok(text, len)) {
			memcpy(out, text, len + 1);
			return NULL;
		}
		f = strtod(text, NULL);
	} else {
		f = item->valuedouble;
	}
	if (!isfinite(f))
		return pn_error(PN_ERR_PARSE);
	if (f == 0) {
		snprintf(out, NUM_TEXT_MAX, "0");
		return NULL;
	}
	if (text == NULL && fabs(f) < 1e21 && (fabs(f) >= 0x1p53 || f == (double)(int64_t)f)) {
		shortest(f, 64, digs, &nd, &dp);
		if (f < 0)
			out[o++] = '-';
		for (k = 0; k < dp; k++)
			out[o++] = k < nd ? digs[k] : '0';
		out[o] = '\0';
		if (go_int_ok(out, o))
			return NULL;
		o = 0;
	}
	pn_yamlout_format_float(f, 64, out);
	return NULL;
}

/* ---- emit ---- */

struct out {
	yaml_emitter_t em;
	struct pn_buf *b;
	const struct pn_error *err;	/* from the output handler */
};

static int
write_handler(void *data, unsigned char *buffer, size_t size)
{
	struct out *o = data;

	if (o->err == NULL)
		o->err = pn_buf_add(o->b, buffer, size);
	return o->err == NULL;
}

static const struct pn_error *
emit(struct out *o, yaml_event_t *ev)
{
	if (yaml_emitter_emit(&o->em, ev))
		return NULL;
	if (o->err != NULL)
		return o->err;
	return pn_error_fmt(PN_ERR_INTERNAL, "YAML emitter: %s", o->em.problem ? o->em.problem : "failed");
}

static const struct pn_error *
scalar(struct out *o, const char *s, size_t len, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)(uintptr_t)s, (int)len, 1, 1, style))
		return pn_error(PN_ERR_NOMEM);
	return emit(o, &ev);
}

static const struct pn_error *
string(struct out *o, const char *s)
{
	const struct pn_error *err;
	yaml_scalar_style_t style;
	char *copy = NULL;
	size_t len = strlen(s);

	if ((err = sanitize(s, len, &copy)) != NULL)
		return err;
	if (copy != NULL) {
		s = copy;
		len = strlen(copy);
	}
	if (len > INT32_MAX) {	/* libyaml takes an int length */
		free(copy);
		return pn_error_fmt(PN_ERR_TOO_LARGE, "string of %zu bytes", len);
	}
	if (memchr(s, '\n', len) != NULL)
		style = YAML_LITERAL_SCALAR_STYLE;
	else if (pn_yamlout_needs_quotes(s, len))
		style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	else
		style = YAML_PLAIN_SCALAR_STYLE;
	err = scalar(o, s, len, style);
	free(copy);
	return err;
}

struct keyed {
	const cJSON *item;
	size_t index;
};

static int
keyed_cmp(const void *pa, const void *pb)
{
	const struct keyed *a = pa, *b = pb;
	int c = pn_yamlout_keycmp(a->item->string, b->item->string);

	if (c != 0)
		return c;
	return a->index < b->index ? -1 : a->index > b->index;
}

static const struct pn_error *node(struct out *o, const cJSON *item, size_t depth);

static const struct pn_error *
mapping(struct out *o, const cJSON *obj, size_t depth)
{
	const struct pn_error *err = NULL;
	struct keyed *keys = NULL;
	const cJSON *c;
	yaml_event_t ev;
	size_t n = 0, i;

	for (c = obj->child; c != NULL; c = c->next)
		n++;
	if (n > 0 && (keys = calloc(n, sizeof(*keys))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	for (c = obj->child, i = 0; c != NULL; c = c->next, i++) {
		keys[i].item = c;
		keys[i].index = i;
	}
	if (n > 1)
		qsort(keys, n, sizeof(*keys), keyed_cmp);
	yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
	if ((err = emit(o, &ev)) != NULL)
		goto done;
	for (i = 0; i < n; i++) {
		if ((err = string(o, keys[i].item->string != NULL ? keys[i].item->string : "")) != NULL)
			goto done;
		if ((err = node(o, keys[i].item, depth + 1)) != NULL)
			goto done;
	}
	yaml_mapping_end_event_initialize(&ev);
	err = emit(o, &ev);
done:
	free(keys);
	return err;
}

static const struct pn_error *
node(struct out *o, const cJSON *item, size_t depth)
{
	const struct pn_error *err;
	char num[NUM_TEXT_MAX];
	yaml_event_t ev;
	const cJSON *c;

	if (depth > PN_YAMLOUT_MAX_DEPTH)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "document nested deeper than %d levels", PN_YAMLOUT_MAX_DEPTH);
	if (cJSON_IsObject(item))
		return mapping(o, item, depth);
	if (cJSON_IsArray(item)) {
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
		if ((err = emit(o, &ev)) != NULL)
			return err;
		for (c = item->child; c != NULL; c = c->next)
			if ((err = node(o, c, depth + 1)) != NULL)
				return err;
		yaml_sequence_end_event_initialize(&ev);
		return emit(o, &ev);
	}
	if (cJSON_IsString(item))
		return string(o, item->valuestring != NULL ? item->valuestring : "");
	if (cJSON_IsTrue(item))
		return scalar(o, "true", 4, YAML_PLAIN_SCALAR_STYLE);
	if (cJSON_IsFalse(item))
		return scalar(o, "false", 5, YAML_PLAIN_SCALAR_STYLE);
	if (cJSON_IsNull(item))
		return scalar(o, "null", 4, YAML_PLAIN_SCALAR_STYLE);
	if (cJSON_IsNumber(item) || (cJSON_IsRaw(item) && item->valuestring != NULL)) {
		if ((err = format_number(item, num)) != NULL)
			return pn_error_fmt(PN_ERR_PARSE, "json: unsupported value: %s",
			    pn_yaml_number(item) != NULL ? pn_yaml_number(item) : "non-finite number");
		return scalar(o, num, strlen(num), YAML_PLAIN_SCALAR_STYLE);
	}
	return pn_error(PN_ERR_PARSE);
}

const struct pn_error *
pn_yamlout_doc(const cJSON *doc, struct pn_buf *b)
{
	const struct pn_error *err = NULL;
	struct out o;
	yaml_event_t ev;
	size_t len0 = b->len;

	memset(&o, 0, sizeof(o));
	o.b = b;
	if (!yaml_emitter_initialize(&o.em))
		return pn_error(PN_ERR_NOMEM);
	yaml_emitter_set_output(&o.em, write_handler, &o);
	yaml_emitter_set_unicode(&o.em, 1);
	yaml_emitter_set_width(&o.em, PN_YAMLOUT_WIDTH);
	yaml_emitter_set_indent(&o.em, 2);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	if ((err = emit(&o, &ev)) != NULL)
		goto done;
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	if ((err = emit(&o, &ev)) != NULL)
		goto done;
	if ((err = node(&o, doc, 0)) != NULL)
		goto done;
	yaml_document_end_event_initialize(&ev, 1);
	if ((err = emit(&o, &ev)) != NULL)
		goto done;
	yaml_stream_end_event_initialize(&ev);
	if ((err = emit(&o, &ev)) != NULL)
		goto done;
	if (!yaml_emitter_flush(&o.em) && err == NULL)
		err = o.err != NULL ? o.err : pn_error(PN_ERR_INTERNAL);
	/* libyaml 0.2.5 closes a stream whose last scalar is "|+" with "..."; go-yaml v2 does not (a scalar
	 * "..." is always quoted, so such a last line is only ever this marker) */
	if (err == NULL && b->len - len0 >= 5 && memcmp(b->data + b->len - 5, "\n...\n", 5) == 0) {
		b->len -= 4;
		b->data[b->len] = '\0';
	}
done:
	yaml_emitter_delete(&o.em);
	if (err != NULL)
		b->len = len0 <= b->len ? len0 : b->len;
	if (err != NULL && b->data != NULL)
		b->data[b->len] = '\0';
	return err;
}

const struct pn_error *
pn_yamlout_docs(const cJSON *const *docs, size_t n, struct pn_buf *b)
{
	const struct pn_error *err;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0 && (err = pn_buf_addstr(b, "---\n")) != NULL)
			return err;
		if ((err = pn_yamlout_doc(docs[i], b)) != NULL)
			return err;
	}
	return NULL;
}
