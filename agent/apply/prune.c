/* Garbage collection of a unit's stale objects (see prune.h). */
#include "prune.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../core/log.h"
#include "../../platform/crash.h"
#include "ssa.h"
#include "stage.h"
#include "../core/json.h"
#include "../core/banned.h"

#define PN_PRUNE_ANNO_PRUNE "kustomize.toolkit.fluxcd.io/prune"

struct run {
	struct pn_kapi *k;
	struct pn_discovery *d;
	const struct pn_prune_options *opt;
	const char *unit_name, *unit_ns;
	struct pn_prune_result *res;
};

const char *
pn_prune_action_name(enum pn_prune_action a)
{
	switch (a) {
	case PN_PRUNE_DELETED: return "pruned";
	case PN_PRUNE_GONE: return "already gone";
	case PN_PRUNE_LEFT: return "left in place";
	case PN_PRUNE_HELD: return "held back";
	case PN_PRUNE_FAILED: return "prune failed";
	}
	return "?";
}

int
pn_prune_is_mass(size_t stale, size_t old)
{
	return old > 0 && (stale == old || 2 * stale > old);
}

const struct pn_error *
pn_prune_entry_id(const struct pn_inv_entry *e, struct pn_inv_object *o, char *av, size_t len, struct pn_buf *b)
{
	const struct pn_error *err;

	if ((err = pn_inv_split(e->id, o)) != NULL || (err = pn_inv_api_version(o, e->version, av, len)) != NULL)
		return err;
	return pn_ssa_object_id(b, av, o->kind, o->ns[0] != '\0' ? o->ns : NULL, o->name);
}

/* Deletion order: the reverse of the apply's (ssa.h): webhooks first, CustomResourceDefinitions last. */
static int
reverse_order(const void *a, const void *b)
{
	const struct pn_inv_entry *x = *(const struct pn_inv_entry *const *)a;
	const struct pn_inv_entry *y = *(const struct pn_inv_entry *const *)b;
	const char *kx = strrchr(x->id, '_') + 1, *ky = strrchr(y->id, '_') + 1;
	int ox = pn_stage_kind_order(kx), oy = pn_stage_kind_order(ky);

	if (ox != oy)
		return ox > oy ? -1 : 1;
	return strcmp(x->id, y->id);
}

static const char *
str_at(const cJSON *o, const char *a, const char *b)
{
	return pn_jstr(cJSON_GetObjectItemCaseSensitive(o, a), b);
}

static int
eq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static const struct pn_error *
record(struct run *r, const char *id, enum pn_prune_action action, const char *why)
{
	struct pn_prune_change *c = &r->res->changes[r->res->n];

	if ((c->id = strdup(id)) == NULL || (c->why = strdup(why != NULL ? why : "")) == NULL) {
		free(c->id);
		c->id = NULL;
		return pn_error(PN_ERR_NOMEM);
	}
	c->action = action;
	r->res->n++;
	return NULL;
}

/* Whether a namespaced resource entry of an APIResourceList can be listed. */
static int
listable(const cJSON *e)
{
	const cJSON *verbs = cJSON_GetObjectItemCaseSensitive(e, "verbs"), *v;
	const char *name = pn_jstr(e, "name");

	if (name == NULL || strchr(name, '/') != NULL || !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e,
	    "namespaced")))
		return 0;
	cJSON_ArrayForEach(v, verbs)
		if (cJSON_IsString(v) && strcmp(v->valuestring, "list") == 0)
			return 1;
	return 0;
}

/* Objects that do not hold a Namespace back: made by a controller or by the namespace itself. */
static int
incidental(const char *group, const char *kind, const cJSON *item)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(item, "metadata");
	const char *name = str_at(item, "metadata", "name");

	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(md, "ownerReferences")) > 0 ||
	    cJSON_GetObjectItemCaseSensitive(md, "deletionTimestamp") != NULL)
		return 1;
	if (strcmp(kind, "Event") == 0 || (group[0] == '\0' && strcmp(kind, "Endpoints") == 0) ||
	    (strcmp(group, "coordination.k8s.io") == 0 && strcmp(kind, "Lease") == 0))
		return 1;
	return group[0] == '\0' && ((strcmp(kind, "ServiceAccount") == 0 && eq(name, "default")) ||
	    (strcmp(kind, "ConfigMap") == 0 && eq(name, "kube-root-ca.crt")));
}

