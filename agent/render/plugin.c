/*
 * kustomize's builtin plugin configurations as kustomization fields (see plugin.h).
 */
#include "plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buildmeta.h"
#include "spool.h"
#include "yaml.h"
#include "../core/json.h"
#include "../core/banned.h"

enum role { GEN, TF, HELM, UNSUPPORTED };

/* kustomize's builtin kinds (builtinhelpers.GeneratorFactories and TransformerFactories at api/v0.18.0); the
 * transformers from K_PATCH on have no fieldSpecs (their decoder ignores the key). */
enum kind {
	K_CM, K_SECRET, K_IAM, K_HELM, K_ANNOS, K_LABELS, K_NS, K_PREFIX_SUFFIX, K_PREFIX, K_SUFFIX, K_IMAGE,
	K_REPLICAS, K_PATCH, K_PATCH_SM, K_PATCH_JSON, K_HASH, K_REPLACEMENT, K_VALUE_ADD,
};

static const struct {
	const char *name;
	enum role role;
} kinds[] = {
	[K_CM] = {"ConfigMapGenerator", GEN},
	[K_SECRET] = {"SecretGenerator", GEN},
	[K_IAM] = {"IAMPolicyGenerator", GEN},
	[K_HELM] = {"HelmChartInflationGenerator", HELM},
	[K_ANNOS] = {"AnnotationsTransformer", TF},
	[K_LABELS] = {"LabelTransformer", TF},
	[K_NS] = {"NamespaceTransformer", TF},
	[K_PREFIX_SUFFIX] = {"PrefixSuffixTransformer", TF},
	[K_PREFIX] = {"PrefixTransformer", TF},
	[K_SUFFIX] = {"SuffixTransformer", TF},
	[K_IMAGE] = {"ImageTagTransformer", TF},
	[K_REPLICAS] = {"ReplicaCountTransformer", TF},
	[K_PATCH] = {"PatchTransformer", TF},
	[K_PATCH_SM] = {"PatchStrategicMergeTransformer", TF},
	[K_PATCH_JSON] = {"PatchJson6902Transformer", TF},
	[K_HASH] = {"HashTransformer", UNSUPPORTED},
	[K_REPLACEMENT] = {"ReplacementTransformer", TF},
	[K_VALUE_ADD] = {"ValueAddTransformer", UNSUPPORTED},
};

/* The kustomization field each transformer kind sets (a configurations key for its fieldSpecs too). */
static const char *const tf_fields[][2] = {
	[K_ANNOS] = {"commonAnnotations"},
	[K_LABELS] = {"commonLabels"},
	[K_NS] = {"namespace"},
	[K_PREFIX_SUFFIX] = {"namePrefix", "nameSuffix"},
	[K_PREFIX] = {"namePrefix"},
	[K_SUFFIX] = {"nameSuffix"},
	[K_IMAGE] = {"images"},
	[K_REPLICAS] = {"replicas"},
	[K_PATCH] = {"patches"},
	[K_PATCH_SM] = {"patchesStrategicMerge"},
	[K_PATCH_JSON] = {"patchesJson6902"},
	[K_REPLACEMENT] = {"replacements"},
};

static const struct pn_error *
nomem(void)
{
	return pn_error(PN_ERR_NOMEM);
}

/* Add a copy of src[from] (when present and not null) to dst as `to`: 0 out of memory. */
static int
copy(cJSON *dst, const char *to, const cJSON *src, const char *from)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(src, from);
	cJSON *c;

	if (v == NULL || cJSON_IsNull(v))
		return 1;
	if ((c = cJSON_Duplicate(v, 1)) == NULL)
		return 0;
	cJSON_DeleteItemFromObjectCaseSensitive(dst, to);
	cJSON_AddItemToObject(dst, to, c);
	return 1;
}

/* Append a copy of src[from] (when present and not null) to the list kdoc[name], created when absent (when
 * it is not a list, pn_kust_parse reports it): 0 out of memory. */
static int
append(cJSON *kdoc, const char *name, const cJSON *src, const char *from)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(src, from);
	cJSON *l = cJSON_GetObjectItemCaseSensitive(kdoc, name), *c;

	if (v == NULL || cJSON_IsNull(v))
		return 1;
	if (l == NULL && (l = cJSON_AddArrayToObject(kdoc, name)) == NULL)
		return 0;
	if (!cJSON_IsArray(l))
		return 1;
	if ((c = cJSON_Duplicate(v, 1)) == NULL)
		return 0;
	cJSON_AddItemToArray(l, c);
	return 1;
}

