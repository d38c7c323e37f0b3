#include "pn_test.h"

#include <math.h>
#include <stdio.h>

#include "../../agent/render/yamltype.h"

enum { V3, V2 };

/* What pn_yamltype_resolve makes of one text: the kind and its value (bool, int64, uint64, float or JSON text). */
struct want {
	const char *in;
	int timestamps, v2;
	enum pn_yamltype_kind kind;
	int b;
	int64_t i;
	uint64_t u;
	double f;
	const char *text;
};

static void
check(const struct want *w)
{
	struct pn_yamltype_value r;

	pn_yamltype_resolve(w->in, w->timestamps, w->v2, &r);
	if (r.kind != w->kind)
		fail_msg("`%s` (timestamps %d, v2 %d): kind %s, want %s", w->in, w->timestamps, w->v2,
		    pn_yamltype_kind_tag(r.kind), pn_yamltype_kind_tag(w->kind));
	switch (w->kind) {
	case PN_YAMLTYPE_BOOL:
		if (r.b != w->b)
			fail_msg("`%s`: bool %d, want %d", w->in, r.b, w->b);
		break;
	case PN_YAMLTYPE_INT:
		if (r.i != w->i)
			fail_msg("`%s`: int %lld, want %lld", w->in, (long long)r.i, (long long)w->i);
		break;
	case PN_YAMLTYPE_UINT:
		if (r.u != w->u)
			fail_msg("`%s`: uint %llu, want %llu", w->in, (unsigned long long)r.u,
			    (unsigned long long)w->u);
		break;
	case PN_YAMLTYPE_FLOAT:
		if (isnan(w->f) ? !isnan(r.f) : r.f != w->f || signbit(r.f) != signbit(w->f))
			fail_msg("`%s`: float %g, want %g", w->in, r.f, w->f);
		break;
	case PN_YAMLTYPE_TIME:
		if (strcmp(r.text, w->text) != 0)
			fail_msg("`%s`: timestamp %s, want %s", w->in, r.text, w->text);
		break;
	case PN_YAMLTYPE_STR:
	case PN_YAMLTYPE_NULL:
		break;
	}
}

static void
run(const struct want *w, size_t n)
{
	for (size_t k = 0; k < n; k++)
		check(&w[k]);
}

/* Kinds without a value. */
#define STR(in, timestamps, v2) {in, timestamps, v2, PN_YAMLTYPE_STR, .text = NULL}
#define NUL(in, timestamps, v2) {in, timestamps, v2, PN_YAMLTYPE_NULL, .text = NULL}

#define RUN(cases) run(cases, sizeof(cases) / sizeof(cases[0]))

