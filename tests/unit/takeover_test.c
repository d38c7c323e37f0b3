#include "pn_test.h"

#include "../../agent/apply/takeover.h"

static void
check(const char *live, const char *want)
{
	cJSON *o = cJSON_Parse(live);
	char *patch = NULL;

	assert_non_null(o);
	assert_ok(pn_takeover_patch(o, "pinion", &patch));
	if (want == NULL) {
		assert_null(patch);
	} else {
		assert_non_null(patch);
		if (strcmp(patch, want) != 0)
			fail_msg("got  %s\nwant %s", patch, want);
	}
	cJSON_free(patch);
	cJSON_Delete(o);
}

/* Nothing to take: other managers, pinion alone, status subresource entries of kubectl. */
static void
test_nothing(void **state)
{
	(void)state;
	check("{\"metadata\":{\"resourceVersion\":\"5\"}}", NULL);
	check("{\"metadata\":{\"resourceVersion\":\"5\",\"managedFields\":[{\"manager\":\"someone\",\"operation\":"
	    "\"Update\",\"apiVersion\":\"v1\",\"fieldsV1\":{\"f:data\":{}}},{\"manager\":\"pinion\",\"operation\":"
	    "\"Apply\",\"apiVersion\":\"v1\",\"fieldsV1\":{}},{\"manager\":\"kubectl\",\"operation\":\"Update\","
	    "\"apiVersion\":\"v1\",\"subresource\":\"status\",\"fieldsV1\":{}}]}}", NULL);
}

/* The last-applied annotation alone: removed, with the resourceVersion pinned. */
static void
test_annotation(void **state)
{
	(void)state;
	check("{\"metadata\":{\"resourceVersion\":\"7\",\"annotations\":{\"kubectl.kubernetes.io/last-applied-"
	    "configuration\":\"{}\"}}}",
	    "[{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\",\"value\":\"7\"},{\"op\":\"remove\",\"path\":"
	    "\"/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration\"}]");
}

/* kubectl's and kustomize-controller's entries merge into pinion's Apply entry of the same apiVersion; a later
 * pinion entry folds into the first; another apiVersion keeps its own; other managers stay in place. */
static void
test_merge(void **state)
{
	(void)state;
	check("{\"metadata\":{\"resourceVersion\":\"9\",\"managedFields\":["
	    "{\"manager\":\"kubectl-client-side-apply\",\"operation\":\"Update\",\"apiVersion\":\"apps/v1\","
	    "\"fieldsV1\":{\"f:spec\":{\"f:replicas\":{}}}},"
	    "{\"manager\":\"k3s\",\"operation\":\"Update\",\"apiVersion\":\"apps/v1\",\"fieldsV1\":{\"f:x\":{}}},"
	    "{\"manager\":\"kustomize-controller\",\"operation\":\"Apply\",\"apiVersion\":\"apps/v1\","
	    "\"fieldsV1\":{\"f:spec\":{\"f:template\":{}}}},"
	    "{\"manager\":\"pinion\",\"operation\":\"Apply\",\"apiVersion\":\"apps/v1\",\"fieldsV1\":{\"f:spec\":"
	    "{\"f:selector\":{}}}},"
	    "{\"manager\":\"before-first-apply\",\"operation\":\"Update\",\"apiVersion\":\"apps/v1beta1\","
	    "\"fieldsV1\":{\"f:y\":{}}}]}}",
	    "[{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\",\"value\":\"9\"},{\"op\":\"replace\",\"path\":"
	    "\"/metadata/managedFields\",\"value\":["
	    "{\"apiVersion\":\"apps/v1\",\"fieldsV1\":{\"f:spec\":{\"f:replicas\":{},\"f:template\":{},\"f:selector\":"
	    "{}}},\"manager\":\"pinion\",\"operation\":\"Apply\"},"
	    "{\"manager\":\"k3s\",\"operation\":\"Update\",\"apiVersion\":\"apps/v1\",\"fieldsV1\":{\"f:x\":{}}},"
	    "{\"apiVersion\":\"apps/v1beta1\",\"fieldsV1\":{\"f:y\":{}},\"manager\":\"pinion\",\"operation\":"
	    "\"Apply\"}]}]");
}

static void
test_managers(void **state)
{
	(void)state;
	assert_true(pn_takeover_manager("kubectl"));
	assert_true(pn_takeover_manager("kubectl-client-side-apply"));
	assert_true(pn_takeover_manager("before-first-apply"));
	assert_true(pn_takeover_manager("kustomize-controller"));
	assert_false(pn_takeover_manager("kubectl-edit"));
	assert_false(pn_takeover_manager("helm"));
	assert_false(pn_takeover_manager(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing),
		cmocka_unit_test(test_annotation),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_managers),
	};
	return cmocka_run_group_tests_name("takeover", tests, NULL, NULL);
}
