/*
 * discovery: which resource (URL segment) and scope serve a kind, from the API server's legacy discovery
 * documents (kube-api.md §1). The plural is never guessed (Gateway would become "gatewaies"); it comes from the
 * server, so CRD kinds work.
 *
 * Only the group/versions a reconcile uses are fetched: `GET /api/v1` for "v1", `GET /apis/<g>/<v>` otherwise,
 * with `Accept: application/json`, once each, then cached for the life of the struct pn_discovery (one
 * reconcile). A group/version the server does not serve answers a text 404 and is cached as "not served";
 * pn_discovery_forget() drops a cached answer so the next lookup asks again (used while CRDs become served).
 * `GET /apis` is only asked when a lookup fails, to say which versions of the group the server does have.
 *
 * The mapping: the APIResourceList entry whose `kind` is the kind and whose `name` has no '/' (entries with a
 * '/' are subresources: deployments/scale has kind Scale and would otherwise shadow nothing but confuse).
 */
#ifndef PN_DISCOVERY_H
#define PN_DISCOVERY_H

#include <stddef.h>

#include "../core/buf.h"
#include "../core/error.h"
#include "kapi.h"

/* Group/versions cached per reconcile: k3s serves ~30, a CRD-heavy cluster a few hundred. */
#define PN_DISCOVERY_GV_MAX 1024
/* Entries kept from one APIResourceList: core v1 has ~40 with subresources; a big CRD group ~100. */
#define PN_DISCOVERY_RESOURCES_MAX 4096
/* Group/versions read from one APIGroupList (only for error hints). */
#define PN_DISCOVERY_GROUPS_MAX 4096
/* Longest apiVersion accepted: a DNS subdomain (253) + '/' + a version. */
#define PN_DISCOVERY_APIVERSION_MAX 320

struct pn_discovery;

/* One kind of a group/version. */
struct pn_discovery_resource {
	char *kind;		/* "Deployment" */
	char *resource;		/* "deployments": the URL segment */
	int namespaced;
};

/* One parsed APIResourceList: the top-level resources of a group/version. */
struct pn_discovery_list {
	char *group_version;
	struct pn_discovery_resource *res;
	size_t n;
};

/* The caller frees it with pn_discovery_free(); k must outlive it. */
const struct pn_error *pn_discovery_new(struct pn_kapi *k, struct pn_discovery **out);
void pn_discovery_free(struct pn_discovery *d);

/* The resource serving `kind` in `api_version` ("v1", "apps/v1"), fetching the group/version when it is not
 * cached. *out is NULL when the server does not serve it. *out stays valid until the group/version is forgotten
 * or d is freed. Errors: an invalid apiVersion, the network, the server. */
const struct pn_error *pn_discovery_find(struct pn_discovery *d, const char *api_version, const char *kind,
    const struct pn_discovery_resource **out);

/* As pn_discovery_find(), but a kind that is not served is PN_ERR_NOT_FOUND "no kind Widget in apiVersion
 * example.com/v1 is served: is its CRD installed?" (plus the versions of the group the server does serve). */
const struct pn_error *pn_discovery_lookup(struct pn_discovery *d, const char *api_version, const char *kind,
    const struct pn_discovery_resource **out);

/* Forget the cached answer for api_version (NULL: for all), so the next lookup asks the server again. */
void pn_discovery_forget(struct pn_discovery *d, const char *api_version);

/* Append the path of a group/version: "/api/v1" or "/apis/<group>/<version>". PN_ERR_PARSE for an apiVersion
 * that is not "<version>" or "<group>/<version>" of DNS-style characters. */
const struct pn_error *pn_discovery_gv_path(struct pn_buf *b, const char *api_version);

/* Append the path of an object (name != NULL) or collection: "<gv path>[/namespaces/<ns>]/<resource>[/<name>]".
 * A namespaced resource needs ns (NULL only for a collection across all namespaces); a cluster-scoped one never
 * gets it. Names are escaped as path segments. */
const struct pn_error *pn_discovery_path(struct pn_buf *b, const char *api_version,
    const struct pn_discovery_resource *r, const char *ns, const char *name);

/* Parse an APIResourceList document. `group_version` (may be NULL) must match its groupVersion. Release with
 * pn_discovery_list_release(). */
const struct pn_error *pn_discovery_parse_list(const char *json, size_t len, const char *group_version,
    struct pn_discovery_list *out);
void pn_discovery_list_release(struct pn_discovery_list *l);

/* The entry for `kind` in l, or NULL. */
const struct pn_discovery_resource *pn_discovery_list_find(const struct pn_discovery_list *l, const char *kind);

/* Parse an APIGroupList (GET /apis) into its served group/versions ("apps/v1", ...). The caller frees *out with
 * pn_discovery_groups_free(). */
const struct pn_error *pn_discovery_parse_groups(const char *json, size_t len, char ***out, size_t *n);
void pn_discovery_groups_free(char **gvs, size_t n);

#endif