/* Go's strconv.ParseInt/ParseUint with base 0 after dropping '_'; YAML 1.1 octal "0755" kept. */
static void
test_ints(void **state)
{
	static const struct want cases[] = {
		{"0", 1, V3, PN_YAMLTYPE_INT, .i = 0},
		{"-0", 1, V3, PN_YAMLTYPE_INT, .i = 0},
		{"+12", 1, V3, PN_YAMLTYPE_INT, .i = 12},
		{"0x1F", 1, V3, PN_YAMLTYPE_INT, .i = 31},
		{"0X1F", 1, V3, PN_YAMLTYPE_INT, .i = 31},
		{"-0x1F", 1, V3, PN_YAMLTYPE_INT, .i = -31},
		{"0x_1F", 1, V3, PN_YAMLTYPE_INT, .i = 31},
		{"0o17", 1, V3, PN_YAMLTYPE_INT, .i = 15},
		{"0o_17", 1, V3, PN_YAMLTYPE_INT, .i = 15},
		{"0755", 1, V3, PN_YAMLTYPE_INT, .i = 493},
		{"0_755", 1, V3, PN_YAMLTYPE_INT, .i = 493},
		{"0b101", 1, V3, PN_YAMLTYPE_INT, .i = 5},
		{"-0b101", 1, V3, PN_YAMLTYPE_INT, .i = -5},
		{"1_000", 1, V3, PN_YAMLTYPE_INT, .i = 1000},
		{"1__0", 1, V3, PN_YAMLTYPE_INT, .i = 10},
		{"1_", 1, V3, PN_YAMLTYPE_INT, .i = 1},
		{"9223372036854775807", 1, V3, PN_YAMLTYPE_INT, .i = INT64_MAX},
		{"-9223372036854775808", 1, V3, PN_YAMLTYPE_INT, .i = INT64_MIN},
		/* above int64: ParseUint */
		{"9223372036854775808", 1, V3, PN_YAMLTYPE_UINT, .u = (uint64_t)INT64_MAX + 1},
		{"18446744073709551615", 1, V3, PN_YAMLTYPE_UINT, .u = UINT64_MAX},
		{"0xFFFFFFFFFFFFFFFF", 1, V3, PN_YAMLTYPE_UINT, .u = UINT64_MAX},
		/* overflow of both: a float64 */
		{"18446744073709551616", 1, V3, PN_YAMLTYPE_FLOAT, .f = 18446744073709551616.0},
		{"-9223372036854775809", 1, V3, PN_YAMLTYPE_FLOAT, .f = -9223372036854775809.0},
		/* not octal: ParseInt fails, ParseFloat reads decimal */
		{"08", 1, V3, PN_YAMLTYPE_FLOAT, .f = 8},
		{"0789", 1, V3, PN_YAMLTYPE_FLOAT, .f = 789},
		/* no digits after the prefix, or bad ones */
		STR("0x", 1, V3), STR("0o", 1, V3), STR("0b", 1, V3),
		STR("0xg", 1, V3), STR("_1", 1, V3), STR("+", 1, V3),
		STR("0x1p3", 1, V3),
	};

	(void)state;
	RUN(cases);
}

/* The .inf/.nan words, and Go's ParseFloat for decimal text; out of range is a string. */
static void
test_floats(void **state)
{
	static const struct want cases[] = {
		{"1e3", 1, V3, PN_YAMLTYPE_FLOAT, .f = 1000},
		{"1E3", 1, V3, PN_YAMLTYPE_FLOAT, .f = 1000},
		{"1e+3", 1, V3, PN_YAMLTYPE_FLOAT, .f = 1000},
		{"1.e3", 1, V3, PN_YAMLTYPE_FLOAT, .f = 1000},
		{".5e3", 1, V3, PN_YAMLTYPE_FLOAT, .f = 500},
		{"1.0", 1, V3, PN_YAMLTYPE_FLOAT, .f = 1},
		{".5", 1, V3, PN_YAMLTYPE_FLOAT, .f = 0.5},
		{"-.5", 1, V3, PN_YAMLTYPE_FLOAT, .f = -0.5},
		{"+1.5", 1, V3, PN_YAMLTYPE_FLOAT, .f = 1.5},
		{".5_0", 1, V3, PN_YAMLTYPE_FLOAT, .f = 0.5},
		{"1_000.5", 1, V3, PN_YAMLTYPE_FLOAT, .f = 1000.5},
		{"-0.0", 1, V3, PN_YAMLTYPE_FLOAT, .f = -0.0},
		{"1e-400", 1, V3, PN_YAMLTYPE_FLOAT, .f = 0},
		{".inf", 1, V3, PN_YAMLTYPE_FLOAT, .f = INFINITY},
		{".Inf", 1, V3, PN_YAMLTYPE_FLOAT, .f = INFINITY},
		{"+.INF", 1, V3, PN_YAMLTYPE_FLOAT, .f = INFINITY},
		{"-.inf", 1, V3, PN_YAMLTYPE_FLOAT, .f = -INFINITY},
		{".nan", 1, V3, PN_YAMLTYPE_FLOAT, .f = NAN},
		{".NaN", 1, V2, PN_YAMLTYPE_FLOAT, .f = NAN},
		{".NAN", 1, V3, PN_YAMLTYPE_FLOAT, .f = NAN},
		STR(".iNf", 1, V3), STR("1e400", 1, V3), STR("1e", 1, V3),
		STR("e3", 1, V3), STR(".", 1, V3), STR("0.5.5", 1, V3),
		STR("Infinity", 1, V3), STR("1:30", 1, V3),
	};

	(void)state;
	RUN(cases);
}

