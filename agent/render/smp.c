/*
 * Strategic merge patch (see smp.h): kyaml's merge2 walker re-done over cJSON. Three parts:
 *   the schema table  which lists merge by which keys: generated data in smpschema.c;
 *   walk              one node of target and patch: map, scalar, replaced list or merged list;
 *   merged lists      kyaml's setAssociativeSequenceElements with its ElementSetter, step for step, because
 *                     its quirks decide the order of the result.
 * Like kyaml, a node the walk returns is either the target's own node changed in place or a new node.
 */
#include "smp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "openapi.h"
#include "smpschema.h"
#include "../core/banned.h"


/* The schema of one node: def -1 means none (unknown kind, or a field the schema does not describe); node is a
 * custom schema's node (openapi.h; def is then 0), else def a built-in definition. */
struct sch {
	int def;
	int assoc;		/* a list merged by keys */
	int items;		/* definition of its elements (built-in) */
	const char *keys;	/* its merge keys, NULL for scalars */
	const cJSON *node;
};

static const struct sch no_schema = { -1, 0, -1, NULL, NULL };

enum { K_NONE, K_MAP, K_SEQ, K_SCALAR };
enum { D_MERGE, D_REPLACE, D_DELETE, D_UNKNOWN };

#define DIRECTIVE "$patch"
#define SMP_MAX_KEYS PN_OPENAPI_MAX_KEYS
#define SMP_KEY_MAX PN_OPENAPI_KEY_MAX

struct smp {
	const char *what;
	const struct pn_openapi *o;
};

static const struct pn_error *walk(struct smp *x, cJSON *dest, const cJSON *origin, struct sch s, size_t depth,
    int alias, cJSON **out);

static int
smp_nodekind(const cJSON *n)
{
	if (n == NULL || cJSON_IsNull(n))
		return K_NONE;
	if (cJSON_IsObject(n))
		return K_MAP;
	if (cJSON_IsArray(n))
		return K_SEQ;
	return K_SCALAR;
}

static const char *
kind_name(int k)
{
	return k == K_MAP ? "MappingNode" : k == K_SEQ ? "SequenceNode" : "ScalarNode";
}

/* A scalar's text as YAML holds it (kyaml compares merge keys by it); "" for null, maps and lists. */
static const char *
text(const cJSON *n)
{
	if (n == NULL)
		return "";
	if (cJSON_IsString(n) || cJSON_IsRaw(n))
		return n->valuestring != NULL ? n->valuestring : "";
	if (cJSON_IsTrue(n))
		return "true";
	if (cJSON_IsFalse(n))
		return "false";
	return "";
}

static int
empty_map(const cJSON *n)
{
	return cJSON_IsObject(n) && n->child == NULL;
}

static cJSON *
field(const cJSON *obj, const char *name)
{
	return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;
}

static const struct pn_error *
nomem(const struct smp *x)
{
	return pn_error_fmt(PN_ERR_NOMEM, "%s: out of memory", x->what);
}

/* ---- schema ---- */

/* What openapi.h answered: a built-in definition, or a custom node (a list with its strategy). */
static struct sch
sch_of(int def, const cJSON *node)
{
	struct sch r = no_schema;

	if (node != NULL) {
		r.def = 0;
		r.node = node;
		r.keys = pn_openapi_merge_keys(node);
		r.assoc = r.keys != NULL;
	} else {
		r.def = def;
	}
	return r;
}

static struct sch
type_sch(const struct smp *x, const cJSON *n)
{
	const cJSON *av = field(n, "apiVersion"), *k = field(n, "kind"), *node;
	int d;

	if (!cJSON_IsString(av) || !cJSON_IsString(k) || av->valuestring[0] == '\0' || k->valuestring[0] == '\0')
		return no_schema;
	d = pn_openapi_type(x->o, av->valuestring, k->valuestring, &node);
	return sch_of(d, node);
}

