/*
 * Private key parsing and signing. Keys are made at test time by the real ssh-keygen and openssl (through
 * tests/peers/gitpeers.py make_client_key, as the live tests make them): every type in every format a Flux
 * user has. The public key derived from each private key must equal the `.pub` file that ssh-keygen wrote
 * (or that `ssh-keygen -y` derived), and every signature must verify with an independent verifier (libsodium
 * where the test build links it, mbedTLS) against that `.pub` key. Encrypted keys, garbage and damaged OpenSSH
 * keys give errors naming the file.
 */
#include "pn_test.h"
#include "peer.h"

#include <mbedtls/base64.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/md.h>
#include <mbedtls/rsa.h>
#ifdef PN_TEST_SODIUM
#include <sodium.h>
#endif

#include "../../agent/source/sshkey.h"

#define FILE_MAX 65536
#define BLOB_MAX 4096
#define PATH_LEN (PN_TEST_PATH_MAX + 64)

static char dir[PN_TEST_PATH_MAX];

struct keycase {
	const char *file;
	enum pn_sshkey_type type;
	const char *type_name;
	const char *format;
};

static const struct keycase keys[] = {
	{"client_ed25519_openssh", PN_SSHKEY_ED25519, "ssh-ed25519", "openssh"},
	{"client_ed25519_pkcs8", PN_SSHKEY_ED25519, "ssh-ed25519", "pkcs8"},
	{"client_ecdsa_p256_openssh", PN_SSHKEY_ECDSA_P256, "ecdsa-sha2-nistp256", "openssh"},
	{"client_ecdsa_p256_pkcs8", PN_SSHKEY_ECDSA_P256, "ecdsa-sha2-nistp256", "pkcs8"},
	{"client_ecdsa_p256_pem", PN_SSHKEY_ECDSA_P256, "ecdsa-sha2-nistp256", "sec1"},
	{"client_ecdsa_p384_openssh", PN_SSHKEY_ECDSA_P384, "ecdsa-sha2-nistp384", "openssh"},
	{"client_ecdsa_p384_pkcs8", PN_SSHKEY_ECDSA_P384, "ecdsa-sha2-nistp384", "pkcs8"},
	{"client_ecdsa_p384_pem", PN_SSHKEY_ECDSA_P384, "ecdsa-sha2-nistp384", "sec1"},
	{"client_ecdsa_p521_openssh", PN_SSHKEY_ECDSA_P521, "ecdsa-sha2-nistp521", "openssh"},
	{"client_ecdsa_p521_pkcs8", PN_SSHKEY_ECDSA_P521, "ecdsa-sha2-nistp521", "pkcs8"},
	{"client_ecdsa_p521_pem", PN_SSHKEY_ECDSA_P521, "ecdsa-sha2-nistp521", "sec1"},
	{"client_rsa2048_openssh", PN_SSHKEY_RSA, "ssh-rsa", "openssh"},
	{"client_rsa2048_pkcs8", PN_SSHKEY_RSA, "ssh-rsa", "pkcs8"},
	{"client_rsa2048_pem", PN_SSHKEY_RSA, "ssh-rsa", "pkcs1"},
	{"client_rsa_openssh", PN_SSHKEY_RSA, "ssh-rsa", "openssh"},
	{"client_rsa_pkcs8", PN_SSHKEY_RSA, "ssh-rsa", "pkcs8"},
	{"client_rsa_pem", PN_SSHKEY_RSA, "ssh-rsa", "pkcs1"},
	/* as openssl (and flux bootstrap, through Go) write them */
	{"ossl_p384_pkcs8", PN_SSHKEY_ECDSA_P384, "ecdsa-sha2-nistp384", "pkcs8"},
	{"ossl_p256_sec1_with_params", PN_SSHKEY_ECDSA_P256, "ecdsa-sha2-nistp256", "sec1"},
	{"ossl_rsa_pkcs1", PN_SSHKEY_RSA, "ssh-rsa", "pkcs1"},
	{"ossl_p256_der", PN_SSHKEY_ECDSA_P256, "ecdsa-sha2-nistp256", "der"},
	{"ossl_rsa_der", PN_SSHKEY_RSA, "ssh-rsa", "der"},
	{"ossl_ed25519_der", PN_SSHKEY_ED25519, "ssh-ed25519", "der"},
	{"crlf_ecdsa_p256_openssh", PN_SSHKEY_ECDSA_P256, "ecdsa-sha2-nistp256", "openssh"},
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* Every key above, made with the tools users have. */
static const char MAKE_KEYS[] =
	"set -e\n"
	"cd %s\n"
	"python3 - <<'EOF'\n"
	"import sys\n"
	"sys.path.insert(0, '%s/tests/peers')\n"
	"import gitpeers\n"
	"for t in ('ed25519', 'ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'rsa2048', 'rsa'):\n"
	"    for f in ('openssh', 'pkcs8', 'pem'):\n"
	"        if t != 'ed25519' or f != 'pem':\n"
	"            gitpeers.make_client_key('.', t, f)\n"
	"gitpeers.make_client_key('.', 'ed25519', 'openssh', name='enc_openssh', passphrase='secret')\n"
	"gitpeers.make_client_key('.', 'ecdsa-p256', 'pem', name='enc_pem', passphrase='secret')\n"
	"gitpeers.make_client_key('.', 'rsa2048', 'pem', name='enc_rsa_pem', passphrase='secret')\n"
	"gitpeers.make_client_key('.', 'ecdsa-p384', 'pkcs8', name='enc_pkcs8', passphrase='secret')\n"
	"gitpeers.make_client_key('.', 'ed25519', 'pkcs8', name='enc_ed25519_pkcs8', passphrase='secret')\n"
	"EOF\n"
	"openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out ossl_p384_pkcs8 2>/dev/null\n"
	"openssl ecparam -genkey -name prime256v1 -out ossl_p256_sec1_with_params\n"
	"openssl genrsa -traditional -out ossl_rsa_pkcs1 2048 2>/dev/null\n"
	"chmod 600 ossl_*\n"
	"for k in ossl_p384_pkcs8 ossl_p256_sec1_with_params ossl_rsa_pkcs1; do ssh-keygen -y -f $k > $k.pub; done\n"
	"openssl pkey -in client_ecdsa_p256_pkcs8 -outform DER -out ossl_p256_der\n"
	"cp client_ecdsa_p256_pkcs8.pub ossl_p256_der.pub\n"
	"openssl rsa -in ossl_rsa_pkcs1 -outform DER -traditional -out ossl_rsa_der 2>/dev/null\n"
	"cp ossl_rsa_pkcs1.pub ossl_rsa_der.pub\n"
	"openssl pkey -in client_ed25519_pkcs8 -outform DER -out ossl_ed25519_der\n"
	"cp client_ed25519_pkcs8.pub ossl_ed25519_der.pub\n"
	"sed 's/$/\\r/' client_ecdsa_p256_openssh > crlf_ecdsa_p256_openssh\n"
	"cp client_ecdsa_p256_openssh.pub crlf_ecdsa_p256_openssh.pub\n"
	"printf 'garbage\\0\\1\\2 not a key' > garbage\n"
	"head -c 3000 /dev/urandom > random\n"
	"head -n 3 client_rsa_openssh > truncated\n"
	"printf -- '-----BEGIN DSA PRIVATE KEY-----\\nAAAA\\n-----END DSA PRIVATE KEY-----\\n' > dsa\n"
	"printf 'PuTTY-User-Key-File-3: ssh-ed25519\\nEncryption: none\\n' > putty\n"
	"printf -- '-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\\n' > cert\n"
	"printf -- '-----BEGIN PRIVATE KEY-----\\n!!!!\\n-----END PRIVATE KEY-----\\n' > badb64\n"
	"head -c 70000 /dev/zero > huge\n";

static int
setup(void **state)
{
	char cwd[PN_TEST_PATH_MAX], script[sizeof(MAKE_KEYS) + 3 * PN_TEST_PATH_MAX];
	char abs[PN_TEST_PATH_MAX * 2 + 2];

	(void)state;
	if (pn_test_tmpdir("sshkey", dir, sizeof(dir)) != 0 || getcwd(cwd, sizeof(cwd)) == NULL)
		return -1;
	snprintf(abs, sizeof(abs), "%s/%s", cwd, dir);
	snprintf(script, sizeof(script), MAKE_KEYS, abs, cwd);
	return system(script) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	pn_test_rmtree(dir);
	return 0;
}

static void
path_of(const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", dir, name);
}

/* The blob of a .pub file ("type base64 comment"). */
static size_t
read_pub(const char *name, unsigned char *blob, size_t len)
{
	char path[PATH_LEN + 8], line[FILE_MAX], *sp, *end;
	size_t olen = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.pub", dir, name);
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_non_null(sp = strchr(line, ' '));
	sp++;
	end = sp + strcspn(sp, " \n");
	assert_int_equal(mbedtls_base64_decode(blob, len, &olen, (unsigned char *)sp, (size_t)(end - sp)), 0);
	return olen;
}

/* SSH wire reader for the checks */
static const unsigned char *
get_string(const unsigned char **p, const unsigned char *end, size_t *len)
{
	const unsigned char *s;
	uint32_t n;

	assert_true(end - *p >= 4);
	n = (uint32_t)(*p)[0] << 24 | (uint32_t)(*p)[1] << 16 | (uint32_t)(*p)[2] << 8 | (*p)[3];
	assert_true((size_t)(end - *p - 4) >= n);
	s = *p + 4;
	*p = s + n;
	*len = n;
	return s;
}

/* Verify an SSH signature body of alg over data with the public key blob, independently of pinion. */
static void
verify(const unsigned char *pub, size_t publen, const char *alg, const unsigned char *data, size_t dlen,
    const unsigned char *sig, size_t siglen)
{
	const unsigned char *p = pub, *end = pub + publen, *type, *a, *b;
	unsigned char hash[64];
	mbedtls_md_type_t md = MBEDTLS_MD_NONE;
	size_t tl, al, bl;

	type = get_string(&p, end, &tl);
	if (tl == 11 && memcmp(type, "ssh-ed25519", 11) == 0) {
		a = get_string(&p, end, &al);
		assert_int_equal(al, 32);
		assert_int_equal(siglen, 64);
#ifdef PN_TEST_SODIUM
		assert_int_equal(crypto_sign_verify_detached(sig, data, dlen, a), 0);
#else
		/* no independent Ed25519 verifier in this build: tests/integration/test_ssh.py has a real sshd check */
		(void)data;
		(void)dlen;
#endif
	} else if (tl == 7 && memcmp(type, "ssh-rsa", 7) == 0) {
		mbedtls_rsa_context rsa;

		md = strcmp(alg, "rsa-sha2-512") == 0 ? MBEDTLS_MD_SHA512 :
		    strcmp(alg, "rsa-sha2-256") == 0 ? MBEDTLS_MD_SHA256 : MBEDTLS_MD_SHA1;
		a = get_string(&p, end, &al);	/* e */
		b = get_string(&p, end, &bl);	/* n */
		mbedtls_rsa_init(&rsa);
		assert_int_equal(mbedtls_rsa_import_raw(&rsa, b, bl, NULL, 0, NULL, 0, NULL, 0, a, al), 0);
		assert_int_equal(mbedtls_rsa_complete(&rsa), 0);
		assert_int_equal(siglen, mbedtls_rsa_get_len(&rsa));
		assert_int_equal(mbedtls_md(mbedtls_md_info_from_type(md), data, dlen, hash), 0);
		assert_int_equal(mbedtls_rsa_pkcs1_verify(&rsa, md, mbedtls_md_get_size(mbedtls_md_info_from_type(md)),
		    hash, sig), 0);
		mbedtls_rsa_free(&rsa);
	} else {
		mbedtls_ecp_group grp;
		mbedtls_ecp_point q;
		mbedtls_mpi r, s;
		mbedtls_ecp_group_id id;
		const unsigned char *sp = sig, *send = sig + siglen, *rb, *sb;
		size_t rl, sl;

		assert_int_equal(strncmp(alg, (const char *)type, tl), 0);
		if (tl == 19 && memcmp(type, "ecdsa-sha2-nistp256", 19) == 0) {
			id = MBEDTLS_ECP_DP_SECP256R1;
			md = MBEDTLS_MD_SHA256;
		} else if (tl == 19 && memcmp(type, "ecdsa-sha2-nistp384", 19) == 0) {
			id = MBEDTLS_ECP_DP_SECP384R1;
			md = MBEDTLS_MD_SHA384;
		} else {
			assert_true(tl == 19 && memcmp(type, "ecdsa-sha2-nistp521", 19) == 0);
			id = MBEDTLS_ECP_DP_SECP521R1;
			md = MBEDTLS_MD_SHA512;
		}
		(void)get_string(&p, end, &al);	/* curve */
		a = get_string(&p, end, &al);	/* Q */
		mbedtls_ecp_group_init(&grp);
		mbedtls_ecp_point_init(&q);
		mbedtls_mpi_init(&r);
		mbedtls_mpi_init(&s);
		assert_int_equal(mbedtls_ecp_group_load(&grp, id), 0);
		assert_int_equal(mbedtls_ecp_point_read_binary(&grp, &q, a, al), 0);
		/* the body is mpint(r) || mpint(s), nothing else */
		rb = get_string(&sp, send, &rl);
		sb = get_string(&sp, send, &sl);
		assert_ptr_equal(sp, send);
		assert_true(rl > 0 && (rb[0] & 0x80) == 0 && sl > 0 && (sb[0] & 0x80) == 0);
		assert_int_equal(mbedtls_mpi_read_binary(&r, rb, rl), 0);
		assert_int_equal(mbedtls_mpi_read_binary(&s, sb, sl), 0);
		assert_int_equal(mbedtls_md(mbedtls_md_info_from_type(md), data, dlen, hash), 0);
		assert_int_equal(mbedtls_ecdsa_verify(&grp, hash, mbedtls_md_get_size(mbedtls_md_info_from_type(md)), &q,
		    &r, &s), 0);
		mbedtls_ecp_group_free(&grp);
		mbedtls_ecp_point_free(&q);
		mbedtls_mpi_free(&r);
		mbedtls_mpi_free(&s);
	}
}

static void
test_parse_and_sign(void **state)
{
	static const char *const rsa_algs[] = {"rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"};
	unsigned char expect[BLOB_MAX], data[300], *sig;
	char path[PATH_LEN];
	size_t elen, publen, siglen;

	(void)state;
	randombytes_buf(data, sizeof(data));
	for (size_t i = 0; i < NKEYS; i++) {
		struct pn_sshkey *k = NULL;
		const unsigned char *pub;

		print_message("# %s\n", keys[i].file);
		path_of(keys[i].file, path, sizeof(path));
		assert_ok(pn_sshkey_load(path, &k));
		assert_int_equal(pn_sshkey_type(k), keys[i].type);
		assert_string_equal(pn_sshkey_type_name(k), keys[i].type_name);
		assert_string_equal(pn_sshkey_format(k), keys[i].format);
		elen = read_pub(keys[i].file, expect, sizeof(expect));
		pub = pn_sshkey_public(k, &publen);
		assert_int_equal(publen, elen);
		assert_memory_equal(pub, expect, elen);
		if (keys[i].type == PN_SSHKEY_RSA) {
			for (size_t a = 0; a < 3; a++) {
				assert_ok(pn_sshkey_sign(k, rsa_algs[a], data, sizeof(data), &sig, &siglen));
				verify(expect, elen, rsa_algs[a], data, sizeof(data), sig, siglen);
				free(sig);
			}
			assert_error(pn_sshkey_sign(k, "ssh-ed25519", data, sizeof(data), &sig, &siglen),
			    PN_ERR_UNSUPPORTED, "cannot make ssh-ed25519 signatures");
		} else {
			/* twice: signing leaves the key usable; ECDSA is deterministic (RFC 6979) */
			unsigned char *sig2;
			size_t siglen2;

			assert_ok(pn_sshkey_sign(k, keys[i].type_name, data, sizeof(data), &sig, &siglen));
			verify(expect, elen, keys[i].type_name, data, sizeof(data), sig, siglen);
			assert_ok(pn_sshkey_sign(k, keys[i].type_name, data, sizeof(data), &sig2, &siglen2));
			assert_int_equal(siglen, siglen2);
			assert_memory_equal(sig, sig2, siglen);
			free(sig);
			free(sig2);
			assert_error(pn_sshkey_sign(k, "rsa-sha2-256", data, sizeof(data), &sig, &siglen),
			    PN_ERR_UNSUPPORTED, "cannot make rsa-sha2-256 signatures");
		}
		pn_sshkey_free(k);
	}
}

/* What libssh2 hands the callback: RFC 4252 §7's signed data. */
static size_t
userauth_request(unsigned char *out, size_t cap, const char *alg, const unsigned char *pub, size_t publen)
{
	static const unsigned char sid[32] = {1, 2, 3};
	size_t o = 0;

#define PUT_U32(v)                                                                                         \
	do {                                                                                               \
		assert_true(o + 4 <= cap);                                                                 \
		out[o++] = (unsigned char)((v) >> 24);                                                     \
		out[o++] = (unsigned char)((v) >> 16);                                                     \
		out[o++] = (unsigned char)((v) >> 8);                                                      \
		out[o++] = (unsigned char)(v);                                                             \
	} while (0)
#define PUT_STR(s, n)                                                                                      \
	do {                                                                                               \
		PUT_U32((uint32_t)(n));                                                                    \
		assert_true(o + (n) <= cap);                                                               \
		memcpy(out + o, (s), (n));                                                                 \
		o += (n);                                                                                  \
	} while (0)
	PUT_STR(sid, sizeof(sid));
	out[o++] = 50;
	PUT_STR("git", 3);
	PUT_STR("ssh-connection", 14);
	PUT_STR("publickey", 9);
	out[o++] = 1;
	PUT_STR(alg, strlen(alg));
	PUT_STR(pub, publen);
	return o;
#undef PUT_U32
#undef PUT_STR
}

static void
test_libssh2_callback(void **state)
{
	static const struct {
		const char *file, *alg;
		int rc;
	} t[] = {
		{"client_ed25519_openssh", "ssh-ed25519", 0},
		{"client_ecdsa_p384_pkcs8", "ecdsa-sha2-nistp384", 0},
		{"client_ecdsa_p521_openssh", "ecdsa-sha2-nistp521", 0},
		{"client_rsa_openssh", "rsa-sha2-512", 0},
		{"client_rsa_pkcs8", "rsa-sha2-256", 0},
		{"client_rsa2048_pem", "ssh-rsa", 0},
		/* libssh2 retries with the key's own algorithm on this answer */
		{"client_rsa_pem", "rsa-sha2-384", LIBSSH2_ERROR_ALGO_UNSUPPORTED},
		{"client_ecdsa_p256_pem", "ecdsa-sha2-nistp384", LIBSSH2_ERROR_ALGO_UNSUPPORTED},
	};
	unsigned char req[BLOB_MAX * 2], *sig = NULL;
	char path[PATH_LEN];
	size_t publen, reqlen, siglen = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct pn_sshkey *k = NULL;
		struct pn_sshkey_signer signer = {0};
		void *ref = &signer;
		const unsigned char *pub;
		int rc;

		path_of(t[i].file, path, sizeof(path));
		assert_ok(pn_sshkey_load(path, &k));
		pub = pn_sshkey_public(k, &publen);
		signer.key = k;
		reqlen = userauth_request(req, sizeof(req), t[i].alg, pub, publen);
		rc = pn_sshkey_libssh2_sign(NULL, &sig, &siglen, req, reqlen, &ref);
		assert_int_equal(rc, t[i].rc);
		assert_string_equal(signer.alg, t[i].alg);
		if (rc == 0) {
			assert_null(signer.err);
			verify(pub, publen, t[i].alg, req, reqlen, sig, siglen);
			free(sig);
		} else {
			assert_error(signer.err, PN_ERR_UNSUPPORTED, t[i].alg);
		}
		/* another key's request, a truncated request, no signer */
		req[reqlen - 1] ^= 1;
		assert_int_equal(pn_sshkey_libssh2_sign(NULL, &sig, &siglen, req, reqlen, &ref), -1);
		assert_error(signer.err, PN_ERR_INTERNAL, "another public key");
		assert_int_equal(pn_sshkey_libssh2_sign(NULL, &sig, &siglen, req, reqlen - 1, &ref), -1);
		assert_error(signer.err, PN_ERR_INTERNAL, "not a userauth request");
		assert_int_equal(pn_sshkey_libssh2_sign(NULL, &sig, &siglen, req, reqlen, NULL), -1);
		pn_sshkey_free(k);
	}
}

