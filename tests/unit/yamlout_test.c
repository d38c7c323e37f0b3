#include "pn_test.h"

#include <math.h>
#include <stdio.h>

#include "../../agent/render/yaml.h"
#include "../../agent/render/yamlout.h"

#define DATA "tests/data/yamlout/"
#define MAX_FILE ((size_t)1 << 20)

/* Read a whole file into b. */
static void
slurp(const char *path, struct pn_buf *b)
{
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		fail_msg("cannot open %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_ok(pn_buf_add(b, chunk, n));
	fclose(f);
}

/* Parse text with the reader and print every document with the writer into out. */
static const struct pn_error *
rewrite(const char *text, size_t len, struct pn_buf *out)
{
	struct pn_yaml_docs d;
	const struct pn_error *err;
	const cJSON *v[64];

	if ((err = pn_yaml_parse("t.yaml", text, len, NULL, &d)) != NULL)
		return err;
	assert_true(d.n <= 64);
	for (size_t i = 0; i < d.n; i++)
		v[i] = d.v[i].root;
	err = pn_yamlout_docs(v, d.n, out);
	pn_yaml_docs_release(&d);
	return err;
}

/* Every tests/data/yamlout/<case>.in.yaml printed as kubectl kustomize printed it (<case>.out.yaml, made by
 * gen.py), byte for byte; and the output read and printed again is unchanged. */
static void
test_kubectl_vectors(void **state)
{
	char name[256], path[512];
	struct pn_buf in, want, got, again;
	size_t ncases = 0;
	FILE *list;

	(void)state;
	assert_non_null(list = fopen(DATA "cases.txt", "r"));
	pn_buf_init(&in, MAX_FILE, "in");
	pn_buf_init(&want, MAX_FILE, "want");
	pn_buf_init(&got, MAX_FILE, "got");
	pn_buf_init(&again, MAX_FILE, "again");
	while (fgets(name, sizeof(name), list) != NULL) {
		name[strcspn(name, "\n")] = '\0';
		if (name[0] == '\0')
			continue;
		pn_buf_reset(&in);
		pn_buf_reset(&want);
		pn_buf_reset(&got);
		pn_buf_reset(&again);
		snprintf(path, sizeof(path), DATA "%s.in.yaml", name);
		slurp(path, &in);
		snprintf(path, sizeof(path), DATA "%s.out.yaml", name);
		slurp(path, &want);
		assert_ok(rewrite(in.data, in.len, &got));
		if (strcmp(pn_buf_str(&got), pn_buf_str(&want)) != 0)
			fail_msg("%s: got\n%s\nwant\n%s", name, pn_buf_str(&got), pn_buf_str(&want));
		assert_ok(rewrite(got.data, got.len, &again));
		if (strcmp(pn_buf_str(&again), pn_buf_str(&want)) != 0)
			fail_msg("%s: second round differs:\n%s", name, pn_buf_str(&again));
		ncases++;
	}
	fclose(list);
	assert_true(ncases >= 15);
	pn_buf_release(&in);
	pn_buf_release(&want);
	pn_buf_release(&got);
	pn_buf_release(&again);
}

/* Single documents, checked with kubectl kustomize (v5.5.0). */
static const struct {
	const char *in, *out;
} docs[] = {
	{"a: 1", "a: 1\n"},
	{"b: 1\na: 2\n_z: 3\n\"10\": 4\n\"2\": 5\nA: 6", "_z: 3\n\"2\": 5\n\"10\": 4\nA: 6\na: 2\nb: 1\n"},
	{"a: [yes, \"on\", \"y\", \"1.0\", \"0755\", 'a: b', '*x', '', ~]",
	    "a:\n- \"yes\"\n- \"on\"\n- \"y\"\n- \"1.0\"\n- \"0755\"\n- 'a: b'\n- '*x'\n- \"\"\n- null\n"},
	{"a: [1.0, 1e3, 0x10, 012, 0o12, True, 2020-01-01, 1e-7, 1234567.5, 100000000000000000000]",
	    "a:\n- 1\n- 1000\n- 16\n- 10\n- 10\n- true\n- \"2020-01-01T00:00:00Z\"\n- 1e-07\n- 1.2345675e+06\n"
	    "- 1e+20\n"},
	{"a: {}\nb: []\nc: {d: [{e: f}]}", "a: {}\nb: []\nc:\n  d:\n  - e: f\n"},
	{"s: \"x\\ny\\n\"\nt: \"x\\ny\"\nu: \"x \\ny\"", "s: |\n  x\n  y\nt: |-\n  x\n  y\nu: \"x \\ny\"\n"},
	{"k: \"1:20\"\nl: \"2020-1-1\"\nm: \".5\"\np: \"1e400\"", "k: \"1:20\"\nl: \"2020-1-1\"\nm: \".5\"\np: 1e400\n"},
	{"long: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp qqqq rrrr",
	    "long: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp\n  qqqq rrrr\n"},
	{"a: \"x\\n\\n\"", "a: |+\n  x\n\n"},
	{"c: \"a\\xffb\"", "c: a\xc3\xbf" "b\n"},
};

static void
test_docs(void **state)
{
	struct pn_buf b;

	(void)state;
	pn_buf_init(&b, MAX_FILE, "out");
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		pn_buf_reset(&b);
		assert_ok(rewrite(docs[i].in, strlen(docs[i].in), &b));
		if (strcmp(pn_buf_str(&b), docs[i].out) != 0)
			fail_msg("case %zu: got\n%s\nwant\n%s", i, pn_buf_str(&b), docs[i].out);
	}
	/* several documents: "---" between, none before or after; none at all prints nothing */
	pn_buf_reset(&b);
	assert_ok(rewrite("a: 1\n---\nb: 2\n---\nc: 3\n", 23, &b));
	assert_string_equal(pn_buf_str(&b), "a: 1\n---\nb: 2\n---\nc: 3\n");
	pn_buf_reset(&b);
	assert_ok(pn_yamlout_docs(NULL, 0, &b));
	assert_int_equal(b.len, 0);
	pn_buf_release(&b);
}

