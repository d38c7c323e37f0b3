/*
 * The build's OpenAPI schema (openapi.h) and what strategic merge patches make of it. The expected merges are
 * what `kubectl kustomize` (kustomize v5.5.0) printed for the same schema, objects and patches, in the orders
 * of events described in openapi.h (tests/conformance has the corpus cases).
 */
#include "pn_test.h"

#include <stdio.h>

#include "../../agent/render/openapi.h"
#include "../../agent/render/smp.h"
#include "../../agent/render/yaml.h"

/* MyCRD (example.com/v1alpha1 and plain v1alpha1) whose template is the built-in PodTemplateSpec by name, with
 * lists merged by two keys and by one; PodSpec redefined with containers that do not merge. */
static const char schema[] =
    "definitions:\n"
    "  v1alpha1.MyCRD:\n"
    "    description: dropped on load\n"
    "    x-kubernetes-group-version-kind:\n"
    "    - {group: example.com, kind: MyCRD, version: v1alpha1}\n"
    "    - {group: '', kind: MyCRD, version: v1alpha1}\n"
    "    properties:\n"
    "      spec:\n"
    "        properties:\n"
    "          template: {$ref: '#/definitions/io.k8s.api.core.v1.PodTemplateSpec'}\n"
    "          ports:\n"
    "            type: array\n"
    "            items: {type: object}\n"
    "            x-kubernetes-patch-strategy: retainKeys,merge\n"
    "            x-kubernetes-patch-merge-key: port\n"
    "            x-kubernetes-list-map-keys: [port, protocol]\n"
    "          hosts: {type: array, x-kubernetes-patch-strategy: merge}\n"
    "          loop: {$ref: '#/definitions/loop'}\n"
    "  loop: {$ref: '#/definitions/loop'}\n"
    "  io.k8s.api.core.v1.PodSpec:\n"
    "    properties:\n"
    "      containers: {type: array, items: {type: object}}\n";

static const char deployment[] = "{apiVersion: apps/v1, kind: Deployment, metadata: {name: d}, spec: {template: "
    "{spec: {containers: [{name: a, image: a}, {name: b, image: b}]}}}}";
static const char deployment_patch[] = "{apiVersion: apps/v1, kind: Deployment, metadata: {name: d}, spec: "
    "{template: {spec: {containers: [{name: a, image: z}]}}}}";
static const char mycrd[] = "{apiVersion: example.com/v1alpha1, kind: MyCRD, metadata: {name: m}, spec: {"
    "template: {spec: {containers: [{name: a, image: a}, {name: b, image: b}]}}, "
    "ports: [{port: 1, protocol: TCP, x: 1}, {port: 1, protocol: UDP}], hosts: [h1, h2], loop: [1]}}";
static const char mycrd_patch[] = "{apiVersion: example.com/v1alpha1, kind: MyCRD, metadata: {name: m}, spec: {"
    "template: {spec: {containers: [{name: a, image: z}]}}, ports: [{port: 1, protocol: TCP, x: 2}], "
    "hosts: [h3], loop: [2]}}";

static void
set_schema(struct pn_openapi *o, const char *text)
{
	cJSON *field = one_doc("{path: s.json}");

	assert_ok(pn_openapi_set(o, "k.yaml", field, "s.json", text, strlen(text)));
	cJSON_Delete(field);
}

/* Patch `target` with `patch` and print the field at `path` (a.b.c) of the result, compact. */
static char *
patched(struct pn_openapi *o, const char *target, const char *patch, const char *path)
{
	cJSON *t = one_doc(target), *p = one_doc(patch);
	const cJSON *at = t;
	char buf[64], *out, *dot;

	assert_ok(pn_smp_apply(t, p, "patch.yaml", o));
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *s = buf; s != NULL; s = dot != NULL ? dot + 1 : NULL) {
		if ((dot = strchr(s, '.')) != NULL)
			*dot = '\0';
		at = cJSON_GetObjectItemCaseSensitive(at, s);
		assert_non_null(at);
	}
	out = cJSON_PrintUnformatted(at);
	cJSON_Delete(t);
	cJSON_Delete(p);
	return out;
}