/* "Kind.Version.Group/name.namespace", as kustomize's ResId.String(). */
static void
org_id(const cJSON *cfg, char *buf, size_t cap)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(cfg, "metadata");
	const char *ns = pn_jstr_or_empty(md, "namespace"), *name = pn_jstr_or_empty(md, "name");
	const char *api = pn_jstr_or_empty(cfg, "apiVersion"), *kind = pn_jstr_or_empty(cfg, "kind");
	const char *slash = strchr(api, '/');

	if (slash != NULL)
		snprintf(buf, cap, "%s.%s.%.*s/%s.%s", kind, slash + 1, (int)(slash - api), api, name,
		    ns[0] != '\0' ? ns : "[noNs]");
	else
		snprintf(buf, cap, "%s.%s.[noGrp]/%s.%s", kind, api[0] != '\0' ? api : "[noVer]", name,
		    ns[0] != '\0' ? ns : "[noNs]");
}

/* IAMPolicyGenerator (api/filters/iampolicygenerator): a GKE ServiceAccount bound to a cloud account. */
static const struct pn_error *
iam(const cJSON *cfg, cJSON **obj)
{
	const cJSON *ks = cJSON_GetObjectItemCaseSensitive(cfg, "kubernetesService");
	const cJSON *sa = cJSON_GetObjectItemCaseSensitive(cfg, "serviceAccount");
	cJSON *o = NULL, *md, *an;
	char *account = NULL;

	if (strcmp(pn_jstr_or_empty(cfg, "cloud"), "gke") != 0)
		return pn_error_fmt(PN_ERR_PARSE, "IAMPolicyGenerator: cloud provider %s not supported yet",
		    pn_jstr_or_empty(cfg, "cloud"));
	if (asprintf(&account, "%s@%s.iam.gserviceaccount.com", pn_jstr_or_empty(sa, "name"),
	    pn_jstr_or_empty(sa, "projectId")) < 0)
		return nomem();
	if ((o = cJSON_CreateObject()) == NULL || cJSON_AddStringToObject(o, "apiVersion", "v1") == NULL ||
	    cJSON_AddStringToObject(o, "kind", "ServiceAccount") == NULL ||
	    (md = cJSON_AddObjectToObject(o, "metadata")) == NULL ||
	    (an = cJSON_AddObjectToObject(md, "annotations")) == NULL ||
	    cJSON_AddStringToObject(an, "iam.gke.io/gcp-service-account", account) == NULL ||
	    cJSON_AddStringToObject(md, "name", pn_jstr_or_empty(ks, "name")) == NULL ||
	    (pn_jstr_or_empty(ks, "namespace")[0] != '\0' &&
	    cJSON_AddStringToObject(md, "namespace", pn_jstr_or_empty(ks, "namespace")) == NULL)) {
		free(account);
		cJSON_Delete(o);
		return nomem();
	}
	free(account);
	*obj = o;
	return NULL;
}

/* The fieldSpecs of cfg as a configurations document setting them for the kind's fields (each spec keeps
 * only what a field spec has: kustomize's decoder ignores other keys). */
static int
specs_doc(const cJSON *cfg, enum kind k, cJSON **out)
{
	static const char *const keys[] = {"group", "version", "kind", "path", "create"};
	const cJSON *fs = cJSON_GetObjectItemCaseSensitive(cfg, "fieldSpecs");
	cJSON *doc = cJSON_CreateObject(), *l = NULL;

	if ((*out = doc) == NULL)
		return 0;
	if (k >= K_PATCH)
		return 1;
	if (!cJSON_IsArray(fs))
		return copy(doc, tf_fields[k][0], cfg, "fieldSpecs");	/* nothing, or the error for a non-list */
	for (int f = 0; f < 2 && tf_fields[k][f] != NULL; f++) {
		if ((l = cJSON_AddArrayToObject(doc, tf_fields[k][f])) == NULL)
			return 0;
		for (const cJSON *s = fs->child; s != NULL; s = s->next) {
			cJSON *e = cJSON_IsObject(s) ? cJSON_CreateObject() : cJSON_Duplicate(s, 1);

			if (e == NULL)
				return 0;
			cJSON_AddItemToArray(l, e);
			for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && cJSON_IsObject(s); i++)
				if (!copy(e, keys[i], s, keys[i]))
					return 0;
		}
	}
	return 1;
}