/* go-yaml v3 has only true/false in three spellings; v2 adds YAML 1.1's yes/no/on/off/y/n. */
static void
test_bools(void **state)
{
	static const struct want cases[] = {
		{"true", 1, V3, PN_YAMLTYPE_BOOL, .b = 1}, {"True", 1, V3, PN_YAMLTYPE_BOOL, .b = 1},
		{"TRUE", 1, V3, PN_YAMLTYPE_BOOL, .b = 1}, {"false", 1, V3, PN_YAMLTYPE_BOOL, .b = 0},
		{"False", 1, V3, PN_YAMLTYPE_BOOL, .b = 0}, {"FALSE", 1, V3, PN_YAMLTYPE_BOOL, .b = 0},
		{"true", 1, V2, PN_YAMLTYPE_BOOL, .b = 1}, {"FALSE", 1, V2, PN_YAMLTYPE_BOOL, .b = 0},
		STR("tRue", 1, V3), STR("tRue", 1, V2),
		STR("yes", 1, V3), {"yes", 1, V2, PN_YAMLTYPE_BOOL, .b = 1},
		STR("Yes", 1, V3), {"Yes", 1, V2, PN_YAMLTYPE_BOOL, .b = 1},
		STR("YES", 1, V3), {"YES", 1, V2, PN_YAMLTYPE_BOOL, .b = 1},
		STR("y", 1, V3), {"y", 1, V2, PN_YAMLTYPE_BOOL, .b = 1},
		STR("Y", 1, V3), {"Y", 1, V2, PN_YAMLTYPE_BOOL, .b = 1},
		STR("on", 1, V3), {"on", 1, V2, PN_YAMLTYPE_BOOL, .b = 1},
		STR("ON", 1, V3), {"ON", 1, V2, PN_YAMLTYPE_BOOL, .b = 1},
		STR("no", 1, V3), {"no", 1, V2, PN_YAMLTYPE_BOOL, .b = 0},
		STR("No", 1, V3), {"No", 1, V2, PN_YAMLTYPE_BOOL, .b = 0},
		STR("n", 1, V3), {"N", 1, V2, PN_YAMLTYPE_BOOL, .b = 0},
		STR("off", 1, V3), {"off", 1, V2, PN_YAMLTYPE_BOOL, .b = 0},
		STR("OFF", 1, V3), {"Off", 1, V2, PN_YAMLTYPE_BOOL, .b = 0},
		STR("oN", 1, V2), STR("yES", 1, V2),
	};

	(void)state;
	RUN(cases);
}

/* go-yaml's nulls: "", ~ and null in three spellings. */
static void
test_nulls(void **state)
{
	static const struct want cases[] = {
		NUL("", 1, V3), NUL("~", 1, V3), NUL("null", 1, V3),
		NUL("Null", 1, V3), NUL("NULL", 1, V2), NUL("", 0, V2),
		STR("nUll", 1, V3), STR("~~", 1, V3), STR("nil", 1, V3),
	};

	(void)state;
	RUN(cases);
}

