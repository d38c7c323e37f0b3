/*
 * Flux's postBuild substitution: kustomize-controller runs fluxcd/pkg/kustomize SubstituteVariables on every
 * object of a build when the Kustomization has spec.postBuild, with the envsubst of fluxcd/pkg/envsubst (a fork
 * of drone/envsubst; its parser is drone's, unchanged). Checked against those sources (fluxcd/pkg@e2cfd1a,
 * kustomize-controller@186fb3b).
 *
 * Per object (pn_subst_object), as SubstituteVariables does:
 *  - skipped when metadata.labels or metadata.annotations has kustomize.toolkit.fluxcd.io/substitute: disabled;
 *  - skipped when there is no variable, unless substituteStrategy is Always (`always`);
 *  - every variable name must match ^[_[:alpha:]][_[:alpha:][:digit:]]*$ (ASCII), else the error
 *    "'1X' var name is invalid, must match '...'" (checked per object, as Flux does);
 *  - the object is printed as kustomize prints it (yamlout.h: Resource.AsYAML), the text is substituted, and
 *    read back as sigs.k8s.io/yaml.YAMLToJSON reads it (yaml.h with goyaml_v2): `replicas: ${n}` with n=3 is
 *    the integer 3 and `on: ${b}` with b=yes the boolean true. A source value "${n}" does not stay a string:
 *    kustomize printed it plainly (${n}), so it reads back as 3; only text the printer had to quote
 *    ('${a}: b', a block scalar) stays a string. A result that does not read back as one mapping is an error
 *    naming the object.
 * Values have every "\n" removed when they are set (Flux strips them from substitute and substituteFrom).
 *
 * The text language (pn_subst_eval), exactly as the fork parses and evaluates it:
 *  - only "${" starts a reference; a bare $var is text. "$$" anywhere in plain text is one "$" (so "$${x}" is
 *    the text "${x}", and a shell script's "$$" loses a "$").
 *  - ${var}; ${#var} (length in bytes); ${var^} ${var^^} ${var,} ${var,,} (case of the first rune / all);
 *    ${var:pos} ${var:pos:len} (bytes; negative pos counts from the end; an unparsable number gives the value
 *    unchanged); ${var/a/b} ${var//a/b} ${var/#a/b} ${var/%a/b} (literal strings, not patterns; "\/" and "\\"
 *    escape; ${var/#a/} and ${var/%a/} leave the value unchanged); ${var#p} ${var##p} ${var%p} ${var%%p}
 *    (glob patterns * ? [a-z] [^a], where * also crosses '/'; a malformed pattern leaves the value; the %
 *    forms match the rune-reversed pattern against the rune-reversed value, as the fork does, so "%.*" works
 *    but a class like [a-z] is reversed too);
 *  - defaults: ${var:=d} ${var:-d} ${var=d}, and also ${var:?d} ${var:+d}: all give d when the value is
 *    empty (set or not: the fork does not tell unset from empty); d may hold text and ${...} references, which
 *    are evaluated even when the value is used; ${var-d} and ${var+d} are parse errors ("missing closing
 *    brace"), as in the fork, whatever its README says;
 *  - a variable that is not set is "" unless strict: then every reference to it is the error
 *    'variable not set (strict mode): "X"' except under the default forms above (StrictPostBuildSubstitutions,
 *    on by default in kustomize-controller since v1.9; `flux build --strict-substitute`);
 *  - parse errors, with the fork's words: bad substitution, missing closing brace, unable to parse variable
 *    name, unable to parse substitution within function, unable to parse default function. The whole text is
 *    parsed before anything is evaluated there, so a parse error anywhere wins over a strict-mode error.
 * Deviations, all in corners no manifest uses:
 *  - a name may hold letters and digits of any script (Go's unicode.IsLetter/IsDigit); above Latin-1 these
 *    are approximated by blocks (yamlout.h pn_yamlout_letter), so a rare symbol may count as a letter;
 *  - the case forms map ASCII, Latin-1, Latin Extended-A, basic Greek and Cyrillic; other runes are kept
 *    (Go's unicode.ToUpper knows every script);
 *  - ${var:pos:len} with a negative len that does not reach the end panics in Go (kustomize-controller
 *    reports the recovered panic); here it is an error;
 *  - pattern trimming costs at most PN_SUBST_MAX_MATCH_STEPS per object, then it is an error;
 *  - the re-read (yaml.h goyaml_v2, checked against gopkg.in/yaml.v2 2.4 on random documents) differs only
 *    where a value brings YAML structure kustomize's printer never writes: a merge key "<<" (kyaml's
 *    precedence), or a key repeated after a .inf/.nan value (go-yaml drops the value, here it is an error).
 *
 * The evaluator is one bounded pass over text already in memory, not a push parser: the fork's scanner looks
 * ahead without limit (in ${var/x} the pattern runs on to the next '/' in the rest of the object), and Flux
 * substitutes one printed object at a time, which PN_SUBST_MAX_OBJECT bounds.
 */