/* The kustomization fields of transformer kind k. */
static int
tf_doc(const cJSON *cfg, enum kind k, cJSON *kdoc)
{
	const char *f = tf_fields[k][0];
	cJSON *l, *e;

	switch (k) {
	case K_ANNOS:
		return copy(kdoc, f, cfg, "annotations");
	case K_LABELS:
		return copy(kdoc, f, cfg, "labels");
	case K_NS:
		return copy(kdoc, f, cJSON_GetObjectItemCaseSensitive(cfg, "metadata"), "namespace");
	case K_PREFIX_SUFFIX:
	case K_PREFIX:
		return copy(kdoc, "namePrefix", cfg, "prefix") &&
		    (k == K_PREFIX || copy(kdoc, "nameSuffix", cfg, "suffix"));
	case K_SUFFIX:
		return copy(kdoc, f, cfg, "suffix");
	case K_REPLACEMENT:
		return copy(kdoc, f, cfg, "replacements");
	case K_IMAGE:
		return append(kdoc, f, cfg, "imageTag");
	case K_REPLICAS:
		return append(kdoc, f, cfg, "replica");
	case K_PATCH:
	case K_PATCH_JSON:
		if ((l = cJSON_AddArrayToObject(kdoc, f)) == NULL || (e = cJSON_CreateObject()) == NULL)
			return 0;
		cJSON_AddItemToArray(l, e);
		return copy(e, "target", cfg, "target") && copy(e, "path", cfg, "path") &&
		    copy(e, "patch", cfg, k == K_PATCH ? "patch" : "jsonOp") && copy(e, "options", cfg, "options");
	case K_PATCH_SM:
		/* the paths, then the inline patches */
		return copy(kdoc, f, cfg, "paths") && append(kdoc, f, cfg, "patches");
	default:
		return 1;
	}
}

/* A ConfigMapGenerator or SecretGenerator config as one generator entry: its name and namespace default to
 * the config's metadata. */
static int
gen_doc(const cJSON *cfg, enum kind k, cJSON *kdoc)
{
	static const char *const keys[] = {"namespace", "name", "behavior", "literals", "files", "envs", "env",
	    "options", "type"};
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(cfg, "metadata");
	cJSON *l = cJSON_AddArrayToObject(kdoc, k == K_CM ? "configMapGenerator" : "secretGenerator");
	cJSON *e = cJSON_CreateObject();

	if (l == NULL || e == NULL)
		return cJSON_Delete(e), 0;
	cJSON_AddItemToArray(l, e);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) - (k == K_CM); i++)
		if (!copy(e, keys[i], cfg, keys[i]) ||
		    (i < 2 && pn_jstr_or_empty(e, keys[i])[0] == '\0' && !copy(e, keys[i], md, keys[i])))
			return 0;
	return 1;
}

const struct pn_error *
pn_plugin_translate(const cJSON *cfg, int gen, cJSON **kdoc, cJSON **specs, cJSON **obj)
{
	const char *kind = pn_jstr_or_empty(cfg, "kind");
	const cJSON *fs;
	char id[PN_RESMAP_ID_MAX];
	size_t k;
	int ok;

	*kdoc = *specs = *obj = NULL;
	/* Flux and kubectl build with PluginRestrictionsBuiltinsOnly */
	if (strcmp(pn_jstr_or_empty(cfg, "apiVersion"), "builtin") != 0)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "external plugins disabled; unable to load external plugin "
		    "'%s'", kind);
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (strcmp(kinds[k].name, kind) == 0)
			break;
	if (k == sizeof(kinds) / sizeof(kinds[0]))
		return pn_error_fmt(PN_ERR_PARSE, "unable to load builtin %s.builtin.[noGrp]", kind);
	if (kinds[k].role == HELM)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "%s: helm charts are not supported (Flux builds with the helm "
		    "generator disabled; use a HelmRelease)", kind);
	if (kinds[k].role == UNSUPPORTED)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "builtin plugin %s is not supported", kind);
	org_id(cfg, id, sizeof(id));
	if ((kinds[k].role == GEN) != (gen != 0))
		return pn_error_fmt(PN_ERR_PARSE, "plugin %s not a %s", id, gen ? "generator" : "transformer");
	fs = cJSON_GetObjectItemCaseSensitive(cfg, "fieldSpecs");
	if ((k == K_PREFIX_SUFFIX || k == K_PREFIX || k == K_SUFFIX) && (fs == NULL || cJSON_IsNull(fs)))
		return pn_error_fmt(PN_ERR_PARSE, "plugin %s fails configuration: fieldSpecs is not expected to be nil",
		    id);
	if (k == K_IAM)
		return iam(cfg, obj);
	if (k == K_NS && (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg, "unsetOnly")) ||
	    (pn_jstr_or_empty(cfg, "setRoleBindingSubjects")[0] != '\0' &&
	    strcmp(pn_jstr_or_empty(cfg, "setRoleBindingSubjects"), "defaultOnly") != 0)))
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "NamespaceTransformer: unsetOnly and setRoleBindingSubjects "
		    "other than defaultOnly are not supported");
	if ((*kdoc = cJSON_CreateObject()) == NULL)
		return nomem();
	ok = gen ? gen_doc(cfg, (enum kind)k, *kdoc) : tf_doc(cfg, (enum kind)k, *kdoc) &&
	    specs_doc(cfg, (enum kind)k, specs);
	if (!ok) {
		cJSON_Delete(*kdoc);
		cJSON_Delete(*specs);
		*kdoc = *specs = NULL;
		return nomem();
	}
	return NULL;
}

