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
	char **seen;		/* sorted: every file and kustomization directory loaded */
	size_t nseen, capseen;
	const char *chain[PN_BUILD_MAX_NESTING];	/* kustomization directories being built */
	size_t nchain;
	size_t entries;		/* directory entries visited */
	size_t capdocs, capflux, capnotices, capfiles;	/* of the arrays in res */
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

/* Join dir and rel and normalise (".", "..", "//", trailing '/'); fails when ".." climbs above the root. */
static int
join_path(const char *dir, const char *rel, char **out)
{
	size_t dlen = strlen(dir), rlen = strlen(rel), o = 0;
	char *buf = malloc(dlen + rlen + 2), *res;
	const char *p;

	*out = NULL;
	if (buf == NULL || (res = malloc(dlen + rlen + 2)) == NULL) {
		free(buf);
		return -1;
	}
	snprintf(buf, dlen + rlen + 2, "%s/%s", dir, rel);
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

/* ---- bookkeeping ---- */

/* Record that `path` is loaded; fails when it already was. */
static const struct pn_error *
mark_seen(struct build *b, const char *path, const char *referrer)
{
	size_t lo = 0, hi = b->nseen;
	char *copy;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(b->seen[mid], path);

		if (c == 0)
			return pn_error_fmt(PN_ERR_PARSE, "%s: %s is included twice (kustomize would reject its objects "
			    "as already registered)", referrer, shown(path));
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (grow(&b->seen, &b->capseen, b->nseen, sizeof(*b->seen)) != NULL || (copy = strdup(path)) == NULL)
		return nomem();
	memmove(b->seen + lo + 1, b->seen + lo, (b->nseen - lo) * sizeof(*b->seen));
	b->seen[lo] = copy;
	b->nseen++;
	return NULL;
}

/* The kustomization file in directory `dir` (*out NULL when there is none). The caller frees it with free(). */
static const struct pn_error *
find_kustfile(struct build *b, const char *dir, char **out)
{
	const struct pn_error *err;
	enum pn_tree_kind kind;

	*out = NULL;
	for (size_t k = 0; k < sizeof(kust_names) / sizeof(kust_names[0]); k++) {
		char *p;

		if (join_path(dir, kust_names[k], &p) != 0)
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
			err = pn_error_fmt(PN_ERR_PARSE, "found multiple kustomization files under %s: %s and %s",
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

static const char *
str_field(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* kustomize's dropBadNodes for one document: 0 drop it (null or {}), 1 keep it, or an error. */
static const struct pn_error *
check_doc(const char *file, const struct pending *d, int *keep)
{
	const char *kind, *name;

	*keep = 0;
	if (d->obj == NULL || cJSON_IsNull(d->obj) || (cJSON_IsObject(d->obj) && d->obj->child == NULL))
		return NULL;
	if (!cJSON_IsObject(d->obj))
		return pn_error_fmt(PN_ERR_PARSE, "%s:%zu: missing Resource metadata: a document must be a mapping",
		    file, d->line);
	if ((kind = str_field(d->obj, "kind")) == NULL || kind[0] == '\0')
		return pn_error_fmt(PN_ERR_PARSE, "%s:%zu: missing kind in object", file, d->line);
	name = str_field(cJSON_GetObjectItemCaseSensitive(d->obj, "metadata"), "name");
	if (!ends_with(kind, "List") && (name == NULL || name[0] == '\0'))
		return pn_error_fmt(PN_ERR_PARSE, "%s:%zu: missing metadata.name in %s object", file, d->line, kind);
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
	const char *kind = cJSON_IsObject(obj) ? str_field(obj, "kind") : NULL;
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
emit(struct build *b, const char *file, cJSON *obj, size_t line)
{
	struct pn_build_result *r = b->res;
	const char *api = str_field(obj, "apiVersion"), *slash = api != NULL ? strchr(api, '/') : NULL;
	int flux = 0;
	struct pn_build_doc **v;
	size_t *n;

	if (r->ndocs + r->nflux >= b->opt.max_docs) {
		cJSON_Delete(obj);
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s:%zu: the build has more than %zu objects", file, line,
		    b->opt.max_docs);
	}
	if (slash != NULL) {
		size_t glen = (size_t)(slash - api), slen = strlen(FLUX_GROUP_SUFFIX);

		flux = glen > slen && memcmp(slash - slen, FLUX_GROUP_SUFFIX, slen) == 0;
	}
	v = flux ? &r->flux : &r->docs;
	n = flux ? &r->nflux : &r->ndocs;
	if (grow(v, flux ? &b->capflux : &b->capdocs, *n, sizeof(**v)) != NULL) {
		cJSON_Delete(obj);
		return nomem();
	}
	(*v)[(*n)++] = (struct pn_build_doc){obj, file, line};
	return NULL;
}

/* kustomize's RNodesFromBytes for one file: checks, List flattening (items go to the end of the queue), and
 * the objects handed on in order. Takes the documents. */
static const struct pn_error *
take_docs(struct build *b, const char *file, struct pn_yaml_docs *docs)
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
		const char *kind = str_field(d.obj, "kind");
		cJSON *items = cJSON_GetObjectItemCaseSensitive(d.obj, "items");

		if (!ends_with(kind, "List") || items == NULL) {
			err = emit(b, file, d.obj, d.line);
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
load_file(struct build *b, const char *path, const char *referrer)
{
	struct pn_build_result *r = b->res;
	const struct pn_error *err;
	struct pn_yaml_docs docs = {0};
	struct pn_buf buf;
	char *name;

	if ((err = mark_seen(b, path, referrer)) != NULL)
		return err;
	if (grow(&r->files, &b->capfiles, r->nfiles, sizeof(*r->files)) != NULL || (name = strdup(path)) == NULL)
		return nomem();
	r->files[r->nfiles++] = name;
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
	err = take_docs(b, name, &docs);
done:
	pn_buf_release(&buf);
	return err;
}

static const struct pn_error *load_kustomization(struct build *b, const char *dir, const char *kfile,
    const char *referrer);

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

/* One `resources` entry of kustomization file `kfile` in directory `dir`. */
static const struct pn_error *
add_resource(struct build *b, const char *kfile, const char *dir, const char *entry)
{
	const struct pn_error *err;
	enum pn_tree_kind kind;
	char *path = NULL, *sub = NULL;
	int rc;

	if (entry[0] == '\0')
		return pn_error_fmt(PN_ERR_PARSE, "%s: a resources entry is empty", kfile);
	if (strstr(entry, "://") != NULL || strncmp(entry, "git@", 4) == 0 || strncmp(entry, "git::", 5) == 0)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "%s: resource \"%s\": remote resources are not supported",
		    kfile, entry);
	if (entry[0] == '/')
		return pn_error_fmt(PN_ERR_PARSE, "%s: resource \"%s\": absolute paths are not supported (write it "
		    "relative to the kustomization)", kfile, entry);
	if ((rc = join_path(dir, entry, &path)) != 0)
		return rc < 0 ? nomem() : pn_error_fmt(PN_ERR_PARSE, "%s: resource \"%s\" leaves the tree root",
		    kfile, entry);
	if ((err = b->tree->ops->stat(b->tree->ctx, path, &kind)) != NULL) {
		if (err->code == PN_ERR_NOT_FOUND)
			err = looks_remote(entry) ? pn_error_fmt(PN_ERR_UNSUPPORTED, "%s: resource \"%s\": remote "
			    "resources are not supported", kfile, entry) : pn_error_fmt(PN_ERR_NOT_FOUND,
			    "%s: resource \"%s\" does not exist", kfile, entry);
		goto done;
	}
	if (kind == PN_TREE_FILE) {
		err = load_file(b, path, kfile);
	} else if (kind == PN_TREE_DIR) {
		if ((err = find_kustfile(b, path, &sub)) != NULL)
			goto done;
		if (sub == NULL)
			err = pn_error_fmt(PN_ERR_NOT_FOUND, "%s: resource \"%s\" is a directory without %s, %s or %s",
			    kfile, entry, kust_names[0], kust_names[1], kust_names[2]);
		else
			err = load_kustomization(b, path, sub, kfile);
	} else {
		err = pn_error_fmt(PN_ERR_PARSE, "%s: resource \"%s\" is neither a file nor a directory", kfile,
		    entry);
	}
done:
	free(sub);
	free(path);
	return err;
}

/* The kustomization fields this version understands; anything else is refused by name. */
static const struct pn_error *
check_kustomization(const char *kfile, const cJSON *k, const cJSON **resources)
{
	const cJSON *f;

	*resources = NULL;
	for (f = k->child; f != NULL; f = f->next) {
		if (strcmp(f->string, "apiVersion") == 0) {
			if (!cJSON_IsString(f) || strcmp(f->valuestring, KUST_API_VERSION) != 0)
				return pn_error_fmt(PN_ERR_PARSE, "%s: apiVersion for Kustomization should be %s", kfile,
				    KUST_API_VERSION);
		} else if (strcmp(f->string, "kind") == 0) {
			if (cJSON_IsString(f) && strcmp(f->valuestring, "Component") == 0)
				return pn_error_fmt(PN_ERR_UNSUPPORTED, "%s: kind Component is not supported yet", kfile);
			if (!cJSON_IsString(f) || strcmp(f->valuestring, "Kustomization") != 0)
				return pn_error_fmt(PN_ERR_PARSE, "%s: kind should be Kustomization", kfile);
		} else if (strcmp(f->string, "resources") == 0) {
			if (!cJSON_IsNull(f) && !cJSON_IsArray(f))
				return pn_error_fmt(PN_ERR_PARSE, "%s: resources must be a list of paths", kfile);
			*resources = f;
		} else {
			return pn_error_fmt(PN_ERR_UNSUPPORTED, "%s: unsupported kustomization key \"%.128s\" (this "
			    "version builds apiVersion, kind and resources only)", kfile, f->string);
		}
	}
	return NULL;
}

/* Build the kustomization `kfile` of directory `dir`, reached from `referrer`. */
static const struct pn_error *
load_kustomization(struct build *b, const char *dir, const char *kfile, const char *referrer)
{
	const struct pn_error *err;
	struct pn_yaml_docs docs = {0};
	const cJSON *resources, *e;
	struct pn_buf buf;

	for (size_t k = 0; k < b->nchain; k++)
		if (contains(dir, b->chain[k]))
			return pn_error_fmt(PN_ERR_PARSE, "%s: cycle: directory %s is, or contains, %s, whose "
			    "kustomization is being built", referrer, shown(dir), shown(b->chain[k]));
	if (b->nchain == PN_BUILD_MAX_NESTING)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s: kustomizations nest deeper than %d levels", kfile,
		    PN_BUILD_MAX_NESTING);
	if ((err = mark_seen(b, dir, referrer)) != NULL)
		return err;
	pn_buf_init(&buf, b->opt.yaml.max_file, "a kustomization file");
	if ((err = b->tree->ops->read(b->tree->ctx, kfile, &buf)) != NULL)
		goto done;
	if (buf.len > b->opt.max_bytes - b->res->bytes) {
		err = pn_error_fmt(PN_ERR_TOO_LARGE, "%s: the build's files exceed the %zu bytes allowed", kfile,
		    b->opt.max_bytes);
		goto done;
	}
	b->res->bytes += buf.len;
	if ((err = pn_yaml_parse(kfile, pn_buf_str(&buf), buf.len, &b->opt.yaml, &docs)) != NULL)
		goto done;
	if (docs.n == 0 || (cJSON_IsObject(docs.v[0].root) && docs.v[0].root->child == NULL)) {
		err = pn_error_fmt(PN_ERR_PARSE, "%s: kustomization is empty", kfile);
		goto done;
	}
	if (docs.n > 1 || !cJSON_IsObject(docs.v[0].root)) {
		err = pn_error_fmt(PN_ERR_PARSE, "%s: a kustomization must be one YAML mapping", kfile);
		goto done;
	}
	if ((err = check_kustomization(kfile, docs.v[0].root, &resources)) != NULL)
		goto done;
	b->chain[b->nchain++] = dir;
	for (e = resources != NULL ? resources->child : NULL; e != NULL && err == NULL; e = e->next) {
		if (!cJSON_IsString(e))
			err = pn_error_fmt(PN_ERR_PARSE, "%s: a resources entry is not a string", kfile);
		else
			err = add_resource(b, kfile, dir, e->valuestring);
	}
	b->nchain--;
done:
	pn_yaml_docs_release(&docs);
	pn_buf_release(&buf);
	return err;
}

/* Flux's generated kustomization of directory `dir` (depth 0 is the entry path). */
static const struct pn_error *
generate(struct build *b, const char *dir, size_t depth)
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

		if (join_path(dir, ents[k].name, &path) != 0) {
			err = nomem();
			break;
		}
		if (ents[k].kind == PN_TREE_DIR) {
			if (depth == 0 && strcmp(ents[k].name, FLUX_SYSTEM_DIR) == 0)
				err = add_notice(b, "skipped %s/ (Flux's own install)", path);
			else if ((err = find_kustfile(b, path, &kfile)) == NULL)
				err = kfile != NULL ? load_kustomization(b, path, kfile, shown(dir)) :
				    generate(b, path, depth + 1);
		} else if (ents[k].kind == PN_TREE_FILE) {
			if (ends_with(ents[k].name, ".yaml") || ends_with(ents[k].name, ".yml"))
				err = load_file(b, path, shown(dir));
		} else {
			err = add_notice(b, "skipped %s: neither a file nor a directory", path);
		}
		free(kfile);
		free(path);
	}
	pn_tree_entries_free(ents, n);
	return err;
}

void
pn_build_options_init(struct pn_build_options *opt)
{
	opt->max_bytes = PN_BUILD_MAX_BYTES;
	opt->max_docs = PN_BUILD_MAX_DOCS;
	pn_yaml_limits_init(&opt->yaml);
}

static void
docs_free(struct pn_build_doc *v, size_t n)
{
	for (size_t k = 0; k < n; k++)
		cJSON_Delete(v[k].obj);
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
	memset(res, 0, sizeof(*res));
}

const struct pn_error *
pn_build(const struct pn_tree_reader *tree, const char *path, const struct pn_build_options *opt,
    struct pn_build_result *out)
{
	const struct pn_error *err;
	struct build b = {0};
	enum pn_tree_kind kind;
	char *entry = NULL, *kfile = NULL;

	memset(out, 0, sizeof(*out));
	b.tree = tree;
	b.res = out;
	if (opt != NULL)
		b.opt = *opt;
	else
		pn_build_options_init(&b.opt);
	while (path[0] == '/')
		path++;
	if (join_path("", path, &entry) != 0) {
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
	err = kfile != NULL ? load_kustomization(&b, entry, kfile, "path") : generate(&b, entry, 0);
done:
	for (size_t k = 0; k < b.nseen; k++)
		free(b.seen[k]);
	free(b.seen);
	free(kfile);
	free(entry);
	if (err != NULL)
		pn_build_result_release(out);
	return err;
}
