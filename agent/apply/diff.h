/*
 * diff: what an apply would change in one object, field by field, as `pinion diff` prints it: the live object
 * against the server's dry-run of the apply. Compared as Flux's drift check compares (ssa.h): labels,
 * annotations, and everything outside metadata and status. One line per changed leaf:
 *   "  spec.replicas: 1 -> 2"
 *   "  metadata.labels.tier: (none) -> \"web\""
 *   "  spec.template.spec.containers[0].image: \"nginx:1.25\" -> \"nginx:1.27\""
 * Lists of different lengths are one change of the whole list. Values are compact JSON cut at
 * PN_DIFF_VALUE_MAX bytes. In a Secret, every value under data and stringData (and the last-applied
 * annotation, which copies them) is printed as "(hidden)".
 */
#ifndef PN_DIFF_H
#define PN_DIFF_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "../core/buf.h"
#include "../core/error.h"

/* Longest value printed; longer ones end in "...". */
#define PN_DIFF_VALUE_MAX 120
/* Changed fields listed per object; the rest are counted ("  ... and 12 more"). */
#define PN_DIFF_LINES_MAX 64
/* Deepest field path followed (objects nest far less). */
#define PN_DIFF_DEPTH_MAX 64

/* Append the changes from `before` (live) to `after` (dry-run) to out; *changed counts them. */
const struct pn_error *pn_diff_object(const cJSON *before, const cJSON *after, struct pn_buf *out,
    size_t *changed);

#endif
