/*
 * Git URLs, table-driven: the accepted forms with their parts, the refused ones with their errors, and that no
 * password (nor a token given as the user name of an http(s) URL) ever shows in an error or the redacted form.
 */
#include "pn_test.h"

#include <stdio.h>

#include "../../agent/source/url.h"

struct ok_case {
	const char *in;
	enum pn_url_scheme scheme;
	const char *user, *password, *host, *port;
	int port_given;
	const char *path;
	int scp;
	const char *redacted;
};

static const struct ok_case oks[] = {
	{"https://github.com/org/repo.git", PN_URL_HTTPS, NULL, NULL, "github.com", "443", 0, "/org/repo.git", 0,
	    "https://github.com/org/repo.git"},
	{"http://127.0.0.1:8080/small.git", PN_URL_HTTP, NULL, NULL, "127.0.0.1", "8080", 1, "/small.git", 0,
	    "http://127.0.0.1:8080/small.git"},
	{"HTTPS://Example.COM", PN_URL_HTTPS, NULL, NULL, "Example.COM", "443", 0, "/", 0, "HTTPS://Example.COM"},
	{"https://agent:s3cret@localhost:8443/auth/small.git", PN_URL_HTTPS, "agent", "s3cret", "localhost", "8443",
	    1, "/auth/small.git", 0, "https://agent:***@localhost:8443/auth/small.git"},
	{"https://ghp_T0KEN@github.com/o/r", PN_URL_HTTPS, "ghp_T0KEN", NULL, "github.com", "443", 0, "/o/r", 0,
	    "https://***@github.com/o/r"},
	{"https://oauth2:p%40ss%3Aw0rd@gitlab.example.com/g/p.git", PN_URL_HTTPS, "oauth2", "p@ss:w0rd",
	    "gitlab.example.com", "443", 0, "/g/p.git", 0, "https://oauth2:***@gitlab.example.com/g/p.git"},
	{"https://us%40r:@host/r", PN_URL_HTTPS, "us@r", "", "host", "443", 0, "/r", 0, "https://us%40r:***@host/r"},
	{"https://[::1]:8443/r.git", PN_URL_HTTPS, NULL, NULL, "::1", "8443", 1, "/r.git", 0,
	    "https://[::1]:8443/r.git"},
	{"http://[fe80::1:2]/r.git", PN_URL_HTTP, NULL, NULL, "fe80::1:2", "80", 0, "/r.git", 0,
	    "http://[fe80::1:2]/r.git"},
	{"ssh://git@github.com/org/repo.git", PN_URL_SSH, "git", NULL, "github.com", "22", 0, "/org/repo.git", 0,
	    "ssh://git@github.com/org/repo.git"},
	{"ssh://root@127.0.0.1:2222/srv/repos/small.git", PN_URL_SSH, "root", NULL, "127.0.0.1", "2222", 1,
	    "/srv/repos/small.git", 0, "ssh://root@127.0.0.1:2222/srv/repos/small.git"},
	{"ssh://host/~alice/repo.git", PN_URL_SSH, NULL, NULL, "host", "22", 0, "~alice/repo.git", 0,
	    "ssh://host/~alice/repo.git"},
	{"ssh://git@[2001:db8::7]:22/r", PN_URL_SSH, "git", NULL, "2001:db8::7", "22", 1, "/r", 0,
	    "ssh://git@[2001:db8::7]:22/r"},
	{"git+ssh://git@host/r", PN_URL_SSH, "git", NULL, "host", "22", 0, "/r", 0, "git+ssh://git@host/r"},
	{"git@github.com:org/repo.git", PN_URL_SSH, "git", NULL, "github.com", "22", 0, "org/repo.git", 1,
	    "git@github.com:org/repo.git"},
	{"host.lan:/abs/repo.git", PN_URL_SSH, NULL, NULL, "host.lan", "22", 0, "/abs/repo.git", 1,
	    "host.lan:/abs/repo.git"},
	{"git@[::1]:repo.git", PN_URL_SSH, "git", NULL, "::1", "22", 0, "repo.git", 1, "git@[::1]:repo.git"},
	{"[::1]:r", PN_URL_SSH, NULL, NULL, "::1", "22", 0, "r", 1, "[::1]:r"},
};

struct bad_case {
	const char *in;
	enum pn_err_code code;
	const char *needle;
};

