/*
 * kustomize's vars (see vars.h): declared per kustomization, bound to an object, resolved and expanded at the
 * end of the build.
 */
#include "vars.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/banned.h"

/* Bytes of one var in a message (each of its parts is cut to fit). */
#define VARS_MSG_MAX 512

/* The fields of a var, as written in its objref and fieldref ("" when absent). */
enum { F_NAME, F_API, F_GROUP, F_VERSION, F_KIND, F_OBJNAME, F_NS, F_PATH, F_N };

struct pn_var {
	cJSON *doc;		/* a copy of its entry in the kustomization (the strings point into it) */
	const char *f[F_N];
	const char *g, *v;	/* group and version as Target.GVK() makes them: apiVersion, when set, wins */
};

static const struct pn_error *
nomem(void)
{
	return pn_error(PN_ERR_NOMEM);
}

/* ---- kustomize's default varReference field specs (api/internal/konfig/builtinpluginconsts/varreference.go):
 * the 8 container fields of each pod-holding kind, then the others (kind "" is any). Kept as text, not as a
 * table of specs, to keep the armel binary small. */

static const char *const pod_kinds[] = {
	"CronJob", "spec/jobTemplate/spec/template/spec/", "DaemonSet", "spec/template/spec/",
	"Deployment", "spec/template/spec/", "Job", "spec/template/spec/", "Pod", "spec/",
	"ReplicaSet", "spec/template/spec/", "StatefulSet", "spec/template/spec/",
};
static const char *const pod_fields[] = {
	"containers/args", "containers/command", "containers/env/value", "containers/volumeMounts/mountPath",
	"initContainers/args", "initContainers/command", "initContainers/env/value",
	"initContainers/volumeMounts/mountPath",
};
static const char *const other_specs[] = {
	"CronJob", "spec/jobTemplate/spec/template/volumes/nfs/server",
	"DaemonSet", "spec/template/spec/volumes/nfs/server",
	"Deployment", "spec/template/spec/volumes/nfs/server",
	"Deployment", "spec/template/metadata/annotations",
	"Ingress", "spec/rules/host", "Ingress", "spec/tls/hosts", "Ingress", "spec/tls/secretName",
	"Job", "spec/template/spec/volumes/nfs/server",
	"Pod", "spec/volumes/nfs/server",
	"ReplicaSet", "spec/template/spec/volumes/nfs/server",
	"Service", "spec/ports/port", "Service", "spec/ports/targetPort",
	"StatefulSet", "spec/volumeClaimTemplates/spec/nfs/server",
	"PersistentVolume", "spec/nfs/server",
	"", "metadata/labels", "", "metadata/annotations",
};

#define NFIELDS (sizeof(pod_fields) / sizeof(pod_fields[0]))
#define NPOD (sizeof(pod_kinds) / sizeof(pod_kinds[0]) / 2 * NFIELDS)
#define NDEFAULT (NPOD + sizeof(other_specs) / sizeof(other_specs[0]) / 2)

/* Default spec number i (< NDEFAULT) into *fs, its path written to buf when it must be made. */
static void
default_spec(size_t i, struct pn_fieldspec *fs, char *buf, size_t cap)
{
	memset(fs, 0, sizeof(*fs));
	if (i < NPOD) {
		fs->kind = pod_kinds[i / NFIELDS * 2];
		snprintf(buf, cap, "%s%s", pod_kinds[i / NFIELDS * 2 + 1], pod_fields[i % NFIELDS]);
		fs->path = buf;
		return;
	}
	i -= NPOD;
	fs->kind = other_specs[i * 2][0] != '\0' ? other_specs[i * 2] : NULL;
	fs->path = other_specs[i * 2 + 1];
}

/* ---- one var ---- */

static void
var_free(struct pn_var *v)
{
	cJSON_Delete(v->doc);
	memset(v, 0, sizeof(*v));
}

