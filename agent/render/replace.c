/*
 * kustomize's replacements (see replace.h).
 */
#include "replace.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kustomization.h"
#include "patch.h"
#include "../core/json.h"
#include "../core/banned.h"

#define DEFAULT_FIELD_PATH "metadata.name"

static const struct pn_error *
nomem(void)
{
	return pn_error(PN_ERR_NOMEM);
}

static const cJSON *
item(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsNull(v) ? NULL : v;
}

static int
is_scalar(const cJSON *v)
{
	return !cJSON_IsObject(v) && !cJSON_IsArray(v);
}

static const char *
kind_name(const cJSON *v)
{
	return cJSON_IsObject(v) ? "MappingNode" : cJSON_IsArray(v) ? "SequenceNode" : "ScalarNode";
}

/* A scalar's text as kyaml holds it (a mapping or list has none). */
static const char *
text_of(const cJSON *v)
{
	if (cJSON_IsString(v) || cJSON_IsRaw(v))
		return v->valuestring;
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v) ? "true" : "false";
	return "";
}

/* Go's strconv.Atoi: an optional sign and decimal digits, in range. */
static int
go_atoi(const char *s, long *out)
{
	const char *d = s + (*s == '+' || *s == '-');
	char *end;

	if (*d < '0' || *d > '9')
		return 0;
	errno = 0;
	*out = strtol(s, &end, 10);
	return *end == '\0' && errno == 0;
}

static int
is_idx_number(const char *p, long *idx)
{
	return go_atoi(p, idx) && *idx >= 0;
}

static int
is_list_index(const char *p)
{
	size_t n = strlen(p);

	return n >= 2 && p[0] == '[' && p[n - 1] == ']';
}

/* ---- field paths ---- */

struct path {
	char *part[PN_REPLACE_MAX_PARTS];
	size_t n;
	char *buf;	/* the parts, each ended by a NUL */
};

static void
path_release(struct path *p)
{
	free(p->buf);
	p->buf = NULL;
	p->n = 0;
}

/*
 * kyaml's SmarterPathSplitter(fp, "."): split at dots, "\." escapes one, a part that starts with '[' and does
 * not end with ']' goes on to the next part that does ("[a.b]": kept with its brackets when it holds '=',
 * else without them); a leading dot is dropped. `clean` then trims blanks and drops empty parts
 * (PathGetter). One pass: a dot ends a part unless the part is such an open bracket.
 */
static const struct pn_error *
path_split(const char *fp, int clean, struct path *p)
{
	char *w, *start;
	int merged = 0;

	p->n = 0;
	if ((p->buf = w = start = malloc(strlen(fp) + 1)) == NULL)
		return nomem();
	if (fp[0] == '.')
		fp++;
	for (;; fp++) {
		if (fp[0] == '\\' && fp[1] == '.') {
			*w++ = *++fp;
			continue;
		}
		if (*fp == '.' && start[0] == '[' && (w == start || w[-1] != ']')) {
			*w++ = '.';
			merged = 1;
			continue;
		}
		if (*fp != '.' && *fp != '\0') {
			*w++ = *fp;
			continue;
		}
		*w = '\0';
		if (merged && strchr(start, '=') == NULL) {	/* strings.Trim(s, "[]") */
			char *b = start + strspn(start, "[]"), *e = w;

			while (e > b && (e[-1] == '[' || e[-1] == ']'))
				e--;
			*e = '\0';
			memmove(start, b, (size_t)(e - b) + 1);
		}
		if (clean) {
			char *b = start + strspn(start, " \t\n\r"), *e = b + strlen(b);

			while (e > b && strchr(" \t\n\r", e[-1]) != NULL)
				e--;
			*e = '\0';
			memmove(start, b, (size_t)(e - b) + 1);
		}
		if (!clean || start[0] != '\0') {
			if (p->n == PN_REPLACE_MAX_PARTS)
				return pn_error_fmt(PN_ERR_TOO_LARGE, "field path has more than %d parts",
				    PN_REPLACE_MAX_PARTS);
			p->part[p->n++] = start;
			start += strlen(start) + 1;
		}
		w = start;
		merged = 0;
		if (*fp == '\0')
			break;
	}
	return NULL;
}

