/*
 * kustomize's ResMap for one kustomization: objects in FIFO order, each with the id it entered the build
 * under (its original name and namespace: what generator merges, replicas, patch targets and name references
 * match), and whether it is a generated ConfigMap/Secret whose name gets the content hash at the end.
 *
 * Ids are group, version, kind, namespace and name; an empty namespace equals "default" (kustomize's
 * IsNsEquals). Adding an object whose current id is already present is kustomize's error "may not add
 * resource with an already registered id".
 *
 * Spooled objects (issue 5). A map given a spool (spool.h) keeps its objects there: an object is "spilled"
 * (written to the spool and freed; its apiVersion, kind, name and namespace are kept in `ids`) and "loaded"
 * (read back into `obj`) only when a caller says so, with pn_res_load() and pn_res_spill(). pn_resmap_add()
 * and pn_resmap_take() spill what they add; nothing else loads or spills behind a caller's back, so a pointer
 * into a loaded object stays valid until its holder spills it. Duplicate checks, pn_resmap_find(), target
 * selection by id, name reference lookups and the output order work on the ids without loading anything;
 * the accessors below read the object while it is loaded and the ids while it is spooled. A map without a
 * spool (unit tests, small helpers) keeps every object loaded, as before.
 */
#ifndef PN_RESMAP_H
#define PN_RESMAP_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "../core/error.h"
#include "fieldspec.h"
#include "spool.h"

/* Bytes of a resource id in messages (kind.version.group/name.namespace, each cut to fit). */
#define PN_RESMAP_ID_MAX 512
/* From this many objects on, the duplicate-id check uses a hash index of the current ids instead of a scan
 * (a Flux tree of thousands of files is one map built by thousands of adds). */
#define PN_RESMAP_INDEX_MIN 32

struct pn_res {
	cJSON *obj;		/* the object while it is loaded, NULL while it is spooled */
	struct pn_spool_slot slot;	/* where it is spooled (cap 0: it never was) */
	char *ids;		/* while spooled: its packed id (pn_resmap_idf), NULL while loaded */
	const char *file;	/* tree path it came from (owned by the build), or NULL when generated */
	size_t line;
	char *orig_name;	/* metadata.name when it entered the build (one allocation with orig_ns) */
	char *orig_ns;		/* metadata.namespace then ("" when none), right after orig_name's NUL */
	int hash;		/* generated, and its name gets the content hash */
	int gone;		/* removed (a patch deleted it): pn_resmap_compact() drops it */
	unsigned char local;	/* annotated config.kubernetes.io/local-config: "true" when last spilled */
	unsigned char meta;	/* what pn_buildmeta_finish removes was there when last spilled (buildmeta.h) */
	int cur_prev;		/* the current id counts among the earlier ones: kustomize stored it (a namespace,
				 * a JSON 6902 patch of `patches`) and no rename came after (pn_res_store_prev) */
	size_t cost;		/* bytes charged to the map's budget for this entry */
	char *prev;		/* earlier "namespace/name" ids, each followed by '\n' (NULL: none) */
	char *fixes;		/* prefixes ("p" + prefix + '\n') and suffixes ("s...") applied, in order */
	char *refvars;		/* the vars bound to it (vars.h), each its number in the build's set and '\n' */
};

struct pn_resmap {
	struct pn_res *v;
	size_t n, cap;
	size_t *slots;		/* open addressing over the current ids: index + 1, 0 empty; NULL: not built */
	size_t nslots;		/* a power of two, at least twice n */
	struct pn_spool *spool;	/* where its objects wait (not owned); NULL: they stay loaded */
	struct pn_resmap_budget *budget;	/* what its spooled entries may take (not owned); NULL: no limit */
};

/* The memory the index of spooled objects may take, shared by all maps of a build: each spooled entry is
 * charged its struct and its strings (packed id, original name and namespace, earlier names, prefixes and
 * suffixes) when it is spilled, and credited when it leaves. Going over is PN_ERR_TOO_LARGE, naming the
 * object. */
struct pn_resmap_budget {
	size_t used, max;
};

/* A packed id: apiVersion, kind, name and namespace as the object has them ("" when absent or not a string),
 * each ended by a NUL. */
enum pn_resmap_idf {
	PN_RESMAP_API_VERSION,
	PN_RESMAP_KIND,
	PN_RESMAP_NAME,
	PN_RESMAP_NAMESPACE,
};

/* One field of a packed id. */
const char *pn_resmap_idf(const char *ids, enum pn_resmap_idf f);

/* The packed id of obj. The caller frees it with free(). */
const struct pn_error *pn_resmap_ids(const cJSON *obj, char **out);

/* Read r's object back from m's spool (nothing when it is loaded). */
const struct pn_error *pn_res_load(struct pn_resmap *m, struct pn_res *r);

/* Write r's object to m's spool and free it, keeping its id (nothing when it is spooled or m has no spool).
 * On error it stays loaded. */
const struct pn_error *pn_res_spill(struct pn_resmap *m, struct pn_res *r);

/* Free r's object and strings and mark it gone (credited to m's budget); pn_resmap_compact() then drops it
 * from the map. */
void pn_res_drop(struct pn_resmap *m, struct pn_res *r);

/* Drop the objects marked gone, keeping the others' order. */
void pn_resmap_compact(struct pn_resmap *m);

/* The objects' ids may have changed (a transformer ran, an object was removed): drop the index. Everything
 * that renames, re-namespaces or removes objects of a map that is added to later must call it. */
void pn_resmap_invalidate(struct pn_resmap *m);

/* Free every object and the array (the spool is the caller's). */
void pn_resmap_release(struct pn_resmap *m);

/* Append obj (taken, even on error) with its origin and spill it; fails when its id is already present. */
const struct pn_error *pn_resmap_add(struct pn_resmap *m, cJSON *obj, const char *file, size_t line);

/* Append all of src (emptied, even on error; its objects spilled to dst's spool, which must be src's or none)
 * to dst, with the same check. */
const struct pn_error *pn_resmap_take(struct pn_resmap *dst, struct pn_resmap *src);

const char *pn_res_name(const struct pn_res *r);
/* metadata.namespace, "" when none. */
const char *pn_res_namespace(const struct pn_res *r);
const char *pn_res_kind(const struct pn_res *r);
/* apiVersion, "" when none. */
const char *pn_res_api_version(const struct pn_res *r);

/* Whether fs's group/version/kind select r; whether r's kind is cluster-scoped (fieldspec.h). */
int pn_res_selected(const struct pn_res *r, const struct pn_fieldspec *fs);
int pn_res_cluster_scoped(const struct pn_res *r);

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

/* After a change kustomize stores the id before (a namespace, a JSON 6902 patch of `patches`): r had name
 * and namespace ns before it. When the change renamed r, that id joins the earlier ones; otherwise the current
 * id counts among them (cur_prev), which costs no memory. */
const struct pn_error *pn_res_kept_id(struct pn_res *r, const char *ns, const char *name);

/* Record that prefix (kind 'p') or suffix ('s') s was applied to r's name, or that r was "kind/namespace/name"
 * s before a patch changed its kind ('k'; kustomize's previous kinds, names and namespaces). */
const struct pn_error *pn_res_add_fix(struct pn_res *r, char kind, const char *s);

/* Index of the one object whose original or current id is group/version/kind `like`'s with name and
 * namespace; -1 none, -2 several. After a kind change (pn_res_add_fix 'k'), the kind, name and namespace of
 * before match together (with the current group and version), and the current kind only the current name. */
long pn_resmap_find(const struct pn_resmap *m, const cJSON *like, const char *name, const char *ns);

#endif
