/*
 * Staged server-side apply of one unit. See ssa.h for the stages and the request.
 *
 * The objects are checked and every kind mapped before the first write, so a typo in a kind or apiVersion, or a
 * custom resource whose CRD is nowhere, fails the unit without touching the cluster. Kinds that a CRD of this
 * very unit defines are the exception: they cannot be mapped before stage 1, and are waited for after it.
 */
#include "ssa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mbedtls/base64.h>

#include "../../platform/clock.h"
#include "../core/log.h"
#include "health.h"
#include "../../platform/crash.h"
#include "stage.h"
#include "takeover.h"
#include "../core/json.h"
#include "../core/banned.h"

#define PN_SSA_QUERY "?fieldManager=" PN_SSA_FIELD_MANAGER "&force=true"
#define PN_SSA_APPLY_TYPE "application/apply-patch+yaml"
/* Room for "<id> (<source file>)" in messages; longer ones are cut. */
#define PN_SSA_WHERE_MAX (PN_SSA_ID_MAX + 512)

struct item {
	const cJSON *obj;	/* the caller's, or NULL: loaded when needed (pn_ssa_options.load) */
	const char *source;
	size_t index;		/* in document order, from 0 */
	/* copied from the object into `ids`, so that it need not stay in memory */
	const char *api_version, *kind, *name;
	const char *ns;		/* NULL when absent or empty */
	char *ids;
	int stage;		/* pn_stage_of: 1 cluster definitions, 3 kinds ending in Class, 2 the rest */
	int pending;		/* from a CRD of this unit, not served yet */
	/* the mapping, copied out of discovery (whose cache is refreshed while waiting) */
	char *resource;
	int namespaced;
	/* Flux's annotations: reconcile: disabled or ssa: Ignore (never applied), ssa: IfNotPresent */
	int ignore, if_not_present, force, merge;
	int health;		/* named by a --health-check */
	char *takeover;		/* the JSON patch taking other managers' fields over (takeover.h), or NULL */
	/* the dry-run's verdict (plan_one) */
	enum { V_NONE, V_CREATE, V_DRIFTED, V_UNCHANGED, V_SKIP, V_RECREATE } verdict;
	char *live_rv;		/* the live object's resourceVersion, for an unchanged or skipped one */
};

/* A kind that a CRD of this unit defines: "<group>/<version>" and kind. */
struct provided {
	char *gv;
	char *kind;
	int cluster;	/* spec.scope: Cluster */
};

struct run {
	struct pn_kapi *k;
	struct pn_discovery *d;
	const char *unit_name, *unit_ns;
	uint64_t interval_ms, timeout_ms;
	struct item *items;
	size_t n;
	struct provided *prov;
	size_t nprov, capprov;
	struct pn_ssa_result *res;
	const struct pn_ssa_options *opt;
};

static const char *effective_ns(const struct item *it);

static int
nullcmp(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "");
}

/* qsort order of a stage: ReconcileOrder, then group/kind for the others (stage.h), then namespace, name, and
 * document order (qsort is not stable). */
