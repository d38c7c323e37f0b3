/* kstatus readiness rules and the wait for them (see health.h). */
#include "health.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../../platform/clock.h"
#include "../core/buf.h"
#include "../core/num.h"
#include "../render/yaml.h"
#include "../core/json.h"
#include "../core/banned.h"

static const cJSON *
at(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);

	return b != NULL ? cJSON_GetObjectItemCaseSensitive(v, b) : v;
}

/* A number field (raw from the YAML reader, or a cJSON number from the API), or def when absent or not an
 * integer that fits: the API is untrusted input, a count of 10^30 must not overflow. */
static long long
num(const cJSON *v, long long def)
{
	const char *t = v != NULL ? pn_yaml_number(v) : NULL;
	uint64_t n;

	if (t != NULL) {
		int neg = *t == '-';

		if (pn_num_parse_u64(t + neg, 0, INT64_MAX, "count", &n) != NULL)
			return def;
		return neg ? -(long long)n : (long long)n;
	}
	if (!cJSON_IsNumber(v) || !(v->valuedouble > -9e18 && v->valuedouble < 9e18))
		return def;
	return (long long)v->valuedouble;
}

/* The condition `type` of status.conditions, or NULL. */
static const cJSON *
condition(const cJSON *obj, const char *type)
{
	const cJSON *c = at(obj, "status", "conditions");

	for (const cJSON *e = cJSON_IsArray(c) ? c->child : NULL; e != NULL; e = e->next) {
		const char *t = pn_jstr(e, "type");

		if (t != NULL && strcmp(t, type) == 0)
			return e;
	}
	return NULL;
}

static int
cond_is(const cJSON *obj, const char *type, const char *value)
{
	const char *s = pn_jstr(condition(obj, type), "status");

	return s != NULL && strcmp(s, value) == 0;
}

static const char *
cond_reason(const cJSON *obj, const char *type)
{
	return pn_jstr(condition(obj, type), "reason");
}

