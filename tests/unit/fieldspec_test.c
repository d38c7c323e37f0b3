#include "pn_test.h"

#include <stdio.h>

#include "../../agent/render/fieldspec.h"

/* A callback that sets the field to "X" (creating it when the spec says so). */
static const struct pn_error *
set_x(cJSON *parent, const char *key, cJSON *field, int create, const void *ctx)
{
	(void)ctx;
	if (field == NULL && !create)
		return NULL;
	if (field != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(parent, key, cJSON_CreateString("X"));
	else
		cJSON_AddItemToObject(parent, key, cJSON_CreateString("X"));
	return NULL;
}

static void
test_walk(void **state)
{
	static const struct {
		struct pn_fieldspec fs;
		const char *in, *want;
	} cases[] = {
		/* lists met on the way are entered element by element, with or without "[]" */
		{{NULL, NULL, NULL, "spec/containers[]/image", 1}, "{\"spec\":{\"containers\":[{\"image\":\"a\"},{}]}}",
		    "{\"spec\":{\"containers\":[{\"image\":\"X\"},{\"image\":\"X\"}]}}"},
		{{NULL, NULL, NULL, "spec/ports/name", 0}, "{\"spec\":{\"ports\":[{\"name\":\"a\"},{}]}}",
		    "{\"spec\":{\"ports\":[{\"name\":\"X\"},{}]}}"},
		/* missing maps are created only with create; lists never */
		{{NULL, NULL, NULL, "spec/selector/app", 1}, "{}", "{\"spec\":{\"selector\":{\"app\":\"X\"}}}"},
		{{NULL, NULL, NULL, "spec/selector/app", 0}, "{}", "{}"},
		{{NULL, NULL, NULL, "spec/vct[]/metadata/labels", 1}, "{\"spec\":{}}", "{\"spec\":{}}"},
		/* "\/" is a '/' inside a name (annotation keys) */
		{{NULL, NULL, NULL, "metadata/annotations/a.io\\/b", 0},
		    "{\"metadata\":{\"annotations\":{\"a.io/b\":\"v\"}}}", "{\"metadata\":{\"annotations\":{\"a.io/b\":\"X\"}}}"},
		/* group/version/kind select */
		{{"apps", NULL, "Deployment", "x", 1}, "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\"}",
		    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"x\":\"X\"}"},
		{{"apps", NULL, "Deployment", "x", 1}, "{\"apiVersion\":\"v1\",\"kind\":\"Deployment\"}",
		    "{\"apiVersion\":\"v1\",\"kind\":\"Deployment\"}"},
		{{NULL, "v1", NULL, "x", 1}, "{\"apiVersion\":\"v2\"}", "{\"apiVersion\":\"v2\"}"},
	};

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct pn_fieldspec table[] = {cases[k].fs, {0}};
		cJSON *o = cJSON_Parse(cases[k].in);
		char *got;

		assert_non_null(o);
		assert_ok(pn_fieldspec_walk_all(o, table, set_x, NULL));
		got = cJSON_PrintUnformatted(o);
		if (strcmp(got, cases[k].want) != 0)
			fail_msg("case %zu: %s, want %s", k, got, cases[k].want);
		free(got);
		cJSON_Delete(o);
	}
}

static void
test_limits(void **state)
{
	char path[PN_FIELDSPEC_MAX_PATH + 8];
	struct pn_fieldspec fs = {NULL, NULL, NULL, path, 0};
	cJSON *o = cJSON_CreateObject();

	(void)state;
	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	assert_error(pn_fieldspec_walk(o, &fs, set_x, NULL), PN_ERR_PARSE, "is longer than");
	snprintf(path, sizeof(path), "%s", "a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a");
	assert_error(pn_fieldspec_walk(o, &fs, set_x, NULL), PN_ERR_PARSE, "has more than 32 parts");
	cJSON_Delete(o);
}

/* kyaml's precomputed table: cluster-scoped by apiVersion and kind; unknown kinds are namespaced. */
static void
test_scope(void **state)
{
	static const struct {
		const char *obj;
		int cluster;
	} cases[] = {
		{"{\"apiVersion\":\"v1\",\"kind\":\"Namespace\"}", 1},
		{"{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRole\"}", 1},
		{"{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\"}", 1},
		{"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\"}", 0},
		{"{\"apiVersion\":\"example.com/v1\",\"kind\":\"ClusterThing\"}", 0},
	};

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		cJSON *o = cJSON_Parse(cases[k].obj);

		assert_int_equal(pn_fieldspec_cluster_scoped(o), cases[k].cluster);
		cJSON_Delete(o);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_scope),
	};
	return cmocka_run_group_tests_name("fieldspec", tests, NULL, NULL);
}
