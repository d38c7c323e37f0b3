#include "pn_test.h"

#include <stdio.h>

#include "../../agent/render/subst.h"
#include "../../agent/render/yaml.h"
#include "../../agent/render/yamlout.h"

/* The variables every evaluation case sees (the fork's own test values, and a few more). */
static const char *const vars[][2] = {
	{"var01", "abcdEFGH28ij"},
	{"VAR01U", "ABCDEFGH28IJ"},
	{"path_name", "/home/bozo/ideas/thoughts.for.today"},
	{"stringZ", "abcABC123ABCabc"},
	{"filename", "bash.string.txt"},
	{"fpath", "/path/to/file"},
	{"rel", "path/to/file"},
	{"slash1", "foo/bar"},
	{"slashy", "foo/bar/baz"},
	{"dotty", "foo.bar"},
	{"default_var", "foo"},
	{"empty", ""},
	{"neg", "-3"},
	{"uni", "\xc3\xa4rger \xc3\x9f"},		/* "ärger ß" */
	{"cyr", "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"},	/* "привет" */
	{"latin", "\xc5\x82\xc3\xb3" "d\xc5\xba"},	/* "łódź" */
	{"bad", "a\xff" "b"},
};

static void
load(struct pn_subst *s, int strict)
{
	pn_subst_init(s);
	s->strict = strict;
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		assert_ok(pn_subst_set(s, vars[i][0], strlen(vars[i][0]), vars[i][1], strlen(vars[i][1])));
}