/* "[name=value]" into its name and value (pointers into a copy the caller frees). */
static const struct pn_error *
split_index(const char *p, char **copy, const char **name, const char **value)
{
	char *eq;

	if ((*copy = strndup(p + 1, strlen(p) - 2)) == NULL)
		return nomem();
	if ((eq = strchr(*copy, '=')) == NULL)
		return pn_error_fmt(PN_ERR_PARSE, "list path element must contain fieldName=fieldValue for element "
		    "to match");
	*eq = '\0';
	*name = *copy;
	*value = eq + 1;
	return NULL;
}

static const struct pn_error *
wrong_kind(const char *expected, const cJSON *got)
{
	return pn_error_fmt(PN_ERR_PARSE, "wrong node kind: expected %s but got %s", expected, kind_name(got));
}

/* ---- scalar values ---- */

/* A number's tag from its canonical JSON text. */
static const char *
number_tag(const char *text)
{
	return strpbrk(text, ".eE") != NULL ? "!!float " : "!!int ";
}

/* Whether text may be written as a plain scalar that reads back as written (else it would be quoted). */
static int
plain_safe(const char *text)
{
	for (const char *c = text; *c != '\0'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		    strchr("._+~-", *c) != NULL))
			return 0;
	return 1;
}

/*
 * The item kyaml's node with `text` becomes when printed: `like` is the node whose type it keeps (a string
 * stays a string; a number, boolean or null is read under its tag, "cannot decode" when it does not fit), or
 * NULL for a node made by create, which has no tag and reads as plain YAML.
 */
static const struct pn_error *
typed(const cJSON *like, const char *text, cJSON **out)
{
	const struct pn_error *err;
	struct pn_yaml_docs docs = {0};
	struct pn_yaml_limits lim;
	const char *tag, *cut;
	char *doc = NULL, *quoted = NULL;
	cJSON *s = NULL;

	*out = NULL;
	if (like != NULL && cJSON_IsString(like))
		return (*out = cJSON_CreateString(text)) == NULL ? nomem() : NULL;
	if (like == NULL && text[0] == '\0')
		return (*out = cJSON_CreateNull()) == NULL ? nomem() : NULL;
	if (like == NULL && !plain_safe(text))
		return (*out = cJSON_CreateString(text)) == NULL ? nomem() : NULL;
	if (like == NULL)
		tag = "";
	else if (cJSON_IsRaw(like))
		tag = number_tag(like->valuestring);
	else
		tag = cJSON_IsBool(like) ? "!!bool " : "!!null ";
	if ((s = cJSON_CreateString(text)) == NULL || (quoted = cJSON_PrintUnformatted(s)) == NULL ||
	    asprintf(&doc, "v: %s%s\n", tag, like == NULL ? text : quoted) < 0) {
		doc = NULL;
		err = nomem();
		goto done;
	}
	pn_yaml_limits_init(&lim);
	if ((err = pn_yaml_parse("replacement value", doc, strlen(doc), &lim, &docs)) != NULL) {
		if ((cut = strstr(err->msg, "cannot decode ")) != NULL)
			err = pn_error_fmt(PN_ERR_PARSE, "map[string]interface {}(nil): yaml: %s", cut);
		else if (like == NULL)
			err = (*out = cJSON_CreateString(text)) == NULL ? nomem() : NULL;
		goto done;
	}
	if (docs.n != 1 || (*out = cJSON_DetachItemFromObjectCaseSensitive(docs.v[0].root, "v")) == NULL ||
	    !is_scalar(*out)) {
		cJSON_Delete(*out);
		*out = NULL;
		err = (*out = cJSON_CreateString(text)) == NULL ? nomem() : NULL;
	}
done:
	pn_yaml_docs_release(&docs);
	cJSON_Delete(s);
	free(quoted);
	free(doc);
	return err;
}

static long
count_parts(const char *s, const char *d)
{
	long n = 1;
	size_t dl = strlen(d);

	for (const char *p = strstr(s, d); p != NULL; p = strstr(p + dl, d))
		n++;
	return n;
}

/* The start and length of part idx of s split at d. */
static void
find_part(const char *s, const char *d, long idx, const char **start, size_t *len)
{
	const char *p = s, *q;
	size_t dl = strlen(d);

	for (long k = 0; k < idx; k++)
		p = strstr(p, d) + dl;
	q = strstr(p, d);
	*start = p;
	*len = q != NULL ? (size_t)(q - p) : strlen(p);
}

