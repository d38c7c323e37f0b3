#include "pn_test.h"

#include "../../agent/core/buf.h"
#include "../../agent/render/generator.h"

/* kustomize's name hash: vectors from the corpus's reference implementation (tools/hashcheck.py), which
 * re-derives every generated name of the kustomize corpus. */
static void
test_hash(void **state)
{
	static const struct {
		const char *obj;
		const char *hash;
	} cases[] = {
		/* HTML characters escaped as Go does */
		{"{\"kind\": \"ConfigMap\", \"data\": {\"a\": \"b<&>\"}}", "mb687t9ht2"},
		/* no data: "data": "" */
		{"{\"kind\": \"ConfigMap\"}", "6ct58987ht"},
		/* the name, labels and namespace are not hashed */
		{"{\"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"x\", \"namespace\": \"n\", \"labels\": {\"a\": \"b\"}}}",
		    "6ct58987ht"},
		{"{\"kind\": \"Secret\", \"data\": {\"p\": \"dw==\"}, \"type\": \"kubernetes.io/tls\"}", "gb9ktb82f2"},
		{"{\"kind\": \"ConfigMap\", \"data\": {\"k\": \"v\"}, \"binaryData\": {\"b\": \"//5iaW4=\"}}", "f6m6c9khmb"},
		/* a Secret without a type hashes "type": "" */
		{"{\"kind\": \"Secret\", \"data\": {\"x\": \"eA==\"}}", "d56g6fg5hd"},
		/* non-ASCII kept raw, U+2028 escaped, control characters escaped */
		{"{\"kind\": \"ConfigMap\", \"data\": {\"u\": \"\xc3\xa9\xe2\x80\xa8\\n\\t\\\"\"}}", "2d4h4t786f"},
	};
	char h[11];

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		cJSON *o = cJSON_Parse(cases[k].obj);

		assert_non_null(o);
		assert_ok(pn_gen_hash(o, h));
		if (strcmp(h, cases[k].hash) != 0)
			fail_msg("case %zu: %s, want %s", k, h, cases[k].hash);
		cJSON_Delete(o);
	}
}

/* Go's json.Marshal: keys sorted bytewise, <>& and U+2028/9 escaped, other non-ASCII raw. */
static void
test_gojson(void **state)
{
	struct pn_buf b;
	cJSON *o;

	(void)state;
	assert_non_null(o = cJSON_Parse("{\"b\": [1, true, null], \"B\": \"<\\u2029>\", "
	    "\"a\": {\"z\": \"\\u0001\", \"y\": \"\xc3\xa9\"}}"));
	pn_buf_init(&b, 1024, "test");
	assert_ok(pn_gen_gojson(o, &b));
	assert_string_equal(pn_buf_str(&b), "{\"B\":\"\\u003c\\u2029\\u003e\",\"a\":{\"y\":\"\xc3\xa9\",\"z\":\"\\u0001\"},"
	    "\"b\":[1,true,null]}");
	pn_buf_release(&b);
	cJSON_Delete(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_gojson),
	};
	return cmocka_run_group_tests_name("generator", tests, NULL, NULL);
}
