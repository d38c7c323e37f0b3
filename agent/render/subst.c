/*
 * postBuild substitution (subst.h). The scanner below keeps the fork's state machine (pos, start, width, mode,
 * escape set, accept function) so that its corner cases come out the same; the parser evaluates each ${...}
 * as soon as it is complete instead of building a tree. The fork parses everything before it evaluates, so
 * the first evaluation error (strict mode) is kept aside and reported only when the whole text parsed.
 */
#include "subst.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml.h"
#include "yamlout.h"

#include "../core/banned.h"

/* ---- the variable set ---- */

void
pn_subst_init(struct pn_subst *s)
{
	memset(s, 0, sizeof(*s));
}

void
pn_subst_release(struct pn_subst *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].value);
	}
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

/* Where name[0..nlen) is in s->v, or would go; *found says which. */
static size_t
find(const struct pn_subst *s, const char *name, size_t nlen, int *found)
{
	size_t lo = 0, hi = s->n;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2, mlen = strlen(s->v[mid].name);
		int c = memcmp(s->v[mid].name, name, mlen < nlen ? mlen : nlen);

		if (c == 0)
			c = (mlen > nlen) - (mlen < nlen);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct pn_error *
pn_subst_set(struct pn_subst *s, const char *name, size_t nlen, const char *value, size_t vlen)
{
	struct pn_subst_var *v;
	char *val;
	size_t at, o = 0;
	int found;

	if (nlen == 0 || memchr(name, '\0', nlen) != NULL)
		return pn_error_fmt(PN_ERR_USAGE, "substitution variable name \"%.*s\" is empty or holds NUL",
		    (int)(nlen < 64 ? nlen : 64), name);
	if (nlen > PN_SUBST_MAX_NAME || vlen > PN_SUBST_MAX_VALUE)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "substitution variable %.*s: name over %d or value over %zu "
		    "bytes", (int)(nlen < 64 ? nlen : 64), name, PN_SUBST_MAX_NAME, PN_SUBST_MAX_VALUE);
	at = find(s, name, nlen, &found);
	if (!found && s->n >= PN_SUBST_MAX_VARS)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "more than %d substitution variables", PN_SUBST_MAX_VARS);
	if ((val = malloc(vlen + 1)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	for (size_t i = 0; i < vlen; i++)
		if (value[i] != '\n')
			val[o++] = value[i];
	val[o] = '\0';
	if (found) {
		free(s->v[at].value);
		s->v[at].value = val;
		s->v[at].len = o;
		return NULL;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap != 0 ? s->cap * 2 : 16;

		if ((v = realloc(s->v, cap * sizeof(*v))) == NULL)
			return free(val), pn_error(PN_ERR_NOMEM);
		s->v = v;
		s->cap = cap;
	}
	v = &s->v[at];
	memmove(v + 1, v, (s->n - at) * sizeof(*v));
	if ((v->name = strndup(name, nlen)) == NULL) {
		memmove(v, v + 1, (s->n - at) * sizeof(*v));
		return free(val), pn_error(PN_ERR_NOMEM);
	}
	v->value = val;
	v->len = o;
	s->n++;
	return NULL;
}

const struct pn_error *
pn_subst_merge(struct pn_subst *dst, const struct pn_subst *src)
{
	const struct pn_error *err = NULL;

	for (size_t i = 0; i < src->n && err == NULL; i++)
		err = pn_subst_set(dst, src->v[i].name, strlen(src->v[i].name), src->v[i].value, src->v[i].len);
	return err;
}

const struct pn_error *
pn_subst_set_arg(struct pn_subst *s, const char *arg, const char *what)
{
	const char *eq = strchr(arg, '=');

	if (eq == NULL || eq == arg)
		return pn_error_fmt(PN_ERR_USAGE, "%s \"%s\": expected KEY=VALUE", what, arg);
	return pn_subst_set(s, arg, (size_t)(eq - arg), eq + 1, strlen(eq + 1));
}

static int
blank(char c)
{
	return c == ' ' || c == '\t';
}

const struct pn_error *
pn_subst_parse_env(struct pn_subst *s, const char *file, const char *data, size_t len)
{
	const struct pn_error *err;
	size_t pos = 0, line = 0;

	if (memchr(data, '\0', len) != NULL)
		return pn_error_fmt(PN_ERR_PARSE, "%s: holds a NUL byte (not a text file)", file);
	while (pos < len) {
		const char *l = data + pos, *nl = memchr(l, '\n', len - pos), *eq;
		size_t n = nl != NULL ? (size_t)(nl - l) : len - pos, k = 0, e;

		pos += n + (nl != NULL);
		line++;
		if (n > 0 && l[n - 1] == '\r')
			n--;
		while (k < n && blank(l[k]))
			k++;
		if (k == n || l[k] == '#')
			continue;
		if ((eq = memchr(l + k, '=', n - k)) == NULL)
			return pn_error_fmt(PN_ERR_PARSE, "%s:%zu: expected KEY=VALUE", file, line);
		for (e = (size_t)(eq - l); e > k && blank(l[e - 1]); e--)
			;
		if (e == k)
			return pn_error_fmt(PN_ERR_PARSE, "%s:%zu: the key before '=' is empty", file, line);
		if ((err = pn_subst_set(s, l + k, e - k, eq + 1, (size_t)(l + n - eq - 1))) != NULL)
			return pn_error_wrap(err, "%s:%zu", file, line);
	}
	return NULL;
}

/* ---- the scanner (the fork's parse/scan.go) ---- */

enum { T_ILLEGAL, T_EOF, T_IDENT, T_LBRACK, T_RBRACK };

#define M_IDENT 1u
#define M_LBRACK 2u
#define M_RBRACK 4u
#define M_ESCAPE 8u
#define E_DOLLAR 1u
#define E_BACKSLASH 2u

/* The fork's parse errors. */
static const char *const perrs[] = {
	"bad substitution",
	"missing closing brace",
	"unable to parse variable name",
	"unable to parse substitution within function",
	"unable to parse default function",
};
enum { BAD, NOBRACE, VARNAME, FUNCSUB, DEFAULT };

typedef int accept_fn(uint32_t r, size_t i);

struct sc {
	const unsigned char *s;
	size_t n, pos, start, width;
	unsigned mode, esc;
	accept_fn *accept;
	const struct pn_subst *vars;
	size_t depth;
	unsigned long steps;
	const struct pn_error *fatal;	/* a limit or out of memory: stops everything */
	const struct pn_error *fail;	/* the first evaluation error: reported once the text parsed */
};

static int acc_rune(uint32_t r, size_t i) { (void)r; (void)i; return 1; }
static int acc_ident(uint32_t r, size_t i)
{
	(void)i;	/* unicode.IsLetter || IsDigit, approximated above ASCII (subst.h) */
	return r == '_' || (r >= '0' && r <= '9') || pn_yamlout_letter(r);
}
static int acc_colon(uint32_t r, size_t i) { (void)i; return r == ':'; }
static int acc_one_hash(uint32_t r, size_t i) { return r == '#' && i == 1; }
static int acc_not_close(uint32_t r, size_t i) { (void)i; return r != '}'; }
static int acc_hash(uint32_t r, size_t i) { return r == '#' && i < 3; }
static int acc_percent(uint32_t r, size_t i) { return r == '%' && i < 3; }
static int acc_default(uint32_t r, size_t i)
{
	return (i == 1 && r == ':') || (i == 2 && (r == '=' || r == '-' || r == '?' || r == '+'));
}
static int acc_replace(uint32_t r, size_t i)
{
	return (i == 1 && r == '/') || (i == 2 && (r == '/' || r == '#' || r == '%'));
}
static int acc_one_equal(uint32_t r, size_t i) { return i == 1 && r == '='; }
static int acc_one_colon(uint32_t r, size_t i) { return i == 1 && r == ':'; }
static int acc_not_colon_close(uint32_t r, size_t i) { (void)i; return r != ':' && r != '}'; }
static int acc_slash(uint32_t r, size_t i) { (void)i; return r == '/'; }
static int acc_not_slash(uint32_t r, size_t i) { (void)i; return r != '/'; }
static int acc_casing(uint32_t r, size_t i) { return (r == ',' || r == '^') && i < 3; }

/* The next rune; 0 (the fork's eof, which a NUL byte also reads as) at the end. */
static uint32_t
rd(struct sc *c)
{
	uint32_t r;
	int valid;

	if (c->pos >= c->n) {
		c->width = 0;
		return 0;
	}
	c->width = pn_yamlout_rune(c->s + c->pos, c->n - c->pos, &r, &valid);
	c->pos += c->width;
	return r;
}

static void
unrd(struct sc *c)
{
	c->pos -= c->width;
}

static uint32_t
peek(struct sc *c)
{
	uint32_t r = rd(c);

	unrd(c);
	return r;
}

/* Append to a token, unless it is not kept (tok NULL) or evaluation already failed. */
static void
put(struct sc *c, struct pn_buf *tok, const unsigned char *p, size_t n)
{
	const struct pn_error *err;

	if (tok != NULL && c->fail == NULL && c->fatal == NULL && (err = pn_buf_add(tok, p, n)) != NULL)
		c->fatal = err;
}

static int
lbrack(struct sc *c, uint32_t r)
{
	if (!(c->mode & M_LBRACK) || r != '$')
		return 0;
	if (rd(c) == '{')
		return 1;
	unrd(c);
	return 0;
}

static int
escaped(struct sc *c, uint32_t r)
{
	uint32_t p;

	if (!(c->mode & M_ESCAPE))
		return 0;
	if (r == '$' && (c->esc & E_DOLLAR) && peek(c) == '$')
		return 1;
	if (r == '\\' && (c->esc & E_BACKSLASH)) {
		p = peek(c);
		return p == '/' || p == '\\';
	}
	return 0;
}

/* The fork's skip(): the escape rune just read is dropped and the one after it (one byte) is taken. */
static void
skip(struct sc *c, struct pn_buf *tok)
{
	put(c, tok, c->s + c->pos, 1);
	c->pos++;
}

static int
ident(struct sc *c, uint32_t r, struct pn_buf *tok)
{
	size_t at = c->start;

	if (!(c->mode & M_IDENT))
		return 0;
	if (escaped(c, r))
		skip(c, tok);
	else if (!c->accept(r, c->pos - c->start))
		return 0;
	else
		put(c, tok, c->s + at, c->pos - at);
	for (;;) {
		at = c->pos;
		r = rd(c);
		if (r == 0) {
			unrd(c);
			break;
		}
		if (lbrack(c, r)) {
			unrd(c);
			unrd(c);
			break;
		}
		if (escaped(c, r)) {
			skip(c, tok);
			continue;
		}
		if (!c->accept(r, c->pos - c->start)) {
			unrd(c);
			break;
		}
		put(c, tok, c->s + at, c->pos - at);
	}
	return 1;
}

static int
scan(struct sc *c, struct pn_buf *tok)
{
	uint32_t r;

	c->start = c->pos;
	r = rd(c);
	if (r == 0)
		return T_EOF;
	if (lbrack(c, r))
		return T_LBRACK;
	if ((c->mode & M_RBRACK) && r == '}')
		return T_RBRACK;
	return ident(c, r, tok) ? T_IDENT : T_ILLEGAL;
}

static const struct pn_error *
perr(const struct sc *c, int which)
{
	size_t line = 1;

	for (size_t i = 0; i < c->start && i < c->n; i++)
		line += c->s[i] == '\n';
	return pn_error_fmt(PN_ERR_PARSE, "%s (line %zu)", perrs[which], line);
}

/* ---- the functions (the fork's funcs.go) ---- */

/* Go's strconv.Atoi: an optional sign and decimal digits that fit an int64. */
static int
go_atoi(const struct pn_buf *b, long long *out)
{
	const char *p = pn_buf_str(b);
	unsigned long long v = 0, lim;
	int neg = *p == '-';

	if (*p == '-' || *p == '+')
		p++;
	if (*p == '\0')
		return -1;
	lim = neg ? (unsigned long long)INT64_MAX + 1 : (unsigned long long)INT64_MAX;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || v > (lim - (unsigned)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
	}
	*out = neg ? (long long)(0 - v) : (long long)v;
	return 0;
}

/* unicode.ToUpper / ToLower for the blocks subst.h lists. */
static uint32_t
to_case(uint32_t r, int upper)
{
	int odd_upper, is_upper;

	if (r < 0x80 || (r >= 0xC0 && r < 0xFF && r != 0xD7 && r != 0xF7 && r != 0xDF) ||
	    (r >= 0x391 && r <= 0x3CB && r != 0x3A2 && r != 0x3C2 && (r <= 0x3AB || r >= 0x3B1)) ||
	    (r >= 0x410 && r <= 0x44F)) {
		if (r < 0x80 && ((r | 0x20) < 'a' || (r | 0x20) > 'z'))
			return r;
		is_upper = r < 0x80 ? r < 'a' : r < 0x100 ? r < 0xE0 : r < 0x400 ? r < 0x3B1 : r < 0x430;
		return upper == is_upper ? r : upper ? r - 0x20 : r + 0x20;
	}
	if (r >= 0x400 && r <= 0x45F)
		return upper ? (r >= 0x450 ? r - 0x50 : r) : (r < 0x410 ? r + 0x50 : r);
	if (r >= 0x100 && r < 0x180) {
		if (r == 0x130 || r == 0x131 || r == 0x178 || r == 0x17F)
			return upper ? (r == 0x131 ? 'I' : r == 0x17F ? 'S' : r) : (r == 0x130 ? 'i' : r == 0x178 ? 0xFF : r);
		odd_upper = (r >= 0x139 && r <= 0x148) || (r >= 0x179 && r <= 0x17E);
		if (!odd_upper && (r == 0x138 || r == 0x149))
			return r;
		is_upper = (r & 1) == (uint32_t)odd_upper;
		return upper == is_upper ? r : upper ? r - 1 : r + 1;
	}
	if (upper)
		return r == 0xFF ? 0x178 : r == 0xB5 ? 0x39C : r == 0x3C2 ? 0x3A3 : r;
	return r;
}

static const struct pn_error *
add_rune(struct pn_buf *b, uint32_t r)
{
	unsigned char u[4];
	size_t n;

	if (r < 0x80) {
		u[0] = (unsigned char)r;
		n = 1;
	} else if (r < 0x800) {
		u[0] = (unsigned char)(0xC0 | r >> 6);
		u[1] = (unsigned char)(0x80 | (r & 0x3F));
		n = 2;
	} else if (r < 0x10000) {
		u[0] = (unsigned char)(0xE0 | r >> 12);
		u[1] = (unsigned char)(0x80 | ((r >> 6) & 0x3F));
		u[2] = (unsigned char)(0x80 | (r & 0x3F));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xF0 | r >> 18);
		u[1] = (unsigned char)(0x80 | ((r >> 12) & 0x3F));
		u[2] = (unsigned char)(0x80 | ((r >> 6) & 0x3F));
		u[3] = (unsigned char)(0x80 | (r & 0x3F));
		n = 4;
	}
	return pn_buf_add(b, u, n);
}

