#include "pn_test.h"

#include <stdio.h>

#include "../../agent/core/buf.h"
#include "../../agent/render/vars.h"
#include "../../agent/render/yaml.h"

static void
assert_json(const cJSON *v, const char *want)
{
	struct pn_buf b;

	pn_buf_init(&b, 1 << 16, "test");
	assert_ok(pn_yaml_to_json(v, &b));
	assert_string_equal(pn_buf_str(&b), want);
	pn_buf_release(&b);
}

/* refvar.DoReplacements: checked against kubectl kustomize (Kustomize v5.5.0). */
static void
test_expand(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"$(PORT)", "8080"},			/* alone: the value keeps its type */
		{"$(ON)", "true"},
		{"$(F)", "1.25"},
		{"$(S)", "\"svc\""},
		{"x$(PORT)y", "\"x8080y\""},		/* inside a string: its text */
		{"$(ON)-$(F)-$(BIG)", "\"true-1.25-1.2345675e+06\""},	/* Go's %v of a float64 */
		{"$(SMALL)", "1e-7"},
		{"a$(SMALL)", "\"a1e-07\""},
		{"a$(TENTH)", "\"a0.0001\""},
		{"$$(PORT)", "\"$(PORT)\""},		/* "$$" is "$" */
		{"$$ $x $", "\"$ $x $\""},
		{"$(S", "\"$(S\""},			/* unclosed: kept */
		{"$( $(S)", "\"$( $(S)\""},		/* a name runs to the first ')': " $(S" is unknown */
		{"$(S) $(", "\"svc $(\""},
		{"$(NOPE)", "\"$(NOPE)\""},		/* unknown: kept */
		{"-$(NOPE)-$(S)", "\"-$(NOPE)-svc\""},
		{"$(MAP)", "\"$(MAP)\""},		/* not a scalar: kept */
		{"$()", "\"$()\""},
		{"$", "\"$\""},
		{"", "\"\""},
	};
	cJSON *values = one_doc("PORT: 8080\nON: true\nF: 1.25\nS: svc\nBIG: 1234567.5\nSMALL: 1e-7\nTENTH: 0.0001\n"
	    "MAP: {a: b}\n");

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		cJSON *out;

		assert_ok(pn_vars_expand(cases[k].in, values, &out));
		assert_json(out, cases[k].out);
		cJSON_Delete(out);
	}
	cJSON_Delete(values);
}

/* kyaml's GetFieldValue paths. */
static void
test_lookup(void **state)
{
	static const struct {
		const char *path, *want;	/* want NULL: no such field */
	} cases[] = {
		{"metadata.name", "\"d\""},
		{"spec.ports[1].port", "81"},
		{"spec.ports.0.port", "80"},
		{"spec.ports[0]", "{\"name\":\"http\",\"port\":80}"},
		{"spec.ports.[name=https].port", "81"},
		{"metadata.labels.[app.kubernetes.io/name]", "\"nm\""},
		{"metadata.labels.a\\.b", "\"dot\""},
		{".metadata.name", "\"d\""},
		{"spec.ports[2].port", NULL},
		{"spec.ports[-1].port", NULL},
		{"spec.ports.[name=ftp].port", NULL},
		{"metadata.nope", NULL},
		{"metadata.name.x", NULL},
	};
	cJSON *o = one_doc("metadata:\n  name: d\n  labels: {app.kubernetes.io/name: nm, a.b: dot}\n"
	    "spec:\n  ports: [{name: http, port: 80}, {name: https, port: 81}]\n");

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const cJSON *v = pn_vars_lookup(o, cases[k].path);

		if (cases[k].want == NULL) {
			if (v != NULL)
				fail_msg("%s: found a value", cases[k].path);
			continue;
		}
		if (v == NULL)
			fail_msg("%s: not found", cases[k].path);
		assert_json(v, cases[k].want);
	}
	cJSON_Delete(o);
}

#define SVC(name, ns) "apiVersion: v1\nkind: Service\nmetadata: {name: " name ", namespace: " ns "}\n" \
	"spec: {ports: [{port: 8080}]}\n"

static void
add(struct pn_resmap *m, const char *text)
{
	assert_ok(pn_resmap_add(m, one_doc(text), "t.yaml", 1));
}

