/* A unit's inventory (see inventory.h). */
#include "inventory.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../core/file.h"
#include "../../platform/atomic.h"
#include "../core/json.h"
#include "../core/banned.h"

/* Longest path of the state directory's copy. */
#define PN_INV_PATH_MAX 4096

void
pn_inv_init(struct pn_inv *inv)
{
	memset(inv, 0, sizeof(*inv));
	inv->sorted = 1;
}

void
pn_inv_release(struct pn_inv *inv)
{
	for (size_t i = 0; i < inv->n; i++) {
		free(inv->v[i].id);
		free(inv->v[i].version);
	}
	free(inv->v);
	pn_inv_init(inv);
}

/* A byte kept as it is inside a field. */
static int
plain(unsigned char c)
{
	return c > ' ' && c < 0x7f && c != '_' && c != '%';
}

static const struct pn_error *
escape(struct pn_buf *b, const char *s)
{
	const struct pn_error *err = NULL;

	for (; *s != '\0' && err == NULL; s++)
		err = plain((unsigned char)*s) ? pn_buf_addch(b, *s) : pn_buf_addf(b, "%%%02X", (unsigned char)*s);
	return err;
}

static const struct pn_error *
add_entry(struct pn_inv *inv, char *id, const char *version)
{
	char *v;

	if (inv->n == inv->cap) {
		/* duplicates count until sorted: allow room for a union of two full inventories */
		size_t cap = inv->cap == 0 ? 16 : inv->cap * 2;
		struct pn_inv_entry *nv;

		if (inv->n >= 3 * PN_INV_ENTRIES_MAX) {
			free(id);
			return pn_error_fmt(PN_ERR_TOO_LARGE, "inventory: more than %d objects", PN_INV_ENTRIES_MAX);
		}
		if ((nv = reallocarray(inv->v, cap, sizeof(*nv))) == NULL) {
			free(id);
			return pn_error(PN_ERR_NOMEM);
		}
		inv->v = nv;
		inv->cap = cap;
	}
	if ((v = strdup(version != NULL ? version : "")) == NULL) {
		free(id);
		return pn_error(PN_ERR_NOMEM);
	}
	inv->v[inv->n].id = id;
	inv->v[inv->n].version = v;
	inv->v[inv->n].seq = inv->seq++;
	inv->n++;
	inv->sorted = 0;
	return NULL;
}

const struct pn_error *
pn_inv_id(struct pn_buf *b, const char *group, const char *kind, const char *ns, const char *name)
{
	const struct pn_error *err;

	if ((err = escape(b, ns != NULL ? ns : "")) == NULL && (err = pn_buf_addch(b, '_')) == NULL &&
	    (err = escape(b, name)) == NULL && (err = pn_buf_addch(b, '_')) == NULL &&
	    (err = escape(b, group != NULL ? group : "")) == NULL && (err = pn_buf_addch(b, '_')) == NULL)
		err = escape(b, kind);
	return err;
}

const struct pn_error *
pn_inv_add(struct pn_inv *inv, const char *group, const char *kind, const char *ns, const char *name,
    const char *version)
{
	const struct pn_error *err;
	struct pn_buf b;
	char *id;
	size_t len;

	pn_buf_init(&b, PN_INV_ID_MAX, "inventory id");
	if ((err = pn_inv_id(&b, group, kind, ns, name)) == NULL)
		err = pn_buf_detach(&b, &id, &len);
	pn_buf_release(&b);
	if (err != NULL)
		return err;
	return add_entry(inv, id, version);
}

