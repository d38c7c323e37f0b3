/*
 * Staged server-side apply against the API emulator (tests/peers/kube_emulator.py, started by
 * tests/lib/kube_fixture.py with k3s-shaped certificates): a Namespace + CRD + custom resource + Deployment +
 * Service + ConfigMap in one call, read back with GET; the refusals (missing namespace, kind without CRD, objects
 * the server rejects, malformed objects), waiting for a CRD to be served, token and file credentials, a server
 * that is down or busy. Also the kapi client and discovery live.
 */
#include "pn_test.h"
#include "kube.h"

#include "../../agent/apply/discovery.h"
#include "../../agent/apply/ssa.h"
#include "../../agent/core/file.h"
#include "../../platform/clock.h"

#define CRD(plural, group, kind, version)                                                          \
	"{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\","       \
	"\"metadata\":{\"name\":\"" plural "." group "\"},\"spec\":{\"group\":\"" group "\","       \
	"\"scope\":\"Namespaced\",\"names\":{\"plural\":\"" plural "\",\"kind\":\"" kind "\"},"     \
	"\"versions\":[{\"name\":\"" version "\",\"served\":true,\"storage\":true,\"schema\":"      \
	"{\"openAPIV3Schema\":{\"type\":\"object\",\"x-kubernetes-preserve-unknown-fields\":true}}}]}}"
#define NAMESPACE(name) "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" name "\"}}"
#define CONFIGMAP(ns, name)                                                                        \
	"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" name "\",\"namespace\":\"" ns \
	"\"},\"data\":{\"k\":\"v\"}}"

static struct pn_test_kube fx;

static struct pn_kapi *
client(const char *kubeconfig)
{
	return pn_test_kube_client(&fx, kubeconfig);
}

static int
setup(void **state)
{
	(void)state;
	return pn_test_kube_start(&fx, "ssa");
}

static int
teardown(void **state)
{
	(void)state;
	pn_test_kube_stop(&fx);
	return 0;
}

/* Apply JSON documents as one unit with a fresh discovery (one reconcile). sources[i] may be NULL. */
static const struct pn_error *
apply_with(struct pn_kapi *k, const char *const *docs, const char *const *sources, size_t n,
    const struct pn_ssa_options *opt, struct pn_ssa_result *res)
{
	struct pn_ssa_object objs[16];
	struct pn_discovery *d = NULL;
	const struct pn_error *err;
	struct pn_error copy;

	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++) {
		objs[i].obj = cJSON_Parse(docs[i]);
		assert_non_null(objs[i].obj);
		objs[i].source = sources != NULL ? sources[i] : NULL;
	}
	assert_ok(pn_discovery_new(k, &d));
	err = pn_ssa_apply(k, d, objs, n, opt, res);
	/* keep the error across the frees below */
	if (err != NULL) {
		copy = *err;
		err = pn_error_fmt(copy.code, "%s", copy.msg);
	}
	pn_discovery_free(d);
	for (size_t i = 0; i < n; i++)
		cJSON_Delete((cJSON *)(uintptr_t)objs[i].obj);
	return err;
}

static const struct pn_error *
apply(const char *const *docs, const char *const *sources, size_t n, struct pn_ssa_result *res)
{
	return apply_with(fx.k, docs, sources, n, NULL, res);
}

/* Objects the apply reads itself (pn_ssa_options.load), as the sync hands over a spooled build. */
struct loader {
	const char *const *docs;
	size_t loads[16];
};

static const struct pn_error *
load_json(void *ctx, size_t i, cJSON **out)
{
	struct loader *l = ctx;

	l->loads[i]++;
	return (*out = cJSON_Parse(l->docs[i])) != NULL ? NULL : pn_error(PN_ERR_NOMEM);
}

static const struct pn_error *
apply_loaded(const char *const *docs, const char *const *sources, size_t n, struct loader *l,
    struct pn_ssa_result *res)
{
	struct pn_ssa_options opt = {.load = load_json, .load_ctx = l};
	struct pn_ssa_object objs[16];
	struct pn_discovery *d = NULL;
	const struct pn_error *err;
	struct pn_error copy;

	assert_true(n <= 16);
	memset(l, 0, sizeof(*l));
	l->docs = docs;
	for (size_t i = 0; i < n; i++) {
		objs[i].obj = NULL;
		objs[i].source = sources != NULL ? sources[i] : NULL;
	}
	assert_ok(pn_discovery_new(fx.k, &d));
	err = pn_ssa_apply(fx.k, d, objs, n, &opt, res);
	if (err != NULL) {
		copy = *err;
		err = pn_error_fmt(copy.code, "%s", copy.msg);
	}
	pn_discovery_free(d);
	return err;
}

