/* Field-level differences of two versions of an object (see diff.h). */
#include "diff.h"

#include <stdio.h>
#include <string.h>

#include "../core/banned.h"

#define PN_DIFF_PATH_MAX 1024

struct walk {
	struct pn_buf *out;
	size_t changed;
	int secret;
	const struct pn_error *err;
};

static int
hidden(const struct walk *w, const char *path)
{
	return w->secret && (strncmp(path, "data.", 5) == 0 || strncmp(path, "stringData.", 11) == 0 ||
	    strcmp(path, "data") == 0 || strcmp(path, "stringData") == 0 ||
	    strcmp(path, "metadata.annotations.kubectl.kubernetes.io/last-applied-configuration") == 0);
}

static void
value(struct walk *w, const cJSON *v, const char *path)
{
	char *s;

	if (w->err != NULL)
		return;
	if (v == NULL) {
		w->err = pn_buf_addstr(w->out, "(none)");
		return;
	}
	if (hidden(w, path)) {
		w->err = pn_buf_addstr(w->out, "(hidden)");
		return;
	}
	if ((s = cJSON_PrintUnformatted(v)) == NULL) {
		w->err = pn_error(PN_ERR_NOMEM);
		return;
	}
	if (strlen(s) > PN_DIFF_VALUE_MAX)
		w->err = pn_buf_addf(w->out, "%.*s...", PN_DIFF_VALUE_MAX, s);
	else
		w->err = pn_buf_addstr(w->out, s);
	cJSON_free(s);
}

static void
change(struct walk *w, const char *path, const cJSON *a, const cJSON *b)
{
	if (w->changed++ >= PN_DIFF_LINES_MAX || w->err != NULL)
		return;
	if ((w->err = pn_buf_addf(w->out, "  %s: ", path)) != NULL)
		return;
	value(w, a, path);
	if (w->err == NULL)
		w->err = pn_buf_addstr(w->out, " -> ");
	value(w, b, path);
	if (w->err == NULL)
		w->err = pn_buf_addch(w->out, '\n');
}

static void walk(struct walk *w, const char *path, const cJSON *a, const cJSON *b, int depth);

static void
child(struct walk *w, const char *path, const char *key, const cJSON *a, const cJSON *b, int depth)
{
	char p[PN_DIFF_PATH_MAX];

	snprintf(p, sizeof(p), "%s%s%s", path, path[0] != '\0' ? "." : "", key);
	walk(w, p, a, b, depth + 1);
}

static void
walk(struct walk *w, const char *path, const cJSON *a, const cJSON *b, int depth)
{
	if (a != NULL && b != NULL && cJSON_Compare(a, b, 1))
		return;
	if (depth >= PN_DIFF_DEPTH_MAX || a == NULL || b == NULL || (a->type & 0xff) != (b->type & 0xff) ||
	    !(cJSON_IsObject(a) || cJSON_IsArray(a))) {
		change(w, path, a, b);
		return;
	}
	if (cJSON_IsArray(a)) {
		char p[PN_DIFF_PATH_MAX];
		int n = cJSON_GetArraySize(a);

		if (n != cJSON_GetArraySize(b)) {
			change(w, path, a, b);
			return;
		}
		for (int i = 0; i < n; i++) {
			snprintf(p, sizeof(p), "%s[%d]", path, i);
			walk(w, p, cJSON_GetArrayItem(a, i), cJSON_GetArrayItem(b, i), depth + 1);
		}
		return;
	}
	for (const cJSON *c = a->child; c != NULL; c = c->next)
		child(w, path, c->string, c, cJSON_GetObjectItemCaseSensitive(b, c->string), depth);
	for (const cJSON *c = b->child; c != NULL; c = c->next)
		if (cJSON_GetObjectItemCaseSensitive(a, c->string) == NULL)
			child(w, path, c->string, NULL, c, depth);
}

/* labels and annotations compare as maps where absent, null and empty are the same (ssa.c same_map) */
static const cJSON *
map_or_null(const cJSON *m)
{
	return cJSON_IsObject(m) && m->child != NULL ? m : NULL;
}

const struct pn_error *
pn_diff_object(const cJSON *before, const cJSON *after, struct pn_buf *out, size_t *changed)
{
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(after, "kind");
	const cJSON *bm = cJSON_GetObjectItemCaseSensitive(before, "metadata");
	const cJSON *am = cJSON_GetObjectItemCaseSensitive(after, "metadata");
	struct walk w = {out, 0, cJSON_IsString(kind) && strcmp(kind->valuestring, "Secret") == 0, NULL};
	static const char *const meta[] = {"labels", "annotations"};

	for (size_t i = 0; i < sizeof(meta) / sizeof(meta[0]); i++) {
		const cJSON *x = map_or_null(cJSON_GetObjectItemCaseSensitive(bm, meta[i]));
		const cJSON *y = map_or_null(cJSON_GetObjectItemCaseSensitive(am, meta[i]));
		char p[64];

		snprintf(p, sizeof(p), "metadata.%s", meta[i]);
		if (x == NULL && y == NULL)
			continue;
		/* a map that appears or goes entirely: one line per key */
		if (x == NULL || y == NULL) {
			for (const cJSON *c = (x != NULL ? x : y)->child; c != NULL; c = c->next)
				child(&w, p, c->string, x != NULL ? c : NULL, y != NULL ? c : NULL, 1);
			continue;
		}
		walk(&w, p, x, y, 1);
	}
	for (const cJSON *c = before != NULL ? before->child : NULL; c != NULL; c = c->next)
		if (strcmp(c->string, "metadata") != 0 && strcmp(c->string, "status") != 0)
			walk(&w, c->string, c, cJSON_GetObjectItemCaseSensitive(after, c->string), 1);
	for (const cJSON *c = after != NULL ? after->child : NULL; c != NULL; c = c->next)
		if (strcmp(c->string, "metadata") != 0 && strcmp(c->string, "status") != 0 &&
		    cJSON_GetObjectItemCaseSensitive(before, c->string) == NULL)
			walk(&w, c->string, NULL, c, 1);
	if (w.err == NULL && w.changed > PN_DIFF_LINES_MAX)
		w.err = pn_buf_addf(out, "  ... and %zu more\n", w.changed - PN_DIFF_LINES_MAX);
	*changed = w.changed;
	return w.err;
}