#define OK 0
static const struct {
	const char *in;
	int strict;
	enum pn_err_code code;	/* OK: out is the result; else out is part of the message */
	const char *out;
} cases[] = {
	/* the fork's TestExpand table */
	{"abcdEFGH28ij", 0, OK, "abcdEFGH28ij"},
	{"${#var01}", 0, OK, "12"},
	{"${var01^}", 0, OK, "AbcdEFGH28ij"},
	{"${var01^^}", 0, OK, "ABCDEFGH28IJ"},
	{"${VAR01U,}", 0, OK, "aBCDEFGH28IJ"},
	{"${VAR01U,,}", 0, OK, "abcdefgh28ij"},
	{"${path_name:11}", 0, OK, "ideas/thoughts.for.today"},
	{"${path_name:11:5}", 0, OK, "ideas"},
	{"${var01=xyz}", 0, OK, "abcdEFGH28ij"},
	{"${unset=xyz}", 0, OK, "xyz"},
	{"something ${unset=${default_var}}", 0, OK, "something foo"},
	{"foo: ${unset=${default_var}-suffix}", 0, OK, "foo: foo-suffix"},
	{"foo: ${unset=prefix${default_var}-suffix}", 0, OK, "foo: prefixfoo-suffix"},
	{"${unset:=xyz}", 0, OK, "xyz"},
	{"${stringZ/%abc/XYZ}", 0, OK, "abcABC123ABCXYZ"},
	{"${stringZ/#abc/XYZ}", 0, OK, "XYZABC123ABCabc"},
	{"${stringZ//abc/xyz}", 0, OK, "xyzABC123ABCxyz"},
	{"${stringZ/abc/xyz}", 0, OK, "xyzABC123ABCabc"},
	{"${filename#*.}", 0, OK, "string.txt"},
	{"${rel#*/}", 0, OK, "to/file"},
	{"${fpath#*/}", 0, OK, "path/to/file"},
	{"${filename##*.}", 0, OK, "txt"},
	{"${rel##*/}", 0, OK, "file"},
	{"${fpath##*/}", 0, OK, "file"},
	{"${filename%.*}", 0, OK, "bash.string"},
	{"${filename%%.*}", 0, OK, "bash"},
	{"${unset=${var01^^}}", 0, OK, "ABCDEFGH28IJ"},
	{"$${var01}", 0, OK, "${var01}"},
	{"some text ${var01}$${var$${var01}$var01${var01}", 0, OK,
	    "some text abcdEFGH28ij${var${var01}$var01abcdEFGH28ij"},
	{"something $${var=${default_var}}", 0, OK, "something ${var=foo}"},
	{"${slash1/\\//-}", 0, OK, "foo-bar"},
	{"${slashy//\\//-}", 0, OK, "foo-bar-baz"},
	{"\\\\something ${var=${default_var}}", 0, OK, "\\\\something foo"},
	{"${dotty/./}", 0, OK, "foobar"},
	/* bare $, $$ */
	{"$var01 and $ alone and a$", 0, OK, "$var01 and $ alone and a$"},
	{"a$$b $$$${x} $$${var01}", 0, OK, "a$b $${x} $abcdEFGH28ij"},
	{"echo $$HOME ${unset:-$$x}", 0, OK, "echo $HOME $$x"},
	/* the default forms: empty counts as unset; :? and :+ are defaults too; - and + do not parse */
	{"${var01:-x}|${empty:-x}|${empty=x}|${empty:+x}|${var01:+x}|${empty:?x}", 0, OK,
	    "abcdEFGH28ij|x|x|x|abcdEFGH28ij|x"},
	{"${empty:=}|${unset:=a${empty}b${var01:0:3}c}|${unset==x}", 0, OK, "|ababcc|=x"},
	{"${empty-x}", 0, PN_ERR_PARSE, "missing closing brace (line 1)"},
	{"${empty+x}", 0, PN_ERR_PARSE, "missing closing brace"},
	{"${unset}", 0, OK, ""},
	{"${1abc}|${_x}", 0, OK, "|"},
	/* substrings */
	{"${var01: -3}", 0, OK, "abcdEFGH28ij"},
	{"${var01:${neg}}", 0, OK, "8ij"},
	{"${var01:-3}", 0, OK, "abcdEFGH28ij"},
	{"${var01:20}|${var01:20:2}|${var01:10:5}|${var01:x}|${var01:1:x}|${var01:2:0}|${var01:${neg}:2}", 0, OK,
	    "||ij|abcdEFGH28ij|abcdEFGH28ij||8i"},
	{"${var01:+2:0}", 0, OK, "abcdEFGH28ij"},
	{"${var01:99999999999999999999}", 0, OK, "abcdEFGH28ij"},
	{"${var01:2:-1}", 0, PN_ERR_PARSE, "out of range"},
	{"${var01:1:9223372036854775807}", 0, PN_ERR_PARSE, "out of range"},
	{"${var01:1:${neg}}", 0, PN_ERR_PARSE, "out of range"},
	{"${var01:20:-1}", 0, OK, ""},
	{"${var01:1::3}", 0, OK, "bcd"},
	/* replacement */
	{"${dotty//${empty}/-}", 0, OK, "-f-o-o-.-b-a-r-"},
	{"${dotty/${empty}/-}|${dotty/#${empty}/-}|${dotty/%${empty}/-}", 0, OK, "-foo.bar|-foo.bar|foo.bar-"},
	{"${dotty/#foo/}|${dotty/%bar/}|${dotty/#x/y}|${dotty/%x/y}|${dotty/o/}x", 0, OK,
	    "foo.bar|foo.bar|foo.bar|foo.bar|fo.barx"},
	{"${dotty/x} y/z}", 0, OK, "foo.bar"},
	{"${dotty/o//0}", 0, OK, "f0o.bar"},
	{"${dotty//o/$$}", 0, OK, "f$$.bar"},
	{"${uni//${empty}/.}", 0, OK, ".\xc3\xa4.r.g.e.r. .\xc3\x9f."},
	/* patterns */
	{"${filename%.t?t}|${filename#[a-c]*.}|${filename#[^a-c]*.}", 0, OK, "bash.string|string.txt|bash.string.txt"},
	{"${filename%[s-u]xt}", 0, OK, "bash.string.txt"},
	/* regression (fuzz): a suffix trim of an empty value */
	{"${empty%x}|${empty##*}|${unset%.*}|${empty%${empty}}", 0, OK, "|||"},
	{"${filename#[}|${filename#[a-}|${filename#\\}", 0, OK, "bash.string.txt|bash.string.txt|bash.string.txt"},
	{"${fpath#\\/pa}|${fpath#?}|${fpath##*}|${fpath%/*}|${fpath%%/*}", 0, OK, "th/to/file|path/to/file||/path/to|"},
	/* the fork tries byte prefixes, so "?" matches half a rune (and the reversal makes it U+FFFD) */
	{"${uni%?}|${uni#?}", 0, OK, "\xc3\xa4rger \xef\xbf\xbd|\xa4rger \xc3\x9f"},
	/* case */
	{"${uni^}|${uni^^}|${cyr^^}|${latin^^}|${VAR01U,,}", 0, OK,
	    "\xc3\x84rger \xc3\x9f|\xc3\x84RGER \xc3\x9f|\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2|"
	    "\xc5\x81\xc3\x93" "D\xc5\xb9|abcdefgh28ij"},
	{"${bad^^}|${bad^}|${bad,}", 0, OK, "A\xef\xbf\xbd" "B|A\xff" "b|a\xff" "b"},
	{"${var01,^}|${var01^,}", 0, OK, "abcdEFGH28ij|abcdEFGH28ij"},
	{"${#uni}|${#empty}", 0, OK, "9|0"},
	/* strict mode */
	{"${var01}${empty}", 1, OK, "abcdEFGH28ij"},
	{"${unset}", 1, PN_ERR_NOT_FOUND, "variable not set (strict mode): \"unset\""},
	{"${unset:=d}|${unset=d}|${unset:-d}|${unset:?d}|${unset:+d}", 1, OK, "d|d|d|d|d"},
	{"${#unset}", 1, PN_ERR_NOT_FOUND, "\"unset\""},
	{"${unset^}", 1, PN_ERR_NOT_FOUND, "\"unset\""},
	{"${unset:0:1}", 1, PN_ERR_NOT_FOUND, "\"unset\""},
	{"${unset/a/b}", 1, PN_ERR_NOT_FOUND, "\"unset\""},
	{"${unset%%a}", 1, PN_ERR_NOT_FOUND, "\"unset\""},
	{"${var01:=${other}}", 1, PN_ERR_NOT_FOUND, "\"other\""},
	{"${first} ${second}", 1, PN_ERR_NOT_FOUND, "\"first\""},
	{"${unset} then ${", 1, PN_ERR_PARSE, "unable to parse variable name"},
	{"$${unset}", 1, OK, "${unset}"},
	/* parse errors */
	{"${}", 0, PN_ERR_PARSE, "unable to parse variable name"},
	{"${ a}", 0, PN_ERR_PARSE, "unable to parse variable name"},
	{"x\ny\n${a", 0, PN_ERR_PARSE, "missing closing brace (line 3)"},
	{"${a b}", 0, PN_ERR_PARSE, "missing closing brace"},
	{"${a:}", 0, PN_ERR_PARSE, "unable to parse substitution within function"},
	{"${a::3}", 0, PN_ERR_PARSE, "unable to parse substitution within function"},
	{"${a:1:}", 0, PN_ERR_PARSE, "unable to parse substitution within function"},
	{"${a:1${b}}", 0, PN_ERR_PARSE, "bad substitution"},
	{"${a:1", 0, PN_ERR_PARSE, "bad substitution"},
	{"${a#}", 0, PN_ERR_PARSE, "unable to parse substitution within function"},
	{"${a###b}", 0, OK, ""},
	{"${##a}", 0, PN_ERR_PARSE, "bad substitution"},
	{"${#}", 0, PN_ERR_PARSE, "bad substitution"},
	{"${#a:1}", 0, PN_ERR_PARSE, "bad substitution"},
	{"${a^^^}", 0, PN_ERR_PARSE, "bad substitution"},
	{"${a///b}", 0, PN_ERR_PARSE, "unable to parse substitution within function"},
	{"${a/b}", 0, PN_ERR_PARSE, "bad substitution"},
	{"${a:=", 0, PN_ERR_PARSE, "unable to parse substitution within function"},
	{"${a:\xc3\xa4}", 0, PN_ERR_PARSE, "bad substitution"},
	/* names: letters (and digits) of any script, not symbols */
	{"${\xc3\xa4}|${x\xd0\xbf}", 0, OK, "|"},
	{"${a\xe2\x82\xac}", 0, PN_ERR_PARSE, "missing closing brace"},
	{"${\xff}", 0, PN_ERR_PARSE, "unable to parse variable name"},
};