static int
reconcile_order(const void *a, const void *b)
{
	const struct item *x = *(const struct item *const *)a, *y = *(const struct item *const *)b;
	int c;

	if ((c = pn_stage_kind_cmp(x->api_version, x->kind, y->api_version, y->kind)) != 0 ||
	    (c = nullcmp(effective_ns(x), effective_ns(y))) != 0 || (c = strcmp(x->name, y->name)) != 0)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

const char *
pn_ssa_action_name(enum pn_ssa_action a)
{
	switch (a) {
	case PN_SSA_CREATED:
		return "created";
	case PN_SSA_CONFIGURED:
		return "configured";
	case PN_SSA_UNCHANGED:
		return "unchanged";
	case PN_SSA_SKIPPED:
		return "skipped";
	case PN_SSA_RECREATED:
		return "recreated";
	}
	return "unknown";
}

const struct pn_error *
pn_ssa_object_id(struct pn_buf *b, const char *api_version, const char *kind, const char *ns, const char *name)
{
	if (ns != NULL)
		return pn_buf_addf(b, "%s %s %s/%s", api_version, kind, ns, name);
	return pn_buf_addf(b, "%s %s %s", api_version, kind, name);
}

/* The namespace the object goes to: its own, "default" when it has none, NULL when cluster-scoped. Before the
 * kind is mapped: the namespace as written. */
static const char *
effective_ns(const struct item *it)
{
	if (it->resource == NULL)
		return it->ns;
	if (!it->namespaced)
		return NULL;
	return it->ns != NULL ? it->ns : PN_SSA_NAMESPACE_DEFAULT;
}

/* "apps/v1 Deployment lab/web (apps/web.yaml)" for messages. */
static const char *
where(const struct item *it, char *buf, size_t len)
{
	const char *ns = effective_ns(it);

	if (it->api_version == NULL || it->kind == NULL || it->name == NULL)
		snprintf(buf, len, "object %zu of the unit%s%s%s", it->index + 1, it->source != NULL ? " (" : "",
		    it->source != NULL ? it->source : "", it->source != NULL ? ")" : "");
	else
		snprintf(buf, len, "%s %s %s%s%s%s%s%s", it->api_version, it->kind, ns != NULL ? ns : "",
		    ns != NULL ? "/" : "", it->name, it->source != NULL ? " (" : "", it->source != NULL ? it->source : "",
		    it->source != NULL ? ")" : "");
	return buf;
}

/* The object of it: the caller's, or loaded (then *owned, which the caller frees with cJSON_Delete()). */
static const struct pn_error *
object_of(const struct run *r, const struct item *it, const cJSON **obj, cJSON **owned)
{
	const struct pn_error *err;
	char w[PN_SSA_WHERE_MAX];

	*owned = NULL;
	*obj = it->obj;
	if (it->obj != NULL)
		return NULL;
	if (r->opt == NULL || r->opt->load == NULL)
		return pn_error_fmt(PN_ERR_INTERNAL, "%s: no object and no way to load it", where(it, w, sizeof(w)));
	if ((err = r->opt->load(r->opt->load_ctx, it->index, owned)) != NULL)
		return pn_error_wrap(err, "%s", where(it, w, sizeof(w)));
	*obj = *owned;
	return NULL;
}

/* Copy apiVersion, kind, name and namespace (may be NULL) into it->ids and point the item's fields there. */
static const struct pn_error *
keep_ids(struct item *it, const char *api_version, const char *kind, const char *name, const char *ns)
{
	const char *v[] = {api_version, kind, name, ns != NULL ? ns : ""};
	size_t len[4], total = 0, o = 0;
	const char *at[4];

	for (size_t i = 0; i < 4; i++) {
		len[i] = strlen(v[i]) + 1;
		total += len[i];
	}
	if ((it->ids = malloc(total)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	for (size_t i = 0; i < 4; i++) {
		memcpy(it->ids + o, v[i], len[i]);
		at[i] = it->ids + o;
		o += len[i];
	}
	it->api_version = at[0];
	it->kind = at[1];
	it->name = at[2];
	it->ns = ns != NULL ? at[3] : NULL;
	return NULL;
}

/* Check the fields every object needs (obj is it's object), and put it in its stage. */
static const struct pn_error *
check(struct item *it, const cJSON *obj)
{
	char w[PN_SSA_WHERE_MAX];
	const char *api_version, *kind, *name, *ns, *rec, *ssa;
	const cJSON *md, *v;
	const struct pn_error *err;

	if (!cJSON_IsObject(obj))
		return pn_error_fmt(PN_ERR_PARSE, "%s: not a mapping", where(it, w, sizeof(w)));
	api_version = pn_jstr(obj, "apiVersion");
	kind = pn_jstr(obj, "kind");
	md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	name = pn_jstr(md, "name");
	if (api_version == NULL || api_version[0] == '\0' || kind == NULL || kind[0] == '\0' ||
	    !cJSON_IsObject(md) || name == NULL || name[0] == '\0') {
		const char *missing = api_version == NULL || api_version[0] == '\0' ? "apiVersion" :
		    kind == NULL || kind[0] == '\0' ? "kind" : "metadata.name";

		return pn_error_fmt(PN_ERR_PARSE, "%s: %s is missing", where(it, w, sizeof(w)), missing);
	}
	v = cJSON_GetObjectItemCaseSensitive(md, "namespace");
	ns = cJSON_IsString(v) && v->valuestring[0] != '\0' ? v->valuestring : NULL;
	if ((err = keep_ids(it, api_version, kind, name, ns)) != NULL)
		return err;
	if (v != NULL && !cJSON_IsNull(v) && !cJSON_IsString(v))
		return pn_error_fmt(PN_ERR_PARSE, "%s: metadata.namespace is not a string", where(it, w, sizeof(w)));
	v = cJSON_GetObjectItemCaseSensitive(md, "labels");
	if (v != NULL && !cJSON_IsNull(v) && !cJSON_IsObject(v))
		return pn_error_fmt(PN_ERR_PARSE, "%s: metadata.labels is not a mapping", where(it, w, sizeof(w)));
	v = cJSON_GetObjectItemCaseSensitive(md, "annotations");
	rec = pn_jstr_or_empty(v, PN_SSA_ANNO_RECONCILE);
	ssa = pn_jstr_or_empty(v, PN_SSA_ANNO_SSA);
	it->ignore = strcasecmp(rec, "disabled") == 0 || strcasecmp(ssa, "Ignore") == 0;
	it->if_not_present = strcasecmp(ssa, "IfNotPresent") == 0;
	it->force = strcasecmp(pn_jstr_or_empty(v, PN_SSA_ANNO_FORCE), "Enabled") == 0;
	it->merge = strcasecmp(ssa, "Merge") == 0;
	it->stage = pn_stage_of(it->api_version, it->kind);
	return NULL;
}

/* Remember the kinds a CustomResourceDefinition defines: spec.group, spec.names.kind, each served version. */
static const struct pn_error *
add_provided(struct run *r, const cJSON *obj)
{
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec"), *versions, *v;
	const char *group = pn_jstr(spec, "group"), *scope = pn_jstr(spec, "scope");
	const char *kind = pn_jstr(cJSON_GetObjectItemCaseSensitive(spec, "names"), "kind");

	/* a CRD without them is refused by the server in stage 1, with a better message than ours */
	if (group == NULL || kind == NULL)
		return NULL;
	versions = cJSON_GetObjectItemCaseSensitive(spec, "versions");
	cJSON_ArrayForEach(v, versions) {
		const char *name = pn_jstr(v, "name");
		struct pn_buf gv;
		size_t len;
		const struct pn_error *err;

		if (name == NULL || cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(v, "served")))
			continue;
		if (r->nprov == r->capprov) {
			size_t cap = r->capprov == 0 ? 8 : r->capprov * 2;
			struct provided *p = reallocarray(r->prov, cap, sizeof(*p));

			if (p == NULL)
				return pn_error(PN_ERR_NOMEM);
			r->prov = p;
			r->capprov = cap;
		}
		pn_buf_init(&gv, PN_DISCOVERY_APIVERSION_MAX, "CRD group/version");
		if ((err = pn_buf_addf(&gv, "%s/%s", group, name)) == NULL)
			err = pn_buf_detach(&gv, &r->prov[r->nprov].gv, &len);
		pn_buf_release(&gv);
		if (err != NULL)
			return err;
		if ((r->prov[r->nprov].kind = strdup(kind)) == NULL) {
			free(r->prov[r->nprov].gv);
			return pn_error(PN_ERR_NOMEM);
		}
		r->prov[r->nprov].cluster = scope != NULL && strcmp(scope, "Cluster") == 0;
		r->nprov++;
	}
	return NULL;
}

/* 1 when a CRD of this unit defines the item's kind, 2 when cluster-scoped; 0 when none does. */
static int
provided(const struct run *r, const struct item *it)
{
	for (size_t i = 0; i < r->nprov; i++)
		if (strcmp(r->prov[i].gv, it->api_version) == 0 && strcmp(r->prov[i].kind, it->kind) == 0)
			return 1 + r->prov[i].cluster;
	return 0;
}

/* Every object into the result's inventory, with the namespace it goes to. */
static const struct pn_error *
plan_inventory(struct run *r)
{
	const struct pn_error *err = NULL;

	pn_inv_init(&r->res->inv);
	for (size_t i = 0; i < r->n && err == NULL; i++) {
		const struct item *it = &r->items[i];
		const char *slash = strchr(it->api_version, '/'), *ns;
		char group[PN_DISCOVERY_APIVERSION_MAX];
		size_t gl = slash != NULL ? (size_t)(slash - it->api_version) : 0;

		if (gl >= sizeof(group))
			return pn_error(PN_ERR_TOO_LARGE);
		memcpy(group, it->api_version, gl);
		group[gl] = '\0';
		if (it->resource != NULL)
			ns = effective_ns(it);
		else	/* from a CRD of this unit: its scope */
			ns = provided(r, it) == 2 ? NULL : it->ns != NULL ? it->ns : PN_SSA_NAMESPACE_DEFAULT;
		err = pn_inv_add(&r->res->inv, group, it->kind, ns, it->name, slash != NULL ? slash + 1 :
		    it->api_version);
	}
	pn_inv_sort(&r->res->inv);
	return err;
}

/* Copy a discovery answer into the item. */
static const struct pn_error *
take_mapping(struct item *it, const struct pn_discovery_resource *res)
{
	if ((it->resource = strdup(res->resource)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	it->namespaced = res->namespaced;
	it->pending = 0;
	return NULL;
}

/* One thing the cluster lacks (a kind nobody serves, a namespace that does not exist), with the first object
 * that needs it and how many more do. */
struct lack {
	int ns;			/* 0: a kind (api_version + kind), 1: a namespace */
	const char *a, *b;	/* kind: api_version, kind; namespace: its name */
	const struct item *first;
	size_t more;
	char why[PN_ERROR_MSG_MAX];	/* the explanation after the object's name */
};

/* Record that `it` needs what l describes; *nl grows when it is new. */
static void
lack_add(struct lack *v, size_t *nl, int ns, const char *a, const char *b, const struct item *it, const char *why)
{
	for (size_t i = 0; i < *nl; i++) {
		if (v[i].ns == ns && strcmp(v[i].a, a) == 0 && strcmp(v[i].b != NULL ? v[i].b : "", b != NULL ? b : "") == 0) {
			v[i].more++;
			return;
		}
	}
	v[*nl].ns = ns;
	v[*nl].a = a;
	v[*nl].b = b;
	v[*nl].first = it;
	v[*nl].more = 0;
	snprintf(v[*nl].why, sizeof(v[*nl].why), "%s", why);
	(*nl)++;
}

/* Whether this unit creates Namespace `ns`. */
static int
unit_creates_ns(const struct run *r, const char *ns)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->items[i].stage == 1 && strcmp(r->items[i].kind, "Namespace") == 0 &&
		    strcmp(r->items[i].name, ns) == 0)
			return 1;
	return 0;
}

/* Whether namespace `ns` exists; a 404 sets *why to the server's answer. */
static const struct pn_error *
ns_exists(struct run *r, const char *ns, int *exists, char *why, size_t len)
{
	struct pn_buf path;
	struct pn_kapi_reply reply;
	struct pn_kapi_status st;
	const struct pn_error *err;

	*exists = 1;
	pn_buf_init(&path, PN_KAPI_TARGET_MAX, "API path");
	pn_kapi_reply_init(&reply, r->k);
	if ((err = pn_buf_addstr(&path, "/api/v1/namespaces/")) != NULL || (err = pn_kapi_path_escape(&path, ns)) != NULL ||
	    (err = pn_kapi_do(r->k, "GET", pn_buf_str(&path), NULL, NULL, 0, &reply)) != NULL)
		goto done;
	if (reply.status == 404) {
		*exists = 0;
		if (reply.json && pn_kapi_status_decode(reply.body.data, reply.body.len, &st) == NULL)
			snprintf(why, len, " (404 %.64s: %.200s)", st.reason, st.message);
		else
			snprintf(why, len, " (404)");
	} else {
		err = pn_kapi_reply_error(&reply, "namespace");
	}
done:
	pn_kapi_reply_release(&reply);
	pn_buf_release(&path);
	return err;
}

/* The preflight's verdict: nothing lacking, or one error listing every lack with the objects that need it. When
 * the list does not fit one message, each lack is logged on its own line and the error says so. */
static const struct pn_error *
lacking(const struct lack *v, size_t nl)
{
	char line[PN_ERROR_MSG_MAX], w[PN_SSA_WHERE_MAX], more[64];
	struct pn_buf all;
	const struct pn_error *err = NULL;
	size_t kinds = 0;

	if (nl == 0)
		return NULL;
	pn_buf_init(&all, 64 * PN_ERROR_MSG_MAX, "preflight message");
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < nl; i++) {
			kinds += pass == 0 && !v[i].ns;
			more[0] = '\0';
			if (v[i].more > 0)
				snprintf(more, sizeof(more), " (and %zu more object%s)", v[i].more, v[i].more == 1 ? "" : "s");
			snprintf(line, sizeof(line), "%.200s: %.250s%s", where(v[i].first, w, sizeof(w)), v[i].why, more);
			if (pass == 1)
				pn_log(PN_LOG_ERR, "%s", line);
			else if (pn_buf_addf(&all, "%s%s", i > 0 ? "; " : "", line) != NULL)
				break;
		}
		if (pass == 0 && (nl == 1 || all.len < PN_ERROR_MSG_MAX - 1)) {
			err = pn_error_fmt(PN_ERR_NOT_FOUND, "%s", pn_buf_str(&all));
			break;
		}
	}
	if (err == NULL)	/* too long for one message: each lack was logged on its own line */
		err = pn_error_fmt(PN_ERR_NOT_FOUND, "nothing was applied: %zu kind%s not served and %zu namespace%s "
		    "missing (each named above)", kinds, kinds == 1 ? "" : "s", nl - kinds, nl - kinds == 1 ? "" : "s");
	pn_buf_release(&all);
	return err;
}

