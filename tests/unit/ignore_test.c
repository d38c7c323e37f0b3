#include "pn_test.h"
#include "peer.h"

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../agent/core/dirtree.h"
#include "../../agent/source/ignore.h"

/* --- the matcher ------------------------------------------------------------------------------------------ */

struct match_case {
	const char *domain;	/* of the patterns */
	const char *text;	/* a .sourceignore */
	const char *path;
	int is_dir;
	int excluded;
};

static const struct match_case match_cases[] = {
	/* a pattern without '/' matches any component below the domain */
	{"", "*.yaml", "a/b.yaml", 0, 1},
	{"", "*.yaml", "b.yml", 0, 0},
	{"", "vendor", "vendor", 1, 1},
	{"", "vendor", "x/vendor/y/z.yaml", 0, 1},
	{"", "vendo", "vendor/z.yaml", 0, 0},
	/* '?', classes, escapes, as Go's filepath.Match */
	{"", "?.yaml", "a.yaml", 0, 1},
	{"", "?.yaml", "ab.yaml", 0, 0},
	{"", "?.yaml", "\xc3\xa9.yaml", 0, 1},	/* '?' takes a rune, not a byte */
	{"", "[a-c].txt", "b.txt", 0, 1},
	{"", "[a-c].txt", "d.txt", 0, 0},
	{"", "[^a-c].txt", "d.txt", 0, 1},
	{"", "[^a-c].txt", "a.txt", 0, 0},
	{"", "[!a].txt", "!.txt", 0, 1},	/* Go has no "[!": '!' is a member */
	{"", "[!a].txt", "b.txt", 0, 0},
	{"", "[\\]]", "]", 0, 1},
	{"", "\\*.txt", "*.txt", 0, 1},
	{"", "\\*.txt", "a.txt", 0, 0},
	{"", "a*b*c", "axxbyybzc", 0, 1},
	{"", "a*b*c", "axxbyybzcd", 0, 0},
	{"", "*", "anything/below", 0, 1},
	{"", "**", "x", 0, 1},
	/* malformed patterns match nothing */
	{"", "[", "[", 0, 0},
	{"", "a[", "a[", 0, 0},
	{"", "[a-", "a", 0, 0},
	{"", "[]", "]", 0, 0},
	{"", "ab\\", "ab\\", 0, 0},
	/* comments, blank lines, '\' escapes, trailing spaces, CRLF */
	{"", "#x", "#x", 0, 0},
	{"", "\\#x", "#x", 0, 1},
	{"", "\\!imp", "!imp", 0, 1},
	{"", "foo   ", "foo", 0, 1},
	{"", "foo\\ ", "foo ", 0, 1},
	{"", "foo\\ ", "foo", 0, 0},
	{"", "foo\\  ", "foo ", 0, 0},	/* "foo\" after trimming: malformed */
	{"", " foo", "foo", 0, 0},	/* leading spaces stay */
	{"", "x.yaml\r\n", "x.yaml", 0, 1},
	{"", "\n\n  \t\n\xc2\xa0\nx.yaml", "x.yaml", 0, 1},
	/* negation: the last match wins */
	{"", "*.yaml\n!keep.yaml", "keep.yaml", 0, 0},
	{"", "*.yaml\n!keep.yaml", "drop.yaml", 0, 1},
	{"", "!keep.yaml\n*.yaml", "keep.yaml", 0, 1},
	{"", "!", "x", 0, 0},
	/* directory only */
	{"", "foo/", "foo", 0, 0},
	{"", "foo/", "foo", 1, 1},
	{"", "foo/", "foo/x.yaml", 0, 1},
	{"", "a/b/", "a/b", 0, 0},
	{"", "a/b/", "a/b", 1, 1},
	{"", "a/b/", "a/b/c", 0, 1},
	/* a pattern with '/' is anchored and matches what is below what it matches */
	{"", "/foo", "foo", 0, 1},
	{"", "/foo", "a/foo", 0, 0},
	{"", "foo/bar", "foo/bar", 0, 1},
	{"", "foo/bar", "x/foo/bar", 0, 0},
	{"", "foo/bar", "foo/bar/baz", 0, 1},
	{"", "foo/*", "foo/a/b", 0, 1},
	{"", "foo/*", "foo", 1, 0},
	{"", "a//b", "a/b", 0, 1},
	/* "**" */
	{"", "**/foo", "foo", 0, 1},
	{"", "**/foo", "a/b/foo", 0, 1},
	{"", "**/foo", "a/b/foox", 0, 0},
	{"", "a/**", "a/x/y", 0, 1},
	{"", "a/**", "a", 1, 1},	/* go-git: the directory itself too */
	{"", "a/**", "b/x", 0, 0},
	{"", "a/**/b", "a/b", 0, 1},
	{"", "a/**/b", "a/x/y/b", 0, 1},
	{"", "a/**/b", "a/x/c", 0, 0},
	{"", "a/**/b/", "a/x/b", 0, 0},
	{"", "a/**/b/", "a/x/b", 1, 1},
	{"", "/**", "x", 0, 0},		/* go-git: never matches */
	{"", "x/a**", "x/a", 0, 0},	/* "**" inside a component: never */
	{"", "**/a/b", "a/a/b", 0, 0},	/* go-git takes the first "a", no backtracking */
	{"", "**/a/b", "x/a/b", 0, 1},
	/* domains: only strictly below the file's directory */
	{"apps", "*.yaml", "apps/x.yaml", 0, 1},
	{"apps", "*.yaml", "x.yaml", 0, 0},
	{"apps", "*.yaml", "other/apps/x.yaml", 0, 0},
	{"apps", "apps", "apps", 1, 0},
	{"apps", "/x.yaml", "apps/x.yaml", 0, 1},
	{"apps", "/x.yaml", "apps/b/x.yaml", 0, 0},
	{"a/b", "c/", "a/b/c", 1, 1},
	{"a/b", "c/", "a/c", 1, 0},
	/* the root is never excluded */
	{"", "*", "", 1, 0},
};

