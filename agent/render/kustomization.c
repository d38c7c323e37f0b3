/*
 * The kustomization model and `configurations` (see kustomization.h).
 */
#include "kustomization.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/banned.h"

#define API_KUSTOMIZATION "kustomize.config.k8s.io/v1beta1"
#define API_COMPONENT "kustomize.config.k8s.io/v1alpha1"

enum shape { ANY, STR, LIST, MAP };

static const struct {
	const char *key;
	enum shape shape;
	size_t off;	/* offsetof the pointer in struct pn_kust, or (size_t)-1: accepted and ignored */
	int unsupported;
} fields[] = {
	{"apiVersion", STR, (size_t)-1, 0},
	{"kind", STR, (size_t)-1, 0},
	{"metadata", MAP, (size_t)-1, 0},
	{"resources", LIST, offsetof(struct pn_kust, resources), 0},
	{"bases", LIST, offsetof(struct pn_kust, bases), 0},
	{"components", LIST, offsetof(struct pn_kust, components), 0},
	{"namespace", STR, offsetof(struct pn_kust, namespace_), 0},
	{"namePrefix", STR, offsetof(struct pn_kust, name_prefix), 0},
	{"nameSuffix", STR, offsetof(struct pn_kust, name_suffix), 0},
	{"commonLabels", MAP, offsetof(struct pn_kust, common_labels), 0},
	{"labels", LIST, offsetof(struct pn_kust, labels), 0},
	{"commonAnnotations", MAP, offsetof(struct pn_kust, common_annotations), 0},
	{"images", LIST, offsetof(struct pn_kust, images), 0},
	{"imageTags", LIST, offsetof(struct pn_kust, image_tags), 0},
	{"replicas", LIST, offsetof(struct pn_kust, replicas), 0},
	{"patches", LIST, offsetof(struct pn_kust, patches), 0},
	{"patchesStrategicMerge", LIST, offsetof(struct pn_kust, patches_sm), 0},
	{"patchesJson6902", LIST, offsetof(struct pn_kust, patches_json), 0},
	{"configMapGenerator", LIST, offsetof(struct pn_kust, cm_gen), 0},
	{"secretGenerator", LIST, offsetof(struct pn_kust, secret_gen), 0},
	{"generatorOptions", MAP, offsetof(struct pn_kust, gen_options), 0},
	{"configurations", LIST, offsetof(struct pn_kust, configurations), 0},
	{"openapi", ANY, (size_t)-1, 1},
	{"replacements", ANY, (size_t)-1, 1},
	{"vars", ANY, (size_t)-1, 1},
	{"sortOptions", MAP, offsetof(struct pn_kust, sort_options), 0},
	{"crds", ANY, (size_t)-1, 1},
	{"helmGlobals", ANY, (size_t)-1, 1},
	{"helmCharts", ANY, (size_t)-1, 1},
	{"helmChartInflationGenerator", ANY, (size_t)-1, 1},
	{"generators", ANY, (size_t)-1, 1},
	{"transformers", ANY, (size_t)-1, 1},
	{"validators", ANY, (size_t)-1, 1},
	{"buildMetadata", ANY, (size_t)-1, 1},
};

static int
shape_ok(const cJSON *v, enum shape s)
{
	switch (s) {
	case STR:
		return cJSON_IsString(v);
	case LIST:
		return cJSON_IsArray(v);
	case MAP:
		return cJSON_IsObject(v);
	default:
		return 1;
	}
}

const struct pn_error *
pn_kust_parse(const char *kfile, const cJSON *k, struct pn_kust *out)
{
	static const char *const shapes[] = {"anything", "a string", "a list", "a mapping"};
	const cJSON *api = cJSON_GetObjectItemCaseSensitive(k, "apiVersion");
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(k, "kind");

	memset(out, 0, sizeof(*out));
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
			if (strcasecmp(fields[i].key, f->string) == 0)	/* Go's encoding/json */
				break;
		if (i == sizeof(fields) / sizeof(fields[0]))
			return pn_error_fmt(PN_ERR_PARSE, "%s: invalid Kustomization: json: unknown field \"%.128s\"",
			    kfile, f->string);
		if (fields[i].unsupported) {
			if (strncmp(f->string, "helm", 4) == 0)
				return pn_error_fmt(PN_ERR_UNSUPPORTED, "%s: %s: helm charts are not supported (Flux "
				    "builds with the helm generator disabled; use a HelmRelease)", kfile, f->string);
			return pn_error_fmt(PN_ERR_UNSUPPORTED, "%s: kustomization key \"%s\" is not supported", kfile,
			    f->string);
		}
		if (cJSON_IsNull(f))
			continue;
		if (!shape_ok(f, fields[i].shape))
			return pn_error_fmt(PN_ERR_PARSE, "%s: %s must be %s", kfile, f->string, shapes[fields[i].shape]);
		if (fields[i].off != (size_t)-1)
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
		else if (strcmp(f->string, "varReference") != 0 && strcmp(f->string, "namePrefix") != 0 &&
		    strcmp(f->string, "nameSuffix") != 0 && strcmp(f->string, "replicas") != 0)
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
	free(c->namerefs);
	for (size_t k = 0; k < c->ndocs; k++)
		cJSON_Delete(c->docs[k]);
	free(c->docs);
	memset(c, 0, sizeof(*c));
}
