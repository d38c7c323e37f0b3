/*
 * A plain directory as a tree (see dirtree.h). A path resolves from the cached real path of its directory, one
 * lstat(2) per component not yet known (realpath(3) for a link), and the result is checked against the root's
 * own real path; when a path leaves the root, its components are resolved one by one to name the link
 * responsible. The build reads a local directory the user chose, so there is no race to defend against here:
 * the untrusted trees (Git) are read from the object store, never through this module.
 */
#include "dirtree.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
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
/* Symbolic links one path may pass through, as Linux's path walk (MAXSYMLINKS) and musl's realpath(3): more is
 * ELOOP, so a link to its own directory makes a finite tree */
#define PN_DIRTREE_MAX_LINKS 40

struct pn_dirtree {
	char *root;	/* real path, no trailing '/' (except "/" itself) */
	size_t rootlen;
	struct {
		char *path;	/* tree path of a directory */
		size_t plen;
		uint32_t hash;	/* of the path: directories of one tree often share long prefixes and lengths */
		unsigned links;	/* symbolic links passed on the way from the root */
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

/* Whether root + "/" + a tree path of plen bytes fits a path buffer. */
static int
fits(const struct pn_dirtree *t, size_t plen)
{
	return t->rootlen + 1 + plen < PATH_MAX;
}

/* root + "/" + path into out (cap >= PATH_MAX). */
static const struct pn_error *
join(const struct pn_dirtree *t, const char *path, size_t plen, char *out, size_t cap)
{
	/* root "/" must not give "//x": POSIX leaves a leading "//" implementation-defined and musl's realpath
	 * keeps it (the unit tests of the static builds caught it) */
	int n = !fits(t, plen) ? -1 : plen == 0 ? snprintf(out, cap, "%s", t->root) :
	    snprintf(out, cap, "%s/%.*s", t->rootlen == 1 ? "" : t->root, (int)plen, path);

	if (n < 0 || (size_t)n >= cap)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "tree path %.*s is too long", (int)plen, path);
	return NULL;
}

/* FNV-1a of a tree path. */
static uint32_t
path_hash(const char *p, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 16777619u;
	return h;
}

/* The cached real path of tree directory `dir` (dlen bytes) and the links passed to it, or NULL. */
static const char *
cached(const struct pn_dirtree *t, const char *dir, size_t dlen, unsigned *links)
{
	uint32_t h = path_hash(dir, dlen);

	for (size_t i = 0; i < t->ncache; i++) {
		if (t->cache[i].hash == h && t->cache[i].plen == dlen && memcmp(t->cache[i].path, dir, dlen) == 0) {
			*links = t->cache[i].links;
			return t->cache[i].real;
		}
	}
	return NULL;
}

/* Remember `real` (taken) as the real path of tree directory `dir`; the cache's copy, or NULL with errno set. */
static const char *
remember(struct pn_dirtree *t, const char *dir, size_t dlen, unsigned links, char *real)
{
	char *copy;
	size_t slot;

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
	t->cache[slot].plen = dlen;
	t->cache[slot].hash = path_hash(dir, dlen);
	t->cache[slot].links = links;
	t->cache[slot].real = real;
	return real;
}

/* `base` (blen bytes) resolved in directory `dir` (a real path): its real path (the caller frees it) and, when
 * it is no symbolic link, its lstat(2) in *st with *have_st set; NULL with errno set when it cannot be
 * resolved. A link is resolved by realpath(3) and counted in *links: past PN_DIRTREE_MAX_LINKS it is ELOOP.
 * Anything else costs one lstat(2). */
static char *
real_in(const char *dir, const char *base, size_t blen, struct stat *st, int *have_st, unsigned *links)
{
	char cand[PATH_MAX];
	size_t dlen = strcmp(dir, "/") == 0 ? 0 : strlen(dir);

	*have_st = 0;
	if (dlen + 1 + blen >= sizeof(cand)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	/* dir "/" + base (this runs for every path a build asks about: no snprintf) */
	memcpy(cand, dir, dlen);
	cand[dlen] = '/';
	memcpy(cand + dlen + 1, base, blen);
	cand[dlen + 1 + blen] = '\0';
	if (lstat(cand, st) == -1)
		return NULL;
	if (S_ISLNK(st->st_mode)) {
		if (++*links > PN_DIRTREE_MAX_LINKS) {
			errno = ELOOP;
			return NULL;
		}
		return realpath(cand, NULL);
	}
	*have_st = 1;
	return strdup(cand);
}

/* The real path of tree directory `dir` (dlen bytes of a tree path; "" is the root); NULL with errno set when
 * it cannot be resolved. From the longest cached ancestor, each further component costs one lstat(2) (a link
 * a realpath(3)) and is cached; the cache owns the result. */
static const char *
real_dir(struct pn_dirtree *t, const char *dir, size_t dlen, unsigned *links)
{
	const char *known = NULL;
	size_t have = dlen;

	*links = 0;
	/* the longest ancestor already known */
	while (have > 0 && (known = cached(t, dir, have, links)) == NULL) {
		while (have > 0 && dir[have - 1] != '/')
			have--;
		if (have > 0)
			have--;
	}
	if (have == 0)
		known = t->root;
	while (have < dlen) {
		size_t start = have == 0 ? 0 : have + 1, end = start;
		struct stat st;
		int have_st;
		char *real;

		while (end < dlen && dir[end] != '/')
			end++;
		if ((real = real_in(known, dir + start, end - start, &st, &have_st, links)) == NULL)
			return NULL;
		if (have_st && !S_ISDIR(st.st_mode)) {
			free(real);
			errno = ENOTDIR;
			return NULL;
		}
		if ((known = remember(t, dir, end, *links, real)) == NULL)
			return NULL;
		have = end;
	}
	return known;
}

/* Resolve tree path `path` to its real path (*real, the caller frees it) and stat(2) it into *st. ENOENT leaves
 * *real NULL and returns NULL with *missing set. */
static const struct pn_error *
resolve(struct pn_dirtree *t, const char *path, char **real, int *missing, struct stat *st)
{
	char full[PATH_MAX];
	const struct pn_error *err = NULL;
	size_t len = strlen(path);
	int have_st = 0;

	*real = NULL;
	*missing = 0;
	if (!valid_path(path))
		return pn_error_fmt(PN_ERR_INTERNAL, "bad tree path \"%s\"", path);
	if (!fits(t, len))	/* join() copies only for the error messages below */
		return pn_error_fmt(PN_ERR_TOO_LARGE, "tree path %s is too long", path);
	if (len == 0) {
		if ((*real = strdup(t->root)) == NULL)
			errno = ENOMEM;
	} else {
		const char *slash = strrchr(path, '/'), *base = slash != NULL ? slash + 1 : path;
		unsigned links;
		const char *dir = real_dir(t, path, slash != NULL ? (size_t)(slash - path) : 0, &links);

		*real = dir != NULL ? real_in(dir, base, strlen(base), st, &have_st, &links) : NULL;
	}
	if (*real == NULL) {
		if (errno == ENOENT || errno == ENOTDIR) {
			*missing = 1;
			return NULL;
		}
		if (errno == ELOOP)
			return pn_error_fmt(PN_ERR_REJECTED, "%s: too many levels of symbolic links", path);
		err = join(t, path, len, full, sizeof(full));
		return err != NULL ? err : pn_error_errno_fmt("resolve %s", full);
	}
	if (inside(t, *real)) {
		if (!have_st && stat(*real, st) == -1) {
			err = pn_error_errno_fmt("stat %s", *real);
			free(*real);
			*real = NULL;
		}
		return err;
	}
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
resolve_found(struct pn_dirtree *t, const char *path, char **real, struct stat *st)
{
	const struct pn_error *err;
	int missing;

	if ((err = resolve(t, path, real, &missing, st)) == NULL && missing)
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

	if ((err = resolve_found(ctx, path, &real, &st)) != NULL)
		return err;
	*kind = kind_of(&st);
	free(real);
	return NULL;
}

static const struct pn_error *
dt_read(void *ctx, const char *path, struct pn_buf *b)
{
	const struct pn_error *err;
	struct stat st;
	char *real;

	if ((err = resolve_found(ctx, path, &real, &st)) != NULL)
		return err;
	if (!S_ISREG(st.st_mode))
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
	struct stat st;
	char *real;

	*out = NULL;
	if ((err = resolve_found(t, path, &real, &st)) != NULL)
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
	if ((err = resolve(t, sub, &real, &missing, &st)) != NULL)
		return err;
	/* a dangling link is PN_TREE_OTHER */
	*kind = missing ? PN_TREE_OTHER : kind_of(&st);
	free(real);
	return NULL;
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
	struct stat st;
	char *real;
	int missing;

	*out = NULL;
	*nout = 0;
	if ((err = resolve(t, path, &real, &missing, &st)) != NULL)
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
