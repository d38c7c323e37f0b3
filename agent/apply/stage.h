/*
 * stage: where an object goes in Flux's staged apply (flux-apply.md §3; fluxcd/pkg ssa/utils.go and sort.go):
 * its stage, and the order of kinds inside a stage (Flux's ReconcileOrder). ssa.h applies the stages in this
 * order; prune.h deletes in the reverse one.
 */
#ifndef PN_STAGE_H
#define PN_STAGE_H

/* The stage of an object: 1 for Flux's cluster definitions (IsClusterDefinition: CustomResourceDefinition,
 * Namespace, ClusterRole, each of its own group), 3 for kinds whose name ends in "Class" (applied after stage 1
 * and awaited), 2 for everything else (applied last). */
int pn_stage_of(const char *api_version, const char *kind);

/* A kind's place in Flux's ReconcileOrder (lower first): apply goes up, deletion down. */
int pn_stage_kind_order(const char *kind);

/* ReconcileOrder of two objects' kinds, as strcmp: by pn_stage_kind_order, the kinds it does not list by the
 * group of their apiVersion, then by kind. */
int pn_stage_kind_cmp(const char *api_version_x, const char *kind_x, const char *api_version_y,
    const char *kind_y);

#endif
