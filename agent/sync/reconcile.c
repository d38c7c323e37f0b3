/* The fetch half of a reconcile and the whole `sync --once` (reconcile.h). */
#include "reconcile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/base64.h>
#include <mbedtls/platform_util.h>

#include "../../platform/clock.h"
#include "../core/buf.h"
#include "../core/file.h"
#include "../core/log.h"
#include "../net/tls.h"
#include "../source/odb.h"
#include "../source/tree.h"
#include "../source/upload.h"
#include "../source/url.h"
#include "state.h"
#include "../core/banned.h"

/* How often the progress line on a terminal is redrawn. */
#define PN_PROGRESS_INTERVAL_MS 200
#define PN_KIB 1024.0

struct ingest {
	struct pn_odb_ingest *ing;
	uint64_t bytes;
	uint64_t last_draw_ms;
	int tty;		/* stderr is a terminal: show progress; otherwise print nothing extra */
};

static void
progress(struct ingest *in, int final)
{
	uint64_t now = pn_clock_mono_ms();

	if (!in->tty || (!final && now - in->last_draw_ms < PN_PROGRESS_INTERVAL_MS))
		return;
	in->last_draw_ms = now;
	fprintf(stderr, "\rreceiving pack: %.1f KiB%s", (double)in->bytes / PN_KIB, final ? ", done\n" : "");
}

static const struct pn_error *
ingest_sink(void *ctx, const void *data, size_t len)
{
	struct ingest *in = ctx;

	in->bytes += len;
	progress(in, 0);
	return pn_odb_ingest_push(in->ing, data, len);
}

/* The objects of `want` into the store, from one depth-1 pack. On any failure the store is as before. */
static const struct pn_error *
fetch_pack(struct pn_upload *u, struct pn_odb *odb, const struct pn_oid *want)
{
	struct pn_odb_ingest *ing = NULL;
	struct ingest in;
	struct pn_oid pack;
	const struct pn_error *err;

	if ((err = pn_odb_ingest_begin(odb, &ing)) != NULL)
		return err;
	memset(&in, 0, sizeof(in));
	in.ing = ing;
	in.tty = isatty(STDERR_FILENO);
	if ((err = pn_upload_fetch(u, want, ingest_sink, &in)) != NULL) {
		if (in.tty && in.bytes > 0)
			fputc('\n', stderr);
		pn_odb_ingest_abort(ing);
		return err;
	}
	progress(&in, 1);
	if ((err = pn_odb_ingest_finish(ing, &pack)) != NULL)
		return err;
	if (!pn_odb_has(odb, want)) {
		char hex[PN_OID_HEX_MAX];

		return pn_error_fmt(PN_ERR_PROTO, "the server's pack does not hold the commit %s it advertised",
		    pn_oid_to_hex(want, hex));
	}
	return NULL;
}

/* One secret from a file: the first line, without its newline (as Flux reads Secret values written by
 * `echo`). */
static const struct pn_error *
read_secret(const char *path, const char *what, struct pn_buf *out)
{
	const struct pn_error *err;
	char *nl;

	pn_buf_init(out, PN_SYNC_SECRET_MAX, what);
	if ((err = pn_file_read(path, out)) != NULL)
		return err;
	if ((nl = memchr(out->data != NULL ? out->data : "", '\n', out->len)) != NULL) {
		out->len = (size_t)(nl - out->data);
		out->data[out->len] = '\0';
	}
	if (out->len > 0 && out->data[out->len - 1] == '\r')
		out->data[--out->len] = '\0';
	if (out->len == 0)
		return pn_error_fmt(PN_ERR_USAGE, "%s %s is empty", what, path);
	return NULL;
}

static void
wipe(struct pn_buf *b)
{
	if (b->data != NULL)
		mbedtls_platform_zeroize(b->data, b->cap);
	pn_buf_release(b);
}

/* The Authorization header line for the options' credentials, or NULL in *out when there are none. The
 * caller wipes and frees it. */
static const struct pn_error *
auth_header(const struct pn_sync_options *o, struct pn_buf *out)
{
	struct pn_buf secret, plain;
	const struct pn_error *err = NULL;
	size_t n = 0;
	char *p;

	pn_buf_init(out, 2 * PN_SYNC_SECRET_MAX + 64, "Authorization header");
	pn_buf_init(&secret, 0, "secret");
	pn_buf_init(&plain, 2 * PN_SYNC_SECRET_MAX, "credentials");
	if (o->bearer_token_file != NULL && (o->username != NULL || o->password_file != NULL))
		return pn_error_fmt(PN_ERR_USAGE, "--bearer-token-file and --username/--password-file exclude each other");
	if (o->bearer_token_file != NULL) {
		if ((err = read_secret(o->bearer_token_file, "bearer token file", &secret)) == NULL)
			err = pn_buf_addf(out, "Authorization: Bearer %s", secret.data);
		goto done;
	}
	if (o->username == NULL && o->password_file == NULL)
		goto done;
	if (o->username == NULL || o->password_file == NULL) {
		err = pn_error_fmt(PN_ERR_USAGE, "--username and --password-file go together");
		goto done;
	}
	if ((err = read_secret(o->password_file, "password file", &secret)) != NULL)
		goto done;
	if ((err = pn_buf_addf(&plain, "%s:%s", o->username, secret.data)) != NULL)
		goto done;
	(void)mbedtls_base64_encode(NULL, 0, &n, (const unsigned char *)plain.data, plain.len);
	if ((err = pn_buf_addstr(out, "Authorization: Basic ")) != NULL ||
	    (err = pn_buf_reserve(out, n, &p)) != NULL)
		goto done;
	if (mbedtls_base64_encode((unsigned char *)p, n, &n, (const unsigned char *)plain.data, plain.len) != 0) {
		err = pn_error_fmt(PN_ERR_INTERNAL, "base64 of the credentials failed");
		goto done;
	}
	pn_buf_commit(out, n);
done:
	wipe(&secret);
	wipe(&plain);
	return err;
}

