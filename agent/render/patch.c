/*
 * Patch transformers and their target selection (see patch.h).
 */
#include "patch.h"

#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldspec.h"
#include "json6902.h"
#include "smp.h"
#include "../core/banned.h"

/* Bytes of one selector regular expression, anchored. */
#define PATCH_REGEX_MAX 1024

static const char *
str(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

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

/* A label/annotation selector against a string map. */
static const struct pn_error *
sel_match(const char *sel, const cJSON *map, int *out)
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
		have = str(map, k);
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
	char g[256], v[256];
	int a, b;

	pn_fieldspec_gv(r->obj, g, v, sizeof(g));
	*out = 0;
	if ((err = pattern_match(str(target, "group"), g, &a)) != NULL || !a)
		return err;
	if ((err = pattern_match(str(target, "version"), v, &a)) != NULL || !a)
		return err;
	if ((err = pattern_match(str(target, "kind"), pn_res_kind(r), &a)) != NULL || !a)
		return err;
	if ((err = pattern_match(str(target, "name"), r->orig_name, &a)) != NULL ||
	    (err = pattern_match(str(target, "name"), pn_res_name(r), &b)) != NULL || (!a && !b))
		return err;
	if (str(target, "namespace") != NULL) {
		const char *cur = pn_res_namespace(r), *org = r->orig_ns;

		if (pn_fieldspec_cluster_scoped(r->obj))
			cur = org = "";
		if ((err = pattern_match(str(target, "namespace"), org[0] != '\0' ? org : "default", &a)) != NULL ||
		    (err = pattern_match(str(target, "namespace"), cur[0] != '\0' ? cur : "default", &b)) != NULL ||
		    (!a && !b))
			return err;
	}
	if ((err = sel_match(str(target, "labelSelector"), cJSON_GetObjectItemCaseSensitive(md, "labels"), &a)) !=
	    NULL || !a)
		return err;
	if ((err = sel_match(str(target, "annotationSelector"), cJSON_GetObjectItemCaseSensitive(md, "annotations"),
	    &a)) != NULL || !a)
		return err;
	*out = 1;
	return NULL;
}

static void
drop(struct pn_resmap *ra, size_t k)
{
	cJSON_Delete(ra->v[k].obj);
	free(ra->v[k].orig_name);
	free(ra->v[k].orig_ns);
	free(ra->v[k].prev);
	free(ra->v[k].fixes);
	memmove(ra->v + k, ra->v + k + 1, (ra->n - k - 1) * sizeof(*ra->v));
	ra->n--;
	pn_resmap_invalidate(ra);
}