struct errcase {
	const char *file;
	enum pn_err_code code;
	const char *needle;
};

static void
test_refused(void **state)
{
	static const struct errcase t[] = {
		{"enc_openssh", PN_ERR_UNSUPPORTED,
		    "enc_openssh: encrypted private keys are not supported (aes256-ctr/bcrypt): decrypt it with "
		    "ssh-keygen -p -N ''"},
		{"enc_pem", PN_ERR_UNSUPPORTED, "enc_pem: encrypted private keys are not supported (PEM AES-128-CBC)"},
		{"enc_rsa_pem", PN_ERR_UNSUPPORTED, "encrypted private keys are not supported (PEM AES-128-CBC)"},
		{"enc_pkcs8", PN_ERR_UNSUPPORTED, "enc_pkcs8: encrypted private keys are not supported (PKCS#8)"},
		{"enc_ed25519_pkcs8", PN_ERR_UNSUPPORTED, "encrypted private keys are not supported (PKCS#8)"},
		{"garbage", PN_ERR_PARSE, "garbage: not a private key"},
		{"random", PN_ERR_PARSE, "random: "},
		{"truncated", PN_ERR_PARSE, "truncated: PEM block without its END line"},
		{"dsa", PN_ERR_UNSUPPORTED, "dsa: DSA keys are not supported"},
		{"putty", PN_ERR_UNSUPPORTED, "putty: PuTTY keys are not supported"},
		{"cert", PN_ERR_PARSE, "cert: holds a CERTIFICATE, not a private key"},
		{"client_ed25519_openssh.pub", PN_ERR_PARSE, "holds a public key; the private key file is needed"},
		{"badb64", PN_ERR_PARSE, "badb64: bad base64 in the PEM block \"PRIVATE KEY\""},
		{"huge", PN_ERR_TOO_LARGE, "huge: larger than 65536 bytes"},
		{"nonexistent", PN_ERR_ERRNO, "open private key"},
	};
	char path[PATH_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct pn_sshkey *k = (struct pn_sshkey *)&k;	/* must come back NULL */

		path_of(t[i].file, path, sizeof(path));
		assert_error(pn_sshkey_load(path, &k), t[i].code, t[i].needle);
		assert_null(k);
	}
}

