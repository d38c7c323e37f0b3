#include "pn_test.h"
#include "peer.h"

#include <stdio.h>
#include <sys/stat.h>

#include "../../agent/apply/inventory.h"
#include "../../agent/apply/prune.h"
#include "../../agent/apply/ssa.h"

static char dir[PN_TEST_PATH_MAX];

static int
setup(void **state)
{
	(void)state;
	return pn_test_tmpdir("inventory", dir, sizeof(dir));
}

static int
teardown(void **state)
{
	(void)state;
	pn_test_rmtree(dir);
	return 0;
}

static char *
text_of(struct pn_inv *inv)
{
	struct pn_buf b;
	char *s;
	size_t len;

	pn_buf_init(&b, PN_INV_TEXT_MAX, "inventory");
	assert_ok(pn_inv_format(inv, &b));
	assert_ok(pn_buf_detach(&b, &s, &len));
	return s;
}

/* Flux's ids, sorted; a later add of the same id wins; unusual bytes escaped and read back. */
static void
test_ids(void **state)
{
	struct pn_inv inv, back;
	struct pn_inv_object o;
	char *s, av[64];

	(void)state;
	pn_inv_init(&inv);
	assert_ok(pn_inv_add(&inv, "apps", "Deployment", "lab", "web", "v1"));
	assert_ok(pn_inv_add(&inv, "", "Namespace", NULL, "lab", "v1"));
	assert_ok(pn_inv_add(&inv, "rbac.authorization.k8s.io", "ClusterRole", "", "system:odd_name 1%", "v1"));
	assert_ok(pn_inv_add(&inv, "apps", "Deployment", "lab", "web", "v1beta2"));
	s = text_of(&inv);
	assert_string_equal(s, "# pinion inventory v1\n"
	    "_lab__Namespace v1\n"
	    "_system:odd%5Fname%201%25_rbac.authorization.k8s.io_ClusterRole v1\n"
	    "lab_web_apps_Deployment v1beta2\n");
	pn_inv_init(&back);
	assert_ok(pn_inv_parse(s, strlen(s), "f", &back));
	assert_true(pn_inv_equal(&inv, &back));
	assert_ok(pn_inv_split(back.v[1].id, &o));
	assert_string_equal(o.name, "system:odd_name 1%");
	assert_string_equal(o.ns, "");
	assert_ok(pn_inv_api_version(&o, back.v[1].version, av, sizeof(av)));
	assert_string_equal(av, "rbac.authorization.k8s.io/v1");
	assert_ok(pn_inv_split(back.v[0].id, &o));
	assert_ok(pn_inv_api_version(&o, "v1", av, sizeof(av)));
	assert_string_equal(av, "v1");
	free(s);
	pn_inv_release(&inv);
	pn_inv_release(&back);
}

/* Union keeps the first set's versions; the difference is what the old inventory has and the new lacks. */
static void
test_merge_diff(void **state)
{
	struct pn_inv a, b, d;

	(void)state;
	pn_inv_init(&a);
	pn_inv_init(&b);
	assert_ok(pn_inv_add(&a, "", "ConfigMap", "x", "one", "v1"));
	assert_ok(pn_inv_add(&a, "", "ConfigMap", "x", "two", "v1"));
	assert_ok(pn_inv_add(&b, "", "ConfigMap", "x", "two", "v2"));
	assert_ok(pn_inv_add(&b, "", "ConfigMap", "x", "three", "v1"));
	assert_ok(pn_inv_diff(&a, &b, &d));
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].id, "x_one__ConfigMap");
	pn_inv_release(&d);
	assert_ok(pn_inv_merge(&a, &b));
	assert_int_equal(a.n, 3);
	assert_string_equal(pn_inv_find(&a, "x_two__ConfigMap")->version, "v1");
	assert_non_null(pn_inv_find(&a, "x_three__ConfigMap"));
	assert_null(pn_inv_find(&a, "x_four__ConfigMap"));
	pn_inv_release(&a);
	pn_inv_release(&b);
}

/* Every malformed line names the file and line. */
static void
test_parse_errors(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{"", "not a pinion inventory"},
		{"# pinion inventory v2\n", "not a pinion inventory"},
		{"# pinion inventory v1\nlab_web_apps_Deployment v1", "f: line 2 does not end"},
		{"# pinion inventory v1\nlab_web_apps_Deployment\n", "f: line 2 is not \"<id> <version>\""},
		{"# pinion inventory v1\nlab_web_apps_Deployment V1!\n", "line 2 is not"},
		{"# pinion inventory v1\nlab_web_Deployment v1\n", "not <namespace>_<name>_<group>_<kind>"},
		{"# pinion inventory v1\na_b_c_d_e v1\n", "more than four fields"},
		{"# pinion inventory v1\nlab__apps_Deployment v1\n", "no name or kind"},
		{"# pinion inventory v1\nlab_w%zz_apps_Deployment v1\n", "bad escape"},
		{"# pinion inventory v1\nlab_w%00_apps_Deployment v1\n", "bad escape"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_inv inv;

		pn_inv_init(&inv);
		assert_error(pn_inv_parse(cases[i].text, strlen(cases[i].text), "f", &inv), PN_ERR_PARSE,
		    cases[i].want);
		pn_inv_release(&inv);
	}
}

