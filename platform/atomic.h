/*
 * Atomic file replacement: a reader sees the old contents or the new, never a mix, and after a crash at any
 * point the file holds one of the two. Write to a temporary file in the same directory, fsync it, rename it
 * over the target, fsync the directory (the rename itself is only durable once the directory is synced).
 * Each of the four steps is a crash point of platform/crash.h, named after the file: "fetched-written",
 * "fetched-fsync", "fetched-renamed", "fetched-dir-fsync".
 */
#ifndef PN_ATOMIC_H
#define PN_ATOMIC_H

#include <stddef.h>
#include <sys/types.h>

#include "../agent/core/error.h"

/* Replace `path` with `len` bytes of `data`, created with `mode` (subject to umask). */
const struct pn_error *pn_atomic_write(const char *path, const void *data, size_t len, mode_t mode);

/* Remove the temporaries that pn_atomic_write() calls in `dir` left behind when their process died ("<name>.tmp.<pid>"
 * whose pid is not running); *removed (may be NULL) counts them. Those of live processes stay. */
const struct pn_error *pn_atomic_clean(const char *dir, size_t *removed);

/* fsync the directory holding `path` (or `path` itself when it is a directory). */
const struct pn_error *pn_atomic_sync_dir(const char *path);

#endif
