/*
 * kustomize's builtin transformers (see transform.h).
 */
#include "transform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml.h"
#include "../core/json.h"
#include "../core/banned.h"

/* Longest image reference handled (a registry host, a path, a tag and a sha256 digest fit easily). */
#define IMAGE_MAX 1024

static const struct pn_fieldspec namespace_specs[] = {
	{NULL, NULL, "Namespace", "metadata/name", 1},
	{"apiregistration.k8s.io", NULL, "APIService", "spec/service/namespace", 1},
	{"apiextensions.k8s.io", NULL, "CustomResourceDefinition",
	    "spec/conversion/webhook/clientConfig/service/namespace", 0},
	{0}
};

/* Set parent[key] to the string s. */
static const struct pn_error *
set_string(cJSON *parent, const char *key, cJSON *field, const char *s)
{
	cJSON *v = cJSON_CreateString(s);

	if (v == NULL)
		return pn_error(PN_ERR_NOMEM);
	if (field != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(parent, key, v);
	else
		cJSON_AddItemToObject(parent, key, v);
	return NULL;
}

static const struct pn_error *
set_ns(cJSON *parent, const char *key, cJSON *field, int create, const void *ctx)
{
	if (field == NULL && !create)
		return NULL;
	if (field != NULL && !cJSON_IsString(field) && !cJSON_IsNull(field))
		return pn_error_fmt(PN_ERR_PARSE, "namespace field specs must target scalar nodes (%s)", key);
	return set_string(parent, key, field, ctx);
}

const struct pn_error *
pn_transform_namespace(cJSON *const *objs, size_t n, const char *ns, const struct pn_fieldspec *extra,
    int only)
{
	static const struct pn_fieldspec meta_ns = {NULL, NULL, NULL, "metadata/namespace", 1};
	const struct pn_error *err;

	for (size_t k = 0; k < n; k++) {
		cJSON *o = objs[k];
		const char *kind = pn_jstr(o, "kind"), *api = pn_jstr(o, "apiVersion");
		const struct pn_fieldspec *t;

		if (!pn_fieldspec_cluster_scoped(o) && (err = pn_fieldspec_walk(o, &meta_ns, set_ns, ns)) != NULL)
			return err;
		if (kind != NULL && (strcmp(kind, "RoleBinding") == 0 || strcmp(kind, "ClusterRoleBinding") == 0)) {
			cJSON *subjects = cJSON_GetObjectItemCaseSensitive(o, "subjects");

			for (cJSON *s = cJSON_IsArray(subjects) ? subjects->child : NULL; s != NULL; s = s->next) {
				const char *name = pn_jstr(s, "name");

				if (cJSON_IsObject(s) && name != NULL && strcmp(name, "default") == 0 &&
				    (err = set_string(s, "namespace", cJSON_GetObjectItemCaseSensitive(s, "namespace"),
				    ns)) != NULL)
					return err;
			}
		}
		for (int pass = 0; pass < 2; pass++) {
			t = pass == 1 ? extra : only ? NULL : namespace_specs;
			for (; t != NULL && t->path != NULL; t++) {
				if (strcmp(t->path, "metadata/namespace") == 0)
					continue;
				if (strcmp(t->path, "metadata/name") == 0 && (api == NULL || strcmp(api, "v1") != 0))
					continue;
				if (t->kind != NULL && (strcmp(t->kind, "RoleBinding") == 0 ||
				    strcmp(t->kind, "ClusterRoleBinding") == 0) && strcmp(t->path, "subjects/namespace") == 0)
					continue;
				if (pn_fieldspec_selects(t, o) && (err = pn_fieldspec_walk(o, t, set_ns, ns)) != NULL)
					return err;
			}
		}
	}
	return NULL;
}

static const struct pn_error *
set_pairs(cJSON *parent, const char *key, cJSON *field, int create, const void *ctx)
{
	const cJSON *map = ctx;
	const struct pn_error *err;

	if (field == NULL || cJSON_IsNull(field)) {
		cJSON *m;

		if (!create)
			return NULL;
		if ((m = cJSON_CreateObject()) == NULL)
			return pn_error(PN_ERR_NOMEM);
		if (field != NULL)
			cJSON_ReplaceItemInObjectCaseSensitive(parent, key, m);
		else
			cJSON_AddItemToObject(parent, key, m);
		field = m;
	}
	if (!cJSON_IsObject(field))
		return pn_error_fmt(PN_ERR_PARSE, "%s is not a mapping", key);
	for (const cJSON *p = map->child; p != NULL; p = p->next)
		if ((err = set_string(field, p->string, cJSON_GetObjectItemCaseSensitive(field, p->string),
		    p->valuestring)) != NULL)
			return err;
	return NULL;
}

const struct pn_error *
pn_transform_map(cJSON *const *objs, size_t n, const cJSON *map, const struct pn_fieldspec *table,
    const struct pn_fieldspec *extra, const char *what)
{
	const struct pn_error *err;

	if (cJSON_IsNull(map) || map == NULL)
		return NULL;
	if (!cJSON_IsObject(map))
		return pn_error_fmt(PN_ERR_PARSE, "%s must be a map of strings", what);
	for (const cJSON *p = map->child; p != NULL; p = p->next)
		if (!cJSON_IsString(p))
			return pn_error_fmt(PN_ERR_PARSE, "%s: the value of %.128s must be a string", what, p->string);
	for (size_t k = 0; k < n; k++) {
		if ((err = pn_fieldspec_walk_all(objs[k], table, set_pairs, map)) != NULL)
			return pn_error_wrap(err, "%s", what);
		if (extra != NULL && (err = pn_fieldspec_walk_all(objs[k], extra, set_pairs, map)) != NULL)
			return pn_error_wrap(err, "%s", what);
	}
	return NULL;
}

/* ---- images ---- */

struct image {
	const char *name, *new_name, *new_tag, *digest;
};

static int
tag_chars(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.{}-", s[i]) == NULL)
			return 0;
	return 1;
}

/* image.IsImageMatched: value is name, then optionally ":tag", then optionally "@sha256:digest". */
static int
image_matches(const char *value, const char *name)
{
	size_t n = strlen(name);
	const char *p = value + n, *at;

	if (strncmp(value, name, n) != 0)
		return 0;
	at = strstr(p, "@sha256:");
	if (*p == ':') {
		size_t tl = at != NULL ? (size_t)(at - p - 1) : strlen(p + 1);

		if (!tag_chars(p + 1, tl))
			return 0;
		p += 1 + tl;
	}
	if (*p == '\0')
		return 1;
	if (strncmp(p, "@sha256:", 8) != 0)
		return 0;
	return tag_chars(p + 8, strlen(p + 8));
}

static const struct pn_error *
update_image(cJSON *parent, const char *key, cJSON *field, int create, const void *ctx)
{
	const struct image *im = ctx;
	char name[IMAGE_MAX], tag[IMAGE_MAX] = "", digest[IMAGE_MAX] = "", out[IMAGE_MAX * 3 + 2];
	const char *v, *search, *ic, *id;
	size_t off = 0;

	(void)create;
	if (field == NULL || !cJSON_IsString(field))
		return NULL;
	v = field->valuestring;
	if (strlen(v) >= IMAGE_MAX || !image_matches(v, im->name))
		return NULL;
	/* image.Split: a ':' or '@' after the first '/' (if any) */
	search = strchr(v, '/') != NULL && strchr(v, '/') != v ? strchr(v, '/') : v;
	id = strchr(search, '@');
	ic = strchr(search, ':');
	if (ic == NULL && id == NULL) {
		snprintf(name, sizeof(name), "%s", v);
	} else if (id != NULL && (ic == NULL || id < ic)) {
		snprintf(name, sizeof(name), "%.*s", (int)(id - v), v);
		snprintf(digest, sizeof(digest), "%s", id + 1);
	} else if (id != NULL) {
		snprintf(name, sizeof(name), "%.*s", (int)(ic - v), v);
		snprintf(tag, sizeof(tag), "%.*s", (int)(id - ic - 1), ic + 1);
		snprintf(digest, sizeof(digest), "%s", id + 1);
	} else {
		snprintf(name, sizeof(name), "%.*s", (int)(ic - v), v);
		snprintf(tag, sizeof(tag), "%s", ic + 1);
	}
	if (im->new_name != NULL && im->new_name[0] != '\0')
		snprintf(name, sizeof(name), "%s", im->new_name);
	if (im->new_tag != NULL && im->new_tag[0] != '\0') {
		snprintf(tag, sizeof(tag), "%s", im->new_tag);
		snprintf(digest, sizeof(digest), "%s", im->digest != NULL ? im->digest : "");
	} else if (im->digest != NULL && im->digest[0] != '\0') {
		tag[0] = '\0';
		snprintf(digest, sizeof(digest), "%s", im->digest);
	}
	off = (size_t)snprintf(out, sizeof(out), "%s", name);
	if (tag[0] != '\0')
		off += (size_t)snprintf(out + off, sizeof(out) - off, ":%s", tag);
	if (digest[0] != '\0')
		snprintf(out + off, sizeof(out) - off, "@%s", digest);
	return set_string(parent, key, field, out);
}

/* kustomize's legacy walk: every containers/initContainers list anywhere (depth bounded by the YAML reader). */
static const struct pn_error *
legacy_images(cJSON *node, const struct image *im)
{
	const struct pn_error *err;

	for (cJSON *c = node->child; c != NULL; c = c->next) {
		if (cJSON_IsObject(c) || cJSON_IsArray(c))
			if ((err = legacy_images(c, im)) != NULL)
				return err;
		if (cJSON_IsObject(node) && cJSON_IsArray(c) && (strcmp(c->string, "containers") == 0 ||
		    strcmp(c->string, "initContainers") == 0))
			for (cJSON *e = c->child; e != NULL; e = e->next)
				if (cJSON_IsObject(e) && (err = update_image(e, "image",
				    cJSON_GetObjectItemCaseSensitive(e, "image"), 0, im)) != NULL)
					return err;
	}
	return NULL;
}

/* The built-in image paths create the field; an image-less container then gets one only when it matches,
 * which an absent value never does, so they add nothing the legacy walk did not do. */
const struct pn_error *
pn_transform_image(cJSON *const *objs, size_t n, const cJSON *image, const struct pn_fieldspec *extra,
    const char *what)
{
	struct image im;
	const cJSON *f;
	const struct pn_error *err;

	if (!cJSON_IsObject(image))
		return pn_error_fmt(PN_ERR_PARSE, "%s: an images entry must be a mapping", what);
	for (f = image->child; f != NULL; f = f->next) {
		if (strcmp(f->string, "name") != 0 && strcmp(f->string, "newName") != 0 &&
		    strcmp(f->string, "newTag") != 0 && strcmp(f->string, "digest") != 0)
			return pn_error_fmt(PN_ERR_PARSE, "%s: images: unknown field \"%.128s\"", what, f->string);
		if (!cJSON_IsString(f) && pn_yaml_number(f) == NULL)
			return pn_error_fmt(PN_ERR_PARSE, "%s: images: %s must be a string", what, f->string);
	}
	im.name = pn_jstr(image, "name");
	im.new_name = pn_jstr(image, "newName");
	im.new_tag = pn_jstr(image, "newTag");
	im.digest = pn_jstr(image, "digest");
	if (im.name == NULL || im.name[0] == '\0')
		return pn_error_fmt(PN_ERR_PARSE, "%s: an images entry has no name", what);
	for (size_t k = 0; k < n; k++) {
		const char *kind = pn_jstr(objs[k], "kind");

		if (kind != NULL && strcmp(kind, "CustomResourceDefinition") == 0)
			continue;
		if ((err = legacy_images(objs[k], &im)) != NULL)
			return err;
		if (extra != NULL && (err = pn_fieldspec_walk_all(objs[k], extra, update_image, &im)) != NULL)
			return err;
	}
	return NULL;
}

/* ---- replicas ---- */

static const struct pn_error *
set_count(cJSON *parent, const char *key, cJSON *field, int create, const void *ctx)
{
	cJSON *v;

	if (field == NULL && !create)
		return NULL;
	if ((v = cJSON_CreateRaw(ctx)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	if (field == NULL)
		cJSON_AddItemToObject(parent, key, v);
	else if (key != NULL)	/* replacing in the object keeps the key (ReplaceItemViaPointer would not) */
		cJSON_ReplaceItemInObjectCaseSensitive(parent, key, v);
	else
		cJSON_ReplaceItemViaPointer(parent, field, v);
	return NULL;
}

const struct pn_error *
pn_transform_replicas(cJSON *const *objs, const char *const *names, size_t n, const cJSON *replica,
    const struct pn_fieldspec *specs, const char *what, int *matched)
{
	const char *name = pn_jstr(replica, "name");
	const cJSON *count = cJSON_GetObjectItemCaseSensitive(replica, "count");
	const struct pn_error *err;
	const char *num;

	if (!cJSON_IsObject(replica) || name == NULL)
		return pn_error_fmt(PN_ERR_PARSE, "%s: a replicas entry needs a name", what);
	if ((num = pn_yaml_number(count)) == NULL)
		return pn_error_fmt(PN_ERR_PARSE, "%s: replicas %s: count must be a number", what, name);
	for (size_t k = 0; k < n; k++) {
		const char *cur = pn_jstr(cJSON_GetObjectItemCaseSensitive(objs[k], "metadata"), "name");

		if ((cur == NULL || strcmp(cur, name) != 0) && (names[k] == NULL || strcmp(names[k], name) != 0))
			continue;
		for (const struct pn_fieldspec *t = specs != NULL ? specs : pn_fieldspec_replicas; t->path != NULL;
		    t++) {
			if (!pn_fieldspec_selects(t, objs[k]))
				continue;
			*matched = 1;
			if ((err = pn_fieldspec_walk(objs[k], t, set_count, num)) != NULL)
				return err;
		}
	}
	return NULL;
}

const struct pn_error *
pn_transform_replicas_unmatched(const cJSON *replica, const struct pn_fieldspec *specs, const char *what)
{
	char gvks[512] = "";
	size_t o = 0;

	/* kustomize's Gvk.String() of each spec: Kind.Version.Group */
	for (const struct pn_fieldspec *t = specs != NULL ? specs : pn_fieldspec_replicas; t->path != NULL &&
	    o < sizeof(gvks); t++)
		o += (size_t)snprintf(gvks + o, sizeof(gvks) - o, "%s%s.%s.%s", o > 0 ? " " : "",
		    t->kind != NULL ? t->kind : "[noKind]", t->version != NULL ? t->version : "[noVer]",
		    t->group != NULL ? t->group : "[noGrp]");
	return pn_error_fmt(PN_ERR_PARSE, "%s: resource with name %s does not match a config with the following GVK "
	    "[%s]", what, pn_jstr(replica, "name"), gvks);
}
