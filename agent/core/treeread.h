/*
 * The tree-reader interface: how render reads a source tree without knowing where it lives. Implemented by
 * the Git object store (agent/source/tree.c: files read by path straight from packs, no checkout) and by a
 * plain directory (agent/core/dirtree.c: `pinion build DIR`).
 *
 * Paths are relative to the tree's root, '/'-separated, without "." or ".." components and without leading or
 * trailing '/'; "" is the root. Implementations resolve symbolic links themselves, inside the root only (a
 * link that leaves the root is an error naming the link); what is neither a file nor a directory after that
 * (a Git submodule, a device) is PN_TREE_OTHER, which readers skip with a notice.
 */
#ifndef PN_TREEREAD_H
#define PN_TREEREAD_H

#include <stddef.h>

#include "buf.h"
#include "error.h"

enum pn_tree_kind {
	PN_TREE_FILE = 1,
	PN_TREE_DIR,
	PN_TREE_OTHER,
};

struct pn_tree_entry {
	char *name;		/* one path component */
	enum pn_tree_kind kind;	/* after resolving symbolic links */
};

struct pn_tree_reader_ops {
	/* The entries of directory `path`, sorted by name in byte order (Git's order for plain names).
	 * *out is an array of *n entries; the caller frees it with pn_tree_entries_free(). */
	const struct pn_error *(*list)(void *ctx, const char *path, struct pn_tree_entry **out, size_t *n);
	/* Append the contents of file `path` to b; TOO_LARGE past b's ceiling. */
	const struct pn_error *(*read)(void *ctx, const char *path, struct pn_buf *b);
	/* The kind of `path`; PN_ERR_NOT_FOUND when it does not exist. */
	const struct pn_error *(*stat)(void *ctx, const char *path, enum pn_tree_kind *kind);
	/* The tree path `path` names once every symbolic link in it is followed (what realpath(3) gives),
	 * into *out; PN_ERR_NOT_FOUND when it does not exist. The caller frees *out with free(). May be NULL in
	 * a reader whose trees hold no links: path is then its own real path. Kustomize's load restrictor
	 * (build.h) judges files by it. */
	const struct pn_error *(*real)(void *ctx, const char *path, char **out);
};

struct pn_tree_reader {
	const struct pn_tree_reader_ops *ops;
	void *ctx;
	const char *name;	/* for messages: the directory, or "main@sha1:<hex>" */
};

void pn_tree_entries_free(struct pn_tree_entry *e, size_t n);

#endif