/* Apply SMP `patch` to ra->v[k]; *gone set when it deleted the object (then removed from ra). */
static const struct pn_error *
smp_one(struct pn_resmap *ra, size_t k, const cJSON *patch, int allow_name, int allow_kind, const char *what,
    int *gone)
{
	struct pn_res *r = &ra->v[k];
	char *name = strdup(pn_res_name(r)), *ns = strdup(pn_res_namespace(r)), *kind = strdup(pn_res_kind(r));
	const struct pn_error *err = NULL;

	*gone = 0;
	if (name == NULL || ns == NULL || kind == NULL) {
		err = pn_error(PN_ERR_NOMEM);
		goto done;
	}
	if ((allow_name || allow_kind) && (err = pn_res_store_prev(r)) != NULL)
		goto done;
	if ((err = pn_smp_apply(r->obj, patch, what)) != NULL)
		goto done;
	if (r->obj->child == NULL) {
		drop(ra, k);
		*gone = 1;
		goto done;
	}
	if (!allow_kind) {
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
	if (!allow_name && (err = pn_res_set_meta(r->obj, "name", name)) != NULL)
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
	const char *inl = str(e, "patch"), *path = str(e, "path");
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

/* Apply one SMP document without a target: to the object it names. */
static const struct pn_error *
smp_by_id(struct pn_resmap *ra, const cJSON *patch, int allow_name, int allow_kind, const char *what)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(patch, "metadata");
	const char *name = str(md, "name"), *ns = str(md, "namespace");
	long at;
	int gone;

	if (name == NULL || str(patch, "kind") == NULL)
		return pn_error_fmt(PN_ERR_PARSE, "%s: a strategic merge patch needs kind and metadata.name", what);
	at = pn_resmap_find(ra, patch, name, ns != NULL ? ns : "");
	if (at < 0) {
		struct pn_res p = {.obj = (cJSON *)(uintptr_t)patch};
		char id[PN_RESMAP_ID_MAX];

		pn_res_id(&p, id, sizeof(id));
		return pn_error_fmt(PN_ERR_PARSE, "%s: %s for Id %s; failed to find unique target for patch %s", what,
		    at == -1 ? "no matches" : "multiple matches", id, id);
	}
	return smp_one(ra, (size_t)at, patch, allow_name, allow_kind, what, &gone);
}

/* One patch (text already read) with an optional target. */
static const struct pn_error *
apply_text(struct pn_resmap *ra, const struct pn_yaml_limits *lim, const char *what, const char *text, size_t len,
    const cJSON *target, int allow_name, int allow_kind, int json_only)
{
	struct pn_yaml_docs docs = {0};
	const struct pn_error *err;
	int is_json;

	if ((err = pn_yaml_parse(what, text, len, lim, &docs)) != NULL)
		return err;
	if (docs.n == 0) {
		err = pn_error_fmt(PN_ERR_PARSE, "%s: patch appears to be empty", what);
		goto done;
	}
	is_json = docs.n == 1 && cJSON_IsArray(docs.v[0].root);
	for (size_t k = 0; k < docs.n && !is_json; k++)
		if (!cJSON_IsObject(docs.v[k].root)) {
			err = pn_error_fmt(PN_ERR_PARSE, "%s: unable to parse SM or JSON patch", what);
			goto done;
		}
	if (json_only && !is_json) {
		err = pn_error_fmt(PN_ERR_PARSE, "%s: a JSON patch must be a list of operations", what);
		goto done;
	}
	if (target == NULL) {
		if (is_json) {
			err = pn_error_fmt(PN_ERR_PARSE, "%s: must specify a target for JSON patch", what);
			goto done;
		}
		for (size_t k = 0; k < docs.n && err == NULL; k++)
			err = smp_by_id(ra, docs.v[k].root, allow_name, allow_kind, what);
		goto done;
	}
	if (!cJSON_IsObject(target)) {
		err = pn_error_fmt(PN_ERR_PARSE, "%s: target must be a mapping", what);
		goto done;
	}
	if (!is_json && docs.n > 1) {
		err = pn_error_fmt(PN_ERR_PARSE, "%s: Multiple Strategic-Merge Patches in one `patches` entry is not "
		    "allowed to set `patches.target` field", what);
		goto done;
	}
	for (size_t k = 0; k < ra->n && err == NULL;) {
		int sel, gone = 0;

		if ((err = selected(target, &ra->v[k], &sel)) != NULL || !sel) {
			k++;
			continue;
		}
		if (is_json) {
			err = pn_json6902_apply(ra->v[k].obj, docs.v[0].root, what);
		} else {
			cJSON *p = cJSON_Duplicate(docs.v[0].root, 1), *v;

			/* the patch takes the target's group and version (kustomize's SetGvk) */
			if (p == NULL || (v = cJSON_CreateString(str(ra->v[k].obj, "apiVersion") != NULL ?
			    str(ra->v[k].obj, "apiVersion") : "")) == NULL) {
				cJSON_Delete(p);
				err = pn_error(PN_ERR_NOMEM);
				break;
			}
			if (cJSON_HasObjectItem(p, "apiVersion"))
				cJSON_ReplaceItemInObjectCaseSensitive(p, "apiVersion", v);
			else
				cJSON_AddItemToObject(p, "apiVersion", v);
			if (!cJSON_HasObjectItem(p, "kind"))
				cJSON_AddItemToObject(p, "kind", cJSON_CreateString(pn_res_kind(&ra->v[k])));
			err = smp_one(ra, k, p, allow_name, allow_kind, what, &gone);
			cJSON_Delete(p);
		}
		if (!gone)
			k++;
	}
done:
	pn_yaml_docs_release(&docs);
	return err;
}

static const struct pn_error *
run_entry(const struct pn_gen_io *io, const struct pn_yaml_limits *lim, struct pn_resmap *ra, const char *what,
    const cJSON *e, int json_only)
{
	const cJSON *opts = cJSON_GetObjectItemCaseSensitive(e, "options");
	const struct pn_error *err;
	size_t len = 0;
	char *text;

	if (!cJSON_IsObject(e))
		return pn_error_fmt(PN_ERR_PARSE, "%s: a patch entry must be a mapping", what);
	for (const cJSON *f = e->child; f != NULL; f = f->next)
		if (strcmp(f->string, "path") != 0 && strcmp(f->string, "patch") != 0 && strcmp(f->string, "target") != 0 &&
		    (json_only || strcmp(f->string, "options") != 0))
			return pn_error_fmt(PN_ERR_PARSE, "%s: unknown field \"%.128s\"", what, f->string);
	if ((err = patch_text(io, what, e, &text, &len)) != NULL)
		return err;
	err = apply_text(ra, lim, what, text, len, cJSON_GetObjectItemCaseSensitive(e, "target"),
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(opts, "allowNameChange")),
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(opts, "allowKindChange")), json_only);
	free(text);
	return err;
}