static const struct {
	const char *s;
	int quote;
} quotes[] = {
	{"", 1}, {"~", 1}, {"null", 1}, {"yes", 1}, {"No", 1}, {"ON", 1}, {"y", 1}, {"N", 1}, {"true", 1},
	{"yES", 0}, {"o", 0}, {"1", 1}, {"-1", 1}, {"+1", 1}, {"1.0", 1}, {"1.", 1}, {".5", 1}, {".", 0},
	{"1e3", 1}, {"1e", 0}, {"0755", 1}, {"08", 1}, {"0x1F", 1}, {"0x", 0}, {"0x1G", 0}, {"0b101", 1},
	{"0o17", 1}, {"1_000", 1}, {"_1", 0}, {"1e400", 0}, {".5e999", 0}, {".inf", 1}, {"-.Inf", 1},
	{"inf", 0}, {"nan", 0}, {"1:20", 1}, {"1:60", 0}, {"-1:20", 1}, {"1:20.5", 1}, {"a:20", 0},
	{"2020-01-01", 1}, {"2020-1-1", 1}, {"2020-02-30", 0}, {"2019-02-29", 0}, {"2020-02-29", 1},
	{"2020-01-01T10:00:00Z", 1}, {"2020-01-01 10:00:00", 1}, {"2020-01-01T10:00:00", 0},
	{"2020-01-01T10:00:00+01:00", 1}, {"20-01-01", 0}, {"18446744073709551615", 1},
	{"18446744073709551616", 1}, {"0x10000000000000000", 0}, {"-0x8000000000000000", 1},
	{"-0x8000000000000001", 0}, {"hello", 0}, {"a: b", 0}, {"<<", 0},
	/* "float with underscores after a dot printed plain" (fuzz_yamlout): Go's ParseFloat takes them */
	{".7_8", 1}, {".5e1_0", 1}, {"._7", 0}, {".7_", 0}, {".7__8", 0}, {".5_e1", 0}, {"+.", 0},
};

static void
test_needs_quotes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(quotes) / sizeof(quotes[0]); i++)
		if (pn_yamlout_needs_quotes(quotes[i].s, strlen(quotes[i].s)) != quotes[i].quote)
			fail_msg("\"%s\": expected %s", quotes[i].s, quotes[i].quote ? "quotes" : "plain");
}

/* go-yaml v2's order, as kubectl printed tests/data/yamlout/key_order: each sorts before the next. */
static const char *const key_order[] = {
	"$", "-", ".", "_z", "\xe2\x82\xac", "0", "00", "1", "2", "7", "9a", "10", "10a", "70", "A", "B", "Z",
	"a", "a-b", "a.b", "a.b.c", "a/b", "a_b", "a0", "a00", "a000", "a1", "a9", "a9z", "a10", "a100",
	"a1000", "ab", "b", "x 1", "x-1", "x_1", "x\xe2\x82\xac", "x1", "z", "\xc3\xa4",
	"\xc3\xa9", "\xce\xa9", "\xe6\x97\xa5",
};

