/*
 * The OpenAPI schema a build's strategic merge patches use (kustomize v5.5.0's `openapi:` field, kyaml
 * openapi.SetSchema and initSchema), and the field specs a `crds:` file adds (kustomize's
 * api/internal/accumulator/loadconfigfromcrds.go).
 *
 * `openapi: {path: schema.json|yaml}` or `openapi: {version: v1.21.2}`. kyaml keeps one schema for the whole
 * build, as global state; pinion keeps it in struct pn_openapi, one per build, with the same rules:
 *  - the first kustomization that names one, in kustomize's order (the entry path first, then each base and
 *    component as it is reached, depth first), chooses it; every later one is ignored (its file is still
 *    read). So an overlay's schema wins over its base's, and a base's serves its overlay;
 *  - both path and version: "builtin version and custom schema provided, cannot use both"; a version other
 *    than v1.21.2: "the specified OpenAPI version is not built in";
 *  - the file is JSON or YAML with `definitions`; a definition whose x-kubernetes-group-version-kind names an
 *    apiVersion and kind is the schema of that type. Lists merge by keys where a schema says
 *    x-kubernetes-patch-strategy "merge" (x-kubernetes-list-map-keys, else x-kubernetes-patch-merge-key, else a
 *    set of scalars), as in smp.h; `$ref: "#/definitions/<name>"` may name a definition of the file or one of
 *    the built-in Kubernetes schema ("io.k8s.api.core.v1.PodTemplateSpec");
 *  - whether the built-in Kubernetes definitions are there too depends, as in kyaml, on what happened before
 *    the custom schema was chosen: kyaml parses a schema lazily, at the first lookup after it was set. If the
 *    built-in one was already parsed (a strategic merge patch ran), the custom one is added over it (its
 *    definitions win); if an object of a kind the built-in table does not know was read (kyaml then flags
 *    the built-in schema for later), the built-in one is added after it (the built-in definitions win); else
 *    the custom schema is all there is, and a Deployment's containers are replaced, not merged (checked with
 *    kubectl). Kinds "known" here are those of smpschema.h's types, a few more than kyaml's precomputed
 *    table (TokenReview and the like, which no build holds);
 *  - not done: the namespace scope a custom schema's `paths` give (kyaml's findNamespaceability).
 *
 * `crds:` files (JSON or YAML: a map of type name to {Schema, Dependencies}): each type whose properties have
 * kind, apiVersion and metadata is a kind (the name after its last "."), and its properties, followed through
 * `$ref` (the map's own names), add field specs: x-kubernetes-annotation (commonAnnotations),
 * x-kubernetes-label-selector (commonLabels), x-kubernetes-identity (namePrefix), and
 * x-kubernetes-object-ref-api-version with x-kubernetes-object-ref-kind (a nameReference to that version and
 * kind, at the property's x-kubernetes-object-ref-name-key, default "name").
 */
#ifndef PN_OPENAPI_H
#define PN_OPENAPI_H

#include <cjson/cJSON.h>

#include "../core/error.h"

/* Bytes of a schema file: a whole cluster's schema (`kustomize openapi fetch`) is a few MiB of JSON; it is
 * pruned to what merging needs once parsed. */
#define PN_OPENAPI_MAX_FILE ((size_t)16 << 20)
/* The one built-in schema version (kyaml's kubernetesapi). */
#define PN_OPENAPI_VERSION "v1.21.2"
/* `$ref`s followed from one schema node to the next ("A" naming "B" naming ...) before giving up: a cycle of
 * references has no schema, as kyaml's resolver would never end. */
#define PN_OPENAPI_MAX_REFS 32
/* Nesting of a schema file's properties pruned on load, and of a crds file's types followed through $ref. */
#define PN_OPENAPI_MAX_DEPTH 64
/* Merge keys of one list, and bytes of a key (smp.c's buffers): Kubernetes uses at most two keys. */
#define PN_OPENAPI_MAX_KEYS 4
#define PN_OPENAPI_KEY_MAX 32

struct pn_openapi {
	int chosen;		/* a schema (custom or version) was chosen: later ones are ignored */
	int init;		/* kyaml's schemaInit: the chosen schema was parsed */
	int builtin;		/* the built-in definitions: 0 not parsed, 1 flagged for later, 2 parsed */
	int custom_wins;	/* the built-in ones were parsed first: custom definitions of the same name win */
	cJSON *custom;		/* the custom schema's definitions, pruned to what merging needs; NULL: none */
};

/* A kustomization's `openapi` field (a map, or NULL) for the build's schema o. `file` is the schema file's
 * name for errors and text its content (NULL without `path`). */
const struct pn_error *pn_openapi_set(struct pn_openapi *o, const char *kfile, const cJSON *field,
    const char *file, const char *text, size_t len);

/* An object of this apiVersion and kind enters the build (kyaml's NewGvk). */
void pn_openapi_saw(struct pn_openapi *o, const cJSON *obj);

/* A strategic merge patch is about to look schemas up (kyaml's initSchema). */
void pn_openapi_init(struct pn_openapi *o);

void pn_openapi_release(struct pn_openapi *o);

/*
 * Lookups for smp.c. Each answers a built-in definition number (>= 0, *node NULL) or -1 with *node a custom
 * schema node (NULL: no schema). o NULL means the built-in schema alone.
 */
int pn_openapi_type(const struct pn_openapi *o, const char *api_version, const char *kind, const cJSON **node);
/* Built-in definition def, unless a custom definition of its name wins. */
int pn_openapi_builtin(const struct pn_openapi *o, int def, const cJSON **node);
/* The schema of field `name` of custom node n, or of its elements (name NULL). */
int pn_openapi_field(const struct pn_openapi *o, const cJSON *n, const char *name, const cJSON **node);
/* The merge keys of custom node n ("a,b"; "" for a set of scalars) when its strategy is "merge", else NULL. */
const char *pn_openapi_merge_keys(const cJSON *n);

/* The field specs of a `crds` file's document `crd` as a `configurations` document (kustomization.h) in
 * *out. The caller frees it with cJSON_Delete(). */
const struct pn_error *pn_openapi_crd_config(const char *file, const cJSON *crd, cJSON **out);

#endif
