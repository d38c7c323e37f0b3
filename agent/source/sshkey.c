#include "sshkey.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/asn1.h>
#include <mbedtls/base64.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>

#include "../../platform/entropy.h"
#include "../core/buf.h"
#include "../net/tls.h"
#include "ed25519.h"
#include "../core/banned.h"

/* Ed25519 sizes (RFC 8032): seed, public key, the secret key seed || public key, signature. */
#define ED25519_SEED PN_ED25519_SEED
#define ED25519_PK PN_ED25519_PK
#define ED25519_SK PN_ED25519_SK
#define ED25519_SIG PN_ED25519_SIG
/* Largest public key blob: RSA 8192 (1024-byte modulus) plus type and exponent, with room. */
#define PUB_MAX 2048
/* Largest mpint this module writes: an RSA modulus or an ECDSA scalar, plus the sign byte. */
#define MPINT_MAX (PN_SSHKEY_RSA_BITS_MAX / 8 + 1)
/* Largest ECDSA signature body: two P-521 mpints (66 bytes + sign byte + length each). */
#define ECDSA_SIG_MAX 160
/* Largest digest (SHA-512). */
#define DIGEST_MAX 64
/* openssh-key-v1: magic with its NUL, and the block size of cipher "none". */
static const char OPENSSH_MAGIC[] = "openssh-key-v1";
#define OPENSSH_MAGIC_LEN (sizeof(OPENSSH_MAGIC))
#define OPENSSH_BLOCK 8
/* SSH_MSG_USERAUTH_REQUEST (RFC 4252 §5). */
#define MSG_USERAUTH_REQUEST 50
/* Bytes of a name read from a key file that an error quotes. */
#define QUOTE_MAX 40
/* PEM labels longer than this are not ones we know. */
#define PEM_LABEL_MAX 64

static const char PEM_BEGIN[] = "-----BEGIN ";
static const char PEM_DASHES[] = "-----";
/* id-Ed25519 and id-Ed448 (RFC 8410), DER contents of the OID. */
static const unsigned char OID_ED25519[] = {0x2b, 0x65, 0x70};
static const unsigned char OID_ED448[] = {0x2b, 0x65, 0x71};

static const struct keytype {
	enum pn_sshkey_type type;
	const char *name;
	const char *curve;		/* ecdsa: the curve's SSH name */
	mbedtls_ecp_group_id grp;
	mbedtls_md_type_t md;		/* ecdsa: the curve's hash (RFC 5656 §6.2.1) */
} keytypes[] = {
	{PN_SSHKEY_ED25519, "ssh-ed25519", NULL, MBEDTLS_ECP_DP_NONE, MBEDTLS_MD_NONE},
	{PN_SSHKEY_ECDSA_P256, "ecdsa-sha2-nistp256", "nistp256", MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_MD_SHA256},
	{PN_SSHKEY_ECDSA_P384, "ecdsa-sha2-nistp384", "nistp384", MBEDTLS_ECP_DP_SECP384R1, MBEDTLS_MD_SHA384},
	{PN_SSHKEY_ECDSA_P521, "ecdsa-sha2-nistp521", "nistp521", MBEDTLS_ECP_DP_SECP521R1, MBEDTLS_MD_SHA512},
	{PN_SSHKEY_RSA, "ssh-rsa", NULL, MBEDTLS_ECP_DP_NONE, MBEDTLS_MD_NONE},
};
#define NKEYTYPES (sizeof(keytypes) / sizeof(keytypes[0]))

/* RSA signature algorithms (RFC 8332; ssh-rsa is SHA-1, RFC 4253). */
static const struct {
	const char *alg;
	mbedtls_md_type_t md;
} rsa_algs[] = {
	{"rsa-sha2-512", MBEDTLS_MD_SHA512},
	{"rsa-sha2-256", MBEDTLS_MD_SHA256},
	{"ssh-rsa", MBEDTLS_MD_SHA1},
};
#define NRSA_ALGS (sizeof(rsa_algs) / sizeof(rsa_algs[0]))

struct pn_sshkey {
	const struct keytype *kt;
	const char *format;
	unsigned char pub[PUB_MAX];
	size_t pub_len;
	unsigned char ed_sk[ED25519_SK];	/* ed25519: seed || public key */
	mbedtls_pk_context pk;			/* ecdsa and rsa */
};

/* ------------------------------------------------------------------------------------------------------------ */
/* small helpers */

static const struct keytype *
keytype_by_name(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < NKEYTYPES; i++)
		if (strlen(keytypes[i].name) == n && memcmp(keytypes[i].name, s, n) == 0)
			return &keytypes[i];
	return NULL;
}

static const struct keytype *
keytype_by_grp(mbedtls_ecp_group_id grp)
{
	for (size_t i = 0; i < NKEYTYPES; i++)
		if (keytypes[i].curve != NULL && keytypes[i].grp == grp)
			return &keytypes[i];
	return NULL;
}

/* A name from the file, printable and short, for an error message. */
static void
quote(const unsigned char *s, size_t n, char out[QUOTE_MAX + 4])
{
	size_t i;

	for (i = 0; i < n && i < QUOTE_MAX; i++)
		out[i] = s[i] > 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
	if (n > QUOTE_MAX) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
}