static const struct pn_error *
index_of(const cJSON *opts, long *out)
{
	const cJSON *v = item(opts, "index");
	const char *num = pn_yaml_number(v);

	*out = 0;
	if (v == NULL)
		return NULL;
	if (num == NULL || !go_atoi(num, out))
		return pn_error_fmt(PN_ERR_PARSE, "replacement options.index must be an integer");
	return NULL;
}

/* ---- selectors ---- */

/* kyaml's ResId.IsSelectedBy. */
static int
id_selected(const cJSON *sel, const char *g, const char *v, const char *kind, const char *name, const char *ns)
{
	const char *sg = pn_jstr_or_empty(sel, "group"), *sv = pn_jstr_or_empty(sel, "version");
	const char *sk = pn_jstr_or_empty(sel, "kind"), *sn = pn_jstr_or_empty(sel, "name");
	const char *sns = pn_jstr_or_empty(sel, "namespace");

	return (sn[0] == '\0' || strcmp(sn, name) == 0) && (sns[0] == '\0' || pn_resmap_ns_equal(sns, ns)) &&
	    (sg[0] == '\0' || strcmp(sg, g) == 0) && (sv[0] == '\0' || strcmp(sv, v) == 0) &&
	    (sk[0] == '\0' || strcmp(sk, kind) == 0);
}

/* Whether one of r's ids (current, original, earlier) is selected by sel's group/version/kind/name/namespace. */
static int
res_selected(const cJSON *sel, const struct pn_res *r)
{
	char g[256], v[256], ns[256];
	const char *kind = pn_res_kind(r);

	pn_fieldspec_split_gv(pn_res_api_version(r), g, v, sizeof(g));
	if (id_selected(sel, g, v, kind, pn_res_name(r), pn_res_namespace(r)) ||
	    id_selected(sel, g, v, kind, r->orig_name, r->orig_ns))
		return 1;
	for (const char *p = r->prev; p != NULL && *p != '\0';) {
		const char *slash = strchr(p, '/'), *end = strchr(p, '\n');
		char *name;
		int hit;

		if (slash == NULL || end == NULL || slash > end)
			break;
		snprintf(ns, sizeof(ns), "%.*s", (int)(slash - p), p);
		if ((name = strndup(slash + 1, (size_t)(end - slash - 1))) == NULL)
			return 0;
		hit = id_selected(sel, g, v, kind, name, ns);
		free(name);
		if (hit)
			return 1;
		p = end + 1;
	}
	return 0;
}

static int
id_empty(const cJSON *sel)
{
	static const char *const fields[] = {"group", "version", "kind", "name", "namespace"};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (pn_jstr_or_empty(sel, fields[i])[0] != '\0')
			return 0;
	return 1;
}

/* Whether sel's labelSelector and annotationSelector both match obj. */
static const struct pn_error *
meta_selected(const cJSON *sel, const cJSON *obj, int *out)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const struct pn_error *err;

	if ((err = pn_patch_selector_match(pn_jstr_or_empty(sel, "annotationSelector"),
	    cJSON_GetObjectItemCaseSensitive(md, "annotations"), out)) != NULL || !*out)
		return err;
	return pn_patch_selector_match(pn_jstr_or_empty(sel, "labelSelector"),
	    cJSON_GetObjectItemCaseSensitive(md, "labels"), out);
}

/* kyaml's ResId.String() of a selector: "Deployment.v1.apps/name.ns", "[noKind]" etc. for empty parts. */
static void
sel_id(const cJSON *sel, char *buf, size_t cap)
{
	const char *k = pn_jstr_or_empty(sel, "kind"), *v = pn_jstr_or_empty(sel, "version");
	const char *g = pn_jstr_or_empty(sel, "group"), *n = pn_jstr_or_empty(sel, "name");
	const char *ns = pn_jstr_or_empty(sel, "namespace");

	snprintf(buf, cap, "%.200s.%.200s.%.200s/%.200s.%.200s", k[0] ? k : "[noKind]", v[0] ? v : "[noVer]",
	    g[0] ? g : "[noGrp]", n[0] ? n : "[noName]", ns[0] ? ns : "[noNs]");
}

