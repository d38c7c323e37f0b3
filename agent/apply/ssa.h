/*
 * ssa: server-side apply of one unit's rendered objects, in Flux's stages (flux-apply.md §3, kube-api.md §2).
 *
 *   0. preflight, before anything is written: check every object (apiVersion, kind, metadata.name), map every
 *      kind through discovery, and check that every namespace the unit writes to exists or is created by the
 *      unit (one GET per namespace). Every kind that is not served and that no CRD of this unit defines, and
 *      every missing namespace, is listed in one error with the first object (and file) that needs it and how
 *      many more do; when the list is longer than one message, each lack is logged on its own line.
 *   1. CustomResourceDefinitions, Namespaces, ClusterRoles (Flux's "cluster definitions")
 *   2. wait until the API server serves every kind the rest of the unit takes from this unit's CRDs: discovery of
 *      those group/versions is fetched again every wait_interval_ms, for at most wait_timeout_ms
 *   3. kinds whose name ends in "Class" (StorageClass, IngressClass, GatewayClass...), then wait until each is
 *      Current (health.h), for at most wait_timeout_ms
 *   4. everything else
 * Inside each stage objects go in Flux's ReconcileOrder (stage.h: CRD, Namespace, ClusterRole, ...,
 * ConfigMap, Secret, Service, ..., Deployment, StatefulSet, CronJob, PodDisruptionBudget, then other kinds by
 * group and kind, admission webhooks last), then by namespace and name, as Flux sorts them.
 *
 * Each stage is validated as a whole before it writes (Flux's ApplyAll): every object is read (GET) and applied
 * with dryRun=All first, and any error stops the stage before its first write. Then only new objects and those
 * that drifted (the dry-run result differs from the live object in labels, annotations, or anything outside
 * metadata and status: Flux's hasDrifted) are applied; the others are "unchanged" and nothing is written.
 * Objects annotated kustomize.toolkit.fluxcd.io/reconcile: disabled or .../ssa: Ignore are "skipped" and never
 * sent; .../ssa: IfNotPresent ones are skipped when they exist.
 *
 * Each object: `PATCH <object path>?fieldManager=pinion&force=true`, `Content-Type: application/apply-patch+yaml`,
 * a compact JSON body (JSON is YAML). The body is a copy of the object with the unit's ownership labels
 * (`kustomize.toolkit.fluxcd.io/name` and `/namespace`, as `flux bootstrap` objects carry them); a namespaced
 * object without metadata.namespace goes to "default" (kubectl's behaviour; Flux would use the unit's
 * targetNamespace, which the renderer sets before this), and a cluster-scoped object loses any namespace.
 * The caller's objects are not modified.
 *
 * Errors name the object as `apps/v1 Deployment lab/web` (cluster-scoped: `v1 Namespace lab`) with its source
 * file, and quote the server's message. The first error stops the apply; what was applied before it is in the
 * result. Before an existing object is applied, the fields kubectl or Flux applied are taken over
 * (takeover.h; not for ssa: Merge), and such an object counts as drifted once. Prune is prune.h's.
 */
#ifndef PN_SSA_H
#define PN_SSA_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "../core/buf.h"
#include "../core/error.h"
#include "discovery.h"
#include "inventory.h"
#include "kapi.h"

#define PN_SSA_FIELD_MANAGER "pinion"
#define PN_SSA_LABEL_NAME "kustomize.toolkit.fluxcd.io/name"
#define PN_SSA_LABEL_NAMESPACE "kustomize.toolkit.fluxcd.io/namespace"
/* Flux's per-object annotations: "reconcile: disabled" and "ssa: Ignore" leave the object alone, "ssa:
 * IfNotPresent" applies it only when it does not exist; "ssa: Override" and "Merge" apply it. */
#define PN_SSA_ANNO_RECONCILE "kustomize.toolkit.fluxcd.io/reconcile"
#define PN_SSA_ANNO_SSA "kustomize.toolkit.fluxcd.io/ssa"
#define PN_SSA_ANNO_FORCE "kustomize.toolkit.fluxcd.io/force"
/* The entry path is the unit flux-system/flux-system, as after `flux bootstrap`. */
#define PN_SSA_UNIT_DEFAULT "flux-system"
/* Where a namespaced object without a namespace goes (kubectl's default). */
#define PN_SSA_NAMESPACE_DEFAULT "default"
/* Waiting for CRDs to be served: Flux's WaitInterval and WaitTimeout for its first stage. */
#define PN_SSA_WAIT_INTERVAL_MS 2000
#define PN_SSA_WAIT_TIMEOUT_MS 60000
/* Flux's Kustomization timeout default. */
#define PN_SSA_HEALTH_TIMEOUT_MS (5 * 60 * 1000)
/* How often a deleted object is looked for until it is gone (force). */
#define PN_SSA_GONE_POLL_MS 500
/* The apiserver refuses request bodies above 3 MiB (MaxRequestBodyBytes): say so before sending. */
#define PN_SSA_BODY_MAX (3 * 1024 * 1024)
/* Secret values shorter than this are not masked in messages (masking "a" would garble every message); the
 * longest value decoded for masking. */
