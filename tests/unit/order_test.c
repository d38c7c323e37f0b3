#include "pn_test.h"

#include <stdio.h>

#include "../../agent/render/order.h"
#include "../../agent/render/resmap.h"

/* Objects as "apiVersion kind namespace/name" ("-" for an empty namespace) → cJSON. */
static cJSON *
obj(const char *spec)
{
	char av[128], kind[128], nsname[256], *slash;
	cJSON *o, *md;

	if (sscanf(spec, "%127s %127s %255s", av, kind, nsname) != 3)
		fail_msg("bad spec %s", spec);
	assert_non_null(o = cJSON_CreateObject());
	if (strcmp(av, "-") != 0)
		cJSON_AddStringToObject(o, "apiVersion", av);
	if (strcmp(kind, "-") != 0)
		cJSON_AddStringToObject(o, "kind", kind);
	md = cJSON_AddObjectToObject(o, "metadata");
	slash = strchr(nsname, '/');
	*slash = '\0';
	if (strcmp(nsname, "-") != 0)
		cJSON_AddStringToObject(md, "namespace", nsname);
	if (slash[1] != '\0')
		cJSON_AddStringToObject(md, "name", slash + 1);
	return o;
}

#define MAXOBJ 16

/* Input objects in FIFO order and the legacy order expected, as indexes into the input. */
static const struct {
	const char *what;
	const char *in[MAXOBJ];
	int want[MAXOBJ];
} cases[] = {
	{"kubectl: Service, [Deployment, Foo, Bar, ConfigMap], Namespace, ConfigMap (kustomize.md)",
	    {"v1 Service -/a", "apps/v1 Deployment -/d", "example.com/v1 Foo -/f", "v1 Bar -/b",
		"v1 ConfigMap -/basecm", "v1 Namespace -/b", "v1 ConfigMap -/top"},
	    {5, 4, 6, 0, 1, 2, 3}},
	{"every listed kind in rank order, webhooks last",
	    {"admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration -/v",
		"admissionregistration.k8s.io/v1 MutatingWebhookConfiguration -/m", "x.io/v1 Widget -/w",
		"policy/v1 PodDisruptionBudget -/p", "batch/v1 CronJob -/c", "apps/v1 StatefulSet -/s",
		"v1 PersistentVolumeClaim -/pvc", "v1 PersistentVolume -/pv", "scheduling.k8s.io/v1 PriorityClass -/pc",
		"v1 LimitRange -/lr", "v1 Endpoints -/e", "v1 Secret -/s", "rbac.authorization.k8s.io/v1 Role -/r",
		"v1 ServiceAccount -/sa", "storage.k8s.io/v1 StorageClass -/sc", "v1 ResourceQuota -/rq"},
	    {15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0}},
	{"unlisted kinds: named groups before the core group (~G sorts after letters)",
	    {"v1 Pod -/p", "example.com/v1 Foo -/f", "apps/v1 ReplicaSet -/r", "v1 Bar -/b", "a.io/v2 Foo -/f"},
	    {4, 2, 1, 3, 0}},
	{"same GVK: namespace, then name; no namespace is ~X (after letters)",
	    {"v1 ConfigMap b/x", "v1 ConfigMap -/a", "v1 ConfigMap a/z", "v1 ConfigMap a/y", "v1 ConfigMap B/x"},
	    {4, 3, 2, 0, 1}},
	{"\"ns|name\" compared as one string: '-' (0x2d) sorts before '|' (0x7c)",
	    {"v1 Service a/x", "v1 Service a-b/y"},
	    {1, 0}},
	{"Namespace: the core group comes first (reversed comparison)",
	    {"example.com/v1 Namespace -/x", "v1 Namespace -/y", "v1 Namespace -/a"},
	    {2, 1, 0}},
	{"versions and empty parts",
	    {"x.io/v2 Thing -/a", "x.io/v1 Thing -/a", "x.io/v1 - -/a", "- Thing -/a"},
	    {1, 2, 0, 3}},
	{"equal ids keep their order (stable)",
	    {"v1 Secret -/s", "v1 Secret -/s", "v1 Namespace -/n"},
	    {2, 0, 1}},
	{"one object", {"v1 Pod -/p"}, {0}},
};

