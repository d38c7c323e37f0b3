/*
 * The build's OpenAPI schema and `crds:` field specs (see openapi.h).
 */
#include "openapi.h"

#include <stdio.h>
#include <string.h>

#include "smpschema.h"
#include "yaml.h"
#include "../core/json.h"
#include "../core/banned.h"

#define REF_PREFIX "#/definitions/"
/* What a pruned schema node keeps besides properties, items and additionalProperties: smp.c needs no more. */
#define GVK_EXT "x-kubernetes-group-version-kind"
#define STRATEGY_EXT "x-kubernetes-patch-strategy"
#define MERGE_KEY_EXT "x-kubernetes-patch-merge-key"
#define MAP_KEYS_EXT "x-kubernetes-list-map-keys"
/* Written on load: the merge keys of a node whose strategy is "merge", joined with commas. */
#define KEYS_MEMBER "x-pinion-merge-keys"

static cJSON *
member(const cJSON *obj, const char *name)
{
	return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;
}

/* ---- the built-in definitions by name ---- */

/* "apps.v1.Deployment" for the type "apps/v1" Deployment; "core.v1.Pod" for "v1" Pod. */
static int
type_named(const struct pn_smpschema_type *t, const char *name)
{
	const char *av = t->api_version, *slash = strchr(av, '/'), *dot;
	size_t glen, klen = strlen(t->kind), nlen = strlen(name);
	const char *v = slash != NULL ? slash + 1 : av;

	if (slash == NULL) {
		if (strncmp(name, "core.", 5) != 0)
			return 0;
		name += 5;
	} else {
		dot = memchr(av, '.', (size_t)(slash - av));
		glen = (size_t)((dot != NULL ? dot : slash) - av);
		if (strncmp(name, av, glen) != 0 || name[glen] != '.')
			return 0;
		name += glen + 1;
	}
	nlen = strlen(name);
	return nlen == strlen(v) + 1 + klen && strncmp(name, v, strlen(v)) == 0 && name[strlen(v)] == '.' &&
	    strcmp(name + strlen(v) + 1, t->kind) == 0;
}

/* The built-in definition a `$ref` name stands for, -1 when the table has none. */
static int
builtin_named(const char *name)
{
	static const char *const prefixes[] = {"io.k8s.api.", "io.k8s.apimachinery.pkg.apis.",
		"io.k8s.apiextensions-apiserver.pkg.apis.", "io.k8s.kube-aggregator.pkg.apis."};
	const char *p = pn_smpschema_subnames, *gv = p;
	size_t i, gvlen = 0, def;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			break;
	if (i == sizeof(prefixes) / sizeof(prefixes[0]))
		return -1;
	name += strlen(prefixes[i]);
	for (i = 0; i < pn_smpschema_ntypes; i++)
		if (type_named(&pn_smpschema_types[i], name))
			return pn_smpschema_types[i].def;
	for (def = 1; def < pn_smpschema_ndefs; def++) {
		const char *kind;

		for (i = 0; i < pn_smpschema_ntypes && pn_smpschema_types[i].def != (short)def; i++)
			;
		if (i < pn_smpschema_ntypes)
			continue;	/* a top-level type: named above */
		if (*p == '\0')
			break;
		if (*p != '+') {
			gv = p;
			gvlen = (size_t)(strrchr(p, '.') - p) + 1;
			kind = p + gvlen;
		} else {
			kind = p + 1;
		}
		if (strncmp(name, gv, gvlen) == 0 && strcmp(name + gvlen, kind) == 0)
			return (int)def;
		p += strlen(p) + 1;
	}
	return -1;
}

static int
builtin_type(const char *av, const char *kind)
{
	for (size_t i = 0; i < pn_smpschema_ntypes; i++)
		if (strcmp(pn_smpschema_types[i].api_version, av) == 0 && strcmp(pn_smpschema_types[i].kind, kind) == 0)
			return pn_smpschema_types[i].def;
	return -1;
}

