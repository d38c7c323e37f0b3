/*
 * Git over SSH against real OpenSSH servers with git-shell (tests/lib/sshd_fixture.py): every user key type and
 * format without its .pub file, protocol v2 through GIT_PROTOCOL and the v0 fallback without AcceptEnv, host
 * keys verified against known_hosts (plain, hashed, rsa only, an ed25519 + rsa server), and the refusals:
 * unknown host, changed key, revoked key, ed25519-only known_hosts, wrong user key, a server that never speaks.
 */
#include "pn_test.h"
#include "peer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "../../agent/core/log.h"
#include "../../agent/source/ssh.h"
#include "../../platform/clock.h"

/* A whole exchange with sshd and git-shell takes well under a second natively; qemu and sanitizers scale it. */
#define IO_TIMEOUT_MS 30000
#define INFO_MAX 64
#define PKT_MAX 65520

struct fixture {
	char dir[PN_TEST_PATH_MAX];
	pid_t pid;
	char keys[INFO_MAX][2][PN_TEST_PATH_MAX];	/* name, value */
	int nkeys;
};

static struct fixture fx;

static const char *
info(const char *key)
{
	for (int i = 0; i < fx.nkeys; i++)
		if (strcmp(fx.keys[i][0], key) == 0)
			return fx.keys[i][1];
	fail_msg("no %s in the fixture's info", key);
	return "";
}

/* The fixture makes a repository, 15 keys and 3 servers (~10 s natively): its start may take three times what
 * peer.h allows one server. PN_TEST_SLOW is what pn_test_spawn scales by. */
static pid_t
spawn_fixture(char *const argv[], const char *dir, int *port)
{
	char old[32], scaled[32];
	pid_t pid;

	snprintf(old, sizeof(old), "%ld", pn_test_slow());
	snprintf(scaled, sizeof(scaled), "%ld", pn_test_slow() * 3);
	setenv("PN_TEST_SLOW", scaled, 1);
	pid = pn_test_spawn(argv, dir, port);
	setenv("PN_TEST_SLOW", old, 1);
	return pid;
}

static int
setup(void **state)
{
	char py[] = "python3", script[] = "tests/lib/sshd_fixture.py", o_dir[] = "--dir", path[PN_TEST_PATH_MAX + 8];
	char *argv[] = {py, script, o_dir, fx.dir, NULL};
	char line[PN_TEST_PATH_MAX * 2];
	FILE *f;
	int port;

	(void)state;
	if (pn_test_tmpdir("ssh", fx.dir, sizeof(fx.dir)) != 0)
		return -1;
	fx.pid = spawn_fixture(argv, fx.dir, &port);
	if (fx.pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "%s/info", fx.dir);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fx.nkeys < INFO_MAX && fgets(line, sizeof(line), f) != NULL) {
		char *sp = strchr(line, ' ');

		if (sp == NULL)
			continue;
		*sp = '\0';
		sp[strcspn(sp + 1, "\n") + 1] = '\0';
		snprintf(fx.keys[fx.nkeys][0], PN_TEST_PATH_MAX, "%.*s", PN_TEST_PATH_MAX - 1, line);
		snprintf(fx.keys[fx.nkeys][1], PN_TEST_PATH_MAX, "%.*s", PN_TEST_PATH_MAX - 1, sp + 1);
		fx.nkeys++;
	}
	fclose(f);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	pn_test_stop(fx.pid);
	pn_test_rmtree(fx.dir);
	return 0;
}

static uint64_t
deadline(void)
{
	return pn_clock_mono_ms() + IO_TIMEOUT_MS * (uint64_t)pn_test_slow();
}

struct conn {
	const char *server;	/* main, v0, edrsa */
	const char *key;	/* file in keys/ */
	const char *kh;		/* file in kh/ */
};

static const struct pn_error *
connect_to(const struct conn *c, struct pn_ssh **s)
{
	char port_key[32], key[PN_TEST_PATH_MAX * 2], kh[PN_TEST_PATH_MAX * 2];
	struct pn_ssh_options opt;

	snprintf(port_key, sizeof(port_key), "port_%s", c->server);
	snprintf(key, sizeof(key), "%s/keys/%s", fx.dir, c->key);
	snprintf(kh, sizeof(kh), "%s/kh/%s", fx.dir, c->kh);
	memset(&opt, 0, sizeof(opt));
	opt.host = "127.0.0.1";
	opt.port = info(port_key);
	opt.user = "root";
	opt.private_key_file = key;
	opt.known_hosts_file = kh;
	opt.deadline_ms = deadline();
	return pn_ssh_connect(&opt, s);
}

