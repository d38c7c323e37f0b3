/*
 * kubeconfig: the k3s.yaml shape, token and tokenFile, files versus inline data, relative paths, and every
 * refusal: missing fields, bad base64, insecure-skip-tls-verify, plugins, malformed YAML, the size ceiling.
 * Secrets never appear in messages.
 */
#include "pn_test.h"
#include "peer.h"

#include "../../agent/apply/kubeconfig.h"

/* base64 of "CA", "CERT", "KEY" */
#define CA_B64 "Q0E="
#define CERT_B64 "Q0VSVA=="
#define KEY_B64 "S0VZ"

#define CLUSTER_OK "    certificate-authority-data: " CA_B64 "\n    server: https://127.0.0.1:6443\n"
#define USER_OK "    client-certificate-data: " CERT_B64 "\n    client-key-data: " KEY_B64 "\n"

/* The layout k3s writes (kube-api.md §6), with the cluster's and the user's fields filled in. */
#define KC(cluster, user)                                                                          \
	"apiVersion: v1\n"                                                                         \
	"clusters:\n"                                                                              \
	"- cluster:\n" cluster "  name: default\n"                                                 \
	"contexts:\n"                                                                              \
	"- context:\n"                                                                             \
	"    cluster: default\n"                                                                   \
	"    user: default\n"                                                                      \
	"  name: default\n"                                                                        \
	"current-context: default\n"                                                               \
	"kind: Config\n"                                                                           \
	"preferences: {}\n"                                                                        \
	"users:\n"                                                                                 \
	"- name: default\n"                                                                        \
	"  user:\n" user

static const struct pn_error *
parse(const char *text, const char *path, struct pn_kubeconfig **kc)
{
	return pn_kubeconfig_parse(text, strlen(text), path, NULL, kc);
}

static void
test_k3s_shape(void **state)
{
	struct pn_kubeconfig *kc = NULL;

	(void)state;
	assert_ok(parse(KC(CLUSTER_OK, USER_OK), "/etc/rancher/k3s/k3s.yaml", &kc));
	assert_string_equal(kc->path, "/etc/rancher/k3s/k3s.yaml");
	assert_string_equal(kc->context, "default");
	assert_string_equal(kc->cluster_name, "default");
	assert_string_equal(kc->user_name, "default");
	assert_string_equal(kc->server, "https://127.0.0.1:6443");
	assert_int_equal(kc->ca_pem_len, 2);
	assert_memory_equal(kc->ca_pem, "CA", 2);
	assert_int_equal(kc->cert_pem_len, 4);
	assert_memory_equal(kc->cert_pem, "CERT", 4);
	assert_int_equal(kc->key_pem_len, 3);
	assert_memory_equal(kc->key_pem, "KEY", 3);
	assert_null(kc->ca_file);
	assert_null(kc->cert_file);
	assert_null(kc->key_file);
	assert_null(kc->token);
	pn_kubeconfig_free(kc);
}

static void
test_token(void **state)
{
	struct pn_kubeconfig *kc = NULL;

	(void)state;
	assert_ok(parse(KC(CLUSTER_OK, "    token: abc.def-ghi\n"), NULL, &kc));
	assert_string_equal(kc->path, "(inline)");
	assert_string_equal(kc->token, "abc.def-ghi");
	assert_null(kc->cert_pem);
	assert_null(kc->key_pem);
	pn_kubeconfig_free(kc);
	/* a certificate and a token together: both are kept (kubectl sends both) */
	assert_ok(parse(KC(CLUSTER_OK, USER_OK "    token: t0k\n"), NULL, &kc));
	assert_string_equal(kc->token, "t0k");
	assert_non_null(kc->cert_pem);
	pn_kubeconfig_free(kc);
}

static void
test_files_relative_to_kubeconfig(void **state)
{
	struct pn_kubeconfig *kc = NULL;

	(void)state;
	assert_ok(parse(KC("    server: https://k:6443\n    certificate-authority: pki/ca.crt\n",
	    "    client-certificate: /abs/admin.crt\n    client-key: admin.key\n"), "/etc/kube/config", &kc));
	assert_string_equal(kc->ca_file, "/etc/kube/pki/ca.crt");
	assert_string_equal(kc->cert_file, "/abs/admin.crt");
	assert_string_equal(kc->key_file, "/etc/kube/admin.key");
	assert_null(kc->ca_pem);
	pn_kubeconfig_free(kc);
	/* a kubeconfig named without a directory: paths stay relative to the working directory */
	assert_ok(parse(KC("    server: https://k:6443\n    certificate-authority: ca.crt\n", USER_OK), "config", &kc));
	assert_string_equal(kc->ca_file, "ca.crt");
	pn_kubeconfig_free(kc);
	/* no CA at all: the system bundle (both NULL) */
	assert_ok(parse(KC("    server: https://k8s.example.com\n", USER_OK), NULL, &kc));
	assert_null(kc->ca_file);
	assert_null(kc->ca_pem);
	pn_kubeconfig_free(kc);
}

