/*
 * kustomize's ResMap for one kustomization: objects in FIFO order, each with the id it entered the build
 * under (its original name and namespace: what generator merges, replicas, patch targets and name references
 * match), and whether it is a generated ConfigMap/Secret whose name gets the content hash at the end.
 *
 * Ids are group, version, kind, namespace and name; an empty namespace equals "default" (kustomize's
 * IsNsEquals). Adding an object whose current id is already present is kustomize's error "may not add
 * resource with an already registered id".
 */
#ifndef PN_RESMAP_H
#define PN_RESMAP_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "../core/error.h"

/* Bytes of a resource id in messages (kind.version.group/name.namespace, each cut to fit). */
#define PN_RESMAP_ID_MAX 512
/* From this many objects on, the duplicate-id check uses a hash index of the current ids instead of a scan
 * (a Flux tree of thousands of files is one map built by thousands of adds). */
#define PN_RESMAP_INDEX_MIN 32

struct pn_res {
	cJSON *obj;
	const char *file;	/* tree path it came from (owned by the build), or NULL when generated */
	size_t line;
	char *orig_name;	/* metadata.name when it entered the build */
	char *orig_ns;		/* metadata.namespace then ("" when none) */
	int hash;		/* generated, and its name gets the content hash */
	char *prev;		/* earlier "namespace/name" ids, each followed by '\n' (NULL: none) */
	char *fixes;		/* prefixes ("p" + prefix + '\n') and suffixes ("s...") applied, in order */
};

struct pn_resmap {
	struct pn_res *v;
	size_t n, cap;
	size_t *slots;		/* open addressing over the current ids: index + 1, 0 empty; NULL: not built */
	size_t nslots;		/* a power of two, at least twice n */
};

/* The objects' ids may have changed (a transformer ran, an object was removed): drop the index. Everything
 * that renames, re-namespaces or removes objects of a map that is added to later must call it. */
void pn_resmap_invalidate(struct pn_resmap *m);

/* Free every object and the array. */
void pn_resmap_release(struct pn_resmap *m);

/* Append obj (taken, even on error) with its origin; fails when its id is already present. */
const struct pn_error *pn_resmap_add(struct pn_resmap *m, cJSON *obj, const char *file, size_t line);

/* Append all of src (emptied, even on error) to dst, with the same check. */
const struct pn_error *pn_resmap_take(struct pn_resmap *dst, struct pn_resmap *src);

const char *pn_res_name(const struct pn_res *r);
/* metadata.namespace, "" when none. */
const char *pn_res_namespace(const struct pn_res *r);
const char *pn_res_kind(const struct pn_res *r);

/* Namespaces equal as kustomize compares them ("" is "default"). */
int pn_resmap_ns_equal(const char *a, const char *b);

/* The object's current id as kustomize prints it: "ConfigMap.v1.[noGrp]/a.[noNs]". */
void pn_res_id(const struct pn_res *r, char *buf, size_t cap);

/* Set metadata.name (or .namespace) of obj to s, creating metadata when needed. */
const struct pn_error *pn_res_set_meta(cJSON *obj, const char *field, const char *s);

/* Whether r's original, an earlier or its current id has this name and namespace. */
int pn_res_had_id(const struct pn_res *r, const char *name, const char *ns);

/* Remember r's current name and namespace as an earlier id (before a transformer renames it). */
const struct pn_error *pn_res_store_prev(struct pn_res *r);

/* Record that prefix (kind 'p') or suffix ('s') s was applied to r's name. */
const struct pn_error *pn_res_add_fix(struct pn_res *r, char kind, const char *s);

/* Index of the one object whose original or current id is group/version/kind `like`'s with name and
 * namespace; -1 none, -2 several. */
long pn_resmap_find(const struct pn_resmap *m, const cJSON *like, const char *name, const char *ns);

#endif