/* Map every kind, or mark it pending when a CRD of this unit will define it; then check every namespace the
 * unit writes to. Everything the cluster lacks is reported at once, before anything is written. */
static const struct pn_error *
map_all(struct run *r)
{
	const struct pn_discovery_resource *res;
	const struct pn_error *err = NULL;
	struct lack *v = NULL;
	size_t nl = 0;
	char w[PN_SSA_WHERE_MAX], why[PN_ERROR_MSG_MAX];

	if ((v = calloc(2 * r->n, sizeof(*v))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	for (size_t i = 0; i < r->n && err == NULL; i++) {
		struct item *it = &r->items[i];

		if ((err = pn_discovery_find(r->d, it->api_version, it->kind, &res)) != NULL) {
			err = pn_error_wrap(err, "%s", where(it, w, sizeof(w)));
			break;
		}
		if (res != NULL) {
			err = take_mapping(it, res);
			continue;
		}
		if (it->stage != 1 && provided(r, it)) {
			it->pending = 1;
			continue;
		}
		/* not served and not coming: the message names the versions the server does serve */
		err = pn_discovery_lookup(r->d, it->api_version, it->kind, &res);
		if (err != NULL && err->code == PN_ERR_NOT_FOUND) {
			lack_add(v, &nl, 0, it->api_version, it->kind, it, err->msg);
			err = NULL;
		} else if (err == NULL) {
			err = take_mapping(it, res);
		}
	}
	for (size_t i = 0; i < r->n && err == NULL; i++) {
		const struct item *it = &r->items[i];
		const char *ns = it->pending ? it->ns : it->resource != NULL ? effective_ns(it) : NULL;
		int exists = 1, known = 0;

		if (ns == NULL || unit_creates_ns(r, ns))
			continue;
		for (size_t j = 0; j < nl && !known; j++)
			known = v[j].ns && strcmp(v[j].a, ns) == 0;
		for (size_t j = 0; j < i && !known; j++) {
			const struct item *o = &r->items[j];

			known = (o->pending ? o->ns : o->resource != NULL ? effective_ns(o) : NULL) != NULL &&
			    strcmp(o->pending ? o->ns : effective_ns(o), ns) == 0;
		}
		if (known) {
			for (size_t j = 0; j < nl; j++)
				if (v[j].ns && strcmp(v[j].a, ns) == 0)
					v[j].more++;
			continue;
		}
		why[0] = '\0';
		if ((err = ns_exists(r, ns, &exists, why, sizeof(why))) != NULL)
			break;
		if (!exists) {
			char msg[PN_ERROR_MSG_MAX];

			snprintf(msg, sizeof(msg), "namespace %.64s does not exist: add a Namespace to the unit or create "
			    "it%.300s", ns, why);
			lack_add(v, &nl, 1, ns, NULL, it, msg);
		}
	}
	if (err == NULL)
		err = lacking(v, nl);
	free(v);
	return err;
}

/* After stage 1: ask discovery again until every pending kind is served, or the wait times out. */
static const struct pn_error *
wait_served(struct run *r)
{
	uint64_t start = pn_clock_mono_ms(), now;
	const struct pn_discovery_resource *res;
	const struct pn_error *err;
	char w[PN_SSA_WHERE_MAX];

	for (;;) {
		struct item *waiting = NULL;

		for (size_t i = 0; i < r->n; i++)
			if (r->items[i].pending)
				pn_discovery_forget(r->d, r->items[i].api_version);
		for (size_t i = 0; i < r->n; i++) {
			struct item *it = &r->items[i];

			if (!it->pending)
				continue;
			if ((err = pn_discovery_find(r->d, it->api_version, it->kind, &res)) != NULL)
				return pn_error_wrap(err, "%s", where(it, w, sizeof(w)));
			if (res == NULL) {
				if (waiting == NULL)
					waiting = it;
			} else if ((err = take_mapping(it, res)) != NULL) {
				return err;
			}
		}
		if (waiting == NULL)
			return NULL;
		now = pn_clock_mono_ms();
		if (now - start >= r->timeout_ms)
			return pn_error_fmt(PN_ERR_UNAVAILABLE, "%s: the API server still does not serve %s %s %llu ms "
			    "after this unit applied its CustomResourceDefinition", where(waiting, w, sizeof(w)),
			    waiting->api_version, waiting->kind, (unsigned long long)r->timeout_ms);
		pn_clock_sleep_ms(r->interval_ms < r->timeout_ms - (now - start) ? r->interval_ms :
		    r->timeout_ms - (now - start), NULL);
	}
}

/* Replace obj[key] with a string. */
static const struct pn_error *
set_str(cJSON *obj, const char *key, const char *value)
{
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	return cJSON_AddStringToObject(obj, key, value) != NULL ? NULL : pn_error(PN_ERR_NOMEM);
}

/* The apply body: a copy with the ownership labels and the namespace the URL names. The caller frees it. */
static const struct pn_error *
body_of(const struct run *r, const struct item *it, char **out)
{
	const struct pn_error *err = NULL;
	const cJSON *obj;
	cJSON *copy, *md, *labels, *owned;

	*out = NULL;
	if ((err = object_of(r, it, &obj, &owned)) != NULL)
		return err;
	/* a loaded object is the copy itself */
	copy = owned != NULL ? owned : cJSON_Duplicate(obj, 1);
	if (copy == NULL)
		return pn_error(PN_ERR_NOMEM);
	md = cJSON_GetObjectItemCaseSensitive(copy, "metadata");
	labels = cJSON_GetObjectItemCaseSensitive(md, "labels");
	if (!cJSON_IsObject(labels)) {
		cJSON_DeleteItemFromObjectCaseSensitive(md, "labels");
		if ((labels = cJSON_AddObjectToObject(md, "labels")) == NULL) {
			err = pn_error(PN_ERR_NOMEM);
			goto done;
		}
	}
	if ((err = set_str(labels, PN_SSA_LABEL_NAME, r->unit_name)) != NULL ||
	    (err = set_str(labels, PN_SSA_LABEL_NAMESPACE, r->unit_ns)) != NULL)
		goto done;
	if (it->namespaced)
		err = set_str(md, "namespace", effective_ns(it));
	else
		cJSON_DeleteItemFromObjectCaseSensitive(md, "namespace");
	if (err == NULL && (*out = cJSON_PrintUnformatted(copy)) == NULL)
		err = pn_error(PN_ERR_NOMEM);
done:
	cJSON_Delete(copy);
	return err;
}

/* The error for a refused apply: the server's words, with a plainer lead for a missing namespace. */
/* Replace every occurrence of s (at least PN_SSA_MASK_MIN bytes) in msg by "***". */
static void
mask_one(char *msg, const char *s, size_t n)
{
	char *p;

	if (n < PN_SSA_MASK_MIN)
		return;
	while ((p = memmem(msg, strlen(msg), s, n)) != NULL) {
		memcpy(p, "***", 3);
		memmove(p + 3, p + n, strlen(p + n) + 1);
	}
}

/* A Secret's values never reach a message: the API server's 422 quotes what it refuses. Every value of data
 * (as sent, base64, and decoded) and of stringData is masked. */
static void
mask_secret(const struct run *r, const struct item *it, char *msg)
{
	const cJSON *obj;
	cJSON *owned = NULL;
	unsigned char plain[PN_SSA_MASK_DECODE_MAX];
	size_t n;

	if (strcmp(it->kind, "Secret") != 0 || strcmp(it->api_version, "v1") != 0 ||
	    object_of(r, it, &obj, &owned) != NULL)
		return;
	for (int f = 0; f < 2; f++) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, f == 0 ? "data" : "stringData");

		for (const cJSON *v = cJSON_IsObject(m) ? m->child : NULL; v != NULL; v = v->next) {
			if (!cJSON_IsString(v))
				continue;
			mask_one(msg, v->valuestring, strlen(v->valuestring));
			if (f == 0 && mbedtls_base64_decode(plain, sizeof(plain) - 1, &n,
			    (const unsigned char *)v->valuestring, strlen(v->valuestring)) == 0)
				mask_one(msg, (const char *)plain, n);
		}
	}
	cJSON_Delete(owned);
}

