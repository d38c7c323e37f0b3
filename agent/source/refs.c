/* Ref kinds and semver ranges (refs.h). The semver rules are Masterminds/semver v3's (constraints.go,
 * version.go), written anew from their documented behaviour. */
#include "refs.h"

#include <stdio.h>
#include <string.h>

#include "../core/banned.h"

#define TAGS_PREFIX "refs/tags/"
#define HEADS_PREFIX "refs/heads/"

/* ---- versions -------------------------------------------------------------------------------------------- */

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_ident_char(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

/* Digits [p, end) as a number; 0 when there are none or they overflow. */
static int
number(const char *p, const char *end, uint64_t *out)
{
	uint64_t v = 0;

	if (p == end)
		return 0;
	for (; p < end; p++) {
		if (!is_digit(*p) || __builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(*p - '0'),
		    &v))
			return 0;
	}
	*out = v;
	return 1;
}

/* Dot-separated identifiers of [0-9A-Za-z-], none empty; numeric ones without leading zeros when `strict`. */
static int
idents_ok(const char *p, const char *end, int strict)
{
	const char *s = p;

	if (p == end)
		return 0;
	for (; p <= end; p++) {
		if (p == end || *p == '.') {
			if (p == s)
				return 0;
			if (strict && p - s > 1 && *s == '0') {
				const char *q = s;

				while (q < p && is_digit(*q))
					q++;
				if (q == p)
					return 0;
			}
			s = p + 1;
		} else if (!is_ident_char(*p)) {
			return 0;
		}
	}
	return 1;
}

/* "-pre" and "+meta" at [p, end): the pre-release into v->pre. */
static int
suffix(const char *p, const char *end, struct pn_semver *v)
{
	const char *plus = memchr(p, '+', (size_t)(end - p));
	const char *pre_end = plus != NULL ? plus : end;

	v->pre[0] = '\0';
	if (plus != NULL && !idents_ok(plus + 1, end, 0))
		return 0;
	if (p == pre_end)
		return 1;
	if (*p != '-' || !idents_ok(p + 1, pre_end, 1) || (size_t)(pre_end - p - 1) > PN_SEMVER_PRE_MAX)
		return 0;
	memcpy(v->pre, p + 1, (size_t)(pre_end - p - 1));
	v->pre[pre_end - p - 1] = '\0';
	return 1;
}

const struct pn_error *
pn_semver_parse(const char *s, size_t len, struct pn_semver *out)
{
	const char *p = s, *end = s + len, *q;
	uint64_t *parts[3] = {&out->major, &out->minor, &out->patch};

	memset(out, 0, sizeof(*out));
	if (p < end && *p == 'v')
		p++;
	for (int i = 0; i < 3; i++) {
		if (i > 0) {
			if (p == end || *p != '.')
				break;
			p++;
		}
		for (q = p; q < end && is_digit(*q); q++)
			;
		if (!number(p, q, parts[i]))
			return pn_error_fmt(PN_ERR_PARSE, "\"%.*s\" is not a semantic version", (int)len, s);
		p = q;
	}
	if (!suffix(p, end, out))
		return pn_error_fmt(PN_ERR_PARSE, "\"%.*s\" is not a semantic version", (int)len, s);
	return NULL;
}

/* "99" < "103" as numbers; numbers below words; words by bytes; a missing part lowest. */
static int
pre_part_cmp(const char *s, size_t sl, const char *o, size_t ol)
{
	uint64_t sv = 0, ov = 0;
	int sn, on;

	if (sl == ol && memcmp(s, o, sl) == 0)
		return 0;
	if (sl == 0)
		return -1;
	if (ol == 0)
		return 1;
	sn = number(s, s + sl, &sv);
	on = number(o, o + ol, &ov);
	if (!sn && !on) {
		int c = memcmp(s, o, sl < ol ? sl : ol);

		return c != 0 ? c : (sl < ol ? -1 : 1);
	}
	if (!on)
		return -1;
	if (!sn)
		return 1;
	return sv < ov ? -1 : sv > ov ? 1 : 0;
}

