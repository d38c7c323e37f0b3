/*
 * Ref kinds and semver ranges, table-driven: versions as Masterminds/semver v3 parses and orders them, ranges
 * and what they match (the examples of its README and of Flux's docs), refusals naming the flag or the range,
 * Flux's precedence between the kinds, and the pick of the highest matching tag from a listing (peeled).
 */
#include "pn_test.h"

#include <stdio.h>

#include "../../agent/source/refs.h"
#include "../../agent/sync/state.h"

struct version_case {
	const char *in;
	int ok;
	uint64_t major, minor, patch;
	const char *pre;
};

static const struct version_case versions[] = {
	{"1.2.3", 1, 1, 2, 3, ""},
	{"v1.2.3", 1, 1, 2, 3, ""},
	{"v1", 1, 1, 0, 0, ""},
	{"1.2", 1, 1, 2, 0, ""},
	{"1.0.0-rc.1", 1, 1, 0, 0, "rc.1"},
	{"1.0.0-rc-1+build.5", 1, 1, 0, 0, "rc-1"},
	{"1.0.0+build", 1, 1, 0, 0, ""},
	{"v2.0-beta", 1, 2, 0, 0, "beta"},
	{"18446744073709551615.0.0", 1, UINT64_MAX, 0, 0, ""},
	{"", 0, 0, 0, 0, NULL},
	{"v", 0, 0, 0, 0, NULL},
	{"V1.2.3", 0, 0, 0, 0, NULL},
	{"release-1.2", 0, 0, 0, 0, NULL},
	{"1.2.3.4", 0, 0, 0, 0, NULL},
	{"1..2", 0, 0, 0, 0, NULL},
	{"1.2.", 0, 0, 0, 0, NULL},
	{"1.2.3-", 0, 0, 0, 0, NULL},
	{"1.2.3-01", 0, 0, 0, 0, NULL},		/* numeric pre-release with a leading zero */
	{"1.2.3-a..b", 0, 0, 0, 0, NULL},
	{"1.2.3+", 0, 0, 0, 0, NULL},
	{"1.2.3-a_b", 0, 0, 0, 0, NULL},
	{"18446744073709551616.0.0", 0, 0, 0, 0, NULL},	/* overflow */
	{"latest", 0, 0, 0, 0, NULL},
};

static void
test_versions(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		const struct version_case *c = &versions[i];
		struct pn_semver v;
		const struct pn_error *err = pn_semver_parse(c->in, strlen(c->in), &v);

		if (!c->ok) {
			if (err == NULL || err->code != PN_ERR_PARSE)
				fail_msg("\"%s\": expected a parse error", c->in);
			continue;
		}
		if (err != NULL)
			fail_msg("\"%s\": %s", c->in, err->msg);
		if (v.major != c->major || v.minor != c->minor || v.patch != c->patch || strcmp(v.pre, c->pre) != 0)
			fail_msg("\"%s\": got %llu.%llu.%llu-%s", c->in, (unsigned long long)v.major,
			    (unsigned long long)v.minor, (unsigned long long)v.patch, v.pre);
	}
}

/* Each list is in ascending order (semver.org §11, and Masterminds' quirks). */
static const char *const orders[][8] = {
	{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
	    "1.0.0-rc.1", "1.0.0"},
	{"0.9.9", "1.0.0", "1.0.1", "1.1.0", "1.10.0", "2.0.0", "10.0.0", NULL},
	{"1.0.0-2", "1.0.0-10", "1.0.0-a", NULL},
};

static void
test_order(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
		for (size_t j = 0; j + 1 < 8 && orders[i][j + 1] != NULL; j++) {
			struct pn_semver a, b;

			assert_ok(pn_semver_parse(orders[i][j], strlen(orders[i][j]), &a));
			assert_ok(pn_semver_parse(orders[i][j + 1], strlen(orders[i][j + 1]), &b));
			if (pn_semver_cmp(&a, &b) >= 0 || pn_semver_cmp(&b, &a) <= 0)
				fail_msg("%s < %s does not hold", orders[i][j], orders[i][j + 1]);
		}
	}
	/* build metadata and the v are ignored */
	{
		struct pn_semver a, b;

		assert_ok(pn_semver_parse("v1.2.3+x", 8, &a));
		assert_ok(pn_semver_parse("1.2.3", 5, &b));
		assert_int_equal(pn_semver_cmp(&a, &b), 0);
	}
}

