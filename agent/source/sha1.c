#include "sha1.h"

#include <string.h>

#include "../core/banned.h"

/* sha1dc takes int-sized lengths on some paths: feed it in pieces of at most this much. */
#define SHA1_PIECE_MAX ((size_t)1 << 30)

void
pn_sha1_init(struct pn_sha1 *s)
{
	SHA1DCInit(&s->ctx);
	/* the default: a detected collision block changes the digest. pinion refuses the input instead, but a
	 * digest that cannot match the attacker's chosen id is the safer value to leave in the context */
	SHA1DCSetSafeHash(&s->ctx, 1);
}

void
pn_sha1_update(struct pn_sha1 *s, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		size_t n = len < SHA1_PIECE_MAX ? len : SHA1_PIECE_MAX;

		SHA1DCUpdate(&s->ctx, p, n);
		p += n;
		len -= n;
	}
}

const struct pn_error *
pn_sha1_final(struct pn_sha1 *s, uint8_t out[PN_SHA1_LEN], const char *what)
{
	unsigned char d[PN_SHA1_LEN];

	if (SHA1DCFinal(d, &s->ctx) != 0)
		return pn_error_fmt(PN_ERR_PARSE, "%s: SHA-1 collision attack detected (sha1dc): refused, its id "
		    "could name two different contents", what);
	memcpy(out, d, PN_SHA1_LEN);
	return NULL;
}

const struct pn_error *
pn_sha1(const void *data, size_t len, uint8_t out[PN_SHA1_LEN], const char *what)
{
	struct pn_sha1 s;

	pn_sha1_init(&s);
	pn_sha1_update(&s, data, len);
	return pn_sha1_final(&s, out, what);
}
