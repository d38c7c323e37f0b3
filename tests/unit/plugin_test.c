#include "pn_test.h"

#include "../../agent/render/plugin.h"
#include "../../agent/render/yaml.h"

static void
expect_json(const cJSON *v, const char *want)
{
	char *s = v != NULL ? cJSON_PrintUnformatted(v) : NULL;

	if (want == NULL)
		assert_null(v);
	else
		assert_string_equal(s, want);
	free(s);
}

#define CFG(kind) "apiVersion: builtin\nkind: " kind "\nmetadata:\n  name: x\n"

/* Each builtin kind as the kustomization fields that do the same, and its fieldSpecs as a configurations
 * document (the only specs its transformer uses). */
static void
test_translate(void **state)
{
	static const struct {
		int gen;
		const char *yaml, *kdoc, *specs, *obj;
	} cases[] = {
		{1, CFG("ConfigMapGenerator") "  namespace: ns\nliterals: [a=b]\nbehavior: merge\ntype: ignored\n",
		    "{\"configMapGenerator\":[{\"namespace\":\"ns\",\"name\":\"x\",\"behavior\":\"merge\",\"literals\":[\"a=b\"]}]}",
		    NULL, NULL},
		/* the generator's own name and namespace win over the metadata */
		{1, CFG("SecretGenerator") "name: own\nnamespace: ons\nfiles: [f]\ntype: kubernetes.io/tls\n"
		    "options:\n  disableNameSuffixHash: true\n",
		    "{\"secretGenerator\":[{\"namespace\":\"ons\",\"name\":\"own\",\"files\":[\"f\"],"
		    "\"options\":{\"disableNameSuffixHash\":true},\"type\":\"kubernetes.io/tls\"}]}", NULL, NULL},
		{1, CFG("IAMPolicyGenerator") "cloud: gke\nkubernetesService:\n  name: ksa\n  namespace: kns\n"
		    "serviceAccount:\n  name: gsa\n  projectId: p\n", NULL, NULL,
		    "{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{\"annotations\":"
		    "{\"iam.gke.io/gcp-service-account\":\"gsa@p.iam.gserviceaccount.com\"},\"name\":\"ksa\","
		    "\"namespace\":\"kns\"}}"},
		{0, CFG("AnnotationsTransformer") "annotations: {a: b}\nfieldSpecs:\n- path: metadata/annotations\n"
		    "  create: true\n  name: ignored\n",
		    "{\"commonAnnotations\":{\"a\":\"b\"}}",
		    "{\"commonAnnotations\":[{\"path\":\"metadata/annotations\",\"create\":true}]}", NULL},
		/* no fieldSpecs: no specs at all (the transformer then changes nothing) */
		{0, CFG("LabelTransformer") "labels: {a: b}\n", "{\"commonLabels\":{\"a\":\"b\"}}", "{}", NULL},
		{0, "apiVersion: builtin\nkind: NamespaceTransformer\nmetadata:\n  name: x\n  namespace: prod\n"
		    "fieldSpecs:\n- path: metadata/namespace\n  create: true\n",
		    "{\"namespace\":\"prod\"}", "{\"namespace\":[{\"path\":\"metadata/namespace\",\"create\":true}]}", NULL},
		{0, CFG("PrefixSuffixTransformer") "prefix: p-\nsuffix: -s\nfieldSpecs:\n- path: metadata/name\n  kind: A\n",
		    "{\"namePrefix\":\"p-\",\"nameSuffix\":\"-s\"}",
		    "{\"namePrefix\":[{\"kind\":\"A\",\"path\":\"metadata/name\"}],"
		    "\"nameSuffix\":[{\"kind\":\"A\",\"path\":\"metadata/name\"}]}", NULL},
		{0, CFG("PrefixTransformer") "prefix: p-\nfieldSpecs: []\n", "{\"namePrefix\":\"p-\"}", "{\"namePrefix\":[]}",
		    NULL},
		{0, CFG("SuffixTransformer") "suffix: -s\nfieldSpecs: []\n", "{\"nameSuffix\":\"-s\"}", "{\"nameSuffix\":[]}",
		    NULL},
		{0, CFG("ImageTagTransformer") "imageTag: {name: nginx, newTag: '2'}\n",
		    "{\"images\":[{\"name\":\"nginx\",\"newTag\":\"2\"}]}", "{}", NULL},
		{0, CFG("ReplicaCountTransformer") "replica: {name: web, count: 3}\nfieldSpecs: [{path: spec/n, kind: F}]\n",
		    "{\"replicas\":[{\"name\":\"web\",\"count\":3}]}", "{\"replicas\":[{\"kind\":\"F\",\"path\":\"spec/n\"}]}",
		    NULL},
		{0, CFG("PatchTransformer") "path: p.yaml\ntarget: {kind: Service}\noptions: {allowNameChange: true}\n",
		    "{\"patches\":[{\"target\":{\"kind\":\"Service\"},\"path\":\"p.yaml\",\"options\":{\"allowNameChange\":true}}]}",
		    "{}", NULL},
		{0, CFG("PatchStrategicMergeTransformer") "paths: [a.yaml, b.yaml]\npatches: 'kind: X'\n",
		    "{\"patchesStrategicMerge\":[\"a.yaml\",\"b.yaml\",\"kind: X\"]}", "{}", NULL},
		{0, CFG("ReplacementTransformer") "replacements:\n- path: r.yaml\n",
		    "{\"replacements\":[{\"path\":\"r.yaml\"}]}", "{}", NULL},
		{0, CFG("PatchJson6902Transformer") "target: {kind: D}\njsonOp: '[]'\nfieldSpecs: ignored\n",
		    "{\"patchesJson6902\":[{\"target\":{\"kind\":\"D\"},\"patch\":\"[]\"}]}", "{}", NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *cfg = one_doc(cases[i].yaml), *kdoc, *specs, *obj;

		assert_ok(pn_plugin_translate(cfg, cases[i].gen, &kdoc, &specs, &obj));
		expect_json(kdoc, cases[i].kdoc);
		expect_json(specs, cases[i].specs);
		expect_json(obj, cases[i].obj);
		cJSON_Delete(kdoc);
		cJSON_Delete(specs);
		cJSON_Delete(obj);
		cJSON_Delete(cfg);
	}
}

/* What is refused, in kustomize's words where it has them (kubectl kustomize v5.5.0). */
static void
test_refused(void **state)
{
	static const struct {
		int gen;
		const char *yaml;
		enum pn_err_code code;
		const char *want;
	} cases[] = {
		{0, "apiVersion: example.com/v1\nkind: MyPlugin\nmetadata:\n  name: x\n", PN_ERR_UNSUPPORTED,
		    "external plugins disabled; unable to load external plugin 'MyPlugin'"},
		{1, "apiVersion: someteam.example.com/v1\nkind: ChartInflator\nmetadata:\n  name: x\n", PN_ERR_UNSUPPORTED,
		    "unable to load external plugin 'ChartInflator'"},
		/* not a builtin plugin in kustomize: only the top-level sortOptions */
		{0, CFG("SortOrderTransformer"), PN_ERR_PARSE, "unable to load builtin SortOrderTransformer.builtin.[noGrp]"},
		{1, CFG("LabelTransformer"), PN_ERR_PARSE, "plugin LabelTransformer.builtin.[noGrp]/x.[noNs] not a generator"},
		{0, "apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: x\n  namespace: n\n", PN_ERR_PARSE,
		    "plugin ConfigMapGenerator.builtin.[noGrp]/x.n not a transformer"},
		{1, CFG("HelmChartInflationGenerator"), PN_ERR_UNSUPPORTED, "helm charts are not supported"},
		{0, CFG("HashTransformer"), PN_ERR_UNSUPPORTED, "builtin plugin HashTransformer"},
		{0, CFG("ValueAddTransformer"), PN_ERR_UNSUPPORTED, "builtin plugin ValueAddTransformer"},
		{1, CFG("IAMPolicyGenerator") "cloud: aws\n", PN_ERR_PARSE, "cloud provider aws not supported yet"},
		/* kustomize's Prefix/SuffixTransformer Config */
		{0, CFG("PrefixTransformer") "prefix: p-\n", PN_ERR_PARSE,
		    "plugin PrefixTransformer.builtin.[noGrp]/x.[noNs] fails configuration: fieldSpecs is not expected to be nil"},
		{0, CFG("PrefixSuffixTransformer") "suffix: -s\nfieldSpecs: ~\n", PN_ERR_PARSE,
		    "fieldSpecs is not expected to be nil"},
		{0, CFG("NamespaceTransformer") "unsetOnly: true\n", PN_ERR_UNSUPPORTED, "unsetOnly"},
		{0, CFG("NamespaceTransformer") "setRoleBindingSubjects: allServiceAccounts\n", PN_ERR_UNSUPPORTED,
		    "setRoleBindingSubjects other than defaultOnly"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *cfg = one_doc(cases[i].yaml), *kdoc, *specs, *obj;

		assert_error(pn_plugin_translate(cfg, cases[i].gen, &kdoc, &specs, &obj), cases[i].code, cases[i].want);
		assert_null(kdoc);
		assert_null(specs);
		assert_null(obj);
		cJSON_Delete(cfg);
	}
}

/* With buildMetadata, a config is its objects' origin: configured in its own file, or in the kustomization
 * when inline (kustomize's OriginFromCustomPlugin). */
static void
test_origin(void **state)
{
	static const struct {
		const char *yaml, *in;
		int item;
		const char *want;
	} cases[] = {
		{CFG("LabelTransformer") "  namespace: ns\n", "base/kustomization.yaml", 0,
		    "configuredIn: base/kustomization.yaml\nconfiguredBy:\n  apiVersion: builtin\n  kind: LabelTransformer\n"
		    "  name: x\n  namespace: ns\n"},
		{CFG("LabelTransformer") "  annotations:\n    config.kubernetes.io/origin: |\n      path: base/labels.yaml\n",
		    "base/kustomization.yaml", 1,
		    "- configuredIn: base/labels.yaml\n  configuredBy:\n    apiVersion: builtin\n    kind: LabelTransformer\n"
		    "    name: x\n"},
		/* an origin without a path: the kustomization's */
		{CFG("LabelTransformer") "  annotations:\n    config.kubernetes.io/origin: 'ref: v1'\n", "kustomization.yaml",
		    0, "configuredIn: kustomization.yaml\nconfiguredBy:\n  apiVersion: builtin\n  kind: LabelTransformer\n"
		    "  name: x\n"},
		/* no buildMetadata */
		{CFG("LabelTransformer"), NULL, 0, NULL},
	};
	struct pn_yaml_limits lim;

	(void)state;
	pn_yaml_limits_init(&lim);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *cfg = one_doc(cases[i].yaml);
		char unset[] = "unset", *out = unset;

		assert_ok(pn_plugin_origin(cfg, cases[i].in, cases[i].item, &lim, &out));
		if (cases[i].want == NULL)
			assert_null(out);
		else
			assert_string_equal(out, cases[i].want);
		free(out);
		cJSON_Delete(cfg);
	}
}

/* A generator config's objects from `from` on get it as their origin, unless they have one. */
static void
test_generated(void **state)
{
	cJSON *cfg = one_doc(CFG("ConfigMapGenerator") "literals: [a=b]\n");
	struct pn_resmap m = {0};
	struct pn_yaml_limits lim;

	(void)state;
	pn_yaml_limits_init(&lim);
	assert_ok(pn_resmap_add(&m, one_doc("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: before}\n"), NULL, 0));
	assert_ok(pn_resmap_add(&m, one_doc("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"), NULL, 0));
	assert_ok(pn_resmap_add(&m, one_doc("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: own\n"
	    "  annotations: {config.kubernetes.io/origin: 'path: own.yaml'}\n"), NULL, 0));
	assert_ok(pn_plugin_generated(cfg, NULL, &lim, &m, 1));	/* no buildMetadata */
	expect_json(m.v[1].obj, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"}}");
	assert_ok(pn_plugin_generated(cfg, "kustomization.yaml", &lim, &m, 1));
	expect_json(m.v[0].obj, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"before\"}}");
	expect_json(m.v[1].obj, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\","
	    "\"annotations\":{\"config.kubernetes.io/origin\":\"configuredIn: kustomization.yaml\\nconfiguredBy:\\n"
	    "  apiVersion: builtin\\n  kind: ConfigMapGenerator\\n  name: x\\n\"}}}");
	expect_json(m.v[2].obj, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"own\","
	    "\"annotations\":{\"config.kubernetes.io/origin\":\"path: own.yaml\"}}}");
	pn_resmap_release(&m);
	cJSON_Delete(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_translate),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_origin),
		cmocka_unit_test(test_generated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
