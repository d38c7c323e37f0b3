/*
 * pinion: the command line. Only main() exits; every command returns an error or NULL and main turns it into
 * one log line and an exit status (0 ok, 64 usage, 65 permanent failure, 75 retryable failure).
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <libssh2.h>
#include <yaml.h>
#include <zlib.h>

#include "../platform/signals.h"
#include "core/error.h"
#include "core/file.h"
#include "core/log.h"
#include "core/num.h"
#include "net/tls.h"
#include "render/cli_build.h"
#include "render/subst.h"
#include "source/odb.h"
#include "source/oid.h"
#include "source/tree.h"
#include "sync/reconcile.h"
#include "sync/state.h"
#include "core/banned.h"

#ifndef PN_VERSION
#define PN_VERSION "0.0.0-unknown"
#endif

struct command {
	const char *name;
	const char *summary;
	const struct pn_error *(*run)(int argc, char **argv);
};

static const struct pn_error *cmd_version(int argc, char **argv);
static const struct pn_error *cmd_help(int argc, char **argv);
static const struct pn_error *cmd_sync(int argc, char **argv);
static const struct pn_error *cmd_fetch(int argc, char **argv);
static const struct pn_error *cmd_diff(int argc, char **argv);
static const struct pn_error *cmd_ls_tree(int argc, char **argv);
static const struct pn_error *cmd_cat_file(int argc, char **argv);

static const struct command commands[] = {
	{"sync", "sync --once: fetch, render and apply one path of the repository", cmd_sync},
	{"diff", "what sync would change: create, configure (field by field), prune; exit 1 when anything would",
	    cmd_diff},
	{"fetch", "fetch the branch into the state directory and print its revision", cmd_fetch},
	{"build", "build [--reorder none|legacy] DIR: print what kubectl kustomize DIR prints (Flux: see below)",
	    pn_cli_build},
	{"ls-tree", "list the fetched revision's files, as git ls-tree -r", cmd_ls_tree},
	{"cat-file", "print an object of the store, as git cat-file -p", cmd_cat_file},
	{"version", "print the version of pinion and of the libraries it links", cmd_version},
	{"help", "show this help", cmd_help},
};

/* The most --max-object-size may raise the object limit to: what a 32-bit Pi can address comfortably. */
#define PN_MAX_OBJECT_SIZE (1024ULL * 1024 * 1024)
/* The most --max-delta-chain accepts: git's own pack.depth maximum. */
#define PN_MAX_DELTA_CHAIN 4095
/* The longest any single wait may be set to by flag (a day): catches unit mistakes like "30000s". */
#define PN_MAX_WAIT_MS (24ULL * 3600 * 1000)

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *f)
{
	fprintf(f, "usage: pinion <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n"
	    "  pinion sync --once --url URL [--branch main] [--path ./apps] [--kubeconfig FILE] [--context C]\n"
	    "              [--state-dir /var/lib/pinion] [--ca-file FILE] [--name N] [--namespace NS]\n"
	    "              [--timeout 5m] [--api-timeout 30s] [--crd-wait 60s] [--crd-poll 2s] [--require-fresh]\n"
	    "              [--force] (recreate objects whose immutable fields changed)\n"
	    "              [--wait] (health checks: every object Current by kstatus within --timeout)\n"
	    "              [--health-check Kind/name.namespace]... (without --wait: only these, as healthChecks)\n"
	    "              [--prune] (delete what the last apply made and this revision lacks) [--allow-mass-prune]\n"
	    "              (even more than half of it) [--force-namespace-prune] (Namespaces holding other objects)\n"
	    "              [--substitute K=V]... [--substitute-file F]... [--strict-substitute] (postBuild)\n"
	    "  pinion diff (--url URL [ref, credentials as sync] | --local DIR) [--path P] [--prune] [--name N]\n"
	    "              [--namespace NS] [--kubeconfig F] [--substitute...]: what sync would do; exit 0 nothing,\n"
	    "              1 changes, >1 error (as flux diff)\n"
	    "  pinion fetch --url URL [--branch main] [--state-dir DIR] [--ca-file FILE] [--timeout 5m]\n"
	    "  ref (sync, fetch), as flux create source git: --branch main | --tag v1.2.3 | --semver '>=1.2 <2'\n"
	    "              | --ref refs/pull/1/head | --commit SHA [--branch B] (precedence: commit, ref, semver, tag,\n"
	    "              branch; a branch given with a commit names its revision, B@sha1:SHA)\n"
	    "  credentials (sync, fetch): --username U --password-file FILE | --bearer-token-file FILE\n"
	    "  SSH URLs (ssh://git@host/org/repo.git, git@host:org/repo.git), sync and fetch:\n"
	    "              --private-key-file FILE --known-hosts-file FILE (both required)\n"
	    "  store limits (sync, fetch, ls-tree, cat-file): --max-object-size BYTES (128 MiB) "
	    "--max-delta-chain N (4095)\n"
	    "  pinion build [--path P] [--flux-kustomization KS.yaml] [--substitute K=V]... [--substitute-file F]...\n"
	    "              [--strict-substitute] (DIR | --state-dir DIR): Flux's build of the tree or the fetched commit\n"
	    "  pinion ls-tree [--state-dir DIR] [PATH]\n"
	    "  pinion cat-file [--state-dir DIR] OID\n"
	    "\nexit status: 0 ok, 64 usage, 65 permanent failure, 70 internal error, 75 temporary failure\n");
}

