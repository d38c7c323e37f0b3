#include "tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/asn1.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/pem.h>
#include <mbedtls/rsa.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>
#include <psa/crypto.h>

#include "../../platform/entropy.h"
#include "../core/buf.h"
#include "../core/file.h"
#include "sock.h"
#include "../core/banned.h"

/* Room for mbedtls_x509_crt_verify_info's text of every flag set at once. */
#define PN_TLS_VERIFY_INFO_MAX 512
#define PN_TLS_ERRSTR_MAX 128
/* What the BIO callbacks return for a socket error: MBEDTLS_ERR_NET_SEND_FAILED's value (net_sockets.c is not
 * built; pinion has its own sockets). The errno is kept in the stream. */
#define PN_TLS_BIO_FAILED (-0x004E)

static const char *const system_bundles[] = {
	"/etc/ssl/certs/ca-certificates.crt",	/* Debian, Ubuntu, Raspberry Pi OS, Alpine */
	"/etc/pki/tls/certs/ca-bundle.crt",	/* Fedora, RHEL */
};

struct pn_tls_config {
	mbedtls_ssl_config conf;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_x509_crt ca;
	mbedtls_x509_crt cert;
	mbedtls_pk_context key;
};

struct pn_tls {
	mbedtls_ssl_context ssl;
	int fd;
	uint64_t deadline_ms;	/* for the BIO callbacks, which cannot take it as an argument */
	int io_errno;		/* errno of the last socket failure inside a BIO callback */
};

const char *
pn_tls_library_version(void)
{
	return "mbed TLS " MBEDTLS_VERSION_STRING;
}

/* mbedTLS's codes that pinion meets, in words. mbedtls_strerror() would cost 17 KB of tables in a binary that
 * must stay under 1 MiB; every message also carries the code, which `mbedtls_strerror` or the headers explain. */
