/*
 * configMapGenerator, secretGenerator and the name hash (see generator.h).
 */
#include "generator.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha256.h>

#include "buildmeta.h"
#include "../core/json.h"
#include "../core/banned.h"

enum behavior { CREATE, MERGE, REPLACE };

/* Characters per line of base64 data (kyaml). */
#define BASE64_LINE 70

static int
valid_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;

		if (len == 0 || len > n - i)
			return 0;
		for (size_t j = 1; j < len; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
		if (len == 2 && c < 0xc2)
			return 0;
		i += len;
	}
	return 1;
}

/* kyaml's encodeBase64: standard base64, cut into lines of 70 characters each ended by '\n' once it reaches
 * that length. */
static char *
base64(const unsigned char *s, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t enc = (n + 2) / 3 * 4, lines = enc / BASE64_LINE + 1, o = 0, w = 0;
	char *out = malloc(enc + lines + 1);

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
		char q[4] = {tab[v >> 18 & 63], tab[v >> 12 & 63], i + 1 < n ? tab[v >> 6 & 63] : '=',
		    i + 2 < n ? tab[v & 63] : '='};

		for (int j = 0; j < 4; j++) {
			out[o++] = q[j];
			if (lines > 1 && ++w == BASE64_LINE) {
				out[o++] = '\n';
				w = 0;
			}
		}
	}
	if (lines > 1 && w > 0)
		out[o++] = '\n';
	out[o] = '\0';
	return out;
}

/* Add key → value (n bytes) to the object being generated. */
static const struct pn_error *
add_pair(const char *what, cJSON *obj, int secret, const char *key, const char *value, size_t n)
{
	int binary = !valid_utf8((const unsigned char *)value, n) || memchr(value, '\0', n) != NULL;
	const char *field = secret || !binary ? "data" : "binaryData";
	cJSON *map = cJSON_GetObjectItemCaseSensitive(obj, field), *v;
	char *enc = NULL;

	if (key[0] == '\0')
		return pn_error_fmt(PN_ERR_PARSE, "%s: an empty key", what);
	if (cJSON_HasObjectItem(cJSON_GetObjectItemCaseSensitive(obj, "data"), key) ||
	    cJSON_HasObjectItem(cJSON_GetObjectItemCaseSensitive(obj, "binaryData"), key))
		return pn_error_fmt(PN_ERR_PARSE, "%s: cannot add key %.128s, another key by that name already exists",
		    what, key);
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(obj, "data")) +
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(obj, "binaryData")) >= PN_GEN_MAX_KEYS)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s: more than %d keys", what, PN_GEN_MAX_KEYS);
	if (map == NULL && (map = cJSON_AddObjectToObject(obj, field)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	if (secret || binary) {
		if ((enc = base64((const unsigned char *)value, n)) == NULL)
			return pn_error(PN_ERR_NOMEM);
		v = cJSON_CreateString(enc);
		free(enc);
	} else {
		v = cJSON_CreateString(value);
	}
	if (v == NULL)
		return pn_error(PN_ERR_NOMEM);
	cJSON_AddItemToObject(map, key, v);
	return NULL;
}

static const struct pn_error *
add_env(const char *what, const char *file, cJSON *obj, int secret, const char *text, size_t n)
{
	const struct pn_error *err;
	size_t i = 0;

	if (n >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < n) {
		const char *nl = memchr(text + i, '\n', n - i);
		size_t end = nl != NULL ? (size_t)(nl - text) : n, e = end;
		char *line, *eq;

		while (i < end && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\v' ||
		    text[i] == '\f'))
			i++;
		if (e > i && text[e - 1] == '\r')	/* bufio.ScanLines drops a trailing \r */
			e--;
		if (i == e || text[i] == '#') {
			i = end + 1;
			continue;
		}
		if ((line = strndup(text + i, e - i)) == NULL)
			return pn_error(PN_ERR_NOMEM);
		if ((eq = strchr(line, '=')) != NULL)
			*eq = '\0';
		if (strpbrk(line, " \t") != NULL || line[0] == '\0') {
			err = pn_error_fmt(PN_ERR_PARSE, "%s: %s: invalid env var name \"%.128s\"", what, file, line);
			free(line);
			return err;
		}
		err = add_pair(what, obj, secret, line, eq != NULL ? eq + 1 : "", eq != NULL ? strlen(eq + 1) : 0);
		free(line);
		if (err != NULL)
			return err;
		i = end + 1;
	}
	return NULL;
}