static const struct pn_error *
no_args(int argc, char **argv)
{
	if (argc > 1)
		return pn_error_fmt(PN_ERR_USAGE, "%s: unexpected argument \"%s\"", argv[0], argv[1]);
	return NULL;
}

enum opt_id {
	OPT_URL = 1000,
	OPT_BRANCH,
	OPT_PATH,
	OPT_STATE_DIR,
	OPT_CA_FILE,
	OPT_KUBECONFIG,
	OPT_CONTEXT,
	OPT_FORCE,
	OPT_WAIT,
	OPT_PRUNE,
	OPT_ALLOW_MASS_PRUNE,
	OPT_FORCE_NS_PRUNE,
	OPT_NAME,
	OPT_NAMESPACE,
	OPT_ONCE,
	OPT_TIMEOUT,
	OPT_API_TIMEOUT,
	OPT_CRD_WAIT,
	OPT_CRD_POLL,
	OPT_USERNAME,
	OPT_PASSWORD_FILE,
	OPT_BEARER_FILE,
	OPT_REQUIRE_FRESH,
	OPT_MAX_OBJECT,
	OPT_MAX_CHAIN,
	OPT_PRIVATE_KEY_FILE,
	OPT_KNOWN_HOSTS_FILE,
	OPT_TAG,
	OPT_SEMVER,
	OPT_REF,
	OPT_COMMIT,
	OPT_SUBSTITUTE,
	OPT_SUBSTITUTE_FILE,
	OPT_STRICT_SUBSTITUTE,
	OPT_LOCAL,
	OPT_HEALTH_CHECK,
};

static const struct option sync_options[] = {
	{"url", required_argument, NULL, OPT_URL},
	{"branch", required_argument, NULL, OPT_BRANCH},
	{"path", required_argument, NULL, OPT_PATH},
	{"state-dir", required_argument, NULL, OPT_STATE_DIR},
	{"ca-file", required_argument, NULL, OPT_CA_FILE},
	{"kubeconfig", required_argument, NULL, OPT_KUBECONFIG},
	{"context", required_argument, NULL, OPT_CONTEXT},
	{"force", no_argument, NULL, OPT_FORCE},
	{"wait", no_argument, NULL, OPT_WAIT},
	{"prune", no_argument, NULL, OPT_PRUNE},
	{"allow-mass-prune", no_argument, NULL, OPT_ALLOW_MASS_PRUNE},
	{"force-namespace-prune", no_argument, NULL, OPT_FORCE_NS_PRUNE},
	{"name", required_argument, NULL, OPT_NAME},
	{"namespace", required_argument, NULL, OPT_NAMESPACE},
	{"once", no_argument, NULL, OPT_ONCE},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"api-timeout", required_argument, NULL, OPT_API_TIMEOUT},
	{"crd-wait", required_argument, NULL, OPT_CRD_WAIT},
	{"crd-poll", required_argument, NULL, OPT_CRD_POLL},
	{"username", required_argument, NULL, OPT_USERNAME},
	{"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
	{"bearer-token-file", required_argument, NULL, OPT_BEARER_FILE},
	{"require-fresh", no_argument, NULL, OPT_REQUIRE_FRESH},
	{"max-object-size", required_argument, NULL, OPT_MAX_OBJECT},
	{"max-delta-chain", required_argument, NULL, OPT_MAX_CHAIN},
	{"private-key-file", required_argument, NULL, OPT_PRIVATE_KEY_FILE},
	{"known-hosts-file", required_argument, NULL, OPT_KNOWN_HOSTS_FILE},
	{"tag", required_argument, NULL, OPT_TAG},
	{"semver", required_argument, NULL, OPT_SEMVER},
	{"ref", required_argument, NULL, OPT_REF},
	{"commit", required_argument, NULL, OPT_COMMIT},
	{"substitute", required_argument, NULL, OPT_SUBSTITUTE},
	{"substitute-file", required_argument, NULL, OPT_SUBSTITUTE_FILE},
	{"strict-substitute", no_argument, NULL, OPT_STRICT_SUBSTITUTE},
	{"local", required_argument, NULL, OPT_LOCAL},
	{"health-check", required_argument, NULL, OPT_HEALTH_CHECK},
	{NULL, 0, NULL, 0},
};