/* ${v^} ${v^^} ${v,} ${v,,}: runes re-encoded, so invalid bytes become U+FFFD (Go's strings.Map). */
static const struct pn_error *
casefold(const unsigned char *s, size_t n, int upper, int all, struct pn_buf *out)
{
	const struct pn_error *err = NULL;
	size_t i = 0, w;
	uint32_t r;
	int valid;

	while (i < n && err == NULL) {
		if (!all && i > 0)
			return pn_buf_add(out, s + i, n - i);
		w = pn_yamlout_rune(s + i, n - i, &r, &valid);
		err = add_rune(out, to_case(r, upper));
		i += w;
	}
	return err;
}

/* Go's strings.Replace(s, old, new, all ? -1 : 1): an empty old matches before every rune and at the end. */
static const struct pn_error *
replace(const char *s, size_t n, const struct pn_buf *old, const char *rep, size_t rn, int all, struct pn_buf *out)
{
	const struct pn_error *err = NULL;
	size_t start = 0, j, w;
	uint32_t r;
	int valid, first = 1;
	const char *hit;

	for (;;) {
		if (old->len == 0) {
			if (!first) {
				if (start >= n)
					break;
				w = pn_yamlout_rune((const unsigned char *)s + start, n - start, &r, &valid);
				if ((err = pn_buf_add(out, s + start, w)) != NULL)
					return err;
				start += w;
			}
		} else {
			if ((hit = memmem(s + start, n - start, old->data, old->len)) == NULL)
				break;
			j = (size_t)(hit - s);
			if ((err = pn_buf_add(out, s + start, j - start)) != NULL)
				return err;
			start = j + old->len;
		}
		if ((err = pn_buf_add(out, rep, rn)) != NULL)
			return err;
		first = 0;
		if (!all)
			break;
	}
	return pn_buf_add(out, s + start, n - start);
}