struct range_case {
	const char *range;
	const char *yes;	/* space-separated versions in the range */
	const char *no;		/* and not */
};

static const struct range_case ranges[] = {
	{"1.2.3", "1.2.3 v1.2.3 1.2.3+b", "1.2.4 1.2.2 1.2.3-rc.1"},
	{"=1.2.3", "1.2.3", "1.2.4"},
	{"1.x", "1.0.0 1.9.9 v1.2", "2.0.0 0.9.0 1.5.0-rc.1"},
	{"1.2.x", "1.2.0 1.2.9", "1.3.0 1.1.9"},
	{"1.2", "1.2.0 1.2.7", "1.3.0"},
	{"1", "1.0.0 1.8.2", "2.0.0"},
	{"*", "0.0.1 1.0.0 99.0.0", "1.0.0-rc.1"},
	{"x", "0.0.0 3.4.5", ""},
	{">=1.2 <2", "1.2.0 1.9.9", "2.0.0 1.1.9 2.0.0-rc.1 1.5.0-beta"},
	{">=1.2, <2", "1.2.0 1.9.9", "2.0.0"},
	{">= 1.2 < 2", "1.5.0", "2.1.0"},
	{">1.2.3", "1.2.4 2.0.0", "1.2.3 1.2.2"},
	{">11", "12.0.0", "11.9.9 11.0.0"},
	{">1.1", "1.2.0 2.0.0", "1.1.9 1.1.0"},
	{"<1.2", "1.1.9 0.1.0", "1.2.0 1.2.1"},
	{"<=1.2", "1.2.9 1.0.0", "1.3.0 2.0.0"},
	{"<=1.2.3", "1.2.3 1.0.0", "1.2.4"},
	{"<=2.x", "2.9.9 1.0.0", "3.0.0"},
	{"=>1.0.0", "1.0.0", "0.9.9"},
	{"=<1.0.0", "1.0.0", "1.0.1"},
	{"!=1.3.0", "1.2.0 1.3.1", "1.3.0"},
	{"!=1.3.x", "1.2.0 1.4.1", "1.3.0 1.3.5"},
	{"!=1.x", "2.0.0 0.1.0", "1.3.0"},
	{"~1.4", "1.4.0 1.4.9", "1.5.0 1.3.9"},
	{"~1.2.3", "1.2.3 1.2.9", "1.3.0 1.2.2"},
	{"~1", "1.0.0 1.9.0", "2.0.0"},
	{"~>1.2", "1.2.5", "1.3.0"},
	{"~0", "0.0.1 0.5.0", "1.0.0"},
	{"^1.2", "1.2.0 1.9.9", "2.0.0 1.1.0"},
	{"^1.2.3", "1.2.3 1.9.0", "2.0.0 1.2.2"},
	{"^0.2.3", "0.2.3 0.2.9", "0.3.0 0.2.2 1.0.0"},
	{"^0.0.3", "0.0.3", "0.0.4 0.1.0"},
	{"^0.0", "0.0.0 0.0.9", "0.1.0"},
	{"^0", "0.0.0 0.9.9", "1.0.0"},
	{"^1.x", "1.0.0 1.9.9", "2.0.0"},
	{"1.2.3 - 1.4", "1.2.3 1.4.0 1.4.9", "1.2.2 1.5.0"},
	{"1.2 - 1.4.5", "1.2.0 1.4.5", "1.4.6 1.1.9"},
	{"1.x || >=3.1 <3.2", "1.5.0 3.1.7", "2.0.0 3.2.0"},
	{"<1.0.0||>=2.0.0", "0.1.0 2.0.0", "1.5.0"},
	/* pre-releases only where an alternative names one */
	/* as in Masterminds, "<2" compares with 2.0.0, which 2.0.0-rc.1 is below */
	{">=1.2.0-0 <2", "1.2.0-rc.1 1.5.0-beta 1.9.0 2.0.0-rc.1", "2.0.0 1.1.0-rc.1"},
	{"~1.2.0-0", "1.2.0-alpha 1.2.5", "1.3.0-alpha"},
	{"1.0.0-rc.1", "1.0.0-rc.1", "1.0.0-rc.2 1.0.0"},
	{">=1.0.0-rc.1 || >=2", "1.0.0-rc.2 1.5.0 3.0.0-rc.1", "0.9.0 1.0.0-beta"},
	{">=2 || <1", "2.0.0 0.5.0", "2.1.0-rc.1 0.5.0-rc.1 1.5.0"},
	{"v1.x", "1.3.0", "2.0.0"},
};

