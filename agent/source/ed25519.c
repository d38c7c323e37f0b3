#include "ed25519.h"

#include <stdint.h>
#include <string.h>

#include <mbedtls/platform_util.h>
#include <mbedtls/sha512.h>

#include "../core/banned.h"

/*
 * Field elements mod p = 2^255 - 19 in ten signed limbs, radix 2^25.5: limb i holds 26 bits when i is even and
 * 25 when it is odd, at bit 51 * (i / 2) + 26 * (i % 2). Every operation ends with a carry that leaves each limb
 * below 2^26 in magnitude ("carried"), so in a product each of the 100 partial products is below 2^53 (one
 * factor doubled, see fe_mul) and a sum of ten of them, nine more times 19, below 2^61: 32-bit limbs, 32x32->64
 * multiplications and 64-bit sums never overflow, also on 32-bit ARM.
 */
#define FE_LIMBS 10
#define LIMB_BITS(i) (26 - ((i) & 1))
/* 2^255 = 19 (mod p): what a carry out of the top limb is worth in the bottom one. */
#define FOLD 19
/* Bits of the scalars multiplied (clamped secret scalars and nonces mod L both fit in 256). */
#define SCALAR_BITS 256
/* 32-bit words of a scalar, and of a product of two. */
#define SC_WORDS 8
/* Bytes of an encoded field element, point or scalar mod L (RFC 8032's b/8). */
#define SC_BYTES 32
/* Bytes of a SHA-512 digest, reduced mod L into a scalar. */
#define WIDE_BYTES 64

struct fe {
	int32_t v[FE_LIMBS];
};

/* A point of -x^2 + y^2 = 1 + d x^2 y^2 in extended coordinates: x = X/Z, y = Y/Z, x*y = T/Z. */
struct ge {
	struct fe x, y, z, t;
};

/* 2d with d = -121665/121666, and the base point B = (x, 4/5) with x even (RFC 8032 §5.1), little-endian. */
static const unsigned char D2[SC_BYTES] = {
	0x59, 0xf1, 0xb2, 0x26, 0x94, 0x9b, 0xd6, 0xeb, 0x56, 0xb1, 0x83, 0x82, 0x9a, 0x14, 0xe0, 0x00,
	0x30, 0xd1, 0xf3, 0xee, 0xf2, 0x80, 0x8e, 0x19, 0xe7, 0xfc, 0xdf, 0x56, 0xdc, 0xd9, 0x06, 0x24,
};
static const unsigned char BX[SC_BYTES] = {
	0x1a, 0xd5, 0x25, 0x8f, 0x60, 0x2d, 0x56, 0xc9, 0xb2, 0xa7, 0x25, 0x95, 0x60, 0xc7, 0x2c, 0x69,
	0x5c, 0xdc, 0xd6, 0xfd, 0x31, 0xe2, 0xa4, 0xc0, 0xfe, 0x53, 0x6e, 0xcd, 0xd3, 0x36, 0x69, 0x21,
};
static const unsigned char BY[SC_BYTES] = {
	0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
};
/* The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian 32-bit words. */
static const uint32_t L_WORDS[SC_WORDS] = {
	0x5cf5d3ed, 0x5812631a, 0xa2f79cd6, 0x14def9de, 0x00000000, 0x00000000, 0x00000000, 0x10000000,
};

/* ------------------------------------------------------------------------------------------------------------ */
/* the field */

/* The carry out of a limb of `bits` bits, leaving it in [0, 2^bits). Shifts of negative limbs are arithmetic
 * (floor), as GCC and Clang define them. */
static inline int64_t
carry_out(int64_t *t, int bits)
{
	int64_t c = *t >> bits;

	*t -= c * ((int64_t)1 << bits);
	return c;
}

/* One pass of carries from limb 0 to 9, two limbs (26 and 25 bits) at a time, the top carry folded into limb 0:
 * every limb but the first ends in [0, 2^bits). */
