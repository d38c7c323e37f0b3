#include "pn_test.h"

#include <stdio.h>

#include "../../agent/render/replace.h"

/* Objects of the tests, one YAML stream. */
static const char objects[] =
    "apiVersion: v1\n"
    "kind: ConfigMap\n"
    "metadata: {name: src, labels: {role: source}}\n"
    "data: {num: \"8080\", str: hello, path: a/b/c, dotted.key: dk, empty: \"\"}\n"
    "spec: {port: 80, flag: true, m: {a: 1}, l: [1, 2], none: null, emptymap: {}}\n"
    "---\n"
    "apiVersion: apps/v1\n"
    "kind: Deployment\n"
    "metadata: {name: dep, labels: {app: x}}\n"
    "spec:\n"
    "  replicas: 1\n"
    "  template:\n"
    "    spec:\n"
    "      containers:\n"
    "      - name: c1\n"
    "        image: nginx:1.0\n"
    "        args: [-jar, foo]\n"
    "        env: [{name: A, value: \"1\"}]\n"
    "      - name: c2\n"
    "        image: redis:2\n"
    "---\n"
    "apiVersion: apps/v1\n"
    "kind: Deployment\n"
    "metadata: {name: other, namespace: ns}\n"
    "spec: {replicas: 2}\n";

/* The file a `path:` entry names, served by io. */
static const char *file_text;

static const struct pn_error *
read_file(void *ctx, const char *rel, struct pn_buf *out)
{
	(void)ctx;
	if (file_text == NULL || strcmp(rel, "r.yaml") != 0)
		return pn_error_fmt(PN_ERR_NOT_FOUND, "%s does not exist", rel);
	return pn_buf_addstr(out, file_text);
}

/* Run the replacements YAML `repl` over the objects; *out gets the compact JSON of object `which` (the
 * caller frees it), or NULL on error. */
static const struct pn_error *
run(const char *repl, size_t which, char **out)
{
	struct pn_gen_io io = {read_file, NULL, 1 << 20, NULL};
	struct pn_yaml_docs docs = {0}, rdocs = {0};
	struct pn_yaml_limits lim;
	struct pn_resmap m = {0};
	const struct pn_error *err;
	cJSON *list = NULL;

	*out = NULL;
	pn_yaml_limits_init(&lim);
	assert_ok(pn_yaml_parse("objects.yaml", objects, strlen(objects), &lim, &docs));
	for (size_t k = 0; k < docs.n; k++) {
		assert_ok(pn_resmap_add(&m, docs.v[k].root, "objects.yaml", k));
		docs.v[k].root = NULL;
	}
	lim.goyaml_v2 = 1;
	assert_ok(pn_yaml_parse("kustomization.yaml", repl, strlen(repl), &lim, &rdocs));
	if ((err = pn_replace_prepare(&io, &lim, "kustomization.yaml", rdocs.v[0].root, &list)) == NULL &&
	    (err = pn_replace_run(&m, list)) == NULL)
		assert_non_null(*out = cJSON_PrintUnformatted(m.v[which].obj));
	cJSON_Delete(list);
	pn_yaml_docs_release(&rdocs);
	pn_yaml_docs_release(&docs);
	pn_resmap_release(&m);
	return err;
}

/* Run and check that object `which` contains `want` (a piece of its compact JSON). */
static void
expect(const char *repl, size_t which, const char *want)
{
	char *got = NULL;

	assert_ok(run(repl, which, &got));
	if (strstr(got, want) == NULL)
		fail_msg("expected %s in %s", want, got);
	free(got);
}

static void
expect_error(const char *repl, const char *msg)
{
	char *got = NULL;

	assert_error(run(repl, 0, &got), PN_ERR_PARSE, msg);
	assert_null(got);
}

#define SRC(fp) "- source: {kind: ConfigMap, fieldPath: '" fp "'}\n"
#define DEP(fps) "  targets: [{select: {kind: Deployment, name: dep}, fieldPaths: [" fps "]}]\n"
#define DEP_CREATE(fps) "  targets: [{select: {kind: Deployment, name: dep}, fieldPaths: [" fps "], " \
	"options: {create: true}}]\n"