static int
budget(struct sc *c)
{
	if (++c->steps <= PN_SUBST_MAX_MATCH_STEPS)
		return 1;
	if (c->fatal == NULL)
		c->fatal = pn_error_fmt(PN_ERR_TOO_LARGE, "pattern matching took more than %lu steps",
		    PN_SUBST_MAX_MATCH_STEPS);
	return 0;
}

/* getEsc of the fork's path/match.go: one (possibly escaped) rune of a character class. */
static int
get_esc(const unsigned char **p, size_t *pn, uint32_t *r)
{
	size_t w;
	int valid;

	if (*pn == 0 || **p == '-' || **p == ']')
		return -1;
	if (**p == '\\') {
		(*p)++;
		if (--*pn == 0)
			return -1;
	}
	w = pn_yamlout_rune(*p, *pn, r, &valid);
	*p += w;
	*pn -= w;
	return !valid || *pn == 0 ? -1 : 0;
}

/* matchChunk: 1 and *rest (bytes of s left) when chunk matches the start of s, 0 when not, -1 bad pattern. */
static int
match_chunk(struct sc *c, const unsigned char *p, size_t pn, const unsigned char *s, size_t sn, size_t *rest)
{
	uint32_t r, lo, hi;
	size_t w, nrange;
	int valid, neg, hit;

	while (pn > 0) {
		if (sn == 0 || !budget(c))
			return 0;
		switch (*p) {
		case '[':
			w = pn_yamlout_rune(s, sn, &r, &valid);
			s += w;
			sn -= w;
			p++;
			pn--;
			neg = pn > 0 && *p == '^';
			p += neg;
			pn -= (size_t)neg;
			for (hit = 0, nrange = 0;; nrange++) {
				if (pn > 0 && *p == ']' && nrange > 0) {
					p++;
					pn--;
					break;
				}
				if (get_esc(&p, &pn, &lo) != 0)
					return -1;
				hi = lo;
				if (*p == '-') {
					p++;
					pn--;
					if (get_esc(&p, &pn, &hi) != 0)
						return -1;
				}
				hit |= lo <= r && r <= hi;
			}
			if (hit == neg)
				return 0;
			break;
		case '?':
			w = pn_yamlout_rune(s, sn, &r, &valid);
			s += w;
			sn -= w;
			p++;
			pn--;
			break;
		case '\\':
			p++;
			if (--pn == 0)
				return -1;
			/* fall through */
		default:
			if (*p != *s)
				return 0;
			s++;
			sn--;
			p++;
			pn--;
		}
	}
	*rest = sn;
	return 1;
}

