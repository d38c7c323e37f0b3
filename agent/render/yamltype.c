/*
 * YAML scalar typing (see yamltype.h): go-yaml's resolve() with Go's strconv and time rules re-done in C.
 */
#include "yamltype.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/banned.h"

static int
isdig(char c)
{
	return c >= '0' && c <= '9';
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Go's underscoreOK: '_' only between digits, or between a base prefix and a digit. */
static int
underscore_ok(const char *s)
{
	int saw = '^', hex = 0;
	size_t i = 0;

	if (*s == '+' || *s == '-')
		s++;
	if (s[0] == '0' && (lower(s[1]) == 'b' || lower(s[1]) == 'o' || lower(s[1]) == 'x')) {
		i = 2;
		saw = '0';
		hex = lower(s[1]) == 'x';
	}
	for (; s[i] != '\0'; i++) {
		if (isdig(s[i]) || (hex && lower(s[i]) >= 'a' && lower(s[i]) <= 'f')) {
			saw = '0';
			continue;
		}
		if (s[i] == '_') {
			if (saw != '0')
				return 0;
			saw = '_';
			continue;
		}
		if (saw == '_')
			return 0;
		saw = '!';
	}
	return saw != '_';
}

/* strtod for text already checked to be decimal; fails (0) on overflow, as Go's ParseFloat does. */
static int
to_double(const char *s, double *out)
{
	double d = strtod(s, NULL);

	if (isinf(d))
		return 0;
	*out = d;
	return 1;
}

/* Go's strconv.ParseFloat for decimal text, '_' allowed as underscoreOK says. */
static int
go_parse_float(const char *s, double *out)
{
	char tmp[PN_YAMLTYPE_TEXT_MAX * 2];
	size_t i = 0, n = 0;
	int digits = 0, dot = 0;

	if (s[i] == '+' || s[i] == '-')
		i++;
	for (; isdig(s[i]) || s[i] == '_' || (s[i] == '.' && !dot); i++) {
		if (s[i] == '.')
			dot = 1;
		else if (s[i] != '_')
			digits = 1;
	}
	if (!digits)
		return 0;
	if (lower(s[i]) == 'e') {
		i++;
		if (s[i] == '+' || s[i] == '-')
			i++;
		if (!isdig(s[i]))
			return 0;
		while (isdig(s[i]) || s[i] == '_')
			i++;
	}
	if (s[i] != '\0' || !underscore_ok(s) || i >= sizeof(tmp))
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] != '_')
			tmp[n++] = s[i];
	tmp[n] = '\0';
	return to_double(tmp, out);
}

/* Go's strconv.ParseUint(s, 0, 64) for s without '_' and without sign. */
static int
go_parse_uint(const char *s, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (*s == '\0')
		return 0;
	if (s[0] == '0') {
		size_t len = strlen(s);

		if (len >= 3 && lower(s[1]) == 'b')
			base = 2, s += 2;
		else if (len >= 3 && lower(s[1]) == 'o')
			base = 8, s += 2;
		else if (len >= 3 && lower(s[1]) == 'x')
			base = 16, s += 2;
		else
			base = 8, s += 1;
	}
	for (; *s != '\0'; s++) {
		unsigned d;

		if (isdig(*s))
			d = (unsigned)(*s - '0');
		else if (lower(*s) >= 'a' && lower(*s) <= 'z')
			d = (unsigned)(lower(*s) - 'a' + 10);
		else
			return 0;
		if (d >= base)
			return 0;
		if (v > (UINT64_MAX - d) / base)
			return 0;	/* out of range */
		v = v * base + d;
	}
	*out = v;
	return 1;
}

/* strconv.ParseInt(s, 0, 64), then ParseUint(s, 0, 64): 1 for an int64, 2 for a uint64, 0 for neither. */
static int
go_parse_int(const char *s, int64_t *i, uint64_t *u)
{
	int neg = *s == '-';
	uint64_t v;

	if (go_parse_uint(s + (*s == '+' || *s == '-'), &v)) {
		if (!neg && v <= (uint64_t)INT64_MAX) {
			*i = (int64_t)v;
			return 1;
		}
		if (neg && v <= (uint64_t)INT64_MAX + 1) {
			*i = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
			return 1;
		}
	}
	if (*s != '+' && *s != '-' && go_parse_uint(s, u))
		return 2;
	return 0;
}

/* Go's getnum(s, false): one or two digits. */
static int
getnum(const char **p, int *out)
{
	const char *s = *p;

	if (!isdig(s[0]))
		return 0;
	if (!isdig(s[1])) {
		*out = s[0] - '0';
		*p = s + 1;
		return 1;
	}
	*out = (s[0] - '0') * 10 + (s[1] - '0');
	*p = s + 2;
	return 1;
}

