/*
 * Build the entry path of a tree into its list of objects as `kustomize build` (v5.5.0) does, plus Flux's
 * generated kustomization and the fields a Flux Kustomization adds (struct pn_build_flux).
 *
 * At the entry path:
 *  - with kustomization.yaml, kustomization.yml or Kustomization (a file; two of them is an error): build it.
 *    The kustomization model is kustomization.h (every field checked; unknown ones are errors, helm,
 *    helm PN_ERR_UNSUPPORTED; `openapi` and `crds` are openapi.h's). One kustomization runs as
 *    kustomize's KustTarget.accumulateTarget: `resources` (and `bases`) in order, a file being every document
 *    of it and a directory its own finished build; `configurations` (kustomization.h); configMapGenerator
 *    and secretGenerator with their behaviors (generator.h), then the `generators` list (builtin plugin
 *    configs, plugin.h: each entry inline, a file, or a kustomization directory whose objects are configs);
 *    `components`, each a kind Component directory whose resources, generators and transformers apply to the
 *    parent's objects; then the transformers in kustomize's order: patchesStrategicMerge, patches (patch.h),
 *    namespace, namePrefix, nameSuffix, labels, commonLabels, commonAnnotations, patchesJson6902, replicas,
 *    images (transform.h), then the `transformers` list (plugin.h), then the `validators` (transformers that
 *    must change nothing); then its `vars` are bound to their objects (vars.h). Adding an object whose id is already present is kustomize's "may not
 *    add resource with an already registered id" (resmap.h). At the end of the whole build generated names
 *    get their hash suffix, every name reference follows the renames (namerefs.h), then the vars are
 *    resolved and expanded (vars.h), and the entry kustomization's buildMetadata is applied (buildmeta.h: origin
 *    and transformations annotations recorded along the way, the managed-by label). Paths are relative to the kustomization's directory; ".." may leave that
 *    directory but not the tree root; a file outside the kustomization's directory is refused under kustomize's
 *    load restrictor RootOnly (struct pn_build_options.load; Flux builds with LoadRestrictionsNone inside the
 *    source's root).
 *    Errors: an absent entry (naming the kustomization and the entry), an absolute path, a remote URL
 *    ("remote resources are not supported"), a directory without a kustomization file, a cycle (a directory
 *    that is, or contains, one being built: kustomize's "cycle detected: candidate root contains visited
 *    root"). The entry kustomization's sortOptions (order, legacySortOptions) is reported in the result
 *    (pn_build_sort).
 *  - without one, Flux's generated rule (fluxcd/pkg/kustomize generator): every *.yaml / *.yml file under
 *    the path, recursively, in lexical (bytewise) order, depth first; a subdirectory holding a kustomization
 *    file is one resource and is not descended into; other files are ignored; flux-system/ directly under
 *    the entry path (Flux's own install) is skipped with a notice.
 *
 * Every file's documents then pass kustomize's resource checks (api/resource/factory.go): null and empty
 * documents are dropped; a document must be a mapping with a kind, and with metadata.name unless its kind
 * ends in "List"; a file that is one "---" piece holding one `kind: List` document is replaced by its items,
 * and any *List with items is flattened, its items queued after the file's other documents (kustomize's
 * order). Objects whose apiVersion group ends in ".toolkit.fluxcd.io" go to a second list: they are never
 * sent to the API (the caller prints one notice each).
 *
 * Order. The result keeps kustomize's FIFO order: resources in list order, a directory expanded in place,
 * a file's documents in file order. What remains, checked with `kubectl kustomize` (v5.5.0):
 *  - kubectl's default is the legacy sort of the whole output (not per kustomization): kinds ranked
 *    Namespace, ResourceQuota, StorageClass, CustomResourceDefinition, ServiceAccount, PodSecurityPolicy,
 *    Role, ClusterRole, RoleBinding, ClusterRoleBinding, ConfigMap, Secret, Endpoints, Service, LimitRange,
 *    PriorityClass, PersistentVolume, PersistentVolumeClaim, Deployment, StatefulSet, CronJob,
 *    PodDisruptionBudget, then all others, then Mutating- and ValidatingWebhookConfiguration; ties by
 *    group_version_kind string ("~G" for the core group, so named groups first), then namespace, then name.
 *    E.g. resources [s.yaml (Service), base/ (Deployment, Namespace), a.yaml (ConfigMap)] build FIFO as
 *    Service, Deployment, Namespace, ConfigMap and print by default as Namespace, ConfigMap, Service,
 *    Deployment. `pinion build` prints in that order (order.h); Flux's own build uses FIFO and orders at
 *    apply time, so the apply stage orders objects itself (ssa.h).
 *  - also not done here: symbolic links to directories, which Flux's walk does not enter but the tree reader
 *    resolves.
 *
 * Memory (issue 5): documents wait in a spool file (spool.h; in opt->spool_dir, unlinked after open) and only
 * a small index stays in memory: per object its id (apiVersion, kind, name, namespace), where it came from,
 * its original name and namespace and its slot in the file (resmap.h). Every object is spilled as it enters
 * a kustomization's map, so a finished sub-build is only its index when its parent takes it. An object is
 * loaded only while something must change it, at explicit points and one object at a time: a kustomization's
 * transformers run object by object (each object loaded once for all of them, kustomize's errors kept; see
 * transform() in build.c), a patch without a target loads the object it names, a generator merging into an
 * object loads that one, generated names get their hash and name references are fixed object by object at
 * the end. A kustomization without transformers (the generated one, with no Flux fields) loads nothing. The
 * result hands out the index (struct pn_build_doc) and the spool; the caller loads one document at a time.
 * PN_BUILD_MAX_BYTES, PN_BUILD_MAX_DOCS and the spool's ceiling (max_spool) bound a build; the largest
 * document in memory at once is one file's (PN_YAML_MAX_FILE).
 */