static const char *
mbed_msg(int rc, char *buf, size_t len)
{
	return pn_tls_strerror(rc, buf, len);
}

/* Wipe and free a buffer that held key material. */
static void
wipe_free(void *p, size_t len)
{
	if (p != NULL) {
		mbedtls_platform_zeroize(p, len);
		free(p);
	}
}

/* SSH wire format reader (RFC 4251 §5): compare before subtract, nothing read past the end. */
struct rd {
	const unsigned char *p;
	size_t n;
};

static int
rd_u32(struct rd *r, uint32_t *v)
{
	if (r->n < 4)
		return -1;
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	r->n -= 4;
	return 0;
}

static int
rd_string(struct rd *r, const unsigned char **s, size_t *len)
{
	uint32_t n;

	if (rd_u32(r, &n) != 0 || n > r->n)
		return -1;
	*s = r->p;
	*len = n;
	r->p += n;
	r->n -= n;
	return 0;
}

static int
rd_byte(struct rd *r, unsigned char *b)
{
	if (r->n < 1)
		return -1;
	*b = r->p[0];
	r->p++;
	r->n--;
	return 0;
}

/* An mpint (RFC 4251 §5) that must not be negative; its magnitude without leading zeros. */
static int
rd_mpint(struct rd *r, const unsigned char **s, size_t *len)
{
	if (rd_string(r, s, len) != 0 || (*len > 0 && ((*s)[0] & 0x80) != 0))
		return -1;
	while (*len > 0 && (*s)[0] == 0) {
		(*s)++;
		(*len)--;
	}
	return 0;
}

static int
eq(const unsigned char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static const struct pn_error *
put_string(struct pn_buf *b, const void *s, size_t n)
{
	unsigned char len[4];
	const struct pn_error *err;

	if (n > UINT32_MAX)
		return pn_error_fmt(PN_ERR_INTERNAL, "SSH string too long");
	len[0] = (unsigned char)(n >> 24);
	len[1] = (unsigned char)(n >> 16);
	len[2] = (unsigned char)(n >> 8);
	len[3] = (unsigned char)n;
	if ((err = pn_buf_add(b, len, sizeof(len))) != NULL)
		return err;
	return pn_buf_add(b, s, n);
}

static const struct pn_error *
put_mpi(struct pn_buf *b, const mbedtls_mpi *x)
{
	unsigned char tmp[MPINT_MAX];
	size_t n = mbedtls_mpi_size(x);

	if (n + 1 > sizeof(tmp) || mbedtls_mpi_write_binary(x, tmp + 1, n) != 0)
		return pn_error_fmt(PN_ERR_INTERNAL, "mpint of %zu bytes", n);
	tmp[0] = 0;
	/* a leading zero byte keeps a number whose top bit is set positive */
	if (n > 0 && (tmp[1] & 0x80) != 0)
		return put_string(b, tmp, n + 1);
	return put_string(b, tmp + 1, n);
}

/* ------------------------------------------------------------------------------------------------------------ */
/* public key blobs and checks */

static const struct pn_error *
set_public(struct pn_sshkey *k, const char *what)
{
	const struct pn_error *err = NULL;
	unsigned char point[MBEDTLS_ECP_MAX_PT_LEN];
	mbedtls_mpi n, e;
	struct pn_buf b;
	size_t plen;

	pn_buf_init(&b, PUB_MAX, "SSH public key");
	mbedtls_mpi_init(&n);
	mbedtls_mpi_init(&e);
	if ((err = put_string(&b, k->kt->name, strlen(k->kt->name))) != NULL)
		goto done;
	switch (k->kt->type) {
	case PN_SSHKEY_ED25519:
		err = put_string(&b, k->ed_sk + ED25519_SEED, ED25519_PK);
		break;
	case PN_SSHKEY_RSA:
		if (mbedtls_rsa_export(mbedtls_pk_rsa(k->pk), &n, NULL, NULL, NULL, &e) != 0) {
			err = pn_error_fmt(PN_ERR_INTERNAL, "%s: cannot export the RSA public key", what);
			goto done;
		}
		if ((err = put_mpi(&b, &e)) == NULL)
			err = put_mpi(&b, &n);
		break;
	default:
		if (mbedtls_ecp_write_public_key(mbedtls_pk_ec(k->pk), MBEDTLS_ECP_PF_UNCOMPRESSED, &plen, point,
		    sizeof(point)) != 0) {
			err = pn_error_fmt(PN_ERR_INTERNAL, "%s: cannot write the ECDSA public key", what);
			goto done;
		}
		if ((err = put_string(&b, k->kt->curve, strlen(k->kt->curve))) == NULL)
			err = put_string(&b, point, plen);
		break;
	}
	if (err == NULL) {
		memcpy(k->pub, b.data, b.len);
		k->pub_len = b.len;
	}
done:
	mbedtls_mpi_free(&n);
	mbedtls_mpi_free(&e);
	pn_buf_release(&b);
	return err;
}

/* An RSA key from anywhere: size in range, PKCS#1 v1.5 padding, and its parts consistent. */
static const struct pn_error *
check_rsa(struct pn_sshkey *k, const char *what)
{
	mbedtls_rsa_context *rsa = mbedtls_pk_rsa(k->pk);
	size_t bits = mbedtls_rsa_get_bitlen(rsa);
	char m[128];
	int rc;

	if (bits < PN_SSHKEY_RSA_BITS_MIN || bits > PN_SSHKEY_RSA_BITS_MAX)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "%s: RSA keys of %zu bits are not supported (%d to %d bits)",
		    what, bits, PN_SSHKEY_RSA_BITS_MIN, PN_SSHKEY_RSA_BITS_MAX);
	if ((rc = mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V15, MBEDTLS_MD_NONE)) != 0 ||
	    (rc = mbedtls_rsa_check_privkey(rsa)) != 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: inconsistent RSA private key (%s)", what,
		    mbed_msg(rc, m, sizeof(m)));
	return NULL;
}

