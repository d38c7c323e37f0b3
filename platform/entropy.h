/*
 * Randomness from the kernel (getrandom, falling back to /dev/urandom), for mbedTLS's DRBG seed, jitter and
 * temporary names. Blocks only until the kernel pool is initialised once after boot.
 */
#ifndef PN_ENTROPY_H
#define PN_ENTROPY_H

#include <stddef.h>

#include "../agent/core/error.h"

const struct pn_error *pn_entropy(void *buf, size_t len);

/* mbedTLS entropy-source shape (mbedtls_ctr_drbg_seed's f_entropy): 0 on success, -1 on failure. */
int pn_entropy_mbedtls(void *ctx, unsigned char *buf, size_t len);

#endif