static int
pre_cmp(const char *a, const char *b)
{
	while (*a != '\0' || *b != '\0') {
		size_t al = strcspn(a, "."), bl = strcspn(b, ".");
		int c = pre_part_cmp(a, al, b, bl);

		if (c != 0)
			return c;
		a += al + (a[al] == '.');
		b += bl + (b[bl] == '.');
	}
	return 0;
}

static int
u64_cmp(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b ? 1 : 0;
}

int
pn_semver_cmp(const struct pn_semver *a, const struct pn_semver *b)
{
	int c;

	if ((c = u64_cmp(a->major, b->major)) != 0 || (c = u64_cmp(a->minor, b->minor)) != 0 ||
	    (c = u64_cmp(a->patch, b->patch)) != 0)
		return c;
	if (a->pre[0] == '\0' || b->pre[0] == '\0')
		return a->pre[0] == b->pre[0] ? 0 : a->pre[0] == '\0' ? 1 : -1;
	return pre_cmp(a->pre, b->pre);
}

/* ---- ranges ---------------------------------------------------------------------------------------------- */

static const struct {
	const char *text;
	enum pn_semver_op op;
} ops[] = {
	/* two-character operators first */
	{"!=", PN_SEMVER_NE}, {">=", PN_SEMVER_GE}, {"=>", PN_SEMVER_GE}, {"<=", PN_SEMVER_LE},
	{"=<", PN_SEMVER_LE}, {"~>", PN_SEMVER_TILDE}, {"=", PN_SEMVER_EQ}, {">", PN_SEMVER_GT},
	{"<", PN_SEMVER_LT}, {"~", PN_SEMVER_TILDE}, {"^", PN_SEMVER_CARET},
};

static int
is_x(const char *p, const char *end)
{
	return end - p == 1 && (*p == 'x' || *p == 'X' || *p == '*');
}

/* A constraint's version [p, end): parts may be missing or x, X or "*", which makes the term "dirty". */
static int
term_version(const char *p, const char *end, struct pn_semver_term *t)
{
	const char *part[3] = {NULL, NULL, NULL}, *part_end[3] = {NULL, NULL, NULL}, *q;
	uint64_t *num[3] = {&t->con.major, &t->con.minor, &t->con.patch};
	int n = 0;

	memset(&t->con, 0, sizeof(t->con));
	if (p < end && *p == 'v')
		p++;
	while (n < 3) {
		if (n > 0) {
			if (p == end || *p != '.')
				break;
			p++;
		}
		for (q = p; q < end && *q != '.' && *q != '-' && *q != '+'; q++)
			;
		if (!is_x(p, q)) {
			uint64_t v;

			if (!number(p, q, &v))
				return 0;
		}
		part[n] = p;
		part_end[n++] = q;
		p = q;
	}
	if (n == 0 || !suffix(p, end, &t->con))
		return 0;
	t->dirty = t->minor_dirty = t->patch_dirty = 0;
	if (is_x(part[0], part_end[0])) {
		t->dirty = 1;
		return 1;
	}
	(void)number(part[0], part_end[0], num[0]);
	if (n < 2 || is_x(part[1], part_end[1])) {
		t->dirty = t->minor_dirty = 1;
		return 1;
	}
	(void)number(part[1], part_end[1], num[1]);
	if (n < 3 || is_x(part[2], part_end[2])) {
		t->dirty = t->patch_dirty = 1;
		return 1;
	}
	(void)number(part[2], part_end[2], num[2]);
	return 1;
}

static int
is_sep(char c)
{
	return c == ' ' || c == '\t' || c == ',';
}

/* The next token of [*p, end): a run without separators. */
static int
token(const char **p, const char *end, const char **start, const char **stop)
{
	while (*p < end && is_sep(**p))
		(*p)++;
	if (*p == end)
		return 0;
	*start = *p;
	while (*p < end && !is_sep(**p))
		(*p)++;
	*stop = *p;
	return 1;
}

static const struct pn_error *
bad_range(const char *s, const char *why)
{
	return pn_error_fmt(PN_ERR_USAGE, "bad semver range \"%.*s\": %s", PN_SEMVER_RANGE_MAX, s, why);
}

