/*
 * JSON 6902 patches: every expected result and error below is what `kubectl kustomize` (kustomize v5.5.0, json-patch
 * v4.12.0) printed for the same ConfigMap (`target`) and the same operations in a `patches:` entry, converted to
 * JSON. Numbers come out through a float64, as kustomize's JSON round trip makes them.
 */
#include "pn_test.h"

#include "../../agent/render/json6902.h"
#include "../../agent/render/yaml.h"

static const char target[] = "{apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {a: \"1\"}, "
    "list: [a, b, c], big: 9007199254740993, f: 1.5, nested: {a: [{b: 1}]}, nul: null}";

struct jp_case {
	const char *name;
	const char *ops;	/* YAML */
	const char *expect;	/* JSON; NULL when an error is expected */
	const char *error;	/* substring of the PN_ERR_PARSE message */
};

static const struct jp_case cases[] = {
	{
		"replace_missing_key_adds",
		"[{op: replace, path: /data/zz, value: x}]",
		"{\"apiVersion\": \"v1\", \"big\": 9007199254740992, \"data\": {\"a\": \"1\", \"zz\": \"x\"}, \"f\": 1.5, "
		    "\"kind\": \"ConfigMap\", \"list\": [\"a\", \"b\", \"c\"], \"metadata\": {\"name\": \"c\"}, "
		    "\"nested\": {\"a\": [{\"b\": 1}]}, \"nul\": null}", NULL,
	},
	{
		"add_index_leading_zero",
		"[{op: add, path: /list/01, value: q}]",
		"{\"apiVersion\": \"v1\", \"big\": 9007199254740992, \"data\": {\"a\": \"1\"}, \"f\": 1.5, "
		    "\"kind\": \"ConfigMap\", \"list\": [\"a\", \"q\", \"b\", \"c\"], \"metadata\": {\"name\": \"c\"}, "
		    "\"nested\": {\"a\": [{\"b\": 1}]}, \"nul\": null}", NULL,
	},
	{
		"add_negative_index_appends",
		"[{op: add, path: /list/-1, value: q}]",
		"{\"apiVersion\": \"v1\", \"big\": 9007199254740992, \"data\": {\"a\": \"1\"}, \"f\": 1.5, "
		    "\"kind\": \"ConfigMap\", \"list\": [\"a\", \"b\", \"c\", \"q\"], \"metadata\": {\"name\": \"c\"}, "
		    "\"nested\": {\"a\": [{\"b\": 1}]}, \"nul\": null}", NULL,
	},
	{
		"add_dash_appends",
		"[{op: add, path: /list/-, value: {k: v}}]",
		"{\"apiVersion\": \"v1\", \"big\": 9007199254740992, \"data\": {\"a\": \"1\"}, \"f\": 1.5, "
		    "\"kind\": \"ConfigMap\", \"list\": [\"a\", \"b\", \"c\", {\"k\": \"v\"}], \"metadata\": {\"name\": \"c\"}, "
		    "\"nested\": {\"a\": [{\"b\": 1}]}, \"nul\": null}", NULL,
	},
	{
		"add_at_length",
		"[{op: add, path: /list/3, value: d}]",
		"{\"apiVersion\": \"v1\", \"big\": 9007199254740992, \"data\": {\"a\": \"1\"}, \"f\": 1.5, "
		    "\"kind\": \"ConfigMap\", \"list\": [\"a\", \"b\", \"c\", \"d\"], \"metadata\": {\"name\": \"c\"}, "
		    "\"nested\": {\"a\": [{\"b\": 1}]}, \"nul\": null}", NULL,
	},
	{
		"add_without_value_is_null",
		"[{op: add, path: /list/1}]",
		"{\"apiVersion\": \"v1\", \"big\": 9007199254740992, \"data\": {\"a\": \"1\"}, \"f\": 1.5, "
		    "\"kind\": \"ConfigMap\", \"list\": [\"a\", null, \"b\", \"c\"], \"metadata\": {\"name\": \"c\"}, "
		    "\"nested\": {\"a\": [{\"b\": 1}]}, \"nul\": null}", NULL,
	},
	{
		"add_escaped_key",
		"[{op: add, path: /data/a~1b~0c, value: 1}]",
		"{\"apiVersion\": \"v1\", \"big\": 9007199254740992, \"data\": {\"a\": \"1\", \"a/b~c\": 1}, \"f\": 1.5, "
		    "\"kind\": \"ConfigMap\", \"list\": [\"a\", \"b\", \"c\"], \"metadata\": {\"name\": \"c\"}, "
		    "\"nested\": {\"a\": [{\"b\": 1}]}, \"nul\": null}", NULL,
	},
	{
		"add_nested",
		"[{op: add, path: /nested/a/0/c, value: {d: [1, 2]}}]",
		"{\"apiVersion\": \"v1\", \"big\": 9007199254740992, \"data\": {\"a\": \"1\"}, \"f\": 1.5, "
		    "\"kind\": \"ConfigMap\", \"list\": [\"a\", \"b\", \"c\"], \"metadata\": {\"name\": \"c\"}, "
		    "\"nested\": {\"a\": [{\"b\": 1, \"c\": {\"d\": [1, 2]}}]}, \"nul\": null}", NULL,
	},
	{
		"add_path_without_slash",
		"[{op: add, path: data/q, value: 1}]",
		"{\"apiVersion\": \"v1\", \"big\": 9007199254740992, \"data\": {\"a\": \"1\"}, \"f\": 1.5, "
		    "\"kind\": \"ConfigMap\", \"list\": [\"a\", \"b\", \"c\"], \"metadata\": {\"name\": \"c\"}, "
		    "\"nested\": {\"a\": [{\"b\": 1}]}, \"nul\": null, \"q\": 1}", NULL,
	},
	{
		"add_root_key_empty",
		"[{op: add, path: /, value: 1}]",
		"{\"\": 1, \"apiVersion\": \"v1\", \"big\": 9007199254740992, \"data\": {\"a\": \"1\"}, \"f\": 1.5, "
		    "\"kind\": \"ConfigMap\", \"list\": [\"a\", \"b\", \"c\"], \"metadata\": {\"name\": \"c\"}, "
		    "\"nested\": {\"a\": [{\"b\": 1}]}, \"nul\": null}", NULL,
	},
	{
		"remove_negative",
		"[{op: remove, path: /list/-1}]",
		"{\"apiVersion\": \"v1\", \"big\": 9007199254740992, \"data\": {\"a\": \"1\"}, \"f\": 1.5, "
		    "\"kind\": \"ConfigMap\", \"list\": [\"a\", \"b\"], \"metadata\": {\"name\": \"c\"}, "
		    "\"nested\": {\"a\": [{\"b\": 1}]}, \"nul\": null}", NULL,
	},
	{
		"remove_null_field",
		"[{op: remove, path: /nul}]",
		"{\"apiVersion\": \"v1\", \"big\": 9007199254740992, \"data\": {\"a\": \"1\"}, \"f\": 1.5, "
		    "\"kind\": \"ConfigMap\", \"list\": [\"a\", \"b\", \"c\"], \"metadata\": {\"name\": \"c\"}, "
		    "\"nested\": {\"a\": [{\"b\": 1}]}}", NULL,
	},
	{
		"replace_negative",
		"[{op: replace, path: /list/-3, value: 1}]",
		"{\"apiVersion\": \"v1\", \"big\": 9007199254740992, \"data\": {\"a\": \"1\"}, \"f\": 1.5, "
		    "\"kind\": \"ConfigMap\", \"list\": [1, \"b\", \"c\"], \"metadata\": {\"name\": \"c\"}, "
		    "\"nested\": {\"a\": [{\"b\": 1}]}, \"nul\": null}", NULL,
	},
	{
		"replace_root_scalar_ignored",
		"[{op: replace, path: \"\", value: 1}]",
		"{\"apiVersion\": \"v1\", \"big\": 9007199254740992, \"data\": {\"a\": \"1\"}, \"f\": 1.5, "
		    "\"kind\": \"ConfigMap\", \"list\": [\"a\", \"b\", \"c\"], \"metadata\": {\"name\": \"c\"}, "
		    "\"nested\": {\"a\": [{\"b\": 1}]}, \"nul\": null}", NULL,
	},
	{
		"replace_root_object",
		"[{op: replace, path: \"\", value: {apiVersion: v1, kind: ConfigMap, metadata: {name: other}}}]",
		"{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"other\"}}", NULL,
	},
	{
		"move_key",
		"[{op: move, from: /data/a, path: /data/b}]",
		"{\"apiVersion\": \"v1\", \"big\": 9007199254740992, \"data\": {\"b\": \"1\"}, \"f\": 1.5, "
		    "\"kind\": \"ConfigMap\", \"list\": [\"a\", \"b\", \"c\"], \"metadata\": {\"name\": \"c\"}, "
		    "\"nested\": {\"a\": [{\"b\": 1}]}, \"nul\": null}", NULL,
	},
	{
		"move_list_item",
		"[{op: move, from: /list/0, path: /list/-}]",
		"{\"apiVersion\": \"v1\", \"big\": 9007199254740992, \"data\": {\"a\": \"1\"}, \"f\": 1.5, "
		    "\"kind\": \"ConfigMap\", \"list\": [\"b\", \"c\", \"a\"], \"metadata\": {\"name\": \"c\"}, "
		    "\"nested\": {\"a\": [{\"b\": 1}]}, \"nul\": null}", NULL,
	},
	{
		"copy_list",
		"[{op: copy, from: /list, path: /data/l}]",
		"{\"apiVersion\": \"v1\", \"big\": 9007199254740992, \"data\": {\"a\": \"1\", \"l\": [\"a\", \"b\", \"c\"]}, "
		    "\"f\": 1.5, \"kind\": \"ConfigMap\", \"list\": [\"a\", \"b\", \"c\"], \"metadata\": {\"name\": \"c\"}, "
		    "\"nested\": {\"a\": [{\"b\": 1}]}, \"nul\": null}", NULL,
	},
	{
		"copy_missing_is_null",
		"[{op: copy, from: /data/nokey, path: /data/l}]",
		"{\"apiVersion\": \"v1\", \"big\": 9007199254740992, \"data\": {\"a\": \"1\", \"l\": null}, \"f\": 1.5, "
		    "\"kind\": \"ConfigMap\", \"list\": [\"a\", \"b\", \"c\"], \"metadata\": {\"name\": \"c\"}, "
		    "\"nested\": {\"a\": [{\"b\": 1}]}, \"nul\": null}", NULL,
	},
	{
		"test_ok_then_add",
		"[{op: test, path: /data/a, value: \"1\"}, {op: add, path: /data/t, value: ok}]",
		"{\"apiVersion\": \"v1\", \"big\": 9007199254740992, \"data\": {\"a\": \"1\", \"t\": \"ok\"}, \"f\": 1.5, "
		    "\"kind\": \"ConfigMap\", \"list\": [\"a\", \"b\", \"c\"], \"metadata\": {\"name\": \"c\"}, "
		    "\"nested\": {\"a\": [{\"b\": 1}]}, \"nul\": null}", NULL,
	},
	{
		"test_object",
		"[{op: test, path: /nested, value: {a: [{b: 1}]}}]",
		"{\"apiVersion\": \"v1\", \"big\": 9007199254740992, \"data\": {\"a\": \"1\"}, \"f\": 1.5, "
		    "\"kind\": \"ConfigMap\", \"list\": [\"a\", \"b\", \"c\"], \"metadata\": {\"name\": \"c\"}, "
		    "\"nested\": {\"a\": [{\"b\": 1}]}, \"nul\": null}", NULL,
	},
	{
		"test_null_field",
		"[{op: test, path: /nul, value: null}]",
		"{\"apiVersion\": \"v1\", \"big\": 9007199254740992, \"data\": {\"a\": \"1\"}, \"f\": 1.5, "
		    "\"kind\": \"ConfigMap\", \"list\": [\"a\", \"b\", \"c\"], \"metadata\": {\"name\": \"c\"}, "
		    "\"nested\": {\"a\": [{\"b\": 1}]}, \"nul\": null}", NULL,
	},
	{
		"numbers_round_trip",
		"[{op: add, path: /x, value: 1.0e3}, {op: add, path: /y, value: 0.1}, {op: add, path: /z, "
		    "value: 123456789012345678}]",
		"{\"apiVersion\": \"v1\", \"big\": 9007199254740992, \"data\": {\"a\": \"1\"}, \"f\": 1.5, "
		    "\"kind\": \"ConfigMap\", \"list\": [\"a\", \"b\", \"c\"], \"metadata\": {\"name\": \"c\"}, "
		    "\"nested\": {\"a\": [{\"b\": 1}]}, \"nul\": null, \"x\": 1000, \"y\": 0.1, \"z\": 123456789012345680}", NULL,
	},
	{
		"remove_missing_key",
		"[{op: remove, path: /data/zz}]",
		NULL, "error in remove for path: '/data/zz': Unable to remove nonexistent key: zz: missing value",
	},
	{
		"add_missing_parent",
		"[{op: add, path: /nope/x, value: 1}]",
		NULL, "add operation does not apply: doc is missing path: \"/nope/x\": missing value",
	},
	{
		"add_index_too_big",
		"[{op: add, path: /list/5, value: 1}]",
		NULL, "error in add for path: '/list/5': Unable to access invalid index: 5: invalid index referenced",
	},
	{
		"add_index_negative_too_small",
		"[{op: add, path: /list/-5, value: 1}]",
		NULL, "error in add for path: '/list/-5': Unable to access invalid index: -5: invalid index referenced",
	},
	{
		"add_index_not_number",
		"[{op: add, path: /list/x, value: 1}]",
		NULL, "error in add for path: '/list/x': value was not a proper array index: 'x': strconv.Atoi: parsing"
		    " \"x\": invalid syntax",
	},
	{
		"add_index_out_of_range",
		"[{op: add, path: /list/99999999999999999999, value: 1}]",
		NULL, "error in add for path: '/list/99999999999999999999': value was not a proper array index: '999999"
		    "99999999999999': strconv.Atoi: parsing \"99999999999999999999\": value out of range",
	},
	{
		"remove_index_too_big",
		"[{op: remove, path: /list/3}]",
		NULL, "error in remove for path: '/list/3': Unable to access invalid index: 3: invalid index referenced",
	},
	{
		"remove_dash",
		"[{op: remove, path: /list/-}]",
		NULL, "error in remove for path: '/list/-': strconv.Atoi: parsing \"-\": invalid syntax",
	},
	{
		"replace_index_too_big",
		"[{op: replace, path: /list/3, value: 1}]",
		NULL, "replace operation does not apply: doc is missing key: /list/3: missing value",
	},
	{
		"remove_through_scalar",
		"[{op: remove, path: /data/a/x}]",
		NULL, "remove operation does not apply: doc is missing path: \"/data/a/x\": missing value",
	},
	{
		"add_through_null",
		"[{op: add, path: /nul/x, value: 1}]",
		NULL, "add operation does not apply: doc is missing path: \"/nul/x\": missing value",
	},
	{
		"test_fails",
		"[{op: test, path: /data/a, value: \"2\"}]",
		NULL, "testing value /data/a failed: test failed",
	},
	{
		"test_second_op_fails",
		"[{op: add, path: /data/t, value: ok}, {op: test, path: /list/0, value: null}]",
		NULL, "testing value /list/0 failed: test failed",
	},
	{
		"move_into_itself",
		"[{op: move, from: /nested/a, path: /nested/a/0}]",
		NULL, "move operation does not apply: doc is missing destination path: /nested/a/0: missing value",
	},
	{
		"unknown_op",
		"[{op: bogus, path: /x}]",
		NULL, "Unexpected kind: bogus",
	},
	{
		"missing_op",
		"[{path: /x}]",
		NULL, "Unexpected kind: unknown",
	},
	{
		"add_missing_path",
		"[{op: add}]",
		NULL, "add operation failed to decode path: missing value",
	},
	{
		"move_missing_from",
		"[{op: move, path: /x}]",
		NULL, "move operation failed to decode from: operation, missing from field: missing value",
	},
	{
		"replace_root_array",
		"[{op: replace, path: \"\", value: [1]}]",
		NULL, "json: cannot unmarshal array into Go value of type map[string]interface {}",
	},
};