static void
test_eval(void **state)
{
	struct pn_subst s[2];
	struct pn_buf out;

	(void)state;
	load(&s[0], 0);
	load(&s[1], 1);
	pn_buf_init(&out, PN_SUBST_MAX_OBJECT, "out");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pn_error *err = pn_subst_eval(&s[cases[i].strict], cases[i].in, strlen(cases[i].in), &out);

		if (cases[i].code == OK) {
			if (err != NULL)
				fail_msg("case %zu %s: %s", i, cases[i].in, err->msg);
			if (strcmp(pn_buf_str(&out), cases[i].out) != 0)
				fail_msg("case %zu %s: got \"%s\", want \"%s\"", i, cases[i].in, pn_buf_str(&out), cases[i].out);
		} else {
			if (err == NULL)
				fail_msg("case %zu %s: no error, got \"%s\"", i, cases[i].in, pn_buf_str(&out));
			assert_error(err, cases[i].code, cases[i].out);
			assert_int_equal(out.len, 0);
		}
		pn_buf_reset(&out);
	}
	pn_buf_release(&out);
	pn_subst_release(&s[0]);
	pn_subst_release(&s[1]);
}

/* A NUL in the text ends it (the fork's eof rune is 0); the limits. */
static void
test_limits(void **state)
{
	struct pn_subst s;
	struct pn_buf out, in;
	char *big;
	size_t n = 20000;

	(void)state;
	load(&s, 0);
	pn_buf_init(&out, PN_SUBST_MAX_OBJECT, "out");
	pn_buf_init(&in, PN_SUBST_MAX_OBJECT, "in");
	assert_ok(pn_subst_eval(&s, "a\0${var01}", 10, &out));
	assert_string_equal(pn_buf_str(&out), "a");
	pn_buf_reset(&out);
	/* nesting */
	for (int i = 0; i < PN_SUBST_MAX_DEPTH; i++)
		assert_ok(pn_buf_addstr(&in, "${unset:="));
	assert_ok(pn_buf_addstr(&in, "x"));
	for (int i = 0; i < PN_SUBST_MAX_DEPTH; i++)
		assert_ok(pn_buf_addstr(&in, "}"));
	assert_ok(pn_subst_eval(&s, in.data, in.len, &out));
	assert_string_equal(pn_buf_str(&out), "x");
	pn_buf_reset(&out);
	pn_buf_reset(&in);
	for (int i = 0; i <= PN_SUBST_MAX_DEPTH; i++)
		assert_ok(pn_buf_addstr(&in, "${unset:="));
	assert_error(pn_subst_eval(&s, in.data, in.len, &out), PN_ERR_TOO_LARGE, "nested more than 32");
	/* pattern work */
	assert_non_null(big = malloc(n + 1));
	memset(big, 'a', n);
	big[n] = '\0';
	assert_ok(pn_subst_set(&s, "big", 3, big, n));
	assert_error(pn_subst_eval(&s, "${big##*b}", 10, &out), PN_ERR_TOO_LARGE, "pattern matching took more");
	assert_ok(pn_subst_eval(&s, "${#big}", 7, &out));
	assert_string_equal(pn_buf_str(&out), "20000");
	pn_buf_reset(&out);
	/* output ceiling */
	pn_buf_release(&out);
	pn_buf_init(&out, 100, "small");
	assert_error(pn_subst_eval(&s, "${big}", 6, &out), PN_ERR_TOO_LARGE, "small");
	/* the set */
	assert_error(pn_subst_set(&s, "", 0, "x", 1), PN_ERR_USAGE, "empty");
	assert_error(pn_subst_set(&s, "x", 1, big, PN_SUBST_MAX_VALUE + 1), PN_ERR_TOO_LARGE, "value over");
	free(big);
	pn_subst_release(&s);
	pn_subst_init(&s);
	for (int i = 0; i < PN_SUBST_MAX_VARS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "v%d", i);
		assert_ok(pn_subst_set(&s, name, strlen(name), "x", 1));
	}
	assert_ok(pn_subst_set(&s, "v7", 2, "y", 1));
	assert_error(pn_subst_set(&s, "one_more", 8, "x", 1), PN_ERR_TOO_LARGE, "more than 1024");
	pn_buf_release(&out);
	pn_buf_release(&in);
	pn_subst_release(&s);
}