static enum pn_health waiting(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static enum pn_health
waiting(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return PN_HEALTH_IN_PROGRESS;
}

static enum pn_health
deployment(const cJSON *o, char *why, size_t len)
{
	long long want = num(at(o, "spec", "replicas"), 1);
	long long replicas = num(at(o, "status", "replicas"), 0), updated = num(at(o, "status", "updatedReplicas"), 0);
	long long avail = num(at(o, "status", "availableReplicas"), 0), ready = num(at(o, "status", "readyReplicas"), 0);
	const char *pr = cond_reason(o, "Progressing");

	if (pr != NULL && strcmp(pr, "ProgressDeadlineExceeded") == 0) {
		snprintf(why, len, "progress deadline exceeded");
		return PN_HEALTH_FAILED;
	}
	if (updated < want)
		return waiting(why, len, "%lld/%lld replicas updated", updated, want);
	if (replicas > want)
		return waiting(why, len, "%lld old replicas pending termination (of %lld)", replicas - want, replicas);
	if (avail < updated || ready < want)
		return waiting(why, len, "%lld/%lld replicas available", avail < ready ? avail : ready, want);
	if (at(o, "spec", "progressDeadlineSeconds") != NULL && (pr == NULL || strcmp(pr, "NewReplicaSetAvailable") != 0))
		return waiting(why, len, "rollout in progress (%lld/%lld)", updated, want);
	if (!cond_is(o, "Available", "True"))
		return waiting(why, len, "not Available (%lld/%lld replicas)", avail, want);
	return PN_HEALTH_CURRENT;
}

static enum pn_health
statefulset(const cJSON *o, char *why, size_t len)
{
	const char *strat = cJSON_GetStringValue(at(at(o, "spec", "updateStrategy"), "type", NULL));
	long long want = num(at(o, "spec", "replicas"), 1), ready = num(at(o, "status", "readyReplicas"), 0);
	long long current = num(at(o, "status", "currentReplicas"), 0), replicas = num(at(o, "status", "replicas"), 0);
	const char *cr = cJSON_GetStringValue(at(o, "status", "currentRevision"));
	const char *ur = cJSON_GetStringValue(at(o, "status", "updateRevision"));

	if (strat != NULL && strcmp(strat, "OnDelete") == 0)
		return PN_HEALTH_CURRENT;
	if (ready < want)
		return waiting(why, len, "%lld/%lld replicas ready", ready, want);
	if (replicas > want)
		return waiting(why, len, "%lld extra replicas (of %lld)", replicas - want, replicas);
	if (at(at(o, "spec", "updateStrategy"), "rollingUpdate", NULL) == NULL && current < want)
		return waiting(why, len, "%lld/%lld replicas at the current revision", current, want);
	if (cr == NULL || ur == NULL || strcmp(cr, ur) != 0)
		return waiting(why, len, "rolling update in progress (%lld/%lld)", current, want);
	return PN_HEALTH_CURRENT;
}

static enum pn_health
daemonset(const cJSON *o, char *why, size_t len)
{
	long long desired = num(at(o, "status", "desiredNumberScheduled"), -1);
	long long avail = num(at(o, "status", "numberAvailable"), 0), ready = num(at(o, "status", "numberReady"), 0);
	long long updated = num(at(o, "status", "updatedNumberScheduled"), 0);

	if (desired < 0 || at(o, "status", "observedGeneration") == NULL)
		return waiting(why, len, "not observed yet");
	if (updated < desired)
		return waiting(why, len, "%lld/%lld pods updated", updated, desired);
	if (avail < desired || ready < desired)
		return waiting(why, len, "%lld/%lld pods available", avail < ready ? avail : ready, desired);
	return PN_HEALTH_CURRENT;
}

static enum pn_health
job(const cJSON *o, char *why, size_t len)
{
	if (cond_is(o, "Complete", "True") || (cond_is(o, "Suspended", "True") && cJSON_IsTrue(at(o, "spec", "suspend"))))
		return PN_HEALTH_CURRENT;
	if (cond_is(o, "Failed", "True")) {
		snprintf(why, len, "failed: %s", cond_reason(o, "Failed") != NULL ? cond_reason(o, "Failed") : "?");
		return PN_HEALTH_FAILED;
	}
	if (at(o, "status", "startTime") != NULL)
		return PN_HEALTH_CURRENT;
	return waiting(why, len, "not started");
}

static enum pn_health
ready_condition(const cJSON *o, char *why, size_t len)
{
	const cJSON *c = condition(o, "Ready");
	const char *s, *m;

	if (c == NULL || ((s = pn_jstr(c, "status")) != NULL && strcmp(s, "True") == 0))
		return PN_HEALTH_CURRENT;
	m = pn_jstr(c, "message");
	snprintf(why, len, "condition Ready is %s%s%.180s", s != NULL ? s : "unset", m != NULL ? ": " : "",
	    m != NULL ? m : "");
	return PN_HEALTH_IN_PROGRESS;
}

enum pn_health
pn_health_of(const cJSON *obj, char *why, size_t len)
{
	const char *kind = pn_jstr(obj, "kind");
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	long long gen = num(cJSON_GetObjectItemCaseSensitive(md, "generation"), -1);
	long long seen = num(at(obj, "status", "observedGeneration"), -1);

	why[0] = '\0';
	if (cJSON_GetObjectItemCaseSensitive(md, "deletionTimestamp") != NULL) {
		snprintf(why, len, "being deleted");
		return PN_HEALTH_TERMINATING;
	}
	if (gen >= 0 && seen >= 0 && gen != seen)
		return waiting(why, len, "generation %lld not observed yet (at %lld)", gen, seen);
	if (cond_is(obj, "Reconciling", "True"))
		return waiting(why, len, "reconciling");
	if (cond_is(obj, "Stalled", "True")) {
		snprintf(why, len, "stalled");
		return PN_HEALTH_FAILED;
	}
	if (kind == NULL)
		return PN_HEALTH_CURRENT;
	if (strcmp(kind, "Deployment") == 0)
		return deployment(obj, why, len);
	if (strcmp(kind, "StatefulSet") == 0)
		return statefulset(obj, why, len);
	if (strcmp(kind, "DaemonSet") == 0)
		return daemonset(obj, why, len);
	if (strcmp(kind, "Job") == 0)
		return job(obj, why, len);
	if (strcmp(kind, "PersistentVolumeClaim") == 0) {
		const char *ph = cJSON_GetStringValue(at(obj, "status", "phase"));

		if (ph != NULL && strcmp(ph, "Bound") == 0)
			return PN_HEALTH_CURRENT;
		snprintf(why, len, "phase %s, not Bound", ph != NULL ? ph : "unset");
		return PN_HEALTH_IN_PROGRESS;
	}
	if (strcmp(kind, "CustomResourceDefinition") == 0) {
		if (cond_is(obj, "Established", "True"))
			return PN_HEALTH_CURRENT;
		if (cond_is(obj, "NamesAccepted", "False")) {
			snprintf(why, len, "names not accepted");
			return PN_HEALTH_FAILED;
		}
		snprintf(why, len, "not Established");
		return PN_HEALTH_IN_PROGRESS;
	}
	if (strcmp(kind, "Service") == 0) {
		const char *type = cJSON_GetStringValue(at(obj, "spec", "type"));
		const char *ip = cJSON_GetStringValue(at(obj, "spec", "clusterIP"));

		if (type != NULL && strcmp(type, "LoadBalancer") == 0 && (ip == NULL || ip[0] == '\0')) {
			snprintf(why, len, "no cluster IP yet");
			return PN_HEALTH_IN_PROGRESS;
		}
		return PN_HEALTH_CURRENT;
	}
	if (strcmp(kind, "ConfigMap") == 0 || strcmp(kind, "Secret") == 0 || strcmp(kind, "CronJob") == 0 ||
	    strcmp(kind, "PodDisruptionBudget") == 0 || strcmp(kind, "Namespace") == 0)
		return PN_HEALTH_CURRENT;
	return ready_condition(obj, why, len);
}

const char *
pn_health_name(enum pn_health h)
{
	switch (h) {
	case PN_HEALTH_CURRENT:
		return "Current";
	case PN_HEALTH_IN_PROGRESS:
		return "InProgress";
	case PN_HEALTH_FAILED:
		return "Failed";
	default:
		return "Terminating";
	}
}

const struct pn_error *
pn_health_check_names(const char *spec, const char *kind, const char *ns, const char *name, int *yes)
{
	const char *slash = strchr(spec, '/'), *dot;
	size_t kl, nl;

	*yes = 0;
	if (slash == NULL || slash == spec || slash[1] == '\0')
		return pn_error_fmt(PN_ERR_USAGE, "--health-check \"%.200s\": not <Kind>/<name>.<namespace>", spec);
	kl = (size_t)(slash - spec);
	dot = strrchr(slash + 1, '.');
	if (strlen(kind) != kl || strncmp(kind, spec, kl) != 0)
		return NULL;
	/* "name.namespace" of a namespaced object, or the whole rest as a cluster-scoped name */
	nl = strlen(name);
	*yes = (ns != NULL && dot != NULL && (size_t)(dot - slash - 1) == nl && strncmp(slash + 1, name, nl) == 0 &&
	    strcmp(dot + 1, ns) == 0) || (ns == NULL && strcmp(slash + 1, name) == 0);
	return NULL;
}

const struct pn_error *
pn_health_wait(struct pn_kapi *k, struct pn_health_target *v, size_t n, uint64_t limit_ms,
    const struct pn_error *(*refused)(void *ctx, const struct pn_health_target *t, const struct pn_kapi_reply *reply),
    void *ctx)
{
	uint64_t start = pn_clock_mono_ms();
	const struct pn_error *err = NULL;
	struct pn_kapi_reply reply;
	struct pn_buf list;
	char why[PN_HEALTH_WHY_MAX];

	pn_kapi_reply_init(&reply, k);
	pn_buf_init(&list, PN_HEALTH_LIST_MAX, "health list");
	for (;;) {
		size_t waiting = 0, failed = 0;

		pn_buf_reset(&list);
		for (size_t i = 0; i < n && err == NULL; i++) {
			cJSON *live = NULL;
			enum pn_health h;

			if ((err = pn_kapi_do(k, "GET", v[i].path, NULL, NULL, 0, &reply)) != NULL)
				break;
			if (reply.status == 404) {
				h = PN_HEALTH_IN_PROGRESS;
				snprintf(why, sizeof(why), "not found");
			} else if (reply.status != 200) {
				err = refused != NULL ? refused(ctx, &v[i], &reply) : pn_kapi_reply_error(&reply, v[i].id);
				break;
			} else if ((err = pn_kapi_reply_json(&reply, "health", &live)) != NULL) {
				break;
			} else {
				h = pn_health_of(live, why, sizeof(why));
			}
			cJSON_Delete(live);
			v[i].health = h;
			if (h == PN_HEALTH_CURRENT)
				continue;
			waiting++;
			failed += h == PN_HEALTH_FAILED;
			/* "apps/v1 Deployment lab/web: 0/2 replicas available" without the source file */
			(void)pn_buf_addf(&list, "%s%s: %s", list.len > 0 ? "; " : "", v[i].id, why);
		}
		if (err != NULL || waiting == 0)
			break;
		if (failed > 0) {
			err = pn_error_fmt(PN_ERR_REJECTED, "health check failed: %s", pn_buf_str(&list));
			break;
		}
		if (pn_clock_mono_ms() - start >= limit_ms) {
			err = pn_error_fmt(PN_ERR_UNAVAILABLE, "health check timed out after %llu s, not ready: %s",
			    (unsigned long long)(limit_ms / 1000), pn_buf_str(&list));
			break;
		}
		pn_clock_sleep_ms(PN_HEALTH_POLL_MS, NULL);
	}
	pn_buf_release(&list);
	pn_kapi_reply_release(&reply);
	return err;
}