/* GET an object; NULL when it does not exist. */
static cJSON *
get(const char *path)
{
	struct pn_kapi_reply r;
	cJSON *obj = NULL;

	pn_kapi_reply_init(&r, fx.k);
	assert_ok(pn_kapi_do(fx.k, "GET", path, NULL, NULL, 0, &r));
	if (r.status != 404) {
		assert_int_equal(r.status, 200);
		assert_ok(pn_kapi_reply_json(&r, path, &obj));
	}
	pn_kapi_reply_release(&r);
	return obj;
}

/* The string at a dotted path ("metadata.labels.app"); keys with dots are not needed here except labels,
 * which label() reads. */
static const char *
str_at(const cJSON *obj, const char *a, const char *b, const char *c)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, a);

	if (b != NULL)
		v = cJSON_GetObjectItemCaseSensitive(v, b);
	if (c != NULL)
		v = cJSON_GetObjectItemCaseSensitive(v, c);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void
assert_owned(const cJSON *obj, const char *unit_name, const char *unit_ns)
{
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "metadata"),
	    "labels");
	const cJSON *managed = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "metadata"),
	    "managedFields"), *m;
	int found = 0;

	assert_non_null(obj);
	assert_string_equal(str_at(labels, PN_SSA_LABEL_NAME, NULL, NULL), unit_name);
	assert_string_equal(str_at(labels, PN_SSA_LABEL_NAMESPACE, NULL, NULL), unit_ns);
	cJSON_ArrayForEach(m, managed)
		if (strcmp(str_at(m, "manager", NULL, NULL), "pinion") == 0 &&
		    strcmp(str_at(m, "operation", NULL, NULL), "Apply") == 0)
			found = 1;
	assert_true(found);
}

/* Whether the emulator's request log (one JSON object per line) has a request with this method, path and query
 * (query NULL: any), sent with Content-Type ctype (NULL: any), after byte offset `from`. */
static int
log_has(size_t from, const char *method, const char *path, const char *query, const char *ctype)
{
	char log[PN_TEST_PATH_MAX * 2];
	struct pn_buf b;
	int found = 0;

	snprintf(log, sizeof(log), "%s/emu/requests.jsonl", fx.dir);
	pn_buf_init(&b, 64 * 1024 * 1024, "request log");
	assert_ok(pn_file_read(log, &b));
	for (char *line = b.data + from, *end; !found && line < b.data + b.len; line = end + 1) {
		cJSON *e;

		end = strchr(line, '\n');
		if (end == NULL)
			end = b.data + b.len;
		*end = '\0';
		if ((e = cJSON_Parse(line)) == NULL)
			continue;
		found = strcmp(str_at(e, "method", NULL, NULL), method) == 0 &&
		    strcmp(str_at(e, "path", NULL, NULL), path) == 0 &&
		    (query == NULL || strcmp(str_at(e, "query", NULL, NULL), query) == 0) &&
		    (ctype == NULL || (str_at(e, "headers", "Content-Type", NULL) != NULL &&
		    strcmp(str_at(e, "headers", "Content-Type", NULL), ctype) == 0)) &&
		    str_at(e, "headers", "Accept-Encoding", NULL) == NULL;
		cJSON_Delete(e);
	}
	pn_buf_release(&b);
	return found;
}

/* The size of the request log now, for log_has(from, ...). */
static size_t
log_mark(void)
{
	char log[PN_TEST_PATH_MAX * 2];
	struct pn_buf b;
	size_t n;

	snprintf(log, sizeof(log), "%s/emu/requests.jsonl", fx.dir);
	pn_buf_init(&b, 64 * 1024 * 1024, "request log");
	assert_ok(pn_file_read(log, &b));
	n = b.len;
	pn_buf_release(&b);
	return n;
}

static void
assert_change(const struct pn_ssa_result *res, size_t i, const char *id, enum pn_ssa_action action)
{
	assert_true(i < res->n);
	if (strcmp(res->changes[i].id, id) != 0 || res->changes[i].action != action)
		fail_msg("change %zu: expected \"%s %s\", got \"%s %s\"", i, id, pn_ssa_action_name(action),
		    res->changes[i].id, pn_ssa_action_name(res->changes[i].action));
	assert_true(res->changes[i].resource_version[0] != '\0');
}