/* kyaml's Walker.GetSchema: a node without schema takes its kind's when it has apiVersion and kind. */
static struct sch
schema_for(const struct smp *x, struct sch s, const cJSON *dest, const cJSON *origin)
{
	struct sch t;

	if (s.def != -1)
		return s;
	if ((t = type_sch(x, dest)).def < 0)
		t = type_sch(x, origin);
	return t;
}

static struct sch
schema_field(const struct smp *x, struct sch s, const char *name)
{
	struct sch r = no_schema;
	const struct pn_smpschema_field *f = NULL;
	const cJSON *node;
	unsigned i;
	int d;

	if (s.node != NULL) {
		d = pn_openapi_field(x->o, s.node, name, &node);
		return sch_of(d, node);
	}
	if (s.def <= 0)
		return r;
	for (i = pn_smpschema_defs[s.def].first; i < pn_smpschema_defs[s.def].first + pn_smpschema_defs[s.def].count; i++) {
		if (strcmp(pn_smpschema_fields[i].name, name) == 0) {
			f = &pn_smpschema_fields[i];
			break;
		}
		if (pn_smpschema_fields[i].flags & PN_SMPSCHEMA_MAP)
			f = &pn_smpschema_fields[i];
	}
	if (f == NULL)
		return r;
	if (f->flags & PN_SMPSCHEMA_ASSOC) {
		r.def = 0;
		r.assoc = 1;
		r.items = f->def;
		r.keys = f->keys;
		return r;
	}
	d = pn_openapi_builtin(x->o, f->def, &node);
	return sch_of(d, node);
}

static struct sch
schema_elements(const struct smp *x, struct sch s)
{
	const cJSON *node;
	int d;

	if (s.node != NULL)
		d = pn_openapi_field(x->o, s.node, NULL, &node);
	else if (s.assoc)
		d = pn_openapi_builtin(x->o, s.items, &node);
	else
		return no_schema;
	return sch_of(d, node);
}

/* ---- directives ---- */

static int
directive_of(const char *v)
{
	if (strcmp(v, "delete") == 0)
		return D_DELETE;
	if (strcmp(v, "replace") == 0)
		return D_REPLACE;
	if (strcmp(v, "merge") == 0)
		return D_MERGE;
	return D_UNKNOWN;
}

/* A map's `$patch`: D_MERGE when absent; *elide says whether kyaml removes it from the patch. */
static int
map_directive(const cJSON *origin, const char **value, int *elide)
{
	const cJSON *p = field(origin, DIRECTIVE);
	int d;

	*elide = 0;
	*value = "";
	if (p == NULL)
		return D_MERGE;
	*value = text(p);
	d = directive_of(*value);
	*elide = d != D_UNKNOWN;
	return d;
}

static cJSON *
dup_without(const cJSON *n, const char *skip)
{
	cJSON *c = cJSON_Duplicate(n, 1);

	if (c != NULL && skip != NULL && cJSON_IsObject(c))
		cJSON_DeleteItemFromObjectCaseSensitive(c, skip);
	return c;
}

/* ---- maps ---- */

static const struct pn_error *
put_field(struct smp *x, cJSON *obj, char *name, cJSON *val)
{
	if (val->string != NULL && val->string != name && !(val->type & cJSON_StringIsConst))
		cJSON_free(val->string);
	val->string = name;
	val->type &= ~cJSON_StringIsConst;
	if (!cJSON_AddItemToArray(obj, val))
		return nomem(x);
	return NULL;
}

/* Walk one field: `child` (detached from dest, owned) against origin's value; the result goes into `into`. */
static const struct pn_error *
walk_field(struct smp *x, cJSON *into, cJSON *child, const char *name, const cJSON *ochild, struct sch s,
    size_t depth, int alias)
{
	const struct pn_error *err;
	char *key;
	cJSON *res = NULL;

	if (child != NULL) {
		key = child->string;
		child->string = NULL;
	} else if ((key = (char *)cJSON_malloc(strlen(name) + 1)) != NULL) {
		memcpy(key, name, strlen(name) + 1);
	}
	if (key == NULL) {
		cJSON_Delete(child);
		return nomem(x);
	}
	err = walk(x, child, ochild, schema_field(x, s, key), depth + 1, alias, &res);
	if (res != child)
		cJSON_Delete(child);
	if (err == NULL && res != NULL && cJSON_IsNull(res) && res != child) {
		/* a null from the patch clears the field (FieldSetter) */
		cJSON_Delete(res);
		res = NULL;
	}
	if (err != NULL || res == NULL) {
		cJSON_free(key);
		cJSON_Delete(res);
		return err;
	}
	return put_field(x, into, key, res);
}

