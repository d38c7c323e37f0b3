/*
 * health: is an object ready, by the kstatus rules Flux's health checks use (kube-api.md §7; fluxcd/cli-utils
 * pkg/kstatus/status). pn_health_of() is a pure function of the live object; pn_health_wait() polls.
 *
 * Generic checks first: deletionTimestamp set is Terminating; observedGeneration behind generation, or a
 * Reconciling=True condition, is InProgress; Stalled=True is Failed. Then the kind's rule: Deployment,
 * StatefulSet, DaemonSet, ReplicaSet, Job, Pod, PersistentVolumeClaim, Service (LoadBalancer), CRD; ConfigMap,
 * Secret, CronJob, PodDisruptionBudget and Namespace are always Current; any other kind falls back to its Ready
 * condition (none: Current).
 *
 * pn_health_wait() is the poll loop of --wait and --health-check (ssa.h): it reads the objects it is given until
 * each is Current, one is Failed, or the time is up. pn_health_check_names() reads a --health-check.
 */
#ifndef PN_HEALTH_H
#define PN_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "../core/error.h"
#include "kapi.h"

/* How often objects are read again while waiting (Flux polls every 5 s). */
#define PN_HEALTH_POLL_MS 2000
/* Bytes of the "<id>: <why>; ..." list a failed or timed-out wait reports. */
#define PN_HEALTH_LIST_MAX (4 * PN_ERROR_MSG_MAX)
/* Bytes of the reason given for a status. */
#define PN_HEALTH_WHY_MAX 256

enum pn_health {
	PN_HEALTH_CURRENT,
	PN_HEALTH_IN_PROGRESS,
	PN_HEALTH_FAILED,
	PN_HEALTH_TERMINATING,
};

/* The status of obj (a whole object as the API server returns it) and, unless Current, why in a few words
 * ("1/2 replicas available", "condition Ready is False: <message>"). */
enum pn_health pn_health_of(const cJSON *obj, char *why, size_t len);

const char *pn_health_name(enum pn_health h);

/* Whether the --health-check `spec` names the object: "<Kind>/<name>.<namespace>", as flux create
 * kustomization writes them, or "<Kind>/<name>" for a cluster-scoped object (ns NULL). PN_ERR_USAGE when spec
 * is not <Kind>/<name>. */
const struct pn_error *pn_health_check_names(const char *spec, const char *kind, const char *ns, const char *name,
    int *yes);

/* One object pn_health_wait() reads. */
struct pn_health_target {
	const char *path;	/* its API path */
	const char *id;		/* "apps/v1 Deployment lab/web", as the error names it */
	void *arg;		/* the caller's, for refused() */
	enum pn_health health;	/* set by the wait: the status last read */
};

/* Read every target (GET path) again every PN_HEALTH_POLL_MS until each is Current; a 404 is InProgress ("not
 * found"). A Failed target ends the wait at once (PN_ERR_REJECTED "health check failed: ..."), and so does a
 * round of reads ending limit_ms or more after the call (PN_ERR_UNAVAILABLE "health check timed out after <s> s,
 * not ready: ..."); both list every target not Current as "<id>: <why>". An answer other than 200 or 404 ends
 * the wait with refused(ctx, target, reply)'s error, or when refused is NULL with pn_kapi_reply_error()'s
 * naming the id. */
const struct pn_error *pn_health_wait(struct pn_kapi *k, struct pn_health_target *v, size_t n, uint64_t limit_ms,
    const struct pn_error *(*refused)(void *ctx, const struct pn_health_target *t, const struct pn_kapi_reply *reply),
    void *ctx);

#endif
