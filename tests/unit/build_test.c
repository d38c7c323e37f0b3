#include "pn_test.h"
#include "peer.h"

#include <dirent.h>

#include "../../agent/core/buf.h"
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
			const cJSON *md;
			cJSON *obj;

			/* the index says what the spooled object says */
			assert_ok(pn_build_doc_load(&res, d, &obj));
			md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
			assert_string_equal(pn_build_doc_kind(d), cJSON_GetObjectItemCaseSensitive(obj, "kind")->valuestring);
			assert_string_equal(pn_build_doc_name(d), cJSON_GetObjectItemCaseSensitive(md, "name")->valuestring);
			o += (size_t)snprintf(out + o, cap - o, "%s%s%s:%zu %s/%s", o > 0 ? " " : "", flux ? "flux:" : "",
			    d->file, d->line, pn_build_doc_kind(d), pn_build_doc_name(d));
			cJSON_Delete(obj);
		}
		for (size_t k = 0; k < res.nnotices; k++)
			o += (size_t)snprintf(out + o, cap - o, " [%s]", res.notices[k]);
		pn_build_result_release(&res);
	}
	pn_dirtree_free(t);
	return err;
}

/* Build `path` and print each object as compact JSON, one a line (flux objects prefixed with "flux:"). */
static const struct pn_error *
build_json(const char *path, char *out, size_t cap)
{
	struct pn_build_result res;
	const struct pn_error *err;
	struct pn_tree_reader r;
	struct pn_dirtree *t;
	struct pn_buf b;

	out[0] = '\0';
	assert_ok(pn_dirtree_new(dir, &t));
	pn_dirtree_reader(t, &r);
	if ((err = pn_build(&r, path, NULL, &res)) == NULL) {
		pn_buf_init(&b, cap - 1, "test output");
		for (size_t k = 0; k < res.ndocs + res.nflux; k++) {
			const struct pn_build_doc *d = k < res.ndocs ? &res.docs[k] : &res.flux[k - res.ndocs];
			cJSON *obj;

			if (k >= res.ndocs)
				assert_ok(pn_buf_addstr(&b, "flux:"));
			assert_ok(pn_build_doc_load(&res, d, &obj));
			assert_ok(pn_yaml_to_json(obj, &b));
			assert_ok(pn_buf_addch(&b, '\n'));
			cJSON_Delete(obj);
		}
		memcpy(out, pn_buf_str(&b), b.len + 1);
		pn_buf_release(&b);
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
		{"resources: [a.yaml]\nfoo: x\n", PN_ERR_PARSE,
		    "e/kustomization.yaml: invalid Kustomization: json: unknown field \"foo\""},
		{"helmCharts: []\n", PN_ERR_UNSUPPORTED, "e/kustomization.yaml: helmCharts: helm charts are not supported"},
		{"openapi: {version: v1.14.1}\n", PN_ERR_PARSE, "e/kustomization.yaml: openapi: the specified OpenAPI "
		    "version is not built in"},
		{"openapi: {path: scalar.yaml}\n", PN_ERR_PARSE, "e/scalar.yaml: invalid schema file: it must be one mapping"},
		{"crds: [scalar.yaml]\n", PN_ERR_PARSE, "unable to parse open API definition from 'scalar.yaml'"},
		{"vars: [{name: [x]}]\n", PN_ERR_PARSE, "e/kustomization.yaml: invalid Kustomization: json: cannot unmarshal "
		    "array into Go struct field Var.vars.name of type string"},
		{"namespace: [x]\n", PN_ERR_PARSE, "e/kustomization.yaml: invalid Kustomization: json: cannot unmarshal array into Go struct field Kustomization.namespace of type string"},
		{"resources: [comp]\n", PN_ERR_PARSE, "expected kind != 'Component' for path 'e/comp'"},
		{"components: [a.yaml]\n", PN_ERR_PARSE, "components entry \"a.yaml\" is not a directory"},
		{"components: [plain]\n", PN_ERR_NOT_FOUND, "components entry \"plain\" is a directory without"},
		{"components: [loop]\n", PN_ERR_PARSE, "accumulating components: accumulateDirectory: \"expected kind "
		    "'Component' for path 'e/loop' but got 'Kustomization'\" (a components entry of e/kustomization.yaml)"},
		{"resources: [missing.yaml]\n", PN_ERR_NOT_FOUND,
		    "e/kustomization.yaml: resource \"missing.yaml\" does not exist"},
		{"resources: [a.yaml, ./a.yaml]\n", PN_ERR_PARSE,
		    "may not add resource with an already registered id: ConfigMap.v1.[noGrp]/a.[noNs] (from e/a.yaml)"},
		{"resources: [.]\n", PN_ERR_PARSE, "e/kustomization.yaml: cycle"},
		{"resources: [loop]\n", PN_ERR_PARSE, "e/loop/kustomization.yaml: cycle"},
		{"resources: [../../x.yaml]\n", PN_ERR_PARSE, "resource \"../../x.yaml\" leaves the tree root"},
		{"resources: [/etc/passwd]\n", PN_ERR_PARSE, "absolute paths are not supported"},
		{"resources: [https://github.com/x/y//z?ref=v1]\n", PN_ERR_UNSUPPORTED, "remote resources are not supported"},
		{"resources: [github.com/x/y/z?ref=v1]\n", PN_ERR_UNSUPPORTED, "remote resources are not supported"},
		{"resources: [plain]\n", PN_ERR_NOT_FOUND, "resources entry \"plain\" is a directory without kustomization.yaml"},
		{"resources: [5]\n", PN_ERR_PARSE, "invalid Kustomization: json: cannot unmarshal number into Go struct "
		    "field Kustomization.resources of type string"},
		{"resources: a.yaml\n", PN_ERR_PARSE, "invalid Kustomization: json: cannot unmarshal string into Go struct "
		    "field Kustomization.resources of type []string"},
		{"", PN_ERR_PARSE, "e/kustomization.yaml: kustomization is empty"},
		{"{}\n", PN_ERR_PARSE, "kustomization is empty"},
		{"apiVersion: v1\nresources: []\n", PN_ERR_PARSE, "apiVersion for Kustomization should be"},
		{"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Component\n", PN_ERR_PARSE,
		    "apiVersion for Component should be kustomize.config.k8s.io/v1alpha1"},
		{"resources: [bad.yaml]\n", PN_ERR_PARSE, "e/bad.yaml:2: duplicate key: mapping key \"a\" already defined at line 1"},
		{"resources: [noname.yaml]\n", PN_ERR_PARSE, "e/noname.yaml:1: missing metadata.name in ConfigMap"},
		{"resources: [nokind.yaml]\n", PN_ERR_PARSE, "e/nokind.yaml:1: missing kind"},
		{"resources: [scalar.yaml]\n", PN_ERR_PARSE, "e/scalar.yaml:1: missing Resource metadata"},
		{"resources: [two]\n", PN_ERR_PARSE, "Found multiple kustomization files under e/two"},
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
	put("e/comp/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n");
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

/* namespace, namePrefix/nameSuffix, commonLabels, labels with templates, commonAnnotations, images, replicas; ServiceAccount references and subjects follow (kubectl kustomize --reorder none) */
static void
test_transformers(void **state)
{
	char got[8192];

	(void)state;
	put("x/tr/all.yaml",
	    "apiVersion: apps/v1\n"
	    "kind: Deployment\n"
	    "metadata: {name: web}\n"
	    "spec:\n"
	    "  template:\n"
	    "    spec:\n"
	    "      serviceAccountName: sa\n"
	    "      initContainers: [{name: i, image: \"busybox:1.0\"}]\n"
	    "      containers: [{name: c, image: nginx}]\n"
	    "---\n"
	    "apiVersion: v1\n"
	    "kind: Service\n"
	    "metadata: {name: web}\n"
	    "spec: {ports: [{port: 80}]}\n"
	    "---\n"
	    "apiVersion: v1\n"
	    "kind: ServiceAccount\n"
	    "metadata: {name: sa}\n"
	    "---\n"
	    "apiVersion: rbac.authorization.k8s.io/v1\n"
	    "kind: ClusterRoleBinding\n"
	    "metadata: {name: crb}\n"
	    "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cr}\n"
	    "subjects:\n"
	    "- {kind: ServiceAccount, name: sa, namespace: old}\n"
	    "- {kind: ServiceAccount, name: default, namespace: old}\n"
	    "- {kind: ServiceAccount, name: external, namespace: old}\n"
	    "- {kind: User, name: bob}\n"
	    "---\n"
	    "apiVersion: rbac.authorization.k8s.io/v1\n"
	    "kind: ClusterRole\n"
	    "metadata: {name: cr}\n"
	    "---\n"
	    "apiVersion: v1\n"
	    "kind: Namespace\n"
	    "metadata: {name: ignored}\n");
	put("x/tr/kustomization.yaml",
	    "namespace: prod\n"
	    "namePrefix: p-\n"
	    "nameSuffix: -s\n"
	    "commonLabels: {app: web}\n"
	    "labels:\n"
	    "- pairs: {team: a}\n"
	    "  includeTemplates: true\n"
	    "commonAnnotations: {note: x}\n"
	    "images:\n"
	    "- name: nginx\n"
	    "  newName: reg.io/nginx\n"
	    "  newTag: \"1.25\"\n"
	    "- name: busybox\n"
	    "  digest: sha256:abc\n"
	    "replicas:\n"
	    "- name: web\n"
	    "  count: 3\n"
	    "resources: [all.yaml]\n");
	assert_ok(build_json("x/tr", got, sizeof(got)));
	assert_string_equal(got,
	    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"p-web-s\",\"namespace\":\"prod\",\"lab"
	    "els\":{\"team\":\"a\",\"app\":\"web\"},\"annotations\":{\"note\":\"x\"}},\"spec\":{\"template\":{\"spec\":{\"serviceAc"
	    "countName\":\"p-sa-s\",\"initContainers\":[{\"name\":\"i\",\"image\":\"busybox@sha256:abc\"}],\"containers\":[{"
	    "\"name\":\"c\",\"image\":\"reg.io/nginx:1.25\"}]},\"metadata\":{\"labels\":{\"team\":\"a\",\"app\":\"web\"},\"annotat"
	    "ions\":{\"note\":\"x\"}}},\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"replicas\":3}}\n"
	    "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"p-web-s\",\"namespace\":\"prod\",\"labels\":{\"t"
	    "eam\":\"a\",\"app\":\"web\"},\"annotations\":{\"note\":\"x\"}},\"spec\":{\"ports\":[{\"port\":80}],\"selector\":{\"app"
	    "\":\"web\"}}}\n"
	    "{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"p-sa-s\",\"namespace\":\"prod\",\"label"
	    "s\":{\"team\":\"a\",\"app\":\"web\"},\"annotations\":{\"note\":\"x\"}}}\n"
	    "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRoleBinding\",\"metadata\":{\"name\":\"p-c"
	    "rb-s\",\"labels\":{\"team\":\"a\",\"app\":\"web\"},\"annotations\":{\"note\":\"x\"}},\"roleRef\":{\"apiGroup\":\"rbac."
	    "authorization.k8s.io\",\"kind\":\"ClusterRole\",\"name\":\"p-cr-s\"},\"subjects\":[{\"kind\":\"ServiceAccount\""
	    ",\"name\":\"sa\",\"namespace\":\"old\"},{\"kind\":\"ServiceAccount\",\"name\":\"default\",\"namespace\":\"prod\"},{\""
	    "kind\":\"ServiceAccount\",\"name\":\"external\",\"namespace\":\"old\"},{\"kind\":\"User\",\"name\":\"bob\"}]}\n"
	    "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRole\",\"metadata\":{\"name\":\"p-cr-s\",\"l"
	    "abels\":{\"team\":\"a\",\"app\":\"web\"},\"annotations\":{\"note\":\"x\"}}}\n"
	    "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"prod\",\"labels\":{\"team\":\"a\",\"app\":\"web\""
	    "},\"annotations\":{\"note\":\"x\"}}}\n");
}

/* configMapGenerator/secretGenerator with literals, files, envs and options, merged and replaced by an overlay, hashed, and referenced by name (kubectl kustomize) */
static void
test_generators(void **state)
{
	char got[8192];

	(void)state;
	put("x/gen/base/dep.yaml",
	    "apiVersion: apps/v1\n"
	    "kind: Deployment\n"
	    "metadata: {name: d}\n"
	    "spec:\n"
	    "  template:\n"
	    "    spec:\n"
	    "      containers:\n"
	    "      - name: c\n"
	    "        envFrom: [{configMapRef: {name: cfg}}, {secretRef: {name: sec}}]\n"
	    "        env: [{name: X, valueFrom: {configMapKeyRef: {name: fixed, key: x}}}]\n"
	    "      volumes:\n"
	    "      - {name: v, configMap: {name: cfg}}\n"
	    "      - {name: s, secret: {secretName: sec}}\n"
	    "      - {name: o, configMap: {name: other}}\n");
	put("x/gen/base/e.env",
	    "# c\n"
	    "E1=one\n"
	    "\n"
	    "E2\n");
	put("x/gen/base/kustomization.yaml",
	    "resources: [dep.yaml]\n"
	    "configMapGenerator:\n"
	    "- name: cfg\n"
	    "  literals: [a=1, \"b='q'\"]\n"
	    "  files: [conf/app.ini, k=conf/app.ini]\n"
	    "  envs: [e.env]\n"
	    "- name: fixed\n"
	    "  literals: [x=y]\n"
	    "  options: {disableNameSuffixHash: true, labels: {l: v}}\n"
	    "secretGenerator:\n"
	    "- name: sec\n"
	    "  literals: [pw=hunter2]\n"
	    "generatorOptions:\n"
	    "  annotations: {g: \"1\"}\n");
	put("x/gen/base/conf/app.ini",
	    "[s]\n"
	    "k=v\n");
	put("x/gen/overlay/kustomization.yaml",
	    "namePrefix: o-\n"
	    "resources: [../base]\n"
	    "configMapGenerator:\n"
	    "- name: cfg\n"
	    "  behavior: merge\n"
	    "  literals: [a=2, c=3]\n"
	    "- name: fixed\n"
	    "  behavior: replace\n"
	    "  literals: [z=w]\n"
	    "secretGenerator:\n"
	    "- name: extra\n"
	    "  type: kubernetes.io/tls\n"
	    "  literals: [tls.crt=c, tls.key=k]\n");
	assert_ok(build_json("x/gen/overlay", got, sizeof(got)));
	assert_string_equal(got,
	    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"o-d\"},\"spec\":{\"template\":{\"spec\""
	    ":{\"containers\":[{\"name\":\"c\",\"envFrom\":[{\"configMapRef\":{\"name\":\"o-cfg-bmhftb8d6t\"}},{\"secretRef\""
	    ":{\"name\":\"o-sec-9b766bfc5b\"}}],\"env\":[{\"name\":\"X\",\"valueFrom\":{\"configMapKeyRef\":{\"name\":\"o-fixe"
	    "d\",\"key\":\"x\"}}}]}],\"volumes\":[{\"name\":\"v\",\"configMap\":{\"name\":\"o-cfg-bmhftb8d6t\"}},{\"name\":\"s\",\""
	    "secret\":{\"secretName\":\"o-sec-9b766bfc5b\"}},{\"name\":\"o\",\"configMap\":{\"name\":\"other\"}}]}}}}\n"
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"o-cfg-bmhftb8d6t\",\"annotations\":{\"g\":\""
	    "1\"}},\"data\":{\"a\":\"2\",\"c\":\"3\",\"E1\":\"one\",\"E2\":\"\",\"b\":\"q\",\"app.ini\":\"[s]\\nk=v\\n\",\"k\":\"[s]\\nk=v\\n\"}"
	    "}\n"
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"o-fixed\",\"labels\":{\"l\":\"v\"},\"annotatio"
	    "ns\":{\"g\":\"1\"}},\"data\":{\"z\":\"w\"}}\n"
	    "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"o-sec-9b766bfc5b\",\"annotations\":{\"g\":\"1\"}"
	    "},\"data\":{\"pw\":\"aHVudGVyMg==\"},\"type\":\"Opaque\"}\n"
	    "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"o-extra-d94tkf5ft2\"},\"data\":{\"tls.crt\":\"Y"
	    "w==\",\"tls.key\":\"aw==\"},\"type\":\"kubernetes.io/tls\"}\n");
}

/* a Component adds resources, generators and transformers to its parent (kubectl kustomize) */
static void
test_components(void **state)
{
	char got[8192];

	(void)state;
	put("x/comp/base/cm.yaml",
	    "apiVersion: v1\n"
	    "kind: ConfigMap\n"
	    "metadata: {name: a}\n");
	put("x/comp/base/kustomization.yaml",
	    "resources: [cm.yaml]\n"
	    "components: [../c1]\n"
	    "namespace: base\n");
	put("x/comp/c1/extra.yaml",
	    "apiVersion: v1\n"
	    "kind: Secret\n"
	    "metadata: {name: s}\n");
	put("x/comp/c1/kustomization.yaml",
	    "apiVersion: kustomize.config.k8s.io/v1alpha1\n"
	    "kind: Component\n"
	    "resources: [extra.yaml]\n"
	    "commonLabels: {comp: c1}\n"
	    "configMapGenerator:\n"
	    "- name: gen\n"
	    "  literals: [k=v]\n");
	assert_ok(build_json("x/comp/base", got, sizeof(got)));
	assert_string_equal(got,
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\",\"labels\":{\"comp\":\"c1\"},\"namespace\":"
	    "\"base\"}}\n"
	    "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\",\"labels\":{\"comp\":\"c1\"},\"namespace\":\"ba"
	    "se\"}}\n"
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"gen-bdg947hgcc\",\"labels\":{\"comp\":\"c1\"}"
	    ",\"namespace\":\"base\"},\"data\":{\"k\":\"v\"}}\n");
}

/* patchesStrategicMerge, patches with targets (regex name, labelSelector; JSON and SMP), a deleting patch, patchesJson6902 (kubectl kustomize) */
static void
test_patches(void **state)
{
	char got[8192];

	(void)state;
	put("x/pat/kustomization.yaml",
	    "resources: [r.yaml]\n"
	    "patchesStrategicMerge: [smp.yaml]\n"
	    "patches:\n"
	    "- target: {kind: Deployment, name: \"w.*\", labelSelector: \"tier=front\"}\n"
	    "  patch: |-\n"
	    "    - op: replace\n"
	    "      path: /spec/replicas\n"
	    "      value: 5\n"
	    "- patch: |-\n"
	    "    apiVersion: v1\n"
	    "    kind: ConfigMap\n"
	    "    metadata: {name: gone}\n"
	    "    $patch: delete\n"
	    "- target: {kind: Deployment}\n"
	    "  patch: |-\n"
	    "    kind: Deployment\n"
	    "    metadata: {name: any, annotations: {patched: \"yes\"}}\n"
	    "patchesJson6902:\n"
	    "- target: {group: apps, version: v1, kind: Deployment, name: worker}\n"
	    "  patch: '[{\"op\": \"add\", \"path\": \"/metadata/labels/x\", \"value\": \"y\"}]'\n");
	put("x/pat/r.yaml",
	    "apiVersion: apps/v1\n"
	    "kind: Deployment\n"
	    "metadata: {name: web, labels: {tier: front}}\n"
	    "spec: {replicas: 1, template: {spec: {containers: [{name: a, image: a}, {name: b, image: b}]}}}\n"
	    "---\n"
	    "apiVersion: apps/v1\n"
	    "kind: Deployment\n"
	    "metadata: {name: worker, labels: {tier: back}}\n"
	    "spec: {replicas: 1}\n"
	    "---\n"
	    "apiVersion: v1\n"
	    "kind: ConfigMap\n"
	    "metadata: {name: gone}\n");
	put("x/pat/smp.yaml",
	    "apiVersion: apps/v1\n"
	    "kind: Deployment\n"
	    "metadata: {name: web}\n"
	    "spec:\n"
	    "  template:\n"
	    "    spec:\n"
	    "      containers: [{name: b, image: b2}]\n");
	assert_ok(build_json("x/pat", got, sizeof(got)));
	assert_string_equal(got,
	    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\",\"labels\":{\"tier\":\"front\"},\""
	    "annotations\":{\"patched\":\"yes\"}},\"spec\":{\"replicas\":5,\"template\":{\"spec\":{\"containers\":[{\"name\":\""
	    "b\",\"image\":\"b2\"},{\"name\":\"a\",\"image\":\"a\"}]}}}}\n"
	    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"worker\",\"labels\":{\"tier\":\"back\","
	    "\"x\":\"y\"},\"annotations\":{\"patched\":\"yes\"}},\"spec\":{\"replicas\":1}}\n");
}

/* `configurations` nameReference rules: a generated ConfigMap referenced from a HelmRelease (kubectl kustomize) */
static void
test_configurations(void **state)
{
	char got[8192];

	(void)state;
	put("x/cfg/hr.yaml",
	    "apiVersion: helm.toolkit.fluxcd.io/v2\n"
	    "kind: HelmRelease\n"
	    "metadata: {name: app}\n"
	    "spec:\n"
	    "  valuesFrom: [{kind: ConfigMap, name: values}]\n");
	put("x/cfg/kustomization.yaml",
	    "namespace: apps\n"
	    "resources: [hr.yaml]\n"
	    "configurations: [nr.yaml]\n"
	    "configMapGenerator:\n"
	    "- name: values\n"
	    "  literals: [v=1]\n");
	put("x/cfg/nr.yaml",
	    "nameReference:\n"
	    "- kind: ConfigMap\n"
	    "  fieldSpecs:\n"
	    "  - {path: spec/valuesFrom/name, kind: HelmRelease}\n");
	assert_ok(build_json("x/cfg", got, sizeof(got)));
	assert_string_equal(got,
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"values-b2mtd45c88\",\"namespace\":\"apps\"}"
	    ",\"data\":{\"v\":\"1\"}}\n"
	    "flux:{\"apiVersion\":\"helm.toolkit.fluxcd.io/v2\",\"kind\":\"HelmRelease\",\"metadata\":{\"name\":\"app\",\"na"
	    "mespace\":\"apps\"},\"spec\":{\"valuesFrom\":[{\"kind\":\"ConfigMap\",\"name\":\"values-b2mtd45c88\"}]}}\n");
	/* namePrefix / nameSuffix field specs (TestIssue4884): one at metadata/name naming a kind replaces the
	 * default (kustomize's merge), one elsewhere adds to it; a list there is refused (kubectl checked) */
	put("x/fix/kustomization.yaml", "resources: [r.yaml]\nnamePrefix: p-\nnameSuffix: -s\nconfigurations: [c.yaml]\n");
	put("x/fix/r.yaml", CM("cm") "---\napiVersion: ex/v1\nkind: Foo\nmetadata: {name: f}\nspec: {x: v, l: [a]}\n");
	put("x/fix/c.yaml", "namePrefix:\n- {path: metadata/name, kind: ConfigMap}\n");
	assert_ok(build("x/fix", got, sizeof(got)));
	assert_string_equal(got, "x/fix/r.yaml:1 ConfigMap/p-cm-s x/fix/r.yaml:6 Foo/f-s");
	put("x/fix/c.yaml", "nameSuffix:\n- {path: spec/x, kind: Foo}\n");
	assert_ok(build_json("x/fix", got, sizeof(got)));
	assert_non_null(strstr(got, "\"name\":\"p-f-s\"},\"spec\":{\"x\":\"v-s\""));
	put("x/fix/c.yaml", "namePrefix:\n- {path: spec/l, kind: Foo}\n");
	assert_error(build("x/fix", got, sizeof(got)), PN_ERR_PARSE, "considering field 'spec/l' of object "
	    "Foo.v1.ex/f.[noNs]: namePrefix: wrong node kind: expected ScalarNode but got SequenceNode");
}


/* What kustomize refuses in generators, references, replicas and patches. */
static void
test_feature_errors(void **state)
{
	static const struct {
		const char *kust;
		const char *needle;
	} cases[] = {
		{"configMapGenerator: [{name: a, literals: [x]}]\n", "invalid literal source x, expected key=value"},
		{"configMapGenerator: [{name: a, literals: [x=1, x=2]}]\n", "cannot add key x, another key by that name"},
		{"configMapGenerator: [{name: a}, {name: a}]\n", "exists; behavior must be merge or replace"},
		{"configMapGenerator: [{name: a, behavior: merge}]\n", "does not exist; cannot merge or replace"},
		{"configMapGenerator: [{name: a, behavior: upsert}]\n", "behavior must be create, merge or replace"},
		{"configMapGenerator: [{name: a, bogus: 1}]\n", "unknown generator field \"bogus\""},
		{"resources: [d.yaml]\nreplicas: [{name: nope, count: 2}]\n", "resource with name nope does not match"},
		{"resources: [d.yaml]\npatches: [{patch: '[{op: add, path: /x, value: 1}]'}]\n",
		    "must specify a target for JSON patch"},
		{"resources: [d.yaml]\npatchesStrategicMerge: ['{kind: Deployment, metadata: {name: zz}}']\n",
		    "no matches for Id Deployment..[noGrp]/zz.[noNs]; failed to find unique target"},
		{"resources: [d.yaml]\npatches: [{path: p.yaml, patch: 'a: b'}]\n", "patch and path can't be set"},
		{"resources: [d.yaml]\nlabels: [{pairs: {a: b}, bogus: true}]\n", "labels: unknown field \"bogus\""},
		{"nameSuffix: -t\nresources: [d.yaml, two]\n", "found multiple possible referrals"},
		{"resources: [d.yaml]\nconfigurations: [bad.yaml]\n", "unknown configurations key \"bogus\""},
	};
	char got[2048];

	(void)state;
	put("f/d.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n"
	    "      volumes: [{name: v, configMap: {name: cm}}]\n");
	put("f/two/kustomization.yaml", "resources: [a, b]\n");
	put("f/two/a/kustomization.yaml", "nameSuffix: -a\nconfigMapGenerator: [{name: cm, literals: [x=1]}]\n");
	put("f/two/b/kustomization.yaml", "nameSuffix: -b\nconfigMapGenerator: [{name: cm, literals: [x=2]}]\n");
	put("f/bad.yaml", "bogus: []\n");
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct pn_error *err;

		put("f/kustomization.yaml", cases[k].kust);
		if ((err = build("f", got, sizeof(got))) == NULL)
			fail_msg("case %zu built: %s", k, got);
		assert_error(err, PN_ERR_PARSE, cases[k].needle);
	}
}

/* A Flux Kustomization's fields merged into the build (kustomize-controller's generator): the expected objects
 * are kubectl kustomize's for the kustomization Flux writes, plus commonMetadata on metadata only. */
static void
test_flux_options(void **state)
{
	struct pn_build_flux fx = {0};
	struct pn_build_options opt;
	struct pn_build_result res;
	struct pn_tree_reader r;
	struct pn_dirtree *t;
	struct pn_buf b;
	cJSON *patches, *images, *components, *labels;

	(void)state;
	put("fx/app/kustomization.yaml", "namespace: old\nresources: [d.yaml]\n");
	put("fx/app/d.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n"
	    "    spec:\n      containers: [{name: c, image: nginx}]\n");
	put("fx/gen/d.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n"
	    "    spec:\n      containers: [{name: c, image: nginx}]\n");
	put("fx/comp/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
	    "resources: [cm.yaml]\n");
	put("fx/comp/cm.yaml", CM("extra"));
	assert_non_null(patches = cJSON_Parse("[{\"patch\": \"- {op: add, path: /metadata/annotations, value: {p: '1'}}\","
	    "\"target\": {\"kind\": \"Deployment\"}}]"));
	assert_non_null(images = cJSON_Parse("[{\"name\": \"nginx\", \"newTag\": \"1.27\"}]"));
	assert_non_null(components = cJSON_Parse("[\"../comp\"]"));
	assert_non_null(labels = cJSON_Parse("{\"owner\": \"me\"}"));
	fx.target_namespace = "flux-ns";
	fx.name_prefix = "pre-";
	fx.name_suffix = "-suf";
	fx.patches = patches;
	fx.images = images;
	fx.components = components;
	fx.common_labels = labels;
	pn_build_options_init(&opt);
	opt.flux = &fx;
	assert_ok(pn_dirtree_new(dir, &t));
	pn_dirtree_reader(t, &r);
	for (int gen = 0; gen < 2; gen++) {
		assert_ok(pn_build(&r, gen ? "fx/gen" : "fx/app", &opt, &res));
		pn_buf_init(&b, 1 << 16, "test output");
		for (size_t k = 0; k < res.ndocs; k++) {
			cJSON *obj;

			assert_ok(pn_build_doc_load(&res, &res.docs[k], &obj));
			assert_ok(pn_yaml_to_json(obj, &b));
			assert_ok(pn_buf_addch(&b, '\n'));
			cJSON_Delete(obj);
		}
		assert_string_equal(pn_buf_str(&b),
		    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"pre-web-suf\",\"annotations\":"
		    "{\"p\":\"1\"},\"namespace\":\"flux-ns\",\"labels\":{\"owner\":\"me\"}},\"spec\":{\"template\":{\"spec\":"
		    "{\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1.27\"}]}}}}\n"
		    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"pre-extra-suf\",\"namespace\":"
		    "\"flux-ns\",\"labels\":{\"owner\":\"me\"}}}\n");
		pn_buf_release(&b);
		pn_build_result_release(&res);
	}
	pn_dirtree_free(t);
	cJSON_Delete(patches);
	cJSON_Delete(images);
	cJSON_Delete(components);
	cJSON_Delete(labels);
}

/* roleRef follows only the kind it names; RoleBinding subjects named default get the namespace; `configurations` labels and images specs (kubectl kustomize) */
static void
test_references(void **state)
{
	char got[8192];

	(void)state;
	put("y/rr/conf.yaml",
	    "labels:\n"
	    "- {path: spec/selectorLabels, kind: Widget, create: true}\n"
	    "images:\n"
	    "- {path: spec/image, kind: Widget}\n");
	put("y/rr/kustomization.yaml",
	    "namespace: foo\n"
	    "namePrefix: x-\n"
	    "resources: [rbac.yaml]\n"
	    "configurations: [conf.yaml]\n"
	    "labels:\n"
	    "- pairs: {tier: web}\n"
	    "images:\n"
	    "- {name: app, newTag: v2}\n");
	put("y/rr/rbac.yaml",
	    "apiVersion: rbac.authorization.k8s.io/v1\n"
	    "kind: Role\n"
	    "metadata: {name: r}\n"
	    "---\n"
	    "apiVersion: rbac.authorization.k8s.io/v1\n"
	    "kind: ClusterRole\n"
	    "metadata: {name: r}\n"
	    "---\n"
	    "apiVersion: rbac.authorization.k8s.io/v1\n"
	    "kind: RoleBinding\n"
	    "metadata: {name: rb}\n"
	    "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\n"
	    "subjects: [{kind: ServiceAccount, name: default}]\n"
	    "---\n"
	    "apiVersion: rbac.authorization.k8s.io/v1\n"
	    "kind: ClusterRoleBinding\n"
	    "metadata: {name: crb}\n"
	    "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r}\n"
	    "---\n"
	    "apiVersion: example.com/v1\n"
	    "kind: Widget\n"
	    "metadata: {name: w}\n"
	    "spec: {image: \"app:v1\"}\n");
	assert_ok(build_json("y/rr", got, sizeof(got)));
	assert_string_equal(got,
	    "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"Role\",\"metadata\":{\"name\":\"x-r\",\"namespace\":"
	    "\"foo\",\"labels\":{\"tier\":\"web\"}}}\n"
	    "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRole\",\"metadata\":{\"name\":\"x-r\",\"labe"
	    "ls\":{\"tier\":\"web\"}}}\n"
	    "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"RoleBinding\",\"metadata\":{\"name\":\"x-rb\",\"nam"
	    "espace\":\"foo\",\"labels\":{\"tier\":\"web\"}},\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":"
	    "\"Role\",\"name\":\"x-r\"},\"subjects\":[{\"kind\":\"ServiceAccount\",\"name\":\"default\",\"namespace\":\"foo\"}]}\n"
	    "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRoleBinding\",\"metadata\":{\"name\":\"x-c"
	    "rb\",\"labels\":{\"tier\":\"web\"}},\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRo"
	    "le\",\"name\":\"x-r\"}}\n"
	    "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"x-w\",\"namespace\":\"foo\",\"label"
	    "s\":{\"tier\":\"web\"}},\"spec\":{\"image\":\"app:v2\",\"selectorLabels\":{\"tier\":\"web\"}}}\n");
	/* a RoleBinding's ServiceAccount subject with `namespace:` and no value (TestBlankNamespace4240); an empty
	 * string, or another kind of subject, is fine */
	put("y/rb/kustomization.yaml", "resources: [rb.yaml]\n");
	put("y/rb/rb.yaml", "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: rb}\n"
	    "roleRef: {kind: Role, name: r}\nsubjects:\n- {kind: User, name: u, namespace: }\n"
	    "- {kind: ServiceAccount, name: s, namespace: \"\"}\n");
	assert_ok(build_json("y/rb", got, sizeof(got)));
	put("y/rb/rb.yaml", "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: rb}\n"
	    "roleRef: {kind: Role, name: r}\nsubjects:\n- kind: ServiceAccount\n  name: s\n  namespace:\n");
	assert_error(build_json("y/rb", got, sizeof(got)), PN_ERR_PARSE, "Invalid Input: namespace is blank for resource "
	    "\"RoleBinding.v1.rbac.authorization.k8s.io/rb.[noNs]\"");
	/* a subject (a mapping: it takes the name and the namespace) matching objects of the same name in two
	 * namespaces is ambiguous (TestNamedspacedServiceAccountsWithOverlap) */
	put("y/sa/kustomization.yaml", "resources: [a, b]\n");
	for (int i = 0; i < 2; i++) {
		char path[64], doc[512];

		snprintf(path, sizeof(path), "y/sa/%c/kustomization.yaml", 'a' + i);
		snprintf(doc, sizeof(doc), "namespace: %c\nresources: [r.yaml]\n", 'a' + i);
		put(path, doc);
		snprintf(path, sizeof(path), "y/sa/%c/r.yaml", 'a' + i);
		snprintf(doc, sizeof(doc), "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa}\n---\n"
		    "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: crb-%c}\n"
		    "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cr}\n"
		    "subjects: [{kind: ServiceAccount, name: sa}]\n", 'a' + i);
		put(path, doc);
	}
	assert_error(build_json("y/sa", got, sizeof(got)), PN_ERR_PARSE, "found multiple possible referrals: "
	    "ServiceAccount.v1.[noGrp]/sa.a, ServiceAccount.v1.[noGrp]/sa.b");
	assert_ok(build_json("y/sa/a", got, sizeof(got)));
	/* only objects a transformer touched are referrals (kustomize's previous ids): a subject naming a
	 * ServiceAccount no transformer changed keeps no namespace; one moved by `namespace` is the one taken
	 * when an untouched one has the same name (TestValidatingWebhookCombinedNamespaces) */
	put("y/un/kustomization.yaml", "resources: [r.yaml]\n");
	put("y/un/r.yaml", "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: x, namespace: foo}\n---\n"
	    "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: crb}\n"
	    "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r}\n"
	    "subjects: [{kind: ServiceAccount, name: x}]\n");
	assert_ok(build_json("y/un", got, sizeof(got)));
	assert_non_null(strstr(got, "\"subjects\":[{\"kind\":\"ServiceAccount\",\"name\":\"x\"}]"));
	put("y/un/moved/kustomization.yaml", "namespace: bar\nresources: [../sa.yaml]\n");
	put("y/un/sa.yaml", "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: x, namespace: foo}\n");
	put("y/un/all/kustomization.yaml", "resources: [../r.yaml, ../moved]\n");
	assert_ok(build_json("y/un/all", got, sizeof(got)));
	assert_non_null(strstr(got, "\"subjects\":[{\"kind\":\"ServiceAccount\",\"name\":\"x\",\"namespace\":\"bar\"}]"));
}

/* two generated ConfigMaps named cm under different suffixes: the unsuffixed referrer matches neither and keeps its name, as kustomize's prefixSuffixEquals (kubectl kustomize) */
static void
test_reference_sieve(void **state)
{
	char got[8192];

	(void)state;
	put("y/sieve/d.yaml",
	    "apiVersion: apps/v1\n"
	    "kind: Deployment\n"
	    "metadata: {name: d}\n"
	    "spec:\n"
	    "  template:\n"
	    "    spec:\n"
	    "      volumes: [{name: v, configMap: {name: cm}}]\n");
	put("y/sieve/kustomization.yaml",
	    "resources: [d.yaml, two]\n");
	put("y/sieve/two/kustomization.yaml",
	    "resources: [a, b]\n");
	put("y/sieve/two/a/kustomization.yaml",
	    "nameSuffix: -a\n"
	    "configMapGenerator: [{name: cm, literals: [x=1]}]\n");
	put("y/sieve/two/b/kustomization.yaml",
	    "nameSuffix: -b\n"
	    "configMapGenerator: [{name: cm, literals: [x=2]}]\n");
	assert_ok(build_json("y/sieve", got, sizeof(got)));
	assert_string_equal(got,
	    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\"},\"spec\":{\"template\":{\"spec\":{"
	    "\"volumes\":[{\"name\":\"v\",\"configMap\":{\"name\":\"cm\"}}]}}}}\n"
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm-a-hmg6f82fh6\"},\"data\":{\"x\":\"1\"}}\n"
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm-b-d5gm26dhhd\"},\"data\":{\"x\":\"2\"}}\n");
}

/* a file that is not UTF-8 goes to binaryData; base64 longer than 70 characters is cut into lines (kubectl kustomize) */
static void
test_generator_binary(void **state)
{
	char got[8192];

	(void)state;
	put("y/bin/bin.dat",
	    "\377\376bin");
	put("y/bin/kustomization.yaml",
	    "sortOptions: {order: fifo}\n"
	    "configMapGenerator: [{name: b, files: [bin.dat]}]\n"
	    "secretGenerator: [{name: s, files: [long.txt]}]\n");
	put("y/bin/long.txt",
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n");
	assert_ok(build_json("y/bin", got, sizeof(got)));
	assert_string_equal(got,
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"b-8k8m54k6b2\"},\"binaryData\":{\"bin.dat\""
	    ":\"//5iaW4=\"}}\n"
	    "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s-5cddgbg9m4\"},\"data\":{\"long.txt\":\"eHh4eH"
	    "h4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eH\\nh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4"
	    "eHh4eHgK\\n\"},\"type\":\"Opaque\"}\n");
}

/* regressions found with the kustomize corpus, each checked with kubectl kustomize: keys match case-insensitively (nameprefix); a reference to a prefixed but not yet hashed name follows the hash; a subject without a namespace takes its ServiceAccount's; lists in field specs (volumeClaimTemplates[]) are never created */
static void
test_regressions(void **state)
{
	char got[8192];

	(void)state;
	put("z/reg/crb.yaml",
	    "apiVersion: rbac.authorization.k8s.io/v1\n"
	    "kind: ClusterRoleBinding\n"
	    "metadata: {name: crb}\n"
	    "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\n"
	    "subjects: [{kind: ServiceAccount, name: sa}]\n"
	    "---\n"
	    "apiVersion: v1\n"
	    "kind: ServiceAccount\n"
	    "metadata: {name: sa}\n");
	put("z/reg/kustomization.yaml",
	    "namespace: kube-system\n"
	    "nameprefix: top-\n"
	    "commonLabels: {app: x}\n"
	    "resources: [base, crb.yaml, sts.yaml]\n"
	    "patches:\n"
	    "- target: {kind: Deployment}\n"
	    "  patch: |-\n"
	    "    - {op: add, path: /spec/template/spec/volumes/-, value: {name: w, configMap: {name: b-cm}}}\n");
	put("z/reg/sts.yaml",
	    "apiVersion: apps/v1\n"
	    "kind: StatefulSet\n"
	    "metadata: {name: s}\n"
	    "spec: {template: {spec: {}}}\n");
	put("z/reg/base/d.yaml",
	    "apiVersion: apps/v1\n"
	    "kind: Deployment\n"
	    "metadata: {name: d}\n"
	    "spec:\n"
	    "  template:\n"
	    "    spec:\n"
	    "      serviceAccountName: sa\n"
	    "      volumes: [{name: v, configMap: {name: cm}}]\n");
	put("z/reg/base/kustomization.yaml",
	    "namePrefix: b-\n"
	    "resources: [d.yaml]\n"
	    "configMapGenerator: [{name: cm, literals: [k=v]}]\n");
	assert_ok(build_json("z/reg", got, sizeof(got)));
	assert_string_equal(got,
	    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"top-b-d\",\"namespace\":\"kube-syste"
	    "m\",\"labels\":{\"app\":\"x\"}},\"spec\":{\"template\":{\"spec\":{\"serviceAccountName\":\"top-sa\",\"volumes\":[{\""
	    "name\":\"v\",\"configMap\":{\"name\":\"top-b-cm-bdg947hgcc\"}},{\"name\":\"w\",\"configMap\":{\"name\":\"top-b-cm-"
	    "bdg947hgcc\"}}]},\"metadata\":{\"labels\":{\"app\":\"x\"}}},\"selector\":{\"matchLabels\":{\"app\":\"x\"}}}}\n"
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"top-b-cm-bdg947hgcc\",\"namespace\":\"kube"
	    "-system\",\"labels\":{\"app\":\"x\"}},\"data\":{\"k\":\"v\"}}\n"
	    "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRoleBinding\",\"metadata\":{\"name\":\"top"
	    "-crb\",\"labels\":{\"app\":\"x\"}},\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRol"
	    "e\",\"name\":\"view\"},\"subjects\":[{\"kind\":\"ServiceAccount\",\"name\":\"top-sa\",\"namespace\":\"kube-system\""
	    "}]}\n"
	    "{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"top-sa\",\"namespace\":\"kube-system\""
	    ",\"labels\":{\"app\":\"x\"}}}\n"
	    "{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"metadata\":{\"name\":\"top-s\",\"namespace\":\"kube-system"
	    "\",\"labels\":{\"app\":\"x\"}},\"spec\":{\"template\":{\"spec\":{},\"metadata\":{\"labels\":{\"app\":\"x\"}}},\"select"
	    "or\":{\"matchLabels\":{\"app\":\"x\"}}}}\n");
}

/* The entry kustomization's sortOptions is reported; a nested one is not; bad values are kustomize's errors. */
static void
test_sort_options(void **state)
{
	struct pn_build_result res;
	struct pn_tree_reader r;
	struct pn_dirtree *t;

	(void)state;
	put("so/kustomization.yaml", "sortOptions: {order: legacy}\nresources: [sub]\n");
	put("so/sub/kustomization.yaml", "sortOptions: {order: fifo}\nresources: [cm.yaml]\n");
	put("so/sub/cm.yaml", CM("a"));
	assert_ok(pn_dirtree_new(dir, &t));
	pn_dirtree_reader(t, &r);
	assert_ok(pn_build(&r, "so", NULL, &res));
	assert_int_equal(res.sort, PN_BUILD_SORT_LEGACY);
	assert_null(res.sort_first);	/* the default lists */
	assert_null(res.sort_last);
	pn_build_result_release(&res);
	/* legacySortOptions replace the lists; one not given is empty */
	put("so/kustomization.yaml", "sortOptions: {order: legacy, legacySortOptions: {orderFirst: [B, A]}}\n"
	    "resources: [sub]\n");
	assert_ok(pn_build(&r, "so", NULL, &res));
	assert_int_equal(res.sort, PN_BUILD_SORT_LEGACY);
	assert_non_null(res.sort_first);
	assert_string_equal(res.sort_first[0], "B");
	assert_string_equal(res.sort_first[1], "A");
	assert_null(res.sort_first[2]);
	assert_non_null(res.sort_last);
	assert_null(res.sort_last[0]);
	pn_build_result_release(&res);
	assert_ok(pn_build(&r, "so/sub", NULL, &res));
	assert_int_equal(res.sort, PN_BUILD_SORT_FIFO);
	pn_build_result_release(&res);
	put("so/kustomization.yaml", "sortOptions: {order: random}\n");
	assert_error(pn_build(&r, "so", NULL, &res), PN_ERR_PARSE, "the field 'sortOptions.order' must be one of "
	    "[fifo, legacy]");
	put("so/kustomization.yaml", "sortOptions: {order: fifo, legacySortOptions: {orderFirst: [A]}}\n");
	assert_error(pn_build(&r, "so", NULL, &res), PN_ERR_PARSE, "'sortOptions.legacySortOptions' is set but the "
	    "selected sort order is 'fifo'");
	pn_dirtree_free(t);
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

/* Transformers run object by object (each object loaded once), but the error is still kustomize's: the one of
 * the earliest transformer, and in it of the first object; a wrong entry fails before its first object, an
 * unmatched replicas entry after its last. Each expectation was checked against the build that ran every
 * transformer over all objects in turn. */
static void
test_error_order(void **state)
{
#define BADLABELS(n) "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " n ", labels: bad}\n"
#define BADANNOS(n) "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " n ", annotations: bad}\n"
#define BADSELECTOR "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, annotations: bad}\n" \
	"spec: {selector: {matchLabels: bad}}\n"
	static const struct {
		const char *kust, *a, *b;
		const char *needle;
	} cases[] = {
		/* a later transformer failing on an earlier object loses */
		{"resources: [a.yaml, b.yaml]\ncommonLabels: {x: v}\ncommonAnnotations: {a: b}\n", BADANNOS("a"),
		    BADLABELS("b"), "commonLabels: labels is not a mapping"},
		{"resources: [a.yaml, b.yaml]\nnamespace: nn\ncommonLabels: {x: v}\n", BADLABELS("a"),
		    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: [x]}\n",
		    "namespace field specs must target scalar nodes (namespace)"},
		/* within one transformer the first object wins */
		{"resources: [a.yaml, b.yaml]\ncommonLabels: {x: v}\ncommonAnnotations: {x: v}\n", BADLABELS("a"),
		    BADSELECTOR, "commonLabels: labels is not a mapping"},
		{"resources: [b.yaml, a.yaml]\ncommonLabels: {x: v}\n", BADLABELS("a"), BADSELECTOR,
		    "commonLabels: matchLabels is not a mapping"},
		/* an unmatched replicas entry fails after every object went through the earlier transformers */
		{"resources: [a.yaml, b.yaml]\ncommonLabels: {x: v}\nreplicas: [{name: none, count: 2}]\n", CM("a"),
		    BADLABELS("b"), "commonLabels: labels is not a mapping"},
		{"resources: [a.yaml, b.yaml]\nreplicas: [{name: none, count: 2}]\nimages: [{name: x, newTag: v}]\n",
		    CM("a"), CM("b"), "resource with name none does not match a config with the following GVK"},
		/* a wrong entry fails at its transformer, after the earlier ones ran on every object */
		{"resources: [a.yaml, b.yaml]\ncommonLabels: {x: v}\npatchesJson6902:\n- target: {kind: ConfigMap}\n"
		    "  path: missing.yaml\n", CM("a"), BADLABELS("b"), "commonLabels: labels is not a mapping"},
		/* a value of the wrong type is kustomize's decoding error, before any transformer runs */
		{"resources: [a.yaml, b.yaml]\ncommonLabels: {x: v}\nlabels: [{pairs: {a: [1]}}]\n", CM("a"),
		    BADLABELS("b"), "cannot unmarshal array into Go struct field Label.labels.pairs of type string"},
		/* a patch without a target runs after every object went through the patches before it */
		{"resources: [a.yaml, b.yaml]\npatches:\n- target: {kind: ConfigMap, name: b}\n  patch: |-\n"
		    "    - {op: replace, path: /data/k, value: v}\n- patch: |-\n    apiVersion: v1\n    kind: ConfigMap\n"
		    "    metadata: {name: zz}\n", CM("a"), CM("b"), "patches[0]: operation 0: replace operation does not "
		    "apply: doc is missing path: /data/k"},
		{"resources: [a.yaml, b.yaml]\npatches:\n- patch: |-\n    apiVersion: v1\n    kind: ConfigMap\n"
		    "    metadata: {name: zz}\nnamespace: nn\ncommonLabels: {x: v}\n", CM("a"), BADLABELS("b"),
		    "patches[0]: no matches for Id ConfigMap.v1.[noGrp]/zz.[noNs]"},
	};
	char got[2048];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pn_error *err;

		put("eo/kustomization.yaml", cases[i].kust);
		put("eo/a.yaml", cases[i].a);
		put("eo/b.yaml", cases[i].b);
		err = build("eo", got, sizeof(got));
		if (err == NULL || strstr(err->msg, cases[i].needle) == NULL)
			fail_msg("case %zu: want \"%s\", got %s", i, cases[i].needle, err != NULL ? err->msg : got);
	}
#undef BADLABELS
#undef BADANNOS
#undef BADSELECTOR
}

/* Whether directory d holds nothing. */
static int
dir_empty(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *e;
	int n = 0;

	assert_non_null(dp);
	while ((e = readdir(dp)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(dp);
	return n == 0;
}

/* Where a build keeps its documents: a spool file in opt.spool_dir that nobody sees (unlinked at once); what
 * needs no transformer is written once and never read back during the build. */
static void
test_spool(void **state)
{
	struct pn_build_options opt;
	struct pn_build_result res;
	struct pn_tree_reader r;
	struct pn_dirtree *t;
	char sdir[PN_TEST_PATH_MAX + 16];
	uint64_t puts, gets;
	cJSON *obj;

	(void)state;
	put("sp/a.yaml", CM("a") "---\n" CM("b"));
	put("sp/sub/kustomization.yaml", "resources: [c.yaml, deeper]\n");
	put("sp/sub/c.yaml", CM("c"));
	put("sp/sub/deeper/kustomization.yaml", "resources: [d.yaml]\n");
	put("sp/sub/deeper/d.yaml", CM("d"));
	put("spns/kustomization.yaml", "namespace: nn\nresources: [e.yaml, ../sp/sub]\n");
	put("spns/e.yaml", CM("e"));
	snprintf(sdir, sizeof(sdir), "%s/spool", dir);
	assert_int_equal(mkdir(sdir, 0700), 0);
	assert_ok(pn_dirtree_new(dir, &t));
	pn_dirtree_reader(t, &r);
	pn_build_options_init(&opt);
	opt.spool_dir = sdir;
	/* Flux's generated rule and kustomizations without transformers: every object written once, none read */
	assert_ok(pn_build(&r, "sp", &opt, &res));
	assert_int_equal(res.ndocs, 4);
	pn_spool_counts(res.spool, &puts, &gets);
	assert_int_equal(puts, 4);
	assert_int_equal(gets, 0);
	assert_true(dir_empty(sdir));
	assert_ok(pn_build_doc_load(&res, &res.docs[3], &obj));
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(obj, "metadata"), "name")->valuestring, "d");
	cJSON_Delete(obj);
	pn_build_result_release(&res);
	/* a namespace transformer loads each of its objects once (the sub-build's too), and writes it back */
	assert_ok(pn_build(&r, "spns", &opt, &res));
	assert_int_equal(res.ndocs, 3);
	assert_string_equal(pn_build_doc_namespace(&res.docs[2]), "nn");
	pn_spool_counts(res.spool, &puts, &gets);
	assert_int_equal(gets, 3);
	assert_int_equal(puts, 6);
	pn_build_result_release(&res);
	/* a spool directory that does not exist: the error names it */
	opt.spool_dir = "build/test/no/such/dir";
	assert_error(pn_build(&r, "sp", &opt, &res), PN_ERR_ERRNO, "create the spool file in build/test/no/such/dir");
	assert_int_equal(res.ndocs, 0);
	assert_null(res.spool);
	/* a spool too small for the build */
	opt.spool_dir = sdir;
	opt.max_spool = 100;
	assert_error(pn_build(&r, "sp", &opt, &res), PN_ERR_TOO_LARGE, "the spool file in");
	assert_true(dir_empty(sdir));
	/* an index too small: the object (or file) that does not fit is named */
	pn_build_options_init(&opt);
	opt.spool_dir = sdir;
	opt.max_index = 360;
	assert_error(pn_build(&r, "sp", &opt, &res), PN_ERR_TOO_LARGE, "the build's index of its objects would exceed "
	    "its 360 bytes");
	assert_error(pn_build(&r, "sp", &opt, &res), PN_ERR_TOO_LARGE, ": ConfigMap.v1.[noGrp]/");
	opt.max_index = 10;
	assert_error(pn_build(&r, "sp", &opt, &res), PN_ERR_TOO_LARGE, "sp/a.yaml: the build's index of its objects "
	    "would exceed its 10 bytes");
	pn_dirtree_free(t);
}

/* kustomize's IgnoreLocal: an object annotated config.kubernetes.io/local-config: "true" takes part in the build
 * (name references) and is not in its output; "false" or another value keeps it. */
/* Build `path` with load restrictor `load`: its objects' count, or the error. */
static const struct pn_error *
build_load(const char *path, enum pn_build_load_restrictor load, size_t *n)
{
	struct pn_build_options opt;
	struct pn_build_result res;
	const struct pn_error *err;
	struct pn_tree_reader r;
	struct pn_dirtree *t;

	*n = 0;
	pn_build_options_init(&opt);
	opt.load = load;
	assert_ok(pn_dirtree_new(dir, &t));
	pn_dirtree_reader(t, &r);
	if ((err = pn_build(&r, path, &opt, &res)) == NULL) {
		*n = res.ndocs;
		pn_build_result_release(&res);
	}
	pn_dirtree_free(t);
	return err;
}

/* Kustomize's load restrictor: under RootOnly a file (resource, patch, generator input, configurations) must
 * really be in or below its kustomization's directory, links followed; directories (bases) may be anywhere.
 * None (the default, Flux's) reads them all. Security: TestAccumulateResourcesErrors "relative file violates
 * restrictions", TestSharedPatchDisAllowed, TestIssue1251_Patches_ProdVsDev_Failure. */
static void
test_load_restrictor(void **state)
{
	static const struct {
		const char *kust;
		const char *err;	/* under RootOnly; NULL: builds */
	} cases[] = {
		{"resources: [../base/r.yaml]\n", "lr/root/kustomization.yaml: resource \"../base/r.yaml\": security; file "
		    "'lr/base/r.yaml' is not in or below 'lr/root'"},
		{"resources: [../base]\n", NULL},
		{"resources: [sub/../r.yaml, link-in.yaml]\n", NULL},
		{"resources: [link-out.yaml]\n", "security; file 'lr/root/link-out.yaml' is not in or below 'lr/root'"},
		{"resources: [r.yaml]\npatchesStrategicMerge: [../shared/p.yaml]\n", "lr/root/kustomization.yaml: "
		    "patchesStrategicMerge[0]: security; file 'lr/shared/p.yaml' is not in or below 'lr/root'"},
		{"resources: [r.yaml]\npatches: [{path: ../shared/p.yaml}]\n", "security; file 'lr/shared/p.yaml' is "
		    "not in or below 'lr/root'"},
		{"configMapGenerator: [{name: g, files: [../shared/f.txt]}]\n", "security; file 'lr/shared/f.txt' is "
		    "not in or below 'lr/root'"},
		{"configMapGenerator: [{name: g, envs: [../shared/f.env]}]\n", "security; file 'lr/shared/f.env' is not "
		    "in or below 'lr/root'"},
		{"resources: [r.yaml]\nconfigurations: [../shared/c.yaml]\n", "security; file 'lr/shared/c.yaml' is "
		    "not in or below 'lr/root'"},
	};
	char target[PN_TEST_PATH_MAX * 2], link[PN_TEST_PATH_MAX * 2];
	size_t n;

	(void)state;
	put("lr/base/kustomization.yaml", "resources: [r.yaml]\n");
	put("lr/base/r.yaml", CM("base"));
	put("lr/root/r.yaml", CM("r"));
	put("lr/root/sub/x.yaml", CM("x"));
	put("lr/shared/p.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: r\ndata: {p: \"1\"}\n");
	put("lr/shared/f.txt", "f\n");
	put("lr/shared/f.env", "F=1\n");
	put("lr/shared/c.yaml", "namePrefix: [{path: metadata/name}]\n");
	/* links: one to a file of the kustomization's own, one out of it */
	snprintf(link, sizeof(link), "%s/lr/root/link-in.yaml", dir);
	assert_int_equal(symlink("sub/x.yaml", link), 0);
	snprintf(link, sizeof(link), "%s/lr/root/link-out.yaml", dir);
	assert_int_equal(symlink("../base/r.yaml", link), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		put("lr/root/kustomization.yaml", cases[i].kust);
		if (cases[i].err == NULL)
			assert_ok(build_load("lr/root", PN_BUILD_LOAD_ROOT_ONLY, &n));
		else
			assert_error(build_load("lr/root", PN_BUILD_LOAD_ROOT_ONLY, &n), PN_ERR_REJECTED, cases[i].err);
		assert_ok(build_load("lr/root", PN_BUILD_LOAD_NONE, &n));
		assert_true(n > 0);
	}
	/* the kustomization's directory is judged by its real path too: a link to it builds as it */
	snprintf(target, sizeof(target), "root");
	snprintf(link, sizeof(link), "%s/lr/alias", dir);
	assert_int_equal(symlink(target, link), 0);
	put("lr/root/kustomization.yaml", "resources: [r.yaml, link-in.yaml]\n");
	assert_ok(build_load("lr/alias", PN_BUILD_LOAD_ROOT_ONLY, &n));
	assert_int_equal(n, 2);
}

/* `generators` and `transformers` of builtin plugin configs (plugin.h): inline, from a file, or the objects of a
 * kustomization directory; after the kustomization's own generators and transformers, in order; a config's
 * fieldSpecs are the only ones its transformer uses (no fieldSpecs: nothing changes), and its renames are
 * followed by references (kubectl kustomize). */
static void
test_plugins(void **state)
{
	char got[1024];

	(void)state;
	put("pl/app/r.yaml", CM("c") "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\n"
	    "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: rb}\n"
	    "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r}\n");
	put("pl/app/kustomization.yaml", "resources: [r.yaml]\nnamePrefix: k-\ngenerators:\n- |-\n  apiVersion: builtin\n"
	    "  kind: ConfigMapGenerator\n  metadata: {name: g}\n  literals: [a=b]\ntransformers:\n- ../tf\n- |-\n"
	    "  apiVersion: builtin\n  kind: LabelTransformer\n  metadata: {name: none}\n  labels: {unused: x}\n- s.yaml\n");
	put("pl/app/s.yaml", "apiVersion: builtin\nkind: SuffixTransformer\nmetadata: {name: s}\nsuffix: -s\nfieldSpecs:\n"
	    "- {path: metadata/name, kind: ClusterRole}\n");
	put("pl/tf/kustomization.yaml", "resources: [p.yaml]\nnamespace: ignored\n");
	put("pl/tf/p.yaml", "apiVersion: builtin\nkind: PrefixTransformer\nmetadata: {name: p}\nprefix: t-\nfieldSpecs:\n"
	    "- {path: metadata/name, kind: ConfigMap}\n");
	assert_ok(build_json("pl/app", got, sizeof(got)));
	assert_string_equal(got,
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"t-k-c\"}}\n"
	    "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRole\",\"metadata\":{\"name\":\"k-r-s\"}}\n"
	    "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRoleBinding\",\"metadata\":{\"name\":"
	    "\"k-rb\"},\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\",\"name\":\"k-r-s\"}}\n"
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"t-k-g-4h2mbtbbt6\"},\"data\":{\"a\":\"b\"}}\n");
	/* a config file is loaded under the load restrictor; errors name the kustomization and the list */
	put("pl/bad/kustomization.yaml", "transformers:\n- |-\n  apiVersion: example.com/v1\n  kind: Mine\n"
	    "  metadata: {name: x}\n");
	assert_error(build("pl/bad", got, sizeof(got)), PN_ERR_UNSUPPORTED,
	    "pl/bad/kustomization.yaml: transformers: external plugins disabled; unable to load external plugin 'Mine'");
	/* an inline entry that is not YAML is no path either */
	put("pl/bad/kustomization.yaml", "transformers:\n- |-\n  apiVersion: builtin\n  metadata: {name: x\n");
	assert_error(build("pl/bad", got, sizeof(got)), PN_ERR_PARSE, "pl/bad/kustomization.yaml: transformers: an inline "
	    "entry:3: did not find expected ',' or '}'");
	/* NamespaceTransformer: metadata.namespace always, a Namespace's name only with a fieldSpec for it */
	put("pl/ns/r.yaml", CM("c") "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: old}\n");
	put("pl/ns/kustomization.yaml", "resources: [r.yaml]\ntransformers:\n- |-\n  apiVersion: builtin\n"
	    "  kind: NamespaceTransformer\n  metadata: {name: n, namespace: new}\n");
	assert_ok(build_json("pl/ns", got, sizeof(got)));
	assert_string_equal(got, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\","
	    "\"namespace\":\"new\"}}\n{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"old\"}}\n");
	/* ReplicaCountTransformer: at its fieldSpecs only; matching nothing is kustomize's error listing them */
	put("pl/rc/r.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 1}\n---\n"
	    "apiVersion: example.com/v1\nkind: Foo\nmetadata: {name: web}\n");
	put("pl/rc/kustomization.yaml", "resources: [r.yaml]\ntransformers:\n- |-\n  apiVersion: builtin\n"
	    "  kind: ReplicaCountTransformer\n  metadata: {name: r}\n  replica: {name: web, count: 5}\n"
	    "  fieldSpecs: [{path: spec/replicas, kind: Foo, create: true}]\n");
	assert_ok(build_json("pl/rc", got, sizeof(got)));
	assert_string_equal(got, "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},"
	    "\"spec\":{\"replicas\":1}}\n{\"apiVersion\":\"example.com/v1\",\"kind\":\"Foo\",\"metadata\":"
	    "{\"name\":\"web\"},\"spec\":{\"replicas\":5}}\n");
	put("pl/rc/kustomization.yaml", "resources: [r.yaml]\ntransformers:\n- |-\n  apiVersion: builtin\n"
	    "  kind: ReplicaCountTransformer\n  metadata: {name: r}\n  replica: {name: nope, count: 5}\n"
	    "  fieldSpecs: [{path: spec/replicas, kind: Foo, group: g.io}, {path: spec/replicas, kind: Bar, version: v2}]\n");
	assert_error(build("pl/rc", got, sizeof(got)), PN_ERR_PARSE, "pl/rc/kustomization.yaml: transformers: "
	    "ReplicaCountTransformer r: resource with name nope does not match a config with the following GVK "
	    "[Foo.[noVer].g.io Bar.v2.[noGrp]]");
	put("pl/rc/kustomization.yaml", "resources: [r.yaml]\nreplicas: [{name: nope, count: 2}]\n");
	assert_error(build("pl/rc", got, sizeof(got)), PN_ERR_PARSE, "resource with name nope does not match a config "
	    "with the following GVK [Deployment.[noVer].[noGrp] StatefulSet.[noVer].[noGrp] ReplicaSet.[noVer].[noGrp] "
	    "ReplicationController.[noVer].[noGrp]]");
	/* a validator is a transformer that must change nothing: one whose field specs select nothing passes */
	put("pl/v/c.yaml", CM("c"));
	put("pl/v/kustomization.yaml", "resources: [c.yaml]\nvalidators:\n- |-\n  apiVersion: builtin\n"
	    "  kind: LabelTransformer\n  metadata: {name: v}\n  labels: {a: b}\n"
	    "  fieldSpecs: [{path: metadata/labels, kind: Secret}]\n");
	assert_ok(build("pl/v", got, sizeof(got)));
	assert_string_equal(got, "pl/v/c.yaml:1 ConfigMap/c");
	put("pl/v/kustomization.yaml", "resources: [c.yaml]\nvalidators:\n- |-\n  apiVersion: builtin\n"
	    "  kind: LabelTransformer\n  metadata: {name: v}\n  labels: {a: b}\n"
	    "  fieldSpecs: [{path: metadata/labels, create: true}]\n");
	assert_error(build("pl/v", got, sizeof(got)), PN_ERR_PARSE, "pl/v/kustomization.yaml: validators: "
	    "LabelTransformer v: validator shouldn't modify the resource map: nodes unequal: ConfigMap.v1.[noGrp]/c.[noNs]");
	put("pl/v/kustomization.yaml", "resources: [c.yaml]\nvalidators:\n- |-\n  apiVersion: builtin\n"
	    "  kind: PatchTransformer\n  metadata: {name: v}\n  patch: '{$patch: delete, apiVersion: v1, kind: ConfigMap, "
	    "metadata: {name: c}}'\n");
	assert_error(build("pl/v", got, sizeof(got)), PN_ERR_PARSE, "validator shouldn't modify the resource map: lists "
	    "have different number of entries: 1 doesn't equal 0");
}

static void
test_local_config(void **state)
{
	char got[1024];

	(void)state;
	put("lc/kustomization.yaml", "resources: [a.yaml, b.yaml, c.yaml]\n");
	put("lc/a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n"
	    "    config.kubernetes.io/local-config: \"true\"\n");
	put("lc/b.yaml", CM("b"));
	put("lc/c.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n"
	    "    config.kubernetes.io/local-config: \"false\"\n");
	assert_ok(build("lc", got, sizeof(got)));
	assert_string_equal(got, "lc/b.yaml:1 ConfigMap/b lc/c.yaml:1 ConfigMap/c");
}

/* buildMetadata (buildmeta.h) through a build, as kubectl kustomize prints it: origins from the entry
 * kustomization's directory, a merged generator keeping the older origin, the transformers of a base and of a
 * component, the managed-by label; and without buildMetadata an origin the input wrote and empty annotations
 * removed. */
static void
test_build_metadata(void **state)
{
	char got[4096];

	(void)state;
	put("bm/base/kustomization.yml", "namePrefix: b-\nresources:\n- ./s.yaml\nconfigMapGenerator:\n- name: cm\n"
	    "  literals: [a=b]\n");
	put("bm/base/s.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  annotations:\n"
	    "    config.kubernetes.io/origin: bogus\n");
	put("bm/comp/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
	    "commonAnnotations:\n  c: d\n");
	put("bm/top/kustomization.yaml", "resources:\n- ../base\ncomponents:\n- ../comp\nconfigMapGenerator:\n"
	    "- name: cm\n  behavior: merge\n  literals: [x=y]\n"
	    "buildMetadata: [originAnnotations, transformerAnnotations, managedByLabel]\n");
	assert_ok(build_json("bm/top", got, sizeof(got)));
	assert_string_equal(got,
	    "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"b-s\","
	    "\"annotations\":{\"config.kubernetes.io/origin\":\"path: ../base/s.yaml\\n\","
	    "\"alpha.config.kubernetes.io/transformations\":\"- configuredIn: ../base/kustomization.yml\\n"
	    "  configuredBy:\\n    apiVersion: builtin\\n    kind: PrefixTransformer\\n"
	    "- configuredIn: ../comp/kustomization.yaml\\n  configuredBy:\\n    apiVersion: builtin\\n"
	    "    kind: AnnotationsTransformer\\n\",\"c\":\"d\"},"
	    "\"labels\":{\"app.kubernetes.io/managed-by\":\"kustomize-(devel)\"}}}\n"
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"b-cm-ff5c62bg4g\","
	    "\"annotations\":{\"config.kubernetes.io/origin\":\"configuredIn: ../base/kustomization.yml\\n"
	    "configuredBy:\\n  apiVersion: builtin\\n  kind: ConfigMapGenerator\\n\","
	    "\"alpha.config.kubernetes.io/transformations\":\"- configuredIn: ../base/kustomization.yml\\n"
	    "  configuredBy:\\n    apiVersion: builtin\\n    kind: PrefixTransformer\\n"
	    "- configuredIn: ../comp/kustomization.yaml\\n  configuredBy:\\n    apiVersion: builtin\\n"
	    "    kind: AnnotationsTransformer\\n\",\"c\":\"d\"},"
	    "\"labels\":{\"app.kubernetes.io/managed-by\":\"kustomize-(devel)\"}},\"data\":{\"x\":\"y\","
	    "\"a\":\"b\"}}\n");

	/* the base's own list is ignored: kustomize hands the entry's down */
	put("bm/plain/kustomization.yaml", "resources: [../base, e.yaml]\n");
	put("bm/plain/e.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e\n  annotations: {}\n");
	put("bm/base/kustomization.yml", "namePrefix: b-\nresources:\n- ./s.yaml\nbuildMetadata: [originAnnotations]\n");
	assert_ok(build_json("bm/plain", got, sizeof(got)));
	assert_string_equal(got,
	    "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"b-s\"}}\n"
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"e\"}}\n");
}

/* A Flux Kustomization's spec.buildMetadata replaces the file's list, and fluxcd/pkg's generator gives a
 * kustomization file without resources buildMetadata [originAnnotations]; origins of Flux's generated
 * kustomization are the scanned files' paths from the entry path. */
/* buildMetadata with plugin configs (kustomize's OriginFromCustomPlugin): a generator config's objects and a
 * transformer config's transformations name the config (apiVersion, kind, name, namespace), configured in
 * the config's own file, or the kustomization file when it is inline. */
static void
test_build_metadata_plugins(void **state)
{
	char got[4096];

	(void)state;
	put("bmp/gen.yaml", "apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: g\nliterals: [a=b]\n");
	put("bmp/kustomization.yaml", "generators: [gen.yaml]\ntransformers:\n- |\n  apiVersion: builtin\n"
	    "  kind: NamespaceTransformer\n  metadata:\n    name: nst\n    namespace: lab\n"
	    "buildMetadata: [originAnnotations, transformerAnnotations]\n");
	assert_ok(build_json("bmp", got, sizeof(got)));
	assert_string_equal(got,
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"g-4h2mbtbbt6\","
	    "\"annotations\":{\"config.kubernetes.io/origin\":\"configuredIn: gen.yaml\\nconfiguredBy:\\n"
	    "  apiVersion: builtin\\n  kind: ConfigMapGenerator\\n  name: g\\n\","
	    "\"alpha.config.kubernetes.io/transformations\":\"- configuredIn: kustomization.yaml\\n  configuredBy:\\n"
	    "    apiVersion: builtin\\n    kind: NamespaceTransformer\\n    name: nst\\n    namespace: lab\\n\"},"
	    "\"namespace\":\"lab\"},\"data\":{\"a\":\"b\"}}\n");
}

static void
test_flux_build_metadata(void **state)
{
	static const struct {
		const char *path, *spec, *want;
	} cases[] = {
		{"fb/gen", "[\"originAnnotations\"]",
		    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\",\"annotations\":"
		    "{\"config.kubernetes.io/origin\":\"path: sub/a.yaml\\n\"}}}\n"},
		{"fb/gen", NULL, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"}}\n"},
		{"fb/norez", NULL, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
		    "\"g-4h2mbtbbt6\",\"annotations\":{\"config.kubernetes.io/origin\":\"configuredIn: kustomization.yaml\\n"
		    "configuredBy:\\n  apiVersion: builtin\\n  kind: ConfigMapGenerator\\n\"}},\"data\":{\"a\":\"b\"}}\n"},
		{"fb/norez", "[\"transformerAnnotations\"]",
		    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"g-4h2mbtbbt6\"},\"data\":"
		    "{\"a\":\"b\"}}\n"},
	};
	struct pn_build_flux fx = {0};
	struct pn_build_options opt;
	struct pn_build_result res;
	struct pn_tree_reader r;
	struct pn_dirtree *t;
	struct pn_buf b;

	(void)state;
	put("fb/gen/sub/a.yaml", CM("a"));
	put("fb/norez/kustomization.yaml", "configMapGenerator:\n- name: g\n  literals: [a=b]\n"
	    "buildMetadata: [managedByLabel]\n");
	pn_build_options_init(&opt);
	opt.flux = &fx;
	assert_ok(pn_dirtree_new(dir, &t));
	pn_dirtree_reader(t, &r);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *spec = cases[i].spec != NULL ? cJSON_Parse(cases[i].spec) : NULL;

		fx.build_metadata = spec;
		assert_ok(pn_build(&r, cases[i].path, &opt, &res));
		pn_buf_init(&b, 1 << 16, "test output");
		for (size_t k = 0; k < res.ndocs; k++) {
			cJSON *obj;

			assert_ok(pn_build_doc_load(&res, &res.docs[k], &obj));
			assert_ok(pn_yaml_to_json(obj, &b));
			assert_ok(pn_buf_addch(&b, '\n'));
			cJSON_Delete(obj);
		}
		assert_string_equal(pn_buf_str(&b), cases[i].want);
		pn_buf_release(&b);
		pn_build_result_release(&res);
		cJSON_Delete(spec);
	}
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
		cmocka_unit_test(test_transformers),
		cmocka_unit_test(test_generators),
		cmocka_unit_test(test_components),
		cmocka_unit_test(test_patches),
		cmocka_unit_test(test_configurations),
		cmocka_unit_test(test_feature_errors),
		cmocka_unit_test(test_flux_options),
		cmocka_unit_test(test_references),
		cmocka_unit_test(test_reference_sieve),
		cmocka_unit_test(test_generator_binary),
		cmocka_unit_test(test_sort_options),
		cmocka_unit_test(test_regressions),
		cmocka_unit_test(test_error_order),
		cmocka_unit_test(test_spool),
		cmocka_unit_test(test_load_restrictor),
		cmocka_unit_test(test_local_config),
		cmocka_unit_test(test_build_metadata),
		cmocka_unit_test(test_flux_build_metadata),
		cmocka_unit_test(test_build_metadata_plugins),
		cmocka_unit_test(test_plugins),
	};
	return cmocka_run_group_tests_name("build", tests, setup, teardown);
}
