/*
 * `pinion build [flags] DIR`: what `kubectl kustomize DIR` prints, from pinion's renderer.
 *
 * Flags (kustomize's spelling; "--flag value" and "--flag=value"):
 *   --reorder none|legacy   output order (order.h); default legacy, as the kustomize CLIs. The top
 *                           kustomization's sortOptions.order, when set, wins (as in kustomize).
 *   --load-restrictor LoadRestrictionsRootOnly|LoadRestrictionsNone
 *                           accepted. Kustomize's RootOnly (its default) refuses files outside a
 *                           kustomization's own directory, None allows them. pn_build enforces neither:
 *                           it lets ".." leave a kustomization's directory anywhere inside the tree, which
 *                           here is the whole file system (bases in sibling directories must work), so
 *                           both values build like LoadRestrictionsNone (the RootOnly error is not raised).
 *   --enable-helm           PN_ERR_UNSUPPORTED: pinion does not run helm.
 * The output goes to stdout only when the whole build succeeded; an error is returned (main prints it as one
 * line) and nothing is written. Documents are printed one at a time: each is loaded from the build's spool,
 * printed and freed; the text is staged in the spool file and copied to stdout once every document printed,
 * so memory holds one document, never the output.
 */
#ifndef PN_CLI_BUILD_H
#define PN_CLI_BUILD_H

#include <stddef.h>

#include "../core/error.h"
#include "../core/buf.h"
#include "build.h"
#include "order.h"

/* Bytes of the printed output: normalised YAML is rarely more than twice the input a build may read. */
#define PN_CLI_BUILD_MAX_OUTPUT (4 * PN_BUILD_MAX_BYTES)
/* Bytes copied from the staged output to stdout at a time. */
#define PN_CLI_BUILD_CHUNK ((size_t)64 << 10)

struct pn_cli_build_args {
	const char *dir;
	enum pn_order_mode order;
	int load_restrict_none;	/* --load-restrictor LoadRestrictionsNone */
};

/* Parse argv[1..argc) (argv[0] is the command's name) into *args. PN_ERR_USAGE or PN_ERR_UNSUPPORTED. */
const struct pn_error *pn_cli_build_parse(int argc, char **argv, struct pn_cli_build_args *args);

/* Build args->dir and append its printed output to out (for tests: out holds the whole output). */
const struct pn_error *pn_cli_build_render(const struct pn_cli_build_args *args, struct pn_buf *out);

/* The command: parse, render, write to stdout. */
const struct pn_error *pn_cli_build(int argc, char **argv);

#endif