static void
check_list(const struct pn_semver_range *r, const char *range, const char *list, int want)
{
	char buf[256], *p, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (p = strtok_r(buf, " ", &save); p != NULL; p = strtok_r(NULL, " ", &save)) {
		struct pn_semver v;

		assert_ok(pn_semver_parse(p, strlen(p), &v));
		if (pn_semver_range_match(r, &v) != want)
			fail_msg("\"%s\" %s %s", range, want ? "should match" : "should not match", p);
	}
}

static void
test_ranges(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		struct pn_semver_range r;
		const struct pn_error *err = pn_semver_range_parse(ranges[i].range, &r);

		if (err != NULL)
			fail_msg("\"%s\": %s", ranges[i].range, err->msg);
		check_list(&r, ranges[i].range, ranges[i].yes, 1);
		check_list(&r, ranges[i].range, ranges[i].no, 0);
	}
}

struct bad_case {
	const char *range;
	const char *needle;
};

static const struct bad_case bad_ranges[] = {
	{"", "an empty alternative"},
	{"   ", "an empty alternative"},
	{"1.x ||", "an empty alternative"},
	{">=", "an operator without a version"},
	{"latest", "not a version"},
	{">=1.2.3.4", "not a version"},
	{"1.2 -", "a hyphen range without its upper end"},
	{"1 2 3 4 5 6 7 8 9", "too many constraints"},
	{"1||2||3||4||5||6||7||8||9", "too many alternatives"},
	{">=v", "not a version"},
	{"1.2.3-", "not a version"},
	{"=>>1", "not a version"},
};

static void
test_bad_ranges(void **state)
{
	char longer[PN_SEMVER_RANGE_MAX + 2];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_ranges) / sizeof(bad_ranges[0]); i++) {
		struct pn_semver_range r;
		const struct pn_error *err = pn_semver_range_parse(bad_ranges[i].range, &r);

		if (err == NULL || err->code != PN_ERR_USAGE || strstr(err->msg, bad_ranges[i].needle) == NULL)
			fail_msg("\"%s\": expected \"%s\", got %s", bad_ranges[i].range, bad_ranges[i].needle,
			    err != NULL ? err->msg : "success");
		if (strstr(err->msg, "bad semver range \"") == NULL)
			fail_msg("\"%s\": the message does not name the range: %s", bad_ranges[i].range, err->msg);
	}
	memset(longer, '1', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	{
		struct pn_semver_range r;

		assert_error(pn_semver_range_parse(longer, &r), PN_ERR_USAGE, "semver range longer than 256 bytes");
	}
}

#define SHA "0123456789abcdef0123456789abcdef01234567"

struct spec_case {
	const char *branch, *tag, *semver, *name, *commit;
	enum pn_refs_kind kind;	/* 0: an error */
	const char *describe;	/* or the error's needle */
	const char *branch_opt, *ref_opt;
};