static const struct pn_error *
walk_map(struct smp *x, cJSON *dest, const cJSON *origin, struct sch s, size_t depth, int alias, cJSON **out)
{
	const struct pn_error *err = NULL;
	const char *dv, *skip;
	cJSON *d = dest, *fresh = NULL, *into = NULL, *added = NULL, *c, *next;
	const cJSON *o;
	int dir, elide, calias = alias;

	*out = NULL;
	dir = map_directive(origin, &dv, &elide);
	skip = elide ? DIRECTIVE : NULL;
	if (smp_nodekind(dest) == K_NONE) {
		if (dir == D_DELETE)
			return NULL;
		if (origin == NULL && dest != NULL) {
			*out = dest;	/* a null the patch does not name stays */
			return NULL;
		}
		if (origin == NULL || cJSON_IsNull(origin))
			return NULL;
		if ((fresh = dup_without(origin, skip)) == NULL)
			return nomem(x);
		d = fresh;
		calias = 1;
	} else {
		if (origin != NULL && cJSON_IsNull(origin))
			return NULL;
		if (dir == D_UNKNOWN)
			return pn_error_fmt(PN_ERR_PARSE, "%s: unknown patch strategy '%s'", x->what, dv);
		if (dir == D_DELETE)
			return NULL;
		if (alias && skip != NULL) {
			/* dest is kyaml's patch node itself: eliding the directive from the patch removes it here */
			cJSON_DeleteItemFromObjectCaseSensitive(d, skip);
		} else if (dir == D_REPLACE) {
			if ((fresh = dup_without(origin, skip)) == NULL)
				return nomem(x);
			d = fresh;
			calias = 1;
		}
	}
	if (!cJSON_IsObject(d)) {
		*out = d;
		return NULL;
	}
	if (cJSON_IsObject(origin) &&
	    (size_t)cJSON_GetArraySize(d) * (size_t)cJSON_GetArraySize(origin) > PN_SMP_MAX_MAP_WORK) {
		err = pn_error_fmt(PN_ERR_TOO_LARGE, "%s: a map and its patch are too large to merge (%d and %d "
		    "fields)", x->what, cJSON_GetArraySize(d), cJSON_GetArraySize(origin));
		goto done;
	}
	/* rebuild d's fields: its own first, in order, then the patch's new ones */
	if ((into = cJSON_CreateObject()) == NULL || (added = cJSON_CreateObject()) == NULL) {
		err = nomem(x);
		goto done;
	}
	if (cJSON_IsObject(origin)) {
		for (o = origin->child; o != NULL; o = o->next) {
			if ((skip != NULL && strcmp(o->string, skip) == 0) || field(d, o->string) != NULL)
				continue;
			if (cJSON_GetObjectItemCaseSensitive(origin, o->string) != o)
				continue;	/* a duplicate key: the first one counts */
			if ((err = walk_field(x, added, NULL, o->string, o, s, depth, calias)) != NULL)
				goto done;
		}
	}
	for (c = d->child; c != NULL; c = next) {
		next = c->next;
		cJSON_DetachItemViaPointer(d, c);
		o = (skip != NULL && strcmp(c->string, skip) == 0) ? NULL : field(origin, c->string);
		if ((err = walk_field(x, into, c, NULL, o, s, depth, calias)) != NULL)
			goto done;
	}
	while ((c = added->child) != NULL) {
		cJSON_DetachItemViaPointer(added, c);
		cJSON_AddItemToArray(into, c);
	}
	d->child = into->child;
	into->child = NULL;
	*out = d;
	fresh = NULL;
done:
	cJSON_Delete(into);
	cJSON_Delete(added);
	cJSON_Delete(fresh);
	return err;
}