static void
test_keycmp(void **state)
{
	size_t n = sizeof(key_order) / sizeof(key_order[0]);

	(void)state;
	/* digit runs longer than an int64 wrap as in Go (regression: signed overflow) */
	assert_true(pn_yamlout_keycmp("a99999999999999999999999", "a99999999999999999999998") != 0);
	assert_int_equal(pn_yamlout_keycmp("123456789012345678901234567890", "123456789012345678901234567890"), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(pn_yamlout_keycmp(key_order[i], key_order[i]), 0);
		for (size_t j = i + 1; j < n; j++)
			if (pn_yamlout_keycmp(key_order[i], key_order[j]) >= 0 ||
			    pn_yamlout_keycmp(key_order[j], key_order[i]) <= 0)
				fail_msg("\"%s\" should sort before \"%s\"", key_order[i], key_order[j]);
	}
}

static void
test_errors(void **state)
{
	struct pn_buf b;
	cJSON *doc, *deep;

	(void)state;
	/* a non-finite number (only code can make one; kustomize fails with "json: unsupported value") */
	assert_non_null(doc = cJSON_CreateObject());
	cJSON_AddNumberToObject(doc, "v", 1);
	cJSON_GetObjectItem(doc, "v")->valuedouble = HUGE_VAL;
	pn_buf_init(&b, MAX_FILE, "out");
	assert_error(pn_yamlout_doc(doc, &b), PN_ERR_PARSE, "unsupported value");
	assert_int_equal(b.len, 0);
	/* a cJSON number prints as Go's JSON and go-yaml print a float64 */
	cJSON_GetObjectItem(doc, "v")->valuedouble = 3.0;
	assert_ok(pn_yamlout_doc(doc, &b));
	assert_string_equal(pn_buf_str(&b), "v: 3\n");
	pn_buf_reset(&b);
	cJSON_GetObjectItem(doc, "v")->valuedouble = 0.5;
	assert_ok(pn_yamlout_doc(doc, &b));
	assert_string_equal(pn_buf_str(&b), "v: 0.5\n");
	pn_buf_reset(&b);
	cJSON_GetObjectItem(doc, "v")->valuedouble = -9223372036854775808.0;
	assert_ok(pn_yamlout_doc(doc, &b));
	assert_string_equal(pn_buf_str(&b), "v: -9.223372036854776e+18\n");
	pn_buf_release(&b);
	/* past the buffer's ceiling: TOO_LARGE, and the buffer keeps what it had */
	pn_buf_init(&b, 8, "small");
	assert_ok(pn_buf_addstr(&b, "ab"));
	assert_error(pn_yamlout_doc(doc, &b), PN_ERR_TOO_LARGE, "small");
	assert_string_equal(pn_buf_str(&b), "ab");
	pn_buf_release(&b);
	cJSON_Delete(doc);
	/* invalid UTF-8 (a non-UTF-8 file) becomes U+FFFD per bad byte, as Go's JSON encoder writes it */
	assert_non_null(doc = cJSON_CreateObject());
	cJSON_AddStringToObject(doc, "c", "a\xff\xc3" "b");
	pn_buf_init(&b, MAX_FILE, "out");
	assert_ok(pn_yamlout_doc(doc, &b));
	assert_string_equal(pn_buf_str(&b), "c: a\xef\xbf\xbd\xef\xbf\xbd" "b\n");
	pn_buf_release(&b);
	cJSON_Delete(doc);
	/* nested deeper than PN_YAMLOUT_MAX_DEPTH */
	assert_non_null(doc = cJSON_CreateArray());
	deep = doc;
	for (int i = 0; i < PN_YAMLOUT_MAX_DEPTH + 1; i++) {
		cJSON *next = cJSON_CreateArray();
		cJSON_AddItemToArray(deep, next);
		deep = next;
	}
	pn_buf_init(&b, MAX_FILE, "out");
	assert_error(pn_yamlout_doc(doc, &b), PN_ERR_TOO_LARGE, "nested deeper");
	pn_buf_release(&b);
	cJSON_Delete(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kubectl_vectors),
		cmocka_unit_test(test_docs),
		cmocka_unit_test(test_needs_quotes),
		cmocka_unit_test(test_keycmp),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests_name("yamlout", tests, NULL, NULL);
}
