#include "pn_test.h"
#include "peer.h"

#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <sys/resource.h>

#include "../../agent/render/spool.h"
#include "../../agent/render/yaml.h"

static char dir[PN_TEST_PATH_MAX];

static int
setup(void **state)
{
	(void)state;
	return pn_test_tmpdir("spool", dir, sizeof(dir));
}

static int
teardown(void **state)
{
	(void)state;
	pn_test_rmtree(dir);
	return 0;
}

/* Whether two trees are the same item for item: types (raw vs number vs string), texts, keys and their order,
 * number fields bit for bit. */
static int
same(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y;

	if ((a->type & 0xff) != (b->type & 0xff))
		return 0;
	if ((a->string == NULL) != (b->string == NULL) || (a->string != NULL && strcmp(a->string, b->string) != 0))
		return 0;
	if (cJSON_IsString(a) || cJSON_IsRaw(a))
		return strcmp(a->valuestring, b->valuestring) == 0;
	if (cJSON_IsNumber(a))
		return memcmp(&a->valuedouble, &b->valuedouble, sizeof(double)) == 0 && a->valueint == b->valueint;
	for (x = a->child, y = b->child; x != NULL && y != NULL; x = x->next, y = y->next)
		if (!same(x, y))
			return 0;
	return x == NULL && y == NULL;
}

static void
roundtrip(const cJSON *v)
{
	struct pn_buf b, b2;
	cJSON *back;

	pn_buf_init(&b, PN_SPOOL_MAX_DOC, "enc");
	pn_buf_init(&b2, PN_SPOOL_MAX_DOC, "enc");
	assert_ok(pn_spool_encode(v, &b));
	assert_ok(pn_spool_decode(b.data, b.len, &back));
	assert_true(same(v, back));
	/* canonical: the decoded tree encodes to the same bytes */
	assert_ok(pn_spool_encode(back, &b2));
	assert_int_equal(b.len, b2.len);
	assert_memory_equal(b.data, b2.data, b.len);
	cJSON_Delete(back);
	pn_buf_release(&b);
	pn_buf_release(&b2);
}

