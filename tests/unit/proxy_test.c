/*
 * Proxy choice from the environment, table-driven against Go's golang.org/x/net/http/httpproxy rules: which
 * variable applies to which scheme, proxy values with and without scheme, port and credentials, unsupported
 * proxy schemes, the CGI rule, and every NO_PROXY form (names, leading dot, *., addresses, blocks, ports, *),
 * localhost and loopback never proxied. Credentials never appear in an error.
 */
#include "pn_test.h"

#include <stdio.h>

#include "../../agent/net/proxy.h"

struct for_case {
	const char *http, *https, *no_proxy;
	int cgi;
	const char *scheme, *host, *port;
	const char *want_host, *want_port, *want_auth, *want_shown; /* want_host "": direct */
	enum pn_err_code code;	/* 0: success */
	const char *needle;
};

#define B "Proxy-Authorization: Basic "
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fail_msg("case %zu: %s", i, #cond);                                        \
	} while (0)

static const struct for_case fors[] = {
	/* which variable */
	{NULL, NULL, NULL, 0, "https", "git.example", "443", "", NULL, NULL, NULL, 0, NULL},
	{NULL, "proxy.corp:3128", NULL, 0, "https", "git.example", "443", "proxy.corp", "3128", NULL,
	    "http://proxy.corp:3128", 0, NULL},
	{NULL, "proxy.corp:3128", NULL, 0, "http", "git.example", "80", "", NULL, NULL, NULL, 0, NULL},
	{"http://p:8080", NULL, NULL, 0, "http", "git.example", "80", "p", "8080", NULL, "http://p:8080", 0, NULL},
	{"http://p:8080", NULL, NULL, 0, "https", "git.example", "443", "", NULL, NULL, NULL, 0, NULL},
	/* the value: scheme and port optional (80), a path ignored, IPv6, case of the scheme */
	{NULL, "http://p", NULL, 0, "https", "g", "443", "p", "80", NULL, "http://p:80", 0, NULL},
	{NULL, "p:", NULL, 0, "https", "g", "443", "p", "80", NULL, NULL, 0, NULL},
	{NULL, "HTTP://p:3128/", NULL, 0, "https", "g", "443", "p", "3128", NULL, NULL, 0, NULL},
	{NULL, "http://10.0.0.1:3128/some/path", NULL, 0, "https", "g", "443", "10.0.0.1", "3128", NULL, NULL, 0,
	    NULL},
	{NULL, "http://[fd00::1]:3128", NULL, 0, "https", "g", "443", "fd00::1", "3128", NULL,
	    "http://[fd00::1]:3128", 0, NULL},
	/* credentials: percent-decoded, Basic; a user alone has an empty password; never in `shown` */
	{NULL, "http://user:p%40ss@p:3128", NULL, 0, "https", "g", "443", "p", "3128", B "dXNlcjpwQHNz",
	    "http://p:3128", 0, NULL},
	{NULL, "tok@p", NULL, 0, "https", "g", "443", "p", "80", B "dG9rOg==", NULL, 0, NULL},
	{NULL, "http://a:b:c@p:1", NULL, 0, "https", "g", "443", "p", "1", B "YTpiOmM=", NULL, 0, NULL},
	/* refused values name the variable, never the password */
	{NULL, "https://p:3128", NULL, 0, "https", "g", "443", NULL, NULL, NULL, NULL, PN_ERR_UNSUPPORTED,
	    "HTTPS_PROXY=https://p:3128: only http:// proxies are supported"},
	{NULL, "socks5://u:secret@p:1080", NULL, 0, "https", "g", "443", NULL, NULL, NULL, NULL,
	    PN_ERR_UNSUPPORTED, "HTTPS_PROXY=socks5://***@p:1080: only http://"},
	{"socks5h://p:1080", NULL, NULL, 0, "http", "g", "80", NULL, NULL, NULL, NULL, PN_ERR_UNSUPPORTED,
	    "HTTP_PROXY=socks5h://p:1080"},
	{NULL, "http://", NULL, 0, "https", "g", "443", NULL, NULL, NULL, NULL, PN_ERR_USAGE, "not a proxy URL"},
	{NULL, "http://u:secret@:3128", NULL, 0, "https", "g", "443", NULL, NULL, NULL, NULL, PN_ERR_USAGE,
	    "HTTPS_PROXY=http://***@:3128: not a proxy URL"},
	{NULL, "http://p:99999", NULL, 0, "https", "g", "443", NULL, NULL, NULL, NULL, PN_ERR_USAGE,
	    "not a proxy URL"},
	{NULL, "http://p:x", NULL, 0, "https", "g", "443", NULL, NULL, NULL, NULL, PN_ERR_USAGE, "not a proxy URL"},
	{NULL, "http://p:1:2", NULL, 0, "https", "g", "443", NULL, NULL, NULL, NULL, PN_ERR_USAGE, "not a proxy"},
	{NULL, "http://[fd00::1", NULL, 0, "https", "g", "443", NULL, NULL, NULL, NULL, PN_ERR_USAGE, "not a proxy"},
	{NULL, "http://[p]:1", NULL, 0, "https", "g", "443", NULL, NULL, NULL, NULL, PN_ERR_USAGE, "not a proxy"},
	{NULL, "http://p!x:1", NULL, 0, "https", "g", "443", NULL, NULL, NULL, NULL, PN_ERR_USAGE, "not a proxy"},
	{NULL, "http://p 1", NULL, 0, "https", "g", "443", NULL, NULL, NULL, NULL, PN_ERR_USAGE, "blank or control"},
	{NULL, "http://u:%zz@p", NULL, 0, "https", "g", "443", NULL, NULL, NULL, NULL, PN_ERR_USAGE,
	    "bad %-escape"},
	{NULL, "http://u:%00@p", NULL, 0, "https", "g", "443", NULL, NULL, NULL, NULL, PN_ERR_USAGE,
	    "bad %-escape"},
	/* localhost and loopback are never proxied, with or without NO_PROXY */
	{NULL, "p:3128", NULL, 0, "https", "localhost", "443", "", NULL, NULL, NULL, 0, NULL},
	{NULL, "p:3128", NULL, 0, "https", "LocalHost", "443", "", NULL, NULL, NULL, 0, NULL},
	{NULL, "p:3128", NULL, 0, "https", "127.0.0.1", "8443", "", NULL, NULL, NULL, 0, NULL},
	{NULL, "p:3128", NULL, 0, "https", "127.9.8.7", "443", "", NULL, NULL, NULL, 0, NULL},
	{NULL, "p:3128", NULL, 0, "https", "::1", "443", "", NULL, NULL, NULL, 0, NULL},
	{NULL, "p:3128", NULL, 0, "https", "::ffff:127.0.0.1", "443", "", NULL, NULL, NULL, 0, NULL},
	{NULL, "p:3128", NULL, 0, "https", "localhost.example", "443", "p", "3128", NULL, NULL, 0, NULL},
	/* NO_PROXY is looked at before the value: a bad value for a bypassed host is no error */
	{NULL, "socks5://p:1080", "git.lan", 0, "https", "git.lan", "443", "", NULL, NULL, NULL, 0, NULL},
	{NULL, "p:3128", "*", 0, "https", "git.example", "443", "", NULL, NULL, NULL, 0, NULL},
	/* CGI: HTTP_PROXY may come from the client; refused for http (even for loopback, as Go does) */
	{"p:3128", NULL, NULL, 1, "http", "git.example", "80", NULL, NULL, NULL, NULL, PN_ERR_USAGE,
	    "refusing to use HTTP_PROXY while REQUEST_METHOD is set"},
	{"p:3128", NULL, NULL, 1, "http", "127.0.0.1", "80", NULL, NULL, NULL, NULL, PN_ERR_USAGE, "CGI"},
	{NULL, NULL, NULL, 1, "http", "git.example", "80", "", NULL, NULL, NULL, 0, NULL},
	{"p:3128", "q:3128", NULL, 1, "https", "git.example", "443", "q", "3128", NULL, NULL, 0, NULL},
};

