#include "pn_test.h"

#include "../../agent/render/buildmeta.h"

#define ANNO(obj, key) cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive( \
	cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "annotations"), key))

/* Prefix and label entries as kubectl kustomize (v5.5.0) writes them. */
#define ITEM(in, kind) "- configuredIn: " in "\n  configuredBy:\n    apiVersion: builtin\n    kind: " kind "\n"

static void
test_flags(void **state)
{
	cJSON *l;

	(void)state;
	assert_int_equal(pn_buildmeta_flags(NULL), 0);
	assert_non_null(l = cJSON_Parse("[]"));
	assert_int_equal(pn_buildmeta_flags(l), 0);
	cJSON_Delete(l);
	/* an unknown word still tracks origins (kustomize accepts it) */
	assert_non_null(l = cJSON_Parse("[\"foo\"]"));
	assert_int_equal(pn_buildmeta_flags(l), PN_BUILDMETA_TRACK);
	cJSON_Delete(l);
	assert_non_null(l = cJSON_Parse("[\"managedByLabel\", \"originAnnotations\", \"transformerAnnotations\"]"));
	assert_int_equal(pn_buildmeta_flags(l), PN_BUILDMETA_TRACK | PN_BUILDMETA_ORIGINS | PN_BUILDMETA_TRANSFORMERS |
	    PN_BUILDMETA_MANAGED);
	cJSON_Delete(l);
}

/* Go's filepath.Join, which kustomize's Origin.Append uses. */
static void
test_join(void **state)
{
	static const char *const cases[][3] = {
		{"", "service.yaml", "service.yaml"},
		{"", "./dep.yaml", "dep.yaml"},
		{"", "../base/", "../base"},
		{"../base", "deployment.yaml", "../base/deployment.yaml"},
		{"../base", "../other/x.yaml", "../other/x.yaml"},
		{"../base", "../../x", "../../x"},
		{"a/b", "../../..", ".."},
		{"a", "..", "."},
		{"", "", ""},
		{"", ".", "."},
		{"sub//dir/", "./x", "sub/dir/x"},
		{"..", "../a/./b/../c", "../../a/c"},
		{"/r", "../../x", "/x"},
	};
	char *out;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_ok(pn_buildmeta_join(cases[i][0], cases[i][1], &out));
		if (strcmp(out, cases[i][2]) != 0)
			fail_msg("join(\"%s\", \"%s\") = \"%s\", want \"%s\"", cases[i][0], cases[i][1], out, cases[i][2]);
		free(out);
	}
}

static void
test_origin(void **state)
{
	cJSON *obj;
	char *by;

	(void)state;
	assert_non_null(obj = cJSON_Parse("{\"kind\": \"Service\", \"metadata\": {\"name\": \"s\", \"annotations\": "
	    "{\"config.kubernetes.io/origin\": \"path: bogus\"}}}"));
	assert_ok(pn_buildmeta_set_origin(obj, "../base/service.yaml", NULL));
	assert_string_equal(ANNO(obj, PN_BUILDMETA_ORIGIN_KEY), "path: ../base/service.yaml\n");
	/* quoted as kustomize's YAML would */
	assert_ok(pn_buildmeta_set_origin(obj, "yes", NULL));
	assert_string_equal(ANNO(obj, PN_BUILDMETA_ORIGIN_KEY), "path: \"yes\"\n");
	assert_ok(pn_buildmeta_set_origin(obj, "a: b", NULL));
	assert_string_equal(ANNO(obj, PN_BUILDMETA_ORIGIN_KEY), "path: 'a: b'\n");
	cJSON_Delete(obj);

	/* a generated object: the annotations map is made */
	assert_non_null(obj = cJSON_Parse("{\"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"c\"}}"));
	assert_ok(pn_buildmeta_configured("../base/kustomization.yaml", "builtin", "ConfigMapGenerator", NULL, "", 0, &by));
	assert_ok(pn_buildmeta_set_origin(obj, NULL, by));
	assert_string_equal(ANNO(obj, PN_BUILDMETA_ORIGIN_KEY), "configuredIn: ../base/kustomization.yaml\n"
	    "configuredBy:\n  apiVersion: builtin\n  kind: ConfigMapGenerator\n");
	cJSON_Delete(obj);
	/* one the generator's options wrote stays (kubectl kustomize prints "mine") */
	assert_non_null(obj = cJSON_Parse("{\"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"c\", \"annotations\": "
	    "{\"config.kubernetes.io/origin\": \"mine\"}}}"));
	assert_ok(pn_buildmeta_set_origin(obj, NULL, by));
	assert_string_equal(ANNO(obj, PN_BUILDMETA_ORIGIN_KEY), "mine");
	cJSON_Delete(obj);
	free(by);

	assert_non_null(obj = cJSON_Parse("{\"kind\": \"ConfigMap\", \"metadata\": \"x\"}"));
	assert_error(pn_buildmeta_set_origin(obj, "x.yaml", NULL), PN_ERR_PARSE, "metadata is not a mapping");
	cJSON_Delete(obj);
}

