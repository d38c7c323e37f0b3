/*
 * kubeconfig reader. The file is loaded into a libyaml document (a node graph: aliases become shared nodes,
 * never expanded copies, so a hostile file cannot multiply itself) under PN_KUBECONFIG_MAX, and then walked at a
 * fixed depth: root → clusters/contexts/users → the named entry → its fields. No recursion on the document.
 */
#include "kubeconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>
#include <mbedtls/platform_util.h>
#include <yaml.h>

#include "../core/buf.h"
#include "../core/file.h"
#include "../core/log.h"
#include "../core/banned.h"

/* What a parse needs to name things in errors. */
struct ctx {
	yaml_document_t *doc;
	const char *path;	/* for messages and relative paths */
	const char *context;	/* --context, or NULL: current-context */
};

/* An error "kubeconfig PATH line N: <message>" (no line for a NULL node). */
static const struct pn_error *
at(const struct ctx *c, const yaml_node_t *n, enum pn_err_code code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static const struct pn_error *
at(const struct ctx *c, const yaml_node_t *n, enum pn_err_code code, const char *fmt, ...)
{
	char msg[PN_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n == NULL)
		return pn_error_fmt(code, "kubeconfig %s: %s", c->path, msg);
	return pn_error_fmt(code, "kubeconfig %s line %zu: %s", c->path, n->start_mark.line + 1, msg);
}

static yaml_node_t *
node(const struct ctx *c, int index)
{
	return yaml_document_get_node(c->doc, index);
}

/* YAML's null: an absent node, or a plain scalar "", "~", "null" (a quoted "null" is a string). */
static int
is_null(const yaml_node_t *n)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};

	if (n == NULL)
		return 1;
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	for (size_t i = 0; i < sizeof(nulls) / sizeof(*nulls); i++)
		if (strcmp((const char *)n->data.scalar.value, nulls[i]) == 0)
			return 1;
	return 0;
}

/* The value of `key` in mapping `map`, or NULL. */
static yaml_node_t *
get(const struct ctx *c, const yaml_node_t *map, const char *key)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(c, p->key);

		if (k != NULL && k->type == YAML_SCALAR_NODE && strcmp((const char *)k->data.scalar.value, key) == 0)
			return node(c, p->value);
	}
	return NULL;
}

/* The string value of `key` in `map`; *out is NULL when the key is absent or null. `where` prefixes messages
 * ("cluster \"default\""). The string lives as long as the document. */
static const struct pn_error *
str(const struct ctx *c, const yaml_node_t *map, const char *key, const char *where, const char **out)
{
	yaml_node_t *v = get(c, map, key);

	*out = NULL;
	if (is_null(v))
		return NULL;
	if (v->type != YAML_SCALAR_NODE)
		return at(c, v, PN_ERR_PARSE, "%s: %s must be a string", where, key);
	/* libyaml NUL-terminates scalars; a "\0" escape inside would cut the value short */
	if (strlen((const char *)v->data.scalar.value) != v->data.scalar.length)
		return at(c, v, PN_ERR_PARSE, "%s: %s contains a NUL byte", where, key);
	*out = (const char *)v->data.scalar.value;
	return NULL;
}

/* The YAML 1.1 booleans that Kubernetes' YAML reader (go-yaml v2) accepts. */
static const struct pn_error *
boolean(const struct ctx *c, const yaml_node_t *map, const char *key, const char *where, int *out)
{
	static const char *const yes[] = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
	static const char *const no[] = {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
	const struct pn_error *err;
	const char *s;

	*out = 0;
	if ((err = str(c, map, key, where, &s)) != NULL || s == NULL)
		return err;
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = 1;
			return NULL;
		}
		if (strcmp(s, no[i]) == 0)
			return NULL;
	}
	return at(c, get(c, map, key), PN_ERR_PARSE, "%s: %s must be true or false", where, key);
}

