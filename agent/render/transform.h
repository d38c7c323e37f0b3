/*
 * kustomize's builtin transformers over the objects of one kustomization (api/internal/builtins at
 * api/v0.18.0), each given the kustomization's field of the same name:
 *  - namespace (NamespaceTransformer, defaultOnly subjects): metadata.namespace of every kind that is not
 *    cluster-scoped, a v1 Namespace's metadata.name, APIService spec.service.namespace, the CRD conversion
 *    webhook's service namespace, user `namespace` field specs, and of RoleBinding/ClusterRoleBinding subjects
 *    only those named "default".
 *  - map fields (labels, annotations): set every pair of a map at the field specs' paths; a path's final map
 *    is created when the spec says create. Values are kept as the strings given.
 *  - images (ImageTagTransformer): every `image` of a containers or initContainers list anywhere in an object
 *    (kustomize's legacy walk; not in CRDs) and the built-in paths, when its name matches: newName replaces
 *    the name, newTag and digest replace tag and digest.
 *  - replicas (ReplicaCountTransformer): spec.replicas of Deployments, ReplicationControllers, ReplicaSets and
 *    StatefulSets whose current or original name matches.
 * Each checks its entry first (with n = 0 nothing else happens), then changes each object by itself: the
 * build runs them one object at a time over spooled objects (build.c).
 */
#ifndef PN_TRANSFORM_H
#define PN_TRANSFORM_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "../core/error.h"
#include "fieldspec.h"

/* The field specs a kustomization adds (its `configurations`), each list ending with a NULL path. */
struct pn_transform_config {
	const struct pn_fieldspec *namespace_specs;
	const struct pn_fieldspec *common_labels;
	const struct pn_fieldspec *common_annotations;
};

/* `only`: extra are the only field specs besides metadata.namespace and the subjects (a NamespaceTransformer
 * config's fieldSpecs, plugin.h), not the built-in ones. */
const struct pn_error *pn_transform_namespace(cJSON *const *objs, size_t n, const char *ns,
    const struct pn_fieldspec *extra, int only);

/* Set the string pairs of `map` (a JSON object of strings; `what` names it in errors) at every spec of the
 * tables (each NULL-path-terminated; `extra` may be NULL) that selects an object. */
const struct pn_error *pn_transform_map(cJSON *const *objs, size_t n, const cJSON *map,
    const struct pn_fieldspec *table, const struct pn_fieldspec *extra, const char *what);

/* One `images` entry (name, newName, newTag, digest), also at the paths of `extra` (NULL-path-terminated,
 * may be NULL); `what` names it in errors. */
const struct pn_error *pn_transform_image(cJSON *const *objs, size_t n, const cJSON *image,
    const struct pn_fieldspec *extra, const char *what);

/* One `replicas` entry (name, count) at the paths of `specs` (NULL: pn_fieldspec_replicas); names[k] is
 * objs[k]'s original name. *matched is set (never cleared) when the entry applies to one of them: an entry
 * that applied to no object of the kustomization is kustomize's error, pn_transform_replicas_unmatched() (the
 * caller may run over the objects in parts). */
const struct pn_error *pn_transform_replicas(cJSON *const *objs, const char *const *names, size_t n,
    const cJSON *replica, const struct pn_fieldspec *specs, const char *what, int *matched);
const struct pn_error *pn_transform_replicas_unmatched(const cJSON *replica, const struct pn_fieldspec *specs,
    const char *what);

#endif