static const struct {
	int rc;
	const char *msg;
} mbed_msgs[] = {
	{MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE, "the peer sent a fatal alert"},
	{MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY, "the peer closed the connection"},
	{MBEDTLS_ERR_SSL_CONN_EOF, "the connection closed during the handshake"},
	{MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE, "handshake failure (no protocol version, cipher or group in common)"},
	{MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION, "no TLS version in common (pinion speaks TLS 1.2 and 1.3)"},
	{MBEDTLS_ERR_SSL_BAD_CERTIFICATE, "bad certificate"},
	{MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE, "the server wants a client certificate"},
	{MBEDTLS_ERR_SSL_UNSUPPORTED_EXTENSION, "unsupported extension"},
	{MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE, "unexpected handshake message"},
	{MBEDTLS_ERR_SSL_DECODE_ERROR, "malformed handshake message"},
	{MBEDTLS_ERR_SSL_INVALID_RECORD, "invalid TLS record (not a TLS server?)"},
	{MBEDTLS_ERR_SSL_INVALID_MAC, "record authentication failed"},
	{MBEDTLS_ERR_SSL_TIMEOUT, "timed out"},
	{MBEDTLS_ERR_SSL_ALLOC_FAILED, "out of memory"},
	{MBEDTLS_ERR_X509_CERT_VERIFY_FAILED, "certificate verification failed"},
	{MBEDTLS_ERR_X509_INVALID_FORMAT, "certificate: invalid format"},
	{MBEDTLS_ERR_X509_INVALID_DATE, "certificate: invalid date"},
	{MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG, "certificate: unknown signature algorithm"},
	{MBEDTLS_ERR_X509_SIG_MISMATCH, "certificate: signature algorithms do not match"},
	{MBEDTLS_ERR_X509_CERT_UNKNOWN_FORMAT, "certificate: unknown format"},
	{MBEDTLS_ERR_X509_ALLOC_FAILED, "out of memory"},
	{MBEDTLS_ERR_PEM_NO_HEADER_FOOTER_PRESENT, "no PEM header or footer"},
	{MBEDTLS_ERR_PEM_INVALID_DATA, "invalid PEM data"},
	{MBEDTLS_ERR_PEM_INVALID_ENC_IV, "invalid PEM encryption"},
	{MBEDTLS_ERR_PEM_UNKNOWN_ENC_ALG, "unknown PEM encryption"},
	{MBEDTLS_ERR_PEM_PASSWORD_REQUIRED, "the key is encrypted"},
	{MBEDTLS_ERR_PK_KEY_INVALID_FORMAT, "invalid key format"},
	{MBEDTLS_ERR_PK_KEY_INVALID_VERSION, "unsupported key version"},
	{MBEDTLS_ERR_PK_UNKNOWN_PK_ALG, "unknown key algorithm"},
	{MBEDTLS_ERR_PK_PASSWORD_REQUIRED, "the key is encrypted"},
	{MBEDTLS_ERR_PK_PASSWORD_MISMATCH, "wrong key password"},
	{MBEDTLS_ERR_PK_TYPE_MISMATCH, "key type mismatch"},
	{MBEDTLS_ERR_PK_INVALID_PUBKEY, "invalid public key"},
	{MBEDTLS_ERR_PK_BAD_INPUT_DATA, "bad input"},
	{MBEDTLS_ERR_PK_ALLOC_FAILED, "out of memory"},
	{MBEDTLS_ERR_ASN1_OUT_OF_DATA, "ASN.1: data ends early"},
	{MBEDTLS_ERR_ASN1_UNEXPECTED_TAG, "ASN.1: unexpected tag"},
	{MBEDTLS_ERR_ASN1_INVALID_LENGTH, "ASN.1: invalid length"},
	{MBEDTLS_ERR_ASN1_LENGTH_MISMATCH, "ASN.1: length mismatch"},
	{MBEDTLS_ERR_ECP_FEATURE_UNAVAILABLE, "unsupported elliptic curve"},
	{MBEDTLS_ERR_ECP_INVALID_KEY, "invalid elliptic-curve key"},
	{MBEDTLS_ERR_ECP_VERIFY_FAILED, "signature verification failed"},
	{MBEDTLS_ERR_RSA_KEY_CHECK_FAILED, "invalid RSA key"},
	{MBEDTLS_ERR_RSA_VERIFY_FAILED, "signature verification failed"},
	{MBEDTLS_ERR_MPI_ALLOC_FAILED, "out of memory"},
	{MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED, "no entropy"},
	{MBEDTLS_ERR_ENTROPY_SOURCE_FAILED, "no entropy"},
};

const char *
pn_tls_strerror(int rc, char *buf, size_t len)
{
	/* a code may be a high-level one (SSL, X509, PK, PEM) plus a low-level one (ASN1, MPI, ECP...) */
	int high = -(-rc & 0xff80), low = -(-rc & 0x7f);
	const char *h = NULL, *l = NULL;

	for (size_t i = 0; i < sizeof(mbed_msgs) / sizeof(mbed_msgs[0]); i++) {
		if (mbed_msgs[i].rc == rc)
			h = mbed_msgs[i].msg;
		else if (high != 0 && mbed_msgs[i].rc == high && h == NULL)
			h = mbed_msgs[i].msg;
		else if (low != 0 && mbed_msgs[i].rc == low)
			l = mbed_msgs[i].msg;
	}
	if (h != NULL && rc == high + low && low != 0 && l != NULL)
		snprintf(buf, len, "%s: %s", h, l);
	else
		snprintf(buf, len, "%s", h != NULL ? h : l != NULL ? l : "mbed TLS error");
	return buf;
}

static const struct pn_error *
mbed_error(enum pn_err_code code, int rc, const char *what)
{
	char s[PN_TLS_ERRSTR_MAX];

	return pn_error_fmt(code, "%s: %s (-0x%04x)", what, pn_tls_strerror(rc, s, sizeof(s)), (unsigned)-rc);
}