/* One alternative [p, end): constraints separated by spaces or commas; "A - B" is ">= A, <= B". */
static const struct pn_error *
parse_group(const char *s, const char *p, const char *end, struct pn_semver_range *r)
{
	size_t g = r->ngroups, *n = &r->nterms[g];
	const char *a, *b;

	while (token(&p, end, &a, &b)) {
		struct pn_semver_term *t;
		enum pn_semver_op op = PN_SEMVER_EQ;
		const char *save, *c, *d;

		for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
			size_t ol = strlen(ops[i].text);

			if ((size_t)(b - a) >= ol && memcmp(a, ops[i].text, ol) == 0) {
				op = ops[i].op;
				a += ol;
				break;
			}
		}
		/* the operator alone: its version is the next token */
		if (a == b && !token(&p, end, &a, &b))
			return bad_range(s, "an operator without a version");
		if (*n >= PN_SEMVER_AND_MAX)
			return bad_range(s, "too many constraints");
		t = &r->terms[g][(*n)++];
		t->op = op;
		if (!term_version(a, b, t))
			return bad_range(s, "not a version");
		/* a hyphen range: "A - B" */
		save = p;
		if (op == PN_SEMVER_EQ && b < end && token(&p, end, &c, &d) && d - c == 1 && *c == '-') {
			if (!token(&p, end, &c, &d))
				return bad_range(s, "a hyphen range without its upper end");
			t->op = PN_SEMVER_GE;
			if (*n >= PN_SEMVER_AND_MAX)
				return bad_range(s, "too many constraints");
			t = &r->terms[g][(*n)++];
			t->op = PN_SEMVER_LE;
			if (!term_version(c, d, t))
				return bad_range(s, "not a version");
		} else {
			p = save;
		}
	}
	if (*n == 0)
		return bad_range(s, "an empty alternative");
	for (size_t i = 0; i < *n; i++)
		if (r->terms[g][i].con.pre[0] != '\0')
			r->has_pre[g] = 1;
	r->ngroups++;
	return NULL;
}

const struct pn_error *
pn_semver_range_parse(const char *s, struct pn_semver_range *out)
{
	const char *p = s, *end, *bar;
	const struct pn_error *err;
	size_t len = strlen(s);

	memset(out, 0, sizeof(*out));
	if (len > PN_SEMVER_RANGE_MAX)
		return pn_error_fmt(PN_ERR_USAGE, "semver range longer than %d bytes", PN_SEMVER_RANGE_MAX);
	end = s + len;
	for (;;) {
		bar = strstr(p, "||");
		if (out->ngroups >= PN_SEMVER_OR_MAX)
			return bad_range(s, "too many alternatives");
		if ((err = parse_group(s, p, bar != NULL ? bar : end, out)) != NULL)
			return err;
		if (bar == NULL)
			return NULL;
		p = bar + 2;
	}
}

static int
term_tilde(const struct pn_semver_term *t, const struct pn_semver *v)
{
	if (pn_semver_cmp(v, &t->con) < 0)
		return 0;
	/* ~0.0.0 (and *) accept everything */
	if (t->con.major == 0 && t->con.minor == 0 && t->con.patch == 0 && !t->minor_dirty && !t->patch_dirty)
		return 1;
	if (v->major != t->con.major)
		return 0;
	return v->minor == t->con.minor || t->minor_dirty;
}

static int
term_caret(const struct pn_semver_term *t, const struct pn_semver *v)
{
	if (pn_semver_cmp(v, &t->con) < 0)
		return 0;
	if (t->con.major > 0 || t->minor_dirty)
		return v->major == t->con.major;
	if (v->major > 0)
		return 0;
	if (t->con.minor > 0 || t->patch_dirty)
		return v->minor == t->con.minor;
	if (v->minor > 0)
		return 0;
	return v->patch == t->con.patch;
}

static int
term_ne(const struct pn_semver_term *t, const struct pn_semver *v)
{
	if (t->dirty) {
		if (t->con.major != v->major)
			return 1;
		if (t->minor_dirty)
			return 0;
		if (t->con.minor != v->minor)
			return 1;
		if (!t->patch_dirty && t->con.patch != v->patch)
			return 1;
		if (t->patch_dirty) {
			if (v->pre[0] != '\0' || t->con.pre[0] != '\0')
				return pre_cmp(v->pre, t->con.pre) != 0;
			return 0;
		}
	}
	return pn_semver_cmp(v, &t->con) != 0;
}

