/*
 * Ed25519 signing (agent/source/ed25519.c): the test vectors of RFC 8032 §7.1 (key pair from the seed and
 * signature, byte for byte), and, where the test build links libsodium (scripts/deps still builds it; pinion no
 * longer links it), a few hundred random seeds and messages signed by both and compared byte for byte, each
 * signature verified by libsodium. Ed25519 is deterministic, so equal bytes are the whole check. The edges that
 * random keys never reach (field values in [p, 2^255), limbs at their largest magnitude, scalars at multiples of
 * L) are tried on the static helpers directly: the module is compiled into this program for that.
 */
#include "pn_test.h"

#include <stdio.h>

#ifdef PN_TEST_SODIUM
#include <sodium.h>
#endif

#include "../../agent/source/ed25519.c"

/* Longest vector message in bytes (TEST 1024's is 1023). */
#define VEC_MSG_MAX 1024
/* Random cases against libsodium, and the longest of their messages. */
#define RANDOM_CASES 300
#define RANDOM_MSG_MAX 2048

/* RFC 8032 §7.1 TEST 1024: 1023 bytes. */
#define MSG_1024 \
	"08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f54e9f77b1" \
	"e355f6c50544e23fb1433ddf73be84d879de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d" \
	"658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc1a858efcb8550ee3a5e1998bd177e93a" \
	"7363c344fe6b199ee5d02e82d522c4feba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e" \
	"06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8bbc10" \
	"3b6621fcde2beca1231d206be6cd9ec7aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1" \
	"85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2d17ba70eb6248e594e1a2297acbbb39d" \
	"502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270" \
	"88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d9089b" \
	"eccf80cfe2df16a2cf65bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba" \
	"b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51addd3b75a2b1ae0784504df543af8969b" \
	"e3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7" \
	"51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb038dda0847dd988d" \
	"cda6f3bfd15c4b4c4525004aa06eeff8ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df" \
	"f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08d78ff4ef5d63653a65040cf9bfd4aca7" \
	"984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4" \
	"88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac09" \
	"43bf6686b64b2579376504ccc493d97e6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f" \
	"b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f161" \
	"0e4eafe595f6d9d90d11faa933a15ef1369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d" \
	"b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c0618983f8741c5ef68d3a101e8a3b8ca" \
	"c60c905c15fc910840b94c00a0b9d0"

static const struct vector {
	const char *name, *seed, *pk, *msg, *sig;
} vectors[] = {
	{"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
	    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f059"
	    "5bbe24655141438e7a100b"},
	{"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
	    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
	    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4"
	    "302aeeb00d291612bb0c00"},
	{"TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
	    "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
	    "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e971"
	    "6ed28dc027beceea1ec40a"},
	{"TEST 1024", "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
	    "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e", MSG_1024,
	    "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b5e8fcd4f68"
	    "1e30a6ac00a9704a188a03"},
	/* the message is SHA-512("abc") */
	{"TEST SHA(abc)", "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
	    "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
	    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423"
	    "643ce80e2a9ac94fa54ca49f",
	    "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c13"
	    "8ac17ad9bef1177331a704"},
};
#define NVECTORS (sizeof(vectors) / sizeof(vectors[0]))

static size_t
unhex(unsigned char *out, size_t max, const char *hex)
{
	size_t n = strlen(hex) / 2;
	unsigned int byte;

	assert_true(n <= max);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &byte), 1);
		out[i] = (unsigned char)byte;
	}
	return n;
}

static void
fe_bytes(const struct fe *f, const char *want_hex)
{
	unsigned char got[32], want[32];

	unhex(want, sizeof(want), want_hex);
	fe_tobytes(got, f);
	assert_memory_equal(got, want, sizeof(want));
}

/* Encodings are canonical: p + k for k < 19 and 2^255 - 1 (all that is at or above p) come out as k, bit 255 of
 * the input is ignored, negative limbs and the largest magnitudes a carried limb can have (2^26 - 1 in every
 * limb, either sign) multiply without overflow. */