static const struct pn_error *
refused(const struct run *r, const struct item *it, const struct pn_kapi_reply *reply, const char *w)
{
	struct pn_kapi_status st;
	const char *ns = effective_ns(it);
	const struct pn_error *err;
	char msg[PN_ERROR_MSG_MAX];

	if (reply->status == 404 && reply->json && ns != NULL &&
	    pn_kapi_status_decode(reply->body.data, reply->body.len, &st) == NULL &&
	    strcmp(st.details_kind, "namespaces") == 0 && strcmp(st.details_name, ns) == 0)
		return pn_error_fmt(PN_ERR_NOT_FOUND, "%s: namespace %s does not exist: add a Namespace to the unit or "
		    "create it (404 %s: %s)", w, ns, st.reason, st.message);
	if ((err = pn_kapi_reply_error(reply, w)) == NULL || strcmp(it->kind, "Secret") != 0)
		return err;
	snprintf(msg, sizeof(msg), "%s", err->msg);
	mask_secret(r, it, msg);
	return pn_error_fmt(err->code, "%s", msg);
}

static const struct pn_error *
record(struct run *r, const struct item *it, enum pn_ssa_action action, const char *rv)
{
	struct pn_ssa_change *c = &r->res->changes[r->res->n];
	const struct pn_error *err;
	struct pn_buf id;
	size_t len;

