/*
 * Legacy discovery with a per-reconcile cache. See discovery.h.
 */
#include "discovery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../core/json.h"
#include "../core/banned.h"

/* Room for the hint listing the versions of a group the server serves. */
#define PN_DISCOVERY_HINT_MAX 256

/* One cached group/version: served with its list, or known not to be served. */
struct gv_cache {
	char *gv;
	int served;
	struct pn_discovery_list list;
};

struct pn_discovery {
	struct pn_kapi *k;
	struct gv_cache *gvs;
	size_t n, cap;
};

const struct pn_error *
pn_discovery_new(struct pn_kapi *k, struct pn_discovery **out)
{
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	(*out)->k = k;
	return NULL;
}

static void
cache_release(struct gv_cache *c)
{
	free(c->gv);
	pn_discovery_list_release(&c->list);
}

void
pn_discovery_free(struct pn_discovery *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->n; i++)
		cache_release(&d->gvs[i]);
	free(d->gvs);
	free(d);
}

void
pn_discovery_forget(struct pn_discovery *d, const char *api_version)
{
	for (size_t i = 0; i < d->n;) {
		if (api_version == NULL || strcmp(d->gvs[i].gv, api_version) == 0) {
			cache_release(&d->gvs[i]);
			d->gvs[i] = d->gvs[--d->n];
		} else {
			i++;
		}
	}
}

/* A group is a DNS subdomain, a version a DNS label: letters, digits, '.', '-'. */
static int
gv_valid(const char *av)
{
	const char *slash = strchr(av, '/');
	size_t len = strlen(av);

	if (len == 0 || len > PN_DISCOVERY_APIVERSION_MAX || av[0] == '/' || av[len - 1] == '/')
		return 0;
	if (slash != NULL && strchr(slash + 1, '/') != NULL)
		return 0;
	for (const char *p = av; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		    *p == '-' || *p == '/'))
			return 0;
	return 1;
}

const struct pn_error *
pn_discovery_gv_path(struct pn_buf *b, const char *api_version)
{
	if (!gv_valid(api_version))
		return pn_error_fmt(PN_ERR_PARSE, "apiVersion \"%s\" is not <version> or <group>/<version>",
		    api_version);
	return pn_buf_addf(b, "%s%s", strchr(api_version, '/') != NULL ? "/apis/" : "/api/", api_version);
}

/* "." and ".." would be path dot-segments whatever the escaping; Kubernetes refuses them as names anyway. */
static const struct pn_error *
segment(struct pn_buf *b, const char *what, const char *s)
{
	const struct pn_error *err;

	if (s[0] == '\0' || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s \"%s\" is not a valid name", what, s);
	if ((err = pn_buf_addch(b, '/')) != NULL)
		return err;
	return pn_kapi_path_escape(b, s);
}

const struct pn_error *
pn_discovery_path(struct pn_buf *b, const char *api_version, const struct pn_discovery_resource *r,
    const char *ns, const char *name)
{
	const struct pn_error *err;

	if ((err = pn_discovery_gv_path(b, api_version)) != NULL)
		return err;
	if (r->namespaced && ns == NULL && name != NULL)
		return pn_error_fmt(PN_ERR_INTERNAL, "%s %s \"%s\" is namespaced but has no namespace", api_version,
		    r->kind != NULL ? r->kind : r->resource, name);
	if (r->namespaced && ns != NULL) {
		if ((err = pn_buf_addstr(b, "/namespaces")) != NULL || (err = segment(b, "namespace", ns)) != NULL)
			return err;
	}
	if ((err = segment(b, "resource", r->resource)) != NULL)
		return err;
	if (name != NULL)
		err = segment(b, "name", name);
	return err;
}

/* ---- documents ----------------------------------------------------------------------------------------- */

void
pn_discovery_list_release(struct pn_discovery_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->res[i].kind);
		free(l->res[i].resource);
	}
	free(l->res);
	free(l->group_version);
	memset(l, 0, sizeof(*l));
}