static const struct pn_error *
dup(const char *s, char **out)
{
	if ((*out = strdup(s)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	return NULL;
}

/* Find the entry called `name` in the top-level list `list` ("clusters") and return its `field` ("cluster"),
 * which must be a mapping. */
static const struct pn_error *
named(const struct ctx *c, const yaml_node_t *root, const char *list, const char *field, const char *name,
    yaml_node_t **out)
{
	yaml_node_t *seq = get(c, root, list);

	if (is_null(seq))
		return at(c, NULL, PN_ERR_PARSE, "no %s list, so %s \"%s\" is not defined", list, field, name);
	if (seq->type != YAML_SEQUENCE_NODE)
		return at(c, seq, PN_ERR_PARSE, "%s must be a list", list);
	for (yaml_node_item_t *i = seq->data.sequence.items.start; i < seq->data.sequence.items.top; i++) {
		yaml_node_t *e = node(c, *i), *v;
		const struct pn_error *err;
		const char *n;

		if (e == NULL || e->type != YAML_MAPPING_NODE)
			return at(c, e, PN_ERR_PARSE, "each entry of %s must be a mapping", list);
		if ((err = str(c, e, "name", list, &n)) != NULL)
			return err;
		if (n == NULL || strcmp(n, name) != 0)
			continue;
		v = get(c, e, field);
		/* `user: {}` and a bare `user:` both mean "no fields" */
		if (v != NULL && !is_null(v) && v->type != YAML_MAPPING_NODE)
			return at(c, v, PN_ERR_PARSE, "%s \"%s\": %s must be a mapping", field, name, field);
		*out = v != NULL && v->type == YAML_MAPPING_NODE ? v : NULL;
		if (*out == NULL)
			return at(c, e, PN_ERR_PARSE, "%s \"%s\" has no %s fields", field, name, field);
		return NULL;
	}
	return at(c, seq, PN_ERR_PARSE, "%s: no entry named \"%s\"", list, name);
}

/* Decode the base64 value of `key` (a *-data field) into a new buffer; *out stays NULL when absent. */
static const struct pn_error *
b64(const struct ctx *c, const yaml_node_t *map, const char *key, const char *where, char **out, size_t *len)
{
	const struct pn_error *err;
	const char *s;
	size_t need = 0, slen;
	unsigned char *buf;
	int rc;

	*out = NULL;
	*len = 0;
	if ((err = str(c, map, key, where, &s)) != NULL || s == NULL)
		return err;
	slen = strlen(s);
	/* first pass: validate and size (the value is never quoted in the message: it may be a key) */
	rc = mbedtls_base64_decode(NULL, 0, &need, (const unsigned char *)s, slen);
	if (rc == MBEDTLS_ERR_BASE64_INVALID_CHARACTER || (rc != 0 && rc != MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL))
		return at(c, get(c, map, key), PN_ERR_PARSE, "%s: %s: not valid base64", where, key);
	if (need == 0)
		return at(c, get(c, map, key), PN_ERR_PARSE, "%s: %s is empty", where, key);
	/* need <= slen * 3 / 4, and slen is bounded by PN_KUBECONFIG_MAX: no overflow */
	if ((buf = malloc(need + 1)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	if (mbedtls_base64_decode(buf, need, len, (const unsigned char *)s, slen) != 0) {
		mbedtls_platform_zeroize(buf, need);
		free(buf);
		return at(c, get(c, map, key), PN_ERR_PARSE, "%s: %s: not valid base64", where, key);
	}
	buf[*len] = '\0';
	*out = (char *)buf;
	return NULL;
}

/* A file named in the kubeconfig, relative to the kubeconfig's directory unless absolute. */
static const struct pn_error *
resolve(const struct ctx *c, const char *file, char **out)
{
	const char *slash = strrchr(c->path, '/');
	struct pn_buf b;
	const struct pn_error *err;
	size_t len;

	if (file[0] == '/' || slash == NULL)
		return dup(file, out);
	pn_buf_init(&b, PN_KUBECONFIG_MAX, "kubeconfig file path");
	len = (size_t)(slash - c->path) + 1;
	if ((err = pn_buf_add(&b, c->path, len)) == NULL && (err = pn_buf_addstr(&b, file)) == NULL)
		err = pn_buf_detach(&b, out, &len);
	pn_buf_release(&b);
	return err;
}

/* A file field (`certificate-authority`) unless its *-data field was set. */
static const struct pn_error *
file_field(const struct ctx *c, const yaml_node_t *map, const char *key, const char *where, const char *data,
    char **out)
{
	const struct pn_error *err;
	const char *s;

	*out = NULL;
	if ((err = str(c, map, key, where, &s)) != NULL || s == NULL || data != NULL)
		return err;
	if (s[0] == '\0')
		return at(c, get(c, map, key), PN_ERR_PARSE, "%s: %s is empty", where, key);
	return resolve(c, s, out);
}

/* A bearer token goes into an HTTP header: printable ASCII without spaces only. Never quoted in errors. */
static int
token_ok(const char *t, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f)
			return 0;
	return 1;
}

static const struct pn_error *
read_token_file(const struct ctx *c, const yaml_node_t *at_node, const char *where, const char *file, char **out)
{
	const struct pn_error *err;
	char *path = NULL;
	struct pn_buf b;
	size_t start = 0, end;

	pn_buf_init(&b, PN_KUBECONFIG_TOKEN_MAX, "tokenFile");
	if ((err = resolve(c, file, &path)) != NULL)
		goto done;
	if ((err = pn_file_read(path, &b)) != NULL) {
		err = at(c, at_node, err->code, "%s: tokenFile: %s", where, err->msg);
		goto done;
	}
	/* kubectl trims the file's surrounding whitespace (the trailing newline) */
	end = b.len;
	while (start < end && (b.data[start] == ' ' || b.data[start] == '\t' || b.data[start] == '\r' ||
	    b.data[start] == '\n'))
		start++;
	while (end > start && (b.data[end - 1] == ' ' || b.data[end - 1] == '\t' || b.data[end - 1] == '\r' ||
	    b.data[end - 1] == '\n'))
		end--;
	if (!token_ok(b.data != NULL ? b.data + start : "", end - start)) {
		err = at(c, at_node, PN_ERR_PARSE, "%s: tokenFile %s: the token is empty or has characters a bearer "
		    "token cannot have", where, path);
		goto done;
	}
	if ((*out = strndup(b.data + start, end - start)) == NULL)
		err = pn_error(PN_ERR_NOMEM);
done:
	if (b.data != NULL)
		mbedtls_platform_zeroize(b.data, b.cap);
	pn_buf_release(&b);
	free(path);
	return err;
}

/* Refuse fields that change how pinion must connect or authenticate when it cannot honour them: ignoring them
 * would connect differently than the user asked for. */
static const struct pn_error *
refuse_unsupported(const struct ctx *c, const yaml_node_t *map, const char *where, const char *const *keys,
    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *v = get(c, map, keys[i]);

		if (!is_null(v))
			return at(c, v, PN_ERR_UNSUPPORTED, "%s: %s is not supported by pinion", where, keys[i]);
	}
	return NULL;
}

static const struct pn_error *
read_cluster(const struct ctx *c, const yaml_node_t *root, struct pn_kubeconfig *kc)
{
	static const char *const unsupported[] = {"proxy-url", "tls-server-name"};
	const struct pn_error *err;
	char where[PN_ERROR_MSG_MAX / 2];
	yaml_node_t *m;
	const char *s;
	int insecure;

	if ((err = named(c, root, "clusters", "cluster", kc->cluster_name, &m)) != NULL)
		return err;
	snprintf(where, sizeof(where), "cluster \"%s\"", kc->cluster_name);
	if ((err = boolean(c, m, "insecure-skip-tls-verify", where, &insecure)) != NULL)
		return err;
	if (insecure)
		return at(c, get(c, m, "insecure-skip-tls-verify"), PN_ERR_USAGE, "%s: insecure-skip-tls-verify is "
		    "refused: pinion always verifies the API server; give certificate-authority-data or "
		    "certificate-authority instead", where);
	if ((err = refuse_unsupported(c, m, where, unsupported, sizeof(unsupported) / sizeof(*unsupported))) != NULL)
		return err;
	if ((err = str(c, m, "server", where, &s)) != NULL)
		return err;
	if (s == NULL || s[0] == '\0')
		return at(c, m, PN_ERR_PARSE, "%s: server is missing", where);
	if ((err = dup(s, &kc->server)) != NULL)
		return err;
	if ((err = b64(c, m, "certificate-authority-data", where, &kc->ca_pem, &kc->ca_pem_len)) != NULL)
		return err;
	return file_field(c, m, "certificate-authority", where, kc->ca_pem, &kc->ca_file);
}

static const struct pn_error *
read_user(const struct ctx *c, const yaml_node_t *root, struct pn_kubeconfig *kc)
{
	static const char *const unsupported[] = {"exec", "auth-provider", "username", "password", "as",
	    "as-groups", "as-uid"};
	const struct pn_error *err;
	char where[PN_ERROR_MSG_MAX / 2];
	yaml_node_t *m;
	const char *s, *tf;

	if ((err = named(c, root, "users", "user", kc->user_name, &m)) != NULL)
		return err;
	snprintf(where, sizeof(where), "user \"%s\"", kc->user_name);
	if ((err = refuse_unsupported(c, m, where, unsupported, sizeof(unsupported) / sizeof(*unsupported))) != NULL)
		return err;
	if ((err = b64(c, m, "client-certificate-data", where, &kc->cert_pem, &kc->cert_pem_len)) != NULL ||
	    (err = file_field(c, m, "client-certificate", where, kc->cert_pem, &kc->cert_file)) != NULL ||
	    (err = b64(c, m, "client-key-data", where, &kc->key_pem, &kc->key_pem_len)) != NULL ||
	    (err = file_field(c, m, "client-key", where, kc->key_pem, &kc->key_file)) != NULL)
		return err;
	if ((kc->cert_pem != NULL || kc->cert_file != NULL) != (kc->key_pem != NULL || kc->key_file != NULL))
		return at(c, m, PN_ERR_PARSE, "%s: %s without %s", where,
		    kc->cert_pem != NULL || kc->cert_file != NULL ? "a client certificate" : "a client key",
		    kc->cert_pem != NULL || kc->cert_file != NULL ? "client-key-data or client-key" :
		    "client-certificate-data or client-certificate");
	if ((err = str(c, m, "tokenFile", where, &tf)) != NULL || (err = str(c, m, "token", where, &s)) != NULL)
		return err;
	if (tf != NULL && tf[0] != '\0') {
		if ((err = read_token_file(c, get(c, m, "tokenFile"), where, tf, &kc->token)) != NULL)
			return err;
	} else if (s != NULL) {
		if (!token_ok(s, strlen(s)))
			return at(c, get(c, m, "token"), PN_ERR_PARSE, "%s: token is empty or has characters a bearer "
			    "token cannot have", where);
		if ((err = dup(s, &kc->token)) != NULL)
			return err;
	}
	if (kc->cert_pem == NULL && kc->cert_file == NULL && kc->token == NULL)
		return at(c, m, PN_ERR_USAGE, "%s has no credentials: give client-certificate-data and "
		    "client-key-data (or the file forms), or token / tokenFile", where);
	return NULL;
}

static const struct pn_error *
read_config(const struct ctx *c, struct pn_kubeconfig *kc)
{
	const struct pn_error *err;
	yaml_node_t *root = yaml_document_get_root_node(c->doc), *ctxm;
	const char *s;
	char where[PN_ERROR_MSG_MAX / 2];

	if (root == NULL || is_null(root))
		return at(c, NULL, PN_ERR_PARSE, "the file is empty");
	if (root->type != YAML_MAPPING_NODE)
		return at(c, root, PN_ERR_PARSE, "not a kubeconfig: the document is not a mapping");
	if ((err = str(c, root, "kind", "top level", &s)) != NULL)
		return err;
	if (s != NULL && strcmp(s, "Config") != 0)
		return at(c, get(c, root, "kind"), PN_ERR_PARSE, "not a kubeconfig: kind is \"%s\", not Config", s);
	if (c->context != NULL)
		s = c->context;
	else if ((err = str(c, root, "current-context", "top level", &s)) != NULL)
		return err;
	if (s == NULL || s[0] == '\0')
		return at(c, root, PN_ERR_PARSE, "current-context is not set (or name one with --context)");
	if ((err = dup(s, &kc->context)) != NULL)
		return err;
	if ((err = named(c, root, "contexts", "context", kc->context, &ctxm)) != NULL)
		return err;
	snprintf(where, sizeof(where), "context \"%s\"", kc->context);
	if ((err = str(c, ctxm, "cluster", where, &s)) != NULL)
		return err;
	if (s == NULL || s[0] == '\0')
		return at(c, ctxm, PN_ERR_PARSE, "%s: cluster is not set", where);
	if ((err = dup(s, &kc->cluster_name)) != NULL)
		return err;
	if ((err = str(c, ctxm, "user", where, &s)) != NULL)
		return err;
	if (s == NULL || s[0] == '\0')
		return at(c, ctxm, PN_ERR_PARSE, "%s: user is not set", where);
	if ((err = dup(s, &kc->user_name)) != NULL)
		return err;
	if ((err = read_cluster(c, root, kc)) != NULL)
		return err;
	return read_user(c, root, kc);
}

const struct pn_error *
pn_kubeconfig_parse(const char *text, size_t len, const char *path, const char *context,
    struct pn_kubeconfig **out)
{
	const struct pn_error *err = NULL;
	struct pn_kubeconfig *kc = NULL;
	yaml_parser_t parser;
	yaml_document_t doc;
	int have_parser = 0, have_doc = 0;
	struct ctx c;

	*out = NULL;
	c.doc = &doc;
	c.path = path != NULL ? path : "(inline)";
	c.context = context != NULL && context[0] != '\0' ? context : NULL;
	if (len > PN_KUBECONFIG_MAX)
		return at(&c, NULL, PN_ERR_TOO_LARGE, "larger than the %d bytes allowed", PN_KUBECONFIG_MAX);
	if ((kc = calloc(1, sizeof(*kc))) == NULL || (kc->path = strdup(c.path)) == NULL) {
		err = pn_error(PN_ERR_NOMEM);
		goto done;
	}
	if (!yaml_parser_initialize(&parser)) {
		err = pn_error(PN_ERR_NOMEM);
		goto done;
	}
	have_parser = 1;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		err = at(&c, NULL, PN_ERR_PARSE, "line %zu: %s", parser.problem_mark.line + 1,
		    parser.problem != NULL ? parser.problem : "YAML error");
		goto done;
	}
	have_doc = 1;
	err = read_config(&c, kc);
done:
	if (have_doc)
		yaml_document_delete(&doc);
	if (have_parser)
		yaml_parser_delete(&parser);
	if (err != NULL)
		pn_kubeconfig_free(kc);
	else
		*out = kc;
	return err;
}

const struct pn_error *
pn_kubeconfig_load(const char *path, const char *context, struct pn_kubeconfig **out)
{
	const struct pn_error *err;
	struct pn_buf b;

	*out = NULL;
	pn_buf_init(&b, PN_KUBECONFIG_MAX, "a kubeconfig");
	if ((err = pn_file_read(path, &b)) != NULL)
		err = pn_error_wrap(err, "kubeconfig");
	else
		err = pn_kubeconfig_parse(b.data != NULL ? b.data : "", b.len, path, context, out);
	/* the file may hold a private key */
	if (b.data != NULL)
		mbedtls_platform_zeroize(b.data, b.cap);
	pn_buf_release(&b);
	return err;
}

const struct pn_error *
pn_kubeconfig_locate(const char *flag, char **out)
{
	const char *env = getenv("KUBECONFIG"), *p, *end;

	*out = NULL;
	if (flag != NULL && flag[0] != '\0')
		return dup(flag, out);
	/* the first non-empty entry of the ':' list (kubectl skips empty ones too) */
	for (p = env; p != NULL && *p != '\0'; p = *end == ':' ? end + 1 : end) {
		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		if (end == p)
			continue;
		if ((*out = strndup(p, (size_t)(end - p))) == NULL)
			return pn_error(PN_ERR_NOMEM);
		if (strchr(end, ':') != NULL && end[strspn(end, ":")] != '\0')
			pn_log(PN_LOG_NOTICE, "KUBECONFIG lists several files; pinion reads only the first, %s", *out);
		return NULL;
	}
	return dup(PN_KUBECONFIG_DEFAULT, out);
}

int
pn_kubeconfig_in_cluster_env(void)
{
	const char *h = getenv("KUBERNETES_SERVICE_HOST"), *p = getenv("KUBERNETES_SERVICE_PORT");

	return h != NULL && h[0] != '\0' && p != NULL && p[0] != '\0';
}

const struct pn_error *
pn_kubeconfig_in_cluster(const char *sa_dir, const char *host, const char *port, struct pn_kubeconfig **out)
{
	const struct pn_error *err = NULL;
	struct pn_kubeconfig *kc;
	struct pn_buf tok;
	char *nl;
	int v6 = strchr(host, ':') != NULL;

	*out = NULL;
	pn_buf_init(&tok, PN_KUBECONFIG_TOKEN_MAX, "a service-account token");
	if ((kc = calloc(1, sizeof(*kc))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	if (asprintf(&kc->path, "in-cluster service account (%s)", sa_dir) < 0 ||
	    asprintf(&kc->server, v6 ? "https://[%s]:%s" : "https://%s:%s", host, port) < 0 ||
	    asprintf(&kc->ca_file, "%s/ca.crt", sa_dir) < 0 || asprintf(&kc->context, "in-cluster") < 0) {
		kc->path = kc->server = kc->ca_file = kc->context = NULL;
		err = pn_error(PN_ERR_NOMEM);
		goto done;
	}
	{
		char *tf;

		if (asprintf(&tf, "%s/token", sa_dir) < 0) {
			err = pn_error(PN_ERR_NOMEM);
			goto done;
		}
		err = pn_file_read(tf, &tok);
		free(tf);
	}
	if (err != NULL) {
		err = pn_error_wrap(err, "in-cluster service account");
		goto done;
	}
	if ((nl = memchr(tok.data != NULL ? tok.data : "", '\n', tok.len)) != NULL)
		tok.len = (size_t)(nl - tok.data);
	if (tok.len == 0) {
		err = pn_error_fmt(PN_ERR_AUTH, "in-cluster service account: %s/token is empty", sa_dir);
		goto done;
	}
	if ((kc->token = strndup(tok.data, tok.len)) == NULL)
		err = pn_error(PN_ERR_NOMEM);
done:
	if (tok.data != NULL)
		mbedtls_platform_zeroize(tok.data, tok.cap);
	pn_buf_release(&tok);
	if (err != NULL)
		pn_kubeconfig_free(kc);
	else
		*out = kc;
	return err;
}

static void
wipe(char *s, size_t len)
{
	if (s != NULL)
		mbedtls_platform_zeroize(s, len);
	free(s);
}

void
pn_kubeconfig_free(struct pn_kubeconfig *kc)
{
	if (kc == NULL)
		return;
	free(kc->path);
	free(kc->context);
	free(kc->cluster_name);
	free(kc->user_name);
	free(kc->server);
	free(kc->ca_pem);
	free(kc->ca_file);
	free(kc->cert_pem);
	free(kc->cert_file);
	wipe(kc->key_pem, kc->key_pem_len);
	free(kc->key_file);
	wipe(kc->token, kc->token != NULL ? strlen(kc->token) : 0);
	free(kc);
}