static int
term_match(const struct pn_semver_term *t, const struct pn_semver *v, int include_pre)
{
	if (v->pre[0] != '\0' && !include_pre)
		return 0;
	switch (t->op) {
	case PN_SEMVER_EQ:
		return t->dirty ? term_tilde(t, v) : pn_semver_cmp(v, &t->con) == 0;
	case PN_SEMVER_NE:
		return term_ne(t, v);
	case PN_SEMVER_GT:
		if (!t->dirty || v->major != t->con.major)
			return t->dirty ? v->major > t->con.major : pn_semver_cmp(v, &t->con) > 0;
		if (t->minor_dirty)
			return 0;	/* >11 wants 12 or higher */
		if (t->patch_dirty)
			return v->minor > t->con.minor;
		return pn_semver_cmp(v, &t->con) > 0;
	case PN_SEMVER_LT:
		return pn_semver_cmp(v, &t->con) < 0;
	case PN_SEMVER_GE:
		return pn_semver_cmp(v, &t->con) >= 0;
	case PN_SEMVER_LE:
		if (!t->dirty)
			return pn_semver_cmp(v, &t->con) <= 0;
		if (v->major > t->con.major)
			return 0;
		return !(v->major == t->con.major && v->minor > t->con.minor && !t->minor_dirty);
	case PN_SEMVER_TILDE:
		return term_tilde(t, v);
	case PN_SEMVER_CARET:
		return term_caret(t, v);
	}
	return 0;
}

int
pn_semver_range_match(const struct pn_semver_range *r, const struct pn_semver *v)
{
	for (size_t g = 0; g < r->ngroups; g++) {
		size_t i;

		for (i = 0; i < r->nterms[g]; i++)
			if (!term_match(&r->terms[g][i], v, r->has_pre[g]))
				break;
		if (i == r->nterms[g])
			return 1;
	}
	return 0;
}

/* ---- ref kinds ------------------------------------------------------------------------------------------- */

static const struct pn_error *
full_ref(struct pn_refs_spec *spec, const char *prefix, const char *value, const char *flag)
{
	int n = snprintf(spec->refname, sizeof(spec->refname), "%s%s", prefix, value);

	if (n < 0 || (size_t)n >= sizeof(spec->refname))
		return pn_error_fmt(PN_ERR_USAGE, "%s: longer than %d bytes", flag, PN_UPLOAD_REFNAME_MAX);
	return NULL;
}

const struct pn_error *
pn_refs_spec_init(struct pn_refs_spec *spec, const char *branch, const char *tag, const char *semver,
    const char *name, const char *commit)
{
	memset(spec, 0, sizeof(*spec));
	if (commit != NULL) {
		spec->kind = PN_REFS_COMMIT;
		spec->value = commit;
		if (strlen(commit) != PN_OID_SHA1_LEN * 2 || strspn(commit, "0123456789abcdef") != strlen(commit) ||
		    pn_oid_from_hex(commit, strlen(commit), &spec->commit) != NULL)
			return pn_error_fmt(PN_ERR_USAGE, "--commit \"%.64s\": a full commit id (40 lower-case hex "
			    "digits)", commit);
		if (branch != NULL && branch[0] != '\0')
			spec->branch = branch;
		return NULL;
	}
	if (name != NULL) {
		spec->kind = PN_REFS_NAME;
		spec->value = name;
		if (strncmp(name, "refs/", 5) != 0)
			return pn_error_fmt(PN_ERR_USAGE, "--ref \"%.64s\": a full ref name (refs/...)", name);
		return full_ref(spec, "", name, "--ref");
	}
	if (semver != NULL) {
		spec->kind = PN_REFS_SEMVER;
		spec->value = semver;
		return pn_semver_range_parse(semver, &spec->range);
	}
	if (tag != NULL) {
		spec->kind = PN_REFS_TAG;
		spec->value = tag;
		if (tag[0] == '\0' || strncmp(tag, "refs/", 5) == 0)
			return pn_error_fmt(PN_ERR_USAGE, "--tag \"%.64s\": a tag name (v1.2.3), not a ref", tag);
		return full_ref(spec, TAGS_PREFIX, tag, "--tag");
	}
	if (branch == NULL || branch[0] == '\0')
		return pn_error_fmt(PN_ERR_USAGE, "one of --branch, --tag, --semver, --ref or --commit is needed");
	spec->kind = PN_REFS_BRANCH;
	spec->value = branch;
	return NULL;
}

