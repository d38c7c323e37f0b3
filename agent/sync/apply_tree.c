/* The render and apply half of a reconcile (reconcile.h): a tree in, objects applied as one unit. */
#include "reconcile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../apply/diff.h"
#include "../apply/discovery.h"
#include "../apply/kapi.h"
#include "../apply/inventory.h"
#include "../apply/kubeconfig.h"
#include "../apply/prune.h"
#include "../apply/ssa.h"
#include "../core/backoff.h"
#include "../core/log.h"
#include "../../platform/clock.h"
#include "../../platform/crash.h"
#include "../render/build.h"
#include "../core/banned.h"

const struct pn_error *
pn_sync_normalize_path(const char *path, char *out, size_t len)
{
	const char *p = path != NULL ? path : "";
	size_t n = 0;

	if (p[0] == '/')
		return pn_error_fmt(PN_ERR_USAGE, "path \"%s\" must be relative to the repository root (\"./apps\")",
		    path);
	while (*p != '\0') {
		const char *end = strchr(p, '/');
		size_t clen = end != NULL ? (size_t)(end - p) : strlen(p);

		if (clen == 2 && p[0] == '.' && p[1] == '.')
			return pn_error_fmt(PN_ERR_USAGE, "path \"%s\" may not leave the repository (\"..\")", path);
		if (!(clen == 0 || (clen == 1 && p[0] == '.'))) {
			if (n + (n > 0) + clen + 1 > len)
				return pn_error_fmt(PN_ERR_TOO_LARGE, "path \"%s\" too long", path);
			if (n > 0)
				out[n++] = '/';
			memcpy(out + n, p, clen);
			n += clen;
		}
		p += clen;
		if (*p == '/')
			p++;
	}
	if (len == 0)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "path \"%s\" too long", path);
	out[n] = '\0';
	return NULL;
}

/* "<apiVersion> <Kind> <ns>/<name>" of a Flux object, for the notice line (from the build's index). */
static void
flux_notice(const struct pn_build_doc *d)
{
	const char *av = pn_build_doc_api_version(d), *kind = pn_build_doc_kind(d), *name = pn_build_doc_name(d);
	const char *ns = pn_build_doc_namespace(d);

	pn_log(PN_LOG_NOTICE, "%s %s %s%s%s (%s): Flux object, not sent to the API (pinion interprets Flux "
	    "objects in a later version)", av[0] != '\0' ? av : "?", kind[0] != '\0' ? kind : "?", ns,
	    ns[0] != '\0' ? "/" : "", name[0] != '\0' ? name : "?", d->file);
}

/* The apply reads each document from the build's spool when it needs it (pn_ssa_options.load). */
static const struct pn_error *
load_doc(void *ctx, size_t i, cJSON **out)
{
	const struct pn_build_result *res = ctx;

	return pn_build_doc_load(res, &res->docs[i], out);
}

/* At boot k3s writes k3s.yaml some seconds after it starts: wait for the file until `deadline`, saying once
 * what is awaited. A file still missing then is pn_kubeconfig_load's error. */
static void
await_kubeconfig(const char *path, uint64_t deadline)
{
	struct pn_backoff bo;
	uint64_t d;
	int said = 0;

	pn_backoff_init(&bo, PN_KAPI_RETRY_BASE_MS, PN_KAPI_RETRY_CAP_MS);
	while (access(path, F_OK) != 0 && errno == ENOENT) {
		d = pn_backoff_next(&bo, 0);
		if (pn_clock_mono_ms() + d > deadline)
			return;
		if (!said++)
			pn_log(PN_LOG_NOTICE, "waiting for the kubeconfig %s (k3s writes it once it has started; "
			    "--timeout bounds the wait)", path);
		pn_clock_sleep_ms(d, NULL);
	}
}