static void
test_names(void **state)
{
	char out[PN_INV_NAME_MAX + 1], longname[300];

	(void)state;
	assert_ok(pn_inv_cm_name("flux-system", "apps.v2", out, sizeof(out)));
	assert_string_equal(out, "pinion-inventory-flux-system-apps.v2");
	assert_error(pn_inv_cm_name("Flux", "a", out, sizeof(out)), PN_ERR_USAGE, "--namespace \"Flux\"");
	assert_error(pn_inv_cm_name("a.b", "a", out, sizeof(out)), PN_ERR_USAGE, "not a Kubernetes namespace");
	assert_error(pn_inv_cm_name("x", "-a", out, sizeof(out)), PN_ERR_USAGE, "--name \"-a\"");
	assert_error(pn_inv_cm_name("x", "a..b", out, sizeof(out)), PN_ERR_USAGE, "not a Kubernetes name");
	memset(longname, 'a', 250);
	longname[250] = '\0';
	assert_error(pn_inv_cm_name("x", longname, out, sizeof(out)), PN_ERR_TOO_LARGE, "longer than 253");
}

/* The state directory's copy: missing reads as empty, written atomically, not rewritten when unchanged. */
static void
test_file(void **state)
{
	struct pn_inv inv, back;
	struct pn_buf text, mine;
	char path[PN_TEST_PATH_MAX + 64];
	struct stat st1, st2;

	(void)state;
	pn_inv_init(&inv);
	pn_inv_init(&back);
	pn_buf_init(&text, PN_INV_TEXT_MAX, "t");
	pn_buf_init(&mine, PN_INV_TEXT_MAX, "mine");
	assert_ok(pn_inv_file_read(dir, "ns", "unit", &back, &text));
	assert_int_equal(back.n, 0);
	assert_int_equal(text.len, 0);
	assert_ok(pn_inv_add(&inv, "", "ConfigMap", "x", "one", "v1"));
	assert_ok(pn_inv_format(&inv, &mine));
	assert_ok(pn_inv_file_write(dir, "ns", "unit", &mine, NULL));
	assert_ok(pn_inv_file_read(dir, "ns", "unit", &back, &text));
	assert_true(pn_inv_equal(&inv, &back));
	snprintf(path, sizeof(path), "%s/inventory-ns-unit", dir);
	assert_int_equal(stat(path, &st1), 0);
	assert_int_equal(st1.st_mode & 0777, 0600);
	assert_ok(pn_inv_file_write(dir, "ns", "unit", &mine, &text));
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	/* a corrupt file is an error naming it, not an empty inventory (that would prune nothing but forget all) */
	{
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs("# pinion inventory v1\ngarbage\n", f);
		fclose(f);
	}
	pn_inv_release(&back);
	pn_inv_init(&back);
	assert_error(pn_inv_file_read(dir, "ns", "unit", &back, NULL), PN_ERR_PARSE, "inventory-ns-unit: line 2");
	pn_buf_release(&text);
	pn_buf_release(&mine);
	pn_inv_release(&inv);
	pn_inv_release(&back);
}

static void
test_mass(void **state)
{
	(void)state;
	assert_false(pn_prune_is_mass(0, 0));
	assert_false(pn_prune_is_mass(0, 10));
	assert_true(pn_prune_is_mass(1, 1));
	assert_false(pn_prune_is_mass(1, 2));
	assert_true(pn_prune_is_mass(2, 3));
	assert_false(pn_prune_is_mass(5, 10));
	assert_true(pn_prune_is_mass(6, 10));
}

/* pinion diff's prune lines and prune's messages name an entry alike: "<apiVersion> <Kind> [<ns>/]<name>". */
static void
test_entry_id(void **state)
{
	struct pn_inv inv;
	struct pn_inv_object o;
	struct pn_buf b;
	char av[PN_DISCOVERY_APIVERSION_MAX];

	(void)state;
	pn_inv_init(&inv);
	pn_buf_init(&b, PN_SSA_ID_MAX, "object id");
	assert_ok(pn_inv_add(&inv, "apps", "Deployment", "lab", "web", "v1"));
	assert_ok(pn_inv_add(&inv, "", "Namespace", NULL, "lab", "v1"));
	pn_inv_sort(&inv);
	assert_ok(pn_prune_entry_id(&inv.v[0], &o, av, sizeof(av), &b));
	assert_string_equal(pn_buf_str(&b), "v1 Namespace lab");
	pn_buf_reset(&b);
	assert_ok(pn_prune_entry_id(&inv.v[1], &o, av, sizeof(av), &b));
	assert_string_equal(pn_buf_str(&b), "apps/v1 Deployment lab/web");
	assert_string_equal(av, "apps/v1");
	assert_string_equal(o.kind, "Deployment");
	pn_buf_release(&b);
	pn_inv_release(&inv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_merge_diff),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_entry_id),
		cmocka_unit_test_setup_teardown(test_file, setup, teardown),
		cmocka_unit_test(test_mass),
	};
	return cmocka_run_group_tests_name("inventory", tests, NULL, NULL);
}
