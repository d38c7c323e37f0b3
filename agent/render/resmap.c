/*
 * The objects of one kustomization (see resmap.h).
 */
#include "resmap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buildmeta.h"
#include "fieldspec.h"
#include "../core/json.h"
#include "../core/banned.h"

static const char *
meta(const cJSON *obj, const char *field)
{
	return pn_jstr_or_empty(cJSON_GetObjectItemCaseSensitive(obj, "metadata"), field);
}

const char *
pn_resmap_idf(const char *ids, enum pn_resmap_idf f)
{
	for (int i = 0; i < (int)f; i++)
		ids += strlen(ids) + 1;
	return ids;
}

const struct pn_error *
pn_resmap_ids(const cJSON *obj, char **out)
{
	const char *v[] = {pn_jstr_or_empty(obj, "apiVersion"), pn_jstr_or_empty(obj, "kind"), meta(obj, "name"),
	    meta(obj, "namespace")};
	size_t len[4], total = 0, o = 0;
	char *p;

	for (size_t i = 0; i < 4; i++) {
		len[i] = strlen(v[i]) + 1;
		total += len[i];	/* four strings of one object: no overflow */
	}
	if ((p = malloc(total)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	for (size_t i = 0; i < 4; i++) {
		memcpy(p + o, v[i], len[i]);
		o += len[i];
	}
	*out = p;
	return NULL;
}

/* A field of r's id: from the object while loaded, else from the packed id. */
static const char *
idf(const struct pn_res *r, enum pn_resmap_idf f)
{
	if (r->obj != NULL || r->ids == NULL) {
		switch (f) {
		case PN_RESMAP_API_VERSION:
			return pn_jstr_or_empty(r->obj, "apiVersion");
		case PN_RESMAP_KIND:
			return pn_jstr_or_empty(r->obj, "kind");
		case PN_RESMAP_NAME:
			return meta(r->obj, "name");
		case PN_RESMAP_NAMESPACE:
			return meta(r->obj, "namespace");
		}
	}
	return pn_resmap_idf(r->ids, f);
}

const char *
pn_res_name(const struct pn_res *r)
{
	return idf(r, PN_RESMAP_NAME);
}

const char *
pn_res_namespace(const struct pn_res *r)
{
	return idf(r, PN_RESMAP_NAMESPACE);
}

const char *
pn_res_kind(const struct pn_res *r)
{
	return idf(r, PN_RESMAP_KIND);
}

const char *
pn_res_api_version(const struct pn_res *r)
{
	return idf(r, PN_RESMAP_API_VERSION);
}

int
pn_res_selected(const struct pn_res *r, const struct pn_fieldspec *fs)
{
	return pn_fieldspec_selects_id(fs, pn_res_api_version(r), pn_res_kind(r));
}

int
pn_res_cluster_scoped(const struct pn_res *r)
{
	return pn_fieldspec_cluster_scoped_id(pn_res_api_version(r), pn_res_kind(r));
}

const struct pn_error *
pn_res_load(struct pn_resmap *m, struct pn_res *r)
{
	const struct pn_error *err;

	if (r->obj != NULL)
		return NULL;
	if (m->spool == NULL)
		return pn_error_fmt(PN_ERR_INTERNAL, "resmap: a spooled object in a map without a spool");
	if ((err = pn_spool_get(m->spool, &r->slot, &r->obj)) != NULL)
		return err;
	free(r->ids);
	r->ids = NULL;
	return NULL;
}

static size_t
len0(const char *s)
{
	return s != NULL ? strlen(s) + 1 : 0;
}

/* What a spooled entry holds in memory (orig_ns shares orig_name's allocation). */
static size_t
entry_cost(const struct pn_res *r, const char *ids)
{
	size_t n = sizeof(*r) + len0(r->orig_name) + len0(r->orig_ns) + len0(r->prev) + len0(r->fixes) +
	    len0(r->refvars);

	for (int f = 0; ids != NULL && f <= PN_RESMAP_NAMESPACE; f++)
		n += len0(pn_resmap_idf(ids, (enum pn_resmap_idf)f));
	return n;
}

const struct pn_error *
pn_res_spill(struct pn_resmap *m, struct pn_res *r)
{
	const struct pn_error *err;
	size_t cost;
	char *ids;

	if (r->obj == NULL || m->spool == NULL)
		return NULL;
	if ((err = pn_resmap_ids(r->obj, &ids)) != NULL)
		return err;
	{
		const char *lc = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(r->obj, "metadata"), "annotations"), "config.kubernetes.io/local-config"));

		r->local = lc != NULL && strcmp(lc, "true") == 0;
		r->meta = pn_buildmeta_carries(r->obj);
	}
	cost = entry_cost(r, ids);
	if (m->budget != NULL && cost > r->cost && cost - r->cost > m->budget->max - m->budget->used) {
		char id[PN_RESMAP_ID_MAX];

		free(ids);
		pn_res_id(r, id, sizeof(id));
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s: the build's index of its objects would exceed its %zu bytes",
		    id, m->budget->max);
	}
	if ((err = pn_spool_put(m->spool, r->obj, &r->slot)) != NULL) {
		free(ids);
		return err;
	}
	cJSON_Delete(r->obj);
	r->obj = NULL;
	free(r->ids);
	r->ids = ids;
	if (m->budget != NULL) {
		m->budget->used = m->budget->used - r->cost + cost;
		r->cost = cost;
	}
	return NULL;
}

