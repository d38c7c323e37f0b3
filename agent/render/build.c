/*
 * The walking skeleton of kustomize build (see build.h for the rules and what remains). Recursion follows
 * kustomizations and directories, each capped (PN_BUILD_MAX_NESTING, PN_BUILD_MAX_DIR_DEPTH), and the total
 * work is capped by PN_BUILD_MAX_ENTRIES, PN_BUILD_MAX_BYTES and PN_BUILD_MAX_DOCS.
 */
#include "build.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "buildmeta.h"
#include "flux.h"
#include "generator.h"
#include "namerefs.h"
#include "openapi.h"
#include "patch.h"
#include "plugin.h"
#include "replace.h"
#include "transform.h"
#include "vars.h"
#include "kustomization.h"
#include "resmap.h"
#include "spool.h"
#include "../core/json.h"
#include "../core/banned.h"

#define KUST_API_VERSION "kustomize.config.k8s.io/v1beta1"
#define FLUX_GROUP_SUFFIX ".toolkit.fluxcd.io"
#define FLUX_SYSTEM_DIR "flux-system"

/* The names kustomize recognises, in the order it tries them (konfig.RecognizedKustomizationFileNames). */
static const char *const kust_names[] = {"kustomization.yaml", "kustomization.yml", "Kustomization"};

struct build {
	const struct pn_tree_reader *tree;
	struct pn_build_options opt;
	struct pn_build_result *res;
	struct pn_kust_config cfg;	/* field specs from `configurations`, accumulated */
	const struct pn_kust_config *only;	/* while a plugin config's transformer runs: its own fieldSpecs,
						 * the only ones (plugin.h) */
	struct pn_vars vars;		/* the build's `vars` */
	struct pn_openapi schema;	/* the build's OpenAPI schema (openapi.h) */
	int refs_fixed;			/* name references were fixed before the vars were resolved */
	size_t nobjs;		/* objects read so far */
	const char *chain[PN_BUILD_MAX_NESTING];	/* kustomization directories being built */
	size_t nchain;
	size_t entries;		/* directory entries visited */
	size_t capnotices, capfiles;	/* of the arrays in res */
	struct pn_resmap_budget index;	/* what the maps' index of spooled objects may take */
	unsigned meta;		/* the entry kustomization's buildMetadata (buildmeta.h) */
	const char *top;	/* the entry path */
	const char *origin;	/* with meta: the kustomization being built as an origin path from the entry's */
	const char *file_origin;	/* with meta: the origin path of the resource file being read */
	const char *plugin_by;	/* with meta, while a plugin config transforms: its transformations entry */
};

/* A document waiting for the resource checks, with where it came from. */
struct pending {
	cJSON *obj;
	size_t line;
};

struct queue {
	struct pending *v;
	size_t head, n, cap;
};

static const struct pn_error *
nomem(void)
{
	return pn_error(PN_ERR_NOMEM);
}

/* Grow *v (elements of `size`) so that one more fits. */
static const struct pn_error *
grow(void *v, size_t *cap, size_t n, size_t size)
{
	void **pv = v, *nv;
	size_t c = *cap != 0 ? *cap * 2 : 16;

	if (n < *cap)
		return NULL;
	if ((nv = realloc(*pv, c * size)) == NULL)
		return nomem();
	*pv = nv;
	*cap = c;
	return NULL;
}

static const struct pn_error *
add_notice(struct build *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static const struct pn_error *
add_notice(struct build *b, const char *fmt, ...)
{
	struct pn_build_result *r = b->res;
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return nomem();
	if (grow(&r->notices, &b->capnotices, r->nnotices, sizeof(*r->notices)) != NULL) {
		free(s);
		return nomem();
	}
	r->notices[r->nnotices++] = s;
	return NULL;
}

/* ---- tree paths ---- */

int
pn_build_join_path(const char *dir, const char *rel, char **out)
{
	size_t dlen = strlen(dir), rlen = strlen(rel), o = 0;
	char *buf = malloc(dlen + rlen + 2), *res;
	const char *p;

	*out = NULL;
	if (buf == NULL || (res = malloc(dlen + rlen + 2)) == NULL) {
		free(buf);
		return -1;
	}
	memcpy(buf, dir, dlen);
	buf[dlen] = '/';
	memcpy(buf + dlen + 1, rel, rlen + 1);
	for (p = buf; *p != '\0';) {
		const char *e = strchr(p, '/');
		size_t n = e != NULL ? (size_t)(e - p) : strlen(p);

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (o == 0) {
				free(buf);
				free(res);
				return 1;
			}
			while (o > 0 && res[o - 1] != '/')
				o--;
			if (o > 0)
				o--;	/* the '/' before the dropped component */
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (o > 0)
				res[o++] = '/';
			memcpy(res + o, p, n);
			o += n;
		}
		p += n + (e != NULL);
	}
	res[o] = '\0';
	free(buf);
	*out = res;
	return 0;
}

/* Whether directory a is b or one of b's ancestors. */
static int
contains(const char *a, const char *b)
{
	size_t n = strlen(a);

	return n == 0 || (strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '/'));
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static const char *
shown(const char *path)
{
	return path[0] != '\0' ? path : ".";
}

/* The real path (treeread.h `real`) of tree path p into *out; the lexical one when the reader has no links.
 * The caller frees it with free(). */
static const struct pn_error *
real_path(struct build *b, const char *p, char **out)
{
	if (b->tree->ops->real != NULL)
		return b->tree->ops->real(b->tree->ctx, p, out);
	return (*out = strdup(p)) != NULL ? NULL : nomem();
}

/* Kustomize's load restrictor (build.h) on file `path` (dir joined with what the kustomization wrote):
 * under RootOnly, it must really be in or below dir. A file that does not exist is left to the read. */
static const struct pn_error *
restrict_load(struct build *b, const char *dir, const char *path)
{
	const struct pn_error *err;
	char *root = NULL, *file = NULL;

	if (b->opt.load != PN_BUILD_LOAD_ROOT_ONLY)
		return NULL;
	if ((err = real_path(b, dir, &root)) == NULL && (err = real_path(b, path, &file)) == NULL &&
	    !contains(root, file))
		err = pn_error_fmt(PN_ERR_REJECTED, "security; file '%s' is not in or below '%s'", path, shown(root));
	if (err != NULL && err->code == PN_ERR_NOT_FOUND)
		err = NULL;
	free(root);
	free(file);
	return err;
}

/* ---- bookkeeping ---- */

/* The kustomization file in directory `dir` (*out NULL when there is none). The caller frees it with free(). */
static const struct pn_error *
find_kustfile(struct build *b, const char *dir, char **out)
{
	const struct pn_error *err;
	enum pn_tree_kind kind;

	*out = NULL;
	for (size_t k = 0; k < sizeof(kust_names) / sizeof(kust_names[0]); k++) {
		char *p;

		if (pn_build_join_path(dir, kust_names[k], &p) != 0)
			return free(*out), nomem();
		err = b->tree->ops->stat(b->tree->ctx, p, &kind);
		if (err != NULL && err->code != PN_ERR_NOT_FOUND) {
			free(p);
			free(*out);
			*out = NULL;
			return err;
		}
		if (err != NULL || kind != PN_TREE_FILE) {
			free(p);
			continue;
		}
		if (*out != NULL) {
			err = pn_error_fmt(PN_ERR_PARSE, "Found multiple kustomization files under %s: %s and %s",
			    shown(dir), *out, p);
			free(p);
			free(*out);
			*out = NULL;
			return err;
		}
		*out = p;
	}
	return NULL;
}

/* ---- documents ---- */

/* Label and annotation values are strings in Kubernetes; kustomize turns YAML numbers and booleans there
 * into their text (`port: 8080` becomes "8080"), and so does pinion, before any transformer sees them. */
static const struct pn_error *
stringify_values(cJSON *map)
{
	cJSON *next;

	for (cJSON *v = map != NULL ? map->child : NULL; v != NULL; v = next) {
		const char *text = NULL;
		cJSON *s;

		next = v->next;
		if (cJSON_IsRaw(v))
			text = v->valuestring; /* yaml.h keeps numbers as raw items holding their text */
		else if (cJSON_IsBool(v))
			text = cJSON_IsTrue(v) ? "true" : "false";
		if (text == NULL || v->string == NULL)
			continue;
		/* replacing in the object keeps the key (ReplaceItemViaPointer would not) */
		if ((s = cJSON_CreateString(text)) == NULL ||
		    !cJSON_ReplaceItemInObjectCaseSensitive(map, v->string, s))
			return nomem();
	}
	return NULL;
}