/* An EC key from anywhere: a curve SSH knows; the public point is recomputed from the private scalar, so a
 * file whose stored public key disagrees cannot make us announce a key we cannot sign for. */
static const struct pn_error *
check_ec(struct pn_sshkey *k, const char *what)
{
	mbedtls_ecp_keypair *ec = mbedtls_pk_ec(k->pk);
	char m[128];
	int rc;

	k->kt = keytype_by_grp(mbedtls_ecp_keypair_get_group_id(ec));
	if (k->kt == NULL)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "%s: elliptic curve not supported by SSH (P-256, P-384 "
		    "and P-521 are)", what);
	if ((rc = mbedtls_ecp_keypair_calc_public(ec, pn_entropy_mbedtls, NULL)) != 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: invalid ECDSA private key (%s)", what,
		    mbed_msg(rc, m, sizeof(m)));
	return NULL;
}

/* ------------------------------------------------------------------------------------------------------------ */
/* openssh-key-v1 (OpenSSH PROTOCOL.key) */

static const struct pn_error *
openssh_ed25519(struct pn_sshkey *k, struct rd *r, const char *what)
{
	unsigned char pk[ED25519_PK], sk[ED25519_SK];
	const unsigned char *pub, *sec;
	size_t publen, seclen;
	const struct pn_error *err = NULL;

	if (rd_string(r, &pub, &publen) != 0 || rd_string(r, &sec, &seclen) != 0 || publen != ED25519_PK ||
	    seclen != ED25519_SK)
		return pn_error_fmt(PN_ERR_PARSE, "%s: malformed ssh-ed25519 private key", what);
	/* derive again from the seed: a damaged file fails here rather than at the server */
	if ((err = pn_ed25519_keypair(pk, sk, sec)) != NULL)
		goto done;
	if (memcmp(pk, pub, ED25519_PK) != 0 || memcmp(sec + ED25519_SEED, pub, ED25519_PK) != 0)
		err = pn_error_fmt(PN_ERR_PARSE, "%s: ssh-ed25519 private and public key do not match", what);
	else
		memcpy(k->ed_sk, sk, sizeof(sk));
done:
	mbedtls_platform_zeroize(sk, sizeof(sk));
	return err;
}

static const struct pn_error *
openssh_ecdsa(struct pn_sshkey *k, struct rd *r, const char *what)
{
	const unsigned char *curve, *q, *d;
	size_t clen, qlen, dlen;
	char m[128];
	int rc;

	if (rd_string(r, &curve, &clen) != 0 || rd_string(r, &q, &qlen) != 0 || rd_mpint(r, &d, &dlen) != 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: malformed %s private key", what, k->kt->name);
	if (!eq(curve, clen, k->kt->curve))
		return pn_error_fmt(PN_ERR_PARSE, "%s: %s key on another curve", what, k->kt->name);
	if ((rc = mbedtls_pk_setup(&k->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY))) != 0 ||
	    (rc = mbedtls_ecp_read_key(k->kt->grp, mbedtls_pk_ec(k->pk), d, dlen)) != 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: invalid %s private key (%s)", what, k->kt->name,
		    mbed_msg(rc, m, sizeof(m)));
	return check_ec(k, what);
}

static const struct pn_error *
openssh_rsa(struct pn_sshkey *k, struct rd *r, const char *what)
{
	const unsigned char *n, *e, *d, *iqmp, *p, *q;
	size_t nl, el, dl, il, pl, ql;
	char m[128];
	int rc;

	if (rd_mpint(r, &n, &nl) != 0 || rd_mpint(r, &e, &el) != 0 || rd_mpint(r, &d, &dl) != 0 ||
	    rd_mpint(r, &iqmp, &il) != 0 || rd_mpint(r, &p, &pl) != 0 || rd_mpint(r, &q, &ql) != 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: malformed ssh-rsa private key", what);
	(void)iqmp;
	(void)il;
	/* refuse absurd sizes before any arithmetic on them */
	if (nl * 8 > PN_SSHKEY_RSA_BITS_MAX || pl * 8 > PN_SSHKEY_RSA_BITS_MAX ||
	    ql * 8 > PN_SSHKEY_RSA_BITS_MAX || dl * 8 > PN_SSHKEY_RSA_BITS_MAX || el * 8 > PN_SSHKEY_RSA_BITS_MAX)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "%s: RSA keys over %d bits are not supported", what,
		    PN_SSHKEY_RSA_BITS_MAX);
	if ((rc = mbedtls_pk_setup(&k->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA))) != 0 ||
	    (rc = mbedtls_rsa_import_raw(mbedtls_pk_rsa(k->pk), n, nl, p, pl, q, ql, d, dl, e, el)) != 0 ||
	    (rc = mbedtls_rsa_complete(mbedtls_pk_rsa(k->pk))) != 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: invalid ssh-rsa private key (%s)", what,
		    mbed_msg(rc, m, sizeof(m)));
	return check_rsa(k, what);
}

