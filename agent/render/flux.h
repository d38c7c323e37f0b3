/*
 * What a Flux Kustomization adds to a kustomize build (struct pn_build_flux, build.h), as kustomize-controller
 * does it: before the build, its edit of the entry path's kustomization document (fluxcd/pkg/kustomize's
 * generator: pn_flux_merge), and after kustomize's own end, object by object, postBuild substitution
 * (subst.h) then commonMetadata's labels and annotations on metadata only (pn_flux_object). build.c calls
 * them; the generated kustomization of a path without one is build.c's (it walks the tree).
 */
#ifndef PN_FLUX_H
#define PN_FLUX_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "../core/error.h"

struct pn_build_flux;

/* The stages of pn_flux_object, in kustomize-controller's order: 0 postBuild substitution, 1
 * commonMetadata.labels, 2 commonMetadata.annotations. */
#define PN_FLUX_STAGES 3

/* kustomize-controller's edit of the entry path's kustomization document doc (`existing`: the tree's own
 * file; 0: the empty document of Flux's generated kustomization), as struct pn_build_flux describes. f NULL
 * changes nothing. PN_ERR_USAGE when f's patches, images, components or buildMetadata is not a list; a
 * field of doc of the wrong type is left for pn_kust_parse to report. */
const struct pn_error *pn_flux_merge(const struct pn_build_flux *f, cJSON *doc, int existing);

/* Whether f's commonMetadata maps are maps of strings, checked before the first object: else the error of
 * the first wrong one, and its stage in *stage. */
const struct pn_error *pn_flux_check(const struct pn_build_flux *f, size_t *stage);

/* Whether pn_flux_object with `limit` changes an object at all (so the caller must load it). */
int pn_flux_changes(const struct pn_build_flux *f, size_t limit);

/* Flux's end of one built object *obj (substitution may replace it): the stages below `limit` (at most
 * PN_FLUX_STAGES) in order. On an error *stage is the stage that failed, and the later ones did not run.
 * f NULL, or without postBuild variables (unless substituteStrategy Always) and commonMetadata, changes
 * nothing. */
const struct pn_error *pn_flux_object(const struct pn_build_flux *f, cJSON **obj, size_t limit, size_t *stage);

#endif