const struct pn_error *
pn_patch_run(const struct pn_gen_io *io, const struct pn_yaml_limits *lim, const char *kfile,
    const struct pn_kust *k, int json, struct pn_resmap *ra)
{
	const struct pn_error *err;
	char what[512];
	size_t idx = 0;

	if (json) {
		for (const cJSON *e = k->patches_json != NULL ? k->patches_json->child : NULL; e != NULL; e = e->next) {
			snprintf(what, sizeof(what), "%s: patchesJson6902[%zu]", kfile, idx++);
			if ((err = run_entry(io, lim, ra, what, e, 1)) != NULL)
				return err;
		}
		return NULL;
	}
	for (const cJSON *e = k->patches_sm != NULL ? k->patches_sm->child : NULL; e != NULL; e = e->next, idx++) {
		struct pn_buf buf;

		snprintf(what, sizeof(what), "%s: patchesStrategicMerge[%zu]", kfile, idx);
		if (!cJSON_IsString(e))
			return pn_error_fmt(PN_ERR_PARSE, "%s: must be a string", what);
		pn_buf_init(&buf, io->max_file, "a patch file");
		if (strchr(e->valuestring, '\n') == NULL && io->read(io->ctx, e->valuestring, &buf) == NULL) {
			snprintf(what, sizeof(what), "%s: patchesStrategicMerge %s", kfile, e->valuestring);
			err = apply_text(ra, lim, what, buf.len > 0 ? pn_buf_str(&buf) : "", buf.len, NULL, 0, 0, 0);
		} else {
			err = apply_text(ra, lim, what, e->valuestring, strlen(e->valuestring), NULL, 0, 0, 0);
		}
		pn_buf_release(&buf);
		if (err != NULL)
			return err;
	}
	idx = 0;
	for (const cJSON *e = k->patches != NULL ? k->patches->child : NULL; e != NULL; e = e->next) {
		snprintf(what, sizeof(what), "%s: patches[%zu]", kfile, idx++);
		if ((err = run_entry(io, lim, ra, what, e, 0)) != NULL)
			return err;
	}
	return NULL;
}
