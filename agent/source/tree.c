#include "tree.h"

#include <stdlib.h>
#include <string.h>

#include "../core/banned.h"

/* Longest mode field: 6 octal digits, or 7 when zero-padded ("0100644", which old tools wrote). */
#define MODE_DIGITS_MAX 7
#define MODE_TYPE_MASK 0170000u
#define MODE_TYPE_FILE 0100000u
#define MODE_USER_EXEC 0100u
/* "<label>@sha1:" around the hex id in reader names. */
#define NAME_EXTRA 16
/* First size of the set of trees seen by pn_tree_mark(). */
#define SEEN_MIN 64

struct pn_tree {
	struct pn_odb *odb;
	struct pn_oid root;
	char *name;
	/* scratch of a path resolution, kept between calls */
	struct pn_oid dirs[PN_TREE_MAX_DEPTH + 1];	/* the trees from the root down to the current one */
	size_t where_len[PN_TREE_MAX_DEPTH + 1];	/* length of `where` for each of them */
	char where[PN_TREE_PATH_MAX + 1];		/* the current path, for messages */
	char rest[2][PN_TREE_PATH_MAX + 1];		/* what is left to resolve (links rewrite it) */
	char link[PN_TREE_PATH_MAX + 1];		/* the last link followed */
	struct pn_buf data;				/* a tree or link target being read */
};

/* What a path resolves to. */
struct found {
	uint32_t mode;
	struct pn_oid oid;
};

static const struct pn_error *
bad_entry(size_t at, const char *what, const char *s, size_t n)
{
	return pn_error_fmt(PN_ERR_PARSE, "tree entry at byte %zu: %s \"%.*s\"", at, what, (int)(n > 64 ? 64 : n), s);
}

const struct pn_error *
pn_tree_parse_entry(const char *data, size_t len, size_t *pos, struct pn_tree_item *out)
{
	size_t p = *pos, start = *pos;
	uint32_t mode = 0;
	const char *name, *nul;

	while (p < len && data[p] != ' ') {
		if (data[p] < '0' || data[p] > '7' || p - start >= MODE_DIGITS_MAX)
			return bad_entry(start, "bad mode", data + start, len - start < 8 ? len - start : 8);
		mode = mode << 3 | (uint32_t)(data[p++] - '0');
	}
	if (p >= len)
		return pn_error_fmt(PN_ERR_PARSE, "tree entry at byte %zu: truncated", start);
	if (p == start)
		return bad_entry(start, "bad mode", "", 0);
	switch (mode & MODE_TYPE_MASK) {
	case MODE_TYPE_FILE:
		mode = mode & MODE_USER_EXEC ? PN_TREE_MODE_EXEC : PN_TREE_MODE_FILE;
		break;
	case PN_TREE_MODE_DIR:
	case PN_TREE_MODE_LINK:
	case PN_TREE_MODE_GITLINK:
		mode &= MODE_TYPE_MASK;
		break;
	default:
		return bad_entry(start, "bad mode", data + start, p - start);
	}
	name = data + ++p;
	if ((nul = memchr(name, '\0', len - p)) == NULL || (size_t)(len - (size_t)(nul - data) - 1) < PN_OID_SHA1_LEN)
		return pn_error_fmt(PN_ERR_PARSE, "tree entry at byte %zu: truncated", start);
	out->mode = mode;
	out->name = name;
	out->name_len = (size_t)(nul - name);
	if (out->name_len == 0 || (out->name_len == 1 && name[0] == '.') ||
	    (out->name_len == 2 && name[0] == '.' && name[1] == '.') || memchr(name, '/', out->name_len) != NULL)
		return bad_entry(start, "invalid name", name, out->name_len);
	memset(&out->oid, 0, sizeof(out->oid));
	out->oid.len = PN_OID_SHA1_LEN;
	memcpy(out->oid.b, nul + 1, PN_OID_SHA1_LEN);
	*pos = (size_t)(nul - data) + 1 + PN_OID_SHA1_LEN;
	return NULL;
}