/* kyaml's path syntax: dots, [a.b] and \. for keys with dots, list entries, indexes, "-", wildcards. */
static void
test_paths(void **state)
{
	(void)state;
	expect(SRC("data.[dotted.key]") DEP("'spec.template.spec.containers.1.image'"), 1,
	    "{\"name\":\"c2\",\"image\":\"dk\"}");
	expect(SRC("data.dotted\\.key") DEP("'spec.template.spec.containers.[name=c2].image'"), 1,
	    "{\"name\":\"c2\",\"image\":\"dk\"}");
	expect("- source: {kind: Deployment, name: dep, fieldPath: spec.template.spec.containers.-.image}\n"
	    DEP("spec.template.spec.containers.0.image"), 1, "\"image\":\"redis:2\"");
	expect("- source: {kind: Deployment, name: dep, fieldPath: '.spec.template.spec.containers.[name=c2].name'}\n"
	    DEP("'spec.template.spec.containers.*.env.[name=A].value'"), 1, "\"env\":[{\"name\":\"A\",\"value\":\"c2\"}]");
	/* [field=re] in a target is an unanchored regular expression; [=re] matches list values */
	expect(SRC("data.str") DEP("'spec.template.spec.containers.[name=2].image', "
	    "'spec.template.spec.containers.0.args.[=^-j]'"), 1, "\"args\":[\"hello\",\"foo\"]");
	expect(SRC("data.str") DEP("'spec.template.spec.containers.*.image'"), 1,
	    "\"image\":\"hello\",\"args\"");
	/* the source's [k=v] is an exact value */
	expect_error("- source: {kind: Deployment, name: dep, fieldPath: 'spec.template.spec.containers.[name=c].image'}\n"
	    DEP("spec.x"), "fieldPath `spec.template.spec.containers.[name=c].image` is missing for replacement source "
	    "Deployment.[noVer].[noGrp]/dep.[noNs]");
	expect_error(SRC("spec.l.*") DEP("spec.x"),
	    "error looking up replacement source: wildcard is not supported in PathGetter");
	expect_error(SRC("spec.l.-1") DEP("spec.x"),
	    "error looking up replacement source: array index -1 cannot be negative");
	expect_error(SRC("data.str.x") DEP("spec.x"),
	    "error looking up replacement source: wrong node kind: expected MappingNode but got ScalarNode");
	expect_error(SRC("data.str") DEP("'spec.template.spec.containers.[image]'"),
	    "unable to find field \"spec.template.spec.containers.[image]\" in replacement target: list path element "
	    "must contain fieldName=fieldValue for element to match");
	expect_error(SRC("data.str") DEP("'spec.template.spec.containers.-1.image'"),
	    "in replacement target: wrong node kind: expected MappingNode but got SequenceNode");
}

/* A scalar target keeps its type; a mapping or list (or a target given one) takes the value whole. */
static void
test_types(void **state)
{
	(void)state;
	expect(SRC("spec.port") DEP("spec.template.spec.containers.0.env.0.value"), 1, "\"value\":\"80\"");
	expect(SRC("data.num") DEP("spec.replicas"), 1, "\"replicas\":8080");
	expect(SRC("spec.m") DEP("spec.template.spec.containers.0.env"), 1, "\"env\":{\"a\":1}");
	expect(SRC("spec.m") DEP("spec.template.spec.containers.0.image"), 1, "\"image\":\"\"");
	expect(SRC("spec.flag") DEP("spec.template.spec.containers.0.image"), 1, "\"image\":\"true\"");
	expect_error(SRC("data.str") DEP("spec.replicas"),
	    "map[string]interface {}(nil): yaml: cannot decode !!str `hello` as a !!int");
	expect_error(SRC("spec.port") DEP("spec.flag"), "unable to find field \"spec.flag\" in replacement target");
	/* null, empty mappings and lists are missing; an empty string is a value */
	expect_error(SRC("spec.none") DEP("spec.x"), "fieldPath `spec.none` is missing for replacement source");
	expect_error(SRC("spec.emptymap") DEP("spec.x"), "fieldPath `spec.emptymap` is missing");
	expect(SRC("data.empty") DEP("spec.template.spec.containers.0.image"), 1, "\"image\":\"\"");
}