/* Trees equal: maps by key (order free), lists in order, numbers by their JSON text. */
static int
same(const cJSON *a, const cJSON *b)
{
	const cJSON *c, *d;

	if ((a->type & 0xff) != (b->type & 0xff))
		return 0;
	if (cJSON_IsObject(a)) {
		if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
			return 0;
		for (c = a->child; c != NULL; c = c->next)
			if ((d = cJSON_GetObjectItemCaseSensitive(b, c->string)) == NULL || !same(c, d))
				return 0;
		return 1;
	}
	if (cJSON_IsArray(a)) {
		if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
			return 0;
		for (c = a->child, d = b->child; c != NULL; c = c->next, d = d->next)
			if (!same(c, d))
				return 0;
		return 1;
	}
	if (cJSON_IsString(a) || cJSON_IsRaw(a))
		return strcmp(a->valuestring, b->valuestring) == 0;
	return 1;
}

static void
test_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct jp_case *c = &cases[i];
		cJSON *t = one_doc(target), *ops = one_doc(c->ops);
		const struct pn_error *err = pn_json6902_apply(t, ops, "patch");

		print_message("case %s\n", c->name);
		if (c->expect == NULL) {
			assert_error(err, PN_ERR_PARSE, c->error);
		} else {
			cJSON *want = one_doc(c->expect);

			assert_ok(err);
			if (!same(t, want)) {
				char *got = cJSON_PrintUnformatted(t);

				fail_msg("case %s: got %s", c->name, got);
			}
			cJSON_Delete(want);
		}
		cJSON_Delete(t);
		cJSON_Delete(ops);
	}
}