#ifndef PN_BUILD_H
#define PN_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "../core/error.h"
#include "../core/treeread.h"
#include "spool.h"
#include "subst.h"
#include "yaml.h"

/* Bytes of all files one build reads: parsed documents take several times their text in memory. */
#define PN_BUILD_MAX_BYTES ((size_t)64 << 20)
/* Objects one build yields. */
#define PN_BUILD_MAX_DOCS 20000
/* Bytes the in-memory index of a build may take (enforced: PN_ERR_TOO_LARGE naming the object or the file):
 * per object its map entry (struct pn_res, 104 bytes on 64-bit) and its strings (packed id, original name and
 * namespace, earlier names, prefixes and suffixes: resmap.h's budget), and the path of every file read.
 * Measured: 230 bytes per object on scripts/bench's homelab tree (2,170,800 bytes for 9,450 objects from
 * 9,450 files, x86_64); this is room for PN_BUILD_MAX_DOCS objects at 300 bytes. */
#define PN_BUILD_MAX_INDEX ((size_t)6 << 20)
/* What else a build holds, by construction: the text and parsed documents of the one file being read
 * (PN_YAML_MAX_FILE), the one object being transformed or printed, the spool's scratch buffers (PN_SPOOL_KEEP
 * between calls), the kustomizations and field specs of the chain being built. The goal for the peak RSS of
 * the static binary's `pinion build` of a 6,300-document tree (tests/integration/test_build_memory.py, /usr/bin/time
 * -v): measured 2.9 MiB; the same test runs it under `prlimit --as`, where 4 MiB (binary and stack included)
 * is the tightest limit that works. scripts/bench's 9,450-document tree: 3.9 MiB, 5 MiB. */
#define PN_BUILD_RSS_GOAL ((size_t)4 << 20)
/* Kustomizations nested in each other (each level is one C stack frame chain). */
#define PN_BUILD_MAX_NESTING 32
/* Directory levels the generated rule walks (a link to an ancestor would loop forever). */
#define PN_BUILD_MAX_DIR_DEPTH 64
/* Directory entries one build visits (links can make a small tree look exponentially large). */
#define PN_BUILD_MAX_ENTRIES 200000

/*
 * What a Flux Kustomization adds to the build (kustomize-controller's generator, fluxcd/pkg/kustomize): into the
 * entry path's kustomization (or the one Flux generates), `namespace` := targetNamespace, `namePrefix` and
 * `nameSuffix` replaced, `patches` ({patch, target}), `images` and `components` (paths relative to the entry
 * path) appended, `buildMetadata` replaced by spec.buildMetadata when given; and, as fluxcd/pkg's generator does
 * to a tree's own kustomization file without `resources`, buildMetadata set to [originAnnotations] first (so its
 * objects carry config.kubernetes.io/origin). After the build, postBuild substitution on every object (subst.h; Flux objects too), then
 * commonMetadata's labels and annotations set on every object's metadata (not on templates or selectors), in
 * kustomize-controller's order. NULL or empty members add nothing; the cJSON lists are not taken.
 */
struct pn_build_flux {
	const char *target_namespace;
	const char *name_prefix;
	const char *name_suffix;
	const cJSON *patches;
	const cJSON *images;
	const cJSON *components;
	const cJSON *common_labels;		/* commonMetadata.labels: a map of strings */
	const cJSON *common_annotations;	/* commonMetadata.annotations */
	const struct pn_subst *subst;		/* spec.postBuild: NULL when the Kustomization has none */
	const cJSON *build_metadata;		/* spec.buildMetadata: replaces the entry kustomization's */
};