static const struct pn_error *
var_parse(const char *kfile, const cJSON *e, struct pn_var *v)
{
	static const char *const keys[F_N] = {"name", "apiVersion", "group", "version", "kind", "name", "namespace",
		"fieldPath"};
	char *str[F_N], *api, *slash;

	if (!cJSON_IsObject(e))
		return pn_error_fmt(PN_ERR_PARSE, "%s: a vars entry must be a mapping", kfile);
	if ((v->doc = cJSON_Duplicate(e, 1)) == NULL)
		return nomem();
	for (int i = 0; i < F_N; i++) {
		/* Go's encoding/json: the key as written, else ignoring case */
		const cJSON *in = i == F_NAME ? v->doc : cJSON_GetObjectItem(v->doc, i == F_PATH ? "fieldref" : "objref");
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(in, keys[i]);

		if (m == NULL)
			m = cJSON_GetObjectItem(in, keys[i]);
		str[i] = cJSON_IsString(m) ? m->valuestring : NULL;
		v->f[i] = str[i] != NULL ? str[i] : "";
	}
	v->g = v->f[F_GROUP];
	v->v = v->f[F_VERSION];
	/* the copy's apiVersion is cut in two: only g and v read it from here on */
	if ((api = str[F_API]) == NULL || api[0] == '\0')
		return NULL;
	if ((slash = strchr(api, '/')) == NULL) {
		v->v = api;
	} else if (slash != NULL && strchr(slash + 1, '/') == NULL) {
		*slash = '\0';
		v->g = api;
		v->v = slash + 1;
	}
	return NULL;
}

/* A var as Go prints it with %v once Target.GVK() ran: "{NAME Kind.version.group {fieldPath}}", with the default
 * field path when `defaulted`. */
static void
var_fmt(const struct pn_var *v, int defaulted, char *buf, size_t cap)
{
	const char *g = v->g, *ver = v->v;
	const char *fp = v->f[F_PATH][0] == '\0' && defaulted ? "metadata.name" : v->f[F_PATH];

	snprintf(buf, cap, "{%.100s %.100s.%.60s.%.100s {%.100s}}", v->f[F_NAME], v->f[F_KIND][0] != '\0' ?
	    v->f[F_KIND] : "[noKind]", ver[0] != '\0' ? ver : "[noVer]", g[0] != '\0' ? g : "[noGrp]", fp);
}

/* ---- binding ---- */

/* Whether the id name/ns (nlen and nslen bytes) is v's objref: kustomize's GvknEquals when the objref has no
 * namespace (any matches), else Equals on the effective namespaces ("" is "default"; a cluster-scoped id has
 * none that an objref can name). */
static int
id_is(const struct pn_var *v, int cluster, const char *name, size_t nlen, const char *ns, size_t nslen)
{
	const char *want = v->f[F_NS];

	if (strlen(v->f[F_OBJNAME]) != nlen || memcmp(v->f[F_OBJNAME], name, nlen) != 0)
		return 0;
	if (want[0] == '\0')
		return 1;
	if (nslen == 0) {
		ns = "default";
		nslen = 7;
	}
	return !cluster && strlen(want) == nslen && memcmp(want, ns, nslen) == 0;
}

/* Whether v's objref names r under its current, original or an earlier id (GetMatchingResourcesByAnyId). */
static int
res_matches(const struct pn_var *v, const struct pn_res *r)
{
	const char *api = pn_res_api_version(r), *cur = pn_res_name(r), *ns = pn_res_namespace(r);
	int cluster = pn_res_cluster_scoped(r);
	size_t gl = strlen(v->g);

	if (strcmp(pn_res_kind(r), v->f[F_KIND]) != 0 || (gl == 0 ? strcmp(api, v->v) != 0 :
	    strncmp(api, v->g, gl) != 0 || api[gl] != '/' || strcmp(api + gl + 1, v->v) != 0))
		return 0;
	if (id_is(v, cluster, cur, strlen(cur), ns, strlen(ns)) ||
	    (r->orig_name != NULL && id_is(v, cluster, r->orig_name, strlen(r->orig_name), r->orig_ns,
	    strlen(r->orig_ns))))
		return 1;
	/* earlier ids: "namespace/name\n" each */
	for (const char *p = r->prev, *sl, *end; p != NULL && (sl = strchr(p, '/')) != NULL &&
	    (end = strchr(sl, '\n')) != NULL; p = end + 1)
		if (id_is(v, cluster, sl + 1, (size_t)(end - sl - 1), p, (size_t)(sl - p)))
			return 1;
	return 0;
}

/* Record on r that var number idx is bound to it (at most PN_VARS_MAX short numbers in a whole build: the
 * index budget counts them at the object's next spill). */
static const struct pn_error *
bind(struct pn_res *r, size_t idx)
{
	char *n;

	if (asprintf(&n, "%s%zu\n", r->refvars != NULL ? r->refvars : "", idx) < 0)
		return nomem();
	free(r->refvars);
	r->refvars = n;
	return NULL;
}

