/*
 * inventory: the objects a unit applied, as Flux's Kustomization status.inventory holds them, so that what
 * disappears from Git can be pruned (flux-apply.md, "Inventory and garbage collection").
 *
 * An entry is Flux's object id "<namespace>_<name>_<group>_<kind>" (namespace "" when cluster-scoped, group ""
 * for the core group) and the version of its apiVersion. A byte that would make an id ambiguous or break a
 * line ('_', '%', space, a control character) is written %XX inside its field; real objects have none, so ids
 * read as Flux's do.
 *
 * The text form is a header line, then one entry per line sorted by id:
 *   # pinion inventory v1
 *   _lab__Namespace v1
 *   lab_web_apps_Deployment v1
 * It is kept twice, each replaced only when its text changes: in the state directory as
 * "inventory-<unit namespace>-<unit name>" (atomically, platform/atomic.h), and in the cluster as the ConfigMap
 * kube-system/pinion-inventory-<unit namespace>-<unit name> (data key "inventory"; it carries no unit labels,
 * so no prune ever selects it). A new state directory on an old cluster, or a restored cluster with an old
 * state directory, then still knows what pinion made: readers take the union of both.
 */
#ifndef PN_INVENTORY_H
#define PN_INVENTORY_H

#include <stddef.h>

#include "../core/buf.h"
#include "../core/error.h"
#include "kapi.h"

/* The ConfigMap must stay under the API server's 1 MiB ConfigMap limit: the text is refused above this. */
#define PN_INV_TEXT_MAX (1000 * 1024)
/* Entries kept: ~50 bytes each fit the text ceiling 20,000 times. */
#define PN_INV_ENTRIES_MAX 20000
/* One field of an id, escaped: a name or group is a DNS subdomain (253), escaping triples a byte. */
#define PN_INV_FIELD_MAX 768
/* A whole id: four fields and their separators. */
#define PN_INV_ID_MAX (4 * PN_INV_FIELD_MAX)
/* A Kubernetes name (DNS subdomain) and namespace (DNS label). */
#define PN_INV_NAME_MAX 253
#define PN_INV_NAMESPACE_MAX 63
#define PN_INV_CM_NAMESPACE "kube-system"
#define PN_INV_CM_PREFIX "pinion-inventory-"
#define PN_INV_CM_KEY "inventory"
#define PN_INV_FILE_PREFIX "inventory-"
#define PN_INV_HEADER "# pinion inventory v1\n"
#define PN_INV_FLUX_GROUP "kustomize.toolkit.fluxcd.io"

struct pn_inv_entry {
	char *id;
	char *version;
	size_t seq;	/* order of addition: of two entries with one id, the later wins */
};

/* A set of entries. Adding is cheap; pn_inv_sort() (called by every reader below) sorts and drops
 * duplicates. */
struct pn_inv {
	struct pn_inv_entry *v;
	size_t n, cap;
	size_t seq;
	int sorted;
};

/* The parts of an id, unescaped. */
struct pn_inv_object {
	char ns[PN_INV_FIELD_MAX];
	char name[PN_INV_FIELD_MAX];
	char group[PN_INV_FIELD_MAX];
	char kind[PN_INV_FIELD_MAX];
};

void pn_inv_init(struct pn_inv *inv);
void pn_inv_release(struct pn_inv *inv);

/* Add an object (ns NULL or "" when cluster-scoped, group "" for core). An id already present takes the new
 * version. More than PN_INV_ENTRIES_MAX distinct ids is PN_ERR_TOO_LARGE. */
const struct pn_error *pn_inv_add(struct pn_inv *inv, const char *group, const char *kind, const char *ns,
    const char *name, const char *version);
/* Append an object's id (the escaped form above) to b. */
const struct pn_error *pn_inv_id(struct pn_buf *b, const char *group, const char *kind, const char *ns,
    const char *name);
/* Add an entry by its id. */
const struct pn_error *pn_inv_add_id(struct pn_inv *inv, const char *id, const char *version);
/* Add every entry of src that dst lacks (dst's version wins for an id both have). */
const struct pn_error *pn_inv_merge(struct pn_inv *dst, struct pn_inv *src);
/* Sort by id and drop duplicates (keeping the last added). */
void pn_inv_sort(struct pn_inv *inv);
/* The entry with this id, or NULL. */
const struct pn_inv_entry *pn_inv_find(struct pn_inv *inv, const char *id);
/* Entries of a that b lacks, into out (set up by the call). */
const struct pn_error *pn_inv_diff(struct pn_inv *a, struct pn_inv *b, struct pn_inv *out);
/* Whether both hold the same ids with the same versions. */
int pn_inv_equal(struct pn_inv *a, struct pn_inv *b);

/* Split an id into its fields; PN_ERR_PARSE when it does not have exactly four. */
const struct pn_error *pn_inv_split(const char *id, struct pn_inv_object *out);
/* The apiVersion of an entry ("apps/v1", "v1") into out. */
const struct pn_error *pn_inv_api_version(const struct pn_inv_object *o, const char *version, char *out,
    size_t len);

/* The text form (above) into b. */
const struct pn_error *pn_inv_format(struct pn_inv *inv, struct pn_buf *b);
/* Read the text form; `what` names it in errors ("inventory file /var/lib/pinion/inventory-x-y"). Entries are
 * added to inv. */
const struct pn_error *pn_inv_parse(const char *text, size_t len, const char *what, struct pn_inv *inv);

/* Check a unit's name (DNS subdomain) and namespace (DNS label), as the labels and the ConfigMap name need
 * them; the error names the flag. Then write "pinion-inventory-<ns>-<name>" into out (PN_ERR_TOO_LARGE when
 * the name would be longer than a Kubernetes name may be). */
const struct pn_error *pn_inv_cm_name(const char *unit_ns, const char *unit_name, char *out, size_t len);

/* The state directory's copy: entries are added to inv, and its text to *text when not NULL (a missing file
 * adds nothing). */
const struct pn_error *pn_inv_file_read(const char *state_dir, const char *unit_ns, const char *unit_name,
    struct pn_inv *inv, struct pn_buf *text);
/* Replace it with `text` (pn_inv_format's), unless `old` (its current text, may be NULL) already says the
 * same. */
const struct pn_error *pn_inv_file_write(const char *state_dir, const char *unit_ns, const char *unit_name,
    const struct pn_buf *text, const struct pn_buf *old);
/* The cluster's copy: a missing ConfigMap adds nothing. */
const struct pn_error *pn_inv_cm_read(struct pn_kapi *k, const char *unit_ns, const char *unit_name,
    struct pn_inv *inv, struct pn_buf *text);
/* Flux's own record of what the unit applied: status.inventory.entries of the Kustomization
 * <unit_ns>/<unit_name> (kustomize.toolkit.fluxcd.io/v1), whose ids and versions are this module's. Read when a
 * unit has no inventory of pinion's yet (the switch from Flux): objects Flux applied that left Git before the
 * switch can then still be pruned. Flux's CRD or the object missing adds nothing; a malformed entry is
 * PN_ERR_PARSE naming it, and then nothing is added. *added: the entries read. */
const struct pn_error *pn_inv_flux_read(struct pn_kapi *k, const char *unit_ns, const char *unit_name,
    struct pn_inv *inv, size_t *added);
/* Apply the ConfigMap (fieldManager pinion) holding `text`, unless `old` already says the same. */
const struct pn_error *pn_inv_cm_write(struct pn_kapi *k, const char *unit_ns, const char *unit_name,
    const struct pn_buf *text, const struct pn_buf *old);

#endif