/* The fork's path.Match: 1 match, 0 none, -1 bad pattern. */
static int
match(struct sc *c, const unsigned char *p, size_t pn, const unsigned char *s, size_t sn)
{
	while (pn > 0) {
		const unsigned char *chunk;
		size_t i, cn, rest;
		int star = 0, inrange = 0, ok, next = 0;

		for (; pn > 0 && *p == '*'; p++, pn--)
			star = 1;
		for (i = 0; i < pn; i++) {
			if (p[i] == '\\') {
				if (i + 1 < pn)
					i++;
			} else if (p[i] == '[') {
				inrange = 1;
			} else if (p[i] == ']') {
				inrange = 0;
			} else if (p[i] == '*' && !inrange) {
				break;
			}
		}
		chunk = p;
		cn = i;
		p += i;
		pn -= i;
		if (star && cn == 0)
			return 1;	/* the fork: a trailing * matches the rest, '/' included */
		ok = match_chunk(c, chunk, cn, s, sn, &rest);
		if (ok == 1 && (rest == 0 || pn > 0)) {
			s += sn - rest;
			sn = rest;
			continue;
		}
		if (ok < 0)
			return -1;
		for (i = 0; star && i < sn && !next; i++) {
			ok = match_chunk(c, chunk, cn, s + i + 1, sn - i - 1, &rest);
			if (ok == 1 && !(pn == 0 && rest > 0)) {
				s += sn - rest;
				sn = rest;
				next = 1;
			} else if (ok < 0) {
				return -1;
			}
		}
		if (!next)
			return 0;
	}
	return sn == 0;
}

