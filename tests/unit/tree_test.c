#include "pn_test.h"
#include "peer.h"

#include "../../agent/core/file.h"
#include "../../agent/source/tree.h"

#define CMD_MAX (PN_TEST_PATH_MAX * 8)
#define OUT_MAX (1 << 20)

static char dir[PN_TEST_PATH_MAX];
static struct pn_odb *odb;
static struct pn_oid head;

/* The first line of a command's output, without its LF. */
static void
run_line(const char *cmd, char *out, size_t len)
{
	FILE *f;

	assert_non_null(f = popen(cmd, "r"));
	assert_non_null(fgets(out, (int)len, f));
	out[strcspn(out, "\n")] = '\0';
	assert_int_equal(pclose(f), 0);
}

/* All of a command's output into b (emptied first). */
static void
run_all(const char *cmd, struct pn_buf *b)
{
	char chunk[4096];
	size_t n;
	FILE *f;

	pn_buf_reset(b);
	assert_non_null(f = popen(cmd, "r"));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_ok(pn_buf_add(b, chunk, n));
	assert_int_equal(pclose(f), 0);
}

static void
rev_parse(const char *rev, struct pn_oid *oid)
{
	char cmd[CMD_MAX], line[128];

	snprintf(cmd, sizeof(cmd), "git -C %s/small rev-parse '%s'", dir, rev);
	run_line(cmd, line, sizeof(line));
	assert_ok(pn_oid_from_hex(line, strlen(line), oid));
}

static int
setup(void **state)
{
	char cmd[CMD_MAX], path[PN_TEST_PATH_MAX * 2], st[PN_TEST_PATH_MAX * 2];
	struct pn_odb_ingest *ing;
	struct pn_buf pack;

	(void)state;
	if (pn_test_tmpdir("tree", dir, sizeof(dir)) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "sh tests/data/odb/mkrepo.sh %s small", dir);
	if (system(cmd) != 0)
		return -1;
	snprintf(st, sizeof(st), "%s/state", dir);
	snprintf(path, sizeof(path), "%s/small-ofs.pack", dir);
	pn_buf_init(&pack, 64 << 20, "pack");
	if (mkdir(st, 0755) != 0 || pn_file_read(path, &pack) != NULL || pn_odb_open_writer(st, NULL, &odb) != NULL ||
	    pn_odb_ingest_begin(odb, &ing) != NULL || pn_odb_ingest_push(ing, pack.data, pack.len) != NULL ||
	    pn_odb_ingest_finish(ing, NULL) != NULL)
		return -1;
	pn_buf_release(&pack);
	rev_parse("HEAD", &head);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	pn_odb_close(odb);
	pn_test_rmtree(dir);
	return 0;
}

/* What a FILE * written by the code under test holds. */
struct capture {
	char *data;
	size_t len;
	FILE *f;
};

static void
cap_open(struct capture *c)
{
	c->data = NULL;
	c->len = 0;
	assert_non_null(c->f = open_memstream(&c->data, &c->len));
}

static void
cap_close(struct capture *c)
{
	fclose(c->f);
}

static void
assert_same_output(struct capture *c, const struct pn_buf *want, const char *what)
{
	if (c->len != want->len || memcmp(c->data, want->data, want->len) != 0)
		fail_msg("%s differs from git:\n--- pinion\n%.*s\n--- git\n%s", what, (int)c->len, c->data, pn_buf_str(want));
	free(c->data);
}

