#include "pn_test.h"

#include <stdio.h>

#include "../../agent/render/resmap.h"

static cJSON *
obj(const char *av, const char *kind, const char *name, const char *ns)
{
	char text[512];
	cJSON *o;

	snprintf(text, sizeof(text), "{\"apiVersion\": \"%s\", \"kind\": \"%s\", \"metadata\": {\"name\": \"%s\"%s%s%s}}",
	    av, kind, name, ns != NULL ? ", \"namespace\": \"" : "", ns != NULL ? ns : "", ns != NULL ? "\"" : "");
	assert_non_null(o = cJSON_Parse(text));
	return o;
}

/* Duplicate ids are found the same way below and above PN_RESMAP_INDEX_MIN (scan vs hash index). */
static void
test_duplicates(void **state)
{
	static const size_t sizes[] = {3, PN_RESMAP_INDEX_MIN + 1, 1000};

	(void)state;
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct pn_resmap m = {0};
		char name[32];

		for (size_t k = 0; k < sizes[s]; k++) {
			snprintf(name, sizeof(name), "cm-%zu", k);
			assert_ok(pn_resmap_add(&m, obj("v1", "ConfigMap", name, k % 2 ? "apps" : NULL), "f.yaml", k));
		}
		/* the same id again: "" and "default" are the same namespace */
		assert_error(pn_resmap_add(&m, obj("v1", "ConfigMap", "cm-2", "default"), "g.yaml", 1), PN_ERR_PARSE,
		    "may not add resource with an already registered id: ConfigMap.v1.[noGrp]/cm-2.default (from g.yaml)");
		assert_error(pn_resmap_add(&m, obj("v1", "ConfigMap", "cm-1", "apps"), NULL, 0), PN_ERR_PARSE,
		    "already registered id: ConfigMap.v1.[noGrp]/cm-1.apps");
		/* another kind, version or namespace is another id */
		assert_ok(pn_resmap_add(&m, obj("v1", "Secret", "cm-2", NULL), "g.yaml", 2));
		assert_ok(pn_resmap_add(&m, obj("v2", "ConfigMap", "cm-2", NULL), "g.yaml", 3));
		assert_ok(pn_resmap_add(&m, obj("v1", "ConfigMap", "cm-2", "other"), "g.yaml", 4));
		/* a renamed object is found under its new id once the map is told */
		assert_ok(pn_res_set_meta(m.v[0].obj, "name", "renamed"));
		pn_resmap_invalidate(&m);
		assert_error(pn_resmap_add(&m, obj("v1", "ConfigMap", "renamed", NULL), NULL, 0), PN_ERR_PARSE,
		    "already registered id");
		assert_ok(pn_resmap_add(&m, obj("v1", "ConfigMap", "cm-0", NULL), NULL, 0));
		pn_resmap_release(&m);
	}
}

/* take(): every object of src is checked against dst and against the ones taken before it. */
static void
test_take(void **state)
{
	struct pn_resmap dst = {0}, src = {0}, again = {0};
	char name[32];

	(void)state;
	for (size_t k = 0; k < 100; k++) {
		snprintf(name, sizeof(name), "a-%zu", k);
		assert_ok(pn_resmap_add(&dst, obj("apps/v1", "Deployment", name, "x"), "d.yaml", k));
		snprintf(name, sizeof(name), "b-%zu", k);
		assert_ok(pn_resmap_add(&src, obj("apps/v1", "Deployment", name, "x"), "s.yaml", k));
	}
	assert_ok(pn_resmap_take(&dst, &src));
	assert_int_equal(dst.n, 200);
	assert_int_equal(src.n, 0);
	assert_ok(pn_resmap_add(&again, obj("apps/v1", "Deployment", "b-99", "x"), "t.yaml", 7));
	assert_error(pn_resmap_take(&dst, &again), PN_ERR_PARSE,
	    "already registered id: Deployment.v1.apps/b-99.x (from t.yaml)");
	pn_resmap_release(&dst);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_take),
	};
	return cmocka_run_group_tests_name("resmap", tests, NULL, NULL);
}