/* types.SourceSelector.String(): the id, then ":fieldPath" and ":delim(index), create=bool" when set. */
static void
source_string(const cJSON *src, char *buf, size_t cap)
{
	const cJSON *opts = item(src, "options");
	const char *fp = pn_jstr_or_empty(src, "fieldPath"), *d = pn_jstr_or_empty(opts, "delimiter");
	int create = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(opts, "create"));
	size_t n;
	long idx = 0;

	sel_id(src, buf, cap);
	n = strlen(buf);
	if (fp[0] != '\0' && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, ":%.200s", fp);
	if ((d[0] != '\0' || create) && n < cap) {
		(void)index_of(opts, &idx);
		snprintf(buf + n, cap - n, ":%.100s(%ld), create=%s", d, idx, create ? "true" : "false");
	}
}

/* ---- walking field paths ---- */

/* A created scalar waits as an item of this type until its value is set. */
#define CREATED cJSON_Invalid

enum create { C_NONE, C_SCALAR, C_MAP, C_SEQ };

struct slot {
	cJSON *parent, *item;
};

/* The nodes a path reaches. `get`: kyaml's PathGetter (the source: "-" is the last element, a negative index
 * is an error, [k=v] is an exact value and only the first element matching it counts, "*" is an error);
 * else its PathMatcher (targets: [k=re] unanchored, "*" every element, `create` makes what is missing). */
struct match {
	struct slot *v;
	size_t n, cap;
	enum create create;
	int get;
};

static const struct pn_error *
match_add(struct match *m, cJSON *parent, cJSON *it)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 8;
		struct slot *v;

		if (m->n == PN_REPLACE_MAX_MATCHES)
			return pn_error_fmt(PN_ERR_TOO_LARGE, "a field path matches more than %d fields",
			    PN_REPLACE_MAX_MATCHES);
		if ((v = realloc(m->v, cap * sizeof(*v))) == NULL)
			return nomem();
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n].parent = parent;
	m->v[m->n++].item = it;
	return NULL;
}

/* A new node for a missing path part followed by `next` (NULL: the last part). */
static cJSON *
new_node(const char *next, enum create c)
{
	long idx;
	cJSON *n;

	if (next != NULL && (is_list_index(next) || is_idx_number(next, &idx)))
		return cJSON_CreateArray();
	if (next != NULL || c == C_MAP)
		return cJSON_CreateObject();
	if (c == C_SEQ)
		return cJSON_CreateArray();
	if ((n = cJSON_CreateNull()) != NULL)
		n->type = CREATED;
	return n;
}

/* Add `it` to rn (an object when key is given, else a list; a null rn becomes one). */
static const struct pn_error *
attach(cJSON *rn, const char *key, cJSON *it)
{
	if (it != NULL && cJSON_IsNull(rn))
		rn->type = key != NULL ? cJSON_Object : cJSON_Array;
	if (it == NULL || !(key != NULL ? cJSON_AddItemToObject(rn, key, it) : cJSON_AddItemToArray(rn, it))) {
		cJSON_Delete(it);
		return nomem();
	}
	return NULL;
}

static const struct pn_error *match_path(struct match *m, cJSON *parent, cJSON *rn, char *const *part, size_t n);

/* "[name=value]" or "[=value]" over the elements of rn (kyaml's doSeq, or ElementMatcher for `get`). */
static const struct pn_error *
match_seq(struct match *m, cJSON *rn, char *const *part, size_t n)
{
	const struct pn_error *err = NULL;
	const char *name = "", *value = "";
	char *copy = NULL;
	size_t before = m->n;
	regex_t rx;
	int compiled = 0;

	if ((err = split_index(part[0], &copy, &name, &value)) != NULL)
		goto done;
	if (!m->get && regcomp(&rx, value, REG_EXTENDED | REG_NOSUB) != 0) {
		err = pn_error_fmt(PN_ERR_PARSE, "error parsing regexp: invalid regular expression `%s`", value);
		goto done;
	}
	compiled = !m->get;
	if (!cJSON_IsArray(rn) && !cJSON_IsNull(rn)) {
		err = wrong_kind("SequenceNode", rn);
		goto done;
	}
	for (int again = 0; again < 2; again++) {
		cJSON *e, *created = NULL, *val;

		for (e = cJSON_IsArray(rn) ? rn->child : NULL; e != NULL && err == NULL; e = e->next) {
			const cJSON *f = name[0] == '\0' ? e : cJSON_IsObject(e) ?
			    cJSON_GetObjectItemCaseSensitive(e, name) : NULL;

			if (f == NULL || !is_scalar(f) || cJSON_IsNull(f) || (m->get ? strcmp(text_of(f), value) != 0 :
			    regexec(&rx, text_of(f), 0, NULL, 0) != 0))
				continue;
			err = match_path(m, rn, e, part + 1, n - 1);
			if (m->get)
				break;
		}
		if (err != NULL || m->n > before || m->create == C_NONE || again)
			break;
		/* create the element the selector names, then look again */
		if ((err = typed(NULL, value, &val)) != NULL)
			break;
		if (name[0] == '\0')
			created = val;
		else if ((created = cJSON_CreateObject()) == NULL || !cJSON_AddItemToObject(created, name, val))
			cJSON_Delete(val);
		if ((err = attach(rn, NULL, created)) != NULL)
			break;
	}
done:
	if (compiled)
		regfree(&rx);
	free(copy);
	return err;
}

