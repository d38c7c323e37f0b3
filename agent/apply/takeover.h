/*
 * takeover: the metadata cleanup kustomize-controller does before it applies an object that already exists
 * (flux-apply.md, "Before apply, KC cleans up metadata"), so that pinion owns what kubectl or Flux applied:
 *   - managedFields entries of the managers below become pinion's Apply entry (their fieldsV1 merged into it,
 *     per apiVersion), so the next apply may remove or reset those fields as Git says;
 *   - the kubectl.kubernetes.io/last-applied-configuration annotation is removed (a later `kubectl apply`
 *     would otherwise three-way-merge against a stale copy).
 * Entries for a subresource (status, scale) are never taken. Objects annotated
 * kustomize.toolkit.fluxcd.io/ssa: Merge are exempt (the caller checks).
 *
 * The result is an RFC 6902 JSON patch whose first operation pins the live resourceVersion, so a write that
 * lands in between makes the API server answer 409 instead of losing another manager's entry.
 */
#ifndef PN_TAKEOVER_H
#define PN_TAKEOVER_H

#include <cjson/cJSON.h>

#include "../core/error.h"

#define PN_TAKEOVER_LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

/* Whether a field manager's entries are taken over: kubectl (server-side or client-side apply, and Update),
 * kubectl-client-side-apply, before-first-apply (what the API server names fields set before managedFields
 * existed), and kustomize-controller (a cluster Flux managed before). */
int pn_takeover_manager(const char *name);

/* The JSON patch that takes live over for `manager`, or *out = NULL when there is nothing to take. The caller
 * frees *out with cJSON_free(). */
const struct pn_error *pn_takeover_patch(const cJSON *live, const char *manager, char **out);

#endif