/* ---- state ---- */

static int
builtin_used(const struct pn_openapi *o)
{
	return o == NULL || o->custom == NULL || o->builtin == 2;
}

void
pn_openapi_init(struct pn_openapi *o)
{
	if (o == NULL || o->init)
		return;
	o->init = 1;
	if (o->custom == NULL)
		o->builtin = 2;
	else if (o->builtin == 2)
		o->custom_wins = 1;
	if (o->builtin == 1) {
		o->builtin = 2;
		o->custom_wins = 0;
	}
}

void
pn_openapi_saw(struct pn_openapi *o, const cJSON *obj)
{
	const char *av = pn_jstr(obj, "apiVersion"), *kind = pn_jstr(obj, "kind");

	if (o == NULL || o->init || (o->custom == NULL && o->builtin != 0) ||
	    builtin_type(av != NULL ? av : "", kind != NULL ? kind : "") >= 0)
		return;
	if (o->custom != NULL)
		pn_openapi_init(o);
	else if (o->builtin == 0)
		o->builtin = 1;
}

void
pn_openapi_release(struct pn_openapi *o)
{
	cJSON_Delete(o->custom);
	memset(o, 0, sizeof(*o));
}

/* ---- loading a custom schema ---- */

/* Keep what merging needs of schema node n (properties, items, additionalProperties, $ref, type, the group-
 * version-kind) and turn its strategy into KEYS_MEMBER. The recursion is as deep as the document, which the
 * YAML reader caps (PN_YAML_MAX_DEPTH). */
static const struct pn_error *
prune(const char *file, const char *def, cJSON *n)
{
	const struct pn_error *err = NULL;
	const char *strategy = pn_jstr(n, STRATEGY_EXT), *key = pn_jstr(n, MERGE_KEY_EXT), *k;
	const cJSON *mk = member(n, MAP_KEYS_EXT), *c = cJSON_IsArray(mk) ? mk->child : NULL;
	char keys[PN_OPENAPI_MAX_KEYS * PN_OPENAPI_KEY_MAX] = "", s[64];	/* room for every key and comma */
	size_t at = 0, nk = 0;
	cJSON *f, *next;

	if (!cJSON_IsObject(n))
		return NULL;
	cJSON_DeleteItemFromObjectCaseSensitive(n, KEYS_MEMBER);	/* only ours, checked, may be there */
	/* kyaml splits the strategy on commas and wants one part to be "merge" */
	snprintf(s, sizeof(s), ",%s,", strategy != NULL ? strategy : "");
	if (strstr(s, ",merge,") != NULL) {
		for (k = c != NULL ? c->valuestring : key; k != NULL || c != NULL;
		    c = c != NULL ? c->next : NULL, k = c != NULL ? c->valuestring : NULL) {
			if (k == NULL || k[0] == '\0' || strchr(k, ',') != NULL || strlen(k) >= PN_OPENAPI_KEY_MAX ||
			    nk++ == PN_OPENAPI_MAX_KEYS)
				return pn_error_fmt(PN_ERR_PARSE, "%s: definition %.128s: merge keys must be at most %d "
				    "names of 1 to %d characters without commas", file, def, PN_OPENAPI_MAX_KEYS,
				    PN_OPENAPI_KEY_MAX - 1);
			at += (size_t)snprintf(keys + at, sizeof(keys) - at, "%s%s", at > 0 ? "," : "", k);
			if (c == NULL)
				break;
		}
		if (cJSON_AddStringToObject(n, KEYS_MEMBER, keys) == NULL)
			return pn_error(PN_ERR_NOMEM);
	}
	for (f = n->child; f != NULL && err == NULL; f = next) {
		next = f->next;
		if (strcmp(f->string, "properties") == 0)
			for (cJSON *p = cJSON_IsObject(f) ? f->child : NULL; p != NULL && err == NULL; p = p->next)
				err = prune(file, def, p);
		else if (strcmp(f->string, "items") == 0 || strcmp(f->string, "additionalProperties") == 0)
			err = prune(file, def, f);
		else if (strcmp(f->string, "$ref") != 0 && strcmp(f->string, "type") != 0 &&
		    strcmp(f->string, GVK_EXT) != 0 && strcmp(f->string, KEYS_MEMBER) != 0)
			cJSON_Delete(cJSON_DetachItemViaPointer(n, f));
	}
	return err;
}