/* Look through one group/version's namespaced kinds in ns for an object the unit does not know; the first one
 * goes to `first` and *count counts them. */
static const struct pn_error *
scan_gv(struct run *r, const char *gv, const char *ns, char *first, size_t len, size_t *count)
{
	const struct pn_error *err = NULL;
	struct pn_buf path, id;
	cJSON *list = NULL, *page = NULL;
	const cJSON *e;
	const char *slash = strchr(gv, '/');
	char group[PN_DISCOVERY_APIVERSION_MAX];
	size_t gl = slash != NULL ? (size_t)(slash - gv) : 0;

	if (gl >= sizeof(group))
		return pn_error_fmt(PN_ERR_TOO_LARGE, "group/version %.300s too long", gv);
	memcpy(group, gv, gl);
	group[gl] = '\0';
	pn_buf_init(&path, PN_KAPI_TARGET_MAX, "API path");
	pn_buf_init(&id, PN_INV_ID_MAX, "inventory id");
	if ((err = pn_discovery_gv_path(&path, gv)) != NULL ||
	    (err = pn_kapi_get_json(r->k, path.data, gv, &list)) != NULL)
		goto done;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(list, "resources")) {
		const char *res = pn_jstr(e, "name"), *kind = pn_jstr(e, "kind");
		char cont[PN_KAPI_STATUS_FIELD_MAX * 4] = "";
		size_t pages = 0;

		if (!listable(e) || kind == NULL)
			continue;
		do {
			const cJSON *item;
			const char *c;

			if (++pages > PN_PRUNE_LIST_PAGES_MAX) {
				err = pn_error_fmt(PN_ERR_TOO_LARGE, "%s in namespace %s: more than %d pages", res, ns,
				    PN_PRUNE_LIST_PAGES_MAX);
				goto done;
			}
			pn_buf_reset(&path);
			if ((err = pn_discovery_gv_path(&path, gv)) != NULL ||
			    (err = pn_buf_addstr(&path, "/namespaces/")) != NULL ||
			    (err = pn_kapi_path_escape(&path, ns)) != NULL ||
			    (err = pn_buf_addf(&path, "/%s?limit=%d", res, PN_PRUNE_LIST_LIMIT)) != NULL)
				goto done;
			if (cont[0] != '\0' && ((err = pn_buf_addstr(&path, "&continue=")) != NULL ||
			    (err = pn_kapi_path_escape(&path, cont)) != NULL))
				goto done;
			cJSON_Delete(page);
			page = NULL;
			if ((err = pn_kapi_get_json(r->k, path.data, res, &page)) != NULL)
				goto done;
			cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(page, "items")) {
				const char *name = str_at(item, "metadata", "name");

				if (name == NULL || incidental(group, kind, item))
					continue;
				pn_buf_reset(&id);
				if ((err = pn_inv_id(&id, group, kind, ns, name)) != NULL)
					goto done;
				if (r->opt->known != NULL && pn_inv_find(r->opt->known, pn_buf_str(&id)) != NULL)
					continue;
				if ((*count)++ == 0)
					snprintf(first, len, "%s %s %s/%s", gv, kind, ns, name);
			}
			c = str_at(page, "metadata", "continue");
			if (c != NULL && strlen(c) >= sizeof(cont)) {
				err = pn_error_fmt(PN_ERR_TOO_LARGE, "%s in namespace %s: continue token too long", res, ns);
				goto done;
			}
			snprintf(cont, sizeof(cont), "%s", c != NULL ? c : "");
		} while (cont[0] != '\0');
	}
done:
	cJSON_Delete(page);
	cJSON_Delete(list);
	pn_buf_release(&id);
	pn_buf_release(&path);
	return err;
}