#ifndef PN_SUBST_H
#define PN_SUBST_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "../core/buf.h"
#include "../core/error.h"

/* Variables in one set: homelab cluster-settings Secrets hold tens; a linear insert stays cheap. */
#define PN_SUBST_MAX_VARS 1024
/* Bytes of a variable name: a ConfigMap or Secret key (what substituteFrom turns into names) is at most 253. */
#define PN_SUBST_MAX_NAME 253
/* Bytes of one value: all of a ConfigMap's data is at most 1 MiB, so no value substituteFrom brings is larger. */
#define PN_SUBST_MAX_VALUE ((size_t)1 << 20)
/* Bytes of one object's YAML before and after substitution (and of every intermediate string): the API server
 * refuses objects over 1.5 MiB, and block-style YAML of a CRD's deep schema is up to a few times its JSON. */
#define PN_SUBST_MAX_OBJECT ((size_t)8 << 20)
/* ${...} nested inside defaults and arguments: each level is a C stack frame; real manifests use two. */
#define PN_SUBST_MAX_DEPTH 32
/* Pattern-matching steps per object: the fork tries every prefix of the value against the pattern
 * (quadratic), so a 1 MiB value with ${v%%*x} would otherwise run for hours. This is well under a second. */
#define PN_SUBST_MAX_MATCH_STEPS 50000000UL

#define PN_SUBST_ANNOTATION "kustomize.toolkit.fluxcd.io/substitute"
#define PN_SUBST_NAME_REGEX "^[_[:alpha:]][_[:alpha:][:digit:]]*$"

struct pn_subst_var {
	char *name;
	char *value;	/* without "\n"; may hold NUL bytes */
	size_t len;
};

/* A set of variables and how to substitute them. */
struct pn_subst {
	struct pn_subst_var *v;	/* sorted by name (bytewise) */
	size_t n, cap;
	int strict;	/* an unset variable is an error (StrictPostBuildSubstitutions) */
	int always;	/* substitute even with no variable (postBuild.substituteStrategy: Always) */
};

void pn_subst_init(struct pn_subst *s);
void pn_subst_release(struct pn_subst *s);

/* Set (or replace) a variable; "\n" is removed from the value. PN_ERR_TOO_LARGE past the limits above,
 * PN_ERR_USAGE for an empty name or one holding NUL. */
const struct pn_error *pn_subst_set(struct pn_subst *s, const char *name, size_t nlen, const char *value,
    size_t vlen);

/* Set every variable of src in dst (src's win). */
const struct pn_error *pn_subst_merge(struct pn_subst *dst, const struct pn_subst *src);

/* "KEY=VALUE" (the first '=' splits; `what` names it in errors, e.g. "--substitute"). */
const struct pn_error *pn_subst_set_arg(struct pn_subst *s, const char *arg, const char *what);

/* A variables file: lines KEY=VALUE (the key trimmed of blanks, the value taken as it is, up to the end of
 * the line without its "\r"); blank lines and lines starting with '#' (after blanks) are skipped. Errors name
 * file:line. */
const struct pn_error *pn_subst_parse_env(struct pn_subst *s, const char *file, const char *data, size_t len);

/* envsubst.Eval over text: append the result to out (TOO_LARGE past its ceiling or PN_SUBST_MAX_OBJECT).
 * Errors: PN_ERR_PARSE (a parse error, with its line), PN_ERR_NOT_FOUND (strict mode), PN_ERR_TOO_LARGE. */
const struct pn_error *pn_subst_eval(const struct pn_subst *s, const char *text, size_t len, struct pn_buf *out);

/* SubstituteVariables on one object: *obj is replaced by the substituted object (or left alone when
 * skipped). s NULL does nothing. Errors name the object ("apps/v1 Deployment ns/name: ..."). */
const struct pn_error *pn_subst_object(const struct pn_subst *s, cJSON **obj);

#endif
