/*
 * What of a source tree render may see: `.sourceignore` files, GitRepository `spec.ignore` and Flux's default
 * exclusions, with the semantics of source-controller (fluxcd/pkg sourceignore and its gitignore package, a
 * fork of go-git's plumbing/format/gitignore v5.16.4), quirks included, because a repository that works with
 * Flux must render the same here.
 *
 * The matcher (struct pn_ignore) is an ordered list of patterns; the last one that matches a path decides
 * (a `!` pattern re-includes). Each pattern has a domain, the directory of the file it came from, and only
 * matches paths strictly below it. Syntax, per line of a file (sourceignore.ReadPatterns):
 *  - lines starting with '#' and lines of white space only (Unicode, as Go's strings.TrimSpace) are skipped;
 *    lines end at '\n', one '\r' before it is dropped;
 *  - a leading '!' negates; then trailing spaces are removed unless the line ends with "\ ";
 *  - a trailing '/' matches directories only (and everything below them);
 *  - a pattern without '/' matches any component of the path below the domain ("*.png" hides a/b.png,
 *    "vendor" hides vendor/x/y);
 *  - a pattern with '/' is matched from the domain on, component by component, and also matches everything
 *    below what it matches ("/deploy" and "deploy/prod" are anchored); "**" as a whole component matches zero
 *    or more components (first match taken, no backtracking, as go-git); a last component "**" also matches
 *    the directory before it; other uses of "**" inside a component never match;
 *  - components are matched as Go's filepath.Match does: '*', '?', '[a-z]', '[^a-z]', '\' escapes; a
 *    malformed pattern (an unclosed '[', a trailing '\') matches nothing.
 *
 * Which patterns apply (source-controller's GitRepository reconciler and artifact/storage SourceIgnoreFilter):
 * every `.sourceignore` of the tree, each with its directory as domain, in walk order (a directory's own file,
 * then its subdirectories in byte order, recursively, skipping directories named ".git"), then spec.ignore
 * (domain the root) last, so it wins. If that list holds at least one pattern, Flux's VCS exclusions
 * (PN_IGNORE_VCS) come before it and the other defaults are dropped; if it is empty, the VCS and the default
 * exclusions (PN_IGNORE_DEFAULTS) apply. A `.sourceignore` or a spec.ignore with a pattern therefore replaces
 * the defaults such as "*.png" and ".sops.yaml"; one with only comments does not.
 *
 * As in Flux's artifact, each path is judged on its own: a file below an excluded directory stays visible when
 * a later `!` pattern re-includes it ("deploy/" then "!deploy/prod/" keeps deploy/prod/), and an excluded
 * directory is still listed when something below it is visible (tar extraction creates it).
 */
#ifndef PN_IGNORE_H
#define PN_IGNORE_H

#include <stddef.h>

#include "../core/error.h"
#include "../core/treeread.h"

/* The name of the ignore files read in every directory. */
#define PN_IGNORE_FILE ".sourceignore"
/* Flux's exclusions (fluxcd/pkg sourceignore ExcludeVCS; ExcludeExt, ExcludeCI and ExcludeExtra), as there. */
#define PN_IGNORE_VCS ".git/,.gitignore,.gitmodules,.gitattributes"
#define PN_IGNORE_DEFAULTS                                                                                    \
	"*.jpg,*.jpeg,*.gif,*.png,*.wmv,*.flv,*.tar.gz,*.zip,"                                                \
	".github/,.circleci/,.travis.yml,.gitlab-ci.yml,appveyor.yml,.drone.yml,cloudbuild.yaml,"             \
	"codeship-services.yml,codeship-steps.yml,"                                                           \
	"**/.goreleaser.yml,**/.sops.yaml,**/.flux.yaml"

/* Longest pattern line, in bytes. Longer than any path (PATH_MAX), so no real pattern needs more; Flux's line
 * scanner stops at 64 KiB and silently drops the rest of the file, pinion refuses the file instead. */