/* A plugin config's origin (kustomize's OriginFromCustomPlugin): its name and namespace too, as the corpus's
 * TestAnnoOriginGeneratorFromFile and TestAnnoTransformerBuiltinInline print them. */
static void
test_configured(void **state)
{
	char *text;

	(void)state;
	assert_ok(pn_buildmeta_configured("configmap.yaml", "builtin", "ConfigMapGenerator", "notImportantHere", NULL,
	    0, &text));
	assert_string_equal(text, "configuredIn: configmap.yaml\nconfiguredBy:\n  apiVersion: builtin\n"
	    "  kind: ConfigMapGenerator\n  name: notImportantHere\n");
	free(text);
	assert_ok(pn_buildmeta_configured("kustomization.yaml", "builtin", "NamespaceTransformer",
	    "not-important-to-example", "test", 1, &text));
	assert_string_equal(text, "- configuredIn: kustomization.yaml\n  configuredBy:\n    apiVersion: builtin\n"
	    "    kind: NamespaceTransformer\n    name: not-important-to-example\n    namespace: test\n");
	free(text);
	/* a name YAML would read as something else is quoted */
	assert_ok(pn_buildmeta_configured("k.yaml", "example.com/v1", "Gen", "true", NULL, 0, &text));
	assert_string_equal(text, "configuredIn: k.yaml\nconfiguredBy:\n  apiVersion: example.com/v1\n  kind: Gen\n"
	    "  name: \"true\"\n");
	free(text);
}

/* kustomize configures one instance per entry for some transformers, one for all for others (checked with
 * kubectl kustomize: labels + imageTags below give two LabelTransformer and two ImageTagTransformer entries). */