/* kustomize's dropBadNodes for one document: 0 drop it (null or {}), 1 keep it, or an error. */
static const struct pn_error *
check_doc(const char *file, const struct pending *d, int *keep)
{
	const struct pn_error *err;
	const char *kind, *name;
	cJSON *md;

	*keep = 0;
	if (d->obj == NULL || cJSON_IsNull(d->obj) || (cJSON_IsObject(d->obj) && d->obj->child == NULL))
		return NULL;
	if (!cJSON_IsObject(d->obj))
		return pn_error_fmt(PN_ERR_PARSE, "%s:%zu: missing Resource metadata: a document must be a mapping",
		    file, d->line);
	if ((kind = pn_jstr(d->obj, "kind")) == NULL || kind[0] == '\0')
		return pn_error_fmt(PN_ERR_PARSE, "%s:%zu: missing kind in object", file, d->line);
	name = pn_jstr(cJSON_GetObjectItemCaseSensitive(d->obj, "metadata"), "name");
	if (!ends_with(kind, "List") && (name == NULL || name[0] == '\0'))
		return pn_error_fmt(PN_ERR_PARSE, "%s:%zu: missing metadata.name in %s object", file, d->line, kind);
	md = cJSON_GetObjectItemCaseSensitive(d->obj, "metadata");
	if ((err = stringify_values(cJSON_GetObjectItemCaseSensitive(md, "labels"))) != NULL ||
	    (err = stringify_values(cJSON_GetObjectItemCaseSensitive(md, "annotations"))) != NULL)
		return err;
	*keep = 1;
	return NULL;
}

static const struct pn_error *
enqueue(struct queue *q, cJSON *obj, size_t line)
{
	if (grow(&q->v, &q->cap, q->n, sizeof(*q->v)) != NULL) {
		cJSON_Delete(obj);
		return nomem();
	}
	q->v[q->n++] = (struct pending){obj, line};
	return NULL;
}

/* Queue one document after the checks; `unwrap` is kyaml's ByteReader rule: a lone "List" (or
 * "ResourceList") with items (or functionConfig) stands for its items. */
static const struct pn_error *
enqueue_checked(struct queue *q, const char *file, cJSON *obj, size_t line, int unwrap)
{
	const char *kind = cJSON_IsObject(obj) ? pn_jstr(obj, "kind") : NULL;
	struct pending d = {obj, line};
	const struct pn_error *err;
	cJSON *items;
	int keep;

	if (unwrap && kind != NULL && (strcmp(kind, "List") == 0 || strcmp(kind, "ResourceList") == 0) &&
	    (cJSON_HasObjectItem(obj, "items") || cJSON_HasObjectItem(obj, "functionConfig"))) {
		items = cJSON_GetObjectItemCaseSensitive(obj, "items");
		while (cJSON_IsArray(items) && items->child != NULL) {
			cJSON *it = cJSON_DetachItemViaPointer(items, items->child);

			if ((err = enqueue_checked(q, file, it, line, 0)) != NULL)
				return cJSON_Delete(obj), err;
		}
		cJSON_Delete(obj);
		return NULL;
	}
	if ((err = check_doc(file, &d, &keep)) != NULL || !keep)
		return cJSON_Delete(obj), err;
	return enqueue(q, obj, line);
}

static const struct pn_error *
emit(struct build *b, struct pn_resmap *ra, const char *file, cJSON *obj, size_t line)
{
	const struct pn_error *err;

	if (b->nobjs >= b->opt.max_docs) {
		cJSON_Delete(obj);
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s:%zu: the build has more than %zu objects", file, line,
		    b->opt.max_docs);
	}
	b->nobjs++;
	if (b->file_origin != NULL && (err = pn_buildmeta_set_origin(obj, b->file_origin, NULL)) != NULL) {
		cJSON_Delete(obj);
		return err;
	}
	pn_openapi_saw(&b->schema, obj);
	return pn_resmap_add(ra, obj, file, line);
}

/* kustomize's RNodesFromBytes for one file: checks, List flattening (items go to the end of the queue), and
 * the objects handed on in order. Takes the documents. */
static const struct pn_error *
take_docs(struct build *b, struct pn_resmap *ra, const char *file, struct pn_yaml_docs *docs)
{
	const struct pn_error *err = NULL;
	struct queue q = {0};
	size_t k;

	for (k = 0; k < docs->n && err == NULL; k++) {
		err = enqueue_checked(&q, file, docs->v[k].root, docs->v[k].line, docs->pieces == 1 && docs->n == 1);
		docs->v[k].root = NULL;
	}
	while (err == NULL && q.head < q.n) {
		struct pending d = q.v[q.head++];
		const char *kind = pn_jstr(d.obj, "kind");
		cJSON *items = cJSON_GetObjectItemCaseSensitive(d.obj, "items");

		if (!ends_with(kind, "List") || items == NULL) {
			err = emit(b, ra, file, d.obj, d.line);
			continue;
		}
		if (!cJSON_IsNull(items) && !cJSON_IsArray(items)) {
			err = pn_error_fmt(PN_ERR_PARSE, "%s:%zu: expected array in %s/items", file, d.line, kind);
			cJSON_Delete(d.obj);
			break;
		}
		while (err == NULL && cJSON_IsArray(items) && items->child != NULL)
			err = enqueue_checked(&q, file, cJSON_DetachItemViaPointer(items, items->child), d.line, 1);
		cJSON_Delete(d.obj);
	}
	for (k = q.head; k < q.n; k++)
		cJSON_Delete(q.v[k].obj);
	free(q.v);
	pn_yaml_docs_release(docs);
	return err;
}

/* Read one resource file and add its objects. */
static const struct pn_error *
load_file(struct build *b, struct pn_resmap *ra, const char *path)
{
	struct pn_build_result *r = b->res;
	const struct pn_error *err;
	struct pn_yaml_docs docs = {0};
	struct pn_buf buf;
	size_t cost = strlen(path) + 1 + sizeof(*r->files);
	char *name;

	/* the list of files read is part of the index: its objects point into it */
	if (cost > b->index.max - b->index.used)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s: the build's index of its objects would exceed its %zu bytes",
		    path, b->index.max);
	if (grow(&r->files, &b->capfiles, r->nfiles, sizeof(*r->files)) != NULL || (name = strdup(path)) == NULL)
		return nomem();
	r->files[r->nfiles++] = name;
	b->index.used += cost;
	pn_buf_init(&buf, b->opt.yaml.max_file, "a YAML file");
	if ((err = b->tree->ops->read(b->tree->ctx, path, &buf)) != NULL)
		goto done;
	if (buf.len > b->opt.max_bytes - r->bytes) {
		err = pn_error_fmt(PN_ERR_TOO_LARGE, "%s: the build's files exceed the %zu bytes allowed", path,
		    b->opt.max_bytes);
		goto done;
	}
	r->bytes += buf.len;
	if ((err = pn_yaml_parse(name, pn_buf_str(&buf), buf.len, &b->opt.yaml, &docs)) != NULL)
		goto done;
	err = take_docs(b, ra, name, &docs);
done:
	pn_buf_release(&buf);
	return err;
}

static const struct pn_error *load_kustomization(struct build *b, struct pn_resmap *ra, const char *dir,
    const char *kfile, const char *referrer, int component);

/* kustomize tries what is not a local path as a remote target; pinion says so plainly. */
static int
looks_remote(const char *entry)
{
	const char *slash = strchr(entry, '/'), *dot = strchr(entry, '.');

	if (strstr(entry, "://") != NULL || strncmp(entry, "git@", 4) == 0 || strncmp(entry, "git::", 5) == 0)
		return 1;
	/* "github.com/org/repo//path?ref=v1": a host name as the first component */
	return slash != NULL && dot != NULL && dot < slash && entry[0] != '.';
}

/* One `resources` (or, with `component`, `components`) entry of kustomization file `kfile` in directory
 * `dir`, added to ra. */
