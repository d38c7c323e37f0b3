#include "pn_test.h"

#include "../../agent/apply/health.h"
#include "../../agent/render/yaml.h"

/* kstatus rules (kube-api.md §7), one object per row: its status and the start of the reason. */
static void
test_rules(void **state)
{
	static const struct {
		const char *obj;
		enum pn_health want;
		const char *why;
	} cases[] = {
		{"{\"kind\":\"ConfigMap\"}", PN_HEALTH_CURRENT, ""},
		{"{\"kind\":\"ConfigMap\",\"metadata\":{\"deletionTimestamp\":\"2026-01-01T00:00:00Z\"}}",
		    PN_HEALTH_TERMINATING, "being deleted"},
		{"{\"kind\":\"Deployment\",\"metadata\":{\"generation\":2},\"status\":{\"observedGeneration\":1}}",
		    PN_HEALTH_IN_PROGRESS, "generation 2 not observed yet"},
		{"{\"kind\":\"Deployment\",\"spec\":{\"replicas\":2}}", PN_HEALTH_IN_PROGRESS, "0/2 replicas updated"},
		{"{\"kind\":\"Deployment\",\"spec\":{\"replicas\":2},\"status\":{\"replicas\":2,\"updatedReplicas\":2,"
		    "\"availableReplicas\":1,\"readyReplicas\":1}}", PN_HEALTH_IN_PROGRESS, "1/2 replicas available"},
		{"{\"kind\":\"Deployment\",\"spec\":{\"replicas\":2},\"status\":{\"replicas\":2,\"updatedReplicas\":2,"
		    "\"availableReplicas\":2,\"readyReplicas\":2,\"conditions\":[{\"type\":\"Available\",\"status\":\"True\"}]}}",
		    PN_HEALTH_CURRENT, ""},
		{"{\"kind\":\"Deployment\",\"status\":{\"conditions\":[{\"type\":\"Progressing\",\"status\":\"False\","
		    "\"reason\":\"ProgressDeadlineExceeded\"}]}}", PN_HEALTH_FAILED, "progress deadline exceeded"},
		{"{\"kind\":\"StatefulSet\",\"spec\":{\"replicas\":1},\"status\":{\"readyReplicas\":1,\"replicas\":1,"
		    "\"currentReplicas\":1,\"currentRevision\":\"a\",\"updateRevision\":\"a\"}}", PN_HEALTH_CURRENT, ""},
		{"{\"kind\":\"StatefulSet\",\"spec\":{\"replicas\":3},\"status\":{\"readyReplicas\":1}}",
		    PN_HEALTH_IN_PROGRESS, "1/3 replicas ready"},
		{"{\"kind\":\"StatefulSet\",\"spec\":{\"updateStrategy\":{\"type\":\"OnDelete\"}}}", PN_HEALTH_CURRENT, ""},
		{"{\"kind\":\"Job\",\"status\":{\"conditions\":[{\"type\":\"Failed\",\"status\":\"True\",\"reason\":"
		    "\"BackoffLimitExceeded\"}]}}", PN_HEALTH_FAILED, "failed: BackoffLimitExceeded"},
		{"{\"kind\":\"Job\",\"status\":{\"startTime\":\"x\"}}", PN_HEALTH_CURRENT, ""},
		{"{\"kind\":\"PersistentVolumeClaim\",\"status\":{\"phase\":\"Pending\"}}", PN_HEALTH_IN_PROGRESS,
		    "phase Pending, not Bound"},
		{"{\"kind\":\"CustomResourceDefinition\",\"status\":{\"conditions\":[{\"type\":\"Established\",\"status\":"
		    "\"True\"}]}}", PN_HEALTH_CURRENT, ""},
		{"{\"kind\":\"HelmChart\",\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\",\"message\":"
		    "\"install failed\"}]}}", PN_HEALTH_IN_PROGRESS, "condition Ready is False: install failed"},
		{"{\"kind\":\"Widget\",\"status\":{\"conditions\":[{\"type\":\"Stalled\",\"status\":\"True\"}]}}",
		    PN_HEALTH_FAILED, "stalled"},
		{"{\"kind\":\"Widget\"}", PN_HEALTH_CURRENT, ""},
		{"{\"kind\":\"Service\",\"spec\":{\"type\":\"LoadBalancer\"}}", PN_HEALTH_IN_PROGRESS, "no cluster IP yet"},
	};
	char why[PN_HEALTH_WHY_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *o = cJSON_Parse(cases[i].obj);
		enum pn_health h;

		assert_non_null(o);
		h = pn_health_of(o, why, sizeof(why));
		if (h != cases[i].want || strncmp(why, cases[i].why, strlen(cases[i].why)) != 0)
			fail_msg("case %zu: %s \"%s\", want %s \"%s\"", i, pn_health_name(h), why,
			    pn_health_name(cases[i].want), cases[i].why);
		cJSON_Delete(o);
	}
}

/* Regression: counts from the API are untrusted; a 30-digit or non-integer count was summed digit by digit into
 * a signed overflow. Now it counts as absent (spec.replicas defaults to 1), through both readers. */
static void
test_huge_numbers(void **state)
{
	static const char *yaml[] = {
		"kind: Deployment\nspec:\n  replicas: 123456789012345678901234567890\n",
		"kind: Deployment\nspec:\n  replicas: -123456789012345678901234567890\n",
		"kind: Deployment\nspec:\n  replicas: 1.5\n",
	};
	char why[PN_HEALTH_WHY_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(yaml) / sizeof(yaml[0]); i++) {
		struct pn_yaml_docs docs;

		assert_ok(pn_yaml_parse("obj.yaml", yaml[i], strlen(yaml[i]), NULL, &docs));
		assert_int_equal(docs.n, 1);
		assert_int_equal(pn_health_of(docs.v[0].root, why, sizeof(why)), PN_HEALTH_IN_PROGRESS);
		assert_string_equal(why, "0/1 replicas updated");
		pn_yaml_docs_release(&docs);
	}
	cJSON *o = cJSON_Parse("{\"kind\":\"Deployment\",\"spec\":{\"replicas\":1e30}}");
	assert_non_null(o);
	assert_int_equal(pn_health_of(o, why, sizeof(why)), PN_HEALTH_IN_PROGRESS);
	assert_string_equal(why, "0/1 replicas updated");
	cJSON_Delete(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_huge_numbers),
	};
	return cmocka_run_group_tests_name("health", tests, NULL, NULL);
}
