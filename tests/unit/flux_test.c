#include "pn_test.h"

#include "../../agent/render/build.h"
#include "../../agent/render/flux.h"
#include "../../agent/render/subst.h"

static void
expect_json(const cJSON *v, const char *want)
{
	char *s = cJSON_PrintUnformatted(v);

	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

static cJSON *
json(const char *text)
{
	cJSON *v = cJSON_Parse(text);

	assert_non_null(v);
	return v;
}

/* Flux's generated kustomization (an empty document): its fields set, its lists copied. */
static void
test_merge_generated(void **state)
{
	cJSON *patches = json("[{\"patch\":\"p\",\"target\":{\"kind\":\"Deployment\"}}]");
	cJSON *images = json("[{\"name\":\"nginx\",\"newTag\":\"1.27\"}]"), *components = json("[\"../comp\"]");
	cJSON *meta = json("[\"originAnnotations\",\"managedByLabel\"]"), *doc = json("{}");
	struct pn_build_flux fx = {0};

	(void)state;
	fx.target_namespace = "flux-ns";
	fx.name_prefix = "pre-";
	fx.name_suffix = "";	/* empty adds nothing */
	fx.patches = patches;
	fx.images = images;
	fx.components = components;
	fx.build_metadata = meta;
	assert_ok(pn_flux_merge(&fx, doc, 0));
	expect_json(doc, "{\"namespace\":\"flux-ns\",\"namePrefix\":\"pre-\",\"patches\":[{\"patch\":\"p\",\"target\":"
	    "{\"kind\":\"Deployment\"}}],\"images\":[{\"name\":\"nginx\",\"newTag\":\"1.27\"}],\"components\":"
	    "[\"../comp\"],\"buildMetadata\":[\"originAnnotations\",\"managedByLabel\"]}");
	/* NULL adds nothing, and an empty generated kustomization gets no buildMetadata */
	cJSON_Delete(doc);
	doc = json("{}");
	assert_ok(pn_flux_merge(NULL, doc, 0));
	memset(&fx, 0, sizeof(fx));
	assert_ok(pn_flux_merge(&fx, doc, 0));
	expect_json(doc, "{}");
	/* a list that is not one */
	fx.images = components->child;
	assert_error(pn_flux_merge(&fx, doc, 0), PN_ERR_USAGE, "flux images must be a list");
	cJSON_Delete(doc);
	cJSON_Delete(patches);
	cJSON_Delete(images);
	cJSON_Delete(components);
	cJSON_Delete(meta);
}

/* Into the tree's own kustomization: namespace and affixes replaced, lists appended to; a file without
 * resources gets buildMetadata [originAnnotations], which spec.buildMetadata replaces. */
static void
test_merge_existing(void **state)
{
	static const struct {
		const char *doc, *want;
		int meta;
	} cases[] = {
		{"{\"namespace\":\"old\",\"nameSuffix\":\"-x\",\"resources\":[\"d.yaml\"],\"images\":[{\"name\":\"a\"}],"
		    "\"buildMetadata\":[\"managedByLabel\"]}",
		    "{\"namespace\":\"flux-ns\",\"nameSuffix\":\"-suf\",\"resources\":[\"d.yaml\"],\"images\":[{\"name\":"
		    "\"a\"},{\"name\":\"b\"}],\"buildMetadata\":[\"managedByLabel\"]}", 0},
		{"{\"generators\":[\"g.yaml\"],\"buildMetadata\":[\"managedByLabel\"]}",
		    "{\"generators\":[\"g.yaml\"],\"buildMetadata\":[\"originAnnotations\"],\"namespace\":\"flux-ns\","
		    "\"nameSuffix\":\"-suf\",\"images\":[{\"name\":\"b\"}]}", 0},
		{"{\"resources\":[\"d.yaml\"],\"buildMetadata\":[\"managedByLabel\"]}",
		    "{\"resources\":[\"d.yaml\"],\"namespace\":\"flux-ns\",\"nameSuffix\":\"-suf\",\"images\":[{\"name\":"
		    "\"b\"}],\"buildMetadata\":[\"transformerAnnotations\"]}", 1},
		/* a field of the wrong type is pn_kust_parse's to report */
		{"{\"resources\":[\"d.yaml\"],\"images\":\"x\"}",
		    "{\"resources\":[\"d.yaml\"],\"images\":\"x\",\"namespace\":\"flux-ns\",\"nameSuffix\":\"-suf\"}", 0},
	};
	cJSON *images = json("[{\"name\":\"b\"}]"), *meta = json("[\"transformerAnnotations\"]");
	struct pn_build_flux fx = {0};

	(void)state;
	fx.target_namespace = "flux-ns";
	fx.name_suffix = "-suf";
	fx.images = images;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *doc = json(cases[i].doc);

		fx.build_metadata = cases[i].meta ? meta : NULL;
		assert_ok(pn_flux_merge(&fx, doc, 1));
		expect_json(doc, cases[i].want);
		cJSON_Delete(doc);
	}
	cJSON_Delete(images);
	cJSON_Delete(meta);
}

