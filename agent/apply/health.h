/*
 * health: is an object ready, by the kstatus rules Flux's health checks use (kube-api.md §7; fluxcd/cli-utils
 * pkg/kstatus/status). A pure function of the live object: the caller polls.
 *
 * Generic checks first: deletionTimestamp set is Terminating; observedGeneration behind generation, or a
 * Reconciling=True condition, is InProgress; Stalled=True is Failed. Then the kind's rule: Deployment,
 * StatefulSet, DaemonSet, ReplicaSet, Job, Pod, PersistentVolumeClaim, Service (LoadBalancer), CRD; ConfigMap,
 * Secret, CronJob, PodDisruptionBudget and Namespace are always Current; any other kind falls back to its Ready
 * condition (none: Current).
 */
#ifndef PN_HEALTH_H
#define PN_HEALTH_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* How often objects are read again while waiting (Flux polls every 5 s). */
#define PN_HEALTH_POLL_MS 2000
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

#endif
