/*
 * The spool: rendered documents kept in a file instead of in memory (issue 5, "Bounded memory").
 *
 * A build holds thousands of documents, each a cJSON tree several times the size of its text. The spool is
 * one temporary file, unlinked as soon as it is opened (so nothing is left behind, whatever happens to the
 * process), in a directory the caller chooses: the state directory for a sync, $TMPDIR (or /tmp) for
 * `pinion build DIR`. pn_spool_put() writes a document and says where (a slot: offset, length, room),
 * pn_spool_get() reads it back. The build keeps only a small index in memory (resmap.h: group/kind, namespace,
 * name and the slot of each object) and loads an object while a transformer works on it.
 *
 * Encoding: an exact binary image of a cJSON tree, so a document read back prints byte for byte as the one
 * written. Each value is a type byte followed by its body; lengths and counts are unsigned LEB128 varints in
 * their shortest form:
 *   0 null   1 false   2 true
 *   3 string   varint length, the bytes (no NUL inside: cJSON strings are C strings)
 *   4 raw      the same; yaml.h's numbers are raw items holding their canonical JSON text
 *   5 number   a cJSON number: valuedouble as 8 bytes (IEEE 754, little-endian), valueint as 4 (two's
 *              complement, little-endian): both, because cJSON keeps both and callers may read either
 *   6 array    varint count, the elements
 *   7 object   varint count, then each member: varint key length, the key bytes, the value (key order kept)
 * Nothing else is accepted: a decoder that accepts only the shortest varints and no trailing bytes makes the
 * encoding canonical, so decode(x) = t implies encode(t) = x (the fuzz target checks it). Nesting is capped by
 * PN_SPOOL_MAX_DEPTH on both sides (each level is one C stack frame).
 *
 * A slot's room (cap) is the bytes the file reserves for it: writing a document again into a slot whose room
 * is large enough overwrites it in place (an object a transformer did not grow, or a name reference fix that
 * changed nothing), otherwise it is appended and the old bytes become garbage until the file is closed. A slot
 * belongs to one holder; the file only grows, up to the ceiling given to pn_spool_new().
 *
 * The decoder is not a push parser (CONVENTIONS.md): a record's length is known from the index, so the record
 * is read whole (bounded by PN_SPOOL_MAX_DOC) and decoded from memory; pn_spool_decode() does no I/O and is what
 * the tests and tests/fuzz/fuzz_spool.c feed. It only ever reads this process's own file, but it checks every
 * length against the bytes that remain as if it did not.
 */
#ifndef PN_SPOOL_H
#define PN_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "../core/buf.h"
#include "../core/error.h"
#include "yaml.h"

/* Nesting of one spooled document: what the YAML reader produces (PN_YAML_MAX_DEPTH) plus the room the writer
 * leaves for transformers that wrap values (yamlout.h's PN_YAMLOUT_MAX_DEPTH), so every printable document can
 * be spooled. */
#define PN_SPOOL_MAX_DEPTH (PN_YAML_MAX_DEPTH + 16)
/* Bytes of one encoded document. A document comes from one file of at most PN_YAML_MAX_FILE bytes and its
 * encoding is not longer than its YAML text (no indentation, short lengths), except for copies made by
 * aliases and what transformers add: twice the file ceiling leaves room for both. */
#define PN_SPOOL_MAX_DOC (2 * PN_YAML_MAX_FILE)
/* Bytes of a whole spool file by default: the documents of a build (whose YAML is at most PN_BUILD_MAX_BYTES,
 * 64 MiB) written again by each nesting level whose transformers grow them, and the printed output staged
 * before it is written (at most 4 times the input, cli_build.h). 1 GiB of disk, never of memory. */
#define PN_SPOOL_MAX_BYTES ((uint64_t)1 << 30)
/* Scratch buffers (encoding, reading) larger than this after a call are freed, so one huge document does not
 * pin its size in memory for the rest of the build. */
#define PN_SPOOL_KEEP ((size_t)64 << 10)

/* Where one document lives in the spool file. A zeroed slot holds nothing yet. */
struct pn_spool_slot {
	uint64_t off;	/* byte offset in the file */
	uint32_t len;	/* bytes of the encoded document */
	uint32_t cap;	/* bytes reserved there (>= len); 0: no place yet */
};

struct pn_spool;

/* Create the spool file in directory `dir` (created with mode 0600 and unlinked at once) that may grow to
 * max_bytes. The caller frees it with pn_spool_free(), which closes the file. */
const struct pn_error *pn_spool_new(const char *dir, uint64_t max_bytes, struct pn_spool **out);
void pn_spool_free(struct pn_spool *sp);

/* The directory a spool for `pinion build DIR` goes to: $TMPDIR when set and not empty, else /tmp. */
const char *pn_spool_tmpdir(void);

/* Write doc into *slot: in place when its room is enough, else at the end of the file (slot updated). A full
 * disk or the file's ceiling is an error naming the directory; *slot is then unchanged. */
const struct pn_error *pn_spool_put(struct pn_spool *sp, const cJSON *doc, struct pn_spool_slot *slot);

/* Read the document of *slot. The caller frees it with cJSON_Delete(). */
const struct pn_error *pn_spool_get(struct pn_spool *sp, const struct pn_spool_slot *slot, cJSON **out);

/* Raw bytes (the printed output staged before it is written): append len bytes at the end, their offset in
 * *off; read them back. */
const struct pn_error *pn_spool_append(struct pn_spool *sp, const void *data, size_t len, uint64_t *off);
const struct pn_error *pn_spool_read(struct pn_spool *sp, uint64_t off, void *data, size_t len);

/* Bytes of the file now. */
uint64_t pn_spool_size(const struct pn_spool *sp);

/* Documents written (puts) and read back (gets) so far: what tests check to see that a build leaves objects
 * alone. */
void pn_spool_counts(const struct pn_spool *sp, uint64_t *puts, uint64_t *gets);

/* The encoding of doc appended to b (TOO_LARGE past b's ceiling or PN_SPOOL_MAX_DEPTH). */
const struct pn_error *pn_spool_encode(const cJSON *doc, struct pn_buf *b);

/* Decode exactly len bytes into one value (PN_ERR_PARSE naming the byte where it is wrong). The caller frees
 * *out with cJSON_Delete(). */
const struct pn_error *pn_spool_decode(const void *data, size_t len, cJSON **out);

#endif