/* Every cJSON type, with YAML's raw numbers and cJSON's own numbers, empty and non-ASCII texts. */
static void
test_types(void **state)
{
	static const char *const yaml[] = {
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: {x: \"1\"}}\ndata: {k: v, e: ''}\n",
		"a: 493\nb: 1e+21\nc: -0\nd: 9007199254740993\ne: 1.5\nf: true\ng: false\nh: null\ni: []\nj: {}\n"
		"k: [1, [2, [3, {}]], {z: 1, a: 2, m: [null]}]\nl: \"caf\xc3\xa9 \xe2\x9c\x93\"\nm: |\n  two\n  lines\n",
		"z: 1\ny: 2\nx: 3\n\"\": empty key\n",
	};
	static const double nums[] = {0.0, -0.0, 1.5, -3.25e300, 4e-320, 2147483648.0, -2147483649.0, NAN, INFINITY};
	cJSON *o;

	(void)state;
	for (size_t i = 0; i < sizeof(yaml) / sizeof(yaml[0]); i++) {
		struct pn_yaml_docs docs = {0};

		assert_ok(pn_yaml_parse("t.yaml", yaml[i], strlen(yaml[i]), NULL, &docs));
		assert_int_equal(docs.n, 1);
		roundtrip(docs.v[0].root);
		pn_yaml_docs_release(&docs);
	}
	/* cJSON numbers (from cJSON_Parse or cJSON_CreateNumber): double and int kept bit for bit */
	assert_non_null(o = cJSON_CreateArray());
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		cJSON_AddItemToArray(o, cJSON_CreateNumber(nums[i]));
	roundtrip(o);
	cJSON_Delete(o);
	/* a scalar at the top, and a top-level raw */
	assert_non_null(o = cJSON_CreateString(""));
	roundtrip(o);
	cJSON_Delete(o);
	assert_non_null(o = cJSON_CreateRaw("1e-7"));
	roundtrip(o);
	cJSON_Delete(o);
	assert_non_null(o = cJSON_Parse("{\"a\":{\"b\":[true,false,null,\"s\",12,{\"c\":{}}]}}"));
	roundtrip(o);
	cJSON_Delete(o);
}

/* The exact bytes of a small document (the format is spool.h's table). */
static void
test_bytes(void **state)
{
	static const unsigned char want[] = {
		7, 3,				/* object, 3 members */
		1, 'a', 4, 2, '1', '0',		/* "a": raw "10" */
		1, 'b', 6, 2, 2, 0,		/* "b": [true, null] */
		1, 'c', 3, 0,			/* "c": "" */
	};
	static const char *const text = "a: 10\nb: [true, null]\nc: ''\n";
	struct pn_yaml_docs docs = {0};
	struct pn_buf b;

	(void)state;
	assert_ok(pn_yaml_parse("t.yaml", text, strlen(text), NULL, &docs));
	pn_buf_init(&b, 1024, "enc");
	assert_ok(pn_spool_encode(docs.v[0].root, &b));
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	pn_buf_release(&b);
	pn_yaml_docs_release(&docs);
}

static cJSON *
nest(size_t depth)
{
	cJSON *o = cJSON_CreateString("leaf");

	for (size_t i = 0; i < depth; i++) {
		cJSON *w = (i % 2) ? cJSON_CreateArray() : cJSON_CreateObject();

		if (i % 2)
			cJSON_AddItemToArray(w, o);
		else
			cJSON_AddItemToObject(w, "k", o);
		o = w;
	}
	return o;
}

/* Nesting up to PN_SPOOL_MAX_DEPTH goes through; one more is refused by the encoder and the decoder. */
static void
test_depth(void **state)
{
	struct pn_buf b;
	cJSON *o, *back;

	(void)state;
	o = nest(PN_SPOOL_MAX_DEPTH);
	roundtrip(o);
	cJSON_Delete(o);
	o = nest(PN_SPOOL_MAX_DEPTH + 1);
	pn_buf_init(&b, PN_SPOOL_MAX_DOC, "enc");
	assert_error(pn_spool_encode(o, &b), PN_ERR_TOO_LARGE, "nests deeper than");
	cJSON_Delete(o);
	/* the same nesting written by hand: arrays of one element, PN_SPOOL_MAX_DEPTH + 1 deep */
	pn_buf_reset(&b);
	for (size_t i = 0; i <= PN_SPOOL_MAX_DEPTH; i++)
		assert_ok(pn_buf_add(&b, "\x06\x01", 2));
	assert_ok(pn_buf_addch(&b, 0));
	assert_error(pn_spool_decode(b.data, b.len, &back), PN_ERR_PARSE, "nesting deeper");
	assert_null(back);
	pn_buf_release(&b);
}

/* Malformed records: every length field 0, 1, oversize, truncated; overlong varints; bad tags. */
static void
test_corrupt(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *msg;	/* NULL: decodes */
	} cases[] = {
		{"", 0, "truncated value"},
		{"\x08", 1, "unknown type"},
		{"\xff", 1, "unknown type"},
		{"\x00\x00", 2, "trailing bytes"},
		{"\x03", 1, "truncated length"},
		{"\x03\x00", 2, NULL},
		{"\x03\x01", 2, "larger than what remains"},
		{"\x03\x01x", 3, NULL},
		{"\x03\x02x", 3, "larger than what remains"},
		{"\x03\x80", 2, "truncated length"},
		{"\x03\x80\x00", 3, "shortest form"},
		{"\x03\x81\x00x", 4, "shortest form"},
		{"\x03\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11, "larger than what remains"},
		{"\x03\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 11, "overflows 64 bits"},
		{"\x03\xff\xff\xff\xff\xff\xff\xff\xff\xff\x81\x01", 12, "longer than 10 bytes"},
		{"\x03\x03" "a\x00" "b", 5, "NUL inside a string"},
		{"\x04\x02" "12", 4, NULL},
		{"\x05", 1, "truncated number"},
		{"\x05\x00\x00\x00\x00\x00\x00\xf0\x3f\x01\x00\x00", 12, "truncated number"},
		{"\x05\x00\x00\x00\x00\x00\x00\xf0\x3f\x01\x00\x00\x00", 13, NULL},
		{"\x06", 1, "truncated length"},
		{"\x06\x00", 2, NULL},
		{"\x06\x01", 2, "larger than what remains"},
		{"\x06\x02\x00", 3, "larger than what remains"},
		{"\x06\x02\x00\x01", 4, NULL},
		{"\x06\x02\x00\x01\x02", 5, "trailing bytes"},
		{"\x06\x03\x00\x01\x02", 5, NULL},
		{"\x06\x02\x06\x01\x00", 5, "truncated value"},
		{"\x07\x01", 2, "larger than what remains"},
		{"\x07\x01\x00", 3, "truncated value"},
		{"\x07\x01\x00\x00", 4, NULL},
		{"\x07\x01\x01k", 4, "truncated value"},
		{"\x07\x01\x03k\x00", 5, "larger than what remains"},
		{"\x07\x02\x01k\x00", 5, "truncated length"},
		{"\x07\x01\x01k\x09", 5, "unknown type"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pn_error *err;
		cJSON *v = (cJSON *)1;

		err = pn_spool_decode(cases[i].in, cases[i].len, &v);
		if (cases[i].msg == NULL) {
			if (err != NULL)
				fail_msg("case %zu: %s", i, err->msg);
			assert_non_null(v);
			cJSON_Delete(v);
			continue;
		}
		if (err == NULL || err->code != PN_ERR_PARSE || strstr(err->msg, cases[i].msg) == NULL)
			fail_msg("case %zu: want \"%s\", got %s", i, cases[i].msg, err != NULL ? err->msg : "success");
		assert_null(v);
	}
}

/* Every prefix of a valid record is refused, never read past. */
static void
test_truncated(void **state)
{
	static const char *const text = "{\"a\":[1,\"two\",{\"b\":null}],\"c\":true,\"d\":1.5}";
	struct pn_buf b;
	cJSON *o, *v;

	(void)state;
	assert_non_null(o = cJSON_Parse(text));
	pn_buf_init(&b, 1024, "enc");
	assert_ok(pn_spool_encode(o, &b));
	for (size_t n = 0; n < b.len; n++) {
		char *copy = malloc(n + 1);	/* exactly n bytes readable (ASan would see a read past them) */

		memcpy(copy, b.data, n);
		assert_error(pn_spool_decode(copy, n, &v), PN_ERR_PARSE, "");
		free(copy);
	}
	assert_ok(pn_spool_decode(b.data, b.len, &v));
	cJSON_Delete(v);
	cJSON_Delete(o);
	pn_buf_release(&b);
}

static size_t
entries(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(dp);
	while ((e = readdir(dp)) != NULL)
		n += e->d_name[0] != '.';
	closedir(dp);
	return n;
}

/* Documents go to a file nobody can see, come back as written, are rewritten in place when they fit. */
static void
test_file(void **state)
{
	struct pn_spool_slot a = {0}, b = {0}, c = {0};
	struct pn_spool *sp;
	cJSON *o1, *o2, *big, *back;
	uint64_t off, size;
	char raw[6];

	(void)state;
	assert_ok(pn_spool_new(dir, PN_SPOOL_MAX_BYTES, &sp));
	assert_int_equal(entries(dir), 0);	/* unlinked at once */
	assert_non_null(o1 = cJSON_Parse("{\"kind\":\"A\",\"metadata\":{\"name\":\"one\"}}"));
	assert_non_null(o2 = cJSON_Parse("{\"kind\":\"B\",\"metadata\":{\"name\":\"two\"},\"data\":{\"x\":\"y\"}}"));
	assert_ok(pn_spool_put(sp, o1, &a));
	assert_ok(pn_spool_put(sp, o2, &b));
	assert_int_equal(a.off, 0);
	assert_int_equal(b.off, a.len);
	assert_int_equal(pn_spool_size(sp), a.len + b.len);
	assert_ok(pn_spool_get(sp, &a, &back));
	assert_true(same(o1, back));
	cJSON_Delete(back);
	assert_ok(pn_spool_get(sp, &b, &back));
	assert_true(same(o2, back));
	cJSON_Delete(back);
	/* smaller or equal: in place, room kept */
	cJSON_DeleteItemFromObject(o2, "data");
	size = pn_spool_size(sp);
	assert_ok(pn_spool_put(sp, o2, &b));
	assert_int_equal(pn_spool_size(sp), size);
	assert_int_equal(b.off, a.len);
	assert_true(b.len < b.cap);
	assert_ok(pn_spool_get(sp, &b, &back));
	assert_true(same(o2, back));
	cJSON_Delete(back);
	/* larger: appended */
	assert_non_null(big = cJSON_Parse("{\"kind\":\"A\",\"metadata\":{\"name\":\"one, renamed and longer\"}}"));
	assert_ok(pn_spool_put(sp, big, &a));
	assert_int_equal(a.off, size);
	assert_ok(pn_spool_get(sp, &a, &back));
	assert_true(same(big, back));
	cJSON_Delete(back);
	/* raw bytes */
	assert_ok(pn_spool_append(sp, "hello", 5, &off));
	assert_int_equal(off, a.off + a.len);
	assert_ok(pn_spool_read(sp, off, raw, 5));
	raw[5] = '\0';
	assert_string_equal(raw, "hello");
	assert_error(pn_spool_read(sp, off + 1, raw, 5), PN_ERR_INTERNAL, "past the end");
	assert_error(pn_spool_get(sp, &c, &back), PN_ERR_INTERNAL, "holds nothing");
	cJSON_Delete(o1);
	cJSON_Delete(o2);
	cJSON_Delete(big);
	pn_spool_free(sp);
	assert_error(pn_spool_new("build/test/no/such/dir", PN_SPOOL_MAX_BYTES, &sp), PN_ERR_ERRNO,
	    "create the spool file in build/test/no/such/dir");
	assert_null(sp);
}

/* The file's ceiling, and a write the file system refuses (a full disk; here RLIMIT_FSIZE), are errors that
 * name the spool's directory, and the slot is left as it was. */
static void
test_limits(void **state)
{
	struct pn_spool_slot s = {0}, before;
	struct sigaction ign = {0}, prev;
	struct rlimit old, small;
	struct pn_spool *sp;
	cJSON *o, *pad;
	char *text;

	(void)state;
	assert_non_null(o = cJSON_CreateObject());
	assert_non_null(text = calloc(1, 8192));
	memset(text, 'x', 8191);
	assert_non_null(pad = cJSON_CreateString(text));
	cJSON_AddItemToObject(o, "pad", pad);
	assert_ok(pn_spool_new(dir, 10000, &sp));
	assert_ok(pn_spool_put(sp, o, &s));
	before = s;
	s.cap = 0;	/* force an append */
	assert_error(pn_spool_put(sp, o, &s), PN_ERR_TOO_LARGE, "the spool file in");
	assert_int_equal(s.off, before.off);
	assert_int_equal(s.cap, 0);
	pn_spool_free(sp);

	ign.sa_handler = SIG_IGN;
	assert_int_equal(sigaction(SIGXFSZ, &ign, &prev), 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 4096;
	assert_ok(pn_spool_new(dir, PN_SPOOL_MAX_BYTES, &sp));
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	memset(&s, 0, sizeof(s));
	assert_error(pn_spool_put(sp, o, &s), PN_ERR_ERRNO, "write the spool file in build/test/spool-");
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(sigaction(SIGXFSZ, &prev, NULL), 0);
	assert_int_equal(s.cap, 0);
	assert_int_equal(pn_spool_size(sp), 0);
	pn_spool_free(sp);
	cJSON_Delete(o);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
