/*
 * `pinion build` (see cli_build.h): dirtree → pn_build → pn_order_sort → each document loaded and printed
 * (pn_yamlout_doc) into the build's spool → stdout once all of them printed.
 */
#include "cli_build.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/dirtree.h"
#include "../core/file.h"
#include "../core/log.h"
#include "../source/odb.h"
#include "../source/pack.h"
#include "../source/tree.h"
#include "../sync/reconcile.h"
#include "../sync/state.h"
#include "yamlout.h"

#include "../core/banned.h"

/* The value of flag `name` at argv[*i] ("--name v" or "--name=v"), or NULL when argv[*i] is another flag.
 * Sets *err when the value is missing. */
static const char *
flag_value(int argc, char **argv, int *i, const char *name, const struct pn_error **err)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*err = pn_error_fmt(PN_ERR_USAGE, "build: %s needs a value", name);
		return NULL;
	}
	return argv[++*i];
}

void
pn_cli_build_args_release(struct pn_cli_build_args *args)
{
	free(args->subst_files);
	pn_subst_release(&args->subst);
	memset(args, 0, sizeof(*args));
}

static const struct pn_error *parse(int argc, char **argv, struct pn_cli_build_args *args);

const struct pn_error *
pn_cli_build_parse(int argc, char **argv, struct pn_cli_build_args *args)
{
	const struct pn_error *err;

	memset(args, 0, sizeof(*args));
	args->order = PN_ORDER_LEGACY;
	args->load_restrict_none = -1;
	if ((args->subst_files = calloc((size_t)argc + 1, sizeof(*args->subst_files))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	if ((err = parse(argc, argv, args)) != NULL)
		pn_cli_build_args_release(args);
	return err;
}

static const struct pn_error *
parse(int argc, char **argv, struct pn_cli_build_args *args)
{
	const struct pn_error *err = NULL;
	const char *v;
	int i, dashdash = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (dashdash || a[0] != '-' || strcmp(a, "-") == 0) {
			if (args->dir != NULL)
				return pn_error_fmt(PN_ERR_USAGE, "build: one directory only (got \"%s\" and \"%s\")",
				    args->dir, a);
			args->dir = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			dashdash = 1;
		} else if ((v = flag_value(argc, argv, &i, "--reorder", &err)) != NULL) {
			if ((err = pn_order_parse(v, &args->order)) != NULL)
				return err;
		} else if ((v = flag_value(argc, argv, &i, "--load-restrictor", &err)) != NULL) {
			if (strcmp(v, "LoadRestrictionsRootOnly") == 0)
				args->load_restrict_none = 0;
			else if (strcmp(v, "LoadRestrictionsNone") == 0)
				args->load_restrict_none = 1;
			else
				return pn_error_fmt(PN_ERR_USAGE, "build: --load-restrictor \"%s\": must be "
				    "LoadRestrictionsRootOnly or LoadRestrictionsNone", v);
		} else if ((v = flag_value(argc, argv, &i, "--path", &err)) != NULL) {
			args->path = v;
		} else if ((v = flag_value(argc, argv, &i, "--state-dir", &err)) != NULL) {
			args->state_dir = v;
		} else if ((v = flag_value(argc, argv, &i, "--flux-kustomization", &err)) != NULL) {
			args->flux_ks = v;
		} else if ((v = flag_value(argc, argv, &i, "--substitute-file", &err)) != NULL) {
			args->subst_files[args->nsubst_files++] = v;
		} else if ((v = flag_value(argc, argv, &i, "--substitute", &err)) != NULL) {
			if ((err = pn_subst_set_arg(&args->subst, v, "build: --substitute")) != NULL)
				return pn_error_fmt(PN_ERR_USAGE, "%s", err->msg);
		} else if (err != NULL) {
			return err;
		} else if (strcmp(a, "--strict-substitute") == 0) {
			args->subst.strict = 1;
		} else if (strcmp(a, "--enable-helm") == 0 || strncmp(a, "--enable-helm=", 14) == 0) {
			return pn_error_fmt(PN_ERR_UNSUPPORTED, "build: --enable-helm: helm charts are not supported");
		} else {
			return pn_error_fmt(PN_ERR_USAGE, "build: unknown flag \"%s\"", a);
		}
	}
	if (args->dir != NULL && args->state_dir != NULL)
		return pn_error_fmt(PN_ERR_USAGE, "build: a directory (\"%s\") and --state-dir exclude each other",
		    args->dir);
	if (args->dir == NULL && args->state_dir == NULL)
		args->dir = ".";
	return NULL;
}

/* Objects of res in one array: docs then flux objects. With no sort, flux objects are put back where their
 * file placed them (by file read order, then line). */
static int
pos_cmp(const struct pn_build_result *res, const struct pn_build_doc *a, const struct pn_build_doc *b)
{
	size_t fa = 0, fb = 0, i;

	for (i = 0; i < res->nfiles; i++) {
		if (res->files[i] == a->file)
			fa = i;
		if (res->files[i] == b->file)
			fb = i;
	}
	if (fa != fb)
		return fa < fb ? -1 : 1;
	return a->line < b->line ? -1 : a->line > b->line;
}

static const struct pn_error *
all_docs(const struct pn_build_result *res, enum pn_order_mode order, const struct pn_build_doc ***out, size_t *n)
{
	const struct pn_build_doc **v;
	size_t i, j, k, total = res->ndocs + res->nflux;

	*out = NULL;
	*n = 0;
	if (total == 0)
		return NULL;
	if ((v = calloc(total, sizeof(*v))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	if (order == PN_ORDER_NONE && res->nflux > 0) {
		for (i = 0, j = 0, k = 0; k < total; k++) {
			if (j >= res->nflux || (i < res->ndocs && pos_cmp(res, &res->docs[i], &res->flux[j]) <= 0))
				v[k] = &res->docs[i++];
			else
				v[k] = &res->flux[j++];
		}
	} else {
		for (i = 0; i < res->ndocs; i++)
			v[i] = &res->docs[i];
		for (j = 0; j < res->nflux; j++)
			v[res->ndocs + j] = &res->flux[j];
	}
	*out = v;
	*n = total;
	return NULL;
}

/* The builder names files by tree path, which here is the absolute path without its leading '/'. Put the '/'
 * back in err's message where a path of the build's top directory starts (after a space, quote, bracket or
 * '=' or at the start), so messages name files as kustomize does ("/home/u/app/kustomization.yaml"). */
static const struct pn_error *
absolute_paths(const struct pn_error *err, const char *abs)
{
	char msg[PN_ERROR_MSG_MAX], top[PN_ERROR_MSG_MAX];
	const char *m = err->msg, *slash;
	size_t o = 0, tlen;

	slash = strchr(abs + 1, '/');
	tlen = slash != NULL ? (size_t)(slash - abs) : strlen(abs);
	if (tlen < 2 || tlen >= sizeof(top))
		return err;
	memcpy(top, abs + 1, tlen - 1);
	top[tlen - 1] = '/';
	top[tlen] = '\0';
	for (size_t i = 0; m[i] != '\0' && o + 2 < sizeof(msg); i++) {
		if ((i == 0 || strchr(" '\"([=", m[i - 1]) != NULL) && strncmp(m + i, top, tlen) == 0)
			msg[o++] = '/';
		msg[o++] = m[i];
	}
	msg[o] = '\0';
	return pn_error_fmt(err->code, "%s", msg);
}

/* A member of o that must be one of the cJSON types in `want` (or absent/null: NULL). */
static const cJSON *
member(const cJSON *o, const char *name, int want, const char *file, const char *where, const struct pn_error **err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (v == NULL || cJSON_IsNull(v) || *err != NULL)
		return NULL;
	if ((v->type & 0xFF & want) == 0) {
		*err = pn_error_fmt(PN_ERR_PARSE, "%s: %s%s has the wrong type (%s)", file, where, name,
		    want == cJSON_String ? "a string" : want == cJSON_Object ? "a mapping" : want == cJSON_Array ?
		    "a list" : "a boolean");
		return NULL;
	}
	return v;
}

static const char *
member_str(const cJSON *o, const char *name, const char *file, const struct pn_error **err)
{
	const cJSON *v = member(o, name, cJSON_String, file, "spec.", err);

	return v != NULL ? v->valuestring : NULL;
}

/* The Flux Kustomization in `file` into *doc (the caller frees it with cJSON_Delete(); f's members point into
 * it), f, and subst's variables; *post_build says whether it has spec.postBuild. */
static const struct pn_error *
load_ks(const char *file, cJSON **doc, struct pn_build_flux *f, struct pn_subst *subst, int *post_build,
    const char **path, int *ignore_missing)
{
	static const char *const unsupported[] = {"patchesStrategicMerge", "patchesJson6902"};
	const struct pn_error *err = NULL;
	struct pn_yaml_docs docs = {0};
	struct pn_buf b;
	const cJSON *root, *spec, *md, *pb, *v, *c;
	const char *av, *kind, *strategy;

	pn_buf_init(&b, PN_CLI_BUILD_MAX_KS, file);
	if ((err = pn_file_read(file, &b)) != NULL || (err = pn_yaml_parse(file, b.data, b.len, NULL, &docs)) != NULL)
		goto done;
	if (docs.n != 1) {
		err = pn_error_fmt(PN_ERR_USAGE, "%s: holds %zu documents; --flux-kustomization reads one Kustomization",
		    file, docs.n);
		goto done;
	}
	root = docs.v[0].root;
	av = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "apiVersion"));
	kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "kind"));
	if (av == NULL || kind == NULL || strcmp(kind, "Kustomization") != 0 ||
	    (strcmp(av, "kustomize.toolkit.fluxcd.io/v1") != 0 && strcmp(av, "kustomize.toolkit.fluxcd.io/v1beta2") != 0)) {
		err = pn_error_fmt(PN_ERR_USAGE, "%s: not a kustomize.toolkit.fluxcd.io/v1 (or v1beta2) Kustomization "
		    "(apiVersion %s, kind %s)", file, av != NULL ? av : "none", kind != NULL ? kind : "none");
		goto done;
	}
	spec = member(root, "spec", cJSON_Object, file, "", &err);
	*path = member_str(spec, "path", file, &err);
	f->target_namespace = member_str(spec, "targetNamespace", file, &err);
	f->name_prefix = member_str(spec, "namePrefix", file, &err);
	f->name_suffix = member_str(spec, "nameSuffix", file, &err);
	f->patches = member(spec, "patches", cJSON_Array, file, "spec.", &err);
	f->images = member(spec, "images", cJSON_Array, file, "spec.", &err);
	f->components = member(spec, "components", cJSON_Array, file, "spec.", &err);
	f->build_metadata = member(spec, "buildMetadata", cJSON_Array, file, "spec.", &err);
	for (c = f->build_metadata != NULL ? f->build_metadata->child : NULL; c != NULL && err == NULL; c = c->next)
		if (!cJSON_IsString(c) || (strcmp(c->valuestring, "originAnnotations") != 0 &&
		    strcmp(c->valuestring, "transformerAnnotations") != 0))	/* the CRD's enum */
			err = pn_error_fmt(PN_ERR_PARSE, "%s: spec.buildMetadata: each entry must be originAnnotations or "
			    "transformerAnnotations", file);
	*ignore_missing = cJSON_IsTrue(member(spec, "ignoreMissingComponents", cJSON_True | cJSON_False, file,
	    "spec.", &err));
	md = member(spec, "commonMetadata", cJSON_Object, file, "spec.", &err);
	f->common_labels = member(md, "labels", cJSON_Object, file, "spec.commonMetadata.", &err);
	f->common_annotations = member(md, "annotations", cJSON_Object, file, "spec.commonMetadata.", &err);
	pb = member(spec, "postBuild", cJSON_Object, file, "spec.", &err);
	for (size_t k = 0; err == NULL && k < sizeof(unsupported) / sizeof(unsupported[0]); k++)
		if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(spec, unsupported[k])) > 0)
			err = pn_error_fmt(PN_ERR_UNSUPPORTED, "%s: spec.%s is not supported%s", file, unsupported[k],
			    " (Flux v1 removed it: use spec.patches)");
	if (err != NULL)
		goto done;
	if (cJSON_GetObjectItemCaseSensitive(spec, "decryption") != NULL)
		pn_log(PN_LOG_NOTICE, "%s: spec.decryption: pinion does not decrypt SOPS; encrypted objects are printed "
		    "as they are", file);
	*post_build = pb != NULL;
	v = member(pb, "substitute", cJSON_Object, file, "spec.postBuild.", &err);
	for (c = v != NULL ? v->child : NULL; c != NULL && err == NULL; c = c->next) {
		if (!cJSON_IsString(c))
			err = pn_error_fmt(PN_ERR_PARSE, "%s: spec.postBuild.substitute.%s must be a string", file, c->string);
		else
			err = pn_subst_set(subst, c->string, strlen(c->string), c->valuestring, strlen(c->valuestring));
	}
	strategy = cJSON_GetStringValue(member(pb, "substituteStrategy", cJSON_String, file, "spec.postBuild.", &err));
	if (err == NULL && strategy != NULL && strcmp(strategy, "Always") != 0 && strcmp(strategy, "WithVariables") != 0)
		err = pn_error_fmt(PN_ERR_PARSE, "%s: spec.postBuild.substituteStrategy \"%s\": must be WithVariables or "
		    "Always", file, strategy);
	subst->always = strategy != NULL && strcmp(strategy, "Always") == 0;
	v = member(pb, "substituteFrom", cJSON_Array, file, "spec.postBuild.", &err);
	if (err == NULL && cJSON_GetArraySize(v) > 0) {
		char refs[PN_ERROR_MSG_MAX] = "";
		size_t o = 0;

		for (c = v->child; c != NULL && o < sizeof(refs); c = c->next) {
			const char *k = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "kind"));
			const char *nm = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "name"));
			int w = snprintf(refs + o, sizeof(refs) - o, "%s%s/%s", o > 0 ? ", " : "", k != NULL ? k : "?",
			    nm != NULL ? nm : "?");

			o += w > 0 ? (size_t)w : 0;
		}
		pn_log(PN_LOG_WARNING, "%s: spec.postBuild.substituteFrom (%s) needs a cluster, which pinion build does "
		    "not read: give those variables with --substitute-file or --substitute%s", file, refs,
		    subst->strict ? "" : " (unset ones become empty)");
	}
	if (err == NULL) {
		*doc = docs.v[0].root;
		docs.v[0].root = NULL;
	}