	pn_buf_init(&id, PN_SSA_ID_MAX, "object id");
	if ((err = pn_ssa_object_id(&id, it->api_version, it->kind, effective_ns(it), it->name)) == NULL)
		err = pn_buf_detach(&id, &c->id, &len);
	pn_buf_release(&id);
	if (err != NULL)
		return err;
	c->action = action;
	if ((c->resource_version = strdup(rv != NULL ? rv : "")) == NULL) {
		free(c->id);
		c->id = NULL;
		return pn_error(PN_ERR_NOMEM);
	}
	r->res->n++;
	return NULL;
}

static const struct pn_error *apply_one(struct run *r, const struct item *it);

/* Whether two maps are equal, a missing one being an empty one. */
static int
same_map(const cJSON *a, const cJSON *b)
{
	if (a == NULL || cJSON_IsNull(a) || (cJSON_IsObject(a) && a->child == NULL))
		return b == NULL || cJSON_IsNull(b) || (cJSON_IsObject(b) && b->child == NULL);
	return b != NULL && cJSON_Compare(a, b, 1);
}

/* Flux's hasDrifted (fluxcd/pkg ssa): the dry-run result differs from the live object in its labels, its
 * annotations, or anything outside metadata and status. */
static int
drifted(const cJSON *dry, const cJSON *live)
{
	const cJSON *dm = cJSON_GetObjectItemCaseSensitive(dry, "metadata");
	const cJSON *lm = cJSON_GetObjectItemCaseSensitive(live, "metadata");

	if (!same_map(cJSON_GetObjectItemCaseSensitive(dm, "labels"), cJSON_GetObjectItemCaseSensitive(lm, "labels")) ||
	    !same_map(cJSON_GetObjectItemCaseSensitive(dm, "annotations"),
	    cJSON_GetObjectItemCaseSensitive(lm, "annotations")))
		return 1;
	for (int pass = 0; pass < 2; pass++) {
		const cJSON *x = pass == 0 ? dry : live, *y = pass == 0 ? live : dry;

		for (const cJSON *c = x->child; c != NULL; c = c->next) {
			const cJSON *o;

			if (strcmp(c->string, "metadata") == 0 || strcmp(c->string, "status") == 0)
				continue;
			if ((o = cJSON_GetObjectItemCaseSensitive(y, c->string)) == NULL || !cJSON_Compare(c, o, 1))
				return 1;
		}
	}
	return 0;
}

/* The object's API path, with `query` appended. */
static const struct pn_error *
object_path(const struct item *it, const char *query, struct pn_buf *path)
{
	struct pn_discovery_resource res;

	res.kind = NULL;
	res.resource = it->resource;
	res.namespaced = it->namespaced;
	if (pn_discovery_path(path, it->api_version, &res, effective_ns(it), it->name) != NULL ||
	    pn_buf_addstr(path, query) != NULL)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "object path too long");
	return NULL;
}

/* An apply refused only because an immutable field would change (Flux's pkg/ssa/errors/immutable.go): a 422
 * whose message says so. Other validation errors never lead to a delete. */
static int
immutable(int status, const char *msg)
{
	return status == 422 && (strstr(msg, "field is immutable") != NULL || strstr(msg, "may not change once set") !=
	    NULL || strstr(msg, "updates to statefulset spec for fields other than") != NULL);
}

/* Kinds whose deletion loses data or everything in them: never recreated. */
static int
recreatable(const struct item *it)
{
	return !(strcmp(it->api_version, "v1") == 0 && (strcmp(it->kind, "PersistentVolumeClaim") == 0 ||
	    strcmp(it->kind, "PersistentVolume") == 0 || strcmp(it->kind, "Namespace") == 0));
}

/* Delete the live object (background propagation) and wait until it is gone, for the apply that follows. */
static const struct pn_error *
delete_and_wait(struct run *r, const struct item *it, const char *w)
{
	const struct pn_error *err;
	struct pn_kapi_reply reply;
	struct pn_buf path;
	uint64_t start = pn_clock_mono_ms();

	pn_kapi_reply_init(&reply, r->k);
	pn_buf_init(&path, PN_SSA_ID_MAX + PN_KAPI_PREFIX_MAX, "object path");
	if ((err = object_path(it, "?propagationPolicy=Background", &path)) != NULL ||
	    (err = pn_kapi_do(r->k, "DELETE", pn_buf_str(&path), NULL, NULL, 0, &reply)) != NULL) {
		err = pn_error_wrap(err, "delete %s", w);
		goto done;
	}
	if (reply.status != 200 && reply.status != 202 && reply.status != 404) {
		err = refused(r, it, &reply, w);
		goto done;
	}
	pn_log(PN_LOG_NOTICE, "%s: an immutable field changed: deleted, to be created again", w);
	pn_buf_reset(&path);
	if ((err = object_path(it, "", &path)) != NULL)
		goto done;
	for (;;) {
		if ((err = pn_kapi_do(r->k, "GET", pn_buf_str(&path), NULL, NULL, 0, &reply)) != NULL)
			goto done;
		if (reply.status == 404)
			break;
		if (pn_clock_mono_ms() - start >= r->timeout_ms) {
			err = pn_error_fmt(PN_ERR_UNAVAILABLE, "%s: still there %llu ms after its deletion (finalizers?)", w,
			    (unsigned long long)r->timeout_ms);
			goto done;
		}
		pn_clock_sleep_ms(r->interval_ms < PN_SSA_GONE_POLL_MS ? r->interval_ms : PN_SSA_GONE_POLL_MS, NULL);
	}
done:
	pn_buf_release(&path);
	pn_kapi_reply_release(&reply);
	return err;
}