static void
test_proxy_for(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fors) / sizeof(fors[0]); i++) {
		const struct for_case *c = &fors[i];
		struct pn_proxy_env env = {c->http, "HTTP_PROXY", c->https, "HTTPS_PROXY", c->no_proxy, c->cgi};
		struct pn_proxy p;
		const struct pn_error *e = pn_proxy_for(&env, c->scheme, c->host, c->port, &p);

		if (c->code != 0) {
			assert_error(e, c->code, c->needle);
			CHECK(strstr(e->msg, "secret") == NULL);
			CHECK(p.host[0] == '\0' && p.auth == NULL);
		} else {
			if (e != NULL)
				fail_msg("case %zu: %s", i, e->msg);
			CHECK(strcmp(p.host, c->want_host) == 0);
			CHECK(c->want_port == NULL || strcmp(p.port, c->want_port) == 0);
			CHECK(c->want_auth != NULL ? p.auth != NULL && strcmp(p.auth, c->want_auth) == 0 : p.auth == NULL);
			CHECK(c->want_shown == NULL || strcmp(p.shown, c->want_shown) == 0);
		}
		pn_proxy_release(&p);
	}
}

struct bypass_case {
	const char *no_proxy, *host, *port;
	int direct;
};

static const struct bypass_case bypasses[] = {
	{NULL, "git.example", "443", 0},
	{"", "git.example", "443", 0},
	{",, ,", "git.example", "443", 0},
	{NULL, "localhost", "443", 1},
	{NULL, "127.0.0.1", "443", 1},
	{NULL, "::1", "443", 1},
	{NULL, "10.0.0.1", "443", 0},
	/* a name matches itself and the names under it */
	{"example.com", "example.com", "443", 1},
	{"example.com", "git.example.com", "443", 1},
	{"example.com", "a.b.example.com", "443", 1},
	{"example.com", "notexample.com", "443", 0},
	{"example.com", "example.com.evil", "443", 0},
	{"EXAMPLE.com", "Git.Example.COM", "443", 1},
	/* a leading "." or "*." matches only the names under it (Go: ".y.com" matches x.y.com, not y.com) */
	{".example.com", "example.com", "443", 0},
	{".example.com", "git.example.com", "443", 1},
	{"*.example.com", "example.com", "443", 0},
	{"*.example.com", "git.example.com", "443", 1},
	/* lists: commas, blanks around entries; blanks alone do not separate (Go splits on commas only) */
	{"a.org, example.com ,b.org", "example.com", "443", 1},
	{" \texample.com\t ", "example.com", "443", 1},
	{"a.org example.com", "example.com", "443", 0},
	{"a.org,*", "anything.test", "8443", 1},
	{"*", "10.1.2.3", "443", 1},
	/* ports */
	{"example.com:443", "example.com", "443", 1},
	{"example.com:443", "example.com", "8443", 0},
	{"example.com:", "example.com", "8443", 1},
	{".example.com:8443", "git.example.com", "8443", 1},
	/* addresses match only a URL whose host is an address */
	{"192.168.1.10", "192.168.1.10", "443", 1},
	{"192.168.1.10", "192.168.1.11", "443", 0},
	{"192.168.1.10:8080", "192.168.1.10", "8080", 1},
	{"192.168.1.10:8080", "192.168.1.10", "80", 0},
	{"1.2.3.4", "1.2.3.4.nip.io", "443", 0},
	{"2001:db8::1", "2001:db8::1", "443", 1},
	{"2001:DB8:0::1", "2001:db8::1", "443", 1},
	{"[2001:db8::1]:443", "2001:db8::1", "443", 1},
	{"[2001:db8::1]:443", "2001:db8::1", "80", 0},
	{"[2001:db8::1]", "2001:db8::1", "443", 0}, /* Go: brackets without a port are no address */
	{"::ffff:10.0.0.1", "10.0.0.1", "443", 1},
	/* blocks */
	{"10.0.0.0/8", "10.1.2.3", "443", 1},
	{"10.0.0.0/8", "11.0.0.1", "443", 0},
	{"10.0.0.0/8", "ten.example", "443", 0},
	{"10.0.0.0/8", "::ffff:10.0.0.1", "443", 1},
	{"192.168.0.0/23", "192.168.1.200", "443", 1},
	{"192.168.0.0/23", "192.168.2.1", "443", 0},
	{"0.0.0.0/0", "203.0.113.9", "443", 1},
	{"0.0.0.0/0", "fd00::1", "443", 0},
	{"::/0", "10.0.0.1", "443", 0},
	{"fd00::/8", "fd12:3456::1", "443", 1},
	{"fd00::/8", "fe80::1", "443", 0},
	{"10.0.0.0/33", "10.0.0.1", "443", 0},
	{"10.0.0.0/x", "10.0.0.1", "443", 0},
	{"nonsense/8", "10.0.0.1", "443", 0},
	/* a name entry is a suffix also of an address host, as in Go */
	{"0.0.1", "10.0.0.1", "443", 1},
};