static const struct pn_error *
add_resource(struct build *b, struct pn_resmap *ra, const char *kfile, const char *dir, const char *entry,
    int component)
{
	const char *field = component ? "components" : "resources";
	const struct pn_error *err;
	enum pn_tree_kind kind;
	const char *was = b->origin;
	char *path = NULL, *sub = NULL, *origin = NULL;
	int rc;

	if (entry[0] == '\0')
		return pn_error_fmt(PN_ERR_PARSE, "%s: a %s entry is empty", kfile, field);
	if (strstr(entry, "://") != NULL || strncmp(entry, "git@", 4) == 0 || strncmp(entry, "git::", 5) == 0)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "%s: resource \"%s\": remote resources are not supported",
		    kfile, entry);
	if (entry[0] == '/')
		return pn_error_fmt(PN_ERR_PARSE, "%s: resource \"%s\": absolute paths are not supported (write it "
		    "relative to the kustomization)", kfile, entry);
	if ((rc = pn_build_join_path(dir, entry, &path)) != 0)
		return rc < 0 ? nomem() : pn_error_fmt(PN_ERR_PARSE, "%s: resource \"%s\" leaves the tree root",
		    kfile, entry);
	if ((err = b->tree->ops->stat(b->tree->ctx, path, &kind)) != NULL) {
		if (err->code == PN_ERR_NOT_FOUND)
			err = looks_remote(entry) ? pn_error_fmt(PN_ERR_UNSUPPORTED, "%s: resource \"%s\": remote "
			    "resources are not supported", kfile, entry) : pn_error_fmt(PN_ERR_NOT_FOUND,
			    "%s: resource \"%s\" does not exist", kfile, entry);
		goto done;
	}
	/* kustomize's origin: the entry's path from the kustomization's, as the resources lists lead to it */
	if (b->meta && (err = pn_buildmeta_join(b->origin != NULL ? b->origin : "", entry, &origin)) != NULL)
		goto done;
	if (kind == PN_TREE_FILE && !component) {
		if ((err = restrict_load(b, dir, path)) != NULL) {
			err = pn_error_fmt(err->code, "%s: resource \"%s\": %s", kfile, entry, err->msg);
		} else {
			b->file_origin = origin;
			err = load_file(b, ra, path);
			b->file_origin = NULL;
		}
	} else if (kind == PN_TREE_DIR) {
		if ((err = find_kustfile(b, path, &sub)) != NULL)
			goto done;
		if (sub == NULL) {
			err = pn_error_fmt(PN_ERR_NOT_FOUND, "%s: %s entry \"%s\" is a directory without %s, %s or %s",
			    kfile, field, entry, kust_names[0], kust_names[1], kust_names[2]);
		} else {
			b->origin = origin != NULL ? origin : was;
			err = load_kustomization(b, ra, path, sub, kfile, component);
			b->origin = was;
		}
	} else {
		err = pn_error_fmt(PN_ERR_PARSE, "%s: %s entry \"%s\" is not a %s", kfile, field, entry,
		    component ? "directory" : "file or directory");
	}
done:
	free(origin);
	free(sub);
	free(path);
	return err;
}

/* Read `rel` (relative to the kustomization directory ctx) for a generator. */
static const struct pn_error *
read_rel(struct build *b, const char *dir, const char *kfile, const char *rel, struct pn_buf *out)
{
	const struct pn_error *err;
	char *path;
	int rc;

	if (rel[0] == '/')
		return pn_error_fmt(PN_ERR_PARSE, "%s: \"%s\": absolute paths are not supported", kfile, rel);
	if ((rc = pn_build_join_path(dir, rel, &path)) != 0)
		return rc < 0 ? nomem() : pn_error_fmt(PN_ERR_PARSE, "%s: \"%s\" leaves the tree root", kfile, rel);
	if ((err = restrict_load(b, dir, path)) == NULL)
		err = b->tree->ops->read(b->tree->ctx, path, out);
	if (err == NULL && out->len > b->opt.max_bytes - b->res->bytes)
		err = pn_error_fmt(PN_ERR_TOO_LARGE, "%s: the build's files exceed the %zu bytes allowed", path,
		    b->opt.max_bytes);
	else if (err == NULL)
		b->res->bytes += out->len;
	free(path);
	return err;
}

struct gen_ctx {
	struct build *b;
	const char *dir, *kfile;
};

static const struct pn_error *
gen_read(void *ctx, const char *rel, struct pn_buf *out)
{
	struct gen_ctx *g = ctx;

	return read_rel(g->b, g->dir, g->kfile, rel, out);
}

/* Load the `configurations` files (crds 0) or the `crds` files (openapi.h) of a kustomization into b->cfg. */
static const struct pn_error *
load_configurations(struct build *b, const char *dir, const char *kfile, const cJSON *list, int crds)
{
	const struct pn_error *err = NULL;
	struct pn_yaml_limits kust_yaml = b->opt.yaml;

	kust_yaml.goyaml_v2 = 1;	/* decoded into Go structs through sigs.k8s.io/yaml, as kustomization files */
	for (const cJSON *e = list != NULL ? list->child : NULL; e != NULL && err == NULL; e = e->next) {
		struct pn_yaml_docs docs = {0};
		struct pn_buf buf;

		if (!cJSON_IsString(e))
			return pn_error_fmt(PN_ERR_PARSE, "%s: a configurations entry is not a string", kfile);
		pn_buf_init(&buf, b->opt.yaml.max_file, "a configurations file");
		if ((err = read_rel(b, dir, kfile, e->valuestring, &buf)) == NULL &&
		    (err = pn_yaml_parse(e->valuestring, pn_buf_str(&buf), buf.len, &kust_yaml, &docs)) == NULL) {
			for (size_t k = 0; k < docs.n && err == NULL; k++) {
				cJSON *doc = NULL;

				if (!crds) {
					doc = docs.v[k].root;
					docs.v[k].root = NULL;
				} else if ((err = pn_openapi_crd_config(e->valuestring, docs.v[k].root, &doc)) != NULL) {
					cJSON_Delete(doc);
					break;
				}
				err = pn_kust_config_add(&b->cfg, e->valuestring, doc);
			}
		}
		pn_yaml_docs_release(&docs);
		pn_buf_release(&buf);
	}
	return err;
}

/* A kustomization's `openapi` (openapi.h): its file is read even when an earlier schema was chosen. */
static const struct pn_error *
load_openapi(struct build *b, const char *dir, const char *kfile, const cJSON *field)
{
	const cJSON *path = cJSON_GetObjectItemCaseSensitive(field, "path");
	const struct pn_error *err;
	struct pn_buf buf;
	char *full = NULL;

	if (!cJSON_IsString(path))
		return pn_openapi_set(&b->schema, kfile, field, NULL, NULL, 0);
	pn_buf_init(&buf, PN_OPENAPI_MAX_FILE, "an OpenAPI schema file");
	if ((err = read_rel(b, dir, kfile, path->valuestring, &buf)) == NULL)
		err = pn_build_join_path(dir, path->valuestring, &full) < 0 ? nomem() : pn_openapi_set(&b->schema,
		    kfile, field, full, pn_buf_str(&buf), buf.len);
	free(full);
	pn_buf_release(&buf);
	return err;
}

/* kustomize's PrefixTransformer/SuffixTransformer skip these kinds. */
static int
keeps_name(const cJSON *obj)
{
	static const struct pn_fieldspec skip[] = {
		{NULL, NULL, "CustomResourceDefinition", "", 0},
		{"apiregistration.k8s.io", NULL, "APIService", "", 0},
		{NULL, NULL, "Namespace", "", 0},
	};

	for (size_t k = 0; k < sizeof(skip) / sizeof(skip[0]); k++)
		if (pn_fieldspec_selects(&skip[k], obj))
			return 1;
	return 0;
}

/*
 * The transformers of one kustomization as a plan of stages, run object by object.
 *
 * kustomize runs each transformer over every object before the next one. Every stage below but one changes
 * each object by itself (what it does to one object depends on nothing else), so the same result comes from
 * running all stages on one object, then all on the next: each object is loaded once, changed and spilled
 * (issue 5). The exception is a patch without a target: it finds its object by id among all of them, so it
 * runs alone, after every earlier stage has run on every object (a barrier).
 * Errors are kustomize's: the one of the earliest stage, and within it of the first object. An entry that is
 * wrong (checked while the plan is made, before anything runs) fails its stage before its first object; a
 * replicas entry that matched nothing fails its stage after its last object. Going object by object, the
 * first error found belongs to the earliest object; later objects then run only the stages before it, and an
 * error there (an earlier stage) replaces it.
 */
enum stage_kind {
	STAGE_PATCH_ID,	/* a patch without a target (the barrier) */
	STAGE_PATCH,	/* a patch with a target */
	STAGE_NAMESPACE,
	STAGE_PREFIX,
	STAGE_SUFFIX,
	STAGE_MAP,	/* label or annotation pairs at field specs */
	STAGE_REPLICAS,
	STAGE_IMAGE,
};

struct stage {
	enum stage_kind kind;
	const struct pn_patch *patch;		/* STAGE_PATCH_ID, STAGE_PATCH */
	const char *s;				/* the namespace, prefix or suffix */
	const cJSON *entry;			/* the pairs (STAGE_MAP), the replicas or images entry */
	const struct pn_fieldspec *table, *extra;
	const char *what;
	int matched;				/* STAGE_REPLICAS: applied to an object */
	int only;				/* STAGE_NAMESPACE/PREFIX/SUFFIX: `extra` without the defaults */
};

struct plan {
	struct stage *v;
	size_t n, cap;
	int failed;			/* an entry is wrong: the stages end there and `prep` is its error */
	struct pn_error prep;		/* (a copy: running the stages makes errors of their own) */
	struct pn_patch *patches[2];	/* patchesStrategicMerge + patches, patchesJson6902 */
	size_t npatches[2];
	struct pn_kust_config *tmp;	/* the `fields` of `labels` entries */
	size_t ntmp, captmp;
};

static void
plan_release(struct plan *pl)
{
	free(pl->v);
	for (int j = 0; j < 2; j++)
		pn_patch_free(pl->patches[j], pl->npatches[j]);
	for (size_t i = 0; i < pl->ntmp; i++)
		pn_kust_config_release(&pl->tmp[i]);
	free(pl->tmp);
}