static void
test_transforms(void **state)
{
	cJSON *doc;
	struct pn_kust k;
	char *text;

	(void)state;
	assert_non_null(doc = cJSON_Parse("{\"resources\": [\"a.yaml\"]}"));
	assert_ok(pn_kust_parse("kustomization.yaml", doc, &k));
	assert_ok(pn_buildmeta_transforms(&k, "kustomization.yaml", &text));
	assert_null(text);
	cJSON_Delete(doc);

	assert_non_null(doc = cJSON_Parse("{\"namePrefix\": \"p-\", \"nameSuffix\": \"\", \"labels\": [{\"pairs\": "
	    "{\"a\": \"b\"}}], \"images\": [{\"name\": \"x\"}], \"imageTags\": [{\"name\": \"y\"}], \"replicas\": [{\"name\": "
	    "\"d\", \"count\": 2}], \"patches\": [{\"path\": \"p.yaml\"}], \"patchesStrategicMerge\": [\"a.yaml\", "
	    "\"b.yaml\"], \"namespace\": \"ns\", \"commonAnnotations\": {\"x\": \"y\"}, \"patchesJson6902\": [{\"path\": "
	    "\"j.yaml\", \"target\": {\"kind\": \"K\", \"name\": \"n\"}}]}"));
	assert_ok(pn_kust_parse("kustomization.yaml", doc, &k));
	assert_ok(pn_buildmeta_transforms(&k, "../b/kustomization.yaml", &text));
	assert_string_equal(text, ITEM("../b/kustomization.yaml", "PatchStrategicMergeTransformer")
	    ITEM("../b/kustomization.yaml", "PatchTransformer") ITEM("../b/kustomization.yaml", "NamespaceTransformer")
	    ITEM("../b/kustomization.yaml", "PrefixTransformer") ITEM("../b/kustomization.yaml", "LabelTransformer")
	    ITEM("../b/kustomization.yaml", "LabelTransformer") ITEM("../b/kustomization.yaml", "AnnotationsTransformer")
	    ITEM("../b/kustomization.yaml", "PatchJson6902Transformer")
	    ITEM("../b/kustomization.yaml", "ReplicaCountTransformer")
	    ITEM("../b/kustomization.yaml", "ImageTagTransformer") ITEM("../b/kustomization.yaml", "ImageTagTransformer"));
	free(text);
	cJSON_Delete(doc);

	/* commonLabels alone: one LabelTransformer */
	assert_non_null(doc = cJSON_Parse("{\"commonLabels\": {\"a\": \"b\"}}"));
	assert_ok(pn_kust_parse("kustomization.yaml", doc, &k));
	assert_ok(pn_buildmeta_transforms(&k, "kustomization.yaml", &text));
	assert_string_equal(text, ITEM("kustomization.yaml", "LabelTransformer"));
	free(text);
	cJSON_Delete(doc);
}

static void
test_transformed(void **state)
{
	const char *two = ITEM("kustomization.yaml", "PatchTransformer") ITEM("kustomization.yaml", "PrefixTransformer");
	cJSON *obj;

	(void)state;
	/* appended to what an earlier kustomization recorded */
	assert_non_null(obj = cJSON_Parse("{\"kind\": \"Service\", \"metadata\": {\"name\": \"s\"}}"));
	assert_ok(pn_buildmeta_set_origin(obj, "s.yaml", NULL));
	assert_ok(pn_buildmeta_transformed(obj, ITEM("../base/kustomization.yaml", "PrefixTransformer")));
	assert_ok(pn_buildmeta_transformed(obj, two));
	assert_string_equal(ANNO(obj, PN_BUILDMETA_TRANSFORMS_KEY), ITEM("../base/kustomization.yaml",
	    "PrefixTransformer") ITEM("kustomization.yaml", "PatchTransformer") ITEM("kustomization.yaml",
	    "PrefixTransformer"));
	assert_string_equal(ANNO(obj, PN_BUILDMETA_ORIGIN_KEY), "path: s.yaml\n");
	cJSON_Delete(obj);

	/* no origin (a patch removed the annotations): the first transformer is taken for its origin, as kubectl
	 * kustomize prints it */
	assert_non_null(obj = cJSON_Parse("{\"kind\": \"Service\", \"metadata\": {\"name\": \"s\"}}"));
	assert_ok(pn_buildmeta_transformed(obj, two));
	assert_string_equal(ANNO(obj, PN_BUILDMETA_ORIGIN_KEY), "configuredIn: kustomization.yaml\nconfiguredBy:\n"
	    "  apiVersion: builtin\n  kind: PatchTransformer\n");
	assert_string_equal(ANNO(obj, PN_BUILDMETA_TRANSFORMS_KEY), ITEM("kustomization.yaml", "PrefixTransformer"));
	cJSON_Delete(obj);

	/* a single one becomes the origin only */
	assert_non_null(obj = cJSON_Parse("{\"kind\": \"Service\", \"metadata\": {\"name\": \"s\"}}"));
	assert_ok(pn_buildmeta_transformed(obj, ITEM("kustomization.yaml", "PatchTransformer")));
	assert_non_null(ANNO(obj, PN_BUILDMETA_ORIGIN_KEY));
	assert_null(ANNO(obj, PN_BUILDMETA_TRANSFORMS_KEY));
	cJSON_Delete(obj);
}