/* Every node at part[0..n) below rn (which `parent` holds) into m. */
static const struct pn_error *
match_path(struct match *m, cJSON *parent, cJSON *rn, char *const *part, size_t n)
{
	const struct pn_error *err;
	const char *next = n > 1 ? part[1] : NULL;
	cJSON *it;
	long idx, size;
	int num;

	if (n == 0)
		return match_add(m, parent, rn);
	num = go_atoi(part[0], &idx);
	if ((num && (idx >= 0 || m->get)) || (m->get && strcmp(part[0], "-") == 0)) {
		if (num && idx < 0)
			return pn_error_fmt(PN_ERR_PARSE, "array index %ld cannot be negative", idx);
		if (!cJSON_IsArray(rn) && !cJSON_IsNull(rn))
			return wrong_kind("SequenceNode", rn);
		size = cJSON_IsArray(rn) ? cJSON_GetArraySize(rn) : 0;
		if (!num)
			idx = size - 1;	/* "-" */
		if (size == idx && m->create != C_NONE) {
			if ((err = attach(rn, NULL, new_node(next, m->create))) != NULL)
				return err;
			size++;
		}
		if (idx < 0 || size < idx + 1)
			return m->get ? NULL : pn_error_fmt(PN_ERR_PARSE, "index %ld specified but only %ld elements "
			    "found", idx, size);
		return match_path(m, rn, cJSON_GetArrayItem(rn, (int)idx), part + 1, n - 1);
	}
	if (is_list_index(part[0]))
		return match_seq(m, rn, part, n);
	if (strcmp(part[0], "*") == 0) {
		if (m->get)
			return pn_error_fmt(PN_ERR_PARSE, "wildcard is not supported in PathGetter");
		if (!cJSON_IsArray(rn) && !cJSON_IsNull(rn))
			return wrong_kind("SequenceNode", rn);
		for (cJSON *e = cJSON_IsArray(rn) ? rn->child : NULL; e != NULL; e = e->next)
			if ((err = match_path(m, rn, e, part + 1, n - 1)) != NULL)
				return err;
		return NULL;
	}
	if (cJSON_IsNull(rn) && m->create == C_NONE)
		return NULL;
	if (!cJSON_IsObject(rn) && !cJSON_IsNull(rn))
		return wrong_kind("MappingNode", rn);
	it = cJSON_GetObjectItemCaseSensitive(rn, part[0]);
	if (it == NULL) {
		if (m->create == C_NONE)
			return NULL;
		if ((err = attach(rn, part[0], it = new_node(next, m->create))) != NULL)
			return err;
	}
	return match_path(m, rn, it, part + 1, n - 1);
}

/* ---- the source ---- */

/* Exactly one object of ra selected by src. */
static const struct pn_error *
select_source(struct pn_resmap *ra, const cJSON *src, struct pn_res **out)
{
	char what[PN_REPLACE_SEL_MAX];

	*out = NULL;
	for (size_t k = 0; k < ra->n; k++) {
		if (ra->v[k].gone || !res_selected(src, &ra->v[k]))
			continue;
		if (*out != NULL) {
			source_string(src, what, sizeof(what));
			return pn_error_fmt(PN_ERR_PARSE, "multiple matches for selector %s", what);
		}
		*out = &ra->v[k];
	}
	if (*out == NULL) {
		source_string(src, what, sizeof(what));
		return pn_error_fmt(PN_ERR_PARSE, "nothing selected by %s", what);
	}
	return NULL;
}

