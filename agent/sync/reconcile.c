/* The fetch half of a reconcile and the whole `sync --once` (reconcile.h). */
#include "reconcile.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/base64.h>
#include <mbedtls/platform_util.h>

#include "../../platform/clock.h"
#include "../core/dirtree.h"
#include "../core/buf.h"
#include "../core/file.h"
#include "../core/log.h"
#include "../net/tls.h"
#include "../source/ignore.h"
#include "../source/odb.h"
#include "../source/refs.h"
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
	fprintf(stderr, "\rreceiving pack: %.1f KiB, %" PRIu32 " objects%s", (double)in->bytes / PN_KIB,
	    pn_odb_ingest_objects(in->ing), final ? ", done\n" : "");
}

static const struct pn_error *
ingest_sink(void *ctx, const void *data, size_t len)
{
	struct ingest *in = ctx;

	in->bytes += len;
	progress(in, 0);
	return pn_odb_ingest_push(in->ing, data, len);
}

static const struct pn_error *cached_revision(const struct pn_sync_options *o, char *revision, size_t len,
    int *found);

/* The commit the store can offer the server as a base for a thin pack: the last fetched one of this same source,
 * while the store has fewer than PN_ODB_THIN_PACKS_MAX packs (past that a whole snapshot lets the old packs
 * go). *have->len 0: none, fetch a whole snapshot. */
static void
thin_base(const struct pn_sync_options *o, struct pn_odb *odb, struct pn_oid *have)
{
	char revision[PN_STATE_REVISION_MAX];
	int found;

	memset(have, 0, sizeof(*have));
	if (pn_odb_pack_count(odb) >= PN_ODB_THIN_PACKS_MAX ||
	    cached_revision(o, revision, sizeof(revision), &found) != NULL || !found ||
	    pn_state_revision_oid(revision, have) != NULL || !pn_odb_has(odb, have))
		memset(have, 0, sizeof(*have));
}

/* The objects of `want` into the store, from one depth-1 pack (thin on the store's commit `have` when its len
 * is not 0). On any failure the store is as before. */
static const struct pn_error *
fetch_pack(struct pn_upload *u, struct pn_odb *odb, const struct pn_oid *want, const struct pn_oid *have)
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
	pn_upload_set_have(u, have);
	if ((err = pn_upload_fetch(u, want, ingest_sink, &in)) != NULL) {
		if (in.tty && in.bytes > 0)
			fputc('\n', stderr);
		pn_odb_ingest_abort(ing);
		return err;
	}
	progress(&in, 1);
	if ((err = pn_odb_ingest_finish(ing, &pack)) != NULL)
		return err;
	pn_log(PN_LOG_INFO, "received a %s pack of %" PRIu64 " bytes", have->len != 0 ? "thin" : "whole",
	    pn_upload_pack_bytes(u));
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

/* The store holds more than one pack: remove those that neither `fetched` nor `applied` (which may lag behind and must
 * stay appliable offline) needs. Best effort: a failure keeps every pack and says so. */
static void
remove_old_packs(const struct pn_sync_options *o, struct pn_odb *odb, const struct pn_oid *tip)
{
	char applied[PN_STATE_REVISION_MAX];
	const struct pn_error *err;
	struct pn_oid commit;
	size_t removed = 0;
	int found;

	pn_odb_mark_clear(odb);
	if ((err = pn_tree_mark(odb, tip)) == NULL &&
	    (err = pn_state_get(o->state_dir, PN_STATE_APPLIED, applied, sizeof(applied), &found)) == NULL && found &&
	    pn_state_revision_oid(applied, &commit) == NULL && pn_odb_has(odb, &commit))
		err = pn_tree_mark(odb, &commit);
	if (err == NULL)
		err = pn_odb_prune(odb, &removed);
	if (err != NULL)
		pn_log(PN_LOG_WARNING, "old packs kept: %s", err->msg);
	else if (removed > 0)
		pn_log(PN_LOG_INFO, "removed %zu old pack%s", removed, removed == 1 ? "" : "s");
}