/* trimShortest / trimLongest: how many leading bytes of s the pattern removes (0: none, or a bad pattern). */
static size_t
trim(struct sc *c, const unsigned char *s, size_t n, const unsigned char *p, size_t pn, int longest)
{
	size_t cut = 0;

	for (size_t i = 0; i < n && c->fatal == NULL; i++) {
		int m = match(c, p, pn, s, n - i);

		if (m < 0)
			return 0;
		if (m == 1) {
			cut = n - i;
			if (longest)
				break;
		}
	}
	return cut;
}

/* The runes of s in reverse order (invalid bytes as U+FFFD: Go's []rune conversion). */
static const struct pn_error *
reverse(const unsigned char *s, size_t n, struct pn_buf *out)
{
	const struct pn_error *err = NULL;
	size_t i = n, w;
	uint32_t r;
	int valid;

	while (i > 0 && err == NULL) {
		/* the rune that ends at i starts at most 4 bytes before it */
		size_t k = i > 4 ? i - 4 : 0;

		for (;; k++) {
			w = pn_yamlout_rune(s + k, i - k, &r, &valid);
			if (k + w == i && (valid || k == i - 1))
				break;
		}
		err = valid ? pn_buf_add(out, s + k, w) : add_rune(out, r);
		i = k;
	}
	return err;
}

/* ${v#p} ${v##p} ${v%p} ${v%%p} */
static const struct pn_error *
trim_func(struct sc *c, const char *v, size_t vlen, const struct pn_buf *pat, int suffix, int longest,
    struct pn_buf *out)
{
	const struct pn_error *err = NULL;
	struct pn_buf rv, rp, keep;
	const unsigned char *s = (const unsigned char *)v;
	size_t cut;

	if (!suffix) {
		cut = trim(c, s, vlen, (const unsigned char *)pn_buf_str(pat), pat->len, longest);
		return c->fatal != NULL ? c->fatal : pn_buf_add(out, v + cut, vlen - cut);
	}
	pn_buf_init(&rv, PN_SUBST_MAX_OBJECT, "substitution");
	pn_buf_init(&rp, PN_SUBST_MAX_OBJECT, "substitution");
	pn_buf_init(&keep, PN_SUBST_MAX_OBJECT, "substitution");
	if ((err = reverse(s, vlen, &rv)) == NULL && (err = reverse((const unsigned char *)pn_buf_str(pat), pat->len,
	    &rp)) == NULL) {
		cut = trim(c, (const unsigned char *)pn_buf_str(&rv), rv.len, (const unsigned char *)pn_buf_str(&rp),
		    rp.len, longest);
		if ((err = c->fatal) == NULL && (err = pn_buf_add(&keep, pn_buf_str(&rv) + cut, rv.len - cut)) == NULL)
			err = reverse((const unsigned char *)pn_buf_str(&keep), keep.len, out);
	}
	pn_buf_release(&rv);
	pn_buf_release(&rp);
	pn_buf_release(&keep);
	return err;
}

