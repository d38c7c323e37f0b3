/*
 * TLS 1.3 and TLS 1.2 handshakes with pinion's trimmed mbedTLS build against a real OpenSSL server (Python's
 * ssl module), certificate checks by IP SAN and DNS SAN, a client certificate chain with a SEC1 key, and the
 * refusals: unknown CA, name mismatch.
 */
#include "pn_test.h"
#include "peer.h"

#include "../../agent/net/sock.h"
#include "../../agent/net/tls.h"
#include "../../platform/clock.h"

#define IO_TIMEOUT_MS 20000

struct fixture {
	char dir[PN_TEST_PATH_MAX];
};

static struct fixture fx;

static int
setup(void **state)
{
	char cmd[PN_TEST_PATH_MAX * 2];

	(void)state;
	if (pn_test_tmpdir("tls", fx.dir, sizeof(fx.dir)) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "sh tests/lib/mkcerts.sh %s/pki", fx.dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	pn_test_rmtree(fx.dir);
	return 0;
}

/* Start tls_server.py with a version and a certificate; returns the pid. */
static pid_t
server(const char *name, const char *tls, const char *cert, int *port)
{
	char d[PN_TEST_PATH_MAX * 2], c[PN_TEST_PATH_MAX * 2], k[PN_TEST_PATH_MAX * 2], ca[PN_TEST_PATH_MAX * 2];
	char py[] = "python3", script[] = "tests/lib/tls_server.py", o_dir[] = "--dir", o_cert[] = "--cert",
	     o_key[] = "--key", o_tls[] = "--tls", o_ca[] = "--client-ca", version[8];
	char *argv[] = {py, script, o_dir, d, o_cert, c, o_key, k, o_tls, version, o_ca, ca, NULL};
	pid_t pid;

	snprintf(version, sizeof(version), "%s", tls);
	snprintf(d, sizeof(d), "%s/%s", fx.dir, name);
	mkdir(d, 0755);
	snprintf(c, sizeof(c), "%s/pki/%s.crt", fx.dir, cert);
	snprintf(k, sizeof(k), "%s/pki/%s.key", fx.dir, cert);
	snprintf(ca, sizeof(ca), "%s/pki/ca.crt", fx.dir);
	pid = pn_test_spawn(argv, d, port);
	assert_true(pid > 0);
	return pid;
}

/* Connect, handshake, read the server's one-line report into line. */
static const struct pn_error *
exchange(const char *host, int port, const char *ca, int client_cert, enum pn_tls_version v, char *line,
    size_t len, char *version, size_t vlen)
{
	char portstr[16], cafile[PN_TEST_PATH_MAX * 2], cert[PN_TEST_PATH_MAX * 2], key[PN_TEST_PATH_MAX * 2];
	struct pn_tls_options opt;
	struct pn_tls_config *cfg = NULL;
	struct pn_tls *t = NULL;
	const struct pn_error *err;
	uint64_t deadline = pn_clock_mono_ms() + IO_TIMEOUT_MS * (uint64_t)pn_test_slow();
	size_t got = 0, n;
	int fd;

	snprintf(portstr, sizeof(portstr), "%d", port);
	snprintf(cafile, sizeof(cafile), "%s/pki/%s.crt", fx.dir, ca);
	snprintf(cert, sizeof(cert), "%s/pki/client-chain.crt", fx.dir);
	snprintf(key, sizeof(key), "%s/pki/client.key", fx.dir);
	memset(&opt, 0, sizeof(opt));
	opt.ca_file = cafile;
	if (client_cert) {
		opt.cert_file = cert;
		opt.key_file = key;
	}
	opt.min_version = opt.max_version = v;
	if ((err = pn_tls_config_new(&opt, &cfg)) != NULL)
		return err;
	if ((err = pn_sock_connect(host, portstr, deadline, &fd)) != NULL)
		goto done;
	if ((err = pn_tls_connect(cfg, fd, host, deadline, &t)) != NULL)
		goto done;
	snprintf(version, vlen, "%s", pn_tls_version_name(t));
	while (got < len - 1) {
		if ((err = pn_tls_read(t, line + got, len - 1 - got, deadline, &n)) != NULL)
			goto done;
		if (n == 0)
			break;
		got += n;
	}
	line[got] = '\0';
done:
	pn_tls_free(t);
	pn_tls_config_free(cfg);
	return err;
}

static void
test_tls13_ip_san(void **state)
{
	char line[256], ver[32];
	int port;
	pid_t pid = server("s13", "1.3", "server", &port);

	(void)state;
	assert_ok(exchange("127.0.0.1", port, "ca", 0, PN_TLS_ANY, line, sizeof(line), ver, sizeof(ver)));
	assert_string_equal(ver, "TLSv1.3");
	assert_non_null(strstr(line, "TLSv1.3 "));
	pn_test_stop(pid);
}

static void
test_tls12_dns_san_client_cert(void **state)
{
	char line[256], ver[32];
	int port;
	pid_t pid = server("s12", "1.2", "server", &port);

	(void)state;
	assert_ok(exchange("localhost", port, "ca", 1, PN_TLS_ANY, line, sizeof(line), ver, sizeof(ver)));
	assert_string_equal(ver, "TLSv1.2");
	assert_non_null(strstr(line, "TLSv1.2 ECDHE-ECDSA-"));
	assert_non_null(strstr(line, " system:admin")); /* the server saw our certificate */
	pn_test_stop(pid);
}

/* Both versions offered by the server: pinion settles on 1.3; pinned to 1.2 it must get 1.2. */
static void
test_version_pinning(void **state)
{
	char line[256], ver[32];
	int port;
	pid_t pid = server("sany", "any", "server", &port);

	(void)state;
	assert_ok(exchange("localhost", port, "ca", 0, PN_TLS_ANY, line, sizeof(line), ver, sizeof(ver)));
	assert_string_equal(ver, "TLSv1.3");
	assert_ok(exchange("localhost", port, "ca", 0, PN_TLS_1_2, line, sizeof(line), ver, sizeof(ver)));
	assert_string_equal(ver, "TLSv1.2");
	pn_test_stop(pid);
}

static void
test_unknown_ca_refused(void **state)
{
	char line[256], ver[32];
	int port;
	pid_t pid = server("sca", "any", "server", &port);

	(void)state;
	assert_error(exchange("localhost", port, "other-ca", 0, PN_TLS_ANY, line, sizeof(line), ver, sizeof(ver)),
	    PN_ERR_TLS, "certificate verification failed for localhost");
	pn_test_stop(pid);
}

static void
test_name_mismatch_refused(void **state)
{
	char line[256], ver[32];
	int port;
	pid_t pid = server("sname", "1.2", "wrongname", &port);

	(void)state;
	assert_error(exchange("localhost", port, "ca", 0, PN_TLS_ANY, line, sizeof(line), ver, sizeof(ver)),
	    PN_ERR_TLS, "certificate verification failed for localhost");
	assert_error(exchange("127.0.0.1", port, "ca", 0, PN_TLS_ANY, line, sizeof(line), ver, sizeof(ver)),
	    PN_ERR_TLS, "does not match with the expected CN");
	pn_test_stop(pid);
}

static void
test_bad_ca_file(void **state)
{
	struct pn_tls_options opt;
	struct pn_tls_config *cfg = NULL;

	(void)state;
	memset(&opt, 0, sizeof(opt));
	opt.ca_file = "/nonexistent/ca.crt";
	assert_error(pn_tls_config_new(&opt, &cfg), PN_ERR_ERRNO, "open /nonexistent/ca.crt");
	opt.ca_file = NULL;
	opt.ca_pem = "not a certificate";
	opt.ca_pem_len = strlen(opt.ca_pem);
	assert_error(pn_tls_config_new(&opt, &cfg), PN_ERR_TLS, "CA bundle (inline)");
	assert_null(cfg);
}

/* pinion's own words for mbedTLS codes (mbedtls_strerror's tables are not linked): compound codes name both. */
static void
test_strerror(void **state)
{
	char b[128];

	(void)state;
	assert_string_equal(pn_tls_strerror(-0x2700, b, sizeof(b)), "certificate verification failed");
	assert_string_equal(pn_tls_strerror(-0x3D00 - 0x62, b, sizeof(b)), "invalid key format: ASN.1: unexpected tag");
	assert_string_equal(pn_tls_strerror(-0x7780, b, sizeof(b)), "the peer sent a fatal alert");
	assert_string_equal(pn_tls_strerror(-0x0001, b, sizeof(b)), "mbed TLS error");
	assert_string_equal(pn_tls_strerror(-0x4E00, b, sizeof(b)), "signature verification failed");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_tls13_ip_san),
		cmocka_unit_test(test_tls12_dns_san_client_cert),
		cmocka_unit_test(test_version_pinning),
		cmocka_unit_test(test_unknown_ca_refused),
		cmocka_unit_test(test_name_mismatch_refused),
		cmocka_unit_test(test_bad_ca_file),
	};
	return cmocka_run_group_tests_name("tls", tests, setup, teardown);
}