static void
test_bypass(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bypasses) / sizeof(bypasses[0]); i++) {
		const struct bypass_case *c = &bypasses[i];

		if (pn_proxy_bypass(c->no_proxy, c->host, c->port) != c->direct)
			fail_msg("NO_PROXY \"%s\", %s port %s: want %s", c->no_proxy != NULL ? c->no_proxy : "(unset)",
			    c->host, c->port, c->direct ? "direct" : "proxy");
	}
}

/* The uppercase variable wins unless it is empty; REQUEST_METHOD marks CGI only when not empty. */
static void
test_env(void **state)
{
	struct pn_proxy_env env;

	(void)state;
	setenv("HTTP_PROXY", "", 1);
	setenv("http_proxy", "lower:1", 1);
	setenv("HTTPS_PROXY", "UPPER:2", 1);
	setenv("https_proxy", "lower:2", 1);
	unsetenv("NO_PROXY");
	setenv("no_proxy", "a.lan", 1);
	setenv("REQUEST_METHOD", "", 1);
	pn_proxy_env_get(&env);
	assert_string_equal(env.http, "lower:1");
	assert_string_equal(env.http_name, "http_proxy");
	assert_string_equal(env.https, "UPPER:2");
	assert_string_equal(env.https_name, "HTTPS_PROXY");
	assert_string_equal(env.no_proxy, "a.lan");
	assert_int_equal(env.cgi, 0);

	setenv("REQUEST_METHOD", "GET", 1);
	unsetenv("http_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("https_proxy");
	pn_proxy_env_get(&env);
	assert_null(env.http);
	assert_null(env.https);
	assert_int_equal(env.cgi, 1);
	unsetenv("HTTP_PROXY");
	unsetenv("no_proxy");
	unsetenv("REQUEST_METHOD");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proxy_for),
		cmocka_unit_test(test_bypass),
		cmocka_unit_test(test_env),
	};
	return cmocka_run_group_tests_name("proxy", tests, NULL, NULL);
}
