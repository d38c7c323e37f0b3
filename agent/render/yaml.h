/*
 * YAML in: a push reader that turns a file's bytes into cJSON documents typed as kustomize types them.
 *
 * Kustomize (kyaml v0.18.1 on go-yaml v3) reads a file in two steps, and so does this reader:
 *  1. The text is cut into pieces at every line that starts with "---" and is not the file's first line
 *     (kyaml's splitDocuments, after "\r\n" → "\n"). Content after "---" on such a line, other than a comment,
 *     is an error ("invalid document separator"). Each piece is parsed on its own, and only its first YAML
 *     document is read: anything after a "..." end marker in the same piece is ignored, as kustomize ignores
 *     it. A piece that holds no document or a null one ("~", "null", only comments) yields nothing.
 *  2. Each node is typed by go-yaml v3's resolver, whose YAML 1.1 leftovers kustomize keeps:
 *     - quoted, literal and folded scalars are strings, and so is anything tagged !!str;
 *     - true/True/TRUE, false/False/FALSE are booleans; yes/no/on/off/y/n stay strings;
 *     - "", ~, null, Null, NULL are null;
 *     - integers as Go's strconv.ParseInt/ParseUint with base 0 after dropping '_': 0x1F → 31, 0o17 → 15,
 *       0b101 → 5, 0755 → 493 (YAML 1.1 octal); 08 and 0789 are not octal and become the floats 8 and 789;
 *       int64 and uint64 values keep every digit (9007199254740993 stays 9007199254740993);
 *     - floats (1e3, .5, 1.0, +1.5, 1_000.5) become the text Go's encoding/json prints for the float64:
 *       1e3 → 1000, 1.0 → 1, 1e21 → 1e+21, 1e-7 → 1e-7; an out-of-range 1e400 stays the string "1e400";
 *       .inf and .nan are an error (kustomize cannot print them: "json: unsupported value");
 *     - timestamps (2020-01-01, 2020-1-1, 2001-12-14t21:59:43.10+01:00, "2001-12-14 21:59:43.10") become the
 *       string Go's time.Time.MarshalJSON prints: "2020-01-01T00:00:00Z"; quoted dates stay as written;
 *     - tags !!str !!int !!float !!bool !!null !!timestamp are honoured ("cannot decode !!str `x` as a !!int"
 *       when the value does not fit), !!binary is base64-decoded, other tags (!foo, !!set, !!map) are ignored;
 *     - mapping keys must type as strings ("1: x", "true: x" are errors, as kustomize's JSON encoder fails);
 *       two equal keys in one mapping are an error naming both lines;
 *     - anchors and aliases are expanded into copies, within PN_YAML_MAX_ALIAS_NODES nodes per document;
 *       an alias used inside its own anchored node is an error;
 *     - merge keys "<<: *a" / "<<: [*a, *b]": keys written in the mapping win, then the first source.
 *
 * Numbers are cJSON_Raw items whose valuestring is their canonical JSON text (no other raw items occur);
 * read them with pn_yaml_number(). Strings, booleans, nulls, arrays and objects are ordinary cJSON items.
 * Every error names the file and the line: "apps/x.yaml:12: duplicate key: mapping key \"name\" already defined at
 * line 4" (go-yaml's words, which kustomize prints).
 */
#ifndef PN_YAML_H
#define PN_YAML_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "../core/buf.h"
#include "../core/error.h"

/* Bytes of one file: the largest manifests (CRD bundles) are a few MiB; 16 MiB leaves room. */
#define PN_YAML_MAX_FILE ((size_t)16 << 20)
/* Bytes of one scalar: the API server refuses objects over 1.5 MiB, so no real value is larger. */
#define PN_YAML_MAX_SCALAR ((size_t)3 << 19)
/* Nesting of mappings and sequences: CRD schemas reach ~40 levels; every cJSON walk recurses this deep. */
#define PN_YAML_MAX_DEPTH 128
/* Documents (and "---" pieces) in one file. */
#define PN_YAML_MAX_DOCS 10000
/* Nodes that aliases and merge keys may add to one document: what stops a "billion laughs" file. */
#define PN_YAML_MAX_ALIAS_NODES 100000
/* Anchors defined in one document (looked up linearly). */
#define PN_YAML_MAX_ANCHORS 1024

/* The limits of one reader; pn_yaml_limits_init() sets the defaults above (and goyaml_v2 0). */
struct pn_yaml_limits {
	size_t max_file;
	size_t max_scalar;
	size_t max_depth;
	size_t max_docs;
	size_t max_alias_nodes;
	/* Type as sigs.k8s.io/yaml.YAMLToJSON does (go-yaml v2 into interface{}), which is how Flux reads an object
	 * back after postBuild substitution (subst.h), instead of as kyaml: yes/Yes/YES/y/Y/on/On/ON are true and
	 * no/No/NO/n/N/off/Off/OFF false; timestamps stay the text written ("2020-1-1"); a mapping key that reads
	 * as an int, a bool or a float becomes its text ("0x10" → "16", "yes" → "true", "1e6" → "1e+06", floats
	 * as float32 %g; a null or uint64 key is an error, as in Flux); a key written twice keeps its last value. Merge keys keep kyaml's rule (keys written in the mapping win), where
	 * go-yaml v2 lets whatever comes later win; a substituted value cannot bring anchors for them. */
	int goyaml_v2;
};

void pn_yaml_limits_init(struct pn_yaml_limits *lim);

/* One document. */
struct pn_yaml_doc {
	cJSON *root;	/* never NULL and never JSON null */
	size_t line;	/* 1-based line of the file where its content begins */
	size_t piece;	/* 0-based index of the "---" piece it came from */
};

struct pn_yaml;

/* A reader for one file; `file` names it in errors (copied). lim NULL means the defaults.
 * The caller frees it with pn_yaml_free(). */
const struct pn_error *pn_yaml_new(const char *file, const struct pn_yaml_limits *lim, struct pn_yaml **out);
void pn_yaml_free(struct pn_yaml *y);

/* Feed bytes. Complete pieces are parsed at once and their documents queued for pn_yaml_next(). After an
 * error every later call returns the same error. */
const struct pn_error *pn_yaml_push(struct pn_yaml *y, const void *data, size_t len);

/* End of input: parses the last piece. */
const struct pn_error *pn_yaml_finish(struct pn_yaml *y);

/* Take the oldest queued document: returns 1 and fills *doc (the caller then owns doc->root and frees it with
 * cJSON_Delete()), or 0 when none is queued. */
int pn_yaml_next(struct pn_yaml *y, struct pn_yaml_doc *doc);

/* How many "---" pieces were read so far (kustomize unwraps a `kind: List` only in a one-piece file). */
size_t pn_yaml_pieces(const struct pn_yaml *y);

/* Every document of a whole buffer. */
struct pn_yaml_docs {
	struct pn_yaml_doc *v;
	size_t n;
	size_t pieces;
};

/* Parse all of data into *out (empty on error). The caller frees it with pn_yaml_docs_release(). */
const struct pn_error *pn_yaml_parse(const char *file, const void *data, size_t len,
    const struct pn_yaml_limits *lim, struct pn_yaml_docs *out);
void pn_yaml_docs_release(struct pn_yaml_docs *docs);

/* A number's canonical JSON text ("493", "1e+21"), or NULL when item is not a number. */
const char *pn_yaml_number(const cJSON *item);

/* Append the compact JSON of a document (what the API server is sent) to b; TOO_LARGE past b's ceiling. */
const struct pn_error *pn_yaml_to_json(const cJSON *doc, struct pn_buf *b);

#endif