const struct pn_error *
pn_inv_add_id(struct pn_inv *inv, const char *id, const char *version)
{
	struct pn_inv_object o;
	const struct pn_error *err;
	char *copy;

	if ((err = pn_inv_split(id, &o)) != NULL)
		return err;
	if ((copy = strdup(id)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	return add_entry(inv, copy, version);
}

static int
by_id_seq(const void *a, const void *b)
{
	const struct pn_inv_entry *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
pn_inv_sort(struct pn_inv *inv)
{
	size_t out = 0;

	if (inv->sorted)
		return;
	if (inv->n > 1)
		qsort(inv->v, inv->n, sizeof(*inv->v), by_id_seq);
	for (size_t i = 0; i < inv->n; i++) {
		if (i + 1 < inv->n && strcmp(inv->v[i].id, inv->v[i + 1].id) == 0) {
			free(inv->v[i].id);
			free(inv->v[i].version);
			continue;
		}
		inv->v[out++] = inv->v[i];
	}
	inv->n = out;
	inv->sorted = 1;
}

static int
by_id(const void *key, const void *e)
{
	return strcmp(key, ((const struct pn_inv_entry *)e)->id);
}

const struct pn_inv_entry *
pn_inv_find(struct pn_inv *inv, const char *id)
{
	pn_inv_sort(inv);
	return inv->n == 0 ? NULL : bsearch(id, inv->v, inv->n, sizeof(*inv->v), by_id);
}

const struct pn_error *
pn_inv_merge(struct pn_inv *dst, struct pn_inv *src)
{
	const struct pn_error *err = NULL;
	size_t n;

	pn_inv_sort(dst);
	pn_inv_sort(src);
	n = dst->n;
	for (size_t i = 0; i < src->n && err == NULL; i++) {
		char *id;

		if (n > 0 && bsearch(src->v[i].id, dst->v, n, sizeof(*dst->v), by_id) != NULL)
			continue;
		if ((id = strdup(src->v[i].id)) == NULL)
			return pn_error(PN_ERR_NOMEM);
		err = add_entry(dst, id, src->v[i].version);
	}
	pn_inv_sort(dst);
	if (err == NULL && dst->n > PN_INV_ENTRIES_MAX)
		err = pn_error_fmt(PN_ERR_TOO_LARGE, "inventory: more than %d objects", PN_INV_ENTRIES_MAX);
	return err;
}

const struct pn_error *
pn_inv_diff(struct pn_inv *a, struct pn_inv *b, struct pn_inv *out)
{
	const struct pn_error *err = NULL;

	pn_inv_init(out);
	pn_inv_sort(a);
	for (size_t i = 0; i < a->n && err == NULL; i++) {
		char *id;

		if (pn_inv_find(b, a->v[i].id) != NULL)
			continue;
		if ((id = strdup(a->v[i].id)) == NULL)
			err = pn_error(PN_ERR_NOMEM);
		else
			err = add_entry(out, id, a->v[i].version);
	}
	if (err != NULL)
		pn_inv_release(out);
	else
		pn_inv_sort(out);
	return err;
}

int
pn_inv_equal(struct pn_inv *a, struct pn_inv *b)
{
	pn_inv_sort(a);
	pn_inv_sort(b);
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].id, b->v[i].id) != 0 || strcmp(a->v[i].version, b->v[i].version) != 0)
			return 0;
	return 1;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

const struct pn_error *
pn_inv_split(const char *id, struct pn_inv_object *out)
{
	char *field[4] = {out->ns, out->name, out->group, out->kind};
	size_t f = 0, n = 0;

	for (const char *p = id;; p++) {
		if (*p == '_' || *p == '\0') {
			field[f][n] = '\0';
			if (*p == '\0')
				break;
			if (++f == 4)
				return pn_error_fmt(PN_ERR_PARSE, "inventory id \"%.300s\": more than four fields", id);
			n = 0;
			continue;
		}
		if (n + 1 >= PN_INV_FIELD_MAX)
			return pn_error_fmt(PN_ERR_PARSE, "inventory id \"%.300s\": a field is too long", id);
		if (*p == '%') {
			int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);

			if (lo < 0 || hi * 16 + lo == 0)
				return pn_error_fmt(PN_ERR_PARSE, "inventory id \"%.300s\": bad escape", id);
			field[f][n++] = (char)(hi * 16 + lo);
			p += 2;
		} else if (!plain((unsigned char)*p)) {
			return pn_error_fmt(PN_ERR_PARSE, "inventory id \"%.300s\": byte 0x%02x not allowed", id,
			    (unsigned char)*p);
		} else {
			field[f][n++] = *p;
		}
	}
	if (f != 3)
		return pn_error_fmt(PN_ERR_PARSE, "inventory id \"%.300s\": not <namespace>_<name>_<group>_<kind>",
		    id);
	if (out->name[0] == '\0' || out->kind[0] == '\0')
		return pn_error_fmt(PN_ERR_PARSE, "inventory id \"%.300s\": no name or kind", id);
	return NULL;
}

const struct pn_error *
pn_inv_api_version(const struct pn_inv_object *o, const char *version, char *out, size_t len)
{
	int n = o->group[0] != '\0' ? snprintf(out, len, "%s/%s", o->group, version) : snprintf(out, len, "%s",
	    version);

	if (n < 0 || (size_t)n >= len)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "apiVersion of %s/%s too long", o->group, version);
	return NULL;
}

const struct pn_error *
pn_inv_format(struct pn_inv *inv, struct pn_buf *b)
{
	const struct pn_error *err;

	pn_inv_sort(inv);
	if ((err = pn_buf_addstr(b, PN_INV_HEADER)) != NULL)
		return err;
	for (size_t i = 0; i < inv->n; i++)
		if ((err = pn_buf_addf(b, "%s %s\n", inv->v[i].id, inv->v[i].version)) != NULL)
			return err;
	return NULL;
}