const struct pn_error *
pn_discovery_parse_list(const char *json, size_t len, const char *group_version, struct pn_discovery_list *out)
{
	const struct pn_error *err = NULL;
	cJSON *j = NULL;
	const cJSON *resources, *e;
	const char *kind, *gv;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	if (json == NULL || len == 0 || (j = cJSON_ParseWithLength(json, len)) == NULL || !cJSON_IsObject(j)) {
		err = pn_error_fmt(PN_ERR_PARSE, "APIResourceList: not a JSON object");
		goto done;
	}
	kind = pn_jstr(j, "kind");
	if (kind != NULL && strcmp(kind, "APIResourceList") != 0) {
		err = pn_error_fmt(PN_ERR_PARSE, "APIResourceList: kind is \"%s\"", kind);
		goto done;
	}
	gv = pn_jstr(j, "groupVersion");
	if (gv == NULL) {
		err = pn_error_fmt(PN_ERR_PARSE, "APIResourceList: no groupVersion");
		goto done;
	}
	if (group_version != NULL && strcmp(gv, group_version) != 0) {
		err = pn_error_fmt(PN_ERR_PARSE, "APIResourceList: groupVersion is \"%s\", not \"%s\"", gv,
		    group_version);
		goto done;
	}
	if ((out->group_version = strdup(gv)) == NULL) {
		err = pn_error(PN_ERR_NOMEM);
		goto done;
	}
	resources = cJSON_GetObjectItemCaseSensitive(j, "resources");
	if (resources == NULL || cJSON_IsNull(resources))
		goto done;
	if (!cJSON_IsArray(resources)) {
		err = pn_error_fmt(PN_ERR_PARSE, "APIResourceList %s: resources is not a list", gv);
		goto done;
	}
	if ((size_t)cJSON_GetArraySize(resources) > PN_DISCOVERY_RESOURCES_MAX) {
		err = pn_error_fmt(PN_ERR_TOO_LARGE, "APIResourceList %s: more than %d resources", gv,
		    PN_DISCOVERY_RESOURCES_MAX);
		goto done;
	}
	if ((out->res = calloc((size_t)cJSON_GetArraySize(resources) + 1, sizeof(*out->res))) == NULL) {
		err = pn_error(PN_ERR_NOMEM);
		goto done;
	}
	cJSON_ArrayForEach(e, resources) {
		const char *name = pn_jstr(e, "name"), *k = pn_jstr(e, "kind");
		const cJSON *ns = cJSON_GetObjectItemCaseSensitive(e, "namespaced");

		i++;
		if (!cJSON_IsObject(e) || name == NULL || name[0] == '\0' || k == NULL || k[0] == '\0' ||
		    !cJSON_IsBool(ns)) {
			err = pn_error_fmt(PN_ERR_PARSE, "APIResourceList %s: resource %zu lacks name, kind or namespaced",
			    gv, i);
			goto done;
		}
		if (strchr(name, '/') != NULL)
			continue;	/* a subresource */
		out->res[out->n].kind = strdup(k);
		out->res[out->n].resource = strdup(name);
		out->res[out->n].namespaced = cJSON_IsTrue(ns);
		out->n++;
		if (out->res[out->n - 1].kind == NULL || out->res[out->n - 1].resource == NULL) {
			err = pn_error(PN_ERR_NOMEM);
			goto done;
		}
	}
done:
	cJSON_Delete(j);
	if (err != NULL)
		pn_discovery_list_release(out);
	return err;
}

const struct pn_discovery_resource *
pn_discovery_list_find(const struct pn_discovery_list *l, const char *kind)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->res[i].kind, kind) == 0)
			return &l->res[i];
	return NULL;
}

void
pn_discovery_groups_free(char **gvs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(gvs[i]);
	free(gvs);
}

