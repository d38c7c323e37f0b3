/*
 * kustomize's legacy `vars` (api/internal/accumulator/resaccumulator.go, api/filters/refvar, api/types/var.go
 * at api/v0.18.0): "$(NAME)" in the varReference fields becomes a field of another object of the build.
 *
 * A kustomization's vars are merged after its transformers ran (pn_vars_merge): each is bound to the one object
 * of that kustomization's result whose group, version, kind and name (current or earlier) are the objref's, in
 * the objref's namespace when it names one; several are "found N resId matches for var ... (unable to
 * disambiguate)", none leaves it unbound. A name declared twice anywhere in the build (the same kustomization,
 * a base and its overlay, two siblings) is "var 'NAME' already encountered".
 *
 * At the end of the build, after the content hashes and the name references (pn_vars_resolve), each var takes
 * the value at its fieldref.fieldPath (default metadata.name) in its object as it is then (prefixes, suffixes
 * and hashes applied); an unbound var is "var '...' cannot be mapped to a field in the set of known
 * resources", a missing field "field specified in var '...' not found in corresponding resource". Then every
 * string at kustomize's varReference field specs (and the `configurations` ones) is expanded as Go's
 * refvar.DoReplacements does: "$(NAME)" is the value ("$(NAME)" alone keeps a number's or a boolean's type),
 * "$$" is "$", an unknown or non-scalar var and an unclosed "$(" stay as written; a list there holding
 * anything but strings is an error. Vars that nothing uses are no error (kustomize only logs them).
 */
#ifndef PN_VARS_H
#define PN_VARS_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "../core/error.h"
#include "fieldspec.h"
#include "resmap.h"

/* Vars in one build: each one costs a scan of the objects when it is declared and when it is resolved. */
#define PN_VARS_MAX 1024
/* Bytes of a string after expansion: the API server refuses objects over 1.5 MiB. */
#define PN_VARS_MAX_STRING ((size_t)3 << 19)
/* Parts of a fieldref.fieldPath. */
#define PN_VARS_MAX_PATH_PARTS 64

struct pn_var;

/* The vars declared so far in a build. Zeroed is empty. */
struct pn_vars {
	struct pn_var *v;
	size_t n, cap;
};

/* Merge kustomization kfile's `vars` list (NULL: none) into set, binding each to its object in ra (the
 * kustomization's result so far). */
const struct pn_error *pn_vars_merge(struct pn_vars *set, struct pn_resmap *ra, const char *kfile,
    const cJSON *list);

/* Resolve the vars of set in ra and expand them at kustomize's varReference specs and `user`'s (NULL or
 * ending with a NULL path). Nothing happens when set is empty. */
const struct pn_error *pn_vars_resolve(const struct pn_vars *set, struct pn_resmap *ra,
    const struct pn_fieldspec *user);

void pn_vars_release(struct pn_vars *set);

/* The value at Go-style field path `path` ("spec.ports[0].port", "a.[k=v].b", "metadata.labels.[x.y/z]") of
 * obj, NULL when there is none. */
const cJSON *pn_vars_lookup(const cJSON *obj, const char *path);

/* Expand string s with the values of object `values` (name → string, number or boolean; another type counts as
 * unknown): *out is a new item (a copy of the value when s is "$(NAME)" alone, else a string). The caller frees
 * it with cJSON_Delete(). */
const struct pn_error *pn_vars_expand(const char *s, const cJSON *values, cJSON **out);

#endif