static const struct pn_error *
string_list(const char *what, const cJSON *entry, const char *field, const cJSON **out)
{
	*out = cJSON_GetObjectItemCaseSensitive(entry, field);
	if (*out == NULL || cJSON_IsNull(*out)) {
		*out = NULL;
		return NULL;
	}
	if (!cJSON_IsArray(*out))
		return pn_error_fmt(PN_ERR_PARSE, "%s: %s must be a list of strings", what, field);
	for (const cJSON *e = (*out)->child; e != NULL; e = e->next)
		if (!cJSON_IsString(e))
			return pn_error_fmt(PN_ERR_PARSE, "%s: %s must be a list of strings", what, field);
	return NULL;
}

/* Merge string map `from` into obj.metadata.<field> (from's values win). */
static const struct pn_error *
merge_meta_map(cJSON *obj, const char *field, const cJSON *from)
{
	cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata"), *m;

	if (!cJSON_IsObject(from) || from->child == NULL)
		return NULL;
	if ((m = cJSON_GetObjectItemCaseSensitive(md, field)) == NULL && (m = cJSON_AddObjectToObject(md, field)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	for (const cJSON *p = from->child; p != NULL; p = p->next) {
		cJSON *v = cJSON_Duplicate(p, 1);

		if (v == NULL)
			return pn_error(PN_ERR_NOMEM);
		if (cJSON_HasObjectItem(m, p->string))
			cJSON_ReplaceItemInObjectCaseSensitive(m, p->string, v);
		else
			cJSON_AddItemToObject(m, p->string, v);
	}
	return NULL;
}

static const struct pn_error *
read_file(const struct pn_gen_io *io, const char *what, const char *rel, struct pn_buf *buf)
{
	const struct pn_error *err;

	pn_buf_init(buf, io->max_file, "a generator file");
	if ((err = io->read(io->ctx, rel, buf)) != NULL)
		return pn_error_wrap(err, "%s", what);
	return NULL;
}

/* Build the object of one entry into *out. */
static const struct pn_error *
make(const struct pn_gen_io *io, const char *what, const cJSON *e, const cJSON *gopt, int secret, cJSON **out,
    int *hash, enum behavior *beh)
{
	const struct pn_error *err = NULL;
	const cJSON *envs, *lits, *files, *opt = cJSON_GetObjectItemCaseSensitive(e, "options"), *l;
	const char *name = pn_jstr(e, "name"), *ns = pn_jstr(e, "namespace"), *b = pn_jstr(e, "behavior");
	const char *env = pn_jstr(e, "env"), *type = pn_jstr(e, "type");
	struct pn_buf buf = {0};
	cJSON *obj, *md;

	*out = NULL;
	if (!cJSON_IsObject(e))
		return pn_error_fmt(PN_ERR_PARSE, "%s: a generator entry must be a mapping", what);
	for (l = e->child; l != NULL; l = l->next) {
		static const char *const known[] = {"name", "namespace", "behavior", "literals", "files", "envs", "env",
		    "options", "type", NULL};
		size_t i;

		for (i = 0; known[i] != NULL && strcmp(known[i], l->string) != 0; i++)
			;
		if (known[i] == NULL || (!secret && strcmp(l->string, "type") == 0))
			return pn_error_fmt(PN_ERR_PARSE, "%s: unknown generator field \"%.128s\"", what, l->string);
	}
	if (name == NULL || name[0] == '\0')
		return pn_error_fmt(PN_ERR_PARSE, "%s: a generator entry needs a name", what);
	*beh = CREATE;
	if (b != NULL && strcmp(b, "merge") == 0)
		*beh = MERGE;
	else if (b != NULL && strcmp(b, "replace") == 0)
		*beh = REPLACE;
	else if (b != NULL && strcmp(b, "create") != 0 && b[0] != '\0')
		return pn_error_fmt(PN_ERR_PARSE, "%s: behavior must be create, merge or replace", what);
	if ((err = string_list(what, e, "envs", &envs)) != NULL || (err = string_list(what, e, "literals", &lits))
	    != NULL || (err = string_list(what, e, "files", &files)) != NULL)
		return err;
	if ((obj = cJSON_CreateObject()) == NULL || cJSON_AddStringToObject(obj, "apiVersion", "v1") == NULL ||
	    cJSON_AddStringToObject(obj, "kind", secret ? "Secret" : "ConfigMap") == NULL ||
	    (md = cJSON_AddObjectToObject(obj, "metadata")) == NULL || cJSON_AddStringToObject(md, "name", name) == NULL ||
	    (ns != NULL && ns[0] != '\0' && cJSON_AddStringToObject(md, "namespace", ns) == NULL)) {
		err = pn_error(PN_ERR_NOMEM);
		goto done;
	}
	for (int k = 0; k < 2 && err == NULL; k++) {
		const cJSON *list = k == 0 ? NULL : envs;
		const char *one = k == 0 ? env : NULL;

		for (l = list != NULL ? list->child : NULL; (l != NULL || one != NULL) && err == NULL;
		    l = l != NULL ? l->next : NULL) {
			const char *f = one != NULL ? one : l->valuestring;

			one = NULL;
			if ((err = read_file(io, what, f, &buf)) == NULL)
				err = add_env(what, f, obj, secret, pn_buf_str(&buf), buf.len);
			pn_buf_release(&buf);
			if (l == NULL)
				break;
		}
	}
	for (l = lits != NULL ? lits->child : NULL; l != NULL && err == NULL; l = l->next) {
		const char *eq = strchr(l->valuestring, '=');
		char *key;
		const char *v;
		size_t vn;

		if (eq == NULL || eq == l->valuestring) {
			err = pn_error_fmt(PN_ERR_PARSE, "%s: invalid literal source %.128s, expected key=value", what,
			    l->valuestring);
			break;
		}
		if ((key = strndup(l->valuestring, (size_t)(eq - l->valuestring))) == NULL) {
			err = pn_error(PN_ERR_NOMEM);
			break;
		}
		v = eq + 1;
		vn = strlen(v);
		if (vn >= 2 && v[0] == v[vn - 1] && (v[0] == '"' || v[0] == '\'')) {
			v++;
			vn -= 2;
		}
		{
			char *val = strndup(v, vn);

			err = val == NULL ? pn_error(PN_ERR_NOMEM) : add_pair(what, obj, secret, key, val, vn);
			free(val);
		}
		free(key);
	}
	for (l = files != NULL ? files->child : NULL; l != NULL && err == NULL; l = l->next) {
		const char *eq = strchr(l->valuestring, '='), *path = eq != NULL ? eq + 1 : l->valuestring;
		const char *slash = strrchr(path, '/');
		char *key = eq != NULL ? strndup(l->valuestring, (size_t)(eq - l->valuestring)) :
		    strdup(slash != NULL ? slash + 1 : path);

		if (key == NULL) {
			err = pn_error(PN_ERR_NOMEM);
			break;
		}
		if (eq != NULL && (key[0] == '\0' || path[0] == '\0'))
			err = pn_error_fmt(PN_ERR_PARSE, "%s: file source %.128s: key or file path is missing", what,
			    l->valuestring);
		else if ((err = read_file(io, what, path, &buf)) == NULL)
			err = add_pair(what, obj, secret, key, buf.len > 0 ? pn_buf_str(&buf) : "", buf.len);
		pn_buf_release(&buf);
		free(key);
	}
	if (err != NULL)
		goto done;
	if (secret && cJSON_AddStringToObject(obj, "type", type != NULL && type[0] != '\0' ? type : "Opaque") == NULL) {
		err = pn_error(PN_ERR_NOMEM);
		goto done;
	}
	*hash = 1;
	for (int k = 0; k < 2; k++) {
		const cJSON *o = k == 0 ? opt : gopt;

		if (o == NULL || cJSON_IsNull(o))
			continue;
		if (!cJSON_IsObject(o)) {
			err = pn_error_fmt(PN_ERR_PARSE, "%s: options must be a mapping", what);
			goto done;
		}
		if ((err = merge_meta_map(obj, "labels", cJSON_GetObjectItemCaseSensitive(o, "labels"))) != NULL ||
		    (err = merge_meta_map(obj, "annotations", cJSON_GetObjectItemCaseSensitive(o, "annotations"))) != NULL)
			goto done;
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "disableNameSuffixHash")))
			*hash = 0;
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "immutable")) &&
		    !cJSON_HasObjectItem(obj, "immutable") && cJSON_AddTrueToObject(obj, "immutable") == NULL) {
			err = pn_error(PN_ERR_NOMEM);
			goto done;
		}
	}
	*out = obj;
	obj = NULL;