/* The decoded body of an OpenSSH key file, and the same re-armoured after a change. */
static size_t
openssh_body(const char *file, unsigned char *out, size_t cap)
{
	char path[PATH_LEN], text[FILE_MAX], b64[FILE_MAX];
	size_t n, o = 0, olen = 0;
	FILE *f;

	path_of(file, path, sizeof(path));
	assert_non_null(f = fopen(path, "r"));
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	/* keep the lines between the armour */
	{
		char *p = strstr(text, "-----\n"), *e = strstr(text, "-----END");

		assert_non_null(p);
		assert_non_null(e);
		for (p += 6; p < e; p++)
			if (*p != '\n')
				b64[o++] = *p;
	}
	assert_int_equal(mbedtls_base64_decode(out, cap, &olen, (unsigned char *)b64, o), 0);
	return olen;
}

static const struct pn_error *
parse_openssh_body(const unsigned char *body, size_t n, struct pn_sshkey **k)
{
	static char text[FILE_MAX];
	size_t o, olen = 0;

	o = (size_t)snprintf(text, sizeof(text), "-----BEGIN OPENSSH PRIVATE KEY-----\n");
	assert_int_equal(mbedtls_base64_encode((unsigned char *)text + o, sizeof(text) - o, &olen, body, n), 0);
	o += olen;
	o += (size_t)snprintf(text + o, sizeof(text) - o, "\n-----END OPENSSH PRIVATE KEY-----\n");
	return pn_sshkey_parse(text, o, "crafted", k);
}