static void
test_data_wins_over_file(void **state)
{
	struct pn_kubeconfig *kc = NULL;

	(void)state;
	assert_ok(parse(KC(CLUSTER_OK "    certificate-authority: /x/ca.crt\n",
	    USER_OK "    client-certificate: /x/c.crt\n    client-key: /x/c.key\n"), NULL, &kc));
	assert_non_null(kc->ca_pem);
	assert_null(kc->ca_file);
	assert_null(kc->cert_file);
	assert_null(kc->key_file);
	pn_kubeconfig_free(kc);
}

static void
test_token_file(void **state)
{
	char dir[PN_TEST_PATH_MAX], path[PN_TEST_PATH_MAX * 2], kcpath[PN_TEST_PATH_MAX * 2];
	struct pn_kubeconfig *kc = NULL;
	FILE *f;

	(void)state;
	assert_int_equal(pn_test_tmpdir("kubeconfig", dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/token", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("  file-token\n", f);
	fclose(f);
	snprintf(kcpath, sizeof(kcpath), "%s/config", dir);
	/* relative to the kubeconfig; the file wins over the inline token, as in client-go */
	assert_ok(parse(KC(CLUSTER_OK, "    token: inline\n    tokenFile: token\n"), kcpath, &kc));
	assert_string_equal(kc->token, "file-token");
	pn_kubeconfig_free(kc);
	/* missing file: named, with the field */
	assert_error(parse(KC(CLUSTER_OK, "    tokenFile: nope\n"), kcpath, &kc), PN_ERR_ERRNO, "tokenFile: open ");
	assert_null(kc);
	/* an empty token file */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("\n", f);
	fclose(f);
	assert_error(parse(KC(CLUSTER_OK, "    tokenFile: token\n"), kcpath, &kc), PN_ERR_PARSE, "token is empty");
	pn_test_rmtree(dir);
}

static void
test_load_file(void **state)
{
	char dir[PN_TEST_PATH_MAX], path[PN_TEST_PATH_MAX * 2];
	struct pn_kubeconfig *kc = NULL;
	FILE *f;

	(void)state;
	assert_int_equal(pn_test_tmpdir("kubeconfig", dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/k3s.yaml", dir);
	assert_error(pn_kubeconfig_load(path, NULL, &kc), PN_ERR_ERRNO, "k3s.yaml");
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(KC(CLUSTER_OK, USER_OK), f);
	fclose(f);
	assert_ok(pn_kubeconfig_load(path, NULL, &kc));
	assert_string_equal(kc->path, path);
	assert_string_equal(kc->server, "https://127.0.0.1:6443");
	pn_kubeconfig_free(kc);
	pn_test_rmtree(dir);
}

/* Every refusal names the file, the line where it can tell, and the field. */
static void
test_errors_table(void **state)
{
	static const struct {
		const char *name;
		const char *text;
		enum pn_err_code code;
		const char *needle;
	} cases[] = {
		{"empty", "", PN_ERR_PARSE, "kubeconfig k.yaml: the file is empty"},
		{"comment only", "# nothing\n", PN_ERR_PARSE, "the file is empty"},
		{"not yaml", "a: [b\n", PN_ERR_PARSE, "kubeconfig k.yaml: line "},
		{"scalar", "hello\n", PN_ERR_PARSE, "not a kubeconfig"},
		{"other kind", "kind: Pod\ncurrent-context: x\n", PN_ERR_PARSE, "kind is \"Pod\", not Config"},
		{"no current-context", "kind: Config\nclusters: []\n", PN_ERR_PARSE, "current-context is not set"},
		{"empty current-context", "kind: Config\ncurrent-context: \"\"\n", PN_ERR_PARSE,
		    "current-context is not set"},
		{"no contexts", "current-context: x\n", PN_ERR_PARSE, "no contexts list, so context \"x\""},
		{"contexts not a list", "current-context: x\ncontexts: {}\n", PN_ERR_PARSE,
		    "line 2: contexts must be a list"},
		{"unknown context", "current-context: x\ncontexts:\n- name: y\n  context: {cluster: c, user: u}\n",
		    PN_ERR_PARSE, "contexts: no entry named \"x\""},
		{"context without cluster", "current-context: x\ncontexts:\n- name: x\n  context: {user: u}\n",
		    PN_ERR_PARSE, "context \"x\": cluster is not set"},
		{"context without user", "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\n",
		    PN_ERR_PARSE, "context \"x\": user is not set"},
		{"context entry empty", "current-context: x\ncontexts:\n- name: x\n  context:\n", PN_ERR_PARSE,
		    "context \"x\" has no context fields"},
		{"cluster missing", KC("", USER_OK), PN_ERR_PARSE, "cluster \"default\" has no cluster fields"},
		{"server missing", KC("    certificate-authority-data: " CA_B64 "\n", USER_OK), PN_ERR_PARSE,
		    "line 4: cluster \"default\": server is missing"},
		{"server not a string", KC("    server: [a]\n", USER_OK), PN_ERR_PARSE,
		    "line 4: cluster \"default\": server must be a string"},
		{"bad base64 CA", KC("    server: https://k\n    certificate-authority-data: Q0E*\n", USER_OK),
		    PN_ERR_PARSE, "line 5: cluster \"default\": certificate-authority-data: not valid base64"},
		{"bad base64 key", KC(CLUSTER_OK, "    client-certificate-data: " CERT_B64 "\n    client-key-data: "
		    "S0V!!\n"), PN_ERR_PARSE, "user \"default\": client-key-data: not valid base64"},
		{"truncated base64", KC(CLUSTER_OK, "    client-certificate-data: Q0VSV\n    client-key-data: "
		    KEY_B64 "\n"), PN_ERR_PARSE, "client-certificate-data: not valid base64"},
		{"insecure-skip refused", KC(CLUSTER_OK "    insecure-skip-tls-verify: true\n", USER_OK), PN_ERR_USAGE,
		    "insecure-skip-tls-verify is refused: pinion always verifies the API server"},
		{"insecure-skip yes", KC(CLUSTER_OK "    insecure-skip-tls-verify: yes\n", USER_OK), PN_ERR_USAGE,
		    "insecure-skip-tls-verify is refused"},
		{"insecure-skip junk", KC(CLUSTER_OK "    insecure-skip-tls-verify: maybe\n", USER_OK), PN_ERR_PARSE,
		    "insecure-skip-tls-verify must be true or false"},
		{"tls-server-name", KC(CLUSTER_OK "    tls-server-name: k\n", USER_OK), PN_ERR_UNSUPPORTED,
		    "tls-server-name is not supported"},
		{"proxy-url", KC(CLUSTER_OK "    proxy-url: http://p:3128\n", USER_OK), PN_ERR_UNSUPPORTED,
		    "proxy-url is not supported"},
		{"unknown user", "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n"
		    "clusters:\n- name: c\n  cluster: {server: 'https://k'}\nusers: []\n", PN_ERR_PARSE,
		    "users: no entry named \"u\""},
		{"user empty", KC(CLUSTER_OK, "    {}\n"), PN_ERR_USAGE, "user \"default\" has no credentials"},
		{"cert without key", KC(CLUSTER_OK, "    client-certificate-data: " CERT_B64 "\n"), PN_ERR_PARSE,
		    "a client certificate without client-key-data or client-key"},
		{"key without cert", KC(CLUSTER_OK, "    client-key: k.key\n"), PN_ERR_PARSE,
		    "a client key without client-certificate-data or client-certificate"},
		{"exec plugin", KC(CLUSTER_OK, "    exec:\n      command: aws\n"), PN_ERR_UNSUPPORTED,
		    "user \"default\": exec is not supported"},
		{"auth-provider", KC(CLUSTER_OK, "    auth-provider: {name: oidc}\n"), PN_ERR_UNSUPPORTED,
		    "auth-provider is not supported"},
		{"basic auth", KC(CLUSTER_OK, "    username: admin\n    password: s3cr3t\n"), PN_ERR_UNSUPPORTED,
		    "username is not supported"},
		{"token with a space", KC(CLUSTER_OK, "    token: \"s3c r3t\"\n"), PN_ERR_PARSE,
		    "token is empty or has characters a bearer token cannot have"},
		{"token with a newline", KC(CLUSTER_OK, "    token: \"s3c\\nr3t\"\n"), PN_ERR_PARSE,
		    "token is empty or has characters"},
		{"token with a NUL", KC(CLUSTER_OK, "    token: \"s3c\\0r3t\"\n"), PN_ERR_PARSE,
		    "token contains a NUL byte"},
		{"null token only", KC(CLUSTER_OK, "    token: ~\n"), PN_ERR_USAGE, "has no credentials"},
		{"empty data", KC("    server: https://k\n    certificate-authority-data: \"\"\n", USER_OK),
		    PN_ERR_PARSE, "certificate-authority-data is empty"},
		{"empty file", KC("    server: https://k\n    certificate-authority: ''\n", USER_OK), PN_ERR_PARSE,
		    "certificate-authority is empty"},
		{"entries not mappings", "current-context: x\ncontexts:\n- x\n", PN_ERR_PARSE,
		    "each entry of contexts must be a mapping"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_kubeconfig *kc = (struct pn_kubeconfig *)&kc;
		const struct pn_error *e = parse(cases[i].text, "k.yaml", &kc);

		if (e == NULL || e->code != cases[i].code || strstr(e->msg, cases[i].needle) == NULL)
			fail_msg("case \"%s\": expected %s containing \"%s\", got %s: \"%s\"", cases[i].name,
			    pn_error_code_name(cases[i].code), cases[i].needle,
			    e != NULL ? pn_error_code_name(e->code) : "success", e != NULL ? e->msg : "");
		assert_null(kc);
		/* no secret ever reaches a message */
		assert_null(strstr(e->msg, "s3c"));
		assert_null(strstr(e->msg, "S0V"));
		assert_null(strstr(e->msg, "Q0E*"));
	}
}

static void
test_null_values(void **state)
{
	struct pn_kubeconfig *kc = NULL;

	(void)state;
	/* plain null forms are absent; a quoted "null" is a string */
	assert_ok(parse(KC(CLUSTER_OK "    certificate-authority: null\n    insecure-skip-tls-verify: false\n",
	    USER_OK "    token: \"null\"\n    tokenFile: ~\n"), NULL, &kc));
	assert_null(kc->ca_file);
	assert_string_equal(kc->token, "null");
	pn_kubeconfig_free(kc);
}

static void
test_other_context(void **state)
{
	static const char text[] =
	    "apiVersion: v1\nkind: Config\ncurrent-context: b\n"
	    "clusters:\n- name: one\n  cluster: {server: 'https://one:6443'}\n"
	    "- name: two\n  cluster: {server: 'https://two:6443', certificate-authority-data: " CA_B64 "}\n"
	    "contexts:\n- name: a\n  context: {cluster: one, user: u1}\n- name: b\n  context: {cluster: two, user: u2}\n"
	    "users:\n- name: u1\n  user: {token: one}\n- name: u2\n  user: {token: two}\n";
	struct pn_kubeconfig *kc = NULL;

	(void)state;
	assert_ok(parse(text, NULL, &kc));
	assert_string_equal(kc->server, "https://two:6443");
	assert_string_equal(kc->token, "two");
	assert_string_equal(kc->cluster_name, "two");
	pn_kubeconfig_free(kc);
}

/* Anchors and aliases are shared nodes: a "billion laughs" document stays small and is read normally. */
static void
test_aliases(void **state)
{
	static const char text[] =
	    "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
	    "current-context: x\nu: &u {token: t}\n"
	    "contexts:\n- name: x\n  context: {cluster: c, user: u}\n"
	    "clusters:\n- name: c\n  cluster: {server: 'https://k'}\nusers:\n- name: u\n  user: *u\n";
	struct pn_kubeconfig *kc = NULL;

	(void)state;
	assert_ok(parse(text, NULL, &kc));
	assert_string_equal(kc->token, "t");
	pn_kubeconfig_free(kc);
}

static void
test_too_large(void **state)
{
	size_t len = PN_KUBECONFIG_MAX + 1;
	char *big = malloc(len);
	struct pn_kubeconfig *kc = NULL;

	(void)state;
	assert_non_null(big);
	memset(big, '#', len);
	assert_error(pn_kubeconfig_parse(big, len, "big.yaml", NULL, &kc), PN_ERR_TOO_LARGE, "kubeconfig big.yaml");
	free(big);
}

static void
test_locate(void **state)
{
	static const struct {
		const char *flag, *env;
		const char *want;
	} cases[] = {
		{"/flag", "/env", "/flag"},
		{NULL, "/env", "/env"},
		{"", "/env", "/env"},
		{NULL, "/a:/b", "/a"},
		{NULL, ":/b", "/b"},
		{NULL, "::", PN_KUBECONFIG_DEFAULT},
		{NULL, "", PN_KUBECONFIG_DEFAULT},
		{NULL, NULL, PN_KUBECONFIG_DEFAULT},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *p = NULL;

		if (cases[i].env != NULL)
			setenv("KUBECONFIG", cases[i].env, 1);
		else
			unsetenv("KUBECONFIG");
		assert_ok(pn_kubeconfig_locate(cases[i].flag, &p));
		assert_string_equal(p, cases[i].want);
		free(p);
	}
	unsetenv("KUBECONFIG");
}

/* --context picks another context than current-context, as kubectl's flag does. */
static void
test_context(void **state)
{
	static const char two[] =
	    "apiVersion: v1\nkind: Config\ncurrent-context: a\n"
	    "clusters:\n- name: ca\n  cluster:\n    server: https://10.0.0.1:6443\n"
	    "- name: cb\n  cluster:\n    server: https://10.0.0.2:6443\n"
	    "contexts:\n- name: a\n  context: {cluster: ca, user: u}\n- name: b\n  context: {cluster: cb, user: u}\n"
	    "users:\n- name: u\n  user:\n    token: t\n";
	struct pn_kubeconfig *kc = NULL;

	(void)state;
	assert_ok(pn_kubeconfig_parse(two, strlen(two), "two.yaml", NULL, &kc));
	assert_string_equal(kc->server, "https://10.0.0.1:6443");
	pn_kubeconfig_free(kc);
	assert_ok(pn_kubeconfig_parse(two, strlen(two), "two.yaml", "b", &kc));
	assert_string_equal(kc->server, "https://10.0.0.2:6443");
	assert_string_equal(kc->context, "b");
	pn_kubeconfig_free(kc);
	assert_error(pn_kubeconfig_parse(two, strlen(two), "two.yaml", "c", &kc), PN_ERR_PARSE, "\"c\"");
}

/* In a pod: server from the service host and port, the CA and the token from the service-account directory. */
static void
test_in_cluster(void **state)
{
	char dir[PN_TEST_PATH_MAX], p[PN_TEST_PATH_MAX * 2];
	struct pn_kubeconfig *kc = NULL;
	FILE *f;

	(void)state;
	assert_int_equal(pn_test_tmpdir("incluster", dir, sizeof(dir)), 0);
	assert_error(pn_kubeconfig_in_cluster(dir, "10.43.0.1", "443", &kc), PN_ERR_ERRNO, "in-cluster service account");
	snprintf(p, sizeof(p), "%s/token", dir);
	assert_non_null(f = fopen(p, "w"));
	fputs("eyJhbGciOi.secret-token\n", f);
	fclose(f);
	assert_ok(pn_kubeconfig_in_cluster(dir, "10.43.0.1", "443", &kc));
	assert_string_equal(kc->server, "https://10.43.0.1:443");
	assert_string_equal(kc->token, "eyJhbGciOi.secret-token");
	snprintf(p, sizeof(p), "%s/ca.crt", dir);
	assert_string_equal(kc->ca_file, p);
	pn_kubeconfig_free(kc);
	assert_ok(pn_kubeconfig_in_cluster(dir, "fd00::1", "6443", &kc));
	assert_string_equal(kc->server, "https://[fd00::1]:6443");
	pn_kubeconfig_free(kc);
	snprintf(p, sizeof(p), "%s/token", dir);
	assert_non_null(f = fopen(p, "w"));
	fclose(f);
	assert_error(pn_kubeconfig_in_cluster(dir, "10.43.0.1", "443", &kc), PN_ERR_AUTH, "token is empty");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_k3s_shape),
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_files_relative_to_kubeconfig),
		cmocka_unit_test(test_data_wins_over_file),
		cmocka_unit_test(test_token_file),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_errors_table),
		cmocka_unit_test(test_null_values),
		cmocka_unit_test(test_other_context),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_locate),
		cmocka_unit_test(test_context),
		cmocka_unit_test(test_in_cluster),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