#define PN_SSA_MASK_MIN 4
#define PN_SSA_MASK_DECODE_MAX 4096
/* Longest object id: apiVersion (320) + kind + namespace (63) + name (253), with room. */
#define PN_SSA_ID_MAX 1024

/* One rendered object; the apply does not change it. */
struct pn_ssa_object {
	const cJSON *obj;	/* NULL: read with pn_ssa_options.load when needed */
	const char *source;	/* the file it came from, for messages; may be NULL */
};

enum pn_ssa_action {
	PN_SSA_CREATED = 1,	/* 201 */
	PN_SSA_CONFIGURED,	/* 200: the live object had drifted from the rendered one and was applied */
	PN_SSA_UNCHANGED,	/* the dry-run showed no drift: nothing was written */
	PN_SSA_SKIPPED,		/* reconcile: disabled, ssa: Ignore, or ssa: IfNotPresent and present */
	PN_SSA_RECREATED,	/* an immutable field changed: deleted and created again (force) */
};

struct pn_ssa_options {
	const char *unit_name;		/* NULL: PN_SSA_UNIT_DEFAULT */
	const char *unit_namespace;	/* NULL: PN_SSA_UNIT_DEFAULT */
	uint64_t wait_interval_ms;	/* 0: PN_SSA_WAIT_INTERVAL_MS */
	uint64_t wait_timeout_ms;	/* 0: PN_SSA_WAIT_TIMEOUT_MS */
	/* Objects given without obj are read with load(load_ctx, i, &obj) (i their index in objs), one at a time,
	 * when they are checked and when they are applied, and freed after each (bounded memory: a rendered unit
	 * waits in the build's spool, render/build.h). What an apply keeps of an object is its id. */
	const struct pn_error *(*load)(void *ctx, size_t i, cJSON **out);
	void *load_ctx;
	/* --force: an object whose dry-run fails only on an immutable field is deleted (background propagation),
	 * awaited until gone (within wait_timeout_ms) and applied again, as Flux's spec.force; without it only
	 * objects annotated kustomize.toolkit.fluxcd.io/force: Enabled are. PVCs, PVs and Namespaces never are. */
	int force;
	/* --wait: after the last stage, read every applied object again every PN_HEALTH_POLL_MS until each is
	 * Current by the kstatus rules (health.h), for at most health_timeout_ms (0: PN_SSA_HEALTH_TIMEOUT_MS); a
	 * Failed object ends the wait at once. The error names each object not ready and why. */
	int wait;
	uint64_t health_timeout_ms;
	/* --health-check "<Kind>/<name>.<namespace>" ("<Kind>/<name>" when cluster-scoped), as flux create
	 * kustomization writes them: without wait, only these are awaited, as Flux's spec.healthChecks; each must
	 * name an object of the unit (checked before anything is written). */
	const char *const *health_checks;
	size_t nhealth_checks;
	/* Called once after the preflight and before the first write with the unit's inventory (every object,
	 * as it will be applied: inventory.h); an error stops the apply before it writes anything. The sync
	 * records old ∪ planned there, so that a crash in the middle of the apply cannot forget an object. */
	const struct pn_error *(*before_write)(void *ctx, struct pn_inv *planned);
	void *before_write_ctx;
	/* pinion diff: nothing is written. The preflight runs as for an apply, then every object is read and
	 * dry-run applied (stage by stage, without the waits) and reported to diff(diff_ctx, id, action, live,
	 * dry): CREATED (live NULL; dry NULL too when it cannot be dry-run yet because its kind or its namespace
	 * comes with this unit), CONFIGURED (drifted, or fields to take over), UNCHANGED, SKIPPED (the Flux
	 * annotations; live and dry NULL) or RECREATED (an immutable field, with force). */
	const struct pn_error *(*diff)(void *ctx, const char *id, enum pn_ssa_action action, const cJSON *live,
	    const cJSON *dry);
	void *diff_ctx;
};

struct pn_ssa_change {
	char *id;			/* "apps/v1 Deployment lab/web" */
	enum pn_ssa_action action;
	char *resource_version;		/* after the apply; "" when the answer had none */
};

/* What an apply did, in apply order: print each as "<id> <action name>". */
struct pn_ssa_result {
	struct pn_ssa_change *changes;
	size_t n;
	struct pn_inv inv;	/* every object of the unit, once the preflight passed (before_write's) */
};

/* Apply objs[0..n) as one unit through k, mapping kinds with d (which caches for one reconcile). res is set up
 * by the call (no init needed) and holds the objects applied, also after an error; release it with
 * pn_ssa_result_release(). */
const struct pn_error *pn_ssa_apply(struct pn_kapi *k, struct pn_discovery *d, const struct pn_ssa_object *objs,
    size_t n, const struct pn_ssa_options *opt, struct pn_ssa_result *res);
void pn_ssa_result_release(struct pn_ssa_result *res);

/* "created", "configured". */
const char *pn_ssa_action_name(enum pn_ssa_action a);

/* Append an object's id: "<apiVersion> <Kind> <ns>/<name>", or "<apiVersion> <Kind> <name>" when ns is NULL. */
const struct pn_error *pn_ssa_object_id(struct pn_buf *b, const char *api_version, const char *kind,
    const char *ns, const char *name);

#endif