/* The value a replacement copies (a copy of the source's field, cut by its options). */
static const struct pn_error *
source_value(struct pn_resmap *ra, const cJSON *src, cJSON **out)
{
	const struct pn_error *err;
	const cJSON *opts = item(src, "options"), *v = NULL;
	const char *fp = pn_jstr_or_empty(src, "fieldPath"), *d = pn_jstr_or_empty(opts, "delimiter"), *start;
	struct pn_res *r;
	struct path p = {0};
	struct match m = {.get = 1};
	char id[PN_REPLACE_SEL_MAX], *part = NULL;
	size_t len;
	long idx;

	*out = NULL;
	if ((err = select_source(ra, src, &r)) != NULL || (err = pn_res_load(ra, r)) != NULL)
		return err;
	if (fp[0] == '\0')
		fp = DEFAULT_FIELD_PATH;
	if ((err = path_split(fp, 1, &p)) != NULL)
		goto done;
	if ((err = match_path(&m, NULL, r->obj, p.part, p.n)) != NULL) {
		err = pn_error_wrap(err, "error looking up replacement source");
		goto done;
	}
	v = m.n > 0 ? m.v[0].item : NULL;
	if (v == NULL || cJSON_IsNull(v) || ((cJSON_IsObject(v) || cJSON_IsArray(v)) && v->child == NULL)) {
		sel_id(src, id, sizeof(id));
		err = pn_error_fmt(PN_ERR_PARSE, "fieldPath `%s` is missing for replacement source %s", fp, id);
		goto done;
	}
	if (d[0] == '\0') {
		err = (*out = cJSON_Duplicate(v, 1)) == NULL ? nomem() : NULL;
		goto done;
	}
	if (!is_scalar(v)) {
		err = pn_error_fmt(PN_ERR_PARSE, "delimiter option can only be used with scalar nodes");
		goto done;
	}
	if ((err = index_of(opts, &idx)) != NULL)
		goto done;
	if (idx < 0 || idx >= count_parts(text_of(v), d)) {
		err = pn_error_fmt(PN_ERR_PARSE, "options.index %ld is out of bounds for value %s", idx, text_of(v));
		goto done;
	}
	find_part(text_of(v), d, idx, &start, &len);
	if ((part = strndup(start, len)) == NULL) {
		err = nomem();
		goto done;
	}
	/* the part keeps the source's type; kustomize would fail only when printing a part that does not fit,
	 * which a scalar target (it takes the text) never does: such a part is kept as text */
	if ((err = typed(v, part, out)) != NULL && err->code == PN_ERR_PARSE)
		err = (*out = cJSON_CreateString(part)) == NULL ? nomem() : NULL;
done:
	free(m.v);
	free(part);
	path_release(&p);
	if (err == NULL)
		err = pn_res_spill(ra, r);
	return err;
}

/* ---- targets ---- */

/* kyaml's setFieldValue: put value into the field `it` of `parent`, as the options say. */
static const struct pn_error *
set_field(const cJSON *opts, cJSON *parent, cJSON *it, const cJSON *value)
{
	const struct pn_error *err;
	const char *d = pn_jstr_or_empty(opts, "delimiter"), *v = text_of(value), *t, *start;
	char *joined = NULL;
	cJSON *repl = NULL;
	size_t len;
	long idx;

	if (d[0] != '\0') {
		if (!is_scalar(it))
			return pn_error_fmt(PN_ERR_PARSE, "delimiter option can only be used with scalar nodes");
		if ((err = index_of(opts, &idx)) != NULL)
			return err;
		t = it->type == CREATED ? "" : text_of(it);
		if (idx < 0 || idx >= count_parts(t, d)) {
			if (asprintf(&joined, "%s%s%s", idx < 0 ? v : t, d, idx < 0 ? t : v) < 0)
				return nomem();
		} else {
			find_part(t, d, idx, &start, &len);
			if (asprintf(&joined, "%.*s%s%s", (int)(start - t), t, v, start + len) < 0)
				return nomem();
		}
		v = joined;
	}
	if (is_scalar(it))
		err = typed(it->type == CREATED ? NULL : it, v, &repl);
	else
		err = (repl = cJSON_Duplicate(value, 1)) == NULL ? nomem() : NULL;
	free(joined);
	if (err != NULL)
		return err;
	/* the field keeps its key (cJSON_ReplaceItemViaPointer does not carry it over) */
	if (repl->string != NULL && !(repl->type & cJSON_StringIsConst))
		cJSON_free(repl->string);
	repl->type &= ~cJSON_StringIsConst;
	repl->string = NULL;
	if (it->string != NULL && (repl->string = strdup(it->string)) == NULL) {
		cJSON_Delete(repl);
		return nomem();
	}
	if (!cJSON_ReplaceItemViaPointer(parent, it, repl)) {
		cJSON_Delete(repl);
		return nomem();
	}
	return NULL;
}

