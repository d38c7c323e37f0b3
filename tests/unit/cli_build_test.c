#include "pn_test.h"
#include "peer.h"

#include "../../agent/render/cli_build.h"

static char dir[PN_TEST_PATH_MAX];

static void
put(const char *rel, const char *content)
{
	char path[PN_TEST_PATH_MAX * 2];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	assert_non_null(f = fopen(path, "w"));
	fputs(content, f);
	fclose(f);
}

static int
setup(void **state)
{
	(void)state;
	return pn_test_tmpdir("cli_build", dir, sizeof(dir));
}

static int
teardown(void **state)
{
	(void)state;
	pn_test_rmtree(dir);
	return 0;
}

#define MAXARG 8

static const struct {
	const char *argv[MAXARG];
	enum pn_err_code code;	/* 0: parses */
	const char *dir_or_msg;
	enum pn_order_mode order;
	int none;
} cases[] = {
	{{"build", "dir"}, 0, "dir", PN_ORDER_LEGACY, -1},
	{{"build"}, 0, ".", PN_ORDER_LEGACY, -1},
	{{"build", "--reorder", "none", "in"}, 0, "in", PN_ORDER_NONE, -1},
	{{"build", "in", "--reorder=legacy"}, 0, "in", PN_ORDER_LEGACY, -1},
	{{"build", "--load-restrictor", "LoadRestrictionsNone", "--reorder", "none", "in/x"}, 0, "in/x",
	    PN_ORDER_NONE, 1},
	{{"build", "--load-restrictor=LoadRestrictionsRootOnly", "d"}, 0, "d", PN_ORDER_LEGACY, 0},
	{{"build", "--", "-odd"}, 0, "-odd", PN_ORDER_LEGACY, -1},
	{{"build", "--reorder", "fifo", "d"}, PN_ERR_USAGE, "must be none or legacy", 0, 0},
	{{"build", "--reorder"}, PN_ERR_USAGE, "--reorder needs a value", 0, 0},
	{{"build", "--load-restrictor", "none", "d"}, PN_ERR_USAGE, "LoadRestrictionsRootOnly or", 0, 0},
	{{"build", "--enable-helm", "d"}, PN_ERR_UNSUPPORTED, "helm charts are not supported", 0, 0},
	{{"build", "a", "b"}, PN_ERR_USAGE, "one directory only", 0, 0},
	{{"build", "--output", "x", "d"}, PN_ERR_USAGE, "unknown flag \"--output\"", 0, 0},
	{{"build", "--reordered=none", "d"}, PN_ERR_USAGE, "unknown flag", 0, 0},
	{{"build", "--substitute", "A=1", "--substitute=B=x=y", "--strict-substitute", "d"}, 0, "d", PN_ORDER_LEGACY, -1},
	{{"build", "--substitute", "novalue", "d"}, PN_ERR_USAGE, "--substitute \"novalue\": expected KEY=VALUE", 0, 0},
	{{"build", "--substitute"}, PN_ERR_USAGE, "--substitute needs a value", 0, 0},
	{{"build", "--state-dir", "s", "--path", "apps"}, 0, NULL, PN_ORDER_LEGACY, -1},
	{{"build", "--state-dir", "s", "d"}, PN_ERR_USAGE, "--state-dir exclude each other", 0, 0},
	{{"build", "--substitute-file", "f1", "--substitute-file=f2", "--flux-kustomization", "ks.yaml"}, 0, ".",
	    PN_ORDER_LEGACY, -1},
};

static void
test_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_cli_build_args a;
		int argc = 0;

		while (argc < MAXARG && cases[i].argv[argc] != NULL)
			argc++;
		if (cases[i].code == 0) {
			assert_ok(pn_cli_build_parse(argc, (char **)(uintptr_t)cases[i].argv, &a));
			if (cases[i].dir_or_msg == NULL)
				assert_null(a.dir);
			else
				assert_string_equal(a.dir, cases[i].dir_or_msg);
			assert_int_equal(a.order, cases[i].order);
			assert_int_equal(a.load_restrict_none, cases[i].none);
			pn_cli_build_args_release(&a);
		} else {
			assert_error(pn_cli_build_parse(argc, (char **)(uintptr_t)cases[i].argv, &a), cases[i].code,
			    cases[i].dir_or_msg);
		}
	}
}

