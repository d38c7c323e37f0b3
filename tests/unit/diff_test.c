#include "pn_test.h"

#include <stdio.h>

#include "../../agent/apply/diff.h"

static char *
run(const char *before, const char *after, size_t *n)
{
	cJSON *a = cJSON_Parse(before), *b = cJSON_Parse(after);
	struct pn_buf out;
	char *s;
	size_t len;

	assert_non_null(a);
	assert_non_null(b);
	pn_buf_init(&out, 1 << 20, "diff");
	assert_ok(pn_diff_object(a, b, &out, n));
	if (out.data == NULL)
		assert_ok(pn_buf_addstr(&out, ""));
	assert_ok(pn_buf_detach(&out, &s, &len));
	cJSON_Delete(a);
	cJSON_Delete(b);
	return s;
}

static void
test_fields(void **state)
{
	size_t n;
	char *s;

	(void)state;
	s = run("{\"kind\":\"Deployment\",\"metadata\":{\"name\":\"w\",\"resourceVersion\":\"1\",\"labels\":{\"a\":\"1\"}},"
	    "\"spec\":{\"replicas\":1,\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x:1\"}]}}},"
	    "\"status\":{\"replicas\":1}}",
	    "{\"kind\":\"Deployment\",\"metadata\":{\"name\":\"w\",\"resourceVersion\":\"2\",\"labels\":{\"a\":\"1\","
	    "\"b\":\"2\"}},\"spec\":{\"replicas\":3,\"paused\":true,\"template\":{\"spec\":{\"containers\":[{\"name\":"
	    "\"c\",\"image\":\"x:2\"}]}}},\"status\":{\"replicas\":3}}", &n);
	assert_int_equal(n, 4);
	assert_string_equal(s,
	    "  metadata.labels.b: (none) -> \"2\"\n"
	    "  spec.replicas: 1 -> 3\n"
	    "  spec.template.spec.containers[0].image: \"x:1\" -> \"x:2\"\n"
	    "  spec.paused: (none) -> true\n");
	free(s);
	/* a list that changes length is one change; a removed key shows (none) */
	s = run("{\"data\":{\"a\":\"1\"},\"spec\":{\"ports\":[1]}}", "{\"spec\":{\"ports\":[1,2]}}", &n);
	assert_int_equal(n, 2);
	assert_string_equal(s, "  data: {\"a\":\"1\"} -> (none)\n  spec.ports: [1] -> [1,2]\n");
	free(s);
	/* labels: absent, null and {} are the same */
	s = run("{\"metadata\":{\"labels\":null,\"annotations\":{}}}", "{\"metadata\":{}}", &n);
	assert_int_equal(n, 0);
	assert_string_equal(s, "");
	free(s);
}

/* A Secret's values never appear, nor the last-applied annotation that copies them. */
static void
test_secret(void **state)
{
	size_t n;
	char *s;

	(void)state;
	s = run("{\"kind\":\"Secret\",\"metadata\":{\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":"
	    "\"{\\\"data\\\":{\\\"p\\\":\\\"c2VjcmV0\\\"}}\"}},\"data\":{\"p\":\"c2VjcmV0\"}}",
	    "{\"kind\":\"Secret\",\"metadata\":{},\"data\":{\"p\":\"b3RoZXI=\",\"q\":\"eA==\"},\"type\":\"Opaque\"}", &n);
	assert_null(strstr(s, "c2VjcmV0"));
	assert_null(strstr(s, "b3RoZXI"));
	assert_non_null(strstr(s, "  data.p: (hidden) -> (hidden)\n"));
	assert_non_null(strstr(s, "  data.q: (none) -> (hidden)\n"));
	assert_non_null(strstr(s, "last-applied-configuration: (hidden) -> (none)\n"));
	assert_non_null(strstr(s, "  type: (none) -> \"Opaque\"\n"));
	free(s);
}

/* Long values are cut; more than PN_DIFF_LINES_MAX changes are counted, not listed. */
static void
test_limits(void **state)
{
	char before[8192] = "{\"data\":{", after[8192] = "{\"data\":{", *s;
	size_t n, bl = strlen(before), al = strlen(after);

	(void)state;
	for (int i = 0; i < PN_DIFF_LINES_MAX + 5; i++) {
		bl += (size_t)snprintf(before + bl, sizeof(before) - bl, "%s\"k%d\":\"a\"", i ? "," : "", i);
		al += (size_t)snprintf(after + al, sizeof(after) - al, "%s\"k%d\":\"b\"", i ? "," : "", i);
	}
	snprintf(before + bl, sizeof(before) - bl, "}}");
	snprintf(after + al, sizeof(after) - al, "}}");
	s = run(before, after, &n);
	assert_int_equal(n, PN_DIFF_LINES_MAX + 5);
	assert_non_null(strstr(s, "  ... and 5 more\n"));
	free(s);
	memset(before, 0, sizeof(before));
	strcpy(before, "{\"v\":\"");
	memset(before + 6, 'x', 300);
	strcpy(before + 306, "\"}");
	s = run(before, "{}", &n);
	assert_non_null(strstr(s, "xxx... -> (none)\n"));
	assert_true(strlen(s) < 200);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_secret),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests_name("diff", tests, NULL, NULL);
}
