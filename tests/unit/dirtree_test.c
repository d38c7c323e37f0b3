#include "pn_test.h"
#include "peer.h"

#include "../../agent/core/dirtree.h"

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

static void
ln(const char *target, const char *rel)
{
	char path[PN_TEST_PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_int_equal(symlink(target, path), 0);
}

static int
setup(void **state)
{
	(void)state;
	if (pn_test_tmpdir("dirtree", dir, sizeof(dir)) != 0)
		return -1;
	mk("tree");
	mk("tree/b");
	mk("tree/a");
	put("tree/b/x.yaml", "x: 1\n");
	put("tree/Z.yaml", "z\n");
	put("tree/a.yaml", "a\n");
	put("tree/big", "0123456789");
	put("outside.yaml", "secret\n");
	ln("b", "tree/link-dir");
	ln("b/x.yaml", "tree/link-file");
	ln("nowhere", "tree/dangling");
	mk("tree/evil");
	ln("../../outside.yaml", "tree/evil/out.yaml");
	ln("../..", "tree/evil/up");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	pn_test_rmtree(dir);
	return 0;
}

static void
open_tree(struct pn_dirtree **t, struct pn_tree_reader *r)
{
	char root[PN_TEST_PATH_MAX * 2];

	snprintf(root, sizeof(root), "%s/tree", dir);
	assert_ok(pn_dirtree_new(root, t));
	pn_dirtree_reader(*t, r);
}

static void
test_list(void **state)
{
	static const struct {
		const char *name;
		enum pn_tree_kind kind;
	} want[] = {
		{"Z.yaml", PN_TREE_FILE}, {"a", PN_TREE_DIR}, {"a.yaml", PN_TREE_FILE}, {"b", PN_TREE_DIR},
		{"big", PN_TREE_FILE}, {"dangling", PN_TREE_OTHER}, {"evil", PN_TREE_DIR},
		{"link-dir", PN_TREE_DIR}, {"link-file", PN_TREE_FILE},
	};
	struct pn_tree_entry *e;
	struct pn_tree_reader r;
	struct pn_dirtree *t;
	size_t n;

	(void)state;
	open_tree(&t, &r);
	assert_ok(r.ops->list(r.ctx, "", &e, &n));	/* bytewise order: 'Z' < 'a' */
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (size_t k = 0; k < n; k++) {
		assert_string_equal(e[k].name, want[k].name);
		assert_int_equal(e[k].kind, want[k].kind);
	}
	pn_tree_entries_free(e, n);
	assert_ok(r.ops->list(r.ctx, "link-dir", &e, &n));
	assert_int_equal(n, 1);
	assert_string_equal(e[0].name, "x.yaml");
	pn_tree_entries_free(e, n);
	assert_ok(r.ops->list(r.ctx, "a", &e, &n));
	assert_int_equal(n, 0);
	pn_tree_entries_free(e, n);
	/* a link leaving the root is an error naming it */
	assert_error(r.ops->list(r.ctx, "evil", &e, &n), PN_ERR_REJECTED,
	    "symbolic link evil/out.yaml points outside the tree root");
	assert_error(r.ops->list(r.ctx, "nope", &e, &n), PN_ERR_NOT_FOUND, "nope does not exist");
	pn_dirtree_free(t);
}

static void
test_read_stat(void **state)
{
	struct pn_tree_reader r;
	struct pn_dirtree *t;
	enum pn_tree_kind kind;
	struct pn_buf b;

	(void)state;
	open_tree(&t, &r);
	pn_buf_init(&b, 10, "file");
	assert_ok(r.ops->read(r.ctx, "big", &b));	/* exactly at the ceiling */
	assert_string_equal(pn_buf_str(&b), "0123456789");
	pn_buf_reset(&b);
	assert_ok(r.ops->read(r.ctx, "link-file", &b));
	assert_string_equal(pn_buf_str(&b), "x: 1\n");
	pn_buf_release(&b);
	pn_buf_init(&b, 9, "file");
	assert_error(r.ops->read(r.ctx, "big", &b), PN_ERR_TOO_LARGE, "larger than the 9 bytes allowed for file");
	pn_buf_reset(&b);
	assert_error(r.ops->read(r.ctx, "evil/out.yaml", &b), PN_ERR_REJECTED, "symbolic link evil/out.yaml");
	assert_error(r.ops->read(r.ctx, "evil/up/outside.yaml", &b), PN_ERR_REJECTED,
	    "symbolic link evil/up points outside the tree root");
	assert_error(r.ops->read(r.ctx, "b", &b), PN_ERR_REJECTED, "b is not a regular file");
	assert_error(r.ops->read(r.ctx, "missing.yaml", &b), PN_ERR_NOT_FOUND, "missing.yaml does not exist");
	pn_buf_release(&b);

	assert_ok(r.ops->stat(r.ctx, "", &kind));
	assert_int_equal(kind, PN_TREE_DIR);
	assert_ok(r.ops->stat(r.ctx, "b/x.yaml", &kind));
	assert_int_equal(kind, PN_TREE_FILE);
	assert_ok(r.ops->stat(r.ctx, "link-dir/x.yaml", &kind));
	assert_int_equal(kind, PN_TREE_FILE);
	assert_error(r.ops->stat(r.ctx, "a.yaml/x", &kind), PN_ERR_NOT_FOUND, "does not exist");
	assert_error(r.ops->stat(r.ctx, "evil/up", &kind), PN_ERR_REJECTED, "symbolic link evil/up");
	/* paths are checked: no ".", "..", empty components or leading '/' */
	assert_error(r.ops->stat(r.ctx, "../tree", &kind), PN_ERR_INTERNAL, "bad tree path");
	assert_error(r.ops->stat(r.ctx, "b/./x.yaml", &kind), PN_ERR_INTERNAL, "bad tree path");
	assert_error(r.ops->stat(r.ctx, "/b", &kind), PN_ERR_INTERNAL, "bad tree path");
	assert_error(r.ops->stat(r.ctx, "b/", &kind), PN_ERR_INTERNAL, "bad tree path");
	pn_dirtree_free(t);
}

/* Real paths, as tree paths: what kustomize's load restrictor judges. */
static void
test_real(void **state)
{
	static const struct {
		const char *path, *real;
	} cases[] = {
		{"", ""}, {"b", "b"}, {"b/x.yaml", "b/x.yaml"}, {"link-dir", "b"}, {"link-dir/x.yaml", "b/x.yaml"},
		{"link-file", "b/x.yaml"},
	};
	struct pn_tree_reader r;
	char path[PN_TEST_PATH_MAX * 2];
	struct pn_dirtree *t;
	char *real, *abs;

	(void)state;
	open_tree(&t, &r);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_ok(r.ops->real(r.ctx, cases[i].path, &real));
		assert_string_equal(real, cases[i].real);
		free(real);
	}
	assert_error(r.ops->real(r.ctx, "dangling", &real), PN_ERR_NOT_FOUND, "dangling does not exist");
	assert_null(real);
	assert_error(r.ops->real(r.ctx, "evil/out.yaml", &real), PN_ERR_REJECTED, "symbolic link evil/out.yaml");
	pn_dirtree_free(t);
	/* at the file system's root, tree paths are absolute paths without their '/' */
	assert_non_null(abs = realpath(dir, NULL));
	snprintf(path, sizeof(path), "%s/tree/link-file", abs + 1);
	assert_ok(pn_dirtree_new("/", &t));
	pn_dirtree_reader(t, &r);
	assert_ok(r.ops->real(r.ctx, path, &real));
	snprintf(path, sizeof(path), "%s/tree/b/x.yaml", abs + 1);
	assert_string_equal(real, path);
	free(real);
	free(abs);
	pn_dirtree_free(t);
}