static void
test_delimiter(void **state)
{
	(void)state;
	expect("- source: {kind: ConfigMap, fieldPath: data.path, options: {delimiter: /, index: 1}}\n"
	    "  targets: [{select: {name: dep}, fieldPaths: [spec.template.spec.containers.0.image], "
	    "options: {delimiter: ':', index: 1}}]\n", 1, "\"image\":\"nginx:b\"");
	expect(SRC("data.str") "  targets: [{select: {name: dep}, fieldPaths: [spec.template.spec.containers.0.image], "
	    "options: {delimiter: ':', index: -1}}]\n", 1, "\"image\":\"hello:nginx:1.0\"");
	expect(SRC("data.str") "  targets: [{select: {name: dep}, fieldPaths: [spec.template.spec.containers.0.image], "
	    "options: {delimiter: ':', index: 9}}]\n", 1, "\"image\":\"nginx:1.0:hello\"");
	/* a number target stays a number; a created field reads as plain YAML */
	expect("- source: {kind: ConfigMap, fieldPath: spec.port, options: {delimiter: '8'}}\n"
	    "  targets: [{select: {name: dep}, fieldPaths: [spec.replicas, spec.x], "
	    "options: {delimiter: '0', index: 1, create: true}}]\n", 1, "\"replicas\":10,");
	expect_error("- source: {kind: ConfigMap, fieldPath: data.path, options: {delimiter: /, index: 3}}\n"
	    DEP("spec.x"), "options.index 3 is out of bounds for value a/b/c");
	expect_error("- source: {kind: ConfigMap, fieldPath: data.path, options: {delimiter: /, index: -1}}\n"
	    DEP("spec.x"), "options.index -1 is out of bounds for value a/b/c");
	expect_error("- source: {kind: ConfigMap, fieldPath: spec.m, options: {delimiter: /}}\n" DEP("spec.x"),
	    "delimiter option can only be used with scalar nodes");
	expect_error(SRC("data.str") "  targets: [{select: {name: dep}, fieldPaths: [spec.template], "
	    "options: {delimiter: ':'}}]\n", "delimiter option can only be used with scalar nodes");
}

static void
test_create(void **state)
{
	(void)state;
	expect(SRC("data.num") DEP_CREATE("spec.new.x"), 1, "\"new\":{\"x\":8080}");
	expect(SRC("data.empty") DEP_CREATE("spec.new.x"), 1, "\"new\":{\"x\":null}");
	expect(SRC("data.str") DEP_CREATE("'spec.template.spec.containers.[name=c3].image'"), 1,
	    "{\"name\":\"c3\",\"image\":\"hello\"}]");
	expect(SRC("data.str") DEP_CREATE("'spec.template.spec.volumes.[name=v].x'"), 1,
	    "\"volumes\":[{\"name\":\"v\",\"x\":\"hello\"}]");
	expect(SRC("data.str") DEP_CREATE("'spec.template.spec.containers.2.name'"), 1, ",{\"name\":\"hello\"}]");
	expect(SRC("spec.l") DEP_CREATE("spec.list"), 1, "\"list\":[1,2]");
	expect_error(SRC("data.str") DEP_CREATE("spec.template.spec.containers.5.image"),
	    "unable to find or create field \"spec.template.spec.containers.5.image\" in replacement target: index 5 "
	    "specified but only 2 elements found");
	expect_error(SRC("data.str") DEP("spec.template.spec.containers.5.image"),
	    "unable to find field \"spec.template.spec.containers.5.image\" in replacement target: index 5 "
	    "specified but only 2 elements found");
	expect_error(SRC("data.str") DEP("spec.template.spec.foo.image"),
	    "unable to find field \"spec.template.spec.foo.image\" in replacement target");
}