static void
carry_pass(int64_t t[FE_LIMBS])
{
	for (int i = 0; i < FE_LIMBS; i += 2) {
		int64_t c;

		t[i + 1] += carry_out(&t[i], LIMB_BITS(0));
		c = carry_out(&t[i + 1], LIMB_BITS(1));
		if (i + 2 < FE_LIMBS)
			t[i + 2] += c;
		else
			t[0] += FOLD * c;
	}
}

/* h = t carried (|limb| < 2^26); t's limbs must be below 2^62 in magnitude. */
static void
fe_carry(struct fe *h, int64_t t[FE_LIMBS])
{
	carry_pass(t);
	t[1] += carry_out(&t[0], LIMB_BITS(0));
	for (int i = 0; i < FE_LIMBS; i++)
		h->v[i] = (int32_t)t[i];
}

static void
fe_add(struct fe *h, const struct fe *a, const struct fe *b)
{
	int64_t t[FE_LIMBS];

	for (int i = 0; i < FE_LIMBS; i++)
		t[i] = (int64_t)a->v[i] + b->v[i];
	fe_carry(h, t);
}

static void
fe_sub(struct fe *h, const struct fe *a, const struct fe *b)
{
	int64_t t[FE_LIMBS];

	for (int i = 0; i < FE_LIMBS; i++)
		t[i] = (int64_t)a->v[i] - b->v[i];
	fe_carry(h, t);
}

/* h = a * b (h may be a or b). The product of limbs i and j sits at bit w(i) + w(j), which is w(i + j) + 1 when
 * both are odd (an odd limb starts 26 bits into its 51-bit pair, and 26 + 26 = 51 + 1): those products count
 * twice. Column k + 10 is worth 2^255 = 19 times column k. */
static void
fe_mul(struct fe *h, const struct fe *a, const struct fe *b)
{
	int64_t t[2 * FE_LIMBS - 1] = {0};
	int32_t b2[FE_LIMBS];	/* b with its odd limbs doubled, for the odd limbs of a */

	for (int j = 0; j < FE_LIMBS; j++)
		b2[j] = b->v[j] * (1 + (j & 1));
	for (int i = 0; i < FE_LIMBS; i++) {
		const int32_t *bb = i & 1 ? b2 : b->v;

		for (int j = 0; j < FE_LIMBS; j++)
			t[i + j] += (int64_t)a->v[i] * bb[j];
	}
	for (int k = 0; k < FE_LIMBS - 1; k++)
		t[k] += FOLD * t[k + FE_LIMBS];
	fe_carry(h, t);
}

/* 1/z = z^(p - 2); p - 2 = 2^255 - 21 has every bit from 254 down set except bits 4 and 2. The exponent is
 * public: the same squarings and multiplications for every z. */
static void
fe_invert(struct fe *out, const struct fe *z)
{
	struct fe c = *z;

	for (int i = 253; i >= 0; i--) {
		fe_mul(&c, &c, &c);
		if (i != 4 && i != 2)
			fe_mul(&c, &c, z);
	}
	*out = c;
}

/* The low 255 bits of s, little-endian (bit 255 is the sign of x in an encoded point, not ours here). */
static void
fe_frombytes(struct fe *h, const unsigned char s[SC_BYTES])
{
	uint64_t acc = 0;
	int n = 0, pos = 0;

	for (int i = 0; i < FE_LIMBS; i++) {
		while (n < LIMB_BITS(i)) {
			acc |= (uint64_t)s[pos++] << n;
			n += 8;
		}
		h->v[i] = (int32_t)(acc & (((uint64_t)1 << LIMB_BITS(i)) - 1));
		acc >>= LIMB_BITS(i);
		n -= LIMB_BITS(i);
	}
}

/* The canonical encoding: the value in [0, p), little-endian. Three carry passes bring every limb into
 * [0, 2^bits) whatever the limbs below 2^62 (the second leaves at most 19 too much or too little in limb 0, the
 * third absorbs it; two are enough for carried limbs), so the value is below 2^255 < 2p: p is subtracted once if
 * that does not borrow, chosen with a mask. */