static void
test_root(void **state)
{
	char path[PN_TEST_PATH_MAX * 2];
	struct pn_dirtree *t;

	(void)state;
	snprintf(path, sizeof(path), "%s/outside.yaml", dir);
	assert_error(pn_dirtree_new(path, &t), PN_ERR_USAGE, "is not a directory");
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_error(pn_dirtree_new(path, &t), PN_ERR_ERRNO, "No such file");
}

/* The directory cache (more directories than it holds, asked twice, through a symlinked directory and after a
 * link was read): every answer stays what realpath(3) would say. */
static void
test_cache(void **state)
{
	struct pn_tree_reader r;
	struct pn_dirtree *t;
	char rel[64], want[64], *real;

	(void)state;
	mk("tree/many");
	for (int i = 0; i < 200; i++) {
		snprintf(rel, sizeof(rel), "tree/many/d%03d", i);
		mk(rel);
		snprintf(rel, sizeof(rel), "tree/many/d%03d/f.yaml", i);
		put(rel, "x\n");
	}
	open_tree(&t, &r);
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < 200; i++) {
			enum pn_tree_kind kind;

			snprintf(rel, sizeof(rel), "many/d%03d/f.yaml", i);
			assert_ok(r.ops->stat(r.ctx, rel, &kind));
			assert_int_equal(kind, PN_TREE_FILE);
			assert_ok(r.ops->real(r.ctx, rel, &real));
			assert_string_equal(real, rel);
			free(real);
		}
		assert_ok(r.ops->real(r.ctx, "link-dir/x.yaml", &real));
		assert_string_equal(real, "b/x.yaml");
		free(real);
		assert_ok(r.ops->real(r.ctx, "link-file", &real));
		assert_string_equal(real, "b/x.yaml");
		free(real);
		assert_error(r.ops->real(r.ctx, "evil/up/outside.yaml", &real), PN_ERR_REJECTED, "evil/up");
		snprintf(want, sizeof(want), "many/d%03d/missing.yaml", pass);
		assert_error(r.ops->real(r.ctx, want, &real), PN_ERR_NOT_FOUND, "does not exist");
	}
	pn_dirtree_free(t);
}

