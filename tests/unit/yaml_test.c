#include "pn_test.h"

#include <stdio.h>

#include "../../agent/render/yaml.h"

/* Parse all of `in` with the default limits. */
static const struct pn_error *
parse(const char *in, struct pn_yaml_docs *docs)
{
	return pn_yaml_parse("t.yaml", in, strlen(in), NULL, docs);
}

/* The compact JSON of a node (static buffer, for comparisons). */
static const char *
json(const cJSON *v)
{
	static char out[4096];
	char *s = cJSON_PrintUnformatted(v);

	assert_non_null(s);
	snprintf(out, sizeof(out), "%s", s);
	cJSON_free(s);
	return out;
}

/*
 * Scalar typing. Every expectation was checked against `kubectl kustomize` (kubectl 1.32, kustomize v5.5.0):
 * a ConfigMap with these values plus one `.nan` makes kustomize fail with a dump of the Go values it decoded
 * (ints, uint64s, float64s, strings, time.Date, nil), and Go's encoding/json prints those as below.
 */
static void
test_typing(void **state)
{
	static const struct {
		const char *yaml, *want;
	} cases[] = {
		/* YAML 1.1 booleans are strings in go-yaml v3; only true/false in three spellings are booleans */
		{"yes", "\"yes\""}, {"no", "\"no\""}, {"on", "\"on\""}, {"off", "\"off\""}, {"y", "\"y\""},
		{"n", "\"n\""}, {"Y", "\"Y\""}, {"Yes", "\"Yes\""}, {"true", "true"}, {"True", "true"},
		{"TRUE", "true"}, {"tRue", "\"tRue\""}, {"false", "false"}, {"FALSE", "false"},
		/* nulls */
		{"~", "null"}, {"null", "null"}, {"Null", "null"}, {"NULL", "null"}, {"", "null"},
		{"nUll", "\"nUll\""}, {"'null'", "\"null\""},
		/* integers: Go ParseInt base 0 after dropping '_', YAML 1.1 octal kept */
		{"0755", "493"}, {"0o755", "493"}, {"0_755", "493"}, {"0o_17", "15"}, {"0x1F", "31"},
		{"0X1F", "31"}, {"0x_1F", "31"}, {"-0x1F", "-31"}, {"+0x1F", "31"}, {"0b101", "5"},
		{"-0b101", "-5"}, {"-0o17", "-15"}, {"1_000", "1000"}, {"1__0", "10"}, {"1_", "1"},
		{"_1", "\"_1\""}, {"-0", "0"}, {"+12", "12"}, {"00", "0"}, {"0o", "\"0o\""}, {"0b", "\"0b\""},
		{"0x", "\"0x\""}, {"0xg", "\"0xg\""},
		/* 08 and 0789 are not octal: they fail ParseInt and parse as floats */
		{"08", "8"}, {"0789", "789"},
		/* exact integers beyond float64's 53 bits */
		{"9007199254740993", "9007199254740993"}, {"9223372036854775807", "9223372036854775807"},
		{"9223372036854775808", "9223372036854775808"}, {"18446744073709551615", "18446744073709551615"},
		{"0xFFFFFFFFFFFFFFFF", "18446744073709551615"}, {"0o1777777777777777777777", "18446744073709551615"},
		{"-9223372036854775808", "-9223372036854775808"},
		/* past int64/uint64 they are float64, printed as Go's JSON does */
		{"18446744073709551616", "18446744073709552000"}, {"-9223372036854775809", "-9223372036854776000"},
		{"123456789012345678901234567890", "1.2345678901234568e+29"},
		/* floats */
		{"1e3", "1000"}, {"1E3", "1000"}, {"1.5e3", "1500"}, {"1e+3", "1000"}, {"1.e3", "1000"},
		{".5e3", "500"}, {"1.0", "1"}, {".5", "0.5"}, {"-.5", "-0.5"}, {"1.", "1"}, {"5.", "5"},
		{"+1.5", "1.5"}, {"01.5", "1.5"}, {".5_0", "0.5"}, {"1_000.5", "1000.5"},
		{"3.14159265358979323846", "3.141592653589793"}, {"123456789.123456789", "123456789.12345679"},
		{"1e21", "1e+21"}, {"1e20", "100000000000000000000"}, {"0.000001", "0.000001"},
		{"0.0000001", "1e-7"}, {"1E-7", "1e-7"}, {"0.1e-5", "0.000001"}, {"1e-400", "0"}, {"-0.0", "-0"},
		{"0e0", "0"}, {"1e400", "\"1e400\""}, {"1e", "\"1e\""}, {"e3", "\"e3\""}, {".", "\".\""},
		{"+", "\"+\""}, {"0.5.5", "\"0.5.5\""}, {"0x1p3", "\"0x1p3\""}, {"Infinity", "\"Infinity\""},
		/* timestamps become Go's time.Time JSON; quoted ones and near misses stay as written */
		{"2020-01-01", "\"2020-01-01T00:00:00Z\""}, {"2020-1-1", "\"2020-01-01T00:00:00Z\""},
		{"2020-01-01T10:00:00Z", "\"2020-01-01T10:00:00Z\""},
		{"2020-01-01 10:00:00", "\"2020-01-01T10:00:00Z\""},
		{"2020-01-01t10:00:00+02:00", "\"2020-01-01T10:00:00+02:00\""},
		{"2020-01-01T10:00:00.123456789123Z", "\"2020-01-01T10:00:00.123456789Z\""},
		{"2020-01-01T10:00:00,5Z", "\"2020-01-01T10:00:00.5Z\""},
		{"2020-01-01T1:2:3Z", "\"2020-01-01T01:02:03Z\""},
		{"2020-01-01T10:00:00.000Z", "\"2020-01-01T10:00:00Z\""},
		{"2020-01-01T10:00:00-00:30", "\"2020-01-01T10:00:00-00:30\""},
		{"2020-01-01 10:00:00.5", "\"2020-01-01T10:00:00.5Z\""},
		{"2020-02-29", "\"2020-02-29T00:00:00Z\""}, {"2021-02-29", "\"2021-02-29\""},
		{"2020-02-30", "\"2020-02-30\""}, {"2020-01-01T25:00:00Z", "\"2020-01-01T25:00:00Z\""},
		{"99999-01-01", "\"99999-01-01\""}, {"2020-01-01T10:00:00", "\"2020-01-01T10:00:00\""},
		{"\"2020-01-01\"", "\"2020-01-01\""}, {"1:30", "\"1:30\""},
		/* tags */
		{"!!str 123", "\"123\""}, {"!!int \"123\"", "123"}, {"!!float 1", "1"}, {"!!float \"1.5\"", "1.5"},
		{"!!float 0x10", "16"}, {"!!bool \"true\"", "true"}, {"!!null \"\"", "null"},
		{"!foo bar", "\"bar\""}, {"!!binary aGVsbG8=", "\"hello\""}, {"!!binary /w==", "\"\xef\xbf\xbd\""},
		{"!!timestamp 2020-01-01", "\"2020-01-01T00:00:00Z\""}, {"! 12", "12"},
		{"!<tag:yaml.org,2002:int> \"12\"", "12"},
		/* strings */
		{"<<", "\"<<\""}, {"'yes'", "\"yes\""}, {"\"0755\"", "\"0755\""}, {"|\n  a\n  b", "\"a\\nb\\n\""},
		{">-\n  a\n  b", "\"a b\""}, {"\"\\u00e9\\t\"", "\"\xc3\xa9\\t\""},
		/* collections keep their content whatever their tag */
		{"!!set {a}", "{\"a\":null}"}, {"!!map {a: 1}", "{\"a\":1}"}, {"[a, ]", "[\"a\"]"},
	};
	char in[256];

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct pn_yaml_docs docs;
		const cJSON *v;

		snprintf(in, sizeof(in), "v: %s\n", cases[k].yaml);
		assert_ok(parse(in, &docs));
		assert_int_equal(docs.n, 1);
		v = cJSON_GetObjectItemCaseSensitive(docs.v[0].root, "v");
		if (strcmp(json(v), cases[k].want) != 0)
			fail_msg("v: %s gave %s, want %s", cases[k].yaml, json(v), cases[k].want);
		pn_yaml_docs_release(&docs);
	}
}