/* The unit's inventory, as read (file ∪ ConfigMap) and as each copy now says. */
struct inventory {
	const struct pn_sync_options *o;
	const char *unit_ns, *unit_name;
	struct pn_kapi *k;
	struct pn_inv old;
	struct pn_buf file_text, cm_text;	/* the copies' current texts, so unchanged ones are not written */
};

/* Replace both copies with inv where their text differs, and remember the new text. */
static const struct pn_error *
inventory_write(struct inventory *iv, struct pn_inv *inv)
{
	const struct pn_error *err;
	struct pn_buf text;

	pn_buf_init(&text, PN_INV_TEXT_MAX, "inventory");
	if ((err = pn_inv_format(inv, &text)) == NULL &&
	    (err = pn_inv_file_write(iv->o->state_dir, iv->unit_ns, iv->unit_name, &text, &iv->file_text)) == NULL &&
	    (err = pn_inv_cm_write(iv->k, iv->unit_ns, iv->unit_name, &text, &iv->cm_text)) == NULL) {
		pn_buf_reset(&iv->file_text);
		pn_buf_reset(&iv->cm_text);
		if ((err = pn_buf_add(&iv->file_text, text.data, text.len)) == NULL)
			err = pn_buf_add(&iv->cm_text, text.data, text.len);
	}
	pn_buf_release(&text);
	return err;
}

/* Before the first write of the apply: record old ∪ planned, so that whatever the apply creates is in the
 * inventory even if pinion dies half-way (a later render without it prunes it). */
static const struct pn_error *
before_write(void *ctx, struct pn_inv *planned)
{
	struct inventory *iv = ctx;
	const struct pn_error *err;
	struct pn_inv all;

	pn_inv_init(&all);
	if ((err = pn_inv_merge(&all, planned)) == NULL && (err = pn_inv_merge(&all, &iv->old)) == NULL)
		err = inventory_write(iv, &all);
	pn_inv_release(&all);
	if (err == NULL)
		pn_crash_point("inventory-planned");
	return err;
}

/* Print what a prune did; reasons go to the log. */
static void
prune_report(const struct pn_prune_result *pres)
{
	for (size_t i = 0; i < pres->n; i++)
		printf("%s %s\n", pres->changes[i].id, pn_prune_action_name(pres->changes[i].action));
	fflush(stdout);
	for (size_t i = 0; i < pres->n; i++) {
		const struct pn_prune_change *c = &pres->changes[i];

		if (c->why[0] != '\0')
			pn_log(c->action == PN_PRUNE_HELD || c->action == PN_PRUNE_FAILED ? PN_LOG_WARNING :
			    PN_LOG_NOTICE, "%s %s: %s", c->id, pn_prune_action_name(c->action), c->why);
	}
}

/* Prune what `old` has and `now` lacks (prune.h), unless that is most of the inventory; what stays goes to
 * keep. */
static const struct pn_error *
prune_stale(struct inventory *iv, struct pn_discovery *disc, struct pn_inv *now, struct pn_inv *keep)
{
	const struct pn_sync_options *o = iv->o;
	const struct pn_error *err;
	struct pn_inv stale, known;
	struct pn_prune_options popt;
	struct pn_prune_result pres;

	memset(&pres, 0, sizeof(pres));
	pn_inv_init(&known);
	if ((err = pn_inv_diff(&iv->old, now, &stale)) != NULL)
		return err;
	if (stale.n == 0)
		goto done;
	if (pn_prune_is_mass(stale.n, iv->old.n) && !o->allow_mass_prune) {
		struct pn_inv_object ob;

		if ((err = pn_inv_merge(keep, &stale)) != NULL || (err = pn_inv_split(stale.v[0].id, &ob)) != NULL)
			goto done;
		err = pn_error_fmt(PN_ERR_REJECTED, "prune refused: this revision of unit %s/%s would delete %zu of the "
		    "%zu objects pinion applied (%.100s %.63s%s%.253s%s), more than half: nothing was deleted. If that "
		    "is intended, sync again with --allow-mass-prune", iv->unit_ns, iv->unit_name, stale.n, iv->old.n,
		    ob.kind, ob.ns, ob.ns[0] != '\0' ? "/" : "", ob.name, stale.n > 1 ? ", ..." : "");
		goto done;
	}
	if ((err = pn_inv_merge(&known, now)) != NULL || (err = pn_inv_merge(&known, &stale)) != NULL)
		goto done;
	memset(&popt, 0, sizeof(popt));
	popt.unit_name = iv->unit_name;
	popt.unit_namespace = iv->unit_ns;
	popt.known = &known;
	popt.force_namespaces = o->force_namespace_prune;
	err = pn_prune(iv->k, disc, &stale, &popt, keep, &pres);
	prune_report(&pres);
done:
	pn_prune_result_release(&pres);
	pn_inv_release(&known);
	pn_inv_release(&stale);
	return err;
}