static void
test_match_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		const struct match_case *c = &match_cases[i];
		struct pn_ignore *ig;
		int ex = -1;

		assert_ok(pn_ignore_new(&ig));
		assert_ok(pn_ignore_read(ig, c->domain, c->text, strlen(c->text), "test"));
		assert_ok(pn_ignore_match(ig, c->path, c->is_dir, &ex));
		if (ex != c->excluded)
			fail_msg("case %zu: pattern \"%s\" (domain \"%s\") on %s \"%s\": excluded %d, want %d", i,
			    c->text, c->domain, c->is_dir ? "directory" : "file", c->path, ex, c->excluded);
		pn_ignore_free(ig);
	}
}

static void
test_read_lines(void **state)
{
	static const struct {
		const char *text;
		size_t patterns;
	} cases[] = {
		{"", 0},
		{"# only\n#comments\n", 0},
		{"\n \n\t\r\n\xe3\x80\x80\n", 0},	/* blank: ASCII and Unicode white space (U+3000) */
		{"a\nb", 2},
		{"a\r\nb\r\n", 2},
		{" #not a comment\n", 1},
		{"\xff\n", 1},				/* invalid UTF-8 is not white space */
		{"x\0y\n", 1},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_ignore *ig;
		size_t len = strlen(cases[i].text);

		if (i == sizeof(cases) / sizeof(cases[0]) - 1)
			len = 4;	/* the NUL is part of the pattern */
		assert_ok(pn_ignore_new(&ig));
		assert_ok(pn_ignore_read(ig, "", cases[i].text, len, "test"));
		assert_int_equal(pn_ignore_count(ig), cases[i].patterns);
		pn_ignore_free(ig);
	}
}

static int
excluded(const struct pn_ignore *ig, const char *path, int is_dir)
{
	int ex = -1;

	assert_ok(pn_ignore_match(ig, path, is_dir, &ex));
	return ex;
}

