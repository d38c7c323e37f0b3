/*
 * kustomize's builtin plugin configurations (api/internal/plugins/loader, api/internal/builtins at
 * api/v0.18.0): the objects a kustomization's `generators`, `transformers` and `validators` entries name,
 * each `apiVersion: builtin` with a kind kustomize builds in. pinion does what each kind does with the
 * kustomization fields that run the same code:
 *  - ConfigMapGenerator, SecretGenerator: one configMapGenerator / secretGenerator entry (its name and
 *    namespace default to the config's metadata); IAMPolicyGenerator (cloud gke): a ServiceAccount.
 *  - AnnotationsTransformer, LabelTransformer: commonAnnotations / commonLabels; NamespaceTransformer:
 *    namespace (metadata.namespace); PrefixSuffixTransformer, PrefixTransformer, SuffixTransformer:
 *    namePrefix / nameSuffix; ImageTagTransformer: one images entry (imageTag); ReplicaCountTransformer: one
 *    replicas entry (replica); PatchTransformer: one patches entry; PatchStrategicMergeTransformer:
 *    patchesStrategicMerge (paths, then patches); PatchJson6902Transformer: one patchesJson6902 entry (jsonOp
 *    is its patch). A config's fieldSpecs are the only field specs its transformer uses (kustomize's
 *    defaults and `configurations` are for the kustomization's own fields): they come back as a
 *    configurations document.
 * Kubectl and Flux build with external plugins disabled; so does pinion. Refused: another apiVersion
 * (kustomize's "external plugins disabled; unable to load external plugin '<kind>'"), a kind kustomize has not
 * built in ("unable to load builtin <kind>.builtin.[noGrp]"; SortOrderTransformer is one, as in kustomize), a
 * generator among transformers and the reverse ("plugin <id> not a generator"), HelmChartInflationGenerator
 * (helm), and, PN_ERR_UNSUPPORTED, ReplacementTransformer, HashTransformer and ValueAddTransformer.
 */
#ifndef PN_PLUGIN_H
#define PN_PLUGIN_H

#include <cjson/cJSON.h>

#include "../core/error.h"

/*
 * Translate config `cfg` of a `generators` (gen 1) or `transformers` (gen 0) list. On success exactly one of
 * *kdoc (a kustomization document with the fields that do the same; for a transformer, *specs is then its
 * fieldSpecs as a configurations document) and *obj (an object generated as is) is set. The caller frees
 * them with cJSON_Delete().
 */
const struct pn_error *pn_plugin_translate(const cJSON *cfg, int gen, cJSON **kdoc, cJSON **specs, cJSON **obj);

#endif
