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
 *
 * kustomize runs each rule over every object before the next rule. A rule changes only the referring object
 * and reads of the others only what the map keeps without loading (ids, original names, earlier names,
 * prefixes and suffixes: resmap.h), so the rules run object by object: each referring object is loaded once,
 * fixed by every rule and spilled. The error reported is still kustomize's (the earliest rule, then the first
 * object): an error at rule i of object k leaves later objects only the rules before i.
 */
#ifndef PN_NAMEREFS_H
#define PN_NAMEREFS_H

#include "../core/error.h"
#include "fieldspec.h"
#include "resmap.h"

/* Prefixes (or suffixes) of one object compared when references are ambiguous; more are ignored. */
#define PN_NAMEREFS_MAX_FIXES 64

/* Fix the references of every object of ra (each loaded, fixed, spilled); `user` (may be NULL) ends with a NULL
 * spec.path. */
const struct pn_error *pn_namerefs_fix(struct pn_resmap *ra, const struct pn_nameref *user);

/* The rules: kustomize's built-in table then the user's, this many. */
size_t pn_namerefs_count(const struct pn_nameref *user);

/* Whether a rule refers from r (which then must be loaded for pn_namerefs_fix_one). */
int pn_namerefs_selects(const struct pn_res *r, const struct pn_nameref *user);

/* Rules [0, limit) on ra->v[k], which is loaded; on error *failed is the index of the rule. */
const struct pn_error *pn_namerefs_fix_one(struct pn_resmap *ra, size_t k, const struct pn_nameref *user,
    size_t limit, size_t *failed);

#endif