#define PN_IGNORE_PATTERN_MAX 4096
/* Largest `.sourceignore` (or spec.ignore), in bytes: real ones are a few hundred bytes. */
#define PN_IGNORE_FILE_MAX (256 * 1024)
/* Patterns in one file; and in the whole tree, which every path is matched against (time per path). */
#define PN_IGNORE_FILE_PATTERNS 10000
#define PN_IGNORE_TOTAL_PATTERNS 50000
/* Bytes of ignore files read from one tree, all files together (memory bound). */
#define PN_IGNORE_TOTAL_BYTES (4 * 1024 * 1024)
/* Directories listed while loading the ignore files, and again while looking for visible files below an
 * excluded directory: bounds the walk of a tree whose symbolic links make it unbounded (a link to ".."). */
#define PN_IGNORE_MAX_DIRS 100000
/* Directory nesting walked, as PN_TREE_MAX_DEPTH: the recursion depth of both walks. */
#define PN_IGNORE_MAX_DEPTH 256

/* An ordered list of patterns. */
struct pn_ignore;

/* An empty matcher (it excludes nothing). The caller frees it with pn_ignore_free(). */
const struct pn_error *pn_ignore_new(struct pn_ignore **out);
void pn_ignore_free(struct pn_ignore *ig);

/* Append the patterns of an ignore file's text (`len` bytes, any bytes) whose domain is tree directory
 * `domain` ("" for the root). `what` names the file in errors: TOO_LARGE past PN_IGNORE_FILE_MAX,
 * PN_IGNORE_PATTERN_MAX, PN_IGNORE_FILE_PATTERNS or PN_IGNORE_TOTAL_PATTERNS ("apps/.sourceignore:12: ..."). */
const struct pn_error *pn_ignore_read(struct pn_ignore *ig, const char *domain, const char *text, size_t len,
    const char *what);

/* Append one pattern as it is (no comment or blank-line handling), as go-git's ParsePattern. */
const struct pn_error *pn_ignore_add(struct pn_ignore *ig, const char *domain, const char *pattern, size_t len);

/* Put Flux's exclusions in front (lowest priority), with the root as domain: PN_IGNORE_VCS, and
 * PN_IGNORE_DEFAULTS too when ig holds no pattern yet. Call it once, after every file and spec.ignore. */
const struct pn_error *pn_ignore_add_defaults(struct pn_ignore *ig);

/* Number of patterns. */
size_t pn_ignore_count(const struct pn_ignore *ig);

/* Whether tree path `path` ("" is the root, which is never excluded), a directory if is_dir, is excluded.
 * The path is split at every '/', as Go's strings.Split does: "a//b" has an empty component. */
const struct pn_error *pn_ignore_match(const struct pn_ignore *ig, const char *path, int is_dir, int *excluded);

/* A tree reader (treeread.h) that shows what Flux's artifact of a tree would hold. */
struct pn_ignore_reader;

/* Load every `.sourceignore` of `inner` (the whole tree is listed once, as Flux walks it), then
 * `override` (GitRepository spec.ignore, NULL when unset), then the defaults as described above. `inner`
 * must outlive the reader. Errors of the inner reader pass through; TOO_LARGE past the limits above. The caller
 * frees it with pn_ignore_reader_free(). */
const struct pn_error *pn_ignore_reader_new(const struct pn_tree_reader *inner, const char *override,
    struct pn_ignore_reader **out);
void pn_ignore_reader_free(struct pn_ignore_reader *r);

/* The filtering reader over r; valid while r is. list() leaves out excluded entries; read() and stat() of an
 * excluded path answer PN_ERR_NOT_FOUND, as if it did not exist. Answers about excluded directories are
 * cached in r: one reader serves one thread. */
void pn_ignore_reader(struct pn_ignore_reader *r, struct pn_tree_reader *out);

/* The matcher r uses (for messages and tests); valid while r is. */
const struct pn_ignore *pn_ignore_reader_matcher(const struct pn_ignore_reader *r);

#endif
