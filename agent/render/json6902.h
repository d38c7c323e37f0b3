/*
 * JSON patch (RFC 6902) as kustomize v5.5.0 applies it: with evanphx/json-patch v4.12.0, whose departures from
 * the RFC are kept because kustomize keeps them:
 *  - array indexes are Go's strconv.Atoi: "01" and "+1" are 1, and negative indexes count from the end
 *    ("-1" is the last element; for add, "-1" inserts before the end... of the grown array, i.e. appends);
 *    "-" appends in add only;
 *  - replace of a missing object key adds it; add of an index equal to the length appends;
 *  - an op without "value" uses null; a path without a leading "/" ignores its first segment;
 *  - after the patch every number of the object has been through a float64 (kustomize round-trips the object
 *    through Go's encoding/json): 9007199254740993 becomes 9007199254740992.
 * Errors carry json-patch's own wording, which kubectl prints: "error in remove for path: '/data/zz': Unable to
 * remove nonexistent key: zz: missing value", "add operation does not apply: doc is missing path: \"/a/b\":
 * missing value", "testing value /data/a failed: test failed", "Unexpected kind: bogus".
 */
#ifndef PN_JSON6902_H
#define PN_JSON6902_H

#include <cjson/cJSON.h>

#include "../core/error.h"

/* Nesting of the patched object: what the later stages (and their recursion) accept, as for YAML input. */
#define PN_JSON6902_MAX_DEPTH 128
/* Nodes that copy operations may add to one object: repeated copies of a subtree into itself double it. */
#define PN_JSON6902_MAX_COPY_NODES ((size_t)1 << 20)

/*
 * Apply the operations `ops` (a JSON array of objects, parsed from YAML or JSON by the caller) to `target` (an
 * object), in place. `what` names the patch in errors ("patches[1] apps/v1 Deployment web"); errors also name
 * the operation's 0-based index. On error target is left valid but partly patched; the caller discards it.
 */
const struct pn_error *pn_json6902_apply(cJSON *target, const cJSON *ops, const char *what);

#endif
