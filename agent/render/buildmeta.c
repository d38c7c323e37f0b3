/*
 * kustomize's buildMetadata: origin and transformations annotations, the managed-by label (see buildmeta.h).
 */
#include "buildmeta.h"

#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "yamlout.h"
#include "../core/banned.h"

/* Bytes of one annotation's text: a transformations list grows by ~100 bytes per builtin transformer of
 * every kustomization an object passes through (PN_BUILD_MAX_NESTING levels of a few dozen each). */
#define PN_BUILDMETA_MAX_TEXT ((size_t)256 << 10)

unsigned
pn_buildmeta_flags(const cJSON *list)
{
	static const char *const words[] = {"originAnnotations", "transformerAnnotations", "managedByLabel"};
	unsigned flags = 0;

	for (const cJSON *e = cJSON_IsArray(list) ? list->child : NULL; e != NULL; e = e->next) {
		flags |= PN_BUILDMETA_TRACK;
		for (unsigned i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (cJSON_IsString(e) && strcmp(e->valuestring, words[i]) == 0)
				flags |= PN_BUILDMETA_ORIGINS << i;
	}
	return flags;
}

const struct pn_error *
pn_buildmeta_join(const char *dir, const char *rel, char **out)
{
	size_t n = 0, dl = strlen(dir), rl = strlen(rel);
	int rooted = dir[0] == '/' || (dl == 0 && rel[0] == '/');
	char *in = malloc(dl + rl + 2), *o = malloc(dl + rl + 3);
	const char *p;

	*out = NULL;
	if (in == NULL || o == NULL) {
		free(in);
		free(o);
		return pn_error(PN_ERR_NOMEM);
	}
	memcpy(in, dir, dl);
	in[dl] = '/';
	memcpy(in + dl + 1, rel, rl + 1);
	if (rooted)
		o[n++] = '/';
	/* filepath.Clean: drop "" and ".", ".." takes back a name (never the root; kept when nothing is left) */
	for (p = in; *p != '\0';) {
		size_t len = strcspn(p, "/"), base = rooted ? 1 : 0;

		if (len == 0 || (len == 1 && p[0] == '.')) {
			/* nothing */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			size_t back = n;

			while (back > base && o[back - 1] != '/')
				back--;
			if (n > base && !(n - back == 2 && o[back] == '.' && o[back + 1] == '.')) {
				n = back > base ? back - 1 : base;
			} else if (!rooted) {
				if (n > base)
					o[n++] = '/';
				o[n++] = '.';
				o[n++] = '.';
			}
		} else {
			if (n > base)
				o[n++] = '/';
			memcpy(o + n, p, len);
			n += len;
		}
		p += len + (p[len] == '/');
	}
	if (n == 0 && (dl > 0 || rl > 0))
		o[n++] = '.';
	o[n] = '\0';
	free(in);
	*out = o;
	return NULL;
}

/* The one-line YAML of {key: value} (as an item of a list with `item`), quoted as kustomize would. */
static const struct pn_error *
scalar_line(struct pn_buf *b, const char *key, const char *value, int item)
{
	cJSON *doc = cJSON_CreateObject(), *top = doc;
	const struct pn_error *err;

	if (doc == NULL || cJSON_AddStringToObject(doc, key, value) == NULL ||
	    (item && ((top = cJSON_CreateArray()) == NULL || !cJSON_AddItemToArray(top, doc)))) {
		cJSON_Delete(doc);
		return pn_error(PN_ERR_NOMEM);
	}
	err = pn_yamlout_doc(top, b);
	cJSON_Delete(top);
	return err;
}

/* Append src to b, each line indented by `ind`. */
static const struct pn_error *
indented(struct pn_buf *b, const char *src, const char *ind)
{
	const struct pn_error *err = NULL;

	for (const char *line = src; *line != '\0' && err == NULL;) {
		size_t n = strcspn(line, "\n");

		n += line[n] == '\n';
		if ((err = pn_buf_addstr(b, ind)) == NULL)
			err = pn_buf_add(b, line, n);
		line += n;
	}
	return err;
}

/* An origin configured in configured_in by an object (its name and namespace omitted when NULL or empty), as
 * kustomize's Origin marshals: configuredIn, then configuredBy; a list item with `item`. */
static const struct pn_error *
configured(struct pn_buf *b, const char *configured_in, const char *api_version, const char *kind,
    const char *name, const char *ns, int item)
{
	cJSON *doc = cJSON_CreateObject(), *by = cJSON_AddObjectToObject(doc, "configuredBy");
	const struct pn_error *err = NULL;
	struct pn_buf tmp;

	pn_buf_init(&tmp, PN_BUILDMETA_MAX_TEXT, PN_BUILDMETA_ORIGIN_KEY);
	if (by == NULL || cJSON_AddStringToObject(by, "apiVersion", api_version) == NULL ||
	    cJSON_AddStringToObject(by, "kind", kind) == NULL ||
	    (name != NULL && name[0] != '\0' && cJSON_AddStringToObject(by, "name", name) == NULL) ||
	    (ns != NULL && ns[0] != '\0' && cJSON_AddStringToObject(by, "namespace", ns) == NULL))
		err = pn_error(PN_ERR_NOMEM);
	/* its keys sort as the struct's fields: go-yaml's order is kustomize's here */
	if (err == NULL && (err = scalar_line(b, "configuredIn", configured_in, item)) == NULL &&
	    (err = pn_yamlout_doc(doc, &tmp)) == NULL)
		err = indented(b, pn_buf_str(&tmp), item ? "  " : "");
	pn_buf_release(&tmp);
	cJSON_Delete(doc);
	return err;
}

const struct pn_error *
pn_buildmeta_configured(const char *configured_in, const char *api_version, const char *kind, const char *name,
    const char *ns, int item, char **out)
{
	const struct pn_error *err;
	struct pn_buf b;
	size_t len;

	*out = NULL;
	pn_buf_init(&b, PN_BUILDMETA_MAX_TEXT, PN_BUILDMETA_ORIGIN_KEY);
	if ((err = configured(&b, configured_in, api_version, kind, name, ns, item)) == NULL)
		err = pn_buf_detach(&b, out, &len);
	pn_buf_release(&b);
	return err;
}

/* obj's metadata.annotations (created with `create`), NULL when absent or not a mapping. */
static cJSON *
map_of(cJSON *obj, const char *field, int create)
{
	cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata"), *m;

	if (!cJSON_IsObject(md))
		return NULL;
	m = cJSON_GetObjectItemCaseSensitive(md, field);
	if (cJSON_IsObject(m) || !create)
		return cJSON_IsObject(m) ? m : NULL;
	if ((m = cJSON_CreateObject()) == NULL)
		return NULL;
	if (cJSON_GetObjectItemCaseSensitive(md, field) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(md, field, m);
	else
		cJSON_AddItemToObject(md, field, m);
	return m;
}

static const struct pn_error *
set_str(cJSON *obj, const char *field, const char *key, const char *value)
{
	cJSON *m = map_of(obj, field, 1), *v;

	if (m == NULL)
		return cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(obj, "metadata")) ? pn_error(PN_ERR_NOMEM) :
		    pn_error_fmt(PN_ERR_PARSE, "buildMetadata: an object's metadata is not a mapping");
	if ((v = cJSON_CreateString(value)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	if (cJSON_GetObjectItemCaseSensitive(m, key) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(m, key, v);
	else
		cJSON_AddItemToObject(m, key, v);
	return NULL;
}

const struct pn_error *
pn_buildmeta_set_origin(cJSON *obj, const char *path, const char *configured_by)
{
	const struct pn_error *err;
	struct pn_buf b;

	if (path == NULL && cJSON_HasObjectItem(map_of(obj, "annotations", 0), PN_BUILDMETA_ORIGIN_KEY))
		return NULL;	/* kustomize's AddOriginAnnotation keeps one the generator's options wrote */
	if (path == NULL)
		return set_str(obj, "annotations", PN_BUILDMETA_ORIGIN_KEY, configured_by);
	pn_buf_init(&b, PN_BUILDMETA_MAX_TEXT, PN_BUILDMETA_ORIGIN_KEY);
	if ((err = scalar_line(&b, "path", path, 0)) == NULL)
		err = set_str(obj, "annotations", PN_BUILDMETA_ORIGIN_KEY, pn_buf_str(&b));
	pn_buf_release(&b);
	return err;
}

const struct pn_error *
pn_buildmeta_transforms(const struct pn_kust *k, const char *configured_in, char **out)
{
	const cJSON *str[] = {k->namespace_, k->name_prefix, k->name_suffix};
	int labels = cJSON_GetArraySize(k->labels), common = cJSON_GetArraySize(k->common_labels);
	/* kustomize's configureBuiltinTransformers: each kind and how many instances it configures */
	const struct {
		const char *kind;
		int n;
	} t[] = {
		{"PatchStrategicMergeTransformer", cJSON_GetArraySize(k->patches_sm) > 0},
		{"PatchTransformer", cJSON_GetArraySize(k->patches)},
		{"NamespaceTransformer", cJSON_IsString(str[0]) && str[0]->valuestring[0] != '\0'},
		{"PrefixTransformer", cJSON_IsString(str[1]) && str[1]->valuestring[0] != '\0'},
		{"SuffixTransformer", cJSON_IsString(str[2]) && str[2]->valuestring[0] != '\0'},
		{"LabelTransformer", labels > 0 || common > 0 ? labels + 1 : 0},
		{"AnnotationsTransformer", cJSON_GetArraySize(k->common_annotations) > 0},
		{"PatchJson6902Transformer", cJSON_GetArraySize(k->patches_json)},
		{"ReplicaCountTransformer", cJSON_GetArraySize(k->replicas)},
		{"ImageTagTransformer", cJSON_GetArraySize(k->images) + cJSON_GetArraySize(k->image_tags)},
		{"ReplacementTransformer", cJSON_GetArraySize(k->replacements) > 0},
	};
	const struct pn_error *err = NULL;
	struct pn_buf b;
	size_t len;

	*out = NULL;
	pn_buf_init(&b, PN_BUILDMETA_MAX_TEXT, PN_BUILDMETA_TRANSFORMS_KEY);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]) && err == NULL; i++)
		for (int j = 0; j < t[i].n && err == NULL; j++)
			err = configured(&b, configured_in, "builtin", t[i].kind, NULL, NULL, 1);
	if (err == NULL && b.len > 0)
		err = pn_buf_detach(&b, out, &len);
	pn_buf_release(&b);
	return err;
}

const struct pn_error *
pn_buildmeta_transformed(cJSON *obj, const char *text)
{
	cJSON *annos = map_of(obj, "annotations", 0);
	const char *had = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(annos, PN_BUILDMETA_TRANSFORMS_KEY));
	const struct pn_error *err = NULL;
	struct pn_buf b;

	pn_buf_init(&b, PN_BUILDMETA_MAX_TEXT, PN_BUILDMETA_TRANSFORMS_KEY);
	if (cJSON_GetObjectItemCaseSensitive(annos, PN_BUILDMETA_ORIGIN_KEY) == NULL) {
		/* kustomize's AddTransformerAnnotation: an object without an origin was made by the transformer; the
		 * first item, out of its list, is its origin */
		const char *end = strstr(text, "\n-");

		end = end != NULL ? end + 1 : text + strlen(text);
		for (const char *line = text; line < end && err == NULL;) {
			const char *nl = memchr(line, '\n', (size_t)(end - line));
			size_t n = nl != NULL ? (size_t)(nl - line) + 1 : (size_t)(end - line);

			err = n > 2 ? pn_buf_add(&b, line + 2, n - 2) : NULL;
			line += n;
		}
		if (err == NULL)
			err = set_str(obj, "annotations", PN_BUILDMETA_ORIGIN_KEY, pn_buf_str(&b));
		text = end;
		pn_buf_reset(&b);
	}
	if (err == NULL && text[0] != '\0') {
		if ((had == NULL || (err = pn_buf_addstr(&b, had)) == NULL) && (err = pn_buf_addstr(&b, text)) == NULL)
			err = set_str(obj, "annotations", PN_BUILDMETA_TRANSFORMS_KEY, pn_buf_str(&b));
	}
	pn_buf_release(&b);
	return err;
}