/* SSH needs a key and known_hosts; HTTP credentials do not apply to it, nor SSH files to HTTP. */
static const struct pn_error *
ssh_flags(const struct pn_sync_options *o, const struct pn_url *url, const char *redacted)
{
	if (url->scheme != PN_URL_SSH) {
		if (o->private_key_file != NULL || o->known_hosts_file != NULL)
			return pn_error_fmt(PN_ERR_USAGE, "--private-key-file and --known-hosts-file are for SSH URLs, "
			    "not %s", redacted);
		return NULL;
	}
	if (o->private_key_file == NULL || o->private_key_file[0] == '\0')
		return pn_error_fmt(PN_ERR_USAGE, "%s: an SSH URL needs --private-key-file (the deploy key)", redacted);
	if (o->known_hosts_file == NULL || o->known_hosts_file[0] == '\0')
		return pn_error_fmt(PN_ERR_USAGE, "%s: an SSH URL needs --known-hosts-file (host keys are always "
		    "verified; ssh-keyscan -p PORT HOST > known_hosts, then check the fingerprints)", redacted);
	if (o->username != NULL || o->password_file != NULL || o->bearer_token_file != NULL)
		return pn_error_fmt(PN_ERR_USAGE, "%s: --username, --password-file and --bearer-token-file are for "
		    "HTTP(S) URLs; SSH authenticates with --private-key-file", redacted);
	return NULL;
}

/* "<url without secrets> <branch>" (or "<url> tag v1", "<url> semver >=1", ...: refs.h), the identity of what
 * the store holds. */
static const struct pn_error *
source_line(const struct pn_sync_options *o, const char *redacted, char *buf, size_t len)
{
	struct pn_refs_spec spec;
	char ref[PN_STATE_REVISION_MAX];
	const struct pn_error *err;
	int n;

	if ((err = pn_refs_spec_init(&spec, o->branch, o->tag, o->semver, o->ref, o->commit)) != NULL ||
	    (err = pn_refs_spec_describe(&spec, ref, sizeof(ref))) != NULL)
		return err;
	n = snprintf(buf, len, "%s %s", redacted, ref);
	if (n < 0 || (size_t)n >= len)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "source URL and ref too long");
	return NULL;
}

/* Whether the store's revisions came from another source than o's; then `source` is removed first, so a
 * crash before `fetched` and `source` are both rewritten leaves no cache that could be mistaken for this
 * source's or the old one's. Writes nothing when the source is unchanged. */
static const struct pn_error *
source_begin(const struct pn_sync_options *o, const char *redacted, char *want, size_t len, int *changed)
{
	char have[PN_STATE_REVISION_MAX];
	const struct pn_error *err;
	int found;

	*changed = 0;
	if ((err = source_line(o, redacted, want, len)) != NULL)
		return err;
	if ((err = pn_state_get(o->state_dir, PN_STATE_SOURCE, have, sizeof(have), &found)) != NULL)
		return err;
	if (found && strcmp(have, want) == 0)
		return NULL;
	*changed = 1;
	return pn_state_clear(o->state_dir, PN_STATE_SOURCE);
}

/* The revision fetched before from this same source, for the offline fallback; *found 0 when none. */
static const struct pn_error *
cached_revision(const struct pn_sync_options *o, char *revision, size_t len, int *found)
{
	char redacted[PN_URL_MAX], want[PN_STATE_REVISION_MAX], have[PN_STATE_REVISION_MAX];
	const struct pn_error *err;
	int have_source;

	*found = 0;
	pn_url_redact(o->url, redacted, sizeof(redacted));
	if ((err = source_line(o, redacted, want, sizeof(want))) != NULL)
		return err;
	if ((err = pn_state_get(o->state_dir, PN_STATE_SOURCE, have, sizeof(have), &have_source)) != NULL)
		return err;
	if (!have_source || strcmp(have, want) != 0)
		return NULL; /* another repository or branch: its cache is no answer for this one */
	return pn_state_get(o->state_dir, PN_STATE_FETCHED, revision, len, found);
}

void
pn_sync_pack_limits(const struct pn_sync_options *o, struct pn_pack_limits *limits)
{
	pn_pack_limits_default(limits);
	if (o->max_object_size != 0)
		limits->max_object = (size_t)o->max_object_size;
	if (o->max_delta_chain != 0)
		limits->max_chain = (uint32_t)o->max_delta_chain;
}

