/*
 * Name reference fixing (see namerefs.h).
 */
#include "namerefs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json.h"
#include "../core/banned.h"

struct ctx {
	struct pn_resmap *ra;
	const struct pn_fieldspec *referral;
	const struct pn_res *referrer;
	int role_ref;	/* the field is a roleRef's name: the roleRef's kind must be the referral's */
};

/* Whether r was once called `name` (in any namespace): kustomize's previousNameMatches, over the ids it
 * stored before a rename, a namespace or a JSON 6902 patch, never the current id alone. An object no
 * transformer touched is no referral (its references need no fixing, and do not get its namespace). */
static int
had_name(const struct pn_res *r, const char *name)
{
	size_t nl = strlen(name);

	if (r->cur_prev && strcmp(pn_res_name(r), name) == 0)
		return 1;
	for (const char *p = r->prev; p != NULL && *p != '\0';) {
		const char *slash = strchr(p, '/'), *end = strchr(p, '\n');

		if (slash == NULL || end == NULL)
			break;
		if ((size_t)(end - slash - 1) == nl && memcmp(slash + 1, name, nl) == 0)
			return 1;
		p = end + 1;
	}
	return 0;
}

/* Prefixes (kind 'p') or suffixes ('s') recorded in a fixes string, at most `cap`. */
static size_t
fix_list(const char *fixes, char kind, const char **v, size_t *len, size_t cap)
{
	size_t n = 0;

	for (const char *p = fixes; p != NULL && *p != '\0' && n < cap;) {
		const char *end = strchr(p, '\n');

		if (end == NULL)
			break;
		if (*p == kind) {
			v[n] = p + 1;
			len[n++] = (size_t)(end - p - 1);
		}
		p = end + 1;
	}
	return n;
}

/* kustomize's SameEndingSubSlice over one kind of fix (allow_empty: an empty side matches anything). */
static int
same_ending(const char *a, const char *b, char kind, int allow_empty)
{
	const char *va[PN_NAMEREFS_MAX_FIXES], *vb[PN_NAMEREFS_MAX_FIXES];
	size_t la[PN_NAMEREFS_MAX_FIXES], lb[PN_NAMEREFS_MAX_FIXES];
	size_t na = fix_list(a, kind, va, la, PN_NAMEREFS_MAX_FIXES), nb = fix_list(b, kind, vb, lb, PN_NAMEREFS_MAX_FIXES);
	size_t ns = na < nb ? na : nb;

	if (allow_empty && (na == 0 || nb == 0))
		return 1;
	if (ns == 0)
		return na == nb;
	for (size_t i = 1; i <= ns; i++)
		if (la[na - i] != lb[nb - i] || memcmp(va[na - i], vb[nb - i], la[na - i]) != 0)
			return 0;
	return 1;
}

static int
fixes_match(const struct pn_res *a, const struct pn_res *b, int allow_empty)
{
	return same_ending(a->fixes, b->fixes, 'p', allow_empty) && same_ending(a->fixes, b->fixes, 's', allow_empty);
}

/* Keep the candidates whose prefixes and suffixes end like the referrer's. */
static size_t
sieve_fixes(const struct ctx *c, const struct pn_res **cand, size_t n, int allow_empty)
{
	size_t o = 0;

	for (size_t k = 0; k < n; k++)
		if (fixes_match(cand[k], c->referrer, allow_empty))
			cand[o++] = cand[k];
	return o;
}

/* The one referral named `name` seen from namespace ns, by kustomize's selectReferral; *out NULL when none.
 * ns is ignored for a cluster-scoped referrer unless force_ns, which is set for a mapping that names its own
 * namespace (RBAC subjects): that may be the referral's original namespace as well. Candidates left at the
 * end are one when they have the same name, and for a mapping (`map`, which takes the namespace too) the
 * same namespace (kustomize's allNamesAreTheSame, allNamesAndNamespacesAreTheSame). */