/* The whole walking-skeleton unit, in an order that only works staged: custom resource and workloads first. */
static void
test_apply_unit(void **state)
{
	static const char *const docs[] = {
		"{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"w1\",\"namespace\":"
		"\"lab\"},\"spec\":{\"size\":3}}",
		"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\",\"namespace\":\"lab\","
		"\"labels\":{\"app\":\"web\"}},\"spec\":{\"replicas\":2,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},"
		"\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"web\","
		"\"image\":\"nginx:1.27\"}]}}}}",
		"{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"web\",\"namespace\":\"lab\"},"
		"\"spec\":{\"selector\":{\"app\":\"web\"},\"ports\":[{\"port\":80}]}}",
		CONFIGMAP("lab", "cfg"),
		NAMESPACE("lab"),
		CRD("widgets", "example.com", "Widget", "v1"),
	};
	static const char *const sources[] = {"apps/widget.yaml", "apps/web.yaml", "apps/web.yaml",
	    "apps/cfg.yaml", "ns.yaml", "crds/widget.yaml"};
	struct pn_ssa_result res, again;
	size_t mark = log_mark();
	struct loader l;
	cJSON *o;

	(void)state;
	assert_ok(apply(docs, sources, 6, &res));
	assert_int_equal(res.n, 6);
	assert_change(&res, 0, "apiextensions.k8s.io/v1 CustomResourceDefinition widgets.example.com", PN_SSA_CREATED);
	assert_change(&res, 1, "v1 Namespace lab", PN_SSA_CREATED);
	/* the last stage in Flux's ReconcileOrder: ConfigMap, Service, Deployment, then other kinds */
	assert_change(&res, 2, "v1 ConfigMap lab/cfg", PN_SSA_CREATED);
	assert_change(&res, 3, "v1 Service lab/web", PN_SSA_CREATED);
	assert_change(&res, 4, "apps/v1 Deployment lab/web", PN_SSA_CREATED);
	assert_change(&res, 5, "example.com/v1 Widget lab/w1", PN_SSA_CREATED);

	/* read back: the labels, the manager and the fields */
	o = get("/apis/example.com/v1/namespaces/lab/widgets/w1");
	assert_owned(o, "flux-system", "flux-system");
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "spec"),
	    "size")->valueint, 3);
	cJSON_Delete(o);
	o = get("/apis/apps/v1/namespaces/lab/deployments/web");
	assert_owned(o, "flux-system", "flux-system");
	assert_string_equal(str_at(o, "metadata", "labels", "app"), "web");
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "spec"),
	    "replicas")->valueint, 2);
	assert_string_equal(str_at(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "spec"), "template"), "spec"),
	    "containers"), 0), "image", NULL, NULL), "nginx:1.27");
	cJSON_Delete(o);
	o = get("/api/v1/namespaces/lab/services/web");
	assert_owned(o, "flux-system", "flux-system");
	assert_non_null(str_at(o, "spec", "clusterIP", NULL));
	cJSON_Delete(o);
	o = get("/api/v1/namespaces/lab/configmaps/cfg");
	assert_owned(o, "flux-system", "flux-system");
	assert_string_equal(str_at(o, "data", "k", NULL), "v");
	cJSON_Delete(o);
	o = get("/api/v1/namespaces/lab");
	assert_owned(o, "flux-system", "flux-system");
	cJSON_Delete(o);
	o = get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com");
	assert_owned(o, "flux-system", "flux-system");
	cJSON_Delete(o);

	/* the same unit again: the dry-run shows no drift, every object "unchanged", nothing written (same RV) */
	assert_ok(apply(docs, sources, 6, &again));
	assert_int_equal(again.n, 6);
	for (size_t i = 0; i < 6; i++) {
		assert_string_equal(again.changes[i].id, res.changes[i].id);
		assert_int_equal(again.changes[i].action, PN_SSA_UNCHANGED);
		assert_string_equal(again.changes[i].resource_version, res.changes[i].resource_version);
	}
	pn_ssa_result_release(&again);

	/* the objects read one at a time by the apply (a spooled build): each twice, to check it and to send it */
	assert_ok(apply_loaded(docs, sources, 6, &l, &again));
	assert_int_equal(again.n, 6);
	for (size_t i = 0; i < 6; i++) {
		assert_string_equal(again.changes[i].id, res.changes[i].id);
		assert_string_equal(again.changes[i].resource_version, res.changes[i].resource_version);
		assert_int_equal(l.loads[i], 2);
	}
	pn_ssa_result_release(&again);
	pn_ssa_result_release(&res);

	/* what the server saw: SSA with pinion's manager and force; only the discovery pinion needed */
	assert_true(log_has(mark, "PATCH", "/apis/apps/v1/namespaces/lab/deployments/web",
	    "fieldManager=pinion&force=true", "application/apply-patch+yaml"));
	assert_true(log_has(mark, "PATCH", "/api/v1/namespaces/lab", "fieldManager=pinion&force=true", NULL));
	assert_true(log_has(mark, "PATCH", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
	    "widgets.example.com", "fieldManager=pinion&force=true", NULL));
	assert_true(log_has(mark, "GET", "/apis/example.com/v1", NULL, NULL));
	assert_false(log_has(mark, "GET", "/apis/batch/v1", NULL, NULL));
}

