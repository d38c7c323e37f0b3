/*
 * A plain directory as a tree (see dirtree.h). Resolution uses realpath(3) and a prefix check against the
 * root's own real path; when a path leaves the root, its components are resolved one by one to name the link
 * responsible. The build reads a local directory the user chose, so there is no race to defend against here:
 * the untrusted trees (Git) are read from the object store, never through this module.
 */
#include "dirtree.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "file.h"
#include "banned.h"

/* Real paths of directories remembered: realpath(3) reads every component's link (musl: one readlink each), and
 * a build asks about the same few directories for every file in them (15,000 readlinks for a 600-file tree
 * before this cache, most of its system time). Replaced round-robin when full. */
#define PN_DIRTREE_CACHE_MAX 128

struct pn_dirtree {
	char *root;	/* real path, no trailing '/' (except "/" itself) */
	size_t rootlen;
	struct {
		char *path;	/* tree path of a directory */
		char *real;
	} cache[PN_DIRTREE_CACHE_MAX];
	size_t ncache, next;
};

static const struct pn_tree_reader_ops dirtree_ops;

/* Whether p is a tree path as treeread.h defines it. */
static int
valid_path(const char *p)
{
	const char *c = p;

	if (*p == '\0')
		return 1;
	for (;;) {
		const char *e = strchr(c, '/');
		size_t n = e != NULL ? (size_t)(e - c) : strlen(c);

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		if (e == NULL)
			return 1;
		c = e + 1;
	}
}

/* Whether real path r is the root or inside it. */
static int
inside(const struct pn_dirtree *t, const char *r)
{
	if (t->rootlen == 1)
		return 1;
	return strncmp(r, t->root, t->rootlen) == 0 && (r[t->rootlen] == '\0' || r[t->rootlen] == '/');
}

/* root + "/" + path into out. */
static const struct pn_error *
join(const struct pn_dirtree *t, const char *path, size_t plen, char *out, size_t cap)
{
	/* root "/" must not give "//x": POSIX leaves a leading "//" implementation-defined and musl's realpath
	 * keeps it (the unit tests of the static builds caught it) */
	int n = plen == 0 ? snprintf(out, cap, "%s", t->root) :
	    snprintf(out, cap, "%s/%.*s", t->rootlen == 1 ? "" : t->root, (int)plen, path);

	if (n < 0 || (size_t)n >= cap)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "tree path %.*s is too long", (int)plen, path);
	return NULL;
}

/* The real path of tree directory `dir` (dlen bytes of a tree path; "" is the root), from the cache or
 * realpath(3); NULL with errno set when it cannot be resolved. The cache owns the result. */
static const char *
real_dir(struct pn_dirtree *t, const char *dir, size_t dlen)
{
	char full[PATH_MAX], *real, *copy;
	size_t slot;

	if (dlen == 0)
		return t->root;
	for (size_t i = 0; i < t->ncache; i++)
		if (strlen(t->cache[i].path) == dlen && memcmp(t->cache[i].path, dir, dlen) == 0)
			return t->cache[i].real;
	if (join(t, dir, dlen, full, sizeof(full)) != NULL) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if ((real = realpath(full, NULL)) == NULL)
		return NULL;
	if ((copy = strndup(dir, dlen)) == NULL) {
		free(real);
		errno = ENOMEM;
		return NULL;
	}
	if (t->ncache < PN_DIRTREE_CACHE_MAX) {
		slot = t->ncache++;
	} else {
		slot = t->next;
		t->next = (t->next + 1) % PN_DIRTREE_CACHE_MAX;
		free(t->cache[slot].path);
		free(t->cache[slot].real);
	}
	t->cache[slot].path = copy;
	t->cache[slot].real = real;
	return real;
}

/* realpath(3) of tree path `path` (joined as `full`) through the directory cache: the directory's real path
 * plus the last component when that is no symbolic link, else realpath(3) of the whole. */