static const struct pn_error *
plan_add(struct plan *pl, const struct stage *st)
{
	if (grow(&pl->v, &pl->cap, pl->n, sizeof(*pl->v)) != NULL)
		return nomem();
	pl->v[pl->n++] = *st;
	return NULL;
}

/* An entry is wrong: the plan ends here. Out of memory is not an entry's fault: it is returned. */
static const struct pn_error *
plan_fail(struct plan *pl, const struct pn_error *err)
{
	if (err->code == PN_ERR_NOMEM)
		return err;
	pl->failed = 1;
	pl->prep = *err;
	return NULL;
}

/* A label or annotation map stage, its pairs checked first. */
static const struct pn_error *
plan_map(struct plan *pl, const cJSON *map, const struct pn_fieldspec *table, const struct pn_fieldspec *extra,
    const char *what)
{
	const struct pn_error *err;
	struct stage st = {.kind = STAGE_MAP, .entry = map, .table = table, .extra = extra, .what = what};

	if ((err = pn_transform_map(NULL, 0, map, table, extra, what)) != NULL)
		return plan_fail(pl, err);
	if (map == NULL || cJSON_IsNull(map))
		return NULL;	/* nothing to set: no stage, no object loaded for it */
	return plan_add(pl, &st);
}

/* One `labels` entry: its pairs at its own `fields` and the configured label specs, then at metadata.labels
 * and templates (includeTemplates) or at every commonLabels path (includeSelectors). */
static const struct pn_error *
plan_label(struct build *b, struct plan *pl, const char *kfile, const cJSON *l)
{
	const cJSON *pairs = cJSON_GetObjectItemCaseSensitive(l, "pairs"), *fields;
	static const struct pn_fieldspec meta_labels[] = {{NULL, NULL, NULL, "metadata/labels", 1}, {0}};
	const struct pn_error *err;

	if (!cJSON_IsObject(l))
		return plan_fail(pl, pn_error_fmt(PN_ERR_PARSE, "%s: a labels entry must be a mapping", kfile));
	for (const cJSON *f = l->child; f != NULL; f = f->next)
		if (strcmp(f->string, "pairs") != 0 && strcmp(f->string, "includeSelectors") != 0 &&
		    strcmp(f->string, "includeTemplates") != 0 && strcmp(f->string, "fields") != 0)
			return plan_fail(pl, pn_error_fmt(PN_ERR_PARSE, "%s: labels: unknown field \"%.128s\"", kfile,
			    f->string));
	fields = cJSON_GetObjectItemCaseSensitive(l, "fields");
	if (fields != NULL && !cJSON_IsNull(fields)) {
		struct pn_kust_config *tmp;
		cJSON *doc = cJSON_CreateObject(), *dup = cJSON_Duplicate(fields, 1);
		static const struct pn_fieldspec none[] = {{0}};

		if (doc == NULL || dup == NULL || !cJSON_AddItemToObject(doc, "commonLabels", dup) ||
		    grow(&pl->tmp, &pl->captmp, pl->ntmp, sizeof(*pl->tmp)) != NULL) {
			cJSON_Delete(doc);
			cJSON_Delete(dup);
			return nomem();
		}
		tmp = &pl->tmp[pl->ntmp++];
		memset(tmp, 0, sizeof(*tmp));
		if ((err = pn_kust_config_add(tmp, kfile, doc)) != NULL)
			return plan_fail(pl, err);
		if ((err = plan_map(pl, pairs, none, tmp->common_labels, "labels")) != NULL || pl->failed)
			return err;
	}
	if (b->cfg.labels != NULL &&
	    ((err = plan_map(pl, pairs, b->cfg.labels, NULL, "labels")) != NULL || pl->failed))
		return err;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(l, "includeSelectors")))
		return plan_map(pl, pairs, pn_fieldspec_common_labels, b->cfg.common_labels, "labels");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(l, "includeTemplates")) &&
	    ((err = plan_map(pl, pairs, pn_fieldspec_template_labels, b->cfg.template_labels, "labels")) != NULL ||
	    pl->failed))
		return err;
	return plan_map(pl, pairs, meta_labels, NULL, "labels");
}

/* The patch entries of k (json 0: patchesStrategicMerge and patches; 1: patchesJson6902) as stages. */
static const struct pn_error *
plan_patches(struct build *b, struct plan *pl, const struct pn_gen_io *io, const char *kfile,
    const struct pn_kust *k, int json)
{
	const struct pn_error *err, *prep;

	prep = pn_patch_prepare(io, &b->opt.yaml, kfile, k, json, &pl->patches[json], &pl->npatches[json]);
	for (size_t i = 0; i < pl->npatches[json]; i++) {
		const struct pn_patch *p = &pl->patches[json][i];
		struct stage st = {.kind = p->target != NULL ? STAGE_PATCH : STAGE_PATCH_ID, .patch = p};

		pl->patches[json][i].schema = &b->schema;
		if ((err = plan_add(pl, &st)) != NULL)
			return err;
	}
	return prep != NULL ? plan_fail(pl, prep) : NULL;
}

/* The plan of kustomization k, in kustomize's order: patchesStrategicMerge, patches, namespace, namePrefix,
 * nameSuffix, labels, commonLabels, commonAnnotations, patchesJson6902, replicas, images. */
static const struct pn_error *
plan_make(struct build *b, struct plan *pl, const struct pn_gen_io *io, const char *kfile, const struct pn_kust *k)
{
	static const struct pn_fieldspec none[] = {{0}};
	const struct pn_kust_config *cfg = b->only != NULL ? b->only : &b->cfg;
	const struct pn_error *err;

	if ((err = plan_patches(b, pl, io, kfile, k, 0)) != NULL || pl->failed)
		return err;
	if (k->namespace_ != NULL && k->namespace_->valuestring[0] != '\0') {
		struct stage st = {.kind = STAGE_NAMESPACE, .s = k->namespace_->valuestring,
		    .extra = cfg->namespace_specs, .only = b->only != NULL};

		if ((err = plan_add(pl, &st)) != NULL)
			return err;
	}
	for (int suffix = 0; suffix < 2; suffix++) {
		const cJSON *fix = suffix ? k->name_suffix : k->name_prefix;
		struct stage st = {.kind = suffix ? STAGE_SUFFIX : STAGE_PREFIX, .only = b->only != NULL};

		if (fix == NULL || fix->valuestring[0] == '\0')
			continue;
		st.s = fix->valuestring;
		st.extra = suffix ? cfg->name_suffix : cfg->name_prefix;
		if ((err = plan_add(pl, &st)) != NULL)
			return err;
	}
	for (const cJSON *l = k->labels != NULL ? k->labels->child : NULL; l != NULL; l = l->next)
		if ((err = plan_label(b, pl, kfile, l)) != NULL || pl->failed)
			return err;
	if ((err = plan_map(pl, k->common_labels, b->only != NULL ? none : pn_fieldspec_common_labels,
	    cfg->common_labels, "commonLabels")) != NULL || pl->failed)
		return err;
	if ((err = plan_map(pl, k->common_annotations, b->only != NULL ? none : pn_fieldspec_common_annotations,
	    cfg->common_annotations, "commonAnnotations")) != NULL || pl->failed)
		return err;
	if ((err = plan_patches(b, pl, io, kfile, k, 1)) != NULL || pl->failed)
		return err;
	for (const cJSON *r = k->replicas != NULL ? k->replicas->child : NULL; r != NULL; r = r->next) {
		struct stage st = {.kind = STAGE_REPLICAS, .entry = r, .what = kfile,
		    .extra = b->only == NULL ? NULL : cfg->replicas != NULL ? cfg->replicas : none};
		int unused = 0;

		if ((err = pn_transform_replicas(NULL, NULL, 0, r, NULL, kfile, &unused)) != NULL)
			return plan_fail(pl, err);
		if ((err = plan_add(pl, &st)) != NULL)
			return err;
	}
	for (int t = 0; t < 2; t++) {
		for (const cJSON *im = t == 0 ? (k->images != NULL ? k->images->child : NULL) :
		    (k->image_tags != NULL ? k->image_tags->child : NULL); im != NULL; im = im->next) {
			struct stage st = {.kind = STAGE_IMAGE, .entry = im, .extra = cfg->images, .what = kfile};

			if ((err = pn_transform_image(NULL, 0, im, cfg->images, kfile)) != NULL)
				return plan_fail(pl, err);
			if ((err = plan_add(pl, &st)) != NULL)
				return err;
		}
	}
	return NULL;
}

