/*
 * Patch transformers and their target selection (see patch.h).
 */
#include "patch.h"

#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldspec.h"
#include "json6902.h"
#include "smp.h"
#include "../core/json.h"
#include "../core/banned.h"

/* Bytes of one selector regular expression, anchored. */
#define PATCH_REGEX_MAX 1024

/* Whether s matches the anchored extended regular expression re (an empty re matches everything). */
static const struct pn_error *
pattern_match(const char *re, const char *s, int *out)
{
	char buf[PATCH_REGEX_MAX];
	regex_t rx;

	*out = 1;
	if (re == NULL || re[0] == '\0')
		return NULL;
	if ((size_t)snprintf(buf, sizeof(buf), "^(%s)$", re) >= sizeof(buf))
		return pn_error_fmt(PN_ERR_TOO_LARGE, "target pattern %.64s... is too long", re);
	if (regcomp(&rx, buf, REG_EXTENDED | REG_NOSUB) != 0)
		return pn_error_fmt(PN_ERR_PARSE, "target pattern %.128s is not a valid regular expression", re);
	*out = regexec(&rx, s, 0, NULL, 0) == 0;
	regfree(&rx);
	return NULL;
}

const struct pn_error *
pn_patch_selector_match(const char *sel, const cJSON *map, int *out)
{
	char *copy, *save = NULL, *term;
	const struct pn_error *err = NULL;

	*out = 1;
	if (sel == NULL || sel[0] == '\0')
		return NULL;
	if ((copy = strdup(sel)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	for (term = strtok_r(copy, ",", &save); term != NULL && *out; term = strtok_r(NULL, ",", &save)) {
		char *ne = strstr(term, "!="), *eq = strchr(term, '='), *k = term, *v = NULL;
		int neg = 0;
		const char *have;

		while (*k == ' ')
			k++;
		if (strstr(term, " in ") != NULL || strstr(term, " notin ") != NULL || strchr(term, '(') != NULL) {
			err = pn_error_fmt(PN_ERR_UNSUPPORTED, "selector %.128s: set-based requirements are not supported",
			    sel);
			break;
		}
		if (ne != NULL) {
			*ne = '\0';
			v = ne + 2;
			neg = 1;
		} else if (eq != NULL) {
			*eq = '\0';
			v = eq + 1 + (eq[1] == '=');
		} else if (*k == '!') {
			k++;
			neg = 1;
		}
		for (char *e = k + strlen(k); e > k && e[-1] == ' '; e--)
			e[-1] = '\0';
		while (v != NULL && *v == ' ')
			v++;
		have = pn_jstr(map, k);
		if (v == NULL)
			*out = neg ? have == NULL : have != NULL;
		else
			*out = neg ? (have == NULL || strcmp(have, v) != 0) : (have != NULL && strcmp(have, v) == 0);
	}
	free(copy);
	return err;
}

static const struct pn_error *
selected(const cJSON *target, const struct pn_res *r, int *out)
{
	const struct pn_error *err;
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(r->obj, "metadata");
	const char *api = pn_res_api_version(r), *slash = strchr(api, '/');
	char g[256], v[256];
	int a, b;

	if (slash == NULL) {
		g[0] = '\0';
		snprintf(v, sizeof(v), "%s", api);
	} else {
		snprintf(g, sizeof(g), "%.*s", (int)(slash - api), api);
		snprintf(v, sizeof(v), "%s", slash + 1);
	}
	*out = 0;
	if ((err = pattern_match(pn_jstr(target, "group"), g, &a)) != NULL || !a)
		return err;
	if ((err = pattern_match(pn_jstr(target, "version"), v, &a)) != NULL || !a)
		return err;
	if ((err = pattern_match(pn_jstr(target, "kind"), pn_res_kind(r), &a)) != NULL || !a)
		return err;
	if ((err = pattern_match(pn_jstr(target, "name"), r->orig_name, &a)) != NULL ||
	    (err = pattern_match(pn_jstr(target, "name"), pn_res_name(r), &b)) != NULL || (!a && !b))
		return err;
	if (pn_jstr(target, "namespace") != NULL) {
		const char *cur = pn_res_namespace(r), *org = r->orig_ns;

		if (pn_res_cluster_scoped(r))
			cur = org = "";
		if ((err = pattern_match(pn_jstr(target, "namespace"), org[0] != '\0' ? org : "default", &a)) != NULL ||
		    (err = pattern_match(pn_jstr(target, "namespace"), cur[0] != '\0' ? cur : "default", &b)) != NULL ||
		    (!a && !b))
			return err;
	}
	if ((err = pn_patch_selector_match(pn_jstr(target, "labelSelector"),
	    cJSON_GetObjectItemCaseSensitive(md, "labels"), &a)) != NULL || !a)
		return err;
	if ((err = pn_patch_selector_match(pn_jstr(target, "annotationSelector"),
	    cJSON_GetObjectItemCaseSensitive(md, "annotations"), &a)) != NULL || !a)
		return err;
	*out = 1;
	return NULL;
}

/* Apply SMP `patch` to r (loaded); *gone set when it deleted the object (then the caller drops it). */
static const struct pn_error *
smp_one(struct pn_res *r, const cJSON *patch, const struct pn_patch *p, int *gone)
{
	char *name = strdup(pn_res_name(r)), *ns = strdup(pn_res_namespace(r)), *kind = strdup(pn_res_kind(r));
	const struct pn_error *err = NULL;

	*gone = 0;
	if (name == NULL || ns == NULL || kind == NULL) {
		err = pn_error(PN_ERR_NOMEM);
		goto done;
	}
	if ((p->allow_name || p->allow_kind) && (err = pn_res_store_prev(r)) != NULL)
		goto done;
	if ((err = pn_smp_apply(r->obj, patch, p->what, p->schema)) != NULL)
		goto done;
	if (r->obj->child == NULL) {
		*gone = 1;
		goto done;
	}
	if (p->allow_kind && strcmp(pn_res_kind(r), kind) != 0) {
		char was[PN_RESMAP_ID_MAX];

		snprintf(was, sizeof(was), "%s/%s/%s", kind, ns, name);
		if ((err = pn_res_add_fix(r, 'k', was)) != NULL)
			goto done;
	}
	if (!p->allow_kind) {
		cJSON *kv = cJSON_CreateString(kind);

		if (kv == NULL) {
			err = pn_error(PN_ERR_NOMEM);
			goto done;
		}
		if (cJSON_HasObjectItem(r->obj, "kind"))
			cJSON_ReplaceItemInObjectCaseSensitive(r->obj, "kind", kv);
		else
			cJSON_AddItemToObject(r->obj, "kind", kv);
	}
	if (!p->allow_name && (err = pn_res_set_meta(r->obj, "name", name)) != NULL)
		goto done;
	if (ns[0] != '\0')
		err = pn_res_set_meta(r->obj, "namespace", ns);
	else
		cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(r->obj, "metadata"), "namespace");
done:
	free(name);
	free(ns);
	free(kind);
	return err;
}

/* The patch text of an entry: inline `patch` or the file `path`. The caller frees *text. */
static const struct pn_error *
patch_text(const struct pn_gen_io *io, const char *what, const cJSON *e, char **text, size_t *len)
{
	const char *inl = pn_jstr(e, "patch"), *path = pn_jstr(e, "path");
	const struct pn_error *err;
	struct pn_buf buf;

	*text = NULL;
	if ((inl == NULL || inl[0] == '\0') && (path == NULL || path[0] == '\0'))
		return pn_error_fmt(PN_ERR_PARSE, "%s: must specify one of patch and path", what);
	if (inl != NULL && inl[0] != '\0' && path != NULL && path[0] != '\0')
		return pn_error_fmt(PN_ERR_PARSE, "%s: patch and path can't be set at the same time", what);
	if (inl != NULL && inl[0] != '\0') {
		*len = strlen(inl);
		return (*text = strdup(inl)) == NULL ? pn_error(PN_ERR_NOMEM) : NULL;
	}
	pn_buf_init(&buf, io->max_file, "a patch file");
	if ((err = io->read(io->ctx, path, &buf)) != NULL) {
		pn_buf_release(&buf);
		return pn_error_wrap(err, "%s: failed to get the patch file from path(%s)", what, path);
	}
	*len = buf.len;
	*text = strndup(buf.len > 0 ? pn_buf_str(&buf) : "", buf.len);
	pn_buf_release(&buf);
	return *text == NULL ? pn_error(PN_ERR_NOMEM) : NULL;
}

/* Apply one SMP document without a target: to the object it names (loaded, patched, spilled). */
static const struct pn_error *
smp_by_id(struct pn_resmap *ra, const cJSON *patch, const struct pn_patch *pe)
{
	const char *what = pe->what;
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(patch, "metadata");
	const char *name = pn_jstr(md, "name"), *ns = pn_jstr(md, "namespace");
	const struct pn_error *err;
	struct pn_res *r;
	long at;
	int gone;

	if (name == NULL || pn_jstr(patch, "kind") == NULL)
		return pn_error_fmt(PN_ERR_PARSE, "%s: a strategic merge patch needs kind and metadata.name", what);
	at = pn_resmap_find(ra, patch, name, ns != NULL ? ns : "");
	if (at < 0) {
		struct pn_res p = {.obj = (cJSON *)(uintptr_t)patch};
		char id[PN_RESMAP_ID_MAX];

		pn_res_id(&p, id, sizeof(id));
		return pn_error_fmt(PN_ERR_PARSE, "%s: %s for Id %s; failed to find unique target for patch %s", what,
		    at == -1 ? "no matches" : "multiple matches", id, id);
	}
	r = &ra->v[at];
	if ((err = pn_res_load(ra, r)) != NULL)
		return err;
	err = smp_one(r, patch, pe, &gone);
	if (err == NULL && gone) {
		pn_res_drop(ra, r);
		pn_resmap_compact(ra);
		return NULL;
	}
	if (err == NULL)
		err = pn_res_spill(ra, r);
	return err;
}

/* One entry's text into p: its documents, checked as kustomize checks them before applying. */
static const struct pn_error *
parse_entry(struct pn_patch *p, const struct pn_yaml_limits *lim, const char *text, size_t len, int json_only)
{
	const struct pn_error *err;
	struct pn_yaml_docs *docs = &p->docs;

	if ((err = pn_yaml_parse(p->what, text, len, lim, docs)) != NULL)
		return err;
	if (docs->n == 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: patch appears to be empty", p->what);
	p->is_json = docs->n == 1 && cJSON_IsArray(docs->v[0].root);
	for (size_t k = 0; k < docs->n && !p->is_json; k++)
		if (!cJSON_IsObject(docs->v[k].root))
			return pn_error_fmt(PN_ERR_PARSE, "%s: unable to parse SM or JSON patch", p->what);
	if (json_only && !p->is_json)
		return pn_error_fmt(PN_ERR_PARSE, "%s: a JSON patch must be a list of operations", p->what);
	if (p->target == NULL) {
		if (p->is_json)
			return pn_error_fmt(PN_ERR_PARSE, "%s: must specify a target for JSON patch", p->what);
		return NULL;
	}
	if (!cJSON_IsObject(p->target))
		return pn_error_fmt(PN_ERR_PARSE, "%s: target must be a mapping", p->what);
	if (!p->is_json && docs->n > 1)
		return pn_error_fmt(PN_ERR_PARSE, "%s: Multiple Strategic-Merge Patches in one `patches` entry is not "
		    "allowed to set `patches.target` field", p->what);
	return NULL;
}

/* A `patches` or patchesJson6902 entry into p. */
static const struct pn_error *
prepare_entry(const struct pn_gen_io *io, const struct pn_yaml_limits *lim, struct pn_patch *p, const cJSON *e,
    int json_only)
{
	const cJSON *opts = cJSON_GetObjectItemCaseSensitive(e, "options");
	const struct pn_error *err;
	size_t len = 0;
	char *text;

	if (!cJSON_IsObject(e))
		return pn_error_fmt(PN_ERR_PARSE, "%s: a patch entry must be a mapping", p->what);
	for (const cJSON *f = e->child; f != NULL; f = f->next)
		if (strcmp(f->string, "path") != 0 && strcmp(f->string, "patch") != 0 && strcmp(f->string, "target") != 0 &&
		    (json_only || strcmp(f->string, "options") != 0))
			return pn_error_fmt(PN_ERR_PARSE, "%s: unknown field \"%.128s\"", p->what, f->string);
	if ((err = patch_text(io, p->what, e, &text, &len)) != NULL)
		return err;
	p->target = cJSON_GetObjectItemCaseSensitive(e, "target");
	p->allow_name = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(opts, "allowNameChange"));
	p->allow_kind = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(opts, "allowKindChange"));
	err = parse_entry(p, lim, text, len, json_only);
	free(text);
	return err;
}