const struct pn_error *
pn_discovery_parse_groups(const char *json, size_t len, char ***out, size_t *n)
{
	const struct pn_error *err = NULL;
	cJSON *j = NULL;
	const cJSON *groups, *g, *v;
	const char *kind;
	char **gvs = NULL;
	size_t count = 0;

	*out = NULL;
	*n = 0;
	if (json == NULL || len == 0 || (j = cJSON_ParseWithLength(json, len)) == NULL || !cJSON_IsObject(j)) {
		err = pn_error_fmt(PN_ERR_PARSE, "APIGroupList: not a JSON object");
		goto done;
	}
	kind = pn_jstr(j, "kind");
	if (kind != NULL && strcmp(kind, "APIGroupList") != 0) {
		err = pn_error_fmt(PN_ERR_PARSE, "APIGroupList: kind is \"%s\"", kind);
		goto done;
	}
	groups = cJSON_GetObjectItemCaseSensitive(j, "groups");
	if (groups != NULL && !cJSON_IsNull(groups) && !cJSON_IsArray(groups)) {
		err = pn_error_fmt(PN_ERR_PARSE, "APIGroupList: groups is not a list");
		goto done;
	}
	if ((gvs = calloc(PN_DISCOVERY_GROUPS_MAX, sizeof(*gvs))) == NULL) {
		err = pn_error(PN_ERR_NOMEM);
		goto done;
	}
	cJSON_ArrayForEach(g, groups) {
		const cJSON *versions = cJSON_GetObjectItemCaseSensitive(g, "versions");

		if (!cJSON_IsObject(g) || pn_jstr(g, "name") == NULL || !cJSON_IsArray(versions)) {
			err = pn_error_fmt(PN_ERR_PARSE, "APIGroupList: group %zu lacks name or versions", count + 1);
			goto done;
		}
		cJSON_ArrayForEach(v, versions) {
			const char *gv = pn_jstr(v, "groupVersion");

			if (gv == NULL) {
				err = pn_error_fmt(PN_ERR_PARSE, "APIGroupList: group %s: a version lacks groupVersion",
				    pn_jstr(g, "name"));
				goto done;
			}
			if (count == PN_DISCOVERY_GROUPS_MAX) {
				err = pn_error_fmt(PN_ERR_TOO_LARGE, "APIGroupList: more than %d group/versions",
				    PN_DISCOVERY_GROUPS_MAX);
				goto done;
			}
			if ((gvs[count] = strdup(gv)) == NULL) {
				err = pn_error(PN_ERR_NOMEM);
				goto done;
			}
			count++;
		}
	}
done:
	cJSON_Delete(j);
	if (err != NULL) {
		pn_discovery_groups_free(gvs, count);
	} else {
		*out = gvs;
		*n = count;
	}
	return err;
}

/* ---- the cache ----------------------------------------------------------------------------------------- */

/* Ask the server for api_version's APIResourceList and add it to the cache. */
static const struct pn_error *
fetch(struct pn_discovery *d, const char *api_version, struct gv_cache **out)
{
	const struct pn_error *err = NULL;
	struct pn_kapi_reply r;
	struct gv_cache c;
	struct pn_buf path;
	char what[PN_DISCOVERY_APIVERSION_MAX + 64];

	memset(&c, 0, sizeof(c));
	pn_kapi_reply_init(&r, d->k);
	pn_buf_init(&path, PN_DISCOVERY_APIVERSION_MAX + 16, "discovery path");
	if (d->n == PN_DISCOVERY_GV_MAX) {
		err = pn_error_fmt(PN_ERR_TOO_LARGE, "discovery: more than %d group/versions in one reconcile",
		    PN_DISCOVERY_GV_MAX);
		goto done;
	}
	if ((err = pn_discovery_gv_path(&path, api_version)) != NULL)
		goto done;
	snprintf(what, sizeof(what), "discovery GET %s", pn_buf_str(&path));
	if ((err = pn_kapi_do(d->k, "GET", pn_buf_str(&path), NULL, NULL, 0, &r)) != NULL)
		goto done;
	/* a text 404: the group/version is not served; a JSON 404 ("the server could not find the requested
	 * resource") means the same for a discovery path */
	if (r.status == 404) {
		c.served = 0;
	} else if ((err = pn_kapi_reply_error(&r, what)) != NULL) {
		goto done;
	} else {
		if ((err = pn_discovery_parse_list(r.body.data, r.body.len, api_version, &c.list)) != NULL) {
			err = pn_error_fmt(PN_ERR_PROTO, "%s: %s", what, err->msg);
			goto done;
		}
		c.served = 1;
	}
	if ((c.gv = strdup(api_version)) == NULL) {
		err = pn_error(PN_ERR_NOMEM);
		goto done;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap == 0 ? 16 : d->cap * 2;
		struct gv_cache *g = reallocarray(d->gvs, cap, sizeof(*g));

		if (g == NULL) {
			err = pn_error(PN_ERR_NOMEM);
			goto done;
		}
		d->gvs = g;
		d->cap = cap;
	}
	d->gvs[d->n] = c;
	*out = &d->gvs[d->n++];
	memset(&c, 0, sizeof(c));
done:
	cache_release(&c);
	pn_buf_release(&path);
	pn_kapi_reply_release(&r);
	return err;
}