int
pn_resmap_ns_equal(const char *a, const char *b)
{
	if (a[0] == '\0')
		a = "default";
	if (b[0] == '\0')
		b = "default";
	return strcmp(a, b) == 0;
}

void
pn_res_id(const struct pn_res *r, char *buf, size_t cap)
{
	const char *ns = pn_res_namespace(r), *api = pn_res_api_version(r), *slash = strchr(api, '/');
	char g[128], v[128];

	if (slash == NULL) {
		g[0] = '\0';
		snprintf(v, sizeof(v), "%s", api);
	} else {
		snprintf(g, sizeof(g), "%.*s", (int)(slash - api), api);
		snprintf(v, sizeof(v), "%s", slash + 1);
	}
	snprintf(buf, cap, "%.100s.%.100s.%.100s/%.100s.%.100s", pn_res_kind(r), v, g[0] != '\0' ? g : "[noGrp]",
	    pn_res_name(r), ns[0] != '\0' ? ns : "[noNs]");
}

/* Same kind (present) and apiVersion. */
static int
same_gvk(const char *ka, const char *aa, const char *kb, const char *ab)
{
	return ka[0] != '\0' && strcmp(ka, kb) == 0 && strcmp(aa, ab) == 0;
}

/* Whether r was kind/ns/name before a patch changed its kind (fixes' 'k' lines: kustomize's previousKinds,
 * paired with the name and namespace of then), with its current group and version; *changed: r has such lines. */
static int
had_kind(const struct pn_res *r, const char *kind, const char *api, const char *name, const char *ns, int *changed)
{
	char pns[256];

	*changed = 0;
	for (const char *p = r->fixes, *end, *s1, *s2; p != NULL && (end = strchr(p, '\n')) != NULL; p = end + 1) {
		if (*p != 'k' || (s1 = memchr(p, '/', (size_t)(end - p))) == NULL ||
		    (s2 = memchr(s1 + 1, '/', (size_t)(end - s1 - 1))) == NULL)
			continue;
		*changed = 1;
		snprintf(pns, sizeof(pns), "%.*s", (int)(s2 - s1 - 1), s1 + 1);
		if (strcmp(pn_res_api_version(r), api) == 0 && (size_t)(s1 - p - 1) == strlen(kind) &&
		    strncmp(p + 1, kind, strlen(kind)) == 0 && (size_t)(end - s2 - 1) == strlen(name) &&
		    strncmp(s2 + 1, name, strlen(name)) == 0 && pn_resmap_ns_equal(pns, ns))
			return 1;
	}
	return 0;
}

long
pn_resmap_find(const struct pn_resmap *m, const cJSON *like, const char *name, const char *ns)
{
	const char *kind = pn_jstr_or_empty(like, "kind"), *api = pn_jstr_or_empty(like, "apiVersion");
	long found = -1;

	for (size_t k = 0; k < m->n; k++) {
		const struct pn_res *r = &m->v[k];

		int changed, before = had_kind(r, kind, api, name, ns, &changed);

		if (r->gone || (!before && !same_gvk(pn_res_kind(r), pn_res_api_version(r), kind, api)))
			continue;
		/* after a kind change the names of before go with the kind of before */
		if (before || (changed ? strcmp(pn_res_name(r), name) == 0 && pn_resmap_ns_equal(pn_res_namespace(r),
		    ns) : pn_res_had_id(r, name, ns))) {
			if (found != -1)
				return -2;
			found = (long)k;
		}
	}
	return found;
}