static void
test_damaged_openssh(void **state)
{
	/* offsets in an unencrypted ed25519 openssh-key-v1: magic 15, "none" 8, "none" 8, "" 4, nkeys 4 = 39;
	 * then string pub (4 + 51), string private section (4 + ...): check1 at 98, check2 at 102, type at 106 */
	unsigned char body[FILE_MAX], mod[FILE_MAX];
	struct pn_sshkey *k = NULL;
	size_t n = openssh_body("client_ed25519_openssh", body, sizeof(body));

	(void)state;
	assert_ok(parse_openssh_body(body, n, &k));
	pn_sshkey_free(k);

	memcpy(mod, body, n);
	mod[39 + 4 + 50] ^= 1;	/* outer public key */
	assert_error(parse_openssh_body(mod, n, &k), PN_ERR_PARSE, "crafted: the public key in the file does not "
	    "belong to its private key");
	memcpy(mod, body, n);
	mod[102] ^= 1;
	assert_error(parse_openssh_body(mod, n, &k), PN_ERR_PARSE, "damaged (check bytes differ)");
	memcpy(mod, body, n);
	mod[n - 1] ^= 0x40;	/* the last padding byte */
	assert_error(parse_openssh_body(mod, n, &k), PN_ERR_PARSE, "bad padding");
	memcpy(mod, body, n);
	mod[106 + 4 + 10] ^= 1;	/* "ssh-ed25519" -> "ssh-ed25518": an unknown type */
	assert_error(parse_openssh_body(mod, n, &k), PN_ERR_UNSUPPORTED, "ssh-ed2551");
	memcpy(mod, body, n);
	mod[106 + 4 + 11 + 4 + 32 + 4 + 5] ^= 1;	/* a byte of the seed: public key no longer derives */
	assert_error(parse_openssh_body(mod, n, &k), PN_ERR_PARSE, "private and public key do not match");
	memcpy(mod, body, n);
	mod[38] = 2;	/* two keys */
	assert_error(parse_openssh_body(mod, n, &k), PN_ERR_UNSUPPORTED, "holds 2 keys");
	memcpy(mod, body, n);
	mod[0] = 'O';
	assert_error(parse_openssh_body(mod, n, &k), PN_ERR_PARSE, "not an openssh-key-v1");
	/* every truncation fails cleanly */
	for (size_t cut = 0; cut < n; cut++) {
		assert_non_null(parse_openssh_body(body, cut, &k));
		assert_null(k);
	}
	/* trailing bytes */
	memcpy(mod, body, n);
	mod[n] = 0;
	assert_error(parse_openssh_body(mod, n + 1, &k), PN_ERR_PARSE, "trailing bytes");
}