/* pn_tree_ls against git ls-tree -r, for commits, a tag, and paths (directories, files, links, submodules). */
static void
test_ls_tree(void **state)
{
	static const char *revs[] = {"HEAD", "HEAD~1", "HEAD~2", "v1"};
	static const char *paths[] = {"apps", "apps/", "apps/homepage/configmap.yaml", "dir with space",
	    "apps/cm-link.yaml", "clusters/bh/homepage", "vendor/sub", "vendor", "empty-dir", "bad/chain"};
	struct pn_buf want;
	char cmd[CMD_MAX];

	(void)state;
	pn_buf_init(&want, OUT_MAX, "git output");
	for (size_t i = 0; i < sizeof(revs) / sizeof(revs[0]); i++) {
		struct capture c;
		struct pn_oid oid;

		rev_parse(revs[i], &oid);
		snprintf(cmd, sizeof(cmd), "git -C %s/small ls-tree -r %s", dir, revs[i]);
		run_all(cmd, &want);
		cap_open(&c);
		assert_ok(pn_tree_ls(odb, &oid, NULL, c.f));
		cap_close(&c);
		assert_same_output(&c, &want, cmd);
	}
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct capture c;

		snprintf(cmd, sizeof(cmd), "git -C %s/small ls-tree -r HEAD '%s'", dir, paths[i]);
		run_all(cmd, &want);
		assert_true(want.len > 0 || strcmp(paths[i], "empty-dir") == 0);
		cap_open(&c);
		assert_ok(pn_tree_ls(odb, &head, paths[i], c.f));
		cap_close(&c);
		assert_same_output(&c, &want, cmd);
	}
	pn_buf_release(&want);
}

static void
test_ls_errors(void **state)
{
	struct capture c;
	struct pn_oid oid;

	(void)state;
	cap_open(&c);
	assert_error(pn_tree_ls(odb, &head, "nope", c.f), PN_ERR_NOT_FOUND, "nope does not exist");
	/* links are not followed, as git ls-tree */
	assert_error(pn_tree_ls(odb, &head, "clusters/bh/homepage/configmap.yaml", c.f), PN_ERR_NOT_FOUND,
	    "does not exist");
	assert_error(pn_tree_ls(odb, &head, "../x", c.f), PN_ERR_USAGE, "bad path");
	rev_parse("deep-tree", &oid);
	assert_error(pn_tree_ls(odb, &oid, "", c.f), PN_ERR_TOO_LARGE, "deeper than 256 directories (PN_TREE_MAX_DEPTH)");
	/* a blob is not a commit */
	rev_parse("HEAD:apps/empty.yaml", &oid);
	assert_error(pn_tree_ls(odb, &oid, "", c.f), PN_ERR_PARSE,
	    "object e69de29bb2d1d6434b8b29ae775ad8c2e48c5391 is a blob, not a commit");
	cap_close(&c);
	free(c.data);
}

/* pn_tree_cat against git cat-file -p, for every object of the repository. */
static void
test_cat(void **state)
{
	char cmd[CMD_MAX], line[128];
	struct pn_buf want;
	size_t count = 0;
	FILE *list;

	(void)state;
	pn_buf_init(&want, OUT_MAX, "git output");
	snprintf(cmd, sizeof(cmd), "git -C %s/small cat-file --batch-all-objects --batch-check='%%(objectname)'", dir);
	assert_non_null(list = popen(cmd, "r"));
	while (fgets(line, sizeof(line), list) != NULL) {
		struct capture c;
		struct pn_oid oid;

		line[strcspn(line, "\n")] = '\0';
		assert_ok(pn_oid_from_hex(line, strlen(line), &oid));
		snprintf(cmd, sizeof(cmd), "git -C %s/small cat-file -p %s", dir, line);
		run_all(cmd, &want);
		cap_open(&c);
		assert_ok(pn_tree_cat(odb, &oid, c.f));
		cap_close(&c);
		assert_same_output(&c, &want, cmd);
		count++;
	}
	assert_int_equal(pclose(list), 0);
	assert_true(count > 300);	/* the deep-tree branch alone has 301 trees */
	pn_buf_release(&want);
}

static void
check_list(struct pn_tree_reader *r, const char *path, const char *const *names, const enum pn_tree_kind *kinds,
    size_t n)
{
	struct pn_tree_entry *e;
	size_t got;

	assert_ok(r->ops->list(r->ctx, path, &e, &got));
	if (got != n)
		fail_msg("list \"%s\": %zu entries, expected %zu", path, got, n);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(e[i].name, names[i]);
		if (e[i].kind != kinds[i])
			fail_msg("list \"%s\": %s is kind %d, expected %d", path, names[i], e[i].kind, kinds[i]);
	}
	pn_tree_entries_free(e, got);
}