const struct pn_error *
pn_openapi_set(struct pn_openapi *o, const char *kfile, const cJSON *field, const char *file, const char *text,
    size_t len)
{
	const struct pn_error *err;
	const cJSON *version = member(field, "version");
	struct pn_yaml_docs docs = {0};
	struct pn_yaml_limits lim;
	cJSON *defs;

	if (o->chosen)
		return NULL;
	if (text == NULL) {
		if (!cJSON_IsString(version) || version->valuestring[0] == '\0')
			return NULL;
		if (strcmp(version->valuestring, PN_OPENAPI_VERSION) != 0)
			return pn_error_fmt(PN_ERR_PARSE, "%s: openapi: the specified OpenAPI version is not built in "
			    "(%.64s; pinion knows " PN_OPENAPI_VERSION ")", kfile, version->valuestring);
		o->chosen = 1;
		o->init = 0;
		return NULL;
	}
	if (version != NULL)
		return pn_error_fmt(PN_ERR_PARSE, "%s: openapi: builtin version and custom schema provided, cannot use "
		    "both", kfile);
	pn_yaml_limits_init(&lim);
	if ((err = pn_yaml_parse(file, text, len, &lim, &docs)) != NULL)
		return pn_error_wrap(err, "invalid schema file");
	defs = docs.n == 1 && cJSON_IsObject(docs.v[0].root) ? member(docs.v[0].root, "definitions") : NULL;
	if (docs.n != 1 || !cJSON_IsObject(docs.v[0].root) || (defs != NULL && !cJSON_IsObject(defs) &&
	    !cJSON_IsNull(defs))) {
		err = pn_error_fmt(PN_ERR_PARSE, "%s: invalid schema file: it must be one mapping whose definitions "
		    "are a mapping", file);
		goto done;
	}
	for (cJSON *d = cJSON_IsObject(defs) ? defs->child : NULL; d != NULL; d = d->next)
		if ((err = prune(file, d->string, d)) != NULL)
			goto done;
	o->custom = cJSON_IsObject(defs) ? cJSON_DetachItemViaPointer(docs.v[0].root, defs) : cJSON_CreateObject();
	if (o->custom == NULL)
		err = pn_error(PN_ERR_NOMEM);
	o->chosen = 1;
	o->init = 0;
done:
	pn_yaml_docs_release(&docs);
	return err;
}

/* ---- lookups ---- */

/* A custom definition by name, NULL when none. */
static const cJSON *
custom_named(const struct pn_openapi *o, const char *name)
{
	return o != NULL ? member(o->custom, name) : NULL;
}

/* Follow n's `$ref`s: a built-in definition, or a custom node (*node; NULL when a reference fails). */
static int
resolve(const struct pn_openapi *o, const cJSON *n, const cJSON **node)
{
	for (int hops = 0; hops < PN_OPENAPI_MAX_REFS; hops++) {
		const char *ref = pn_jstr(n, "$ref");
		const cJSON *c;
		int def;

		*node = n;
		if (n == NULL || ref == NULL)
			return -1;
		*node = NULL;
		if (strncmp(ref, REF_PREFIX, strlen(REF_PREFIX)) != 0)
			return -1;
		ref += strlen(REF_PREFIX);
		c = custom_named(o, ref);
		def = builtin_used(o) ? builtin_named(ref) : -1;
		if (def >= 0 && (c == NULL || !o->custom_wins))
			return def;
		n = c;
	}
	*node = NULL;
	return -1;
}