/* Flux's stages and ReconcileOrder: Namespace, then the Class kinds (applied and awaited), then the rest with the
 * admission webhooks last, each ordered by kind rank, namespace and name, whatever the document order. The
 * unit's inventory lists every object. */
static void
test_stage_order(void **state)
{
	static const char *const docs[] = {
		"{\"apiVersion\":\"admissionregistration.k8s.io/v1\",\"kind\":\"ValidatingWebhookConfiguration\","
		"\"metadata\":{\"name\":\"hook\"},\"webhooks\":[]}",
		"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"b\",\"namespace\":\"ord\"}}",
		"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\",\"namespace\":\"ord\"}}",
		"{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"IngressClass\",\"metadata\":{\"name\":\"ord\"},"
		"\"spec\":{\"controller\":\"example.com/ingress\"}}",
		"{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"ord\"}}",
	};
	struct pn_ssa_result res;

	(void)state;
	assert_ok(apply_with(fx.k, docs, NULL, 5, NULL, &res));
	assert_int_equal(res.n, 5);
	assert_change(&res, 0, "v1 Namespace ord", PN_SSA_CREATED);
	assert_change(&res, 1, "networking.k8s.io/v1 IngressClass ord", PN_SSA_CREATED);
	assert_change(&res, 2, "v1 ConfigMap ord/a", PN_SSA_CREATED);
	assert_change(&res, 3, "v1 ConfigMap ord/b", PN_SSA_CREATED);
	assert_change(&res, 4, "admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration hook", PN_SSA_CREATED);
	assert_int_equal(res.inv.n, 5);
	assert_non_null(pn_inv_find(&res.inv, "_ord_networking.k8s.io_IngressClass"));
	assert_non_null(pn_inv_find(&res.inv, "ord_a__ConfigMap"));
	pn_ssa_result_release(&res);
}

/* A namespaced object without a namespace goes to "default"; a cluster-scoped one never carries one; the unit's
 * name and namespace come from the options. */
static void
test_scopes_and_unit_labels(void **state)
{
	static const char *const docs[] = {
		"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"nons\",\"labels\":null},"
		"\"data\":{}}",
		"{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRole\",\"metadata\":{\"name\":"
		"\"pinion-test\",\"namespace\":\"junk\",\"labels\":{\"" PN_SSA_LABEL_NAME "\":\"someone-else\"}},"
		"\"rules\":[]}",
	};
	struct pn_ssa_options opt = {.unit_name = "apps", .unit_namespace = "flux-system"};
	struct pn_ssa_result res;
	cJSON *o;

	(void)state;
	assert_ok(apply_with(fx.k, docs, NULL, 2, &opt, &res));
	assert_int_equal(res.n, 2);
	/* stage 1 first: the ClusterRole */
	assert_change(&res, 0, "rbac.authorization.k8s.io/v1 ClusterRole pinion-test", PN_SSA_CREATED);
	assert_change(&res, 1, "v1 ConfigMap default/nons", PN_SSA_CREATED);
	pn_ssa_result_release(&res);
	o = get("/api/v1/namespaces/default/configmaps/nons");
	assert_owned(o, "apps", "flux-system");
	cJSON_Delete(o);
	o = get("/apis/rbac.authorization.k8s.io/v1/clusterroles/pinion-test");
	assert_owned(o, "apps", "flux-system");	/* the unit's label replaces another value */
	assert_null(str_at(o, "metadata", "namespace", NULL));
	cJSON_Delete(o);
}

static void
test_missing_namespace(void **state)
{
	static const char *const docs[] = {CONFIGMAP("ghost", "cfg")};
	static const char *const sources[] = {"apps/cfg.yaml"};
	struct pn_ssa_result res;

	(void)state;
	assert_error(apply(docs, sources, 1, &res), PN_ERR_NOT_FOUND, "v1 ConfigMap ghost/cfg (apps/cfg.yaml): "
	    "namespace ghost does not exist: add a Namespace to the unit or create it (404 NotFound: namespaces "
	    "\"ghost\" not found)");
	assert_int_equal(res.n, 0);
	pn_ssa_result_release(&res);
}