/* mbedTLS parses PEM only when the data ends with a NUL counted in the length. */
static const struct pn_error *
load_pem(const char *pem, size_t len, const char *file, const char *what, struct pn_buf *b)
{
	const struct pn_error *err;

	pn_buf_init(b, PN_TLS_PEM_MAX, what);
	if (file != NULL)
		err = pn_file_read(file, b);
	else
		err = pn_buf_add(b, pem, len);
	if (err == NULL)
		err = pn_buf_addch(b, '\0');
	return err;
}

static const struct pn_error *
load_ca(struct pn_tls_config *c, const struct pn_tls_options *opt)
{
	const char *file = opt->ca_file;
	const struct pn_error *err;
	struct pn_buf b;
	char name[PN_TLS_ERRSTR_MAX];
	int rc;

	if (opt->ca_pem == NULL && file == NULL) {
		file = getenv("SSL_CERT_FILE");
		for (size_t i = 0; (file == NULL || file[0] == '\0') && i < sizeof(system_bundles) / sizeof(*system_bundles); i++)
			if (access(system_bundles[i], R_OK) == 0)
				file = system_bundles[i];
		if (file == NULL || file[0] == '\0')
			return pn_error_fmt(PN_ERR_TLS, "no CA bundle: give a CA file, set SSL_CERT_FILE, or install "
			    "ca-certificates");
	}
	snprintf(name, sizeof(name), "CA bundle %s", file != NULL ? file : "(inline)");
	if ((err = load_pem(opt->ca_pem, opt->ca_pem_len, file, name, &b)) != NULL)
		goto done;
	rc = mbedtls_x509_crt_parse(&c->ca, (const unsigned char *)b.data, b.len);
	/* rc > 0: some certificates of a system bundle failed to parse; the rest are usable */
	if (rc < 0 || c->ca.version == 0)
		err = mbed_error(PN_ERR_TLS, rc < 0 ? rc : MBEDTLS_ERR_X509_INVALID_FORMAT, name);
done:
	pn_buf_release(&b);
	return err;
}

static const struct pn_error *
load_client(struct pn_tls_config *c, const struct pn_tls_options *opt)
{
	const struct pn_error *err;
	struct pn_buf b;
	int rc;

	if (opt->cert_pem == NULL && opt->cert_file == NULL)
		return NULL;
	if (opt->key_pem == NULL && opt->key_file == NULL)
		return pn_error_fmt(PN_ERR_USAGE, "a client certificate needs its private key");
	if ((err = load_pem(opt->cert_pem, opt->cert_pem_len, opt->cert_file, "client certificate", &b)) != NULL)
		goto done;
	if ((rc = mbedtls_x509_crt_parse(&c->cert, (const unsigned char *)b.data, b.len)) != 0) {
		err = mbed_error(PN_ERR_TLS, rc < 0 ? rc : MBEDTLS_ERR_X509_INVALID_FORMAT, "client certificate");
		goto done;
	}
	pn_buf_release(&b);
	if ((err = load_pem(opt->key_pem, opt->key_pem_len, opt->key_file, "client key", &b)) != NULL)
		goto done;
	rc = mbedtls_pk_parse_key(&c->key, (const unsigned char *)b.data, b.len, NULL, 0, mbedtls_ctr_drbg_random,
	    &c->drbg);
	if (rc != 0) {
		err = mbed_error(PN_ERR_TLS, rc, "client key");
		goto done;
	}
	if ((rc = mbedtls_ssl_conf_own_cert(&c->conf, &c->cert, &c->key)) != 0)
		err = mbed_error(PN_ERR_TLS, rc, "client certificate");
done:
	/* the buffer held a private key: do not leave it in freed memory */
	if (b.data != NULL)
		mbedtls_platform_zeroize(b.data, b.cap);
	pn_buf_release(&b);
	return err;
}

static mbedtls_ssl_protocol_version
version_of(enum pn_tls_version v, mbedtls_ssl_protocol_version dflt)
{
	switch (v) {
	case PN_TLS_1_2:
		return MBEDTLS_SSL_VERSION_TLS1_2;
	case PN_TLS_1_3:
		return MBEDTLS_SSL_VERSION_TLS1_3;
	default:
		return dflt;
	}
}