static void
fe_tobytes(unsigned char s[SC_BYTES], const struct fe *f)
{
	int64_t t[FE_LIMBS], m[FE_LIMBS], borrow = 0, keep;
	uint64_t acc = 0;
	int n = 0, pos = 0;

	for (int i = 0; i < FE_LIMBS; i++)
		t[i] = f->v[i];
	carry_pass(t);
	carry_pass(t);
	carry_pass(t);
	for (int i = 0; i < FE_LIMBS; i++) {
		int64_t p = ((int64_t)1 << LIMB_BITS(i)) - (i == 0 ? FOLD : 1);

		m[i] = t[i] - p - borrow;
		borrow = (m[i] >> 63) & 1;
		m[i] += borrow << LIMB_BITS(i);
	}
	keep = -borrow;		/* all ones when t < p */
	for (int i = 0; i < FE_LIMBS; i++) {
		acc |= (uint64_t)((t[i] & keep) | (m[i] & ~keep)) << n;
		n += LIMB_BITS(i);
		while (n >= 8) {
			s[pos++] = (unsigned char)acc;
			acc >>= 8;
			n -= 8;
		}
	}
	s[pos] = (unsigned char)acc;	/* the last 7 bits: 255 = 31 * 8 + 7 */
}

/* Hides from the optimiser that a mask is 0 or all ones, so that a masked move is not turned into a branch. */
static int32_t
opaque(int32_t m)
{
	__asm__("" : "+r"(m));
	return m;
}

/* ------------------------------------------------------------------------------------------------------------ */
/* the curve */

/* r = p + q with the unified formulas of Hisil, Wong, Carter and Dawson ("Twisted Edwards curves revisited",
 * 2008, §3.1 with a = -1): complete on this curve, so they double too and nothing depends on the points. r may be
 * p or q. */
static void
ge_add(struct ge *r, const struct ge *p, const struct ge *q, const struct fe *d2)
{
	struct fe a, b, c, d, e, f, g, h, u, v;

	fe_sub(&u, &p->y, &p->x);
	fe_sub(&v, &q->y, &q->x);
	fe_mul(&a, &u, &v);
	fe_add(&u, &p->y, &p->x);
	fe_add(&v, &q->y, &q->x);
	fe_mul(&b, &u, &v);
	fe_mul(&c, &p->t, &q->t);
	fe_mul(&c, &c, d2);
	fe_mul(&d, &p->z, &q->z);
	fe_add(&d, &d, &d);
	fe_sub(&e, &b, &a);
	fe_sub(&f, &d, &c);
	fe_add(&g, &d, &c);
	fe_add(&h, &b, &a);
	fe_mul(&r->x, &e, &f);
	fe_mul(&r->y, &g, &h);
	fe_mul(&r->t, &e, &h);
	fe_mul(&r->z, &f, &g);
}

/* r = q where mask is all ones, unchanged where it is 0, with the same instructions either way. */
static void
ge_cmov(struct ge *r, const struct ge *q, int32_t mask)
{
	struct fe *rf[] = {&r->x, &r->y, &r->z, &r->t};
	const struct fe *qf[] = {&q->x, &q->y, &q->z, &q->t};

	for (int k = 0; k < 4; k++)
		for (int i = 0; i < FE_LIMBS; i++)
			rf[k]->v[i] ^= mask & (rf[k]->v[i] ^ qf[k]->v[i]);
}

/* r = s * B for a secret little-endian scalar s: at every one of the 256 bits, from the top, r is doubled and
 * r + B computed; a mask made from the bit chooses which one is kept. The bits only ever reach the mask. */
static void
scalarmult_base(struct ge *r, const unsigned char s[SCALAR_BITS / 8])
{
	struct ge b, sum;
	struct fe d2;

	fe_frombytes(&d2, D2);
	fe_frombytes(&b.x, BX);
	fe_frombytes(&b.y, BY);
	memset(&b.z, 0, sizeof(b.z));
	b.z.v[0] = 1;
	fe_mul(&b.t, &b.x, &b.y);
	memset(r, 0, sizeof(*r));	/* the neutral element (0, 1) */
	r->y.v[0] = 1;
	r->z.v[0] = 1;
	for (int i = SCALAR_BITS - 1; i >= 0; i--) {
		ge_add(r, r, r, &d2);
		ge_add(&sum, r, &b, &d2);
		ge_cmov(r, &sum, opaque(-(int32_t)((s[i >> 3] >> (i & 7)) & 1)));
	}
	mbedtls_platform_zeroize(&sum, sizeof(sum));
}

