/*
 * SHA-1 with collision detection: every object id, pack checksum and index checksum of the object store is
 * computed with sha1dc (Marc Stevens and Dan Shumow's "counter-cryptanalysis", the library git itself uses
 * since 2.13), built by scripts/deps from the copy in Debian's git source package.
 *
 * sha1dc gives the same digests as SHA-1 for every input except one that carries the near-collision blocks of a
 * known attack (SHAttered and its classical and chosen-prefix relatives). For those pn_sha1_final() returns an
 * error instead of a digest, so an object or pack crafted to collide with another is refused instead of being
 * stored under an id that also names something else. The cost is speed: about 2-3x plain SHA-1 (the
 * unavoidable-bit-condition check skips most of the work for ordinary data).
 */
#ifndef PN_SHA1_H
#define PN_SHA1_H

#include <stddef.h>
#include <stdint.h>

#include <sha1dc/sha1.h>

#include "../core/error.h"

#define PN_SHA1_LEN 20

struct pn_sha1 {
	SHA1_CTX ctx;	/* sha1dc's state: ~2.4 KB */
};

void pn_sha1_init(struct pn_sha1 *s);
void pn_sha1_update(struct pn_sha1 *s, const void *data, size_t len);
/* The digest; PN_ERR_PARSE naming `what` ("object 1234...", "the pack") when the input carries a SHA-1
 * collision attack (the digest is then not set). */
const struct pn_error *pn_sha1_final(struct pn_sha1 *s, uint8_t out[PN_SHA1_LEN], const char *what);
/* All of it at once. */
const struct pn_error *pn_sha1(const void *data, size_t len, uint8_t out[PN_SHA1_LEN], const char *what);

#endif