/* Read exactly len bytes. */
static void
read_exact(struct pn_ssh *s, char *buf, size_t len)
{
	size_t got = 0, n;

	while (got < len) {
		assert_ok(pn_ssh_read(s, buf + got, len - got, deadline(), &n));
		if (n == 0)
			fail_msg("end of stream after %zu of %zu bytes; stderr: %s", got, len, pn_ssh_stderr(s));
		got += n;
	}
}

/* One pkt-line into buf (NUL-terminated payload); returns the payload length, or -1 for a flush. */
static int
read_pkt(struct pn_ssh *s, char *buf, size_t cap)
{
	char hdr[5] = {0};
	unsigned len;

	read_exact(s, hdr, 4);
	assert_int_equal(sscanf(hdr, "%4x", &len), 1);
	if (len == 0)
		return -1;
	assert_true(len >= 4 && len - 4 < cap);
	read_exact(s, buf, len - 4);
	buf[len - 4] = '\0';
	return (int)(len - 4);
}

static void
exec_upload_pack(struct pn_ssh *s, const char *git_protocol)
{
	char cmd[PN_TEST_PATH_MAX * 2];

	snprintf(cmd, sizeof(cmd), "git-upload-pack '%s/small.git'", info("repos"));
	assert_ok(pn_ssh_exec(s, cmd, git_protocol));
}

/* The v2 capability advertisement, to its flush. */
static void
expect_v2(struct pn_ssh *s)
{
	static char pkt[PKT_MAX];
	int n, lines = 0;

	assert_int_equal(read_pkt(s, pkt, sizeof(pkt)), 10);
	assert_string_equal(pkt, "version 2\n");
	while ((n = read_pkt(s, pkt, sizeof(pkt))) >= 0)
		lines++;
	assert_true(lines >= 3);	/* agent, ls-refs, fetch, ... */
}

/* Every client key type and format, the .pub files out of reach: connect, v2, the advertisement. */
static void
test_v2_every_key(void **state)
{
	static const char *const keys[] = {
		"client_ed25519_openssh", "client_ed25519_pkcs8",
		"client_ecdsa_p256_openssh", "client_ecdsa_p256_pkcs8", "client_ecdsa_p256_pem",
		"client_ecdsa_p384_openssh", "client_ecdsa_p384_pkcs8", "client_ecdsa_p384_pem",
		"client_ecdsa_p521_openssh",
		"client_rsa_openssh", "client_rsa_pkcs8", "client_rsa_pem",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		struct conn c = {"main", keys[i], "main_all"};
		struct pn_ssh *s = NULL;

		print_message("# %s\n", keys[i]);
		assert_ok(connect_to(&c, &s));
		exec_upload_pack(s, "version=2");
		expect_v2(s);
		pn_ssh_free(s);
	}
}

/* Without AcceptEnv the server refuses GIT_PROTOCOL (not an error) and speaks v0: "<oid> HEAD\0caps". */
static void
test_v0_without_acceptenv(void **state)
{
	static char pkt[PKT_MAX];
	struct conn c = {"v0", "client_ecdsa_p256_openssh", "v0_all"};
	struct pn_ssh *s = NULL;
	int n;

	(void)state;
	assert_ok(connect_to(&c, &s));
	exec_upload_pack(s, "version=2");
	n = read_pkt(s, pkt, sizeof(pkt));
	assert_true(n > 46);
	assert_int_equal(strspn(pkt, "0123456789abcdef"), 40);
	assert_memory_equal(pkt + 40, " HEAD\0", 6);
	assert_non_null(memmem(pkt, (size_t)n, "symref=HEAD:refs/heads/main", 27));
	pn_ssh_free(s);
}

