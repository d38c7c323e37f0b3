/*
 * YAML scalar typing: what go-yaml's resolver makes of a scalar's text (null, bool, int, float, timestamp or
 * string), with Go's strconv and time rules re-done in C. yaml.c types every plain scalar (and every one under a
 * resolvable tag) with it; yaml.h says what kustomize and Flux make of each kind.
 *
 * As go-yaml v3's resolve() (the first byte decides what the text may be, then):
 *  - true/True/TRUE, false/False/FALSE are booleans; with go-yaml v2 also YAML 1.1's y/Y/yes/Yes/YES/on/On/ON
 *    and n/N/no/No/NO/off/Off/OFF;
 *  - "", ~, null, Null, NULL are null;
 *  - .inf/.Inf/.INF (with '+' or '-'), .nan/.NaN/.NAN are floats;
 *  - timestamps (when allowed) as go-yaml's parseTimestamp: four digits, '-', then the first of its layouts that
 *    Go's time.Parse accepts;
 *  - integers as strconv.ParseInt, then ParseUint, with base 0 after dropping every '_' (0x1F, 0o17, 0b101, 0755
 *    octal); int64 range as PN_YAMLTYPE_INT, beyond it up to uint64 as PN_YAMLTYPE_UINT;
 *  - floats as strconv.ParseFloat of decimal text ('_' only where Go's underscoreOK allows it); out of range
 *    (1e400) is a string;
 *  - anything else is a string.
 */
#ifndef PN_YAMLTYPE_H
#define PN_YAMLTYPE_H

#include <stddef.h>
#include <stdint.h>

/* The prefix of YAML's own tags ("tag:yaml.org,2002:int" is "!!int"). */
#define PN_YAMLTYPE_TAG_PREFIX "tag:yaml.org,2002:"
/* Room for any number or timestamp text made here ("-18446744073709551615", "2020-01-01T10:00:00.123456789+24:00"). */
#define PN_YAMLTYPE_TEXT_MAX 64

enum pn_yamltype_kind {
	PN_YAMLTYPE_STR,
	PN_YAMLTYPE_NULL,
	PN_YAMLTYPE_BOOL,
	PN_YAMLTYPE_INT,	/* fits int64 */
	PN_YAMLTYPE_UINT,	/* above int64, fits uint64 */
	PN_YAMLTYPE_FLOAT,
	PN_YAMLTYPE_TIME,
};

struct pn_yamltype_value {
	enum pn_yamltype_kind kind;
	int b;			/* PN_YAMLTYPE_BOOL */
	int64_t i;		/* PN_YAMLTYPE_INT */
	uint64_t u;		/* PN_YAMLTYPE_UINT */
	double f;		/* PN_YAMLTYPE_FLOAT, also ±inf and nan */
	char text[PN_YAMLTYPE_TEXT_MAX];	/* PN_YAMLTYPE_TIME: the JSON string (Go's time.Time.MarshalJSON) */
};

/* Type the scalar text s (NUL-terminated) into *r, all of which is set. `timestamps`: whether timestamps are
 * recognised (no tag, or !!timestamp); `v2`: go-yaml v2's YAML 1.1 booleans too. */
void pn_yamltype_resolve(const char *s, int timestamps, int v2, struct pn_yamltype_value *r);

/* go-yaml's short form of a tag into out (cap bytes): "!!int" for PN_YAMLTYPE_TAG_PREFIX "int", other tags as
 * they are, "" for none (NULL) or the non-specific "!". */
void pn_yamltype_short_tag(const char *tag, char *out, size_t cap);

/* The short tag of a kind: "!!str", "!!null", "!!bool", "!!int" (INT and UINT), "!!float", "!!timestamp". */
const char *pn_yamltype_kind_tag(enum pn_yamltype_kind k);

#endif