/* Add a stage's prefix or suffix to a string field. */
static const struct pn_error *
fix_field(cJSON *parent, const char *key, cJSON *field, int create, const void *ctx)
{
	const struct stage *st = ctx;
	const struct pn_error *err;
	cJSON *v;
	char *s;

	(void)create;
	if (cJSON_IsArray(field) || cJSON_IsObject(field))	/* kustomize's words */
		return pn_error_fmt(PN_ERR_PARSE, "%s: wrong node kind: expected ScalarNode but got %s",
		    st->kind == STAGE_SUFFIX ? "nameSuffix" : "namePrefix",
		    cJSON_IsArray(field) ? "SequenceNode" : "MappingNode");
	if (!cJSON_IsString(field))
		return NULL;
	if (asprintf(&s, "%s%s%s", st->kind == STAGE_SUFFIX ? "" : st->s, field->valuestring,
	    st->kind == STAGE_SUFFIX ? st->s : "") < 0)
		return nomem();
	v = cJSON_CreateString(s);
	free(s);
	if (v == NULL)
		return nomem();
	if (key == NULL)
		err = cJSON_ReplaceItemViaPointer(parent, field, v) ? NULL : nomem();
	else
		err = cJSON_ReplaceItemInObjectCaseSensitive(parent, key, v) ? NULL : nomem();
	return err;
}

/* Whether kustomize keeps its default namePrefix/nameSuffix spec (metadata/name of every kind) beside the
 * `configurations` ones. Its merge drops a spec when one already taken, with the same path, selects the
 * spec's group, version and kind; the configuration's specs, sorted, come before the default, so one at
 * metadata/name naming a group, version or kind (unless a webhook kind, which sorts after) replaces it. */
static int
default_fix_spec(const struct pn_fieldspec *user)
{
	for (const struct pn_fieldspec *t = user; t != NULL && t->path != NULL; t++)
		if (strcmp(t->path, "metadata/name") == 0 && (t->group != NULL || t->version != NULL ||
		    (t->kind != NULL && strcmp(t->kind, "MutatingWebhookConfiguration") != 0 &&
		    strcmp(t->kind, "ValidatingWebhookConfiguration") != 0)))
			return 0;
	return 1;
}

/* namePrefix or nameSuffix on r (loaded), as kustomize's PrefixTransformer and SuffixTransformer: each spec
 * selecting r (its default, metadata/name, and the `configurations` ones) gets the fix; at metadata/name that
 * is a rename, recorded for name references. */
static const struct pn_error *
fix_one(const struct stage *st, struct pn_res *r)
{
	static const struct pn_fieldspec meta_name = {NULL, NULL, NULL, "metadata/name", 0};
	const struct pn_error *err;
	size_t nuser = 0;
	char *renamed;

	if (keeps_name(r->obj))
		return NULL;
	while (st->extra != NULL && st->extra[nuser].path != NULL)
		nuser++;
	/* in kustomize's sorted order: the configuration's specs, then the default when it is kept */
	for (size_t i = 0; i <= nuser; i++) {
		const struct pn_fieldspec *t = i < nuser ? &st->extra[i] : &meta_name;

		if (i == nuser && (st->only || !default_fix_spec(st->extra)))
			break;
		if (!st->only && i < nuser && t->group == NULL && t->version == NULL && t->kind == NULL &&
		    strcmp(t->path, "metadata/name") == 0)
			continue;	/* the default itself: merged away */
		if (!pn_fieldspec_selects(t, r->obj))
			continue;
		if (strcmp(t->path, "metadata/name") != 0) {
			if ((err = pn_fieldspec_walk(r->obj, t, fix_field, st)) != NULL) {
				char id[PN_RESMAP_ID_MAX];

				pn_res_id(r, id, sizeof(id));
				return pn_error_wrap(err, "considering field '%s' of object %s", t->path, id);
			}
			continue;
		}
		if ((err = pn_res_store_prev(r)) != NULL ||
		    (err = pn_res_add_fix(r, st->kind == STAGE_SUFFIX ? 's' : 'p', st->s)) != NULL)
			return err;
		if (asprintf(&renamed, "%s%s%s", st->kind == STAGE_SUFFIX ? "" : st->s, pn_res_name(r),
		    st->kind == STAGE_SUFFIX ? st->s : "") < 0)
			return nomem();
		err = pn_res_set_meta(r->obj, "name", renamed);
		free(renamed);
		if (err != NULL)
			return err;
	}
	return NULL;
}

/* The namespace stage on r (loaded). kustomize's NamespaceTransformer stores every object's id first: a
 * Namespace it renames keeps its old name as a referral. */
static const struct pn_error *
namespace_one(const struct stage *st, struct pn_res *r)
{
	char *name = strdup(pn_res_name(r)), *ns = strdup(pn_res_namespace(r));
	const struct pn_error *err;

	if (name == NULL || ns == NULL)
		err = nomem();
	else if ((err = pn_transform_namespace(&r->obj, 1, st->s, st->extra, st->only)) == NULL)
		err = pn_res_kept_id(r, ns, name);
	free(name);
	free(ns);
	return err;
}

/* One stage on r (loaded). *gone set when a patch deleted it. */
static const struct pn_error *
stage_one(struct stage *st, struct pn_res *r, int *gone)
{
	const char *name = r->orig_name;

	*gone = 0;
	switch (st->kind) {
	case STAGE_PATCH:
		return pn_patch_one(r, st->patch, gone);
	case STAGE_NAMESPACE:
		return namespace_one(st, r);
	case STAGE_PREFIX:
	case STAGE_SUFFIX:
		return fix_one(st, r);
	case STAGE_MAP:
		return pn_transform_map(&r->obj, 1, st->entry, st->table, st->extra, st->what);
	case STAGE_REPLICAS:
		return pn_transform_replicas(&r->obj, &name, 1, st->entry, st->extra, st->what, &st->matched);
	case STAGE_IMAGE:
		return pn_transform_image(&r->obj, 1, st->entry, st->extra, st->what);
	case STAGE_PATCH_ID:
		break;
	}
	return pn_error_fmt(PN_ERR_INTERNAL, "build: stage %d run on one object", (int)st->kind);
}

/* Stages [from, to) of pl (none of them a barrier) over every object of ra, object by object. */
static const struct pn_error *
run_segment(struct pn_resmap *ra, struct plan *pl, size_t from, size_t to)
{
	const struct pn_error *err;
	struct pn_error first;
	size_t best = to, t;

	for (size_t k = 0; k < ra->n && best > from; k++) {
		struct pn_res *r = &ra->v[k];
		int gone = 0;

		if ((err = pn_res_load(ra, r)) != NULL)
			return err;
		for (t = from; t < best && !gone; t++) {
			if ((err = stage_one(&pl->v[t], r, &gone)) != NULL) {
				first = *err;
				best = t;
			}
		}
		if (gone)
			pn_res_drop(ra, r);
		else if ((err = pn_res_spill(ra, r)) != NULL)
			return err;
	}
	pn_resmap_compact(ra);
	for (t = from; t < best; t++) {
		if (pl->v[t].kind == STAGE_REPLICAS && !pl->v[t].matched) {
			first = *pn_transform_replicas_unmatched(pl->v[t].entry, pl->v[t].extra, pl->v[t].what);
			best = t;
		}
	}
	return best < to ? pn_error_fmt(first.code, "%s", first.msg) : NULL;
}

/* With buildMetadata: kustomization file kfile as an origin path (Flux's generated one is kustomization.yaml). */
static const struct pn_error *
kust_origin(struct build *b, const char *kfile, char **out)
{
	const char *base = strrchr(kfile, '/') != NULL ? strrchr(kfile, '/') + 1 : kfile;

	*out = NULL;
	if (!b->meta)
		return NULL;
	if (strcmp(base, kust_names[1]) != 0 && strcmp(base, kust_names[2]) != 0)
		base = kust_names[0];
	return pn_buildmeta_join(b->origin != NULL ? b->origin : "", base, out);
}

/* With buildMetadata: every object of ra records the transformers of k (buildmeta.h). */
static const struct pn_error *
record_transforms(struct build *b, const char *kfile, const struct pn_kust *k, struct pn_resmap *ra)
{
	const struct pn_error *err = NULL;
	char *in = NULL, *text = NULL;

	if (b->plugin_by != NULL) {	/* a plugin config records itself, not the fields it became */
		if ((text = strdup(b->plugin_by)) == NULL)
			return nomem();
	} else if ((err = kust_origin(b, kfile, &in)) == NULL && in != NULL) {
		err = pn_buildmeta_transforms(k, in, &text);
	}
	for (size_t i = 0; i < ra->n && text != NULL && err == NULL; i++) {
		if ((err = pn_res_load(ra, &ra->v[i])) == NULL &&
		    (err = pn_buildmeta_transformed(ra->v[i].obj, text)) == NULL)
			err = pn_res_spill(ra, &ra->v[i]);
	}
	free(text);
	free(in);
	return err;
}

/* The transformers of one kustomization, in kustomize's order, over ra. */
static const struct pn_error *
transform(struct build *b, const struct pn_gen_io *io, const char *kfile, const struct pn_kust *k,
    struct pn_resmap *ra)
{
	const struct pn_error *err = NULL;
	struct plan pl;
	size_t from = 0;
	cJSON *repl = NULL;	/* the replacements, run after every other transformer */

