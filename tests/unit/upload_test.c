/*
 * The upload-pack client against real git: repositories made at test time by real git (tests/peers/gitpeers.py),
 * served by `git http-backend` behind the Python CGI host (tests/peers/git_http.py: HTTP, and HTTPS with basic
 * auth) and behind nginx + fcgiwrap (chunked answers; HTTPS /auth with basic auth). Each received pack is
 * checked by real git (index-pack into an empty repository, then the commit's whole tree must be readable).
 * Protocol v0 (force_v0: no Git-Protocol header) against the same servers; peeled tags. Refusals: wrong or
 * missing password, unknown branch and repository, server down, SHA-256, v0 advertisements it cannot use,
 * a dumb HTTP server, 5xx, ERR packets, the pack ceiling; canned answers come from tests/lib/http_server.py.
 */
#include "pn_test.h"
#include "peer.h"

#include <stdarg.h>

#include "../../agent/core/buf.h"
#include "../../agent/net/tls.h"
#include "../../agent/source/oid.h"
#include "../../agent/source/pkt.h"
#include "../../agent/source/upload.h"
#include "../../platform/clock.h"

#define IO_TIMEOUT_MS 60000
#define CMD_MAX 4096
#define USER "agent"
#define NGINX "/usr/sbin/nginx"
#define FCGIWRAP "/usr/sbin/fcgiwrap"
#define PASSWORD "s3cret-pw"

/* Starts nginx + fcgiwrap through gitpeers.GitNginx; writes DIR/ports ("http https") and then DIR/port. */
static const char nginx_py[] =
    "import os, signal, sys, time\n"
    "sys.path[:0] = ['tests/peers', 'tests/lib']\n"
    "import gitpeers\n"
    "d, repos = sys.argv[1], sys.argv[2]\n"
    "p = gitpeers.GitNginx(d + '/peer', repos, tls=True, user='" USER "', password='" PASSWORD "')\n"
    "p.start()\n"
    "signal.signal(signal.SIGTERM, lambda *a: (p.stop(), os._exit(0)))\n"
    "open(d + '/ports', 'w').write('%d %d\\n' % (p.port, p.https_port))\n"
    "open(d + '/ca', 'w').write(str(p.ca.ca_crt))\n"
    "open(d + '/port.tmp', 'w').write('%d\\n' % p.port)\n"
    "os.replace(d + '/port.tmp', d + '/port')\n"
    "while True: time.sleep(1)\n";

/* Two OpenSSH servers with git-shell through gitpeers.GitSSHD: with AcceptEnv GIT_PROTOCOL (v2) and without (v0),
 * one client key for both. Writes DIR/info "port_v2 port_v0 key known_hosts_v2 known_hosts_v0 repos", then
 * DIR/port. */
static const char sshd_py[] =
    "import os, signal, sys, time\n"
    "sys.path[:0] = ['tests/peers', 'tests/lib']\n"
    "import gitpeers\n"
    "d, repos = sys.argv[1], os.path.abspath(sys.argv[2])\n"
    "a = gitpeers.GitSSHD(d + '/v2', repos)\n"
    "a.start()\n"
    "b = gitpeers.GitSSHD(d + '/v0', repos, accept_env=False, client_key=a.client_key)\n"
    "b.start()\n"
    "signal.signal(signal.SIGTERM, lambda *x: (a.stop(), b.stop(), os._exit(0)))\n"
    "open(d + '/info', 'w').write('%d %d %s %s %s %s\\n' % (a.port, b.port, os.path.abspath(a.client_key.path),\n"
    "    os.path.abspath(a.known_hosts), os.path.abspath(b.known_hosts), repos))\n"
    "open(d + '/port.tmp', 'w').write('%d\\n' % a.port)\n"
    "os.replace(d + '/port.tmp', d + '/port')\n"
    "while True: time.sleep(1)\n";

/* The test repositories, made by real git. */
static const char repos_py[] =
    "import sys\n"
    "sys.path[:0] = ['tests/peers', 'tests/lib']\n"
    "import gitpeers\n"
    "r = sys.argv[1]\n"
    "gitpeers.make_small_repo(r)\n"
    "gitpeers.make_bare_repo({'only.yaml': 'a: 1\\n'}, r, 'single')\n"
    "gitpeers.make_bare_repo({'a.yaml': 'a: 1\\n'}, r, 'sha256', object_format='sha256')\n";

struct fixture {
	char dir[PN_TEST_PATH_MAX];
	char repos[PN_TEST_PATH_MAX * 2];
	pid_t http_pid, https_pid, nginx_pid, canned_pid, sshd_pid;
	int http_port, https_port, nginx_port, nginx_https_port, canned_port, ssh_v2_port, ssh_v0_port;
	char ssh_key[PN_TEST_PATH_MAX * 2], kh_v2[PN_TEST_PATH_MAX * 2], kh_v0[PN_TEST_PATH_MAX * 2];
	char abs_repos[PN_TEST_PATH_MAX * 2];
	struct pn_tls_config *tls, *nginx_tls;
};

static struct fixture fx;