static int
bound(const struct pn_res *r, size_t idx)
{
	char num[32];
	size_t len = (size_t)snprintf(num, sizeof(num), "%zu\n", idx);

	for (const char *p = r->refvars; p != NULL && *p != '\0'; p = strchr(p, '\n') + 1)
		if (strncmp(p, num, len) == 0)
			return 1;
	return 0;
}

const struct pn_error *
pn_vars_merge(struct pn_vars *set, struct pn_resmap *ra, const char *kfile, const cJSON *list)
{
	const struct pn_error *err = NULL;
	char one[VARS_MSG_MAX];
	size_t m = 0, k;

	if (list == NULL || cJSON_IsNull(list))
		return NULL;
	if (!cJSON_IsArray(list))
		return pn_error_fmt(PN_ERR_PARSE, "%s: vars must be a list", kfile);
	for (const cJSON *e = list->child; e != NULL; e = e->next)
		m++;
	if (m > PN_VARS_MAX - set->n)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s: the build declares more than %d vars", kfile, PN_VARS_MAX);
	if (set->n + m > set->cap) {
		struct pn_var *nv = realloc(set->v, (set->n + m) * sizeof(*nv));

		if (nv == NULL)
			return nomem();
		set->v = nv;
		set->cap = set->n + m;
	}
	memset(&set->v[set->n], 0, m * sizeof(*set->v));
	k = 0;
	for (const cJSON *e = list->child; e != NULL && err == NULL; e = e->next, k++)
		err = var_parse(kfile, e, &set->v[set->n + k]);
	/* kustomize's MergeVars: bind every var to its object, then add them to the set */
	for (size_t i = 0; i < m && err == NULL; i++) {
		struct pn_var *v = &set->v[set->n + i];
		size_t nmatch = 0;
		struct pn_res *hit = NULL;

		for (size_t r = 0; r < ra->n; r++) {
			if (!ra->v[r].gone && res_matches(v, &ra->v[r])) {
				nmatch++;
				hit = &ra->v[r];
			}
		}
		if (nmatch > 1) {
			var_fmt(v, 0, one, sizeof(one));
			err = pn_error_fmt(PN_ERR_PARSE, "%s: merging vars: found %zu resId matches for var %s (unable to "
			    "disambiguate)", kfile, nmatch, one);
		} else if (hit != NULL) {
			err = bind(hit, set->n + i);
		}
	}
	for (size_t i = 0; i < m && err == NULL; i++) {
		for (size_t j = 0; j < set->n + i; j++) {
			if (strcmp(set->v[j].f[F_NAME], set->v[set->n + i].f[F_NAME]) == 0) {
				err = pn_error_fmt(PN_ERR_PARSE, "%s: merging vars: var '%s' already encountered", kfile,
				    set->v[set->n + i].f[F_NAME]);
				break;
			}
		}
	}
	if (err != NULL) {
		for (size_t i = 0; i < m; i++)
			var_free(&set->v[set->n + i]);
		return err;
	}
	set->n += m;
	return NULL;
}

void
pn_vars_release(struct pn_vars *set)
{
	for (size_t k = 0; k < set->n; k++)
		var_free(&set->v[k]);
	free(set->v);
	memset(set, 0, sizeof(*set));
}

/* ---- field paths (kyaml's RNode.GetFieldValue: SmarterPathSplitter, convertSliceIndex, Lookup) ---- */

/* One part of a path applied to node (part is cut in place). */
static const cJSON *
step(const cJSON *node, char *part)
{
	size_t len = strlen(part);
	char *end, *eq;
	long idx;

	if (node == NULL || len == 0)
		return NULL;
	idx = strtol(part, &end, 10);
	if (*end == '\0')	/* a number: an element of a list */
		return idx < 0 || idx > INT_MAX || !cJSON_IsArray(node) ? NULL : cJSON_GetArrayItem(node, (int)idx);
	if (part[0] == '[' && part[len - 1] == ']' && (eq = strchr(part, '=')) != NULL) {
		/* [key=value]: the first element of a list whose field key is value */
		*eq = part[len - 1] = '\0';
		for (const cJSON *e = cJSON_IsArray(node) ? node->child : NULL; e != NULL; e = e->next) {
			const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, part + 1));

			if (v != NULL && strcmp(v, eq + 1) == 0)
				return e;
		}
		return NULL;
	}
	return cJSON_GetObjectItemCaseSensitive(node, part);
}