/* ---- merged lists (kyaml walk/associative_sequence.go) ---- */

/* A list of node pointers that owns nothing. */
struct vec {
	cJSON **v;
	size_t n, cap;
};

/* The merge-key values of one element. */
struct tuple {
	const char *v[SMP_MAX_KEYS];
};

struct listmerge {
	struct smp *x;
	int alias;		/* the target's list is kyaml's patch list itself (a copy of it here) */
	char keybuf[SMP_MAX_KEYS][SMP_KEY_MAX];
	const char *keys[SMP_MAX_KEYS];
	size_t nkeys;
	struct tuple *t;	/* kyaml's valuesList */
	size_t nt;
	char **strs;		/* owns the strings the tuples point at */
	size_t nstrs;
	cJSON *bin;		/* owns the target's old elements and every new node until the end */
	struct vec dest, items;
};

static int
vec_push(struct vec *v, cJSON *n)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		cJSON **nv = realloc(v->v, cap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n++] = n;
	return 0;
}

static const char *
keep_str(struct listmerge *m, const char *s)
{
	size_t len = strlen(s);
	char *c;

	if (len == 0)
		return "";
	if ((c = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(c, s, len + 1);
	m->strs[m->nstrs++] = c;
	return c;
}

/* FieldMatcher{Name, StringValue}: an empty value matches any value of a present field. */
static int
field_matches(const cJSON *item, const char *name, const char *sv)
{
	const cJSON *f;

	if (smp_nodekind(item) == K_NONE)
		return 0;
	if (name[0] == '\0')
		return smp_nodekind(item) == K_SCALAR && strcmp(text(item), sv) == 0;
	if ((f = field(item, name)) == NULL)
		return 0;
	return sv[0] == '\0' || strcmp(text(f), sv) == 0;
}

/* ElementSetter on a list of pointers: el NULL removes the matching elements, else replaces them with el or
 * appends it. Null elements and empty maps are dropped on the way, as kyaml drops them. */
static int
element_set(struct vec *list, cJSON *el, const char *const *keys, size_t nkeys, const char *const *vals,
    size_t nvals)
{
	int mapping = nkeys > 0 && keys[0][0] != '\0' && nvals > 0 && vals[0][0] != '\0';
	int found_any = 0;
	size_t i, j, n = 0;

	for (i = 0; i < list->n; i++) {
		cJSON *item = list->v[i];
		int found = 1, val = 0;

		if (smp_nodekind(item) == K_NONE || empty_map(item))
			continue;
		if (!cJSON_IsObject(item) && mapping) {
			list->v[n++] = item;
			continue;
		}
		for (j = 0; j < nkeys; j++) {
			if (j < nvals)
				val = field_matches(item, keys[j], vals[j]);
			if (!val) {
				found = 0;
				break;
			}
		}
		if (!found) {
			if (nvals > 0)
				list->v[n++] = item;
			continue;
		}
		found_any = 1;
		if (el != NULL)
			list->v[n++] = el;
	}
	list->n = n;
	if (smp_nodekind(el) == K_NONE || found_any)
		return 0;
	return vec_push(list, el);
}

/* MatchElementList: the first element whose keys hold exactly these values. */
static cJSON *
element_find(cJSON *const *v, size_t n, const char *const *keys, const char *const *vals, size_t nk)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (nk == 0 || keys[0][0] == '\0') {
			if (strcmp(text(v[i]), nk == 0 ? "" : vals[0]) == 0)
				return v[i];
			continue;
		}
		if (!cJSON_IsObject(v[i]))
			continue;
		for (j = 0; j < nk; j++) {
			const cJSON *f = field(v[i], keys[j]);

			if (f == NULL || strcmp(text(f), vals[j]) != 0)
				break;
		}
		if (j == nk)
			return v[i];
	}
	return NULL;
}