static int
sh(const char *fmt, ...)
{
	char cmd[CMD_MAX];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The first line a shell command prints, without its newline. */
static int
sh_line(char *out, size_t len, const char *fmt, ...)
{
	char cmd[CMD_MAX];
	va_list ap;
	FILE *f;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	out[0] = '\0';
	if ((f = popen(cmd, "r")) == NULL)
		return -1;
	if (fgets(out, (int)len, f) != NULL)
		out[strcspn(out, "\n")] = '\0';
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static pid_t
spawn_git_http(const char *name, int tls, int *port)
{
	char d[PN_TEST_PATH_MAX * 2], c[PN_TEST_PATH_MAX * 2], k[PN_TEST_PATH_MAX * 2], pw[PN_TEST_PATH_MAX * 2];
	char py[] = "python3", script[] = "tests/peers/git_http.py", o_dir[] = "--dir", o_root[] = "--root",
	     o_cert[] = "--tls-cert", o_key[] = "--tls-key", o_user[] = "--user", user[] = USER,
	     o_pw[] = "--password-file";
	char *argv_plain[] = {py, script, o_dir, d, o_root, fx.repos, NULL};
	char *argv_tls[] = {py, script, o_dir, d, o_root, fx.repos, o_cert, c, o_key, k, o_user, user, o_pw, pw, NULL};

	snprintf(d, sizeof(d), "%s/%s", fx.dir, name);
	mkdir(d, 0755);
	snprintf(c, sizeof(c), "%s/pki/server.crt", fx.dir);
	snprintf(k, sizeof(k), "%s/pki/server.key", fx.dir);
	snprintf(pw, sizeof(pw), "%s/password", fx.dir);
	return pn_test_spawn(tls ? argv_tls : argv_plain, d, port);
}

static int
setup(void **state)
{
	char d[PN_TEST_PATH_MAX * 2], ca[PN_TEST_PATH_MAX * 2], line[PN_TEST_PATH_MAX * 3];
	char py[] = "python3", o_c[] = "-c", code[sizeof(nginx_py)], canned[] = "tests/lib/http_server.py",
	     o_dir[] = "--dir";
	char *argv_nginx[] = {py, o_c, code, d, fx.repos, NULL};
	char *argv_canned[] = {py, canned, o_dir, d, NULL};
	struct pn_tls_options opt;
	FILE *f;

	(void)state;
	memcpy(code, nginx_py, sizeof(nginx_py));
	if (pn_test_tmpdir("upload", fx.dir, sizeof(fx.dir)) != 0)
		return -1;
	snprintf(fx.repos, sizeof(fx.repos), "%s/repos", fx.dir);
	if (sh("sh tests/lib/mkcerts.sh %s/pki", fx.dir) != 0 || sh("printf '%%s\\n' '%s' > %s/password", PASSWORD,
	    fx.dir) != 0)
		return -1;
	snprintf(line, sizeof(line), "%s/repos.py", fx.dir);
	if ((f = fopen(line, "w")) == NULL || fputs(repos_py, f) < 0 || fclose(f) != 0)
		return -1;
	if (sh("python3 %s %s >%s/repos.log 2>&1", line, fx.repos, fx.dir) != 0)
		return -1;
	if ((fx.http_pid = spawn_git_http("http", 0, &fx.http_port)) <= 0 ||
	    (fx.https_pid = spawn_git_http("https", 1, &fx.https_port)) <= 0)
		return -1;
	snprintf(d, sizeof(d), "%s/nginx", fx.dir);
	mkdir(d, 0755);
	/* nginx and fcgiwrap are optional on a developer machine: their tests are skipped without them */
	if (access(NGINX, X_OK) == 0 && access(FCGIWRAP, X_OK) == 0) {
		if ((fx.nginx_pid = pn_test_spawn(argv_nginx, d, &fx.nginx_port)) <= 0)
			return -1;
		snprintf(line, sizeof(line), "%s/ports", d);
		if ((f = fopen(line, "r")) == NULL || fscanf(f, "%d %d", &fx.nginx_port, &fx.nginx_https_port) != 2)
			return -1;
		fclose(f);
	}
	/* sshd is optional on a developer machine too */
	if (access("/usr/sbin/sshd", X_OK) == 0) {
		char sshd_code[sizeof(sshd_py)];
		char *argv_sshd[] = {py, o_c, sshd_code, d, fx.repos, NULL};

		memcpy(sshd_code, sshd_py, sizeof(sshd_py));
		snprintf(d, sizeof(d), "%s/sshd", fx.dir);
		mkdir(d, 0755);
		if ((fx.sshd_pid = pn_test_spawn(argv_sshd, d, &fx.ssh_v2_port)) <= 0)
			return -1;
		snprintf(line, sizeof(line), "%s/info", d);
		if ((f = fopen(line, "r")) == NULL || fscanf(f, "%d %d %1000s %1000s %1000s %1000s", &fx.ssh_v2_port,
		    &fx.ssh_v0_port, fx.ssh_key, fx.kh_v2, fx.kh_v0, fx.abs_repos) != 6)
			return -1;
		fclose(f);
	}
	snprintf(d, sizeof(d), "%s/canned", fx.dir);
	mkdir(d, 0755);
	if ((fx.canned_pid = pn_test_spawn(argv_canned, d, &fx.canned_port)) <= 0)
		return -1;
	memset(&opt, 0, sizeof(opt));
	snprintf(ca, sizeof(ca), "%s/pki/ca.crt", fx.dir);
	opt.ca_file = ca;
	if (pn_tls_config_new(&opt, &fx.tls) != NULL)
		return -1;
	if (fx.nginx_pid <= 0)
		return 0;
	snprintf(line, sizeof(line), "%s/nginx/ca", fx.dir);
	if (sh_line(ca, sizeof(ca), "cat %s", line) != 0)
		return -1;
	opt.ca_file = ca;
	return pn_tls_config_new(&opt, &fx.nginx_tls) == NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	pn_test_stop(fx.http_pid);
	pn_test_stop(fx.https_pid);
	pn_test_stop(fx.nginx_pid);
	pn_test_stop(fx.canned_pid);
	pn_test_stop(fx.sshd_pid);
	pn_tls_config_free(fx.tls);
	pn_tls_config_free(fx.nginx_tls);
	pn_test_rmtree(fx.dir);
	return 0;
}

static void
options(struct pn_upload_options *o, const char *url, const char *branch, const struct pn_tls_config *tls)
{
	memset(o, 0, sizeof(*o));
	o->url = url;
	o->branch = branch;
	o->tls = tls;
	o->deadline_ms = pn_clock_mono_ms() + IO_TIMEOUT_MS * (uint64_t)pn_test_slow();
}

static const struct pn_error *
to_file(void *ctx, const void *data, size_t len)
{
	if (fwrite(data, 1, len, ctx) != len)
		return pn_error_errno("write pack");
	return NULL;
}

/* Check a received pack with real git: index it into an empty repository, read the commit and its whole tree. */
static void
verify_pack(const char *pack, const char *oid_hex, const char *repo, size_t min_files)
{
	char chk[PN_TEST_PATH_MAX * 3], line[256], want[PN_OID_HEX_MAX];
	static int n;

	snprintf(chk, sizeof(chk), "%s/chk%d.git", fx.dir, ++n);
	assert_int_equal(sh("git init -q --bare %s && git -C %s index-pack --stdin <%s >/dev/null", chk, chk, pack), 0);
	assert_int_equal(sh_line(line, sizeof(line), "git -C %s cat-file -t %s", chk, oid_hex), 0);
	assert_string_equal(line, "commit");
	/* the snapshot is complete: every file of the tree can be read */
	assert_int_equal(sh_line(line, sizeof(line), "git -C %s ls-tree -r %s | wc -l", chk, oid_hex), 0);
	assert_true((size_t)strtoul(line, NULL, 10) >= min_files);
	assert_int_equal(sh("git -C %s archive %s >/dev/null", chk, oid_hex), 0);
	/* and it is what the server has on the branch */
	assert_int_equal(sh_line(want, sizeof(want), "git -C %s/%s.git rev-parse refs/heads/main", fx.repos, repo), 0);
	assert_string_equal(want, oid_hex);
}

/* ls-refs then fetch on one session; returns the session's connection count. */
static unsigned
ls_and_fetch(const struct pn_upload_options *o, const char *repo, size_t min_files, unsigned *shallow)
{
	struct pn_upload *u = NULL;
	struct pn_oid oid;
	char hex[PN_OID_HEX_MAX], pack[PN_TEST_PATH_MAX * 3];
	static int n;
	unsigned connects;
	FILE *f;

	snprintf(pack, sizeof(pack), "%s/received%d.pack", fx.dir, ++n);
	assert_ok(pn_upload_new(o, &u));
	assert_ok(pn_upload_ls_ref(u, &oid));
	pn_oid_to_hex(&oid, hex);
	assert_non_null(f = fopen(pack, "wb"));
	assert_ok(pn_upload_fetch(u, &oid, to_file, f));
	assert_int_equal(fclose(f), 0);
	assert_true(pn_upload_pack_bytes(u) > 32);
	verify_pack(pack, hex, repo, min_files);
	connects = pn_upload_connects(u);
	if (shallow != NULL)
		*shallow = pn_upload_shallow_count(u);
	pn_upload_free(u);
	return connects;
}

static void
test_http(void **state)
{
	struct pn_upload_options o;
	char url[256];
	unsigned shallow;

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/small.git", fx.http_port);
	options(&o, url, "main", NULL);
	/* one connection carried the advertisement, ls-refs and fetch */
	assert_int_equal(ls_and_fetch(&o, "small", 9, &shallow), 1);
	assert_int_equal(shallow, 1);
}

/* A repository of one commit (a trailing slash in the URL too): git reports even a root commit as shallow. */
static void
test_root_commit(void **state)
{
	struct pn_upload_options o;
	char url[256];
	unsigned shallow;

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/single.git/", fx.http_port);
	options(&o, url, "main", NULL);
	assert_int_equal(ls_and_fetch(&o, "single", 1, &shallow), 1);
	assert_int_equal(shallow, 1);
}

/* HTTPS with basic auth from the URL, by name; then from the caller's header, by IP literal. */
static void
test_https_basic_auth(void **state)
{
	struct pn_upload_options o;
	char url[256];

	(void)state;
	snprintf(url, sizeof(url), "https://" USER ":" PASSWORD "@localhost:%d/small.git", fx.https_port);
	options(&o, url, "main", fx.tls);
	assert_int_equal(ls_and_fetch(&o, "small", 9, NULL), 1);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/small.git", fx.https_port);
	options(&o, url, "main", fx.tls);
	o.auth_header = "Authorization: Basic YWdlbnQ6czNjcmV0LXB3"; /* agent:s3cret-pw */
	assert_int_equal(ls_and_fetch(&o, "small", 9, NULL), 1);
}

static void
test_wrong_and_missing_password(void **state)
{
	struct pn_upload_options o;
	struct pn_upload *u = NULL;
	struct pn_oid oid;
	const struct pn_error *err;
	char url[256], want[256];

	(void)state;
	snprintf(url, sizeof(url), "https://" USER ":WRONG-pw@localhost:%d/small.git", fx.https_port);
	options(&o, url, "main", fx.tls);
	assert_ok(pn_upload_new(&o, &u));
	err = pn_upload_ls_ref(u, &oid);
	snprintf(want, sizeof(want), "authentication failed for https://" USER ":***@localhost:%d/small.git "
	    "(HTTP 401)", fx.https_port);
	assert_error(err, PN_ERR_AUTH, want);
	assert_null(strstr(err->msg, "WRONG"));
	pn_upload_free(u);
	snprintf(url, sizeof(url), "https://localhost:%d/small.git", fx.https_port);
	options(&o, url, "main", fx.tls);
	assert_ok(pn_upload_new(&o, &u));
	assert_error(pn_upload_ls_ref(u, &oid), PN_ERR_AUTH, "authentication required for https://localhost:");
	pn_upload_free(u);
}

static void
test_unknown_branch_and_repository(void **state)
{
	struct pn_upload_options o;
	struct pn_upload *u = NULL;
	struct pn_oid oid;
	char url[256], want[320];

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/small.git", fx.http_port);
	options(&o, url, "nope", NULL);
	assert_ok(pn_upload_new(&o, &u));
	snprintf(want, sizeof(want), "branch \"nope\" not found in %s", url);
	assert_error(pn_upload_ls_ref(u, &oid), PN_ERR_NOT_FOUND, want);
	pn_upload_free(u);
	/* "mai" is a prefix of "main": ref-prefix matches it, pinion must not */
	options(&o, url, "mai", NULL);
	assert_ok(pn_upload_new(&o, &u));
	assert_error(pn_upload_ls_ref(u, &oid), PN_ERR_NOT_FOUND, "branch \"mai\" not found");
	pn_upload_free(u);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/missing.git", fx.http_port);
	options(&o, url, "main", NULL);
	assert_ok(pn_upload_new(&o, &u));
	assert_error(pn_upload_ls_ref(u, &oid), PN_ERR_NOT_FOUND, "repository not found: http://127.0.0.1:");
	pn_upload_free(u);
}

static void
test_server_down(void **state)
{
	struct pn_upload_options o;
	struct pn_upload *u = NULL;
	struct pn_oid oid;

	(void)state;
	options(&o, "http://127.0.0.1:1/small.git", "main", NULL);
	assert_ok(pn_upload_new(&o, &u));
	assert_error(pn_upload_ls_ref(u, &oid), PN_ERR_NET, "cannot connect to 127.0.0.1 port 1");
	pn_upload_free(u);
}

/* nginx + fcgiwrap: chunked answers, over HTTP and over HTTPS with basic auth under /auth. */
static void
test_nginx_chunked(void **state)
{
	struct pn_upload_options o;
	char url[256];

	(void)state;
	if (fx.nginx_pid <= 0)
		skip();
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/small.git", fx.nginx_port);
	options(&o, url, "main", NULL);
	assert_int_equal(ls_and_fetch(&o, "small", 9, NULL), 1);
	snprintf(url, sizeof(url), "https://" USER ":" PASSWORD "@localhost:%d/auth/small.git", fx.nginx_https_port);
	options(&o, url, "main", fx.nginx_tls);
	assert_int_equal(ls_and_fetch(&o, "small", 9, NULL), 1);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/small.git", fx.nginx_https_port);
	options(&o, url, "main", fx.nginx_tls);
	assert_int_equal(ls_and_fetch(&o, "small", 9, NULL), 1);
}

static void
test_nginx_wrong_password(void **state)
{
	struct pn_upload_options o;
	struct pn_upload *u = NULL;
	struct pn_oid oid;
	char url[256];

	(void)state;
	if (fx.nginx_pid <= 0)
		skip();
	snprintf(url, sizeof(url), "https://" USER ":nope@localhost:%d/auth/small.git", fx.nginx_https_port);
	options(&o, url, "main", fx.nginx_tls);
	assert_ok(pn_upload_new(&o, &u));
	assert_error(pn_upload_ls_ref(u, &oid), PN_ERR_AUTH, "authentication failed for https://" USER ":***@");
	pn_upload_free(u);
}

static void
test_sha256_refused(void **state)
{
	struct pn_upload_options o;
	struct pn_upload *u = NULL;
	struct pn_oid oid;
	char url[256];

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/sha256.git", fx.http_port);
	options(&o, url, "main", NULL);
	assert_ok(pn_upload_new(&o, &u));
	assert_error(pn_upload_ls_ref(u, &oid), PN_ERR_UNSUPPORTED, "SHA-256 repositories are not supported yet");
	pn_upload_free(u);
}

/* The server has no such object: it says so, and pinion quotes it. */
static void
test_unknown_want(void **state)
{
	struct pn_upload_options o;
	struct pn_upload *u = NULL;
	struct pn_oid oid;
	char url[256];
	FILE *f = tmpfile();

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/small.git", fx.http_port);
	options(&o, url, "main", NULL);
	assert_ok(pn_upload_new(&o, &u));
	assert_ok(pn_oid_from_hex("0123456789012345678901234567890123456789", 40, &oid));
	assert_error(pn_upload_fetch(u, &oid, to_file, f), PN_ERR_REJECTED, "the server reported an error: ");
	fclose(f);
	pn_upload_free(u);
}

/* The pack ceiling holds, and the sink's own error comes back as it was. */
static void
test_pack_ceiling_and_sink_error(void **state)
{
	struct pn_upload_options o;
	struct pn_upload *u = NULL;
	struct pn_oid oid;
	char url[256];
	FILE *f = tmpfile(), *ro = fopen("/dev/null", "r");

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/small.git", fx.http_port);
	options(&o, url, "main", NULL);
	o.pack_max = 100;
	assert_ok(pn_upload_new(&o, &u));
	assert_ok(pn_upload_ls_ref(u, &oid));
	assert_error(pn_upload_fetch(u, &oid, to_file, f), PN_ERR_TOO_LARGE, "pack data exceeds its limit of 100 bytes");
	/* the session goes on (on a new connection) after a failed fetch */
	assert_ok(pn_upload_ls_ref(u, &oid));
	assert_int_equal(pn_upload_connects(u), 2);
	pn_upload_free(u);
	options(&o, url, "main", NULL);
	assert_ok(pn_upload_new(&o, &u));
	assert_error(pn_upload_fetch(u, &oid, to_file, ro), PN_ERR_ERRNO, "write pack");
	fclose(f);
	fclose(ro);
	pn_upload_free(u);
}

/* ---- canned answers ------------------------------------------------------------------------------------- */

/* A URL on http_server.py whose GET .../info/refs answers `resp` verbatim (the /raw/<hex> behaviour). */
static void
canned_url(char *url, size_t len, const char *resp, size_t rlen)
{
	size_t n = (size_t)snprintf(url, len, "http://127.0.0.1:%d/raw/", fx.canned_port);

	for (size_t i = 0; i < rlen && n + 3 < len; i++)
		n += (size_t)snprintf(url + n, len - n, "%02x", (unsigned char)resp[i]);
	assert_true(n + 1 < len);
}

static const struct pn_error *
canned(const char *body, const char *ctype, const char *status, char *url, size_t ulen)
{
	char resp[2048];
	struct pn_upload_options o;
	struct pn_upload *u = NULL;
	struct pn_oid oid;
	const struct pn_error *err;
	int n;

	n = snprintf(resp, sizeof(resp), "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n%s", status,
	    ctype, strlen(body), body);
	canned_url(url, ulen, resp, (size_t)n);
	options(&o, url, "main", NULL);
	assert_ok(pn_upload_new(&o, &u));
	err = pn_upload_ls_ref(u, &oid);
	pn_upload_free(u);
	return err;
}

#define ADV "application/x-git-upload-pack-advertisement"

static void
test_canned_refusals(void **state)
{
	char url[4096];

	(void)state;
	/* v0 first lines that are not an advertisement pinion can use */
	assert_error(canned("001e# service=git-upload-pack\n0000"
	    "00321111111111111111111111111111111111111111 HEAD\n0000", ADV, "200 OK", url, sizeof(url)),
	    PN_ERR_PROTO, "unexpected first line \"1111111111111111111111111111111111111111 HEAD\"");
	assert_error(canned("000eversion 1\n0000", ADV, "200 OK", url, sizeof(url)), PN_ERR_PROTO,
	    "no refs after \"version 1\"");
	assert_error(canned("<html>hello</html>", "text/html", "200 OK", url, sizeof(url)), PN_ERR_PROTO,
	    "is not a Git smart-HTTP server (Content-Type text/html");
	assert_error(canned("oops", "text/plain", "502 Bad Gateway", url, sizeof(url)), PN_ERR_UNAVAILABLE,
	    "server error (HTTP 502: oops)");
	assert_error(canned("", "text/plain", "429 Too Many", url, sizeof(url)), PN_ERR_UNAVAILABLE, "HTTP 429");
	assert_error(canned("no", "text/plain", "403 Forbidden", url, sizeof(url)), PN_ERR_AUTH,
	    "access denied to http://127.0.0.1:");
	assert_error(canned("000eversion 2\n0012fetch=shallow\n0000", ADV, "200 OK", url, sizeof(url)),
	    PN_ERR_UNSUPPORTED, "does not offer the ls-refs command");
	assert_error(canned("000eversion 2\n000cls-refs\n0011fetch=filter\n0000", ADV, "200 OK", url, sizeof(url)),
	    PN_ERR_UNSUPPORTED, "does not offer shallow fetches");
	assert_error(canned("000eversion 2\n000cls-refs\n0012fetch=shallow\n0016object-format=md5\n0000", ADV,
	    "200 OK", url, sizeof(url)), PN_ERR_PROTO, "unexpected object format \"object-format=md5\"");
	assert_error(canned("0016ERR access denied\n", ADV, "200 OK", url, sizeof(url)), PN_ERR_REJECTED,
	    "the server reported an error: access denied");
	assert_error(canned("000eversion 2\n000cls-refs\n", ADV, "200 OK", url, sizeof(url)), PN_ERR_PROTO,
	    "capability advertisement answer ended early");
	assert_error(canned("000eversion 2\n000cls-re", ADV, "200 OK", url, sizeof(url)), PN_ERR_PARSE,
	    "truncated pkt-line");
	assert_error(canned("000eversion 2\n0003", ADV, "200 OK", url, sizeof(url)), PN_ERR_PARSE, "0003");
	assert_error(canned("000eversion 2\nffff", ADV, "200 OK", url, sizeof(url)), PN_ERR_PARSE,
	    "65535 exceeds 65520");
	assert_error(canned("000eversion 2\n000cls-refs\n0012fetch=shallow\n00000006no", ADV, "200 OK", url,
	    sizeof(url)), PN_ERR_PROTO, "data after the end of the response");
}

/* A redirect is not followed, and the error says where it points (without secrets). */
static void
test_redirect_named(void **state)
{
	char url[4096];

	(void)state;
	assert_error(canned("", "text/plain\r\nLocation: https://u:pw@elsewhere.test/new.git", "301 Moved", url,
	    sizeof(url)), PN_ERR_REJECTED, "redirects to https://u:***@elsewhere.test/new.git (HTTP 301)");
}

/* ---- malformed answers, read from memory (pn_upload_read_answer) ------------------------------------------ */

#define OID_A "1111111111111111111111111111111111111111"

struct answer_case {
	const char *name;
	enum pn_upload_answer kind;
	const char *in;
	enum pn_err_code code;	/* 0: success */
	const char *needle;
};

/* In `in`, a backquote stands for a NUL byte (the v0 advertisement's first line has one). */
#define NUL "`"
#define OID_B "2222222222222222222222222222222222222222"
/* A v0 advertisement's first line: "<oid> HEAD\0<caps>" (the pkt-line length included). */
#define V0_HEAD(len, caps) len OID_A " HEAD" NUL caps "\n"

static const struct answer_case answers[] = {
	{"caps: empty", PN_UPLOAD_ANSWER_CAPS, "", PN_ERR_PROTO, "capability advertisement answer ended early"},
	{"caps: flush first", PN_UPLOAD_ANSWER_CAPS, "0000", PN_ERR_PROTO, "capability advertisement: empty"},
	{"caps: service without flush", PN_UPLOAD_ANSWER_CAPS, "001e# service=git-upload-pack\n0001", PN_ERR_PROTO,
	    "no flush after the service line"},
	{"caps: receive-pack", PN_UPLOAD_ANSWER_CAPS, "001f# service=git-receive-pack\n", PN_ERR_PROTO,
	    "unexpected service line \"# service=git-receive-pack\""},
	{"caps: service then v2", PN_UPLOAD_ANSWER_CAPS, "001e# service=git-upload-pack\n0000000eversion 2\n"
	    "000cls-refs\n0012fetch=shallow\n0000", 0, NULL},
	{"caps: bare ERR", PN_UPLOAD_ANSWER_CAPS, "0008ERR\n", PN_ERR_REJECTED, "the server reported an error: "},
	{"caps: delimiter", PN_UPLOAD_ANSWER_CAPS, "000eversion 2\n0001", PN_ERR_PROTO, "unexpected delimiter"},
	{"caps: 0004 first", PN_UPLOAD_ANSWER_CAPS, "0004", PN_ERR_PROTO, "unexpected first line \"\""},
	{"ls-refs: found", PN_UPLOAD_ANSWER_LS_REFS, "003d" OID_A " refs/heads/main\n0000", 0, NULL},
	{"ls-refs: with attributes, then 0002", PN_UPLOAD_ANSWER_LS_REFS, "0052" OID_A " refs/heads/main "
	    "symref-target:refs/x\n00000002", 0, NULL},
	{"ls-refs: only a longer name", PN_UPLOAD_ANSWER_LS_REFS, "0041" OID_A " refs/heads/main-old\n0000",
	    PN_ERR_NOT_FOUND, "branch \"main\" not found in http://fuzz.invalid/r.git"},
	{"ls-refs: empty", PN_UPLOAD_ANSWER_LS_REFS, "0000", PN_ERR_NOT_FOUND, "branch \"main\" not found"},
	{"ls-refs: bare ERR", PN_UPLOAD_ANSWER_LS_REFS, "0008ERR\n", PN_ERR_REJECTED, "reported an error: "},
	{"ls-refs: ERR", PN_UPLOAD_ANSWER_LS_REFS, "0010ERR go away\n", PN_ERR_REJECTED, "reported an error: go away"},
	{"ls-refs: not a ref", PN_UPLOAD_ANSWER_LS_REFS, "000enot a ref\n0000", PN_ERR_PROTO,
	    "ls-refs: unexpected line \"not a ref\""},
	{"ls-refs: upper-case id", PN_UPLOAD_ANSWER_LS_REFS, "003dAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA "
	    "refs/heads/main\n0000", PN_ERR_PROTO, "unexpected line"},
	{"ls-refs: delimiter", PN_UPLOAD_ANSWER_LS_REFS, "0001", PN_ERR_PROTO, "ls-refs: unexpected delimiter"},
	{"ls-refs: no flush", PN_UPLOAD_ANSWER_LS_REFS, "003d" OID_A " refs/heads/main\n", PN_ERR_PROTO,
	    "ls-refs answer ended early"},
	{"ls-refs: data after flush", PN_UPLOAD_ANSWER_LS_REFS, "00000006xx", PN_ERR_PROTO, "data after the end"},
	{"ls-refs: 0003", PN_UPLOAD_ANSWER_LS_REFS, "0003", PN_ERR_PARSE, "invalid pkt-line length 0003"},
	{"ls-refs: ffff", PN_UPLOAD_ANSWER_LS_REFS, "ffff", PN_ERR_PARSE, "65535 exceeds 65520"},
	{"ls-refs: truncated", PN_UPLOAD_ANSWER_LS_REFS, "003d" OID_A, PN_ERR_PARSE, "truncated pkt-line"},
	{"fetch: shallow-info and pack", PN_UPLOAD_ANSWER_FETCH, "0011shallow-info\n0035shallow " OID_A "\n0001"
	    "000dpackfile\n0009\x01PACK0000", 0, NULL},
	{"fetch: acknowledgments tolerated", PN_UPLOAD_ANSWER_FETCH, "0014acknowledgments\n0008NAK\n0001"
	    "000dpackfile\n0009\x01PACK0000", 0, NULL},
	{"fetch: flush only", PN_UPLOAD_ANSWER_FETCH, "0000", PN_ERR_PROTO, "ended without a packfile section"},
	{"fetch: shallow-info then flush", PN_UPLOAD_ANSWER_FETCH, "0011shallow-info\n0000", PN_ERR_PROTO,
	    "ended without a packfile section"},
	{"fetch: empty packfile", PN_UPLOAD_ANSWER_FETCH, "000dpackfile\n0000", PN_ERR_PROTO,
	    "packfile section is empty"},
	{"fetch: wanted-refs not asked for", PN_UPLOAD_ANSWER_FETCH, "0010wanted-refs\n", PN_ERR_PROTO,
	    "unexpected section \"wanted-refs\""},
	{"fetch: bad acknowledgment", PN_UPLOAD_ANSWER_FETCH, "0014acknowledgments\n000abogus\n", PN_ERR_PROTO,
	    "unexpected acknowledgment \"bogus\""},
	{"fetch: bad shallow line", PN_UPLOAD_ANSWER_FETCH, "0011shallow-info\n0009junk\n", PN_ERR_PROTO,
	    "unexpected shallow-info line \"junk\""},
	{"fetch: ERR section", PN_UPLOAD_ANSWER_FETCH, "0023ERR upload-pack: not our ref x\n", PN_ERR_REJECTED,
	    "http://fuzz.invalid/r.git: the server reported an error: upload-pack: not our ref x"},
	{"fetch: band 3", PN_UPLOAD_ANSWER_FETCH, "000dpackfile\n0009\x01PACK001a\x03" "fatal: out of memory\n",
	    PN_ERR_REJECTED, "the server reported an error: fatal: out of memory"},
	{"fetch: bad band", PN_UPLOAD_ANSWER_FETCH, "000dpackfile\n0009\x04PACK0000", PN_ERR_PARSE, "bad band 4"},
	{"fetch: 0004 in the pack", PN_UPLOAD_ANSWER_FETCH, "000dpackfile\n0004", PN_ERR_PARSE,
	    "without a band byte"},
	{"fetch: delimiter in the pack", PN_UPLOAD_ANSWER_FETCH, "000dpackfile\n0009\x01PACK0001", PN_ERR_PROTO,
	    "unexpected delimiter in the pack stream"},
	{"fetch: 0002 before the pack", PN_UPLOAD_ANSWER_FETCH, "0002", PN_ERR_PROTO, "unexpected response end"},
	{"fetch: pack without flush", PN_UPLOAD_ANSWER_FETCH, "000dpackfile\n0009\x01PACK", PN_ERR_PROTO,
	    "fetch answer ended early"},
	{"fetch: truncated pack packet", PN_UPLOAD_ANSWER_FETCH, "000dpackfile\n0009\x01PA", PN_ERR_PARSE,
	    "after 3 of 5 payload bytes"},
	/* v0 and v1 ref advertisements */
	{"v0: HTTP advertisement, branch found", PN_UPLOAD_ANSWER_CAPS, "001e# service=git-upload-pack\n0000"
	    V0_HEAD("0074", "multi_ack_detailed side-band-64k shallow ofs-delta agent=git/2.39")
	    "003d" OID_A " refs/heads/main\n0000", 0, NULL},
	{"v0: SSH advertisement, branch found", PN_UPLOAD_ANSWER_CAPS, V0_HEAD("0048", "side-band-64k shallow")
	    "003d" OID_A " refs/heads/main\n0000", 0, NULL},
	{"v1: version 1 first", PN_UPLOAD_ANSWER_CAPS, "000eversion 1\n" V0_HEAD("0048", "side-band-64k shallow")
	    "003d" OID_A " refs/heads/main\n0000", 0, NULL},
	{"v0: only a longer name", PN_UPLOAD_ANSWER_CAPS, V0_HEAD("0048", "side-band-64k shallow")
	    "0041" OID_A " refs/heads/main-old\n0000", PN_ERR_NOT_FOUND, "branch \"main\" not found"},
	{"v0: empty repository", PN_UPLOAD_ANSWER_CAPS, "0053" "0000000000000000000000000000000000000000"
	    " capabilities^{}" NUL "side-band-64k shallow\n0000", PN_ERR_NOT_FOUND, "branch \"main\" not found"},
	{"v0: no shallow", PN_UPLOAD_ANSWER_CAPS, V0_HEAD("0040", "side-band-64k") "0000", PN_ERR_UNSUPPORTED,
	    "(protocol v0) does not offer shallow fetches"},
	{"v0: no side-band-64k", PN_UPLOAD_ANSWER_CAPS, V0_HEAD("0044", "side-band shallow") "0000",
	    PN_ERR_UNSUPPORTED, "does not offer side-band-64k"},
	{"v0: sha256", PN_UPLOAD_ANSWER_CAPS, V0_HEAD("005d", "side-band-64k shallow object-format=sha256")
	    "0000", PN_ERR_UNSUPPORTED, "SHA-256 repositories are not supported yet"},
	{"v0: md5", PN_UPLOAD_ANSWER_CAPS, V0_HEAD("005a", "side-band-64k shallow object-format=md5") "0000",
	    PN_ERR_PROTO, "unexpected object format \"object-format=md5\""},
	{"v0: first line without capabilities", PN_UPLOAD_ANSWER_CAPS, "0032" OID_A " HEAD\n0000", PN_ERR_PROTO,
	    "unexpected first line"},
	{"v0: bad ref line", PN_UPLOAD_ANSWER_CAPS, V0_HEAD("0048", "side-band-64k shallow") "0008junk0000",
	    PN_ERR_PROTO, "unexpected ref line \"junk\""},
	{"v0: ERR in the advertisement", PN_UPLOAD_ANSWER_CAPS, V0_HEAD("0048", "side-band-64k shallow")
	    "000cERR nope", PN_ERR_REJECTED, "the server reported an error: nope"},
	{"v0: delimiter", PN_UPLOAD_ANSWER_CAPS, V0_HEAD("0048", "side-band-64k shallow") "0001", PN_ERR_PROTO,
	    "unexpected delimiter"},
	{"v0: no flush", PN_UPLOAD_ANSWER_CAPS, V0_HEAD("0048", "side-band-64k shallow"), PN_ERR_PROTO,
	    "answer ended early"},
	{"v1: flush after version", PN_UPLOAD_ANSWER_CAPS, "000eversion 1\n0000", PN_ERR_PROTO,
	    "no refs after \"version 1\""},
	/* v0 fetch answers: shallow lines, flush, NAK, side-band pack, flush */
	{"v0 fetch: shallow, NAK, pack", PN_UPLOAD_ANSWER_V0_FETCH, "0035shallow " OID_A "\n00000008NAK\n"
	    "0009\x01PACK0000", 0, NULL},
	{"v0 fetch: ACK tolerated", PN_UPLOAD_ANSWER_V0_FETCH, "0000" "0031ACK " OID_A "\n0008NAK\n0009\x01PACK0000",
	    0, NULL},
	{"v0 fetch: pack without NAK", PN_UPLOAD_ANSWER_V0_FETCH, "00000009\x01PACK0000", PN_ERR_PROTO,
	    "unexpected acknowledgment \"\\x01PACK\""},
	{"v0 fetch: two flushes", PN_UPLOAD_ANSWER_V0_FETCH, "00000000", PN_ERR_PROTO,
	    "fetch: unexpected flush before the pack"},
	{"v0 fetch: ERR", PN_UPLOAD_ANSWER_V0_FETCH, "0023ERR upload-pack: not our ref x\n", PN_ERR_REJECTED,
	    "the server reported an error: upload-pack: not our ref x"},
	{"v0 fetch: bad shallow line", PN_UPLOAD_ANSWER_V0_FETCH, "0009junk\n", PN_ERR_PROTO,
	    "unexpected shallow-info line \"junk\""},
	{"v0 fetch: empty pack", PN_UPLOAD_ANSWER_V0_FETCH, "00000008NAK\n0000", PN_ERR_PROTO,
	    "packfile section is empty"},
	{"v0 fetch: 0001", PN_UPLOAD_ANSWER_V0_FETCH, "0001", PN_ERR_PROTO, "unexpected delimiter before the pack"},
	{"v0 fetch: 0002", PN_UPLOAD_ANSWER_V0_FETCH, "0002", PN_ERR_PROTO, "unexpected response end (0002)"},
	{"v0 fetch: 0003", PN_UPLOAD_ANSWER_V0_FETCH, "0003", PN_ERR_PARSE, "invalid pkt-line length 0003"},
	{"v0 fetch: 0004", PN_UPLOAD_ANSWER_V0_FETCH, "0004", PN_ERR_PROTO, "unexpected shallow-info line \"\""},
	{"v0 fetch: ffff", PN_UPLOAD_ANSWER_V0_FETCH, "ffff", PN_ERR_PARSE, "65535 exceeds 65520"},
	{"v0 fetch: truncated", PN_UPLOAD_ANSWER_V0_FETCH, "0035shallow " OID_A, PN_ERR_PARSE, "truncated pkt-line"},
	{"v0 fetch: ends before the pack", PN_UPLOAD_ANSWER_V0_FETCH, "0035shallow " OID_A "\n0000", PN_ERR_PROTO,
	    "fetch answer ended early"},
	{"v0 fetch: band 3", PN_UPLOAD_ANSWER_V0_FETCH, "00000008NAK\n001a\x03" "fatal: out of memory\n",
	    PN_ERR_REJECTED, "the server reported an error: fatal: out of memory"},
	/* v2 ls-refs with peel */
	{"ls-refs: peeled attribute", PN_UPLOAD_ANSWER_LS_REFS, "006d" OID_A " refs/heads/main peeled:" OID_B
	    "\n0000", 0, NULL},
	{"ls-refs: bad peeled attribute", PN_UPLOAD_ANSWER_LS_REFS, "0047" OID_A " refs/heads/main peeled:xx\n0000",
	    PN_ERR_PROTO, "unexpected peeled id \"peeled:xx\""},
};

static struct pn_upload *
offline_session(uint64_t pack_max)
{
	struct pn_upload_options o;
	struct pn_upload *u = NULL;

	options(&o, "http://fuzz.invalid/r.git", "main", NULL);
	o.pack_max = pack_max;
	assert_ok(pn_upload_new(&o, &u));
	return u;
}

static void
test_malformed_answers(void **state)
{
	struct pn_upload *u = offline_session(0);
	FILE *f = tmpfile();

	(void)state;
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		const struct answer_case *c = &answers[i];
		struct pn_oid oid;
		char in[4096];
		size_t n = strlen(c->in);
		const struct pn_error *err;

		assert_true(n < sizeof(in));
		for (size_t j = 0; j < n; j++)
			in[j] = c->in[j] == NUL[0] ? '\0' : c->in[j];
		err = pn_upload_read_answer(u, c->kind, in, n, &oid, to_file, f);

		if (c->code == 0 && err != NULL)
			fail_msg("%s: %s", c->name, err->msg);
		if (c->code != 0 && (err == NULL || err->code != c->code || strstr(err->msg, c->needle) == NULL))
			fail_msg("%s: expected %s \"%s\", got %s", c->name, pn_error_code_name(c->code), c->needle,
			    err != NULL ? err->msg : "success");
	}
	assert_int_equal(pn_upload_connects(u), 0); /* nothing went to the network */
	fclose(f);
	pn_upload_free(u);
}

/* Limits on answers: the ref count, the lines before the pack, the pack itself. */
static void
test_answer_limits(void **state)
{
	struct pn_upload *u = offline_session(8);
	struct pn_buf b;
	struct pn_oid oid;

	(void)state;
	pn_buf_init(&b, 4 * 1024 * 1024, "answer");
	for (int i = 0; i <= PN_UPLOAD_REFS_MAX; i++)
		assert_ok(pn_pkt_writef(&b, "%s refs/heads/main-%d\n", OID_A, i));
	assert_ok(pn_pkt_flush(&b));
	assert_error(pn_upload_read_answer(u, PN_UPLOAD_ANSWER_LS_REFS, b.data, b.len, &oid, NULL, NULL),
	    PN_ERR_TOO_LARGE, "more than 10000 refs");
	pn_buf_reset(&b);
	assert_ok(pn_pkt_writef(&b, "shallow-info\n"));
	for (int i = 0; i < PN_UPLOAD_SECTION_LINES_MAX; i++)
		assert_ok(pn_pkt_writef(&b, "shallow %s\n", OID_A));
	assert_error(pn_upload_read_answer(u, PN_UPLOAD_ANSWER_FETCH, b.data, b.len, NULL, NULL, NULL),
	    PN_ERR_TOO_LARGE, "more than 1000 lines before the pack");
	pn_buf_reset(&b);
	assert_ok(pn_pkt_writef(&b, "packfile\n"));
	assert_ok(pn_pkt_writef(&b, "\001PACK"));
	assert_ok(pn_pkt_writef(&b, "\001PACK2"));
	assert_ok(pn_pkt_flush(&b));
	assert_error(pn_upload_read_answer(u, PN_UPLOAD_ANSWER_FETCH, b.data, b.len, NULL, NULL, NULL),
	    PN_ERR_TOO_LARGE, "pack data exceeds its limit of 8 bytes");
	/* v2 capabilities keep their own ceiling inside the larger budget of a v0 advertisement */
	pn_buf_reset(&b);
	assert_ok(pn_pkt_writef(&b, "version 2\n"));
	for (int i = 0; i < PN_UPLOAD_CAPS_MAX / 32 + 1; i++)
		assert_ok(pn_pkt_writef(&b, "agent=%026d\n", i));
	assert_ok(pn_pkt_flush(&b));
	assert_error(pn_upload_read_answer(u, PN_UPLOAD_ANSWER_CAPS, b.data, b.len, NULL, NULL, NULL),
	    PN_ERR_TOO_LARGE, "capability advertisement: more than 65536 bytes");
	/* the found id comes back */
	pn_buf_reset(&b);
	assert_ok(pn_pkt_writef(&b, "%s refs/heads/main\n", OID_A));
	assert_ok(pn_pkt_flush(&b));
	memset(&oid, 0, sizeof(oid));
	assert_ok(pn_upload_read_answer(u, PN_UPLOAD_ANSWER_LS_REFS, b.data, b.len, &oid, NULL, NULL));
	assert_int_equal(oid.len, PN_OID_SHA1_LEN);
	assert_int_equal(oid.b[0], 0x11);
	pn_buf_release(&b);
	pn_upload_free(u);
}

/* The session's ref is an annotated tag: its peeled id is the answer, in v2 (peeled:) and v0 (^{} line). */
static void
test_peeled_tags(void **state)
{
	struct pn_upload_options o;
	struct pn_upload *u = NULL;
	struct pn_buf b;
	struct pn_oid oid;

	(void)state;
	options(&o, "http://fuzz.invalid/r.git", NULL, NULL);
	o.ref = "refs/tags/v1";
	assert_ok(pn_upload_new(&o, &u));
	pn_buf_init(&b, 4096, "answer");
	assert_ok(pn_pkt_writef(&b, "%s refs/tags/v1 peeled:%s\n", OID_A, OID_B));
	assert_ok(pn_pkt_flush(&b));
	assert_ok(pn_upload_read_answer(u, PN_UPLOAD_ANSWER_LS_REFS, b.data, b.len, &oid, NULL, NULL));
	assert_int_equal(oid.b[0], 0x22);
	/* v0: the tag, then its peeled line */
	pn_buf_reset(&b);
	assert_ok(pn_pkt_writef(&b, "%s HEAD%cside-band-64k shallow\n", OID_A, 0));
	assert_ok(pn_pkt_writef(&b, "%s refs/tags/v1\n", OID_A));
	assert_ok(pn_pkt_writef(&b, "%s refs/tags/v1^{}\n", OID_B));
	assert_ok(pn_pkt_writef(&b, "%s refs/tags/v10\n", OID_A));
	assert_ok(pn_pkt_flush(&b));
	memset(&oid, 0, sizeof(oid));
	assert_ok(pn_upload_read_answer(u, PN_UPLOAD_ANSWER_CAPS, b.data, b.len, &oid, NULL, NULL));
	assert_int_equal(oid.b[0], 0x22);
	/* a lightweight tag is its own id */
	pn_buf_reset(&b);
	assert_ok(pn_pkt_writef(&b, "%s refs/tags/v1\n", OID_A));
	assert_ok(pn_pkt_flush(&b));
	assert_ok(pn_upload_read_answer(u, PN_UPLOAD_ANSWER_LS_REFS, b.data, b.len, &oid, NULL, NULL));
	assert_int_equal(oid.b[0], 0x11);
	pn_buf_reset(&b);
	assert_ok(pn_pkt_writef(&b, "%s refs/tags/v2\n", OID_A));
	assert_ok(pn_pkt_flush(&b));
	assert_error(pn_upload_read_answer(u, PN_UPLOAD_ANSWER_LS_REFS, b.data, b.len, &oid, NULL, NULL),
	    PN_ERR_NOT_FOUND, "ref \"refs/tags/v1\" not found in http://fuzz.invalid/r.git");
	pn_buf_release(&b);
	pn_upload_free(u);
}

/* Protocol v0 against real git: http-backend without Git-Protocol (force_v0) speaks v0; one keep-alive
 * connection carries the advertisement and the single fetch POST. */
static void
test_v0_http(void **state)
{
	struct pn_upload_options o;
	struct pn_upload *u = NULL;
	struct pn_oid oid;
	char url[256];
	unsigned shallow;

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/small.git", fx.http_port);
	options(&o, url, "main", NULL);
	o.force_v0 = 1;
	assert_int_equal(ls_and_fetch(&o, "small", 9, &shallow), 1);
	assert_int_equal(shallow, 1);
	/* the version is what the server spoke */
	assert_ok(pn_upload_new(&o, &u));
	assert_ok(pn_upload_ls_ref(u, &oid));
	assert_int_equal(pn_upload_version(u), 0);
	/* a second lookup reads a new advertisement */
	assert_ok(pn_upload_ls_ref(u, &oid));
	pn_upload_free(u);
	o.force_v0 = 0;
	assert_ok(pn_upload_new(&o, &u));
	assert_ok(pn_upload_ls_ref(u, &oid));
	assert_int_equal(pn_upload_version(u), 2);
	pn_upload_free(u);
	/* unknown branch, unknown want in v0 */
	options(&o, url, "nope", NULL);
	o.force_v0 = 1;
	assert_ok(pn_upload_new(&o, &u));
	assert_error(pn_upload_ls_ref(u, &oid), PN_ERR_NOT_FOUND, "branch \"nope\" not found");
	assert_ok(pn_oid_from_hex("0123456789012345678901234567890123456789", 40, &oid));
	assert_error(pn_upload_fetch(u, &oid, NULL, NULL), PN_ERR_REJECTED, "the server reported an error: ");
	pn_upload_free(u);
	/* nginx + fcgiwrap: chunked v0 answers */
	if (fx.nginx_pid <= 0)
		return;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/small.git", fx.nginx_port);
	options(&o, url, "main", NULL);
	o.force_v0 = 1;
	assert_int_equal(ls_and_fetch(&o, "small", 9, NULL), 1);
}

/* Over SSH: one session lists and fetches twice; v2 keeps its channel, v0 starts a new conversation after each
 * pack; force_v0 makes the v2 server speak v0. Each pack is checked by real git. */
static void
ssh_session(int port, const char *kh, int force_v0, int version)
{
	struct pn_upload_options o;
	struct pn_upload *u = NULL;
	struct pn_oid oid;
	char url[PN_TEST_PATH_MAX * 3], hex[PN_OID_HEX_MAX], pack[PN_TEST_PATH_MAX * 3];
	static int n;

	snprintf(url, sizeof(url), "ssh://root@127.0.0.1:%d%s/small.git", port, fx.abs_repos);
	options(&o, url, "main", NULL);
	o.private_key_file = fx.ssh_key;
	o.known_hosts_file = kh;
	o.force_v0 = force_v0;
	assert_ok(pn_upload_new(&o, &u));
	for (int round = 0; round < 2; round++) {
		FILE *f;

		snprintf(pack, sizeof(pack), "%s/ssh%d.pack", fx.dir, ++n);
		assert_ok(pn_upload_ls_ref(u, &oid));
		assert_int_equal(pn_upload_version(u), version);
		assert_non_null(f = fopen(pack, "wb"));
		assert_ok(pn_upload_fetch(u, &oid, to_file, f));
		assert_int_equal(fclose(f), 0);
		assert_int_equal(pn_upload_shallow_count(u), 1);
		verify_pack(pack, pn_oid_to_hex(&oid, hex), "small", 9);
	}
	/* the sink's error mid-pack leaves the channel unusable: the next command reconnects */
	{
		FILE *ro = fopen("/dev/null", "r");

		assert_non_null(ro);
		assert_error(pn_upload_fetch(u, &oid, to_file, ro), PN_ERR_ERRNO, "write pack");
		fclose(ro);
	}
	assert_ok(pn_upload_ls_ref(u, &oid));
	assert_int_equal(pn_upload_connects(u), 0);	/* no HTTP connection */
	pn_upload_free(u);
}

static void
test_ssh(void **state)
{
	(void)state;
	if (fx.sshd_pid <= 0)
		skip();
	ssh_session(fx.ssh_v2_port, fx.kh_v2, 0, 2);
	ssh_session(fx.ssh_v0_port, fx.kh_v0, 0, 0);
	ssh_session(fx.ssh_v2_port, fx.kh_v2, 1, 0);
}

/* Over SSH a missing repository is named from git's stderr; an unknown want is the server's error. */
static void
test_ssh_refusals(void **state)
{
	struct pn_upload_options o;
	struct pn_upload *u = NULL;
	struct pn_oid oid;
	char url[PN_TEST_PATH_MAX * 3];

	(void)state;
	if (fx.sshd_pid <= 0)
		skip();
	snprintf(url, sizeof(url), "ssh://root@127.0.0.1:%d%s/missing.git", fx.ssh_v2_port, fx.abs_repos);
	options(&o, url, "main", NULL);
	o.private_key_file = fx.ssh_key;
	o.known_hosts_file = fx.kh_v2;
	assert_ok(pn_upload_new(&o, &u));
	assert_error(pn_upload_ls_ref(u, &oid), PN_ERR_NOT_FOUND, "repository not found: ssh://root@127.0.0.1:");
	pn_upload_free(u);
	snprintf(url, sizeof(url), "ssh://root@127.0.0.1:%d%s/small.git", fx.ssh_v0_port, fx.abs_repos);
	options(&o, url, "main", NULL);
	o.private_key_file = fx.ssh_key;
	o.known_hosts_file = fx.kh_v0;
	assert_ok(pn_upload_new(&o, &u));
	assert_ok(pn_oid_from_hex("0123456789012345678901234567890123456789", 40, &oid));
	assert_error(pn_upload_fetch(u, &oid, NULL, NULL), PN_ERR_REJECTED, "not our ref");
	pn_upload_free(u);
}

static void
test_bad_options(void **state)
{
	struct pn_upload_options o;
	struct pn_upload *u = NULL;

	(void)state;
	options(&o, "http://h/r.git", "ma..in", NULL);
	assert_error(pn_upload_new(&o, &u), PN_ERR_USAGE, "bad branch name");
	options(&o, "http://h/r.git", "main\nx", NULL);
	assert_error(pn_upload_new(&o, &u), PN_ERR_USAGE, "bad branch name");
	options(&o, "git@github.com:o/r.git", "main", NULL);
	assert_error(pn_upload_new(&o, &u), PN_ERR_USAGE, "git@github.com:o/r.git: an SSH URL needs a private key file");
	o.private_key_file = "/k";
	assert_error(pn_upload_new(&o, &u), PN_ERR_USAGE, "an SSH URL needs a known_hosts file");
	options(&o, "ssh://git:pw@h/r.git", "main", NULL);
	o.private_key_file = "/k";
	o.known_hosts_file = "/kh";
	assert_error(pn_upload_new(&o, &u), PN_ERR_USAGE, "ssh://git:***@h/r.git: SSH URLs carry no password");
	/* a session over SSH connects only when asked to */
	options(&o, "git@github.com:o/r.git", "main", NULL);
	o.private_key_file = "/k";
	o.known_hosts_file = "/kh";
	assert_ok(pn_upload_new(&o, &u));
	pn_upload_free(u);
	u = NULL;
	options(&o, "http://h/r.git", NULL, NULL);
	o.ref = "heads/main";
	assert_error(pn_upload_new(&o, &u), PN_ERR_USAGE, "bad ref name \"heads/main\" (a full name: refs/...)");
	options(&o, "http://h/r.git", "main", NULL);
	o.ref = "refs/heads/main";
	assert_error(pn_upload_new(&o, &u), PN_ERR_USAGE, "a branch or a ref, not both");
	options(&o, "https://u:secret@h/r.git", "main", NULL);
	assert_error(pn_upload_new(&o, &u), PN_ERR_USAGE, "https://u:***@h/r.git: HTTP: https://h needs a TLS");
	options(&o, "http://h/r.git", "main", NULL);
	o.auth_header = "Bearer x";
	assert_error(pn_upload_new(&o, &u), PN_ERR_USAGE, "one \"Authorization: ...\" line");
	assert_null(u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_root_commit),
		cmocka_unit_test(test_https_basic_auth),
		cmocka_unit_test(test_wrong_and_missing_password),
		cmocka_unit_test(test_unknown_branch_and_repository),
		cmocka_unit_test(test_server_down),
		cmocka_unit_test(test_nginx_chunked),
		cmocka_unit_test(test_nginx_wrong_password),
		cmocka_unit_test(test_sha256_refused),
		cmocka_unit_test(test_unknown_want),
		cmocka_unit_test(test_pack_ceiling_and_sink_error),
		cmocka_unit_test(test_canned_refusals),
		cmocka_unit_test(test_redirect_named),
		cmocka_unit_test(test_malformed_answers),
		cmocka_unit_test(test_answer_limits),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_peeled_tags),
		cmocka_unit_test(test_v0_http),
		cmocka_unit_test(test_ssh),
		cmocka_unit_test(test_ssh_refusals),
	};
	return cmocka_run_group_tests_name("upload", tests, setup, teardown);
}