/* Which of sync_options a command accepts, as a string of option ids' offsets (OPT_x - OPT_URL + 'a'). */
#define ACCEPTS(...) ((const enum opt_id[]){__VA_ARGS__, 0})

static int
accepts(const enum opt_id *ids, int id)
{
	for (; *ids != 0; ids++)
		if ((int)*ids == id)
			return 1;
	return 0;
}

/* --substitute-file: its variables into vars. */
static const struct pn_error *
subst_file(const char *path, struct pn_subst *vars)
{
	const struct pn_error *err;
	struct pn_buf b;

	pn_buf_init(&b, PN_CLI_BUILD_MAX_SUBST_FILE, path);
	if ((err = pn_file_read(path, &b)) == NULL)
		err = pn_subst_parse_env(vars, path, b.data, b.len);
	pn_buf_release(&b);
	return err;
}

/* The --health-check values of the command line (pn_sync_options.health_checks points here). */
static const char *health_checks[PN_SYNC_HEALTH_CHECKS_MAX];

/* Parse the flags of a command into o; positional arguments are left at argv[*first...]. --substitute-file
 * variables go to files, --substitute ones to args (commands that take neither pass NULL). */
static const struct pn_error *
parse_flags(int argc, char **argv, const enum opt_id *allowed, struct pn_sync_options *o, int *once,
    int *first, struct pn_subst *files, struct pn_subst *args)
{
	const struct pn_error *err;
	int c;

	memset(o, 0, sizeof(*o));
	o->state_dir = PN_STATE_DEFAULT_DIR;
	*once = 0;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", sync_options, NULL)) != -1) {
		if (c == '?' || c == ':' || !accepts(allowed, c))
			return pn_error_fmt(PN_ERR_USAGE, "%s: unknown or incomplete option \"%s\" (see \"pinion help\")",
			    argv[0], argv[optind - 1]);
		err = NULL;
		switch (c) {
		case OPT_URL: o->url = optarg; break;
		case OPT_BRANCH: o->branch = optarg; break;
		case OPT_PATH: o->path = optarg; break;
		case OPT_STATE_DIR: o->state_dir = optarg; break;
		case OPT_CA_FILE: o->ca_file = optarg; break;
		case OPT_KUBECONFIG: o->kubeconfig = optarg; break;
		case OPT_CONTEXT: o->context = optarg; break;
		case OPT_FORCE: o->force = 1; break;
		case OPT_WAIT: o->wait = 1; break;
		case OPT_PRUNE: o->prune = 1; break;
		case OPT_LOCAL: o->local_dir = optarg; break;
		case OPT_HEALTH_CHECK:
			if (o->nhealth_checks == PN_SYNC_HEALTH_CHECKS_MAX) {
				err = pn_error_fmt(PN_ERR_USAGE, "more than %d --health-check flags", PN_SYNC_HEALTH_CHECKS_MAX);
				break;
			}
			health_checks[o->nhealth_checks++] = optarg;
			o->health_checks = health_checks;
			break;
		case OPT_ALLOW_MASS_PRUNE: o->allow_mass_prune = 1; break;
		case OPT_FORCE_NS_PRUNE: o->force_namespace_prune = 1; break;
		case OPT_NAME: o->unit_name = optarg; break;
		case OPT_NAMESPACE: o->unit_namespace = optarg; break;
		case OPT_ONCE: *once = 1; break;
		case OPT_USERNAME: o->username = optarg; break;
		case OPT_PASSWORD_FILE: o->password_file = optarg; break;
		case OPT_BEARER_FILE: o->bearer_token_file = optarg; break;
		case OPT_REQUIRE_FRESH: o->require_fresh = 1; break;
		case OPT_MAX_OBJECT:
			err = pn_num_parse_u64(optarg, 1, PN_MAX_OBJECT_SIZE, "--max-object-size", &o->max_object_size);
			break;
		case OPT_MAX_CHAIN:
			err = pn_num_parse_u64(optarg, 1, PN_MAX_DELTA_CHAIN, "--max-delta-chain", &o->max_delta_chain);
			break;
		case OPT_PRIVATE_KEY_FILE: o->private_key_file = optarg; break;
		case OPT_KNOWN_HOSTS_FILE: o->known_hosts_file = optarg; break;
		case OPT_TAG: o->tag = optarg; break;
		case OPT_SEMVER: o->semver = optarg; break;
		case OPT_REF: o->ref = optarg; break;
		case OPT_COMMIT: o->commit = optarg; break;
		case OPT_SUBSTITUTE: err = pn_subst_set_arg(args, optarg, "--substitute"); break;
		case OPT_SUBSTITUTE_FILE:
			if ((err = subst_file(optarg, files)) != NULL)
				return err;
			break;
		case OPT_STRICT_SUBSTITUTE: files->strict = 1; break;
		case OPT_TIMEOUT: err = pn_num_parse_duration(optarg, PN_MAX_WAIT_MS, "--timeout", &o->timeout_ms); break;
		case OPT_API_TIMEOUT:
			err = pn_num_parse_duration(optarg, PN_MAX_WAIT_MS, "--api-timeout", &o->api_timeout_ms);
			break;
		case OPT_CRD_WAIT: err = pn_num_parse_duration(optarg, PN_MAX_WAIT_MS, "--crd-wait", &o->crd_wait_ms); break;
		case OPT_CRD_POLL: err = pn_num_parse_duration(optarg, PN_MAX_WAIT_MS, "--crd-poll", &o->crd_poll_ms); break;
		default: break;
		}
		if (err != NULL)
			return pn_error_fmt(PN_ERR_USAGE, "%s", err->msg);
	}
	/* the default branch only when no ref is named: a --commit alone is revision sha1:<hex>, with --branch
	 * <branch>@sha1:<hex> */
	if (o->branch == NULL && o->tag == NULL && o->semver == NULL && o->ref == NULL && o->commit == NULL)
		o->branch = "main";
	*first = optind;
	return NULL;
}

