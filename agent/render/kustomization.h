/*
 * The kustomization model (kustomize api/types/kustomization.go at api/v0.18.0): every field kustomize knows,
 * checked for its type, with `bases` folded into resources and `imageTags` into images as kustomize does.
 * A key kustomize does not know is an error naming the file and the key; a key pinion does not implement
 * (helm) is PN_ERR_UNSUPPORTED naming it. kind is Kustomization (apiVersion
 * kustomize.config.k8s.io/v1beta1) or Component (v1alpha1); both may be absent.
 *
 * `configurations` files hold user field specs (nameReference, namespace, commonLabels, labels, templateLabels,
 * commonAnnotations, images, varReference, namePrefix, nameSuffix; replicas, read, serve only a
 * ReplicaCountTransformer config, plugin.h); they accumulate in a pn_kust_config, for the whole build
 * (kustomize merges a base's into its parent's only: here a sibling's configurations apply too).
 */
#ifndef PN_KUSTOMIZATION_H
#define PN_KUSTOMIZATION_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "../core/error.h"
#include "fieldspec.h"

/* Field specs one build may add through `configurations` (each costs a walk of every object). */
#define PN_KUST_MAX_CONFIG_SPECS 4096

/* Fields of one kustomization document (pointers into it; NULL when absent or null). */
struct pn_kust {
	int component;
	const cJSON *resources, *bases, *components;
	const cJSON *namespace_, *name_prefix, *name_suffix;
	const cJSON *common_labels, *labels, *common_annotations;
	const cJSON *images, *image_tags, *replicas;
	const cJSON *patches, *patches_sm, *patches_json;
	const cJSON *cm_gen, *secret_gen, *gen_options;
	const cJSON *configurations;
	const cJSON *sort_options;
	const cJSON *vars;
	const cJSON *replacements;
	const cJSON *build_metadata;	/* buildmeta.h */
	const cJSON *generators, *transformers, *validators;	/* builtin plugin configs (plugin.h) */
	const cJSON *openapi, *crds;	/* openapi.h */
};

/* Check document k of file kfile and fill *out. */
const struct pn_error *pn_kust_parse(const char *kfile, const cJSON *k, struct pn_kust *out);

/* The types of one replacement read from `file` (a `path:` entry's), as kustomize's decoder checks them. */
const struct pn_error *pn_kust_check_replacement(const char *file, const cJSON *r);

struct pn_kust_config {
	struct pn_fieldspec *namespace_specs;	/* each list ends with a NULL path */
	struct pn_fieldspec *common_labels;
	struct pn_fieldspec *common_annotations;
	struct pn_fieldspec *labels;		/* for every `labels` entry */
	struct pn_fieldspec *template_labels;	/* for `labels` entries with includeTemplates */
	struct pn_fieldspec *images;
	struct pn_fieldspec *name_prefix, *name_suffix;	/* besides metadata/name (build.c fix_one) */
	struct pn_fieldspec *var_refs;		/* varReference (vars.h) */
	struct pn_fieldspec *replicas;		/* a ReplicaCountTransformer config's only (plugin.h) */
	struct pn_nameref *namerefs;		/* ends with a NULL spec.path */
	size_t nns, nlabels, nannos, nlabels2, ntemplates, nimages, nvarrefs, nrefs, nprefix, nsuffix, nreplicas;
	cJSON **docs;				/* the strings above point into these */
	size_t ndocs;
};

/* Add the field specs of one `configurations` document (taken, even on error); `file` names it. */
const struct pn_error *pn_kust_config_add(struct pn_kust_config *c, const char *file, cJSON *doc);
void pn_kust_config_release(struct pn_kust_config *c);

#endif