static int
days_in(int month, int year)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/* One of go-yaml's timestamp layouts, parsed as Go's time.Parse does and printed as time.Time.MarshalJSON:
 * 0 "2006-1-2T15:4:5.999999999Z07:00", 1 the same with 't', 2 "2006-1-2 15:4:5.999999999", 3 "2006-1-2". */
static int
parse_layout(const char *s, int layout, char *out, size_t cap)
{
	int year = 0, mon, day, hour = 0, min = 0, sec = 0, off = 0, utc = 1;
	long nsec = 0;
	const char *p = s + 4;
	char frac[16] = "";

	for (int k = 0; k < 4; k++)
		year = year * 10 + (s[k] - '0');
	if (*p++ != '-' || !getnum(&p, &mon) || mon < 1 || mon > 12 || *p++ != '-' || !getnum(&p, &day))
		return 0;
	if (layout != 3) {
		if (layout == 2) {
			if (*p != ' ')
				return 0;
			while (*p == ' ')
				p++;
		} else if (*p++ != (layout == 0 ? 'T' : 't'))
			return 0;
		if (!getnum(&p, &hour) || hour > 23 || *p++ != ':' || !getnum(&p, &min) || min > 59 ||
		    *p++ != ':' || !getnum(&p, &sec) || sec > 59)
			return 0;
		if ((p[0] == '.' || p[0] == ',') && isdig(p[1])) {
			int nd = 0;

			for (p++; isdig(*p); p++, nd++)
				if (nd < 9)
					nsec = nsec * 10 + (*p - '0');
			for (; nd < 9; nd++)
				nsec *= 10;
		}
		if (layout != 2) {
			if (*p == 'Z') {
				p++;
			} else {
				if (strlen(p) < 6 || (p[0] != '+' && p[0] != '-') || !isdig(p[1]) || !isdig(p[2]) ||
				    p[3] != ':' || !isdig(p[4]) || !isdig(p[5]))
					return 0;
				int hh = (p[1] - '0') * 10 + (p[2] - '0'), mm = (p[4] - '0') * 10 + (p[5] - '0');
				if (hh > 24 || mm > 60)
					return 0;
				off = (hh * 60 + mm) * (p[0] == '-' ? -1 : 1);
				utc = off == 0;
				p += 6;
			}
		}
	}
	if (*p != '\0' || day < 1 || day > days_in(mon, year))
		return 0;
	if (nsec > 0) {
		int n = snprintf(frac, sizeof(frac), ".%09ld", nsec);

		while (n > 1 && frac[n - 1] == '0')
			frac[--n] = '\0';
	}
	if (utc)
		snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", year, mon, day, hour, min, sec, frac);
	else
		snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d%s%c%02d:%02d", year, mon, day, hour, min, sec,
		    frac, off < 0 ? '-' : '+', abs(off) / 60, abs(off) % 60);
	return 1;
}

/* go-yaml's parseTimestamp: exactly four digits and '-', then the first layout that parses. */
static int
go_timestamp(const char *s, char *out, size_t cap)
{
	for (int k = 0; k < 4; k++)
		if (!isdig(s[k]))
			return 0;
	if (s[4] != '-')
		return 0;
	for (int layout = 0; layout < 4; layout++)
		if (parse_layout(s, layout, out, cap))
			return 1;
	return 0;
}

/* go-yaml v3's resolve() for a plain value (or one under a resolvable tag); `v2` adds go-yaml v2's YAML 1.1
 * booleans. `timestamps` is whether the tag allows them (none or !!timestamp). */
