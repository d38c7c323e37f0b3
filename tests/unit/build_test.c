#include "pn_test.h"
#include "peer.h"

#include "../../agent/core/dirtree.h"
#include "../../agent/render/build.h"

static char dir[PN_TEST_PATH_MAX];

/* Write `content` to tree-relative `rel`, creating its directories. */
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

static void
rm(const char *rel)
{
	char path[PN_TEST_PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_int_equal(unlink(path), 0);
}

static int
setup(void **state)
{
	(void)state;
	return pn_test_tmpdir("build", dir, sizeof(dir));
}

static int
teardown(void **state)
{
	(void)state;
	pn_test_rmtree(dir);
	return 0;
}

#define CM(name) "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " name "\n"

/* Build `path` and describe the result as "file:line Kind/name ..." (flux objects prefixed with "flux:"). */
static const struct pn_error *
build(const char *path, char *out, size_t cap)
{
	struct pn_build_result res;
	const struct pn_error *err;
	struct pn_tree_reader r;
	struct pn_dirtree *t;
	size_t o = 0;

	out[0] = '\0';
	assert_ok(pn_dirtree_new(dir, &t));
	pn_dirtree_reader(t, &r);
	if ((err = pn_build(&r, path, NULL, &res)) == NULL) {
		for (size_t k = 0; k < res.ndocs + res.nflux; k++) {
			int flux = k >= res.ndocs;
			const struct pn_build_doc *d = flux ? &res.flux[k - res.ndocs] : &res.docs[k];
			const cJSON *md = cJSON_GetObjectItemCaseSensitive(d->obj, "metadata");

			o += (size_t)snprintf(out + o, cap - o, "%s%s%s:%zu %s/%s", o > 0 ? " " : "", flux ? "flux:" : "",
			    d->file, d->line, cJSON_GetObjectItemCaseSensitive(d->obj, "kind")->valuestring,
			    cJSON_GetObjectItemCaseSensitive(md, "name")->valuestring);
		}
		for (size_t k = 0; k < res.nnotices; k++)
			o += (size_t)snprintf(out + o, cap - o, " [%s]", res.notices[k]);
		pn_build_result_release(&res);
	}
	pn_dirtree_free(t);
	return err;
}

static void
test_kustomization(void **state)
{
	char got[2048];

	(void)state;
	put("k/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
	    "resources:\n- s.yaml\n- base\n- ./a.yml\n- ../shared/x.json\n");
	put("k/s.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n");
	put("k/base/kustomization.yml", "resources: [d.yaml, ns.yaml, nested/]\n");
	put("k/base/d.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n---\n---\n" CM("d2"));
	put("k/base/ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns}\n");
	put("k/base/nested/Kustomization", "resources:\n- cm.yaml\n");
	put("k/base/nested/cm.yaml", CM("nested"));
	put("k/base/ignored.yaml", CM("ignored"));
	put("k/a.yml", "apiVersion: v1\nkind: List\nitems:\n- " "apiVersion: v1\n  kind: A\n  metadata: {name: a1}\n"
	    "- {apiVersion: v1, kind: A, metadata: {name: a2}}\n");
	put("shared/x.json", "{\"apiVersion\": \"source.toolkit.fluxcd.io/v1\", \"kind\": \"GitRepository\", "
	    "\"metadata\": {\"name\": \"x\"}}");
	/* FIFO: resource order, directories expanded in place, a lone List replaced by its items */
	assert_ok(build("./k/", got, sizeof(got)));
	assert_string_equal(got, "k/s.yaml:1 Service/s k/base/d.yaml:1 Deployment/d k/base/d.yaml:6 ConfigMap/d2 "
	    "k/base/ns.yaml:1 Namespace/ns k/base/nested/cm.yaml:1 ConfigMap/nested k/a.yml:1 A/a1 k/a.yml:1 A/a2 "
	    "flux:shared/x.json:1 GitRepository/x");
	/* a List beside other documents: its items go after them, a nested List's items in its place
	 * (kubectl kustomize --reorder none prints C, Z, Y) */
	put("o/kustomization.yaml", "resources: [l.yaml]\n");
	put("o/l.yaml", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items:\n"
	    "  - {apiVersion: v1, kind: Z, metadata: {name: z}}\n- {apiVersion: v1, kind: Y, metadata: {name: y}}\n"
	    "---\napiVersion: v1\nkind: C\nmetadata: {name: c}\n");
	assert_ok(build("o", got, sizeof(got)));
	assert_string_equal(got, "o/l.yaml:10 C/c o/l.yaml:1 Z/z o/l.yaml:1 Y/y");
	put("o/l.yaml", "apiVersion: v1\nkind: FooList\nitems: 5\n");
	assert_error(build("o", got, sizeof(got)), PN_ERR_PARSE, "o/l.yaml:1: expected array in FooList/items");
}

static void
test_kustomization_errors(void **state)
{
	static const struct {
		const char *kust;
		enum pn_err_code code;
		const char *needle;
	} cases[] = {
		{"resources: [a.yaml]\nnamespace: x\n", PN_ERR_UNSUPPORTED,
		    "e/kustomization.yaml: unsupported kustomization key \"namespace\""},
		{"resources: [missing.yaml]\n", PN_ERR_NOT_FOUND,
		    "e/kustomization.yaml: resource \"missing.yaml\" does not exist"},
		{"resources: [a.yaml, ./a.yaml]\n", PN_ERR_PARSE, "e/kustomization.yaml: e/a.yaml is included twice"},
		{"resources: [.]\n", PN_ERR_PARSE, "e/kustomization.yaml: cycle"},
		{"resources: [loop]\n", PN_ERR_PARSE, "e/loop/kustomization.yaml: cycle"},
		{"resources: [../../x.yaml]\n", PN_ERR_PARSE, "resource \"../../x.yaml\" leaves the tree root"},
		{"resources: [/etc/passwd]\n", PN_ERR_PARSE, "absolute paths are not supported"},
		{"resources: [https://github.com/x/y//z?ref=v1]\n", PN_ERR_UNSUPPORTED, "remote resources are not supported"},
		{"resources: [github.com/x/y/z?ref=v1]\n", PN_ERR_UNSUPPORTED, "remote resources are not supported"},
		{"resources: [plain]\n", PN_ERR_NOT_FOUND, "resource \"plain\" is a directory without kustomization.yaml"},
		{"resources: [5]\n", PN_ERR_PARSE, "a resources entry is not a string"},
		{"resources: a.yaml\n", PN_ERR_PARSE, "resources must be a list"},
		{"", PN_ERR_PARSE, "e/kustomization.yaml: kustomization is empty"},
		{"{}\n", PN_ERR_PARSE, "kustomization is empty"},
		{"apiVersion: v1\nresources: []\n", PN_ERR_PARSE, "apiVersion for Kustomization should be"},
		{"kind: Component\n", PN_ERR_UNSUPPORTED, "kind Component is not supported yet"},
		{"resources: [bad.yaml]\n", PN_ERR_PARSE, "e/bad.yaml:2: duplicate key \"a\" (first at line 1)"},
		{"resources: [noname.yaml]\n", PN_ERR_PARSE, "e/noname.yaml:1: missing metadata.name in ConfigMap"},
		{"resources: [nokind.yaml]\n", PN_ERR_PARSE, "e/nokind.yaml:1: missing kind"},
		{"resources: [scalar.yaml]\n", PN_ERR_PARSE, "e/scalar.yaml:1: missing Resource metadata"},
		{"resources: [two]\n", PN_ERR_PARSE, "found multiple kustomization files under e/two"},
	};
	char got[2048];

	(void)state;
	put("e/a.yaml", CM("a"));
	put("e/loop/kustomization.yaml", "resources: [..]\n");
	put("e/plain/x.yaml", CM("x"));
	put("e/bad.yaml", "a: 1\na: 2\n");
	put("e/noname.yaml", "apiVersion: v1\nkind: ConfigMap\n");
	put("e/nokind.yaml", "apiVersion: v1\nmetadata: {name: x}\n");
	put("e/scalar.yaml", "hello\n");
	put("e/two/kustomization.yaml", "resources: []\n");
	put("e/two/Kustomization", "resources: []\n");
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct pn_error *err;

		put("e/kustomization.yaml", cases[k].kust);
		if ((err = build("e", got, sizeof(got))) == NULL)
			fail_msg("case %zu built: %s", k, got);
		assert_error(err, cases[k].code, cases[k].needle);
	}
	/* what kustomize drops without a word: null and empty documents, empty or null List items */
	put("e/kustomization.yaml", "resources: [empty.yaml]\n");
	put("e/empty.yaml", "---\n{}\n---\n~\n---\napiVersion: v1\nkind: List\nitems: [null, {}]\n---\n" CM("kept"));
	assert_ok(build("e", got, sizeof(got)));
	assert_string_equal(got, "e/empty.yaml:10 ConfigMap/kept");
}