/* "<word> <hex>\n" at the start of a commit or tag. */
static const struct pn_error *
header_oid(const char *data, size_t len, const char *word, struct pn_oid *out)
{
	size_t w = strlen(word);

	if (len < w + 2 + PN_OID_SHA1_LEN * 2 || memcmp(data, word, w) != 0 || data[w] != ' ' ||
	    data[w + 1 + PN_OID_SHA1_LEN * 2] != '\n')
		return pn_error_fmt(PN_ERR_PARSE, "does not start with \"%s <id>\"", word);
	return pn_oid_from_hex(data + w + 1, PN_OID_SHA1_LEN * 2, out);
}

const struct pn_error *
pn_tree_commit_tree(const char *data, size_t len, struct pn_oid *tree)
{
	return header_oid(data, len, "tree", tree);
}

/* Read object oid, which must be of type `want`, into b (emptied first). */
static const struct pn_error *
read_typed(struct pn_odb *odb, const struct pn_oid *oid, enum pn_obj_type want, struct pn_buf *b)
{
	const struct pn_error *err;
	char hex[PN_OID_HEX_MAX];
	enum pn_obj_type t;

	pn_buf_reset(b);
	if ((err = pn_odb_read(odb, oid, &t, b)) != NULL)
		return err;
	if (t != want)
		return pn_error_fmt(PN_ERR_PARSE, "object %s is a %s, not a %s", pn_oid_to_hex(oid, hex),
		    pn_pack_type_name(t), pn_pack_type_name(want));
	return NULL;
}

const struct pn_error *
pn_tree_root(struct pn_odb *odb, const struct pn_oid *oid, struct pn_oid *tree)
{
	const struct pn_error *err = NULL;
	char hex[PN_OID_HEX_MAX];
	struct pn_oid cur = *oid;
	enum pn_obj_type t;
	struct pn_buf b;

	pn_buf_init(&b, pn_odb_limits(odb)->max_object, "commit");
	for (int peeled = 0;; peeled++) {
		pn_buf_reset(&b);
		if ((err = pn_odb_read(odb, &cur, &t, &b)) != NULL)
			break;
		if (t == PN_OBJ_TREE) {
			*tree = cur;
			break;
		}
		if (t == PN_OBJ_COMMIT) {
			if ((err = pn_tree_commit_tree(b.data, b.len, tree)) != NULL)
				err = pn_error_wrap(err, "commit %s", pn_oid_to_hex(&cur, hex));
			break;
		}
		if (t != PN_OBJ_TAG) {
			err = pn_error_fmt(PN_ERR_PARSE, "object %s is a %s, not a commit", pn_oid_to_hex(&cur, hex),
			    pn_pack_type_name(t));
			break;
		}
		if (peeled == PN_TREE_PEEL_MAX) {
			err = pn_error_fmt(PN_ERR_PARSE, "tag %s: more than %d tags to peel (PN_TREE_PEEL_MAX)",
			    pn_oid_to_hex(oid, hex), PN_TREE_PEEL_MAX);
			break;
		}
		if ((err = header_oid(b.data, b.len, "object", &cur)) != NULL) {
			err = pn_error_wrap(err, "tag %s", pn_oid_to_hex(&cur, hex));
			break;
		}
	}
	pn_buf_release(&b);
	return err;
}

/* Find `name` in tree `tree` (read into t->data). *item is valid until t->data changes. */
static const struct pn_error *
lookup(struct pn_tree *t, const struct pn_oid *tree, const char *name, size_t n, struct pn_tree_item *item,
    int *found)
{
	const struct pn_error *err;
	char hex[PN_OID_HEX_MAX];
	size_t pos = 0;

	*found = 0;
	if ((err = read_typed(t->odb, tree, PN_OBJ_TREE, &t->data)) != NULL)
		return err;
	while (pos < t->data.len) {
		if ((err = pn_tree_parse_entry(t->data.data, t->data.len, &pos, item)) != NULL)
			return pn_error_wrap(err, "tree %s", pn_oid_to_hex(tree, hex));
		if (item->name_len == n && memcmp(item->name, name, n) == 0) {
			*found = 1;
			return NULL;
		}
	}
	return NULL;
}