int
pn_res_had_id(const struct pn_res *r, const char *name, const char *ns)
{
	size_t nl = strlen(name);

	if ((strcmp(pn_res_name(r), name) == 0 && pn_resmap_ns_equal(pn_res_namespace(r), ns)) ||
	    (strcmp(r->orig_name, name) == 0 && pn_resmap_ns_equal(r->orig_ns, ns)))
		return 1;
	for (const char *p = r->prev; p != NULL && *p != '\0';) {
		const char *slash = strchr(p, '/'), *end = strchr(p, '\n');
		char pns[256];

		if (slash == NULL || end == NULL || slash > end)
			break;
		if ((size_t)(end - slash - 1) == nl && memcmp(slash + 1, name, nl) == 0) {
			snprintf(pns, sizeof(pns), "%.*s", (int)(slash - p), p);
			if (pn_resmap_ns_equal(pns, ns))
				return 1;
		}
		p = end + 1;
	}
	return 0;
}

static const struct pn_error *
append(char **s, const char *a, const char *b, const char *c)
{
	char *n;

	if (asprintf(&n, "%s%s%s%s\n", *s != NULL ? *s : "", a, b, c) < 0)
		return pn_error(PN_ERR_NOMEM);
	free(*s);
	*s = n;
	return NULL;
}

const struct pn_error *
pn_res_store_prev(struct pn_res *r)
{
	r->cur_prev = 0;	/* the id it held is in the list now; a rename follows */
	return append(&r->prev, pn_res_namespace(r), "/", pn_res_name(r));
}

const struct pn_error *
pn_res_kept_id(struct pn_res *r, const char *ns, const char *name)
{
	if (strcmp(name, pn_res_name(r)) == 0) {
		r->cur_prev = 1;
		return NULL;
	}
	r->cur_prev = 0;
	return append(&r->prev, ns, "/", name);
}

const struct pn_error *
pn_res_add_fix(struct pn_res *r, char kind, const char *s)
{
	return append(&r->fixes, kind == 'p' ? "p" : kind == 'k' ? "k" : "s", s, "");
}

void
pn_res_drop(struct pn_resmap *m, struct pn_res *r)
{
	if (m->budget != NULL)
		m->budget->used -= r->cost <= m->budget->used ? r->cost : m->budget->used;
	cJSON_Delete(r->obj);
	free(r->ids);
	free(r->orig_name);
	free(r->prev);
	free(r->fixes);
	free(r->refvars);
	memset(r, 0, sizeof(*r));
	r->gone = 1;
}

void
pn_resmap_compact(struct pn_resmap *m)
{
	size_t o = 0;

	for (size_t k = 0; k < m->n; k++)
		if (!m->v[k].gone)
			m->v[o++] = m->v[k];
	if (o != m->n)
		pn_resmap_invalidate(m);
	m->n = o;
}

void
pn_resmap_release(struct pn_resmap *m)
{
	struct pn_spool *sp = m->spool;

	struct pn_resmap_budget *budget = m->budget;

	for (size_t k = 0; k < m->n; k++)
		pn_res_drop(m, &m->v[k]);
	free(m->v);
	free(m->slots);
	memset(m, 0, sizeof(*m));
	m->spool = sp;
	m->budget = budget;
}

void
pn_resmap_invalidate(struct pn_resmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->nslots = 0;
}

static uint64_t
fnv(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return (h ^ 0xff) * 0x100000001b3ULL;	/* a separator: ("ab","c") and ("a","bc") differ */
}

/* The hash of what same_id() compares. */
static uint64_t
id_hash(const struct pn_res *r)
{
	const char *ns = pn_res_namespace(r);

	return fnv(fnv(fnv(fnv(0xcbf29ce484222325ULL, pn_res_kind(r)), pn_res_api_version(r)), pn_res_name(r)),
	    ns[0] != '\0' ? ns : "default");
}

static int
same_id(const struct pn_res *a, const struct pn_res *b)
{
	return same_gvk(pn_res_kind(a), pn_res_api_version(a), pn_res_kind(b), pn_res_api_version(b)) &&
	    strcmp(pn_res_name(a), pn_res_name(b)) == 0 &&
	    pn_resmap_ns_equal(pn_res_namespace(a), pn_res_namespace(b));
}

/* Put v[k] into the index (which has room). */
static void
index_put(struct pn_resmap *m, size_t k)
{
	size_t i = (size_t)id_hash(&m->v[k]) & (m->nslots - 1);

	while (m->slots[i] != 0)
		i = (i + 1) & (m->nslots - 1);
	m->slots[i] = k + 1;
}

/* Build (or grow) the index over v[0..n) with room for one more; 0 when out of memory (then scan). */
static int
index_ready(struct pn_resmap *m)
{
	size_t want = 2 * (m->n + 1), c = 64;

	if (m->slots != NULL && m->nslots >= want)
		return 1;
	while (c < want)
		c *= 2;
	pn_resmap_invalidate(m);
	if ((m->slots = calloc(c, sizeof(*m->slots))) == NULL)
		return 0;
	m->nslots = c;
	for (size_t k = 0; k < m->n; k++)
		index_put(m, k);
	return 1;
}