/* Flux's generated kustomization when the path has none. */
static void
test_generated(void **state)
{
	char got[2048];

	(void)state;
	put("c/zz.yaml", CM("zz"));
	put("c/apps.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
	    "metadata: {name: apps, namespace: flux-system}\n");
	put("c/flux-system/kustomization.yaml", "resources: [gotk-components.yaml]\n");
	put("c/flux-system/gotk-components.yaml", CM("gotk"));
	put("c/sub/kustomization.yaml", "resources: [in.yaml]\n");
	put("c/sub/in.yaml", CM("in"));
	put("c/sub/not-listed.yaml", CM("not-listed"));
	put("c/deep/er/x.yml", CM("x"));
	put("c/deep/flux-system/y.yaml", CM("y"));	/* only flux-system/ directly under the path is skipped */
	put("c/deep/README.md", "# not YAML\n");
	put("c/deep/values.json", "{}");
	put("c/Z.yaml", CM("Z"));
	assert_ok(build("c", got, sizeof(got)));
	assert_string_equal(got, "c/Z.yaml:1 ConfigMap/Z c/deep/er/x.yml:1 ConfigMap/x "
	    "c/deep/flux-system/y.yaml:1 ConfigMap/y c/sub/in.yaml:1 ConfigMap/in c/zz.yaml:1 ConfigMap/zz "
	    "flux:c/apps.yaml:1 Kustomization/apps [skipped c/flux-system/ (Flux's own install)]");
	/* every YAML file must hold objects, as Flux's generator checks */
	put("c/deep/bad.yaml", "just: [text\n");
	assert_error(build("c", got, sizeof(got)), PN_ERR_PARSE, "c/deep/bad.yaml:");
	rm("c/deep/bad.yaml");
	assert_error(build("c/zz.yaml", got, sizeof(got)), PN_ERR_USAGE, "path c/zz.yaml is not a directory");
	assert_error(build("nope", got, sizeof(got)), PN_ERR_NOT_FOUND, "nope does not exist");
	assert_error(build("../x", got, sizeof(got)), PN_ERR_USAGE, "leaves the tree root");
}

