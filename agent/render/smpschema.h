/*
 * The strategic-merge schema of the built-in Kubernetes types (smp.c's first part): which lists merge by which
 * keys, generated from kyaml's embedded Kubernetes v1.21.2 OpenAPI (x-kubernetes-patch-strategy containing
 * "merge", x-kubernetes-list-map-keys or else x-kubernetes-patch-merge-key), pruned to the definitions that
 * lead to such a list. Data only; smp.c walks it.
 */
#ifndef PN_SMPSCHEMA_H
#define PN_SMPSCHEMA_H

#include <stddef.h>

/* The field is a list with the "merge" strategy; keys (comma-separated) are its merge keys, NULL for a set of
 * scalars such as finalizers. Its def is then the definition of the elements. */
#define PN_SMPSCHEMA_ASSOC 1
/* The entry "*" stands for every key of a map (additionalProperties); def is the values' definition. */
#define PN_SMPSCHEMA_MAP 2

struct pn_smpschema_field {
	const char *name;
	short def;		/* definition of the value (of the elements for a list); 0: nothing to merge by key */
	unsigned char flags;
	const char *keys;
};

struct pn_smpschema_def {
	unsigned short first, count;
};

struct pn_smpschema_type {
	const char *api_version, *kind;
	short def;
};

/* Fields of every definition, the definitions ([first, first + count) in the fields; definition 0 is a
 * schema without strategies), and the top-level types by apiVersion and kind. */
extern const struct pn_smpschema_field pn_smpschema_fields[];
extern const struct pn_smpschema_def pn_smpschema_defs[];
extern const struct pn_smpschema_type pn_smpschema_types[];
extern const size_t pn_smpschema_ntypes;
extern const size_t pn_smpschema_ndefs;

/* The names of the definitions that are not top-level types (a type's is "<group's first label or core>.
 * <version>.<Kind>"), in definition order, each ending in NUL, without their "io.k8s.api." (or apimachinery,
 * apiextensions-apiserver, kube-aggregator) prefix: "apps.v1.DaemonSetSpec". "+Kind" keeps the group and
 * version of the name before. A custom OpenAPI schema (openapi.h) refers to them by these names. */
extern const char pn_smpschema_subnames[];

#endif