/* A version is an identifier: v1, v1beta2. */
static int
valid_version(const char *s, size_t n)
{
	if (n == 0 || n > 63)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.'))
			return 0;
	return 1;
}

const struct pn_error *
pn_inv_parse(const char *text, size_t len, const char *what, struct pn_inv *inv)
{
	const struct pn_error *err;
	size_t hl = strlen(PN_INV_HEADER), line = 1;
	const char *p = text, *end = text + len;

	if (len < hl || memcmp(text, PN_INV_HEADER, hl) != 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: not a pinion inventory (the first line is not \"%.*s\")", what,
		    (int)hl - 1, PN_INV_HEADER);
	for (p += hl; p < end; ) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *sp;
		char id[PN_INV_ID_MAX], version[64];
		size_t idl;

		line++;
		if (nl == NULL)
			return pn_error_fmt(PN_ERR_PARSE, "%s: line %zu does not end", what, line);
		sp = memchr(p, ' ', (size_t)(nl - p));
		if (sp == NULL || (idl = (size_t)(sp - p)) == 0 || idl >= sizeof(id) ||
		    !valid_version(sp + 1, (size_t)(nl - sp - 1)))
			return pn_error_fmt(PN_ERR_PARSE, "%s: line %zu is not \"<id> <version>\"", what, line);
		memcpy(id, p, idl);
		id[idl] = '\0';
		memcpy(version, sp + 1, (size_t)(nl - sp - 1));
		version[nl - sp - 1] = '\0';
		if ((err = pn_inv_add_id(inv, id, version)) != NULL)
			return pn_error_wrap(err, "%s: line %zu", what, line);
		p = nl + 1;
	}
	pn_inv_sort(inv);
	if (inv->n > PN_INV_ENTRIES_MAX)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s: more than %d objects", what, PN_INV_ENTRIES_MAX);
	return NULL;
}

/* A DNS label (subdomain when dots are allowed): lower-case letters, digits and '-', alphanumeric at both
 * ends of each label. */
static int
dns_name(const char *s, size_t max, int dots)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i], prev = i > 0 ? s[i - 1] : '.', next = s[i + 1] != '\0' ? s[i + 1] : '.';
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (alnum)
			continue;
		if (c == '-' && prev != '.' && next != '.')
			continue;
		if (c == '.' && dots && prev != '.' && next != '.' && prev != '-' && next != '-')
			continue;
		return 0;
	}
	return 1;
}

const struct pn_error *
pn_inv_cm_name(const char *unit_ns, const char *unit_name, char *out, size_t len)
{
	int n;

	if (!dns_name(unit_ns, PN_INV_NAMESPACE_MAX, 0))
		return pn_error_fmt(PN_ERR_USAGE, "--namespace \"%.80s\": not a Kubernetes namespace (lower-case "
		    "letters, digits and '-', at most %d)", unit_ns, PN_INV_NAMESPACE_MAX);
	if (!dns_name(unit_name, PN_INV_NAME_MAX, 1))
		return pn_error_fmt(PN_ERR_USAGE, "--name \"%.80s\": not a Kubernetes name (lower-case letters, "
		    "digits, '-' and '.', at most %d)", unit_name, PN_INV_NAME_MAX);
	n = snprintf(out, len, PN_INV_CM_PREFIX "%s-%s", unit_ns, unit_name);
	if (n < 0 || (size_t)n >= len || (size_t)n > PN_INV_NAME_MAX)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "--name \"%.80s...\" with --namespace %s: the inventory "
		    "ConfigMap's name " PN_INV_CM_PREFIX "<namespace>-<name> would be longer than %d", unit_name,
		    unit_ns, PN_INV_NAME_MAX);
	return NULL;
}

static const struct pn_error *
file_path(const char *state_dir, const char *unit_ns, const char *unit_name, char *out, size_t len)
{
	char cm[PN_INV_NAME_MAX + 1];
	const struct pn_error *err;
	int n;

	if ((err = pn_inv_cm_name(unit_ns, unit_name, cm, sizeof(cm))) != NULL)
		return err;
	n = snprintf(out, len, "%s/" PN_INV_FILE_PREFIX "%s-%s", state_dir, unit_ns, unit_name);
	if (n < 0 || (size_t)n >= len)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "state directory path too long: %.200s", state_dir);
	return NULL;
}