void
pn_refs_upload_options(const struct pn_refs_spec *spec, struct pn_upload_options *opt)
{
	opt->branch = spec->kind == PN_REFS_BRANCH ? spec->value : spec->kind == PN_REFS_COMMIT ? spec->branch : NULL;
	opt->ref = spec->kind == PN_REFS_TAG || spec->kind == PN_REFS_NAME ? spec->refname : NULL;
}

const struct pn_error *
pn_refs_spec_describe(const struct pn_refs_spec *spec, char *buf, size_t len)
{
	static const char *const kinds[] = {"", "branch", "tag", "semver", "ref", "commit"};
	int n;

	if (spec->kind == PN_REFS_BRANCH)
		n = snprintf(buf, len, "%s", spec->value);
	else if (spec->kind == PN_REFS_COMMIT && spec->branch != NULL)
		n = snprintf(buf, len, "commit %s branch %s", spec->value, spec->branch);
	else
		n = snprintf(buf, len, "%s %s", kinds[spec->kind], spec->value);
	if (n < 0 || (size_t)n >= len)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s \"%.64s\" too long", kinds[spec->kind], spec->value);
	return NULL;
}

void
pn_refs_pick_init(struct pn_refs_pick *p, const struct pn_semver_range *range)
{
	memset(p, 0, sizeof(*p));
	p->range = range;
}

const struct pn_error *
pn_refs_pick_ref(void *ctx, const char *name, const struct pn_oid *oid, int peeled)
{
	struct pn_refs_pick *p = ctx;
	const char *tag;
	struct pn_semver v;

	if (strncmp(name, TAGS_PREFIX, strlen(TAGS_PREFIX)) != 0)
		return NULL;
	tag = name + strlen(TAGS_PREFIX);
	if (peeled) {
		/* an annotated tag's commit: only the best one's matters */
		if (p->last_was_best && strcmp(tag, p->name) == 0)
			p->oid = *oid;
		return NULL;
	}
	p->last_was_best = 0;
	if (pn_semver_parse(tag, strlen(tag), &v) != NULL || !pn_semver_range_match(p->range, &v))
		return NULL;
	/* ties (v1.0.0 and 1.0.0) keep the first seen */
	if (p->found && pn_semver_cmp(&v, &p->best) <= 0)
		return NULL;
	if (strlen(tag) >= sizeof(p->name))
		return NULL;
	p->best = v;
	memcpy(p->name, tag, strlen(tag) + 1);
	p->oid = *oid;
	p->found = 1;
	p->last_was_best = 1;
	return NULL;
}

static const struct pn_error *
set_name(char *buf, size_t len, const char *name)
{
	size_t n = strlen(name);

	if (n >= len)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "ref name \"%.64s...\" too long", name);
	memcpy(buf, name, n + 1);
	return NULL;
}

const struct pn_error *
pn_refs_resolve(const struct pn_refs_spec *spec, struct pn_upload *u, struct pn_oid *tip, char *name,
    size_t len)
{
	const struct pn_error *err;
	struct pn_refs_pick pick;

	switch (spec->kind) {
	case PN_REFS_COMMIT:
		if (spec->branch != NULL && (err = pn_upload_ls_ref(u, &pick.oid)) != NULL)
			return err;	/* the branch must exist (its tip need not be the commit) */
		*tip = spec->commit;
		return set_name(name, len, spec->branch != NULL ? spec->branch : "");
	case PN_REFS_SEMVER:
		pn_refs_pick_init(&pick, &spec->range);
		if ((err = pn_upload_ls_refs(u, TAGS_PREFIX, pn_refs_pick_ref, &pick)) != NULL)
			return err;
		if (!pick.found)
			return pn_error_fmt(PN_ERR_NOT_FOUND, "no tag in %s matches the semver range \"%s\"",
			    pn_upload_url(u), spec->value);
		*tip = pick.oid;
		return set_name(name, len, pick.name);
	default:
		if ((err = pn_upload_ls_ref(u, tip)) != NULL)
			return err;
		return set_name(name, len, spec->value);
	}
}
