/*
 * kustomize's patch transformers (api/internal/builtins PatchTransformer, PatchStrategicMergeTransformer,
 * PatchJson6902Transformer at api/v0.18.0) over one kustomization's objects, with the target selection
 * that is kustomize's and not the patch engines' (smp.h, json6902.h):
 *  - patchesStrategicMerge: each entry a file (when one exists at that path) or inline YAML; every document
 *    patches the one object whose original or current id (group, version, kind, name, namespace) it names.
 *  - patches: {path | patch, target, options: {allowNameChange, allowKindChange}}. The text is a strategic
 *    merge patch when its documents are mappings, a JSON patch when it is a list of operations; with a target
 *    every selected object is patched (an SMP then takes the target's group/version/kind), without one an SMP
 *    names its object and a JSON patch is an error.
 *  - patchesJson6902: {target, path | patch}: a JSON patch (YAML or JSON) on the selected objects.
 * A target selects by group, version, kind, name and namespace (regular expressions, anchored, matched against
 * the original or current name and namespace) and labelSelector/annotationSelector (comma-separated
 * key=value, key==value, key!=value, key, !key; set-based `in`/`notin` are PN_ERR_UNSUPPORTED).
 * After an SMP the object keeps its kind, name and namespace unless the options allow a change; an object a
 * patch deletes ($patch: delete) leaves the build.
 *
 * Spooled objects (resmap.h): an entry is read and checked once (pn_patch_prepare). An entry with a target
 * selects each object by itself, so it is applied object by object (pn_patch_one, on a loaded object, by the
 * caller's pass over the map); one without a target looks its objects up by id and loads only those
 * (pn_patch_by_id).
 */
#ifndef PN_PATCH_H
#define PN_PATCH_H

#include "../core/error.h"
#include "generator.h"
#include "kustomization.h"
#include "openapi.h"
#include "resmap.h"
#include "yaml.h"

/* Bytes of an entry's name in errors ("k.yaml: patchesStrategicMerge[3]", or the patch file's path). */
#define PN_PATCH_WHAT_MAX 512

/* One patch entry of a kustomization, read and checked. */
struct pn_patch {
	char what[PN_PATCH_WHAT_MAX];
	struct pn_yaml_docs docs;	/* a JSON patch (one list), or strategic merge patches */
	const cJSON *target;		/* the entry's target (in the kustomization's document), or NULL */
	int is_json;
	int allow_name, allow_kind;	/* options.allowNameChange, allowKindChange */
	int store_id;			/* an entry of `patches`: kustomize's PatchTransformer stores the id of
					 * each object a JSON 6902 patch selects (patchesJson6902 does not) */
	struct pn_openapi *schema;	/* the build's schema (openapi.h), set by the caller; NULL: built-in */
};

/* Read and check the patchesStrategicMerge then patches entries of k (json 0), or its patchesJson6902 (json
 * 1), in order, into *out (*n of them). An entry that is wrong ends the list: the error is returned and *out
 * holds the entries before it. The caller frees *out with pn_patch_free(), also after an error. */
const struct pn_error *pn_patch_prepare(const struct pn_gen_io *io, const struct pn_yaml_limits *lim,
    const char *kfile, const struct pn_kust *k, int json, struct pn_patch **out, size_t *n);
void pn_patch_free(struct pn_patch *v, size_t n);

/* Apply p, which has no target, to the objects its documents name, one after the other: each is found by id,
 * loaded, patched and spilled (or dropped from ra when the patch deletes it). */
const struct pn_error *pn_patch_by_id(struct pn_resmap *ra, const struct pn_patch *p);

/* Apply p, which has a target, to r (loaded) when the target selects it; *gone set when the patch deleted
 * the object (the caller then drops it). */
const struct pn_error *pn_patch_one(struct pn_res *r, const struct pn_patch *p, int *gone);

/* Whether a label or annotation selector (labelSelector/annotationSelector as above; "" matches everything)
 * matches map (an object's labels or annotations, or NULL). */
const struct pn_error *pn_patch_selector_match(const char *sel, const cJSON *map, int *out);

/* Everything at once: the entries of k (as pn_patch_prepare) over every object of ra, entry by entry. */
const struct pn_error *pn_patch_run(const struct pn_gen_io *io, const struct pn_yaml_limits *lim, const char *kfile,
    const struct pn_kust *k, int json, struct pn_resmap *ra);

#endif