static const struct pn_error *
parse_openssh(struct pn_sshkey *k, const unsigned char *d, size_t n, const char *what)
{
	struct rd r = {d, n}, priv;
	const unsigned char *cipher, *kdf, *kdfopt, *outer, *sec, *type, *comment;
	size_t cl, kl, ol, outl, secl, tl, coml;
	uint32_t nkeys, check1, check2;
	char q1[QUOTE_MAX + 4], q2[QUOTE_MAX + 4];
	const struct pn_error *err;

	k->format = "openssh";
	if (n < OPENSSH_MAGIC_LEN || memcmp(d, OPENSSH_MAGIC, OPENSSH_MAGIC_LEN) != 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: not an openssh-key-v1 private key", what);
	r.p += OPENSSH_MAGIC_LEN;
	r.n -= OPENSSH_MAGIC_LEN;
	if (rd_string(&r, &cipher, &cl) != 0 || rd_string(&r, &kdf, &kl) != 0 || rd_string(&r, &kdfopt, &ol) != 0 ||
	    rd_u32(&r, &nkeys) != 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: truncated OpenSSH private key", what);
	if (!eq(cipher, cl, "none")) {
		quote(cipher, cl, q1);
		quote(kdf, kl, q2);
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "%s: encrypted private keys are not supported (%s/%s): "
		    "decrypt it with ssh-keygen -p -N '' -f %s", what, q1, q2, what);
	}
	if (!eq(kdf, kl, "none"))
		return pn_error_fmt(PN_ERR_PARSE, "%s: OpenSSH private key with a KDF but no cipher", what);
	if (nkeys != 1)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "%s: holds %u keys; one key per file is supported", what,
		    (unsigned)nkeys);
	if (rd_string(&r, &outer, &outl) != 0 || rd_string(&r, &sec, &secl) != 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: truncated OpenSSH private key", what);
	if (r.n != 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: trailing bytes after the OpenSSH private key", what);
	if (secl < OPENSSH_BLOCK || secl % OPENSSH_BLOCK != 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: OpenSSH private section is not padded", what);
	priv.p = sec;
	priv.n = secl;
	if (rd_u32(&priv, &check1) != 0 || rd_u32(&priv, &check2) != 0 || check1 != check2)
		return pn_error_fmt(PN_ERR_PARSE, "%s: OpenSSH private key is damaged (check bytes differ)", what);
	if (rd_string(&priv, &type, &tl) != 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: truncated OpenSSH private key", what);
	k->kt = keytype_by_name(type, tl);
	if (k->kt == NULL) {
		quote(type, tl, q1);
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "%s: %s keys are not supported (ssh-ed25519, "
		    "ecdsa-sha2-nistp256/384/521 and ssh-rsa are)", what, q1);
	}
	switch (k->kt->type) {
	case PN_SSHKEY_ED25519:
		err = openssh_ed25519(k, &priv, what);
		break;
	case PN_SSHKEY_RSA:
		err = openssh_rsa(k, &priv, what);
		break;
	default:
		err = openssh_ecdsa(k, &priv, what);
		break;
	}
	if (err != NULL)
		return err;
	if (rd_string(&priv, &comment, &coml) != 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: truncated OpenSSH private key", what);
	/* padding 1, 2, 3, ... up to the block size */
	if (priv.n >= OPENSSH_BLOCK)
		return pn_error_fmt(PN_ERR_PARSE, "%s: bad padding in the OpenSSH private key", what);
	for (size_t i = 0; i < priv.n; i++)
		if (priv.p[i] != (unsigned char)(i + 1))
			return pn_error_fmt(PN_ERR_PARSE, "%s: bad padding in the OpenSSH private key", what);
	if ((err = set_public(k, what)) != NULL)
		return err;
	if (outl != k->pub_len || memcmp(outer, k->pub, outl) != 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: the public key in the file does not belong to its private key",
		    what);
	return NULL;
}

/* ------------------------------------------------------------------------------------------------------------ */
/* PKCS#8, SEC1, PKCS#1 (DER) */

/* PKCS#8 / OneAsymmetricKey with id-Ed25519 (RFC 8410), which mbedTLS does not know: 1 and the seed if it is
 * one, 0 if it is some other key (for mbedTLS to read), -1 if it is Ed25519 but malformed or Ed448. */
static int
pkcs8_ed25519(unsigned char *der, size_t len, unsigned char seed[ED25519_SEED])
{
	unsigned char *p = der, *end = der + len;
	mbedtls_asn1_buf oid, params;
	size_t n;
	int version;

	if (mbedtls_asn1_get_tag(&p, end, &n, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
		return 0;
	end = p + n;
	if (mbedtls_asn1_get_int(&p, end, &version) != 0 || mbedtls_asn1_get_alg(&p, end, &oid, &params) != 0)
		return 0;
	if (oid.len == sizeof(OID_ED448) && memcmp(oid.p, OID_ED448, oid.len) == 0)
		return -1;
	if (oid.len != sizeof(OID_ED25519) || memcmp(oid.p, OID_ED25519, oid.len) != 0)
		return 0;
	if ((version != 0 && version != 1) || params.tag != 0 ||
	    mbedtls_asn1_get_tag(&p, end, &n, MBEDTLS_ASN1_OCTET_STRING) != 0 ||
	    mbedtls_asn1_get_tag(&p, p + n, &n, MBEDTLS_ASN1_OCTET_STRING) != 0 || n != ED25519_SEED)
		return -1;
	memcpy(seed, p, ED25519_SEED);
	return 1;
}

static const struct pn_error *
parse_der(struct pn_sshkey *k, unsigned char *der, size_t len, const char *what)
{
	unsigned char seed[ED25519_SEED], pk[ED25519_PK];
	char m[128];
	int rc;

	rc = pkcs8_ed25519(der, len, seed);
	if (rc < 0)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "%s: malformed or Ed448 PKCS#8 key (Ed25519 is supported)",
		    what);
	if (rc == 1) {
		const struct pn_error *err;

		k->kt = &keytypes[0];
		err = pn_ed25519_keypair(pk, k->ed_sk, seed);
		mbedtls_platform_zeroize(seed, sizeof(seed));
		return err != NULL ? err : set_public(k, what);
	}
	/* 3.x reads PKCS#8, PKCS#1 and SEC1 DER here (no PEM: the buffer does not end in NUL) */
	rc = mbedtls_pk_parse_key(&k->pk, der, len, NULL, 0, pn_entropy_mbedtls, NULL);
	if (rc != 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: cannot read the %s private key (%s)", what, k->format,
		    mbed_msg(rc, m, sizeof(m)));
	if (mbedtls_pk_get_type(&k->pk) == MBEDTLS_PK_RSA) {
		const struct pn_error *err;

		k->kt = &keytypes[NKEYTYPES - 1];
		if ((err = check_rsa(k, what)) != NULL)
			return err;
	} else if (mbedtls_pk_can_do(&k->pk, MBEDTLS_PK_ECDSA)) {
		const struct pn_error *err;

		if ((err = check_ec(k, what)) != NULL)
			return err;
	} else {
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "%s: %s keys are not supported", what,
		    mbedtls_pk_get_name(&k->pk));
	}
	return set_public(k, what);
}

/* ------------------------------------------------------------------------------------------------------------ */
/* PEM armour */

struct pem {
	char label[PEM_LABEL_MAX];
	const char *body;	/* between the BEGIN and END lines */
	size_t body_len;
	int encrypted;		/* Proc-Type: 4,ENCRYPTED */
	char dek[QUOTE_MAX + 4];	/* DEK-Info cipher */
};

/* Find the first PEM block at or after s: 0 found, -1 none, -2 a BEGIN without its END. */
static int
pem_block(const char *s, size_t n, struct pem *pem)
{
	const char *b = memmem(s, n, PEM_BEGIN, sizeof(PEM_BEGIN) - 1), *l, *le, *body, *e, *end = s + n;
	char endline[PEM_LABEL_MAX + 16];
	size_t ll;
	int m;

	memset(pem, 0, sizeof(*pem));
	if (b == NULL)
		return -1;
	l = b + sizeof(PEM_BEGIN) - 1;
	le = memmem(l, (size_t)(end - l), PEM_DASHES, sizeof(PEM_DASHES) - 1);
	if (le == NULL || (ll = (size_t)(le - l)) >= PEM_LABEL_MAX || memchr(l, '\n', ll) != NULL)
		return -2;
	memcpy(pem->label, l, ll);
	pem->label[ll] = '\0';
	body = le + sizeof(PEM_DASHES) - 1;
	m = snprintf(endline, sizeof(endline), "-----END %s-----", pem->label);
	if (m < 0 || (size_t)m >= sizeof(endline))
		return -2;
	e = memmem(body, (size_t)(end - body), endline, (size_t)m);
	if (e == NULL)
		return -2;
	pem->body = body;
	pem->body_len = (size_t)(e - body);
	/* RFC 1421 headers: "Name: value" lines before the base64 */
	for (const char *p = body; p < e;) {
		const char *nl = memchr(p, '\n', (size_t)(e - p)), *le2 = nl != NULL ? nl : e;
		size_t len = (size_t)(le2 - p);

		if (len >= 10 && memcmp(p, "Proc-Type:", 10) == 0 && memmem(p, len, "ENCRYPTED", 9) != NULL)
			pem->encrypted = 1;
		if (len > 9 && memcmp(p, "DEK-Info:", 9) == 0) {
			const char *v = p + 9, *c;

			while (v < le2 && (*v == ' ' || *v == '\t'))
				v++;
			c = memchr(v, ',', (size_t)(le2 - v));
			quote((const unsigned char *)v, (size_t)((c != NULL ? c : le2) - v), pem->dek);
		}
		p = le2 + (nl != NULL ? 1 : 0);
	}
	return 0;
}

static int
ends_with(const char *s, const char *lit)
{
	size_t n = strlen(s), l = strlen(lit);

	return n >= l && memcmp(s + n - l, lit, l) == 0;
}

/* The first "... PRIVATE KEY" block (`openssl ecparam -genkey` writes an "EC PARAMETERS" block before it), or
 * else the first block, for the error to name. Returns as pem_block(). */
static int
pem_find(const char *s, size_t n, struct pem *pem)
{
	const char *p = s, *end = s + n;
	struct pem first;
	int rc, first_rc = -1;

	while ((rc = pem_block(p, (size_t)(end - p), pem)) == 0) {
		if (ends_with(pem->label, "PRIVATE KEY"))
			return 0;
		if (first_rc == -1) {
			first = *pem;
			first_rc = 0;
		}
		p = pem->body + pem->body_len;	/* at the END line: the next BEGIN is after it */
	}
	if (rc == -1 && first_rc == 0) {
		*pem = first;
		return 0;
	}
	return rc;
}

/* Base64 of a PEM body, header lines left out, into a new buffer (wiped and freed by the caller). */
static const struct pn_error *
pem_decode(const struct pem *pem, const char *what, unsigned char **out, size_t *out_len, size_t *cap)
{
	unsigned char *b64 = NULL, *der = NULL;
	size_t n = 0, dcap;
	const char *p = pem->body, *e = pem->body + pem->body_len;
	const struct pn_error *err = NULL;

	*out = NULL;
	b64 = malloc(pem->body_len + 1);
	dcap = pem->body_len / 4 * 3 + 3;
	der = malloc(dcap);
	if (b64 == NULL || der == NULL) {
		err = pn_error(PN_ERR_NOMEM);
		goto done;
	}
	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p)), *le = nl != NULL ? nl : e;

		if (memchr(p, ':', (size_t)(le - p)) == NULL)
			for (const char *c = p; c < le; c++)
				if (*c != ' ' && *c != '\t' && *c != '\r')
					b64[n++] = (unsigned char)*c;
		p = le + (nl != NULL ? 1 : 0);
	}
	if (n == 0 || mbedtls_base64_decode(der, dcap, out_len, b64, n) != 0) {
		err = pn_error_fmt(PN_ERR_PARSE, "%s: bad base64 in the PEM block \"%s\"", what, pem->label);
		goto done;
	}
	*out = der;
	*cap = dcap;
	der = NULL;
done:
	wipe_free(b64, pem->body_len + 1);
	wipe_free(der, dcap);
	return err;
}

static const struct pn_error *
parse_pem(struct pn_sshkey *k, const struct pem *pem, const char *what)
{
	unsigned char *der = NULL;
	size_t len = 0, cap = 0;
	const struct pn_error *err;
	const char *kind = NULL;

	if (strcmp(pem->label, "OPENSSH PRIVATE KEY") == 0)
		k->format = "openssh";
	else if (strcmp(pem->label, "PRIVATE KEY") == 0)
		k->format = "pkcs8";
	else if (strcmp(pem->label, "EC PRIVATE KEY") == 0)
		k->format = "sec1";
	else if (strcmp(pem->label, "RSA PRIVATE KEY") == 0)
		k->format = "pkcs1";
	else if (strcmp(pem->label, "ENCRYPTED PRIVATE KEY") == 0)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "%s: encrypted private keys are not supported (PKCS#8): "
		    "decrypt it with openssl pkey -in %s -out PLAIN (or ssh-keygen -p -N '' -f %s, not for ed25519)",
		    what, what, what);
	else if (strcmp(pem->label, "DSA PRIVATE KEY") == 0)
		kind = "DSA keys";
	else if (strcmp(pem->label, "SSH2 ENCRYPTED PRIVATE KEY") == 0)
		kind = "ssh.com (SSH2) keys: convert it with ssh-keygen -i -f FILE";
	else if (strstr(pem->label, "PUBLIC KEY") != NULL || strcmp(pem->label, "CERTIFICATE") == 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: holds a %s, not a private key", what, pem->label);
	else
		return pn_error_fmt(PN_ERR_PARSE, "%s: unknown PEM block \"%s\" (expected an OpenSSH, PKCS#8, SEC1 "
		    "or PKCS#1 private key)", what, pem->label);
	if (kind != NULL)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "%s: %s are not supported (use ed25519, ecdsa or rsa)", what,
		    kind);
	if (pem->encrypted)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "%s: encrypted private keys are not supported (PEM %s): "
		    "decrypt it with ssh-keygen -p -N '' -f %s", what, pem->dek[0] != '\0' ? pem->dek : "?", what);
	if ((err = pem_decode(pem, what, &der, &len, &cap)) != NULL)
		return err;
	if (strcmp(k->format, "openssh") == 0)
		err = parse_openssh(k, der, len, what);
	else
		err = parse_der(k, der, len, what);
	wipe_free(der, cap);
	return err;
}

