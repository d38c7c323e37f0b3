#include "pn_test.h"

#include "../../agent/apply/health.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
	};
	return cmocka_run_group_tests_name("health", tests, NULL, NULL);
}
