/*
 * YAML out: kustomize's writer, byte for byte.
 *
 * `kubectl kustomize` (Kustomize v5.5.0) prints each resource with Resource.AsYAML: the object is encoded as
 * JSON, that JSON is read back by go-yaml v2 into Go maps and printed again by go-yaml v2's yaml.Marshal
 * (sigs.k8s.io/yaml.JSONToYAML); resources are joined with "---\n" (resmap.AsYaml). So the output is go-yaml
 * v2's, whatever the input looked like. This writer reproduces it (checked against kubectl, see
 * tests/data/yamlout/):
 *  - mapping keys sorted at every level in go-yaml v2's "natural" order (sorter.go keyList.Less): letters
 *    after non-letters, runs of digits compared as numbers: _z, "1", "2", "10", A, a9, a10, b;
 *  - numbers (cJSON_Raw items from yaml.h, or cJSON numbers) as go-yaml v2 prints what JSON holds: integers
 *    that fit int64/uint64 as they are ("-0" → 0), anything else as a float64 in Go's %g shortest form with
 *    a two-digit exponent (1.5, 1e-07, 1e+20, 1.2345675e+06);
 *  - booleans true/false, null as null;
 *  - strings plain unless go-yaml v2's YAML 1.1 resolver would read them back as something else (yes, on, y,
 *    n, ~, "", 1.0, 0755, 0x1F, 1:20, 2020-01-01, .inf, ...): those are double-quoted; strings with a line
 *    break as literal blocks ("|", "|-", "|+"); libyaml's emitter (of which go-yaml v2's is a port) then
 *    falls back to single or double quotes where plain or literal is not allowed ('a: b', '*x', ' x',
 *    "trailing space\n") and folds plain and quoted scalars near 80 columns;
 *  - invalid UTF-8 bytes become U+FFFD, as Go's JSON encoder makes them;
 *  - block style everywhere, sequences not indented under their key, "{}" and "[]" for empty collections.
 * Every file of the corpus' expected output reads back and prints unchanged. Known differences, all rare:
 *  - go-yaml v2's key comparison is not transitive for some digit runs (a1b < a9 < a10 < a1b; a010, a10a),
 *    and it sorts Go's map keys in their random iteration order, so kubectl itself prints such keys in a
 *    different order from run to run (checked: four orders in eight runs); this writer's order is one of
 *    them, always the same;
 *  - a string that starts with U+FEFF: go-yaml's is_bom() ignores its index, so it escapes every character
 *    ("\uFEFF\x78"); this writer escapes only the U+FEFF;
 *  - a single-quoted string ending in U+2028/U+2029: libyaml 0.2.5 writes the indentation before the closing
 *    quote, go-yaml v2 does not.
 */
#ifndef PN_YAMLOUT_H
#define PN_YAMLOUT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "../core/buf.h"
#include "../core/error.h"
#include "yaml.h"

/* Nesting the writer follows (it recurses once per level): what the reader produces, plus room for
 * transformers that wrap values. Deeper documents are PN_ERR_TOO_LARGE. */
#define PN_YAMLOUT_MAX_DEPTH (PN_YAML_MAX_DEPTH + 16)
/* Column at which go-yaml v2 (libyaml's default best_width) folds long scalars. */
#define PN_YAMLOUT_WIDTH 80

/* Append one document as kustomize prints it (ending in "\n") to b. TOO_LARGE past b's ceiling; PN_ERR_PARSE
 * for what JSON cannot hold (a non-finite number, an invalid item). */
const struct pn_error *pn_yamlout_doc(const cJSON *doc, struct pn_buf *b);

/* Append n documents joined with "---\n", as `kustomize build` prints a build (nothing for n == 0). */
const struct pn_error *pn_yamlout_docs(const cJSON *const *docs, size_t n, struct pn_buf *b);

/* go-yaml v2's key order: negative, 0 or positive as a sorts before, with or after b. */
int pn_yamlout_keycmp(const char *a, const char *b);

/* Whether go-yaml v2 would read the plain scalar s back as something other than a string (and so quotes it):
 * YAML 1.1 booleans and nulls, ints, floats, timestamps, base-60 floats. */
int pn_yamlout_needs_quotes(const char *s, size_t len);

/* Decode one rune of s[0..len) (len > 0) as Go's utf8.DecodeRune does and return its width: an invalid
 * sequence is one byte wide and yields U+FFFD with *valid = 0. */
size_t pn_yamlout_rune(const unsigned char *s, size_t len, uint32_t *r, int *valid);

/* Go's unicode.IsLetter: exact for ASCII and Latin-1; above that, everything except the common blocks of
 * marks, punctuation, symbols, private use and emoji counts as a letter (close to Unicode's L* categories
 * for the scripts keys are written in). */
int pn_yamlout_letter(uint32_t r);

/* Go's strconv.FormatFloat(f, 'g', -1, bits) of a finite f (bits 32: its float32) into out (64 bytes). */
void pn_yamlout_format_float(double f, int bits, char *out);

#endif
