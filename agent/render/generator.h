/*
 * kustomize's configMapGenerator and secretGenerator (api/internal/generators, api/kv at api/v0.18.0) and the
 * hash suffix of their names (api/hasher, HashTransformer).
 *
 * Each entry makes one object from envs (KEY=VALUE lines; '#' comments and blank lines skipped; a key alone
 * gets ""), then literals (key=value, one pair of matching outer quotes removed), then files ("path" keyed by
 * its base name, or "key=path"; content that is not UTF-8 goes to binaryData, base64). A key given twice is an
 * error. Secrets hold base64 data and a type ("Opaque" by default). generatorOptions labels/annotations are
 * merged over the entry's options (generatorOptions win, as kustomize's MergeGlobalOptionsIntoLocal), and
 * either's disableNameSuffixHash or immutable applies.
 *
 * behavior: create (default) appends and fails when the id exists; merge and replace need exactly one
 * object with the same id (original or current), take its name, namespace, labels and annotations (theirs
 * winning), and keep its place; merge also keeps its data keys not given again.
 *
 * Hash: SHA-256 of Go's json.Marshal of {"data": data or "", "kind", "name": "", ...} (binaryData for a
 * ConfigMap, type and stringData for a Secret), first 10 hex digits with 0→g 1→h 3→k a→m e→t.
 */
#ifndef PN_GENERATOR_H
#define PN_GENERATOR_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "../core/buf.h"
#include "../core/error.h"
#include "kustomization.h"
#include "resmap.h"

/* Keys in one generated object. */
#define PN_GEN_MAX_KEYS 10000

/* How the generator reads the files an entry names (relative to the kustomization's directory). */
struct pn_gen_io {
	const struct pn_error *(*read)(void *ctx, const char *rel, struct pn_buf *out);
	void *ctx;
	size_t max_file;	/* ceiling of each file */
	const char *origin_in;	/* buildMetadata: the kustomization's origin path (buildmeta.h); NULL: none */
};

/* Run k's configMapGenerator then secretGenerator entries into ra; kfile names the kustomization. A merged or
 * replaced object is loaded for it and spilled again (resmap.h). */
const struct pn_error *pn_gen_run(const struct pn_gen_io *io, const char *kfile, const struct pn_kust *k,
    struct pn_resmap *ra);

/* The 10-character hash suffix of a ConfigMap or Secret object. */
const struct pn_error *pn_gen_hash(const cJSON *obj, char out[11]);

/* Append "-<hash>" to the name of every object of ra marked for it (each loaded, renamed and spilled). */
const struct pn_error *pn_gen_hash_names(struct pn_resmap *ra);

/* Go's json.Marshal of v (map keys sorted, <>& and U+2028/9 escaped) appended to b. */
const struct pn_error *pn_gen_gojson(const cJSON *v, struct pn_buf *b);

#endif