const struct pn_error *
pn_inv_file_read(const char *state_dir, const char *unit_ns, const char *unit_name, struct pn_inv *inv,
    struct pn_buf *text)
{
	char path[PN_INV_PATH_MAX];
	const struct pn_error *err;
	struct pn_buf b;

	if ((err = file_path(state_dir, unit_ns, unit_name, path, sizeof(path))) != NULL)
		return err;
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return NULL;	/* none yet */
	pn_buf_init(&b, PN_INV_TEXT_MAX, "inventory file");
	if ((err = pn_file_read(path, &b)) != NULL) {
		pn_buf_release(&b);
		return err;
	}
	err = pn_inv_parse(b.data != NULL ? b.data : "", b.len, path, inv);
	if (err == NULL && text != NULL)
		err = pn_buf_add(text, b.data != NULL ? b.data : "", b.len);
	pn_buf_release(&b);
	return err;
}

/* Whether the copy's current text `old` (may be NULL) already says `text`. */
static int
same_text(const struct pn_buf *text, const struct pn_buf *old)
{
	return old != NULL && old->len == text->len && (text->len == 0 || memcmp(old->data, text->data, text->len) == 0);
}

const struct pn_error *
pn_inv_file_write(const char *state_dir, const char *unit_ns, const char *unit_name, const struct pn_buf *text,
    const struct pn_buf *old)
{
	char path[PN_INV_PATH_MAX];
	const struct pn_error *err;

	if ((err = file_path(state_dir, unit_ns, unit_name, path, sizeof(path))) != NULL || same_text(text, old))
		return err;
	return pn_atomic_write(path, pn_buf_str(text), text->len, 0600);
}

static const struct pn_error *
cm_path(const char *unit_ns, const char *unit_name, int apply, struct pn_buf *path)
{
	char cm[PN_INV_NAME_MAX + 1];
	const struct pn_error *err;

	if ((err = pn_inv_cm_name(unit_ns, unit_name, cm, sizeof(cm))) != NULL)
		return err;
	return pn_buf_addf(path, "/api/v1/namespaces/" PN_INV_CM_NAMESPACE "/configmaps/%s%s", cm,
	    apply ? "?fieldManager=pinion&force=true" : "");
}

const struct pn_error *
pn_inv_cm_read(struct pn_kapi *k, const char *unit_ns, const char *unit_name, struct pn_inv *inv,
    struct pn_buf *text)
{
	const struct pn_error *err;
	struct pn_kapi_reply r;
	struct pn_buf path;
	cJSON *j = NULL;
	const cJSON *data;
	char name[PN_INV_NAME_MAX + 1], what[PN_INV_NAME_MAX + 64];

	pn_buf_init(&path, PN_KAPI_TARGET_MAX, "API path");
	pn_kapi_reply_init(&r, k);
	if ((err = pn_inv_cm_name(unit_ns, unit_name, name, sizeof(name))) != NULL ||
	    (err = cm_path(unit_ns, unit_name, 0, &path)) != NULL)
		goto done;
	snprintf(what, sizeof(what), "ConfigMap " PN_INV_CM_NAMESPACE "/%s", name);
	if ((err = pn_kapi_do(k, "GET", path.data, NULL, NULL, 0, &r)) != NULL)
		goto done;
	if (r.status == 404 && !pn_kapi_not_served(&r))
		goto done;
	if ((err = pn_kapi_reply_error(&r, what)) != NULL || (err = pn_kapi_reply_json(&r, what, &j)) != NULL)
		goto done;
	data = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "data"), PN_INV_CM_KEY);
	if (!cJSON_IsString(data)) {
		err = pn_error_fmt(PN_ERR_PARSE, "%s: no data." PN_INV_CM_KEY, what);
		goto done;
	}
	if ((err = pn_inv_parse(data->valuestring, strlen(data->valuestring), what, inv)) == NULL && text != NULL)
		err = pn_buf_addstr(text, data->valuestring);
done:
	cJSON_Delete(j);
	pn_kapi_reply_release(&r);
	pn_buf_release(&path);
	return err;
}

