/*
 * Build the entry path of a tree into its list of objects: the walking skeleton of `kustomize build` plus
 * Flux's generated kustomization.
 *
 * At the entry path:
 *  - with kustomization.yaml, kustomization.yml or Kustomization (a file; two of them is an error): build it.
 *    Only apiVersion (kustomize.config.k8s.io/v1beta1), kind (Kustomization) and resources are understood;
 *    any other key is PN_ERR_UNSUPPORTED naming the file and the key. A resource is a file (every document of
 *    it) or a directory holding a kustomization file (built recursively), relative to the kustomization's
 *    directory; ".." may leave that directory but not the tree root (Flux builds with LoadRestrictionsNone
 *    inside the source's root). Errors: an absent entry (naming the kustomization and the entry), an absolute
 *    path, a remote URL ("remote resources are not supported"), a directory without a kustomization file, a
 *    file or directory reached twice, a cycle (a directory that is, or contains, one being built: kustomize's
 *    "cycle detected: candidate root contains visited root").
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
 *    Deployment. `pinion build` needs that sort (a later issue); Flux's own build uses FIFO and orders at
 *    apply time, so the apply stage orders objects itself.
 *  - also not done here: duplicate object ids (kustomize's "may not add resource with an already registered
 *    id"; only a path reached twice is caught), every other kustomization field, components, and symbolic
 *    links to directories, which Flux's walk does not enter but the tree reader resolves.
 *
 * Memory: every document stays in memory; PN_BUILD_MAX_BYTES and PN_BUILD_MAX_DOCS bound a build.
 */
#ifndef PN_BUILD_H
#define PN_BUILD_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "../core/error.h"
#include "../core/treeread.h"
#include "yaml.h"

/* Bytes of all files one build reads: parsed documents take several times their text in memory. */
#define PN_BUILD_MAX_BYTES ((size_t)64 << 20)
/* Objects one build yields. */
#define PN_BUILD_MAX_DOCS 20000
/* Kustomizations nested in each other (each level is one C stack frame chain). */
#define PN_BUILD_MAX_NESTING 32
/* Directory levels the generated rule walks (a link to an ancestor would loop forever). */
#define PN_BUILD_MAX_DIR_DEPTH 64
/* Directory entries one build visits (links can make a small tree look exponentially large). */
#define PN_BUILD_MAX_ENTRIES 200000

struct pn_build_options {
	size_t max_bytes;
	size_t max_docs;
	struct pn_yaml_limits yaml;	/* per file */
};

/* The defaults above. */
void pn_build_options_init(struct pn_build_options *opt);

struct pn_build_doc {
	cJSON *obj;
	const char *file;	/* tree path of the file it came from (one of result->files) */
	size_t line;		/* where its document begins */
};

struct pn_build_result {
	struct pn_build_doc *docs;	/* to apply, in FIFO order */
	size_t ndocs;
	struct pn_build_doc *flux;	/* *.toolkit.fluxcd.io objects, in the same order; never applied */
	size_t nflux;
	char **notices;			/* one line each, for the log: what was skipped and why */
	size_t nnotices;
	char **files;			/* every file read, in order */
	size_t nfiles;
	size_t bytes;			/* their total size */
};

/* Build `path` (a tree path; "", ".", "./clusters/bh" and "clusters/bh/" are accepted) of `tree`. opt NULL
 * means the defaults. On error *out is empty. The caller frees it with pn_build_result_release(). */
const struct pn_error *pn_build(const struct pn_tree_reader *tree, const char *path,
    const struct pn_build_options *opt, struct pn_build_result *out);
void pn_build_result_release(struct pn_build_result *res);

#endif
