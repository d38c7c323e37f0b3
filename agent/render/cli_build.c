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
#include "../core/log.h"
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

const struct pn_error *
pn_cli_build_parse(int argc, char **argv, struct pn_cli_build_args *args)
{
	const struct pn_error *err = NULL;
	const char *v;
	int i, dashdash = 0;

	memset(args, 0, sizeof(*args));
	args->order = PN_ORDER_LEGACY;
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
		} else if (err != NULL) {
			return err;
		} else if (strcmp(a, "--enable-helm") == 0 || strncmp(a, "--enable-helm=", 14) == 0) {
			return pn_error_fmt(PN_ERR_UNSUPPORTED, "build: --enable-helm: helm charts are not supported");
		} else {
			return pn_error_fmt(PN_ERR_USAGE, "build: unknown flag \"%s\"", a);
		}
	}
	if (args->dir == NULL)
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
	struct pn_tree_reader reader;
	struct pn_build_result res;
	const struct pn_build_doc **docs = NULL;
	char *abs = NULL;
	enum pn_order_mode order;
	size_t n = 0, i;
	int built = 0;

	/* The tree is the whole file system, so that bases next to the directory can be reached. */
	if ((abs = realpath(args->dir, NULL)) == NULL) {
		err = pn_error_errno_fmt("build: %s", args->dir);
		goto done;
	}
	if ((err = pn_dirtree_new("/", &tree)) != NULL)
		goto done;
	pn_dirtree_reader(tree, &reader);
	if ((err = pn_build(&reader, abs + 1, NULL, &res)) != NULL) {
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
	if ((err = pn_order_sort(docs, n, order, NULL)) != NULL)
		goto done;
	err = print_docs(&res, docs, n, out);
done:
	free(docs);
	if (built)
		pn_build_result_release(&res);
	if (tree != NULL)
		pn_dirtree_free(tree);
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
	return render(&args, NULL);
}
