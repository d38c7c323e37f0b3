#include "pn_test.h"

#include "../../agent/apply/stage.h"

/* Flux's stages: cluster definitions of their own group only, the Class kinds, the rest. */
static void
test_stage_of(void **state)
{
	static const struct {
		const char *api_version, *kind;
		int want;
	} cases[] = {
		{"apiextensions.k8s.io/v1", "CustomResourceDefinition", 1},
		{"v1", "Namespace", 1},
		{"rbac.authorization.k8s.io/v1", "ClusterRole", 1},
		{"example.com/v1", "Namespace", 2},
		{"rbac.authorization.k8s.io/v1", "ClusterRoleBinding", 2},
		{"storage.k8s.io/v1", "StorageClass", 3},
		{"networking.k8s.io/v1", "IngressClass", 3},
		{"example.com/v1", "Class", 2},
		{"apps/v1", "Deployment", 2},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (pn_stage_of(cases[i].api_version, cases[i].kind) != cases[i].want)
			fail_msg("case %zu: %s %s in stage %d, want %d", i, cases[i].api_version, cases[i].kind,
			    pn_stage_of(cases[i].api_version, cases[i].kind), cases[i].want);
}

/* ReconcileOrder: the listed kinds in Flux's order, then others by group and kind, the webhooks last. */
static void
test_kind_order(void **state)
{
	static const struct {
		const char *api_version, *kind;
	} sorted[] = {
		{"apiextensions.k8s.io/v1", "CustomResourceDefinition"},
		{"v1", "Namespace"},
		{"rbac.authorization.k8s.io/v1", "ClusterRole"},
		{"storage.k8s.io/v1", "StorageClass"},
		{"v1", "ConfigMap"},
		{"v1", "Secret"},
		{"v1", "Service"},
		{"apps/v1", "Deployment"},
		{"policy/v1", "PodDisruptionBudget"},
		{"v1", "Pod"},
		{"batch/v1", "Job"},
		{"example.com/v1", "Widget"},
		{"example.com/v2", "Zebra"},
		{"example.community/v1", "Apple"},
		{"admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration"},
		{"admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"},
	};
	size_t n = sizeof(sorted) / sizeof(sorted[0]);

	(void)state;
	assert_int_equal(pn_stage_kind_order("CustomResourceDefinition"), 0);
	assert_true(pn_stage_kind_order("Widget") < pn_stage_kind_order("ValidatingWebhookConfiguration"));
	assert_int_equal(pn_stage_kind_order("Widget"), pn_stage_kind_order("Pod"));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			int c = pn_stage_kind_cmp(sorted[i].api_version, sorted[i].kind, sorted[j].api_version,
			    sorted[j].kind);

			if ((i < j && c >= 0) || (i == j && c != 0) || (i > j && c <= 0))
				fail_msg("%s %s vs %s %s: %d", sorted[i].api_version, sorted[i].kind, sorted[j].api_version,
				    sorted[j].kind, c);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stage_of),
		cmocka_unit_test(test_kind_order),
	};
	return cmocka_run_group_tests_name("stage", tests, NULL, NULL);
}