/* Append "/" (unless at the root) and comp to t->where at depth. */
static const struct pn_error *
where_add(struct pn_tree *t, size_t depth, const char *comp, size_t n)
{
	size_t at = t->where_len[depth];

	if (at + 1 + n > PN_TREE_PATH_MAX)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s/%.*s: path longer than %d bytes (PN_TREE_PATH_MAX)", t->where,
		    (int)n, comp, PN_TREE_PATH_MAX);
	if (at > 0)
		t->where[at++] = '/';
	memcpy(t->where + at, comp, n);
	t->where[at + n] = '\0';
	return NULL;
}

/* Follow the link just found at t->where: its target replaces it in front of what is left to resolve. */
static const struct pn_error *
follow_link(struct pn_tree *t, const struct pn_oid *oid, size_t *links, int *cur, size_t *pos)
{
	const struct pn_error *err;
	const char *rest = t->rest[*cur] + *pos;
	size_t tl, rl = strlen(rest);
	struct pn_buf target;

	if (++*links > PN_TREE_SYMLINK_MAX)
		return pn_error_fmt(PN_ERR_REJECTED, "%s: too many levels of symbolic links (more than %d, "
		    "PN_TREE_SYMLINK_MAX)", t->where, PN_TREE_SYMLINK_MAX);
	memcpy(t->link, t->where, strlen(t->where) + 1);
	pn_buf_init(&target, PN_TREE_PATH_MAX, "symbolic link target");
	if ((err = read_typed(t->odb, oid, PN_OBJ_BLOB, &target)) != NULL) {
		pn_buf_release(&target);
		return pn_error_wrap(err, "symbolic link %s", t->link);
	}
	tl = target.len;
	if (tl == 0 || target.data[0] == '/' || memchr(target.data, '\0', tl) != NULL) {
		err = pn_error_fmt(PN_ERR_REJECTED, "symbolic link %s points outside the tree root (target \"%s\")",
		    t->link, pn_buf_str(&target));
	} else if (tl + 1 + rl > PN_TREE_PATH_MAX) {
		err = pn_error_fmt(PN_ERR_TOO_LARGE, "symbolic link %s: path longer than %d bytes (PN_TREE_PATH_MAX)",
		    t->link, PN_TREE_PATH_MAX);
	} else {
		char *next = t->rest[!*cur];

		memcpy(next, target.data, tl);
		next[tl] = '/';
		memcpy(next + tl + 1, rest, rl + 1);
		*cur = !*cur;
		*pos = 0;
	}
	pn_buf_release(&target);
	return err;
}

/* Resolve `path` (checked by the caller) from the root, following every symbolic link when `follow` is set
 * (none otherwise, as git ls-tree). PN_ERR_NOT_FOUND names `path`. */