done:
	pn_yaml_docs_release(&docs);
	pn_buf_release(&b);
	return err;
}

/* Flux's ignoreMissingComponents: the components that exist under the entry path, in a new list (*out). */
static const struct pn_error *
present_components(const struct pn_tree_reader *r, const char *entry, const cJSON *list, cJSON **out)
{
	enum pn_tree_kind kind;
	const cJSON *c;
	char *p;

	if ((*out = cJSON_CreateArray()) == NULL)
		return pn_error(PN_ERR_NOMEM);
	for (c = list->child; c != NULL; c = c->next) {
		int rc = cJSON_IsString(c) ? pn_build_join_path(entry, c->valuestring, &p) : 1;

		if (rc < 0)
			return pn_error(PN_ERR_NOMEM);
		if (rc == 0 && r->ops->stat(r->ctx, p, &kind) != NULL) {
			free(p);
			continue;	/* missing: dropped (pn_build reports a bad entry itself) */
		}
		free(rc == 0 ? p : NULL);
		if (!cJSON_AddItemToArray(*out, cJSON_Duplicate(c, 1)))
			return pn_error(PN_ERR_NOMEM);
	}
	return NULL;
}

/* The entry path: --path or the Kustomization's spec.path (normalised; both given must agree) under root. */
static const struct pn_error *
entry_path(const char *root, const char *flag, const char *spec, char **out)
{
	const struct pn_error *err;
	char *a = NULL, *b = NULL, *p;
	size_t n;

	*out = NULL;
	n = strlen(flag != NULL ? flag : "") + strlen(spec != NULL ? spec : "") + strlen(root) + 2;
	if ((a = malloc(n)) == NULL || (b = malloc(n)) == NULL || (*out = malloc(n)) == NULL) {
		err = pn_error(PN_ERR_NOMEM);
		goto done;
	}
	if ((err = pn_sync_normalize_path(flag, a, n)) != NULL || (err = pn_sync_normalize_path(spec, b, n)) != NULL)
		goto done;
	if (flag != NULL && spec != NULL && strcmp(a, b) != 0) {
		err = pn_error_fmt(PN_ERR_USAGE, "build: --path \"%s\" and the Kustomization's spec.path \"%s\" differ",
		    flag, spec);
		goto done;
	}
	p = flag != NULL ? a : b;
	snprintf(*out, n, "%s%s%s", root, root[0] != '\0' && p[0] != '\0' ? "/" : "", p);
done:
	if (err != NULL) {
		free(*out);
		*out = NULL;
	}
	free(a);
	free(b);
	return err;
}

