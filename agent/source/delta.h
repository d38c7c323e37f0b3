/*
 * Git delta application (gitformat-pack "Deltified representation"): a push parser, and a function on buffers
 * built on it.
 *
 * A delta is: the base size and the result size (little-endian base-128 varints), then instructions.
 *   1xxxxxxx  copy: bits 0-3 say which of 4 offset bytes follow, bits 4-6 which of 3 size bytes follow
 *             (little-endian); a size of 0 means 0x10000. The range must lie inside the base.
 *   0nnnnnnn  insert the next n (1..127) bytes literally. n = 0 is reserved and rejected.
 * The base must have exactly the declared base size and the output must be exactly the declared result size.
 *
 * The push parser (pn_delta_init / pn_delta_push / pn_delta_finish) takes the delta in pieces of any size as it
 * is inflated and hands out instructions: copy ranges of the base (the caller reads them from memory or from a
 * file) and literal bytes. Neither the delta, the base nor the result need be in memory, so an object of any
 * size is resolved in a fixed amount of memory. Nothing is allocated from the declared sizes: an instruction
 * that would produce more than the declared result size fails before it is handed out. Errors name the byte
 * position in the delta ("delta byte 7: ..."); the pack reader adds the pack offset in front.
 */
#ifndef PN_DELTA_H
#define PN_DELTA_H

#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../core/error.h"

/* A size varint carries at most 64 bits: 10 bytes of 7 bits. Longer ones are rejected, not truncated. */
#define PN_DELTA_VARINT_MAX 10
/* Operand bytes of a copy instruction: 4 offset bytes and 3 size bytes. */
#define PN_DELTA_COPY_ARGS_MAX 7

/* What the push parser hands out, in order. Each may fail; the first failure stops the parser. */
struct pn_delta_ops {
	/* Once, before any output, when both sizes are known and the base size matched. May be NULL. */
	const struct pn_error *(*sizes)(void *arg, uint64_t base_size, uint64_t result_size);
	/* Copy `len` bytes from base offset `off` to the output (off + len <= the base size is checked). */
	const struct pn_error *(*copy)(void *arg, uint64_t off, uint64_t len);
	/* Literal bytes to the output; one insert instruction may come in several pieces. */
	const struct pn_error *(*insert)(void *arg, const uint8_t *p, size_t n);
};

/* The parser's state: the caller owns it, pn_delta_init() sets it up, nothing to free. */
struct pn_delta {
	const struct pn_delta_ops *ops;
	void *arg;
	uint64_t base_len;	/* the actual base */
	uint64_t pos;		/* delta bytes consumed */
	uint64_t base_size, result_size, produced;
	uint64_t op_at;		/* position of the current instruction */
	uint64_t varint;
	unsigned shift, nbytes;
	int state;
	uint8_t op;
	uint8_t args[PN_DELTA_COPY_ARGS_MAX];
	unsigned nargs, need;	/* copy operand bytes seen and expected */
	unsigned insert_len, insert_left;
	const struct pn_error *err;
	struct pn_error err_store;
};

void pn_delta_init(struct pn_delta *d, uint64_t base_len, const struct pn_delta_ops *ops, void *arg);
/* The next `len` bytes of the delta. The first error is kept (in d: copy it before d goes) and returned again. */
const struct pn_error *pn_delta_push(struct pn_delta *d, const void *p, size_t len);
/* The delta has ended: check that it was complete and produced exactly the declared result size. */
const struct pn_error *pn_delta_finish(struct pn_delta *d);

/* Read the two sizes at the start of `delta`; *hdr_len is the number of bytes they took. */
const struct pn_error *pn_delta_sizes(const uint8_t *delta, size_t len, uint64_t *base_size,
    uint64_t *result_size, size_t *hdr_len);

/* Apply `delta` to `base`, appending exactly the declared result size to `out` (PN_ERR_TOO_LARGE past out's
 * ceiling, checked before anything is produced; PN_ERR_PARSE for a malformed delta). On failure out->len is
 * back where it was. */
const struct pn_error *pn_delta_apply(const uint8_t *base, size_t base_len, const uint8_t *delta, size_t len,
    struct pn_buf *out);

#endif