/* Preflight: every kind nobody serves and every missing namespace in one message, with the first object that
 * needs each and how many more do; a namespace the unit creates is no lack; nothing is written. */
static void
test_preflight_lists_everything(void **state)
{
	static const char *const docs[] = {
		NAMESPACE("mine"),
		CONFIGMAP("mine", "ok"),
		CONFIGMAP("ghost2", "c1"),
		CONFIGMAP("ghost2", "c2"),
		CONFIGMAP("ghost3", "c3"),
		"{\"apiVersion\":\"example.org/v1\",\"kind\":\"Gadget\",\"metadata\":{\"name\":\"g1\",\"namespace\":\"mine\"}}",
		"{\"apiVersion\":\"example.org/v1\",\"kind\":\"Gadget\",\"metadata\":{\"name\":\"g2\",\"namespace\":\"mine\"}}",
	};
	static const char *const sources[] = {"ns.yaml", "ok.yaml", "c1.yaml", "c2.yaml", "c3.yaml", "g1.yaml", "g2.yaml"};
	struct pn_ssa_result res;
	const struct pn_error *err;
	cJSON *o;

	(void)state;
	err = apply(docs, sources, 7, &res);
	assert_non_null(err);
	assert_int_equal(err->code, PN_ERR_NOT_FOUND);
	assert_non_null(strstr(err->msg, "example.org/v1 Gadget mine/g1 (g1.yaml): no kind Gadget in apiVersion "
	    "example.org/v1 is served: is its CRD installed? (and 1 more object)"));
	assert_non_null(strstr(err->msg, "; v1 ConfigMap ghost2/c1 (c1.yaml): namespace ghost2 does not exist: add a "
	    "Namespace to the unit or create it (404 NotFound: namespaces \"ghost2\" not found) (and 1 more object)"));
	assert_non_null(strstr(err->msg, "; v1 ConfigMap ghost3/c3 (c3.yaml): namespace ghost3 does not exist"));
	assert_null(strstr(err->msg, "namespace mine"));
	assert_int_equal(res.n, 0);
	pn_ssa_result_release(&res);
	o = get("/api/v1/namespaces/mine");
	assert_null(o);
}

/* A kind nobody serves fails the unit before anything is written. */
static void
test_kind_without_crd(void **state)
{
	static const char *const docs[] = {
		NAMESPACE("nocrd"),
		CONFIGMAP("nocrd", "cfg"),
		"{\"apiVersion\":\"example.org/v1\",\"kind\":\"Gadget\",\"metadata\":{\"name\":\"g\",\"namespace\":"
		"\"nocrd\"}}",
	};
	static const char *const sources[] = {"ns.yaml", "cfg.yaml", "gadget.yaml"};
	static const char *const crd[] = {CRD("gizmos", "example.net", "Gizmo", "v1")};
	static const char *const wrong_version[] = {
		"{\"apiVersion\":\"example.net/v2\",\"kind\":\"Gizmo\",\"metadata\":{\"name\":\"g\"}}",
	};
	static const char *const wrong_kind[] = {
		"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deploymnet\",\"metadata\":{\"name\":\"g\",\"namespace\":\"x\"}}",
	};
	struct pn_ssa_result res;
	cJSON *o;

	(void)state;
	assert_error(apply(docs, sources, 3, &res), PN_ERR_NOT_FOUND, "example.org/v1 Gadget nocrd/g (gadget.yaml): no "
	    "kind Gadget in apiVersion example.org/v1 is served: is its CRD installed?");
	assert_int_equal(res.n, 0);
	pn_ssa_result_release(&res);
	o = get("/api/v1/namespaces/nocrd");
	assert_null(o);

	/* a served group, another version: the message says which versions there are */
	assert_ok(apply(crd, NULL, 1, &res));
	pn_ssa_result_release(&res);
	assert_error(apply(wrong_version, NULL, 1, &res), PN_ERR_NOT_FOUND, "example.net/v2 Gizmo g: no kind Gizmo "
	    "in apiVersion example.net/v2 is served: is its CRD installed? (the server serves example.net/v1)");
	pn_ssa_result_release(&res);
	/* a served group/version without the kind */
	assert_error(apply(wrong_kind, NULL, 1, &res), PN_ERR_NOT_FOUND, "apps/v1 Deploymnet x/g: no kind Deploymnet "
	    "in apiVersion apps/v1 is served");
	pn_ssa_result_release(&res);
}