int
pn_openapi_builtin(const struct pn_openapi *o, int def, const cJSON **node)
{
	*node = NULL;
	if (o == NULL || o->custom == NULL || !o->custom_wins || def <= 0)
		return def;
	/* a custom definition of the same name wins */
	for (const cJSON *d = o->custom->child; d != NULL; d = d->next)
		if (builtin_named(d->string) == def) {
			*node = d;
			return -1;
		}
	return def;
}

int
pn_openapi_type(const struct pn_openapi *o, const char *av, const char *kind, const cJSON **node)
{
	int def = builtin_used(o) ? builtin_type(av, kind) : -1;

	*node = NULL;
	if (def >= 0 && (o == NULL || !o->custom_wins))
		return pn_openapi_builtin(o, def, node);
	for (const cJSON *d = o != NULL && o->custom != NULL ? o->custom->child : NULL; d != NULL; d = d->next) {
		for (const cJSON *g = member(d, GVK_EXT) != NULL ? member(d, GVK_EXT)->child : NULL; g != NULL;
		    g = g->next) {
			const char *gr = pn_jstr(g, "group"), *v = pn_jstr(g, "version"), *k = pn_jstr(g, "kind");
			size_t glen = gr != NULL ? strlen(gr) : 0;

			if (v == NULL || k == NULL || strcmp(k, kind) != 0)
				continue;
			if (glen > 0 ? strncmp(av, gr, glen) == 0 && av[glen] == '/' && strcmp(av + glen + 1, v) == 0 :
			    strcmp(av, v) == 0) {
				*node = d;
				return -1;
			}
		}
	}
	return def >= 0 ? pn_openapi_builtin(o, def, node) : -1;
}

int
pn_openapi_field(const struct pn_openapi *o, const cJSON *n, const char *name, const cJSON **node)
{
	const cJSON *f;

	*node = NULL;
	if (name == NULL) {
		const cJSON *t = member(n, "type");

		if (!(cJSON_IsString(t) && strcmp(t->valuestring, "array") == 0) &&
		    !(cJSON_IsArray(t) && cJSON_GetArraySize(t) == 1 && cJSON_IsString(t->child) &&
		    strcmp(t->child->valuestring, "array") == 0))
			return -1;
		f = member(n, "items");
	} else if ((f = member(member(n, "properties"), name)) == NULL) {
		f = member(n, "additionalProperties");
	}
	if (!cJSON_IsObject(f))
		return -1;
	return resolve(o, f, node);
}

const char *
pn_openapi_merge_keys(const cJSON *n)
{
	return pn_jstr(n, KEYS_MEMBER);
}

/* ---- crds ---- */

/* Append {kind, path} (and a nameReference's kind and version) to the list `key` of doc. */
static const struct pn_error *
crd_spec(cJSON *doc, const char *key, const char *kind, const char *path, const char *ref_version,
    const char *ref_kind)
{
	cJSON *list = member(doc, key), *spec = cJSON_CreateObject(), *nr = NULL, *specs;

	if (list == NULL)
		list = cJSON_AddArrayToObject(doc, key);
	if (list == NULL || spec == NULL || cJSON_AddStringToObject(spec, "kind", kind) == NULL ||
	    cJSON_AddStringToObject(spec, "path", path) == NULL)
		goto nomem;
	if (ref_kind != NULL) {
		if ((nr = cJSON_CreateObject()) == NULL || cJSON_AddStringToObject(nr, "kind", ref_kind) == NULL ||
		    cJSON_AddStringToObject(nr, "version", ref_version) == NULL ||
		    (specs = cJSON_AddArrayToObject(nr, "fieldSpecs")) == NULL || !cJSON_AddItemToArray(specs, spec))
			goto nomem;
		spec = nr;
		nr = NULL;
	}
	if (cJSON_AddItemToArray(list, spec))
		return NULL;
nomem:
	cJSON_Delete(spec);
	cJSON_Delete(nr);
	return pn_error(PN_ERR_NOMEM);
}