const struct pn_error *
pn_sync_fetch(const struct pn_sync_options *o, char *revision, size_t len)
{
	struct pn_buf auth;
	struct pn_url url;
	struct pn_tls_options topt;
	struct pn_tls_config *tls = NULL;
	struct pn_upload_options uopt;
	struct pn_proxy_env penv;
	struct pn_upload *u = NULL;
	struct pn_odb *odb = NULL;
	struct pn_pack_limits limits;
	struct pn_oid tip;
	char redacted[PN_URL_MAX], current[PN_STATE_REVISION_MAX], source[PN_STATE_REVISION_MAX];
	char refname[PN_STATE_REVISION_MAX];
	struct pn_refs_spec spec;
	int source_changed = 0;
	const struct pn_error *err;
	uint64_t deadline = pn_clock_mono_ms() + (o->timeout_ms != 0 ? o->timeout_ms : PN_SYNC_TIMEOUT_MS);
	int found;

	memset(&url, 0, sizeof(url));
	pn_buf_init(&auth, 0, "Authorization header");
	pn_url_redact(o->url, redacted, sizeof(redacted));
	if ((err = pn_url_parse(o->url, &url)) != NULL)
		return err;
	if ((err = ssh_flags(o, &url, redacted)) != NULL ||
	    (err = pn_refs_spec_init(&spec, o->branch, o->tag, o->semver, o->ref, o->commit)) != NULL)
		goto done;
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
	pn_refs_upload_options(&spec, &uopt);
	uopt.tls = tls;
	pn_proxy_env_get(&penv);
	uopt.proxy_env = &penv;
	uopt.private_key_file = o->private_key_file;
	uopt.known_hosts_file = o->known_hosts_file;
	uopt.deadline_ms = deadline;
	if ((err = pn_upload_new(&uopt, &u)) != NULL)
		goto done;
	if ((err = pn_refs_resolve(&spec, u, &tip, refname, sizeof(refname))) != NULL)
		goto done;
	if ((err = pn_state_revision(refname, &tip, revision, len)) != NULL)
		goto done;
	pn_sync_pack_limits(o, &limits);
	/* the writer's lock on the state directory, held until the end: it also cleans up after a crash */
	if ((err = pn_odb_open_writer(o->state_dir, &limits, &odb)) != NULL)
		goto done;
	if (!pn_odb_has(odb, &tip)) {
		struct pn_oid have;

		pn_log(PN_LOG_INFO, "fetching %s from %s", revision, redacted);
		thin_base(o, odb, &have);
		if ((err = fetch_pack(u, odb, &tip, &have)) != NULL) {
			/* git answers "not our ref" for a commit that is no branch or tag tip unless configured to */
			if (spec.kind == PN_REFS_COMMIT && err->code == PN_ERR_REJECTED)
				err = pn_error_wrap(err, "commit %s cannot be fetched from %s (it does not exist, or the "
				    "server serves only branch and tag tips: uploadpack.allowReachableSHA1InWant)",
				    spec.value, redacted);
			goto done;
		}
	}
	if ((err = source_begin(o, redacted, source, sizeof(source), &source_changed)) != NULL)
		goto done;
	/* an unchanged tip writes nothing: polls must not wear out an SD card */
	if ((err = pn_state_get(o->state_dir, PN_STATE_FETCHED, current, sizeof(current), &found)) != NULL)
		goto done;
	if (!found || strcmp(current, revision) != 0)
		err = pn_state_set(o->state_dir, PN_STATE_FETCHED, revision);
	if (err == NULL && source_changed)
		err = pn_state_set(o->state_dir, PN_STATE_SOURCE, source);
	if (err == NULL && pn_odb_pack_count(odb) > 1)
		remove_old_packs(o, odb, &tip);
done:
	pn_odb_close(odb);
	pn_upload_free(u);
	pn_tls_config_free(tls);
	pn_url_release(&url);
	wipe(&auth);
	return err;
}

/* The fetched commit's tree (fetching first; offline, the last fetched revision, as pn_sync_once says), filtered
 * by the ignore rules; *revision names it. */
struct fetched {
	struct pn_odb *odb;
	struct pn_tree *tree;
	struct pn_ignore_reader *ignore;
	struct pn_tree_reader reader, filtered;
};