/* The tree-reader: listings (sorted, kinds after links), reads, stats. */
static void
test_reader(void **state)
{
	static const char *const root[] = {"apps", "bad", "clusters", "dir with space", "empty-dir", "infrastructure",
	    "scripts", "vendor"};
	static const enum pn_tree_kind root_k[] = {PN_TREE_DIR, PN_TREE_DIR, PN_TREE_DIR, PN_TREE_DIR, PN_TREE_DIR,
	    PN_TREE_DIR, PN_TREE_DIR, PN_TREE_DIR};
	static const char *const apps[] = {"cm-link.yaml", "dangling", "empty.yaml", "homepage", "quote\"tab\t.yaml",
	    "via-link"};
	static const enum pn_tree_kind apps_k[] = {PN_TREE_FILE, PN_TREE_OTHER, PN_TREE_FILE, PN_TREE_DIR, PN_TREE_FILE,
	    PN_TREE_FILE};
	static const char *const bh[] = {"apps.yaml", "homepage"};
	static const enum pn_tree_kind bh_k[] = {PN_TREE_FILE, PN_TREE_DIR};
	static const char *const homepage[] = {"configmap.yaml", "kustomization.yaml"};
	static const enum pn_tree_kind homepage_k[] = {PN_TREE_FILE, PN_TREE_FILE};
	static const char *const vendor[] = {"sub"};
	static const enum pn_tree_kind vendor_k[] = {PN_TREE_OTHER};
	struct pn_tree_reader r;
	enum pn_tree_kind k;
	struct pn_tree *t;
	struct pn_buf b;

	(void)state;
	assert_ok(pn_tree_new(odb, &head, "main", &t));
	pn_tree_reader(t, &r);
	assert_true(strncmp(r.name, "main@sha1:", 10) == 0 && strlen(r.name) == 50);
	check_list(&r, "", root, root_k, 8);
	check_list(&r, "apps", apps, apps_k, 6);
	check_list(&r, "clusters/bh", bh, bh_k, 2);
	check_list(&r, "clusters/bh/homepage", homepage, homepage_k, 2);	/* through a link */
	check_list(&r, "vendor", vendor, vendor_k, 1);
	check_list(&r, "empty-dir", NULL, NULL, 0);

	pn_buf_init(&b, 1 << 20, "file");
	assert_ok(r.ops->read(r.ctx, "clusters/bh/homepage/configmap.yaml", &b));
	assert_string_equal(pn_buf_str(&b),
	    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: homepage\ndata:\n  a: \"2\"\n");
	pn_buf_reset(&b);
	assert_ok(r.ops->read(r.ctx, "apps/cm-link.yaml", &b));
	assert_string_equal(pn_buf_str(&b),
	    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: homepage\ndata:\n  a: \"2\"\n");
	pn_buf_reset(&b);
	assert_ok(r.ops->read(r.ctx, "apps/via-link", &b));
	assert_int_equal(b.len, 0);
	assert_ok(r.ops->read(r.ctx, "scripts/run.sh", &b));
	assert_string_equal(pn_buf_str(&b), "#!/bin/sh\necho hi\n");
	pn_buf_reset(&b);
	assert_ok(r.ops->read(r.ctx, "bad/chain/l1", &b));	/* 40 links: the most allowed */
	assert_string_equal(pn_buf_str(&b), "end\n");
	pn_buf_release(&b);
	pn_buf_init(&b, 5, "manifest");
	assert_error(r.ops->read(r.ctx, "clusters/bh/apps.yaml", &b), PN_ERR_TOO_LARGE,
	    "clusters/bh/apps.yaml: object 32d04ac2e1a7ce952520a5389c62115234a61029 is 86 bytes, more than the 5");
	pn_buf_release(&b);

	assert_ok(r.ops->stat(r.ctx, "", &k));
	assert_int_equal(k, PN_TREE_DIR);
	assert_ok(r.ops->stat(r.ctx, "clusters/bh/homepage", &k));
	assert_int_equal(k, PN_TREE_DIR);
	assert_ok(r.ops->stat(r.ctx, "vendor/sub", &k));
	assert_int_equal(k, PN_TREE_OTHER);
	assert_ok(r.ops->stat(r.ctx, "dir with space/caf\303\251.yaml", &k));
	assert_int_equal(k, PN_TREE_FILE);

	/* real paths: every link followed, ".." after a link applied to its target */
	static const struct {
		const char *path, *real;
	} reals[] = {
		{"", ""}, {"apps", "apps"}, {"clusters/bh/homepage", "apps/homepage"},
		{"clusters/bh/homepage/configmap.yaml", "apps/homepage/configmap.yaml"},
		{"apps/cm-link.yaml", "apps/homepage/configmap.yaml"}, {"apps/via-link", "apps/empty.yaml"},
	};
	for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++) {
		char *real;

		assert_ok(r.ops->real(r.ctx, reals[i].path, &real));
		assert_string_equal(real, reals[i].real);
		free(real);
	}
	{
		char *real;

		assert_error(r.ops->real(r.ctx, "apps/none.yaml", &real), PN_ERR_NOT_FOUND, "apps/none.yaml does not exist");
		assert_null(real);
		assert_error(r.ops->real(r.ctx, "bad/escape", &real), PN_ERR_REJECTED, "points outside the tree root");
	}
	pn_tree_free(t);
}

