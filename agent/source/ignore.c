/*
 * Source ignore rules as Flux applies them (see ignore.h). The component matcher follows the semantics of
 * Go's path/filepath.Match on Unix (byte literals, runes for '?' and classes, invalid UTF-8 as U+FFFD); the
 * pattern matcher follows fluxcd/pkg sourceignore/gitignore (go-git's), including what differs from git: a
 * pattern also matches everything below what it matches, "**" takes the first component that fits, and a
 * path below an excluded directory is judged on its own.
 */
#include "ignore.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/banned.h"

/* U+FFFD, what Go's decoder answers for a byte that does not start a valid UTF-8 sequence. */
#define RUNE_ERROR 0xfffd
/* Components of a path matched without allocating. */
#define SPLIT_INLINE 64
/* Buckets of the reader's table of directories known to hold something visible (a table size, not a limit:
 * the entries are bounded by PN_IGNORE_MAX_DIRS). */
#define SEEN_BUCKETS 256

enum result {
	NO_MATCH,
	EXCLUDE,
	INCLUDE,
};

struct span {
	const char *p;
	size_t len;
};

/* The directory patterns of one file apply to. */
struct domain {
	char *path;
	struct span *comp;
	size_t ncomp;
};

struct pattern {
	char *text;		/* the pattern after '!', trimming and the trailing '/' */
	struct span *part;	/* text split at '/' */
	size_t npart;
	size_t domain;		/* index into pn_ignore.domain */
	unsigned inclusion:1, dir_only:1, glob:1;
};

struct pn_ignore {
	struct pattern *pat;
	size_t npat, cappat;
	struct domain *dom;
	size_t ndom, capdom;
	int defaults_added;
};

/* --- Go's UTF-8 decoding and white space ------------------------------------------------------------------ */

/* The rune at s (slen > 0) and its length in *n; RUNE_ERROR with *n = 1 for an invalid sequence, as Go's
 * utf8.DecodeRuneInString (no overlong forms, no surrogates, nothing above U+10FFFF). */
static int32_t
decode(const char *s, size_t slen, size_t *n)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t need;
	int32_t r;

	*n = 1;
	if (u[0] < 0x80)
		return u[0];
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		need = 1;
		r = u[0] & 0x1f;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		need = 2;
		r = u[0] & 0x0f;
		if (u[0] == 0xe0)
			lo = 0xa0;
		else if (u[0] == 0xed)
			hi = 0x9f;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		need = 3;
		r = u[0] & 0x07;
		if (u[0] == 0xf0)
			lo = 0x90;
		else if (u[0] == 0xf4)
			hi = 0x8f;
	} else {
		return RUNE_ERROR;
	}
	if (slen <= need)
		return RUNE_ERROR;
	for (size_t k = 1; k <= need; k++) {
		unsigned char c = u[k];

		if (k == 1 ? (c < lo || c > hi) : (c < 0x80 || c > 0xbf))
			return RUNE_ERROR;
		r = (r << 6) | (c & 0x3f);
	}
	*n = need + 1;
	return r;
}

/* Go's unicode.IsSpace. */
static int
go_space(int32_t r)
{
	switch (r) {
	case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
	case 0x85: case 0xa0: case 0x1680: case 0x2028: case 0x2029: case 0x202f: case 0x205f: case 0x3000:
		return 1;
	default:
		return r >= 0x2000 && r <= 0x200a;
	}
}

/* Whether s is empty after Go's strings.TrimSpace. */
static int
blank(const char *s, size_t len)
{
	size_t n;

	for (size_t k = 0; k < len; k += n)
		if (!go_space(decode(s + k, len - k, &n)))
			return 0;
	return 1;
}

/* --- one component: Go's filepath.Match ------------------------------------------------------------------- */

/* One possibly escaped character of a class at c[*k]: 0, or -1 for a malformed class. */
static int
class_char(const char *c, size_t clen, size_t *k, int32_t *r)
{
	size_t n;

	if (*k >= clen || c[*k] == '-' || c[*k] == ']')
		return -1;
	if (c[*k] == '\\' && ++*k >= clen)
		return -1;
	*r = decode(c + *k, clen - *k, &n);
	if (*r == RUNE_ERROR && n == 1)
		return -1;
	*k += n;
	return *k < clen ? 0 : -1;	/* a class must still be closed */
}