/* v2 over one channel: the advertisement, then ls-refs written and answered (write_all, read). */
static void
test_ls_refs_roundtrip(void **state)
{
	static const char req[] = "0014command=ls-refs\n0016agent=pinion/test\n00010009peel\n000csymrefs\n0000";
	static char pkt[PKT_MAX];
	struct conn c = {"main", "client_ed25519_openssh", "main_all"};
	struct pn_ssh *s = NULL;
	int n, heads = 0;

	(void)state;
	assert_ok(connect_to(&c, &s));
	exec_upload_pack(s, "version=2");
	expect_v2(s);
	assert_ok(pn_ssh_write_all(s, req, sizeof(req) - 1, deadline()));
	while ((n = read_pkt(s, pkt, sizeof(pkt))) >= 0)
		if (strstr(pkt, " refs/heads/main") != NULL)
			heads++;
	assert_int_equal(heads, 1);
	assert_string_equal(pn_ssh_stderr(s), "");
	pn_ssh_free(s);
}

/* known_hosts variants that verify: rsa only (libssh2 steered to rsa-sha2 although the server would pick
 * ecdsa), ecdsa only, hashed, and the ed25519 + rsa server through its rsa key. */
static void
test_host_keys_accepted(void **state)
{
	static const struct conn t[] = {
		{"main", "client_ecdsa_p384_pkcs8", "main_rsa"},
		{"main", "client_ecdsa_p384_pkcs8", "main_ecdsa"},
		{"main", "client_ecdsa_p384_pkcs8", "main_hashed"},
		{"edrsa", "client_ed25519_openssh", "edrsa_all"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct pn_ssh *s = NULL;

		print_message("# %s with %s\n", t[i].server, t[i].kh);
		assert_ok(connect_to(&t[i], &s));
		exec_upload_pack(s, "version=2");
		expect_v2(s);
		pn_ssh_free(s);
	}
}

/* Connect and close with debug logging and stderr into a file; the file's text into out. */
static void
capture_log(const struct conn *c, char *out, size_t cap)
{
	char path[PN_TEST_PATH_MAX + 16];
	struct pn_ssh *s = NULL;
	int saved, fd;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/log.capture", fx.dir);
	fflush(stderr);
	assert_true((saved = dup(2)) >= 0);
	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0);
	dup2(fd, 2);
	close(fd);
	pn_log_set_level(PN_LOG_DEBUG);
	assert_ok(connect_to(c, &s));
	pn_ssh_free(s);
	pn_log_set_level(PN_LOG_INFO);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_non_null(f = fopen(path, "r"));
	n = fread(out, 1, cap - 1, f);
	out[n] = '\0';
	fclose(f);
}

/* The host key type is steered by known_hosts: rsa lines only means rsa-sha2-512 although the server (and
 * libssh2's default order) would pick ecdsa; @cert-authority lines get a notice. */
static void
test_negotiated_host_key(void **state)
{
	char log[4096], kh[PN_TEST_PATH_MAX * 2], expect[PN_TEST_PATH_MAX * 4];
	struct conn rsa = {"main", "client_ed25519_openssh", "main_rsa"};
	struct conn ecdsa = {"main", "client_ed25519_openssh", "main_ecdsa"};
	struct conn ca = {"main", "client_ed25519_openssh", "main_ca"};
	FILE *f;

	(void)state;
	capture_log(&rsa, log, sizeof(log));
	snprintf(expect, sizeof(expect), "host key rsa-sha2-512 %s", info("fp_main_rsa"));
	if (strstr(log, expect) == NULL)
		fail_msg("no \"%s\" in the log: %s", expect, log);
	capture_log(&ecdsa, log, sizeof(log));
	snprintf(expect, sizeof(expect), "host key ecdsa-sha2-nistp256 %s", info("fp_main_ecdsa"));
	if (strstr(log, expect) == NULL)
		fail_msg("no \"%s\" in the log: %s", expect, log);
	/* a @cert-authority line for the host besides the plain ones */
	snprintf(kh, sizeof(kh), "%s/kh/main_ca", fx.dir);
	assert_non_null(f = fopen(kh, "w"));
	fprintf(f, "@cert-authority [127.0.0.1]:* ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIRVeCD41v70ssoLGn4a/5VtxgrJZolP8OzCrA4/EzLx\n");
	fclose(f);
	snprintf(expect, sizeof(expect), "cat %s/kh/main_ecdsa >> %s", fx.dir, kh);
	assert_int_equal(system(expect), 0);
	capture_log(&ca, log, sizeof(log));
	if (strstr(log, "main_ca line 1: @cert-authority lines for [127.0.0.1]:") == NULL)
		fail_msg("no @cert-authority notice in the log: %s", log);
}