static void
test_set(void **state)
{
	static const char env[] =
	    "# cluster settings\n"
	    "\n"
	    "  \t\n"
	    "DOMAIN=example.com\r\n"
	    "  SPACED =  keeps its blanks \n"
	    "EMPTY=\n"
	    "EQ=a=b\n"
	    "DOMAIN=example.org";
	struct pn_subst s;
	struct pn_buf out;

	(void)state;
	pn_subst_init(&s);
	pn_buf_init(&out, 4096, "out");
	assert_ok(pn_subst_parse_env(&s, "vars.env", env, strlen(env)));
	assert_int_equal(s.n, 4);
	assert_ok(pn_subst_set_arg(&s, "NL=a\nb\n", "--substitute"));
	const char *in = "${DOMAIN}|${SPACED}|${EMPTY:-e}|${EQ}|${NL}";

	assert_ok(pn_subst_eval(&s, in, strlen(in), &out));
	assert_string_equal(pn_buf_str(&out), "example.org|  keeps its blanks |e|a=b|ab");
	assert_error(pn_subst_parse_env(&s, "v.env", "A=1\nnot a pair\n", 15), PN_ERR_PARSE, "v.env:2: expected KEY=VALUE");
	assert_error(pn_subst_parse_env(&s, "v.env", " =1\n", 4), PN_ERR_PARSE, "v.env:1: the key before");
	assert_error(pn_subst_parse_env(&s, "v.env", "A=\0", 3), PN_ERR_PARSE, "NUL");
	assert_error(pn_subst_set_arg(&s, "novalue", "--substitute"), PN_ERR_USAGE, "--substitute \"novalue\": expected");
	assert_error(pn_subst_set_arg(&s, "=x", "--substitute"), PN_ERR_USAGE, "expected KEY=VALUE");
	pn_buf_release(&out);
	pn_subst_release(&s);
}