/* Selection: ids (current or earlier), labels, rejects; the source must be exactly one object. */
static void
test_select(void **state)
{
	(void)state;
	/* other (in ns) is rejected: its missing path is no error */
	expect(SRC("data.str") "  targets: [{select: {kind: Deployment}, reject: [{namespace: ns}], "
	    "fieldPaths: [spec.template.spec.containers.0.image]}]\n", 1, "\"image\":\"hello\"");
	expect(SRC("data.num") "  targets: [{select: {kind: Deployment}, reject: [{labelSelector: app=x}], "
	    "fieldPaths: [spec.replicas]}]\n", 2, "\"replicas\":8080");
	expect(SRC("data.num") "  targets: [{select: {kind: Deployment}, reject: [{labelSelector: app=x}], "
	    "fieldPaths: [spec.replicas]}]\n", 1, "\"replicas\":1,");
	expect(SRC("data.num") "  targets: [{select: {labelSelector: app=x}, fieldPaths: [spec.replicas]}]\n", 2,
	    "\"replicas\":2");
	expect(SRC("data.num") "  targets: [{select: {namespace: ns}, fieldPaths: [spec.replicas]}]\n", 2,
	    "\"replicas\":8080");
	expect_error("- source: {version: v1}\n" DEP("spec.x"),
	    "multiple matches for selector [noKind].v1.[noGrp]/[noName].[noNs]");
	expect_error("- source: {kind: Foo, fieldPath: a.b, options: {delimiter: /, index: 2}}\n" DEP("spec.x"),
	    "nothing selected by Foo.[noVer].[noGrp]/[noName].[noNs]:a.b:/(2), create=false");
	expect_error("- source: {kind: ConfigMap, fieldPath: data.nope}\n" DEP("spec.x"),
	    "fieldPath `data.nope` is missing for replacement source ConfigMap.[noVer].[noGrp]/[noName].[noNs]");
	expect_error("- source: {kind: ConfigMap}\n", "replacements must specify a source and at least one target");
	expect_error("- source: {kind: ConfigMap}\n  targets: []\n",
	    "replacements must specify a source and at least one target");
	expect_error(SRC("data.str") "  targets: [{fieldPaths: [spec.x]}]\n", "target must specify resources to select");
}

/* `path:` entries: a file with one replacement or a list; not both path and inline. */
static void
test_files(void **state)
{
	(void)state;
	file_text = "source: {kind: ConfigMap, fieldPath: data.num}\n"
	    "targets: [{select: {name: dep}, fieldPaths: [spec.replicas]}]\n";
	expect("- path: r.yaml\n", 1, "\"replicas\":8080");
	file_text = "- source: {kind: ConfigMap, fieldPath: data.num}\n"
	    "  targets: [{select: {name: dep}, fieldPaths: [spec.replicas]}]\n"
	    "- source: {kind: ConfigMap, fieldPath: data.str}\n"
	    "  targets: [{select: {name: dep}, fieldPaths: [spec.template.spec.containers.0.name]}]\n";
	expect("- path: r.yaml\n", 1, "\"replicas\":8080,\"template\":{\"spec\":{\"containers\":[{\"name\":\"hello\"");
	file_text = "42\n";
	expect_error("- path: r.yaml\n", "kustomization.yaml: trouble configuring builtin ReplacementTransformer: "
	    "unsupported replacement type encountered within replacement path: float64");
	file_text = "# nothing\n";
	expect_error("- path: r.yaml\n", "unsupported replacement type encountered within replacement path: invalid");
	file_text = "source: {kind: [x]}\n";
	expect_error("- path: r.yaml\n", "r.yaml: invalid Kustomization: json: cannot unmarshal array into Go struct "
	    "field SourceSelector.replacements.source.kind of type string");
	expect_error("- path: r.yaml\n  source: {kind: ConfigMap}\n", "cannot specify both path and inline replacement");
	file_text = NULL;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_delimiter),
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
