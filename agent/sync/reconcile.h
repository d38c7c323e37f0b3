/*
 * One reconcile of one unit, the way `pinion sync --once` runs it:
 *   fetch   ls-refs for the branch; fetch a depth-1 pack only when the tip is not in the store; `fetched`
 *           advances once the pack is verified and committed
 *   render  build the unit's path from the fetched commit (read straight from the store)
 *   apply   server-side apply of every object as one unit; `applied` advances only when all of it worked
 * A failure at any stage leaves `applied` and everything not yet applied as it was.
 */
#ifndef PN_RECONCILE_H
#define PN_RECONCILE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"
#include "../core/treeread.h"

/* Defaults of the timing knobs; every one can be set by flag (tests use short ones). */
#define PN_SYNC_TIMEOUT_MS (5 * 60 * 1000)	/* one whole fetch, as Flux's GitRepository timeout 60s ×5 */

struct pn_sync_options {
	const char *url;
	const char *branch;
	/* The other ref kinds (source/refs.h), NULL when not given; Flux's precedence: commit > ref > semver >
	 * tag > branch. */
	const char *tag;
	const char *semver;
	const char *ref;		/* a full ref name: refs/pull/1/head */
	const char *commit;		/* 40 hex digits */
	const char *path;		/* the unit's path in the repository ("./apps"); NULL or "" = root */
	const char *state_dir;
	const char *ca_file;		/* NULL: the system bundle */
	const char *kubeconfig;		/* NULL: $KUBECONFIG, then /etc/rancher/k3s/k3s.yaml */
	const char *context;		/* --context: a kubeconfig context other than current-context */
	const char *unit_name;		/* NULL: flux-system */
	const char *unit_namespace;	/* NULL: flux-system */
	uint64_t timeout_ms;		/* the fetch; 0 = PN_SYNC_TIMEOUT_MS */
	uint64_t api_timeout_ms;	/* each API request; 0 = the client's default */
	uint64_t crd_wait_ms;		/* how long new CRDs may take to be served; 0 = the default */
	uint64_t crd_poll_ms;		/* how often to look; 0 = the default */
	/* Credentials, each read from a file (never from the command line): HTTP basic auth (username plus
	 * password file) or a bearer token. */
	const char *username;
	const char *password_file;
	const char *bearer_token_file;
	/* SSH URLs (ssh://user@host/path, user@host:path): both required. */
	const char *private_key_file;
	const char *known_hosts_file;
	/* When the remote cannot be reached, fail instead of applying the last fetched revision. */
	int require_fresh;
	int force;			/* --force: recreate objects whose immutable fields changed (ssa.h) */
	int wait;			/* --wait: health checks after the apply, within timeout_ms (ssa.h) */
	/* --prune: delete what the last apply made and this render lacks (apply/prune.h), after everything else
	 * succeeded; --allow-mass-prune lifts the guard against pruning more than half of the inventory;
	 * --force-namespace-prune deletes Namespaces that hold objects pinion did not apply. */
	int prune;
	const char *const *health_checks;	/* --health-check (ssa.h) */
	size_t nhealth_checks;
	const char *local_dir;		/* pinion diff --local DIR: the tree on disk instead of the remote */
	int allow_mass_prune;
	int force_namespace_prune;
	/* Store limits users may need to raise (0 = the defaults of source/pack.h). */
	uint64_t max_object_size;
	uint64_t max_delta_chain;
	/* postBuild substitution on the rendered objects (render/subst.h), as a Flux Kustomization with
	 * spec.postBuild; NULL: none, as one without. */
	const struct pn_subst *subst;
};

struct pn_subst;

/* --health-check flags accepted in one command. */
#define PN_SYNC_HEALTH_CHECKS_MAX 64

/* Longest password or token read from a file. */
#define PN_SYNC_SECRET_MAX 4096

/* Normalise a unit path as Flux writes it ("./apps/", ".", "apps") into a tree path ("apps", ""); ".."
 * components, absolute paths and empty components are errors naming the path. out holds at least
 * strlen(path) + 1 bytes. */
const struct pn_error *pn_sync_normalize_path(const char *path, char *out, size_t len);

/* The pack limits for o: the defaults, with what o raises or lowers. */
struct pn_pack_limits;
void pn_sync_pack_limits(const struct pn_sync_options *o, struct pn_pack_limits *limits);

/* Fetch the ref into the store when its tip changed; *revision gets "<branch>@sha1:<hex>" (per ref kind as
 * Flux writes it: "v1.2.3@sha1:<hex>", "sha1:<hex>" for a commit, state.h). */
const struct pn_error *pn_sync_fetch(const struct pn_sync_options *o, char *revision, size_t len);

/* Render the unit's path of `tree` and apply it; prints one line per object to stdout. */
const struct pn_error *pn_sync_apply_tree(const struct pn_sync_options *o, const struct pn_tree_reader *tree);

/* pinion diff: render as pn_sync_apply_tree() does and print what an apply would do, writing nothing to the
 * cluster or the state directory: "create <id>", "configure <id>" with one line per changed field
 * (apply/diff.h), "recreate <id>", and with o->prune "prune <id>" for what the inventory has and the render
 * lacks. *changes counts those objects. */
const struct pn_error *pn_sync_diff_tree(const struct pn_sync_options *o, const struct pn_tree_reader *tree,
    size_t *changes);

/* pinion diff of the remote (fetched as sync fetches it, the store and `fetched` advance) or, with local_dir,
 * of a directory on disk. */
const struct pn_error *pn_sync_diff(const struct pn_sync_options *o, const char *local_dir, size_t *changes);

/* fetch → render → apply → record `applied`. When the remote is unreachable (a retryable error) and a
 * revision was fetched before, that revision is applied with one warning, unless require_fresh is set: a Pi
 * that boots without network still converges on what it last had. */
const struct pn_error *pn_sync_once(const struct pn_sync_options *o);

#endif