static void
test_reader_errors(void **state)
{
	static const struct {
		const char *op;		/* l(ist), r(ead), s(tat) */
		const char *path;
		enum pn_err_code code;
		const char *err;
	} cases[] = {
		{"s", "bad/escape", PN_ERR_REJECTED, "symbolic link bad/escape points outside the tree root"},
		{"r", "bad/escape", PN_ERR_REJECTED, "symbolic link bad/escape points outside the tree root"},
		{"s", "bad/absolute", PN_ERR_REJECTED,
		    "symbolic link bad/absolute points outside the tree root (target \"/etc/hosts\")"},
		{"s", "bad/loop-a", PN_ERR_REJECTED, "bad/loop-a: too many levels of symbolic links (more than 40"},
		{"s", "bad/chain/l0", PN_ERR_REJECTED, "too many levels of symbolic links"},
		{"l", "bad", PN_ERR_REJECTED, "symbolic link bad/absolute points outside the tree root"},
		{"s", "apps/dangling", PN_ERR_NOT_FOUND, "apps/dangling does not exist"},
		{"s", "nope", PN_ERR_NOT_FOUND, "nope does not exist"},
		{"s", "apps/empty.yaml/x", PN_ERR_NOT_FOUND, "apps/empty.yaml/x does not exist"},
		{"l", "nope/deeper", PN_ERR_NOT_FOUND, "nope/deeper does not exist"},
		{"r", "apps", PN_ERR_REJECTED, "apps is not a regular file"},
		{"r", "vendor/sub", PN_ERR_REJECTED, "vendor/sub is not a regular file"},
		{"l", "apps/empty.yaml", PN_ERR_REJECTED, "apps/empty.yaml is not a directory"},
		{"s", "/apps", PN_ERR_INTERNAL, "bad tree path"},
		{"s", "apps/", PN_ERR_INTERNAL, "bad tree path"},
		{"s", "apps//homepage", PN_ERR_INTERNAL, "bad tree path"},
		{"r", "./apps", PN_ERR_INTERNAL, "bad tree path"},
		{"l", "apps/../bad", PN_ERR_INTERNAL, "bad tree path"},
	};
	struct pn_tree_reader r;
	struct pn_tree_entry *e;
	enum pn_tree_kind k;
	struct pn_tree *t;
	struct pn_buf b;
	size_t n;

	(void)state;
	assert_ok(pn_tree_new(odb, &head, NULL, &t));
	pn_tree_reader(t, &r);
	assert_true(strncmp(r.name, "sha1:", 5) == 0);
	pn_buf_init(&b, 1 << 20, "file");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pn_error *err;

		if (cases[i].op[0] == 'l')
			err = r.ops->list(r.ctx, cases[i].path, &e, &n);
		else if (cases[i].op[0] == 'r')
			err = r.ops->read(r.ctx, cases[i].path, &b);
		else
			err = r.ops->stat(r.ctx, cases[i].path, &k);
		if (err == NULL || err->code != cases[i].code || strstr(err->msg, cases[i].err) == NULL)
			fail_msg("%s %s: expected %s \"%s\", got \"%s\"", cases[i].op, cases[i].path,
			    pn_error_code_name(cases[i].code), cases[i].err, err != NULL ? err->msg : "success");
	}
	pn_buf_release(&b);
	pn_tree_free(t);
	/* nesting deeper than the limit */
	{
		struct pn_oid deep;
		char path[1024] = "d";

		rev_parse("deep-tree", &deep);
		assert_ok(pn_tree_new(odb, &deep, NULL, &t));
		pn_tree_reader(t, &r);
		for (int i = 1; i < 256; i++)
			memcpy(path + 2 * i - 1, "/d", 3);
		assert_ok(r.ops->stat(r.ctx, path, &k));	/* 256 levels */
		assert_int_equal(k, PN_TREE_DIR);
		memcpy(path + strlen(path), "/d", 3);
		assert_error(r.ops->stat(r.ctx, path, &k), PN_ERR_TOO_LARGE, "deeper than 256 directories");
		pn_tree_free(t);
	}
}