const struct pn_error *
pn_plugin_snapshot(struct pn_resmap *ra, struct pn_spool_slot **out, size_t *n)
{
	const struct pn_error *err = NULL;

	*n = 0;
	if ((*out = calloc(ra->n + 1, sizeof(**out))) == NULL)
		return nomem();
	for (size_t k = 0; k < ra->n && err == NULL; k++) {
		const struct pn_error *spill;

		if ((err = pn_res_load(ra, &ra->v[k])) == NULL &&
		    (err = pn_spool_put(ra->spool, ra->v[k].obj, &(*out)[k])) == NULL)
			(*n)++;
		if ((spill = pn_res_spill(ra, &ra->v[k])) != NULL && err == NULL)
			err = spill;
	}
	return err;
}

const struct pn_error *
pn_plugin_unchanged(struct pn_resmap *ra, const struct pn_spool_slot *snap, size_t n)
{
	const struct pn_error *err = NULL;
	char id[PN_RESMAP_ID_MAX];

	if (ra->n != n)
		return pn_error_fmt(PN_ERR_PARSE, "validator shouldn't modify the resource map: lists have different "
		    "number of entries: %zu doesn't equal %zu", n, ra->n);
	for (size_t k = 0; k < n && err == NULL; k++) {
		struct pn_res *r = &ra->v[k];
		const struct pn_error *spill;
		cJSON *old = NULL;

		if ((err = pn_res_load(ra, r)) == NULL && (err = pn_spool_get(ra->spool, &snap[k], &old)) == NULL &&
		    !cJSON_Compare(old, r->obj, 1)) {
			pn_res_id(r, id, sizeof(id));
			err = pn_error_fmt(PN_ERR_PARSE, "validator shouldn't modify the resource map: nodes "
			    "unequal: %s", id);
		}
		cJSON_Delete(old);
		if ((spill = pn_res_spill(ra, r)) != NULL && err == NULL)
			err = spill;
	}
	return err;
}

const struct pn_error *
pn_plugin_origin(const cJSON *cfg, const char *kust_origin, int item, const struct pn_yaml_limits *yaml, char **out)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(cfg, "metadata");
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(md, "annotations"),
	    PN_BUILDMETA_ORIGIN_KEY);
	const struct pn_error *err;
	struct pn_yaml_docs docs = {0};
	const cJSON *path = NULL;

	*out = NULL;
	if (kust_origin == NULL)
		return NULL;
	if (cJSON_IsString(o) && pn_yaml_parse("origin", o->valuestring, strlen(o->valuestring), yaml, &docs) == NULL &&
	    docs.n == 1)
		path = cJSON_GetObjectItemCaseSensitive(docs.v[0].root, "path");
	err = pn_buildmeta_configured(cJSON_IsString(path) ? path->valuestring : kust_origin,
	    pn_jstr_or_empty(cfg, "apiVersion"), pn_jstr_or_empty(cfg, "kind"), pn_jstr_or_empty(md, "name"),
	    pn_jstr_or_empty(md, "namespace"), item, out);
	pn_yaml_docs_release(&docs);
	return err;
}

const struct pn_error *
pn_plugin_generated(const cJSON *cfg, const char *kust_origin, const struct pn_yaml_limits *yaml,
    struct pn_resmap *ra, size_t from)
{
	const struct pn_error *err;
	char *by = NULL;

	if ((err = pn_plugin_origin(cfg, kust_origin, 0, yaml, &by)) != NULL || by == NULL)
		return err;
	for (size_t i = from; i < ra->n && err == NULL; i++)
		if ((err = pn_res_load(ra, &ra->v[i])) == NULL &&
		    (err = pn_buildmeta_set_origin(ra->v[i].obj, NULL, by)) == NULL)
			err = pn_res_spill(ra, &ra->v[i]);
	free(by);
	return err;
}