static void
expect(struct pn_openapi *o, const char *target, const char *patch, const char *path, const char *want)
{
	char *got = patched(o, target, patch, path);

	if (strcmp(got, want) != 0)
		fail_msg("%s: got %s, want %s", path, got, want);
	free(got);
}

#define CONTAINERS "spec.template.spec.containers"
#define MERGED "[{\"name\":\"a\",\"image\":\"z\"},{\"name\":\"b\",\"image\":\"b\"}]"
#define REPLACED "[{\"name\":\"a\",\"image\":\"z\"}]"

/* The schema is chosen before anything needed one (kustomize's top-level openapi): it is all there is. A
 * Deployment's containers are replaced, MyCRD's template names a definition nobody has. */
static void
test_custom_alone(void **state)
{
	struct pn_openapi o = {0};
	cJSON *obj = one_doc(mycrd);

	(void)state;
	set_schema(&o, schema);
	pn_openapi_saw(&o, obj);	/* a kind the built-in table does not know: the custom schema is parsed */
	expect(&o, deployment, deployment_patch, CONTAINERS, REPLACED);
	expect(&o, mycrd, mycrd_patch, CONTAINERS, REPLACED);
	/* two merge keys (x-kubernetes-list-map-keys wins), "retainKeys,merge" is a merge */
	expect(&o, mycrd, mycrd_patch, "spec.ports",
	    "[{\"port\":1,\"protocol\":\"TCP\",\"x\":2},{\"port\":1,\"protocol\":\"UDP\"}]");
	expect(&o, mycrd, mycrd_patch, "spec.hosts", "[\"h3\",\"h1\",\"h2\"]");
	expect(&o, mycrd, mycrd_patch, "spec.loop", "[2]");	/* a cycle of $refs: no schema */
	pn_openapi_release(&o);
	cJSON_Delete(obj);
}

/* An object of an unknown kind was read before the custom schema came (kustomize flags its built-in schema):
 * the built-in definitions are added after the custom ones and win. */
static void
test_builtin_flagged_first(void **state)
{
	struct pn_openapi o = {0};
	cJSON *obj = one_doc("{apiVersion: x/v1, kind: Foo, metadata: {name: f}}");

	(void)state;
	pn_openapi_saw(&o, obj);
	set_schema(&o, schema);
	expect(&o, deployment, deployment_patch, CONTAINERS, MERGED);
	expect(&o, mycrd, mycrd_patch, CONTAINERS, MERGED);
	/* plain v1alpha1: the definition's second group-version-kind */
	expect(&o, "{apiVersion: v1alpha1, kind: MyCRD, metadata: {name: m}, spec: {hosts: [h1]}}",
	    "{apiVersion: v1alpha1, kind: MyCRD, metadata: {name: m}, spec: {hosts: [h2]}}", "spec.hosts",
	    "[\"h2\",\"h1\"]");
	pn_openapi_release(&o);
	cJSON_Delete(obj);
}

/* A patch ran before the custom schema came: the built-in definitions were parsed, the custom ones are added
 * over them and win (its PodSpec's containers do not merge). */
static void
test_builtin_parsed_first(void **state)
{
	struct pn_openapi o = {0};

	(void)state;
	expect(&o, deployment, deployment_patch, CONTAINERS, MERGED);
	set_schema(&o, schema);
	expect(&o, deployment, deployment_patch, CONTAINERS, REPLACED);
	expect(&o, mycrd, mycrd_patch, CONTAINERS, REPLACED);
	expect(&o, "{apiVersion: v1, kind: Service, metadata: {name: s}, spec: {ports: [{port: 1}, {port: 2}]}}",
	    "{apiVersion: v1, kind: Service, metadata: {name: s}, spec: {ports: [{port: 2, name: x}]}}",
	    "spec.ports", "[{\"port\":2,\"name\":\"x\"},{\"port\":1}]");
	pn_openapi_release(&o);
}

