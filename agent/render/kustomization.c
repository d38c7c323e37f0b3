/*
 * The kustomization model and `configurations` (see kustomization.h).
 */
#include "kustomization.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/banned.h"

#define API_KUSTOMIZATION "kustomize.config.k8s.io/v1beta1"
#define API_COMPONENT "kustomize.config.k8s.io/v1alpha1"

/*
 * The Go types of the kustomization's fields, for encoding/json's type errors (kustomize decodes the file with
 * sigs.k8s.io/yaml into types.Kustomization): "json: cannot unmarshal bool into Go struct field
 * Label.labels.pairs of type string". The struct named is the one holding the field (embedded structs
 * flattened: ConfigMapArgs, not GeneratorArgs), the path is the JSON field names from the top without indexes.
 * JSON null decodes into anything.
 */
enum ty { T_ANY, T_STR, T_BOOL, T_INT, T_STRS, T_SMAP, T_BMAP, T_OBJ, T_OBJS };

struct sdef;
struct fdef {
	const char *key;
	enum ty ty;
	const struct sdef *sub;	/* T_OBJ, T_OBJS */
};
struct sdef {
	const char *name;	/* Go type name without the package */
	const struct fdef *f;
};

#define END {NULL, T_ANY, NULL}
static const struct fdef selector_f[] = {{"group", T_STR, NULL}, {"version", T_STR, NULL}, {"kind", T_STR, NULL},
	{"name", T_STR, NULL}, {"namespace", T_STR, NULL}, {"labelSelector", T_STR, NULL},
	{"annotationSelector", T_STR, NULL}, END};
static const struct sdef selector = {"Selector", selector_f};
static const struct fdef fieldspec_f[] = {{"group", T_STR, NULL}, {"version", T_STR, NULL},
	{"kind", T_STR, NULL}, {"path", T_STR, NULL}, {"create", T_BOOL, NULL}, END};
static const struct sdef fieldspec = {"FieldSpec", fieldspec_f};
static const struct fdef label_f[] = {{"pairs", T_SMAP, NULL}, {"includeSelectors", T_BOOL, NULL},
	{"includeTemplates", T_BOOL, NULL}, {"fields", T_OBJS, &fieldspec}, END};
static const struct sdef label = {"Label", label_f};
static const struct fdef image_f[] = {{"name", T_STR, NULL}, {"newName", T_STR, NULL},
	{"newTag", T_STR, NULL}, {"digest", T_STR, NULL}, {"tagSuffix", T_STR, NULL}, END};
static const struct sdef image = {"Image", image_f};
static const struct fdef replica_f[] = {{"name", T_STR, NULL}, {"count", T_INT, NULL}, END};
static const struct sdef replica = {"Replica", replica_f};
static const struct fdef patch_f[] = {{"path", T_STR, NULL}, {"patch", T_STR, NULL},
	{"target", T_OBJ, &selector}, {"options", T_BMAP, NULL}, END};
static const struct sdef patch = {"Patch", patch_f};
static const struct fdef genopt_f[] = {{"labels", T_SMAP, NULL}, {"annotations", T_SMAP, NULL},
	{"disableNameSuffixHash", T_BOOL, NULL}, {"immutable", T_BOOL, NULL}, END};
static const struct sdef genopt = {"GeneratorOptions", genopt_f};
static const struct fdef target_f[] = {{"apiVersion", T_STR, NULL}, {"group", T_STR, NULL},
	{"version", T_STR, NULL}, {"kind", T_STR, NULL}, {"name", T_STR, NULL}, {"namespace", T_STR, NULL}, END};
static const struct sdef target = {"Target", target_f};
static const struct fdef fieldsel_f[] = {{"fieldPath", T_STR, NULL}, END};
static const struct sdef fieldsel = {"FieldSelector", fieldsel_f};
static const struct fdef var_f[] = {{"name", T_STR, NULL}, {"objref", T_OBJ, &target},
	{"fieldref", T_OBJ, &fieldsel}, END};
static const struct sdef var = {"Var", var_f};
#define GEN_ARGS {"namespace", T_STR, NULL}, {"name", T_STR, NULL}, {"behavior", T_STR, NULL}, \
	{"literals", T_STRS, NULL}, {"files", T_STRS, NULL}, {"envs", T_STRS, NULL}, {"env", T_STR, NULL}, \
	{"options", T_OBJ, &genopt}
