/*
 * Reading whole small files (keys, certificates, configuration) under a ceiling.
 */
#ifndef PN_FILE_H
#define PN_FILE_H

#include <stddef.h>

#include "buf.h"
#include "error.h"

/* Append the contents of `path` to `b`; fails with TOO_LARGE (naming the file) past b's ceiling. */
const struct pn_error *pn_file_read(const char *path, struct pn_buf *b);

#endif
