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
 *    is its patch); ReplacementTransformer: replacements (which the kustomization field's support decides).
 *    A config's fieldSpecs are the only field specs its transformer uses (kustomize's defaults and
 *    `configurations` are for the kustomization's own fields): they come back as a configurations document.
 * Kubectl and Flux build with external plugins disabled; so does pinion. Refused: another apiVersion
 * (kustomize's "external plugins disabled; unable to load external plugin '<kind>'"), a kind kustomize has not
 * built in ("unable to load builtin <kind>.builtin.[noGrp]"; SortOrderTransformer is one, as in kustomize), a
 * generator among transformers and the reverse ("plugin <id> not a generator"), HelmChartInflationGenerator
 * (helm), and, PN_ERR_UNSUPPORTED, HashTransformer and ValueAddTransformer.
 *
 * A `validators` entry is a transformer that must change nothing (kusttarget.go runValidators): the objects
 * are kept aside before it runs (pn_plugin_snapshot) and compared after (pn_plugin_unchanged). kustomize
 * compares yaml nodes, pinion the values: a transformer that writes a value the object already had fails
 * there (kubectl kustomize: a label set to its own value, or "validated-by", which kustomize means to ignore),
 * not here.
 *
 * With buildMetadata, what a config generates or transforms names the config itself as its origin (kustomize's
 * OriginFromCustomPlugin: pn_plugin_origin, pn_plugin_generated), not the kustomization fields it became.
 */
#ifndef PN_PLUGIN_H
#define PN_PLUGIN_H

#include <cjson/cJSON.h>

#include "../core/error.h"
#include "resmap.h"

struct pn_yaml_limits;

/*
 * Translate config `cfg` of a `generators` (gen 1) or `transformers` (gen 0) list. On success exactly one of
 * *kdoc (a kustomization document with the fields that do the same; for a transformer, *specs is then its
 * fieldSpecs as a configurations document) and *obj (an object generated as is) is set. The caller frees
 * them with cJSON_Delete().
 */
const struct pn_error *pn_plugin_translate(const cJSON *cfg, int gen, cJSON **kdoc, cJSON **specs, cJSON **obj);

/* A copy of every object of ra in its spool (ra must have one), in order: *out (*n slots). The caller frees
 * *out with free(). */
const struct pn_error *pn_plugin_snapshot(struct pn_resmap *ra, struct pn_spool_slot **out, size_t *n);

/* Whether ra still holds the n objects of snap, in order and unchanged; otherwise kustomize's "validator
 * shouldn't modify the resource map" naming the first object changed. */
const struct pn_error *pn_plugin_unchanged(struct pn_resmap *ra, const struct pn_spool_slot *snap, size_t n);

/* With buildMetadata (kust_origin, the kustomization file's origin path, not NULL): what config cfg configures,
 * as pn_buildmeta_configured's text (`item` as there): configuredIn the config's own origin, the path in its
 * config.kubernetes.io/origin annotation (read with `yaml`) when it came from a file, else kust_origin (an
 * inline config); configuredBy its apiVersion, kind, name and namespace. *out NULL when kust_origin is NULL.
 * The caller frees it with free(). */
const struct pn_error *pn_plugin_origin(const cJSON *cfg, const char *kust_origin, int item,
    const struct pn_yaml_limits *yaml, char **out);

/* With buildMetadata (kust_origin not NULL): the objects generator config cfg added to ra, from index `from`,
 * get cfg as their origin (pn_buildmeta_set_origin: unless they have one). */
const struct pn_error *pn_plugin_generated(const cJSON *cfg, const char *kust_origin,
    const struct pn_yaml_limits *yaml, struct pn_resmap *ra, size_t from);

#endif