static void
test_field_edges(void **state)
{
	static const char P_HEX[] = "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f";
	unsigned char b[32], want[32];
	struct fe f, g, one = {{1}}, zero = {{0}};

	(void)state;
	for (int k = 0; k < FOLD; k++) {
		unhex(b, sizeof(b), P_HEX);
		b[0] = (unsigned char)(b[0] + k);
		fe_frombytes(&f, b);
		fe_tobytes(b, &f);
		memset(want, 0, sizeof(want));
		want[0] = (unsigned char)k;
		assert_memory_equal(b, want, sizeof(want));
	}
	memset(b, 0xff, sizeof(b));
	fe_frombytes(&f, b);
	fe_bytes(&f, "1200000000000000000000000000000000000000000000000000000000000000");
	b[31] = 0x7f;
	fe_frombytes(&g, b);
	assert_memory_equal(&f, &g, sizeof(f));
	unhex(b, sizeof(b), P_HEX);
	b[0]--;
	fe_frombytes(&f, b);
	fe_bytes(&f, "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
	fe_sub(&f, &zero, &one);
	fe_bytes(&f, "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
	for (int i = 0; i < FE_LIMBS; i++) {
		f.v[i] = (1 << 26) - 1;
		g.v[i] = -f.v[i];
	}
	fe_mul(&g, &f, &g);
	fe_mul(&f, &f, &f);
	fe_bytes(&f, "a50500000000180400000000401c0000000000be0000000000d0040000000000");
	fe_bytes(&g, "48faffffffffe7fbffffffffbfe3ffffffffff41ffffffffff2ffbffffffff7f");
}

/* Scalars mod L at and around L and at the largest 512-bit value. */
static void
test_scalar_edges(void **state)
{
	static const char L_HEX[] = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
	unsigned char wide[WIDE_BYTES], l[32], out[32], want[32], zero[32] = {0}, one[32] = {1};

	(void)state;
	unhex(l, sizeof(l), L_HEX);
	memset(wide, 0, sizeof(wide));
	memcpy(wide, l, sizeof(l));
	sc_reduce(out, wide, sizeof(wide));
	assert_memory_equal(out, zero, sizeof(zero));
	wide[0]--;
	sc_reduce(out, wide, sizeof(wide));
	memcpy(want, l, sizeof(want));
	want[0]--;
	assert_memory_equal(out, want, sizeof(want));
	wide[0] += 2;
	sc_reduce(out, wide, sizeof(wide));
	assert_memory_equal(out, one, sizeof(one));
	memset(wide, 0xff, sizeof(wide));
	sc_reduce(out, wide, sizeof(wide));
	unhex(want, sizeof(want), "000f9c44e31106a447938568a71b0ed065bef517d273ecce3d9a307c1b419903");
	assert_memory_equal(out, want, sizeof(want));
	/* (L - 1)^2 = 1 and (L - 1) * 1 + 1 = 0 (mod L) */
	l[0]--;
	sc_muladd(out, l, l, zero);
	assert_memory_equal(out, one, sizeof(one));
	sc_muladd(out, l, one, one);
	assert_memory_equal(out, zero, sizeof(zero));
}

static void
test_rfc8032_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVECTORS; i++) {
		const struct vector *v = &vectors[i];
		unsigned char seed[PN_ED25519_SEED], want_pk[PN_ED25519_PK], want_sig[PN_ED25519_SIG];
		unsigned char msg[VEC_MSG_MAX], pk[PN_ED25519_PK], sk[PN_ED25519_SK], sig[PN_ED25519_SIG];
		size_t len;

		unhex(seed, sizeof(seed), v->seed);
		unhex(want_pk, sizeof(want_pk), v->pk);
		unhex(want_sig, sizeof(want_sig), v->sig);
		len = unhex(msg, sizeof(msg), v->msg);
		assert_ok(pn_ed25519_keypair(pk, sk, seed));
		if (memcmp(pk, want_pk, sizeof(pk)) != 0)
			fail_msg("%s: wrong public key", v->name);
		assert_memory_equal(sk, seed, PN_ED25519_SEED);
		assert_memory_equal(sk + PN_ED25519_SEED, want_pk, PN_ED25519_PK);
		assert_ok(pn_ed25519_sign(sig, msg, len, sk));
		if (memcmp(sig, want_sig, sizeof(sig)) != 0)
			fail_msg("%s: wrong signature", v->name);
	}
}