/* validateKeys: keep the keys that some element of `list` has a value for (all keys when none has). */
static size_t
valid_keys(const struct tuple *list, size_t nlist, const struct tuple *t, const char *const *keys, size_t nk,
    const char **vk, const char **vv)
{
	size_t i, j, n = 0;

	for (i = 0; i < nk; i++) {
		for (j = 0; j < nlist; j++)
			if (list[j].v[i][0] != '\0')
				break;
		if (j < nlist) {
			vk[n] = keys[i];
			vv[n++] = t->v[i];
		}
	}
	if (n > 0)
		return n;
	for (i = 0; i < nk; i++) {
		vk[i] = keys[i];
		vv[i] = t->v[i];
	}
	return nk;
}

/* mergeValues: two key tuples that agree where both have a value, and share one, become one. */
static void
merge_values(struct listmerge *m)
{
	size_t i, j, k;

	for (i = 0; i < m->nt; i++) {
		for (j = 0; j < m->nt; j++) {
			struct tuple r;
			int common = 0;

			for (k = 0; k < m->nkeys; k++) {
				const char *a = m->t[i].v[k], *b = m->t[j].v[k];

				if (strcmp(a, b) == 0) {
					common = 1;
					r.v[k] = a;
				} else if (a[0] != '\0' && b[0] != '\0') {
					break;
				} else {
					r.v[k] = a[0] != '\0' ? a : b;
				}
			}
			if (k == m->nkeys && common)
				m->t[i] = m->t[j] = r;
		}
	}
}

static int
tuple_seen(const struct listmerge *m, const struct tuple *t, size_t nk)
{
	size_t i, k;

	for (i = 0; i < m->nt; i++) {
		for (k = 0; k < nk; k++)
			if (strcmp(m->t[i].v[k], t->v[k]) != 0)
				break;
		if (k == nk)
			return 1;
	}
	return 0;
}

/* An element's value for a merge key: "" when missing, null or an empty collection (IsNilOrEmpty). */
static const char *
key_value(const cJSON *elem, const char *key)
{
	const cJSON *f = key[0] == '\0' ? elem : field(elem, key);

	if (f == NULL || (key[0] != '\0' && (cJSON_IsObject(f) || cJSON_IsArray(f))))
		return "";
	return text(f);
}

/* elementValues / elementPrimitiveValues: the patch's elements first (prepend), then the target's. */
static const struct pn_error *
collect(struct listmerge *m, const cJSON *origin)
{
	cJSON *const *src[2];
	size_t nsrc[2], s, i, k;
	struct vec ov = { NULL, 0, 0 };
	const struct pn_error *err = NULL;
	const cJSON *c;

	for (c = origin != NULL ? origin->child : NULL; c != NULL; c = c->next)
		if (vec_push(&ov, (cJSON *)(uintptr_t)c) == -1) {
			err = nomem(m->x);
			goto done;
		}
	src[0] = ov.v;
	nsrc[0] = ov.n;
	src[1] = m->dest.v;
	nsrc[1] = m->dest.n;
	if ((m->t = calloc(ov.n + m->dest.n + 1, sizeof(*m->t))) == NULL ||
	    (m->strs = calloc((ov.n + m->dest.n) * SMP_MAX_KEYS + 1, sizeof(*m->strs))) == NULL) {
		err = nomem(m->x);
		goto done;
	}
	for (s = 0; s < 2; s++) {
		for (i = 0; i < nsrc[s]; i++) {
			struct tuple t;
			size_t nk = m->nkeys ? m->nkeys : 1;

			for (k = 0; k < nk; k++)
				t.v[k] = m->nkeys ? key_value(src[s][i], m->keys[k]) : text(src[s][i]);
			if (tuple_seen(m, &t, nk))
				continue;
			for (k = 0; k < nk; k++)
				if ((t.v[k] = keep_str(m, t.v[k])) == NULL) {
					err = nomem(m->x);
					goto done;
				}
			m->t[m->nt++] = t;
		}
	}
done:
	free(ov.v);
	return err;
}