/* Whether chunk c (literals, '?' and classes, no '*') matches the start of s: 1 with the bytes it took in
 * *used, 0, or -1 for a malformed chunk. */
static int
chunk_match(const char *c, size_t clen, const char *s, size_t slen, size_t *used)
{
	size_t k = 0, i = 0, n;

	while (k < clen) {
		if (i == slen)
			return 0;
		switch (c[k]) {
		case '[': {
			int32_t r = decode(s + i, slen - i, &n), lo, hi;
			int negated = 0, match = 0;
			size_t nrange = 0;

			i += n;
			if (++k == clen)
				return -1;
			if (c[k] == '^') {
				negated = 1;
				k++;
			}
			for (;;) {
				if (k < clen && c[k] == ']' && nrange > 0) {
					k++;
					break;
				}
				if (class_char(c, clen, &k, &lo) != 0)
					return -1;
				hi = lo;
				if (c[k] == '-') {
					k++;
					if (class_char(c, clen, &k, &hi) != 0)
						return -1;
				}
				if (lo <= r && r <= hi)
					match = 1;
				nrange++;
			}
			if (match == negated)
				return 0;
			break;
		}
		case '?':
			if (s[i] == '/')
				return 0;
			(void)decode(s + i, slen - i, &n);
			i += n;
			k++;
			break;
		case '\\':
			if (++k == clen)
				return -1;
			/* FALLTHROUGH */
		default:
			if (c[k] != s[i])
				return 0;
			i++;
			k++;
			break;
		}
	}
	*used = i;
	return 1;
}

/* The next chunk of pattern p at *k: whether stars led it, and its extent [*start, *k). */
static int
next_chunk(const char *p, size_t plen, size_t *k, size_t *start)
{
	int star = 0, inrange = 0;

	while (*k < plen && p[*k] == '*') {
		star = 1;
		++*k;
	}
	*start = *k;
	for (; *k < plen; ++*k) {
		if (p[*k] == '\\') {
			if (*k + 1 < plen)
				++*k;
		} else if (p[*k] == '[') {
			inrange = 1;
		} else if (p[*k] == ']') {
			inrange = 0;
		} else if (p[*k] == '*' && !inrange) {
			break;
		}
	}
	return star;
}

/* Whether name matches shell pattern p entirely. The leftmost place of each chunk after a star is taken (the
 * last chunk must end the name), which decides glob matching without backtracking. Malformed: no match. */
static int
name_match(const char *p, size_t plen, const char *s, size_t slen)
{
	size_t k = 0;

	while (k < plen) {
		size_t start, used, clen;
		int star = next_chunk(p, plen, &k, &start), m;
		int last;

		clen = k - start;
		last = k == plen;
		if (star && clen == 0)
			return memchr(s, '/', slen) == NULL;
		m = chunk_match(p + start, clen, s, slen, &used);
		if (m == 1 && (used == slen || !last)) {
			s += used;
			slen -= used;
			continue;
		}
		if (m < 0 || !star)
			return 0;
		for (size_t i = 0;; i++) {
			if (i >= slen || s[i] == '/')
				return 0;
			m = chunk_match(p + start, clen, s + i + 1, slen - i - 1, &used);
			if (m < 0)
				return 0;
			if (m == 1 && !(last && used < slen - i - 1)) {
				s += i + 1 + used;
				slen -= i + 1 + used;
				break;
			}
		}
	}
	return slen == 0;
}

/* --- patterns --------------------------------------------------------------------------------------------- */