const struct pn_error *
pn_discovery_find(struct pn_discovery *d, const char *api_version, const char *kind,
    const struct pn_discovery_resource **out)
{
	const struct pn_error *err;
	struct gv_cache *c = NULL;

	*out = NULL;
	if (!gv_valid(api_version))
		return pn_error_fmt(PN_ERR_PARSE, "apiVersion \"%s\" is not <version> or <group>/<version>",
		    api_version);
	for (size_t i = 0; i < d->n && c == NULL; i++)
		if (strcmp(d->gvs[i].gv, api_version) == 0)
			c = &d->gvs[i];
	if (c == NULL && (err = fetch(d, api_version, &c)) != NULL)
		return err;
	if (c->served)
		*out = pn_discovery_list_find(&c->list, kind);
	return NULL;
}

/* "; the server serves example.com/v1": the other versions of api_version's group, best effort. */
static void
hint(struct pn_discovery *d, const char *api_version, char *out, size_t len)
{
	const char *slash = strchr(api_version, '/');
	struct pn_kapi_reply r;
	char **gvs = NULL;
	size_t n = 0, used = 0, glen;

	out[0] = '\0';
	if (slash == NULL)
		return;
	glen = (size_t)(slash - api_version) + 1;
	pn_kapi_reply_init(&r, d->k);
	if (pn_kapi_do(d->k, "GET", "/apis", NULL, NULL, 0, &r) == NULL && r.status == 200 &&
	    pn_discovery_parse_groups(r.body.data, r.body.len, &gvs, &n) == NULL) {
		for (size_t i = 0; i < n; i++) {
			int w;

			if (strncmp(gvs[i], api_version, glen) != 0 || strcmp(gvs[i], api_version) == 0)
				continue;
			w = snprintf(out + used, len - used, "%s%s", used == 0 ? " (the server serves " : ", ", gvs[i]);
			/* keep room for ")" and the NUL, and never a cut entry */
			if (w < 0 || (size_t)w + 2 > len - used) {
				out[used] = '\0';
				break;
			}
			used += (size_t)w;
		}
		if (used > 0)
			snprintf(out + used, len - used, ")");
	}
	pn_discovery_groups_free(gvs, n);
	pn_kapi_reply_release(&r);
}

const struct pn_error *
pn_discovery_lookup(struct pn_discovery *d, const char *api_version, const char *kind,
    const struct pn_discovery_resource **out)
{
	const struct pn_error *err;
	char h[PN_DISCOVERY_HINT_MAX];

	if ((err = pn_discovery_find(d, api_version, kind, out)) != NULL || *out != NULL)
		return err;
	hint(d, api_version, h, sizeof(h));
	return pn_error_fmt(PN_ERR_NOT_FOUND, "no kind %s in apiVersion %s is served: is its CRD installed?%s", kind,
	    api_version, h);
}