/* A base next to the overlay (reached with ".."), printed in both orders; kubectl kustomize printed the same
 * (the writer's quoting and key order, "---" between objects). */
static void
test_render(void **state)
{
	char path[PN_TEST_PATH_MAX * 2];
	struct pn_cli_build_args a = {.dir = path, .order = PN_ORDER_LEGACY};
	struct pn_buf out;

	(void)state;
	put("base/kustomization.yaml", "resources: [d.yaml, ns.yaml]\n");
	put("base/d.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"
	    "spec: {replicas: 1.0, paused: yes}\n");
	put("base/ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n");
	put("app/kustomization.yaml", "resources: [s.yaml, ../base]\n");
	put("app/s.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n");
	snprintf(path, sizeof(path), "%s/app", dir);
	pn_buf_init(&out, 1 << 20, "out");
	assert_ok(pn_cli_build_render(&a, &out));
	assert_string_equal(pn_buf_str(&out), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: \"n\"\n---\n"
	    "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n---\n"
	    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  paused: \"yes\"\n  replicas: 1\n");
	pn_buf_reset(&out);
	a.order = PN_ORDER_NONE;
	assert_ok(pn_cli_build_render(&a, &out));
	assert_string_equal(pn_buf_str(&out), "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n---\n"
	    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  paused: \"yes\"\n  replicas: 1\n"
	    "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: \"n\"\n");
	pn_buf_reset(&out);
	/* errors name files by absolute path */
	put("bad/kustomization.yaml", "resources: [gone.yaml]\n");
	snprintf(path, sizeof(path), "%s/bad", dir);
	{
		const struct pn_error *err = pn_cli_build_render(&a, &out);
		char want[PN_TEST_PATH_MAX * 2];

		assert_non_null(err);
		snprintf(want, sizeof(want), "%s/bad/kustomization.yaml", dir);
		if (strstr(err->msg, want) == NULL || strstr(err->msg, "gone.yaml") == NULL)
			fail_msg("\"%s\" should name %s", err->msg, want);
	}
	snprintf(path, sizeof(path), "%s/absent", dir);
	assert_error(pn_cli_build_render(&a, &out), PN_ERR_ERRNO, "absent");
	assert_int_equal(out.len, 0);
	/* kubectl's load restrictor unless told otherwise: a file outside the kustomization's directory */
	put("lr/kustomization.yaml", "resources: [../base/d.yaml]\n");
	snprintf(path, sizeof(path), "%s/lr", dir);
	a.load_restrict_none = -1;
	assert_error(pn_cli_build_render(&a, &out), PN_ERR_REJECTED, "resource \"../base/d.yaml\": security; file '/");
	assert_int_equal(out.len, 0);
	a.load_restrict_none = 1;
	assert_ok(pn_cli_build_render(&a, &out));
	assert_non_null(strstr(pn_buf_str(&out), "kind: Deployment"));
	pn_buf_release(&out);
}

/* --flux-kustomization: spec.path under DIR, Flux's fields, postBuild variables (file < spec < flag), then
 * commonMetadata, which is not substituted (kustomize-controller applies it after). The label "${TAG}" with
 * TAG=1.0 becomes the number 1, as in Flux (the API server then refuses it). */
