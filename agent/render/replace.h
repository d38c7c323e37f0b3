/*
 * kustomize's `replacements` (api/internal/builtins ReplacementTransformer and api/filters/replacement at
 * api/v0.18.0, kyaml v0.18.1's PathGetter and PathMatcher): copy one field of one object into fields of others.
 *
 * An entry is inline ({source, targets}) or `path:` (a file, read as the kustomization's other files are,
 * holding one replacement or a list of them); both in one entry is an error.
 *  - source: group/version/kind/name/namespace select exactly one object ("multiple matches for selector",
 *    "nothing selected by"), by its current, original or an earlier name and namespace. fieldPath (default
 *    metadata.name) is read as kyaml's PathGetter: dotted fields ("a.b", "a.[b.c]", "a.b\.c"), list indexes
 *    ("0"; "-" is the last element), list entries "[name=x]" / "[=x]" (exact values); a wildcard is an error.
 *    A missing, null, or empty map or list value is an error. options.delimiter + index take one part of it.
 *  - targets: select (the same fields plus labelSelector and annotationSelector; required) minus reject (an id
 *    selector, or a label/annotation selector: either way an object it matches is left out); fieldPaths
 *    (default metadata.name) are read as kyaml's PathMatcher: like the source's, but "*" matches every list
 *    element and "[name=re]" / "[=re]" are unanchored regular expressions. With options.create missing
 *    fields, list entries [k=v] and the element one past the end of a list are created; otherwise a path that
 *    matches nothing is "unable to find field ... in replacement target".
 *    With options.delimiter the target's text is split, the value put at index (prepended when negative,
 *    appended past the end) and joined again.
 *  - values: a mapping or list target, or any target given a mapping or list, takes the value whole (a number
 *    stays a number). A scalar target keeps its type and takes only the value's text: a string stays a
 *    string ("80"), a number, boolean or null takes the text under its own tag, and text that does not fit is
 *    kustomize's error ("cannot decode !!str `x` as a !!int"); a created scalar takes the text as plain YAML
 *    would type it ("8080" becomes a number, "" null).
 */
#ifndef PN_REPLACE_H
#define PN_REPLACE_H

#include <cjson/cJSON.h>

#include "../core/error.h"
#include "generator.h"
#include "resmap.h"
#include "yaml.h"

/* Parts of one field path: real paths have about 10; each part is one level of recursion. */
#define PN_REPLACE_MAX_PARTS 128
/* Fields one target field path may reach in one object (wildcards over long lists). */
#define PN_REPLACE_MAX_MATCHES 100000
/* Replacements of one kustomization, inline and from files together. */
#define PN_REPLACE_MAX 10000
/* Bytes of a selector as messages print it. */
#define PN_REPLACE_SEL_MAX 1024

/* The `replacements` entries of kustomization kfile (a list, or NULL) read into *out: a list of replacement
 * objects, `path:` entries replaced by their files' contents (read through io, parsed with lim). The caller
 * frees it with cJSON_Delete(), also after an error. */
const struct pn_error *pn_replace_prepare(const struct pn_gen_io *io, const struct pn_yaml_limits *lim,
    const char *kfile, const cJSON *entries, cJSON **out);

/* Run the replacements of `list` (from pn_replace_prepare; NULL does nothing) over ra, in order; each object
 * is loaded when a selector picks it, and spilled again. */
const struct pn_error *pn_replace_run(struct pn_resmap *ra, const cJSON *list);

#endif