/* ${v:pos} ${v:pos:len} */
static const struct pn_error *
substr(struct sc *c, const char *v, size_t vlen, const struct pn_buf *a, int nargs, struct pn_buf *out)
{
	long long pos, len, end, n = (long long)vlen;

	if (go_atoi(&a[0], &pos) != 0)
		return pn_buf_add(out, v, vlen);
	if (pos < 0 && (pos += n) < 0)
		pos = 0;
	if (nargs == 1)
		return pos < n ? pn_buf_add(out, v + pos, (size_t)(n - pos)) : NULL;
	if (go_atoi(&a[1], &len) != 0)
		return pn_buf_add(out, v, vlen);
	if (!__builtin_add_overflow(pos, len, &end) && end >= n)
		return pos < n ? pn_buf_add(out, v + pos, (size_t)(n - pos)) : NULL;
	if (len < 0 || end < pos) {
		if (c->fail == NULL)
			c->fail = pn_error_fmt(PN_ERR_PARSE, "substring %lld:%lld is out of range (Go panics: slice "
			    "bounds out of range)", pos, len);
		return NULL;
	}
	return pn_buf_add(out, v + pos, (size_t)len);
}

/* The fork's isDefaultOp: these forms handle an unset variable themselves. */
static int
default_op(const char *op)
{
	return strcmp(op, "=") == 0 || strcmp(op, ":=") == 0 || strcmp(op, ":-") == 0 || strcmp(op, ":?") == 0 ||
	    strcmp(op, ":+") == 0;
}

/* evalFunc: the arguments are evaluated (a[0..nargs)), now look up the variable and apply op. */
static const struct pn_error *
eval(struct sc *c, const struct pn_buf *name, const struct pn_buf *opb, struct pn_buf *a, int nargs,
    struct pn_buf *out)
{
	const struct pn_error *err;
	const char *op = pn_buf_str(opb), *v = "";
	size_t vlen = 0, at;
	int found;

	if (c->fail != NULL)
		return NULL;
	at = find(c->vars, pn_buf_str(name), name->len, &found);
	if (found) {
		v = c->vars->v[at].value;
		vlen = c->vars->v[at].len;
	} else if (c->vars->strict && !default_op(op)) {
		c->fail = pn_error_fmt(PN_ERR_NOT_FOUND, "variable not set (strict mode): \"%s\"", pn_buf_str(name));
		return NULL;
	}
	if ((op[0] == ',' || op[0] == '^') && (op[1] == '\0' || op[1] == op[0]))
		return casefold((const unsigned char *)v, vlen, op[0] == '^', op[1] != '\0', out);
	if (strcmp(op, "#") == 0 && nargs == 0)
		return pn_buf_addf(out, "%zu", vlen);
	if (op[0] == '#' || op[0] == '%')
		return trim_func(c, v, vlen, &a[0], op[0] == '%', op[1] != '\0', out);
	if (strcmp(op, ":") == 0)
		return substr(c, v, vlen, a, nargs, out);
	if (op[0] == '/') {
		size_t olen = a[0].len;

		if (op[1] == '/' || op[1] == '\0')
			return replace(v, vlen, &a[0], nargs > 1 ? a[1].data : "", nargs > 1 ? a[1].len : 0, op[1] == '/',
			    out);
		if (nargs != 2 || olen > vlen ||
		    memcmp(op[1] == '#' ? v : v + vlen - olen, pn_buf_str(&a[0]), olen) != 0)
			return pn_buf_add(out, v, vlen);
		if (op[1] == '#') {
			if ((err = pn_buf_add(out, a[1].data, a[1].len)) != NULL)
				return err;
			return pn_buf_add(out, v + olen, vlen - olen);
		}
		if ((err = pn_buf_add(out, v, vlen - olen)) != NULL)
			return err;
		return pn_buf_add(out, a[1].data, a[1].len);
	}
	/* toDefault: every other form */
	if (vlen == 0 && nargs > 0)
		return pn_buf_add(out, a[0].data, a[0].len);
	return pn_buf_add(out, v, vlen);
}

/* ---- the parser (the fork's parse/parse.go), evaluating as it goes ---- */

static const struct pn_error *func(struct sc *c, struct pn_buf *out);