static const struct fdef cmargs_f[] = {GEN_ARGS, END};
static const struct sdef cmargs = {"ConfigMapArgs", cmargs_f};
static const struct fdef secargs_f[] = {GEN_ARGS, {"type", T_STR, NULL}, END};
static const struct sdef secargs = {"SecretArgs", secargs_f};
static const struct fdef fieldopt_f[] = {{"delimiter", T_STR, NULL}, {"index", T_INT, NULL},
	{"encoding", T_STR, NULL}, {"create", T_BOOL, NULL}, END};
static const struct sdef fieldopt = {"FieldOptions", fieldopt_f};
static const struct fdef source_f[] = {{"group", T_STR, NULL}, {"version", T_STR, NULL}, {"kind", T_STR, NULL},
	{"name", T_STR, NULL}, {"namespace", T_STR, NULL}, {"fieldPath", T_STR, NULL}, {"options", T_OBJ, &fieldopt},
	END};
static const struct sdef source = {"SourceSelector", source_f};
static const struct fdef tsel_f[] = {{"select", T_OBJ, &selector}, {"reject", T_OBJS, &selector},
	{"fieldPaths", T_STRS, NULL}, {"options", T_OBJ, &fieldopt}, END};
static const struct sdef tsel = {"TargetSelector", tsel_f};
static const struct fdef repl_f[] = {{"path", T_STR, NULL}, {"source", T_OBJ, &source},
	{"targets", T_OBJS, &tsel}, END};
static const struct sdef repl = {"ReplacementField", repl_f};
static const struct fdef legacy_f[] = {{"orderFirst", T_STRS, NULL}, {"orderLast", T_STRS, NULL}, END};
static const struct sdef legacy = {"LegacySortOptions", legacy_f};
static const struct fdef sortopt_f[] = {{"order", T_STR, NULL}, {"legacySortOptions", T_OBJ, &legacy}, END};
static const struct sdef sortopt = {"SortOptions", sortopt_f};

static const struct {
	struct fdef f;
	size_t off;	/* offsetof the pointer in struct pn_kust, or (size_t)-1: accepted and ignored */
	int unsupported;
} fields[] = {
	{{"apiVersion", T_STR, NULL}, (size_t)-1, 0},
	{{"kind", T_STR, NULL}, (size_t)-1, 0},
	{{"metadata", T_ANY, NULL}, (size_t)-1, 0},
	{{"resources", T_STRS, NULL}, offsetof(struct pn_kust, resources), 0},
	{{"bases", T_STRS, NULL}, offsetof(struct pn_kust, bases), 0},
	{{"components", T_STRS, NULL}, offsetof(struct pn_kust, components), 0},
	{{"namespace", T_STR, NULL}, offsetof(struct pn_kust, namespace_), 0},
	{{"namePrefix", T_STR, NULL}, offsetof(struct pn_kust, name_prefix), 0},
	{{"nameSuffix", T_STR, NULL}, offsetof(struct pn_kust, name_suffix), 0},
	{{"commonLabels", T_SMAP, NULL}, offsetof(struct pn_kust, common_labels), 0},
	{{"labels", T_OBJS, &label}, offsetof(struct pn_kust, labels), 0},
	{{"commonAnnotations", T_SMAP, NULL}, offsetof(struct pn_kust, common_annotations), 0},
	{{"images", T_OBJS, &image}, offsetof(struct pn_kust, images), 0},
	{{"imageTags", T_OBJS, &image}, offsetof(struct pn_kust, image_tags), 0},
	{{"replicas", T_OBJS, &replica}, offsetof(struct pn_kust, replicas), 0},
	{{"patches", T_OBJS, &patch}, offsetof(struct pn_kust, patches), 0},
	{{"patchesStrategicMerge", T_STRS, NULL}, offsetof(struct pn_kust, patches_sm), 0},
	{{"patchesJson6902", T_OBJS, &patch}, offsetof(struct pn_kust, patches_json), 0},
	{{"configMapGenerator", T_OBJS, &cmargs}, offsetof(struct pn_kust, cm_gen), 0},
	{{"secretGenerator", T_OBJS, &secargs}, offsetof(struct pn_kust, secret_gen), 0},
	{{"generatorOptions", T_OBJ, &genopt}, offsetof(struct pn_kust, gen_options), 0},
	{{"configurations", T_STRS, NULL}, offsetof(struct pn_kust, configurations), 0},
	{{"openapi", T_SMAP, NULL}, offsetof(struct pn_kust, openapi), 0},
	{{"replacements", T_OBJS, &repl}, offsetof(struct pn_kust, replacements), 0},
	{{"vars", T_OBJS, &var}, offsetof(struct pn_kust, vars), 0},
	{{"sortOptions", T_OBJ, &sortopt}, offsetof(struct pn_kust, sort_options), 0},
	{{"crds", T_STRS, NULL}, offsetof(struct pn_kust, crds), 0},
	{{"helmGlobals", T_ANY, NULL}, (size_t)-1, 1},
	{{"helmCharts", T_ANY, NULL}, (size_t)-1, 1},
	{{"helmChartInflationGenerator", T_ANY, NULL}, (size_t)-1, 1},
	{{"generators", T_STRS, NULL}, offsetof(struct pn_kust, generators), 0},
	{{"transformers", T_STRS, NULL}, offsetof(struct pn_kust, transformers), 0},
	{{"validators", T_STRS, NULL}, offsetof(struct pn_kust, validators), 0},
	{{"buildMetadata", T_STRS, NULL}, offsetof(struct pn_kust, build_metadata), 0},
};