/* The server's refusals name the object and quote the server; what was applied before stays in the result. */
static void
test_rejected_by_server(void **state)
{
	static const char *const bad_name[] = {NAMESPACE("rej"), CONFIGMAP("rej", "Bad_Name")};
	static const char *const sources[] = {"ns.yaml", "apps/cfg.yaml"};
	static const char *const unknown_field[] = {
		"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\",\"namespace\":"
		"\"rej\"},\"spec\":{\"foo\":1,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"metadata\":"
		"{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"nginx\"}]}}}}",
	};
	static const char *const no_selector[] = {
		"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\",\"namespace\":"
		"\"rej\"},\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"nginx\"}]}}}}",
	};
	static const char *const bad_crd[] = {
		"{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\",\"metadata\":{\"name\":"
		"\"wrong.example.com\"},\"spec\":{\"group\":\"example.com\",\"scope\":\"Namespaced\",\"names\":{\"plural\":"
		"\"things\",\"kind\":\"Thing\"},\"versions\":[{\"name\":\"v1\",\"served\":true,\"storage\":true,\"schema\":"
		"{\"openAPIV3Schema\":{\"type\":\"object\"}}}]}}",
		"{\"apiVersion\":\"example.com/v1\",\"kind\":\"Thing\",\"metadata\":{\"name\":\"t\",\"namespace\":\"rej\"}}",
	};
	struct pn_ssa_result res;

	(void)state;
	assert_error(apply(bad_name, sources, 2, &res), PN_ERR_REJECTED, "v1 ConfigMap rej/Bad_Name (apps/cfg.yaml): "
	    "422 Invalid: ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase "
	    "RFC 1123 subdomain");
	assert_int_equal(res.n, 1);
	assert_string_equal(res.changes[0].id, "v1 Namespace rej");
	pn_ssa_result_release(&res);

	assert_error(apply(unknown_field, NULL, 1, &res), PN_ERR_REJECTED, "apps/v1 Deployment rej/web: 500: failed to "
	    "create typed patch object (rej/web; apps/v1, Kind=Deployment): .spec.foo: field not declared in schema");
	pn_ssa_result_release(&res);
	assert_error(apply(no_selector, NULL, 1, &res), PN_ERR_REJECTED, "apps/v1 Deployment rej/web: 422 Invalid: "
	    "Deployment.apps \"web\" is invalid: spec.selector: Required value");
	pn_ssa_result_release(&res);
	/* a CRD the server refuses stops the unit in stage 1 */
	assert_error(apply(bad_crd, NULL, 2, &res), PN_ERR_REJECTED, "apiextensions.k8s.io/v1 "
	    "CustomResourceDefinition wrong.example.com: 422 Invalid: CustomResourceDefinition.apiextensions.k8s.io "
	    "\"wrong.example.com\" is invalid: metadata.name");
	assert_int_equal(res.n, 0);
	pn_ssa_result_release(&res);
}

/* Malformed objects fail before any request, named by their place in the unit. */
static void
test_malformed_objects(void **state)
{
	static const struct {
		const char *doc;
		const char *needle;
	} cases[] = {
		{"[1]", "object 2 of the unit (b.yaml): not a mapping"},
		{"{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"}}", "object 2 of the unit (b.yaml): apiVersion is "
		    "missing"},
		{"{\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"x\"}}", "object 2 of the unit (b.yaml): kind is missing"},
		{"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{}}", "metadata.name is missing"},
		{"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\"}", "metadata.name is missing"},
		{"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"\"}}", "metadata.name is missing"},
		{"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\",\"namespace\":5}}",
		    "v1 ConfigMap x (b.yaml): metadata.namespace is not a string"},
		{"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\",\"labels\":[]}}",
		    "metadata.labels is not a mapping"},
		{"{\"apiVersion\":\"a/b/c\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"}}",
		    "a/b/c ConfigMap x (b.yaml): apiVersion \"a/b/c\" is not <version> or <group>/<version>"},
	};
	static const char *const sources[] = {"a.yaml", "b.yaml"};
	size_t mark = log_mark();

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *docs[] = {CONFIGMAP("default", "first"), cases[i].doc};
		struct pn_ssa_result res;
		struct loader l;
		const struct pn_error *e = apply(docs, sources, 2, &res);

		assert_non_null(e);
		if (strstr(e->msg, cases[i].needle) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, e->msg, cases[i].needle);
		assert_int_equal(res.n, 0);
		pn_ssa_result_release(&res);
		/* the same message when the apply reads the objects itself */
		e = apply_loaded(docs, sources, 2, &l, &res);
		assert_non_null(e);
		if (strstr(e->msg, cases[i].needle) == NULL)
			fail_msg("case %zu (loaded): \"%s\" lacks \"%s\"", i, e->msg, cases[i].needle);
		pn_ssa_result_release(&res);
	}
	/* nothing was written, not even the good first object */
	assert_false(log_has(mark, "PATCH", "/api/v1/namespaces/default/configmaps/first", NULL, NULL));
}