static int
span_eq(struct span a, struct span b)
{
	return a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

/* Split s at every '/' into a new array (*out, *n); "" has no component. The caller frees *out. */
static const struct pn_error *
split(const char *s, size_t len, struct span **out, size_t *n)
{
	size_t count = len == 0 ? 0 : 1, k = 0;
	const char *c = s;

	for (size_t i = 0; i < len; i++)
		count += s[i] == '/';
	*n = count;
	if ((*out = calloc(count != 0 ? count : 1, sizeof(**out))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	for (size_t i = 0; i <= len && count != 0; i++) {
		if (i == len || s[i] == '/') {
			(*out)[k].p = c;
			(*out)[k].len = (size_t)(s + i - c);
			k++;
			c = s + i + 1;
		}
	}
	return NULL;
}

static void
pattern_release(struct pattern *p)
{
	free(p->text);
	free(p->part);
}

/* go-git's simple match: a pattern without '/' against any component below the domain. */
static int
simple_match(const struct pattern *p, const struct span *rel, size_t n, int is_dir)
{
	for (size_t i = 0; i < n; i++) {
		if (!name_match(p->part[0].p, p->part[0].len, rel[i].p, rel[i].len))
			continue;
		return !(p->dir_only && !is_dir && i == n - 1);
	}
	return 0;
}

static int
has_double_star(struct span s)
{
	for (size_t i = 0; i + 1 < s.len; i++)
		if (s.p[i] == '*' && s.p[i + 1] == '*')
			return 1;
	return 0;
}

/* go-git's glob match: component by component from the domain on; a match of a prefix of the path counts. */
static int
glob_match(const struct pattern *p, const struct span *rel, size_t n, int is_dir)
{
	int matched = 0, traverse = 0;
	size_t k = 0;

	for (size_t i = 0; i < p->npart; i++) {
		struct span part = p->part[i];

		if (part.len == 0) {
			traverse = 0;
			continue;
		}
		if (part.len == 2 && part.p[0] == '*' && part.p[1] == '*') {
			if (i == p->npart - 1)
				break;
			traverse = 1;
			continue;
		}
		if (has_double_star(part) || k == n)
			return 0;
		if (traverse) {
			traverse = 0;
			while (k < n) {
				struct span e = rel[k++];

				if (name_match(part.p, part.len, e.p, e.len)) {
					matched = 1;
					break;
				}
				if (k == n)
					matched = 0;
			}
		} else {
			if (!name_match(part.p, part.len, rel[k].p, rel[k].len))
				return 0;
			matched = 1;
			k++;
		}
	}
	if (matched && p->dir_only && !is_dir && k == n)
		matched = 0;
	return matched;
}

static enum result
pattern_match(const struct pn_ignore *ig, const struct pattern *p, const struct span *path, size_t n, int is_dir)
{
	const struct domain *d = &ig->dom[p->domain];
	int m;

	if (n <= d->ncomp)
		return NO_MATCH;
	for (size_t i = 0; i < d->ncomp; i++)
		if (!span_eq(path[i], d->comp[i]))
			return NO_MATCH;
	if (p->glob)
		m = glob_match(p, path + d->ncomp, n - d->ncomp, is_dir);
	else
		m = simple_match(p, path + d->ncomp, n - d->ncomp, is_dir);
	if (!m)
		return NO_MATCH;
	return p->inclusion ? INCLUDE : EXCLUDE;
}

/* The last pattern matching path (its index in *at), or NO_MATCH. */
static enum result
decide(const struct pn_ignore *ig, const struct span *path, size_t n, int is_dir, size_t *at)
{
	for (size_t i = ig->npat; i-- > 0;) {
		enum result r = pattern_match(ig, &ig->pat[i], path, n, is_dir);

		if (r != NO_MATCH) {
			*at = i;
			return r;
		}
	}
	return NO_MATCH;
}

/* Whether a `!` pattern after index `at` may apply below directory path: its domain is on the same line. */
static int
inclusion_after(const struct pn_ignore *ig, size_t at, const struct span *path, size_t n)
{
	for (size_t i = at + 1; i < ig->npat; i++) {
		const struct pattern *p = &ig->pat[i];
		const struct domain *d = &ig->dom[p->domain];
		size_t common = d->ncomp < n ? d->ncomp : n, k;

		if (!p->inclusion)
			continue;
		for (k = 0; k < common && span_eq(d->comp[k], path[k]); k++)
			;
		if (k == common)
			return 1;
	}
	return 0;
}

static const struct pn_error *
add_domain(struct pn_ignore *ig, const char *domain, size_t *at)
{
	const struct pn_error *err;
	struct domain d = {NULL, NULL, 0};

	/* patterns of one file share the domain of the last one added */
	if (ig->ndom > 0 && strcmp(ig->dom[ig->ndom - 1].path, domain) == 0) {
		*at = ig->ndom - 1;
		return NULL;
	}
	if (ig->ndom == ig->capdom) {
		size_t cap = ig->capdom != 0 ? ig->capdom * 2 : 8;
		struct domain *nd;

		if ((nd = realloc(ig->dom, cap * sizeof(*nd))) == NULL)
			return pn_error(PN_ERR_NOMEM);
		ig->dom = nd;
		ig->capdom = cap;
	}
	if ((d.path = strdup(domain)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	if ((err = split(d.path, strlen(d.path), &d.comp, &d.ncomp)) != NULL) {
		free(d.path);
		return err;
	}
	*at = ig->ndom;
	ig->dom[ig->ndom++] = d;
	return NULL;
}

/* Make room for one more pattern, within PN_IGNORE_TOTAL_PATTERNS. */
static const struct pn_error *
grow_patterns(struct pn_ignore *ig)
{
	struct pattern *np;
	size_t cap;

	if (ig->npat < ig->cappat)
		return NULL;
	if (ig->npat >= PN_IGNORE_TOTAL_PATTERNS)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "more than %d ignore patterns in the tree",
		    PN_IGNORE_TOTAL_PATTERNS);
	cap = ig->cappat != 0 ? ig->cappat * 2 : 16;
	if (cap > PN_IGNORE_TOTAL_PATTERNS)
		cap = PN_IGNORE_TOTAL_PATTERNS;
	if ((np = realloc(ig->pat, cap * sizeof(*np))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	ig->pat = np;
	ig->cappat = cap;
	return NULL;
}

/* go-git's ParsePattern, into *p. */
static const struct pn_error *
parse(const char *s, size_t len, struct pattern *p)
{
	const struct pn_error *err;

	memset(p, 0, sizeof(*p));
	if (len > 0 && s[0] == '!') {
		p->inclusion = 1;
		s++;
		len--;
	}
	if (!(len >= 2 && s[len - 2] == '\\' && s[len - 1] == ' '))
		while (len > 0 && s[len - 1] == ' ')
			len--;
	if (len > 0 && s[len - 1] == '/') {
		p->dir_only = 1;
		len--;
	}
	p->glob = memchr(s, '/', len) != NULL;
	if ((p->text = malloc(len + 1)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	memcpy(p->text, s, len);
	p->text[len] = '\0';
	/* "" is one empty part, as Go's strings.Split gives */
	if (len == 0) {
		if ((p->part = calloc(1, sizeof(*p->part))) == NULL)
			err = pn_error(PN_ERR_NOMEM);
		else {
			p->part[0].p = p->text;
			p->npart = 1;
			err = NULL;
		}
	} else {
		err = split(p->text, len, &p->part, &p->npart);
	}
	if (err != NULL) {
		free(p->text);
		p->text = NULL;
	}
	return err;
}

const struct pn_error *
pn_ignore_new(struct pn_ignore **out)
{
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	return NULL;
}

void
pn_ignore_free(struct pn_ignore *ig)
{
	if (ig == NULL)
		return;
	for (size_t i = 0; i < ig->npat; i++)
		pattern_release(&ig->pat[i]);
	for (size_t i = 0; i < ig->ndom; i++) {
		free(ig->dom[i].path);
		free(ig->dom[i].comp);
	}
	free(ig->pat);
	free(ig->dom);
	free(ig);
}

size_t
pn_ignore_count(const struct pn_ignore *ig)
{
	return ig->npat;
}

const struct pn_error *
pn_ignore_add(struct pn_ignore *ig, const char *domain, const char *pattern, size_t len)
{
	const struct pn_error *err;
	size_t d = 0;

	if (len > PN_IGNORE_PATTERN_MAX)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "ignore pattern longer than %d bytes", PN_IGNORE_PATTERN_MAX);
	if ((err = grow_patterns(ig)) != NULL || (err = add_domain(ig, domain, &d)) != NULL)
		return err;
	if ((err = parse(pattern, len, &ig->pat[ig->npat])) != NULL)
		return err;
	ig->pat[ig->npat++].domain = d;
	return NULL;
}

const struct pn_error *
pn_ignore_read(struct pn_ignore *ig, const char *domain, const char *text, size_t len, const char *what)
{
	const struct pn_error *err;
	size_t line = 0, count = 0, k = 0;

	if (len > PN_IGNORE_FILE_MAX)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s is larger than %d bytes", what, PN_IGNORE_FILE_MAX);
	while (k < len) {
		const char *s = text + k, *nl = memchr(s, '\n', len - k);
		size_t n = nl != NULL ? (size_t)(nl - s) : len - k;

		k += n + (nl != NULL);
		line++;
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if ((n > 0 && s[0] == '#') || blank(s, n))
			continue;
		if (++count > PN_IGNORE_FILE_PATTERNS)
			return pn_error_fmt(PN_ERR_TOO_LARGE, "%s:%zu: more than %d patterns in one file", what, line,
			    PN_IGNORE_FILE_PATTERNS);
		if ((err = pn_ignore_add(ig, domain, s, n)) != NULL)
			return pn_error_wrap(err, "%s:%zu", what, line);
	}
	return NULL;
}

const struct pn_error *
pn_ignore_add_defaults(struct pn_ignore *ig)
{
	const struct pn_error *err = NULL;
	struct pattern *user = ig->pat, *np;
	size_t nuser = ig->npat, capuser = ig->cappat;
	const char *list[2] = {PN_IGNORE_VCS, nuser == 0 ? PN_IGNORE_DEFAULTS : NULL};

	if (ig->defaults_added)
		return pn_error_fmt(PN_ERR_INTERNAL, "Flux's default exclusions added twice");
	/* build the defaults alone, then put the patterns already there after them */
	ig->pat = NULL;
	ig->npat = ig->cappat = 0;
	for (size_t l = 0; l < 2 && list[l] != NULL && err == NULL; l++) {
		const char *s = list[l];

		while (err == NULL) {
			const char *comma = strchr(s, ',');
			size_t n = comma != NULL ? (size_t)(comma - s) : strlen(s);

			err = pn_ignore_add(ig, "", s, n);
			if (comma == NULL)
				break;
			s = comma + 1;
		}
	}
	if (err == NULL && nuser > PN_IGNORE_TOTAL_PATTERNS - ig->npat)
		err = pn_error_fmt(PN_ERR_TOO_LARGE, "more than %d ignore patterns in the tree",
		    PN_IGNORE_TOTAL_PATTERNS);
	if (err == NULL && (np = realloc(ig->pat, (ig->npat + nuser) * sizeof(*np))) == NULL)
		err = pn_error(PN_ERR_NOMEM);
	if (err != NULL) {
		for (size_t i = 0; i < ig->npat; i++)
			pattern_release(&ig->pat[i]);
		free(ig->pat);
		ig->pat = user;
		ig->npat = nuser;
		ig->cappat = capuser;
		return err;
	}
	if (nuser > 0)
		memcpy(np + ig->npat, user, nuser * sizeof(*np));
	free(user);
	ig->pat = np;
	ig->npat += nuser;
	ig->cappat = ig->npat;
	ig->defaults_added = 1;
	return NULL;
}

/* Split path into components: *v points at inl (SPLIT_INLINE entries) or at a new array the caller frees. */
static const struct pn_error *
split_path(const char *path, struct span *inl, struct span **v, size_t *n)
{
	size_t len = strlen(path), count = len == 0 ? 0 : 1;
	const char *c = path;

	for (size_t i = 0; i < len; i++)
		count += path[i] == '/';
	if (count > SPLIT_INLINE)
		return split(path, len, v, n);
	*v = inl;
	*n = count;
	for (size_t i = 0, k = 0; i <= len && count != 0; i++) {
		if (i == len || path[i] == '/') {
			inl[k].p = c;
			inl[k++].len = (size_t)(path + i - c);
			c = path + i + 1;
		}
	}
	return NULL;
}

const struct pn_error *
pn_ignore_match(const struct pn_ignore *ig, const char *path, int is_dir, int *excluded)
{
	struct span inl[SPLIT_INLINE], *v;
	const struct pn_error *err;
	size_t n, at;

	*excluded = 0;
	if ((err = split_path(path, inl, &v, &n)) != NULL)
		return err;
	*excluded = decide(ig, v, n, is_dir, &at) == EXCLUDE;
	if (v != inl)
		free(v);
	return NULL;
}

/* --- the filtering reader --------------------------------------------------------------------------------- */

struct seen {
	struct seen *next;
	int visible;
	char path[];
};

struct pn_ignore_reader {
	struct pn_tree_reader inner;
	struct pn_ignore *ig;
	size_t listed;		/* directories listed looking for visible entries below excluded ones */
	struct seen *seen[SEEN_BUCKETS];
};

static const struct pn_tree_reader_ops ignore_ops;

/* dir + "/" + name into a new string (name alone below the root). The caller frees it with free(). */
static const struct pn_error *
join(const char *dir, const char *name, char **out)
{
	size_t dl = strlen(dir), nl = strlen(name), len;

	if (dl + nl + 2 > PATH_MAX)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "tree path %s/%s is too long", dir, name);
	len = dl != 0 ? dl + 1 + nl : nl;
	if ((*out = malloc(len + 1)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	if (dl != 0) {
		memcpy(*out, dir, dl);
		(*out)[dl] = '/';
		memcpy(*out + dl + 1, name, nl + 1);
	} else {
		memcpy(*out, name, nl + 1);
	}
	return NULL;
}

struct load {
	const struct pn_tree_reader *inner;
	struct pn_ignore *ig;
	size_t dirs, bytes;
	struct pn_buf b;
};

/* sourceignore.LoadIgnorePatterns: dir's own file, then its subdirectories (not ".git") in listing order. */
static const struct pn_error *
load_dir(struct load *l, const char *dir, size_t depth)
{
	const struct pn_error *err = NULL;
	struct pn_tree_entry *e = NULL;
	char *sub = NULL;
	size_t n = 0;

	if (depth > PN_IGNORE_MAX_DEPTH)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "directories nested deeper than %d at %s", PN_IGNORE_MAX_DEPTH,
		    dir);
	if (++l->dirs > PN_IGNORE_MAX_DIRS)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "more than %d directories to search for %s",
		    PN_IGNORE_MAX_DIRS, PN_IGNORE_FILE);
	if ((err = l->inner->ops->list(l->inner->ctx, dir, &e, &n)) != NULL)
		return err;
	for (size_t i = 0; i < n; i++) {
		if (e[i].kind != PN_TREE_FILE || strcmp(e[i].name, PN_IGNORE_FILE) != 0)
			continue;
		if ((err = join(dir, e[i].name, &sub)) != NULL)
			goto done;
		pn_buf_reset(&l->b);
		if ((err = l->inner->ops->read(l->inner->ctx, sub, &l->b)) != NULL) {
			if (err->code == PN_ERR_TOO_LARGE)
				err = pn_error_wrap(err, "%s", sub);
			goto done;
		}
		if (l->b.len > PN_IGNORE_TOTAL_BYTES - l->bytes) {
			err = pn_error_fmt(PN_ERR_TOO_LARGE, "%s: the %s files of the tree exceed %d bytes", sub,
			    PN_IGNORE_FILE, PN_IGNORE_TOTAL_BYTES);
			goto done;
		}
		l->bytes += l->b.len;
		if ((err = pn_ignore_read(l->ig, dir, pn_buf_str(&l->b), l->b.len, sub)) != NULL)
			goto done;
		free(sub);
		sub = NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (e[i].kind != PN_TREE_DIR || strcmp(e[i].name, ".git") == 0)
			continue;
		if ((err = join(dir, e[i].name, &sub)) != NULL || (err = load_dir(l, sub, depth + 1)) != NULL)
			goto done;
		free(sub);
		sub = NULL;
	}
done:
	free(sub);
	pn_tree_entries_free(e, n);
	return err;
}

const struct pn_error *
pn_ignore_reader_new(const struct pn_tree_reader *inner, const char *override, struct pn_ignore_reader **out)
{
	const struct pn_error *err;
	struct pn_ignore_reader *r;
	struct load l;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	r->inner = *inner;
	memset(&l, 0, sizeof(l));
	l.inner = inner;
	pn_buf_init(&l.b, PN_IGNORE_FILE_MAX, PN_IGNORE_FILE);
	if ((err = pn_ignore_new(&r->ig)) != NULL)
		goto done;
	l.ig = r->ig;
	if ((err = load_dir(&l, "", 0)) != NULL)
		goto done;
	if (override != NULL && (err = pn_ignore_read(r->ig, "", override, strlen(override), "spec.ignore")) != NULL)
		goto done;
	if ((err = pn_ignore_add_defaults(r->ig)) != NULL)
		goto done;
	*out = r;
	r = NULL;
done:
	pn_buf_release(&l.b);
	pn_ignore_reader_free(r);
	return err;
}

void
pn_ignore_reader_free(struct pn_ignore_reader *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < SEEN_BUCKETS; i++) {
		struct seen *s = r->seen[i], *next;

		for (; s != NULL; s = next) {
			next = s->next;
			free(s);
		}
	}
	pn_ignore_free(r->ig);
	free(r);
}

const struct pn_ignore *
pn_ignore_reader_matcher(const struct pn_ignore_reader *r)
{
	return r->ig;
}

static size_t
hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % SEEN_BUCKETS;
}

static struct seen *
seen_find(struct pn_ignore_reader *r, const char *path)
{
	for (struct seen *s = r->seen[hash(path)]; s != NULL; s = s->next)
		if (strcmp(s->path, path) == 0)
			return s;
	return NULL;
}

static const struct pn_error *
seen_add(struct pn_ignore_reader *r, const char *path, int visible)
{
	size_t len = strlen(path), h = hash(path);
	struct seen *s;

	if ((s = malloc(sizeof(*s) + len + 1)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	memcpy(s->path, path, len + 1);
	s->visible = visible;
	s->next = r->seen[h];
	r->seen[h] = s;
	return NULL;
}

/* How the matcher judges `path`: *excluded, and *maybe whether a `!` pattern after the deciding one may still
 * re-include something below it. Kept apart from the recursion below, so its components are off the stack. */
static const struct pn_error *
judge(const struct pn_ignore *ig, const char *path, int is_dir, int *excluded, int *maybe)
{
	struct span inl[SPLIT_INLINE], *v;
	const struct pn_error *err;
	size_t n, at = 0;

	*excluded = *maybe = 0;
	if ((err = split_path(path, inl, &v, &n)) != NULL)
		return err;
	if (decide(ig, v, n, is_dir, &at) == EXCLUDE) {
		*excluded = 1;
		*maybe = is_dir && inclusion_after(ig, at, v, n);
	}
	if (v != inl)
		free(v);
	return NULL;
}

/* Whether `path` of kind `kind` is in Flux's artifact: not excluded, or a directory holding something that
 * is. For an excluded directory that a later `!` pattern may reach into, the entries below are looked at,
 * recursively, and the answer is kept. */
static const struct pn_error *
visible(struct pn_ignore_reader *r, const char *path, enum pn_tree_kind kind, size_t depth, int *vis)
{
	const struct pn_error *err;
	struct pn_tree_entry *e = NULL;
	int excluded, maybe;
	struct seen *s;
	char *sub = NULL;
	size_t n = 0;

	*vis = 0;
	if ((err = judge(r->ig, path, kind == PN_TREE_DIR, &excluded, &maybe)) != NULL)
		return err;
	if (!excluded) {
		*vis = 1;
		return NULL;
	}
	if (!maybe)
		return NULL;
	if ((s = seen_find(r, path)) != NULL) {
		*vis = s->visible;
		return NULL;
	}
	if (depth > PN_IGNORE_MAX_DEPTH)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "directories nested deeper than %d at %s", PN_IGNORE_MAX_DEPTH,
		    path);
	if (++r->listed > PN_IGNORE_MAX_DIRS)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "more than %d directories searched for re-included files",
		    PN_IGNORE_MAX_DIRS);
	if ((err = r->inner.ops->list(r->inner.ctx, path, &e, &n)) != NULL)
		return err;
	for (size_t i = 0; i < n && !*vis; i++) {
		if ((err = join(path, e[i].name, &sub)) != NULL ||
		    (err = visible(r, sub, e[i].kind, depth + 1, vis)) != NULL)
			goto done;
		free(sub);
		sub = NULL;
	}
	err = seen_add(r, path, *vis);
done:
	free(sub);
	pn_tree_entries_free(e, n);
	return err;
}

static const struct pn_error *
absent(const char *path)
{
	return pn_error_fmt(PN_ERR_NOT_FOUND, "%s does not exist (excluded by the source ignore rules)", path);
}

static const struct pn_error *
ig_stat(void *ctx, const char *path, enum pn_tree_kind *kind)
{
	struct pn_ignore_reader *r = ctx;
	const struct pn_error *err;
	enum pn_tree_kind k;
	int vis;

	if ((err = r->inner.ops->stat(r->inner.ctx, path, &k)) != NULL)
		return err;
	if ((err = visible(r, path, k, 0, &vis)) != NULL)
		return err;
	if (!vis)
		return absent(path);
	*kind = k;
	return NULL;
}

static const struct pn_error *
ig_read(void *ctx, const char *path, struct pn_buf *b)
{
	struct pn_ignore_reader *r = ctx;
	const struct pn_error *err;
	enum pn_tree_kind k;
	int ex_file, ex_dir, vis;

	/* a file is judged as a file, a directory as one: look at the kind only when they differ */
	if ((err = pn_ignore_match(r->ig, path, 0, &ex_file)) != NULL ||
	    (err = pn_ignore_match(r->ig, path, 1, &ex_dir)) != NULL)
		return err;
	if (ex_file || ex_dir) {
		if ((err = r->inner.ops->stat(r->inner.ctx, path, &k)) != NULL)
			return err;
		if ((err = visible(r, path, k, 0, &vis)) != NULL)
			return err;
		if (!vis)
			return absent(path);
	}
	/* what is left (a visible directory, too) is the inner reader's to read or refuse */
	return r->inner.ops->read(r->inner.ctx, path, b);
}

static const struct pn_error *
ig_list(void *ctx, const char *path, struct pn_tree_entry **out, size_t *nout)
{
	struct pn_ignore_reader *r = ctx;
	const struct pn_error *err;
	struct pn_tree_entry *e = NULL;
	size_t n = 0, kept = 0, i;
	char *sub = NULL;
	int vis;

	*out = NULL;
	*nout = 0;
	if ((err = visible(r, path, PN_TREE_DIR, 0, &vis)) != NULL)
		return err;
	if (!vis)
		return absent(path);
	if ((err = r->inner.ops->list(r->inner.ctx, path, &e, &n)) != NULL)
		return err;
	for (i = 0; i < n; i++) {
		if ((err = join(path, e[i].name, &sub)) != NULL || (err = visible(r, sub, e[i].kind, 0, &vis)) != NULL)
			goto done;
		free(sub);
		sub = NULL;
		if (!vis) {
			free(e[i].name);
			continue;
		}
		e[kept++] = e[i];
	}
	*out = e;
	*nout = kept;
	return NULL;
done:
	free(sub);
	/* e[kept..i) were moved down or freed; the kept ones and e[i..n) are still to free */
	for (size_t k = kept; k < i; k++)
		e[k].name = NULL;
	pn_tree_entries_free(e, n);
	return err;
}

static const struct pn_tree_reader_ops ignore_ops = {
	.list = ig_list,
	.read = ig_read,
	.stat = ig_stat,
};

void
pn_ignore_reader(struct pn_ignore_reader *r, struct pn_tree_reader *out)
{
	out->ops = &ignore_ops;
	out->ctx = r;
	out->name = r->inner.name;
}
