/*
 * Which commit a GitRepository's ref names, the way `flux create source git` has them:
 *   --branch main          refs/heads/main                        revision main@sha1:<hex>
 *   --tag v1.2.3           refs/tags/v1.2.3, peeled to its commit  revision v1.2.3@sha1:<hex>
 *   --semver ">=1.2 <2"    the highest tag matching the range      revision <tag>@sha1:<hex>
 *   --ref refs/pull/1/head any full ref name                       revision refs/pull/1/head@sha1:<hex>
 *   --commit <40 hex>      that commit, fetched directly           revision sha1:<hex>
 *   --commit with --branch the branch must exist; that commit       revision main@sha1:<hex>
 * When several are given, Flux's precedence decides: commit > ref > semver > tag > branch; a branch given with
 * a commit names the commit's revision, as Flux's CheckoutCommit does. Flux clones the branch's whole history
 * and so also proves the commit is on it; a depth-1 fetch has no history to walk, so pinion checks only that
 * the branch exists and the server serves the commit.
 *
 * Semver ranges follow Masterminds/semver v3 (what Flux uses): "1.x", ">=1.2 <2", "~1.4", "^1.2", "1.2.3 - 1.4",
 * "!=1.3.0", alternatives joined by "||", and constraints of one alternative by spaces or commas. Tags may carry
 * a leading "v" and may be short ("v1", "1.2"). Pre-releases match only an alternative one of whose constraints
 * names a pre-release itself ("~1.2.0-0"). The highest matching version wins; tags that are not versions are
 * skipped.
 */
#ifndef PN_REFS_H
#define PN_REFS_H

#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"
#include "oid.h"
#include "upload.h"

/* Longest pre-release text of a version ("rc.1", "alpha.beta.3"): longer tags are not taken for versions. */
#define PN_SEMVER_PRE_MAX 128
/* Longest semver range accepted: configuration, not peer input, but bounded all the same. */
#define PN_SEMVER_RANGE_MAX 256
/* Alternatives (||) in a range, and constraints in one alternative: real ranges have 1-3 of each. */
#define PN_SEMVER_OR_MAX 8
#define PN_SEMVER_AND_MAX 8

struct pn_semver {
	uint64_t major, minor, patch;
	char pre[PN_SEMVER_PRE_MAX + 1];	/* "" for a release */
};

enum pn_semver_op {
	PN_SEMVER_EQ = 1,	/* "" or "=": tilde when parts are missing or x */
	PN_SEMVER_NE,
	PN_SEMVER_GT,
	PN_SEMVER_LT,
	PN_SEMVER_GE,
	PN_SEMVER_LE,
	PN_SEMVER_TILDE,	/* ~ ~> */
	PN_SEMVER_CARET,	/* ^ */
};

struct pn_semver_term {
	enum pn_semver_op op;
	struct pn_semver con;
	int dirty, minor_dirty, patch_dirty;	/* parts left out or written x, X, * */
};

struct pn_semver_range {
	struct pn_semver_term terms[PN_SEMVER_OR_MAX][PN_SEMVER_AND_MAX];
	size_t nterms[PN_SEMVER_OR_MAX];
	int has_pre[PN_SEMVER_OR_MAX];		/* the alternative names a pre-release */
	size_t ngroups;
};

/* A tag name as a version (Masterminds NewVersion): "v1.2.3", "1.2", "2", "1.0.0-rc.1+build". PN_ERR_PARSE
 * when it is not one. */
const struct pn_error *pn_semver_parse(const char *s, size_t len, struct pn_semver *out);

/* <0, 0, >0 as a is lower, equal, higher (build metadata ignored; a pre-release is below its release). */
int pn_semver_cmp(const struct pn_semver *a, const struct pn_semver *b);

/* Parse a range; PN_ERR_USAGE naming it when it is not one. */
const struct pn_error *pn_semver_range_parse(const char *s, struct pn_semver_range *out);

/* Whether v is in the range. */
int pn_semver_range_match(const struct pn_semver_range *r, const struct pn_semver *v);

enum pn_refs_kind {
	PN_REFS_BRANCH = 1,
	PN_REFS_TAG,
	PN_REFS_SEMVER,
	PN_REFS_NAME,
	PN_REFS_COMMIT,
};

struct pn_refs_spec {
	enum pn_refs_kind kind;
	const char *value;			/* as given: branch, tag, range, ref or commit; must outlive the spec */
	char refname[PN_UPLOAD_REFNAME_MAX + 1];	/* TAG: refs/tags/<tag>; NAME: the ref */
	struct pn_semver_range range;		/* SEMVER */
	struct pn_oid commit;			/* COMMIT */
	const char *branch;			/* COMMIT: the branch given with it, or NULL */
};

/* Pick the ref from the flags' values (NULL: not given) by Flux's precedence and check it. PN_ERR_USAGE names
 * the flag and the value; nothing given at all is one too. */
const struct pn_error *pn_refs_spec_init(struct pn_refs_spec *spec, const char *branch, const char *tag,
    const char *semver, const char *name, const char *commit);

/* What the session looks up for this spec: its options' branch and ref are set (or left NULL). */
void pn_refs_upload_options(const struct pn_refs_spec *spec, struct pn_upload_options *opt);

/* "<kind> <value>" for the state's source line, except a branch, which is its name alone (as before kinds
 * existed). PN_ERR_TOO_LARGE when buf is too small. */
const struct pn_error *pn_refs_spec_describe(const struct pn_refs_spec *spec, char *buf, size_t len);

/* The commit the spec names on the server of u (a session made with pn_refs_upload_options), and the name its
 * revision carries: the branch, the tag (the chosen one for semver), the ref, or "" for a commit (its branch
 * when one was given). */
const struct pn_error *pn_refs_resolve(const struct pn_refs_spec *spec, struct pn_upload *u, struct pn_oid *tip,
    char *name, size_t len);

/* Semver selection over a listing (pn_upload_ls_refs of "refs/tags/", a pn_upload_ref_cb): the highest tag in
 * the range, peeled. */
struct pn_refs_pick {
	const struct pn_semver_range *range;
	struct pn_semver best;
	char name[PN_UPLOAD_REFNAME_MAX + 1];	/* the tag, without refs/tags/ */
	struct pn_oid oid;
	int found;
	int last_was_best;	/* the ref just seen is the best so far: its peeled line updates oid */
};

void pn_refs_pick_init(struct pn_refs_pick *p, const struct pn_semver_range *range);
const struct pn_error *pn_refs_pick_ref(void *ctx, const char *name, const struct pn_oid *oid, int peeled);

#endif