/* kustomize's loadCrdIntoConfig: the properties of type `name`, at `path`, for kind `kind`. */
static const struct pn_error *
crd_walk(const char *file, const cJSON *crd, const char *name, const char *kind, char *path, size_t plen,
    size_t cap, size_t depth, cJSON *doc)
{
	static const char *const exts[][2] = {{"x-kubernetes-annotation", "commonAnnotations"},
		{"x-kubernetes-label-selector", "commonLabels"}, {"x-kubernetes-identity", "namePrefix"}};
	const cJSON *props = member(member(member(crd, name), "Schema"), "properties");
	const struct pn_error *err;

	if (depth > PN_OPENAPI_MAX_DEPTH)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s: type %.128s: references nest deeper than %d levels", file,
		    name, PN_OPENAPI_MAX_DEPTH);
	for (const cJSON *p = cJSON_IsObject(props) ? props->child : NULL; p != NULL; p = p->next) {
		const char *v = pn_jstr(p, "x-kubernetes-object-ref-api-version");
		const char *k = pn_jstr(p, "x-kubernetes-object-ref-kind");
		const char *key = pn_jstr(p, "x-kubernetes-object-ref-name-key"), *ref = pn_jstr(p, "$ref");
		size_t n = (size_t)snprintf(path + plen, cap - plen, "%s%s", plen > 0 ? "/" : "", p->string);

		if (n >= cap - plen)
			return pn_error_fmt(PN_ERR_TOO_LARGE, "%s: type %.128s: a field path is too long", file, name);
		for (size_t e = 0; e < sizeof(exts) / sizeof(exts[0]); e++)
			if (pn_jstr(p, exts[e][0]) != NULL && (err = crd_spec(doc, exts[e][1], kind, path, NULL,
			    NULL)) != NULL)
				return err;
		if (v != NULL && k != NULL) {
			size_t m = (size_t)snprintf(path + plen + n, cap - plen - n, "/%s", key != NULL ? key : "name");

			if (m >= cap - plen - n)
				return pn_error_fmt(PN_ERR_TOO_LARGE, "%s: type %.128s: a field path is too long", file,
				    name);
			if ((err = crd_spec(doc, "nameReference", kind, path, v, k)) != NULL)
				return err;
			path[plen + n] = '\0';
		}
		if (ref != NULL && ref[0] != '\0' &&
		    (err = crd_walk(file, crd, ref, kind, path, plen + n, cap, depth + 1, doc)) != NULL)
			return err;
		path[plen] = '\0';
	}
	return NULL;
}

const struct pn_error *
pn_openapi_crd_config(const char *file, const cJSON *crd, cJSON **out)
{
	const struct pn_error *err = NULL;
	char path[1024];	/* a field path: nesting is capped by PN_OPENAPI_MAX_DEPTH */

	if ((*out = cJSON_CreateObject()) == NULL)
		return pn_error(PN_ERR_NOMEM);
	if (!cJSON_IsObject(crd))
		return pn_error_fmt(PN_ERR_PARSE, "unable to parse open API definition from '%s': it is not a "
		    "mapping of type names", file);
	for (const cJSON *t = crd->child; t != NULL && err == NULL; t = t->next) {
		const cJSON *props = member(member(t, "Schema"), "properties");
		const char *kind = strrchr(t->string, '.');

		if (member(props, "kind") == NULL || member(props, "apiVersion") == NULL ||
		    member(props, "metadata") == NULL)
			continue;
		path[0] = '\0';
		err = crd_walk(file, crd, t->string, kind != NULL ? kind + 1 : t->string, path, 0, sizeof(path), 0,
		    *out);
	}
	return err;
}