/* Every regular file of the commit, read through the reader, equals the checked-out file. */
static void
test_reader_matches_checkout(void **state)
{
	char cmd[CMD_MAX], line[PN_TEST_PATH_MAX], path[PN_TEST_PATH_MAX * 3];
	struct pn_tree_reader r;
	struct pn_buf got, want;
	struct pn_tree *t;
	size_t files = 0;
	FILE *f;

	(void)state;
	assert_ok(pn_tree_new(odb, &head, NULL, &t));
	pn_tree_reader(t, &r);
	pn_buf_init(&got, 1 << 20, "file");
	pn_buf_init(&want, 1 << 20, "file");
	snprintf(cmd, sizeof(cmd), "git -C %s/small -c core.quotePath=false ls-files -s -z | tr '\\0' '\\n'", dir);
	assert_non_null(f = popen(cmd, "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		char *name = strchr(line, '\t');

		line[strcspn(line, "\n")] = '\0';
		if (name == NULL || strncmp(line, "100", 3) != 0)
			continue;
		name++;
		snprintf(path, sizeof(path), "%s/small/%s", dir, name);
		pn_buf_reset(&want);
		pn_buf_reset(&got);
		assert_ok(pn_file_read(path, &want));
		assert_ok(r.ops->read(r.ctx, name, &got));
		assert_int_equal(got.len, want.len);
		assert_memory_equal(got.data, want.data, want.len);
		files++;
	}
	assert_int_equal(pclose(f), 0);
	assert_int_equal(files, 9);
	pn_buf_release(&got);
	pn_buf_release(&want);
	pn_tree_free(t);
}

/* Malformed tree entries and commits, byte by byte. */
static void
test_parse(void **state)
{
	static const struct {
		const char *data;
		size_t len;
		uint32_t mode;	/* 0: an error */
		const char *err;
	} cases[] = {
#define OID20 "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14"
		{"100644 a.yaml\0" OID20, 34, PN_TREE_MODE_FILE, NULL},
		{"100755 run\0" OID20, 31, PN_TREE_MODE_EXEC, NULL},
		{"100664 legacy\0" OID20, 34, PN_TREE_MODE_FILE, NULL},
		{"100700 x\0" OID20, 29, PN_TREE_MODE_EXEC, NULL},
		{"0100644 padded\0" OID20, 35, PN_TREE_MODE_FILE, NULL},
		{"40000 dir\0" OID20, 30, PN_TREE_MODE_DIR, NULL},
		{"120000 link\0" OID20, 32, PN_TREE_MODE_LINK, NULL},
		{"160000 sub\0" OID20, 31, PN_TREE_MODE_GITLINK, NULL},
		{"10x644 a\0" OID20, 29, 0, "bad mode"},
		{" a\0" OID20, 23, 0, "bad mode \"\""},
		{"60000 dev\0" OID20, 30, 0, "bad mode \"60000\""},
		{"00000000 a\0" OID20, 31, 0, "bad mode"},
		{"100644 \0" OID20, 28, 0, "invalid name \"\""},
		{"100644 .\0" OID20, 29, 0, "invalid name \".\""},
		{"100644 ..\0" OID20, 30, 0, "invalid name \"..\""},
		{"100644 a/b\0" OID20, 31, 0, "invalid name \"a/b\""},
		{"100644 a.yaml\0" OID20, 33, 0, "truncated"},
		{"100644 a.yaml", 13, 0, "truncated"},
		{"100644", 6, 0, "truncated"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_tree_item it;
		size_t pos = 0;
		const struct pn_error *e = pn_tree_parse_entry(cases[i].data, cases[i].len, &pos, &it);

		if (cases[i].mode != 0) {
			assert_ok(e);
			assert_int_equal(it.mode, cases[i].mode);
			assert_int_equal(pos, cases[i].len);
			assert_int_equal(it.oid.b[19], 0x14);
		} else {
			if (e == NULL || strstr(e->msg, cases[i].err) == NULL)
				fail_msg("case %zu: expected \"%s\", got \"%s\"", i, cases[i].err, e != NULL ? e->msg : "success");
			assert_int_equal(pos, 0);
		}
	}
	{
		struct pn_oid t;
		const char *ok = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor x\n";

		assert_ok(pn_tree_commit_tree(ok, strlen(ok), &t));
		assert_int_equal(t.b[0], 0x4b);
		assert_error(pn_tree_commit_tree("parent x\n", 9, &t), PN_ERR_PARSE, "does not start with \"tree <id>\"");
		assert_error(pn_tree_commit_tree(ok, 45, &t), PN_ERR_PARSE, "does not start with");
		assert_error(pn_tree_commit_tree("tree 4b825dc642cb6eb9a060e54bf8d69288fbee490g\n", 46, &t), PN_ERR_PARSE,
		    "not hexadecimal");
		assert_error(pn_tree_commit_tree("", 0, &t), PN_ERR_PARSE, "does not start with");
	}
}

/* The root tree of a commit, of an annotated tag, of a tree. */
static void
test_root(void **state)
{
	struct pn_oid tag, tree, want;

	(void)state;
	rev_parse("v1", &tag);
	rev_parse("HEAD^{tree}", &want);
	assert_ok(pn_tree_root(odb, &tag, &tree));
	assert_true(pn_oid_equal(&tree, &want));
	assert_ok(pn_tree_root(odb, &head, &tree));
	assert_true(pn_oid_equal(&tree, &want));
	assert_ok(pn_tree_root(odb, &want, &tree));
	assert_true(pn_oid_equal(&tree, &want));
	assert_ok(pn_oid_from_hex("1111111111111111111111111111111111111111", 40, &tag));
	assert_error(pn_tree_root(odb, &tag, &tree), PN_ERR_NOT_FOUND, "is not in the object store");
}

/* Marking what a revision needs: every commit of the store's only pack, a tag, the 300-deep tree; an unknown
 * commit is NOT_FOUND; nothing to remove when the only pack is needed. */
static void
test_mark(void **state)
{
	static const char *const revs[] = {"HEAD", "HEAD~1", "HEAD~2", "v1", "deep-tree"};
	struct pn_oid oid;
	size_t removed = 99;

	(void)state;
	for (size_t i = 0; i < sizeof(revs) / sizeof(revs[0]); i++) {
		pn_odb_mark_clear(odb);
		rev_parse(revs[i], &oid);
		assert_ok(pn_tree_mark(odb, &oid));
	}
	assert_ok(pn_oid_from_hex("1111111111111111111111111111111111111111", 40, &oid));
	assert_error(pn_tree_mark(odb, &oid), PN_ERR_NOT_FOUND, "is not in the object store");
	pn_odb_mark_clear(odb);
	assert_ok(pn_tree_mark(odb, &head));
	assert_ok(pn_odb_prune(odb, &removed));
	assert_int_equal(removed, 0);
	assert_int_equal(pn_odb_pack_count(odb), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ls_tree),
		cmocka_unit_test(test_ls_errors),
		cmocka_unit_test(test_cat),
		cmocka_unit_test(test_reader),
		cmocka_unit_test(test_reader_errors),
		cmocka_unit_test(test_reader_matches_checkout),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_mark),
	};
	return cmocka_run_group_tests_name("tree", tests, setup, teardown);
}