/* parseParam: one argument, text or a nested ${...}, appended to arg. */
static const struct pn_error *
param(struct sc *c, accept_fn *accept, unsigned mode, struct pn_buf *arg)
{
	int t;

	c->accept = accept;
	c->mode = mode | M_LBRACK;
	t = scan(c, arg);
	if (t == T_LBRACK)
		return func(c, arg);
	return t == T_IDENT ? c->fatal : perr(c, FUNCSUB);
}

static const struct pn_error *
rbrack(struct sc *c)
{
	c->mode = M_RBRACK;
	return scan(c, NULL) == T_RBRACK ? NULL : perr(c, BAD);
}

/* One ${...} after its "${": parsed, then evaluated into out. */
static const struct pn_error *
func(struct sc *c, struct pn_buf *out)
{
	const struct pn_error *err = NULL;
	struct pn_buf name, op, a[2];
	int nargs = 0, t;
	uint32_t r;

	pn_buf_init(&name, PN_SUBST_MAX_OBJECT, "substitution");
	pn_buf_init(&op, PN_SUBST_MAX_OBJECT, "substitution");
	pn_buf_init(&a[0], PN_SUBST_MAX_OBJECT, "substitution");
	pn_buf_init(&a[1], PN_SUBST_MAX_OBJECT, "substitution");
	if (++c->depth > PN_SUBST_MAX_DEPTH) {
		err = pn_error_fmt(PN_ERR_TOO_LARGE, "${...} nested more than %d deep", PN_SUBST_MAX_DEPTH);
		goto done;
	}
	c->esc = E_DOLLAR | E_BACKSLASH;
	c->mode = M_IDENT;
	if (peek(c) == '#') {	/* ${#name} */
		c->accept = acc_one_hash;
		if (scan(c, &op) != T_IDENT)
			goto bad;
		c->accept = acc_ident;
		if (scan(c, &name) != T_IDENT)
			goto bad;
		goto close;
	}
	c->accept = acc_ident;
	if (scan(c, &name) != T_IDENT) {
		err = perr(c, VARNAME);
		goto done;
	}
	switch ((r = peek(c))) {
	case ':':
		rd(c);
		r = peek(c);
		unrd(c);
		if (r == '=' || r == '-' || r == '?' || r == '+')
			goto deflt;
		/* ${name:pos} ${name:pos:len} */
		c->accept = acc_one_colon;
		c->mode = M_IDENT;
		if (scan(c, &op) != T_IDENT)
			goto bad;
		if ((err = param(c, acc_not_colon_close, M_IDENT, &a[nargs++])) != NULL)
			goto done;
		c->accept = acc_colon;
		c->mode = M_IDENT | M_RBRACK;
		if ((t = scan(c, NULL)) == T_RBRACK)
			goto eval;
		if (t != T_IDENT)
			goto bad;
		if ((err = param(c, acc_not_close, M_IDENT, &a[nargs++])) != NULL)
			goto done;
		goto close;
	case '=':
	deflt:
		/* ${name=d} ${name:=d} ${name:-d} ${name:?d} ${name:+d}: every argument concatenated */
		c->accept = peek(c) == '=' ? acc_one_equal : acc_default;
		c->mode = M_IDENT;
		if (scan(c, &op) != T_IDENT) {
			err = perr(c, DEFAULT);
			goto done;
		}
		for (; peek(c) != '}'; nargs = 1)
			if ((err = param(c, acc_not_close, M_IDENT, &a[0])) != NULL)
				goto done;
		goto close;
	case ',':
	case '^':
		c->accept = acc_casing;
		if (scan(c, &op) != T_IDENT)
			goto bad;
		goto close;
	case '/':
		c->accept = acc_replace;
		if (scan(c, &op) != T_IDENT)
			goto bad;
		if ((err = param(c, acc_not_slash, M_IDENT | M_ESCAPE, &a[nargs++])) != NULL)
			goto done;
		c->accept = acc_slash;
		c->mode = M_IDENT;
		if (scan(c, NULL) != T_IDENT)
			goto bad;
		if (peek(c) != '}' && (err = param(c, acc_not_close, M_IDENT | M_ESCAPE, &a[nargs++])) != NULL)
			goto done;
		goto close;
	case '#':
	case '%':
		c->accept = r == '#' ? acc_hash : acc_percent;
		if (scan(c, &op) != T_IDENT)
			goto bad;
		if ((err = param(c, acc_not_close, M_IDENT, &a[nargs++])) != NULL)
			goto done;
		goto close;
	}
	c->mode = M_RBRACK;
	if (scan(c, NULL) != T_RBRACK) {
		err = perr(c, NOBRACE);
		goto done;
	}
	goto eval;
bad:
	err = perr(c, BAD);
	goto done;
close:
	if ((err = rbrack(c)) != NULL)
		goto done;
eval:
	if (c->fatal == NULL)
		err = eval(c, &name, &op, a, nargs, out);
done:
	c->depth--;
	pn_buf_release(&name);
	pn_buf_release(&op);
	pn_buf_release(&a[0]);
	pn_buf_release(&a[1]);
	return err != NULL ? err : c->fatal;
}