/* The named ceilings of a build. */
static void
test_limits(void **state)
{
	struct pn_build_options opt;
	struct pn_build_result res;
	struct pn_tree_reader r;
	struct pn_dirtree *t;

	(void)state;
	put("l/a.yaml", CM("a") "---\n" CM("b") "---\n" CM("c"));
	put("l/b.yaml", CM("d"));
	assert_ok(pn_dirtree_new(dir, &t));
	pn_dirtree_reader(t, &r);
	pn_build_options_init(&opt);
	opt.max_docs = 3;
	assert_error(pn_build(&r, "l", &opt, &res), PN_ERR_TOO_LARGE, "l/b.yaml:1: the build has more than 3 objects");
	assert_int_equal(res.ndocs, 0);
	pn_build_options_init(&opt);
	opt.max_bytes = 170;
	assert_error(pn_build(&r, "l", &opt, &res), PN_ERR_TOO_LARGE, "l/b.yaml: the build's files exceed the 170 bytes");
	pn_build_options_init(&opt);
	opt.yaml.max_file = 100;
	assert_error(pn_build(&r, "l", &opt, &res), PN_ERR_TOO_LARGE, "larger than the 100 bytes allowed");
	pn_build_options_init(&opt);
	assert_ok(pn_build(&r, "l", &opt, &res));
	assert_int_equal(res.ndocs, 4);
	assert_int_equal(res.nfiles, 2);
	pn_build_result_release(&res);
	pn_dirtree_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kustomization),
		cmocka_unit_test(test_kustomization_errors),
		cmocka_unit_test(test_generated),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests_name("build", tests, setup, teardown);
}