static const struct pn_error *
resolve(struct pn_tree *t, const char *path, int follow, struct found *out)
{
	const struct pn_error *err;
	size_t depth = 0, links = 0, pos = 0, len = strlen(path);
	int cur = 0;

	if (len > PN_TREE_PATH_MAX)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%.64s...: path longer than %d bytes (PN_TREE_PATH_MAX)", path,
		    PN_TREE_PATH_MAX);
	memcpy(t->rest[0], path, len + 1);
	t->dirs[0] = t->root;
	t->where_len[0] = 0;
	t->where[0] = '\0';
	t->link[0] = '\0';
	for (;;) {
		const char *rest = t->rest[cur], *comp;
		struct pn_tree_item item;
		size_t n;
		int found, last;

		while (rest[pos] == '/')
			pos++;
		if (rest[pos] == '\0') {
			t->where[t->where_len[depth]] = '\0';	/* a last ".." left a longer path there */
			out->mode = PN_TREE_MODE_DIR;
			out->oid = t->dirs[depth];
			return NULL;
		}
		comp = rest + pos;
		n = strcspn(comp, "/");
		for (pos += n; rest[pos] == '/'; pos++)
			;
		last = rest[pos] == '\0';
		t->where[t->where_len[depth]] = '\0';
		if (n == 1 && comp[0] == '.')
			continue;
		if (n == 2 && comp[0] == '.' && comp[1] == '.') {
			if (depth == 0)	/* only a link's target can say ".." */
				return pn_error_fmt(PN_ERR_REJECTED, "symbolic link %s points outside the tree root",
				    t->link[0] != '\0' ? t->link : path);
			depth--;
			continue;
		}
		if ((err = lookup(t, &t->dirs[depth], comp, n, &item, &found)) != NULL)
			return err;
		if (!found)
			return pn_error_fmt(PN_ERR_NOT_FOUND, "%s does not exist", path[0] != '\0' ? path : ".");
		if ((err = where_add(t, depth, comp, n)) != NULL)
			return err;
		if (item.mode == PN_TREE_MODE_DIR) {
			if (depth == PN_TREE_MAX_DEPTH)
				return pn_error_fmt(PN_ERR_TOO_LARGE, "deeper than %d directories (PN_TREE_MAX_DEPTH): %.128s...",
				    PN_TREE_MAX_DEPTH, t->where);
			t->dirs[++depth] = item.oid;
			t->where_len[depth] = strlen(t->where);
			continue;
		}
		if (item.mode == PN_TREE_MODE_LINK && follow) {
			struct pn_oid target = item.oid;

			if ((err = follow_link(t, &target, &links, &cur, &pos)) != NULL)
				return err;
			continue;
		}
		if (!last)	/* a file (or an unfollowed link) where a directory should be */
			return pn_error_fmt(PN_ERR_NOT_FOUND, "%s does not exist", path);
		out->mode = item.mode;
		out->oid = item.oid;
		return NULL;
	}
}

/* Whether p is a tree path as treeread.h defines it (as dirtree.c checks it). */
static int
valid_path(const char *p)
{
	for (const char *c = p; *p != '\0';) {
		const char *e = strchr(c, '/');
		size_t n = e != NULL ? (size_t)(e - c) : strlen(c);

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		if (e == NULL)
			return 1;
		c = e + 1;
	}
	return 1;
}

static enum pn_tree_kind
kind_of(uint32_t mode)
{
	return mode == PN_TREE_MODE_DIR ? PN_TREE_DIR : mode == PN_TREE_MODE_GITLINK ? PN_TREE_OTHER : PN_TREE_FILE;
}

static const struct pn_error *
tr_stat(void *ctx, const char *path, enum pn_tree_kind *kind)
{
	const struct pn_error *err;
	struct found f;

	if (!valid_path(path))
		return pn_error_fmt(PN_ERR_INTERNAL, "bad tree path \"%s\"", path);
	if ((err = resolve(ctx, path, 1, &f)) != NULL)
		return err;
	*kind = kind_of(f.mode);
	return NULL;
}

static const struct pn_error *
tr_read(void *ctx, const char *path, struct pn_buf *b)
{
	struct pn_tree *t = ctx;
	const struct pn_error *err;
	struct found f;

	if (!valid_path(path))
		return pn_error_fmt(PN_ERR_INTERNAL, "bad tree path \"%s\"", path);
	if ((err = resolve(t, path, 1, &f)) != NULL)
		return err;
	if (kind_of(f.mode) != PN_TREE_FILE)
		return pn_error_fmt(PN_ERR_REJECTED, "%s is not a regular file", path[0] != '\0' ? path : ".");
	if ((err = pn_odb_read(t->odb, &f.oid, NULL, b)) != NULL)
		return pn_error_wrap(err, "%s", path);
	return NULL;
}

static const struct pn_error *
tr_real(void *ctx, const char *path, char **out)
{
	struct pn_tree *t = ctx;
	const struct pn_error *err;
	struct found f;

	*out = NULL;
	if (!valid_path(path))
		return pn_error_fmt(PN_ERR_INTERNAL, "bad tree path \"%s\"", path);
	if ((err = resolve(t, path, 1, &f)) != NULL)
		return err;
	/* t->where: the components found, links replaced by their targets */
	return (*out = strdup(t->where)) != NULL ? NULL : pn_error(PN_ERR_NOMEM);
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pn_tree_entry *)a)->name, ((const struct pn_tree_entry *)b)->name);
}