static char *
real_of(struct pn_dirtree *t, const char *path, const char *full)
{
	const char *slash = strrchr(path, '/'), *base = slash != NULL ? slash + 1 : path;
	const char *dir = real_dir(t, path, slash != NULL ? (size_t)(slash - path) : 0);
	char cand[PATH_MAX];
	struct stat st;
	int n;

	if (dir == NULL)
		return NULL;
	n = snprintf(cand, sizeof(cand), "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, base);
	if (n < 0 || (size_t)n >= sizeof(cand)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if (lstat(cand, &st) == -1)
		return NULL;
	if (S_ISLNK(st.st_mode))
		return realpath(full, NULL);
	return strdup(cand);
}

/* Resolve tree path `path` to its real path (*real, the caller frees it with free()). ENOENT leaves *real NULL
 * and returns NULL with *missing set. */
static const struct pn_error *
resolve(struct pn_dirtree *t, const char *path, char **real, int *missing)
{
	char full[PATH_MAX];
	const struct pn_error *err;
	size_t len = strlen(path);

	*real = NULL;
	*missing = 0;
	if (!valid_path(path))
		return pn_error_fmt(PN_ERR_INTERNAL, "bad tree path \"%s\"", path);
	if ((err = join(t, path, len, full, sizeof(full))) != NULL)
		return err;
	if ((*real = len == 0 ? realpath(full, NULL) : real_of(t, path, full)) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR) {
			*missing = 1;
			return NULL;
		}
		if (errno == ELOOP)
			return pn_error_fmt(PN_ERR_REJECTED, "%s: too many levels of symbolic links", path);
		return pn_error_errno_fmt("resolve %s", full);
	}
	if (inside(t, *real))
		return NULL;
	free(*real);
	*real = NULL;
	/* name the first component whose resolution leaves the root */
	for (size_t k = 1; k <= len; k++) {
		char *r;

		if (k < len && path[k] != '/')
			continue;
		if ((err = join(t, path, k, full, sizeof(full))) != NULL)
			return err;
		if ((r = realpath(full, NULL)) != NULL && !inside(t, r)) {
			free(r);
			return pn_error_fmt(PN_ERR_REJECTED, "symbolic link %.*s points outside the tree root", (int)k,
			    path);
		}
		free(r);
	}
	return pn_error_fmt(PN_ERR_REJECTED, "%s resolves outside the tree root", path);
}

/* resolve(), with a missing path an error naming it. */
static const struct pn_error *
resolve_found(struct pn_dirtree *t, const char *path, char **real)
{
	const struct pn_error *err;
	int missing;

	if ((err = resolve(t, path, real, &missing)) == NULL && missing)
		err = pn_error_fmt(PN_ERR_NOT_FOUND, "%s does not exist", path[0] != '\0' ? path : ".");
	return err;
}

static enum pn_tree_kind
kind_of(const struct stat *st)
{
	if (S_ISREG(st->st_mode))
		return PN_TREE_FILE;
	if (S_ISDIR(st->st_mode))
		return PN_TREE_DIR;
	return PN_TREE_OTHER;
}

static const struct pn_error *
dt_stat(void *ctx, const char *path, enum pn_tree_kind *kind)
{
	const struct pn_error *err;
	struct stat st;
	char *real;

	if ((err = resolve_found(ctx, path, &real)) != NULL)
		return err;
	if (stat(real, &st) == -1)
		err = pn_error_errno_fmt("stat %s", real);
	else
		*kind = kind_of(&st);
	free(real);
	return err;
}

static const struct pn_error *
dt_read(void *ctx, const char *path, struct pn_buf *b)
{
	const struct pn_error *err;
	struct stat st;
	char *real;

	if ((err = resolve_found(ctx, path, &real)) != NULL)
		return err;
	if (stat(real, &st) == -1)
		err = pn_error_errno_fmt("stat %s", real);
	else if (!S_ISREG(st.st_mode))
		err = pn_error_fmt(PN_ERR_REJECTED, "%s is not a regular file", path);
	else
		err = pn_file_read(real, b);
	free(real);
	return err;
}

static const struct pn_error *
dt_real(void *ctx, const char *path, char **out)
{
	struct pn_dirtree *t = ctx;
	const struct pn_error *err;
	char *real;

	*out = NULL;
	if ((err = resolve_found(t, path, &real)) != NULL)
		return err;
	/* inside the root (resolve checked it): drop the root and the '/' after it */
	*out = strdup(real + (t->rootlen == 1 ? 1 : real[t->rootlen] == '/' ? t->rootlen + 1 : t->rootlen));
	free(real);
	return *out != NULL ? NULL : pn_error(PN_ERR_NOMEM);
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pn_tree_entry *)a)->name, ((const struct pn_tree_entry *)b)->name);
}