/* Numbers are raw items holding their JSON text; the compact JSON keeps every digit. */
static void
test_numbers_and_json(void **state)
{
	struct pn_yaml_docs docs;
	struct pn_buf b;

	(void)state;
	assert_ok(parse("a: 9007199254740993\nb: x\nc: 1e3\n", &docs));
	assert_string_equal(pn_yaml_number(cJSON_GetObjectItemCaseSensitive(docs.v[0].root, "a")),
	    "9007199254740993");
	assert_null(pn_yaml_number(cJSON_GetObjectItemCaseSensitive(docs.v[0].root, "b")));
	pn_buf_init(&b, 1024, "json");
	assert_ok(pn_yaml_to_json(docs.v[0].root, &b));
	assert_string_equal(pn_buf_str(&b), "{\"a\":9007199254740993,\"b\":\"x\",\"c\":1000}");
	pn_buf_release(&b);
	pn_buf_init(&b, 10, "API body");
	assert_error(pn_yaml_to_json(docs.v[0].root, &b), PN_ERR_TOO_LARGE, "API body");
	pn_buf_release(&b);
	pn_yaml_docs_release(&docs);
}

/* Documents of a stream: kyaml's "---" pieces, each read up to its first document. */
static void
test_documents(void **state)
{
	static const struct {
		const char *in;
		const char *want;	/* the documents' JSON, then "@line/piece", separated by ' ' */
		size_t pieces;
	} cases[] = {
		{"", "", 0},
		{"# only a comment\n", "", 1},
		{"a: 1\n---\n# c\n---\n~\n---\nnull\n---\nb: 2\n", "{\"a\":1}@1/0 {\"b\":2}@9/4", 5},
		{"---\na: 1\n", "{\"a\":1}@2/0", 1},
		{"--- {a: 1}\n", "{\"a\":1}@1/0", 1},	/* the first line is no separator for kyaml */
		{"a: 1\n...\nb: 2\n---\nc: 3", "{\"a\":1}@1/0 {\"c\":3}@5/1", 2},	/* kustomize drops b */
		{"a: 1\n---\n---\nb: 2\n---\n---\n---\nc: 3\n", "{\"a\":1}@1/0 {\"b\":2}@4/1 {\"c\":3}@8/3", 4},
		{"a: 1\r\n---\r\nb: \"x\r\n  y\"\r\n", "{\"a\":1}@1/0 {\"b\":\"x y\"}@3/1", 2},
		{"a: 1\n--- # comment\nb: 2\n---\n", "{\"a\":1}@1/0 {\"b\":2}@3/1", 3},
		{"- 1\n- 2\n", "[1,2]@1/0", 1},
		{"hello\n", "\"hello\"@1/0", 1},
		{"{}\n", "{}@1/0", 1},
		/* anchors, aliases and merge keys */
		{"a: &x 1\nb: *x\n&k k: 3\nc: *k\n", "{\"a\":1,\"b\":1,\"k\":3,\"c\":\"k\"}@1/0", 1},
		{"base: &b {a: 1, b: 2}\nc: &c {d: 4, a: 9}\nx:\n  <<: [*b, *c]\n  a: 0\ny:\n  a: 1\n  <<: *b\n",
		    "{\"base\":{\"a\":1,\"b\":2},\"c\":{\"d\":4,\"a\":9},\"x\":{\"a\":0,\"b\":2,\"d\":4},"
		    "\"y\":{\"a\":1,\"b\":2}}@1/0", 1},
		{"n:\n  <<: &m {a: 1}\n  b: 2\no: *m\n", "{\"n\":{\"b\":2,\"a\":1},\"o\":{\"a\":1}}@1/0", 1},
		{"n: {!!merge <<: {a: 1}}\n", "{\"n\":{\"a\":1}}@1/0", 1},
		{"n: {\"<<\": 1}\n", "{\"n\":{\"<<\":1}}@1/0", 1},
		{"a: &a [1, &a 2, *a]\n", "{\"a\":[1,2,2]}@1/0", 1},
	};

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		for (size_t chunk = 1; chunk <= 1024; chunk *= 32) {	/* byte by byte, then in one go */
			const char *in = cases[k].in;
			char got[1024] = "";
			struct pn_yaml *y;
			struct pn_yaml_doc d;
			size_t len = strlen(in), o = 0;

			assert_ok(pn_yaml_new("t.yaml", NULL, &y));
			for (size_t off = 0; off < len; off += chunk) {
				assert_ok(pn_yaml_push(y, in + off, len - off < chunk ? len - off : chunk));
			}
			assert_ok(pn_yaml_finish(y));
			while (pn_yaml_next(y, &d)) {
				o += (size_t)snprintf(got + o, sizeof(got) - o, "%s%s@%zu/%zu", o > 0 ? " " : "",
				    json(d.root), d.line, d.piece);
				cJSON_Delete(d.root);
			}
			if (strcmp(got, cases[k].want) != 0)
				fail_msg("case %zu (chunk %zu): got %s, want %s", k, chunk, got, cases[k].want);
			assert_int_equal(pn_yaml_pieces(y), cases[k].pieces);
			pn_yaml_free(y);
		}
	}
}