static const struct pn_error *
need(const char *value, const char *cmd, const char *flag)
{
	if (value == NULL || value[0] == '\0')
		return pn_error_fmt(PN_ERR_USAGE, "%s: %s is required", cmd, flag);
	return NULL;
}

static const struct pn_error *
cmd_sync(int argc, char **argv)
{
	struct pn_sync_options o;
	struct pn_subst files, args;
	const struct pn_error *err;
	int once, first;

	pn_subst_init(&files);
	pn_subst_init(&args);
	if ((err = parse_flags(argc, argv, ACCEPTS(OPT_URL, OPT_BRANCH, OPT_PATH, OPT_STATE_DIR, OPT_CA_FILE,
	    OPT_KUBECONFIG, OPT_CONTEXT, OPT_FORCE, OPT_WAIT, OPT_PRUNE,
	    OPT_HEALTH_CHECK, OPT_ALLOW_MASS_PRUNE, OPT_FORCE_NS_PRUNE, OPT_NAME, OPT_NAMESPACE, OPT_ONCE, OPT_TIMEOUT, OPT_API_TIMEOUT, OPT_CRD_WAIT,
	    OPT_CRD_POLL, OPT_USERNAME, OPT_PASSWORD_FILE, OPT_BEARER_FILE, OPT_REQUIRE_FRESH,
	    OPT_PRIVATE_KEY_FILE, OPT_KNOWN_HOSTS_FILE, OPT_TAG, OPT_SEMVER, OPT_REF, OPT_COMMIT, OPT_MAX_OBJECT,
	    OPT_MAX_CHAIN, OPT_SUBSTITUTE, OPT_SUBSTITUTE_FILE, OPT_STRICT_SUBSTITUTE), &o, &once, &first, &files,
	    &args)) != NULL)
		goto done;
	if (first < argc) {
		err = pn_error_fmt(PN_ERR_USAGE, "sync: unexpected argument \"%s\"", argv[first]);
		goto done;
	}
	if (!once) {
		err = pn_error_fmt(PN_ERR_USAGE, "sync: only --once is implemented: the daemon (continuous sync) "
		    "arrives in a later version");
		goto done;
	}
	if ((err = need(o.url, "sync", "--url")) != NULL)
		goto done;
	/* variables given: the unit behaves as a Kustomization with spec.postBuild (the flags win over files) */
	if ((err = pn_subst_merge(&files, &args)) != NULL)
		goto done;
	if (files.n > 0)
		o.subst = &files;
	err = pn_sync_once(&o);
done:
	pn_subst_release(&files);
	pn_subst_release(&args);
	return err;
}