/* Objects: what Flux's write → substitute → YAMLToJSON round trip gives, as compact JSON. */
static const struct {
	const char *obj;
	const char *vars;	/* KEY=VALUE lines */
	int strict, always;
	enum pn_err_code code;
	const char *out;	/* the JSON, or part of the error */
} objs[] = {
	/* typing after the re-read: "${n}" was printed plainly, so it is a number now */
	{"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\"},"
	    "\"spec\":{\"replicas\":\"${n}\",\"paused\":\"${b}\",\"x\":\"${d}\",\"f\":\"${f}\",\"nul\":\"${z}\"}}",
	    "n=3\nb=yes\nd=2020-01-01\nf=1e3\nz=~", 0, 0, OK,
	    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\"},"
	    "\"spec\":{\"f\":1000,\"nul\":null,\"paused\":true,\"replicas\":3,\"x\":\"2020-01-01\"}}"},
	{"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"namespace\":\"${ns}\"},"
	    "\"data\":{\"on\":\"${b}\",\"colon\":\"${n}: x\",\"block\":\"a\\n${n}\\n\",\"quoted\":\"'${n}'\"}}",
	    "n=3\nb=off\nns=apps", 0, 0, OK,
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"namespace\":\"apps\"},"
	    "\"data\":{\"block\":\"a\\n3\\n\",\"colon\":\"3: x\",\"on\":false,\"quoted\":\"'3'\"}}"},
	/* keys that read as ints or bools become their text; a repeated key keeps its last value */
	{"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"labels\":"
	    "{\"${p}\":\"a\",\"${y}\":\"b\",\"${h}\":\"c\",\"${k1}\":\"1\",\"${k2}\":\"2\",\"${f}\":\"f\"}}}",
	    "p=8080\ny=yes\nh=0x10\nk1=dup\nk2=dup\nf=1e6", 0, 0, OK,
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"labels\":{\"16\":\"c\",\"8080\":\"a\","
	    "\"dup\":\"2\",\"true\":\"b\",\"1e+06\":\"f\"},\"name\":\"c\"}}"},
	{"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"labels\":{\"${k}\":\"a\"}}}",
	    "k=~", 0, 0, PN_ERR_PARSE, "mapping key `~` is a !!null"},
	/* opt-outs: the annotation or label, no variables, and Always */
	{"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"annotations\":"
	    "{\"kustomize.toolkit.fluxcd.io/substitute\":\"disabled\"}},\"data\":{\"a\":\"${n} $${n}\"}}",
	    "n=3", 1, 0, OK,
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"annotations\":"
	    "{\"kustomize.toolkit.fluxcd.io/substitute\":\"disabled\"}},\"data\":{\"a\":\"${n} $${n}\"}}"},
	{"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"labels\":"
	    "{\"kustomize.toolkit.fluxcd.io/substitute\":\"disabled\"}},\"data\":{\"a\":\"${n}\"}}",
	    "n=3", 0, 0, OK,
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"labels\":"
	    "{\"kustomize.toolkit.fluxcd.io/substitute\":\"disabled\"}},\"data\":{\"a\":\"${n}\"}}"},
	{"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"annotations\":"
	    "{\"kustomize.toolkit.fluxcd.io/substitute\":\"Disabled\"}},\"data\":{\"a\":\"${n}\"}}",
	    "n=3", 0, 0, OK,
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"data\":{\"a\":3},\"metadata\":{\"annotations\":"
	    "{\"kustomize.toolkit.fluxcd.io/substitute\":\"Disabled\"},\"name\":\"c\"}}"},
	{"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"data\":{\"a\":\"${n} $${n}\"}}",
	    "", 1, 0, OK,
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"data\":{\"a\":\"${n} $${n}\"}}"},
	{"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"data\":{\"a\":\"${n:=1} $${n}\"}}",
	    "", 0, 1, OK,
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"data\":{\"a\":\"1 ${n}\"},\"metadata\":{\"name\":\"c\"}}"},
	/* errors name the object */
	{"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\",\"namespace\":\"n\"},"
	    "\"spec\":{\"x\":\"${missing}\"}}", "n=3", 1, 0, PN_ERR_NOT_FOUND,
	    "apps/v1 Deployment n/d: variable substitution failed: variable not set (strict mode): \"missing\""},
	{"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"data\":{\"a\":\"${x}\"}}",
	    "n=3\n1bad=x", 0, 0, PN_ERR_USAGE,
	    "v1 ConfigMap c: '1bad' var name is invalid, must match '^[_[:alpha:]][_[:alpha:][:digit:]]*$'"},
	{"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"data\":{\"a\":\"${x}\"}}",
	    "x=b: c", 0, 0, PN_ERR_PARSE, "v1 ConfigMap c:"},
	{"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"data\":{\"a\":\"${x\"}}",
	    "x=1", 0, 0, PN_ERR_PARSE, "v1 ConfigMap c: variable substitution failed: missing closing brace (line 3)"},
};