/* Malformed input: every error names the file and the line. */
static void
test_errors(void **state)
{
	static const struct {
		const char *in;
		enum pn_err_code code;
		const char *needle;
	} cases[] = {
		{"a: 1\nb: 2\na: 3\n", PN_ERR_PARSE, "t.yaml:3: duplicate key: mapping key \"a\" already defined at line 1"},
		{"a:\n  x: 1\n  \"x\": 2\n", PN_ERR_PARSE, "t.yaml:3: duplicate key: mapping key \"x\" already defined at line 2"},
		{"a:\n  b: 1\n c: 2\n", PN_ERR_PARSE, "t.yaml:3: did not find expected key"},
		{"a: b\n---\nc: [\n", PN_ERR_PARSE, "t.yaml:4: did not find expected node content"},
		{"a:\n\t- b\n", PN_ERR_PARSE, "t.yaml:2: found character that cannot start any token"},
		{"a: 1\n--- {b: 2}\n", PN_ERR_PARSE, "t.yaml:2: invalid document separator: --- {b: 2}"},
		{"a: 1\n----\n", PN_ERR_PARSE, "t.yaml:2: invalid document separator: ----"},
		{"1: a\n", PN_ERR_PARSE, "t.yaml:1: mapping key `1` is a !!int, not a string"},
		{"x:\n  true: a\n", PN_ERR_PARSE, "t.yaml:2: mapping key `true` is a !!bool"},
		{"x:\n  2020-01-01: a\n", PN_ERR_PARSE, "t.yaml:2: mapping key `2020-01-01` is a !!timestamp"},
		{"? [a]\n: 1\n", PN_ERR_PARSE, "t.yaml:1: a mapping key must be a string, not a sequence"},
		{"a: &x 1\n*x : 2\n", PN_ERR_PARSE, "t.yaml:2: mapping key *x is not a string"},
		{"a: !!int abc\n", PN_ERR_PARSE, "t.yaml:1: cannot decode !!str `abc` as a !!int"},
		{"a: !!bool yes\n", PN_ERR_PARSE, "cannot decode !!str `yes` as a !!bool"},
		{"a: !!float 1e400\n", PN_ERR_PARSE, "cannot decode !!str `1e400` as a !!float"},
		{"a: !!null foo\n", PN_ERR_PARSE, "cannot decode !!str `foo` as a !!null"},
		{"a: !!timestamp abc\n", PN_ERR_PARSE, "cannot decode !!str `abc` as a !!timestamp"},
		{"a: !!binary \"!!\"\n", PN_ERR_PARSE, "!!binary value contains invalid base64 data"},
		{"a: .inf\n", PN_ERR_PARSE, "t.yaml:1: `.inf` is not a number JSON can carry"},
		{"a:\n  b: -.Inf\n", PN_ERR_PARSE, "t.yaml:2: `-.Inf` is not a number"},
		{"a: .nan\n", PN_ERR_PARSE, "`.nan` is not a number"},
		{"a: \"\\0\"\n", PN_ERR_PARSE, "t.yaml:1: a string holds a NUL character"},
		{"x: [*nope]\n", PN_ERR_PARSE, "t.yaml:1: unknown anchor 'nope' referenced"},
		{"x: &a [1, *a]\n", PN_ERR_PARSE, "t.yaml:1: anchor 'a' is used inside its own node"},
		{"a:\n  <<: 5\n", PN_ERR_PARSE, "t.yaml:2: map merge requires map or sequence of maps"},
		{"a:\n  <<: [{}, 1]\n", PN_ERR_PARSE, "map merge requires map or sequence of maps"},
		{"a:\n  <<: {a: 2}\n  <<: {b: 3}\n", PN_ERR_PARSE, "t.yaml:3: duplicate merge key"},
		{"a: \x01\n", PN_ERR_PARSE, "t.yaml:1: control characters are not allowed"},
		{"a: 1\nb: \xff\n", PN_ERR_PARSE, "t.yaml:2: invalid leading UTF-8 octet"},
		{"\xff\xfe" "a\0:\0", PN_ERR_PARSE, "t.yaml:1: invalid leading UTF-8 octet"},	/* no UTF-16 */
	};

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct pn_yaml_docs docs;
		const struct pn_error *e = parse(cases[k].in, &docs);

		if (e == NULL)
			fail_msg("case %zu (%s) parsed", k, cases[k].in);
		assert_error(e, cases[k].code, cases[k].needle);
		assert_int_equal(docs.n, 0);
	}
}