	memset(&pl, 0, sizeof(pl));
	pn_resmap_invalidate(ra);	/* ids change below; objects may be removed */
	if ((err = plan_make(b, &pl, io, kfile, k)) != NULL)
		goto done;
	if (!pl.failed && (err = pn_replace_prepare(io, &b->opt.yaml, kfile, k->replacements, &repl)) != NULL &&
	    (err = plan_fail(&pl, err)) != NULL)
		goto done;
	for (size_t t = 0; t <= pl.n; t++) {
		if (t < pl.n && pl.v[t].kind != STAGE_PATCH_ID)
			continue;
		if (t > from && (err = run_segment(ra, &pl, from, t)) != NULL)
			goto done;
		if (t < pl.n && (err = pn_patch_by_id(ra, pl.v[t].patch)) != NULL)
			goto done;
		from = t + 1;
	}
	if (pl.failed)
		err = pn_error_fmt(pl.prep.code, "%s", pl.prep.msg);
	else if ((err = pn_replace_run(ra, repl)) == NULL)
		err = record_transforms(b, kfile, k, ra);
done:
	cJSON_Delete(repl);
	plan_release(&pl);
	return err;
}

/* The entries of a `resources`/`bases`/`components` list. */
static const struct pn_error *
add_list(struct build *b, struct pn_resmap *ra, const char *kfile, const char *dir, const cJSON *list,
    int component)
{
	const struct pn_error *err = NULL;

	for (const cJSON *e = list != NULL ? list->child : NULL; e != NULL && err == NULL; e = e->next) {
		if (!cJSON_IsString(e))
			err = pn_error_fmt(PN_ERR_PARSE, "%s: a %s entry is not a string", kfile,
			    component ? "components" : "resources");
		else
			err = add_resource(b, ra, kfile, dir, e->valuestring, component);
	}
	return err;
}

/* The entry kustomization's sortOptions into b->res->sort. */
static const struct pn_error *
sort_options(struct build *b, const char *kfile, const cJSON *so)
{
	const cJSON *order = cJSON_GetObjectItemCaseSensitive(so, "order");
	const cJSON *legacy = cJSON_GetObjectItemCaseSensitive(so, "legacySortOptions");

	if (so == NULL)
		return NULL;
	for (const cJSON *f = so->child; f != NULL; f = f->next)
		if (strcmp(f->string, "order") != 0 && strcmp(f->string, "legacySortOptions") != 0)
			return pn_error_fmt(PN_ERR_PARSE, "%s: sortOptions: unknown field \"%.128s\"", kfile, f->string);
	if (!cJSON_IsString(order) || (strcmp(order->valuestring, "fifo") != 0 &&
	    strcmp(order->valuestring, "legacy") != 0))
		return pn_error_fmt(PN_ERR_PARSE, "%s: the field 'sortOptions.order' must be one of [fifo, legacy]",
		    kfile);
	if (legacy != NULL && !cJSON_IsNull(legacy)) {
		if (strcmp(order->valuestring, "fifo") == 0)
			return pn_error_fmt(PN_ERR_PARSE, "%s: the field 'sortOptions.legacySortOptions' is set but the "
			    "selected sort order is 'fifo', not 'legacy'", kfile);
		for (int last = 0; last < 2; last++) {
			const cJSON *kinds = cJSON_GetObjectItemCaseSensitive(legacy, last ? "orderLast" : "orderFirst");
			int n = cJSON_IsArray(kinds) ? cJSON_GetArraySize(kinds) : 0, k = 0;
			char **v = calloc((size_t)n + 1, sizeof(*v));

			if (v == NULL)
				return nomem();
			*(last ? &b->res->sort_last : &b->res->sort_first) = v;
			for (const cJSON *e = n > 0 ? kinds->child : NULL; e != NULL; e = e->next)
				if ((v[k++] = strdup(cJSON_IsString(e) ? e->valuestring : "")) == NULL)
					return nomem();
		}
	}
	b->res->sort = strcmp(order->valuestring, "fifo") == 0 ? PN_BUILD_SORT_FIFO : PN_BUILD_SORT_LEGACY;
	return NULL;
}

/* The `generators` (gen 1), `transformers` (0) or `validators` (2) list of kustomization kfile in directory
 * dir over ra, as kustomize's configureExternalGenerators/Transformers: each entry is inline YAML (its
 * documents are the configs) or a file or kustomization directory (its objects are, in order); each config
 * (plugin.h) then generates into ra or transforms ra, in order; a validator must change nothing. */
static const struct pn_error *
plugins(struct build *b, const struct pn_gen_io *io, const char *kfile, const char *dir, const cJSON *list,
    int gen, struct pn_resmap *ra)
{
	static const char *const field[] = {"transformers", "generators", "validators"};
	struct pn_resmap cfgs = {.spool = b->res->spool, .budget = &b->index};
	const struct pn_error *err = NULL;
	struct pn_spool_slot *snap = NULL;	/* validators: the objects before */
	size_t nsnap;

	for (const cJSON *e = list != NULL ? list->child : NULL; e != NULL && err == NULL; e = e->next) {
		struct pn_yaml_docs docs = {0};
		const struct pn_error *perr = pn_yaml_parse("an inline entry", e->valuestring, strlen(e->valuestring),
		    &b->opt.yaml, &docs);
		int inl = perr == NULL && docs.n > 0;

		for (size_t d = 0; d < docs.n && inl; d++)
			inl = cJSON_IsObject(docs.v[d].root);
		if (inl) {
			err = take_docs(b, &cfgs, kfile, &docs);
		} else {
			pn_yaml_docs_release(&docs);
			/* kustomize tries what is not YAML as a path; several lines are no path */
			err = perr != NULL && strchr(e->valuestring, '\n') != NULL ? pn_error_wrap(perr, "%s: %s", kfile,
			    field[gen]) : add_resource(b, &cfgs, kfile, dir, e->valuestring, 0);
		}
	}
	for (size_t i = 0; i < cfgs.n && err == NULL; i++) {
		struct pn_kust_config only = {0};
		cJSON *kdoc = NULL, *specs = NULL, *obj = NULL;
		char *what = NULL;	/* "k.yaml: transformers: Kind name", the config in errors */
		char *by = NULL;	/* buildMetadata: the config's transformations entry */
		struct pn_kust k;

		if ((err = pn_res_load(&cfgs, &cfgs.v[i])) != NULL ||
		    (err = pn_plugin_translate(cfgs.v[i].obj, gen == 1, &kdoc, &specs, &obj)) != NULL) {
			err = err->code != PN_ERR_NOMEM ? pn_error_wrap(err, "%s: %s", kfile, field[gen]) : err;
		} else if (obj != NULL) {
			err = pn_resmap_add(ra, obj, NULL, 0);
			obj = NULL;
		} else if (asprintf(&what, "%s: %s: %s %s", kfile, field[gen], pn_res_kind(&cfgs.v[i]),
		    pn_res_name(&cfgs.v[i])) < 0) {
			what = NULL;
			err = nomem();
		} else if ((err = pn_kust_parse(what, kdoc, &k)) == NULL) {
			if (gen == 1) {
				/* its objects' origin names the config, not the fields it became */
				struct pn_gen_io pio = *io;
				size_t before = ra->n;

				pio.origin_in = NULL;
				if ((err = pn_gen_run(&pio, what, &k, ra)) == NULL)
					err = pn_plugin_generated(cfgs.v[i].obj, io->origin_in, &b->opt.yaml, ra, before);
			} else {
				err = pn_kust_config_add(&only, what, specs);	/* takes specs */
				specs = NULL;
				b->only = &only;
				if (err == NULL && gen == 2)
					err = pn_plugin_snapshot(ra, &snap, &nsnap);
				if (err == NULL && gen == 0)
					err = pn_plugin_origin(cfgs.v[i].obj, io->origin_in, 1, &b->opt.yaml, &by);
				b->plugin_by = by;
				if (err == NULL)
					err = transform(b, io, what, &k, ra);
				b->plugin_by = NULL;
				if (err == NULL && gen == 2 && (err = pn_plugin_unchanged(ra, snap, nsnap)) != NULL)
					err = pn_error_wrap(err, "%s", what);
				b->only = NULL;
				free(snap);
				snap = NULL;
			}
		}
		pn_kust_config_release(&only);
		cJSON_Delete(kdoc);
		cJSON_Delete(specs);
		cJSON_Delete(obj);
		free(what);
		free(by);
	}
	pn_resmap_release(&cfgs);
	return err;
}

/* Build the kustomization `kfile` of directory `dir`, reached from `referrer`, into ra: a Kustomization
 * adds its own finished objects; a Component (`component` 1) adds and transforms in ra itself; -1 (the entry
 * path) takes either kind. */
