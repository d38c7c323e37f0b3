/*
 * Output order (see order.h). Documents are sorted as pointers by the ids of their index entries (two per
 * comparison, spans of the packed strings, nothing copied or loaded); a bottom-up merge sort keeps equal
 * keys in FIFO order.
 */
#include "order.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/banned.h"

const char *const PN_ORDER_FIRST[] = {
	"Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount",
	"PodSecurityPolicy", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ConfigMap", "Secret",
	"Endpoints", "Service", "LimitRange", "PriorityClass", "PersistentVolume", "PersistentVolumeClaim",
	"Deployment", "StatefulSet", "CronJob", "PodDisruptionBudget", NULL,
};

const char *const PN_ORDER_LAST[] = {
	"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", NULL,
};

const struct pn_error *
pn_order_parse(const char *s, enum pn_order_mode *mode)
{
	if (strcmp(s, "legacy") == 0)
		*mode = PN_ORDER_LEGACY;
	else if (strcmp(s, "none") == 0)
		*mode = PN_ORDER_NONE;
	else
		return pn_error_fmt(PN_ERR_USAGE, "--reorder \"%s\": must be none or legacy", s);
	return NULL;
}

/* A string field of obj (by a path of keys), or "" when absent or not a string. */
static const char *
field(const cJSON *obj, const char *k1, const char *k2)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, k1);

	if (k2 != NULL)
		v = cJSON_GetObjectItemCaseSensitive(v, k2);
	return cJSON_IsString(v) && v->valuestring != NULL ? v->valuestring : "";
}

struct id {
	const char *kind, *ns, *name;
	const char *group, *version;	/* spans of apiVersion */
	size_t glen, vlen;
};

static void
set_id(struct id *id, const char *av, const char *kind, const char *ns, const char *name)
{
	const char *slash = strchr(av, '/');

	id->kind = kind;
	id->ns = ns;
	id->name = name;
	if (slash != NULL) {
		id->group = av;
		id->glen = (size_t)(slash - av);
		id->version = slash + 1;
		id->vlen = strlen(slash + 1);
	} else {
		id->group = "";
		id->glen = 0;
		id->version = av;
		id->vlen = strlen(av);
	}
}

static void
get_id(const cJSON *obj, struct id *id)
{
	set_id(id, field(obj, "apiVersion", NULL), field(obj, "kind", NULL), field(obj, "metadata", "namespace"),
	    field(obj, "metadata", "name"));
}

static void
doc_id(const struct pn_build_doc *d, struct id *id)
{
	set_id(id, pn_build_doc_api_version(d), pn_build_doc_kind(d), pn_build_doc_namespace(d),
	    pn_build_doc_name(d));
}

static long
rank(const char *kind, const struct pn_order_legacy *opt)
{
	const char *const *first = opt != NULL && opt->first != NULL ? opt->first : PN_ORDER_FIRST;
	const char *const *last = opt != NULL && opt->last != NULL ? opt->last : PN_ORDER_LAST;
	long nfirst = 0, i, r = 0;

	while (first[nfirst] != NULL)
		nfirst++;
	/* Go builds a map, first list then last list, each in order: the last place a kind is named wins */
	for (i = 0; i < nfirst; i++)
		if (strcmp(first[i], kind) == 0)
			r = i - nfirst;
	for (i = 0; last[i] != NULL; i++)
		if (strcmp(last[i], kind) == 0)
			r = i + 1;
	return r;
}

/* Compare two strings made of parts joined by sep, each empty part replaced by its placeholder, bytewise
 * (what Go's < does on the joined strings), without building them. */
struct part {
	const char *s;
	size_t len;
};

static int
cmp_joined(const struct part *a, const struct part *b, size_t nparts, char sep)
{
	size_t pa = 0, ia = 0, pb = 0, ib = 0;

	for (;;) {
		int ca, cb;

		/* next byte of each: parts, separators between them, -1 at the end */
		if (pa < nparts && ia == a[pa].len) {
			ca = pa + 1 < nparts ? (unsigned char)sep : -1;
			pa++;
			ia = 0;
		} else {
			ca = pa < nparts ? (unsigned char)a[pa].s[ia++] : -1;
		}
		if (pb < nparts && ib == b[pb].len) {
			cb = pb + 1 < nparts ? (unsigned char)sep : -1;
			pb++;
			ib = 0;
		} else {
			cb = pb < nparts ? (unsigned char)b[pb].s[ib++] : -1;
		}
		if (ca != cb)
			return ca < cb ? -1 : 1;
		if (ca == -1)
			return 0;
	}
}