/* pinion diff: one object as the dry-run saw it (pn_ssa_options.diff). */
static const struct pn_error *
diff_one(void *ctx, const char *id, enum pn_ssa_action action, const cJSON *live, const cJSON *dry)
{
	size_t *changes = ctx, n = 0;
	const struct pn_error *err = NULL;
	struct pn_buf b;

	switch (action) {
	case PN_SSA_CREATED:
		printf("create %s\n", id);
		break;
	case PN_SSA_RECREATED:
		printf("recreate %s (an immutable field changed: deleted and created again)\n", id);
		break;
	case PN_SSA_CONFIGURED:
		pn_buf_init(&b, (PN_DIFF_LINES_MAX + 1) * (2 * PN_DIFF_VALUE_MAX + 1100), "diff");
		if ((err = pn_diff_object(live, dry, &b, &n)) == NULL)
			printf("configure %s\n%s", id, n > 0 ? pn_buf_str(&b) : "  (field ownership only: the fields "
			    "kubectl or Flux applied become pinion's)\n");
		pn_buf_release(&b);
		break;
	default:
		return NULL;
	}
	(*changes)++;
	return err;
}

/* pinion diff --prune: what the inventory has and this render lacks. */
static const struct pn_error *
diff_prune(struct inventory *iv, struct pn_inv *now, size_t *changes)
{
	const struct pn_error *err;
	struct pn_inv stale;
	struct pn_buf id;

	if ((err = pn_inv_diff(&iv->old, now, &stale)) != NULL)
		return err;
	pn_buf_init(&id, PN_SSA_ID_MAX, "object id");
	for (size_t i = 0; i < stale.n && err == NULL; i++) {
		struct pn_inv_object ob;
		char av[PN_DISCOVERY_APIVERSION_MAX];

		pn_buf_reset(&id);
		if ((err = pn_prune_entry_id(&stale.v[i], &ob, av, sizeof(av), &id)) == NULL) {
			printf("prune %s\n", pn_buf_str(&id));
			(*changes)++;
		}
	}
	pn_buf_release(&id);
	pn_inv_release(&stale);
	return err;
}

/* A unit pinion has no inventory of yet may be one Flux reconciled until now: its Kustomization's
 * status.inventory says what Flux applied, so what left Git before the switch is pruned too. Only a help: an
 * error reading it is a warning, and the unit goes on with what pinion knows. */
static void
adopt_flux_inventory(struct inventory *iv)
{
	const struct pn_error *err;
	size_t n;

	if ((err = pn_inv_flux_read(iv->k, iv->unit_ns, iv->unit_name, &iv->old, &n)) != NULL)
		pn_log(PN_LOG_WARNING, "%s; the inventory starts without Flux's record", err->msg);
	else if (n > 0)
		pn_log(PN_LOG_NOTICE, "inventory: %zu objects from Flux's Kustomization %s/%s (status.inventory)", n,
		    iv->unit_ns, iv->unit_name);
}