/* The Namespace guard (prune.h): *count objects in ns the unit does not know, the first in `first`. */
static const struct pn_error *
foreign_objects(struct run *r, const char *ns, char *first, size_t len, size_t *count)
{
	const struct pn_error *err;
	cJSON *groups = NULL;
	const cJSON *g;

	*count = 0;
	if ((err = scan_gv(r, "v1", ns, first, len, count)) != NULL)
		return err;
	if ((err = pn_kapi_get_json(r->k, "/apis", "API group list", &groups)) != NULL)
		return err;
	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(groups, "groups")) {
		const char *gv = str_at(g, "preferredVersion", "groupVersion");

		if (gv == NULL)
			gv = pn_jstr(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(g, "versions"), 0),
			    "groupVersion");
		if (gv != NULL && (err = scan_gv(r, gv, ns, first, len, count)) != NULL)
			break;
	}
	cJSON_Delete(groups);
	return err;
}

/* One stale object. Returns an error only for what stops the whole prune (out of memory); a failure of this
 * object is recorded and kept. */
static const struct pn_error *
prune_one(struct run *r, const struct pn_inv_entry *e, struct pn_inv *keep, const struct pn_error **first_err)
{
	struct pn_inv_object o;
	const struct pn_discovery_resource *res = NULL;
	const struct pn_error *err, *fail = NULL;
	struct pn_kapi_reply reply;
	struct pn_buf path, idb;
	cJSON *live = NULL;
	char av[PN_DISCOVERY_APIVERSION_MAX], why[PN_PRUNE_WHY_MAX], id[PN_SSA_ID_MAX];
	const char *ns;
	enum pn_prune_action action = PN_PRUNE_DELETED;

	why[0] = '\0';
	pn_buf_init(&path, PN_KAPI_TARGET_MAX, "API path");
	pn_buf_init(&idb, PN_SSA_ID_MAX, "object id");
	pn_kapi_reply_init(&reply, r->k);
	if ((err = pn_prune_entry_id(e, &o, av, sizeof(av), &idb)) != NULL)
		goto done;
	ns = o.ns[0] != '\0' ? o.ns : NULL;
	snprintf(id, sizeof(id), "%s", idb.data);
	if ((fail = pn_discovery_find(r->d, av, o.kind, &res)) != NULL)
		goto failed;
	if (res == NULL) {
		action = PN_PRUNE_GONE;
		snprintf(why, sizeof(why), "%.200s %.200s is no longer served", av, o.kind);
		goto record;
	}
	if ((err = pn_discovery_path(&path, av, res, res->namespaced ? ns : NULL, o.name)) != NULL)
		goto done;
	if ((fail = pn_kapi_do(r->k, "GET", path.data, NULL, NULL, 0, &reply)) != NULL)
		goto failed;
	if (reply.status == 404) {
		action = PN_PRUNE_GONE;
		goto record;
	}
	if ((fail = pn_kapi_reply_error(&reply, id)) != NULL || (fail = pn_kapi_reply_json(&reply, id, &live)) !=
	    NULL)
		goto failed;
	if (!eq(str_at(cJSON_GetObjectItemCaseSensitive(live, "metadata"), "labels", PN_SSA_LABEL_NAME),
	    r->unit_name) || !eq(str_at(cJSON_GetObjectItemCaseSensitive(live, "metadata"), "labels",
	    PN_SSA_LABEL_NAMESPACE), r->unit_ns)) {
		action = PN_PRUNE_LEFT;
		snprintf(why, sizeof(why), "its labels no longer name the unit %s/%s", r->unit_ns, r->unit_name);
		goto record;
	}
	{
		const cJSON *md = cJSON_GetObjectItemCaseSensitive(live, "metadata");
		const char *p = str_at(md, "annotations", PN_PRUNE_ANNO_PRUNE);
		const char *rc = str_at(md, "annotations", PN_SSA_ANNO_RECONCILE);
		const char *ssa = str_at(md, "annotations", PN_SSA_ANNO_SSA);

		if (p != NULL && strcasecmp(p, "disabled") == 0) {
			action = PN_PRUNE_LEFT;
			snprintf(why, sizeof(why), PN_PRUNE_ANNO_PRUNE ": %.32s", p);
			goto record;
		}
		if ((rc != NULL && strcasecmp(rc, "disabled") == 0) || (ssa != NULL && strcasecmp(ssa, "ignore") == 0)) {
			action = PN_PRUNE_LEFT;
			snprintf(why, sizeof(why), "%s: %.32s", rc != NULL && strcasecmp(rc, "disabled") == 0 ?
			    PN_SSA_ANNO_RECONCILE : PN_SSA_ANNO_SSA, rc != NULL && strcasecmp(rc, "disabled") == 0 ? rc :
			    ssa);
			goto record;
		}
		if (cJSON_GetObjectItemCaseSensitive(md, "deletionTimestamp") != NULL) {
			action = PN_PRUNE_GONE;
			snprintf(why, sizeof(why), "already being deleted");
			goto record;
		}
	}
	if (o.group[0] == '\0' && strcmp(o.kind, "Namespace") == 0 && !r->opt->force_namespaces) {
		char first[PN_SSA_ID_MAX];
		size_t count = 0;

		if ((fail = foreign_objects(r, o.name, first, sizeof(first), &count)) != NULL)
			goto failed;
		if (count > 0) {
			action = PN_PRUNE_HELD;
			snprintf(why, sizeof(why), "it holds %zu object%s pinion did not apply (%.300s%s); delete %s "
			    "yourself, or prune with --force-namespace-prune", count, count == 1 ? "" : "s", first,
			    count > 1 ? ", ..." : "", count == 1 ? "it" : "them");
			goto record;
		}
	}
	pn_buf_reset(&path);
	if ((err = pn_discovery_path(&path, av, res, res->namespaced ? ns : NULL, o.name)) != NULL ||
	    (err = pn_buf_addstr(&path, "?propagationPolicy=Background")) != NULL)
		goto done;
	if ((fail = pn_kapi_do(r->k, "DELETE", path.data, NULL, NULL, 0, &reply)) != NULL)
		goto failed;
	if (reply.status == 404)
		action = PN_PRUNE_GONE;
	else if ((fail = pn_kapi_reply_error(&reply, id)) != NULL)
		goto failed;
	pn_crash_point("prune-deleted");
	goto record;
failed:
	action = PN_PRUNE_FAILED;
	snprintf(why, sizeof(why), "%s", fail->msg);
	if (*first_err == NULL)
		*first_err = pn_error_wrap(fail, "prune %s", id);
record:
	if ((action == PN_PRUNE_FAILED || action == PN_PRUNE_HELD) &&
	    (err = pn_inv_add_id(keep, e->id, e->version)) != NULL)
		goto done;
	err = record(r, id, action, why);
done:
	cJSON_Delete(live);
	pn_kapi_reply_release(&reply);
	pn_buf_release(&idb);
	pn_buf_release(&path);
	return err;
}