/* ------------------------------------------------------------------------------------------------------------ */
/* public interface */

static int
starts_with(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n >= l && memcmp(s, lit, l) == 0;
}

const struct pn_error *
pn_sshkey_parse(const void *data, size_t len, const char *what, struct pn_sshkey **out)
{
	const char *s = data;
	struct pn_sshkey *k;
	const struct pn_error *err;
	struct pem pem;
	size_t skip = 0;
	int rc;

	*out = NULL;
	if (what == NULL)
		what = "private key";
	if (len > PN_SSHKEY_FILE_MAX)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s: larger than %d bytes: not a private key", what,
		    PN_SSHKEY_FILE_MAX);
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	mbedtls_pk_init(&k->pk);
	while (skip < len && (s[skip] == ' ' || s[skip] == '\t' || s[skip] == '\r' || s[skip] == '\n'))
		skip++;
	rc = pem_find(s, len, &pem);
	if (rc == 0) {
		err = parse_pem(k, &pem, what);
	} else if (rc == -2) {
		err = pn_error_fmt(PN_ERR_PARSE, "%s: PEM block without its END line (truncated?)", what);
	} else if (starts_with(s + skip, len - skip, "PuTTY-User-Key-File-")) {
		err = pn_error_fmt(PN_ERR_UNSUPPORTED, "%s: PuTTY keys are not supported: export it in OpenSSH "
		    "format with puttygen", what);
	} else if (starts_with(s + skip, len - skip, "ssh-") || starts_with(s + skip, len - skip, "ecdsa-")) {
		err = pn_error_fmt(PN_ERR_PARSE, "%s: holds a public key; the private key file is needed", what);
	} else if (skip < len && (unsigned char)s[skip] == (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) {
		/* DER without armour: copied, since mbedTLS's ASN.1 reader wants writable pointers */
		unsigned char *der = malloc(len - skip);

		k->format = "der";
		if (der == NULL) {
			err = pn_error(PN_ERR_NOMEM);
		} else {
			memcpy(der, s + skip, len - skip);
			err = parse_der(k, der, len - skip, what);
			wipe_free(der, len - skip);
		}
	} else {
		err = pn_error_fmt(PN_ERR_PARSE, "%s: not a private key (expected an OpenSSH, PKCS#8, SEC1 or PKCS#1 "
		    "PEM file)", what);
	}
	if (err != NULL) {
		pn_sshkey_free(k);
		return err;
	}
	*out = k;
	return NULL;
}