/* The fetched revision of a state directory as a tree. */
static const struct pn_error *
open_store(const char *state_dir, struct pn_odb **odb, struct pn_tree **tree)
{
	char revision[PN_STATE_REVISION_MAX];
	struct pn_pack_limits limits;
	struct pn_oid commit;
	const struct pn_error *err;
	int found;

	if ((err = pn_state_get(state_dir, PN_STATE_FETCHED, revision, sizeof(revision), &found)) != NULL)
		return err;
	if (!found)
		return pn_error_fmt(PN_ERR_NOT_FOUND, "%s holds no fetched revision yet (run pinion fetch)", state_dir);
	if ((err = pn_state_revision_oid(revision, &commit)) != NULL)
		return err;
	pn_pack_limits_default(&limits);
	if ((err = pn_odb_open(state_dir, &limits, odb)) != NULL)
		return err;
	return pn_tree_new(*odb, &commit, revision, tree);
}

/* Print docs one at a time (each loaded, printed, freed): appended to out, or, with out NULL, staged in the
 * build's spool and then copied to stdout, so that nothing is written unless every document printed. */
static const struct pn_error *
print_docs(const struct pn_build_result *res, const struct pn_build_doc *const *docs, size_t n, struct pn_buf *out)
{
	const struct pn_error *err = NULL;
	struct pn_buf text;
	uint64_t start = 0, off;
	size_t total = 0;
	cJSON *obj = NULL;

	pn_buf_init(&text, PN_CLI_BUILD_MAX_OUTPUT, "build output");
	for (size_t i = 0; i < n && err == NULL; i++) {
		pn_buf_reset(&text);
		if ((err = pn_build_doc_load(res, docs[i], &obj)) != NULL ||
		    (i > 0 && (err = pn_buf_addstr(&text, "---\n")) != NULL) || (err = pn_yamlout_doc(obj, &text)) != NULL)
			break;
		cJSON_Delete(obj);
		obj = NULL;
		if (text.len > PN_CLI_BUILD_MAX_OUTPUT - total)
			err = pn_error_fmt(PN_ERR_TOO_LARGE, "build output exceeds its limit of %zu bytes",
			    (size_t)PN_CLI_BUILD_MAX_OUTPUT);
		else if (out != NULL)
			err = pn_buf_add(out, text.data, text.len);
		else if ((err = pn_spool_append(res->spool, text.data, text.len, &off)) == NULL && i == 0)
			start = off;
		total += text.len;
	}
	cJSON_Delete(obj);
	for (uint64_t o = 0; err == NULL && out == NULL && o < total;) {
		size_t len = total - o < PN_CLI_BUILD_CHUNK ? (size_t)(total - o) : PN_CLI_BUILD_CHUNK;
		char *p;

		pn_buf_reset(&text);
		if ((err = pn_buf_reserve(&text, len, &p)) != NULL ||
		    (err = pn_spool_read(res->spool, start + o, p, len)) != NULL)
			break;
		if (fwrite(p, 1, len, stdout) != len)
			err = pn_error_errno("write standard output");
		o += len;
	}
	if (err == NULL && out == NULL && fflush(stdout) != 0)
		err = pn_error_errno("write standard output");
	pn_buf_release(&text);
	return err;
}

