/*
 * discovery without the network: APIResourceList and APIGroupList documents as k3s serves them (subresources
 * skipped, CRD lists), malformed documents, and object paths built from a mapping.
 */
#include "pn_test.h"

#include <stdio.h>

#include "../../agent/apply/discovery.h"

/* a string literal and its length */
#define DOC(s) (s), strlen(s)

/* Shapes from kube-api.md §1 (trimmed verbs). */
static const char core_v1[] =
    "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":\"v1\",\"resources\":["
    "{\"name\":\"configmaps\",\"singularName\":\"configmap\",\"namespaced\":true,\"kind\":\"ConfigMap\","
    "\"verbs\":[\"get\",\"patch\"],\"shortNames\":[\"cm\"]},"
    "{\"name\":\"namespaces\",\"singularName\":\"namespace\",\"namespaced\":false,\"kind\":\"Namespace\","
    "\"verbs\":[\"get\"]},"
    "{\"name\":\"namespaces/finalize\",\"singularName\":\"\",\"namespaced\":false,\"kind\":\"Namespace\","
    "\"verbs\":[\"update\"]},"
    "{\"name\":\"namespaces/status\",\"singularName\":\"\",\"namespaced\":false,\"kind\":\"Namespace\","
    "\"verbs\":[\"get\"]},"
    "{\"name\":\"services\",\"singularName\":\"service\",\"namespaced\":true,\"kind\":\"Service\",\"verbs\":[]}"
    "]}";

static const char apps_v1[] =
    "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":\"apps/v1\",\"resources\":["
    "{\"name\":\"deployments/scale\",\"singularName\":\"\",\"namespaced\":true,\"group\":\"autoscaling\","
    "\"version\":\"v1\",\"kind\":\"Scale\",\"verbs\":[\"get\",\"patch\",\"update\"]},"
    "{\"name\":\"deployments/status\",\"singularName\":\"\",\"namespaced\":true,\"kind\":\"Deployment\","
    "\"verbs\":[\"get\",\"patch\",\"update\"]},"
    "{\"name\":\"deployments\",\"singularName\":\"deployment\",\"namespaced\":true,\"kind\":\"Deployment\","
    "\"verbs\":[\"create\",\"delete\",\"get\",\"list\",\"patch\",\"update\",\"watch\"],\"shortNames\":[\"deploy\"],"
    "\"categories\":[\"all\"],\"storageVersionHash\":\"8aSe+NMegvE=\"}]}";

static const char crd_list[] =
    "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":\"gateway.networking.k8s.io/v1\","
    "\"resources\":[{\"name\":\"gateways\",\"singularName\":\"gateway\",\"namespaced\":true,\"kind\":\"Gateway\","
    "\"verbs\":[\"get\"]},{\"name\":\"gatewayclasses\",\"singularName\":\"gatewayclass\",\"namespaced\":false,"
    "\"kind\":\"GatewayClass\",\"verbs\":[\"get\"]}]}";