const struct pn_error *
pn_sshkey_load(const char *path, struct pn_sshkey **out)
{
	const size_t cap = PN_SSHKEY_FILE_MAX + 1;	/* one more to tell "exactly full" from "too large" */
	const struct pn_error *err = NULL;
	unsigned char *buf = NULL;
	size_t len = 0;
	int fd;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return pn_error_errno_fmt("open private key %s", path);
	/* one buffer of fixed size: growing one by realloc would leave copies of the key in freed memory */
	if ((buf = malloc(cap)) == NULL) {
		err = pn_error(PN_ERR_NOMEM);
		goto done;
	}
	while (len < cap) {
		ssize_t n = read(fd, buf + len, cap - len);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			err = pn_error_errno_fmt("read %s", path);
			goto done;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > PN_SSHKEY_FILE_MAX) {
		err = pn_error_fmt(PN_ERR_TOO_LARGE, "%s: larger than %d bytes: not a private key", path,
		    PN_SSHKEY_FILE_MAX);
		goto done;
	}
	err = pn_sshkey_parse(buf, len, path, out);
done:
	wipe_free(buf, cap);
	if (close(fd) == -1 && err == NULL) {
		err = pn_error_errno_fmt("close %s", path);
		pn_sshkey_free(*out);
		*out = NULL;
	}
	return err;
}