static const struct pn_error *
select_referral(const struct ctx *c, const char *name, const char *ns, int force_ns, int map,
    const struct pn_res **out)
{
	int cluster_referrer = !force_ns && pn_res_cluster_scoped(c->referrer);
	const struct pn_res **cand;
	const struct pn_error *err = NULL;
	size_t n = 0, k;

	*out = NULL;
	if ((cand = calloc(c->ra->n + 1, sizeof(*cand))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	for (k = 0; k < c->ra->n; k++) {
		const struct pn_res *r = &c->ra->v[k];

		if (r->gone || !pn_res_selected(r, c->referral) || !had_name(r, name))
			continue;
		if (ns != NULL && !cluster_referrer && !pn_res_cluster_scoped(r) &&
		    !pn_resmap_ns_equal(pn_res_namespace(r), ns) && !(force_ns && pn_resmap_ns_equal(r->orig_ns, ns)))
			continue;
		cand[n++] = r;
	}
	if (n > 1)
		n = sieve_fixes(c, cand, n, 1);
	if (n > 1)
		n = sieve_fixes(c, cand, n, 0);
	for (k = 1; k < n && strcmp(pn_res_name(cand[0]), pn_res_name(cand[k])) == 0 &&
	    (!map || strcmp(pn_res_namespace(cand[0]), pn_res_namespace(cand[k])) == 0); k++)
		;
	if (n > 0 && k == n) {
		*out = cand[0];
	} else if (n > 1) {
		char a[PN_RESMAP_ID_MAX], b[PN_RESMAP_ID_MAX];

		pn_res_id(cand[0], a, sizeof(a));
		pn_res_id(cand[1], b, sizeof(b));
		err = pn_error_fmt(PN_ERR_PARSE, "found multiple possible referrals: %s, %s (for \"%s\" in %s)", a, b,
		    name, pn_res_name(c->referrer));
	}
	free(cand);
	return err;
}

static const struct pn_error *
set_str(cJSON *parent, const char *key, cJSON *field, const char *s)
{
	cJSON *v = cJSON_CreateString(s);

	if (v == NULL)
		return pn_error(PN_ERR_NOMEM);
	if (key == NULL)	/* an element of a list */
		cJSON_ReplaceItemViaPointer(parent, field, v);
	else if (field != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(parent, key, v);
	else
		cJSON_AddItemToObject(parent, key, v);
	return NULL;
}

/* A {name, namespace, kind} mapping. */
static const struct pn_error *
fix_map(const struct ctx *c, cJSON *m)
{
	const char *name = pn_jstr(m, "name"), *kind = pn_jstr(m, "kind"), *ns = pn_jstr(m, "namespace");
	const struct pn_res *r;
	const struct pn_error *err;

	if (name == NULL || (kind != NULL && c->referral->kind != NULL && strcmp(kind, c->referral->kind) != 0))
		return NULL;
	err = select_referral(c, name, ns != NULL ? ns : pn_res_namespace(c->referrer), ns != NULL, 1, &r);
	if (err != NULL || r == NULL)
		return err;
	if ((err = set_str(m, "name", cJSON_GetObjectItemCaseSensitive(m, "name"), pn_res_name(r))) != NULL)
		return err;
	if (pn_res_namespace(r)[0] != '\0')	/* a subject without one gets it too (kubectl checked) */
		return set_str(m, "namespace", cJSON_GetObjectItemCaseSensitive(m, "namespace"), pn_res_namespace(r));
	return NULL;
}

static const struct pn_error *
fix(cJSON *parent, const char *key, cJSON *field, int create, const void *vctx)
{
	const struct ctx *c = vctx;
	const struct pn_res *r;
	const struct pn_error *err;

	(void)create;
	if (field == NULL)
		return NULL;
	if (cJSON_IsString(field)) {
		const char *kind = pn_jstr(parent, "kind");

		if (c->role_ref && key != NULL && (kind == NULL || c->referral->kind == NULL ||
		    strcmp(kind, c->referral->kind) != 0))
			return NULL;
		if ((err = select_referral(c, field->valuestring, pn_res_namespace(c->referrer), 0, 0, &r)) != NULL ||
		    r == NULL)
			return err;
		if (strcmp(field->valuestring, pn_res_name(r)) == 0)
			return NULL;
		return set_str(parent, key, field, pn_res_name(r));
	}
	if (cJSON_IsObject(field))
		return fix_map(c, field);
	if (cJSON_IsArray(field)) {
		for (cJSON *e = field->child, *next; e != NULL; e = next) {
			next = e->next;	/* e may be replaced */
			if (cJSON_IsObject(e))
				err = fix_map(c, e);
			else if (cJSON_IsString(e))
				err = fix(field, NULL, e, 0, vctx);
			else
				err = NULL;
			if (err != NULL)
				return err;
		}
	}
	return NULL;
}

/* The number of rules in kustomize's table, counted once (the table ends with an empty path). */
static size_t
builtin_count(void)
{
	static size_t n;

	if (n == 0)
		while (pn_fieldspec_namerefs[n].spec.path != NULL)
			n++;
	return n;
}

/* The rules in order: kustomize's table, then the user's. */
static const struct pn_nameref *
rule(const struct pn_nameref *user, size_t nb, size_t i)
{
	return i < nb ? &pn_fieldspec_namerefs[i] : &user[i - nb];
}

size_t
pn_namerefs_count(const struct pn_nameref *user)
{
	size_t n = builtin_count();

	for (const struct pn_nameref *t = user; t != NULL && t->spec.path != NULL; t++)
		n++;
	return n;
}

int
pn_namerefs_selects(const struct pn_res *r, const struct pn_nameref *user)
{
	/* the id read once: every rule asks for it, and a loaded object answers by two lookups */
	const char *api = pn_res_api_version(r), *kind = pn_res_kind(r);

	for (const struct pn_nameref *t = pn_fieldspec_namerefs; t->spec.path != NULL; t++)
		if (pn_fieldspec_selects_id(&t->spec, api, kind))
			return 1;
	for (const struct pn_nameref *t = user; t != NULL && t->spec.path != NULL; t++)
		if (pn_fieldspec_selects_id(&t->spec, api, kind))
			return 1;
	return 0;
}

/* kustomize's getNamespacesForRoleBinding, which runs before any rule on a RoleBinding: a ServiceAccount
 * subject whose namespace is there but not a string (`namespace:` with nothing after it) is an error. */
static const struct pn_error *
check_role_binding(const struct pn_res *r)
{
	const cJSON *subjects = cJSON_GetObjectItemCaseSensitive(r->obj, "subjects"), *s;
	char id[PN_RESMAP_ID_MAX];

	if (strcmp(pn_res_kind(r), "RoleBinding") != 0)
		return NULL;
	for (s = cJSON_IsArray(subjects) ? subjects->child : NULL; s != NULL; s = s->next) {
		const cJSON *ns = cJSON_GetObjectItemCaseSensitive(s, "namespace");
		const char *kind = pn_jstr(s, "kind");

		if (ns != NULL && !cJSON_IsString(ns) && kind != NULL && strcmp(kind, "ServiceAccount") == 0) {
			pn_res_id(r, id, sizeof(id));
			return pn_error_fmt(PN_ERR_PARSE, "Invalid Input: namespace is blank for resource \"%s\"", id);
		}
	}
	return NULL;
}

const struct pn_error *
pn_namerefs_fix_one(struct pn_resmap *ra, size_t k, const struct pn_nameref *user, size_t limit, size_t *failed)
{
	struct pn_res *r = &ra->v[k];
	const char *api = pn_res_api_version(r), *kind = pn_res_kind(r);
	const struct pn_error *err;

	if (limit > 0 && (err = check_role_binding(r)) != NULL) {
		*failed = 0;
		return err;
	}
	for (size_t i = 0, nb = builtin_count(); i < limit; i++) {
		const struct pn_nameref *t = rule(user, nb, i);
		struct ctx c = {ra, &t->referral, r, 0};

		if (!pn_fieldspec_selects_id(&t->spec, api, kind))
			continue;
		c.role_ref = strstr(t->spec.path, "roleRef") != NULL;
		if ((err = pn_fieldspec_walk(r->obj, &t->spec, fix, &c)) != NULL) {
			char id[PN_RESMAP_ID_MAX];

			*failed = i;
			pn_res_id(r, id, sizeof(id));
			return pn_error_wrap(err, "%s: %s", id, t->spec.path);
		}
		/* a fix may have replaced strings of r->obj (a user's rule could even name these fields) */
		api = pn_res_api_version(r);
		kind = pn_res_kind(r);
	}
	return NULL;
}

const struct pn_error *
pn_namerefs_fix(struct pn_resmap *ra, const struct pn_nameref *user)
{
	const struct pn_error *err;
	struct pn_error first;
	size_t best = pn_namerefs_count(user), failed;

	for (size_t k = 0; k < ra->n && best > 0; k++) {
		if (!pn_namerefs_selects(&ra->v[k], user))
			continue;
		if ((err = pn_res_load(ra, &ra->v[k])) != NULL)
			return err;
		if ((err = pn_namerefs_fix_one(ra, k, user, best, &failed)) != NULL) {
			first = *err;
			best = failed;
		}
		if ((err = pn_res_spill(ra, &ra->v[k])) != NULL)
			return err;
	}
	return best < pn_namerefs_count(user) ? pn_error_fmt(first.code, "%s", first.msg) : NULL;
}