/* Errors name the patch and the 0-based index of the failing operation. */
static void
test_error_names_op(void **state)
{
	cJSON *t = one_doc(target);
	cJSON *ops = one_doc("[{op: add, path: /data/t, value: ok}, {op: remove, path: /spec/foo}]");

	(void)state;
	assert_error(pn_json6902_apply(t, ops, "patches[0] v1 ConfigMap c"), PN_ERR_PARSE,
	    "patches[0] v1 ConfigMap c: operation 1: remove operation does not apply: doc is missing path: "
	    "\"/spec/foo\": missing value");
	cJSON_Delete(t);
	cJSON_Delete(ops);
}

/* Ops parsed from JSON text (cJSON numbers rather than raw ones) work too. */
static void
test_json_ops(void **state)
{
	cJSON *t = one_doc(target);
	cJSON *ops = cJSON_Parse("[{\"op\": \"replace\", \"path\": \"/data/a\", \"value\": \"2\"},"
	    "{\"op\": \"add\", \"path\": \"/list/0\", \"value\": {\"k\": [true, null, 2.50, 1e21]}}]");
	cJSON *want = one_doc("{apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {a: \"2\"}, "
	    "list: [{k: [true, null, 2.5, 1e21]}, a, b, c], big: 9007199254740992, f: 1.5, nested: {a: [{b: 1}]}, nul: null}");

	(void)state;
	assert_ok(pn_json6902_apply(t, ops, "p"));
	assert_true(same(t, want));
	cJSON_Delete(t);
	cJSON_Delete(ops);
	cJSON_Delete(want);
}