static const struct bad_case bads[] = {
	{"", PN_ERR_USAGE, "empty Git URL"},
	{"git://github.com/org/repo.git", PN_ERR_UNSUPPORTED, "git:// is not supported"},
	{"file:///srv/repo.git", PN_ERR_UNSUPPORTED, "file:// (a local repository)"},
	{"ftp://host/r", PN_ERR_USAGE, "unsupported scheme \"ftp\""},
	{"://host/r", PN_ERR_USAGE, "unsupported scheme \"\""},
	{"/srv/repos/small.git", PN_ERR_USAGE, "local paths are not supported"},
	{"./repo", PN_ERR_USAGE, "local paths are not supported"},
	{"repo.git", PN_ERR_USAGE, "not a URL"},
	{"https://host/r?x=1", PN_ERR_USAGE, "query strings"},
	{"https://host/r#main", PN_ERR_USAGE, "fragments"},
	{"https://host/my repo", PN_ERR_USAGE, "space or control character"},
	{"https://ho\tst/r", PN_ERR_USAGE, "space or control character"},
	{"https:///r", PN_ERR_USAGE, "no host name"},
	{"https://h_st!/r", PN_ERR_USAGE, "bad character in the host name"},
	{"https://host:0/r", PN_ERR_USAGE, "port must be a number from 1 to 65535"},
	{"https://host:65536/r", PN_ERR_USAGE, "port must be"},
	{"https://host:-1/r", PN_ERR_USAGE, "port must be"},
	{"https://host:99999999999999999999999/r", PN_ERR_USAGE, "port must be"},
	{"https://host:/r", PN_ERR_USAGE, "port must be"},
	{"https://host:80x/r", PN_ERR_USAGE, "port must be"},
	{"https://::1/r", PN_ERR_USAGE, "must be written in brackets"},
	{"https://[::1/r", PN_ERR_USAGE, "'[' without ']'"},
	{"https://[zz::1]/r", PN_ERR_USAGE, "not an IPv6 address"},
	{"https://[127.0.0.1]/r", PN_ERR_USAGE, "not an IPv6 address"},
	{"https://[::1]x/r", PN_ERR_USAGE, "unexpected text after ']'"},
	{"https://@host/r", PN_ERR_USAGE, "empty user name"},
	{"https://u:%zz@host/r", PN_ERR_USAGE, "bad %-escape in the password"},
	{"https://u:%00@host/r", PN_ERR_USAGE, "bad %-escape in the password"},
	{"https://u%4@host/r", PN_ERR_USAGE, "bad %-escape in the user name"},
	{"ssh://git@host", PN_ERR_USAGE, "no repository path"},
	{"ssh://git@host/", PN_ERR_USAGE, "no repository path"},
	{"git@host:", PN_ERR_USAGE, "no repository path after ':'"},
	{"git@:repo", PN_ERR_USAGE, "no host name"},
};

static void
test_accepted(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(oks) / sizeof(oks[0]); i++) {
		const struct ok_case *c = &oks[i];
		struct pn_url u;
		const struct pn_error *err = pn_url_parse(c->in, &u);

		if (err != NULL)
			fail_msg("%s: %s", c->in, err->msg);
		assert_int_equal(u.scheme, c->scheme);
		if (c->user == NULL)
			assert_null(u.user);
		else
			assert_string_equal(u.user, c->user);
		if (c->password == NULL)
			assert_null(u.password);
		else
			assert_string_equal(u.password, c->password);
		assert_string_equal(u.host, c->host);
		assert_string_equal(u.port, c->port);
		assert_int_equal(u.port_given, c->port_given);
		assert_string_equal(u.path, c->path);
		assert_int_equal(u.scp, c->scp);
		assert_string_equal(u.redacted, c->redacted);
		pn_url_release(&u);
	}
}

static void
test_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad_case *c = &bads[i];
		struct pn_url u;
		const struct pn_error *err = pn_url_parse(c->in, &u);

		if (err == NULL)
			fail_msg("%s: accepted", c->in);
		if (err->code != c->code || strstr(err->msg, c->needle) == NULL)
			fail_msg("%s: expected %s \"%s\", got %s \"%s\"", c->in, pn_error_code_name(c->code), c->needle,
			    pn_error_code_name(err->code), err->msg);
		/* nothing to release after a failure, and the URL is named */
		assert_null(u.host);
		assert_null(u.user);
		if (c->in[0] != '\0' && strstr(err->msg, "Git URL") == NULL)
			fail_msg("%s: the error does not name the URL: %s", c->in, err->msg);
	}
}