/* pinion diff: report one planned object (pn_ssa_options.diff). */
static const struct pn_error *
report(struct run *r, const struct item *it, enum pn_ssa_action action, const cJSON *live, const cJSON *dry)
{
	const struct pn_error *err;
	struct pn_buf id;

	pn_buf_init(&id, PN_SSA_ID_MAX, "object id");
	if ((err = pn_ssa_object_id(&id, it->api_version, it->kind, effective_ns(it) != NULL ? effective_ns(it) :
	    it->resource == NULL ? it->ns : NULL, it->name)) == NULL)
		err = r->opt->diff(r->opt->diff_ctx, pn_buf_str(&id), action, live, dry);
	pn_buf_release(&id);
	return err;
}

static int
diffing(const struct run *r)
{
	return r->opt != NULL && r->opt->diff != NULL;
}

/* Before a stage writes anything (flux-apply.md: ApplyAll): GET the live object and dry-run the apply, and decide
 * whether it must be applied. Any error here stops the stage before its first write. */
static const struct pn_error *
plan_one(struct run *r, struct item *it)
{
	const struct pn_error *err;
	struct pn_kapi_reply reply;
	struct pn_buf path;
	cJSON *live = NULL, *dry = NULL;
	char *body = NULL, w[PN_SSA_WHERE_MAX];
	const char *rv;

	where(it, w, sizeof(w));
	it->verdict = V_SKIP;
	if (it->ignore)
		return diffing(r) ? report(r, it, PN_SSA_SKIPPED, NULL, NULL) : NULL;
	if (diffing(r) && it->pending) {	/* its CRD is new in this unit: nothing to ask yet */
		it->verdict = V_CREATE;
		return report(r, it, PN_SSA_CREATED, NULL, NULL);
	}
	pn_kapi_reply_init(&reply, r->k);
	pn_buf_init(&path, PN_SSA_ID_MAX + PN_KAPI_PREFIX_MAX, "object path");
	if ((err = object_path(it, "", &path)) != NULL ||
	    (err = pn_kapi_do(r->k, "GET", pn_buf_str(&path), NULL, NULL, 0, &reply)) != NULL) {
		err = pn_error_wrap(err, "%s", w);
		goto done;
	}
	if (reply.status == 200) {
		if ((err = pn_kapi_reply_json(&reply, w, &live)) != NULL)
			goto done;
		rv = pn_jstr(cJSON_GetObjectItemCaseSensitive(live, "metadata"), "resourceVersion");
		if ((it->live_rv = strdup(rv != NULL ? rv : "")) == NULL) {
			err = pn_error(PN_ERR_NOMEM);
			goto done;
		}
		if (it->if_not_present) {	/* ssa: IfNotPresent, and it is there */
			if (diffing(r))
				err = report(r, it, PN_SSA_SKIPPED, NULL, NULL);
			goto done;
		}
		if (!it->merge && (err = pn_takeover_patch(live, PN_SSA_FIELD_MANAGER, &it->takeover)) != NULL)
			goto done;
	} else if (reply.status != 404) {
		err = refused(r, it, &reply, w);
		goto done;
	}
	if ((err = body_of(r, it, &body)) != NULL)
		goto done;
	if (strlen(body) > PN_SSA_BODY_MAX) {
		err = pn_error_fmt(PN_ERR_TOO_LARGE, "%s: %zu bytes of JSON, more than the %d the API server accepts",
		    w, strlen(body), PN_SSA_BODY_MAX);
		goto done;
	}
	pn_buf_reset(&path);
	if ((err = object_path(it, PN_SSA_QUERY "&dryRun=All", &path)) != NULL ||
	    (err = pn_kapi_do(r->k, "PATCH", pn_buf_str(&path), PN_SSA_APPLY_TYPE, body, strlen(body), &reply)) != NULL) {
		err = pn_error_wrap(err, "dry-run %s", w);
		goto done;
	}
	if (reply.status == 404 && live == NULL && diffing(r) && effective_ns(it) != NULL &&
	    unit_creates_ns(r, effective_ns(it))) {
		/* its namespace comes with this unit: a dry-run cannot see it yet */
		it->verdict = V_CREATE;
		err = report(r, it, PN_SSA_CREATED, NULL, NULL);
		goto done;
	}
	if (reply.status != 200 && reply.status != 201) {
		err = refused(r, it, &reply, w);
		if (err == NULL)
			err = pn_error_fmt(PN_ERR_PROTO, "%s: unexpected HTTP status %d to a dry-run apply", w, reply.status);
		else if (live != NULL && immutable(reply.status, err->msg)) {
			if (!recreatable(it))
				err = pn_error_fmt(err->code, "%s (a %s is never deleted to be recreated)", err->msg, it->kind);
			else if (!it->force && (r->opt == NULL || !r->opt->force))
				err = pn_error_fmt(err->code, "%s (to delete and recreate it, annotate it %s: Enabled or run "
				    "with --force)", err->msg, PN_SSA_ANNO_FORCE);
			else {
				err = NULL;
				it->verdict = V_RECREATE;
				if (diffing(r))
					err = report(r, it, PN_SSA_RECREATED, live, NULL);
			}
		}
		goto done;
	}
	if ((err = pn_kapi_reply_json(&reply, w, &dry)) != NULL)
		goto done;
	rv = pn_jstr(cJSON_GetObjectItemCaseSensitive(dry, "metadata"), "resourceVersion");
	if (live == NULL || rv == NULL || rv[0] == '\0')
		it->verdict = V_CREATE;
	else
		/* fields another manager applied are pinion's after the take-over: apply once more so that those
		 * Git no longer has go */
		it->verdict = drifted(dry, live) || it->takeover != NULL ? V_DRIFTED : V_UNCHANGED;
	if (diffing(r))
		err = report(r, it, it->verdict == V_CREATE ? PN_SSA_CREATED : it->verdict == V_DRIFTED ?
		    PN_SSA_CONFIGURED : PN_SSA_UNCHANGED, live, dry);
done:
	cJSON_Delete(live);
	cJSON_Delete(dry);
	cJSON_free(body);
	pn_buf_release(&path);
	pn_kapi_reply_release(&reply);
	return err;
}