static const struct spec_case specs[] = {
	{"main", NULL, NULL, NULL, NULL, PN_REFS_BRANCH, "main", "main", NULL},
	{"main", "v1.2.3", NULL, NULL, NULL, PN_REFS_TAG, "tag v1.2.3", NULL, "refs/tags/v1.2.3"},
	{"main", "v1", ">=1", NULL, NULL, PN_REFS_SEMVER, "semver >=1", NULL, NULL},
	{"main", "v1", ">=1", "refs/pull/1/head", NULL, PN_REFS_NAME, "ref refs/pull/1/head", NULL,
	    "refs/pull/1/head"},
	{"main", "v1", ">=1", "refs/pull/1/head", SHA, PN_REFS_COMMIT, "commit " SHA " branch main", "main", NULL},
	{NULL, "v1", ">=1", "refs/pull/1/head", SHA, PN_REFS_COMMIT, "commit " SHA, NULL, NULL},
	{NULL, NULL, NULL, NULL, NULL, 0, "one of --branch, --tag, --semver, --ref or --commit is needed", NULL, NULL},
	{"", NULL, NULL, NULL, NULL, 0, "one of --branch", NULL, NULL},
	{NULL, NULL, NULL, NULL, "0123abc", 0, "--commit \"0123abc\": a full commit id", NULL, NULL},
	{NULL, NULL, NULL, NULL, "0123456789ABCDEF0123456789abcdef01234567", 0, "40 lower-case hex", NULL, NULL},
	{NULL, NULL, NULL, NULL, "g123456789abcdef0123456789abcdef01234567", 0, "--commit", NULL, NULL},
	{NULL, NULL, NULL, "pull/1/head", NULL, 0, "--ref \"pull/1/head\": a full ref name (refs/...)", NULL, NULL},
	{NULL, NULL, "nope", NULL, NULL, 0, "bad semver range \"nope\"", NULL, NULL},
	{NULL, "refs/tags/v1", NULL, NULL, NULL, 0, "--tag \"refs/tags/v1\": a tag name", NULL, NULL},
	{NULL, "", NULL, NULL, NULL, 0, "--tag \"\": a tag name", NULL, NULL},
};

static void
test_specs(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		const struct spec_case *c = &specs[i];
		struct pn_refs_spec s;
		struct pn_upload_options o;
		char d[256];
		const struct pn_error *err = pn_refs_spec_init(&s, c->branch, c->tag, c->semver, c->name, c->commit);

		if (c->kind == 0) {
			if (err == NULL || err->code != PN_ERR_USAGE || strstr(err->msg, c->describe) == NULL)
				fail_msg("case %zu: expected \"%s\", got %s", i, c->describe, err != NULL ? err->msg :
				    "success");
			continue;
		}
		if (err != NULL)
			fail_msg("case %zu: %s", i, err->msg);
		assert_int_equal(s.kind, c->kind);
		assert_ok(pn_refs_spec_describe(&s, d, sizeof(d)));
		assert_string_equal(d, c->describe);
		memset(&o, 0, sizeof(o));
		o.branch = "junk";
		o.ref = "junk";
		pn_refs_upload_options(&s, &o);
		if ((c->branch_opt == NULL) != (o.branch == NULL) || (c->branch_opt != NULL &&
		    strcmp(c->branch_opt, o.branch) != 0))
			fail_msg("case %zu: branch option %s", i, o.branch != NULL ? o.branch : "NULL");
		if ((c->ref_opt == NULL) != (o.ref == NULL) || (c->ref_opt != NULL && strcmp(c->ref_opt, o.ref) != 0))
			fail_msg("case %zu: ref option %s", i, o.ref != NULL ? o.ref : "NULL");
	}
	{
		struct pn_refs_spec s;
		char d[8];

		assert_ok(pn_refs_spec_init(&s, "a-long-branch", NULL, NULL, NULL, NULL));
		assert_error(pn_refs_spec_describe(&s, d, sizeof(d)), PN_ERR_TOO_LARGE, "too long");
	}
}

/* A tag listing as pn_upload_ls_refs gives it: names in order, peeled lines right after annotated tags. */
struct listed {
	const char *name;
	char id;	/* the object id is this hex digit 40 times */
	int peeled;
};

static void
feed(struct pn_refs_pick *p, const struct listed *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char hex[41];
		struct pn_oid oid;

		memset(hex, l[i].id, 40);
		hex[40] = '\0';
		assert_ok(pn_oid_from_hex(hex, 40, &oid));
		assert_ok(pn_refs_pick_ref(p, l[i].name, &oid, l[i].peeled));
	}
}