/* Bind, resolve and expand: the value is the object's as it is at the end (its name renamed after binding). */
static void
test_resolve(void **state)
{
	struct pn_resmap m = {0};
	struct pn_vars set = {0};
	static const struct pn_fieldspec user[] = {{NULL, NULL, "ConfigMap", "data/x", 0}, {0}};
	cJSON *vars = one_doc("- {name: PORT, objref: {kind: Service, name: svc, apiVersion: v1}, fieldref: "
	    "{fieldPath: 'spec.ports[0].port'}}\n- {name: NAME, objref: {kind: Service, name: svc, version: v1}}\n");

	(void)state;
	add(&m, SVC("svc", "a"));
	add(&m, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, annotations: {p: $(PORT)}}\nspec:\n"
	    "  template:\n    spec:\n      containers:\n      - name: c\n        args: [$(PORT), '--svc=$(NAME)', $$(X)]\n"
	    "        env: [{name: A, value: $(PORT)}]\n        ports: [{containerPort: 1, name: $(NAME)}]\n");
	add(&m, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {x: $(NAME), y: $(NAME)}\n");
	assert_ok(pn_vars_merge(&set, &m, "k.yaml", vars));
	assert_ok(pn_res_set_meta(m.v[0].obj, "name", "p-svc"));
	assert_ok(pn_vars_resolve(&set, &m, user));
	assert_json(m.v[1].obj, "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\","
	    "\"annotations\":{\"p\":\"8080\"}},\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\","
	    "\"args\":[8080,\"--svc=p-svc\",\"$(X)\"],\"env\":[{\"name\":\"A\",\"value\":8080}],\"ports\":"
	    "[{\"containerPort\":1,\"name\":\"$(NAME)\"}]}]}}}}");
	assert_json(m.v[2].obj, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm\"},"
	    "\"data\":{\"x\":\"p-svc\",\"y\":\"$(NAME)\"}}");
	cJSON_Delete(vars);
	pn_vars_release(&set);
	pn_resmap_release(&m);
}

/* The errors, in kustomize's words. */
static void
test_errors(void **state)
{
	static const struct {
		const char *vars, *vars2, *needle;
	} cases[] = {
		/* a name declared twice: in one list, or again later (an overlay, a sibling) */
		{"[{name: A, objref: {kind: Service, name: svc, apiVersion: v1, namespace: a}}, {name: A, objref: {kind: Pod, "
		    "name: p}}]", NULL, "k.yaml: merging vars: var 'A' already encountered"},
		{"[{name: A, objref: {kind: Service, name: svc, apiVersion: v1, namespace: a}}]",
		    "[{name: A, objref: {kind: Pod, name: p}}]", "o.yaml: merging vars: var 'A' already encountered"},
		/* two objects match: the namespace tells them apart, or nothing does */
		{"[{name: A, objref: {kind: Service, name: svc, apiVersion: v1}, fieldref: {fieldpath: metadata.name}}]", NULL,
		    "k.yaml: merging vars: found 2 resId matches for var {A Service.v1.[noGrp] {metadata.name}} (unable to "
		    "disambiguate)"},
		{"[{name: A, objref: {kind: Service, name: svc, apiVersion: v1, namespace: c}}]", NULL,
		    "var '{A Service.v1.[noGrp] {metadata.name}}' cannot be mapped to a field in the set of known resources"},
		{"[{name: A, objref: {kind: Service, name: svc, apiVersion: v1, namespace: b}, fieldref: {fieldpath: spec.x}}]",
		    NULL, "field specified in var '{A Service.v1.[noGrp] {spec.x}}' not found in corresponding resource"},
		/* objref's version must be the object's: none is no match */
		{"[{name: A, objref: {kind: Service, name: svc, namespace: b}}]", NULL,
		    "var '{A Service.[noVer].[noGrp] {metadata.name}}' cannot be mapped"},
		/* a list at a varReference field holds strings only */
		{"[{name: A, objref: {kind: Service, name: svc, apiVersion: v1, namespace: b}}]", NULL,
		    "considering field 'spec/containers/args' of object Pod.v1.[noGrp]/p.[noNs]: visit traversal on path: "
		    "[args]: invalid value type expect a string"},
	};

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct pn_resmap m = {0};
		struct pn_vars set = {0};
		const struct pn_error *err;
		cJSON *v1 = one_doc(cases[k].vars), *v2 = cases[k].vars2 != NULL ? one_doc(cases[k].vars2) : NULL;

		add(&m, SVC("svc", "a"));
		add(&m, SVC("svc", "b"));
		add(&m, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, args: [a, 1]}]}\n");
		if ((err = pn_vars_merge(&set, &m, "k.yaml", v1)) == NULL && (err = pn_vars_merge(&set, &m, "o.yaml", v2))
		    == NULL)
			err = pn_vars_resolve(&set, &m, NULL);
		assert_error(err, PN_ERR_PARSE, cases[k].needle);
		cJSON_Delete(v1);
		cJSON_Delete(v2);
		pn_vars_release(&set);
		pn_resmap_release(&m);
	}
}

/* Nothing declared: nothing is expanded, not even "$$". */
static void
test_no_vars(void **state)
{
	struct pn_resmap m = {0};
	struct pn_vars set = {0};

	(void)state;
	add(&m, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, labels: {a: $$}}\n");
	assert_ok(pn_vars_merge(&set, &m, "k.yaml", NULL));
	assert_ok(pn_vars_resolve(&set, &m, NULL));
	assert_json(m.v[0].obj, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm\","
	    "\"labels\":{\"a\":\"$$\"}}}");
	pn_resmap_release(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_no_vars),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