const struct pn_error *
pn_tls_config_new(const struct pn_tls_options *opt, struct pn_tls_config **out)
{
	struct pn_tls_config *c;
	const struct pn_error *err = NULL;
	psa_status_t st;
	int rc;

	/* TLS 1.3 runs its key schedule through PSA; initialising twice is harmless */
	if ((st = psa_crypto_init()) != PSA_SUCCESS)
		return pn_error_fmt(PN_ERR_TLS, "PSA crypto initialisation failed (%d)", (int)st);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	mbedtls_ssl_config_init(&c->conf);
	mbedtls_ctr_drbg_init(&c->drbg);
	mbedtls_x509_crt_init(&c->ca);
	mbedtls_x509_crt_init(&c->cert);
	mbedtls_pk_init(&c->key);
	if ((rc = mbedtls_ctr_drbg_seed(&c->drbg, pn_entropy_mbedtls, NULL, (const unsigned char *)"pinion", 6)) != 0) {
		err = mbed_error(PN_ERR_TLS, rc, "seed random generator");
		goto done;
	}
	rc = mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
	    MBEDTLS_SSL_PRESET_DEFAULT);
	if (rc != 0) {
		err = mbed_error(PN_ERR_TLS, rc, "TLS configuration");
		goto done;
	}
	mbedtls_ssl_conf_rng(&c->conf, mbedtls_ctr_drbg_random, &c->drbg);
	mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_min_tls_version(&c->conf, version_of(opt->min_version, MBEDTLS_SSL_VERSION_TLS1_2));
	mbedtls_ssl_conf_max_tls_version(&c->conf, version_of(opt->max_version, MBEDTLS_SSL_VERSION_TLS1_3));
	if ((err = load_ca(c, opt)) != NULL)
		goto done;
	mbedtls_ssl_conf_ca_chain(&c->conf, &c->ca, NULL);
	err = load_client(c, opt);
done:
	if (err != NULL) {
		pn_tls_config_free(c);
		return err;
	}
	*out = c;
	return NULL;
}

void
pn_tls_config_free(struct pn_tls_config *c)
{
	if (c == NULL)
		return;
	mbedtls_ssl_config_free(&c->conf);
	mbedtls_ctr_drbg_free(&c->drbg);
	mbedtls_x509_crt_free(&c->ca);
	mbedtls_x509_crt_free(&c->cert);
	mbedtls_pk_free(&c->key);
	free(c);
}

static int
bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct pn_tls *t = ctx;
	ssize_t n;

	do
		n = send(t->fd, buf, len, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	t->io_errno = errno;
	return PN_TLS_BIO_FAILED;
}

static int
bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct pn_tls *t = ctx;
	ssize_t n;

	do
		n = recv(t->fd, buf, len, 0);
	while (n == -1 && errno == EINTR);
	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return MBEDTLS_ERR_SSL_WANT_READ;
	t->io_errno = errno;
	return PN_TLS_BIO_FAILED;
}

/* After WANT_READ/WANT_WRITE: wait for the socket; else turn rc into an error. */
static const struct pn_error *
wait_or_fail(struct pn_tls *t, int rc, const char *what)
{
	if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
		return pn_sock_wait(t->fd, rc == MBEDTLS_ERR_SSL_WANT_WRITE, t->deadline_ms, what);
	if (rc == PN_TLS_BIO_FAILED)
		return pn_error_fmt(PN_ERR_NET, "%s: %s", what, strerror(t->io_errno));
	return mbed_error(PN_ERR_TLS, rc, what);
}