static const struct pn_error *
load_kustomization(struct build *b, struct pn_resmap *ra, const char *dir, const char *kfile,
    const char *referrer, int component)
{
	const struct pn_error *err;
	struct pn_yaml_docs docs = {0};
	struct pn_resmap own = {.spool = b->res->spool, .budget = &b->index}, *target = component == 1 ? ra : &own;
	struct gen_ctx gctx = {b, dir, kfile};
	struct pn_gen_io io = {.read = gen_read, .ctx = &gctx, .max_file = b->opt.yaml.max_file};
	struct pn_yaml_limits kust_yaml = b->opt.yaml;
	struct pn_kust k;
	struct pn_buf buf;
	char *origin_in = NULL;

	for (size_t i = 0; i < b->nchain; i++)
		if (contains(dir, b->chain[i]))
			return pn_error_fmt(PN_ERR_PARSE, "%s: cycle: directory %s is, or contains, %s, whose "
			    "kustomization is being built", referrer, shown(dir), shown(b->chain[i]));
	if (b->nchain == PN_BUILD_MAX_NESTING)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s: kustomizations nest deeper than %d levels", kfile,
		    PN_BUILD_MAX_NESTING);
	pn_buf_init(&buf, b->opt.yaml.max_file, "a kustomization file");
	if ((err = b->tree->ops->read(b->tree->ctx, kfile, &buf)) != NULL)
		goto done;
	if (buf.len > b->opt.max_bytes - b->res->bytes) {
		err = pn_error_fmt(PN_ERR_TOO_LARGE, "%s: the build's files exceed the %zu bytes allowed", kfile,
		    b->opt.max_bytes);
		goto done;
	}
	b->res->bytes += buf.len;
	/* kustomize decodes its file with sigs.k8s.io/yaml (go-yaml v2): "disableNameSuffixHash: yes" is true, and
	 * a key written twice keeps its last value */
	kust_yaml.goyaml_v2 = 1;
	if ((err = pn_yaml_parse(kfile, pn_buf_str(&buf), buf.len, &kust_yaml, &docs)) != NULL)
		goto done;
	if (docs.n == 0 || (cJSON_IsObject(docs.v[0].root) && docs.v[0].root->child == NULL)) {
		err = pn_error_fmt(PN_ERR_PARSE, "%s: kustomization is empty", kfile);
		goto done;
	}
	if (docs.n > 1 || !cJSON_IsObject(docs.v[0].root)) {
		err = pn_error_fmt(PN_ERR_PARSE, "%s: a kustomization must be one YAML mapping", kfile);
		goto done;
	}
	if (component == -1 && (err = pn_flux_merge(b->opt.flux, docs.v[0].root, 1)) != NULL)
		goto done;
	if ((err = pn_kust_parse(kfile, docs.v[0].root, &k)) != NULL ||
	    (err = load_openapi(b, dir, kfile, k.openapi)) != NULL)
		goto done;
	if (component == -1 && (err = sort_options(b, kfile, k.sort_options)) != NULL)
		goto done;
	if (component == -1)	/* only the entry's list counts: kustomize hands it down */
		b->meta = pn_buildmeta_flags(k.build_metadata);
	if ((err = kust_origin(b, kfile, &origin_in)) != NULL)
		goto done;
	io.origin_in = origin_in;
	if (component == 1 && !k.component) {	/* kustomize's words; the file naming it after them */
		err = pn_error_fmt(PN_ERR_PARSE, "accumulateDirectory: \"expected kind 'Component' for path '%s' but got "
		    "'Kustomization'\" (a components entry of %s)", shown(dir), referrer);
		goto done;
	}
	if (component == 0 && k.component) {
		err = pn_error_fmt(PN_ERR_PARSE, "%s: expected kind != 'Component' for path '%s'", referrer, shown(dir));
		goto done;
	}
	b->chain[b->nchain++] = dir;
	if ((err = add_list(b, target, kfile, dir, k.resources, 0)) != NULL ||
	    (err = add_list(b, target, kfile, dir, k.bases, 0)) != NULL) {
		if (strstr(err->msg, "accumulating resources") == NULL)	/* kustomize's prefix, once */
			err = pn_error_wrap(err, "accumulating resources");
	} else if ((err = load_configurations(b, dir, kfile, k.configurations, 0)) == NULL &&
	    (err = load_configurations(b, dir, kfile, k.crds, 1)) == NULL &&
	    (err = pn_gen_run(&io, kfile, &k, target)) == NULL &&
	    (err = plugins(b, &io, kfile, dir, k.generators, 1, target)) == NULL) {
		if ((err = add_list(b, target, kfile, dir, k.components, 1)) != NULL) {
			if (strstr(err->msg, "accumulating components") == NULL)
				err = pn_error_wrap(err, "accumulating components");
		} else {
			err = transform(b, &io, kfile, &k, target);
		}
		if (err == NULL && (err = plugins(b, &io, kfile, dir, k.transformers, 0, target)) == NULL)
			err = plugins(b, &io, kfile, dir, k.validators, 2, target);
		if (err == NULL)
			err = pn_vars_merge(&b->vars, target, kfile, k.vars);
	}
	b->nchain--;
	if (err == NULL && component != 1)
		err = pn_resmap_take(ra, &own);
done:
	free(origin_in);
	pn_resmap_release(&own);
	pn_yaml_docs_release(&docs);
	pn_buf_release(&buf);
	return err;
}

/* Flux's generated kustomization of directory `dir` (depth 0 is the entry path). */
static const struct pn_error *
generate(struct build *b, struct pn_resmap *ra, const char *dir, size_t depth)
{
	const struct pn_error *err = NULL;
	struct pn_tree_entry *ents = NULL;
	size_t n = 0;

	if (depth > PN_BUILD_MAX_DIR_DEPTH)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s: directories nest deeper than %d levels", dir,
		    PN_BUILD_MAX_DIR_DEPTH);
	if ((err = b->tree->ops->list(b->tree->ctx, dir, &ents, &n)) != NULL)
		return err;
	if (n > PN_BUILD_MAX_ENTRIES - b->entries) {
		pn_tree_entries_free(ents, n);
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s: the build visits more than %d directory entries", shown(dir),
		    PN_BUILD_MAX_ENTRIES);
	}
	b->entries += n;
	for (size_t k = 0; k < n && err == NULL; k++) {
		char *path = NULL, *kfile = NULL;

		if (pn_build_join_path(dir, ents[k].name, &path) != 0) {
			err = nomem();
			break;
		}
		/* with Flux's spec.buildMetadata: origins from the entry path, as Flux lists the files found */
		if (b->meta && ents[k].kind == PN_TREE_DIR)
			b->origin = path + strlen(b->top) + (b->top[0] != '\0');
		else if (b->meta)
			b->file_origin = path + strlen(b->top) + (b->top[0] != '\0');
		if (ents[k].kind == PN_TREE_DIR) {
			if (depth == 0 && strcmp(ents[k].name, FLUX_SYSTEM_DIR) == 0)
				err = add_notice(b, "skipped %s/ (Flux's own install)", path);
			else if ((err = find_kustfile(b, path, &kfile)) == NULL)
				err = kfile != NULL ? load_kustomization(b, ra, path, kfile, shown(dir), 0) :
				    generate(b, ra, path, depth + 1);
		} else if (ents[k].kind == PN_TREE_FILE) {
			if (ends_with(ents[k].name, ".yaml") || ends_with(ents[k].name, ".yml"))
				err = load_file(b, ra, path);
		} else {
			err = add_notice(b, "skipped %s: neither a file nor a directory", path);
		}
		b->origin = b->file_origin = NULL;
		free(kfile);
		free(path);
	}
	pn_tree_entries_free(ents, n);
	return err;
}

void
pn_build_options_init(struct pn_build_options *opt)
{
	opt->load = PN_BUILD_LOAD_NONE;
	opt->max_bytes = PN_BUILD_MAX_BYTES;
	opt->max_docs = PN_BUILD_MAX_DOCS;
	pn_yaml_limits_init(&opt->yaml);
	opt->flux = NULL;
	opt->spool_dir = NULL;
	opt->max_spool = PN_SPOOL_MAX_BYTES;
	opt->max_index = PN_BUILD_MAX_INDEX;
}

const char *
pn_build_doc_api_version(const struct pn_build_doc *d)
{
	return pn_resmap_idf(d->ids, PN_RESMAP_API_VERSION);
}

const char *
pn_build_doc_kind(const struct pn_build_doc *d)
{
	return pn_resmap_idf(d->ids, PN_RESMAP_KIND);
}

const char *
pn_build_doc_name(const struct pn_build_doc *d)
{
	return pn_resmap_idf(d->ids, PN_RESMAP_NAME);
}

const char *
pn_build_doc_namespace(const struct pn_build_doc *d)
{
	return pn_resmap_idf(d->ids, PN_RESMAP_NAMESPACE);
}

const struct pn_error *
pn_build_doc_load(const struct pn_build_result *res, const struct pn_build_doc *d, cJSON **out)
{
	return pn_spool_get(res->spool, &d->slot, out);
}