static void
test_object(void **state)
{
	struct pn_buf json, wjson;

	(void)state;
	pn_buf_init(&json, 1 << 20, "json");
	pn_buf_init(&wjson, 1 << 20, "json");
	for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		struct pn_subst s;
		cJSON *o = cJSON_Parse(objs[i].obj), *want;
		const struct pn_error *err;

		assert_non_null(o);
		pn_subst_init(&s);
		s.strict = objs[i].strict;
		s.always = objs[i].always;
		assert_ok(pn_subst_parse_env(&s, "t", objs[i].vars, strlen(objs[i].vars)));
		err = pn_subst_object(&s, &o);
		if (objs[i].code != OK) {
			if (err == NULL)
				fail_msg("object %zu: no error", i);
			assert_error(err, objs[i].code, objs[i].out);
		} else {
			if (err != NULL)
				fail_msg("object %zu: %s", i, err->msg);
			/* compared as printed: numbers are raw items (the reader's), key order is the printer's */
			assert_non_null(want = cJSON_Parse(objs[i].out));
			pn_buf_reset(&json);
			pn_buf_reset(&wjson);
			assert_ok(pn_yamlout_doc(o, &json));
			assert_ok(pn_yamlout_doc(want, &wjson));
			if (strcmp(pn_buf_str(&json), pn_buf_str(&wjson)) != 0)
				fail_msg("object %zu: got\n%s\nwant\n%s", i, pn_buf_str(&json), pn_buf_str(&wjson));
			cJSON_Delete(want);
		}
		cJSON_Delete(o);
		pn_subst_release(&s);
	}
	pn_buf_release(&json);
	pn_buf_release(&wjson);
}

/* Without a variable set, nothing happens. */
static void
test_null(void **state)
{
	cJSON *o = cJSON_Parse("{\"a\":\"${x}\"}");

	(void)state;
	assert_ok(pn_subst_object(NULL, &o));
	assert_string_equal(cJSON_GetObjectItem(o, "a")->valuestring, "${x}");
	cJSON_Delete(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eval),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_object),
		cmocka_unit_test(test_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