static const char groups[] =
    "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":["
    "{\"name\":\"apps\",\"versions\":[{\"groupVersion\":\"apps/v1\",\"version\":\"v1\"}],"
    "\"preferredVersion\":{\"groupVersion\":\"apps/v1\",\"version\":\"v1\"}},"
    "{\"name\":\"example.com\",\"versions\":[{\"groupVersion\":\"example.com/v2\",\"version\":\"v2\"},"
    "{\"groupVersion\":\"example.com/v1\",\"version\":\"v1\"}],"
    "\"preferredVersion\":{\"groupVersion\":\"example.com/v2\",\"version\":\"v2\"}}]}";

static void
test_core_list(void **state)
{
	struct pn_discovery_list l;
	const struct pn_discovery_resource *r;

	(void)state;
	assert_ok(pn_discovery_parse_list(core_v1, strlen(core_v1), "v1", &l));
	assert_string_equal(l.group_version, "v1");
	assert_int_equal(l.n, 3);	/* the two namespaces/... subresources are skipped */
	r = pn_discovery_list_find(&l, "ConfigMap");
	assert_non_null(r);
	assert_string_equal(r->resource, "configmaps");
	assert_true(r->namespaced);
	r = pn_discovery_list_find(&l, "Namespace");
	assert_non_null(r);
	assert_string_equal(r->resource, "namespaces");
	assert_false(r->namespaced);
	assert_null(pn_discovery_list_find(&l, "Deployment"));
	assert_null(pn_discovery_list_find(&l, "configmap"));	/* kinds are case-sensitive */
	pn_discovery_list_release(&l);
}

static void
test_subresources_skipped(void **state)
{
	struct pn_discovery_list l;
	const struct pn_discovery_resource *r;

	(void)state;
	assert_ok(pn_discovery_parse_list(apps_v1, strlen(apps_v1), "apps/v1", &l));
	assert_int_equal(l.n, 1);
	/* deployments/status has kind Deployment too, and comes first: it must not win */
	r = pn_discovery_list_find(&l, "Deployment");
	assert_non_null(r);
	assert_string_equal(r->resource, "deployments");
	assert_null(pn_discovery_list_find(&l, "Scale"));
	pn_discovery_list_release(&l);
}

static void
test_crd_list(void **state)
{
	struct pn_discovery_list l;
	const struct pn_discovery_resource *r;

	(void)state;
	assert_ok(pn_discovery_parse_list(crd_list, strlen(crd_list), NULL, &l));
	assert_string_equal(l.group_version, "gateway.networking.k8s.io/v1");
	/* the plural comes from the server: a guess would say "gatewaies" */
	r = pn_discovery_list_find(&l, "Gateway");
	assert_non_null(r);
	assert_string_equal(r->resource, "gateways");
	r = pn_discovery_list_find(&l, "GatewayClass");
	assert_non_null(r);
	assert_string_equal(r->resource, "gatewayclasses");
	assert_false(r->namespaced);
	pn_discovery_list_release(&l);
}

static void
test_list_errors(void **state)
{
	static const struct {
		const char *doc, *gv;
		enum pn_err_code code;
		const char *needle;
	} cases[] = {
		{"", NULL, PN_ERR_PARSE, "not a JSON object"},
		{"404 page not found\n", NULL, PN_ERR_PARSE, "not a JSON object"},
		{"[]", NULL, PN_ERR_PARSE, "not a JSON object"},
		{"{\"kind\":\"APIResourceList\",", NULL, PN_ERR_PARSE, "not a JSON object"},
		{"{\"kind\":\"Status\",\"groupVersion\":\"v1\"}", NULL, PN_ERR_PARSE, "kind is \"Status\""},
		{"{\"kind\":\"APIResourceList\"}", NULL, PN_ERR_PARSE, "no groupVersion"},
		{"{\"groupVersion\":\"apps/v1\",\"resources\":[]}", "v1", PN_ERR_PARSE,
		    "groupVersion is \"apps/v1\", not \"v1\""},
		{"{\"groupVersion\":\"v1\",\"resources\":{}}", NULL, PN_ERR_PARSE, "resources is not a list"},
		{"{\"groupVersion\":\"v1\",\"resources\":[{\"name\":\"pods\",\"kind\":\"Pod\"}]}", NULL, PN_ERR_PARSE,
		    "APIResourceList v1: resource 1 lacks name, kind or namespaced"},
		{"{\"groupVersion\":\"v1\",\"resources\":[{\"name\":\"pods\",\"kind\":\"Pod\",\"namespaced\":true},"
		    "{\"name\":\"\",\"kind\":\"X\",\"namespaced\":true}]}", NULL, PN_ERR_PARSE, "resource 2 lacks"},
		{"{\"groupVersion\":\"v1\",\"resources\":[{\"name\":\"pods\",\"kind\":\"Pod\",\"namespaced\":\"yes\"}]}",
		    NULL, PN_ERR_PARSE, "resource 1 lacks"},
		{"{\"groupVersion\":\"v1\",\"resources\":[7]}", NULL, PN_ERR_PARSE, "resource 1 lacks"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_discovery_list l;

		assert_error(pn_discovery_parse_list(cases[i].doc, strlen(cases[i].doc), cases[i].gv, &l),
		    cases[i].code, cases[i].needle);
		assert_null(l.res);
		assert_int_equal(l.n, 0);
	}
}

static void
test_list_empty_and_null(void **state)
{
	struct pn_discovery_list l;

	(void)state;
	assert_ok(pn_discovery_parse_list(DOC("{\"groupVersion\":\"x.io/v1\"}"), "x.io/v1", &l));
	assert_int_equal(l.n, 0);
	pn_discovery_list_release(&l);
	assert_ok(pn_discovery_parse_list(DOC("{\"groupVersion\":\"x.io/v1\",\"resources\":null}"), NULL, &l));
	assert_int_equal(l.n, 0);
	pn_discovery_list_release(&l);
}

static void
test_list_too_many(void **state)
{
	struct pn_buf b;
	struct pn_discovery_list l;

	(void)state;
	pn_buf_init(&b, 1 << 20, "doc");
	assert_ok(pn_buf_addstr(&b, "{\"groupVersion\":\"v1\",\"resources\":["));
	for (int i = 0; i <= PN_DISCOVERY_RESOURCES_MAX; i++)
		assert_ok(pn_buf_addf(&b, "%s{\"name\":\"r%d\",\"kind\":\"K%d\",\"namespaced\":true}", i ? "," : "", i, i));
	assert_ok(pn_buf_addstr(&b, "]}"));
	assert_error(pn_discovery_parse_list(b.data, b.len, NULL, &l), PN_ERR_TOO_LARGE, "more than 4096 resources");
	pn_buf_release(&b);
}

static void
test_groups(void **state)
{
	char **gvs;
	size_t n;

	(void)state;
	assert_ok(pn_discovery_parse_groups(groups, strlen(groups), &gvs, &n));
	assert_int_equal(n, 3);
	assert_string_equal(gvs[0], "apps/v1");
	assert_string_equal(gvs[1], "example.com/v2");
	assert_string_equal(gvs[2], "example.com/v1");
	pn_discovery_groups_free(gvs, n);
	assert_ok(pn_discovery_parse_groups(DOC("{\"kind\":\"APIGroupList\",\"groups\":[]}"), &gvs, &n));
	assert_int_equal(n, 0);
	pn_discovery_groups_free(gvs, n);
	assert_error(pn_discovery_parse_groups(DOC("{\"kind\":\"APIVersions\"}"), &gvs, &n), PN_ERR_PARSE,
	    "kind is \"APIVersions\"");
	assert_null(gvs);
	assert_error(pn_discovery_parse_groups(DOC("{\"groups\":[{\"name\":\"a\"}]}"), &gvs, &n), PN_ERR_PARSE,
	    "group 1 lacks name or versions");
	assert_error(pn_discovery_parse_groups(DOC("{\"groups\":[{\"name\":\"a\",\"versions\":[{}]}]}"), &gvs, &n),
	    PN_ERR_PARSE, "group a: a version lacks groupVersion");
	assert_error(pn_discovery_parse_groups(DOC("nope"), &gvs, &n), PN_ERR_PARSE, "not a JSON object");
}

static void
test_paths(void **state)
{
	static char configmaps[] = "configmaps", namespaces[] = "namespaces", deployments[] = "deployments",
	    kind[] = "K";
	static const struct pn_discovery_resource cm = {kind, configmaps, 1}, ns = {kind, namespaces, 0},
	    deploy = {kind, deployments, 1};
	static const struct {
		const char *api_version;
		const struct pn_discovery_resource *r;
		const char *ns, *name;
		const char *want;	/* NULL: error */
		const char *needle;
	} cases[] = {
		{"v1", &cm, "lab", "web", "/api/v1/namespaces/lab/configmaps/web", NULL},
		{"apps/v1", &deploy, "lab", "web", "/apis/apps/v1/namespaces/lab/deployments/web", NULL},
		{"v1", &ns, "ignored", "lab", "/api/v1/namespaces/lab", NULL},	/* cluster-scoped: no namespace */
		{"v1", &ns, NULL, "lab", "/api/v1/namespaces/lab", NULL},
		{"v1", &cm, "lab", NULL, "/api/v1/namespaces/lab/configmaps", NULL},
		{"v1", &cm, NULL, NULL, "/api/v1/configmaps", NULL},	/* across namespaces */
		{"v1", &cm, "lab", "a b/c", "/api/v1/namespaces/lab/configmaps/a%20b%2Fc", NULL},
		{"example.com/v1alpha1", &cm, "x", "y", "/apis/example.com/v1alpha1/namespaces/x/configmaps/y", NULL},
		{"v1", &cm, "lab", "..", NULL, "name \"..\" is not a valid name"},
		{"v1", &cm, "lab", "", NULL, "name \"\" is not a valid name"},
		{"v1", &cm, ".", "web", NULL, "namespace \".\" is not a valid name"},
		{"v1", &cm, NULL, "web", NULL, "is namespaced but has no namespace"},
		{"", &cm, "lab", "web", NULL, "apiVersion \"\" is not"},
		{"a/b/c", &cm, "lab", "web", NULL, "apiVersion \"a/b/c\" is not"},
		{"/v1", &cm, "lab", "web", NULL, "apiVersion \"/v1\" is not"},
		{"apps/", &cm, "lab", "web", NULL, "apiVersion \"apps/\" is not"},
		{"apps/v1?x", &cm, "lab", "web", NULL, "is not <version> or <group>/<version>"},
		{"ap ps/v1", &cm, "lab", "web", NULL, "is not <version>"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_buf b;
		const struct pn_error *e;

		pn_buf_init(&b, 1024, "path");
		e = pn_discovery_path(&b, cases[i].api_version, cases[i].r, cases[i].ns, cases[i].name);
		if (cases[i].want != NULL) {
			assert_ok(e);
			assert_string_equal(pn_buf_str(&b), cases[i].want);
		} else {
			assert_non_null(e);
			if (strstr(e->msg, cases[i].needle) == NULL)
				fail_msg("case %zu: \"%s\" lacks \"%s\"", i, e->msg, cases[i].needle);
		}
		pn_buf_release(&b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_list),
		cmocka_unit_test(test_subresources_skipped),
		cmocka_unit_test(test_crd_list),
		cmocka_unit_test(test_list_errors),
		cmocka_unit_test(test_list_empty_and_null),
		cmocka_unit_test(test_list_too_many),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
