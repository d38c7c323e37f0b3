/*
 * Ed25519 signing (RFC 8032 §5.1, PureEdDSA) for SSH deploy keys: a key pair from a 32-byte seed and
 * deterministic signatures. No verification: pinion only ever proves its own identity with these keys.
 *
 * Written for size and for 32-bit ARM: field elements in ten signed 32-bit limbs (radix 2^25.5) with 64-bit
 * products, scalars reduced mod L bit by bit, no precomputed tables. Secret data (the seed, the scalar, the nonce)
 * never decide a branch or a memory index: the scalar multiplication doubles and adds at every bit and keeps
 * the sum with a masked move. The secret key is stored as OpenSSH and libsodium store it: seed || public key.
 */
#ifndef PN_ED25519_H
#define PN_ED25519_H

#include <stddef.h>

#include "../core/error.h"

/* Sizes from RFC 8032 §5.1.5-6: the seed, the encoded public key, seed || public key, the signature R || S. */
#define PN_ED25519_SEED 32
#define PN_ED25519_PK 32
#define PN_ED25519_SK 64
#define PN_ED25519_SIG 64

/* The public key of `seed` and the secret key seed || public key. Any of the buffers may be the same memory
 * (seed == sk is allowed). Fails only if SHA-512 does (PN_ERR_INTERNAL). */
const struct pn_error *pn_ed25519_keypair(unsigned char pk[PN_ED25519_PK], unsigned char sk[PN_ED25519_SK],
    const unsigned char seed[PN_ED25519_SEED]);

/* The signature of msg[0..len) with `sk` as pn_ed25519_keypair() made it (its second half must be the public key
 * of its first: a mismatched one would give away the scalar). `sig` must not overlap `msg`. Fails only if
 * SHA-512 does (PN_ERR_INTERNAL). */
const struct pn_error *pn_ed25519_sign(unsigned char sig[PN_ED25519_SIG], const unsigned char *msg, size_t len,
    const unsigned char sk[PN_ED25519_SK]);

#endif
