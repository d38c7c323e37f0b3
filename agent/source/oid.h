/*
 * Git object ids. pinion speaks SHA-1 repositories; the hash length is carried so that SHA-256 can be added
 * (or refused with a clear message) without changing every signature.
 */
#ifndef PN_OID_H
#define PN_OID_H

#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"

#define PN_OID_SHA1_LEN 20
#define PN_OID_MAX_LEN 32	/* SHA-256 */
#define PN_OID_HEX_MAX (PN_OID_MAX_LEN * 2 + 1)

struct pn_oid {
	uint8_t len;	/* PN_OID_SHA1_LEN */
	uint8_t b[PN_OID_MAX_LEN];
};

/* Parse exactly 40 lowercase or uppercase hex digits. */
const struct pn_error *pn_oid_from_hex(const char *hex, size_t len, struct pn_oid *out);

/* Lowercase hex into buf (at least PN_OID_HEX_MAX bytes); returns buf. */
char *pn_oid_to_hex(const struct pn_oid *oid, char *buf);

int pn_oid_equal(const struct pn_oid *a, const struct pn_oid *b);
int pn_oid_cmp(const struct pn_oid *a, const struct pn_oid *b);
int pn_oid_is_zero(const struct pn_oid *oid);

#endif
