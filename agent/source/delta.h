/*
 * Git delta application (gitformat-pack "Deltified representation"): a pure function on buffers.
 *
 * A delta is: the base size and the result size (little-endian base-128 varints), then instructions.
 *   1xxxxxxx  copy: bits 0-3 say which of 4 offset bytes follow, bits 4-6 which of 3 size bytes follow
 *             (little-endian); a size of 0 means 0x10000. The range must lie inside the base.
 *   0nnnnnnn  insert the next n (1..127) bytes literally. n = 0 is reserved and rejected.
 * The base must have exactly the declared base size and the output must be exactly the declared result size.
 *
 * Nothing is allocated from the declared sizes: the output grows as instructions produce it, under the ceiling
 * of the caller's buffer, and an instruction that would produce more than the declared result size fails
 * before it copies anything. Errors name the byte position in the delta ("delta byte 7: ..."); the pack
 * reader adds the pack offset in front.
 */
#ifndef PN_DELTA_H
#define PN_DELTA_H

#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../core/error.h"

/* A size varint carries at most 64 bits: 10 bytes of 7 bits. Longer ones are rejected, not truncated. */
#define PN_DELTA_VARINT_MAX 10

/* Read the two sizes at the start of `delta`; *hdr_len is the number of bytes they took. */
const struct pn_error *pn_delta_sizes(const uint8_t *delta, size_t len, uint64_t *base_size,
    uint64_t *result_size, size_t *hdr_len);

/* Apply `delta` to `base`, appending exactly the declared result size to `out` (PN_ERR_TOO_LARGE past out's
 * ceiling, PN_ERR_PARSE for a malformed delta). On failure out->len is back where it was. */
const struct pn_error *pn_delta_apply(const uint8_t *base, size_t base_len, const uint8_t *delta, size_t len,
    struct pn_buf *out);

#endif