const struct pn_error *
pn_sync_fetch(const struct pn_sync_options *o, char *revision, size_t len)
{
	struct pn_buf auth;
	struct pn_url url;
	struct pn_tls_options topt;
	struct pn_tls_config *tls = NULL;
	struct pn_upload_options uopt;
	struct pn_upload *u = NULL;
	struct pn_odb *odb = NULL;
	struct pn_pack_limits limits;
	struct pn_oid tip;
	char redacted[PN_URL_MAX], current[PN_STATE_REVISION_MAX];
	const struct pn_error *err;
	uint64_t deadline = pn_clock_mono_ms() + (o->timeout_ms != 0 ? o->timeout_ms : PN_SYNC_TIMEOUT_MS);
	int found;

	memset(&url, 0, sizeof(url));
	pn_buf_init(&auth, 0, "Authorization header");
	pn_url_redact(o->url, redacted, sizeof(redacted));
	if ((err = pn_url_parse(o->url, &url)) != NULL)
		return err;
	if (url.scheme != PN_URL_HTTP && url.scheme != PN_URL_HTTPS) {
		err = pn_error_fmt(PN_ERR_UNSUPPORTED, "%s: the %s transport is not implemented yet (use https:// or "
		    "http://)", redacted, pn_url_scheme_name(url.scheme));
		goto done;
	}
	if ((err = pn_state_prepare(o->state_dir)) != NULL)
		goto done;
	if (url.scheme == PN_URL_HTTPS) {
		memset(&topt, 0, sizeof(topt));
		topt.ca_file = o->ca_file;
		if ((err = pn_tls_config_new(&topt, &tls)) != NULL)
			goto done;
	}
	if ((err = auth_header(o, &auth)) != NULL)
		goto done;
	memset(&uopt, 0, sizeof(uopt));
	uopt.auth_header = auth.len > 0 ? auth.data : NULL;
	uopt.url = o->url;
	uopt.branch = o->branch;
	uopt.tls = tls;
	uopt.deadline_ms = deadline;
	if ((err = pn_upload_new(&uopt, &u)) != NULL)
		goto done;
	if ((err = pn_upload_ls_ref(u, &tip)) != NULL)
		goto done;
	if ((err = pn_state_branch_revision(o->branch, &tip, revision, len)) != NULL)
		goto done;
	pn_pack_limits_default(&limits);
	if ((err = pn_odb_open(o->state_dir, &limits, &odb)) != NULL)
		goto done;
	if (!pn_odb_has(odb, &tip)) {
		pn_log(PN_LOG_INFO, "fetching %s from %s", revision, redacted);
		if ((err = fetch_pack(u, odb, &tip)) != NULL)
			goto done;
	}
	/* an unchanged tip writes nothing: polls must not wear out an SD card */
	if ((err = pn_state_get(o->state_dir, PN_STATE_FETCHED, current, sizeof(current), &found)) != NULL)
		goto done;
	if (!found || strcmp(current, revision) != 0)
		err = pn_state_set(o->state_dir, PN_STATE_FETCHED, revision);
done:
	pn_odb_close(odb);
	pn_upload_free(u);
	pn_tls_config_free(tls);
	pn_url_release(&url);
	wipe(&auth);
	return err;
}

const struct pn_error *
pn_sync_once(const struct pn_sync_options *o)
{
	char revision[PN_STATE_REVISION_MAX];
	struct pn_pack_limits limits;
	struct pn_odb *odb = NULL;
	struct pn_tree *tree = NULL;
	struct pn_tree_reader reader;
	struct pn_oid commit;
	const struct pn_error *err;

	if ((err = pn_sync_fetch(o, revision, sizeof(revision))) != NULL) {
		const struct pn_error *cached;
		int found;

		if (!pn_error_retryable(err) || o->require_fresh)
			return err;
		cached = pn_state_get(o->state_dir, PN_STATE_FETCHED, revision, sizeof(revision), &found);
		if (cached != NULL || !found)
			return err;
		/* booting without network is normal on a Pi: converge on what was fetched last */
		pn_log(PN_LOG_WARNING, "%s; applying the last fetched revision %s instead (--require-fresh "
		    "refuses)", err->msg, revision);
	}
	pn_pack_limits_default(&limits);
	if ((err = pn_state_revision_oid(revision, &commit)) != NULL)
		goto done;
	if ((err = pn_odb_open(o->state_dir, &limits, &odb)) != NULL)
		goto done;
	if ((err = pn_tree_new(odb, &commit, revision, &tree)) != NULL)
		goto done;
	pn_tree_reader(tree, &reader);
	if ((err = pn_sync_apply_tree(o, &reader)) != NULL)
		goto done;
	if ((err = pn_state_set(o->state_dir, PN_STATE_APPLIED, revision)) != NULL)
		goto done;
	pn_log(PN_LOG_INFO, "applied %s (path %s, unit %s/%s)", revision,
	    o->path != NULL && o->path[0] != '\0' ? o->path : "./",
	    o->unit_namespace != NULL ? o->unit_namespace : "flux-system",
	    o->unit_name != NULL ? o->unit_name : "flux-system");
done:
	pn_tree_free(tree);
	pn_odb_close(odb);
	return err;
}