/* appendListNode(items, dest): the target's elements replace their merged selves in the patch's order. */
static const struct pn_error *
append_dest(struct listmerge *m, const char *const *vk, size_t nvk)
{
	size_t i, k;

	for (i = 0; i < m->dest.n; i++) {
		cJSON *elem = m->dest.v[i];
		const char *v[SMP_MAX_KEYS];
		size_t nv = 0;

		if (vk[0][0] == '\0') {
			v[0] = text(elem);
			if (element_set(&m->items, elem, vk, 1, v, 1) == -1)
				return nomem(m->x);
			continue;
		}
		if (smp_nodekind(elem) != K_NONE && !cJSON_IsObject(elem))
			return pn_error_fmt(PN_ERR_PARSE, "%s: wrong node kind: expected MappingNode but got %s in a "
			    "list merged by %s", m->x->what, kind_name(smp_nodekind(elem)), vk[0]);
		for (k = 0; k < nvk; k++) {
			const cJSON *f = field(elem, vk[k]);

			if (f == NULL) {
				if (vec_push(&m->items, elem) == -1)
					return nomem(m->x);
				continue;
			}
			v[nv++] = text(f);
		}
		if (nvk > 1 && element_set(&m->items, NULL, vk, nvk, v, nv) == -1)
			return nomem(m->x);
		if (element_set(&m->items, elem, vk, nvk, v, nv) == -1)
			return nomem(m->x);
	}
	return NULL;
}

static const struct pn_error *
set_elements(struct listmerge *m, const cJSON *origin, struct sch es, size_t depth)
{
	const struct pn_error *err;
	const char *vk[SMP_MAX_KEYS], *vv[SMP_MAX_KEYS], *mk[SMP_MAX_KEYS], *mv[SMP_MAX_KEYS];
	const char *const *keys = m->keys;
	static const char *const prim[1] = { "" };
	size_t nk = m->nkeys, i, k, nvk = 0, nmk;
	struct vec ov = { NULL, 0, 0 };
	const cJSON *c;

	if (nk == 0) {
		keys = prim;
		nk = 1;
	} else if (nk > 1) {
		merge_values(m);
	}
	for (c = origin != NULL ? origin->child : NULL; c != NULL; c = c->next)
		if (vec_push(&ov, (cJSON *)(uintptr_t)c) == -1) {
			err = nomem(m->x);
			goto done;
		}
	for (i = 0; i < m->nt; i++) {
		cJSON *d, *o, *val = NULL;

		nvk = valid_keys(m->t, m->nt, &m->t[i], keys, nk, vk, vv);
		{
			struct tuple one;

			for (k = 0; k < nvk; k++)
				one.v[k] = vv[k];
			nmk = valid_keys(&one, 1, &one, vk, nvk, mk, mv);
		}
		d = element_find(m->dest.v, m->dest.n, mk, mv, nmk);
		/* when both lists are one node in kyaml, an element gone from one is gone from the other */
		o = m->alias && d == NULL ? NULL : element_find(ov.v, ov.n, mk, mv, nmk);
		if ((err = walk(m->x, d, o, es, depth + 1, m->alias, &val)) != NULL)
			goto done;
		if (val != NULL && val != d)
			cJSON_AddItemToArray(m->bin, val);
		if (smp_nodekind(val) == K_NONE || empty_map(val)) {
			(void)element_set(&m->dest, NULL, vk, nvk, vv, nvk);
			continue;
		}
		for (k = 0; k < nvk && cJSON_IsObject(val); k++) {
			if (vk[k][0] != '\0' && field(val, vk[k]) == NULL && vv[k][0] != '\0' &&
			    cJSON_AddStringToObject(val, vk[k], vv[k]) == NULL) {
				err = nomem(m->x);
				goto done;
			}
		}
		if (element_set(&m->items, val, vk, nvk, vv, nvk) == -1) {
			err = nomem(m->x);
			goto done;
		}
	}
	err = m->nt > 0 ? append_dest(m, vk, nvk) : NULL;
done:
	free(ov.v);
	return err;
}

