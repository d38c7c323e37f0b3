/*
 * kustomize's buildMetadata (api/internal/target/kusttarget.go, api/resource/origin.go, api/krusty/kustomizer.go
 * at api/v0.18.0): what a build records about where each object came from.
 *
 * Only the entry kustomization's list counts: kustomize hands it down to every kustomization below, so a
 * base's own buildMetadata is ignored. Any entry (even an unknown word, which kustomize accepts) turns origin
 * tracking on for the whole build:
 *  - an object read from a resource file gets config.kubernetes.io/origin "path: <file>\n", the file's path
 *    as the resources entries lead to it from the entry kustomization's directory, joined and cleaned as Go's
 *    filepath.Join ("../base/deployment.yaml"); any origin the file wrote is replaced;
 *  - a configMapGenerator or secretGenerator object gets "configuredIn: <kustomization file>\nconfiguredBy:\n
 *    apiVersion: builtin\n  kind: ConfigMapGenerator\n" (SecretGenerator); one merged into an older object
 *    keeps the older object's origin, a replacing one brings its own;
 *  - after a kustomization's transformers, every object of its map (transformed or not) gets one entry per
 *    builtin transformer the kustomization configures, appended to alpha.config.kubernetes.io/transformations
 *    as a YAML list ("- configuredIn: ...\n  configuredBy:\n    apiVersion: builtin\n    kind: ..."); an
 *    object without an origin takes the first entry as its origin instead. The instances are kustomize's:
 *    PatchStrategicMergeTransformer once for all patchesStrategicMerge, PatchTransformer per patches entry,
 *    NamespaceTransformer, PrefixTransformer, SuffixTransformer, LabelTransformer per labels entry plus one
 *    (commonLabels, even empty) when labels or commonLabels is given, AnnotationsTransformer,
 *    PatchJson6902Transformer per entry, ReplicaCountTransformer per entry, ImageTagTransformer per images and
 *    imageTags entry, ReplacementTransformer once for all replacements.
 * At the end of every build (buildMetadata or not), after name references and vars: managedByLabel sets the
 * label app.kubernetes.io/managed-by to "kustomize-" and kustomize's version as kubectl's embedded kustomize
 * reports it, "(devel)" (kubectl kustomize v5.5.0 writes "kustomize-(devel)": its provenance only finds a
 * version for the kustomize/v5 main module); the origin and transformations annotations not asked for by
 * originAnnotations / transformerAnnotations are removed, also when the input wrote them, and empty
 * annotations (null, {} or [], written so or left so) go with them (kyaml's SetAnnotations clears the field).
 */
#ifndef PN_BUILDMETA_H
#define PN_BUILDMETA_H

#include <cjson/cJSON.h>

#include "../core/error.h"
#include "kustomization.h"

#define PN_BUILDMETA_ORIGIN_KEY "config.kubernetes.io/origin"
#define PN_BUILDMETA_TRANSFORMS_KEY "alpha.config.kubernetes.io/transformations"
#define PN_BUILDMETA_MANAGED_BY_KEY "app.kubernetes.io/managed-by"
#define PN_BUILDMETA_MANAGED_BY "kustomize-(devel)"

/* The flags of a buildMetadata list. */
enum {
	PN_BUILDMETA_TRACK = 1,		/* the list is not empty: origins are tracked during the build */
	PN_BUILDMETA_ORIGINS = 2,	/* originAnnotations: keep them in the output */
	PN_BUILDMETA_TRANSFORMERS = 4,	/* transformerAnnotations */
	PN_BUILDMETA_MANAGED = 8,	/* managedByLabel */
};

/* The flags of list (a list of strings, as pn_kust_parse checked; NULL: none). */
unsigned pn_buildmeta_flags(const cJSON *list);

/* Go's filepath.Join(dir, rel) for origin paths: joined with '/', cleaned, leading ".." kept, "" for nothing.
 * The caller frees *out with free(). */
const struct pn_error *pn_buildmeta_join(const char *dir, const char *rel, char **out);

/* The origin of what a generator or transformer makes or changes: configured in configured_in (an origin path)
 * by the object api_version, kind, name, ns (name and ns omitted when NULL or empty): kustomize's builtins from
 * kustomization fields are ("builtin", "ConfigMapGenerator", NULL, NULL); a plugin config in generators: or
 * transformers: is itself (OriginFromCustomPlugin: configured_in is that config's own origin path, its file or
 * the kustomization file when inline). `item`: as an entry of a transformations list (pn_buildmeta_transformed).
 * The caller frees *out with free(). */
const struct pn_error *pn_buildmeta_configured(const char *configured_in, const char *api_version, const char *kind,
    const char *name, const char *ns, int item, char **out);

/* Set obj's origin: the file `path` (replacing any), or with path NULL `configured_by` (pn_buildmeta_configured,
 * not an item) unless obj has an origin already (a generator's options may write one: kustomize keeps it). */
const struct pn_error *pn_buildmeta_set_origin(cJSON *obj, const char *path, const char *configured_by);

/* The transformations kustomization k records (see above), configured in configured_in: *out is the
 * annotation's text, NULL when k configures no transformer. The caller frees it with free(). */
const struct pn_error *pn_buildmeta_transforms(const struct pn_kust *k, const char *configured_in, char **out);

/* Record the transformations `text` (from pn_buildmeta_transforms, or pn_buildmeta_configured items) on obj. */
const struct pn_error *pn_buildmeta_transformed(cJSON *obj, const char *text);

/* Whether obj carries an origin or transformations annotation, or empty annotations (null, {} or []): what
 * pn_buildmeta_finish removes. */
int pn_buildmeta_carries(const cJSON *obj);

/* The end of the build on obj with the entry kustomization's flags: the managed-by label, and the
 * annotations not asked for removed. */
const struct pn_error *pn_buildmeta_finish(cJSON *obj, unsigned flags);

#endif