static void
emu_config(const char *json)
{
	struct pn_kapi_reply r;

	pn_kapi_reply_init(&r, fx.k);
	assert_ok(pn_kapi_do(fx.k, "POST", "/_emu/config", "application/json", json, strlen(json), &r));
	assert_int_equal(r.status, 200);
	pn_kapi_reply_release(&r);
}

/* A CRD that takes a while to be served: discovery is asked again until it is, within the wait timeout. */
static void
test_wait_for_crd(void **state)
{
	static const char *const docs[] = {
		"{\"apiVersion\":\"slow.example.com/v1\",\"kind\":\"Slow\",\"metadata\":{\"name\":\"s\",\"namespace\":"
		"\"default\"},\"spec\":{}}",
		CRD("slows", "slow.example.com", "Slow", "v1"),
	};
	static const char *const later[] = {
		"{\"apiVersion\":\"later.example.com/v1\",\"kind\":\"Later\",\"metadata\":{\"name\":\"l\"}}",
		CRD("laters", "later.example.com", "Later", "v1"),
	};
	struct pn_ssa_options opt = {.wait_interval_ms = 100, .wait_timeout_ms = 20000 * (uint64_t)pn_test_slow()};
	struct pn_ssa_result res;
	uint64_t t0;

	(void)state;
	emu_config("{\"crdEstablishDelay\":0.6}");
	t0 = pn_clock_mono_ms();
	assert_ok(apply_with(fx.k, docs, NULL, 2, &opt, &res));
	assert_true(pn_clock_mono_ms() - t0 >= 500);
	assert_int_equal(res.n, 2);
	assert_change(&res, 1, "slow.example.com/v1 Slow default/s", PN_SSA_CREATED);
	pn_ssa_result_release(&res);

	/* never served within the timeout: a retryable error naming the object; the CRD itself was applied */
	emu_config("{\"crdEstablishDelay\":30}");
	opt.wait_timeout_ms = 300;
	assert_error(apply_with(fx.k, later, NULL, 2, &opt, &res), PN_ERR_UNAVAILABLE, "later.example.com/v1 Later l: "
	    "the API server still does not serve later.example.com/v1 Later 300 ms after this unit applied its "
	    "CustomResourceDefinition");
	assert_int_equal(res.n, 1);
	pn_ssa_result_release(&res);
	emu_config("{\"crdEstablishDelay\":0}");
}

/* A token instead of a client certificate; files named relative to the kubeconfig; refused credentials. */
static void
test_credentials(void **state)
{
	static const char *const token_docs[] = {CONFIGMAP("default", "by-token")};
	static const char *const files_docs[] = {CONFIGMAP("default", "by-files")};
	struct pn_ssa_result res;
	struct pn_kapi *k;
	cJSON *o;

	(void)state;
	k = client("token.yaml");
	assert_ok(apply_with(k, token_docs, NULL, 1, NULL, &res));
	assert_change(&res, 0, "v1 ConfigMap default/by-token", PN_SSA_CREATED);
	pn_ssa_result_release(&res);
	pn_kapi_free(k);

	k = client("files.yaml");
	assert_ok(apply_with(k, files_docs, NULL, 1, NULL, &res));
	assert_change(&res, 0, "v1 ConfigMap default/by-files", PN_SSA_CREATED);
	pn_ssa_result_release(&res);
	pn_kapi_free(k);
	o = get("/api/v1/namespaces/default/configmaps/by-files");
	assert_owned(o, "flux-system", "flux-system");
	cJSON_Delete(o);

	k = client("badtoken.yaml");
	assert_error(apply_with(k, token_docs, NULL, 1, NULL, &res), PN_ERR_AUTH, "v1 ConfigMap default/by-token: "
	    "discovery GET /api/v1: 401 Unauthorized: Unauthorized");
	pn_ssa_result_release(&res);
	pn_kapi_free(k);
}