void
pn_yamltype_resolve(const char *s, int timestamps, int v2, struct pn_yamltype_value *r)
{
	static const struct {
		const char *text;
		enum pn_yamltype_kind kind;
		int b;
		double f;
	} table[] = {
		{"y", PN_YAMLTYPE_BOOL, 1, 0}, {"Y", PN_YAMLTYPE_BOOL, 1, 0}, {"yes", PN_YAMLTYPE_BOOL, 1, 0},
		{"Yes", PN_YAMLTYPE_BOOL, 1, 0}, {"YES", PN_YAMLTYPE_BOOL, 1, 0}, {"on", PN_YAMLTYPE_BOOL, 1, 0},
		{"On", PN_YAMLTYPE_BOOL, 1, 0}, {"ON", PN_YAMLTYPE_BOOL, 1, 0},
		{"n", PN_YAMLTYPE_BOOL, 0, 0}, {"N", PN_YAMLTYPE_BOOL, 0, 0}, {"no", PN_YAMLTYPE_BOOL, 0, 0},
		{"No", PN_YAMLTYPE_BOOL, 0, 0}, {"NO", PN_YAMLTYPE_BOOL, 0, 0}, {"off", PN_YAMLTYPE_BOOL, 0, 0},
		{"Off", PN_YAMLTYPE_BOOL, 0, 0}, {"OFF", PN_YAMLTYPE_BOOL, 0, 0},
#define V2_ONLY 16	/* the entries above */
		{"true", PN_YAMLTYPE_BOOL, 1, 0}, {"True", PN_YAMLTYPE_BOOL, 1, 0}, {"TRUE", PN_YAMLTYPE_BOOL, 1, 0},
		{"false", PN_YAMLTYPE_BOOL, 0, 0}, {"False", PN_YAMLTYPE_BOOL, 0, 0}, {"FALSE", PN_YAMLTYPE_BOOL, 0, 0},
		{"", PN_YAMLTYPE_NULL, 0, 0}, {"~", PN_YAMLTYPE_NULL, 0, 0}, {"null", PN_YAMLTYPE_NULL, 0, 0},
		{"Null", PN_YAMLTYPE_NULL, 0, 0}, {"NULL", PN_YAMLTYPE_NULL, 0, 0},
		{".nan", PN_YAMLTYPE_FLOAT, 0, NAN}, {".NaN", PN_YAMLTYPE_FLOAT, 0, NAN},
		{".NAN", PN_YAMLTYPE_FLOAT, 0, NAN},
		{".inf", PN_YAMLTYPE_FLOAT, 0, INFINITY}, {".Inf", PN_YAMLTYPE_FLOAT, 0, INFINITY},
		{".INF", PN_YAMLTYPE_FLOAT, 0, INFINITY}, {"+.inf", PN_YAMLTYPE_FLOAT, 0, INFINITY},
		{"+.Inf", PN_YAMLTYPE_FLOAT, 0, INFINITY}, {"+.INF", PN_YAMLTYPE_FLOAT, 0, INFINITY},
		{"-.inf", PN_YAMLTYPE_FLOAT, 0, -INFINITY}, {"-.Inf", PN_YAMLTYPE_FLOAT, 0, -INFINITY},
		{"-.INF", PN_YAMLTYPE_FLOAT, 0, -INFINITY},
	};
	char plain[PN_YAMLTYPE_TEXT_MAX];
	char hint = 'N';
	size_t n = 0;

	memset(r, 0, sizeof(*r));
	r->kind = PN_YAMLTYPE_STR;
	/* the first byte decides what the value may be (go-yaml's resolveTable) */
	if (s[0] == '+' || s[0] == '-')
		hint = 'S';
	else if (isdig(s[0]))
		hint = 'D';
	else if (s[0] == '.')
		hint = '.';
	else if (s[0] != '\0')
		hint = strchr("yYnNtTfFoO~", s[0]) != NULL ? 'M' : 0;
	if (hint == 0)
		return;
	for (size_t k = v2 ? 0 : V2_ONLY; k < sizeof(table) / sizeof(table[0]); k++) {
		if (strcmp(s, table[k].text) == 0) {
			r->kind = table[k].kind;
			r->b = table[k].b;
			r->f = table[k].f;
			return;
		}
	}
	if (hint == '.') {
		if (go_parse_float(s, &r->f))
			r->kind = PN_YAMLTYPE_FLOAT;
		return;
	}
	if (hint != 'D' && hint != 'S')
		return;
	if (timestamps && go_timestamp(s, r->text, sizeof(r->text))) {
		r->kind = PN_YAMLTYPE_TIME;
		return;
	}
	/* plain := strings.Replace(in, "_", "", -1); longer text is no number a float64 holds either */
	for (; *s != '\0'; s++) {
		if (*s == '_')
			continue;
		if (n + 1 >= sizeof(plain))
			return;
		plain[n++] = *s;
	}
	plain[n] = '\0';
	switch (go_parse_int(plain, &r->i, &r->u)) {
	case 1:
		r->kind = PN_YAMLTYPE_INT;
		return;
	case 2:
		r->kind = PN_YAMLTYPE_UINT;
		return;
	}
	/* go-yaml's yamlStyleFloat pattern, then ParseFloat: for text without '_' that is go_parse_float */
	if (go_parse_float(plain, &r->f))
		r->kind = PN_YAMLTYPE_FLOAT;
}

/* go-yaml's short form of a tag ("!!int"); "" for none or the non-specific "!". */
void
pn_yamltype_short_tag(const char *tag, char *out, size_t cap)
{
	/* most scalars carry no tag: no snprintf for them (musl's costs some 700 instructions a call) */
	if (tag == NULL || strcmp(tag, "!") == 0) {
		if (cap > 0)
			out[0] = '\0';
	} else if (strncmp(tag, PN_YAMLTYPE_TAG_PREFIX, strlen(PN_YAMLTYPE_TAG_PREFIX)) == 0) {
		snprintf(out, cap, "!!%s", tag + strlen(PN_YAMLTYPE_TAG_PREFIX));
	} else {
		snprintf(out, cap, "%s", tag);
	}
}

const char *
pn_yamltype_kind_tag(enum pn_yamltype_kind k)
{
	static const char *const names[] = {"!!str", "!!null", "!!bool", "!!int", "!!int", "!!float", "!!timestamp"};

	return names[k];
}