static const struct pn_error *
render(const struct pn_cli_build_args *args, struct pn_buf *out)
{
	const struct pn_error *err = NULL;
	struct pn_dirtree *tree = NULL;
	struct pn_odb *odb = NULL;
	struct pn_tree *stree = NULL;
	struct pn_tree_reader reader;
	struct pn_build_options bopt;
	struct pn_build_flux flux = {0};
	struct pn_build_result res;
	const struct pn_build_doc **docs = NULL;
	struct pn_subst subst;
	struct pn_buf file;
	cJSON *ks = NULL, *comps = NULL;
	const char *spec_path = NULL;
	char *abs = NULL, *entry = NULL;
	enum pn_order_mode order;
	struct pn_order_legacy legacy;
	size_t n = 0, i;
	int built = 0, post_build = 0, ignore_missing = 0;

	pn_subst_init(&subst);
	subst.strict = args->subst.strict;
	pn_buf_init(&file, PN_CLI_BUILD_MAX_SUBST_FILE, "substitute file");
	/* variables, later winning: the files, the Kustomization's own, the command line's */
	for (i = 0; i < args->nsubst_files; i++) {
		pn_buf_reset(&file);
		if ((err = pn_file_read(args->subst_files[i], &file)) != NULL ||
		    (err = pn_subst_parse_env(&subst, args->subst_files[i], file.data, file.len)) != NULL)
			goto done;
	}
	if (args->flux_ks != NULL &&
	    (err = load_ks(args->flux_ks, &ks, &flux, &subst, &post_build, &spec_path, &ignore_missing)) != NULL)
		goto done;
	if ((err = pn_subst_merge(&subst, &args->subst)) != NULL)
		goto done;
	if (args->state_dir != NULL) {
		if ((err = open_store(args->state_dir, &odb, &stree)) != NULL)
			goto done;
		pn_tree_reader(stree, &reader);
	} else {
		/* The tree is the whole file system, so that bases next to the directory can be reached. */
		if ((abs = realpath(args->dir, NULL)) == NULL) {
			err = pn_error_errno_fmt("build: %s", args->dir);
			goto done;
		}
		if ((err = pn_dirtree_new("/", &tree)) != NULL)
			goto done;
		pn_dirtree_reader(tree, &reader);
	}
	if ((err = entry_path(abs != NULL ? abs + 1 : "", args->path, spec_path, &entry)) != NULL)
		goto done;
	if (ignore_missing && flux.components != NULL) {
		if ((err = present_components(&reader, entry, flux.components, &comps)) != NULL)
			goto done;
		flux.components = comps;
	}
	if (post_build || subst.n > 0)
		flux.subst = &subst;
	pn_build_options_init(&bopt);
	/* kubectl's RootOnly, unless told otherwise or building as Flux does */
	bopt.load = args->load_restrict_none == 1 || (args->load_restrict_none == -1 && ks != NULL) ?
	    PN_BUILD_LOAD_NONE : PN_BUILD_LOAD_ROOT_ONLY;
	if (ks != NULL || flux.subst != NULL)
		bopt.flux = &flux;
	if ((err = pn_build(&reader, entry, &bopt, &res)) != NULL) {
		if (abs != NULL)
			err = absolute_paths(err, abs);
		goto done;
	}
	built = 1;
	for (i = 0; i < res.nnotices; i++)
		pn_log(PN_LOG_NOTICE, "%s", res.notices[i]);
	/* the top kustomization's sortOptions win over --reorder (kustomize's applySortOrder) */
	order = args->order;
	if (res.sort == PN_BUILD_SORT_FIFO)
		order = PN_ORDER_NONE;
	else if (res.sort == PN_BUILD_SORT_LEGACY)
		order = PN_ORDER_LEGACY;
	if ((err = all_docs(&res, order, &docs, &n)) != NULL)
		goto done;
	legacy.first = (const char *const *)res.sort_first;
	legacy.last = (const char *const *)res.sort_last;
	if ((err = pn_order_sort(docs, n, order, &legacy)) != NULL)
		goto done;
	err = print_docs(&res, docs, n, out);
done:
	free(docs);
	if (built)
		pn_build_result_release(&res);
	if (tree != NULL)
		pn_dirtree_free(tree);
	pn_tree_free(stree);
	pn_odb_close(odb);
	cJSON_Delete(comps);
	cJSON_Delete(ks);
	pn_subst_release(&subst);
	pn_buf_release(&file);
	free(entry);
	free(abs);
	return err;
}

const struct pn_error *
pn_cli_build_render(const struct pn_cli_build_args *args, struct pn_buf *out)
{
	return render(args, out);
}

const struct pn_error *
pn_cli_build(int argc, char **argv)
{
	struct pn_cli_build_args args;
	const struct pn_error *err;

	if ((err = pn_cli_build_parse(argc, argv, &args)) != NULL)
		return err;
	err = render(&args, NULL);
	pn_cli_build_args_release(&args);
	return err;
}