/* RFC 8032 §5.1.2: y with the low bit of x in bit 255. */
static void
ge_encode(unsigned char s[SC_BYTES], const struct ge *p)
{
	struct fe zi, x, y;
	unsigned char xb[SC_BYTES];

	fe_invert(&zi, &p->z);
	fe_mul(&x, &p->x, &zi);
	fe_mul(&y, &p->y, &zi);
	fe_tobytes(s, &y);
	fe_tobytes(xb, &x);
	s[31] ^= (unsigned char)((xb[0] & 1) << 7);
}

/* ------------------------------------------------------------------------------------------------------------ */
/* scalars mod L */

/* out = in[0..n) mod L, little-endian, one bit at a time from the top: r = 2r + bit, then r - L kept where it
 * does not borrow (r < L before, so 2r + 1 < 2L and one subtraction is enough). No branch, no table. */
static void
sc_reduce(unsigned char out[SC_BYTES], const unsigned char *in, size_t n)
{
	uint32_t r[SC_WORDS] = {0}, t[SC_WORDS];

	for (size_t i = 8 * n; i-- > 0;) {
		uint32_t bit = (in[i >> 3] >> (i & 7)) & 1, borrow = 0, keep;

		for (int w = 0; w < SC_WORDS; w++) {
			uint32_t top = r[w] >> 31;

			r[w] = (r[w] << 1) | bit;
			bit = top;
		}
		for (int w = 0; w < SC_WORDS; w++) {
			uint64_t d = (uint64_t)r[w] - L_WORDS[w] - borrow;

			t[w] = (uint32_t)d;
			borrow = (uint32_t)(d >> 63);
		}
		keep = (uint32_t)opaque((int32_t)(0u - borrow));	/* all ones when r < L */
		for (int w = 0; w < SC_WORDS; w++)
			r[w] = (r[w] & keep) | (t[w] & ~keep);
	}
	for (int i = 0; i < 32; i++)
		out[i] = (unsigned char)(r[i / 4] >> (8 * (i % 4)));
	mbedtls_platform_zeroize(r, sizeof(r));
	mbedtls_platform_zeroize(t, sizeof(t));
}

/* out = (k * a + c) mod L: the 512-bit product by schoolbook on 32-bit words, then reduced. */
static void
sc_muladd(unsigned char out[SC_BYTES], const unsigned char k[SC_BYTES], const unsigned char a[SC_BYTES],
    const unsigned char c[SC_BYTES])
{
	uint32_t kw[SC_WORDS], aw[SC_WORDS], x[2 * SC_WORDS] = {0};
	unsigned char wide[WIDE_BYTES];

	for (int w = 0; w < SC_WORDS; w++) {
		kw[w] = aw[w] = x[w] = 0;
		for (int b = 3; b >= 0; b--) {
			kw[w] = kw[w] << 8 | k[4 * w + b];
			aw[w] = aw[w] << 8 | a[4 * w + b];
			x[w] = x[w] << 8 | c[4 * w + b];
		}
	}
	for (int i = 0; i < SC_WORDS; i++) {
		uint64_t acc = 0;

		for (int j = 0; j < SC_WORDS; j++) {
			acc += (uint64_t)kw[i] * aw[j] + x[i + j];
			x[i + j] = (uint32_t)acc;
			acc >>= 32;
		}
		x[i + SC_WORDS] = (uint32_t)acc;
	}
	for (int i = 0; i < WIDE_BYTES; i++)
		wide[i] = (unsigned char)(x[i / 4] >> (8 * (i % 4)));
	sc_reduce(out, wide, sizeof(wide));
	mbedtls_platform_zeroize(aw, sizeof(aw));
	mbedtls_platform_zeroize(x, sizeof(x));
	mbedtls_platform_zeroize(wide, sizeof(wide));
}

