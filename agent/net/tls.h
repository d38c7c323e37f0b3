/*
 * TLS client streams over mbedTLS 3.6: TLS 1.2 and 1.3, peer verification always on (the only way around it is
 * an option whose name says insecure, and that lives with the caller, not here), the host name of the URL
 * passed verbatim to the certificate check (an IP literal matches an IP SAN, a name a DNS SAN), optional client
 * certificate (kubeconfig).
 *
 * A pn_tls_config holds the parsed trust anchors and credentials and the random generator; it is set up once
 * and shared by every connection made with it (connections are not used concurrently).
 */
#ifndef PN_TLS_H
#define PN_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"

/* Ceiling on a CA bundle, certificate chain or key read from a file: the Debian bundle is ~220 KiB. */
#define PN_TLS_PEM_MAX (1024 * 1024)

enum pn_tls_version {
	PN_TLS_ANY = 0,	/* TLS 1.2 or 1.3 */
	PN_TLS_1_2,
	PN_TLS_1_3,
};

struct pn_tls_options {
	/* Trust anchors: PEM data, or a file, or (both NULL) the system bundle (SSL_CERT_FILE,
	 * /etc/ssl/certs/ca-certificates.crt, /etc/pki/tls/certs/ca-bundle.crt). */
	const char *ca_pem;
	size_t ca_pem_len;
	const char *ca_file;
	/* Client certificate chain and private key (PEM, or files); all NULL for none. */
	const char *cert_pem;
	size_t cert_pem_len;
	const char *cert_file;
	const char *key_pem;
	size_t key_pem_len;
	const char *key_file;
	/* Pin the protocol version (tests); PN_TLS_ANY in production. */
	enum pn_tls_version min_version, max_version;
};

struct pn_tls_config;
struct pn_tls;

/* The caller frees it with pn_tls_config_free(). */
const struct pn_error *pn_tls_config_new(const struct pn_tls_options *opt, struct pn_tls_config **out);
void pn_tls_config_free(struct pn_tls_config *cfg);

/* Handshake over the connected non-blocking socket fd (ownership of fd passes to the stream, which closes it)
 * and verify the peer for `host`. The caller frees it with pn_tls_free(). */
const struct pn_error *pn_tls_connect(const struct pn_tls_config *cfg, int fd, const char *host,
    uint64_t deadline_ms, struct pn_tls **out);

/* Read up to len bytes, waiting for at least one; *n == 0 at a clean close by the peer. */
const struct pn_error *pn_tls_read(struct pn_tls *t, void *buf, size_t len, uint64_t deadline_ms, size_t *n);
const struct pn_error *pn_tls_write_all(struct pn_tls *t, const void *buf, size_t len, uint64_t deadline_ms);

/* "TLSv1.3" etc., and the cipher suite name, for logs and tests. */
const char *pn_tls_version_name(const struct pn_tls *t);
const char *pn_tls_cipher_name(const struct pn_tls *t);

/* Send close_notify (best effort), close the socket and free. NULL is allowed. */
void pn_tls_free(struct pn_tls *t);

/* "mbed TLS 3.6.x" */
const char *pn_tls_library_version(void);

/* An mbedTLS error code in a few words, in buf (also returned): "certificate verification failed",
 * "invalid key format: ASN.1: unexpected tag". Messages print the code too. */
const char *pn_tls_strerror(int rc, char *buf, size_t len);

#endif
