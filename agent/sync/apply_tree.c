/* The render and apply half of a reconcile (reconcile.h): a tree in, objects applied as one unit. */
#include "reconcile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../apply/discovery.h"
#include "../apply/kapi.h"
#include "../apply/kubeconfig.h"
#include "../apply/ssa.h"
#include "../core/backoff.h"
#include "../core/log.h"
#include "../../platform/clock.h"
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

const struct pn_error *
pn_sync_apply_tree(const struct pn_sync_options *o, const struct pn_tree_reader *tree)
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
	const struct pn_error *err;
	char *kpath = NULL, *path = NULL;
	size_t plen = strlen(o->path != NULL ? o->path : "") + 1;
	uint64_t deadline = pn_clock_mono_ms() + (o->timeout_ms != 0 ? o->timeout_ms : PN_SYNC_TIMEOUT_MS);

	memset(&res, 0, sizeof(res));
	memset(&sres, 0, sizeof(sres));
	if ((path = malloc(plen)) == NULL)
		return pn_error(PN_ERR_NOMEM);
	if ((err = pn_sync_normalize_path(o->path, path, plen)) != NULL)
		goto done;
	pn_build_options_init(&bopt);
	bopt.load = PN_BUILD_LOAD_NONE;	/* kustomize-controller's LoadRestrictionsNone; the tree is the source's root */
	if (o->subst != NULL) {
		flux.subst = o->subst;
		bopt.flux = &flux;
	}
	bopt.spool_dir = o->state_dir;	/* the documents wait there, in an unlinked file */
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
	sopt.health_timeout_ms = o->timeout_ms;
	err = pn_ssa_apply(k, disc, objs, res.ndocs, &sopt, &sres);
	/* what was applied is reported even when a later object failed: the cluster changed that much */
	for (size_t i = 0; i < sres.n; i++)
		printf("%s %s\n", sres.changes[i].id, pn_ssa_action_name(sres.changes[i].action));
	fflush(stdout); /* before the log lines on stderr that follow */
done:
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
