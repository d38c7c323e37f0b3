/*
 * mbedTLS 3.6 configuration for pinion (complete: replaces mbedtls/mbedtls_config.h).
 *
 * Built by scripts/deps with -DMBEDTLS_CONFIG_FILE and installed as
 * build/deps/<target>/include/mbedtls/mbedtls_config.h, so every consumer (libssh2,
 * pinion, its tests) sees exactly the configuration the library was built with.
 *
 * What it is for:
 *   - TLS 1.2 and TLS 1.3 *client* (HTTPS to git hosts): no server, no DTLS,
 *     no renegotiation, no session tickets, no PSK.  TLS 1.3 needs PSA crypto
 *     (call psa_crypto_init() before the first handshake) and HKDF.
 *   - X.509 certificate parsing and chain verification (incl. IP SANs,
 *     RSASSA-PSS signatures), PEM/DER keys (SEC1, PKCS#1, unencrypted PKCS#8).
 *   - libssh2 1.11 mbedTLS backend: RSA (PKCS#1 v1.5, SHA-1/SHA-2), ECDSA
 *     P-256/384/521, ECDH, bignum DH (group14/16/18, gex), AES-CTR/CBC,
 *     3DES-CBC, HMAC-SHA1/SHA2/MD5/RIPEMD-160.  libssh2's src/mbedtls.h uses
 *     MD5, RIPEMD-160 and DES unconditionally, so they must stay.
 *
 * Cipher padding: no MBEDTLS_CIPHER_PADDING_* is enabled.  The TLS layer pads CBC
 * records itself and libssh2 pads SSH packets itself (scripts/deps applies
 * libssh2's upstream fix, PR #1758, which also selects MBEDTLS_PADDING_NONE for
 * CBC explicitly); without a padding mode, mbedtls_cipher_setup() defaults CBC
 * contexts to no padding anyway.
 *
 * Checked against mbedTLS's own include/mbedtls/check_config.h (included from
 * build_info.h, so a bad combination does not compile) and with
 * scripts/config.py (scripts/deps does both).
 */
#ifndef PINION_MBEDTLS_CONFIG_H
#define PINION_MBEDTLS_CONFIG_H

/* ---------------------------------------------------------------- system */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE          /* certificate validity periods */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_FS_IO                   /* CA bundle / key files */
#define MBEDTLS_NET_C                   /* mbedtls_net_* BIO helpers (gc'd if unused) */
/*
 * Entropy: the platform source.  With glibc mbedTLS uses getrandom(); on musl
 * scripts/deps enables the same getrandom() path (a one-line change to
 * entropy_poll.c in the build), and /dev/urandom is the fallback file.
 */
#define MBEDTLS_PLATFORM_DEV_RANDOM "/dev/urandom"

/* ------------------------------------------------------ symmetric crypto */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_FEWER_TABLES        /* 8 KiB of tables instead of 32 KiB */
#define MBEDTLS_AESNI_C                 /* x86_64: AES-NI, runtime-detected */
#define MBEDTLS_AESCE_C                 /* aarch64: Armv8 crypto ext., runtime-detected */
#define MBEDTLS_CIPHER_MODE_CBC
#define MBEDTLS_CIPHER_MODE_CTR
#define MBEDTLS_GCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_DES_C                   /* libssh2: 3des-cbc */
#define MBEDTLS_CIPHER_C

/* ---------------------------------------------------------------- hashes */
#define MBEDTLS_MD_C
#define MBEDTLS_MD5_C                   /* libssh2: hmac-md5, PEM key decryption */
#define MBEDTLS_RIPEMD160_C             /* libssh2: hmac-ripemd160 */
#define MBEDTLS_SHA1_C
#define MBEDTLS_SHA224_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_HKDF_C                  /* TLS 1.3 key schedule */

/* ------------------------------------------------------ random numbers */
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_HMAC_DRBG_C             /* deterministic ECDSA (RFC 6979) */

/* ------------------------------------------------------ public key crypto */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21               /* RSA-PSS (TLS 1.3, X.509) and OAEP */
#define MBEDTLS_DHM_C                   /* finite-field DH */
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_SECP521R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED /* X25519 key exchange (TLS) */
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECDSA_DETERMINISTIC

/* ------------------------------------------------- encodings, keys, X.509 */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_OID_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C              /* SEC1, PKCS#1, PKCS#8 (unencrypted) */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT

/* ------------------------------------------------------------ PSA crypto */
#define MBEDTLS_PSA_CRYPTO_C            /* required by TLS 1.3; no storage/ITS */
#define MBEDTLS_PSA_KEY_STORE_DYNAMIC

/* ------------------------------------------------------------------- TLS */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE   /* middlebox compatibility */
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED  /* TLS 1.2 */
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED    /* TLS 1.2 */
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_ALPN
#define MBEDTLS_SSL_ENCRYPT_THEN_MAC
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE       /* required by TLS 1.3 */
#define MBEDTLS_SSL_ALL_ALERT_MESSAGES

/* ------------------------------------------------------------ diagnostics */
#define MBEDTLS_ERROR_C                 /* mbedtls_strerror() messages */
#define MBEDTLS_VERSION_C               /* mbedtls_version_get_string() */

/*
 * Deliberately NOT enabled (the 3.6 defaults that are switched off):
 *   server side and DTLS: SSL_SRV_C, SSL_PROTO_DTLS, SSL_DTLS_*, SSL_COOKIE_C,
 *     SSL_CACHE_C, SSL_TICKET_C, SSL_SESSION_TICKETS, SSL_CONTEXT_SERIALIZATION,
 *     SSL_RENEGOTIATION, SSL_MAX_FRAGMENT_LENGTH, SSL_KEYING_MATERIAL_EXPORT
 *   TLS 1.3 PSK modes (resumption), TLS 1.2 PSK/RSA/DHE/static-ECDH key exchanges
 *   ciphers/modes: CAMELLIA, ARIA, CCM, CMAC, NIST_KW, CFB, OFB, XTS, PADLOCK,
 *     CIPHER_PADDING_* (see the note at the top)
 *   curves: secp192r1/224r1, secp192k1/224k1/256k1, brainpool, curve448
 *   SHA3, LMS, ECJPAKE, PKCS5 (encrypted PKCS#8), PKCS7, PKCS12, GENPRIME,
 *   PEM_WRITE, PK_WRITE (neither libssh2 nor the TLS client uses it),
 *   X.509 CRL/CSR parsing and all X.509 writing
 *   PSA storage (PSA_CRYPTO_STORAGE_C, PSA_ITS_FILE_C), USE_PSA_CRYPTO
 *   DEBUG_C, SELF_TEST, TIMING_C, VERSION_FEATURES, THREADING_C
 */

#endif /* PINION_MBEDTLS_CONFIG_H */
