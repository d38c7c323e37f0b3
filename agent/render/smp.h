/*
 * Strategic merge patch as kustomize v5.5.0 applies it (patchesStrategicMerge and `patches:` with an SMP):
 * kyaml's merge2 walker with ListIncreaseDirection "prepend", not apimachinery's strategicpatch. What that means:
 *
 *  - maps merge field by field; a patch field set to null deletes the field; a null already in the target stays
 *    when the patch does not name it;
 *  - a list is merged by keys only when the OpenAPI schema that kyaml embeds (Kubernetes v1.21.2) gives it the
 *    "merge" patch strategy: containers/initContainers/ephemeralContainers/env/volumes/imagePullSecrets by name,
 *    container ports by containerPort+protocol, Service ports by port+protocol, volumeMounts by mountPath,
 *    conditions by type, ownerReferences by uid, finalizers as a set of strings, ... (the table in smp.c comes
 *    from that schema, by apiVersion and kind). Every other list -- tolerations, args, command, any list of a
 *    CRD or unknown kind -- is replaced whole by the patch's list, taken verbatim;
 *  - in a merged list the patch's elements come first, in the patch's order, then the target's elements the
 *    patch does not name (with two or more keys, as for ports: the patch-only elements, then the target's in
 *    the target's order); an element that merges to an empty map is removed;
 *  - directives: `$patch: delete|replace|merge` on maps and as a one-key element of a merged list; any other
 *    value is an error ("unknown patch strategy 'x'"). `$patch: delete` at the top deletes the whole object.
 *    `$setElementOrder/...`, `$retainKeys` and `$deleteFromPrimitiveList/...` are NOT directives for kustomize:
 *    they are copied into the result like any field (checked with kubectl), and so they are here;
 *  - what the patch adds (a new field, a new list element, a `$patch: replace` map) is cleaned on the way in:
 *    its nulls and valid directives are removed, at every depth; but a target element that a patch element
 *    with `$patch: replace` names stays as it was (kyaml puts the target's element back);
 *  - a field that is a map on one side and a list or scalar on the other is an error ("wrong node kind");
 *  - differences left: a target field written `key:` (empty) is dropped by kyaml but kept here, because the YAML
 *    reader makes it the same null as `key: null`, which kyaml keeps.
 *
 * The caller matches the patch to its target (apiVersion, kind, metadata.name) and afterwards restores the
 * target's kind, name and namespace unless the patch may change them, as kustomize's ApplySmPatch does.
 * Numbers are compared by their JSON text (cJSON_Raw items, see yaml.h).
 */
#ifndef PN_SMP_H
#define PN_SMP_H

#include <cjson/cJSON.h>

#include "../core/error.h"
#include "openapi.h"

/* Nesting of the walk over target and patch; deeper input is refused (the YAML reader stops at 128 already). */
#define PN_SMP_MAX_DEPTH 128
/* Elements of one merged list: merging is quadratic in them (kyaml's algorithm); real lists have dozens. */
#define PN_SMP_MAX_LIST 4096
/* Fields of a map times fields of its patch: each side looks the other's names up linearly. A ConfigMap of
 * 4096 keys patched by one of 4096 still merges. */
#define PN_SMP_MAX_MAP_WORK ((size_t)1 << 24)

/*
 * Merge `patch` (an object) into `target` (an object), in place. `what` names the patch in errors, e.g.
 * "patch.yaml apps/v1 Deployment web". When the patch deletes the whole object (`$patch: delete` at the top),
 * target is left an empty object: the caller drops the resource. On error target is left valid but partly
 * patched; the caller discards it. o is the build's schema (openapi.h; a lookup may parse it), NULL for the
 * built-in one.
 */
const struct pn_error *pn_smp_apply(cJSON *target, const cJSON *patch, const char *what, struct pn_openapi *o);

#endif