/* Room for one more entry in *v; the new one zeroed, its `what` set. */
static const struct pn_error *
new_entry(struct pn_patch **v, size_t *n, size_t *cap, struct pn_patch **out, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static const struct pn_error *
new_entry(struct pn_patch **v, size_t *n, size_t *cap, struct pn_patch **out, const char *fmt, ...)
{
	va_list ap;

	if (*n == *cap) {
		size_t c = *cap != 0 ? *cap * 2 : 4;
		struct pn_patch *nv = reallocarray(*v, c, sizeof(*nv));

		if (nv == NULL)
			return pn_error(PN_ERR_NOMEM);
		*v = nv;
		*cap = c;
	}
	*out = &(*v)[(*n)++];
	memset(*out, 0, sizeof(**out));
	va_start(ap, fmt);
	vsnprintf((*out)->what, sizeof((*out)->what), fmt, ap);
	va_end(ap);
	return NULL;
}

const struct pn_error *
pn_patch_prepare(const struct pn_gen_io *io, const struct pn_yaml_limits *lim, const char *kfile,
    const struct pn_kust *k, int json, struct pn_patch **out, size_t *n)
{
	const struct pn_error *err = NULL;
	struct pn_patch *p;
	size_t idx = 0, cap = 0;

	*out = NULL;
	*n = 0;
	if (json) {
		for (const cJSON *e = k->patches_json != NULL ? k->patches_json->child : NULL; e != NULL; e = e->next) {
			if ((err = new_entry(out, n, &cap, &p, "%s: patchesJson6902[%zu]", kfile, idx++)) != NULL)
				return err;
			if ((err = prepare_entry(io, lim, p, e, 1)) != NULL)
				goto failed;
		}
		return NULL;
	}
	for (const cJSON *e = k->patches_sm != NULL ? k->patches_sm->child : NULL; e != NULL; e = e->next, idx++) {
		struct pn_buf buf;

		if ((err = new_entry(out, n, &cap, &p, "%s: patchesStrategicMerge[%zu]", kfile, idx)) != NULL)
			return err;
		if (!cJSON_IsString(e)) {
			err = pn_error_fmt(PN_ERR_PARSE, "%s: must be a string", p->what);
			goto failed;
		}
		pn_buf_init(&buf, io->max_file, "a patch file");
		err = strchr(e->valuestring, '\n') == NULL ? io->read(io->ctx, e->valuestring, &buf) :
		    pn_error(PN_ERR_NOT_FOUND);
		if (err == NULL) {
			snprintf(p->what, sizeof(p->what), "%s: patchesStrategicMerge %s", kfile, e->valuestring);
			err = parse_entry(p, lim, buf.len > 0 ? pn_buf_str(&buf) : "", buf.len, 0);
		} else if (err->code == PN_ERR_REJECTED) {	/* a file that may not be read (load restrictor) */
			err = pn_error_wrap(err, "%s", p->what);
		} else {
			err = parse_entry(p, lim, e->valuestring, strlen(e->valuestring), 0);
		}
		pn_buf_release(&buf);
		if (err != NULL)
			goto failed;
	}
	idx = 0;
	for (const cJSON *e = k->patches != NULL ? k->patches->child : NULL; e != NULL; e = e->next) {
		if ((err = new_entry(out, n, &cap, &p, "%s: patches[%zu]", kfile, idx++)) != NULL)
			return err;
		if ((err = prepare_entry(io, lim, p, e, 0)) != NULL)
			goto failed;
		p->store_id = 1;
	}
	return NULL;
failed:
	/* the entry that failed is not handed out */
	pn_yaml_docs_release(&(*out)[--*n].docs);
	return err;
}

void
pn_patch_free(struct pn_patch *v, size_t n)
{
	for (size_t k = 0; k < n; k++)
		pn_yaml_docs_release(&v[k].docs);
	free(v);
}

const struct pn_error *
pn_patch_by_id(struct pn_resmap *ra, const struct pn_patch *p)
{
	const struct pn_error *err;

	for (size_t k = 0; k < p->docs.n; k++)
		if ((err = smp_by_id(ra, p->docs.v[k].root, p)) != NULL)
			return err;
	return NULL;
}

/* A JSON 6902 patch of `patches` on r: kustomize's PatchTransformer stores the id first, so a name the patch
 * replaces stays a referral. */
static const struct pn_error *
json_keeping_id(struct pn_res *r, const struct pn_patch *p)
{
	char *name = strdup(pn_res_name(r)), *ns = strdup(pn_res_namespace(r));
	const struct pn_error *err;

	if (name == NULL || ns == NULL)
		err = pn_error(PN_ERR_NOMEM);
	else if ((err = pn_json6902_apply(r->obj, p->docs.v[0].root, p->what)) == NULL)
		err = pn_res_kept_id(r, ns, name);
	free(name);
	free(ns);
	return err;
}

const struct pn_error *
pn_patch_one(struct pn_res *r, const struct pn_patch *p, int *gone)
{
	const struct pn_error *err;
	cJSON *copy, *v;
	int sel;

	*gone = 0;
	if ((err = selected(p->target, r, &sel)) != NULL || !sel)
		return err;
	if (p->is_json && p->store_id)
		return json_keeping_id(r, p);
	if (p->is_json)
		return pn_json6902_apply(r->obj, p->docs.v[0].root, p->what);
	copy = cJSON_Duplicate(p->docs.v[0].root, 1);
	/* the patch takes the target's group and version (kustomize's SetGvk) */
	if (copy == NULL || (v = cJSON_CreateString(pn_res_api_version(r))) == NULL) {
		cJSON_Delete(copy);
		return pn_error(PN_ERR_NOMEM);
	}
	if (cJSON_HasObjectItem(copy, "apiVersion"))
		cJSON_ReplaceItemInObjectCaseSensitive(copy, "apiVersion", v);
	else
		cJSON_AddItemToObject(copy, "apiVersion", v);
	if (!cJSON_HasObjectItem(copy, "kind"))
		cJSON_AddItemToObject(copy, "kind", cJSON_CreateString(pn_res_kind(r)));
	err = smp_one(r, copy, p, gone);
	cJSON_Delete(copy);
	return err;
}

const struct pn_error *
pn_patch_run(const struct pn_gen_io *io, const struct pn_yaml_limits *lim, const char *kfile,
    const struct pn_kust *k, int json, struct pn_resmap *ra)
{
	const struct pn_error *err = NULL, *prep;
	struct pn_error first;	/* a copy: applying the entries before it makes errors of their own */
	struct pn_patch *v = NULL;
	size_t n = 0;

	prep = pn_patch_prepare(io, lim, kfile, k, json, &v, &n);
	if (prep != NULL)
		first = *prep;
	for (size_t e = 0; e < n && err == NULL; e++) {
		if (v[e].target == NULL) {
			err = pn_patch_by_id(ra, &v[e]);
			continue;
		}
		for (size_t i = 0; i < ra->n && err == NULL; i++) {
			struct pn_res *r = &ra->v[i];
			int gone = 0;

			if ((err = pn_res_load(ra, r)) != NULL)
				break;
			if ((err = pn_patch_one(r, &v[e], &gone)) == NULL) {
				if (gone)
					pn_res_drop(ra, r);
				else
					err = pn_res_spill(ra, r);
			}
		}
		pn_resmap_compact(ra);
	}
	pn_patch_free(v, n);
	if (err == NULL && prep != NULL)
		err = pn_error_fmt(first.code, "%s", first.msg);
	return err;
}