/* Apply one element of the split path: "name[3]" is name, then 3. */
static const cJSON *
step_elem(const cJSON *node, char *elem)
{
	size_t len = strlen(elem);
	char *open;

	if (len > 0 && elem[len - 1] == ']' && (open = strrchr(elem, '[')) != NULL && open[1] != ']') {
		size_t d = (size_t)(open - elem) + 1;

		while (d < len - 1 && elem[d] >= '0' && elem[d] <= '9')
			d++;
		if (d == len - 1) {
			elem[len - 1] = '\0';
			*open = '\0';
			if (open != elem)
				node = step(node, elem);
			return step(node, open + 1);
		}
	}
	return step(node, elem);
}

const cJSON *
pn_vars_lookup(const cJSON *obj, const char *path)
{
	char part[PN_FIELDSPEC_MAX_PATH];
	const char *p = path[0] == '.' && path[1] != '\0' ? path + 1 : path;	/* a leading '.' is dropped */

	for (size_t parts = 0; obj != NULL && parts < PN_VARS_MAX_PATH_PARTS; parts++) {
		const char *close = p[0] == '[' ? strchr(p, ']') : NULL;
		size_t n = 0;

		if (close != NULL && memchr(p, '.', (size_t)(close - p)) != NULL) {
			/* SmarterPathSplitter: "[a.b/c]" is one part; without '=' its brackets go */
			int eq = memchr(p, '=', (size_t)(close - p)) != NULL;

			if ((size_t)(close - p) >= sizeof(part))
				return NULL;
			n = (size_t)(close - p) - !eq + 1 - !eq;
			memcpy(part, p + !eq, n);
			p = close + 1;
		}
		/* PathSplitter: '.' separates, "\." is a dot in a name */
		for (; *p != '\0' && *p != '.'; p++) {
			if (n + 1 >= sizeof(part))
				return NULL;
			if (*p == '\\' && p[1] == '.')
				p++;
			part[n++] = *p;
		}
		part[n] = '\0';
		obj = step_elem(obj, part);
		if (*p++ == '\0')
			return obj;
	}
	return NULL;
}

/* ---- expansion (refvar.DoReplacements with MakePrimitiveReplacer) ---- */

static int
primitive(const cJSON *v)
{
	return cJSON_IsString(v) || cJSON_IsRaw(v) || cJSON_IsBool(v);
}