/*
 * Kustomize's load restrictor (api/internal/loader). Every file a kustomization names (a resource file, a
 * patch, a generator's files and envs, a configurations file) is judged by where it really is: its path joined
 * to the kustomization's directory with every symbolic link followed (the tree reader's `real`). Directories
 * (bases, components) are kustomization roots of their own and never judged.
 *  - PN_BUILD_LOAD_NONE: any file of the tree. Flux's setting: kustomize-controller builds with
 *    LoadRestrictionsNone (fluxcd/pkg/kustomize Build) on a file system confined to the source's root, which
 *    is what the tree reader gives; the sync path (agent/sync/apply_tree.c) builds so.
 *  - PN_BUILD_LOAD_ROOT_ONLY: only files in or below the kustomization's own directory (real path), else
 *    kustomize's "security; file '<path>' is not in or below '<dir>'". kubectl kustomize's default, and
 *    `pinion build`'s (cli_build.h --load-restrictor).
 */
enum pn_build_load_restrictor {
	PN_BUILD_LOAD_NONE,
	PN_BUILD_LOAD_ROOT_ONLY,
};

struct pn_build_options {
	enum pn_build_load_restrictor load;	/* PN_BUILD_LOAD_NONE (Flux's) */
	size_t max_bytes;
	size_t max_docs;
	struct pn_yaml_limits yaml;	/* per file */
	const struct pn_build_flux *flux;	/* NULL: a plain kustomize build */
	const char *spool_dir;		/* where the spool file goes; NULL: pn_spool_tmpdir() */
	uint64_t max_spool;		/* bytes of the spool file (PN_SPOOL_MAX_BYTES) */
	size_t max_index;		/* bytes of the index of spooled objects (PN_BUILD_MAX_INDEX) */
};

/* The defaults above. */
void pn_build_options_init(struct pn_build_options *opt);

/* One document of the result: its index entry. The object is in the result's spool (pn_build_doc_load). */
struct pn_build_doc {
	char *ids;		/* its packed id (resmap.h); read it with the accessors below */
	const char *file;	/* tree path of the file it came from (one of result->files), NULL when generated */
	size_t line;		/* where its document begins */
	struct pn_spool_slot slot;
};

/* The top kustomization's sortOptions.order: it wins over the command line's --reorder (kustomize's
 * applySortOrder). Its legacySortOptions replace the legacy sort's kind lists (order.h). */
enum pn_build_sort {
	PN_BUILD_SORT_UNSET,
	PN_BUILD_SORT_FIFO,
	PN_BUILD_SORT_LEGACY,
};

struct pn_build_result {
	enum pn_build_sort sort;	/* the top kustomization's sortOptions */
	char **sort_first, **sort_last;	/* its legacySortOptions' kinds, NULL-terminated (NULL: the defaults) */
	struct pn_build_doc *docs;	/* to apply, in FIFO order */
	size_t ndocs;
	struct pn_build_doc *flux;	/* *.toolkit.fluxcd.io objects, in the same order; never applied */
	size_t nflux;
	char **notices;			/* one line each, for the log: what was skipped and why */
	size_t nnotices;
	char **files;			/* every file read, in order */
	size_t nfiles;
	size_t bytes;			/* their total size */
	struct pn_spool *spool;		/* holds the documents */
};

/* A document's apiVersion, kind, metadata.name and metadata.namespace ("" when absent or not a string). */
const char *pn_build_doc_api_version(const struct pn_build_doc *d);
const char *pn_build_doc_kind(const struct pn_build_doc *d);
const char *pn_build_doc_name(const struct pn_build_doc *d);
const char *pn_build_doc_namespace(const struct pn_build_doc *d);

/* Read one document of res back from its spool. The caller frees it with cJSON_Delete(). */
const struct pn_error *pn_build_doc_load(const struct pn_build_result *res, const struct pn_build_doc *d,
    cJSON **out);

/* Build `path` (a tree path; "", ".", "./clusters/bh" and "clusters/bh/" are accepted) of `tree`. opt NULL
 * means the defaults. On error *out is empty. The caller frees it with pn_build_result_release(). */
const struct pn_error *pn_build(const struct pn_tree_reader *tree, const char *path,
    const struct pn_build_options *opt, struct pn_build_result *out);
void pn_build_result_release(struct pn_build_result *res);

/* Join tree path dir and rel and normalise (".", "..", "//", trailing '/') into *out: 0, or 1 when ".." climbs
 * above the root, -1 out of memory. The caller frees *out with free(). */
int pn_build_join_path(const char *dir, const char *rel, char **out);

#endif
