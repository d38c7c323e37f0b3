/*
 * SSH user keys: the private key formats a Flux user has, parsed into one key object that knows its public key
 * in SSH wire format and signs for public-key authentication (RFC 4252 §7). No `.pub` file is read: the public
 * key is derived from the private one.
 *
 *   -----BEGIN OPENSSH PRIVATE KEY-----   openssh-key-v1 (ssh-keygen's default): ed25519, ecdsa, rsa
 *   -----BEGIN PRIVATE KEY-----           PKCS#8 (flux bootstrap writes ECDSA P-384 keys so; ed25519 too)
 *   -----BEGIN EC PRIVATE KEY-----        SEC1 (ssh-keygen -m PEM, openssl ecparam)
 *   -----BEGIN RSA PRIVATE KEY-----       PKCS#1 (ssh-keygen -m PEM, openssl genrsa -traditional)
 *   DER of PKCS#8 / SEC1 / PKCS#1         without the PEM armour
 *
 * Key types: ssh-ed25519 (signed by ed25519.c), ecdsa-sha2-nistp256/384/521 and ssh-rsa (signed with mbedTLS;
 * RSA as rsa-sha2-512, rsa-sha2-256 or ssh-rsa, whichever libssh2 negotiated from the server's server-sig-algs).
 * Encrypted keys, DSA, security-key (sk-*) and PuTTY keys are refused with an error that names the file and says
 * what to do. Key material is wiped when freed and never appears in errors or logs.
 */
#ifndef PN_SSHKEY_H
#define PN_SSHKEY_H

#include <stddef.h>

#include <libssh2.h>

#include "../core/error.h"

/* Largest key file: an RSA 8192-bit key in OpenSSH format is about 6.5 KB; leave room for comments. */
#define PN_SSHKEY_FILE_MAX (64 * 1024)
/* RSA modulus sizes accepted: OpenSSH refuses keys under 1024 bits; mbedTLS computes with at most
 * MBEDTLS_MPI_MAX_BITS (8192) bits, so the 16384-bit keys OpenSSH could make are refused plainly. */
#define PN_SSHKEY_RSA_BITS_MIN 1024
#define PN_SSHKEY_RSA_BITS_MAX 8192
/* Longest signature algorithm name (rsa-sha2-512, ecdsa-sha2-nistp521) with its NUL. */
#define PN_SSHKEY_ALG_MAX 32

enum pn_sshkey_type {
	PN_SSHKEY_ED25519 = 1,
	PN_SSHKEY_ECDSA_P256,
	PN_SSHKEY_ECDSA_P384,
	PN_SSHKEY_ECDSA_P521,
	PN_SSHKEY_RSA,
};

struct pn_sshkey;

/* Parse a private key from memory; `what` names it in errors (a path, "Secret flux-system/flux-system
 * identity"). The caller frees it with pn_sshkey_free(). */
const struct pn_error *pn_sshkey_parse(const void *data, size_t len, const char *what, struct pn_sshkey **out);

/* Read (at most PN_SSHKEY_FILE_MAX bytes) and parse the private key file at `path`. The caller frees it with
 * pn_sshkey_free(). */
const struct pn_error *pn_sshkey_load(const char *path, struct pn_sshkey **out);

/* Wipe and free. NULL is allowed. */
void pn_sshkey_free(struct pn_sshkey *k);

enum pn_sshkey_type pn_sshkey_type(const struct pn_sshkey *k);

/* The SSH key type name: "ssh-ed25519", "ecdsa-sha2-nistp256", ..., "ssh-rsa". */
const char *pn_sshkey_type_name(const struct pn_sshkey *k);

/* The file format it came from: "openssh", "pkcs8", "sec1", "pkcs1". */
const char *pn_sshkey_format(const struct pn_sshkey *k);

/* The public key in SSH wire format (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709), as a `.pub` file holds it in
 * base64. Valid as long as the key. */
const unsigned char *pn_sshkey_public(const struct pn_sshkey *k, size_t *len);

/* Sign data with signature algorithm `alg`: the key's type name, or for RSA keys rsa-sha2-512, rsa-sha2-256 or
 * ssh-rsa (SHA-1). *sig is the signature without SSH's string(alg) wrapper, as libssh2 wants it: ed25519 the
 * 64 bytes of RFC 8032, ecdsa mpint(r) || mpint(s) (RFC 5656 §3.1.2), rsa the PKCS#1 v1.5 signature of the
 * modulus' length (RFC 8332). The caller frees it with free(). UNSUPPORTED for an algorithm the key cannot use. */
const struct pn_error *pn_sshkey_sign(const struct pn_sshkey *k, const char *alg, const void *data, size_t len,
    unsigned char **sig, size_t *sig_len);

/* What the libssh2 sign callback works with: the key, and where it leaves its error and the algorithm it signed
 * for (libssh2 itself only reports "Callback returned error"). */
struct pn_sshkey_signer {
	const struct pn_sshkey *key;
	const struct pn_error *err;
	char alg[PN_SSHKEY_ALG_MAX];
};

/* libssh2's LIBSSH2_USERAUTH_PUBLICKEY_SIGN_FUNC for libssh2_userauth_publickey(session, user,
 * pn_sshkey_public(k), len, pn_sshkey_libssh2_sign, &p) where p points at a struct pn_sshkey_signer. It reads
 * the algorithm libssh2 chose from the userauth request it is asked to sign (libssh2 upgrades ssh-rsa to
 * rsa-sha2-512/256 by itself), checks that the request carries this key, and returns a malloc'd signature that
 * libssh2 wraps and frees. */
int pn_sshkey_libssh2_sign(LIBSSH2_SESSION *session, unsigned char **sig, size_t *sig_len,
    const unsigned char *data, size_t data_len, void **abstract);

#endif