/* The first kustomization to name a schema chooses it; later ones are not even parsed. */
static void
test_first_choice_wins(void **state)
{
	struct pn_openapi o = {0};
	cJSON *version = one_doc("{version: v1.21.2}");

	(void)state;
	assert_ok(pn_openapi_set(&o, "overlay/k.yaml", version, NULL, NULL, 0));
	set_schema(&o, "not: [a schema");
	assert_null(o.custom);
	expect(&o, mycrd, mycrd_patch, CONTAINERS, REPLACED);
	expect(&o, deployment, deployment_patch, CONTAINERS, MERGED);
	pn_openapi_release(&o);
	cJSON_Delete(version);
}

static void
test_set_errors(void **state)
{
	static const struct {
		const char *field, *text, *msg;
	} cases[] = {
		{"{version: v1.14.1}", NULL, "k.yaml: openapi: the specified OpenAPI version is not built in (v1.14.1"},
		{"{version: v1.21.2, path: s.json}", "{}", "k.yaml: openapi: builtin version and custom schema "
		    "provided, cannot use both"},
		{"{path: s.json}", "{\"definitions\": [1,", "invalid schema file: s.json:"},
		{"{path: s.json}", "[1]", "s.json: invalid schema file: it must be one mapping whose definitions "
		    "are a mapping"},
		{"{path: s.json}", "definitions: [1]", "s.json: invalid schema file"},
		{"{path: s.json}", "definitions: {a: {properties: {l: {x-kubernetes-patch-strategy: merge, "
		    "x-kubernetes-list-map-keys: [a, b, c, d, e]}}}}", "s.json: definition a: merge keys must be at "
		    "most 4 names"},
		{"{path: s.json}", "definitions: {a: {properties: {l: {x-kubernetes-patch-strategy: merge, "
		    "x-kubernetes-patch-merge-key: 'a,b'}}}}", "s.json: definition a: merge keys"},
		{"{path: s.json}", "definitions: {a: {properties: {l: {x-kubernetes-patch-strategy: merge, "
		    "x-kubernetes-patch-merge-key: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}}}}", "merge keys"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_openapi o = {0};
		cJSON *field = one_doc(cases[i].field);
		const char *text = cases[i].text;

		print_message("case %zu\n", i);
		assert_error(pn_openapi_set(&o, "k.yaml", field, text != NULL ? "s.json" : NULL, text,
		    text != NULL ? strlen(text) : 0), PN_ERR_PARSE, cases[i].msg);
		pn_openapi_release(&o);
		cJSON_Delete(field);
	}
}

/* The member pinion writes the checked merge keys into cannot be smuggled in by the file. */
static void
test_keys_member_not_taken(void **state)
{
	struct pn_openapi o = {0};

	(void)state;
	set_schema(&o, "definitions: {a: {x-kubernetes-group-version-kind: [{group: x, version: v1, kind: A}], "
	    "properties: {l: {type: array, x-pinion-merge-keys: 'a,b,c,d,e,f,g,h,i,j,k,l,m'}}}}");
	expect(&o, "{apiVersion: x/v1, kind: A, metadata: {name: a}, l: [{a: 1}, {a: 2}]}",
	    "{apiVersion: x/v1, kind: A, metadata: {name: a}, l: [{a: 3}]}", "l", "[{\"a\":3}]");
	pn_openapi_release(&o);
}

/* An empty version chooses nothing (kyaml's SetSchema); a schema without definitions is no error. */
static void
test_nothing_chosen(void **state)
{
	struct pn_openapi o = {0};
	cJSON *field = one_doc("{version: ''}");

	(void)state;
	assert_ok(pn_openapi_set(&o, "k.yaml", field, NULL, NULL, 0));
	assert_int_equal(o.chosen, 0);
	set_schema(&o, "{\"swagger\": \"2.0\"}");
	assert_int_equal(o.chosen, 1);
	expect(&o, mycrd, mycrd_patch, "spec.hosts", "[\"h3\"]");
	pn_openapi_release(&o);
	cJSON_Delete(field);
}

/* crds: a kind's properties through $ref give field specs, as kustomize's loadconfigfromcrds.go. */
static void
test_crd_config(void **state)
{
	cJSON *crd = one_doc("{"
	    "'x/v1.Bee': {Schema: {properties: {apiVersion: {}, kind: {}, metadata: {}, spec: {$ref: 'x/v1.BeeSpec'}}}},"
	    "'x/v1.BeeSpec': {Schema: {properties: {"
	    "  secretRef: {x-kubernetes-object-ref-api-version: v1, x-kubernetes-object-ref-kind: Secret},"
	    "  beeRef: {x-kubernetes-object-ref-api-version: v1, x-kubernetes-object-ref-kind: Bee,"
	    "    x-kubernetes-object-ref-name-key: id, $ref: 'x/v1.Ref'},"
	    "  note: {x-kubernetes-annotation: ''}, sel: {x-kubernetes-label-selector: ''}}}},"
	    "'x/v1.Ref': {Schema: {properties: {id: {x-kubernetes-identity: ''}}}},"
	    "'x/v1.NotAKind': {Schema: {properties: {kind: {}, s: {x-kubernetes-annotation: ''}}}}}");
	cJSON *out = NULL;
	char *got;

	(void)state;
	assert_ok(pn_openapi_crd_config("crd.yaml", crd, &out));
	got = cJSON_PrintUnformatted(out);
	assert_string_equal(got, "{\"nameReference\":["
	    "{\"kind\":\"Secret\",\"version\":\"v1\",\"fieldSpecs\":[{\"kind\":\"Bee\",\"path\":\"spec/secretRef/name\"}]},"
	    "{\"kind\":\"Bee\",\"version\":\"v1\",\"fieldSpecs\":[{\"kind\":\"Bee\",\"path\":\"spec/beeRef/id\"}]}],"
	    "\"namePrefix\":[{\"kind\":\"Bee\",\"path\":\"spec/beeRef/id\"}],"
	    "\"commonAnnotations\":[{\"kind\":\"Bee\",\"path\":\"spec/note\"}],"
	    "\"commonLabels\":[{\"kind\":\"Bee\",\"path\":\"spec/sel\"}]}");
	free(got);
	cJSON_Delete(out);
	cJSON_Delete(crd);
}

/* A type that refers to itself is refused, not followed forever; a file that is not a map is an error. */
static void
test_crd_errors(void **state)
{
	cJSON *crd = one_doc("{'x/v1.Loop': {Schema: {properties: {apiVersion: {}, kind: {}, metadata: {}, "
	    "l: {$ref: 'x/v1.Loop'}}}}}"), *list = one_doc("[1]"), *out = NULL;

	(void)state;
	assert_error(pn_openapi_crd_config("crd.yaml", crd, &out), PN_ERR_TOO_LARGE,
	    "crd.yaml: type x/v1.Loop: references nest deeper than");
	cJSON_Delete(out);
	assert_error(pn_openapi_crd_config("crd.yaml", list, &out), PN_ERR_PARSE,
	    "unable to parse open API definition from 'crd.yaml'");
	cJSON_Delete(out);
	cJSON_Delete(crd);
	cJSON_Delete(list);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_custom_alone),
		cmocka_unit_test(test_builtin_flagged_first),
		cmocka_unit_test(test_builtin_parsed_first),
		cmocka_unit_test(test_first_choice_wins),
		cmocka_unit_test(test_set_errors),
		cmocka_unit_test(test_nothing_chosen),
		cmocka_unit_test(test_keys_member_not_taken),
		cmocka_unit_test(test_crd_config),
		cmocka_unit_test(test_crd_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