/* A float's text as Go's fmt %v prints a float64 (strconv 'g', shortest, %e from exponent 6 or below -4). */
static void
go_float(const char *text, char *out, size_t cap)
{
	double d = strtod(text, NULL);
	char tmp[64], *e;
	int p, exp;

	for (p = 1; p < 17; p++) {
		snprintf(tmp, sizeof(tmp), "%.*e", p - 1, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	snprintf(tmp, sizeof(tmp), "%.*e", p - 1, d);
	e = strchr(tmp, 'e');
	exp = e != NULL ? (int)strtol(e + 1, NULL, 10) : 0;
	if (exp < -4 || exp >= 6)
		snprintf(out, cap, "%s", tmp);
	else
		snprintf(out, cap, "%.*f", p - 1 - exp > 0 ? p - 1 - exp : 0, d);
}

/* Append the value as Go's %v prints it. */
static const struct pn_error *
add_value(struct pn_buf *b, const cJSON *v)
{
	char f[64];

	if (cJSON_IsString(v))
		return pn_buf_addstr(b, v->valuestring);
	if (cJSON_IsBool(v))
		return pn_buf_addstr(b, cJSON_IsTrue(v) ? "true" : "false");
	if (strpbrk(v->valuestring, ".eE") == NULL)
		return pn_buf_addstr(b, v->valuestring);
	go_float(v->valuestring, f, sizeof(f));
	return pn_buf_addstr(b, f);
}

const struct pn_error *
pn_vars_expand(const char *s, const cJSON *values, cJSON **out)
{
	const struct pn_error *err = NULL;
	size_t len = strlen(s), checkpoint = 0, c;
	struct pn_buf b;

	*out = NULL;
	pn_buf_init(&b, PN_VARS_MAX_STRING, "a string with vars expanded");
	for (c = 0; c < len && err == NULL; c++) {
		if (s[c] != '$' || c + 1 >= len)
			continue;
		if ((err = pn_buf_add(&b, s + checkpoint, c - checkpoint)) != NULL)
			break;
		if (s[c + 1] == '$') {
			err = pn_buf_addch(&b, '$');
		} else if (s[c + 1] == '(') {
			const char *close = memchr(s + c + 2, ')', len - c - 2);
			const cJSON *v = NULL;
			char *name;

			if (close == NULL) {
				err = pn_buf_add(&b, "$(", 2);
			} else {
				size_t nlen = (size_t)(close - s) - c - 2;

				if ((name = strndup(s + c + 2, nlen)) == NULL) {
					err = nomem();
					break;
				}
				v = cJSON_GetObjectItemCaseSensitive(values, name);
				free(name);
				if (v != NULL && !primitive(v))
					v = NULL;
				if (c == 0 && close == s + len - 1) {
					/* "$(NAME)" alone keeps the value's type */
					pn_buf_release(&b);
					*out = v != NULL ? cJSON_Duplicate(v, 1) : cJSON_CreateString(s);
					return *out != NULL ? NULL : nomem();
				}
				if (v != NULL)
					err = add_value(&b, v);
				else
					err = pn_buf_add(&b, s + c, nlen + 3);
				c = (size_t)(close - s) - 1;
			}
		} else {
			err = pn_buf_add(&b, s + c, 2);
		}
		c++;
		checkpoint = c + 1;
	}
	if (err == NULL && (err = pn_buf_add(&b, s + checkpoint, len - checkpoint)) == NULL &&
	    (*out = cJSON_CreateString(pn_buf_str(&b))) == NULL)
		err = nomem();
	pn_buf_release(&b);
	return err;
}

/* ---- resolution ---- */

struct expand_ctx {
	const cJSON *values;
	const char *id, *path;
};

/* Expand the string item of `parent` (an object when key is set, else an array). */
static const struct pn_error *
replace(cJSON *parent, const char *key, cJSON *item, const cJSON *values)
{
	const struct pn_error *err;
	cJSON *n;

	if (strchr(item->valuestring, '$') == NULL)
		return NULL;
	if ((err = pn_vars_expand(item->valuestring, values, &n)) != NULL)
		return err;
	if (key != NULL ? !cJSON_ReplaceItemInObjectCaseSensitive(parent, key, n) :
	    !cJSON_ReplaceItemViaPointer(parent, item, n)) {
		cJSON_Delete(n);
		return nomem();
	}
	return NULL;
}

/* refvar.Filter's set at one field: a string, the string values of a mapping, or a list of strings. */
static const struct pn_error *
expand_field(cJSON *parent, const char *key, cJSON *field, int create, const void *ctx)
{
	const struct expand_ctx *x = ctx;
	const struct pn_error *err;
	cJSON *next;

	(void)create;
	if (field == NULL || cJSON_IsNull(field))
		return NULL;
	if (cJSON_IsString(field))
		return replace(parent, key, field, x->values);
	if (cJSON_IsObject(field)) {
		for (cJSON *m = field->child; m != NULL; m = next) {
			next = m->next;
			if (cJSON_IsString(m) && (err = replace(field, m->string, m, x->values)) != NULL)
				return err;
		}
	} else if (cJSON_IsArray(field)) {
		for (cJSON *e = field->child; e != NULL; e = next) {
			next = e->next;
			if (!cJSON_IsString(e))
				return pn_error_fmt(PN_ERR_PARSE, "considering field '%s' of object %s: visit traversal on path: "
				    "[%s]: invalid value type expect a string", x->path, x->id, key);
			if ((err = replace(field, NULL, e, x->values)) != NULL)
				return err;
		}
	}
	return NULL;
}

/* Numbers and booleans of map as strings. */
static const struct pn_error *
stringify(cJSON *map)
{
	cJSON *next, *s;

	for (cJSON *v = cJSON_IsObject(map) ? map->child : NULL; v != NULL; v = next) {
		next = v->next;
		if (!cJSON_IsRaw(v) && !cJSON_IsBool(v))
			continue;
		if ((s = cJSON_CreateString(cJSON_IsRaw(v) ? v->valuestring : cJSON_IsTrue(v) ? "true" : "false")) == NULL ||
		    !cJSON_ReplaceItemInObjectCaseSensitive(map, v->string, s)) {
			cJSON_Delete(s);
			return nomem();
		}
	}
	return NULL;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp((*(const struct pn_var *const *)a)->f[F_NAME], (*(const struct pn_var *const *)b)->f[F_NAME]);
}

/* The value of every var, into the object values (a non-scalar value as an empty array: left unexpanded). */
static const struct pn_error *
make_values(const struct pn_vars *set, struct pn_resmap *ra, cJSON *values)
{
	const struct pn_error *err = NULL;
	const struct pn_var **order = calloc(set->n, sizeof(*order));
	char one[VARS_MSG_MAX];

	if (order == NULL)
		return nomem();
	for (size_t k = 0; k < set->n; k++)
		order[k] = &set->v[k];
	qsort(order, set->n, sizeof(*order), by_name);	/* kustomize's VarSet.AsSlice */
	for (size_t k = 0; k < set->n && err == NULL; k++) {
		const struct pn_var *v = order[k];
		const cJSON *val;
		struct pn_res *r = NULL;
		cJSON *copy = NULL, *spooled = NULL;

		for (size_t i = 0; i < ra->n && r == NULL; i++)
			if (!ra->v[i].gone && bound(&ra->v[i], (size_t)(v - set->v)))
				r = &ra->v[i];
		var_fmt(v, 1, one, sizeof(one));
		if (r == NULL) {
			err = pn_error_fmt(PN_ERR_PARSE, "var '%s' cannot be mapped to a field in the set of known resources",
			    one);
			break;
		}
		if (r->obj == NULL && (err = pn_spool_get(ra->spool, &r->slot, &spooled)) != NULL)
			break;
		val = pn_vars_lookup(r->obj != NULL ? r->obj : spooled, v->f[F_PATH][0] != '\0' ? v->f[F_PATH] :
		    "metadata.name");
		if (val == NULL)
			err = pn_error_fmt(PN_ERR_PARSE, "field specified in var '%s' not found in corresponding resource", one);
		else if (cJSON_IsNull(val))
			copy = cJSON_CreateString("null");
		else
			copy = primitive(val) ? cJSON_Duplicate(val, 1) : cJSON_CreateArray();
		if (err == NULL && (copy == NULL || !cJSON_AddItemToObject(values, v->f[F_NAME], copy))) {
			cJSON_Delete(copy);
			err = nomem();
		}
		cJSON_Delete(spooled);
	}
	free(order);
	return err;
}

static int
same(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

/* Whether user spec k repeats a default or an earlier one (kustomize's FsSlice.MergeOne keeps one of them). */
static int
repeated(const struct pn_fieldspec *user, size_t k)
{
	const struct pn_fieldspec *u = &user[k];
	struct pn_fieldspec fs;
	char buf[PN_FIELDSPEC_MAX_PATH];

	for (size_t i = 0; i < NDEFAULT + k; i++) {
		if (i < NDEFAULT)
			default_spec(i, &fs, buf, sizeof(buf));
		else
			fs = user[i - NDEFAULT];
		if (same(fs.group, u->group) && same(fs.version, u->version) && same(fs.kind, u->kind) &&
		    strcmp(fs.path, u->path) == 0)
			return 1;
	}
	return 0;
}

const struct pn_error *
pn_vars_resolve(const struct pn_vars *set, struct pn_resmap *ra, const struct pn_fieldspec *user)
{
	const struct pn_error *err = NULL;
	size_t nuser = 0;
	cJSON *values = NULL;

	if (set->n == 0)
		return NULL;
	if ((values = cJSON_CreateObject()) == NULL)
		return nomem();
	if ((err = make_values(set, ra, values)) != NULL)
		goto done;
	while (user != NULL && user[nuser].path != NULL)
		nuser++;
	/* every object: metadata/labels and metadata/annotations select all of them */
	for (size_t k = 0; k < ra->n && err == NULL; k++) {
		struct pn_res *r = &ra->v[k];
		char id[PN_RESMAP_ID_MAX], buf[PN_FIELDSPEC_MAX_PATH];
		struct pn_fieldspec fs;

		if (r->gone)
			continue;
		if ((err = pn_res_load(ra, r)) != NULL)
			break;
		pn_res_id(r, id, sizeof(id));
		for (size_t j = 0; j < NDEFAULT + nuser && err == NULL; j++) {
			struct expand_ctx x = {values, id, buf};

			if (j < NDEFAULT) {
				default_spec(j, &fs, buf, sizeof(buf));
			} else {
				if (repeated(user, j - NDEFAULT))
					continue;
				fs = user[j - NDEFAULT];
			}
			x.path = fs.path;
			if (pn_res_selected(r, &fs))
				err = pn_fieldspec_walk(r->obj, &fs, expand_field, &x);
		}
		/* kustomize writes metadata.annotations back as strings when it removes its build annotations */
		if (err == NULL)
			err = stringify(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r->obj, "metadata"),
			    "annotations"));
		if (err == NULL)
			err = pn_res_spill(ra, r);
	}
done:
	cJSON_Delete(values);
	return err;
}