/* The kind of link `name` in directory `path`: what it resolves to, PN_TREE_OTHER when dangling. */
static const struct pn_error *
link_kind(struct pn_tree *t, const char *path, const char *name, enum pn_tree_kind *kind)
{
	const struct pn_error *err;
	char sub[PN_TREE_PATH_MAX + 1];
	struct found f;
	int n = path[0] != '\0' ? snprintf(sub, sizeof(sub), "%s/%s", path, name) : snprintf(sub, sizeof(sub), "%s", name);

	if (n < 0 || (size_t)n >= sizeof(sub))
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s/%s: path longer than %d bytes (PN_TREE_PATH_MAX)", path, name,
		    PN_TREE_PATH_MAX);
	err = resolve(t, sub, 1, &f);
	if (err != NULL && err->code == PN_ERR_NOT_FOUND) {
		*kind = PN_TREE_OTHER;
		return NULL;
	}
	if (err == NULL)
		*kind = kind_of(f.mode);
	return err;
}

static const struct pn_error *
tr_list(void *ctx, const char *path, struct pn_tree_entry **out, size_t *nout)
{
	struct pn_tree *t = ctx;
	const struct pn_error *err;
	struct pn_tree_entry *v = NULL;
	uint32_t *modes = NULL;
	size_t n = 0, cap = 0, pos = 0;
	char hex[PN_OID_HEX_MAX];
	struct found f;

	*out = NULL;
	*nout = 0;
	if (!valid_path(path))
		return pn_error_fmt(PN_ERR_INTERNAL, "bad tree path \"%s\"", path);
	if ((err = resolve(t, path, 1, &f)) != NULL)
		return err;
	if (f.mode != PN_TREE_MODE_DIR)
		return pn_error_fmt(PN_ERR_REJECTED, "%s is not a directory", path);
	if ((err = read_typed(t->odb, &f.oid, PN_OBJ_TREE, &t->data)) != NULL)
		return err;
	/* names first: resolving links below reuses t->data */
	while (pos < t->data.len) {
		struct pn_tree_item item;

		if ((err = pn_tree_parse_entry(t->data.data, t->data.len, &pos, &item)) != NULL) {
			err = pn_error_wrap(err, "tree %s", pn_oid_to_hex(&f.oid, hex));
			goto done;
		}
		if (n == PN_TREE_MAX_ENTRIES) {
			err = pn_error_fmt(PN_ERR_TOO_LARGE, "directory %s has more than %d entries (PN_TREE_MAX_ENTRIES)",
			    path[0] != '\0' ? path : ".", PN_TREE_MAX_ENTRIES);
			goto done;
		}
		if (n == cap) {
			struct pn_tree_entry *nv;
			uint32_t *nm;

			cap = cap != 0 ? cap * 2 : 16;
			if ((nv = realloc(v, cap * sizeof(*nv))) != NULL)
				v = nv;
			if ((nm = realloc(modes, cap * sizeof(*nm))) != NULL)
				modes = nm;
			if (nv == NULL || nm == NULL) {
				err = pn_error(PN_ERR_NOMEM);
				goto done;
			}
		}
		if ((v[n].name = strndup(item.name, item.name_len)) == NULL) {
			err = pn_error(PN_ERR_NOMEM);
			goto done;
		}
		modes[n] = item.mode;
		v[n].kind = kind_of(item.mode);
		n++;
	}
	for (size_t i = 0; i < n; i++)
		if (modes[i] == PN_TREE_MODE_LINK && (err = link_kind(t, path, v[i].name, &v[i].kind)) != NULL)
			goto done;
	if (n > 1)
		qsort(v, n, sizeof(*v), entry_cmp);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(v[i - 1].name, v[i].name) == 0) {
			err = pn_error_fmt(PN_ERR_PARSE, "tree %s lists \"%s\" twice", pn_oid_to_hex(&f.oid, hex), v[i].name);
			goto done;
		}
	}
	*out = v;
	*nout = n;
	v = NULL;
	n = 0;
done:
	pn_tree_entries_free(v, n);
	free(modes);
	return err;
}

static const struct pn_tree_reader_ops tree_ops = {
	.list = tr_list,
	.read = tr_read,
	.stat = tr_stat,
	.real = tr_real,
};

