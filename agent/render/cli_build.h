/*
 * `pinion build [flags] DIR`: what `kubectl kustomize DIR` prints, from pinion's renderer.
 *
 * Flags (kustomize's spelling; "--flag value" and "--flag=value"):
 *   --reorder none|legacy   output order (order.h); default legacy, as the kustomize CLIs. The top
 *                           kustomization's sortOptions.order, when set, wins (as in kustomize).
 *   --load-restrictor LoadRestrictionsRootOnly|LoadRestrictionsNone
 *                           kustomize's load restrictor (build.h): RootOnly refuses a file (resource, patch,
 *                           generator input) outside its kustomization's directory, None allows any file;
 *                           directories (bases, components) are allowed either way. The default is RootOnly,
 *                           as in kubectl kustomize, but None with --flux-kustomization, as Flux builds.
 *   --enable-helm           PN_ERR_UNSUPPORTED: pinion does not run helm.
 * Flux's side (what `flux build kustomization` adds; kustomize has none of it):
 *   --path P                build P under DIR (or under the store's root), not DIR itself
 *   --state-dir D           build the `fetched` revision of state directory D straight from its object store
 *                           (no DIR then): the same output as `build DIR` on a checkout of that commit (no
 *                           .sourceignore filtering, as with DIR)
 *   --flux-kustomization F  F holds one kustomize.toolkit.fluxcd.io/v1 (or v1beta2) Kustomization: DIR is the
 *                           repository root, spec.path (or --path; both given and different is an error) the
 *                           entry path, and targetNamespace, namePrefix, nameSuffix, patches, images,
 *                           components (ignoreMissingComponents too), commonMetadata and postBuild apply as
 *                           kustomize-controller applies them (build.h). spec.postBuild.substituteFrom needs a
 *                           cluster: a warning says so and the build goes on (supply those variables with the
 *                           flags below; with --strict-substitute a missing one is then an error).
 *                           spec.buildMetadata (originAnnotations, transformerAnnotations: the CRD's enum)
 *                           replaces the entry kustomization's buildMetadata (buildmeta.h). v1beta2's
 *                           patchesStrategicMerge/patchesJson6902 are PN_ERR_UNSUPPORTED;
 *                           spec.decryption gets a notice (SOPS objects are printed as they are).
 *   --substitute KEY=VALUE  a postBuild variable (repeatable)
 *   --substitute-file F     variables from F: lines KEY=VALUE, '#' comments and blank lines (subst.h
 *                           pn_subst_parse_env; repeatable, in order)
 *   --strict-substitute     an unset variable is an error (StrictPostBuildSubstitutions)
 * Variables, later winning: --substitute-file (stands in for substituteFrom), spec.postBuild.substitute,
 * --substitute. Substitution runs (subst.h) when the Kustomization has spec.postBuild or a variable is given
 * on the command line, and then only with at least one variable or substituteStrategy: Always, as in Flux.
 * The output goes to stdout only when the whole build succeeded; an error is returned (main prints it as one
 * line) and nothing is written. Documents are printed one at a time: each is loaded from the build's spool,
 * printed and freed; the text is staged in the spool file and copied to stdout once every document printed,
 * so memory holds one document, never the output.
 */
#ifndef PN_CLI_BUILD_H
#define PN_CLI_BUILD_H

#include <stddef.h>

#include "../core/error.h"
#include "../core/buf.h"
#include "build.h"
#include "order.h"
#include "subst.h"

/* Bytes of the printed output: normalised YAML is rarely more than twice the input a build may read. */
#define PN_CLI_BUILD_MAX_OUTPUT (4 * PN_BUILD_MAX_BYTES)
/* Bytes copied from the staged output to stdout at a time. */
#define PN_CLI_BUILD_CHUNK ((size_t)64 << 10)

/* Bytes of a --flux-kustomization file: a Kustomization object is a few KiB. */
#define PN_CLI_BUILD_MAX_KS ((size_t)1 << 20)
/* Bytes of one --substitute-file: a ConfigMap's data is at most 1 MiB. */
#define PN_CLI_BUILD_MAX_SUBST_FILE ((size_t)1 << 20)

struct pn_cli_build_args {
	const char *dir;
	enum pn_order_mode order;
	int load_restrict_none;	/* --load-restrictor: 1 LoadRestrictionsNone, 0 ...RootOnly, -1 not given */
	const char *path;	/* --path */
	const char *state_dir;	/* --state-dir */
	const char *flux_ks;	/* --flux-kustomization */
	const char **subst_files;	/* --substitute-file, in order */
	size_t nsubst_files;
	struct pn_subst subst;	/* --substitute; subst.strict is --strict-substitute */
};

/* Parse argv[1..argc) (argv[0] is the command's name) into *args. PN_ERR_USAGE or PN_ERR_UNSUPPORTED (then
 * args holds nothing). The caller frees it with pn_cli_build_args_release(). */
const struct pn_error *pn_cli_build_parse(int argc, char **argv, struct pn_cli_build_args *args);
void pn_cli_build_args_release(struct pn_cli_build_args *args);

/* Build what args name and append its printed output to out (for tests: out holds the whole output). */
const struct pn_error *pn_cli_build_render(const struct pn_cli_build_args *args, struct pn_buf *out);

/* The command: parse, render, write to stdout. */
const struct pn_error *pn_cli_build(int argc, char **argv);

#endif