static void
fetched_release(struct fetched *f)
{
	pn_ignore_reader_free(f->ignore);
	pn_tree_free(f->tree);
	pn_odb_close(f->odb);
	memset(f, 0, sizeof(*f));
}

static const struct pn_error *
fetched_tree(const struct pn_sync_options *o, char *revision, size_t len, struct fetched *f)
{
	struct pn_pack_limits limits;
	struct pn_oid commit;
	const struct pn_error *err;
	int found;

	memset(f, 0, sizeof(*f));
	if ((err = pn_sync_fetch(o, revision, len)) != NULL) {
		const struct pn_error *cached;

		if (!pn_error_retryable(err) || o->require_fresh)
			return err;
		cached = cached_revision(o, revision, len, &found);
		if (cached != NULL || !found)
			return err;
		/* booting without network is normal on a Pi: converge on what was fetched last */
		pn_log(PN_LOG_WARNING, "%s; applying the last fetched revision %s instead (--require-fresh "
		    "refuses)", err->msg, revision);
	}
	pn_sync_pack_limits(o, &limits);
	if ((err = pn_state_revision_oid(revision, &commit)) != NULL ||
	    (err = pn_odb_open(o->state_dir, &limits, &f->odb)) != NULL ||
	    (err = pn_tree_new(f->odb, &commit, revision, &f->tree)) != NULL)
		goto done;
	pn_tree_reader(f->tree, &f->reader);
	/* render sees what Flux's artifact would hold: .sourceignore files and the default exclusions */
	if ((err = pn_ignore_reader_new(&f->reader, NULL, &f->ignore)) != NULL)
		goto done;
	pn_ignore_reader(f->ignore, &f->filtered);
done:
	if (err != NULL)
		fetched_release(f);
	return err;
}

const struct pn_error *
pn_sync_diff(const struct pn_sync_options *o, const char *local_dir, size_t *changes)
{
	char revision[PN_STATE_REVISION_MAX];
	struct pn_dirtree *dir = NULL;
	struct pn_ignore_reader *ignore = NULL;
	struct pn_tree_reader reader, filtered;
	struct fetched f;
	const struct pn_error *err;

	*changes = 0;
	memset(&f, 0, sizeof(f));
	if (local_dir == NULL) {
		if ((err = fetched_tree(o, revision, sizeof(revision), &f)) != NULL)
			return err;
		err = pn_sync_diff_tree(o, &f.filtered, changes);
		fetched_release(&f);
		return err;
	}
	if ((err = pn_dirtree_new(local_dir, &dir)) != NULL)
		return err;
	pn_dirtree_reader(dir, &reader);
	if ((err = pn_ignore_reader_new(&reader, NULL, &ignore)) == NULL) {
		pn_ignore_reader(ignore, &filtered);
		err = pn_sync_diff_tree(o, &filtered, changes);
	}
	pn_ignore_reader_free(ignore);
	pn_dirtree_free(dir);
	return err;
}

const struct pn_error *
pn_sync_once(const struct pn_sync_options *o)
{
	char revision[PN_STATE_REVISION_MAX];
	char previous[PN_STATE_REVISION_MAX];
	int found;
	struct fetched f;
	const struct pn_error *err;

	if ((err = fetched_tree(o, revision, sizeof(revision), &f)) != NULL)
		return err;
	if ((err = pn_sync_apply_tree(o, &f.filtered)) != NULL)
		goto done;
	/* re-applying the same revision (drift correction, a reboot) writes nothing: SD cards wear out */
	if ((err = pn_state_get(o->state_dir, PN_STATE_APPLIED, previous, sizeof(previous), &found)) != NULL)
		goto done;
	if ((!found || strcmp(previous, revision) != 0) &&
	    (err = pn_state_set(o->state_dir, PN_STATE_APPLIED, revision)) != NULL)
		goto done;
	pn_log(PN_LOG_INFO, "applied %s (path %s, unit %s/%s)", revision,
	    o->path != NULL && o->path[0] != '\0' ? o->path : "./",
	    o->unit_namespace != NULL ? o->unit_namespace : "flux-system",
	    o->unit_name != NULL ? o->unit_name : "flux-system");
done:
	fetched_release(&f);
	return err;
}