/* The walk from cached directories, one component at a time: deep paths, a link in the middle (to a link to a
 * directory), a file used as a directory, a dangling link in the middle, and the same answers after the cache
 * knows every parent. */
static void
test_walk(void **state)
{
	static const struct {
		const char *path, *real;
	} cases[] = {
		{"w/d1/d2/d3/f.yaml", "w/d1/d2/d3/f.yaml"},
		{"w/hop/d3/f.yaml", "w/d1/d2/d3/f.yaml"},
		{"w/hop2/d3/f.yaml", "w/d1/d2/d3/f.yaml"},
		{"w/d1/d2/d3", "w/d1/d2/d3"},
		{"w/hop", "w/d1/d2"},
	};
	struct pn_tree_reader r;
	struct pn_dirtree *t;
	enum pn_tree_kind kind;
	char *real;

	(void)state;
	mk("tree/w");
	mk("tree/w/d1");
	mk("tree/w/d1/d2");
	mk("tree/w/d1/d2/d3");
	put("tree/w/d1/d2/d3/f.yaml", "f\n");
	ln("d1/d2", "tree/w/hop");
	ln("hop", "tree/w/hop2");
	ln("gone", "tree/w/dead");
	ln(".", "tree/w/self");
	open_tree(&t, &r);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			assert_ok(r.ops->real(r.ctx, cases[i].path, &real));
			assert_string_equal(real, cases[i].real);
			free(real);
		}
		assert_ok(r.ops->stat(r.ctx, "w/hop2/d3", &kind));
		assert_int_equal(kind, PN_TREE_DIR);
		assert_error(r.ops->stat(r.ctx, "w/d1/d2/d3/f.yaml/x", &kind), PN_ERR_NOT_FOUND, "does not exist");
		assert_error(r.ops->stat(r.ctx, "w/hop/d3/f.yaml/x/y", &kind), PN_ERR_NOT_FOUND, "does not exist");
		assert_error(r.ops->stat(r.ctx, "w/dead/x", &kind), PN_ERR_NOT_FOUND, "does not exist");
		assert_error(r.ops->real(r.ctx, "w/d1/nope/f.yaml", &real), PN_ERR_NOT_FOUND, "does not exist");
	}
	/* a link to its own directory: 40 links on one path resolve, the 41st is a loop (regression: the walk
	 * from cached directories once resolved such paths without end) */
	{
		char deep[400], more[420];
		size_t n = (size_t)snprintf(deep, sizeof(deep), "w");

		for (int i = 0; i < 40; i++)
			n += (size_t)snprintf(deep + n, sizeof(deep) - n, "/self");
		assert_ok(r.ops->stat(r.ctx, deep, &kind));
		assert_int_equal(kind, PN_TREE_DIR);
		snprintf(more, sizeof(more), "%s/d1", deep);
		assert_ok(r.ops->stat(r.ctx, more, &kind));
		snprintf(more, sizeof(more), "%s/self", deep);
		assert_error(r.ops->stat(r.ctx, more, &kind), PN_ERR_REJECTED, "too many levels of symbolic links");
		snprintf(more, sizeof(more), "%s/self/d1", deep);
		assert_error(r.ops->stat(r.ctx, more, &kind), PN_ERR_REJECTED, "too many levels of symbolic links");
	}
	pn_dirtree_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_read_stat),
		cmocka_unit_test(test_real),
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_walk),
	};
	return cmocka_run_group_tests_name("dirtree", tests, setup, teardown);
}