static const struct pn_error *
run_tree(const struct pn_sync_options *o, const struct pn_tree_reader *tree, size_t *diff_changes)
{
	struct pn_build_options bopt;
	struct pn_build_flux flux = {0};
	struct pn_build_result res;
	struct pn_kubeconfig *kc = NULL;
	struct pn_kapi *k = NULL;
	struct pn_discovery *disc = NULL;
	struct pn_ssa_object *objs = NULL;
	struct pn_ssa_result sres;
	struct pn_ssa_options sopt;
	struct pn_kapi_options kopt;
	struct inventory iv;
	struct pn_inv final;
	const struct pn_error *err, *perr = NULL;
	char *kpath = NULL, *path = NULL, cm[PN_INV_NAME_MAX + 1];
	size_t plen = strlen(o->path != NULL ? o->path : "") + 1;
	uint64_t deadline = pn_clock_mono_ms() + (o->timeout_ms != 0 ? o->timeout_ms : PN_SYNC_TIMEOUT_MS);

	memset(&res, 0, sizeof(res));
	memset(&sres, 0, sizeof(sres));
	memset(&iv, 0, sizeof(iv));
	iv.o = o;
	iv.unit_name = o->unit_name != NULL ? o->unit_name : PN_SSA_UNIT_DEFAULT;
	iv.unit_ns = o->unit_namespace != NULL ? o->unit_namespace : PN_SSA_UNIT_DEFAULT;
	pn_inv_init(&iv.old);
	pn_inv_init(&final);
	pn_buf_init(&iv.file_text, PN_INV_TEXT_MAX, "inventory file");
	pn_buf_init(&iv.cm_text, PN_INV_TEXT_MAX, "inventory ConfigMap");
	if ((path = malloc(plen)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	/* the unit's name and namespace become labels and the inventory's names: check them first */
	if ((err = pn_inv_cm_name(iv.unit_ns, iv.unit_name, cm, sizeof(cm))) != NULL ||
	    (err = pn_sync_normalize_path(o->path, path, plen)) != NULL)
		goto done;
	pn_build_options_init(&bopt);
	bopt.load = PN_BUILD_LOAD_NONE;	/* kustomize-controller's LoadRestrictionsNone; the tree is the source's root */
	/* always Flux's build (kustomize-controller's generator rules, e.g. buildMetadata [originAnnotations] on a
	 * kustomization without resources); postBuild only when variables were given */
	flux.subst = o->subst;
	bopt.flux = &flux;
	/* the documents wait there, in an unlinked file (pinion diff --local may have no state directory yet) */
	bopt.spool_dir = diff_changes == NULL || access(o->state_dir, W_OK) == 0 ? o->state_dir : NULL;
	if ((err = pn_build(tree, path, &bopt, &res)) != NULL)
		goto done;
	for (size_t i = 0; i < res.nnotices; i++)
		pn_log(PN_LOG_NOTICE, "%s", res.notices[i]);
	for (size_t i = 0; i < res.nflux; i++)
		flux_notice(&res.flux[i]);

	/* the credentials are needed even for an empty unit: an unreachable API must not look like success */
	if ((o->kubeconfig == NULL || o->kubeconfig[0] == '\0') && getenv("KUBECONFIG") == NULL &&
	    pn_kubeconfig_in_cluster_env()) {
		/* in a pod: its service account, as client-go's InClusterConfig */
		if ((err = pn_kubeconfig_in_cluster(PN_KUBECONFIG_SA_DIR, getenv("KUBERNETES_SERVICE_HOST"),
		    getenv("KUBERNETES_SERVICE_PORT"), &kc)) != NULL)
			goto done;
	} else {
		if ((err = pn_kubeconfig_locate(o->kubeconfig, &kpath)) != NULL)
			goto done;
		await_kubeconfig(kpath, deadline);
		if ((err = pn_kubeconfig_load(kpath, o->context, &kc)) != NULL)
			goto done;
	}
	memset(&kopt, 0, sizeof(kopt));
	kopt.timeout_ms = o->api_timeout_ms;
	kopt.retry_deadline_ms = deadline;	/* an API server starting at boot, or briefly overloaded */
	if ((err = pn_kapi_new(kc, &kopt, &k)) != NULL)
		goto done;
	if ((err = pn_discovery_new(k, &disc)) != NULL)
		goto done;
	/* what this unit applied before: both copies, as their union (inventory.h) */
	iv.k = k;
	if ((err = pn_inv_file_read(o->state_dir, iv.unit_ns, iv.unit_name, &iv.old, &iv.file_text)) != NULL ||
	    (err = pn_inv_cm_read(k, iv.unit_ns, iv.unit_name, &iv.old, &iv.cm_text)) != NULL)
		goto done;
	if (iv.file_text.len == 0 && iv.cm_text.len == 0)
		adopt_flux_inventory(&iv);
	if (res.ndocs > 0 && (objs = calloc(res.ndocs, sizeof(*objs))) == NULL) {
		err = pn_error(PN_ERR_NOMEM);
		goto done;
	}
	for (size_t i = 0; i < res.ndocs; i++) {
		objs[i].obj = NULL;	/* loaded one at a time by the apply */
		objs[i].source = res.docs[i].file;
	}
	memset(&sopt, 0, sizeof(sopt));
	sopt.load = load_doc;
	sopt.load_ctx = &res;
	sopt.unit_name = o->unit_name;
	sopt.unit_namespace = o->unit_namespace;
	sopt.wait_interval_ms = o->crd_poll_ms;
	sopt.wait_timeout_ms = o->crd_wait_ms;
	sopt.force = o->force;
	sopt.wait = o->wait;
	sopt.health_checks = o->health_checks;
	sopt.nhealth_checks = o->nhealth_checks;
	sopt.health_timeout_ms = o->timeout_ms;
	sopt.before_write = before_write;
	sopt.before_write_ctx = &iv;
	if (diff_changes != NULL) {
		sopt.diff = diff_one;
		sopt.diff_ctx = diff_changes;
		if ((err = pn_ssa_apply(k, disc, objs, res.ndocs, &sopt, &sres)) == NULL && o->prune)
			err = diff_prune(&iv, &sres.inv, diff_changes);
		fflush(stdout);
		goto done;
	}
	err = pn_ssa_apply(k, disc, objs, res.ndocs, &sopt, &sres);
	/* what was applied is reported even when a later object failed: the cluster changed that much */
	for (size_t i = 0; i < sres.n; i++)
		printf("%s %s\n", sres.changes[i].id, pn_ssa_action_name(sres.changes[i].action));
	fflush(stdout); /* before the log lines on stderr that follow */
	/* a failed apply prunes nothing and leaves the inventory as before_write recorded it (old ∪ planned) */
	if (err != NULL)
		goto done;
	/* the new inventory: this render, and what a prune could not delete yet; without --prune the objects
	 * that left the render are forgotten, as Flux forgets them */
	if (o->prune)
		perr = prune_stale(&iv, disc, &sres.inv, &final);
	if ((err = pn_inv_merge(&final, &sres.inv)) != NULL || (err = inventory_write(&iv, &final)) != NULL)
		goto done;
	err = perr;
done:
	pn_inv_release(&final);
	pn_inv_release(&iv.old);
	pn_buf_release(&iv.file_text);
	pn_buf_release(&iv.cm_text);
	pn_ssa_result_release(&sres);
	free(objs);
	pn_discovery_free(disc);
	pn_kapi_free(k);
	pn_kubeconfig_free(kc);
	free(kpath);
	pn_build_result_release(&res);
	free(path);
	return err;
}

const struct pn_error *
pn_sync_apply_tree(const struct pn_sync_options *o, const struct pn_tree_reader *tree)
{
	return run_tree(o, tree, NULL);
}

const struct pn_error *
pn_sync_diff_tree(const struct pn_sync_options *o, const struct pn_tree_reader *tree, size_t *changes)
{
	*changes = 0;
	return run_tree(o, tree, changes);
}
