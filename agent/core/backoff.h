/*
 * Exponential backoff with jitter, for retries against a peer that may come back (an API server starting at
 * boot, a 503 under load): each delay doubles from `base` up to `cap`, and the one returned is drawn from
 * [d/2, d] so that clients that failed together do not retry together. A Retry-After the peer sent wins over
 * the computed delay. Nothing here sleeps; the caller does, within its own deadline.
 */
#ifndef PN_BACKOFF_H
#define PN_BACKOFF_H

#include <stdint.h>

struct pn_backoff {
	uint64_t base_ms, cap_ms, next_ms;
	uint32_t rnd;		/* xorshift state: jitter needs no cryptographic quality */
	unsigned attempts;	/* delays handed out so far */
};

/* base_ms > 0, cap_ms >= base_ms. */
void pn_backoff_init(struct pn_backoff *b, uint64_t base_ms, uint64_t cap_ms);

/* The next delay; retry_after_ms (0: none) replaces it when larger, and is not capped. */
uint64_t pn_backoff_next(struct pn_backoff *b, uint64_t retry_after_ms);

#endif
