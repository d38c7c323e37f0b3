/*
 * kustomize's field specs (api/types/fieldspec.go, api/filters/fsslice): "apply this to the field at `path` of
 * every object of this group/version/kind". A path is '/'-separated field names; "\/" is a '/' inside a name.
 * A sequence met on the way is entered element by element. A missing field in the middle of the path is
 * created (as a mapping) only when `create` is set and the name is not written "name[]" (lists are never
 * created, as kyaml's PathGetter); otherwise the spec does not apply to that object.
 *
 * The built-in tables (commonLabels, templateLabels, commonAnnotations, images, replicas, nameReference) are
 * those of kustomize v5.5.0 (api/internal/konfig/builtinpluginconsts at api/v0.18.0), and the cluster-scoped
 * kinds those of kyaml v0.18.1's precomputed table (kyaml/openapi/openapi.go; unknown kinds are namespaced).
 */
#ifndef PN_FIELDSPEC_H
#define PN_FIELDSPEC_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "../core/error.h"

/* Segments in one field spec path (the longest built-in one has 12). */
#define PN_FIELDSPEC_MAX_SEGMENTS 32
/* Bytes of one path (the longest built-in one is about 140; user ones come from `configurations`). */
#define PN_FIELDSPEC_MAX_PATH 1024

struct pn_fieldspec {
	const char *group;	/* NULL: any */
	const char *version;	/* NULL: any */
	const char *kind;	/* NULL: any */
	const char *path;
	int create;
};

/* A name reference rule: fields `spec` of referrers name an object of kind `referral` (its path unused). */
struct pn_nameref {
	struct pn_fieldspec referral;
	struct pn_fieldspec spec;
};

/* Tables end with an entry whose path is NULL. */
extern const struct pn_fieldspec pn_fieldspec_common_labels[];
extern const struct pn_fieldspec pn_fieldspec_template_labels[];
extern const struct pn_fieldspec pn_fieldspec_common_annotations[];
extern const struct pn_fieldspec pn_fieldspec_images[];
extern const struct pn_fieldspec pn_fieldspec_replicas[];
extern const struct pn_nameref pn_fieldspec_namerefs[];

/* The group and version of obj's apiVersion ("apps/v1" → "apps", "v1"; "v1" → "", "v1"), copied into g and v
 * (each of `cap` bytes, cut if longer). */
void pn_fieldspec_gv(const cJSON *obj, char *g, char *v, size_t cap);
/* The same of an apiVersion string. */
void pn_fieldspec_split_gv(const char *api, char *g, char *v, size_t cap);

/* Whether the spec's group/version/kind select obj. */
int pn_fieldspec_selects(const struct pn_fieldspec *fs, const cJSON *obj);
/* The same for an object known by its apiVersion and kind ("" when absent), e.g. a spooled one (resmap.h). */
int pn_fieldspec_selects_id(const struct pn_fieldspec *fs, const char *api_version, const char *kind);

/* Whether obj's kind is cluster-scoped (kyaml's table; unknown kinds are namespaced). */
int pn_fieldspec_cluster_scoped(const cJSON *obj);
int pn_fieldspec_cluster_scoped_id(const char *api_version, const char *kind);

/* Called for each place the path reaches: `field` is parent's member `key` (NULL when it is absent; the
 * callback may create it when `create` is set). */
typedef const struct pn_error *(*pn_fieldspec_fn)(cJSON *parent, const char *key, cJSON *field, int create,
    const void *ctx);

/* Walk fs->path in obj (which fs must select) and call fn at every end it reaches. */
const struct pn_error *pn_fieldspec_walk(cJSON *obj, const struct pn_fieldspec *fs, pn_fieldspec_fn fn,
    const void *ctx);

/* Apply every spec of a NULL-path-terminated table that selects obj. */
const struct pn_error *pn_fieldspec_walk_all(cJSON *obj, const struct pn_fieldspec *table, pn_fieldspec_fn fn,
    const void *ctx);

#endif