done:
	cJSON_Delete(obj);
	return err;
}

/* Merge string maps: old's entries, then the new object's over them. */
static const struct pn_error *
keep_old(cJSON *obj, const cJSON *old, const char *parent, const char *field)
{
	const cJSON *from = cJSON_GetObjectItemCaseSensitive(parent != NULL ?
	    cJSON_GetObjectItemCaseSensitive(old, parent) : old, field);
	cJSON *into = parent != NULL ? cJSON_GetObjectItemCaseSensitive(obj, parent) : obj, *m;

	if (!cJSON_IsObject(from) || from->child == NULL)
		return NULL;
	if ((m = cJSON_GetObjectItemCaseSensitive(into, field)) == NULL && (m = cJSON_AddObjectToObject(into, field)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	for (const cJSON *p = from->child; p != NULL; p = p->next) {
		cJSON *v;

		if (cJSON_HasObjectItem(m, p->string))
			continue;
		if ((v = cJSON_Duplicate(p, 1)) == NULL)
			return pn_error(PN_ERR_NOMEM);
		cJSON_AddItemToObject(m, p->string, v);
	}
	return NULL;
}

/* kustomize's appendReplaceOrMerge. Takes obj. */
static const struct pn_error *
absorb(struct pn_resmap *ra, const char *what, cJSON *obj, int hash, enum behavior beh)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const char *name = pn_jstr(md, "name"), *ns = pn_jstr(md, "namespace");
	long at = pn_resmap_find(ra, obj, name, ns != NULL ? ns : "");
	const struct pn_error *err = NULL;
	struct pn_res *old;

	if (at == -2)
		err = pn_error_fmt(PN_ERR_PARSE, "%s: found multiple objects that could accept merge of %s", what, name);
	else if (at == -1 && beh != CREATE)
		err = pn_error_fmt(PN_ERR_PARSE, "%s: id %s does not exist; cannot merge or replace", what, name);
	else if (at >= 0 && beh == CREATE)
		err = pn_error_fmt(PN_ERR_PARSE, "%s: id %s exists; behavior must be merge or replace", what, name);
	if (err != NULL) {
		cJSON_Delete(obj);	/* name points into it: only now */
		return err;
	}
	if (at == -1) {
		if ((err = pn_resmap_add(ra, obj, NULL, 0)) != NULL)
			return pn_error_wrap(err, "%s", what);
		ra->v[ra->n - 1].hash = hash;
		return NULL;
	}
	old = &ra->v[at];
	if ((err = pn_res_load(ra, old)) != NULL) {
		cJSON_Delete(obj);
		return err;
	}
	if ((err = keep_old(obj, old->obj, "metadata", "labels")) != NULL ||
	    (err = keep_old(obj, old->obj, "metadata", "annotations")) != NULL ||
	    (err = pn_res_set_meta(obj, "name", pn_res_name(old))) != NULL ||
	    (err = (pn_res_namespace(old)[0] != '\0' ? pn_res_set_meta(obj, "namespace", pn_res_namespace(old)) :
	    NULL)) != NULL ||
	    (beh == MERGE && ((err = keep_old(obj, old->obj, NULL, "data")) != NULL ||
	    (err = keep_old(obj, old->obj, NULL, "binaryData")) != NULL))) {
		cJSON_Delete(obj);
		return err;
	}
	if (pn_res_namespace(old)[0] == '\0')
		cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "namespace");
	cJSON_Delete(old->obj);
	old->obj = obj;
	old->hash = old->hash && hash;	/* build annotations come from the old object */
	old->file = NULL;
	return pn_res_spill(ra, old);
}