static void
test_pick(void **state)
{
	static const struct listed tags[] = {
		{"refs/tags/1.0.0", '1', 0},
		{"refs/tags/latest", '2', 0},
		{"refs/tags/v1.10.0", '3', 0},
		{"refs/tags/v1.10.0", 'a', 1},		/* annotated: its commit */
		{"refs/tags/v1.2.0", '4', 0},
		{"refs/tags/v1.9.0", '5', 0},
		{"refs/tags/v2.0.0", '6', 0},
		{"refs/tags/v2.0.0", 'b', 1},
		{"refs/tags/v2.1.0-rc.1", '7', 0},
		{"refs/tags/v1.0.0", '8', 0},		/* the same version as 1.0.0: the first seen stays */
	};
	static const struct {
		const char *range;
		int found;
		const char *name;
		char id;
	} cases[] = {
		{">=1.0.0 <2.0.0", 1, "v1.10.0", 'a'},
		{"1.x", 1, "v1.10.0", 'a'},
		{"~1.2", 1, "v1.2.0", '4'},
		{"*", 1, "v2.0.0", 'b'},
		{">=2.1.0-0", 1, "v2.1.0-rc.1", '7'},
		{"1.0.0", 1, "1.0.0", '1'},
		{">=3", 0, NULL, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_semver_range r;
		struct pn_refs_pick p;
		char want[41];

		assert_ok(pn_semver_range_parse(cases[i].range, &r));
		pn_refs_pick_init(&p, &r);
		feed(&p, tags, sizeof(tags) / sizeof(tags[0]));
		if (p.found != cases[i].found)
			fail_msg("\"%s\": found %d", cases[i].range, p.found);
		if (!p.found)
			continue;
		assert_string_equal(p.name, cases[i].name);
		memset(want, cases[i].id, 40);
		want[40] = '\0';
		{
			char hex[PN_OID_HEX_MAX];

			assert_string_equal(pn_oid_to_hex(&p.oid, hex), want);
		}
	}
	/* branches and other refs are no candidates */
	{
		static const struct listed other[] = {{"refs/heads/1.0.0", '1', 0}, {"refs/pull/2.0.0", '2', 0}};
		struct pn_semver_range r;
		struct pn_refs_pick p;

		assert_ok(pn_semver_range_parse("*", &r));
		pn_refs_pick_init(&p, &r);
		feed(&p, other, 2);
		assert_false(p.found);
	}
}

/* The revision each kind is recorded under (state.h), and its commit read back from it. */
static void
test_revisions(void **state)
{
	static const struct {
		const char *name, *want;
	} cases[] = {
		{"main", "main@sha1:" SHA},
		{"v1.2.3", "v1.2.3@sha1:" SHA},
		{"refs/pull/1/head", "refs/pull/1/head@sha1:" SHA},
		{"feature/sha1:x", "feature/sha1:x@sha1:" SHA},
		{"", "sha1:" SHA},
		{NULL, "sha1:" SHA},
	};
	struct pn_oid oid, back;
	char rev[PN_STATE_REVISION_MAX], hex[PN_OID_HEX_MAX];

	(void)state;
	assert_ok(pn_oid_from_hex(SHA, 40, &oid));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_ok(pn_state_revision(cases[i].name, &oid, rev, sizeof(rev)));
		assert_string_equal(rev, cases[i].want);
		assert_ok(pn_state_revision_oid(rev, &back));
		assert_string_equal(pn_oid_to_hex(&back, hex), SHA);
	}
	assert_error(pn_state_revision("main", &oid, rev, 20), PN_ERR_TOO_LARGE, "revision for \"main\" too long");
	assert_error(pn_state_revision(NULL, &oid, rev, 20), PN_ERR_TOO_LARGE, "too long");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_bad_ranges),
		cmocka_unit_test(test_specs),
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_revisions),
	};
	return cmocka_run_group_tests_name("refs", tests, NULL, NULL);
}
