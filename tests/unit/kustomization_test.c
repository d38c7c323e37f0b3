#include "pn_test.h"

#include "../../agent/render/kustomization.h"
#include "../../agent/render/yaml.h"

/* Type errors as kustomize reports them (encoding/json through sigs.k8s.io/yaml, so YAML 1.1 booleans and
 * the first error in sorted key order); every expected message was produced by `kubectl kustomize` v5.5.0. */
static void
test_type_errors(void **state)
{
	static const struct {
		const char *yaml;
		const char *want;	/* NULL: accepted */
	} cases[] = {
		{"commonLabels:\n  a: yes\n", "cannot unmarshal bool into Go struct field Kustomization.commonLabels of type string"},
		{"commonAnnotations:\n  a: 1\n",
		    "cannot unmarshal number into Go struct field Kustomization.commonAnnotations of type string"},
		{"namePrefix: on\n", "cannot unmarshal bool into Go struct field Kustomization.namePrefix of type string"},
		{"labels:\n- pairs:\n    a: y\n", "cannot unmarshal bool into Go struct field Label.labels.pairs of type string"},
		{"configMapGenerator:\n- name: x\n  literals:\n  - on\n",
		    "cannot unmarshal bool into Go struct field ConfigMapArgs.configMapGenerator.literals of type string"},
		{"images:\n- name: nginx\n  newTag: 1.25\n",
		    "cannot unmarshal number into Go struct field Image.images.newTag of type string"},
		{"replicas:\n- name: a\n  count: yes\n",
		    "cannot unmarshal bool into Go struct field Replica.replicas.count of type int64"},
		{"generatorOptions: [a]\n",
		    "cannot unmarshal array into Go struct field Kustomization.generatorOptions of type types.GeneratorOptions"},
		{"labels: [1]\n", "cannot unmarshal number into Go struct field Kustomization.labels of type types.Label"},
		{"patches:\n- target:\n    name: yes\n  patch: x\n",
		    "cannot unmarshal bool into Go struct field Selector.patches.target.name of type string"},
		{"resources: x\n", "cannot unmarshal string into Go struct field Kustomization.resources of type []string"},
		{"generators: x\n", "cannot unmarshal string into Go struct field Kustomization.generators of type []string"},
		{"transformers:\n- {a: b}\n",
		    "cannot unmarshal object into Go struct field Kustomization.transformers of type string"},
		{"configMapGenerator:\n- name: x\n  options:\n    labels:\n      a: on\n",
		    "cannot unmarshal bool into Go struct field GeneratorOptions.configMapGenerator.options.labels of type string"},
		/* sorted key order: labels before secretGenerator although it comes later in the file */
		{"secretGenerator:\n- name: s\n  literals:\n  - a=b: c\nlabels:\n- pairs:\n    o: y\n",
		    "Label.labels.pairs"},
		/* YAML 1.1 booleans where kustomize wants them; quoted ones stay strings; null is anything */
		{"generatorOptions:\n  disableNameSuffixHash: yes\ncommonLabels:\n  a: 'yes'\n  b: \"1\"\nnamespace: ~\n", NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_yaml_limits lim;
		struct pn_yaml_docs docs;
		struct pn_kust k;
		const struct pn_error *err;

		pn_yaml_limits_init(&lim);
		lim.goyaml_v2 = 1;
		assert_ok(pn_yaml_parse("k.yaml", cases[i].yaml, strlen(cases[i].yaml), &lim, &docs));
		err = pn_kust_parse("k.yaml", docs.v[0].root, &k);
		if (cases[i].want == NULL) {
			if (err != NULL)
				fail_msg("case %zu: %s", i, err->msg);
			assert_true(cJSON_IsTrue(cJSON_GetObjectItem(k.gen_options, "disableNameSuffixHash")));
		} else if (err == NULL || err->code != PN_ERR_PARSE || strstr(err->msg, cases[i].want) == NULL ||
		    strncmp(err->msg, "k.yaml: invalid Kustomization: json: ", 37) != 0) {
			fail_msg("case %zu: want \"%s\", got %s", i, cases[i].want, err != NULL ? err->msg : "success");
		}
		pn_yaml_docs_release(&docs);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_errors),
	};
	return cmocka_run_group_tests_name("kustomization", tests, NULL, NULL);
}