static void
test_flux(void **state)
{
	char root[PN_TEST_PATH_MAX * 2], ks[PN_TEST_PATH_MAX * 2], vars[PN_TEST_PATH_MAX * 2];
	const char *files[] = {vars};
	struct pn_cli_build_args a = {.dir = root, .order = PN_ORDER_LEGACY};
	struct pn_buf out;

	(void)state;
	put("repo/apps/web/kustomization.yaml", "resources: [d.yaml]\n");
	put("repo/apps/web/d.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${APP}\n"
	    "spec:\n  replicas: ${N:=1}\n  template: {spec: {containers: [{name: a, image: \"img:${TAG}\"}]}}\n");
	put("repo/components/extra/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1alpha1\n"
	    "kind: Component\ncommonLabels: {extra: \"${TAG}\"}\n");
	put("ks.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
	    "metadata: {name: &app web, namespace: flux-system}\n"
	    "spec:\n  path: ./apps/web\n  targetNamespace: apps\n  nameSuffix: -x\n"
	    "  components: [../../components/extra, ../../components/gone]\n  ignoreMissingComponents: true\n"
	    "  commonMetadata:\n    labels: {owner: \"${APP}\"}\n"
	    "    annotations: {kustomize.toolkit.fluxcd.io/substitute: disabled}\n"
	    "  postBuild:\n    substitute: {APP: *app, TAG: \"1.0\"}\n");
	put("vars.env", "# stands in for substituteFrom\nTAG=0.9\nN=2\n");
	snprintf(root, sizeof(root), "%s/repo", dir);
	snprintf(ks, sizeof(ks), "%s/ks.yaml", dir);
	snprintf(vars, sizeof(vars), "%s/vars.env", dir);
	a.flux_ks = ks;
	a.subst_files = files;
	a.nsubst_files = 1;
	pn_buf_init(&out, 1 << 20, "out");
	assert_ok(pn_cli_build_render(&a, &out));
	assert_string_equal(pn_buf_str(&out), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
	    "  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n"
	    "  labels:\n    extra: 1\n    owner: ${APP}\n  name: web-x\n  namespace: apps\nspec:\n  replicas: 2\n"
	    "  selector:\n    matchLabels:\n      extra: 1\n  template:\n    metadata:\n      labels:\n"
	    "        extra: 1\n    spec:\n      containers:\n      - image: img:1.0\n        name: a\n");
	pn_buf_reset(&out);
	/* the command line wins; strict mode names the variable */
	assert_ok(pn_subst_set_arg(&a.subst, "N=5", "t"));
	assert_ok(pn_cli_build_render(&a, &out));
	assert_non_null(strstr(pn_buf_str(&out), "replicas: 5"));
	pn_buf_reset(&out);
	a.nsubst_files = 0;
	a.subst.strict = 1;
	put("repo/apps/web/d.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: \"${NOPE}\"}\n");
	assert_error(pn_cli_build_render(&a, &out), PN_ERR_NOT_FOUND,
	    "v1 ConfigMap apps/c-x: variable substitution failed: variable not set (strict mode): \"NOPE\"");
	/* --path must agree with spec.path */
	a.path = "apps/other";
	assert_error(pn_cli_build_render(&a, &out), PN_ERR_USAGE, "--path \"apps/other\" and the Kustomization's "
	    "spec.path \"./apps/web\" differ");
	a.path = "apps/web/";
	a.subst.strict = 0;
	assert_ok(pn_cli_build_render(&a, &out));
	pn_buf_reset(&out);
	/* not a Flux Kustomization */
	put("ks.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n");
	assert_error(pn_cli_build_render(&a, &out), PN_ERR_USAGE, "not a kustomize.toolkit.fluxcd.io/v1");
	put("ks.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1beta2\nkind: Kustomization\nspec:\n"
	    "  patchesStrategicMerge: [{kind: X}]\n");
	assert_error(pn_cli_build_render(&a, &out), PN_ERR_UNSUPPORTED, "spec.patchesStrategicMerge is not supported");
	put("ks.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nspec:\n"
	    "  postBuild: {substitute: {PORT: 8080}}\n");
	assert_error(pn_cli_build_render(&a, &out), PN_ERR_PARSE, "spec.postBuild.substitute.PORT must be a string");
	assert_int_equal(out.len, 0);
	/* Flux builds with LoadRestrictionsNone: so does --flux-kustomization, unless told otherwise */
	put("repo/apps/lr/kustomization.yaml", "resources: [../../shared/cm.yaml]\n");
	put("repo/shared/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared}\n");
	put("ks.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nspec: {path: ./apps/lr}\n");
	a.path = NULL;
	a.load_restrict_none = -1;
	assert_ok(pn_cli_build_render(&a, &out));
	assert_string_equal(pn_buf_str(&out), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n");
	pn_buf_reset(&out);
	a.load_restrict_none = 0;
	assert_error(pn_cli_build_render(&a, &out), PN_ERR_REJECTED, "is not in or below");
	pn_buf_release(&out);
	pn_subst_release(&a.subst);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_flux),
	};
	return cmocka_run_group_tests_name("cli_build", tests, setup, teardown);
}
