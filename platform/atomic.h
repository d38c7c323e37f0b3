/*
 * Atomic file replacement: a reader sees the old contents or the new, never a mix, and after a crash at any
 * point the file holds one of the two. Write to a temporary file in the same directory, fsync it, rename it
 * over the target, fsync the directory (the rename itself is only durable once the directory is synced).
 */
#ifndef PN_ATOMIC_H
#define PN_ATOMIC_H

#include <stddef.h>
#include <sys/types.h>

#include "../agent/core/error.h"

/* Replace `path` with `len` bytes of `data`, created with `mode` (subject to umask). */
const struct pn_error *pn_atomic_write(const char *path, const void *data, size_t len, mode_t mode);

/* fsync the directory holding `path` (or `path` itself when it is a directory). */
const struct pn_error *pn_atomic_sync_dir(const char *path);

#endif