static void
test_not_a_list(void **state)
{
	cJSON *t = one_doc(target), *ops = one_doc("{op: add, path: /x, value: 1}"), *ops2 = one_doc("[1]");

	(void)state;
	assert_error(pn_json6902_apply(t, ops, "p"), PN_ERR_PARSE, "cannot unmarshal object");
	assert_error(pn_json6902_apply(t, ops2, "p"), PN_ERR_PARSE, "operation 0: json: cannot unmarshal");
	cJSON_Delete(t);
	cJSON_Delete(ops);
	cJSON_Delete(ops2);
}

/* Copying a subtree into itself doubles it: PN_JSON6902_MAX_COPY_NODES stops that. */
static void
test_copy_limit(void **state)
{
	cJSON *t = one_doc("{a: [[1, 2, 3, 4, 5, 6, 7, 8]]}"), *ops = cJSON_CreateArray();
	int i;

	(void)state;
	for (i = 0; i < 40; i++) {
		cJSON *op = cJSON_CreateObject();

		cJSON_AddStringToObject(op, "op", "copy");
		cJSON_AddStringToObject(op, "from", "/a");
		cJSON_AddStringToObject(op, "path", "/a/-");
		cJSON_AddItemToArray(ops, op);
	}
	assert_error(pn_json6902_apply(t, ops, "p"), PN_ERR_TOO_LARGE, "copy operations added more than");
	cJSON_Delete(t);
	cJSON_Delete(ops);
}

/* Nesting the object deeper than PN_JSON6902_MAX_DEPTH is refused. */
static void
test_depth_limit(void **state)
{
	cJSON *t = one_doc("{a: {b: {c: {d: 1}}}}"), *ops = cJSON_CreateArray();
	int i;

	(void)state;
	for (i = 0; i < 60; i++) {
		cJSON *op = cJSON_CreateObject();

		cJSON_AddStringToObject(op, "op", "copy");
		cJSON_AddStringToObject(op, "from", "/a");
		cJSON_AddStringToObject(op, "path", "/a/b/c/x");
		cJSON_AddItemToArray(ops, op);
	}
	assert_error(pn_json6902_apply(t, ops, "p"), PN_ERR_TOO_LARGE, "deeper than");
	cJSON_Delete(t);
	cJSON_Delete(ops);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_error_names_op),
		cmocka_unit_test(test_json_ops),
		cmocka_unit_test(test_not_a_list),
		cmocka_unit_test(test_copy_limit),
		cmocka_unit_test(test_depth_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