/* Bytes of a field path in a type error ("configMapGenerator.options.labels"). */
#define PATH_MAX_LEN 256

static const char *
json_type(const cJSON *v)
{
	return cJSON_IsString(v) ? "string" : cJSON_IsBool(v) ? "bool" : cJSON_IsArray(v) ? "array" :
	    cJSON_IsObject(v) ? "object" : "number";
}

static const struct pn_error *
type_error(const char *kfile, const cJSON *v, const char *strct, const char *path, const char *gotype)
{
	return pn_error_fmt(PN_ERR_PARSE, "%s: invalid Kustomization: json: cannot unmarshal %s into Go struct field "
	    "%s.%s of type %s", kfile, json_type(v), strct, path, gotype);
}

static const struct pn_error *check_field(const char *kfile, const cJSON *v, const struct fdef *f,
    const char *strct, const char *path);

static int
by_key(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

/* The members of obj sorted by key, as sigs.k8s.io/yaml hands them to encoding/json (it marshals the YAML's
 * maps, whose keys Go sorts): the first type error kustomize reports is the first in that order. The caller
 * frees *out. */
static const struct pn_error *
sorted_members(const cJSON *obj, const cJSON ***out, size_t *n)
{
	size_t k = 0;

	*n = 0;
	for (const cJSON *m = obj->child; m != NULL; m = m->next)
		(*n)++;
	if ((*out = calloc(*n + 1, sizeof(**out))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	for (const cJSON *m = obj->child; m != NULL; m = m->next)
		(*out)[k++] = m;
	qsort(*out, *n, sizeof(**out), by_key);
	return NULL;
}

/* The members of one struct value (unknown keys are left to the code that reads them). */
static const struct pn_error *
check_struct(const char *kfile, const cJSON *obj, const struct sdef *sd, const char *path)
{
	const struct pn_error *err;
	char sub[PATH_MAX_LEN];
	const cJSON **v;
	size_t n;

	if ((err = sorted_members(obj, &v, &n)) != NULL)
		return err;
	for (size_t k = 0; k < n && err == NULL; k++) {
		const cJSON *m = v[k];

		for (const struct fdef *f = sd->f; f->key != NULL; f++) {
			if (strcasecmp(f->key, m->string) != 0)	/* Go's encoding/json */
				continue;
			snprintf(sub, sizeof(sub), "%s.%s", path, f->key);
			err = check_field(kfile, m, f, sd->name, sub);
			break;
		}
	}
	free(v);
	return err;
}

static const struct pn_error *
check_field(const char *kfile, const cJSON *v, const struct fdef *f, const char *strct, const char *path)
{
	static const char *const gotypes[] = {"", "string", "bool", "int64", "[]string", "map[string]string",
		"map[string]bool"};
	char gotype[64];

	if (cJSON_IsNull(v) || f->ty == T_ANY)
		return NULL;
	if (f->ty == T_OBJ || f->ty == T_OBJS)
		snprintf(gotype, sizeof(gotype), "%stypes.%s", f->ty == T_OBJS ? "[]" : "", f->sub->name);
	else
		snprintf(gotype, sizeof(gotype), "%s", gotypes[f->ty]);
	switch (f->ty) {
	case T_STR:
		return cJSON_IsString(v) ? NULL : type_error(kfile, v, strct, path, gotype);
	case T_BOOL:
		return cJSON_IsBool(v) ? NULL : type_error(kfile, v, strct, path, gotype);
	case T_INT:
		return cJSON_IsRaw(v) || cJSON_IsNumber(v) ? NULL : type_error(kfile, v, strct, path, gotype);
	case T_STRS:
	case T_SMAP:
	case T_BMAP:
		if (f->ty == T_STRS ? !cJSON_IsArray(v) : !cJSON_IsObject(v))
			return type_error(kfile, v, strct, path, gotype);
		for (const cJSON *e = v->child; e != NULL; e = e->next)
			if (!cJSON_IsNull(e) && (f->ty == T_BMAP ? !cJSON_IsBool(e) : !cJSON_IsString(e)))
				return type_error(kfile, e, strct, path, f->ty == T_BMAP ? "bool" : "string");
		return NULL;
	case T_OBJ:
		return cJSON_IsObject(v) ? check_struct(kfile, v, f->sub, path) :
		    type_error(kfile, v, strct, path, gotype);
	default: {	/* T_OBJS */
		const struct pn_error *err;

		if (!cJSON_IsArray(v))
			return type_error(kfile, v, strct, path, gotype);
		for (const cJSON *e = v->child; e != NULL; e = e->next) {
			if (cJSON_IsNull(e))
				continue;
			if (!cJSON_IsObject(e))
				return type_error(kfile, e, strct, path, gotype + 2);
			if ((err = check_struct(kfile, e, f->sub, path)) != NULL)
				return err;
		}
		return NULL;
	}
	}
}

const struct pn_error *
pn_kust_check_replacement(const char *file, const cJSON *r)
{
	if (cJSON_IsNull(r))
		return NULL;
	return cJSON_IsObject(r) ? check_struct(file, r, &repl, "replacements") :
	    type_error(file, r, "Kustomization", "replacements", "[]types.ReplacementField");
}

const struct pn_error *
pn_kust_parse(const char *kfile, const cJSON *k, struct pn_kust *out)
{
	const cJSON *api = cJSON_GetObjectItemCaseSensitive(k, "apiVersion");
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(k, "kind");
	const struct pn_error *err;
	const cJSON **v;
	size_t n;

	memset(out, 0, sizeof(*out));
	/* the first error in sorted key order, as kustomize reports it (sorted_members) */
	if ((err = sorted_members(k, &v, &n)) != NULL)
		return err;
	for (size_t m = 0; m < n && err == NULL; m++) {
		const cJSON *f = v[m];
		size_t i;

		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (strcasecmp(fields[i].f.key, f->string) == 0)	/* Go's encoding/json */
				break;
		if (i == sizeof(fields) / sizeof(fields[0]))
			err = pn_error_fmt(PN_ERR_PARSE, "%s: invalid Kustomization: json: unknown field \"%.128s\"",
			    kfile, f->string);
		else
			err = check_field(kfile, f, &fields[i].f, "Kustomization", fields[i].f.key);
	}
	free(v);
	if (err != NULL)
		return err;
	if (cJSON_IsString(kind) && strcmp(kind->valuestring, "Component") == 0)
		out->component = 1;
	else if (kind != NULL && (!cJSON_IsString(kind) || strcmp(kind->valuestring, "Kustomization") != 0))
		return pn_error_fmt(PN_ERR_PARSE, "%s: kind should be Kustomization or Component", kfile);
	if (api != NULL && (!cJSON_IsString(api) || strcmp(api->valuestring,
	    out->component ? API_COMPONENT : API_KUSTOMIZATION) != 0))
		return pn_error_fmt(PN_ERR_PARSE, "%s: apiVersion for %s should be %s", kfile,
		    out->component ? "Component" : "Kustomization", out->component ? API_COMPONENT : API_KUSTOMIZATION);
	for (const cJSON *f = k->child; f != NULL; f = f->next) {
		size_t i;

		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (strcasecmp(fields[i].f.key, f->string) == 0)
				break;
		if (fields[i].unsupported) {
			if (strncmp(f->string, "helm", 4) == 0)
				return pn_error_fmt(PN_ERR_UNSUPPORTED, "%s: %s: helm charts are not supported (Flux "
				    "builds with the helm generator disabled; use a HelmRelease)", kfile, f->string);
			return pn_error_fmt(PN_ERR_UNSUPPORTED, "%s: kustomization key \"%s\" is not supported", kfile,
			    f->string);
		}
		if (!cJSON_IsNull(f) && fields[i].off != (size_t)-1)
			*(const cJSON **)(void *)((char *)out + fields[i].off) = f;
	}
	return NULL;
}

/* ---- configurations ---- */

static const struct pn_error *
read_spec(const char *file, const char *key, const cJSON *e, struct pn_fieldspec *fs)
{
	const cJSON *v;

	if (!cJSON_IsObject(e))
		return pn_error_fmt(PN_ERR_PARSE, "%s: %s: a field spec must be a mapping", file, key);
	memset(fs, 0, sizeof(*fs));
	for (v = e->child; v != NULL; v = v->next) {
		const char **dst = NULL;

		if (strcmp(v->string, "group") == 0)
			dst = &fs->group;
		else if (strcmp(v->string, "version") == 0)
			dst = &fs->version;
		else if (strcmp(v->string, "kind") == 0)
			dst = &fs->kind;
		else if (strcmp(v->string, "path") == 0)
			dst = &fs->path;
		else if (strcmp(v->string, "create") == 0)
			fs->create = cJSON_IsTrue(v);
		else if (strcmp(v->string, "behavior") != 0)	/* nameReference's old field */
			return pn_error_fmt(PN_ERR_PARSE, "%s: %s: unknown field spec key \"%.128s\"", file, key,
			    v->string);
		if (dst != NULL) {
			if (!cJSON_IsString(v))
				return pn_error_fmt(PN_ERR_PARSE, "%s: %s: %s must be a string", file, key, v->string);
			*dst = v->valuestring;
		}
	}
	if (fs->path == NULL || fs->path[0] == '\0')
		return pn_error_fmt(PN_ERR_PARSE, "%s: %s: a field spec has no path", file, key);
	return NULL;
}

static const struct pn_error *
add_specs(const char *file, const char *key, const cJSON *list, struct pn_fieldspec **v, size_t *n)
{
	const struct pn_error *err;
	size_t add = (size_t)cJSON_GetArraySize(list);
	struct pn_fieldspec *nv;

	if (!cJSON_IsArray(list))
		return pn_error_fmt(PN_ERR_PARSE, "%s: %s must be a list", file, key);
	if (add > PN_KUST_MAX_CONFIG_SPECS - *n)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s: more than %d field specs", file, PN_KUST_MAX_CONFIG_SPECS);
	if ((nv = realloc(*v, (*n + add + 1) * sizeof(*nv))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	*v = nv;
	for (const cJSON *e = list->child; e != NULL; e = e->next)
		if ((err = read_spec(file, key, e, &nv[(*n)++])) != NULL) {
			(*n)--;
			nv[*n].path = NULL;
			return err;
		}
	nv[*n].path = NULL;
	return NULL;
}

static const struct pn_error *
add_namerefs(struct pn_kust_config *c, const char *file, const cJSON *list)
{
	const struct pn_error *err;

	if (!cJSON_IsArray(list))
		return pn_error_fmt(PN_ERR_PARSE, "%s: nameReference must be a list", file);
	for (const cJSON *r = list->child; r != NULL; r = r->next) {
		const cJSON *specs = cJSON_GetObjectItemCaseSensitive(r, "fieldSpecs");
		const cJSON *kind = cJSON_GetObjectItemCaseSensitive(r, "kind");
		const cJSON *g = cJSON_GetObjectItemCaseSensitive(r, "group");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, "version");
		size_t add = (size_t)cJSON_GetArraySize(specs);
		struct pn_nameref *nv;

		if (!cJSON_IsString(kind) || (specs != NULL && !cJSON_IsArray(specs)))
			return pn_error_fmt(PN_ERR_PARSE, "%s: a nameReference needs a kind and a fieldSpecs list", file);
		if (add > PN_KUST_MAX_CONFIG_SPECS - c->nrefs)
			return pn_error_fmt(PN_ERR_TOO_LARGE, "%s: more than %d field specs", file,
			    PN_KUST_MAX_CONFIG_SPECS);
		if ((nv = realloc(c->namerefs, (c->nrefs + add + 1) * sizeof(*nv))) == NULL)
			return pn_error(PN_ERR_NOMEM);
		c->namerefs = nv;
		for (const cJSON *e = specs != NULL ? specs->child : NULL; e != NULL; e = e->next) {
			struct pn_nameref *nr = &nv[c->nrefs];

			memset(nr, 0, sizeof(*nr));
			nr->referral.kind = kind->valuestring;
			nr->referral.group = cJSON_IsString(g) ? g->valuestring : NULL;
			nr->referral.version = cJSON_IsString(v) ? v->valuestring : NULL;
			if ((err = read_spec(file, "nameReference", e, &nr->spec)) != NULL) {
				nv[c->nrefs].spec.path = NULL;
				return err;
			}
			c->nrefs++;
		}
		nv[c->nrefs].spec.path = NULL;
	}
	return NULL;
}

const struct pn_error *
pn_kust_config_add(struct pn_kust_config *c, const char *file, cJSON *doc)
{
	const struct pn_error *err = NULL;
	cJSON **nd;

	if ((nd = realloc(c->docs, (c->ndocs + 1) * sizeof(*nd))) == NULL) {
		cJSON_Delete(doc);
		return pn_error(PN_ERR_NOMEM);
	}
	c->docs = nd;
	c->docs[c->ndocs++] = doc;
	if (!cJSON_IsObject(doc))
		return pn_error_fmt(PN_ERR_PARSE, "%s: a configurations file must be a mapping", file);
	for (const cJSON *f = doc->child; f != NULL && err == NULL; f = f->next) {
		if (cJSON_IsNull(f))
			continue;
		if (strcmp(f->string, "nameReference") == 0)
			err = add_namerefs(c, file, f);
		else if (strcmp(f->string, "namespace") == 0)
			err = add_specs(file, f->string, f, &c->namespace_specs, &c->nns);
		else if (strcmp(f->string, "commonLabels") == 0)
			err = add_specs(file, f->string, f, &c->common_labels, &c->nlabels);
		else if (strcmp(f->string, "commonAnnotations") == 0)
			err = add_specs(file, f->string, f, &c->common_annotations, &c->nannos);
		else if (strcmp(f->string, "labels") == 0)
			err = add_specs(file, f->string, f, &c->labels, &c->nlabels2);
		else if (strcmp(f->string, "templateLabels") == 0)
			err = add_specs(file, f->string, f, &c->template_labels, &c->ntemplates);
		else if (strcmp(f->string, "images") == 0)
			err = add_specs(file, f->string, f, &c->images, &c->nimages);
		else if (strcmp(f->string, "namePrefix") == 0)
			err = add_specs(file, f->string, f, &c->name_prefix, &c->nprefix);
		else if (strcmp(f->string, "nameSuffix") == 0)
			err = add_specs(file, f->string, f, &c->name_suffix, &c->nsuffix);
		else if (strcmp(f->string, "varReference") == 0)
			err = add_specs(file, f->string, f, &c->var_refs, &c->nvarrefs);
		else if (strcmp(f->string, "replicas") == 0)
			err = add_specs(file, f->string, f, &c->replicas, &c->nreplicas);
		else
			err = pn_error_fmt(PN_ERR_PARSE, "%s: unknown configurations key \"%.128s\"", file, f->string);
	}
	return err;
}

void
pn_kust_config_release(struct pn_kust_config *c)
{
	free(c->namespace_specs);
	free(c->common_labels);
	free(c->common_annotations);
	free(c->labels);
	free(c->template_labels);
	free(c->images);
	free(c->name_prefix);
	free(c->name_suffix);
	free(c->var_refs);
	free(c->replicas);
	free(c->namerefs);
	for (size_t k = 0; k < c->ndocs; k++)
		cJSON_Delete(c->docs[k]);
	free(c->docs);
	memset(c, 0, sizeof(*c));
}