/* The named limits: alias bomb, depth bomb, scalar, file and document count. */
static void
test_limits(void **state)
{
	struct pn_yaml_limits lim;
	struct pn_yaml_docs docs;
	struct pn_yaml *y;
	char *in = malloc(1 << 16);
	size_t o = 0;

	(void)state;
	assert_non_null(in);
	/* billion laughs: nine levels of ten aliases each */
	o = (size_t)snprintf(in, 1 << 16, "a: &a [x,x,x,x,x,x,x,x,x,x]\n");
	for (char c = 'b'; c <= 'j'; c++)
		o += (size_t)snprintf(in + o, (1 << 16) - o, "%c: &%c [*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c]\n", c, c,
		    c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1);
	assert_error(parse(in, &docs), PN_ERR_TOO_LARGE, "aliases and merges expand to more than 100000 nodes");
	/* the same through merge keys */
	o = (size_t)snprintf(in, 1 << 16, "a: &a0 {a: 1}\n");
	for (int k = 1; k < 40; k++)
		o += (size_t)snprintf(in + o, (1 << 16) - o, "b%d: &a%d {<<: *a%d, k%d: [*a%d, *a%d]}\n", k, k, k - 1,
		    k, k - 1, k - 1);
	assert_error(parse(in, &docs), PN_ERR_TOO_LARGE, "aliases and merges expand to more than");
	/* depth bomb, flow and block */
	memset(in, '[', 5000);
	in[5000] = '\0';
	assert_error(parse(in, &docs), PN_ERR_TOO_LARGE, "t.yaml:1: nesting deeper than 128 levels");
	o = 0;
	for (int k = 0; k < 200; k++)
		o += (size_t)snprintf(in + o, (1 << 16) - o, "%*sk:\n", k, "");
	assert_error(parse(in, &docs), PN_ERR_TOO_LARGE, "t.yaml:129: nesting deeper than 128 levels");
	/* an alias may not carry a deep node deeper than the limit */
	o = (size_t)snprintf(in, 1 << 16, "a: &d ");
	for (int k = 0; k < 100; k++)
		o += (size_t)snprintf(in + o, (1 << 16) - o, "[");
	for (int k = 0; k < 100; k++)
		o += (size_t)snprintf(in + o, (1 << 16) - o, "]");
	snprintf(in + o, (1 << 16) - o, "\nb: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[*d]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n");
	assert_error(parse(in, &docs), PN_ERR_TOO_LARGE, "t.yaml:2: alias *d nests deeper than 128 levels");
	/* scalar, file and document count, with small limits */
	pn_yaml_limits_init(&lim);
	lim.max_scalar = 8;
	assert_ok(pn_yaml_parse("t.yaml", "a: 12345678\n", 12, &lim, &docs));
	pn_yaml_docs_release(&docs);
	assert_error(pn_yaml_parse("t.yaml", "a: b\nc: 123456789\n", 18, &lim, &docs), PN_ERR_TOO_LARGE,
	    "t.yaml:2: a scalar of 9 bytes exceeds the limit of 8");
	pn_yaml_limits_init(&lim);
	lim.max_docs = 2;
	assert_ok(pn_yaml_parse("t.yaml", "a: 1\n---\nb: 1\n", 14, &lim, &docs));
	pn_yaml_docs_release(&docs);
	assert_error(pn_yaml_parse("t.yaml", "a: 1\n---\nb: 1\n---\n#\n", 20, &lim, &docs), PN_ERR_TOO_LARGE,
	    "more than 2 documents");
	pn_yaml_limits_init(&lim);
	lim.max_file = 10;
	assert_ok(pn_yaml_new("t.yaml", &lim, &y));
	assert_ok(pn_yaml_push(y, "a: 1\n", 5));
	assert_ok(pn_yaml_push(y, "b: 1\n", 5));
	assert_error(pn_yaml_push(y, "c", 1), PN_ERR_TOO_LARGE, "t.yaml: larger than the 10 bytes allowed");
	assert_error(pn_yaml_finish(y), PN_ERR_TOO_LARGE, "larger than the 10 bytes");	/* sticky */
	pn_yaml_free(y);
	free(in);
}

/* Regression: pn_yaml_limits_init left a mode flag as the caller's stack had it, so "name: n" in a resource
 * sometimes read as false ("missing metadata.name in Namespace object", intermittently). */
static void
test_limits_init_clears_modes(void **state)
{
	struct pn_yaml_limits lim;
	struct pn_yaml_docs docs;

	(void)state;
	memset(&lim, 0xff, sizeof(lim));
	pn_yaml_limits_init(&lim);
	assert_int_equal(lim.goyaml_v2, 0);
	assert_ok(pn_yaml_parse("x.yaml", "name: n\n", 8, &lim, &docs));
	assert_string_equal(cJSON_GetObjectItem(docs.v[0].root, "name")->valuestring, "n");
	pn_yaml_docs_release(&docs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typing),
		cmocka_unit_test(test_numbers_and_json),
		cmocka_unit_test(test_documents),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_limits_init_clears_modes),
	};
	return cmocka_run_group_tests_name("yaml", tests, NULL, NULL);
}