/* pinion diff's verdict for main(): flux diff's exit status 1 when something would change. */
static int diff_changed;

static const struct pn_error *
cmd_diff(int argc, char **argv)
{
	struct pn_sync_options o;
	struct pn_subst files, args;
	const struct pn_error *err;
	size_t changes = 0;
	int once, first;

	pn_subst_init(&files);
	pn_subst_init(&args);
	if ((err = parse_flags(argc, argv, ACCEPTS(OPT_URL, OPT_BRANCH, OPT_PATH, OPT_STATE_DIR, OPT_CA_FILE,
	    OPT_KUBECONFIG, OPT_CONTEXT, OPT_FORCE, OPT_PRUNE, OPT_LOCAL, OPT_NAME, OPT_NAMESPACE, OPT_TIMEOUT,
	    OPT_API_TIMEOUT, OPT_USERNAME, OPT_PASSWORD_FILE, OPT_BEARER_FILE, OPT_REQUIRE_FRESH,
	    OPT_PRIVATE_KEY_FILE, OPT_KNOWN_HOSTS_FILE, OPT_TAG, OPT_SEMVER, OPT_REF, OPT_COMMIT, OPT_MAX_OBJECT,
	    OPT_MAX_CHAIN, OPT_SUBSTITUTE, OPT_SUBSTITUTE_FILE, OPT_STRICT_SUBSTITUTE), &o, &once, &first, &files,
	    &args)) != NULL)
		goto done;
	if (first < argc) {
		err = pn_error_fmt(PN_ERR_USAGE, "diff: unexpected argument \"%s\"", argv[first]);
		goto done;
	}
	if (o.local_dir == NULL && (err = need(o.url, "diff", "--url (or --local DIR)")) != NULL)
		goto done;
	if (o.local_dir != NULL && o.url != NULL) {
		err = pn_error_fmt(PN_ERR_USAGE, "diff: --local and --url exclude each other");
		goto done;
	}
	if ((err = pn_subst_merge(&files, &args)) != NULL)
		goto done;
	if (files.n > 0)
		o.subst = &files;
	if ((err = pn_sync_diff(&o, o.local_dir, &changes)) == NULL)
		diff_changed = changes > 0;
done:
	pn_subst_release(&files);
	pn_subst_release(&args);
	return err;
}

static const struct pn_error *
cmd_fetch(int argc, char **argv)
{
	struct pn_sync_options o;
	char revision[PN_STATE_REVISION_MAX];
	const struct pn_error *err;
	int once, first;

	if ((err = parse_flags(argc, argv, ACCEPTS(OPT_URL, OPT_BRANCH, OPT_STATE_DIR, OPT_CA_FILE, OPT_TIMEOUT,
	    OPT_USERNAME, OPT_PASSWORD_FILE, OPT_BEARER_FILE, OPT_PRIVATE_KEY_FILE, OPT_KNOWN_HOSTS_FILE, OPT_TAG,
	    OPT_SEMVER, OPT_REF, OPT_COMMIT, OPT_MAX_OBJECT, OPT_MAX_CHAIN), &o, &once, &first, NULL, NULL)) != NULL)
		return err;
	if (first < argc)
		return pn_error_fmt(PN_ERR_USAGE, "fetch: unexpected argument \"%s\"", argv[first]);
	if ((err = need(o.url, "fetch", "--url")) != NULL)
		return err;
	if ((err = pn_sync_fetch(&o, revision, sizeof(revision))) != NULL)
		return err;
	printf("%s\n", revision);
	return NULL;
}

