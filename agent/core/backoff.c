/* Exponential backoff with jitter (see backoff.h). */
#include "backoff.h"

#include "../../platform/entropy.h"
#include "banned.h"

void
pn_backoff_init(struct pn_backoff *b, uint64_t base_ms, uint64_t cap_ms)
{
	b->base_ms = base_ms > 0 ? base_ms : 1;
	b->cap_ms = cap_ms >= b->base_ms ? cap_ms : b->base_ms;
	b->next_ms = b->base_ms;
	b->attempts = 0;
	if (pn_entropy(&b->rnd, sizeof(b->rnd)) != NULL || b->rnd == 0)
		b->rnd = 0x9e3779b9u;	/* a fixed seed only weakens the spreading, never the retries */
}

uint64_t
pn_backoff_next(struct pn_backoff *b, uint64_t retry_after_ms)
{
	uint64_t d = b->next_ms, half = d / 2;

	b->rnd ^= b->rnd << 13;
	b->rnd ^= b->rnd >> 17;
	b->rnd ^= b->rnd << 5;
	d = half + (half > 0 ? b->rnd % (half + 1) : 0);
	b->next_ms = b->next_ms >= b->cap_ms / 2 ? b->cap_ms : b->next_ms * 2;
	b->attempts++;
	return retry_after_ms > d ? retry_after_ms : d;
}