static const struct pn_error *
check_new(struct pn_resmap *m, const struct pn_res *r)
{
	char id[PN_RESMAP_ID_MAX];
	size_t k = 0;
	int found = 0;

	if (m->n >= PN_RESMAP_INDEX_MIN && index_ready(m)) {
		for (size_t i = (size_t)id_hash(r) & (m->nslots - 1); m->slots[i] != 0 && !found;
		    i = (i + 1) & (m->nslots - 1))
			found = same_id(&m->v[m->slots[i] - 1], r);
	} else {
		for (k = 0; k < m->n && !found; k++)
			found = same_id(&m->v[k], r);
	}
	if (found) {
		pn_res_id(r, id, sizeof(id));
		return pn_error_fmt(PN_ERR_PARSE, "may not add resource with an already registered id: %s%s%s%s",
		    id, r->file != NULL ? " (from " : "", r->file != NULL ? r->file : "", r->file != NULL ? ")" : "");
	}
	return NULL;
}

static const struct pn_error *
push(struct pn_resmap *m, const struct pn_res *r)
{
	if (m->n == m->cap) {
		size_t c = m->cap != 0 ? m->cap * 2 : 16;
		struct pn_res *nv = realloc(m->v, c * sizeof(*nv));

		if (nv == NULL)
			return pn_error(PN_ERR_NOMEM);
		m->v = nv;
		m->cap = c;
	}
	m->v[m->n++] = *r;
	if (m->slots != NULL) {
		if (2 * m->n <= m->nslots)
			index_put(m, m->n - 1);
		else
			pn_resmap_invalidate(m);	/* rebuilt larger by the next check */
	}
	return NULL;
}

/* r's current name and namespace as its original ones, in one allocation. */
static const struct pn_error *
orig_of(struct pn_res *r)
{
	const char *name = pn_res_name(r), *ns = pn_res_namespace(r);
	size_t nl = strlen(name) + 1, sl = strlen(ns) + 1;

	if ((r->orig_name = malloc(nl + sl)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	memcpy(r->orig_name, name, nl);
	memcpy(r->orig_name + nl, ns, sl);
	r->orig_ns = r->orig_name + nl;
	return NULL;
}

const struct pn_error *
pn_resmap_add(struct pn_resmap *m, cJSON *obj, const char *file, size_t line)
{
	struct pn_res r;
	const struct pn_error *err;

	memset(&r, 0, sizeof(r));
	r.obj = obj;
	r.file = file;
	r.line = line;
	if ((err = check_new(m, &r)) != NULL)
		goto fail;
	if ((err = orig_of(&r)) != NULL || (err = pn_res_spill(m, &r)) != NULL || (err = push(m, &r)) != NULL)
		goto fail;
	return NULL;
fail:
	pn_res_drop(m, &r);
	return err;
}

const struct pn_error *
pn_resmap_take(struct pn_resmap *dst, struct pn_resmap *src)
{
	const struct pn_error *err = NULL;
	size_t k;

	if ((src->spool != NULL && src->spool != dst->spool) || src->budget != dst->budget)
		err = pn_error_fmt(PN_ERR_INTERNAL, "resmap: taking objects from another spool or budget");
	for (k = 0; k < src->n && err == NULL; k++) {
		if (src->v[k].gone)
			continue;
		if ((err = check_new(dst, &src->v[k])) != NULL || (err = pn_res_spill(dst, &src->v[k])) != NULL ||
		    (err = push(dst, &src->v[k])) != NULL)
			break;
		memset(&src->v[k], 0, sizeof(src->v[k]));
	}
	pn_resmap_release(src);
	return err;
}

const struct pn_error *
pn_res_set_meta(cJSON *obj, const char *field, const char *s)
{
	cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata"), *v;

	if (!cJSON_IsObject(md)) {
		if ((md = cJSON_CreateObject()) == NULL)
			return pn_error(PN_ERR_NOMEM);
		if (cJSON_HasObjectItem(obj, "metadata"))
			cJSON_ReplaceItemInObjectCaseSensitive(obj, "metadata", md);
		else
			cJSON_AddItemToObject(obj, "metadata", md);
	}
	if ((v = cJSON_CreateString(s)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	if (cJSON_HasObjectItem(md, field))
		cJSON_ReplaceItemInObjectCaseSensitive(md, field, v);
	else
		cJSON_AddItemToObject(md, field, v);
	return NULL;
}