static void
docs_free(struct pn_build_doc *v, size_t n)
{
	for (size_t k = 0; k < n; k++)
		free(v[k].ids);
	free(v);
}

void
pn_build_result_release(struct pn_build_result *res)
{
	docs_free(res->docs, res->ndocs);
	docs_free(res->flux, res->nflux);
	for (size_t k = 0; k < res->nnotices; k++)
		free(res->notices[k]);
	free(res->notices);
	for (size_t k = 0; k < res->nfiles; k++)
		free(res->files[k]);
	free(res->files);
	for (char **v = res->sort_first; v != NULL && *v != NULL; v++)
		free(*v);
	for (char **v = res->sort_last; v != NULL && *v != NULL; v++)
		free(*v);
	free(res->sort_first);
	free(res->sort_last);
	pn_spool_free(res->spool);
	memset(res, 0, sizeof(*res));
}

/* Flux's generated kustomization: the scanned resources, then Flux's fields over them. */
static const struct pn_error *
generate_top(struct build *b, struct pn_resmap *ra, const char *dir)
{
	struct gen_ctx gctx = {b, dir, dir};
	struct pn_gen_io io = {.read = gen_read, .ctx = &gctx, .max_file = b->opt.yaml.max_file};
	const struct pn_error *err;
	struct pn_kust k;
	cJSON *doc;

	b->meta = pn_buildmeta_flags(b->opt.flux != NULL ? b->opt.flux->build_metadata : NULL);
	if ((err = generate(b, ra, dir, 0)) != NULL || b->opt.flux == NULL)
		return err;
	if ((doc = cJSON_CreateObject()) == NULL)
		return nomem();
	if ((err = pn_flux_merge(b->opt.flux, doc, 0)) == NULL && (err = pn_kust_parse("the generated kustomization", doc,
	    &k)) == NULL) {
		b->chain[b->nchain++] = dir;
		if ((err = add_list(b, ra, "the generated kustomization", dir, k.components, 1)) == NULL)
			err = transform(b, &io, "the generated kustomization", &k, ra);
		b->nchain--;
	}
	cJSON_Delete(doc);
	return err;
}

/*
 * The end of the build, object by object: name references (namerefs.h), then Flux's postBuild substitution
 * and commonMetadata (flux.h), in kustomize-controller's order. As in transform(), the stages are the name
 * reference rules, then Flux's (PN_FLUX_STAGES), and the error reported is the one of the earliest stage and,
 * in it, of the first object; each object that a stage touches is loaded once.
 */
static const struct pn_error *
finish_objects(struct build *b, struct pn_resmap *ra)
{
	const struct pn_build_flux *f = b->opt.flux;
	const struct pn_nameref *user = b->cfg.namerefs;
	/* stages: the name reference rules [0, nr), then Flux's from nr */
	size_t nr = b->refs_fixed ? 0 : pn_namerefs_count(user), nstages = nr + PN_FLUX_STAGES, best = nstages, failed;
	const struct pn_error *err;
	struct pn_error first;

	/* a map that is wrong fails its stage before its first object */
	if ((err = pn_flux_check(f, &failed)) != NULL) {
		first = *err;
		best = nr + failed;
	}
	for (size_t k = 0; k < ra->n; k++) {
		struct pn_res *r = &ra->v[k];
		int refs = nr > 0 && best > 0 && pn_namerefs_selects(r, user);
		int flux = best > nr && pn_flux_changes(f, best - nr);
		int bmeta = (b->meta & PN_BUILDMETA_MANAGED) || r->meta;

		if (!refs && !flux && !bmeta)
			continue;
		if ((err = pn_res_load(ra, r)) != NULL)
			return err;
		if (refs && (err = pn_namerefs_fix_one(ra, k, user, best < nr ? best : nr, &failed)) != NULL) {
			first = *err;
			best = failed;
		}
		/* kustomize's own end (krusty Run), before anything Flux does */
		if (bmeta && (err = pn_buildmeta_finish(r->obj, b->meta)) != NULL)
			return err;
		if (best > nr && (err = pn_flux_object(f, &r->obj, best - nr, &failed)) != NULL) {
			first = *err;
			best = nr + failed;
		}
		if ((err = pn_res_spill(ra, r)) != NULL)
			return err;
	}
	return best < nstages ? pn_error_fmt(first.code, "%s", first.msg) : NULL;
}

/* Hand the finished objects to the result: Flux's own kinds to res->flux, the rest to res->docs. Each takes
 * its object's id and slot; the objects stay in the spool. */
static const struct pn_error *
finish(struct build *b, struct pn_resmap *ra)
{
	struct pn_build_result *r = b->res;
	size_t nflux = 0, ndrop = 0;
	char *flux;

	if ((flux = calloc(ra->n + 1, 1)) == NULL)
		return nomem();
	for (size_t k = 0; k < ra->n; k++) {
		const char *api = pn_res_api_version(&ra->v[k]), *slash = strchr(api, '/');

		/* kustomize's IgnoreLocal: local-config objects served name references and go now */
		if (ra->v[k].local) {
			flux[k] = 2;
			continue;
		}
		if (slash != NULL) {
			size_t glen = (size_t)(slash - api), slen = strlen(FLUX_GROUP_SUFFIX);

			flux[k] = glen > slen && memcmp(slash - slen, FLUX_GROUP_SUFFIX, slen) == 0;
		}
		nflux += (size_t)flux[k];
	}
	for (size_t k = 0; k < ra->n; k++)
		ndrop += flux[k] == 2;
	if ((r->docs = calloc(ra->n - nflux - ndrop + 1, sizeof(*r->docs))) == NULL ||
	    (r->flux = calloc(nflux + 1, sizeof(*r->flux))) == NULL) {
		free(flux);
		return nomem();
	}
	for (size_t k = 0; k < ra->n; k++) {
		struct pn_res *x = &ra->v[k];
		struct pn_build_doc *d;

		if (flux[k] == 2)
			continue;
		d = flux[k] ? &r->flux[r->nflux++] : &r->docs[r->ndocs++];

		if (x->obj != NULL || x->ids == NULL) {
			free(flux);
			return pn_error_fmt(PN_ERR_INTERNAL, "build: an object was not spooled at the end");
		}
		*d = (struct pn_build_doc){x->ids, x->file, x->line, x->slot};
		x->ids = NULL;
	}
	free(flux);
	return NULL;
}

const struct pn_error *
pn_build(const struct pn_tree_reader *tree, const char *path, const struct pn_build_options *opt,
    struct pn_build_result *out)
{
	const struct pn_error *err;
	struct build b = {0};
	struct pn_resmap ra = {0};
	enum pn_tree_kind kind;
	char *entry = NULL, *kfile = NULL;

	memset(out, 0, sizeof(*out));
	b.tree = tree;
	b.res = out;
	if (opt != NULL)
		b.opt = *opt;
	else
		pn_build_options_init(&b.opt);
	if ((err = pn_spool_new(b.opt.spool_dir != NULL ? b.opt.spool_dir : pn_spool_tmpdir(), b.opt.max_spool,
	    &out->spool)) != NULL)
		goto done;
	ra.spool = out->spool;
	b.index.max = b.opt.max_index;
	ra.budget = &b.index;
	while (path[0] == '/')
		path++;
	if (pn_build_join_path("", path, &entry) != 0) {
		err = pn_error_fmt(PN_ERR_USAGE, "path %s leaves the tree root", path);
		goto done;
	}
	if ((err = tree->ops->stat(tree->ctx, entry, &kind)) != NULL)
		goto done;
	if (kind != PN_TREE_DIR) {
		err = pn_error_fmt(PN_ERR_USAGE, "path %s is not a directory", shown(entry));
		goto done;
	}
	if ((err = find_kustfile(&b, entry, &kfile)) != NULL)
		goto done;
	b.top = entry;
	err = kfile != NULL ? load_kustomization(&b, &ra, entry, kfile, "path", -1) : generate_top(&b, &ra, entry);
	pn_resmap_invalidate(&ra);	/* the duplicate index is not needed any more */
	if (err == NULL)
		err = pn_gen_hash_names(&ra);
	/* kustomize resolves vars once the references are fixed (kusttarget.go makeCustomizedResMap) */
	if (err == NULL && b.vars.n > 0 && (err = pn_namerefs_fix(&ra, b.cfg.namerefs)) == NULL) {
		b.refs_fixed = 1;
		err = pn_vars_resolve(&b.vars, &ra, b.cfg.var_refs);
	}
	if (err == NULL)
		err = finish_objects(&b, &ra);
	if (err == NULL)
		err = finish(&b, &ra);
done:
	pn_resmap_release(&ra);
	pn_kust_config_release(&b.cfg);
	pn_vars_release(&b.vars);
	pn_openapi_release(&b.schema);
	free(kfile);
	free(entry);
	if (err != NULL)
		pn_build_result_release(out);
	return err;
}