/* The store of the state directory and its fetched commit (for the debug listings). */
static const struct pn_error *
open_fetched(const struct pn_sync_options *o, struct pn_odb **odb, struct pn_oid *commit)
{
	char revision[PN_STATE_REVISION_MAX];
	struct pn_pack_limits limits;
	const struct pn_error *err;
	int found;

	if ((err = pn_state_get(o->state_dir, PN_STATE_FETCHED, revision, sizeof(revision), &found)) != NULL)
		return err;
	if (!found)
		return pn_error_fmt(PN_ERR_NOT_FOUND, "%s holds no fetched revision yet (run pinion fetch)", o->state_dir);
	if ((err = pn_state_revision_oid(revision, commit)) != NULL)
		return err;
	pn_sync_pack_limits(o, &limits);
	return pn_odb_open(o->state_dir, &limits, odb);
}

static const struct pn_error *
cmd_ls_tree(int argc, char **argv)
{
	struct pn_sync_options o;
	struct pn_odb *odb = NULL;
	struct pn_oid commit;
	const struct pn_error *err;
	int once, first;

	if ((err = parse_flags(argc, argv, ACCEPTS(OPT_STATE_DIR, OPT_MAX_OBJECT, OPT_MAX_CHAIN), &o, &once, &first,
	    NULL, NULL)) != NULL)
		return err;
	if (argc - first > 1)
		return pn_error_fmt(PN_ERR_USAGE, "ls-tree: at most one PATH");
	if ((err = open_fetched(&o, &odb, &commit)) != NULL)
		return err;
	err = pn_tree_ls(odb, &commit, first < argc ? argv[first] : NULL, stdout);
	pn_odb_close(odb);
	return err;
}

static const struct pn_error *
cmd_cat_file(int argc, char **argv)
{
	struct pn_sync_options o;
	struct pn_odb *odb = NULL;
	struct pn_pack_limits limits;
	struct pn_oid oid;
	const struct pn_error *err;
	int once, first;

	if ((err = parse_flags(argc, argv, ACCEPTS(OPT_STATE_DIR, OPT_MAX_OBJECT, OPT_MAX_CHAIN), &o, &once, &first,
	    NULL, NULL)) != NULL)
		return err;
	if (argc - first != 1)
		return pn_error_fmt(PN_ERR_USAGE, "cat-file: exactly one OID");
	if ((err = pn_oid_from_hex(argv[first], strlen(argv[first]), &oid)) != NULL)
		return pn_error_fmt(PN_ERR_USAGE, "cat-file: %s", err->msg);
	pn_sync_pack_limits(&o, &limits);
	if ((err = pn_odb_open(o.state_dir, &limits, &odb)) != NULL)
		return err;
	err = pn_tree_cat(odb, &oid, stdout);
	pn_odb_close(odb);
	return err;
}

static const struct pn_error *
cmd_version(int argc, char **argv)
{
	const struct pn_error *err;

	if ((err = no_args(argc, argv)) != NULL)
		return err;
	printf("pinion %s\n", PN_VERSION);
	printf("  %s\n", pn_tls_library_version());
	printf("  libssh2 %s\n", libssh2_version(0));
	printf("  libyaml %s\n", yaml_get_version_string());
	printf("  cJSON %s\n", cJSON_Version());
	printf("  zlib %s\n", zlibVersion());
	return NULL;
}

static const struct pn_error *
cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return NULL;
}

int
main(int argc, char **argv)
{
	const struct pn_error *err;
	const struct command *cmd = NULL;
	const char *name;

	pn_log_init();
	if (argc < 2) {
		usage(stderr);
		return pn_error_exit_code(pn_error(PN_ERR_USAGE));
	}
	name = argv[1];
	if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0)
		name = "version";
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
		name = "help";
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(name, commands[i].name) == 0)
			cmd = &commands[i];
	if (cmd == NULL) {
		pn_log(PN_LOG_ERR, "unknown command \"%s\" (see \"pinion help\")", name);
		return pn_error_exit_code(pn_error(PN_ERR_USAGE));
	}
	if ((err = pn_signals_init()) == NULL)
		err = cmd->run(argc - 1, argv + 1);
	if (err != NULL)
		pn_log_error(err);
	if (fflush(stdout) == EOF && err == NULL) {
		err = pn_error_errno("write standard output");
		pn_log_error(err);
	}
	return err == NULL && diff_changed ? 1 : pn_error_exit_code(err);
}