/* ------------------------------------------------------------------------------------------------------------ */

/* SHA-512 of a || b || c (b and c may be empty). */
static int
sha512(unsigned char out[WIDE_BYTES], const unsigned char *a, size_t alen, const unsigned char *b, size_t blen,
    const unsigned char *c, size_t clen)
{
	mbedtls_sha512_context ctx;
	int rc;

	mbedtls_sha512_init(&ctx);
	rc = mbedtls_sha512_starts(&ctx, 0);
	if (rc == 0)
		rc = mbedtls_sha512_update(&ctx, a, alen);
	if (rc == 0 && blen > 0)
		rc = mbedtls_sha512_update(&ctx, b, blen);
	if (rc == 0 && clen > 0)
		rc = mbedtls_sha512_update(&ctx, c, clen);
	if (rc == 0)
		rc = mbedtls_sha512_finish(&ctx, out);
	mbedtls_sha512_free(&ctx);
	return rc;
}

/* RFC 8032 §5.1.5: the secret scalar is the first half of SHA-512(seed) with bits 0-2 and 255 cleared and bit
 * 254 set. */
static void
clamp(unsigned char h[SC_BYTES])
{
	h[0] &= 248;
	h[31] &= 127;
	h[31] |= 64;
}

static const struct pn_error *
sha_failed(void)
{
	return pn_error_fmt(PN_ERR_INTERNAL, "Ed25519: SHA-512 failed");
}

const struct pn_error *
pn_ed25519_keypair(unsigned char pk[PN_ED25519_PK], unsigned char sk[PN_ED25519_SK],
    const unsigned char seed[PN_ED25519_SEED])
{
	unsigned char h[WIDE_BYTES], a[PN_ED25519_PK];
	struct ge p;
	const struct pn_error *err = NULL;

	if (sha512(h, seed, PN_ED25519_SEED, NULL, 0, NULL, 0) != 0) {
		err = sha_failed();
		goto done;
	}
	clamp(h);
	scalarmult_base(&p, h);
	ge_encode(a, &p);
	memmove(sk, seed, PN_ED25519_SEED);
	memcpy(sk + PN_ED25519_SEED, a, PN_ED25519_PK);
	memcpy(pk, a, PN_ED25519_PK);
done:
	mbedtls_platform_zeroize(h, sizeof(h));
	mbedtls_platform_zeroize(&p, sizeof(p));
	return err;
}

/* RFC 8032 §5.1.6: r = SHA-512(prefix || M) mod L, R = rB, k = SHA-512(R || A || M) mod L, S = (r + k s) mod L. */
const struct pn_error *
pn_ed25519_sign(unsigned char sig[PN_ED25519_SIG], const unsigned char *msg, size_t len,
    const unsigned char sk[PN_ED25519_SK])
{
	unsigned char h[WIDE_BYTES], wide[WIDE_BYTES], r[SC_BYTES], k[SC_BYTES];
	struct ge p;
	const struct pn_error *err = NULL;

	if (sha512(h, sk, PN_ED25519_SEED, NULL, 0, NULL, 0) != 0 ||
	    sha512(wide, h + SC_BYTES, SC_BYTES, msg, len, NULL, 0) != 0) {
		err = sha_failed();
		goto done;
	}
	clamp(h);
	sc_reduce(r, wide, sizeof(wide));
	scalarmult_base(&p, r);
	ge_encode(sig, &p);
	if (sha512(wide, sig, SC_BYTES, sk + PN_ED25519_SEED, PN_ED25519_PK, msg, len) != 0) {
		err = sha_failed();
		goto done;
	}
	sc_reduce(k, wide, sizeof(wide));
	sc_muladd(sig + SC_BYTES, k, h, r);
done:
	if (err != NULL)
		memset(sig, 0, PN_ED25519_SIG);
	mbedtls_platform_zeroize(h, sizeof(h));
	mbedtls_platform_zeroize(wide, sizeof(wide));
	mbedtls_platform_zeroize(r, sizeof(r));
	mbedtls_platform_zeroize(&p, sizeof(p));
	return err;
}