void
pn_sshkey_free(struct pn_sshkey *k)
{
	if (k == NULL)
		return;
	mbedtls_pk_free(&k->pk);	/* frees the RSA/EC contexts; their numbers are zeroised as they go */
	mbedtls_platform_zeroize(k, sizeof(*k));	/* the Ed25519 secret key with it */
	free(k);
}

enum pn_sshkey_type
pn_sshkey_type(const struct pn_sshkey *k)
{
	return k->kt->type;
}

const char *
pn_sshkey_type_name(const struct pn_sshkey *k)
{
	return k->kt->name;
}

const char *
pn_sshkey_format(const struct pn_sshkey *k)
{
	return k->format;
}

const unsigned char *
pn_sshkey_public(const struct pn_sshkey *k, size_t *len)
{
	*len = k->pub_len;
	return k->pub;
}

static const struct pn_error *
sign_ecdsa(const struct pn_sshkey *k, const unsigned char *hash, size_t hlen, unsigned char **sig,
    size_t *sig_len)
{
	mbedtls_ecp_group grp;
	mbedtls_mpi d, r, s;
	struct pn_buf b;
	const struct pn_error *err = NULL;
	char m[128], *out = NULL;
	int rc;

	mbedtls_ecp_group_init(&grp);
	mbedtls_mpi_init(&d);
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	pn_buf_init(&b, ECDSA_SIG_MAX, "ECDSA signature");
	/* deterministic ECDSA (RFC 6979): no nonce from a weak RNG can leak the key; the RNG only blinds */
	if ((rc = mbedtls_ecp_export(mbedtls_pk_ec(k->pk), &grp, &d, NULL)) != 0 ||
	    (rc = mbedtls_ecdsa_sign_det_ext(&grp, &r, &s, &d, hash, hlen, k->kt->md, pn_entropy_mbedtls, NULL)) != 0) {
		err = pn_error_fmt(PN_ERR_INTERNAL, "%s signature failed (%s)", k->kt->name, mbed_msg(rc, m, sizeof(m)));
		goto done;
	}
	if ((err = put_mpi(&b, &r)) != NULL || (err = put_mpi(&b, &s)) != NULL)
		goto done;
	if ((err = pn_buf_detach(&b, &out, sig_len)) == NULL)
		*sig = (unsigned char *)out;
done:
	pn_buf_release(&b);
	mbedtls_mpi_free(&d);
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	mbedtls_ecp_group_free(&grp);
	return err;
}