/* One target's field paths in obj (selected). */
static const struct pn_error *
copy_to_target(cJSON *obj, const cJSON *value, const cJSON *target)
{
	const struct pn_error *err = NULL;
	const cJSON *opts = item(target, "options"), *fps = item(target, "fieldPaths");
	int create = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(opts, "create"));
	struct match m = {0};
	struct path p = {0};

	m.create = !create ? C_NONE : cJSON_IsObject(value) ? C_MAP : cJSON_IsArray(value) ? C_SEQ : C_SCALAR;
	for (const cJSON *f = fps != NULL ? fps->child : NULL;; f = f->next) {
		/* no fieldPaths: metadata.name; a null entry is "" */
		const char *fp = f == NULL ? DEFAULT_FIELD_PATH : cJSON_IsString(f) ? f->valuestring : "";

		m.n = 0;
		if ((err = path_split(fp, 0, &p)) == NULL &&
		    (err = match_path(&m, NULL, obj, p.part, p.n)) == NULL && m.n == 0)
			err = pn_error_fmt(PN_ERR_PARSE, "unable to find %sfield \"%s\" in replacement target",
			    create ? "or create " : "", fp);
		else if (err != NULL && err->code != PN_ERR_NOMEM)
			err = pn_error_wrap(err, "unable to find %sfield \"%s\" in replacement target",
			    create ? "or create " : "", fp);
		for (size_t k = 0; k < m.n && err == NULL; k++)
			err = set_field(opts, m.v[k].parent, m.v[k].item, value);
		path_release(&p);
		if (err != NULL || f == NULL || f->next == NULL)
			break;
	}
	free(m.v);
	return err;
}

/* Whether target t takes r (loaded): its select's labels and annotations match and no reject's do. */
static const struct pn_error *
target_takes(const cJSON *t, const struct pn_res *r, int *out)
{
	const struct pn_error *err;
	const cJSON *rej = item(t, "reject");

	if ((err = meta_selected(item(t, "select"), r->obj, out)) != NULL || !*out)
		return err;
	for (const cJSON *j = rej != NULL ? rej->child : NULL; j != NULL; j = j->next) {
		int hit;

		if (pn_jstr_or_empty(j, "labelSelector")[0] == '\0' &&
		    pn_jstr_or_empty(j, "annotationSelector")[0] == '\0')
			continue;
		if ((err = meta_selected(j, r->obj, &hit)) != NULL)
			return err;
		if (hit) {
			*out = 0;
			break;
		}
	}
	return NULL;
}

/* Whether r's ids are selected by t's select and by none of its rejects' ids. */
static int
target_ids(const cJSON *t, const struct pn_res *r)
{
	const cJSON *rej = item(t, "reject");

	if (!res_selected(item(t, "select"), r))
		return 0;
	for (const cJSON *j = rej != NULL ? rej->child : NULL; j != NULL; j = j->next)
		if (!id_empty(j) && res_selected(j, r))
			return 0;
	return 1;
}

static const struct pn_error *
run_one(struct pn_resmap *ra, const cJSON *rep)
{
	const struct pn_error *err;
	const cJSON *src = item(rep, "source"), *targets = item(rep, "targets");
	cJSON *value = NULL;

	/* the entry reaches kustomize's transformer re-encoded with omitempty: an empty list is no list */
	if (src == NULL || targets == NULL || !cJSON_IsArray(targets) || targets->child == NULL)
		return pn_error_fmt(PN_ERR_PARSE, "replacements must specify a source and at least one target");
	if ((err = source_value(ra, src, &value)) != NULL)
		return err;
	for (const cJSON *t = targets->child; t != NULL && err == NULL; t = t->next) {
		if (item(t, "select") == NULL) {
			err = pn_error_fmt(PN_ERR_PARSE, "target must specify resources to select");
			break;
		}
		for (size_t k = 0; k < ra->n && err == NULL; k++) {
			struct pn_res *r = &ra->v[k];
			const struct pn_error *spill;
			int takes = 0;

			if (r->gone || !target_ids(t, r) || (err = pn_res_load(ra, r)) != NULL)
				continue;
			if ((err = target_takes(t, r, &takes)) == NULL && takes)
				err = copy_to_target(r->obj, value, t);
			if ((spill = pn_res_spill(ra, r)) != NULL && err == NULL)
				err = spill;
		}
	}
	cJSON_Delete(value);
	return err;
}