/* sshkey.c derives the key pair again from a stored seed || public key: the seed may be the secret key's own
 * first half. */
static void
test_keypair_in_place(void **state)
{
	unsigned char sk[PN_ED25519_SK] = {0}, pk[PN_ED25519_PK], want_pk[PN_ED25519_PK];

	(void)state;
	unhex(sk, PN_ED25519_SEED, vectors[0].seed);
	unhex(want_pk, sizeof(want_pk), vectors[0].pk);
	assert_ok(pn_ed25519_keypair(pk, sk, sk));
	assert_memory_equal(pk, want_pk, sizeof(pk));
	assert_memory_equal(sk + PN_ED25519_SEED, want_pk, sizeof(pk));
	unhex(want_pk, sizeof(want_pk), vectors[0].seed);
	assert_memory_equal(sk, want_pk, PN_ED25519_SEED);
}

/* The same key and message always give the same signature; another message another one. */
static void
test_deterministic(void **state)
{
	unsigned char seed[PN_ED25519_SEED], pk[PN_ED25519_PK], sk[PN_ED25519_SK];
	unsigned char a[PN_ED25519_SIG], b[PN_ED25519_SIG], c[PN_ED25519_SIG];
	static const unsigned char msg[] = "session id and userauth request";

	(void)state;
	memset(seed, 0x5a, sizeof(seed));
	assert_ok(pn_ed25519_keypair(pk, sk, seed));
	assert_ok(pn_ed25519_sign(a, msg, sizeof(msg), sk));
	assert_ok(pn_ed25519_sign(b, msg, sizeof(msg), sk));
	assert_ok(pn_ed25519_sign(c, msg, sizeof(msg) - 1, sk));
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, c, sizeof(a));
}

#ifdef PN_TEST_SODIUM
/* xorshift64*: the same cases on every run and every target. */
static uint64_t
next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static void
fill(uint64_t *s, unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(next(s) >> 56);
}
#endif

static void
test_against_libsodium(void **state)
{
	(void)state;
#ifndef PN_TEST_SODIUM
	skip();
#else
	static unsigned char msg[RANDOM_MSG_MAX];
	uint64_t s = 0x8032;

	assert_true(sodium_init() >= 0);
	for (int i = 0; i < RANDOM_CASES; i++) {
		unsigned char seed[PN_ED25519_SEED], pk[PN_ED25519_PK], sk[PN_ED25519_SK], sig[PN_ED25519_SIG];
		unsigned char npk[crypto_sign_PUBLICKEYBYTES], nsk[crypto_sign_SECRETKEYBYTES], nsig[crypto_sign_BYTES];
		unsigned long long nlen = 0;
		/* every length up to 256, then some longer ones (several SHA-512 blocks) */
		size_t len = i <= 256 ? (size_t)i : (size_t)(next(&s) % RANDOM_MSG_MAX);

		fill(&s, seed, sizeof(seed));
		if (i == 0)
			memset(seed, 0, sizeof(seed));
		if (i == 1)
			memset(seed, 0xff, sizeof(seed));
		fill(&s, msg, len);
		assert_ok(pn_ed25519_keypair(pk, sk, seed));
		assert_int_equal(crypto_sign_seed_keypair(npk, nsk, seed), 0);
		if (memcmp(pk, npk, sizeof(pk)) != 0 || memcmp(sk, nsk, sizeof(sk)) != 0)
			fail_msg("case %d: key pair differs from libsodium's", i);
		assert_ok(pn_ed25519_sign(sig, msg, len, sk));
		assert_int_equal(crypto_sign_detached(nsig, &nlen, msg, len, nsk), 0);
		assert_int_equal(nlen, sizeof(sig));
		if (memcmp(sig, nsig, sizeof(sig)) != 0)
			fail_msg("case %d (%zu-byte message): signature differs from libsodium's", i, len);
		assert_int_equal(crypto_sign_verify_detached(sig, msg, len, pk), 0);
	}
#endif
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8032_vectors),
		cmocka_unit_test(test_keypair_in_place),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_against_libsodium),
		cmocka_unit_test(test_field_edges),
		cmocka_unit_test(test_scalar_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