static void
test_legacy(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct pn_build_doc docs[MAXOBJ];
		const struct pn_build_doc *v[MAXOBJ];
		size_t n = 0;

		memset(docs, 0, sizeof(docs));
		for (; n < MAXOBJ && cases[c].in[n] != NULL; n++) {
			cJSON *o = obj(cases[c].in[n]);

			/* the sort reads the index only: the documents' packed ids */
			assert_ok(pn_resmap_ids(o, &docs[n].ids));
			cJSON_Delete(o);
			docs[n].line = n;
			v[n] = &docs[n];
		}
		assert_ok(pn_order_sort(v, n, PN_ORDER_LEGACY, NULL));
		for (size_t i = 0; i < n; i++)
			if (v[i] != &docs[cases[c].want[i]])
				fail_msg("%s: position %zu holds %s (input %zu), want %s", cases[c].what, i,
				    cases[c].in[v[i]->line], v[i]->line, cases[c].in[cases[c].want[i]]);
		/* none keeps FIFO */
		for (size_t i = 0; i < n; i++)
			v[i] = &docs[i];
		assert_ok(pn_order_sort(v, n, PN_ORDER_NONE, NULL));
		for (size_t i = 0; i < n; i++)
			assert_ptr_equal(v[i], &docs[i]);
		for (size_t i = 0; i < n; i++)
			free(docs[i].ids);
	}
	assert_ok(pn_order_sort(NULL, 0, PN_ORDER_LEGACY, NULL));
}

static void
test_custom_lists(void **state)
{
	static const char *const first[] = {"Bar", "Pod", NULL};
	static const char *const last[] = {"Namespace", NULL};
	struct pn_order_legacy opt = {first, last};
	cJSON *a = obj("v1 Namespace -/n"), *b = obj("v1 Pod -/p"), *c = obj("v1 Bar -/b"), *d = obj("v1 Zed -/z");

	(void)state;
	assert_true(pn_order_legacy_cmp(c, b, &opt) < 0);
	assert_true(pn_order_legacy_cmp(b, d, &opt) < 0);
	assert_true(pn_order_legacy_cmp(d, a, &opt) < 0);
	assert_true(pn_order_legacy_cmp(a, b, NULL) < 0);
	assert_int_equal(pn_order_legacy_cmp(a, a, NULL), 0);
	cJSON_Delete(a);
	a = NULL;
	/* a kind named twice takes the place it is named last (Go fills a map in list order, first then last) */
	{
		static const char *const twice[] = {"Pod", "Bar", "Pod", NULL};
		static const char *const both[] = {"Bar", NULL};
		struct pn_order_legacy o2 = {twice, NULL}, o3 = {twice, both};

		assert_true(pn_order_legacy_cmp(c, b, &o2) < 0);	/* Bar -2, Pod -1 */
		assert_true(pn_order_legacy_cmp(b, c, &o3) < 0);	/* Bar in the last list: +1 */
	}
	cJSON_Delete(b);
	cJSON_Delete(c);
	cJSON_Delete(d);
}

static const struct {
	const char *s;
	int ok;
	enum pn_order_mode mode;
} modes[] = {
	{"legacy", 1, PN_ORDER_LEGACY}, {"none", 1, PN_ORDER_NONE}, {"", 0, 0}, {"Legacy", 0, 0},
	{"fifo", 0, 0}, {"none ", 0, 0},
};

static void
test_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		enum pn_order_mode m = PN_ORDER_NONE;

		if (modes[i].ok) {
			assert_ok(pn_order_parse(modes[i].s, &m));
			assert_int_equal(m, modes[i].mode);
		} else {
			assert_error(pn_order_parse(modes[i].s, &m), PN_ERR_USAGE, "must be none or legacy");
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legacy),
		cmocka_unit_test(test_custom_lists),
		cmocka_unit_test(test_parse),
	};
	return cmocka_run_group_tests_name("order", tests, NULL, NULL);
}