const struct pn_error *
pn_replace_run(struct pn_resmap *ra, const cJSON *list)
{
	const struct pn_error *err = NULL;

	for (const cJSON *rep = list != NULL ? list->child : NULL; rep != NULL && err == NULL; rep = rep->next)
		err = run_one(ra, rep);
	pn_resmap_invalidate(ra);	/* a replacement may rename */
	return err;
}

/* ---- reading the entries ---- */

static const struct pn_error *
append_copy(cJSON *list, const cJSON *rep)
{
	cJSON *c;

	if (cJSON_GetArraySize(list) >= PN_REPLACE_MAX)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "more than %d replacements", PN_REPLACE_MAX);
	if ((c = cJSON_Duplicate(rep, 1)) == NULL || !cJSON_AddItemToArray(list, c)) {
		cJSON_Delete(c);
		return nomem();
	}
	return NULL;
}

/* The replacements of one `path:` file into list. */
static const struct pn_error *
load_file(const struct pn_gen_io *io, const struct pn_yaml_limits *lim, const char *path, cJSON *list)
{
	const struct pn_error *err;
	struct pn_yaml_limits v2 = *lim;
	struct pn_yaml_docs docs = {0};
	struct pn_buf buf;
	const cJSON *root;

	pn_buf_init(&buf, io->max_file, "a replacements file");
	v2.goyaml_v2 = 1;	/* sigs.k8s.io/yaml */
	if ((err = io->read(io->ctx, path, &buf)) != NULL ||
	    (err = pn_yaml_parse(path, pn_buf_str(&buf), buf.len, &v2, &docs)) != NULL)
		goto done;
	root = docs.n > 0 ? docs.v[0].root : NULL;
	if (!cJSON_IsArray(root) && !cJSON_IsObject(root)) {
		err = pn_error_fmt(PN_ERR_PARSE, "unsupported replacement type encountered within replacement path: %s",
		    root == NULL ? "invalid" : cJSON_IsString(root) ? "string" : cJSON_IsBool(root) ? "bool" :
		    "float64");
		goto done;
	}
	if (cJSON_IsObject(root)) {
		if ((err = pn_kust_check_replacement(path, root)) == NULL)
			err = append_copy(list, root);
		goto done;
	}
	for (const cJSON *e = root->child; e != NULL && err == NULL; e = e->next)
		if ((err = pn_kust_check_replacement(path, e)) == NULL)
			err = append_copy(list, e);
done:
	pn_yaml_docs_release(&docs);
	pn_buf_release(&buf);
	return err;
}

const struct pn_error *
pn_replace_prepare(const struct pn_gen_io *io, const struct pn_yaml_limits *lim, const char *kfile,
    const cJSON *entries, cJSON **out)
{
	const struct pn_error *err = NULL;

	*out = NULL;
	if (entries == NULL || cJSON_IsNull(entries) || entries->child == NULL)
		return NULL;
	if ((*out = cJSON_CreateArray()) == NULL)
		return nomem();
	for (const cJSON *e = entries->child; e != NULL && err == NULL; e = e->next) {
		const char *path = pn_jstr_or_empty(e, "path");
		const cJSON *targets = item(e, "targets");

		if (path[0] == '\0') {	/* (its types were checked with the kustomization's) */
			err = append_copy(*out, e);
			continue;
		}
		if (item(e, "source") != NULL || (targets != NULL && targets->child != NULL))
			err = pn_error_fmt(PN_ERR_PARSE, "cannot specify both path and inline replacement");
		else
			err = load_file(io, lim, path, *out);
	}
	if (err != NULL && err->code != PN_ERR_NOMEM)
		err = pn_error_wrap(err, "%s: trouble configuring builtin ReplacementTransformer", kfile);
	return err;
}