/* What kustomize's end leaves: checked with kubectl kustomize. */
static void
test_finish(void **state)
{
	static const struct {
		const char *in;
		unsigned flags;
		const char *out;
	} cases[] = {
		/* not asked for: removed, also when the input wrote them; the map goes when empty */
		{"{\"metadata\":{\"name\":\"x\",\"annotations\":{\"config.kubernetes.io/origin\":\"path: bogus\","
		    "\"alpha.config.kubernetes.io/transformations\":\"foo\"}}}", 0, "{\"metadata\":{\"name\":\"x\"}}"},
		{"{\"metadata\":{\"name\":\"x\",\"annotations\":{\"config.kubernetes.io/origin\":\"o\","
		    "\"alpha.config.kubernetes.io/transformations\":\"t\",\"k\":\"v\"}}}", PN_BUILDMETA_TRACK |
		    PN_BUILDMETA_ORIGINS, "{\"metadata\":{\"name\":\"x\",\"annotations\":{\"config.kubernetes.io/origin\":"
		    "\"o\",\"k\":\"v\"}}}"},
		{"{\"metadata\":{\"name\":\"x\",\"annotations\":{\"config.kubernetes.io/origin\":\"o\","
		    "\"alpha.config.kubernetes.io/transformations\":\"t\"}}}", PN_BUILDMETA_TRACK | PN_BUILDMETA_TRANSFORMERS,
		    "{\"metadata\":{\"name\":\"x\",\"annotations\":{\"alpha.config.kubernetes.io/transformations\":\"t\"}}}"},
		/* empty annotations, however written, are dropped (kyaml's SetAnnotations) */
		{"{\"metadata\":{\"name\":\"x\",\"annotations\":{}}}", 0, "{\"metadata\":{\"name\":\"x\"}}"},
		{"{\"metadata\":{\"name\":\"x\",\"annotations\":null}}", 0, "{\"metadata\":{\"name\":\"x\"}}"},
		{"{\"metadata\":{\"name\":\"x\",\"annotations\":[]}}", 0, "{\"metadata\":{\"name\":\"x\"}}"},
		{"{\"metadata\":{\"name\":\"x\",\"labels\":{}}}", PN_BUILDMETA_TRACK | PN_BUILDMETA_MANAGED,
		    "{\"metadata\":{\"name\":\"x\",\"labels\":{\"app.kubernetes.io/managed-by\":\"kustomize-(devel)\"}}}"},
		{"{\"metadata\":{\"name\":\"x\",\"labels\":{\"app.kubernetes.io/managed-by\":\"me\"}}}", PN_BUILDMETA_TRACK |
		    PN_BUILDMETA_MANAGED, "{\"metadata\":{\"name\":\"x\",\"labels\":{\"app.kubernetes.io/managed-by\":"
		    "\"kustomize-(devel)\"}}}"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *obj = cJSON_Parse(cases[i].in);
		char *got;

		assert_non_null(obj);
		assert_true(pn_buildmeta_carries(obj) || (cases[i].flags & PN_BUILDMETA_MANAGED));
		assert_ok(pn_buildmeta_finish(obj, cases[i].flags));
		assert_non_null(got = cJSON_PrintUnformatted(obj));
		if (strcmp(got, cases[i].out) != 0)
			fail_msg("case %zu: got %s, want %s", i, got, cases[i].out);
		assert_false(pn_buildmeta_carries(obj) && !(cases[i].flags & (PN_BUILDMETA_ORIGINS |
		    PN_BUILDMETA_TRANSFORMERS)));
		free(got);
		cJSON_Delete(obj);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_origin),
		cmocka_unit_test(test_configured),
		cmocka_unit_test(test_transforms),
		cmocka_unit_test(test_transformed),
		cmocka_unit_test(test_finish),
	};
	return cmocka_run_group_tests_name("buildmeta", tests, NULL, NULL);
}