static void
split_keys(struct listmerge *m, const char *keys)
{
	const char *p = keys;

	m->nkeys = 0;
	while (p != NULL && *p != '\0') {
		const char *e = strchr(p, ',');
		size_t len = e != NULL ? (size_t)(e - p) : strlen(p);

		if (m->nkeys == SMP_MAX_KEYS || len >= sizeof(m->keybuf[0]))
			PN_BUG("merge keys of the schema table");
		memcpy(m->keybuf[m->nkeys], p, len);
		m->keybuf[m->nkeys][len] = '\0';
		m->keys[m->nkeys] = m->keybuf[m->nkeys];
		m->nkeys++;
		p = e != NULL ? e + 1 : NULL;
	}
}

/* A merged list's `$patch` element ({$patch: replace}); kyaml removes the directive from a copy of the list. */
static const struct pn_error *
seq_directive(struct smp *x, const cJSON *origin, cJSON **elided, int *dir)
{
	const cJSON *c, *p = NULL;
	cJSON *e;
	struct vec v = { NULL, 0, 0 };
	const char *key = DIRECTIVE, *val;
	size_t i;

	*elided = NULL;
	*dir = D_MERGE;
	for (c = origin->child; c != NULL && p == NULL; c = c->next)
		if ((p = field(c, DIRECTIVE)) != NULL && cJSON_GetArraySize(c) > 1)
			return NULL;	/* the first element with $patch has more: not for the list */
	if (p == NULL)
		return NULL;
	val = text(p);
	if ((*dir = directive_of(val)) == D_UNKNOWN)
		return pn_error_fmt(PN_ERR_PARSE, "%s: unknown patch strategy '%s'", x->what, val);
	if ((*elided = cJSON_Duplicate(origin, 1)) == NULL)
		return nomem(x);
	for (e = (*elided)->child; e != NULL; e = e->next)
		if (vec_push(&v, e) == -1) {
			free(v.v);
			return nomem(x);
		}
	(void)element_set(&v, NULL, &key, 1, &val, 1);
	/* keep the survivors, in order */
	for (e = (*elided)->child; e != NULL; e = (*elided)->child) {
		cJSON_DetachItemViaPointer(*elided, e);
		for (i = 0; i < v.n && v.v[i] != e; i++)
			;
		if (i == v.n)
			cJSON_Delete(e);
	}
	for (i = 0; i < v.n; i++)
		cJSON_AddItemToArray(*elided, v.v[i]);
	free(v.v);
	return NULL;
}