/* Secrets stay out of errors about bad URLs, too. */
static void
test_secrets_never_printed(void **state)
{
	static const char *const ins[] = {
		"https://agent:TOPSECRET@host:99999/r",
		"https://agent:TOPSECRET@host/r?x",
		"http://TOPSECRET@[::zz]/r",
		"git://agent:TOPSECRET@host/r",
		"ftp://agent:TOPSECRET@host/r",
		"https://agent:TOPSECRET@ho st/r",
		"agent:TOPSECRET@host:r x",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ins) / sizeof(ins[0]); i++) {
		struct pn_url u;
		const struct pn_error *err = pn_url_parse(ins[i], &u);

		assert_non_null(err);
		if (strstr(err->msg, "TOPSECRET") != NULL)
			fail_msg("secret printed: %s", err->msg);
		assert_non_null(strstr(err->msg, "***"));
	}
}

static void
test_redact(void **state)
{
	char buf[32];

	(void)state;
	pn_url_redact("https://a:b@h/r", buf, sizeof(buf));
	assert_string_equal(buf, "https://a:***@h/r");
	pn_url_redact("ssh://git@h/r", buf, sizeof(buf));
	assert_string_equal(buf, "ssh://git@h/r");
	pn_url_redact("https://h/org@x/r", buf, sizeof(buf));
	assert_string_equal(buf, "https://h/org@x/r");
	pn_url_redact("u:pw@host:path", buf, sizeof(buf));
	assert_string_equal(buf, "u:***@host:path");
	/* cut short, never overflowing, and never cut inside the secret (it is not there) */
	pn_url_redact("https://user:secret@very-long-host-name.example.com/org/repo.git", buf, sizeof(buf));
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	assert_string_equal(buf + sizeof(buf) - 4, "...");
	assert_null(strstr(buf, "secret"));
	pn_url_redact("https://h/r", buf, 4);
	assert_string_equal(buf, "...");
}

static void
test_too_long(void **state)
{
	char *s = malloc(PN_URL_MAX + 2);
	struct pn_url u;

	(void)state;
	assert_non_null(s);
	memcpy(s, "https://h/", 10);
	memset(s + 10, 'a', PN_URL_MAX - 10);
	s[PN_URL_MAX] = '\0';
	assert_ok(pn_url_parse(s, &u));
	pn_url_release(&u);
	s[PN_URL_MAX] = 'a';
	s[PN_URL_MAX + 1] = '\0';
	assert_error(pn_url_parse(s, &u), PN_ERR_USAGE, "longer than 2048 bytes");
	free(s);
}

/* Redirect targets resolved as RFC 3986 §5.2 (its examples, on git's info/refs request). */
static void
test_resolve(void **state)
{
	static const struct {
		const char *ref, *want;	/* want NULL: not followable */
	} cases[] = {
		{"https://other:8443/r.git/info/refs?service=git-upload-pack",
		    "https://other:8443/r.git/info/refs?service=git-upload-pack"},
		{"//cdn.example/x.git/info/refs", "https://cdn.example/x.git/info/refs"},
		{"/new/path.git/info/refs?service=git-upload-pack",
		    "https://h:443/new/path.git/info/refs?service=git-upload-pack"},
		{"refs?x=1", "https://h:443/org/repo.git/info/refs?x=1"},
		{"../../moved.git/info/refs#frag", "https://h:443/org/moved.git/info/refs"},
		{"./a/../b", "https://h:443/org/repo.git/info/b"},
		{"?q", "https://h:443/org/repo.git/info/refs?q"},
		{"../../../../../x", "https://h:443/x"},
		{"/a/b/..", "https://h:443/a/"},
		{"mailto:x@y", NULL},
	};
	struct pn_url base;

	(void)state;
	assert_ok(pn_url_parse("https://h/org/repo.git", &base));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_buf out;
		int ok;

		pn_buf_init(&out, 4 * PN_URL_MAX, "test");
		assert_ok(pn_url_resolve(&base, "/org/repo.git/info/refs?service=git-upload-pack", cases[i].ref, &out,
		    &ok));
		if (cases[i].want == NULL)
			assert_int_equal(ok, 0);
		else if (!ok || strcmp(pn_buf_str(&out), cases[i].want) != 0)
			fail_msg("case %zu: %s: got %s (ok %d), want %s", i, cases[i].ref, pn_buf_str(&out), ok,
			    cases[i].want);
		pn_buf_release(&out);
	}
	pn_url_release(&base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_secrets_never_printed),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_resolve),
	};
	return cmocka_run_group_tests_name("url", tests, NULL, NULL);
}
