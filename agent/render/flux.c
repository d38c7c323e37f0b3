/*
 * A Flux Kustomization's part of a build (see flux.h).
 */
#include "flux.h"

#include "build.h"
#include "fieldspec.h"
#include "subst.h"
#include "transform.h"
#include "../core/banned.h"

/* commonMetadata sets metadata only, not templates or selectors (kustomize's commonLabels does) */
static const struct pn_fieldspec labels[] = {{NULL, NULL, NULL, "metadata/labels", 1}, {0}};
static const struct pn_fieldspec annos[] = {{NULL, NULL, NULL, "metadata/annotations", 1}, {0}};
static const char *const what[] = {"commonMetadata.labels", "commonMetadata.annotations"};

/* Set doc[key] to a copy of v (a string when s is given). */
static const struct pn_error *
doc_set(cJSON *doc, const char *key, const char *s)
{
	cJSON *v = cJSON_CreateString(s);

	if (v == NULL)
		return pn_error(PN_ERR_NOMEM);
	if (cJSON_HasObjectItem(doc, key))
		cJSON_ReplaceItemInObjectCaseSensitive(doc, key, v);
	else
		cJSON_AddItemToObject(doc, key, v);
	return NULL;
}

/* Append copies of list's elements to the list doc[key] (created when absent). */
static const struct pn_error *
doc_append(cJSON *doc, const char *key, const cJSON *list)
{
	cJSON *dst = cJSON_GetObjectItemCaseSensitive(doc, key);

	if (list == NULL || cJSON_IsNull(list))
		return NULL;
	if (!cJSON_IsArray(list))
		return pn_error_fmt(PN_ERR_USAGE, "flux %s must be a list", key);
	if (dst == NULL || cJSON_IsNull(dst)) {
		cJSON *a = cJSON_CreateArray();

		if (a == NULL)
			return pn_error(PN_ERR_NOMEM);
		if (dst != NULL)
			cJSON_ReplaceItemInObjectCaseSensitive(doc, key, a);
		else
			cJSON_AddItemToObject(doc, key, a);
		dst = a;
	}
	if (!cJSON_IsArray(dst))
		return NULL;	/* pn_kust_parse reports it */
	for (const cJSON *e = list->child; e != NULL; e = e->next) {
		cJSON *c = cJSON_Duplicate(e, 1);

		if (c == NULL)
			return pn_error(PN_ERR_NOMEM);
		cJSON_AddItemToArray(dst, c);
	}
	return NULL;
}

const struct pn_error *
pn_flux_merge(const struct pn_build_flux *f, cJSON *doc, int existing)
{
	const struct pn_error *err = NULL;
	cJSON *bm;

	if (f == NULL)
		return NULL;
	/* fluxcd/pkg's generator: a file without resources gets buildMetadata [originAnnotations] (its way around
	 * "kustomization.yaml is empty"), so the objects of such a file carry their origin */
	if (existing && cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "resources")) == 0) {
		static const char *const origins[] = {"originAnnotations"};

		if ((bm = cJSON_CreateStringArray(origins, 1)) == NULL)
			return pn_error(PN_ERR_NOMEM);
		cJSON_DeleteItemFromObjectCaseSensitive(doc, "buildMetadata");
		cJSON_AddItemToObject(doc, "buildMetadata", bm);
	}
	if (f->target_namespace != NULL && f->target_namespace[0] != '\0')
		err = doc_set(doc, "namespace", f->target_namespace);
	if (err == NULL && f->name_prefix != NULL && f->name_prefix[0] != '\0')
		err = doc_set(doc, "namePrefix", f->name_prefix);
	if (err == NULL && f->name_suffix != NULL && f->name_suffix[0] != '\0')
		err = doc_set(doc, "nameSuffix", f->name_suffix);
	if (err == NULL)
		err = doc_append(doc, "patches", f->patches);
	if (err == NULL)
		err = doc_append(doc, "images", f->images);
	if (err == NULL)
		err = doc_append(doc, "components", f->components);
	/* spec.buildMetadata replaces the file's list (fluxcd/pkg kustomize generator) */
	if (err == NULL && cJSON_GetArraySize(f->build_metadata) > 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(doc, "buildMetadata");
		err = doc_append(doc, "buildMetadata", f->build_metadata);
	}
	return err;
}


const struct pn_error *
pn_flux_check(const struct pn_build_flux *f, size_t *stage)
{
	const cJSON *maps[2] = {f != NULL ? f->common_labels : NULL, f != NULL ? f->common_annotations : NULL};
	const struct pn_error *err;

	for (int m = 0; m < 2; m++) {
		if ((err = pn_transform_map(NULL, 0, maps[m], labels, NULL, what[m])) != NULL) {
			*stage = 1 + (size_t)m;
			return err;
		}
	}
	return NULL;
}

/* f's postBuild when it substitutes at all */
static const struct pn_subst *
subst_of(const struct pn_build_flux *f)
{
	return f != NULL && f->subst != NULL && (f->subst->n > 0 || f->subst->always) ? f->subst : NULL;
}

int
pn_flux_changes(const struct pn_build_flux *f, size_t limit)
{
	return f != NULL && ((limit > 0 && subst_of(f) != NULL) || (limit > 1 && f->common_labels != NULL) ||
	    (limit > 2 && f->common_annotations != NULL));
}

const struct pn_error *
pn_flux_object(const struct pn_build_flux *f, cJSON **obj, size_t limit, size_t *stage)
{
	const struct pn_subst *sub = subst_of(f);
	const cJSON *maps[2] = {f != NULL ? f->common_labels : NULL, f != NULL ? f->common_annotations : NULL};
	const struct pn_error *err;

	/* Flux substitutes kustomize's output, then sets commonMetadata (never substituted) */
	if (limit > 0 && sub != NULL && (err = pn_subst_object(sub, obj)) != NULL) {
		*stage = 0;
		return err;
	}
	for (int m = 0; m < 2 && limit > 1 + (size_t)m; m++) {
		if ((err = pn_transform_map(obj, 1, maps[m], m == 0 ? labels : annos, NULL, what[m])) != NULL) {
			*stage = 1 + (size_t)m;
			return err;
		}
	}
	return NULL;
}