static void
test_host_keys_refused(void **state)
{
	struct {
		struct conn c;
		enum pn_err_code code;
		const char *needle, *needle2;
	} t[] = {
		{{"main", "client_ed25519_openssh", "empty"}, PN_ERR_AUTH, "unknown host [127.0.0.1]:", NULL},
		{{"main", "client_ed25519_openssh", "main_noport"}, PN_ERR_AUTH, "unknown host [127.0.0.1]:", NULL},
		{{"main", "client_ed25519_openssh", "main_changed"}, PN_ERR_AUTH, "HOST KEY MISMATCH for [127.0.0.1]:",
		    NULL},
		{{"main", "client_ed25519_openssh", "main_revoked"}, PN_ERR_AUTH, "is marked @revoked", NULL},
		{{"main", "client_ed25519_openssh", "main_ed25519"}, PN_ERR_UNSUPPORTED,
		    "lists only ssh-ed25519 host keys for [127.0.0.1]:", "`ssh-keyscan -t ecdsa,rsa -p "},
		{{"edrsa", "client_ed25519_openssh", "edrsa_ed25519"}, PN_ERR_UNSUPPORTED,
		    "pinion (libssh2 on mbedTLS) can verify only ecdsa and rsa host keys", NULL},
		{{"edrsa", "client_ed25519_openssh", "edrsa_ecdsa"}, PN_ERR_PROTO, "key exchange failed",
		    "offered the host key types ecdsa-sha2-nistp256"},
	};
	char fp[PN_TEST_PATH_MAX + 64];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct pn_ssh *s = (struct pn_ssh *)&s;
		const struct pn_error *err;

		print_message("# %s with %s\n", t[i].c.server, t[i].c.kh);
		err = connect_to(&t[i].c, &s);
		assert_null(s);
		assert_error(err, t[i].code, t[i].needle);
		if (t[i].needle2 != NULL)
			assert_error(err, t[i].code, t[i].needle2);
		print_message("#   %s\n", err->msg);
		if (t[i].code == PN_ERR_AUTH) {
			/* the key the server offered, as ssh-keygen -lf prints it */
			snprintf(fp, sizeof(fp), "ecdsa-sha2-nistp256 %s", info("fp_main_ecdsa"));
			assert_error(err, PN_ERR_AUTH, fp);
		}
	}
}

static void
test_changed_key_names_both(void **state)
{
	struct conn c = {"main", "client_ed25519_openssh", "main_changed"};
	struct pn_ssh *s = NULL;
	const struct pn_error *err;

	(void)state;
	err = connect_to(&c, &s);
	assert_error(err, PN_ERR_AUTH, info("fp_main_ecdsa"));
	assert_error(err, PN_ERR_AUTH, info("fp_other_ecdsa"));
	assert_error(err, PN_ERR_AUTH, "(line 1)");
}

static void
test_wrong_user_key(void **state)
{
	struct conn c = {"main", "unauthorized", "main_all"};
	struct pn_ssh *s = NULL;
	const struct pn_error *err;

	(void)state;
	err = connect_to(&c, &s);
	assert_null(s);
	assert_error(err, PN_ERR_AUTH, "the server refused the ssh-ed25519 key SHA256:");
	assert_error(err, PN_ERR_AUTH, "keys/unauthorized for user \"root\"");
}

/* A bad repository path: git-shell/upload-pack say why on stderr and end the stream. */
static void
test_bad_repository(void **state)
{
	struct conn c = {"main", "client_ecdsa_p256_pem", "main_all"};
	struct pn_ssh *s = NULL;
	char buf[256];
	size_t n = 1;

	(void)state;
	assert_ok(connect_to(&c, &s));
	assert_ok(pn_ssh_exec(s, "git-upload-pack '/nonexistent/repo.git'", "version=2"));
	assert_ok(pn_ssh_read(s, buf, sizeof(buf), deadline(), &n));
	assert_int_equal(n, 0);
	assert_non_null(strstr(pn_ssh_stderr(s), "does not appear to be a git repository"));
	pn_ssh_free(s);
}