const struct pn_error *
pn_tree_new(struct pn_odb *odb, const struct pn_oid *commit, const char *label, struct pn_tree **out)
{
	const struct pn_error *err;
	char hex[PN_OID_HEX_MAX];
	struct pn_tree *t;
	size_t n;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	t->odb = odb;
	pn_buf_init(&t->data, pn_odb_limits(odb)->max_object, "tree");
	if ((err = pn_tree_root(odb, commit, &t->root)) != NULL) {
		pn_tree_free(t);
		return err;
	}
	pn_oid_to_hex(commit, hex);
	n = (label != NULL ? strlen(label) : 0) + sizeof(hex) + NAME_EXTRA;
	if ((t->name = malloc(n)) == NULL) {
		pn_tree_free(t);
		return pn_error(PN_ERR_NOMEM);
	}
	snprintf(t->name, n, "%s%ssha1:%s", label != NULL ? label : "", label != NULL ? "@" : "", hex);
	*out = t;
	return NULL;
}

void
pn_tree_free(struct pn_tree *t)
{
	if (t == NULL)
		return;
	pn_buf_release(&t->data);
	free(t->name);
	free(t);
}

void
pn_tree_reader(struct pn_tree *t, struct pn_tree_reader *r)
{
	r->ops = &tree_ops;
	r->ctx = t;
	r->name = t->name;
}

/*
 * The debug listings.
 */

/* A path as git prints it with core.quotePath (the default): in double quotes, C escapes and octal bytes for
 * control characters, '"', '\\' and every byte >= 0x80, when any is present. */
static void
put_quoted(FILE *out, const char *s, size_t n)
{
	static const char esc[] = "\a\b\t\n\v\f\r";
	static const char letters[] = "abtnvfr";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7f)
			break;
	}
	if (i == n) {
		fwrite(s, 1, n, out);
		return;
	}
	fputc('"', out);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *e = c != 0 ? strchr(esc, c) : NULL;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (e != NULL)
			fprintf(out, "\\%c", letters[e - esc]);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\%03o", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static const char *
mode_type(uint32_t mode)
{
	return mode == PN_TREE_MODE_DIR ? "tree" : mode == PN_TREE_MODE_GITLINK ? "commit" : "blob";
}

static void
put_entry(FILE *out, uint32_t mode, const struct pn_oid *oid, const char *path, size_t n)
{
	char hex[PN_OID_HEX_MAX];

	fprintf(out, "%06o %s %s\t", (unsigned)mode, mode_type(mode), pn_oid_to_hex(oid, hex));
	put_quoted(out, path, n);
	fputc('\n', out);
}

/* Everything below tree `oid`, whose path is prefix[0..plen), depth levels down. */
static const struct pn_error *
ls_tree(struct pn_odb *odb, const struct pn_oid *oid, char *prefix, size_t plen, int depth, FILE *out)
{
	const struct pn_error *err;
	char hex[PN_OID_HEX_MAX];
	struct pn_buf b;
	size_t pos = 0;

	if (depth > PN_TREE_MAX_DEPTH)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "deeper than %d directories (PN_TREE_MAX_DEPTH): %.*s...",
		    PN_TREE_MAX_DEPTH, (int)(plen > 128 ? 128 : plen), prefix);
	pn_buf_init(&b, pn_odb_limits(odb)->max_object, "tree");
	if ((err = read_typed(odb, oid, PN_OBJ_TREE, &b)) != NULL)
		goto done;
	while (pos < b.len) {
		struct pn_tree_item item;
		size_t n;

		if ((err = pn_tree_parse_entry(b.data, b.len, &pos, &item)) != NULL) {
			err = pn_error_wrap(err, "tree %s", pn_oid_to_hex(oid, hex));
			goto done;
		}
		n = plen + (plen > 0) + item.name_len;
		if (n > PN_TREE_PATH_MAX) {
			err = pn_error_fmt(PN_ERR_TOO_LARGE, "%.*s/%.*s: path longer than %d bytes (PN_TREE_PATH_MAX)",
			    (int)plen, prefix, (int)item.name_len, item.name, PN_TREE_PATH_MAX);
			goto done;
		}
		if (plen > 0)
			prefix[plen] = '/';
		memcpy(prefix + plen + (plen > 0), item.name, item.name_len);
		if (item.mode == PN_TREE_MODE_DIR)
			err = ls_tree(odb, &item.oid, prefix, n, depth + 1, out);
		else
			put_entry(out, item.mode, &item.oid, prefix, n);
		if (err != NULL)
			goto done;
	}