#define DEPLOY "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"${APP}\"},\"spec\":" \
    "{\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}}}}}"

/* postBuild substitution, then commonMetadata on metadata only (never substituted), as stages below a limit. */
static void
test_object(void **state)
{
	static const struct {
		size_t limit;
		const char *want;
	} cases[] = {
		{PN_FLUX_STAGES, "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\","
		    "\"labels\":{\"tag\":\"${TAG}\"},\"annotations\":{\"n\":\"1\"}},\"spec\":{\"template\":{\"metadata\":"
		    "{\"labels\":{\"a\":\"b\"}}}}}"},
		{2, "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\",\"labels\":"
		    "{\"tag\":\"${TAG}\"}},\"spec\":{\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}}}}}"},
		{1, "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},\"spec\":"
		    "{\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}}}}}"},
		{0, DEPLOY},
	};
	cJSON *labels = json("{\"tag\":\"${TAG}\"}"), *annos = json("{\"n\":\"1\"}");
	struct pn_build_flux fx = {0};
	struct pn_subst sub;
	size_t stage = 99;

	(void)state;
	pn_subst_init(&sub);
	assert_ok(pn_subst_set(&sub, "APP", 3, "web", 3));
	assert_ok(pn_subst_set(&sub, "TAG", 3, "1.0", 3));
	fx.subst = &sub;
	fx.common_labels = labels;
	fx.common_annotations = annos;
	assert_ok(pn_flux_check(&fx, &stage));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *obj = json(DEPLOY);

		assert_int_equal(pn_flux_changes(&fx, cases[i].limit), cases[i].limit > 0);
		assert_ok(pn_flux_object(&fx, &obj, cases[i].limit, &stage));
		expect_json(obj, cases[i].want);
		cJSON_Delete(obj);
	}
	assert_int_equal(stage, 99);
	/* no variables: no substitution (unless Always); no Flux at all changes nothing */
	pn_subst_release(&sub);
	pn_subst_init(&sub);
	assert_false(pn_flux_changes(&fx, 1));
	assert_true(pn_flux_changes(&fx, 2));
	fx.common_labels = NULL;
	assert_false(pn_flux_changes(&fx, 2));
	assert_true(pn_flux_changes(&fx, 3));
	sub.always = 1;
	assert_true(pn_flux_changes(&fx, 1));
	assert_false(pn_flux_changes(NULL, PN_FLUX_STAGES));
	assert_ok(pn_flux_check(NULL, &stage));
	pn_subst_release(&sub);
	cJSON_Delete(labels);
	cJSON_Delete(annos);
}

/* A failing stage names itself in *stage, and the later ones do not run. */
static void
test_object_errors(void **state)
{
	cJSON *labels = json("{\"tag\":\"v\"}"), *bad = json("[\"x\"]"), *obj = json(DEPLOY);
	struct pn_build_flux fx = {0};
	struct pn_subst sub;
	size_t stage = 99;

	(void)state;
	pn_subst_init(&sub);
	sub.strict = 1;
	assert_ok(pn_subst_set(&sub, "OTHER", 5, "x", 1));
	fx.subst = &sub;
	fx.common_labels = labels;
	assert_error(pn_flux_object(&fx, &obj, PN_FLUX_STAGES, &stage), PN_ERR_NOT_FOUND,
	    "variable not set (strict mode): \"APP\"");
	assert_int_equal(stage, 0);
	expect_json(obj, DEPLOY);	/* no labels either */
	/* commonMetadata that is not a map fails its stage before any object */
	fx.common_annotations = bad;
	assert_error(pn_flux_check(&fx, &stage), PN_ERR_PARSE, "commonMetadata.annotations must be a map of strings");
	assert_int_equal(stage, 2);
	fx.common_labels = bad;
	assert_error(pn_flux_check(&fx, &stage), PN_ERR_PARSE, "commonMetadata.labels must be a map of strings");
	assert_int_equal(stage, 1);
	fx.subst = NULL;
	assert_error(pn_flux_object(&fx, &obj, PN_FLUX_STAGES, &stage), PN_ERR_PARSE,
	    "commonMetadata.labels must be a map of strings");
	assert_int_equal(stage, 1);
	pn_subst_release(&sub);
	cJSON_Delete(labels);
	cJSON_Delete(bad);
	cJSON_Delete(obj);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_generated),
		cmocka_unit_test(test_merge_existing),
		cmocka_unit_test(test_object),
		cmocka_unit_test(test_object_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