const struct pn_error *
pn_subst_eval(const struct pn_subst *s, const char *text, size_t len, struct pn_buf *out)
{
	const struct pn_error *err = NULL;
	struct sc c = {0};
	struct pn_buf tmp;
	int t;

	c.s = (const unsigned char *)text;
	c.n = len;
	c.vars = s;
	pn_buf_init(&tmp, PN_SUBST_MAX_OBJECT, "substituted object");
	/* parseAny */
	for (;;) {
		c.accept = acc_rune;
		c.mode = M_IDENT | M_LBRACK | M_ESCAPE;
		c.esc = E_DOLLAR;
		t = scan(&c, &tmp);
		if (c.fatal != NULL) {
			err = c.fatal;
			break;
		}
		if (t == T_EOF)
			break;
		if (t != T_IDENT && (err = t == T_LBRACK ? func(&c, &tmp) : perr(&c, BAD)) != NULL)
			break;
	}
	if (err == NULL)
		err = c.fail;
	if (err == NULL)
		err = pn_buf_add(out, tmp.data, tmp.len);
	pn_buf_release(&tmp);
	return err;
}

/* ---- one object ---- */

/* "apps/v1 Deployment ns/name" for messages. */
static void
obj_id(const cJSON *o, char *buf, size_t cap)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(o, "metadata");
	const char *av = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "apiVersion"));
	const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "kind"));
	const char *ns = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(md, "namespace"));
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(md, "name"));

	snprintf(buf, cap, "%s %s %s%s%s", av != NULL ? av : "?", kind != NULL ? kind : "?", ns != NULL ? ns : "",
	    ns != NULL ? "/" : "", name != NULL ? name : "?");
}

static int
disabled(const cJSON *md, const char *field)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(md, field), PN_SUBST_ANNOTATION));

	return v != NULL && strcmp(v, "disabled") == 0;
}

/* Flux's varsubRegex. */
static int
valid_name(const char *s)
{
	if (*s != '_' && ((*s | 0x20) < 'a' || (*s | 0x20) > 'z'))
		return 0;
	for (s++; *s != '\0'; s++)
		if (*s != '_' && (*s < '0' || *s > '9') && ((*s | 0x20) < 'a' || (*s | 0x20) > 'z'))
			return 0;
	return 1;
}

const struct pn_error *
pn_subst_object(const struct pn_subst *s, cJSON **obj)
{
	const struct pn_error *err = NULL;
	const cJSON *md;
	struct pn_yaml_limits lim;
	struct pn_yaml_docs docs = {0};
	struct pn_buf text, out;
	char id[PN_ERROR_MSG_MAX / 2];

	if (s == NULL || (s->n == 0 && !s->always))
		return NULL;
	md = cJSON_GetObjectItemCaseSensitive(*obj, "metadata");
	if (disabled(md, "labels") || disabled(md, "annotations"))
		return NULL;
	obj_id(*obj, id, sizeof(id));
	for (size_t i = 0; i < s->n; i++)
		if (!valid_name(s->v[i].name))
			return pn_error_fmt(PN_ERR_USAGE, "%s: '%s' var name is invalid, must match '%s'", id, s->v[i].name,
			    PN_SUBST_NAME_REGEX);
	pn_buf_init(&text, PN_SUBST_MAX_OBJECT, "object before substitution");
	pn_buf_init(&out, PN_SUBST_MAX_OBJECT, "object after substitution");
	if ((err = pn_yamlout_doc(*obj, &text)) != NULL ||
	    (err = pn_subst_eval(s, pn_buf_str(&text), text.len, &out)) != NULL) {
		err = pn_error_wrap(err, "%s: variable substitution failed", id);
		goto done;
	}
	pn_yaml_limits_init(&lim);
	lim.goyaml_v2 = 1;
	if ((err = pn_yaml_parse(id, pn_buf_str(&out), out.len, &lim, &docs)) != NULL) {
		err = pn_error_wrap(err, "after substitution");
		goto done;
	}
	if (docs.n != 1 || !cJSON_IsObject(docs.v[0].root)) {
		err = pn_error_fmt(PN_ERR_PARSE, "%s: after substitution the object is not one YAML mapping", id);
		goto done;
	}
	cJSON_Delete(*obj);
	*obj = docs.v[0].root;
	docs.v[0].root = NULL;
done:
	pn_yaml_docs_release(&docs);
	pn_buf_release(&text);
	pn_buf_release(&out);
	return err;
}