const struct pn_error *
pn_sshkey_sign(const struct pn_sshkey *k, const char *alg, const void *data, size_t len, unsigned char **sig,
    size_t *sig_len)
{
	unsigned char hash[DIGEST_MAX];
	mbedtls_md_type_t md = MBEDTLS_MD_NONE;
	const mbedtls_md_info_t *info;
	char m[128];
	int rc;

	*sig = NULL;
	*sig_len = 0;
	if (k->kt->type == PN_SSHKEY_RSA) {
		for (size_t i = 0; i < NRSA_ALGS; i++)
			if (strcmp(alg, rsa_algs[i].alg) == 0)
				md = rsa_algs[i].md;
	} else if (strcmp(alg, k->kt->name) == 0) {
		md = k->kt->md;
	} else {
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "a %s key cannot make %s signatures", k->kt->name, alg);
	}
	if (k->kt->type == PN_SSHKEY_ED25519) {
		const struct pn_error *err;

		if ((*sig = malloc(ED25519_SIG)) == NULL)
			return pn_error(PN_ERR_NOMEM);
		if ((err = pn_ed25519_sign(*sig, data, len, k->ed_sk)) != NULL) {
			free(*sig);
			*sig = NULL;
			return err;
		}
		*sig_len = ED25519_SIG;
		return NULL;
	}
	if (md == MBEDTLS_MD_NONE)
		return pn_error_fmt(PN_ERR_UNSUPPORTED, "an RSA key cannot make %s signatures", alg);
	info = mbedtls_md_info_from_type(md);
	if (info == NULL || mbedtls_md(info, data, len, hash) != 0)
		return pn_error_fmt(PN_ERR_INTERNAL, "hash for %s failed", alg);
	if (k->kt->type != PN_SSHKEY_RSA)
		return sign_ecdsa(k, hash, mbedtls_md_get_size(info), sig, sig_len);
	*sig_len = mbedtls_rsa_get_len(mbedtls_pk_rsa(k->pk));
	if ((*sig = malloc(*sig_len)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	rc = mbedtls_rsa_pkcs1_sign(mbedtls_pk_rsa(k->pk), pn_entropy_mbedtls, NULL, md,
	    (unsigned)mbedtls_md_get_size(info), hash, *sig);
	if (rc != 0) {
		free(*sig);
		*sig = NULL;
		*sig_len = 0;
		return pn_error_fmt(PN_ERR_INTERNAL, "%s signature failed (%s)", alg, mbed_msg(rc, m, sizeof(m)));
	}
	return NULL;
}

int
pn_sshkey_libssh2_sign(LIBSSH2_SESSION *session, unsigned char **sig, size_t *sig_len,
    const unsigned char *data, size_t data_len, void **abstract)
{
	struct pn_sshkey_signer *sg = abstract != NULL ? *abstract : NULL;
	struct rd r = {data, data_len};
	const unsigned char *sid, *user, *service, *method, *alg, *pub;
	size_t sidl, ul, sl, ml, al, pl;
	unsigned char type, has_sig;

	(void)session;
	if (sg == NULL || sg->key == NULL)
		return -1;
	sg->err = NULL;
	sg->alg[0] = '\0';
	/* what libssh2 asks us to sign is RFC 4252 §7's: string session_id, byte SSH_MSG_USERAUTH_REQUEST,
	 * string user, string service, string "publickey", TRUE, string algorithm, string public key */
	if (rd_string(&r, &sid, &sidl) != 0 || rd_byte(&r, &type) != 0 || type != MSG_USERAUTH_REQUEST ||
	    rd_string(&r, &user, &ul) != 0 || rd_string(&r, &service, &sl) != 0 ||
	    rd_string(&r, &method, &ml) != 0 || !eq(method, ml, "publickey") || rd_byte(&r, &has_sig) != 0 ||
	    has_sig != 1 || rd_string(&r, &alg, &al) != 0 || rd_string(&r, &pub, &pl) != 0 || r.n != 0) {
		sg->err = pn_error_fmt(PN_ERR_INTERNAL, "libssh2 asked to sign something that is not a userauth "
		    "request");
		return -1;
	}
	if (pl != sg->key->pub_len || memcmp(pub, sg->key->pub, pl) != 0) {
		sg->err = pn_error_fmt(PN_ERR_INTERNAL, "libssh2 asked to sign for another public key");
		return -1;
	}
	if (al == 0 || al >= sizeof(sg->alg)) {
		sg->err = pn_error_fmt(PN_ERR_UNSUPPORTED, "signature algorithm name of %zu bytes", al);
		return LIBSSH2_ERROR_ALGO_UNSUPPORTED;
	}
	memcpy(sg->alg, alg, al);
	sg->alg[al] = '\0';
	sg->err = pn_sshkey_sign(sg->key, sg->alg, data, data_len, sig, sig_len);
	if (sg->err != NULL)
		/* libssh2 then retries once with the key type's own algorithm */
		return sg->err->code == PN_ERR_UNSUPPORTED ? LIBSSH2_ERROR_ALGO_UNSUPPORTED : -1;
	return 0;
}