const struct pn_error *
pn_inv_flux_read(struct pn_kapi *k, const char *unit_ns, const char *unit_name, struct pn_inv *inv, size_t *added)
{
	const struct pn_error *err;
	struct pn_kapi_reply r;
	struct pn_buf path;
	struct pn_inv got;
	cJSON *j = NULL;
	const cJSON *entries, *e;
	char cm[PN_INV_NAME_MAX + 1], what[PN_INV_NAME_MAX + 64];
	size_t i = 0;

	*added = 0;
	pn_inv_init(&got);
	pn_buf_init(&path, PN_KAPI_TARGET_MAX, "API path");
	pn_kapi_reply_init(&r, k);
	/* the names are checked as the ConfigMap's are: DNS names, nothing to escape */
	if ((err = pn_inv_cm_name(unit_ns, unit_name, cm, sizeof(cm))) != NULL ||
	    (err = pn_buf_addf(&path, "/apis/" PN_INV_FLUX_GROUP "/v1/namespaces/%s/kustomizations/%s", unit_ns,
	    unit_name)) != NULL)
		goto done;
	snprintf(what, sizeof(what), "Flux Kustomization %s/%s", unit_ns, unit_name);
	if ((err = pn_kapi_do(k, "GET", path.data, NULL, NULL, 0, &r)) != NULL)
		goto done;
	if (r.status == 404)	/* no such object, or Flux's CRD is not (or no longer) installed */
		goto done;
	if ((err = pn_kapi_reply_error(&r, what)) != NULL || (err = pn_kapi_reply_json(&r, what, &j)) != NULL)
		goto done;
	entries = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(j, "status"), "inventory"), "entries");
	if (entries != NULL && !cJSON_IsArray(entries) && !cJSON_IsNull(entries)) {
		err = pn_error_fmt(PN_ERR_PARSE, "%s: status.inventory.entries is not a list", what);
		goto done;
	}
	cJSON_ArrayForEach(e, entries) {
		const char *id = pn_jstr(e, "id"), *v = pn_jstr(e, "v");
		struct pn_inv_object o;

		if (id == NULL || v == NULL || v[0] == '\0' || pn_inv_split(id, &o) != NULL) {
			err = pn_error_fmt(PN_ERR_PARSE, "%s: status.inventory.entries[%zu] is not an object id and version "
			    "as Flux writes them", what, i);
			goto done;
		}
		if ((err = pn_inv_add_id(&got, id, v)) != NULL)
			goto done;
		i++;
	}
	/* all or nothing: a half-read record would be worse than none */
	*added = got.n;
	err = pn_inv_merge(inv, &got);
done:
	pn_inv_release(&got);
	cJSON_Delete(j);
	pn_kapi_reply_release(&r);
	pn_buf_release(&path);
	return err;
}

const struct pn_error *
pn_inv_cm_write(struct pn_kapi *k, const char *unit_ns, const char *unit_name, const struct pn_buf *text,
    const struct pn_buf *old)
{
	const struct pn_error *err;
	struct pn_kapi_reply r;
	struct pn_buf path;
	cJSON *cm = NULL, *md, *labels, *data;
	char *body = NULL, name[PN_INV_NAME_MAX + 1], what[PN_INV_NAME_MAX + 64];

	pn_buf_init(&path, PN_KAPI_TARGET_MAX, "API path");
	pn_kapi_reply_init(&r, k);
	if ((err = pn_inv_cm_name(unit_ns, unit_name, name, sizeof(name))) != NULL ||
	    (err = cm_path(unit_ns, unit_name, 1, &path)) != NULL || same_text(text, old))
		goto done;
	snprintf(what, sizeof(what), "ConfigMap " PN_INV_CM_NAMESPACE "/%s", name);
	if ((cm = cJSON_CreateObject()) == NULL || cJSON_AddStringToObject(cm, "apiVersion", "v1") == NULL ||
	    cJSON_AddStringToObject(cm, "kind", "ConfigMap") == NULL ||
	    (md = cJSON_AddObjectToObject(cm, "metadata")) == NULL ||
	    cJSON_AddStringToObject(md, "name", name) == NULL ||
	    cJSON_AddStringToObject(md, "namespace", PN_INV_CM_NAMESPACE) == NULL ||
	    (labels = cJSON_AddObjectToObject(md, "labels")) == NULL ||
	    cJSON_AddStringToObject(labels, "app.kubernetes.io/managed-by", "pinion") == NULL ||
	    (data = cJSON_AddObjectToObject(cm, "data")) == NULL ||
	    cJSON_AddStringToObject(data, PN_INV_CM_KEY, pn_buf_str(text)) == NULL ||
	    (body = cJSON_PrintUnformatted(cm)) == NULL) {
		err = pn_error(PN_ERR_NOMEM);
		goto done;
	}
	if ((err = pn_kapi_do(k, "PATCH", path.data, "application/apply-patch+yaml", body, strlen(body), &r)) ==
	    NULL)
		err = pn_kapi_reply_error(&r, what);
done:
	cJSON_free(body);
	cJSON_Delete(cm);
	pn_kapi_reply_release(&r);
	pn_buf_release(&path);
	return err;
}
