/*
 * Range-checked number parsing for everything read from the command line, files or peers (never atoi).
 */
#ifndef PN_NUM_H
#define PN_NUM_H

#include <stdint.h>

#include "error.h"

/* Parse all of `s` as a decimal unsigned integer in [min, max]. No sign, no spaces, no leading "+".
 * `what` names the value in the error ("--timeout", "Content-Length"). */
const struct pn_error *pn_num_parse_u64(const char *s, uint64_t min, uint64_t max, const char *what,
    uint64_t *out);

/* The same for the first `len` bytes of `s` (need not be NUL-terminated). */
const struct pn_error *pn_num_parse_u64n(const char *s, size_t len, uint64_t min, uint64_t max,
    const char *what, uint64_t *out);

/* Parse `len` hexadecimal digits (either case) into *out; fails on any other byte or on overflow. */
const struct pn_error *pn_num_parse_hex(const char *s, size_t len, uint64_t max, const char *what,
    uint64_t *out);

/* Parse a duration: a decimal number with unit ms, s, m or h ("250ms", "30s", "5m", "1h"), or a bare number
 * meaning seconds. Result in milliseconds, at most `max_ms`. */
const struct pn_error *pn_num_parse_duration(const char *s, uint64_t max_ms, const char *what, uint64_t *out_ms);

#endif
