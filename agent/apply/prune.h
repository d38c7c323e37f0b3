/*
 * prune: delete what a unit applied before and no longer renders (Flux's garbage collection, flux-apply.md),
 * with the guards a cluster without a Git history of its own needs.
 *
 * The caller decides what is stale (old inventory minus new, inventory.h) and calls pn_prune() only after the
 * render, preflight, dry-run and apply of the unit all succeeded. Each stale object, in reverse apply order
 * (everything else, then ClusterRoles, Namespaces, CustomResourceDefinitions), is read first and deleted with
 * background propagation only when the live object still carries both labels of this unit
 * (kustomize.toolkit.fluxcd.io/name and /namespace) and none of prune: Disabled, reconcile: disabled,
 * ssa: Ignore. An object that is already gone, belongs to someone else now or opts out is forgotten (it leaves
 * the inventory). An object whose GET or DELETE failed stays in the inventory (added to `keep`) and is tried
 * again at the next reconcile, as kustomize-controller does since #1665.
 *
 * The Namespace guard: a Namespace is deleted only when nothing in it is outside the unit's inventory. Every
 * namespaced kind the server lists is read in the namespace; objects that have an owner (Pods of a
 * Deployment, EndpointSlices), Events, Endpoints, Leases and the objects every namespace gets
 * (ServiceAccount default, ConfigMap kube-root-ca.crt) do not count. Anything else (a PVC a StatefulSet made,
 * a Secret someone created by hand) holds the Namespace back with a warning naming it, unless
 * force_namespaces is set; a held Namespace stays in the inventory.
 */
#ifndef PN_PRUNE_H
#define PN_PRUNE_H

#include <stddef.h>

#include "../core/buf.h"
#include "../core/error.h"
#include "discovery.h"
#include "inventory.h"
#include "kapi.h"

/* Items read per LIST page in the Namespace guard, and pages read per kind before giving up (then the
 * Namespace is held back: not knowing is not permission). */
#define PN_PRUNE_LIST_LIMIT 250
#define PN_PRUNE_LIST_PAGES_MAX 64
/* Longest reason kept for one object. */
#define PN_PRUNE_WHY_MAX 512

enum pn_prune_action {
	PN_PRUNE_DELETED = 1,	/* DELETE accepted */
	PN_PRUNE_GONE,		/* not there any more (or its kind is no longer served): forgotten */
	PN_PRUNE_LEFT,		/* not ours any more, or opted out: forgotten, not deleted */
	PN_PRUNE_HELD,		/* a Namespace holding other objects: kept in the inventory, not deleted */
	PN_PRUNE_FAILED,	/* GET or DELETE failed: kept in the inventory, tried again next time */
};

struct pn_prune_change {
	char *id;		/* "apps/v1 Deployment lab/web" */
	enum pn_prune_action action;
	char *why;		/* for LEFT, HELD, FAILED; "" otherwise */
};

struct pn_prune_result {
	struct pn_prune_change *changes;
	size_t n;
};

struct pn_prune_options {
	const char *unit_name;		/* NULL: flux-system */
	const char *unit_namespace;	/* NULL: flux-system */
	/* Ids that count as the unit's own in the Namespace guard (the new inventory and the stale one). */
	struct pn_inv *known;
	int force_namespaces;		/* delete Namespaces even when they hold other objects */
};

/* Prune `stale` (see above). res is set up by the call; release it with pn_prune_result_release(). Entries to
 * keep are added to keep. The error is the first failure (every object is still tried). */
const struct pn_error *pn_prune(struct pn_kapi *k, struct pn_discovery *d, struct pn_inv *stale,
    const struct pn_prune_options *opt, struct pn_inv *keep, struct pn_prune_result *res);
void pn_prune_result_release(struct pn_prune_result *res);

/* "pruned", "gone", ... */
const char *pn_prune_action_name(enum pn_prune_action a);

/* An inventory entry as messages and `pinion diff` name it: its fields into *o, its apiVersion into av, and
 * "apps/v1 Deployment lab/web" (pn_ssa_object_id; "v1 Namespace lab" when cluster-scoped) appended to b. */
const struct pn_error *pn_prune_entry_id(const struct pn_inv_entry *e, struct pn_inv_object *o, char *av,
    size_t len, struct pn_buf *b);

/* The mass-prune guard: whether deleting `stale` of the `old` objects of an inventory is more than half of
 * it, or all of a non-empty one. */
int pn_prune_is_mass(size_t stale, size_t old);

#endif