/* A busy server (503) is retryable and quoted; a server that is not there is a network error. */
static void
test_server_unavailable(void **state)
{
	static const char fault[] = "{\"method\":\"PATCH\",\"path\":\"/api/v1/namespaces/default/configmaps/busy\","
	    "\"action\":\"503\",\"count\":1,\"message\":\"etcd is busy\"}";
	static const char *const docs[] = {CONFIGMAP("default", "busy")};
	char path[PN_TEST_PATH_MAX * 2], port[16], *at;
	struct pn_kubeconfig *kc = NULL;
	struct pn_kapi_reply r;
	struct pn_ssa_result res;
	struct pn_kapi *k = NULL;
	struct pn_buf b;

	(void)state;
	pn_kapi_reply_init(&r, fx.k);
	assert_ok(pn_kapi_do(fx.k, "POST", "/_emu/faults", "application/json", fault, strlen(fault), &r));
	assert_int_equal(r.status, 200);
	pn_kapi_reply_release(&r);
	assert_error(apply(docs, NULL, 1, &res), PN_ERR_UNAVAILABLE, "v1 ConfigMap default/busy: 503 "
	    "ServiceUnavailable: etcd is busy");
	pn_ssa_result_release(&res);
	/* the fault was used up: the same connection goes on */
	assert_ok(apply(docs, NULL, 1, &res));
	pn_ssa_result_release(&res);

	/* the same kubeconfig, pointing at a port nobody listens on */
	snprintf(path, sizeof(path), "%s/k3s.yaml", fx.dir);
	snprintf(port, sizeof(port), ":%d", fx.port);
	pn_buf_init(&b, PN_KUBECONFIG_MAX, "kubeconfig");
	assert_ok(pn_file_read(path, &b));
	at = strstr(b.data, port);
	assert_non_null(at);
	memmove(at + 2, at + strlen(port), strlen(at + strlen(port)) + 1);
	memcpy(at, ":1", 2);
	assert_ok(pn_kubeconfig_parse(b.data, strlen(b.data), path, NULL, &kc));
	assert_string_equal(kc->server, "https://127.0.0.1:1");
	assert_ok(pn_kapi_new(kc, NULL, &k));
	assert_error(apply_with(k, docs, NULL, 1, NULL, &res), PN_ERR_NET, "v1 ConfigMap default/busy: ");
	pn_ssa_result_release(&res);
	pn_kapi_free(k);
	pn_kubeconfig_free(kc);
	pn_buf_release(&b);
}

/* Discovery live: the text 404 of an unserved group/version, the cache, and forgetting it. */
static void
test_discovery_live(void **state)
{
	const struct pn_discovery_resource *r;
	struct pn_discovery *d = NULL;
	struct pn_kapi_reply reply;

	(void)state;
	pn_kapi_reply_init(&reply, fx.k);
	assert_ok(pn_kapi_do(fx.k, "GET", "/apis/nothing.example.com/v1", NULL, NULL, 0, &reply));
	assert_true(pn_kapi_not_served(&reply));
	assert_error(pn_kapi_reply_error(&reply, "GET /apis/nothing.example.com/v1"), PN_ERR_NOT_FOUND,
	    "does not serve this resource type");
	pn_kapi_reply_release(&reply);

	assert_ok(pn_discovery_new(fx.k, &d));
	assert_ok(pn_discovery_find(d, "apps/v1", "Deployment", &r));
	assert_non_null(r);
	assert_string_equal(r->resource, "deployments");
	assert_true(r->namespaced);
	assert_ok(pn_discovery_find(d, "v1", "Namespace", &r));
	assert_false(r->namespaced);
	assert_ok(pn_discovery_find(d, "nothing.example.com/v1", "X", &r));
	assert_null(r);
	assert_error(pn_discovery_lookup(d, "nothing.example.com/v1", "X", &r), PN_ERR_NOT_FOUND,
	    "no kind X in apiVersion nothing.example.com/v1 is served: is its CRD installed?");
	pn_discovery_forget(d, NULL);
	assert_ok(pn_discovery_find(d, "helm.cattle.io/v1", "HelmChart", &r));
	assert_non_null(r);
	assert_string_equal(r->resource, "helmcharts");
	pn_discovery_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apply_unit),
		cmocka_unit_test(test_scopes_and_unit_labels),
		cmocka_unit_test(test_stage_order),
		cmocka_unit_test(test_missing_namespace),
		cmocka_unit_test(test_preflight_lists_everything),
		cmocka_unit_test(test_kind_without_crd),
		cmocka_unit_test(test_rejected_by_server),
		cmocka_unit_test(test_malformed_objects),
		cmocka_unit_test(test_wait_for_crd),
		cmocka_unit_test(test_credentials),
		cmocka_unit_test(test_server_unavailable),
		cmocka_unit_test(test_discovery_live),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
