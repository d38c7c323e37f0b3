/*
 * The state directory (default /var/lib/pinion) and its two revisions, as Flux keeps them:
 *   fetched  the revision whose objects are in the store (objects/): advanced by a successful fetch
 *   applied  the revision last applied successfully: advanced only after render and apply both succeeded
 *   source   where `fetched` came from ("<url without secrets> <branch>"): a cached revision is only used
 *            offline for the same source
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
	PN_STATE_SOURCE,	/* "<url without secrets> <branch>" the store's revisions came from */
};

/* Create the state directory (mode 0700) if it does not exist. */
const struct pn_error *pn_state_prepare(const char *dir);

/* Read a revision into buf; *found is 0 (and buf "") when none was recorded yet. */
const struct pn_error *pn_state_get(const char *dir, enum pn_state_slot slot, char *buf, size_t len, int *found);

/* Record a revision atomically (write, fsync, rename, fsync the directory). */
const struct pn_error *pn_state_set(const char *dir, enum pn_state_slot slot, const char *revision);

/* Forget a slot (unlink, then sync the directory); no error when it was not set. */
const struct pn_error *pn_state_clear(const char *dir, enum pn_state_slot slot);

/* The commit id at the end of a revision ("...sha1:<hex>"). */
const struct pn_error *pn_state_revision_oid(const char *revision, struct pn_oid *oid);

/* Format a revision as Flux does per ref kind: "<name>@sha1:<hex>" (branch "main", tag "v1.2.3", ref
 * "refs/pull/1/head"), or "sha1:<hex>" for a commit (name NULL or ""). pn_state_revision_oid() reads both. */
const struct pn_error *pn_state_revision(const char *name, const struct pn_oid *oid, char *buf, size_t len);

/* Format a branch revision "<branch>@sha1:<hex>" into buf. */
const struct pn_error *pn_state_branch_revision(const char *branch, const struct pn_oid *oid, char *buf,
    size_t len);

#endif