static void
test_defaults(void **state)
{
	static const struct {
		const char *path;
		int is_dir, excluded;
	} cases[] = {
		{".sops.yaml", 0, 1}, {"clusters/prod/.sops.yaml", 0, 1}, {".github", 1, 1},
		{".github/workflows/x.yaml", 0, 1}, {"a/b.png", 0, 1}, {"logo.jpg", 0, 1}, {"x.tar.gz", 0, 1},
		{"x.tgz", 0, 0}, {"apps/x.yaml", 0, 0}, {"apps", 1, 0}, {".git", 1, 1}, {".git/config", 0, 1},
		{".git", 0, 0}, {"sub/.gitignore", 0, 1}, {".gitmodules", 0, 1}, {"a/.travis.yml", 0, 1},
		{"cloudbuild.yaml", 0, 1}, {"codeship-steps.yml", 0, 1}, {"x/.flux.yaml", 0, 1},
		{".goreleaser.yml", 0, 1}, {".circleci/config.yml", 0, 1}, {"appveyor.yml", 0, 1},
		{".drone.yml", 0, 1}, {".gitlab-ci.yml", 0, 1}, {"kustomization.yaml", 0, 0},
	};
	struct pn_ignore *ig;

	(void)state;
	assert_ok(pn_ignore_new(&ig));
	assert_ok(pn_ignore_read(ig, "", "# comments do not count\n", 24, "x"));
	assert_ok(pn_ignore_add_defaults(ig));
	assert_int_equal(pn_ignore_count(ig), 24);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (excluded(ig, cases[i].path, cases[i].is_dir) != cases[i].excluded)
			fail_msg("defaults on %s: want excluded %d", cases[i].path, cases[i].excluded);
	assert_error(pn_ignore_add_defaults(ig), PN_ERR_INTERNAL, "twice");
	pn_ignore_free(ig);

	/* a pattern of the user replaces the defaults, not the VCS exclusions, and comes after them */
	assert_ok(pn_ignore_new(&ig));
	assert_ok(pn_ignore_read(ig, "", "*.md\n!.gitignore\n", 17, "spec.ignore"));
	assert_ok(pn_ignore_add_defaults(ig));
	assert_int_equal(pn_ignore_count(ig), 6);
	assert_int_equal(excluded(ig, "a/b.png", 0), 0);
	assert_int_equal(excluded(ig, ".sops.yaml", 0), 0);
	assert_int_equal(excluded(ig, ".git/config", 0), 1);
	assert_int_equal(excluded(ig, "README.md", 0), 1);
	assert_int_equal(excluded(ig, ".gitignore", 0), 0);
	pn_ignore_free(ig);
}

static void
test_limits(void **state)
{
	size_t big = PN_IGNORE_FILE_MAX + 1;
	char *text = malloc(big);
	struct pn_ignore *ig;
	size_t n;

	(void)state;
	assert_non_null(text);
	/* a pattern of exactly PN_IGNORE_PATTERN_MAX bytes, then one byte more */
	memset(text, 'a', PN_IGNORE_PATTERN_MAX + 1);
	assert_ok(pn_ignore_new(&ig));
	assert_ok(pn_ignore_read(ig, "", text, PN_IGNORE_PATTERN_MAX, "apps/.sourceignore"));
	text[PN_IGNORE_PATTERN_MAX + 1] = '\n';
	assert_error(pn_ignore_read(ig, "", text, PN_IGNORE_PATTERN_MAX + 2, "apps/.sourceignore"),
	    PN_ERR_TOO_LARGE, "apps/.sourceignore:1: ignore pattern longer than 4096 bytes");
	pn_ignore_free(ig);

	/* patterns per file */
	n = 0;
	for (int i = 0; i < PN_IGNORE_FILE_PATTERNS; i++) {
		text[n++] = 'x';
		text[n++] = '\n';
	}
	assert_ok(pn_ignore_new(&ig));
	assert_ok(pn_ignore_read(ig, "", text, n, "f"));
	assert_int_equal(pn_ignore_count(ig), PN_IGNORE_FILE_PATTERNS);
	text[n++] = 'y';
	assert_error(pn_ignore_read(ig, "", text, n, "f"), PN_ERR_TOO_LARGE, "f:10001: more than 10000 patterns");
	pn_ignore_free(ig);

	/* file size */
	memset(text, '#', big);
	assert_ok(pn_ignore_new(&ig));
	assert_ok(pn_ignore_read(ig, "", text, big - 1, "f"));
	assert_error(pn_ignore_read(ig, "", text, big, "f"), PN_ERR_TOO_LARGE, "f is larger than 262144 bytes");
	pn_ignore_free(ig);
	free(text);
}

/* --- the reader over a directory -------------------------------------------------------------------------- */

static char dir[PN_TEST_PATH_MAX];

static void
put(const char *rel, const char *content)
{
	char path[PN_TEST_PATH_MAX * 2];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_non_null(f = fopen(path, "w"));
	fputs(content, f);
	fclose(f);
}