done:
	pn_buf_release(&b);
	return err;
}

static const struct pn_error *
output_error(FILE *out)
{
	return ferror(out) ? pn_error_errno("write output") : NULL;
}

static const struct pn_error *
cat_data(void *arg, const void *p, size_t n)
{
	return fwrite(p, 1, n, arg) == n ? NULL : pn_error_errno("write output");
}

const struct pn_error *
pn_tree_ls(struct pn_odb *odb, const struct pn_oid *commit, const char *path, FILE *out)
{
	const struct pn_error *err;
	struct pn_tree *t = NULL;
	char *prefix = NULL;
	struct found f;
	size_t n = path != NULL ? strlen(path) : 0;

	if (n > 0 && path[n - 1] == '/')	/* "apps/" as git accepts it */
		n--;
	if ((prefix = malloc(PN_TREE_PATH_MAX + 1)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	if (n > PN_TREE_PATH_MAX) {
		err = pn_error_fmt(PN_ERR_TOO_LARGE, "path longer than %d bytes (PN_TREE_PATH_MAX)", PN_TREE_PATH_MAX);
		goto done;
	}
	memcpy(prefix, path != NULL ? path : "", n);
	prefix[n] = '\0';
	if (!valid_path(prefix)) {
		err = pn_error_fmt(PN_ERR_USAGE, "bad path \"%s\": '/'-separated, without \".\" or \"..\"", path);
		goto done;
	}
	if ((err = pn_tree_new(odb, commit, NULL, &t)) != NULL || (err = resolve(t, prefix, 0, &f)) != NULL)
		goto done;
	if (f.mode == PN_TREE_MODE_DIR)
		err = ls_tree(odb, &f.oid, prefix, n, 0, out);
	else
		put_entry(out, f.mode, &f.oid, prefix, n);
	if (err == NULL)
		err = output_error(out);
done:
	pn_tree_free(t);
	free(prefix);
	return err;
}

const struct pn_error *
pn_tree_cat(struct pn_odb *odb, const struct pn_oid *oid, FILE *out)
{
	const struct pn_error *err;
	char hex[PN_OID_HEX_MAX];
	enum pn_obj_type t;
	struct pn_buf b;
	size_t pos = 0;

	if ((err = pn_odb_stat(odb, oid, &t, NULL)) != NULL)
		return err;
	if (t != PN_OBJ_TREE) {
		/* streamed: a blob of any size in bounded memory */
		struct pn_pack_out o = {NULL, cat_data, out};

		if ((err = pn_odb_stream(odb, oid, &o)) == NULL)
			err = output_error(out);
		return err;
	}
	pn_buf_init(&b, pn_odb_limits(odb)->max_object, "object");
	if ((err = pn_odb_read(odb, oid, &t, &b)) != NULL)
		goto done;
	while (pos < b.len) {
		struct pn_tree_item item;

		if ((err = pn_tree_parse_entry(b.data, b.len, &pos, &item)) != NULL) {
			err = pn_error_wrap(err, "tree %s", pn_oid_to_hex(oid, hex));
			goto done;
		}
		put_entry(out, item.mode, &item.oid, item.name, item.name_len);
	}
	err = output_error(out);
done:
	pn_buf_release(&b);
	return err;
}

/*
 * Marking the packs a revision needs (odb.h, old packs).
 */

/* Trees already walked: an open-addressing set of ids, so that a subtree shared by many directories (which a
 * hostile repository can nest into 2^depth paths) is walked once. */
struct seen {
	uint8_t (*ids)[PN_OID_SHA1_LEN];
	uint8_t *used;
	size_t cap, n, max;
};

static uint32_t
seen_hash(const uint8_t *id)
{
	return (uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 | (uint32_t)id[2] << 8 | id[3];
}

static int
seen_probe(const struct seen *s, const uint8_t *id, size_t *at)
{
	size_t pos = seen_hash(id) & (s->cap - 1);

	while (s->used[pos]) {
		if (memcmp(s->ids[pos], id, PN_OID_SHA1_LEN) == 0) {
			*at = pos;
			return 1;
		}
		pos = (pos + 1) & (s->cap - 1);
	}
	*at = pos;
	return 0;
}

/* Add id; *added = 0 when it was there. */
static const struct pn_error *
seen_add(struct seen *s, const uint8_t *id, int *added)
{
	size_t at;

	*added = 0;
	if (s->cap == 0 || (s->n + 1) * 2 > s->cap) {
		struct seen g = {NULL, NULL, s->cap == 0 ? SEEN_MIN : s->cap * 2, 0, s->max};

		if (s->n >= s->max)
			return pn_error_fmt(PN_ERR_TOO_LARGE, "more than %zu trees in one revision (PN_PACK_MAX_OBJECTS)",
			    s->max);
		if ((g.ids = calloc(g.cap, sizeof(*g.ids))) == NULL || (g.used = calloc(g.cap, 1)) == NULL) {
			free(g.ids);
			return pn_error(PN_ERR_NOMEM);
		}
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->used[i])
				continue;
			seen_probe(&g, s->ids[i], &at);
			memcpy(g.ids[at], s->ids[i], PN_OID_SHA1_LEN);
			g.used[at] = 1;
			g.n++;
		}
		free(s->ids);
		free(s->used);
		*s = g;
	}
	if (seen_probe(s, id, &at))
		return NULL;
	memcpy(s->ids[at], id, PN_OID_SHA1_LEN);
	s->used[at] = 1;
	s->n++;
	*added = 1;
	return NULL;
}

const struct pn_error *
pn_tree_mark(struct pn_odb *odb, const struct pn_oid *commit)
{
	const struct pn_error *err;
	struct seen seen = {NULL, NULL, 0, 0, pn_odb_limits(odb)->max_objects};
	struct pn_buf todo, b;
	struct pn_oid tree;
	char hex[PN_OID_HEX_MAX];
	int added;

	pn_buf_init(&todo, (size_t)pn_odb_limits(odb)->max_objects * sizeof(struct pn_oid), "trees to walk");
	pn_buf_init(&b, pn_odb_limits(odb)->max_object, "tree");
	if ((err = pn_odb_mark(odb, commit)) != NULL || (err = pn_tree_root(odb, commit, &tree)) != NULL ||
	    (err = seen_add(&seen, tree.b, &added)) != NULL || (err = pn_buf_add(&todo, &tree, sizeof(tree))) != NULL)
		goto done;
	while (todo.len > 0) {
		size_t pos = 0;

		todo.len -= sizeof(tree);
		memcpy(&tree, todo.data + todo.len, sizeof(tree));
		if ((err = pn_odb_mark(odb, &tree)) != NULL || (err = read_typed(odb, &tree, PN_OBJ_TREE, &b)) != NULL)
			goto done;
		while (pos < b.len) {
			struct pn_tree_item item;

			if ((err = pn_tree_parse_entry(b.data, b.len, &pos, &item)) != NULL) {
				err = pn_error_wrap(err, "tree %s", pn_oid_to_hex(&tree, hex));
				goto done;
			}
			if (item.mode == PN_TREE_MODE_GITLINK)
				continue;	/* another repository's commit */
			if (item.mode != PN_TREE_MODE_DIR) {
				if ((err = pn_odb_mark(odb, &item.oid)) != NULL)
					goto done;
				continue;
			}
			if ((err = seen_add(&seen, item.oid.b, &added)) != NULL ||
			    (added && (err = pn_buf_add(&todo, &item.oid, sizeof(item.oid))) != NULL))
				goto done;
		}
	}
done:
	pn_buf_release(&todo);
	pn_buf_release(&b);
	free(seen.ids);
	free(seen.used);
	return err;
}