const struct pn_error *
pn_gen_run(const struct pn_gen_io *io, const char *kfile, const struct pn_kust *k, struct pn_resmap *ra)
{
	const struct pn_error *err;
	char what[512];

	for (int secret = 0; secret < 2; secret++) {
		const cJSON *list = secret ? k->secret_gen : k->cm_gen;
		size_t idx = 0;

		for (const cJSON *e = list != NULL ? list->child : NULL; e != NULL; e = e->next, idx++) {
			enum behavior beh = CREATE;
			cJSON *obj;
			int hash = 0;

			snprintf(what, sizeof(what), "%s: %s[%zu] %.128s", kfile, secret ? "secretGenerator" :
			    "configMapGenerator", idx, pn_jstr(e, "name") != NULL ? pn_jstr(e, "name") : "");
			if ((err = make(io, what, e, k->gen_options, secret, &obj, &hash, &beh)) != NULL)
				return err;
			/* buildMetadata: a merge keeps the older object's origin */
			if (io->origin_in != NULL && beh != MERGE) {
				char *by;

				if ((err = pn_buildmeta_configured(io->origin_in, "builtin", secret ? "SecretGenerator" :
				    "ConfigMapGenerator", NULL, NULL, 0, &by)) == NULL)
					err = pn_buildmeta_set_origin(obj, NULL, by);
				free(by);
				if (err != NULL) {
					cJSON_Delete(obj);
					return err;
				}
			}
			if ((err = absorb(ra, what, obj, hash, beh)) != NULL)
				return err;
		}
	}
	return NULL;
}