/* Send the take-over patch (takeover.h) of an existing object before it is applied. */
static const struct pn_error *
take_over(struct run *r, const struct item *it)
{
	const struct pn_error *err;
	struct pn_kapi_reply reply;
	struct pn_buf path;
	char w[PN_SSA_WHERE_MAX];

	where(it, w, sizeof(w));
	pn_kapi_reply_init(&reply, r->k);
	pn_buf_init(&path, PN_SSA_ID_MAX + PN_KAPI_PREFIX_MAX, "object path");
	if ((err = object_path(it, "?fieldManager=" PN_SSA_FIELD_MANAGER, &path)) == NULL &&
	    (err = pn_kapi_do(r->k, "PATCH", pn_buf_str(&path), "application/json-patch+json", it->takeover,
	    strlen(it->takeover), &reply)) == NULL && reply.status != 200 &&
	    (err = refused(r, it, &reply, w)) == NULL)
		err = pn_error_fmt(PN_ERR_PROTO, "%s: unexpected HTTP status %d to a JSON patch", w, reply.status);
	if (err != NULL)
		err = pn_error_wrap(err, "taking over the fields of kubectl or Flux");
	pn_buf_release(&path);
	pn_kapi_reply_release(&reply);
	return err;
}

/* One stage: every object's dry-run first, then the writes, only for new and drifted objects. The result lists
 * each object of the stage in order, with what happened to it. */
static const struct pn_error *
run_stage(struct run *r, struct item **v, size_t n)
{
	const struct pn_error *err;

	for (size_t i = 0; i < n; i++)
		if ((err = plan_one(r, v[i])) != NULL)
			return err;
	if (diffing(r))
		return NULL;	/* pinion diff writes nothing */
	for (size_t i = 0; i < n; i++) {
		char w[PN_SSA_WHERE_MAX];

		if (v[i]->verdict == V_RECREATE && (err = delete_and_wait(r, v[i], where(v[i], w, sizeof(w)))) != NULL)
			return err;
		if (v[i]->verdict == V_DRIFTED && v[i]->takeover != NULL && (err = take_over(r, v[i])) != NULL)
			return err;
		if (v[i]->verdict == V_CREATE || v[i]->verdict == V_DRIFTED || v[i]->verdict == V_RECREATE)
			err = apply_one(r, v[i]);
		else
			err = record(r, v[i], v[i]->verdict == V_UNCHANGED ? PN_SSA_UNCHANGED : PN_SSA_SKIPPED,
			    v[i]->live_rv != NULL ? v[i]->live_rv : "");
		if (err != NULL)
			return err;
	}
	return NULL;
}

/* --health-check (health.h): mark the objects each names; each must name one of this unit's. */
static const struct pn_error *
mark_health(struct run *r)
{
	const struct pn_error *err;

	for (size_t h = 0; r->opt != NULL && h < r->opt->nhealth_checks; h++) {
		const char *spec = r->opt->health_checks[h];
		size_t found = 0;

		for (size_t i = 0; i < r->n; i++) {
			struct item *it = &r->items[i];
			const char *ns = effective_ns(it);
			int yes;

			if ((err = pn_health_check_names(spec, it->kind, ns, it->name, &yes)) != NULL)
				return err;
			if (yes) {
				it->health = 1;
				found++;
			}
		}
		if (found == 0)
			return pn_error_fmt(PN_ERR_USAGE, "--health-check %.200s: no such object in this unit (pinion checks "
			    "the objects it applies)", spec);
	}
	return NULL;
}

/* The health wait's answer to a read other than 200 or 404: refused(), naming the object with its file. */
static const struct pn_error *
health_refused(void *ctx, const struct pn_health_target *t, const struct pn_kapi_reply *reply)
{
	char w[PN_SSA_WHERE_MAX];

	return refused(ctx, t->arg, reply, where(t->arg, w, sizeof(w)));
}

/* --wait: poll the applied objects of `stage` (0: all, -1: those a --health-check names) until each is Current
 * (health.h), one is Failed, or the time is up. */
