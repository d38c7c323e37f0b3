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
 */
#ifndef PN_PATCH_H
#define PN_PATCH_H

#include "../core/error.h"
#include "generator.h"
#include "kustomization.h"
#include "resmap.h"
#include "yaml.h"

/* The patchesStrategicMerge and patches of k (json 0), or its patchesJson6902 (json 1). */
const struct pn_error *pn_patch_run(const struct pn_gen_io *io, const struct pn_yaml_limits *lim, const char *kfile,
    const struct pn_kust *k, int json, struct pn_resmap *ra);

#endif
