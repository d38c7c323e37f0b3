/*
 * The state directory (default /var/lib/pinion) and its two revisions, as Flux keeps them:
 *   fetched  the revision whose objects are in the store (objects/): advanced by a successful fetch
 *   applied  the revision last applied successfully: advanced only after render and apply both succeeded
 * Each is a one-line file "<revision>\n" (e.g. "main@sha1:<hex>"), replaced atomically, so a crash leaves the
 * old line or the new one. A missing file means "none yet".
 */
#ifndef PN_STATE_H
#define PN_STATE_H

#include <stddef.h>

#include "../core/error.h"
#include "../source/oid.h"

#define PN_STATE_DEFAULT_DIR "/var/lib/pinion"
/* Longest revision line kept: a ref name (Git limits none, pinion does) plus "@sha1:" and the id. */
#define PN_STATE_REVISION_MAX 1024

enum pn_state_slot {
	PN_STATE_FETCHED,
	PN_STATE_APPLIED,
};

/* Create the state directory (mode 0700) if it does not exist. */
const struct pn_error *pn_state_prepare(const char *dir);

/* Read a revision into buf; *found is 0 (and buf "") when none was recorded yet. */
const struct pn_error *pn_state_get(const char *dir, enum pn_state_slot slot, char *buf, size_t len, int *found);

/* Record a revision atomically (write, fsync, rename, fsync the directory). */
const struct pn_error *pn_state_set(const char *dir, enum pn_state_slot slot, const char *revision);

/* The commit id at the end of a revision ("...sha1:<hex>"). */
const struct pn_error *pn_state_revision_oid(const char *revision, struct pn_oid *oid);

/* Format a branch revision "<branch>@sha1:<hex>" into buf. */
const struct pn_error *pn_state_branch_revision(const char *branch, const struct pn_oid *oid, char *buf,
    size_t len);

#endif