/* kyaml's SetAnnotations with nothing left clears the field: kustomize's end leaves no empty annotations. */
static int
empty(const cJSON *annos)
{
	return cJSON_IsNull(annos) || ((cJSON_IsObject(annos) || cJSON_IsArray(annos)) && annos->child == NULL);
}

int
pn_buildmeta_carries(const cJSON *obj)
{
	const cJSON *annos = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "metadata"),
	    "annotations");

	return empty(annos) || cJSON_HasObjectItem(annos, PN_BUILDMETA_ORIGIN_KEY) ||
	    cJSON_HasObjectItem(annos, PN_BUILDMETA_TRANSFORMS_KEY);
}

const struct pn_error *
pn_buildmeta_finish(cJSON *obj, unsigned flags)
{
	cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	cJSON *annos = cJSON_GetObjectItemCaseSensitive(md, "annotations");

	if (cJSON_IsObject(annos) && !(flags & PN_BUILDMETA_ORIGINS))
		cJSON_DeleteItemFromObjectCaseSensitive(annos, PN_BUILDMETA_ORIGIN_KEY);
	if (cJSON_IsObject(annos) && !(flags & PN_BUILDMETA_TRANSFORMERS))
		cJSON_DeleteItemFromObjectCaseSensitive(annos, PN_BUILDMETA_TRANSFORMS_KEY);
	if (empty(annos))
		cJSON_DeleteItemFromObjectCaseSensitive(md, "annotations");
	return flags & PN_BUILDMETA_MANAGED ? set_str(obj, "labels", PN_BUILDMETA_MANAGED_BY_KEY,
	    PN_BUILDMETA_MANAGED_BY) : NULL;
}
