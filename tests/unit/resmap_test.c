#include "pn_test.h"
#include "peer.h"

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

/* A map with a spool keeps only ids in memory: adding spills, the ids answer duplicate checks and lookups, and
 * an object comes back (and goes again) only when asked. */
static void
test_spooled(void **state)
{
	struct pn_resmap m = {0}, sub = {0};
	struct pn_spool *sp;
	char dir[PN_TEST_PATH_MAX], name[32];
	cJSON *like;

	(void)state;
	assert_int_equal(pn_test_tmpdir("resmap", dir, sizeof(dir)), 0);
	assert_ok(pn_spool_new(dir, PN_SPOOL_MAX_BYTES, &sp));
	m.spool = sub.spool = sp;
	for (size_t k = 0; k < 100; k++) {
		snprintf(name, sizeof(name), "cm-%zu", k);
		assert_ok(pn_resmap_add(&m, obj("v1", "ConfigMap", name, k % 2 ? "apps" : NULL), "f.yaml", k));
		assert_null(m.v[k].obj);
		assert_non_null(m.v[k].ids);
	}
	assert_string_equal(pn_res_name(&m.v[7]), "cm-7");
	assert_string_equal(pn_res_namespace(&m.v[7]), "apps");
	assert_string_equal(pn_res_namespace(&m.v[8]), "");
	assert_string_equal(pn_res_kind(&m.v[8]), "ConfigMap");
	assert_string_equal(pn_res_api_version(&m.v[8]), "v1");
	assert_error(pn_resmap_add(&m, obj("v1", "ConfigMap", "cm-2", "default"), "g.yaml", 1), PN_ERR_PARSE,
	    "already registered id: ConfigMap.v1.[noGrp]/cm-2.default (from g.yaml)");
	like = obj("v1", "ConfigMap", "x", NULL);
	assert_int_equal(pn_resmap_find(&m, like, "cm-9", "apps"), 9);
	assert_int_equal(pn_resmap_find(&m, like, "cm-9", ""), -1);
	/* load, rename, spill: the ids follow, the duplicate check sees the new name */
	assert_ok(pn_res_load(&m, &m.v[9]));
	assert_non_null(m.v[9].obj);
	assert_null(m.v[9].ids);
	assert_ok(pn_res_set_meta(m.v[9].obj, "name", "renamed"));
	assert_string_equal(pn_res_name(&m.v[9]), "renamed");
	assert_ok(pn_res_spill(&m, &m.v[9]));
	assert_null(m.v[9].obj);
	assert_string_equal(pn_res_name(&m.v[9]), "renamed");
	pn_resmap_invalidate(&m);
	assert_error(pn_resmap_add(&m, obj("v1", "ConfigMap", "renamed", "apps"), NULL, 0), PN_ERR_PARSE,
	    "already registered id");
	assert_int_equal(pn_resmap_find(&m, like, "cm-9", "apps"), 9);	/* by its original name */
	assert_ok(pn_res_load(&m, &m.v[9]));
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(m.v[9].obj, "metadata"), "name")->valuestring,
	    "renamed");
	/* a dropped object leaves at the next compaction */
	pn_res_drop(&m, &m.v[3]);
	assert_int_equal(pn_resmap_find(&m, like, "cm-3", "apps"), -1);
	pn_resmap_compact(&m);
	assert_int_equal(m.n, 99);
	assert_string_equal(pn_res_name(&m.v[3]), "cm-4");
	/* a finished sub-map is taken as it is: spooled (the loaded object is spilled) */
	assert_ok(pn_resmap_add(&sub, obj("apps/v1", "Deployment", "d", NULL), "d.yaml", 1));
	assert_ok(pn_res_load(&sub, &sub.v[0]));
	assert_ok(pn_resmap_take(&m, &sub));
	assert_int_equal(m.n, 100);
	assert_null(m.v[99].obj);
	assert_string_equal(pn_res_kind(&m.v[99]), "Deployment");
	cJSON_Delete(like);
	pn_resmap_release(&m);
	pn_spool_free(sp);
	pn_test_rmtree(dir);
}

/* A patch that changed an object's kind (allowKindChange) leaves the old kind findable, with the current group
 * and version, as kustomize's previousKinds (TestPatchOriginalNameAndKind). */
static void
test_earlier_kind(void **state)
{
	struct pn_resmap m = {0};
	cJSON *like;

	(void)state;
	assert_ok(pn_resmap_add(&m, obj("v1", "Deployment", "old", NULL), "f.yaml", 1));
	assert_ok(pn_resmap_add(&m, obj("v1", "ConfigMap", "cm", NULL), "f.yaml", 2));
	cJSON_ReplaceItemInObjectCaseSensitive(m.v[0].obj, "kind", cJSON_CreateString("StatefulSet"));
	assert_ok(pn_res_set_meta(m.v[0].obj, "name", "new"));
	assert_ok(pn_res_add_fix(&m.v[0], 'p', "kSecret"));	/* a prefix is no earlier kind */
	assert_ok(pn_res_add_fix(&m.v[0], 'k', "Deployment//old"));
	assert_ok(pn_res_add_fix(&m.v[1], 'p', "kSecret"));
	pn_resmap_invalidate(&m);
	/* the kind of before goes with the name of before, the new kind with the new name */
	like = obj("v1", "Deployment", "x", NULL);
	assert_int_equal(pn_resmap_find(&m, like, "old", "default"), 0);
	assert_int_equal(pn_resmap_find(&m, like, "new", ""), -1);	/* TestPatchOriginalNameAndNewKind */
	assert_int_equal(pn_resmap_find(&m, like, "old", "other"), -1);
	cJSON_Delete(like);
	like = obj("v1", "StatefulSet", "x", NULL);
	assert_int_equal(pn_resmap_find(&m, like, "new", ""), 0);
	assert_int_equal(pn_resmap_find(&m, like, "old", ""), -1);
	cJSON_Delete(like);
	like = obj("apps/v1", "Deployment", "x", NULL);
	assert_int_equal(pn_resmap_find(&m, like, "old", ""), -1);
	cJSON_Delete(like);
	like = obj("v1", "Deploy", "x", NULL);
	assert_int_equal(pn_resmap_find(&m, like, "old", ""), -1);
	cJSON_Delete(like);
	like = obj("v1", "Secret", "x", NULL);
	assert_int_equal(pn_resmap_find(&m, like, "cm", ""), -1);
	cJSON_Delete(like);
	pn_resmap_release(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_take),
		cmocka_unit_test(test_spooled),
		cmocka_unit_test(test_earlier_kind),
	};
	return cmocka_run_group_tests_name("resmap", tests, NULL, NULL);
}