/* ---- hash ---- */

static const struct pn_error *
gojson_string(const char *s, struct pn_buf *b)
{
	const struct pn_error *err;
	static const char hex[] = "0123456789abcdef";

	if ((err = pn_buf_addch(b, '"')) != NULL)
		return err;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		char esc[8];

		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			err = pn_buf_add(b, esc, 2);
		} else if (*p == '\n') {
			err = pn_buf_addstr(b, "\\n");
		} else if (*p == '\r') {
			err = pn_buf_addstr(b, "\\r");
		} else if (*p == '\t') {
			err = pn_buf_addstr(b, "\\t");
		} else if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&') {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			err = pn_buf_add(b, esc, 6);
		} else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
			err = pn_buf_addstr(b, p[2] == 0xa8 ? "\\u2028" : "\\u2029");
			p += 2;
		} else {
			err = pn_buf_addch(b, (char)*p);
		}
		if (err != NULL)
			return err;
	}
	return pn_buf_addch(b, '"');
}

static int
cmp_keys(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

const struct pn_error *
pn_gen_gojson(const cJSON *v, struct pn_buf *b)
{
	const struct pn_error *err = NULL;

	if (cJSON_IsString(v))
		return gojson_string(v->valuestring, b);
	if (cJSON_IsRaw(v))
		return pn_buf_addstr(b, v->valuestring);
	if (cJSON_IsNumber(v))
		return pn_buf_addf(b, "%.17g", v->valuedouble);
	if (cJSON_IsBool(v))
		return pn_buf_addstr(b, cJSON_IsTrue(v) ? "true" : "false");
	if (cJSON_IsArray(v)) {
		if ((err = pn_buf_addch(b, '[')) != NULL)
			return err;
		for (const cJSON *e = v->child; e != NULL && err == NULL; e = e->next)
			if ((e == v->child || (err = pn_buf_addch(b, ',')) == NULL))
				err = pn_gen_gojson(e, b);
		return err != NULL ? err : pn_buf_addch(b, ']');
	}
	if (cJSON_IsObject(v)) {
		size_t n = (size_t)cJSON_GetArraySize(v), i = 0;
		const cJSON **keys = malloc((n + 1) * sizeof(*keys));

		if (keys == NULL)
			return pn_error(PN_ERR_NOMEM);
		for (const cJSON *e = v->child; e != NULL; e = e->next)
			keys[i++] = e;
		qsort(keys, n, sizeof(*keys), cmp_keys);
		err = pn_buf_addch(b, '{');
		for (i = 0; i < n && err == NULL; i++) {
			if ((i == 0 || (err = pn_buf_addch(b, ',')) == NULL) && (err = gojson_string(keys[i]->string, b)) ==
			    NULL && (err = pn_buf_addch(b, ':')) == NULL)
				err = pn_gen_gojson(keys[i], b);
		}
		free(keys);
		return err != NULL ? err : pn_buf_addch(b, '}');
	}
	return pn_buf_addstr(b, "null");
}

const struct pn_error *
pn_gen_hash(const cJSON *obj, char out[11])
{
	static const char hex[] = "0123456789abcdef";
	const char *kind = pn_jstr(obj, "kind");
	int secret = kind != NULL && strcmp(kind, "Secret") == 0;
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(obj, "data");
	const cJSON *extra = cJSON_GetObjectItemCaseSensitive(obj, secret ? "stringData" : "binaryData");
	const struct pn_error *err = NULL;
	unsigned char sum[32];
	struct pn_buf b;
	cJSON *h;

	if ((h = cJSON_CreateObject()) == NULL)
		return pn_error(PN_ERR_NOMEM);
	if (cJSON_AddStringToObject(h, "kind", kind != NULL ? kind : "") == NULL ||
	    cJSON_AddStringToObject(h, "name", "") == NULL ||
	    (cJSON_IsObject(data) ? !cJSON_AddItemToObject(h, "data", cJSON_Duplicate(data, 1)) :
	    cJSON_AddStringToObject(h, "data", "") == NULL) ||
	    (cJSON_IsObject(extra) && !cJSON_AddItemToObject(h, secret ? "stringData" : "binaryData",
	    cJSON_Duplicate(extra, 1))) ||
	    (secret && cJSON_AddStringToObject(h, "type", pn_jstr_or_empty(obj, "type")) == NULL)) {
		cJSON_Delete(h);
		return pn_error(PN_ERR_NOMEM);
	}
	pn_buf_init(&b, (size_t)64 << 20, "hashed object");
	if ((err = pn_gen_gojson(h, &b)) == NULL &&
	    mbedtls_sha256((const unsigned char *)pn_buf_str(&b), b.len, sum, 0) != 0)
		err = pn_error_fmt(PN_ERR_INTERNAL, "sha256 failed");
	if (err == NULL) {
		for (int i = 0; i < 10; i++) {
			char c = hex[(sum[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 15];

			out[i] = c == '0' ? 'g' : c == '1' ? 'h' : c == '3' ? 'k' : c == 'a' ? 'm' : c == 'e' ? 't' : c;
		}
		out[10] = '\0';
	}
	pn_buf_release(&b);
	cJSON_Delete(h);
	return err;
}

const struct pn_error *
pn_gen_hash_names(struct pn_resmap *ra)
{
	const struct pn_error *err;

	for (size_t k = 0; k < ra->n; k++) {
		char h[11], *name;

		if (!ra->v[k].hash)
			continue;
		if ((err = pn_res_load(ra, &ra->v[k])) != NULL || (err = pn_gen_hash(ra->v[k].obj, h)) != NULL ||
		    (err = pn_res_store_prev(&ra->v[k])) != NULL)
			return err;
		if (asprintf(&name, "%s-%s", pn_res_name(&ra->v[k]), h) < 0)
			return pn_error(PN_ERR_NOMEM);
		err = pn_res_set_meta(ra->v[k].obj, "name", name);
		free(name);
		if (err != NULL || (err = pn_res_spill(ra, &ra->v[k])) != NULL)
			return err;
	}
	return NULL;
}