static const struct pn_error *
walk_assoc(struct smp *x, cJSON *dest, const cJSON *origin, struct sch s, size_t depth, int alias, cJSON **out)
{
	const struct pn_error *err = NULL;
	struct listmerge m;
	cJSON *d = dest, *fresh = NULL, *elided = NULL, *c;
	size_t i;
	int dir;

	*out = NULL;
	memset(&m, 0, sizeof(m));
	m.x = x;
	m.alias = alias;
	if (smp_nodekind(dest) == K_NONE) {
		if ((fresh = cJSON_Duplicate(origin, 1)) == NULL)
			return nomem(x);
		d = fresh;
		m.alias = 1;
	} else if (origin != NULL && cJSON_IsNull(origin)) {
		return NULL;
	} else if (origin == NULL) {
		m.alias = 0;
	} else {
		if ((err = seq_directive(x, origin, &elided, &dir)) != NULL)
			return err;
		if (elided != NULL)
			origin = elided;
		if (dir == D_DELETE)
			goto done;
		if (alias && elided != NULL) {
			/* dest is kyaml's patch list itself: it loses the directive element too */
			while ((c = d->child) != NULL)
				cJSON_Delete(cJSON_DetachItemViaPointer(d, c));
			if ((fresh = cJSON_Duplicate(elided, 1)) == NULL) {
				err = nomem(x);
				goto done;
			}
			d->child = fresh->child;
			fresh->child = NULL;
			cJSON_Delete(fresh);
			fresh = NULL;
		} else if (dir == D_REPLACE) {
			m.alias = 1;
			if ((fresh = cJSON_Duplicate(origin, 1)) == NULL) {
				err = nomem(x);
				goto done;
			}
			d = fresh;
		}
	}
	if ((size_t)cJSON_GetArraySize(d) > PN_SMP_MAX_LIST ||
	    (origin != NULL && (size_t)cJSON_GetArraySize(origin) > PN_SMP_MAX_LIST)) {
		err = pn_error_fmt(PN_ERR_TOO_LARGE, "%s: a merged list has more than %d elements", x->what,
		    PN_SMP_MAX_LIST);
		goto done;
	}
	split_keys(&m, s.keys);
	if ((m.bin = cJSON_CreateArray()) == NULL) {
		err = nomem(x);
		goto done;
	}
	/* the target's elements move to the bin; the result is built from copies at the end */
	while ((c = d->child) != NULL) {
		cJSON_DetachItemViaPointer(d, c);
		cJSON_AddItemToArray(m.bin, c);
		if (vec_push(&m.dest, c) == -1) {
			err = nomem(x);
			goto done;
		}
	}
	if ((err = collect(&m, origin)) != NULL ||
	    (err = set_elements(&m, origin, schema_elements(x, s), depth)) != NULL)
		goto done;
	{
		struct vec *res = m.nt > 0 ? &m.items : &m.dest;

		for (i = 0; i < res->n; i++) {
			cJSON *copy = cJSON_Duplicate(res->v[i], 1);

			if (copy == NULL) {
				err = nomem(x);
				goto done;
			}
			cJSON_AddItemToArray(d, copy);
		}
	}
	*out = d;
	fresh = NULL;
done:
	for (i = 0; i < m.nstrs; i++)
		free(m.strs[i]);
	free(m.strs);
	free(m.t);
	free(m.dest.v);
	free(m.items.v);
	cJSON_Delete(m.bin);
	cJSON_Delete(elided);
	cJSON_Delete(fresh);
	return err;
}

static const struct pn_error *
walk(struct smp *x, cJSON *dest, const cJSON *origin, struct sch s, size_t depth, int alias, cJSON **out)
{
	int kd = smp_nodekind(dest), ko = smp_nodekind(origin), k = kd != K_NONE ? kd : ko;

	*out = NULL;
	if (depth > PN_SMP_MAX_DEPTH)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s: nested deeper than %d levels", x->what,
		    PN_SMP_MAX_DEPTH);
	if (kd != K_NONE && ko != K_NONE && kd != ko)
		return pn_error_fmt(PN_ERR_PARSE, "%s: wrong node kind: expected %s but got %s", x->what,
		    kind_name(kd), kind_name(ko));
	s = schema_for(x, s, dest, origin);
	switch (k) {
	case K_NONE:
	case K_MAP:
		return walk_map(x, dest, origin, s, depth, alias, out);
	case K_SEQ:
		if (s.assoc)
			return walk_assoc(x, dest, origin, s, depth, alias, out);
		break;
	default:
		break;
	}
	/* scalars and lists replaced whole: the patch's value when it has one */
	if (origin == NULL) {
		*out = dest;
		return NULL;
	}
	if ((*out = cJSON_Duplicate(origin, 1)) == NULL)
		return nomem(x);
	return NULL;
}

const struct pn_error *
pn_smp_apply(cJSON *target, const cJSON *patch, const char *what, struct pn_openapi *o)
{
	const struct pn_error *err;
	struct smp x;
	cJSON *res = NULL, *c;

	x.what = what != NULL ? what : "patch";
	x.o = o;
	pn_openapi_init(o);
	if (!cJSON_IsObject(target) || !cJSON_IsObject(patch))
		return pn_error_fmt(PN_ERR_PARSE, "%s: a strategic merge patch and its target must be maps", x.what);
	if ((err = walk(&x, target, patch, no_schema, 0, 0, &res)) != NULL)
		return err;
	if (res == target)
		return NULL;
	while ((c = target->child) != NULL)
		cJSON_Delete(cJSON_DetachItemViaPointer(target, c));
	if (res != NULL) {
		target->child = res->child;
		res->child = NULL;
		cJSON_Delete(res);
	}
	return NULL;
}