/* Configuration errors come before any network traffic (port 1 would refuse). */
static void
test_missing_files(void **state)
{
	struct pn_ssh_options opt;
	struct pn_ssh *s = NULL;
	char key[PN_TEST_PATH_MAX * 2], kh[PN_TEST_PATH_MAX * 2];

	(void)state;
	snprintf(key, sizeof(key), "%s/keys/client_rsa_pem", fx.dir);
	snprintf(kh, sizeof(kh), "%s/kh/main_all", fx.dir);
	memset(&opt, 0, sizeof(opt));
	opt.host = "127.0.0.1";
	opt.port = "1";
	opt.private_key_file = key;
	opt.known_hosts_file = "/nonexistent/known_hosts";
	opt.deadline_ms = deadline();
	assert_error(pn_ssh_connect(&opt, &s), PN_ERR_ERRNO, "open known_hosts /nonexistent/known_hosts");
	opt.known_hosts_file = kh;
	opt.private_key_file = "/nonexistent/id_ed25519";
	assert_error(pn_ssh_connect(&opt, &s), PN_ERR_ERRNO, "open private key /nonexistent/id_ed25519");
	opt.private_key_file = key;
	opt.known_hosts_file = NULL;
	assert_error(pn_ssh_connect(&opt, &s), PN_ERR_USAGE, "host key verification cannot be turned off");
	opt.known_hosts_file = kh;
	assert_error(pn_ssh_connect(&opt, &s), PN_ERR_NET, "cannot connect to 127.0.0.1 port 1");
	assert_null(s);
}

/* A server that accepts the connection and never says a word: the handshake ends at the deadline. */
static void
test_deadline_silent_server(void **state)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct pn_ssh_options opt;
	struct pn_ssh *s = NULL;
	char port[16], key[PN_TEST_PATH_MAX * 2], kh[PN_TEST_PATH_MAX * 2];
	uint64_t t0, wait_ms = 500 * (uint64_t)pn_test_slow(), took;
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	(void)state;
	assert_true(lfd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 4), 0);	/* the kernel completes the connection; nobody accepts */
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &sl), 0);
	snprintf(port, sizeof(port), "%u", (unsigned)ntohs(sa.sin_port));
	snprintf(key, sizeof(key), "%s/keys/client_ed25519_openssh", fx.dir);
	snprintf(kh, sizeof(kh), "%s/kh/empty", fx.dir);
	memset(&opt, 0, sizeof(opt));
	opt.host = "127.0.0.1";
	opt.port = port;
	opt.private_key_file = key;
	opt.known_hosts_file = kh;
	t0 = pn_clock_mono_ms();
	opt.deadline_ms = t0 + wait_ms;
	assert_error(pn_ssh_connect(&opt, &s), PN_ERR_NET, "SSH handshake: timed out");
	took = pn_clock_mono_ms() - t0;
	assert_true(took >= wait_ms);
	/* the deadline, plus the bounded close (PN_SSH_CLOSE_MS at most) and scheduling slack */
	assert_true(took < wait_ms + PN_SSH_CLOSE_MS + 1000);
	assert_null(s);
	close(lfd);
}

/* A read that waits for data which does not come ends at its deadline, and the session is still usable. */
static void
test_read_deadline(void **state)
{
	static char pkt[PKT_MAX];
	struct conn c = {"main", "client_ecdsa_p256_openssh", "main_all"};
	struct pn_ssh *s = NULL;
	uint64_t t0;
	size_t n;

	(void)state;
	assert_ok(connect_to(&c, &s));
	exec_upload_pack(s, "version=2");
	expect_v2(s);
	/* upload-pack now waits for a command */
	t0 = pn_clock_mono_ms();
	assert_error(pn_ssh_read(s, pkt, sizeof(pkt), t0 + 300, &n), PN_ERR_NET, "read: timed out");
	assert_true(pn_clock_mono_ms() - t0 >= 300);
	assert_ok(pn_ssh_write_all(s, "0014command=ls-refs\n0000", 24, deadline()));
	assert_true(read_pkt(s, pkt, sizeof(pkt)) > 0);
	pn_ssh_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v2_every_key),
		cmocka_unit_test(test_v0_without_acceptenv),
		cmocka_unit_test(test_ls_refs_roundtrip),
		cmocka_unit_test(test_host_keys_accepted),
		cmocka_unit_test(test_negotiated_host_key),
		cmocka_unit_test(test_host_keys_refused),
		cmocka_unit_test(test_changed_key_names_both),
		cmocka_unit_test(test_wrong_user_key),
		cmocka_unit_test(test_bad_repository),
		cmocka_unit_test(test_missing_files),
		cmocka_unit_test(test_deadline_silent_server),
		cmocka_unit_test(test_read_deadline),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