static const struct pn_error *
verify_error(struct pn_tls *t, const char *host)
{
	uint32_t flags = mbedtls_ssl_get_verify_result(&t->ssl);
	char info[PN_TLS_VERIFY_INFO_MAX];
	size_t n;

	if (flags & MBEDTLS_X509_BADCERT_FUTURE)
		return pn_error_fmt(PN_ERR_TLS, "TLS: the certificate of %s is not valid yet: the system time is "
		    "probably wrong (no RTC and no NTP sync yet?)", host);
	if (mbedtls_x509_crt_verify_info(info, sizeof(info), "", flags) < 0)
		snprintf(info, sizeof(info), "verification flags 0x%08x", (unsigned)flags);
	/* one line: join the per-flag lines */
	n = strlen(info);
	while (n > 0 && info[n - 1] == '\n')
		info[--n] = '\0';
	for (char *c = info; *c != '\0'; c++)
		if (*c == '\n')
			*c = ';';
	return pn_error_fmt(PN_ERR_TLS, "TLS: certificate verification failed for %s: %s", host, info);
}

const struct pn_error *
pn_tls_connect(const struct pn_tls_config *cfg, int fd, const char *host, uint64_t deadline_ms,
    struct pn_tls **out)
{
	struct pn_tls *t;
	const struct pn_error *err = NULL;
	int rc;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		close(fd);
		return pn_error(PN_ERR_NOMEM);
	}
	mbedtls_ssl_init(&t->ssl);
	t->fd = fd;
	t->deadline_ms = deadline_ms;
	if ((rc = mbedtls_ssl_setup(&t->ssl, &cfg->conf)) != 0) {
		err = mbed_error(PN_ERR_TLS, rc, "TLS setup");
		goto done;
	}
	/* verbatim: an IP literal must match an IP SAN, a name a DNS SAN (mbedTLS 3.6 checks both) */
	if ((rc = mbedtls_ssl_set_hostname(&t->ssl, host)) != 0) {
		err = mbed_error(PN_ERR_TLS, rc, "TLS host name");
		goto done;
	}
	mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
	while ((rc = mbedtls_ssl_handshake(&t->ssl)) != 0) {
		if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
			err = verify_error(t, host);
			goto done;
		}
		if ((err = wait_or_fail(t, rc, "TLS handshake")) != NULL) {
			err = pn_error_wrap(err, "%s", host);
			goto done;
		}
	}
done:
	if (err != NULL) {
		pn_tls_free(t);
		return err;
	}
	*out = t;
	return NULL;
}

const struct pn_error *
pn_tls_read(struct pn_tls *t, void *buf, size_t len, uint64_t deadline_ms, size_t *n)
{
	const struct pn_error *err;

	t->deadline_ms = deadline_ms;
	for (;;) {
		int rc = mbedtls_ssl_read(&t->ssl, buf, len);

		if (rc > 0) {
			*n = (size_t)rc;
			return NULL;
		}
		if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
			*n = 0;
			return NULL;
		}
		/* TLS 1.3 servers send tickets after the handshake; pinion keeps no sessions */
		if (rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
			continue;
		if ((err = wait_or_fail(t, rc, "TLS read")) != NULL)
			return err;
	}
}

const struct pn_error *
pn_tls_write_all(struct pn_tls *t, const void *buf, size_t len, uint64_t deadline_ms)
{
	const unsigned char *p = buf;
	const struct pn_error *err;

	t->deadline_ms = deadline_ms;
	while (len > 0) {
		int rc = mbedtls_ssl_write(&t->ssl, p, len);

		if (rc > 0) {
			p += rc;
			len -= (size_t)rc;
			continue;
		}
		if ((err = wait_or_fail(t, rc, "TLS write")) != NULL)
			return err;
	}
	return NULL;
}

const char *
pn_tls_version_name(const struct pn_tls *t)
{
	return mbedtls_ssl_get_version(&t->ssl);
}

const char *
pn_tls_cipher_name(const struct pn_tls *t)
{
	return mbedtls_ssl_get_ciphersuite(&t->ssl);
}

void
pn_tls_free(struct pn_tls *t)
{
	if (t == NULL)
		return;
	if (t->fd != -1) {
		/* best effort, without waiting: the socket is closed right after */
		(void)mbedtls_ssl_close_notify(&t->ssl);
		close(t->fd);
	}
	mbedtls_ssl_free(&t->ssl);
	free(t);
}