/* go-yaml's parseTimestamp, printed as Go's time.Time.MarshalJSON; only where timestamps are allowed. */
static void
test_timestamps(void **state)
{
	static const struct want cases[] = {
		{"2020-01-01", 1, V3, PN_YAMLTYPE_TIME, .text = "2020-01-01T00:00:00Z"},
		{"2020-1-1", 1, V3, PN_YAMLTYPE_TIME, .text = "2020-01-01T00:00:00Z"},
		{"2020-01-01", 1, V2, PN_YAMLTYPE_TIME, .text = "2020-01-01T00:00:00Z"},
		{"2020-01-01T10:00:00Z", 1, V3, PN_YAMLTYPE_TIME, .text = "2020-01-01T10:00:00Z"},
		{"2020-01-01 10:00:00", 1, V3, PN_YAMLTYPE_TIME, .text = "2020-01-01T10:00:00Z"},
		{"2020-01-01t10:00:00+02:00", 1, V3, PN_YAMLTYPE_TIME, .text = "2020-01-01T10:00:00+02:00"},
		{"2020-01-01T10:00:00-00:30", 1, V3, PN_YAMLTYPE_TIME, .text = "2020-01-01T10:00:00-00:30"},
		{"2020-01-01T10:00:00+00:00", 1, V3, PN_YAMLTYPE_TIME, .text = "2020-01-01T10:00:00Z"},
		{"2020-01-01T10:00:00.123456789123Z", 1, V3, PN_YAMLTYPE_TIME,
		    .text = "2020-01-01T10:00:00.123456789Z"},
		{"2020-01-01T10:00:00,5Z", 1, V3, PN_YAMLTYPE_TIME, .text = "2020-01-01T10:00:00.5Z"},
		{"2020-01-01T10:00:00.000Z", 1, V3, PN_YAMLTYPE_TIME, .text = "2020-01-01T10:00:00Z"},
		{"2020-01-01T1:2:3Z", 1, V3, PN_YAMLTYPE_TIME, .text = "2020-01-01T01:02:03Z"},
		{"2020-01-01 10:00:00.5", 1, V3, PN_YAMLTYPE_TIME, .text = "2020-01-01T10:00:00.5Z"},
		{"2020-02-29", 1, V3, PN_YAMLTYPE_TIME, .text = "2020-02-29T00:00:00Z"},
		{"2000-02-29", 1, V3, PN_YAMLTYPE_TIME, .text = "2000-02-29T00:00:00Z"},
		/* near misses stay strings */
		STR("2021-02-29", 1, V3), STR("1900-02-29", 1, V3),
		STR("2020-02-30", 1, V3), STR("2020-13-01", 1, V3),
		STR("2020-01-01T25:00:00Z", 1, V3), STR("2020-01-01T10:00:00", 1, V3),
		STR("2020-01-01T10:00:00+25:00", 1, V3), STR("99999-01-01", 1, V3),
		STR("20-01-01", 1, V3),
		/* not allowed (a tag other than !!timestamp): the text is not a timestamp */
		STR("2020-01-01", 0, V3), STR("2020-01-01", 0, V2),
	};

	(void)state;
	RUN(cases);
}

/* Text a number cannot be, whatever its first byte. */
static void
test_strings(void **state)
{
	static const struct want cases[] = {
		STR("abc", 1, V3), STR("<<", 1, V3), STR("1a", 1, V3),
		STR("-", 1, V3), STR("12 34", 1, V3), STR("x1", 1, V2),
		/* longer than any number a float64 holds */
		STR("1111111111111111111111111111111111111111111111111111111111111111111111", 1, V3),
	};

	(void)state;
	RUN(cases);
}

static void
test_tags(void **state)
{
	static const struct {
		const char *tag, *want;
	} cases[] = {
		{NULL, ""}, {"!", ""}, {"tag:yaml.org,2002:int", "!!int"}, {"tag:yaml.org,2002:merge", "!!merge"},
		{"!foo", "!foo"}, {"tag:example.com,2000:x", "tag:example.com,2000:x"},
	};
	char out[PN_YAMLTYPE_TEXT_MAX];

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		pn_yamltype_short_tag(cases[k].tag, out, sizeof(out));
		assert_string_equal(out, cases[k].want);
	}
	assert_string_equal(pn_yamltype_kind_tag(PN_YAMLTYPE_STR), "!!str");
	assert_string_equal(pn_yamltype_kind_tag(PN_YAMLTYPE_NULL), "!!null");
	assert_string_equal(pn_yamltype_kind_tag(PN_YAMLTYPE_BOOL), "!!bool");
	assert_string_equal(pn_yamltype_kind_tag(PN_YAMLTYPE_INT), "!!int");
	assert_string_equal(pn_yamltype_kind_tag(PN_YAMLTYPE_UINT), "!!int");
	assert_string_equal(pn_yamltype_kind_tag(PN_YAMLTYPE_FLOAT), "!!float");
	assert_string_equal(pn_yamltype_kind_tag(PN_YAMLTYPE_TIME), "!!timestamp");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ints),
		cmocka_unit_test(test_floats),
		cmocka_unit_test(test_bools),
		cmocka_unit_test(test_nulls),
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_tags),
	};
	return cmocka_run_group_tests_name("yamltype", tests, NULL, NULL);
}