/* The kind of entry `name` of directory `dir` (real path) at tree path `path`, links resolved and checked. */
static const struct pn_error *
entry_kind(struct pn_dirtree *t, const char *path, const char *name, enum pn_tree_kind *kind)
{
	char sub[PATH_MAX], *real;
	const struct pn_error *err;
	struct stat st;
	int missing, n;

	n = path[0] != '\0' ? snprintf(sub, sizeof(sub), "%s/%s", path, name) : snprintf(sub, sizeof(sub), "%s", name);
	if (n < 0 || (size_t)n >= sizeof(sub))
		return pn_error_fmt(PN_ERR_TOO_LARGE, "tree path %s/%s is too long", path, name);
	if ((err = resolve(t, sub, &real, &missing)) != NULL)
		return err;
	if (missing) {	/* a dangling link */
		*kind = PN_TREE_OTHER;
		return NULL;
	}
	if (stat(real, &st) == -1)
		err = pn_error_errno_fmt("stat %s", real);
	else
		*kind = kind_of(&st);
	free(real);
	return err;
}

static const struct pn_error *
dt_list(void *ctx, const char *path, struct pn_tree_entry **out, size_t *nout)
{
	struct pn_dirtree *t = ctx;
	const struct pn_error *err;
	struct pn_tree_entry *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = NULL;
	char *real;
	int missing;

	*out = NULL;
	*nout = 0;
	if ((err = resolve(t, path, &real, &missing)) != NULL)
		return err;
	if (missing)
		return pn_error_fmt(PN_ERR_NOT_FOUND, "%s does not exist", path[0] != '\0' ? path : ".");
	if ((d = opendir(real)) == NULL) {
		err = pn_error_errno_fmt("open directory %s", real);
		goto done;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0)
				err = pn_error_errno_fmt("read directory %s", real);
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == PN_DIRTREE_MAX_ENTRIES) {
			err = pn_error_fmt(PN_ERR_TOO_LARGE, "directory %s has more than %d entries",
			    path[0] != '\0' ? path : ".", PN_DIRTREE_MAX_ENTRIES);
			break;
		}
		if (n == cap) {
			struct pn_tree_entry *nv;

			cap = cap != 0 ? cap * 2 : 16;
			if ((nv = realloc(v, cap * sizeof(*nv))) == NULL) {
				err = pn_error(PN_ERR_NOMEM);
				break;
			}
			v = nv;
		}
		if ((v[n].name = strdup(de->d_name)) == NULL) {
			err = pn_error(PN_ERR_NOMEM);
			break;
		}
		n++;
		/* only links (and file systems that do not say) need resolving */
		if (de->d_type == DT_REG)
			v[n - 1].kind = PN_TREE_FILE;
		else if (de->d_type == DT_DIR)
			v[n - 1].kind = PN_TREE_DIR;
		else if (de->d_type != DT_LNK && de->d_type != DT_UNKNOWN)
			v[n - 1].kind = PN_TREE_OTHER;
		else if ((err = entry_kind(t, path, de->d_name, &v[n - 1].kind)) != NULL)
			break;
	}
	if (err == NULL) {
		if (n > 1)
			qsort(v, n, sizeof(*v), entry_cmp);
		*out = v;
		*nout = n;
		v = NULL;
		n = 0;
	}
done:
	if (d != NULL && closedir(d) == -1 && err == NULL)
		err = pn_error_errno_fmt("close directory %s", real);
	pn_tree_entries_free(v, n);
	free(real);
	return err;
}

static const struct pn_tree_reader_ops dirtree_ops = {
	.list = dt_list,
	.read = dt_read,
	.stat = dt_stat,
	.real = dt_real,
};

const struct pn_error *
pn_dirtree_new(const char *root, struct pn_dirtree **out)
{
	struct pn_dirtree *t;
	struct stat st;
	char *real;

	*out = NULL;
	if ((real = realpath(root, NULL)) == NULL)
		return pn_error_errno_fmt("open tree %s", root);
	if (stat(real, &st) == -1 || !S_ISDIR(st.st_mode)) {
		free(real);
		return pn_error_fmt(PN_ERR_USAGE, "%s is not a directory", root);
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		free(real);
		return pn_error(PN_ERR_NOMEM);
	}
	t->root = real;
	t->rootlen = strlen(real);
	*out = t;
	return NULL;
}

void
pn_dirtree_free(struct pn_dirtree *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->ncache; i++) {
		free(t->cache[i].path);
		free(t->cache[i].real);
	}
	free(t->root);
	free(t);
}

void
pn_dirtree_reader(struct pn_dirtree *t, struct pn_tree_reader *r)
{
	r->ops = &dirtree_ops;
	r->ctx = t;
	r->name = t->root;
}
