/*
 * The tree-reader (treeread.h) of a plain directory, for `pinion build DIR` and tests.
 *
 * Tree paths are checked (no "", ".", ".." components, no leading or trailing '/') and resolved with every
 * symbolic link followed; a path whose resolution leaves the root is an error naming the link that leaves
 * (PN_ERR_REJECTED, "symbolic link a/b points outside the tree root"). A dangling link is PN_TREE_OTHER.
 */
#ifndef PN_DIRTREE_H
#define PN_DIRTREE_H

#include "error.h"
#include "treeread.h"

/* Entries of one directory: what a listing may hold before it is refused (memory bound). */
#define PN_DIRTREE_MAX_ENTRIES 100000

struct pn_dirtree;

/* Open `root` (which must be a directory). The caller frees it with pn_dirtree_free(). */
const struct pn_error *pn_dirtree_new(const char *root, struct pn_dirtree **out);
void pn_dirtree_free(struct pn_dirtree *t);

/* The reader over t; valid while t is. */
void pn_dirtree_reader(struct pn_dirtree *t, struct pn_tree_reader *r);

#endif