static const struct pn_error *
wait_healthy(struct run *r, int stage, uint64_t limit)
{
	const struct pn_error *err = NULL;
	struct pn_health_target *v;
	size_t nv = 0;

	if ((v = calloc(r->n, sizeof(*v))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	for (size_t i = 0; i < r->n && err == NULL; i++) {
		struct item *it = &r->items[i];
		struct pn_buf b;
		char *s = NULL;
		size_t len;

		if (it->verdict == V_SKIP || it->verdict == V_NONE || (stage > 0 && it->stage != stage) ||
		    (stage < 0 && !it->health))
			continue;
		/* one block: the path, then the id */
		pn_buf_init(&b, 2 * PN_SSA_ID_MAX + PN_KAPI_PREFIX_MAX, "object path");
		if ((err = object_path(it, "", &b)) == NULL && (err = pn_buf_addch(&b, '\0')) == NULL &&
		    (err = pn_ssa_object_id(&b, it->api_version, it->kind, effective_ns(it), it->name)) == NULL)
			err = pn_buf_detach(&b, &s, &len);
		pn_buf_release(&b);
		if (err != NULL)
			break;
		v[nv].path = s;
		v[nv].id = s + strlen(s) + 1;
		v[nv++].arg = it;
	}
	if (err == NULL)
		err = pn_health_wait(r->k, v, nv, limit, health_refused, r);
	for (size_t i = 0; i < nv; i++)
		free((char *)(uintptr_t)v[i].path);
	free(v);
	return err;
}

static const struct pn_error *
apply_one(struct run *r, const struct item *it)
{
	const struct pn_error *err;
	struct pn_discovery_resource res;
	struct pn_kapi_reply reply;
	struct pn_buf path;
	cJSON *answer = NULL;
	char *body = NULL, w[PN_SSA_WHERE_MAX];
	size_t len;

	where(it, w, sizeof(w));
	pn_kapi_reply_init(&reply, r->k);
	pn_buf_init(&path, PN_SSA_ID_MAX + PN_KAPI_PREFIX_MAX, "object path");
	if ((err = body_of(r, it, &body)) != NULL)
		goto done;
	if ((len = strlen(body)) > PN_SSA_BODY_MAX) {
		err = pn_error_fmt(PN_ERR_TOO_LARGE, "%s: %zu bytes of JSON, more than the %d the API server accepts",
		    w, len, PN_SSA_BODY_MAX);
		goto done;
	}
	res.kind = NULL;
	res.resource = it->resource;
	res.namespaced = it->namespaced;
	if ((err = pn_discovery_path(&path, it->api_version, &res, effective_ns(it), it->name)) != NULL ||
	    (err = pn_buf_addstr(&path, PN_SSA_QUERY)) != NULL) {
		err = pn_error_wrap(err, "%s", w);
		goto done;
	}
	if ((err = pn_kapi_do(r->k, "PATCH", pn_buf_str(&path), PN_SSA_APPLY_TYPE, body, len, &reply)) != NULL) {
		err = pn_error_wrap(err, "apply %s", w);
		goto done;
	}
	if (reply.status != 200 && reply.status != 201) {
		err = refused(r, it, &reply, w);
		if (err == NULL)	/* another 2xx: not what apply answers */
			err = pn_error_fmt(PN_ERR_PROTO, "%s: unexpected HTTP status %d to an apply", w, reply.status);
		goto done;
	}
	pn_crash_point("apply-object");	/* an object written, the unit not finished */
	if ((err = pn_kapi_reply_json(&reply, w, &answer)) != NULL)
		goto done;
	err = record(r, it, it->verdict == V_RECREATE ? PN_SSA_RECREATED : reply.status == 201 ? PN_SSA_CREATED :
	    PN_SSA_CONFIGURED,
	    pn_jstr(cJSON_GetObjectItemCaseSensitive(answer, "metadata"), "resourceVersion"));
done:
	cJSON_Delete(answer);
	cJSON_free(body);
	pn_buf_release(&path);
	pn_kapi_reply_release(&reply);
	return err;
}

const struct pn_error *
pn_ssa_apply(struct pn_kapi *k, struct pn_discovery *d, const struct pn_ssa_object *objs, size_t n,
    const struct pn_ssa_options *opt, struct pn_ssa_result *res)
{
	const struct pn_error *err = NULL;
	struct item **stage = NULL;
	size_t ns;
	struct run r;

	memset(res, 0, sizeof(*res));
	memset(&r, 0, sizeof(r));
	r.k = k;
	r.d = d;
	r.res = res;
	r.opt = opt;
	r.unit_name = opt != NULL && opt->unit_name != NULL ? opt->unit_name : PN_SSA_UNIT_DEFAULT;
	r.unit_ns = opt != NULL && opt->unit_namespace != NULL ? opt->unit_namespace : PN_SSA_UNIT_DEFAULT;
	r.interval_ms = opt != NULL && opt->wait_interval_ms != 0 ? opt->wait_interval_ms : PN_SSA_WAIT_INTERVAL_MS;
	r.timeout_ms = opt != NULL && opt->wait_timeout_ms != 0 ? opt->wait_timeout_ms : PN_SSA_WAIT_TIMEOUT_MS;
	if (n == 0)
		return NULL;
	r.n = n;
	if ((r.items = calloc(n, sizeof(*r.items))) == NULL || (res->changes = calloc(n, sizeof(*res->changes))) ==
	    NULL) {
		err = pn_error(PN_ERR_NOMEM);
		goto done;
	}
	/* 0: check everything and map every kind before the first write */
	for (size_t i = 0; i < n; i++) {
		const cJSON *obj;
		cJSON *owned;

		r.items[i].obj = objs[i].obj;
		r.items[i].source = objs[i].source;
		r.items[i].index = i;
		if ((err = object_of(&r, &r.items[i], &obj, &owned)) != NULL)
			goto done;
		if ((err = check(&r.items[i], obj)) == NULL && r.items[i].stage == 1 &&
		    strcmp(r.items[i].kind, "CustomResourceDefinition") == 0)
			err = add_provided(&r, obj);
		cJSON_Delete(owned);
		if (err != NULL)
			goto done;
	}
	if ((err = map_all(&r)) != NULL || (err = plan_inventory(&r)) != NULL || (err = mark_health(&r)) != NULL)
		goto done;
	if (opt != NULL && opt->before_write != NULL && !diffing(&r) && (err = opt->before_write(opt->before_write_ctx,
	    &res->inv)) != NULL)
		goto done;
	if ((stage = calloc(n, sizeof(*stage))) == NULL) {
		err = pn_error(PN_ERR_NOMEM);
		goto done;
	}
	/* 1: cluster definitions */
	ns = 0;
	for (size_t i = 0; i < n; i++)
		if (r.items[i].stage == 1)
			stage[ns++] = &r.items[i];
	qsort(stage, ns, sizeof(*stage), reconcile_order);
	if ((err = run_stage(&r, stage, ns)) != NULL)
		goto done;
	/* until the CRDs' kinds are served */
	if (!diffing(&r) && (err = wait_served(&r)) != NULL)
		goto done;
	/* 2: kinds ending in Class, then until they are Current (Flux waits for them as for the first stage) */
	ns = 0;
	for (size_t i = 0; i < n; i++)
		if (r.items[i].stage == 3)
			stage[ns++] = &r.items[i];
	qsort(stage, ns, sizeof(*stage), reconcile_order);
	if (ns > 0 && ((err = run_stage(&r, stage, ns)) != NULL || (!diffing(&r) &&
	    (err = wait_healthy(&r, 3, r.timeout_ms)) != NULL)))
		goto done;
	/* 3: the rest */
	ns = 0;
	for (size_t i = 0; i < n; i++)
		if (r.items[i].stage == 2)
			stage[ns++] = &r.items[i];
	qsort(stage, ns, sizeof(*stage), reconcile_order);
	if ((err = run_stage(&r, stage, ns)) == NULL && opt != NULL && (opt->wait || opt->nhealth_checks > 0) &&
	    !diffing(&r))	/* --wait: everything; else the --health-check objects (Flux: wait wins) */
		err = wait_healthy(&r, opt->wait ? 0 : -1, opt->health_timeout_ms != 0 ? opt->health_timeout_ms :
		    PN_SSA_HEALTH_TIMEOUT_MS);
done:
	free(stage);
	for (size_t i = 0; r.items != NULL && i < n; i++) {
		free(r.items[i].resource);
		free(r.items[i].ids);
		free(r.items[i].live_rv);
		cJSON_free(r.items[i].takeover);
	}
	free(r.items);
	for (size_t i = 0; i < r.nprov; i++) {
		free(r.prov[i].gv);
		free(r.prov[i].kind);
	}
	free(r.prov);
	return err;
}

void
pn_ssa_result_release(struct pn_ssa_result *res)
{
	for (size_t i = 0; i < res->n; i++) {
		free(res->changes[i].id);
		free(res->changes[i].resource_version);
	}
	free(res->changes);
	pn_inv_release(&res->inv);
	memset(res, 0, sizeof(res[0]));
}