const struct pn_error *
pn_prune(struct pn_kapi *k, struct pn_discovery *d, struct pn_inv *stale, const struct pn_prune_options *opt,
    struct pn_inv *keep, struct pn_prune_result *res)
{
	const struct pn_error *err = NULL, *first = NULL;
	struct pn_inv_entry **order;
	struct run r;

	memset(res, 0, sizeof(*res));
	pn_inv_sort(stale);
	if (stale->n == 0)
		return NULL;
	r.k = k;
	r.d = d;
	r.opt = opt;
	r.unit_name = opt->unit_name != NULL ? opt->unit_name : PN_SSA_UNIT_DEFAULT;
	r.unit_ns = opt->unit_namespace != NULL ? opt->unit_namespace : PN_SSA_UNIT_DEFAULT;
	r.res = res;
	if ((res->changes = calloc(stale->n, sizeof(*res->changes))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	if ((order = calloc(stale->n, sizeof(*order))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	for (size_t i = 0; i < stale->n; i++)
		order[i] = &stale->v[i];	/* ids were checked when they were read: each has its '_'s */
	qsort(order, stale->n, sizeof(*order), reverse_order);
	for (size_t i = 0; i < stale->n && err == NULL; i++)
		err = prune_one(&r, order[i], keep, &first);
	free(order);
	return err != NULL ? err : first;
}

void
pn_prune_result_release(struct pn_prune_result *res)
{
	for (size_t i = 0; i < res->n; i++) {
		free(res->changes[i].id);
		free(res->changes[i].why);
	}
	free(res->changes);
	memset(res, 0, sizeof(*res));
}