static void
mk(const char *rel)
{
	char path[PN_TEST_PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static int
setup(void **state)
{
	(void)state;
	if (pn_test_tmpdir("ignore", dir, sizeof(dir)) != 0)
		return -1;
	/* plain: no .sourceignore, Flux's defaults apply */
	mk("plain");
	mk("plain/apps");
	mk("plain/.github");
	mk("plain/.github/workflows");
	mk("plain/a");
	put("plain/apps/x.yaml", "x\n");
	put("plain/apps/.sops.yaml", "creation_rules: []\n");
	put("plain/.github/workflows/ci.yaml", "on: push\n");
	put("plain/a/b.png", "png");
	put("plain/README.md", "readme\n");
	put("plain/.gitignore", "*.tmp\n");

	/* nested .sourceignore files, re-included files below excluded directories */
	mk("nested");
	put("nested/.sourceignore", "# deploy/prod only\n/deploy/\n!/deploy/prod/\n");
	put("nested/.gitignore", "x\n");
	put("nested/logo.png", "png");
	put("nested/notes.txt", "notes\n");
	mk("nested/deploy");
	mk("nested/deploy/dev");
	mk("nested/deploy/prod");
	mk("nested/deploy/test");
	put("nested/deploy/dev/.sourceignore", "!a.yaml\n");
	put("nested/deploy/dev/a.yaml", "a\n");
	put("nested/deploy/dev/b.yaml", "b\n");
	put("nested/deploy/test/t.yaml", "t\n");
	put("nested/deploy/prod/b.yaml", "b\n");
	put("nested/deploy/prod/c.png", "png");
	mk("nested/apps");
	put("nested/apps/.sourceignore", "*.txt\n!keep.txt\n/local/\n");
	put("nested/apps/a.txt", "a\n");
	put("nested/apps/keep.txt", "k\n");
	mk("nested/apps/sub");
	mk("nested/apps/sub/local");
	put("nested/apps/sub/b.txt", "b\n");
	put("nested/apps/sub/local/y.yaml", "y\n");
	mk("nested/apps/local");
	put("nested/apps/local/x.yaml", "x\n");

	/* Flux does not look into directories named .git */
	mk("nested/.git");
	put("nested/.git/.sourceignore", "*\n");

	mk("big");
	mk("big/sub");

	/* a link to its own directory: the walk is unbounded */
	mk("loop");
	put("loop/x.yaml", "x\n");
	{
		char path[PN_TEST_PATH_MAX * 2];

		snprintf(path, sizeof(path), "%s/loop/self", dir);
		if (symlink(".", path) != 0)
			return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	pn_test_rmtree(dir);
	return 0;
}

struct opened {
	struct pn_dirtree *t;
	struct pn_ignore_reader *ir;
	struct pn_tree_reader r;
};

static void
open_tree(const char *name, const char *override, struct opened *o)
{
	char root[PN_TEST_PATH_MAX * 2];
	struct pn_tree_reader inner;

	snprintf(root, sizeof(root), "%s/%s", dir, name);
	assert_ok(pn_dirtree_new(root, &o->t));
	pn_dirtree_reader(o->t, &inner);
	assert_ok(pn_ignore_reader_new(&inner, override, &o->ir));
	pn_ignore_reader(o->ir, &o->r);
}

static void
close_tree(struct opened *o)
{
	pn_ignore_reader_free(o->ir);
	pn_dirtree_free(o->t);
}

/* The names of directory path, joined with ','. */
static void
assert_list(struct opened *o, const char *path, const char *want)
{
	struct pn_tree_entry *e;
	char got[1024] = "";
	size_t n, len = 0;

	assert_ok(o->r.ops->list(o->r.ctx, path, &e, &n));
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s", i > 0 ? "," : "", e[i].name);
	pn_tree_entries_free(e, n);
	if (strcmp(got, want) != 0)
		fail_msg("list \"%s\": got \"%s\", want \"%s\"", path, got, want);
}

static void
assert_absent(struct opened *o, const char *path)
{
	enum pn_tree_kind kind;
	struct pn_buf b;

	assert_error(o->r.ops->stat(o->r.ctx, path, &kind), PN_ERR_NOT_FOUND, path);
	pn_buf_init(&b, 1024, "file");
	assert_error(o->r.ops->read(o->r.ctx, path, &b), PN_ERR_NOT_FOUND, path);
	pn_buf_release(&b);
}

static void
assert_file(struct opened *o, const char *path, const char *content)
{
	enum pn_tree_kind kind;
	struct pn_buf b;

	assert_ok(o->r.ops->stat(o->r.ctx, path, &kind));
	assert_int_equal(kind, PN_TREE_FILE);
	pn_buf_init(&b, 1024, "file");
	assert_ok(o->r.ops->read(o->r.ctx, path, &b));
	assert_string_equal(pn_buf_str(&b), content);
	pn_buf_release(&b);
}

static void
test_reader_defaults(void **state)
{
	struct pn_tree_entry *e;
	struct opened o;
	size_t n;

	(void)state;
	open_tree("plain", NULL, &o);
	assert_list(&o, "", "README.md,a,apps");
	assert_list(&o, "apps", "x.yaml");
	assert_list(&o, "a", "");
	assert_file(&o, "apps/x.yaml", "x\n");
	assert_absent(&o, "apps/.sops.yaml");
	assert_absent(&o, ".github/workflows/ci.yaml");
	assert_absent(&o, ".github");
	assert_absent(&o, "a/b.png");
	assert_absent(&o, ".gitignore");
	assert_error(o.r.ops->list(o.r.ctx, ".github", &e, &n), PN_ERR_NOT_FOUND, ".github does not exist");
	assert_error(o.r.ops->list(o.r.ctx, "nope", &e, &n), PN_ERR_NOT_FOUND, "nope");
	assert_int_equal(pn_ignore_count(pn_ignore_reader_matcher(o.ir)), 24);
	close_tree(&o);

	/* spec.ignore replaces the defaults but not the VCS exclusions */
	open_tree("plain", "*.md\n", &o);
	assert_list(&o, "", ".github,a,apps");
	assert_list(&o, "apps", ".sops.yaml,x.yaml");
	assert_file(&o, "a/b.png", "png");
	assert_absent(&o, "README.md");
	assert_absent(&o, ".gitignore");
	close_tree(&o);

	/* one with comments only does not */
	open_tree("plain", "# nothing\n\n", &o);
	assert_list(&o, "", "README.md,a,apps");
	close_tree(&o);
}

static void
test_reader_nested(void **state)
{
	enum pn_tree_kind kind;
	struct opened o;

	(void)state;
	open_tree("nested", NULL, &o);
	/* a .sourceignore with patterns drops the defaults (logo.png), not the VCS ones (.gitignore) */
	assert_list(&o, "", ".sourceignore,apps,deploy,logo.png,notes.txt");
	/* deploy is excluded but holds re-included paths: listed, with only what is visible */
	assert_list(&o, "deploy", "dev,prod");
	assert_list(&o, "deploy/prod", "b.yaml,c.png");
	/* a .sourceignore below an excluded directory still counts (Flux loads them all) */
	assert_list(&o, "deploy/dev", "a.yaml");
	assert_file(&o, "deploy/dev/a.yaml", "a\n");
	assert_absent(&o, "deploy/dev/b.yaml");
	assert_absent(&o, "deploy/dev/.sourceignore");
	assert_absent(&o, "deploy/test/t.yaml");
	assert_absent(&o, "deploy/test");
	assert_ok(o.r.ops->stat(o.r.ctx, "deploy", &kind));
	assert_int_equal(kind, PN_TREE_DIR);
	/* apps/.sourceignore applies to apps and below only, anchored there */
	assert_list(&o, "apps", ".sourceignore,keep.txt,sub");
	assert_list(&o, "apps/sub", "local");
	assert_file(&o, "apps/sub/local/y.yaml", "y\n");
	assert_absent(&o, "apps/a.txt");
	assert_absent(&o, "apps/sub/b.txt");
	assert_absent(&o, "apps/local/x.yaml");
	assert_absent(&o, "apps/local");
	assert_file(&o, "notes.txt", "notes\n");
	close_tree(&o);

	/* spec.ignore comes last and wins over the files */
	open_tree("nested", "apps/keep.txt\n/deploy/prod/*.png\n", &o);
	assert_list(&o, "apps", ".sourceignore,sub");
	assert_list(&o, "deploy/prod", "b.yaml");
	close_tree(&o);
}

/* A made-up tree: every directory above depth `depth` holds one subdirectory per letter of `names`. */
struct endless {
	const char *names;
	size_t depth;
};

static const struct pn_error *
endless_list(void *ctx, const char *path, struct pn_tree_entry **out, size_t *n)
{
	const struct endless *t = ctx;
	size_t k = strlen(t->names), depth = path[0] != '\0';

	for (const char *c = path; *c != '\0'; c++)
		depth += *c == '/';
	if (depth >= t->depth)
		k = 0;
	assert_non_null(*out = calloc(k + 1, sizeof(**out)));
	for (size_t i = 0; i < k; i++) {
		char name[2] = {t->names[i], '\0'};

		assert_non_null((*out)[i].name = strdup(name));
		(*out)[i].kind = PN_TREE_DIR;
	}
	*n = k;
	return NULL;
}

static const struct pn_tree_reader_ops endless_ops = {.list = endless_list};

static void
test_reader_limits(void **state)
{
	char root[PN_TEST_PATH_MAX * 2];
	struct pn_tree_reader inner;
	struct pn_ignore_reader *ir;
	struct pn_dirtree *t;
	struct endless deep = {"d", 100000}, wide = {"abcdefgh", 6};
	char *text;

	(void)state;
	assert_non_null(text = malloc(PN_IGNORE_FILE_MAX + 2));
	memset(text, '#', PN_IGNORE_FILE_MAX + 1);
	text[PN_IGNORE_FILE_MAX + 1] = '\0';
	put("big/sub/.sourceignore", text);
	free(text);
	snprintf(root, sizeof(root), "%s/big", dir);
	assert_ok(pn_dirtree_new(root, &t));
	pn_dirtree_reader(t, &inner);
	assert_error(pn_ignore_reader_new(&inner, NULL, &ir), PN_ERR_TOO_LARGE, "sub/.sourceignore");
	assert_null(ir);
	pn_dirtree_free(t);

	/* treeread.h resolves links, so a link cycle is a tree without end: the inner reader's error passes */
	snprintf(root, sizeof(root), "%s/loop", dir);
	assert_ok(pn_dirtree_new(root, &t));
	pn_dirtree_reader(t, &inner);
	assert_error(pn_ignore_reader_new(&inner, NULL, &ir), PN_ERR_REJECTED, "too many levels of symbolic links");
	pn_dirtree_free(t);

	/* and where it has no such limit, the walk's own limits stop it */
	inner.ops = &endless_ops;
	inner.name = "endless";
	inner.ctx = &deep;
	assert_error(pn_ignore_reader_new(&inner, NULL, &ir), PN_ERR_TOO_LARGE,
	    "d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d");
	assert_error(pn_ignore_reader_new(&inner, NULL, &ir), PN_ERR_TOO_LARGE, "directories nested deeper than 256");
	inner.ctx = &wide;
	assert_error(pn_ignore_reader_new(&inner, NULL, &ir), PN_ERR_TOO_LARGE,
	    "more than 100000 directories to search for .sourceignore");
	assert_null(ir);
}

static void
test_reader_deep_reinclude(void **state)
{
	struct endless wide = {"abcdefgh", 5};
	struct pn_tree_reader inner = {&endless_ops, &wide, "wide"};
	struct opened o;

	(void)state;
	o.t = NULL;
	/* every directory is excluded; only a/b/c/d is re-included, four levels down */
	assert_ok(pn_ignore_reader_new(&inner, "/*\n!a/b/c/d\n", &o.ir));
	pn_ignore_reader(o.ir, &o.r);
	assert_list(&o, "", "a");
	assert_list(&o, "a", "b");
	assert_list(&o, "a/b/c", "d");
	assert_list(&o, "a/b/c/d", "a,b,c,d,e,f,g,h");
	pn_ignore_reader_free(o.ir);

	/* nothing re-included anywhere: the whole tree is looked at once, then nothing is listed */
	assert_ok(pn_ignore_reader_new(&inner, "/*\n!nowhere\n", &o.ir));
	pn_ignore_reader(o.ir, &o.r);
	assert_list(&o, "", "");
	assert_list(&o, "", "");
	pn_ignore_reader_free(o.ir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_table),
		cmocka_unit_test(test_read_lines),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_reader_defaults),
		cmocka_unit_test(test_reader_nested),
		cmocka_unit_test(test_reader_limits),
		cmocka_unit_test(test_reader_deep_reinclude),
	};
	return cmocka_run_group_tests_name("ignore", tests, setup, teardown);
}