static void
test_damaged_rsa_and_ecdsa(void **state)
{
	unsigned char body[FILE_MAX], mod[FILE_MAX];
	struct pn_sshkey *k = NULL;
	size_t n;

	(void)state;
	/* flipping any one byte of the private part must never yield a key that signs for another public key */
	n = openssh_body("client_ecdsa_p256_openssh", body, sizeof(body));
	for (size_t i = 39 + 4 + 104; i < n; i += 3) {
		memcpy(mod, body, n);
		mod[i] ^= 0x10;
		if (parse_openssh_body(mod, n, &k) == NULL) {
			size_t pl, el;
			unsigned char expect[BLOB_MAX];
			const unsigned char *pub = pn_sshkey_public(k, &pl);

			/* only the comment and such may change harmlessly */
			el = read_pub("client_ecdsa_p256_openssh", expect, sizeof(expect));
			assert_int_equal(pl, el);
			assert_memory_equal(pub, expect, el);
			pn_sshkey_free(k);
		}
	}
	n = openssh_body("client_rsa2048_openssh", body, sizeof(body));
	for (size_t i = 400; i < n; i += 37) {
		memcpy(mod, body, n);
		mod[i] ^= 0x01;
		if (parse_openssh_body(mod, n, &k) == NULL) {
			size_t pl, el;
			unsigned char expect[BLOB_MAX];
			const unsigned char *pub = pn_sshkey_public(k, &pl);

			el = read_pub("client_rsa2048_openssh", expect, sizeof(expect));
			assert_int_equal(pl, el);
			assert_memory_equal(pub, expect, el);
			pn_sshkey_free(k);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_sign),
		cmocka_unit_test(test_libssh2_callback),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_damaged_openssh),
		cmocka_unit_test(test_damaged_rsa_and_ecdsa),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
