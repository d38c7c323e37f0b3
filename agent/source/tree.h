/*
 * Commits and trees in the object store: parsing them (strictly), walking to a path, the tree-reader of
 * agent/core/treeread.h over a commit (files read by path straight from the packs, no checkout), and the two
 * debug listings of the CLI, byte-identical to git's.
 *
 * The reader behaves as agent/core/dirtree.c does for a directory: paths are checked (no "", ".", ".."
 * components, no leading or trailing '/'), every symbolic link (mode 120000) is followed inside the
 * repository: relative targets, ".." allowed while it stays inside; an absolute target or one that leaves the
 * root is PN_ERR_REJECTED naming the link, and so is a chain of more than PN_TREE_SYMLINK_MAX links (a loop).
 * ".." after a link to a directory goes to the target's parent, as the kernel does. A dangling link lists as
 * PN_TREE_OTHER; so does a submodule (mode 160000, whose commit is not in this repository).
 */
#ifndef PN_TREE_H
#define PN_TREE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/error.h"
#include "../core/treeread.h"
#include "odb.h"
#include "oid.h"

/* Directories nested below the root. Real repositories stay under ~20; this bounds the walk's stack of tree
 * ids and the recursion of pn_tree_ls(). git's core.maxTreeDepth defaults to 4096; 256 is far beyond any
 * GitOps layout and keeps a listing's stack small. */
#define PN_TREE_MAX_DEPTH 256
/* Longest path (and symbolic-link target), as Linux's PATH_MAX. */
#define PN_TREE_PATH_MAX 4096
/* Symbolic links followed while resolving one path, as Linux's MAXSYMLINKS: more is a loop. */
#define PN_TREE_SYMLINK_MAX 40
/* Annotated tags peeled to reach a commit (a tag of a tag of ...). */
#define PN_TREE_PEEL_MAX 8
/* Entries in one directory listing (memory bound, as dirtree's). */
#define PN_TREE_MAX_ENTRIES 100000

/* Tree entry modes, canonical (as git prints them; legacy modes such as 100664 read as 100644). */
#define PN_TREE_MODE_DIR 0040000u
#define PN_TREE_MODE_FILE 0100644u
#define PN_TREE_MODE_EXEC 0100755u
#define PN_TREE_MODE_LINK 0120000u
#define PN_TREE_MODE_GITLINK 0160000u

/* One entry of a tree object. */
struct pn_tree_item {
	uint32_t mode;		/* one of PN_TREE_MODE_* */
	const char *name;	/* into the tree's data; not NUL-terminated */
	size_t name_len;
	struct pn_oid oid;
};

/* Parse the entry at data[*pos] of a tree object and advance *pos past it. Rejects a bad mode, an empty,
 * ".", ".." or '/'-containing name, and a truncated entry (PN_ERR_PARSE, naming the byte position). */
const struct pn_error *pn_tree_parse_entry(const char *data, size_t len, size_t *pos, struct pn_tree_item *out);

/* The tree id of a commit object (its first line, "tree <hex>"). */
const struct pn_error *pn_tree_commit_tree(const char *data, size_t len, struct pn_oid *tree);

/* The root tree of a commit, an annotated tag (peeled) or a tree. */
const struct pn_error *pn_tree_root(struct pn_odb *odb, const struct pn_oid *oid, struct pn_oid *tree);

/* The files of one commit. */
struct pn_tree;

/* Open commit `commit` (or a tag of it, or a tree) of `odb`, named "<label>@sha1:<hex>" in messages (label
 * may be NULL: "sha1:<hex>"). The caller frees it with pn_tree_free(); it must not outlive odb. */
const struct pn_error *pn_tree_new(struct pn_odb *odb, const struct pn_oid *commit, const char *label,
    struct pn_tree **out);
void pn_tree_free(struct pn_tree *t);

/* The reader over t; valid while t is. */
void pn_tree_reader(struct pn_tree *t, struct pn_tree_reader *r);

/* `git ls-tree -r <commit> [path]` to out: "<mode> <type> <oid>\t<path>\n" for every blob and submodule under
 * path ("" or NULL: all), in tree order, paths quoted as git quotes them. Symbolic links are not followed. */
const struct pn_error *pn_tree_ls(struct pn_odb *odb, const struct pn_oid *commit, const char *path, FILE *out);

/* `git cat-file -p <oid>` to out: blobs, commits and tags as they are (streamed, of any size), trees as
 * "<mode> <type> <oid>\t<name>" lines. */
const struct pn_error *pn_tree_cat(struct pn_odb *odb, const struct pn_oid *oid, FILE *out);

/* Mark (pn_odb_mark) every object revision `commit` needs: the commit, its root tree, every tree and blob below
 * (submodule commits excepted; a tree shared by several directories is walked once). PN_ERR_NOT_FOUND when
 * one is missing from the store. */
const struct pn_error *pn_tree_mark(struct pn_odb *odb, const struct pn_oid *commit);

#endif