static struct part
part(const char *s, size_t len, const char *placeholder)
{
	struct part p;

	if (len == 0) {
		p.s = placeholder;
		p.len = strlen(placeholder);
	} else {
		p.s = s;
		p.len = len;
	}
	return p;
}

static int
cmp_ids(const struct id *a, const struct id *b, const struct pn_order_legacy *opt)
{
	struct part pa[5], pb[5];
	long ra, rb;
	int c;

	if (strcmp(a->kind, b->kind) != 0 || a->glen != b->glen || memcmp(a->group, b->group, a->glen) != 0 ||
	    a->vlen != b->vlen || memcmp(a->version, b->version, a->vlen) != 0) {
		ra = rank(a->kind, opt);
		rb = rank(b->kind, opt);
		if (ra != rb)
			return ra < rb ? -1 : 1;
		pa[0] = part(a->group, a->glen, "~G");
		pa[1] = part(a->version, a->vlen, "~V");
		pa[2] = part(a->kind, strlen(a->kind), "~K");
		pb[0] = part(b->group, b->glen, "~G");
		pb[1] = part(b->version, b->vlen, "~V");
		pb[2] = part(b->kind, strlen(b->kind), "~K");
		c = cmp_joined(pa, pb, 3, '_');
		if (strcmp(a->kind, "Namespace") == 0 && strcmp(b->kind, "Namespace") == 0 &&
		    (a->glen == 0 || b->glen == 0))
			c = -c;
		return c;
	}
	/* same GVK: "Kind.Version.Group" is equal, so compare what follows it */
	pa[0] = part(a->ns, strlen(a->ns), "~X");
	pa[1] = part(a->name, strlen(a->name), "~N");
	pb[0] = part(b->ns, strlen(b->ns), "~X");
	pb[1] = part(b->name, strlen(b->name), "~N");
	return cmp_joined(pa, pb, 2, '|');
}

int
pn_order_legacy_cmp(const cJSON *a, const cJSON *b, const struct pn_order_legacy *opt)
{
	struct id ia, ib;

	get_id(a, &ia);
	get_id(b, &ib);
	return cmp_ids(&ia, &ib, opt);
}

static int
cmp_docs(const struct pn_build_doc *a, const struct pn_build_doc *b, const struct pn_order_legacy *opt)
{
	struct id ia, ib;

	doc_id(a, &ia);
	doc_id(b, &ib);
	return cmp_ids(&ia, &ib, opt);
}

const struct pn_error *
pn_order_sort(const struct pn_build_doc **docs, size_t n, enum pn_order_mode mode,
    const struct pn_order_legacy *opt)
{
	const struct pn_build_doc **tmp, **src, **dst, **swap;
	size_t i, width;

	if (mode == PN_ORDER_NONE || n < 2)
		return NULL;
	if (n > SIZE_MAX / sizeof(*tmp) || (tmp = calloc(n, sizeof(*tmp))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	src = docs;
	dst = tmp;
	for (width = 1; width < n; width *= 2) {
		for (i = 0; i < n; i += 2 * width) {
			size_t lo = i, mid = i + width < n ? i + width : n;
			size_t hi = mid + width < n ? mid + width : n, l = lo, r = mid, o = lo;

			while (l < mid && r < hi)
				dst[o++] = cmp_docs(src[r], src[l], opt) < 0 ? src[r++] : src[l++];
			while (l < mid)
				dst[o++] = src[l++];
			while (r < hi)
				dst[o++] = src[r++];
		}
		swap = src;
		src = dst;
		dst = swap;
		if (width > SIZE_MAX / 2)
			break;
	}
	if (src != docs)
		memcpy(docs, src, n * sizeof(*docs));
	free(tmp);
	return NULL;
}
