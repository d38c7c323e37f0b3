/*
 * Output order of a build: kustomize's legacy sort (the default of `kubectl kustomize` / `kustomize build`)
 * or none (FIFO, what --reorder none and krusty's tests use).
 *
 * The legacy sort (api/internal/builtins/SortOrderTransformer.go at api/v0.18.0, legacyIDSorter.Less):
 *  1. rank by kind only: the i-th kind of the "first" list ranks i - len(first), the i-th of the "last" list
 *     ranks i + 1, every other kind 0; lower ranks first. The default lists are PN_ORDER_FIRST and
 *     PN_ORDER_LAST below (a kustomization's sortOptions.legacySortOptions may replace them);
 *  2. same rank, different group/version/kind: compare "group_version_kind" bytewise with "~G", "~V", "~K"
 *     for empty parts (so core-group kinds come after named groups); when both kinds are Namespace and either
 *     group is empty the comparison is reversed;
 *  3. same GVK: compare "Kind.Version.Group|namespace|name" bytewise with "~X" / "~N" for an empty namespace
 *     or name.
 * The ids are the objects' current ones: apiVersion split at its first '/', kind, metadata.namespace,
 * metadata.name. Go's sort.Sort is not stable, but its key is total for distinct ids (kustomize refuses
 * duplicate ids); this sort is stable, so equal ids keep their FIFO order.
 */
#ifndef PN_ORDER_H
#define PN_ORDER_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "../core/error.h"
#include "build.h"

enum pn_order_mode {
	PN_ORDER_LEGACY = 0,	/* the CLI default (--reorder legacy, or no flag) */
	PN_ORDER_NONE,		/* FIFO: keep the build's order */
};

/* The kinds the legacy sort puts first and last, in order (NULL-terminated). */
extern const char *const PN_ORDER_FIRST[];
extern const char *const PN_ORDER_LAST[];

/* The kind lists of one legacy sort: NULL-terminated arrays; NULL means the defaults above. */
struct pn_order_legacy {
	const char *const *first;
	const char *const *last;
};

/* "none" or "legacy" (the values of --reorder) into *mode; PN_ERR_USAGE naming the value otherwise. */
const struct pn_error *pn_order_parse(const char *s, enum pn_order_mode *mode);

/* The legacy comparison of two objects (negative, 0, positive); opt NULL means the default lists. */
int pn_order_legacy_cmp(const cJSON *a, const cJSON *b, const struct pn_order_legacy *opt);

/* Sort docs[0..n) (pointers to a build's documents, whose ids are the keys: nothing is loaded) in place by
 * mode (PN_ORDER_NONE leaves them as they are). opt as above. */
const struct pn_error *pn_order_sort(const struct pn_build_doc **docs, size_t n, enum pn_order_mode mode,
    const struct pn_order_legacy *opt);

#endif
