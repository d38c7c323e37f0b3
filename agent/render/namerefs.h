/*
 * kustomize's FixBackReferences (api/filters/nameref at api/v0.18.0): after names change (prefix, suffix,
 * hash) and namespaces move, every field that names another object of the build follows it. The fields are
 * kustomize's built-in nameReference table plus the user's (`configurations`).
 *
 * A referring field holding a name is matched against the objects of the referral kind whose original or
 * current name it is, in the referrer's namespace (unless either is cluster-scoped); a mapping (RBAC
 * subjects, Node configSource) must also have the referral's kind when it says one, and gets the referral's
 * namespace too. Several matches are narrowed to those whose name prefixes and suffixes end like the
 * referrer's (kustomize's prefixSuffixEquals); several left with different names are kustomize's "found
 * multiple possible referrals".
 */
#ifndef PN_NAMEREFS_H
#define PN_NAMEREFS_H

#include "../core/error.h"
#include "fieldspec.h"
#include "resmap.h"

/* Prefixes (or suffixes) of one object compared when references are ambiguous; more are ignored. */
#define PN_NAMEREFS_MAX_FIXES 64

/* Fix the references of every object of ra; `user` (may be NULL) ends with a NULL spec.path. */
const struct pn_error *pn_namerefs_fix(struct pn_resmap *ra, const struct pn_nameref *user);

#endif
